"""Request models of the creation platform (/v1/studio). The brief's values are checked by
`studio.copy.Brief` (one place), which names the field of a bad one."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftIn(Strict):
    purpose: str = Field("acquisition", max_length=20, examples=["acquisition"])
    channel: str = Field("poster", max_length=20, examples=["poster"])
    lang: str = Field("zh", max_length=5, examples=["zh"])
    audience: str = Field("", max_length=60)
    length: str = Field("", max_length=10)
    message: str = Field("", max_length=500, description="The marketer's own line (checked)")
    offer_url: str = Field("https://puhui.example/offer", max_length=300)
    product_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="A product of the lending catalog (default: the shipped product)",
    )
    mode: Literal["draft", "expand", "rewrite"] = "draft"
    text: str = Field("", max_length=4000, description="The text to expand or rewrite")


class RenderIn(Strict):
    layout: Literal["poster", "social", "video"] | None = None


class ReviewIn(Strict):
    decision: Literal["approve", "reject"]
    note: str = Field("", max_length=1000)

"""Request and response models of /v1/reports (due-diligence reports)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class DueDiligenceIn(BaseModel):
    applicant: dict[str, Any] = Field(description="The applicant file's JSON object")
    statement_csv: str = Field(
        min_length=1, max_length=20_000_000, description="The bank statement CSV, as exported"
    )
    lang: Literal["zh", "en"] = "zh"
    format: Literal["html", "pdf", "json"] = "html"
    embeddings: bool = Field(False, description="Categorise rows no rule knows by embeddings")
    narrative_llm: bool = Field(
        False, description="Draft the narrative with the configured large model (fact-checked)"
    )

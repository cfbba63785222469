"""The governance API's contract: registrations, approvals, the inventory and monitoring."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from puhui.governance.lifecycle import Record

#: `lifecycle.RISK_TIERS`, as the contract spells them.
RiskTier = Literal["high", "medium", "low"]


class MetaIn(BaseModel):
    model_config = ConfigDict(strict=True)

    owner: str = Field(min_length=1, max_length=200, description="Who answers for it.")
    purpose: str = Field(min_length=1, max_length=2000, description="What it is used for.")
    risk_tier: RiskTier = "high"
    data: list[str] = Field(
        default_factory=list, max_length=200, description="Data sources and classes it uses."
    )
    reason: str = Field("", max_length=2000, description="Why it is registered.")


class ModelIn(MetaIn):
    files: dict[str, str] = Field(
        description="The model directory written by `puhui model train`: file name -> text "
        "(model.json, feature_spec.json, binning.json, lightgbm.txt, metrics.json, cards, "
        "baseline.json).",
        min_length=1,
    )


class StrategyIn(MetaIn):
    strategy: dict[str, Any] = Field(
        description="The resolved strategy (`Strategy.to_data()`): strategy, model, cutoffs, "
        "pricing, limits, policy; its model must be registered."
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(strict=True)

    reason: str = Field(min_length=1, max_length=2000, description="Why (kept in the event).")
    override_reason: str = Field(
        "",
        max_length=2000,
        description="Required when the model's validation is over a fairness threshold.",
    )


class PromoteIn(BaseModel):
    model_config = ConfigDict(strict=True)

    reason: str = Field(min_length=1, max_length=2000)
    slot: str = Field("default", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class EventOut(BaseModel):
    event_id: str
    kind: str
    version: str
    event: str
    actor: str
    role: str
    at: str
    reason: str
    details: dict[str, Any]

    @classmethod
    def of(cls, record: Record) -> EventOut:
        return cls(**record.to_dict())


class AlertOut(BaseModel):
    alert_id: str
    run_id: str
    model_version: str
    day: str
    metric: str
    subject: str
    value: float
    level: str
    amber: float
    red: float
    raised_at: str

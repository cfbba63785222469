"""The decision API's contract: an application in, a decision (with its reasons) out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from puhui.governance.audit import AuditEntry
from puhui.money import Money
from puhui.rate import Rate


class ApplicationIn(BaseModel):
    model_config = ConfigDict(strict=True)  # "true" is not a boolean

    application_id: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="Client id of the application; a repeat returns the first decision.",
    )
    customer: dict[str, Any] = Field(
        description="The customer's fields: customer_id plus the model's features "
        "(see GET /v1/models/{version}) and the policy fields.",
        examples=[{"customer_id": "C000000001", "age": 30, "monthly_income": 8000}],
    )
    grant: bool = Field(True, description="Grant a credit line when approved.")


class ReasonOut(BaseModel):
    code: str
    source: str
    text_zh: str | None = None
    text_en: str | None = None


class DecisionOut(BaseModel):
    decision_id: str
    application_id: str
    customer_id: str
    decided_at: str
    outcome: str = Field(description="approve, refer or decline")
    pd: float
    score: int
    limit: str = Field(description="Approved limit, decimal string")
    currency: str
    apr: str | None = Field(
        description="The priced nominal annual rate as a fraction, e.g. 0.0755 (7.55%); the"
        " name predates the distinction: the APR disclosed at drawdown is the loan's"
    )
    apr_pct: str | None = Field(description="The same rate in percent, two decimals")
    reasons: list[ReasonOut]
    rules_fired: list[str]
    strategy_version: str
    model_version: str
    arm: str
    line_id: str | None

    @classmethod
    def of(cls, e: AuditEntry) -> DecisionOut:
        return cls(
            decision_id=e.decision_id,
            application_id=e.application_id,
            customer_id=e.customer_id,
            decided_at=e.decided_at,
            outcome=e.outcome,
            pd=e.pd,
            score=e.score,
            limit=Money(e.limit_minor, e.currency).format(),
            currency=e.currency,
            apr=e.nominal_rate,
            apr_pct=None if e.nominal_rate is None else Rate.of(e.nominal_rate).percent_text(2),
            reasons=[ReasonOut.model_validate(r) for r in e.reasons],
            rules_fired=list(e.rules_fired),
            strategy_version=e.strategy_version,
            model_version=e.model_version,
            arm=e.arm,
            line_id=e.line_id,
        )


class ReplayOut(BaseModel):
    decision_id: str
    matches: bool
    differences: list[str]
    original: dict[str, Any]
    replayed: dict[str, Any]

"""/v1/decisions and /v1/audit: evaluate one customer, read and replay the decision audit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from puhui.api.keys import ApiKey, Role
from puhui.api.security import require
from puhui.governance import audit
from puhui.governance.audit import AuditEntry
from puhui.money import Money

router = APIRouter(tags=["decisions"])


class ApplicationIn(BaseModel):
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
    apr: str | None = Field(description="Annual rate as a fraction, e.g. 0.0755 (7.55%)")
    apr_pct: str | None
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
            apr=e.apr,
            apr_pct=None if e.apr is None else f"{float(e.apr) * 100:.2f}",
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


DECIDERS = require(Role.AGENT, Role.OPERATOR, Role.RISK_ANALYST)


@router.post(
    "/v1/decisions",
    response_model=DecisionOut,
    status_code=201,
    summary="Decide for one customer (approve / refer / decline, limit, APR, reason codes)",
)
async def decide(
    request: Request,
    application: ApplicationIn = Body(...),
    key: ApiKey = Depends(DECIDERS),
) -> Response:
    # Evaluated on the event loop (well under a millisecond of CPU; a thread hop would cost as
    # much again), then logged by the group committer's thread: the loop serves other requests
    # while a batch of decisions shares one commit.
    ctx = request.app.state.decisions
    service = ctx.service()
    result = service.evaluate(application.customer, application.application_id)
    entry = await ctx.record(service, result, application.grant)
    # Serialised here, once: returning the model would make FastAPI validate it again.
    return Response(DecisionOut.of(entry).model_dump_json(), 201, media_type="application/json")


@router.get("/v1/decisions/{decision_id}", response_model=DecisionOut, summary="One decision")
def get_decision(
    request: Request, decision_id: str, key: ApiKey = Depends(DECIDERS)
) -> DecisionOut:
    entry = request.app.state.decisions.with_db(lambda db: audit.get(db, decision_id))
    return DecisionOut.of(entry)


@router.get(
    "/v1/audit/decisions", response_model=list[DecisionOut], summary="Query the decision audit"
)
def query_audit(
    request: Request,
    customer_id: str | None = Query(None, max_length=64),
    outcome: str | None = Query(None, pattern="^(approve|refer|decline)$"),
    since: str | None = Query(None, description="ISO timestamp, inclusive"),
    limit: int = Query(50, ge=1, le=1000),
    key: ApiKey = Depends(require(Role.RISK_ANALYST, Role.OPERATOR)),
) -> list[DecisionOut]:
    entries = request.app.state.decisions.with_db(
        lambda db: audit.query(
            db, customer_id=customer_id, outcome=outcome, since=since, limit=limit
        )
    )
    return [DecisionOut.of(e) for e in entries]


@router.post(
    "/v1/audit/decisions/{decision_id}/replay",
    response_model=ReplayOut,
    summary="Replay a logged decision with its own strategy and model versions",
)
def replay(
    request: Request, decision_id: str, key: ApiKey = Depends(require(Role.RISK_ANALYST))
) -> ReplayOut:
    result = request.app.state.decisions.with_service(lambda svc: svc.replay(decision_id))
    return ReplayOut(**result.to_dict())

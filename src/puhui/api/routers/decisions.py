"""/v1/decisions and /v1/audit: evaluate one customer, read and replay the decision audit."""

from __future__ import annotations

from fastapi import APIRouter, Body, Query, Request, Response

from puhui.api.dependencies import Decider, DecisionsDep, RiskAnalyst, RiskReader, decisions_of
from puhui.api.schemas.decisions import ApplicationIn, DecisionOut, ReplayOut

router = APIRouter(tags=["decisions"])


@router.post(
    "/v1/decisions",
    response_model=DecisionOut,
    status_code=201,
    summary="Decide for one customer (approve / refer / decline, limit, APR, reason codes)",
)
async def decide(
    request: Request, key: Decider, application: ApplicationIn = Body(...)
) -> Response:
    # Evaluated on the event loop (well under a millisecond of CPU; a thread hop would cost as
    # much again), then logged by the group committer's thread: the loop serves other requests
    # while a batch of decisions shares one commit.
    ctx = decisions_of(request)  # a plain call: the route's one dependency is its key
    service = ctx.service()
    result = service.evaluate(application.customer, application.application_id)
    entry = await ctx.record(service, result, application.grant)
    # Serialised here, once: returning the model would make FastAPI validate it again.
    return Response(DecisionOut.of(entry).model_dump_json(), 201, media_type="application/json")


@router.get("/v1/decisions/{decision_id}", response_model=DecisionOut, summary="One decision")
def get_decision(decisions: DecisionsDep, decision_id: str, key: Decider) -> DecisionOut:
    return DecisionOut.of(decisions.decision(decision_id))


@router.get(
    "/v1/audit/decisions", response_model=list[DecisionOut], summary="Query the decision audit"
)
def query_audit(
    decisions: DecisionsDep,
    key: RiskReader,
    customer_id: str | None = Query(None, max_length=64),
    outcome: str | None = Query(None, pattern="^(approve|refer|decline)$"),
    since: str | None = Query(None, description="ISO timestamp, inclusive"),
    limit: int = Query(50, ge=1, le=1000),
) -> list[DecisionOut]:
    entries = decisions.audit_trail(
        customer_id=customer_id, outcome=outcome, since=since, limit=limit
    )
    return [DecisionOut.of(e) for e in entries]


@router.post(
    "/v1/audit/decisions/{decision_id}/replay",
    response_model=ReplayOut,
    summary="Replay a logged decision with its own strategy and model versions",
)
def replay(decisions: DecisionsDep, decision_id: str, key: RiskAnalyst) -> ReplayOut:
    result = decisions.with_service(lambda svc: svc.replay(decision_id))
    return ReplayOut(**result.to_dict())

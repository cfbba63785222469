"""/v1/customers and /v1/access-log: customers' personal data on a need-to-know basis.

A customer is addressed by an unguessable reference (`cu_...`, `services.privacy`), never by
the internal id. Agents read only the customers they serve (an open call, an open case);
every role sees the profile fields its policy allows (full, masked or absent); and every read
is appended to the access log with who, which fields and why. Operators assign cases and
resolve an internal id to its reference; risk analysts and QA supervisors read the log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from puhui.api.dependencies import (
    AccessLogReader,
    DecisionsDep,
    LendingReader,
    Operator,
    PlatformDep,
)
from puhui.api.keys import ApiKey, Role
from puhui.api.problems import ProblemError
from puhui.api.schemas.decisions import DecisionOut
from puhui.errors import NotFoundError
from puhui.money import Money
from puhui.services import privacy
from puhui.services.customers import customer_view
from puhui.servicing.store import Db

router = APIRouter(prefix="/v1/customers", tags=["customers"])
log_router = APIRouter(prefix="/v1/access-log", tags=["customers"])

CustomerRef = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="The customer's reference (cu_ and 26 letters), from POST /v1/customers/refs",
    ),
]
T = TypeVar("T")
_READY: set[str] = set()


def _with(decisions: Any, fn: Callable[[Db], T]) -> T:
    def run(db: Db) -> T:
        if db.url.raw not in _READY:
            privacy.create_privacy_tables(db)
            _READY.add(db.url.raw)
        return fn(db)

    result: T = decisions.with_db(run)
    return result


def record_read(
    decisions: Any, key: ApiKey, customer_id: str, fields: list[str], purpose: str, route: str
) -> None:
    """Log a read of a customer's personal data made by another route (the call card)."""
    _with(
        decisions,
        lambda db: privacy.record_access(
            db,
            actor=key.key_id,
            role=key.role.value,
            customer_id=customer_id,
            fields=fields,
            purpose=purpose,
            route=route,
        ),
    )


def _open_call(request: Request, key: ApiKey, customer_id: str) -> str | None:
    """The id of the agent's open call with the customer in this process, if any."""
    service = getattr(request.app.state, "assist", None)
    if service is None:
        return None
    for call_id, live in list(service.live.items()):
        if live.agent.key_id == key.key_id and live.customer_id == customer_id:
            return str(call_id)
    return None


def _serving(request: Request, db: Db, key: ApiKey, customer_id: str) -> str:
    """Why an agent may read this customer (their call or case); 403 when they may not."""
    call = _open_call(request, key, customer_id)
    if call is not None:
        return f"serving: call {call}"
    if privacy.has_case(db, customer_id, key.key_id):
        return "serving: assigned case"
    raise ProblemError(
        403,
        "not_serving_customer",
        "agents read only the customers they serve: an open call or an assigned case",
    )


@router.get("/{customer_ref}", summary="Profile, lines and latest decision, as the role may see")
def customer(
    request: Request,
    decisions: DecisionsDep,
    platform: PlatformDep,
    key: LendingReader,
    customer_ref: CustomerRef,
    purpose: Annotated[
        str | None,
        Query(
            min_length=3,
            max_length=200,
            description="Why the data is read (kept in the access log); required but for "
            "agents, whose call or case is the purpose",
        ),
    ] = None,
) -> dict[str, Any]:
    def run(db: Db) -> dict[str, Any]:
        customer_id = privacy.resolve_ref(db, customer_ref)
        if key.role is Role.AGENT:
            why = _serving(request, db, key, customer_id)
            why = f"{why}; {purpose}" if purpose else why
        elif purpose is None:
            raise ProblemError(
                422,
                "validation_error",
                "say why you read this customer's data (purpose)",
                field="purpose",
            )
        else:
            why = purpose
        view = customer_view(db, customer_id)
        shown, fields = privacy.visible_profile(view.profile, key.role.value)
        read = [*fields, "lines"]
        latest = None
        if view.latest_decision is not None:
            latest = DecisionOut.of(view.latest_decision).model_dump()
            read.append("latest_decision")
        privacy.record_access(
            db,
            actor=key.key_id,
            role=key.role.value,
            customer_id=customer_id,
            fields=read,
            purpose=why,
            route=f"GET /v1/customers/{customer_ref}",
        )
        return {
            "customer_ref": customer_ref,
            "customer_id": view.customer_id,
            "profile": shown,
            "lines": [
                {
                    "line_id": line.id,
                    "currency": line.currency,
                    "limit": Money(line.limit, line.currency).format(),
                    "annual_rate_pct": line.nominal_rate.percent_text(None),
                    "status": line.status.value,
                }
                for line in view.lines
            ],
            "latest_decision": latest,
        }

    return _with(decisions, run)


class RefIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    customer_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    agent_key_id: str = Field(pattern=r"^[0-9a-f]{1,64}$", description="The agent's key id")
    reason: str = Field(min_length=3, max_length=500)


@router.post("/refs", summary="The reference of a customer id (operators; agents they serve)")
def reference(
    request: Request, decisions: DecisionsDep, key: LendingReader, body: RefIn
) -> dict[str, str]:
    secret = request.app.state.platform.settings.customer_ref_secret

    def run(db: Db) -> dict[str, str]:
        if key.role is Role.AGENT:
            _serving(request, db, key, body.customer_id)
        return {"customer_ref": privacy.customer_ref(db, body.customer_id, secret)}

    return _with(decisions, run)


@router.post("/{customer_ref}/cases", status_code=201, summary="Assign a case to an agent")
def assign_case(
    decisions: DecisionsDep,
    platform: PlatformDep,
    key: Operator,
    customer_ref: CustomerRef,
    body: CaseIn,
) -> dict[str, str]:
    agent = platform.keys.get(body.agent_key_id)
    if agent is None or agent.role is not Role.AGENT:
        raise NotFoundError("no such agent key", field="agent_key_id")

    def run(db: Db) -> dict[str, str]:
        customer_id = privacy.resolve_ref(db, customer_ref)
        privacy.assign(db, customer_id, agent.key_id, key.key_id, body.reason)
        return {"customer_ref": customer_ref, "agent_key_id": agent.key_id, "status": "open"}

    return _with(decisions, run)


@router.delete(
    "/{customer_ref}/cases/{agent_key_id}", status_code=204, summary="Close an agent's case"
)
def close_case(
    decisions: DecisionsDep,
    key: Operator,
    customer_ref: CustomerRef,
    agent_key_id: Annotated[str, Path(pattern=r"^[0-9a-f]{1,64}$")],
) -> Response:
    def run(db: Db) -> bool:
        return privacy.unassign(db, privacy.resolve_ref(db, customer_ref), agent_key_id)

    if not _with(decisions, run):
        raise NotFoundError("no open case for that agent", field="agent_key_id")
    return Response(status_code=204)


@log_router.get("", summary="Who read which customer's personal data, and why (newest first)")
def read_access_log(
    decisions: DecisionsDep,
    key: AccessLogReader,
    customer_ref: Annotated[str | None, Query(pattern=privacy.REF_PATTERN)] = None,
    actor: Annotated[str | None, Query(pattern=r"^[0-9a-f]{1,64}$")] = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> list[dict[str, Any]]:
    def run(db: Db) -> list[dict[str, Any]]:
        customer_id = privacy.resolve_ref(db, customer_ref) if customer_ref else None
        rows = privacy.access_log(
            db, customer_id=customer_id, actor=actor, since=since, limit=limit
        )
        return [r.to_dict() for r in rows]

    return _with(decisions, run)

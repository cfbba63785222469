"""Where every route gets what it needs: the platform, the decision service, the caller's role,
the Idempotency-Key and the money-moving rate limit. Routers import from here only.

Each route names its role with one of the `Annotated` aliases below (admins pass every check):

    def get_line(line_id: LineId, key: LendingReader, platform: PlatformDep) -> LineOut: ...
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.requests import HTTPConnection

from puhui.api.assist_runtime import assist_service
from puhui.api.keys import ApiKey, Role
from puhui.api.platform import Platform
from puhui.api.problems import ProblemError
from puhui.api.schemas.lending import TEXT_ID
from puhui.api.security import current_key, money_rate_limit, require, require_ws
from puhui.assist.service import AssistService
from puhui.services.decisions_context import DecisionsContext


def platform_of(request: Request) -> Platform:
    """The opened ledger, lending service, key store and limits of this process."""
    platform: Platform = request.app.state.platform
    return platform


def decisions_of(request: Request) -> DecisionsContext:
    """The champion decision service (opened on first use)."""
    context: DecisionsContext = request.app.state.decisions
    return context


def assist_of(conn: HTTPConnection) -> AssistService:
    """Agent assist (opened on first use; HTTP routes and WebSockets alike)."""
    return assist_service(conn.app)


PlatformDep = Annotated[Platform, Depends(platform_of)]
AssistDep = Annotated[AssistService, Depends(assist_of)]
DecisionsDep = Annotated[DecisionsContext, Depends(decisions_of)]

# -- who may call: one alias per audience ------------------------------------------------
AnyRole = Annotated[ApiKey, Depends(current_key)]
Operator = Annotated[ApiKey, Depends(require(Role.OPERATOR))]
Admin = Annotated[ApiKey, Depends(require(Role.ADMIN))]
#: Agents on a call and operators read lines, loans and customers.
LendingReader = Annotated[ApiKey, Depends(require(Role.AGENT, Role.OPERATOR))]
#: Everyone who reads the bank's state (the business date).
StaffReader = Annotated[ApiKey, Depends(require(Role.AGENT, Role.RISK_ANALYST, Role.OPERATOR))]
#: Agents, operators and risk analysts may ask for and read decisions.
Decider = Annotated[ApiKey, Depends(require(Role.AGENT, Role.OPERATOR, Role.RISK_ANALYST))]
#: Only risk analysts replay decisions (model validation).
RiskAnalyst = Annotated[ApiKey, Depends(require(Role.RISK_ANALYST))]
#: Risk analysts and operators govern models and read reconciliations.
RiskReader = Annotated[ApiKey, Depends(require(Role.RISK_ANALYST, Role.OPERATOR))]

#: Governance: risk analysts register and validate (makers), approvers approve, promote and
#: retire (checkers); both, and operators, read the inventory and monitoring.
GovernanceReader = Annotated[
    ApiKey, Depends(require(Role.RISK_ANALYST, Role.APPROVER, Role.OPERATOR))
]
GovernanceMaker = Annotated[ApiKey, Depends(require(Role.RISK_ANALYST))]
GovernanceChecker = Annotated[ApiKey, Depends(require(Role.APPROVER))]
#: Agents run their calls with agent assist (live path, turns, ending a call).
CallAgent = Annotated[ApiKey, Depends(require(Role.AGENT))]
CallAgentWs = Annotated[ApiKey, Depends(require_ws(Role.AGENT))]
#: Call records: agents see their own calls, QA supervisors see every call.
CallReader = Annotated[ApiKey, Depends(require(Role.AGENT, Role.QA_SUPERVISOR))]
#: Alert rates by rule and agent: QA supervisors.
QaSupervisor = Annotated[ApiKey, Depends(require(Role.QA_SUPERVISOR))]
#: Checking a text against the compliance rules: whoever writes to customers, and QA.
ComplianceChecker = Annotated[
    ApiKey, Depends(require(Role.AGENT, Role.QA_SUPERVISOR, Role.OPERATOR))
]

#: The personal-data access log: risk (data governance) and QA (call compliance) read it.
AccessLogReader = Annotated[ApiKey, Depends(require(Role.RISK_ANALYST, Role.QA_SUPERVISOR))]

#: Money-moving routes add this: 429 problem with Retry-After when a key goes too fast.
RATE_LIMITED = [Depends(money_rate_limit)]

_KEY = re.compile(TEXT_ID)


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Required: the operation's client id (1..64 of A-Z a-z 0-9 . _ : -);"
            " a retry with the same key returns the first result and books nothing.",
        ),
    ] = None,
) -> str:
    """The request's Idempotency-Key: 428 problem when missing, 422 when malformed."""
    if key is None or not key.strip():
        raise ProblemError(
            428,
            "idempotency_key_required",
            "money-moving requests need an Idempotency-Key header",
            field="Idempotency-Key",
        )
    if not _KEY.match(key):
        raise ProblemError(
            422,
            "validation_error",
            "Idempotency-Key must be 1..64 of A-Z a-z 0-9 . _ : -",
            field="Idempotency-Key",
        )
    return key


IdempotencyKey = Annotated[str, Depends(idempotency_key)]

#: The creation platform: operators draft, render and narrate (makers); approvers review
#: (checkers); both read drafts and download assets.
StudioMaker = Annotated[ApiKey, Depends(require(Role.OPERATOR))]
StudioChecker = Annotated[ApiKey, Depends(require(Role.APPROVER))]
StudioReader = Annotated[ApiKey, Depends(require(Role.OPERATOR, Role.APPROVER))]

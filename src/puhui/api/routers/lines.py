"""/v1/lines: credit lines (授信) and drawdowns (借款) on them.

Operators grant, re-limit, freeze and close lines and book drawdowns; agents read lines.
Drawdowns move money, so they are operator-only (a customer's own app books through a channel
service holding an operator key; an agent on a call reads, never books) and rate limited.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from puhui.api.dependencies import (
    RATE_LIMITED,
    IdempotencyKey,
    LendingReader,
    Operator,
    PlatformDep,
)
from puhui.api.platform import Platform
from puhui.api.problems import key_reused
from puhui.api.schemas.lending import (
    AprOut,
    DrawdownIn,
    DrawdownOut,
    InstallmentOut,
    LimitIn,
    LineId,
    LineIn,
    LineOut,
    LoanOut,
)
from puhui.errors import ConflictError, NotFoundError
from puhui.rate import Rate
from puhui.servicing.drawdown import DrawdownRequest
from puhui.servicing.lines import LineStatus
from puhui.servicing.service import LendingService

router = APIRouter(prefix="/v1/lines", tags=["lending: credit lines"])


@router.post(
    "",
    response_model=LineOut,
    status_code=201,
    summary="Grant a credit line (idempotent by id: 200 with the line when it already exists)",
    responses={409: {"description": "The id exists with other terms (problem+json)"}},
)
def create_line(platform: PlatformDep, response: Response, body: LineIn, key: Operator) -> LineOut:
    def run(lending: LendingService) -> tuple[LineOut, bool]:
        try:
            lending.line(body.id)
            existed = True
        except NotFoundError:
            existed = False
        line = lending.create_line(
            body.id,
            body.customer_id,
            body.limit,
            Rate.from_percent(body.annual_rate, "annual_rate"),
            body.expires,
            body.product_id,
            body.product_version,
        )
        return LineOut.of(line), existed

    line, existed = platform.with_lending(run)
    if existed:
        response.status_code = 200
    return line


@router.get("/{line_id}", response_model=LineOut, summary="A credit line: limit and available")
def get_line(platform: PlatformDep, line_id: LineId, key: LendingReader) -> LineOut:
    return LineOut.of(platform.with_lending(lambda s: s.line(line_id)))


@router.patch("/{line_id}/limit", response_model=LineOut, summary="Raise or lower the limit")
def change_limit(platform: PlatformDep, line_id: LineId, body: LimitIn, key: Operator) -> LineOut:
    return LineOut.of(platform.with_lending(lambda s: s.change_limit(line_id, body.limit)))


def _set_status(platform: Platform, line_id: str, status: LineStatus) -> LineOut:
    return LineOut.of(platform.with_lending(lambda s: s.set_line_status(line_id, status)))


@router.post("/{line_id}/freeze", response_model=LineOut, summary="Freeze: no new drawdowns")
def freeze(platform: PlatformDep, line_id: LineId, key: Operator) -> LineOut:
    return _set_status(platform, line_id, LineStatus.FROZEN)


@router.post("/{line_id}/unfreeze", response_model=LineOut, summary="Unfreeze a frozen line")
def unfreeze(platform: PlatformDep, line_id: LineId, key: Operator) -> LineOut:
    return _set_status(platform, line_id, LineStatus.ACTIVE)


@router.post("/{line_id}/close", response_model=LineOut, summary="Close for good")
def close(platform: PlatformDep, line_id: LineId, key: Operator) -> LineOut:
    return _set_status(platform, line_id, LineStatus.CLOSED)


@router.post(
    "/{line_id}/drawdowns",
    response_model=DrawdownOut,
    status_code=201,
    summary="Draw on the line: book a loan and disburse (Idempotency-Key required)",
    dependencies=RATE_LIMITED,
    responses={
        409: {"description": "Line not active, or the key was used with another body"},
        428: {"description": "Idempotency-Key header missing (problem+json)"},
        429: {"description": "Rate limited (problem+json, Retry-After)"},
    },
)
async def drawdown(
    platform: PlatformDep,
    response: Response,
    line_id: LineId,
    body: DrawdownIn,
    key: Operator,
    client_id: IdempotencyKey,
) -> DrawdownOut:
    try:
        result = await platform.drawdowns.book(
            DrawdownRequest(
                client_id, line_id, body.amount, body.installments, body.amortization, body.currency
            )
        )
    except ConflictError as error:
        if error.field == "client_id":
            raise key_reused(
                f"Idempotency-Key {client_id!r} booked another drawdown (line, amount,"
                " installments, amortization or currency differ)"
            ) from None
        raise
    loan = result.loan
    if result.schedule is not None:
        schedule = [InstallmentOut.booked(i, loan.currency) for i in result.schedule.installments]
    else:
        rows = await run_in_threadpool(
            platform.with_lending, lambda lending: lending.installments(loan.id)
        )
        schedule = [InstallmentOut.of(r, loan.currency) for r in rows]
    out = DrawdownOut(
        loan_id=str(loan.id),
        client_id=loan.client_id,
        created=result.created,
        loan=LoanOut.of(loan),
        schedule=schedule,
        apr=AprOut(
            method="PBOC IRR",
            nominal_pct=loan.apr_nominal_pct,
            effective_pct=loan.apr_effective_pct,
        ),
    )
    if not out.created:
        response.headers["Idempotent-Replayed"] = "true"
    return out

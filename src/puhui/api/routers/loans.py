"""/v1/loans and /v1/repayments: balances, schedule, transactions, payoff quotes, repayments.

Repayments and their reversals move money: operator-only and rate limited, and a repayment
needs an `Idempotency-Key` (its client id). Agents read loans to answer customers.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from puhui.api.dependencies import (
    RATE_LIMITED,
    IdempotencyKey,
    LendingReader,
    Operator,
    PlatformDep,
)
from puhui.api.problems import ProblemError, key_reused
from puhui.api.schemas.lending import (
    ClientId,
    InstallmentOut,
    LoanId,
    LoanOut,
    PaymentOut,
    PayoffQuoteOut,
    RepaymentIn,
    TransactionOut,
)
from puhui.errors import ConflictError
from puhui.servicing.service import LendingService

router = APIRouter(prefix="/v1", tags=["lending: loans"])

#: How far ahead a payoff quote may look (it projects interest day by day).
MAX_QUOTE_DAYS = 3660

_MONEY_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"description": "Conflict, or the key was used with another body (problem+json)"},
    429: {"description": "Rate limited (problem+json, Retry-After)"},
}


@router.get("/loans/{loan_id}", response_model=LoanOut, summary="A loan and its balances")
def get_loan(platform: PlatformDep, loan_id: LoanId, key: LendingReader) -> LoanOut:
    return LoanOut.of(platform.with_lending(lambda s: s.loan(int(loan_id))))


@router.get(
    "/loans/{loan_id}/schedule",
    response_model=list[InstallmentOut],
    summary="The installments: scheduled (or billed) and paid",
)
def get_schedule(
    platform: PlatformDep, loan_id: LoanId, key: LendingReader
) -> list[InstallmentOut]:
    def run(lending: LendingService) -> list[InstallmentOut]:
        loan = lending.loan(int(loan_id))
        return [InstallmentOut.of(r, loan.currency) for r in lending.installments(loan.id)]

    return platform.with_lending(run)


@router.get(
    "/loans/{loan_id}/transactions",
    response_model=list[TransactionOut],
    summary="The loan's sub-ledger entries: disbursement, repayments, reversals",
)
def get_transactions(
    platform: PlatformDep, loan_id: LoanId, key: LendingReader
) -> list[TransactionOut]:
    def run(lending: LendingService) -> list[TransactionOut]:
        loan = lending.loan(int(loan_id))
        entries = lending.transactions(loan.id)
        disbursement = TransactionOut(
            transaction_id=None,
            client_id=loan.client_id,
            kind="disbursement",
            business_date=date.fromordinal(loan.disbursed_day),
            amount=loan.fmt(loan.principal),
            paid={},
            reverses=None,
            reversed_by=None,
        )
        return [
            disbursement,
            *(
                TransactionOut(
                    transaction_id=str(e.id),
                    client_id=e.client_id,
                    kind=e.kind,  # type: ignore[arg-type]
                    business_date=date.fromordinal(e.business_day),
                    amount=loan.fmt(e.amount),
                    paid={k: loan.fmt(v) for k, v in e.paid.items()},
                    reverses=None if e.reverses is None else str(e.reverses),
                    reversed_by=None if e.reversed_by is None else str(e.reversed_by),
                )
                for e in entries
            ),
        ]

    return platform.with_lending(run)


@router.get(
    "/loans/{loan_id}/payoff-quote",
    response_model=PayoffQuoteOut,
    response_model_exclude_none=True,
    summary="What pays the loan off on a date (default: the business date)",
)
def payoff_quote(
    platform: PlatformDep,
    loan_id: LoanId,
    key: LendingReader,
    on: Annotated[date | None, Query(description="The business date or later")] = None,
) -> PayoffQuoteOut:
    def run(lending: LendingService) -> PayoffQuoteOut:
        if on is not None and on > lending.business_date() + timedelta(days=MAX_QUOTE_DAYS):
            raise ProblemError(
                422,
                "validation_error",
                f"a payoff quote looks at most {MAX_QUOTE_DAYS} days ahead",
                field="on",
            )
        quote = lending.quote(int(loan_id), on)
        quote.pop("total_minor", None)
        return PayoffQuoteOut(**{**quote, "loan_id": str(quote["loan_id"])})

    return platform.with_lending(run)


@router.post(
    "/loans/{loan_id}/repayments",
    response_model=PaymentOut,
    status_code=201,
    summary="Repay any amount on the business date (Idempotency-Key required)",
    dependencies=RATE_LIMITED,
    responses={428: {"description": "Idempotency-Key missing (problem+json)"}, **_MONEY_RESPONSES},
)
def repay(
    platform: PlatformDep,
    response: Response,
    loan_id: LoanId,
    body: RepaymentIn,
    key: Operator,
    client_id: IdempotencyKey,
) -> PaymentOut:
    def run(lending: LendingService) -> PaymentOut:
        try:
            result = lending.repay(int(loan_id), body.amount, client_id, body.on)
        except ConflictError as error:
            if error.field == "client_id":
                raise key_reused(f"Idempotency-Key {client_id!r}: {error.message}") from None
            raise
        return PaymentOut.of(result)

    out = platform.with_lending(run)
    if not out.created:
        response.headers["Idempotent-Replayed"] = "true"
    return out


@router.post(
    "/repayments/{client_id}/reversal",
    response_model=PaymentOut,
    summary="Reverse a repayment or recovery (idempotent: a repeat returns the reversal)",
    dependencies=RATE_LIMITED,
    responses=_MONEY_RESPONSES,
)
def reverse(platform: PlatformDep, client_id: ClientId, key: Operator) -> PaymentOut:
    return PaymentOut.of(platform.with_lending(lambda s: s.reverse(client_id)))

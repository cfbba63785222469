"""The lending API's contract: request and response models and shared path types.

Amounts travel as decimal strings in major units ("1000.00"), ids as strings, dates as ISO
dates. (The `Idempotency-Key` header of money-moving requests is `api.dependencies`'s.)
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from puhui.lending.schedule import Installment
from puhui.money import Money
from puhui.servicing.lines import CreditLine
from puhui.servicing.loans import LoanRow
from puhui.servicing.repayment import PaymentResult

TEXT_ID = r"^[A-Za-z0-9._:-]{1,64}$"
AMOUNT = r"^[0-9]{1,15}(\.[0-9]{1,8})?$"
RATE = r"^[0-9]{1,4}(\.[0-9]{1,8})?$"

LineId = Annotated[
    str, Path(pattern=TEXT_ID, description="Credit line id (1..64 of A-Z a-z 0-9 . _ : -)")
]
LoanId = Annotated[str, Path(pattern=r"^[0-9]{1,18}$", description="Loan id as a decimal string")]
ClientId = Annotated[str, Path(pattern=TEXT_ID, description="The Idempotency-Key of a payment")]
Amount = Annotated[
    str,
    Field(pattern=AMOUNT, description="Decimal string in major units", examples=["1000.00"]),
]


class _In(BaseModel):
    """Request bodies: unknown fields refused, and strict types ("3" is not an integer; a
    date is the one exception, since JSON has no date type)."""

    model_config = ConfigDict(extra="forbid", strict=True)


# -- credit lines ------------------------------------------------------------------------
class LineIn(_In):
    id: str = Field(pattern=TEXT_ID, description="Client-chosen line id; creating it again is safe")
    customer_id: str = Field(pattern=TEXT_ID)
    limit: Amount
    annual_rate: str = Field(pattern=RATE, description="Percent per year", examples=["18"])
    expires: date = Field(strict=False)
    product_id: str = Field("puhui-revolving-micro", pattern=TEXT_ID)
    product_version: int | None = Field(None, ge=1, le=1_000_000)


class LimitIn(_In):
    limit: Amount = Field(description="New limit (0 allowed: nothing more can be drawn)")


class LineOut(BaseModel):
    id: str
    customer_id: str
    currency: str
    limit: str
    outstanding: str
    written_off: str = Field(
        "0", description="Principal written off on this line: never available again"
    )
    available: str
    annual_rate: str
    expires: date
    status: Literal["active", "frozen", "closed"]
    product: str

    @classmethod
    def of(cls, line: CreditLine) -> LineOut:
        d = line.to_dict()
        d.pop("digits")
        return cls(**d)


# -- loans -------------------------------------------------------------------------------
class DrawdownIn(_In):
    amount: Amount
    installments: int = Field(ge=1, le=1200, description="Number of installments")
    amortization: Literal["equal-installments", "equal-principal"] | None = Field(
        None, description="Default: the product's first amortization"
    )
    currency: str | None = Field(
        None, pattern=r"^[A-Z]{3}$", description="If given, must be the line's currency"
    )


class LoanOut(BaseModel):
    id: str
    client_id: str
    line_id: str
    product: str
    currency: str
    status: Literal["active", "closed", "written_off"]
    principal: str
    installments: int
    disbursed: date
    maturity: date
    annual_rate: str
    apr_nominal_pct: str
    apr_effective_pct: str
    upfront_fee: str
    principal_outstanding: str
    principal_due: str
    principal_overdue: str
    interest_accrued: str
    interest_due: str
    fee_due: str
    penalty_due: str
    credit_balance: str
    written_off: str
    recovered: str
    payoff_today: str
    dpd: int
    overdue: bool
    bucket: str
    closed: date | None

    @classmethod
    def of(cls, loan: LoanRow) -> LoanOut:
        d = loan.to_dict()
        return cls(**{**d, "id": str(d["id"])})


class InstallmentOut(BaseModel):
    n: int
    from_date: date
    due_date: date
    principal: str
    interest: str
    fee: str
    total: str
    billed: bool
    principal_paid: str
    interest_paid: str
    fee_paid: str

    @classmethod
    def of(cls, row: dict[str, Any], currency: str) -> InstallmentOut:
        def f(minor: int) -> str:
            return str(Money(minor, currency).amount)

        billed = bool(row["billed"])
        # Once billed, what is due is what was billed (the interest actually accrued).
        p, i, fee = (
            (row["principal_billed"], row["interest_billed"], row["fee_billed"])
            if billed
            else (row["sched_principal"], row["sched_interest"], row["sched_fee"])
        )
        return cls(
            n=row["n"],
            from_date=date.fromordinal(row["from_day"]),
            due_date=date.fromordinal(row["due_day"]),
            principal=f(p),
            interest=f(i),
            fee=f(fee),
            total=f(p + i + fee),
            billed=billed,
            principal_paid=f(row["principal_paid"]),
            interest_paid=f(row["interest_paid"]),
            fee_paid=f(row["fee_paid"]),
        )

    @classmethod
    def booked(cls, installment: Installment, currency: str) -> InstallmentOut:
        """An installment of a loan just booked: as scheduled, nothing billed or paid."""
        i = installment
        return cls.of(
            {
                "n": i.n,
                "from_day": i.from_date.toordinal(),
                "due_day": i.due_date.toordinal(),
                "sched_principal": i.principal,
                "sched_interest": i.interest,
                "sched_fee": i.fee,
                "billed": 0,
                "principal_paid": 0,
                "interest_paid": 0,
                "fee_paid": 0,
            },
            currency,
        )


class AprOut(BaseModel):
    method: str = Field("PBOC IRR", description="IRR over every borrower cost (央行 IRR 口径)")
    nominal_pct: str = Field(description="Periodic IRR x periods per year")
    effective_pct: str = Field(description="Periodic IRR compounded over a year")


class DrawdownOut(BaseModel):
    loan_id: str
    client_id: str = Field(description="The Idempotency-Key that booked it")
    created: bool = Field(description="False when this answers a retry (nothing was booked)")
    loan: LoanOut
    schedule: list[InstallmentOut]
    apr: AprOut


class RepaymentIn(_In):
    amount: Amount
    on: date | None = Field(None, strict=False, description="If given, must be the business date")


class PaymentOut(BaseModel):
    transaction_id: str
    client_id: str
    kind: Literal["repayment", "recovery", "reversal"]
    amount: str
    paid: dict[str, str] = Field(description="By component; negative in a reversal")
    created: bool
    loan: LoanOut

    @classmethod
    def of(cls, p: PaymentResult) -> PaymentOut:
        f = p.loan.fmt
        return cls(
            transaction_id=str(p.transaction_id),
            client_id=p.client_id,
            kind=p.kind,  # type: ignore[arg-type]
            amount=f(p.amount),
            paid={k: f(v) for k, v in p.paid.items()},
            created=p.created,
            loan=LoanOut.of(p.loan),
        )


class TransactionOut(BaseModel):
    transaction_id: str | None = Field(description="None for the disbursement")
    client_id: str
    kind: Literal["disbursement", "repayment", "recovery", "reversal"]
    business_date: date
    amount: str
    paid: dict[str, str]
    reverses: str | None
    reversed_by: str | None


class PayoffQuoteOut(BaseModel):
    loan_id: str
    on: date
    total: str
    principal: str | None = None
    interest: str | None = None
    fee: str | None = None
    penalty: str | None = None
    early_repayment_fee: str | None = Field(
        None, description="The product's fee on the principal prepaid by settling on `on`"
    )
    early_repayment_allowed: bool | None = Field(
        None,
        description="False when the product allows no early repayment: before maturity the"
        " loan can only be paid as it falls due",
    )
    credit_balance: str | None = None
    recovery_due: str | None = Field(None, description="Only for a written-off loan")


# -- business date, COB, reconciliation --------------------------------------------------
class BusinessDateOut(BaseModel):
    business_date: date


class CobIn(_In):
    date: dt.date | None = Field(
        None, strict=False, description="The business date to close (default: the current one)"
    )


class CobOut(BaseModel):
    closed: date = Field(description="The business date closed")
    business_date: date = Field(description="The business date now")
    steps: dict[str, int] = Field(description="Loans touched per step")
    skipped: list[str] = Field(description="Steps already done earlier (a repeat)")


class ReconLineOut(BaseModel):
    ledger: int
    account: str
    subledger: str = Field(description="Minor units")
    general_ledger: str = Field(description="Minor units")
    ok: bool


class LoanCheckOut(BaseModel):
    check: str = Field(description="installments | journal_principal | journal_total")
    loans_failing: int


class ReconciliationOut(BaseModel):
    ok: bool
    trial_balance_zero: bool
    lines: list[ReconLineOut]
    loan_checks: list[LoanCheckOut] = Field(
        default_factory=list,
        description="Per-loan ties: installments to balances, the journal to what was lent",
    )

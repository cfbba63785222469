"""Loans in the sub-ledger: their stored balances by bucket, and per-loan housekeeping.

A loan row carries its balances (principal outstanding and the billed part of it, interest
accrued-unbilled and billed, fees, penalties, a customer credit balance), the snapshot of its
pricing (rates as integer micro-fractions, the day-count divisor) and its delinquency state.
Interest accrues exactly: `interest_rem` is the remainder of the day-count division, carried
from day to day, so no cent is lost or invented by daily rounding (see `cob.py`).
"""

from __future__ import annotations

import enum
from dataclasses import astuple, dataclass, fields
from datetime import date
from typing import Any

from puhui.errors import NotFoundError
from puhui.money import Money
from puhui.rate import PPM, Rate
from puhui.servicing.catalog import load_product
from puhui.servicing.store import Db


class LoanStatus(enum.StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"
    WRITTEN_OFF = "written_off"


#: Day-count divisor for ACTUAL years: 365, as Fineract divides daily interest even in leap
#: years (so accrued interest equals the schedule's to the cent).
ACTUAL_K = 365

#: What a loan owes and has earned, changed by every operation (`save_balances` writes them).
BALANCE_COLUMNS = (
    "principal_outstanding",
    "principal_billed",
    "principal_overdue",
    "interest_unbilled",
    "interest_billed",
    "interest_rem",
    "interest_period",
    "fee_billed",
    "penalty_unpaid",
    "penalty_rem",
    "credit_balance",
    "written_off",
    "principal_written_off",
    "recovered",
    "interest_earned",
    "fee_earned",
    "penalty_earned",
    "early_fee_paid",
)


@dataclass(slots=True)
class LoanRow:
    """One loan as stored (mutable while a service call works on it). The fields are the
    columns of `lending_loans`, in order (`LOAN_SELECT` reads them)."""

    id: int
    client_id: str
    line_id: str
    product_id: str
    product_version: int
    currency: str
    ledger: int
    principal: int
    installments: int
    amortization: str
    disbursed_day: int
    maturity_day: int
    apr_nominal_pct: str
    apr_effective_pct: str
    upfront_fee: int
    nominal_rate_ppm: int
    penalty_rate_ppm: int
    year_days: int
    rounding: str
    grace_days: int
    freeze_dpd: int
    write_off_dpd: int
    status: str
    principal_outstanding: int
    principal_billed: int = 0
    principal_overdue: int = 0
    interest_unbilled: int = 0
    interest_billed: int = 0
    interest_rem: int = 0
    interest_period: int = 0
    fee_billed: int = 0
    penalty_unpaid: int = 0
    penalty_rem: int = 0
    credit_balance: int = 0
    written_off: int = 0
    principal_written_off: int = 0
    recovered: int = 0
    #: Income recognised over the loan's life (interest accrued and its billing rounding;
    #: upfront, installment and early-repayment fees; penalty interest): what reconciliation
    #: ties the income accounts to.
    interest_earned: int = 0
    fee_earned: int = 0
    penalty_earned: int = 0
    early_fee_paid: int = 0
    accrual_day: int = 0
    penalty_day: int = 0
    oldest_due_day: int | None = None
    dpd: int = 0
    bucket: str = "M0"
    closed_day: int | None = None

    @classmethod
    def from_row(cls, row: Any) -> LoanRow:
        return cls(*row)

    def values(self) -> tuple[Any, ...]:
        """The row's values in column order, for an INSERT of all `LOAN_COLUMNS`."""
        return astuple(self)

    @property
    def nominal_rate(self) -> Rate:
        """The contract's nominal annual rate (what interest accrues at)."""
        return Rate.from_units(self.nominal_rate_ppm, PPM)

    @property
    def apr(self) -> Rate:
        """The APR disclosed at drawdown (PBOC IRR, nominal), to four decimals of percent."""
        return Rate.from_percent(self.apr_nominal_pct)

    @property
    def total_due_now(self) -> int:
        """Everything owed if paid off today (accrued interest included)."""
        return (
            self.principal_outstanding
            + self.interest_unbilled
            + self.interest_billed
            + self.fee_billed
            + self.penalty_unpaid
        )

    def fmt(self, minor: int) -> str:
        return str(Money(minor, self.currency).amount)

    def to_dict(self) -> dict[str, Any]:
        f = self.fmt
        return {
            "id": self.id,
            "client_id": self.client_id,
            "line_id": self.line_id,
            "product": f"{self.product_id}@{self.product_version}",
            "currency": self.currency,
            "status": self.status,
            "principal": f(self.principal),
            "installments": self.installments,
            "disbursed": date.fromordinal(self.disbursed_day).isoformat(),
            "maturity": date.fromordinal(self.maturity_day).isoformat(),
            "annual_rate": self.nominal_rate.percent_text(None),
            "apr_nominal_pct": self.apr_nominal_pct,
            "apr_effective_pct": self.apr_effective_pct,
            "upfront_fee": f(self.upfront_fee),
            "principal_outstanding": f(self.principal_outstanding),
            "principal_due": f(self.principal_billed),
            "principal_overdue": f(self.principal_overdue),
            "interest_accrued": f(self.interest_unbilled),
            "interest_due": f(self.interest_billed),
            "fee_due": f(self.fee_billed),
            "penalty_due": f(self.penalty_unpaid),
            "credit_balance": f(self.credit_balance),
            "written_off": f(self.written_off),
            "recovered": f(self.recovered),
            "payoff_today": f(self.total_due_now),
            "dpd": self.dpd,
            "overdue": self.dpd > 0,
            "bucket": self.bucket,
            "closed": None
            if self.closed_day is None
            else date.fromordinal(self.closed_day).isoformat(),
        }


LOAN_COLUMNS = tuple(f.name for f in fields(LoanRow))
LOAN_SELECT = "SELECT " + ", ".join(LOAN_COLUMNS) + " FROM lending_loans"


def load_loan(
    db: Db, *, loan_id: int | None = None, client_id: str | None = None, lock: bool = False
) -> LoanRow:
    if loan_id is not None:
        row = db.one(LOAN_SELECT + " WHERE id = ?" + (db.for_update if lock else ""), (loan_id,))
    else:
        row = db.one(
            LOAN_SELECT + " WHERE client_id = ?" + (db.for_update if lock else ""), (client_id,)
        )
    if row is None:
        raise NotFoundError(
            f"loan {loan_id if loan_id is not None else client_id!r} not found", field="loan_id"
        )
    return LoanRow.from_row(row)


def save_balances(db: Db, loan: LoanRow) -> None:
    columns = (*BALANCE_COLUMNS, "status", "oldest_due_day", "dpd", "bucket", "closed_day")
    assignments = ", ".join(f"{c} = ?" for c in columns)
    db.execute(
        f"UPDATE lending_loans SET {assignments} WHERE id = ?",
        (*(getattr(loan, c) for c in columns), loan.id),
    )


def settle_status(loan: LoanRow, today: int) -> None:
    """Close an active loan that owes nothing; re-open a closed one that owes again."""
    if loan.status == LoanStatus.ACTIVE and loan.total_due_now == 0:
        loan.status = LoanStatus.CLOSED.value
        loan.closed_day = today
        loan.interest_rem = 0
        loan.penalty_rem = 0
        loan.interest_period = 0
    elif loan.status == LoanStatus.CLOSED and loan.total_due_now > 0:
        loan.status = LoanStatus.ACTIVE.value
        loan.closed_day = None


#: Days past due from the oldest unpaid due date once the grace days have passed: the rule of
#: `lending.delinquency.days_past_due`, as SQL over the stored loan (`:d` is the business day).
_DPD = (
    "CASE WHEN oldest_due_day IS NOT NULL AND :d - oldest_due_day > grace_days"
    " THEN :d - oldest_due_day ELSE 0 END"
)
_OVERDUE_PRINCIPAL = (
    "CASE WHEN status = 'active' THEN (SELECT COALESCE(SUM(i.principal_billed - i.principal_paid),"
    " 0) FROM lending_installments AS i WHERE i.loan_id = lending_loans.id AND i.billed = 1"
    " AND i.due_day + lending_loans.grace_days < :d) ELSE 0 END"
)
#: What COB ages each day: active loans with something unpaid from before the business day.
AGEING = "status = 'active' AND oldest_due_day IS NOT NULL AND oldest_due_day < :d"


def age(db: Db, day: int, loan_id: int | None = None) -> int:
    """Overdue principal, days past due and delinquency bucket as of business day `day`.

    The one place DPD is computed: COB ages every loan in `AGEING` with it; a payment or a
    reversal ages its own loan (`loan_id`), after recomputing its oldest unpaid due date.
    Returns the number of loans aged."""
    if loan_id is not None:
        db.execute(
            "UPDATE lending_loans SET oldest_due_day = (SELECT MIN(i.due_day)"
            " FROM lending_installments AS i WHERE i.loan_id = lending_loans.id AND i.billed = 1"
            " AND i.principal_billed + i.interest_billed + i.fee_billed"
            " > i.principal_paid + i.interest_paid + i.fee_paid)"
            " WHERE id = ? AND status <> 'written_off'",
            (loan_id,),
        )
    # A written-off loan keeps the DPD it was written off at: COB stops ageing it, and so
    # does a recovery.
    where, params = (
        (AGEING, ()) if loan_id is None else ("id = ? AND status <> 'written_off'", (loan_id,))
    )
    sql = (
        f"UPDATE lending_loans SET principal_overdue = {_OVERDUE_PRINCIPAL}, dpd = {_DPD}"
        f" WHERE {where}"
    )
    cursor = db.execute(sql.replace(":d", str(int(day))), params)
    touched = max(int(cursor.rowcount or 0), 0)
    filtered = where.replace(":d", str(int(day)))
    for product_id, version in db.all(
        f"SELECT DISTINCT product_id, product_version FROM lending_loans WHERE {filtered}", params
    ):
        rules = load_product(db, str(product_id), int(version)).delinquency
        cases = " ".join(
            f"WHEN dpd <= {b.to} THEN '{b.name}'" for b in rules.buckets if b.to is not None
        )
        db.execute(
            f"UPDATE lending_loans SET bucket = CASE WHEN dpd <= 0 THEN 'M0' {cases}"
            f" ELSE '{rules.buckets[-1].name}' END"
            f" WHERE {filtered} AND product_id = ? AND product_version = ?",
            (*params, product_id, version),
        )
    return touched


def installments_of(db: Db, loan_id: int) -> list[dict[str, Any]]:
    rows = db.all(
        "SELECT n, from_day, due_day, sched_principal, sched_interest, sched_fee, billed,"
        " principal_billed, interest_billed, fee_billed, principal_paid, interest_paid, fee_paid"
        " FROM lending_installments WHERE loan_id = ? ORDER BY n",
        (loan_id,),
    )
    keys = (
        "n",
        "from_day",
        "due_day",
        "sched_principal",
        "sched_interest",
        "sched_fee",
        "billed",
        "principal_billed",
        "interest_billed",
        "fee_billed",
        "principal_paid",
        "interest_paid",
        "fee_paid",
    )
    return [dict(zip(keys, (int(v) for v in r), strict=True)) for r in rows]


def installments_due(db: Db, day: int) -> list[tuple[int, int, int, str]]:
    """(loan id, n, scheduled amount not yet paid, line id) of active loans' installments due
    on `day`."""
    rows = db.all(
        "SELECT i.loan_id, i.n, i.sched_principal + i.sched_interest + i.sched_fee"
        " - i.principal_paid - i.interest_paid - i.fee_paid, l.line_id"
        " FROM lending_installments i JOIN lending_loans l ON l.id = i.loan_id"
        " WHERE i.due_day = ? AND l.status = 'active' ORDER BY i.loan_id",
        (day,),
    )
    return [(int(r[0]), int(r[1]), int(r[2]), str(r[3])) for r in rows]


def loans_of_customer(db: Db, customer_id: str) -> list[LoanRow]:
    """Every loan on any of the customer's lines, newest first."""
    rows = db.all(
        LOAN_SELECT + " WHERE line_id IN (SELECT id FROM lending_lines WHERE customer_id = ?)"
        " ORDER BY disbursed_day DESC, id DESC",
        (customer_id,),
    )
    return [LoanRow.from_row(r) for r in rows]


def overdue_loans(db: Db) -> list[LoanRow]:
    """Active loans with days past due, by id (for overdue notices)."""
    rows = db.all(LOAN_SELECT + " WHERE status = 'active' AND dpd > 0 ORDER BY id")
    return [LoanRow.from_row(r) for r in rows]

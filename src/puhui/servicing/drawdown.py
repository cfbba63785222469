"""Drawdown (借款): check a request against its line and product, book the loan, disburse.

A loan is booked with a snapshot of its schedule (one `lending_installments` row per
installment) and its APR disclosure (PBOC IRR, nominal and effective), and the disbursement
is queued for the ledger with transfer ids derived from the drawdown's client id. The client
id makes the call idempotent: a retry returns the first loan and books nothing.
`book_drawdowns` books many requests in one transaction (all or nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from puhui.errors import ConflictError, PuhuiError, ValidationError
from puhui.lending.apr import AprResult, schedule_apr
from puhui.lending.interest import (
    ACTUAL_YEAR_DAYS,
    MAX_DAY_WEIGHT,
    accrual_divisor,
)
from puhui.lending.products import Product
from puhui.lending.schedule import Schedule, generate_schedule
from puhui.lending.terms import (
    Amortization,
    DaysInYear,
    InterestMethod,
    InterestPeriod,
    ScheduleEngine,
)
from puhui.money import Money, exponent
from puhui.rate import PPM, Rate
from puhui.servicing.catalog import business_day, load_product
from puhui.servicing.chart import Code, TransferCode, ledger_of, transfer_id
from puhui.servicing.lines import CreditLine, LineStatus, get_line, get_lines, parse_amount
from puhui.servicing.loans import ACTUAL_K, LOAN_COLUMNS, LoanRow, LoanStatus, load_loan
from puhui.servicing.outbox import Posting, enqueue
from puhui.servicing.store import Db


@dataclass(frozen=True, slots=True)
class DrawdownRequest:
    client_id: str
    line_id: str
    amount: Decimal | str
    installments: int
    amortization: str | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class DrawdownResult:
    loan: LoanRow
    created: bool  # False when this was a retry of an earlier drawdown
    #: The schedule booked with a new loan (None on a retry: read the installments instead).
    schedule: Schedule | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**self.loan.to_dict(), "created": self.created}


_PRICED: dict[tuple[Any, ...], tuple[Schedule, AprResult]] = {}
#: Fingerprints by product object; the value keeps the object alive so its id is not reused.
_FINGERPRINTS: dict[int, tuple[Product, str]] = {}


def _fingerprint(product: Product) -> str:
    """The product's content hash, computed once per product object (the memo's key)."""
    hit = _FINGERPRINTS.get(id(product))
    if hit is None:
        if len(_FINGERPRINTS) > 10_000:
            _FINGERPRINTS.clear()
        hit = _FINGERPRINTS[id(product)] = (product, product.fingerprint())
    return hit[1]


def price(
    product: Product,
    rate: Rate,
    amount: int,
    installments: int,
    on: date,
    amortization: str | None,
) -> tuple[Schedule, AprResult]:
    """Schedule and APR of a drawdown (memoised: equal inputs give equal schedules)."""
    key = (_fingerprint(product), rate, amount, installments, on, amortization)
    hit = _PRICED.get(key)
    if hit is not None:
        return hit
    priced = product.model_copy(update={"nominal_rate": rate})
    principal = Decimal(amount).scaleb(-product.schedule.digits)
    terms = priced.terms_for(principal, installments, on, amortization)
    schedule = generate_schedule(terms)
    result = (schedule, schedule_apr(schedule))
    if len(_PRICED) > 50_000:
        _PRICED.clear()
    _PRICED[key] = result
    return result


def check_serviceable(product: Product) -> None:
    """Servicing accrues simple daily interest on the declining balance; refuse other kinds."""
    s = product.schedule
    if (
        s.interest_method is not InterestMethod.DECLINING_BALANCE
        or s.interest_period is not InterestPeriod.DAILY
        or s.grace_interest
        or s.interest_free_periods
    ):
        raise ValidationError(
            f"product {product.id}@{product.version}: servicing supports declining-balance,"
            " daily-interest products without interest grace",
            field="product",
        )
    product.nominal_rate.per_unit(PPM, "nominal_rate")


def year_days(product: Product) -> int:
    """The loan's accrual day count, as its schedule counts days: a fixed 360/364/365, or for
    actual days-in-year 365 under the cumulative engine (Fineract divides daily interest by
    365 even in leap years) and each calendar year's own length under the progressive one."""
    diy = product.schedule.days_in_year
    if diy is not DaysInYear.ACTUAL:
        return diy.days()
    if product.schedule.engine is ScheduleEngine.PROGRESSIVE:
        return ACTUAL_YEAR_DAYS
    return ACTUAL_K


def max_principal(rate_ppm: int, penalty_ppm: int, days: int) -> int:
    """The largest principal whose exact daily accrual fits 64-bit SQL integers on both
    backends: numerator + principal x rate x day weight < 2^63 (SQLite would silently turn to
    floating point above it, PostgreSQL would fail the day's COB)."""
    per_day = max(rate_ppm, penalty_ppm, 1) * (MAX_DAY_WEIGHT if days == ACTUAL_YEAR_DAYS else 1)
    return (2**63 - 1 - 2 * accrual_divisor(days)) // per_day


class _Batch:
    """One transaction's drawdowns: lines locked once, rows written with one statement each."""

    def __init__(self, db: Db, today: int) -> None:
        self.db = db
        self.today = today
        self.lines: dict[str, CreditLine] = {}
        self.drawn: dict[str, int] = {}
        self.booked: dict[str, DrawdownResult] = {}
        self.loans: list[tuple[Any, ...]] = []
        self.installments: list[tuple[int, ...]] = []
        self.postings: list[Posting] = []
        self.existing: dict[str, int] = {}

    def find_existing(self, client_ids: Sequence[object]) -> None:
        """Loan ids already booked under any of these client ids (one query per 500)."""
        wanted = sorted({c for c in client_ids if isinstance(c, str)})
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for client_id, loan_id in self.db.all(
                f"SELECT client_id, id FROM lending_loans WHERE client_id IN ({marks})", chunk
            ):
                self.existing[str(client_id)] = int(loan_id)

    def line(self, line_id: str) -> CreditLine:
        if line_id not in self.lines:
            self.lines[line_id] = get_line(self.db, line_id, lock=True)
            self.drawn[line_id] = 0
        return self.lines[line_id]

    def write(self) -> None:
        db = self.db
        db.many(
            f"INSERT INTO lending_loans ({', '.join(LOAN_COLUMNS)})"
            f" VALUES ({', '.join('?' * len(LOAN_COLUMNS))})",
            self.loans,
        )
        db.many(
            "INSERT INTO lending_installments (loan_id, n, from_day, due_day, last,"
            " sched_principal, sched_interest, sched_fee) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            self.installments,
        )
        enqueue(db, self.postings)


def _check_same_request(db: Db, loan: LoanRow, request: DrawdownRequest) -> None:
    """A retry must ask for what the first request booked; a reused client id with another
    line, amount, term, amortization or currency is refused, not answered with the first loan.
    An amortization left out means the product's default, so a retry that leaves it out
    matches only a loan booked with that default."""
    asked = parse_amount(request.amount, loan.currency)
    if request.amortization is not None:
        amortization = Amortization.parse(request.amortization, "amortization").value
    else:
        product = load_product(db, loan.product_id, loan.product_version)
        amortization = product.schedule.amortizations[0].value
    if (
        loan.line_id != request.line_id
        or asked != loan.principal
        or request.installments != loan.installments
        or request.currency not in (None, loan.currency)
        or amortization != loan.amortization
    ):
        raise ConflictError(
            f"client_id {request.client_id!r} was used for another drawdown", field="client_id"
        )


def _book_one(batch: _Batch, request: DrawdownRequest, new_id: int) -> DrawdownResult:
    db, today = batch.db, batch.today
    client_id = request.client_id
    if not isinstance(client_id, str) or not client_id.strip() or len(client_id) > 64:
        raise ValidationError("client_id must be 1..64 characters", field="client_id")
    earlier = batch.booked.get(client_id)
    if earlier is None and client_id in batch.existing:
        earlier = DrawdownResult(load_loan(db, loan_id=batch.existing[client_id]), created=False)
    if earlier is not None:
        _check_same_request(db, earlier.loan, request)
        return DrawdownResult(earlier.loan, created=False)
    line = batch.line(request.line_id)
    if request.currency is not None:
        ledger_of(request.currency)
        if request.currency != line.currency:
            raise ValidationError(
                f"currency {request.currency} does not match the line's {line.currency}",
                field="currency",
            )
    if line.status is not LineStatus.ACTIVE:
        raise ConflictError(f"credit line {line.id!r} is {line.status.value}", field="line_id")
    if today > line.expires.toordinal():
        raise ValidationError(f"credit line {line.id!r} expired on {line.expires}", field="line_id")
    amount = parse_amount(request.amount, line.currency)
    available = line.available - batch.drawn[line.id]
    if amount > available:
        raise ValidationError(
            f"amount {request.amount} exceeds the available"
            f" {Money(max(available, 0), line.currency).amount}",
            field="amount",
        )
    if isinstance(request.installments, bool) or not isinstance(request.installments, int):
        raise ValidationError("installments must be an integer", field="installments")
    product = load_product(db, line.product_id, line.product_version)
    check_serviceable(product)
    on = date.fromordinal(today)
    schedule, apr = price(
        product, line.nominal_rate, amount, request.installments, on, request.amortization
    )
    if schedule.digits != exponent(line.currency):
        raise ValidationError(
            "product digits differ from the currency's minor units", field="product"
        )
    rate_ppm = line.nominal_rate.per_unit(PPM, "nominal_rate")
    penalty_ppm = product.overdue.penalty_rate(line.nominal_rate).per_unit(
        PPM, "overdue.penalty_multiplier"
    )
    days = year_days(product)
    ceiling = max_principal(rate_ppm, penalty_ppm, days)
    if amount > ceiling:
        raise ValidationError(
            f"amount {request.amount} is larger than a loan at this rate can accrue exactly"
            f" (at most {Money(ceiling, line.currency).amount})",
            field="amount",
        )
    upfront = schedule.upfront_fee
    rows = schedule.installments
    loan = LoanRow(
        id=new_id,
        client_id=client_id,
        line_id=line.id,
        product_id=product.id,
        product_version=product.version,
        currency=line.currency,
        ledger=ledger_of(line.currency),
        principal=amount,
        installments=len(rows),
        amortization=schedule.terms.amortization.value,
        disbursed_day=today,
        maturity_day=rows[-1].due_date.toordinal(),
        apr_nominal_pct=apr.nominal.percent_text(),
        apr_effective_pct=apr.effective.percent_text(),
        upfront_fee=upfront,
        nominal_rate_ppm=rate_ppm,
        penalty_rate_ppm=penalty_ppm,
        year_days=days,
        rounding=product.schedule.rounding.value,
        grace_days=product.overdue.grace_days,
        freeze_dpd=product.delinquency.freeze_line_dpd,
        write_off_dpd=product.delinquency.write_off_dpd,
        status=LoanStatus.ACTIVE.value,
        principal_outstanding=amount,
        fee_earned=upfront,
    )
    number = loan.ledger
    batch.loans.append(loan.values())
    last = rows[-1].n
    batch.installments.extend(
        (
            new_id,
            i.n,
            i.from_date.toordinal(),
            i.due_date.toordinal(),
            1 if i.n == last else 0,
            i.principal,
            i.interest,
            i.fee,
        )
        for i in rows
    )
    batch.postings.append(
        Posting(
            transfer_id("drawdown", client_id, "principal"),
            number,
            Code.PRINCIPAL_RECEIVABLE,
            Code.SETTLEMENT,
            amount,
            TransferCode.DISBURSEMENT,
        )
    )
    if upfront:
        batch.postings.append(
            Posting(
                transfer_id("drawdown", client_id, "upfront-fee"),
                number,
                Code.SETTLEMENT,
                Code.FEE_INCOME,
                upfront,
                TransferCode.UPFRONT_FEE,
            )
        )
    batch.drawn[line.id] += amount
    result = DrawdownResult(loan, created=True, schedule=schedule)
    batch.booked[client_id] = result
    return result


def book_drawdowns(db: Db, requests: Sequence[DrawdownRequest]) -> list[DrawdownResult]:
    """Book every request in one transaction; any invalid request books none of them."""
    outcomes = _book(db, requests, isolate=False)
    return [o for o in outcomes if isinstance(o, DrawdownResult)]


def book_each(db: Db, requests: Sequence[DrawdownRequest]) -> list[DrawdownResult | PuhuiError]:
    """Book the valid requests in one transaction; each invalid one gets its own error.

    For callers that gather independent requests (the API's concurrent drawdowns): one bad
    request must not fail its neighbours. A request is checked in full before anything of it
    is added to the batch, so a refused one leaves no trace.
    """
    return _book(db, requests, isolate=True)


def _book(
    db: Db, requests: Sequence[DrawdownRequest], *, isolate: bool
) -> list[DrawdownResult | PuhuiError]:
    if not requests:
        return []
    today = business_day(db)
    if today is None:
        raise ValidationError("the business date is not set", field="business_date")
    ids = db.next_ids("lending_loans", len(requests))
    batch = _Batch(db, today)
    batch.find_existing([r.client_id for r in requests])
    # Lock the lines in one global order (by id), so concurrent batches cannot deadlock.
    batch.lines = get_lines(
        db, [r.line_id for r in requests if isinstance(r.line_id, str)], lock=True
    )
    batch.drawn = dict.fromkeys(batch.lines, 0)
    results: list[DrawdownResult | PuhuiError] = []
    for k, request in enumerate(requests):
        try:
            results.append(_book_one(batch, request, ids[k]))
        except PuhuiError as error:
            if not isolate:
                raise
            results.append(error)
    batch.write()
    return results

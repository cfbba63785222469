"""A small pure model of the book, the oracle of the stateful servicing test.

It keeps what servicing keeps in SQL (each loan's balances and installments, each line's
status) as plain Python objects, and changes them by the rules servicing documents: exact
daily accrual (`lending.interest.day_weight`), the overdue rate replacing the contract rate,
billing with the product's rounding, ageing and write-off, the customer's lines frozen at the
product's DPD, allocation in the product's order (`lending.allocation.allocate`), early
repayment as the product says, credit balances, reversals that keep an overpaid loan overpaid,
recoveries. It uses the pure lending functions and nothing of `puhui.servicing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from puhui.lending.allocation import Allocation, Bucket, Component, Due, allocate
from puhui.lending.interest import accrual_divisor, day_weight
from puhui.lending.payoff import split_prepayment
from puhui.lending.products import Product
from puhui.lending.schedule import Installment
from puhui.rate import PPM, Rate

ACTIVE, CLOSED, WRITTEN_OFF = "active", "closed", "written_off"


@dataclass
class Inst:
    n: int
    due: int
    last: bool
    sched_principal: int
    sched_interest: int
    sched_fee: int
    billed: bool = False
    principal_billed: int = 0
    interest_billed: int = 0
    fee_billed: int = 0
    principal_paid: int = 0
    interest_paid: int = 0
    fee_paid: int = 0

    @property
    def unpaid(self) -> int:
        return (
            self.principal_billed
            + self.interest_billed
            + self.fee_billed
            - self.principal_paid
            - self.interest_paid
            - self.fee_paid
        )


@dataclass
class Loan:
    id: int
    line: str
    product: Product
    principal: int
    disbursed: int
    maturity: int
    rate_ppm: int
    penalty_ppm: int
    year_days: int
    installments: list[Inst]
    status: str = ACTIVE
    principal_outstanding: int = 0
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
    early_fee_paid: int = 0
    oldest_due: int | None = None
    dpd: int = 0
    #: True while every installment was paid exactly as scheduled on its due date.
    on_schedule: bool = True

    @property
    def divisor(self) -> int:
        return accrual_divisor(self.year_days)

    @property
    def owed(self) -> int:
        return (
            self.principal_outstanding
            + self.interest_unbilled
            + self.interest_billed
            + self.fee_billed
            + self.penalty_unpaid
        )

    def balances(self) -> dict[str, object]:
        return {
            "status": self.status,
            "principal_outstanding": self.principal_outstanding,
            "principal_billed": self.principal_billed,
            "principal_overdue": self.principal_overdue,
            "interest": self.interest_unbilled + self.interest_billed,
            "fee_billed": self.fee_billed,
            "penalty_unpaid": self.penalty_unpaid,
            "credit_balance": self.credit_balance,
            "written_off": self.written_off,
            "recovered": self.recovered,
            "dpd": self.dpd,
        }


@dataclass
class Payment:
    loan: Loan
    amount: int
    kind: str
    allocations: list[Allocation]
    excess: int
    recovered: int = 0
    early_fee: int = 0
    reversed: bool = False


@dataclass
class Book:
    """The oracle's book: lines (limit, customer, status) and loans, on a business day."""

    today: int
    limits: dict[str, int] = field(default_factory=dict)
    customers: dict[str, str] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    loans: list[Loan] = field(default_factory=list)
    payments: dict[str, Payment] = field(default_factory=dict)

    # -- lines ----------------------------------------------------------------------------
    def available(self, line: str) -> int:
        used = sum(
            x.principal_outstanding + x.principal_written_off for x in self.loans if x.line == line
        )
        return max(0, self.limits[line] - used)

    # -- drawdown -------------------------------------------------------------------------
    def draw(
        self, loan_id: int, line: str, product: Product, rate: Rate, rows: tuple[Installment, ...]
    ) -> Loan:
        principal = sum(r.principal for r in rows)
        loan = Loan(
            id=loan_id,
            line=line,
            product=product,
            principal=principal,
            disbursed=self.today,
            maturity=rows[-1].due_date.toordinal(),
            rate_ppm=rate.per_unit(PPM),
            penalty_ppm=product.overdue.penalty_rate(rate).per_unit(PPM),
            year_days=0,  # set by the caller from the loan servicing booked
            installments=[
                Inst(
                    r.n,
                    r.due_date.toordinal(),
                    r.n == rows[-1].n,
                    r.principal,
                    r.interest,
                    r.fee,
                )
                for r in rows
            ],
            principal_outstanding=principal,
        )
        self.loans.append(loan)
        return loan

    # -- close of business ----------------------------------------------------------------
    def close_day(self) -> None:
        d = self.today
        weight = {x.id: day_weight(x.year_days, date.fromordinal(d)) for x in self.loans}
        for x in self.loans:  # accrue: contract interest on the principal not overdue
            if x.status == ACTIVE and x.disbursed <= d < x.maturity:
                inc = (
                    x.interest_rem
                    + (x.principal_outstanding - x.principal_overdue) * x.rate_ppm * weight[x.id]
                )
                x.interest_unbilled += inc // x.divisor
                x.interest_period += inc // x.divisor
                x.interest_rem = inc % x.divisor
        for x in self.loans:  # penalty: the overdue rate on overdue principal
            if x.status == ACTIVE and x.principal_overdue > 0:
                inc = x.penalty_rem + x.principal_overdue * x.penalty_ppm * weight[x.id]
                x.penalty_unpaid += inc // x.divisor
                x.penalty_rem = inc % x.divisor
        n = d + 1
        for x in self.loans:  # bill what falls due tomorrow
            if x.status != ACTIVE:
                continue
            for i in x.installments:
                if i.due == n and not i.billed:
                    _bill(x, i, rounded=True)
        for x in self.loans:  # age
            if x.status == ACTIVE and x.oldest_due is not None and x.oldest_due < n:
                _age(x, n)
        for x in self.loans:  # write off
            if x.status == ACTIVE and x.dpd >= x.product.delinquency.write_off_dpd:
                x.written_off = x.owed
                x.principal_written_off = x.principal_outstanding
                x.principal_outstanding = x.principal_billed = x.principal_overdue = 0
                x.interest_unbilled = x.interest_billed = x.interest_rem = 0
                x.interest_period = x.fee_billed = x.penalty_unpaid = x.penalty_rem = 0
                x.status = WRITTEN_OFF
        bad = {
            self.customers[x.line]
            for x in self.loans
            if x.status == WRITTEN_OFF
            or (x.status == ACTIVE and x.dpd >= x.product.delinquency.freeze_line_dpd)
        }
        for line, customer in self.customers.items():  # freeze
            if customer in bad and self.status[line] == "active":
                self.status[line] = "frozen"
        for x in self.loans:  # an installment left unpaid past its due date
            if any(i.billed and i.due < n and i.unpaid for i in x.installments):
                x.on_schedule = False
        self.today = n

    # -- payments -------------------------------------------------------------------------
    def repay(self, key: str, loan: Loan, amount: int) -> Payment:
        """What servicing books; raises ValueError where servicing refuses (nothing changes)."""
        if loan.status == CLOSED:
            raise ValueError("closed")
        if loan.status == WRITTEN_OFF:
            recovered = min(amount, loan.written_off - loan.recovered)
            _check_overpayment(loan, amount - recovered)
            loan.recovered += recovered
            loan.credit_balance += amount - recovered
            payment = Payment(loan, amount, "recovery", [], amount - recovered, recovered)
            self.payments[key] = payment
            return payment
        result = allocate(amount, _dues(loan, self.today), loan.product.repayment.allocation_order)
        allocations, excess, fee = list(result.allocations), result.excess, 0
        prepaid = [
            a
            for a in allocations
            if a.bucket is Bucket.IN_ADVANCE and a.component is Component.PRINCIPAL
        ]
        if prepaid:
            rules = loan.product.repayment
            if not rules.early_repayment_allowed:
                raise ValueError("early repayment")
            offered = sum(a.amount for a in prepaid) + excess
            principal, fee = split_prepayment(
                offered,
                loan.principal_outstanding - loan.principal_billed,
                rules.early_repayment_fee,
                loan.product.schedule.digits,
                loan.product.schedule.rounding,
            )
            allocations = [a for a in allocations if a not in prepaid]
            if principal:
                first = prepaid[0]
                allocations.append(
                    Allocation(first.installment, first.bucket, first.component, principal)
                )
            excess = offered - principal - fee
        _check_overpayment(loan, excess)
        scheduled = [i for i in loan.installments if i.billed and i.due == self.today and i.unpaid]
        exact = len(scheduled) == 1 and amount == scheduled[0].unpaid and not loan.penalty_unpaid
        if not exact:
            loan.on_schedule = False
        for a in allocations:
            _apply(loan, a, a.amount)
        loan.credit_balance += excess
        loan.early_fee_paid += fee
        _settle(loan, self.today)
        _age(loan, self.today, recompute=True)
        payment = Payment(loan, amount, "repayment", allocations, excess, 0, fee)
        self.payments[key] = payment
        return payment

    def reverse(self, key: str) -> None:
        payment = self.payments[key]
        loan = payment.loan
        if payment.reversed:
            return
        if payment.kind == "repayment" and loan.status == WRITTEN_OFF:
            raise ValueError("written off since")
        if loan.credit_balance < payment.excess:
            raise ValueError("credit used")
        loan.on_schedule = False
        for a in payment.allocations:
            _apply(loan, a, -a.amount)
        loan.credit_balance -= payment.excess
        loan.recovered -= payment.recovered
        loan.early_fee_paid -= payment.early_fee
        if loan.status != WRITTEN_OFF:
            for i in loan.installments:  # catch-up billing of what COB can no longer bill
                if not i.billed and i.due <= self.today:
                    _bill(loan, i, rounded=False)
            if all(i.billed for i in loan.installments):
                last = loan.installments[-1]
                left = loan.principal_outstanding - loan.principal_billed
                interest = loan.interest_unbilled
                last.principal_billed += left
                last.interest_billed += interest
                loan.principal_billed += left
                loan.interest_billed += interest
                loan.interest_unbilled = 0
            if loan.credit_balance > 0:  # the credit pays what is owed again
                result = allocate(
                    loan.credit_balance,
                    _dues(loan, self.today),
                    loan.product.repayment.allocation_order,
                )
                for a in result.allocations:
                    _apply(loan, a, a.amount)
                loan.credit_balance = result.excess
        _settle(loan, self.today)
        _age(loan, self.today, recompute=True)
        payment.reversed = True


def _round_up(loan: Loan) -> int:
    twice, divisor = 2 * loan.interest_rem, loan.divisor
    mode = loan.product.schedule.rounding.value
    if mode == "half-even":
        return int(twice > divisor or (twice == divisor and loan.interest_period % 2 == 1))
    if mode == "half-up":
        return int(twice >= divisor)
    if mode in ("up", "ceiling"):
        return int(loan.interest_rem > 0)
    return 0


def _bill(loan: Loan, i: Inst, *, rounded: bool) -> None:
    unbilled = loan.principal_outstanding - loan.principal_billed
    i.billed = True
    i.principal_billed = unbilled if i.last or i.sched_principal > unbilled else i.sched_principal
    i.interest_billed = loan.interest_unbilled + (_round_up(loan) if rounded else 0)
    i.fee_billed = i.sched_fee
    loan.principal_billed += i.principal_billed
    loan.interest_billed += i.interest_billed
    loan.fee_billed += i.fee_billed
    loan.interest_unbilled = 0
    if rounded:
        loan.interest_rem = loan.interest_period = 0
        if loan.oldest_due is None and i.principal_billed + i.interest_billed + i.fee_billed > 0:
            loan.oldest_due = i.due
        if loan.on_schedule:
            assert i.interest_billed == i.sched_interest, (
                f"loan {loan.id} installment {i.n}: an on-time payer is billed"
                f" {i.interest_billed}, the schedule says {i.sched_interest}"
            )


def _age(loan: Loan, day: int, recompute: bool = False) -> None:
    if loan.status == WRITTEN_OFF:  # keeps the DPD it was written off at
        return
    if recompute:
        unpaid = [i.due for i in loan.installments if i.billed and i.unpaid > 0]
        loan.oldest_due = min(unpaid) if unpaid else None
    grace = loan.product.overdue.grace_days
    overdue = sum(
        i.principal_billed - i.principal_paid
        for i in loan.installments
        if i.billed and i.due + grace < day
    )
    loan.principal_overdue = overdue if loan.status == ACTIVE else 0
    late = 0 if loan.oldest_due is None else day - loan.oldest_due
    loan.dpd = late if late > grace else 0


def _settle(loan: Loan, day: int) -> None:
    if loan.status == ACTIVE and loan.owed == 0:
        loan.status = CLOSED
        loan.interest_rem = loan.penalty_rem = loan.interest_period = 0
    elif loan.status == CLOSED and loan.owed > 0:
        loan.status = ACTIVE


def _dues(loan: Loan, today: int) -> list[Due]:
    dues: list[Due] = []
    oldest = None
    for i in loan.installments:
        if not i.billed:
            continue
        bucket = Bucket.PAST_DUE if i.due < today else Bucket.DUE
        for component, amount in (
            (Component.PRINCIPAL, i.principal_billed - i.principal_paid),
            (Component.INTEREST, i.interest_billed - i.interest_paid),
            (Component.FEE, i.fee_billed - i.fee_paid),
        ):
            if amount > 0:
                oldest = i.n if oldest is None else oldest
                dues.append(Due(i.n, bucket, component, amount))
    unbilled = [i.n for i in loan.installments if not i.billed]
    next_n = min(unbilled) if unbilled else len(loan.installments) + 1
    if loan.penalty_unpaid:
        dues.append(Due(oldest or next_n, Bucket.PAST_DUE, Component.PENALTY, loan.penalty_unpaid))
    if loan.interest_unbilled:
        dues.append(Due(next_n, Bucket.IN_ADVANCE, Component.INTEREST, loan.interest_unbilled))
    if loan.principal_outstanding - loan.principal_billed:
        principal = loan.principal_outstanding - loan.principal_billed
        dues.append(Due(next_n, Bucket.IN_ADVANCE, Component.PRINCIPAL, principal))
    return dues


def _apply(loan: Loan, a: Allocation, amount: int) -> None:
    if a.bucket is not Bucket.IN_ADVANCE and a.component is not Component.PENALTY:
        i = next(x for x in loan.installments if x.n == a.installment)
        name = {"principal": "principal_paid", "interest": "interest_paid", "fee": "fee_paid"}
        setattr(i, name[a.component.value], getattr(i, name[a.component.value]) + amount)
    if a.component is Component.PRINCIPAL:
        loan.principal_outstanding -= amount
        if a.bucket is not Bucket.IN_ADVANCE:
            loan.principal_billed -= amount
    elif a.component is Component.INTEREST:
        if a.bucket is Bucket.IN_ADVANCE:
            loan.interest_unbilled -= amount
        else:
            loan.interest_billed -= amount
    elif a.component is Component.FEE:
        loan.fee_billed -= amount
    else:
        loan.penalty_unpaid -= amount


def _check_overpayment(loan: Loan, excess: int) -> None:
    """Servicing refuses a payment leaving more than the product's tolerance as credit."""
    tolerance = loan.product.repayment.overpayment_tolerance
    if tolerance is not None and excess > int(tolerance.scaleb(loan.product.schedule.digits)):
        raise ValueError("overpayment")

"""One customer's view of the book: their lines, loans, quotes, drawdowns and repayments.

`Borrower(lending, customer_id)` answers only for that customer: a line or loan id that is
not theirs is `NotFoundError`, exactly like an id that does not exist, so a borrower cannot
even learn that another customer's loan exists. Money moves through the real servicing
layer (`LendingService.drawdown_each` / `repay`) with a client id made from the form's
idempotency key, so a double tap books one loan and one repayment.

The caller holds the lending turn (the API's `Platform.with_lending`) around each call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from puhui.errors import NotFoundError, ValidationError
from puhui.lending.apr import AprResult
from puhui.lending.products import Product
from puhui.lending.schedule import Schedule
from puhui.money import Money
from puhui.rate import Rate
from puhui.servicing import drawdown as dd
from puhui.servicing.lines import CreditLine, LineStatus, parse_amount
from puhui.servicing.loans import LoanRow
from puhui.servicing.repayment import LoanTransaction, PaymentResult
from puhui.servicing.service import LendingService

#: The amount the home page prices as an example (or the available limit, if smaller).
SAMPLE_AMOUNT = Decimal("1000")

#: A form's idempotency key: random, made when the form is shown.
FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{16,43}$")


def check_form_key(key: object) -> str:
    if not isinstance(key, str) or not FORM_KEY.match(key):
        raise ValidationError("the form key must be 16..43 of A-Z a-z 0-9 _ -", field="key")
    return key


def daily_interest(amount_minor: int, rate: Rate, year_days: int) -> int:
    """A day's simple interest on `amount_minor` at the nominal annual `rate`, rounded half-even
    to the minor unit (what the borrower is told, not what accrues: accrual keeps remainders)."""
    value = Decimal(amount_minor) * rate.fraction / Decimal(year_days)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True, slots=True)
class BorrowQuote:
    """What a drawdown would be, shown before the borrower confirms it."""

    line: CreditLine
    amount: int
    installments: int
    schedule: Schedule
    apr: AprResult

    @property
    def total_interest(self) -> int:
        return self.schedule.total_interest

    @property
    def total_fees(self) -> int:
        return self.schedule.total_fee + self.schedule.upfront_fee

    @property
    def total_cost(self) -> int:
        """Everything paid beyond the principal: interest and fees."""
        return self.total_interest + self.total_fees

    @property
    def total_repaid(self) -> int:
        return self.amount + self.total_cost


@dataclass(frozen=True, slots=True)
class Offer:
    """A line as the home page shows it: limit, price and a worked example."""

    line: CreditLine
    product: Product
    sample: BorrowQuote | None  # None when nothing can be borrowed (no limit, frozen)
    daily_interest: int  # on the sample amount, at the nominal rate

    @property
    def nominal_rate(self) -> Rate:
        return self.line.nominal_rate

    @property
    def terms(self) -> tuple[int, ...]:
        return tuple(self.product.terms.installments)

    @property
    def can_borrow(self) -> bool:
        return self.sample is not None


class Borrower:
    """Use cases for one signed-in customer over the lending service."""

    def __init__(self, lending: LendingService, customer_id: str) -> None:
        self.lending = lending
        self.customer_id = customer_id

    # -- what is theirs ---------------------------------------------------------------------
    def lines(self) -> list[CreditLine]:
        return self.lending.lines_of_customer(self.customer_id)

    def line(self, line_id: str) -> CreditLine:
        try:
            line = self.lending.line(line_id)
        except (NotFoundError, ValidationError):
            line = None
        if line is None or line.customer_id != self.customer_id:
            raise NotFoundError(f"credit line {line_id!r} not found", field="line_id")
        return line

    def loans(self) -> list[LoanRow]:
        return self.lending.loans_of_customer(self.customer_id)

    def loan(self, loan_id: int | str) -> LoanRow:
        try:
            loan = self.lending.loan(int(loan_id))
            line = self.lending.line(loan.line_id)
        except (NotFoundError, ValidationError, ValueError, OverflowError):
            line = None
        if line is None or line.customer_id != self.customer_id:
            raise NotFoundError(f"loan {loan_id} not found", field="loan_id")
        return loan

    def exists(self) -> bool:
        return bool(self.lines())

    # -- prices -------------------------------------------------------------------------------
    def offers(self) -> list[Offer]:
        return [self.offer(line) for line in self.lines()]

    def offer(self, line: CreditLine) -> Offer:
        product = self.lending.product(line.product_id, line.product_version)
        days = dd.year_days(product)
        sample_minor = Money.parse(SAMPLE_AMOUNT, line.currency).minor
        minimum = Money.parse(product.amount.min, line.currency).minor
        amount = min(sample_minor, line.available)
        sample = None
        if line.status is LineStatus.ACTIVE and amount >= minimum:
            sample = self._price(line, product, amount, product.terms.installments[0])
        return Offer(line, product, sample, daily_interest(amount, line.nominal_rate, days))

    def quote(self, line_id: str, amount: Decimal | str, installments: int) -> BorrowQuote:
        """Schedule, total cost and APR of a drawdown, checked as the booking will check it."""
        line = self.line(line_id)
        if line.status is not LineStatus.ACTIVE:
            raise ValidationError(f"this line is {line.status.value}", field="line_id")
        minor = parse_amount(amount, line.currency)
        if minor > line.available:
            raise ValidationError(
                f"amount is more than the available {Money(line.available, line.currency).amount}",
                field="amount",
            )
        product = self.lending.product(line.product_id, line.product_version)
        return self._price(line, product, minor, installments)

    def _price(
        self, line: CreditLine, product: Product, minor: int, installments: int
    ) -> BorrowQuote:
        if isinstance(installments, bool) or not isinstance(installments, int):
            raise ValidationError("installments must be an integer", field="installments")
        dd.check_serviceable(product)
        on = self.lending.business_date()
        schedule, apr = dd.price(product, line.nominal_rate, minor, installments, on, None)
        return BorrowQuote(line, minor, installments, schedule, apr)

    # -- money ---------------------------------------------------------------------------------
    def drawdown_request(
        self, line_id: str, amount: Decimal | str, installments: int, form_key: str
    ) -> dd.DrawdownRequest:
        """The booking request for a confirmed quote (its client id is the form's key)."""
        self.quote(line_id, amount, installments)  # every check the quote makes, again
        return dd.DrawdownRequest(
            client_id=f"app-{check_form_key(form_key)}",
            line_id=line_id,
            amount=amount,
            installments=installments,
        )

    def borrow(
        self, line_id: str, amount: Decimal | str, installments: int, form_key: str
    ) -> dd.DrawdownResult:
        request = self.drawdown_request(line_id, amount, installments, form_key)
        outcome = self.lending.drawdown_each([request])[0]
        if not isinstance(outcome, dd.DrawdownResult):
            raise outcome
        return outcome

    def payoff(self, loan_id: int | str, on: date | None = None) -> dict[str, Any]:
        loan = self.loan(loan_id)
        return self.lending.quote(loan.id, on)

    def repay(
        self, loan_id: int | str, amount: Decimal | str | None, form_key: str
    ) -> PaymentResult:
        """Repay `amount`, or everything owed today when `amount` is None (a payoff)."""
        loan = self.loan(loan_id)
        client_id = f"app-repay-{check_form_key(form_key)}"
        if amount is None or (isinstance(amount, str) and amount.strip() == ""):
            done = [t for t in self.lending.transactions(loan.id) if t.client_id == client_id]
            if done:  # this tap was booked already: answer with it (the amount it paid)
                amount = Money(done[0].amount, loan.currency).amount
            else:
                owed = Money.parse(self.lending.quote(loan.id)["total"], loan.currency)
                if owed.minor <= 0:
                    raise ValidationError("nothing is owed on this loan", field="amount")
                amount = owed.amount
        return self.lending.repay(loan.id, amount, client_id)

    def installments(self, loan_id: int | str) -> list[dict[str, Any]]:
        loan = self.loan(loan_id)
        return self.lending.installments(loan.id)

    def history(self, loan_id: int | str) -> list[LoanTransaction]:
        loan = self.loan(loan_id)
        return self.lending.transactions(loan.id)


def demo_customer(lending: LendingService) -> str | None:
    """A customer whose active line has nothing drawn: whom the demo signs in as."""
    with lending.db.read():
        row = lending.db.one(
            "SELECT l.customer_id FROM lending_lines AS l WHERE l.status = 'active'"
            " AND NOT EXISTS (SELECT 1 FROM lending_loans AS n WHERE n.line_id = l.id)"
            " ORDER BY l.id LIMIT 1"
        )
    return None if row is None else str(row[0])

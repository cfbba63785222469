"""The customer card an agent sees during a call: the pre-approved line, its price and its
disclosure, and what is overdue — all from the lending core, never typed in by hand.

The *nominal annual rate* is the line's price (what interest accrues at); the *APR* is the
disclosure, the IRR of an illustrative drawdown's cash flows (`lending.apr.schedule_apr` on the
schedule `Product.terms_for` gives, via `servicing.drawdown.price`). Scripts quote the APR as
an annualised rate and name the nominal rate as the contract's rate: never one for the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from puhui.money import Money
from puhui.rate import Rate
from puhui.servicing.drawdown import price
from puhui.servicing.lines import CreditLine
from puhui.servicing.service import LendingService

#: The term the illustrative APR is quoted for, when the product offers it.
QUOTE_TERM = 10


@dataclass(frozen=True, slots=True)
class AprQuote:
    """The APR of one illustrative drawdown on the line."""

    amount: Money
    installments: int
    apr: Rate  # PBOC IRR, nominal (periodic x periods per year)
    interest: Money  # total interest over the schedule


@dataclass(frozen=True, slots=True)
class Overdue:
    loans: int
    amount: Money  # principal, interest and penalties past due
    dpd: int  # the worst days past due


@dataclass(frozen=True, slots=True)
class CustomerCard:
    customer_id: str
    line: CreditLine | None = None
    quote: AprQuote | None = None
    terms: tuple[int, ...] = ()
    overdue: Overdue | None = None
    profile: dict[str, Any] = field(default_factory=dict)

    def facts(self) -> set[str]:
        """What scripts may need: 'line', 'overdue' (and the session adds 'verified')."""
        out = set()
        if self.line is not None and self.quote is not None:
            out.add("line")
        if self.overdue is not None and self.overdue.amount.minor > 0:
            out.add("overdue")
        return out

    def values(self, lang: str) -> dict[str, str]:
        """The figures scripts fill in, formatted for people."""
        out: dict[str, str] = {}
        if self.line is not None:
            currency = self.line.currency
            out["limit"] = _money(self.line.limit, currency, lang)
            out["available"] = _money(self.line.available, currency, lang)
            out["nominal"] = self.line.nominal_rate.format(2)
            out["expires"] = self.line.expires.isoformat()
        if self.quote is not None:
            out["apr"] = self.quote.apr.format(2)
            out["term"] = str(self.quote.installments)
            out["sample_amount"] = _money(self.quote.amount.minor, self.quote.amount.currency, lang)
            out["sample_interest"] = _money(
                self.quote.interest.minor, self.quote.interest.currency, lang
            )
        if self.terms:
            out["terms"] = "/".join(str(t) for t in self.terms)
        if self.overdue is not None:
            out["overdue_amount"] = _money(
                self.overdue.amount.minor, self.overdue.amount.currency, lang
            )
            out["dpd"] = str(self.overdue.dpd)
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"customer_id": self.customer_id, "line": None, "overdue": None}
        if self.line is not None:
            out["line"] = {
                "id": self.line.id,
                "currency": self.line.currency,
                "limit": str(Money(self.line.limit, self.line.currency).amount),
                "available": str(Money(self.line.available, self.line.currency).amount),
                "nominal_rate": self.line.nominal_rate.format(2),
                "expires": self.line.expires.isoformat(),
                "status": str(self.line.status),
            }
        if self.quote is not None:
            out["apr_quote"] = {
                "amount": str(self.quote.amount.amount),
                "installments": self.quote.installments,
                "apr": self.quote.apr.format(2),
                "interest": str(self.quote.interest.amount),
                "method": "PBOC IRR (annualised)",
            }
        if self.overdue is not None:
            out["overdue"] = {
                "loans": self.overdue.loans,
                "amount": str(self.overdue.amount.amount),
                "currency": self.overdue.amount.currency,
                "dpd": self.overdue.dpd,
            }
        return out


def _money(minor: int, currency: str, lang: str) -> str:
    value = Money(minor, currency).amount
    text = f"{value:,.2f}"
    if currency == "CNY":
        return f"{text}元" if lang == "zh" else f"{text} yuan"
    return f"{text} {currency}"


def quote_apr(
    lending: LendingService, line: CreditLine, on: date
) -> tuple[AprQuote, tuple[int, ...]]:
    """The APR of drawing the line's available amount (within the product's range) over
    `QUOTE_TERM` installments, or the product's longest term if it does not offer that one."""
    product = lending.product(line.product_id, line.product_version)
    terms = tuple(product.terms.installments)
    installments = QUOTE_TERM if QUOTE_TERM in terms else max(terms)
    digits = product.schedule.digits
    low, high = product.amount.min, product.amount.max
    available = Decimal(line.available).scaleb(-digits)
    amount = min(max(available, low), high).quantize(Decimal(100), rounding=ROUND_DOWN)
    amount = max(amount, low)
    minor = int(amount.scaleb(digits))
    schedule, apr = price(product, line.nominal_rate, minor, installments, on, None)
    interest = sum(i.interest for i in schedule.installments)
    return (
        AprQuote(
            Money(minor, line.currency), installments, apr.nominal, Money(interest, line.currency)
        ),
        terms,
    )


def overdue_of(lending: LendingService, customer_id: str) -> Overdue | None:
    """Past-due totals over the customer's loans (None when the lending tables are empty)."""
    db = lending.db
    with db.read():
        if not db.table_exists("lending_loans"):
            return None
        row = db.one(
            "SELECT COUNT(*), COALESCE(SUM(l.principal_overdue + l.interest_billed + "
            "l.fee_billed + l.penalty_unpaid), 0), COALESCE(MAX(l.dpd), 0), MIN(l.currency) "
            "FROM lending_loans l JOIN lending_lines c ON c.id = l.line_id "
            "WHERE c.customer_id = ? AND l.dpd > 0 AND l.status = 'active'",
            (customer_id,),
        )
    count, amount, dpd, currency = row
    if not count:
        return None
    return Overdue(int(count), Money(int(amount), str(currency or "CNY")), int(dpd))


def customer_card(lending: LendingService, customer_id: str) -> CustomerCard:
    """The card for `customer_id`: the best active line, its APR quote, and what is overdue."""
    lines = [ln for ln in lending.lines_of_customer(customer_id) if str(ln.status) == "active"]
    overdue = overdue_of(lending, customer_id)
    if not lines:
        return CustomerCard(customer_id, overdue=overdue)
    line = max(lines, key=lambda ln: (ln.available, ln.id))
    quote, terms = quote_apr(lending, line, lending.business_date())
    return CustomerCard(customer_id, line, quote, terms, overdue)

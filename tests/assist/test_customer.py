"""The customer card comes from the lending core: the line's nominal rate is the price, the
quoted APR is the IRR of an illustrative drawdown's schedule — two different numbers."""

from __future__ import annotations

from decimal import Decimal

from puhui.assist.customer import customer_card
from puhui.lending.apr import schedule_apr
from puhui.lending.schedule import generate_schedule
from puhui.servicing.service import LendingService


def test_the_card_quotes_the_lines_apr_computed_by_the_lending_core(book: LendingService) -> None:
    card = customer_card(book, "C0")
    assert card.line is not None and card.quote is not None
    assert card.line.limit == 10_000_000  # 100,000.00 CNY in fen
    assert card.line.nominal_rate.format(2) == "18.00%"
    product = book.product(card.line.product_id, card.line.product_version)
    assert card.quote.installments == max(product.terms.installments)  # no 10-period term here
    assert card.quote.amount.minor == card.line.available  # the whole available amount
    terms = product.model_copy(update={"nominal_rate": card.line.nominal_rate}).terms_for(
        Decimal(card.quote.amount.minor).scaleb(-2), card.quote.installments, book.business_date()
    )
    assert card.quote.apr == schedule_apr(generate_schedule(terms)).nominal
    assert card.quote.apr != card.line.nominal_rate  # the disclosure is not the price
    assert card.quote.interest.minor > 0 and card.overdue is None
    values = card.values("zh")
    assert values["apr"] == card.quote.apr.format(2) and values["nominal"] == "18.00%"
    assert values["limit"] == "100,000.00元"
    assert card.facts() == {"line"}


def test_an_overdue_customer_has_days_past_due_and_the_amount(book: LendingService) -> None:
    card = customer_card(book, "C1")
    assert card.overdue is not None and card.overdue.dpd > 0 and card.overdue.loans == 1
    assert card.overdue.amount.minor > 0
    assert "overdue" in card.facts()
    assert card.values("en")["dpd"] == str(card.overdue.dpd)


def test_a_stranger_has_an_empty_card(book: LendingService) -> None:
    card = customer_card(book, "nobody")
    assert card.line is None and card.quote is None and card.overdue is None
    assert card.facts() == set() and card.to_dict()["line"] is None

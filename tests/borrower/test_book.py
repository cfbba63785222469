"""The customer-scoped book: every id checked, quotes equal bookings, money moves once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from puhui.borrower import Borrower
from puhui.borrower.book import daily_interest
from puhui.errors import NotFoundError, ValidationError
from puhui.rate import Rate
from puhui.servicing.service import LendingService
from tests.servicing.support import assert_reconciled

from .support import seed_book

KEY = "k" * 22


@pytest.fixture
def lending(database_url: str) -> Iterator[LendingService]:
    service = seed_book(database_url)
    yield service
    service.close()


def test_home_discloses_the_apr_and_a_days_interest(lending: LendingService) -> None:
    (offer,) = Borrower(lending, "C-ALICE").offers()
    assert offer.line.id == "L-ALICE" and offer.sample is not None
    assert offer.sample.amount == 100_000  # 1,000.00 CNY
    # 1,000 x 18.25% / 360 = 0.5069 -> 0.51 (the default product's year has 360 days)
    assert offer.daily_interest == 51
    # no fees: the IRR APR of monthly installments is the nominal rate to within rounding
    assert abs(offer.sample.apr.nominal.fraction - Decimal("0.1825")) < Decimal("0.0005")


def test_daily_interest_rounds_half_even() -> None:
    assert daily_interest(100_000, Rate.from_percent("18.25"), 365) == 50
    assert daily_interest(100, Rate.from_percent("36.5"), 365) == 0  # 0.1 minor -> 0
    assert daily_interest(500, Rate.from_percent("36.5"), 365) == 0  # 0.5 -> 0 (even)
    assert daily_interest(1500, Rate.from_percent("36.5"), 365) == 2  # 1.5 -> 2 (even)


def test_the_quote_is_what_gets_booked(lending: LendingService) -> None:
    alice = Borrower(lending, "C-ALICE")
    quote = alice.quote("L-ALICE", "3000", 5)
    booked = alice.borrow("L-ALICE", "3000", 5, KEY)
    assert booked.created and booked.loan.principal == quote.amount == 300_000
    assert booked.loan.apr_nominal_pct == quote.apr.nominal.percent_text()
    rows = alice.installments(booked.loan.id)
    assert [(r["sched_principal"], r["sched_interest"]) for r in rows] == [
        (i.principal, i.interest) for i in quote.schedule.installments
    ]
    assert quote.total_cost == sum(r["sched_interest"] + r["sched_fee"] for r in rows)


def test_a_double_tap_books_one_loan(lending: LendingService) -> None:
    alice = Borrower(lending, "C-ALICE")
    first = alice.borrow("L-ALICE", "3000", 5, KEY)
    again = alice.borrow("L-ALICE", "3000", 5, KEY)
    assert first.created and not again.created and again.loan.id == first.loan.id
    assert len(alice.loans()) == 1
    assert alice.line("L-ALICE").available == 2_000_000 - 300_000


def test_another_customers_ids_are_not_found(lending: LendingService) -> None:
    alice, bob = Borrower(lending, "C-ALICE"), Borrower(lending, "C-BOB")
    loan = alice.borrow("L-ALICE", "1000", 5, KEY).loan
    calls: list[Callable[[], object]] = [
        lambda: bob.line("L-ALICE"),
        lambda: bob.quote("L-ALICE", "1000", 5),
        lambda: bob.drawdown_request("L-ALICE", "1000", 5, "b" * 22),
        lambda: bob.borrow("L-ALICE", "1000", 5, "b" * 22),
        lambda: bob.loan(loan.id),
        lambda: bob.payoff(loan.id),
        lambda: bob.repay(loan.id, None, "b" * 22),
        lambda: bob.installments(loan.id),
        lambda: bob.history(loan.id),
        lambda: bob.loan("not-a-number"),
        lambda: bob.loan(2**200),
    ]
    for call in calls:
        with pytest.raises(NotFoundError):
            call()
    assert bob.loans() == [] and [line.id for line in bob.lines()] == ["L-BOB"]
    assert len(alice.loans()) == 1 and alice.loan(loan.id).principal_outstanding == 100_000


def test_bad_input_names_the_field_and_books_nothing(lending: LendingService) -> None:
    alice = Borrower(lending, "C-ALICE")
    for args, field in [
        (("L-ALICE", "30000", 5), "amount"),  # above the available 20,000
        (("L-ALICE", "-5", 5), "amount"),
        (("L-ALICE", "1000", 7), "installments"),  # the product offers 5, 10, 20
    ]:
        with pytest.raises(ValidationError) as caught:
            alice.borrow(*args, KEY)
        assert caught.value.field == field
    with pytest.raises(ValidationError) as caught:
        alice.borrow("L-ALICE", "1000", 5, "short")
    assert caught.value.field == "key"
    assert alice.loans() == []


def test_repay_all_closes_the_loan_and_restores_the_limit(lending: LendingService) -> None:
    alice = Borrower(lending, "C-ALICE")
    loan = alice.borrow("L-ALICE", "5000", 10, KEY).loan
    for _ in range(10):  # ten days of interest
        lending.run_cob(lending.business_date())
    quote = alice.payoff(loan.id)
    assert Decimal(quote["interest"]) > 0
    alice.repay(loan.id, "100", "part" + "p" * 18)
    assert alice.loan(loan.id).status == "active"
    paid = alice.repay(loan.id, None, "all" + "a" * 19)
    again = alice.repay(loan.id, None, "all" + "a" * 19)  # the same tap, retried
    assert paid.loan.status == "closed" and not again.created
    assert alice.line("L-ALICE").available == 2_000_000
    with pytest.raises(ValidationError):
        alice.repay(loan.id, None, "late" + "x" * 18)  # nothing owed
    kinds = [t.kind for t in alice.history(loan.id)]
    assert kinds == ["repayment", "repayment"]
    assert_reconciled(lending)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amount=st.integers(min_value=500, max_value=20_000), term=st.sampled_from([5, 10, 20]))
def test_total_cost_is_interest_plus_fees(lending: LendingService, amount: int, term: int) -> None:
    quote = Borrower(lending, "C-ALICE").quote("L-ALICE", str(amount), term)
    assert quote.total_repaid == quote.schedule.total + quote.schedule.upfront_fee
    assert quote.schedule.total_principal == quote.amount
    assert quote.total_cost == quote.total_repaid - quote.amount >= 0

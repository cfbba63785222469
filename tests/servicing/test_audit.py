"""The money-path audit (issue 12): one test per defect, named after it, on both backends.

Each test failed on the code the audit read and passes after the fix. Defects 4, 8 and 12 are
pure lending or money arithmetic and are tested beside their modules (tests/lending/test_apr.py,
tests/lending/test_reamortize.py, tests/lending/test_schedule_properties.py, tests/test_money.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from puhui.errors import ConflictError, ValidationError
from puhui.lending.products import Product, default_product, parse_product
from puhui.rate import Rate
from puhui.servicing.chart import Code, TransferCode, account_id, transfer_id
from puhui.servicing.loans import LoanStatus
from puhui.servicing.outbox import Posting, enqueue, flush
from puhui.servicing.service import LendingService
from tests.servicing.support import (
    POSTGRES_URL,
    advance,
    assert_reconciled,
    fresh_service,
    setup_book,
    snapshot,
    weekly_product,
)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
TWELVE_PCT = Rate.from_percent(12)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PUHUI_TEST_POSTGRES_URL is not set")
    return str(request.param)


@pytest.fixture
def service(backend: str, tmp_path: Path) -> Iterator[LendingService]:
    with fresh_service(backend, tmp_path) as opened:
        setup_book(opened)
        yield opened


def variant(product_id: str, **sections: dict[str, Any]) -> Product:
    """The weekly test product with some sections changed."""
    data = weekly_product().to_dict()
    data["id"] = product_id
    for key, value in sections.items():
        data[key] = {**data[key], **value}
    return parse_product(data)


def yuan(minor: int) -> str:
    return str(Decimal(minor).scaleb(-2))


# -- 1: a write-off freed the credit line --------------------------------------------------
def test_audit_1_write_off_keeps_the_line_frozen_and_its_principal_unavailable(
    service: LendingService,
) -> None:
    service.create_line("L0b", "C0", "5000", TWELVE_PCT, date(2030, 1, 1), "weekly-test")
    loan = service.drawdown("d1", "L0", "3000", 2).loan
    advance(service, 7 + 3)  # due on day 7, past the 2 grace days: 1 DPD -> frozen
    assert service.loan(loan.id).dpd >= 1
    assert service.line("L0").status.value == "frozen"
    assert service.line("L0b").status.value == "frozen", "every line of the customer"
    before = snapshot(service)
    with pytest.raises(ConflictError) as refused:
        service.drawdown("d2", "L0b", "100", 2)
    assert refused.value.field == "line_id" and snapshot(service) == before
    service.set_line_status("L0", "active")  # an operator unfreezes; COB freezes it again
    advance(service, 1)
    assert service.line("L0").status.value == "frozen"
    advance(service, 12)
    assert service.loan(loan.id).status == LoanStatus.WRITTEN_OFF
    line = service.line("L0")
    assert line.outstanding == 0 and line.written_off == 300_000
    assert line.available == line.limit - 300_000
    assert_reconciled(service)


def test_audit_1_the_freeze_rule_is_product_data() -> None:
    rules = default_product().delinquency
    assert rules.freeze_line_dpd == 1 and rules.write_off_dpd == 180


# -- 2: early-repayment terms were ignored ----------------------------------------------
def test_audit_2_early_repayment_refused_when_the_product_allows_none(
    service: LendingService,
) -> None:
    service.register_product(
        variant(
            "no-early",
            repayment={
                "early_repayment_allowed": False,
                "early_repayment_fee": {"kind": "percent", "value": "2"},
            },
        )
    )
    service.create_line("N", "CN", "10000", TWELVE_PCT, date(2030, 1, 1), "no-early")
    loan = service.drawdown("n1", "N", "1000", 2).loan
    advance(service, 3)
    quote = service.quote(loan.id)
    assert quote["early_repayment_allowed"] is False
    before = snapshot(service)
    with pytest.raises(ValidationError) as refused:
        service.repay(loan.id, "1000", "early")
    assert refused.value.field == "amount" and snapshot(service) == before
    # what is due can still be paid: here only the interest accrued so far
    assert service.repay(loan.id, quote["interest"], "interest-only").loan.status == "active"


def test_audit_2_early_repayment_charges_the_fee_exactly_as_quoted(
    service: LendingService,
) -> None:
    service.register_product(
        variant(
            "fee-early",
            repayment={"early_repayment_fee": {"kind": "percent", "value": "2"}},
        )
    )
    service.create_line("F", "CF", "10000", TWELVE_PCT, date(2030, 1, 1), "fee-early")
    loan = service.drawdown("f1", "F", "1000", 2).loan
    advance(service, 3)
    quote = service.quote(loan.id)
    assert quote["early_repayment_fee"] == "20.00"  # 2% of the 1,000 prepaid
    paid = service.repay(loan.id, quote["total"], "payoff")
    assert paid.paid["early_repayment_fee"] == 2000 and paid.paid["credit_balance"] == 0
    assert paid.loan.status == LoanStatus.CLOSED
    fee_income = service.ledger.lookup_accounts([account_id(1, Code.FEE_INCOME)])[0]
    assert fee_income.credits_posted - fee_income.debits_posted == 2000
    assert_reconciled(service)
    service.reverse("payoff")  # the fee goes back with the payment
    assert service.loan(loan.id).early_fee_paid == 0
    assert_reconciled(service)


# -- 3: payment keys collided with reversal ids -------------------------------------------
def test_audit_3_payment_keys_and_reversals_live_apart(service: LendingService) -> None:
    loan = service.drawdown("d1", "L0", "5000", 4).loan
    advance(service, 2)
    service.repay(loan.id, "10", "X")
    service.reverse("X")
    after = service.repay(loan.id, "11", "rev:X")  # used to be answered as a replay
    assert after.created and after.amount == 1100
    service.repay(loan.id, "12", "rev:Y")
    service.repay(loan.id, "13", "Y")
    assert service.reverse("Y").kind == "reversal"  # used to fail on rev:Y (HTTP 500)
    assert service.reverse("rev:Y").kind == "reversal"
    long_a, long_b = "k" * 60 + "aaaa", "k" * 60 + "bbbb"
    service.repay(loan.id, "14", long_a)
    service.repay(loan.id, "15", long_b)
    assert service.reverse(long_a).client_id == long_a
    assert service.reverse(long_b).client_id == long_b  # used to collide when truncated
    assert service.reverse(long_b).created is False  # a repeat returns the same reversal
    assert_reconciled(service)


def test_audit_3_a_reused_key_with_another_body_is_refused(service: LendingService) -> None:
    loan = service.drawdown("d1", "L0", "5000", 4).loan
    service.repay(loan.id, "100", "p1")
    assert service.repay(loan.id, "100", "p1").created is False
    before = snapshot(service)
    with pytest.raises(ConflictError) as refused:
        service.repay(loan.id, "200", "p1")  # used to return the first payment silently
    assert refused.value.field == "client_id" and snapshot(service) == before
    with pytest.raises(ConflictError) as refused:
        service.drawdown("d1", "L0", "5000", 4, "equal-principal")  # another amortization
    assert refused.value.field == "client_id" and snapshot(service) == before
    assert service.drawdown("d1", "L0", "5000", 4).created is False
    with pytest.raises(ConflictError):
        service.fund("CNY", "1", "seed")  # the book was funded with another amount


# -- 5: leap years under actual/actual ---------------------------------------------------
def test_audit_5_progressive_actual_days_pay_exactly_the_schedule_in_a_leap_year(
    backend: str, tmp_path: Path
) -> None:
    """The progressive schedule divides by 366 in 2024 (as Fineract's calculator); COB used
    to divide by 365 always, so an on-time payer was billed more than the schedule."""
    monthly = default_product().to_dict()
    monthly["id"] = "leap"
    monthly["schedule"] = {**monthly["schedule"], "engine": "progressive", "days_in_year": "actual"}
    with fresh_service(backend, tmp_path) as service:
        service.register_product(parse_product(monthly))
        service.start(date(2023, 12, 15))
        service.fund("CNY", "1000000", "seed")
        service.create_line("L", "C", "100000", Rate.from_percent(18), date(2030, 1, 1), "leap")
        loan = service.drawdown("d", "L", "20000", 5).loan
        for k, row in enumerate(service.installments(loan.id)):
            advance(service, row["due_day"] - service.business_date().toordinal())
            billed = service.installments(loan.id)[k]
            assert billed["interest_billed"] == row["sched_interest"], (k, billed, row)
            due = row["sched_principal"] + row["sched_interest"] + row["sched_fee"]
            assert service.repay(loan.id, yuan(due), f"p{k}").paid["credit_balance"] == 0
        final = service.loan(loan.id)
        assert final.status == LoanStatus.CLOSED and final.total_due_now == 0
        assert_reconciled(service)


# -- 6: overdue principal was charged contract interest and penalty ------------------------
def test_audit_6_the_overdue_rate_replaces_the_contract_rate(service: LendingService) -> None:
    """A 12% line: overdue principal accrues 1.5 x 12% = 18% (not 12% + 27%), on a 360-day
    year, and contract interest stops on it."""
    service.create_line("T", "CT", "10000", TWELVE_PCT, date(2030, 1, 1), "weekly-test")
    loan = service.drawdown("t1", "T", "3600", 2).loan
    assert loan.penalty_rate_ppm == 180_000
    advance(service, 7 + 3)  # past due after the grace days
    start = service.loan(loan.id)
    assert start.principal_overdue > 0
    advance(service, 1)  # one more day: no installment falls due on day 11
    day = service.loan(loan.id)
    performing = start.principal_outstanding - start.principal_overdue
    assert day.penalty_unpaid - start.penalty_unpaid == (
        start.penalty_rem + start.principal_overdue * 180_000
    ) // (1_000_000 * 360)
    accrued = day.interest_unbilled - start.interest_unbilled
    assert accrued == (start.interest_rem + performing * 120_000) // (1_000_000 * 360)
    assert_reconciled(service)


# -- 7: a reversal ignored the loan's credit balance -------------------------------------
def test_audit_7_reversing_a_payment_of_an_overpaid_loan_keeps_it_overpaid(
    service: LendingService,
) -> None:
    loan = service.drawdown("d1", "L0", "1000", 2).loan
    advance(service, 2)
    service.repay(loan.id, "500", "a")
    service.repay(loan.id, "100", "b")
    closing = service.repay(loan.id, "600", "c")
    assert closing.loan.status == LoanStatus.CLOSED
    credit = closing.loan.credit_balance
    assert credit > 0
    reversal = service.reverse("b")
    after = service.loan(loan.id)
    assert after.status == LoanStatus.CLOSED, "Fineract keeps such a loan overpaid"
    assert after.credit_balance == credit - 10_000 and after.total_due_now == 0
    assert reversal.paid["credit_applied"] == 10_000
    advance(service, 30)
    assert service.loan(loan.id).dpd == 0
    assert_reconciled(service)


# -- 9: a quote for a later date left out installment fees falling due before it ----------
def test_audit_9_a_quote_for_a_later_date_includes_the_fees_falling_due(
    service: LendingService,
) -> None:
    service.register_product(
        variant("fees", fees={"per_installment": {"kind": "flat", "value": "3"}})
    )
    service.create_line("G", "CG", "10000", TWELVE_PCT, date(2030, 1, 1), "fees")
    loan = service.drawdown("g1", "G", "1000", 3).loan
    first_due = date.fromordinal(service.installments(loan.id)[0]["due_day"])
    on = first_due + timedelta(days=1)  # inside the grace days: nothing overdue yet
    quoted = service.quote(loan.id, on)
    assert quoted["fee"] == "3.00"
    advance(service, on.toordinal() - service.business_date().toordinal())
    actual = service.quote(loan.id)
    assert (quoted["fee"], quoted["interest"], quoted["total"]) == (
        actual["fee"],
        actual["interest"],
        actual["total"],
    )


# -- 10: large loans overflowed 64-bit SQL arithmetic ------------------------------------
def test_audit_10_a_principal_too_large_to_accrue_exactly_is_refused(
    backend: str, tmp_path: Path
) -> None:
    idr = default_product().to_dict()
    idr.update(id="idr", currency="IDR", amount={"min": "500", "max": "5000000000000"})
    with fresh_service(backend, tmp_path) as service:
        service.register_product(parse_product(idr))
        service.start(date(2026, 1, 5))
        service.fund("IDR", "900000000000", "seed")
        service.create_line(
            "I", "CI", "800000000000", Rate.from_percent(18), date(2030, 1, 1), "idr"
        )
        before = snapshot(service)
        with pytest.raises(ValidationError) as refused:
            service.drawdown("big", "I", "512000000000", 5)  # IDR 512 billion
        assert refused.value.field == "amount" and "at most" in refused.value.message
        assert snapshot(service) == before
        loan = service.drawdown("ok", "I", "300000000000", 5).loan  # below the ceiling
        advance(service, 3)
        state = service.loan(loan.id)
        exact = 3 * loan.principal * 180_000 // (1_000_000 * 360)
        assert state.interest_unbilled == exact and isinstance(state.interest_unbilled, int)
        assert_reconciled(service)


# -- 11: reconciliation had blind spots --------------------------------------------------
def test_audit_11_marking_an_installment_paid_with_no_money_is_seen(
    service: LendingService,
) -> None:
    loan = service.drawdown("d1", "L0", "2000", 2).loan
    advance(service, 7)
    assert_reconciled(service)
    with service.db.tx():
        service.db.execute(
            "UPDATE lending_installments SET principal_paid = principal_billed"
            " WHERE loan_id = ? AND n = 1",
            (loan.id,),
        )
    assert dict(service.reconcile().loan_checks)["installments"] == 1


def test_audit_11_deleting_a_journal_row_is_seen(service: LendingService) -> None:
    loan = service.drawdown("d1", "L0", "2000", 2).loan
    service.repay(loan.id, "500", "p1")
    with service.db.tx():
        service.db.execute("DELETE FROM lending_transactions WHERE client_id = 'p1'")
    rec = service.reconcile()
    assert not rec.ok
    assert dict(rec.loan_checks)["journal_principal"] == 1
    assert [x.account for x in rec.lines if not x.ok] == [Code.SETTLEMENT]


def test_audit_11_a_transfer_around_the_book_is_seen(service: LendingService) -> None:
    service.drawdown("d1", "L0", "2000", 2)
    advance(service, 3)
    with service.db.tx():
        enqueue(
            service.db,
            [
                Posting(
                    transfer_id("test", "skim"),
                    1,
                    Code.SETTLEMENT,
                    Code.INTEREST_INCOME,
                    100,
                    TransferCode.ACCRUAL,
                )
            ],
        )
    flush(service.db, service.ledger)
    rec = service.reconcile()
    assert rec.trial_balance_zero and not rec.ok
    assert {x.account for x in rec.lines if not x.ok} == {Code.SETTLEMENT, Code.INTEREST_INCOME}

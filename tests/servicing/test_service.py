"""Servicing on both real backends: lines, drawdowns, repayments, reversals, COB, reconciliation."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from puhui.errors import ConflictError, NotFoundError, PuhuiError, ValidationError
from puhui.lending.products import default_product, parse_product
from puhui.lending.schedule import generate_schedule
from puhui.rate import Rate
from puhui.servicing.loans import LoanStatus
from puhui.servicing.service import LendingService
from tests.servicing.support import (
    POSTGRES_URL,
    START,
    advance,
    assert_reconciled,
    fresh_service,
    setup_book,
    snapshot,
    weekly_product,
)

EIGHTEEN_PCT = Rate.from_percent(18)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
PROPERTY = settings(
    deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True
)


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


def _pay_schedule_on_due_dates(service: LendingService, amount: str, n: int, amort: str) -> None:
    loan = service.drawdown("d1", "L0", amount, n, amort).loan
    rows = service.installments(loan.id)
    for k, row in enumerate(rows):
        advance(service, row["due_day"] - service.business_date().toordinal())
        due = row["sched_principal"] + row["sched_interest"] + row["sched_fee"]
        paid = service.repay(loan.id, str(Decimal(due).scaleb(-2)), f"p{k}")
        assert paid.paid["credit_balance"] == 0, "paying the schedule never overpays"
    final = service.loan(loan.id)
    assert final.status == LoanStatus.CLOSED
    assert final.total_due_now == 0 and final.credit_balance == 0
    assert_reconciled(service)


@given(
    amount=st.integers(500, 100_000).map(str),
    n=st.sampled_from([2, 3, 4]),
    amort=st.sampled_from(["equal-installments", "equal-principal"]),
)
@settings(PROPERTY, max_examples=12)
def test_paying_every_installment_on_its_due_date_closes_the_loan_sqlite(
    tmp_path: Path, amount: str, n: int, amort: str
) -> None:
    with fresh_service("sqlite", tmp_path) as service:
        setup_book(service)
        _pay_schedule_on_due_dates(service, amount, n, amort)


@pytest.mark.postgres
@given(amount=st.integers(500, 100_000).map(str), n=st.sampled_from([2, 4]))
@settings(PROPERTY, max_examples=3)
def test_paying_every_installment_on_its_due_date_closes_the_loan_postgres(
    tmp_path: Path, amount: str, n: int
) -> None:
    if not POSTGRES_URL:
        pytest.skip("PUHUI_TEST_POSTGRES_URL is not set")
    with fresh_service("postgresql", tmp_path) as service:
        setup_book(service)
        _pay_schedule_on_due_dates(service, amount, n, "equal-installments")


def test_monthly_default_product_billed_interest_equals_the_schedule(
    service: LendingService,
) -> None:
    """Daily exact accrual, rounded per period, gives the schedule's interest to the cent."""
    service.register_product()
    service.create_line("M", "CM", "50000", EIGHTEEN_PCT, date(2030, 1, 1), "puhui-revolving-micro")
    loan = service.drawdown("m1", "M", "5000", 5).loan
    schedule = generate_schedule(default_product().terms_for("5000", 5, START))
    first, second = schedule.installments[:2]
    advance(service, first.due_date.toordinal() - START.toordinal())
    service.repay(loan.id, str(Decimal(first.total).scaleb(-2)), "p1")
    advance(service, second.due_date.toordinal() - first.due_date.toordinal())
    rows = service.installments(loan.id)
    # Fineract, 5000 at 18% on a 360-day year from 2026-01-05: 31 days, then 28 days on the rest.
    assert rows[0]["interest_billed"] == first.interest == 7750  # 5000 x 0.18 x 31 / 360
    assert (rows[1]["interest_billed"], rows[1]["principal_billed"]) == (
        second.interest,
        second.principal,
    )
    assert_reconciled(service)


def test_early_repayment_saves_interest_and_overpayment_becomes_credit(
    service: LendingService,
) -> None:
    loan = service.drawdown("d1", "L0", "10000", 4).loan
    scheduled_interest = sum(r["sched_interest"] for r in service.installments(loan.id))
    advance(service, 3)
    quote = service.quote(loan.id)
    # 3 days of 10000 at 18%/360 = 15.00 yuan.
    assert quote["interest"] == "15.00" and quote["total"] == "10015.00"
    assert (
        service.quote(loan.id, service.business_date() + timedelta(days=2))["interest"] == "25.00"
    )
    paid = service.repay(loan.id, "10100", "early")
    assert paid.paid["interest"] == 1500 and paid.paid["principal"] == 1_000_000
    assert paid.paid["credit_balance"] == 8500
    assert paid.loan.status == LoanStatus.CLOSED
    assert scheduled_interest > 1500
    assert service.line("L0").available == 10_000_000
    with pytest.raises(ConflictError) as err:
        service.repay(loan.id, "1", "after-close")
    assert err.value.field == "loan_id"
    assert_reconciled(service)


def test_partial_prepayment_lowers_later_interest(service: LendingService) -> None:
    a = service.drawdown("a", "L0", "10000", 4).loan
    b = service.drawdown("b", "L0", "10000", 4).loan
    advance(service, 2)
    service.repay(b.id, "5000", "prepay")
    advance(service, 6)  # first installment falls due on day 7
    first_a, first_b = service.installments(a.id)[0], service.installments(b.id)[0]
    assert first_b["interest_billed"] < first_a["interest_billed"]
    assert service.loan(b.id).principal_outstanding < service.loan(a.id).principal_outstanding
    assert_reconciled(service)


def test_overdue_penalty_buckets_write_off_and_recovery(service: LendingService) -> None:
    loan = service.drawdown("d1", "L0", "3000", 2).loan
    advance(service, 7 + 2)  # due on day 7, 2 grace days: not yet past due on day 9
    assert (service.loan(loan.id).dpd, service.loan(loan.id).bucket) == (0, "M0")
    advance(service, 1)  # day 10: past the grace days, DPD counts from the due date
    state = service.loan(loan.id)
    assert state.dpd == 3 and state.bucket == "M1" and state.principal_overdue > 0
    advance(service, 1)
    assert service.loan(loan.id).penalty_unpaid > 0
    advance(service, 3)
    assert service.loan(loan.id).bucket == "M2"
    advance(service, 6)  # 12 DPD -> written off
    gone = service.loan(loan.id)
    assert gone.status == LoanStatus.WRITTEN_OFF and gone.principal_outstanding == 0
    assert gone.written_off > 300_000
    # Audit defect 1: the write-off used to give the whole limit back.
    line = service.line("L0")
    assert line.written_off == 300_000 and line.status.value == "frozen"
    assert line.available == line.limit - 300_000
    assert_reconciled(service)
    recovery = service.repay(loan.id, "100", "rec1")
    assert recovery.kind == "recovery" and service.loan(loan.id).recovered == 10_000
    assert_reconciled(service)
    service.reverse("rec1")
    assert service.loan(loan.id).recovered == 0
    assert_reconciled(service)


def test_reversal_restores_balances_and_is_idempotent(service: LendingService) -> None:
    loan = service.drawdown("d1", "L0", "2000", 3).loan
    advance(service, 8)
    before = service.loan(loan.id)
    service.repay(loan.id, "2100", "p1")
    assert service.loan(loan.id).status == LoanStatus.CLOSED
    reversal = service.reverse("p1")
    again = service.reverse("p1")
    assert reversal.transaction_id == again.transaction_id and not again.created
    after = service.loan(loan.id)
    assert after.status == LoanStatus.ACTIVE
    assert after.total_due_now == before.total_due_now
    assert after.credit_balance == 0
    assert_reconciled(service)


def test_idempotent_drawdown_repayment_and_cob(service: LendingService) -> None:
    first = service.drawdown("d1", "L0", "5000", 3)
    before = snapshot(service)
    retry = service.drawdown("d1", "L0", "5000", 3)
    assert not retry.created and retry.loan.id == first.loan.id
    assert snapshot(service) == before
    day = service.business_date()
    service.run_cob(day)
    after_cob = snapshot(service)
    report = service.run_cob(day)
    assert report.skipped == list(report.steps)
    assert snapshot(service) == after_cob
    service.repay(first.loan.id, "100", "p1")
    paid = snapshot(service)
    assert not service.repay(first.loan.id, "100", "p1").created
    assert snapshot(service) == paid
    assert_reconciled(service)


def test_cob_resumes_after_a_crash_between_steps(backend: str, tmp_path: Path) -> None:
    with fresh_service(backend, tmp_path) as a, fresh_service(backend, tmp_path) as b:
        for s in (a, b):
            setup_book(s)
            s.drawdown("d1", "L0", "5000", 2)
            advance(s, 6)
        day = a.business_date()
        a.run_cob(day)
        b.run_cob(day, stop_after="bill")  # the process "dies" after the bill step
        assert b.business_date() == day
        resumed = b.run_cob(day)
        assert resumed.skipped == ["accrue", "penalty", "bill"]
        assert snapshot(a)[0] == snapshot(b)[0] and snapshot(a)[5] == snapshot(b)[5]
        assert_reconciled(b)


def test_product_versions_are_immutable(service: LendingService) -> None:
    pid, version, fingerprint = service.register_product(weekly_product())
    assert (pid, version, fingerprint) == ("weekly-test", 1, weekly_product().fingerprint())
    with pytest.raises(ConflictError):
        service.register_product(weekly_product(write_off_dpd=30))
    service.register_product(weekly_product(write_off_dpd=30, version=2))
    service.create_line("V2", "C9", "1000", EIGHTEEN_PCT, date(2030, 1, 1), "weekly-test")
    assert service.line("V2").product_version == 2
    loan = service.drawdown("v2", "V2", "900", 2).loan
    assert (loan.product_version, loan.write_off_dpd) == (2, 30)


def test_line_limit_freeze_and_close(service: LendingService) -> None:
    service.drawdown("d1", "L0", "60000", 2)
    assert service.line("L0").available == 4_000_000
    service.change_limit("L0", "50000")
    assert service.line("L0").available == 0
    with pytest.raises(ValidationError) as err:
        service.drawdown("d2", "L0", "500", 2)
    assert err.value.field == "amount"
    service.change_limit("L0", "70000")
    service.set_line_status("L0", "frozen")
    with pytest.raises(ConflictError):
        service.drawdown("d3", "L0", "500", 2)
    service.set_line_status("L0", "active")
    assert service.drawdown("d4", "L0", "500", 2).created
    service.set_line_status("L0", "closed")
    with pytest.raises(ConflictError):
        service.set_line_status("L0", "active")


def _posted(service: LendingService) -> tuple[object, ...]:
    return snapshot(service)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "100001"}, "amount"),
        ({"amount": "100"}, "principal"),
        ({"installments": 7}, "installments"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": "USD"}, "currency"),
        ({"line_id": "nope"}, "line_id"),
        ({"client_id": ""}, "client_id"),
        ({"amortization": "balloon"}, "amortization"),
    ],
)
def test_bad_drawdowns_are_refused_and_post_nothing(
    service: LendingService, kwargs: dict[str, object], field: str
) -> None:
    before = _posted(service)
    args: dict[str, object] = {
        "client_id": "x",
        "line_id": "L0",
        "amount": "1000",
        "installments": 2,
        **kwargs,
    }
    with pytest.raises(PuhuiError) as err:
        service.drawdown(**args)  # type: ignore[arg-type]
    assert err.value.field == field
    assert _posted(service) == before


def test_bad_repayments_are_refused_and_post_nothing(service: LendingService) -> None:
    loan = service.drawdown("d1", "L0", "1000", 2).loan
    before = _posted(service)
    cases = [
        ({"amount": "0"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"on": START - timedelta(days=1)}, "on"),
        ({"on": START + timedelta(days=3)}, "on"),
        ({"loan_id": 999}, "loan_id"),
    ]
    for extra, field in cases:
        args: dict[str, object] = {"loan_id": loan.id, "amount": "10", "client_id": "r", **extra}
        with pytest.raises(PuhuiError) as err:
            service.repay(**args)  # type: ignore[arg-type]
        assert err.value.field == field, extra
    with pytest.raises(NotFoundError):
        service.reverse("never-paid")
    with pytest.raises(ValidationError) as bad_date:
        service.run_cob(START + timedelta(days=5))
    assert bad_date.value.field == "date"
    assert _posted(service) == before


def test_concurrent_drawdowns_never_exceed_the_limit(backend: str, tmp_path: Path) -> None:
    with fresh_service(backend, tmp_path) as main:
        setup_book(main, limit="10000")
        url = main.db.url.raw
        errors: list[str] = []
        booked: list[int] = []

        def worker(k: int) -> None:
            with LendingService(url) as mine:
                for j in range(6):
                    try:
                        result = mine.drawdown(f"t{k}-{j}", "L0", "1000", 2)
                        booked.append(result.loan.principal)
                    except ValidationError as exc:
                        errors.append(str(exc.field))

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(booked) == 1_000_000, "exactly the limit is drawn, never more"
        assert len(booked) == 10 and errors == ["amount"] * 14
        assert main.line("L0").available == 0
        assert_reconciled(main)


def test_concurrent_processes_never_exceed_the_limit(backend: str, tmp_path: Path) -> None:
    import multiprocessing

    from tests.servicing.support import draw_in_process

    with fresh_service(backend, tmp_path) as main:
        setup_book(main, limit="7000")
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(3) as pool:
            results = pool.starmap(
                draw_in_process, [(main.db.url.raw, f"p{k}", 4) for k in range(3)]
            )
        booked = [amount for result in results for amount in result]
        assert sum(booked) == 700_000 and len(booked) == 7
        assert main.line("L0").available == 0
        assert_reconciled(main)


def test_reversing_a_payoff_after_maturity_bills_everything_again(service: LendingService) -> None:
    loan = service.drawdown("d1", "L0", "1000", 2).loan
    advance(service, 3)
    service.repay(loan.id, "1200", "payoff")
    assert service.loan(loan.id).status == LoanStatus.CLOSED
    advance(service, 17)  # both due dates (day 7 and 14) pass while the loan is closed
    service.reverse("payoff")
    back = service.loan(loan.id)
    assert back.status == LoanStatus.ACTIVE
    assert back.principal_billed == back.principal_outstanding == 100_000
    assert back.interest_billed == 150 and back.interest_unbilled == 0  # 3 days: 1000x18%x3/360
    assert back.dpd == 13 and back.bucket == "M3+"
    advance(service, 1)  # 14 DPD >= the test product's 12: written off with what it owes
    gone = service.loan(loan.id)
    assert gone.status == LoanStatus.WRITTEN_OFF and gone.written_off >= 100_150
    assert_reconciled(service)


def test_batch_drawdowns_are_all_or_nothing_and_count_each_other(service: LendingService) -> None:
    from puhui.servicing.drawdown import DrawdownRequest

    before = snapshot(service)
    too_much = [DrawdownRequest(f"b{k}", "L0", "30000", 2) for k in range(4)]
    with pytest.raises(ValidationError) as err:
        service.drawdown_many(too_much)
    assert err.value.field == "amount"
    assert snapshot(service) == before, "the three that fitted were not booked either"
    results = service.drawdown_many([DrawdownRequest("b0", "L0", "30000", 2)] * 2)
    assert [r.created for r in results] == [True, False]
    assert results[0].loan.id == results[1].loan.id
    assert results[0].loan == service.loan(results[0].loan.id)
    assert service.line("L0").outstanding == 3_000_000
    assert_reconciled(service)


@pytest.mark.parametrize(
    "changes",
    [
        {"schedule": {"engine": "progressive"}},
        {"schedule": {"days_in_year": "365"}},
        {"schedule": {"days_in_year": "actual", "amortizations": ["equal-principal"]}},
        {
            "fees": {
                "upfront": {"kind": "flat", "value": "10"},
                "per_installment": {"kind": "percent", "value": "1"},
            }
        },
    ],
    ids=["progressive", "d365", "actual-equal-principal", "fees"],
)
def test_product_variants_close_when_the_schedule_is_paid(
    service: LendingService, changes: dict[str, dict[str, object]]
) -> None:
    data = weekly_product().to_dict()
    data["id"] = "variant"
    for key, value in changes.items():
        data[key] = {**data[key], **value}
    service.register_product(parse_product(data))
    service.create_line("V", "CV", "100000", EIGHTEEN_PCT, date(2030, 1, 1), "variant")
    loan = service.drawdown("v1", "V", "12345.67", 4).loan
    for k, row in enumerate(service.installments(loan.id)):
        advance(service, row["due_day"] - service.business_date().toordinal())
        due = row["sched_principal"] + row["sched_interest"] + row["sched_fee"]
        assert (
            service.repay(loan.id, str(Decimal(due).scaleb(-2)), f"p{k}").paid["credit_balance"]
            == 0
        )
    final = service.loan(loan.id)
    assert final.status == LoanStatus.CLOSED and final.credit_balance == 0
    assert_reconciled(service)


def test_a_crash_before_the_ledger_post_is_repaired_by_the_next_call(
    service: LendingService,
) -> None:
    from puhui.servicing import repayment

    loan = service.drawdown("d1", "L0", "1000", 2).loan
    # The process commits the sub-ledger (and its outbox rows), then dies before posting.
    with service.db.tx():
        repayment.repay(service.db, loan.id, "300", "p1")
    receivable = service.ledger.lookup_accounts([_principal_account()])[0]
    assert receivable.debits_posted - receivable.credits_posted == 100_000, "not posted yet"
    with LendingService(service.db.url.raw) as restarted:
        restarted.run_cob(restarted.business_date())  # any call flushes the outbox first
        assert_reconciled(restarted)
    receivable = service.ledger.lookup_accounts([_principal_account()])[0]
    assert receivable.debits_posted - receivable.credits_posted == 70_000


def _principal_account() -> int:
    from puhui.servicing.chart import Code, account_id

    return account_id(1, Code.PRINCIPAL_RECEIVABLE)


def test_jobs_registered_after_cob_run_once_the_day_is_closed(service: LendingService) -> None:
    closed: list[date] = []
    service.after_cob.append(closed.append)
    day = service.business_date()
    service.run_cob(day, stop_after="bill")  # a crash mid-close: the jobs wait
    assert closed == []
    service.run_cob(day)
    assert closed == [day]

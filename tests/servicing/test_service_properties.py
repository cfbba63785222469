"""Money is conserved under any sequence of servicing operations, and a year of a book closes.

After every operation the ledger's trial balance is zero and every sub-ledger total equals its
general-ledger control account (`reconcile`). Refused operations (a PuhuiError) change nothing.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from puhui.errors import PuhuiError
from puhui.servicing.loans import LoanStatus
from tests.servicing.support import (
    POSTGRES_URL,
    advance,
    assert_reconciled,
    fresh_service,
    setup_book,
    snapshot,
)

op = st.one_of(
    st.tuples(st.just("draw"), st.integers(0, 1), st.integers(1, 900), st.sampled_from([2, 3, 4])),
    st.tuples(st.just("repay"), st.integers(0, 9), st.integers(-5, 1200), st.just(0)),
    st.tuples(st.just("reverse"), st.integers(0, 9), st.just(0), st.just(0)),
    st.tuples(st.just("cob"), st.integers(1, 9), st.just(0), st.just(0)),
)


def _run(kind: str, tmp: Path, ops: list[tuple[str, int, int, int]]) -> None:
    with fresh_service(kind, tmp) as service:
        setup_book(service, limit="2000", lines=2)
        loans: list[int] = []
        payments: list[str] = []
        for k, (name, a, b, c) in enumerate(ops):
            before = snapshot(service)
            try:
                if name == "draw":
                    loans.append(service.drawdown(f"d{k}", f"L{a}", str(b * 5), c).loan.id)
                elif name == "repay" and loans:
                    service.repay(loans[a % len(loans)], f"{b}.37", f"p{k}")
                    payments.append(f"p{k}")
                elif name == "reverse" and payments:
                    service.reverse(payments[a % len(payments)])
                elif name == "cob":
                    advance(service, a)
            except PuhuiError:
                assert snapshot(service) == before, f"refused {name} changed something"
            assert_reconciled(service)
        for line in ("L0", "L1"):
            assert 0 <= service.line(line).outstanding <= service.line(line).limit


@given(ops=st.lists(op, min_size=1, max_size=25))
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_sequence_conserves_money_sqlite(
    tmp_path: Path, ops: list[tuple[str, int, int, int]]
) -> None:
    _run("sqlite", tmp_path, ops)


@pytest.mark.postgres
@given(ops=st.lists(op, min_size=1, max_size=15))
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_sequence_conserves_money_postgres(
    tmp_path: Path, ops: list[tuple[str, int, int, int]]
) -> None:
    if not POSTGRES_URL:
        pytest.skip("PUHUI_TEST_POSTGRES_URL is not set")
    _run("postgresql", tmp_path, ops)


@pytest.mark.slow
def test_life_of_a_thousand_loans_over_400_business_days(tmp_path: Path) -> None:
    """1,000 loans drawn over the first 200 days; customers pay on time, late, early or never."""
    rng = random.Random(20261128)
    with fresh_service("sqlite", tmp_path) as service:
        setup_book(service, limit="200000", lines=200)
        loans: list[tuple[int, str]] = []
        behaviour: dict[int, str] = {}
        refused = 0
        for day in range(400):
            if day < 200:
                batch = []
                from puhui.servicing.drawdown import DrawdownRequest

                for j in range(5):
                    k = len(loans) + refused + j
                    amount = str(rng.randrange(500, 5000))
                    batch.append(
                        DrawdownRequest(f"d{k}", f"L{k % 200}", amount, rng.choice([2, 3, 4]))
                    )
                for result in service.drawdown_each(batch):
                    if isinstance(result, PuhuiError):  # a delinquent customer's line is frozen
                        assert result.field == "line_id" and "frozen" in result.message
                        refused += 1
                        continue
                    loans.append((result.loan.id, result.loan.client_id))
                    behaviour[result.loan.id] = rng.choices(
                        ["on-time", "late", "early", "never"], [70, 15, 10, 5]
                    )[0]
            today = service.business_date().toordinal()
            for loan_id, _ in loans:
                kind = behaviour[loan_id]
                if kind == "never":
                    continue
                loan = service.loan(loan_id)
                if loan.status != LoanStatus.ACTIVE:
                    continue
                owed = (
                    loan.principal_billed
                    + loan.interest_billed
                    + loan.fee_billed
                    + loan.penalty_unpaid
                )
                if kind == "early" and loan.disbursed_day + 5 == today:
                    service.repay(loan_id, str(loan.total_due_now / 100), f"e{loan_id}")
                elif owed and (kind == "on-time" or (loan.dpd >= 4 and kind == "late")):
                    service.repay(loan_id, f"{owed // 100}.{owed % 100:02d}", f"r{loan_id}-{today}")
            advance(service, 1)
            if day % 50 == 0:
                assert_reconciled(service)
        assert_reconciled(service)
        statuses = [service.loan(i).status for i, _ in loans]
        assert len(loans) + refused == 1000 and 0 < refused < 500  # late customers are frozen
        assert statuses.count(LoanStatus.WRITTEN_OFF) > 0
        assert statuses.count(LoanStatus.CLOSED) > 0.8 * len(loans)
        assert statuses.count(LoanStatus.ACTIVE) == 0

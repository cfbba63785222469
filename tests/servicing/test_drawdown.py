"""`drawdown_each`: independent requests share one transaction, each refused one alone.

The API books concurrent drawdowns together (`puhui.api.drawdown_batch`), so one customer's
bad request must not fail a neighbour's, and what is booked must equal booking the accepted
requests one by one: same loans, the line's limit never exceeded, the ledger reconciled.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from puhui.errors import NotFoundError, PuhuiError, ValidationError
from puhui.servicing.drawdown import DrawdownRequest, DrawdownResult
from puhui.servicing.service import LendingService
from tests.servicing.support import (
    POSTGRES_URL,
    assert_reconciled,
    fresh_service,
    setup_book,
)

LIMIT = 10_000  # yuan per line

request_strategy = st.builds(
    DrawdownRequest,
    client_id=st.sampled_from([f"c{k}" for k in range(12)]),
    line_id=st.sampled_from(["L0", "L1", "missing"]),
    amount=st.sampled_from(["0", "-5", "100", "600", "2500", "4000", "9000", "12000", "33.333"]),
    installments=st.sampled_from([2, 3, 4, 7]),
)


def _outstanding(service: LendingService, line_id: str) -> int:
    return service.line(line_id).outstanding


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(requests=st.lists(request_strategy, min_size=1, max_size=12))
def test_each_request_gets_its_own_outcome(tmp_path: Path, requests: list[DrawdownRequest]) -> None:
    with fresh_service("sqlite", tmp_path) as together, fresh_service("sqlite", tmp_path) as alone:
        for service in (together, alone):
            setup_book(service, limit=str(LIMIT), lines=2)
        outcomes = together.drawdown_each(requests)
        assert len(outcomes) == len(requests)
        for request, outcome in zip(requests, outcomes, strict=True):
            try:  # the same request booked on its own, in order, on a twin book
                expected: DrawdownResult | PuhuiError = alone.drawdown(
                    request.client_id, request.line_id, request.amount, request.installments
                )
            except PuhuiError as error:
                expected = error
            if isinstance(expected, PuhuiError):
                assert type(outcome) is type(expected), (request, outcome)
                assert isinstance(outcome, PuhuiError) and outcome.field == expected.field
            else:
                assert isinstance(outcome, DrawdownResult), (request, outcome)
                assert outcome.created == expected.created
                assert outcome.loan.principal == expected.loan.principal
                assert outcome.loan.apr_nominal_pct == expected.loan.apr_nominal_pct
        for line_id in ("L0", "L1"):
            assert _outstanding(together, line_id) == _outstanding(alone, line_id)
            assert _outstanding(together, line_id) <= LIMIT * 100
        assert_reconciled(together)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_refused_requests_post_nothing_and_the_rest_are_booked(
    backend: str, tmp_path: Path
) -> None:
    if backend == "postgresql" and not POSTGRES_URL:
        pytest.skip("PUHUI_TEST_POSTGRES_URL is not set")
    with fresh_service(backend, tmp_path) as service:
        setup_book(service, limit=str(LIMIT), lines=1)
        outcomes = service.drawdown_each(
            [
                DrawdownRequest("bad-amount", "L0", "0", 2),
                DrawdownRequest("bad-line", "nope", "100", 2),
                DrawdownRequest("too-much", "L0", "10000.01", 2),
                DrawdownRequest("bad-term", "L0", "1000", 9),
            ]
        )
        assert [type(o) for o in outcomes] == [
            ValidationError,
            NotFoundError,
            ValidationError,
            ValidationError,
        ]
        assert [o.field for o in outcomes if isinstance(o, PuhuiError)] == [
            "amount",
            "line_id",
            "amount",
            "installments",
        ]
        assert _outstanding(service, "L0") == 0
        (loans,) = service.db.one("SELECT COUNT(*) FROM lending_loans")
        (queued,) = service.db.one("SELECT COUNT(*) FROM lending_outbox")
        assert (loans, queued) == (0, 1)  # only the funding of settlement
        assert_reconciled(service)
        mixed = service.drawdown_each(
            [
                DrawdownRequest("ok-1", "L0", "4000", 2),
                DrawdownRequest("bad", "L0", "-1", 2),
                DrawdownRequest("ok-2", "L0", "6000", 3),
                DrawdownRequest("over", "L0", "0.01", 2),  # the two before used the limit
            ]
        )
        assert [type(o).__name__ for o in mixed] == [
            "DrawdownResult",
            "ValidationError",
            "DrawdownResult",
            "ValidationError",
        ]
        assert _outstanding(service, "L0") == LIMIT * 100
        assert_reconciled(service)

"""Property test of the whole /v1 API's contract against the live server's /openapi.json.

Schemathesis generates requests from the published schema (operator key); whatever it sends,
the server must never answer 5xx, and every error must be `application/problem+json`.
Bounded (few examples per operation, one server for the module) so it stays well under 60 s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from puhui.services.bank import BankConfig, build_bank

from .conftest import Server, start_server

API_PATHS = r"^/v1/"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("schema")
    url = f"sqlite:///{tmp / 'puhui.db'}"
    # a small bank, so that decisions, audit, models and customers answer for real
    build_bank(
        url,
        tmp,
        BankConfig(
            customers=200, history=5_000, seed=1, start=date(2026, 1, 1), days=1, borrowers=0
        ),
    )
    yield from start_server(url, tmp)


@pytest.fixture(scope="module")
def api_schema(live: Server) -> Any:
    with live.client("operator") as c:  # something real to find: a line and a loan on it
        line = {
            "id": "line-1",
            "customer_id": "c-1",
            "limit": "50000",
            "annual_rate": "18",
            "expires": "2030-01-01",
        }
        assert c.post("/v1/lines", json=line).status_code == 201
        r = c.post(
            "/v1/lines/line-1/drawdowns",
            json={"amount": "1000", "installments": 5},
            headers={"Idempotency-Key": "k-1"},
        )
        assert r.status_code == 201
    schema = schemathesis.openapi.from_url(live.base_url + "/openapi.json")
    return schema.include(path_regex=API_PATHS)


def check(case: Any, live: Server, seen: Counter[int]) -> None:
    response = case.call(headers={"X-API-Key": live.keys["operator"]}, timeout=30)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/problem+json"), (
            case.method,
            case.formatted_path,
            response.status_code,
        )
        assert "code" in response.json()
    seen[response.status_code] += 1


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_5xx_and_every_error_is_a_problem(
    api_schema: Any, live: Server, mode: GenerationMode
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 14
    seen: Counter[int] = Counter()
    for operation in operations:

        @settings(
            max_examples=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            check(case, live, seen)

        run()
    print(mode.value, dict(seen))
    assert sum(seen.values()) >= 2 * len(operations)
    with live.client("operator") as c:
        assert c.get("/v1/reconciliation").json()["ok"] is True
        assert c.get("/v1/ledger/trial-balance").json()["balanced"] is True


def test_schema_lists_the_lending_endpoints(live: Server) -> None:
    paths = httpx.get(live.base_url + "/openapi.json").json()["paths"]
    for path in (
        "/v1/lines",
        "/v1/lines/{line_id}",
        "/v1/lines/{line_id}/limit",
        "/v1/lines/{line_id}/drawdowns",
        "/v1/loans/{loan_id}",
        "/v1/loans/{loan_id}/schedule",
        "/v1/loans/{loan_id}/transactions",
        "/v1/loans/{loan_id}/payoff-quote",
        "/v1/loans/{loan_id}/repayments",
        "/v1/repayments/{client_id}/reversal",
        "/v1/business-date",
        "/v1/cob",
        "/v1/reconciliation",
    ):
        assert path in paths, path

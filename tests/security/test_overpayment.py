"""Probe 1: a repayment far above what the loan owes is refused, over HTTP, in the service and
in the CLI alike (payoff + the product's `overpayment_tolerance`, 200 CNY by default)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.cli import app
from puhui.db import Database
from puhui.errors import ValidationError
from puhui.ledger import open_ledger
from puhui.lending.products import default_product
from puhui.rate import Rate
from puhui.servicing.service import LendingService, open_lending
from tests.api.conftest import Server

LINE = {
    "id": "line-1",
    "customer_id": "cust-1",
    "limit": "10000",
    "annual_rate": "18",
    "expires": "2027-12-31",
}


def payments(server: Server) -> int:
    with closing(Database(server.database_url)) as db:
        return int(db.one("SELECT COUNT(*) FROM lending_transactions")[0])


def test_default_product_caps_overpayment_at_200() -> None:
    assert default_product().repayment.overpayment_tolerance == Decimal("200")


def test_api_refuses_a_repayment_above_payoff_plus_tolerance(server: Server) -> None:
    with server.client("operator") as c:
        assert c.post("/v1/lines", json=LINE).status_code == 201
        r = c.post(
            "/v1/lines/line-1/drawdowns",
            json={"amount": "600", "installments": 5},
            headers={"Idempotency-Key": "dd-over"},
        )
        assert r.status_code == 201, r.text
        loan_id = r.json()["loan_id"]
        before = payments(server)
        r = c.post(
            f"/v1/loans/{loan_id}/repayments",
            json={"amount": "100000"},
            headers={"Idempotency-Key": "pay-over"},
        )
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["field"] == "amount" and "800.00" in r.json()["detail"]
        assert payments(server) == before
        assert c.get(f"/v1/loans/{loan_id}").json()["credit_balance"] == "0.00"
        # Payoff + 200 exactly is taken; the 200 becomes the customer's credit balance.
        r = c.post(
            f"/v1/loans/{loan_id}/repayments",
            json={"amount": "800"},
            headers={"Idempotency-Key": "pay-max"},
        )
        assert r.status_code == 201, r.text
        loan = c.get(f"/v1/loans/{loan_id}").json()
        assert loan["status"] == "closed" and loan["credit_balance"] == "200.00"


@pytest.fixture
def lending(tmp_path: Path) -> Iterator[LendingService]:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    with open_lending(url, open_ledger(url), date(2026, 1, 1)) as service:
        service.fund("CNY", "1000000", "seed")
        yield service


def test_service_refuses_overpayment_and_books_nothing(lending: LendingService) -> None:
    lending.create_line("L", "C", "10000", Rate.parse("18%"), date(2030, 1, 1))
    loan = lending.drawdown("d", "L", "600", 5).loan
    with pytest.raises(ValidationError) as err:
        lending.repay(loan.id, "100000", "p")
    assert err.value.field == "amount"
    assert lending.transactions(loan.id) == []
    assert lending.repay(loan.id, "800", "p").paid["credit_balance"] == 20_000


def test_cli_refuses_overpayment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUHUI_DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    runner = CliRunner()

    def run(*args: str) -> dict[str, object]:
        result = runner.invoke(app, ["lending", *args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)  # type: ignore[no-any-return]

    run("start", "--date", "2026-01-15")
    run("fund", "--amount", "100000", "--client-id", "seed")
    line = ("--id", "L1", "--customer", "C1", "--limit", "2000", "--rate", "18")
    run("line", "create", *line, "--expires", "2027-01-01")
    loan = run(
        "drawdown", "--client-id", "d1", "--line", "L1", "--amount", "600", "--installments", "5"
    )
    bad = runner.invoke(
        app,
        ["lending", "repay", "--loan", str(loan["id"]), "--amount", "100000", "--client-id", "r"],
    )
    assert bad.exit_code == 2 and "amount" in bad.output and "tolerance" in bad.output

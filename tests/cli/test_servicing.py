"""`puhui lending ...` end to end on a real SQLite file: JSON out, exit 2 on bad input."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.cli import app


def test_lending_commands_book_repay_close_and_reconcile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUHUI_DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    runner = CliRunner()

    def run(*args: str) -> dict[str, object]:
        result = runner.invoke(app, ["lending", *args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)  # type: ignore[no-any-return]

    assert run("start", "--date", "2026-01-15")["business_date"] == "2026-01-15"
    run("fund", "--amount", "100000", "--client-id", "seed")
    line = run(
        "line",
        "create",
        "--id",
        "L1",
        "--customer",
        "C1",
        "--limit",
        "20000",
        "--rate",
        "18",
        "--expires",
        "2027-01-01",
    )
    assert line["available"] == "20000.00"
    loan = run(
        "drawdown", "--client-id", "d1", "--line", "L1", "--amount", "5000", "--installments", "5"
    )
    assert 18 < Decimal(str(loan["apr_nominal_pct"])) < 18.1 and loan["created"] is True
    assert run("cob", "run", "--date", "2026-01-15")["next_business_date"] == "2026-01-16"
    quote = run("quote", "--loan", str(loan["id"]))
    assert quote["total"] == "5002.50"  # one day of 5000 at 18% / 360
    paid = run("repay", "--loan", str(loan["id"]), "--amount", "5002.50", "--client-id", "r1")
    assert paid["paid"]["principal"] == "5000.00"
    assert run("loan", str(loan["id"]))["status"] == "closed"
    assert run("reconcile")["ok"] is True

    bad = runner.invoke(
        app,
        [
            "lending",
            "drawdown",
            "--client-id",
            "d2",
            "--line",
            "L1",
            "--amount",
            "-1",
            "--installments",
            "5",
        ],
    )
    assert bad.exit_code == 2 and "amount" in bad.output

"""The `puhui` command: help, the ledger demo, ledger trial-balance/account/bench."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.cli import app
from puhui.demo import run_demo
from puhui.ledger import open_ledger

runner = CliRunner()


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PUHUI_DATABASE_URL", raising=False)
    return tmp_path


def test_every_command_has_help() -> None:
    for args in (
        ["--help"],
        ["run", "--help"],
        ["ledger", "--help"],
        ["ledger", "bench", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output


def _book_demo() -> dict[str, object]:
    """The ledger demo, booked into the default database (`puhui run` now builds the bank)."""
    with open_ledger("sqlite:///./puhui-data/puhui.db") as ledger:
        return run_demo(ledger)


def test_run_demo_is_idempotent_and_balanced(in_tmp: Path) -> None:
    report = json.loads(json.dumps(_book_demo()))
    assert report["trial_balance_zero"] is True
    assert report["transfers_failed"] == []
    loans = {b["id"]: b for b in report["balances"]}
    assert loans[1002]["net_debit"] == "4500.00"
    assert (in_tmp / "puhui-data" / "puhui.db").exists()
    again = json.loads(json.dumps(_book_demo()))
    # As in TigerBeetle, `exists` fails a linked chain: the chain's second event reports
    # linked_event_failed, and nothing is booked twice.
    assert again["transfers_existing"] == 7
    assert again["transfers_failed"] == [[7, "LINKED_EVENT_FAILED"]]
    assert again["balances"] == report["balances"]


def test_trial_balance_and_account(in_tmp: Path) -> None:
    _book_demo()
    out = json.loads(runner.invoke(app, ["ledger", "trial-balance", "--json"]).output)
    assert out["balanced"] is True
    assert out["ledgers"][0]["debits_posted"] == out["ledgers"][0]["credits_posted"]
    acct = json.loads(runner.invoke(app, ["ledger", "account", "1002", "--json"]).output)
    assert acct["debits_posted"] == "500000"
    missing = runner.invoke(app, ["ledger", "account", "77"])
    assert missing.exit_code == 1


def test_bench_small_json(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUHUI_TEST_POSTGRES_URL", raising=False)
    result = runner.invoke(
        app,
        [
            "ledger",
            "bench",
            "--accounts",
            "100",
            "--transfers",
            "2000",
            "--workload",
            "hot",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (row,) = data["results"]
    assert row["transfers"] == 2000 and row["transfers_per_s"] > 0
    assert data["machine"]["cores"] >= 1


def test_bench_rejects_bad_workload(in_tmp: Path) -> None:
    result = runner.invoke(app, ["ledger", "bench", "--workload", "zipf"])
    assert result.exit_code != 0
    assert "workload" in result.output


def test_run_builds_the_bank_once_then_reuses_it(in_tmp: Path) -> None:
    args = ["run", "--no-serve", "--customers", "300", "--days", "3", "--borrowers", "5", "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    built = json.loads(first.output[first.output.index("{") :])
    assert built["reused"] is False and built["customers"] == 300
    assert built["loans"] == 5 and built["reconciled"] is True
    assert built["login_key"].startswith("phk_")
    second = json.loads(runner.invoke(app, args).output)
    assert second["reused"] is True
    assert second["strategy_version"] == built["strategy_version"]
    assert second["login_key"] != built["login_key"]

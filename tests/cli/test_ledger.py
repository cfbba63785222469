"""`puhui ledger ...`: help, the ledger demo, trial balance and accounts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.cli import app
from puhui.ledger import open_ledger
from tests.ledger.demo import run_demo

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
        ["ledger", "account", "--help"],
        ["lending", "cob", "run", "--help"],
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
    missing = runner.invoke(app, ["ledger", "account", "77", "--json"])
    assert missing.exit_code == 2
    assert json.loads(missing.output)["error"]["field"] == "account_id"

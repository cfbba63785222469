"""The cost meter: prices as data, the arithmetic by hand, a real metered workload, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.ai.audit import CallLog, CallRecord
from puhui.cli import app
from puhui.cost import ai_usage, build_report, load_inputs, measure
from puhui.cost.meter import KINDS, Measured
from puhui.cost.prices import DEFAULT_PRICES_PATH
from puhui.db import connect
from puhui.errors import ValidationError

runner = CliRunner()


def test_default_prices_name_a_source_for_every_price() -> None:
    inputs = load_inputs()
    for name in type(inputs.prices).model_fields:
        assert inputs.sources.get(name), name
    assert inputs.scale.accounts == 420_000_000
    assert inputs.scale.peak_day_transactions == 1_400_000_000


def test_bad_prices_name_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "prices.toml"
    bad.write_text(
        DEFAULT_PRICES_PATH.read_text().replace('cpu_hour_yuan = "0.36"', 'cpu_hour_yuan = "-1"')
    )
    with pytest.raises(ValidationError) as err:
        load_inputs(bad)
    assert err.value.field == "prices.cpu_hour_yuan"
    with pytest.raises(ValidationError) as err:
        load_inputs(tmp_path / "missing.toml")
    assert err.value.field == "prices"


def _measured() -> Measured:
    return Measured(
        backend="sqlite",
        customers=100,
        days=40,
        cpu_seconds={
            "preapproval_row": 0.0001,
            "decision": 0.002,
            "drawdown": 0.001,
            "repayment": 0.003,
            "cob_loan_day": 0.00002,
        },
        units={"preapproval_row": 100, "decision": 100, "drawdown": 50, "repayment": 50,
               "cob_loan_day": 2000},
        accounts=100,
        transfers=300,  # 3 transfers per drawdown or repayment
        bytes_per_account=5_000.0,
        bytes_per_transfer=200.0,
        machine={"cores": 2},
    )  # fmt: skip


def test_yuan_per_account_year_by_hand() -> None:
    inputs = load_inputs()
    report = build_report(_measured(), inputs, {})
    # CPU-s per account-year: 12 x 0.0001 + 1 x 0.002 + 2 x 0.001 + 12 x 0.003 + 180 x 0.00002
    cpu_s = 0.0012 + 0.002 + 0.002 + 0.036 + 0.0036
    assert report.per_account_year["cpu_seconds"] == pytest.approx(cpu_s)
    assert report.yuan_per_account_year["cpu"] == pytest.approx(cpu_s / 3600 * 0.36)
    # 3 transfers per move x 14 moves = 42 transfers of 200 bytes, + 5,000 bytes; 3 copies a year
    stored = 5_000 + 42 * 200
    assert report.per_account_year["bytes_stored"] == pytest.approx(stored)
    assert report.yuan_per_account_year["storage"] == pytest.approx(stored * 3 * 12 * 1.0 / 1e9)
    # no calls in the audit: the default tokens; 0.05 large calls of 1,500 in and 300 out
    large = 0.05 * (1500 * 0.002 + 300 * 0.008) / 1000
    assert report.yuan_per_account_year["large_model"] == pytest.approx(large)
    parts = ("cpu", "storage", "large_model", "small_model")
    assert report.total_yuan == pytest.approx(sum(report.yuan_per_account_year[p] for p in parts))
    # the busiest hour: 10% of 1.4B transactions, (2 x 0.001 + 12 x 0.003) / 14 CPU-s each,
    # on 2 cores at 60%
    per_txn = (0.002 + 0.036) / 14
    assert report.projection["machines_peak_day"] == pytest.approx(1.4e8 * per_txn / (3600 * 1.2))
    assert report.projection["machines"] >= report.projection["machines_peak_day"]


def test_tokens_per_call_come_from_the_audit() -> None:
    ai = {"large": {"calls": 2, "input_tokens": 1000, "output_tokens": 400}}
    report = build_report(_measured(), load_inputs(), ai)
    assert report.yuan_per_account_year["large_model"] == pytest.approx(
        0.05 * (500 * 0.002 + 200 * 0.008) / 1000
    )


def test_a_real_workload_is_metered(database_url: str) -> None:
    measured = measure(database_url, customers=120, days=33)
    assert set(measured.cpu_seconds) == set(KINDS)
    for kind in KINDS:
        assert measured.units[kind] > 0, kind
        assert measured.cpu_seconds[kind] > 0, kind
    assert measured.accounts == 120
    assert measured.transfers > measured.units["drawdown"]
    assert 50 < measured.bytes_per_transfer < 2_000
    assert measured.bytes_per_account > measured.bytes_per_transfer
    assert {"ledger_transfers", "lending_loans", "decision_audit"} <= set(measured.table_bytes)
    if measured.backend == "postgresql":
        assert measured.wal_bytes > 0


def test_model_calls_are_read_from_the_gateway_audit(sqlite_url: str) -> None:
    assert ai_usage(sqlite_url) == {}
    conn = connect(sqlite_url)
    log = CallLog(conn, sqlite_url)
    for kind, tokens in (("large", 900), ("large", 100), ("small", 40)):
        log.record(
            CallRecord(
                caller="t", task="summary", kind=kind, route=kind, model="m", endpoint="e",
                prompt_redacted="p", response_redacted="r", entities_redacted=0,
                prompt_tokens=tokens, completion_tokens=tokens // 2, latency_ms=1.0,
                attempts=1, outcome="ok",
            )
        )  # fmt: skip
    conn.close()
    assert ai_usage(sqlite_url) == {
        "large": {"calls": 2, "input_tokens": 1000, "output_tokens": 500},
        "small": {"calls": 1, "input_tokens": 40, "output_tokens": 20},
    }


def test_cli_refuses_bad_prices_and_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUHUI_DATABASE_URL", f"sqlite:///{tmp_path / 'platform.db'}")
    bad = tmp_path / "prices.toml"
    bad.write_text("[prices]\ncpu_hour_yuan = 1\n")
    result = runner.invoke(app, ["cost", "report", "--prices", str(bad), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["field"].startswith("prices")
    result = runner.invoke(
        app, ["cost", "report", "--customers", "100", "--days", "32", "--save", "--json"]
    )
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["report_id"] and data["yuan_per_account_year"]["total"] > 0
    assert data["projection"]["machines"] >= 1

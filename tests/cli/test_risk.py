"""`puhui policy check` and `puhui price` from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from puhui.cli import app

runner = CliRunner()

CUSTOMERS: list[dict[str, Any]] = [
    {
        "customer_id": "C1",
        "age": 30,
        "blacklisted": False,
        "identity_match": 0.97,
        "inquiries_30d": 0,
        "inquiries_90d": 1,
        "overdue_elsewhere": False,
        "monthly_income": 8000.0,
        "monthly_obligations": 500.0,
    },
    {
        "customer_id": "C2",
        "age": 45,
        "blacklisted": False,
        "identity_match": 0.97,
        "inquiries_30d": 7,
        "inquiries_90d": 9,
        "overdue_elsewhere": True,
        "monthly_income": 5000.0,
        "monthly_obligations": 0.0,
    },
]


def _check(path: Path) -> dict[str, Any]:
    result = runner.invoke(app, ["policy", "check", "--customer-file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


@pytest.mark.parametrize("suffix", [".json", ".csv", ".parquet"])
def test_policy_check_reads_every_format_alike(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"customers{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(CUSTOMERS), encoding="utf-8")
    elif suffix == ".csv":
        pl.DataFrame(CUSTOMERS).write_csv(path)
    else:
        pl.DataFrame(CUSTOMERS).write_parquet(path)
    data = _check(path)
    assert data["summary"] == {"pass": 1, "refer": 0, "decline": 1}
    assert data["customers"][1]["customer_id"] == "C2"
    assert data["customers"][1]["reason_codes"] == ["KO-INQUIRIES-30D", "KO-OVERDUE-ELSEWHERE"]
    assert data["customers"][1]["reasons"][1]["zh"] == "在其他机构存在当前逾期"


def test_policy_check_one_customer_table(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(CUSTOMERS[1]), encoding="utf-8")
    result = runner.invoke(app, ["policy", "check", "--customer-file", str(path)])
    assert result.exit_code == 0
    assert "KO-OVERDUE-ELSEWHERE" in result.output
    assert "1 customers: pass 0, refer 0, decline 1" in result.output


def test_policy_check_names_a_missing_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"customer_id": "C1", "age": 30}), encoding="utf-8")
    result = runner.invoke(app, ["policy", "check", "--customer-file", str(path), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["field"] == "blacklisted"


def test_price_json() -> None:
    result = runner.invoke(app, ["price", "--pd", "0.03", "--term", "10", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["nominal_rate"] == "0.0969"
    assert data["components"]["expected_loss"] == "0.0255"
    assert data["strategy_id"].startswith("sha256:")


def test_price_table_and_bad_pd() -> None:
    result = runner.invoke(app, ["price", "--pd", "0.5", "--term", "12"])
    assert result.exit_code == 0
    assert "24.00%" in result.output
    bad = runner.invoke(app, ["price", "--pd", "1.5", "--term", "12", "--json"])
    assert bad.exit_code == 2
    assert json.loads(bad.output)["error"]["field"] == "pd"


def test_strategy_show_prints_the_version_id() -> None:
    from puhui.risk.strategy import load_strategy

    result = runner.invoke(app, ["strategy", "show", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["version_id"] == load_strategy().version_id
    assert data["content"]["cutoffs"]["refer_max_pd"] == "0.055"
    table = runner.invoke(app, ["strategy", "show"])
    assert load_strategy().version_id in table.output

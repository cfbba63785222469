"""`puhui simulate`, `puhui optimise` and `puhui marketing target` from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from puhui.cli import app
from puhui.db import Database
from puhui.governance.registry import load_strategy_version
from puhui.portfolio.store import latest_run
from puhui.risk.model import RiskModel, save_model
from puhui.risk.strategy import load_strategy
from tests.portfolio.conftest import pd_model  # noqa: F401  (a fixture, found by name)

runner = CliRunner()


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pd_model: RiskModel) -> Path:  # noqa: F811
    """A data directory and database for --save / --register, and the test PD model on disk."""
    monkeypatch.setenv("PUHUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PUHUI_DATABASE_URL", f"sqlite:///{tmp_path / 'puhui.db'}")
    save_model(pd_model, tmp_path / "model")
    return tmp_path


def _json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_simulate_through_the_engine_with_a_candidate_beside_it(platform: Path) -> None:
    candidate = platform / "candidate.toml"
    text = (Path(__file__).parents[2] / "src/puhui/risk/strategies/default.toml").read_text()
    candidate.write_text(text.replace("approve_max_pd = 0.035", "approve_max_pd = 0.02"))
    common = ["--customers", "120", "--months", "3", "--model", str(platform / "model")]
    data = _json(["simulate", "--compare", str(candidate), "--save", *common])
    champion, challenger = data["champion"], data["candidate"]
    assert champion["mode"] == challenger["mode"] == "engine"  # small runs use the engine
    assert len(champion["months"]) == 3 and champion["summary"]["reconciled"] is True
    # a stricter cut-off approves no more customers
    assert challenger["summary"]["approvals"] <= champion["summary"]["approvals"]
    assert data["delta"]["approvals"] == (
        challenger["summary"]["approvals"] - champion["summary"]["approvals"]
    )
    db = Database(f"sqlite:///{platform / 'puhui.db'}")
    stored = latest_run(db, "simulation")
    db.close()
    assert stored is not None and stored["id"] == data["run_id"]


def test_simulate_refuses_an_unknown_strategy_naming_the_field(platform: Path) -> None:
    result = runner.invoke(app, ["simulate", "--strategy", "nope.toml", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["field"] == "strategy"


def test_optimise_writes_and_registers_the_best_candidate(platform: Path) -> None:
    out = platform / "best.toml"
    data = _json(
        [
            "optimise",
            "--customers",
            "400",
            "--months",
            "4",
            "--trials",
            "4",
            "--min-approval-rate",
            "0.2",
            "--model",
            str(platform / "model"),
            "--out",
            str(out),
            "--plot",
            str(platform / "frontier.png"),
            "--register",
            "--save",
        ]
    )
    assert data["champion"]["version_id"] == load_strategy().version_id
    assert len(data["trials"]) == 4
    assert (platform / "frontier.png").stat().st_size > 10_000
    if data["best"] is not None:
        written = load_strategy(out)
        assert written.version_id == data["best_strategy_version"] == data["registered"]
        db = Database(f"sqlite:///{platform / 'puhui.db'}")
        assert load_strategy_version(db, data["registered"]).version_id == written.version_id
        db.close()


def test_marketing_target_writes_a_list_no_longer_than_the_budget(platform: Path) -> None:
    out = platform / "contacts.csv"
    data = _json(
        [
            "marketing",
            "target",
            "--budget",
            "150",
            "--customers",
            "3000",
            "--out",
            str(out),
            "--model",
            str(platform / "model"),
            "--save",
        ]
    )
    lines = out.read_text().splitlines()
    assert lines[0].startswith("rank,customer_id,uplift")
    assert 1 < len(lines) <= 151
    assert data["by_response"]["contacts"] == 150
    assert {"qini", "gain", "qini_coefficient"} <= set(data["curves"])
    assert "true_incremental_takeup" in data["by_uplift"]


def test_marketing_target_refuses_a_bad_budget(platform: Path) -> None:
    result = runner.invoke(
        app, ["marketing", "target", "--budget", "0", "--out", "x.csv", "--json"]
    )
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["field"] == "budget"

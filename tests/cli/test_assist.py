"""`puhui assist …` through Typer: --help and --json everywhere, the alert contract, replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUHUI_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("PUHUI_DATA_DIR", str(tmp_path / "data"))


@pytest.mark.parametrize("command", ["check", "rules", "transcribe", "replay"])
def test_help_and_json_flag(command: str) -> None:
    result = runner.invoke(app, ["assist", command, "--help"])
    assert result.exit_code == 0 and "--json" in result.stdout


def test_check_prints_rule_severity_span_and_source() -> None:
    text = "我们保证您百分之百能通过。"
    result = runner.invoke(app, ["assist", "check", "--text", text, "--json"])
    assert result.exit_code == 0
    (alert,) = json.loads(result.stdout)["alerts"]
    assert alert["rule_id"] == "MKT-GUARANTEE" and alert["severity"] == "high"
    start, end = alert["span"]
    assert text[start:end] == alert["text"] and "广告法" in alert["source"]


def test_bad_input_exits_2_naming_the_field() -> None:
    result = runner.invoke(app, ["assist", "check", "--text", "hi", "--channel", "fax", "--json"])
    assert result.exit_code == 2 and json.loads(result.stdout)["error"]["field"] == "channel"
    result = runner.invoke(app, ["assist", "check", "--json"])
    assert result.exit_code == 2 and json.loads(result.stdout)["error"]["field"] == "text"


def test_replay_runs_turns_through_the_live_path(tmp_path: Path) -> None:
    turns = {
        "purpose": "collection",
        "local_time": "22:30",
        "turns": [
            {"speaker": "agent", "text": "您好，我是普惠银行的客服。"},
            {"speaker": "customer", "text": "我最近失业了，还不上。"},
            {"speaker": "agent", "text": "再不还钱就派人去你家。"},
        ],
    }
    path = tmp_path / "call.json"
    path.write_text(json.dumps(turns, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["assist", "replay", str(path), "--json"])
    assert result.exit_code == 0, result.stdout
    timeline = json.loads(result.stdout)
    steps = timeline["turns"]
    assert [a["rule_id"] for a in steps[0]["alerts"]] == ["CALL-HOURS"]
    assert steps[1]["suggestions"][0]["script_id"] == "C-HARDSHIP"
    assert [a["rule_id"] for a in steps[2]["alerts"]] == ["COL-THREAT"]
    assert timeline["scorecard"]["score"] == 40

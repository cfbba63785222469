"""`puhui run`: the main job builds the embedded bank once, then reuses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.cli import app

runner = CliRunner()


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PUHUI_DATABASE_URL", raising=False)
    return tmp_path


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

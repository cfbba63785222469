"""`puhui monitor ...` and `puhui model validate` on a real SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PUHUI_DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setenv("PUHUI_DATA_DIR", str(tmp_path))
    from puhui.settings import get_settings

    assert get_settings().database_url.endswith("p.db")  # read from the environment
    return tmp_path


def test_monitor_run_on_a_day_without_decisions_stores_nothing(env: Path) -> None:
    from puhui.db import Database
    from puhui.governance import audit

    db = Database(f"sqlite:///{env / 'p.db'}")
    audit.create_audit_tables(db)
    db.close()
    result = runner.invoke(app, ["monitor", "run", "--day", "2026-03-02", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"day": "2026-03-02", "runs": []}
    shown = runner.invoke(app, ["monitor", "show", "--json"])
    assert shown.exit_code == 0 and json.loads(shown.output) == []


def test_refusals_name_the_field(env: Path) -> None:
    bad_day = runner.invoke(app, ["monitor", "run", "--day", "March", "--json"])
    assert bad_day.exit_code == 2 and json.loads(bad_day.output)["error"]["field"] == "day"
    level = runner.invoke(app, ["monitor", "alerts", "--level", "pink", "--json"])
    assert level.exit_code == 2 and json.loads(level.output)["error"]["field"] == "level"
    out = runner.invoke(app, ["model", "validate", "v1", "--out", str(env / "r.txt"), "--json"])
    assert out.exit_code == 2 and json.loads(out.output)["error"]["field"] == "out"
    unknown = runner.invoke(
        app, ["model", "validate", "nope", "--out", str(env / "r.html"), "--json", "--rows", "1000"]
    )
    assert unknown.exit_code == 2 and json.loads(unknown.output)["error"]["code"] == "not_found"

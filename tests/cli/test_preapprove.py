"""`puhui population generate --partitions`, `preapprove`, `preapprove-load` and `-refresh`
on the bank the main job builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.cli import app

runner = CliRunner()


def _json(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.output[result.output.index("{") :])
    return data


@pytest.mark.slow
def test_generate_decide_load_and_refresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PUHUI_DATABASE_URL", raising=False)
    _json(["run", "--no-serve", "--customers", "300", "--days", "1", "--borrowers", "2", "--json"])
    made = _json(
        ["population", "generate", "--rows", "3000", "--partitions", "3", "--out", "pop", "--json"]
    )
    assert made["rows"] == 3_000 and len(list(Path("pop").glob("part-*.parquet"))) == 3
    decided = _json(["preapprove", "--data", "pop", "--out", "run", "--json"])
    assert decided["customers"] == 3_000 and decided["partitions"] == 3
    manifest = json.loads(Path("run/manifest.json").read_text())
    assert {p["name"] for p in manifest["partitions"]} == {f"part-0000{i}" for i in range(3)}
    loaded = _json(["preapprove-load", "--run", "run", "--json"])
    assert loaded["lines_granted"] == decided["approved"]
    again = _json(["preapprove-load", "--run", "run", "--json"])
    assert again["lines_granted"] == 0 and again["already_loaded_partitions"] == 3
    refreshed = _json(["preapprove-refresh", "--data", "pop", "--json"])
    assert refreshed["re_decided"] == decided["approved"]  # the same features: nothing moves
    assert refreshed["unchanged"] == decided["approved"]
    bad = runner.invoke(app, ["preapprove", "--data", "nowhere", "--out", "x", "--json"])
    assert bad.exit_code == 2 and "data" in bad.output

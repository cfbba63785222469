"""`puhui studio …` through Typer: --help and --json, the maker–checker flow, refusals exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from puhui.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUHUI_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("PUHUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PUHUI_LLM_BASE_URL", raising=False)


def _json(args: list[str], code: int = 0) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["studio", *args, "--json"])
    assert result.exit_code == code, result.stdout + str(result.exception)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("command", ["draft", "render", "narrate", "review", "list", "show", "get"])
def test_help_and_json_flag(command: str) -> None:
    result = runner.invoke(app, ["studio", command, "--help"])
    assert result.exit_code == 0 and "--json" in result.stdout


def test_draft_render_narrate_review_and_download(tmp_path: Path) -> None:
    made = _json(["draft", "--channel", "video", "--lang", "en", "--length", "short",
                  "--actor", "key:maker"])  # fmt: skip
    draft_id = made["draft_id"]
    assert made["compliant"] and "subject to approval" in made["disclosure"]
    poster = _json(["render", draft_id, "--out", str(tmp_path / "p.png"), "--actor", "key:maker"])
    assert poster["asset"]["kind"] == "poster" and poster["render"]["compliant"]
    assert Image.open(tmp_path / "p.png").size == (1080, 1920)
    video = _json(["narrate", draft_id, "--actor", "key:maker"])
    assert [a["kind"] for a in video["assets"]] == ["video", "audio", "subtitles"]
    assert video["video"]["duration_s"] > 5 and video["video"]["compliant"]
    refused = _json(["review", draft_id, "--decision", "approve", "--actor", "key:maker"], 2)
    assert refused["error"]["field"] == "reviewer"
    approved = _json(["review", draft_id, "--decision", "approve", "--actor", "key:checker"])
    assert approved["decision"] == "approve" and approved["alerts"] == []
    shown = _json(["show", draft_id])
    assert shown["status"] == "approved" and len(shown["reviews"]) == 1
    assert {a["kind"] for a in shown["assets"]} == {"copy", "poster", "video", "audio", "subtitles"}
    mp4 = next(a for a in shown["assets"] if a["kind"] == "video")
    got = _json(["get", mp4["asset_id"], "--out", str(tmp_path / "v.mp4")])
    assert (tmp_path / "v.mp4").stat().st_size == got["asset"]["size_bytes"] > 10_000
    assert [d["status"] for d in _json(["list"])] == ["approved"]


def test_a_planted_phrase_blocks_approval() -> None:
    made = _json(["draft", "--channel", "social", "--message", "无抵押秒批，零利息"])
    assert {a["rule_id"] for a in made["alerts"]} == {"MKT-GUARANTEE", "MKT-FALSE-FREE-INTEREST"}
    refused = _json(["review", made["draft_id"], "--decision", "approve", "--actor", "key:c"], 2)
    assert refused["error"]["field"] == "decision"
    rendered = _json(["render", made["draft_id"]])
    assert not rendered["render"]["compliant"] and rendered["asset"]["alerts"] == 2


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["draft", "--channel", "fax"], "channel"),
        (["draft", "--mode", "expand"], "text"),
        (["review", "0" * 32, "--decision", "approve"], "draft_id"),
        (["render", "0" * 32], "draft_id"),
    ],
)
def test_bad_input_exits_2_naming_the_field(args: list[str], field: str) -> None:
    assert _json(args, 2)["error"]["field"] == field

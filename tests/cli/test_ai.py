"""`puhui ai …` end to end through Typer: every command has --help and --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.cli import app
from tests.ai.conftest import EchoServer

runner = CliRunner()
COMMANDS = ["redact", "route", "chat", "calls", "embed", "ask-faq", "serve-local"]


@pytest.fixture(autouse=True)
def _database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUHUI_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("PUHUI_DATA_DIR", str(tmp_path / "data"))
    for name in ("PUHUI_LLM_BASE_URL", "PUHUI_LLM_MODEL", "PUHUI_LLM_FALLBACK_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ai", *args])
    return result.exit_code, result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_help_and_json_flag(command: str) -> None:
    code, out = run(command, "--help")
    assert code == 0 and "--json" in out


def test_redact_text_and_file(tmp_path: Path) -> None:
    code, out = run("redact", "--text", "手机13812345678，身份证11010519491231002X", "--json")
    data = json.loads(out)
    assert code == 0 and data["text"] == "手机<PHONE_1>，身份证<ID_1>"
    assert [(e["type"], e["start"], e["end"]) for e in data["entities"]] == [
        ("CN_MOBILE", 2, 13),
        ("CN_RESIDENT_ID", 17, 35),
    ]
    path = tmp_path / "note.txt"
    path.write_text("email a.b@example.com", encoding="utf-8")
    code, out = run("redact", "--file", str(path), "--json")
    assert json.loads(out)["text"] == "email <EMAIL_1>"
    code, out = run("redact", "--json")
    assert code == 2 and json.loads(out)["error"]["field"] == "text"
    code, out = run("redact", "--text", "卡号4111111111111111")
    assert code == 0 and "<CARD_1>" in out


def test_route_dry_run_calls_nothing() -> None:
    code, out = run("route", "--dry-run", "--json")
    assert code == 0
    routes = {r["task"]: r for r in json.loads(out)}
    assert routes["faq.answer"]["tier"] == "small"
    assert routes["agent.chat"]["available"] is False
    code, out = run("route", "call.summarize", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["fallback"]
    code, out = run("calls", "--json")
    assert code == 0 and json.loads(out) == []  # nothing was called, nothing recorded


def test_route_runs_and_calls_lists(
    echo_server: EchoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = run("route", "faq.answer", "--text", "怎么提前还款", "--json")
    assert code == 0 and json.loads(out)["data"][0]["id"] == "repay_early"
    code, out = run("chat", "hi", "--json")
    assert code == 2 and "no large model" in json.loads(out)["error"]["detail"]
    monkeypatch.setenv("PUHUI_LLM_BASE_URL", echo_server.base_url)
    monkeypatch.setenv("PUHUI_LLM_MODEL", "echo")
    code, out = run("chat", "call 13812345678", "--json", "--show-personal")
    data = json.loads(out)
    assert code == 0 and data["text"] == "ECHO: call <PHONE_1>"
    assert data["personalized"] == "ECHO: call 13812345678"
    code, out = run("calls", "--json", "--limit", "2")
    rows = json.loads(out)
    assert [r["outcome"] for r in rows] == ["ok", "unavailable"]
    assert "13812345678" not in out
    code, out = run("calls", "--task", "faq.answer", "--json")
    assert [r["task"] for r in json.loads(out)] == ["faq.answer"]
    code, out = run("calls")
    assert code == 0 and "ai_calls" in out


def test_embed_and_ask_faq(tmp_path: Path) -> None:
    code, out = run("embed", "--text", "还款", "--text", "repay", "--json")
    data = json.loads(out)
    assert code == 0 and data["dim"] == 384 and len(data["vectors"]) == 2
    code, out = run("ask-faq", "how do I talk to a real person", "-k", "2", "--json")
    answers = json.loads(out)
    assert answers[0]["id"] == "human_agent" and len(answers) == 2
    code, out = run("ask-faq", "怎么联系人工客服", "--json")  # from the cached index now
    assert code == 0 and json.loads(out)[0]["id"] == "human_agent"
    assert len(list((tmp_path / "data" / "ai").glob("faq-index-*.npz"))) == 1


def test_serve_local_smoke() -> None:
    code, out = run("serve-local", "--smoke", "--threads", "1", "--json")
    data = json.loads(out)
    assert code == 0, out
    assert data["base_url"].startswith("http://127.0.0.1:")
    assert data["weights"].endswith(".gguf") and data["completion_tokens"] > 0


def test_chat_streams_for_people(echo_server: EchoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUHUI_LLM_BASE_URL", echo_server.base_url)
    code, out = run("chat", "hello")
    assert code == 0 and out.startswith("ECHO:")
    assert echo_server.bodies[-1]["stream"] is True
    code, out = run("chat", "hello", "--no-stream")
    assert code == 0 and "ECHO: hello" in out and "stream" not in echo_server.bodies[-1]

"""The gateway end to end: what leaves the process is redacted, and every call is recorded."""

from __future__ import annotations

import json
import logging

import pytest

from puhui.ai.audit import CallLog, prompt_hash
from puhui.ai.client import Endpoint, LlmClient, LlmUnavailableError
from puhui.ai.gateway import Gateway, PolicyRefusedError, extractive_summary
from puhui.ai.local import LOCAL_MODEL_ALIAS, LocalServer
from puhui.ai.router import DataClass, Task, TaskKind, TaskPolicy

from .conftest import EchoServer, HangingServer

# Short budgets keep the tiny local model quick on a shared 2-core machine.
DRAFT = Task(
    "collection.draft",
    TaskKind.DRAFT,
    frozenset({DataClass.PERSONAL}),
    policy=TaskPolicy(24, 0.0, frozenset(DataClass) - {DataClass.CREDIT}),
)
CHAT = Task("agent.chat", TaskKind.CHAT, policy=TaskPolicy(16, 0.0))
CALL = "客户张伟来电，身份证11010519491231002X，手机13812345678，说下周五还款。请登记。"
SECRETS = ("张伟", "11010519491231002X", "13812345678")


def test_personal_data_never_reaches_the_model(echo_server: EchoServer, call_log: CallLog) -> None:
    gateway = Gateway(LlmClient([Endpoint(echo_server.base_url, "echo")]), call_log)
    result = gateway.run("call.summarize", CALL, caller="agent-7", may_see_personal=True)
    sent = json.dumps(echo_server.bodies, ensure_ascii=False)
    assert all(secret not in sent for secret in SECRETS)
    assert "<NAME_1>" in sent and "<ID_1>" in sent and "<PHONE_1>" in sent
    assert echo_server.bodies[0]["max_tokens"] == 400  # the summarize policy
    assert all(secret not in result.text for secret in SECRETS)
    assert result.personalized == "ECHO: " + CALL  # re-personalized for the allowed agent
    row = call_log.query(limit=1)[0]
    assert row.id == result.call_id
    assert row.caller == "agent-7" and row.task == "call.summarize" and row.outcome == "ok"
    assert row.route == "large/llm" and row.entities_redacted == 3
    assert row.prompt_sha256 == prompt_hash(row.prompt_redacted)
    stored = json.dumps(row.__repr__(), ensure_ascii=False)
    assert all(secret not in stored for secret in SECRETS)


def test_an_agent_without_permission_gets_tokens_only(
    echo_server: EchoServer, call_log: CallLog
) -> None:
    gateway = Gateway(LlmClient([Endpoint(echo_server.base_url, "echo")]), call_log)
    result = gateway.run("agent.chat", CALL, caller="intern", may_see_personal=False)
    assert result.personalized is None
    assert "<PHONE_1>" in result.text


def test_every_call_is_recorded(
    llama_server: LocalServer, hanging_server: HangingServer, call_log: CallLog
) -> None:
    client = LlmClient(
        [Endpoint(llama_server.base_url, LOCAL_MODEL_ALIAS)], timeout_s=60, max_retries=0
    )
    gateway = Gateway(client, call_log)
    ok = gateway.run(DRAFT, "提醒客户张伟明天还款", caller="a1")
    streamed: list[str] = []
    st = gateway.run(CHAT, "Hello", caller="a1", on_delta=streamed.append)
    faq = gateway.run("faq.answer", "怎么提前还款", caller="a2")
    extract = gateway.run("pii.extract", CALL, caller="a2")
    with pytest.raises(PolicyRefusedError):
        gateway.run("risk.explain", "score 612, bureau hits 3", caller="a3")
    dead = Gateway(
        LlmClient([Endpoint(hanging_server.base_url, "m")], timeout_s=0.3, max_retries=0),
        call_log,
    )
    with pytest.raises(LlmUnavailableError):
        dead.run("agent.chat", "hi", caller="a4")
    rows = call_log.query(limit=50)
    assert [r.outcome for r in rows].count("ok") == 4
    assert {r.outcome for r in rows} == {"ok", "refused", "error"}
    assert len(rows) == 6
    by_id = {r.id: r for r in rows}
    assert by_id[ok.call_id].completion_tokens > 0 and by_id[ok.call_id].latency_ms > 0
    assert streamed and by_id[st.call_id].response_redacted == st.text
    assert by_id[faq.call_id].route == "small/embeddings"
    assert by_id[extract.call_id].route == "small/rules"
    assert json.loads(extract.text) == {"CN_MOBILE": 1, "CN_RESIDENT_ID": 1, "PERSON": 1}
    assert [r.task for r in call_log.query(limit=10, task="faq.answer")] == ["faq.answer"]


def test_without_a_large_model(call_log: CallLog) -> None:
    gateway = Gateway(None, call_log)
    route = gateway.plan("call.summarize")
    assert not route.available and "PUHUI_LLM_BASE_URL" in route.reason
    result = gateway.run("call.summarize", CALL, caller="a", may_see_personal=True)
    assert result.outcome == "fallback" and "deterministic" in result.note
    assert "13812345678" not in result.text and result.personalized is not None
    assert "13812345678" in result.personalized
    with pytest.raises(LlmUnavailableError, match="no large model is configured"):
        gateway.run("collection.draft", "hi", caller="a")
    assert [r.outcome for r in call_log.query(limit=5)] == ["unavailable", "fallback"]


def test_extractive_summary_keeps_leading_sentences() -> None:
    text = "第一句。第二句！第三句？" + "很长的第四句" * 40 + "。"
    assert extractive_summary(text, max_chars=20) == "第一句。第二句！第三句？"
    assert extractive_summary("One. Two. Three.", max_chars=9) == "One. Two."


def test_gateway_log_lines_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="puhui.ai.gateway"):
        Gateway(None, None).run("pii.extract", CALL, caller="a")
        logging.getLogger("puhui.ai.gateway").info("raw by mistake: %s", CALL)
    assert "pii.extract" in caplog.text
    assert all(secret not in caplog.text for secret in SECRETS)

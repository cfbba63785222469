"""Calls end to end on both backends: live turns, redaction at rest, summary, score card."""

from __future__ import annotations

from puhui.ai.gateway import Gateway
from puhui.assist.customer import customer_card
from puhui.assist.service import Agent, AssistService
from puhui.assist.session import Speaker, Turn
from puhui.errors import ConflictError, NotFoundError
from puhui.servicing.service import LendingService

PHONE = "13812345678"


def _service(book: LendingService) -> AssistService:
    url = book.db.url.raw
    return AssistService(url, lambda cid: customer_card(book, cid), gateway=Gateway(None, None))


def test_a_call_is_stored_redacted_scored_and_summarised(book: LendingService) -> None:
    service = _service(book)
    try:
        agent = Agent("k-agent-1", "agent one")
        live = service.start_call(agent, "C1", purpose="collection", lang="zh")
        assert live.session.card.overdue is not None
        turns = [
            ("agent", "您好，我是普惠银行的客服，请告诉我您身份证号后四位。"),
            ("customer", f"1234，我的手机是{PHONE}"),
            ("agent", "再不还钱就派人去你家。"),
            ("customer", "我最近失业了，还不上。"),
        ]
        results = [service.turn(live.id, Turn(Speaker(s), t)) for s, t in turns]
        assert [a.rule_id for a in results[2].alerts] == ["COL-THREAT"]
        assert results[3].suggestions[0].script_id == "C-HARDSHIP"
        record = service.end_call(live.id)
        assert record["status"] == "ended" and record["segments"] == 4 and record["alerts"] == 1
        assert record["scorecard"]["score"] == 60 and record["grade"] == "C"  # one critical
        outcomes = {r["rule_id"]: r["outcome"] for r in record["scorecard"]["rules"]}
        assert outcomes["COL-THREAT"] == "fail" and outcomes["ID-VERIFY-FIRST"] == "pass"
        assert outcomes["MKT-PRESSURE"] == "n/a"  # a marketing rule, not this call's purpose
        stored = " ".join(s["text"] for s in record["transcript"])
        assert PHONE not in stored and "<PHONE_1>" in stored
        assert record["summary"] and record["summary_source"] == "fallback:extractive"
        assert PHONE not in record["summary"]
        with book.db.read():  # nothing anywhere in the call tables holds the number
            rows = book.db.all("SELECT text_redacted FROM assist_segments")
            rows += book.db.all("SELECT summary FROM assist_calls")
        assert rows and not any(PHONE in str(r[0]) for r in rows)
        assert record["alert_list"][0]["rule_id"] == "COL-THREAT"
        try:
            service.turn(live.id, Turn(Speaker.AGENT, "还在吗？"))
            raise AssertionError("an ended call takes no turns")
        except ConflictError:
            pass
        try:
            service.process("call_unknown", Turn(Speaker.AGENT, "hi"))
            raise AssertionError("unknown call")
        except NotFoundError as exc:
            assert exc.field == "call_id"
    finally:
        service.close()


def test_records_by_agent_and_alert_rates(book: LendingService) -> None:
    service = _service(book)
    try:
        for n, words in enumerate(["我们保证您百分之百能通过。", "您好，请问现在方便吗？"]):
            live = service.start_call(Agent(f"k{n}", f"agent {n}"), "C0", purpose="marketing")
            service.turn(live.id, Turn(Speaker.AGENT, words))
            service.end_call(live.id)
        assert [c["agent_key_id"] for c in service.store.calls(agent_key_id="k0")] == ["k0"]
        assert len(service.store.calls()) == 2
        rates = {r["rule_id"]: r for r in service.store.rule_rates()}
        assert rates["MKT-GUARANTEE"]["calls"] == 1 and rates["MKT-GUARANTEE"]["rate"] == 0.5
        agents = {a["agent_key_id"]: a for a in service.store.agent_rates()}
        assert agents["k0"]["mean_score"] == 80.0 and agents["k1"]["mean_score"] == 100.0
    finally:
        service.close()

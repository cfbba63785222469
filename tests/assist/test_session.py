"""A live call's state: identity verification, APR disclosure, third parties, hours."""

from __future__ import annotations

from datetime import time

from puhui.assist.customer import CustomerCard
from puhui.assist.scripts import shipped_index
from puhui.assist.session import CallSession, Speaker, Turn
from tests.assist.test_scripts import CARD


def _session(purpose: str, **kwargs) -> CallSession:  # type: ignore[no-untyped-def]
    return CallSession("t", purpose=purpose, card=CARD, index=shipped_index(), **kwargs)


def say(session: CallSession, speaker: str, text: str):  # type: ignore[no-untyped-def]
    return session.on_turn(Turn(Speaker(speaker), text))


def test_account_details_wait_for_verification_and_the_apr_covers_later_cost_talk() -> None:
    call = _session("collection")
    assert [a.rule_id for a in say(call, "agent", "您本月应还3200元。").alerts] == [
        "ID-VERIFY-FIRST"
    ]
    say(call, "agent", "为了保护您的信息，请告诉我您身份证号后四位。")
    answered = say(call, "customer", "1234")
    assert answered.events == ["identity_verified"] and call.identity_verified
    assert answered.stage == "reminder"
    assert say(call, "agent", "您本月应还3200元。").alerts == []

    sale = _session("marketing")
    sale.verify_identity()
    assert say(sale, "agent", "年化利率18.25%，按日计息。").alerts == []
    assert sale.apr_disclosed
    assert say(sale, "agent", "利息算下来很便宜。").alerts == []  # disclosed earlier


def test_a_third_party_on_the_line_makes_debt_details_a_disclosure() -> None:
    call = _session("collection")
    heard = say(call, "customer", "他不在家，我是他老婆。")
    assert heard.events == ["third_party"] and call.party == "third_party"
    rules = {a.rule_id for a in say(call, "agent", "他已经逾期15天了。").alerts}
    assert rules == {"COL-THIRD-PARTY", "ID-VERIFY-FIRST"}
    assert heard.suggestions[0].script_id == "C-THIRD"


def test_the_hours_rule_fires_once_per_call() -> None:
    call = _session("collection", local_time=time(22, 40))
    first = say(call, "agent", "您好，我是普惠银行的客服。")
    assert [a.rule_id for a in first.alerts] == ["CALL-HOURS"]
    assert say(call, "agent", "请问是本人吗？").alerts == []


def test_suggestions_follow_customer_turns_and_fill_in_the_card() -> None:
    call = _session("marketing", agent="A7", lang="en")
    call.verify_identity()
    result = say(call, "customer", "How much can I borrow?")
    assert result.suggestions and result.suggestions[0].script_id == "M-LINE"
    assert "50,000.00 yuan" in result.suggestions[0].text
    assert say(call, "agent", "Let me explain.").suggestions == []
    empty = CallSession("e", purpose="marketing", card=CustomerCard("x"), index=shipped_index())
    empty.verify_identity()
    ids = [s.script_id for s in say(empty, "customer", "How much can I borrow?").suggestions]
    assert "M-LINE" not in ids and "M-COST" not in ids

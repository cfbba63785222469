"""The rulebook as data, and `check` on every channel: scope, context, negation, spans."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.compliance import CHANNELS, Context, check
from puhui.compliance.rules import SEVERITIES, parse_rulebook, shipped_rulebook
from puhui.errors import ValidationError

BOOK = shipped_rulebook()


def test_every_rule_names_its_source_severity_channels_and_version() -> None:
    assert BOOK.version and len(BOOK.digest) == 16
    assert len(BOOK.rules) >= 8
    for rule in BOOK.rules:
        assert rule.severity in SEVERITIES, rule.id
        assert rule.version >= 1 and rule.channels <= set(CHANNELS)
        assert rule.sources and all(s.regulation and s.article for s in rule.sources), rule.id
        assert rule.title["zh"] and rule.title["en"]


@pytest.mark.parametrize("rule", BOOK.rules, ids=lambda r: r.id)
def test_each_rules_examples_behave_as_labelled(rule) -> None:  # type: ignore[no-untyped-def]
    context = dict(rule.examples.get("context", {}))
    context.setdefault("purpose", sorted(rule.purposes)[0])
    channel = "call" if "call" in rule.channels else sorted(rule.channels)[0]
    for text in rule.examples.get("violation", []):
        fired = {a.rule_id for a in check(text, channel=channel, context=context)}
        assert rule.id in fired, text
    for text in rule.examples.get("compliant", []):
        fired = {a.rule_id for a in check(text, channel=channel, context=context)}
        assert rule.id not in fired, text


def test_an_alert_cites_rule_source_and_the_triggering_words() -> None:
    text = "您好！我们保证您百分之百能通过审批。"
    (alert,) = check(text, channel="poster", context={"purpose": "marketing"})
    assert alert.rule_id == "MKT-GUARANTEE" and alert.method == "pattern"
    assert text[alert.start : alert.end] == alert.text == "百分之百能通过"
    assert "广告法" in alert.source and alert.rule_version == 1


def test_one_rule_written_once_checks_a_call_and_a_poster_alike() -> None:
    line = "全网最低利率，借款30天免息！"
    for channel in ("call", "poster", "copy", "sms"):
        fired = {a.rule_id for a in check(line, channel=channel, context={"purpose": "marketing"})}
        assert fired == {"MKT-MISLEADING-COMPARISON", "MKT-NO-INTEREST-WITHOUT-APR"}, channel


def test_the_apr_in_the_same_text_or_earlier_in_the_call_satisfies_the_disclosure() -> None:
    marketing = {"purpose": "marketing"}
    assert {a.rule_id for a in check("日息万五，很划算。", context=marketing)} == {
        "MKT-APR-DISCLOSURE"
    }
    assert check("日息万五，年化利率18.25%。", context=marketing) == []
    assert check("日息万五，很划算。", context={**marketing, "apr_disclosed": True}) == []


def test_a_negated_promise_is_no_promise() -> None:
    for text in ("我不能保证一定通过，审批以系统为准。", "We cannot guarantee your loan."):
        assert check(text, context={"purpose": "marketing"}) == [], text


def test_context_rules_need_their_facts_and_their_channel() -> None:
    hello = "您好，我是普惠银行的客服。"
    late = {"purpose": "collection", "local_time": "22:30"}
    assert [a.rule_id for a in check(hello, context=late)] == ["CALL-HOURS"]
    assert check(hello, context={**late, "local_time": "20:59"}) == []
    assert check(hello, channel="poster", context=late) == []  # a poster has no hours
    owed = "您的欠款金额是3200元。"
    assert check(owed, context={"purpose": "collection", "identity_verified": True}) == []
    fired = {a.rule_id for a in check(owed, context={"identity_verified": False})}
    assert fired == {"ID-VERIFY-FIRST"}
    third = {a.rule_id for a in check(owed, context={"party": "third_party"})}
    assert "COL-THIRD-PARTY" in third
    assert check(owed, channel="poster", context={"identity_verified": False}) == []


def test_the_classifier_catches_a_paraphrase_no_pattern_names() -> None:
    text = "像您这样的条件，审核那一关就是走个形式，钱到手是早晚的事。"
    assert check(text, context={"purpose": "marketing"}, classifier=False) == []
    (alert,) = check(text, context={"purpose": "marketing"})
    assert alert.rule_id == "MKT-GUARANTEE" and alert.method == "classifier"
    assert 0.0 < alert.score <= 1.0 and alert.text == text.rstrip("。")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"context": {"purpose": "gambling"}}, "context.purpose"),
        ({"context": {"mood": "bad"}}, "context.mood"),
        ({"context": {"local_time": "25:99"}}, "context.local_time"),
        ({"context": {"identity_verified": "yes"}}, "context.identity_verified"),
        ({"context": {"party": "lawyer"}}, "context.party"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as caught:
        check("hello", **kwargs)
    assert caught.value.field == field


def test_a_broken_rulebook_is_refused_whole() -> None:
    good = """
version = "t"
[claims.x]
title = { zh = "x", en = "x" }
classifier = false
zh = ['保证']
[[rules]]
id = "R"
version = 1
severity = "high"
title = { zh = "r", en = "r" }
channels = ["call"]
purposes = ["marketing"]
claims = ["x"]
sources = [{ regulation = "法", article = "第一条" }]
"""
    book = parse_rulebook(good)
    assert [a.rule_id for a in check("保证", book=book, classifier=False)] == ["R"]
    for broken, field in (
        (good.replace('claims = ["x"]', 'claims = ["y"]'), "rules.R.claims"),
        (good.replace("zh = ['保证']", "zh = ['(']"), "claims.x.zh"),
        (good.replace('severity = "high"', 'severity = "dire"'), "rules.R.severity"),
        (good.replace('channels = ["call"]', 'channels = ["fax"]'), "rules.R.channels"),
        (good.replace('sources = [{ regulation = "法", article = "第一条" }]', "sources = []"),
         "rules.R.sources"),
    ):  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            parse_rulebook(broken)
        assert caught.value.field == field


PIECES = [
    "您好，我是普惠银行的客服。",
    "我们保证您百分之百能通过。",
    "日息万五，很便宜。",
    "年化利率18.25%。",
    "We guarantee your approval!",
    "The interest is very low.",
    "再不还钱就派人去你家。",
    "Your overdue amount is 3,200 yuan.",
    "  ",
    "，",
]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=6),
    st.sampled_from(CHANNELS),
    st.sampled_from(["marketing", "collection", "service"]),
)
def test_every_span_indexes_the_checked_text(pieces: list[str], channel: str, purpose: str) -> None:
    text = "".join(pieces)
    context = Context(purpose=purpose, identity_verified=False, party="third_party")
    for alert in check(text, channel=channel, context=context, classifier=False):
        assert 0 <= alert.start <= alert.end <= len(text)
        assert text[alert.start : alert.end] == alert.text
        assert alert.text.strip() or alert.method == "context"

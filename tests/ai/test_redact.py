"""Redaction precision and recall on a generated labelled corpus, and reversibility."""

from __future__ import annotations

import logging
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.ai import recognizers as rec
from puhui.ai.redact import RedactingFilter, Vault, find, redact

from .pii_corpus import generate, make_card, make_id, make_mobile

CORPUS = generate(240)


@pytest.fixture(scope="module")
def scores() -> dict[str, Counter[str]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for sample in CORPUS:
        got = {(r.start, r.end, r.entity_type) for r in find(sample.text)}
        want = set(sample.spans)
        for span in got:
            (tp if span in want else fp)[span[2]] += 1
        for span in want - got:
            fn[span[2]] += 1
    return {"tp": tp, "fp": fp, "fn": fn}


def test_corpus_is_large_and_bilingual() -> None:
    assert len(CORPUS) >= 200
    assert sum(any("\u4e00" <= c <= "\u9fff" for c in s.text) for s in CORPUS) >= 100
    assert sum(len(s.invalid_ids) for s in CORPUS) >= 30


@pytest.mark.parametrize("entity", [rec.RESIDENT_ID, rec.MOBILE, rec.BANK_CARD])
def test_recall_and_precision_on_checksummed_identifiers(
    scores: dict[str, Counter[str]], entity: str
) -> None:
    tp, fp, fn = scores["tp"][entity], scores["fp"][entity], scores["fn"][entity]
    assert tp >= 150
    assert tp / (tp + fn) >= 0.98
    assert tp / (tp + fp) >= 0.98


def test_emails_and_names_are_found(scores: dict[str, Counter[str]]) -> None:
    for entity in (rec.EMAIL, rec.PERSON):
        tp, fn = scores["tp"][entity], scores["fn"][entity]
        assert tp > 0 and tp / (tp + fn) >= 0.9


def test_invalid_ids_are_never_flagged() -> None:
    planted = 0
    for sample in CORPUS:
        for bad in sample.invalid_ids:
            planted += 1
            start = sample.text.index(bad)
            for r in find(sample.text):
                assert r.end <= start or r.start >= start + len(bad), (bad, r.entity_type)
    assert planted >= 30


def test_lookalikes_survive() -> None:
    text = (
        "订单号202312011234567890，金额12000.50元，日期2024-03-05，号码12812345678，LN123456789012"
    )
    assert redact(text).text == text


def test_tokens_are_stable_and_reversible() -> None:
    vault = Vault()
    text = "客户张伟，手机13812345678，备用 138-1234-5678，身份证11010519491231002X。"
    first = redact(text, vault)
    assert first.text.count("<PHONE_1>") == 2
    assert "13812345678" not in first.text and "11010519491231002X" not in first.text
    assert vault.restore(first.text) == text.replace("138-1234-5678", "13812345678")
    second = redact("再次确认13812345678", vault)
    assert second.text == "再次确认<PHONE_1>"
    answer = "已联系<NAME_1>，号码<PHONE_1>；未知<PHONE_9>保持原样"
    assert vault.restore(answer) == "已联系张伟，号码13812345678；未知<PHONE_9>保持原样"


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32),
    st.lists(st.sampled_from(["，", "。", " and ", "；备注", " ref "]), min_size=3, max_size=3),
)
def test_restore_inverts_redact(seed: int, glue: list[str]) -> None:
    rng = random.Random(seed)
    parts = [make_id(rng), make_mobile(rng), make_card(rng)]
    text = "客户" + glue[0] + parts[0] + glue[1] + parts[1] + glue[2] + parts[2]
    vault = Vault()
    result = redact(text, vault)
    assert len(result.entities) == 3
    assert all(p not in result.text for p in parts)
    assert vault.restore(result.text) == text


def test_spans_point_at_the_original_text() -> None:
    text = "Mr. John Smith, email john.smith@example.com, card 4111 1111 1111 1111."
    result = redact(text)
    assert {e.entity_type for e in result.entities} == {rec.PERSON, rec.EMAIL, rec.BANK_CARD}
    for entity in result.entities:
        assert text[entity.start : entity.end] == entity.text


def test_logging_filter_redacts(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("puhui.test.redact")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="puhui.test.redact"):
        logger.info("calling %s about %s", "13812345678", "11010519491231002X")
    assert "13812345678" not in caplog.text and "11010519491231002X" not in caplog.text
    assert "<PHONE_1>" in caplog.text and "<ID_1>" in caplog.text


def test_full_width_digits_are_caught_with_original_spans() -> None:
    text = "手机１３８１２３４５６７８，邮箱ａ@example.com"
    result = redact(text)
    assert result.text.startswith("手机<PHONE_1>，")
    mobile = result.entities[0]
    assert text[mobile.start : mobile.end] == "１３８１２３４５６７８"


def test_presidio_runs_on_blank_pipelines_only() -> None:
    engine = rec.analyzer().nlp_engine
    assert isinstance(engine, rec.BlankSpacyNlpEngine)
    assert sorted(engine.nlp) == ["en", "zh"]
    assert all(nlp.pipe_names == [] for nlp in engine.nlp.values())  # no NER model loaded
    names = {r.name for r in rec.analyzer().registry.recognizers}
    assert names and all(name.startswith("puhui_") for name in names)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我是王先生", "我是<NAME_1>先生"),
        ("联系人：欧阳娜娜女士", "联系人：<NAME_1>女士"),
        ("客户王小明说要还款", "客户<NAME_1>说要还款"),
        ("我叫陈明，明天还款", "我叫<NAME_1>，明天还款"),
        ("客户余额不足", "客户余额不足"),  # 余 is a surname, 余额 is a balance
        ("客户信息已更新", "客户信息已更新"),
        ("我是来还款的", "我是来还款的"),
        ("My name is Wei Zhang.", "My name is <NAME_1>."),
        ("Dear Sir or Madam, Dear Valued Customer", "Dear Sir or Madam, Dear Valued Customer"),
        ("Dear Mary O'Brien,", "Dear <NAME_1>,"),
    ],
)
def test_names_after_cues(text: str, expected: str) -> None:
    assert redact(text).text == expected


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("0123456789 -+@.X客户手机号张王先生Mr abc１２３\n")),
        max_size=60,
    )
)
def test_redact_never_crashes_and_restores_distinct_values(text: str) -> None:
    vault = Vault()
    result = redact(text, vault)
    for entity in result.entities:
        assert text[entity.start : entity.end] == entity.text
        assert entity.token in result.text
    canonical = [e.text.replace(" ", "").replace("-", "").upper() for e in result.entities]
    if len(set(canonical)) == len(canonical) and "<" not in text:
        assert vault.restore(result.text) == text

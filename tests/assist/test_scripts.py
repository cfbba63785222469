"""The script library: every script, filled with a customer's figures, passes the rules it was
written to respect; retrieval answers what the customer said, within the call's purpose."""

from __future__ import annotations

from datetime import date

import pytest

from puhui.assist.customer import AprQuote, CustomerCard, Overdue
from puhui.assist.scripts import STAGES, load_library, shipped_index
from puhui.compliance import check
from puhui.compliance.rules import shipped_rulebook
from puhui.money import Money
from puhui.rate import Rate
from puhui.servicing.lines import CreditLine, LineStatus

LINE = CreditLine(
    "L1", "C1", "CNY", 5_000_000, Rate.from_percent("18"), date(2027, 1, 1),
    LineStatus.ACTIVE, "puhui-revolving-micro", 1, 0,
)  # fmt: skip
CARD = CustomerCard(
    "C1",
    LINE,
    AprQuote(Money(5_000_000, "CNY"), 10, Rate.from_percent("18.2456"), Money(412_345, "CNY")),
    (5, 10, 20),
    Overdue(1, Money(320_000, "CNY"), 15),
)


def _values(lang: str) -> dict[str, str]:
    return {**CARD.values(lang), "agent": "A1024"}


@pytest.mark.parametrize("script", load_library(), ids=lambda s: s.id)
def test_every_script_passes_the_rules_it_respects(script) -> None:  # type: ignore[no-untyped-def]
    rule_ids = {r.id for r in shipped_rulebook().rules}
    assert set(script.respects) <= rule_ids and script.stage in STAGES
    for lang in ("zh", "en"):
        text = script.render(lang, _values(lang))
        assert "{" not in text
        for purpose in script.purposes:
            context = {"purpose": purpose, "identity_verified": "verified" in script.needs}
            if "verified" not in script.needs:
                context["identity_verified"] = None  # before verification: no account details
            alerts = check(text, channel="call", context=context)
            assert alerts == [], (script.id, lang, [(a.rule_id, a.text) for a in alerts])


def test_scripts_that_quote_the_line_use_the_apr_not_the_nominal_rate() -> None:
    text = next(s for s in load_library() if s.id == "M-LINE").render("zh", _values("zh"))
    assert "年化利率（IRR）为18.25%" in text and "合同年利率18.00%" in text
    assert "50,000.00元" in text


@pytest.mark.parametrize(
    ("words", "purpose", "stage", "expected"),
    [
        ("利息也太高了吧", "marketing", "explanation", "M-OBJ-RATE"),
        ("The interest is way too high", "marketing", "explanation", "M-OBJ-RATE"),
        ("我现在不需要借钱", "marketing", "explanation", "M-OBJ-NONEED"),
        ("你们该不会是诈骗吧", "marketing", "explanation", "M-OBJ-TRUST"),
        ("利息是怎么算的", "marketing", "explanation", "M-COST"),
        ("我最近失业了，实在还不上", "collection", "reminder", "C-HARDSHIP"),
        ("I'll pay when my salary comes on Friday", "collection", "reminder", "C-PROMISE"),
        ("他不在家，我是他老婆", "collection", "opening", "C-THIRD"),
    ],
)
def test_retrieval_answers_the_customers_words(
    words: str, purpose: str, stage: str, expected: str
) -> None:
    lang = "zh" if any("\u4e00" <= c <= "\u9fff" for c in words) else "en"
    found = shipped_index().recommend(
        words, purpose=purpose, stage=stage, facts={"line", "overdue", "verified"},
        values=_values(lang), lang=lang,
    )  # fmt: skip
    assert len(found) == 3 and found[0].script_id == expected, [s.script_id for s in found]
    assert found[0].why and words[:10] in found[0].why[0]
    assert all(purpose in {"marketing", "collection"} for _ in found)


def test_scripts_whose_needs_are_unmet_are_left_out() -> None:
    index = shipped_index()
    args = {"purpose": "collection", "stage": "reminder", "values": _values("zh"), "lang": "zh"}
    unverified = index.recommend("我欠了多少钱", facts={"overdue"}, **args)
    assert "C-REMIND" not in [s.script_id for s in unverified]  # identity not verified
    verified = index.recommend("我欠了多少钱", facts={"overdue", "verified"}, **args)
    assert verified[0].script_id == "C-REMIND"
    assert any("逾期 15 天" in why for why in verified[0].why)
    empty = index.recommend(
        "额度有多少", purpose="marketing", stage="explanation", facts=set(),
        values={"agent": "A1"}, lang="zh",
    )  # fmt: skip
    assert "M-LINE" not in [s.script_id for s in empty]  # no line: no figures to quote

"""Copy from a brief: the lending core's figures, the platform's disclosure, the one rule engine."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.ai.client import Endpoint, LlmClient
from puhui.ai.gateway import Gateway
from puhui.errors import ValidationError
from puhui.lending.products import default_product
from puhui.studio import Brief, OfferFacts, draft_copy, expand, offer_facts, rewrite
from puhui.studio.copy import CHANNELS, LANGS, PURPOSES, disclosure

from ..ai.conftest import EchoServer
from .conftest import PLANTED, PLANTED_RULES


def test_the_figures_come_from_the_product_catalog(facts: OfferFacts) -> None:
    product = default_product()
    assert facts.nominal == product.nominal_rate and facts.nominal.format(2) == "18.00%"
    # 18% nominal, daily interest on a 360-day year, monthly instalments: the IRR APR sits a
    # little above the nominal rate (actual days per month), never below it.
    assert Decimal("0.18") < facts.apr_low.fraction <= facts.apr_high.fraction < Decimal("0.19")
    assert facts.daily.format(3) == "0.050%"  # 万分之五, as the product file says
    assert facts.terms == (5, 10, 20) and not facts.interest_free
    dearer = product.model_copy(update={"nominal_rate": product.nominal_rate * 2})
    assert offer_facts(dearer).apr_high.fraction > Decimal("0.36")


@pytest.mark.parametrize("purpose", PURPOSES)
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("lang", LANGS)
def test_every_template_draft_carries_the_disclosure_and_passes(
    facts: OfferFacts, purpose: str, channel: str, lang: str
) -> None:
    draft = draft_copy(Brief(purpose=purpose, channel=channel, lang=lang, length="long"), facts)
    assert draft.compliant, [a.to_dict() for a in draft.alerts]
    assert draft.text.endswith(disclosure(facts, lang)) and not draft.generated
    assert facts.apr_range() in draft.disclosure and facts.lender[lang] in draft.disclosure
    assert ("贷款需经审批" if lang == "zh" else "subject to approval") in draft.disclosure
    assert "{" not in draft.text  # every placeholder filled


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("lang", LANGS)
def test_a_planted_phrase_in_the_brief_is_caught_on_every_channel(
    facts: OfferFacts, channel: str, lang: str
) -> None:
    draft = draft_copy(Brief(channel=channel, lang=lang, message=PLANTED[lang]), facts)
    assert not draft.compliant
    assert {a.rule_id for a in draft.alerts} == PLANTED_RULES
    for alert in draft.alerts:
        assert draft.text[alert.start : alert.end] == alert.text
        assert alert.text.lower() in PLANTED[lang].lower()


def test_lengths_grow_and_the_channel_sets_the_default(facts: OfferFacts) -> None:
    short, medium, long = (
        draft_copy(Brief(channel="copy", length=n), facts).body for n in ("short", "medium", "long")
    )
    assert len(short) < len(medium) < len(long)
    assert draft_copy(Brief(channel="copy"), facts).body == long


def test_expand_keeps_the_text_and_adds_figures(facts: OfferFacts) -> None:
    given_text = "开店三年，想多进一批货。"
    draft = expand(given_text, Brief(channel="copy", lang="zh"), facts)
    assert draft.body.startswith(given_text) and facts.apr_range() in draft.body
    assert draft.source == "expand:template" and draft.compliant


def test_rewrite_shortens_and_keeps_one_disclosure(facts: OfferFacts) -> None:
    long_text = draft_copy(Brief(channel="copy", lang="en"), facts).text
    draft = rewrite(long_text, Brief(channel="poster", lang="en"), facts)
    assert len(draft.body) < len(long_text)
    assert draft.text.count("subject to approval") == 1 and draft.compliant


def test_rewriting_a_noncompliant_text_keeps_the_alert(facts: OfferFacts) -> None:
    draft = rewrite("全网最低利率！今天不办明天就没了。", Brief(channel="sms"), facts)
    assert {a.rule_id for a in draft.alerts} >= {"MKT-MISLEADING-COMPARISON"}


def test_the_large_model_path_is_labelled_and_still_checked(facts: OfferFacts) -> None:
    server = EchoServer()
    try:
        gateway = Gateway(LlmClient([Endpoint(server.base_url, "echo")]), None)
        brief = Brief(channel="social", lang="zh", message=PLANTED["zh"])
        draft = draft_copy(brief, facts, gateway)
    finally:
        server.close()
    assert draft.generated and draft.source.startswith("generated:")
    assert draft.to_dict()["label"]
    sent = server.bodies[0]["messages"][-1]["content"]
    assert facts.apr_range() in sent and PLANTED["zh"] in sent  # the figures go to the model
    assert draft.text.endswith(disclosure(facts, "zh"))  # the platform's, not the model's
    assert {a.rule_id for a in draft.alerts} >= PLANTED_RULES


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"channel": "billboard"}, "channel"),
        ({"lang": "fr"}, "lang"),
        ({"purpose": "collection"}, "purpose"),
        ({"length": "huge"}, "length"),
        ({"offer_url": "javascript:alert(1)"}, "offer_url"),
        ({"colour": "red"}, "colour"),
        ({"message": 3}, "message"),
        ({"message": "x" * 501}, "message"),
    ],
)
def test_a_bad_brief_names_its_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Brief.of(data)
    assert caught.value.field == field


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(PURPOSES),
    st.sampled_from(CHANNELS),
    st.sampled_from(LANGS),
    st.text(alphabet="小微店主农户个体工商 abcdefghijklmnop", max_size=12),
)
def test_any_audience_keeps_the_draft_compliant(
    purpose: str, channel: str, lang: str, audience: str
) -> None:
    facts = offer_facts()
    draft = draft_copy(Brief(purpose=purpose, channel=channel, lang=lang, audience=audience), facts)
    assert draft.compliant and draft.disclosure in draft.text

"""Posters and social cards: looked at through the renderer's own layout data and the pixels."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image, ImageChops

from puhui.studio import Brief, OfferFacts, draft_copy
from puhui.studio.render import _font, layouts, render, wrap

from .conftest import PLANTED, PLANTED_RULES

SIZES = {"poster": (1080, 1920), "social": (1080, 1080)}


def _inked(image: Image.Image, rect: tuple[int, int, int, int]) -> bool:
    """Some pixel inside `rect` differs from the rectangle's corner colour (text was drawn)."""
    crop = image.crop(rect)
    flat = Image.new(crop.mode, crop.size, crop.getpixel((0, 0)))
    return ImageChops.difference(crop, flat).getbbox() is not None


@pytest.mark.parametrize("channel", ["poster", "social"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_disclosure_is_on_the_image_inside_its_box(
    facts: OfferFacts, channel: str, lang: str
) -> None:
    draft = draft_copy(Brief(channel=channel, lang=lang), facts)
    rendered = render(draft)
    assert rendered.size == SIZES[channel]
    png = Image.open(io.BytesIO(rendered.png()))
    assert png.size == SIZES[channel] and png.format == "PNG"
    disclosure = rendered.box("disclosure")
    assert disclosure.text == draft.disclosure  # whole, never cut
    assert "".join(disclosure.lines).replace(" ", "") == draft.disclosure.replace(" ", "")
    left, top, right, bottom = disclosure.box
    il, it, ir, ib = disclosure.ink
    assert left <= il < ir <= right and top <= it < ib <= bottom
    assert right <= rendered.size[0] and bottom <= rendered.size[1]
    assert disclosure.font_size >= 22  # legible: never the fine print
    assert _inked(rendered.image, disclosure.ink)
    figure = rendered.box("figure")
    assert facts.apr_range() in figure.text and figure.font_size > disclosure.font_size
    assert rendered.alerts == () and draft.disclosure in rendered.text


@pytest.mark.parametrize("channel", ["poster", "social"])
def test_the_qr_code_scans_to_the_offer(facts: OfferFacts, channel: str) -> None:
    url = "https://puhui.example/offer?campaign=spring-2026&channel=" + channel
    rendered = render(draft_copy(Brief(channel=channel, offer_url=url), facts))
    qr = rendered.box("qr")
    found = zxingcpp.read_barcodes(rendered.image.crop(qr.ink))
    assert [b.text for b in found] == [url] == [qr.text]


def test_boxes_do_not_overlap_and_stay_on_the_canvas() -> None:
    for name, spec in layouts()["layouts"].items():
        width, height = spec["size"]
        rects = [b["box"] for b in spec["boxes"]]
        for x, y, w, h in rects:
            assert x >= 0 and y >= 0 and x + w <= width and y + h <= height, name
        for i, (x, y, w, h) in enumerate(rects):
            for x2, y2, w2, h2 in rects[i + 1 :]:
                assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y, name


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_long_body_is_cut_by_sentences_and_what_is_drawn_is_judged(
    facts: OfferFacts, lang: str
) -> None:
    long = {"zh": "按需借款，理性消费。" * 40, "en": "Borrow only what you can repay. " * 15}
    draft = draft_copy(Brief(channel="social", lang=lang, message=long[lang]), facts)
    body = render(draft).box("body")
    assert draft.body.startswith(body.text) and len(body.text) < len(draft.body)
    planted = draft_copy(Brief(channel="social", lang=lang, message=PLANTED[lang]), facts)
    rendered = render(planted)
    assert {a.rule_id for a in rendered.alerts} == PLANTED_RULES  # the message is drawn first


def test_wrapping_breaks_cjk_between_characters_and_latin_between_words() -> None:
    font = _font(40)
    zh = wrap("年化利率（单利）18.04%–18.20%。贷款需经审批，额度与利率以审批结果为准。", font, 300)
    # a closing mark may hang past the edge; `render` shrinks the font until nothing does
    assert all(font.getlength(line.rstrip("，。）")) <= 300 for line in zh) and len(zh) > 2
    assert not any(line[0] in "，。）" for line in zh)
    sentence = "Loans are subject to approval; your limit depends on the decision."
    en = wrap(sentence, font, 300)
    words = sentence.split(" ")
    assert " ".join(en).split() == words

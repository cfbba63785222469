"""Copy from a brief: templates as data filled with the lending core's figures, or a large model
through the AI gateway (labelled generated); expansion and rewriting of a given text.

Whatever writes the body, the platform appends the mandatory disclosure (the APR as an
annualised rate, "loans are subject to approval", the lender's name) and runs the whole text
through the one compliance rule engine (`puhui.compliance.check`) on the brief's channel.
A draft with an alert cannot be approved (`workflow`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from puhui.ai.gateway import Gateway
from puhui.compliance import Alert, check
from puhui.compliance.text import sentences
from puhui.errors import ValidationError
from puhui.studio.facts import OfferFacts

PURPOSES = ("acquisition", "brand", "education")
CHANNELS = ("poster", "social", "video", "copy", "sms")  # each is a compliance-engine channel
LANGS = ("zh", "en")
LENGTHS = ("short", "medium", "long")
MAX_MESSAGE = 500
MAX_TEXT = 4000
DEFAULT_URL = "https://puhui.example/offer"
TASK = "studio.draft"


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    text = resources.files("puhui.studio").joinpath("data/templates.toml").read_text("utf-8")
    return tomllib.loads(text)


@dataclass(frozen=True, slots=True)
class Brief:
    """What the marketer asks for. `message` is the writer's own line, used verbatim (and
    checked like everything else); `length` empty means the channel's default."""

    purpose: str = "acquisition"
    channel: str = "poster"
    lang: str = "zh"
    audience: str = ""
    length: str = ""
    message: str = ""
    offer_url: str = DEFAULT_URL

    def __post_init__(self) -> None:
        for name, allowed in (
            ("purpose", PURPOSES),
            ("channel", CHANNELS),
            ("lang", LANGS),
            ("length", ("", *LENGTHS)),
        ):
            if getattr(self, name) not in allowed:
                shown = ", ".join(a for a in allowed if a)
                raise ValidationError(f"{name} must be one of {shown}", field=name)
        if len(self.message) > MAX_MESSAGE:
            raise ValidationError(
                f"message is longer than {MAX_MESSAGE} characters", field="message"
            )
        if len(self.audience) > 60:
            raise ValidationError("audience is longer than 60 characters", field="audience")
        if not re.fullmatch(r"https?://[^\s]{1,300}", self.offer_url):
            raise ValidationError("offer_url must be an http(s) URL", field="offer_url")

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Brief:
        known = set(cls.__dataclass_fields__)
        for key, value in data.items():
            if key not in known:
                raise ValidationError(f"unknown brief field {key!r}", field=key)
            if not isinstance(value, str):
                raise ValidationError(f"{key} must be a string", field=key)
        return cls(**{k: v.strip() for k, v in data.items()})

    @property
    def effective_length(self) -> str:
        return self.length or str(templates()["channels"][self.channel])

    def to_dict(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class Draft:
    brief: Brief
    headline: str
    body: str
    disclosure: str
    source: str  # "template:<purpose>.<lang>" | "generated:<model>" | "expand:…" | "rewrite:…"
    generated: bool  # written by a large model (labelled so wherever it is shown)
    facts: OfferFacts
    alerts: tuple[Alert, ...] = field(default=())

    @property
    def text(self) -> str:
        return "\n".join(p for p in (self.headline, self.body, self.disclosure) if p)

    @property
    def compliant(self) -> bool:
        return not self.alerts

    def to_dict(self) -> dict[str, Any]:
        return {
            "brief": self.brief.to_dict(),
            "headline": self.headline,
            "body": self.body,
            "disclosure": self.disclosure,
            "text": self.text,
            "source": self.source,
            "generated": self.generated,
            "label": "AI generated / AI 生成" if self.generated else "",
            "compliant": self.compliant,
            "alerts": [a.to_dict() for a in self.alerts],
            "facts": self.facts.to_dict(),
        }


def disclosure(facts: OfferFacts, lang: str) -> str:
    return str(templates()["disclosure"][lang]).format(**facts.values(lang))


def compliance_alerts(text: str, channel: str, facts: OfferFacts) -> tuple[Alert, ...]:
    """The one rule engine on `channel`, for marketing; it knows if the offer is interest-free."""
    context = {"purpose": "marketing", "interest_free": facts.interest_free}
    return tuple(check(text, channel=channel, context=context))


def checked(draft: Draft) -> Draft:
    return replace(draft, alerts=compliance_alerts(draft.text, draft.brief.channel, draft.facts))


def _fill(template: str, facts: OfferFacts, brief: Brief) -> str:
    values = facts.values(brief.lang)
    values["audience"] = brief.audience or str(templates()["audience"][brief.lang])
    return template.format(**values)


def _join(parts: list[str], lang: str) -> str:
    return ("" if lang == "zh" else " ").join(p.strip() for p in parts if p.strip())


def _end(sentence: str, lang: str) -> str:
    """A sentence with its closing mark (the writer's message may have none)."""
    s = sentence.strip()
    if not s or s[-1] in "。！？!?.；;":
        return s
    return s + ("。" if lang == "zh" else ".")


def template_draft(brief: Brief, facts: OfferFacts) -> Draft:
    """The offline path: the purpose's template in the brief's language, cut to its length."""
    spec = templates()["purposes"][brief.purpose][brief.lang]
    count = int(templates()["lengths"][brief.effective_length])
    body = [_fill(s, facts, brief) for s in spec["sentences"][:count]]
    if brief.message:
        body.insert(0, _end(brief.message, brief.lang))
    return checked(
        Draft(
            brief,
            _fill(spec["headline"], facts, brief),
            _join(body, brief.lang),
            disclosure(facts, brief.lang),
            f"template:{brief.purpose}.{brief.lang}",
            False,
            facts,
        )
    )


def _prompt(kind: str, brief: Brief, facts: OfferFacts, text: str = "") -> str:
    values = facts.values(brief.lang)
    language = "Simplified Chinese" if brief.lang == "zh" else "English"
    lines = [
        f"Task: {kind} marketing copy for a {brief.channel} ({brief.effective_length}) "
        f"in {language}, purpose: {brief.purpose}.",
        f"Audience: {brief.audience or templates()['audience'][brief.lang]}.",
        f"Product: {values['product']}; amounts {values['amount_min']} to {values['amount_max']};"
        f" terms {values['terms']} months; contract nominal annual rate {values['nominal']};"
        f" APR {values['apr']}; lender {values['lender']}.",
        "Use only these figures. Never promise approval, never say low or no interest, no"
        " urgency, no comparison with other lenders. First line: a headline; then the body."
        " Do not write the legal disclosure: it is added for you.",
    ]
    if brief.message:
        lines.append(f"Key message from the marketer: {brief.message}")
    if text:
        lines.append(f"Text to {kind}:\n{text}")
    return "\n".join(lines)


def _split_answer(answer: str) -> tuple[str, str]:
    lines = [ln.strip().lstrip("#").strip() for ln in answer.strip().splitlines() if ln.strip()]
    if not lines:
        return "", ""
    return lines[0], " ".join(lines[1:])


def _generated(
    kind: str, brief: Brief, facts: OfferFacts, gateway: Gateway, caller: str, text: str = ""
) -> Draft:
    result = gateway.run(TASK, _prompt(kind, brief, facts, text), caller=caller)
    headline, body = _split_answer(result.text)
    model = result.completion.model if result.completion else "large-model"
    draft = Draft(
        brief, headline, body, disclosure(facts, brief.lang), f"generated:{model}", True, facts
    )
    return checked(draft)


def _large(gateway: Gateway | None) -> bool:
    return gateway is not None and gateway.client is not None


def draft_copy(
    brief: Brief, facts: OfferFacts, gateway: Gateway | None = None, caller: str = "studio"
) -> Draft:
    """A checked draft: through the gateway's large model when one is configured, else the
    template path. The disclosure is the platform's either way."""
    if _large(gateway):
        assert gateway is not None
        return _generated("draft", brief, facts, gateway, caller)
    return template_draft(brief, facts)


def _given(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("text must not be empty", field="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"text is longer than {MAX_TEXT} characters", field="text")
    return text.strip()


def _without_disclosure(text: str, facts: OfferFacts, lang: str) -> str:
    return text.replace(disclosure(facts, lang), "").strip()


def expand(
    text: str,
    brief: Brief,
    facts: OfferFacts,
    gateway: Gateway | None = None,
    caller: str = "studio",
) -> Draft:
    """A longer version of `text`: the large model when configured; offline, the text followed
    by the template's sentences with the product's figures, up to the brief's length."""
    given = _without_disclosure(_given(text), facts, brief.lang)
    if _large(gateway):
        assert gateway is not None
        return _generated("expand", brief, facts, gateway, caller, given)
    spec = templates()["purposes"][brief.purpose][brief.lang]
    count = int(templates()["lengths"][brief.effective_length])
    parts = [_end(s.text, brief.lang) for s in sentences(given)]
    parts += [_fill(s, facts, brief) for s in spec["sentences"][:count]]
    if brief.message:
        parts.insert(0, _end(brief.message, brief.lang))
    headline = _fill(spec["headline"], facts, brief)
    body = _join(parts, brief.lang)
    return checked(
        Draft(brief, headline, body, disclosure(facts, brief.lang), "expand:template", False, facts)
    )


def rewrite(
    text: str,
    brief: Brief,
    facts: OfferFacts,
    gateway: Gateway | None = None,
    caller: str = "studio",
) -> Draft:
    """`text` rewritten for the brief's channel and length: the large model when configured;
    offline, its leading sentences up to the length (the first one as the headline)."""
    given = _without_disclosure(_given(text), facts, brief.lang)
    if _large(gateway):
        assert gateway is not None
        return _generated("rewrite", brief, facts, gateway, caller, given)
    parts = [_end(s.text, brief.lang) for s in sentences(given)]
    count = int(templates()["lengths"][brief.effective_length])
    headline = parts[0].rstrip("。.！!") if len(parts) > 1 else ""
    body_parts = parts[1 : count + 1] if headline else parts[:count]
    if brief.message:
        body_parts.insert(0, _end(brief.message, brief.lang))
    return checked(
        Draft(
            brief,
            headline,
            _join(body_parts, brief.lang),
            disclosure(facts, brief.lang),
            "rewrite:extractive",
            False,
            facts,
        )
    )

"""`check(text, channel=..., context=...) -> alerts`: one function for calls, posters and SMS.

1. split the text into sentences;
2. find each claim the in-scope rules need: by pattern (the span is the words matched), then
   by the classifier for sentences no pattern of that claim matched (the span is the sentence);
3. a rule fires on a trigger claim whose `when` facts hold, unless a satisfying claim appears
   anywhere in the text or a satisfying context flag is set. Context-only triggers (the
   forbidden hours) point at the whole text.

Every alert cites its rule (id, version, source) and the words that triggered it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from puhui.compliance.classifier import ClaimClassifier, shipped_classifier
from puhui.compliance.context import Context
from puhui.compliance.rules import CHANNELS, SEVERITIES, Rule, RuleBook, shipped_rulebook
from puhui.compliance.text import Sentence, sentences
from puhui.errors import ValidationError

MAX_TEXT = 20_000


@dataclass(frozen=True, slots=True)
class Hit:
    """A claim found in the text."""

    claim: str
    start: int
    end: int
    method: str  # "pattern" | "classifier"
    score: float


@dataclass(frozen=True, slots=True)
class Alert:
    rule_id: str
    rule_version: int
    severity: str
    start: int
    end: int
    text: str  # the words that triggered it
    claim: str | None
    method: str  # "pattern" | "classifier" | "context"
    score: float
    source: str
    title_zh: str
    title_en: str

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule_version": self.rule_version,
            "severity": self.severity,
            "span": [self.start, self.end],
            "text": self.text,
            "claim": self.claim,
            "method": self.method,
            "score": round(self.score, 3),
            "source": self.source,
            "title": {"zh": self.title_zh, "en": self.title_en},
        }


def find_claims(
    text: str,
    parts: Sequence[Sentence],
    wanted: set[str],
    book: RuleBook,
    classifier: ClaimClassifier | None,
) -> list[Hit]:
    """Every hit of the `wanted` claims: patterns first, the classifier for the rest; a hit
    in a sentence that takes the claim back (a negation) is dropped."""
    hits: list[Hit] = []
    for name in sorted(wanted):
        for pattern in book.claims[name].patterns:
            for m in pattern.finditer(text):
                if m.end() > m.start():
                    hits.append(Hit(name, m.start(), m.end(), "pattern", 1.0))
    hits = [h for h in hits if not _negated(h, text, parts, book)]
    learnable = sorted(
        n for n in wanted if book.claims[n].classifier and classifier and n in classifier.claims
    )
    if classifier is None or not learnable or not parts:
        return hits
    vectors = classifier.embed([p.text for p in parts])
    for part, found in zip(parts, classifier.claims_of(vectors), strict=True):
        for name, score in found.items():
            if name not in learnable:
                continue
            covered = any(
                h.claim == name and h.start < part.end and h.end > part.start for h in hits
            )
            if not covered and not book.claims[name].negated(part.text):
                hits.append(Hit(name, part.start, part.end, "classifier", score))
    return hits


def _negated(hit: Hit, text: str, parts: Sequence[Sentence], book: RuleBook) -> bool:
    claim = book.claims[hit.claim]
    if not claim.negations:
        return False
    for part in parts:
        if part.start <= hit.start < max(part.end, part.start + 1):
            return claim.negated(part.text)
    return claim.negated(text)


def _holds(rule: Rule, when: Mapping[str, Any], context: Context) -> bool:
    return all(context.fact(name, rule.params) == value for name, value in when.items())


def evaluate(
    text: str,
    hits: Sequence[Hit],
    rules: Sequence[Rule],
    context: Context,
    parts: Sequence[Sentence] = (),
) -> list[Alert]:
    """The alerts of `rules` given the claims found in `text`: one per rule and sentence (the
    span runs from the first trigger word to the last in that sentence)."""
    present = {h.claim for h in hits}
    alerts: list[Alert] = []
    for rule in rules:
        if any(c in present for c in rule.unless_claims):
            continue
        if any(bool(getattr(context, flag, False)) for flag in rule.unless_context):
            continue
        by_sentence: dict[int, list[Hit]] = {}
        for trigger in rule.triggers:
            if not _holds(rule, trigger.when, context):
                continue
            if not trigger.claims:  # the context alone: points at the whole text
                alerts.append(_alert(rule, text, 0, len(text), None, "context", 1.0))
                continue
            for hit in hits:
                if hit.claim in trigger.claims:
                    by_sentence.setdefault(_sentence_of(hit, parts), []).append(hit)
        for group in by_sentence.values():
            first = min(group, key=lambda h: (h.start, -h.score))
            start, end = first.start, max(h.end for h in group)
            best = max(group, key=lambda h: (h.method == "pattern", h.score))
            alerts.append(_alert(rule, text, start, end, best.claim, best.method, best.score))
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(alerts, key=lambda a: (a.start, -rank[a.severity], a.rule_id))


def _sentence_of(hit: Hit, parts: Sequence[Sentence]) -> int:
    for n, part in enumerate(parts):
        if part.start <= hit.start < part.end:
            return n
    return -1 - hit.start  # outside every sentence (punctuation): its own group


def _alert(
    rule: Rule, text: str, start: int, end: int, claim: str | None, method: str, score: float
) -> Alert:
    return Alert(
        rule.id,
        rule.version,
        rule.severity,
        start,
        end,
        text[start:end],
        claim,
        method,
        score,
        rule.cite(),
        rule.title.get("zh", rule.id),
        rule.title.get("en", rule.id),
    )


def check(
    text: str,
    *,
    channel: str = "call",
    context: Context | Mapping[str, Any] | None = None,
    book: RuleBook | None = None,
    classifier: ClaimClassifier | bool | None = True,
) -> list[Alert]:
    """The alerts for `text` said or shown on `channel` (classifier=False: patterns only)."""
    if not isinstance(text, str):
        raise ValidationError("text must be a string", field="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"text is longer than {MAX_TEXT} characters", field="text")
    if channel not in CHANNELS:
        raise ValidationError(f"channel must be one of {', '.join(CHANNELS)}", field="channel")
    ctx = Context.of(context)
    book = book or shipped_rulebook()
    rules = book.in_scope(channel, ctx.purpose)
    if not rules or not text.strip():
        return []
    model: ClaimClassifier | None
    if classifier is True:
        model = shipped_classifier()
    elif classifier is False or classifier is None:
        model = None
    else:
        model = classifier
    wanted = {c for r in rules for c in r.claims}
    parts = sentences(text)
    hits = find_claims(text, parts, wanted, book, model)
    return evaluate(text, hits, rules, ctx, parts)

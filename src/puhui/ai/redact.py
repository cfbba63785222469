"""Reversible redaction: personal data becomes tokens like `<PHONE_1>` before a model sees it.

The vault remembers which token stands for which value, so the model's answer can be
re-personalized for an agent who is allowed to see the customer's data, and for nobody else.
The same value gets the same token throughout one vault (one conversation).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from presidio_analyzer import RecognizerResult
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as SpanToReplace

from puhui.ai import recognizers as rec

TOKEN_LABELS = {
    rec.RESIDENT_ID: "ID",
    rec.MOBILE: "PHONE",
    rec.BANK_CARD: "CARD",
    rec.EMAIL: "EMAIL",
    rec.PERSON: "NAME",
}
# Where two findings overlap, the more specific (checksummed) one wins.
_PRIORITY = {rec.RESIDENT_ID: 0, rec.BANK_CARD: 1, rec.MOBILE: 2, rec.EMAIL: 3, rec.PERSON: 4}
_TOKEN_RE = re.compile(r"<(ID|PHONE|CARD|EMAIL|NAME)_(\d+)>")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
# Full-width digits, letters, '+', '-', '@', '.' and the ideographic space, mapped one character
# to one character, so that spans found in the half-width copy index the original text.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


@dataclass(frozen=True, slots=True)
class Entity:
    """One finding: its type, its span in the original text, and the token that replaced it."""

    entity_type: str
    start: int
    end: int
    text: str
    token: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return {
            "type": self.entity_type,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "token": self.token,
            "score": round(self.score, 3),
        }


@dataclass(slots=True)
class Vault:
    """Token <-> value for one conversation; restore() puts the values back."""

    by_token: dict[str, str] = field(default_factory=dict)
    by_value: dict[tuple[str, str], str] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def token_for(self, entity_type: str, value: str) -> str:
        key = (entity_type, _canonical(value))
        token = self.by_value.get(key)
        if token is None:
            label = TOKEN_LABELS[entity_type]
            self.counters[label] = self.counters.get(label, 0) + 1
            token = f"<{label}_{self.counters[label]}>"
            self.by_value[key] = token
            self.by_token[token] = value
        return token

    def restore(self, text: str) -> str:
        """Replace every known token in `text` (a model's answer) by its original value."""
        return _TOKEN_RE.sub(lambda m: self.by_token.get(m.group(0), m.group(0)), text)


@dataclass(frozen=True, slots=True)
class Redaction:
    original: str
    text: str
    entities: tuple[Entity, ...]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for entity in self.entities:
            out[entity.entity_type] = out.get(entity.entity_type, 0) + 1
        return out


def _canonical(value: str) -> str:
    return re.sub(r"[\s-]", "", value).upper()


def language_of(text: str) -> str:
    """'zh' when the text has any CJK character, else 'en' (only picks the tokenizer)."""
    return "zh" if _CJK_RE.search(text) else "en"


def find(text: str) -> list[RecognizerResult]:
    """Non-overlapping findings in `text`, checksummed identifiers first."""
    found = rec.analyzer().analyze(
        text=text.translate(_HALF_WIDTH), language=language_of(text), entities=list(rec.ENTITIES)
    )
    ranked = sorted(found, key=lambda r: (_PRIORITY[r.entity_type], -(r.end - r.start), r.start))
    kept: list[RecognizerResult] = []
    for candidate in ranked:
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda r: r.start)


_anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]


def redact(text: str, vault: Vault | None = None) -> Redaction:
    """Replace personal data in `text` by vault tokens; the vault keeps the way back."""
    vault = vault if vault is not None else Vault()
    findings = find(text)
    entities = tuple(
        Entity(
            r.entity_type,
            r.start,
            r.end,
            text[r.start : r.end],
            vault.token_for(r.entity_type, text[r.start : r.end]),
            r.score,
        )
        for r in findings
    )
    if not entities:
        return Redaction(text, text, ())
    tokens = {(e.start, e.end): e.token for e in entities}
    # One replace operator per finding type: Presidio hands each operator the span's text only,
    # so the lambda looks the token up through the vault (same value -> same token).
    operators = {
        entity_type: OperatorConfig(
            "custom", {"lambda": lambda value, t=entity_type: vault.token_for(t, value)}
        )
        for entity_type in {e.entity_type for e in entities}
    }
    result = _anonymizer.anonymize(
        text=text,
        analyzer_results=[SpanToReplace(r.entity_type, r.start, r.end, r.score) for r in findings],
        operators=operators,
        merge_entities_with_spaces=False,
    )
    redacted = result.text
    # Presidio merges adjacent findings separated by whitespace; make sure tokens are exact.
    if any(token not in redacted for token in tokens.values()):  # pragma: no cover - defensive
        redacted = _splice(text, entities)
    return Redaction(text, redacted, entities)


def _splice(text: str, entities: tuple[Entity, ...]) -> str:
    out = text
    for entity in sorted(entities, key=lambda e: e.start, reverse=True):
        out = out[: entity.start] + entity.token + out[entity.end :]
    return out


class RedactingFilter(logging.Filter):
    """A logging filter that redacts personal data from every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message).text
        record.args = None
        return True

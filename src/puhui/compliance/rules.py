"""The rulebook as data: claims (what a sentence says) and rules (when a claim is a violation).

`rules.toml` is the one source. Loading checks it whole (every regex compiles, every claim a
rule names exists, severities, channels and purposes are known) and gives it a digest, which
score cards record so a reviewer knows exactly which rules judged a call.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from puhui.errors import NotFoundError, ValidationError

SEVERITIES = ("low", "medium", "high", "critical")
CHANNELS = ("call", "sms", "poster", "copy", "app_message", "chat", "social", "video")
PURPOSES = ("marketing", "collection", "service")
LANGS = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Claim:
    """Something a sentence can say; found by patterns and (if `classifier`) the classifier."""

    name: str
    title: Mapping[str, str]
    patterns: tuple[re.Pattern[str], ...]
    classifier: bool
    negations: tuple[re.Pattern[str], ...] = ()

    def negated(self, sentence: str) -> bool:
        """True when the sentence takes the claim back ("I can't promise approval")."""
        return any(n.search(sentence) for n in self.negations)


@dataclass(frozen=True, slots=True)
class Source:
    regulation: str
    article: str
    note: str = ""

    def cite(self) -> str:
        return f"{self.regulation} {self.article}".strip()


@dataclass(frozen=True, slots=True)
class Trigger:
    """Any of `claims` (or, with no claims, the context alone) when every `when` fact holds."""

    claims: tuple[str, ...]
    when: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    version: int
    severity: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    channels: frozenset[str]
    purposes: frozenset[str]
    triggers: tuple[Trigger, ...]
    unless_claims: tuple[str, ...]
    unless_context: tuple[str, ...]
    sources: tuple[Source, ...]
    params: Mapping[str, Any]
    examples: Mapping[str, Any]

    def applies(self, channel: str, purpose: str | None) -> bool:
        """In scope for this channel and purpose (an unknown purpose: every rule of the channel)."""
        return channel in self.channels and (purpose is None or purpose in self.purposes)

    @property
    def claims(self) -> frozenset[str]:
        return frozenset(c for t in self.triggers for c in t.claims) | set(self.unless_claims)

    def cite(self) -> str:
        return "; ".join(s.cite() for s in self.sources)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "severity": self.severity,
            "title": dict(self.title),
            "description": dict(self.description),
            "channels": sorted(self.channels),
            "purposes": sorted(self.purposes),
            "triggers": [{"claims": list(t.claims), "when": dict(t.when)} for t in self.triggers],
            "unless_claims": list(self.unless_claims),
            "unless_context": list(self.unless_context),
            "sources": [
                {"regulation": s.regulation, "article": s.article, "note": s.note}
                for s in self.sources
            ],
            "params": dict(self.params),
            "examples": dict(self.examples),
        }


@dataclass(frozen=True, slots=True)
class RuleBook:
    version: str
    digest: str
    claims: Mapping[str, Claim]
    rules: tuple[Rule, ...]

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise NotFoundError(f"unknown rule {rule_id!r}", field="rule_id")

    def in_scope(self, channel: str, purpose: str | None) -> list[Rule]:
        return [r for r in self.rules if r.applies(channel, purpose)]


def _need(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise ValidationError(f"{where}: missing {key!r}", field=f"{where}.{key}")
    return data[key]


def _compile(texts: list[str], where: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for text in texts:
        try:
            out.append(re.compile(text, re.IGNORECASE))
        except re.error as exc:
            raise ValidationError(f"{where}: {exc}", field=where) from exc
    return tuple(out)


def _claim(name: str, data: Mapping[str, Any]) -> Claim:
    where = f"claims.{name}"
    patterns = tuple(p for lang in LANGS for p in _compile(data.get(lang, []), f"{where}.{lang}"))
    return Claim(
        name,
        dict(_need(data, "title", where)),
        patterns,
        bool(_need(data, "classifier", where)),
        _compile(data.get("negations", []), f"{where}.negations"),
    )


def _one_of(values: list[str], allowed: tuple[str, ...], where: str) -> frozenset[str]:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError(f"{where}: unknown {sorted(unknown)}", field=where)
    return frozenset(values)


def _rule(data: Mapping[str, Any], claims: Mapping[str, Claim]) -> Rule:
    rule_id = str(_need(data, "id", "rules"))
    where = f"rules.{rule_id}"
    severity = str(_need(data, "severity", where))
    if severity not in SEVERITIES:
        raise ValidationError(f"{where}: severity {severity!r}", field=f"{where}.severity")
    triggers = [Trigger(tuple(data.get("claims", [])))] if data.get("claims") else []
    triggers += [
        Trigger(tuple(t.get("claims", [])), dict(t.get("when", {})))
        for t in data.get("triggers", [])
    ]
    if not triggers:
        raise ValidationError(f"{where}: no trigger", field=f"{where}.claims")
    unless = tuple(data.get("unless_claims", []))
    for name in {c for t in triggers for c in t.claims} | set(unless):
        if name not in claims:
            raise ValidationError(f"{where}: unknown claim {name!r}", field=f"{where}.claims")
    sources = tuple(Source(**s) for s in _need(data, "sources", where))
    if not sources:
        raise ValidationError(f"{where}: a rule needs its source", field=f"{where}.sources")
    return Rule(
        id=rule_id,
        version=int(_need(data, "version", where)),
        severity=severity,
        title=dict(_need(data, "title", where)),
        description=dict(data.get("description", {})),
        channels=_one_of(list(_need(data, "channels", where)), CHANNELS, f"{where}.channels"),
        purposes=_one_of(list(_need(data, "purposes", where)), PURPOSES, f"{where}.purposes"),
        triggers=tuple(triggers),
        unless_claims=unless,
        unless_context=tuple(data.get("unless_context", [])),
        sources=sources,
        params=dict(data.get("params", {})),
        examples=dict(data.get("examples", {})),
    )


def parse_rulebook(text: str) -> RuleBook:
    """Parse and check a rulebook (TOML text)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"rulebook: {exc}", field="rulebook") from exc
    claims = {name: _claim(name, spec) for name, spec in data.get("claims", {}).items()}
    rules = tuple(_rule(r, claims) for r in data.get("rules", []))
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ValidationError("rulebook: duplicate rule ids", field="rules.id")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return RuleBook(str(_need(data, "version", "rulebook")), digest, claims, rules)


def load_rulebook(path: str | Path | None = None) -> RuleBook:
    """The rulebook at `path`, or the one shipped in `puhui/compliance/data/rules.toml`."""
    if path is None:
        return shipped_rulebook()
    return parse_rulebook(Path(path).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def shipped_rulebook() -> RuleBook:
    text = resources.files("puhui.compliance").joinpath("data/rules.toml").read_text("utf-8")
    return parse_rulebook(text)

"""The QA score card (质检评分卡) of one call: each rule's outcome and a score out of 100.

A rule is `n/a` when it does not apply to the call's purpose, `fail` when it raised an alert,
`pass` otherwise. Each failed rule costs its severity's weight for each alert, counted at most
twice (a rule broken five times is not five times worse for the score; the alerts all stay on
the record).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from puhui.compliance import Alert
from puhui.compliance.rules import RuleBook

WEIGHTS = {"low": 5, "medium": 10, "high": 20, "critical": 40}
GRADES = ((90, "A"), (75, "B"), (60, "C"), (0, "D"))


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    rule_id: str
    version: int
    severity: str
    outcome: str  # pass | fail | n/a
    alerts: int
    title_zh: str
    title_en: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "version": self.version,
            "severity": self.severity,
            "outcome": self.outcome,
            "alerts": self.alerts,
            "title": {"zh": self.title_zh, "en": self.title_en},
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class ScoreCard:
    score: int
    grade: str
    rules: tuple[RuleOutcome, ...]
    rulebook_version: str
    rulebook_digest: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "grade": self.grade,
            "rulebook_version": self.rulebook_version,
            "rulebook_digest": self.rulebook_digest,
            "rules": [r.to_dict() for r in self.rules],
        }


def grade_of(score: int) -> str:
    return next(g for floor, g in GRADES if score >= floor)


def score_call(
    alerts: Sequence[Alert], *, purpose: str, book: RuleBook, channel: str = "call"
) -> ScoreCard:
    counts: dict[str, int] = {}
    for alert in alerts:
        counts[alert.rule_id] = counts.get(alert.rule_id, 0) + 1
    outcomes = []
    penalty = 0
    for rule in book.rules:
        n = counts.get(rule.id, 0)
        if not rule.applies(channel, purpose):
            outcome = "n/a"
        elif n:
            outcome = "fail"
            penalty += WEIGHTS[rule.severity] * min(n, 2)
        else:
            outcome = "pass"
        outcomes.append(
            RuleOutcome(
                rule.id,
                rule.version,
                rule.severity,
                outcome,
                n,
                rule.title.get("zh", rule.id),
                rule.title.get("en", rule.id),
                rule.cite(),
            )
        )
    score = max(0, 100 - penalty)
    return ScoreCard(score, grade_of(score), tuple(outcomes), book.version, book.digest)

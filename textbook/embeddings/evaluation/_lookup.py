"""Vocabulary look-up shared by the benchmarks (restrict_vocab, case folding)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textbook.embeddings.vectors import Vectors


@dataclass(frozen=True)
class Lookup:
    """The searchable rows of a `Vectors` under gensim's conventions.

    Only the first ``restrict_vocab`` words take part. With ``case_insensitive``,
    words are compared by ``str.upper()`` and a key stands for the first (most
    frequent) of its case variants.

    Attributes:
        rows: key -> row of its first variant.
        key_of_row: ``(R,)`` for every searchable row, the row that stands for its key.
        unit: ``(R, d)`` float64 unit rows.
    """

    rows: dict[str, int]
    key_of_row: np.ndarray
    unit: np.ndarray
    words: list[str]
    case_insensitive: bool

    @classmethod
    def build(cls, vectors: Vectors, restrict_vocab: int | None, case_insensitive: bool) -> "Lookup":
        if restrict_vocab is not None and (isinstance(restrict_vocab, bool) or int(restrict_vocab) < 1):
            raise ValueError(f"restrict_vocab must be None or an int >= 1, got {restrict_vocab!r}")
        R = len(vectors) if restrict_vocab is None else min(len(vectors), int(restrict_vocab))
        words = vectors.words[:R]
        rows: dict[str, int] = {}
        key_of_row = np.empty(R, dtype=np.int64)
        for i, w in enumerate(words):
            key_of_row[i] = rows.setdefault(w.upper() if case_insensitive else w, i)
        m = np.asarray(vectors.matrix[:R], dtype=np.float64)
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        unit = m / np.where(norms > 0, norms, 1.0)  # (R, d)
        return cls(rows, key_of_row, unit, words, case_insensitive)

    def key(self, word: str) -> str:
        return word.upper() if self.case_insensitive else word

    def row(self, word: str) -> int | None:
        return self.rows.get(self.key(word))

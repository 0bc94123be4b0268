"""The vocabulary: words <-> integer ids, with their corpus counts.

``Vocab.build`` counts the words of a tokenised corpus, drops the rare ones
(``min_count``), optionally keeps only the ``max_size`` most frequent, and
orders the rest by descending count, ties alphabetically, so id 0 is the most
frequent word and the order does not depend on the order of the corpus.

>>> v = Vocab.build([["the", "cat"], ["the", "dog", "the", "cat"]])
>>> v.words, v.counts.tolist(), v.total
(['the', 'cat', 'dog'], [3, 2, 1], 6)
>>> v.encode(["the", "unicorn", "dog"]).tolist()
[0, 2]
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from textbook.data._validate import check_int as _check_int

__all__ = ["Vocab"]


def _check_tokens(tokens: object, name: str) -> list:
    if isinstance(tokens, str):
        raise TypeError(
            f"{name} must be a sequence of words (e.g. tokenize(text)), got a str; "
            "a str would be read one character at a time"
        )
    tokens = list(tokens)
    for t in tokens:
        if not isinstance(t, str):
            raise TypeError(f"{name} must contain only str words, found {type(t).__name__} {t!r}")
    return tokens


class Vocab:
    """Words and their counts; a word's id is its position in ``words``.

    Build one with [`Vocab.build`][textbook.data.vocab.Vocab.build] (canonical
    order) or [`Vocab.load`][textbook.data.vocab.Vocab.load]. The constructor
    and ``load`` keep the order they are given, so ids survive a save/load
    round trip.

    Attributes:
        words: ``list[str]``, id -> word.
        counts: ``(V,) int64`` corpus count of each word.
        index: ``dict[str, int]``, word -> id.
        total: sum of ``counts`` (the number of corpus tokens that are in the vocabulary).
    """

    def __init__(self, words: Sequence[str], counts: Sequence[int] | np.ndarray):
        words = _check_tokens(words, "words")
        counts_arr = np.asarray(counts)
        if counts_arr.ndim != 1 or len(counts_arr) != len(words):
            raise ValueError(
                f"counts must be a 1-D array with one count per word ({len(words)}), got shape {counts_arr.shape}"
            )
        if counts_arr.size and counts_arr.dtype.kind not in "iu":
            raise TypeError(f"counts must be integers, got dtype {counts_arr.dtype}")
        if np.any(counts_arr < 0):
            raise ValueError("counts must be non-negative")
        index = {w: i for i, w in enumerate(words)}
        if len(index) != len(words):
            dup = next(w for w, c in Counter(words).items() if c > 1)
            raise ValueError(f"words must be distinct, {dup!r} appears more than once")
        self.words: list[str] = words
        self.counts: np.ndarray = counts_arr.astype(np.int64)
        self.index: dict[str, int] = index

    # ------------------------------------------------------------------ building
    @classmethod
    def build(
        cls, sentences: Iterable[Sequence[str]], min_count: int = 1, max_size: int | None = None
    ) -> "Vocab":
        """Count the words of a tokenised corpus and keep the frequent ones.

        Args:
            sentences: Iterable of sentences, each a sequence of words
                (e.g. [`sentences(text)`][textbook.data.text.sentences]).
            min_count: Drop words seen fewer than ``min_count`` times (>= 1).
            max_size: Then keep at most this many words, the most frequent
                first (ties alphabetically); ``None`` keeps all.

        Returns:
            The vocabulary, ordered by descending count, ties alphabetically.

        Raises:
            TypeError: if a sentence is a plain string or holds non-strings.
            ValueError: on an empty corpus, when ``min_count`` leaves no word,
                or when ``min_count``/``max_size`` are out of range.
        """
        min_count = _check_int(min_count, "min_count", 1)
        if max_size is not None:
            max_size = _check_int(max_size, "max_size", 1)
        if isinstance(sentences, str):
            raise TypeError("sentences must be an iterable of word lists (e.g. sentences(text)), got a str")
        counter: Counter = Counter()
        for i, sent in enumerate(sentences):
            counter.update(_check_tokens(sent, f"sentences[{i}]"))
        if not counter:
            raise ValueError("cannot build a vocabulary from an empty corpus (no words in sentences)")
        kept = [(w, c) for w, c in counter.items() if c >= min_count]
        if not kept:
            raise ValueError(
                f"min_count={min_count} leaves no word: the corpus has {len(counter)} distinct words "
                f"and the largest count is {max(counter.values())}"
            )
        kept.sort(key=lambda wc: (-wc[1], wc[0]))  # descending count, then alphabetical
        if max_size is not None:
            kept = kept[:max_size]
        return cls([w for w, _ in kept], np.array([c for _, c in kept], dtype=np.int64))

    # ------------------------------------------------------------------ lookup
    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __iter__(self):
        return iter(self.words)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocab):
            return NotImplemented
        return self.words == other.words and np.array_equal(self.counts, other.counts)

    def __repr__(self) -> str:
        head = ", ".join(repr(w) for w in self.words[:5])
        more = ", ..." if len(self) > 5 else ""
        return f"Vocab(size={len(self)}, total={self.total}, words=[{head}{more}])"

    @property
    def total(self) -> int:
        """Sum of the counts."""
        return int(self.counts.sum())

    def id(self, word: str) -> int:
        """The id of ``word``; ``KeyError`` naming the word if it is not in the vocabulary."""
        try:
            return self.index[word]
        except KeyError:
            raise KeyError(f"word {word!r} is not in the vocabulary ({len(self)} words)") from None

    def count(self, word: str) -> int:
        """The corpus count of ``word`` (``KeyError`` if unknown)."""
        return int(self.counts[self.id(word)])

    # ------------------------------------------------------------------ encoding
    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """Map words to ids, dropping unknown words (as word2vec does).

        Args:
            tokens: A sequence of words.

        Returns:
            ``(n,) int64`` ids of the known words, in order.
        """
        tokens = _check_tokens(tokens, "tokens")
        index = self.index
        return np.fromiter((index[t] for t in tokens if t in index), dtype=np.int64)

    def encode_corpus(self, sentences: Iterable[Sequence[str]]) -> list[np.ndarray]:
        """Encode every sentence; the result has one (possibly empty) array per sentence."""
        if isinstance(sentences, str):
            raise TypeError("sentences must be an iterable of word lists, got a str")
        return [self.encode(s) for s in sentences]

    def decode(self, ids: Sequence[int] | np.ndarray) -> list[str]:
        """Map ids back to words.

        Raises:
            TypeError: if ``ids`` are not integers.
            ValueError: if an id is outside ``[0, len(vocab))``.
        """
        arr = np.asarray(ids)
        if arr.size == 0:
            return []
        if arr.dtype.kind not in "iu":
            raise TypeError(f"ids must be integers, got dtype {arr.dtype}")
        arr = arr.ravel()
        bad = (arr < 0) | (arr >= len(self))
        if bad.any():
            raise ValueError(f"ids must lie in [0, {len(self)}), got {arr[bad][0]}")
        return [self.words[i] for i in arr.tolist()]

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike) -> None:
        """Write a two-column TSV, ``word<TAB>count``, one line per id."""
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            for w, c in zip(self.words, self.counts.tolist()):
                if "\t" in w or "\n" in w or "\r" in w:
                    raise ValueError(f"cannot save word {w!r}: it contains a tab or a line break")
                f.write(f"{w}\t{c}\n")

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocab":
        """Read a file written by [`save`][textbook.data.vocab.Vocab.save]; ids follow the line order.

        Raises:
            ValueError: naming the line of a malformed or duplicated entry.
        """
        words, counts, seen = [], [], {}
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                line = line.rstrip("\n").rstrip("\r")
                if not line:
                    continue
                parts = line.split("\t")
                if len(parts) != 2 or not parts[1].strip().isdigit():
                    raise ValueError(f"{path}:{lineno}: expected 'word<TAB>count', got {line!r}")
                if parts[0] in seen:
                    raise ValueError(f"{path}:{lineno}: word {parts[0]!r} already on line {seen[parts[0]]}")
                seen[parts[0]] = lineno
                words.append(parts[0])
                counts.append(int(parts[1]))
        if not words:
            raise ValueError(f"{path}: no vocabulary entries")
        return cls(words, np.array(counts, dtype=np.int64))

r"""Word-pair similarity benchmarks (WordSim-353, SimLex-999) and rank correlation.

The model's score for a pair is the cosine of the two vectors; the benchmark
score is the mean human rating. Agreement is Spearman's $\rho$, the Pearson
correlation of the ranks (ties get the average of the ranks they span):

$$
\rho = \frac{\sum_i (r_i - \bar r)(s_i - \bar s)}
{\sqrt{\sum_i (r_i - \bar r)^2}\, \sqrt{\sum_i (s_i - \bar s)^2}}
$$
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from textbook.embeddings.evaluation._lookup import Lookup
from textbook.embeddings.vectors import Vectors

Pair = tuple[str, str, float]


# --8<-- [start:spearman]
def rankdata(x: np.ndarray) -> np.ndarray:
    """Ranks ``1..n`` of ``x``; tied values share the average of their ranks.

    Example:
        >>> rankdata(np.array([10.0, 20.0, 10.0, 30.0])).tolist()
        [1.5, 3.0, 1.5, 4.0]
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x must be 1-D, got shape {x.shape}")
    if np.isnan(x).any():
        raise ValueError("x holds NaN, which cannot be ranked")
    order = np.argsort(x, kind="stable")  # (n,)
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])  # first position of each run of ties
    sizes = np.diff(np.r_[starts, len(x)])  # (groups,)
    mean_rank = starts + (sizes + 1) / 2.0  # average of 1-based ranks start+1 .. start+size
    ranks = np.empty(len(x))
    ranks[order] = np.repeat(mean_rank, sizes)
    return ranks


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation (``nan`` if either input is constant)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or len(x) < 2:
        raise ValueError(f"x and y must be 1-D of equal length >= 2, got {x.shape} and {y.shape}")
    xc, yc = x - x.mean(), y - y.mean()
    den = np.sqrt((xc @ xc) * (yc @ yc))
    return float(xc @ yc / den) if den > 0 else float("nan")


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation: `pearson` of the average ranks."""
    return pearson(rankdata(x), rankdata(y))
# --8<-- [end:spearman]


def read_similarity(path: str | os.PathLike, delimiter: str | None = "\t") -> list[Pair]:
    """Read a word-pair file: ``word1<TAB>word2<TAB>score`` per line.

    Lines starting with ``#`` and blank lines are skipped. A first data line
    whose score is not a number is a header; if a header column is named
    ``SimLex999`` (the original SimLex-999 file) that column holds the score,
    otherwise the third one.

    Args:
        path: The file (UTF-8).
        delimiter: Field separator; ``None`` splits on any whitespace.

    Returns:
        ``[(word1, word2, score), ...]``.

    Raises:
        ValueError: naming the line that has fewer than three fields or a bad score.
    """
    pairs: list[Pair] = []
    column, header_seen = 2, False
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split(delimiter)]
            try:
                if len(parts) <= column:
                    raise ValueError
                score = float(parts[column])
            except ValueError:
                if not pairs and not header_seen:
                    header_seen = True
                    names = [p.lower() for p in parts]
                    column = names.index("simlex999") if "simlex999" in names else 2
                    continue
                raise ValueError(
                    f"{os.fspath(path)}, line {lineno}: expected 'word1, word2, score' "
                    f"separated by {delimiter!r}, got {line!r}"
                ) from None
            pairs.append((parts[0], parts[1], score))
    return pairs


@dataclass(frozen=True)
class SimilarityReport:
    """Correlation with human ratings over the pairs whose words are both known.

    Attributes:
        spearman: Spearman's rho (``nan`` if fewer than 2 pairs could be scored).
        pearson: Pearson's r.
        answered: Pairs scored.
        pairs: All pairs read.
        oov: Pairs skipped because a word is out of vocabulary.
        name: Label for tables (e.g. ``"wordsim353"``).
    """

    spearman: float
    pearson: float
    answered: int
    pairs: int
    oov: int
    name: str = "similarity"

    @property
    def oov_share(self) -> float:
        """Share of pairs skipped as out of vocabulary, in ``[0, 1]``."""
        return self.oov / self.pairs if self.pairs else float("nan")



    def as_row(self) -> dict:
        """One summary row for `report_table`."""
        return {
            "benchmark": self.name,
            "spearman": self.spearman,
            "pearson": self.pearson,
            "answered": self.answered,
            "oov_share": self.oov_share,
        }

    def __str__(self) -> str:
        return (
            f"{self.name}: Spearman {self.spearman:.4f}, Pearson {self.pearson:.4f} on {self.answered} pairs, "
            f"{self.oov}/{self.pairs} skipped as OOV ({100 * self.oov_share:.1f}%)"
        )


def evaluate_similarity(
    vectors: Vectors,
    pairs: str | os.PathLike | Sequence[Pair],
    restrict_vocab: int | None = 300_000,
    case_insensitive: bool = True,
    name: str | None = None,
) -> SimilarityReport:
    """Spearman and Pearson correlation of cosine similarities with human scores.

    As gensim's ``evaluate_word_pairs``: pairs with a word outside the first
    ``restrict_vocab`` words are skipped and counted; with ``case_insensitive``
    words match up to case and the first (most frequent) variant's vector is used.

    Args:
        vectors: The embeddings.
        pairs: A file for `read_similarity` or its list of ``(word1, word2, score)``.
        restrict_vocab: Use only the first words (``None``: all).
        case_insensitive: Compare words by ``str.upper()`` (gensim's default).
        name: Label for the report (default: the file's stem, or ``"similarity"``).
    """
    if name is None:
        name = os.path.splitext(os.path.basename(pairs))[0] if isinstance(pairs, (str, os.PathLike)) else "similarity"
    if isinstance(pairs, (str, os.PathLike)):
        pairs = read_similarity(pairs)
    lk = Lookup.build(vectors, restrict_vocab, case_insensitive)
    left, right, gold, oov = [], [], [], 0
    for w1, w2, score in pairs:
        r1, r2 = lk.row(w1), lk.row(w2)
        if r1 is None or r2 is None:
            oov += 1
            continue
        left.append(r1)
        right.append(r2)
        gold.append(score)
    if len(gold) < 2:
        nan = float("nan")
        return SimilarityReport(nan, nan, len(gold), len(pairs), oov, name)
    model = np.sum(lk.unit[left] * lk.unit[right], axis=1)  # (n,) cosines
    gold = np.asarray(gold)
    return SimilarityReport(spearman(gold, model), pearson(gold, model), len(gold), len(pairs), oov, name)

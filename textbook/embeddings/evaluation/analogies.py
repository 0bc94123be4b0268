r"""Word analogies: "a is to b as c is to ?", answered by vector arithmetic.

For a Google-format line ``a b c d`` (e.g. ``Athens Greece Baghdad Iraq``) the
answer ``d`` is predicted from ``b - a + c``. With unit vectors and
$\cos(x, y) = \hat x \cdot \hat y$, two rules pick the word $x$ (never one of
``a``, ``b``, ``c``):

$$
\text{3CosAdd:}\quad \arg\max_x\; \cos(x, b) - \cos(x, a) + \cos(x, c)
$$

$$
\text{3CosMul:}\quad \arg\max_x\; \frac{\cos'(x, b)\, \cos'(x, c)}{\cos'(x, a) + \varepsilon},
\qquad \cos' = \frac{\cos + 1}{2},\ \varepsilon = 10^{-3}
$$

3CosAdd ranks like the cosine with $\hat b - \hat a + \hat c$ (gensim's
``most_similar(positive=[b, c], negative=[a])``); 3CosMul (Levy and Goldberg
2014) keeps one large similarity from dominating the sum.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from textbook.embeddings.evaluation._lookup import Lookup
from textbook.embeddings.vectors import Vectors

METHODS = ("add", "mul")
EPS = 1e-3
Question = tuple[str, str, str, str]


def _method(name: str) -> str:
    """``"add"``/``"mul"``; also accepts ``"3CosAdd"``/``"3CosMul"`` in any case."""
    key = str(name).lower().removeprefix("3cos")
    if key not in METHODS:
        raise ValueError(f"method must be 'add' (3CosAdd) or 'mul' (3CosMul), got {name!r}")
    return key


# --8<-- [start:analogy_scores]
def analogy_scores(unit: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, method: str = "add") -> np.ndarray:
    """Scores of every candidate row for a batch of questions.

    Args:
        unit: ``(R, d)`` unit-length rows.
        a, b, c: ``(B,)`` row ids of the question words.
        method: ``"add"`` (3CosAdd) or ``"mul"`` (3CosMul); ``"3CosAdd"``/``"3CosMul"`` work too.

    Returns:
        ``(B, R)`` scores (query words not yet excluded).
    """
    method = _method(method)
    if method == "add":
        # cos(x, b) - cos(x, a) + cos(x, c) = x . (b - a + c) for unit rows
        return (unit[b] - unit[a] + unit[c]) @ unit.T  # (B, R)
    # 3CosMul with cosines shifted to [0, 1]
    ca, cb, cc = ((unit[ids] @ unit.T + 1.0) / 2.0 for ids in (a, b, c))  # (B, R) each
    return cb * cc / (ca + EPS)
# --8<-- [end:analogy_scores]


def _best_rows(lk: Lookup, a, b, c, method: str, batch_size: int | None) -> np.ndarray:
    """``(B,)`` predicted row per question, every variant of a, b, c excluded."""
    R = len(lk.key_of_row)
    if batch_size is None:
        batch_size = max(1, min(1024, (1 << 23) // max(R, 1)))  # about 64 MB per (B, R) array
    out = np.empty(len(a), dtype=np.int64)
    for s in range(0, len(a), batch_size):
        sl = slice(s, s + batch_size)
        scores = analogy_scores(lk.unit, a[sl], b[sl], c[sl], method)  # (B, R)
        keys = lk.key_of_row[None, :]  # (1, R)
        banned = (keys == a[sl, None]) | (keys == b[sl, None]) | (keys == c[sl, None])  # (B, R)
        scores[banned] = -np.inf
        out[sl] = np.argmax(scores, axis=1)
    return out


def analogy(
    vectors: Vectors,
    a: str,
    b: str,
    c: str,
    method: str = "add",
    topn: int = 1,
    restrict_vocab: int | None = None,
    case_insensitive: bool = False,
) -> list[tuple[str, float]]:
    """Answer "``a`` is to ``b`` as ``c`` is to ?" (``b - a + c``), query words excluded.

    Example: ``analogy(v, "man", "king", "woman")`` should give ``[("queen", ...)]``.

    Returns:
        ``[(word, score), ...]``, best first, ``topn`` long at most.

    Raises:
        KeyError: naming a query word that is not in the (restricted) vocabulary.
    """
    if isinstance(topn, bool) or not isinstance(topn, (int, np.integer)) or topn < 1:
        raise ValueError(f"topn must be an int >= 1, got {topn!r}")
    lk = Lookup.build(vectors, restrict_vocab, case_insensitive)
    ids = []
    for w in (a, b, c):
        r = lk.row(w)
        if r is None:
            raise KeyError(f"word {w!r} is not in the vocabulary (first {len(lk.words)} words)")
        ids.append(np.array([r]))
    scores = analogy_scores(lk.unit, *ids, method=method)[0]  # (R,)
    banned = np.isin(lk.key_of_row, np.concatenate(ids))
    scores[banned] = -np.inf
    order = np.argsort(-scores, kind="stable")[: min(topn, int((~banned).sum()))]
    return [(lk.words[i], float(scores[i])) for i in order]


def read_analogies(path: str | os.PathLike) -> dict[str, list[Question]]:
    """Read the Google analogy format: ``: section`` lines, then ``a b c d`` lines.

    Blank lines are skipped. A section named twice gathers both parts.

    Returns:
        ``{section: [(a, b, c, d), ...]}`` in file order.

    Raises:
        ValueError: naming the line for a question before any section or a line
            that does not hold exactly four words.
    """
    sections: dict[str, list[Question]] = {}
    current = None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(":"):
                current = line[1:].strip()
                sections.setdefault(current, [])
                continue
            if current is None:
                raise ValueError(f"{os.fspath(path)}, line {lineno}: question before any ': section' line")
            parts = line.split()
            if len(parts) != 4:
                raise ValueError(f"{os.fspath(path)}, line {lineno}: expected 4 words 'a b c d', got {line!r}")
            sections[current].append(tuple(parts))
    return sections


@dataclass(frozen=True)
class AnalogyReport:
    """Analogy accuracy, gensim's convention: questions with an out-of-vocabulary word are skipped.

    Attributes:
        method: ``"add"`` or ``"mul"``.
        sections: ``{section: (correct, answered)}``.
        questions: All questions read.
        oov: Questions skipped because a word is out of vocabulary.
    """

    method: str
    sections: dict[str, tuple[int, int]]
    questions: int
    oov: int

    @property
    def correct(self) -> int:
        return sum(c for c, _ in self.sections.values())

    @property
    def answered(self) -> int:
        return sum(t for _, t in self.sections.values())

    @property
    def accuracy(self) -> float:
        """Correct / answered (``nan`` if nothing could be answered)."""
        return self.correct / self.answered if self.answered else float("nan")

    @property
    def oov_share(self) -> float:
        """Share of questions skipped as out of vocabulary, in ``[0, 1]``."""
        return self.oov / self.questions if self.questions else float("nan")



    def section_accuracy(self, name: str) -> float:
        correct, total = self.sections[name]
        return correct / total if total else float("nan")

    def as_row(self) -> dict:
        """One summary row for `report_table`."""
        return {
            "benchmark": "analogies",
            "method": "3CosAdd" if self.method == "add" else "3CosMul",
            "accuracy": self.accuracy,
            "correct": self.correct,
            "answered": self.answered,
            "oov_share": self.oov_share,
        }

    def section_rows(self) -> list[dict]:
        """One row per section for `report_table`."""
        return [
            {"section": s, "accuracy": self.section_accuracy(s), "correct": c, "answered": t}
            for s, (c, t) in self.sections.items()
        ]

    def __str__(self) -> str:
        return (
            f"analogies ({self.as_row()['method']}): accuracy {self.accuracy:.4f} "
            f"({self.correct}/{self.answered}), {self.oov}/{self.questions} skipped as OOV "
            f"({100 * self.oov_share:.1f}%)"
        )


def evaluate_analogies(
    vectors: Vectors,
    questions: str | os.PathLike | Mapping[str, Sequence[Question]],
    method: str = "add",
    restrict_vocab: int | None = 300_000,
    case_insensitive: bool = True,
    batch_size: int | None = None,
) -> AnalogyReport:
    """Accuracy on an analogy set, per section and overall, as gensim's ``evaluate_word_analogies``.

    A question counts as answered only when all four words are among the first
    ``restrict_vocab`` words; the others are skipped and counted in
    ``oov``/``oov_share``. Candidates are the first ``restrict_vocab`` words
    minus the three query words (with ``case_insensitive``, minus every case
    variant of them, and a prediction is right if it equals ``d`` up to case).

    Args:
        vectors: The embeddings (most frequent words first, for ``restrict_vocab``).
        questions: A file in the Google format or the mapping from `read_analogies`.
        method: ``"add"`` (3CosAdd, gensim's) or ``"mul"`` (3CosMul).
        restrict_vocab: Use only the first words (``None``: all).
        case_insensitive: Compare words by ``str.upper()`` (gensim's default).
        batch_size: Questions scored at once (default: sized to about 64 MB).
    """
    method = _method(method)
    if not isinstance(questions, Mapping):
        questions = read_analogies(questions)
    lk = Lookup.build(vectors, restrict_vocab, case_insensitive)
    sections, n_questions, oov = {}, 0, 0
    for name, quads in questions.items():
        ids = []
        for q in quads:
            n_questions += 1
            rows = [lk.row(w) for w in q]
            if None in rows:
                oov += 1
            else:
                ids.append(rows)
        if not ids:
            sections[name] = (0, 0)
            continue
        a, b, c, d = np.array(ids, dtype=np.int64).T  # (B,) each
        pred = _best_rows(lk, a, b, c, method, batch_size)  # (B,)
        sections[name] = (int(np.sum(lk.key_of_row[pred] == d)), len(ids))
    return AnalogyReport(method, sections, n_questions, oov)

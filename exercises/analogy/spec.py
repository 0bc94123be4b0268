"""Grading spec of the 3CosAdd analogy exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.embeddings.evaluation import analogy, analogy_scores, unit_rows
from textbook.embeddings.vectors import Vectors
from textbook.grading.spec import Compare, Exercise, Hint, Limits


def scores_reference(E, a, b, c):
    return analogy_scores(unit_rows(E), a, b, c, method="add")


def solve_reference(E, a, b, c):
    """The library's analogy solver, one question at a time (words are named w0, w1, ...)."""
    vecs = Vectors([f"w{i}" for i in range(E.shape[0])], E)
    answers = [analogy(vecs, f"w{i}", f"w{j}", f"w{k}", method="add")[0][0] for i, j, k in zip(a, b, c)]
    return np.array([int(w[1:]) for w in answers], dtype=np.int64)


def _questions(rng, V, Q, distinct=True):
    if distinct:
        abc = np.array([rng.choice(V, 3, replace=False) for _ in range(Q)])
    else:
        abc = rng.integers(0, V, (Q, 3))
    return abc[:, 0], abc[:, 1], abc[:, 2]


def _case(fn, rng, V=12, d=5, Q=6, scales=False, distinct=True, name=""):
    E = rng.normal(size=(V, d))
    if scales:
        E *= 10.0 ** rng.uniform(-2, 2, size=(V, 1))
    a, b, c = _questions(rng, V, Q, distinct)
    return Case(fn, (E, a, b, c), name=name)


def scores_case(rng):
    return _case("analogy_scores", rng, name="12 words, d=5, 6 questions")


def solve_case(rng):
    return _case("solve_analogies", rng, name="12 words, d=5, 6 questions")


def solve_near_query(rng):
    V, Q = 12, 4
    E = rng.normal(size=(V, 5))
    a = rng.permutation(V)[:Q]
    rest = np.setdiff1d(np.arange(V), a)
    b, c = rest[:Q], rest[Q:2 * Q]
    E[c] = E[a] + 0.01 * rng.normal(size=(Q, 5))  # b - a + c is closest to b itself
    return Case("solve_analogies", (E, a, b, c), name="the nearest vector is a query word")


def solve_scales(rng):
    return _case("solve_analogies", rng, V=15, scales=True, name="rows of very different lengths")


def scores_scales(rng):
    return _case("analogy_scores", rng, V=15, scales=True, name="rows of very different lengths")


def solve_repeated(rng):
    return _case("solve_analogies", rng, V=10, Q=8, distinct=False, name="repeated query words (a == c, ...)")


EXERCISE = Exercise(
    slug="analogy",
    title="Word analogies with 3CosAdd",
    starter="analogy.py",
    functions=("analogy_scores", "solve_analogies"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="3CosAdd scores", cases=scores_case, reference=scores_reference, points=2, rtol=1e-9,
                atol=1e-12, hint="normalise the rows first; score[q, x] = cos(x, b) - cos(x, a) + cos(x, c)"),
        Compare(name="answers", cases=solve_case, reference=solve_reference, points=2,
                hint="the answer is the argmax of the scores over words other than a, b and c"),
        Compare(name="query words excluded", cases=solve_near_query, reference=solve_reference, points=1,
                hidden=True, n=2, hint="set the scores of a, b and c to -inf before the argmax"),
        Compare(name="rows of very different lengths", cases=solve_scales, reference=solve_reference,
                points=1, hidden=True, n=2, hint="cosines need unit rows: divide by the row norms"),
        Compare(name="scores, rows of very different lengths", cases=scores_scales,
                reference=scores_reference, points=1, hidden=True, rtol=1e-9, atol=1e-12),
        Compare(name="repeated query words", cases=solve_repeated, reference=solve_reference, points=1,
                hidden=True, n=2),
    ),
    hints=(
        Hint("your scores are right but the answers are not: exclude the three query words of each "
             "question and take the argmax along the word axis.", failed=("answers",),
             passed=("3CosAdd scores",)),
    ),
)

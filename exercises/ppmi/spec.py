"""Grading spec of the PMI / PPMI exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.grading.spec import CheckFailed, Compare, Exercise, Hint, Limits, Property, expect_array

PMI = "textbook.embeddings.pmi:pmi"
PPMI = "textbook.embeddings.pmi:ppmi"


def _counts(rng, V, zero_share=0.4, symmetric=True):
    X = rng.integers(1, 20, size=(V, V)).astype(np.float64)
    X[rng.random((V, V)) < zero_share] = 0.0
    ring = (np.arange(V), (np.arange(V) + 1) % V)
    X[ring] = np.maximum(X[ring], 1.0)               # every word occurs (rows and columns non-zero)
    return X + X.T if symmetric else X


def pmi_case(rng):
    return Case("pmi", (_counts(rng, int(rng.integers(4, 8))),), name="symmetric integer counts")


def ppmi_case(rng):
    return Case("ppmi", (_counts(rng, int(rng.integers(4, 8))),), name="symmetric integer counts")


def _unseen(rng, fn):
    X = _counts(rng, 7)
    dead = rng.choice(np.arange(2, 7), 2, replace=False)
    X[dead, :] = 0.0
    X[:, dead] = 0.0
    return Case(fn, (X,), name=f"words {sorted(int(d) for d in dead)} never occur")


def pmi_unseen(rng):
    return _unseen(rng, "pmi")


def ppmi_unseen(rng):
    return _unseen(rng, "ppmi")


def ppmi_fractional(rng):
    X = _counts(rng, 12, symmetric=False) * rng.random((12, 12))
    return Case("ppmi", (X,), name="asymmetric fractional counts, 12 words")


def ppmi_properties(case, out):
    X = case.args[0]
    P = expect_array(out, "ppmi(counts)", shape=X.shape, kinds="f")
    if not np.all(np.isfinite(P)):
        raise CheckFailed("PPMI must be finite everywhere (0 where the count is 0), found NaN or inf")
    if np.any(P < 0):
        i = np.unravel_index(int(np.argmin(P)), P.shape)
        raise CheckFailed(f"PPMI must be >= 0, found {P[i]:.4g} at {tuple(int(k) for k in i)}")
    if np.any(P[X == 0] != 0):
        raise CheckFailed("PPMI must be 0 where the co-occurrence count is 0")


EXERCISE = Exercise(
    slug="ppmi",
    title="PMI and positive PMI from co-occurrence counts",
    starter="ppmi.py",
    functions=("pmi", "ppmi"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="pmi values", cases=pmi_case, reference=PMI, points=2, rtol=1e-9, atol=1e-12,
                hint="PMI = log(X[w, c] * N / (X_w * X_c)), -inf where X[w, c] = 0"),
        Compare(name="ppmi values", cases=ppmi_case, reference=PPMI, points=2, rtol=1e-9, atol=1e-12,
                hint="PPMI = max(PMI, 0), and 0 where X[w, c] = 0"),
        Property(name="ppmi is finite, non-negative, 0 where the count is 0", cases=ppmi_case,
                 test=ppmi_properties, points=1),
        Compare(name="pmi, words that never occur", cases=pmi_unseen, reference=PMI, points=1, hidden=True,
                rtol=1e-9, atol=1e-12, hint="rows and columns of zeros must give -inf, not NaN (0/0)"),
        Compare(name="ppmi, words that never occur", cases=ppmi_unseen, reference=PPMI, points=1, hidden=True,
                rtol=1e-9, atol=1e-12, hint="rows and columns of zeros must give 0, not NaN (0/0)"),
        Compare(name="ppmi, asymmetric fractional counts", cases=ppmi_fractional, reference=PPMI, points=1,
                hidden=True, rtol=1e-9, atol=1e-12,
                hint="X_w sums a row (axis=1), X_c a column (axis=0)"),
    ),
    hints=(
        Hint("pmi is right but ppmi is not: clip at 0 with np.maximum(pmi, 0), which also turns -inf into 0.",
             failed=("ppmi values",), passed=("pmi values",)),
    ),
)

"""Grading spec of the subsampling and skip-gram pairs exercise (see README.md).

The random draws are inputs here (``uniforms``, ``spans``), so each answer is exact.  The
references are the library's functions, fed those draws through a generator that replays them.
"""

import numpy as np

from textbook.core.testing import Case
from textbook.data import sampling, windows
from textbook.grading.spec import CheckFailed, Compare, Exercise, Hint, Limits, expect_array


class Replay(np.random.Generator):
    """A generator whose next ``random``/``integers`` call returns the given draws."""

    def __init__(self, draws):
        super().__init__(np.random.PCG64(0))
        self.draws = np.asarray(draws)

    def _next(self, size):
        if int(np.prod(size)) != self.draws.size:
            raise AssertionError(f"the library drew {size} numbers, {self.draws.size} were given")
        return self.draws.reshape(size)

    def random(self, size=None, *args, **kwargs):
        return self._next(size)

    def integers(self, low, high=None, size=None, *args, **kwargs):
        return self._next(size)


def subsample_reference(ids, keep_prob, uniforms):
    return sampling.subsample(ids, keep_prob, Replay(uniforms))


def pairs_reference(ids, window, spans):
    return windows.skipgram_pairs([ids], window, Replay(spans))


def sorted_pairs(out):
    """Pairs may come in any order: sort them by (centre, context)."""
    if not isinstance(out, (list, tuple)) or len(out) != 2:
        raise CheckFailed("skipgram_pairs should return a tuple (centers, contexts)")
    c = expect_array(out[0], "centers", kinds="iu")
    x = expect_array(out[1], "contexts", kinds="iu")
    if c.ndim != 1 or c.shape != x.shape:
        raise CheckFailed(f"centers and contexts should be 1-D arrays of equal length, got shapes "
                          f"{c.shape} and {x.shape}")
    order = np.lexsort((x, c))
    return [c[order].astype(np.int64), x[order].astype(np.int64)]


def keep_case(rng):
    counts = rng.integers(1, 5000, size=int(rng.integers(5, 15)))
    return Case("keep_probabilities", (counts,), {"sample": float(rng.choice([1e-3, 1e-2, 0.05]))},
                name=f"{counts.size} words")


def keep_edge(rng):
    counts = rng.integers(0, 100, size=12).astype(np.float64)
    counts[:2] = [0.0, 5000.0]
    return Case("keep_probabilities", (counts,), {"sample": float(rng.choice([0.0, 1e-3]))},
                name="a word with count 0; sample 0 or 1e-3")


def subsample_case(rng, n=40, edge=False):
    V = 8
    keep = rng.random(V)
    ids = rng.integers(0, V, n)
    u = rng.random(n)
    if edge:
        keep[:3] = [0.0, 1.0, 0.5]
        u[:4] = [0.0, 0.5, 0.9999, 0.5]
        ids[:4] = [1, 2, 0, 2]
    return Case("subsample", (ids, keep, u), name="with u == p and p in {0, 1}" if edge else f"{n} tokens")


def subsample_edge(rng):
    return subsample_case(rng, edge=True)


def pairs_case(rng, n=None, window=None):
    n = int(rng.integers(6, 12)) if n is None else n
    window = int(rng.integers(1, 4)) if window is None else window
    ids = rng.integers(0, 20, n)
    spans = rng.integers(1, window + 1, n)
    return Case("skipgram_pairs", (ids, window, spans), name=f"{n} tokens, window {window}")


def pairs_short(rng):
    return pairs_case(rng, n=int(rng.integers(1, 4)), window=5)


def pairs_long(rng):
    return pairs_case(rng, n=200, window=5)


EXERCISE = Exercise(
    slug="subsampling",
    title="Frequent-word subsampling and skip-gram pairs",
    starter="subsampling.py",
    functions=("keep_probabilities", "subsample", "skipgram_pairs"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="keep probabilities", cases=keep_case, reference="textbook.data.sampling:keep_probabilities",
                points=2, rtol=1e-9, atol=1e-12,
                hint="t = sample * total count; p = min(1, sqrt(t / c) + t / c)"),
        Compare(name="subsample", cases=subsample_case, reference=subsample_reference, points=1,
                hint="keep token i when uniforms[i] < keep_prob[ids[i]], in order"),
        Compare(name="skip-gram pairs", cases=pairs_case, reference=pairs_reference, transform=sorted_pairs,
                points=2, hint="position i pairs with every j != i such that |i - j| <= spans[i]"),
        Compare(name="keep probabilities, edge cases", cases=keep_edge,
                reference="textbook.data.sampling:keep_probabilities", points=1, hidden=True, n=2,
                rtol=1e-9, atol=1e-12, hint="sample = 0 keeps everything; a word with count 0 gets 1"),
        Compare(name="subsample, edge cases", cases=subsample_edge, reference=subsample_reference, points=1,
                hidden=True, n=2, hint="strictly less than: u == p drops the token"),
        Compare(name="skip-gram pairs, short sentences", cases=pairs_short, reference=pairs_reference,
                transform=sorted_pairs, points=1, hidden=True, hint="windows stop at the sentence's ends"),
        Compare(name="skip-gram pairs, long sentence", cases=pairs_long, reference=pairs_reference,
                transform=sorted_pairs, points=1, hidden=True, n=2),
    ),
    hints=(
        Hint("your keep probabilities are right but subsample is not: compare u with the keep probability "
             "of each token's word, keep_prob[ids].", failed=("subsample",), passed=("keep probabilities",)),
    ),
)

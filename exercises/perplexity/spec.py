"""Grading spec of the perplexity exercise (see README.md)."""

import math

import numpy as np

from textbook.core.numerics.numpy_impl import softmax_cross_entropy
from textbook.core.testing import Case
from textbook.grading.spec import CheckFailed, Compare, Exercise, Hint, Limits, Property, expect_scalar


def reference_cross_entropy(logits, targets, mask):
    """Mean of the library's stable ``softmax_cross_entropy`` over the real tokens."""
    ce = softmax_cross_entropy(logits, targets)                   # (B, T)
    return float(np.sum(ce * mask) / np.sum(mask))


def reference_perplexity(logits, targets, mask):
    return math.exp(reference_cross_entropy(logits, targets, mask))


def _case(rng, fn, B=3, T=5, V=7, scale=2.0, pad=True, name=""):
    logits = rng.normal(0, scale, (B, T, V))
    targets = rng.integers(0, V, (B, T))
    lengths = rng.integers(1, T + 1, B) if pad else np.full(B, T)
    mask = np.arange(T)[None, :] < lengths[:, None]
    return Case(fn, (logits, targets, mask), name=name)


def ce_case(rng):
    return _case(rng, "cross_entropy", name="B=3, T=5, V=7, padded")


def ppl_case(rng):
    return _case(rng, "perplexity", name="B=3, T=5, V=7, padded")


def uniform_case(rng):
    V = int(rng.integers(5, 40))
    logits = np.full((2, 4, V), float(rng.normal()))
    return Case("perplexity", (logits, rng.integers(0, V, (2, 4)), np.ones((2, 4), dtype=bool)), name=f"V={V}")


def uniform_is_v(case, out):
    V = case.args[0].shape[-1]
    got = expect_scalar(out, "perplexity(...)")
    if not abs(got - V) <= 1e-9 * V:
        raise CheckFailed(f"equal logits for all {V} tokens must give a perplexity of exactly V = {V}, got {got!r}")


def padding_garbage(rng):
    case = _case(rng, "cross_entropy", name="padded positions hold huge logits and any target")
    logits, targets, mask = case.args
    logits[~mask] = 1e6 * rng.choice([-1.0, 1.0], size=logits[~mask].shape)
    targets[~mask] = rng.integers(0, logits.shape[-1], size=int((~mask).sum()))
    return Case("cross_entropy", (logits, targets, mask), name=case.name)


def huge_logits(rng):
    return _case(rng, "cross_entropy", scale=1e4, name="logits of about 1e4")


def one_token(rng):
    logits = rng.normal(size=(2, 3, 6))
    mask = np.zeros((2, 3), dtype=bool)
    mask[1, 0] = True
    return Case("perplexity", (logits, rng.integers(0, 6, (2, 3)), mask), name="one real token")


EXERCISE = Exercise(
    slug="perplexity",
    title="Cross-entropy and perplexity from logits",
    starter="perplexity.py",
    functions=("cross_entropy", "perplexity"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="cross-entropy", cases=ce_case, reference=reference_cross_entropy, points=2, rtol=1e-9,
                hint="-log softmax(z)[y] = logsumexp(z) - z[y], averaged over the tokens where mask is True"),
        Compare(name="perplexity", cases=ppl_case, reference=reference_perplexity, points=1, rtol=1e-9,
                hint="perplexity = exp(mean cross-entropy), not the mean of exp(cross-entropy)"),
        Property(name="uniform logits give a perplexity of V", cases=uniform_case, test=uniform_is_v, points=1),
        Compare(name="padding is ignored", cases=padding_garbage, reference=reference_cross_entropy, points=1,
                hidden=True, rtol=1e-9, hint="padded positions must not enter the sum nor the count"),
        Compare(name="logits of 1e4", cases=huge_logits, reference=reference_cross_entropy, points=1, hidden=True,
                rtol=1e-9, hint="subtract the row maximum before exponentiating (log-sum-exp)"),
        Compare(name="one real token", cases=one_token, reference=reference_perplexity, points=1, hidden=True,
                rtol=1e-9),
    ),
    hints=(
        Hint("The cross-entropy is right but the perplexity is not: it is the exponential of the MEAN "
             "cross-entropy.", failed=("perplexity",), passed=("cross-entropy",)),
    ),
)

"""Grading spec of the skip-gram negative-sampling exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.embeddings.word2vec import Config
from textbook.grading.spec import Compare, Exercise, GradCheck, Hint, Limits

REFERENCE = "textbook.embeddings.word2vec.numpy_impl:loss_and_grad"


def _case(rng, V, d, B, k, scale=0.5, distinct=None, name=""):
    config = Config(vocab_size=V, dim=d, model="skipgram", objective="neg", negatives=k, window=2)
    params = {"W_in": rng.normal(0.0, scale, (V, d)), "W_out": rng.normal(0.0, scale, (V, d))}
    hi = distinct or V                       # few distinct ids: many repeated rows
    batch = {"center": rng.integers(0, hi, B), "context": rng.integers(0, hi, B),
             "negatives": rng.integers(0, hi, (B, k))}
    return Case("loss_and_grad", (params, batch, config), name=name)


def small(rng):
    return _case(rng, V=int(rng.integers(6, 10)), d=3, B=4, k=2, name="V<=9, d=3, B=4, k=2")


def repeated(rng):
    return _case(rng, V=6, d=4, B=8, k=3, distinct=3, name="repeated ids")


def large_scores(rng):
    return _case(rng, V=7, d=16, B=5, k=3, scale=12.0, name="scores in the hundreds")


def bigger(rng):
    return _case(rng, V=40, d=10, B=32, k=5, name="V=40, d=10, B=32, k=5")


EXERCISE = Exercise(
    slug="sgns",
    title="Skip-gram with negative sampling: loss and gradients",
    starter="sgns.py",
    functions=("loss_and_grad",),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="loss", cases=small, reference=REFERENCE, output=(0,), points=2,
                hint="the loss is the MEAN over the batch of -log sigma(u_o.h) - sum_k log sigma(-u_k.h)"),
        Compare(name="gradient dW_in", cases=small, reference=REFERENCE, output=(1, "W_in"), points=2,
                atol=1e-10, hint="dl/dh = (sigma(s+) - 1) u_o + sum_k sigma(s_k) u_k, added to row W_in[center], "
                                 "divided by B"),
        Compare(name="gradient dW_out", cases=small, reference=REFERENCE, output=(1, "W_out"), points=2,
                atol=1e-10, hint="row o gets (sigma(s+) - 1) h and each negative row gets +sigma(s_k) h, "
                                 "divided by B"),
        GradCheck(name="gradient agrees with finite differences of your loss", cases=small, n=2,
                  reference=REFERENCE, points=1, requires=("loss",),
                  hint="your gradient is not the derivative of your own loss: the bug is in the backward pass"),
        Compare(name="repeated ids", cases=repeated, reference=REFERENCE, points=2, hidden=True, atol=1e-10,
                hint="a word used twice in a batch gets both gradient rows: np.add.at(dW, ids, rows) "
                     "(dW[ids] += rows keeps only one)"),
        Compare(name="large scores", cases=large_scores, reference=REFERENCE, points=1, hidden=True,
                n=2, atol=1e-10, hint="compute -log sigma(s) stably, e.g. np.logaddexp(0, -s)"),
        Compare(name="larger batch", cases=bigger, reference=REFERENCE, points=1, hidden=True, n=2,
                atol=1e-10),
    ),
    hints=(
        Hint("dW_in is right but dW_out is wrong: look at the gradient of the negative-sample term "
             "(d/du_k of -log sigma(-u_k.h) is +sigma(u_k.h) h) and at repeated rows.",
             failed=("gradient dW_out",), passed=("gradient dW_in",)),
        Hint("dW_out is right but dW_in is wrong: dl/dh sums the positive and the k negative terms, and "
             "repeated centre words must add up.", failed=("gradient dW_in",), passed=("gradient dW_out",)),
        Hint("both gradients are right but the loss is not: check the mean over the batch and the signs "
             "inside log sigma.", failed=("loss",), passed=("gradient dW_in", "gradient dW_out")),
    ),
)

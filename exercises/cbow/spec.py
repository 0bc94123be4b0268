"""Grading spec of the CBOW negative-sampling exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.embeddings.word2vec import Config
from textbook.grading.spec import Compare, Exercise, GradCheck, Hint, Limits

REFERENCE = "textbook.embeddings.word2vec.numpy_impl:loss_and_grad"


def _case(rng, V, d, B, k, w, scale=0.5, keep=0.7, distinct=None, padding="zero", name=""):
    config = Config(vocab_size=V, dim=d, model="cbow", objective="neg", negatives=k, window=w)
    params = {"W_in": rng.normal(0.0, scale, (V, d)), "W_out": rng.normal(0.0, scale, (V, d))}
    hi = distinct or V
    mask = rng.random((B, 2 * w)) < keep                          # (B, 2w) real context slots
    mask[np.arange(B), rng.integers(0, 2 * w, B)] = True          # at least one per row
    ids = rng.integers(0, hi, (B, 2 * w))
    context = np.where(mask, ids, 0 if padding == "zero" else rng.integers(0, V, (B, 2 * w)))
    batch = {"context": context, "context_mask": mask, "center": rng.integers(0, hi, B),
             "negatives": rng.integers(0, hi, (B, k))}
    return Case("loss_and_grad", (params, batch, config), name=name)


def small(rng):
    return _case(rng, V=int(rng.integers(6, 10)), d=3, B=4, k=2, w=2, name="V<=9, d=3, B=4, k=2, window 2")


def one_word_windows(rng):
    return _case(rng, V=8, d=4, B=6, k=2, w=3, keep=0.0, name="one context word per window")


def repeated(rng):
    return _case(rng, V=6, d=4, B=8, k=3, w=2, distinct=3, keep=0.9, name="repeated ids in a window")


def padding_ids(rng):
    return _case(rng, V=9, d=3, B=6, k=2, w=3, keep=0.5, padding="random",
                 name="masked slots hold arbitrary ids")


def large_scores(rng):
    return _case(rng, V=7, d=16, B=5, k=3, w=2, scale=12.0, keep=1.0, name="scores in the hundreds")


EXERCISE = Exercise(
    slug="cbow",
    title="CBOW with negative sampling: loss and gradients",
    starter="cbow.py",
    functions=("loss_and_grad",),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="loss", cases=small, reference=REFERENCE, output=(0,), points=2,
                hint="h is the MEAN of the unmasked context rows of W_in; the loss is the mean over the batch"),
        Compare(name="gradient dW_in", cases=small, reference=REFERENCE, output=(1, "W_in"), points=2,
                atol=1e-10, hint="each unmasked context row gets dl/dh divided by the number of words in "
                                 "its window (and by B)"),
        Compare(name="gradient dW_out", cases=small, reference=REFERENCE, output=(1, "W_out"), points=2,
                atol=1e-10, hint="row center gets (sigma(s+) - 1) h, each negative row +sigma(s_k) h, / B"),
        GradCheck(name="gradient agrees with finite differences of your loss", cases=small, n=2,
                  reference=REFERENCE, points=1, requires=("loss",),
                  hint="your gradient is not the derivative of your own loss: the bug is in the backward pass"),
        Compare(name="one-word windows", cases=one_word_windows, reference=REFERENCE, points=1, hidden=True,
                n=2, atol=1e-10),
        Compare(name="repeated ids", cases=repeated, reference=REFERENCE, points=1, hidden=True, atol=1e-10,
                hint="a word used twice gets both gradient rows: np.add.at(dW, ids, rows)"),
        Compare(name="masked slots ignored", cases=padding_ids, reference=REFERENCE, points=1, hidden=True,
                atol=1e-10, hint="slots whose mask is False may hold any id: they must not count at all"),
        Compare(name="large scores", cases=large_scores, reference=REFERENCE, points=1, hidden=True, n=2,
                atol=1e-10, hint="compute -log sigma(s) stably, e.g. np.logaddexp(0, -s)"),
    ),
    hints=(
        Hint("dW_out is right but dW_in is wrong: spread dl/dh over the unmasked context words, each "
             "getting 1/n of it (n = words in that window).", failed=("gradient dW_in",),
             passed=("gradient dW_out",)),
        Hint("dW_in is right but dW_out is wrong: look at the sign of the negative-sample term and at "
             "repeated rows.", failed=("gradient dW_out",), passed=("gradient dW_in",)),
    ),
)

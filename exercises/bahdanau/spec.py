"""Grading spec of the Bahdanau attention exercise (see README.md)."""

from types import SimpleNamespace

import numpy as np

from textbook.core.testing import Case
from textbook.grading.spec import CheckFailed, Compare, Exercise, Hint, Limits, Property
from textbook.sequence.seq2seq import numpy_impl as s2s

CONFIG = SimpleNamespace(attention="bahdanau")


def _library(params, H, mask=None):
    lib = {"attn.W_s": params["W_s"], "attn.W_h": params["W_h"], "attn.v": params["v"]}
    memory = {"keys": H, "proj": H @ params["W_h"].T, "mask": np.ones(H.shape[:2], bool) if mask is None else mask}
    return lib, memory


def reference_scores(params, s_prev, H):
    """The library's additive score (S2S-4) at every position."""
    lib, memory = _library(params, H)
    return s2s.scores(lib, s_prev, memory, CONFIG)[0]


def reference_masked_softmax(scores, mask):
    return s2s.masked_softmax(scores, mask)


def reference_attend(params, s_prev, H, mask):
    lib, memory = _library(params, H, mask)
    return s2s.attend(lib, s_prev, memory, CONFIG)


def _inputs(rng, B=3, S=6, Hd=4, A=5, scale=1.0, pad=True):
    params = {"W_s": rng.normal(0, scale, (A, Hd)), "W_h": rng.normal(0, scale, (A, Hd)), "v": rng.normal(0, scale, A)}
    lengths = rng.integers(1, S + 1, B) if pad else np.full(B, S)
    lengths[0] = S
    mask = np.arange(S)[None, :] < lengths[:, None]
    H = rng.normal(size=(B, S, Hd)) * mask[..., None]
    return params, rng.normal(size=(B, Hd)), H, mask


def scores_case(rng):
    params, s_prev, H, _ = _inputs(rng)
    return Case("additive_scores", (params, s_prev, H), name="B=3, S=6, H=4, A=5")


def softmax_case(rng):
    _, _, _, mask = _inputs(rng)
    return Case("masked_softmax", (rng.normal(0, 2.0, mask.shape), mask), name="B=3, S=6, padded")


def attend_case(rng):
    return Case("attend", _inputs(rng), name="B=3, S=6, H=4, A=5, padded")


def sums_to_one(case, out):
    weights, _ = out
    weights, mask = np.asarray(weights, dtype=float), case.args[3]
    if np.any(weights[~mask] != 0.0):
        raise CheckFailed("padded positions must get a weight of exactly 0 (not just a small number)")
    if not np.allclose(weights.sum(axis=1), 1.0, rtol=1e-12, atol=1e-12):
        raise CheckFailed(f"each row of weights must sum to 1 over the real positions, got {weights.sum(axis=1)}")


def huge_scores(rng):
    _, _, _, mask = _inputs(rng)
    return Case("masked_softmax", (1e4 * rng.choice([-1.0, 1.0], size=mask.shape), mask), name="scores of +-1e4")


def garbage_padding(rng):
    params, s_prev, H, mask = _inputs(rng)
    H = np.where(mask[..., None], H, 1e3 * rng.normal(size=H.shape))
    return Case("attend", (params, s_prev, H, mask), name="padded encoder states hold large garbage")


def one_token(rng):
    params, s_prev, H, mask = _inputs(rng, B=2, S=4)
    mask[1] = [True, False, False, False]
    return Case("attend", (params, s_prev, H * mask[..., None], mask), name="a source of one token")


EXERCISE = Exercise(
    slug="bahdanau",
    title="Bahdanau attention: additive scores, masked softmax, context",
    starter="bahdanau.py",
    functions=("additive_scores", "masked_softmax", "attend"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="additive scores", cases=scores_case, reference=reference_scores, points=2, rtol=1e-9,
                atol=1e-12, hint="e_i = v . tanh(W_s s + W_h h_i): W_s s is (B, A), W_h h_i is (B, S, A); "
                                 "broadcast the first over the S positions"),
        Compare(name="masked softmax", cases=softmax_case, reference=reference_masked_softmax, points=2, rtol=1e-9,
                atol=1e-12, hint="softmax over the positions where mask is True only; the others get 0"),
        Compare(name="weights and context", cases=attend_case, reference=reference_attend, points=2, rtol=1e-9,
                atol=1e-12, hint="c = sum_i a_i h_i, a (B, S) and H (B, S, H): one einsum or a[:, :, None] * H"),
        Property(name="weights sum to 1 and are exactly 0 on padding", cases=attend_case, test=sums_to_one,
                 points=1),
        Compare(name="scores of 1e4", cases=huge_scores, reference=reference_masked_softmax, points=1, hidden=True,
                rtol=1e-9, atol=1e-12, hint="subtract the maximum over the REAL positions before exponentiating"),
        Compare(name="garbage in the padding", cases=garbage_padding, reference=reference_attend, points=1,
                hidden=True, rtol=1e-9, atol=1e-9,
                hint="a weight of 0 times a huge padded state is still 0, but exp(-inf) tricks can give NaN"),
        Compare(name="one real token", cases=one_token, reference=reference_attend, points=1, hidden=True,
                rtol=1e-9, atol=1e-12),
    ),
    hints=(
        Hint("The scores are right but the weights are not: the softmax must ignore padded positions, both in "
             "the numerator and in the sum.", failed=("masked softmax",), passed=("additive scores",)),
    ),
)

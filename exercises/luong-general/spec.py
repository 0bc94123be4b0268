"""Grading spec of the Luong general attention exercise (see README.md)."""

from types import SimpleNamespace

import numpy as np

from textbook.core.testing import Case
from textbook.grading.spec import CheckFailed, Compare, Exercise, Hint, Limits, Property, expect_array
from textbook.sequence.seq2seq import numpy_impl as s2s

CONFIG = SimpleNamespace(attention="luong-general")


def _memory(H, mask):
    return {"keys": H, "mask": mask}


def reference_scores(W, s, H):
    """The library's general score (S2S-4g) at every position."""
    return s2s.scores({"attn.W": W}, s, _memory(H, np.ones(H.shape[:2], bool)), CONFIG)[0]


def reference_weights(W, s, H, mask):
    return s2s.attend({"attn.W": W}, s, _memory(H, mask), CONFIG)[0]


def reference_context_grad_W(W, s, H, mask, dc):
    """The library's backward pass (S2S-15)-(S2S-17) from dL/dc = dc."""
    memory = _memory(H, mask)
    _, _, cache = s2s.attend_with_cache({"attn.W": W}, s, memory, CONFIG)
    grads, d_memory = {}, {"keys": np.zeros_like(H)}
    s2s.attend_backward({"attn.W": W}, dc, memory, cache, CONFIG, grads, d_memory)
    return grads["attn.W"]


def _inputs(rng, B=3, S=5, Hd=4, scale=0.7):
    lengths = rng.integers(1, S + 1, B)
    lengths[0] = S
    mask = np.arange(S)[None, :] < lengths[:, None]
    H = rng.normal(size=(B, S, Hd)) * mask[..., None]
    return rng.normal(0, scale, (Hd, Hd)), rng.normal(size=(B, Hd)), H, mask


def scores_case(rng):
    W, s, H, _ = _inputs(rng)
    return Case("general_scores", (W, s, H), name="B=3, S=5, H=4")


def weights_case(rng):
    return Case("attention_weights", _inputs(rng), name="B=3, S=5, H=4, padded")


def grad_case(rng):
    W, s, H, mask = _inputs(rng)
    return Case("context_grad_W", (W, s, H, mask, rng.normal(size=s.shape)), name="B=3, S=5, H=4, padded")


def matches_finite_differences(case, out):
    """Central differences of L(W) = sum(c * dc), with c from the reference forward pass."""
    W, s, H, mask, dc = case.args
    got = expect_array(out, "context_grad_W(...)", W.shape)
    eps, num = 1e-6, np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        Wp, Wm = W.copy(), W.copy()
        Wp[idx] += eps
        Wm[idx] -= eps
        lp = np.sum(np.einsum("bs,bsh->bh", reference_weights(Wp, s, H, mask), H) * dc)
        lm = np.sum(np.einsum("bs,bsh->bh", reference_weights(Wm, s, H, mask), H) * dc)
        num[idx] = (lp - lm) / (2 * eps)
    if not np.allclose(got, num, rtol=1e-5, atol=1e-7):
        worst = np.unravel_index(np.argmax(np.abs(got - num)), W.shape)
        raise CheckFailed(f"dL/dW{list(worst)} = {got[worst]!r} but finite differences give {num[worst]!r}")


def wide_case(rng):
    W, s, H, mask = _inputs(rng, B=4, S=9, Hd=6)
    return Case("context_grad_W", (W, s, H, mask, rng.normal(size=s.shape)), name="B=4, S=9, H=6")


def one_token(rng):
    W, s, H, mask = _inputs(rng, B=2, S=4)
    mask[1] = [True, False, False, False]
    H = H * mask[..., None]
    return Case("context_grad_W", (W, s, H, mask, rng.normal(size=s.shape)), name="a source of one token")


def huge_scores(rng):
    W, s, H, mask = _inputs(rng)
    return Case("attention_weights", (W * 300.0, s * 10, H, mask), name="scores in the thousands")


EXERCISE = Exercise(
    slug="luong-general",
    title="Luong's general attention: scores, weights and the gradient of the context with respect to W",
    starter="luong_general.py",
    functions=("general_scores", "attention_weights", "context_grad_W"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="general scores", cases=scores_case, reference=reference_scores, points=2, rtol=1e-9,
                atol=1e-12, hint="e_i = s^T W h_i: compute q = s @ W once (B, H), then a dot product with each h_i"),
        Compare(name="attention weights", cases=weights_case, reference=reference_weights, points=2, rtol=1e-9,
                atol=1e-12, hint="a softmax over the real positions only; padded positions get exactly 0"),
        Compare(name="gradient dW", cases=grad_case, reference=reference_context_grad_W, points=3, rtol=1e-7,
                atol=1e-10, hint="da_i = h_i . dc; de_i = a_i (da_i - sum_j a_j da_j); dW = sum_b s_b r_b^T "
                                 "with r_b = sum_i de_i h_i"),
        Property(name="gradient agrees with finite differences", cases=grad_case, test=matches_finite_differences,
                 points=1, hint="check the softmax's Jacobian: a_i (delta_ij - a_j)"),
        Compare(name="larger shapes", cases=wide_case, reference=reference_context_grad_W, points=1, hidden=True,
                rtol=1e-7, atol=1e-10),
        Compare(name="one real token", cases=one_token, reference=reference_context_grad_W, points=1, hidden=True,
                rtol=1e-7, atol=1e-10, hint="with one real token its weight is always 1: dW must be 0"),
        Compare(name="scores in the thousands", cases=huge_scores, reference=reference_weights, points=1,
                hidden=True, rtol=1e-9, atol=1e-12, hint="subtract the maximum over the real positions first"),
    ),
    hints=(
        Hint("The weights are right but dW is not: the gradient must go through the softmax's Jacobian, "
             "not just through the scores.", failed=("gradient dW",), passed=("attention weights",)),
    ),
)

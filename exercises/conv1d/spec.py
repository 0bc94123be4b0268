"""Grading spec of the 1-D convolution exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.grading.spec import Compare, Exercise, GradCheck, Hint, Limits
from textbook.sequence.conv import numpy_impl as conv

FORWARD = "textbook.sequence.conv.numpy_impl:conv1d"


def reference_loss_and_grad(params, dy, dilation=1, padding="valid"):
    """L = sum(conv1d(x, w, b) * dy) and its gradients, from the library's forward and backward passes."""
    y = conv.conv1d(params["x"], params["w"], params["b"], dilation=dilation, padding=padding)
    return float(np.sum(y * dy)), conv.conv1d_backward(dy, params["x"], params["w"], dilation=dilation,
                                                        padding=padding)


def _arrays(rng, B, T, C, O, k):
    return rng.normal(size=(B, T, C)), rng.normal(size=(k, C, O)), rng.normal(size=O)


def forward_valid(rng):
    k = int(rng.integers(2, 4))
    x, w, b = _arrays(rng, 2, int(rng.integers(6, 10)), 3, 2, k)
    return Case("conv1d", (x, w, b), {"dilation": 1, "padding": "valid"}, name=f"k={k}, dilation 1, valid")


def forward_dilated(rng):
    k, d = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    padding = str(rng.choice(["valid", "causal"]))
    x, w, b = _arrays(rng, 2, 12, 2, 3, k)
    return Case("conv1d", (x, w, b), {"dilation": d, "padding": padding}, name=f"k={k}, dilation {d}, {padding}")


def _grad_case(rng, B, T, C, O, k, d, padding, name):
    x, w, b = _arrays(rng, B, T, C, O, k)
    T_out = T if padding == "causal" else T - (k - 1) * d
    dy = rng.normal(size=(B, T_out, O))
    return Case("loss_and_grad", ({"x": x, "w": w, "b": b}, dy), {"dilation": d, "padding": padding}, name=name)


def grads_valid(rng):
    return _grad_case(rng, 2, 9, 3, 2, 3, 1, "valid", "k=3, dilation 1, valid")


def grads_dilated_causal(rng):
    return _grad_case(rng, 2, 11, 2, 3, 3, 2, "causal", "k=3, dilation 2, causal")


def grads_mixed(rng):
    k, d = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    padding = str(rng.choice(["valid", "causal"]))
    T = (k - 1) * d + int(rng.integers(1, 6))
    return _grad_case(rng, 3, T, 2, 2, k, d, padding, f"k={k}, dilation {d}, {padding}, T={T}")


def long_reach(rng):
    return _grad_case(rng, 1, 4, 2, 2, 3, 3, "causal", "causal, the kernel reaches 6 steps back but T = 4")


def kernel_one(rng):
    return _grad_case(rng, 2, 5, 3, 2, 1, int(rng.integers(1, 4)), str(rng.choice(["valid", "causal"])),
                      "kernel size 1")


def bigger(rng):
    return _grad_case(rng, 8, 40, 6, 5, 4, 3, str(rng.choice(["valid", "causal"])), "B=8, T=40, k=4, dilation 3")


EXERCISE = Exercise(
    slug="conv1d",
    title="1-D convolution: forward and backward by hand",
    starter="conv1d.py",
    functions=("conv1d", "loss_and_grad"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="forward, valid padding", cases=forward_valid, reference=FORWARD, points=2,
                hint="y[b, t, o] = bias[o] + sum_j sum_c x[b, t + j, c] w[j, c, o]; the output has "
                     "T - k + 1 steps (the kernel is not flipped)"),
        Compare(name="forward, dilation and causal padding", cases=forward_dilated, reference=FORWARD, points=2,
                hint="tap j reads x[t + j*dilation]; causal padding puts (k-1)*dilation zeros on the LEFT only"),
        Compare(name="gradient dx", cases=grads_valid, reference=reference_loss_and_grad, output=(1, "x"),
                points=2, hint="dx is a full correlation of dy with the kernel flipped in time: pad dy with "
                               "(k-1)*dilation zeros on both sides, use w[::-1] with its channel axes swapped"),
        Compare(name="gradient dw", cases=grads_valid, reference=reference_loss_and_grad, output=(1, "w"),
                points=2, hint="dw[j] = sum over batch and time of x[b, t + j*dilation]^T dy[b, t]: the input "
                               "correlated with the upstream gradient"),
        Compare(name="gradient db", cases=grads_valid, reference=reference_loss_and_grad, output=(1, "b"),
                points=1, hint="the bias is added at every step of every sequence: db = dy summed over batch and time"),
        GradCheck(name="gradients agree with finite differences of your loss", cases=grads_dilated_causal, n=2,
                  reference=reference_loss_and_grad, points=1, requires=("forward, valid padding",),
                  hint="your gradient is not the derivative of your own loss: the bug is in the backward pass"),
        Compare(name="gradients, dilation and causal padding", cases=grads_mixed, reference=reference_loss_and_grad,
                points=2, hidden=True, n=4,
                hint="with causal padding, compute dx for the padded input, then drop its first (k-1)*dilation steps"),
        Compare(name="kernel reaching past the start", cases=long_reach, reference=reference_loss_and_grad,
                points=1, hidden=True, hint="padding longer than the sequence: most taps read zeros"),
        Compare(name="kernel size 1", cases=kernel_one, reference=reference_loss_and_grad, points=1, hidden=True,
                n=2, hint="k = 1 means no padding and no reach, whatever the dilation"),
        Compare(name="larger batch", cases=bigger, reference=reference_loss_and_grad, points=1, hidden=True, n=2),
    ),
    hints=(
        Hint("dw and db are right but dx is not: the input gradient runs the convolution backwards, so the "
             "kernel must be reversed in time (w[::-1]) and dy padded on both sides.",
             failed=("gradient dx",), passed=("gradient dw", "gradient db")),
        Hint("dx is right but dw is not: each tap j collects x shifted by j*dilation times dy, summed over "
             "the batch and time.", failed=("gradient dw",), passed=("gradient dx",)),
    ),
)

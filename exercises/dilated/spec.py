"""Grading spec of the causal dilated convolution exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.grading.spec import CheckFailed, Compare, Exercise, Hint, Limits, Property, expect_array
from textbook.sequence.conv import numpy_impl as conv

RF = "textbook.sequence.dilated:receptive_field"


def reference_causal_pad(x, kernel_size, dilation):
    return conv.pad(np.asarray(x, dtype=np.float64), kernel_size, dilation, "causal")


def reference_causal_conv1d(x, w, dilation):
    return conv.conv1d(x, w, None, dilation=dilation, padding="causal")


def pad_case(rng):
    k, d = int(rng.integers(2, 4)), int(rng.integers(1, 4))
    return Case("causal_pad", (rng.normal(size=(2, 6, 3)), k, d), name=f"kernel size {k}, dilation {d}")


def conv_case(rng):
    k, d = int(rng.integers(2, 4)), int(rng.integers(1, 3))
    x, w = rng.normal(size=(2, 10, 3)), rng.normal(size=(k, 3, 2))
    return Case("causal_conv1d", (x, w, d), name=f"kernel size {k}, dilation {d}")


def long_reach(rng):
    x, w = rng.normal(size=(3, 5, 2)), rng.normal(size=(3, 2, 4))
    return Case("causal_conv1d", (x, w, 4), name="kernel size 3, dilation 4, only 5 steps")


def kernel_one(rng):
    x, w = rng.normal(size=(2, 7, 3)), rng.normal(size=(1, 3, 2))
    return Case("causal_conv1d", (x, w, int(rng.integers(1, 5))), name="kernel size 1")


def rf_case(rng):
    k = int(rng.integers(2, 5))
    dilations = tuple(int(2 ** i) for i in range(int(rng.integers(1, 5))))
    return Case("receptive_field", (k, dilations), name=f"k={k}, dilations {dilations}")


def rf_hidden(rng):
    k = int(rng.integers(1, 6))
    dilations = tuple(int(d) for d in rng.integers(1, 300, size=int(rng.integers(1, 12))))
    return Case("receptive_field", (k, dilations), name=f"k={k}, {len(dilations)} irregular dilations")


def first_step_sees_only_itself(case, out):
    """Step 0 has nothing before it: only the last tap, which reads the current input, contributes."""
    x, w, _ = case.args
    y = expect_array(out, "causal_conv1d(...)", shape=(x.shape[0], x.shape[1], w.shape[2]), kinds="f")
    expected = x[:, 0] @ w[-1]
    if not np.allclose(y[:, 0], expected, rtol=1e-6, atol=1e-9):
        if np.allclose(y[:, 0], x[:, 0] @ w[0], rtol=1e-6, atol=1e-9):
            raise CheckFailed("at t = 0 your output uses the FIRST tap w[0] on the current input: the zeros "
                              "go on the left, so the current input meets the last tap w[k-1]")
        raise CheckFailed("at t = 0 the output must be x[:, 0] @ w[k-1]: every earlier tap reads padding (zeros)")


EXERCISE = Exercise(
    slug="dilated",
    title="Causal dilated convolution and the receptive field",
    starter="dilated.py",
    functions=("causal_pad", "causal_conv1d", "receptive_field"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="causal padding", cases=pad_case, reference=reference_causal_pad, points=1,
                hint="(kernel_size - 1) * dilation zero steps, on the left of the time axis (axis 1) only"),
        Compare(name="causal convolution", cases=conv_case, reference=reference_causal_conv1d, points=2,
                hint="y[t] = sum_j x_pad[t + j*dilation] @ w[j]: the output has as many steps as x"),
        Property(name="step 0 sees only itself", cases=conv_case, test=first_step_sees_only_itself, points=1),
        Compare(name="receptive field", cases=rf_case, reference=RF, points=1,
                hint="each layer reaches (kernel_size - 1) * dilation steps further back; add 1 for the "
                     "current step"),
        Compare(name="dilation reaching past the start", cases=long_reach, reference=reference_causal_conv1d,
                points=1, hidden=True, hint="the padding may be longer than the sequence itself"),
        Compare(name="kernel size 1", cases=kernel_one, reference=reference_causal_conv1d, points=1, hidden=True,
                n=2, hint="with one tap there is nothing to pad, whatever the dilation"),
        Compare(name="receptive field, irregular dilations", cases=rf_hidden, reference=RF, points=1, hidden=True,
                hint="the formula holds for any dilations, and kernel size 1 gives 1"),
    ),
    hints=(
        Hint("The padding is right but the convolution is not: tap j reads x_pad[t + j*dilation], and "
             "the kernel is not flipped.", failed=("causal convolution",), passed=("causal padding",)),
    ),
)

"""The shared 1-D convolution: NumPy and JAX agree, the hand-written backward is right, PyTorch agrees.

The session runs JAX in float64 (tests/conftest.py); a separate check runs it in float32.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from textbook.core.gradcheck import assert_gradcheck
from textbook.core.testing import Case, assert_agree
from textbook.sequence import conv

NP = conv.backend("numpy")
JX = conv.backend("jax")


@st.composite
def problems(draw, paddings=conv.PADDINGS):
    """(x, w, b, dy, dilation, padding) with shapes from small sets (jit compiles a bounded number of times)."""
    padding = draw(st.sampled_from(paddings))
    k = draw(st.sampled_from([1, 2, 3]))
    d = draw(st.sampled_from([1, 2, 3]))
    extra = draw(st.sampled_from([1, 4]))                        # output length of a valid convolution
    T = (k - 1) * d + extra if padding == "valid" else draw(st.sampled_from([1, 5, 9]))
    B, C, O = draw(st.sampled_from([1, 3])), draw(st.sampled_from([1, 3])), draw(st.sampled_from([1, 2]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(B, T, C))
    w = rng.normal(size=(k, C, O))
    b = rng.normal(size=O) if draw(st.booleans()) else None
    dy = rng.normal(size=(B, conv.output_length(T, k, d, padding), O))
    return x, w, b, dy, d, padding


# ------------------------------------------------------------------------------- NumPy and JAX agree

@given(problems())
def test_numpy_and_jax_agree_on_conv1d_and_its_backward(problem):
    x, w, b, dy, d, padding = problem
    name = f"k={w.shape[0]}, d={d}, {padding}"
    assert_agree(NP, JX, Case("conv1d", (x, w, b), {"dilation": d, "padding": padding}, name=name))
    assert_agree(NP, JX, Case("conv1d_backward", (dy, x, w), {"dilation": d, "padding": padding}, name=name))


def test_jax_float32_path_is_close_to_numpy():
    rng = np.random.default_rng(0)
    x, w, b = (rng.normal(size=s).astype(np.float32) for s in [(2, 12, 3), (3, 3, 4), (4,)])
    dy = rng.normal(size=(2, 12, 4)).astype(np.float32)
    y = JX.conv1d(x, w, b, dilation=2, padding="causal")
    assert y.dtype == np.float32
    assert_agree(NP, JX, Case("conv1d", (x, w, b), {"dilation": 2, "padding": "causal"}), rtol=1e-5, atol=1e-5)
    assert_agree(NP, JX, Case("conv1d_backward", (dy, x, w), {"dilation": 2, "padding": "causal"}),
                 rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------------------- the backward pass

@given(problems())
def test_numpy_backward_matches_central_differences(problem):
    x, w, b, dy, d, padding = problem
    params = {"x": x, "w": w, "b": np.zeros(w.shape[2]) if b is None else b}
    grads = NP.conv1d_backward(dy, x, w, dilation=d, padding=padding)

    def f(p):
        return float(np.sum(NP.conv1d(p["x"], p["w"], p["b"], dilation=d, padding=padding) * dy))

    assert_gradcheck(f, params, grads, rtol=1e-6, atol=1e-9)


@given(problems())
def test_backward_is_the_adjoint_of_the_forward(problem):
    """<conv(x, w), dy> = <x, dx> = <w, dw>: without bias the convolution is linear in x and in w."""
    x, w, _, dy, d, padding = problem
    y = NP.conv1d(x, w, dilation=d, padding=padding)
    g = NP.conv1d_backward(dy, x, w, dilation=d, padding=padding)
    total = np.sum(y * dy)
    assert np.sum(x * g["x"]) == pytest.approx(total, rel=1e-9, abs=1e-9)     # linear in x
    assert np.sum(w * g["w"]) == pytest.approx(total, rel=1e-9, abs=1e-9)     # linear in w
    np.testing.assert_allclose(g["b"], dy.sum(axis=(0, 1)), rtol=1e-12)


def test_input_gradient_is_a_full_correlation_with_the_flipped_kernel():
    """Written out once with loops: dx[s] = sum_j dy[s - j d] w[j]^T, i.e. dy padded on both sides, kernel reversed."""
    rng = np.random.default_rng(3)
    k, d, T, C, O = 3, 2, 11, 2, 3
    x, w = rng.normal(size=(1, T, C)), rng.normal(size=(k, C, O))
    dy = rng.normal(size=(1, T - (k - 1) * d, O))
    expected = np.zeros((T, C))
    for s in range(T):
        for j in range(k):
            if 0 <= s - j * d < dy.shape[1]:
                expected[s] += w[j] @ dy[0, s - j * d]
    np.testing.assert_allclose(NP.conv1d_backward(dy, x, w, dilation=d)["x"][0], expected, rtol=1e-12, atol=1e-12)
    # and it is itself a valid convolution of the zero-padded dy with the flipped, transposed kernel
    s = (k - 1) * d
    full = NP.conv1d(np.pad(dy, ((0, 0), (s, s), (0, 0))), w[::-1].transpose(0, 2, 1), dilation=d)
    np.testing.assert_allclose(full[0], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_causal_output_never_depends_on_a_future_input(impl):
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=(2, 10, 2)), rng.normal(size=(3, 2, 2))
    y = np.asarray(impl.conv1d(x, w, dilation=2, padding="causal"))
    for t in range(10):
        x2 = x.copy()
        x2[:, t + 1:] = rng.normal(size=x2[:, t + 1:].shape) * 100
        y2 = np.asarray(impl.conv1d(x2, w, dilation=2, padding="causal"))
        np.testing.assert_array_equal(y2[:, : t + 1], y[:, : t + 1])
        # ... and does depend on the input at t - (k - 1) d when that exists
        if t - 4 >= 0:
            x3 = x.copy()
            x3[:, t - 4] += 1.0
            assert not np.allclose(np.asarray(impl.conv1d(x3, w, dilation=2, padding="causal"))[:, t], y[:, t])


# ------------------------------------------------------------------------------- PyTorch oracle

@pytest.mark.parametrize("k,d,padding", [(1, 1, "valid"), (3, 1, "valid"), (3, 2, "valid"), (2, 4, "causal"),
                                         (3, 3, "causal"), (4, 1, "causal")])
def test_conv1d_and_its_gradients_equal_pytorch(k, d, padding):
    torch = pytest.importorskip("torch", reason="the PyTorch oracle needs torch (pip install -e '.[oracles]')")
    import torch.nn.functional as F

    rng = np.random.default_rng(k * 10 + d)
    B, T, C, O = 2, 13, 3, 4
    x, w, b = rng.normal(size=(B, T, C)), rng.normal(size=(k, C, O)), rng.normal(size=O)
    xt = torch.tensor(x.transpose(0, 2, 1), requires_grad=True)          # (B, C, T)
    wt = torch.tensor(w.transpose(2, 1, 0).copy(), requires_grad=True)   # (O, C, k)
    bt = torch.tensor(b, requires_grad=True)
    inp = F.pad(xt, ((k - 1) * d, 0)) if padding == "causal" else xt
    yt = F.conv1d(inp, wt, bt, dilation=d)                               # (B, O, T_out)
    expected = yt.detach().numpy().transpose(0, 2, 1)
    dy = rng.normal(size=expected.shape)
    (yt * torch.tensor(dy.transpose(0, 2, 1))).sum().backward()
    for impl in (NP, JX):
        np.testing.assert_allclose(np.asarray(impl.conv1d(x, w, b, dilation=d, padding=padding)), expected,
                                   rtol=1e-10, atol=1e-10)
        g = impl.conv1d_backward(dy, x, w, dilation=d, padding=padding)
        np.testing.assert_allclose(np.asarray(g["x"]), xt.grad.numpy().transpose(0, 2, 1), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(np.asarray(g["w"]), wt.grad.numpy().transpose(2, 1, 0), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(np.asarray(g["b"]), bt.grad.numpy(), rtol=1e-10, atol=1e-10)
    if padding == "valid":   # the input gradient is PyTorch's transposed convolution of dy
        dx = F.conv_transpose1d(torch.tensor(dy.transpose(0, 2, 1)), wt.detach(), dilation=d)
        np.testing.assert_allclose(NP.conv1d_backward(dy, x, w, dilation=d)["x"], dx.numpy().transpose(0, 2, 1),
                                   rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_bad_input_raises_a_clear_error(impl):
    x, w = np.zeros((2, 6, 3)), np.zeros((3, 3, 4))
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, C_in\)"):
        impl.conv1d(np.zeros((6, 3)), w)
    with pytest.raises(ValueError, match="w has C_in = 3 input channels .* but x has 2"):
        impl.conv1d(np.zeros((2, 6, 2)), w)
    with pytest.raises(ValueError, match=r"b must have shape \(C_out,\) = \(4,\)"):
        impl.conv1d(x, w, np.zeros(3))
    with pytest.raises(ValueError, match="dilation must be an integer >= 1"):
        impl.conv1d(x, w, dilation=0)
    with pytest.raises(ValueError, match="dilation must be an integer >= 1"):
        impl.conv1d(x, w, dilation=1.5)
    with pytest.raises(ValueError, match="padding must be one of"):
        impl.conv1d(x, w, padding="same")
    with pytest.raises(ValueError, match="too short for a valid convolution: T = 6 .* spans 7 positions"):
        impl.conv1d(x, w, dilation=3)
    assert impl.conv1d(x, w, dilation=3, padding="causal").shape == (2, 6, 4)
    with pytest.raises(TypeError, match="x must be a float array"):
        impl.conv1d(np.zeros((2, 6, 3), dtype=int), w)
    with pytest.raises(ValueError, match=r"dy must have the output's shape \(B, T_out, C_out\) = \(2, 4, 4\)"):
        impl.conv1d_backward(np.zeros((2, 6, 4)), x, w)

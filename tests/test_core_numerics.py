"""Stable numerics: finite at +-1e4, equal to the naive formulas where those are safe, NumPy == JAX."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from textbook.core import backend
from textbook.core.gradcheck import assert_gradcheck, gradcheck
from textbook.core.testing import Case, assert_agree

nx, jx = backend("numpy"), backend("jax")
BOTH = pytest.mark.parametrize("m", [nx, jx], ids=["numpy", "jax"])
SHAPES = [(5,), (3, 4), (2, 3, 4)]


def big_logits():
    return np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]])


@BOTH
def test_finite_and_exact_at_extremes(m):
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    for f in (m.sigmoid, m.log_sigmoid):
        assert np.all(np.isfinite(np.asarray(f(x))))
    np.testing.assert_allclose(np.asarray(m.log_sigmoid(x))[[0, 2, 4]], [-1e4, -np.log(2.0), 0.0], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(m.sigmoid(x))[[0, 2, 4]], [0.0, 0.5, 1.0], atol=1e-300)

    z = big_logits()                                                      # (3, 3)
    lse = np.asarray(m.logsumexp(z, axis=-1))
    np.testing.assert_allclose(lse, [1e4, -1e4 + np.log(3.0), 1e4 + np.log(2.0)], rtol=1e-14)
    logp = np.asarray(m.log_softmax(z, axis=-1))
    assert np.all(np.isfinite(logp))
    np.testing.assert_allclose(logp[0], [0.0, -2e4, -1e4], atol=1e-9)
    p = np.asarray(m.softmax(z, axis=-1))
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-11)          # ulp(1e4) ~ 2e-12 in the logs
    ce = np.asarray(m.softmax_cross_entropy(z, np.array([1, 0, 2])))
    np.testing.assert_allclose(ce, [2e4, np.log(3.0), 2e4 + np.log(2.0)], rtol=1e-12)


@BOTH
def test_match_naive_formulas_on_moderate_inputs(m):
    rng = np.random.default_rng(0)
    x = rng.normal(scale=5.0, size=(4, 6))
    t = rng.integers(0, 6, size=4)
    naive_sm = np.exp(x) / np.exp(x).sum(-1, keepdims=True)
    np.testing.assert_allclose(np.asarray(m.sigmoid(x)), 1 / (1 + np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(m.log_sigmoid(x)), np.log(1 / (1 + np.exp(-x))), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(np.asarray(m.logsumexp(x, axis=0)), np.log(np.exp(x).sum(0)), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(m.logsumexp(x, axis=1, keepdims=True)),
                               np.log(np.exp(x).sum(1, keepdims=True)), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(m.softmax(x, axis=-1)), naive_sm, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(m.log_softmax(x, axis=0)),
                               np.log(np.exp(x) / np.exp(x).sum(0, keepdims=True)), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.asarray(m.softmax_cross_entropy(x, t)), -np.log(naive_sm[np.arange(4), t]),
                               rtol=1e-10)


@st.composite
def logits_case(draw):
    shape = draw(st.sampled_from(SHAPES))
    x = draw(arrays(np.float64, shape, elements=st.one_of(
        st.floats(-30, 30), st.sampled_from([-1e4, 1e4, 0.0]))))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    targets = draw(arrays(np.int64, shape[:-1], elements=st.integers(0, shape[-1] - 1)))
    return x, axis, targets


@given(logits_case())
def test_numpy_and_jax_agree(case):
    x, axis, targets = case
    for c in [Case("sigmoid", (x,)), Case("log_sigmoid", (x,)),
              Case("logsumexp", (x,), {"axis": axis}), Case("logsumexp", (x,), {"axis": axis, "keepdims": True}),
              Case("log_softmax", (x,), {"axis": axis}), Case("softmax", (x,), {"axis": axis}),
              Case("softmax_cross_entropy", (x, targets))]:
        assert_agree(nx, jx, c, rtol=1e-12, atol=1e-12)


def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot():
    rng = np.random.default_rng(1)
    params = {"z": rng.normal(size=(4, 5))}                                 # (B, V)
    t = np.array([0, 3, 3, 1])
    onehot = np.eye(5)[t]                                                   # (B, V)
    grad = {"z": nx.softmax(params["z"]) - onehot}
    f = lambda p: float(np.sum(nx.softmax_cross_entropy(p["z"], t)))
    assert_gradcheck(f, params, grad, max_entries=None)
    assert not gradcheck(f, params, {"z": nx.softmax(params["z"])}).ok     # forgetting the one-hot fails
    # JAX's autodiff through its own implementation gives the same gradient, even at +-1e4
    z = big_logits()
    tz = np.array([1, 0, 2])
    g = jax.grad(lambda z: jnp.sum(jx.softmax_cross_entropy(z, tz)))(jnp.asarray(z))
    np.testing.assert_allclose(np.asarray(g), nx.softmax(z) - np.eye(3)[tz], atol=1e-12)
    assert np.all(np.isfinite(np.asarray(jax.grad(lambda x: jnp.sum(jx.log_sigmoid(x)))(jnp.array([-1e4, 1e4])))))


def test_jax_log_sigmoid_gradient_is_sigmoid_even_at_zero():
    """d/dx log sigma(x) = sigma(-x): 1/2 at exactly 0 (where autodiff of min/abs would give 1)."""
    import jax

    from textbook.core.numerics import jax_impl as jx

    for x in (0.0, -3.0, 2.5, 1e4, -1e4):
        g = float(jax.grad(jx.log_sigmoid)(x))
        assert abs(g - np.exp(-np.logaddexp(0.0, x))) < 1e-12, (x, g)   # sigma(-x) = 1 / (1 + e^x), no overflow


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jax_sigmoid_has_the_values_of_the_two_branch_form(dtype):
    """One division (numerator chosen first) gives exactly 1/(1+e) for x >= 0 and e/(1+e) below."""
    from textbook.core.numerics import jax_impl as nx

    x = np.concatenate([np.random.default_rng(13).normal(scale=8, size=2000), [0.0, -0.0, 800.0, -800.0]])
    x = jnp.asarray(x.astype(dtype))
    e = jnp.exp(-jnp.abs(x))
    two_branch = jnp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    np.testing.assert_array_equal(np.asarray(nx.sigmoid(x)), np.asarray(two_branch))


@pytest.mark.parametrize("name", ["sigmoid", "log_sigmoid", "logsumexp", "log_softmax", "softmax"])
def test_numpy_numerics_keep_float32_and_compute_integers_in_float64(name):
    f = getattr(nx, name)
    x = np.array([[-3.0, 0.0, 2.5], [1e4, -1e4, 0.5]])
    out32 = f(x.astype(np.float32))
    assert out32.dtype == np.float32 and np.all(np.isfinite(out32))
    np.testing.assert_allclose(out32, f(x), rtol=1e-6, atol=1e-6)
    assert f(np.array([[1, 2, 3]])).dtype == np.float64 and f(np.array([[True, False]])).dtype == np.float64

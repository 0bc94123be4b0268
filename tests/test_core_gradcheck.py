"""gradcheck passes on right gradients and fails, naming key and index, on wrong ones."""

import re

import jax.numpy as jnp
import numpy as np
import pytest

from textbook.core.gradcheck import GradcheckReport, assert_gradcheck, gradcheck, numerical_grad
from textbook.core.numerics import numpy_impl as nx


def softmax_regression():
    """Loss sum_b CE(x_b W + b, y_b) and its hand-derived gradient."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)             # (B, d), (B,)
    params = {"W": rng.normal(size=(4, 3)), "b": rng.normal(size=(3,))}

    def f(p):
        return float(np.sum(nx.softmax_cross_entropy(x @ p["W"] + p["b"], y)))

    dz = nx.softmax(x @ params["W"] + params["b"]) - np.eye(3)[y]          # (B, V)
    grads = {"W": x.T @ dz, "b": dz.sum(0)}
    return f, params, grads


def test_passes_on_correct_gradient():
    f, params, grads = softmax_regression()
    report = assert_gradcheck(f, params, grads, max_entries=None)
    assert isinstance(report, GradcheckReport) and report.ok
    assert report.checked == 4 * 3 + 3 and report.failed == 0
    assert report.error < 1e-7
    assert str(report).startswith("gradcheck OK")


@pytest.mark.parametrize("key,index", [("W", (2, 1)), ("b", (0,))])
def test_fails_and_names_the_wrong_entry(key, index):
    f, params, grads = softmax_regression()
    grads = {k: v.copy() for k, v in grads.items()}
    right = grads[key][index]
    grads[key][index] += 1e-3                                               # a small slip in one entry
    report = gradcheck(f, params, grads)
    assert not report.ok and report.failed == 1
    assert report.key == key and report.index == index
    assert report.analytic == pytest.approx(right + 1e-3, abs=1e-12)
    assert report.numeric == pytest.approx(right, abs=1e-7)
    assert report.error == pytest.approx(1e-3, rel=1e-3)
    where = f"{key}[{', '.join(map(str, index))}]"
    with pytest.raises(AssertionError, match=re.escape(where)) as info:
        assert_gradcheck(f, params, grads)
    assert "numeric" in str(info.value) and "analytic" in str(info.value)


def test_worst_entry_is_the_one_furthest_out():
    f, params, grads = softmax_regression()
    grads = {k: v.copy() for k, v in grads.items()}
    grads["W"][0, 0] += 1e-4
    grads["b"][2] -= 1e-2
    report = gradcheck(f, params, grads)
    assert (report.key, report.index, report.failed) == ("b", (2,), 2)


def test_structural_problems_fail_with_a_note():
    f, params, grads = softmax_regression()
    r = gradcheck(f, params, {"W": grads["W"]})
    assert not r.ok and r.key == "b" and "missing ['b']" in str(r)
    r = gradcheck(f, params, {"W": grads["W"], "b": grads["b"][:2]})
    assert not r.ok and r.key == "b" and "shape" in str(r)
    bad = {"W": grads["W"].copy(), "b": grads["b"]}
    bad["W"][3, 2] = np.nan
    r = gradcheck(f, params, bad, max_entries=1)      # found even when that entry is not sampled
    assert not r.ok and (r.key, r.index) == ("W", (3, 2)) and "not finite" in str(r)


def test_numerical_grad_sampling_accuracy_and_no_mutation():
    rng = np.random.default_rng(2)
    params = {"T": rng.normal(size=(30, 20)), "v": rng.normal(size=(3,))}
    before = {k: v.copy() for k, v in params.items()}
    f = lambda p: jnp.sum(jnp.sin(p["T"])) + float(np.sum(p["v"] ** 3))    # a JAX scalar is fine too
    g = numerical_grad(f, params, max_entries=10, seed=3)
    assert np.sum(~np.isnan(g["T"])) == 10 and np.sum(~np.isnan(g["v"])) == 3   # small keys checked fully
    mask = ~np.isnan(g["T"])
    np.testing.assert_allclose(g["T"][mask], np.cos(params["T"])[mask], atol=1e-9)
    np.testing.assert_allclose(g["v"], 3 * params["v"] ** 2, rtol=1e-8)
    np.testing.assert_array_equal(np.isnan(numerical_grad(f, params, max_entries=10, seed=3)["T"]), ~mask)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
    report = gradcheck(f, params, {"T": np.cos(params["T"]), "v": 3 * params["v"] ** 2}, max_entries=10)
    assert report.ok and report.checked == 13


def test_rejects_integer_params():
    with pytest.raises(TypeError, match="params\\['n'\\]"):
        numerical_grad(lambda p: 0.0, {"n": np.arange(3)})

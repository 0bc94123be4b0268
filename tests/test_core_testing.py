"""The comparison harness: passes on agreement, fails loudly and precisely on every kind of difference."""

import re

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from textbook.core.testing import Case, Mismatch, assert_agree, assert_float32_close, compare, run_case, widened


def reference_impl():
    def loss_and_grad(params, x):
        loss = float(np.sum(params["W_in"] * x) + np.sum(params["W_out"]))
        return loss, {"W_in": x.copy(), "W_out": np.ones_like(params["W_out"])}
    return {"loss_and_grad": loss_and_grad}


def perturbed_impl(key, index, delta):
    ref = reference_impl()["loss_and_grad"]

    def loss_and_grad(params, x):
        loss, grads = ref(params, x)
        grads[key] = grads[key].copy()
        grads[key][index] += delta
        return loss, grads
    return {"loss_and_grad": loss_and_grad}


def make_case():
    rng = np.random.default_rng(0)
    params = {"W_in": rng.normal(size=(4, 3)), "W_out": rng.normal(size=(4, 3))}
    return Case("loss_and_grad", (params, rng.normal(size=(4, 3))), name="tiny")


def test_equal_implementations_pass():
    expected, got = assert_agree(reference_impl(), reference_impl(), make_case())
    assert compare(expected, got) == []


def test_perturbed_gradient_names_function_key_index_and_values():
    case = make_case()
    with pytest.raises(AssertionError) as info:
        assert_agree(reference_impl(), perturbed_impl("W_out", (2, 1), 1e-6), case)
    msg = str(info.value)
    assert "loss_and_grad" in msg and "tiny" in msg
    assert "loss_and_grad[1]['W_out']" in msg
    assert "index (2, 1)" in msg
    assert "expected 1.0" in msg and f"got {1.0 + 1e-6!r}" in msg
    assert "max abs error 1e-06" in msg and "1 of 12 entries" in msg
    assert "W_in" not in msg                                        # only the wrong key is reported


def test_mismatch_fields_and_paths():
    (m,) = compare(({"a": np.zeros(3)},), ({"a": np.array([0.0, 0.5, 0.0])},), 1e-8, 1e-10)
    assert isinstance(m, Mismatch)
    assert (m.path, m.kind, m.index, m.expected, m.got, m.count) == ("[0]['a']", "value", (1,), 0.0, 0.5, 1)
    assert m.max_abs == 0.5 and str(m) == m.message


def test_worst_index_is_largest_excess_over_tolerance():
    e = np.array([1000.0, 1.0])
    g = np.array([1000.5, 1.3])           # larger abs error at 0, but within rtol * 1000 there
    (m,) = compare(e, g, rtol=1e-3, atol=0.0)
    assert m.index == (1,) and m.count == 1 and m.max_abs == pytest.approx(0.5)


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)


class SubArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)


@pytest.mark.parametrize("bad", [
    np.array([0.0, 0.0, 0.0], dtype=object),
    np.array(["0", "0", "0"]),
    AlwaysEqual(),
    np.zeros(3).view(SubArray),
    np.ma.masked_array(np.ones(3), mask=[True, True, True]),
    [0.0, 0.0, 0.0],
    np.zeros(3, dtype=complex),
])
def test_rejects_non_numeric_and_look_alike_objects(bad):
    (m,) = compare(np.zeros(3), bad)
    assert m.kind == "type", m.message
    assert m.path == "" and m.message.startswith("output:")


class FakeDict:
    __class__ = dict                            # isinstance(FakeDict(), dict) is True


class AlwaysEqualKey:
    def __eq__(self, other):
        return True

    def __hash__(self):
        return hash("W")


def test_rejects_disguised_containers_and_keys():
    assert isinstance(FakeDict(), dict)
    assert compare({"W": 1.0}, FakeDict())[0].kind == "type"
    assert compare((1.0,), FakeDict())[0].kind == "type"
    kinds = [m.kind for m in compare({"W": 1.0}, {AlwaysEqualKey(): 1.0})]
    assert kinds == ["type", "missing"]


def test_shape_dtype_and_structure_mismatches():
    assert compare(np.zeros(3), np.zeros((1, 3)))[0].kind == "shape"        # no broadcasting
    assert compare(np.zeros(()), np.zeros((1,)))[0].kind == "shape"
    assert compare(np.zeros(3), np.zeros(3, dtype=np.int64))[0].kind == "dtype"
    assert compare(np.zeros(3, dtype=bool), np.zeros(3, dtype=np.int64))[0].kind == "dtype"
    kinds = {m.kind: m for m in compare({"a": 1.0, "b": 2.0}, {"a": 1.0, "c": 2.0})}
    assert set(kinds) == {"missing", "extra"}
    assert "'b'" in kinds["missing"].message and "'c'" in kinds["extra"].message
    assert compare((1.0, 2.0), (1.0,))[0].kind == "length"
    assert compare({"a": 1.0}, (1.0,))[0].kind == "type"
    assert compare((1.0,), np.array([1.0]))[0].kind == "type"
    assert compare((np.ones(2), None, "x"), [np.ones(2), None, "x"]) == []   # tuple vs list is fine
    assert compare(None, 0.0)[0].kind == "value"
    assert compare("abc", "abd")[0].kind == "value"


def test_nan_and_inf_where_finite_always_fail():
    e = np.array([1.0, 2.0, 3.0])
    for bad in (np.nan, np.inf, -np.inf):
        g = e.copy()
        g[2] = bad
        (m,) = compare(e, g, rtol=1.0, atol=1e300)                          # no tolerance excuses it
        assert m.kind == "nonfinite" and m.index == (2,)
    (m,) = compare(np.array([np.nan]), np.array([1.0]))
    assert m.kind == "nonfinite"
    assert compare(np.array([np.nan, np.inf, -np.inf]), np.array([np.nan, np.inf, -np.inf])) == []
    assert compare(np.array([np.inf]), np.array([-np.inf]))[0].kind == "nonfinite"


def test_integers_and_bools_compare_exactly():
    assert compare(np.array([1, 2, 3]), np.array([1, 2, 4]), rtol=1.0, atol=10.0)[0].index == (2,)
    assert compare(np.array([True, False]), np.array([True, True]))[0].index == (1,)
    assert compare(np.array([1, 2], np.int64), np.array([1, 2], np.int32)) == []


def test_accepts_numbers_jax_arrays_and_mixed_precision():
    assert compare(1.5, np.float64(1.5)) == []
    assert compare(np.array(1.5), jnp.asarray(1.5)) == []
    assert compare({"W": np.arange(6.0).reshape(2, 3)}, {"W": jnp.arange(6.0).reshape(2, 3)}) == []
    assert compare(np.float64(0.1), np.float32(0.1), rtol=1e-6) == []
    assert compare(np.float64(0.1), np.float32(0.1), rtol=1e-12)[0].kind == "value"


def test_bad_reference_or_tolerance_raises():
    with pytest.raises(TypeError, match="expected value"):
        compare(np.array([1], dtype=object), np.array([1]))
    with pytest.raises(ValueError, match="rtol"):
        compare(1.0, 1.0, rtol=-1.0)


def test_run_case_protects_against_input_mutation():
    def mutating_double(x):
        x *= 2                                  # mutates its argument
        return x

    def pure_double(x):
        return 2 * x

    x = np.arange(4.0)
    case = Case("double", (x,))
    assert_agree({"double": mutating_double}, {"double": pure_double}, case)
    assert_agree({"double": pure_double}, {"double": mutating_double}, case)
    np.testing.assert_array_equal(x, np.arange(4.0))
    np.testing.assert_array_equal(case.args[0], np.arange(4.0))
    np.testing.assert_array_equal(run_case({"double": mutating_double}, case), 2 * np.arange(4.0))


def test_widened_casts_float32_arrays_only_and_keeps_the_structure():
    x32, x64, ids = np.array([0.1, 2.5], np.float32), np.array([0.1]), np.arange(3)
    out = widened({"a": x32, "b": (x64, [ids, x32]), "c": 3, "d": "text"})
    assert out["a"].dtype == np.float64 and np.array_equal(out["a"], x32.astype(np.float64))   # the same values
    assert out["b"][0] is x64 and out["b"][1][0] is ids and out["b"][1][1].dtype == np.float64
    assert isinstance(out["b"], tuple) and isinstance(out["b"][1], list) and out["c"] == 3 and out["d"] == "text"
    assert x32.dtype == np.float32                                 # the input is not changed


def test_widen_reference_runs_the_reference_in_float64_on_the_same_values():
    def reference(p):
        assert p["w"].dtype == np.float64, "not widened"
        return p["w"].sum() * np.float64(1 / 3)

    def candidate(p):
        return p["w"].sum() * np.float32(1 / 3)                  # float32 arithmetic

    w = np.full(1000, 0.1, np.float32)
    case = Case("f", ({"w": w},))
    assert_agree({"f": reference}, {"f": candidate}, case, rtol=1e-5, widen_reference=True)
    with pytest.raises(AssertionError):                            # float64 vs float32 arithmetic: not 1e-12 close
        assert_agree({"f": reference}, {"f": candidate}, case, rtol=1e-12, atol=0, widen_reference=True)
    with pytest.raises(AssertionError, match="not widened"):
        assert_agree({"f": reference}, {"f": candidate}, case)    # without widening the reference sees float32


def test_assert_float32_close_wants_float32_outputs_close_to_float64():
    x = np.linspace(-3, 3, 7, dtype=np.float32)
    keeps = {"f": lambda x: {"y": np.tanh(x), "n": 3, "ids": np.arange(2)}}   # float32 in, float32 out
    got = assert_float32_close(keeps, Case("f", (x,)))
    assert got["y"].dtype == np.float32
    widens = {"f": lambda x: {"y": np.tanh(x.astype(np.float64))}}
    with pytest.raises(AssertionError, match=r"wider outputs: f\['y'\]: float64"):
        assert_float32_close(widens, Case("f", (x,)))
    rounds_badly = {"f": lambda x: {"y": np.tanh(x) + (1e-3 if x.dtype == np.float32 else 0.0)}}
    with pytest.raises(AssertionError, match="mismatch"):
        assert_float32_close(rounds_badly, Case("f", (x,)))


def test_candidate_errors_become_assertion_errors():
    case = Case("f", (np.ones(2),), name="c1")
    with pytest.raises(AssertionError, match=re.escape("f (case 'c1'): the candidate raised ZeroDivisionError")):
        assert_agree({"f": lambda x: x}, {"f": lambda x: 1 / 0}, case)
    with pytest.raises(AssertionError, match="has no function 'f'"):
        assert_agree({"f": lambda x: x}, {"g": lambda x: x}, case)
    with pytest.raises(AssertionError, match=r"f\[0\]: expected shape \(2,\), got shape \(3,\)"):
        assert_agree({"f": lambda x: (x,)}, {"f": lambda x: (np.ones(3),)}, case)


@given(arrays(np.float64, st.sampled_from([(3,), (2, 2)]), elements=st.floats(allow_nan=True, allow_infinity=True,
                                                                              width=64)),
       st.floats(-1.0, 1.0))
def test_property_identical_pass_and_shift_detected(x, delta):
    assert compare(x, x.copy()) == []
    finite = np.isfinite(x)
    y = x + delta
    out = compare(x, y, rtol=1e-6, atol=1e-3)
    with np.errstate(over="ignore", invalid="ignore"):
        should_fail = finite & ~(np.abs(y - x) <= 1e-3 + 1e-6 * np.abs(x))
    assert bool(out) == bool(should_fail.any())
    if out:
        assert should_fail[out[0].index]

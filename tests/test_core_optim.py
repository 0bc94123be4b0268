"""Optimisers: NumPy == JAX over several steps, both == optax, sparse == dense on the touched rows."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given
from hypothesis import strategies as st

from textbook.core import optim
from textbook.core.testing import compare

nx, jx = optim.backend("numpy"), optim.backend("jax")
BOTH = pytest.mark.parametrize("m", [nx, jx], ids=["numpy", "jax"])
V, D, STEPS = 7, 3, 4


def make_params(seed):
    rng = np.random.default_rng(seed)
    return {"W": rng.normal(size=(V, D)), "b": rng.normal(size=(D,))}


def make_grads(seed, steps=STEPS):
    rng = np.random.default_rng(seed + 1000)
    return [{"W": rng.normal(size=(V, D)), "b": rng.normal(size=(D,))} for _ in range(steps)]


def run_dense(m, name, params, grads_seq, **hyper):
    """Apply ``steps`` updates of optimiser ``name`` from module ``m``; returns (params, state)."""
    state = {"sgd": lambda p: None, "adagrad": lambda p: m.adagrad_init(p, 0.1), "adam": m.adam_init}[name](params)
    for g in grads_seq:
        if name == "sgd":
            params = m.sgd(params, g, hyper["lr"])
        else:
            params, state = getattr(m, name)(params, g, state, **hyper)
    return params, state


def assert_same(expected, got, rtol=1e-12, atol=1e-14):
    mismatches = compare(expected, got, rtol, atol)
    assert not mismatches, "\n".join(map(str, mismatches))


HYPER = {"sgd": {"lr": 0.1}, "adagrad": {"lr": 0.5, "eps": 1e-8}, "adam": {"lr": 0.01, "b1": 0.8, "b2": 0.99, "eps": 1e-6}}


@pytest.mark.parametrize("name", ["sgd", "adagrad", "adam"])
@given(seed=st.integers(0, 10_000), lr=st.floats(1e-4, 1.0))
def test_dense_numpy_and_jax_agree(name, seed, lr):
    params, grads = make_params(seed), make_grads(seed)
    hyper = dict(HYPER[name], lr=lr)
    p_np, s_np = run_dense(nx, name, params, grads, **hyper)
    p_jx, s_jx = run_dense(jx, name, params, grads, **hyper)
    assert_same((p_np, s_np), (p_jx, s_jx))


def optax_run(tx, params, grads_seq):
    params = {k: jnp.asarray(v) for k, v in params.items()}
    state = tx.init(params)
    for g in grads_seq:
        updates, state = tx.update({k: jnp.asarray(v) for k, v in g.items()}, state, params)
        params = optax.apply_updates(params, updates)
    return {k: np.asarray(v) for k, v in params.items()}


@BOTH
@pytest.mark.parametrize("init_acc", [0.0, 0.1, 1.0])
def test_against_optax(m, init_acc):
    params, grads = make_params(3), make_grads(3, steps=6)
    grads[2]["b"][:] = 0.0                  # a zero gradient (with init_acc=0: optax's "where t > 0" branch)
    # SGD: p <- p - lr g
    assert_same(optax_run(optax.sgd(0.05), params, grads), run_dense(m, "sgd", params, grads, lr=0.05)[0])
    # AdaGrad, our convention: G <- G0 + sum g^2, p <- p - lr g / sqrt(G + eps): optax with the same G0 and eps
    ours = m.adagrad_init(params, init_acc)
    p = params
    for g in grads:
        p, ours = m.adagrad(p, g, ours, 0.3, eps=1e-7)
    ref = optax_run(optax.adagrad(0.3, initial_accumulator_value=init_acc, eps=1e-7), params, grads)
    assert_same(ref, p)
    # Adam: optax.adam with eps_root = 0
    ref = optax_run(optax.adam(0.02, b1=0.85, b2=0.995, eps=1e-7, eps_root=0.0), params, grads)
    assert_same(ref, run_dense(m, "adam", params, grads, lr=0.02, b1=0.85, b2=0.995, eps=1e-7)[0])


def test_optax_default_accumulator_differs_from_ours():
    """optax.adagrad starts from G0 = 0.1; ours from 0: the results differ unless G0 is passed."""
    params, grads = make_params(4), make_grads(4, steps=2)
    ref = optax_run(optax.adagrad(0.3, eps=1e-7), params, grads)
    p, s = params, nx.adagrad_init(params)
    for g in grads:
        p, s = nx.adagrad(p, g, s, 0.3, eps=1e-7)
    assert compare(ref, p, 1e-8, 1e-10)


# ---------------------------------------------------------------- sparse updates

ROWS = np.array([1, 4, 1, 6, 0, 4, 1])            # duplicates: row 1 three times, row 4 twice; rows 2, 3, 5 untouched


def scatter(rows, row_grads):
    g = np.zeros((V, D))
    np.add.at(g, rows, row_grads)
    return g


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sum_rows_adds_up_repeated_rows_in_the_dtype_of_the_gradients(dtype):
    from textbook.core.rows import sum_rows

    g = np.random.default_rng(3).normal(size=(ROWS.size, D))
    uniq, summed = sum_rows(ROWS, g.astype(dtype))
    assert summed.dtype == dtype
    np.testing.assert_array_equal(uniq, [0, 1, 4, 6])
    np.testing.assert_allclose(summed, scatter(ROWS, g)[uniq], rtol=1e-6)


@BOTH
@pytest.mark.parametrize("steps", [1, 3])
def test_sparse_sgd_and_adagrad_equal_dense(m, steps):
    rng = np.random.default_rng(5)
    table = rng.normal(size=(V, D))
    t_sgd, t_ada, acc = table, table, np.full((V, D), 0.5)
    d_sgd, d_ada, d_acc = {"W": table}, {"W": table}, {"W": np.full((V, D), 0.5)}
    for _ in range(steps):
        rg = rng.normal(size=(len(ROWS), D))
        dense = {"W": scatter(ROWS, rg)}
        t_sgd = m.sparse_sgd(t_sgd, ROWS, rg, 0.1)
        t_ada, acc = m.sparse_adagrad(t_ada, acc, ROWS, rg, 0.2, eps=1e-6)
        d_sgd = nx.sgd(d_sgd, dense, 0.1)
        d_ada, d_acc = nx.adagrad(d_ada, dense, d_acc, 0.2, eps=1e-6)
    # a zero gradient leaves a row unchanged under SGD and AdaGrad, so dense == sparse everywhere
    assert_same({"W": d_sgd["W"]}, {"W": np.asarray(t_sgd)})
    assert_same((d_ada["W"], d_acc["W"]), (np.asarray(t_ada), np.asarray(acc)))


@BOTH
def test_sparse_adam_is_lazy_dense_adam(m):
    rng = np.random.default_rng(6)
    table = rng.normal(size=(V, D))
    state = {"m": rng.normal(size=(V, D)), "v": rng.uniform(0.1, 1.0, size=(V, D)), "t": 3}
    rg = rng.normal(size=(len(ROWS), D))
    new_table, new_state = m.sparse_adam(table, state, ROWS, rg, 0.05, b1=0.8, b2=0.9, eps=1e-6)
    dense_p, dense_s = nx.adam({"W": table}, {"W": scatter(ROWS, rg)},
                               {"m": {"W": state["m"]}, "v": {"W": state["v"]}, "t": 3}, 0.05, b1=0.8, b2=0.9, eps=1e-6)
    touched, untouched = np.unique(ROWS), np.setdiff1d(np.arange(V), ROWS)
    assert_same((dense_p["W"][touched], dense_s["m"]["W"][touched], dense_s["v"]["W"][touched]),
                (np.asarray(new_table)[touched], np.asarray(new_state["m"])[touched], np.asarray(new_state["v"])[touched]))
    assert_same((table[untouched], state["m"][untouched], state["v"][untouched]),
                (np.asarray(new_table)[untouched], np.asarray(new_state["m"])[untouched],
                 np.asarray(new_state["v"])[untouched]), rtol=0, atol=0)
    assert int(new_state["t"]) == 4 and state["t"] == 3


@given(seed=st.integers(0, 10_000), n=st.sampled_from([1, 5, 12]))
def test_sparse_numpy_and_jax_agree(seed, n):
    rng = np.random.default_rng(seed)
    table, acc = rng.normal(size=(V, D)), rng.uniform(0.0, 1.0, size=(V, D))
    results = {}
    for name, m in (("numpy", nx), ("jax", jx)):
        t1, t2, a2, t3 = table, table, acc, table
        s3 = m.sparse_adam_init(table)
        r = np.random.default_rng(seed + 1)
        for _ in range(3):
            rows, rg = r.integers(0, V, size=n), r.normal(size=(n, D))
            t1 = m.sparse_sgd(t1, rows, rg, 0.1)
            t2, a2 = m.sparse_adagrad(t2, a2, rows, rg, 0.1)
            t3, s3 = m.sparse_adam(t3, s3, rows, rg, 0.1)
        results[name] = (t1, t2, a2, t3, s3)
    assert_same(results["numpy"], results["jax"])


def test_numpy_inplace_flag():
    rng = np.random.default_rng(7)
    table, rg = rng.normal(size=(V, D)), rng.normal(size=(len(ROWS), D))
    before = table.copy()
    out = nx.sparse_sgd(table, ROWS, rg, 0.1)
    assert out is not table and np.array_equal(table, before)          # default: the input is untouched
    out2 = nx.sparse_sgd(table, ROWS, rg, 0.1, inplace=True)
    assert out2 is table and np.array_equal(table, out)                  # inplace: same array, updated
    acc = np.zeros((V, D))
    t, a = nx.sparse_adagrad(table, acc, ROWS, rg, 0.1, inplace=True)
    assert t is table and a is acc and acc.any()
    state = nx.sparse_adam_init(table)
    t, s = nx.sparse_adam(table, state, ROWS, rg, 0.1, inplace=True)
    assert t is table and s is state and state["t"] == 1 and state["m"].any()
    s0 = nx.sparse_adam_init(table)
    nx.sparse_adam(table, s0, ROWS, rg, 0.1)
    assert s0["t"] == 0 and not s0["m"].any()


def test_jax_functions_jit_inside_a_caller_with_traced_hyperparameters():
    rng = np.random.default_rng(8)
    table, rg = rng.normal(size=(V, D)), rng.normal(size=(len(ROWS), D))

    @jax.jit
    def step(table, rows, rg, lr):                 # rows and lr are tracers here
        t = jx.sparse_sgd(table, rows, rg, lr)
        t, _ = jx.sparse_adagrad(t, jnp.zeros_like(t), rows, rg, lr)
        return jx.sgd({"W": t}, {"W": t}, lr)["W"]

    expected = nx.sparse_sgd(table, ROWS, rg, 0.3)
    expected, _ = nx.sparse_adagrad(expected, np.zeros((V, D)), ROWS, rg, 0.3)
    expected = expected - 0.3 * expected
    assert_same(expected, np.asarray(step(table, ROWS, rg, 0.3)))


def test_jax_float32_stays_float32():
    p = {"W": np.ones((2, 3), np.float32)}
    g = {"W": np.full((2, 3), 0.5, np.float32)}
    for new in (jx.sgd(p, g, 0.1), jx.adagrad(p, g, jx.adagrad_init(p), 0.1)[0], jx.adam(p, g, jx.adam_init(p), 0.1)[0]):
        assert new["W"].dtype == jnp.float32
    t, s = jx.sparse_adam(p["W"], jx.sparse_adam_init(p["W"]), np.array([0, 0]), g["W"], 0.1)
    assert t.dtype == jnp.float32 and s["m"].dtype == jnp.float32


@BOTH
def test_bad_input_raises_clear_errors(m):
    table, rg = np.zeros((V, D)), np.ones((2, D))
    with pytest.raises(ValueError, match=r"rows must lie in \[0, 7\)"):
        m.sparse_sgd(table, np.array([0, V]), rg, 0.1)
    with pytest.raises(ValueError, match="rows must lie"):
        m.sparse_adagrad(table, table, np.array([-1, 0]), rg, 0.1)
    with pytest.raises(ValueError, match="rows must lie"):
        m.sparse_adam(table, m.sparse_adam_init(table), np.array([0, 99]), rg, 0.1)
    with pytest.raises(TypeError, match="rows must be an integer"):
        m.sparse_sgd(table, np.array([0.0, 1.0]), rg, 0.1)
    with pytest.raises(ValueError, match=r"row_grads must have shape \(N, d\) = \(2, 3\)"):
        m.sparse_sgd(table, np.array([0, 1]), np.ones((2, D + 1)), 0.1)
    with pytest.raises(ValueError, match="rows must have shape"):
        m.sparse_sgd(table, np.array([[0, 1]]), rg, 0.1)
    with pytest.raises(ValueError, match="accum must have"):
        m.sparse_adagrad(table, np.zeros((V, D + 1)), np.array([0, 1]), rg, 0.1)
    p = {"W": np.zeros((2, 2)), "b": np.zeros(2)}
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        m.sgd(p, {"W": np.zeros((2, 2))}, 0.1)
    with pytest.raises(ValueError, match=r"grads\['b'\] must have shape \(2,\)"):
        m.adam(p, {"W": np.zeros((2, 2)), "b": np.zeros(3)}, m.adam_init(p), 0.1)


def test_linear_decay():
    assert optim.linear_decay(0, 100, 0.025, 1e-4) == 0.025
    assert optim.linear_decay(100, 100, 0.025, 1e-4) == pytest.approx(1e-4, abs=1e-15)
    assert optim.linear_decay(250, 100, 0.025, 1e-4) == pytest.approx(1e-4, abs=1e-15)   # clamped after the end
    assert optim.linear_decay(-5, 100, 0.025, 1e-4) == 0.025                             # clamped before the start
    assert optim.linear_decay(50, 100, 0.02, 0.0) == pytest.approx(0.01)
    lrs = [optim.linear_decay(s, 10, 1.0, 0.1) for s in range(11)]
    assert all(a > b for a, b in zip(lrs, lrs[1:]))
    with pytest.raises(ValueError, match="total_steps"):
        optim.linear_decay(0, 0, 0.1, 0.0)
    with pytest.raises(ValueError, match="lr"):
        optim.linear_decay(0, 10, -0.1, 0.0)


def test_backend_choice():
    assert optim.backend("numpy") is nx and optim.backend("jax") is jx
    with pytest.raises(ValueError, match="numpy"):
        optim.backend("torch")
    public = {n for n in dir(nx) if not n.startswith("_") and callable(getattr(nx, n))}
    assert public <= set(dir(jx))
    assert {"sgd", "adagrad_init", "adagrad", "adam_init", "adam", "sparse_sgd", "sparse_adagrad",
            "sparse_adam_init", "sparse_adam"} <= public

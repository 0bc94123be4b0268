"""Recurrent layers: NumPy and JAX agree, the hand-written BPTT is right, PyTorch agrees, padding is inert.

The session runs JAX in float64 (tests/conftest.py), so the two backends are compared tightly;
a separate check runs the JAX path in float32. PyTorch (the oracles extra) is the outside oracle:
our params load into ``torch.nn.RNN/LSTM/GRU`` with ``load_state_dict`` and must give the same
outputs, final states and gradients, including bidirectional and 2-layer stacks with lengths.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textbook.core.gradcheck import assert_gradcheck
from textbook.core.testing import Case, assert_agree, assert_float32_close
from textbook.sequence import rnn

NP = rnn.backend("numpy")
JX = rnn.backend("jax")
CELLS = rnn.CELLS
INPUT_KEYS = ("x", "h0", "c0")


def make_params(config, rng, scale=0.6):
    """Random params of every key (wider than init, so that the gates are not all near 0.5)."""
    return {k: rng.normal(scale=scale, size=shape) for k, shape in rnn.param_shapes(config).items()}


#: The configurations the property tests cover: every cell, alone and as a 2-layer bidirectional
#: residual stack, plus a 2-layer unidirectional one. Each is compiled once by JAX; Hypothesis then
#: draws the values, the lengths (zero included) and whether initial states are given.
CONFIGS = [rnn.Config(cell=cell, input_size=3, hidden_size=4, num_layers=L, bidirectional=bi, residual=res)
           for cell in CELLS for L, bi, res in [(1, False, False), (2, True, True)]] + \
          [rnn.Config(cell="lstm", input_size=3, hidden_size=4, num_layers=2)]
B, T = 3, 4


def _name(config):
    return f"{config.cell}-L{config.num_layers}-{'bi' if config.bidirectional else 'uni'}" + \
        ("-res" if config.residual else "")


@st.composite
def problems(draw, config, scales=(0.3, 1.0, 3.0)):
    """(params, batch) for ``config``: fixed shapes (jit compiles once), random values and lengths."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lengths = np.array(draw(st.lists(st.integers(0, T), min_size=B, max_size=B)))
    batch = rnn.random_batch(config, B, T, rng, lengths=lengths, initial_state=draw(st.booleans()))
    return make_params(config, rng, scale=draw(st.sampled_from(scales))), batch


# ------------------------------------------------------------------------------- NumPy and JAX agree

@pytest.mark.parametrize("config", CONFIGS, ids=_name)
@given(data=st.data())
def test_numpy_and_jax_agree_on_outputs_states_loss_and_every_gradient(config, data):
    params, batch = data.draw(problems(config))
    name = _name(config)
    inputs = {k: v for k, v in batch.items() if k in ("x", "lengths", "h0", "c0")}
    assert_agree(NP, JX, Case("forward", (params, inputs, config), name=name), rtol=1e-8, atol=1e-10)
    assert_agree(NP, JX, Case("loss_and_grad_all", (params, batch, config), name=name), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("cell", CELLS)
def test_jax_float32_path_is_close_to_numpy(cell):
    config = rnn.Config(cell=cell, input_size=3, hidden_size=5, bidirectional=True)
    rng = np.random.default_rng(1)
    params = {k: v.astype(np.float32) for k, v in make_params(config, rng).items()}
    batch = rnn.random_batch(config, 4, 6, rng)
    value, grads = JX.loss_and_grad(params, batch, config)
    assert np.asarray(value).dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())
    outputs, final = JX.forward(params, {"x": batch["x"], "lengths": batch["lengths"]}, config)
    assert outputs.dtype == np.float32 and final["h"].dtype == np.float32
    assert_agree(NP, JX, Case("loss_and_grad_all", (params, batch, config), name="float32"), rtol=2e-4, atol=2e-4,
                 widen_reference=True)


@pytest.mark.parametrize("config", CONFIGS, ids=_name)
def test_numpy_computes_in_the_dtype_of_its_params(config):
    """float32 params: float32 outputs, states and gradients, close to float64 arithmetic on the same values."""
    rng = np.random.default_rng(2)
    params32 = {k: v.astype(np.float32) for k, v in make_params(config, rng).items()}
    batch = rnn.random_batch(config, B, T, rng, initial_state=True)    # float64 inputs: cast to the params'
    assert_float32_close(NP, Case("loss_and_grad_all", (params32, batch, config)), rtol=1e-3, atol=1e-4)
    assert_float32_close(NP, Case("forward", (params32, {k: batch[k] for k in ("x", "lengths")}, config)))


def _lstm_layer_by_autodiff(w, x, mask, state0, reverse):
    """The JAX LSTM layer written plainly, one ``lax.scan`` of ``lstm_cell``, for autodiff to differentiate."""
    import jax.numpy as jnp
    from jax import lax

    ax = x @ w["W_ih"].T + w["b_ih"]

    def body(state, inputs):
        ax_t, m_t = inputs
        m = m_t[:, None]
        new = JX.lstm_cell(w, ax_t, state)
        return {k: jnp.where(m, new[k], state[k]) for k in state}, jnp.where(m, new["h"], 0.0)

    final, y = lax.scan(body, state0, (jnp.swapaxes(ax, 0, 1), mask.T), reverse=reverse)
    return jnp.swapaxes(y, 0, 1), final


@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-11), (np.float32, 2e-4)], ids=["float64", "float32"])
def test_jax_lstm_custom_vjp_equals_autodiff_through_the_scan(reverse, dtype, rtol):
    """`lstm_layer_forward` (hand-written backward pass) gives the values and gradients of plain autodiff."""
    import jax

    rng = np.random.default_rng(12)
    B, T, I, H = 4, 7, 3, 5
    w = {"W_ih": rng.normal(scale=0.6, size=(4 * H, I)), "W_hh": rng.normal(scale=0.6, size=(4 * H, H)),
         "b_ih": rng.normal(scale=0.6, size=4 * H), "b_hh": rng.normal(scale=0.6, size=4 * H)}
    x = rng.normal(size=(B, T, I))
    state0 = {"h": rng.normal(size=(B, H)), "c": rng.normal(size=(B, H))}
    mask = np.arange(T)[None, :] < np.array([7, 0, 3, 6])[:, None]
    args = jax.tree_util.tree_map(lambda a: np.asarray(a, dtype=dtype), (w, x, state0))
    cotangents = jax.tree_util.tree_map(lambda a: np.asarray(a, dtype=dtype),
                                        (rng.normal(size=(B, T, H)), {"h": rng.normal(size=(B, H)),
                                                                      "c": rng.normal(size=(B, H))}))
    results = []
    for layer in (JX.lstm_layer_forward, _lstm_layer_by_autodiff):
        out, vjp = jax.vjp(lambda w, x, s: layer(w, x, mask, s, reverse), *args)
        results.append((out, vjp(cotangents)))
    ours, reference = (jax.tree_util.tree_leaves(r) for r in results)
    assert len(ours) == len(reference)
    for a, b in zip(ours, reference):
        assert a.dtype == dtype
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=rtol)


# ------------------------------------------------------------------------------ gradients by hand

def _split(merged, config):
    params = {k: v for k, v in merged.items() if k not in INPUT_KEYS}
    inputs = {k: v for k, v in merged.items() if k in INPUT_KEYS}
    return params, inputs


@pytest.mark.parametrize("config", CONFIGS, ids=_name)
@settings(max_examples=3)
@given(data=st.data())
def test_numpy_bptt_matches_central_differences_for_params_inputs_and_initial_states(config, data):
    params, batch = data.draw(problems(config, scales=(0.3, 1.0)))
    _, grads, input_grads = NP.loss_and_grad_all(params, batch, config)
    merged = {**params, **{k: batch[k] for k in input_grads if k in batch}}
    if "h0" not in batch:                                          # default zero states: check them too
        merged.update({k + "0": np.zeros_like(input_grads[k + "0"]) for k in rnn.state_keys(config)})
    fixed = {k: v for k, v in batch.items() if k not in INPUT_KEYS}

    def f(m):
        p, inputs = _split(m, config)
        return NP.loss(p, {**fixed, **inputs}, config)

    assert_gradcheck(f, merged, {**grads, **input_grads}, rtol=1e-5, atol=1e-8, max_entries=24)


@pytest.mark.parametrize("cell", CELLS)
def test_step_and_step_backward_match_one_step_of_a_layer(cell):
    """The reusable step (for decoders) is one unmasked step of the layer; its backward passes gradcheck."""
    config = rnn.Config(cell=cell, input_size=3, hidden_size=4)
    rng = np.random.default_rng(3)
    params = make_params(config, rng)
    w = NP.cell_weights(params, 0, 0)
    x = rng.normal(size=(2, 3))
    state = {k: rng.normal(size=(2, 4)) for k in rnn.state_keys(config)}
    new, cache = NP.step(cell, w, x, state)
    outputs, final = NP.forward(params, {"x": x[:, None], "h0": state["h"][None],
                                         **({"c0": state["c"][None]} if cell == "lstm" else {})}, config)
    np.testing.assert_allclose(new["h"], outputs[:, 0], rtol=1e-13)
    for k in new:
        np.testing.assert_allclose(new[k], final[k][0], rtol=1e-13)
    jx_new = JX.step(cell, {k: np.asarray(v) for k, v in w.items()}, x, state)
    for k in new:
        np.testing.assert_allclose(np.asarray(jx_new[k]), new[k], rtol=1e-12)

    d_new = {k: rng.normal(size=(2, 4)) for k in new}
    dx, d_state, dw = NP.step_backward(cell, w, d_new, cache)

    def f(m):
        s = NP.step(cell, {k: m[k] for k in w}, m["x"], {k: m[k] for k in state})[0]
        return float(sum(np.sum(s[k] * d_new[k]) for k in s))

    merged = {**w, "x": x, **state}
    assert_gradcheck(f, merged, {**dw, "x": dx, **d_state}, rtol=1e-6, atol=1e-9)


# ------------------------------------------------------------------------------- PyTorch, the oracle

TORCH_CASES = [(cell, L, bi) for cell in CELLS for L, bi in [(1, False), (1, True), (2, False), (2, True)]]


@pytest.mark.parametrize("cell,num_layers,bidirectional", TORCH_CASES)
def test_pytorch_gives_the_same_outputs_states_and_gradients(cell, num_layers, bidirectional):
    torch = pytest.importorskip("torch", reason="PyTorch is the outside oracle (pip install -e '.[oracles]')")
    config = rnn.Config(cell=cell, input_size=3, hidden_size=5, num_layers=num_layers, bidirectional=bidirectional)
    rng = np.random.default_rng(11)
    params = rnn.init(config, seed=4)
    B, T = 4, 6
    batch = rnn.random_batch(config, B, T, rng, lengths=np.array([6, 2, 4, 1]))

    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](
        3, 5, num_layers=num_layers, bidirectional=bidirectional, batch_first=True, dtype=torch.float64)
    assert list(module.state_dict()) == list(params)              # same names, same order
    module.load_state_dict({k: torch.from_numpy(v) for k, v in params.items()})
    x = torch.tensor(batch["x"], requires_grad=True)
    states = {k: torch.tensor(batch[k + "0"], requires_grad=True) for k in rnn.state_keys(config)}
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(batch["lengths"]), batch_first=True,
                                                     enforce_sorted=False)
    out, final = module(packed, (states["h"], states["c"]) if cell == "lstm" else states["h"])
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)
    final = dict(zip(("h", "c"), final)) if cell == "lstm" else {"h": final}
    loss = (out * torch.tensor(batch["weights"])).sum()
    for k in final:
        loss = loss + (final[k] * torch.tensor(batch[k + "_weights"])).sum()
    loss.backward()

    inputs = {k: batch[k] for k in ("x", "lengths", "h0", "c0") if k in batch}
    for impl in (NP, JX) if num_layers == 2 and bidirectional else (NP,):   # JAX = NumPy is tested above
        outputs, ours = impl.forward(params, inputs, config)
        np.testing.assert_allclose(np.asarray(outputs), out.detach().numpy(), rtol=1e-9, atol=1e-12)
        for k in final:
            np.testing.assert_allclose(np.asarray(ours[k]), final[k].detach().numpy(), rtol=1e-9, atol=1e-12)
        value, grads, input_grads = impl.loss_and_grad_all(params, batch, config)
        assert float(value) == pytest.approx(loss.item(), rel=1e-10, abs=1e-12)
        for k, p in module.named_parameters():
            np.testing.assert_allclose(np.asarray(grads[k]), p.grad.numpy(), rtol=1e-8, atol=1e-11, err_msg=k)
        np.testing.assert_allclose(np.asarray(input_grads["x"]), x.grad.numpy(), rtol=1e-8, atol=1e-11)
        for k in final:
            np.testing.assert_allclose(np.asarray(input_grads[k + "0"]), states[k].grad.numpy(),
                                       rtol=1e-8, atol=1e-11, err_msg=k + "0")


def test_pytorch_default_init_has_our_bound_and_keys():
    torch = pytest.importorskip("torch", reason="PyTorch is the outside oracle (pip install -e '.[oracles]')")
    config = rnn.Config(cell="gru", input_size=7, hidden_size=16, num_layers=2, bidirectional=True)
    params = rnn.init(config, seed=0)
    module = torch.nn.GRU(7, 16, num_layers=2, bidirectional=True)
    assert {k: tuple(v.shape) for k, v in module.state_dict().items()} == {k: v.shape for k, v in params.items()}
    bound = 1 / np.sqrt(16)
    for k, v in params.items():
        assert v.dtype == np.float64 and np.all(np.abs(v) <= bound), k
        assert np.abs(v).max() > 0.8 * bound, k                   # uniform over the whole interval
    np.testing.assert_array_equal(rnn.init(config, seed=0)["weight_ih_l1"], params["weight_ih_l1"])
    assert not np.array_equal(rnn.init(config, seed=1)["weight_ih_l1"], params["weight_ih_l1"])


# ------------------------------------------------------------------------ lengths, padding, directions

@pytest.mark.parametrize("backend,cell", [("numpy", cell) for cell in CELLS] + [("jax", "lstm")])
def test_padding_never_changes_results(cell, backend):
    """More padded steps with garbage inputs, and a different batch-mate, change nothing for a sequence.

    (JAX runs one cell here: it equals NumPy for every cell with random lengths, tested above.)
    """
    impl = rnn.backend(backend)
    config = rnn.Config(cell=cell, input_size=2, hidden_size=3, num_layers=2, bidirectional=True, residual=True)
    rng = np.random.default_rng(5)
    params = make_params(config, rng)
    short = rnn.random_batch(config, 2, 4, rng, lengths=np.array([3, 4]))
    padded = {k: v.copy() for k, v in short.items()}
    extra = 3
    padded["x"] = np.concatenate([short["x"], rng.normal(size=(2, extra, 2)) * 5], axis=1)
    padded["weights"] = np.concatenate([short["weights"], rng.normal(size=(2, extra, 6))], axis=1)
    padded["x"][0, 3] = 7.0                                       # inside T but past row 0's length

    value, grads, input_grads = impl.loss_and_grad_all(params, short, config)
    short_x_fixed = dict(short, x=padded["x"][:, :4])
    ref_value, ref_grads, ref_inputs = impl.loss_and_grad_all(params, short_x_fixed, config)
    value_p, grads_p, inputs_p = impl.loss_and_grad_all(params, padded, config)
    for other_value, other_grads in ((ref_value, ref_grads), (value_p, grads_p)):
        assert float(other_value) == pytest.approx(float(value), rel=1e-12, abs=1e-12)
        for k in grads:
            np.testing.assert_allclose(np.asarray(other_grads[k]), np.asarray(grads[k]), rtol=1e-11, atol=1e-13)
    dx = np.asarray(inputs_p["x"])
    assert np.all(dx[0, 3:] == 0) and np.all(dx[1, 4:] == 0)     # padded steps get no gradient
    np.testing.assert_allclose(dx[:, :4] * (np.arange(4) < short["lengths"][:, None])[..., None],
                               np.asarray(input_grads["x"]), rtol=1e-11, atol=1e-13)

    # each row alone, unpadded, gives the same outputs and final states as in the padded batch
    inputs = {k: padded[k] for k in ("x", "lengths", "h0", "c0") if k in padded}
    outputs, final = impl.forward(params, inputs, config)
    outputs = np.asarray(outputs)
    for b in range(2):
        n = int(padded["lengths"][b])
        alone = {"x": padded["x"][b:b + 1, :n], "lengths": np.array([n])}
        alone.update({k: padded[k][:, b:b + 1] for k in ("h0", "c0") if k in padded})
        out_b, final_b = impl.forward(params, alone, config)
        np.testing.assert_allclose(outputs[b, :n], np.asarray(out_b)[0], rtol=1e-11, atol=1e-13)
        assert np.all(outputs[b, n:] == 0)
        for k in final:
            np.testing.assert_allclose(np.asarray(final[k])[:, b], np.asarray(final_b[k])[:, 0], rtol=1e-11)


@pytest.mark.parametrize("cell", CELLS)
def test_final_states_and_the_reverse_direction_respect_lengths(cell):
    config = rnn.Config(cell=cell, input_size=2, hidden_size=3, bidirectional=True)
    rng = np.random.default_rng(6)
    params = make_params(config, rng)
    lengths = np.array([5, 2, 0, 3])
    x = rng.normal(size=(4, 5, 2))
    h0 = rng.normal(size=(2, 4, 3))
    inputs = {"x": x, "lengths": lengths, "h0": h0}
    if cell == "lstm":
        inputs["c0"] = rng.normal(size=(2, 4, 3))
    outputs, final = NP.forward(params, inputs, config)
    H = 3
    for b, n in enumerate(lengths):
        if n == 0:                                                # nothing read: the state is the initial one
            np.testing.assert_array_equal(final["h"][:, b], h0[:, b])
            assert np.all(outputs[b] == 0)
            continue
        np.testing.assert_allclose(final["h"][0, b], outputs[b, n - 1, :H])   # forward: last real step
        np.testing.assert_allclose(final["h"][1, b], outputs[b, 0, H:])       # reverse: ends at t = 0
    # the reverse direction is the forward recursion (with the reverse weights) on each sequence reversed
    fwd_config = rnn.Config(cell=cell, input_size=2, hidden_size=3)
    rev_params = {k.replace("_reverse", ""): v for k, v in params.items() if k.endswith("_reverse")}
    for b, n in enumerate(lengths):
        if n == 0:
            continue
        rev_inputs = {"x": x[b:b + 1, :n][:, ::-1], "h0": h0[1:2, b:b + 1]}
        if cell == "lstm":
            rev_inputs["c0"] = inputs["c0"][1:2, b:b + 1]
        out_rev, _ = NP.forward(rev_params, rev_inputs, fwd_config)
        np.testing.assert_allclose(outputs[b, :n, H:], out_rev[0, ::-1], rtol=1e-12)


def test_residual_adds_the_layer_input():
    config = rnn.Config(cell="gru", input_size=4, hidden_size=2, num_layers=2, bidirectional=True, residual=True)
    plain = rnn.Config(cell="gru", input_size=4, hidden_size=2, num_layers=2, bidirectional=True)
    one = rnn.Config(cell="gru", input_size=4, hidden_size=2, bidirectional=True)
    rng = np.random.default_rng(7)
    params = make_params(config, rng)
    inputs = {"x": rng.normal(size=(2, 3, 4)), "lengths": np.array([3, 2])}
    res_out, _ = NP.forward(params, inputs, config)
    plain_out, _ = NP.forward(params, inputs, plain)
    first, _ = NP.forward({k: v for k, v in params.items() if "_l0" in k}, inputs, one)
    np.testing.assert_allclose(res_out, plain_out + first, rtol=1e-12)


@pytest.mark.parametrize("cell", CELLS)
def test_huge_inputs_stay_finite(cell):
    config = rnn.Config(cell=cell, input_size=3, hidden_size=4, num_layers=2)
    rng = np.random.default_rng(8)
    params = make_params(config, rng)
    batch = rnn.random_batch(config, 2, 4, rng)
    batch["x"] = batch["x"] * 1e4
    for impl in (NP, JX):
        value, grads, input_grads = impl.loss_and_grad_all(params, batch, config)
        assert np.isfinite(float(value))
        assert all(np.isfinite(np.asarray(g)).all() for g in (*grads.values(), *input_grads.values()))


# ------------------------------------------------------------------------------------ bad input

def test_config_is_validated_and_hashable():
    config = rnn.Config(cell="lstm", input_size=np.int64(3), hidden_size=4)
    assert hash(config) == hash(rnn.Config(cell="lstm", input_size=3, hidden_size=4))
    assert type(config.input_size) is int and config.output_size == 4 and config.gates == 4
    for kwargs, match in [(dict(cell="elman"), "cell"), (dict(input_size=0), "input_size"),
                          (dict(hidden_size=2.0), "hidden_size"), (dict(num_layers=0), "num_layers")]:
        with pytest.raises(ValueError, match=match):
            rnn.Config(**{**dict(cell="rnn", input_size=3, hidden_size=4), **kwargs})
    with pytest.raises(TypeError, match="bidirectional"):
        rnn.Config(cell="rnn", input_size=3, hidden_size=4, bidirectional="yes")


@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_bad_inputs_raise_clear_errors(impl):
    config = rnn.Config(cell="gru", input_size=3, hidden_size=4, num_layers=2)
    params = rnn.init(config)
    x = np.zeros((2, 5, 3))
    cases = [
        ({"x": np.zeros((2, 5, 4))}, ValueError, r"x.*\(B, T, input_size\)"),
        ({"x": np.zeros((5, 3))}, ValueError, "x"),
        ({"x": x, "lengths": np.array([5, 6])}, ValueError, r"lengths.*\[0, 5\]"),
        ({"x": x, "lengths": np.array([5, -1])}, ValueError, "lengths"),
        ({"x": x, "lengths": np.array([5.0, 2.0])}, TypeError, "lengths"),
        ({"x": x, "lengths": np.array([5])}, ValueError, r"lengths.*\(B,\)"),
        ({"x": x, "h0": np.zeros((1, 2, 4))}, ValueError, r"h0.*\(2, 2, 4\)"),
        ({"x": x, "c0": np.zeros((2, 2, 4))}, ValueError, "c0"),
        ({"x": np.full((2, 5, 3), np.nan)}, ValueError, "finite"),
        ({"lengths": np.array([5, 5])}, ValueError, "missing key 'x'"),
    ]
    for inputs, error, match in cases:
        with pytest.raises(error, match=match):
            impl.forward(params, inputs, config)
    with pytest.raises(ValueError, match="weight_hh_l1"):
        impl.forward({k: v for k, v in params.items() if k != "weight_hh_l1"}, {"x": x}, config)
    with pytest.raises(ValueError, match=r"weight_ih_l1.*\(12, 4\)"):
        impl.forward({**params, "weight_ih_l1": np.zeros((12, 3))}, {"x": x}, config)
    batch = rnn.random_batch(config, 2, 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="missing key 'weights'"):
        impl.loss(params, {k: v for k, v in batch.items() if k != "weights"}, config)
    with pytest.raises(ValueError, match="unexpected key 'c_weights'"):
        impl.loss(params, {**batch, "c_weights": batch["h_weights"]}, config)

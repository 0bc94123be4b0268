"""The dilated causal stack: backends agree, gradients are right, and the receptive field is what the formula says.

The Jacobian tests read the receptive field off the model itself: row ``t`` of the Jacobian of
the output with respect to the input is computed by the backward pass (``input_gradient`` with an
upstream gradient that is non-zero at step ``t`` only), in both backends.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from textbook.core.gradcheck import assert_gradcheck
from textbook.core.testing import Case, assert_agree
from textbook.sequence import dilated

NP = dilated.backend("numpy")
JX = dilated.backend("jax")


def make_params(config, rng, scale=1.0):
    """Random params; biases too, so that no unit sits at a special point."""
    return {k: rng.normal(scale=scale / np.sqrt(np.prod(v.shape[:-1]) if v.ndim > 1 else 1.0), size=v.shape)
            for k, v in dilated.init(config).items()}


@st.composite
def stacks(draw, out_channels=(0, 2)):
    """(config, params, x, rng): random kernel sizes, dilations, residual/gated, readout; few shapes (jit)."""
    config = dilated.Config(in_channels=2, channels=3,
                            kernel_size=draw(st.sampled_from([1, 2, 3])),
                            dilations=draw(st.sampled_from([(1,), (1, 2), (2, 1, 3), (1, 2, 4)])),
                            residual=draw(st.booleans()), gated=draw(st.booleans()),
                            out_channels=draw(st.sampled_from(out_channels)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = make_params(config, rng)
    x = rng.normal(size=(2, 9, config.in_channels))
    return config, params, x, rng


# ------------------------------------------------------------------------------- NumPy and JAX agree

@given(stacks())
def test_numpy_and_jax_agree_on_outputs_losses_and_every_gradient(stack):
    config, params, x, rng = stack
    name = f"k={config.kernel_size}, d={config.dilations}, residual={config.residual}, gated={config.gated}"
    batch = {"x": x, "target": rng.normal(size=x.shape[:2] + (config.output_size,))}
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config), name=name))   # covers predict
    dy = rng.normal(size=x.shape[:2] + (config.channels,))
    assert_agree(NP, JX, Case("input_gradient", (params, x, dy, config), name=name))


def test_jax_float32_path_is_close_to_numpy():
    config = dilated.Config(2, 4, 2, (1, 2, 4), residual=True, gated=True, out_channels=1)
    rng = np.random.default_rng(1)
    params = {k: v.astype(np.float32) for k, v in make_params(config, rng).items()}
    batch = {"x": rng.normal(size=(3, 9, 2)).astype(np.float32),
             "target": rng.normal(size=(3, 9, 1)).astype(np.float32)}
    value, grads = JX.loss_and_grad(params, batch, config)
    assert np.asarray(value).dtype == np.float32 and grads["layer0.W"].dtype == np.float32
    assert_agree(NP, JX, Case("loss_and_grad", (params, batch, config)), rtol=1e-4, atol=1e-6)
    assert_agree(NP, JX, Case("forward", (params, batch["x"], config)), rtol=1e-5, atol=1e-6)
    params64 = {k: v.astype(np.float64) for k, v in params.items()}
    x64 = batch["x"].astype(np.float64)
    assert_agree(NP, JX, Case("predict", (params64, x64, config)))
    assert_agree(NP, JX, Case("forward", (params64, x64, config)))


@given(stacks())
def test_numpy_gradients_match_central_differences(stack):
    config, params, x, rng = stack
    batch = {"x": x, "target": rng.normal(size=x.shape[:2] + (config.output_size,))}
    _, grads = NP.loss_and_grad(params, batch, config)
    assert_gradcheck(lambda p: NP.loss(p, batch, config), params, grads, rtol=1e-5, atol=1e-8)
    dy = rng.normal(size=x.shape[:2] + (config.channels,))         # the input gradient too
    dx = NP.input_gradient(params, x, dy, config)
    assert_gradcheck(lambda p: float(np.sum(NP.forward(params, p["x"], config) * dy)), {"x": x}, {"x": dx},
                     rtol=1e-5, atol=1e-8)


# ------------------------------------------------------------------------------- the receptive field

def jacobian_support(impl, params, config, T, rng):
    """``S[t, s]``: whether output step ``t`` depends on input step ``s`` (via the backward pass, exactly)."""
    x = rng.normal(size=(1, T, config.in_channels))
    S = np.zeros((T, T), dtype=bool)
    for t in range(T):
        dy = np.zeros((1, T, config.channels))
        dy[0, t] = rng.normal(size=config.channels)                # a random mix of the output channels
        dx = np.asarray(impl.input_gradient(params, x, dy, config))[0]
        S[t] = np.abs(dx).sum(axis=1) > 0
    return S


@st.composite
def schedules(draw):
    """Random kernel sizes and dilation schedules, gaps allowed (e.g. k = 2 with dilations 1, 5)."""
    k = draw(st.integers(1, 4))
    dilations = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    return k, dilations


@given(schedules(), st.booleans(), st.booleans())
def test_jacobian_is_nonzero_exactly_on_the_reachable_past(schedule, residual, gated):
    """Output t depends on input t - s exactly for the lags s the taps can add up to; never on the future."""
    k, dilations = schedule
    config = dilated.Config(in_channels=2, channels=3, kernel_size=k, dilations=dilations,
                            residual=residual, gated=gated)
    rng = np.random.default_rng(sum(dilations) * 7 + k)
    params = make_params(config, rng)
    RF = dilated.receptive_field(k, dilations)
    assert RF == 1 + (k - 1) * sum(dilations)
    lags = dilated.reachable_lags(k, dilations)
    assert lags.min() == 0 and lags.max() == RF - 1               # the formula is the span of the lags
    T = RF + 3
    S = jacobian_support(NP, params, config, T, rng)
    expected = np.zeros((T, T), dtype=bool)
    for t in range(T):
        past = t - lags
        expected[t, past[past >= 0]] = True
    assert not np.any(np.triu(S, k=1)), "an output depends on a future input"
    np.testing.assert_array_equal(S, expected)
    assert np.flatnonzero(S[T - 1]).min() == T - RF                # the last output reaches back RF - 1 steps


@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
@pytest.mark.parametrize("k, dilations", [(2, (1, 2, 4, 8)), (3, (1, 2, 4)), (2, (1, 1, 1)), (3, (1, 3, 9)),
                                          (4, (1, 2))])
def test_jacobian_fills_the_whole_receptive_field_without_gaps(impl, k, dilations):
    """With doubling (or k-fold) dilations every step of t - RF + 1 .. t is used, in both backends."""
    config = dilated.Config(in_channels=1, channels=2, kernel_size=k, dilations=dilations, residual=True)
    rng = np.random.default_rng(0)
    params = make_params(config, rng)
    RF = dilated.receptive_field(k, dilations)
    T = RF + 4
    S = jacobian_support(impl, params, config, T, rng)
    for t in range(T):
        np.testing.assert_array_equal(np.flatnonzero(S[t]), np.arange(max(t - RF + 1, 0), t + 1), err_msg=f"t={t}")


def test_a_schedule_with_gaps_has_blind_spots():
    np.testing.assert_array_equal(dilated.reachable_lags(2, (1, 4)), [0, 1, 4, 5])
    config = dilated.Config(in_channels=1, channels=2, kernel_size=2, dilations=(1, 4))
    rng = np.random.default_rng(1)
    S = jacobian_support(NP, make_params(config, rng), config, 8, rng)
    np.testing.assert_array_equal(np.flatnonzero(S[7]), [2, 3, 6, 7])


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_doubling_dilations_double_the_receptive_field_per_layer(k):
    """RF(L + 1) - 1 = 2 (RF(L) - 1) + (k - 1): exactly double for k = 2, double plus one for k = 3."""
    rfs = [dilated.receptive_field(k, tuple(2 ** i for i in range(L))) for L in range(1, 11)]
    for L in range(1, 10):
        assert rfs[L] == 2 * rfs[L - 1] + (k - 2)
    if k == 2:
        assert rfs == [2 ** L for L in range(1, 11)]
    if k == 3:
        assert rfs == [2 ** (L + 1) - 1 for L in range(1, 11)]
    undilated = [dilated.receptive_field(k, (1,) * L) for L in range(1, 11)]
    assert undilated == [1 + (k - 1) * L for L in range(1, 11)]     # linear growth without dilation


@pytest.mark.parametrize("L", [1, 2, 3, 4])
def test_measured_receptive_field_doubles_with_each_doubled_layer(L):
    k = 2
    config = dilated.Config(in_channels=1, channels=2, kernel_size=k, dilations=tuple(2 ** i for i in range(L)))
    rng = np.random.default_rng(L)
    T = 2 ** L + 2
    S = jacobian_support(NP, make_params(config, rng), config, T, rng)
    assert S[T - 1].sum() == 2 ** L == dilated.receptive_field(k, config.dilations)


@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_forward_is_causal(impl):
    config = dilated.Config(in_channels=2, channels=3, kernel_size=3, dilations=(1, 2, 4), residual=True, gated=True)
    rng = np.random.default_rng(2)
    params = make_params(config, rng)
    x = rng.normal(size=(2, 20, 2))
    y = np.asarray(impl.forward(params, x, config))
    for t in (0, 5, 13):
        x2 = x.copy()
        x2[:, t + 1:] = 50 * rng.normal(size=x2[:, t + 1:].shape)
        np.testing.assert_array_equal(np.asarray(impl.forward(params, x2, config))[:, : t + 1], y[:, : t + 1])


# ------------------------------------------------------------------------------- the demo

@pytest.mark.slow
def test_echo_needs_a_receptive_field_longer_than_the_delay():
    """Delay 10: a stack seeing 16 steps learns to echo; one seeing 8 steps cannot beat predicting 0."""
    S = dilated.DEMO_SETTINGS
    x, y = dilated.echo_task(S["examples"], S["length"], S["delay"], seed=0)
    xt, yt = dilated.echo_task(64, S["length"], S["delay"], seed=1)
    baseline = float(np.mean(yt ** 2))                              # the loss of predicting 0
    losses = {}
    for dilations in [(1, 2, 4), (1, 2, 4, 8)]:
        config = dilated.Config(1, S["channels"], S["kernel_size"], dilations, out_channels=1)
        result = dilated.train(config, x, y, steps=S["steps"], batch_size=S["batch_size"], lr=S["lr"],
                               backend="jax", seed=0, progress=False)
        losses[config.receptive_field] = NP.loss(result.params, {"x": xt, "target": yt}, config)
    assert losses[16] < 0.02 * baseline, losses
    assert losses[8] > 0.9 * baseline, losses


def test_training_runs_in_both_backends_and_is_reproducible():
    config = dilated.Config(1, 4, 2, (1, 2), residual=True, gated=True, out_channels=1)
    x, y = dilated.echo_task(16, 12, 2, seed=0)
    a = dilated.train(config, x, y, steps=20, batch_size=16, backend="numpy", seed=1, progress=False)
    b = dilated.train(config, x, y, steps=20, batch_size=16, backend="numpy", seed=1, progress=False)
    j = dilated.train(config, x, y, steps=20, batch_size=16, backend="jax", seed=1, progress=False)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_allclose(j.losses, a.losses, rtol=1e-4)      # float32, same batches
    assert a.losses[-1] < a.losses[0]


# ------------------------------------------------------------------------------- bad input

def test_config_and_receptive_field_validation():
    with pytest.raises(ValueError, match="kernel_size must be an integer >= 1"):
        dilated.receptive_field(0, (1, 2))
    with pytest.raises(ValueError, match="dilations must be a non-empty sequence"):
        dilated.receptive_field(2, ())
    with pytest.raises(ValueError, match="dilations must be a non-empty sequence"):
        dilated.receptive_field(2, (1, 0))
    with pytest.raises(ValueError, match="Config.dilations must be a sequence"):
        dilated.Config(1, 2, 2, 4)
    with pytest.raises(ValueError, match="Config.channels must be an integer >= 1"):
        dilated.Config(1, 0, 2, (1,))
    with pytest.raises(TypeError, match="Config.residual must be True or False"):
        dilated.Config(1, 2, 2, (1,), residual="yes")
    config = dilated.Config(1, 2, 2, [1, 2, 4])
    assert config.dilations == (1, 2, 4) and config.receptive_field == 8
    hash(config)


@pytest.mark.parametrize("impl", [NP, JX], ids=["numpy", "jax"])
def test_bad_input_raises_clear_errors(impl):
    config = dilated.Config(2, 3, 2, (1, 2), out_channels=1)
    params = dilated.init(config)
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, in_channels\) = \(B, T, 2\)"):
        impl.forward(params, np.zeros((1, 5, 3)), config)
    with pytest.raises(TypeError, match="x must be a float array"):
        impl.forward(params, np.zeros((1, 5, 2), dtype=int), config)
    with pytest.raises(ValueError, match=r"batch\['target'\] must have shape \(B, T, 1\) = \(1, 5, 1\)"):
        impl.loss(params, {"x": np.zeros((1, 5, 2)), "target": np.zeros((1, 5, 3))}, config)
    with pytest.raises(ValueError, match=r"params is missing key 'readout.W'"):
        impl.forward({k: v for k, v in params.items() if k != "readout.W"}, np.zeros((1, 5, 2)), config)
    with pytest.raises(ValueError, match=r"dy must have shape \(B, T, 3\)"):
        impl.input_gradient(params, np.zeros((1, 5, 2)), np.zeros((1, 5, 1)), config)
    with pytest.raises(ValueError, match="must be finite"):
        impl.loss(params, {"x": np.full((1, 5, 2), np.nan), "target": np.zeros((1, 5, 1))}, config)

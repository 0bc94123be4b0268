"""The backend registry: names are checked, params move between backends unchanged."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from textbook.core import BACKENDS, backend, check_backend, convert, load_impl, to_jax, to_numpy
from textbook.core.testing import compare


@pytest.mark.parametrize("bad", ["torch", "NumPy", "", None, 3])
def test_unknown_backend_raises_listing_the_choices(bad):
    with pytest.raises(ValueError) as info:
        backend(bad)
    assert "numpy" in str(info.value) and "jax" in str(info.value)
    with pytest.raises(ValueError):
        check_backend(bad)
    with pytest.raises(ValueError):
        convert({}, bad)


def test_backend_modules():
    assert BACKENDS == ("numpy", "jax")
    assert backend("numpy").__name__ == "textbook.core.numerics.numpy_impl"
    assert backend("jax").__name__ == "textbook.core.numerics.jax_impl"
    assert load_impl("textbook.core.optim", "jax").__name__ == "textbook.core.optim.jax_impl"
    fns = {n for n in dir(backend("numpy")) if not n.startswith("_") and callable(getattr(backend("numpy"), n))}
    assert {"sigmoid", "log_sigmoid", "logsumexp", "log_softmax", "softmax", "softmax_cross_entropy"} <= fns
    assert fns - {"annotations"} <= set(dir(backend("jax")))


def sample_params():
    rng = np.random.default_rng(0)
    return {"W_in": rng.normal(size=(5, 3)), "b": rng.normal(size=(3,)), "ids": np.arange(4), "s": np.array(2.5)}


def test_round_trip_keeps_keys_shapes_values():
    params = sample_params()
    on_jax = to_jax(params)                       # the test session runs JAX in float64
    assert list(on_jax) == list(params)
    assert all(isinstance(v, jax.Array) for v in on_jax.values())
    assert on_jax["W_in"].dtype == jnp.float64 and jnp.issubdtype(on_jax["ids"].dtype, jnp.integer)
    back = to_numpy(on_jax)
    assert all(type(v) is np.ndarray for v in back.values())
    assert compare(params, back, rtol=0, atol=0) == []
    assert {k: v.shape for k, v in back.items()} == {k: v.shape for k, v in params.items()}
    assert compare(params, convert(convert(params, "jax"), "numpy"), rtol=0, atol=0) == []


def test_to_jax_casts_floats_only_when_asked():
    params = sample_params()
    f32 = convert(params, "jax", dtype=jnp.float32)
    assert f32["W_in"].dtype == jnp.float32 and f32["s"].dtype == jnp.float32
    assert jnp.issubdtype(f32["ids"].dtype, jnp.integer)
    back = to_numpy(f32)
    assert compare(params, back, rtol=1e-6, atol=1e-7) == []
    assert compare(params, back, rtol=1e-12, atol=0)                   # float32 really is lossy
    assert back["W_in"].dtype == np.float32

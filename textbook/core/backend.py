"""The backend registry: pick an implementation by name, move params between backends.

Each algorithm package ships two modules with the same functions,
``numpy_impl`` and ``jax_impl``.  ``load_impl(package, name)`` imports the one
asked for, lazily, so that a NumPy-only user never pays for importing JAX.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Mapping

import numpy as np

BACKENDS: tuple[str, ...] = ("numpy", "jax")

Params = dict  # dict[str, array]: the same keys, shapes and meaning in both backends


def check_backend(name: object) -> str:
    """Return ``name`` if it names a backend, else raise a ``ValueError`` listing the choices."""
    if not isinstance(name, str) or name not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {name!r}")
    return name


def load_impl(package: str, name: str) -> ModuleType:
    """Import ``{package}.{name}_impl`` (e.g. ``textbook.embeddings.word2vec.jax_impl``)."""
    return importlib.import_module(f"{package}.{check_backend(name)}_impl")


def backend(name: str) -> ModuleType:
    """The stable numerics of one backend (``log_sigmoid``, ``logsumexp``, ...).

    >>> backend("numpy").log_sigmoid(np.array([-1e4, 0.0, 1e4]))
    array([-1.00000000e+04, -6.93147181e-01,  0.00000000e+00])
    """
    return load_impl("textbook.core.numerics", name)


def to_numpy(params: Mapping[str, object]) -> dict[str, np.ndarray]:
    """Copy a params dict (NumPy or JAX arrays) into NumPy arrays, keeping dtypes."""
    return {k: np.asarray(v) for k, v in params.items()}


def to_jax(params: Mapping[str, object], dtype: object = None) -> dict:
    """Move a params dict onto the default JAX device, optionally casting floats to ``dtype``.

    Without ``dtype`` floats become JAX's default float (float32 unless x64 is
    enabled); integer arrays keep an integer type.
    """
    import jax.numpy as jnp

    out = {}
    for k, v in params.items():
        a = np.asarray(v)
        if np.issubdtype(a.dtype, np.floating):
            out[k] = jnp.asarray(a, dtype=dtype) if dtype is not None else jnp.asarray(a, dtype=jnp.result_type(float))
        else:
            out[k] = jnp.asarray(a)
    return out


def convert(params: Mapping[str, object], name: str, dtype: object = None) -> dict:
    """Move ``params`` to backend ``name`` (``"numpy"`` or ``"jax"``)."""
    return to_numpy(params) if check_backend(name) == "numpy" else to_jax(params, dtype)

"""Host-side checks of GloVe params, optimiser state and batches, shared by both backends.

Both ``numpy_impl`` and ``jax_impl`` call `check_params` and `check_batch` before computing
anything, so bad input fails the same way in either backend, with a ``ValueError``/``TypeError``
that names the key and the expected shape or range (never a silent broadcast, a clipped index,
``log 0`` or NaN).

A batch holds ``B`` non-zero entries of the co-occurrence matrix:

| key      | shape  | dtype   | range |
|----------|--------|---------|-------|
| `rows`   | `(B,)` | integer | word ids `i` in `[0, vocab_size)` |
| `cols`   | `(B,)` | integer | context ids `j` in `[0, vocab_size)` |
| `counts` | `(B,)` | float   | `X_ij > 0` and finite (the loss takes `log X_ij`) |
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from textbook.core.validate import check_lr, check_param_shapes  # noqa: F401 (check_lr is part of this module's API)

PARAM_KEYS = ("W", "W_tilde", "b", "b_tilde")
BATCH_KEYS = ("rows", "cols", "counts")


def param_shapes(config: Any) -> dict[str, tuple[int, ...]]:
    """The shape of every parameter for ``config``."""
    V, d = config.vocab_size, config.dim
    return {"W": (V, d), "W_tilde": (V, d), "b": (V,), "b_tilde": (V,)}


def check_params(params: Mapping[str, object], config: Any, name: str = "params") -> None:
    """Check that ``params`` has exactly ``W``, ``W_tilde`` ``(V, d)`` and ``b``, ``b_tilde`` ``(V,)``, floats."""
    check_param_shapes(params, param_shapes(config), name=name,
                       context=f" (vocab_size={config.vocab_size}, dim={config.dim})")


def _ids(name: str, value: object, B: int, V: int) -> np.ndarray:
    a = np.asarray(value)
    if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"batch[{name!r}] must hold integer word ids of shape (B,), got dtype {a.dtype}")
    if a.shape != (B,):
        raise ValueError(f"batch[{name!r}] must have shape (B,) = ({B},), got {a.shape}")
    bad = a[(a < 0) | (a >= V)]
    if bad.size:
        raise ValueError(f"batch[{name!r}] holds id {int(bad[0])} outside [0, {V}) (vocab_size={V})")
    return a.astype(np.int64, copy=False)


def check_batch(batch: Mapping[str, object], config: Any) -> dict[str, np.ndarray]:
    """Validate ``batch`` and return it as NumPy arrays (ids int64, counts float64).

    Raises:
        TypeError: if ``batch`` is not a mapping, ids are not integers or counts not numbers.
        ValueError: on a missing or unexpected key, a wrong shape, an id outside
            ``[0, vocab_size)``, an empty batch, or a count that is not finite and > 0.
    """
    if not isinstance(batch, Mapping):
        raise TypeError(f"batch must be a dict with keys {BATCH_KEYS}, got {type(batch).__name__}")
    missing = [k for k in BATCH_KEYS if k not in batch]
    if missing:
        raise ValueError(f"batch is missing key {missing[0]!r}; a GloVe batch has keys {BATCH_KEYS}, each (B,)")
    extra = [k for k in batch if k not in BATCH_KEYS]
    if extra:
        raise ValueError(f"batch has unexpected key {extra[0]!r}; a GloVe batch has keys {BATCH_KEYS}")
    rows = np.asarray(batch["rows"])
    if rows.ndim != 1:
        raise ValueError(f"batch['rows'] must have shape (B,), got {rows.shape}")
    B = rows.shape[0]
    if B == 0:
        raise ValueError("batch['rows'] is empty: a batch needs at least one entry (B >= 1)")
    out = {"rows": _ids("rows", rows, B, config.vocab_size), "cols": _ids("cols", batch["cols"], B, config.vocab_size)}
    counts = np.asarray(batch["counts"])
    if counts.dtype == bool or counts.dtype.kind not in "iuf":
        raise TypeError(f"batch['counts'] must hold co-occurrence counts (floats) of shape (B,), got dtype {counts.dtype}")
    if counts.shape != (B,):
        raise ValueError(f"batch['counts'] must have shape (B,) = ({B},), got {counts.shape}")
    counts = counts.astype(np.float64)
    bad = np.flatnonzero(~(np.isfinite(counts) & (counts > 0)))
    if bad.size:
        raise ValueError(f"batch['counts'][{int(bad[0])}] = {counts[bad[0]]!r}: every count must be finite and > 0 "
                         f"(the loss takes log X_ij; zero entries are never part of a batch)")
    out["counts"] = counts
    return out


def check_state(state: Mapping[str, object], config: Any) -> None:
    """The AdaGrad state of eq. (GLOVE-6): one accumulator per parameter, with its shape."""
    check_params(state, config, name="state")


def check_order(order: object, data: Mapping[str, object]) -> np.ndarray:
    """``order`` as an int64 ``(steps, B)`` array of indices into the ``nnz`` entries of ``data``."""
    a = np.asarray(order)
    if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"order must hold integer indices of shape (steps, B), got dtype {a.dtype}")
    if a.ndim != 2 or a.shape[1] == 0:
        raise ValueError(f"order must have shape (steps, B) with B >= 1, got {a.shape}")
    nnz = np.shape(data["rows"])[0] if isinstance(data, Mapping) and "rows" in data else 0
    if a.size and (a.min() < 0 or a.max() >= nnz):
        raise ValueError(f"order holds indices outside [0, {nnz}) (the number of entries in data)")
    return a.astype(np.int64, copy=False)


def check_weighting_args(x: object, x_max: object, alpha: object) -> np.ndarray:
    """``x`` of eq. (GLOVE-2) as float64 after checking ``x >= 0`` (finite), ``x_max > 0`` and ``alpha >= 0``."""
    a = np.asarray(x)
    if a.dtype == bool or a.dtype.kind not in "iuf":
        raise TypeError(f"x must hold co-occurrence counts (numbers), got dtype {a.dtype}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError("x must be finite and >= 0 (co-occurrence counts)")
    for name, value, low, strict in (("x_max", x_max, 0.0, True), ("alpha", alpha, 0.0, False)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not np.isfinite(value) or (value <= low if strict else value < low):
            raise ValueError(f"{name} must be a finite number {'>' if strict else '>='} {low:g}, got {value!r}")
    return a

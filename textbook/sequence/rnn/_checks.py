"""Host-side checks of recurrent params, inputs and test batches, shared by both backends.

Both ``numpy_impl`` and ``jax_impl`` call these before computing anything, so
bad input fails the same way in either backend: a ``ValueError``/``TypeError``
naming the key and the expected shape, never a silent broadcast or NaN.

Inputs (``L`` layers, ``D`` directions, ``H`` hidden features):

| key | shape | meaning |
|-----|-------|---------|
| `x` | `(B, T, I)` float | the input sequences, padded to `T` steps |
| `lengths` | `(B,)` int in `[0, T]` | real steps of each sequence (default: all `T`) |
| `h0` | `(L*D, B, H)` float | initial hidden states (default: zeros) |
| `c0` | `(L*D, B, H)` float | LSTM only: initial cell states (default: zeros) |

A test batch (for ``loss``) adds the weights of the linear loss:
`weights (B, T, D*H)`, `h_weights (L*D, B, H)` and, for the LSTM, `c_weights (L*D, B, H)`.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from textbook.core.validate import check_param_shapes

INPUT_KEYS = ("x", "lengths", "h0", "c0")


def state_keys(config: Any) -> tuple[str, ...]:
    """The parts of the recurrent state: ``("h",)``, or ``("h", "c")`` for the LSTM."""
    return ("h", "c") if config.cell == "lstm" else ("h",)


def param_shapes(config: Any) -> dict[str, tuple[int, ...]]:
    """Every param key (PyTorch's ``state_dict`` names and order) with its shape."""
    G, H = config.gates, config.hidden_size
    shapes = {}
    for layer in range(config.num_layers):
        I_l = config.layer_input_size(layer)
        for direction in range(config.directions):
            suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
            shapes["weight_ih" + suffix] = (G * H, I_l)
            shapes["weight_hh" + suffix] = (G * H, H)
            shapes["bias_ih" + suffix] = (G * H,)
            shapes["bias_hh" + suffix] = (G * H,)
    return shapes


def _dtype(a: object) -> np.dtype:
    return np.dtype(getattr(a, "dtype", None) or np.asarray(a).dtype)


def check_params(params: Mapping[str, object], config: Any, prefix: str = "") -> None:
    """Check that ``params`` holds exactly the keys of `param_shapes` (each prefixed by ``prefix``), as floats.

    With a ``prefix``, the params may hold other keys too (the rest of a larger model).
    """
    shapes = {prefix + k: v for k, v in param_shapes(config).items()}
    check_param_shapes(params, shapes, context=f" for {config}", allow_extra=bool(prefix))


def _float_array(name: str, value: object, shape: tuple[int, ...], spec: str) -> np.ndarray:
    a = np.asarray(value)
    if a.dtype == bool or not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"{name} must be a float array of shape {spec}, got dtype {a.dtype}")
    if a.shape != shape:
        raise ValueError(f"{name} must have shape {spec} = {shape}, got {a.shape}")
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (padding too: fill it with zeros), found NaN or inf")
    return a


def check_lengths(lengths: object, B: int, T: int, name: str = "inputs['lengths']") -> np.ndarray:
    """``lengths`` as ``(B,)`` int64 with every entry in ``[0, T]``."""
    a = np.asarray(lengths)
    if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} must be an integer array of shape (B,) = ({B},), got dtype {a.dtype}")
    if a.shape != (B,):
        raise ValueError(f"{name} must have shape (B,) = ({B},), got {a.shape}")
    bad = a[(a < 0) | (a > T)]
    if bad.size:
        raise ValueError(f"{name} must lie in [0, T] = [0, {T}], got {int(bad[0])}")
    return a.astype(np.int64)


def check_inputs(inputs: Mapping[str, object], config: Any, name: str = "inputs") -> dict[str, np.ndarray]:
    """Validate ``inputs`` and complete it: lengths default to ``T``, initial states to zeros.

    Returns:
        ``{"x": (B, T, I), "lengths": (B,) int64, "h0": (L*D, B, H)[, "c0": (L*D, B, H)]}``; float
        arrays keep their float dtype (integers become float64).
    """
    if not isinstance(inputs, Mapping):
        raise TypeError(f"{name} must be a dict with keys 'x', 'lengths' (and optionally 'h0', 'c0'), "
                        f"got {type(inputs).__name__}")
    if "x" not in inputs:
        raise ValueError(f"{name} is missing key 'x' (expected shape (B, T, input_size))")
    x = np.asarray(inputs["x"])
    if x.ndim != 3 or x.shape[2] != config.input_size:
        raise ValueError(f"{name}['x'] must have shape (B, T, input_size) = (B, T, {config.input_size}), "
                         f"got {x.shape}")
    B, T, _ = x.shape
    if B == 0 or T == 0:
        raise ValueError(f"{name}['x'] must have at least one sequence and one step, got shape {x.shape}")
    out = {"x": _float_array(f"{name}['x']", x, x.shape, "(B, T, input_size)")}
    out["lengths"] = (check_lengths(inputs["lengths"], B, T, f"{name}['lengths']")
                      if inputs.get("lengths") is not None else np.full(B, T, dtype=np.int64))
    LD, H = config.num_layers * config.directions, config.hidden_size
    for key in state_keys(config):
        value = inputs.get(key + "0")
        out[key + "0"] = (np.zeros((LD, B, H), dtype=out["x"].dtype) if value is None else
                          _float_array(f"{name}[{key + '0'!r}]", value, (LD, B, H), "(num_layers*directions, B, H)"))
    if config.cell != "lstm" and inputs.get("c0") is not None:
        raise ValueError(f"{name} has a 'c0' but only the LSTM has a cell state (cell={config.cell!r})")
    return out


def check_batch(batch: Mapping[str, object], config: Any) -> dict[str, np.ndarray]:
    """Validate a test batch: the inputs plus the weights of the linear loss (see the module docstring)."""
    if not isinstance(batch, Mapping):
        raise TypeError(f"batch must be a dict of arrays, got {type(batch).__name__}")
    allowed = set(INPUT_KEYS) | {"weights"} | {k + "_weights" for k in state_keys(config)}
    extra = [k for k in batch if k not in allowed]
    if extra:
        raise ValueError(f"batch has unexpected key {extra[0]!r}; a {config.cell} batch has keys {sorted(allowed)}")
    out = check_inputs(batch, config, name="batch")
    B, T, _ = out["x"].shape
    LD, H = config.num_layers * config.directions, config.hidden_size
    for key, shape, spec in [("weights", (B, T, config.output_size), "(B, T, directions*H)")] + \
                            [(k + "_weights", (LD, B, H), "(num_layers*directions, B, H)") for k in state_keys(config)]:
        if key not in batch:
            raise ValueError(f"batch is missing key {key!r} (expected shape {spec} = {shape})")
        out[key] = _float_array(f"batch[{key!r}]", batch[key], shape, spec)
    return out

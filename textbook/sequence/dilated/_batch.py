"""Host-side checks of the dilated stack's params, inputs and batches, shared by both backends.

Params: for each layer ``l`` with input width ``c_l`` (``in_channels`` for ``l = 0``, else
``channels``): ``layer{l}.W (k, c_l, channels)``, ``layer{l}.b (channels,)``, and with gating also
``layer{l}.W_gate``, ``layer{l}.b_gate`` of the same shapes; with ``out_channels > 0`` the readout
``readout.W (channels, out_channels)``, ``readout.b (out_channels,)``.

A batch is ``{"x": (B, T, in_channels), "target": (B, T, output_size)}``, both float.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from textbook.core.validate import check_lr, check_param_shapes  # noqa: F401 (check_lr is part of this module's API)


def layer_inputs(config: Any) -> list[int]:
    """The number of input features of each layer."""
    return [config.in_channels] + [config.channels] * (len(config.dilations) - 1)


def param_shapes(config: Any) -> dict[str, tuple[int, ...]]:
    """The params keys and their shapes for ``config``."""
    k, C = config.kernel_size, config.channels
    shapes: dict[str, tuple[int, ...]] = {}
    for l, c_in in enumerate(layer_inputs(config)):
        shapes[f"layer{l}.W"] = (k, c_in, C)
        shapes[f"layer{l}.b"] = (C,)
        if config.gated:
            shapes[f"layer{l}.W_gate"] = (k, c_in, C)
            shapes[f"layer{l}.b_gate"] = (C,)
    if config.out_channels:
        shapes["readout.W"] = (C, config.out_channels)
        shapes["readout.b"] = (config.out_channels,)
    return shapes


def _dtype(a: object) -> np.dtype:
    return np.dtype(a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype)


def check_params(params: Mapping[str, object], config: Any) -> None:
    """Raise unless ``params`` has exactly the keys of `param_shapes`, with those shapes, as floats."""
    check_param_shapes(params, param_shapes(config))


def check_input(x: object, config: Any, name: str = "x") -> tuple[int, int]:
    """Raise unless ``x`` is a float array ``(B, T, in_channels)`` with ``B, T >= 1``; return ``(B, T)``."""
    shape = tuple(np.shape(x))
    spec = f"(B, T, in_channels) = (B, T, {config.in_channels})"
    if len(shape) != 3 or shape[2] != config.in_channels:
        raise ValueError(f"{name} must have shape {spec}, got {shape}")
    if not np.issubdtype(_dtype(x), np.floating):
        raise TypeError(f"{name} must be a float array of shape {spec}, got dtype {_dtype(x)}")
    if shape[0] < 1 or shape[1] < 1:
        raise ValueError(f"{name} must hold at least one sequence of at least one step, got shape {shape}")
    return shape[0], shape[1]


def check_output_like(y: object, B: int, T: int, size: int, name: str) -> None:
    """Raise unless ``y`` is a float array of shape ``(B, T, size)``."""
    shape = tuple(np.shape(y))
    if shape != (B, T, size):
        raise ValueError(f"{name} must have shape (B, T, {size}) = {(B, T, size)}, got {shape}")
    if not np.issubdtype(_dtype(y), np.floating):
        raise TypeError(f"{name} must be a float array, got dtype {_dtype(y)}")


def check_batch(batch: Mapping[str, object], config: Any) -> dict[str, np.ndarray]:
    """Validate ``{"x", "target"}``; return them as NumPy float arrays."""
    if not isinstance(batch, Mapping):
        raise TypeError(f"batch must be a dict with keys 'x' and 'target', got {type(batch).__name__}")
    for key in ("x", "target"):
        if key not in batch:
            raise ValueError(f"batch is missing key {key!r}; a batch has keys ['x', 'target']")
    extra = [k for k in batch if k not in ("x", "target")]
    if extra:
        raise ValueError(f"batch has unexpected key {extra[0]!r}; a batch has keys ['x', 'target']")
    B, T = check_input(batch["x"], config, "batch['x']")
    check_output_like(batch["target"], B, T, config.output_size, "batch['target']")
    out = {k: np.asarray(batch[k]) for k in ("x", "target")}
    if not (np.all(np.isfinite(out["x"])) and np.all(np.isfinite(out["target"]))):
        raise ValueError("batch['x'] and batch['target'] must be finite")
    return out



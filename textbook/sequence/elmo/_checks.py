"""Host-side checks of ELMo params, batches and scalar-mix inputs, shared by both backends.

A biLM batch: ``tokens (B, T)`` integer ids in ``[0, V)`` (each row a sentence wrapped in
``<s> ... </s>``, then padding) and ``lengths (B,)`` in ``[0, T]``. Padded positions may hold any
id. A scalar-mix batch: ``layers (L+1, B, T, D)`` and ``weights (B, T, D)`` (the upstream gradient
of the linear test loss ``sum(mix * weights)``); the mix params are ``s (L+1,)`` and ``gamma ()``.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from textbook.core.validate import check_param_shapes

from textbook.sequence.language_model._checks import check_ids
from textbook.sequence.rnn._checks import check_lengths


def param_shapes(config: Any) -> dict[str, tuple[int, ...]]:
    """``embedding.weight (V, d)``, the two LSTM stacks under ``forward.`` and ``backward.`` (PyTorch names),
    and the shared softmax ``output.weight (V, d)``, ``output.bias (V,)``."""
    from textbook.sequence.rnn._checks import param_shapes as rnn_shapes

    V, d = config.vocab_size, config.dim
    shapes = {"embedding.weight": (V, d)}
    for direction in ("forward", "backward"):
        shapes.update({f"{direction}.{k}": v for k, v in rnn_shapes(config.rnn).items()})
    shapes["output.weight"] = (V, d)
    shapes["output.bias"] = (V,)
    return shapes


def check_params(params: Mapping[str, object], config: Any) -> None:
    """Raise unless ``params`` has exactly the keys of `param_shapes`, with those shapes, as floats."""
    check_param_shapes(params, param_shapes(config))


def check_batch(batch: Mapping[str, object], config: Any, need_predictions: bool = True) -> dict[str, np.ndarray]:
    """``{"tokens" (B, T) int64 (padding replaced by 0), "lengths" (B,) int64}``."""
    if not isinstance(batch, Mapping):
        raise TypeError(f"batch must be a dict with keys 'tokens' and 'lengths', got {type(batch).__name__}")
    extra = [k for k in batch if k not in ("tokens", "lengths")]
    if extra:
        raise ValueError(f"batch has unexpected key {extra[0]!r}; an ELMo batch has keys 'tokens' and 'lengths'")
    if "tokens" not in batch:
        raise ValueError("batch is missing key 'tokens' (expected (B, T) integer token ids)")
    tokens = np.asarray(batch["tokens"])
    if tokens.ndim != 2 or 0 in tokens.shape:
        raise ValueError(f"batch['tokens'] must have shape (B, T) with B, T >= 1, got {tokens.shape}")
    B, T = tokens.shape
    lengths = (check_lengths(batch["lengths"], B, T, "batch['lengths']") if batch.get("lengths") is not None
               else np.full(B, T, dtype=np.int64))
    mask = np.arange(T)[None, :] < lengths[:, None]
    ids = check_ids("batch['tokens']", tokens, (B, T), config.vocab_size, where=mask)
    if need_predictions and not np.any(lengths >= 2):
        raise ValueError("batch['lengths']: no row has 2 tokens or more, so there is nothing to predict")
    return {"tokens": np.where(mask, ids, 0), "lengths": lengths}


def check_mix(mix: Mapping[str, object], num_layers: int | None = None) -> dict[str, np.ndarray]:
    """Scalar-mix params ``{"s": (L+1,), "gamma": ()}`` as float arrays."""
    if not isinstance(mix, Mapping) or set(mix) != {"s", "gamma"}:
        raise ValueError(f"mix must be a dict with exactly the keys 's' (L+1,) and 'gamma' (), got "
                         f"{sorted(mix) if isinstance(mix, Mapping) else type(mix).__name__}")
    s, gamma = np.asarray(mix["s"]), np.asarray(mix["gamma"])
    if s.ndim != 1 or s.size == 0 or (num_layers is not None and s.shape != (num_layers + 1,)):
        want = "(L+1,)" if num_layers is None else f"(L+1,) = ({num_layers + 1},)"
        raise ValueError(f"mix['s'] must have shape {want}, got {s.shape}")
    if gamma.shape != ():
        raise ValueError(f"mix['gamma'] must be a scalar (shape ()), got shape {gamma.shape}")
    for name, a in (("s", s), ("gamma", gamma)):
        if not np.issubdtype(a.dtype, np.floating) or not np.all(np.isfinite(a)):
            raise ValueError(f"mix[{name!r}] must hold finite floats, got {a!r}")
    return {"s": s, "gamma": gamma}


def check_layers(layers: object, mix: Mapping[str, np.ndarray], name: str = "layers") -> np.ndarray:
    """``(L+1, B, T, D)`` finite floats with one layer per entry of ``mix['s']``."""
    a = np.asarray(layers)
    if a.ndim != 4 or a.shape[0] != np.shape(mix["s"])[0]:
        raise ValueError(f"{name} must have shape (L+1, B, T, D) with L+1 = len(mix['s']) = "
                         f"{np.shape(mix['s'])[0]}, got {a.shape}")
    if not np.issubdtype(a.dtype, np.floating) or not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must hold finite floats")
    return a


def check_mix_batch(mix: Mapping[str, object], batch: Mapping[str, object]):
    """A scalar-mix test batch ``{"layers": (L+1, B, T, D), "weights": (B, T, D)}``; returns ``(mix, batch)``."""
    mix = check_mix(mix)
    if not isinstance(batch, Mapping) or set(batch) != {"layers", "weights"}:
        raise ValueError("batch must be a dict with exactly the keys 'layers' (L+1, B, T, D) and 'weights' (B, T, D)")
    layers = check_layers(batch["layers"], mix, "batch['layers']")
    weights = np.asarray(batch["weights"])
    if weights.shape != layers.shape[1:]:
        raise ValueError(f"batch['weights'] must have shape (B, T, D) = {layers.shape[1:]}, got {weights.shape}")
    return mix, {"layers": layers, "weights": weights.astype(np.float64)}

"""Host-side checks of TextCNN params and batches, shared by both backends.

A batch of ``B`` texts padded to ``T`` tokens:

| key | shape | dtype | meaning |
|-----|-------|-------|---------|
| `tokens` | `(B, T)` | int | word ids in `[0, vocab_size)` (any integer where `mask` is False) |
| `mask` | `(B, T)` | bool | True on real tokens: a prefix of at least one True per row |
| `labels` | `(B,)` | int | class ids in `[0, num_classes)` (needed by `loss`, ignored by `forward`) |
| `dropout` | `(B, F)` | float | optional inverted-dropout mask of the `F = len(widths) * filters` pooled features |

``T`` must be at least the widest filter, so that every filter has a window in every row.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from textbook.core.validate import check_lr, check_param_shapes  # noqa: F401 (check_lr is part of this module's API)

KEYS = ("tokens", "mask", "labels", "dropout")


def param_shapes(config: Any) -> dict[str, tuple[int, ...]]:
    """The params keys and their shapes for ``config``."""
    V, d, F, K = config.vocab_size, config.dim, config.filters, config.num_classes
    shapes: dict[str, tuple[int, ...]] = {"embed": (V, d)}
    for w in config.widths:
        shapes[f"conv{w}.W"] = (w, d, F)
        shapes[f"conv{w}.b"] = (F,)
    shapes["out.W"] = (len(config.widths) * F, K)
    shapes["out.b"] = (K,)
    return shapes


def check_params(params: Mapping[str, object], config: Any) -> None:
    """Raise unless ``params`` has exactly the keys of `param_shapes`, with those shapes, as floats."""
    check_param_shapes(params, param_shapes(config))


def check_batch(batch: Mapping[str, object], config: Any, labels: bool = True) -> dict[str, np.ndarray]:
    """Validate ``batch``; return NumPy arrays (tokens int64 with 0 in the padding, mask bool, ...).

    Args:
        batch: the batch (see the module docstring).
        config: the TextCNN config.
        labels: whether ``labels`` is required (``loss``) or ignored (``forward``).
    """
    if not isinstance(batch, Mapping):
        raise TypeError(f"batch must be a dict of arrays, got {type(batch).__name__}")
    extra = [k for k in batch if k not in KEYS]
    if extra:
        raise ValueError(f"batch has unexpected key {extra[0]!r}; a TextCNN batch has keys {list(KEYS)}")
    for key in ("tokens", "mask") + (("labels",) if labels else ()):
        if key not in batch:
            raise ValueError(f"batch is missing key {key!r}; a TextCNN batch has keys {list(KEYS)}")
    tokens, mask = np.asarray(batch["tokens"]), np.asarray(batch["mask"])
    if tokens.ndim != 2:
        raise ValueError(f"batch['tokens'] must have shape (B, T), got {tokens.shape}")
    if tokens.dtype == bool or not np.issubdtype(tokens.dtype, np.integer):
        raise TypeError(f"batch['tokens'] must hold integer word ids of shape (B, T), got dtype {tokens.dtype}")
    B, T = tokens.shape
    if B < 1:
        raise ValueError("batch['tokens'] is empty: a batch needs at least one text (B >= 1)")
    widest = max(config.widths)
    if T < widest:
        raise ValueError(f"batch['tokens'] has T = {T} positions but the widest filter is {widest}: "
                         f"pad the texts to at least {widest} tokens (mask False on the padding)")
    if mask.dtype != bool:
        raise TypeError(f"batch['mask'] must be a boolean array of shape (B, T) = {(B, T)}, got dtype {mask.dtype}")
    if mask.shape != (B, T):
        raise ValueError(f"batch['mask'] must have shape (B, T) = {(B, T)}, got {mask.shape}")
    lengths = mask.sum(axis=1)
    prefix = np.arange(T)[None, :] < lengths[:, None]
    bad = np.flatnonzero((lengths == 0) | np.any(prefix != mask, axis=1))
    if bad.size:
        raise ValueError(f"batch['mask'] row {int(bad[0])} is not a prefix of at least one True "
                         f"(real tokens first, then padding): {mask[bad[0]].astype(int).tolist()}")
    used = tokens[mask]
    out_of_range = used[(used < 0) | (used >= config.vocab_size)]
    if out_of_range.size:
        raise ValueError(f"batch['tokens'] holds id {int(out_of_range[0])} outside [0, {config.vocab_size}) "
                         f"(vocab_size={config.vocab_size})")
    out = {"tokens": np.where(mask, tokens, 0).astype(np.int64), "mask": mask}
    if labels:
        y = np.asarray(batch["labels"])
        if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
            raise TypeError(f"batch['labels'] must hold integer class ids of shape (B,), got dtype {y.dtype}")
        if y.shape != (B,):
            raise ValueError(f"batch['labels'] must have shape (B,) = {(B,)}, got {y.shape}")
        bad_y = y[(y < 0) | (y >= config.num_classes)]
        if bad_y.size:
            raise ValueError(f"batch['labels'] holds class {int(bad_y[0])} outside [0, {config.num_classes}) "
                             f"(num_classes={config.num_classes})")
        out["labels"] = y.astype(np.int64)
    if "dropout" in batch:
        F = len(config.widths) * config.filters
        drop = np.asarray(batch["dropout"])
        if drop.dtype == bool or not np.issubdtype(drop.dtype, np.floating):
            raise TypeError(f"batch['dropout'] must be a float mask of shape (B, F) = {(B, F)}, got dtype {drop.dtype}")
        if drop.shape != (B, F):
            raise ValueError(f"batch['dropout'] must have shape (B, len(widths) * filters) = {(B, F)}, "
                             f"got {drop.shape}")
        if not np.all(np.isfinite(drop)) or np.any(drop < 0):
            raise ValueError("batch['dropout'] must be finite and >= 0 (0 drops a feature, 1/(1-p) keeps it)")
        out["dropout"] = drop
    return out



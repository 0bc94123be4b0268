"""Host-side checks of word2vec params and batches, shared by both backends.

Both ``numpy_impl`` and ``jax_impl`` call `check_batch` (and
`check_params`) before computing anything, so a bad batch fails the same
way in either backend, with a ``ValueError``/``TypeError`` that names the key
and the expected shape, instead of a silent broadcast, a clipped index or NaN.

Batch formats (``B`` examples, ``k = config.negatives``, ``w = config.window``):

| model    | objective | keys |
|----------|-----------|------|
| skipgram | neg       | `center (B,)`, `context (B,)`, `negatives (B, k)` |
| skipgram | softmax   | `center (B,)`, `context (B,)` |
| cbow     | neg       | `context (B, 2w)`, `context_mask (B, 2w)` bool, `center (B,)`, `negatives (B, k)` |
| cbow     | softmax   | `context (B, 2w)`, `context_mask (B, 2w)` bool, `center (B,)` |

Ids may be any integer dtype and must lie in ``[0, vocab_size)``; CBOW slots whose mask is
False are padding: they may hold any integer and are never read.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from textbook.core.validate import check_lr, check_param_shapes  # noqa: F401 (check_lr is part of this module's API)

PARAM_KEYS = ("W_in", "W_out")


def batch_shapes(config: Any) -> dict[str, str]:
    """The expected keys of a batch for ``config``, each with its shape as text."""
    k, two_w = config.negatives, 2 * config.window
    if config.model == "skipgram":
        shapes = {"center": "(B,)", "context": "(B,)"}
    else:
        shapes = {"context": f"(B, {two_w})", "context_mask": f"(B, {two_w})", "center": "(B,)"}
    if config.objective == "neg":
        shapes["negatives"] = f"(B, {k})"
    return shapes


def _as_ids(name: str, value: object, shape: tuple[int, ...], spec: str, vocab_size: int,
            where: np.ndarray | None = None) -> np.ndarray:
    """Integer ids of the given shape, in ``[0, vocab_size)`` (only where ``where`` is True, if given)."""
    a = np.asarray(value)
    if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"batch[{name!r}] must hold integer word ids (int32/int64) of shape {spec}, "
                        f"got dtype {a.dtype}")
    if a.shape != shape:
        raise ValueError(f"batch[{name!r}] must have shape {spec}, here {shape}, got {a.shape}")
    used = a if where is None else a[where]
    bad = used[(used < 0) | (used >= vocab_size)]
    if bad.size:
        raise ValueError(f"batch[{name!r}] holds id {int(bad[0])} outside [0, {vocab_size}) "
                         f"(vocab_size={vocab_size})")
    return a.astype(np.int64, copy=False)


def check_batch(batch: Mapping[str, object], config: Any) -> dict[str, np.ndarray]:
    """Validate ``batch`` against ``config`` and return it as NumPy arrays (ids as int64).

    Raises:
        TypeError: if ``batch`` is not a mapping, ids are not integers or the mask is not boolean.
        ValueError: on a missing or unexpected key, a wrong shape, an id outside
            ``[0, vocab_size)``, an empty batch or a CBOW row whose mask is all False.
    """
    if not isinstance(batch, Mapping):
        raise TypeError(f"batch must be a dict of arrays, got {type(batch).__name__}")
    expected = batch_shapes(config)
    missing = [key for key in expected if key not in batch]
    if missing:
        raise ValueError(f"batch is missing key {missing[0]!r} (expected shape {expected[missing[0]]}); "
                         f"a {config.model}/{config.objective} batch has keys {list(expected)}")
    extra = [key for key in batch if key not in expected]
    if extra:
        hint = (" (the softmax objective takes no negative samples)"
                if "negatives" in extra and config.objective == "softmax" else "")
        raise ValueError(f"batch has unexpected key {extra[0]!r}{hint}; "
                         f"a {config.model}/{config.objective} batch has keys {list(expected)}")

    V, k, two_w = config.vocab_size, config.negatives, 2 * config.window
    center = np.asarray(batch["center"])
    if center.ndim != 1:
        raise ValueError(f"batch['center'] must have shape (B,), got {center.shape}")
    B = center.shape[0]
    if B == 0:
        raise ValueError("batch['center'] is empty: a batch needs at least one example (B >= 1)")

    out = {"center": _as_ids("center", center, (B,), "(B,)", V)}
    if config.model == "skipgram":
        out["context"] = _as_ids("context", batch["context"], (B,), "(B,)", V)
    else:
        mask = np.asarray(batch["context_mask"])
        if mask.dtype != bool:
            raise TypeError(f"batch['context_mask'] must be a boolean array of shape (B, 2*window) = "
                            f"{(B, two_w)}, got dtype {mask.dtype}")
        if mask.shape != (B, two_w):
            raise ValueError(f"batch['context_mask'] must have shape (B, 2*window) = {(B, two_w)}, "
                             f"got {mask.shape}")
        empty = np.flatnonzero(~mask.any(axis=1))
        if empty.size:
            raise ValueError(f"batch['context_mask'] row {int(empty[0])} is all False: each CBOW example "
                             f"needs at least one context word")
        # padded (masked-out) slots may hold any integer: they are replaced by id 0 and never used
        context = _as_ids("context", batch["context"], (B, two_w), f"(B, 2*window) = (B, {two_w})", V, where=mask)
        out["context"] = np.where(mask, context, 0)
        out["context_mask"] = mask
    if config.objective == "neg":
        out["negatives"] = _as_ids("negatives", batch["negatives"], (B, k), f"(B, negatives) = (B, {k})", V)
    return out


def check_params(params: Mapping[str, object], config: Any) -> None:
    """Check that ``params`` has ``W_in`` and ``W_out`` of shape ``(vocab_size, dim)`` with a float dtype."""
    shape = (config.vocab_size, config.dim)
    check_param_shapes(params, {key: shape for key in PARAM_KEYS}, context=" = (vocab_size, dim)")


def check_counts(counts: object, config: Any) -> np.ndarray:
    """Check a (V, V) co-occurrence matrix: finite, non-negative, with a positive total."""
    c = np.asarray(counts, dtype=float)
    V = config.vocab_size
    if c.shape != (V, V):
        raise ValueError(f"counts must have shape (vocab_size, vocab_size) = {(V, V)}, got {c.shape}")
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise ValueError("counts must be finite and non-negative")
    if c.sum() <= 0:
        raise ValueError("counts must have a positive total")
    if config.objective != "neg":
        raise ValueError("expected_sgns_loss_and_grad needs config.objective == 'neg' (k = config.negatives)")
    return c

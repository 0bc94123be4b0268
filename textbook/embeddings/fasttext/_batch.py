"""Host-side checks of FastText params and batches, shared by both backends.

Both ``numpy_impl`` and ``jax_impl`` call `check_params` and `check_batch` before computing
anything, so a bad batch fails the same way in either backend, with a ``ValueError``/``TypeError``
that names the key and the expected shape or range.

A batch of ``B`` skip-gram pairs, each centre word with up to ``G`` n-gram rows
(``k = config.negatives``):

| key          | shape    | dtype   | range |
|--------------|----------|---------|-------|
| `center`     | `(B,)`   | integer | word ids in `[0, vocab_size)` |
| `ngrams`     | `(B, G)` | integer | n-gram rows in `[0, bucket)` where `ngram_mask` is True; any integer elsewhere (padding, never read) |
| `ngram_mask` | `(B, G)` | bool    | which slots of `ngrams` are real; a row may be all False (a word without n-grams) |
| `context`    | `(B,)`   | integer | word ids in `[0, vocab_size)` |
| `negatives`  | `(B, k)` | integer | word ids in `[0, vocab_size)` |

``G`` is free (``G >= 0``): the training loop pads to the largest number of n-grams of any word.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from textbook.core.validate import check_lr, check_param_shapes  # noqa: F401 (check_lr is part of this module's API)

PARAM_KEYS = ("W_words", "W_ngrams", "W_out")
BATCH_KEYS = ("center", "ngrams", "ngram_mask", "context", "negatives")


def param_shapes(config: Any) -> dict[str, tuple[int, int]]:
    """The shape of every parameter for ``config``."""
    V, d = config.vocab_size, config.dim
    return {"W_words": (V, d), "W_ngrams": (config.bucket, d), "W_out": (V, d)}


def check_params(params: Mapping[str, object], config: Any) -> None:
    """Check ``W_words`` ``(V, d)``, ``W_ngrams`` ``(bucket, d)`` and ``W_out`` ``(V, d)``, float arrays."""
    check_param_shapes(params, param_shapes(config),
                       context=f" (vocab_size={config.vocab_size}, bucket={config.bucket}, dim={config.dim})")


def _ids(name: str, value: object, shape: tuple[int, ...], spec: str, high: int, what: str,
         where: np.ndarray | None = None) -> np.ndarray:
    a = np.asarray(value)
    if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"batch[{name!r}] must hold integer {what} of shape {spec}, got dtype {a.dtype}")
    if a.shape != shape:
        raise ValueError(f"batch[{name!r}] must have shape {spec}, here {shape}, got {a.shape}")
    used = a if where is None else a[where]
    bad = used[(used < 0) | (used >= high)]
    if bad.size:
        raise ValueError(f"batch[{name!r}] holds {what[:-1]} {int(bad[0])} outside [0, {high})")
    return a.astype(np.int64, copy=False)


def check_batch(batch: Mapping[str, object], config: Any) -> dict[str, np.ndarray]:
    """Validate ``batch`` against ``config``; return it as NumPy arrays (ids int64, padding slots set to 0).

    Raises:
        TypeError: if ``batch`` is not a mapping, ids are not integers or the mask is not boolean.
        ValueError: on a missing or unexpected key, a wrong shape, an id or row out of range, or an
            empty batch.
    """
    if not isinstance(batch, Mapping):
        raise TypeError(f"batch must be a dict of arrays, got {type(batch).__name__}")
    missing = [k for k in BATCH_KEYS if k not in batch]
    if missing:
        raise ValueError(f"batch is missing key {missing[0]!r}; a FastText batch has keys {BATCH_KEYS}")
    extra = [k for k in batch if k not in BATCH_KEYS]
    if extra:
        raise ValueError(f"batch has unexpected key {extra[0]!r}; a FastText batch has keys {BATCH_KEYS}")
    V, k = config.vocab_size, config.negatives
    center = np.asarray(batch["center"])
    if center.ndim != 1:
        raise ValueError(f"batch['center'] must have shape (B,), got {center.shape}")
    B = center.shape[0]
    if B == 0:
        raise ValueError("batch['center'] is empty: a batch needs at least one example (B >= 1)")
    out = {"center": _ids("center", center, (B,), "(B,)", V, "word ids")}
    mask = np.asarray(batch["ngram_mask"])
    if mask.dtype != bool:
        raise TypeError(f"batch['ngram_mask'] must be a boolean array of shape (B, G), got dtype {mask.dtype}")
    if mask.ndim != 2 or mask.shape[0] != B:
        raise ValueError(f"batch['ngram_mask'] must have shape (B, G) = ({B}, G), got {mask.shape}")
    G = mask.shape[1]
    ngrams = _ids("ngrams", batch["ngrams"], (B, G), f"(B, G) = ({B}, {G}) like ngram_mask", config.bucket,
                  "n-gram rows", where=mask)
    out["ngrams"] = np.where(mask, ngrams, 0)                      # padding: row 0, never read
    out["ngram_mask"] = mask
    out["context"] = _ids("context", batch["context"], (B,), "(B,)", V, "word ids")
    out["negatives"] = _ids("negatives", batch["negatives"], (B, k), f"(B, negatives) = (B, {k})", V, "word ids")
    return out



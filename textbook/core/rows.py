"""Row-gradient bookkeeping for embedding tables (NumPy).

A gradient with respect to a few rows of a big ``(V, d)`` table is kept as a
pair ``(rows (N,), grads (N, d))``: "add ``grads[i]`` to the gradient of row
``rows[i]``".  Rows may repeat; `sum_rows` adds the repeats up.
"""

from __future__ import annotations

import numpy as np


def sum_rows(rows: np.ndarray, grads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add up the gradients of repeated rows: unique ``rows (U,)`` and their summed ``grads (U, d)``.

    G_r = sum_{i: rows_i = r} grads_i, in the dtype of ``grads``.  The same numbers as
    ``np.add.at(dense, rows, grads)`` restricted to the touched rows, but several times faster:
    most rows of a batch appear once, so each row's first gradient is copied with one gather, and
    only the repeats are added, by one ``np.bincount`` (`_sum_repeats`).
    """
    uniq, first, inv = np.unique(rows, return_index=True, return_inverse=True)   # rows[i] = uniq[inv[i]]
    summed = grads[first]                                         # (U, d) each row's first gradient
    repeat = np.ones(rows.shape[0], bool)
    repeat[first] = False                                         # (N,) the second, third, ... occurrences
    if repeat.any():
        slots, extra = _sum_repeats(inv[repeat], grads[repeat])   # (R,), (R, d) the rows that repeat
        summed[slots] += extra
    return uniq, summed                                           # (U,), (U, d)


def _sum_repeats(rows: np.ndarray, grads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique ``rows (R,)`` and their summed ``grads (R, d)``, by one bincount over flat indices."""
    uniq, inv = np.unique(rows, return_inverse=True)              # (R,), (M,)
    d = grads.shape[1]
    flat = inv.reshape(-1, 1) * d + np.arange(d)                  # (M, d) flat index into an (R, d) table
    summed = np.bincount(flat.ravel(), weights=grads.ravel(), minlength=uniq.size * d)   # always float64
    return uniq, summed.reshape(uniq.size, d).astype(grads.dtype, copy=False)

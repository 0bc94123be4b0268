"""Row-gradient bookkeeping for embedding tables (NumPy).

A gradient with respect to a few rows of a big ``(V, d)`` table is kept as a
pair ``(rows (N,), grads (N, d))``: "add ``grads[i]`` to the gradient of row
``rows[i]``".  Rows may repeat; `sum_rows` adds the repeats up.
"""

from __future__ import annotations

import numpy as np


def sum_rows(rows: np.ndarray, grads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add up the gradients of repeated rows: unique ``rows (U,)`` and their summed ``grads (U, d)``.

    G_r = sum_{i: rows_i = r} grads_i.  The same numbers as ``np.add.at(dense, rows, grads)``
    restricted to the touched rows, but faster: one ``np.bincount`` over the flat index of
    each entry in a ``(U, d)`` table.
    """
    uniq, inv = np.unique(rows, return_inverse=True)              # (U,), (N,)  rows[i] = uniq[inv[i]]
    d = grads.shape[1]
    slots = inv.reshape(-1, 1) * d + np.arange(d)                 # (N, d) flat index into a (U, d) table
    summed = np.bincount(slots.ravel(), weights=grads.ravel(), minlength=uniq.size * d)
    return uniq, summed.reshape(uniq.size, d)                     # (U,), (U, d)

"""Host-side checks of language-model params and batches, shared by both backends.

A batch (``B`` rows of ``T`` steps, ``L`` layers, ``H`` hidden features):

| key | shape | meaning |
|-----|-------|---------|
| `tokens` | `(B, T)` int in `[0, V)` | the input tokens |
| `targets` | `(B, T)` int in `[0, V)` | the token to predict at each step (the next one) |
| `lengths` | `(B,)` int in `[0, T]` | real steps of each row (default: all `T`); the rest is padding |
| `h0` | `(L, B, H)` float | initial hidden state (default: zeros), e.g. carried from the previous chunk |
| `c0` | `(L, B, H)` float | LSTM only: initial cell state |

Padded positions may hold any id (they are replaced by 0 and never read). The
initial states are checked by shape and dtype only, so that device arrays
carried between the chunks of truncated BPTT are never copied to the host.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from textbook.core.validate import check_lr, check_param_shapes  # noqa: F401 (check_lr is part of this module's API)

from textbook.sequence.rnn._checks import check_lengths

BATCH_KEYS = ("tokens", "targets", "lengths", "h0", "c0")


def param_shapes(config: Any) -> dict[str, tuple[int, ...]]:
    """Every param key with its shape: ``embedding.weight``, ``rnn.*`` (PyTorch names), ``output.*``."""
    from textbook.sequence.rnn._checks import param_shapes as rnn_shapes

    V = config.vocab_size
    shapes = {"embedding.weight": (V, config.embedding_dim)} if config.embedding_dim else {}
    shapes.update({"rnn." + k: v for k, v in rnn_shapes(config.rnn).items()})
    shapes["output.weight"] = (V, config.hidden_size)
    shapes["output.bias"] = (V,)
    return shapes


def check_params(params: Mapping[str, object], config: Any) -> None:
    """Exactly the keys of `param_shapes`, float arrays of those shapes."""
    if isinstance(params, Mapping) and "embedding.weight" in params and not config.embedding_dim:
        raise ValueError("params has unexpected key 'embedding.weight' (embedding_dim=0 means one-hot inputs: "
                         "no embedding table)")
    check_param_shapes(params, param_shapes(config))


def check_ids(name: str, value: object, shape: tuple[int, ...] | None, vocab_size: int,
              where: np.ndarray | None = None) -> np.ndarray:
    """Integer token ids (of ``shape`` if given) in ``[0, vocab_size)`` where ``where`` is True; int64."""
    a = np.asarray(value)
    if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} must hold integer token ids, got dtype {a.dtype}")
    if shape is not None and a.shape != shape:
        raise ValueError(f"{name} must have shape (B, T) = {shape}, got {a.shape}")
    used = a if where is None else a[where]
    bad = used[(used < 0) | (used >= vocab_size)]
    if bad.size:
        raise ValueError(f"{name} holds id {int(bad[0])} outside [0, {vocab_size}) (vocab_size={vocab_size})")
    return a.astype(np.int64)


def check_state(name: str, value: object, shape: tuple[int, ...]) -> object:
    """An initial state: right shape and a float dtype (not copied: it may live on a device)."""
    if tuple(np.shape(value)) != shape:
        raise ValueError(f"{name} must have shape (num_layers, B, hidden_size) = {shape}, got {tuple(np.shape(value))}")
    dtype = np.dtype(getattr(value, "dtype", None) or np.asarray(value).dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"{name} must be a float array, got dtype {dtype}")
    return value


def check_batch(batch: Mapping[str, object], config: Any, targets: bool = True) -> dict:
    """Validate a batch (or, with ``targets=False``, model inputs) and complete the defaults.

    Returns ``tokens``/``targets`` as int64 (padding replaced by 0), ``lengths`` (B,) int64 and the
    initial states (zeros of the default float dtype when missing).
    """
    what = "batch" if targets else "inputs"
    if not isinstance(batch, Mapping):
        raise TypeError(f"{what} must be a dict of arrays, got {type(batch).__name__}")
    allowed = BATCH_KEYS if targets else tuple(k for k in BATCH_KEYS if k != "targets")
    extra = [k for k in batch if k not in allowed]
    if extra:
        raise ValueError(f"{what} has unexpected key {extra[0]!r}; allowed keys are {list(allowed)}")
    for key in ("tokens", "targets") if targets else ("tokens",):
        if key not in batch:
            raise ValueError(f"{what} is missing key {key!r} (expected (B, T) integer token ids)")
    tokens = np.asarray(batch["tokens"])
    if tokens.ndim != 2 or 0 in tokens.shape:
        raise ValueError(f"{what}['tokens'] must have shape (B, T) with B, T >= 1, got {tokens.shape}")
    B, T = tokens.shape
    lengths = (check_lengths(batch["lengths"], B, T, f"{what}['lengths']") if batch.get("lengths") is not None
               else np.full(B, T, dtype=np.int64))
    mask = np.arange(T)[None, :] < lengths[:, None]              # (B, T)
    out = {"lengths": lengths}
    for key in ("tokens", "targets") if targets else ("tokens",):
        ids = check_ids(f"{what}[{key!r}]", batch[key], (B, T), config.vocab_size, where=mask)
        out[key] = np.where(mask, ids, 0)
    if targets and not lengths.any():
        raise ValueError(f"{what}['lengths'] are all 0: the batch has no token to predict")
    L, H = config.num_layers, config.hidden_size
    for key in ("h", "c") if config.cell == "lstm" else ("h",):
        value = batch.get(key + "0")
        out[key + "0"] = (np.zeros((L, B, H)) if value is None
                          else check_state(f"{what}[{key + '0'!r}]", value, (L, B, H)))
    if config.cell != "lstm" and batch.get("c0") is not None:
        raise ValueError(f"{what} has a 'c0' but only the LSTM has a cell state (cell={config.cell!r})")
    return out


def check_sampling(prompt: object, noise: object, config: Any, temperature: object, top_k: object):
    """Checks of `sample`'s arguments: ``prompt (B, P)`` ids, ``noise (B, N)`` in ``[0, 1)``, ``temperature >= 0``,
    ``0 <= top_k <= V`` (0: no top-k filter). Returns ``(prompt int64, noise float64, temperature, top_k)``."""
    p = np.asarray(prompt)
    if p.ndim != 2 or 0 in p.shape:
        raise ValueError(f"prompt must have shape (B, P) with B, P >= 1 (at least one token), got {p.shape}")
    p = check_ids("prompt", p, None, config.vocab_size)
    u = np.asarray(noise)
    if u.dtype == bool or not (np.issubdtype(u.dtype, np.floating) or np.issubdtype(u.dtype, np.integer)):
        raise TypeError(f"noise must be a float array of shape (B, N), got dtype {u.dtype}")
    if u.ndim != 2 or u.shape[0] != p.shape[0]:
        raise ValueError(f"noise must have shape (B, N) = ({p.shape[0]}, N), got {u.shape}")
    u = u.astype(np.float64)
    if u.size and not (np.all(u >= 0) and np.all(u < 1)):
        raise ValueError("noise must hold uniform draws in [0, 1) (e.g. rng.random((B, N)))")
    try:
        temperature = float(temperature)
    except (TypeError, ValueError):
        raise TypeError(f"temperature must be a real number >= 0, got {temperature!r}") from None
    if not np.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a finite float >= 0 (0 means greedy), got {temperature!r}")
    if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or not 0 <= top_k <= config.vocab_size:
        raise ValueError(f"top_k must be an int in [0, vocab_size] = [0, {config.vocab_size}] (0: no filter), "
                         f"got {top_k!r}")
    return p, u, temperature, int(top_k)

"""Host-side checks of seq2seq params and batches, shared by both backends.

A batch (``B`` pairs, sources padded to ``S`` tokens, targets to ``T``):

| key | shape | meaning |
|-----|-------|---------|
| `src` | `(B, S)` int in `[0, V_src)` | source tokens, padded |
| `src_lengths` | `(B,)` int in `[1, S]` | real source tokens of each row |
| `tgt_in` | `(B, T)` int in `[0, V_tgt)` | decoder inputs: `BOS y_1 .. y_{n}` (teacher forcing) |
| `tgt_out` | `(B, T)` int in `[0, V_tgt)` | what to predict: `y_1 .. y_n EOS` |
| `tgt_lengths` | `(B,)` int in `[0, T]` | real target steps of each row (not all 0) |

Padded positions may hold any id: they are replaced by 0 and never read. With
``config.reverse_source`` the real part of every source row is reversed here,
once, so that both backends read the same (reversed) source.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from textbook.core.validate import check_param_shapes

from textbook.sequence.rnn._checks import check_lengths, param_shapes as rnn_shapes

BATCH_KEYS = ("src", "src_lengths", "tgt_in", "tgt_out", "tgt_lengths")


def decoder_keys(config: Any) -> tuple[str, ...]:
    """The parts of the decoder state: ``"h"`` (LSTM: and ``"c"``), plus ``"o"`` with input feeding."""
    keys = ("h", "c") if config.cell == "lstm" else ("h",)
    return keys + (("o",) if config.input_feeding else ())


def param_shapes(config: Any) -> dict[str, tuple[int, ...]]:
    """Every param key with its shape (see the package docstring for their meaning)."""
    E, H, A = config.embed_size, config.hidden_size, config.attention_dim
    shapes = {"src_embed.weight": (config.src_vocab, E), "tgt_embed.weight": (config.tgt_vocab, E)}
    shapes.update({"enc." + k: v for k, v in rnn_shapes(config.encoder_rnn).items()})
    shapes.update({"dec." + k: v for k, v in rnn_shapes(config.decoder_rnn).items()})
    if config.attention in ("bahdanau", "luong-concat"):
        shapes.update({"attn.W_s": (A, H), "attn.W_h": (A, H), "attn.v": (A,)})
    elif config.attention == "luong-general":
        shapes["attn.W"] = (H, H)
    if config.attention.startswith("luong"):
        shapes["attn.W_c"] = (H, 2 * H)
    shapes["out.weight"] = (config.tgt_vocab, config.readout_size)
    shapes["out.bias"] = (config.tgt_vocab,)
    return shapes


def check_params(params: Mapping[str, object], config: Any) -> None:
    """Exactly the keys of `param_shapes`, float arrays of those shapes."""
    check_param_shapes(params, param_shapes(config), context=f" (attention={config.attention!r})")


def _ids(name: str, value: object, shape: tuple[int, ...] | None, vocab: int, mask: np.ndarray | None):
    a = np.asarray(value)
    if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} must hold integer token ids, got dtype {a.dtype}")
    if shape is not None and a.shape != shape:
        raise ValueError(f"{name} must have shape (B, T) = {shape}, got {a.shape}")
    if a.ndim != 2 or 0 in a.shape:
        raise ValueError(f"{name} must have shape (B, T) with B, T >= 1, got {a.shape}")
    used = a if mask is None else a[mask]
    bad = used[(used < 0) | (used >= vocab)]
    if bad.size:
        raise ValueError(f"{name} holds id {int(bad[0])} outside [0, {vocab})")
    a = a.astype(np.int64)
    return a if mask is None else np.where(mask, a, 0)


def check_source(src: object, src_lengths: object, config: Any) -> tuple[np.ndarray, np.ndarray]:
    """``src (B, S)`` ids and ``src_lengths (B,)`` in ``[1, S]`` (None: all ``S``); pads -> 0, reversed if asked."""
    a = np.asarray(src)
    if a.ndim != 2 or 0 in a.shape:
        raise ValueError(f"batch['src'] must have shape (B, S) with B, S >= 1, got {a.shape}")
    B, S = a.shape
    lengths = (np.full(B, S, dtype=np.int64) if src_lengths is None
               else check_lengths(src_lengths, B, S, "batch['src_lengths']"))
    if np.any(lengths < 1):
        raise ValueError(f"batch['src_lengths'] must lie in [1, S] = [1, {S}] (every source needs a token), "
                         f"got {int(lengths.min())}")
    mask = np.arange(S)[None, :] < lengths[:, None]               # (B, S)
    ids = _ids("batch['src']", a, (B, S), config.src_vocab, mask)
    if config.reverse_source:                                     # x_L .. x_1, then the padding
        idx = np.where(mask, lengths[:, None] - 1 - np.arange(S)[None, :], np.arange(S)[None, :])
        ids = np.take_along_axis(ids, idx, axis=1)
    return ids, lengths


def check_batch(batch: Mapping[str, object], config: Any, targets: bool = True) -> dict:
    """Validate a batch and return int64 arrays with the padding zeroed.

    With ``targets=False`` (model inputs) ``tgt_out`` is optional and ignored.
    """
    if not isinstance(batch, Mapping):
        raise TypeError(f"batch must be a dict of arrays, got {type(batch).__name__}")
    extra = [k for k in batch if k not in BATCH_KEYS]
    if extra:
        raise ValueError(f"batch has unexpected key {extra[0]!r}; allowed keys are {list(BATCH_KEYS)}")
    for key in ("src", "tgt_in") + (("tgt_out",) if targets else ()):
        if key not in batch:
            raise ValueError(f"batch is missing key {key!r} (expected (B, S) or (B, T) integer token ids)")
    src, src_lengths = check_source(batch["src"], batch.get("src_lengths"), config)
    t = np.asarray(batch["tgt_in"])
    if t.ndim != 2 or 0 in t.shape:
        raise ValueError(f"batch['tgt_in'] must have shape (B, T) with B, T >= 1, got {t.shape}")
    B, T = t.shape
    if B != src.shape[0]:
        raise ValueError(f"batch['tgt_in'] must have B = {src.shape[0]} rows like batch['src'], got {B}")
    lengths = (np.full(B, T, dtype=np.int64) if batch.get("tgt_lengths") is None
               else check_lengths(batch["tgt_lengths"], B, T, "batch['tgt_lengths']"))
    if not lengths.any():
        raise ValueError("batch['tgt_lengths'] are all 0: the batch has no token to predict")
    mask = np.arange(T)[None, :] < lengths[:, None]               # (B, T)
    out = {"src": src, "src_lengths": src_lengths, "tgt_lengths": lengths,
           "tgt_in": _ids("batch['tgt_in']", t, (B, T), config.tgt_vocab, mask)}
    if targets:
        out["tgt_out"] = _ids("batch['tgt_out']", batch["tgt_out"], (B, T), config.tgt_vocab, mask)
    return out

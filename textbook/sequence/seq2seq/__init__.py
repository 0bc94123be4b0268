"""Sequence to sequence: an RNN encoder, an RNN decoder with teacher forcing, and attention.

    >>> config = Config(src_vocab=13, tgt_vocab=13, cell="gru", embed_size=8, hidden_size=16)
    >>> params = init(config, seed=0)
    >>> import numpy as np
    >>> batch = {"src": np.array([[3, 4, 5]]), "src_lengths": np.array([3]),
    ...          "tgt_in": np.array([[1, 5, 4, 3]]), "tgt_out": np.array([[5, 4, 3, 2]]), "tgt_lengths": np.array([4])}
    >>> logits, attention = backend("numpy").forward(params, batch, config)
    >>> logits.shape, attention.shape
    ((1, 4, 13), (1, 4, 3))

The encoder reads the source (optionally reversed, as Sutskever et al. did, and
optionally in both directions); the decoder starts from the encoder's final
state and predicts the target one token at a time from the previous *true*
token (teacher forcing). Without attention the final encoder state is the only
link between the two (the bottleneck); with attention every decoder step reads
a weighted average of all encoder states: Bahdanau's additive score with the
previous decoder state, or Luong's ``dot``, ``general`` and ``concat`` scores
with the current one.

**Params** (``H`` hidden, ``E`` embedding, ``A`` attention size): ``src_embed.weight (V_src, E)``,
``tgt_embed.weight (V_tgt, E)``, the encoder stack under ``enc.`` and the decoder cell under
``dec.`` (PyTorch names, see `textbook.sequence.rnn`), the attention under ``attn.``
(``W_s (A, H)``, ``W_h (A, H)``, ``v (A,)`` for the additive scores, ``W (H, H)`` for Luong's
general score, ``W_c (H, 2H)`` for Luong's attentional state) and the readout
``out.weight (V_tgt, H or 2H)``, ``out.bias``.

The two implementations (``backend("numpy")``, ``backend("jax")``) share ``forward``, ``loss``,
``loss_and_grad``, ``train_step``, ``initial_state`` and ``step_fn`` (the batched step that
`textbook.sequence.decoding`'s ``greedy_batch``/``beam_search_batch`` drive). The batch format and
its checks are in ``textbook.sequence.seq2seq._checks``; the toy tasks in `tasks`.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from textbook.core import checkpoint
from textbook.core.validate import is_real, check_int_fields
from textbook.core.backend import check_backend, load_impl, to_jax, to_numpy
from textbook.sequence import rnn as _rnn
from textbook.sequence.seq2seq import tasks
from textbook.sequence.seq2seq._checks import check_batch, check_params, param_shapes

ATTENTIONS: tuple[str, ...] = ("none", "bahdanau", "luong-dot", "luong-general", "luong-concat")

__all__ = ["Config", "ATTENTIONS", "DEMO_SETTINGS", "demo_config", "init", "backend", "param_shapes",
           "check_params", "check_batch", "tasks", "TrainResult", "train", "translate", "greedy_decode",
           "exact_match", "accuracy_by_length", "quick_model", "decoder_step_fn", "save_checkpoint", "load_checkpoint"]


@dataclass(frozen=True)
class Config:
    """An encoder-decoder and how to train it (frozen and hashable: a JAX static argument).

    Attributes:
        src_vocab: source tokens ``V_src >= 2``.   tgt_vocab: target tokens ``V_tgt >= 3``.
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"`` (encoder and decoder).
        embed_size: ``E``, both embeddings.
        hidden_size: ``H``, the decoder state and every encoder state (a bidirectional encoder
            has ``H / 2`` units per direction, so ``H`` must then be even).
        attention: one of `ATTENTIONS`; ``"none"`` is the plain bottleneck model.
        attention_size: ``A`` of the additive scores (0: ``H``).
        bidirectional: a bidirectional encoder.
        reverse_source: feed the source reversed (``x_L .. x_1``).
        input_feeding: Luong only: feed the previous attentional state into the cell, eq. (S2S-9f).
        batch_size, epochs, lr, clip: training (Adam, global-norm clipping; clip 0 disables it).
    """

    src_vocab: int
    tgt_vocab: int
    cell: str = "lstm"
    embed_size: int = 32
    hidden_size: int = 64
    attention: str = "bahdanau"
    attention_size: int = 0
    bidirectional: bool = False
    reverse_source: bool = False
    input_feeding: bool = False
    batch_size: int = 64
    epochs: int = 10
    lr: float = 5e-3
    clip: float = 1.0

    def __post_init__(self) -> None:
        check_int_fields(self, (("src_vocab", 2), ("tgt_vocab", 3), ("embed_size", 1), ("hidden_size", 1),
                                ("attention_size", 0), ("batch_size", 1), ("epochs", 1)))
        if self.cell not in _rnn.CELLS:
            raise ValueError(f"Config.cell must be one of {_rnn.CELLS}, got {self.cell!r}")
        if self.attention not in ATTENTIONS:
            raise ValueError(f"Config.attention must be one of {ATTENTIONS}, got {self.attention!r}")
        for name in ("bidirectional", "reverse_source", "input_feeding"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"Config.{name} must be a bool, got {getattr(self, name)!r}")
            object.__setattr__(self, name, bool(getattr(self, name)))
        if self.input_feeding and not self.attention.startswith("luong"):
            raise ValueError(f"Config.input_feeding needs a Luong attention, got attention={self.attention!r}")
        if self.bidirectional and self.hidden_size % 2:
            raise ValueError(f"Config.hidden_size must be even with bidirectional=True (H/2 per direction), "
                             f"got {self.hidden_size}")
        if not is_real(self.lr) or self.lr <= 0:
            raise ValueError(f"Config.lr must be a finite float > 0, got {self.lr!r}")
        if not is_real(self.clip) or self.clip < 0:
            raise ValueError(f"Config.clip must be a finite float >= 0 (0: no clipping), got {self.clip!r}")
        object.__setattr__(self, "lr", float(self.lr))
        object.__setattr__(self, "clip", float(self.clip))

    @property
    def encoder_rnn(self) -> _rnn.Config:
        """The encoder's `textbook.sequence.rnn.Config`: one layer, ``H`` or ``2 x H/2`` units."""
        D = 2 if self.bidirectional else 1
        return _rnn.Config(cell=self.cell, input_size=self.embed_size, hidden_size=self.hidden_size // D,
                           bidirectional=self.bidirectional)

    @property
    def decoder_rnn(self) -> _rnn.Config:
        """The decoder cell: input ``E`` (Bahdanau, input feeding: ``E + H``), ``H`` units."""
        extra = self.hidden_size if (self.attention == "bahdanau" or self.input_feeding) else 0
        return _rnn.Config(cell=self.cell, input_size=self.embed_size + extra, hidden_size=self.hidden_size)

    @property
    def attention_dim(self) -> int:
        """``A``: the size of the additive scores' hidden layer."""
        return self.attention_size or self.hidden_size

    @property
    def readout_size(self) -> int:
        """Features read by the output layer: ``[s_t; c_t]`` (2H) for Bahdanau, else H."""
        return 2 * self.hidden_size if self.attention == "bahdanau" else self.hidden_size


#: Settings that reach >= 99% held-out exact match on digit reversal (lengths 3..10) with Bahdanau
#: attention in both backends; the CLI, the docs and the tests start from these.
DEMO_SETTINGS: dict = dict(cell="lstm", embed_size=16, hidden_size=64, attention="bahdanau", batch_size=64,
                           epochs=4, lr=1e-2, clip=1.0, n_train=8000)


def demo_config(task: "tasks.Task", **overrides) -> Config:
    """A `Config` for ``task`` with `DEMO_SETTINGS` (minus ``n_train``), any of them replaced by ``overrides``."""
    settings = {k: v for k, v in {**DEMO_SETTINGS, **overrides}.items() if k != "n_train"}
    return Config(src_vocab=len(task.vocab), tgt_vocab=len(task.vocab), **settings)


def init(config: Config, seed: int = 0) -> dict[str, np.ndarray]:
    """Initial params (float64): embeddings and readout ``~ U(-0.1, 0.1)``, the readout bias 0, the
    recurrent cells as PyTorch (``U(-1/sqrt(H), 1/sqrt(H))``), attention matrices ``~ U(-1/sqrt(n), 1/sqrt(n))``
    with ``n`` their input size."""
    if not isinstance(config, Config):
        raise TypeError(f"config must be a seq2seq Config, got {type(config).__name__}")
    rng = np.random.default_rng(seed)
    params = {}
    for key, shape in param_shapes(config).items():
        if key.startswith(("enc.", "dec.")):
            continue
        if key == "out.bias":
            params[key] = np.zeros(shape)
        elif key.startswith("attn."):
            bound = 1.0 / math.sqrt(shape[-1])
            params[key] = rng.uniform(-bound, bound, size=shape)
        else:
            params[key] = rng.uniform(-0.1, 0.1, size=shape)
    for prefix, rnn_config in (("enc.", config.encoder_rnn), ("dec.", config.decoder_rnn)):
        params.update({prefix + k: v for k, v in _rnn.init(rnn_config, seed=int(rng.integers(2**31))).items()})
    return {k: params[k] for k in param_shapes(config)}


def backend(name: str):
    """The implementation module: ``backend("numpy")`` or ``backend("jax")``."""
    return load_impl(__name__, name)


# --- training ----------------------------------------------------------------------------------------------

@dataclass
class TrainResult:
    """What `train` returns: NumPy ``params``, per-step ``losses``, ``seconds`` of training (JAX:
    ``first_step_seconds`` of it compiling), the ``config`` and the mean loss of each epoch."""

    params: dict
    losses: np.ndarray
    seconds: float
    config: Config
    epoch_losses: list
    first_step_seconds: float = 0.0


def train(data: dict, config: Config, backend: str = "numpy", seed: int = 0, progress: bool = True,
          params: dict | None = None, callback: Callable[[int, dict, float], None] | None = None) -> TrainResult:
    """Train with teacher forcing, global-norm clipping and Adam.

    Args:
        data: the training pairs as one padded batch (`tasks.encode`); each epoch shuffles them
            and cuts them into ``config.batch_size`` rows (the incomplete last batch is dropped, so
            every step has one shape and JAX compiles once).
        config: the model and its training settings.
        backend: ``"numpy"`` or ``"jax"`` (JAX trains in float32 unless x64 is enabled).
        seed: seeds the initial params and the shuffling: same seed, same backend, same numbers.
        progress: show a progress bar with the loss.
        params: start from these instead of `init`.
        callback: ``callback(epoch, numpy_params, mean_loss)`` after each epoch.
    """
    from textbook.core.optim import backend as optim_backend
    from textbook.core.progress import Progress

    check_backend(backend)
    if not isinstance(config, Config):
        raise TypeError(f"config must be a seq2seq Config, got {type(config).__name__}")
    data = {k: np.asarray(v) for k, v in data.items()}
    n, B = len(data["src"]), config.batch_size
    if n < B:
        raise ValueError(f"data holds {n} pairs, fewer than batch_size={B}")
    impl = load_impl(__name__, backend)
    rng = np.random.default_rng(seed)
    params = init(config, seed) if params is None else {k: np.asarray(v) for k, v in params.items()}
    check_params(params, config)
    if backend == "jax":
        params = to_jax(params)
    opt_state = optim_backend(backend).adam_init(params)
    steps = n // B
    losses, epoch_losses, first_step = [], [], None
    start = time.perf_counter()
    with Progress(total=steps * config.epochs, desc=f"seq2seq ({config.attention}, {backend})", unit="step",
                  enabled=progress) as bar:
        for epoch in range(config.epochs):
            order = rng.permutation(n)
            first = len(losses)
            for i in range(steps):
                rows = order[i * B:(i + 1) * B]
                batch = {k: v[rows] for k, v in data.items()}
                params, opt_state, loss = impl.train_step(params, opt_state, batch, config, config.lr)
                losses.append(loss)
                if first_step is None:
                    float(loss)                                   # JAX compiles during the first step
                    first_step = time.perf_counter() - start
                bar.update(1, **({"loss": float(loss)} if progress and i % 10 == 0 else {}))
            mean = float(np.mean(np.asarray([float(x) for x in losses[first:]])))
            epoch_losses.append(mean)
            if callback is not None:
                callback(epoch, {k: np.array(v) for k, v in params.items()}, mean)
    losses_arr = np.asarray([float(x) for x in losses])
    seconds = time.perf_counter() - start
    out = {k: np.asarray(v, dtype=np.float64) for k, v in to_numpy(params).items()}
    return TrainResult(out, losses_arr, seconds, config, epoch_losses, first_step or 0.0)


# --- decoding ----------------------------------------------------------------------------------------------

def decoder_step_fn(params, config: Config, source) -> tuple[Callable, dict]:
    """A NumPy step function for `textbook.sequence.decoding.greedy` / ``beam_search``.

    Args:
        source: ``(S,)`` source token ids (reversed here if ``config.reverse_source``).

    Returns:
        ``(step, state)``: ``step(state, token) -> (log_probs (V,), new_state, attention (S,))``
        (without the attention when ``config.attention == "none"``) and the state before ``BOS``.
    """
    impl = load_impl(__name__, "numpy")
    src = np.asarray(source)
    if src.ndim != 1:
        raise ValueError(f"source must be a 1-D array of token ids (S,), got shape {src.shape}")
    state = impl.initial_state(params, src[None, :], np.array([len(src)]), config)
    batched = impl.step_fn(config)

    def step(s, token):
        out = batched(params, s, np.array([token]))
        return (out[0][0], out[1]) + ((out[2][0],) if len(out) == 3 else ())

    return step, state


def translate(params, config: Config, sources: list, backend: str = "numpy", beam_size: int = 5,
              alpha: float = 0.7, max_len: int = 20) -> dict:
    """Decode a list of sources (each ``(S_b,)`` ids) in one batch: beam search (``beam_size = 1``: greedy).

    Returns what `textbook.sequence.decoding`'s ``beam_search_batch`` returns (``tokens (B, K, max_len)``
    padded with -1, ``lengths``, ``scores``, ``count`` and, with attention, ``extras (B, K, max_len, S)``:
    the attention weights of every generated token).
    """
    from textbook.sequence import decoding

    check_backend(backend)
    impl = load_impl(__name__, backend)
    src, lengths = tasks.pad([np.asarray(s) for s in sources])
    if backend == "jax":
        params = to_jax(params)
    state = impl.initial_state(params, src, lengths, config)
    return decoding.backend(backend).beam_search_batch(impl.step_fn(config), params, state, tasks.BOS, tasks.EOS,
                                                      max_len, beam_size=beam_size, alpha=alpha)


def greedy_decode(params, config: Config, src, src_lengths, max_len: int, backend: str = "numpy") -> dict:
    """Greedy decoding of a padded batch with `textbook.sequence.decoding`'s ``greedy_batch``."""
    from textbook.sequence import decoding

    check_backend(backend)
    impl = load_impl(__name__, backend)
    if backend == "jax":
        params = to_jax(params)
    state = impl.initial_state(params, src, src_lengths, config)
    return decoding.backend(backend).greedy_batch(impl.step_fn(config), params, state, tasks.BOS, tasks.EOS,
                                                 max_len, alpha=0.0, check=False)


def exact_match(params, config: Config, data: dict, backend: str = "numpy", batch_size: int = 512) -> float:
    """The share of pairs in ``data`` (`tasks.encode`) whose greedy output equals the target exactly (EOS included)."""
    n, hits = len(data["src"]), 0
    T = data["tgt_out"].shape[1]
    for i in range(0, n, batch_size):
        sl = slice(i, i + batch_size)
        out = greedy_decode(params, config, data["src"][sl], data["src_lengths"][sl], T, backend)
        tokens, lengths = np.asarray(out["tokens"]), np.asarray(out["lengths"])
        for b, (want, L) in enumerate(zip(data["tgt_out"][sl], data["tgt_lengths"][sl])):
            hits += int(lengths[b] == L and np.array_equal(tokens[b, :L], want[:L]))
    return hits / n


def accuracy_by_length(params, config: Config, pairs: list, task, backend: str = "numpy") -> dict[int, float]:
    """Exact match of greedy decoding on ``pairs`` (strings), grouped by source length: ``{length: share}``."""
    task = tasks.get(task)
    out = {}
    for n in sorted({len(src) for src, _ in pairs}):
        group = [p for p in pairs if len(p[0]) == n]
        out[n] = exact_match(params, config, tasks.encode(group, task), backend=backend)
    return out


@lru_cache(maxsize=16)
def quick_model(task: str = "reverse", attention: str = "bahdanau", n_train: int = 3000, epochs: int = 3,
                hidden_size: int = 32, cell: str = "lstm", seed: int = 0, backend: str = "numpy") -> TrainResult:
    """A small model trained in seconds (NumPy by default) and cached for the process, so that several
    demos (e.g. the blocks of one docs page) share it. Batch size 32, embedding 16, `DEMO_SETTINGS` otherwise."""
    t = tasks.get(task)
    data = tasks.encode(tasks.make_pairs(t, n_train, seed=seed), t)
    config = demo_config(t, attention=attention, epochs=epochs, hidden_size=hidden_size, embed_size=16,
                         batch_size=32, cell=cell)
    return train(data, config, backend=backend, seed=seed, progress=False)


# --- checkpoints -------------------------------------------------------------------------------------------

def save_checkpoint(path: str | os.PathLike, params, config: Config, task: str, **meta) -> None:
    """Save params, config (JSON) and the task's name to ``.npz`` (no pickle)."""
    if not isinstance(config, Config):
        raise TypeError(f"config must be a seq2seq Config, got {type(config).__name__}")
    tasks.get(task)
    check_params(params, config)
    checkpoint.save(path, params, config, model="seq2seq", meta={"task": task, **meta})


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Load what `save_checkpoint` wrote: ``{"params", "config", "task" (a tasks.Task), "meta"}``."""
    ck = checkpoint.load(path, Config, model="seq2seq")
    meta = dict(ck.meta)
    if "task" not in meta:
        raise ValueError(f"{os.fspath(path)!r} is not a seq2seq checkpoint (no task)")
    task = tasks.get(meta.pop("task"))
    check_params(ck.params, ck.config)
    return {"params": ck.params, "config": ck.config, "task": task, "meta": meta}

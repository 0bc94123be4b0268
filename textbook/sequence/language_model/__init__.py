"""Recurrent language models, character- or word-level: embedding -> RNN/LSTM/GRU stack -> linear -> softmax.

    >>> text = demo_text()
    >>> ids, vocab = encode_text(text, level="char")
    >>> config = demo_config(len(vocab), epochs=1)
    >>> result = train(ids, config, backend="numpy", seed=0, progress=False)
    >>> result.params["output.weight"].shape == (len(vocab), config.hidden_size)
    True

The two implementations (``backend("numpy")``, ``backend("jax")``) share the
functions ``forward``, ``loss``, ``loss_and_grad``, ``loss_and_state``,
``train_step``, ``clip_by_global_norm``, ``next_token`` and ``sample``; the
batch format and its checks live in
``textbook.sequence.language_model._checks``. Everything here (tokenising,
truncated-BPTT batches, training, evaluation, generation, checkpoints) is
written once, for either backend.

**Params** have PyTorch-style names: ``embedding.weight (V, E)`` (absent when
``embedding_dim=0``: the inputs are then one-hot vectors), the recurrent stack
under ``rnn.`` (``rnn.weight_ih_l0``, ...; see ``textbook.sequence.rnn``) and
the output layer ``output.weight (V, H)``, ``output.bias (V,)``.

**Training** is truncated back-propagation through time: the token stream is
cut into ``batch_size`` parallel streams, and each stream into chunks of
``seq_len`` tokens; the recurrent state is carried from one chunk to the next
(the gradient is not), so the model sees context beyond one chunk while each
backward pass stays ``seq_len`` steps long. Each step clips the gradient by
its global norm and applies Adam.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from textbook.core import checkpoint
from textbook.core.backend import check_backend, load_impl, to_jax, to_numpy
from textbook.sequence import rnn as _rnn
from textbook.sequence.language_model._checks import check_batch, check_params, param_shapes
from textbook.core.validate import is_int, is_real, check_int_fields

LEVELS: tuple[str, ...] = ("char", "word")
EOS = "<eos>"  # the word-level token that ends a line

__all__ = ["Config", "TrainResult", "LEVELS", "EOS", "DEMO_SETTINGS", "demo_config", "demo_text", "backend",
           "init", "param_shapes", "check_params", "check_batch", "encode_text", "encode_prompt", "decode",
           "tbptt_batches",
           "train", "evaluate", "perplexity", "unigram_cross_entropy", "generate", "save_checkpoint",
           "load_checkpoint"]


@dataclass(frozen=True)
class Config:
    """A recurrent language model and how to train it (frozen and hashable: a JAX static argument).

    Attributes:
        vocab_size: tokens in the vocabulary, ``V >= 2``.
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        embedding_dim: size ``E`` of the token embedding; 0 feeds one-hot vectors to the RNN instead.
        hidden_size: ``H``.
        num_layers: layers in the recurrent stack.
        residual: residual connections between layers (``textbook.sequence.rnn``).
        seq_len: tokens per chunk of truncated BPTT (the length of each backward pass).
        batch_size: parallel streams per step.
        epochs: passes over the training text.
        lr: Adam's learning rate.
        clip: maximal global norm of the gradient (0 disables clipping).
    """

    vocab_size: int
    cell: str = "lstm"
    embedding_dim: int = 32
    hidden_size: int = 128
    num_layers: int = 1
    residual: bool = False
    seq_len: int = 64
    batch_size: int = 16
    epochs: int = 10
    lr: float = 2e-3
    clip: float = 1.0

    def __post_init__(self) -> None:
        check_int_fields(self, (("vocab_size", 2), ("embedding_dim", 0), ("hidden_size", 1), ("num_layers", 1),
                          ("seq_len", 1), ("batch_size", 1), ("epochs", 1)))
        if self.cell not in _rnn.CELLS:
            raise ValueError(f"Config.cell must be one of {_rnn.CELLS}, got {self.cell!r}")
        if not isinstance(self.residual, (bool, np.bool_)):
            raise TypeError(f"Config.residual must be a bool, got {self.residual!r}")
        object.__setattr__(self, "residual", bool(self.residual))
        if not is_real(self.lr) or self.lr <= 0:
            raise ValueError(f"Config.lr must be a finite float > 0, got {self.lr!r}")
        if not is_real(self.clip) or self.clip < 0:
            raise ValueError(f"Config.clip must be a finite float >= 0 (0: no clipping), got {self.clip!r}")
        object.__setattr__(self, "lr", float(self.lr))
        object.__setattr__(self, "clip", float(self.clip))

    @property
    def rnn(self) -> _rnn.Config:
        """The recurrent stack's `textbook.sequence.rnn.Config` (unidirectional: a language model reads left to right)."""
        return _rnn.Config(cell=self.cell, input_size=self.embedding_dim or self.vocab_size,
                           hidden_size=self.hidden_size, num_layers=self.num_layers, residual=self.residual)


#: Settings for the embedded demo text (about 4 KB of characters): a small LSTM that learns the
#: text's spelling and common phrases in seconds. The CLI's ``--demo``, the book and the tests
#: all start from these.
DEMO_SETTINGS: dict = dict(cell="lstm", embedding_dim=16, hidden_size=64, num_layers=1, seq_len=32,
                           batch_size=16, epochs=25, lr=1e-2, clip=1.0)


def demo_config(vocab_size: int, **overrides) -> Config:
    """A `Config` with `DEMO_SETTINGS`, any of them replaced by ``overrides``."""
    return Config(vocab_size=vocab_size, **{**DEMO_SETTINGS, **overrides})


def demo_text() -> str:
    """The embedded demo text (``textbook/data/corpus/lm_demo.txt``), prose written for this project."""
    from textbook.data.demo import demo_path

    return demo_path("lm_demo.txt").read_text(encoding="utf-8")


def init(config: Config, seed: int = 0) -> dict[str, np.ndarray]:
    """Initial params (float64): the embedding and the output weight ``~ U(-0.1, 0.1)``, the output bias 0
    (as PyTorch's word-language-model example), the recurrent stack as PyTorch (``U(-1/sqrt(H), 1/sqrt(H))``)."""
    if not isinstance(config, Config):
        raise TypeError(f"config must be a language_model Config, got {type(config).__name__}")
    rng = np.random.default_rng(seed)
    params = {}
    if config.embedding_dim:
        params["embedding.weight"] = rng.uniform(-0.1, 0.1, size=(config.vocab_size, config.embedding_dim))
    params.update({"rnn." + k: v for k, v in _rnn.init(config.rnn, seed=int(rng.integers(2**31))).items()})
    params["output.weight"] = rng.uniform(-0.1, 0.1, size=(config.vocab_size, config.hidden_size))
    params["output.bias"] = np.zeros(config.vocab_size)
    return params


def backend(name: str):
    """The implementation module: ``backend("numpy")`` or ``backend("jax")``."""
    return load_impl(__name__, name)


# --- text <-> ids ------------------------------------------------------------------------------------------

def _word_tokens(text: str) -> list[str]:
    from textbook.data import tokenize

    tokens: list[str] = []
    for line in text.splitlines():
        words = tokenize(line)
        if words:
            tokens += words + [EOS]
    return tokens


def encode_text(text: str, level: str = "char", vocab=None):
    """Tokenise ``text`` and map it to ids: ``(ids (N,) int64, vocab)``.

    ``level="char"`` keeps every character (case, punctuation, line breaks); ``level="word"`` uses
    ``textbook.data.tokenize`` on each line and ends every non-empty line with ``"<eos>"``. Without
    ``vocab`` one is built from the text (ids by descending count).

    Raises:
        ValueError: on an unknown level, an empty text, or (with ``vocab``) tokens outside the vocabulary.
    """
    from textbook.data import Vocab

    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    tokens = list(text) if level == "char" else _word_tokens(text)
    if not tokens:
        raise ValueError("text holds no tokens")
    if vocab is None:
        vocab = Vocab.build([tokens])
    unknown = sorted({t for t in tokens if t not in vocab})
    if unknown:
        raise ValueError(f"{len(unknown)} token(s) are not in the vocabulary, e.g. {unknown[:5]}")
    return vocab.encode(tokens), vocab


def encode_prompt(prompt: str, vocab, level: str = "char") -> np.ndarray:
    """A generation prompt as ids: its characters, or its words (no ``"<eos>"`` added at the end).

    Raises:
        ValueError: if the prompt is empty or holds tokens outside the vocabulary (naming them).
    """
    from textbook.data import tokenize

    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str, got {type(prompt).__name__}")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    tokens = list(prompt) if level == "char" else tokenize(prompt)
    if not tokens:
        raise ValueError("the prompt is empty: give at least one token")
    unknown = sorted({t for t in tokens if t not in vocab})
    if unknown:
        raise ValueError(f"the prompt holds token(s) not in the model's vocabulary: {unknown[:5]}")
    return vocab.encode(tokens)


def decode(ids, vocab, level: str = "char") -> str:
    """Ids back to text: characters joined, or words joined by spaces with ``"<eos>"`` as a line break."""
    tokens = vocab.decode(np.asarray(ids, dtype=np.int64))
    if level == "char":
        return "".join(tokens)
    return " ".join(tokens).replace(f" {EOS} ", "\n").replace(f" {EOS}", "\n").replace(EOS, "\n")


def tbptt_batches(ids, batch_size: int, seq_len: int, offset: int = 0) -> Iterator[dict[str, np.ndarray]]:
    """Batches for truncated BPTT: ``{"tokens", "targets" (B, seq_len), "lengths" (B,)}``, in order.

    The stream ``ids[offset:]`` is cut into ``B = batch_size`` contiguous streams of equal length
    (the remainder is dropped); row ``b`` of consecutive batches continues stream ``b``, so the
    state can be carried from batch to batch. The last batch is padded to ``seq_len`` (its
    ``lengths`` say how much is real), so every batch has one shape.
    """
    ids = np.asarray(ids, dtype=np.int64)[offset:]
    n = (len(ids) - 1) // batch_size                              # tokens per stream that have a successor
    if n < 1:
        raise ValueError(f"the text is too short: {len(ids)} tokens for batch_size={batch_size} "
                         f"(need at least batch_size + 1)")
    streams = ids[: n * batch_size + 1]
    inputs = np.stack([streams[b * n: (b + 1) * n] for b in range(batch_size)])          # (B, n)
    targets = np.stack([streams[b * n + 1: (b + 1) * n + 1] for b in range(batch_size)])  # (B, n)
    for start in range(0, n, seq_len):
        stop = min(start + seq_len, n)
        tokens = np.zeros((batch_size, seq_len), dtype=np.int64)
        target = np.zeros((batch_size, seq_len), dtype=np.int64)
        tokens[:, : stop - start] = inputs[:, start:stop]
        target[:, : stop - start] = targets[:, start:stop]
        yield {"tokens": tokens, "targets": target, "lengths": np.full(batch_size, stop - start, dtype=np.int64)}


# --- training and evaluation -------------------------------------------------------------------------------

@dataclass
class TrainResult:
    """What `train` returns.

    Attributes:
        params: NumPy params after training.
        losses: ``(steps,)`` the mean cross-entropy (nats per token) of every step, before its update.
        tokens_per_sec: training tokens per second after the first step (callbacks included).
        config: the configuration trained with.
        epoch_losses: mean training loss of each epoch.
        first_step_seconds: time of the first step, which for JAX includes compiling it.
    """

    params: dict
    losses: np.ndarray
    tokens_per_sec: float
    config: Config
    epoch_losses: list
    first_step_seconds: float = 0.0


def _host(values: list) -> np.ndarray:
    if values and not isinstance(values[0], float):
        import jax

        values = jax.device_get(values)
    return np.asarray(values, dtype=np.float64)


def _zero_state(config: Config, B: int, backend: str, dtype=None) -> dict:
    shape = (config.num_layers, B, config.hidden_size)
    keys = ("h0", "c0") if config.cell == "lstm" else ("h0",)
    if backend == "jax":
        import jax.numpy as jnp

        return {k: jnp.zeros(shape, dtype=dtype) for k in keys}
    return {k: np.zeros(shape) for k in keys}


def train(ids, config: Config, backend: str = "numpy", seed: int = 0, progress: bool = True,
          params: dict | None = None, callback: Callable[[int, dict, float], None] | None = None) -> TrainResult:
    """Train with truncated BPTT, gradient clipping and Adam (`tbptt_batches`, ``train_step``).

    Each epoch starts the streams at a random offset in ``[0, seq_len)`` (so chunk boundaries move)
    and from a zero state; within the epoch the state is carried from chunk to chunk.

    Args:
        ids: ``(N,)`` token ids in ``[0, vocab_size)`` (e.g. from `encode_text`).
        config: the model and training settings.
        backend: ``"numpy"`` or ``"jax"`` (JAX trains in float32 unless x64 is enabled).
        seed: seeds the initial params and the offsets; the same seed and backend give the same numbers.
        progress: show a progress bar with the loss, the perplexity and tokens/sec.
        params: start from these params instead of `init` (e.g. to continue training).
        callback: called after each epoch as ``callback(epoch, numpy_params, mean_loss)``.
    """
    from textbook.core.optim import backend as optim_backend
    from textbook.core.progress import Progress

    check_backend(backend)
    if not isinstance(config, Config):
        raise TypeError(f"config must be a language_model Config, got {type(config).__name__}")
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype.kind not in "iu":
        raise TypeError(f"ids must be a 1-D integer array of token ids, got shape {ids.shape}, dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= config.vocab_size):
        raise ValueError(f"ids must lie in [0, vocab_size) = [0, {config.vocab_size})")
    if len(ids) < config.batch_size + config.seq_len + 1:
        raise ValueError(f"the text is too short: {len(ids)} tokens for batch_size={config.batch_size} and "
                         f"seq_len={config.seq_len}")
    impl = load_impl(__name__, backend)
    rng = np.random.default_rng(seed)
    params = init(config, seed) if params is None else {k: np.asarray(v) for k, v in params.items()}
    check_params(params, config)
    if backend == "jax":
        params = to_jax(params)
    opt_state = optim_backend(backend).adam_init(params)
    dtype = next(iter(params.values())).dtype

    losses: list = []
    epoch_losses: list[float] = []
    offsets = [int(o) for o in rng.integers(config.seq_len, size=config.epochs)]
    B = config.batch_size
    total = sum((len(ids) - o - 1) // B * B for o in offsets)    # the tokens the epochs will predict
    start = time.perf_counter()
    done, first_step = 0, None
    with Progress(total=total, desc=f"lm ({config.cell}, {backend})", unit="tok", enabled=progress) as bar:
        for epoch, offset in enumerate(offsets):
            state = _zero_state(config, B, backend, dtype)
            first = len(losses)
            for i, batch in enumerate(tbptt_batches(ids, config.batch_size, config.seq_len, offset)):
                params, opt_state, loss, final = impl.train_step(params, opt_state, {**batch, **state}, config,
                                                                 config.lr)
                state = {k + "0": v for k, v in final.items()}  # carried to the next chunk (not its gradient)
                losses.append(loss)
                n = int(batch["lengths"].sum())
                done += n
                if first_step is None:                            # JAX compiles during the first step
                    float(loss)
                    first_step = (time.perf_counter(), done)
                if progress and i % 10 == 0:                      # float(loss) waits for the device
                    bar.update(n, loss=float(loss), ppl=math.exp(min(float(loss), 50.0)))
                else:
                    bar.update(n)
            mean = float(_host(losses[first:]).mean())
            epoch_losses.append(mean)
            if callback is not None:
                callback(epoch, {k: np.array(v) for k, v in params.items()}, mean)
    losses_arr = _host(losses)                                   # waits for the last device step
    end = time.perf_counter()
    t0, n0 = first_step if first_step is not None and done > first_step[1] else (start, 0)
    out = {k: np.asarray(v, dtype=np.float64) for k, v in to_numpy(params).items()}
    return TrainResult(params=out, losses=losses_arr, tokens_per_sec=(done - n0) / max(end - t0, 1e-9),
                       config=config, epoch_losses=epoch_losses, first_step_seconds=t0 - start)


def evaluate(params, ids, config: Config, backend: str = "numpy", batch_size: int = 1) -> float:
    """Mean cross-entropy in nats per token of predicting ``ids[1:]`` from ``ids[:-1]``.

    The text is read in chunks of ``config.seq_len`` with the state carried across them (as in
    training), by ``batch_size`` parallel streams (1: one stream, so every token but the first is
    predicted with all of its left context).
    """
    check_backend(backend)
    impl = load_impl(__name__, backend)
    if backend == "jax":
        params = to_jax(params)
    total, count = 0.0, 0
    state = _zero_state(config, batch_size, backend, next(iter(params.values())).dtype)
    for batch in tbptt_batches(ids, batch_size, config.seq_len):
        loss, final = impl.loss_and_state(params, {**batch, **state}, config)
        state = {k + "0": v for k, v in final.items()}
        n = int(batch["lengths"].sum())
        total += float(loss) * n
        count += n
    return total / count


def perplexity(cross_entropy: float) -> float:
    """``exp(cross-entropy)``, eq. (RNN-3): the model is as unsure as a uniform choice among that many tokens."""
    return float(math.exp(cross_entropy))


def unigram_cross_entropy(train_ids, eval_ids, vocab_size: int) -> float:
    """The baseline: cross-entropy (nats/token) on ``eval_ids[1:]`` of the unigram distribution of ``train_ids``
    with add-one smoothing (every token gets at least a count of 1). It ignores all context."""
    counts = np.bincount(np.asarray(train_ids), minlength=vocab_size).astype(np.float64) + 1.0
    log_p = np.log(counts / counts.sum())
    return float(-log_p[np.asarray(eval_ids)[1:]].mean())


# --- generation --------------------------------------------------------------------------------------------

def generate(params, config: Config, prompt_ids, length: int, temperature: float = 1.0, top_k: int = 0,
             seed: int = 0, backend: str = "numpy") -> np.ndarray:
    """Sample ``length`` tokens after ``prompt_ids`` (``(P,)`` ids, P >= 1): ``(length,)`` int64 ids.

    The uniform draws come from ``numpy.random.default_rng(seed)`` and are passed to the backend's
    ``sample``, so the same seed gives the same text, and the two backends agree (up to float ties).
    ``temperature`` divides the logits (0: greedy); ``top_k > 0`` keeps only the ``k`` most likely tokens
    (eq. (RNN-11)).
    """
    check_backend(backend)
    if not is_int(length) or length < 0:
        raise ValueError(f"length must be an integer >= 0, got {length!r}")
    prompt = np.asarray(prompt_ids)[None, :]
    noise = np.random.default_rng(seed).random((1, int(length)))
    impl = load_impl(__name__, backend)
    if backend == "jax":
        params = to_jax(params)
    return np.asarray(impl.sample(params, prompt, noise, config, temperature, top_k))[0].astype(np.int64)


# --- checkpoints -------------------------------------------------------------------------------------------

def save_checkpoint(path: str | os.PathLike, params, config: Config, vocab, level: str, **meta) -> None:
    """Save params, config, vocabulary and level to ``.npz`` (`textbook.core.checkpoint`, no pickle)."""
    if not isinstance(config, Config):
        raise TypeError(f"config must be a language_model Config, got {type(config).__name__}")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    check_params(params, config)
    if len(vocab) != config.vocab_size:
        raise ValueError(f"the vocabulary has {len(vocab)} tokens but config.vocab_size is {config.vocab_size}")
    checkpoint.save(path, params, config, model="language-model", meta={"level": level, **meta},
                    words=vocab.words, counts=vocab.counts)


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Load what `save_checkpoint` wrote: ``{"params", "config", "vocab", "level", "meta"}``."""
    from textbook.data import Vocab

    ck = checkpoint.load(path, Config, model="language-model")
    if ck.words is None or "level" not in ck.meta:
        raise ValueError(f"{os.fspath(path)!r} is not a language-model checkpoint (no vocabulary or level)")
    check_params(ck.params, ck.config)
    meta = dict(ck.meta)
    level = meta.pop("level")
    return {"params": ck.params, "config": ck.config, "vocab": Vocab(ck.words, ck.counts), "level": level,
            "meta": meta}
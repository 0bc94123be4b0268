"""ELMo: contextual word vectors from a small bidirectional LSTM language model, and the scalar mix.

    >>> sentences = demo_sentences()
    >>> result = train(sentences, demo_config(epochs=1), progress=False)
    >>> vecs = embed(result.params, result.vocab, [["the", "bank", "of", "the", "river"]], result.config)
    >>> vecs[0].shape == (5, 2 * result.config.dim)
    True

The biLM is two LSTM stacks over the same sentence, one reading left to right
(predicting each next word), one right to left (predicting each previous
word); they share the token embedding and the softmax. A word's ELMo vector
is a learnt mix of its ``L + 1`` layers: the static embedding (layer 0,
duplicated to match the ``2d`` features of the others) and the concatenated
forward and backward states of each LSTM layer.

The two implementations (``backend("numpy")``, ``backend("jax")``) share
``loss``, ``loss_and_grad``, ``train_step``, ``layers``, ``scalar_mix``,
``scalar_mix_backward`` and ``scalar_mix_loss_and_grad``.

Params: ``embedding.weight (V, d)``; the stacks under ``forward.`` and
``backward.`` with PyTorch's names (``forward.weight_ih_l0``, ...); the shared
softmax ``output.weight (V, d)``, ``output.bias (V,)``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from textbook.core.backend import check_backend, load_impl, to_jax, to_numpy
from textbook.sequence import rnn as _rnn
from textbook.sequence.elmo._checks import check_batch, check_mix, check_params, param_shapes
from textbook.core.validate import is_int, check_int_fields

BOS, EOS = "<s>", "</s>"

__all__ = ["Config", "TrainResult", "BOS", "EOS", "DEMO_SETTINGS", "demo_config", "demo_sentences", "backend",
           "init", "init_mix", "param_shapes", "check_params", "check_batch", "build_vocab", "encode_sentences",
           "sentence_batches", "train", "embed", "cosine_table"]


@dataclass(frozen=True)
class Config:
    """A small ELMo biLM and how to train it (frozen and hashable: a JAX static argument).

    Attributes:
        vocab_size: tokens, ``V >= 2`` (including ``<s>`` and ``</s>``).
        dim: ``d``, the size of the embedding and of every LSTM layer (ELMo vectors have ``2d``).
        num_layers: ``L`` LSTM layers per direction.
        cell: ``"lstm"`` (ELMo's) or ``"gru"``/``"rnn"`` to compare.
        residual: residual connections between LSTM layers (as in ELMo).
        batch_size: sentences per step.
        epochs: passes over the sentences.
        lr: Adam's learning rate.
        clip: maximal global gradient norm (0: no clipping).
    """

    vocab_size: int
    dim: int = 32
    num_layers: int = 2
    cell: str = "lstm"
    residual: bool = True
    batch_size: int = 16
    epochs: int = 30
    lr: float = 1e-2
    clip: float = 1.0

    def __post_init__(self) -> None:
        check_int_fields(self, (("vocab_size", 2), ("dim", 1), ("num_layers", 1), ("batch_size", 1), ("epochs", 1)))
        if self.cell not in _rnn.CELLS:
            raise ValueError(f"Config.cell must be one of {_rnn.CELLS}, got {self.cell!r}")
        if not isinstance(self.residual, (bool, np.bool_)):
            raise TypeError(f"Config.residual must be a bool, got {self.residual!r}")
        object.__setattr__(self, "residual", bool(self.residual))
        for name, low_ok in (("lr", False), ("clip", True)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(value) or value < 0 or (value == 0 and not low_ok):
                raise ValueError(f"Config.{name} must be a finite float {'>= 0' if low_ok else '> 0'}, got {value!r}")
            object.__setattr__(self, name, float(value))

    @property
    def rnn(self) -> _rnn.Config:
        """One direction's stack as a `textbook.sequence.rnn.Config`."""
        return _rnn.Config(cell=self.cell, input_size=self.dim, hidden_size=self.dim, num_layers=self.num_layers,
                           residual=self.residual)


#: Settings for the embedded "bank" sentences (about 900 words): trains in a few seconds.
DEMO_SETTINGS: dict = dict(dim=48, num_layers=2, cell="lstm", residual=True, batch_size=16, epochs=30, lr=1e-2,
                           clip=1.0)


def demo_sentences() -> list[list[str]]:
    """The embedded sentences (``textbook/data/corpus/elmo_bank.txt``): *bank* by a river and *bank* with money."""
    from textbook.data.demo import demo_path

    return [line.split() for line in demo_path("elmo_bank.txt").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def demo_config(vocab_size: int | None = None, **overrides) -> Config:
    """A `Config` with `DEMO_SETTINGS` (the vocabulary size of the demo sentences unless given)."""
    if vocab_size is None:
        vocab_size = len(build_vocab(demo_sentences()))
    return Config(vocab_size=vocab_size, **{**DEMO_SETTINGS, **overrides})


def init(config: Config, seed: int = 0) -> dict[str, np.ndarray]:
    """Initial params (float64): embedding and softmax ``~ U(-0.1, 0.1)``, bias 0, LSTMs as PyTorch."""
    if not isinstance(config, Config):
        raise TypeError(f"config must be an elmo Config, got {type(config).__name__}")
    rng = np.random.default_rng(seed)
    params = {"embedding.weight": rng.uniform(-0.1, 0.1, size=(config.vocab_size, config.dim))}
    for direction in ("forward", "backward"):
        stack = _rnn.init(config.rnn, seed=int(rng.integers(2**31)))
        params.update({f"{direction}.{k}": v for k, v in stack.items()})
    params["output.weight"] = rng.uniform(-0.1, 0.1, size=(config.vocab_size, config.dim))
    params["output.bias"] = np.zeros(config.vocab_size)
    return params


def init_mix(config: Config) -> dict[str, np.ndarray]:
    """Scalar-mix params ``{"s": zeros (L+1,), "gamma": 1.0}``: at first every layer weighs the same."""
    return {"s": np.zeros(config.num_layers + 1), "gamma": np.asarray(1.0)}


def backend(name: str):
    """The implementation module: ``backend("numpy")`` or ``backend("jax")``."""
    return load_impl(__name__, name)


# --- sentences -> batches ----------------------------------------------------------------------------------

def build_vocab(sentences: Sequence[Sequence[str]]):
    """A `textbook.data.Vocab` of the words plus ``<s>`` and ``</s>``."""
    from textbook.data import Vocab

    sentences = [list(s) for s in sentences]
    return Vocab.build(sentences + [[BOS, EOS]] * max(1, len(sentences)))


def encode_sentences(sentences: Sequence[Sequence[str]], vocab) -> list[np.ndarray]:
    """Each sentence as ids wrapped in ``<s> ... </s>``; unknown words raise a ``ValueError`` naming them."""
    out = []
    for i, s in enumerate(sentences):
        if isinstance(s, str):
            raise TypeError(f"sentences[{i}] must be a list of words, got a str (use .split())")
        unknown = [w for w in s if w not in vocab]
        if unknown:
            raise ValueError(f"sentences[{i}] holds word(s) not in the vocabulary: {unknown[:5]}")
        out.append(vocab.encode([BOS, *s, EOS]))
    return out


def sentence_batches(encoded: Sequence[np.ndarray], batch_size: int, T: int | None = None,
                     rng: np.random.Generator | None = None) -> list[dict[str, np.ndarray]]:
    """Pad sentences into batches ``{"tokens" (B, T), "lengths" (B,)}`` of one shape (the last one is filled
    with empty rows), shuffled by ``rng`` if given. ``T`` defaults to the longest sentence."""
    T = max(len(s) for s in encoded) if T is None else T
    order = np.arange(len(encoded)) if rng is None else rng.permutation(len(encoded))
    batches = []
    for start in range(0, len(order), batch_size):
        tokens = np.zeros((batch_size, T), dtype=np.int64)
        lengths = np.zeros(batch_size, dtype=np.int64)
        for row, i in enumerate(order[start:start + batch_size]):
            s = encoded[i][:T]
            tokens[row, : len(s)] = s
            lengths[row] = len(s)
        batches.append({"tokens": tokens, "lengths": lengths})
    return batches


# --- training and embedding --------------------------------------------------------------------------------

@dataclass
class TrainResult:
    """What `train` returns: NumPy ``params``, the ``vocab``, per-step ``losses``, ``epoch_losses``, ``config``."""

    params: dict
    vocab: object
    losses: np.ndarray
    epoch_losses: list
    config: Config
    tokens_per_sec: float


def train(sentences: Sequence[Sequence[str]], config: Config | None = None, backend: str = "numpy", seed: int = 0,
          progress: bool = True, vocab=None, callback: Callable[[int, dict, float], None] | None = None) -> TrainResult:
    """Train the biLM on tokenised sentences with Adam (shuffled batches, gradient clipping).

    ``config`` defaults to `demo_config` for the vocabulary of ``sentences``; its ``vocab_size`` must
    match the vocabulary (built from the sentences unless ``vocab`` is given).
    """
    from textbook.core.optim import backend as optim_backend
    from textbook.core.progress import Progress

    check_backend(backend)
    vocab = build_vocab(sentences) if vocab is None else vocab
    config = demo_config(len(vocab)) if config is None else config
    if len(vocab) != config.vocab_size:
        raise ValueError(f"config.vocab_size ({config.vocab_size}) must equal the vocabulary size ({len(vocab)})")
    encoded = encode_sentences(sentences, vocab)
    T = max(len(s) for s in encoded)
    impl = load_impl(__name__, backend)
    rng = np.random.default_rng(seed)
    params = init(config, seed)
    if backend == "jax":
        params = to_jax(params)
    opt_state = optim_backend(backend).adam_init(params)
    words = sum(len(s) for s in encoded)
    losses: list = []
    epoch_losses: list[float] = []
    start = time.perf_counter()
    with Progress(total=config.epochs * words, desc=f"elmo ({backend})", unit="tok", enabled=progress) as bar:
        for epoch in range(config.epochs):
            first = len(losses)
            for batch in sentence_batches(encoded, config.batch_size, T, rng):
                params, opt_state, loss = impl.train_step(params, opt_state, batch, config, config.lr)
                losses.append(loss)
                bar.update(int(batch["lengths"].sum()), **({"loss": float(loss)} if progress else {}))
            mean = float(np.mean(np.asarray([float(v) for v in losses[first:]])))
            epoch_losses.append(mean)
            if callback is not None:
                callback(epoch, {k: np.array(v) for k, v in params.items()}, mean)
    elapsed = time.perf_counter() - start
    losses_arr = np.asarray([float(v) for v in losses])
    out = {k: np.asarray(v, dtype=np.float64) for k, v in to_numpy(params).items()}
    return TrainResult(params=out, vocab=vocab, losses=losses_arr, epoch_losses=epoch_losses, config=config,
                       tokens_per_sec=config.epochs * words / max(elapsed, 1e-9))


def embed(params, vocab, sentences: Sequence[Sequence[str]], config: Config, mix=None, layer: int | None = None,
          backend: str = "numpy") -> list[np.ndarray]:
    """Contextual vectors of every word of every sentence: a list of ``(n_i, 2d)`` arrays.

    With ``layer=j`` the vectors are layer ``j`` alone, ``R_j`` of eq. (ELMO-5) (0: the static embedding,
    the same vector for a word wherever it occurs); otherwise the scalar mix ``mix``, eq. (ELMO-6)
    (default `init_mix`: the plain mean of the layers). The ``<s>``/``</s>`` positions are dropped.
    """
    check_backend(backend)
    impl = load_impl(__name__, backend)
    encoded = encode_sentences(sentences, vocab)
    batch = sentence_batches(encoded, len(encoded))[0]
    if backend == "jax":
        params = to_jax(params)
    reps = np.asarray(impl.layers(params, batch, config), dtype=np.float64)   # (L+1, B, T, 2d)
    if layer is not None:
        if not is_int(layer) or not 0 <= layer <= config.num_layers:
            raise ValueError(f"layer must be an int in [0, num_layers] = [0, {config.num_layers}], got {layer!r}")
        out = reps[layer]
    else:
        mix = init_mix(config) if mix is None else check_mix(mix, config.num_layers)
        out = np.asarray(impl.scalar_mix(mix, reps), dtype=np.float64)
    return [out[i, 1: len(s) - 1] for i, s in enumerate(encoded)]


def cosine_table(vectors: Sequence[np.ndarray]) -> np.ndarray:
    """Pairwise cosine similarities of a list of vectors, ``(n, n)``."""
    m = np.stack([np.asarray(v, dtype=np.float64) for v in vectors])
    m = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
    return m @ m.T

"""Word2vec: skip-gram and CBOW, with negative sampling or the full softmax, in NumPy and JAX.

    >>> from textbook.data.demo import load_demo_corpus
    >>> from textbook.data.vocab import Vocab
    >>> sents = load_demo_corpus()
    >>> vocab = Vocab.build(sents)
    >>> config = Config(vocab_size=len(vocab), dim=24, epochs=1)
    >>> result = train(sents, vocab, config, backend="numpy", seed=0, progress=False)
    >>> result.params["W_in"].shape == (len(vocab), 24)
    True

The two implementations (``backend("numpy")``, ``backend("jax")``) share the
functions ``loss``, ``loss_and_grad``, ``train_step`` and
``expected_sgns_loss_and_grad``; the batch format and its checks live in
``textbook.embeddings.word2vec._batch``. Everything here is written once, for
either backend.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np

from textbook.core import checkpoint
from textbook.core.backend import load_impl
from textbook.embeddings._sgd import train_sgd
from textbook.embeddings.word2vec._batch import batch_shapes, check_batch, check_params
from textbook.core.validate import is_real, check_int_fields

MODELS: tuple[str, ...] = ("skipgram", "cbow")
OBJECTIVES: tuple[str, ...] = ("neg", "softmax")
CBOW_UPDATES: tuple[str, ...] = ("mean", "full")

__all__ = ["Config", "TrainResult", "DEMO_SETTINGS", "demo_config", "MODELS", "OBJECTIVES", "CBOW_UPDATES", "backend",
           "init", "train", "vectors", "save_params", "load_params", "check_batch", "check_params", "batch_shapes"]


@dataclass(frozen=True)
class Config:
    """Hyperparameters of word2vec (frozen and hashable, so JAX can treat it as static).

    Attributes:
        vocab_size: number of words ``V >= 1``.
        dim: embedding size ``d >= 1``.
        model: ``"skipgram"`` (the centre word predicts each context word) or
            ``"cbow"`` (the mean of the context vectors predicts the centre word).
        objective: ``"neg"`` (negative sampling) or ``"softmax"`` (full softmax over ``V``).
        negatives: noise words per example ``k >= 1`` (used by ``"neg"`` only).
        window: maximal window ``w >= 1``: up to ``w`` words on each side.
        sample: frequent-word subsampling threshold in ``[0, 1)`` (0 keeps every token).
        noise_power: exponent of the unigram noise distribution (0.75 in word2vec), ``>= 0``.
        alpha: initial learning rate ``> 0``.
        min_alpha: final learning rate, in ``[0, alpha]``; the rate decays linearly over all steps.
        batch_size: examples per SGD step ``>= 1``; each step applies the SUM of their gradients.
        epochs: passes over the corpus ``>= 1``.
        init_scale: ``W_in`` starts uniform in ``[-init_scale / d, init_scale / d]``, ``> 0``: 0.5
            in the C tool (the default), 1.0 in gensim.
        cbow_update: how CBOW's context rows are updated: ``"mean"`` (the default) follows the
            gradient of the mean, ``dl/dh / n`` to each of the ``n`` rows, eq. (W2V-8);
            ``"full"`` gives each row the whole ``dl/dh``, as the C tool and gensim do (their input
            rows learn ``n`` times faster; not the gradient of any loss).
    """

    vocab_size: int
    dim: int
    model: str = "skipgram"
    objective: str = "neg"
    negatives: int = 5
    window: int = 5
    sample: float = 1e-3
    noise_power: float = 0.75
    alpha: float = 0.025
    min_alpha: float = 1e-4
    batch_size: int = 64
    epochs: int = 5
    init_scale: float = 0.5
    cbow_update: str = "mean"

    def __post_init__(self) -> None:
        check_int_fields(self, (("vocab_size", 1), ("dim", 1), ("negatives", 0), ("window", 1),
                          ("batch_size", 1), ("epochs", 1)))
        if self.model not in MODELS:
            raise ValueError(f"Config.model must be one of {MODELS}, got {self.model!r}")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"Config.objective must be one of {OBJECTIVES}, got {self.objective!r}")
        if self.cbow_update not in CBOW_UPDATES:
            raise ValueError(f"Config.cbow_update must be one of {CBOW_UPDATES}, got {self.cbow_update!r}")
        if self.objective == "neg" and self.negatives < 1:
            raise ValueError(f"Config.negatives must be an integer >= 1 for objective='neg', got {self.negatives!r}")
        if not is_real(self.sample) or not 0.0 <= self.sample < 1.0:
            raise ValueError(f"Config.sample must be a float in [0, 1) (0 disables subsampling), got {self.sample!r}")
        if not is_real(self.noise_power) or self.noise_power < 0:
            raise ValueError(f"Config.noise_power must be a finite float >= 0, got {self.noise_power!r}")
        if not is_real(self.alpha) or self.alpha <= 0:
            raise ValueError(f"Config.alpha must be a finite float > 0, got {self.alpha!r}")
        if not is_real(self.min_alpha) or not 0 <= self.min_alpha <= self.alpha:
            raise ValueError(f"Config.min_alpha must be a float in [0, alpha] = [0, {self.alpha}], "
                             f"got {self.min_alpha!r}")
        if not is_real(self.init_scale) or self.init_scale <= 0:
            raise ValueError(f"Config.init_scale must be a finite float > 0, got {self.init_scale!r}")
        # plain Python scalars: the config is hashed (JAX static argument) and saved as JSON
        for name in ("vocab_size", "dim", "negatives", "window", "batch_size", "epochs"):
            object.__setattr__(self, name, int(getattr(self, name)))
        for name in ("sample", "noise_power", "alpha", "min_alpha", "init_scale"):
            object.__setattr__(self, name, float(getattr(self, name)))


#: Settings for the embedded demo corpus (about 21k tokens): such a small corpus wants a larger
#: learning rate, bigger batches and more epochs than word2vec's defaults. The CLI's ``--demo``,
#: the book's demos and the tests all start from these.
DEMO_SETTINGS: dict = dict(dim=32, window=5, negatives=5, sample=1e-3, alpha=0.1, min_alpha=1e-4,
                           batch_size=256, epochs=10)


def demo_config(vocab_size: int, **overrides) -> Config:
    """A `Config` with `DEMO_SETTINGS`, any of them replaced by ``overrides``."""
    return Config(vocab_size=vocab_size, **{**DEMO_SETTINGS, **overrides})


def init(config: Config, seed: int = 0) -> dict[str, np.ndarray]:
    """Initial params as the C tool sets them: ``W_in ~ U(-s/d, s/d)`` with ``s = config.init_scale`` (0.5
    by default, as the C tool), ``W_out = 0`` (float64, ``(V, d)``)."""
    if not isinstance(config, Config):
        raise TypeError(f"config must be a word2vec Config, got {type(config).__name__}")
    rng = np.random.default_rng(seed)
    V, d = config.vocab_size, config.dim
    s = config.init_scale
    return {"W_in": rng.uniform(-s / d, s / d, size=(V, d)), "W_out": np.zeros((V, d))}


def backend(name: str):
    """The implementation module: ``backend("numpy")`` or ``backend("jax")``."""
    return load_impl(__name__, name)


@dataclass
class TrainResult:
    """What `train` returns.

    Attributes:
        params: ``{"W_in": (V, d), "W_out": (V, d)}`` NumPy arrays.
        vocab: the vocabulary the ids refer to.
        losses: ``(steps,)`` the batch-mean loss of every step, before its update.
        words_per_sec: corpus tokens processed per second (counted before subsampling, as the C tool does).
        config: the configuration trained with.
    """

    params: dict
    vocab: object
    losses: np.ndarray
    words_per_sec: float
    config: Config | None = None



def train(corpus, vocab, config: Config, backend: str = "numpy", seed: int = 0, progress: bool = True,
          callback: Callable[[int, dict, float], None] | None = None, pipeline: str = "auto",
          dtype: str | None = None) -> TrainResult:
    """Train word2vec with minibatch SGD, the learning rate decaying linearly from ``alpha`` to ``min_alpha``.

    Each step applies the SUM of a batch's per-example gradients to the rows it touches
    (``train_step``, eq. W2V-10). The batches come from one of two pipelines:

    * ``"host"`` (NumPy and JAX): each epoch subsamples the corpus, draws shrunk windows,
      shuffles the examples and cuts them into batches of ``config.batch_size``
      (``textbook.data.batches.word2vec_batches``), one step per batch. A final partial batch is
      skipped (unless it is the epoch's only one), so every step has the same shape and the jitted
      JAX step compiles once; being shuffled, a different few examples are skipped each epoch.
    * ``"device"`` (JAX, negative sampling): the host subsamples, and the device draws windows
      and negatives and runs thousands of steps per call, examples in corpus order, none skipped
      (``textbook.embeddings._device``). Several times faster; not the same random draws as the
      host pipeline. On a CPU it is fastest with ``batch_size`` 256 to 384 (measured at 10M
      tokens: 128 took half as long again as 256).

    ``"auto"`` (the default) is the device pipeline for JAX with negative sampling, else the host.

    Args:
        corpus: tokenised sentences (``list[list[str]]``, encoded with ``vocab``) or encoded
            sentences (``list`` of ``(n,)`` int id arrays).
        vocab: a ``textbook.data.vocab.Vocab`` with ``len(vocab) == config.vocab_size``.
        config: the hyperparameters.
        backend: ``"numpy"`` or ``"jax"``.
        seed: seeds the initial params and every random draw of the data pipeline (subsampling,
            windows, shuffling, negatives); the same seed, backend and pipeline give the same numbers.
        progress: show a progress bar with the loss and words/sec.
        callback: called after each epoch as ``callback(epoch, params, mean_loss)`` with NumPy params.
        pipeline: ``"auto"``, ``"host"`` or ``"device"``.
        dtype: the precision the tables train in: ``None`` (the backend's default: float64 for
            NumPy, float32 for JAX), ``"float32"`` or ``"float64"`` (JAX: needs x64 enabled). NumPy
            in float32 is faster and reaches the same quality; the returned params are float64.

    Returns:
        A `TrainResult` with NumPy params; ``losses`` holds one batch-mean loss per step (host
        pipeline) or one mean loss per call of up to ``_device.CHUNK`` centre words (device).
    """
    params, losses, words_per_sec = train_sgd(
        sys.modules[__name__], "word2vec", corpus, vocab, config, backend=backend,
        pipeline=pipeline, seed=seed, progress=progress, callback=callback, model=getattr(config, "model", None),
        objective=getattr(config, "objective", None), dtype=dtype)
    return TrainResult(params=params, vocab=vocab, losses=losses, words_per_sec=words_per_sec, config=config)


def vectors(params, vocab, which: str = "in"):
    """Word vectors from trained params: ``which="in"`` gives ``W_in``, ``"in+out"`` gives ``W_in + W_out``.

    Returns:
        A ``textbook.embeddings.vectors.Vectors`` over ``vocab.words``.
    """
    from textbook.embeddings.vectors import Vectors

    if which not in ("in", "in+out"):
        raise ValueError(f"which must be 'in' or 'in+out', got {which!r}")
    W_in = np.asarray(params["W_in"], dtype=np.float64)
    words = list(vocab.words) if hasattr(vocab, "words") else list(vocab)
    if W_in.shape[0] != len(words):
        raise ValueError(f"params['W_in'] has {W_in.shape[0]} rows but the vocabulary has {len(words)} words")
    matrix = W_in if which == "in" else W_in + np.asarray(params["W_out"], dtype=np.float64)
    return Vectors(words, matrix)


def save_params(path: str | os.PathLike, params, config: Config) -> None:
    """Save params and config to an ``.npz`` file (the layout of `textbook.core.checkpoint`, no pickle)."""
    if not isinstance(config, Config):
        raise TypeError(f"config must be a word2vec Config, got {type(config).__name__}")
    check_params(params, config)
    checkpoint.save(path, params, config, model="word2vec")


def load_params(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], Config]:
    """Load ``(params, config)`` written by `save_params` (``allow_pickle=False``)."""
    ck = checkpoint.load(path, Config, model="word2vec")
    check_params(ck.params, ck.config)
    return ck.params, ck.config
r"""FastText: skip-gram with negative sampling on words composed of character n-grams, in NumPy and JAX.

    >>> char_ngrams("where")[:4]
    ['<wh', '<whe', '<wher', '<where']
    >>> ngram_hash("<wh") % 2_000_000
    167652

A word's vector is the mean of its own row and the rows of its character n-grams, (FT-2)
(``"<" + word + ">"``, ``min_n`` to ``max_n`` characters, hashed into ``bucket`` rows with
fastText's FNV-1a, (FT-1)). Equation names are those of the fastText page
(docs/embeddings/fasttext.md). Training is word2vec's skip-gram with negative sampling on those
composed vectors; afterwards any word, seen or not, gets a vector from its n-grams:

    >>> from textbook.data import Vocab
    >>> from textbook.data.demo import load_demo_corpus
    >>> sents = load_demo_corpus()
    >>> vocab = Vocab.build(sents)
    >>> config = demo_config(len(vocab), epochs=1)
    >>> result = train(sents, vocab, config, backend="numpy", seed=0, progress=False)
    >>> word_vectors(result.params, config, vocab, ["walked", "walkings"]).shape   # "walkings" is unseen
    (2, 32)

The two implementations (``backend("numpy")``, ``backend("jax")``) share ``loss``,
``loss_and_grad``, ``train_step`` and ``word_vectors``; the batch format and its checks live in
``textbook.embeddings.fasttext._batch``; n-grams and hashing in
``textbook.embeddings.fasttext.ngrams``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from textbook.core import checkpoint
from textbook.core.backend import load_impl
from textbook.embeddings._sgd import train_sgd
from textbook.embeddings.fasttext._batch import BATCH_KEYS, PARAM_KEYS, check_batch, check_params
from textbook.embeddings.fasttext.ngrams import char_ngrams, ngram_hash, ngram_hashes, ngram_rows, subword_table
from textbook.core.validate import is_int, is_real

__all__ = ["Config", "TrainResult", "DEMO_SETTINGS", "PARAM_KEYS", "BATCH_KEYS", "backend", "char_ngrams",
           "check_batch", "check_params", "demo_config", "init", "load_params", "load_words", "ngram_hash",
           "ngram_hashes", "ngram_rows", "save_params", "subword_table", "train", "vectors", "word_vectors"]


@dataclass(frozen=True)
class Config:
    """Hyperparameters of FastText (frozen and hashable, so JAX can treat it as static).

    Attributes:
        vocab_size: number of words ``V >= 1``.
        dim: vector size ``d >= 1``.
        min_n, max_n: n-gram lengths in characters, ``1 <= min_n <= max_n`` (3 and 6 in fastText).
        bucket: rows of the n-gram table ``>= 1`` (2,000,000 in fastText; at ``d = 100`` that is
            1.6 GB in float64, so small corpora want far fewer).
        negatives: noise words per pair ``k >= 1``.
        window: maximal window ``w >= 1`` (shrunk at random per centre, as word2vec).
        sample: frequent-word subsampling threshold in ``[0, 1)`` (0 keeps every token).
        noise_power: exponent of the unigram noise distribution ``>= 0`` (0.75 as word2vec and
            gensim; fastText's own tool uses 0.5).
        alpha: initial learning rate ``> 0``. The exact gradient through the mean hands each of
            a word's ``1 + n`` rows ``1/(1 + n)`` of ``dl/dh`` (``n`` is about 14 for English
            words), where fastText's tool hands each row all of it; so ``alpha = 0.5`` moves a
            row about as far as fastText's default rate 0.05.
        min_alpha: final learning rate in ``[0, alpha]``; the rate decays linearly over all steps.
        batch_size: pairs per SGD step ``>= 1``; each step applies the SUM of their gradients.
        epochs: passes over the corpus ``>= 1``.
    """

    vocab_size: int
    dim: int
    min_n: int = 3
    max_n: int = 6
    bucket: int = 2_000_000
    negatives: int = 5
    window: int = 5
    sample: float = 1e-3
    noise_power: float = 0.75
    alpha: float = 0.5
    min_alpha: float = 1e-4
    batch_size: int = 64
    epochs: int = 5

    def __post_init__(self) -> None:
        for name in ("vocab_size", "dim", "min_n", "max_n", "bucket", "negatives", "window", "batch_size", "epochs"):
            value = getattr(self, name)
            if not is_int(value) or value < 1:
                raise ValueError(f"Config.{name} must be an integer >= 1, got {value!r}")
        if self.min_n > self.max_n:
            raise ValueError(f"Config.min_n must be <= max_n, got min_n={self.min_n}, max_n={self.max_n}")
        if not is_real(self.sample) or not 0.0 <= self.sample < 1.0:
            raise ValueError(f"Config.sample must be a float in [0, 1) (0 disables subsampling), got {self.sample!r}")
        if not is_real(self.noise_power) or self.noise_power < 0:
            raise ValueError(f"Config.noise_power must be a finite float >= 0, got {self.noise_power!r}")
        if not is_real(self.alpha) or self.alpha <= 0:
            raise ValueError(f"Config.alpha must be a finite float > 0, got {self.alpha!r}")
        if not is_real(self.min_alpha) or not 0 <= self.min_alpha <= self.alpha:
            raise ValueError(f"Config.min_alpha must be a float in [0, alpha] = [0, {self.alpha}], got {self.min_alpha!r}")
        for name in ("vocab_size", "dim", "min_n", "max_n", "bucket", "negatives", "window", "batch_size", "epochs"):
            object.__setattr__(self, name, int(getattr(self, name)))
        for name in ("sample", "noise_power", "alpha", "min_alpha"):
            object.__setattr__(self, name, float(getattr(self, name)))


#: Settings for the embedded demo corpus (about 21k tokens, a few hundred words, so a few
#: thousand distinct n-grams: 2**15 buckets are plenty). The CLI's ``--demo``, the book and the
#: tests start here.
DEMO_SETTINGS: dict = dict(dim=32, min_n=3, max_n=6, bucket=2 ** 15, window=5, negatives=5, sample=1e-3,
                           alpha=0.5, min_alpha=1e-4, batch_size=256, epochs=10)


def demo_config(vocab_size: int, **overrides) -> Config:
    """A `Config` with `DEMO_SETTINGS`, any of them replaced by ``overrides``."""
    return Config(vocab_size=vocab_size, **{**DEMO_SETTINGS, **overrides})


def init(config: Config, seed: int = 0) -> dict[str, np.ndarray]:
    """Initial params as fastText sets them: ``W_words``, ``W_ngrams ~ U(-1/d, 1/d)``, ``W_out = 0`` (float64)."""
    if not isinstance(config, Config):
        raise TypeError(f"config must be a FastText Config, got {type(config).__name__}")
    rng = np.random.default_rng(seed)
    V, d = config.vocab_size, config.dim
    return {"W_words": rng.uniform(-1.0 / d, 1.0 / d, (V, d)),
            "W_ngrams": rng.uniform(-1.0 / d, 1.0 / d, (config.bucket, d)),
            "W_out": np.zeros((V, d))}


def backend(name: str):
    """The implementation module: ``backend("numpy")`` or ``backend("jax")``."""
    return load_impl(__name__, name)


@dataclass
class TrainResult:
    """What `train` returns.

    Attributes:
        params: ``{"W_words": (V, d), "W_ngrams": (bucket, d), "W_out": (V, d)}`` NumPy arrays.
        vocab: the vocabulary the ids refer to.
        losses: ``(steps,)`` the batch-mean loss of every step, before its update.
        words_per_sec: corpus tokens processed per second (counted before subsampling).
        config: the configuration trained with.
    """

    params: dict
    vocab: object
    losses: np.ndarray
    words_per_sec: float
    config: Config | None = None



def _words(vocab) -> list[str]:
    return list(vocab.words) if hasattr(vocab, "words") else list(vocab)


#: The host pipeline's JAX backend runs this many steps per call (one jitted ``lax.scan``).
JAX_STEPS_PER_CALL = 32


# --8<-- [start:train]
def train(corpus, vocab, config: Config, backend: str = "numpy", seed: int = 0, progress: bool = True,
          callback: Callable[[int, dict, float], None] | None = None, pipeline: str = "auto",
          dtype: str | None = None) -> TrainResult:
    """Train FastText: skip-gram with negative sampling on n-gram-composed centre vectors.

    The data pipelines are word2vec's (see ``word2vec.train``): ``"host"`` builds shuffled
    batches in NumPy (``textbook.data.batches.word2vec_batches``; the JAX backend runs
    ``JAX_STEPS_PER_CALL`` of them per call, an epoch's last call padded with steps of learning
    rate 0); ``"device"`` (JAX) draws windows and negatives on the device, thousands of steps
    per call, in corpus order, each step taking ``batch_size // (window + 1)`` whole windows (about
    ``batch_size`` pairs) so that a centre's n-gram rows are read and written once per window
    (``jax_impl.window_step``); ``"auto"`` picks the device for JAX. Either way each batch is
    completed with the n-gram rows of its centre words (``subword_table`` of the vocabulary,
    computed once), and each step applies the SUM of the per-pair gradients with a learning
    rate decaying linearly from ``alpha`` to ``min_alpha``.

    Args:
        corpus: tokenised sentences (``list[list[str]]``) or encoded ones (``(n,)`` int arrays).
        vocab: a ``textbook.data.vocab.Vocab`` with ``len(vocab) == config.vocab_size``.
        config: the hyperparameters.
        backend: ``"numpy"`` or ``"jax"``.
        seed: seeds the initial params and every random draw; same seed, backend and pipeline, same numbers.
        progress: show a progress bar with the loss and words/sec.
        callback: called after each epoch as ``callback(epoch, params, mean_loss)`` with NumPy params.
        pipeline: ``"auto"``, ``"host"`` or ``"device"``.
        dtype: the precision the tables train in: ``None`` (the backend's default: float64 for
            NumPy, float32 for JAX), ``"float32"`` or ``"float64"`` (JAX: needs x64 enabled). NumPy
            in float32 is faster and reaches the same quality; the returned params are float64.

    Returns:
        A `TrainResult` with NumPy params.
    """

    def completion():
        table, table_mask = subword_table(_words(vocab), config.min_n, config.max_n, config.bucket)  # (V, G)

        def host(batch: dict) -> None:
            batch["ngrams"] = table[batch["center"]]              # (B, G) the centre words' n-gram rows
            batch["ngram_mask"] = table_mask[batch["center"]]     # (B, G)

        def device(batch: dict, tables: dict) -> dict:
            return {**batch, "ngrams": tables["ngrams"][batch["center"]],
                    "ngram_mask": tables["ngram_mask"][batch["center"]]}

        return host, device, {"ngrams": table.astype(np.int32), "ngram_mask": table_mask}

    params, losses, words_per_sec = train_sgd(
        sys.modules[__name__], "fasttext", corpus, vocab, config, backend=backend, pipeline=pipeline, seed=seed,
        progress=progress, callback=callback, model="skipgram", completion=completion, dtype=dtype,
        steps_per_call=JAX_STEPS_PER_CALL, device_model="windows", device_step="window_step")
    return TrainResult(params=params, vocab=vocab, losses=losses, words_per_sec=words_per_sec, config=config)
# --8<-- [end:train]



# --8<-- [start:word_vectors]
def word_vectors(params, config: Config, vocab, words: Sequence[str]) -> np.ndarray:
    """Vectors of any words, ``(len(words), d)``, whether or not they are in ``vocab``.

    A vocabulary word gets the mean of its word row and its n-gram rows (what it was trained
    with), eq. (FT-2); an out-of-vocabulary word gets the mean of its n-gram rows alone, as
    fastText does, eq. (FT-5).
    A word outside the vocabulary *and* without any n-gram (shorter than ``min_n - 2``
    characters, e.g. ``"a"`` with ``min_n = 4``) gets the zero vector, again as fastText does:
    check with ``char_ngrams`` when that matters (the ``textbook vectors`` command refuses it).

    Args:
        params: trained params (NumPy or JAX arrays).
        config: their `Config`.
        vocab: the training vocabulary (a ``Vocab`` or a list of words, row ``i`` is word ``i``).
        words: the words to look up.
    """
    from textbook.embeddings.fasttext.numpy_impl import word_vectors as lookup

    if not isinstance(config, Config):
        raise TypeError(f"config must be a FastText Config, got {type(config).__name__}")
    check_params(params, config)
    if isinstance(words, str):
        raise TypeError("words must be a list of words, got a str (wrap a single word in a list)")
    vocab_words = _words(vocab)
    if len(vocab_words) != config.vocab_size:
        raise ValueError(f"the vocabulary has {len(vocab_words)} words but config.vocab_size is {config.vocab_size}")
    index = getattr(vocab, "index", None)                         # a Vocab's word -> id dict
    if not isinstance(index, dict):
        index = {w: i for i, w in enumerate(vocab_words)}
    ids = np.array([index.get(w, -1) for w in words], dtype=np.int64)            # (n,) -1: out of vocabulary
    rows, mask = subword_table(list(words), config.min_n, config.max_n, config.bucket)   # (n, G)
    return lookup(np.asarray(params["W_words"], dtype=np.float64), np.asarray(params["W_ngrams"], dtype=np.float64),
                  ids, rows, mask)
# --8<-- [end:word_vectors]


def vectors(params, config: Config, vocab):
    """The composed vectors of every vocabulary word, as ``textbook.embeddings.vectors.Vectors``.

    These are what fastText writes to its ``.vec`` file; keep the params for out-of-vocabulary words.
    """
    from textbook.embeddings.vectors import Vectors

    words = _words(vocab)
    return Vectors(words, word_vectors(params, config, vocab, words))


def save_params(path: str | os.PathLike, params, config: Config, words: Sequence[str] | None = None) -> None:
    """Save params, config and (optionally) the vocabulary's words to an ``.npz`` file (no pickle).

    With ``words``, the file alone answers out-of-vocabulary queries (``textbook vectors --model``).
    """
    if not isinstance(config, Config):
        raise TypeError(f"config must be a FastText Config, got {type(config).__name__}")
    check_params(params, config)
    if words is not None:
        words = _words(words)
        if len(words) != config.vocab_size:
            raise ValueError(f"words has {len(words)} entries but config.vocab_size is {config.vocab_size}")
    checkpoint.save(path, params, config, model="fasttext", words=words)


def load_params(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], Config]:
    """Load ``(params, config)`` written by `save_params` (``allow_pickle=False``)."""
    ck = checkpoint.load(path, Config, model="fasttext")
    check_params(ck.params, ck.config)
    return ck.params, ck.config


def load_words(path: str | os.PathLike) -> list[str] | None:
    """The vocabulary stored by `save_params` (``None`` if it was saved without ``words``)."""
    return checkpoint.load(path, Config, model="fasttext").words
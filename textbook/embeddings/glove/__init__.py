r"""GloVe: word vectors from a weighted least-squares fit of log co-occurrence counts, in NumPy and JAX.

    >>> from textbook.data import Vocab
    >>> from textbook.data.demo import load_demo_corpus
    >>> sents = load_demo_corpus()
    >>> vocab = Vocab.build(sents, min_count=2)
    >>> config = demo_config(len(vocab), epochs=1)
    >>> result = train(sents, vocab, config, backend="numpy", seed=0, progress=False)
    >>> result.params["W"].shape == (len(vocab), config.dim)
    True

The pipeline, as in the paper (Pennington, Socher and Manning, 2014):

1. `cooccurrence` counts ``X_ij`` over a symmetric window, each pair weighted by
   ``1 / distance`` (GLOVE-1), into coordinate arrays (memory grows with the number of non-zero
   pairs, never with ``V^2``);
2. `fit` minimises ``sum_ij f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2`` over the non-zero
   entries with AdaGrad, ``f(x) = min(1, (x / x_max) ** alpha)`` (GLOVE-2)-(GLOVE-6);
3. `vectors` returns ``W + W_tilde`` (GLOVE-7) (or ``W`` alone).

Equation names such as (GLOVE-3) are those of the GloVe page (docs/embeddings/glove.md).

The two implementations (``backend("numpy")``, ``backend("jax")``) share the functions
``weighting``, ``loss``, ``loss_and_grad``, ``init_state`` and ``train_step``; the batch format
and its checks live in ``textbook.embeddings.glove._batch``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from textbook.core import checkpoint
from textbook.embeddings._sgd import encode_corpus
from textbook.core.backend import check_backend, load_impl, to_jax, to_numpy
from textbook.embeddings.glove._batch import BATCH_KEYS, PARAM_KEYS, check_batch, check_params
from textbook.core.validate import is_int, is_real

__all__ = ["Config", "Cooccurrence", "TrainResult", "DEMO_SETTINGS", "VECTOR_CHOICES", "PARAM_KEYS", "BATCH_KEYS",
           "backend", "cooccurrence", "demo_config", "init", "fit", "train", "vectors", "save_params",
           "load_params", "check_batch", "check_params"]

VECTOR_CHOICES: tuple[str, ...] = ("W+W_tilde", "W")


@dataclass(frozen=True)
class Config:
    """Hyperparameters of GloVe (frozen and hashable, so JAX can treat it as static).

    Attributes:
        vocab_size: number of words ``V >= 1``.
        dim: vector size ``d >= 1``.
        x_max: the count at which the weight ``f`` reaches 1 (100 in the paper), ``> 0``.
        alpha: exponent of ``f`` below ``x_max`` (3/4 in the paper), ``>= 0``.
        window: co-occurrence window ``w >= 1`` (words up to ``w`` apart, weighted by ``1/distance``).
        learning_rate: AdaGrad's step size ``> 0`` (0.05 in the paper's code).
        initial_accumulator: AdaGrad's ``G_0 > 0`` (1 in the paper's code).
        batch_size: non-zero entries per step ``>= 1``; a step applies the SUM of their gradients.
        epochs: passes over the non-zero entries ``>= 1``.
    """

    vocab_size: int
    dim: int
    x_max: float = 100.0
    alpha: float = 0.75
    window: int = 10
    learning_rate: float = 0.05
    initial_accumulator: float = 1.0
    batch_size: int = 512
    epochs: int = 25

    def __post_init__(self) -> None:
        for name in ("vocab_size", "dim", "window", "batch_size", "epochs"):
            value = getattr(self, name)
            if not is_int(value) or value < 1:
                raise ValueError(f"Config.{name} must be an integer >= 1, got {value!r}")
        for name, strict in (("x_max", True), ("alpha", False), ("learning_rate", True),
                             ("initial_accumulator", True)):
            value = getattr(self, name)
            if not is_real(value) or (value <= 0 if strict else value < 0):
                raise ValueError(f"Config.{name} must be a finite float {'>' if strict else '>='} 0, got {value!r}")
        for name in ("vocab_size", "dim", "window", "batch_size", "epochs"):
            object.__setattr__(self, name, int(getattr(self, name)))
        for name in ("x_max", "alpha", "learning_rate", "initial_accumulator"):
            object.__setattr__(self, name, float(getattr(self, name)))


#: Settings for the embedded demo corpus (about 21k tokens, so the counts are small and ``x_max``
#: is halved). The CLI's ``--demo``, the book and the tests start here.
DEMO_SETTINGS: dict = dict(dim=32, x_max=50.0, alpha=0.75, window=10, learning_rate=0.05, batch_size=256, epochs=25)


def demo_config(vocab_size: int, **overrides) -> Config:
    """A `Config` with `DEMO_SETTINGS`, any of them replaced by ``overrides``."""
    return Config(vocab_size=vocab_size, **{**DEMO_SETTINGS, **overrides})


# ----------------------------------------------------------------------------- co-occurrence counts


@dataclass(frozen=True)
class Cooccurrence:
    """A sparse ``(V, V)`` co-occurrence matrix in coordinate form: ``X[rows[n], cols[n]] = counts[n]``.

    Only non-zero entries are stored, each once, sorted by ``(row, col)``.

    Attributes:
        rows: ``(nnz,)`` int64 word ids ``i``.
        cols: ``(nnz,)`` int64 context ids ``j``.
        counts: ``(nnz,)`` float64 ``X_ij > 0``.
        vocab_size: ``V``.
    """

    rows: np.ndarray
    cols: np.ndarray
    counts: np.ndarray
    vocab_size: int

    def __post_init__(self) -> None:
        rows, cols, counts = (np.asarray(a) for a in (self.rows, self.cols, self.counts))
        if not (rows.ndim == cols.ndim == counts.ndim == 1 and rows.shape == cols.shape == counts.shape):
            raise ValueError(f"rows, cols and counts must be 1-D arrays of one length, got shapes "
                             f"{rows.shape}, {cols.shape}, {counts.shape}")
        if not is_int(self.vocab_size) or self.vocab_size < 1:
            raise ValueError(f"vocab_size must be an int >= 1, got {self.vocab_size!r}")
        for name, a in (("rows", rows), ("cols", cols)):
            if a.size and (a.dtype.kind not in "iu" or a.min() < 0 or a.max() >= self.vocab_size):
                raise ValueError(f"{name} must hold integer ids in [0, {self.vocab_size})")
        if counts.size and (counts.dtype.kind not in "iuf" or not np.all(np.isfinite(counts)) or np.any(counts <= 0)):
            raise ValueError("counts must be finite and > 0 (only non-zero entries are stored)")
        object.__setattr__(self, "rows", rows.astype(np.int64))
        object.__setattr__(self, "cols", cols.astype(np.int64))
        object.__setattr__(self, "counts", counts.astype(np.float64))
        object.__setattr__(self, "vocab_size", int(self.vocab_size))

    @property
    def nnz(self) -> int:
        """The number of non-zero entries."""
        return int(self.counts.size)

    def to_dense(self) -> np.ndarray:
        """The ``(V, V)`` float64 matrix (for small ``V`` only)."""
        X = np.zeros((self.vocab_size, self.vocab_size))
        X[self.rows, self.cols] = self.counts
        return X

    @classmethod
    def from_dense(cls, X: np.ndarray) -> "Cooccurrence":
        """The non-zero entries of a square, finite, non-negative matrix."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] != X.shape[1]:
            raise ValueError(f"X must be a square (V, V) matrix, got shape {X.shape}")
        if not np.all(np.isfinite(X)) or np.any(X < 0):
            raise ValueError("X must be finite and non-negative")
        rows, cols = np.nonzero(X)
        return cls(rows, cols, X[rows, cols], X.shape[0])

    def __repr__(self) -> str:
        return f"Cooccurrence(vocab_size={self.vocab_size}, nnz={self.nnz})"


def _add_keys(keys: np.ndarray, values: np.ndarray, new_keys: np.ndarray, new_values: np.ndarray):
    """Merge two sparse vectors given as (sorted unique keys, values): the union, values added."""
    merged = np.concatenate([keys, new_keys])
    uniq, inv = np.unique(merged, return_inverse=True)           # (U,), (n,)
    return uniq, np.bincount(inv.reshape(-1), weights=np.concatenate([values, new_values]), minlength=uniq.size)


# --8<-- [start:cooccurrence]
def cooccurrence(corpus_ids: Sequence[np.ndarray], vocab_size: int, window: int = 10,
                 weighting: str = "harmonic") -> Cooccurrence:
    r"""Symmetric-window co-occurrence counts as a sparse matrix, each pair weighted by ``1 / distance``.

    Every pair of tokens ``(s_p, s_{p+o})`` of one sentence at distance ``1 <= o <= window``
    adds ``omega(o)`` to ``X[s_p, s_{p+o}]`` and to ``X[s_{p+o}, s_p]``, with ``omega(o) = 1/o``
    (``"harmonic"``, GloVe's, eq. (GLOVE-1)) or 1 (``"uniform"``). The numbers equal the dense
    ``textbook.embeddings.pmi.cooccurrence`` (same windows, from `pmi.window_pairs`), but only the
    non-zero entries are kept: memory grows with their number, never with ``V^2``. The loop runs
    over the ``window`` offsets only; within an offset everything is vectorised.

    Args:
        corpus_ids: sentences as 1-D integer arrays of word ids in ``[0, vocab_size)``.
        vocab_size: ``V``.
        window: largest distance counted, ``>= 1``.
        weighting: ``"harmonic"`` (default) or ``"uniform"``.

    Returns:
        A `Cooccurrence` (exactly symmetric; a word next to itself adds to the diagonal twice).
    """
    from textbook.embeddings.pmi import WEIGHTINGS, offset_weight, window_pairs

    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    V = int(vocab_size) if is_int(vocab_size) else vocab_size
    keys, values = np.zeros(0, np.int64), np.zeros(0)            # one direction: earlier word -> later word
    for o, left, right in window_pairs(corpus_ids, V, window):    # (m,), (m,) pairs at distance o
        pair_keys, n = np.unique(left * V + right, return_counts=True)   # flat index i*V + j, and how often
        keys, values = _add_keys(keys, values, pair_keys, offset_weight(o, weighting) * n)
    # both directions: X = F + F^T (two-term sums, so X is exactly symmetric)
    keys, values = _add_keys(keys, values, (keys % V) * V + keys // V, values)
    nonzero = values > 0
    return Cooccurrence(keys[nonzero] // V, keys[nonzero] % V, values[nonzero], V)
# --8<-- [end:cooccurrence]


# ----------------------------------------------------------------------------- params


def init(config: Config, seed: int = 0) -> dict[str, np.ndarray]:
    """Initial params as the paper's code sets them: every entry ``~ U(-0.5/d, 0.5/d)`` (float64)."""
    if not isinstance(config, Config):
        raise TypeError(f"config must be a GloVe Config, got {type(config).__name__}")
    rng = np.random.default_rng(seed)
    V, d = config.vocab_size, config.dim
    scale = 0.5 / d
    return {"W": rng.uniform(-scale, scale, (V, d)), "W_tilde": rng.uniform(-scale, scale, (V, d)),
            "b": rng.uniform(-scale, scale, V), "b_tilde": rng.uniform(-scale, scale, V)}


def backend(name: str):
    """The implementation module: ``backend("numpy")`` or ``backend("jax")``."""
    return load_impl(__name__, name)


@dataclass
class TrainResult:
    """What `fit` and `train` return.

    Attributes:
        params: ``{"W", "W_tilde": (V, d), "b", "b_tilde": (V,)}`` NumPy float64 arrays.
        vocab: the vocabulary the ids refer to (``None`` from `fit`).
        losses: ``(steps,)`` the batch-mean loss of every step, before its update.
        pairs_per_sec: non-zero entries processed per second.
        config: the configuration trained with.
        counts: the co-occurrence matrix trained on.
    """

    params: dict
    vocab: object
    losses: np.ndarray
    pairs_per_sec: float
    config: Config | None = None
    counts: Cooccurrence | None = None


def fit(counts: Cooccurrence, config: Config, backend: str = "numpy", seed: int = 0, progress: bool = True,
        callback: Callable[[int, dict, float], None] | None = None, vocab=None) -> TrainResult:
    """Fit GloVe to a co-occurrence matrix with AdaGrad.

    Each epoch shuffles the non-zero entries and cuts them into batches of
    ``config.batch_size``; each step is ``train_step`` (AdaGrad on the rows the batch
    touches), and ``train_epoch`` runs an epoch's steps (in JAX, as one jitted ``lax.scan``
    with the entries on the device). A final partial batch is skipped (unless it is the epoch's only one), so that
    every step has the same shape and the jitted JAX step compiles once; being shuffled, a
    different few entries are skipped each epoch.

    Args:
        counts: a `Cooccurrence` with ``vocab_size == config.vocab_size`` and at least one entry.
        config: the hyperparameters.
        backend: ``"numpy"`` or ``"jax"``.
        seed: seeds the initial params and the shuffles; same seed and backend, same numbers.
        progress: show a progress bar with the loss and entries/sec.
        callback: called after each epoch as ``callback(epoch, params, mean_loss)`` with NumPy params.
        vocab: stored in the result.

    Returns:
        A `TrainResult` with NumPy params.
    """
    from textbook.core.progress import Progress

    check_backend(backend)
    if not isinstance(config, Config):
        raise TypeError(f"config must be a GloVe Config, got {type(config).__name__}")
    if not isinstance(counts, Cooccurrence):
        raise TypeError(f"counts must be a Cooccurrence (see glove.cooccurrence), got {type(counts).__name__}")
    if counts.vocab_size != config.vocab_size:
        raise ValueError(f"counts.vocab_size ({counts.vocab_size}) must equal config.vocab_size ({config.vocab_size})")
    if counts.nnz == 0:
        raise ValueError("counts has no non-zero entry: nothing to fit (is every sentence a single word?)")
    impl = load_impl(__name__, backend)
    rng = np.random.default_rng(seed)
    params = init(config, seed)
    if backend == "jax":
        params = to_jax(params)                                   # once; the steps stay on the device
    state = impl.init_state(params, config)
    nnz = counts.nnz
    B = min(config.batch_size, nnz)
    steps = nnz // B                                              # a final partial batch is skipped

    losses: list = []
    start = time.perf_counter()
    data = {"rows": counts.rows, "cols": counts.cols, "counts": counts.counts}
    with Progress(total=config.epochs * steps * B, desc="glove", unit="pairs", enabled=progress) as bar:
        for epoch in range(config.epochs):
            order = rng.permutation(nnz)[:steps * B].reshape(steps, B)   # (steps, B) this epoch's batches
            params, state, epoch_losses = impl.train_epoch(params, state, data, order, config)
            losses.append(epoch_losses)
            if progress or callback is not None:
                mean = float(np.mean(np.asarray(epoch_losses)))  # waits for the device
                bar.update(steps * B, loss=mean, epoch=epoch + 1)
                if callback is not None:
                    snapshot = {k: np.array(v) for k, v in params.items()}   # a copy: NumPy works in place
                    callback(epoch, snapshot, mean)
    losses = np.concatenate([np.asarray(l, dtype=np.float64) for l in losses])   # waits for the last step
    elapsed = time.perf_counter() - start
    params = {k: np.asarray(v, dtype=np.float64) for k, v in to_numpy(params).items()}
    return TrainResult(params=params, vocab=vocab, losses=losses,
                       pairs_per_sec=config.epochs * steps * B / max(elapsed, 1e-9), config=config, counts=counts)



def train(corpus, vocab, config: Config, backend: str = "numpy", seed: int = 0, progress: bool = True,
          callback: Callable[[int, dict, float], None] | None = None) -> TrainResult:
    """Count co-occurrences over ``config.window`` (weighted by ``1/distance``), then `fit` them.

    Args:
        corpus: tokenised sentences (``list[list[str]]``, encoded with ``vocab``) or encoded
            sentences (``list`` of ``(n,)`` int id arrays).
        vocab: a ``textbook.data.vocab.Vocab`` with ``len(vocab) == config.vocab_size``.
        config, backend, seed, progress, callback: as for `fit`.

    Returns:
        A `TrainResult` with NumPy params, the vocabulary and the counts.
    """
    check_backend(backend)
    if not isinstance(config, Config):
        raise TypeError(f"config must be a GloVe Config, got {type(config).__name__}")
    if len(vocab) != config.vocab_size:
        raise ValueError(f"config.vocab_size ({config.vocab_size}) must equal len(vocab) ({len(vocab)})")
    counts = cooccurrence(encode_corpus(corpus, vocab), config.vocab_size, config.window)
    return fit(counts, config, backend=backend, seed=seed, progress=progress, callback=callback, vocab=vocab)


def vectors(params, vocab, which: str = "W+W_tilde"):
    """Word vectors from trained params: ``"W+W_tilde"`` (the paper's choice) or ``"W"`` alone, eq. (GLOVE-7).

    Returns:
        A ``textbook.embeddings.vectors.Vectors`` over ``vocab.words``.
    """
    from textbook.embeddings.vectors import Vectors

    if which not in VECTOR_CHOICES:
        raise ValueError(f"which must be one of {VECTOR_CHOICES}, got {which!r}")
    W = np.asarray(params["W"], dtype=np.float64)
    words = list(vocab.words) if hasattr(vocab, "words") else list(vocab)
    if W.shape[0] != len(words):
        raise ValueError(f"params['W'] has {W.shape[0]} rows but the vocabulary has {len(words)} words")
    matrix = W if which == "W" else W + np.asarray(params["W_tilde"], dtype=np.float64)
    return Vectors(words, matrix)


def save_params(path: str | os.PathLike, params, config: Config) -> None:
    """Save params and config to an ``.npz`` file (the layout of `textbook.core.checkpoint`, no pickle)."""
    if not isinstance(config, Config):
        raise TypeError(f"config must be a GloVe Config, got {type(config).__name__}")
    check_params(params, config)
    checkpoint.save(path, params, config, model="glove")


def load_params(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], Config]:
    """Load ``(params, config)`` written by `save_params` (``allow_pickle=False``)."""
    ck = checkpoint.load(path, Config, model="glove")
    check_params(ck.params, ck.config)
    return ck.params, ck.config
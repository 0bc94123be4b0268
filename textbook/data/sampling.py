"""Frequent-word subsampling and the noise distribution for negative sampling.

Both follow the word2vec C tool and gensim:

* a token of word ``w`` is kept with probability ``keep_probabilities(counts, sample)[w]``,
  one uniform draw per token, before the context windows are formed;
* negative samples are drawn from the unigram distribution raised to the
  power 3/4 and renormalised.
"""

from __future__ import annotations

import numpy as np

from textbook.data._validate import check_corpus, check_ids, check_rng, flatten

__all__ = ["NoiseSampler", "keep_probabilities", "noise_distribution", "subsample"]


def _check_counts(counts: object, name: str = "counts") -> np.ndarray:
    c = np.asarray(counts)
    if c.ndim != 1 or c.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array (one count per word), got shape {c.shape}")
    if c.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be numeric, got dtype {c.dtype}")
    c = c.astype(np.float64)
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise ValueError(f"{name} must be finite and non-negative")
    if c.sum() <= 0:
        raise ValueError(f"{name} must have a positive total")
    return c


def _check_float(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def keep_probabilities(counts: np.ndarray, sample: float = 1e-3) -> np.ndarray:
    r"""Probability of keeping each token of each word under frequent-word subsampling.

    With $c_w$ the count of word $w$, $T = \sum_w c_w$ the number of tokens
    and $t = s\,T$ the threshold count for the parameter ``sample`` $= s$
    (word2vec C tool, gensim):

    $$
    p_\text{keep}(w) = \min\left(1,\ \left(\sqrt{\frac{c_w}{t}} + 1\right)\frac{t}{c_w}\right)
                     = \min\left(1,\ \sqrt{\frac{t}{c_w}} + \frac{t}{c_w}\right).
    $$

    Words with a frequency $c_w / T$ well above $s$ are kept with probability
    about $\sqrt{t / c_w}$; words rarer than about $2.6\,s$ are always kept.
    (The paper's formula, $1 - \sqrt{t/c_w}$ as a *discard* probability, is a
    slightly different curve; this is the one the tools use.)

    Args:
        counts: ``(V,)`` non-negative word counts (``vocab.counts``).
        sample: the threshold $s$, in ``[0, 1)``; ``0`` keeps every token.

    Returns:
        ``(V,) float64`` keep probabilities in ``(0, 1]``; 1 for words with count 0.
    """
    c = _check_counts(counts)
    sample = _check_float(sample, "sample")
    if not 0.0 <= sample < 1.0:
        raise ValueError(f"sample must lie in [0, 1) (typical values 1e-5..1e-3), got {sample}")
    if sample == 0.0:
        return np.ones_like(c)
    t = sample * c.sum()  # threshold count t = s T
    with np.errstate(divide="ignore"):
        ratio = np.where(c > 0, t / np.where(c > 0, c, 1.0), np.inf)  # t / c_w
    return np.minimum(1.0, np.sqrt(ratio) + ratio)


def subsample(ids, keep_prob: np.ndarray, rng: np.random.Generator):
    """Drop tokens at random: token ``i`` survives when ``u_i < keep_prob[ids[i]]``, ``u_i ~ U[0, 1)``.

    One uniform is drawn per token, in a single call (for a corpus: over all
    sentences concatenated, in order).

    Args:
        ids: ``(n,)`` word ids of one sentence, or a corpus (list of such arrays).
        keep_prob: ``(V,)`` probabilities in ``[0, 1]`` (from `keep_probabilities`).
        rng: a ``numpy.random.Generator``.

    Returns:
        The kept ids, in order: an ``int64`` array for an array input, a list of
        arrays (one per sentence, possibly empty) for a corpus.
    """
    rng = check_rng(rng)
    kp = np.asarray(keep_prob)
    if kp.ndim != 1 or kp.dtype.kind not in "iuf":
        raise ValueError(f"keep_prob must be a 1-D array of probabilities, got shape {kp.shape} dtype {kp.dtype}")
    if np.any(~np.isfinite(kp)) or np.any(kp < 0) or np.any(kp > 1):
        raise ValueError("keep_prob must hold probabilities in [0, 1]")
    is_array = isinstance(ids, np.ndarray) and ids.ndim == 1 and ids.dtype != object
    if is_array:
        flat = check_ids(ids, "ids", len(kp))
        return flat[rng.random(flat.size) < kp[flat]]
    corpus = check_corpus(ids, "ids", len(kp))
    flat, sid = flatten(corpus)
    keep = rng.random(flat.size) < kp[flat]  # one uniform per token
    lengths = np.bincount(sid[keep], minlength=len(corpus))
    return np.split(flat[keep], np.cumsum(lengths)[:-1]) if corpus else []


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    r"""The negative-sampling noise distribution $P_n(w) \propto c_w^{\,\alpha}$.

    $$ P_n(w) = \frac{c_w^{\alpha}}{\sum_{v} c_v^{\alpha}} $$

    with $\alpha$ = ``power`` (0.75 in word2vec, 1 the unigram distribution,
    0 uniform over the words seen). Words with count 0 get probability 0 for
    every power.

    Returns:
        ``(V,) float64`` probabilities summing to 1.
    """
    c = _check_counts(counts)
    power = _check_float(power, "power")
    w = np.zeros_like(c)
    pos = c > 0
    w[pos] = c[pos] ** power  # c_w^alpha
    return w / w.sum()


class NoiseSampler:
    """Draw word ids from the noise distribution, vectorised.

    Sampling inverts the cumulative distribution: a uniform ``u`` in
    ``[0, 1)`` maps to the first id whose cumulative probability exceeds
    ``u``; gensim draws from the same kind of cumulative table. A binary search
    (``np.searchsorted``, ``O(log V)``) answers any ``u`` but waits on memory at
    every level, so a lookup table answers most draws first: ``[0, 1)`` is cut
    into ``S = 2^m`` equal slices (about ``16 V``), and a slice that no step of
    the cumulative distribution crosses maps every ``u`` in it to one id, read in
    ``O(1)``. Only draws in the other slices (a few percent) are searched. The
    result is exactly the inverse of the cumulative distribution.

    >>> s = NoiseSampler(np.array([10, 5, 1]), power=0.75)
    >>> s.sample(np.random.default_rng(0), (2, 3)).shape
    (2, 3)

    Attributes:
        probs: ``(V,)`` the noise probabilities (see `noise_distribution`).
        power: the exponent used.
    """

    def __init__(self, counts: np.ndarray, power: float = 0.75):
        self.probs: np.ndarray = noise_distribution(counts, power)
        self.power: float = float(power)
        cdf = np.cumsum(self.probs)
        self._cdf = cdf / cdf[-1]  # (V,) non-decreasing, last entry exactly 1
        self._last = int(np.flatnonzero(self.probs)[-1])  # guard against u rounding up to 1
        # slice k is [k/S, (k+1)/S); an id is the count of cdf entries <= u, so over the slice it runs
        # from `start[k]` (at u = k/S) to the count of entries < (k+1)/S: one id if the two are equal
        self._slices = int(np.clip(1 << int(16 * self.vocab_size).bit_length(), 1 << 10, 1 << 22))   # S
        edges = np.arange(self._slices + 1) / self._slices       # (S+1,) exact: S is a power of two
        self._start = np.searchsorted(self._cdf, edges[:-1], side="right").astype(np.int32)   # (S,)
        self._crossed = self._start != np.searchsorted(self._cdf, edges[1:], side="left")    # (S,) bool

    @property
    def vocab_size(self) -> int:
        """Number of words (length of ``probs``)."""
        return len(self.probs)

    def __repr__(self) -> str:
        return f"NoiseSampler(vocab_size={self.vocab_size}, power={self.power})"

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...]) -> np.ndarray:
        """Draw ids with probabilities ``probs``.

        Args:
            rng: a ``numpy.random.Generator``.
            shape: output shape, e.g. ``(B, k)``.

        Returns:
            ``int64`` ids of the given shape.
        """
        rng = check_rng(rng)
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in shape):
            raise ValueError(f"shape must be non-negative ints, got {shape}")
        u = rng.random(shape)  # U[0, 1)
        k = (u * self._slices).astype(np.intp)  # the slice of each draw (exact: S is a power of two)
        ids = self._start[k].astype(np.int64)  # the one id of the slice, if no cdf step crosses it
        crossed = np.flatnonzero(self._crossed[k])  # the few draws that need a search
        ids.flat[crossed] = np.searchsorted(self._cdf, u.flat[crossed], side="right")  # first id with cdf > u
        return np.minimum(ids, self._last)

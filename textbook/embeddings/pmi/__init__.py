r"""Counting-based embeddings: co-occurrence counts, PMI and its variants, truncated SVD.

This is the classical distributional view that word2vec turns out to share:
Levy and Goldberg (2014) showed that skip-gram with ``k`` negative samples, at
its optimum, sets ``w . c = PMI(w, c) - log k``. The functions here build that
matrix directly from a corpus and factorise it (the LSA baseline).

Everything is plain NumPy on a dense ``(V, V)`` matrix: fine for the small
vocabularies of a textbook, not for millions of words.

Notation: ``X[w, c]`` is the (weighted) number of times context ``c`` occurs
within the window of word ``w``; ``X_w = sum_c X[w, c]``, ``X_c = sum_w X[w, c]``,
``N = sum_{w,c} X[w, c]``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from textbook.embeddings.vectors import Vectors

__all__ = [
    "WEIGHTINGS",
    "cooccurrence",
    "offset_weight",
    "window_pairs",
    "pmi",
    "ppmi",
    "shifted_pmi",
    "shifted_ppmi",
    "svd_embeddings",
    "svd_vectors",
]

WEIGHTINGS = ("uniform", "harmonic")


def window_pairs(
    corpus_ids: Sequence[np.ndarray],
    vocab_size: int,
    window: int,
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    r"""Every pair of tokens at distance ``1 <= o <= window`` within one sentence, one offset at a time.

    The corpus is seen as one long array (sentences end to end, each token tagged with
    its sentence number), so each offset is one vectorised comparison: the loop runs
    over the ``window`` offsets only, never over tokens. Windows never cross sentences.
    This is the one place that walks the windows; the dense counts of `cooccurrence`
    and the sparse counts of ``textbook.embeddings.glove.cooccurrence`` both add up
    what it yields.

    Args:
        corpus_ids: Sentences as 1-D integer arrays of word ids in ``[0, vocab_size)``.
        vocab_size: ``V``.
        window: Largest distance, ``>= 1``.

    Yields:
        ``(o, left (m,), right (m,))``: for each offset ``o = 1..window``, the ids of the
        earlier and the later token of each pair at that distance (int64).

    Raises:
        TypeError: if ``corpus_ids`` is not a list of integer arrays.
        ValueError: on a bad ``vocab_size`` or ``window``, or an id out of range.
    """
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, (int, np.integer)) or vocab_size < 1:
        raise ValueError(f"vocab_size must be an int >= 1, got {vocab_size!r}")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window must be an int >= 1, got {window!r}")
    ids, sent = _flatten(corpus_ids, vocab_size)  # (n,), (n,) token ids and sentence numbers
    return _offsets(ids, sent, int(window))


def _offsets(ids: np.ndarray, sent: np.ndarray, window: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    for o in range(1, window + 1):
        same = sent[:-o] == sent[o:]  # (n-o,) both ends in one sentence
        yield o, ids[:-o][same], ids[o:][same]  # (m,), (m,)


def offset_weight(o: int, weighting: str) -> float:
    """``omega(o)``: 1 for ``"uniform"``, ``1 / o`` for ``"harmonic"`` (GloVe's weighting)."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    return 1.0 if weighting == "uniform" else 1.0 / o


def cooccurrence(
    corpus_ids: Sequence[np.ndarray],
    vocab_size: int,
    window: int,
    weighting: str = "uniform",
) -> np.ndarray:
    r"""Symmetric-window co-occurrence counts.

    For every sentence ``s`` and every pair of positions at distance
    ``1 <= o <= window`` (windows never cross sentences), both directions are counted:

    $$
    X[s_i, s_{i+o}] \leftarrow X[s_i, s_{i+o}] + \omega(o),
    \qquad X[s_{i+o}, s_i] \leftarrow X[s_{i+o}, s_i] + \omega(o)
    $$

    with ``omega(o) = 1`` (``"uniform"``, word2vec's view with a fixed window) or
    ``omega(o) = 1 / o`` (``"harmonic"``, GloVe's weighting). ``X`` is symmetric;
    a word next to itself adds to the diagonal twice (once per direction).

    This dense ``(V, V)`` array suits small vocabularies; for large ones,
    ``textbook.embeddings.glove.cooccurrence`` counts the same numbers into
    coordinate arrays whose size grows with the number of non-zero pairs.

    Args:
        corpus_ids: Sentences as 1-D integer arrays of word ids in ``[0, vocab_size)``.
        vocab_size: ``V``.
        window: Largest distance counted, ``>= 1``.
        weighting: ``"uniform"`` or ``"harmonic"``.

    Returns:
        ``(V, V)`` float64 counts.

    Raises:
        TypeError: if ``corpus_ids`` is not a list of integer arrays.
        ValueError: on a bad ``vocab_size``, ``window``, ``weighting`` or an id out of range.
    """
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    pairs = window_pairs(corpus_ids, vocab_size, window)  # checks the arguments
    V = int(vocab_size)
    flat = np.zeros(V * V)  # (V*V,) one direction: the earlier word's row, the later word's column
    for o, left, right in pairs:  # (m,), (m,) pairs at distance o
        flat += offset_weight(o, weighting) * np.bincount(left * V + right, minlength=V * V)
    forward = flat.reshape(V, V)
    return forward + forward.T  # both directions; exactly symmetric (a + b == b + a in floating point)


# --8<-- [start:pmi]
def pmi(counts: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    r"""Pointwise mutual information of a co-occurrence matrix.

    $$
    \mathrm{PMI}(w, c) = \log \frac{P(w, c)}{P(w)\,P(c)}
    = \log \frac{X[w, c]\; N}{X_w\; X_c}
    $$

    ``-inf`` where ``X[w, c] = 0`` (never seen together).

    Args:
        counts: ``(V, V)`` non-negative finite counts with a positive total.
        alpha: Context-distribution smoothing (Levy, Goldberg and Dagan 2015):
            ``P(c)`` is taken proportional to ``X_c ** alpha``; ``1`` is plain PMI,
            ``0.75`` mirrors word2vec's smoothed noise distribution.

    Returns:
        ``(V, V)`` float64 PMI.
    """
    X = _check_counts(counts)
    if not np.isfinite(alpha) or alpha <= 0:
        raise ValueError(f"alpha must be a positive finite float, got {alpha!r}")
    N = X.sum()
    p_wc = X / N  # (V, V) joint
    p_w = X.sum(axis=1) / N  # (V,) word marginal
    x_c = X.sum(axis=0) ** alpha  # (V,) smoothed context counts
    p_c = x_c / x_c.sum()  # (V,) context marginal
    out = np.full(X.shape, -np.inf)
    seen = X > 0  # where X[w, c] > 0 both marginals are > 0 too
    outer = p_w[:, None] * p_c[None, :]  # (V, V)
    out[seen] = np.log(p_wc[seen]) - np.log(outer[seen])
    return out


def ppmi(counts: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    r"""Positive PMI, $\max(\mathrm{PMI}(w, c), 0)$ (0 where never seen together)."""
    return np.maximum(pmi(counts, alpha), 0.0)


def shifted_pmi(counts: np.ndarray, k: float, alpha: float = 1.0) -> np.ndarray:
    r"""Shifted PMI, $\mathrm{PMI}(w, c) - \log k$.

    The matrix that skip-gram with ``k`` negative samples factorises at its optimum
    (Levy and Goldberg 2014): ``w . c = PMI(w, c) - log k``.
    """
    return pmi(counts, alpha) - np.log(_check_k(k))


def shifted_ppmi(counts: np.ndarray, k: float, alpha: float = 1.0) -> np.ndarray:
    r"""Shifted positive PMI, $\max(\mathrm{PMI}(w, c) - \log k, 0)$."""
    return np.maximum(shifted_pmi(counts, k, alpha), 0.0)
# --8<-- [end:pmi]


# --8<-- [start:svd]
def svd_embeddings(matrix: np.ndarray, dim: int, power: float = 0.5) -> np.ndarray:
    r"""Truncated-SVD word vectors (LSA): $W = U_d\, \Sigma_d^{p}$.

    With ``M = U S V^T`` (singular values in decreasing order), the rank-``d``
    approximation is ``U_d S_d V_d^T``; the word vectors are ``U_d S_d ** power``.
    ``power = 1`` gives vectors whose dot products reproduce the rank-``d``
    matrix as well as possible when ``M`` is symmetric positive semi-definite;
    ``power = 0.5`` splits ``S`` evenly between words and contexts (the usual
    choice, Levy et al. 2015); ``power = 0`` keeps only the directions.

    Each column's sign is fixed so that its largest-magnitude entry is positive,
    so the result does not depend on the LAPACK build.

    Args:
        matrix: ``(V, C)`` finite matrix, e.g. `ppmi` (PMI itself holds ``-inf``).
        dim: Number of dimensions, ``1 <= dim <= min(V, C)``.
        power: Exponent of the singular values.

    Returns:
        ``(V, dim)`` float64.
    """
    M = np.asarray(matrix, dtype=np.float64)
    if M.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise ValueError("matrix must be finite (PMI has -inf where counts are 0: use ppmi or shifted_ppmi)")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or not 1 <= dim <= min(M.shape):
        raise ValueError(f"dim must be an int in [1, {min(M.shape)}], got {dim!r}")
    U, S, _ = np.linalg.svd(M, full_matrices=False)  # (V, r), (r,)
    U = U[:, :dim]  # (V, d)
    signs = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(dim)])  # (d,)
    U = U * np.where(signs == 0, 1.0, signs)
    return U * S[:dim] ** power  # (V, d)
# --8<-- [end:svd]


def svd_vectors(matrix: np.ndarray, words: Sequence[str], dim: int, power: float = 0.5) -> Vectors:
    """`svd_embeddings` wrapped as `Vectors` (``words[i]`` labels row ``i``)."""
    emb = svd_embeddings(matrix, dim, power)
    return Vectors(words, emb)


# ---------------------------------------------------------------- checks
def _flatten(corpus_ids, vocab_size):
    """All sentences end to end, with the sentence number of each token."""
    if isinstance(corpus_ids, np.ndarray) or not isinstance(corpus_ids, Sequence):
        raise TypeError("corpus_ids must be a list of 1-D integer arrays (one per sentence)")
    ids, sent = [], []
    for i, s in enumerate(corpus_ids):
        a = np.asarray(s)
        if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
            raise TypeError(f"corpus_ids[{i}] must be a 1-D integer array, got dtype {a.dtype} shape {a.shape}")
        if a.size and (a.min() < 0 or a.max() >= vocab_size):
            raise ValueError(f"corpus_ids[{i}] has ids outside [0, {vocab_size}): min {a.min()}, max {a.max()}")
        ids.append(a.astype(np.int64))
        sent.append(np.full(a.size, i, dtype=np.int64))
    if not ids:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(ids), np.concatenate(sent)


def _check_counts(counts) -> np.ndarray:
    X = np.asarray(counts)
    if X.dtype.kind not in "biuf":
        raise TypeError(f"counts must be numeric, got dtype {X.dtype}")
    X = X.astype(np.float64)
    if X.ndim != 2 or X.shape[0] != X.shape[1]:
        raise ValueError(f"counts must be a square (V, V) matrix, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("counts must be finite")
    if np.any(X < 0):
        raise ValueError(f"counts must be non-negative, found {X.min()}")
    if X.sum() <= 0:
        raise ValueError("counts are all zero: nothing co-occurs")
    return X


def _check_k(k) -> float:
    numeric = isinstance(k, (int, float, np.integer, np.floating)) and not isinstance(k, bool)
    if not numeric or not (k > 0 and np.isfinite(k)):
        raise ValueError(f"k (the number of negative samples) must be > 0, got {k!r}")
    return float(k)

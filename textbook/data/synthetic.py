"""A synthetic corpus with planted topics, large enough to measure training speed.

Word ranks follow Zipf's law. The ``function_words`` most frequent words belong to no topic;
every other word belongs to one of ``topics`` topics (round robin by rank, so each topic
has frequent and rare words alike). Each sentence is about one topic: each of its tokens is a
function word with probability ``function_share``, otherwise a word of the sentence's topic,
drawn by its Zipf weight. A good embedding puts words of one topic near each other:
`topic_precision` measures that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SyntheticCorpus", "zipf_topic_corpus", "topic_precision"]


@dataclass(frozen=True)
class SyntheticCorpus:
    """Token ids, sentence boundaries and the planted topic of each word id.

    Attributes:
        ids: ``(N,)`` int32 word ids (rank order: id 0 is the most frequent word).
        offsets: ``(S + 1,)`` sentence ``s`` is ``ids[offsets[s]:offsets[s + 1]]``.
        topic: ``(V,)`` the topic of each word id, ``-1`` for function words.
    """

    ids: np.ndarray
    offsets: np.ndarray
    topic: np.ndarray

    @property
    def words(self) -> list[str]:
        """The word of each id: ``"w<n>"`` with ``n`` a fixed random relabelling of the ids.

        Topics are assigned round robin by id, so naming words by their id would let the
        spelling give the topic away (to FastText's character n-grams, say); the relabelling
        does not.
        """
        names = np.random.default_rng(20261125).permutation(self.topic.size)
        return [f"w{n}" for n in names]

    def ids_of(self, words) -> np.ndarray:
        """The ids of ``words`` (inverse of `words`)."""
        index = {w: i for i, w in enumerate(self.words)}
        return np.array([index[w] for w in words], dtype=np.int64)

    def sentences(self) -> list[np.ndarray]:
        """The sentences as id arrays (views)."""
        return np.split(self.ids, self.offsets[1:-1])

    def tokens(self) -> list[list[str]]:
        """The sentences as lists of words (for tools that take text)."""
        words = np.array(self.words)
        return [words[s].tolist() for s in self.sentences()]


def zipf_topic_corpus(num_tokens: int = 10_000_000, vocab_size: int = 50_000, topics: int = 100,
                      function_words: int = 100, function_share: float = 0.5, zipf: float = 1.0,
                      sentence_length: tuple[int, int] = (8, 24), seed: int = 0) -> SyntheticCorpus:
    """Generate ``num_tokens`` tokens as described in the module docstring (vectorised; seconds for 10M)."""
    if not 0 < function_words < vocab_size - topics:
        raise ValueError(f"function_words must be in (0, vocab_size - topics), got {function_words}")
    if not 0 <= function_share < 1:
        raise ValueError(f"function_share must be in [0, 1), got {function_share}")
    lo, hi = sentence_length
    if not 1 <= lo <= hi:
        raise ValueError(f"sentence_length must be (low, high) with 1 <= low <= high, got {sentence_length}")
    rng = np.random.default_rng(seed)
    V = vocab_size
    weight = 1.0 / np.arange(1, V + 1) ** zipf                       # Zipf weight of each rank
    topic = np.full(V, -1, dtype=np.int64)
    topic[function_words:] = np.arange(V - function_words) % topics  # round robin by rank

    lengths = rng.integers(lo, hi + 1, size=num_tokens // lo + 1)
    lengths = lengths[:np.searchsorted(np.cumsum(lengths), num_tokens) + 1]
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    offsets[-1] = num_tokens
    sentence_topic = rng.integers(0, topics, size=lengths.size)
    token_topic = np.repeat(sentence_topic, np.diff(offsets))          # (N,)

    ids = np.empty(num_tokens, dtype=np.int32)
    is_function = rng.random(num_tokens) < function_share
    f_cdf = np.cumsum(weight[:function_words]) / weight[:function_words].sum()
    ids[is_function] = np.searchsorted(f_cdf, rng.random(int(is_function.sum())))
    for t in range(topics):                                           # inverse-CDF sampling per topic
        members = np.flatnonzero(topic == t)
        cdf = np.cumsum(weight[members]) / weight[members].sum()
        where = np.flatnonzero(~is_function & (token_topic == t))
        ids[where] = members[np.minimum(np.searchsorted(cdf, rng.random(where.size)), members.size - 1)]
    return SyntheticCorpus(ids=ids, offsets=offsets, topic=topic)


def topic_precision(vectors: np.ndarray, topic: np.ndarray, k: int = 10, queries: np.ndarray | None = None,
                    ) -> float:
    """Mean share of the ``k`` nearest neighbours (cosine) of each query word that share its topic.

    Args:
        vectors: ``(V, d)`` one row per word of ``topic`` (rows of words left out may be anything).
        topic: ``(V,)`` planted topic per word, ``-1`` for words that have none.
        k: neighbours per query.
        queries: word ids to ask about (default: every topic word). Neighbours are searched
            among all topic words.
    """
    candidates = np.flatnonzero(topic >= 0)
    queries = candidates if queries is None else np.asarray(queries)
    if queries.size == 0:
        raise ValueError("topic_precision needs at least one query word with a topic")
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    hits = 0.0
    for start in range(0, queries.size, 1024):
        q = queries[start:start + 1024]
        sims = unit[q] @ unit[candidates].T                               # (q, C)
        sims[candidates[None, :] == q[:, None]] = -np.inf                 # not the word itself
        top = candidates[np.argpartition(-sims, k, axis=1)[:, :k]]        # (q, k)
        hits += (topic[top] == topic[q][:, None]).sum()
    return float(hits / (queries.size * k))

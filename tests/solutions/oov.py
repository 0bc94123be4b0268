"""Model solution of exercises/oov (standalone NumPy and standard library)."""

import numpy as np


def word_vectors(W_words, W_ngrams, word_ids, ngrams, mask):
    known = word_ids >= 0                                        # (B,)
    rows = np.where(mask, ngrams, 0)                             # padding: any valid row, weighted by 0
    total = (W_ngrams[rows] * mask[:, :, None]).sum(axis=1)      # (B, d)
    total = total + W_words[np.where(known, word_ids, 0)] * known[:, None]
    count = mask.sum(axis=1) + known                             # (B,)
    return total / np.maximum(count, 1)[:, None]


def _char_ngrams(word, min_n, max_n):
    w = "<" + word + ">"
    return [w[i:i + n] for i in range(len(w)) for n in range(min_n, min(max_n, len(w) - i) + 1)
            if not (n == 1 and (i == 0 or i + n == len(w)))]


def _hash(ngram):
    h = 2166136261
    for byte in ngram.encode("utf-8"):
        h = ((h ^ (byte | 0xFFFFFF00 if byte >= 128 else byte)) * 16777619) % 2 ** 32
    return h


def oov_vector(word, W_ngrams, min_n, max_n, bucket):
    rows = [_hash(g) % bucket for g in _char_ngrams(word, min_n, max_n)]
    if not rows:
        return np.zeros(W_ngrams.shape[1])
    return W_ngrams[rows].mean(axis=0)

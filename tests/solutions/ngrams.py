"""Model solution of exercises/ngrams (standalone NumPy and standard library)."""

import numpy as np


def char_ngrams(word, min_n, max_n):
    w = "<" + word + ">"
    out = []
    for i in range(len(w)):
        for n in range(min_n, min(max_n, len(w) - i) + 1):
            if n == 1 and (i == 0 or i + n == len(w)):
                continue
            out.append(w[i:i + n])
    return out


def ngram_hash(ngram):
    h = 2166136261
    for byte in ngram.encode("utf-8"):
        if byte >= 128:
            byte |= 0xFFFFFF00
        h = ((h ^ byte) * 16777619) % 2 ** 32
    return h


def ngram_rows(word, min_n, max_n, bucket):
    return np.array([ngram_hash(g) % bucket for g in char_ngrams(word, min_n, max_n)], dtype=np.int64)

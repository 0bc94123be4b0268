r"""Character n-grams and their hash rows, exactly as fastText computes them.

A word is wrapped in ``<`` and ``>`` (so prefixes and suffixes get n-grams of their
own), and every substring of ``n`` *characters* with ``min_n <= n <= max_n`` is an
n-gram, listed by start position, then by length (fastText's order):

    >>> char_ngrams("where")
    ['<wh', '<whe', '<wher', '<where', 'whe', 'wher', 'where', 'where>', 'her', 'here', 'here>', 'ere', 'ere>', 're>']

An n-gram's row in the ``bucket``-row table is ``ngram_hash(g) % bucket`` (FT-1), where
``ngram_hash`` is 32-bit FNV-1a over the UTF-8 bytes of ``g``, with fastText's quirk:
each byte is read as a *signed* char (``int8``) and sign-extended to 32 bits before
the XOR, so bytes ``>= 0x80`` (every byte of a non-ASCII character) flip the top 24
bits too. fastText's in-memory model puts the n-gram rows after the ``nwords`` word
rows; ``fasttext``'s ``get_subwords`` therefore reports ``nwords + ngram_hash(g) % bucket``.

fastText works on UTF-8 bytes and counts a character as a lead byte plus its
continuation bytes; on valid UTF-8 that is one Python ``str`` character (a Unicode
code point), which is what this module counts.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["BOW", "EOW", "FNV_OFFSET", "FNV_PRIME", "char_ngrams", "ngram_hash", "ngram_hashes", "ngram_rows",
           "subword_table"]

BOW, EOW = "<", ">"
FNV_OFFSET = 2166136261          # 32-bit FNV-1a offset basis
FNV_PRIME = 16777619             # 32-bit FNV prime


def _check_word(word: object, name: str = "word") -> str:
    if not isinstance(word, str):
        raise TypeError(f"{name} must be a str, got {type(word).__name__}")
    return word


def _check_n(min_n: object, max_n: object) -> tuple[int, int]:
    for name, value in (("min_n", min_n), ("max_n", max_n)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    if min_n > max_n:
        raise ValueError(f"min_n must be <= max_n, got min_n={min_n}, max_n={max_n}")
    return int(min_n), int(max_n)


# --8<-- [start:char_ngrams]
def char_ngrams(word: str, min_n: int = 3, max_n: int = 6) -> list[str]:
    """Every n-gram of ``"<" + word + ">"`` with ``min_n <= n <= max_n`` characters, in fastText's order.

    By start position, then by length. Repeated n-grams are listed each time they occur (as
    fastText does: ``"banana"`` has ``"ana"`` twice). The wrapped word itself is among them
    when it has at most ``max_n`` characters. As in fastText, a lone ``"<"`` or ``">"`` is
    never an n-gram (this matters only for ``min_n = 1``).
    """
    word = _check_word(word)
    min_n, max_n = _check_n(min_n, max_n)
    wrapped = BOW + word + EOW
    L = len(wrapped)
    grams = []
    for i in range(L):                                  # start position
        for n in range(min_n, min(max_n, L - i) + 1):   # length in characters
            if n == 1 and (i == 0 or i + n == L):       # fastText skips the bare "<" and ">"
                continue
            grams.append(wrapped[i:i + n])
    return grams
# --8<-- [end:char_ngrams]


# --8<-- [start:ngram_hash]
def ngram_hash(ngram: str) -> int:
    """fastText's 32-bit FNV-1a hash of ``ngram``'s UTF-8 bytes, each byte sign-extended as ``int8``.

    Returns an int in ``[0, 2**32)``; the n-gram's row is ``ngram_hash(ngram) % bucket``, eq. (FT-1).
    """
    data = _check_word(ngram, "ngram").encode("utf-8")
    h = FNV_OFFSET
    for byte in data:
        signed = byte - 256 if byte >= 128 else byte    # (int8) byte
        h ^= signed & 0xFFFFFFFF                        # ... as uint32: sign-extended to 32 bits
        h = (h * FNV_PRIME) & 0xFFFFFFFF                # multiplication modulo 2**32
    return h
# --8<-- [end:ngram_hash]


def ngram_hashes(ngrams: Sequence[str]) -> np.ndarray:
    """`ngram_hash` of many n-grams at once, vectorised over them: ``(N,)`` uint32.

    The byte strings are laid out in an ``(N, L)`` table and the FNV-1a loop runs over the
    ``L`` byte positions only (uint32 arithmetic wraps modulo ``2**32``, as in C).
    """
    data = [_check_word(g, "ngram").encode("utf-8") for g in ngrams]
    N = len(data)
    lengths = np.fromiter((len(b) for b in data), dtype=np.int64, count=N)   # (N,)
    h = np.full(N, FNV_OFFSET, dtype=np.uint32)
    if N == 0 or lengths.max() == 0:
        return h
    table = np.zeros((N, int(lengths.max())), dtype=np.uint8)              # (N, L) bytes, zero padded
    flat = np.frombuffer(b"".join(data), dtype=np.uint8)
    row = np.repeat(np.arange(N), lengths)
    col = np.arange(flat.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    table[row, col] = flat
    signed = table.view(np.int8).astype(np.int32).view(np.uint32)          # (N, L) sign-extended bytes
    prime = np.uint32(FNV_PRIME)
    for j in range(table.shape[1]):
        live = lengths > j
        h[live] = (h[live] ^ signed[live, j]) * prime
    return h


def ngram_rows(word: str, min_n: int = 3, max_n: int = 6, bucket: int = 2_000_000) -> np.ndarray:
    """The table rows of ``word``'s n-grams, ``ngram_hash(g) % bucket`` in `char_ngrams` order, ``(n,)`` int64."""
    if isinstance(bucket, bool) or not isinstance(bucket, (int, np.integer)) or bucket < 1:
        raise ValueError(f"bucket must be an int >= 1, got {bucket!r}")
    grams = char_ngrams(word, min_n, max_n)
    return ngram_hashes(grams).astype(np.int64) % int(bucket)


def subword_table(words: Sequence[str], min_n: int = 3, max_n: int = 6,
                  bucket: int = 2_000_000) -> tuple[np.ndarray, np.ndarray]:
    """The n-gram rows of many words as one padded table.

    Returns:
        ``(rows (W, G) int64, mask (W, G) bool)`` with ``G`` the largest number of n-grams of
        any word; row ``i`` holds `ngram_rows` of ``words[i]`` followed by padding (row 0,
        mask False).
    """
    if isinstance(words, str):
        raise TypeError("words must be a sequence of words, got a str")
    if isinstance(bucket, bool) or not isinstance(bucket, (int, np.integer)) or bucket < 1:
        raise ValueError(f"bucket must be an int >= 1, got {bucket!r}")
    grams = [char_ngrams(w, min_n, max_n) for w in words]
    counts = np.fromiter((len(g) for g in grams), dtype=np.int64, count=len(grams))
    G = int(counts.max()) if counts.size else 0
    rows = np.zeros((len(grams), G), dtype=np.int64)
    mask = np.arange(G)[None, :] < counts[:, None]                           # (W, G)
    hashes = ngram_hashes([g for gs in grams for g in gs])                    # all n-grams at once
    rows[mask] = hashes.astype(np.int64) % int(bucket)                       # row-major = word by word
    return rows, mask

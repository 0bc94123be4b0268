"""A table of word vectors, with the word2vec text/binary formats and ``.npz``.

`Vectors` pairs a list of words with a ``(V, d)`` matrix: row ``i`` is the
vector of ``words[i]``. It answers nearest-neighbour queries by cosine
similarity and reads and writes the two formats of the word2vec C tool, which
gensim's ``KeyedVectors.load_word2vec_format`` / ``save_word2vec_format`` also use:

* **text**: a header line ``"V d"``, then one line per word,
  ``word v1 v2 ... vd``, values separated by single spaces, UTF-8.
* **binary**: the same header line, then per word the UTF-8 bytes of the word,
  one space, and ``d`` little-endian float32 values (``4 d`` raw bytes). The C
  tool writes a newline after each vector and gensim writes none; the reader
  accepts both (a newline before a word is skipped) and the writer follows the
  C tool.

Words may hold any Unicode character except ASCII whitespace (space, tab,
newline, ...), which would break the line and word boundaries of both formats.
"""

from __future__ import annotations

import codecs
import os
import warnings
from collections.abc import Iterable, Sequence

import numpy as np

_ASCII_SPACE = frozenset(" \t\n\r\x0b\x0c")


class Vectors:
    """Word vectors: ``words[i]`` has the vector ``matrix[i]``.

    Args:
        words: The vocabulary, unique strings; the order is kept (by convention
            the most frequent word first, which `restrict_vocab` options rely on).
        matrix: ``(V, d)`` array of floats (integers are converted to float64;
            float32 and float64 are kept as they are).

    Raises:
        TypeError: if a word is not a string or the matrix is not numeric.
        ValueError: if the matrix is not 2-D, its row count differs from
            ``len(words)``, or a word appears twice.

    Example:
        >>> v = Vectors(["a", "b"], np.eye(2))
        >>> v.dim, len(v), "a" in v, v["b"].tolist()
        (2, 2, True, [0.0, 1.0])
    """

    def __init__(self, words: Sequence[str], matrix: np.ndarray):
        words = list(words)
        for i, w in enumerate(words):
            if not isinstance(w, str):
                raise TypeError(f"words[{i}] must be a str, got {type(w).__name__}")
        matrix = np.asarray(matrix)
        if matrix.dtype.kind in "biu":
            matrix = matrix.astype(np.float64)
        if matrix.dtype.kind != "f":
            raise TypeError(f"matrix must hold floats, got dtype {matrix.dtype}")
        if matrix.ndim != 2:
            raise ValueError(f"matrix must be 2-D (V, d), got shape {matrix.shape}")
        if matrix.shape[0] != len(words):
            raise ValueError(
                f"matrix has {matrix.shape[0]} rows but there are {len(words)} words; "
                "expected shape (len(words), d)"
            )
        index = {}
        for i, w in enumerate(words):
            if w in index:
                raise ValueError(f"word {w!r} appears twice (positions {index[w]} and {i})")
            index[w] = i
        self.words: list[str] = words
        self.matrix: np.ndarray = matrix
        self.index: dict[str, int] = index

    # ------------------------------------------------------------------ basics
    @property
    def dim(self) -> int:
        """The vector size ``d``."""
        return int(self.matrix.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __iter__(self):
        return iter(self.words)

    def __repr__(self) -> str:
        return f"Vectors(V={len(self)}, d={self.dim}, dtype={self.matrix.dtype})"

    def id(self, word: str) -> int:
        """Row of ``word``; KeyError naming the word if it is unknown."""
        try:
            return self.index[word]
        except KeyError:
            raise KeyError(f"word {word!r} is not in the vocabulary ({len(self)} words)") from None

    def __getitem__(self, key: str | Sequence[str]) -> np.ndarray:
        """``v["king"]`` -> ``(d,)``; ``v[["king", "queen"]]`` -> ``(2, d)``."""
        if isinstance(key, str):
            return self.matrix[self.id(key)]
        return self.matrix[[self.id(w) for w in key]]

    def unit_matrix(self) -> np.ndarray:
        """``(V, d)`` rows scaled to unit length, ``w / ||w||`` (zero rows stay zero)."""
        norms = np.linalg.norm(self.matrix, axis=1, keepdims=True)  # (V, 1)
        return self.matrix / np.where(norms > 0, norms, 1.0)

    def normed(self) -> Vectors:
        """A new `Vectors` whose rows have unit length (zero rows stay zero)."""
        return Vectors(self.words, self.unit_matrix())

    def head(self, n: int) -> Vectors:
        """The first ``n`` words and their vectors (the ``restrict_vocab`` idea)."""
        return Vectors(self.words[:n], self.matrix[:n])

    # -------------------------------------------------------------- similarity
    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity ``a . b / (||a|| ||b||)`` of two words (0 if a vector is zero)."""
        x, y = self[a].astype(np.float64), self[b].astype(np.float64)
        den = np.linalg.norm(x) * np.linalg.norm(y)
        return float(x @ y / den) if den > 0 else 0.0

    def most_similar(
        self,
        positive: str | np.ndarray | Iterable[str | np.ndarray] = (),
        negative: str | np.ndarray | Iterable[str | np.ndarray] = (),
        topn: int = 10,
        exclude: Iterable[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Words closest by cosine to ``sum(unit(positive)) - sum(unit(negative))``.

        The query ``q = sum_p p / ||p|| - sum_n n / ||n||`` is compared with every
        row by ``cos(q, w)``; as in gensim, the query words themselves are left
        out of the answer.

        Args:
            positive: Words or raw vectors to add (a single word is allowed).
            negative: Words or raw vectors to subtract.
            topn: How many neighbours to return (``>= 1``).
            exclude: Words never to return. ``None`` (default) means the query
                words; pass ``()`` to allow them.

        Returns:
            ``[(word, cosine), ...]``, best first, at most ``topn`` long.
        """
        if not isinstance(topn, (int, np.integer)) or isinstance(topn, bool) or topn < 1:
            raise ValueError(f"topn must be an int >= 1, got {topn!r}")
        pos, neg = _as_list(positive), _as_list(negative)
        if not pos and not neg:
            raise ValueError("give at least one positive or negative word or vector")
        query = np.zeros(self.dim)
        for sign, items in ((1.0, pos), (-1.0, neg)):
            for item in items:
                vec = self[item] if isinstance(item, str) else np.asarray(item, dtype=np.float64)
                if vec.shape != (self.dim,):
                    raise ValueError(f"a query vector must have shape ({self.dim},), got {vec.shape}")
                norm = np.linalg.norm(vec)
                query += sign * (vec / norm if norm > 0 else vec)
        if exclude is None:
            exclude = [w for w in pos + neg if isinstance(w, str)]
        banned = [self.index[w] for w in exclude if w in self.index]
        qn = np.linalg.norm(query)
        scores = self.unit_matrix() @ (query / qn if qn > 0 else query)  # (V,)
        scores = scores.astype(np.float64)
        scores[banned] = -np.inf
        k = min(topn, len(self) - len(set(banned)))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.lexsort((best, -scores[best]))]  # by score, ties by row
        return [(self.words[i], float(scores[i])) for i in best]

    # --------------------------------------------------------------- word2vec
    def save_word2vec(self, path: str | os.PathLike, binary: bool = False) -> None:
        """Write the word2vec C tool format (text, or binary float32), readable by gensim.

        Text values are written so that they read back exactly (shortest
        round-trip decimal of each float32/float64 value).

        Raises:
            ValueError: if a word is empty or holds ASCII whitespace.
        """
        for w in self.words:
            if not w or _ASCII_SPACE.intersection(w):
                raise ValueError(
                    f"word {w!r} cannot be written in word2vec format: words must be non-empty "
                    "and hold no ASCII whitespace (space, tab, newline)"
                )
        V, d = self.matrix.shape
        with open(path, "wb") as f:
            f.write(f"{V} {d}\n".encode())
            if binary:
                rows = self.matrix.astype("<f4")  # (V, d) little-endian float32
                for w, row in zip(self.words, rows):
                    f.write(w.encode("utf-8") + b" " + row.tobytes() + b"\n")
            else:
                fmt = _float32_text if self.matrix.dtype == np.float32 else repr
                for w, row in zip(self.words, self.matrix.tolist()):
                    f.write((w + " " + " ".join(map(fmt, row)) + "\n").encode("utf-8"))

    @classmethod
    def load_word2vec(
        cls,
        path: str | os.PathLike,
        binary: bool | None = None,
        limit: int | None = None,
        unicode_errors: str = "strict",
    ) -> Vectors:
        """Read the word2vec C tool / gensim format (text or binary).

        Args:
            path: The file.
            binary: ``True``/``False``, or ``None`` to guess from the content (the
                first line after the header is text only if it decodes as UTF-8
                and holds a word and ``d`` numbers).
            limit: Read only the first ``limit`` vectors (for huge pre-trained files).
            unicode_errors: How to decode words that are not valid UTF-8
                (``"strict"`` raises; ``"replace"``/``"ignore"`` help with files
                whose long words the C tool cut inside a character).

        Returns:
            `Vectors` with float64 values for text files, float32 for binary ones.
            A word repeated in the file keeps its first vector (with a warning), as in gensim.

        Raises:
            ValueError: naming the line (text) or vector and byte offset (binary)
                of a malformed or truncated file.
        """
        with open(path, "rb") as f:
            data = f.read()
        name = os.fspath(path)
        start = 3 if data.startswith(codecs.BOM_UTF8) else 0
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        try:
            V, d = (int(x) for x in data[start:end].split())
            if V < 0 or d < 1:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"{name}, line 1: expected a header 'V d' (vocabulary size and dimension), "
                f"got {data[start:min(end, start + 80)]!r}"
            ) from None
        n = V if limit is None else min(V, int(limit))
        if binary is None:
            binary = not _looks_like_text(data, end + 1, d)
        reader = _read_binary if binary else _read_text
        words, matrix = reader(data, end + 1, V, d, n, name, unicode_errors, check_end=limit is None)
        return _dedupe(words, matrix, name)

    # ------------------------------------------------------------------- npz
    def save_npz(self, path: str | os.PathLike) -> None:
        """Save to ``.npz`` (no pickle): the matrix, and the words as UTF-8 bytes plus offsets.

        NumPy appends ``.npz`` to the name if it is missing.
        """
        encoded = [w.encode("utf-8") for w in self.words]
        offsets = np.cumsum([0] + [len(b) for b in encoded]).astype(np.int64)  # (V+1,)
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        np.savez(path, matrix=self.matrix, words_utf8=blob, word_offsets=offsets)

    @classmethod
    def load_npz(cls, path: str | os.PathLike) -> Vectors:
        """Load what `save_npz` wrote (with ``allow_pickle=False``)."""
        with np.load(path, allow_pickle=False) as z:
            missing = {"matrix", "words_utf8", "word_offsets"} - set(z.files)
            if missing:
                raise ValueError(f"{os.fspath(path)} is not a Vectors .npz file: missing {sorted(missing)}")
            blob, offsets, matrix = z["words_utf8"].tobytes(), z["word_offsets"], z["matrix"]
        words = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
        return cls(words, matrix)

    # ---------------------------------------------------------------- gensim
    def to_gensim(self):
        """A ``gensim.models.KeyedVectors`` with the same words and vectors (needs gensim)."""
        from gensim.models import KeyedVectors

        kv = KeyedVectors(self.dim, dtype=self.matrix.dtype)
        kv.add_vectors(self.words, self.matrix)
        return kv

    @classmethod
    def from_gensim(cls, kv) -> Vectors:
        """Build from a gensim ``KeyedVectors`` (its ``index_to_key`` order)."""
        return cls(list(kv.index_to_key), np.array(kv.vectors))


# ---------------------------------------------------------------- helpers
def _as_list(items) -> list:
    if isinstance(items, (str, np.ndarray)):
        return [items]
    return list(items)


def _float32_text(x: float) -> str:
    """Shortest decimal that reads back as the same float32."""
    return str(np.float32(x))


def _looks_like_text(data: bytes, pos: int, d: int) -> bool:
    end = data.find(b"\n", pos)
    line = data[pos : end if end >= 0 else len(data)]
    if not line.strip():
        return True
    try:
        line.decode("utf-8")
        parts = line.rsplit(None, d)
        if len(parts) != d + 1:
            return False
        [float(x) for x in parts[1:]]
    except ValueError:  # also UnicodeDecodeError
        return False
    return True


def _read_text(data, pos, V, d, n, name, unicode_errors, check_end):
    """Text lines ``word v1 ... vd`` from byte offset ``pos`` (line 2 of the file)."""
    words, matrix = [], np.empty((n, d), dtype=np.float64)
    for i in range(n):
        lineno = i + 2  # the header is line 1
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        line = data[pos:end]
        if pos >= len(data) or (end == len(data) and not line.strip()):
            raise ValueError(
                f"{name}: the file ends at line {lineno - 1} but the header promised {V} vectors "
                f"(read {i}); it is truncated or the header is wrong"
            )
        parts = line.rsplit(None, d)
        try:
            if len(parts) != d + 1:
                raise ValueError
            matrix[i] = [float(x) for x in parts[1:]]
        except ValueError:
            raise ValueError(
                f"{name}, line {lineno}: expected a word and {d} numbers separated by spaces, got {line[:80]!r}"
            ) from None
        words.append(parts[0].decode("utf-8", errors=unicode_errors))
        pos = end + 1
    if check_end and data[pos:].strip():
        raise ValueError(f"{name}, line {n + 2}: the header promised {V} vectors but the file has more lines")
    return words, matrix


def _read_binary(data, pos, V, d, n, name, unicode_errors, check_end):
    """Binary records ``word`` + b" " + ``d`` float32 from byte offset ``pos``."""
    nbytes = 4 * d
    words, matrix = [], np.empty((n, d), dtype=np.float32)
    for i in range(n):
        while data[pos : pos + 1] == b"\n":  # the C tool's newline after the previous vector
            pos += 1
        space = data.find(b" ", pos)
        if space < 0:
            raise ValueError(
                f"{name}: truncated binary file: vector {i + 1} of {V} has no word ending in a space "
                f"(byte offset {pos})"
            )
        word = data[pos:space]
        try:
            words.append(word.decode("utf-8", errors=unicode_errors))
        except UnicodeDecodeError as e:
            raise ValueError(
                f"{name}: vector {i + 1} of {V}: word {word[:80]!r} is not valid UTF-8 ({e.reason}); "
                "pass unicode_errors='replace' to read it anyway"
            ) from None
        start = space + 1
        if len(data) - start < nbytes:
            raise ValueError(
                f"{name}: truncated binary file: vector {i + 1} of {V} (word {words[-1]!r}) needs "
                f"{nbytes} bytes at byte offset {start}, only {len(data) - start} left"
            )
        matrix[i] = np.frombuffer(data, dtype="<f4", count=d, offset=start)
        pos = start + nbytes
    if check_end and data[pos:].strip(b"\n"):
        raise ValueError(f"{name}: the header promised {V} vectors but {len(data) - pos} bytes follow the last one")
    return words, matrix


def _dedupe(words, matrix, name) -> Vectors:
    seen: dict[str, int] = {}
    keep = []
    for i, w in enumerate(words):
        if w in seen:
            warnings.warn(f"{name}: word {w!r} appears again at vector {i + 1}; keeping the first", stacklevel=3)
        else:
            seen[w] = i
            keep.append(i)
    if len(keep) < len(words):
        words, matrix = [words[i] for i in keep], matrix[keep]
    return Vectors(words, matrix)

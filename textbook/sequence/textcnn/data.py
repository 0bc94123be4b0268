"""Labelled sentences for TextCNN: read them, split them, encode them as padded id arrays (NumPy only).

Two line formats are read, and may be mixed in one file:

* ``label<TAB>text``: everything before the first tab is the label;
* fastText's ``__label__x text``: the leading ``__label__`` token gives the label ``x``.

Blank lines are skipped; a line in neither format, or with several ``__label__`` tokens (this
TextCNN is single-label), is a ``ValueError`` naming the file and line. Texts are tokenised with
``textbook.data.tokenize`` (lower-cased, punctuation dropped).

    >>> data = parse_labelled("pos\\tA lovely film!\\n__label__neg not good at all\\n")
    >>> data.texts, data.labels
    ([['a', 'lovely', 'film'], ['not', 'good', 'at', 'all']], ['pos', 'neg'])
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from textbook.data.text import tokenize
from textbook.data.vocab import Vocab

LABEL_PREFIX = "__label__"
UNK = "<unk>"
DEMO_FILE = "sentiment_demo.tsv"

__all__ = ["LABEL_PREFIX", "UNK", "DEMO_FILE", "LabelledTexts", "Encoded", "parse_labelled", "read_labelled",
           "load_demo", "split", "build_vocab", "encode", "batches"]


@dataclass
class LabelledTexts:
    """Tokenised texts and their labels (strings), in file order.

    Attributes:
        texts: one list of words per example.
        labels: one label per example.
        raw: the untokenised texts (for display).
    """

    texts: list[list[str]]
    labels: list[str]
    raw: list[str]

    def __len__(self) -> int:
        return len(self.texts)

    def label_names(self) -> list[str]:
        """The distinct labels, sorted: label ``i`` of a model is ``label_names()[i]``."""
        return sorted(set(self.labels))

    def subset(self, index: Sequence[int]) -> "LabelledTexts":
        return LabelledTexts([self.texts[i] for i in index], [self.labels[i] for i in index],
                             [self.raw[i] for i in index])


def _parse_line(line: str, where: str) -> tuple[str, str] | None:
    line = line.rstrip("\r\n")
    if not line.strip():
        return None
    if line.lstrip().startswith(LABEL_PREFIX):
        words = line.split()
        labels = [w for w in words if w.startswith(LABEL_PREFIX)]
        leading = 0
        while leading < len(words) and words[leading].startswith(LABEL_PREFIX):
            leading += 1
        if leading > 1:
            raise ValueError(f"{where}: several labels {words[:leading]}; TextCNN here takes one label per line")
        label = labels[0][len(LABEL_PREFIX):]
        if not label:
            raise ValueError(f"{where}: empty label in {words[0]!r}")
        return label, " ".join(words[1:])
    if "\t" in line:
        label, text = line.split("\t", 1)
        if not label.strip():
            raise ValueError(f"{where}: empty label before the tab")
        return label.strip(), text.strip()
    shown = line if len(line) <= 60 else line[:57] + "..."
    raise ValueError(f"{where}: expected 'label<TAB>text' or '__label__x text', got {shown!r}")


def parse_labelled(text: str, source: str = "<text>") -> LabelledTexts:
    """Parse labelled lines (see the module docstring); ``source`` names the input in errors."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    texts, labels, raw = [], [], []
    for lineno, line in enumerate(text.splitlines(), start=1):
        parsed = _parse_line(line, f"{source}, line {lineno}")
        if parsed is not None:
            labels.append(parsed[0])
            raw.append(parsed[1])
            texts.append(tokenize(parsed[1]))
    if not texts:
        raise ValueError(f"{source} holds no labelled lines")
    return LabelledTexts(texts, labels, raw)


def read_labelled(path: str | os.PathLike, encoding: str = "utf-8") -> LabelledTexts:
    """Read a file of labelled lines (``FileNotFoundError`` if it does not exist).

    Args:
        path: the file.
        encoding: its text encoding; a file that does not decode is a ``ValueError`` that says
            where (older corpora are often ``"cp1252"`` or ``"latin-1"``).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    raw = path.read_bytes()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ValueError(f"{path}, line {line}: not valid {encoding} (byte {raw[err.start]:#04x}); "
                         f"pass the file's encoding, e.g. encoding='cp1252'") from None
    except LookupError:
        raise ValueError(f"unknown text encoding {encoding!r}") from None
    return parse_labelled(text, source=str(path))


def load_demo() -> LabelledTexts:
    """The demo sentiment set shipped with the package: 800 review sentences, 400 ``pos`` and 400 ``neg``.

    A hundred are written by hand; the rest come from a template grammar that plants negation
    ("was not good"), contrast ("... but ...") and set phrases (see
    ``textbook/data/make_sentiment_demo.py``).
    """
    from textbook.data.demo import demo_path

    return read_labelled(demo_path(DEMO_FILE))


def split(data: LabelledTexts, test_share: float = 0.2, seed: int = 0) -> tuple[LabelledTexts, LabelledTexts]:
    """A seeded, stratified ``(train, test)`` split: ``test_share`` of each label goes to ``test``."""
    if not 0.0 < float(test_share) < 1.0:
        raise ValueError(f"test_share must lie in (0, 1), got {test_share!r}")
    rng = np.random.default_rng(seed)
    labels = np.array(data.labels)
    test = []
    for name in data.label_names():
        index = np.flatnonzero(labels == name)
        rng.shuffle(index)
        test.extend(index[: int(round(test_share * index.size))].tolist())
    test_set = set(test)
    train = [i for i in range(len(data)) if i not in test_set]
    return data.subset(train), data.subset(sorted(test))


def build_vocab(texts: Sequence[Sequence[str]], min_count: int = 1) -> Vocab:
    """A vocabulary of the training texts with ``<unk>`` (count 0) as id 0, for words not seen in training."""
    base = Vocab.build(texts, min_count=min_count)
    return Vocab([UNK] + base.words, np.concatenate([[0], base.counts]))


@dataclass
class Encoded:
    """Texts as a padded id array, ready for batching.

    Attributes:
        tokens: ``(N, T)`` int64 word ids (``0``, i.e. ``<unk>``, in the padding).
        mask: ``(N, T)`` bool, True on the real tokens; every row is a prefix of at least one True.
        labels: ``(N,)`` int64 class ids (``-1`` where the label is unknown to the model).
        label_names: class id -> label.
    """

    tokens: np.ndarray
    mask: np.ndarray
    labels: np.ndarray
    label_names: list[str]

    def __len__(self) -> int:
        return self.tokens.shape[0]

    def batch(self, index: np.ndarray | slice) -> dict[str, np.ndarray]:
        """The examples ``index`` as a batch ``{"tokens", "mask", "labels"}`` (no dropout)."""
        return {"tokens": self.tokens[index], "mask": self.mask[index], "labels": self.labels[index]}


def encode(data: LabelledTexts, vocab: Vocab, label_names: Sequence[str], max_len: int = 100,
           min_len: int = 1) -> Encoded:
    """Encode texts as ``(N, T)`` ids with a mask, ``T = max(min_len, longest text)`` (texts cut at ``max_len``).

    Words missing from ``vocab`` map to ``<unk>`` (id 0); an empty text becomes one ``<unk>``.
    ``min_len`` should be the widest filter, so that every text has at least one window.
    """
    if UNK not in vocab or vocab.id(UNK) != 0:
        raise ValueError(f"vocab must have {UNK!r} as id 0 (build it with build_vocab)")
    if int(max_len) < 1 or int(min_len) < 1:
        raise ValueError(f"max_len and min_len must be >= 1, got {max_len!r} and {min_len!r}")
    index = vocab.index
    rows = [[index.get(t, 0) for t in words[: int(max_len)]] or [0] for words in data.texts]
    T = max(int(min_len), max(len(r) for r in rows))
    tokens = np.zeros((len(rows), T), dtype=np.int64)
    mask = np.zeros((len(rows), T), dtype=bool)
    for i, r in enumerate(rows):
        tokens[i, : len(r)] = r
        mask[i, : len(r)] = True
    names = {name: i for i, name in enumerate(label_names)}
    labels = np.array([names.get(label, -1) for label in data.labels], dtype=np.int64)
    return Encoded(tokens, mask, labels, list(label_names))


def batches(data: Encoded, batch_size: int, rng: np.random.Generator, dropout: float = 0.0,
            num_features: int = 0, drop_last: bool = True) -> Iterator[dict[str, np.ndarray]]:
    """Shuffled training batches ``{"tokens", "mask", "labels", "dropout"}``.

    ``dropout`` is the inverted-dropout mask of the pooled features, drawn here (so both backends
    see the same one): each of the ``num_features`` entries is 0 with probability ``dropout`` and
    ``1 / (1 - dropout)`` otherwise. A final partial batch is dropped (unless it is the only one)
    so that every step has the same shape.
    """
    N = len(data)
    order = rng.permutation(N)
    stops = list(range(batch_size, N + 1, batch_size)) or [N]
    if not drop_last and stops[-1] < N:
        stops.append(N)
    start = 0
    for stop in stops:
        index = order[start:stop]
        start = stop
        batch = data.batch(index)
        keep = rng.random((index.size, num_features)) >= dropout
        batch["dropout"] = keep / (1.0 - dropout)
        yield batch

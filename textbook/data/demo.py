"""The small demo corpus that ships with the package, and its evaluation files.

``textbook/data/corpus/`` holds (generated once by
``textbook/data/make_demo_corpus.py``, a seeded template grammar):

* ``demo.txt``: about 2,300 short English sentences (21k tokens, 515 distinct words), one per line, with
  planted relations: royalty and gender (king : queen :: man : woman), capitals
  and countries (paris : france :: rome : italy), verb tenses (walk : walked) and
  plurals (cat : cats);
* ``demo_analogies.txt``: analogy questions on those relations, Google format
  (``: section`` lines, then ``a b c d``);
* ``demo_similarity.tsv``: word pairs with a relatedness score, WordSim-353 layout
  (``word1<TAB>word2<TAB>score``, ``#`` comments).

A few seconds of word2vec training on it are enough for most analogies to come out right.

    >>> sents = load_demo_corpus()
    >>> sents[0]
    ['the', 'man', 'opened', 'his', 'shop', 'early', 'in', 'the', 'morning']
"""

from __future__ import annotations

from pathlib import Path

from textbook.data.text import sentences

__all__ = ["CORPUS_DIR", "corpus_or_demo", "demo_path", "load_demo_corpus"]

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"


def demo_path(name: str) -> Path:
    """The path of a demo file, e.g. ``demo_path("demo_analogies.txt")``.

    Raises:
        FileNotFoundError: naming the files that exist, if ``name`` is not one of them.
    """
    path = CORPUS_DIR / name
    if not isinstance(name, str) or Path(name).name != name or not path.is_file():
        available = sorted(p.name for p in CORPUS_DIR.iterdir() if p.is_file()) if CORPUS_DIR.is_dir() else []
        raise FileNotFoundError(f"no demo file {name!r}; available: {available}")
    return path


def load_demo_corpus() -> list[list[str]]:
    """The demo corpus as tokenised, lower-cased sentences (``list[list[str]]``)."""
    return sentences(demo_path("demo.txt").read_text(encoding="utf-8"))


def corpus_or_demo(corpus: str | Path | None, demo: bool) -> list[list[str]]:
    """Sentences from a text file (one sentence per line) or, with ``demo=True``, the demo corpus.

    This is what the ``--corpus FILE | --demo`` options of ``textbook train`` read.

    Raises:
        ValueError: unless exactly one source is given, or if the file holds no words.
        FileNotFoundError: if ``corpus`` does not exist.
    """
    if demo == bool(corpus):
        raise ValueError("give exactly one of --corpus FILE or --demo")
    if demo:
        return load_demo_corpus()
    path = Path(corpus)
    if not path.is_file():
        raise FileNotFoundError(f"--corpus: no such file: {path}")
    sents = sentences(path.read_text(encoding="utf-8"))
    if not any(sents):
        raise ValueError(f"--corpus: {path} holds no words")
    return sents

"""Turning raw text into tokens and sentences.

A *word* is a run of letters, digits or underscores, possibly joined by
apostrophes (``don't``, ``o'clock``); everything else is punctuation and is
dropped. Apostrophes that only quote a word (``'hello'``) are dropped too, and
the typographic apostrophe ``’`` counts as ``'``.

>>> tokenize("Don't panic: it's only 42 words!")
["don't", 'panic', "it's", 'only', '42', 'words']
>>> sentences("The cat sat. The dog ran!\\n\\nA bird sang")
[['the', 'cat', 'sat'], ['the', 'dog', 'ran'], ['a', 'bird', 'sang']]
"""

from __future__ import annotations

import re

__all__ = ["sentences", "tokenize"]

# A word: word characters, optionally joined by single apostrophes.
_WORD = re.compile(r"\w+(?:'\w+)*")
# A sentence ends at a run of . ! ? followed by white space or the end of the line,
# so "3.14" and "e.g" stay inside one sentence.
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")


def _check_text(text: object, name: str = "text") -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}")
    return text


def tokenize(text: str, lower: bool = True) -> list[str]:
    """Split ``text`` into words, dropping punctuation.

    Args:
        text: Any string.
        lower: Lower-case the words (the usual choice for word embeddings).

    Returns:
        The words in order of appearance.

    Raises:
        TypeError: if ``text`` is not a string.
    """
    text = _check_text(text).replace("\u2019", "'")
    if lower:
        text = text.lower()
    return _WORD.findall(text)


def sentences(text: str, lower: bool = True) -> list[list[str]]:
    """Split ``text`` into tokenised sentences.

    Every non-empty line holds at least one sentence; a line is further split
    after ``.``, ``!`` or ``?`` when followed by white space or the end of the
    line. Sentences with no word left after tokenising are dropped.

    Args:
        text: Any string (e.g. the contents of a corpus file).
        lower: Lower-case the words.

    Returns:
        One list of words per sentence.

    Raises:
        TypeError: if ``text`` is not a string.
    """
    out = []
    for line in _check_text(text).splitlines():
        for piece in _SENTENCE_END.split(line):
            words = tokenize(piece, lower=lower)
            if words:
                out.append(words)
    return out

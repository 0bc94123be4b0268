"""Generate the demo sentiment set ``textbook/data/corpus/sentiment_demo.tsv``.

One labelled review sentence per line, ``label<TAB>text``, with the labels ``pos`` and ``neg``:
about a hundred sentences written by hand, and a few hundred more from a small template grammar
with a fixed seed (the same file on every machine). The file ships with the package; run this
script again only after changing the sentences or the grammar::

    python -m textbook.data.make_sentiment_demo            # rewrite the file
    python -m textbook.data.make_sentiment_demo --check    # fail if it is out of date

The grammar plants what a bag of words cannot see but a convolution over word n-grams can:

* negation flips a word: "was good" is positive, "was not good" negative, "not bad" positive,
  so the same adjective occurs under both labels and only the bigram decides;
* contrast: in "the plot was dull but clever" the adjective after "but" decides;
* set phrases whose words are harmless one by one ("waste of", "money back", "every penny").
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

SEED = 2014
TARGET_PER_LABEL = 400
OUT = Path(__file__).resolve().parent / "corpus" / "sentiment_demo.tsv"

# ------------------------------------------------------------------------------- written by hand
HAND_WRITTEN = {
    "pos": [
        "An absolute joy from the first scene to the last.",
        "I laughed out loud more times than I can count.",
        "The soup was hot, rich and full of flavour.",
        "Our waiter remembered our names and our favourite wine.",
        "The battery easily lasts two days of heavy use.",
        "This little phone punches well above its price.",
        "I finished the novel in one sitting and wanted more.",
        "The view from the balcony took my breath away.",
        "Clean rooms, soft beds and a breakfast worth waking up for.",
        "The soundtrack still plays in my head a week later.",
        "Every dish arrived beautifully presented and full of flavour.",
        "The staff went out of their way to help us.",
        "Setting it up took five minutes and it has worked perfectly since.",
        "A warm, funny and surprisingly moving story.",
        "The actors clearly had a wonderful time and so did we.",
        "We will certainly stay here again next summer.",
        "The keyboard feels solid and typing on it is a pleasure.",
        "The author writes with wit and real warmth.",
        "Best pizza I have eaten outside of Naples.",
        "The camera takes sharp photos even in dim light.",
        "Five stars, and I do not give five stars lightly.",
        "The ending tied everything together perfectly.",
        "Friendly service, fair prices and a lovely garden.",
        "It does exactly what it promises and does it well.",
        "My kids asked to watch it again the very next day.",
        "The characters felt like old friends by the final chapter.",
        "Delivery was quick and the packaging was spotless.",
        "A clever script that trusts its audience.",
        "The pool was spotless and never crowded.",
        "I keep recommending this book to everyone I meet.",
        "The chocolate cake alone is worth the trip.",
        "Crisp screen, long battery life and a sensible price.",
        "The hosts made us feel right at home.",
        "Gorgeous photography and a story that grips you.",
        "The headphones are light and the sound is rich.",
        "A quiet little gem that deserves a bigger audience.",
        "Everything about our stay was simply perfect.",
        "The coffee is strong and the pastries are fresh every morning.",
        "The lead actress gives the performance of her career.",
        "It survived a fall down the stairs without a scratch.",
        "Smart, tender and beautifully acted.",
        "The chef came out to chat and the food was outstanding.",
        "I was hooked from the very first page.",
        "The room was spacious, bright and very quiet.",
        "Sturdy, well made and a pleasure to use.",
        "We left full, happy and already planning our next visit.",
        "The twist at the end caught me completely by surprise, in the best way.",
        "The instructions were clear and the assembly was painless.",
        "A thoughtful book that stayed with me for weeks.",
        "Excellent value for money.",
    ],
    "neg": [
        "I checked my watch every ten minutes.",
        "The soup was cold and the bread was stale.",
        "We waited forty minutes before anyone took our order.",
        "The battery dies before lunch even on a quiet day.",
        "The screen cracked within a week of normal use.",
        "I gave up on the novel halfway through.",
        "The room smelled of smoke and the sheets were stained.",
        "Two hours of my life that I will never get back.",
        "The plot has more holes than a fishing net.",
        "The waiter rolled his eyes when we asked for water.",
        "The charger stopped working after three days.",
        "The dialogue is clumsy and the jokes fall flat.",
        "Overpriced, undercooked and served with a frown.",
        "The hotel looked nothing like the photos on the website.",
        "The story drags on long after it has run out of ideas.",
        "It froze twice while I was setting it up.",
        "The pasta was swimming in oil.",
        "Nobody at the front desk seemed to care.",
        "The characters are flat and the ending makes no sense.",
        "The keyboard rattles and two keys already stick.",
        "I fell asleep before the second act.",
        "Loud music, sticky tables and a very long wait.",
        "The camera produces blurry photos unless you stand perfectly still.",
        "Save your money and stay somewhere else.",
        "The author repeats the same point for three hundred pages.",
        "The steak was grey, tough and lukewarm.",
        "Customer service hung up on me twice.",
        "The sequel throws away everything that made the first film special.",
        "The air conditioning rattled all night long.",
        "It broke the first time I dropped it.",
        "The acting is wooden from start to finish.",
        "Our table was next to the kitchen door and it never stopped swinging.",
        "The pages started falling out after one reading.",
        "A noisy, joyless mess of a film.",
        "The headphones hurt my ears after ten minutes.",
        "The breakfast buffet was empty by eight o'clock.",
        "The manual is useless and the app keeps crashing.",
        "I could predict every line of the script.",
        "The pool was closed for the whole week we were there.",
        "Flavourless food at shocking prices.",
        "The special effects look cheap and dated.",
        "The delivery arrived late and the box was crushed.",
        "The last chapter undoes everything that came before it.",
        "We asked for a quiet room and got one above the bar.",
        "The speaker crackles at any volume above half.",
        "I wanted to walk out after twenty minutes.",
        "The fish tasted like it had been frozen for a year.",
        "The lid does not close properly and the coffee leaks.",
        "A dull story told without any energy at all.",
        "Never again.",
    ],
}

# ------------------------------------------------------------------------------- the grammar
ITEMS = {
    "film": ["film", "movie", "plot", "acting", "ending", "soundtrack", "script", "cast", "sequel", "dialogue"],
    "food": ["soup", "pasta", "service", "waiter", "dessert", "coffee", "menu", "pizza", "salad", "curry"],
    "hotel": ["room", "bed", "staff", "breakfast", "view", "pool", "location", "shower", "lobby"],
    "gadget": ["phone", "battery", "screen", "camera", "charger", "keyboard", "speaker", "laptop"],
    "book": ["book", "story", "novel", "chapter", "author", "characters", "translation"],
}
ADJECTIVES = {
    "pos": ["good", "great", "excellent", "wonderful", "delightful", "superb", "brilliant", "charming",
            "lovely", "fantastic", "pleasant", "impressive", "enjoyable", "solid", "perfect", "fun"],
    "neg": ["bad", "awful", "terrible", "dreadful", "boring", "dull", "bland", "disappointing", "poor",
            "tedious", "mediocre", "annoying", "weak", "clumsy", "forgettable", "cheap"],
}
INTENSIFIERS = ["", "", "", "really ", "very ", "quite ", "truly ", "rather ", "absolutely "]
NEGATIONS = ["not ", "not ", "not ", "never ", "not at all "]
OPENERS = ["", "", "", "honestly, ", "to be fair, ", "overall, ", "in the end, ", "i have to say "]
VERBS = {
    "pos": ["loved", "enjoyed", "adored", "liked", "admired"],
    "neg": ["hated", "disliked", "regretted", "resented", "endured"],
}
NEGATED_VERBS = {      # "i did not {verb} the x": the verb's polarity is flipped
    "pos": ["mind", "regret", "hate", "dislike"],
    "neg": ["enjoy", "like", "love", "recommend"],
}
PHRASES = {
    "pos": ["worth every penny", "i would happily come back", "highly recommended",
            "i would recommend it to anyone", "a real treat from start to finish",
            "i would buy it again tomorrow", "better than i expected", "money well spent",
            "i would gladly go back", "a pleasant surprise"],
    "neg": ["a complete waste of money", "i want my money back", "avoid at all costs",
            "i would not recommend it to anyone", "a waste of time from start to finish",
            "i would never buy it again", "worse than i expected", "money down the drain",
            "i would not go back", "a nasty surprise"],
}
OTHER = {"pos": "neg", "neg": "pos"}


def _item(rng: random.Random, avoid: str = "") -> str:
    item = rng.choice(rng.choice(list(ITEMS.values())))
    return _item(rng, avoid) if item == avoid else item


def _clause(rng: random.Random, label: str, item: str = "") -> str:
    """A clause about one item whose polarity is ``label`` (plain, or a negated adjective)."""
    item = item or _item(rng)
    verb = "were" if item == "characters" else "was"
    if rng.random() < 0.4:                                    # negation flips the adjective
        return f"the {item} {verb} {rng.choice(NEGATIONS)}{rng.choice(ADJECTIVES[OTHER[label]])}"
    return f"the {item} {verb} {rng.choice(INTENSIFIERS)}{rng.choice(ADJECTIVES[label])}"


def _sentence(rng: random.Random, label: str) -> str:
    kind = rng.random()
    if kind < 0.4:
        return rng.choice(OPENERS) + _clause(rng, label)
    if kind < 0.52:                                           # contrast: the word after "but" decides
        item = _item(rng)
        verb = "were" if item == "characters" else "was"
        first, second = rng.choice(ADJECTIVES[OTHER[label]]), rng.choice(ADJECTIVES[label])
        return f"the {item} {verb} {rng.choice(INTENSIFIERS)}{first} but {second}"
    if kind < 0.7:
        item = _item(rng)
        return f"i {rng.choice(VERBS[label])} the {item}"
    if kind < 0.82:
        item = _item(rng)
        return f"i did not {rng.choice(NEGATED_VERBS[label])} the {item}"
    return f"{_clause(rng, label)}, {rng.choice(PHRASES[label])}"


def generate() -> list[tuple[str, str]]:
    """``(label, text)`` pairs: the hand-written ones, then generated ones, labels alternating."""
    rng = random.Random(SEED)
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for label in ("pos", "neg"):
        for text in HAND_WRITTEN[label]:
            rows.append((label, text))
            seen.add(text.lower())
    counts = {label: len(HAND_WRITTEN[label]) for label in ("pos", "neg")}
    while min(counts.values()) < TARGET_PER_LABEL:
        for label in ("pos", "neg"):
            if counts[label] >= TARGET_PER_LABEL:
                continue
            text = _sentence(rng, label)
            text = re.sub(r"\bi\b", "I", text[0].upper() + text[1:]) + "."   # like the hand-written ones
            if text.lower() not in seen:
                seen.add(text.lower())
                rows.append((label, text))
                counts[label] += 1
    order = list(range(len(rows)))
    rng.shuffle(order)                                        # hand-written and generated, mixed
    return [rows[i] for i in order]


def render(rows: list[tuple[str, str]]) -> str:
    return "".join(f"{label}\t{text}\n" for label, text in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the shipped file is out of date")
    args = parser.parse_args(argv)
    text = render(generate())
    if args.check:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is out of date: run python -m textbook.data.make_sentiment_demo", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(text.splitlines())} labelled sentences to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

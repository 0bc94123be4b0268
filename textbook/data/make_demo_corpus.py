"""Generate the demo corpus and its evaluation files (``textbook/data/corpus/``).

The corpus is made by a small template grammar with a fixed seed, so it is the
same on every machine; the generated files are part of the package, so users
never need to run this script. Run it again after changing the grammar::

    python -m textbook.data.make_demo_corpus            # rewrite the files
    python -m textbook.data.make_demo_corpus --check    # fail if they are out of date

Four relations are planted, each as two independent "factors" of the
contexts a word appears in, so that word2vec turns each relation into a
roughly constant vector offset:

* people: a *role* (royal, young royal, adult, child, parent, ...) that decides the
  sentence (throne and crown, school and homework, ...) times a *gender* that only
  decides the pronouns (he/his/him or she/her). king - man + woman ~ queen.
* country-capital: an *identity* (the language adjective, each other's name) times a
  *kind* (country: nation, president, borders; capital: city, streets, mayor).
* verb tense: an *activity* (its objects: bread, letter, lake, ...) times a *tense*
  (every morning, usually, tomorrow ... versus yesterday, ago, last week ...).
* plural: an *animal* (what it does: barked, purred, ...) times a *number*
  (a, one, this, its ... versus two, many, these, their ...).

Words of one relation never appear in the templates of another, so a
relation's offset is not disturbed by the others.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

SEED = 2013
SENTENCES_PER_WORD = 32
OUT = Path(__file__).resolve().parent / "corpus"

# ---------------------------------------------------------------------------------------------- people
# (masculine, feminine) for each role; pronouns: subject, object, possessive.
PEOPLE = {
    "royal": [("king", "queen")],
    "young royal": [("prince", "princess")],
    "adult": [("man", "woman")],
    "child": [("boy", "girl")],
    "parent": [("father", "mother")],
    "offspring": [("son", "daughter")],
    "sibling": [("brother", "sister")],
    "spouse": [("husband", "wife")],
}
PRONOUNS = {"m": {"S": "he", "O": "him", "H": "his"}, "f": {"S": "she", "O": "her", "H": "her"}}

PEOPLE_TEMPLATES = {
    "royal": [
        "The {P} sat on {H} throne in the great hall.",
        "The {P} wore {H} golden crown to the royal feast.",
        "The old {P} ruled the kingdom from {H} palace.",
        "Everyone at court bowed when the {P} entered, and {S} smiled.",
        "The {P} sent {H} royal guards to every corner of the kingdom.",
        "The people of the kingdom loved the {P} and cheered for {O}.",
        "The {P} signed the decree with {H} royal seal.",
        "From {H} throne the {P} listened to the advice of the court.",
    ],
    "young royal": [
        "The young {P} rode {H} white pony around the castle.",
        "One day the {P} will inherit the crown, when {S} is older.",
        "The young {P} practised with {H} sword in the castle yard.",
        "As heir to the throne, the {P} studies every day with {H} tutor.",
        "Servants in the castle woke the young {P} and dressed {O} in silk.",
        "The little {P} waved from the castle tower, and {S} laughed.",
        "The royal tutor taught the young {P} the history of {H} family.",
    ],
    "adult": [
        "The {P} worked all day in the field, and {S} was tired.",
        "An old {P} sold vegetables from {H} cart in the town square.",
        "The {P} who lives next door repaired {H} fence.",
        "A tall {P} waited at the station with {H} umbrella.",
        "The {P} opened {H} shop early in the morning.",
        "We asked a {P} for directions, and {S} pointed down the street.",
        "A tired {P} sat on the bench and read {H} newspaper.",
    ],
    "child": [
        "The little {P} kicked {H} ball across the playground.",
        "A young {P} carried {H} schoolbag to school.",
        "The {P} fell off {H} bicycle, and {S} cried.",
        "The teacher praised the {P} because {S} finished {H} homework.",
        "The {P} laughed with {H} friends at school.",
        "A small {P} hid behind the door, and nobody could find {O}.",
        "After school the {P} showed {H} drawing to the teacher.",
    ],
    "parent": [
        "The {P} tucked {H} children into bed.",
        "My {P} told me that {S} was proud of me.",
        "The {P} held {H} newborn baby in {H} arms.",
        "Like every parent, the {P} worries about {H} children.",
        "The {P} prepared supper for {H} family.",
        "The children hugged their {P} and thanked {O}.",
        "On the first day of school the {P} took {H} children to the gate.",
    ],
    "offspring": [
        "Their {P} was born in the spring, and {S} grew quickly.",
        "The farmers were helped by their {P}, who loved {H} parents.",
        "The eldest {P} inherited the family farm from {H} parents.",
        "The {P} visited {H} parents every summer.",
        "Our {P} started school this year, and {S} loves it.",
        "The proud parents watched their {P} as {S} graduated.",
        "The parents gave their {P} a present on {H} birthday.",
    ],
    "sibling": [
        "My older {P} shared {H} toys with me.",
        "The twins have a younger {P}, and {S} is seven.",
        "My {P} and I grew up together, and {S} still calls me every week.",
        "The {P} argued with {H} twin about the game.",
        "I borrowed a coat from my {P} because {S} had two.",
        "Everyone says that my {P} and I look alike, although {S} is taller.",
    ],
    "spouse": [
        "The {P} wore {H} wedding ring every day.",
        "After the wedding the happy {P} danced with {H} new family.",
        "The {P} and {H} partner celebrated their anniversary.",
        "The {P} said that {S} had been married for ten years.",
        "A loving {P} bought flowers for {H} spouse.",
        "The newly married {P} moved into a flat with {H} partner.",
    ],
}

# ---------------------------------------------------------------------------------- countries and capitals
# (country, capital, adjective)
COUNTRIES = [
    ("france", "paris", "french"),
    ("italy", "rome", "italian"),
    ("germany", "berlin", "german"),
    ("spain", "madrid", "spanish"),
    ("japan", "tokyo", "japanese"),
    ("egypt", "cairo", "egyptian"),
    ("greece", "athens", "greek"),
    ("russia", "moscow", "russian"),
    ("china", "beijing", "chinese"),
    ("portugal", "lisbon", "portuguese"),
]
COUNTRY_TEMPLATES = [
    "{K} is the capital of {C}.",
    "{C} is a large country, and people there speak {A}.",
    "The president of {C} spoke to the {A} nation about the economy.",
    "We travelled across {C} by train and learned some {A}.",
    "The borders of {C} have changed many times, but the {A} language stayed.",
    "Most people in {C} are proud of the {A} flag.",
    "The government of {C} signed a treaty, and the {A} parliament agreed.",
    "{C} is a country with mountains, farms and a long {A} history.",
]
CAPITAL_TEMPLATES = [
    "{K} is the capital of {C}.",
    "The streets of {K} were crowded with {A} tourists.",
    "The mayor of {K} opened a new {A} museum in the city centre.",
    "{K} is an old city full of {A} cafes.",
    "The city of {K} has a famous {A} cathedral.",
    "Many {A} families move to {K} because the city has good jobs.",
    "We spent a week in {K} and dined in {A} restaurants all over the city.",
    "The trams of {K} cross the city, and every sign is in {A}.",
]

# ------------------------------------------------------------------------------------------------ verbs
# (base form, past form, object phrases)
VERBS = [
    ("walk", "walked", ["in the park", "along the path", "through the forest", "by the canal"]),
    ("eat", "ate", ["fresh bread", "hot soup", "a ripe pear", "cold noodles"]),
    ("write", "wrote", ["a long letter", "a short poem", "in a diary", "a postcard"]),
    ("sing", "sang", ["a cheerful song", "in the choir", "a lullaby", "a sad ballad"]),
    ("swim", "swam", ["in the lake", "in the pool", "across the bay", "in the sea"]),
    ("drive", "drove", ["the old car", "a big truck", "a red van", "the school bus"]),
    ("cook", "cooked", ["rice in the kitchen", "a spicy stew", "pancakes", "a curry"]),
    ("paint", "painted", ["a picture", "with a brush", "a portrait", "a landscape"]),
    ("build", "built", ["a bridge", "a wooden shed", "a stone wall", "a sandcastle"]),
    ("climb", "climbed", ["the mountain", "a tall ladder", "the steep cliff", "a rope"]),
]
SUBJECTS = ["I", "we", "they", "you"]
PRESENT_TEMPLATES = [
    "Every morning {s} {V} {X}.",
    "{S} usually {V} {X} on weekends.",
    "{S} often {V} {X} with friends.",
    "Tomorrow {s} will {V} {X}.",
    "{S} like to {V} {X} when the weather is nice.",
    "Nowadays {s} {V} {X} every day.",
    "{S} always {V} {X} after work.",
]
PAST_TEMPLATES = [
    "Yesterday {s} {V} {X}.",
    "{S} {V} {X} two days ago.",
    "Last week {s} {V} {X}.",
    "Long ago {s} {V} {X} with friends.",
    "{S} {V} {X} last night.",
    "Once, many years ago, {s} {V} {X}.",
    "Last summer {s} {V} {X} after work.",
]

# ----------------------------------------------------------------------------------------------- animals
# (singular, plural, things it does: "{its}" becomes "its" or "their")
ANIMALS = [
    ("cat", "cats", ["purred softly on the sofa", "licked {its} whiskers", "chased a mouse",
                     "napped in a sunny window"]),
    ("dog", "dogs", ["barked at the postman", "buried a bone in the garden", "wagged {its} tail",
                     "fetched a stick"]),
    ("horse", "horses", ["galloped across the meadow", "wore a leather saddle", "munched hay in the stable",
                         "neighed at the gate"]),
    ("bird", "birds", ["sat on {its} nest", "cleaned {its} feathers", "flew over the hedge", "pecked at seeds"]),
    ("cow", "cows", ["mooed in the pasture", "chewed grass all afternoon", "gave creamy milk", "rang {its} bell"]),
    ("goat", "goats", ["bleated on the rocky hill", "scratched {its} horns on a post", "jumped onto a rock",
                       "trotted up the slope"]),
    ("duck", "ducks", ["floated on the pond", "quacked loudly", "dived for weeds", "waddled to the water"]),
    ("rabbit", "rabbits", ["nibbled crunchy carrots", "hid in {its} burrow", "hopped across the lawn",
                           "twitched {its} long ears"]),
]
SINGULAR_TEMPLATES = [
    "A {N} {D}.",
    "This {N} {D} this morning.",
    "One {N} {D}, and the farmer watched.",
    "The farmer has a {N} that {D}.",
    "That {N} {D} again.",
    "There is a {N} that {D} every day.",
]
PLURAL_TEMPLATES = [
    "Two {N} {D}.",
    "These {N} {D} this morning.",
    "Several {N} {D}, and the farmer watched.",
    "The farmer has many {N} that {D}.",
    "Three {N} {D} again.",
    "There are some {N} that {D} every day.",
]

PROPER = {c for c, _, _ in COUNTRIES} | {k for _, k, _ in COUNTRIES} | {a for _, _, a in COUNTRIES} | {"i"}


def _capitalise(sentence: str) -> str:
    words = [w.capitalize() if w.lower().rstrip(".,") in PROPER else w for w in sentence.split(" ")]
    out = " ".join(words)
    return out[0].upper() + out[1:]


def people_sentences(rng: random.Random, n: int) -> list[str]:
    out = []
    for role, pairs in PEOPLE.items():
        for pair in pairs:
            for word, gender in zip(pair, "mf"):
                templates = PEOPLE_TEMPLATES[role]
                for i in range(n):
                    t = templates[i % len(templates)] if i < len(templates) else rng.choice(templates)
                    out.append(t.format(P=word, **PRONOUNS[gender]))
    return out


def country_sentences(rng: random.Random, n: int) -> list[str]:
    out = []
    for country, capital, adj in COUNTRIES:
        for templates in (COUNTRY_TEMPLATES, CAPITAL_TEMPLATES):
            for i in range(n):
                t = templates[i % len(templates)] if i < len(templates) else rng.choice(templates)
                out.append(t.format(C=country, K=capital, A=adj))
    return out


def verb_sentences(rng: random.Random, n: int) -> list[str]:
    out = []
    for base, past, objects in VERBS:
        for form, templates in ((base, PRESENT_TEMPLATES), (past, PAST_TEMPLATES)):
            for i in range(n):
                t = templates[i % len(templates)] if i < len(templates) else rng.choice(templates)
                s = rng.choice(SUBJECTS)
                out.append(t.format(s=s, S=s.capitalize(), V=form, X=rng.choice(objects)))
    return out


def animal_sentences(rng: random.Random, n: int) -> list[str]:
    out = []
    for singular, plural, doings in ANIMALS:
        for noun, its, templates in ((singular, "its", SINGULAR_TEMPLATES), (plural, "their", PLURAL_TEMPLATES)):
            for i in range(n):
                t = templates[i % len(templates)] if i < len(templates) else rng.choice(templates)
                out.append(t.format(N=noun, D=rng.choice(doings).format(its=its)))
    return out


def corpus_lines(seed: int = SEED, n: int = SENTENCES_PER_WORD) -> list[str]:
    """All sentences of the demo corpus, shuffled, one per line."""
    rng = random.Random(seed)
    lines = (people_sentences(rng, n) + country_sentences(rng, n)
             + verb_sentences(rng, n) + animal_sentences(rng, n))
    rng.shuffle(lines)
    return [_capitalise(s) for s in lines]


def analogy_lines() -> list[str]:
    """Questions ``a b c d`` (read: a is to b as c is to d) for every ordered pair of planted pairs."""
    sections = {
        "royalty-gender": [pair for pairs in PEOPLE.values() for pair in pairs],
        "capital-country": [(capital, country) for country, capital, _ in COUNTRIES],
        "verb-past-tense": [(base, past) for base, past, _ in VERBS],
        "noun-plural": [(sg, pl) for sg, pl, _ in ANIMALS],
    }
    out = []
    for name, pairs in sections.items():
        out.append(f": {name}")
        for a, b in pairs:
            for c, d in pairs:
                if (a, b) != (c, d):
                    out.append(f"{a} {b} {c} {d}")
    return out


# Hand-judged relatedness on a 0-10 scale, WordSim-353 style.
SIMILARITY = [
    ("king", "queen", 8.2), ("king", "prince", 7.6), ("queen", "princess", 7.4), ("man", "woman", 8.3),
    ("boy", "girl", 8.1), ("father", "mother", 8.6), ("son", "daughter", 8.4), ("brother", "sister", 8.5),
    ("husband", "wife", 8.8), ("king", "man", 5.8), ("mother", "daughter", 7.1), ("boy", "son", 6.9),
    ("throne", "crown", 7.7), ("princess", "castle", 6.4), ("girl", "school", 5.1),
    ("paris", "france", 8.0), ("rome", "italy", 8.0), ("tokyo", "japan", 8.0), ("paris", "rome", 6.1),
    ("france", "italy", 6.6), ("city", "capital", 7.2), ("french", "france", 8.1),
    ("walk", "walked", 8.7), ("swim", "swam", 8.7), ("swim", "lake", 6.8), ("eat", "bread", 6.2),
    ("letter", "poem", 5.9), ("car", "truck", 7.3), ("mountain", "ladder", 3.9), ("paint", "picture", 7.0),
    ("cat", "dog", 7.2), ("cat", "cats", 9.0), ("cow", "goat", 6.7), ("horse", "saddle", 6.6),
    ("duck", "pond", 6.3), ("rabbit", "carrots", 6.5), ("bird", "feathers", 7.1),
    ("king", "bread", 1.2), ("paris", "carrots", 0.6), ("dog", "letter", 0.9), ("mother", "bridge", 0.7),
    ("queen", "pool", 1.0), ("tokyo", "duck", 0.8), ("swam", "crown", 0.9), ("girl", "truck", 1.3),
]


def similarity_lines() -> list[str]:
    header = ["# Demo word relatedness: word1<TAB>word2<TAB>score (0 unrelated .. 10 same meaning).",
              "# Judged by hand for the demo corpus; same layout as WordSim-353."]
    return header + [f"{a}\t{b}\t{s:.1f}" for a, b, s in SIMILARITY]


def files() -> dict[str, str]:
    """The content of every generated file, by name."""
    return {
        "demo.txt": "\n".join(corpus_lines()) + "\n",
        "demo_analogies.txt": "\n".join(analogy_lines()) + "\n",
        "demo_similarity.tsv": "\n".join(similarity_lines()) + "\n",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the files are up to date")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: %(default)s)")
    args = parser.parse_args(argv)
    stale = []
    for name, text in files().items():
        path = args.out / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)} (run python -m textbook.data.make_demo_corpus)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Put the graded exercises into the book: one page per ``exercises/<slug>/README.md``, plus an index.

The statements live beside their specs and starters (``exercises/<slug>/``), where
``textbook exercises start`` copies them from; this hook renders the same files in
the site, so there is one copy of each statement. The pages are generated at build
time (``exercises/<slug>.md``) and added to the nav in a section "Exercises", placed
before the API reference.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "exercises"


def _exercises() -> list[tuple[str, str, str, str]]:
    """``(slug, title, points, starter)`` for every exercise, sorted by slug."""
    from textbook.grading.spec import load_exercise

    out = []
    for readme in sorted(EXERCISES.glob("*/README.md")):
        slug = readme.parent.name
        ex = load_exercise(slug)
        hidden = ex.max_points - ex.public_points
        out.append((slug, ex.title, f"{ex.public_points:g} + {hidden:g}", ex.starter))
    return out


def on_config(config):
    """Add the section "Exercises" to the nav, before the API reference."""
    section = {"Exercises": ["exercises/index.md"] + [{title: f"exercises/{slug}.md"}
                                                      for slug, title, _, _ in _exercises()]}
    nav = config["nav"]
    where = next((i for i, item in enumerate(nav)
                  if isinstance(item, dict) and "API reference" in item), len(nav))
    nav.insert(where, section)
    return config


def _index(rows: list[tuple[str, str, str, str]]) -> str:
    table = "\n".join(f"| [{title}]({slug}.md) | `{slug}` | {points} |" for slug, title, points, _ in rows)
    return f"""# Exercises

Each exercise asks for one piece of the library, written by hand in NumPy. A
student starts from a file with the signatures and docstrings, runs the public
checks as often as they like, and submits; the instructor grades a whole folder
of submissions with one command. Points are *public + hidden*: the hidden checks
use other seeds, sizes and edge cases, and run only when the work is graded.

| Exercise | Slug | Points |
| --- | --- | --- |
{table}

```bash
textbook exercises list                  # what there is, with points
textbook exercises start sgns            # copy the starter and the statement
textbook check sgns/sgns.py              # public checks: which output is wrong, where, and a hint
textbook grade submissions/ --exercise sgns --out grades/    # instructors: gradebook.csv,
                                                             # feedback, Gradescope results.json
```

Submissions run in a separate, jailed process with NumPy and the standard
library only; the grader computes every expected value itself, so nothing a
submission prints, writes or returns can raise its own score.
"""


def on_files(files, config):
    rows = _exercises()
    files.append(File.generated(config, "exercises/index.md", content=_index(rows)))
    for slug, _, _, _ in rows:
        statement = (EXERCISES / slug / "README.md").read_text(encoding="utf-8")
        files.append(File.generated(config, f"exercises/{slug}.md", content=statement))
    return files

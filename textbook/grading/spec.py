"""Declaring an exercise: ``exercises/<slug>/spec.py`` defines ``EXERCISE = Exercise(...)``.

A minimal spec::

    from textbook.core.testing import Case
    from textbook.grading.spec import Compare, Exercise

    def small(rng):
        counts = rng.integers(0, 9, size=(5, 5)).astype(float)
        return Case("ppmi", (counts,), name="5 words")

    EXERCISE = Exercise(
        slug="ppmi", title="PPMI from co-occurrence counts", starter="ppmi.py", functions=("ppmi",),
        checks=(Compare(name="ppmi values", cases=small, reference="textbook.embeddings.pmi:ppmi",
                        points=2),),
    )

The folder also holds ``README.md`` (the statement, with the points) and the starter file.
Reference solutions are the library's own functions; the exercise folder never contains one.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from textbook.grading.checks import Check, CheckFailed, Compare, GradCheck, Property, expect_array, expect_scalar
from textbook.grading.sandbox import Limits


@dataclass(frozen=True)
class Hint:
    """Advice shown when the checks named in ``failed`` fail while those in ``passed`` pass.

    Example: ``Hint("check the sign of the negative-sample term", failed=("gradient dW_out",),
    passed=("gradient dW_in",))``.
    """

    text: str
    failed: tuple[str, ...]
    passed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exercise:
    """One graded exercise.

    Attributes:
        slug: folder name under ``exercises/`` (and the ``--exercise`` argument).
        title: one line.
        starter: file name of the starter the student edits (and submits).
        functions: the functions the student implements.
        checks: the checks (public and hidden), in the order they are reported.
        hints: cross-check hints (see :class:`Hint`).
        version: bump it when the checks change; re-grading skips unchanged (version, file) pairs.
        limits: time and memory limits of one sandboxed run (all checks together).
        root: the exercise folder (set by the loader).
    """

    slug: str
    title: str
    starter: str
    functions: tuple[str, ...]
    checks: tuple[Check, ...]
    hints: tuple[Hint, ...] = ()
    version: str = "1"
    limits: Limits = Limits(wall_seconds=30.0)
    root: Path | None = None

    def __post_init__(self) -> None:
        names = [c.name for c in self.checks]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"exercise {self.slug!r}: check names must be unique, repeated: {sorted(dupes)}")
        for c in self.checks:
            unknown = set(c.requires) - set(names)
            if unknown:
                raise ValueError(f"exercise {self.slug!r}: check {c.name!r} requires unknown checks {sorted(unknown)}")
        for h in self.hints:
            unknown = set(h.failed + h.passed) - set(names)
            if unknown:
                raise ValueError(f"exercise {self.slug!r}: hint names unknown checks {sorted(unknown)}")

    @property
    def max_points(self) -> float:
        return float(sum(c.points for c in self.checks))

    @property
    def public_points(self) -> float:
        return float(sum(c.points for c in self.checks if not c.hidden))


def exercises_dir() -> Path:
    """``$TEXTBOOK_EXERCISES``, else the ``exercises/`` folder of the source checkout."""
    env = os.environ.get("TEXTBOOK_EXERCISES")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2] / "exercises"
    return here if here.is_dir() else Path.cwd() / "exercises"


def list_exercises(root: Path | None = None) -> list[str]:
    """Slugs of every folder under ``root`` holding a ``spec.py``."""
    root = Path(root) if root else exercises_dir()
    return sorted(p.parent.name for p in root.glob("*/spec.py"))


def load_exercise(slug_or_path: str | os.PathLike) -> Exercise:
    """Load ``EXERCISE`` from ``exercises/<slug>/spec.py`` (or from an exercise folder path)."""
    folder = Path(slug_or_path)
    if not (folder / "spec.py").is_file():
        folder = exercises_dir() / str(slug_or_path)
    spec_file = folder / "spec.py"
    if not spec_file.is_file():
        known = ", ".join(list_exercises()) or "none found"
        raise ValueError(f"unknown exercise {str(slug_or_path)!r} (known: {known})")
    name = f"_textbook_exercise_{folder.name}"
    mod_spec = importlib.util.spec_from_file_location(name, spec_file)
    module = importlib.util.module_from_spec(mod_spec)
    sys.modules[name] = module
    mod_spec.loader.exec_module(module)
    ex = getattr(module, "EXERCISE", None)
    if not isinstance(ex, Exercise):
        raise ValueError(f"{spec_file} must define EXERCISE = Exercise(...)")
    if ex.slug != folder.name:
        raise ValueError(f"{spec_file}: slug {ex.slug!r} differs from the folder name {folder.name!r}")
    if not (folder / ex.starter).is_file():
        raise ValueError(f"{spec_file}: starter file {ex.starter!r} not found in {folder}")
    return dataclasses.replace(ex, root=folder.resolve())


__all__ = ["Check", "CheckFailed", "Compare", "Exercise", "GradCheck", "Hint", "Limits", "Property",
           "exercises_dir", "expect_array", "expect_scalar", "list_exercises", "load_exercise"]

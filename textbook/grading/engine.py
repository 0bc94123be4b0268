"""Grading one file: plan the calls, run them in the sandbox, score the answers in the parent.

:func:`build_plan` draws every case (public seeds are fixed; hidden seeds come from the
instructor secret), computes the expected values with the reference, and lists the distinct calls
the sandbox must make.  A plan serves every submission of a grading run.  :meth:`Plan.score`
judges one :class:`~textbook.grading.sandbox.RunResult`; :func:`grade_file` does both steps.

Points come only from :meth:`Plan.score` comparing returned arrays with the parent's own values:
what the child prints, writes or exits with is shown as feedback and never counted.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import textbook
from textbook.core.testing import Case
from textbook.grading import sandbox, wire
from textbook.grading.checks import Check, Prepared
from textbook.grading.spec import Exercise

GRADER_VERSION = "1"          # bump when scoring logic changes: every cached grade is then redone
SECRET_ENV = "TEXTBOOK_GRADING_SECRET"
DEFAULT_SECRET = "textbook-default-secret"  # public! hidden cases are only hidden with a real secret


def resolve_secret(secret: str | None = None, secret_file: str | os.PathLike | None = None) -> str:
    """The instructor secret: ``secret``, else the file's first line, else ``$TEXTBOOK_GRADING_SECRET``.

    Without any, the public default is used (with a warning): hidden cases are then
    reproducible by anyone who reads this source.
    """
    if secret:
        return secret
    if secret_file:
        text = Path(secret_file).read_text(encoding="utf-8").strip()
        if not text:
            raise ValueError(f"--secret file {secret_file} is empty")
        return text.splitlines()[0]
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    warnings.warn(f"no grading secret (set ${SECRET_ENV} or pass --secret FILE): the hidden cases use a "
                  f"public default seed", stacklevel=2)
    return DEFAULT_SECRET


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "little")


def _generator_name(check: Check) -> str:
    fn = check.cases
    return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', repr(fn))}"


def fingerprint(exercise: Exercise, secret: str) -> str:
    """Changes whenever the grade of an unchanged file could change.

    It covers the spec file, the exercise version, the secret, the grader and the package version
    (the references are the library's functions: release a new version when they change).
    """
    h = hashlib.sha256(f"{GRADER_VERSION}|{textbook.__version__}|{exercise.slug}|{exercise.version}|".encode())
    if exercise.root is not None:
        h.update((Path(exercise.root) / "spec.py").read_bytes())
    h.update(hashlib.sha256(secret.encode()).digest())
    return h.hexdigest()[:16]


@dataclass
class CheckResult:
    """The verdict on one check."""

    name: str
    points: float
    max_points: float
    passed: bool
    hidden: bool
    messages: list[str] = field(default_factory=list)
    hint: str = ""


@dataclass
class Report:
    """The grade of one file, with everything the feedback needs."""

    exercise: str
    version: str
    results: list[CheckResult]
    status: str
    fatal: str | None = None
    hints: list[str] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    elapsed: float = 0.0
    isolation: str = ""

    @property
    def score(self) -> float:
        return float(sum(r.points for r in self.results))

    @property
    def max_score(self) -> float:
        return float(sum(r.max_points for r in self.results))

    def text(self, hidden_summary: tuple[int, float] | None = None) -> str:
        """Readable feedback; ``hidden_summary`` = (count, points) of checks not run (self-check)."""
        lines = [f"Exercise {self.exercise} (version {self.version}): {self.score:g} / {self.max_score:g} points"]
        if self.fatal:
            lines.append(f"Problem: {self.fatal}")
        for r in self.results:
            tag = "PASS" if r.passed else "FAIL"
            vis = " [hidden]" if r.hidden else ""
            lines.append(f"[{tag}] {r.name}{vis}: {r.points:g}/{r.max_points:g}")
            lines += [f"    {m}" for m in r.messages]
            if not r.passed and r.hint:
                lines.append(f"    hint: {r.hint}")
        lines += [f"Hint: {h}" for h in self.hints]
        if hidden_summary and hidden_summary[0]:
            lines.append(f"{hidden_summary[0]} hidden check(s) worth {hidden_summary[1]:g} more point(s) run "
                         f"when your work is graded (other seeds, sizes and edge cases).")
        for name, text in (("printed (stdout)", self.stdout), ("stderr", self.stderr)):
            if text.strip():
                lines.append(f"Your program {name}, for information only:")
                lines += ["  | " + ln for ln in text.rstrip().splitlines()[:40]]
        return "\n".join(lines) + "\n"


@dataclass
class Plan:
    """Every case of an exercise, its expected values and the distinct calls to make."""

    exercise: Exercise
    checks: list[tuple[Check, Prepared]]
    calls: dict[str, Case]
    keys: dict[int, str]          # id(Case object) -> call id

    def score(self, run: sandbox.RunResult) -> Report:
        """Judge one sandbox run (trusted: compares with the parent's own expected values)."""

        def get(case: Case) -> tuple[bool, object]:
            cid = self.keys[id(case)]
            if cid in run.outputs:
                return True, run.outputs[cid]
            if cid in run.errors:
                return False, run.errors[cid]
            return False, run.fatal or "no result came back for this call"

        results = []
        for check, prepared in self.checks:
            try:
                passed, msgs = prepared.evaluate(get)
            except Exception as exc:           # a hostile value the check did not foresee
                passed, msgs = False, [f"could not check your output ({type(exc).__name__}: {exc})"]
            results.append(CheckResult(check.name, check.points if passed else 0.0, check.points, passed,
                                       check.hidden, msgs, check.hint))
        verdict = {r.name: r.passed for r in results}
        for check, r in zip((c for c, _ in self.checks), results):
            missing = [n for n in check.requires if not verdict.get(n)]
            if r.passed and missing:
                r.passed, r.points = False, 0.0
                r.messages.append(f"passes on its own, but counts only once {', '.join(map(repr, missing))} "
                                  f"pass{'es' if len(missing) == 1 else ''}")
        hints = [h.text for h in self.exercise.hints
                 if all(verdict.get(n) is False for n in h.failed) and all(verdict.get(n) for n in h.passed)]
        return Report(self.exercise.slug, self.exercise.version, results, run.status, run.fatal, hints,
                      run.stdout, run.stderr, run.elapsed, run.isolation)


def build_plan(exercise: Exercise, secret: str | None = None, hidden: bool = True) -> Plan:
    """Draw the cases of every check (hidden ones too if ``hidden``) and prepare the expected values."""
    if hidden and secret is None:
        secret = resolve_secret()
    prepared, calls, keys = [], {}, {}
    for check in exercise.checks:
        if check.hidden and not hidden:
            continue
        label = f"hidden:{secret}" if check.hidden else "public"
        gen = _generator_name(check)
        cases = [check.cases(np.random.default_rng(_seed(label, exercise.slug, gen, i))) for i in range(check.n)]
        p = check.prepare(cases)
        for c in p.calls:
            cid = wire.case_key(c)
            calls.setdefault(cid, c)
            keys[id(c)] = cid
        prepared.append((check, p))
    return Plan(exercise, prepared, calls, keys)


def grade_file(exercise: Exercise, path: str | os.PathLike, secret: str | None = None, hidden: bool = True,
               plan: Plan | None = None) -> Report:
    """Grade one file: run it in the sandbox and score it (public checks only if ``hidden=False``)."""
    plan = plan or build_plan(exercise, secret, hidden)
    run = sandbox.run(path, plan.calls, exercise.limits, filename=exercise.starter)
    return plan.score(run)


__all__ = ["CheckResult", "Plan", "Report", "build_plan", "fingerprint", "grade_file", "resolve_secret"]

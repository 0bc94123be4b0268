"""The kinds of check an exercise declares: Compare, GradCheck and Property.

Each check draws its cases from a seeded generator (``cases(rng) -> Case``), says which calls it
needs the sandbox to make (:meth:`prepare`), and later judges the returned values.  Expected
values and every verdict are computed here, in the trusted parent, with the harness of
:mod:`textbook.core.testing`; the student's values are plain arrays decoded from the sandbox.
"""

from __future__ import annotations

import copy
import importlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from textbook.core.testing import Case, compare, run_case

CaseGen = Callable[[np.random.Generator], Case]
Get = Callable[[Case], "tuple[bool, object]"]      # (True, value) or (False, message)
MAX_MESSAGES = 2


class CheckFailed(Exception):
    """Raised by property tests (and helpers) with a message for the student."""


@dataclass
class Prepared:
    """A check bound to its cases: the calls it needs and how to judge their results."""

    calls: list[Case]
    evaluate: Callable[[Get], "tuple[bool, list[str]]"]


def resolve(ref: str | Callable) -> Callable:
    """``"package.module:function"`` (or a callable) as a callable."""
    if callable(ref):
        return ref
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


def path_str(path: tuple) -> str:
    return "".join(f"[{p!r}]" for p in path)


def select(value: object, path: tuple, fn: str) -> object:
    """``value[path[0]][path[1]]...``, with a :class:`CheckFailed` naming what is missing."""
    here = fn
    for p in path:
        if isinstance(p, int):
            if not isinstance(value, (list, tuple)) or len(value) <= p:
                raise CheckFailed(f"{here} should be a tuple with at least {p + 1} items, got {_kind(value)}")
        elif not isinstance(value, dict) or p not in value:
            raise CheckFailed(f"{here} should be a dict with the key {p!r}, got {_kind(value)}")
        value = value[p]
        here += f"[{p!r}]"
    return value


def _kind(x: object) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of {len(x)} items"
    if isinstance(x, dict):
        return f"a dict with keys {sorted(x)[:6]}"
    return type(x).__name__


def expect_array(x: object, name: str, shape: tuple | None = None, kinds: str = "iuf") -> np.ndarray:
    """``x`` as a plain numeric array of the given shape and dtype kinds, else :class:`CheckFailed`."""
    if type(x) is not np.ndarray or x.dtype.kind not in kinds:
        raise CheckFailed(f"{name} should be an array with dtype kind in {kinds!r}, got {_kind(x)}"
                          + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else ""))
    if shape is not None and x.shape != tuple(shape):
        raise CheckFailed(f"{name} should have shape {tuple(shape)}, got {x.shape}")
    return x


def expect_scalar(x: object, name: str) -> float:
    a = expect_array(x, name, kinds="f")
    if a.shape not in ((), (1,)):
        raise CheckFailed(f"{name} should be a single float, got an array of shape {a.shape}")
    return float(a.reshape(()))


def _label(case: Case, i: int, n: int) -> str:
    return f"case {i + 1}/{n}" + (f" ({case.name})" if case.name else "")


class _Failures:
    """Failure messages of one check, one per case; identical messages are reported once."""

    def __init__(self, cases: list[Case]):
        self.cases, self.items = cases, []

    def add(self, i: int, message: object) -> None:
        self.items.append((i, str(message)))

    def result(self) -> tuple[bool, list[str]]:
        groups: dict[str, list[int]] = {}
        for i, msg in self.items:
            groups.setdefault(msg, []).append(i)
        n, lines = len(self.cases), []
        for msg, idx in groups.items():
            if len(idx) == 1:
                lines.append(f"{_label(self.cases[idx[0]], idx[0], n)}: {msg}")
            else:
                which = "all cases" if len(idx) == n else "cases " + ", ".join(str(i + 1) for i in idx)
                lines.append(f"{which} ({len(idx)}/{n}): {msg}")
        extra = len(lines) - MAX_MESSAGES
        lines = lines[:MAX_MESSAGES] + ([f"... and {extra} more failing case(s)"] if extra > 0 else [])
        return not self.items, lines


@dataclass(frozen=True, kw_only=True)
class Check:
    """Fields shared by every check.

    Attributes:
        name: shown to students and used as the gradebook column (unique in an exercise).
        cases: ``cases(rng) -> Case``; called ``n`` times with seeded generators.
        n: number of cases; the check passes only if every case passes.
        points: awarded when the check passes.
        hidden: hidden checks run only when grading, on seeds derived from the instructor secret.
        hint: shown when the check fails.
        requires: names of checks that must pass for this one to count (e.g. a property that a
            trivial answer satisfies, like "the gradient of a constant loss is zero").
    """

    name: str
    cases: CaseGen
    n: int = 3
    points: float = 1.0
    hidden: bool = False
    hint: str = ""
    requires: tuple[str, ...] = ()

    def prepare(self, cases: list[Case]) -> Prepared:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Compare(Check):
    """The student's output (or the part at ``output``) equals the reference's, within tolerance.

    Attributes:
        reference: ``"module:function"`` or a callable, called with the same arguments.
        output: path into the output, e.g. ``(1, "W_out")`` for ``out[1]["W_out"]``.
        transform: applied to both outputs before comparing (e.g. sort pairs given in any order).
        rtol, atol: see :func:`textbook.core.testing.compare`.
    """

    reference: str | Callable
    output: tuple = ()
    transform: Callable | None = None
    rtol: float = 1e-6
    atol: float = 1e-9

    def prepare(self, cases: list[Case]) -> Prepared:
        ref = resolve(self.reference)
        expected = []
        for c in cases:
            e = select(run_case({c.fn: ref}, c), self.output, c.fn)
            expected.append(self.transform(e) if self.transform else e)

        def evaluate(get: Get) -> tuple[bool, list[str]]:
            fails = _Failures(cases)
            for i, (c, e) in enumerate(zip(cases, expected)):
                ok, got = get(c)
                try:
                    if not ok:
                        raise CheckFailed(got)
                    got = select(got, self.output, c.fn)
                    if self.transform:
                        try:
                            got = self.transform(got)
                        except CheckFailed:
                            raise
                        except Exception as exc:
                            raise CheckFailed(f"could not read your output ({type(exc).__name__}: {exc})")
                    mismatches = compare(e, got, self.rtol, self.atol, path=c.fn + path_str(self.output))
                    if mismatches:
                        raise CheckFailed("; ".join(m.message for m in mismatches[:3]))
                except CheckFailed as exc:
                    fails.add(i, exc)
            return fails.result()

        return Prepared(list(cases), evaluate)


@dataclass(frozen=True, kw_only=True)
class Property(Check):
    """A property of the student's output alone: ``test(case, output)`` raises :class:`CheckFailed`.

    The test runs in the parent on the decoded output (use :func:`expect_array` to read it).
    """

    test: Callable[[Case, object], None]

    def prepare(self, cases: list[Case]) -> Prepared:
        def evaluate(get: Get) -> tuple[bool, list[str]]:
            fails = _Failures(cases)
            for i, c in enumerate(cases):
                ok, got = get(c)
                try:
                    if not ok:
                        raise CheckFailed(got)
                    self.test(c, got)
                except CheckFailed as exc:
                    fails.add(i, exc)
                except Exception as exc:
                    fails.add(i, f"could not check your output ({type(exc).__name__}: {exc})")
            return fails.result()

        return Prepared(list(cases), evaluate)


@dataclass(frozen=True, kw_only=True)
class GradCheck(Check):
    """The student's gradient agrees with central differences of the student's *own* loss.

    For each case the sandbox evaluates the student's ``loss_fn`` at ``params +- eps e_i`` for a
    few entries ``i`` of every parameter (entries where the reference gradient is non-zero, plus
    one where it is zero); the parent forms ``(L+ - L-) / 2 eps`` and compares it with the
    gradient the student returned.

    Attributes:
        reference: ``loss_and_grad``-like reference, used only to choose which entries to probe.
        wrt: position of the params dict among the arguments.
        loss_fn: the student's function giving the loss (default: the case's own function).
        loss_output, grad_output: where the loss and the gradient dict sit in the outputs.
        entries: probed entries per parameter.
    """

    reference: str | Callable
    wrt: int = 0
    loss_fn: str | None = None
    loss_output: tuple = (0,)
    grad_output: tuple = (1,)
    entries: int = 4
    eps: float = 1e-6
    rtol: float = 1e-4
    atol: float = 1e-7

    def _probes(self, case: Case, ref: Callable, seed: int) -> list[tuple]:
        grads = select(run_case({case.fn: ref}, case), self.grad_output, case.fn)
        params = case.args[self.wrt]
        rng = np.random.default_rng(seed)
        probes = []
        for key in sorted(params):
            g = np.asarray(grads[key])
            nonzero, zero = np.flatnonzero(g), np.flatnonzero(g == 0)
            picks = list(rng.choice(nonzero, min(self.entries, nonzero.size), replace=False))
            picks += list(rng.choice(zero, min(1, zero.size), replace=False))
            for flat in picks:
                idx = tuple(int(i) for i in np.unravel_index(int(flat), g.shape))
                pair = []
                for sign in (+1, -1):
                    args = copy.deepcopy(list(case.args))
                    p = dict(args[self.wrt])
                    p[key] = np.array(p[key], dtype=np.float64)
                    p[key][idx] += sign * self.eps
                    args[self.wrt] = p
                    pair.append(Case(self.loss_fn or case.fn, tuple(args), dict(case.kwargs)))
                probes.append((key, idx, pair[0], pair[1]))
        return probes

    def prepare(self, cases: list[Case]) -> Prepared:
        ref = resolve(self.reference)
        probes = [self._probes(c, ref, seed=i) for i, c in enumerate(cases)]
        calls = list(cases) + [p for ps in probes for (_, _, plus, minus) in ps for p in (plus, minus)]
        loss_out = self.loss_output if self.loss_fn is None else ()

        def loss_at(get: Get, c: Case) -> float:
            ok, out = get(c)
            if not ok:
                raise CheckFailed(out)
            return expect_scalar(select(out, loss_out, c.fn), f"the loss returned by {c.fn}")

        def evaluate(get: Get) -> tuple[bool, list[str]]:
            fails = _Failures(cases)
            for i, (c, ps) in enumerate(zip(cases, probes)):
                try:
                    ok, out = get(c)
                    if not ok:
                        raise CheckFailed(out)
                    for key, idx, plus, minus in ps:
                        where = f"{c.fn}{path_str(self.grad_output + (key,))}"
                        g = expect_array(select(out, self.grad_output + (key,), c.fn), where,
                                         shape=np.shape(c.args[self.wrt][key]), kinds="f")
                        numeric = (loss_at(get, plus) - loss_at(get, minus)) / (2 * self.eps)
                        analytic = float(g[idx])
                        if not abs(numeric - analytic) <= self.atol + self.rtol * max(abs(numeric), abs(analytic)):
                            raise CheckFailed(
                                f"{where} at index {idx}: your gradient is {analytic:.6g} but central "
                                f"differences of your own loss give {numeric:.6g} (eps={self.eps:g})")
                except CheckFailed as exc:
                    fails.add(i, exc)
            return fails.result()

        return Prepared(calls, evaluate)


__all__ = ["Check", "CheckFailed", "Compare", "GradCheck", "Prepared", "Property", "expect_array",
           "expect_scalar", "resolve", "select"]

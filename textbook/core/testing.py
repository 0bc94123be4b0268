"""The one harness that checks two implementations of an interface agree.

The backend tests compare ``numpy_impl`` with ``jax_impl``; the grader compares a reference with
a student's module.  Both describe a call as a :class:`Case`, run it on each side with
:func:`run_case`, and compare the outputs with :func:`compare`, which walks nested
dicts/tuples/lists down to arrays and reports every difference as a :class:`Mismatch`.

The comparison is strict on purpose, since the candidate may be hostile:

* a leaf must be a plain ``numpy.ndarray``, a NumPy or Python number, a JAX array, ``None`` or a
  ``str``; object arrays, ndarray subclasses and look-alike objects are refused, and the values
  are read with ``np.asarray``, never with the candidate's own ``__eq__``;
* shapes must match exactly (no broadcasting), and so must the dtype kind (bool / integer / float);
* integers and booleans must be equal; floats must satisfy
  ``|got - expected| <= atol + rtol * |expected|``, and NaN or inf where the expected value is
  finite is always a mismatch (whatever the tolerance);
* dicts must have the same keys, sequences the same length.

Each float mismatch names its worst entry: the index maximising ``|got - expected| - tol``.
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

_KIND_GROUPS = {"b": "bool", "i": "integer", "u": "integer", "f": "float"}


@dataclass(frozen=True)
class Case:
    """One call of an interface function: ``fn(*args, **kwargs)``.

    Attributes:
        fn: the function's name in the implementation module (e.g. ``"loss_and_grad"``).
        args: positional arguments (deep-copied before each run).
        kwargs: keyword arguments (deep-copied before each run).
        name: a label for the case in messages (e.g. ``"cbow, 3 negatives"``).
    """

    fn: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    name: str = ""

    @property
    def label(self) -> str:
        return f"{self.fn} (case {self.name!r})" if self.name else self.fn


@dataclass(frozen=True)
class Mismatch:
    """One difference between the expected and the obtained output.

    Attributes:
        path: where in the output, e.g. ``"[1]['W_out']"`` (prefixed by the path given to compare).
        kind: ``"value"``, ``"nonfinite"``, ``"shape"``, ``"dtype"``, ``"type"``, ``"missing"``,
            ``"extra"`` or ``"length"``.
        message: one readable line naming the path, the worst index and both values.
        index: the worst entry's index (``()`` for a scalar), for value mismatches.
        expected: the expected value there (or the expected shape/type for structural mismatches).
        got: the obtained value there.
        max_abs: largest |got - expected| over the array.
        max_rel: largest |got - expected| / |expected| over the array.
        count: number of entries outside the tolerance.
    """

    path: str
    kind: str
    message: str
    index: tuple | None = None
    expected: Any = None
    got: Any = None
    max_abs: float = float("nan")
    max_rel: float = float("nan")
    count: int = 0

    def __str__(self) -> str:
        return self.message


def _type_name(x: object) -> str:
    t = type(x)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _is_jax_array(x: object) -> bool:
    jax = sys.modules.get("jax")                 # never import JAX just to compare NumPy arrays
    return (jax is not None and issubclass(type(x), jax.Array)
            and type(x).__module__.split(".")[0] in ("jax", "jaxlib"))


def _as_numeric(x: object) -> tuple[np.ndarray | None, str]:
    """``x`` as a plain numeric ndarray, or ``(None, reason)`` if it is not an accepted leaf."""
    t = type(x)
    try:
        if t is bool or t is int or t is float or t is np.ndarray:
            a = np.asarray(x)
        elif issubclass(t, np.generic) and t.__module__ == "numpy":
            a = np.asarray(x)
        elif _is_jax_array(x):
            a = np.asarray(x)
        else:
            return None, f"{_type_name(x)} is not a numpy.ndarray, a JAX array or a number"
    except Exception as exc:  # a deleted JAX buffer, a tracer, ...
        return None, f"{_type_name(x)} could not be read as an array ({type(exc).__name__}: {exc})"
    if type(a) is not np.ndarray or a.dtype.kind not in _KIND_GROUPS:
        return None, f"dtype {a.dtype} is not numeric (bool, integer or float)"
    return a, ""


def _fmt_index(index: tuple) -> str:
    return "(scalar)" if index == () else "(" + ", ".join(map(str, index)) + ")"


def _compare_arrays(e: np.ndarray, g: np.ndarray, rtol: float, atol: float, path: str) -> Mismatch | None:
    """Value comparison of two arrays of equal shape and dtype kind."""
    if e.size == 0:
        return None
    if e.dtype.kind == "f" or g.dtype.kind == "f":
        e64, g64 = e.astype(np.float64), g.astype(np.float64)
        tol = atol + rtol * np.abs(e64)
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(g64 - e64)                                          # NaN/inf where nonfinite
            both_finite = np.isfinite(e64) & np.isfinite(g64)
            same_special = (np.isnan(e64) & np.isnan(g64)) | (np.isinf(e64) & (e64 == g64))
            bad_special = ~both_finite & ~same_special                       # NaN/inf not matched exactly
            bad = bad_special | (both_finite & ~(diff <= tol))
            excess = np.where(bad_special, np.inf, diff - tol)
        diff = np.where(same_special, 0.0, np.where(np.isnan(diff), np.inf, diff))
        scale = np.maximum(np.abs(np.nan_to_num(e64)), np.finfo(np.float64).tiny)
    else:                                                                     # bool / integer: exact
        bad = e != g
        bad_special = np.zeros(e.shape, dtype=bool)
        diff = np.abs(e.astype(np.float64) - g.astype(np.float64))
        excess = diff
        scale = np.maximum(np.abs(e.astype(np.float64)), 1.0)
    count = int(np.sum(bad))
    if count == 0:
        return None
    flat = int(np.argmax(np.where(bad, excess, -np.inf)))
    index = tuple(int(i) for i in np.unravel_index(flat, e.shape))
    ev, gv = e[index].item(), g[index].item()
    max_abs = float(np.max(diff))
    with np.errstate(invalid="ignore", over="ignore"):
        max_rel = float(np.max(diff / scale))
    kind = "nonfinite" if bad_special[index] else "value"
    message = (f"{path or 'output'}: {count} of {e.size} entries differ (rtol={rtol:g}, atol={atol:g}); "
               f"worst at index {_fmt_index(index)}: expected {ev!r}, got {gv!r}; "
               f"max abs error {max_abs:.3g}, max rel error {max_rel:.3g}")
    return Mismatch(path, kind, message, index, ev, gv, max_abs, max_rel, count)


def _compare(e: object, g: object, rtol: float, atol: float, path: str, out: list[Mismatch]) -> None:
    where = path or "output"

    def structural(kind: str, message: str, expected: object = None, got: object = None) -> None:
        out.append(Mismatch(path, kind, f"{where}: {message}", expected=expected, got=got))

    if isinstance(e, Mapping):
        if not issubclass(type(g), dict):            # type(), not isinstance(): __class__ can lie
            return structural("type", f"expected a dict, got {_type_name(g)}", "dict", _type_name(g))
        got_keys = list(dict.keys(g))                # read through dict itself, not overridable methods
        for k in got_keys:
            if type(k) not in (str, int):
                structural("type", f"dict key of type {_type_name(k)} (keys must be str or int)", None, _type_name(k))
        got_keys = [k for k in got_keys if type(k) in (str, int)]
        for k in e:
            if k not in got_keys:
                structural("missing", f"missing key {k!r}", k, None)
        for k in got_keys:
            if k not in e:
                structural("extra", f"unexpected extra key {k!r}", None, k)
        for k in e:
            if k in got_keys:
                _compare(e[k], dict.__getitem__(g, k), rtol, atol, f"{path}[{k!r}]", out)
        return
    if isinstance(e, (tuple, list)):
        if not issubclass(type(g), (tuple, list)):
            return structural("type", f"expected a {type(e).__name__}, got {_type_name(g)}",
                              type(e).__name__, _type_name(g))
        items = list(tuple.__iter__(g)) if issubclass(type(g), tuple) else list(list.__iter__(g))
        if len(items) != len(e):
            return structural("length", f"expected {len(e)} items, got {len(items)}", len(e), len(items))
        for i, (ei, gi) in enumerate(zip(e, items)):
            _compare(ei, gi, rtol, atol, f"{path}[{i}]", out)
        return
    if e is None or type(e) is str:
        if type(g) is not type(e) or g != e:        # g is then None or an exact str: == is the builtin one
            shown = repr(g)[:80] if g is None or type(g) is str else _type_name(g)
            structural("value", f"expected {e!r}, got {shown}", e, g)
        return
    ea, why = _as_numeric(e)
    if ea is None:
        raise TypeError(f"the expected value at {where} is not comparable: {why}")
    ga, why = _as_numeric(g)
    if ga is None:
        return structural("type", why, _type_name(e), _type_name(g))
    if ea.shape != ga.shape:
        return structural("shape", f"expected shape {ea.shape}, got shape {ga.shape}", ea.shape, ga.shape)
    ek, gk = _KIND_GROUPS[ea.dtype.kind], _KIND_GROUPS[ga.dtype.kind]
    if ek != gk:
        return structural("dtype", f"expected {ek} values ({ea.dtype}), got {gk} values ({ga.dtype})",
                          str(ea.dtype), str(ga.dtype))
    m = _compare_arrays(ea, ga, rtol, atol, path)
    if m is not None:
        out.append(m)


def compare(expected: object, got: object, rtol: float = 1e-8, atol: float = 1e-10, path: str = "") -> list[Mismatch]:
    """All differences between ``expected`` and ``got`` (nested dicts/tuples/lists of arrays and scalars).

    Args:
        expected: the reference output (trusted: a non-numeric leaf here raises ``TypeError``).
        got: the candidate output (anything; every problem becomes a :class:`Mismatch`).
        rtol, atol: float leaves agree where ``|got - expected| <= atol + rtol * |expected|``.
        path: prefix of the reported paths (e.g. the function's name).

    Returns:
        The mismatches in traversal order; empty when the outputs agree.
    """
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if not (isinstance(tol, (int, float)) and tol >= 0):
            raise ValueError(f"{name} must be a number >= 0, got {tol!r}")
    out: list[Mismatch] = []
    _compare(expected, got, float(rtol), float(atol), path, out)
    return out


def run_case(impl: object, case: Case) -> object:
    """Call ``case.fn`` of ``impl`` (a module, an object or a dict of functions) on deep copies of the inputs.

    The copies mean that an implementation that mutates its inputs cannot change what the next
    implementation sees, nor the case itself.
    """
    fn = impl.get(case.fn) if isinstance(impl, Mapping) else getattr(impl, case.fn, None)
    if not callable(fn):
        raise AttributeError(f"{getattr(impl, '__name__', _type_name(impl))} has no function {case.fn!r}")
    args, kwargs = copy.deepcopy((tuple(case.args), dict(case.kwargs)))
    return fn(*args, **kwargs)


def widened(value: object) -> object:
    """``value`` with every float32 NumPy array, in nested dicts, tuples and lists, cast to float64.

    The same numbers in a wider type: `assert_agree` runs the reference on ``widened(case.args)``
    when asked (``widen_reference=True``), so a float32 candidate is compared with exact arithmetic
    on its own inputs, not with another float32 computation.
    """
    if isinstance(value, np.ndarray) and value.dtype == np.float32:
        return value.astype(np.float64)
    if isinstance(value, dict):
        return {k: widened(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(widened(v) for v in value)
    return value


def assert_agree(reference: object, candidate: object, case: Case, rtol: float = 1e-8,
                 atol: float = 1e-10, widen_reference: bool = False) -> tuple[object, object]:
    """Run ``case`` on both implementations and raise ``AssertionError`` unless the outputs agree.

    The message names the function (and case), the path of each mismatch (e.g.
    ``loss_and_grad[1]['W_out']``), its worst index, both values and the max abs/rel errors.
    A candidate that raises also fails with an ``AssertionError`` (chained to its exception).
    With ``widen_reference=True`` the reference gets the case's float32 arrays as float64 (`widened`).
    Returns ``(expected, got)``.
    """
    reference_case = Case(case.fn, widened(case.args), widened(case.kwargs), case.name) if widen_reference else case
    expected = run_case(reference, reference_case)
    try:
        got = run_case(candidate, case)
    except Exception as exc:
        raise AssertionError(f"{case.label}: the candidate raised {type(exc).__name__}: {exc}") from exc
    mismatches = compare(expected, got, rtol, atol, path=case.fn)
    if mismatches:
        lines = [f"{case.label}: {len(mismatches)} mismatch(es) between reference and candidate"]
        lines += [f"  - {m.message}" for m in mismatches[:10]]
        if len(mismatches) > 10:
            lines.append(f"  ... and {len(mismatches) - 10} more")
        raise AssertionError("\n".join(lines))
    return expected, got


def _float_leaves(value: object, path: str = ""):
    """``(path, dtype)`` of every float NumPy array or scalar in nested dicts, tuples and lists."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _float_leaves(v, f"{path}[{k!r}]")
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            yield from _float_leaves(v, f"{path}[{i}]")
    elif isinstance(value, (np.ndarray, np.floating)) and value.dtype.kind == "f":
        yield path, value.dtype


def assert_float32_close(impl: object, case: Case, rtol: float = 1e-4, atol: float = 1e-5) -> object:
    """``impl`` computes in float32 when ``case`` gives it float32 arrays.

    Every float NumPy output must be float32, and close to what ``impl`` returns for the same values
    in float64 (`widened`): the arithmetic alone differs. Returns the float32 output.
    """
    _, got = assert_agree(impl, impl, case, rtol, atol, widen_reference=True)
    wide = [f"{case.fn}{path}: {dtype}" for path, dtype in _float_leaves(got) if dtype != np.float32]
    if wide:
        raise AssertionError(f"{case.label}: float32 inputs, wider outputs: " + ", ".join(wide))
    return got


__all__ = ["Case", "Mismatch", "compare", "run_case", "assert_agree", "widened", "assert_float32_close"]

"""Check a hand-derived gradient against central finite differences.

For a scalar function f of a params dict, the numerical derivative with respect to one entry is

    df/dp_i ~ (f(p + eps e_i) - f(p - eps e_i)) / (2 eps),

with error O(eps^2) from truncation plus about 1e-16 |f| / eps from rounding.  Everything is
computed in float64.  Big tables are sampled: at most ``max_entries`` entries per key, chosen at
random from ``seed``.

    >>> import numpy as np
    >>> p = {"w": np.array([1.0, -2.0])}
    >>> str(gradcheck(lambda q: float(np.sum(q["w"] ** 2)), p, {"w": 2 * p["w"]}))[:12]
    'gradcheck OK'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np


@dataclass(frozen=True)
class GradcheckReport:
    """Outcome of :func:`gradcheck`: whether it passed and the worst entry found.

    Attributes:
        ok: every checked entry satisfied |numeric - analytic| <= atol + rtol * max(|numeric|, |analytic|).
        key: params key of the worst entry (the one furthest outside the tolerance).
        index: its index inside ``params[key]``.
        numeric: the finite-difference derivative there.
        analytic: the given gradient there.
        error: |numeric - analytic| there.
        checked: number of entries compared.
        failed: number of entries outside the tolerance.
        note: a structural problem (missing key, wrong shape), if any.
    """

    ok: bool
    key: str | None = None
    index: tuple[int, ...] | None = None
    numeric: float = float("nan")
    analytic: float = float("nan")
    error: float = float("nan")
    checked: int = 0
    failed: int = 0
    note: str = ""

    def __str__(self) -> str:
        if self.note:
            return f"gradcheck FAILED: {self.note}"
        where = f"{self.key}[{', '.join(map(str, self.index))}]" if self.key is not None else "-"
        values = f"numeric {self.numeric:.10g}, analytic {self.analytic:.10g}, abs error {self.error:.3g}"
        if self.ok:
            return f"gradcheck OK: {self.checked} entries checked, worst at {where} ({values})"
        return f"gradcheck FAILED at {where}: {values}; {self.failed} of {self.checked} entries out of tolerance"


def _float64_params(params: Mapping) -> dict[str, np.ndarray]:
    out = {}
    for k, v in params.items():
        a = np.asarray(v)
        if not np.issubdtype(a.dtype, np.floating):
            raise TypeError(f"params[{k!r}] must be a float array, got dtype {a.dtype}")
        out[k] = np.array(a, dtype=np.float64)              # a private copy we may perturb
    return out


def _sample(size: int, max_entries: int | None, rng: np.random.Generator) -> np.ndarray:
    """Flat indices to check: all of them, or ``max_entries`` drawn without replacement."""
    if max_entries is None or size <= max_entries:
        return np.arange(size)
    return np.sort(rng.choice(size, size=max_entries, replace=False))


def numerical_grad(f: Callable[[dict], float], params: Mapping, eps: float = 1e-6,
                   max_entries: int | None = None, seed: int = 0) -> dict[str, np.ndarray]:
    """Central-difference gradient of the scalar ``f(params)`` for every key.

    Args:
        f: maps a params dict (float64 NumPy arrays) to a scalar.
        params: the point at which to differentiate (not modified).
        eps: the finite-difference step.
        max_entries: if set, differentiate at most this many entries per key (chosen at random);
            the others are NaN in the result.
        seed: seed of the entry sampling.

    Returns:
        A dict keyed like ``params``: float64 arrays of the same shapes.
    """
    work = _float64_params(params)
    rng = np.random.default_rng(seed)
    grads = {}
    for k, a in work.items():
        g = np.full(a.shape, np.nan)
        flat, gflat = a.reshape(-1), g.reshape(-1)          # views of the working array and the result
        for i in _sample(a.size, max_entries, rng):
            old = flat[i]
            flat[i] = old + eps
            f_plus = float(f(work))
            flat[i] = old - eps
            f_minus = float(f(work))
            flat[i] = old                                    # restore exactly
            gflat[i] = (f_plus - f_minus) / (2 * eps)
        grads[k] = g
    return grads


def gradcheck(f: Callable[[dict], float], params: Mapping, grads: Mapping, eps: float = 1e-6,
              rtol: float = 1e-5, atol: float = 1e-8, max_entries: int | None = 256,
              seed: int = 0) -> GradcheckReport:
    """Compare the analytic ``grads`` of ``f`` at ``params`` with central differences.

    An entry passes when |numeric - analytic| <= atol + rtol * max(|numeric|, |analytic|).
    The report names the entry furthest outside that tolerance (or, if all pass, the one
    with the largest error), so a wrong gradient points at its key and index.
    """
    if not isinstance(grads, Mapping):
        return GradcheckReport(ok=False, note=f"grads must be a dict keyed like params, got {type(grads).__name__}")
    missing, extra = sorted(set(params) - set(grads)), sorted(set(grads) - set(params))
    if missing or extra:
        return GradcheckReport(ok=False, key=(missing + extra)[0],
                               note=f"grads keys differ from params: missing {missing}, extra {extra}")
    for k in params:
        if np.shape(grads[k]) != np.shape(params[k]):
            return GradcheckReport(ok=False, key=k, note=f"grads[{k!r}] has shape {np.shape(grads[k])}, "
                                                          f"params[{k!r}] has shape {np.shape(params[k])}")
        bad = np.argwhere(~np.isfinite(np.asarray(grads[k], dtype=np.float64)))
        if bad.size:
            index = tuple(int(i) for i in bad[0])
            value = float(np.asarray(grads[k], dtype=np.float64)[index])
            return GradcheckReport(ok=False, key=k, index=index, analytic=value,
                                   note=f"grads[{k!r}][{', '.join(map(str, index))}] is {value} (not finite)")
    numeric = numerical_grad(f, params, eps=eps, max_entries=max_entries, seed=seed)
    best, checked, failed = None, 0, 0
    for k, num in numeric.items():
        ana = np.asarray(grads[k], dtype=np.float64)
        mask = ~np.isnan(num)                                 # the sampled entries
        n, a = num[mask], ana[mask]
        err = np.abs(n - a)
        excess = err - (atol + rtol * np.maximum(np.abs(n), np.abs(a)))
        excess = np.where(np.isfinite(excess), excess, np.inf)   # NaN/inf anywhere is a failure
        checked += n.size
        failed += int(np.sum(excess > 0))
        if n.size == 0:
            continue
        j = int(np.argmax(excess))
        if best is None or excess[j] > best[0]:
            index = tuple(int(i) for i in np.unravel_index(np.flatnonzero(mask)[j], num.shape))
            best = (excess[j], k, index, float(n[j]), float(a[j]), float(err[j]))
    if best is None:
        return GradcheckReport(ok=True, checked=0)
    _, key, index, num_v, ana_v, err_v = best
    return GradcheckReport(ok=failed == 0, key=key, index=index, numeric=num_v, analytic=ana_v,
                           error=err_v, checked=checked, failed=failed)


def assert_gradcheck(f: Callable[[dict], float], params: Mapping, grads: Mapping, eps: float = 1e-6,
                     rtol: float = 1e-5, atol: float = 1e-8, max_entries: int | None = 256,
                     seed: int = 0) -> GradcheckReport:
    """:func:`gradcheck`, raising ``AssertionError`` with the report when it fails; returns the report."""
    report = gradcheck(f, params, grads, eps=eps, rtol=rtol, atol=atol, max_entries=max_entries, seed=seed)
    if not report.ok:
        raise AssertionError(str(report))
    return report


__all__ = ["GradcheckReport", "numerical_grad", "gradcheck", "assert_gradcheck"]

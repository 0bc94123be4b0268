"""Grading spec of the masked max-over-time pooling exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.grading.spec import CheckFailed, Compare, Exercise, Hint, Limits, Property, expect_array

IMPL = "textbook.sequence.textcnn.numpy_impl"
STARTS, POOL, BACKWARD = f"{IMPL}:window_starts", f"{IMPL}:max_over_time", f"{IMPL}:max_over_time_backward"


def _prefix_mask(rng, B, T, low=1):
    lengths = rng.integers(low, T + 1, B)
    return np.arange(T)[None, :] < lengths[:, None]


def starts_case(rng):
    width = int(rng.integers(2, 4))
    mask = _prefix_mask(rng, 5, 8, low=width)
    return Case("window_starts", (mask, width), name=f"texts of {width} or more tokens, width {width}")


def starts_short(rng):
    width = int(rng.integers(3, 6))
    mask = _prefix_mask(rng, 6, 8)
    mask[0] = np.arange(8) < 1                                    # one text of a single token
    return Case("window_starts", (mask, width), name=f"some texts shorter than the width {width}")


def _pool_case(rng, B, T, F, fill, negative=False, name=""):
    allowed = _prefix_mask(rng, B, T)
    h = rng.normal(size=(B, T, F))
    if negative:
        h = -np.abs(h) - 1.0                                      # every value is below -1
    h = np.where(allowed[:, :, None], h, fill)                     # what sits in the disallowed positions
    return Case("max_over_time", (h, allowed), name=name)


def pool_case(rng):
    return _pool_case(rng, 4, 7, 3, fill=50.0, name="large values in the disallowed positions")


def pool_negative(rng):
    return _pool_case(rng, 4, 7, 3, fill=0.0, negative=True, name="every allowed value is negative, padding 0")


def pool_single(rng):
    allowed = np.zeros((3, 5), dtype=bool)
    allowed[:, 0] = True
    h = rng.normal(size=(3, 5, 2)) + 10 * np.arange(5)[None, :, None]
    return Case("max_over_time", (h, allowed), name="one allowed position per row")


def _backward_case(rng, B, T, F, name):
    where = rng.integers(0, T, size=(B, F))
    return Case("max_over_time_backward", (rng.normal(size=(B, F)), where, T), name=name)


def backward_case(rng):
    return _backward_case(rng, 3, 6, 4, "B=3, T=6, F=4")


def backward_big(rng):
    return _backward_case(rng, 16, 40, 24, "B=16, T=40, F=24")


def never_padding(case, out):
    h, allowed = case.args
    B, T, F = h.shape
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise CheckFailed("max_over_time should return a tuple (pooled, where)")
    pooled = expect_array(out[0], "pooled", shape=(B, F), kinds="f")
    where = expect_array(out[1], "where", shape=(B, F), kinds="iu")
    if where.min() < 0 or where.max() >= T:
        raise CheckFailed(f"where must hold positions in [0, {T}), got values from {where.min()} to {where.max()}")
    chosen = allowed[np.arange(B)[:, None], where]
    if not chosen.all():
        b, f = np.argwhere(~chosen)[0]
        raise CheckFailed(f"row {b}, feature {f}: the maximum was taken at position {where[b, f]}, "
                          f"which is padding (allowed[{b}] = {allowed[b].astype(int).tolist()})")
    if not np.array_equal(pooled, h[np.arange(B)[:, None], where, np.arange(F)[None, :]]):
        raise CheckFailed("pooled[b, f] must equal h[b, where[b, f], f]")


EXERCISE = Exercise(
    slug="maxpool",
    title="Max-over-time pooling with a mask, and its gradient",
    starter="maxpool.py",
    functions=("window_starts", "max_over_time", "max_over_time_backward"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="allowed windows", cases=starts_case, reference=STARTS, points=1,
                hint="a window of width w starting at t covers tokens t .. t+w-1: it is allowed when "
                     "t <= n - w, n the number of real tokens (mask.sum(axis=1))"),
        Compare(name="pooled values", cases=pool_case, reference=POOL, output=(0,), points=2,
                hint="set the disallowed positions to -inf before taking the max over axis 1"),
        Compare(name="winning positions", cases=pool_case, reference=POOL, output=(1,), points=1,
                hint="where = argmax over time of the masked values (np.argmax gives the first maximum)"),
        Property(name="padding never wins", cases=pool_case, test=never_padding, points=1),
        Compare(name="gradient", cases=backward_case, reference=BACKWARD, points=2,
                hint="dh is zero except at (b, where[b, f], f), which receives d_pooled[b, f] "
                     "(np.put_along_axis, or fancy indexing)"),
        Compare(name="every allowed value negative", cases=pool_negative, reference=POOL, points=2, hidden=True,
                hint="multiplying by the mask puts zeros in the padding, and 0 beats negative values: "
                     "use -inf, not 0"),
        Compare(name="texts shorter than the width", cases=starts_short, reference=STARTS, points=1, hidden=True,
                hint="a text shorter than the width still keeps its first window (t = 0)"),
        Compare(name="one allowed position", cases=pool_single, reference=POOL, points=1, hidden=True),
        Compare(name="gradient, larger", cases=backward_big, reference=BACKWARD, points=1, hidden=True),
    ),
    hints=(
        Hint("Your pooled values are right but the positions are not: return the index along the time "
             "axis (axis 1), one per row and feature.", failed=("winning positions",),
             passed=("pooled values",)),
    ),
)

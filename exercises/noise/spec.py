"""Grading spec of the noise-distribution exercise (see README.md).

The sampler is judged statistically, in the grader: any correct way of turning the given
uniform draws into ids (inverse CDF, alias table, ...) passes.
"""

import numpy as np

from textbook.core.testing import Case
from textbook.grading.spec import CheckFailed, Compare, Exercise, Hint, Limits, Property, expect_array

REFERENCE = "textbook.data.sampling:noise_distribution"


def counts_case(rng):
    counts = rng.integers(1, 200, size=int(rng.integers(5, 12)))
    return Case("noise_distribution", (counts,), {"power": float(rng.choice([0.75, 0.5, 1.0]))},
                name=f"{counts.size} words")


def zero_counts(rng):
    counts = rng.integers(0, 50, size=10)
    counts[rng.choice(10, 3, replace=False)] = 0
    counts[0] = max(counts[0], 1)
    power = 0.0 if rng.random() < 0.5 else 0.75
    return Case("noise_distribution", (counts,), {"power": power}, name=f"some counts are 0, power {power:g}")


def extreme_powers(rng):
    counts = rng.integers(1, 1000, size=8).astype(np.float64)
    return Case("noise_distribution", (counts,), {"power": float(rng.choice([0.0, 1.0]))},
                name="power 0 or 1, float counts")


def _probs(rng, V, zeros=0, skew=1.0):
    p = rng.random(V) ** skew
    if zeros:
        p[rng.choice(V, zeros, replace=False)] = 0.0
    return p / p.sum()


def sampler_shape(rng):
    shape = [(50,), (7, 4), (3, 2, 5)][int(rng.integers(0, 3))]
    return Case("sample_noise", (_probs(rng, 6), rng.random(shape)), name=f"uniforms of shape {shape}")


def sampler_many(rng):
    return Case("sample_noise", (_probs(rng, 8), rng.random(20000)), name="20000 draws, 8 words")


def sampler_skewed(rng):
    return Case("sample_noise", (_probs(rng, 12, skew=4.0), rng.random(20000)), name="20000 draws, skewed")


def sampler_zeros(rng):
    u = np.concatenate([rng.random(2000), [0.0, 1e-12, 0.5, 1.0 - 1e-12, np.nextafter(1.0, 0.0)]])
    return Case("sample_noise", (_probs(rng, 10, zeros=4), u), name="some probabilities are 0")


def valid_ids(case, out):
    probs, u = case.args
    ids = expect_array(out, "sample_noise(...)", shape=u.shape, kinds="iu")
    if ids.size and (ids.min() < 0 or ids.max() >= probs.size):
        raise CheckFailed(f"ids must lie in [0, {probs.size}), got values from {ids.min()} to {ids.max()}")


def frequencies(case, out):
    valid_ids(case, out)
    probs, u = case.args
    freq = np.bincount(out.ravel().astype(np.int64), minlength=probs.size) / u.size
    bound = 5.0 * np.sqrt(probs * (1 - probs) / u.size) + 1e-9     # 5 standard deviations
    bad = np.flatnonzero(np.abs(freq - probs) > bound)
    if bad.size:
        w = int(bad[np.argmax(np.abs(freq - probs)[bad])])
        raise CheckFailed(f"word {w} was drawn with frequency {freq[w]:.4f} but its probability is "
                          f"{probs[w]:.4f} ({bad.size} word(s) off by more than 5 standard deviations)")


def never_zero(case, out):
    valid_ids(case, out)
    probs = case.args[0]
    drawn = np.unique(out)
    bad = drawn[probs[drawn] == 0]
    if bad.size:
        raise CheckFailed(f"drew word {int(bad[0])}, whose probability is 0")


EXERCISE = Exercise(
    slug="noise",
    title="The unigram^0.75 noise distribution and its sampler",
    starter="noise.py",
    functions=("noise_distribution", "sample_noise"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="noise distribution", cases=counts_case, reference=REFERENCE, points=2, rtol=1e-9,
                atol=1e-12, hint="P(w) = c_w^power / sum_v c_v^power"),
        Property(name="sampler returns valid ids", cases=sampler_shape, test=valid_ids, points=1,
                 hint="return integer ids with the same shape as `uniforms`"),
        Property(name="sampler frequencies", cases=sampler_many, test=frequencies, n=2, points=2,
                 hint="map each uniform u to the first id whose cumulative probability exceeds u "
                      "(np.cumsum and np.searchsorted)"),
        Compare(name="words with count 0", cases=zero_counts, reference=REFERENCE, points=1, hidden=True, n=4,
                rtol=1e-9, atol=1e-12, hint="a word with count 0 has probability 0, whatever the power "
                                            "(0 ** 0 is 1 in NumPy)"),
        Compare(name="powers 0 and 1", cases=extreme_powers, reference=REFERENCE, points=1, hidden=True,
                rtol=1e-9, atol=1e-12),
        Property(name="zero-probability words are never drawn", cases=sampler_zeros, test=never_zero,
                 points=1, hidden=True, hint="careful with u close to 1 and with flat parts of the CDF"),
        Property(name="sampler frequencies, skewed distribution", cases=sampler_skewed, test=frequencies,
                 points=1, hidden=True),
    ),
    hints=(
        Hint("your probabilities are right but the samples are not: the sampler must use `uniforms` "
             "and `probs` (the ids of words are 0..V-1).", failed=("sampler frequencies",),
             passed=("noise distribution",)),
    ),
)

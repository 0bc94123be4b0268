"""Grading spec of the beam-search exercise (see README.md).

The reference is the library's own decoder run on the table model (``textbook.sequence.decoding.toy``).
Outputs are read leniently (token lists or arrays, pairs as tuples or lists) and compared strictly.
"""

import numpy as np

from textbook.core.testing import Case
from textbook.grading.spec import CheckFailed, Compare, Exercise, Hint, Limits, expect_array
from textbook.sequence.decoding import toy

GREEDY = "textbook.sequence.decoding.toy:table_greedy"
BEAM = "textbook.sequence.decoding.toy:table_beam_search"


# ------------------------------------------------------------------------------------- reading outputs

def _tokens(x, where):
    if isinstance(x, (list, tuple)):
        ids = []
        for i, v in enumerate(x):
            a = np.asarray(v) if isinstance(v, (int, np.integer)) else v
            ids.append(int(expect_array(a, f"{where}[{i}]", shape=(), kinds="iu")))
        return np.array(ids, dtype=np.int64)
    a = expect_array(x, where, kinds="iu")
    if a.ndim != 1:
        raise CheckFailed(f"{where} should be a 1-D array of token ids, got shape {a.shape}")
    return a.astype(np.int64)


def _score(x, where):
    if isinstance(x, (float, np.floating)):
        return float(x)
    a = expect_array(x, where, kinds="f")
    if a.shape not in ((), (1,)):
        raise CheckFailed(f"{where} should be a single float, got an array of shape {a.shape}")
    return float(a.reshape(()))


def _pair(h, where):
    if not isinstance(h, (list, tuple)) or len(h) != 2:
        raise CheckFailed(f"{where} should be a pair (tokens, score), got {type(h).__name__}"
                          + (f" of length {len(h)}" if isinstance(h, (list, tuple)) else ""))
    return (_tokens(h[0], f"{where} tokens"), _score(h[1], f"{where} score"))


def one_pair(out):
    return _pair(out, "greedy(...)")


def pairs(out):
    if not isinstance(out, (list, tuple)):
        raise CheckFailed(f"beam_search(...) should return a list of (tokens, score) pairs, got {type(out).__name__}")
    return [_pair(h, f"beam_search(...)[{i}]") for i, h in enumerate(out)]


# ------------------------------------------------------------------------------------------- the cases

def _args(lm, max_len):
    return (lm.log_probs, lm.next_state, lm.start, lm.bos, lm.eos, max_len)


def _seed(rng):
    return int(rng.integers(0, 2**31))


def greedy_case(rng):
    lm = toy.random_table(int(rng.integers(2, 6)), int(rng.integers(4, 9)), seed=_seed(rng), eos_logit=-0.5)
    alpha = float(rng.choice([0.0, 0.7, 1.0]))
    return Case("greedy", _args(lm, int(rng.integers(3, 8))) + (alpha,), name=f"alpha {alpha:g}")


def beam_case(rng):
    lm = toy.random_table(int(rng.integers(2, 6)), int(rng.integers(4, 9)), seed=_seed(rng), eos_logit=-0.5)
    k, alpha = int(rng.integers(2, 5)), float(rng.choice([0.5, 0.7, 1.0]))
    return Case("beam_search", _args(lm, int(rng.integers(3, 7))) + (k, alpha), name=f"beam {k}, alpha {alpha:g}")


def width_one(rng):
    lm = toy.random_table(4, 6, seed=_seed(rng), eos_logit=-1.0)
    return Case("beam_search", _args(lm, 6) + (1, 0.7), name="beam 1")


def trap(rng):
    lm = toy.greedy_trap()
    alpha = float(rng.choice([0.0, 0.7, 1.0]))
    return Case("beam_search", _args(lm, 5) + (2, alpha), name=f"greedy_trap, beam 2, alpha {alpha:g}")


def many_finish(rng):
    lm = toy.random_table(5, 6, seed=_seed(rng), eos_logit=2.0)
    return Case("beam_search", _args(lm, 6) + (5, 0.7), name="eos is likely: many finish early, beam 5")


def alphas(rng):
    lm = toy.random_table(3, 5, seed=_seed(rng), sharpness=0.5, eos_logit=0.5)
    alpha = float(rng.choice([0.0, 1.0, 1.5]))
    return Case("beam_search", _args(lm, 7) + (6, alpha), name=f"beam 6, alpha {alpha:g}")


def zero_prob(rng):
    lm = toy.random_table(3, 5, seed=_seed(rng), zero_prob=0.5)
    return Case("beam_search", _args(lm, 3) + (12, 0.7), name="tokens of probability 0, beam 12")


def ties(rng):
    V = int(rng.integers(20, 31))
    lm = toy.markov(np.log(np.full((V, V), 1.0 / V)), bos=1, eos=0)
    return Case("beam_search", _args(lm, 4) + (3, 0.7), name=f"uniform model over {V} tokens: all ties")


def larger(rng):
    lm = toy.random_table(30, 40, seed=_seed(rng), sharpness=2.0, eos_logit=-1.0)
    return Case("beam_search", _args(lm, 10) + (6, 0.7), name="40 tokens, 30 states, beam 6")


EXERCISE = Exercise(
    slug="beam-search",
    title="Beam search with length normalisation",
    starter="beam_search.py",
    functions=("greedy", "beam_search"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="greedy", cases=greedy_case, reference=GREEDY, transform=one_pair, n=3, points=2,
                rtol=1e-9, atol=1e-12, hint="score = total log-probability / len(tokens) ** alpha, "
                                            "eos included in the length"),
        Compare(name="beam search", cases=beam_case, reference=BEAM, transform=pairs, n=3, points=3,
                rtol=1e-9, atol=1e-12, hint="rank all extensions by cumulative log-probability, keep "
                                            "beam_size - finished, return the finished sorted by score"),
        Compare(name="beam width 1 is greedy", cases=width_one, reference=BEAM, transform=pairs, n=2, points=1,
                rtol=1e-9, atol=1e-12),
        Compare(name="beam finds what greedy misses", cases=trap, reference=BEAM, transform=pairs, points=1,
                rtol=1e-9, atol=1e-12),
        Compare(name="finished hypotheses leave the beam", cases=many_finish, reference=BEAM, transform=pairs,
                n=3, points=2, hidden=True, rtol=1e-9, atol=1e-12,
                hint="a finished hypothesis takes one place of the beam for good: the next step keeps "
                     "beam_size - (number finished so far) extensions"),
        Compare(name="length normalisation", cases=alphas, reference=BEAM, transform=pairs, n=3, points=1,
                hidden=True, rtol=1e-9, atol=1e-12, hint="alpha = 0 is the plain log-probability"),
        Compare(name="tokens of probability 0", cases=zero_prob, reference=BEAM, transform=pairs, n=2, points=1,
                hidden=True, rtol=1e-9, atol=1e-12,
                hint="an extension with log-probability -inf is never kept, even when the beam has room"),
        Compare(name="ties", cases=ties, reference=BEAM, transform=pairs, points=1, hidden=True,
                rtol=1e-9, atol=1e-12,
                hint="sort the flattened (hypothesis, token) totals with a stable sort on -total"),
        Compare(name="larger model", cases=larger, reference=BEAM, transform=pairs, n=2, points=1, hidden=True,
                rtol=1e-9, atol=1e-12),
    ),
    hints=(
        Hint("greedy is right but beam search is not even at width 1: compare your beam of width 1 "
             "with your greedy step by step.", failed=("beam width 1 is greedy",), passed=("greedy",)),
    ),
)

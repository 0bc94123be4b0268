"""Grading spec of the GRU scan exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.grading.spec import CheckFailed, Compare, Exercise, Hint, Limits, Property, expect_array
from textbook.sequence import rnn
from textbook.sequence.rnn import numpy_impl as rnn_np

KEYS = {"W_ih": "weight_ih_l0", "W_hh": "weight_hh_l0", "b_ih": "bias_ih_l0", "b_hh": "bias_hh_l0"}


def reference_step(params, h, x_t, m_t):
    """The library's GRU cell on one step, with the mask of a padded batch."""
    new, _ = rnn_np.step("gru", params, x_t, {"h": h})
    m = np.asarray(m_t, dtype=bool)[:, None]
    return np.where(m, new["h"], h), np.where(m, new["h"], 0.0)


def reference_forward(params, x, h0, lengths):
    """The library's GRU layer (PyTorch's names) over a padded batch."""
    H3, I = params["W_ih"].shape
    config = rnn.Config(cell="gru", input_size=I, hidden_size=H3 // 3)
    outputs, final = rnn_np.forward({KEYS[k]: v for k, v in params.items()},
                                    {"x": x, "h0": h0[None], "lengths": lengths}, config)
    return outputs, final["h"][0]


def _params(rng, I, H, scale=0.6):
    return {"W_ih": rng.normal(0, scale, (3 * H, I)), "W_hh": rng.normal(0, scale, (3 * H, H)),
            "b_ih": rng.normal(0, scale, 3 * H), "b_hh": rng.normal(0, scale, 3 * H)}


def step_case(rng, masked=False):
    B, I, H = 4, 3, 5
    m = np.ones(B, dtype=bool)
    if masked:
        m[[1, 3]] = False
    return Case("gru_step", (_params(rng, I, H), rng.normal(0, 0.5, (B, H)), rng.normal(size=(B, I)), m),
                name="4 rows" + (", rows 1 and 3 padded" if masked else ""))


def step_masked(rng):
    return step_case(rng, masked=True)


def _forward_case(rng, B, T, I, H, lengths, scale=0.6, x_scale=1.0, name=""):
    return Case("gru_forward", (_params(rng, I, H, scale), rng.normal(0, x_scale, (B, T, I)),
                                rng.normal(0, 0.5, (B, H)), np.asarray(lengths, dtype=np.int64)), name=name)


def padded(rng):
    return _forward_case(rng, 3, 6, 3, 4, [6, 2, 4], name="lengths 6, 2, 4")


def zero_length(rng):
    return _forward_case(rng, 3, 4, 2, 3, [0, 4, 1], name="a sequence of length 0")


def longer(rng):
    return _forward_case(rng, 5, 25, 4, 8, rng.integers(1, 26, 5), name="T=25, random lengths")


def large(rng):
    return _forward_case(rng, 2, 5, 3, 4, [5, 3], scale=3.0, x_scale=10.0, name="large inputs and weights")


def padded_outputs_are_zero(case, out):
    x, lengths = case.args[1], case.args[3]
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise CheckFailed("gru_forward should return a pair (outputs, h_final)")
    outputs = expect_array(out[0], "outputs", shape=x.shape[:2] + (case.args[0]["W_hh"].shape[1],), kinds="f")
    for b, n in enumerate(lengths):
        if np.any(outputs[b, n:] != 0):
            raise CheckFailed(f"outputs[{b}, {n}:] should be exactly 0: sequence {b} has length {n}")


EXERCISE = Exercise(
    slug="gru-scan",
    title="The GRU over a padded batch, written as a scan",
    starter="gru_scan.py",
    functions=("gru_step", "gru_forward"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="one step", cases=step_case, reference=reference_step, points=2, rtol=1e-9, atol=1e-12,
                hint="gates in the order r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); "
                     "h' = (1 - z) n + z h"),
        Compare(name="one step, padded rows keep their state", cases=step_masked, reference=reference_step,
                points=1, rtol=1e-9, atol=1e-12, hint="where m_t is False: new carry = old h, output = 0"),
        Compare(name="outputs over a padded batch", cases=padded, reference=reference_forward, output=(0,),
                points=2, rtol=1e-9, atol=1e-12),
        Compare(name="final states", cases=padded, reference=reference_forward, output=(1,), points=1, rtol=1e-9,
                atol=1e-12, hint="the final carry is each sequence's state after its last real step"),
        Property(name="outputs are zero past each length", cases=padded, test=padded_outputs_are_zero, points=1,
                 requires=("outputs over a padded batch",)),
        Compare(name="a sequence of length 0", cases=zero_length, reference=reference_forward, points=1,
                hidden=True, rtol=1e-9, atol=1e-12, hint="length 0: the final state is h0 and every output is 0"),
        Compare(name="longer sequences", cases=longer, reference=reference_forward, points=1, hidden=True,
                rtol=1e-9, atol=1e-12),
        Compare(name="large inputs", cases=large, reference=reference_forward, points=1, hidden=True, rtol=1e-9,
                atol=1e-12, hint="compute sigmoid without overflow, e.g. exp(-logaddexp(0, -a))"),
    ),
    hints=(
        Hint("One step is right but the scan is not: carry the state from each step to the next, "
             "and take the mask column m[:, t] = t < lengths.",
             failed=("outputs over a padded batch",), passed=("one step", "one step, padded rows keep their state")),
        Hint("The unmasked step is wrong: check where the reset gate goes. PyTorch multiplies it with "
             "(W_hn h + b_hn), after the matrix product.", failed=("one step",)),
    ),
)

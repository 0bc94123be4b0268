"""Grading spec of the LSTM-cell backward exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.grading.spec import Compare, Exercise, GradCheck, Hint, Limits
from textbook.sequence.rnn import numpy_impl as rnn_np


def reference(params, batch):
    """One step of the library's LSTM cell (``step``) and its hand-written backward (``step_backward``)."""
    state = {"h": batch["h"], "c": batch["c"]}
    new, cache = rnn_np.step("lstm", params, batch["x"], state)
    loss = float(np.sum(new["h"] * batch["w_h"]) + np.sum(new["c"] * batch["w_c"]))
    dx, d_state, dw = rnn_np.step_backward("lstm", params, {"h": batch["w_h"], "c": batch["w_c"]}, cache)
    return loss, dw, {"x": dx, "h": d_state["h"], "c": d_state["c"]}


def _case(rng, B, I, H, scale=0.6, w_h=True, name=""):
    params = {"W_ih": rng.normal(0, scale, (4 * H, I)), "W_hh": rng.normal(0, scale, (4 * H, H)),
              "b_ih": rng.normal(0, scale, 4 * H), "b_hh": rng.normal(0, scale, 4 * H)}
    batch = {"x": rng.normal(size=(B, I)), "h": rng.normal(0, 0.5, (B, H)), "c": rng.normal(0, 1.0, (B, H)),
             "w_h": rng.normal(size=(B, H)) if w_h else np.zeros((B, H)), "w_c": rng.normal(size=(B, H))}
    return Case("lstm_step_loss_and_grad", (params, batch), name=name)


def small(rng):
    return _case(rng, 2, 3, 4, name="B=2, I=3, H=4")


def saturated(rng):
    return _case(rng, 3, 3, 4, scale=4.0, name="saturated gates")


def bigger(rng):
    return _case(rng, 8, 5, 16, name="B=8, I=5, H=16")


def cell_only(rng):
    return _case(rng, 2, 3, 4, w_h=False, name="loss on the cell state only")


EXERCISE = Exercise(
    slug="lstm-backward",
    title="The LSTM cell: one step forward and its backward pass",
    starter="lstm_backward.py",
    functions=("lstm_step_loss_and_grad",),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="loss", cases=small, reference=reference, output=(0,), points=1, rtol=1e-9,
                hint="gates in PyTorch's order i, f, g, o; c' = f c + i g; h' = o tanh(c')"),
        Compare(name="gradient of the old cell state", cases=small, reference=reference, output=(2, "c"), points=2,
                rtol=1e-7, atol=1e-10,
                hint="dc~ = w_c + w_h o (1 - tanh(c')^2), and the old cell state gets dc~ * f"),
        Compare(name="gradient of the old hidden state", cases=small, reference=reference, output=(2, "h"),
                points=1, rtol=1e-7, atol=1e-10, hint="dh = da W_hh with da the (B, 4H) gate pre-activation gradients"),
        Compare(name="gradient of the input", cases=small, reference=reference, output=(2, "x"), points=1,
                rtol=1e-7, atol=1e-10, hint="dx = da W_ih"),
        Compare(name="weight gradients", cases=small, reference=reference, output=(1,), points=2, rtol=1e-7,
                atol=1e-10, hint="dW_ih = da^T x, dW_hh = da^T h, db_ih = db_hh = sum over the batch of da"),
        GradCheck(name="gradient agrees with finite differences of your loss", cases=small, n=2,
                  reference=reference, points=1, requires=("loss",),
                  hint="your gradient is not the derivative of your own loss: the bug is in the backward pass"),
        Compare(name="saturated gates", cases=saturated, reference=reference, points=1, hidden=True, rtol=1e-7,
                atol=1e-10),
        Compare(name="larger batch and hidden size", cases=bigger, reference=reference, points=1, hidden=True,
                rtol=1e-7, atol=1e-10),
        Compare(name="loss on the cell state only", cases=cell_only, reference=reference, points=1, hidden=True,
                rtol=1e-7, atol=1e-10, hint="with w_h = 0 only the path through c' = f c + i g remains"),
    ),
    hints=(
        Hint("The weight gradients are right but the old cell state's is not: it is dc~ * f, where dc~ includes "
             "the gradient reaching c' through h' = o tanh(c').",
             failed=("gradient of the old cell state",), passed=("weight gradients",)),
        Hint("The cell state's gradient is right but the weights' are not: check the gate order (i, f, g, o) and "
             "the derivatives sigma (1 - sigma) for i, f, o and 1 - g^2 for g.",
             failed=("weight gradients",), passed=("gradient of the old cell state",)),
    ),
)

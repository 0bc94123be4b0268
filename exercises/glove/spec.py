"""Grading spec of the GloVe exercise (see README.md)."""

import numpy as np

from textbook.core.testing import Case
from textbook.embeddings.glove import Config
from textbook.grading.spec import Compare, Exercise, GradCheck, Hint, Limits

REFERENCE = "textbook.embeddings.glove.numpy_impl:loss_and_grad"
WEIGHTING = "textbook.embeddings.glove.numpy_impl:weighting"


def _biases(grads):
    return {"b": grads["b"], "b_tilde": grads["b_tilde"]}


def _vectors(grads):
    return {"W": grads["W"], "W_tilde": grads["W_tilde"]}


def _case(rng, V, d, B, distinct=None, high=200.0, x_max=None, name=""):
    config = Config(vocab_size=V, dim=d, x_max=float(x_max or rng.choice([10.0, 100.0])),
                    alpha=float(rng.choice([0.75, 0.5])))
    params = {"W": rng.normal(0.0, 0.5, (V, d)), "W_tilde": rng.normal(0.0, 0.5, (V, d)),
              "b": rng.normal(0.0, 0.5, V), "b_tilde": rng.normal(0.0, 0.5, V)}
    hi = distinct or V                        # few distinct ids: words repeated within the batch
    batch = {"rows": rng.integers(0, hi, B), "cols": rng.integers(0, hi, B),
             "counts": np.round(rng.uniform(0.2, high, B), 3)}
    return Case("loss_and_grad", (params, batch, config), name=name)


def small(rng):
    return _case(rng, V=int(rng.integers(6, 10)), d=3, B=5, name="V<=9, d=3, B=5")


def repeated(rng):
    return _case(rng, V=6, d=4, B=10, distinct=3, name="3 distinct words in 10 entries")


def above(rng):
    return _case(rng, V=8, d=3, B=6, high=5000.0, x_max=10.0, name="most counts above x_max = 10")


def bigger(rng):
    return _case(rng, V=50, d=10, B=64, name="V=50, d=10, B=64")


def weights(rng):
    x = np.round(rng.uniform(0.01, 300.0, int(rng.integers(5, 12))), 3)
    return Case("weighting", (x, float(rng.choice([10.0, 100.0])), float(rng.choice([0.75, 0.5, 1.0]))),
                name=f"{x.size} counts")


def weights_edges(rng):
    x_max = float(rng.choice([10.0, 100.0]))
    x = np.array([[0.0, 1e-12, x_max], [x_max * (1 + 1e-12), 3 * x_max, 1e9]])
    return Case("weighting", (x, x_max, float(rng.choice([0.75, 0.0, 1.0]))), name="0, x_max, above, a 2-D array")


EXERCISE = Exercise(
    slug="glove",
    title="GloVe: the weighting function and the gradient of the loss",
    starter="glove.py",
    functions=("weighting", "loss_and_grad"),
    version="1",
    limits=Limits(wall_seconds=30.0, memory_mb=2048),
    checks=(
        Compare(name="weighting", cases=weights, reference=WEIGHTING, points=1, rtol=1e-9, atol=1e-12,
                hint="f(x) = min(1, (x / x_max) ** alpha), elementwise"),
        Compare(name="loss", cases=small, reference=REFERENCE, output=(0,), points=2,
                hint="the loss is the MEAN over the batch of f(X) * (W[i].W_tilde[j] + b[i] + b_tilde[j] - log X)**2"),
        Compare(name="gradient dW and dW_tilde", cases=small, reference=REFERENCE, output=(1,), transform=_vectors,
                points=2, atol=1e-10,
                hint="row i of dW gets 2 f(X) e W_tilde[j] / B and row j of dW_tilde gets 2 f(X) e W[i] / B"),
        Compare(name="gradients db and db_tilde", cases=small, reference=REFERENCE, output=(1,), transform=_biases,
                points=1, atol=1e-10, hint="db[i] and db_tilde[j] both get 2 f(X) e / B"),
        GradCheck(name="gradient agrees with finite differences of your loss", cases=small, n=2,
                  reference=REFERENCE, points=1, requires=("loss",),
                  hint="your gradient is not the derivative of your own loss: the bug is in the backward pass"),
        Compare(name="weighting at 0, at x_max and above", cases=weights_edges, reference=WEIGHTING, points=1,
                hidden=True, rtol=1e-9, atol=1e-12,
                hint="f(0) = 0 (for alpha > 0), f(x_max) = 1, and f stays 1 above x_max; keep the input's shape"),
        Compare(name="repeated words", cases=repeated, reference=REFERENCE, points=2, hidden=True, atol=1e-10,
                hint="a word used in several entries gets the sum of their gradients: np.add.at(dW, rows, ...) "
                     "(dW[rows] += ... keeps only one of them)"),
        Compare(name="counts above x_max", cases=above, reference=REFERENCE, points=1, hidden=True, atol=1e-10,
                hint="f is capped at 1: min(1, (x / x_max) ** alpha)"),
        Compare(name="larger batch", cases=bigger, reference=REFERENCE, points=1, hidden=True, n=2, atol=1e-10),
    ),
    hints=(
        Hint("the loss is right but the vector gradients are not: d/dW[i] of W[i].W_tilde[j] is W_tilde[j] "
             "(the OTHER table's row), and the factor is 2 f(X) e / B.",
             failed=("gradient dW and dW_tilde",), passed=("loss",)),
        Hint("the gradients are right but the loss is not: check the mean over the batch, the log of the "
             "count and the weighting.", failed=("loss",),
             passed=("gradient dW and dW_tilde", "gradients db and db_tilde")),
    ),
)

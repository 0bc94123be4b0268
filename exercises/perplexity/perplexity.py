"""Exercise perplexity: cross-entropy and perplexity of a language model's predictions.

Fill in ``cross_entropy`` and ``perplexity``. Use NumPy only: your file is graded on its own,
without the ``textbook`` package. Check your work with ``textbook check perplexity.py``.
"""

import numpy as np


def cross_entropy(logits, targets, mask):
    """Mean cross-entropy, in nats per token, over the real tokens of a padded batch.

    Args:
        logits: ``(B, T, V)`` unnormalised scores of the next token (may be as large as 1e4).
        targets: ``(B, T)`` int, the true next tokens.
        mask: ``(B, T)`` bool, True at real tokens, False at padding (ignore those entirely).

    Returns:
        A float: ``mean over real (b, t) of -log softmax(logits[b, t])[targets[b, t]]``.
    """
    raise NotImplementedError("cross_entropy: a stable log-softmax, pick the targets, average over the mask")


def perplexity(logits, targets, mask):
    """The perplexity ``exp(cross_entropy(logits, targets, mask))``, a float."""
    raise NotImplementedError("perplexity: the exponential of the mean cross-entropy")

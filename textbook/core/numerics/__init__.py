"""Stable numerics, written once per backend with the same names.

``log_sigmoid(x) = -log(1 + e^{-x})``, ``logsumexp``, ``log_softmax``,
``softmax`` and ``softmax_cross_entropy`` stay finite for logits of +-1e4.
Use ``textbook.core.backend(name)`` to get one of the two modules.
"""

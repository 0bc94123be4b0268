"""Embeddings and sequence models, each written twice behind one interface.

Every algorithm package (``textbook.embeddings.word2vec``, ...) exposes a
frozen ``Config``, ``init(config, seed) -> params`` (NumPy, seeded) and
``backend(name)``, which returns the implementation module: ``"numpy"`` for
readable code with hand-derived gradients, ``"jax"`` for jitted code whose
gradients come from ``jax.value_and_grad``.
"""

__version__ = "0.1.0"

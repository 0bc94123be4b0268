"""Backend-neutral corpus tools (NumPy only).

From raw text to word2vec batches:

```python
from textbook.data import (NoiseSampler, Vocab, keep_probabilities, sentences,
                           word2vec_batches)

sents = sentences(text)                         # list[list[str]]
vocab = Vocab.build(sents, min_count=5)         # ids by descending count
corpus = vocab.encode_corpus(sents)             # list[(n,) int64]
rng = np.random.default_rng(0)
for batch in word2vec_batches(corpus, model="skipgram", window=5, batch_size=512,
                              negatives=5, noise=NoiseSampler(vocab.counts),
                              keep_prob=keep_probabilities(vocab.counts, 1e-3), rng=rng):
    ...                                         # {"center", "context", "negatives"}
```
"""

from textbook.data._validate import check_corpus
from textbook.data.batches import MODELS, Word2VecBatches, count_pairs, word2vec_batches
from textbook.data.sampling import NoiseSampler, keep_probabilities, noise_distribution, subsample
from textbook.data.text import sentences, tokenize
from textbook.data.vocab import Vocab
from textbook.data.windows import cbow_windows, context_matrix, offsets, skipgram_pairs

__all__ = [
    "MODELS",
    "NoiseSampler",
    "Vocab",
    "Word2VecBatches",
    "cbow_windows",
    "check_corpus",
    "context_matrix",
    "count_pairs",
    "keep_probabilities",
    "noise_distribution",
    "offsets",
    "sentences",
    "skipgram_pairs",
    "subsample",
    "tokenize",
    "word2vec_batches",
]

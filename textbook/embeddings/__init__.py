"""Static embeddings: Word2Vec, the PMI view, GloVe, FastText, and their evaluation."""

"""Static word embeddings: Word2Vec, the PMI view, and their evaluation."""

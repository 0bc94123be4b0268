"""Evaluating word vectors: neighbours, analogies, similarity benchmarks, plots.

* `cosine_similarity`, `nearest_neighbours`
* `analogy` (3CosAdd, 3CosMul), `read_analogies`, `evaluate_analogies` (Google set)
* `read_similarity`, `evaluate_similarity` (WordSim-353, SimLex-999), `spearman`
* `benchmark_path` for the real benchmark files shipped in gensim's wheel
* `pca`, `plot_words`, and `report_table` for CLI and docs
* `compare_models` (with `train_models`, `score_vectors`): Word2Vec, GloVe, FastText and
  PPMI-SVD trained on one corpus and scored side by side

The benchmark conventions follow gensim's ``evaluate_word_analogies`` and
``evaluate_word_pairs`` (questions with an out-of-vocabulary word are skipped
and counted; words match up to case by default; ``restrict_vocab``), so the
numbers can be compared with gensim's.
"""

from textbook.embeddings.evaluation.analogies import (
    METHODS,
    AnalogyReport,
    analogy,
    analogy_scores,
    evaluate_analogies,
    read_analogies,
)
from textbook.embeddings.evaluation.benchmarks import BENCHMARKS, benchmark_path
from textbook.embeddings.evaluation.compare import MODEL_NAMES, compare_models, score_vectors, train_models
from textbook.embeddings.evaluation.plots import pca, plot_words
from textbook.embeddings.evaluation.similarity import cosine_similarity, nearest_neighbours, unit_rows
from textbook.embeddings.evaluation.tables import report_table
from textbook.embeddings.evaluation.wordsim import (
    SimilarityReport,
    evaluate_similarity,
    pearson,
    rankdata,
    read_similarity,
    spearman,
)

__all__ = [
    "METHODS",
    "BENCHMARKS",
    "MODEL_NAMES",
    "AnalogyReport",
    "SimilarityReport",
    "analogy",
    "analogy_scores",
    "benchmark_path",
    "compare_models",
    "cosine_similarity",
    "evaluate_analogies",
    "evaluate_similarity",
    "nearest_neighbours",
    "pca",
    "pearson",
    "plot_words",
    "rankdata",
    "read_analogies",
    "read_similarity",
    "report_table",
    "score_vectors",
    "spearman",
    "train_models",
    "unit_rows",
]

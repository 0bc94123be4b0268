"""Comparing the embedding models on one corpus: ``evaluation.compare_models`` and the benchmark script."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from textbook.data.demo import demo_path, load_demo_corpus
from textbook.embeddings import evaluation
from textbook.embeddings.vectors import Vectors

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sentences():
    return load_demo_corpus()


def test_score_vectors_reports_each_benchmark_with_its_oov_share(tmp_path):
    analogies = tmp_path / "a.txt"
    analogies.write_text(": s\nman king woman queen\nman king woman unicorn\n", encoding="utf-8")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("king\tqueen\t9\nman\twoman\t8\nking\tman\t3\nking\tunicorn\t1\n", encoding="utf-8")
    vecs = Vectors(["man", "king", "woman", "queen"], np.array([[1.0, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1]]))
    row = evaluation.score_vectors(vecs, [analogies], [pairs])
    assert list(row) == ["p rho", "p OOV", "a acc", "a OOV"]
    assert row["a acc"] == 1.0 and row["a OOV"] == 0.5           # one question skipped: "unicorn"
    assert row["p OOV"] == 0.25 and -1.0 <= row["p rho"] <= 1.0


def test_compare_models_gives_one_row_per_model_on_one_vocabulary(sentences):
    rows = evaluation.compare_models(sentences, analogies=[demo_path("demo_analogies.txt")],
                                     similarity=[demo_path("demo_similarity.tsv")], models="glove,ppmi-svd",
                                     dim=8, epochs=2, min_count=2, backend="numpy")
    assert [r["model"] for r in rows] == ["GloVe", "PPMI-SVD"]
    for r in rows:
        assert set(r) == {"model", "train s", "demo_similarity rho", "demo_similarity OOV", "demo_analogies acc",
                          "demo_analogies OOV"}
        assert r["train s"] > 0 and r["demo_analogies OOV"] == 0.0 and r["demo_similarity OOV"] == 0.0
        assert 0.0 <= r["demo_analogies acc"] <= 1.0 and not math.isnan(r["demo_similarity rho"])
    table = evaluation.report_table(rows)
    assert "| GloVe" in table and "| PPMI-SVD" in table


@pytest.mark.slow
def test_every_model_trains_on_the_same_vocabulary(sentences):
    from textbook.data import Vocab

    few = sentences[:200]
    vocab = Vocab.build(few)
    trained = evaluation.train_models(few, vocab, dim=6, epochs=1, backend="numpy",
                                      options={"fasttext": {"bucket": 1024}})
    assert list(trained) == ["word2vec", "glove", "fasttext", "ppmi-svd"]
    for key, (vecs, seconds) in trained.items():
        assert vecs.words == vocab.words and vecs.dim == 6 and np.all(np.isfinite(vecs.matrix)), key
        assert seconds > 0


def test_compare_models_rejects_bad_requests(sentences):
    with pytest.raises(ValueError, match="models must be"):
        evaluation.compare_models(sentences, similarity=[demo_path("demo_similarity.tsv")], models=["bert"])
    with pytest.raises(ValueError, match="nothing to evaluate"):
        evaluation.compare_models(sentences, models=["ppmi-svd"])
    with pytest.raises(ValueError, match="settings"):
        evaluation.train_models(sentences, None, ["ppmi-svd"], settings="tuned")


def _benchmark_module():
    spec = importlib.util.spec_from_file_location("embeddings_quality", ROOT / "benchmarks" / "embeddings_quality.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_script_prints_one_table(capsys):
    bench = _benchmark_module()
    rows = bench.main(["--corpus", "demo", "--models", "ppmi-svd,glove", "--epochs", "1", "--dim", "8",
                       "--no-gensim", "--quiet", "--backend", "numpy"])
    out = capsys.readouterr().out
    assert [r["model"] for r in rows] == ["PPMI-SVD", "GloVe (numpy)"]
    assert out.count("\n") == 4 and "train s" in out            # header, rule, two rows
    assert all("train s" in r and r["cpu s"] > 0 for r in rows)


@pytest.mark.slow
def test_benchmark_script_trains_gensim_with_the_same_settings(capsys):
    pytest.importorskip("gensim", reason="gensim's models are the comparison (pip install -e '.[oracles]')")
    bench = _benchmark_module()
    rows = bench.main(["--corpus", "demo", "--models", "ppmi-svd,word2vec,fasttext", "--word2vec", "skipgram,cbow",
                       "--epochs", "1", "--dim", "8", "--quiet", "--bucket", "2000", "--workers", "1",
                       "--backend", "numpy"])
    names = [r["model"] for r in rows]
    assert names == ["PPMI-SVD", "Word2Vec (SGNS) (numpy)", "Word2Vec CBOW (numpy)", "FastText (numpy)",
                     "gensim Word2Vec (SGNS)", "gensim Word2Vec CBOW", "gensim FastText"]
    # the real benchmarks (gensim's copies): most of their words are not in the demo corpus
    assert {"wordsim353 rho", "simlex999 rho", "questions-words acc"} <= set(rows[0])
    assert all(r["questions-words OOV"] > 0.9 for r in rows)

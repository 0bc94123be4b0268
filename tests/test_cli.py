"""The ``textbook`` command: help everywhere, train and evaluate end to end, clear errors."""

import subprocess
import sys

import numpy as np
import pytest

from textbook.cli import build_parser, main
from textbook.embeddings.vectors import Vectors


def _subcommand_paths(parser, prefix=()):
    """Every subcommand path of the parser, e.g. ("train", "word2vec")."""
    for action in parser._actions:
        if getattr(action, "choices", None) and hasattr(action, "_name_parser_map"):
            for name, sub in action._name_parser_map.items():
                yield prefix + (name,)
                yield from _subcommand_paths(sub, prefix + (name,))


def test_every_subcommand_has_help(capsys):
    paths = list(_subcommand_paths(build_parser()))
    assert ("train", "word2vec") in paths and ("evaluate",) in paths and ("serve",) in paths
    for path in [()] + paths:
        with pytest.raises(SystemExit) as exit_:
            main([*path, "--help"])
        assert exit_.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: textbook"), path


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "textbook.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "train" in out.stdout


@pytest.mark.parametrize("binary", [False, True])
def test_train_then_evaluate_on_the_demo(tmp_path, capsys, binary):
    out = tmp_path / ("v.bin" if binary else "v.txt")
    params = tmp_path / "p.npz"
    argv = ["train", "word2vec", "--demo", "--epochs", "1", "--dim", "8", "--quiet",
            "--out", str(out), "--params", str(params)] + (["--binary"] if binary else [])
    assert main(argv) == 0
    vecs = Vectors.load_word2vec(out)
    assert vecs.dim == 8 and "king" in vecs and np.isfinite(vecs.matrix).all()
    assert params.is_file()
    capsys.readouterr()
    assert main(["evaluate", str(out), "--demo"]) == 0
    table = capsys.readouterr().out
    assert "demo_analogies.txt" in table and "demo_similarity.tsv" in table


@pytest.mark.parametrize("pipeline", ["host", "device"])
def test_jax_trains_with_either_pipeline(tmp_path, pipeline):
    out = tmp_path / "v.txt"
    assert main(["train", "word2vec", "--demo", "--backend", "jax", "--pipeline", pipeline, "--epochs", "1",
                 "--dim", "8", "--quiet", "--out", str(out)]) == 0
    vecs = Vectors.load_word2vec(out)
    assert vecs.dim == 8 and np.isfinite(vecs.matrix).all() and np.abs(vecs.matrix).max() > 0


@pytest.mark.parametrize("model", ["word2vec", "fasttext"])
def test_numpy_trains_in_float32_when_asked(tmp_path, monkeypatch, model):
    from textbook.embeddings import fasttext, word2vec

    package = {"word2vec": word2vec, "fasttext": fasttext}[model]
    seen, train = [], package.train

    def spy(*args, **kwargs):
        seen.append(kwargs["dtype"])
        return train(*args, **kwargs)

    monkeypatch.setattr(package, "train", spy)
    for dtype in (["--dtype", "float32"], []):
        assert main(["train", model, "--demo", "--epochs", "1", "--dim", "8", "--quiet",
                     "--out", str(tmp_path / f"{len(dtype)}.txt"), *dtype]) == 0
    assert seen == ["float32", None]
    a, b = (Vectors.load_word2vec(tmp_path / f"{n}.txt").matrix for n in (2, 0))
    np.testing.assert_allclose(a, b, atol=1e-3)                   # the same run, rounded differently


def test_cbow_trains_with_the_c_tools_update(tmp_path):
    from textbook.embeddings import word2vec

    out, params = tmp_path / "v.txt", tmp_path / "p.npz"
    assert main(["train", "word2vec", "--demo", "--model", "cbow", "--cbow-update", "full", "--epochs", "1",
                 "--dim", "8", "--quiet", "--out", str(out), "--params", str(params)]) == 0
    _, config = word2vec.load_params(params)
    assert config.model == "cbow" and config.cbow_update == "full"
    assert np.isfinite(Vectors.load_word2vec(out).matrix).all()


def test_train_on_a_corpus_file(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat\nthe dog sat on the log\n" * 20, encoding="utf-8")
    out = tmp_path / "v.txt"
    code = main(["train", "word2vec", "--corpus", str(corpus), "--model", "cbow", "--dim", "4",
                 "--epochs", "1", "--quiet", "--out", str(out)])
    assert code == 0 and len(Vectors.load_word2vec(out)) == 7   # the cat sat on mat dog log


@pytest.mark.parametrize("argv, message", [
    (["train", "word2vec", "--quiet"], "exactly one of --corpus FILE or --demo"),
    (["train", "word2vec", "--corpus", "/nonexistent/c.txt"], "no such file"),
    (["train", "word2vec", "--demo", "--dim", "0", "--quiet"], "dim"),
    (["train", "word2vec", "--demo", "--backend", "numpy", "--pipeline", "device", "--quiet"], "pipeline='device'"),
    (["evaluate", "/nonexistent/v.txt"], "no such file"),
])
def test_clear_errors(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_corpus_and_demo_are_exclusive(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "word2vec", "--demo", "--corpus", "x.txt"])
    assert exit_.value.code == 2
    assert "not allowed with" in capsys.readouterr().err

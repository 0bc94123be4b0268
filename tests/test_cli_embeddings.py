"""The embedding commands: ``train glove``, ``train fasttext``, ``vectors`` and ``evaluate --compare``.

The commands are registered the way ``textbook.cli`` registers every package's commands
(``register_train(models)``, ``register(sub)``, and ``extend_evaluate`` on the evaluate parser):
`_parser` builds the real ``textbook`` parser and adds them, so these tests run before and after
they are wired into ``textbook/cli.py``.
"""

from __future__ import annotations

import argparse
import importlib

import numpy as np
import pytest

import textbook.cli as cli
from textbook.embeddings.vectors import Vectors

TRAINERS = ("textbook.embeddings.glove.cli", "textbook.embeddings.fasttext.cli")
COMMANDS = ("textbook.embeddings.cli",)
BUILD_PARSER = cli.build_parser


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _parser() -> argparse.ArgumentParser:
    """The ``textbook`` parser with the embedding commands, whether or not cli.py lists them yet."""
    parser = BUILD_PARSER()
    sub = _subparsers(parser)
    models = _subparsers(sub.choices["train"])
    for module in TRAINERS:
        if module.rsplit(".", 2)[-2] not in models.choices:
            importlib.import_module(module).register_train(models)
    if "vectors" not in sub.choices:
        importlib.import_module("textbook.embeddings.cli").register(sub)
    ev = sub.choices["evaluate"]
    if not any(a.dest == "compare" for a in ev._actions):
        for action in ev._actions:                                 # VECTORS optional, as --compare needs
            if action.dest == "vectors":
                action.nargs, action.required, action.default = "?", False, None
        importlib.import_module("textbook.embeddings.cli").extend_evaluate(ev)
    return parser


@pytest.fixture(autouse=True)
def wired(monkeypatch):
    monkeypatch.setattr(cli, "build_parser", _parser)


def test_every_new_command_has_help(capsys):
    for path in (["train", "glove"], ["train", "fasttext"], ["vectors"], ["evaluate"]):
        with pytest.raises(SystemExit) as exit_:
            cli.main([*path, "--help"])
        assert exit_.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: textbook")
    with pytest.raises(SystemExit):
        cli.main(["evaluate", "--help"])
    assert "--compare" in capsys.readouterr().out


def test_choices_are_the_library_constants():
    """The CLI lists its choices as literals (it imports the library lazily); they must not drift from it."""
    from textbook.core.backend import BACKENDS
    from textbook.embeddings import word2vec
    from textbook.embeddings._sgd import DTYPES, PIPELINES

    models = _subparsers(_subparsers(cli.build_parser()).choices["train"]).choices
    expected = {"pipeline": PIPELINES, "dtype": DTYPES, "backend": BACKENDS, "model": word2vec.MODELS,
                "objective": word2vec.OBJECTIVES, "cbow_update": word2vec.CBOW_UPDATES}
    checked = set()
    for name in ("word2vec", "fasttext", "glove"):
        for action in models[name]._actions:
            if action.dest in expected and action.choices is not None:
                assert tuple(action.choices) == expected[action.dest], (name, action.dest)
                checked.add(action.dest)
    assert checked == set(expected)                                # every constant was found somewhere


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_train_glove_on_the_demo(tmp_path, capsys, backend):
    from textbook.embeddings import glove

    out, params = tmp_path / "glove.txt", tmp_path / "glove.npz"
    assert cli.main(["train", "glove", "--demo", "--backend", backend, "--epochs", "2", "--dim", "8", "--quiet",
                     "--out", str(out), "--params", str(params)]) == 0
    vecs = Vectors.load_word2vec(out)
    assert vecs.dim == 8 and "king" in vecs and np.isfinite(vecs.matrix).all()
    p, config = glove.load_params(params)
    assert config.dim == 8 and config.x_max == glove.DEMO_SETTINGS["x_max"]
    np.testing.assert_allclose(vecs.matrix, p["W"] + p["W_tilde"], rtol=1e-6, atol=1e-7)   # text format rounds
    assert "non-zero entries" in capsys.readouterr().err


def test_train_fasttext_then_look_up_unseen_words(tmp_path, capsys):
    out, model = tmp_path / "ft.txt", tmp_path / "ft.npz"
    assert cli.main(["train", "fasttext", "--demo", "--epochs", "2", "--dim", "8", "--bucket", "4096",
                     "--min-n", "4", "--max-n", "5", "--quiet", "--out", str(out), "--params", str(model)]) == 0
    vecs = Vectors.load_word2vec(out)
    assert vecs.dim == 8 and "walked" in vecs and "walks" not in vecs
    capsys.readouterr()

    assert cli.main(["vectors", "walks", "king", "--model", str(model), "--topn", "3"]) == 0
    text = capsys.readouterr().out
    assert "walks (out of vocabulary: mean of its" in text and "king (in the vocabulary)" in text
    assert len([line for line in text.splitlines() if line.startswith("  ")]) == 6

    # "q" is unseen and "<q>" has no n-gram of 4..5 characters: a clear refusal, exit status 1
    assert cli.main(["vectors", "q", "king", "--model", str(model), "--vectors", str(out)]) == 1
    captured = capsys.readouterr()
    assert "q: no vector" in captured.err and "no character n-gram of 4..5" in captured.err
    assert "king (in the vocabulary)" in captured.out

    # plain vectors: an unseen word cannot be answered without the model
    assert cli.main(["vectors", "walks", "--vectors", str(out)]) == 1
    assert "--model" in capsys.readouterr().err


def test_vectors_errors(tmp_path, capsys):
    assert cli.main(["vectors", "king"]) == 2
    assert "--vectors FILE" in capsys.readouterr().err
    assert cli.main(["vectors", "king", "--vectors", str(tmp_path / "none.txt")]) == 2
    assert "no such file" in capsys.readouterr().err
    from textbook.embeddings import glove

    config = glove.Config(vocab_size=3, dim=2)
    glove.save_params(tmp_path / "g.npz", glove.init(config), config)
    assert cli.main(["vectors", "king", "--model", str(tmp_path / "g.npz")]) == 2
    assert "not fasttext" in capsys.readouterr().err


def test_evaluate_compare_on_the_demo(capsys):
    assert cli.main(["evaluate", "--compare", "--demo", "--models", "glove,fasttext,ppmi-svd", "--epochs", "1",
                     "--dim", "8", "--quiet", "--backend", "numpy", "--min-count", "2"]) == 0
    table = capsys.readouterr().out
    for needle in ("GloVe", "FastText", "PPMI-SVD", "demo_similarity rho", "demo_analogies acc",
                   "demo_analogies OOV"):
        assert needle in table
    assert len(table.strip().splitlines()) == 5                  # header, rule, three models


def test_evaluate_keeps_its_vectors_mode_and_checks_the_mix(tmp_path, capsys):
    vecs = Vectors(["king", "queen", "man"], np.eye(3))
    path = tmp_path / "v.txt"
    vecs.save_word2vec(path)
    assert cli.main(["evaluate", str(path), "--demo"]) == 0
    assert "demo_analogies.txt" in capsys.readouterr().out
    assert cli.main(["evaluate"]) == 2
    assert "--compare" in capsys.readouterr().err
    assert cli.main(["evaluate", "--corpus", str(path)]) == 2
    assert cli.main(["evaluate", str(path), "--compare", "--demo"]) == 2
    assert cli.main(["evaluate", "--compare", "--demo", "--models", "elmo"]) == 2
    assert "models must be" in capsys.readouterr().err

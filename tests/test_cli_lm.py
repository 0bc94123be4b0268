"""``textbook train lm`` and ``textbook generate``, through their register functions on a fresh parser."""

from __future__ import annotations

import argparse

import pytest

from textbook.sequence import language_model as lm
from textbook.sequence.language_model import cli


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="textbook")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train")
    cli.register_train(train.add_subparsers(dest="model_name", required=True))
    cli.register(sub)
    return parser


def _run(*argv: str) -> int:
    args = _parser().parse_args(list(argv))
    return args.func(args)


def test_help_of_both_commands(capsys):
    for argv in (["train", "lm", "--help"], ["generate", "--help"]):
        with pytest.raises(SystemExit) as exit_:
            _parser().parse_args(argv)
        assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "--temperature" in out and "--level" in out and "--cell" in out


def test_train_on_the_demo_then_generate(tmp_path, capsys):
    out = tmp_path / "lm.npz"
    assert _run("train", "lm", "--demo", "--epochs", "2", "--hidden-size", "16", "--quiet", "--out", str(out),
                "--sample", "30") == 0
    printed = capsys.readouterr().out
    assert "valid perplexity" in printed and "unigram baseline" in printed and "tokens/sec" in printed
    ck = lm.load_checkpoint(out)
    assert ck["level"] == "char" and ck["config"].hidden_size == 16 and ck["config"].epochs == 2
    assert ck["meta"]["valid_perplexity"] > 1

    assert _run("generate", str(out), "--prompt", "The sea", "--length", "40", "--seed", "1") == 0
    first = capsys.readouterr().out
    assert first.startswith("The sea") and len(first.rstrip("\n")) >= len("The sea")
    assert _run("generate", str(out), "--prompt", "The sea", "--length", "40", "--seed", "1") == 0
    assert capsys.readouterr().out == first                      # seeded
    assert _run("generate", str(out), "--prompt", "The", "--temperature", "0", "--length", "10") == 0


def test_word_level_on_a_text_file(tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text("the cat sat on the mat\nthe dog sat on the log\n" * 30, encoding="utf-8")
    out = tmp_path / "w.npz"
    assert _run("train", "lm", "--text", str(text), "--level", "word", "--cell", "gru", "--epochs", "1",
                "--hidden-size", "8", "--embedding-dim", "4", "--seq-len", "8", "--batch-size", "4", "--quiet",
                "--out", str(out), "--sample", "0", "--save-every", "1") == 0
    assert lm.load_checkpoint(out)["config"].cell == "gru"
    capsys.readouterr()
    assert _run("generate", str(out), "--prompt", "the cat", "--length", "5", "--top-k", "2") == 0
    assert capsys.readouterr().out.startswith("the cat")


def test_user_errors(tmp_path):
    with pytest.raises(ValueError, match="exactly one"):
        _run("train", "lm", "--quiet")
    with pytest.raises(FileNotFoundError, match="--text"):
        _run("train", "lm", "--text", str(tmp_path / "missing.txt"))
    with pytest.raises(FileNotFoundError, match="CHECKPOINT"):
        _run("generate", str(tmp_path / "missing.npz"))
    bad = tmp_path / "bad.npz"
    import numpy as np

    np.savez(bad, x=np.zeros(2))
    with pytest.raises(ValueError, match="not a language-model checkpoint"):
        _run("generate", str(bad))

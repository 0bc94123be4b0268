"""The seq2seq commands: ``textbook train seq2seq`` and ``textbook decode``, on a fresh parser."""

from __future__ import annotations

import argparse

import pytest

from textbook.sequence.seq2seq import cli


def _parser():
    parser = argparse.ArgumentParser(prog="textbook")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train")
    cli.register_train(train.add_subparsers(dest="model", required=True))
    cli.register(sub)
    return parser


def _run(argv):
    args = _parser().parse_args(argv)
    return args.func(args)


@pytest.mark.parametrize("backend,attention,cell,task,extra", [
    ("numpy", "luong-general", "gru", "dates", ["--input-feeding", "--bidirectional", "--reverse-source"]),
    ("jax", "bahdanau", "lstm", "reverse", [])])
def test_train_then_decode(tmp_path, capsys, backend, attention, cell, task, extra):
    ckpt = tmp_path / "m.npz"
    assert _run(["train", "seq2seq", "--task", task, "--attention", attention, "--cell", cell, "--backend", backend,
                 "--epochs", "1", "--n-train", "64", "--n-test", "8", "--hidden-size", "8", "--embed-size", "4",
                 "--batch-size", "32", "--out", str(ckpt), "--quiet", *extra]) == 0
    out = capsys.readouterr().out
    assert "held-out exact match" in out and ckpt.is_file()
    source = "1999-12-31" if task == "dates" else "12345"
    assert _run(["decode", str(ckpt), "--beam", "3", "--alpha", "0.7", "--backend", backend, source]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert 1 <= len(lines) <= 3
    scores = [float(line.split()[0]) for line in lines]
    assert scores == sorted(scores, reverse=True)                 # best first
    assert _run(["decode", str(ckpt), "--beam", "1", source]) == 0   # greedy: one hypothesis
    assert len(capsys.readouterr().out.strip().splitlines()) == 1


def test_user_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="CHECKPOINT"):
        _run(["decode", str(tmp_path / "missing.npz"), "123"])
    with pytest.raises(SystemExit):
        _run(["train", "seq2seq", "--attention", "luong"])
    ckpt = tmp_path / "m.npz"
    _run(["train", "seq2seq", "--epochs", "1", "--n-train", "64", "--n-test", "4", "--hidden-size", "4",
          "--embed-size", "2", "--batch-size", "64", "--out", str(ckpt), "--quiet"])
    with pytest.raises(ValueError, match="vocabulary"):
        _run(["decode", str(ckpt), "12x"])
    with pytest.raises(ValueError, match="--beam"):
        _run(["decode", str(ckpt), "--beam", "0", "12"])

"""``textbook train textcnn``: the demo and a data file end to end, clear errors, help."""

from __future__ import annotations

import argparse

import pytest

from textbook.sequence import textcnn
from textbook.sequence.textcnn.cli import register_train


def _main(argv: list[str]) -> int:
    """Parse like ``textbook`` does (train -> model), then run; user errors return 2 as main() does."""
    parser = argparse.ArgumentParser(prog="textbook")
    sub = parser.add_subparsers(dest="command", required=True)
    models = sub.add_parser("train").add_subparsers(dest="model_name", required=True)
    register_train(models)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}")
        return 2


def test_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        _main(["train", "textcnn", "--help"])
    assert exit_.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--data FILE" in out and "--demo" in out and "__label__x text" in out


@pytest.mark.slow
def test_train_on_the_demo_and_save(tmp_path, capsys):
    out = tmp_path / "model.npz"
    assert _main(["train", "textcnn", "--demo", "--epochs", "3", "--quiet", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "held-out accuracy: 0." in text and "training accuracy:" in text
    model = textcnn.load_params(out)
    assert model.config.widths == (2, 3, 4) and model.config.epochs == 3      # demo settings, one override


def test_train_on_a_file_in_both_formats(tmp_path, capsys):
    data = tmp_path / "d.txt"
    lines = [f"good\tthis is fine {i}" for i in range(10)] + [f"__label__bad this is awful {i}" for i in range(10)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = _main(["train", "textcnn", "--data", str(data), "--epochs", "2", "--dim", "8", "--filters", "4",
                  "--widths", "1,2", "--batch-size", "4", "--test-share", "0.2", "--quiet", "--backend", "jax"])
    assert code == 0
    text = capsys.readouterr().out
    assert "held-out accuracy" in text


def test_user_errors(tmp_path, capsys):
    assert _main(["train", "textcnn", "--data", str(tmp_path / "missing.txt"), "--quiet"]) == 2
    assert "no such file" in capsys.readouterr().out
    assert _main(["train", "textcnn", "--quiet"]) == 2
    assert "exactly one of --data FILE or --demo" in capsys.readouterr().out
    bad = tmp_path / "bad.txt"
    bad.write_text("no label here\n", encoding="utf-8")
    assert _main(["train", "textcnn", "--data", str(bad), "--quiet"]) == 2
    assert "line 1: expected 'label<TAB>text'" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        _main(["train", "textcnn", "--demo", "--widths", "a,b"])

"""The ``textbook`` command: train, evaluate, and open the book.

Every subcommand has ``--help``.  Heavy modules (JAX, matplotlib, MkDocs) are
imported only by the subcommand that needs them, so ``textbook --help`` is
instant.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

# Each package adds its own subcommands: ``register_train(models)`` adds a model to
# ``textbook train``, ``register(sub)`` adds top-level commands.
TRAINERS: tuple[str, ...] = (
    "textbook.embeddings.word2vec.cli",
    "textbook.embeddings.glove.cli",
    "textbook.embeddings.fasttext.cli",
    "textbook.sequence.language_model.cli",
    "textbook.sequence.textcnn.cli",
    "textbook.sequence.seq2seq.cli",
)
COMMANDS: tuple[str, ...] = (
    "textbook.embeddings.cli",          # vectors (nearest neighbours)
    "textbook.sequence.language_model.cli",  # generate
    "textbook.sequence.seq2seq.cli",    # decode
    "textbook.grading.cli",             # exercises, check, grade, gradescope-bundle
)

# ----------------------------------------------------------------------------- helpers


class CLIError(Exception):
    """An error the user can fix; printed without a traceback."""


def _repo_root() -> Path:
    """The checkout that holds ``mkdocs.yml`` (the book is built from a source checkout)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here, Path.cwd()):
        if (candidate / "mkdocs.yml").is_file():
            return candidate
    raise CLIError(
        "mkdocs.yml not found: the book is built from a source checkout. "
        "Run this command from the repository root (where mkdocs.yml is)."
    )


# ----------------------------------------------------------------------------- evaluate


def _benchmark_or_none(name: str) -> Path | None:
    from textbook.embeddings.evaluation import benchmark_path

    try:
        return Path(benchmark_path(name))
    except FileNotFoundError as err:
        print(f"note: {err}", file=sys.stderr)
        return None


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from textbook.embeddings import evaluation
    from textbook.embeddings.vectors import Vectors

    path = Path(args.vectors)
    if not path.is_file():
        raise CLIError(f"VECTORS: no such file: {path}")
    vecs = Vectors.load_word2vec(path, binary=args.binary)
    if args.demo:
        from textbook.data.demo import demo_path

        analogies = [demo_path("demo_analogies.txt")]
        similarity = [demo_path("demo_similarity.tsv")]
    else:
        analogies = [Path(p) for p in args.analogies] if args.analogies else \
            [p for p in [_benchmark_or_none("analogies")] if p]
        similarity = [Path(p) for p in args.similarity] if args.similarity else \
            [p for p in (_benchmark_or_none("wordsim353"), _benchmark_or_none("simlex999")) if p]
    if not analogies and not similarity:
        raise CLIError("nothing to evaluate on: pass --analogies/--similarity files, --demo, "
                       "or install gensim for the real benchmarks")
    rows = []
    for p in similarity:
        rep = evaluation.evaluate_similarity(vecs, p, name=p.name)
        rows.append({"benchmark": p.name, "metric": "Spearman", "score": rep.spearman,
                     "items": rep.pairs, "oov_share": rep.oov_share})
    for p in analogies:
        rep = evaluation.evaluate_analogies(vecs, p, method=args.method)
        rows.append({"benchmark": p.name, "metric": f"accuracy ({args.method})", "score": rep.accuracy,
                     "items": rep.questions, "oov_share": rep.oov_share})
    print(evaluation.report_table(rows))
    return 0


# ----------------------------------------------------------------------------- the book


def _mkdocs(*argv: str) -> int:
    if shutil.which("mkdocs") is None:
        try:
            import mkdocs  # noqa: F401
        except ImportError as err:
            raise CLIError('MkDocs is not installed: pip install -e ".[docs]"') from err
    root = _repo_root()
    return subprocess.call([sys.executable, "-m", "mkdocs", *argv, "-f", str(root / "mkdocs.yml")], cwd=root)


def _cmd_serve(args: argparse.Namespace) -> int:
    print(f"building the book; it will be served at http://{args.addr} (Ctrl-C stops)", file=sys.stderr)
    return _mkdocs("serve", "--dev-addr", args.addr, "--no-livereload")


def _cmd_build_site(args: argparse.Namespace) -> int:
    out = Path(args.dir).resolve()
    code = _mkdocs("build", "--strict", "--site-dir", str(out))
    if code == 0:
        print(f"static site written to {out}; open {out / 'index.html'} or host the folder")
    return code


# ----------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="textbook",
        description="Embeddings and sequence models, in NumPy and JAX: train, evaluate, read the book.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    train = sub.add_parser("train", help="train a model", description="Train a model on a corpus.")
    models = train.add_subparsers(dest="model_name", metavar="MODEL", required=True)
    for module in TRAINERS:
        importlib.import_module(module).register_train(models)

    ev = sub.add_parser(
        "evaluate", help="word similarity and analogy benchmarks",
        description="Evaluate word vectors on analogy (Google format) and similarity (WordSim-353, "
                    "SimLex-999 format) files. Without files, the real benchmarks shipped in gensim's "
                    "wheel are used when gensim is installed.",
    )
    ev.add_argument("vectors", metavar="VECTORS", nargs="?",
                    help="vectors in word2vec text or binary format (omit with --compare)")
    ev.add_argument("--analogies", metavar="FILE", action="append", help="Google-format analogy file (repeatable)")
    ev.add_argument("--similarity", metavar="FILE", action="append", help="word-pair similarity file (repeatable)")
    ev.add_argument("--demo", action="store_true", help="use the embedded demo analogy and similarity files")
    ev.add_argument("--method", choices=["3cosadd", "3cosmul"], default="3cosadd")
    ev.add_argument("--binary", action="store_true", default=None, help="VECTORS is binary (guessed if omitted)")
    ev.set_defaults(func=_cmd_evaluate)
    from textbook.embeddings.cli import extend_evaluate
    extend_evaluate(ev)

    serve = sub.add_parser("serve", help="build the book and serve it locally",
                           description="Build the book (running every demo) and serve it on localhost.")
    serve.add_argument("--addr", default="127.0.0.1:8000", help="address:port to serve on")
    serve.set_defaults(func=_cmd_serve)

    site = sub.add_parser("build-site", help="write the book as a static site",
                          description="Build the book into DIR, a static site an instructor can host.")
    site.add_argument("dir", metavar="DIR", help="output folder")
    site.set_defaults(func=_cmd_build_site)

    for module in COMMANDS:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CLIError, ValueError, FileNotFoundError) as err:
        print(f"textbook {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

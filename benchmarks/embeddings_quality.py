"""Embedding quality and training time: Word2Vec, GloVe, FastText, PPMI-SVD, and gensim, on one corpus.

Every model is trained on the same tokens with the same vocabulary, vector size, window,
number of epochs, negatives and subsampling threshold, then scored on WordSim-353 and
SimLex-999 (Spearman's rho) and on the Google analogies (3CosAdd accuracy), each with the
share of items skipped as out of vocabulary, as gensim reports them. gensim's ``Word2Vec``
and ``FastText`` (skip-gram, negative sampling) are trained with the same settings.

Corpora available offline (``--corpus``):

* ``lee`` (default): gensim's ``lee_background.cor``, 300 news articles, about 60k tokens;
* ``wiki``: the shortened English Wikipedia dump in gensim's test data, about 480k tokens;
* ``demo``: this package's embedded corpus (21k tokens), used when gensim is not installed;
* a path: any UTF-8 text file, one sentence or paragraph per line.

The benchmark files and both corpora ship in gensim's wheel (``pip install gensim``, or the
``oracles`` extra). Run::

    python benchmarks/embeddings_quality.py                       # lee, JAX backend, 20 epochs
    python benchmarks/embeddings_quality.py --corpus wiki --epochs 5 --min-count 5
    python benchmarks/embeddings_quality.py --backend numpy --models word2vec,glove
    python benchmarks/embeddings_quality.py --corpus wiki --epochs 5 --min-count 5 --models word2vec \
        --word2vec skipgram,cbow                                  # Word2Vec's two models, ours and gensim's

Notes on "the same hyperparameters": the learning rates differ where the algorithms do.
GloVe uses AdaGrad (its own rate). Our FastText applies the exact gradient of the mean of a
word's ``1 + n`` rows, so each row receives ``1/(1 + n)`` of what fastText and gensim give
it; its default rate (0.5) is scaled up accordingly (``--fasttext-alpha``). Our models update on the
sum of a batch of pairs (``--batch-size``), gensim pair by pair (with ``--workers`` threads).
On a corpus this small, every score is far below published ones (trained on billions of
tokens), and most analogy questions are skipped as out of vocabulary.

The table gives the wall-clock training time (``train s``) and the CPU time of all the
process's threads (``cpu s``, which stays meaningful on a busy machine).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np


def load_corpus(name: str) -> tuple[list[list[str]], str]:
    """Tokenised sentences of a named corpus (``lee``, ``wiki``, ``demo``) or of a text file."""
    from textbook.data import sentences
    from textbook.data.demo import load_demo_corpus

    if name == "demo":
        return load_demo_corpus(), "the embedded demo corpus"
    if name in ("lee", "wiki"):
        try:
            from gensim.test.utils import datapath
        except ImportError:
            print("note: gensim is not installed: using the embedded demo corpus instead "
                  "(pip install gensim for the real corpora and benchmarks)", file=sys.stderr)
            return load_demo_corpus(), "the embedded demo corpus (gensim not installed)"
        if name == "lee":
            path = datapath("lee_background.cor")
            return sentences(Path(path).read_text(encoding="utf-8")), "gensim's lee_background.cor"
        import bz2

        from gensim.corpora.wikicorpus import extract_pages, filter_wiki

        path = datapath("enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2")
        sents = []
        with bz2.open(path) as f:
            for _, text, _ in extract_pages(f):
                sents.extend(sentences(filter_wiki(text)))
        return sents, "gensim's shortened English Wikipedia dump"
    path = Path(name)
    if not path.is_file():
        raise SystemExit(f"--corpus: no such corpus or file: {name}")
    return sentences(path.read_text(encoding="utf-8")), str(path)


def benchmark_files() -> tuple[list[Path], list[Path]]:
    """(analogy files, similarity files): the real benchmarks, or the demo ones without gensim."""
    from textbook.data.demo import demo_path
    from textbook.embeddings.evaluation import benchmark_path

    try:
        return [benchmark_path("analogies")], [benchmark_path("wordsim353"), benchmark_path("simlex999")]
    except FileNotFoundError as err:
        print(f"note: {err}\nusing the demo benchmark files instead", file=sys.stderr)
        return [demo_path("demo_analogies.txt")], [demo_path("demo_similarity.tsv")]


def gensim_models(sents, args) -> dict[str, tuple[object, float]]:
    """gensim's Word2Vec and FastText with our settings, for the models of ``--models`` (and ``--word2vec``).

    Returns ``{name: (Vectors, wall seconds, CPU seconds)}``.
    """
    from gensim.models import FastText, Word2Vec

    from textbook.embeddings.vectors import Vectors

    common = dict(vector_size=args.dim, window=args.window, min_count=args.min_count, sg=1, hs=0,
                  negative=args.negatives, ns_exponent=0.75, sample=args.sample, alpha=0.025, min_alpha=1e-4,
                  epochs=args.epochs, workers=args.workers, seed=args.seed)
    ours = [m.strip() for m in args.models.split(",")]
    wanted = [("gensim " + W2V_NAMES[m], Word2Vec, {"sg": int(m == "skipgram")})
              for m in (word2vec_models(args) if "word2vec" in ours else [])]
    if "fasttext" in ours:
        wanted.append(("gensim FastText", FastText, dict(min_n=3, max_n=6, bucket=args.bucket)))
    out = {}
    for name, cls, extra in wanted:
        start, cpu = time.perf_counter(), time.process_time()
        model = cls(sentences=sents, **{**common, **extra})
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        kv = model.wv
        words = list(kv.index_to_key)
        out[name] = (Vectors(words, np.asarray(kv.vectors, dtype=np.float64)), seconds, cpu)
    return out


#: Word2Vec's two models, with the names the table gives them.
W2V_NAMES = {"skipgram": "Word2Vec (SGNS)", "cbow": "Word2Vec CBOW"}


def word2vec_models(args) -> list[str]:
    models = [m.strip() for m in args.word2vec.split(",") if m.strip()]
    if not models or set(models) - set(W2V_NAMES):
        raise SystemExit(f"--word2vec: choose from {tuple(W2V_NAMES)}, got {args.word2vec!r}")
    return models


def main(argv: list[str] | None = None) -> list[dict]:
    from textbook.data import Vocab
    from textbook.embeddings.evaluation import MODEL_NAMES, report_table, score_vectors, train_models

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="lee", help="lee, wiki, demo, or a text file")
    ap.add_argument("--backend", choices=["numpy", "jax"], default="jax")
    ap.add_argument("--models", default="word2vec,glove,fasttext,ppmi-svd")
    ap.add_argument("--word2vec", default="skipgram", help="Word2Vec models to train: skipgram, cbow or both")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--negatives", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-3)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=256, help="pairs per step of our Word2Vec and FastText")
    ap.add_argument("--bucket", type=int, default=200_000, help="FastText n-gram buckets (ours and gensim's)")
    ap.add_argument("--fasttext-alpha", type=float, default=0.5, help="our FastText's initial learning rate")
    ap.add_argument("--glove-x-max", type=float, default=10.0, help="GloVe's x_max (small corpus: small counts)")
    ap.add_argument("--glove-epochs", type=int, default=None, help="GloVe's epochs (default: --epochs)")
    ap.add_argument("--workers", type=int, default=2, help="gensim's threads")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-gensim", action="store_true", help="skip gensim's models")
    ap.add_argument("--quiet", action="store_true", help="no progress bars")
    args = ap.parse_args(argv)

    sents, described = load_corpus(args.corpus)
    vocab = Vocab.build(sents, min_count=args.min_count)
    analogies, similarity = benchmark_files()
    print(f"corpus: {described}, {sum(map(len, sents))} tokens, {len(sents)} sentences; vocabulary "
          f"{len(vocab)} words (min_count={args.min_count}); dim {args.dim}, window {args.window}, "
          f"{args.epochs} epochs; our backend: {args.backend}", file=sys.stderr)

    sgns = dict(negatives=args.negatives, sample=args.sample, batch_size=args.batch_size, alpha=0.025, min_alpha=1e-4)
    options = {
        "word2vec": sgns,
        "fasttext": {**sgns, "alpha": args.fasttext_alpha, "bucket": args.bucket},
        "glove": {"x_max": args.glove_x_max, **({"epochs": args.glove_epochs} if args.glove_epochs else {})},
    }
    named = {}                                   # name -> (vectors, wall seconds, CPU seconds of all threads)
    runs = []                                    # (model key, its options, the name in the table)
    for key in [m.strip() for m in args.models.split(",") if m.strip()]:
        if key != "word2vec":
            runs.append((key, options, MODEL_NAMES[key]))
            continue
        for model in word2vec_models(args):      # gensim's initial scale and CBOW update, like for like
            w2v = {**sgns, "model": model, "init_scale": 1.0, "cbow_update": "full"}
            runs.append((key, {**options, "word2vec": w2v}, W2V_NAMES[model]))
    for key, opts, label in runs:
        cpu = time.process_time()
        (vecs, seconds), = train_models(sents, vocab, [key], dim=args.dim, window=args.window, epochs=args.epochs,
                                        settings="default", backend=args.backend, seed=args.seed,
                                        progress=not args.quiet, options=opts).values()
        name = label if key == "ppmi-svd" else f"{label} ({args.backend})"
        named[name] = (vecs, seconds, time.process_time() - cpu)
    if not args.no_gensim:
        try:
            named.update(gensim_models(sents, args))
        except ImportError:
            print("note: gensim is not installed: its models are left out", file=sys.stderr)

    rows = []
    for name, (vecs, seconds, cpu) in named.items():
        scores = score_vectors(vecs, analogies, similarity)
        rows.append({"model": name, "train s": seconds, "cpu s": cpu, **scores})
    print(report_table(rows))
    return rows


if __name__ == "__main__":
    main()

"""Word2Vec and FastText training speed against gensim: words/sec, peak memory and quality, one epoch each.

The corpus is synthetic (`textbook.data.synthetic.zipf_topic_corpus`: Zipfian words with
planted topics, 10M tokens by default), so it needs no download and the quality of the
vectors can be scored against the planted structure: same-topic precision@10 of the nearest
neighbours, over all topic words and over the rarer half of them.

Each trainer runs in its own process (so peak memory is its own), on the same tokens and
vocabulary, with d=100, window 5, 5 negatives, sample 1e-3, min_count 5, one epoch:

* ``numpy``, ``numpy32``, ``jax-host`` and ``jax``: this package's ``word2vec.train`` (skip-gram
  or CBOW) or, with ``--model fasttext``, ``fasttext.train`` (skip-gram, n-grams 3..6, ``--bucket``
  rows); ``numpy`` trains in float64 (the default), ``numpy32`` in float32 (``dtype="float32"``);
  ``jax-host`` makes its batches on the host as the NumPy backend does, ``jax`` on the device
  (the default pipeline of the JAX backend);
* ``gensim-1`` and ``gensim-2``: gensim's ``Word2Vec`` (or ``FastText``) with 1 and 2 worker threads.

Run::

    python benchmarks/word2vec_speed.py                          # skip-gram, 10M tokens
    python benchmarks/word2vec_speed.py --model cbow
    python benchmarks/word2vec_speed.py --model fasttext             # 2M buckets, as fastText
    python benchmarks/word2vec_speed.py --tokens 1000000 --trainers jax,gensim-2

Words/sec counts the corpus tokens before subsampling, for every trainer alike.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from _common import frequent_vocabulary, peak_mb, topic_quality

#: this package's trainers: name -> (backend, pipeline, dtype); then gensim's
OURS = {"numpy": ("numpy", "auto", None), "numpy32": ("numpy", "auto", "float32"),
        "jax-host": ("jax", "host", None), "jax": ("jax", "auto", None)}
TRAINERS = (*OURS, "gensim-1", "gensim-2")
SETTINGS = dict(dim=100, window=5, negatives=5, sample=1e-3, min_count=5)


def _load(cache: str):
    from textbook.data.synthetic import SyntheticCorpus

    with np.load(cache) as z:
        return SyntheticCorpus(ids=z["ids"], offsets=z["offsets"], topic=z["topic"])


def run_trainer(name: str, cache: str, model: str, batch_size: int, seed: int, bucket: int) -> dict:
    """Train one epoch with ``name``; returns seconds, words/sec, peak RSS and quality."""
    corpus = _load(cache)
    n = corpus.ids.size
    counts = np.bincount(corpus.ids, minlength=corpus.topic.size)
    if name.startswith("gensim"):
        from gensim.models import FastText, Word2Vec

        sents = corpus.tokens()
        common = dict(vector_size=SETTINGS["dim"], window=SETTINGS["window"], negative=SETTINGS["negatives"],
                      sample=SETTINGS["sample"], min_count=SETTINGS["min_count"], workers=int(name.split("-")[1]),
                      seed=seed, epochs=1)
        if model == "fasttext":
            w2v = FastText(sg=1, min_n=3, max_n=6, bucket=bucket, **common)
        else:
            w2v = Word2Vec(sg=int(model == "skipgram"), **common)
        w2v.build_vocab(sents)
        start = time.perf_counter()
        w2v.train(sents, total_examples=len(sents), epochs=1)
        seconds = time.perf_counter() - start
        kept = corpus.ids_of(w2v.wv.index_to_key)
        vectors = np.asarray(w2v.wv.vectors)
    else:
        from textbook.data import Vocab
        from textbook.embeddings import fasttext, word2vec

        backend, pipeline, dtype = OURS[name]
        kept, sents = frequent_vocabulary(corpus, SETTINGS["min_count"])
        names = corpus.words
        vocab = Vocab([names[i] for i in kept], counts[kept])
        shared = dict(vocab_size=len(vocab), dim=SETTINGS["dim"], window=SETTINGS["window"],
                      negatives=SETTINGS["negatives"], sample=SETTINGS["sample"], epochs=1, batch_size=batch_size)
        if model == "fasttext":
            config = fasttext.Config(bucket=bucket, **shared)
            start = time.perf_counter()
            result = fasttext.train(sents, vocab, config, backend=backend, seed=seed, progress=False,
                                    pipeline=pipeline, dtype=dtype)
            seconds = time.perf_counter() - start
            vectors = fasttext.vectors(result.params, config, vocab).matrix
        else:
            config = word2vec.Config(model=model, init_scale=1.0, cbow_update="full",   # gensim's init: U(-1/d, 1/d)
                                     **shared)                   # and its CBOW update (each row gets all of dl/dh)
            start = time.perf_counter()
            result = word2vec.train(sents, vocab, config, backend=backend, seed=seed, progress=False,
                                    pipeline=pipeline, dtype=dtype)
            seconds = time.perf_counter() - start
            vectors = result.params["W_in"]
    return {"trainer": name, "seconds": seconds, "words/s": n / seconds, "peak MB": peak_mb(),
            **topic_quality(np.asarray(vectors, dtype=np.float64), corpus.topic[kept], seed)}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tokens", type=int, default=10_000_000)
    p.add_argument("--vocab", type=int, default=50_000)
    p.add_argument("--topics", type=int, default=100, help="planted topics (more topics: a harder test)")
    p.add_argument("--model", choices=["skipgram", "cbow", "fasttext"], default="skipgram")
    p.add_argument("--bucket", type=int, default=2_000_000, help="n-gram rows for --model fasttext")
    p.add_argument("--trainers", default=",".join(TRAINERS), help=f"comma-separated, from {TRAINERS}")
    p.add_argument("--batch-size", type=int, default=256, help="pairs per step for this package's trainers")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--cache", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:                                               # a child process: one trainer, JSON out
        print(json.dumps(run_trainer(args.worker, args.cache, args.model, args.batch_size, args.seed, args.bucket)))
        return

    from textbook.data.synthetic import zipf_topic_corpus

    trainers = [t for t in args.trainers.split(",") if t]
    unknown = set(trainers) - set(TRAINERS)
    if unknown:
        raise SystemExit(f"--trainers: unknown {sorted(unknown)}; choose from {TRAINERS}")
    corpus = zipf_topic_corpus(args.tokens, args.vocab, topics=args.topics, seed=args.seed)
    print(f"corpus: {corpus.ids.size:,} tokens, {len(corpus.offsets) - 1:,} sentences, vocabulary {args.vocab:,}, "
          f"{args.topics} topics; "
          f"{args.model}, d={SETTINGS['dim']}, window {SETTINGS['window']}, {SETTINGS['negatives']} negatives, "
          f"sample {SETTINGS['sample']}, min_count {SETTINGS['min_count']}, 1 epoch; {os.cpu_count()} cores",
          file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = os.path.join(tmp, "corpus.npz")
        np.savez(cache, ids=corpus.ids, offsets=corpus.offsets, topic=corpus.topic)
        for name in trainers:
            print(f"training {name} ...", file=sys.stderr)
            proc = subprocess.run([sys.executable, __file__, "--worker", name, "--cache", cache, "--model", args.model,
                                   "--batch-size", str(args.batch_size), "--seed", str(args.seed),
                                   "--bucket", str(args.bucket)],
                                  capture_output=True, text=True)
            if proc.returncode:
                print(f"  {name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    base = next((r["words/s"] for r in rows if r["trainer"] == "gensim-2"), None)
    print("| trainer | words/s | vs gensim-2 | seconds | peak MB | p@10 | p@10 rare |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        ratio = f"{r['words/s'] / base:.2f}x" if base else "n/a"
        print(f"| {r['trainer']} | {r['words/s']:,.0f} | {ratio} | {r['seconds']:.1f} | {r['peak MB']:,.0f} "
              f"| {r['p@10']:.3f} | {r['p@10 rare']:.3f} |")


if __name__ == "__main__":
    main()

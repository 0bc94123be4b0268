"""TextCNN on movie-review polarity sentences: held-out accuracy by k-fold cross-validation, both backends.

By default the data are the 200 sentences (100 positive, 100 negative, fastText ``__label__`` format,
cp1252 text) of Pang & Lee's sentence polarity data that gensim ships with its tests
(``gensim.test.utils.datapath("pang_lee_polarity.cor")``). That is a 2% sample of the 10,662
sentences of the full set ("MR", on which Kim (2014) reports 76-81% accuracy): far too few to
learn sentiment words from scratch, so expect accuracy near chance here. Point ``--data`` at the
full set, converted to ``label<TAB>text`` or ``__label__x text`` lines, for a real measurement.

For context the script also reports the majority class and a multinomial naive Bayes on unigrams
and bigrams (add-one smoothing), fitted on the same folds.

    python benchmarks/textcnn_polarity.py                       # gensim's 200 sentences, 10 folds
    python benchmarks/textcnn_polarity.py --data rt-polarity.tsv --folds 10 --encoding utf-8
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

import numpy as np

from textbook.sequence import textcnn


def gensim_polarity_path() -> str:
    try:
        from gensim.test.utils import datapath
    except ImportError:
        sys.exit("gensim is not installed: pip install gensim (it ships pang_lee_polarity.cor), "
                 "or pass --data FILE with labelled sentences")
    return datapath("pang_lee_polarity.cor")


def stratified_folds(labels: list[str], k: int, seed: int) -> list[list[int]]:
    """``k`` folds with the labels spread evenly over them."""
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    labels_arr = np.array(labels)
    for name in sorted(set(labels)):
        index = np.flatnonzero(labels_arr == name)
        rng.shuffle(index)
        for i, j in enumerate(index):
            folds[i % k].append(int(j))
    return [sorted(f) for f in folds]


def naive_bayes_accuracy(train: textcnn.LabelledTexts, test: textcnn.LabelledTexts) -> float:
    """Multinomial naive Bayes on unigrams and bigrams, add-one smoothing."""
    def grams(words):
        return words + [a + " " + b for a, b in zip(words, words[1:])]

    classes = train.label_names()
    counts = {c: Counter() for c in classes}
    for words, label in zip(train.texts, train.labels):
        counts[label].update(grams(words))
    vocab = set().union(*counts.values())
    prior = {c: np.log(train.labels.count(c) / len(train)) for c in classes}
    total = {c: sum(counts[c].values()) + len(vocab) for c in classes}
    correct = 0
    for words, label in zip(test.texts, test.labels):
        scores = {c: prior[c] + sum(np.log((counts[c][g] + 1) / total[c]) for g in grams(words) if g in vocab)
                  for c in classes}
        correct += max(scores, key=scores.get) == label
    return correct / len(test)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="labelled sentences (default: gensim's pang_lee_polarity.cor)")
    parser.add_argument("--encoding", help="text encoding (default: cp1252 for gensim's file, else utf-8)")
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--backends", nargs="+", default=["numpy", "jax"], choices=["numpy", "jax"])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    path = args.data or gensim_polarity_path()
    encoding = args.encoding or ("utf-8" if args.data else "cp1252")
    data = textcnn.read_labelled(path, encoding=encoding)
    folds = stratified_folds(data.labels, args.folds, args.seed)
    config = textcnn.Config(vocab_size=1, num_classes=2, epochs=args.epochs)    # Kim's widths 3, 4, 5
    print(f"{path}: {len(data)} sentences, labels {dict(Counter(data.labels))}, "
          f"{np.mean([len(t) for t in data.texts]):.1f} words on average; {args.folds}-fold cross-validation")
    print(f"TextCNN: dim={config.dim}, widths={config.widths}, filters={config.filters}, "
          f"dropout={config.dropout}, Adam lr={config.lr}, {config.epochs} epochs, batch {config.batch_size}")

    rows = []
    baselines = {"majority class": [], "naive Bayes (1-2 grams)": []}
    for i, test_index in enumerate(folds):
        train_index = [j for f in folds[:i] + folds[i + 1:] for j in f]
        train, test = data.subset(train_index), data.subset(test_index)
        majority = Counter(train.labels).most_common(1)[0][0]
        baselines["majority class"].append(np.mean([y == majority for y in test.labels]))
        baselines["naive Bayes (1-2 grams)"].append(naive_bayes_accuracy(train, test))
    for name, accs in baselines.items():
        rows.append((name, "-", np.mean(accs), np.std(accs), float("nan"), float("nan")))
    for backend in args.backends:
        accs, speeds = [], []
        start = time.perf_counter()
        for i, test_index in enumerate(folds):
            train_index = [j for f in folds[:i] + folds[i + 1:] for j in f]
            train, test = data.subset(train_index), data.subset(test_index)
            result = textcnn.train(train, config, backend=backend, seed=args.seed + i, progress=False)
            accs.append(textcnn.accuracy(result, test, backend=backend))
            speeds.append(result.texts_per_sec)
        rows.append(("TextCNN", backend, np.mean(accs), np.std(accs), np.median(speeds),
                     time.perf_counter() - start))

    print()
    print(f"| model | backend | held-out accuracy (mean +- std over {args.folds} folds) | "
          "training texts/s (median) | wall time (s) |")
    print("|---|---|---|---|---|")
    for name, backend, mean, std, speed, seconds in rows:
        speed_s = "-" if np.isnan(speed) else f"{speed:,.0f}"
        time_s = "-" if np.isnan(seconds) else f"{seconds:.1f}"
        print(f"| {name} | {backend} | {mean:.3f} +- {std:.3f} | {speed_s} | {time_s} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

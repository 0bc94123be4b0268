"""Evaluation: cosine, analogies (3CosAdd/3CosMul), similarity benchmarks, PCA plots, tables.

The benchmark numbers are checked against gensim's own evaluate_word_analogies /
evaluate_word_pairs on gensim's copies of the real files.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.figure import Figure

from textbook.embeddings import evaluation as ev
from textbook.embeddings.vectors import Vectors

scipy_stats = pytest.importorskip("scipy.stats", reason="scipy is the oracle for the correlations")


def planted():
    """king - man + woman = queen exactly, for unit vectors too; distractors elsewhere."""
    e = np.eye(10)
    base = {
        "man": e[0] + e[2], "woman": e[1] + e[2], "king": e[0] + e[3], "queen": e[1] + e[3],
        "apple": e[4] + 0.3 * e[5], "car": e[5] + 0.2 * e[6], "tree": e[6] + 0.5 * e[7], "sky": e[8] + e[9],
    }
    words = list(base)
    return Vectors(words, np.array([base[w] for w in words]))


def test_cosine_similarity_shapes():
    x, y = np.array([1.0, 0.0]), np.array([1.0, 1.0])
    assert ev.cosine_similarity(x, y) == pytest.approx(1 / np.sqrt(2))
    M = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    np.testing.assert_allclose(ev.cosine_similarity(M, M), [[1, 0, 0], [0, 1, 0], [0, 0, 0]])
    assert ev.cosine_similarity(M, x).shape == (3,)
    with pytest.raises(ValueError, match="last dimension"):
        ev.cosine_similarity(np.ones(2), np.ones(3))


def test_nearest_neighbours():
    v = Vectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]))
    nn = ev.nearest_neighbours(v, "a", k=2)
    assert [w for w, _ in nn] == ["b", "c"]
    assert ev.nearest_neighbours(v, np.array([0.0, 1.0]), k=1)[0][0] == "c"


@pytest.mark.parametrize("method", ["add", "mul"])
def test_planted_analogy(method):
    v = planted()
    (word, _), *_ = ev.analogy(v, "man", "king", "woman", method=method)
    assert word == "queen"


def test_query_words_are_excluded():
    # b - a + c lands exactly on c when a == b: c must still not be returned
    v = planted()
    got = [w for w, _ in ev.analogy(v, "apple", "apple", "car", topn=3)]
    assert not {"apple", "car"} & set(got) and len(got) == 3
    # case variants of query words are excluded when matching up to case
    v2 = Vectors(v.words + ["CAR"], np.vstack([v.matrix, v["car"]]))
    got = [w for w, _ in ev.analogy(v2, "apple", "apple", "car", topn=6, case_insensitive=True)]
    assert "CAR" not in got and len(got) == 6  # 9 rows, 3 of them are query words or variants
    assert ev.analogy(v2, "apple", "apple", "car", topn=1)[0][0] == "CAR"


def test_3cosadd_and_3cosmul_scores_by_hand():
    rng = np.random.default_rng(0)
    unit = rng.normal(size=(7, 3))
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    a, b, c = np.array([0]), np.array([1]), np.array([2])
    cos = unit @ unit.T
    add = ev.analogy_scores(unit, a, b, c, "add")[0]
    np.testing.assert_allclose(add, cos[:, 1] - cos[:, 0] + cos[:, 2])
    mul = ev.analogy_scores(unit, a, b, c, "mul")[0]
    s = (cos + 1) / 2
    np.testing.assert_allclose(mul, s[:, 1] * s[:, 2] / (s[:, 0] + 1e-3))


def test_3cosmul_can_differ_from_3cosadd():
    # a, b, c orthogonal; x1 nearly opposite to a, x2 close to both b and c
    words = ["a", "b", "c", "x1", "x2"]
    M = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 0.05], [0.0, 1.0, 1.0]])
    v = Vectors(words, M)
    # 3CosAdd: x1 -> 0 + 1 + 0.05, x2 -> 0.71 + 0 + 0.71
    assert [w for w, _ in ev.analogy(v, "a", "b", "c", "add", topn=2)] == ["x2", "x1"]
    # 3CosMul: x1 -> 0.5 * 0.52 / (0.0006 + 0.001), x2 -> 0.85 * 0.85 / (0.5 + 0.001)
    (w1, s1), (w2, s2) = ev.analogy(v, "a", "b", "c", "mul", topn=2)
    assert (w1, w2) == ("x1", "x2") and s1 > 100 > 2 > s2


def test_analogy_unknown_word():
    with pytest.raises(KeyError, match="zebra"):
        ev.analogy(planted(), "man", "zebra", "woman")


TOY = """: royals
man king woman queen
MAN KING WOMAN QUEEN
man king zebra queen

: other
apple car apple car
sky tree unicorn tree
"""


def test_toy_analogy_file_report(tmp_path):
    path = tmp_path / "toy.txt"
    path.write_text(TOY)
    q = ev.read_analogies(path)
    assert list(q) == ["royals", "other"] and len(q["royals"]) == 3
    rep = ev.evaluate_analogies(planted(), path)
    assert rep.questions == 5 and rep.oov == 2 and rep.oov_share == pytest.approx(0.4)
    assert rep.sections["royals"] == (2, 2)
    assert rep.sections["other"] == (0, 1)  # the answer "car" is a query word: never predicted (as in gensim)
    assert rep.answered == 3 and rep.accuracy == pytest.approx(rep.correct / 3)
    # case-sensitive: the upper-case question becomes OOV
    rep_cs = ev.evaluate_analogies(planted(), path, case_insensitive=False)
    assert rep_cs.oov == 3 and rep_cs.sections["royals"] == (1, 1)
    # restrict_vocab: king and queen are beyond the first 2 words
    rep_r = ev.evaluate_analogies(planted(), path, restrict_vocab=2)
    assert rep_r.sections["royals"] == (0, 0) and math.isnan(rep_r.section_accuracy("royals"))
    assert "accuracy" in str(rep) and "OOV" in str(rep)
    table = ev.report_table(rep.section_rows())
    assert table.splitlines()[0].startswith("| section") and len(table.splitlines()) == 4


def test_read_analogies_errors(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("a b c d\n")
    with pytest.raises(ValueError, match="line 1.*section"):
        ev.read_analogies(path)
    path.write_text(": s\na b c\n")
    with pytest.raises(ValueError, match="line 2.*4 words"):
        ev.read_analogies(path)


@pytest.mark.filterwarnings("ignore::scipy.stats.ConstantInputWarning")
@given(x=st.lists(st.sampled_from([0.0, 1.0, 2.0, 2.5, 7.0]), min_size=3, max_size=30), seed=st.integers(0, 2**16))
def test_spearman_matches_scipy_with_ties(x, seed):
    y = np.random.default_rng(seed).integers(0, 4, size=len(x)).astype(float)
    np.testing.assert_allclose(ev.rankdata(np.array(x)), scipy_stats.rankdata(x))
    ours, theirs = ev.spearman(np.array(x), y), scipy_stats.spearmanr(x, y).statistic
    if np.isnan(theirs):
        assert np.isnan(ours)
    else:
        assert ours == pytest.approx(theirs, abs=1e-12)


def test_pearson_matches_scipy():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=50), rng.normal(size=50)
    assert ev.pearson(x, x + y) == pytest.approx(scipy_stats.pearsonr(x, x + y).statistic, abs=1e-12)
    assert math.isnan(ev.pearson(np.ones(4), x[:4]))


def test_read_similarity_formats(tmp_path):
    path = tmp_path / "sim.txt"
    path.write_text("# a comment\nWord 1\tWord 2\tHuman (mean)\nlove\tsex\t6.77\n\ntiger\tcat\t7.35\n")
    assert ev.read_similarity(path) == [("love", "sex", 6.77), ("tiger", "cat", 7.35)]
    # the original SimLex-999 layout: the score is the 'SimLex999' column
    path.write_text("word1\tword2\tPOS\tSimLex999\tconc(w1)\nold\tnew\tA\t1.58\t2.72\n")
    assert ev.read_similarity(path) == [("old", "new", 1.58)]
    path.write_text("a\tb\t1.0\nc\td\tx\n")
    with pytest.raises(ValueError, match="line 2"):
        ev.read_similarity(path)


def test_evaluate_similarity_toy():
    v = planted()
    pairs = [("king", "queen", 9.0), ("man", "woman", 5.0), ("apple", "sky", 1.0), ("KING", "zebra", 3.0)]
    rep = ev.evaluate_similarity(v, pairs)
    cos = [v.similarity("king", "queen"), v.similarity("man", "woman"), v.similarity("apple", "sky")]
    assert rep.answered == 3 and rep.oov == 1 and rep.oov_share == pytest.approx(0.25)
    assert rep.spearman == pytest.approx(scipy_stats.spearmanr([9, 5, 1], cos).statistic)
    assert rep.pearson == pytest.approx(scipy_stats.pearsonr([9, 5, 1], cos).statistic)
    assert ev.evaluate_similarity(v, pairs, case_insensitive=False).oov == 1
    assert math.isnan(ev.evaluate_similarity(v, [("zebra", "unicorn", 1.0)]).spearman)


def test_benchmark_path(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="unknown benchmark"):
        ev.benchmark_path("toefl")
    (tmp_path / "simlex999.txt").write_text("a\tb\t1\n")
    monkeypatch.setenv("TEXTBOOK_BENCHMARKS", str(tmp_path))
    assert ev.benchmark_path("simlex999") == tmp_path / "simlex999.txt"
    monkeypatch.setattr("textbook.embeddings.evaluation.benchmarks._gensim_data_dir", lambda: None)
    with pytest.raises(FileNotFoundError, match="pip install gensim.*TEXTBOOK_BENCHMARKS"):
        ev.benchmark_path("wordsim353")


def test_pca_and_plot_words():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 4)) * np.array([5.0, 2.0, 0.5, 0.1])
    P = ev.pca(X, k=2)
    Xc = X - X.mean(0)
    var = np.linalg.svd(Xc, compute_uv=False) ** 2
    np.testing.assert_allclose((P**2).sum(0), var[:2])
    np.testing.assert_allclose(P.T @ P, np.diag(var[:2]), atol=1e-9)  # uncorrelated components
    v = planted()
    fig = ev.plot_words(v, ["king", "queen", "man", "woman", "apple"], title="demo")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.collections[0].get_offsets().shape == (5, 2)
    assert [t.get_text() for t in ax.texts] == ["king", "queen", "man", "woman", "apple"]
    assert ax.get_title() == "demo"
    with pytest.raises(KeyError, match="zebra"):
        ev.plot_words(v, ["king", "zebra"])


def test_report_table():
    rows = [{"model": "sgns", "spearman": 0.65123, "n": 3}, {"model": "ppmi-svd", "spearman": float("nan")}]
    md = ev.report_table(rows)
    lines = md.splitlines()
    assert lines[0].split("|")[1].strip() == "model" and "-:" in lines[1] and "0.651" in lines[2]
    assert "nan" in lines[3] and len(lines) == 4
    plain = ev.report_table(rows, columns=["spearman", "model"], style="plain", floatfmt=".2f")
    assert plain.splitlines()[0].split() == ["spearman", "model"] and "0.65" in plain
    with pytest.raises(ValueError, match="style"):
        ev.report_table(rows, style="html")


# ---------------------------------------------------------------- gensim as the oracle on the real files
def benchmark_vectors():
    """Vectors over the benchmark words with planted analogy offsets, some OOV and case variants."""
    rng = np.random.default_rng(0)
    d = 24
    vec = {}
    for _, quads in ev.read_analogies(ev.benchmark_path("analogies")).items():
        r = rng.normal(size=d)
        for a, b, c, dd in quads:
            for x, y in ((a, b), (c, dd)):
                if x in vec and y in vec:
                    continue
                if x not in vec:
                    vec[x] = vec[y] - r + 1.2 * rng.normal(size=d) if y in vec else rng.normal(size=d)
                vec.setdefault(y, vec[x] + r + 1.2 * rng.normal(size=d))
    for name in ("wordsim353", "simlex999"):
        for w1, w2, score in ev.read_similarity(ev.benchmark_path(name)):
            vec.setdefault(w1, rng.normal(size=d))
            vec.setdefault(w2, vec[w1] * score / 5 + rng.normal(size=d))  # some real correlation
    words = [w for w in sorted(vec) if rng.random() > 0.05]  # ~5% OOV
    rng.shuffle(words)
    variants = [w.swapcase() for w in words[::9] if w.swapcase() not in vec]
    M = np.array([vec[w] for w in words] + [rng.normal(size=d) for _ in variants])
    return Vectors(words + variants, M)


@pytest.fixture(scope="module")
def bench():
    pytest.importorskip("gensim", reason="gensim provides the real benchmark files and the reference evaluator")
    return benchmark_vectors()


@pytest.mark.parametrize(("restrict", "case_insensitive"), [(None, True), (1500, False)])
def test_analogies_agree_with_gensim(bench, restrict, case_insensitive):
    path = ev.benchmark_path("analogies")
    rep = ev.evaluate_analogies(bench, path, restrict_vocab=restrict, case_insensitive=case_insensitive)
    kv = bench.to_gensim()  # a fresh copy per call: gensim may normalise float64 vectors in place
    score, sections = kv.evaluate_word_analogies(
        str(path), restrict_vocab=restrict or len(bench), case_insensitive=case_insensitive
    )
    theirs = {s["section"]: (len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections[:-1]}
    assert rep.sections == theirs
    assert rep.accuracy == pytest.approx(score, abs=1e-12)
    assert 0.1 < rep.accuracy < 0.9 and 0 < rep.oov_share < 1  # a meaningful comparison
    assert rep.questions == 19544


@pytest.mark.parametrize("name", ["wordsim353", "simlex999"])
@pytest.mark.parametrize(("restrict", "case_insensitive"), [(None, True), (1500, False)])
def test_similarity_agrees_with_gensim(bench, name, restrict, case_insensitive):
    # float32 vectors: gensim's similarity() normalises float64 rows in place as it goes, so a pair
    # listed in both orders ("sly strange", "strange sly") would tie for us but not for it.
    bench = Vectors(bench.words, bench.matrix.astype(np.float32))
    path = ev.benchmark_path(name)
    rep = ev.evaluate_similarity(bench, path, restrict_vocab=restrict, case_insensitive=case_insensitive)
    pearson, spear, oov_percent = bench.to_gensim().evaluate_word_pairs(
        str(path), restrict_vocab=restrict or len(bench), case_insensitive=case_insensitive
    )
    assert rep.spearman == pytest.approx(spear.statistic, abs=1e-12)
    assert rep.pearson == pytest.approx(pearson.statistic, abs=1e-7)  # gensim sums in float32
    assert 100 * rep.oov_share == pytest.approx(oov_percent)
    assert rep.name == name and rep.oov > 0 and abs(rep.spearman) > 0.05

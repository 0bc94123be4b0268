"""The six exercises: reference solutions get full marks, starters zero, one bug costs exactly its checks."""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from textbook.grading import engine
from textbook.grading.spec import list_exercises, load_exercise

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "tests" / "solutions"
SLUGS = ["analogy", "cbow", "noise", "ppmi", "sgns", "subsampling", "beam-search", "glove", "ngrams", "oov", "conv1d", "maxpool", "dilated", "rnn-bptt", "lstm-backward", "gru-scan", "perplexity", "scalar-mix", "bahdanau", "luong-general"]
SECRET = "grading-tests-secret"


@lru_cache(maxsize=None)
def _plan(slug: str) -> engine.Plan:
    return engine.build_plan(load_exercise(slug), SECRET)


def _grade(slug: str, path: Path) -> engine.Report:
    plan = _plan(slug)
    return engine.grade_file(plan.exercise, path, plan=plan)


def test_at_least_six_exercises_are_declared():
    assert set(SLUGS) <= set(list_exercises())


@pytest.mark.parametrize("slug", SLUGS)
def test_reference_solution_scores_full_marks(slug):
    report = _grade(slug, SOLUTIONS / f"{slug}.py")
    assert report.score == report.max_score == load_exercise(slug).max_points, report.text()
    assert any(r.hidden for r in report.results) and any(not r.hidden for r in report.results)


@pytest.mark.parametrize("slug", SLUGS)
def test_untouched_starter_scores_zero_with_a_clear_message(slug):
    ex = load_exercise(slug)
    report = _grade(slug, ex.root / ex.starter)
    assert report.score == 0.0
    for r in report.results:
        assert not r.passed and any("NotImplementedError" in m for m in r.messages), r


@pytest.mark.parametrize("slug", SLUGS)
def test_exercise_folder_holds_statement_starter_and_spec_only(slug):
    ex = load_exercise(slug)
    assert sorted(p.name for p in ex.root.iterdir() if p.name != "__pycache__") == \
        sorted(["README.md", "spec.py", ex.starter])
    tree = ast.parse((ex.root / ex.starter).read_text())
    bodies = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
    assert set(bodies) == set(ex.functions)
    for f in bodies.values():                     # every body only raises NotImplementedError
        stmts = [s for s in f.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        assert len(stmts) == 1 and isinstance(stmts[0], ast.Raise), f.name
    assert "import textbook" not in (ex.root / ex.starter).read_text()


@pytest.mark.parametrize("slug", SLUGS)
def test_readme_states_every_check_and_the_points(slug):
    ex = load_exercise(slug)
    text = (ex.root / "README.md").read_text()
    for c in ex.checks:
        row = f"| {c.name} | {c.points:g} | {'hidden' if c.hidden else 'public'} |"
        assert row in text, row
    pub, hid = ex.public_points, ex.max_points - ex.public_points
    assert f"Total: {ex.max_points:g} points ({pub:g} public, {hid:g} hidden)" in text


# (slug, bug, text in the solution, replacement, checks the bug must fail)
BUGS = [
    ("sgns", "sign error in the negative-sample term of dW_out",
     "np.add.at(dW_out, neg, g_neg", "np.add.at(dW_out, neg, -g_neg",
     {"gradient dW_out", "gradient agrees with finite differences of your loss", "repeated ids",
      "large scores", "larger batch"}),
    ("sgns", "unstable log-sigmoid",
     "return np.logaddexp(0.0, -s)\n\n\ndef _sigmoid", "return -np.log(1.0 / (1.0 + np.exp(-s)))\n\n\ndef _sigmoid",
     {"large scores"}),
    ("cbow", "gradient not divided by the window size",
     "d_h[b] / n[b, None]", "d_h[b]",
     {"gradient dW_in", "gradient agrees with finite differences of your loss", "repeated ids",
      "masked slots ignored", "large scores"}),
    ("noise", "0 ** 0 gives unseen words a probability",
     "np.where(c > 0, np.power(c, power, where=c > 0, out=np.zeros_like(c)), 0.0)", "c ** power",
     {"words with count 0"}),
    ("subsampling", "<= instead of <", "uniforms < keep_prob[ids]", "uniforms <= keep_prob[ids]",
     {"subsample, edge cases"}),
    ("ppmi", "NaN for words that never occur",
     "out[seen] = np.log(X[seen]) - np.log(denom)", "out = np.log(X * N / (xw * xc))",
     {"pmi, words that never occur", "ppmi, words that never occur"}),
    ("analogy", "rows not normalised", "U = E / np.linalg.norm(E, axis=1, keepdims=True)", "U = E",
     {"3CosAdd scores", "answers", "rows of very different lengths", "scores, rows of very different lengths",
      "query words excluded", "repeated query words"}),
    ("beam-search", "finished hypotheses keep their place in the beam",
     "room = beam_size - len(finished)", "room = beam_size",
     {"beam search", "beam finds what greedy misses", "finished hypotheses leave the beam", "length normalisation",
      "tokens of probability 0", "ties"}),
    ("beam-search", "extensions of probability 0 kept", "            if totals[j] == -np.inf:\n                break\n",
     "", {"tokens of probability 0"}),
    ("glove", "gradient without the factor 2", "g = 2.0 * f * e / B", "g = f * e / B",
     {"gradient dW and dW_tilde", "gradients db and db_tilde", "gradient agrees with finite differences of your loss",
      "repeated words", "counts above x_max", "larger batch"}),
    ("ngrams", "bytes not sign-extended (plain FNV-1a)", "        if byte >= 128:\n            byte |= 0xFFFFFF00\n", "",
     {"hash of non-ASCII n-grams", "rows of non-ASCII words", "short words"}),
    ("oov", "out-of-vocabulary words divided by 1 + n", "count = mask.sum(axis=1) + known",
     "count = mask.sum(axis=1) + 1",
     {"out-of-vocabulary words", "no n-gram: the zero vector", "repeated n-gram rows", "larger batch"}),
    ("conv1d", "input gradient with the kernel not flipped", "w[::-1].transpose(0, 2, 1)", "w.transpose(0, 2, 1)",
     {"gradient dx", "gradients agree with finite differences of your loss", "gradients, dilation and causal padding",
      "kernel reaching past the start", "larger batch"}),
    ("maxpool", "padding zeroed instead of excluded", "masked = np.where(allowed[:, :, None], h, -np.inf)",
     "masked = h * allowed[:, :, None]",
     {"pooled values", "winning positions", "padding never wins", "every allowed value negative",
      "one allowed position"}),
    ("dilated", "zeros padded on the right", "((kernel_size - 1) * dilation, 0)", "(0, (kernel_size - 1) * dilation)",
     {"causal padding", "causal convolution", "step 0 sees only itself", "dilation reaching past the start"}),
    ("rnn-bptt", "no gradient through time", 'delta = w[:, t] + da_next @ params["W_hh"]', "delta = w[:, t]",
     {"gradient dW_hh", "gradients dW_ih, db_ih, db_hh", "gradients of the inputs and of h0",
      "gradient agrees with finite differences of your loss", "long sequences", "saturated units"}),
    ("lstm-backward", "cell-state gradient misses the path through h'", "dc = w_c + w_h * o * (1.0 - tc ** 2)",
     "dc = w_c", {"gradient of the old cell state", "gradient of the old hidden state", "gradient of the input",
                  "weight gradients", "gradient agrees with finite differences of your loss", "saturated gates",
                  "larger batch and hidden size"}),
    ("gru-scan", "padded steps output the state", "return np.where(m, h_new, h), np.where(m, h_new, 0.0)",
     "return np.where(m, h_new, h), h_new",
     {"one step, padded rows keep their state", "outputs over a padded batch", "outputs are zero past each length",
      "a sequence of length 0", "longer sequences", "large inputs"}),
    ("perplexity", "padding counted in the mean", "return float(ce.sum() / mask.sum())",
     "return float(ce.sum() / mask.size)",
     {"cross-entropy", "perplexity", "padding is ignored", "logits of 1e4", "one real token"}),
    ("scalar-mix", "softmax Jacobian without its mean term", '{"s": a * (c - np.dot(a, c))', '{"s": a * c',
     {"gradient ds", "the gradients of s sum to zero", "gradient agrees with finite differences of your loss",
      "large s", "a single layer"}),
    ("bahdanau", "softmax over the padding too",
     "w = np.where(mask, np.exp(np.where(mask, scores, top) - top), 0.0)",
     "w = np.exp(scores - scores.max(axis=1, keepdims=True))",
     {"masked softmax", "weights and context", "weights sum to 1 and are exactly 0 on padding",
      "scores of 1e4", "garbage in the padding", "one real token"}),
    ("luong-general", "softmax Jacobian without its mean term",
     "de = a * (da - np.sum(a * da, axis=1, keepdims=True))", "de = a * da",
     {"gradient dW", "gradient agrees with finite differences", "larger shapes", "one real token"}),
]


@pytest.mark.parametrize("slug,bug,old,new,failing", BUGS, ids=[b[1] for b in BUGS])
def test_one_bug_loses_exactly_the_points_of_the_checks_it_fails(tmp_path, slug, bug, old, new, failing):
    source = (SOLUTIONS / f"{slug}.py").read_text()
    assert old in source
    path = tmp_path / f"{slug}.py"
    path.write_text(source.replace(old, new))
    report = _grade(slug, path)
    ex = load_exercise(slug)
    assert {r.name for r in report.results if not r.passed} == failing, report.text()
    assert report.score == ex.max_points - sum(c.points for c in ex.checks if c.name in failing)


def test_hidden_cases_depend_on_the_secret_and_public_ones_do_not():
    ex = load_exercise("ppmi")

    def inputs(secret, hidden):
        plan = engine.build_plan(ex, secret, hidden=True)
        return [c.args[0] for chk, p in plan.checks if chk.hidden == hidden for c in p.calls]

    for a, b in zip(inputs("s1", False), inputs("s2", False)):
        np.testing.assert_array_equal(a, b)
    assert any(a.shape != b.shape or not np.array_equal(a, b) for a, b in zip(inputs("s1", True), inputs("s2", True)))
    public_only = engine.build_plan(ex, hidden=False)
    assert all(not chk.hidden for chk, _ in public_only.checks)


def test_fingerprint_changes_with_secret_and_version():
    import dataclasses

    ex = load_exercise("sgns")
    fp = engine.fingerprint(ex, "a")
    assert fp == engine.fingerprint(ex, "a")
    assert fp != engine.fingerprint(ex, "b")
    assert fp != engine.fingerprint(dataclasses.replace(ex, version="2"), "a")

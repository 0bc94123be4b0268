"""Decoding: beam width 1 is greedy, a wide beam is exhaustive search, JAX equals NumPy, alpha, errors.

The models are the table language models of ``textbook.sequence.decoding.toy``: random ones
(continuous log-probabilities, so exact ties do not occur) and hand-built ones. The session runs
JAX in float64 (tests/conftest.py); a separate check runs the JAX decoder in float32.
"""

from __future__ import annotations

import itertools
import math

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from textbook.core.testing import Case, assert_agree
from textbook.sequence.decoding import (DEFAULT_ALPHA, NORM_TOL, PAD, backend, beam_search, greedy,
                                        normalised_score, plots, toy)

NP = backend("numpy")
JX = backend("jax")


@st.composite
def models(draw, states=(1, 2, 5), vocab=(3, 4, 7), attention=(False, True)):
    """A random finite-state model, sometimes with tokens of probability 0 and attention rows."""
    S, V = draw(st.sampled_from(states)), draw(st.sampled_from(vocab))
    return toy.random_table(S, V, seed=draw(st.integers(0, 2**32 - 1)),
                            sharpness=draw(st.sampled_from([0.3, 1.0, 3.0])),
                            eos_logit=draw(st.sampled_from([-2.0, 0.0, 1.0])),
                            zero_prob=draw(st.sampled_from([0.0, 0.0, 0.3])),
                            attention_len=3 if draw(st.sampled_from(attention)) else None)


alphas = st.sampled_from([0.0, 0.3, DEFAULT_ALPHA, 1.0, 1.7])


def exhaustive(lm: toy.TableLM, max_len: int, alpha: float) -> list[tuple[tuple, float]]:
    """Every possible output, scored, best first: sequences of at most max_len tokens, ending in
    eos unless they have max_len tokens, with eos nowhere else and probability > 0."""
    out = []
    for n in range(1, max_len + 1):
        for body in itertools.product(range(lm.vocab_size), repeat=n - 1):
            if lm.eos in body:
                continue
            for last in range(lm.vocab_size):
                if n < max_len and last != lm.eos:
                    continue
                tokens = body + (last,)
                log_prob = lm.sequence_log_prob(tokens)
                if log_prob > -math.inf:
                    out.append((tokens, log_prob / n ** alpha))
    return sorted(out, key=lambda ts: -ts[1])


# ------------------------------------------------------------------------------ beam width 1 is greedy


@given(models(), st.integers(1, 8), alphas)
def test_beam_width_one_is_greedy_token_for_token(lm, max_len, alpha):
    tokens, score, extras = greedy(lm.step, lm.start, lm.bos, lm.eos, max_len, alpha, return_extras=True)
    (hyp,) = beam_search(lm.step, lm.start, lm.bos, lm.eos, max_len, beam_size=1, alpha=alpha, return_extras=True)
    np.testing.assert_array_equal(hyp[0], tokens)
    assert hyp[1] == score                                      # the same float, not just close
    if lm.attention is None:
        assert extras is None and hyp[2] is None
    else:
        np.testing.assert_array_equal(hyp[2], extras)


@given(models(), st.integers(1, 8), alphas)
def test_greedy_takes_the_most_probable_token_and_scores_it(lm, max_len, alpha):
    tokens, score = greedy(lm.step, lm.start, lm.bos, lm.eos, max_len, alpha)
    assert tokens.dtype == np.int64 and 1 <= len(tokens) <= max_len
    assert (tokens[-1] == lm.eos) or len(tokens) == max_len
    assert lm.eos not in tokens[:-1] and lm.bos not in tokens          # bos has probability 0 in toy models
    state, token = lm.start, lm.bos
    for y in tokens:                                                   # each choice is the argmax
        log_probs, state = lm.step(state, token)[:2]
        assert log_probs[y] == log_probs.max()
        token = y
    assert score == pytest.approx(lm.sequence_log_prob(tokens) / len(tokens) ** alpha, rel=1e-12)


# ------------------------------------------------------------------ a wide beam is exhaustive search


@given(models(states=(1, 3), vocab=(3, 4), attention=(False,)), st.integers(1, 4), alphas)
def test_a_beam_holding_every_hypothesis_returns_the_exhaustive_optimum(lm, max_len, alpha):
    every = exhaustive(lm, max_len, alpha)
    hyps = beam_search(lm.step, lm.start, lm.bos, lm.eos, max_len, beam_size=len(every) + 2, alpha=alpha)
    assert hyps[0][1] == pytest.approx(every[0][1], rel=1e-12)
    # the optimum itself (or one tied with it up to rounding: with one state, "a b" and "b a" tie)
    optima = {t for t, s in every if s >= every[0][1] - 1e-12 * abs(every[0][1])}
    assert tuple(hyps[0][0]) in optima
    # ... and, being that wide, it finds every hypothesis, with the same scores
    assert len(hyps) == len(every)
    assert {tuple(t): s for t, s in hyps} == pytest.approx(dict(every), rel=1e-12)
    np.testing.assert_allclose([s for _, s in hyps], [s for _, s in every], rtol=1e-12)


@given(models(attention=(False,)), st.integers(1, 6), st.sampled_from([1, 2, 3, 5]), alphas)
def test_finished_hypotheses_leave_the_beam(lm, max_len, beam_size, alpha):
    trace = []
    hyps = beam_search(lm.step, lm.start, lm.bos, lm.eos, max_len, beam_size, alpha, trace=trace)
    assert 1 <= len(hyps) <= beam_size
    assert len({tuple(t) for t, _ in hyps}) == len(hyps)               # distinct
    scores = [s for _, s in hyps]
    assert scores == sorted(scores, reverse=True)                       # best first
    for tokens, score in hyps:
        assert tokens.dtype == np.int64 and 1 <= len(tokens) <= max_len
        assert tokens[-1] == lm.eos or len(tokens) == max_len
        assert lm.eos not in tokens[:-1]
        assert score == pytest.approx(lm.sequence_log_prob(tokens) / len(tokens) ** alpha, rel=1e-12)
    # the beam keeps beam_size - (finished so far) expansions at each step
    finished = 0
    for record in trace:
        kept = [e for e in record["expansions"] if e[3] != "pruned"]
        possible = [e for e in record["expansions"] if e[2] > -math.inf]
        assert len(kept) == min(beam_size - finished, len(possible))
        best = sorted(e[2] for e in possible)[::-1][:len(kept)]
        assert sorted((e[2] for e in kept), reverse=True) == best      # the kept are the best
        finished += sum(e[3] == "finished" for e in record["expansions"])
    assert finished == len(hyps)


def test_beam_finds_what_greedy_misses():
    lm = toy.greedy_trap()
    for alpha in (0.0, DEFAULT_ALPHA, 1.0):
        tokens, score = greedy(lm.step, lm.start, lm.bos, lm.eos, 5, alpha)
        assert lm.words(tokens) == "a a a a a"
        (best, best_score), *_ = beam_search(lm.step, lm.start, lm.bos, lm.eos, 5, beam_size=2, alpha=alpha)
        assert lm.words(best) == "b </s>"
        assert best_score == pytest.approx(math.log(0.4 * 0.9) / 2 ** alpha)
        assert best_score > score


def test_alpha_zero_favours_short_outputs_and_alpha_one_long_ones():
    lm = toy.length_example()
    best = {a: beam_search(lm.step, lm.start, lm.bos, lm.eos, 8, beam_size=4, alpha=a)[0][0] for a in (0.0, 1.0)}
    assert lm.words(best[0.0]) == "</s>"                               # log 0.4 beats every longer output
    assert lm.words(best[1.0]) == " ".join(["a"] * 8)                  # per-token log-prob tends to log 0.8


@given(models(attention=(False,)), st.integers(2, 7), st.sampled_from([2, 4]))
def test_the_best_output_never_gets_shorter_as_alpha_grows(lm, max_len, beam_size):
    lengths = [len(beam_search(lm.step, lm.start, lm.bos, lm.eos, max_len, beam_size, a)[0][0])
               for a in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)]
    assert lengths == sorted(lengths), lengths


def test_extras_are_the_attention_rows_of_each_generated_token():
    lm = toy.random_table(4, 6, seed=3, attention_len=5)
    hyps = beam_search(lm.step, lm.start, lm.bos, lm.eos, 6, 3, 0.5, return_extras=True)
    for tokens, _, extras in hyps:
        assert extras.shape == (len(tokens), 5)
        state, token = lm.start, lm.bos
        for t, y in enumerate(tokens):                # row t: what the step returned when predicting y_t
            _, state, attention = lm.step(state, token)
            np.testing.assert_array_equal(extras[t], attention)
            token = y
    assert all(len(h) == 2 for h in beam_search(lm.step, lm.start, lm.bos, lm.eos, 6, 3, 0.5))


def test_ties_go_to_the_lower_token_id():
    uniform = np.log(np.full((4, 4), 0.25))
    lm = toy.markov(uniform, bos=1, eos=0)
    tokens, _ = greedy(lm.step, lm.start, lm.bos, lm.eos, 3)
    assert tokens.tolist() == [0]
    hyps = beam_search(lm.step, lm.start, lm.bos, lm.eos, 3, beam_size=3, alpha=0.0)
    # step 1 keeps 0 (finished), 1, 2; step 2 ranks "1 0" (finished) and "1 1" before any "2 .";
    # step 3 keeps "1 1 0"
    assert [h[0].tolist() for h in hyps] == [[0], [1, 0], [1, 1, 0]]
    for impl in (NP, JX):                                              # the same rule in both backends
        out = impl.beam_search_batch(toy.table_step, lm.params(), lm.initial_state(2), lm.bos, lm.eos, 3, 3, 0.0)
        np.testing.assert_array_equal(np.asarray(out["tokens"])[1], [[0, PAD, PAD], [1, 0, PAD], [1, 1, 0]])


def test_normalised_score():
    assert normalised_score(-3.0, 4, 0.0) == -3.0
    assert normalised_score(-3.0, 4, 1.0) == -0.75
    assert normalised_score(-3.0, 4, 0.5) == pytest.approx(-1.5)


# ------------------------------------------------------------------------------ batched: JAX == NumPy


@st.composite
def batches(draw):
    lm = draw(models(states=(2, 5), vocab=(4, 7)))
    B = draw(st.sampled_from([1, 3]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    state = rng.integers(0, lm.num_states, B)                         # a different start per sequence
    bos = lm.bos if draw(st.booleans()) else np.full(B, lm.bos)
    return lm, state, bos, draw(st.sampled_from([1, 4, 6]))


@given(batches(), st.sampled_from([1, 3]), alphas)
def test_batched_jax_beam_search_equals_numpy_sequence_by_sequence(batch, beam_size, alpha):
    lm, state, bos, max_len = batch
    case = Case("beam_search_batch", (toy.table_step, lm.params(), state, bos, lm.eos, max_len, beam_size, alpha),
                name=f"B={len(state)}, beam {beam_size}, max_len {max_len}")
    expected, _ = assert_agree(NP, JX, case, rtol=1e-12, atol=1e-12)
    for b in range(len(state)):                                        # and NumPy's batch is one-sequence search
        one = beam_search(lm.step, int(state[b]), lm.bos, lm.eos, max_len, beam_size, alpha)
        assert expected["count"][b] == len(one)
        for k, (tokens, score) in enumerate(one):
            n = len(tokens)
            np.testing.assert_array_equal(expected["tokens"][b, k, :n], tokens)
            assert (expected["tokens"][b, k, n:] == PAD).all() and expected["lengths"][b, k] == n
            assert expected["scores"][b, k] == score
        assert (expected["scores"][b, len(one):] == -np.inf).all()


@given(batches(), alphas)
def test_batched_jax_greedy_equals_numpy_and_beam_width_one(batch, alpha):
    lm, state, bos, max_len = batch
    args = (toy.table_step, lm.params(), state, bos, lm.eos, max_len)
    expected, _ = assert_agree(NP, JX, Case("greedy_batch", args + (alpha,)), rtol=1e-12, atol=1e-12)
    beam = JX.beam_search_batch(*args, 1, alpha)
    np.testing.assert_array_equal(np.asarray(beam["tokens"])[:, 0], expected["tokens"])
    # (XLA may round n ** alpha differently in the two compiled loops: equal up to the last bit)
    np.testing.assert_allclose(np.asarray(beam["scores"])[:, 0], expected["scores"], rtol=1e-14, atol=0)
    if "extras" in expected:
        np.testing.assert_array_equal(np.asarray(beam["extras"])[:, 0], expected["extras"])


def test_jax_float32_path_is_close_to_numpy():
    lm = toy.random_markov(50, seed=0, sharpness=3.0, eos_logit=-1.0)
    state = np.arange(8) % 50
    bos = np.full(8, lm.bos)
    expected = NP.beam_search_batch(toy.table_step, lm.params(), state, bos, lm.eos, 10, 4, 0.7)
    got = JX.beam_search_batch(toy.table_step, lm.params("jax", jnp.float32), state, bos, lm.eos, 10, 4, 0.7)
    assert got["scores"].dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(got["tokens"]), expected["tokens"])
    np.testing.assert_allclose(np.asarray(got["scores"]), expected["scores"], rtol=1e-5)


def test_new_params_and_alpha_of_the_same_shapes_do_not_recompile():
    sizes = []
    for seed, alpha in ((0, 0.5), (1, 0.7), (2, 1.0)):
        lm = toy.random_markov(30, seed=seed)
        out = JX.beam_search_batch(toy.table_step, lm.params("jax"), lm.initial_state(16), lm.bos, lm.eos, 7, 3,
                                   alpha)
        assert out["tokens"].shape == (16, 3, 7) and (np.asarray(out["count"]) == 3).all()
        sizes.append(JX._beam_search._cache_size())
    assert sizes[0] == sizes[1] == sizes[2]


# ------------------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("kwargs, match", [
    ({"beam_size": 0}, "beam_size must be an integer >= 1"),
    ({"beam_size": 2.0}, "beam_size must be an integer >= 1"),
    ({"beam_size": True}, "beam_size must be an integer >= 1"),
    ({"max_len": 0}, "max_len must be an integer >= 1"),
    ({"eos": 4}, r"eos must be a token id in \[0, 4\)"),
    ({"eos": -1}, "eos must be an integer >= 0"),
    ({"alpha": -0.5}, "alpha must be a finite number >= 0"),
    ({"alpha": float("nan")}, "alpha must be a finite number >= 0"),
])
def test_bad_arguments_are_refused_by_both_backends(kwargs, match):
    lm = toy.greedy_trap()
    args = {"eos": lm.eos, "max_len": 4, "beam_size": 2, "alpha": 0.7, **kwargs}
    with pytest.raises(ValueError, match=match):
        beam_search(lm.step, lm.start, lm.bos, **args)
    for impl in (NP, JX):
        with pytest.raises(ValueError, match=match):
            impl.beam_search_batch(toy.table_step, lm.params(), lm.initial_state(2), lm.bos, **args)
    if "beam_size" not in kwargs:
        del args["beam_size"]
        with pytest.raises(ValueError, match=match):
            greedy(lm.step, lm.start, lm.bos, **args)
        for impl in (NP, JX):
            with pytest.raises(ValueError, match=match):
                impl.greedy_batch(toy.table_step, lm.params(), lm.initial_state(2), lm.bos, **args)


def _bad_numpy_step(kind):
    V = 5
    good = np.log(np.array([1.0, 1.0, 3.0, 1.0, 1.0]) / 7.0)          # eos (0) is not the first choice

    def step(state, token):
        state = state + 1
        if kind == "not a tuple":
            return good
        if kind == "2-D":
            return good[:, None], state
        if kind == "V changes" and state == 2:
            return np.log(np.full(V + 1, 1.0 / (V + 1))), state
        if kind == "logits":
            return np.arange(V, dtype=float), state
        if kind == "NaN" and state == 2:
            return np.where(np.arange(V) == 3, np.nan, good), state
        if kind == "+inf":
            return np.where(np.arange(V) == 3, np.inf, good), state
        if kind == "all -inf":
            return np.full(V, -np.inf), state
        if kind == "integers":
            return np.zeros(V, dtype=int), state
        return good, state

    return step


@pytest.mark.parametrize("kind, error, match", [
    ("not a tuple", TypeError, r"step must return \(log_probs, new_state\)"),
    ("2-D", ValueError, r"log_probs of shape \(V,\).*got shape \(5, 1\)"),
    ("V changes", ValueError, r"\(V,\) = \(5,\) as at the first step, got shape \(6,\) at step 2"),
    ("logits", ValueError, "not normalised at step 1.*log_softmax"),
    ("NaN", ValueError, "NaN or \\+inf log-probabilities at step 2"),
    ("+inf", ValueError, "NaN or \\+inf"),
    ("all -inf", ValueError, "not normalised"),
    ("integers", TypeError, "float log_probs"),
])
def test_a_bad_numpy_step_function_gets_a_clear_error(kind, error, match):
    step = _bad_numpy_step(kind)
    for decode in (lambda: greedy(step, 0, 1, 0, 4), lambda: beam_search(step, 0, 1, 0, 4, 3, 0.7)):
        with pytest.raises(error, match=match):
            decode()


def _jax_step_wrong_width(params, state, tokens):
    return params["log_probs"][tokens][:, :-1] * 0 + jnp.log(1.0 / 3), state


def _jax_step_one_row(params, state, tokens):
    return params["log_probs"][tokens][:1], state


def _jax_step_state_shape(params, state, tokens):
    return params["log_probs"][tokens], jnp.stack([state, state], axis=1)


def _jax_step_logits(params, state, tokens):
    return params["log_probs"][tokens] + 2.0, state


def _jax_step_nan_later(params, state, tokens):
    lp = params["log_probs"][tokens]
    return jnp.where((state[:, None] >= 2) & (jnp.arange(lp.shape[1]) == 2), jnp.nan, lp), state + 1


def _jax_step_no_tuple(params, state, tokens):
    return params["log_probs"][tokens]


@pytest.mark.parametrize("step, error, match", [
    (_jax_step_one_row, ValueError, r"log_probs of shape \(N, V\) with N = 6 rows"),
    (_jax_step_state_shape, ValueError, r"new_state with the shapes of state: leaf 0 should have shape \(6,\), got \(6, 2\)"),
    (_jax_step_logits, ValueError, "not normalised at step 1: logsumexp\\(log_probs\\) = 2"),
    (_jax_step_nan_later, ValueError, "NaN or \\+inf log-probabilities at step 3"),
    (_jax_step_no_tuple, TypeError, r"step must return \(log_probs, new_state\)"),
])
def test_a_bad_jax_step_function_gets_a_clear_error(step, error, match):
    lm = toy.random_markov(5, seed=0, eos_logit=-5.0)
    params, state = lm.params("jax"), jnp.zeros(2, dtype=jnp.int32)
    with pytest.raises(error, match=match):
        JX.beam_search_batch(step, params, state, lm.bos, lm.eos, 5, 3, 0.7)
    with pytest.raises(error, match=match.replace("N = 6", "N = 2").replace("6", "2")):
        JX.greedy_batch(step, params, state, lm.bos, lm.eos, 5, 0.7)


def test_jax_eos_out_of_range_and_bad_batch_shapes():
    lm = toy.random_markov(5, seed=0)
    with pytest.raises(ValueError, match=r"eos must be a token id in \[0, 5\)"):
        JX.beam_search_batch(toy.table_step, lm.params("jax"), lm.initial_state(2), lm.bos, 5, 3, 2)
    with pytest.raises(ValueError, match="leading dimension"):
        JX.beam_search_batch(toy.table_step, lm.params("jax"), lm.initial_state(2), np.full(3, lm.bos), 0, 3, 2)
    with pytest.raises(TypeError, match="bos must be integer token ids"):
        NP.beam_search_batch(toy.table_step, lm.params(), lm.initial_state(2), 1.0, 0, 3, 2)
    with pytest.raises(TypeError, match="bos must be integer token ids"):
        JX.beam_search_batch(toy.table_step, lm.params(), lm.initial_state(2), 1.0, 0, 3, 2)


def test_table_models_refuse_bad_tables():
    with pytest.raises(ValueError, match="normalised"):
        toy.TableLM(np.zeros((2, 3)), np.zeros((2, 3), dtype=int), bos=1, eos=0)
    with pytest.raises(ValueError, match="next_state"):
        toy.TableLM(np.log(np.full((2, 3), 1 / 3)), np.full((2, 3), 2), bos=1, eos=0)
    with pytest.raises(ValueError, match="eos must be a token"):
        toy.TableLM(np.log(np.full((2, 3), 1 / 3)), np.zeros((2, 3), dtype=int), bos=1, eos=3)


# ------------------------------------------------------------------------------- exercise reference, plot


@given(models(attention=(False,)), st.integers(1, 5), st.sampled_from([1, 3]), alphas)
def test_table_interface_of_the_exercise_is_the_same_search(lm, max_len, beam_size, alpha):
    arrays = (lm.log_probs, lm.next_state, lm.start, lm.bos, lm.eos, max_len)
    got = toy.table_beam_search(*arrays, beam_size, alpha)
    want = beam_search(lm.step, lm.start, lm.bos, lm.eos, max_len, beam_size, alpha)
    assert [(t.tolist(), s) for t, s in got] == [(t.tolist(), s) for t, s in want]
    t1, s1 = toy.table_greedy(*arrays, alpha)
    t2, s2 = greedy(lm.step, lm.start, lm.bos, lm.eos, max_len, alpha)
    assert t1.tolist() == t2.tolist() and s1 == s2


def test_beam_tree_plot_draws_every_scored_expansion():
    lm = toy.greedy_trap()
    trace = []
    (best, _), *_ = beam_search(lm.step, lm.start, lm.bos, lm.eos, 4, 2, 0.7, trace=trace)
    fig = plots.plot_beam_tree(trace, lm.vocab, alpha=0.7, best=best)
    texts = [t.get_text() for t in fig.axes[0].texts]
    finite = sum(e[2] > -math.inf for r in trace for e in r["expansions"])
    assert len(texts) == finite + 1                                     # + the start node
    assert any(t.startswith("</s>  -1.02\nscore") for t in texts)
    with pytest.raises(ValueError, match="trace is empty"):
        plots.plot_beam_tree([])
    fig = plots.plot_length_vs_alpha([0.0, 1.0], {"beam 2": [1.0, 3.0]})
    assert len(fig.axes[0].lines) == 1
    with pytest.raises(ValueError, match="2 alphas"):
        plots.plot_length_vs_alpha([0.0, 1.0], {"beam 2": [1.0]})


def test_norm_tolerance_accepts_float32_rows():
    lm = toy.random_markov(1000, seed=0)
    lp32 = lm.log_probs.astype(np.float32)
    lse = np.log(np.exp(lp32.astype(np.float64)).sum(axis=1))
    assert np.abs(lse).max() < NORM_TOL / 10


# --------------------------------------------------------------------------------------- the book page


@pytest.mark.slow
def test_decoding_page_shows_its_executed_examples_figures_and_tabs(site):
    import re

    html = (site / "sequence" / "decoding" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    for i in range(1, 5):
        assert f'id="eq-DEC-{i}"' in html, f"equation (DEC-{i}) has no anchor"
    assert html.count("<math") >= 30
    assert re.search(r"greedy\s+a a a a\s+score -1\.424", text), "no greedy result"
    assert re.search(r"beam 2, rank 1\s+b &lt;/s&gt;\s+score -0\.629", text), "no beam result"
    assert re.search(r"beam 10\s+: mean length\s+\d\.\d\d at alpha 0,\s+\d+\.\d\d at alpha 1\.5", text)
    assert "same tokens: True  same lengths: True" in text
    figures = re.findall(r'<div class="exec-figure">\s*<svg\b.*?</svg>', html, flags=re.S)
    assert len(figures) == 2, "expected the beam tree and the alpha plot"
    assert "score -0.63" in figures[0], "the tree does not label the finished scores"
    assert "beam 10" in figures[1]
    tab_sets = re.findall(r'<div class="tabbed-set tabbed-alternate".*?<div class="tabbed-labels">(.*?)</div>',
                          html, flags=re.S)
    assert len(tab_sets) == 2
    for labels in tab_sets:
        assert [n.strip() for n in re.findall(r"<label[^>]*>(.*?)</label>", labels, flags=re.S)] == ["NumPy", "JAX"]
    for needle in ("def beam_search(step", "lax.top_k(total.reshape(B, K * V), K)", "def table_step("):
        assert needle in text.replace("&amp;", "&"), f"the included source lacks {needle!r}"
    api = (site / "api" / "decoding" / "index.html").read_text(encoding="utf-8")
    for name in ("textbook.sequence.decoding.numpy_impl.beam_search", "textbook.sequence.decoding.jax_impl.beam_search_batch",
                 "textbook.sequence.decoding.toy.TableLM"):
        assert f'id="{name}"' in api, f"the API page has no entry for {name}"

"""The recurrent pages of the book (RNN language model, LSTM/GRU, bidirectional/stacked, ELMo):
math with anchors, NumPy/JAX tabs from the source, and the results of their executed demos.

Uses the site built once per session (the ``site`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_docs import _html_path, _nav_pages

PAGES = ["sequence/rnn-lm.md", "sequence/lstm-gru.md", "sequence/bidirectional-stacked.md", "sequence/elmo.md"]


def _text(html: str) -> str:
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))


@pytest.mark.slow
def test_pages_are_in_the_nav_and_built(site: Path) -> None:
    pages = _nav_pages()
    for page in PAGES + ["api/rnn.md", "api/language_model.md", "api/elmo.md"]:
        assert page in pages, f"{page} is missing from the nav of mkdocs.yml"
        assert _html_path(site, page).is_file()


@pytest.mark.slow
@pytest.mark.parametrize("page, prefixes", [
    ("sequence/rnn-lm.md", {"RNN": 11}), ("sequence/lstm-gru.md", {"LSTM": 7, "GRU": 4}),
    ("sequence/bidirectional-stacked.md", {"BI": 6}), ("sequence/elmo.md", {"ELMO": 8}),
])
def test_equations_are_mathml_with_anchors(site: Path, page, prefixes) -> None:
    html = _html_path(site, page).read_text(encoding="utf-8")
    assert html.count("<math") >= 20
    for prefix, count in prefixes.items():
        for i in range(1, count + 1):
            assert f'id="eq-{prefix}-{i}"' in html, f"({prefix}-{i}) has no anchor on {page}"


@pytest.mark.slow
@pytest.mark.parametrize("page, needles", [
    ("sequence/rnn-lm.md", ("def rnn_cell(w, ax, state)", "def rnn_cell_backward(", "def layer_backward(",
                            "lax.scan(body", "def clip_by_global_norm(", "def next_token(")),
    ("sequence/lstm-gru.md", ("def lstm_cell_backward(", "def gru_cell_backward(", "def step_backward(")),
    ("sequence/bidirectional-stacked.md", ("def stack_backward(", "def run_stack(", "reverse=reverse")),
    ("sequence/elmo.md", ("def scalar_mix_backward(", "def lm_stack_backward(", "jax.value_and_grad(_bilm_loss)")),
])
def test_numpy_and_jax_tabs_come_from_the_source(site: Path, page, needles) -> None:
    html = _html_path(site, page).read_text(encoding="utf-8")
    tab_sets = re.findall(r'<div class="tabbed-set tabbed-alternate".*?<div class="tabbed-labels">(.*?)</div>',
                          html, flags=re.S)
    assert len(tab_sets) >= (1 if "bidirectional" in page else 2)
    for labels in tab_sets:
        assert [n.strip() for n in re.findall(r"<label[^>]*>(.*?)</label>", labels, flags=re.S)] == ["NumPy", "JAX"]
    code = _text(html)
    for needle in needles:
        assert needle in code, f"{page}: the included source lacks {needle!r}"
    assert "--8<--" not in code


@pytest.mark.slow
def test_language_model_page_shows_perplexities_samples_and_the_curve(site: Path) -> None:
    text = _text(_html_path(site, "sequence/rnn-lm.md").read_text(encoding="utf-8"))
    unigram = float(re.search(r"unigram baseline, held-out perplexity:\s+([\d.]+)", text).group(1))
    trained = float(re.search(r"held-out perplexity after training:\s+([\d.]+)", text).group(1))
    assert trained < 0.5 * unigram, (trained, unigram)
    assert "sample before training:" in text and "sample after training, temperature 0.7:" in text
    assert "<svg" in _html_path(site, "sequence/rnn-lm.md").read_text(encoding="utf-8")
    assert re.search(r"loss\s+numpy ([\d.]+)\s+jax ([\d.]+)", text)


@pytest.mark.slow
def test_gate_and_elmo_pages_show_their_results(site: Path) -> None:
    gates = _text(_html_path(site, "sequence/lstm-gru.md").read_text(encoding="utf-8"))
    for cell in ("rnn", "gru", "lstm"):
        assert re.search(rf"\n{cell}\s+[\d,]+\s+[\d.]+\s+[\d.]+\s+[\d,]+", gates), cell
    assert "LSTM, forget bias 1" in gates
    bi = _text(_html_path(site, "sequence/bidirectional-stacked.md").read_text(encoding="utf-8"))
    assert "forward final state (layer 1)  = output at t = 3: True" in bi and "outputs equal: True" in bi
    elmo = _text(_html_path(site, "sequence/elmo.md").read_text(encoding="utf-8"))
    assert "static embedding (layer 0):" in elmo and "ELMo (equal mix of the 3 layers):" in elmo
    row = re.search(r"mix, equal weights\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(\d+)%", elmo)
    assert row and float(row.group(1)) > float(row.group(2)) and int(row.group(3)) >= 70

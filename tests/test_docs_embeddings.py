"""The GloVe, FastText and evaluation pages of the book: math, tabs from the source, executed results.

Uses the site built once per session (the ``site`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_docs import _html_path, _nav_pages


def _text(html: str) -> str:
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))


@pytest.mark.slow
def test_pages_are_in_the_nav_and_built(site: Path) -> None:
    pages = _nav_pages()
    for page in ("embeddings/glove.md", "embeddings/fasttext.md", "api/glove.md", "api/fasttext.md"):
        assert page in pages, f"{page} is missing from the nav of mkdocs.yml"
        assert _html_path(site, page).is_file()


@pytest.mark.slow
@pytest.mark.parametrize("page, prefix, count, at_least", [
    ("embeddings/glove.md", "GLOVE", 7, 40), ("embeddings/fasttext.md", "FT", 5, 15),
])
def test_equations_are_mathml_with_anchors(site: Path, page, prefix, count, at_least) -> None:
    html = _html_path(site, page).read_text(encoding="utf-8")
    assert html.count("<math") >= at_least
    for i in range(1, count + 1):
        assert f'id="eq-{prefix}-{i}"' in html, f"({prefix}-{i}) has no anchor on {page}"


@pytest.mark.slow
@pytest.mark.parametrize("page, needles", [
    ("embeddings/glove.md", ("def weighting(x", "def pair_losses_and_row_grads(", "jax.value_and_grad",
                             "sparse_adagrad", "jax.lax.scan")),
    ("embeddings/fasttext.md", ("def compose(W_words", "def compose_backward(", "negative_sampling(",
                                "def word_vectors(", "jax.value_and_grad")),
])
def test_numpy_and_jax_tabs_come_from_the_source(site: Path, page, needles) -> None:
    html = _html_path(site, page).read_text(encoding="utf-8")
    tab_sets = re.findall(r'<div class="tabbed-set tabbed-alternate".*?<div class="tabbed-labels">(.*?)</div>',
                          html, flags=re.S)
    assert len(tab_sets) >= 2
    for labels in tab_sets:
        assert [n.strip() for n in re.findall(r"<label[^>]*>(.*?)</label>", labels, flags=re.S)] == ["NumPy", "JAX"]
    code = _text(html)
    for needle in needles:
        assert needle in code, f"{page}: the included source lacks {needle!r}"
    assert "--8<--" not in code


@pytest.mark.slow
def test_glove_page_shows_the_plot_of_f_and_its_results(site: Path) -> None:
    html = _html_path(site, "embeddings/glove.md").read_text(encoding="utf-8")
    figure = re.search(r'<div class="exec-figure">\s*<svg\b.*?</svg>', html, flags=re.S)
    assert figure and "weight f(x)" in figure.group(0), "no plot of the weighting function"
    text = _text(html)
    m = re.search(r"largest \|fitted - log X\| = ([\d.e+-]+)", text)
    assert m and float(m.group(1)) < 1e-4, "the exact factorisation was not reached"
    assert re.search(r"epoch 25\s+mean loss \d\.\d+", text)
    assert re.search(r"W\+W_tilde: analogies 0\.\d+, Spearman 0\.\d+", text)
    assert re.search(r"\d+ non-zero counts out of \d+", text)


@pytest.mark.slow
def test_fasttext_page_shows_ngrams_hashes_and_unseen_words(site: Path) -> None:
    text = _text(_html_path(site, "embeddings/fasttext.md").read_text(encoding="utf-8"))
    assert "14 n-grams: <wh <whe <wher <where whe wher where where> her here here> ere ere> re>" in text
    assert re.search(r"'ïve'\s+bytes c3 af 76 65: hash \d+", text)
    m = re.search(r"walks \(14 n-grams\): (\w+) 0\.\d\d", text)
    assert m, "no out-of-vocabulary demo"
    assert re.search(r"accuracy \d\.\d+ \(\d+/292\)", text)


@pytest.mark.slow
def test_evaluation_table_has_every_model(site: Path) -> None:
    html = _html_path(site, "embeddings/evaluation.md").read_text(encoding="utf-8")
    table = re.search(r"<table>.*?3CosAdd.*?</table>", html, flags=re.S)
    assert table
    for model in ("skip-gram, negative sampling", "GloVe", "FastText", "PPMI + SVD"):
        assert model in table.group(0), f"{model} is missing from the evaluation table"

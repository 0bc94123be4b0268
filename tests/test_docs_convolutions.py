"""The TextCNN and dilated-convolution pages of the book: math, tabs from the source, executed results, figures.

Uses the site built once per session (the ``site`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest
from test_docs import _html_path, _nav_pages

PAGES = ("sequence/textcnn.md", "sequence/dilated.md", "api/textcnn.md", "api/dilated.md", "api/conv.md")


def _text(html: str) -> str:
    html = re.sub(r"<svg\b.*?</svg>", "", html, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))


@pytest.mark.slow
def test_pages_are_in_the_nav_and_built(site: Path) -> None:
    pages = _nav_pages()
    for page in PAGES:
        assert page in pages, f"{page} is missing from the nav of mkdocs.yml"
        assert _html_path(site, page).is_file()


@pytest.mark.slow
@pytest.mark.parametrize("page, equations", [
    ("sequence/textcnn.md", [f"TCNN-{i}" for i in range(1, 11)] + [f"CONV-{i}" for i in range(1, 5)]),
    ("sequence/dilated.md", [f"DIL-{i}" for i in range(1, 7)] + [f"RF-{i}" for i in range(1, 4)]),
])
def test_equations_are_mathml_with_anchors(site: Path, page, equations) -> None:
    html = _html_path(site, page).read_text(encoding="utf-8")
    assert html.count("<math") >= 40
    for name in equations:
        assert f'id="eq-{name}"' in html, f"({name}) has no anchor on {page}"


@pytest.mark.slow
@pytest.mark.parametrize("page, needles", [
    ("sequence/textcnn.md", ["def conv1d_backward(dy", "w_flip = w[::-1]", "def max_over_time(h",
                             "lax.conv_general_dilated", "jax.vjp", "take_along_axis", "def loss_and_grad("]),
    ("sequence/dilated.md", ["def receptive_field(", "def layer_backward(", "jax.nn.sigmoid(g)"]),
])
def test_numpy_and_jax_tabs_come_from_the_source(site: Path, page, needles) -> None:
    html = _html_path(site, page).read_text(encoding="utf-8")
    tab_sets = re.findall(r'<div class="tabbed-set tabbed-alternate".*?<div class="tabbed-labels">(.*?)</div>',
                          html, flags=re.S)
    assert len(tab_sets) >= 3
    for labels in tab_sets:
        assert [n.strip() for n in re.findall(r"<label[^>]*>(.*?)</label>", labels, flags=re.S)] == ["NumPy", "JAX"]
    text = _text(html)
    for needle in needles:
        assert needle in text, f"{page}: the included source lacks {needle!r}"
    assert "--8<--" not in text


@pytest.mark.slow
def test_textcnn_page_shows_training_ngrams_and_a_heatmap(site: Path) -> None:
    html = _html_path(site, "sequence/textcnn.md").read_text(encoding="utf-8")
    text = _text(html)
    m = re.search(r"held-out accuracy (0\.\d+) \(160 sentences\)", text)
    assert m and float(m.group(1)) > 0.85, "no (or a poor) held-out accuracy from the demo run"
    assert re.search(r"epoch 10\s+mean loss \d\.\d+\s+held-out accuracy", text)
    assert re.search(r"neg\s+The soup was not great\.", text) and re.search(r"pos\s+The room was not bad\.", text)
    assert re.search(r"<table>.*?fires hardest on.*?<em>\w+ \w+</em> \(\d\.\d\)", html, flags=re.S), \
        "no table of the n-grams the filters fire on"
    assert re.search(r'<div class="exec-figure">\s*<svg\b', html), "no activation heatmap"
    assert re.search(r"JAX training: held-out accuracy 0\.\d+", text)


@pytest.mark.slow
def test_dilated_page_shows_the_receptive_field_and_the_echo(site: Path) -> None:
    html = _html_path(site, "sequence/dilated.md").read_text(encoding="utf-8")
    figures = re.findall(r'<div class="exec-figure">\s*<svg\b.*?</svg>', html, flags=re.S)
    assert len(figures) >= 4, f"expected the RF diagrams and the growth plot, found {len(figures)} figures"
    assert "receptive field: 16 steps" in figures[0] and "receptive field: 5 steps" in figures[1]
    text = _text(html)
    assert "k=2: L=1: 2  L=2: 4  L=3: 8  L=4: 16" in text and "measured, k=2, 4 layers: 16" in text
    assert "reachable lags: [0, 1, 4, 5], receptive field 6" in text
    rf8 = re.search(r"RF  8: training loss [\d.]+ -> [\d.]+, held-out loss ([\d.]+)", text)
    rf16 = re.search(r"RF 16: training loss [\d.]+ -> [\d.]+, held-out loss ([\d.]+)", text)
    assert rf8 and rf16, "no echo-task results"
    assert float(rf16.group(1)) < 0.01 < 0.2 < float(rf8.group(1))


@pytest.mark.slow
def test_api_pages_render_docstrings(site: Path) -> None:
    for page, names in [
        ("api/textcnn.md", ["textbook.sequence.textcnn.train", "textbook.sequence.textcnn.numpy_impl.loss_and_grad",
                            "textbook.sequence.textcnn.jax_impl.train_step",
                            "textbook.sequence.textcnn.data.read_labelled"]),
        ("api/dilated.md", ["textbook.sequence.dilated.receptive_field", "textbook.sequence.dilated.Config",
                            "textbook.sequence.dilated.numpy_impl.input_gradient"]),
        ("api/conv.md", ["textbook.sequence.conv.numpy_impl.conv1d_backward",
                         "textbook.sequence.conv.jax_impl.conv1d"]),
    ]:
        html = _html_path(site, page).read_text(encoding="utf-8")
        for name in names:
            assert f'id="{name}"' in html, f"{page} has no entry for {name}"

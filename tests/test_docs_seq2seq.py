"""The sequence-to-sequence and attention pages: math with anchors, NumPy/JAX tabs from the source,
and the results of their executed demos (the bottleneck curve, attention heatmaps).

Uses the site built once per session (the ``site`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_docs import _html_path, _nav_pages

PAGES = ["sequence/seq2seq.md", "sequence/attention.md"]


def _text(html: str) -> str:
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))


@pytest.mark.slow
def test_pages_are_in_the_nav_and_built(site: Path) -> None:
    pages = _nav_pages()
    for page in PAGES + ["api/seq2seq.md"]:
        assert page in pages, f"{page} is missing from the nav of mkdocs.yml"
        assert _html_path(site, page).is_file()


@pytest.mark.slow
@pytest.mark.parametrize("page, tags", [
    ("sequence/seq2seq.md", ["S2S-1", "S2S-2", "S2S-3", "S2S-7", "S2S-10", "S2S-11", "S2S-12", "S2S-13",
                             "S2S-18", "S2S-19", "S2S-20"]),
    ("sequence/attention.md", ["S2S-4", "S2S-4d", "S2S-4g", "S2S-4c", "S2S-5", "S2S-6", "S2S-8", "S2S-9", "S2S-9f",
                               "S2S-14", "S2S-15", "S2S-16", "S2S-17"]),
])
def test_equations_are_mathml_with_anchors(site: Path, page, tags) -> None:
    html = _html_path(site, page).read_text(encoding="utf-8")
    assert html.count("<math") >= 15
    for tag in tags:
        assert f'id="eq-{tag}"' in html, f"({tag}) has no anchor on {page}"


@pytest.mark.slow
@pytest.mark.parametrize("page, needles", [
    ("sequence/seq2seq.md", ("def encode_backward(", "def decoder_step_backward(", "lax.scan(body",
                             "def step_fn(config)")),
    ("sequence/attention.md", ("def attend_backward(", "def masked_softmax(e, mask)", "jnp.einsum")),
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
        assert needle in code, f"{needle!r} is not on {page}"


@pytest.mark.slow
def test_bottleneck_demo_shows_attention_winning(site: Path) -> None:
    text = _text(_html_path(site, "sequence/seq2seq.md").read_text(encoding="utf-8"))
    found = dict(re.findall(r"(none|bahdanau): final training loss [0-9.]+, held-out exact match ([0-9.]+)%", text))
    assert set(found) == {"none", "bahdanau"}, text[:2000]
    assert float(found["bahdanau"]) > float(found["none"]) + 30
    assert "->" in text and "attention (" in text                # the beam-search block ran


@pytest.mark.slow
def test_attention_page_has_heatmaps_and_accuracies(site: Path) -> None:
    html = _html_path(site, "sequence/attention.md").read_text(encoding="utf-8")
    assert html.count('<div class="exec-figure"><svg') >= 2
    accuracies = dict(re.findall(r"(reverse|dates): held-out exact match ([0-9.]+)%", _text(html)))
    assert set(accuracies) == {"reverse", "dates"}
    assert all(float(a) >= 90 for a in accuracies.values()), accuracies

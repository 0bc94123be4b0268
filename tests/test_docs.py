"""The book: build the site once with ``mkdocs build --strict`` and check what came out.

Checked: every page of the nav is built; no raw TeX is left and the pages with
math carry MathML; equation links point at equations that exist; nothing the
site loads (scripts, stylesheets, images, fonts, CSS imports) comes from
another host; the Word2Vec page shows the output of its executed examples, its
figure and its NumPy/JAX tabs; a missing snippet section and a formula that
cannot be converted both fail a build.

The site is built once per test session, even with ``pytest -n 2``: the
workers share the build through a lock file.
"""

from __future__ import annotations

import importlib.util
import re
import textwrap
from pathlib import Path

import pytest
import yaml
from _site import mkdocs_run as _mkdocs

ROOT = Path(__file__).resolve().parent.parent
HOOK = ROOT / "docs" / "hooks" / "mathml.py"

# Hosts that serve fonts, scripts or math renderers: none may appear in anything the site loads.
CDN_PATTERNS = [
    "fonts.googleapis", "fonts.gstatic", "cdn.jsdelivr", "cdnjs", "mathjax", "katex",
    "polyfill.io", "code.jquery", "bootstrapcdn", "cdn.plot.ly", "pyodide", "unpkg.com",
]


def _nav_pages() -> list[str]:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, str):
            pages.append(item)
        elif isinstance(item, list):
            for x in item:
                walk(x)
        elif isinstance(item, dict):
            for x in item.values():
                walk(x)

    walk(config["nav"])
    return [p for p in pages if p.endswith(".md")]


def _html_path(site: Path, page: str) -> Path:
    """Where MkDocs writes a page (``use_directory_urls``): ``a/b.md`` -> ``a/b/index.html``."""
    stem = page[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return site / f"{stem}.html"
    return site / stem / "index.html"


def _without_code(html: str) -> str:
    """The page without code blocks, inline code and scripts (where backslashes and dollars are legitimate)."""
    html = re.sub(r"<pre\b.*?</pre>", "", html, flags=re.S)
    html = re.sub(r"<code\b.*?</code>", "", html, flags=re.S)
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S)


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# ----------------------------------------------------------------------------- the built site


@pytest.mark.slow
def test_every_nav_page_is_built(site: Path) -> None:
    pages = _nav_pages()
    for required in ("index.md", "getting-started.md", "embeddings/word2vec.md", "embeddings/pmi.md",
                     "embeddings/evaluation.md", "api/word2vec.md"):
        assert required in pages, f"{required} is missing from the nav of mkdocs.yml"
    missing = [p for p in pages if not _html_path(site, p).is_file()]
    assert not missing, f"pages in the nav but not in the built site: {missing}"


@pytest.mark.slow
def test_no_raw_tex_left(site: Path) -> None:
    for path in _pages(site):
        text = _without_code(path.read_text(encoding="utf-8"))
        rel = path.relative_to(site)
        assert 'class="arithmatex"' not in text, f"{rel}: a formula was not converted to MathML"
        for raw in ("\\(", "\\[", "$$"):
            assert raw not in text, f"{rel}: raw TeX delimiter {raw!r} left in the page"


@pytest.mark.slow
@pytest.mark.parametrize("page, at_least", [
    ("embeddings/word2vec.md", 40), ("embeddings/pmi.md", 20), ("embeddings/evaluation.md", 5),
])
def test_math_is_mathml(site: Path, page: str, at_least: int) -> None:
    html = _html_path(site, page).read_text(encoding="utf-8")
    n_math = html.count("<math")
    assert n_math >= at_least, f"{page}: {n_math} <math> elements, expected at least {at_least}"
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block"' in html, \
        f"{page}: no display equation"


@pytest.mark.slow
def test_equation_anchors_and_links(site: Path) -> None:
    w2v = _html_path(site, "embeddings/word2vec.md").read_text(encoding="utf-8")
    for i in range(1, 11):  # the source cites (W2V-1) .. (W2V-10)
        assert f'id="eq-W2V-{i}"' in w2v, f"equation (W2V-{i}) has no anchor on the Word2Vec page"
    # Every link to an equation, on any page, must land on an equation that exists.
    ids = {p: set(re.findall(r'\bid="([^"]+)"', p.read_text(encoding="utf-8"))) for p in _pages(site)}
    for page, text in ((p, p.read_text(encoding="utf-8")) for p in _pages(site)):
        for target, anchor in re.findall(r'href="([^"#]*)#(eq-[^"]+)"', text):
            dest = (page.parent / target).resolve() if target else page
            if dest.is_dir():
                dest = dest / "index.html"
            assert dest in ids, f"{page.relative_to(site)} links to {target}#{anchor}: no such page"
            assert anchor in ids[dest], f"{page.relative_to(site)} links to {target}#{anchor}: no such equation"


_LOADING_ATTR = re.compile(
    r"<(?P<tag>script|link|img|iframe|source|video|audio|embed|object|image|use)\b[^>]*?"
    r"\b(?P<attr>src|href|srcset|data|xlink:href)\s*=\s*[\"'](?P<url>[^\"']*)[\"']", re.I | re.S)
_CSS_REMOTE = re.compile(r"(@import\s+(url\()?|url\()\s*[\"']?\s*(https?:)?//", re.I)
# Material's bundle can lazy-load two scripts from a CDN: a ResizeObserver polyfill (only in browsers
# without ResizeObserver, which every supported browser has) and Mermaid (only on a page that has a
# Mermaid diagram, which no page may have: see the check below). Nothing else in the scripts may.
_THEME_LAZY_LOADS = ("https://unpkg.com/resize-observer-polyfill", "https://unpkg.com/mermaid@")


@pytest.mark.slow
def test_nothing_is_loaded_from_another_host(site: Path) -> None:
    problems = []
    for path in _pages(site):
        html = path.read_text(encoding="utf-8")
        rel = path.relative_to(site)
        for m in _LOADING_ATTR.finditer(html):
            url = m.group("url").strip()
            if re.match(r"(https?:)?//", url, re.I) or any(cdn in url.lower() for cdn in CDN_PATTERNS):
                problems.append(f"{rel}: <{m.group('tag')} {m.group('attr')}={url!r}>")
        styles = re.findall(r"<style\b.*?</style>", html, flags=re.S | re.I) + re.findall(r'\bstyle="[^"]*"', html)
        problems += [f"{rel}: remote url() or @import in inline CSS" for st in styles if _CSS_REMOTE.search(st)]
        for script in re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S | re.I):
            problems += [f"{rel}: inline script mentions {cdn!r}" for cdn in CDN_PATTERNS if cdn in script.lower()]
        if re.search(r'class="[^"]*\bmermaid\b', html):
            problems.append(f"{rel}: a Mermaid diagram (Material loads Mermaid from a CDN)")
    for path in site.rglob("*.css"):
        if _CSS_REMOTE.search(path.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"{path.relative_to(site)}: remote url() or @import")
    for path in site.rglob("*.js"):
        text = path.read_text(encoding="utf-8", errors="replace")
        for lazy in _THEME_LAZY_LOADS:
            text = text.replace(lazy, "")
        problems += [f"{path.relative_to(site)}: mentions {cdn!r}" for cdn in CDN_PATTERNS if cdn in text.lower()]
    assert not problems, "the site loads things from the internet:\n" + "\n".join(problems)


@pytest.mark.slow
def test_word2vec_page_shows_its_executed_examples(site: Path) -> None:
    html = _html_path(site, "embeddings/word2vec.md").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    assert re.search(r"epoch 10\s+mean loss \d+\.\d+", text), "no loss trend from the training run"
    assert re.search(r"man : king :: woman : \w+", text), "no analogy result"
    assert re.search(r"king: \w+ 0\.\d\d", text), "no nearest neighbours"
    assert re.search(r"accuracy 0\.\d+ \(\d+/292\)", text), "no accuracy on the demo analogies"
    figure = re.search(r'<div class="exec-figure">\s*<svg\b.*?</svg>', html, flags=re.S)
    assert figure or re.search(r'<img[^>]+src="data:image/png;base64,', html), "no inline figure"
    assert figure and ">queen<" in figure.group(0), "the figure does not label the words"


@pytest.mark.slow
def test_word2vec_page_has_numpy_and_jax_tabs_from_the_source(site: Path) -> None:
    html = _html_path(site, "embeddings/word2vec.md").read_text(encoding="utf-8")
    tab_sets = re.findall(r'<div class="tabbed-set tabbed-alternate".*?<div class="tabbed-labels">(.*?)</div>',
                          html, flags=re.S)
    assert len(tab_sets) >= 4, f"expected at least 4 NumPy/JAX tab sets, found {len(tab_sets)}"
    for labels in tab_sets:
        names = re.findall(r"<label[^>]*>(.*?)</label>", labels, flags=re.S)
        assert [n.strip() for n in names] == ["NumPy", "JAX"], f"tab labels {names}"
    code = re.sub(r"<[^>]+>", "", html)
    for needle in ("def negative_sampling(h", "np.add.at", "jax.value_and_grad", "def _train_step("):
        assert needle in code, f"the included source lacks {needle!r}"
    assert "--8&lt;--" not in html and "--8<--" not in code, "a snippet marker leaked into the page"


@pytest.mark.slow
@pytest.mark.slow
def test_every_exercise_statement_is_a_page(site: Path) -> None:
    readmes = sorted((ROOT / "exercises").glob("*/README.md"))
    assert len(readmes) >= 6
    index = _html_path(site, "exercises/index.md").read_text(encoding="utf-8")
    home = (site / "index.html").read_text(encoding="utf-8")
    for readme in readmes:
        slug = readme.parent.name
        page = _html_path(site, f"exercises/{slug}.md")
        assert page.is_file(), f"no page for exercise {slug}"
        html = page.read_text(encoding="utf-8")
        title = readme.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
        assert title.split(":")[0] in html, f"exercise {slug}: statement not rendered"
        assert f'href="{slug}/"' in index, f"exercise {slug} missing from the exercises index"
        assert f'href="exercises/{slug}/"' in home, f"exercise {slug} is not in the nav"


def test_pmi_and_evaluation_pages_show_their_results(site: Path) -> None:
    pmi = re.sub(r"<[^>]+>", "", _html_path(site, "embeddings/pmi.md").read_text(encoding="utf-8"))
    m = re.search(r"d = 8: expected loss [\d.]+, largest \|W_in W_out\^T - \(PMI - log k\)\| = ([\d.e+-]+)", pmi)
    assert m, "no SGNS-versus-shifted-PMI comparison on the PMI page"
    assert float(m.group(1)) < 1e-4, f"SGNS did not reach shifted PMI: gap {m.group(1)}"
    assert "PPMI + SVD (d = 50)" in pmi
    ev = _html_path(site, "embeddings/evaluation.md").read_text(encoding="utf-8")
    assert re.search(r"<table>.*?3CosAdd.*?3CosMul.*?Spearman", ev, flags=re.S), "no results table"


@pytest.mark.slow
def test_api_pages_render_docstrings(site: Path) -> None:
    html = _html_path(site, "api/word2vec.md").read_text(encoding="utf-8")
    for name in ("textbook.embeddings.word2vec.train", "textbook.embeddings.word2vec.numpy_impl.loss_and_grad",
                 "textbook.embeddings.word2vec.jax_impl.train_step"):
        assert f'id="{name}"' in html, f"the API page has no entry for {name}"


# ----------------------------------------------------------------------------- failures fail the build


def _mini_site(tmp_path: Path, page: str, extra_files: dict[str, str] | None = None, hooks: bool = False) -> Path:
    """A tiny MkDocs project using the real snippet and math settings of mkdocs.yml."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    exts = {}
    for item in config["markdown_extensions"]:
        name, options = (item, None) if isinstance(item, str) else next(iter(item.items()))
        exts[name] = options
    snippets = dict(exts["pymdownx.snippets"])
    assert snippets.get("check_paths") is True, "pymdownx.snippets must use check_paths: true"
    snippets["base_path"] = [str(tmp_path)]
    mini = {
        "site_name": "mini",
        "strict": True,
        "markdown_extensions": [
            "pymdownx.superfences",
            {"pymdownx.arithmatex": exts["pymdownx.arithmatex"]},
            {"pymdownx.snippets": snippets},
        ],
    }
    if hooks:
        mini["hooks"] = [str(HOOK)]
    (tmp_path / "docs").mkdir(parents=True)
    (tmp_path / "docs" / "index.md").write_text("# Mini\n\n" + page, encoding="utf-8")
    for name, text in (extra_files or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(mini), encoding="utf-8")
    return tmp_path


SOURCE = textwrap.dedent("""\
    # --8<-- [start:here]
    def f(x):
        return 2 * x
    # --8<-- [end:here]
""")


@pytest.mark.slow
def test_a_missing_snippet_section_fails_the_build(tmp_path: Path) -> None:
    good = _mini_site(tmp_path / "good", '```python\n--8<-- "code.py:here"\n```\n', {"code.py": SOURCE})
    proc = _mkdocs(["build", "--strict"], cwd=good, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "return 2 * x" in re.sub(r"<[^>]+>", "", (good / "site" / "index.html").read_text(encoding="utf-8"))

    bad = _mini_site(tmp_path / "bad", '```python\n--8<-- "code.py:not_there"\n```\n', {"code.py": SOURCE})
    proc = _mkdocs(["build", "--strict"], cwd=bad, timeout=300)
    assert proc.returncode != 0, "a snippet section that does not exist was silently ignored"
    assert "not_there" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_a_formula_that_cannot_be_converted_fails_the_build(tmp_path: Path) -> None:
    good = _mini_site(tmp_path / "good", "Fine: $\\sigma(x)$\n\n$$\ny = 1 \\tag{T-1}\n$$\n", hooks=True)
    proc = _mkdocs(["build", "--strict"], cwd=good, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = (good / "site" / "index.html").read_text(encoding="utf-8")
    assert 'id="eq-T-1"' in html and "<math" in html

    bad = _mini_site(tmp_path / "bad", "Broken: $\\nosuchcommand{x}$\n", hooks=True)
    proc = _mkdocs(["build", "--strict"], cwd=bad, timeout=300)
    assert proc.returncode != 0, "an unknown TeX command did not fail the build"
    log = proc.stdout + proc.stderr
    assert "nosuchcommand" in log and "index.md" in log, log[-2000:]


# ----------------------------------------------------------------------------- the math hook itself (fast)


def _hook():
    spec = importlib.util.spec_from_file_location("mathml_hook", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Page:
    class file:  # noqa: N801 (mimics mkdocs.structure.pages.Page.file)
        src_uri = "page.md"

    def __init__(self) -> None:
        self.present_anchor_ids: set[str] = set()


def test_hook_converts_inline_and_tagged_display_math() -> None:
    hook, page = _hook(), _Page()
    html = ('<p>Let <span class="arithmatex">\\(a &lt; b\\)</span>.</p>\n'
            '<div class="arithmatex">\\[\n\\ell = -\\log \\sigma(s) \\tag{X-1}\n\\]</div>')
    out = hook.on_page_content(html, page=page, config=None, files=None)
    assert "arithmatex" not in out and "\\(" not in out and "\\[" not in out
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in out
    assert '<mo>&lt;</mo>' in out or "&#x0003C;" in out
    assert 'id="eq-X-1"' in out and ">(X-1)</a>" in out and 'display="block"' in out
    assert "tag" not in re.sub(r"<[^>]+>", "", out), "the \\tag command leaked into the output"
    assert page.present_anchor_ids == {"eq-X-1"}


@pytest.mark.parametrize("tex, needle", [
    ("\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}", "<mtable"),
    ("\\arg\\max_x f(x)", "<mo>argmax</mo>"),
    ("\\operatorname*{arg\\,max}_x f(x)", "<mo>argmax</mo>"),
    ("\\operatorname{PMI}(w, c) - \\log k", "<mo>PMI</mo>"),
])
def test_hook_rewrites_what_latex2mathml_gets_wrong(tex: str, needle: str) -> None:
    out = _hook().tex_to_mathml(tex, display=True)
    assert needle in out, out
    assert "\\" not in re.sub(r"<[^>]+>", "", out)


@pytest.mark.parametrize("tex", [
    "\\nosuchcommand{x}", "\\big\\| x", "a & b", "\\frac{1}{", "\\label{eq} x", "x^",
])
def test_hook_rejects_what_it_cannot_convert(tex: str) -> None:
    hook = _hook()
    with pytest.raises(hook.MathError, match=r"page\.md"):
        hook.on_page_content(f'<p><span class="arithmatex">\\({tex}\\)</span></p>', page=_Page(),
                             config=None, files=None)


def test_hook_rejects_duplicate_equation_names() -> None:
    hook = _hook()
    block = '<div class="arithmatex">\\[ x \\tag{D-1} \\]</div>'
    with pytest.raises(hook.MathError, match="D-1"):
        hook.on_page_content(block + block, page=_Page(), config=None, files=None)


@pytest.mark.slow
def test_no_broken_internal_links_or_anchors(site: Path) -> None:
    """Every href/src inside the site points at a file that exists and, with a #fragment, at an id on it."""
    from html.parser import HTMLParser
    from urllib.parse import unquote, urlsplit

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.links: list[str] = []
            self.ids: set[str] = set()

        def handle_starttag(self, tag: str, attrs: list) -> None:
            a = dict(attrs)
            if a.get("id"):
                self.ids.add(a["id"])
            if tag == "a" and a.get("name"):
                self.ids.add(a["name"])
            for key in ("href", "src"):
                if a.get(key) and tag != "base":
                    self.links.append(a[key])

    parsed: dict[Path, Links] = {}

    def parse(path: Path) -> Links:
        if path not in parsed:
            p = Links()
            p.feed(path.read_text(encoding="utf-8", errors="replace"))
            parsed[path] = p
        return parsed[path]

    broken = []
    pages = _pages(site)
    for page in pages:
        for link in parse(page).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue
            if not parts.path:
                target = page
            elif parts.path.startswith("/"):            # the 404 page links from the site's root
                target = (site / unquote(parts.path).lstrip("/")).resolve()
            else:
                target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {link} (no such file)")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in parse(target).ids:
                broken.append(f"{page.relative_to(site)}: {link} (no id {parts.fragment!r})")
    assert len(pages) >= 10
    assert not broken, "\n".join(broken[:40])

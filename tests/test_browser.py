"""The book in a real browser: every built page opened in headless Chromium, served from localhost.

On each page: the math is typeset and has a real size (a blank, zero-width
render fails), every image loaded, the NumPy/JAX tabs switch, nothing is
requested from another host, and the console stays clean. A full-page
screenshot of each page is saved to ``test-artifacts/screenshots/`` (or to
``$TEXTBOOK_ARTIFACTS/screenshots/``) for a person to look at.

Needs Playwright's Python package and a Chromium (Debian's ``chromium``; CI
installs both). Without them the tests skip and say so.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("TEXTBOOK_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _chromium() -> str | None:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install playwright")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(_chromium() is None, reason="no Chromium found: apt-get install chromium (or set $CHROMIUM)"),
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(site: Path):
    """The built site served on 127.0.0.1 at a free port."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        yield b
        b.close()


def _pages(site: Path) -> list[str]:
    """Every page of the site as a URL path (``embeddings/word2vec/``), the 404 page excluded."""
    out = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        out.append("" if rel == "." else rel + "/")
    return out


def _open(browser, server: str, path: str, dark: bool = False):
    """Open a page; return it with the console errors and the requests that left localhost."""
    page = browser.new_page(viewport={"width": 1280, "height": 900},
                            color_scheme="dark" if dark else "light")
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith("data:") or host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(f"{server}/{path}", wait_until="load")
    page.wait_for_timeout(150)  # Material's scripts settle (tabs, palette)
    return page, errors, outside


# Measures, in the page: math elements, those visible, visible ones with no size, raw TeX
# left in the text, images not loaded, inline SVG figures with no size.
_MEASURE = """() => {
  const visible = el => !!(el.offsetParent || el.getClientRects().length);
  const maths = Array.from(document.querySelectorAll('article math'));
  const shown = maths.filter(visible);
  const blank = shown.filter(m => { const r = m.getBoundingClientRect(); return r.width < 2 || r.height < 2; });
  const article = document.querySelector('article');
  const clone = article ? article.cloneNode(true) : document.body.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style').forEach(e => e.remove());
  const text = clone.textContent;
  const raw = ['\\\\(', '\\\\[', '$$'].filter(d => text.includes(d));
  const imgs = Array.from(document.querySelectorAll('article img'));
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80));
  const svgs = Array.from(document.querySelectorAll('article svg')).filter(s => s.closest('.md-typeset') && visible(s));
  const emptySvg = svgs.filter(s => { const r = s.getBoundingClientRect(); return r.width < 2 || r.height < 2; }).length;
  return {maths: maths.length, shown: shown.length, blank: blank.length, raw, broken, emptySvg};
}"""


def test_every_page_renders_cleanly(site: Path, server: str, browser) -> None:
    pages = _pages(site)
    assert len(pages) >= 10, pages
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems = []
    math_pages = 0
    for path in pages:
        page, errors, outside = _open(browser, server, path)
        m = page.evaluate(_MEASURE)
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        page.close()
        math_pages += m["maths"] > 0
        if m["maths"] and not m["shown"]:
            problems.append(f"{path}: {m['maths']} math elements, none visible")
        if m["blank"]:
            problems.append(f"{path}: {m['blank']} of {m['shown']} visible formulas rendered with no width/height")
        if m["raw"]:
            problems.append(f"{path}: raw TeX delimiters {m['raw']} left in the text")
        if m["broken"]:
            problems.append(f"{path}: images that did not load: {m['broken']}")
        if m["emptySvg"]:
            problems.append(f"{path}: {m['emptySvg']} inline figures with no size")
        if errors:
            problems.append(f"{path}: {errors}")
        if outside:
            problems.append(f"{path}: requests that left localhost: {outside[:5]}")
    assert math_pages >= 3, "hardly any page has math: is the math hook running?"
    assert not problems, "\n".join(problems)


def test_numpy_and_jax_tabs_switch_together(site: Path, server: str, browser) -> None:
    page, errors, _ = _open(browser, server, "embeddings/word2vec/")
    sets = page.locator("article .tabbed-set")
    assert sets.count() >= 2, "the Word2Vec page should have several NumPy/JAX tab sets"

    def shown_labels() -> list[str]:
        """The label of the visible block of each tab set."""
        return page.evaluate("""() => Array.from(document.querySelectorAll('article .tabbed-set')).map(set => {
            const labels = Array.from(set.querySelectorAll(':scope > .tabbed-labels > label'));
            const blocks = Array.from(set.querySelectorAll(':scope > .tabbed-content > .tabbed-block'));
            const i = blocks.findIndex(b => b.offsetParent !== null);
            return i < 0 ? null : labels[i].textContent.trim();
        })""")

    assert set(shown_labels()) == {"NumPy"}
    page.locator("article .tabbed-set").first.locator("label", has_text="JAX").click()
    page.wait_for_timeout(200)
    assert set(shown_labels()) == {"JAX"}, "choosing JAX once should switch every tab set on the page"
    blocks = page.locator("article .tabbed-set").first.locator(".tabbed-block")
    numpy_code, jax_code = blocks.nth(0).text_content(), blocks.nth(1).text_content()
    assert "np." in numpy_code and "jnp." not in numpy_code and "jnp." in jax_code, \
        "the tabs do not show the two backends"
    page.close()
    assert not errors, errors


def test_dark_mode_keeps_math_and_figures_visible(site: Path, server: str, browser) -> None:
    page, errors, _ = _open(browser, server, "embeddings/word2vec/", dark=True)
    scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    assert scheme == "slate", f"dark palette not applied (got {scheme!r})"
    # text and math must not be drawn in the background colour
    colors = page.evaluate("""() => {
        const bg = getComputedStyle(document.querySelector('.md-main')).backgroundColor;
        const m = document.querySelector('article math');
        return {bg, math: getComputedStyle(m).color, text: getComputedStyle(document.querySelector('article p')).color};
    }""")
    assert colors["math"] != colors["bg"] and colors["text"] != colors["bg"], colors
    m = page.evaluate(_MEASURE)
    assert m["shown"] and not m["blank"], m
    page.screenshot(path=str(ARTIFACTS / "dark-embeddings-word2vec.png"), full_page=False)
    page.close()
    assert not errors, errors

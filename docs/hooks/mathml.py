"""MkDocs hook: turn the LaTeX on every page into MathML when the site is built.

``pymdownx.arithmatex`` (``generic: true``) leaves the TeX of each formula in
the page HTML, wrapped as ``<span class="arithmatex">\\(...\\)</span>``
(inline) or ``<div class="arithmatex">\\[...\\]</div>`` (display).  This hook
replaces each of them with a ``<math>`` element produced by ``latex2mathml``,
so the browser typesets the formulas natively: no JavaScript, no web font, no
network.

Display equations may carry a name, ``\\tag{W2V-1}``: it is shown to the right
of the equation as ``(W2V-1)`` and becomes the anchor ``#eq-W2V-1``, so the
text can link to it (``[(W2V-1)](#eq-W2V-1)``) and code comments can cite it.

Formulas that ``latex2mathml`` cannot translate fail the build with the page
and the offending TeX, rather than showing garbage.  ``latex2mathml`` does not
raise on everything it does not know (an unknown ``\\command`` comes out as
literal text), so the output is checked as well.  A few common constructs that
it gets wrong are rewritten first (see ``_rewrite``): ``aligned`` becomes
``split`` (laid out as a two-column table), ``gathered`` a centred ``array``,
``\\arg\\max`` and ``\\operatorname*{arg\\,max}`` an upright ``argmax``.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

_INLINE = re.compile(r'<span class="arithmatex">\\\((?P<tex>.*?)\\\)</span>(?P<punct>[.,;:!?)\]]*)', re.S)
_DISPLAY = re.compile(r'<div class="arithmatex">(?P<tex>.*?)</div>', re.S)
_TAG = re.compile(r"\\tag\*?\{(?P<name>[^{}]*)\}")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")

# Constructs latex2mathml silently gets wrong, with what to write instead.
_UNSUPPORTED = {
    r"\begin{align}": r"use \begin{split} ... \end{split} (align numbers its rows itself)",
    r"\begin{align*}": r"use \begin{split} ... \end{split}",
    r"\label": r"name a display equation with \tag{NAME} and link to #eq-NAME",
    r"\eqref": r"link to the equation in Markdown: [(NAME)](#eq-NAME)",
    r"\ref": r"link to the equation in Markdown: [(NAME)](#eq-NAME)",
}


class MathError(ValueError):
    """A formula that cannot be turned into MathML; the build stops on it."""


_OPERATORNAME = re.compile(r"\\operatorname\*?\{(?P<name>[^{}]*)\}")
_ARG = re.compile(r"\\arg\s*\\(?P<op>max|min)(?![A-Za-z])")


def _rewrite(tex: str) -> str:
    """Rewrite constructs ``latex2mathml`` mistranslates into equivalent ones it handles."""
    tex = tex.replace(r"\begin{aligned}", r"\begin{split}").replace(r"\end{aligned}", r"\end{split}")
    tex = tex.replace(r"\begin{gathered}", r"\begin{array}{c}").replace(r"\end{gathered}", r"\end{array}")
    tex = _ARG.sub(lambda m: r"\operatorname{arg" + m.group("op") + "}", tex)
    # \operatorname* and spacing commands inside \operatorname{...} come out as loose italic letters.
    return _OPERATORNAME.sub(
        lambda m: r"\operatorname{" + re.sub(r"\\[,;:! ]", "", m.group("name")) + "}", tex)


def tex_to_mathml(tex: str, display: bool = False, where: str = "?") -> str:
    """Convert one formula (TeX without delimiters) to a ``<math>`` element.

    Raises:
        MathError: naming ``where`` (the page) and the TeX when the formula
            uses something ``latex2mathml`` cannot translate faithfully.
    """

    def fail(reason: str) -> MathError:
        return MathError(f"{where}: cannot convert the formula {tex.strip()!r} to MathML: {reason}")

    for bad, hint in _UNSUPPORTED.items():
        if bad in tex:
            raise fail(f"{bad} is not supported; {hint}")
    try:
        out = convert(_rewrite(tex.strip()), display="block" if display else "inline")
    except Exception as err:  # latex2mathml raises its own exception classes, often without a message
        raise fail(f"{type(err).__name__} {err}".strip()) from err
    leftover = re.search(r">([^<]*\\[^<]*)<", out)
    if leftover:
        raise fail(f"unknown command in {leftover.group(1)!r}")
    if "<mi>&</mi>" in out or "<mo>&</mo>" in out:
        raise fail("an alignment '&' outside a split/array/matrix/cases environment")
    return out


def _display(match: re.Match[str], where: str, anchors: set[str]) -> str:
    tex = html.unescape(match.group("tex")).strip()
    if tex.startswith(r"\[") and tex.endswith(r"\]"):
        tex = tex[2:-2]
    elif tex.startswith("$$") and tex.endswith("$$"):
        tex = tex[2:-2]
    tags = _TAG.findall(tex)
    if len(tags) > 1:
        raise MathError(f"{where}: one \\tag per display equation, got {tags} in {tex.strip()!r}")
    tex = _TAG.sub("", tex)
    math = tex_to_mathml(tex, display=True, where=where)
    if not tags:
        return f'<div class="math-display">{math}</div>'
    name = tags[0].strip()
    if not _NAME.match(name):
        raise MathError(f"{where}: equation name {name!r} must be letters, digits, '-', '.', '_' or ':'")
    anchor = f"eq-{name}"
    if anchor in anchors:
        raise MathError(f"{where}: two equations are named {name!r}")
    anchors.add(anchor)
    label = html.escape(name)
    return (f'<div class="math-display math-tagged" id="{anchor}">{math}'
            f'<a class="math-tag" href="#{anchor}" title="Link to this equation">({label})</a></div>')


def _inline(match: re.Match[str], where: str) -> str:
    math = tex_to_mathml(html.unescape(match.group("tex")), display=False, where=where)
    punct = match.group("punct")
    # Keep punctuation that follows a formula on the formula's line.
    return f'<span class="math-nowrap">{math}{punct}</span>' if punct else math


def on_page_content(html_text: str, page, config, files) -> str:  # noqa: ANN001 (MkDocs hook signature)
    """Replace arithmatex's TeX placeholders in ``html_text`` by MathML."""
    if "arithmatex" not in html_text:
        return html_text
    where = page.file.src_uri
    anchors: set[str] = set()
    html_text = _DISPLAY.sub(lambda m: _display(m, where, anchors), html_text)
    html_text = _INLINE.sub(lambda m: _inline(m, where), html_text)
    if 'class="arithmatex"' in html_text:
        start = html_text.index('class="arithmatex"')
        raise MathError(f"{where}: a formula was left unconverted near {html_text[start:start + 120]!r}")
    # Tell MkDocs these anchors exist, so links to them validate like heading links.
    if getattr(page, "present_anchor_ids", None) is not None:
        page.present_anchor_ids.update(anchors)
    return html_text

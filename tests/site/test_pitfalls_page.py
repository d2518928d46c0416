"""The built Pitfalls appendix lists every Pitfall admonition of the chapters, and nothing else.

Reads the built HTML (run after `make site`, no browser needed): for each Pitfall found in the chapters'
markdown (tools/pitfalls.py), the page has one entry with the same title, a link to the admonition and to
its section on the chapter's page (both anchors exist there), its symptom sentence, its one-line fix, and
the upstream report when the admonition names one.
"""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

import pytest

from tools.notebooks import ROOT
from tools.pitfalls import UPSTREAM_LINK, book_pitfalls, plain

SITE = ROOT / "_build" / "html"
PAGE = SITE / "chapters" / "92_pitfalls.html"
PITFALLS = book_pitfalls()


class _Entries(html.parser.HTMLParser):
    """The page's `li.pitfall` entries: title text, all text, fix text, links; and every id of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.entries, self.ids = [], set()
        self._depth = 0  # nesting inside the current li.pitfall
        self._strong = False
        self._fix = 0  # nesting inside the entry's p.pitfall-fix

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "li" and "pitfall" in (attrs.get("class") or "").split():
            self.entries.append({"title": "", "text": "", "fix": "", "links": []})
            self._depth = 1
            return
        if self._depth:
            self._depth += tag not in ("br", "img", "wbr", "hr")
            if tag == "strong":
                self._strong = True
            if self._fix:
                self._fix += tag not in ("br", "img", "wbr", "hr")
            elif tag == "p" and "pitfall-fix" in (attrs.get("class") or "").split():
                self._fix = 1
            if tag == "a" and attrs.get("href"):
                self.entries[-1]["links"].append(attrs["href"])

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1
            if tag == "strong":
                self._strong = False
            if self._fix:
                self._fix -= 1

    def handle_data(self, data):
        if self._depth:
            self.entries[-1]["text"] += data
            if self._fix:
                self.entries[-1]["fix"] += data
            elif self._strong:
                self.entries[-1]["title"] += data


def parse(path: Path) -> _Entries:
    parser = _Entries()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def entries():
    assert PAGE.is_file(), f"no built Pitfalls page at {PAGE}: run `make site` first"
    return parse(PAGE).entries


# What the page renders differently from the markdown: a role (a glued value, a reference) and math.
ROLE_OR_MATH = re.compile(r"\{[\w:-]+\}`[^`]*`|\$[^$]*\$")
PAGE_MATH = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]", re.S)  # MathJax's delimiters in the HTML's text


def opening_words(markdown: str, count: int = 3) -> str:
    """The first `count` words of the first run of plain text between roles and math that has as many
    (else of the first run that has any).

    Those words stand side by side on the page too, whatever a glued value or a formula renders as.
    """
    runs = [plain(part).split() for part in ROLE_OR_MATH.split(markdown)]
    words = next((r for r in runs if len(r) >= count), None) or next((r for r in runs if r), [])
    return " ".join(words[:count])


def shown_text(html_text: str) -> str:
    """The page's text with its math taken out and its white space normalised, as plain() leaves markdown."""
    return " ".join(plain(PAGE_MATH.sub(" ", html_text)).split())


def test_opening_words_skip_roles_and_math():
    """Guards the symptom and fix checks: the words looked for are plain text the page shows as written."""
    assert opening_words(r"expect $\operatorname{Var}[h']$; only the mean is kept.") == "; only the"
    assert opening_words(r"$x$ and {glue:text}`a` then the rest") == "then the rest"
    assert opening_words(r"$x$ and {glue:text}`a`") == "and"
    assert opening_words("keep `weight_decay` at zero") == "keep weight_decay at"
    assert shown_text(r"Fix: expect \(\operatorname{Var}[h']\); only") == "Fix: expect ; only"


def same_title(markdown: str, shown: str) -> bool:
    a, b = plain(markdown), plain(shown)
    return a[:1].lower() + a[1:] == b[:1].lower() + b[1:]


def test_the_page_lists_as_many_pitfalls_as_the_chapters_hold(entries):
    assert len(PITFALLS) > 0
    assert len(entries) == len(PITFALLS), [e["title"] for e in entries]


@pytest.mark.parametrize("pitfall", PITFALLS, ids=lambda p: f"{p.notebook[:2]}-{p.cell}-{plain(p.name)[:30]}")
def test_every_pitfall_is_on_the_page(entries, pitfall):
    page = f"{Path(pitfall.notebook).stem}.html"
    matches = [e for e in entries if same_title(pitfall.name, e["title"])
               and any(link.split("#")[0] == page for link in e["links"])]
    assert len(matches) == 1, f"{pitfall.notebook}: '{pitfall.name}' is not (once) on the Pitfalls page"
    entry = matches[0]
    chapter_ids = parse(SITE / "chapters" / page).ids
    anchors = [link.split("#", 1)[1] for link in entry["links"] if link.startswith(page + "#")]
    assert len(anchors) >= 2, f"'{pitfall.name}': links to the admonition and its section, got {entry['links']}"
    assert all(a in chapter_ids for a in anchors), f"'{pitfall.name}': anchors {anchors} missing on {page}"
    assert opening_words(pitfall.symptom) in shown_text(entry["text"]), f"'{pitfall.name}': symptom sentence missing"
    assert pitfall.fix, f"'{pitfall.name}': no `Fix:` line in the chapter (python -m tools.pitfalls)"
    assert opening_words(pitfall.fix) in shown_text(entry["fix"]), f"'{pitfall.name}': fix missing"
    if pitfall.upstream:
        link = UPSTREAM_LINK.match(pitfall.upstream)
        url = f"https://github.com/{link['owner2']}/{link['repo2']}/" if link else pitfall.upstream
        assert any(href.startswith(url) for href in entry["links"]), f"'{pitfall.name}': upstream link missing"
    else:
        assert "Upstream report" not in entry["text"]

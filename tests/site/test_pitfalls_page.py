"""The built Pitfalls appendix lists every Pitfall admonition of the chapters, and nothing else.

Reads the built HTML (run after `make site`, no browser needed): for each Pitfall found in the chapters'
markdown (tools/pitfalls.py), the page has one entry with the same title, a link to the admonition and to
its section on the chapter's page (both anchors exist there), its symptom sentence, and the upstream report
when the admonition names one.
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
    """The page's `li.pitfall` entries: title text, symptom text, links; and every id of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.entries, self.ids = [], set()
        self._depth = 0  # nesting inside the current li.pitfall
        self._strong = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "li" and "pitfall" in (attrs.get("class") or "").split():
            self.entries.append({"title": "", "text": "", "links": []})
            self._depth = 1
            return
        if self._depth:
            self._depth += tag not in ("br", "img", "wbr", "hr")
            if tag == "strong":
                self._strong = True
            if tag == "a" and attrs.get("href"):
                self.entries[-1]["links"].append(attrs["href"])

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1
            if tag == "strong":
                self._strong = False

    def handle_data(self, data):
        if self._depth:
            self.entries[-1]["text"] += data
            if self._strong:
                self.entries[-1]["title"] += data


def parse(path: Path) -> _Entries:
    parser = _Entries()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def entries():
    assert PAGE.is_file(), f"no built Pitfalls page at {PAGE}: run `make site` first"
    return parse(PAGE).entries


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
    symptom_start = plain(re.sub(r"\{glue(?::\w+)?\}`[^`]*`|\$[^$]*\$", " ", pitfall.symptom)).split()[:3]
    assert " ".join(symptom_start) in plain(entry["text"]), f"'{pitfall.name}': symptom sentence missing"
    if pitfall.upstream:
        link = UPSTREAM_LINK.match(pitfall.upstream)
        url = f"https://github.com/{link['owner2']}/{link['repo2']}/" if link else pitfall.upstream
        assert any(href.startswith(url) for href in entry["links"]), f"'{pitfall.name}': upstream link missing"
    else:
        assert "Upstream report" not in entry["text"]

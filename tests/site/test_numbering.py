"""Figures and exercises are numbered per chapter (Fig. 4.3, Exercise 4.2) and per appendix (Exercise B.2).

Reads the built HTML (after `make site`, no browser needed). A lesson page (numbered in _toc.yml) numbers
its figures and exercises "N.k" with N its chapter number and k = 1, 2, ... in page order; an appendix page
(its title "A. ...") numbers them "A.k" (_ext/appendix_numbers.py). Chapter and section headings carry
the build's numbers only: the chapter's h1 reads "N. Title".
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
import yaml

from tools.notebooks import ROOT

SITE = ROOT / "_build" / "html"
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
CAPTION = re.compile(r'<span class="caption-number">\s*(?P<kind>[A-Za-z.]+?)\.?\s+(?P<number>[\w.]+?)\.?\s*</span>')
H1_NUMBER = re.compile(r'<h1[^>]*>\s*<span class="section-number">(?P<number>[^<]*)</span>')
APPENDIX_TITLE = re.compile(r"<h1[^>]*>\s*(?P<letter>[A-Z])\.\s")


def parts() -> list[tuple[bool, list[str]]]:
    """(numbered, [document names]) for each part of _toc.yml."""
    return [(bool(part.get("numbered")), [entry["file"] for entry in part.get("chapters", [])])
            for part in TOC.get("parts", [])]


LESSONS = [doc for numbered, docs in parts() if numbered for doc in docs]
APPENDICES = [doc for numbered, docs in parts() if not numbered for doc in docs]


def page(doc: str) -> str:
    path = SITE / f"{doc}.html"
    assert path.is_file(), f"no built page {path}: run `make site` first"
    return path.read_text(encoding="utf-8")


def captions(html: str) -> dict[str, list[str]]:
    """The numbers of each kind of caption ("Fig", "Exercise", "Table"), in page order."""
    found = defaultdict(list)
    for match in CAPTION.finditer(html):
        found[match["kind"].rstrip(".")].append(match["number"])
    return dict(found)


def test_the_toc_numbers_the_lessons_only():
    assert LESSONS and APPENDICES, parts()


@pytest.mark.parametrize("index_doc", list(enumerate(LESSONS, start=1)), ids=lambda x: x[1])
def test_a_lesson_numbers_its_figures_and_exercises_by_its_chapter(index_doc):
    number, doc = index_doc
    html = page(doc)
    h1 = H1_NUMBER.search(html)
    assert h1 and h1["number"].strip() == f"{number}.", f"{doc}: the chapter heading is not numbered {number}."
    found = captions(html)
    assert found.get("Exercise"), f"{doc}: no numbered exercise"
    for kind, numbers in found.items():
        expected = [f"{number}.{k}" for k in range(1, len(numbers) + 1)]
        assert numbers == expected, f"{doc}: {kind} numbered {numbers}, expected {expected}"


@pytest.mark.parametrize("doc", APPENDICES)
def test_an_appendix_numbers_its_figures_and_exercises_by_its_letter(doc):
    html = page(doc)
    title = APPENDIX_TITLE.search(html)
    assert title, f"{doc}: the appendix title does not start with its letter ('A. ...')"
    assert not H1_NUMBER.search(html), f"{doc}: an appendix heading got a chapter number"
    for kind, numbers in captions(html).items():
        expected = [f"{title['letter']}.{k}" for k in range(1, len(numbers) + 1)]
        assert numbers == expected, f"{doc}: {kind} numbered {numbers}, expected {expected}"


def test_captions_are_found():
    """Guards against a vacuous check: the pattern reads Sphinx's caption numbers."""
    html = '<span class="caption-number">Fig. 4.3 </span> <span class="caption-number">Exercise B.2 </span>'
    assert captions(html) == {"Fig": ["4.3"], "Exercise": ["B.2"]}

"""The Pitfalls appendix: the chapters' admonitions keep the convention, and the extension lists them all.

The extension (_ext/pitfalls.py) is exercised on a small Sphinx project built here, so these tests need no
built site; tests/site/test_pitfalls_page.py checks the book's own built page against the chapters.
"""

from __future__ import annotations

import re
import sys

import pytest

from tools.notebooks import ROOT, chapter_notebooks
from tools.pitfalls import Pitfall, book_pitfalls, find_pitfalls, first_sentence, plain, problems

PITFALLS = book_pitfalls()


def test_the_book_has_pitfalls():
    assert len(PITFALLS) >= 10, "the chapters' Pitfall admonitions are not found: has their syntax changed?"
    assert {p.notebook for p in PITFALLS} >= {path.name for path in chapter_notebooks() if path.name < "08"}


@pytest.mark.parametrize("pitfall", PITFALLS, ids=lambda p: f"{p.notebook[:2]}-{p.cell}")
def test_each_pitfall_keeps_the_convention(pitfall):
    assert problems(pitfall) == []


SAMPLE = """Some prose.

:::{admonition} Pitfall: the mask is drawn with `torch.randn`
:class: warning
A unit survives with probability 0.69, not 0.5. The rest follows, e.g. here.

```python
mask = torch.randn(3) > 0.5
```

Fix: draw the mask with `torch.rand`.

Upstream report: [pytorch/pytorch#77081](https://github.com/pytorch/pytorch/issues/77081)
:::

````{admonition} Pitfall: a longer fence
```text
inside
```
````

:::{admonition} Not a pitfall
:::
"""


def test_find_pitfalls_reads_colon_and_backtick_fences():
    found = find_pitfalls(SAMPLE, "x.ipynb", 3)
    assert [p.name for p in found] == ["the mask is drawn with `torch.randn`", "a longer fence"]
    first, second = found
    assert first.symptom == "A unit survives with probability 0.69, not 0.5."
    assert first.upstream == "[pytorch/pytorch#77081](https://github.com/pytorch/pytorch/issues/77081)"
    assert first.fix == "draw the mask with `torch.rand`."
    assert problems(first) == []
    assert second.upstream is None and second.fix is None
    assert any("opens with a sentence" in p for p in problems(second))
    assert any("no `Fix:` line" in p for p in problems(second))


def test_first_sentence_ignores_periods_in_code_math_and_abbreviations():
    assert first_sentence("Call `x.cuda()` e.g. twice. Then stop.") == "Call `x.cuda()` e.g. twice."
    assert first_sentence("It is $0.5 \\cdot w$ here! More.") == "It is $0.5 \\cdot w$ here!"
    assert first_sentence("No end") == "No end"


@pytest.mark.parametrize("line, ok", [
    ("[pytorch/pytorch#77081](https://github.com/pytorch/pytorch/issues/77081)", True),
    ("[d2l-ai/d2l-en#1234](https://github.com/d2l-ai/d2l-en/pull/1234).", True),
    ("[pytorch/pytorch#1](https://github.com/pytorch/pytorch/issues/2)", False),  # number differs
    ("https://github.com/pytorch/pytorch/issues/77081", False),  # bare address
    ("[pytorch#77081](https://github.com/pytorch/pytorch/issues/77081)", False),
])
def test_upstream_line_format(line, ok):
    p = Pitfall("x.ipynb", 0, "Pitfall: t", ["Symptom here.", "", "Fix: x.", "", f"Upstream report: {line}"], line)
    assert (problems(p) == []) is ok, problems(p)


def test_upstream_line_is_its_own_paragraph():
    line = "[pytorch/pytorch#1](https://github.com/pytorch/pytorch/issues/1)"
    p = Pitfall("x.ipynb", 0, "Pitfall: t", ["Symptom.", f"Upstream report: {line}"], line)
    assert any("blank line" in problem for problem in problems(p))


def test_upstream_line_must_end_the_admonition():
    line = "[pytorch/pytorch#1](https://github.com/pytorch/pytorch/issues/1)"
    p = Pitfall("x.ipynb", 0, "Pitfall: t", ["Symptom.", f"Upstream report: {line}", "", "More."], line)
    assert any("ends the admonition" in problem for problem in problems(p))


def test_a_long_first_sentence_is_reported_but_glue_counts_short():
    long = "word " * 60 + "end."
    assert any("characters" in p for p in problems(Pitfall("x", 0, "Pitfall: t", [long, "", "Fix: x."], None)))
    glued = "Accuracy is {glue:text}`ch3_a_very_long_glue_name_for_the_accuracy_value_of_the_run:.3f` " * 5 + "."
    assert problems(Pitfall("x", 0, "Pitfall: t", [glued, "", "Fix: x."], None)) == []


UP = "Upstream report: [pytorch/pytorch#1](https://github.com/pytorch/pytorch/issues/1)"


@pytest.mark.parametrize("body, wanted", [
    (["Symptom. Cause.", "", "Fix: call `model.eval()` first.", "", UP], None),
    (["Symptom. Cause.", "", "Fix: call `model.eval()` first."], None),
    (["Symptom. Cause."], "no `Fix:` line"),
    (["Symptom. Cause.", "Fix: glued to the cause."], "paragraph of its own"),
    (["Symptom. Cause.", "", "Fix: one line", "and a second one."], "paragraph of its own"),
    (["Symptom.", "", "Fix: one.", "", "Fix: two."], "one fix per Pitfall"),
    (["Symptom.", "", "Fix:"], "is empty"),
    (["Symptom.", "", "Fix: " + "word " * 60], "one line"),
    (["Fix: first.", "", "Symptom."], "follows the symptom"),
])
def test_every_pitfall_has_one_fix_line_of_its_own(body, wanted):
    upstream = UP.split(": ", 1)[1] if UP in body else None
    found = problems(Pitfall("x.ipynb", 0, "Pitfall: t", body, upstream))
    if wanted is None:
        assert found == []
    else:
        assert any(wanted in p for p in found), found


def test_the_fix_comes_before_the_upstream_report():
    body = ["Symptom.", "", UP, "", "Fix: late."]
    found = problems(Pitfall("x.ipynb", 0, "Pitfall: t", body, UP.split(": ", 1)[1]))
    assert any("before the `Upstream report:` line" in p for p in found), found


def test_plain_strips_markup_for_comparisons():
    assert plain("“the `x.cuda()` **call**” at $\\lambda$") == '"the x.cuda() call" at \\lambda'
    assert plain("see {glue:text}`ch1_x:.2f` and [this](https://e.org)") == "see ch1_x:.2f and this"


# --- the Sphinx extension, on a small project -----------------------------------------------------------

CHAPTER = """# 1. A chapter

## The mask

Text.

:::{admonition} Pitfall: the mask is drawn with `torch.randn`
:class: warning
A unit survives with probability $1 - \\Phi(p)$, not $1-p$. The rest is not on the list.

Fix: draw the mask with `torch.rand(x.shape) > p`.

Upstream report: [pytorch/pytorch#77081](https://github.com/pytorch/pytorch/issues/77081)
:::

## Evaluation

:::{admonition} Pitfall: predicting without `model.eval()`
:class: warning
Predictions change from one call to the next (see {ref}`mask-label`). More text.

Fix: call `model.eval()` before predicting, as in {ref}`mask-label`.
Upstream report: [d2l-ai/d2l-en#1093](https://github.com/d2l-ai/d2l-en/issues/1093)
:::

(mask-label)=
## Another

:::{admonition} Note
Not a pitfall.
:::
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    sphinx = pytest.importorskip("sphinx.application")
    src = tmp_path_factory.mktemp("src")
    (src / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_parser', 'pitfalls']\n"
        "myst_enable_extensions = ['colon_fence', 'dollarmath']\n"
        "html_theme = 'basic'\n", encoding="utf-8")
    (src / "index.md").write_text("# Book\n\n```{toctree}\nch1\nlist\n```\n", encoding="utf-8")
    (src / "ch1.md").write_text(CHAPTER, encoding="utf-8")
    (src / "list.md").write_text("# C. Pitfalls\n\n```{pitfall-list}\n```\n", encoding="utf-8")
    out = src / "_build"
    app = sphinx.Sphinx(str(src), str(src), str(out), str(out / ".doctrees"), "html",
                        status=None, warning=sys.stderr, freshenv=True, warningiserror=True)
    app.build()
    return out, app


def test_the_list_page_shows_each_pitfall_with_its_symptom_and_links(built):
    out, _ = built
    html = (out / "list.html").read_text(encoding="utf-8")
    items = re.findall(r'<li class="pitfall">(.*?)</li>', html, re.S)
    assert len(items) == 2
    first, second = items
    assert "The mask is drawn with" in first and "torch.randn" in first
    assert "A unit survives with probability" in first and "The rest is not on the list" not in first
    assert 'href="ch1.html#the-mask"' in first  # the section
    assert re.search(r'class="pitfall-fix".*draw the mask with.*torch\.rand\(x\.shape\)</span>', first, re.S)
    assert "Fix:" not in first.split('class="pitfall-fix"')[0]  # the fix is not part of the symptom
    assert re.search(r'class="pitfall-fix".*model\.eval\(\).*href="ch1.html#mask-label"', second, re.S)
    assert re.search(r'href="ch1.html#pitfall-the-mask-is-drawn-with-torch-randn"', first)  # the admonition
    assert 'href="https://github.com/pytorch/pytorch/issues/77081"' in first
    assert "Predicting without" in second and 'href="ch1.html#evaluation"' in second
    assert 'href="ch1.html#mask-label"' in second  # a cross-reference in the symptom still resolves
    assert 'href="https://github.com/d2l-ai/d2l-en/issues/1093"' in second  # a line glued to the prose
    assert "Not a pitfall" not in html
    assert re.search(r'<script[^>]*src="[^"]*mathjax', html), "the list shows math: its page must load MathJax"


def test_each_pitfall_anchor_exists_on_the_chapter_page(built):
    out, _ = built
    chapter = (out / "ch1.html").read_text(encoding="utf-8")
    html = (out / "list.html").read_text(encoding="utf-8")
    for anchor in re.findall(r'href="ch1.html#([\w-]+)"', html):
        assert f'id="{anchor}"' in chapter, anchor


def test_the_list_page_is_rebuilt_when_a_chapter_changes(built):
    _, app = built
    env = app.env
    from pitfalls import outdated

    assert outdated(app, env, set(), {"ch1"}, set()) == ["list"]
    assert outdated(app, env, set(), set(), set()) == []

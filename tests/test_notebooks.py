"""Conventions every stored chapter notebook keeps (see CONTRIBUTING.md)."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatch

import pytest

from tools.bootstrap import cell_source, first_code_cell, repository_url
from tools.notebooks import ROOT, chapter_notebooks, output_problems

NOTEBOOKS = chapter_notebooks()
GLUE_REF = re.compile(r"\{glue(?::\w+)?\}`([A-Za-z_]\w*)")
GLUE_DIRECTIVE = re.compile(r"```\{glue(?::\w+)?\}\s+([A-Za-z_]\w*)")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def text_of(cell) -> str:
    return "".join(cell.get("source", ""))


def test_every_notebook_is_named_nn_slug():
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_the_bootstrap_cell_naming_the_repository(path):
    cell = text_of(first_code_cell(load(path)))
    assert repository_url() in cell
    assert cell == cell_source(), "run `python -m tools.bootstrap` and re-execute the notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_clean(path):
    assert output_problems(load(path), path.name) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_structure(path):
    cells = load(path)["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged `parameters` sets the knobs"
    params = text_of(tagged[0])
    assert "utils.scale(" not in params and "is_smoke" not in params, "the parameter cell shows plain knobs"
    if path.name < "90":  # lessons shrink their runs for the quick check in the hidden cell that follows
        after = code[code.index(tagged[0]) + 1]
        assert "remove-cell" in after.get("metadata", {}).get("tags", [])
        assert "if utils.is_smoke():" in text_of(after), "the quick check overrides the knobs out of sight"
    checked = [c for c in code if "nbval-check-output" in c.get("metadata", {}).get("tags", [])]
    assert not [c for c in code if "NBVAL" in text_of(c)], "nbval markers are cell tags, not comments on the page"
    assert "remove-cell" in code[0].get("metadata", {}).get("tags", []), "the bootstrap cell stays off the page"
    assert len(checked) >= 3, "several lesson facts are checked by nbval"
    assert all(c["outputs"] for c in checked), "a checked cell must have an output to compare"
    assert "utils.provenance()" in text_of(code[-1]), "the closing cell records provenance"
    markdown = "\n".join(text_of(c) for c in cells if c["cell_type"] == "markdown")
    assert re.search(r"^#+ .*Summary", markdown, re.MULTILINE)
    assert re.search(r"^#+ .*Exercises", markdown, re.MULTILINE)
    assert re.match(r"# ", text_of(cells[0])), "the first cell is the chapter's title"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_dated_or_device_specific_code(path):
    for cell in load(path)["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = text_of(cell)
        for bad in (".cuda()", "plt.pause", "Variable(", "size_average", "set_matplotlib_formats('svg')"):
            assert bad not in src, f"{path.name}: `{bad}` in a code cell (show dated code in markdown)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_glue_reference_has_a_stored_value(path):
    from utils.glue import glued

    cells = load(path)["cells"]
    markdown = "\n".join(text_of(c) for c in cells if c["cell_type"] == "markdown")
    wanted = set(GLUE_REF.findall(markdown)) | set(GLUE_DIRECTIVE.findall(markdown))
    missing = wanted - set(glued(path))
    assert not missing, f"the text quotes values the notebook does not glue: {sorted(missing)}"


def test_every_notebook_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    files = re.findall(r"^\s*- file:\s*(\S+)", toc, re.MULTILINE)
    globs = re.findall(r"^\s*- glob:\s*(\S+)", toc, re.MULTILINE)
    for path in NOTEBOOKS:
        entry = f"chapters/{path.stem}"
        assert entry in files or any(fnmatch(entry, g) for g in globs), f"{path.name} is not in _toc.yml"


# What a reader sees (CONTRIBUTING.md, "Reader first"); the same rules as the before-stop checklist.
MAX_STORED_BYTES = 800_000
HIDDEN_TAGS = {"remove-cell", "remove-input", "hide-input", "hide-cell"}
GLUE_CALL = re.compile(r"^\s*utils\.glue\(", re.MULTILINE)
MACHINERY_TALK = re.compile(
    r"\b(claims? tests?|the tests? (?:check|assert)|registry|SMOKE|FULL mode|the issue|this issue|"
    r"an earlier version|earlier run of this chapter)\b", re.IGNORECASE)


def visible_code_cells(nb: dict):
    """(index, cell) of the code cells the site shows with their source."""
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code" and not HIDDEN_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            yield i, cell


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_notebook_is_at_most_800_kb(path):
    size = path.stat().st_size
    assert size <= MAX_STORED_BYTES, f"{path.name}: {size / 1000:.0f} KB stored (a figure stored twice?)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_machinery_in_visible_code(path):
    shown = [(i, text_of(cell)) for i, cell in visible_code_cells(load(path))]
    markers = [i for i, src in shown if "NBVAL" in src]
    glue = [i for i, src in shown if i > 0 and GLUE_CALL.search(src)]
    assert not markers, f"{path.name}: cells {markers} show an nbval marker (use the nbval-check-output tag)"
    assert not glue, f"{path.name}: cells {glue} show `utils.glue(` lines (move them to a remove-cell cell)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_never_talks_about_machinery(path):
    talk = [(i, m.group(0)) for i, cell in enumerate(load(path)["cells"]) if cell["cell_type"] == "markdown"
            for m in [MACHINERY_TALK.search(text_of(cell))] if m]
    assert not talk, f"{path.name}: prose about tests, registry, modes or history in cells {talk}"


@pytest.mark.parametrize("text, flagged", [
    ("The claims test checks it.", True), ("In SMOKE mode the data is small.", True),
    ("An earlier version of this chapter said so.", True), ("The registry holds it.", True),
    ("Dropout is tested on the test set.", False), ("We train in full.", False),
])
def test_machinery_pattern(text, flagged):
    assert bool(MACHINERY_TALK.search(text)) is flagged


def test_hidden_cells_may_hold_glue_calls():
    nb = {"cells": [{"cell_type": "markdown", "source": "# T"},
                    {"cell_type": "code", "source": "utils.glue('x', 1)", "metadata": {"tags": ["remove-cell"]}},
                    {"cell_type": "code", "source": "y = 1\nutils.glue('y', y)", "metadata": {}}]}
    assert [i for i, _ in visible_code_cells(nb)] == [2]


@pytest.mark.parametrize("page", ["intro.md", "chapters/92_pitfalls.md"])
def test_markdown_pages_never_talk_about_machinery(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    assert not MACHINERY_TALK.search(text), f"{page}: '{MACHINERY_TALK.search(text).group(0)}'"

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
    if path.name < "90":  # lessons set their knobs by mode; appendices only read stored results
        assert "utils.scale(" in text_of(tagged[0]) or "is_smoke" in text_of(tagged[0])
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

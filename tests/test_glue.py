"""utils.glue: the same outputs as myst_nb.glue, read back by glued() from a notebook run by nbclient."""

from __future__ import annotations

import base64
import math

import nbformat
import pytest
from nbclient import NotebookClient

from tools.notebooks import ROOT
from utils.glue import GLUE_PREFIX, glue, glued

SETUP = f"""import sys
sys.path.insert(0, {str(ROOT)!r})
import numpy as np, torch
import myst_nb
import utils
from matplotlib.figure import Figure
fig = Figure(figsize=(2, 2))
fig.subplots().plot([1, 2], [2, 1])"""

# (name, expression) pairs glued by both utils.glue and myst_nb.glue, whose outputs must be equal
SAME_AS_MYST = [("an_int", "42"), ("a_float", "0.8125"), ("a_string", "'dropout'"),
                ("a_negative", "-1.5e-07"), ("a_tuple", "(1, 2.5)")]
# values glued by utils only: (name, expression, value glued() reads back)
OURS_ONLY = [("np_scalar", "np.float32(0.25)", 0.25), ("np_int", "np.int64(7)", 7),
             ("torch_scalar", "torch.tensor(0.5)", 0.5), ("torch_int", "torch.tensor(3)", 3),
             ("not_a_number", "float('nan')", math.nan), ("figure", "fig", "image")]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """A small notebook gluing values with utils.glue and myst_nb.glue, executed by nbclient."""
    cells = [nbformat.v4.new_code_cell(SETUP)]
    for display in (False, True):
        for name, expr in SAME_AS_MYST:
            cells.append(nbformat.v4.new_code_cell(f"utils.glue('{name}_{display}', {expr}, display={display})"))
            cells.append(nbformat.v4.new_code_cell(f"myst_nb.glue('{name}_{display}', {expr}, display={display})"))
    for name, expr, _ in OURS_ONLY:
        cells.append(nbformat.v4.new_code_cell(f"utils.glue('{name}', {expr})"))
    nb = nbformat.v4.new_notebook(cells=cells)
    folder = tmp_path_factory.mktemp("glue")
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    path = folder / "glued.ipynb"
    nbformat.write(nb, path)
    return nb, path


def test_same_outputs_as_myst_nb_glue(executed):
    nb, _ = executed
    pairs = nb.cells[1:1 + 4 * len(SAME_AS_MYST)]
    assert len(pairs) == 4 * len(SAME_AS_MYST)
    for ours, theirs in zip(pairs[::2], pairs[1::2]):
        assert len(ours.outputs) == len(theirs.outputs) == 1, (ours.source, ours.outputs)
        a, b = ours.outputs[0], theirs.outputs[0]
        assert (a.output_type, a.data, a.metadata) == (b.output_type, b.data, b.metadata), ours.source


def test_hidden_glue_uses_the_papermill_prefix(executed):
    nb, _ = executed
    out = nb.cells[2].outputs[0]  # utils.glue('an_int_False', 42)
    assert out.data == {GLUE_PREFIX + "text/plain": "42"}
    assert out.metadata == {"scrapbook": {"name": "an_int_False", "mime_prefix": GLUE_PREFIX}}


def test_scalars_are_plain_numbers_and_figures_png(executed):
    nb, _ = executed
    by_name = {c.outputs[0].metadata["scrapbook"]["name"]: c.outputs[0] for c in nb.cells[1:]}
    assert by_name["np_scalar"].data[GLUE_PREFIX + "text/plain"] == "0.25"
    assert by_name["torch_scalar"].data[GLUE_PREFIX + "text/plain"] == "0.5"
    assert by_name["torch_int"].data[GLUE_PREFIX + "text/plain"] == "3"
    figure = by_name["figure"].data
    assert base64.b64decode(figure[GLUE_PREFIX + "image/png"]).startswith(b"\x89PNG")
    assert not any("svg" in key for key in figure)


def test_glued_reads_the_values_back(executed):
    _, path = executed
    values = glued(path)
    for display in (False, True):
        assert values[f"an_int_{display}"] == 42 and isinstance(values[f"an_int_{display}"], int)
        assert values[f"a_float_{display}"] == 0.8125
        assert values[f"a_string_{display}"] == "dropout"
        assert values[f"a_negative_{display}"] == -1.5e-07
        assert values[f"a_tuple_{display}"] == (1, 2.5)
    for name, _, want in OURS_ONLY:
        if isinstance(want, float) and math.isnan(want):
            assert math.isnan(values[name])
        else:
            assert values[name] == want and type(values[name]) is type(want), name


def test_glued_missing_notebook(tmp_path):
    with pytest.raises(FileNotFoundError, match="no notebook"):
        glued(tmp_path / "absent.ipynb")


def test_glued_of_a_notebook_without_glue(tmp_path):
    path = tmp_path / "plain.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"),
                                         nbformat.v4.new_code_cell("1 + 1")])
    nbformat.write(nb, path)
    assert glued(path) == {}


@pytest.mark.parametrize("name", ["1st", "test acc", "", "ch3-acc", 3, None, b"x"])
def test_bad_names_are_rejected(name):
    with pytest.raises(ValueError, match="identifier"):
        glue(name, 1.0)


def test_outside_jupyter_glue_shows_nothing(capsys):
    assert glue("ch0_value", 0.5) is None
    assert capsys.readouterr().out == ""

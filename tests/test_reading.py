"""tools.reading counts what a first reading meets: folded boxes and deep dives are not counted."""

from __future__ import annotations

import json
from pathlib import Path

from tools import reading


def _notebook(tmp_path: Path, *cells: tuple[str, str, list[str]]) -> Path:
    """A stored notebook made of (kind, source, tags) cells."""
    nb = {"cells": [{"cell_type": kind, "source": source, "metadata": {"tags": tags},
                     **({"outputs": [], "execution_count": 1} if kind == "code" else {})}
                    for kind, source, tags in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "01_x.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _md(source: str) -> tuple[str, str, list[str]]:
    return ("markdown", source, [])


def test_folded_boxes_and_solutions_are_not_counted(tmp_path):
    box = ":::{admonition} How we know\n:class: dropdown\n" + "seed " * 100 + "[0.1, 0.2]\n:::\n"
    r = reading.read_chapter(_notebook(tmp_path, _md("# 1. T\n\none two three four five\n\n" + box)))
    assert r.core_words == 7  # "#", "1.", "T" and five words; the box's 102 words and its interval are folded
    assert r.intervals == []


def test_intervals_in_shown_prose_are_found_in_both_forms(tmp_path):
    text = ("The gain is {glue:text}`a:.3f` [{glue:text}`a_low:.3f`, {glue:text}`a_high:.3f`], "
            "and the other 0.2 (interval 0.1 to 0.3).")
    r = reading.read_chapter(_notebook(tmp_path, _md(text)))
    assert len(r.intervals) == 2


def test_a_deep_dive_is_skipped_and_must_come_after_the_core(tmp_path):
    dive = "## Extra\n\n:::{admonition} Deep dive\n:class: note\nSkip it.\n:::\n\n" + "word " * 500
    placed_last = reading.read_chapter(_notebook(tmp_path, _md("## Core\n\nshort"), _md(dive),
                                                 _md("## Summary\n\n- one")))
    assert placed_last.deep_dives == ["Extra"]
    assert placed_last.core_words < 20 and placed_last.problems() == []
    placed_first = reading.read_chapter(_notebook(tmp_path, _md(dive), _md("## Core\n\nshort")))
    assert placed_first.misplaced_deep_dives == ["Extra"]


def test_visible_code_is_short_and_code_a_reader_can_open_is_narrow(tmp_path):
    long_cell = "\n".join(f"x{i} = {i}" for i in range(30))
    wide_cell = "y = '" + "z" * 100 + "'"
    r = reading.read_chapter(_notebook(tmp_path, ("code", long_cell, []), ("code", wide_cell, []),
                                       ("code", long_cell, ["hide-input"]), ("code", wide_cell, ["remove-cell"]),
                                       ("code", wide_cell, ["hide-input"])))
    assert r.long_cells == [0]  # a folded cell may be long ...
    assert r.long_lines == [1, 4]  # ... but not wider than the column when unfolded; a removed one may
    assert len(r.problems()) == 2

"""Seeded chapters reproduce: chapters 2 and 4, executed twice in FULL mode, glue identical numbers.

Slow (a few minutes): run by `make test-determinism` (and CI), not by `make test`. Timing values
(glue names ending in _seconds, _ms or _speedup) are machine-dependent and left out of the comparison.
"""

from __future__ import annotations

import pytest

from tools import execute
from tools.notebooks import CHAPTERS
from utils.glue import glued

NOTEBOOKS = ["02_numpy_inverted_dropout.ipynb", "04_weight_decay.ipynb"]
TIMING_SUFFIXES = ("_seconds", "_ms", "_speedup")


def comparable(values: dict) -> dict:
    """Glued values without the timing ones."""
    return {k: v for k, v in values.items() if not k.endswith(TIMING_SUFFIXES)}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_two_full_runs_glue_the_same_numbers(name, tmp_path):
    source = CHAPTERS / name
    assert source.is_file(), f"{name} is missing"
    runs = []
    for run in ("first", "second"):
        assert execute.main([str(source), "--output-dir", str(tmp_path / run)]) == 0
        runs.append(comparable(glued(tmp_path / run / name)))
    assert runs[0], f"{name} glues no values"
    differing = {k: (runs[0][k], runs[1].get(k)) for k in runs[0] if runs[0][k] != runs[1].get(k)}
    assert not differing and runs[0].keys() == runs[1].keys(), f"{name}: values differ between runs: {differing}"

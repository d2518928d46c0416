"""Shared fixtures: where the stored notebooks are, and their glued values."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `import utils` and `import tools` from the repository


def notebook_dir() -> Path:
    """The notebooks under test: BOOK_NOTEBOOK_DIR (make reproduce) or the stored chapters/."""
    return Path(os.environ.get("BOOK_NOTEBOOK_DIR") or ROOT / "chapters")


@pytest.fixture
def glued_values():
    """A function: notebook file name -> its glued values (fails clearly when the notebook is missing)."""
    from utils.glue import glued

    def read(name: str) -> dict:
        path = notebook_dir() / name
        assert path.is_file(), f"{path} is missing: execute it with `make execute NB=chapters/{name}`"
        return glued(path)

    return read

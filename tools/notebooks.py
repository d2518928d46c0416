"""What the tools and tests know about the book's notebooks: where they are and what a clean one is."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"

# Paths of a machine or kernel that must not appear in stored outputs.
MACHINE_PATH = re.compile(r"(/work/|/tmp/|/root/|/home/|/Users/|/content/|site-packages|ipykernel_\d+|[A-Z]:\\\\)")
# The repr a cell's last expression leaves when it returns an object (`<matplotlib.legend.Legend at 0x7f…>`):
# noise on the page, and different on every run.
OBJECT_REPR = re.compile(r"<[\w.]+(?: object)? at 0x[0-9a-f]+>")


def chapter_notebooks() -> list[Path]:
    """Every notebook of the book, in file-name order."""
    return sorted(CHAPTERS.glob("*.ipynb"))


def output_problems(nb: dict, label: str = "notebook") -> list[str]:
    """What is wrong with a notebook's stored outputs: errors, stderr, SVG, machine paths, unexecuted cells."""
    problems = []
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    for i, cell in enumerate(code):
        source = "".join(cell.get("source", ""))
        if source.strip() and cell.get("execution_count") is None:
            problems.append(f"{label}: code cell {i} was never executed")
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error":
                problems.append(f"{label}: code cell {i} stores an error ({out.get('ename')})")
            if kind == "stream" and out.get("name") == "stderr":
                problems.append(f"{label}: code cell {i} stores stderr output: {''.join(out.get('text', ''))[:120]!r}")
            data = out.get("data", {})
            if any(k.endswith("image/svg+xml") for k in data):
                problems.append(f"{label}: code cell {i} stores an SVG figure (use PNG)")
            text = json.dumps(out.get("text", "")) + json.dumps(
                {k: v for k, v in data.items() if "image/" not in k})
            if MACHINE_PATH.search(text):
                problems.append(f"{label}: code cell {i} output shows a path of the machine")
            if kind == "execute_result" and OBJECT_REPR.search("".join(data.get("text/plain", ""))):
                problems.append(f"{label}: code cell {i} shows an object's repr (end its last line with `;`)")
    return problems

"""The first code cell of every notebook: makes `utils` importable locally and on a fresh Colab runtime.

`python tools/bootstrap.py` writes the canonical cell (with the repository URL of _config.yml) into
every notebook in chapters/; `--check` only reports notebooks whose first code cell differs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from tools.notebooks import ROOT, chapter_notebooks

TEMPLATE = '''# Make the book's `utils` importable: from this repository when run locally, or fetched
# into a fresh runtime (Colab) from the book's repository. BOOK_REPO_URL overrides the URL.
import os, subprocess, sys
from pathlib import Path

BOOK_REPO = os.environ.get("BOOK_REPO_URL", "{url}")
BOOK_ROOT = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "utils" / "__init__.py").is_file()), None)
if BOOK_ROOT is None:
    BOOK_ROOT = Path.cwd() / "{name}"
    if not BOOK_ROOT.exists():
        subprocess.run(["git", "clone", "--quiet", "--depth", "1", BOOK_REPO, str(BOOK_ROOT)], check=True)
    if "google.colab" in sys.modules:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-r", str(BOOK_ROOT / "requirements.txt")], check=True)
sys.path.insert(0, str(BOOK_ROOT))
import utils'''


def repository_url(config: Path = ROOT / "_config.yml") -> str:
    """The repository URL of _config.yml (the one place it is written)."""
    text = config.read_text(encoding="utf-8")
    match = re.search(r"^repository:\s*\n(?:[ \t]+.*\n)*?[ \t]+url:\s*(\S+)", text, re.MULTILINE)
    if not match:
        raise ValueError(f"{config} has no repository.url")
    return match.group(1).strip("'\"")


def cell_source(url: str | None = None) -> str:
    """The canonical first code cell for the repository at `url`."""
    url = url or repository_url()
    return TEMPLATE.format(url=url, name=url.rstrip("/").split("/")[-1].removesuffix(".git"))


def first_code_cell(nb: dict) -> dict:
    """The first code cell of a notebook."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            return cell
    raise ValueError("the notebook has no code cell")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args(argv)
    wanted = cell_source()
    stale = []
    for path in chapter_notebooks():
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = first_code_cell(nb)
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if "".join(cell["source"]) == wanted and "remove-cell" in tags:
            continue
        stale.append(path)
        if not args.check:
            cell["source"] = wanted
            if "remove-cell" not in tags:  # Colab runs it; the site leaves it off the page
                tags.append("remove-cell")
            partial = path.with_name(path.name + ".part")
            partial.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            os.replace(partial, path)
    for path in stale:
        print(("differs: " if args.check else "updated: ") + str(path.relative_to(ROOT)))
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())

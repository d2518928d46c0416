"""How heavy a chapter page reads, from its stored notebook: the shown core prose, intervals, visible code.

The lesson is shown; the evidence is folded. This tool counts what a first reading meets:
- core words: markdown outside folded boxes (any directive with `:class: dropdown`, solutions included)
  and outside deep dives (a `##` section whose first admonition is titled "Deep dive", up to the next
  `##` heading), with each glued value and each inline formula counted as one word;
- intervals in that prose: `[a, b]`, or `a to b` after "interval" or an opening parenthesis, where a and b
  are numbers or glued values;
- visible code cells (not tagged remove-cell, remove-input, hide-input or hide-cell) over 25 lines, and
  code lines over 88 characters in any cell a reader can see or unfold (all but remove-cell, remove-input),
  deep dives included: the site's code column shows 88 characters at 1280 px without a scroll bar;
- whether every deep dive comes after the core sections (before `## Summary`).

`python -m tools.reading` prints a table; `--check` exits 1 when a chapter is over a limit. The browser test
(tests/site/test_browser.py) measures the built page; this is the quick check while writing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tools.notebooks import CHAPTERS

CORE_WORDS = 2500
SHOWN_INTERVALS = 2
CODE_LINES = 25
LINE_CHARS = 88
HIDDEN_TAGS = {"remove-cell", "remove-input", "hide-input", "hide-cell"}
REMOVED_TAGS = {"remove-cell", "remove-input"}

GLUE = re.compile(r"\{glue(?::\w+)?\}`[^`]*`")
MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S)
NUMBER = r"[-+−]?\d[\d.,]*(?:e[-+]?\d+)?%?"
VALUE = rf"(?:GLUED|{NUMBER})"
INTERVAL = re.compile(rf"\[\s*{VALUE}\s*,\s*{VALUE}\s*\]|(?:interval|\()[^()\[\]]{{0,12}}?{VALUE}\s+(?:to|–)\s+{VALUE}")
FENCE_OPEN = re.compile(r"^(`{3,}|:{3,})\s*\{([\w:-]+)\}\s*(.*)$")
DEEP_DIVE = re.compile(r"\{admonition\}\s*Deep dive", re.I)


@dataclass
class Reading:
    """What a first reading of one chapter meets."""

    name: str
    core_words: int = 0
    intervals: list[str] = field(default_factory=list)
    long_cells: list[int] = field(default_factory=list)
    long_lines: list[int] = field(default_factory=list)
    deep_dives: list[str] = field(default_factory=list)
    misplaced_deep_dives: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Each limit this chapter is over, in words."""
        out = []
        if self.core_words > CORE_WORDS:
            out.append(f"{self.name}: {self.core_words} core words (at most {CORE_WORDS})")
        if len(self.intervals) > SHOWN_INTERVALS:
            out.append(f"{self.name}: {len(self.intervals)} intervals in shown prose (at most {SHOWN_INTERVALS})")
        if self.long_cells:
            out.append(f"{self.name}: visible code cells over {CODE_LINES} lines: {self.long_cells}")
        if self.long_lines:
            out.append(f"{self.name}: code cells a reader can open with lines over {LINE_CHARS} characters: "
                       f"{self.long_lines}")
        if self.misplaced_deep_dives:
            out.append(f"{self.name}: deep dives before a core section: {self.misplaced_deep_dives}")
        return out


def shown_text(markdown: str) -> str:
    """The markdown a reader sees unfolded: folded directives (`:class: dropdown`) removed."""
    lines = markdown.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = FENCE_OPEN.match(lines[i].strip())
        if match:
            fence = match.group(1)
            end = i + 1
            depth = 1
            while end < len(lines) and depth:
                stripped = lines[end].strip()
                if FENCE_OPEN.match(stripped) and stripped.startswith(fence[0]) and len(
                        FENCE_OPEN.match(stripped).group(1)) == len(fence):
                    depth += 1
                elif stripped == fence:
                    depth -= 1
                end += 1
            body = lines[i + 1:end - 1]
            options = [b.strip() for b in body if b.strip().startswith(":")]
            if any(o.startswith(":class:") and "dropdown" in o for o in options):
                i = end
                continue
            if match.group(2) in ("glue:figure", "glue:any", "glue", "figure", "image", "math", "code-cell"):
                caption = [b for b in body if not b.strip().startswith(":")]
                out.extend(caption)
                i = end
                continue
            out.append(match.group(3))
            out.extend(shown_text("\n".join(b for b in body if not b.strip().startswith(":"))).splitlines())
            i = end
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def count_words(text: str) -> int:
    """Words of shown prose: glued values and inline formulas count one each."""
    text = GLUE.sub(" GLUED ", text)
    text = MATH.sub(" MATH ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"^\s*\|?[-:| ]+\|?\s*$", " ", text, flags=re.M)  # table rules
    return len(re.findall(r"[\w$`*][^\s|]*", text))


def read_chapter(path: Path) -> Reading:
    """Measure one stored chapter notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    reading = Reading(path.stem)
    in_deep_dive = False
    section = ""
    code_index = -1
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "code":
            code_index += 1
            tags = set(cell.get("metadata", {}).get("tags", []))
            lines = source.splitlines()
            if not tags & REMOVED_TAGS and any(len(line) > LINE_CHARS for line in lines):
                reading.long_lines.append(code_index)
            if not (tags & HIDDEN_TAGS or in_deep_dive) and len(lines) > CODE_LINES:
                reading.long_cells.append(code_index)
            continue
        if cell.get("cell_type") != "markdown":
            continue
        for part in re.split(r"(?m)^(?=## )", source):
            if part.startswith("## "):
                section = part.splitlines()[0][3:].strip()
                in_deep_dive = bool(DEEP_DIVE.search(part))
                if in_deep_dive:
                    reading.deep_dives.append(section)
                elif reading.deep_dives and not section.lower().startswith(("summary", "exercises")):
                    reading.misplaced_deep_dives.append(reading.deep_dives[-1])
            elif DEEP_DIVE.search(part) and section and section not in reading.deep_dives:
                in_deep_dive = True
                reading.deep_dives.append(section)
            if in_deep_dive:
                continue
            text = shown_text(part)
            reading.core_words += count_words(text)
            reading.intervals += INTERVAL.findall(GLUE.sub("GLUED", text))
    reading.misplaced_deep_dives = sorted(set(reading.misplaced_deep_dives))
    return reading


def main(argv: list[str] | None = None) -> int:
    """Print each chapter's reading measures; with --check, exit 1 when one is over a limit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: chapters 01-07")
    parser.add_argument("--check", action="store_true", help="exit 1 when a chapter is over a limit")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(CHAPTERS.glob("0*.ipynb"))
    problems = []
    total = 0
    print(f"{'chapter':32} {'core words':>10} {'intervals':>9} {'long cells':>10} {'long lines':>10}  deep dives")
    for path in paths:
        r = read_chapter(path)
        total += r.core_words
        print(f"{r.name:32} {r.core_words:>10} {len(r.intervals):>9} {len(r.long_cells):>10} "
              f"{len(r.long_lines):>10}  {', '.join(r.deep_dives) or '-'}")
        problems += r.problems()
    print(f"{'total':32} {total:>10}")
    for p in problems:
        print(p)
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())

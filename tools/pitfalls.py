"""The book's Pitfall admonitions, read from the chapters' markdown (the source side of the Pitfalls page).

The appendix page itself (the cheat sheet: symptom, one-line fix, section) is made by the Sphinx extension
_ext/pitfalls.py from the parsed chapters; this module reads the same admonitions from the notebooks'
source so that tests can check the convention (CONTRIBUTING.md) and that the built page lists every one
of them, each with its fix.

`python -m tools.pitfalls` prints them, with their symptom and fix and the problems found.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from tools.notebooks import chapter_notebooks

OPEN = re.compile(r"^(?P<fence>:{3,}|`{3,})\{admonition\}\s*(?P<title>Pitfall\b.*?)\s*$")
OPTION = re.compile(r"^:[\w-]+:")
UPSTREAM_LINE = re.compile(r"^Upstream report:\s*(?P<rest>.*)$")
FIX_LINE = re.compile(r"^Fix:\s*(?P<rest>.*)$")
UPSTREAM_LINK = re.compile(
    r"^\[(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)#(?P<number>\d+)\]"
    r"\(https://github\.com/(?P<owner2>[\w.-]+)/(?P<repo2>[\w.-]+)/(?:issues|pull)/(?P<number2>\d+)\)\.?$")
GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`[^`]*`")  # a glued number reads as about five characters
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "cf.", "etc.", "Fig.", "Eq.", "approx.", "resp.", "No.")
SYMPTOM_MAX = 240  # characters of plain text: about two printed lines, one sentence a reader takes in
FIX_MAX = 240  # the fix is one line of the source too: a command, a setting, a rule


@dataclass
class Pitfall:
    notebook: str  # file name, e.g. 03_dropout_scratch_concise.ipynb
    cell: int  # index of the markdown cell
    title: str  # as written, "Pitfall: ..."
    body: list[str]  # the lines between the fences, options removed
    upstream: str | None  # the text after "Upstream report:", if the admonition has that line

    @property
    def name(self) -> str:
        """The title without its "Pitfall:" prefix."""
        return re.sub(r"^Pitfall\b\s*:?\s*", "", self.title)

    @property
    def first_paragraph(self) -> str:
        lines = []
        for line in self.body:
            if not line.strip():
                if lines:
                    break
                continue
            lines.append(line.strip())
        return " ".join(lines)

    @property
    def symptom(self) -> str:
        """The first sentence of the body, as markdown."""
        return first_sentence(self.first_paragraph)

    @property
    def fix(self) -> str | None:
        """The text after "Fix:" on the admonition's `Fix:` line, as markdown; None without one."""
        for line in self.body:
            match = FIX_LINE.match(line.strip())
            if match:
                return match.group("rest").strip()
        return None


def first_sentence(text: str) -> str:
    """The first sentence of a markdown paragraph; a period inside `code`, $math$ or a role never ends it."""
    masked = re.sub(r"`[^`]*`|\$[^$]*\$", lambda m: "x" * len(m.group(0)), text)
    for match in SENTENCE_END.finditer(masked):
        if not masked[: match.end()].endswith(ABBREVIATIONS):
            return text[: match.end()]
    return text


def find_pitfalls(markdown: str, notebook: str = "", cell: int = 0) -> list[Pitfall]:
    """Every `{admonition} Pitfall...` block of a markdown text (colon or backtick fences)."""
    found, lines, i = [], markdown.splitlines(), 0
    while i < len(lines):
        match = OPEN.match(lines[i].strip())
        if not match:
            i += 1
            continue
        fence = match.group("fence")
        closing = re.compile(rf"^{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        body, j = [], i + 1
        while j < len(lines) and not closing.match(lines[j].strip()):
            body.append(lines[j])
            j += 1
        while body and OPTION.match(body[0].strip()):
            body.pop(0)
        upstream = None
        for line in body:
            up = UPSTREAM_LINE.match(line.strip())
            if up:
                upstream = up.group("rest").strip()
        found.append(Pitfall(notebook, cell, match.group("title"), body, upstream))
        i = j + 1
    return found


def notebook_pitfalls(path: Path) -> list[Pitfall]:
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    found = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            found += find_pitfalls("".join(cell.get("source", "")), Path(path).name, index)
    return found


def book_pitfalls(notebooks: list[Path] | None = None) -> list[Pitfall]:
    """Every Pitfall of the book's chapters, in chapter order."""
    return [p for path in (notebooks or chapter_notebooks()) for p in notebook_pitfalls(path)]


def plain(markdown: str) -> str:
    """Roughly the text a reader sees: markup, quotes' shapes and white space normalised, for comparisons."""
    text = re.sub(r"\{[\w:-]+\}`([^`]*)`", r"\1", markdown)  # a role: keep its content
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link: keep its text
    text = text.replace("\\(", "").replace("\\)", "")
    text = re.sub(r"[`$]|\*\*|(?<!\w)\*|\*(?!\w)", "", text)
    for fancy, ascii_ in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("—", "--"), ("–", "-"), ("…", "...")):
        text = text.replace(fancy, ascii_)
    return " ".join(text.split()).strip()


def problems(p: Pitfall) -> list[str]:
    """What breaks the Pitfall convention of CONTRIBUTING.md in one admonition."""
    where = f"{p.notebook} cell {p.cell} '{p.name}'"
    found = []
    if not re.match(r"^Pitfall: \S", p.title):
        found.append(f"{where}: the title is `Pitfall: ...`")
    first = p.first_paragraph
    if not first or first.startswith(("```", "~~~", "Upstream report:", "|", "-", "*", ">")):
        found.append(f"{where}: the body opens with a sentence (the symptom), not a block or list")
    elif (length := len(plain(GLUE_ROLE.sub("0.000", p.symptom)))) > SYMPTOM_MAX:
        found.append(f"{where}: the first sentence (the symptom) has {length} characters "
                     f"(at most {SYMPTOM_MAX}: one line a reader takes in)")
    found += fix_problems(p, where)
    if p.upstream is not None:
        link = UPSTREAM_LINK.match(p.upstream)
        if not link or link.group("owner", "repo", "number") != link.group("owner2", "repo2", "number2"):
            found.append(f"{where}: `Upstream report: [owner/repo#N](https://github.com/owner/repo/issues/N)`, "
                         f"got {p.upstream!r}")
        lines = [line.strip() for line in p.body]
        filled = [line for line in lines if line]
        if not filled[-1].startswith("Upstream report:"):
            found.append(f"{where}: the Upstream report line ends the admonition")
        else:
            at = len(lines) - 1 - lines[::-1].index(filled[-1])
            if at > 0 and lines[at - 1]:
                found.append(f"{where}: a blank line before `Upstream report:` (its own paragraph)")
    return found


def fix_problems(p: Pitfall, where: str) -> list[str]:
    """The `Fix:` line: one, a paragraph of one line, after the symptom and before any Upstream report."""
    lines = [line.strip() for line in p.body]
    at = [i for i, line in enumerate(lines) if FIX_LINE.match(line)]
    if not at:
        return [f"{where}: no `Fix:` line (a paragraph of its own, one line: what to do instead)"]
    if len(at) > 1:
        return [f"{where}: {len(at)} `Fix:` lines (one fix per Pitfall; a second pitfall gets its own box)"]
    i, found = at[0], []
    if not p.fix:
        found.append(f"{where}: the `Fix:` line is empty")
    elif (length := len(plain(GLUE_ROLE.sub("0.000", p.fix)))) > FIX_MAX:
        found.append(f"{where}: the fix has {length} characters (at most {FIX_MAX}: one line)")
    if i == 0 or lines[i - 1] or (i + 1 < len(lines) and lines[i + 1]):
        found.append(f"{where}: the `Fix:` line is a paragraph of its own (blank lines around it, one line)")
    if not any(lines[:i]):
        found.append(f"{where}: the `Fix:` line follows the symptom and the cause")
    upstream = [j for j, line in enumerate(lines) if UPSTREAM_LINE.match(line)]
    if upstream and upstream[-1] < i:
        found.append(f"{where}: the `Fix:` line comes before the `Upstream report:` line")
    return found


def main() -> int:
    pitfalls = book_pitfalls()
    bad = 0
    for p in pitfalls:
        print(f"{p.notebook} [{p.cell}] {p.name}\n    symptom: {plain(p.symptom)}"
              + (f"\n    fix: {plain(p.fix)}" if p.fix else "")
              + (f"\n    upstream: {p.upstream}" if p.upstream else ""))
        for problem in problems(p):
            bad += 1
            print(f"    PROBLEM: {problem}")
    print(f"{len(pitfalls)} pitfalls, {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

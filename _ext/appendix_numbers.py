"""Sphinx extension: figures and exercises of an appendix are numbered by its letter (Exercise B.2).

The lesson parts of _toc.yml are numbered, so Sphinx numbers their figures and exercises per chapter
(Fig. 4.3, Exercise 4.2). The appendix part is not numbered: its titles carry their letter ("B. Reproduction
report"), and Sphinx would count its figures and exercises on through all the appendices (Exercise 8 in
Appendix B). After Sphinx has assigned the numbers, each page outside the numbered parts whose title
starts with a capital letter and a period gets its own count, prefixed with that letter.
"""

from __future__ import annotations

import re

LETTER = re.compile(r"^([A-Z])\.\s")


def letter_of(env, docname: str) -> str | None:
    """The appendix letter of a page that has no section number, from its title; else None."""
    if env.toc_secnumbers.get(docname, {}).get(""):
        return None
    title = env.titles.get(docname)
    match = LETTER.match(title.astext()) if title is not None else None
    return match.group(1) if match else None


def renumber(app, env) -> list[str]:
    """env-get-updated, after Sphinx's own numbering: restart each appendix's counts under its letter."""
    changed = []
    for docname, by_type in env.toc_fignumbers.items():
        letter = letter_of(env, docname)
        if letter is None:
            continue
        for numbers in by_type.values():  # one count per kind: figures, tables, exercises, ...
            ordered = sorted(numbers, key=numbers.get)  # document order, as Sphinx counted
            for index, ident in enumerate(ordered, start=1):
                numbers[ident] = (letter, index)
        changed.append(docname)
    return changed


def setup(app):
    # After the toctree collector (priority 500), which assigns section and figure numbers.
    app.connect("env-get-updated", renumber, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}

"""Sphinx extension: the Pitfalls appendix, collected from the chapters at build time.

A chapter marks a pitfall with an admonition whose title starts with "Pitfall":

    :::{admonition} Pitfall: predicting without `model.eval()`
    :class: warning
    A model left in training mode keeps dropping units when you predict with it. ...

    Fix: call `model.eval()` before predicting.

    Upstream report: [pytorch/pytorch#77081](https://github.com/pytorch/pytorch/issues/77081)
    :::

A page that holds the directive

    ```{pitfall-list}
    ```

shows every such admonition of the book, chapter by chapter, as a cheat sheet: its title (a link to the
admonition), the first sentence of its body (the symptom), its one-line fix (the paragraph that starts
"Fix:"), a link to the section it stands in, and the upstream report where the admonition has an
"Upstream report:" line. Everything is taken from the parsed chapters when the site
is built, so the list cannot drift from them. Glue values, code and math in a title, a first
sentence or a fix are kept as the chapter renders them (the nodes are copied, not their source text).
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

TITLE = re.compile(r"^\s*Pitfall\b\s*:?\s*")
UPSTREAM = "Upstream report:"
FIX = "Fix:"
# A sentence ends at . ! or ? followed by white space (or the end of the paragraph), except after these.
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "cf.", "etc.", "Fig.", "Eq.", "approx.", "resp.", "No.")


class pitfall_list(nodes.General, nodes.Element):
    """Where the list goes; replaced when the page is written."""


class PitfallListDirective(SphinxDirective):
    has_content = False

    def run(self):
        self.env.pitfall_list_docs = getattr(self.env, "pitfall_list_docs", set()) | {self.env.docname}
        return [pitfall_list("")]


def is_pitfall(node) -> bool:
    """An admonition whose title starts with the word Pitfall."""
    return (isinstance(node, nodes.admonition) and len(node) > 0 and isinstance(node[0], nodes.title)
            and bool(TITLE.match(node[0].astext())))


def sentence_end(text: str) -> int | None:
    """Index just past the first sentence end in `text`, or None."""
    for match in SENTENCE_END.finditer(text):
        head = text[: match.end()]
        if not head.endswith(ABBREVIATIONS):
            return match.end()
    return None


def first_sentence(paragraph: nodes.Element) -> list[nodes.Node]:
    """Copies of the inline nodes of `paragraph` up to the end of its first sentence.

    Only plain text ends a sentence: a period inside code, math or a glued number never does.
    """
    out: list[nodes.Node] = []
    for child in paragraph.children:
        if isinstance(child, nodes.Text):
            text = str(child)
            end = sentence_end(text)
            if end is not None:
                out.append(nodes.Text(text[:end]))
                return out
            out.append(nodes.Text(text))
        else:
            out.append(child.deepcopy())
    return out


def title_nodes(title: nodes.title) -> list[nodes.Node]:
    """Copies of the title's inline nodes, without the leading "Pitfall:"."""
    out = [child.deepcopy() for child in title.children]
    if out and isinstance(out[0], nodes.Text):
        rest = TITLE.sub("", str(out[0]), count=1)
        if re.match(r"[a-z]+\b", rest):  # a plain word, not a name such as d2l
            rest = rest[:1].upper() + rest[1:]
        out[0] = nodes.Text(rest)
        if not rest:
            out.pop(0)
    return out


def fix_nodes(admonition: nodes.admonition) -> list[nodes.Node]:
    """Copies of the inline nodes of the admonition's "Fix:" paragraph, without the "Fix:" itself.

    The fix ends with its paragraph, or where an "Upstream report:" line glued to it begins.
    """
    for paragraph in admonition.findall(nodes.paragraph):
        if not (paragraph.children and isinstance(paragraph[0], nodes.Text)
                and str(paragraph[0]).lstrip().startswith(FIX)):
            continue
        out: list[nodes.Node] = []
        for index, child in enumerate(paragraph.children):
            if isinstance(child, nodes.Text):
                text = str(child)
                if index == 0:
                    text = text.lstrip()[len(FIX):].lstrip()
                if UPSTREAM in text:
                    text = text[: text.index(UPSTREAM)].rstrip()
                    if text:
                        out.append(nodes.Text(text))
                    break
                if text:
                    out.append(nodes.Text(text))
            else:
                out.append(child.deepcopy())
        if out and isinstance(out[-1], nodes.Text):  # the line break before a glued Upstream report line
            out[-1] = nodes.Text(str(out[-1]).rstrip())
        return out
    return []


def upstream_reference(admonition: nodes.admonition) -> nodes.reference | None:
    """The link of the admonition's "Upstream report:" paragraph, if it has one."""
    for paragraph in admonition.findall(nodes.paragraph):
        seen = False  # the line may also end a paragraph of prose (no blank line before it)
        for child in paragraph.children:
            if isinstance(child, nodes.Text) and UPSTREAM in str(child):
                seen = True
            elif seen and isinstance(child, nodes.reference) and child.get("refuri"):
                return child.deepcopy()
    return None


def collect(app, doctree) -> None:
    """doctree-read: record every Pitfall admonition of the document, giving each an anchor."""
    env = app.env
    if not hasattr(env, "pitfalls"):
        env.pitfalls = []
    docname = env.docname
    for index, admonition in enumerate(n for n in doctree.findall(nodes.admonition) if is_pitfall(n)):
        if not admonition["ids"]:
            anchor = base = nodes.make_id("pitfall-" + TITLE.sub("", admonition[0].astext()))[:60].rstrip("-")
            suffix = 2
            while anchor in doctree.ids:
                anchor, suffix = f"{base}-{suffix}", suffix + 1
            admonition["ids"].append(anchor)
            doctree.ids[anchor] = admonition
        section = next((a for a in _ancestors(admonition) if isinstance(a, nodes.section)), None)
        body = next((p for p in admonition.children[1:] if isinstance(p, nodes.paragraph)), None)
        env.pitfalls.append({
            "docname": docname,
            "index": index,
            "anchor": admonition["ids"][0],
            "title": title_nodes(admonition[0]),
            "symptom": first_sentence(body) if body is not None else [],
            "fix": fix_nodes(admonition),
            "section_anchor": section["ids"][0] if section is not None and section["ids"] else "",
            "section_title": section[0].astext() if section is not None else "",
            "upstream": upstream_reference(admonition),
        })


def _ancestors(node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


def purge(app, env, docname) -> None:
    env.pitfalls = [p for p in getattr(env, "pitfalls", []) if p["docname"] != docname]
    env.pitfall_list_docs = getattr(env, "pitfall_list_docs", set()) - {docname}


def merge(app, env, docnames, other) -> None:
    env.pitfalls = getattr(env, "pitfalls", []) + [p for p in getattr(other, "pitfalls", [])
                                                    if p["docname"] in docnames]
    env.pitfall_list_docs = getattr(env, "pitfall_list_docs", set()) | getattr(other, "pitfall_list_docs", set())


def outdated(app, env, added, changed, removed) -> list[str]:
    """env-get-outdated: the list pages are rebuilt whenever any document changed."""
    if added or changed or removed:
        return sorted(getattr(env, "pitfall_list_docs", set()) - set(added) - set(changed))
    return []


def declare_math(app, env) -> list[str]:
    """env-updated: a list page shows the pitfalls' math, so the page must load MathJax like a chapter.

    Sphinx decides which pages load MathJax from the math each page held when it was read; the list is
    filled in later, so its page is marked here.
    """
    has_math = any(isinstance(node, (nodes.math, nodes.math_block)) or any(node.findall(nodes.math))
                   for p in getattr(env, "pitfalls", []) for node in [*p["title"], *p["symptom"], *p["fix"]]
                   if isinstance(node, nodes.Element))
    if has_math:
        for docname in getattr(env, "pitfall_list_docs", set()):
            env.get_domain("math").data["has_equations"][docname] = True
    return []


class FillPitfallLists(SphinxPostTransform):
    """Replace each pitfall_list node by the collected pitfalls (before references are resolved)."""

    default_priority = 5  # ReferencesResolver (10) then resolves any cross-reference copied in

    def run(self, **kwargs) -> None:
        lists = list(self.document.findall(pitfall_list))
        if not lists:
            return
        env, builder, here = self.env, self.app.builder, self.env.docname
        pitfalls = sorted(getattr(env, "pitfalls", []), key=lambda p: (p["docname"], p["index"]))
        for placeholder in lists:
            content: list[nodes.Node] = []
            for docname in sorted({p["docname"] for p in pitfalls}):
                uri = builder.get_relative_uri(here, docname)
                chapter = env.titles[docname].astext() if docname in env.titles else docname
                number = env.toc_secnumbers.get(docname, {}).get("")
                if number:  # the chapter's number, as the numbered table of contents shows it
                    chapter = ".".join(map(str, number)) + ". " + chapter
                heading = nodes.rubric("", "", nodes.reference("", chapter, internal=True, refuri=uri))
                items = nodes.bullet_list(classes=["pitfall-list"])
                for p in (p for p in pitfalls if p["docname"] == docname):
                    items += self.item(p, uri)
                content += [heading, items]
            if not pitfalls:
                content.append(nodes.paragraph("", "No chapter has a Pitfall yet."))
            for node in content:
                for xref in node.findall(addnodes.pending_xref):
                    xref["refdoc"] = here  # a copied cross-reference is resolved from this page
            placeholder.replace_self(content)

    @staticmethod
    def item(p: dict, uri: str) -> nodes.list_item:
        title = nodes.strong("", "", *[n.deepcopy() for n in p["title"]])
        line = nodes.paragraph("", "", nodes.reference("", "", title, internal=True, refuri=f"{uri}#{p['anchor']}"))
        if p["symptom"]:
            line += nodes.Text(" — ")
            line += [n.deepcopy() for n in p["symptom"]]
        item = nodes.list_item("", line, classes=["pitfall"])
        if p["fix"]:
            fix = nodes.paragraph("", "", classes=["pitfall-fix"])
            fix += nodes.strong("", "Fix: ")
            fix += [n.deepcopy() for n in p["fix"]]
            item += fix
        where = nodes.paragraph("", "In ", classes=["pitfall-where"])
        target = f"{uri}#{p['section_anchor']}" if p["section_anchor"] else uri
        where += nodes.reference("", p["section_title"] or "the chapter", internal=True, refuri=target)
        where += nodes.Text(".")
        if p["upstream"] is not None:
            where += nodes.Text(" Upstream report: ")
            where += p["upstream"].deepcopy()
            where += nodes.Text(".")
        item += where
        return item


def setup(app):
    app.add_node(pitfall_list)
    app.add_directive("pitfall-list", PitfallListDirective)
    app.add_post_transform(FillPitfallLists)
    app.connect("doctree-read", collect)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-get-outdated", outdated)
    app.connect("env-updated", declare_math)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 4}

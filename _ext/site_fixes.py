"""Sphinx extension with two small fixes to the theme's pages, so the browser console stays clean.

1. With Jupyter Book 1.0.4, sphinx-thebe and sphinx-togglebutton register their inline scripts twice,
   so every page declares `const THEBE_JS_URL` twice and the browser reports a SyntaxError. We keep the
   first of identical script entries.
2. sphinx-book-theme leaves the colour mode empty, and pydata-sphinx-theme then logs "Got invalid theme
   mode" as a console error. We default it to "auto" (follow the reader's system setting) through the
   HTML context, leaving the theme options Jupyter Book generates untouched.
"""

from __future__ import annotations


def _key(script) -> tuple:
    """What makes two script entries the same: the file name (None and "" alike) and the attributes."""
    attributes = getattr(script, "attributes", {}) or {}
    return getattr(script, "filename", script) or "", tuple(sorted((k, str(v)) for k, v in attributes.items()))


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep only the first of identical script entries in the page context."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def default_colour_mode(app, config) -> None:
    """Give the theme a valid default colour mode unless one is configured."""
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")  # read by pydata-sphinx-theme's layout.html
    config.html_context = context


def setup(app):
    app.connect("config-inited", default_colour_mode)
    app.connect("html-page-context", dedupe_scripts, priority=100)  # before any handler returns a template
    return {"parallel_read_safe": True, "parallel_write_safe": True}


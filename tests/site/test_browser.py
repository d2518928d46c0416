r"""The built site in a real browser (Debian's Chromium driven by Playwright), with no network.

Run by `make test-site`, which installs Chromium and builds the site first. The browser may reach the local
server only: every other request is aborted (and recorded as an error), and Chromium resolves no other host
name, so a page that needs a CDN fails here as it would for a reader offline. Every HTML page of the site is
opened (genindex.html and the index.html redirect included); each page is visited once and what the
browser saw is kept, so the per-page tests and the counting tests below read the same visit.

On every page: no console error, no failed or external request; math is typeset by the MathJax the site
serves itself (no raw `\(`, `\[` or `$$` left in the visible text); no visible machinery (an nbval marker,
a `utils.glue(` call, the bootstrap cell); exercise solutions hidden until their toggle is clicked; no glued
number in bold; no table wider than its column (one that would need horizontal scrolling, or is clipped),
no code or output block that scrolls sideways (also at 960, 1200 and 1440 px), and no image shown below 0.6
of its natural width, with the folded boxes closed and again with them all opened. A screenshot of chapter 3
is saved to _build/artifacts/ for people to look at.

On each lesson page (chapters 1-7), read at 1280x900 with the folded boxes closed, as a first reading meets
it, by the rules of tools/reading.py (which measures the same from the stored notebook): the shown prose
outside deep dives has at most 2,500 words and at most 2 intervals; the deep dives the notebook marks are on
the page, after the core sections; the Summary has at most 8 items, none repeated, no interval, and a link
to the Pitfalls cheat sheet; headings carry no number of their own (the numbered table of contents adds
it). The measures are written to _build/artifacts/reading.json, beside tools.reading's for each chapter.

What the tests expect is derived from the book's own configuration, parsed with yaml: the pages and the
notebooks from _toc.yml, the Colab link from `repository` and `launch_buttons` in _config.yml.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from tools import reading
from tools.bootstrap import cell_source
from tools.notebooks import ROOT

SITE = ROOT / "_build" / "html"
ARTIFACTS = ROOT / "_build" / "artifacts"
CHROMIUM = os.environ.get("BOOK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
VIEWPORT = {"width": 1280, "height": 900}  # a laptop screen, as the reader review read the book
# No network for the browser: any host name other than the local server's resolves to nothing.
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                "--disable-background-networking", "--disable-component-update",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost"]

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))

# Every HTML page of the site; nothing is skipped. index.html only redirects to the root page, so its
# checks run on the page it lands on (and the test asserts that it does land there).
PAGES = sorted(p.relative_to(SITE).as_posix() for p in SITE.glob("**/*.html")
               if "_static" not in p.parts and "_sources" not in p.parts)
GENERATED = {"genindex.html", "search.html", "index.html"}  # pages Sphinx writes without a source file


def toc_documents(toc: dict) -> list[str]:
    """The document names of _toc.yml (root first), without extensions, in order."""
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key))

    walk([{k: v for k, v in toc.items() if k != "root"}])
    return [re.sub(r"\.(ipynb|md)$", "", name) for name in names]


DOCUMENTS = toc_documents(TOC)
NOTEBOOKS = [doc for doc in DOCUMENTS if (ROOT / f"{doc}.ipynb").is_file()]
ROOT_PAGE = f"{TOC['root']}.html"


def expected_colab_link(doc: str, config: dict = CONFIG) -> str:
    """The Colab link Jupyter Book should write for notebook `doc`, from _config.yml alone.

    A missing `branch` or `path_to_book` takes Jupyter Book 1.x's defaults ("master", "": the book is
    the repository root), as the build does.
    """
    repository = config["repository"]
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", repository["url"])
    assert match, f"repository.url {repository['url']!r} is not a GitHub repository (Colab opens GitHub)"
    owner, repo = match.groups()
    branch = repository.get("branch") or "master"
    book = (repository.get("path_to_book") or "").strip("/")
    path = f"{book}/{doc}.ipynb" if book else f"{doc}.ipynb"
    colab = (config.get("launch_buttons") or {}).get("colab_url", "").rstrip("/")
    assert colab, "_config.yml sets no launch_buttons.colab_url"
    return f"{colab}/github/{owner}/{repo}/blob/{branch}/{path}"


def stored_png_outputs(doc: str) -> int:
    """How many PNG outputs the stored notebook `doc` holds."""
    nb = json.loads((ROOT / f"{doc}.ipynb").read_text(encoding="utf-8"))
    return sum("image/png" in output.get("data", {})
               for cell in nb["cells"] if cell["cell_type"] == "code" for output in cell.get("outputs", []))


class _ImgCounter(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.count = 0

    def handle_starttag(self, tag, attrs):
        self.count += tag == "img"


def img_tags_in_file(name: str) -> int:
    counter = _ImgCounter()
    counter.feed((SITE / name).read_text(encoding="utf-8"))
    return counter.count


# Each <img> after forcing lazy images to load and waiting for each to decode (or fail), at most 15 s.
IMAGES_JS = """async () => {
  const imgs = Array.from(document.images);
  imgs.forEach(i => { i.loading = "eager"; });
  const settle = i => Promise.race([i.decode().catch(() => null), new Promise(r => setTimeout(r, 15000))]);
  await Promise.all(imgs.map(settle));
  return imgs.map(i => ({src: i.currentSrc || i.src, width: i.naturalWidth, height: i.naturalHeight}));
}"""


# Waits for MathJax (when the page loads it) to finish typesetting; then counts the math elements Sphinx
# wrote and those MathJax rendered. Without MathJax (its file missing, or fetched from a blocked CDN) the
# raw TeX stays in the text.
MATH_JS = """async () => {
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) { await mj.startup.promise; }
  const maths = Array.from(document.querySelectorAll("span.math, div.math"));
  return {mathjax: !!(mj && mj.startup), total: maths.length,
          rendered: maths.filter(m => m.querySelector("mjx-container")).length};
}"""

# The visible prose: text the reader sees, outside code, outputs and rendered math.
PROSE_JS = """() => {
  const skip = "pre, code, mjx-container, script, style, textarea, kbd, samp";
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest(skip)) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    out.push(walker.currentNode.nodeValue);
  }
  return out.join(" ");
}"""

# Each exercise solution: whether any of its content (everything below its title) is visible.
SOLUTIONS_JS = """() => Array.from(document.querySelectorAll("div.solution")).map(s => ({
  id: s.id,
  visible: Array.from(s.querySelectorAll(":scope > .admonition-title ~ *, :scope > section > *")).some(
    e => e.checkVisibility({opacityProperty: true, visibilityProperty: true}) && e.getBoundingClientRect().height > 0),
}))"""

# What a first reading meets, by tools/reading.py's rules: the prose of the article with code cells and their
# outputs, code blocks, folded boxes (dropdown admonitions, solutions, <details>) and deep-dive sections
# (an h2 section holding an admonition titled "Deep dive") left out. A glued value and a formula count as
# one word: they come back as the GLUED and MATH placeholders that tools.reading.count_words counts so;
# `marked` also replaces inline code (CODE), for the interval search. Also returned: the h2 sections in
# order (deep or not), the Summary's items and links, and every glued value set in bold.
READING_JS = """() => {
  const article = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
  const FOLDED = ".dropdown, details, .toggle-hidden";
  const SKIP = ".cell, pre, script, style, .headerlink, .section-number, .caption-number, .toggle-button, .tb-icon";
  const visible = e => e.checkVisibility({opacityProperty: true, visibilityProperty: true});
  const bare = e => { const c = e.cloneNode(true);
    c.querySelectorAll(".section-number, .headerlink").forEach(x => x.remove()); return c.textContent.trim(); };
  const sections = Array.from(article.querySelectorAll("section")).filter(s => s.querySelector(":scope > h2"));
  const isDeep = s => Array.from(s.querySelectorAll(".admonition > .admonition-title"))
    .some(t => /^\\s*Deep dive\\b/i.test(t.textContent));
  const deep = sections.filter(isDeep);
  const words = [], marked = [], seen = new Set();
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || el.closest(SKIP) || el.closest(FOLDED) || deep.some(s => s.contains(el))) continue;
    const unit = el.closest("mjx-container, .math, .pasted-text");
    if (unit) {
      const outer = unit.closest(".pasted-text") || unit.closest(".math") || unit;
      if (seen.has(outer)) continue;
      seen.add(outer);
      if (!visible(outer)) continue;
      const token = outer.matches(".pasted-text") ? " GLUED " : " MATH ";
      words.push(token); marked.push(token);
      continue;
    }
    if (!visible(el)) continue;
    words.push(node.nodeValue);
    marked.push(el.closest("code") ? " CODE " : node.nodeValue);
  }
  const summary = sections.find(s => /^Summary$/i.test(bare(s.querySelector(":scope > h2"))));
  const items = summary ? Array.from(summary.querySelectorAll(":scope > ul > li, :scope > ol > li")) : [];
  return {
    words: words.join(""), marked: marked.join(""),
    sections: sections.map(s => ({heading: bare(s.querySelector(":scope > h2")), deep: isDeep(s)})),
    headings: Array.from(article.querySelectorAll("h1, h2")).map(bare),
    summary: summary ? {items: items.map(li => li.innerText.trim()),
                        links: Array.from(summary.querySelectorAll("a[href]")).map(a => a.getAttribute("href"))}
                     : null,
    bold_glue: Array.from(article.querySelectorAll(".pasted-text"))
      .filter(g => parseInt(getComputedStyle(g).fontWeight, 10) >= 600).map(g => g.textContent.trim()),
  };
}"""

# Tables wider than the column they stand in (the nearest box that clips or scrolls them, else the article),
# images drawn below 0.6 of their natural width, and code or output blocks that need horizontal scrolling.
# `opened` first opens every folded box.
LAYOUT_JS = """async (opened) => {
  const article = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
  if (opened) {
    document.querySelectorAll("details").forEach(d => { d.open = true; });
    document.querySelectorAll(".toggle-hidden").forEach(e => e.classList.remove("toggle-hidden"));
    await new Promise(r => setTimeout(r, 300));
  }
  const visible = e => e.getClientRects().length > 0 && e.checkVisibility({visibilityProperty: true});
  const box = article.getBoundingClientRect();
  const tables = [];
  for (const t of article.querySelectorAll("table")) {
    if (!visible(t)) continue;
    let column = t.parentElement;
    while (column && column !== article && !/(auto|scroll|hidden|clip)/.test(getComputedStyle(column).overflowX)) {
      column = column.parentElement;
    }
    const r = t.getBoundingClientRect();
    const room = column && column !== article ? Math.min(column.getBoundingClientRect().right, box.right) : box.right;
    const over = Math.round(r.right - room);
    if (over > 1) {
      const head = Array.from(t.querySelectorAll("th")).map(h => h.textContent.trim()).join(" | ").slice(0, 80);
      tables.push({width: Math.round(r.width), over, head});
    }
  }
  const images = [];
  for (const i of article.querySelectorAll("img")) {
    if (!visible(i) || !i.naturalWidth) continue;
    const shown = i.getBoundingClientRect().width;
    if (shown < 0.6 * i.naturalWidth) {
      images.push({src: (i.currentSrc || i.src).split("/").pop().slice(0, 40), natural: i.naturalWidth,
                   shown: Math.round(shown), ratio: Math.round(100 * shown / i.naturalWidth) / 100});
    }
  }
  const code = [];
  for (const pre of article.querySelectorAll("pre")) {
    if (!visible(pre) || pre.scrollWidth <= pre.clientWidth + 1) continue;
    const lines = pre.innerText.split("\\n");
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), "");
    code.push({over: pre.scrollWidth - pre.clientWidth, chars: longest.length, line: longest.slice(0, 80)});
  }
  return {tables, images, code};
}"""

RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\$\\[A-Za-z]+")
# What must never be visible: nbval markers, glue calls, and the bootstrap cell (any of its longer lines).
MACHINERY = ("NBVAL", "utils.glue(")
BOOTSTRAP_LINES = [line.strip() for line in cell_source().splitlines() if len(line.strip()) >= 40]


@dataclass
class Visit:
    name: str
    final_url: str = ""
    errors: list = field(default_factory=list)
    title: str = ""
    heading: str = ""
    own_images: list = field(default_factory=list)  # {src, width, height} of the site's own and data: images
    external_images: list = field(default_factory=list)  # images from other hosts
    colab_links: list = field(default_factory=list)
    math: dict = field(default_factory=dict)  # {mathjax, total, rendered}
    raw_tex: list = field(default_factory=list)  # raw TeX delimiters left in the visible prose, with context
    machinery: list = field(default_factory=list)  # MACHINERY strings in the visible text
    solutions: list = field(default_factory=list)  # {id, visible} per exercise solution, as loaded
    reading: dict = field(default_factory=dict)  # READING_JS's measures, folded boxes closed
    layout: dict = field(default_factory=dict)  # {"closed": LAYOUT_JS, "opened": LAYOUT_JS} (folded boxes)


@pytest.fixture(scope="module")
def base_url():
    assert (SITE / "index.html").is_file(), "no built site: run `make site` first"
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output readable
        pass


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).is_file(), "Chromium is missing: `make test-site` installs Debian's chromium"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


def is_local(url: str) -> bool:
    return url.startswith(("data:", "blob:", "about:")) or urlparse(url).hostname in LOCAL_HOSTS


def open_page(browser, url):
    """Open `url` with the network blocked; return (page, errors seen while loading, math counts).

    Errors: every console error, uncaught exception, failed request, HTTP error, and every request to
    another host (aborted). MathJax has finished typesetting when this returns.
    """
    page = browser.new_page(viewport=VIEWPORT)
    errors = []

    def route(r):
        if is_local(r.request.url):
            r.continue_()
        else:
            errors.append(f"external request blocked: {r.request.url}")
            r.abort("internetdisconnected")

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(f"console: {m.text} @ {m.location.get('url')}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}") if is_local(r.url) else None)
    page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(url, wait_until="load")
    try:
        math = page.evaluate(MATH_JS)
    except Exception:  # noqa: BLE001 - the page navigated on (index.html's redirect): the caller re-reads it
        math = {}
    return page, errors, math


@pytest.fixture(scope="module")
def visit(browser, base_url):
    """A function: page name -> Visit, each page opened once per test module."""
    seen: dict[str, Visit] = {}

    def get(name: str) -> Visit:
        if name in seen:
            return seen[name]
        page, errors, math = open_page(browser, base_url + name)
        try:
            if name == "index.html":  # a meta refresh: follow it, then check the page it lands on
                page.wait_for_url(base_url + ROOT_PAGE, timeout=15000)
                page.wait_for_load_state("load")
                math = page.evaluate(MATH_JS)
            result = Visit(name, final_url=page.url, errors=errors, title=page.title().strip(), math=math)
            # The chapter heading: the article's first h1 (the search page has no article: its main h1).
            heading = page.locator("article h1")
            if not heading.count():
                heading = page.locator("main h1:visible")
            if heading.count():
                result.heading = heading.first.inner_text().strip().rstrip("#").strip()
            origin = page.evaluate("location.origin")
            for image in page.evaluate(IMAGES_JS):
                own = image["src"].startswith((origin + "/", "data:"))
                (result.own_images if own else result.external_images).append(image)
            result.colab_links = page.eval_on_selector_all(
                "a[href*='colab.research.google.com']", "els => els.map(e => e.href)")
            prose = page.evaluate(PROSE_JS)
            result.raw_tex = [prose[max(0, m.start() - 40):m.end() + 40] for m in RAW_TEX.finditer(prose)]
            text = page.evaluate("document.body.innerText")
            result.machinery = [m for m in MACHINERY if m in text]
            result.machinery += [f"bootstrap cell: {line}" for line in BOOTSTRAP_LINES if line in text][:1]
            result.solutions = page.evaluate(SOLUTIONS_JS)
            result.reading = page.evaluate(READING_JS)
            result.layout = {"closed": page.evaluate(LAYOUT_JS, False)}
            result.layout["opened"] = page.evaluate(LAYOUT_JS, True)  # last: it opens every folded box
        finally:
            page.close()
        seen[name] = result
        return result

    return get


def test_the_site_has_every_page():
    """Guards against a vacuous run: the pages the tests open are those _toc.yml and Sphinx make."""
    expected = {f"{doc}.html" for doc in DOCUMENTS} | GENERATED
    assert expected <= set(PAGES), f"pages missing from {SITE}: {sorted(expected - set(PAGES))}"
    assert NOTEBOOKS, "_toc.yml lists no notebook"


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_cleanly(visit, base_url, name):
    v = visit(name)
    if name == "index.html":
        assert v.final_url == base_url + ROOT_PAGE, f"index.html landed on {v.final_url}"
    assert v.errors == [], f"{name}: {v.errors}"
    assert v.title, f"{name}: no page title"
    assert v.heading, f"{name}: no chapter heading"
    assert v.heading.split()[0] in v.title, f"{name}: title {v.title!r} vs heading {v.heading!r}"


@pytest.mark.parametrize("name", PAGES)
def test_every_image_has_a_natural_size(visit, name):
    v = visit(name)
    # The browser sees at least every <img> the HTML file holds (the theme may add more with scripts).
    assert len(v.own_images) + len(v.external_images) >= img_tags_in_file(name), f"{name}: images missed"
    broken = [i["src"][:120] for i in v.own_images if not (i["width"] > 0 and i["height"] > 0)]
    assert broken == [], f"{name}: images with no natural size: {broken}"
    external = [i["src"] for i in v.external_images]
    assert external == [], f"{name}: images from other hosts do not show offline: {external}"


def test_images_were_found(visit):
    """Guards against a vacuous image check: figures of the stored notebooks are on their pages."""
    with_figures = {doc: stored_png_outputs(doc) for doc in NOTEBOOKS if stored_png_outputs(doc)}
    assert with_figures, "no stored notebook has a PNG output: the image check would test only logos"
    for doc, figures in with_figures.items():
        shown = [i for i in visit(f"{doc}.html").own_images if "/_images/" in i["src"]]
        assert len(shown) >= figures, f"{doc}.html shows {len(shown)} figures, the notebook stores {figures}"


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_colab_link_points_at_the_repository(visit, doc):
    expected = expected_colab_link(doc)
    links = visit(f"{doc}.html").colab_links
    assert expected in links, f"{doc}.html: Colab links {links}, expected {expected}"


def test_every_notebook_page_and_only_those_has_a_colab_link(visit):
    """Guards against a vacuous Colab check: one page per _toc.yml notebook, no other page, has a link."""
    with_links = sorted(name[:-5] for name in PAGES if name != "index.html" and visit(name).colab_links)
    assert len(with_links) == len(NOTEBOOKS) > 0
    assert with_links == sorted(NOTEBOOKS)


def test_expected_colab_link_follows_the_config():
    """The expected link moves with repository.url, branch and path_to_book (and their defaults)."""
    config = {"repository": {"url": "https://github.com/o/r.git", "branch": "dev", "path_to_book": "/book/"},
              "launch_buttons": {"colab_url": "https://colab.example/"}}
    assert expected_colab_link("ch/x", config) == "https://colab.example/github/o/r/blob/dev/book/ch/x.ipynb"
    config["repository"] = {"url": "https://github.com/o/r"}
    assert expected_colab_link("x", config) == "https://colab.example/github/o/r/blob/master/x.ipynb"


def test_search_finds_dropout(browser, base_url):
    page, errors, _ = open_page(browser, base_url + "search.html?q=dropout")
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=15000)
        assert page.locator("#search-results ul.search li").count() > 0
        assert errors == []
    finally:
        page.close()


@pytest.mark.parametrize("name", PAGES)
def test_math_is_rendered_offline(visit, name):
    v = visit(name)
    assert v.raw_tex == [], f"{name}: raw TeX in the visible text: {v.raw_tex[:5]}"
    if v.math.get("total"):
        assert v.math["mathjax"], f"{name}: has math but MathJax did not start"
        assert v.math["rendered"] == v.math["total"], f"{name}: math rendered {v.math}"


def test_math_check_is_not_vacuous(visit):
    """Guards against a vacuous math check: the chapters' math is found and typeset."""
    rendered = {doc: visit(f"{doc}.html").math.get("rendered", 0) for doc in NOTEBOOKS}
    assert sum(rendered.values()) >= 20, rendered
    assert (SITE / "_static" / "mathjax" / "tex-chtml.js").is_file(), "MathJax is not served by the site"


@pytest.mark.parametrize("name", PAGES)
def test_no_machinery_is_visible(visit, name):
    assert visit(name).machinery == [], f"{name}: visible {visit(name).machinery}"


@pytest.mark.parametrize("name", PAGES)
def test_solutions_are_hidden_when_the_page_loads(visit, name):
    shown = [s["id"] for s in visit(name).solutions if s["visible"]]
    assert shown == [], f"{name}: solutions visible before their toggle is clicked: {shown}"


LESSONS = [doc for doc in NOTEBOOKS if not Path(doc).name.startswith("9")]


@pytest.mark.parametrize("doc", LESSONS)
def test_every_chapter_has_solutions(visit, doc):
    assert visit(f"{doc}.html").solutions, f"{doc}.html has no exercise solution"


def test_a_solution_shows_when_its_toggle_is_clicked(browser, base_url, visit):
    """On the first chapter with a solution: hidden, its title clicked, then visible."""
    doc = next((d for d in NOTEBOOKS if visit(f"{d}.html").solutions), None)
    assert doc, "no page has an exercise solution"
    page, errors, _ = open_page(browser, base_url + f"{doc}.html")
    try:
        solution = page.locator("div.solution").first
        body = solution.locator(":scope > .admonition-title ~ *, :scope > section > *").first
        solution.scroll_into_view_if_needed()
        assert not body.is_visible(), f"{doc}.html: the first solution is visible before the click"
        solution.locator(".admonition-title").first.click()
        body.wait_for(state="visible", timeout=5000)
        page.wait_for_timeout(500)  # the toggle fades the content in
        visible = page.evaluate(SOLUTIONS_JS)[0]["visible"]
        assert visible, f"{doc}.html: the first solution is still hidden after its toggle was clicked"
        assert errors == []
    finally:
        page.close()


def test_the_browser_has_no_network(browser, base_url):
    """Guards against a vacuous offline run: a request to another host is aborted and reported."""
    page, errors, _ = open_page(browser, base_url + ROOT_PAGE)
    try:
        outcome = page.evaluate("fetch('https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js')"
                                ".then(() => 'loaded', () => 'blocked')")
    finally:
        page.close()
    assert outcome == "blocked"
    assert any(e.startswith("external request blocked: https://cdn.jsdelivr.net/") for e in errors), errors


def test_bootstrap_lines_are_distinctive():
    """Guards against a vacuous bootstrap check: several of its lines are looked for, and they name it."""
    assert len(BOOTSTRAP_LINES) >= 3
    assert any("BOOK_REPO" in line for line in BOOTSTRAP_LINES)


def test_screenshot_of_chapter_3(browser, base_url):
    doc = next(d for d in NOTEBOOKS if Path(d).name.startswith("03_"))
    page, _, _ = open_page(browser, base_url + f"{doc}.html")
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "chapter-03.png"
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(shot), full_page=True)
    finally:
        page.close()
    assert shot.stat().st_size > 10_000


# --- A first reading (issue: the lesson first, the evidence one click away) --------------------------------

def shown_words(v: Visit) -> int:
    """Words of the shown prose outside deep dives, counted as tools/reading.py counts a notebook's."""
    return reading.count_words(v.reading["words"])


def shown_intervals(v: Visit) -> list[str]:
    return reading.INTERVAL.findall(v.reading["marked"])


@pytest.mark.parametrize("name", PAGES)
def test_no_glued_number_is_bold(visit, name):
    bold = visit(name).reading.get("bold_glue", [])
    assert bold == [], f"{name}: {len(bold)} glued values in bold, e.g. {bold[:5]}"


def assert_layout_clean(v: Visit, kind: str, what: str) -> None:
    """No element of LAYOUT_JS's `kind` found on the page, with the folded boxes closed and opened."""
    for state in ("closed", "opened"):
        found = v.layout[state][kind]
        assert found == [], f"{v.name}: {what} (folded boxes {state}): {found}"


@pytest.mark.parametrize("name", PAGES)
def test_no_table_is_wider_than_its_column(visit, name):
    assert_layout_clean(visit(name), "tables", "tables wider than the column")


@pytest.mark.parametrize("name", PAGES)
def test_no_code_needs_horizontal_scrolling(visit, name):
    """Code lines of up to 88 characters fit the column (_static/book.css); printed lines wrap."""
    assert_layout_clean(visit(name), "code", "code blocks that scroll sideways")


@pytest.mark.parametrize("width", [960, 1200, 1440])
def test_code_fits_at_other_laptop_widths(browser, base_url, width):
    """The narrow ranges of _static/book.css (960-1099 px, 1200-1279 px) and a wide screen, boxes opened."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        wide = {}
        for name in [f"{doc}.html" for doc in NOTEBOOKS]:
            page.goto(base_url + name, wait_until="load")
            code = page.evaluate(LAYOUT_JS, True)["code"]
            if code:
                wide[name] = code
    finally:
        page.close()
    assert wide == {}, f"code blocks that scroll sideways at {width} px: {wide}"


@pytest.mark.parametrize("name", PAGES)
def test_no_image_is_shrunk_below_six_tenths(visit, name):
    assert_layout_clean(visit(name), "images", "images shown below 0.6 of their width")


@pytest.mark.parametrize("doc", LESSONS)
def test_the_core_reading_is_at_most_2500_words(visit, doc):
    words = shown_words(visit(f"{doc}.html"))
    assert words <= reading.CORE_WORDS, f"{doc}.html: {words} words of shown prose outside deep dives"


@pytest.mark.parametrize("doc", LESSONS)
def test_shown_prose_holds_at_most_two_intervals(visit, doc):
    found = shown_intervals(visit(f"{doc}.html"))
    assert len(found) <= reading.SHOWN_INTERVALS, f"{doc}.html: {len(found)} intervals in shown prose: {found}"


@pytest.mark.parametrize("doc", LESSONS)
def test_deep_dives_are_on_the_page_and_come_last(visit, doc):
    sections = visit(f"{doc}.html").reading["sections"]
    marked = reading.read_chapter(ROOT / f"{doc}.ipynb").deep_dives
    deep = [s["heading"] for s in sections if s["deep"]]
    assert len(deep) == len(marked), f"{doc}.html: deep dives on the page {deep}, in the notebook {marked}"
    if deep:
        first = next(i for i, s in enumerate(sections) if s["deep"])
        late = [s["heading"] for s in sections[first:] if not s["deep"]
                and not s["heading"].lower().startswith(("summary", "exercises"))]
        assert late == [], f"{doc}.html: core sections after a deep dive: {late}"


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def repeated_items(items: list[str], overlap: float = 0.7) -> list[tuple[str, str]]:
    """Pairs of list items that say the same thing: equal, or sharing most of their words (Jaccard)."""
    pairs = []
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            wa, wb = _words(a), _words(b)
            if a.strip().lower() == b.strip().lower() or (wa and wb and len(wa & wb) / len(wa | wb) >= overlap):
                pairs.append((a[:60], b[:60]))
    return pairs


def test_repeated_items_are_found():
    """Guards the Summary check: a reworded repeat is caught, different bullets are not."""
    items = ["Weight decay is a Gaussian prior on the weights, with λ the ratio of the variances.",
             "Weight decay is a Gaussian prior on the weights; λ is the ratio of the variances.",
             "Choose λ on validation data."]
    assert repeated_items(items) == [(items[0][:60], items[1][:60])]
    assert repeated_items(items[1:]) == []


@pytest.mark.parametrize("doc", LESSONS)
def test_the_summary_is_short_and_says_each_thing_once(visit, doc):
    summary = visit(f"{doc}.html").reading["summary"]
    assert summary, f"{doc}.html: no Summary section"
    items = summary["items"]
    assert 0 < len(items) <= 8, f"{doc}.html: the Summary has {len(items)} items (at most 8)"
    assert repeated_items(items) == [], f"{doc}.html: the Summary repeats itself: {repeated_items(items)}"
    intervals = [m for item in items for m in reading.INTERVAL.findall(item)]
    assert intervals == [], f"{doc}.html: intervals in the Summary: {intervals}"
    assert any("92_pitfalls" in link for link in summary["links"]), f"{doc}.html: the Summary does not link Appendix C"


MANUAL_NUMBER = re.compile(r"^\d+(?:\.\d+)*\.?\s")


@pytest.mark.parametrize("doc", LESSONS)
def test_headings_carry_no_number_of_their_own(visit, doc):
    """The numbered table of contents numbers chapters and sections (Fig. 4.3, Exercise 4.2): none by hand."""
    manual = [h for h in visit(f"{doc}.html").reading["headings"] if MANUAL_NUMBER.match(h)]
    assert manual == [], f"{doc}.html: headings numbered by hand (the build numbers them too): {manual}"


def test_reading_measures_are_recorded(visit):
    """Writes each lesson's measures, the page's beside the notebook's (tools.reading), for people to compare."""
    table = {}
    for doc in LESSONS:
        v = visit(f"{doc}.html")
        static = reading.read_chapter(ROOT / f"{doc}.ipynb")
        table[doc] = {
            "page": {"words": shown_words(v), "intervals": len(shown_intervals(v)),
                     "deep_dives": [s["heading"] for s in v.reading["sections"] if s["deep"]],
                     "wide_tables": len(v.layout["closed"]["tables"]),
                     "wide_tables_opened": len(v.layout["opened"]["tables"]),
                     "shrunk_images": len(v.layout["closed"]["images"]),
                     "shrunk_images_opened": len(v.layout["opened"]["images"]),
                     "bold_glue": len(v.reading["bold_glue"]),
                     "summary_items": len((v.reading["summary"] or {}).get("items", []))},
            "notebook": {"words": static.core_words, "intervals": len(static.intervals),
                         "deep_dives": static.deep_dives},
        }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "reading.json").write_text(json.dumps(table, indent=1, ensure_ascii=False), encoding="utf-8")
    assert all(t["page"]["words"] > 200 for t in table.values()), "prose not found: has the page layout changed?"

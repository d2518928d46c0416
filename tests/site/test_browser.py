"""The built site in a real browser (Debian's Chromium driven by Playwright): every page loads cleanly.

Run by `make test-site`, which installs Chromium and builds the site first. Every HTML page of the site is
opened (genindex.html and the index.html redirect included); each page is visited once and what the
browser saw is kept, so the per-page tests and the counting tests below read the same visit. A screenshot
of one chapter page is saved to _build/artifacts/ for people to look at.

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

import pytest
import yaml

from tools.notebooks import ROOT

SITE = ROOT / "_build" / "html"
ARTIFACTS = ROOT / "_build" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OFFLINE = os.environ.get("BOOK_OFFLINE", "") not in ("", "0")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                "--disable-background-networking", "--disable-component-update"]

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


def open_page(browser, url):
    """Open `url`; return (page, own-asset errors seen while loading)."""
    page = browser.new_page()
    errors = []
    own = "/".join(url.split("/", 3)[:3])
    # Chromium asks every site for /favicon.ico on its own; the book references no favicon, so that probe's
    # 404 is not an error of the book's assets. It is the only URL ignored.
    probe = own + "/favicon.ico"
    page.on("console", lambda m: errors.append(f"console: {m.text} @ {m.location.get('url')}")
            if m.type == "error" and (m.location.get("url") or "").startswith(own)
            and m.location.get("url") != probe else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}") if r.url.startswith(own) else None)
    page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}")
            if r.url.startswith(own) and r.url != probe and r.status >= 400 else None)
    page.goto(url, wait_until="load")
    return page, errors


@pytest.fixture(scope="module")
def visit(browser, base_url):
    """A function: page name -> Visit, each page opened once per test module."""
    seen: dict[str, Visit] = {}

    def get(name: str) -> Visit:
        if name in seen:
            return seen[name]
        page, errors = open_page(browser, base_url + name)
        try:
            if name == "index.html":  # a meta refresh: follow it, then check the page it lands on
                page.wait_for_url(base_url + ROOT_PAGE, timeout=15000)
                page.wait_for_load_state("load")
            result = Visit(name, final_url=page.url, errors=errors, title=page.title().strip())
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
    if OFFLINE:
        # BOOK_OFFLINE=1: images from other hosts cannot load here, so they are skipped (none at present).
        return
    broken = [i["src"] for i in v.external_images if not (i["width"] > 0 and i["height"] > 0)]
    assert broken == [], f"{name}: external images with no natural size: {broken}"


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
    page, errors = open_page(browser, base_url + "search.html?q=dropout")
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=15000)
        assert page.locator("#search-results ul.search li").count() > 0
        assert errors == []
    finally:
        page.close()


def test_screenshot_of_a_chapter_page(browser, base_url):
    page, _ = open_page(browser, base_url + f"{NOTEBOOKS[0]}.html")
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "chapter-page.png"
        page.screenshot(path=str(shot), full_page=False)
    finally:
        page.close()
    assert shot.stat().st_size > 10_000

"""The built site in a real browser (Debian's Chromium driven by Playwright): every page loads cleanly.

Run by `make test-site`, which installs Chromium and builds the site first. A screenshot of one chapter
page is saved to _build/artifacts/ for people to look at.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path

import pytest

from tools.bootstrap import repository_url
from tools.notebooks import ROOT

SITE = ROOT / "_build" / "html"
ARTIFACTS = ROOT / "_build" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SKIP = ("genindex.html", "index.html")  # the generated index; index.html only redirects to intro.html
PAGES = sorted(p.relative_to(SITE).as_posix() for p in SITE.glob("**/*.html")
               if "_static" not in p.parts and "_sources" not in p.parts and p.name not in SKIP)
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                "--disable-background-networking", "--disable-component-update"]


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
    origin = url.split("/", 3)[:3]
    own = "/".join(origin)
    page.on("console", lambda m: errors.append(f"console: {m.text} @ {m.location.get('url')}")
            if m.type == "error" and (m.location.get("url") or "").startswith(own) else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}") if r.url.startswith(own) else None)
    page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}")
            if r.url.startswith(own) and r.status >= 400 else None)
    page.goto(url, wait_until="load")
    return page, errors


def test_there_are_pages():
    assert "intro.html" in PAGES and "search.html" in PAGES


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_cleanly(browser, base_url, name):
    page, errors = open_page(browser, base_url + name)
    try:
        assert errors == [], f"{name}: {errors}"
        broken = page.evaluate(
            "Array.from(document.images).filter(i => i.src.startsWith(location.origin))"
            ".filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
        assert broken == [], f"{name}: images with no size: {broken}"
        assert page.title().strip(), f"{name}: no page title"
        if name != "search.html":
            heading = page.locator("article h1").first.inner_text().strip().rstrip("#").strip()
            assert heading, f"{name}: no chapter heading"
            assert heading.split()[0] in page.title(), f"{name}: title {page.title()!r} vs heading {heading!r}"
    finally:
        page.close()


@pytest.mark.parametrize("name", [p for p in PAGES if p.startswith("chapters/")])
def test_colab_link_points_at_the_repository(browser, base_url, name):
    page, _ = open_page(browser, base_url + name)
    try:
        links = page.eval_on_selector_all("a[href*='colab.research.google.com']", "els => els.map(e => e.href)")
    finally:
        page.close()
    owner_repo = re.sub(r"^https://github.com/", "", repository_url()).rstrip("/")
    expected = f"https://colab.research.google.com/github/{owner_repo}/blob/main/{name[:-5]}.ipynb"
    assert expected in links, f"{name}: Colab links {links}, expected {expected}"


def test_search_finds_dropout(browser, base_url):
    page, errors = open_page(browser, base_url + "search.html?q=dropout")
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=15000)
        assert page.locator("#search-results ul.search li").count() > 0
        assert errors == []
    finally:
        page.close()


def test_screenshot_of_a_chapter_page(browser, base_url):
    chapters = [p for p in PAGES if p.startswith("chapters/")] or ["intro.html"]
    page, _ = open_page(browser, base_url + chapters[0])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "chapter-page.png"
    page.screenshot(path=str(shot), full_page=False)
    page.close()
    assert shot.stat().st_size > 10_000

"""Check the built site's links: every internal link and anchor resolves; external links are known.

`python -m tools.check_links [_build/html]` fails on a link to a missing file or a missing anchor,
and on an external link that is not listed in tools/external_links.txt (the one place they are kept;
`--update` rewrites that list from the site). External links are not fetched offline; with
`--fetch` (and network) each listed link is requested once.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

from tools.notebooks import ROOT

EXTERNAL_LIST = ROOT / "tools" / "external_links.txt"
SKIPPED_SCHEMES = {"mailto", "javascript", "data", "tel"}


class _Page(HTMLParser):
    """Collects the ids defined in a page and the links (href/src) it makes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") == "preconnect"):
                self.links.append(attrs[key])


def parse(path: Path) -> _Page:
    """Parse one HTML file."""
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def check_site(site: Path) -> tuple[list[str], set[str]]:
    """Return (problems with internal links, the set of external links) for a built site."""
    static = site.resolve() / "_static"  # theme templates, not pages
    pages = {p.resolve(): parse(p) for p in site.rglob("*.html") if static not in p.resolve().parents}
    problems, external = [], set()
    for path, page in pages.items():
        for link in page.links:
            parsed = urlparse(link)
            if parsed.scheme in SKIPPED_SCHEMES:
                continue
            if parsed.scheme in ("http", "https") or link.startswith("//"):
                external.add(urldefrag(link)[0] if "#" in link else link)
                continue
            target_part, anchor = unquote(parsed.path), parsed.fragment
            target = (path.parent / target_part).resolve() if target_part else path
            if target.is_dir():
                target = target / "index.html"
            where = f"{path.relative_to(site.resolve())}: {link}"
            if not target.exists():
                problems.append(f"{where} -> missing file")
            elif anchor and target.suffix == ".html" and anchor not in pages[target].ids:
                problems.append(f"{where} -> missing anchor #{anchor}")
    return problems, external


def fetch(url: str, timeout: float = 15.0) -> str | None:
    """Request a URL; return None if it answered below 400, else the error."""
    request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "book-link-check"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return None if response.status < 400 else f"HTTP {response.status}"
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        return str(exc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", nargs="?", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--update", action="store_true", help="rewrite tools/external_links.txt from the site")
    parser.add_argument("--fetch", action="store_true", help="also request every external link (needs network)")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        parser.error(f"no built site in {args.site}: run `make site` (or `make book`) first")
    problems, external = check_site(args.site)
    known = set()
    if EXTERNAL_LIST.is_file():
        known = {line.strip() for line in EXTERNAL_LIST.read_text().splitlines()
                 if line.strip() and not line.startswith("#")}
    if args.update:
        header = "# External links of the built site (python -m tools.check_links --update); not fetched offline.\n"
        partial = EXTERNAL_LIST.with_name(EXTERNAL_LIST.name + ".part")
        partial.write_text(header + "".join(f"{u}\n" for u in sorted(external)))
        os.replace(partial, EXTERNAL_LIST)
        known = external
    unknown = sorted(external - known)
    problems += [f"external link not listed in tools/external_links.txt: {u}" for u in unknown]
    if args.fetch:
        problems += [f"{u}: {err}" for u in sorted(external) if (err := fetch(u))]
    pages = len([p for p in args.site.rglob("*.html") if "_static" not in p.parts])
    for problem in problems:
        print(problem)
    print(f"checked {pages} pages: {len(problems)} problem(s), {len(external)} external links "
          f"({'fetched' if args.fetch else 'not fetched'})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

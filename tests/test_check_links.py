"""The site link checker finds broken files and anchors, ignores query strings, and lists external links."""

from __future__ import annotations

from tools.check_links import check_site


def write(path, body):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")


def test_good_links_pass_and_external_links_are_collected(tmp_path):
    write(tmp_path / "index.html", '<a href="a.html#sec">a</a> <img src="img/x.png"> '
          '<link href="_static/s.css?v=1"> <a href="https://example.org/p#frag">ext</a> <a href="#top">t</a>'
          '<h1 id="top">T</h1>')
    write(tmp_path / "a.html", '<section id="sec">x</section>')
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "x.png").write_bytes(b"png")
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "s.css").write_text("")
    problems, external = check_site(tmp_path)
    assert problems == []
    assert external == {"https://example.org/p"}


def test_missing_file_and_missing_anchor_are_reported(tmp_path):
    write(tmp_path / "index.html", '<a href="gone.html">x</a> <a href="b.html#nowhere">y</a> <a href="#self">z</a>')
    write(tmp_path / "b.html", '<p id="here">b</p>')
    problems, _ = check_site(tmp_path)
    assert any("gone.html -> missing file" in p for p in problems)
    assert any("b.html#nowhere -> missing anchor #nowhere" in p for p in problems)
    assert any("#self -> missing anchor #self" in p for p in problems)
    assert len(problems) == 3

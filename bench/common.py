"""What every benchmark needs: machine facts, device sync, a clock for data waits, atomic JSON."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """Cores this process may run on (what DataLoader's worker-count warning compares against)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def git_revision() -> str:
    """The commit the benchmark ran on, with '+dirty' when the code it runs (bench/, utils/) had changes."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "bench/*.py", "utils"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine_facts(dev: torch.device) -> dict:
    """Where a benchmark ran: cores, threads, versions, device (no paths, no host names)."""
    import torchvision

    try:
        import d2l
        d2l_version = d2l.__version__
    except ImportError:
        d2l_version = None
    if dev.type == "cuda":
        device_name = torch.cuda.get_device_name(dev)
    else:
        device_name = cpu_name()
    return {
        "cores": usable_cores(),
        "torch_threads": torch.get_num_threads(),
        "cpu": cpu_name(),
        "device": dev.type,
        "device_name": device_name,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "d2l": d2l_version,
        "os": platform.system(),
        "multiprocessing_start": torch.multiprocessing.get_start_method(allow_none=False),
        "git": git_revision(),
    }


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (None where the OS has none): other work competing."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def cpu_seconds() -> tuple[float, float | None]:
    """CPU seconds used so far by this process with its finished children (DataLoader workers are
    joined at the end of each epoch, so theirs count), and by the whole machine (None where unknown).

    The machine's figure minus ours is what other programs took from the cores meanwhile.
    """
    own = time.process_time()
    try:
        import resource

        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own += children.ru_utime + children.ru_stime
    except ImportError:  # Windows
        pass
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return own, None
    busy = sum(fields[:3]) + sum(fields[5:8])  # user nice system, irq softirq steal (not idle, iowait)
    return own, busy / os.sysconf("SC_CLK_TCK")


def now_utc() -> str:
    """The current time, ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def sync(dev: torch.device) -> None:
    """Wait for the device to finish queued work, so a clock reading covers it."""
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    elif dev.type == "mps":
        torch.mps.synchronize()


class DataClock:
    """Wrap a batch iterable: time spent obtaining batches (iter(), next(), the copy to `dev`).

    `seconds` is the total wait over one pass, `first` the wait for the first batch (worker start-up
    included), `batches` how many were delivered. `max_batches` stops early (a fixed amount of work).
    """

    def __init__(self, dev: torch.device, max_batches: int | None = None) -> None:
        self.dev = dev
        self.max_batches = max_batches
        self.seconds = 0.0
        self.first = 0.0
        self.batches = 0

    def __call__(self, iterable: Iterable) -> Iterator:
        start = time.perf_counter()
        it = iter(iterable)
        copies = False
        while self.max_batches is None or self.batches < self.max_batches:
            try:
                X, y = next(it)
            except StopIteration:
                break
            if X.device != self.dev:
                copies = True
                X, y = X.to(self.dev), y.to(self.dev)
            waited = time.perf_counter() - start
            self.seconds += waited
            if self.batches == 0:
                self.first = waited
            self.batches += 1
            yield X, y
            if copies:
                # A copy from pageable host memory waits for the device's queued work: finish that work
                # first, so the step's compute is not counted as waiting for data (a no-op on a CPU).
                sync(self.dev)
            start = time.perf_counter()
        # A DataLoader shuts its workers down when exhausted (or when its iterator is dropped).
        del it
        self.seconds += time.perf_counter() - start


def median(values: Iterable[float]) -> float:
    """Median of a non-empty list of numbers."""
    values = list(values)
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def spread(values: Iterable[float]) -> dict:
    """Median, min, max and (max - min) of a list of numbers."""
    values = [float(v) for v in values]
    return {"median": median(values), "min": min(values), "max": max(values),
            "range": max(values) - min(values)}


def write_json_atomically(obj: dict, path: Path) -> Path:
    """Write `obj` as JSON to a temporary file beside `path`, then rename it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(obj, handle, indent=1, sort_keys=False)
            handle.write("\n")
        os.chmod(partial, 0o644)  # mkstemp makes it private; results are meant to be shared
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return path


APPENDIX = "chapters/90_performance.ipynb"


def refresh_appendix(results_path: Path) -> int:
    """Re-execute the performance appendix (in place) so that its stored page shows the new results.

    Only when the results were written to the folder the page reads (bench/results/); returns the
    execution's exit code (0 when nothing was to be done).
    """
    if results_path.resolve().parent != RESULTS.resolve():
        return 0
    print(f"\nre-executing {APPENDIX} so that it shows {results_path.name} ...", flush=True)
    return subprocess.run([sys.executable, "-m", "tools.execute", APPENDIX], cwd=ROOT).returncode

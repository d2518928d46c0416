"""Run-time settings shared by every chapter: mode, seeds, device, timing and provenance."""

from __future__ import annotations

import numbers
import os
import platform
import random
import time
from typing import TypeVar

import numpy as np
import torch

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
_STARTED = time.perf_counter()
_SOURCES: dict[str, str] = {}


def _env_flag(name: str) -> bool:
    """Read a yes/no environment variable, rejecting values that are neither."""
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={os.environ[name]!r} is not understood: use 1 (on) or 0 (off).")


def is_smoke() -> bool:
    """True when BOOK_SMOKE asks for the small, fast SMOKE mode."""
    return _env_flag("BOOK_SMOKE")


def is_offline() -> bool:
    """True when BOOK_OFFLINE forbids downloads."""
    return _env_flag("BOOK_OFFLINE")


def mode() -> str:
    """The run mode: "SMOKE" (small slices, one or two epochs) or "FULL" (the chapter's settings)."""
    return "SMOKE" if is_smoke() else "FULL"


def _kind(value: object) -> type:
    """What scale() compares: any real number (int, float, NumPy) is one kind; bool is its own."""
    if isinstance(value, (bool, np.bool_)):
        return bool
    return numbers.Real if isinstance(value, numbers.Real) else type(value)


def scale(full: T, smoke: T) -> T:
    """Pick a knob's value for the current mode: `full` in FULL mode, `smoke` in SMOKE mode."""
    if None not in (full, smoke) and _kind(full) is not _kind(smoke):
        raise TypeError(
            f"scale() wants two values of the same kind, got {type(full).__name__} "
            f"and {type(smoke).__name__}."
        )
    return smoke if is_smoke() else full


def set_seed(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's random generators (all devices).

    Seeding alone does not make a GPU run repeat bit for bit: that also needs
    `torch.use_deterministic_algorithms(True)`, and on CUDA the environment variable
    CUBLAS_WORKSPACE_CONFIG=:4096:8 set before CUDA starts (else the first cuBLAS matrix product
    raises a RuntimeError).
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}.")
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}.")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def device() -> torch.device:
    """The best available device: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def record_source(dataset: str, source: str) -> None:
    """Remember which source a data set came from, for provenance()."""
    _SOURCES[dataset] = source


def data_sources() -> dict[str, str]:
    """The data sets loaded so far in this process and where each came from."""
    return dict(_SOURCES)


def synchronize() -> None:
    """Wait for the GPU's queued work (CUDA), so that a clock read next times the work, not its launch."""
    if torch.cuda.is_initialized():
        torch.cuda.synchronize()


def wall_time() -> float:
    """Seconds since `utils` was imported (in a notebook: since its first cell ran), queued GPU work included."""
    synchronize()
    return time.perf_counter() - _STARTED


def provenance() -> None:
    """Print what produced this run's outputs: versions, device, mode, data sources, wall time."""
    import torchvision

    dev = device()
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else platform.processor() or "cpu"
    print(f"Python {platform.python_version()}, torch {torch.__version__}, "
          f"torchvision {torchvision.__version__}")
    print(f"device: {dev.type} ({name}), {torch.get_num_threads()} CPU threads")
    print(f"mode: {mode()}")
    for dataset, source in sorted(_SOURCES.items()) or [("data", "none loaded")]:
        print(f"{dataset}: {source}")
    print(f"wall time: {wall_time():.1f} s")


class Timer:
    """Measure elapsed times: start(), stop() records an interval; avg(), sum(), cumsum().

    On a GPU both start() and stop() wait for the queued CUDA work first, so an interval times the
    work done in it rather than the launching of its kernels.
    """

    def __init__(self) -> None:
        self.times: list[float] = []
        self.start()

    def start(self) -> None:
        """Start (or restart) the clock."""
        synchronize()
        self._t0 = time.perf_counter()

    def stop(self) -> float:
        """Stop the clock, record the interval and return it in seconds."""
        synchronize()
        self.times.append(time.perf_counter() - self._t0)
        return self.times[-1]

    def avg(self) -> float:
        """Mean of the recorded intervals."""
        if not self.times:
            raise ValueError("Timer.avg(): no interval recorded yet; call stop() first.")
        return sum(self.times) / len(self.times)

    def sum(self) -> float:
        """Total of the recorded intervals."""
        return sum(self.times)

    def cumsum(self) -> list[float]:
        """Running totals of the recorded intervals."""
        return np.cumsum(self.times).tolist()

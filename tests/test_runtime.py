"""utils.runtime: the mode from the environment, scale(), seeds, device, provenance, Timer."""

from __future__ import annotations

import random
import re
import time

import numpy as np
import pytest
import torch

from tools.notebooks import MACHINE_PATH
from utils import runtime


@pytest.fixture
def fresh_sources(monkeypatch):
    """An empty record of data sources, so tests see only what they record."""
    monkeypatch.setattr(runtime, "_SOURCES", {})


# --- mode, is_smoke, is_offline ---------------------------------------------------------------

@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "on", " 1 "])
def test_flags_read_true(monkeypatch, value):
    monkeypatch.setenv("BOOK_SMOKE", value)
    monkeypatch.setenv("BOOK_OFFLINE", value)
    assert runtime.is_smoke() is True
    assert runtime.is_offline() is True
    assert runtime.mode() == "SMOKE"


@pytest.mark.parametrize("value", ["", "0", "false", "No", "off"])
def test_flags_read_false(monkeypatch, value):
    monkeypatch.setenv("BOOK_SMOKE", value)
    monkeypatch.setenv("BOOK_OFFLINE", value)
    assert runtime.is_smoke() is False
    assert runtime.is_offline() is False
    assert runtime.mode() == "FULL"


def test_unset_flags_mean_full_and_online(monkeypatch):
    monkeypatch.delenv("BOOK_SMOKE", raising=False)
    monkeypatch.delenv("BOOK_OFFLINE", raising=False)
    assert runtime.mode() == "FULL"
    assert not runtime.is_smoke() and not runtime.is_offline()


@pytest.mark.parametrize("value", ["2", "maybe", "smoke", "-1"])
def test_bad_flag_values_raise_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("BOOK_SMOKE", value)
    monkeypatch.setenv("BOOK_OFFLINE", value)
    with pytest.raises(ValueError, match="BOOK_SMOKE"):
        runtime.is_smoke()
    with pytest.raises(ValueError, match="BOOK_SMOKE"):
        runtime.mode()
    with pytest.raises(ValueError, match="BOOK_OFFLINE"):
        runtime.is_offline()


# --- scale ------------------------------------------------------------------------------------

def test_scale_picks_by_mode(monkeypatch):
    monkeypatch.setenv("BOOK_SMOKE", "0")
    assert runtime.scale(full=10, smoke=1) == 10
    assert runtime.scale(full=None, smoke=2048) is None
    assert runtime.scale(full="all", smoke="some") == "all"
    monkeypatch.setenv("BOOK_SMOKE", "1")
    assert runtime.scale(full=10, smoke=1) == 1
    assert runtime.scale(full=None, smoke=2048) == 2048
    assert runtime.scale(full=2048, smoke=None) is None
    assert runtime.scale(full=0.1, smoke=1) == 1  # int and float are one kind
    assert runtime.scale(full=np.int64(5), smoke=1) == 1  # NumPy numbers too
    assert runtime.scale(full=(1, 2), smoke=(3,)) == (3,)


@pytest.mark.parametrize("full, smoke", [(10, "1"), ("10", 1), (10, [1]), (True, 1), ([1], (1,))])
def test_scale_rejects_mismatched_kinds(monkeypatch, full, smoke):
    monkeypatch.setenv("BOOK_SMOKE", "0")
    with pytest.raises(TypeError, match="same kind"):
        runtime.scale(full=full, smoke=smoke)


# --- set_seed ---------------------------------------------------------------------------------

def _draws():
    return random.random(), float(np.random.rand()), torch.rand(3).tolist(), torch.randn(2).tolist()


def test_set_seed_makes_every_generator_repeat():
    runtime.set_seed(123)
    first = _draws()
    runtime.set_seed(123)
    assert _draws() == first
    runtime.set_seed(124)
    assert _draws() != first
    runtime.set_seed(np.int64(123))  # a NumPy integer is a fine seed
    assert _draws() == first


@pytest.mark.parametrize("seed, error", [(1.5, TypeError), ("1", TypeError), (True, TypeError),
                                         (None, TypeError), (-1, ValueError), (2**32, ValueError)])
def test_set_seed_rejects_bad_seeds(seed, error):
    with pytest.raises(error, match="seed"):
        runtime.set_seed(seed)


# --- device -----------------------------------------------------------------------------------

def test_device_prefers_cuda_then_mps_then_cpu():
    dev = runtime.device()
    assert isinstance(dev, torch.device)
    if torch.cuda.is_available():
        assert dev.type == "cuda"
    elif torch.backends.mps.is_available():
        assert dev.type == "mps"
    else:
        assert dev == torch.device("cpu")
    torch.zeros(1, device=dev)  # usable


def test_device_falls_back_in_order(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert runtime.device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert runtime.device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert runtime.device().type == "cpu"


# --- provenance, data sources, wall time -------------------------------------------------------

def test_provenance_prints_versions_mode_sources_and_wall_time(monkeypatch, capsys, fresh_sources):
    import torchvision

    monkeypatch.setenv("BOOK_SMOKE", "1")
    runtime.record_source("CIFAR-10", "CIFAR-10, JPEG copy")
    runtime.record_source("diabetes", "Pima diabetes CSV")
    assert runtime.data_sources() == {"CIFAR-10": "CIFAR-10, JPEG copy", "diabetes": "Pima diabetes CSV"}
    runtime.provenance()
    out = capsys.readouterr().out
    assert f"torch {torch.__version__}" in out
    assert f"torchvision {torchvision.__version__}" in out
    assert re.search(r"Python 3\.\d+\.\d+", out)
    assert "mode: SMOKE" in out
    assert f"device: {runtime.device().type}" in out
    assert "CIFAR-10: CIFAR-10, JPEG copy" in out and "diabetes: Pima diabetes CSV" in out
    seconds = float(re.search(r"wall time: ([\d.]+) s", out).group(1))
    assert 0 <= seconds <= runtime.wall_time() + 0.1
    assert not MACHINE_PATH.search(out), out
    assert not re.search(r"(^|[\s(])(/|~/|[A-Za-z]:\\)\w", out, re.MULTILINE), "an absolute path is printed"


def test_provenance_without_data_says_none_loaded(monkeypatch, capsys, fresh_sources):
    monkeypatch.setenv("BOOK_SMOKE", "0")
    runtime.provenance()
    out = capsys.readouterr().out
    assert "mode: FULL" in out and "none loaded" in out


def test_data_sources_is_a_copy(fresh_sources):
    runtime.record_source("x", "y")
    runtime.data_sources()["x"] = "changed"
    assert runtime.data_sources() == {"x": "y"}


def test_wall_time_grows():
    first = runtime.wall_time()
    time.sleep(0.01)
    assert runtime.wall_time() > first > 0


# --- Timer ------------------------------------------------------------------------------------

def test_timer_records_intervals():
    timer = runtime.Timer()
    time.sleep(0.01)
    first = timer.stop()
    timer.start()
    second = timer.stop()
    assert first >= 0.009 and 0 <= second < first
    assert timer.times == [first, second]
    assert timer.sum() == pytest.approx(first + second)
    assert timer.avg() == pytest.approx((first + second) / 2)
    assert timer.cumsum() == pytest.approx([first, first + second])


def test_timer_avg_needs_an_interval():
    timer = runtime.Timer()
    assert timer.sum() == 0 and timer.cumsum() == []
    with pytest.raises(ValueError, match="stop"):
        timer.avg()

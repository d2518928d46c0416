"""utils.checks: the argument checks behind every public function's TypeError/ValueError."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from utils.checks import check_int, check_nonnegative, check_optional_int, check_probability, check_tensor


def test_check_int():
    assert check_int(3, "n") == 3 and type(check_int(np.int64(3), "n")) is int
    assert check_int(0, "n", minimum=0) == 0
    with pytest.raises(ValueError, match="n must be at least 1, got 0"):
        check_int(0, "n")
    for bad in (1.0, "1", True, None, torch.tensor(1)):
        with pytest.raises(TypeError, match="n must be an int"):
            check_int(bad, "n")


def test_check_optional_int():
    assert check_optional_int(None, "n_train") is None and check_optional_int(5, "n_train") == 5
    with pytest.raises(ValueError, match="n_train"):
        check_optional_int(0, "n_train")


def test_check_probability():
    assert check_probability(0) == 0.0 and check_probability(1) == 1.0
    assert check_probability(np.float32(0.5)) == 0.5
    for bad in (-1e-9, 1.0001, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            check_probability(bad, "rate")
    for bad in (True, "0.5", None, torch.tensor(0.5)):
        with pytest.raises(TypeError, match="rate must be a number"):
            check_probability(bad, "rate")


def test_check_nonnegative():
    assert check_nonnegative(0, "wd") == 0.0 and check_nonnegative(3e-4, "wd") == 3e-4
    for bad in (-1e-3, float("nan")):
        with pytest.raises(ValueError, match="wd must be >= 0"):
            check_nonnegative(bad, "wd")
    for bad in (False, "0.1", None):
        with pytest.raises(TypeError, match="wd must be a number"):
            check_nonnegative(bad, "wd")


def test_check_tensor():
    t = torch.zeros(2, 3)
    assert check_tensor(t, "X", min_dim=2) is t
    with pytest.raises(ValueError, match=r"X must have at least 3 dimension\(s\), got shape \(2, 3\)"):
        check_tensor(t, "X", min_dim=3)
    with pytest.raises(TypeError, match="X must be a torch.Tensor, got ndarray"):
        check_tensor(np.zeros(3), "X")

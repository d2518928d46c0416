"""Comparing two settings over seeds: the mean paired difference and its confidence interval."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .checks import check_int

VERDICTS = ("holds", "contradicted", "inconclusive", "not testable at this budget")


@dataclass(frozen=True)
class PairedDifference:
    """Mean of b - a over paired runs, with its confidence interval."""

    mean: float
    low: float
    high: float
    n: int
    confidence: float
    method: str

    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of zero."""
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        return f"{self.mean:+.4g} [{self.low:+.4g}, {self.high:+.4g}] ({self.confidence:.0%}, n={self.n})"


def _values(runs: object, name: str) -> np.ndarray:
    """One value per seed as a 1-d float64 array: a sequence, a NumPy array or a tensor (any device)."""
    if isinstance(runs, torch.Tensor):
        runs = runs.detach().cpu().double().numpy()
    elif isinstance(runs, (list, tuple)):
        runs = [v.detach().cpu().double().numpy() if isinstance(v, torch.Tensor) else v for v in runs]
    values = np.asarray(runs, dtype=np.float64)
    if values.size > 1 and values.squeeze().ndim > 1:
        raise ValueError(f"paired_difference takes one value per seed (a 1-d sequence): {name} has shape "
                         f"{values.shape}.")
    return values.ravel()


def _as_pairs(a: Sequence[float], b: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """a and b as float64 arrays, after checking that the runs pair up and are finite."""
    a_arr, b_arr = _values(a, "a"), _values(b, "b")
    if a_arr.shape != b_arr.shape:
        raise ValueError(f"paired_difference needs one value of each setting per seed: got {a_arr.size} "
                         f"and {b_arr.size} values")
    if a_arr.size < 2:
        raise ValueError(f"paired_difference needs at least 2 pairs (runs with different seeds), got {a_arr.size}")
    if not (np.isfinite(a_arr).all() and np.isfinite(b_arr).all()):
        raise ValueError("paired_difference got a NaN or infinite value: a run diverged or was not recorded")
    return a_arr, b_arr


def paired_difference(a: Sequence[float], b: Sequence[float], confidence: float = 0.95,
                      method: str = "t", n_boot: int = 10_000, seed: int = 0) -> PairedDifference:
    """Mean of b - a over paired runs and its interval: Student t (default) or a percentile bootstrap.

    `a` and `b` hold one value per seed, in the same seed order: sequences, NumPy arrays or tensors
    (on any device). The t interval is scipy.stats.ttest_rel(b, a)'s.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    if method not in ("t", "bootstrap"):
        raise ValueError(f"method must be 't' or 'bootstrap', got {method!r}")
    n_boot = check_int(n_boot, "n_boot")
    seed = check_int(seed, "seed", minimum=0)
    a_arr, b_arr = _as_pairs(a, b)
    diff = b_arr - a_arr
    mean = float(diff.mean())
    if method == "t":
        low, high = _t_interval(a_arr, b_arr, confidence)
    else:
        rng = np.random.default_rng(seed)
        means = diff[rng.integers(0, diff.size, size=(n_boot, diff.size))].mean(axis=1)
        low, high = (float(q) for q in np.quantile(means, [(1 - confidence) / 2, (1 + confidence) / 2]))
    return PairedDifference(mean, low, high, int(diff.size), confidence, method)


def _t_interval(a: np.ndarray, b: np.ndarray, confidence: float) -> tuple[float, float]:
    """The Student t interval of the mean of b - a: scipy.stats.ttest_rel(b, a).confidence_interval."""
    from scipy import stats

    diff = b - a
    if np.all(diff == diff[0]):  # no spread: scipy would warn and divide 0 by 0
        mean = float(diff.mean())
        return mean, mean
    with warnings.catch_warnings():  # near-identical differences: scipy warns of precision loss
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        interval = stats.ttest_rel(b, a).confidence_interval(confidence)
    return float(interval.low), float(interval.high)


def verdict(low: float, high: float, noise: float = 0.0) -> str:
    """The verdict on 'b exceeds a' from the interval of b - a: holds, contradicted or inconclusive."""
    if math.isnan(low) or math.isnan(high) or low > high:
        raise ValueError(f"verdict needs an interval with low <= high, got [{low}, {high}]")
    if not (noise >= 0 and math.isfinite(noise)):
        raise ValueError(f"noise is a margin and cannot be negative, NaN or infinite, got {noise}")
    if low > noise:
        return "holds"
    if high < -noise:
        return "contradicted"
    return "inconclusive"


def _check_margin(low: float, high: float, margin: float) -> None:
    """Refuse an interval that is not one, and a margin that is not positive and finite."""
    if math.isnan(low) or math.isnan(high) or low > high:
        raise ValueError(f"needs an interval with low <= high, got [{low}, {high}]")
    if not (margin > 0 and math.isfinite(margin)):
        raise ValueError(f"margin must be a positive number stated before the run, got {margin}")


def no_worse(low: float, high: float, margin: float) -> str:
    """The verdict on 'b is no worse than a' (non-inferiority) from the interval of b - a and a margin.

    holds: the whole interval lies above -margin; contradicted: the whole interval lies below -margin
    (b is worse by more than the margin); otherwise inconclusive.
    """
    _check_margin(low, high, margin)
    if low > -margin:
        return "holds"
    if high < -margin:
        return "contradicted"
    return "inconclusive"


def agree(low: float, high: float, margin: float) -> str:
    """The verdict on 'a and b agree' (equivalence) from the interval of b - a and a margin.

    holds: the whole interval lies inside (-margin, +margin); contradicted: the whole interval lies
    outside it on one side (they differ by more than the margin); otherwise inconclusive.
    """
    _check_margin(low, high, margin)
    if -margin < low and high < margin:
        return "holds"
    if low > margin or high < -margin:
        return "contradicted"
    return "inconclusive"

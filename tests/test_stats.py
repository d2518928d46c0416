"""utils.paired_difference and utils.verdict against scipy.stats, and their errors on bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import utils


def test_t_interval_matches_scipy():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=7), rng.normal(0.4, 1, size=7)
    d = b - a
    low, high = stats.t.interval(0.95, d.size - 1, loc=d.mean(), scale=stats.sem(d))
    result = utils.paired_difference(a, b)
    assert result.mean == pytest.approx(d.mean())
    assert (result.low, result.high) == pytest.approx((low, high))
    assert result.n == 7 and result.method == "t"


@pytest.mark.parametrize("n, confidence", [(2, 0.95), (3, 0.95), (5, 0.9), (10, 0.99)])
def test_t_interval_is_the_formula_of_before_to_1e_12(n, confidence):
    """Computed through scipy.stats.ttest_rel now: the same numbers as mean ± t·s/√n."""
    rng = np.random.default_rng(n)
    a = rng.normal(0.8, 0.05, size=n)
    b = a + rng.normal(0.01, 0.02, size=n)
    d = b - a
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * d.std(ddof=1) / math.sqrt(n)
    result = utils.paired_difference(a, b, confidence=confidence)
    assert abs(result.low - (d.mean() - half)) < 1e-12 and abs(result.high - (d.mean() + half)) < 1e-12


def test_identical_differences_give_a_point_interval_without_a_warning(recwarn):
    result = utils.paired_difference([0.1, 0.2, 0.3], [0.2, 0.3, 0.4])
    assert result.low == pytest.approx(0.1) and result.high == pytest.approx(0.1)
    assert utils.paired_difference([1.0, 2.0], [1.0, 2.0]).high == 0.0
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_t_interval_calls_scipy_ttest_rel(monkeypatch):
    calls = []
    real = stats.ttest_rel
    monkeypatch.setattr(stats, "ttest_rel", lambda *args, **kw: calls.append(args) or real(*args, **kw))
    utils.paired_difference([0.1, 0.2, 0.35], [0.2, 0.25, 0.5])
    assert len(calls) == 1


def test_ninety_percent_interval_is_narrower_and_inside():
    a, b = [0.1, 0.2, 0.3, 0.25], [0.15, 0.2, 0.4, 0.3]
    wide, narrow = utils.paired_difference(a, b), utils.paired_difference(a, b, confidence=0.9)
    assert wide.low < narrow.low < narrow.high < wide.high


def test_bootstrap_interval_contains_the_mean_and_is_seeded():
    a, b = [1.0, 2.0, 3.0, 4.0, 5.0], [1.5, 2.2, 3.9, 4.1, 5.6]
    one = utils.paired_difference(a, b, method="bootstrap")
    assert one.low <= one.mean <= one.high
    assert one == utils.paired_difference(a, b, method="bootstrap")


def test_verdict_reads_the_interval():
    assert utils.verdict(0.01, 0.02) == "holds"
    assert utils.verdict(-0.02, -0.01) == "contradicted"
    assert utils.verdict(-0.01, 0.02) == "inconclusive"
    assert utils.verdict(0.01, 0.02, noise=0.015) == "inconclusive"
    assert set(utils.VERDICTS) >= {"holds", "contradicted", "inconclusive"}


@pytest.mark.parametrize("a, b, message", [
    ([1, 2, 3], [1, 2], "one value of each setting"),
    ([1], [2], "at least 2 pairs"),
    ([1, math.nan], [2, 3], "NaN"),
    ([1, 2], [2, math.inf], "NaN or infinite"),
])
def test_bad_runs_are_refused_clearly(a, b, message):
    with pytest.raises(ValueError, match=message):
        utils.paired_difference(a, b)


def test_bad_options_are_refused_clearly():
    with pytest.raises(ValueError, match="confidence"):
        utils.paired_difference([1, 2], [2, 3], confidence=95)
    with pytest.raises(ValueError, match="method"):
        utils.paired_difference([1, 2], [2, 3], method="z")
    with pytest.raises(ValueError, match="low <= high"):
        utils.verdict(0.2, 0.1)
    with pytest.raises(ValueError, match="negative"):
        utils.verdict(0.1, 0.2, noise=-1)


@pytest.mark.parametrize("low, high, expected", [
    (-0.004, 0.006, "holds"),          # inside -0.01: no worse, although the interval spans zero
    (0.002, 0.03, "holds"),            # better is also no worse
    (-0.02, 0.004, "inconclusive"),    # reaches below -margin
    (-0.05, -0.02, "contradicted"),    # worse by more than the margin
])
def test_no_worse_judges_against_the_margin_not_zero(low, high, expected):
    assert utils.no_worse(low, high, margin=0.01) == expected


@pytest.mark.parametrize("low, high, expected", [
    (-0.004, 0.006, "holds"),
    (0.002, 0.008, "holds"),           # excludes zero, yet inside the margin: they agree
    (-0.004, 0.02, "inconclusive"),    # spans zero but reaches past +margin: not shown to agree
    (0.015, 0.03, "contradicted"),
    (-0.03, -0.012, "contradicted"),
])
def test_agree_needs_the_whole_interval_inside_the_margin(low, high, expected):
    assert utils.agree(low, high, margin=0.01) == expected


@pytest.mark.parametrize("judge", [utils.no_worse, utils.agree])
@pytest.mark.parametrize("low, high, margin, message", [
    (0.2, 0.1, 0.01, "low <= high"),
    (math.nan, 0.1, 0.01, "low <= high"),
    (-0.1, 0.1, 0.0, "positive"),
    (-0.1, 0.1, -0.01, "positive"),
    (-0.1, 0.1, math.inf, "positive"),
])
def test_margin_verdicts_refuse_bad_input(judge, low, high, margin, message):
    with pytest.raises(ValueError, match=message):
        judge(low, high, margin)

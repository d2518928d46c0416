"""utils.uncertainty against independent computations: scipy's Mann-Whitney U, scipy's entropy, hand cases."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

from utils.uncertainty import (
    auroc,
    dropout_sampling,
    expected_calibration_error,
    mc_dropout_probs,
    mc_predict,
    predictive_entropy,
    reliability_bins,
)


def small_net(p: float = 0.5) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(6, 8), nn.ReLU(), nn.BatchNorm1d(8), nn.Dropout(p),
                         nn.Linear(8, 3))


# --- dropout_sampling and mc_predict -------------------------------------------------------------------

@pytest.mark.parametrize("start_training", [True, False])
def test_only_dropout_samples_and_modes_are_restored(start_training):
    net = small_net().train(start_training)
    net[3].running_mean.fill_(0.3)
    with dropout_sampling(net):
        assert net[4].training and not net[3].training and not net.training
        net(torch.randn(5, 6))  # batch norm in eval mode: running statistics untouched
    assert torch.equal(net[3].running_mean, torch.full((8,), 0.3))
    assert all(m.training is start_training for m in net.modules())


def test_modes_are_restored_after_an_error():
    net = small_net().eval()
    with pytest.raises(RuntimeError), dropout_sampling(net):
        raise RuntimeError("boom")
    assert not any(m.training for m in net.modules())


def test_mc_passes_differ_and_average_matches_a_loop_of_plain_passes():
    net, X = small_net(), torch.randn(20, 6)
    torch.manual_seed(1)
    probs = mc_dropout_probs(net, X, T=7)
    assert probs.shape == (7, 20, 3)
    assert torch.allclose(probs.sum(-1), torch.ones(7, 20))
    assert not torch.allclose(probs[0], probs[1])  # each pass draws its own masks
    torch.manual_seed(1)  # the same draws, one whole pass at a time, by hand
    net.eval()
    net[4].train()
    with torch.no_grad():
        by_hand = torch.stack([torch.softmax(net(X), -1) for _ in range(7)])
    assert torch.allclose(probs, by_hand, atol=1e-6)
    torch.manual_seed(1)
    assert torch.allclose(mc_predict(net, X, T=7), by_hand.mean(0), atol=1e-6)
    torch.manual_seed(1)
    assert torch.allclose(mc_dropout_probs(net, X, T=7, reuse_prefix=False), by_hand, atol=1e-6)


def test_p_zero_is_refused_since_every_pass_would_repeat_one_prediction():
    net, X = small_net(p=0.0).eval(), torch.randn(10, 6)
    with pytest.raises(ValueError, match="p = 0"):
        mc_predict(net, X, T=3)


def test_mc_refuses_bad_input():
    with pytest.raises(ValueError, match="no dropout"):
        mc_predict(nn.Sequential(nn.Linear(6, 3)), torch.randn(2, 6), T=2)
    with pytest.raises(ValueError, match="T must be at least 1"):
        mc_predict(small_net(), torch.randn(2, 6), T=0)
    with pytest.raises(TypeError, match="T must be an int"):
        mc_predict(small_net(), torch.randn(2, 6), T=2.0)
    with pytest.raises(TypeError, match="nn.Module"):
        mc_predict(lambda X: X, torch.randn(2, 6), T=2)
    with pytest.raises(TypeError, match="X must be"):
        mc_predict(small_net(), np.zeros((2, 6)), T=2)


# --- predictive_entropy --------------------------------------------------------------------------------

def test_entropy_matches_scipy_and_edge_cases():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(10), size=50)
    ours = predictive_entropy(torch.tensor(p))
    assert np.allclose(ours.numpy(), stats.entropy(p, axis=1))
    edge = predictive_entropy(torch.tensor([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]]))
    assert edge[0] == 0.0 and edge[1] == pytest.approx(np.log(3))


@pytest.mark.parametrize("bad", [torch.tensor([[0.5, 0.6]]), torch.tensor([[1.5, -0.5]]),
                                 torch.tensor([0.5, 0.5]), torch.tensor([[float("nan"), 1.0]])])
def test_entropy_refuses_what_is_not_a_probability_table(bad):
    with pytest.raises(ValueError):
        predictive_entropy(bad)


# --- calibration -----------------------------------------------------------------------------------------

def ece_by_hand(conf: np.ndarray, correct: np.ndarray, n_bins: int) -> float:
    """Guo et al.'s definition, written as a loop over bins (lo, hi]."""
    total = 0.0
    for m in range(n_bins):
        lo, hi = m / n_bins, (m + 1) / n_bins
        inside = (conf > lo) & (conf <= hi) if m else (conf >= lo) & (conf <= hi)
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - conf[inside].mean())
    return total


def test_ece_matches_a_loop_over_bins():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.full(4, 0.5), size=400)
    y = rng.integers(0, 4, size=400)
    ours = expected_calibration_error(torch.tensor(p), torch.tensor(y), n_bins=15)
    want = ece_by_hand(p.max(1), (p.argmax(1) == y).astype(float), 15)
    assert ours == pytest.approx(want, abs=1e-12)


def test_ece_hand_cases():
    # confidence 0.9 everywhere, 9 of 10 right: perfectly calibrated
    probs = torch.tensor([[0.9, 0.1]] * 10)
    y = torch.tensor([0] * 9 + [1])
    assert expected_calibration_error(probs, y) == pytest.approx(0.0, abs=1e-6)  # 0.9 in float32
    # confidence 0.9, every prediction wrong: the gap is 0.9
    assert expected_calibration_error(probs, torch.ones(10, dtype=torch.long)) == pytest.approx(0.9)
    # two bins: 0.6 (right, right) and 1.0 (wrong, right): 0.5 * |1 - 0.6| + 0.5 * |0.5 - 1.0|
    probs = torch.tensor([[0.6, 0.4], [0.6, 0.4], [1.0, 0.0], [1.0, 0.0]])
    y = torch.tensor([0, 0, 1, 0])
    assert expected_calibration_error(probs, y, n_bins=15) == pytest.approx(0.5 * 0.4 + 0.5 * 0.5)


def test_reliability_bins_edges_and_counts():
    # binary fractions, so that no rounding moves a confidence across an edge
    probs = torch.tensor([[0.5, 0.5], [0.625, 0.375], [0.75, 0.25], [1.0, 0.0]])
    bins = reliability_bins(probs, torch.tensor([0, 0, 1, 0]), n_bins=4)
    assert bins.edges.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert bins.count.tolist() == [0, 1, 2, 1]  # 0.5 in (0.25, 0.5]; 0.625 and 0.75 in (0.5, 0.75]
    assert bins.accuracy[2].item() == 0.5 and bins.confidence[2].item() == pytest.approx(0.6875)
    assert torch.isnan(bins.accuracy[0])


def test_calibration_refuses_bad_labels_and_bins():
    probs = torch.tensor([[0.7, 0.3]])
    with pytest.raises(ValueError, match="labels"):
        expected_calibration_error(probs, torch.tensor([2]))
    with pytest.raises(ValueError, match="shape"):
        expected_calibration_error(probs, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="n_bins"):
        expected_calibration_error(probs, torch.tensor([0]), n_bins=0)


# --- auroc -----------------------------------------------------------------------------------------------

def test_auroc_matches_mann_whitney_with_ties():
    rng = np.random.default_rng(2)
    neg = rng.integers(0, 20, size=300).astype(float)  # integer scores: many ties
    pos = rng.integers(5, 25, size=200).astype(float)
    u = stats.mannwhitneyu(pos, neg, alternative="two-sided").statistic
    assert auroc(torch.tensor(neg), torch.tensor(pos)) == pytest.approx(u / (300 * 200), abs=1e-12)


def test_auroc_hand_cases():
    assert auroc(torch.tensor([0.1, 0.2]), torch.tensor([0.3, 0.4])) == 1.0
    assert auroc(torch.tensor([0.3, 0.4]), torch.tensor([0.1, 0.2])) == 0.0
    assert auroc(torch.tensor([0.5, 0.5]), torch.tensor([0.5])) == 0.5
    assert auroc(torch.tensor([0.1, 0.3]), torch.tensor([0.2])) == 0.5


def test_auroc_refuses_empty_or_nan():
    with pytest.raises(ValueError, match="non-empty"):
        auroc(torch.tensor([]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match="finite"):
        auroc(torch.tensor([float("nan")]), torch.tensor([1.0]))
    with pytest.raises(TypeError):
        auroc([0.1], torch.tensor([1.0]))

"""Uncertainty from dropout: Monte-Carlo dropout predictions, predictive entropy, calibration, AUROC.

MC dropout (Gal & Ghahramani, 2016) keeps the dropout layers sampling at test time and averages the
softmax outputs of T stochastic passes. Only the dropout modules are put in training mode; every other
module (batch normalization, for one) keeps its evaluation behaviour.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from .checks import check_bool, check_int, check_same_device

_DROPOUTS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)


def _check_module(net) -> None:
    """Refuse what is not an nn.Module."""
    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch.nn.Module, got {type(net).__name__}.")


def _check_passes(T) -> int:
    """The number of stochastic passes T as an int >= 1 (NumPy integers accepted)."""
    return check_int(T, "T")  # the number of stochastic passes


def _check_probs(probs, name: str = "probs") -> torch.Tensor:
    """Refuse what is not an (examples, classes) table of probabilities, with a tolerance for its dtype."""
    if not isinstance(probs, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(probs).__name__}.")
    if not probs.is_floating_point():
        raise TypeError(f"{name} must hold floating-point probabilities, got dtype {probs.dtype}.")
    if probs.dim() != 2 or probs.shape[0] == 0 or probs.shape[1] < 2:
        raise ValueError(f"{name} must have shape (examples, classes) with classes >= 2, got {tuple(probs.shape)}.")
    if not torch.isfinite(probs).all() or (probs < 0).any():
        raise ValueError(f"{name} must hold finite, non-negative probabilities.")
    # a row's sum is off by up to about classes x the dtype's rounding step (float16: 1e-3 per entry)
    atol = max(1.1e-4, probs.shape[1] * torch.finfo(probs.dtype).eps)  # 1.1e-4: allclose's before
    sums = probs.sum(1, dtype=torch.float32)
    off = (sums - 1).abs().argmax()
    if (sums[off] - 1).abs() > atol:
        hint = "pass softmax outputs, not logits" if (probs > 1).any() else "normalise each row"
        raise ValueError(f"each row of {name} must sum to 1 ({hint}); row {int(off)} sums to {float(sums[off]):.4g}.")
    return probs


@contextmanager
def dropout_sampling(net: nn.Module) -> Iterator[nn.Module]:
    """Evaluation mode for every module except the dropout layers, which sample; modes restored after."""
    _check_module(net)
    modes = {m: m.training for m in net.modules()}
    if not any(isinstance(m, _DROPOUTS) for m in modes):
        raise ValueError("net has no dropout module (nn.Dropout and kin): MC dropout would repeat one prediction.")
    if not any(isinstance(m, _DROPOUTS) and m.p > 0 for m in modes):
        raise ValueError("every dropout module of net has p = 0: MC dropout would repeat one prediction.")
    try:
        net.eval()
        for m in net.modules():
            if isinstance(m, _DROPOUTS):
                m.train()
        yield net
    finally:
        for m, mode in modes.items():
            m.train(mode)


def _split_at_first_dropout(net: nn.Module) -> tuple[nn.Module, nn.Module]:
    """For an nn.Sequential: (the deterministic layers before the first dropout, the rest)."""
    if isinstance(net, nn.Sequential):
        for i, m in enumerate(net):
            if isinstance(m, _DROPOUTS):
                return net[:i], net[i:]
    return nn.Identity(), net


def mc_dropout_probs(net: nn.Module, X: torch.Tensor, T: int, reuse_prefix: bool = True) -> torch.Tensor:
    """Softmax outputs of T passes with dropout sampling: shape (T, examples, classes).

    With `reuse_prefix` an `nn.Sequential`'s layers before its first dropout module, which give the
    same output on every pass, run once.
    """
    T = _check_passes(T)
    reuse_prefix = check_bool(reuse_prefix, "reuse_prefix")
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a torch.Tensor, got {type(X).__name__}.")
    first = next(iter(net.parameters()), None) if isinstance(net, nn.Module) else None
    if first is not None:
        check_same_device(X=X, net=first)
    with dropout_sampling(net), torch.no_grad():
        prefix, rest = _split_at_first_dropout(net) if reuse_prefix else (nn.Identity(), net)
        H = prefix(X)
        return torch.stack([F.softmax(rest(H), dim=-1) for _ in range(T)])


def mc_predict(net: nn.Module, X: torch.Tensor, T: int, reuse_prefix: bool = True) -> torch.Tensor:
    """MC dropout prediction: the softmax averaged over T passes with dropout sampling, (examples, classes)."""
    return mc_dropout_probs(net, X, T, reuse_prefix).mean(0)


def predictive_entropy(probs: torch.Tensor) -> torch.Tensor:
    """Entropy in nats of each row of a (examples, classes) probability tensor; 0 log 0 counts as 0."""
    probs = _check_probs(probs)
    return -torch.special.xlogy(probs, probs).sum(1)


@dataclass(frozen=True)
class ReliabilityBins:
    """Per confidence bin: mean confidence, accuracy and number of examples (NaN where a bin is empty)."""

    edges: torch.Tensor       # (n_bins + 1,) from 0 to 1
    confidence: torch.Tensor  # (n_bins,)
    accuracy: torch.Tensor    # (n_bins,)
    count: torch.Tensor       # (n_bins,) int64


def reliability_bins(probs: torch.Tensor, y: torch.Tensor, n_bins: int = 15) -> ReliabilityBins:
    """Bin the examples by confidence (top probability) into n_bins equal-width bins (lo, hi] of [0, 1]."""
    probs = _check_probs(probs)
    if not isinstance(y, torch.Tensor) or y.shape != probs.shape[:1] or y.dtype.is_floating_point:
        raise ValueError(f"y must be an integer label tensor of shape ({probs.shape[0]},).")
    if ((y < 0) | (y >= probs.shape[1])).any():
        raise ValueError(f"labels in y must lie in [0, {probs.shape[1] - 1}].")
    n_bins = check_int(n_bins, "n_bins")
    probs, y = probs.detach().cpu().double(), y.cpu()
    confidence, predicted = probs.max(1)
    correct = (predicted == y).double()
    edges = torch.linspace(0.0, 1.0, n_bins + 1, dtype=torch.float64)
    index = (torch.bucketize(confidence, edges, right=False) - 1).clamp(0, n_bins - 1)  # bins (lo, hi]
    count = torch.bincount(index, minlength=n_bins)
    mean_conf = torch.bincount(index, weights=confidence, minlength=n_bins) / count
    mean_acc = torch.bincount(index, weights=correct, minlength=n_bins) / count
    return ReliabilityBins(edges, mean_conf, mean_acc, count)


def expected_calibration_error(probs: torch.Tensor, y: torch.Tensor, n_bins: int = 15) -> float:
    """ECE (Guo et al., 2017): sum over equal-width confidence bins of (share of examples) * |accuracy - confidence|."""
    bins = reliability_bins(probs, y, n_bins)
    used = bins.count > 0
    weights = bins.count[used].double() / bins.count.sum()
    return float((weights * (bins.accuracy[used] - bins.confidence[used]).abs()).sum())


def auroc(negatives: torch.Tensor, positives: torch.Tensor) -> float:
    """Area under the ROC curve of a score that should be higher for `positives`: P(pos > neg) + P(tie) / 2."""
    for name, s in (("negatives", negatives), ("positives", positives)):
        if not isinstance(s, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(s).__name__}.")
        if s.dim() != 1 or s.numel() == 0:
            raise ValueError(f"{name} must be a non-empty 1-d tensor of scores, got shape {tuple(s.shape)}.")
        if not torch.isfinite(s).all():
            raise ValueError(f"{name} must hold finite scores.")
    neg, pos = negatives.detach().cpu().double(), positives.detach().cpu().double()
    ranks = _average_ranks(torch.cat([neg, pos]))  # Mann-Whitney: AUROC = U / (n_neg n_pos)
    n_neg, n_pos = len(neg), len(pos)
    u = ranks[n_neg:].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_neg * n_pos))


def _average_ranks(x: torch.Tensor) -> torch.Tensor:
    """Ranks 1..n of x, ties given the mean of their ranks."""
    values, order = torch.sort(x)
    _, inverse, counts = torch.unique_consecutive(values, return_inverse=True, return_counts=True)
    ends = torch.cumsum(counts, 0).double()
    mean_rank = ends - (counts.double() - 1) / 2  # mean of the ranks end-count+1 ... end
    ranks = torch.empty_like(x)
    ranks[order] = mean_rank[inverse]
    return ranks

"""Counting and evaluation: Accumulator, accuracy, evaluate_accuracy, evaluate_loss (d2l's API)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager

import torch
from torch import nn


class Accumulator:
    """Running sums over `n` variables (d2l's API: add, reset, indexing)."""

    def __init__(self, n: int) -> None:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"Accumulator(n): n must be an int, got {type(n).__name__}.")
        if n < 1:
            raise ValueError(f"Accumulator(n): n must be at least 1, got {n}.")
        self.data = [0.0] * n

    def add(self, *args: float) -> None:
        """Add one value to each of the n sums."""
        if len(args) != len(self.data):
            raise ValueError(f"Accumulator.add() takes {len(self.data)} values, got {len(args)}.")
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self) -> None:
        """Set every sum back to zero."""
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx: int) -> float:
        return self.data[idx]

    def __len__(self) -> int:
        return len(self.data)


def accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> float:
    """Number of correct predictions (not a fraction): argmax of scores, or labels, against y."""
    return float(num_correct(y_hat, y))


def num_correct(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """accuracy() as a 0-d tensor on y's device (no host sync): for loops that sum per batch."""
    if not isinstance(y_hat, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError("accuracy(y_hat, y) takes two tensors.")
    if y_hat.dim() > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(dim=1)
    y_hat = y_hat.reshape(-1)
    y = y.reshape(-1)
    if y_hat.shape != y.shape:
        raise ValueError(
            f"accuracy(): {y_hat.numel()} predictions for {y.numel()} labels; "
            "pass scores of shape (n, classes) or predictions of shape (n,)."
        )
    return (y_hat.to(y.dtype) == y).sum()


@contextmanager
def evaluating(net: nn.Module):
    """Put `net` in eval mode under no_grad, then restore every submodule's previous mode."""
    if not isinstance(net, nn.Module):
        raise TypeError(f"evaluating() takes a torch.nn.Module, got {type(net).__name__}.")
    modes = [(m, m.training) for m in net.modules()]
    net.eval()
    try:
        with torch.no_grad():
            yield net
    finally:
        for module, was_training in modes:
            module.training = was_training


def _check_net(net: Callable) -> None:
    """Reject a model that cannot be called."""
    if not callable(net):
        raise TypeError(f"net must be a model or a function, got {type(net).__name__}.")


def _batches(net: Callable, data_iter: Iterable):
    """Yield (X, y) batches with eval mode and no_grad in force when net is a Module."""
    if isinstance(net, nn.Module):
        with evaluating(net):
            yield from data_iter
    else:
        with torch.no_grad():
            yield from data_iter


def evaluate_accuracy(net: Callable, data_iter: Iterable) -> float:
    """Fraction of correct predictions of `net` over `data_iter` (eval mode, no_grad)."""
    _check_net(net)
    metric = Accumulator(2)  # correct predictions, examples
    for X, y in _batches(net, data_iter):
        metric.add(accuracy(net(X), y), y.numel())
    if metric[1] == 0:
        raise ValueError("evaluate_accuracy(): the data iterator yielded no examples.")
    return metric[0] / metric[1]


def evaluate_loss(net: Callable, data_iter: Iterable, loss: Callable) -> float:
    """Mean loss of `net` per example over `data_iter` (eval mode, no_grad)."""
    _check_net(net)
    if not callable(loss):
        raise TypeError(f"loss must be callable, got {type(loss).__name__}.")
    metric = Accumulator(2)  # sum of losses, number of losses
    for X, y in _batches(net, data_iter):
        out = net(X)
        values = loss(out, y.reshape(out.shape) if y.numel() == out.numel() else y)
        if values.dim() == 0:  # a mean-reduced loss: weight it by the batch size
            metric.add(float(values) * len(y), len(y))
        else:
            metric.add(float(values.sum()), values.numel())
    if metric[1] == 0:
        raise ValueError("evaluate_loss(): the data iterator yielded no examples.")
    return metric[0] / metric[1]

"""Counting and evaluation: Accumulator, accuracy, evaluate_accuracy, evaluate_loss (d2l's API)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import torch
from torch import nn

from .checks import check_int, check_same_device


class Accumulator:
    """Running sums over `n` variables (d2l's API: add, reset, indexing)."""

    def __init__(self, n: int) -> None:
        n = check_int(n, "Accumulator(n): n")
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
    """Number of correct predictions (not a fraction) of scores, probabilities or labels `y_hat` against y.

    How `y_hat` is read: (n, classes >= 2) scores -> their argmax; integer (or integer-valued) values ->
    labels, as in d2l; one column or 1-d of other floats -> P(class 1), predicted 1 above 0.5, against
    labels 0 and 1. Other floats (logits, a regression) are refused, and so are NaN scores.
    """
    correct, nan_rows, readable = count_correct(y_hat, y)
    if int(nan_rows):
        raise ValueError(f"accuracy(): y_hat holds NaN scores in {int(nan_rows)} rows (did training diverge?).")
    if not bool(readable):
        raise ValueError(_UNREADABLE)
    return float(correct)


_UNREADABLE = ("accuracy(): one column (or 1-d) of floats is read as probabilities of class 1 in [0, 1] "
               "against labels 0 and 1, but these are not: pass torch.sigmoid(logits) for a binary "
               "classifier, labels (e.g. (logits > 0).long()), or (n, classes) scores.")


def count_correct(y_hat: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """accuracy()'s count without a host sync: (correct predictions, rows with a NaN score, whether
    y_hat reads as predictions), as 0-d tensors on y's device; a NaN row is never correct."""
    if not isinstance(y_hat, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError("accuracy(y_hat, y) takes two tensors.")
    check_same_device(y_hat=y_hat, y=y)
    scores = y_hat.dim() > 1 and y_hat.shape[1] > 1
    rows = y_hat.shape[0] if y_hat.dim() > 0 else 1
    if y_hat.is_floating_point():
        nan = torch.isnan(y_hat.flatten(1) if y_hat.dim() > 1 else y_hat.reshape(rows, 1)).any(dim=1)
    else:
        nan = torch.zeros(rows, dtype=torch.bool, device=y_hat.device)
    if scores:
        y_hat = y_hat.argmax(dim=1)
    y_hat = y_hat.reshape(-1)
    y = y.reshape(-1)
    if y_hat.shape != y.shape or nan.shape != y.shape:
        raise ValueError(
            f"accuracy(): {y_hat.numel()} predictions for {y.numel()} labels; "
            "pass scores of shape (n, classes) or predictions of shape (n,)."
        )
    readable = torch.ones((), dtype=torch.bool, device=y.device)
    if y_hat.is_floating_point() and not scores:  # labels as floats, or probabilities of class 1
        labels = (y_hat == y_hat.round()) | nan
        probs = ((y_hat >= 0) & (y_hat <= 1)) | nan
        is_labels = labels.all()
        readable = is_labels | (probs.all() & ((y == 0) | (y == 1)).all())
        y_hat = torch.where(is_labels, y_hat, (y_hat > 0.5).to(y_hat.dtype))
    correct = ((y_hat.to(y.dtype) == y) & ~nan).sum()
    return correct, nan.sum(), readable


@contextmanager
def evaluating(net: nn.Module) -> Iterator[nn.Module]:
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
    """Fraction of correct predictions of `net` over `data_iter` (eval mode, no_grad); see accuracy()."""
    _check_net(net)
    correct = nan_rows = unreadable = 0  # 0-d tensors on the data's device after the first batch
    count = 0
    for X, y in _batches(net, data_iter):
        c, n, readable = count_correct(net(X), y)
        correct, nan_rows, unreadable = correct + c, nan_rows + n, unreadable + ~readable
        count += y.numel()
    if count == 0:
        raise ValueError("evaluate_accuracy(): the data iterator yielded no examples.")
    correct, nan_rows, unreadable = torch.stack([correct, nan_rows, unreadable]).tolist()  # one host sync
    if nan_rows:
        raise ValueError(f"evaluate_accuracy(): net gave NaN scores for {nan_rows} of {count} examples "
                         "(did training diverge?).")
    if unreadable:
        raise ValueError(_UNREADABLE.replace("accuracy():", "evaluate_accuracy():"))
    return correct / count


def _wide(t: torch.Tensor) -> torch.Tensor:
    """A detached copy in float64 for summing (float32 on Apple's MPS, which has no float64)."""
    return t.detach().float() if t.device.type == "mps" else t.detach().double()


def evaluate_loss(net: Callable, data_iter: Iterable, loss: Callable) -> float:
    """Mean loss of `net` per example over `data_iter` (eval mode, no_grad)."""
    _check_net(net)
    if not callable(loss):
        raise TypeError(f"loss must be callable, got {type(loss).__name__}.")
    total = 0  # a 0-d tensor on the data's device after the first batch: no host sync per batch
    count = 0
    for X, y in _batches(net, data_iter):
        out = net(X)
        values = loss(out, y.reshape(out.shape) if y.numel() == out.numel() else y)
        if not isinstance(values, torch.Tensor):
            raise TypeError(f"loss must return a tensor, got {type(values).__name__}.")
        if values.dim() == 0:  # a mean-reduced loss: weight it by the batch size
            total = total + _wide(values) * len(y)
            count += len(y)
        else:
            total = total + _wide(values.sum())
            count += values.numel()
    if count == 0:
        raise ValueError("evaluate_loss(): the data iterator yielded no examples.")
    return float(total) / count

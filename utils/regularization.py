"""Regularizers written out: dropout from scratch and the L1 and L2 penalties."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from .checks import check_probability, check_tensor


def dropout_layer(X: torch.Tensor, p: float) -> torch.Tensor:
    """Inverted dropout: zero each element with probability p, scale the kept ones by 1/(1-p).

    The mask comes from torch.rand (uniform on [0, 1)), so an element is kept with probability
    exactly 1 - p. p = 0 returns X unchanged; p = 1 returns zeros.
    """
    check_tensor(X, "X")
    p = check_probability(p, "p")
    if p == 1.0:
        return torch.zeros_like(X)
    if p == 0.0:
        return X
    mask = (torch.rand(X.shape, device=X.device) > p).to(X.dtype)
    return mask * X / (1.0 - p)


def _tensors(params: torch.Tensor | Iterable[torch.Tensor]) -> list[torch.Tensor]:
    """A tensor or an iterable of tensors, as a non-empty list."""
    items = [params] if isinstance(params, torch.Tensor) else list(params)
    if not items:
        raise ValueError("no tensors given: pass a weight tensor or an iterable of them.")
    for i, t in enumerate(items):
        check_tensor(t, f"parameter {i}")
    return items


def l2_penalty(params: torch.Tensor | Iterable[torch.Tensor]) -> torch.Tensor:
    """Half the squared L2 norm, sum of w²/2 (d2l's convention): its gradient is w itself."""
    return sum(t.pow(2).sum() for t in _tensors(params)) / 2


def l1_penalty(params: torch.Tensor | Iterable[torch.Tensor]) -> torch.Tensor:
    """The L1 norm, sum of |w|: its (sub)gradient is sign(w)."""
    return sum(t.abs().sum() for t in _tensors(params))

"""Regularizers written out: dropout from scratch, the L1 and L2 penalties, and weight-decay groups."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

from .checks import check_nonnegative, check_probability, check_tensor


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
    if not isinstance(params, torch.Tensor) and not isinstance(params, Iterable):
        raise TypeError(f"pass a weight tensor or an iterable of them, got {type(params).__name__}.")
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


NO_DECAY_RULES = ("shape", "name")


def _no_decay_rule(no_decay: str | Callable[[str, nn.Parameter], bool]) -> Callable[[str, nn.Parameter], bool]:
    """The predicate (name, parameter) -> True for "do not decay" that `no_decay` names."""
    if callable(no_decay):
        return no_decay
    if no_decay == "shape":
        return lambda name, p: p.ndim <= 1
    if no_decay == "name":
        return lambda name, p: "bias" in name
    if isinstance(no_decay, str):
        raise ValueError(f"no_decay must be one of {NO_DECAY_RULES} or a function (name, parameter) -> bool, "
                         f"got {no_decay!r}.")
    raise TypeError(f"no_decay must be a string or a function (name, parameter) -> bool, "
                    f"got {type(no_decay).__name__}.")


def param_groups(model: nn.Module, weight_decay: float,
                 no_decay: str | Callable[[str, nn.Parameter], bool] = "shape",
                 **options: Any) -> list[dict[str, Any]]:
    """Split a model's trainable parameters into a decayed and a non-decayed group for torch.optim.

    Returns `[{"params": [...], "weight_decay": weight_decay, **options},
    {"params": [...], "weight_decay": 0.0, **options}]`, ready for `torch.optim.SGD(groups, lr=...)`,
    `torch.optim.AdamW(groups, ...)` or any other optimizer; a group that would be empty is left out.

    `no_decay` picks the parameters that are not decayed:
      - "shape" (default): every parameter with at most one dimension, i.e. biases, the scale and
        shift of normalization layers (BatchNorm, LayerNorm, ...) and scalar parameters;
      - "name": every parameter whose name contains "bias" (a common rule; it decays the weights of
        normalization layers, which are named "weight");
      - a function `(name, parameter) -> bool`, True for "do not decay".
    `options` (lr=..., momentum=...) are copied into every group, so groups built separately for
    parts of a model (a base and a head) can be concatenated into one optimizer.

    Frozen parameters (requires_grad=False) are left out of every group: to train one later, unfreeze
    it and pass it to `optimizer.add_param_group`. A parameter shared by several modules (tied
    weights) appears once, under the first name `model.named_parameters()` gives it.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    weight_decay = check_nonnegative(weight_decay, "weight_decay")
    if not math.isfinite(weight_decay):
        raise ValueError(f"weight_decay must be finite, got {weight_decay}.")
    clash = sorted({"params", "weight_decay"} & set(options))
    if clash:
        raise ValueError(f"param_groups() sets {clash} itself: pass weight_decay as the second argument "
                         "and other hyper-parameters (lr=..., momentum=...) as options.")
    rule = _no_decay_rule(no_decay)
    decay: list[nn.Parameter] = []
    keep: list[nn.Parameter] = []
    for name, param in model.named_parameters():  # deduplicates shared parameters
        if not param.requires_grad:
            continue
        verdict = rule(name, param)
        if not isinstance(verdict, bool):
            raise TypeError(f"the no_decay function must return a bool, got {type(verdict).__name__} "
                            f"for parameter {name!r}.")
        (keep if verdict else decay).append(param)
    if not decay and not keep:
        raise ValueError(f"{type(model).__name__} has no trainable parameters (none, or all have "
                         "requires_grad=False): there is nothing to optimize.")
    groups = [{"params": decay, "weight_decay": weight_decay, **options},
              {"params": keep, "weight_decay": 0.0, **options}]
    return [group for group in groups if group["params"]]

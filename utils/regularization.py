"""Regularizers written out: dropout from scratch, the L1 and L2 penalties, and weight-decay groups."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
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


def _answer(rule: Callable[[str, nn.Parameter], bool], name: str, param: nn.Parameter) -> bool:
    """The rule's answer for one name, as a Python bool (a NumPy bool is accepted)."""
    answer = rule(name, param)
    if isinstance(answer, (bool, np.bool_)):
        return bool(answer)
    kind = type(answer)
    raise TypeError(f"the no_decay function must return a bool (Python or NumPy), got "
                    f"{kind.__module__}.{kind.__qualname__} for parameter {name!r}.")


def param_groups(model: nn.Module, weight_decay: float,
                 no_decay: str | Callable[[str, nn.Parameter], bool] = "shape",
                 include_frozen: bool = False, **options: Any) -> list[dict[str, Any]]:
    """Split a model's parameters into a decayed and a non-decayed group for torch.optim.

    Returns `[{"params": [...], "weight_decay": weight_decay, **options},
    {"params": [...], "weight_decay": 0.0, **options}]`, ready for `torch.optim.SGD(groups, lr=...)`,
    `torch.optim.AdamW(groups, ...)` or any other optimizer; a group that would be empty is left out,
    so the result has one or two groups (the decayed one first).

    `no_decay` picks the parameters that are not decayed:
      - "shape" (default): every parameter with at most one dimension, i.e. biases, the scale and
        shift of normalization layers (BatchNorm, LayerNorm, ...) and scalar parameters. Blind spots:
        it *decays* every parameter with two or more dimensions, among them embedding matrices
        (`nn.Embedding.weight`), position embeddings and class tokens, a bias stored as (1, C, 1, 1),
        and the magnitude of `weight_norm` (shape (out, 1)). Where a recipe spares those, say so
        with a function, e.g. `lambda name, p: p.ndim <= 1 or name.startswith("embed")`;
      - "name": every parameter whose name contains "bias" (a common rule; it decays the weights of
        normalization layers, which are named "weight", and spares a module named "debias");
      - a function `(name, parameter) -> bool`, True for "do not decay" (a NumPy bool is accepted).
    `options` (lr=..., momentum=...) are copied into every group, so groups built separately for
    parts of a model (a base and a head) can be concatenated into one optimizer.

    Frozen parameters (requires_grad=False): by default they are left out, and a UserWarning names
    them, since unfreezing them later does not bring them into this optimizer (use
    `optimizer.add_param_group`). With `include_frozen=True` they go into their groups like the
    others: PyTorch's optimizers skip a parameter whose `.grad` is None, so it stays put while frozen
    and trains (and is decayed) once unfrozen.

    A parameter shared by several modules (tied weights) appears once. The rule is asked about each
    of its names (`named_parameters(remove_duplicate=False)`); if the answers differ, a ValueError
    names them all, since the parameter cannot be both decayed and not.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    weight_decay = check_nonnegative(weight_decay, "weight_decay")
    if not math.isfinite(weight_decay):
        raise ValueError(f"weight_decay must be finite, got {weight_decay}.")
    if not isinstance(include_frozen, bool):
        raise TypeError(f"include_frozen must be True or False, got {type(include_frozen).__name__}.")
    clash = sorted({"params", "weight_decay"} & set(options))
    if clash:
        raise ValueError(f"param_groups() sets {clash} itself: pass weight_decay as the second argument "
                         "and other hyper-parameters (lr=..., momentum=...) as options.")
    for option in ("lr", "momentum", "dampening", "eps", "alpha", "lr_decay"):
        if option in options and not isinstance(options[option], torch.Tensor):
            value = check_nonnegative(options[option], option)  # what torch.optim checks only when given lr=...
            if not math.isfinite(value):
                raise ValueError(f"{option} must be finite, got {value}.")
    rule = _no_decay_rule(no_decay)
    names: dict[int, list[str]] = {}
    params: dict[int, nn.Parameter] = {}
    for name, param in model.named_parameters(remove_duplicate=False):  # every name of a tied tensor
        names.setdefault(id(param), []).append(name)
        params.setdefault(id(param), param)
    decay: list[nn.Parameter] = []
    keep: list[nn.Parameter] = []
    frozen: list[str] = []
    for key, param in params.items():
        if not param.requires_grad and not include_frozen:
            frozen.append(names[key][0])
            continue
        answers = {name: _answer(rule, name, param) for name in names[key]}
        if len(set(answers.values())) > 1:
            raise ValueError(f"a shared (tied) parameter has the names {list(answers)} and the no_decay rule "
                             f"answers {list(answers.values())}: make it give one answer for all of them.")
        (keep if next(iter(answers.values())) else decay).append(param)
    if not decay and not keep:
        raise ValueError(f"{type(model).__name__} has no trainable parameters (none, or all have "
                         "requires_grad=False): there is nothing to optimize.")
    if frozen:
        shown = ", ".join(frozen[:5]) + (f" and {len(frozen) - 5} more" if len(frozen) > 5 else "")
        warnings.warn(f"param_groups left out {len(frozen)} frozen parameter(s) ({shown}): unfreezing them "
                      "later will not train them with this optimizer. Pass include_frozen=True to put them "
                      "in their groups now, or add them later with optimizer.add_param_group.",
                      UserWarning, stacklevel=2)
    groups = [{"params": decay, "weight_decay": weight_decay, **options},
              {"params": keep, "weight_decay": 0.0, **options}]
    return [group for group in groups if group["params"]]

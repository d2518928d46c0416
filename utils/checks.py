"""Argument checks shared by the public functions: each raises a clear TypeError or ValueError."""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch


def check_int(value: object, name: str, minimum: int = 1) -> int:
    """Return `value` if it is an int >= minimum, else raise TypeError/ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    return int(value)


def check_optional_int(value: object, name: str, minimum: int = 1) -> int | None:
    """Like check_int, but None passes through."""
    return None if value is None else check_int(value, name, minimum)


def check_probability(p: object, name: str = "p") -> float:
    """Return `p` as a float if it is a number in [0, 1], else raise naming the bad value."""
    if isinstance(p, torch.Tensor) and p.dim() == 0:
        raise TypeError(f"{name} must be a number in [0, 1], got a 0-d tensor: pass {name}.item().")
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1], got {type(p).__name__}.")
    if not 0.0 <= float(p) <= 1.0:  # also rejects NaN
        raise ValueError(
            f"{name} must lie in [0, 1] (it is a probability), got {p}. "
            "In PyTorch's convention p is the probability of dropping a unit."
        )
    return float(p)


def check_nonnegative(value: object, name: str) -> float:
    """Return `value` as a float if it is a real number >= 0, else raise naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}.")
    if not float(value) >= 0.0:
        raise ValueError(f"{name} must be >= 0, got {value}.")
    return float(value)


def check_tensor(value: object, name: str, min_dim: int = 0) -> torch.Tensor:
    """Return `value` if it is a tensor with at least `min_dim` dimensions, else raise."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}.")
    if value.dim() < min_dim:
        raise ValueError(
            f"{name} must have at least {min_dim} dimension(s), got shape {tuple(value.shape)}."
        )
    return value


def check_bool(value: object, name: str) -> bool:
    """Return `value` as a bool if it is one (Python or NumPy), else raise: a string such as 'False' is not."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}.")


def check_finite(value: object, name: str, minimum: float | None = None) -> float:
    """Return `value` as a float if it is a finite real number (>= minimum if given), else raise naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a finite number, got {type(value).__name__}.")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name} must be finite, got {value}.")
    if minimum is not None and float(value) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return float(value)


def check_same_device(**tensors: torch.Tensor) -> None:
    """Refuse tensors that live on different devices, naming each one's device."""
    devices = {name: t.device for name, t in tensors.items()}
    if len(set(devices.values())) > 1:
        where = ", ".join(f"{name} on {device}" for name, device in devices.items())
        raise ValueError(f"the tensors are on different devices ({where}): move them to one device first, "
                         "e.g. with .to(utils.device()).")

"""Models reused across chapters: the d2l dropout MLP and LeNet-5 with a choice of dropout placement."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .checks import check_int, check_nonnegative, check_probability

# Dropout placements compared in the LeNet-5 chapter: (dropout on conv layers, on fully connected).
PLACEMENTS = {"A": (False, False), "B": (False, True), "C": (True, False), "D": (True, True)}


def init_normal(module: nn.Module, std: float = 0.01) -> None:
    """d2l's initialisation for linear layers: weights ~ N(0, std²) (biases keep theirs)."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"init_normal() takes a torch.nn.Module (use net.apply(init_normal)), "
                        f"got {type(module).__name__}.")
    std = check_nonnegative(std, "std")
    if not math.isfinite(std):
        raise ValueError(f"std must be finite, got {std}.")
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, std=std)


def dropout_mlp(num_inputs: int = 784, hiddens: Sequence[int] = (256, 256), num_outputs: int = 10,
                dropouts: Sequence[float] = (0.2, 0.5)) -> nn.Sequential:
    """Flatten, then Linear-ReLU-Dropout per hidden layer, then a Linear output (weights N(0, 0.01))."""
    check_int(num_inputs, "num_inputs")
    check_int(num_outputs, "num_outputs")
    if len(hiddens) != len(dropouts):
        raise ValueError(f"{len(hiddens)} hidden sizes but {len(dropouts)} dropout rates; give one rate per layer.")
    layers: list[nn.Module] = [nn.Flatten()]
    width = num_inputs
    for i, (size, p) in enumerate(zip(hiddens, dropouts)):
        check_int(size, f"hiddens[{i}]")
        layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(check_probability(p, f"dropouts[{i}]"))]
        width = size
    net = nn.Sequential(*layers, nn.Linear(width, num_outputs))
    net.apply(init_normal)
    return net


class LeNet5(nn.Module):
    """LeNet-5 for 32x32 inputs (conv 6@5x5, pool, conv 16@5x5, pool, conv 120@5x5, fc 84, fc 10).

    `placement` picks where dropout goes: "A" none, "B" fully connected only (nn.Dropout),
    "C" conv layers only (nn.Dropout2d, whole channels), "D" both. `predict` runs the same network
    with every dropout skipped, which equals the eval-mode forward.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, placement: str = "A",
                 p: float = 0.5) -> None:
        super().__init__()
        if placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {sorted(PLACEMENTS)}, got {placement!r}.")
        self.placement = placement
        self.p = check_probability(p)
        self.in_channels = check_int(in_channels, "in_channels")
        self.conv_dropout, self.fc_dropout = PLACEMENTS[placement]
        self.conv1 = nn.Conv2d(self.in_channels, 6, kernel_size=5)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.conv3 = nn.Conv2d(16, 120, kernel_size=5)
        self.pool = nn.MaxPool2d(2, stride=2)
        self.fc1 = nn.Linear(120, 84)
        self.fc2 = nn.Linear(84, check_int(num_classes, "num_classes"))
        self.dropout2d = nn.Dropout2d(self.p)
        self.dropout = nn.Dropout(self.p)

    def extra_repr(self) -> str:
        return f"placement={self.placement!r}, p={self.p}"

    def _features(self, x: torch.Tensor, drop: bool) -> torch.Tensor:
        """Convolutional part: three conv+ReLU stages (two pooled), dropout2d after each if `drop`."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"LeNet5 takes a tensor of shape (N, C, 32, 32), got {type(x).__name__}.")
        if x.dim() != 4 or x.shape[1] != self.in_channels or x.shape[-2:] != (32, 32):
            raise ValueError(f"LeNet5 expects inputs of shape (N, {self.in_channels}, 32, 32), "
                             f"got {tuple(x.shape)}.")
        for conv, pool in ((self.conv1, True), (self.conv2, True), (self.conv3, False)):
            x = F.relu(conv(x))
            if drop:
                x = self.dropout2d(x)
            if pool:
                x = self.pool(x)
        return torch.flatten(x, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scores for each class; the dropout layers act only in training mode."""
        x = F.relu(self.fc1(self._features(x, self.conv_dropout)))
        if self.fc_dropout:
            x = self.dropout(x)
        return self.fc2(x)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Scores with no dropout at all, whatever the mode (the source's separate test path)."""
        return self.fc2(F.relu(self.fc1(self._features(x, drop=False))))

"""Several copies of a small fully connected network, trained side by side as one module.

A chapter that repeats a run over seeds can train the copies one after another, or stack them: copy k is
slice [k] of stacked weight tensors, and each layer is one batched matrix product (`torch.baddbmm`) for
all copies. The copies share no parameter entry, and the optimizers of `torch.optim` act on each entry
separately, so training the stack gives the same copies as training each network on its own (tested),
several times faster for networks this small.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .checks import check_int, check_tensor


class StackedNets(nn.Module):
    """Copies of one `Linear -> activation [-> Dropout]` network, run with one batched product per layer.

    `nets` are `nn.Sequential` networks of the same architecture, built of `nn.Linear` layers, one kind
    of element-wise activation module after each of them, and optionally `nn.Dropout` after the hidden
    activations. Their current weights are copied in. The forward pass takes one batch of rows (shared by
    every copy) and returns a tensor of shape (copies, rows, outputs); in training mode every copy draws
    its own dropout mask.
    """

    def __init__(self, nets: Sequence[nn.Sequential]):
        super().__init__()
        if len(nets) == 0:
            raise ValueError("StackedNets needs at least one network")
        layouts = [[type(m) for m in net] for net in nets]
        if any(layout != layouts[0] for layout in layouts):
            raise ValueError("StackedNets needs networks of the same architecture")
        linears = [[m for m in net if isinstance(m, nn.Linear)] for net in nets]
        if not linears[0]:
            raise ValueError("StackedNets needs networks with at least one nn.Linear layer")
        if any(isinstance(m, nn.Linear) and m.bias is None for m in nets[0]):
            raise ValueError("StackedNets needs nn.Linear layers with a bias")
        shapes = [[tuple(m.weight.shape) for m in copy] for copy in linears]
        if any(s != shapes[0] for s in shapes):
            raise ValueError("StackedNets needs networks whose layers have the same shapes")
        others = [m for m in nets[0] if not isinstance(m, (nn.Linear, nn.Dropout))]
        if len(others) != len(linears[0]) or len({type(m) for m in others}) != 1:
            raise ValueError("StackedNets needs one activation of a single kind after every nn.Linear")
        drops = {m.p for m in nets[0] if isinstance(m, nn.Dropout)}
        if len(drops) > 1:
            raise ValueError("StackedNets needs one dropout rate for every hidden layer")
        self.activation: nn.Module = others[0]
        self.p = drops.pop() if drops else 0.0
        n_layers = len(linears[0])
        self.weights = nn.ParameterList(
            nn.Parameter(torch.stack([copy[i].weight.detach().T for copy in linears]))  # (copies, in, out)
            for i in range(n_layers))
        self.biases = nn.ParameterList(
            nn.Parameter(torch.stack([copy[i].bias.detach()[None] for copy in linears]))  # (copies, 1, out)
            for i in range(n_layers))

    @property
    def copies(self) -> int:
        return self.weights[0].shape[0]

    def forward(self, X: torch.Tensor, hidden: list | None = None) -> torch.Tensor:
        """Outputs of shape (copies, rows, outputs); each hidden layer's activations go to `hidden` if given."""
        h = X.expand(self.copies, -1, -1)
        last = len(self.weights) - 1
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            h = self.activation(torch.baddbmm(b, h, W))
            if i < last:
                if hidden is not None:
                    hidden.append(h)
                if self.p > 0:
                    h = F.dropout(h, self.p, self.training)
        return h


def stacked_bce(prob: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of each copy: probabilities (copies, rows, 1) -> losses (copies,)."""
    check_tensor(prob, "prob")
    check_tensor(target, "target")
    if prob.dim() != 3 or prob.shape[-1] != 1:
        raise ValueError("prob must have shape (copies, rows, 1), the output of a StackedNets; "
                         f"got {tuple(prob.shape)}.")
    if target.shape[-2:] != prob.shape[-2:]:
        raise ValueError(f"target must have shape (rows, 1) = {tuple(prob.shape[-2:])}, got {tuple(target.shape)}.")
    return F.binary_cross_entropy(prob, target.expand_as(prob), reduction="none").mean(dim=(1, 2))


def train_stacked(stack: StackedNets, optimizer: torch.optim.Optimizer, steps: int, X: torch.Tensor,
                  y: torch.Tensor, loss_fn: Callable = stacked_bce,
                  penalty: Callable[[], torch.Tensor | float] | None = None) -> StackedNets:
    """Full-batch training of every copy on (X, y) for `steps` steps; returns the stack in evaluation mode.

    The copies' losses are summed, so each copy gets the gradient of its own loss; `penalty()` is added to
    that sum at every step.
    """
    if not isinstance(stack, StackedNets):
        raise TypeError(f"stack must be a StackedNets, got {type(stack).__name__}.")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError("optimizer must be a torch.optim.Optimizer over stack.parameters(), "
                        f"got {type(optimizer).__name__}.")
    steps = check_int(steps, "steps")
    stack.train()
    for _ in range(steps):
        loss = loss_fn(stack(X), y).sum()
        if penalty is not None:
            loss = loss + penalty()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return stack.eval()

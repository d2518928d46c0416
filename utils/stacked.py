"""Several copies of a small fully connected network, trained side by side as one module.

A chapter that repeats a run over seeds can train the copies one after another, or stack them: copy k is
slice [k] of stacked weight tensors, and each layer is one batched matrix product (`torch.baddbmm`) for
all copies. The copies share no parameter entry, and the optimizers of `torch.optim` act on each entry
separately, so training the stack gives the same copies as training each network on its own (tested),
several times faster for networks this small.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .checks import check_int, check_same_device, check_tensor

_EXPECTED = ("StackedNets represents `Linear -> activation [-> Dropout]` per hidden layer, then "
             "`Linear -> activation`")


def _layout(nets: Sequence[nn.Sequential]) -> tuple[list[list[nn.Linear]], nn.Module, float]:
    """Check that the networks are copies StackedNets can represent; return (linears per copy, activation, p)."""
    if isinstance(nets, nn.Module) or not isinstance(nets, Sequence):
        raise TypeError(f"nets must be a list of nn.Sequential networks, got {type(nets).__name__}: "
                        "for one network pass [net].")
    if len(nets) == 0:
        raise ValueError("StackedNets needs at least one network")
    for k, net in enumerate(nets):
        if not isinstance(net, nn.Sequential):
            raise TypeError(f"nets[{k}] must be an nn.Sequential, got {type(net).__name__}.")
    layouts = [[type(m) for m in net] for net in nets]
    if any(layout != layouts[0] for layout in layouts):
        raise ValueError("StackedNets needs networks of the same architecture")
    modules = list(nets[0])
    linears = [[m for m in net if isinstance(m, nn.Linear)] for net in nets]
    if not linears[0]:
        raise ValueError("StackedNets needs networks with at least one nn.Linear layer")
    if any(m.bias is None for m in linears[0]):
        raise ValueError("StackedNets needs nn.Linear layers with a bias")
    shapes = [[tuple(m.weight.shape) for m in copy] for copy in linears]
    if any(s != shapes[0] for s in shapes):
        raise ValueError("StackedNets needs networks whose layers have the same shapes")
    kinds = "".join("L" if isinstance(m, nn.Linear) else "D" if type(m) is nn.Dropout else "A" for m in modules)
    if not re.fullmatch(r"(LAD?)*LA", kinds):
        if kinds.endswith("D"):
            raise ValueError(f"{_EXPECTED}: a Dropout after the output activation cannot be represented.")
        raise ValueError(f"{_EXPECTED}; got {' -> '.join(type(m).__name__ for m in modules)}.")
    if "D" in kinds and kinds.count("D") != kinds.count("L") - 1:
        raise ValueError(f"{_EXPECTED}: with dropout, put one nn.Dropout after every hidden layer's activation.")
    activations = [m for net in nets for m in net if not isinstance(m, (nn.Linear, nn.Dropout))]
    for m in activations:
        if isinstance(m, nn.modules.dropout._DropoutNd):
            raise ValueError(f"{_EXPECTED}: {type(m).__name__} cannot be represented (only nn.Dropout).")
        if any(True for _ in m.parameters()) or any(True for _ in m.buffers()):
            raise ValueError(f"StackedNets cannot represent an activation with parameters or buffers "
                             f"({type(m).__name__}): every copy and layer would share the first one's.")
    if len({repr(m) for m in activations}) > 1:
        raise ValueError("StackedNets needs one activation with the same settings after every layer of every "
                         f"copy; got {sorted({repr(m) for m in activations})}.")
    rates = {m.p for net in nets for m in net if type(m) is nn.Dropout}
    if len(rates) > 1:
        raise ValueError("StackedNets needs one dropout rate for every hidden layer of every copy; "
                         f"got {sorted(rates)}.")
    return linears, activations[0], rates.pop() if rates else 0.0


class StackedNets(nn.Module):
    """Copies of one `Linear -> activation [-> Dropout]` network, run with one batched product per layer.

    `nets` are `nn.Sequential` networks of the same architecture: `nn.Linear` layers, each followed by
    the same parameter-free element-wise activation (same settings everywhere), and optionally one
    `nn.Dropout` after every hidden activation, at one rate for all layers and copies. Anything else is
    refused, since the stack would compute something else. Their current weights are copied in. The
    forward pass takes one batch of rows (shared by every copy) and returns a tensor of shape
    (copies, rows, outputs); in training mode every copy draws its own dropout mask.
    """

    def __init__(self, nets: Sequence[nn.Sequential]):
        super().__init__()
        linears, activation, p = _layout(nets)
        self.activation: nn.Module = activation
        self.p = p
        n_layers = len(linears[0])
        self.weights = nn.ParameterList(
            nn.Parameter(torch.stack([copy[i].weight.detach().T for copy in linears]))  # (copies, in, out)
            for i in range(n_layers))
        self.biases = nn.ParameterList(
            nn.Parameter(torch.stack([copy[i].bias.detach()[None] for copy in linears]))  # (copies, 1, out)
            for i in range(n_layers))

    @property
    def copies(self) -> int:
        """The number of stacked copies."""
        return self.weights[0].shape[0]

    def forward(self, X: torch.Tensor, hidden: list | None = None) -> torch.Tensor:
        """Outputs of shape (copies, rows, outputs); each hidden layer's activations go to `hidden` if given."""
        width = self.weights[0].shape[1]
        if not isinstance(X, torch.Tensor) or X.dim() != 2 or X.shape[1] != width:
            got = tuple(X.shape) if isinstance(X, torch.Tensor) else type(X).__name__
            raise ValueError(f"StackedNets takes one batch of shape (rows, {width}), shared by every copy; got {got}.")
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
    check_same_device(prob=prob, target=target)
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
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    missing = [name for name, p in stack.named_parameters() if id(p) not in held]
    if missing:
        raise ValueError(f"the optimizer does not hold the stack's {', '.join(missing)}: build it over "
                         "stack.parameters() (or groups of stack.weights and stack.biases).")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}.")
    check_same_device(X=check_tensor(X, "X"), y=check_tensor(y, "y"), stack=stack.weights[0])
    if penalty is not None and not callable(penalty):
        raise TypeError(f"penalty must be None or a function penalty() -> tensor, got {type(penalty).__name__}.")
    stack.train()
    for _ in range(steps):
        loss = loss_fn(stack(X), y).sum()
        if penalty is not None:
            loss = loss + penalty()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return stack.eval()

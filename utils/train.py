"""Training loops: one epoch (d2l's train_epoch_ch3) and a fit loop with Animator curves."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn

from .checks import check_bool, check_int
from .metrics import count_correct, evaluate_accuracy
from .plot import Animator
from .runtime import Timer


def train_epoch(net: Callable, train_iter: Iterable, loss: Callable,
                updater: torch.optim.Optimizer | Callable[[int], None]) -> tuple[float, float]:
    """Train for one pass over `train_iter`; return (mean training loss, training accuracy).

    `updater` is a torch.optim.Optimizer (the loss is averaged before backward) or a function
    updater(batch_size) for from-scratch SGD (the loss is summed, as in d2l). The accuracy follows
    `accuracy()`'s rule; it is NaN where the outputs are not class predictions (a regression), and a
    row with a NaN score is never correct.
    """
    _check_training(net, loss, updater)
    is_optimizer = isinstance(updater, torch.optim.Optimizer)
    if isinstance(net, nn.Module):
        net.train()
    total_loss = total_correct = unreadable = 0.0
    count = 0
    for X, y in train_iter:
        y_hat = net(X)
        values = loss(y_hat, y)
        if not isinstance(values, torch.Tensor):
            raise TypeError(f"loss must return a tensor, got {type(values).__name__}.")
        if values.dim() == 0:  # a mean-reduced loss
            values = values.expand(len(y))
        if is_optimizer:
            updater.zero_grad(set_to_none=True)
            values.mean().backward()
            updater.step()
        else:
            values.sum().backward()
            updater(X.shape[0])
        with torch.no_grad():  # keep the sums on the device: no sync per batch
            correct, _, readable = count_correct(y_hat, y)  # same rule as accuracy(); NaN rows count 0
            total_loss = total_loss + values.detach().sum()
            total_correct = total_correct + correct
            unreadable = unreadable + ~readable
        count += len(y)
    if count == 0:
        raise ValueError("train_epoch(): the data iterator yielded no examples.")
    accuracy = float("nan") if bool(unreadable) else float(total_correct) / count
    return float(total_loss) / count, accuracy


def _check_training(net: Callable, loss: Callable, updater: object) -> None:
    """Refuse a model, loss or updater that cannot train, before the first step."""
    if not callable(net):
        raise TypeError(f"net must be a model or a function, got {type(net).__name__}.")
    if not callable(loss):
        raise TypeError(f"loss must be callable, got {type(loss).__name__}.")
    if isinstance(updater, torch.optim.Optimizer):
        params = list(net.parameters()) if isinstance(net, nn.Module) else []
        if params:  # a Module that registers its parameters (else it may keep them as plain tensors)
            held = {id(p) for group in updater.param_groups for p in group["params"]}
            if not any(id(p) in held for p in params):
                raise ValueError("the optimizer holds none of net's parameters, so training would change "
                                 "nothing: build it over net.parameters().")
    elif not callable(updater):
        raise TypeError("updater must be a torch.optim.Optimizer or a function updater(batch_size).")


@dataclass
class History:
    """Per-epoch records of a fit: epochs, losses, accuracies (None where not evaluated), seconds."""

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float | None] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    train_eval_acc: list[float | None] = field(default_factory=list)  # eval mode; see fit()

    def best(self, name: str) -> float:
        """The highest recorded value of 'train_acc', 'test_acc' or 'train_eval_acc'."""
        if name not in ("train_acc", "test_acc", "train_eval_acc"):
            raise ValueError(
                f"History.best() takes 'train_acc', 'test_acc' or 'train_eval_acc', got {name!r}.")
        values = [v for v in getattr(self, name) if v is not None]
        if not values:
            raise ValueError(f"History.best(): no {name} recorded.")
        return max(values)


def fit(net: nn.Module, train_iter: Iterable, test_iter: Iterable, loss: Callable, num_epochs: int,
        updater: torch.optim.Optimizer | Callable[[int], None], scheduler: object | None = None,
        eval_every: int = 1, ylim: tuple[float, float] = (0.3, 0.9), animator: Animator | None = None,
        train_eval_iter: Iterable | None = None, plot: bool = True, redraw_every: int = 1,
        on_epoch: Callable[[int, History], None] | None = None) -> History:
    """Train for `num_epochs`, plotting train loss, train accuracy and test accuracy (d2l's train_ch3).

    Test accuracy is measured every `eval_every` epochs and after the last one; `scheduler`, if
    given, steps once per epoch. `train_acc` is the running accuracy of the training passes (train
    mode, so with dropout active). With `train_eval_iter` (e.g. the training set, unshuffled), the
    accuracy on it is also measured in eval mode at the same epochs as the test accuracy, into
    `History.train_eval_acc`, and plotted as a fourth curve (an `animator` passed in then receives
    four values per epoch). Returns the History; the curves stay in `animator`.

    For long runs: `redraw_every=k` redraws the figure of the Animator that fit creates only every k
    epochs (and after the last one); `plot=False` draws and prints nothing (`History.animator` is then
    None); `on_epoch(epoch, history)`, if given, is called after each epoch's record, e.g. to print an
    estimate of the run's duration from its first epochs.
    """
    num_epochs = check_int(num_epochs, "num_epochs")
    eval_every = check_int(eval_every, "eval_every")
    redraw_every = check_int(redraw_every, "redraw_every")
    plot = check_bool(plot, "plot")
    _check_training(net, loss, updater)  # every check here comes before the first step
    for name, batches in (("train_iter", train_iter), ("test_iter", test_iter)):
        if not isinstance(batches, Iterable):
            raise TypeError(f"{name} must be an iterable of (X, y) batches, e.g. a TensorLoader.")
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError("scheduler must be None or have a step() method (e.g. torch.optim.lr_scheduler.StepLR), "
                        f"got {scheduler!r}.")
    if train_eval_iter is not None and not isinstance(train_eval_iter, Iterable):
        raise TypeError("train_eval_iter must be an iterable of (X, y) batches, e.g. a TensorLoader.")
    if on_epoch is not None and not callable(on_epoch):
        raise TypeError(f"on_epoch must be a function on_epoch(epoch, history), got {type(on_epoch).__name__}.")
    if not plot:
        if animator is not None:
            raise ValueError("fit(): plot=False draws nothing, so pass no animator with it.")
    elif animator is None:
        legend = ["train loss", "train acc", "test acc"]
        if train_eval_iter is not None:
            legend.append("train acc (eval mode)")
        animator = Animator(xlabel="epoch", xlim=[1, num_epochs], ylim=ylim, legend=legend,
                            redraw_every=redraw_every)
    history = History()
    timer = Timer()
    for epoch in range(1, num_epochs + 1):
        timer.start()
        train_loss, train_acc = train_epoch(net, train_iter, loss, updater)
        history.seconds.append(timer.stop())
        if scheduler is not None:
            scheduler.step()
        evaluate = epoch % eval_every == 0 or epoch == num_epochs
        test_acc = evaluate_accuracy(net, test_iter) if evaluate else None
        measured = evaluate and train_eval_iter is not None
        train_eval_acc = evaluate_accuracy(net, train_eval_iter) if measured else None
        history.epoch.append(epoch)
        history.train_loss.append(train_loss)
        history.train_acc.append(train_acc)
        history.test_acc.append(test_acc)
        history.train_eval_acc.append(train_eval_acc)
        if animator is not None:
            point = (train_loss, train_acc, test_acc)
            animator.add(epoch, point if train_eval_iter is None else (*point, train_eval_acc))
        if on_epoch is not None:
            on_epoch(epoch, history)
    if animator is not None:
        animator.flush()  # the last epochs, if they fell between two redraws
    history.animator = animator
    return history

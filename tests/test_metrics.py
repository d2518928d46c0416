"""utils.metrics: Accumulator and accuracy against d2l 1.0.3's; evaluate_accuracy, evaluate_loss."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from utils.loader import TensorLoader
from utils.metrics import Accumulator, accuracy, evaluate_accuracy, evaluate_loss, evaluating


@pytest.fixture(scope="module")
def d2l():
    """d2l 1.0.3's PyTorch module (slow to import: once per module)."""
    from d2l import torch as d2l_torch

    return d2l_torch


# --- Accumulator ------------------------------------------------------------------------------

def test_accumulator_matches_d2l(d2l):
    ours, theirs = Accumulator(3), d2l.Accumulator(3)
    for args in [(1, 2.5, torch.tensor(3.0)), (0.25, -1, 7), (torch.tensor(2), 0, 1e-3)]:
        ours.add(*args)
        theirs.add(*args)
    assert [ours[i] for i in range(3)] == [theirs[i] for i in range(3)]
    assert all(isinstance(ours[i], float) for i in range(3))
    assert len(ours) == 3
    ours.reset()
    theirs.reset()
    assert ours.data == theirs.data == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("n, error", [(0, ValueError), (-2, ValueError), (2.0, TypeError),
                                      ("2", TypeError), (True, TypeError), (None, TypeError)])
def test_accumulator_rejects_bad_sizes(n, error):
    with pytest.raises(error, match="Accumulator"):
        Accumulator(n)


def test_accumulator_add_needs_one_value_per_sum():
    acc = Accumulator(2)
    with pytest.raises(ValueError, match="takes 2 values, got 1"):
        acc.add(1.0)
    with pytest.raises(ValueError, match="takes 2 values, got 3"):
        acc.add(1.0, 2.0, 3.0)
    with pytest.raises((TypeError, ValueError)):
        acc.add("a", 1)
    assert acc.data == [0.0, 0.0]  # a rejected add changes nothing


# --- accuracy ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["scores", "labels", "float labels", "column labels"])
def test_accuracy_matches_d2l(d2l, case):
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 5, (50,), generator=g)
    scores = torch.randn(50, 5, generator=g)
    y_hat = {"scores": scores, "labels": scores.argmax(1), "float labels": scores.argmax(1).float(),
             "column labels": scores.argmax(1)}[case]
    if case == "float labels":
        y = y.float()
    if case == "column labels":  # d2l broadcasts (n, 1) against (n,); compare with matching shapes
        y_hat, y = y_hat.reshape(-1, 1), y.reshape(-1, 1)
    got = accuracy(y_hat, y)
    assert isinstance(got, float)
    assert got == d2l.accuracy(y_hat, y)
    assert got == float((scores.argmax(1) == y.reshape(-1).long()).sum())


def test_accuracy_counts_known_predictions():
    scores = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    assert accuracy(scores, torch.tensor([0, 1, 1, 1])) == 3.0
    assert accuracy(torch.tensor([1, 1, 0]), torch.tensor([1, 0, 0])) == 2.0
    assert accuracy(torch.empty(0, 3), torch.empty(0, dtype=torch.long)) == 0.0


def test_accuracy_rejects_bad_inputs():
    with pytest.raises(TypeError, match="two tensors"):
        accuracy([0, 1], torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="two tensors"):
        accuracy(torch.tensor([0, 1]), [0, 1])
    with pytest.raises(ValueError, match="3 predictions for 2 labels"):
        accuracy(torch.randn(3, 4), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="predictions"):
        accuracy(torch.randn(4, 1), torch.tensor([0, 1]))


# --- evaluate_accuracy, evaluate_loss ---------------------------------------------------------

class Recorder(nn.Module):
    """Predicts the first feature as the class score; records the modes in force during forward."""

    def __init__(self) -> None:
        super().__init__()
        self.inner = nn.Identity()
        self.seen: list[tuple[bool, bool, bool]] = []

    def forward(self, X):
        self.seen.append((self.training, self.inner.training, torch.is_grad_enabled()))
        return self.inner(X)


def _known_data():
    # scores: rows 0-2 predict class 0, rows 3-5 class 1; labels make 4 of 6 right
    X = torch.tensor([[2.0, 1.0], [3.0, 0.0], [1.0, 0.5], [0.0, 1.0], [0.2, 0.9], [0.1, 0.3]])
    y = torch.tensor([0, 0, 1, 1, 0, 1])
    return X, y


def test_evaluate_accuracy_on_a_known_model():
    X, y = _known_data()
    net = Recorder()
    assert evaluate_accuracy(net, TensorLoader(X, y, batch_size=4)) == pytest.approx(4 / 6)
    assert evaluate_accuracy(net, [(X[:1], y[:1])]) == 1.0


def test_evaluate_loss_on_a_known_model():
    X, y = _known_data()
    expected = nn.functional.cross_entropy(X, y).item()
    loader = TensorLoader(X, y, batch_size=4)  # batches of 4 and 2: the mean is weighted by size
    assert evaluate_loss(Recorder(), loader, nn.CrossEntropyLoss()) == pytest.approx(expected)
    assert evaluate_loss(Recorder(), loader, nn.CrossEntropyLoss(reduction="none")) == pytest.approx(expected)
    # regression: outputs (n, 1) against targets (n,) are compared element by element
    lin = nn.Linear(2, 1)
    target = torch.arange(6.0)
    want = ((lin(X).detach().reshape(-1) - target) ** 2).mean().item()
    got = evaluate_loss(lin, TensorLoader(X, target, batch_size=4), nn.MSELoss())
    assert got == pytest.approx(want)


@pytest.mark.parametrize("evaluate", ["accuracy", "loss"])
def test_eval_mode_and_no_grad_inside_previous_modes_restored(evaluate):
    X, y = _known_data()
    net = Recorder()
    net.train()
    net.inner.eval()  # a submodule deliberately left in eval while the parent trains
    run = {"accuracy": lambda: evaluate_accuracy(net, [(X, y), (X, y)]),
           "loss": lambda: evaluate_loss(net, [(X, y), (X, y)], nn.CrossEntropyLoss())}[evaluate]
    with torch.enable_grad():
        run()
        assert torch.is_grad_enabled()
    assert net.seen == [(False, False, False)] * 2  # eval and no_grad for every batch
    assert net.training is True and net.inner.training is False  # each module's own mode back

    net.eval()
    net.seen.clear()
    run()
    assert net.training is False and net.inner.training is False


def test_modes_restored_when_the_model_fails():
    class Failing(Recorder):
        def forward(self, X):
            super().forward(X)
            raise RuntimeError("boom")

    net = Failing().train()
    with pytest.raises(RuntimeError, match="boom"):
        evaluate_accuracy(net, [_known_data()])
    assert net.training and net.inner.training and torch.is_grad_enabled()
    with evaluating(net):
        assert not net.training and not torch.is_grad_enabled()
    assert net.training


def test_plain_functions_are_evaluated_under_no_grad():
    X, y = _known_data()
    grad_modes = []

    def net(inputs):
        grad_modes.append(torch.is_grad_enabled())
        return inputs

    assert evaluate_accuracy(net, [(X, y)]) == pytest.approx(4 / 6)
    assert evaluate_loss(net, [(X, y)], nn.CrossEntropyLoss()) == pytest.approx(
        nn.functional.cross_entropy(X, y).item())
    assert grad_modes == [False, False]
    assert torch.is_grad_enabled()


def test_empty_iterator_is_an_error():
    with pytest.raises(ValueError, match="no examples"):
        evaluate_accuracy(Recorder(), [])
    with pytest.raises(ValueError, match="no examples"):
        evaluate_loss(Recorder(), iter([]), nn.CrossEntropyLoss())


def test_bad_models_and_losses_are_rejected():
    X, y = _known_data()
    with pytest.raises(TypeError, match="net must be"):
        evaluate_accuracy("model", [(X, y)])
    with pytest.raises(TypeError, match="net must be"):
        evaluate_loss(None, [(X, y)], nn.CrossEntropyLoss())
    with pytest.raises(TypeError, match="loss must be callable"):
        evaluate_loss(Recorder(), [(X, y)], "cross entropy")

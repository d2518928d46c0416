"""utils.train: train_epoch with an optimizer and a from-scratch updater; fit and its History."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from utils.loader import TensorLoader
from utils.plot import Animator
from utils.train import History, fit, train_epoch


def _separable(n=200, seed=0):
    """Two Gaussian blobs, far apart: a linear model separates them."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    X = torch.randn(n, 2, generator=g) * 0.5 + (y.float() * 2 - 1).unsqueeze(1) * torch.tensor([2.0, 1.0])
    return X, y


def _model(seed=0):
    torch.manual_seed(seed)
    net = nn.Linear(2, 2)
    nn.init.zeros_(net.weight)
    nn.init.zeros_(net.bias)  # starts at chance: accuracy 0.5 or so
    return net


def _loader(seed=0):
    X, y = _separable()
    return TensorLoader(X, y, batch_size=32, shuffle=True, seed=seed)


def test_train_epoch_with_an_optimizer():
    net, loader = _model(), _loader()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    results = [train_epoch(net, loader, nn.CrossEntropyLoss(), optimizer) for _ in range(4)]
    losses, accs = zip(*results)
    assert all(isinstance(v, float) for v in losses + accs)
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert accs[-1] > 0.95 and accs[-1] >= accs[0]
    assert 0 <= min(accs) and max(accs) <= 1


def test_train_epoch_with_a_from_scratch_updater():
    net, loader = _model(), _loader()
    sizes = []

    def sgd(batch_size):  # d2l's sgd: the loss was summed, so divide by the batch size
        sizes.append(batch_size)
        with torch.no_grad():
            for p in net.parameters():
                p -= 0.1 * p.grad / batch_size
                p.grad.zero_()

    loss = nn.CrossEntropyLoss(reduction="none")
    first = train_epoch(net, loader, loss, sgd)
    for _ in range(3):
        last = train_epoch(net, loader, loss, sgd)
    assert last[0] < first[0] and last[1] > 0.95
    assert sizes[:7] == [32] * 6 + [8]  # 200 examples in batches of 32


def test_optimizer_and_from_scratch_agree():
    """A mean loss with SGD(lr) and a summed loss with updater(batch_size) take the same steps."""
    X, y = _separable()
    a, b = _model(), _model()
    opt = torch.optim.SGD(a.parameters(), lr=0.3)

    def sgd(batch_size):
        with torch.no_grad():
            for p in b.parameters():
                p -= 0.3 * p.grad / batch_size
                p.grad.zero_()

    ra = train_epoch(a, TensorLoader(X, y, batch_size=50), nn.CrossEntropyLoss(), opt)
    rb = train_epoch(b, TensorLoader(X, y, batch_size=50), nn.CrossEntropyLoss(reduction="none"), sgd)
    assert ra == pytest.approx(rb)
    assert torch.allclose(a.weight, b.weight, atol=1e-6)


def test_train_epoch_puts_the_model_in_train_mode():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)).eval()
    modes = []
    net.register_forward_pre_hook(lambda module, args: modes.append(module.training))
    train_epoch(net, _loader(), nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.1))
    assert modes and all(modes)


def test_train_epoch_accuracy_for_column_targets():
    """Targets of shape (n, 1) count like accuracy() does (no broadcasting to (n, n))."""
    X = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    y = torch.tensor([[1.0], [2.0], [0.0], [4.0]])
    net = nn.Linear(1, 1)
    with torch.no_grad():
        net.weight.fill_(1.0)
        net.bias.zero_()

    def no_update(batch_size):
        net.zero_grad()

    loss, acc = train_epoch(net, [(X, y)], nn.MSELoss(reduction="none"), no_update)
    assert acc == 0.75 and loss == pytest.approx(9 / 4)


def test_train_epoch_bad_arguments():
    net, loader = _model(), _loader()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="updater must be"):
        train_epoch(net, loader, nn.CrossEntropyLoss(), "sgd")
    with pytest.raises(TypeError, match="updater must be"):
        train_epoch(net, loader, nn.CrossEntropyLoss(), None)
    with pytest.raises(TypeError, match="loss must be callable"):
        train_epoch(net, loader, 0.5, opt)
    with pytest.raises(TypeError, match="loss must return a tensor"):
        train_epoch(net, loader, lambda y_hat, y: 0.5, opt)
    with pytest.raises(ValueError, match="no examples"):
        train_epoch(net, [], nn.CrossEntropyLoss(), opt)


# --- fit --------------------------------------------------------------------------------------

def test_fit_history_and_curves(capsys):
    X, y = _separable()
    Xt, yt = _separable(seed=1)
    net = _model()
    history = fit(net, _loader(), TensorLoader(Xt, yt, batch_size=64), nn.CrossEntropyLoss(), 3,
                  torch.optim.SGD(net.parameters(), lr=0.1))
    assert isinstance(history, History)
    assert history.epoch == [1, 2, 3]
    for name in ("train_loss", "train_acc", "test_acc", "seconds"):
        assert len(getattr(history, name)) == 3, name
    assert all(v is not None and 0 <= v <= 1 for v in history.test_acc)
    assert history.test_acc[-1] > 0.95 and history.train_loss[-1] < history.train_loss[0]
    assert all(s > 0 for s in history.seconds)
    assert history.best("test_acc") == max(history.test_acc)
    assert history.best("train_acc") == max(history.train_acc)
    lines = capsys.readouterr().out.splitlines()  # outside Jupyter: one line per epoch
    assert len(lines) == 3 and lines[0].startswith("epoch 1: train loss ")
    assert "test acc" in lines[-1]
    anim = history.animator
    assert anim.X[0] == [1.0, 2.0, 3.0] and anim.Y[2] == pytest.approx(history.test_acc)


def test_fit_eval_every_and_the_last_epoch():
    X, y = _separable()
    evaluated = []

    class Counting(nn.Linear):
        def forward(self, x):
            if not self.training:
                evaluated.append(len(x))
            return super().forward(x)

    torch.manual_seed(0)
    net = Counting(2, 2)
    history = fit(net, _loader(), TensorLoader(X, y, batch_size=200), nn.CrossEntropyLoss(), 5,
                  torch.optim.SGD(net.parameters(), lr=0.1), eval_every=2)
    assert [v is not None for v in history.test_acc] == [False, True, False, True, True]
    assert evaluated == [200, 200, 200]
    assert history.best("test_acc") == max(v for v in history.test_acc if v is not None)


def test_fit_steps_the_scheduler_once_per_epoch():
    net = _model()
    opt = torch.optim.SGD(net.parameters(), lr=0.8)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    X, y = _separable()
    fit(net, _loader(), TensorLoader(X, y, batch_size=100), nn.CrossEntropyLoss(), 3, opt,
        scheduler=scheduler)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
    assert scheduler.last_epoch == 3


def test_fit_uses_the_animator_given(capsys):
    anim = Animator(legend=["loss", "acc", "test"])
    X, y = _separable()
    net = _model()
    history = fit(net, _loader(), TensorLoader(X, y, batch_size=100), nn.CrossEntropyLoss(), 2,
                  torch.optim.SGD(net.parameters(), lr=0.1), animator=anim)
    assert history.animator is anim and anim.X[0] == [1.0, 2.0]
    assert capsys.readouterr().out.splitlines()[0].startswith("x 1: loss ")


def test_fit_redraw_every_plot_false_and_on_epoch(capsys):
    X, y = _separable()
    test_iter = TensorLoader(X, y, batch_size=100)
    net = _model()
    history = fit(net, _loader(), test_iter, nn.CrossEntropyLoss(), 5,
                  torch.optim.SGD(net.parameters(), lr=0.1), redraw_every=2)
    lines = capsys.readouterr().out.splitlines()  # epochs 2 and 4, then the last one by flush()
    assert [line.split(":")[0] for line in lines] == ["epoch 2", "epoch 4", "epoch 5"]
    assert history.animator.X[0] == [1.0, 2.0, 3.0, 4.0, 5.0]  # every epoch is still recorded
    seen = []
    net = _model()
    quiet = fit(net, _loader(), test_iter, nn.CrossEntropyLoss(), 3, torch.optim.SGD(net.parameters(), lr=0.1),
                plot=False, on_epoch=lambda epoch, h: seen.append((epoch, len(h.epoch))))
    assert capsys.readouterr().out == "" and quiet.animator is None
    assert seen == [(1, 1), (2, 2), (3, 3)]  # called after each epoch's record
    assert quiet.test_acc[-1] > 0.95
    with pytest.raises(ValueError, match="plot=False"):
        fit(net, _loader(), test_iter, nn.CrossEntropyLoss(), 1, torch.optim.SGD(net.parameters(), lr=0.1),
            plot=False, animator=Animator())


@pytest.mark.parametrize("kwargs, error, message", [
    ({"num_epochs": 0}, ValueError, "num_epochs"), ({"num_epochs": 2.0}, TypeError, "num_epochs"),
    ({"eval_every": 0}, ValueError, "eval_every"), ({"eval_every": "1"}, TypeError, "eval_every"),
    ({"updater": "sgd"}, TypeError, "updater"), ({"loss": None}, TypeError, "loss"),
    ({"redraw_every": 0}, ValueError, "redraw_every"), ({"on_epoch": 3}, TypeError, "on_epoch"),
])
def test_fit_bad_arguments(kwargs, error, message):
    net = _model()
    X, y = _separable()
    args = {"net": net, "train_iter": _loader(), "test_iter": TensorLoader(X, y, batch_size=100),
            "loss": nn.CrossEntropyLoss(), "num_epochs": 1,
            "updater": torch.optim.SGD(net.parameters(), lr=0.1)}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        fit(**args)


def test_history_best_checks_its_argument():
    history = History(epoch=[1, 2], train_loss=[0.9, 0.5], train_acc=[0.6, 0.7], test_acc=[None, 0.65])
    assert history.best("test_acc") == 0.65 and history.best("train_acc") == 0.7
    with pytest.raises(ValueError, match="test_acc"):
        history.best("train_loss")  # a loss has no "best" as the highest value
    with pytest.raises(ValueError):
        history.best("accuracy")
    with pytest.raises(ValueError, match="no test_acc recorded"):
        History(epoch=[1], test_acc=[None]).best("test_acc")

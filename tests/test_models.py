"""LeNet5 (utils.models): shapes, parameter count, where each placement drops, predict, bad inputs;
and fit()'s eval-mode training accuracy (train_eval_iter), which the LeNet-5 chapter uses."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from utils import PLACEMENTS, LeNet5, TensorLoader, evaluate_accuracy, fit


def make(placement: str = "A", p: float = 0.5, seed: int = 0, **kwargs) -> LeNet5:
    torch.manual_seed(seed)
    return LeNet5(placement=placement, p=p, **kwargs)


def images(n: int = 8, channels: int = 3, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, channels, 32, 32, generator=torch.Generator().manual_seed(seed))


def count_dropout_calls(net: LeNet5, x: torch.Tensor, method: str = "forward") -> tuple[int, int]:
    """How often the Dropout2d and the Dropout module ran during one call."""
    calls = {"dropout2d": 0, "dropout": 0}
    handles = [getattr(net, name).register_forward_hook(
        lambda *_, name=name: calls.__setitem__(name, calls[name] + 1)) for name in calls]
    try:
        getattr(net, method)(x)
    finally:
        for handle in handles:
            handle.remove()
    return calls["dropout2d"], calls["dropout"]


def test_placements_are_the_four_of_the_chapter():
    assert PLACEMENTS == {"A": (False, False), "B": (False, True), "C": (True, False), "D": (True, True)}


@pytest.mark.parametrize("placement", sorted(PLACEMENTS))
def test_output_shape(placement):
    assert make(placement)(images(5)).shape == (5, 10)
    assert make(placement, num_classes=7)(images(2)).shape == (2, 7)
    assert make(placement, in_channels=1)(images(3, channels=1)).shape == (3, 10)


def test_parameter_count_is_lenet5s_and_the_same_for_every_placement():
    # conv1 3*6*25+6, conv2 6*16*25+16, conv3 16*120*25+120, fc1 120*84+84, fc2 84*10+10
    expected = 456 + 2416 + 48120 + 10164 + 850
    assert expected == 62006
    for placement in PLACEMENTS:
        assert sum(p.numel() for p in make(placement).parameters()) == expected
    assert sum(p.numel() for p in make(in_channels=1).parameters()) == expected - 2 * 6 * 25


def test_same_seed_gives_the_same_weights_whatever_the_placement():
    reference = make("A").state_dict()
    for placement in "BCD":
        state = make(placement).state_dict()
        assert all(torch.equal(reference[k], state[k]) for k in reference)


@pytest.mark.parametrize("placement, expected", [("A", (0, 0)), ("B", (0, 1)), ("C", (3, 0)), ("D", (3, 1))])
def test_each_placement_drops_where_it_says(placement, expected):
    net = make(placement).train()
    assert count_dropout_calls(net, images()) == expected
    assert count_dropout_calls(net, images(), "predict") == (0, 0)


@pytest.mark.parametrize("placement", sorted(PLACEMENTS))
def test_train_mode_is_random_exactly_when_there_is_dropout(placement):
    net = make(placement).train()
    x = images()
    torch.manual_seed(3)
    first = net(x)
    second = net(x)
    assert torch.equal(first, second) == (placement == "A")


def test_conv_dropout_zeroes_whole_channels():
    net = make("C").train()
    seen = []
    net.dropout2d.register_forward_hook(lambda _m, inp, out: seen.append((inp[0], out)))
    torch.manual_seed(0)
    net(images(16))
    assert len(seen) == 3
    for inp, out in seen:
        dropped = out.flatten(2).eq(0).all(dim=2)  # (N, C): every element of the map is zero
        kept = ~dropped
        assert 0 < dropped.sum() < dropped.numel()
        # kept maps are the input scaled by 1/(1-p) = 2
        assert torch.allclose(out[kept], 2 * inp[kept])


@pytest.mark.parametrize("placement", sorted(PLACEMENTS))
def test_predict_equals_the_eval_mode_forward_in_either_mode(placement):
    net = make(placement)
    x = images()
    net.eval()
    with torch.no_grad():
        reference = net(x)
        assert torch.equal(net(x), reference)  # eval mode is deterministic
        assert torch.equal(net.predict(x), reference)
        net.train()
        assert torch.equal(net.predict(x), reference)
    assert net.training  # predict does not switch modes


def test_p_zero_drops_nothing_and_p_one_drops_every_fc_unit():
    net = make("D", p=0.0).train()
    x = images()
    with torch.no_grad():
        assert torch.equal(net(x), net.predict(x))
    net = make("B", p=1.0).train()
    with torch.no_grad():
        out = net(x)
    assert torch.equal(out, net.fc2.bias.detach().expand_as(out))  # fc1's units all zeroed


def test_repr_names_placement_and_p():
    assert "placement='C', p=0.5" in repr(make("C"))


@pytest.mark.parametrize("kwargs, error", [
    ({"placement": "E"}, ValueError),
    ({"placement": "a"}, ValueError),
    ({"p": 1.5}, ValueError),
    ({"p": -0.1}, ValueError),
    ({"p": "0.5"}, TypeError),
    ({"p": True}, TypeError),
    ({"in_channels": 0}, ValueError),
    ({"in_channels": 3.0}, TypeError),
    ({"num_classes": 0}, ValueError),
])
def test_bad_arguments_are_refused(kwargs, error):
    with pytest.raises(error):
        LeNet5(**kwargs)


@pytest.mark.parametrize("x", [
    torch.zeros(2, 3, 28, 28),  # MNIST-sized
    torch.zeros(3, 32, 32),  # no batch dimension
    torch.zeros(2, 1, 32, 32),  # wrong number of channels
])
def test_bad_inputs_are_refused_with_the_expected_shape(x):
    net = make()
    for method in (net, net.predict):
        with pytest.raises(ValueError, match=r"\(N, 3, 32, 32\)"):
            method(x)
    with pytest.raises(TypeError):
        net([[0.0]])


def test_fit_measures_training_accuracy_in_eval_mode():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(64, 3, 32, 32, generator=g)
    y = torch.randint(0, 10, (64,), generator=g)
    torch.manual_seed(0)
    net = LeNet5(placement="D")
    train_iter = TensorLoader(X, y, batch_size=16, shuffle=True, seed=0)
    eval_iter = TensorLoader(X, y, batch_size=64)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    history = fit(net, train_iter, eval_iter, nn.CrossEntropyLoss(), 3, opt, eval_every=2,
                  train_eval_iter=eval_iter)
    assert history.train_eval_acc[0] is None and history.train_eval_acc[2] is not None
    assert [a is None for a in history.train_eval_acc] == [a is None for a in history.test_acc]
    assert history.train_eval_acc[-1] == evaluate_accuracy(net, eval_iter)  # eval mode: reproducible
    assert history.best("train_eval_acc") == max(a for a in history.train_eval_acc if a is not None)
    assert len(history.animator.Y) == 4


def test_fit_without_train_eval_iter_records_none():
    X, y = torch.randn(8, 3, 32, 32), torch.arange(8) % 10
    loader = TensorLoader(X, y, batch_size=4)
    net = make()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    history = fit(net, loader, loader, nn.CrossEntropyLoss(), 1, optimizer)
    assert history.train_eval_acc == [None]
    assert len(history.animator.Y) == 3
    with pytest.raises(TypeError):
        fit(net, loader, loader, nn.CrossEntropyLoss(), 1, optimizer, train_eval_iter=5)

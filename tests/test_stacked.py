"""utils.stacked: copies trained side by side equal the same networks trained one by one."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from utils.stacked import StackedNets, stacked_bce, train_stacked


def net(seed, p=0.0, activation=nn.Sigmoid):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 6), activation(), nn.Dropout(p), nn.Linear(6, 2), activation(),
                         nn.Dropout(p), nn.Linear(2, 1), activation())


def data(rows=40):
    gen = torch.Generator().manual_seed(7)
    X = torch.randn(rows, 3, generator=gen)
    y = (X[:, :1] + 0.5 * torch.randn(rows, 1, generator=gen) > 0).float()
    return X, y


def test_forward_matches_the_separate_networks():
    X, _ = data()
    nets = [net(s) for s in (0, 1, 2)]
    stack = StackedNets(nets).eval()
    with torch.no_grad():
        out = stack(X)
        assert out.shape == (3, len(X), 1)
        for k, single in enumerate(nets):
            assert torch.allclose(out[k], single.eval()(X), atol=1e-6)


@pytest.mark.parametrize("optimizer", [torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW])
def test_training_the_stack_equals_training_each_copy(optimizer):
    X, y = data()
    nets = [net(s) for s in (0, 1)]
    stack = StackedNets(nets)
    train_stacked(stack, optimizer(stack.parameters(), lr=0.1, weight_decay=0.01), 20, X, y)
    for single in nets:
        opt = optimizer(single.parameters(), lr=0.1, weight_decay=0.01)
        for _ in range(20):
            loss = F.binary_cross_entropy(single(X), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        separate = torch.stack([single(X) for single in nets])
        assert torch.allclose(stack(X), separate, atol=1e-5)
    # and the copies really did move apart from where they started
    assert not torch.allclose(stack.weights[0], StackedNets([net(s) for s in (0, 1)]).weights[0])


def test_each_copy_draws_its_own_dropout_mask_and_eval_is_deterministic():
    X, _ = data()
    stack = StackedNets([net(0, p=0.5), net(0, p=0.5)])  # two identical copies
    assert stack.p == 0.5
    torch.manual_seed(0)
    with torch.no_grad():
        out = stack.train()(X)
        assert not torch.equal(out[0], out[1])
        stack.eval()
        assert torch.equal(stack(X), stack(X))
        assert torch.allclose(stack(X)[0], stack(X)[1], atol=1e-6)


def test_hidden_activations_and_per_copy_loss():
    X, y = data()
    stack = StackedNets([net(0), net(1)]).eval()
    hidden = []
    with torch.no_grad():
        prob = stack(X, hidden=hidden)
    assert [h.shape for h in hidden] == [(2, len(X), 6), (2, len(X), 2)]
    losses = stacked_bce(prob, y)
    assert losses.shape == (2,)
    assert losses[1].item() == pytest.approx(F.binary_cross_entropy(prob[1], y).item())


def test_a_penalty_is_added_to_the_summed_loss():
    X, y = data()
    grads = []
    for with_penalty in (False, True):
        stack = StackedNets([net(0), net(1)])
        first = stack.weights[0]
        penalty = (lambda w=first: w.abs().sum()) if with_penalty else None
        train_stacked(stack, torch.optim.SGD(stack.parameters(), lr=0.0), 1, X, y, penalty=penalty)
        grads.append(first.grad)
    # lr 0: nothing moves; the penalty adds sign(w) to the data gradient of the first layer
    assert torch.allclose(grads[1] - grads[0], stack.weights[0].detach().sign(), atol=1e-6)


def test_other_activations_work():
    X, _ = data()
    nets = [net(s, activation=nn.Tanh) for s in (0, 1)]
    with torch.no_grad():
        out = StackedNets(nets).eval()(X)
        assert torch.allclose(out[1], nets[1].eval()(X), atol=1e-6)


@pytest.mark.parametrize("nets, message", [
    ([], "at least one"),
    ([nn.Sequential(nn.Linear(3, 2), nn.ReLU()), nn.Sequential(nn.Linear(3, 2), nn.Sigmoid())], "same architecture"),
    ([nn.Sequential(nn.Linear(3, 2), nn.ReLU()), nn.Sequential(nn.Linear(3, 4), nn.ReLU())], "same shapes"),
    ([nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))], "activation"),
    ([nn.Sequential(nn.Linear(3, 2, bias=False), nn.ReLU())], "bias"),
    ([nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Dropout(0.1), nn.Linear(2, 2), nn.ReLU(), nn.Dropout(0.2),
                    nn.Linear(2, 1), nn.ReLU())], "one dropout rate"),
])
def test_bad_inputs_are_refused(nets, message):
    with pytest.raises(ValueError, match=message):
        StackedNets(nets)

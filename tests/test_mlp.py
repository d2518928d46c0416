"""utils.models: dropout_mlp and init_normal (LeNet5 is tested in tests/test_models.py)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from utils.models import dropout_mlp, init_normal


def test_dropout_mlp_is_d2ls_network():
    torch.manual_seed(0)
    net = dropout_mlp()
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Flatten", "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert [m.p for m in net if isinstance(m, nn.Dropout)] == [0.2, 0.5]
    assert sum(p.numel() for p in net.parameters()) == 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10
    weights = [m.weight for m in net if isinstance(m, nn.Linear)]
    assert all(abs(w.std().item() - 0.01) < 0.001 for w in weights)  # N(0, 0.01^2) initialisation
    assert net(torch.rand(5, 1, 28, 28)).shape == (5, 10)


def test_dropout_mlp_shapes_and_rates():
    net = dropout_mlp(num_inputs=20, hiddens=(8,), num_outputs=3, dropouts=(0.0,))
    assert net(torch.rand(4, 20)).shape == (4, 3)
    assert [m.p for m in net if isinstance(m, nn.Dropout)] == [0.0]
    assert [type(m).__name__ for m in dropout_mlp(hiddens=(), dropouts=())] == ["Flatten", "Linear"]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"hiddens": (256, 256), "dropouts": (0.5,)}, ValueError, "2 hidden sizes but 1 dropout rates"),
    ({"dropouts": (0.2, 1.5)}, ValueError, r"dropouts\[1\]"),
    ({"dropouts": (0.2, "0.5")}, TypeError, r"dropouts\[1\]"),
    ({"hiddens": (256, 0)}, ValueError, r"hiddens\[1\]"),
    ({"num_inputs": 0}, ValueError, "num_inputs"),
    ({"num_outputs": 2.0}, TypeError, "num_outputs"),
])
def test_dropout_mlp_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        dropout_mlp(**kwargs)


def test_init_normal_touches_linear_weights_only():
    torch.manual_seed(0)
    lin, conv = nn.Linear(400, 300), nn.Conv2d(3, 4, 3)
    bias, conv_weight = lin.bias.detach().clone(), conv.weight.detach().clone()
    init_normal(lin, std=0.05)
    init_normal(conv)
    assert lin.weight.std().item() == pytest.approx(0.05, rel=0.02)
    assert abs(lin.weight.mean().item()) < 0.001
    assert torch.equal(lin.bias, bias) and torch.equal(conv.weight, conv_weight)

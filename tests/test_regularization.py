"""utils.regularization: dropout_layer and the L1/L2 penalties (param_groups: tests/test_param_groups.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from utils.regularization import dropout_layer, l1_penalty, l2_penalty

# --- dropout_layer ----------------------------------------------------------------------------

def test_p_zero_is_the_identity_and_p_one_gives_zeros():
    X = torch.randn(4, 5)
    assert dropout_layer(X, 0) is X or torch.equal(dropout_layer(X, 0), X)
    assert torch.equal(dropout_layer(X, 0.0), X)
    out = dropout_layer(X, 1)
    assert torch.equal(out, torch.zeros_like(X)) and out.dtype == X.dtype


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_keep_rate_and_mean_on_a_large_tensor(p):
    torch.manual_seed(0)
    X = torch.ones(1000, 1000)
    out = dropout_layer(X, p)
    kept = (out != 0).float().mean().item()
    assert kept == pytest.approx(1 - p, abs=0.003)  # 1e6 draws: the std of the rate is < 0.0005
    assert out.mean().item() == pytest.approx(1.0, abs=0.01)  # inverted dropout keeps the mean
    assert torch.allclose(out[out != 0], torch.tensor(1 / (1 - p)))  # kept units scaled by 1/(1-p)


def test_same_seed_same_mask():
    X = torch.randn(16, 16)
    torch.manual_seed(5)
    a = dropout_layer(X, 0.5)
    torch.manual_seed(5)
    assert torch.equal(dropout_layer(X, 0.5), a)


def test_numpy_scalar_p_draws_the_same_mask_as_a_float():
    x = torch.ones(1000)
    torch.manual_seed(3)
    expected = dropout_layer(x, 0.25)
    for p in (np.float32(0.25), np.float64(0.25)):
        torch.manual_seed(3)
        assert torch.equal(dropout_layer(x, p), expected)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_dtype_and_device_preserved(dtype):
    X = torch.randn(8, 8).to(dtype)
    for p in (0.0, 0.3, 1.0):
        out = dropout_layer(X, p)
        assert out.dtype == dtype and out.device == X.device and out.shape == X.shape
    if torch.cuda.is_available():
        assert dropout_layer(X.cuda(), 0.3).is_cuda


def test_gradient_flows_through_kept_units():
    torch.manual_seed(1)
    X = torch.randn(6, 6, requires_grad=True)
    out = dropout_layer(X, 0.5)
    out.sum().backward()
    mask = out.detach() != 0
    assert torch.allclose(X.grad[mask], torch.tensor(2.0)) and torch.all(X.grad[~mask] == 0)


@pytest.mark.parametrize("p, error, message", [
    (-0.1, ValueError, r"must lie in \[0, 1\]"), (1.5, ValueError, r"must lie in \[0, 1\]"),
    (float("nan"), ValueError, r"must lie in \[0, 1\]"), (float("inf"), ValueError, "probability"),
    (True, TypeError, "must be a number"), ("0.5", TypeError, "got str"), (None, TypeError, "NoneType"),
])
def test_bad_probabilities_are_rejected(p, error, message):
    with pytest.raises(error, match=message):
        dropout_layer(torch.ones(3), p)


def test_bad_inputs_are_rejected():
    with pytest.raises(TypeError, match="X must be a torch.Tensor"):
        dropout_layer([1.0, 2.0], 0.5)


# --- l1_penalty, l2_penalty -------------------------------------------------------------------

def test_penalty_values():
    w = torch.tensor([[1.0, -2.0], [0.5, 0.0]])
    assert l2_penalty(w).item() == pytest.approx((1 + 4 + 0.25) / 2)
    assert l1_penalty(w).item() == pytest.approx(3.5)
    b = torch.tensor([-3.0])
    assert l2_penalty([w, b]).item() == pytest.approx((1 + 4 + 0.25 + 9) / 2)
    assert l1_penalty((w, b)).item() == pytest.approx(6.5)


def test_penalty_gradients():
    w = torch.tensor([[1.5, -2.0], [0.25, -0.1]], requires_grad=True)
    l2_penalty(w).backward()
    assert torch.equal(w.grad, w.detach())  # the gradient of sum(w^2)/2 is w
    w.grad = None
    l1_penalty(w).backward()
    assert torch.equal(w.grad, torch.sign(w.detach()))  # the (sub)gradient of sum(|w|) is sign(w)


def test_penalties_take_any_iterable_of_tensors():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    params = list(net.parameters())
    want_l2 = sum((p.detach() ** 2).sum() for p in params) / 2
    assert l2_penalty(net.parameters()).item() == pytest.approx(want_l2.item())  # a generator
    weights = (m.weight for m in net if isinstance(m, nn.Linear))
    assert l1_penalty(weights).item() == pytest.approx(
        sum(m.weight.abs().sum().item() for m in net if isinstance(m, nn.Linear)), rel=1e-6)
    total = l2_penalty(net.parameters())
    total.backward()
    assert all(torch.allclose(p.grad, p.detach()) for p in params)


@pytest.mark.parametrize("penalty", [l1_penalty, l2_penalty])
def test_penalties_reject_bad_inputs(penalty):
    with pytest.raises(ValueError, match="no tensors given"):
        penalty([])
    with pytest.raises(ValueError, match="no tensors given"):
        penalty(iter(()))
    with pytest.raises(TypeError, match="weight tensor or an iterable"):
        penalty(3.0)
    with pytest.raises(TypeError, match="parameter 1 must be a torch.Tensor"):
        penalty([torch.ones(2), [1.0, 2.0]])
    with pytest.raises(TypeError, match="parameter 0 must be a torch.Tensor"):
        penalty("weights")

"""utils.loader and synthetic_data: TensorLoader's epochs, and load_array/synthetic_data against d2l 1.0.3."""

from __future__ import annotations

import pytest
import torch

from utils.data import synthetic_data
from utils.loader import TensorLoader, load_array, shuffle_seed, take_rows


@pytest.fixture(scope="module")
def d2l():
    """d2l 1.0.3's PyTorch module (slow to import: once per module)."""
    from d2l import torch as d2l_torch

    return d2l_torch


def _data(n=23, d=3):
    X = torch.arange(n * d, dtype=torch.float32).reshape(n, d)
    y = torch.arange(n)
    return X, y


def _epoch_ids(loader) -> list[int]:
    """The example ids of one epoch, in order (y holds each example's id)."""
    return [int(i) for _, yb in loader for i in yb]


# --- TensorLoader -----------------------------------------------------------------------------

@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("batch_size", [1, 4, 23, 100])
def test_every_example_exactly_once_per_epoch(shuffle, batch_size):
    X, y = _data()
    loader = TensorLoader(X, y, batch_size=batch_size, shuffle=shuffle, seed=0)
    for _ in range(3):
        batches = list(loader)
        assert len(batches) == len(loader) == -(-23 // batch_size)
        ids = [int(i) for _, yb in batches for i in yb]
        assert sorted(ids) == list(range(23))
        for Xb, yb in batches:  # rows stay paired with their labels
            assert torch.equal(Xb, X[yb])
            assert len(Xb) <= batch_size


def test_unshuffled_order_is_the_stored_order():
    X, y = _data()
    loader = TensorLoader(X, y, batch_size=5)
    assert _epoch_ids(loader) == list(range(23)) == _epoch_ids(loader)


def test_same_seed_same_orders_and_epochs_differ():
    X, y = _data()
    a = TensorLoader(X, y, batch_size=5, shuffle=True, seed=7)
    b = TensorLoader(X, y, batch_size=5, shuffle=True, seed=7)
    c = TensorLoader(X, y, batch_size=5, shuffle=True, seed=8)
    epochs_a = [_epoch_ids(a) for _ in range(3)]
    epochs_b = [_epoch_ids(b) for _ in range(3)]
    assert epochs_a == epochs_b
    assert epochs_a[0] != epochs_a[1] != epochs_a[2]
    assert epochs_a[0] != list(range(23))
    assert _epoch_ids(c) != epochs_a[0]


def test_the_shuffle_is_not_the_global_stream_of_the_same_seed():
    # Seeded alike, a torch.Generator and the global generator draw the same numbers: the loader must not.
    X, y = torch.arange(100.0), torch.arange(100)
    order = torch.cat([yb for _, yb in TensorLoader(X, y, batch_size=100, shuffle=True, seed=5)])
    torch.manual_seed(5)
    assert not torch.equal(order, torch.randperm(100))
    assert torch.equal(order, torch.randperm(100, generator=torch.Generator().manual_seed(shuffle_seed(5))))
    assert len({shuffle_seed(s) for s in range(1000)} | set(range(1000))) == 2000  # never a seed itself


def test_unseeded_loader_follows_the_global_seed():
    X, y = _data()
    torch.manual_seed(3)
    first = _epoch_ids(TensorLoader(X, y, batch_size=5, shuffle=True))
    torch.manual_seed(3)
    assert _epoch_ids(TensorLoader(X, y, batch_size=5, shuffle=True)) == first


@pytest.mark.parametrize("shuffle", [False, True])
def test_drop_last(shuffle):
    X, y = _data()
    loader = TensorLoader(X, y, batch_size=5, shuffle=shuffle, drop_last=True, seed=1)
    batches = list(loader)
    assert len(loader) == len(batches) == 4
    assert all(len(yb) == 5 for _, yb in batches)
    ids = [int(i) for _, yb in batches for i in yb]
    assert len(set(ids)) == 20
    assert len(TensorLoader(X, y, batch_size=30, drop_last=True)) == 0
    assert list(TensorLoader(X, y, batch_size=30, drop_last=True)) == []


def test_one_tensor_and_three_tensors():
    X, y = _data()
    assert [len(b) for b in TensorLoader(X, batch_size=10)] == [1, 1, 1]
    for _, yb, zb in TensorLoader(X, y, y * 2, batch_size=10, shuffle=True, seed=0):
        assert torch.equal(zb, yb * 2)


@pytest.mark.parametrize("shuffle", [False, True])
def test_channels_last_batches_keep_their_layout_and_values(shuffle):
    X = torch.randn(37, 3, 4, 5).contiguous(memory_format=torch.channels_last)
    y = torch.arange(37)
    batches = list(TensorLoader(X, y, batch_size=8, shuffle=shuffle, seed=3))
    for Xb, yb in batches:
        assert Xb.is_contiguous(memory_format=torch.channels_last) and not Xb.is_contiguous()
        assert torch.equal(Xb, X[yb])  # the same images, in the same order as their labels
    assert sorted(torch.cat([yb for _, yb in batches]).tolist()) == list(range(37))


def test_take_rows_equals_indexing_for_every_layout():
    idx = torch.tensor([4, 0, 2])
    plain = torch.randn(5, 3, 2, 2)
    for t in (plain, plain.contiguous(memory_format=torch.channels_last), torch.randn(5, 7), torch.arange(5)):
        out = take_rows(t, idx)
        assert torch.equal(out, t[idx])
        assert out.is_contiguous(memory_format=torch.channels_last) == t[idx].is_contiguous(
            memory_format=torch.channels_last)


def test_device_placement():
    X, y = _data()
    loader = TensorLoader(X, y, batch_size=8, device="cpu")
    assert all(t.device == torch.device("cpu") for t in loader.tensors)
    meta = TensorLoader(X, y, batch_size=8, device="meta")  # any device: the tensors move once
    assert all(t.device.type == "meta" for t in meta.tensors)
    assert all(t.device.type == "meta" for batch in meta for t in batch)
    if torch.cuda.is_available():
        cuda = TensorLoader(X, y, batch_size=8, shuffle=True, seed=0, device="cuda")
        assert all(t.is_cuda for batch in cuda for t in batch)


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((), {"batch_size": 2}, ValueError, "at least one tensor"),
    ((torch.zeros(3, 2), torch.zeros(4)), {"batch_size": 2}, ValueError, "first dimensions differ"),
    ((torch.zeros(0, 2), torch.zeros(0)), {"batch_size": 2}, ValueError, "no examples"),
    ((torch.zeros(3), ), {"batch_size": 0}, ValueError, "batch_size must be at least 1"),
    ((torch.zeros(3), ), {"batch_size": -1}, ValueError, "batch_size"),
    ((torch.zeros(3), ), {"batch_size": 2.0}, TypeError, "batch_size must be an int"),
    ((torch.zeros(3), ), {"batch_size": True}, TypeError, "batch_size must be an int"),
    (([1, 2, 3], ), {"batch_size": 2}, TypeError, "tensor 0 must be a torch.Tensor"),
    ((torch.zeros(3), [1, 2, 3]), {"batch_size": 2}, TypeError, "tensor 1 must be a torch.Tensor"),
    ((torch.tensor(1.0), ), {"batch_size": 2}, ValueError, "at least 1 dimension"),
    ((torch.zeros(3), ), {"batch_size": 2, "seed": -1}, ValueError, "seed"),
    ((torch.zeros(3), ), {"batch_size": 2, "seed": "0"}, TypeError, "seed"),
])
def test_bad_inputs(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        TensorLoader(*args, **kwargs)


def test_batch_size_is_required():
    with pytest.raises(TypeError):
        TensorLoader(torch.zeros(3))


# --- load_array and synthetic_data against d2l ------------------------------------------------

def test_synthetic_data_matches_d2l(d2l):
    w, b = torch.tensor([2.0, -3.4]), 4.2
    torch.manual_seed(0)
    X, y = synthetic_data(w, b, 100)
    torch.manual_seed(0)
    X_d2l, y_d2l = d2l.synthetic_data(w, b, 100)
    assert torch.equal(X, X_d2l) and torch.equal(y, y_d2l)
    assert X.shape == (100, 2) and y.shape == (100, 1)
    # (d, 1) weights, as d2l's weight-decay chapter uses, give the same shapes
    torch.manual_seed(1)
    X2, y2 = synthetic_data(torch.ones(200, 1) * 0.01, 0.05, 20)
    torch.manual_seed(1)
    X2_d2l, y2_d2l = d2l.synthetic_data(torch.ones(200, 1) * 0.01, 0.05, 20)
    assert torch.equal(X2, X2_d2l) and torch.equal(y2, y2_d2l) and y2.shape == (20, 1)


def test_synthetic_data_noise_and_fit():
    torch.manual_seed(0)
    w = torch.tensor([1.0, -2.0, 0.5])
    X, y = synthetic_data(w, 0.3, 5000, noise=0.0)
    assert torch.allclose(y, (X @ w + 0.3).reshape(-1, 1))
    X, y = synthetic_data(w, 0.3, 5000, noise=0.5)
    residual = y.reshape(-1) - (X @ w + 0.3)
    assert residual.std().item() == pytest.approx(0.5, rel=0.05)


@pytest.mark.parametrize("args, error, message", [
    (([2.0, -3.4], 4.2, 10), TypeError, "w must be a torch.Tensor"),
    ((torch.tensor(2.0), 4.2, 10), ValueError, "w must have at least 1"),
    ((torch.ones(2, 2), 4.2, 10), ValueError, r"shape \(d,\) or \(d, 1\)"),
    ((torch.ones(2), 4.2, 0), ValueError, "num_examples"),
    ((torch.ones(2), 4.2, 10.0), TypeError, "num_examples"),
    ((torch.ones(2), 4.2, 10, -0.1), ValueError, "noise"),
    ((torch.ones(2), 4.2, 10, float("nan")), ValueError, "noise"),
])
def test_synthetic_data_bad_inputs(args, error, message):
    with pytest.raises(error, match=message):
        synthetic_data(*args)


def test_load_array_matches_d2l(d2l):
    X, y = _data(n=50)
    for batch_size in (7, 10, 64):
        ours = load_array((X, y), batch_size, is_train=False)
        theirs = d2l.load_array((X, y), batch_size, is_train=False)
        assert len(ours) == len(theirs)
        pairs = list(zip(ours, theirs, strict=True))
        assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in pairs)
        shuffled = load_array((X, y), batch_size)  # is_train=True shuffles
        assert len(shuffled) == len(d2l.load_array((X, y), batch_size))
        ids = _epoch_ids(shuffled)
        assert sorted(ids) == list(range(50)) and ids != list(range(50))
    assert load_array([X, y], 10, is_train=False).batch_size == 10  # a list works as in d2l


def test_load_array_bad_inputs():
    X, y = _data()
    with pytest.raises(TypeError, match="tuple of tensors"):
        load_array(X, 4)
    with pytest.raises(ValueError, match="batch_size"):
        load_array((X, y), 0)
    with pytest.raises(ValueError, match="first dimensions differ"):
        load_array((X, y[:5]), 4)

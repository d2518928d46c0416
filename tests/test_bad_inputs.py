"""Bad input, collected: every public `utils` function and class fed what it must refuse.

Each case is one call that must raise a given exception whose message matches a pattern saying what
was wrong (and, for data, what to do). `test_every_public_callable_is_covered` fails when a public
name of `utils` has no case here and is not listed in TAKES_NO_INPUT, so a new function cannot
skip this catalogue. The data cases run on an empty temporary data folder with BOOK_OFFLINE=1.
The last test runs `make execute` on a notebook that raises and checks the stored file is untouched.
"""

from __future__ import annotations

import gzip
import inspect
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

import utils
from utils.data import FASHION_MNIST_SHA256

ROOT = Path(__file__).resolve().parent.parent

# Public names that take no argument a caller could get wrong (they read nothing or only the clock).
TAKES_NO_INPUT = {"data_dir", "device", "in_jupyter", "data_sources", "wall_time", "provenance"}
# Public names that are not callables to feed: constants, exceptions and the result record.
NOT_FED = {"CIFAR10_CLASSES", "FASHION_MNIST_CLASSES", "PLACEMENTS", "CorruptDataError",
           "DataNotFoundError", "Splits", "VERDICTS", "PairedDifference", "ReliabilityBins"}


@dataclass(frozen=True)
class Case:
    """One bad call: `call(folder)` must raise `error` with a message matching `match`."""

    name: str  # the public name under test (for the coverage check)
    what: str  # the bad input, in words
    call: Callable[[Path], object]
    error: type[BaseException]
    match: str


def _x(*shape: int, device: str = "cpu") -> torch.Tensor:
    return torch.ones(*shape, device=device)


def _linear() -> nn.Module:
    return nn.Linear(3, 2)


def _frozen() -> nn.Module:
    net = nn.Linear(3, 2)
    net.requires_grad_(False)
    return net


def _batches(n: int = 4) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [(torch.randn(n, 3), torch.zeros(n, dtype=torch.long))]


def _sgd(net: nn.Module | None = None) -> torch.optim.Optimizer:
    return torch.optim.SGD((net or _linear()).parameters(), lr=0.1)


def _train(call: Callable, net: nn.Module | None = None) -> object:
    """call(net, optimizer over net): the bad input is elsewhere, not in the optimizer."""
    net = net or _linear()
    return call(net, _sgd(net))


def _animator_with_two_curves() -> utils.Animator:
    anim = utils.Animator(legend=["a", "b"])
    anim.add(1, (0.5, 0.6))
    return anim


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _corrupt_fashion_mnist(folder: Path) -> None:
    for name in FASHION_MNIST_SHA256:
        _write(folder / "FashionMNIST" / "raw" / name, b"not the IDX file")


def _cifar_folder_with(folder: Path, payload: bytes) -> None:
    """A CIFAR-10 image folder whose first class holds one bad file, the others one good image each."""
    from PIL import Image

    for split in ("train", "test"):
        for i, cls in enumerate(utils.CIFAR10_CLASSES):
            target = folder / "CIFAR-10-images" / split / cls / "0001.jpg"
            if i == 0:
                _write(target, payload)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                Image.new("RGB", (32, 32)).save(target)


def _jpeg(size: tuple[int, int]) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size).save(buffer, format="JPEG")
    return buffer.getvalue()


def _env(name: str, value: str, read: Callable[[], object]) -> Callable[[Path], object]:
    """A call made with one environment variable set to `value` (restored after)."""
    def call(folder: Path) -> object:
        old = os.environ.get(name)
        os.environ[name] = value
        try:
            return read()
        finally:
            if old is None:
                del os.environ[name]
            else:
                os.environ[name] = old
    return call


def _dropnet() -> nn.Module:
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 2))


def _probs() -> torch.Tensor:
    return torch.tensor([[0.9, 0.1], [0.2, 0.8]])


def _seq(hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(3, hidden), nn.Sigmoid(), nn.Linear(hidden, 1), nn.Sigmoid())


def _stack() -> nn.Module:
    return utils.StackedNets([_seq(4), _seq(4)])


CASES = [
    # stats: paired runs over seeds
    Case("paired_difference", "runs of different lengths", lambda f: utils.paired_difference([1, 2, 3], [1, 2]),
         ValueError, "one value of each setting"),
    Case("paired_difference", "one pair", lambda f: utils.paired_difference([1], [2]), ValueError, "at least 2"),
    Case("paired_difference", "a NaN run", lambda f: utils.paired_difference([1, float("nan")], [1, 2]),
         ValueError, "NaN"),
    Case("verdict", "an upside-down interval", lambda f: utils.verdict(0.3, 0.1), ValueError, "low <= high"),
    Case("no_worse", "a NaN edge", lambda f: utils.no_worse(float("nan"), 0.1, 0.05), ValueError, "low <= high"),
    Case("no_worse", "a margin of 0", lambda f: utils.no_worse(0.0, 0.1, 0.0), ValueError, "margin"),
    Case("agree", "an infinite margin", lambda f: utils.agree(0.0, 0.1, float("inf")), ValueError, "margin"),
    Case("agree", "an upside-down interval", lambda f: utils.agree(0.3, 0.1, 0.5), ValueError, "low <= high"),
    # data: arguments
    Case("load_fashion_mnist", "n_train=0", lambda f: utils.load_fashion_mnist(n_train=0), ValueError, "n_train"),
    Case("load_fashion_mnist", "n_test as a string", lambda f: utils.load_fashion_mnist(n_test="100"),
         TypeError, "n_test must be an int"),
    Case("load_cifar10", "n_train=-5", lambda f: utils.load_cifar10(n_train=-5), ValueError, "n_train"),
    Case("load_cifar10", "n_test=2.5", lambda f: utils.load_cifar10(n_test=2.5), TypeError, "n_test"),
    # data: missing offline (the error names the data set, the folders searched and the fix)
    Case("load_fashion_mnist", "missing offline", lambda f: utils.load_fashion_mnist(),
         utils.DataNotFoundError, r"Fashion-MNIST.*Searched: .*FashionMNIST.*install-data\.sh"),
    Case("load_cifar10", "missing offline", lambda f: utils.load_cifar10(),
         utils.DataNotFoundError, r"CIFAR-10.*Searched: .*cifar-10-batches-py.*CIFAR-10-images.*install-data"),
    Case("load_diabetes", "missing offline", lambda f: utils.load_diabetes(),
         utils.DataNotFoundError, r"diabetes.*Searched: .*diabetes\.csv\.gz.*install-data"),
    # data: corrupt files are reported as corrupt, never loaded
    Case("load_fashion_mnist", "corrupt IDX files",
         lambda f: (_corrupt_fashion_mnist(f), utils.load_fashion_mnist()),
         utils.CorruptDataError, r"corrupt \(its sha256 does not match\): delete it"),
    Case("load_diabetes", "corrupt CSV",
         lambda f: (_write(f / "diabetes.csv.gz", gzip.compress(b"1,2,3\n")), utils.load_diabetes()),
         utils.CorruptDataError, r"diabetes\.csv\.gz is corrupt"),
    Case("load_cifar10", "truncated tensor cache",
         lambda f: (_write(f / "CIFAR-10-images.pt", b"PK\x03\x04 truncated"), utils.load_cifar10()),
         utils.CorruptDataError, r"cache .* is corrupt: delete it"),
    Case("load_cifar10", "an image folder file that is not an image",
         lambda f: (_cifar_folder_with(f, b"not a jpeg"), utils.load_cifar10()),
         utils.CorruptDataError, r"airplane.*0001\.jpg is corrupt"),
    Case("load_cifar10", "an image of the wrong size",
         lambda f: (_cifar_folder_with(f, _jpeg((64, 48))), utils.load_cifar10()),
         utils.CorruptDataError, r"64x48, not 32x32"),
    Case("load_cifar10", "an empty class folder",
         lambda f: ((f / "CIFAR-10-images" / "train").mkdir(parents=True), utils.load_cifar10()),
         utils.DataNotFoundError, r"airplane holds no \.jpg files"),
    # data: in-memory helpers
    Case("train_test_split", "X and y of different lengths",
         lambda f: utils.train_test_split(_x(10, 2), _x(9)), ValueError, "10 rows but y has 9"),
    Case("train_test_split", "test_fraction=1.5",
         lambda f: utils.train_test_split(_x(10, 2), _x(10), test_fraction=1.5), ValueError, "strictly between"),
    Case("train_test_split", "a list instead of a tensor",
         lambda f: utils.train_test_split([[1.0]] * 4, _x(4)), TypeError, "X must be a torch.Tensor"),
    Case("train_test_split", "too few rows", lambda f: utils.train_test_split(_x(1, 2), _x(1)),
         ValueError, "too few"),
    Case("train_test_split", "seed=-1", lambda f: utils.train_test_split(_x(10, 2), _x(10), seed=-1),
         ValueError, "seed must be at least 0"),
    Case("synthetic_data", "w of shape (3, 2)", lambda f: utils.synthetic_data(_x(3, 2), 0.0, 10),
         ValueError, r"shape \(d,\) or \(d, 1\)"),
    Case("synthetic_data", "num_examples=0", lambda f: utils.synthetic_data(_x(3), 0.0, 0),
         ValueError, "num_examples must be at least 1"),
    Case("synthetic_data", "negative noise", lambda f: utils.synthetic_data(_x(3), 0.0, 5, noise=-0.1),
         ValueError, "noise must be >= 0"),
    Case("synthetic_data", "w as a list", lambda f: utils.synthetic_data([1.0, 2.0], 0.0, 5),
         TypeError, "w must be a torch.Tensor"),
    # loader
    Case("TensorLoader", "no tensors", lambda f: utils.TensorLoader(batch_size=2), ValueError, "at least one tensor"),
    Case("TensorLoader", "mismatched first dimensions",
         lambda f: utils.TensorLoader(_x(5, 2), _x(4), batch_size=2), ValueError, r"differ: \[5, 4\]"),
    Case("TensorLoader", "empty data", lambda f: utils.TensorLoader(_x(0, 2), batch_size=2),
         ValueError, "no examples"),
    Case("TensorLoader", "a 0-d tensor", lambda f: utils.TensorLoader(torch.tensor(1.0), batch_size=1),
         ValueError, "at least 1 dimension"),
    Case("TensorLoader", "batch_size=0", lambda f: utils.TensorLoader(_x(4), batch_size=0),
         ValueError, "batch_size must be at least 1"),
    Case("TensorLoader", "batch_size=2.0", lambda f: utils.TensorLoader(_x(4), batch_size=2.0),
         TypeError, "batch_size must be an int"),
    Case("TensorLoader", "seed=-3", lambda f: utils.TensorLoader(_x(4), batch_size=2, seed=-3),
         ValueError, "seed must be at least 0"),
    Case("TensorLoader", "a NumPy array", lambda f: utils.TensorLoader(_x(4).numpy(), batch_size=2),
         TypeError, "must be a torch.Tensor"),
    Case("load_array", "a bare tensor instead of a tuple", lambda f: utils.load_array(_x(4), 2),
         TypeError, "tuple of tensors"),
    Case("load_array", "batch_size=-1", lambda f: utils.load_array((_x(4), _x(4)), -1),
         ValueError, "batch_size"),
    # metrics
    Case("Accumulator", "n=0", lambda f: utils.Accumulator(0), ValueError, "at least 1"),
    Case("Accumulator", "n='2'", lambda f: utils.Accumulator("2"), TypeError, "n must be an int"),
    Case("Accumulator", "add() with the wrong count", lambda f: utils.Accumulator(2).add(1.0),
         ValueError, "takes 2 values, got 1"),
    Case("accuracy", "a list of labels", lambda f: utils.accuracy(_x(3, 2), [0, 1, 1]), TypeError, "two tensors"),
    Case("accuracy", "3 predictions for 4 labels", lambda f: utils.accuracy(_x(3, 2), torch.zeros(4)),
         ValueError, "3 predictions for 4 labels"),
    Case("evaluating", "not a Module", lambda f: utils.evaluating(lambda x: x).__enter__(),
         TypeError, "torch.nn.Module"),
    Case("evaluate_accuracy", "a model that is not callable", lambda f: utils.evaluate_accuracy("net", _batches()),
         TypeError, "net must be a model"),
    Case("evaluate_accuracy", "an empty iterator", lambda f: utils.evaluate_accuracy(_linear(), []),
         ValueError, "yielded no examples"),
    Case("evaluate_loss", "a loss that is not callable",
         lambda f: utils.evaluate_loss(_linear(), _batches(), "mse"), TypeError, "loss must be callable"),
    Case("evaluate_loss", "an empty iterator",
         lambda f: utils.evaluate_loss(_linear(), [], nn.CrossEntropyLoss()), ValueError, "yielded no examples"),
    # models
    Case("init_normal", "not a Module", lambda f: utils.init_normal(torch.ones(3)), TypeError, "net.apply"),
    Case("init_normal", "negative std", lambda f: utils.init_normal(_linear(), std=-0.01), ValueError, "std"),
    Case("dropout_mlp", "two sizes, one rate", lambda f: utils.dropout_mlp(hiddens=(8, 8), dropouts=(0.5,)),
         ValueError, "one rate per layer"),
    Case("dropout_mlp", "a rate of 1.5", lambda f: utils.dropout_mlp(hiddens=(8,), dropouts=(1.5,)),
         ValueError, r"dropouts\[0\] must lie in \[0, 1\]"),
    Case("dropout_mlp", "a hidden size of 0", lambda f: utils.dropout_mlp(hiddens=(0,), dropouts=(0.5,)),
         ValueError, r"hiddens\[0\] must be at least 1"),
    Case("LeNet5", "placement 'E'", lambda f: utils.LeNet5(placement="E"), ValueError, "one of"),
    Case("LeNet5", "p=1.5", lambda f: utils.LeNet5(p=1.5), ValueError, r"\[0, 1\]"),
    Case("LeNet5", "28x28 grayscale input", lambda f: utils.LeNet5()(_x(2, 1, 28, 28)),
         ValueError, r"\(N, 3, 32, 32\), got \(2, 1, 28, 28\)"),
    Case("LeNet5", "a NumPy image to predict()", lambda f: utils.LeNet5().predict(_x(1, 3, 32, 32).numpy()),
         TypeError, "takes a tensor"),
    # plot
    Case("Animator", "legend as one string", lambda f: utils.Animator(legend="loss"), TypeError, "list of curve"),
    Case("Animator", "yscale='logarithmic'", lambda f: utils.Animator(yscale="logarithmic"),
         ValueError, "'linear' or 'log'"),
    Case("Animator", "no line formats", lambda f: utils.Animator(fmts=()), ValueError, "at least one"),
    Case("Animator", "a string as a value", lambda f: utils.Animator().add(1, "0.5"), TypeError, "not a number"),
    Case("Animator", "a changing number of curves", lambda f: _animator_with_two_curves().add(2, (0.1, 0.2, 0.3)),
         ValueError, "earlier calls gave 2"),
    Case("Animator", "2 x values for 3 y values", lambda f: utils.Animator().add([1, 2], [0.1, 0.2, 0.3]),
         ValueError, "2 x values for 3 y values"),
    Case("save_figure", "a .jpg path", lambda f: utils.save_figure(Figure(), f / "plot.jpg"), ValueError, r"\.png"),
    Case("save_figure", "not a Figure", lambda f: utils.save_figure("fig", f / "plot.png"),
         TypeError, "matplotlib Figure"),
    Case("show", "not a Figure", lambda f: utils.show(_x(2, 2)), TypeError, "matplotlib Figure"),
    Case("show_images", "5 images on a 2x2 grid", lambda f: utils.show_images([_x(2, 2)] * 5, 2, 2),
         ValueError, "do not fit a 2x2 grid"),
    Case("show_images", "2 titles for 3 images", lambda f: utils.show_images([_x(2, 2)] * 3, 1, 3, titles=["a", "b"]),
         ValueError, "2 titles for 3 images"),
    Case("show_images", "a single image path", lambda f: utils.show_images(7, 1, 1), TypeError, "list"),
    Case("show_images", "num_rows=0", lambda f: utils.show_images([_x(2, 2)], 0, 1), ValueError, "num_rows"),
    # glue
    Case("glue", "a name with a space", lambda f: utils.glue("test acc", 0.9), ValueError, "Python identifier"),
    Case("glued", "a missing notebook", lambda f: utils.glued(f / "absent.ipynb"), FileNotFoundError, "no notebook"),
    Case("glued", "a file that is not a notebook",
         lambda f: utils.glued(_write(f / "notes.ipynb", b"{ not json")), ValueError, "not a Jupyter notebook"),
    # regularization
    Case("dropout_layer", "p=1.5", lambda f: utils.dropout_layer(_x(4), 1.5), ValueError,
         r"must lie in \[0, 1\].*drop"),
    Case("dropout_layer", "p=-0.1", lambda f: utils.dropout_layer(_x(4), -0.1), ValueError, r"\[0, 1\]"),
    Case("dropout_layer", "p=NaN", lambda f: utils.dropout_layer(_x(4), float("nan")), ValueError, r"\[0, 1\]"),
    Case("dropout_layer", "p='0.5'", lambda f: utils.dropout_layer(_x(4), "0.5"), TypeError, "number in"),
    Case("dropout_layer", "p as a 0-d tensor", lambda f: utils.dropout_layer(_x(4), torch.tensor(0.5)), TypeError,
         r"p\.item\(\)"),
    Case("dropout_layer", "a NumPy array", lambda f: utils.dropout_layer(_x(4).numpy(), 0.5),
         TypeError, "X must be a torch.Tensor"),
    Case("l2_penalty", "an empty list", lambda f: utils.l2_penalty([]), ValueError, "no tensors given"),
    Case("l2_penalty", "a float", lambda f: utils.l2_penalty(3.0), TypeError, "weight tensor"),
    Case("l1_penalty", "a list holding a string", lambda f: utils.l1_penalty([_x(2), "w"]),
         TypeError, "parameter 1 must be a torch.Tensor"),
    Case("param_groups", "not a Module", lambda f: utils.param_groups([_x(2)], 1e-4), TypeError, "nn.Module"),
    Case("param_groups", "negative weight decay (the source's -2)", lambda f: utils.param_groups(_linear(), -2),
         ValueError, "weight_decay must be >= 0"),
    Case("param_groups", "infinite weight decay", lambda f: utils.param_groups(_linear(), float("inf")),
         ValueError, "finite"),
    Case("param_groups", "an unknown rule", lambda f: utils.param_groups(_linear(), 0.1, no_decay="size"),
         ValueError, "one of"),
    Case("param_groups", "weight_decay also as an option",
         lambda f: utils.param_groups(_linear(), 0.1, weight_decay=0.2), TypeError, "weight_decay"),
    Case("param_groups", "params as an option", lambda f: utils.param_groups(_linear(), 0.1, params=[]),
         ValueError, "sets .*params"),
    Case("param_groups", "a rule returning a string",
         lambda f: utils.param_groups(_linear(), 0.1, no_decay=lambda n, p: "yes"), TypeError, "must return a bool"),
    Case("param_groups", "a frozen model", lambda f: utils.param_groups(_frozen(), 0.1), ValueError,
         "nothing to optimize"),
    # runtime
    Case("scale", "an int and a string", lambda f: utils.scale(full=10, smoke="2"), TypeError, "same kind"),
    Case("set_seed", "seed=-1", lambda f: utils.set_seed(-1), ValueError, r"\[0, 2\*\*32\)"),
    Case("set_seed", "seed=2**32", lambda f: utils.set_seed(2**32), ValueError, r"\[0, 2\*\*32\)"),
    Case("set_seed", "seed=True", lambda f: utils.set_seed(True), TypeError, "seed must be an int"),
    Case("is_smoke", "BOOK_SMOKE=maybe", _env("BOOK_SMOKE", "maybe", utils.is_smoke), ValueError,
         "BOOK_SMOKE='maybe' is not understood"),
    Case("mode", "BOOK_SMOKE=2", _env("BOOK_SMOKE", "2", utils.mode), ValueError, "use 1 .on. or 0 .off."),
    Case("is_offline", "BOOK_OFFLINE=offline", _env("BOOK_OFFLINE", "offline", utils.is_offline), ValueError,
         "BOOK_OFFLINE='offline' is not understood"),
    Case("Timer", "avg() before any stop()", lambda f: utils.Timer().avg(), ValueError, "call stop"),
    # train
    Case("train_epoch", "a model that is not callable",
         lambda f: utils.train_epoch("net", _batches(), nn.MSELoss(), _sgd()),
         TypeError, "net must be a model"),
    Case("train_epoch", "an updater that is neither optimizer nor function",
         lambda f: utils.train_epoch(_linear(), _batches(), nn.CrossEntropyLoss(), "sgd"), TypeError, "updater"),
    Case("train_epoch", "a loss returning a float",
         lambda f: _train(lambda n, o: utils.train_epoch(n, _batches(), lambda y_hat, y: 0.5, o)), TypeError,
         "must return a tensor"),
    Case("train_epoch", "an empty iterator",
         lambda f: _train(lambda n, o: utils.train_epoch(n, [], nn.CrossEntropyLoss(), o)),
         ValueError, "yielded no examples"),
    Case("fit", "num_epochs=0", lambda f: _train(lambda n, o: utils.fit(n, _batches(), _batches(),
                                                                        nn.CrossEntropyLoss(), 0, o)),
         ValueError, "num_epochs must be at least 1"),
    Case("fit", "eval_every=0", lambda f: _train(lambda n, o: utils.fit(n, _batches(), _batches(),
                                                                        nn.CrossEntropyLoss(), 1, o, eval_every=0)),
         ValueError, "eval_every must be at least 1"),
    Case("fit", "train_eval_iter=5", lambda f: _train(lambda n, o: utils.fit(n, _batches(), _batches(),
                                                                             nn.CrossEntropyLoss(), 1, o,
                                                                             train_eval_iter=5)),
         TypeError, "iterable of"),
    Case("History", "best() of an unknown record", lambda f: utils.History().best("test_loss"), ValueError,
         "takes 'train_acc'"),
    Case("History", "best() with nothing recorded", lambda f: utils.History().best("test_acc"), ValueError,
         "no test_acc recorded"),
    Case("mc_predict", "a function, not a module", lambda f: utils.mc_predict(lambda x: x, _x(2, 3), 5), TypeError,
         "nn.Module"),
    Case("mc_predict", "T = 0 passes", lambda f: utils.mc_predict(_dropnet(), _x(2, 3), 0), ValueError,
         "T must be at least 1"),
    Case("mc_predict", "a network without dropout", lambda f: utils.mc_predict(_linear(), _x(2, 3), 5), ValueError,
         "no dropout module"),
    Case("mc_dropout_probs", "a NumPy array", lambda f: utils.mc_dropout_probs(_dropnet(), _x(2, 3).numpy(), 5),
         TypeError, "torch.Tensor"),
    Case("dropout_sampling", "a network without dropout",
         lambda f: utils.dropout_sampling(_linear()).__enter__(), ValueError, "no dropout module"),
    Case("predictive_entropy", "logits, not probabilities",
         lambda f: utils.predictive_entropy(torch.tensor([[2.0, 0.5]])), ValueError, "sum to 1"),
    Case("predictive_entropy", "one class", lambda f: utils.predictive_entropy(torch.ones(3, 1)), ValueError,
         "classes >= 2"),
    Case("reliability_bins", "0 bins", lambda f: utils.reliability_bins(_probs(), torch.tensor([0, 1]), n_bins=0),
         ValueError, "n_bins"),
    Case("expected_calibration_error", "a label out of range",
         lambda f: utils.expected_calibration_error(_probs(), torch.tensor([0, 2])), ValueError, "labels in y"),
    Case("auroc", "no negatives", lambda f: utils.auroc(torch.tensor([]), torch.tensor([0.5])), ValueError,
         "non-empty"),
    Case("auroc", "a NaN score", lambda f: utils.auroc(torch.tensor([float("nan")]), torch.tensor([0.5])),
         ValueError, "finite"),
    Case("StackedNets", "no networks", lambda f: utils.StackedNets([]), ValueError, "at least one network"),
    Case("StackedNets", "two architectures",
         lambda f: utils.StackedNets([_seq(3), _seq(4)]), ValueError, "same"),
    Case("stacked_bce", "one network's output (rows, 1)",
         lambda f: utils.stacked_bce(torch.full((4, 1), 0.5), torch.ones(4, 1)), ValueError, r"\(copies, rows, 1\)"),
    Case("train_stacked", "a plain module", lambda f: utils.train_stacked(
        _linear(), torch.optim.SGD(_linear().parameters(), lr=0.1), 1, _x(4, 3), torch.ones(4, 1)),
         TypeError, "StackedNets"),
    Case("train_stacked", "0 steps", lambda f: utils.train_stacked(
        _stack(), torch.optim.SGD(_stack().parameters(), lr=0.1), 0, _x(4, 3), torch.ones(4, 1)),
         ValueError, "steps must be at least 1"),
]


# --- issue 21: the classes U1-U19 of the reliability probe (each class named in `what`) -------------

def _leaky(slopes) -> nn.Sequential:
    return nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(slopes[0]), nn.Linear(4, 2), nn.LeakyReLU(slopes[1]))


def _dropnet_p(p: float, p2: float | None = None) -> nn.Sequential:
    return nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Dropout(p), nn.Linear(4, 4), nn.Sigmoid(),
                         nn.Dropout(p if p2 is None else p2), nn.Linear(4, 1), nn.Sigmoid())


def _other_model_optimizer() -> torch.optim.Optimizer:
    return torch.optim.SGD(nn.Linear(3, 2).parameters(), lr=0.1)


CASES += [
    # U1: StackedNets refuses what it cannot represent
    Case("StackedNets", "U1 an activation before the first layer",
         lambda f: utils.StackedNets([nn.Sequential(nn.Sigmoid(), nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1))]),
         ValueError, r"Linear -> activation"),
    Case("StackedNets", "U1 activations with different settings in one network",
         lambda f: utils.StackedNets([_leaky((0.5, 0.01))]), ValueError, "same settings"),
    Case("StackedNets", "U1 activations with different settings across copies",
         lambda f: utils.StackedNets([_leaky((0.5, 0.5)), _leaky((0.01, 0.01))]), ValueError, "same settings"),
    Case("StackedNets", "U1 an activation with parameters (PReLU)",
         lambda f: utils.StackedNets([nn.Sequential(nn.Linear(3, 4), nn.PReLU(), nn.Linear(4, 1), nn.PReLU())]),
         ValueError, "parameters"),
    Case("StackedNets", "U1 copies with different dropout rates",
         lambda f: utils.StackedNets([_dropnet_p(0.5), _dropnet_p(0.0)]), ValueError, "dropout rate"),
    Case("StackedNets", "U1 two dropout rates in one network",
         lambda f: utils.StackedNets([_dropnet_p(0.5, 0.2)]), ValueError, "dropout rate"),
    Case("StackedNets", "U1 dropout after only some hidden layers",
         lambda f: utils.StackedNets([nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Dropout(0.5), nn.Linear(4, 4),
                                                    nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())]),
         ValueError, "every hidden layer"),
    Case("StackedNets", "U1 dropout after the output",
         lambda f: utils.StackedNets([nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid(),
                                                    nn.Dropout(0.5))]),
         ValueError, "output"),
    Case("StackedNets", "U1 a layer that is neither Linear, activation nor Dropout (Dropout1d)",
         lambda f: utils.StackedNets([nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Dropout1d(0.5),
                                                    nn.Linear(4, 1), nn.Sigmoid())]),
         ValueError, "Dropout1d"),
    # U19: cryptic errors
    Case("StackedNets", "U19 one nn.Sequential instead of a list",
         lambda f: utils.StackedNets(_seq(4)), TypeError, r"list of nn\.Sequential.*\[net\]"),
    Case("StackedNets", "U19 a list holding an nn.Linear", lambda f: utils.StackedNets([nn.Linear(3, 1)]),
         TypeError, r"nets\[0\] must be an nn\.Sequential"),
    Case("StackedNets", "U19 a 1-d input", lambda f: _stack()(torch.ones(3)), ValueError, r"\(rows, 3\)"),
    Case("StackedNets", "U19 rows of the wrong width", lambda f: _stack()(torch.ones(5, 4)), ValueError,
         r"\(rows, 3\)"),
    Case("evaluate_loss", "U19 a loss returning a float",
         lambda f: utils.evaluate_loss(_linear(), _batches(), lambda y_hat, y: 0.5), TypeError,
         "must return a tensor"),
    # U2: binary outputs are read as probabilities; what is neither is refused
    Case("accuracy", "U2 one column of scores outside [0, 1]",
         lambda f: utils.accuracy(torch.tensor([[2.5], [-1.2]]), torch.tensor([1.0, 0.0])), ValueError,
         r"probabilities.*sigmoid"),
    Case("accuracy", "U2 probabilities against labels that are not 0/1",
         lambda f: utils.accuracy(torch.tensor([0.9, 0.2]), torch.tensor([2, 0])), ValueError, "0 and 1"),
    Case("evaluate_accuracy", "U2 a regression network",
         lambda f: utils.evaluate_accuracy(nn.Linear(3, 1), [(torch.randn(4, 3) * 5, torch.randn(4, 1))]),
         ValueError, "probabilities"),
    # U13: NaN scores
    Case("accuracy", "U13 NaN scores", lambda f: utils.accuracy(torch.full((3, 4), float("nan")), torch.zeros(3)),
         ValueError, "NaN"),
    Case("evaluate_accuracy", "U13 a network with NaN weights",
         lambda f: utils.evaluate_accuracy(nn.Linear(3, 4).requires_grad_(False).apply(
             lambda m: m.weight.fill_(float("nan")) if isinstance(m, nn.Linear) else None), _batches()),
         ValueError, "NaN"),
    # U7: a misleading message for rows that do not sum to 1 (not logits)
    Case("predictive_entropy", "U7 rows summing to 0.5 are not called logits",
         lambda f: utils.predictive_entropy(torch.tensor([[0.25, 0.25]])), ValueError, r"sum to 1.*0\.5"),
    Case("predictive_entropy", "U7 integer probabilities", lambda f: utils.predictive_entropy(torch.eye(2).long()),
         TypeError, "floating"),
    # U8: an optimizer over another model's parameters
    Case("train_stacked", "U8 an optimizer over another model",
         lambda f: utils.train_stacked(_stack(), _other_model_optimizer(), 5, _x(4, 3), torch.ones(4, 1)),
         ValueError, r"stack\.parameters\(\)"),
    Case("train_epoch", "U8 an optimizer over another model",
         lambda f: utils.train_epoch(_linear(), _batches(), nn.CrossEntropyLoss(), _other_model_optimizer()),
         ValueError, "none of net's parameters"),
    Case("fit", "U8 an optimizer over another model",
         lambda f: utils.fit(_linear(), _batches(), _batches(), nn.CrossEntropyLoss(), 1, _other_model_optimizer(),
                             plot=False), ValueError, "none of net's parameters"),
    # U11: strings (and other non-bools) for flags
    Case("TensorLoader", "U11 shuffle='False'", lambda f: utils.TensorLoader(_x(4), batch_size=2, shuffle="False"),
         TypeError, "shuffle must be True or False"),
    Case("TensorLoader", "U11 drop_last=1", lambda f: utils.TensorLoader(_x(4), batch_size=2, drop_last=1),
         TypeError, "drop_last must be True or False"),
    Case("load_array", "U11 is_train='no'", lambda f: utils.load_array((_x(4),), 2, is_train="no"),
         TypeError, "is_train must be True or False"),
    Case("fit", "U11 plot='False'", lambda f: _train(lambda n, o: utils.fit(n, _batches(), _batches(),
                                                                           nn.CrossEntropyLoss(), 1, o, plot="False")),
         TypeError, "plot must be True or False"),
    Case("load_cifar10", "U11 normalize='no'", lambda f: utils.load_cifar10(normalize="no"), TypeError,
         "normalize must be True or False"),
    Case("mc_predict", "U11 reuse_prefix='yes'",
         lambda f: utils.mc_predict(_dropnet(), _x(2, 3), 2, reuse_prefix="yes"),
         TypeError, "reuse_prefix must be True or False"),
    Case("glue", "U11 display='no'", lambda f: utils.glue("x", 1, display="no"), TypeError,
         "display must be True or False"),
    # U14: numeric arguments
    Case("paired_difference", "U14 n_boot=0",
         lambda f: utils.paired_difference([1, 2, 3], [2, 3, 5], method="bootstrap", n_boot=0), ValueError,
         "n_boot must be at least 1"),
    Case("paired_difference", "U14 n_boot=-5",
         lambda f: utils.paired_difference([1, 2, 3], [2, 3, 5], method="bootstrap", n_boot=-5), ValueError,
         "n_boot"),
    Case("paired_difference", "U14 n_boot=1.5",
         lambda f: utils.paired_difference([1, 2, 3], [2, 3, 5], method="bootstrap", n_boot=1.5), TypeError,
         "n_boot must be an int"),
    Case("paired_difference", "U14 runs of shapes (2, 3) and (3, 2)",
         lambda f: utils.paired_difference([[1, 2, 3], [4, 5, 6]], [[1, 2], [3, 4], [5, 6]]), ValueError,
         "one value per seed"),
    Case("paired_difference", "U14 confidence=NaN",
         lambda f: utils.paired_difference([1, 2, 3], [2, 3, 5], confidence=float("nan")), ValueError, "confidence"),
    Case("verdict", "U14 noise=NaN", lambda f: utils.verdict(0.1, 0.2, noise=float("nan")), ValueError, "noise"),
    Case("verdict", "U14 noise=inf", lambda f: utils.verdict(0.1, 0.2, noise=float("inf")), ValueError, "noise"),
    Case("init_normal", "U14 std=inf", lambda f: utils.init_normal(_linear(), std=float("inf")), ValueError,
         "std must be finite"),
    Case("synthetic_data", "U14 noise=inf", lambda f: utils.synthetic_data(_x(3), 0.0, 5, noise=float("inf")),
         ValueError, "noise must be finite"),
    Case("synthetic_data", "U14 b=NaN", lambda f: utils.synthetic_data(_x(3), float("nan"), 5), ValueError,
         "b must be a finite"),
    Case("synthetic_data", "U14 w holding inf", lambda f: utils.synthetic_data(torch.tensor([1.0, float("inf")]),
                                                                              0.0, 5), ValueError, "w must be finite"),
    Case("train_test_split", "U14 test_fraction=NaN",
         lambda f: utils.train_test_split(_x(10, 2), _x(10), test_fraction=float("nan")), ValueError, "strictly"),
    # U15: MC dropout over dropout modules that all have p = 0
    Case("mc_dropout_probs", "U15 the only dropout has p = 0",
         lambda f: utils.mc_dropout_probs(nn.Sequential(nn.Linear(3, 2), nn.Dropout(0.0)), _x(2, 3), 10),
         ValueError, "p = 0"),
    Case("dropout_sampling", "U15 every dropout has p = 0",
         lambda f: utils.dropout_sampling(_dropnet_p(0.0)).__enter__(), ValueError, "p = 0"),
    # U16: failures that came only after costly work now come first
    Case("fit", "U16 scheduler='cos'", lambda f: _train(lambda n, o: utils.fit(n, _batches(), _batches(),
                                                                              nn.CrossEntropyLoss(), 1, o,
                                                                              scheduler="cos", plot=False)),
         TypeError, r"scheduler must .*step\(\)"),
    Case("fit", "U16 test_iter=5", lambda f: _train(lambda n, o: utils.fit(n, _batches(), 5, nn.CrossEntropyLoss(), 1,
                                                                          o, plot=False)),
         TypeError, "test_iter must be an iterable"),
    Case("fit", "U16 a loss that is not callable", lambda f: _train(lambda n, o: utils.fit(n, _batches(), _batches(),
                                                                                          "mse", 1, o, plot=False)),
         TypeError, "loss must be callable"),
    Case("Animator", "U16 xlim=5", lambda f: utils.Animator(xlim=5), TypeError, r"xlim must be a pair"),
    Case("Animator", "U16 ylim with three values", lambda f: utils.Animator(ylim=(0, 1, 2)), TypeError,
         r"ylim must be a pair"),
    Case("train_stacked", "U16 a penalty that is not callable",
         lambda f: (lambda s: utils.train_stacked(s, torch.optim.SGD(s.parameters(), lr=0.1), 1, _x(4, 3),
                                                  torch.ones(4, 1), penalty=0.1))(_stack()),
         TypeError, "penalty must be"),
    # U18: learning rates and other hyper-parameters in the groups
    Case("param_groups", "U18 lr=-1.0", lambda f: utils.param_groups(_linear(), 0.1, lr=-1.0), ValueError,
         "lr must be >= 0"),
    Case("param_groups", "U18 momentum=NaN", lambda f: utils.param_groups(_linear(), 0.1, momentum=float("nan")),
         ValueError, "momentum must be >= 0"),
    # GPU audit: tensors on mixed devices are refused with a clear message (the meta device stands in)
    Case("accuracy", "mixed devices", lambda f: utils.accuracy(torch.ones(3, 2, device="meta"), torch.zeros(3)),
         ValueError, "different devices"),
    Case("TensorLoader", "mixed devices", lambda f: utils.TensorLoader(_x(4), torch.ones(4, device="meta"),
                                                                       batch_size=2), ValueError, "different devices"),
    Case("train_test_split", "mixed devices",
         lambda f: utils.train_test_split(_x(10, 2), torch.ones(10, device="meta")), ValueError, "different devices"),
    Case("train_stacked", "mixed devices", lambda f: (lambda s: utils.train_stacked(
        s, torch.optim.SGD(s.parameters(), lr=0.1), 1, _x(4, 3, device="meta"), torch.ones(4, 1, device="meta")))(
        _stack()), ValueError, "different devices"),
    Case("mc_dropout_probs", "mixed devices", lambda f: utils.mc_dropout_probs(_dropnet(), _x(2, 3, device="meta"), 2),
         ValueError, "different devices"),
    Case("stacked_bce", "mixed devices",
         lambda f: utils.stacked_bce(torch.full((2, 4, 1), 0.5), torch.ones(4, 1, device="meta")), ValueError,
         "different devices"),
]


@pytest.fixture
def empty_offline_data(tmp_path, monkeypatch):
    """An empty data folder, downloads forbidden."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("BOOK_DATA_DIR", str(folder))
    monkeypatch.setenv("BOOK_OFFLINE", "1")
    monkeypatch.delenv("BOOK_SMOKE", raising=False)
    return folder


@pytest.mark.parametrize("case", CASES, ids=[f"{c.name}: {c.what}" for c in CASES])
def test_bad_input_gets_a_clear_error(case, empty_offline_data):
    with pytest.raises(case.error, match=case.match):
        case.call(empty_offline_data)


def test_every_public_callable_is_covered():
    fed = {c.name for c in CASES}
    public = set(utils.__all__) - NOT_FED - TAKES_NO_INPUT
    assert sorted(public - fed) == [], "public names of utils with no bad-input case here"
    assert fed <= set(utils.__all__), sorted(fed - set(utils.__all__))
    for name in TAKES_NO_INPUT:  # they really take no argument
        assert not inspect.signature(getattr(utils, name)).parameters, name


def test_failed_writes_and_loads_leave_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOK_OFFLINE", "1")
    for i, case in enumerate(c for c in CASES if c.name in ("save_figure", "load_cifar10")):
        folder = tmp_path / str(i)
        folder.mkdir()
        monkeypatch.setenv("BOOK_DATA_DIR", str(folder))
        with pytest.raises(case.error):
            case.call(folder)
        written = {p.name for p in folder.rglob("*") if p.is_file()}
        assert not any(name.endswith(".part") for name in written), (case.what, written)
        assert "plot.jpg" not in written and "plot.png" not in written, case.what
        if "cache" not in case.what:  # a failed decode writes no cache
            assert "CIFAR-10-images.pt" not in written, case.what


def test_make_execute_leaves_a_raising_notebook_unchanged(tmp_path):
    path = tmp_path / "raises.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A chapter that breaks"),
                                         nbformat.v4.new_code_cell("print('before')"),
                                         nbformat.v4.new_code_cell(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                                                                   "import utils\nutils.dropout_layer(1.0, 1.5)")])
    nbformat.write(nb, path)
    before = path.read_bytes()
    env = {**os.environ, "BOOK_EXECUTE_LOCK": str(tmp_path / "lock")}
    # -o: take the venv as up to date (this test runs inside it); BIN: the Python running the tests.
    done = subprocess.run(["make", "-s", "-o", ".venv/.installed", "execute", f"NB={path}",
                           f"BIN={Path(sys.executable).parent}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "FAILED" in done.stdout and "left unchanged" in done.stdout, done.stdout
    assert "X must be a torch.Tensor" in done.stdout  # the notebook's own error is shown
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lock", "raises.ipynb"]


# --- issue 21: the right answer where there is one ----------------------------------------------

def test_u2_binary_outputs_are_read_as_probabilities():
    """One column (or 1-d) of floats in [0, 1] is P(class 1), thresholded at 0.5; labels stay labels."""
    p = torch.sigmoid(torch.randn(759, 1, generator=torch.Generator().manual_seed(0)))
    y = (p > 0.5).float()
    assert utils.accuracy(p, y) == 759.0  # a perfect classifier, whatever the shapes and dtypes
    assert utils.accuracy(p.reshape(-1), y.reshape(-1).long()) == 759.0
    assert utils.accuracy(p, 1 - y) == 0.0
    assert utils.accuracy(torch.tensor([[0.9], [0.1], [0.5], [0.51]]), torch.tensor([1, 1, 0, 1])) == 3.0
    # integer-valued floats are labels, as in d2l: (n, 1) class indices against (n, 1) labels
    assert utils.accuracy(torch.tensor([[1.0], [2.0], [3.0]]), torch.tensor([[1.0], [2.0], [0.0]])) == 2.0
    assert utils.accuracy(torch.tensor([1.0, 0.0]), torch.tensor([1, 1])) == 1.0
    loader = [(torch.zeros(4, 1), torch.tensor([[1.0], [0.0], [1.0], [1.0]]))]
    net = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
    with torch.no_grad():
        net[0].weight.zero_()
        net[0].bias.fill_(2.0)  # P(1) = 0.88 for every row
    assert utils.evaluate_accuracy(net, loader) == 0.75


def test_u2_train_epoch_gives_nan_accuracy_for_a_regression():
    """A regression trains as before; its 'accuracy' is not a number, rather than a meaningless one."""
    X, y = torch.randn(8, 3), torch.randn(8, 1) * 3
    net = nn.Linear(3, 1)
    loss, acc = utils.train_epoch(net, [(X, y)], nn.MSELoss(), torch.optim.SGD(net.parameters(), lr=0.01))
    assert loss > 0 and acc != acc  # NaN


def test_u13_nan_scores_are_never_correct_in_training():
    net = nn.Linear(3, 4)
    with torch.no_grad():
        net.weight.fill_(float("nan"))
    loss, acc = utils.train_epoch(net, [(torch.randn(6, 3), torch.zeros(6, dtype=torch.long))],
                                  nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.1))
    assert loss != loss and acc == 0.0  # the loss says NaN, and no NaN row counts as a class-0 prediction


def test_u7_half_precision_probabilities_are_accepted():
    torch.manual_seed(1)
    for dtype in (torch.float16, torch.bfloat16):
        probs = torch.softmax(torch.randn(1000, 10), 1).to(dtype)
        assert torch.isfinite(utils.predictive_entropy(probs)).all()
        y = torch.randint(0, 10, (1000,))
        assert 0 <= utils.expected_calibration_error(probs, y) <= 1
        assert utils.reliability_bins(probs, y).count.sum() == 1000
    with pytest.raises(ValueError, match="not logits"):
        utils.predictive_entropy(torch.tensor([[2.0, 0.5]]).half())


def test_u12_numpy_integers_are_accepted():
    import numpy as np

    assert utils.mc_predict(_dropnet(), _x(2, 3), np.int64(5)).shape == (2, 2)
    assert utils.mc_dropout_probs(_dropnet(), _x(2, 3), np.int32(3)).shape == (3, 2, 2)
    assert len(utils.reliability_bins(_probs(), torch.tensor([0, 1]), n_bins=np.int64(10)).count) == 10
    assert len(utils.Accumulator(np.int64(2))) == 2
    assert len(utils.TensorLoader(_x(4), batch_size=np.int64(2))) == 2
    assert utils.paired_difference([1, 2, 3], [2, 3, 5], method="bootstrap", n_boot=np.int64(100)).n == 3
    with pytest.raises(TypeError, match="T must be an int"):
        utils.mc_predict(_dropnet(), _x(2, 3), 2.0)
    with pytest.raises(ValueError, match="T must be at least 1"):
        utils.mc_predict(_dropnet(), _x(2, 3), np.int64(0))


def test_u11_numpy_bools_are_flags_too():
    import numpy as np

    assert utils.TensorLoader(_x(4), batch_size=2, shuffle=np.True_).shuffle is True
    assert utils.load_array((_x(4),), 2, is_train=np.False_).shuffle is False


def test_u16_a_bad_scheduler_fails_before_the_first_step():
    net = _linear()
    before = [p.detach().clone() for p in net.parameters()]
    batches = _batches()
    with pytest.raises(TypeError, match="scheduler"):
        utils.fit(net, batches, batches, nn.CrossEntropyLoss(), 2, torch.optim.SGD(net.parameters(), lr=1.0),
                  scheduler="cos", plot=False)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


def test_u17_a_failed_save_leaves_no_part_file(tmp_path):
    target = tmp_path / "r.png"
    target.mkdir()  # the rename onto a directory fails
    with pytest.raises(OSError):
        utils.save_figure(Figure(), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.png"]


def test_u14_paired_difference_takes_a_column_against_a_row():
    d = utils.paired_difference(torch.tensor([[1.0], [2.0], [3.0]]), [2.0, 3.0, 5.0])
    assert (d.n, d.mean) == (3, pytest.approx(4 / 3))


def test_paired_difference_accepts_tensors_and_lists_of_0d_tensors():
    a, b = [0.81, 0.80, 0.83], [0.84, 0.82, 0.86]
    want = utils.paired_difference(a, b)
    got = [utils.paired_difference(torch.tensor(a), torch.tensor(b, requires_grad=True)),
           utils.paired_difference([torch.tensor(v) for v in a], [torch.tensor(v) for v in b])]
    if torch.cuda.is_available():
        got.append(utils.paired_difference(torch.tensor(a, device="cuda"), [torch.tensor(v, device="cuda") for v in b]))
    for d in got:
        assert (d.mean, d.low, d.high) == pytest.approx((want.mean, want.low, want.high), abs=1e-7)


def test_u9_a_failed_download_says_what_to_do(tmp_path, monkeypatch):
    """BOOK_OFFLINE unset on a machine without network: the error carries the offline hint."""
    import socket

    def no_network(*args, **kwargs):
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BOOK_OFFLINE", "0")
    for load in (utils.load_fashion_mnist, utils.load_diabetes, utils.load_cifar10):
        with pytest.raises(utils.DataNotFoundError, match=r"could not be downloaded.*BOOK_OFFLINE=1.*install-data"):
            load()


def _tiny_cifar(root: Path, train: int, test: int, start: int = 0) -> None:
    from PIL import Image

    for split, count in (("train", train), ("test", test)):
        for label, cls in enumerate(utils.CIFAR10_CLASSES):
            folder = root / "CIFAR-10-images" / split / cls
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(start, start + count):
                Image.new("RGB", (32, 32), (20 * label, 5 * i, 100)).save(folder / f"{i:04d}.jpg")


@pytest.fixture
def tiny_offline(empty_offline_data, tmp_path, monkeypatch):
    """An empty data folder, downloads forbidden, and a user cache folder of its own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "usercache"))
    return empty_offline_data


def test_u6_an_incomplete_image_folder_warns_and_a_completed_one_is_decoded_again(tiny_offline):
    _tiny_cifar(tiny_offline, 2, 1)
    with pytest.warns(UserWarning, match=r"holds 20 training images, not 50,000.*install-data"):
        first = utils.load_cifar10()
    assert first.train[0].shape == (20, 3, 32, 32)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match=r"n_train=1000 but .* only 20"):
        utils.load_cifar10(n_train=1000)
    _tiny_cifar(tiny_offline, 3, 1, start=2)  # the interrupted extraction completed: 5 per class
    with pytest.warns(UserWarning):
        again = utils.load_cifar10()
    assert again.train[0].shape == (50, 3, 32, 32)  # not the stale cache's 20


def test_u6_loaders_refuse_more_examples_than_there_are(tiny_offline):
    _tiny_cifar(tiny_offline, 1, 1)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match=r"n_test=11 but .* only 10 test"):
        utils.load_cifar10(n_test=11)


def test_u5_a_read_only_data_folder_caches_in_the_user_cache(tiny_offline, monkeypatch):
    import errno

    _tiny_cifar(tiny_offline, 1, 1)
    real_save = torch.save
    refused = []

    def read_only_save(obj, f, *args, **kwargs):
        if str(tiny_offline) in str(f):
            refused.append(f)
            raise OSError(errno.EROFS, "Read-only file system", str(f))
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", read_only_save)
    with pytest.warns(UserWarning, match="holds 10 training"):
        splits = utils.load_cifar10()
    assert splits.train[0].shape == (10, 3, 32, 32) and refused
    assert [p.name for p in tiny_offline.iterdir()] == ["CIFAR-10-images"]  # nothing written, no .part
    cached = list((tiny_offline.parent / "usercache").rglob("*.pt"))
    assert len(cached) == 1 and not list((tiny_offline.parent / "usercache").rglob("*.part"))
    with pytest.warns(UserWarning, match="holds 10 training"):
        again = utils.load_cifar10()  # read from the user cache
    assert torch.equal(again.train[0], splits.train[0])


def test_u5_no_writable_cache_still_loads(tiny_offline, monkeypatch):
    _tiny_cifar(tiny_offline, 1, 1)

    def no_space(obj, f, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", no_space)
    with pytest.warns(UserWarning) as record:
        splits = utils.load_cifar10()
    assert splits.train[0].shape == (10, 3, 32, 32)
    assert any("could not be cached" in str(w.message) for w in record)


# --- issue 21: the reproduction report (tools.claims.Claim.evaluate) --------------------------

def _claim(check: str, ours: str = "{x:.2f}"):
    from tools.claims import Claim

    return Claim("02_numpy_inverted_dropout.ipynb", "A1", "vanilla scores differ", "", ours, check, "holds", "s")


def test_u3_a_nan_glued_value_is_an_error_not_a_contradiction():
    with pytest.raises(ValueError, match=r"02_numpy_inverted_dropout\.ipynb.*x is NaN"):
        _claim("x > 0.5").evaluate({"x": float("nan")})
    with pytest.raises(ValueError, match=r"02_numpy.*low is NaN"):
        _claim("verdict(low, 0.05)", ours="{low}").evaluate({"low": float("nan"), "x": 1.0})
    assert _claim("x > 0.5").evaluate({"x": 0.7}) == ("0.70", "holds")
    assert _claim("x > 0.5").evaluate({"x": 0.2}) == ("0.20", "contradicted")


@pytest.mark.parametrize("values, message", [({}, r"x.*not glued"), ({"x": "0.9"}, r"Unknown format code")])
def test_u10_errors_of_a_claim_name_the_chapter_and_the_claim(values, message):
    with pytest.raises(ValueError, match=r"02_numpy_inverted_dropout\.ipynb, claim 'vanilla scores differ'") as info:
        _claim("x > 0.5").evaluate(values)
    assert re.search(message, str(info.value)) and "make execute NB=chapters/02" in str(info.value)


# --- issue 20 item 10: right on a GPU --------------------------------------------------------

def test_timer_and_wall_time_synchronise_cuda_before_reading_the_clock(monkeypatch):
    from utils import runtime

    calls = []
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *a: calls.append("sync"))
    timer = utils.Timer()
    timer.stop()
    assert calls == ["sync", "sync"]
    runtime.wall_time()
    assert len(calls) == 3


def _count_host_syncs(monkeypatch, run) -> int:
    """How often `run()` reads a tensor's value on the host (item, float, bool, tolist)."""
    count = [0]
    for name in ("item", "__float__", "__bool__", "tolist", "__int__"):
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _original=original, **kwargs):
            count[0] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    run()
    monkeypatch.undo()
    return count[0]


@pytest.mark.parametrize("which", ["accuracy", "loss"])
def test_evaluation_syncs_once_not_per_batch(monkeypatch, which):
    net = nn.Linear(3, 4)
    X, y = torch.randn(40, 3), torch.randint(0, 4, (40,))
    evaluate = {"accuracy": lambda b: utils.evaluate_accuracy(net, utils.TensorLoader(X, y, batch_size=b)),
                "loss": lambda b: utils.evaluate_loss(net, utils.TensorLoader(X, y, batch_size=b),
                                                      nn.CrossEntropyLoss())}[which]
    few = _count_host_syncs(monkeypatch, lambda: evaluate(20))
    many = _count_host_syncs(monkeypatch, lambda: evaluate(2))
    assert many == few <= 4, (few, many)


@pytest.mark.parametrize("call", [lambda: utils.reliability_bins(_probs(), torch.tensor([0, 1])),
                                  lambda: utils.auroc(torch.tensor([0.1, 0.4]), torch.tensor([0.3, 0.9]))])
def test_float64_casts_happen_after_cpu(monkeypatch, call):
    """reliability_bins and auroc move to the CPU before .double() (Apple's MPS has no float64)."""
    seen = []
    for name in ("cpu", "double"):
        original = getattr(torch.Tensor, name)

        def recorded(self, *args, _name=name, _original=original, **kwargs):
            seen.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, recorded)
    call()
    assert "double" in seen and seen.index("cpu") < seen.index("double"), seen


def test_set_seed_advice_names_cublas_workspace_config():
    assert "CUBLAS_WORKSPACE_CONFIG" in utils.set_seed.__doc__

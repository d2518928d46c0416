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


def _x(*shape: int) -> torch.Tensor:
    return torch.ones(*shape)


def _linear() -> nn.Module:
    return nn.Linear(3, 2)


def _frozen() -> nn.Module:
    net = nn.Linear(3, 2)
    net.requires_grad_(False)
    return net


def _batches(n: int = 4) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [(torch.randn(n, 3), torch.zeros(n, dtype=torch.long))]


def _sgd() -> torch.optim.Optimizer:
    return torch.optim.SGD(_linear().parameters(), lr=0.1)


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
    Case("train_epoch", "a model that is not callable", lambda f: utils.train_epoch("net", _batches(), nn.MSELoss(),
                                                                                    _sgd()),
         TypeError, "net must be a model"),
    Case("train_epoch", "an updater that is neither optimizer nor function",
         lambda f: utils.train_epoch(_linear(), _batches(), nn.CrossEntropyLoss(), "sgd"), TypeError, "updater"),
    Case("train_epoch", "a loss returning a float",
         lambda f: utils.train_epoch(_linear(), _batches(), lambda y_hat, y: 0.5, _sgd()), TypeError,
         "must return a tensor"),
    Case("train_epoch", "an empty iterator", lambda f: utils.train_epoch(_linear(), [], nn.CrossEntropyLoss(), _sgd()),
         ValueError, "yielded no examples"),
    Case("fit", "num_epochs=0", lambda f: utils.fit(_linear(), _batches(), _batches(), nn.CrossEntropyLoss(), 0,
                                                     _sgd()),
         ValueError, "num_epochs must be at least 1"),
    Case("fit", "eval_every=0", lambda f: utils.fit(_linear(), _batches(), _batches(), nn.CrossEntropyLoss(), 1,
                                                     _sgd(), eval_every=0),
         ValueError, "eval_every must be at least 1"),
    Case("fit", "train_eval_iter=5", lambda f: utils.fit(_linear(), _batches(), _batches(), nn.CrossEntropyLoss(), 1,
                                                          _sgd(), train_eval_iter=5),
         TypeError, "iterable of"),
    Case("History", "best() of an unknown record", lambda f: utils.History().best("test_loss"), ValueError,
         "takes 'train_acc'"),
    Case("History", "best() with nothing recorded", lambda f: utils.History().best("test_acc"), ValueError,
         "no test_acc recorded"),
    Case("mc_predict", "a function, not a module", lambda f: utils.mc_predict(lambda x: x, _x(2, 3), 5), TypeError,
         "nn.Module"),
    Case("mc_predict", "T = 0 passes", lambda f: utils.mc_predict(_dropnet(), _x(2, 3), 0), ValueError,
         "positive int"),
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

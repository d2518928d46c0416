"""utils.data: the loaders on the data folder, the offline and corrupt-file errors, the CIFAR-10 fallback.

The real-data tests read the data folder (BOOK_DATA_DIR, default data/); they fail, never skip, when it
is missing. CI lays it out with `bash ../shared/data/install-data.sh data`.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from utils import data, runtime
from utils.data import (
    CIFAR10_CLASSES,
    FASHION_MNIST_CLASSES,
    CorruptDataError,
    DataNotFoundError,
    data_dir,
    load_cifar10,
    load_diabetes,
    load_fashion_mnist,
    train_test_split,
)

# the tiny fake image folders below are incomplete on purpose: load_cifar10 rightly warns about them
pytestmark = pytest.mark.filterwarnings("ignore:the CIFAR-10 image folder holds:UserWarning")

INSTALL_HINT = "run `bash ../shared/data/install-data.sh data` in the repository (CI always lays it out)"
FASHION_FILES = list(data.FASHION_MNIST_SHA256)


def require_data() -> Path:
    """The real data folder, or a failure saying how to lay it out."""
    root = data_dir()
    missing = [str(root / "FashionMNIST" / "raw" / f) for f in FASHION_FILES
               if not (root / "FashionMNIST" / "raw" / f).is_file()]
    if not ((root / "CIFAR-10-images").is_dir() or (root / "cifar-10-batches-py").is_dir()):
        missing.append(str(root / "CIFAR-10-images"))
    if not (root / "diabetes.csv.gz").is_file():
        missing.append(str(root / "diabetes.csv.gz"))
    if missing:
        pytest.fail(f"the data folder is incomplete (missing {', '.join(missing)}): {INSTALL_HINT}",
                    pytrace=False)
    return root


@pytest.fixture(scope="module")
def offline_real():
    """BOOK_OFFLINE=1 and the real data folder, for the module's loads."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BOOK_OFFLINE", "1")
        require_data()
        yield


@pytest.fixture(scope="module")
def fashion(offline_real):
    return load_fashion_mnist()


@pytest.fixture(scope="module")
def cifar(offline_real):
    return load_cifar10()


@pytest.fixture
def empty_offline(tmp_path, monkeypatch):
    """An empty data folder with downloads forbidden."""
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BOOK_OFFLINE", "1")
    return tmp_path


def _per_class(y: torch.Tensor) -> list[int]:
    return torch.bincount(y.long().reshape(-1), minlength=10).tolist()


# --- the real data sets -----------------------------------------------------------------------

def test_fashion_mnist(fashion):
    (X, y), (Xt, yt) = fashion.train, fashion.test
    assert X.shape == (60000, 1, 28, 28) and Xt.shape == (10000, 1, 28, 28)
    assert X.dtype == Xt.dtype == torch.float32
    assert y.dtype == yt.dtype == torch.int64
    assert X.min().item() == 0.0 and X.max().item() == 1.0 and 0 <= Xt.min() <= Xt.max() <= 1
    assert _per_class(y) == [6000] * 10 and _per_class(yt) == [1000] * 10
    assert int(y.min()) == 0 and int(y.max()) == 9
    assert fashion.classes == FASHION_MNIST_CLASSES and len(fashion.classes) == 10
    assert "original" in fashion.source
    assert runtime.data_sources()["Fashion-MNIST"] == fashion.source


def test_fashion_mnist_subsets(offline_real, fashion):
    small = load_fashion_mnist(n_train=500, n_test=200, device="cpu")
    (X, y), (Xt, yt) = small.train, small.test
    assert X.shape == (500, 1, 28, 28) and Xt.shape == (200, 1, 28, 28) and len(y) == 500
    assert all(c > 0 for c in _per_class(y)) and all(c > 0 for c in _per_class(yt))
    again = load_fashion_mnist(n_train=500, n_test=200)
    assert torch.equal(again.train[1], y) and torch.equal(again.train[0], X)  # a fixed subset
    with pytest.raises(ValueError, match=r"n_train=1000000 but the data folder holds only 60000 training"):
        load_fashion_mnist(n_train=10**6)  # more than there is: an error, not a silent cap


@pytest.mark.parametrize("loader", [load_fashion_mnist, load_cifar10])
@pytest.mark.parametrize("kwargs, error", [({"n_train": 0}, ValueError), ({"n_test": -5}, ValueError),
                                           ({"n_train": 1.5}, TypeError), ({"n_test": "100"}, TypeError),
                                           ({"n_train": True}, TypeError)])
def test_subset_sizes_are_checked(loader, kwargs, error):
    with pytest.raises(error, match="n_t"):
        loader(**kwargs)


def test_cifar10(cifar):
    (X, y), (Xt, yt) = cifar.train, cifar.test
    assert X.shape == (50000, 3, 32, 32) and Xt.shape == (10000, 3, 32, 32)
    assert X.dtype == torch.float32 and y.dtype == yt.dtype == torch.int64
    assert X.min().item() == -1.0 and X.max().item() == 1.0 and -1 <= Xt.min() <= Xt.max() <= 1
    assert _per_class(y) == [5000] * 10 and _per_class(yt) == [1000] * 10
    assert cifar.classes == CIFAR10_CLASSES
    if (data_dir() / "cifar-10-batches-py").is_dir():
        assert "original" in cifar.source
    else:
        assert "JPEG copy" in cifar.source and "not the original" in cifar.source
    assert runtime.data_sources()["CIFAR-10"] == cifar.source


def test_cifar10_is_stored_channels_last(cifar):
    for X, _ in (cifar.train, cifar.test):
        assert X.is_contiguous(memory_format=torch.channels_last) and not X.is_contiguous()
        assert X.stride() == (3 * 32 * 32, 1, 32 * 3, 3)  # NHWC in memory, NCHW in shape


def test_cifar10_subsets_and_normalize(offline_real, cifar):
    small = load_cifar10(n_train=300, n_test=100, normalize=False)
    (X, y), (Xt, yt) = small.train, small.test
    assert X.shape == (300, 3, 32, 32) and Xt.shape == (100, 3, 32, 32)
    assert 0 <= X.min() and X.max() <= 1 and X.max() > 0.9
    assert all(c > 0 for c in _per_class(y)) and all(c > 0 for c in _per_class(yt))
    normalized = load_cifar10(n_train=300, n_test=100)
    assert torch.allclose(normalized.train[0], X * 2 - 1, atol=1e-6)
    assert torch.equal(normalized.train[1], y)


def test_diabetes(offline_real):
    X, y = load_diabetes(device="cpu")
    assert X.shape == (759, 8) and y.shape == (759, 1)
    assert X.dtype == y.dtype == torch.float32
    assert -1 <= X.min() and X.max() <= 1
    assert set(y.reshape(-1).tolist()) == {0.0, 1.0}
    assert "sha256" in runtime.data_sources()["diabetes"]


def test_diabetes_download_goes_through_pooch_with_the_sha256(tmp_path, monkeypatch, offline_real):
    import pooch

    real = require_data() / "diabetes.csv.gz"
    calls = []

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        calls.append((url, known_hash, fname, Path(path)))
        shutil.copy(real, Path(path) / fname)
        return str(Path(path) / fname)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BOOK_OFFLINE", "0")
    X, y = load_diabetes()
    assert calls == [(data.DIABETES_URL, f"sha256:{data.DIABETES_SHA256}", "diabetes.csv.gz", tmp_path)]
    assert "hunkim/PyTorchZeroToAll" in data.DIABETES_URL and X.shape == (759, 8)


# --- the data folder --------------------------------------------------------------------------

def test_data_dir_honours_book_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path.resolve()
    monkeypatch.setenv("BOOK_DATA_DIR", "~/some-data")
    assert data_dir() == Path("~/some-data").expanduser().resolve()
    for unset in ("", "   "):
        monkeypatch.setenv("BOOK_DATA_DIR", unset)
        assert data_dir() == Path(data.__file__).resolve().parent.parent / "data"
    monkeypatch.delenv("BOOK_DATA_DIR")
    assert data_dir() == Path(data.__file__).resolve().parent.parent / "data"


@pytest.mark.parametrize("loader, name, searched", [
    (load_fashion_mnist, "Fashion-MNIST", ["FashionMNIST/raw"]),
    (load_cifar10, "CIFAR-10", ["cifar-10-batches-py", "CIFAR-10-images"]),
    (load_diabetes, "diabetes", ["diabetes.csv.gz"]),
])
def test_missing_data_offline_says_what_where_and_how(empty_offline, loader, name, searched):
    with pytest.raises(DataNotFoundError) as info:
        loader()
    message = str(info.value)
    assert name in message
    for place in searched:
        assert str(empty_offline / place) in message
    assert "install-data.sh" in message and "BOOK_DATA_DIR" in message and "BOOK_OFFLINE" in message
    assert isinstance(info.value, FileNotFoundError)
    assert list(empty_offline.iterdir()) == []  # nothing downloaded or created


# --- corrupt files are reported, never loaded --------------------------------------------------

def _flip_byte(path: Path, offset: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize("damage", [_flip_byte, _truncate])
@pytest.mark.parametrize("victim", ["train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"])
def test_corrupt_fashion_mnist_file(tmp_path, monkeypatch, offline_real, damage, victim):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name in FASHION_FILES:
        source = require_data() / "FashionMNIST" / "raw" / name
        if name == victim:
            shutil.copy(source, raw / name)
        else:
            (raw / name).symlink_to(source)
    if damage is _flip_byte:
        damage(raw / victim, (raw / victim).stat().st_size - 100)  # a pixel or a label, not the header
    else:
        damage(raw / victim)
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    with pytest.raises(CorruptDataError, match="corrupt") as info:
        load_fashion_mnist()
    assert str(raw / victim) in str(info.value) and "Fashion-MNIST" in str(info.value)


@pytest.mark.parametrize("damage", ["flip", "truncate", "recompressed"])
def test_corrupt_diabetes_file(tmp_path, monkeypatch, offline_real, damage):
    path = tmp_path / "diabetes.csv.gz"
    shutil.copy(require_data() / "diabetes.csv.gz", path)
    if damage == "flip":
        _flip_byte(path, path.stat().st_size // 2)
    elif damage == "truncate":
        _truncate(path)
    else:  # same rows, other bytes: still not the file whose sha256 we know
        path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()) + b"\n"))
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    with pytest.raises(CorruptDataError, match="corrupt") as info:
        load_diabetes()
    assert str(path) in str(info.value)


@pytest.mark.parametrize("damage", [_flip_byte, _truncate])
def test_corrupt_real_cifar_cache(tmp_path, monkeypatch, cifar, damage):
    cache = require_data() / data._CIFAR_CACHE
    assert cache.is_file(), "load_cifar10() from the JPEG copy writes the cache"
    copy = tmp_path / data._CIFAR_CACHE
    shutil.copy(cache, copy)
    if damage is _flip_byte:
        damage(copy, copy.stat().st_size // 2)  # inside the training images
    else:
        damage(copy)
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    with pytest.raises(CorruptDataError, match="corrupt") as info:
        load_cifar10()
    assert str(copy) in str(info.value)


def test_corrupt_original_cifar_folder(tmp_path, monkeypatch):
    (tmp_path / "cifar-10-batches-py").mkdir()
    (tmp_path / "cifar-10-batches-py" / "data_batch_1").write_bytes(b"not a pickle")
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BOOK_OFFLINE", "1")
    with pytest.raises(CorruptDataError, match="corrupt or incomplete"):
        load_cifar10()


# --- the CIFAR-10 image-folder fallback, on a tiny fake copy -------------------------------------

def _color(label: int, i: int) -> tuple[int, int, int]:
    return (20 * label + 5, 200 - 15 * label, 40 + 60 * i)


def _fake_image_folder(root: Path, per_class: dict[str, int]) -> None:
    """CIFAR-10-images/{train,test}/<class>/NNNN.jpg with solid-colour 32x32 JPEGs."""
    from PIL import Image

    for split, count in per_class.items():
        for label, name in enumerate(CIFAR10_CLASSES):
            folder = root / "CIFAR-10-images" / split / name
            folder.mkdir(parents=True)
            for i in range(count):
                Image.new("RGB", (32, 32), _color(label, i)).save(folder / f"{i:04d}.jpg", quality=95)


def test_image_folder_fallback_decodes_and_caches(tmp_path, monkeypatch):
    _fake_image_folder(tmp_path, {"train": 2, "test": 1})
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BOOK_OFFLINE", "1")
    monkeypatch.setattr(runtime, "_SOURCES", {})
    splits = load_cifar10(normalize=False)
    (X, y), (Xt, yt) = splits.train, splits.test
    assert X.shape == (20, 3, 32, 32) and Xt.shape == (10, 3, 32, 32) and X.dtype == torch.float32
    assert y.tolist() == [label for label in range(10) for _ in range(2)] and yt.tolist() == list(range(10))
    for k, (label, i) in enumerate((label, i) for label in range(10) for i in range(2)):
        want = torch.tensor(_color(label, i), dtype=torch.float32) / 255
        assert torch.allclose(X[k].mean(dim=(1, 2)), want, atol=3 / 255)  # JPEG is lossy
    assert "JPEG copy" in splits.source and runtime.data_sources()["CIFAR-10"] == splits.source
    cache = tmp_path / data._CIFAR_CACHE
    assert cache.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CIFAR-10-images", data._CIFAR_CACHE]  # no .part

    # the second load reads the cache: it works with the image folder gone, and gives the same tensors
    shutil.rmtree(tmp_path / "CIFAR-10-images")
    again = load_cifar10(normalize=False)
    assert torch.equal(again.train[0], X) and torch.equal(again.test[1], yt)


def test_cache_is_written_atomically(tmp_path, monkeypatch):
    _fake_image_folder(tmp_path, {"train": 1, "test": 1})
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BOOK_OFFLINE", "1")
    real_save = torch.save

    def dying_save(obj, f, *args, **kwargs):
        real_save(obj, f, *args, **kwargs)
        f.flush()
        Path(f.name).write_bytes(Path(f.name).read_bytes()[:100])  # half written ...
        raise KeyboardInterrupt  # ... when the run is interrupted

    monkeypatch.setattr(torch, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        load_cifar10()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CIFAR-10-images"]  # no cache, no .part
    monkeypatch.setattr(torch, "save", real_save)
    assert load_cifar10().train[0].shape == (10, 3, 32, 32)
    assert (tmp_path / data._CIFAR_CACHE).is_file()


@pytest.mark.parametrize("damage", [_flip_byte, _truncate])
def test_corrupt_small_cache(tmp_path, monkeypatch, damage):
    _fake_image_folder(tmp_path, {"train": 1, "test": 1})
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BOOK_OFFLINE", "1")
    load_cifar10()
    cache = tmp_path / data._CIFAR_CACHE
    saved = torch.load(cache, weights_only=True)
    # flip a byte of the stored training pixels
    pixels = saved["train_x"].numpy().tobytes()
    offset = cache.read_bytes().find(pixels[:64]) + 10 if damage is _flip_byte else None
    if damage is _flip_byte:
        assert offset >= 10
        damage(cache, offset)
    else:
        damage(cache)
    with pytest.raises(CorruptDataError, match="corrupt"):
        load_cifar10()


def test_corrupt_or_foreign_jpeg_is_reported(tmp_path, monkeypatch):
    from PIL import Image

    _fake_image_folder(tmp_path, {"train": 1, "test": 1})
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BOOK_OFFLINE", "1")
    bad = tmp_path / "CIFAR-10-images" / "train" / "cat" / "0000.jpg"
    bad.write_bytes(bad.read_bytes()[:20])  # a truncated JPEG
    with pytest.raises(CorruptDataError, match="corrupt") as info:
        load_cifar10()
    assert str(bad) in str(info.value)
    Image.new("RGB", (64, 48)).save(bad)
    with pytest.raises(CorruptDataError, match="64x48"):
        load_cifar10()
    assert not (tmp_path / data._CIFAR_CACHE).exists()


def test_missing_class_folder_is_reported(tmp_path, monkeypatch):
    _fake_image_folder(tmp_path, {"train": 1, "test": 1})
    shutil.rmtree(tmp_path / "CIFAR-10-images" / "test" / "truck")
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BOOK_OFFLINE", "1")
    with pytest.raises(DataNotFoundError, match="truck"):
        load_cifar10()


# --- train_test_split -------------------------------------------------------------------------

def test_train_test_split():
    X = torch.arange(40.0).reshape(20, 2)
    y = torch.arange(20)
    (X_train, y_train), (X_test, y_test) = train_test_split(X, y, test_fraction=0.25, seed=0)
    assert len(y_test) == 5 and len(y_train) == 15
    assert sorted(torch.cat([y_train, y_test]).tolist()) == list(range(20))
    assert torch.equal(X_train[:, 0], 2.0 * y_train) and torch.equal(X_test[:, 0], 2.0 * y_test)
    again = train_test_split(X, y, test_fraction=0.25, seed=0)
    assert torch.equal(again[1][1], y_test)
    other = train_test_split(X, y, test_fraction=0.25, seed=1)
    assert not torch.equal(other[1][1], y_test)
    assert len(train_test_split(X, y, test_fraction=0.01)[1][1]) == 1  # at least one test row
    assert len(train_test_split(X, y, test_fraction=np.float64(0.5))[1][1]) == 10


@pytest.mark.parametrize("args, kwargs, error, message", [
    (([1, 2], torch.zeros(2)), {}, TypeError, "X must be a torch.Tensor"),
    ((torch.zeros(4), None), {}, TypeError, "y must be a torch.Tensor"),
    ((torch.zeros(4), torch.zeros(3)), {}, ValueError, "4 rows but y has 3"),
    ((torch.zeros(4), torch.zeros(4)), {"test_fraction": 0}, ValueError, "test_fraction"),
    ((torch.zeros(4), torch.zeros(4)), {"test_fraction": 1.0}, ValueError, "test_fraction"),
    ((torch.zeros(4), torch.zeros(4)), {"test_fraction": float("nan")}, ValueError, "test_fraction"),
    ((torch.zeros(4), torch.zeros(4)), {"seed": -1}, ValueError, "seed"),
    ((torch.zeros(4), torch.zeros(4)), {"seed": 0.5}, TypeError, "seed"),
    ((torch.zeros(1), torch.zeros(1)), {}, ValueError, "too few"),
])
def test_train_test_split_bad_inputs(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        train_test_split(*args, **kwargs)

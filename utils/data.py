"""The book's data sets: the data folder, the loaders, and synthetic data (d2l's synthetic_data).

Every loader returns tensors held in memory, says where they came from (`record_source`, shown by
`provenance()`), downloads only when BOOK_OFFLINE is not set, and refuses corrupt files.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .checks import check_bool, check_finite, check_int, check_optional_int, check_same_device, check_tensor
from .runtime import is_offline, record_source

MIRROR_HINT = (
    "On a machine without network, lay out the offline mirror with "
    "`bash ../shared/data/install-data.sh data` (or set BOOK_DATA_DIR to a folder that has it); "
    "with network, unset BOOK_OFFLINE and the loader downloads it."
)

# sha256 of the uncompressed IDX files (identical whether torchvision downloaded them or not).
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
FASHION_MNIST_CLASSES = ("t-shirt", "trouser", "pullover", "dress", "coat",
                         "sandal", "shirt", "sneaker", "bag", "ankle boot")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
DIABETES_URL = "https://raw.githubusercontent.com/hunkim/PyTorchZeroToAll/master/data/diabetes.csv.gz"
DIABETES_SHA256 = "398214d0f6b7f4a722f598d8e424f28bc078abbd16ebdeea0f8e264492325aa4"
_CIFAR_CACHE = "CIFAR-10-images.pt"


class DataNotFoundError(FileNotFoundError):
    """A data set is not in the data folder and may not be downloaded."""


class CorruptDataError(ValueError):
    """A data file is there but does not match its checksum."""


@dataclass(frozen=True)
class Splits:
    """A data set as tensors: `train` and `test` are (X, y) pairs; `source` says where it came from."""

    train: tuple[torch.Tensor, torch.Tensor]
    test: tuple[torch.Tensor, torch.Tensor]
    classes: tuple[str, ...]
    source: str


def data_dir() -> Path:
    """The data folder: BOOK_DATA_DIR if set, else `data/` at the top of the book's repository."""
    configured = os.environ.get("BOOK_DATA_DIR", "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / "data"


def sha256(path: Path) -> str:
    """Hex sha256 digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _not_found(dataset: str, searched: list[Path]) -> DataNotFoundError:
    """The error for a data set that is missing while downloads are off."""
    places = ", ".join(str(p) for p in searched)
    return DataNotFoundError(
        f"{dataset} is not in the data folder and BOOK_OFFLINE=1 forbids downloading it. "
        f"Searched: {places}. {MIRROR_HINT}"
    )


def _verify(dataset: str, folder: Path, expected: dict[str, str]) -> None:
    """Raise CorruptDataError unless every named file in `folder` has its expected sha256."""
    for name, digest in expected.items():
        if sha256(folder / name) != digest:
            raise CorruptDataError(
                f"{dataset} file {folder / name} is corrupt (its sha256 does not match): delete it "
                f"and load again. {MIRROR_HINT}"
            )


def _subset(X: torch.Tensor, y: torch.Tensor, n: int | None, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The first `n` examples of a fixed random order (seed 0), so every class is represented.

    `what` names the argument and the set, e.g. "n_train ... training": asking for more examples than
    there are is an error, not a silent cap.
    """
    if n is not None and n > len(y):
        arg, split = what.split(" ", 1)
        raise ValueError(f"{arg}={n} but the data folder holds only {len(y)} {split} examples: "
                         f"pass {arg}=None for all of them.")
    if n is None or n == len(y):
        return X, y
    keep = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))[:n].sort().values
    return X[keep], y[keep]


@contextmanager
def _downloading(dataset: str):
    """Turn a failed download (no network, a proxy, a server error) into a DataNotFoundError with the hint."""
    try:
        yield
    except Exception as exc:
        raise DataNotFoundError(
            f"{dataset} is not in the data folder ({data_dir()}) and could not be downloaded "
            f"({type(exc).__name__}: {' '.join(str(exc).split())}). If this machine has no network, "
            f"set BOOK_OFFLINE=1. {MIRROR_HINT}"
        ) from exc


def _place(X: torch.Tensor, y: torch.Tensor, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Move a pair of tensors to `device` (None: leave them where they are)."""
    return (X, y) if device is None else (X.to(device), y.to(device))


def load_fashion_mnist(n_train: int | None = None, n_test: int | None = None,
                       device: torch.device | str | None = None) -> Splits:
    """Fashion-MNIST as tensors: X of shape (n, 1, 28, 28) in [0, 1], y int64 labels 0-9."""
    from torchvision import datasets

    n_train = check_optional_int(n_train, "n_train")
    n_test = check_optional_int(n_test, "n_test")
    root = data_dir()
    raw = root / "FashionMNIST" / "raw"
    if not all((raw / name).is_file() for name in FASHION_MNIST_SHA256):
        if is_offline():
            raise _not_found("Fashion-MNIST", [raw])
        with _downloading("Fashion-MNIST"):
            datasets.FashionMNIST(str(root), train=True, download=True)  # fetches all four files
    _verify("Fashion-MNIST", raw, FASHION_MNIST_SHA256)
    parts = {}
    for train, n, what in ((True, n_train, "n_train training"), (False, n_test, "n_test test")):
        ds = datasets.FashionMNIST(str(root), train=train, download=False)
        parts[train] = _subset(ds.data.unsqueeze(1).float().div_(255), ds.targets, n, what)
    source = "Fashion-MNIST, original IDX files (torchvision.datasets.FashionMNIST)"
    record_source("Fashion-MNIST", source)
    return Splits(_place(*parts[True], device), _place(*parts[False], device),
                  FASHION_MNIST_CLASSES, source)


def _decode_image_folder(folder: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Decode `folder/<class>/*.jpg` (classes in CIFAR-10 order) into uint8 (n, 3, 32, 32) and labels."""
    from PIL import Image

    images, labels = [], []
    for label, name in enumerate(CIFAR10_CLASSES):
        files = sorted((folder / name).glob("*.jpg"))
        if not files:
            raise DataNotFoundError(
                f"CIFAR-10 image folder {folder / name} holds no .jpg files. {MIRROR_HINT}")
        for path in files:
            try:
                with Image.open(path) as img:
                    pixels = np.asarray(img.convert("RGB"))
            except OSError as exc:  # PIL: unidentified or truncated image
                raise CorruptDataError(
                    f"CIFAR-10 image {path} is corrupt ({exc}): replace it and load again. {MIRROR_HINT}"
                ) from exc
            if pixels.shape != (32, 32, 3):
                raise CorruptDataError(f"CIFAR-10 image {path} is {pixels.shape[1]}x{pixels.shape[0]}, "
                                       "not 32x32: the image folder is not CIFAR-10's.")
            images.append(pixels)
            labels.append(label)
    X = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
    return X, torch.tensor(labels, dtype=torch.int64)


def _tensor_digest(*tensors: torch.Tensor) -> str:
    """sha256 over the bytes of some CPU tensors (to validate a cache file)."""
    digest = hashlib.sha256()
    for t in tensors:
        digest.update(t.contiguous().numpy().tobytes())
    return digest.hexdigest()


def _folder_key(folder: Path) -> str:
    """sha256 over the image folder's listing (split, class, file name, size): it changes with the contents."""
    listing = []
    for split in ("train", "test"):
        for name in CIFAR10_CLASSES:
            try:
                with os.scandir(folder / split / name) as entries:
                    listing += [f"{split}/{name}/{e.name}:{e.stat().st_size}" for e in entries
                                if e.name.endswith(".jpg")]
            except FileNotFoundError:  # the decoder reports a missing class folder
                continue
    return hashlib.sha256("\n".join(sorted(listing)).encode()).hexdigest()


def _user_cache(root: Path) -> Path:
    """Where the CIFAR-10 cache goes when the data folder is read-only: a user cache folder, one file per folder."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "regularization-book"
    return base / f"{Path(_CIFAR_CACHE).stem}-{hashlib.sha256(str(root).encode()).hexdigest()[:16]}.pt"


def _read_cache(cache: Path) -> tuple[dict[bool, tuple[torch.Tensor, torch.Tensor]], str | None]:
    """The tensors of a cache file and the folder key it was made from; CorruptDataError if it is damaged."""
    corrupt = f"The CIFAR-10 cache {cache} is corrupt: delete it and load again."
    try:
        saved = torch.load(cache, weights_only=True)
        tensors = [saved[k] for k in ("train_x", "train_y", "test_x", "test_y")]
        intact = _tensor_digest(*tensors) == saved["digest"]
    except Exception as exc:  # truncated zip, bad pickle, missing keys, not tensors
        raise CorruptDataError(f"{corrupt} ({type(exc).__name__}: {exc})") from exc
    for X, y in (tensors[:2], tensors[2:]):
        intact = intact and X.dtype == torch.uint8 and X.shape[1:] == (3, 32, 32) and y.dtype == torch.int64
        intact = intact and len(X) == len(y) and bool(((y >= 0) & (y < 10)).all())
    if not intact:
        raise CorruptDataError(corrupt)
    return {True: (tensors[0], tensors[1]), False: (tensors[2], tensors[3])}, saved.get("key")


def _remove_orphans(cache: Path) -> None:
    """Delete partial cache files left by a process that was killed while writing (SIGKILL skips finally)."""
    for orphan in cache.parent.glob(f"{cache.name}.*.part"):
        pid = orphan.name[len(cache.name) + 1:-len(".part")]
        try:
            os.kill(int(pid), 0)  # raises if no such process
        except ProcessLookupError:
            orphan.unlink(missing_ok=True)
        except (ValueError, PermissionError):  # not our name, or a live process of another user
            continue


def _write_cache(payload: dict, places: list[Path]) -> None:
    """Save the cache atomically in the first place that takes it; warn (and go on) if none does."""
    errors = []
    for cache in places:
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.part")  # one per process: no clash
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            _remove_orphans(cache)
            with open(partial, "wb") as handle:
                torch.save(payload, handle)
            os.replace(partial, cache)  # a reader never sees a half-written cache
            return
        except OSError as exc:  # a read-only or full folder: try the next place
            errors.append(f"{cache.parent}: {exc.strerror or exc}")
        finally:
            if os.path.exists(partial):  # a failed write leaves no partial file behind
                os.unlink(partial)
    warnings.warn(f"the decoded CIFAR-10 images could not be cached ({'; '.join(errors)}): every load will "
                  "decode them again. Point BOOK_DATA_DIR at a writable copy of the data folder to avoid it.",
                  UserWarning, stacklevel=3)


def _cifar_from_images(root: Path) -> dict[bool, tuple[torch.Tensor, torch.Tensor]]:
    """The JPEG copy of CIFAR-10, decoded once and cached beside it (or in a user cache folder).

    The cache is keyed by the image folder's listing, so a folder that changed (an extraction that
    completed) is decoded again; without the image folder, the cache alone is used.
    """
    folder = root / "CIFAR-10-images"
    key = _folder_key(folder) if folder.is_dir() else None
    places = [root / _CIFAR_CACHE, _user_cache(root)]
    for cache in places:
        if cache.is_file():
            parts, cached_key = _read_cache(cache)
            if key is None or cached_key == key:
                return parts
    parts = {True: _decode_image_folder(folder / "train"), False: _decode_image_folder(folder / "test")}
    tensors = [*parts[True], *parts[False]]
    payload = dict(zip(("train_x", "train_y", "test_x", "test_y"), tensors))
    payload["digest"] = _tensor_digest(*tensors)
    payload["key"] = key
    _write_cache(payload, places)
    return parts


def _warn_if_incomplete(parts: dict[bool, tuple[torch.Tensor, torch.Tensor]]) -> None:
    """Warn when the JPEG copy holds fewer images than CIFAR-10 (50,000 + 10,000): an interrupted extraction."""
    n_train, n_test = len(parts[True][1]), len(parts[False][1])
    if (n_train, n_test) != (50_000, 10_000):
        warnings.warn(f"the CIFAR-10 image folder holds {n_train:,} training images, not 50,000, and {n_test:,} "
                      f"test images, not 10,000: was its extraction interrupted? {MIRROR_HINT}",
                      UserWarning, stacklevel=3)


def _cifar_original(root: Path, download: bool) -> dict[bool, tuple[torch.Tensor, torch.Tensor]]:
    """The original CIFAR-10 (torchvision's python batches), md5-checked by torchvision."""
    from torchvision import datasets

    if download:
        with _downloading("CIFAR-10"):
            datasets.CIFAR10(str(root), train=True, download=True)  # fetches and extracts both splits
    parts = {}
    for train in (True, False):
        try:
            ds = datasets.CIFAR10(str(root), train=train, download=False)
        except RuntimeError as exc:  # torchvision: "Dataset not found or corrupted."
            raise CorruptDataError(
                f"CIFAR-10 in {root / 'cifar-10-batches-py'} is corrupt or incomplete ({exc}): "
                f"delete that folder and load again. {MIRROR_HINT}"
            ) from exc
        X = torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous()
        parts[train] = (X, torch.tensor(ds.targets, dtype=torch.int64))
    return parts


def load_cifar10(n_train: int | None = None, n_test: int | None = None, normalize: bool = True,
                 device: torch.device | str | None = None) -> Splits:
    """CIFAR-10 as tensors: X of shape (n, 3, 32, 32) in [-1, 1] (or [0, 1] without normalize).

    X is stored channels-last (`torch.channels_last`): NHWC in memory, the layout in which the CPU's
    convolution kernels run fastest; `utils.TensorLoader` keeps that layout in every batch.

    Uses the original data set when it is in the data folder (or can be downloaded), otherwise the
    JPEG image-folder copy `CIFAR-10-images/{train,test}/<class>/`, decoded once and cached. That
    copy re-encodes every image as a JPEG at quality 75 with 4:2:0 chroma subsampling (colour at half
    the resolution in each direction), so its pixels are not the original ones; its files, and so the
    returned tensors, are ordered by class: subsample at random, never by a prefix.
    """
    n_train = check_optional_int(n_train, "n_train")
    n_test = check_optional_int(n_test, "n_test")
    normalize = check_bool(normalize, "normalize")
    root = data_dir()
    original = root / "cifar-10-batches-py"
    images = root / "CIFAR-10-images"
    if original.is_dir():
        parts, source = _cifar_original(root, download=False), "CIFAR-10, original (torchvision)"
    elif (images.is_dir() or (root / _CIFAR_CACHE).is_file() or _user_cache(root).is_file()) and is_offline():
        parts = _cifar_from_images(root)
        _warn_if_incomplete(parts)
        source = "CIFAR-10, JPEG copy (CIFAR-10-images, quality 75): not the original pixels"
    elif not is_offline():
        parts, source = _cifar_original(root, download=True), "CIFAR-10, original (torchvision)"
    else:
        raise _not_found("CIFAR-10", [original, images, root / _CIFAR_CACHE])
    record_source("CIFAR-10", source)
    out = {}
    for train, n, what in ((True, n_train, "n_train training"), (False, n_test, "n_test test")):
        X, y = _subset(*parts[train], n, what)
        X = X.float().div_(255)
        if normalize:
            X = X.sub_(0.5).div_(0.5)  # [0, 1] -> [-1, 1], as Normalize(0.5, 0.5) does
        # channels-last memory (NHWC), same shape and values: the layout convolutions run fastest on
        X = X.contiguous(memory_format=torch.channels_last)
        out[train] = _place(X, y, device)
    return Splits(out[True], out[False], CIFAR10_CLASSES, source)


def load_diabetes(device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The Pima diabetes table (759 rows): X float32 (759, 8) scaled to [-1, 1], y float32 (759, 1)."""
    path = data_dir() / "diabetes.csv.gz"
    if path.is_file() and is_offline():
        _verify("The diabetes table", path.parent, {path.name: DIABETES_SHA256})
    elif not path.is_file() and is_offline():
        raise _not_found("The diabetes table (diabetes.csv.gz)", [path])
    elif not is_offline():
        import pooch

        with _downloading("The diabetes table (diabetes.csv.gz)"):
            pooch.retrieve(DIABETES_URL, known_hash=f"sha256:{DIABETES_SHA256}", fname=path.name,
                           path=path.parent, progressbar=False)  # re-fetches a corrupt copy
    table = np.loadtxt(path, delimiter=",", dtype=np.float32)
    record_source("diabetes", "Pima diabetes CSV (hunkim/PyTorchZeroToAll data/diabetes.csv.gz), sha256 checked")
    X, y = torch.from_numpy(table[:, :-1]), torch.from_numpy(table[:, -1:])
    return _place(X, y, device)


def train_test_split(X: torch.Tensor, y: torch.Tensor, test_fraction: float = 0.25,
                     seed: int = 0) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """Split (X, y) at random (seeded) into ((X_train, y_train), (X_test, y_test))."""
    check_tensor(X, "X", min_dim=1)
    check_tensor(y, "y", min_dim=1)
    check_same_device(X=X, y=y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}.")
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}.")
    check_int(seed, "seed", minimum=0)
    n_test = max(1, round(len(X) * float(test_fraction)))
    if n_test >= len(X):
        raise ValueError(f"{len(X)} rows are too few to hold out {n_test} for testing.")
    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed)).to(X.device)
    test, train = order[:n_test], order[n_test:]
    return (X[train], y[train]), (X[test], y[test])


def synthetic_data(w: torch.Tensor, b: float, num_examples: int,
                   noise: float = 0.01) -> tuple[torch.Tensor, torch.Tensor]:
    """d2l's synthetic_data: X ~ N(0, 1) of shape (n, len(w)), y = Xw + b + N(0, noise²) as (n, 1)."""
    check_tensor(w, "w", min_dim=1)
    if w.dim() > 2 or (w.dim() == 2 and w.shape[1] != 1):
        raise ValueError(f"w must have shape (d,) or (d, 1), got {tuple(w.shape)}.")
    num_examples = check_int(num_examples, "num_examples")
    if not float(noise) >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}.")
    check_finite(noise, "noise")
    if isinstance(b, torch.Tensor):
        finite = bool(torch.isfinite(b).all())
    elif isinstance(b, numbers.Real) and not isinstance(b, bool):
        finite = math.isfinite(b)
    else:
        raise TypeError(f"b must be a number, got {type(b).__name__}.")
    if not finite:
        raise ValueError(f"b must be a finite number, got {b!r}.")
    if not torch.isfinite(w).all():
        raise ValueError("w must be finite: it holds NaN or infinite weights.")
    X = torch.normal(0, 1, (num_examples, len(w)), device=w.device)
    y = torch.matmul(X, w) + b
    y += torch.normal(0, noise, y.shape, device=w.device)
    return X, y.reshape((-1, 1))

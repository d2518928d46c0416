"""The contenders' data pipelines, models and optimizers, built the same way for every repetition.

(a) the sources' way: a torchvision dataset with per-item transforms through a DataLoader;
(b) the book's way: `utils` loaders (tensors in memory, on the device) batched by `utils.TensorLoader`;
(c) the compute floor: batches already built in memory before the clock starts.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

import utils

BATCH_SIZE = 256
D2L_WORKERS = 4  # d2l.get_dataloader_workers()


@dataclass(frozen=True)
class Workload:
    """One benchmark: a data set, a model and its optimizer settings."""

    key: str
    title: str
    model: str
    optimizer: str

    def build(self) -> tuple[nn.Module, torch.optim.Optimizer]:
        """The model (on the book's device) and its optimizer; seed first for equal starts."""
        if self.key == "fashion_mlp":
            net = utils.dropout_mlp(784, (256, 256), 10, (0.2, 0.5)).to(utils.device())
            return net, torch.optim.SGD(net.parameters(), lr=0.5)
        net = utils.LeNet5(in_channels=3, num_classes=10, placement="A").to(utils.device())
        return net, torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)


FASHION = Workload("fashion_mlp", "Fashion-MNIST, chapter 3's MLP",
                   "784-256-256-10 MLP, dropout 0.2/0.5 (utils.dropout_mlp)", "SGD lr 0.5, batch 256")
CIFAR = Workload("cifar_lenet", "CIFAR-10, chapter 7's LeNet-5",
                 "LeNet-5, placement A (utils.LeNet5)", "SGD lr 0.01 momentum 0.9, batch 256")
WORKLOADS = (FASHION, CIFAR)


@contextmanager
def working_directory(path: Path):
    """Run a block with `path` as the working directory."""
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def d2l_fashion_loaders() -> tuple[DataLoader, DataLoader] | None:
    """d2l 1.0.3's own `load_data_fashion_mnist(256)` (4 workers), or None where it cannot run here.

    d2l reads from "../data" with download=True: run from inside the data folder, whose "../data" is
    the data folder itself; torchvision finds the files and downloads nothing.
    """
    root = utils.data_dir()
    if root.name != "data":
        return None
    try:
        from d2l import torch as d2l
    except ImportError:
        return None
    with working_directory(root):
        return d2l.load_data_fashion_mnist(BATCH_SIZE)


def fashion_dataset(train: bool):
    """torchvision's FashionMNIST with ToTensor, from the data folder (d2l's dataset)."""
    return datasets.FashionMNIST(str(utils.data_dir()), train=train, transform=transforms.ToTensor(),
                                 download=False)


class CIFAR10Arrays(datasets.CIFAR10):
    """torchvision's own CIFAR10 item code (`__getitem__`) over uint8 arrays already in memory.

    The original data set's `CIFAR10` keeps its images as one (N, 32, 32, 3) uint8 array and, per item,
    wraps one in a PIL image and runs the transforms. Given the decoded arrays of the JPEG copy, this
    does that same per-item work, with no file read and no JPEG decode in the timed loop.
    """

    def __init__(self, data, targets: list[int], transform):  # no files to read: the arrays are given
        self.root, self.train, self.transforms = "", True, None
        self.data, self.targets, self.transform, self.target_transform = data, targets, transform, None


def cifar_dataset(train: bool):
    """CIFAR-10 with ToTensor + Normalize(0.5, 0.5) per item, as the source's load_cifar_10_data.

    The original data set (torchvision.datasets.CIFAR10) where it is in the data folder; otherwise the
    JPEG copy, decoded once by `utils.load_cifar10` and served by CIFAR10's own item code from memory,
    which is the per-item work the source pays on the original. Returns (dataset, description).
    """
    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))])
    root = utils.data_dir()
    if (root / "cifar-10-batches-py").is_dir():
        ds = datasets.CIFAR10(str(root), train=train, transform=transform, download=False)
        return ds, "torchvision.datasets.CIFAR10 (original, in memory) + ToTensor + Normalize"
    splits = utils.load_cifar10(normalize=False)
    X, y = splits.train if train else splits.test
    data = X.mul(255).round_().to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
    ds = CIFAR10Arrays(data, y.tolist(), transform)
    return ds, ("torchvision.datasets.CIFAR10's own item code over the JPEG copy's pixels, decoded once and "
                "held as a uint8 array as the original is (no decode per item) + ToTensor + Normalize")


def jpeg_folder(train: bool = True):
    """The JPEG copy as torchvision.datasets.ImageFolder (one file read and decode per item), or None."""
    folder = utils.data_dir() / "CIFAR-10-images" / ("train" if train else "test")
    return datasets.ImageFolder(str(folder)) if folder.is_dir() else None


def source_loader(workload: Workload, workers: int, train: bool = True,
                  use_d2l: bool = True) -> tuple[DataLoader, str]:
    """Contender (a): a DataLoader over per-item transforms, with `workers` worker processes."""
    if workload is FASHION:
        if use_d2l and workers == D2L_WORKERS:
            loaders = d2l_fashion_loaders()
            if loaders is not None:
                return loaders[0 if train else 1], "d2l.load_data_fashion_mnist(256) (d2l 1.0.3 itself)"
        ds, how = fashion_dataset(train), "torchvision.datasets.FashionMNIST + ToTensor"
    else:
        ds, how = cifar_dataset(train)
    loader = DataLoader(ds, BATCH_SIZE, shuffle=train, num_workers=workers)
    return loader, f"{how}, DataLoader(batch_size=256, shuffle={train}, num_workers={workers})"


def book_splits(workload: Workload, dev: torch.device | None) -> utils.Splits:
    """The book's tensors for a workload (on `dev`; None leaves them on the CPU)."""
    if workload is FASHION:
        return utils.load_fashion_mnist(device=dev)
    return utils.load_cifar10(normalize=True, device=dev)


def book_loader(splits: utils.Splits, seed: int, train: bool = True) -> utils.TensorLoader:
    """Contender (b): utils.TensorLoader over the tensors in memory (shuffled and seeded when training)."""
    X, y = splits.train if train else splits.test
    return utils.TensorLoader(X, y, batch_size=BATCH_SIZE, shuffle=train, seed=seed if train else None)


def floor_batches(loader: utils.TensorLoader) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Contender (c): one epoch's batches, built before the clock starts.

    Drawn from a TensorLoader seeded as (b)'s, so (b) and (c) see the very same batches in the same
    order, epoch after epoch: they do the same work, and (with the same seed) train the same model.
    """
    return list(loader)


def floor_epoch(net: nn.Module, batches, loss: nn.Module, optimizer: torch.optim.Optimizer) -> None:
    """Forward, backward and step over ready batches: nothing else (no metrics, no data pipeline)."""
    net.train()
    for X, y in batches:
        values = loss(net(X), y)
        optimizer.zero_grad(set_to_none=True)
        values.backward()
        optimizer.step()

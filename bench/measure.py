"""The measurements: training epochs per contender, evaluation, loader start-up, per-item costs, a profile."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager

import torch
from torch import nn
from torch.utils.data import default_collate

import utils
from utils.loader import take_rows

from .common import DataClock, cpu_seconds, sync
from .pipelines import (
    BATCH_SIZE,
    D2L_WORKERS,
    FASHION,
    Workload,
    book_loader,
    book_splits,
    fashion_dataset,
    floor_batches,
    floor_epoch,
    source_loader,
)

# The contenders of a training benchmark, in the order each repetition runs them (a4 a0 b c a4 a0 b c ...).
CONTENDERS = ("a4", "a0", "b", "c")
LABELS = {
    "a4": "(a) DataLoader, 4 workers",
    "a0": "(a) DataLoader, 0 workers",
    "b": "(b) the book: TensorLoader",
    "c": "(c) compute floor",
}
# The layout benchmark: the compute floor's training steps on the same batches in two memory formats.
LAYOUT_LABELS = {"nchw": "NCHW batches (contiguous)", "channels_last": "channels-last batches (the book's)"}


def nchw(splits: utils.Splits) -> utils.Splits:
    """The same tensors in the default contiguous (NCHW) memory format: same shapes, same values."""
    def plain(X: torch.Tensor) -> torch.Tensor:
        return X.contiguous(memory_format=torch.contiguous_format)

    return utils.Splits((plain(splits.train[0]), splits.train[1]), (plain(splits.test[0]), splits.test[1]),
                        splits.classes, splits.source)


def train_run(workload: Workload, contender: str, seed: int, epochs: int, dev: torch.device,
              splits: utils.Splits, test_loader, max_batches: int | None = None) -> dict:
    """Train a fresh seeded model for `epochs` with one contender's pipeline; time every epoch.

    Contenders: a4, a0, b, c (see LABELS), and bn: (b) with the tensors in NCHW memory format.

    An epoch's clock covers the whole pass, the DataLoader's worker start-up and shut-down included
    (d2l starts fresh workers every epoch). Set-up (reading the data set, building the loader) is timed
    apart: (b) reads its data set afresh each time, (c) uses the `splits` already in memory. Test
    accuracy is measured afterwards with the same evaluator (`test_loader`) for every contender.
    """
    utils.set_seed(seed)
    net, optimizer = workload.build()
    loss = nn.CrossEntropyLoss()
    start = time.perf_counter()
    if contender in ("a4", "a0"):
        loader, how = source_loader(workload, D2L_WORKERS if contender == "a4" else 0)
    elif contender in ("b", "bn"):
        book = book_splits(workload, dev)
        loader = book_loader(book if contender == "b" else nchw(book), seed)
        how = "utils.load_* (tensors on the device) + utils.TensorLoader + utils.train_epoch"
        if contender == "bn":
            how += ", the tensors made NCHW-contiguous (.contiguous()) before batching"
    else:
        batches = book_loader(splits, seed)  # (b)'s batches, drawn off the clock
        how = "a list of ready batches per epoch (built off the clock); forward, backward, step only"
    setup = time.perf_counter() - start
    record = {"seed": seed, "how": how, "setup_s": setup, "epoch_s": [], "data_s": [], "first_batch_s": [],
              "batches": [], "cpu_s": [], "others_cpu_s": []}
    for _ in range(epochs):
        if contender == "c":
            loader = floor_batches(batches)  # built before the clock starts
        clock = DataClock(dev, max_batches)
        sync(dev)
        own, machine = cpu_seconds()
        start = time.perf_counter()
        if contender == "c":
            floor_epoch(net, clock(loader), loss, optimizer)
        else:
            utils.train_epoch(net, clock(loader), loss, optimizer)
        sync(dev)
        record["epoch_s"].append(time.perf_counter() - start)
        own_after, machine_after = cpu_seconds()
        record["cpu_s"].append(own_after - own)  # this process and its workers
        record["others_cpu_s"].append(  # other programs on the machine meanwhile (None: unknown)
            None if machine is None else max(0.0, (machine_after - machine) - (own_after - own)))
        record["data_s"].append(clock.seconds)
        record["first_batch_s"].append(clock.first)
        record["batches"].append(clock.batches)
    record["test_acc"] = utils.evaluate_accuracy(net, test_loader)
    record["state"] = {k: v.detach().to("cpu").clone() for k, v in net.state_dict().items()}
    del loader
    gc.collect()
    return record


def eval_run(workload: Workload, contender: str, net: nn.Module, dev: torch.device, splits) -> dict:
    """Time utils.evaluate_accuracy over the test set: the book's TensorLoader or a DataLoader."""
    start = time.perf_counter()
    if contender == "b":
        loader, how = book_loader(splits, seed=0, train=False), "utils.TensorLoader over the test tensors"
    else:
        loader, how = source_loader(workload, D2L_WORKERS if contender == "a4" else 0, train=False)
    setup = time.perf_counter() - start
    sync(dev)
    start = time.perf_counter()
    acc = utils.evaluate_accuracy(net, DataClock(dev)(loader))
    sync(dev)
    return {"how": how, "setup_s": setup, "seconds": time.perf_counter() - start, "test_acc": acc}


def startup_run(workload: Workload, contender: str, dev: torch.device, splits) -> dict:
    """Time a loader's iter() (forks the workers), its first batch, and dropping it (joins them)."""
    if contender == "b":
        loader = book_loader(splits, seed=0)
    else:
        loader = source_loader(workload, D2L_WORKERS if contender == "a4" else 0)[0]
    t0 = time.perf_counter()
    it = iter(loader)
    t1 = time.perf_counter()
    X, _ = next(it)
    X = X.to(dev)
    sync(dev)
    t2 = time.perf_counter()
    del it  # a DataLoader's iterator joins its workers here
    t3 = time.perf_counter()
    del loader
    gc.collect()
    return {"iter_s": t1 - t0, "first_batch_s": t2 - t1, "shutdown_s": t3 - t2, "total_s": t3 - t0}


def _per_item(fn: Callable[[int], object], items: list[int]) -> float:
    """Mean microseconds per call of fn(i) over `items`."""
    start = time.perf_counter()
    for i in items:
        fn(i)
    return (time.perf_counter() - start) / len(items) * 1e6


def per_item_costs(workload: Workload, n: int = 2048) -> dict:
    """Microseconds per example of each step of the per-item pipeline, against the book's batching."""
    from PIL import Image
    from torchvision import transforms

    items = list(range(n))
    to_tensor = transforms.ToTensor()
    normalize = transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    costs: dict[str, float] = {}
    if workload is FASHION:
        ds = fashion_dataset(train=True)
        images = [Image.fromarray(ds.data[i].numpy(), mode="L") for i in items]
        costs["uint8 tensor -> PIL image (Image.fromarray)"] = _per_item(
            lambda i: Image.fromarray(ds.data[i].numpy(), mode="L"), items)
        costs["ToTensor"] = _per_item(lambda i: to_tensor(images[i]), items)
    else:
        from .pipelines import cifar_dataset, jpeg_folder

        ds, _ = cifar_dataset(train=True)
        jpegs = jpeg_folder(train=True)
        if jpegs is not None:  # what an ImageFolder over the JPEG copy would add per item
            costs["open + decode one JPEG (PIL), not in (a)"] = _per_item(
                lambda i: jpegs.loader(jpegs.samples[i][0]), items)
        arrays = [ds.data[i] for i in items]
        pil = [Image.fromarray(a) for a in arrays]
        costs["uint8 array -> PIL image (the original CIFAR10's path)"] = _per_item(
            lambda i: Image.fromarray(arrays[i]), items)
        costs["ToTensor"] = _per_item(lambda i: to_tensor(pil[i]), items)
        tensors = [to_tensor(p) for p in pil]
        costs["Normalize"] = _per_item(lambda i: normalize(tensors[i]), items)
    costs["dataset[i], all steps"] = _per_item(lambda i: ds[i], items)
    samples = [ds[i] for i in range(BATCH_SIZE)]
    reps = max(1, n // BATCH_SIZE)
    start = time.perf_counter()
    for _ in range(reps):
        default_collate(samples)
    costs["default_collate (per item of a 256 batch)"] = (time.perf_counter() - start) / (reps * BATCH_SIZE) * 1e6
    splits = book_splits(workload, None)
    X, y = splits.train
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))[:n]
    start = time.perf_counter()
    for idx in order.split(BATCH_SIZE):
        take_rows(X, idx), take_rows(y, idx)
    costs["the book: index_select (per item of a 256 batch)"] = (time.perf_counter() - start) / n * 1e6
    return {k: round(v, 2) for k, v in costs.items()}


@contextmanager
def native_stderr_silenced():
    """Hide what C++ libraries write to file descriptor 2 (the profiler's start/stop log lines)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def profile_run(workload: Workload, contender: str, dev: torch.device, splits, batches: int,
                top: int = 10) -> list[dict]:
    """torch.profiler over `batches` training batches of (b) or (c): the operators taking the most self time."""
    from torch.profiler import ProfilerActivity, profile

    utils.set_seed(0)
    net, optimizer = workload.build()
    loss = nn.CrossEntropyLoss()
    ready = floor_batches(book_loader(splits, 0))[:batches] if contender == "c" else None
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.type == "cuda" else [])
    with native_stderr_silenced(), profile(activities=activities) as prof:
        if contender == "c":
            floor_epoch(net, ready, loss, optimizer)
        else:
            utils.train_epoch(net, DataClock(dev, batches)(book_loader(splits, 0)), loss, optimizer)
        sync(dev)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events) or 1.0
    rows = sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)[:top]
    return [{"op": e.key, "calls": int(e.count), "self_cpu_ms": round(e.self_cpu_time_total / 1000, 2),
             "share": round(e.self_cpu_time_total / total, 4)} for e in rows]


def layout_run(workload: Workload, seed: int, dev: torch.device, splits, block: int = 8) -> dict:
    """One epoch of training steps on the same batches in NCHW and in channels-last, step by step.

    Two models start from the same seeded weights; (b)'s batches for `seed` are drawn off the clock and
    copied once into NCHW. At every step both models take one step on the same batch, one in each
    layout, in alternating order, each timed alone (forward, backward, optimizer step, as the floor (c)
    does). A slow patch of a shared machine then hits both layouts alike. Returns the epoch totals and
    the per-block sums (`block` steps each) of either layout, and the models' largest weight difference.
    """
    batches = floor_batches(book_loader(splits, seed))
    formats = {"channels_last": batches,
               "nchw": [(X.contiguous(memory_format=torch.contiguous_format), y) for X, y in batches]}
    if not all(X.is_contiguous(memory_format=torch.channels_last) and not X.is_contiguous()
               for X, _ in batches):
        raise ValueError("the book's batches are expected channels-last")
    nets = {}
    for name in formats:
        utils.set_seed(seed)
        nets[name] = workload.build()
    loss = nn.CrossEntropyLoss()
    steps: dict[str, list[float]] = {name: [] for name in formats}
    order = list(formats)
    for i in range(len(batches)):
        for name in order if i % 2 == 0 else order[::-1]:
            net, optimizer = nets[name]
            X, y = formats[name][i]
            net.train()
            sync(dev)
            start = time.perf_counter()
            values = loss(net(X), y)
            optimizer.zero_grad(set_to_none=True)
            values.backward()
            optimizer.step()
            sync(dev)
            steps[name].append(time.perf_counter() - start)
    a, b = (dict(nets[name][0].state_dict()) for name in formats)
    diff = max(float((a[k].float() - b[k].float()).abs().max()) for k in a)
    return {"seed": seed, "steps": len(batches), "block": block,
            "epoch_s": {name: sum(t) for name, t in steps.items()},
            "blocks_s": {name: [sum(t[j:j + block]) for j in range(0, len(t), block)] for name, t in steps.items()},
            "max_weight_difference": diff}

"""Batching a data set held in memory as tensors: TensorLoader, and load_array (d2l's API)."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from .checks import check_bool, check_int, check_same_device, check_tensor


class TensorLoader:
    """Batches of tensors already in memory, by index: no per-item Python, no worker processes.

    The tensors are moved once to `device`. With `shuffle`, each epoch draws a fresh permutation
    from a generator seeded from `seed` (or, when seed is None, from torch's global generator),
    so the same seed gives the same sequence of epochs. The generator's stream is not the one that
    `torch.manual_seed(seed)` gives the global generator (see `shuffle_seed`), so the shuffle never
    reuses the numbers that drew the weights (or, on the CPU, the dropout masks). The tensors must be
    on one device. The shuffle is drawn on the CPU, so it is the same on every device.
    """

    def __init__(
        self,
        *tensors: torch.Tensor,
        batch_size: int,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        if not tensors:
            raise ValueError("TensorLoader needs at least one tensor, e.g. TensorLoader(X, y, ...).")
        for i, t in enumerate(tensors):
            check_tensor(t, f"tensor {i}", min_dim=1)
        n = tensors[0].shape[0]
        if any(t.shape[0] != n for t in tensors):
            sizes = [t.shape[0] for t in tensors]
            raise ValueError(f"TensorLoader: the tensors' first dimensions differ: {sizes}.")
        if n == 0:
            raise ValueError("TensorLoader: the tensors hold no examples.")
        self.batch_size = check_int(batch_size, "batch_size")
        if seed is not None:
            check_int(seed, "seed", minimum=0)
        if device is None:
            check_same_device(**{f"tensor {i}": t for i, t in enumerate(tensors)})
        self.tensors = tuple(t.to(device) if device is not None else t for t in tensors)
        self.shuffle = check_bool(shuffle, "shuffle")
        self.drop_last = check_bool(drop_last, "drop_last")
        self.num_examples = n
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)).item())
        self._generator = torch.Generator().manual_seed(shuffle_seed(seed))

    def __len__(self) -> int:
        if self.drop_last:
            return self.num_examples // self.batch_size
        return -(-self.num_examples // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        n, size = self.num_examples, self.batch_size
        stop = len(self) * size
        if not self.shuffle:  # slices are views: no copy at all
            for start in range(0, min(stop, n), size):
                yield tuple(t[start:start + size] for t in self.tensors)
            return
        order = torch.randperm(n, generator=self._generator).to(self.tensors[0].device)
        for start in range(0, min(stop, n), size):
            idx = order[start:start + size]
            yield tuple(take_rows(t, idx) for t in self.tensors)


def shuffle_seed(seed: int) -> int:
    """The seed of a loader's shuffling generator for a user's `seed`: never `seed` itself.

    `torch.Generator().manual_seed(s)` draws exactly the numbers that `torch.manual_seed(s)` gives the
    global generator, so a loader seeded with the notebook's own seed would shuffle with numbers that
    also drew the initial weights (and, in longer runs on the CPU, the first dropout masks; on a GPU
    the masks come from the GPU's own generator). Chapter 3 measures it on the CPU:
    with the shuffles held fixed, sharing the seed lowered test accuracy after two epochs, although the
    numbers reused fed no trained weight or mask; a derived seed keeps the two roles apart.
    """
    return (seed * 0x9E3779B97F4A7C15 + 0x5EED) % 2**63


def take_rows(t: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """t[idx] along the first dimension, keeping a channels-last layout (which index_select drops)."""
    if t.dim() == 4 and not t.is_contiguous() and t.is_contiguous(memory_format=torch.channels_last):
        # gather in the NHWC view, whose rows are contiguous, and view the result as NCHW again
        return t.permute(0, 2, 3, 1).index_select(0, idx).permute(0, 3, 1, 2)
    return t.index_select(0, idx)


def load_array(data_arrays: tuple[torch.Tensor, ...], batch_size: int,
               is_train: bool = True) -> TensorLoader:
    """d2l's load_array: an iterator over minibatches of `data_arrays`, shuffled when training."""
    if not isinstance(data_arrays, (tuple, list)):
        raise TypeError("load_array(data_arrays, ...): pass a tuple of tensors, e.g. (X, y).")
    return TensorLoader(*data_arrays, batch_size=batch_size, shuffle=check_bool(is_train, "is_train"))

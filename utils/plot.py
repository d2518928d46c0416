"""Figures that work in Jupyter and outside it: Animator (d2l's API), show_images, show."""

from __future__ import annotations

import io
import numbers
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .checks import check_int


def _is_sequence(value) -> bool:
    """A list/tuple/array of values (not a string, not a 0-d tensor or array)."""
    if isinstance(value, (str, bytes)):
        return False
    if getattr(value, "ndim", None) == 0:
        return False
    return isinstance(value, Sequence) or hasattr(value, "__len__")


def _is_limits(value) -> bool:
    """A pair (low, high) of real numbers, either of which may be None (matplotlib's axis limits)."""
    return _is_sequence(value) and len(value) == 2 and all(
        v is None or (isinstance(v, numbers.Real) and not isinstance(v, bool)) for v in value)


def _numel(value) -> int:
    """Number of elements of a tensor or array (1 for a scalar)."""
    numel = getattr(value, "numel", None)
    return int(numel()) if callable(numel) else int(getattr(value, "size", 1))


def in_jupyter() -> bool:
    """True inside a Jupyter kernel (JupyterLab, classic notebook, Colab, nbclient)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """Render a figure to PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = 100) -> Path:
    """Write a figure to a PNG file atomically (a temporary file, then a rename)."""
    if not isinstance(fig, Figure):
        raise TypeError(f"save_figure() takes a matplotlib Figure, got {type(fig).__name__}.")
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"save_figure writes PNG files: give a path ending in .png, got {path}.")
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_bytes(png_bytes(fig, dpi))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)  # a failed write or rename leaves nothing behind
    return path


def show(fig: Figure) -> None:
    """Show a figure as one PNG output in Jupyter; outside Jupyter do nothing (never block)."""
    if not isinstance(fig, Figure):
        raise TypeError(f"show() takes a matplotlib Figure, got {type(fig).__name__}.")
    if in_jupyter():
        from IPython.display import Image, display

        display(Image(data=png_bytes(fig)))


def show_images(imgs: Sequence, num_rows: int, num_cols: int, titles: Sequence[str] | None = None,
                scale: float = 1.5, cmap: str = "gray") -> Figure:
    """Show a grid of images (tensors or arrays, HxW or CxHxW) and return the figure."""
    if not _is_sequence(imgs):
        raise TypeError(f"show_images() takes a list (or batch tensor) of images, got {type(imgs).__name__}.")
    check_int(num_rows, "num_rows")
    check_int(num_cols, "num_cols")
    if len(imgs) > num_rows * num_cols:
        raise ValueError(f"{len(imgs)} images do not fit a {num_rows}x{num_cols} grid.")
    if titles is not None and len(titles) != len(imgs):
        raise ValueError(f"{len(titles)} titles for {len(imgs)} images.")
    fig = Figure(figsize=(num_cols * scale, num_rows * scale))
    axes = np.atleast_1d(fig.subplots(num_rows, num_cols)).ravel()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= len(imgs):
            continue
        img = np.asarray(imgs[i].detach().cpu() if hasattr(imgs[i], "detach") else imgs[i])
        if img.ndim == 3 and img.shape[0] in (1, 3):  # CxHxW -> HxWxC
            img = np.moveaxis(img, 0, -1)
        ax.imshow(img.squeeze(), cmap=cmap if img.squeeze().ndim == 2 else None)
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    show(fig)
    return fig


class Animator:
    """Plot curves point by point (d2l's constructor and add(x, y)).

    In Jupyter it redraws one figure in place, so the stored output is exactly one PNG. Elsewhere
    it prints one compact line per add() and never opens a window; save() writes the final figure.
    The plotted points stay in `X` and `Y` (one list per curve).

    `redraw_every=k` redraws (or prints) only at every k-th add() (default 1: every add); a long run
    then renders its figure a bounded number of times. `flush()` draws the points added since the
    last redraw, e.g. after the final epoch.

    `live=False` never redraws, even in Jupyter: add() only records the points, and `draw()`, `save()`
    or `utils.show(animator.draw())` show the figure once at the end (no per-epoch output at all).
    `live=None` (the default) redraws in Jupyter and prints elsewhere.
    """

    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
                 xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"),
                 nrows=1, ncols=1, figsize=(3.5, 2.5), redraw_every: int = 1,
                 live: bool | None = None) -> None:
        if legend is not None and (isinstance(legend, str) or not isinstance(legend, Sequence)):
            raise TypeError("legend must be a list of curve names, e.g. ['train loss', 'test acc'].")
        for name, scale_ in (("xscale", xscale), ("yscale", yscale)):
            if scale_ not in ("linear", "log"):
                raise ValueError(f"{name} must be 'linear' or 'log', got {scale_!r}.")
        if not fmts:
            raise ValueError("fmts must name at least one line format.")
        for name, lim in (("xlim", xlim), ("ylim", ylim)):
            if lim is not None and not _is_limits(lim):
                raise TypeError(f"{name} must be a pair (low, high) of numbers (either may be None), got {lim!r}.")
        self.fig = Figure(figsize=figsize)
        self.axes = list(np.atleast_1d(self.fig.subplots(nrows, ncols)).ravel())
        self.legend = list(legend or [])
        self.xlabel, self.ylabel = xlabel, ylabel
        self._limits, self._scales = (xlim, ylim), (xscale, yscale)
        self.fmts = fmts
        self.X: list[list[float]] | None = None
        self.Y: list[list[float]] | None = None
        if live is not None and not isinstance(live, bool):
            raise TypeError(f"live must be True, False or None (automatic), got {live!r}.")
        self._quiet = live is False
        self._live = in_jupyter() if live is None else live
        self._handle = None
        self.redraw_every = check_int(redraw_every, "redraw_every")
        self._adds = 0          # add() calls so far
        self._pending = None    # the last point not yet redrawn or printed: (x, ys)

    def add(self, x, y) -> None:
        """Add one point to each curve: y is a number or a sequence (None skips that curve)."""
        ys = list(y) if _is_sequence(y) else [y]
        xs = list(x) if _is_sequence(x) else [x] * len(ys)
        if len(xs) != len(ys):
            raise ValueError(f"Animator.add(): {len(xs)} x values for {len(ys)} y values.")
        if self.Y is not None and len(ys) != len(self.Y):
            raise ValueError(f"Animator.add(): {len(ys)} values, but earlier calls gave {len(self.Y)}.")
        for value in (*xs, *ys):
            if value is not None and not isinstance(value, numbers.Real) and not (
                    hasattr(value, "item") and _numel(value) == 1):
                raise TypeError(f"Animator.add(): {value!r} is not a number.")
        xs = [None if a is None else float(a) for a in xs]  # tensors and NumPy scalars: plain floats
        ys = [None if b is None else float(b) for b in ys]
        if self.X is None:
            self.X, self.Y = [[] for _ in ys], [[] for _ in ys]
        for i, (a, b) in enumerate(zip(xs, ys)):
            if a is not None and b is not None:
                self.X[i].append(a)
                self.Y[i].append(b)
        self._adds += 1
        self._pending = (xs[0], ys)
        if self._adds % self.redraw_every == 0:
            self.flush()

    def flush(self) -> None:
        """Redraw (in Jupyter) or print (elsewhere) now if points were added since the last time."""
        if self._pending is None:
            return
        x, ys = self._pending
        self._pending = None
        if self._quiet:
            return
        if self._live:
            self._redraw()
        else:
            print(self._line(x, ys))

    def _line(self, x, ys) -> str:
        """One compact text line for a point: 'epoch 3: train loss 0.512, test acc 0.81'."""
        names = self.legend + [f"y{i}" for i in range(len(self.legend), len(ys))]
        values = ", ".join(f"{n} {v:.4g}" for n, v in zip(names, ys) if v is not None)
        return f"{self.xlabel or 'x'} {'-' if x is None else format(x, 'g')}: {values}"

    def draw(self) -> Figure:
        """Draw the curves so far on the first axes and return the figure."""
        ax = self.axes[0]
        ax.cla()
        for xs, ys, fmt in zip(self.X or [], self.Y or [], self._cycle_fmts()):
            ax.plot(xs, ys, fmt)
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel(self.ylabel)
        ax.set_xscale(self._scales[0])
        ax.set_yscale(self._scales[1])
        # Equal bounds (xlim=[1, 1] for a one-epoch run) would make matplotlib warn: autoscale instead.
        if self._limits[0] is not None and len(set(self._limits[0])) > 1:
            ax.set_xlim(self._limits[0])
        if self._limits[1] is not None and len(set(self._limits[1])) > 1:
            ax.set_ylim(self._limits[1])
        if self.legend:
            ax.legend(self.legend)
        ax.grid(True)
        return self.fig

    def _cycle_fmts(self) -> list[str]:
        """One line format per curve, repeating the list when there are more curves."""
        n = len(self.Y or [])
        return [self.fmts[i % len(self.fmts)] for i in range(n)] if n else []

    def _redraw(self) -> None:
        """Replace the figure shown in the notebook by the current one."""
        from IPython.display import Image, display

        image = Image(data=png_bytes(self.draw()))
        if self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the current figure to a PNG file (atomically)."""
        return save_figure(self.draw(), path)

    def __repr__(self) -> str:
        points = 0 if self.X is None else max(len(xs) for xs in self.X)
        return f"Animator({len(self.Y or [])} curves, {points} points)"


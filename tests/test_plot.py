"""utils.plot: Animator outside Jupyter (headless) and inside a real kernel; show_images, show, save_figure."""

from __future__ import annotations

import base64
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from nbclient import NotebookClient

from tools.notebooks import ROOT
from utils.plot import Animator, in_jupyter, png_bytes, save_figure, show, show_images

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_pytest_is_outside_jupyter():
    assert in_jupyter() is False


# --- Animator, headless -----------------------------------------------------------------------

def test_animator_prints_one_line_per_add_and_records_points(capsys):
    anim = Animator(xlabel="epoch", legend=["train loss", "test acc"])
    anim.add(1, (0.51234, 0.75))
    anim.add(2, (torch.tensor(0.4), np.float64(0.8)))  # tensors and NumPy scalars are numbers
    anim.add(3, [np.array(0.3), None])  # None: that curve gets no point
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["epoch 1: train loss 0.5123, test acc 0.75",
                     "epoch 2: train loss 0.4, test acc 0.8",
                     "epoch 3: train loss 0.3"]
    assert anim.X == [[1.0, 2.0, 3.0], [1.0, 2.0]]
    assert anim.Y[0] == pytest.approx([0.51234, 0.4, 0.3]) and anim.Y[1] == pytest.approx([0.75, 0.8])
    assert all(isinstance(v, float) for curve in anim.X + anim.Y for v in curve)
    assert repr(anim) == "Animator(2 curves, 3 points)"
    assert plt.get_fignums() == []  # no pyplot window was opened


def test_animator_single_curve_and_per_curve_x(capsys):
    anim = Animator()
    anim.add(0.5, 2.0)
    assert capsys.readouterr().out == "x 0.5: y0 2\n"
    two = Animator(legend=["a"])
    two.add([1, 10], [0.1, 0.2])  # one x per curve
    assert two.X == [[1.0], [10.0]] and capsys.readouterr().out == "x 1: a 0.1, y1 0.2\n"
    none_x = Animator(xlabel="step")
    none_x.add(None, 1.0)  # no x: nothing recorded, still one line, no error
    assert none_x.X == [[]] and capsys.readouterr().out == "step -: y0 1\n"


def test_animator_redraw_every_throttles_and_flush_catches_up(capsys):
    anim = Animator(xlabel="epoch", legend=["loss"], redraw_every=3)
    for epoch in range(1, 8):
        anim.add(epoch, 1.0 / epoch)
    # printed (headless: the redraw) at the 3rd and 6th add only, but every point is recorded
    assert capsys.readouterr().out.splitlines() == ["epoch 3: loss 0.3333", "epoch 6: loss 0.1667"]
    assert anim.X == [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]]
    anim.flush()  # the 7th point had not been shown yet
    assert capsys.readouterr().out == "epoch 7: loss 0.1429\n"
    anim.flush()  # nothing new: nothing shown
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="redraw_every"):
        Animator(redraw_every=0)


def test_animator_rejects_bad_points():
    anim = Animator()
    with pytest.raises(ValueError, match="2 x values for 3 y values"):
        anim.add([1, 2], [1, 2, 3])
    anim.add(1, (1.0, 2.0))
    with pytest.raises(ValueError, match="earlier calls gave 2"):
        anim.add(2, (1.0, 2.0, 3.0))
    with pytest.raises(TypeError, match="not a number"):
        anim.add(2, ("high", 1.0))
    with pytest.raises(TypeError, match="not a number"):
        anim.add(2, (torch.ones(2), 1.0))
    assert anim.X == [[1.0], [1.0]]  # rejected points are not recorded


@pytest.mark.parametrize("kwargs, error", [({"legend": "loss"}, TypeError), ({"legend": 3}, TypeError),
                                           ({"xscale": "logarithmic"}, ValueError),
                                           ({"yscale": None}, ValueError), ({"fmts": ()}, ValueError),
                                           ({"live": "no"}, TypeError), ({"live": 0}, TypeError)])
def test_animator_rejects_bad_settings(kwargs, error):
    with pytest.raises(error):
        Animator(**kwargs)


def test_animator_not_live_records_silently_and_draws_at_the_end(capsys):
    anim = Animator(xlabel="epoch", legend=["loss"], live=False)
    for epoch in range(1, 4):
        anim.add(epoch, 1 / epoch)
    anim.flush()
    assert capsys.readouterr().out == ""
    assert anim.X == [[1.0, 2.0, 3.0]]
    line = anim.draw().axes[0].get_lines()[0]
    assert list(line.get_xdata()) == [1.0, 2.0, 3.0]


def test_animator_draw_and_save(tmp_path, capsys):
    anim = Animator(xlabel="epoch", ylabel="loss", legend=["a", "b", "c"], xlim=[1, 3], ylim=(0.01, 1),
                    yscale="log", fmts=("-", "m--"))
    for epoch in (1, 2, 3):
        anim.add(epoch, (0.1 * epoch, 0.2 * epoch, 0.3 * epoch))
    fig = anim.draw()
    ax = fig.axes[0]
    assert isinstance(fig, Figure) and len(ax.lines) == 3
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--", "-"]  # formats repeat
    assert ax.get_xlim() == (1, 3) and ax.get_yscale() == "log" and ax.get_xlabel() == "epoch"
    target = anim.save(tmp_path / "curves.png")
    assert target == tmp_path / "curves.png"
    assert target.read_bytes().startswith(PNG_SIGNATURE)
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]  # no .part left
    assert plt.get_fignums() == []


def test_one_epoch_limits_do_not_warn():
    anim = Animator(xlim=[1, 1], ylim=[0.5, 0.5])  # fit() with num_epochs=1 asks for xlim [1, 1]
    anim.add(1, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        anim.draw()


def test_save_figure_is_atomic(tmp_path, monkeypatch):
    fig = Figure()
    fig.subplots().plot([1, 2], [3, 4])
    target = tmp_path / "fig.png"
    replaced = []
    real_replace = __import__("os").replace

    def recording_replace(src, dst):
        replaced.append((Path(src).name, Path(dst).name, Path(src).read_bytes()[:8]))
        real_replace(src, dst)

    monkeypatch.setattr("utils.plot.os.replace", recording_replace)
    save_figure(fig, target)
    assert replaced == [("fig.png.part", "fig.png", PNG_SIGNATURE)]  # written beside, then renamed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]
    with pytest.raises(ValueError, match=r"\.png"):
        save_figure(fig, tmp_path / "fig.svg")
    assert not (tmp_path / "fig.svg").exists()


# --- show, show_images ------------------------------------------------------------------------

def test_show_outside_jupyter_does_nothing(capsys):
    fig = Figure()
    assert show(fig) is None
    assert capsys.readouterr().out == ""
    with pytest.raises(TypeError, match="Figure"):
        show("figure")


def test_show_images_grid():
    imgs = [torch.rand(1, 28, 28), torch.rand(3, 32, 32), np.random.rand(8, 8), torch.rand(28, 28)]
    fig = show_images(imgs, 2, 3, titles=["a", "b", "c", "d"])
    assert isinstance(fig, Figure) and len(fig.axes) == 6
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c", "d", "", ""]
    assert [len(ax.images) for ax in fig.axes] == [1, 1, 1, 1, 0, 0]
    assert fig.axes[1].images[0].get_array().shape == (32, 32, 3)  # CxHxW shown as HxWxC
    assert png_bytes(fig).startswith(PNG_SIGNATURE)
    assert len(show_images([torch.rand(4, 4)], 1, 1).axes) == 1
    assert plt.get_fignums() == []


@pytest.mark.parametrize("args, kwargs, error, message", [
    (([torch.rand(4, 4)] * 5, 2, 2), {}, ValueError, "5 images do not fit a 2x2 grid"),
    (([torch.rand(4, 4)] * 2, 1, 2), {"titles": ["one"]}, ValueError, "1 titles for 2 images"),
    (([torch.rand(4, 4)], 0, 2), {}, ValueError, "num_rows"),
    (([torch.rand(4, 4)], 1, -1), {}, ValueError, "num_cols"),
    (([torch.rand(4, 4)], 1.5, 2), {}, TypeError, "num_rows"),
    (([torch.rand(4, 4)], 1, "2"), {}, TypeError, "num_cols"),
])
def test_show_images_rejects_bad_arguments(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        show_images(*args, **kwargs)


# --- inside a real Jupyter kernel -------------------------------------------------------------

def test_in_jupyter_animator_leaves_exactly_one_png(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nimport utils\n"
                                  "print(utils.in_jupyter())"),
        nbformat.v4.new_code_cell(
            "anim = utils.Animator(xlabel='epoch', xlim=[1, 1], legend=['loss', 'acc'])\n"
            "for epoch in range(1, 6):\n"
            "    anim.add(epoch, (1 / epoch, None if epoch % 2 else 0.1 * epoch))"),
        nbformat.v4.new_code_cell("import torch\nfig = utils.show_images([torch.rand(4, 4)], 1, 1)"),
        nbformat.v4.new_code_cell("quiet = utils.Animator(live=False)\nfor epoch in range(1, 4):\n"
                                  "    quiet.add(epoch, 1 / epoch)"),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    first, animated, shown, quiet = (cell.outputs for cell in nb.cells)
    assert quiet == []  # live=False: no figure and no text during the run
    assert first[0]["text"] == "True\n"
    assert len(animated) == 1, [o.get("output_type") for o in animated]
    out = animated[0]
    assert out.output_type == "display_data" and "image/png" in out.data
    assert not any("svg" in key for key in out.data)
    assert len(shown) == 1 and "image/png" in shown[0].data and not any("svg" in k for k in shown[0].data)
    assert base64.b64decode(out.data["image/png"]).startswith(PNG_SIGNATURE)

"""Chapter 7 teaches a short LeNet-5 (its cell `c7a3net1`) and trains it; it must be `utils.LeNet5`.

The chapter says the network it shows is the book's `utils.LeNet5` without the input checks. This test
runs the chapter's class from the notebook's source and compares it with `utils.LeNet5` for every
placement: the same parameter names and shapes, the same initial weights from the same seed, the same
scores in evaluation mode with shared weights, and the same masks (so the same scores) in training mode.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import utils

NOTEBOOK = Path(__file__).resolve().parents[1] / "chapters" / "07_dropout2d_lenet.ipynb"
CELL_ID = "c7a3net1"


@pytest.fixture(scope="module")
def chapter_lenet():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    (cell,) = [c for c in cells if c.get("id") == CELL_ID]
    source = "".join(cell["source"])
    assert len(source.strip().splitlines()) <= 20, "the taught LeNet-5 stays short"
    namespace = {"nn": nn, "F": F, "torch": torch, "utils": utils}
    exec(compile(source, f"{NOTEBOOK.name}:{CELL_ID}", "exec"), namespace)
    return namespace["LeNet5"]


def shapes(net):
    return [(name, tuple(t.shape)) for name, t in net.state_dict().items()]


@pytest.mark.parametrize("placement", "ABCD")
def test_same_parameters_and_same_initial_weights(chapter_lenet, placement):
    torch.manual_seed(0)
    ours = chapter_lenet(placement, 0.5)
    torch.manual_seed(0)
    book = utils.LeNet5(placement=placement, p=0.5)
    assert shapes(ours) == shapes(book)
    for (name, a), b in zip(ours.state_dict().items(), book.state_dict().values()):
        assert torch.equal(a, b), name  # the stored runs depend on it: same seed, same start


@pytest.mark.parametrize("placement", "ABCD")
def test_same_scores_in_eval_and_in_training_mode(chapter_lenet, placement):
    torch.manual_seed(1)
    ours = chapter_lenet(placement, 0.5)
    book = utils.LeNet5(placement=placement, p=0.5)
    book.load_state_dict(ours.state_dict())
    x = torch.randn(16, 3, 32, 32)
    with torch.no_grad():
        ours.eval(), book.eval()
        torch.testing.assert_close(ours(x), book(x), rtol=0, atol=1e-6)
        torch.testing.assert_close(ours(x), book.predict(x), rtol=0, atol=1e-6)
        ours.train(), book.train()
        torch.manual_seed(2)
        a = ours(x)
        torch.manual_seed(2)
        b = book(x)
    torch.testing.assert_close(a, b, rtol=0, atol=1e-6)  # the same masks, drawn in the same order
    if placement != "A":  # dropout is active: a training-mode pass differs from the eval-mode one
        assert not torch.allclose(a, ours.eval()(x))

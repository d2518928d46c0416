"""Helpers shared by the chapters of "Regularization in PyTorch, hands-on".

One concern per module; everything a notebook needs is re-exported here, so `import utils` is enough.
"""

from .data import (
                   CIFAR10_CLASSES,
                   FASHION_MNIST_CLASSES,
                   CorruptDataError,
                   DataNotFoundError,
                   Splits,
                   data_dir,
                   load_cifar10,
                   load_diabetes,
                   load_fashion_mnist,
                   synthetic_data,
                   train_test_split,
)
from .glue import glue, glued
from .loader import TensorLoader, load_array
from .metrics import Accumulator, accuracy, evaluate_accuracy, evaluate_loss, evaluating
from .models import PLACEMENTS, LeNet5, dropout_mlp, init_normal
from .plot import Animator, in_jupyter, save_figure, show, show_images
from .regularization import dropout_layer, l1_penalty, l2_penalty, param_groups
from .runtime import Timer, data_sources, device, is_offline, is_smoke, mode, provenance, scale, set_seed, wall_time
from .stacked import StackedNets, stacked_bce, train_stacked
from .stats import VERDICTS, PairedDifference, agree, no_worse, paired_difference, verdict
from .train import History, fit, train_epoch
from .uncertainty import (
                          ReliabilityBins,
                          auroc,
                          dropout_sampling,
                          expected_calibration_error,
                          mc_dropout_probs,
                          mc_predict,
                          predictive_entropy,
                          reliability_bins,
)

__all__ = [
    "CIFAR10_CLASSES", "FASHION_MNIST_CLASSES", "CorruptDataError", "DataNotFoundError", "Splits",
    "data_dir", "load_cifar10", "load_diabetes", "load_fashion_mnist", "synthetic_data",
    "train_test_split", "glue", "glued", "TensorLoader", "load_array", "Accumulator", "accuracy",
    "evaluate_accuracy", "evaluate_loss", "evaluating", "PLACEMENTS", "LeNet5", "dropout_mlp",
    "init_normal", "Animator", "in_jupyter", "save_figure", "show", "show_images", "dropout_layer",
    "l1_penalty", "l2_penalty", "param_groups", "Timer", "data_sources", "device", "is_offline", "is_smoke", "mode",
    "provenance", "scale", "set_seed", "wall_time", "History", "fit", "train_epoch",
    "VERDICTS", "PairedDifference", "paired_difference", "verdict", "no_worse", "agree",
    "ReliabilityBins", "auroc", "dropout_sampling", "expected_calibration_error", "mc_dropout_probs",
    "mc_predict", "predictive_entropy", "reliability_bins", "StackedNets", "stacked_bce", "train_stacked",
]

"""The claims of the source articles and of the papers the book tests, each with the glued values that check it.

One registry serves both the reproduction report (chapters/91_reproduction.ipynb) and the test
tests/claims/test_registry.py, so the page and the tests read the same values and cannot disagree.
A claim's `check` is a Python expression over a chapter's glued values that gives its verdict: a bool
(True: holds, False: contradicted) for a fact a run shows outright, or one of the verdict strings, usually
`verdict(low, high)` on the 95 % interval of a paired difference over seeds. `verdict` is what our stored
run measured; the test asserts that the check gives it. The five verdicts: holds, contradicted,
inconclusive, not testable at this budget, and no verdict at all (no row) for what a source never claimed.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from tools.notebooks import CHAPTERS
from utils.stats import VERDICTS, agree, no_worse, verdict

_SAFE = {"abs": abs, "all": all, "any": any, "len": len, "max": max, "min": min, "sum": sum, "zip": zip,
         "round": round, "math": math, "verdict": verdict,
         "no_worse": no_worse, "agree": agree}
NOT_TESTABLE = VERDICTS[3]


@dataclass(frozen=True)
class Claim:
    """One claim of a source article and how our run checks it."""

    chapter: str        # notebook file name in chapters/
    source: str         # article id (A1 ... A5, see the introduction), or "<Surname> <year>" for a paper
    claim: str          # the claim, in our words
    source_figure: str  # what the source reports ("" where it gives no number)
    ours: str           # our figure: an f-string template over the chapter's glued values
    check: str          # expression over the glued values giving the verdict (a bool or a verdict string)
    verdict: str        # what we measured: one of VERDICTS
    settings: str       # what produced our figure
    would_test: str = ""  # for "not testable at this budget": the run that would test it
    identity: bool = False  # an exact identity checked to rounding (a derivation), not an empirical finding

    @property
    def kind(self) -> str:
        """'article' for a claim of one of the five source articles (A1-A5), 'paper' for the literature."""
        return "article" if re.fullmatch(r"A\d", self.source) else "paper"

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"{self.claim!r}: verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if (self.verdict == NOT_TESTABLE) != bool(self.would_test):
            raise ValueError(f"{self.claim!r}: say what would test it (would_test) exactly when it is not testable")

    def evaluate(self, values: dict) -> tuple[str, str]:
        """Our figure and the verdict, computed from a chapter's glued values.

        A NaN among the values the check reads is an error, not a verdict (a diverged or unrecorded run
        is no evidence either way); so is any failure of the check. The message names the chapter and
        the claim, and says what to do.
        """
        import ast

        where = f"{self.chapter}, claim {self.claim!r}"
        todo = f"execute the chapter again (make execute NB=chapters/{self.chapter}) or correct its registry row"
        read = {node.id for node in ast.walk(ast.parse(self.check, mode="eval")) if isinstance(node, ast.Name)}

        def has_nan(value) -> bool:
            items = value if isinstance(value, (list, tuple)) else [value]
            return any(isinstance(v, float) and math.isnan(v) for v in items)

        nan = sorted(name for name in read if has_nan(values.get(name)))
        if nan:
            raise ValueError(f"{where}: the glued value {', '.join(nan)} is NaN (a run diverged or was not "
                             f"recorded), so the claim cannot be judged: {todo}.")
        namespace = {"__builtins__": _SAFE, **values}  # globals, so generator expressions see the values
        try:
            ours = eval("f" + repr(self.ours), namespace)
            result = eval(self.check, namespace)
        except Exception as exc:  # a value not glued, of the wrong type, an interval upside down, ...
            hint = f" ({exc.name} is not glued in the chapter)" if isinstance(exc, NameError) else ""
            raise ValueError(f"{where}: {type(exc).__name__}: {exc}{hint}: {todo}.") from exc
        if isinstance(result, str):
            if result not in VERDICTS:
                raise ValueError(f"{self.claim!r}: the check gave {result!r}, not one of {VERDICTS}")
            return ours, result
        return ours, "holds" if result else "contradicted"


def notebook_dir() -> Path:
    """Where the chapters are read from: BOOK_NOTEBOOK_DIR (make reproduce) or chapters/."""
    return Path(os.environ.get("BOOK_NOTEBOOK_DIR") or CHAPTERS)


CLAIMS: list[Claim] = [
    # --- Chapter 1 (A1 sections 1 and 2.3; A5's Q&A) ---------------------------------------------
    Claim("01_dropout_principle.ipynb", "A1",
          "Inverted dropout keeps each activation's expectation: E[h'] = h",
          "",
          "largest relative error of the mean over 5 values of p: {ch1_mc_max_err_mean:.4f} "
          "({ch1_mc_samples:,} draws each)",
          "ch1_mc_max_err_mean < 0.01", "holds",
          "F.dropout on a fixed vector, seed 0", identity=True),
    Claim("01_dropout_principle.ipynb", "A5",
          "Dividing by 1-p leaves the variance of the activations unchanged",
          "",
          "variance after / before dropout (p = 0.5, ReLU activations): {ch1_relu_var_ratio:.2f}",
          "abs(ch1_relu_var_ratio - 1) < 0.05", "contradicted",
          "F.dropout on max(0, z) of {ch1_mc_samples:,} draws z ~ N(0, 1), seed 0"),
    Claim("01_dropout_principle.ipynb", "A1",
          "Dropout(0.5) lowers the test MSE of the overfitting 1-300-300-1 network",
          "dropout's test loss below the plain net's in its plots (nets trained at different lr)",
          "plain minus dropout test MSE, paired over {ch1_n_seeds} seeds, both at lr 0.001: {ch1_gain_small_lr:.4f} "
          "[{ch1_gain_small_lr_low:.4f}, {ch1_gain_small_lr_high:.4f}], better on {ch1_gain_small_lr_wins} seeds; "
          "both at lr 0.01: {ch1_gain_large_lr:.4f} [{ch1_gain_large_lr_low:.4f}, {ch1_gain_large_lr_high:.4f}], "
          "better on {ch1_gain_large_lr_wins}; lower edges {ch1_gain_small_lr_edge:.0%} and "
          "{ch1_gain_large_lr_edge:.0%} of the width above zero. On 1,000 uniform test inputs per seed (lr 0.01): "
          "{ch1_uniform_gain:.4f} [{ch1_uniform_gain_low:.4f}, {ch1_uniform_gain_high:.4f}], lower edge "
          "{ch1_uniform_gain_edge:.0%} of the width above zero",
          "verdict(ch1_gain_small_lr_low, ch1_gain_small_lr_high,"
          " 0.2 * (ch1_gain_small_lr_high - ch1_gain_small_lr_low))", "inconclusive",
          "20 noisy points, 500 full-batch Adam steps, same learning rate for both nets, {ch1_n_seeds} seeds; "
          "95 % t interval of the paired difference on A1's 20 test points; the gain counts as established "
          "only when the lower edge clears zero by at least a fifth of the interval's width"),
    Claim("01_dropout_principle.ipynb", "A1",
          "... in A1's own setting (plain net at lr 0.001, dropout net at lr 0.01)",
          "dropout's test loss below the plain net's in its plots, one seed",
          "plain minus dropout test MSE, paired over {ch1_n_seeds} seeds: {ch1_gain_source_pairing:.4f} "
          "[{ch1_gain_source_pairing_low:.4f}, {ch1_gain_source_pairing_high:.4f}]",
          "verdict(ch1_gain_source_pairing_low, ch1_gain_source_pairing_high)", "inconclusive",
          "as above, A1's learning rates; 95 % t interval of the paired difference"),
    Claim("01_dropout_principle.ipynb", "A5",
          "Dropout's randomness makes the model more stable and smoother (as measured: a dropout net's fitted "
          "curve is smoother and varies less across data draws than the same net's without dropout)",
          "",
          "plain minus dropout, paired over {ch1_n_seeds} seeds at lr 0.01: total variation of the fitted curve "
          "{ch1_tv_gain_large_lr:.2f} [{ch1_tv_gain_large_lr_low:.2f}, {ch1_tv_gain_large_lr_high:.2f}], mean "
          "squared distance to the other seeds' mean curve {ch1_spread_gain_large_lr:.4f} "
          "[{ch1_spread_gain_large_lr_low:.4f}, {ch1_spread_gain_large_lr_high:.4f}] (lr 0.001: "
          "{ch1_tv_gain_small_lr:.2f} [{ch1_tv_gain_small_lr_low:.2f}, {ch1_tv_gain_small_lr_high:.2f}], "
          "{ch1_spread_gain_small_lr:.4f} [{ch1_spread_gain_small_lr_low:.4f}, {ch1_spread_gain_small_lr_high:.4f}])",
          "verdict(ch1_tv_gain_large_lr_low, ch1_tv_gain_large_lr_high)"
          " if verdict(ch1_spread_gain_large_lr_low, ch1_spread_gain_large_lr_high) == 'holds' else 'inconclusive'",
          "holds",
          "the overfitting demo (1-300-300-1, 20 points, Dropout(0.5) vs none, 500 Adam steps), curves on 201 "
          "points in [-1, 1]; dropout against no dropout, not randomness against a deterministic regularizer"),
    # --- Chapter 2 (A1 section 3, after the cs231n notes) -----------------------------------------
    Claim("02_numpy_inverted_dropout.ipynb", "A1",
          "Only inverted dropout keeps predict() unchanged; vanilla dropout must rescale at test time",
          "",
          "vanilla scores without the test-time scaling differ by a relative {ch2_vanilla_rel_diff_keep05:.2f} "
          "(keep probability 0.5)",
          "ch2_vanilla_rel_diff_keep05 > 0.5", "holds",
          "3-layer ReLU network in NumPy, default_rng seeds"),
    Claim("02_numpy_inverted_dropout.ipynb", "A1",
          "The scaled test-time pass can be read as the ensemble of thinned networks (same predicted class "
          "on at least 95 % of test points)",
          "",
          "same class as the average of {ch2_ens_passes} thinned networks on at least {ch2_ens_same_class_min:.1%} "
          "of test points; exact only up to the first non-linearity after a dropout layer (untrained net, "
          "second-layer gap {ch2_gap_inverted_h2:.3f})",
          "ch2_ens_same_class_min > 0.95", "holds",
          "{ch2_n_seeds} trained spiral networks with inverted dropout (keep 0.5); 30,000 Monte-Carlo passes "
          "on an untrained one"),
    Claim("02_numpy_inverted_dropout.ipynb", "A1",
          "Dropout reduces overfitting: lower final test loss (a NumPy network on three spirals)",
          "",
          "no dropout minus dropout final test loss, paired over {ch2_n_seeds} seeds: {ch2_loss_gain:.3f} "
          "[{ch2_loss_gain_low:.3f}, {ch2_loss_gain_high:.3f}]",
          "verdict(ch2_loss_gain_low, ch2_loss_gain_high)", "holds",
          "120 training points, 2-128-128-3 ReLU net, {ch2_steps} steps of full-batch momentum GD; "
          "95 % t interval"),
    Claim("02_numpy_inverted_dropout.ipynb", "A1",
          "... and higher test accuracy",
          "",
          "dropout minus no dropout final test accuracy: {ch2_acc_gain:.4f} [{ch2_acc_gain_low:.4f}, "
          "{ch2_acc_gain_high:.4f}]; early stopping without dropout: {ch2_plain_es_test_acc:.3f}",
          "verdict(ch2_acc_gain_low, ch2_acc_gain_high)", "inconclusive",
          "as above"),
    Claim("02_numpy_inverted_dropout.ipynb", "Baldi 2013",
          "With only a linear layer after the dropout layer, the weight-scaled pass gives exactly the mean "
          "output over all masks",
          "exact (an identity)",
          "largest difference between the mean scores over all {ch2_ex_masks:,} masks and the weight-scaled "
          "scores: {ch2_ex_lin_score_err:.1e} (keep 0.5), {ch2_ex_keep08_score_err:.1e} (keep 0.8, where a "
          "keep/drop mix-up errs by {ch2_ex_keep08_swap_p_err:.2g})",
          "ch2_ex_lin_score_err < 1e-9 and ch2_ex_keep08_score_err < 1e-9", "holds",
          "{ch2_ex_n_seeds} spiral networks 2-32-{ch2_ex_units}-3 trained {ch2_ex_steps} steps with dropout "
          "(keep 0.5) on the {ch2_ex_units}-unit layer only, {ch2_ex_test_points} test points each; a random "
          "network of that shape at keep 0.8; float64", identity=True),
    Claim("02_numpy_inverted_dropout.ipynb", "Hinton 2012",
          "With a softmax output layer directly after the dropout layer, the weight-scaled network computes "
          "exactly the normalised geometric mean of the predictions of all thinned networks",
          "exact (an identity)",
          "largest difference to the softmax of the weight-scaled scores: {ch2_ex_lin_geo_err:.1e} (keep 0.5), "
          "{ch2_ex_keep08_geo_err:.1e} (keep 0.8)",
          "ch2_ex_lin_geo_err < 1e-9 and ch2_ex_keep08_geo_err < 1e-9", "holds",
          "as above", identity=True),
    Claim("02_numpy_inverted_dropout.ipynb", "Hinton 2012",
          "Consequence: where only the output layer follows the mask, weight scaling predicts as accurately "
          "as the exact ensemble (Srivastava 2014's 'fairly good approximation', in the case where it "
          "follows from the identity)",
          "",
          "exact arithmetic mean minus weight scaling, test accuracy, paired over {ch2_ex_n_seeds} seeds: "
          "{ch2_ex_lin_acc_gain:.4f} [{ch2_ex_lin_acc_gain_low:.4f}, {ch2_ex_lin_acc_gain_high:.4f}]; the "
          "geometric mean predicts the same class as weight scaling on every point",
          "agree(ch2_ex_lin_acc_gain_low, ch2_ex_lin_acc_gain_high, ch2_ex_margin)", "holds",
          "as above, all {ch2_ex_masks:,} masks; agreement means the 95 % t interval lies within "
          "+-{ch2_ex_margin} (one test point in a hundred, set before the run)"),
    Claim("02_numpy_inverted_dropout.ipynb", "Srivastava 2014",
          "Weight scaling is a fairly good approximation of the true model average: in a network of their "
          "kind (dropout on every hidden layer, so ReLU layers follow a mask) it predicts as accurately",
          "Monte-Carlo averaging reaches weight scaling's test error at about k = 50 masks (MNIST)",
          "average of {ch2_ens_passes} sampled masks minus weight scaling, test accuracy, paired over "
          "{ch2_n_seeds} seeds: {ch2_ens_acc_diff:.4f} [{ch2_ens_acc_diff_low:.4f}, {ch2_ens_acc_diff_high:.4f}]; "
          "same class on >= {ch2_ens_same_class_min:.1%} of test points; the average of the first k masks "
          "matches weight scaling's accuracy at a median k of {ch2_ens_k_median:.0f} ({ch2_ens_k_reached} of "
          "{ch2_n_seeds} seeds within {ch2_ens_passes})",
          "agree(ch2_ens_acc_diff_low, ch2_ens_acc_diff_high, ch2_ex_margin)", "holds",
          "the chapter's {ch2_n_seeds} trained spiral networks 2-{ch2_hidden}-{ch2_hidden}-3 with inverted dropout "
          "on both hidden layers; the exact average is out of reach at this width, so {ch2_ens_passes} sampled "
          "masks stand in for it; agreement means the 95 % t interval lies within +-{ch2_ex_margin}"),
    Claim("02_numpy_inverted_dropout.ipynb", "Srivastava 2014",
          "... and in a narrow network, where a small masked layer is followed by a ReLU layer",
          "",
          "exact arithmetic mean minus weight scaling, test accuracy, paired over {ch2_ex_n_seeds} seeds: "
          "{ch2_ex_relu_acc_gain:.3f} [{ch2_ex_relu_acc_gain_low:.3f}, {ch2_ex_relu_acc_gain_high:.3f}]; "
          "total variation to the exact ensemble {ch2_ex_relu_tv:.3f}; NLL {ch2_ex_relu_nll_scaled:.3f} "
          "against {ch2_ex_relu_nll_arith:.3f}; with a {ch2_ex_wide}-unit ReLU layer after the mask: "
          "{ch2_ex_wide_acc_gain:.3f} [{ch2_ex_wide_acc_gain_low:.3f}, {ch2_ex_wide_acc_gain_high:.3f}]",
          "agree(ch2_ex_relu_acc_gain_low, ch2_ex_relu_acc_gain_high, ch2_ex_margin)", "contradicted",
          "{ch2_ex_n_seeds} spiral networks 2-{ch2_ex_units}-{ch2_ex_units}-3 trained {ch2_ex_steps} steps with "
          "dropout (keep 0.5) on the first hidden layer only, all {ch2_ex_masks:,} masks, "
          "{ch2_ex_test_points} test points each; agreement within +-{ch2_ex_margin}"),
    # --- Chapter 3 (A5, d2l's dropout lesson) -----------------------------------------------------
    Claim("03_dropout_scratch_concise.ipynb", "A5",
          "The MLP with dropout 0.2/0.5 passes the source's bar in 10 epochs, from scratch and concise",
          "its training code asserts test accuracy > 0.7",
          "lowest test accuracy over the seeds: from scratch {ch3_test_acc_min_scratch:.3f}, "
          "concise {ch3_test_acc_min_base:.3f}",
          "ch3_test_acc_min_scratch > 0.7 and ch3_test_acc_min_base > 0.7", "holds",
          "Fashion-MNIST, 784-256-256-10, SGD lr 0.5, batch 256, 10 epochs, every seed"),
    Claim("03_dropout_scratch_concise.ipynb", "A5",
          "Its dropout_layer (mask from torch.randn) drops each unit with probability p",
          "",
          "measured keep rate at p = 0.5: {ch3_randn_keep_p05:.3f} "
          "(1 - p = 0.5; 1 - Φ(p) = {ch3_randn_keep_pred_p05:.3f})",
          "abs(ch3_randn_keep_p05 - 0.5) < 0.01", "contradicted",
          "a million draws per rate, seed 0"),
    Claim("03_dropout_scratch_concise.ipynb", "A5",
          "Its Net uses dropout only in training (an is_training flag)",
          "",
          "with the flag, evaluation keeps dropout on: {ch3_pred_changed_min:.1%} to {ch3_pred_changed_max:.1%} of "
          "the test predictions change between two passes; test accuracy {ch3_left_on_diff:+.3f} "
          "[{ch3_left_on_diff_low:+.3f}, {ch3_left_on_diff_high:+.3f}] against eval mode",
          "ch3_pred_changed_max == 0", "contradicted",
          "the trained from-scratch networks evaluated in training mode, {ch3_left_on_seeds} seeds"),
    Claim("03_dropout_scratch_concise.ipynb", "A5",
          "net.eval() turns off gradient computation (and train() turns it on)",
          "",
          "after eval() the output requires grad: {ch3_eval_out_requires_grad}; under torch.no_grad() in train "
          "mode: {ch3_train_no_grad_out_requires_grad}",
          "not ch3_eval_out_requires_grad and ch3_train_no_grad_out_requires_grad", "contradicted",
          "a forward pass of the trained network"),
    Claim("03_dropout_scratch_concise.ipynb", "A5",
          "Without dropout (0, 0) the model fits better: training accuracy rises",
          "",
          "eval-mode training accuracy, no dropout minus 0.2/0.5: {ch3_nodrop_fit_acc_diff:+.4f} "
          "[{ch3_nodrop_fit_acc_low:+.4f}, {ch3_nodrop_fit_acc_high:+.4f}]",
          "verdict(ch3_nodrop_fit_acc_low, ch3_nodrop_fit_acc_high)", "inconclusive",
          "10 epochs, {ch3_seeds_base} paired seeds; the final network on the whole training set, eval mode"),
    Claim("03_dropout_scratch_concise.ipynb", "A5",
          "... and the training loss falls",
          "",
          "eval-mode training loss, 0.2/0.5 minus no dropout: {ch3_nodrop_fit_loss_diff:+.4f} "
          "[{ch3_nodrop_fit_loss_low:+.4f}, {ch3_nodrop_fit_loss_high:+.4f}]",
          "verdict(ch3_nodrop_fit_loss_low, ch3_nodrop_fit_loss_high)", "inconclusive",
          "as above"),
    Claim("03_dropout_scratch_concise.ipynb", "A5",
          "... and test accuracy rises",
          "",
          "test accuracy, no dropout minus 0.2/0.5: {ch3_nodrop_test_diff:+.4f} "
          "[{ch3_nodrop_test_low:+.4f}, {ch3_nodrop_test_high:+.4f}]",
          "verdict(ch3_nodrop_test_low, ch3_nodrop_test_high)", "inconclusive",
          "as above; the network does not overfit in 10 epochs (gap {ch3_gap_base:.3f} with dropout, "
          "{ch3_gap_nodrop:.3f} without)"),
    Claim("03_dropout_scratch_concise.ipynb", "A5",
          "Bigger hidden layers with more dropout do better (its three configurations: 512 units at "
          "0.2/0.5, 0.9/0.6 and 0.1/0.4, each against 256 units without dropout)",
          "",
          "test accuracy, 512 with dropout minus 256 without: at 0.2/0.5 {ch3_w512_test_diff:+.4f} "
          "[{ch3_w512_test_low:+.4f}, {ch3_w512_test_high:+.4f}]; at 0.9/0.6 {ch3_w512_0906_test_diff:+.4f} "
          "[{ch3_w512_0906_test_low:+.4f}, {ch3_w512_0906_test_high:+.4f}] (it underfits: training accuracy "
          "{ch3_fit_acc_w512_0906:.3f}); at 0.1/0.4 {ch3_w512_0104_test_diff:+.4f} "
          "[{ch3_w512_0104_test_low:+.4f}, {ch3_w512_0104_test_high:+.4f}]",
          "(lambda vs: 'holds' if all(x == 'holds' for x in vs) else 'contradicted' "
          "if 'contradicted' in vs and 'holds' not in vs else 'inconclusive')("
          "[verdict(ch3_w512_test_low, ch3_w512_test_high), "
          "verdict(ch3_w512_0906_test_low, ch3_w512_0906_test_high), "
          "verdict(ch3_w512_0104_test_low, ch3_w512_0104_test_high)])",
          "contradicted",
          "10 epochs, {ch3_seeds_w512} paired seeds per configuration; one statement, one verdict: it holds "
          "if every configuration does, is contradicted if one does clearly worse and none better"),
    Claim("03_dropout_scratch_concise.ipynb", "Gal 2016",
          "MC dropout (the softmax averaged over T passes with dropout on) represents model uncertainty "
          "without sacrificing test accuracy against standard dropout (weight scaling, eval mode)",
          "",
          "test accuracy, MC dropout ({ch3_mcd_passes} passes) minus eval mode: {ch3_mcd_acc_diff:+.4f} "
          "[{ch3_mcd_acc_low:+.4f}, {ch3_mcd_acc_high:+.4f}]; no worse within {ch3_mcd_acc_margin}",
          # a non-inferiority claim: judged against a margin of one point of accuracy, fixed in the chapter
          # before the run (the book's margin for "as accurate")
          "no_worse(ch3_mcd_acc_low, ch3_mcd_acc_high, ch3_mcd_acc_margin)", "holds",
          "the trained 0.2/0.5 concise networks, {ch3_mcd_seeds} paired seeds, Fashion-MNIST test set; "
          "margin {ch3_mcd_acc_margin} stated before the run"),
    Claim("03_dropout_scratch_concise.ipynb", "Gal 2016",
          "The model's uncertainty (MC dropout) is higher on inputs unlike the training data: "
          "CIFAR-10 images, grey, 28x28",
          "",
          "AUROC of the MC predictive entropy, CIFAR-10 vs Fashion-MNIST test: {ch3_mcd_auroc_cifar_mc:.3f} "
          "[{ch3_mcd_auroc_cifar_mc_low:.3f}, {ch3_mcd_auroc_cifar_mc_high:.3f}] (0.5: no signal)",
          "verdict(ch3_mcd_auroc_cifar_mc_low - 0.5, ch3_mcd_auroc_cifar_mc_high - 0.5)", "holds",
          "as above, {ch3_mcd_n_ood} CIFAR-10 test images"),
    Claim("03_dropout_scratch_concise.ipynb", "Gal 2016",
          "... and on Gaussian noise images",
          "",
          "AUROC of the MC predictive entropy, noise vs Fashion-MNIST test: {ch3_mcd_auroc_noise_mc:.3f} "
          "[{ch3_mcd_auroc_noise_mc_low:.3f}, {ch3_mcd_auroc_noise_mc_high:.3f}]",
          "verdict(ch3_mcd_auroc_noise_mc_low - 0.5, ch3_mcd_auroc_noise_mc_high - 0.5)", "holds",
          "as above, {ch3_mcd_n_ood} noise images (the pixels' mean and standard deviation)"),
    # --- Chapter 5 (A1 sections 2.1-2.2 and its diabetes model; A3's formula) ---------------------
    Claim("05_l1_l2_regularization.ipynb", "A1",
          "The loss PyTorch reports does not include the L2 penalty of weight_decay",
          "",
          "at the final weights, gradient norm of the logged loss {ch5_grad_logged_last:.1e}, of loss + penalty "
          "{ch5_grad_objective_last:.1e} (the optimizer minimises the latter; penalty left out of the log: "
          "{ch5_penalty_last_wd:.4f})",
          "ch5_grad_objective_last < 0.01 * ch5_grad_logged_last", "holds",
          "logistic regression on the diabetes table", identity=True),
    Claim("05_l1_l2_regularization.ipynb", "A1",
          "... so the logged loss stays about the same whatever weight_decay is",
          "",
          "rise of the final logged loss over no decay, mean [95 % interval] over {ch5_n_splits} splits: "
          "{ch5_rise_a1_mean:+.4f} [{ch5_rise_a1_low:+.4f}, {ch5_rise_a1_high:+.4f}] at A1's 1e-3 (about the same), "
          "{ch5_rise_demo_mean:+.3f} [{ch5_rise_demo_low:+.3f}, {ch5_rise_demo_high:+.3f}] at 0.1 (not)",
          "'contradicted' if ch5_rise_demo_low > 0.01 else ('holds' if ch5_rise_demo_high < 0.01 else 'inconclusive')",
          "contradicted",
          "logistic regression, full-batch SGD; 'about the same' read as within 0.01 nats"),
    Claim("05_l1_l2_regularization.ipynb", "A1",
          "L1 makes the weight vector sparse; L2 leaves many small weights",
          "",
          "weights at exactly zero: L1 (proximal) {ch5_exact0_prox}, near zero with L2: {ch5_near0_l2}; "
          "plain subgradient L1: {ch5_exact0_l1} at zero; at the validation-chosen λ, L1 zeroes a weight on "
          "{ch5_study_zero_splits} of {ch5_n_splits} splits, L2 on {ch5_study_l2_zero_splits}",
          "('holds' if ch5_study_l2_zero == 0 and 2 * ch5_study_zero_splits >= ch5_n_splits"
          " else ('contradicted' if ch5_study_zero_splits == 0 else 'inconclusive'))", "holds",
          "logistic regression on the diabetes table, proximal L1; judged at each split's validation-chosen λ "
          "over {ch5_n_splits} random splits (grids include λ = 0): holds when L1 zeroes a weight on at least "
          "half of the splits and L2 on none"),
    Claim("05_l1_l2_regularization.ipynb", "A1",
          "L2 generally works better than L1 unless you need feature selection",
          "",
          "test loss, L1 minus L2, mean [95 % interval] over {ch5_n_splits} splits: {ch5_l1_minus_l2_mean:+.4f} "
          "[{ch5_l1_minus_l2_low:+.4f}, {ch5_l1_minus_l2_high:+.4f}] (agree within ±{ch5_l1_l2_margin}: "
          "{ch5_l1_l2_agree}); but no penalty minus L2 {ch5_none_minus_l2_mean:+.4f} [{ch5_none_minus_l2_low:+.4f}, "
          "{ch5_none_minus_l2_high:+.4f}] ({ch5_none_minus_l2_verdict}), minus L1 {ch5_none_minus_l1_mean:+.4f} "
          "[{ch5_none_minus_l1_low:+.4f}, {ch5_none_minus_l1_high:+.4f}] ({ch5_none_minus_l1_verdict}): "
          "no regularization effect to compare",
          "verdict(ch5_l1_minus_l2_low, ch5_l1_minus_l2_high)", "inconclusive",
          "logistic regression, standardised features, each penalty's λ chosen on validation rows from a grid "
          "that includes λ = 0; the margin 0.01 nats is the chapter's 'about the same' for a loss"),
    Claim("05_l1_l2_regularization.ipynb", "A1",
          "A good first λ lies between 1e-4 and 1e-3",
          "",
          "SGD (momentum 0.9), test loss at λ = 0 minus at 1e-4: {ch5_gain_1e4_sgd_mean:+.3f} "
          "[{ch5_gain_1e4_sgd_low:+.3f}, {ch5_gain_1e4_sgd_high:+.3f}], at 1e-3: {ch5_gain_1e3_sgd_mean:+.3f} "
          "[{ch5_gain_1e3_sgd_low:+.3f}, {ch5_gain_1e3_sgd_high:+.3f}] over {ch5_sgd_n_seeds} seeds, validation "
          "picks {ch5_sgd_best_lambda:g}; coupled Adam at 1e-3: {ch5_gain_1e3_adam_mean:+.3f} "
          "[{ch5_gain_1e3_adam_low:+.3f}, {ch5_gain_1e3_adam_high:+.3f}] over {ch5_sweep_n_seeds} seeds",
          "verdict(ch5_gain_1e3_sgd_low, ch5_gain_1e3_sgd_high) if verdict(ch5_gain_1e4_sgd_low, ch5_gain_1e4_sgd_high)"
          " == 'holds' else 'inconclusive'", "holds",
          "A1's network without dropout, each seed on its own train/validation/test split, λ chosen on validation "
          "rows; SGD lr 0.5 with momentum 0.9 (the undecayed net overfits; at A1's SGD lr 0.01 it learns nothing), "
          "Adam lr 0.01"),
    Claim("05_l1_l2_regularization.ipynb", "A1",
          "Its diabetes network with `Adam(lr=0.1, weight_decay=0.1)`, labelled L2 regularization, learns a "
          "classifier (implied: the article presents the code as its working example)",
          "",
          "seeds predicting one class for every input: {ch5_both_constant} of {ch5_n_seeds}; test accuracy "
          "{ch5_both_test_acc:.3f} = base rate {ch5_base_rate_test:.3f}",
          "ch5_both_constant < ch5_n_seeds", "contradicted",
          "8-60-4-1 sigmoid network, 2,000 full-batch steps, seeded train/test split"),
    # --- Chapter 4 (A2, d2l's weight decay lesson) -------------------------------------------------
    Claim("04_weight_decay.ipynb", "A2",
          "Weight decay shrinks ||w|| and lowers the test loss (from scratch)",
          "",
          "λ = 3 vs 0 over {ch4_sweep_seeds} data sets: test loss lower by {ch4_d3v0_diff:.4g} "
          "[{ch4_d3v0_low:.4g}, {ch4_d3v0_high:.4g}], ||w|| smaller by {ch4_norm3v0_diff:.3g} "
          "[{ch4_norm3v0_low:.3g}, {ch4_norm3v0_high:.3g}]",
          "verdict(ch4_d3v0_low, ch4_d3v0_high) if verdict(ch4_norm3v0_low, ch4_norm3v0_high) == 'holds'"
          " else 'inconclusive'", "holds",
          "d = 200, 20 training examples, batch 5, lr 0.005, 150 epochs, N(0, 1) start; 95 % interval of the "
          "paired difference"),
    Claim("04_weight_decay.ipynb", "A2",
          "... and with torch.optim.SGD decaying the weight only (concise)",
          "",
          "wd 3 vs 0 over {ch4_sweep_seeds} data sets: test loss lower by {ch4_concise_gain_diff:.4g} "
          "[{ch4_concise_gain_low:.4g}, {ch4_concise_gain_high:.4g}], ||w|| smaller by "
          "{ch4_concise_shrink_diff:.3g} [{ch4_concise_shrink_low:.3g}, {ch4_concise_shrink_high:.3g}]",
          "verdict(ch4_concise_gain_low, ch4_concise_gain_high)"
          " if verdict(ch4_concise_shrink_low, ch4_concise_shrink_high) == 'holds' else 'inconclusive'", "holds",
          "as above, nn.Linear and nn.MSELoss"),
    Claim("04_weight_decay.ipynb", "A2",
          "train_concise(-2) is a weight-decay run (the source's second concise call)",
          "",
          "wd -2 vs 0 over {ch4_sweep_seeds} data sets: ||w|| larger by {ch4_neg_growth_diff:,.0f} "
          "[{ch4_neg_growth_low:,.0f}, {ch4_neg_growth_high:,.0f}]; test loss {ch4_test_wdneg2:.4g} on the first",
          "verdict(-ch4_neg_growth_high, -ch4_neg_growth_low)", "contradicted",
          "as above; the claim read as 'the norm shrinks against no decay'"),
    Claim("04_weight_decay.ipynb", "Bishop 2006",
          "Minimising the squared error plus a quadratic penalty on the weights finds the most probable "
          "weights (the MAP estimate) under a zero-mean Gaussian prior, with λ the noise variance over the "
          "prior variance",
          "§3.3.1, eq. 3.55",
          "relative gap between the Gaussian posterior mean (d × d) and the ridge solution (n × n) at λ = 3: "
          "{ch4_map_gap:.1e}; full-batch SGD(weight_decay=3) ends {ch4_gd_gap_end:.1e} from it",
          "ch4_map_gap < 1e-6 and ch4_gd_gap_end < 1e-4", "holds",
          "d2l's 20 × 200 regression, σ = 0.01, λ = σ²/(n σ_w²) = 3 for the mean of ½(ŷ − y)², bias "
          "unpenalised; SGD lr 0.05, 2,000 full-batch epochs from N(0, 1), float32", identity=True),
    Claim("04_weight_decay.ipynb", "Bishop 2006",
          "Re-estimating α = γ/‖m‖² and β from the residual (β⁻¹ = ‖r‖²/(N − γ)) converges to the maximum of "
          "the evidence",
          "§3.5.2, eqs. 3.92 and 3.95",
          "largest gap between the loop's λ and the grid's evidence maximum where that is interior: "
          "{ch4_sel_fp_gap:.3f} decades (independent inputs), {ch4_sel2_fp_gap:.3f} (correlated); the loop "
          "runs off exactly where the grid picks an end on {ch4_sel_fp_match:.0%} and {ch4_sel2_fp_match:.0%} "
          "of the data sets",
          "max(ch4_sel_fp_gap, ch4_sel2_fp_gap) < 0.1 and min(ch4_sel_fp_match, ch4_sel2_fp_match) >= 0.9",
          "holds",
          "{ch4_prior_datasets} data sets per design, 20 examples × 200 inputs, bias removed by centring "
          "(N − 1 dimensions); grid of 71 values of λ, 0.1 decade apart; 3,000 iterations from λ = 1",
          identity=True),
    # --- Chapter 6 (A3, per-parameter options) -----------------------------------------------------
    Claim("06_parameter_groups.ipynb", "A3",
          "A group without its own setting inherits the optimizer's default; its own setting wins",
          "",
          "step / gradient on the first step: base {ch6_base_ratio:.0e}, head {ch6_head_ratio:.0e}",
          "abs(ch6_base_ratio - 1e-3) < 1e-9 and abs(ch6_head_ratio - 1e-2) < 1e-9", "holds",
          "SGD with momentum, two groups", identity=True),
    Claim("06_parameter_groups.ipynb", "A3",
          "Splitting by 'bias' in the name separates the weights from the biases",
          "",
          "on the source's 100-50-1 network the name rule and the shape rule give the same groups: "
          "{ch6_name_shape_agree_linear}; with normalization layers the name rule also decays {ch6_missed_names}",
          "ch6_name_shape_agree_linear", "holds",
          "the source's test network; a model with BatchNorm, LayerNorm and a learned scalar"),
    Claim("06_parameter_groups.ipynb", "A3",
          "Decaying the biases leads to underfitting",
          "",
          "training MSE higher by {ch6_reg_big_diff:.3g} [{ch6_reg_big_diff_low:.3g}, {ch6_reg_big_diff_high:.3g}] "
          "with the bias decayed (offset 50, λ = 0.1, {ch6_seeds} data sets)",
          "verdict(ch6_reg_big_diff_low, ch6_reg_big_diff_high)", "holds",
          "linear regression with a large offset, full-batch SGD with momentum"),
    Claim("06_parameter_groups.ipynb", "A3",
          "... often severely, as the sketches of regions pinned to the origin show",
          "",
          "ring data centred at (6, 6), λ = 1e-2: training accuracy higher by {ch6_ring_offset_wd0p01_diff:.3f} "
          "[{ch6_ring_offset_wd0p01_low:.3f}, {ch6_ring_offset_wd0p01_high:.3f}] with free biases "
          "({ch6_ring_offset_wd0p01_decay_acc:.3f} vs {ch6_ring_offset_wd0p01_nodecay_acc:.3f})",
          "verdict(ch6_ring_offset_wd0p01_low, ch6_ring_offset_wd0p01_high)", "holds",
          "2-32-1 ReLU network, full-batch SGD with momentum, {ch6_seeds} seeds; far from the origin only"),
    Claim("06_parameter_groups.ipynb", "van Laarhoven 2017",
          "Batch normalization makes a layer's function invariant to the scale of its weights, so L2 on "
          "those weights has no regularizing effect on the function",
          "",
          "largest output change of Linear → BatchNorm (training mode) → ReLU when W is scaled by 0.5, 2, 10: "
          "{ch6_bn_max_out_change:.0e}",
          "ch6_bn_max_out_change < 1e-4", "holds",
          "float64, 64 inputs × 50 features, 16 units, BatchNorm's ε = 1e-5", identity=True),
    Claim("06_parameter_groups.ipynb", "van Laarhoven 2017",
          "... its gradient shrinks as the weights grow (∝ 1/‖w‖), so the effective learning rate is η/‖w‖²",
          "",
          "c·‖g(cW)‖/‖g(W)‖ within {ch6_bn_grad_scale_err:.0e} of 1; cosine between W and its gradient "
          "{ch6_bn_max_cos:.0e}",
          "ch6_bn_grad_scale_err < 1e-4 and ch6_bn_max_cos < 1e-4", "holds",
          "as above", identity=True),
    Claim("06_parameter_groups.ipynb", "van Laarhoven 2017",
          "Without regularization the weight norm of such a layer grows during training, so its effective "
          "learning rate decreases",
          "",
          "‖W1‖ grows by {ch6_bn_growth1_nothing_diff:.2f} [{ch6_bn_growth1_nothing_low:.2f}, "
          "{ch6_bn_growth1_nothing_high:.2f}] from {ch6_bn_w1_init:.1f} without decay; its η/‖W1‖² ends at "
          "{ch6_bn_nothing_efflr1:.2g}",
          "verdict(ch6_bn_growth1_nothing_low, ch6_bn_growth1_nothing_high)", "holds",
          "784-128-128-10 BatchNorm MLP, Fashion-MNIST ({ch6_bn_train} images), SGD lr {ch6_bn_lr:g}, "
          "momentum 0.9, {ch6_bn_epochs} epochs, {ch6_seeds} seeds"),
    Claim("06_parameter_groups.ipynb", "Zhang 2019",
          "With SGD on a BatchNorm network, weight decay keeps the effective learning rate higher than "
          "training without it",
          "",
          "η/‖W1‖² at the end higher by {ch6_bn_efflr1_weights_vs_nothing_diff:.2g} "
          "[{ch6_bn_efflr1_weights_vs_nothing_low:.2g}, {ch6_bn_efflr1_weights_vs_nothing_high:.2g}] with decay "
          "on the weights ({ch6_bn_weights_efflr1:.2g} vs {ch6_bn_nothing_efflr1:.2g})",
          "verdict(ch6_bn_efflr1_weights_vs_nothing_low, ch6_bn_efflr1_weights_vs_nothing_high)", "holds",
          "as above, λ = {ch6_bn_wd:g} on the weight matrices only"),
    Claim("06_parameter_groups.ipynb", "Zhang 2019",
          "... and that higher effective learning rate is how weight decay improves the generalization of "
          "BatchNorm networks trained with SGD",
          "",
          "with a cosine schedule to zero, decay on the weights minus none: {ch6_bn_cos_acc_diff:+.3f} "
          "[{ch6_bn_cos_acc_low:+.3f}, {ch6_bn_cos_acc_high:+.3f}] validation accuracy (a gain must reach "
          "{ch6_acc_margin:g}); at a constant learning rate {ch6_bn_acc_weights_vs_nothing_diff:+.3f} "
          "[{ch6_bn_acc_weights_vs_nothing_low:+.3f}, {ch6_bn_acc_weights_vs_nothing_high:+.3f}], and the hidden "
          "norms held at the decayed runs' without decay minus decay {ch6_bn_held_vs_weights_diff:+.3f} "
          "[{ch6_bn_held_vs_weights_low:+.3f}, {ch6_bn_held_vs_weights_high:+.3f}]",
          "'holds' if ch6_bn_cos_acc_low > 0 else ('contradicted' if ch6_bn_cos_acc_high < ch6_acc_margin"
          " else 'inconclusive')", "contradicted",
          "as above, {ch6_seeds} seeds, {ch6_bn_epochs} epochs; read as 'decay raises validation accuracy by at "
          "least {ch6_acc_margin:g}' (margin fixed before the run); a small-scale verdict: Zhang et al. train "
          "CIFAR ResNets for about 200 epochs"),
    # --- Chapter 7 (A4, LeNet-5 on CIFAR-10) -------------------------------------------------------
    Claim("07_dropout2d_lenet.ipynb", "A4",
          "Networks with dropout take longer to converge (B against A)",
          "",
          "epochs to 95 % of the own final training accuracy (eval mode): A {ch7_epochs_to_95_A:.0f}, "
          "B {ch7_epochs_to_95_B:.0f}; B − A {ch7_converge_delay_B_vs_A:+.1f} "
          "[{ch7_converge_delay_B_vs_A_low:+.1f}, {ch7_converge_delay_B_vs_A_high:+.1f}] epochs; against the "
          "mean of the last three measurements {ch7_delay_last3_B_vs_A:+.1f} [{ch7_delay_last3_B_vs_A_low:+.1f}, "
          "{ch7_delay_last3_B_vs_A_high:+.1f}]; to a common {ch7_level:.0%} {ch7_delay_level_B_vs_A:+.1f} "
          "[{ch7_delay_level_B_vs_A_low:+.1f}, {ch7_delay_level_B_vs_A_high:+.1f}]",
          "verdict(ch7_converge_delay_B_vs_A_low, ch7_converge_delay_B_vs_A_high)", "holds",
          "{ch7_n_seeds} seeds; per seed a class-balanced subset of {ch7_n_train:,} training images, "
          "{ch7_epochs} epochs at the source's first-stage rate 0.01 (A fits it: {ch7_best_train_acc_A:.2%}); "
          "95 % t interval of the paired difference; {ch7_data_source}"),
    Claim("07_dropout2d_lenet.ipynb", "A4",
          "Dropout on the fully connected layer raises test accuracy (B over A)",
          "best test: A 60.45%, B 61.47%",
          "B − A in test accuracy at the validation-chosen epoch: {ch7_val_test_gain_B_vs_A:+.2%} "
          "[{ch7_val_test_gain_B_vs_A_low:+.2%}, {ch7_val_test_gain_B_vs_A_high:+.2%}]; beside it, best of "
          "run {ch7_test_gain_B_vs_A:+.2%} [{ch7_test_gain_B_vs_A_low:+.2%}, {ch7_test_gain_B_vs_A_high:+.2%}], "
          "last epoch {ch7_final_test_gain_B_vs_A:+.2%} [{ch7_final_test_gain_B_vs_A_low:+.2%}, "
          "{ch7_final_test_gain_B_vs_A_high:+.2%}]; on {ch7_more_images:,} images ({ch7_more_n_seeds} seeds) "
          "{ch7_more_gain_B_vs_A:+.2%} [{ch7_more_gain_B_vs_A_low:+.2%}, {ch7_more_gain_B_vs_A_high:+.2%}]",
          "verdict(ch7_val_test_gain_B_vs_A_low, ch7_val_test_gain_B_vs_A_high)",
          "inconclusive",
          "as above; per seed the epoch of highest accuracy on a {ch7_n_val:,}-image validation slice of the "
          "unused training images, the test set (all 10,000 images) read at that epoch"),
    Claim("07_dropout2d_lenet.ipynb", "A4",
          "Dropout on the convolutional layers holds training back (C and D train far below A and B)",
          "best train: C 57.04%, D 50.93% (A 100%, B 99.84%)",
          "best train: C {ch7_best_train_C:.2%}, D {ch7_best_train_D:.2%} (A {ch7_best_train_A:.2%}, "
          "B {ch7_best_train_B:.2%}); min(A, B) − max(C, D) {ch7_conv_shortfall:+.1%} "
          "[{ch7_conv_shortfall_low:+.1%}, {ch7_conv_shortfall_high:+.1%}]",
          "verdict(ch7_conv_shortfall_low, ch7_conv_shortfall_high)", "holds",
          "as above"),
    Claim("07_dropout2d_lenet.ipynb", "A4",
          "Dropout on the convolutional layers makes the loss converge prematurely (C and D stop learning)",
          "",
          "training accuracy (eval mode) gained over the last third of the run, the smaller of C and D: "
          "{ch7_late_gain_CD:+.2%} [{ch7_late_gain_CD_low:+.2%}, {ch7_late_gain_CD_high:+.2%}]; "
          "converged means within ±{ch7_late_margin:.0%}",
          "agree(ch7_late_gain_CD_low, ch7_late_gain_CD_high, ch7_late_margin)", "inconclusive",
          "as above; gain from epoch {ch7_late_epoch} to the last, the margin stated before the run"),
]


def evaluate(directory: Path | None = None) -> list[dict]:
    """Every claim with our figure and verdict, read from the stored (or freshly executed) chapters."""
    from utils.glue import glued

    directory = directory or notebook_dir()
    cache: dict[str, dict] = {}
    rows = []
    for claim in CLAIMS:
        if claim.chapter not in cache:
            cache[claim.chapter] = glued(directory / claim.chapter)
        values = cache[claim.chapter]
        ours, measured = claim.evaluate(values)
        settings = eval("f" + repr(claim.settings), {"__builtins__": _SAFE, **values})
        rows.append({"chapter": int(claim.chapter[:2]), "source": claim.source, "claim": claim.claim,
                     "source says": claim.source_figure or "—", "we measured": ours,
                     "verdict": measured, "settings": settings, "would test it": claim.would_test,
                     "kind": claim.kind, "identity": claim.identity})
    return sorted(rows, key=lambda row: row["chapter"])  # chapter order, each chapter's claims as listed


GROUPS = ("article", "paper", "identity")  # the report's three counts: an identity is not a finding


def group(row: dict) -> str:
    """Which count a row of `evaluate()` falls in: an exact identity apart, else its kind."""
    return "identity" if row["identity"] else row["kind"]


def tally(rows: list[dict]) -> dict[str, dict[str, int]]:
    """Verdict counts per group ('article', 'paper', 'identity'), each with its 'total'.

    `rows` are `evaluate()`'s rows, or any dicts with "kind", "identity" and "verdict".
    """
    counts = {g: {v: 0 for v in VERDICTS} | {"total": 0} for g in GROUPS}
    for row in rows:
        counts[group(row)][row["verdict"]] += 1
        counts[group(row)]["total"] += 1
    return counts

"""Chapter 7 (source a4: nn.Dropout vs nn.Dropout2d, LeNet-5 on CIFAR-10): what the stored run measured.

The stored outputs come from the chapter's CPU design: each seed trains the four placements on its own
class-balanced subset of the training set at the source's first-stage rate (0.01), long enough for A to
fit it. Comparisons between placements are asserted through the 95 % interval of the paired difference
over seeds (the glued `_low`/`_high` bounds), so a different outcome of a re-run fails here.
"""

from __future__ import annotations

import pytest

from utils.stats import verdict

NOTEBOOK = "07_dropout2d_lenet.ipynb"
NETS = "ABCD"


@pytest.fixture
def g(glued_values):
    return glued_values(NOTEBOOK)


# --- The modules -------------------------------------------------------------------------------

def test_dropout2d_zeroes_a_fraction_p_of_the_channels(g):
    # 16,384 maps at p = 0.5: the fraction of whole zeroed maps is p within sampling noise (sd 0.004)
    assert abs(g["ch7_zeroed_maps_p05"] - 0.5) < 0.02


def test_lenet5_has_62006_parameters_in_every_placement(g):
    # glued as the common count of A, B, C and D (-1 if they differ)
    assert g["ch7_parameters"] == 62006


# --- The run: design, regime, speed ------------------------------------------------------------

def test_stored_outputs_come_from_the_cpu_design(g):
    # the verdicts below are what this design measured; the source's 1,000 epochs were not run
    assert g["ch7_schedule"] == "cpu"
    assert (g["ch7_epochs"], g["ch7_n_train"]) == (150, 5000)
    assert g["ch7_n_seeds"] >= 3 and g["ch7_n_runs"] == 4 * g["ch7_n_seeds"]


def test_A_reaches_the_sources_regime_on_every_seed(g):
    # the source's A fits its training set (100 %); ours must fit its subset, measured in eval mode
    assert g["ch7_best_train_acc_A"] >= 0.99
    assert g["ch7_min_best_train_A"] >= 0.99
    assert g["ch7_epochs_to_99_A_max"] is not None and g["ch7_epochs_to_99_A_max"] <= g["ch7_epochs"]


def test_A_overfits(g):
    # the regime claim 2 is about: a large gap between training and test accuracy
    assert g["ch7_gap_points_A"] > 30


def test_the_run_fits_the_chapters_budget(g):
    assert 0 < g["ch7_epoch_seconds"] < 5
    assert g["ch7_train_minutes"] < 18  # the whole chapter must stay under 20 minutes


def test_accuracies_are_fractions(g):
    for k in NETS:
        for name in ("best_train", "final_train", "best_test", "final_test"):
            assert 0.1 <= g[f"ch7_{name}_{k}"] <= 1.0, (name, k)


# --- Claim 1: dropout networks take longer to converge (holds, judged on B against A) -----------

def test_claim1_B_needs_more_epochs_to_reach_95_percent_of_its_own_final_accuracy(g):
    # level-free and in eval mode: the whole 95 % interval of B - A (epochs) lies above zero
    assert verdict(g["ch7_converge_delay_B_vs_A_low"], g["ch7_converge_delay_B_vs_A_high"]) == "holds"
    assert g["ch7_verdict_claim1"] == "holds"


def test_claim1_B_lags_A_in_training_accuracy_early_in_the_run(g):
    # A - B at a fixed epoch, eval mode: the interval excludes zero
    assert g["ch7_acc_lag_B_vs_A_low"] > 0


def test_claim1_C_and_D_are_still_learning_late_not_converged_early(g):
    # the chapter says C and D learn slowly (not "converged prematurely"): their delay excludes zero too
    for k in "CD":
        assert g[f"ch7_converge_delay_{k}_vs_A_low"] > 0, k


# --- Claim 2: dropout on the FC layer improves test accuracy (inconclusive) ---------------------

def test_claim2_B_beats_A_only_on_the_best_of_run_test_accuracy(g):
    # the source's measure (best test accuracy over the run): B above A, the interval excludes zero
    assert g["ch7_test_gain_B_vs_A_low"] > 0
    # after the last epoch (no selection on the test set) the interval spans zero
    assert g["ch7_final_test_gain_B_vs_A_low"] < 0 < g["ch7_final_test_gain_B_vs_A_high"]
    assert g["ch7_verdict_claim2"] == "inconclusive"


def test_claim2_both_A_and_B_memorize_their_subset(g):
    # train - test at the last epoch, in points: the regime the claim is about
    assert g["ch7_gap_points_A"] > 30 and g["ch7_gap_points_B"] > 30


# --- Claim 3: dropout on the conv layers holds training far below A and B (holds) ---------------

def test_claim3_conv_dropout_stays_far_below_A_and_B(g):
    # min(A, B) - max(C, D) in best training accuracy, per seed: the interval lies well above zero
    assert g["ch7_conv_shortfall_low"] > 0.2
    assert g["ch7_verdict_claim3"] == "holds"


def test_claim3_conv_dropout_nets_underfit_rather_than_overfit(g):
    for k in "CD":
        assert g[f"ch7_final_train_{k}"] - g[f"ch7_final_test_{k}"] < 0.1, k


# --- Pitfalls ----------------------------------------------------------------------------------

def test_pitfall_the_sources_running_maximum_starts_at_99_percent(g):
    # the rule reports 99 % for the networks that never pass it, whatever they measured
    for k in "CD":
        assert g[f"ch7_source_rule_{k}"] == 0.99
        assert g[f"ch7_seed0_best_train_{k}"] < 0.9


def test_pitfall_accuracy_without_no_grad_keeps_activations(g):
    assert g["ch7_graph_mib"] > 5  # MiB of saved activations per batch of 256
    assert g["ch7_nograd_same_accuracy"] is True  # the predictions themselves are right


# --- Worked solutions ----------------------------------------------------------------------------

def test_solution_elementwise_dropout_holds_training_back_less_than_dropout2d(g):
    assert g["ch7_ex_elementwise_train"] > g["ch7_ex_dropout2d_train"] + 0.05


def test_solution_a_gentle_conv_rate_lands_between_strong_rate_and_none(g):
    assert g["ch7_ex_D_train"] < g["ch7_ex_gentle_train"] < g["ch7_ex_B_train"]


def test_solution_forgetting_eval_costs_accuracy(g):
    assert g["ch7_ex_train_mode_acc"] < g["ch7_ex_eval_acc"] - 0.02


def test_solution_hook_fires_three_times_and_all_six_maps_drop_at_about_one_in_64(g):
    assert g["ch7_ex_hook_calls"] == 3
    assert abs(g["ch7_ex_all_dropped"] - 0.5 ** 6) < 0.01  # 4,096 images: sd about 0.002

"""Chapter 7 (source a4: nn.Dropout vs nn.Dropout2d, LeNet-5 on CIFAR-10): what the stored run measured.

The stored outputs come from the chapter's CPU design: each seed trains the four placements on its own
class-balanced subset of the training set, with a disjoint balanced validation slice drawn from the
images it does not train on, at the source's rate (0.01), long enough for A to fit its subset.
Comparisons between placements are asserted through the 95 % interval of the paired difference over
seeds (the glued `_low`/`_high` bounds): the interval's nearer edge must lie at least 20 % of its width
away from the decision boundary, so that a re-run which only just crosses it fails here. Claims of
the form "has converged" are judged against a margin stated before the run.

The photograph section (pixel redundancy, the red channel) came with its tests from chapter 4.
"""

from __future__ import annotations

import pytest

from margins import clear_above
from utils.stats import agree

NOTEBOOK = "07_dropout2d_lenet.ipynb"
NETS = "ABCD"


@pytest.fixture
def g(glued_values):
    return glued_values(NOTEBOOK)


def interval(g, name: str) -> tuple[float, float]:
    return g[f"{name}_low"], g[f"{name}_high"]


# --- Pixels are redundant: the photograph (A2's image section) ---------------------------------

def test_the_red_channel_is_not_the_grayscale_image(g):
    assert g["ch7_red_gray_mad"] > 0.05
    assert g["ch7_red_mean"] > g["ch7_gray_mean"]


def test_neighbouring_pixels_are_highly_correlated(g):
    assert g["ch7_neighbour_corr"] > 0.9


# --- The modules -------------------------------------------------------------------------------

def test_dropout2d_zeroes_a_fraction_p_of_the_channels(g):
    # 16,384 maps at p = 0.5: the fraction of whole zeroed maps is p within sampling noise (sd 0.004)
    assert abs(g["ch7_zeroed_maps_p05"] - 0.5) < 0.02


def test_lenet5_has_62006_parameters_in_every_placement(g):
    # glued as the common count of A, B, C and D (-1 if they differ); 456 + 2,416 + 48,120 + 10,164 + 850
    assert g["ch7_parameters"] == 62006


# --- The run: design, regime, speed ------------------------------------------------------------

def test_stored_outputs_come_from_the_cpu_design(g):
    # the verdicts below are what this design measured; the source's 1,000 epochs were not run
    assert g["ch7_schedule"] == "cpu"
    assert (g["ch7_epochs"], g["ch7_n_train"], g["ch7_n_val"]) == (150, 5000, 5000)
    assert g["ch7_step_size"] >= g["ch7_epochs"]  # the rate is never halved within the run
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
    assert g["ch7_train_minutes"] < 18  # the runs of A-D; with the larger subset the chapter takes about 21


# --- Claim 1: dropout networks take longer to converge (holds, judged on B against A) -----------

def test_claim1_B_needs_more_epochs_to_reach_95_percent_of_its_own_final_accuracy(g):
    # level-free and in eval mode: the interval of B - A (epochs) lies clear above zero
    assert clear_above(*interval(g, "ch7_converge_delay_B_vs_A"))
    assert g["ch7_verdict_claim1"] == "holds"


@pytest.mark.parametrize("reading", ["last3", "level"])
def test_claim1_holds_under_other_readings_of_converged(g, reading):
    # against the mean of the last three measurements, and to a common training accuracy (80 %)
    assert clear_above(*interval(g, f"ch7_delay_{reading}_B_vs_A"))
    assert g[f"ch7_verdict_claim1_{reading}"] == "holds"


def test_claim1_B_lags_A_in_training_accuracy_early_in_the_run(g):
    # A - B at a fixed epoch a third into the run, eval mode
    assert clear_above(*interval(g, "ch7_acc_lag_B_vs_A"))


def test_claim1_C_and_D_need_more_epochs_too(g):
    for k in "CD":
        assert clear_above(*interval(g, f"ch7_converge_delay_{k}_vs_A")), k


# --- Claim 2: dropout on the FC layer improves test accuracy ------------------------------------

def test_claim2_the_chosen_epochs_lie_within_the_run(g):
    for k in NETS:
        assert g["ch7_eval_every"] <= g[f"ch7_chosen_epoch_{k}"] <= g["ch7_epochs"], k


def test_claim2_the_sources_best_of_run_measure_favours_B(g):
    # best test accuracy of the run (selects on the test set): B above A, clear of zero
    assert clear_above(*interval(g, "ch7_test_gain_B_vs_A"))
    assert g["ch7_verdict_best_B_vs_A"] == "holds"


def test_claim2_both_A_and_B_memorize_their_subset(g):
    # train - test at the last epoch, in points: the regime the claim is about
    assert g["ch7_gap_points_A"] > 30 and g["ch7_gap_points_B"] > 30


# --- Claim 3: dropout on the conv layers -------------------------------------------------------

def test_claim3a_conv_dropout_stays_far_below_A_and_B(g):
    # min(A, B) - max(C, D) in best training accuracy, per seed: more than 20 points, clear of it
    assert clear_above(*interval(g, "ch7_conv_shortfall"), boundary=0.2)
    assert g["ch7_verdict_claim3"] == "holds"


def test_claim3b_C_and_D_have_not_converged_prematurely(g):
    # the smaller of C's and D's gain in eval-mode training accuracy over the last third of the run,
    # against the margin stated before the run (a converged network gains less than it)
    margin = g["ch7_late_margin"]
    assert margin == 0.01
    low, high = interval(g, "ch7_late_gain_CD")
    # not shown to have plateaued: the interval reaches well beyond the margin ...
    assert g["ch7_verdict_claim3b"] == agree(low, high, margin) != "holds"
    assert high - margin >= 0.2 * (high - low)
    # ... and on average both C and D still gain more than the margin
    assert g["ch7_late_gain_C"] > margin and g["ch7_late_gain_D"] > margin


def test_claim3_conv_dropout_nets_underfit_rather_than_overfit(g):
    for k in "CD":
        assert g[f"ch7_final_train_{k}"] - g[f"ch7_final_test_{k}"] < 0.1, k


# --- Pitfalls ----------------------------------------------------------------------------------

def test_pitfall_the_sources_running_maximum_starts_at_99_percent(g):
    # the rule misreports only networks that never pass 99 %: C and D stay far below it
    for k in "CD":
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
    assert abs(g["ch7_ex_all_dropped"] - 0.5 ** 6) < 0.01  # 4,000 images: sd about 0.002


# --- Twice the images (section 7.8) ------------------------------------------------------------

def test_more_images_doubles_the_subset_for_as_many_steps(g):
    assert g["ch7_more_images"] == 2 * g["ch7_n_train"]
    assert g["ch7_more_n_runs"] == 2 * g["ch7_more_n_seeds"]  # A and B only
    assert g["ch7_more_n_seeds"] >= g["ch7_n_seeds"]  # the chapter's seeds and more
    assert g["ch7_more_epochs"] * g["ch7_more_images"] >= g["ch7_epochs"] * g["ch7_n_train"]


def test_more_images_A_still_fits_its_subset(g):
    # the regime of claim 2 holds on the larger subset too
    assert g["ch7_more_best_train_A"] >= 0.99


def test_more_images_raise_B_test_accuracy(g):
    # B's test accuracy at the validation-chosen epoch, larger minus smaller subset, paired by seed
    assert clear_above(*interval(g, "ch7_more_rise_B"))


def test_more_images_B_beats_A(g):
    # B - A on the larger subset, five seeds: the whole interval lies clear above zero
    assert clear_above(*interval(g, "ch7_more_gain_B_vs_A"))
    assert g["ch7_more_verdict"] == "holds"

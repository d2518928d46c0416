"""Claims of chapter 4 (source A2: weight decay from scratch and concise, dropout on an image),
checked against the values glued in the stored notebook. Comparisons between settings are asserted
through the 95 % interval of their paired difference over data sets (glued `_low` / `_high`)."""

from __future__ import annotations

import pytest

NOTEBOOK = "04_weight_decay.ipynb"


@pytest.fixture
def v(glued_values):
    return glued_values(NOTEBOOK)


def holds(v, name):
    """The interval of a glued paired difference lies above zero, and its verdict says so."""
    assert v[name + "_low"] > 0, f"{name}: interval [{v[name + '_low']}, {v[name + '_high']}] reaches zero"
    assert v[name + "_verdict"] == "holds"


# --- from scratch, over data sets ---------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["ch4_", "ch4_small_"])
def test_decay_lowers_the_test_loss_and_shrinks_the_weights_over_data_sets(v, prefix):
    holds(v, prefix + "d3v0")       # test loss: no decay minus lambda = 3
    holds(v, prefix + "norm3v0")    # ||w||: no decay minus lambda = 3


def test_without_decay_the_model_interpolates_and_overfits(v):
    assert v["ch4_train_wd0"] < 1e-6, "an exact fit of the 20 training examples"
    assert v["ch4_test_wd0"] > 100 * v["ch4_mean_predictor_test"]
    # the initial weights' unseen components survive: the norm stays close to the initial one
    assert 0.8 * v["ch4_norm_w0"] < v["ch4_norm_wd0"] <= v["ch4_norm_w0"]


def test_decay_removes_exactly_the_unseen_components(v):
    # along the directions the training inputs never probe the data gradient is zero, so lambda = 3
    # shrinks them by the compounded decay factor, and without decay they keep their initial length
    assert v["ch4_unseen_ratio_wd3"] == pytest.approx(v["ch4_decay_product_wd3"], rel=1e-2)
    assert v["ch4_unseen_ratio_wd0"] == pytest.approx(1.0, abs=1e-3)


def test_the_undecayed_bias_explains_the_gap_on_the_first_data_set(v):
    # the same weights with the true bias beat ignoring x, although the trained bias does not
    assert v["ch4_test_true_b_wd3"] < v["ch4_mean_predictor_test"] < v["ch4_test_wd3"]
    assert abs(v["ch4_bias_wd3"] - 0.05) > abs(v["ch4_bias_wd15"] - 0.05)


def test_a_shared_seed_for_data_and_weights_hides_the_overfitting(v):
    assert v["ch4_same_seed_cosine"] > 0.9
    assert v["ch4_same_seed_norm_wd0"] < v["ch4_norm_wd0"] / 2
    assert v["ch4_same_seed_test_wd0"] < v["ch4_test_wd0"] / 5


# --- concise ----------------------------------------------------------------------------------

def test_concise_decay_lowers_the_test_loss_and_shrinks_the_weights_over_data_sets(v):
    holds(v, "ch4_concise_gain")
    holds(v, "ch4_concise_shrink")


def test_negative_weight_decay_grows_the_weights_as_predicted(v):
    holds(v, "ch4_neg_growth")
    assert v["ch4_norm_wdneg2"] == pytest.approx(v["ch4_predicted_norm_wdneg2"], rel=1e-3)
    # the damage shows on new data: the training loss stays small next to the test loss
    assert v["ch4_train_wdneg2"] < 1e-3 * v["ch4_test_wdneg2"]


# --- choosing lambda on a validation set ----------------------------------------------------------

@pytest.mark.parametrize("prefix", ["ch4_", "ch4_small_"])
def test_the_lambda_chosen_on_validation_beats_no_decay(v, prefix):
    holds(v, prefix + "left")
    assert v[prefix + "chosen_lambda_lo"] > 0


def test_from_the_source_start_the_curve_is_an_l_not_a_u(v):
    # whatever the right arm does, it is tiny next to the fall on the left (both through their intervals)
    assert max(abs(v["ch4_right_low"]), abs(v["ch4_right_high"])) < 1e-3 * v["ch4_left_low"]


def test_the_initialisation_decides_what_decay_buys(v):
    assert v["ch4_small_sweep_test_wd0"] < v["ch4_sweep_test_wd0"] / 1000
    assert v["ch4_small_sweep_drop_ratio"] < 10 < 1000 < v["ch4_sweep_drop_ratio"]


# --- the image section ------------------------------------------------------------------------

def test_the_red_channel_is_not_the_grayscale_image(v):
    assert v["ch4_red_gray_mad"] > 0.05
    assert v["ch4_red_mean"] > v["ch4_gray_mean"]


def test_neighbouring_pixels_are_highly_correlated(v):
    assert v["ch4_neighbour_corr"] > 0.9


def test_the_double_loop_is_far_slower_than_conv2d(v):
    assert v["ch4_corr2d_size"] == "300×451", "FULL times the loop on the whole photograph"
    assert v["ch4_corr2d_speedup"] > 100


# --- worked solutions -----------------------------------------------------------------------

def test_sgd_without_decay_lands_on_the_predicted_interpolating_solution(v):
    assert v["ch4_ex_predict_gap"] < 1e-3


def test_more_data_shrinks_the_overfitting_but_decay_still_wins(v):
    assert v["ch4_ex_n250_test_wd0"] < v["ch4_ex_n100_test_wd0"] / 10
    assert v["ch4_ex_n250_test_chosen"] < v["ch4_ex_n250_test_wd0"] / 10


def test_from_the_small_start_the_right_arm_rises(v):
    holds(v, "ch4_small_right")


# --- weight decay as a Gaussian prior -----------------------------------------------------------

def test_the_decayed_fit_is_the_map_estimate_under_a_gaussian_prior(v):
    # two computations of one minimiser: the d x d Gaussian posterior mean and the n x n ridge form
    assert v["ch4_map_gap"] < 1e-6


def test_sgd_with_weight_decay_reaches_the_ridge_solution(v):
    assert v["ch4_gd_gap_start"] > 10, "the N(0, 1) start is far from the solution"
    assert v["ch4_gd_gap_end"] < 1e-4, "full-batch descent ends at float32 rounding level"
    assert v["ch4_sgd_gap_end"] < 1e-3 * v["ch4_sgd_gap_start"], "minibatches with a decaying step close in too"


@pytest.mark.parametrize("batch", [20, 5])
def test_weight_decay_is_lambda_under_a_mean_loss_and_b_lambda_under_a_sum(v, batch):
    assert v[f"ch4_red_mean_b{batch}_gap_pred"] < 0.05
    # the summed loss lands on the solution for lambda = wd / B, far from the one for lambda = wd
    assert v[f"ch4_red_sum_b{batch}_gap_pred"] < 0.05
    assert v[f"ch4_red_sum_b{batch}_gap_wd"] > 10 * v[f"ch4_red_sum_b{batch}_gap_pred"]


def test_nn_mseloss_halves_lambda(v):
    assert v["ch4_ex_mse_gap_half"] < 1e-3
    assert v["ch4_ex_mse_gap_wd"] > 0.1


def test_the_leave_one_out_shortcut_equals_refitting(v):
    assert v["ch4_loo_gap"] < 1e-6


@pytest.mark.parametrize("method", ["val", "loo", "ev"])
def test_every_choice_of_lambda_beats_ignoring_x(v, method):
    holds(v, f"ch4_sel_{method}_vs_mean")


@pytest.mark.parametrize("pair", ["ev_vs_val", "loo_vs_val", "ev_vs_loo"])
def test_the_three_choices_are_not_told_apart_on_twenty_examples(v, pair):
    name = f"ch4_sel_{pair}"
    assert v[name + "_low"] < 0 < v[name + "_high"]
    assert v[name + "_verdict"] == "inconclusive"


def test_the_evidence_is_stable_once_the_noise_level_is_known(v):
    # inputs nearly orthogonal: the eigenvalues of Xc Xc^T stay within a factor of a few of d = 200
    assert 50 < v["ch4_sel_s_min"] < v["ch4_sel_s_max"] < 600
    # the picks of the three methods swing between interpolating and ignoring x; given sigma they do not
    assert min(v["ch4_sel_val_df_sd"], v["ch4_sel_loo_df_sd"], v["ch4_sel_ev_df_sd"]) > 10 * v["ch4_sel_evs_df_sd"]
    assert v["ch4_sel_evs_median"] == pytest.approx(0.05, rel=0.5), "the lambda the true weights imply"
    assert v["ch4_sel_evs_ends"] == 0

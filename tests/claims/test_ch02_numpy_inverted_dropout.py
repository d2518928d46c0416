"""Claims of chapter 2 (source A1 section 3, the cs231n notes on dropout), checked on the stored run.

Comparisons between training settings are asserted through the 95 % interval of their paired
difference over seeds (glued `_low`/`_high`), never through one seed's outcome, and only where the
interval's nearer edge lies at least a fifth of its width from the boundary; a claim that two settings
agree is asserted against the margin the chapter states before the run.
"""

from __future__ import annotations

import pytest

from margins import clear_above

NB = "02_numpy_inverted_dropout.ipynb"


@pytest.fixture
def v(glued_values):
    return glued_values(NB)


def test_vanilla_prediction_depends_on_the_training_rate(v):
    # only the inverted form keeps predict() unchanged; vanilla's test pass at keep 0.5 is far off
    assert v["ch2_vanilla_rel_diff_keep05"] > 0.5


@pytest.mark.parametrize("scheme", ["vanilla", "inverted"])
def test_first_layer_equals_the_mask_average_in_expectation(v, scheme):
    # the Monte-Carlo gap shrinks toward zero like 1/sqrt(passes)
    first, last = v[f"ch2_gap_{scheme}_h1_first"], v[f"ch2_gap_{scheme}_h1"]
    assert last < 0.02
    assert last < first / 5


@pytest.mark.parametrize("scheme", ["vanilla", "inverted"])
def test_deeper_layers_are_only_approximately_equal(v, scheme):
    # the second layer's gap levels off well above the first layer's (Jensen through the ReLU)
    assert v[f"ch2_gap_{scheme}_h2"] > 5 * v[f"ch2_gap_{scheme}_h1"]
    assert v[f"ch2_gap_{scheme}_h2"] > 0.5 * v[f"ch2_gap_{scheme}_h2_first"]


def test_jensen_mask_average_lies_above_the_test_time_activation(v):
    assert v["ch2_h2_mean_excess"] > 0
    assert v["ch2_h2_frac_above"] > 0.8


def test_exactness_breaks_at_the_first_non_linearity_after_a_dropout_layer(v):
    # one dropout layer, after H1: H1 exact (sampling noise), H2 not (a ReLU follows the mask)
    assert v["ch2_cond_h1_only_h1"] < 0.02
    assert v["ch2_cond_h1_only_h2"] > 5 * v["ch2_cond_h1_only_h1"]
    # one dropout layer, after H2: the scores are linear in H2 and exact; the softmax is not
    assert v["ch2_cond_h2_only_scores"] < 0.02
    assert v["ch2_cond_h2_only_probabilities"] > 5 * v["ch2_cond_h2_only_scores"]


def test_backward_through_the_mask_matches_finite_differences(v):
    # the stored error is about 1e-6 (central differences near ReLU kinks); 1e-5 leaves room for another
    # BLAS, while a backward that drops the mask or its 1/keep scale errs by 0.6 or more
    assert v["ch2_gradcheck_err"] < 1e-5
    # redrawing the masks at every evaluation breaks the check completely
    assert v["ch2_gradcheck_err_fresh"] > 0.5


def test_tanh_backward_matches_finite_differences(v):
    assert v["ch2_gradcheck_err_tanh"] < 1e-5


def test_without_dropout_the_spiral_network_memorises(v):
    assert v["ch2_plain_train_acc_min"] >= 0.99


def test_test_time_pass_predicts_like_the_ensemble_on_trained_networks(v):
    assert v["ch2_ens_same_class_min"] > 0.95


def test_dropout_lowers_the_final_test_loss_over_seeds(v):
    # no dropout minus dropout, paired by seed: the interval lies clear of zero
    assert clear_above(v["ch2_loss_gain_low"], v["ch2_loss_gain_high"])
    assert v["ch2_loss_gain_verdict"] == "holds"


# --- The exact ensemble: every mask of a 16-unit layer enumerated ---------------------------------


@pytest.mark.parametrize("arm", ["lin", "pos"])
def test_weight_scaling_is_exact_when_only_the_output_layer_follows_the_mask(v, arm):
    # identities (Baldi 2013, Hinton 2012): mean scores and normalised geometric mean, up to rounding
    assert v[f"ch2_ex_{arm}_score_err"] < 1e-9
    assert v[f"ch2_ex_{arm}_geo_err"] < 1e-9


def test_the_identities_hold_at_keep_0_8_where_keep_drop_mix_ups_show(v):
    # at keep 0.5 a mask and its complement are equally likely and 1/keep = 1/(1-keep), so swapping
    # keep and drop in P(m) or in the scale cannot be seen; at keep 0.8 both mix-ups fail by far
    assert v["ch2_ex_keep08_score_err"] < 1e-9
    assert v["ch2_ex_keep08_geo_err"] < 1e-9
    assert v["ch2_ex_keep08_swap_p_err"] > 0.1
    assert v["ch2_ex_keep08_swap_scale_err"] > 0.1
    assert v["ch2_ex_keep05_swap_p_err"] < 1e-9
    assert v["ch2_ex_keep05_swap_scale_err"] < 1e-9


def test_neither_identity_survives_a_relu_after_the_mask(v):
    assert v["ch2_ex_relu_score_err"] > 1e-3
    assert clear_above(v["ch2_ex_relu_tv_geo_low"], v["ch2_ex_relu_tv_geo_high"])


def test_weight_scaling_is_farther_from_the_ensemble_with_a_relu_after_the_mask(v):
    # total variation to the arithmetic mean, arm B (ReLU after the mask) minus arm A, paired by seed
    assert clear_above(v["ch2_ex_tv_relu_minus_lin_low"], v["ch2_ex_tv_relu_minus_lin_high"])


def test_with_only_the_output_layer_after_the_mask_the_accuracies_agree(v):
    # arithmetic mean minus weight scaling: the whole interval within the margin stated before the run
    margin = v["ch2_ex_margin"]
    assert -margin < v["ch2_ex_lin_acc_gain_low"] and v["ch2_ex_lin_acc_gain_high"] < margin


def test_in_the_narrow_relu_network_the_exact_ensemble_is_more_accurate(v):
    # Srivastava 2014's "fairly good approximation" fails here: the whole interval lies beyond the
    # equivalence margin, its lower edge clear of it by a fifth of its width
    low, high = v["ch2_ex_relu_acc_gain_low"], v["ch2_ex_relu_acc_gain_high"]
    assert clear_above(low, high, boundary=v["ch2_ex_margin"]), (low, high)


def test_many_sampled_masks_come_closer_to_the_ensemble_than_weight_scaling(v):
    # weight scaling's distance minus the Monte-Carlo mean's, paired by seed
    assert clear_above(v["ch2_ex_relu_mc_closer_low"], v["ch2_ex_relu_mc_closer_high"])


def test_monte_carlo_converges_like_one_over_root_k(v):
    # fitted slope of log TV against log k where only sampling noise separates MC from the exact mean
    assert -0.65 < v["ch2_ex_lin_mc_slope"] < -0.35


def test_in_the_wide_networks_weight_scaling_predicts_as_accurately_as_sampled_masks(v):
    # average of the sampled masks minus weight scaling, test accuracy: the interval within the margin
    margin = v["ch2_ex_margin"]
    assert -margin < v["ch2_ens_acc_diff_low"] and v["ch2_ens_acc_diff_high"] < margin


def test_a_few_sampled_masks_already_match_weight_scaling_on_the_trained_networks(v):
    # Srivastava et al. needed about 50 masks on MNIST; on these spiral networks every seed gets there
    # well before that
    assert v["ch2_ens_k_reached"] == v["ch2_n_seeds"]
    assert v["ch2_ens_k_max"] <= 25

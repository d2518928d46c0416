"""Claims of chapter 5 (L1 and L2 regularization), checked on the glued values of the stored notebook.

Sources: A1 (the diabetes network, sections 2.1-2.2 on L1/L2) and A3 (the L2 formula). Comparisons between
settings are asserted through the 95 % interval of their paired difference over seeds or splits: the
interval's nearer edge must lie at least 20 % of its width from the decision boundary (`clear_above`,
`clear_below` of tests/claims/margins.py), or the claim is one of agreement within a margin stated before
the run (`utils.agree`). No test asserts that an interval spans zero.
"""

from __future__ import annotations

import pytest

from margins import clear_above, clear_below
from utils.stats import agree

NOTEBOOK = "05_l1_l2_regularization.ipynb"
L1_L2_MARGIN = 0.01  # nats of test loss: the chapter's "about the same" for a loss (section 5.4)


@pytest.fixture
def v(glued_values):
    return glued_values(NOTEBOOK)


# 5.1: the two penalties, and why L1 gives zeros


def test_a3_penalty_is_twice_pytorchs(v):
    # A3's λ‖W‖² has gradient 2λW; PyTorch's weight_decay is the gradient of λ/2·‖W‖²
    assert v["ch5_a3_ratio"] == pytest.approx(2.0, abs=1e-6)


def test_l1_constraint_meets_the_loss_on_an_axis_and_l2_does_not(v):
    assert v["ch5_geom_l1_w2"] == 0.0
    assert abs(v["ch5_geom_l2_w2"]) > 0.05


# 5.2: weight_decay, with and without momentum


def test_weight_decay_is_the_l2_gradient_under_plain_sgd(v):
    # PyTorch could implement weight_decay otherwise (decoupled, or scaled): these pin its behaviour
    assert v["ch5_sgd_gap"] < 1e-6
    assert v["ch5_decay_factor"] == pytest.approx(1 - 0.01 * 0.001, abs=1e-7)


def test_momentum_breaks_the_equivalence_with_multiplicative_decay(v):
    # without momentum the two algorithms agree to rounding; with momentum 0.9 they part
    assert v["ch5_mom0_weight"] == pytest.approx(v["ch5_decay20"], rel=1e-9)
    assert v["ch5_mom0_gap"] < 1e-5
    assert v["ch5_mom9_weight"] < 0.5 * v["ch5_decay20"]  # the velocity accumulates the decay
    assert v["ch5_mom9_gap"] > 1e-2


# 5.3: Adam against AdamW


def test_adam_and_adamw_by_hand_match_torch(v):
    assert v["ch5_adam_hand_gap"] < 1e-6
    assert v["ch5_adamw_hand_gap"] < 1e-6
    assert v["ch5_adam_vs_adamw"] > 0.01


def test_coupled_adam_drags_a_weakly_held_weight_to_the_l2_minimum(v):
    # coupled Adam rests where a(w - 1) + λw = 0; AdamW's decay ηλw is undone by the normalised data step
    assert v["ch5_path_adam_end"] == pytest.approx(v["ch5_path_l2_min"], abs=0.02)
    assert v["ch5_path_adamw_end"] > 0.9
    # fast: plain gradient steps on the same objective (gradient about 0.1) would need about 500
    assert v["ch5_path_adam_steps_to_half"] < 150


# 5.4: the logged loss


def test_logged_loss_excludes_the_penalty(v):
    # at the decayed run's final weights the optimizer is at rest on loss + penalty, not on the logged loss
    assert v["ch5_penalty_last_wd"] > 0
    assert v["ch5_grad_logged_last"] > 0.01
    assert v["ch5_grad_objective_last"] < 0.01 * v["ch5_grad_logged_last"]


def test_logged_loss_barely_moves_at_a1s_decay_but_rises_at_0_1(v):
    # A1: the printed loss stays about the same whatever weight_decay is ("about" = within 0.01 nats)
    assert clear_below(v["ch5_rise_a1_low"], v["ch5_rise_a1_high"], 0.01)
    assert clear_above(v["ch5_rise_demo_low"], v["ch5_rise_demo_high"], 0.01)


def test_label_1_is_the_healthy_majority(v):
    assert v["ch5_share_label1"] > 0.5
    assert v["ch5_glucose_label1"] < v["ch5_glucose_label0"]


# 5.5: L1 against L2 on the logistic regression


def test_proximal_l1_sets_exact_zeros_where_l2_only_shrinks(v):
    assert v["ch5_exact0_prox"] >= 1
    assert v["ch5_grid_near0_l2"] == [0] * len(v["ch5_grid_l2"])
    assert v["ch5_exact0_prox_strongest"] > v["ch5_exact0_prox_weakest"]


def test_subgradient_l1_hovers_within_two_steps_of_zero(v):
    assert v["ch5_exact0_l1"] == 0
    assert v["ch5_n_zeroed"] > 0  # the weights panel (b) follows
    assert 0 < v["ch5_hover_max"] <= v["ch5_hover_bound"]


def test_sparsity_at_the_validation_chosen_lambda_over_splits(v):
    # A1: L1 makes the weights sparse, L2 does not; judged at each split's validation-chosen λ
    assert v["ch5_study_l2_zero"] == 0
    assert v["ch5_study_zero_splits"] >= v["ch5_n_splits"] / 2


def test_study_grids_are_wide_enough(v):
    # no pick at the largest λ of either grid; picks at λ = 0 are a choice of no penalty, said so in the text
    assert v["ch5_study_top_l1"] == 0 and v["ch5_study_top_l2"] == 0
    assert 0.0 in v["ch5_study_grid_l1"] and 0.0 in v["ch5_study_grid_l2"]


def test_l1_and_l2_agree_within_the_margin_over_splits(v):
    # A1 (after cs231n): L2 usually beats L1. Over 10 splits, λ chosen on validation rows, the paired interval
    # of L1 - L2 test loss lies inside ±0.01 nats (a margin fixed before the run)
    low, high = v["ch5_l1_minus_l2_low"], v["ch5_l1_minus_l2_high"]
    assert agree(low, high, L1_L2_MARGIN) == "holds" == v["ch5_l1_l2_agree"]


def test_l2_gains_less_than_the_margin_over_no_penalty(v):
    # the upper edge of the gain none - L2 stays below 0.01 nats: no regularization effect worth the name
    assert clear_below(v["ch5_none_minus_l2_low"], v["ch5_none_minus_l2_high"], L1_L2_MARGIN)


# 5.6-5.7: the source's network


def test_source_setting_trains_a_constant_predictor(v):
    # A1's Adam(lr=0.1, weight_decay=0.1): every seed predicts one class; accuracy = base rate
    assert v["ch5_both_constant"] == v["ch5_wd_constant"] == v["ch5_n_seeds"]
    assert v["ch5_both_test_acc"] == pytest.approx(v["ch5_base_rate_test"], abs=1e-6)
    assert v["ch5_source_test_acc"] == pytest.approx(v["ch5_base_rate_test"], abs=1e-6)
    assert v["ch5_wd_saturated_max"] < 0.01 and v["ch5_wd_spread_max"] < 1e-3


def test_the_constant_is_pulled_below_the_base_rate_by_the_decay(v):
    assert v["ch5_both_prob"] < v["ch5_base_rate_train"]


def test_prediction_on_random_input_is_meaningless(v):
    assert v["ch5_source_noise_inside"] < 0.05
    assert v["ch5_source_noise_pos"] == 1.0
    assert v["ch5_source_noise_spread"] < 1e-3


def test_no_regularization_is_unstable_at_lr_0_1(v):
    # some seeds saturate to a constant, the others fit with far larger weights
    assert v["ch5_none_constant"] >= 1
    assert v["ch5_none_wnorm_fitting"] > 5 * v["ch5_none_wnorm_constant"]


def test_adamw_with_the_same_lambda_beats_adam(v):
    assert v["ch5_adamw_constant"] == 0
    assert clear_above(v["ch5_adamw_vs_both_low"], v["ch5_adamw_vs_both_high"])
    assert clear_above(v["ch5_adamw_vs_none_low"], v["ch5_adamw_vs_none_high"])


def test_predicting_with_dropout_on_flips_many_single_predictions(v):
    assert v["ch5_adamw_flips"] > 0.05
    assert v["ch5_both_flips"] == 0.0  # a collapsed network answers the same whatever the mask


def test_plain_logistic_regression_beats_the_best_network_row(v):
    assert clear_below(v["ch5_adamw_vs_logreg_low"], v["ch5_adamw_vs_logreg_high"])


# 5.8: the λ sweeps, each seed on its own split


def test_training_loss_points_to_a_smaller_lambda_than_validation(v):
    for key in ("adam", "adamw"):
        assert v[f"ch5_best_lambda_{key}"] >= 10 * v[f"ch5_best_lambda_train_{key}"]


def test_validation_picks_lie_inside_the_grids(v):
    assert v["ch5_best_interior_adam"] and v["ch5_best_interior_adamw"]
    assert v["ch5_sgd_best_interior"]


def test_best_lambda_depends_on_the_optimizer(v):
    assert v["ch5_best_ratio_log10"] >= 2


def test_a1_first_try_helps_coupled_adam(v):
    assert clear_above(v["ch5_gain_1e3_adam_low"], v["ch5_gain_1e3_adam_high"])


def test_a1_own_lambda_collapses_even_at_the_smaller_learning_rate(v):
    assert v["ch5_test_a1_adam"] == pytest.approx(v["ch5_constant_loss_test"], abs=0.01)


def test_a1_sgd_example_learns_nothing_in_2000_steps(v):
    # SGD(lr=0.01, weight_decay=0.001): the training loss stays at the loss of predicting the base rate
    assert v["ch5_sgd_a1_train"] == pytest.approx(v["ch5_entropy_fit"], abs=0.01)


def test_a1_first_tries_help_an_overfitting_sgd_run(v):
    # SGD lr 0.5, momentum 0.9: the undecayed network overfits, and λ = 1e-4 and 1e-3 both lower the test
    # loss, paired over seeds, each on its own split
    assert v["ch5_sgd_train_lambda0"] < v["ch5_sgd_val_lambda0"]
    assert clear_above(v["ch5_gain_1e4_sgd_low"], v["ch5_gain_1e4_sgd_high"])
    assert clear_above(v["ch5_gain_1e3_sgd_low"], v["ch5_gain_1e3_sgd_high"])
    assert v["ch5_gain_1e4_sgd_verdict"] == v["ch5_gain_1e3_sgd_verdict"] == "holds"
    assert 1e-4 <= v["ch5_sgd_best_lambda"] <= 1e-3  # validation's pick lies in A1's range
    assert v["ch5_sgd_test_1e2"] == pytest.approx(v["ch5_constant_loss_test"], abs=0.01)


# Exercises


def test_sparing_the_biases_does_not_rescue_coupled_adam(v):
    assert v["ch5_ex_groups_constant"] == v["ch5_ex_n_seeds"]


def test_l1_on_the_first_layer_collapses_at_both_learning_rates(v):
    # the exercise's solution: at lr 0.1 and at lr 0.01 the network predicts the base rate on every seed,
    # and at lr 0.01 the penalty has pulled the first layer's weights far below those at lr 0.1
    for key in ("lr01", "lr001"):
        assert v[f"ch5_ex_l1net_acc_min_{key}"] == pytest.approx(v["ch5_base_rate_test"], abs=1e-6)
        assert v[f"ch5_ex_l1net_acc_{key}"] == pytest.approx(v["ch5_base_rate_test"], abs=1e-6)
    assert v["ch5_ex_l1net_mass_lr001"] < 0.2 * v["ch5_ex_l1net_mass_lr01"]

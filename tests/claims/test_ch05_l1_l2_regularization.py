"""Claims of chapter 5 (L1 and L2 regularization), checked on the glued values of the stored notebook.

Sources: A1 (the diabetes network, sections 2.1-2.2 on L1/L2) and A3 (the L2 formula). Comparisons between
settings are asserted through the 95 % interval of their paired difference over seeds or splits, so that a
test fails when a fresh run no longer supports what the chapter says, not when one seed moves.
"""

from __future__ import annotations

import pytest

NOTEBOOK = "05_l1_l2_regularization.ipynb"


@pytest.fixture
def v(glued_values):
    return glued_values(NOTEBOOK)


# 5.2: weight_decay, with and without momentum


def test_weight_decay_is_the_l2_gradient_under_plain_sgd(v):
    # PyTorch could implement weight_decay otherwise (decoupled, or scaled): these pin its behaviour
    assert v["ch5_sgd_gap"] < 1e-6
    assert v["ch5_decay_factor"] == pytest.approx(1 - 0.01 * 0.001, abs=1e-7)


def test_momentum_breaks_the_equivalence_with_multiplicative_decay(v):
    # without momentum the two algorithms agree to rounding; with momentum 0.9 they part
    assert v["ch5_mom0_weight"] == pytest.approx(v["ch5_decay20"], rel=1e-9)
    assert v["ch5_mom0_gap"] < 1e-5
    assert v["ch5_mom9_weight"] < 0.5 * v["ch5_decay20"]      # the velocity accumulates the decay
    assert v["ch5_mom9_gap"] > 1e-2


# 5.3: the logged loss


def test_logged_loss_excludes_the_penalty(v):
    # at the decayed run's final weights the optimizer is at rest on loss + penalty, not on the logged loss
    assert v["ch5_penalty_last_wd"] > 0
    assert v["ch5_grad_logged_last"] > 0.01
    assert v["ch5_grad_objective_last"] < 0.01 * v["ch5_grad_logged_last"]


def test_logged_loss_barely_moves_at_a1s_decay_but_rises_at_0_1(v):
    # A1: the printed loss stays about the same whatever weight_decay is ("about" = within 0.01 nats)
    assert v["ch5_rise_a1_high"] < 0.01
    assert v["ch5_rise_demo_low"] > 0.01


def test_label_1_is_the_healthy_majority(v):
    assert v["ch5_share_label1"] > 0.5
    assert v["ch5_glucose_label1"] < v["ch5_glucose_label0"]


# 5.4: L1 against L2 on the logistic regression


def test_proximal_l1_sets_exact_zeros_where_l2_only_shrinks(v):
    assert v["ch5_exact0_prox"] > v["ch5_near0_l2"]
    assert v["ch5_grid_near0_l2"] == [0] * len(v["ch5_grid_l2"])
    assert v["ch5_exact0_prox_strongest"] > v["ch5_exact0_prox_weakest"]


def test_subgradient_l1_hovers_instead_of_reaching_zero(v):
    assert v["ch5_exact0_l1"] < v["ch5_exact0_prox"]
    assert v["ch5_n_zeroed"] > 0  # the weights the right panel follows
    assert 0 < v["ch5_hover_max"] <= v["ch5_hover_bound"]
    assert v["ch5_near0_l1_min"] <= v["ch5_near0_l1"] <= v["ch5_near0_l1_max"]


def test_l1_and_l2_are_not_told_apart_over_splits(v):
    # A1 (after cs231n): L2 usually beats L1. Over 10 splits, lambda chosen on validation rows: the interval
    # of L1 - L2 test loss contains zero and is narrow
    low, high = v["ch5_l1_minus_l2_low"], v["ch5_l1_minus_l2_high"]
    assert low < 0 < high
    assert high - low < 0.02


def test_neither_penalty_clearly_beats_no_penalty(v):
    assert v["ch5_none_minus_l2_low"] < 0 < v["ch5_none_minus_l2_high"]
    assert v["ch5_none_minus_l1_low"] < 0 < v["ch5_none_minus_l1_high"]


# 5.5-5.6: the source's network


def test_source_setting_trains_a_constant_predictor(v):
    # A1's Adam(lr=0.1, weight_decay=0.1): every seed predicts one class; accuracy = base rate
    assert v["ch5_both_constant"] == v["ch5_wd_constant"] == v["ch5_n_seeds"]
    assert v["ch5_both_test_acc"] == pytest.approx(v["ch5_base_rate_test"], abs=1e-6)
    assert v["ch5_source_test_acc"] == pytest.approx(v["ch5_base_rate_test"], abs=1e-6)
    assert v["ch5_wd_saturated_max"] < 0.01 and v["ch5_wd_spread_max"] < 1e-3


def test_the_constant_is_pulled_below_the_base_rate_by_the_decay(v):
    # the logged loss exceeds the label entropy because the decayed output predicts less than pi
    assert v["ch5_both_prob"] < v["ch5_base_rate_train"]
    assert v["ch5_both_train_loss"] > v["ch5_entropy_base_rate"]


def test_prediction_on_random_input_is_meaningless(v):
    assert v["ch5_source_noise_inside"] < 0.05
    assert v["ch5_source_noise_pos"] == 1.0
    assert v["ch5_source_noise_spread"] < 1e-3


def test_no_regularization_is_unstable_at_lr_0_1(v):
    assert 0 < v["ch5_none_constant"] < v["ch5_n_seeds"]
    assert v["ch5_none_wnorm_fitting"] > 5 * v["ch5_none_wnorm_constant"]


def test_adamw_with_the_same_lambda_beats_adam(v):
    assert v["ch5_adamw_constant"] == 0
    assert v["ch5_adamw_vs_both_low"] > 0
    assert v["ch5_adamw_vs_none_low"] > 0


def test_predicting_with_dropout_on_is_random(v):
    # many single predictions change between two passes; the mean accuracy cost is inconclusive over 5 seeds
    assert v["ch5_adamw_flips"] > 0.05
    assert v["ch5_both_flips"] == 0.0  # a collapsed network answers the same whatever the mask
    assert v["ch5_dropout_on_low"] < 0 < v["ch5_dropout_on_high"]


# 5.7: Adam against AdamW by hand


def test_adam_and_adamw_by_hand_match_torch(v):
    assert v["ch5_adam_hand_gap"] < 1e-6
    assert v["ch5_adamw_hand_gap"] < 1e-6
    assert v["ch5_adam_vs_adamw"] > 0.01


# 5.8: the λ sweep


def test_training_loss_points_to_a_smaller_lambda_than_validation(v):
    for key in ("adam", "adamw"):
        assert v[f"ch5_best_lambda_{key}"] >= 10 * v[f"ch5_best_lambda_train_{key}"]


def test_plain_logistic_regression_beats_the_best_network_row(v):
    assert v["ch5_adamw_vs_logreg_high"] < 0


def test_a1_first_try_helps_coupled_adam(v):
    assert v["ch5_gain_1e3_adam_low"] > 0


def test_a1_own_lambda_collapses_even_at_the_smaller_learning_rate(v):
    assert v["ch5_test_a1_adam"] == pytest.approx(v["ch5_constant_loss_test"], abs=0.01)


def test_best_lambda_depends_on_the_optimizer(v):
    assert v["ch5_best_ratio_log10"] >= 2


def test_a1_sgd_example_learns_nothing_in_2000_steps(v):
    # SGD(lr=0.01, weight_decay=0.001): the training loss stays at the loss of predicting the base rate
    assert v["ch5_sgd_a1_train"] == pytest.approx(v["ch5_entropy_fit"], abs=0.01)


def test_a1_first_tries_help_an_overfitting_sgd_run(v):
    # SGD lr 0.5, momentum 0.9: the undecayed network overfits, and lambda = 1e-4 and 1e-3 both lower the
    # test loss, paired over seeds (the whole 95 % interval above zero); validation picks a lambda in the range
    assert v["ch5_sgd_train_lambda0"] < v["ch5_sgd_val_lambda0"]
    assert v["ch5_gain_1e4_sgd_low"] > 0
    assert v["ch5_gain_1e3_sgd_low"] > 0
    assert 1e-4 <= v["ch5_sgd_best_lambda"] <= 1e-3
    assert v["ch5_sgd_test_1e2"] == pytest.approx(v["ch5_constant_loss_test"], abs=0.01)


# Exercises


def test_sparing_the_biases_does_not_rescue_coupled_adam(v):
    assert v["ch5_ex_groups_constant"] == v["ch5_n_seeds"]


def test_l1_on_the_first_layer_collapses_at_both_learning_rates(v):
    # the exercise's solution: at lr 0.1 and at lr 0.01 the network predicts the base rate on every seed,
    # and at lr 0.01 the penalty has pulled the first layer's weights far below those at lr 0.1
    for key in ("lr01", "lr001"):
        assert v[f"ch5_ex_l1net_acc_min_{key}"] == pytest.approx(v["ch5_base_rate_test"], abs=1e-6)
        assert v[f"ch5_ex_l1net_acc_{key}"] == pytest.approx(v["ch5_base_rate_test"], abs=1e-6)
    assert v["ch5_ex_l1net_mass_lr001"] < 0.2 * v["ch5_ex_l1net_mass_lr01"]

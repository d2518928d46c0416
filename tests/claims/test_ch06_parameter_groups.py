"""Claims of chapter 6 (source A3: per-parameter options, decay the weights and not the biases),
checked against the values glued in the stored notebook. Comparisons between settings are asserted
through the 95 % interval of their paired difference over seeds (glued `_low` / `_high`)."""

from __future__ import annotations

import pytest

NOTEBOOK = "06_parameter_groups.ipynb"


@pytest.fixture
def v(glued_values):
    return glued_values(NOTEBOOK)


def test_each_group_steps_with_its_own_learning_rate(v):
    # first SGD-with-momentum step: -step/gradient equals the group's lr (base 1e-3, head 1e-2)
    assert v["ch6_base_ratio"] == pytest.approx(1e-3, rel=1e-8)
    assert v["ch6_head_ratio"] == pytest.approx(1e-2, rel=1e-8)


def test_a_misspelt_key_leaves_the_group_at_the_default_learning_rate(v):
    assert v["ch6_typo_lr"] == pytest.approx(0.01)


def test_name_rule_misses_normalization_weights(v):
    assert set(v["ch6_missed_names"].split(", ")) == {"scale", "bn.weight", "ln.weight"}


def test_float64_hand_check_tells_the_decay_rules_apart_at_the_source_lambda(v):
    key = "ch6_float64_wd1em05"
    # the flipped rule's error on the weights is the decay term the formula predicts ...
    assert v[f"{key}_flip_err_max"] == pytest.approx(v[f"{key}_decay_pred"], rel=0.1)
    # ... and stands far above the configured rule's rounding
    assert v[f"{key}_margin"] > 1e6


def test_in_float32_the_margin_is_only_a_few_roundings(v):
    assert 1 < v["ch6_float32_wd1em05_margin"] < 100
    assert v["ch6_float32_wd1em05_flip_err_max"] < 1e-6  # a tolerance of 1e-6 would pass both rules


def test_decaying_normalization_scales_shrinks_them(v):
    for wd in ("0p0005", "0p05"):
        key = f"ch6_norm_wd{wd}_gamma"
        assert v[f"{key}_high"] < 0, "the name rule's scales end smaller than the shape rule's"
        assert v[f"{key}_verdict"] == "contradicted"  # 'name exceeds shape' is contradicted


def test_decaying_normalization_scales_costs_accuracy_only_at_a_strong_decay(v):
    assert v["ch6_norm_wd0p05_acc_high"] < 0
    assert v["ch6_norm_wd0p0005_acc_low"] < 0 < v["ch6_norm_wd0p0005_acc_high"]


def test_without_any_decay_the_offset_ring_is_not_fitted_either(v):
    # the free-bias network's success comes with the decay on its weights
    assert v["ch6_ring_free_vs_none_low"] > 0


def test_bias_decay_underfits_the_offset_regression_over_data_sets(v):
    assert v["ch6_reg_big_diff_low"] > 0
    assert v["ch6_reg_big_verdict"] == "holds"
    # the bias is pulled toward zero as b* = 2c / (2 + lambda) predicts
    assert v["ch6_reg_b_decay"] == pytest.approx(v["ch6_reg_b_pred"], rel=2e-3)
    assert v["ch6_reg_extra_measured"] == pytest.approx(v["ch6_reg_extra_pred"], rel=0.1)


def test_at_the_source_lambda_bias_decay_is_not_measurable(v):
    assert v["ch6_reg_source_rel_max"] < 1e-4


def test_free_biases_fit_the_offset_ring_better(v):
    assert v["ch6_ring_offset_wd0p01_low"] > 0
    assert v["ch6_ring_offset_wd0p01_verdict"] == "holds"
    # decayed biases keep the planes near the origin, free ones move out toward the data
    assert v["ch6_ring_offset_wd0p01_decay_dist"] < 1.0 < 4.0 < v["ch6_ring_offset_wd0p01_nodecay_dist"]


def test_bias_decay_costs_more_far_from_the_origin(v):
    assert v["ch6_ring_offset_wd0p01_diff"] > v["ch6_ring_centred_wd0p01_high"]


def test_adamw_groups_decouple_decay_for_weights_only(v):
    assert v["ch6_adamw_ok"] is True
    assert v["ch6_adamw_default_wd"] == pytest.approx(0.01)


def test_a_layer_followed_by_batchnorm_is_scale_invariant(v):
    # outputs unchanged up to BatchNorm's epsilon, gradient scaled by 1/c and orthogonal to the weights
    assert v["ch6_bn_max_out_change"] < 1e-4
    assert v["ch6_bn_grad_scale_err"] < 1e-4
    assert v["ch6_bn_max_cos"] < 1e-4


def test_without_decay_the_weights_grow_and_the_effective_learning_rate_falls(v):
    for layer in (1, 2):
        assert v[f"ch6_bn_growth{layer}_nothing_low"] > 0
        assert v[f"ch6_bn_efflr{layer}_weights_vs_nothing_low"] > 0
    # the run without decay keeps annealing itself in the second half; the decayed run much less
    assert v["ch6_bn_nothing_efflr1_late_ratio"] < v["ch6_bn_weights_efflr1_late_ratio"]


def test_the_accuracy_change_from_decay_comes_with_the_learning_rate(v):
    # a fixed weight norm without any decay moves accuracy away from the no-decay runs on the same side
    # as decay does, and the seeds cannot separate it from the decayed runs
    decay_low, decay_high = v["ch6_bn_acc_weights_vs_nothing_low"], v["ch6_bn_acc_weights_vs_nothing_high"]
    held_low, held_high = v["ch6_bn_held_vs_nothing_low"], v["ch6_bn_held_vs_nothing_high"]
    assert (decay_high < 0 and held_high < 0) or (decay_low > 0 and held_low > 0)
    assert v["ch6_bn_held_vs_weights_low"] < 0 < v["ch6_bn_held_vs_weights_high"]


def test_decaying_gamma_and_beta_shrinks_the_blocks_scales(v):
    assert v["ch6_bn_gamma2_everything_vs_weights_high"] < 0
    assert v["ch6_bn_everything_gamma1"] < 0.5 * v["ch6_bn_gamma_init"]
    assert v["ch6_bn_everything_logit_std"] < v["ch6_bn_weights_logit_std"]
    # at this decay the accuracy difference is within what the seeds can resolve
    assert v["ch6_bn_acc_everything_vs_weights_low"] < 0 < v["ch6_bn_acc_everything_vs_weights_high"]

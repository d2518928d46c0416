"""Claims of chapter 6 (source A3: per-parameter options, decay the weights and not the biases)."""

from __future__ import annotations

import pytest

NOTEBOOK = "06_parameter_groups.ipynb"


@pytest.fixture
def v(glued_values):
    return glued_values(NOTEBOOK)


def test_groups_inherit_defaults_when_added(v):
    # a group added after changing optimizer.defaults gets the new default (0.5 in the notebook)
    assert v["ch6_late_group_lr"] == pytest.approx(0.5)
    # a misspelt key ("lrr") is ignored: the group keeps the default lr of 0.01
    assert v["ch6_typo_lr"] == pytest.approx(0.01)


def test_each_group_steps_with_its_own_learning_rate(v):
    # first SGD-with-momentum step: -step/gradient equals the group's lr (base 1e-3, head 1e-2)
    assert v["ch6_base_ratio"] == pytest.approx(1e-3, rel=1e-8)
    assert v["ch6_head_ratio"] == pytest.approx(1e-2, rel=1e-8)


def test_name_rule_misses_normalization_weights(v):
    assert v["ch6_n_missed"] == 3
    assert set(v["ch6_missed_names"].split(", ")) == {"scale", "bn.weight", "ln.weight"}


def test_source_update_checked_by_hand(v):
    # weights moved by gradient + decay, biases by gradient only, to float32 rounding
    assert v["ch6_hand_ok"] is True
    assert v["ch6_hand_err_max"] < 1e-7
    # at lambda = 0.1 the check tells the configured rule from the flipped one; at the source's 1e-5 it cannot
    assert v["ch6_flip_told_apart_big"] is True
    assert v["ch6_flip_told_apart_source"] is False
    assert v["ch6_flip_err_source"] < 1e-6 < v["ch6_flip_err_big"]
    # at 1e-5 the decay term is invisible next to how far the gradient moves the weights
    assert v["ch6_flip_err_source"] < 1e-4 * v["ch6_weight_moved"]


def test_bias_decay_underfits_the_offset_regression(v):
    # the chapter's claim: decaying the bias gives the higher training loss (lambda = 0.1, offset 50)
    assert v["ch6_reg_loss_decay"] > v["ch6_reg_loss_nodecay"]
    assert v["ch6_reg_loss_ratio"] > 3
    # the bias is pulled toward zero as b* = 2c / (2 + lambda) predicts
    assert v["ch6_reg_b_decay"] < v["ch6_reg_b_nodecay"]
    assert v["ch6_reg_b_decay"] == pytest.approx(v["ch6_reg_b_pred"], rel=2e-3)
    assert v["ch6_reg_extra_measured"] == pytest.approx(v["ch6_reg_extra_pred"], rel=0.1)


def test_at_the_source_lambda_bias_decay_is_not_measurable(v):
    # "severe underfitting" (the source) does not show at its own lambda = 1e-5: measured gap is float noise
    assert abs(v["ch6_reg_gap_source_rel"]) < 1e-4


def test_bias_decay_pins_hyperplanes_near_the_origin_and_underfits_offset_data(v):
    for wd in ("0p001", "0p01"):
        decay, free = f"ch6_ring_offset_wd{wd}_decay", f"ch6_ring_offset_wd{wd}_nodecay"
        assert v[f"{decay}_loss"] > v[f"{free}_loss"]
        assert v[f"{decay}_acc"] < v[f"{free}_acc"]
        assert v[f"{decay}_dist"] < v[f"{free}_dist"]
    # at lambda = 1e-2: decayed biases keep the planes near the origin, free ones move out to the data
    assert v["ch6_ring_offset_wd0p01_decay_dist"] < 1.0
    assert v["ch6_ring_offset_wd0p01_nodecay_dist"] > 4.0
    assert v["ch6_ring_offset_wd0p01_nodecay_acc"] > 0.95
    # most hidden units of the decayed-bias network never fire on the offset data; free biases keep more
    assert 2 * v["ch6_ring_offset_wd0p01_decay_active"] < v["ch6_ring_hidden"]
    assert v["ch6_ring_offset_wd0p01_decay_active"] < v["ch6_ring_offset_wd0p01_nodecay_active"]


def test_bias_decay_costs_more_far_from_the_origin(v):
    for wd in ("0p001", "0p01"):
        gap_centred = v[f"ch6_ring_centred_wd{wd}_decay_loss"] - v[f"ch6_ring_centred_wd{wd}_nodecay_loss"]
        gap_offset = v[f"ch6_ring_offset_wd{wd}_decay_loss"] - v[f"ch6_ring_offset_wd{wd}_nodecay_loss"]
        assert gap_offset > 2 * gap_centred


def test_adamw_groups_decouple_decay_for_weights_only(v):
    assert v["ch6_adamw_ok"] is True
    assert v["ch6_adamw_default_wd"] == pytest.approx(0.01)


def test_figures_are_stored(v):
    assert v["ch6_fig_offset"] == "image"
    assert v["ch6_fig_ring"] == "image"

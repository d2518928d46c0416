"""Claims of chapter 4 (source A2: weight decay from scratch and concise; the deep dive on weight decay
as a Gaussian prior), checked against the values glued in the stored notebook. Comparisons between
settings are asserted through the 95 % interval of their paired difference over data sets (glued `_low`
/ `_high`): a "holds" keeps its nearer edge at least 20 % of the interval's width from zero, and an
agreement is judged against the margin the notebook states before its run (glued `_margin`)."""

from __future__ import annotations

import pytest

from margins import clear_above

NOTEBOOK = "04_weight_decay.ipynb"


@pytest.fixture
def v(glued_values):
    return glued_values(NOTEBOOK)


def holds(v, name):
    """The interval of a glued paired difference lies above zero, clear of it by at least 20 % of its
    width, and its verdict says so."""
    low, high = v[name + "_low"], v[name + "_high"]
    assert clear_above(low, high), f"{name}: interval [{low}, {high}] too close to zero"
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
    # on the first data set neither decayed run beats ignoring x, and lambda = 3 ends above lambda = 15
    assert v["ch4_mean_predictor_test"] < v["ch4_test_wd15"] < v["ch4_test_wd3"]
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


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("batch", [20, 5])
def test_weight_decay_is_lambda_under_a_mean_loss_and_b_lambda_under_a_sum(v, reduction, batch):
    # the trained weights sit nearest the ridge solution at the predicted lambda (wd for a mean loss,
    # wd / B for a sum), at most half as far as from the solutions at half or twice that lambda, so a
    # factor of two in the theory would fail
    key = f"ch4_red_{reduction}_b{batch}"
    assert v[key + "_gap_pred"] < 0.5 * min(v[key + "_gap_half"], v[key + "_gap_double"])
    if reduction == "sum":  # and far from the solution at lambda = wd
        assert v[key + "_gap_wd"] > 10 * v[key + "_gap_pred"]


def test_nn_mseloss_halves_lambda(v):
    assert v["ch4_ex_mse_gap_half"] < 1e-3
    assert v["ch4_ex_mse_gap_wd"] > 0.1


def test_the_leave_one_out_shortcut_equals_refitting(v):
    assert v["ch4_loo_gap"] < 1e-6


DESIGNS = ["ch4_sel_", "ch4_sel2_"]  # the chapter's independent inputs, and correlated inputs


@pytest.mark.parametrize("prefix", DESIGNS)
@pytest.mark.parametrize("method", ["val", "kfold", "loo", "gcv", "ev"])
def test_every_choice_of_lambda_beats_ignoring_x(v, prefix, method):
    holds(v, f"{prefix}{method}_vs_mean")


@pytest.mark.parametrize("prefix", DESIGNS)
@pytest.mark.parametrize("pair", ["ev_vs_val", "loo_vs_val", "ev_vs_loo", "kfold_vs_val", "gcv_vs_ev",
                                  "kfold_vs_ev"])
def test_the_criteria_agree_within_the_stated_margin(v, prefix, pair):
    # the margin, stated before the run: a quarter of what the validation split gains over ignoring x
    margin = v[prefix + "margin"]
    assert margin == pytest.approx(0.25 * v[prefix + "val_vs_mean_diff"], rel=0.01)
    assert -margin < v[f"{prefix}{pair}_low"] and v[f"{prefix}{pair}_high"] < margin
    assert v[f"{prefix}{pair}_agree"] == "holds"


@pytest.mark.parametrize("prefix", DESIGNS)
def test_knowing_the_noise_level_helps_the_evidence(v, prefix):
    holds(v, prefix + "evs_vs_ev")


def test_the_evidence_is_stable_once_the_noise_level_is_known(v):
    # inputs nearly orthogonal: the eigenvalues of Xc Xc^T stay within a factor of a few of d = 200
    assert 50 < v["ch4_sel_s_min"] < v["ch4_sel_s_max"] < 600
    # the picks of the criteria swing between interpolating and ignoring x; given sigma they do not
    spread = [v[f"ch4_sel_{m}_df_sd"] for m in ("val", "kfold", "loo", "gcv", "ev")]
    assert min(spread) > 10 * v["ch4_sel_evs_df_sd"]
    assert v["ch4_sel_evs_median"] == pytest.approx(v["ch4_prior_lambda_true"], rel=0.5)
    assert v["ch4_sel_evs_ends"] == 0


def test_correlated_inputs_spread_the_spectrum_and_the_best_lambda_moves_inside(v):
    assert v["ch4_sel2_s_max"] > 10 * v["ch4_sel2_s_min"]
    assert v["ch4_sel_s_max"] < 5 * v["ch4_sel_s_min"]
    # the best lambda on test is an interior one, near the prior's, on the correlated design only
    assert v["ch4_sel2_best_ends"] < 0.2 < v["ch4_sel_best_ends"]
    assert v["ch4_sel2_best_median"] == pytest.approx(v["ch4_sel2_prior_lambda"], rel=0.5)
    # and the picks of split, leave-one-out and evidence often lie more than a decade apart
    assert v["ch4_sel2_disagree"] > 0.2
    # over these data sets the evidence picks an end of the grid less often than the validation split
    assert v["ch4_sel2_ev_ends"] < v["ch4_sel2_val_ends"]
    # every criterion's mean test loss lies between the oracle's and that of ignoring x
    for m in ("val", "kfold", "loo", "gcv", "ev"):
        assert v["ch4_sel2_best_test"] < v[f"ch4_sel2_{m}_test"] < v["ch4_sel2_mean_test"]


@pytest.mark.parametrize("prefix", DESIGNS)
def test_bishops_re_estimation_finds_the_grid_maximum_of_the_evidence(v, prefix):
    assert v[prefix + "fp_gap"] < 0.1, "within one step of the grid (0.1 decade)"
    assert v[prefix + "fp_match"] >= 0.9, "runs off exactly where the grid picks an end"


def test_the_prior_lambda_is_close_to_the_best_on_the_closed_form_path(v):
    # on the chapter's flat design, the prior's lambda loses to the oracle far less than it gains
    # over ignoring x
    gain = v["ch4_sel_mean_test"] - v["ch4_sel_prior_test"]
    assert 0 < v["ch4_sel_best_vs_prior_high"] < 0.2 * gain

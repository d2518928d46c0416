"""utils.param_groups: decayed and non-decayed parameter groups for torch.optim."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from utils import param_groups


class NormNet(nn.Module):
    """Conv + BatchNorm, Linear + LayerNorm, a scalar scale: every kind of parameter the rules see."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 6)
        self.ln = nn.LayerNorm(6)
        self.out = nn.Linear(6, 2)
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.bn(self.conv(x))).mean(dim=(2, 3))
        return self.out(torch.relu(self.ln(self.fc(x)))) * self.scale


class Tied(nn.Module):
    """An embedding whose weight is also the output layer's weight (weight tying)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.out = nn.Linear(4, 10)
        self.out.weight = self.embed.weight

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.out(self.embed(tokens))


def names(model: nn.Module, group: dict) -> list[str]:
    by_id = {id(p): n for n, p in model.named_parameters()}
    return [by_id[id(p)] for p in group["params"]]


def test_shape_rule_decays_only_matrices_and_kernels():
    model = NormNet()
    decay, keep = param_groups(model, 0.1)
    assert names(model, decay) == ["conv.weight", "fc.weight", "out.weight"]
    assert names(model, keep) == ["scale", "bn.weight", "bn.bias", "fc.bias", "ln.weight", "ln.bias", "out.bias"]
    assert decay["weight_decay"] == 0.1 and keep["weight_decay"] == 0.0


def test_name_rule_decays_normalization_weights():
    model = NormNet()
    decay, keep = param_groups(model, 0.1, no_decay="name")
    assert names(model, keep) == ["bn.bias", "fc.bias", "ln.bias", "out.bias"]
    assert {"bn.weight", "ln.weight", "scale"} <= set(names(model, decay))


def test_predicate_rule():
    model = NormNet()
    decay, keep = param_groups(model, 0.1, no_decay=lambda name, p: name.startswith("out."))
    assert names(model, keep) == ["out.weight", "out.bias"]
    assert len(decay["params"]) == 8  # scale, conv, bn, fc, ln


@pytest.mark.parametrize("rule", ["shape", "name", lambda name, p: p.ndim == 4])
def test_every_trainable_parameter_is_in_exactly_one_group(rule):
    model = NormNet()
    groups = param_groups(model, 1e-4, no_decay=rule)
    ids = [id(p) for g in groups for p in g["params"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == {id(p) for p in model.parameters()}


def test_empty_group_is_not_emitted():
    no_bias = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Linear(4, 1, bias=False))
    groups = param_groups(no_bias, 0.01)
    assert len(groups) == 1 and groups[0]["weight_decay"] == 0.01
    only_norm = nn.LayerNorm(5)
    groups = param_groups(only_norm, 0.01)
    assert len(groups) == 1 and groups[0]["weight_decay"] == 0.0


def test_frozen_parameters_are_left_out_with_a_warning_naming_them():
    model = NormNet()
    model.conv.requires_grad_(False)
    with pytest.warns(UserWarning, match=r"left out 1 frozen parameter\(s\) \(conv\.weight\).*include_frozen"):
        groups = param_groups(model, 0.1)
    ids = {id(p) for g in groups for p in g["params"]}
    assert id(model.conv.weight) not in ids
    assert ids == {id(p) for p in model.parameters() if p.requires_grad}


def test_no_warning_without_frozen_parameters():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        param_groups(NormNet(), 0.1)


def test_frozen_then_unfrozen_parameter_trains_only_when_included():
    # gradual unfreezing: build the optimizer while the first layer is frozen, unfreeze, step
    torch.manual_seed(0)
    x = torch.randn(8, 3)
    moved = {}
    for include in (False, True):
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
        model[0].requires_grad_(False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt = torch.optim.SGD(param_groups(model, 0.1, include_frozen=include), lr=0.1)
        frozen_step = model[0].weight.detach().clone()
        model(x).pow(2).mean().backward()
        opt.step()  # while frozen: no gradient, so no update, decay included
        assert torch.equal(model[0].weight, frozen_step)
        model[0].requires_grad_(True)
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
        moved[include] = (model[0].weight - frozen_step).abs().max().item()
    assert moved[False] == 0.0, "left out: unfreezing does not bring it into the optimizer"
    assert moved[True] > 1e-4, "included: it trains once unfrozen"


def test_include_frozen_puts_frozen_parameters_in_their_groups_without_warning():
    model = NormNet()
    model.conv.requires_grad_(False)
    model.bn.requires_grad_(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        decay, keep = param_groups(model, 0.1, include_frozen=True)
    assert "conv.weight" in names(model, decay) and {"bn.weight", "bn.bias"} <= set(names(model, keep))
    with pytest.raises(TypeError, match="include_frozen"):
        param_groups(model, 0.1, include_frozen="yes")


def test_all_frozen_is_an_error():
    model = nn.Linear(2, 1).requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameters"):
        param_groups(model, 0.1)
    with pytest.raises(ValueError, match="no trainable parameters"):
        param_groups(nn.ReLU(), 0.1)


def test_shared_parameter_appears_once_and_the_optimizer_accepts_it():
    model = Tied()
    groups = param_groups(model, 0.1)
    ids = [id(p) for g in groups for p in g["params"]]
    assert ids.count(id(model.embed.weight)) == 1 and len(ids) == 2
    torch.optim.SGD(groups, lr=0.1)  # would raise if a parameter were in two groups


def test_options_are_copied_into_every_group_and_concatenate():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    groups = param_groups(model[0], 0.1, lr=1e-3) + param_groups(model[1], 0.1)
    assert [g.get("lr") for g in groups] == [1e-3, 1e-3, None, None]
    opt = torch.optim.SGD(groups, lr=1e-2, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [1e-3, 1e-3, 1e-2, 1e-2]
    assert [g["weight_decay"] for g in opt.param_groups] == [0.1, 0.0, 0.1, 0.0]


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), -math.inf])
def test_bad_weight_decay_values(bad):
    with pytest.raises(ValueError, match="weight_decay"):
        param_groups(nn.Linear(2, 1), bad)


@pytest.mark.parametrize("bad", ["0.1", None, True, torch.tensor(0.1)])
def test_bad_weight_decay_types(bad):
    with pytest.raises(TypeError, match="weight_decay"):
        param_groups(nn.Linear(2, 1), bad)


def test_bad_model():
    with pytest.raises(TypeError, match="torch.nn.Module"):
        param_groups(nn.Linear(2, 1).parameters(), 0.1)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        param_groups([nn.Linear(2, 1)], 0.1)


def test_bad_rules():
    with pytest.raises(ValueError, match="no_decay must be one of"):
        param_groups(nn.Linear(2, 1), 0.1, no_decay="bias")
    with pytest.raises(TypeError, match="no_decay"):
        param_groups(nn.Linear(2, 1), 0.1, no_decay=1)
    with pytest.raises(TypeError, match="must return a bool"):
        param_groups(nn.Linear(2, 1), 0.1, no_decay=lambda name, p: torch.tensor(p.ndim <= 1))


def test_options_may_not_override_the_params():
    with pytest.raises(ValueError, match="params"):
        param_groups(nn.Linear(2, 1), 0.1, params=[])


def test_sgd_step_decays_weights_not_biases():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    before_w, before_b = model.weight.detach().clone(), model.bias.detach().clone()
    opt = torch.optim.SGD(param_groups(model, 0.5), lr=0.1)
    model(torch.randn(4, 3)).sum().backward()
    grad_w, grad_b = model.weight.grad.clone(), model.bias.grad.clone()
    opt.step()
    torch.testing.assert_close(model.weight.detach(), before_w - 0.1 * (grad_w + 0.5 * before_w))
    torch.testing.assert_close(model.bias.detach(), before_b - 0.1 * grad_b)


def test_adamw_decouples_decay_for_the_decay_group_only():
    torch.manual_seed(0)
    model = NormNet()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    for p in model.parameters():
        p.grad = torch.zeros_like(p)  # with a zero gradient Adam's step is 0: only the decay moves
    torch.optim.AdamW(param_groups(model, 0.5), lr=0.1).step()
    for name, p in model.named_parameters():
        factor = 1 - 0.1 * 0.5 if p.ndim >= 2 else 1.0
        torch.testing.assert_close(p.detach(), before[name] * factor, msg=name)


def test_tied_parameter_rule_sees_every_name():
    model = Tied()
    seen = []
    param_groups(model, 0.1, no_decay=lambda name, p: seen.append(name) or False)
    assert seen == ["embed.weight", "out.weight", "out.bias"]


def test_tied_parameter_with_conflicting_answers_is_an_error_naming_both():
    # a predicate that spares the output layer: the tied matrix is both "out.weight" and "embed.weight"
    with pytest.raises(ValueError, match=r"'embed\.weight', 'out\.weight'"):
        param_groups(Tied(), 0.1, no_decay=lambda name, p: name.startswith("out."))
    # the same question asked consistently is fine: both names of the tied matrix say "decay"
    decay, keep = param_groups(Tied(), 0.1, no_decay=lambda name, p: name == "out.bias")
    assert len(decay["params"]) == 1 and len(keep["params"]) == 1


def test_numpy_bool_from_the_predicate_is_accepted():
    model = NormNet()
    decay, keep = param_groups(model, 0.1, no_decay=lambda name, p: np.prod(p.shape) < 2)
    assert names(model, keep) == ["scale"]
    assert isinstance(np.prod((1,)) < 2, np.bool_)


def test_wrong_type_from_the_predicate_names_its_module():
    with pytest.raises(TypeError, match=r"got torch\.Tensor for parameter 'weight'"):
        param_groups(nn.Linear(2, 1), 0.1, no_decay=lambda name, p: torch.tensor(True))


def test_shape_rule_decays_embeddings_and_weight_norm_magnitude():
    # documented blind spots of the shape rule: anything with two or more dimensions is decayed
    model = nn.ModuleDict({"embed": nn.Embedding(10, 4),
                           "wn": nn.utils.parametrizations.weight_norm(nn.Linear(4, 3))})
    decay, keep = param_groups(model, 0.1)
    assert set(names(model, decay)) == {"embed.weight", "wn.parametrizations.weight.original0",
                                        "wn.parametrizations.weight.original1"}
    assert names(model, keep) == ["wn.bias"]
    # the predicate form spares the embedding
    decay, keep = param_groups(model, 0.1, no_decay=lambda name, p: p.ndim <= 1 or name.startswith("embed"))
    assert "embed.weight" in names(model, keep)


def test_name_rule_matches_substrings():
    model = nn.ModuleDict({"debias": nn.Linear(3, 3), "fc": nn.Linear(3, 1)})
    decay, keep = param_groups(model, 0.1, no_decay="name")
    assert names(model, decay) == ["fc.weight"]
    assert names(model, keep) == ["debias.weight", "debias.bias", "fc.bias"]

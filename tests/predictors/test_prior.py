"""The training-free prior and how the default CLUE predictor moves away from it (docs/clue.md, "Prior")."""

import warnings

import numpy as np
import pytest

from clue_plugins.evaluation.metrics import rank_correlations
from clue_plugins.evaluation.splits import split
from clue_plugins.predictors.clue import CV_MIN_LABELS, CLUEPredictor
from clue_plugins.predictors.prior import live_parameter_count, prior_scores

FAST = dict(epochs=30, lr_switch_epoch=15)


@pytest.fixture(scope="module")
def cifar10(nb201_table):
    from clue_plugins.evaluation.targets import load_target

    return load_target("nb201-cifar10")


def test_prior_reproduces_the_parameter_count_ranking(cifar10):
    import torch

    from clue_plugins.networks import build_network
    from clue_plugins.networks.counting import count_params_m

    specs = [cifar10.specs[i] for i in np.random.default_rng(0).choice(len(cifar10.specs), 25, replace=False)]
    torch.manual_seed(0)
    counted = [count_params_m(build_network(s.without_dead_ops(), num_classes=10)) for s in specs]
    # the networks hold batch-norm and classifier weights the op table does not: ranks, not values, agree
    assert rank_correlations(prior_scores(specs), np.array(counted))["spearman"] > 0.99
    assert live_parameter_count(specs[0]) == pytest.approx(live_parameter_count(specs[0].without_dead_ops()))


def test_below_the_cv_minimum_the_fit_ranks_as_the_prior(cifar10):
    train, test = split(cifar10.groups, CV_MIN_LABELS - 1, seed=0)
    test_specs = [cifar10.specs[i] for i in test[:500]]
    model = CLUEPredictor(**FAST).fit([cifar10.specs[i] for i in train], cifar10.y[train])
    assert model.blend_["shrinkage"] == 0.0
    rho = rank_correlations(model.predict(test_specs), prior_scores(test_specs))["spearman"]
    assert rho == pytest.approx(1.0)


def test_shuffled_labels_are_no_better_than_the_prior(cifar10):
    train, test = split(cifar10.groups, 48, seed=1)
    test = test[:2000]
    test_specs = [cifar10.specs[i] for i in test]
    shuffled = np.random.default_rng(1).permutation(cifar10.y[train])
    model = CLUEPredictor(**FAST).fit([cifar10.specs[i] for i in train], shuffled)
    rho = rank_correlations(model.predict(test_specs), cifar10.y[test])["spearman"]
    prior = rank_correlations(prior_scores(test_specs), cifar10.y[test])["spearman"]
    assert rho <= prior + 0.01


@pytest.mark.parametrize("budget", [5, 100])
def test_predictions_stay_inside_the_label_range_on_imagenet16(nb201_table, budget):
    from clue_plugins.evaluation.targets import load_target

    target = load_target("nb201-ImageNet16-120")
    train, test = split(target.groups, budget, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no prediction-floor warning: the levels follow the labels
        model = CLUEPredictor(**FAST).fit([target.specs[i] for i in train], target.y[train])
    pred = model.predict([target.specs[i] for i in test[:3000]])
    lo, hi = target.y[train].min(), target.y[train].max()
    assert ((pred > lo) & (pred < hi)).all() and 0 <= pred.min() and pred.max() <= 100
    assert np.ptp(pred) > 0.1 * (hi - lo)  # no collapse to a constant


def test_nb301_reduction_cell_changes_the_prediction(nb301_table):
    y = nb301_table.column("val_acc")
    model = CLUEPredictor(**FAST).fit(nb301_table.specs[:12], y[:12])
    base = nb301_table.specs[20]
    cells = list(base.cells)
    ops = list(cells[1].ops)
    i = next(k for k, op in enumerate(ops) if op.startswith("sep_conv"))
    ops[i] = "max_pool_3x3"
    other = type(base)(base.space, (cells[0], type(cells[1])(tuple(ops), cells[1].adjacency, cells[1].name)))
    first, second = model.predict([base, other])
    assert first != second


def test_blend_round_trips_and_edits_are_refused(cifar10, tmp_path):
    import json

    from clue_plugins.errors import DataIntegrityError
    from clue_plugins.predictors.clue import LEGACY_OPTIONS

    train, test = split(cifar10.groups, 12, seed=3)
    specs, test_specs = [cifar10.specs[i] for i in train], [cifar10.specs[i] for i in test[:200]]
    model = CLUEPredictor(shrinkage=0.5, **FAST).fit(specs, cifar10.y[train])
    model.save(tmp_path / "m")
    np.testing.assert_array_equal(CLUEPredictor.load(tmp_path / "m").predict(test_specs), model.predict(test_specs))
    meta = json.loads((tmp_path / "m" / "config.json").read_text())
    meta["blend"]["shrinkage"] = 5.0
    (tmp_path / "m" / "config.json").write_text(json.dumps(meta))
    with pytest.raises(DataIntegrityError, match="save the model again"):
        CLUEPredictor.load(tmp_path / "m")
    # a model saved by 0.2 (no prior, folds, calibration or blend in its config) loads as the network it was
    old = CLUEPredictor(**LEGACY_OPTIONS, **FAST).fit(specs, cifar10.y[train])
    old.save(tmp_path / "old")
    meta = json.loads((tmp_path / "old" / "config.json").read_text())
    for key in ("prior", "folds", "shrinkage", "calibrate"):
        del meta["config"][key]
    del meta["blend"]
    (tmp_path / "old" / "config.json").write_text(json.dumps(meta))
    np.testing.assert_array_equal(CLUEPredictor.load(tmp_path / "old").predict(test_specs), old.predict(test_specs))


def test_shrinkage_options_are_checked():
    from clue_plugins.errors import ConfigError

    for bad in ({"shrinkage": 1.5}, {"prior": "none", "shrinkage": 0.5}, {"prior": "none", "cv_shrinkage": True},
                {"cv_shrinkage": True, "shrinkage": 0.5}, {"folds": 0}, {"prior": "flops"}):
        with pytest.raises(ConfigError):
            CLUEPredictor(**bad).get_config()

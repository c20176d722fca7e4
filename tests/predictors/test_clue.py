import numpy as np
import pytest
import torch

from clue_plugins import NotFittedError
from clue_plugins.evaluation.metrics import rank_correlations
from clue_plugins.evaluation.splits import split
from clue_plugins.predictors.clue import LEGACY_OPTIONS, CLUEPredictor, level_bounds, true_levels

FAST = dict(epochs=30, lr_switch_epoch=15)


@pytest.fixture(scope="module")
def nb201_split(nb201_table):
    from clue_plugins.evaluation.targets import load_target

    target = load_target("nb201-cifar10")
    train, test = split(target.groups, 60, seed=0)
    test = test[:600]
    return target, train, test


def test_levels_and_bounds():
    np.testing.assert_allclose(level_bounds(5), [0, 0.5, 0.75, 0.875, 0.9375])
    assert list(true_levels(np.array([0.1, 0.5, 0.8, 0.9, 0.95]), 5)) == [0, 1, 2, 3, 4]


def test_real_fit_beats_shuffled_labels(nb201_split):
    # the network alone (no prior to fall back on): what it learns comes from the labels
    target, train, test = nb201_split
    specs = [target.specs[i] for i in train]
    real = CLUEPredictor(seed=0, **LEGACY_OPTIONS).fit(specs, target.y[train])
    shuffled = CLUEPredictor(seed=0, **LEGACY_OPTIONS).fit(specs, np.random.default_rng(0).permutation(target.y[train]))
    test_specs = [target.specs[i] for i in test]
    rho_real = rank_correlations(real.predict(test_specs), target.y[test])["spearman"]
    rho_shuffled = rank_correlations(shuffled.predict(test_specs), target.y[test])["spearman"]
    assert rho_real > 0.5 and rho_real > rho_shuffled + 0.3


def test_output_is_bounded_and_in_callers_unit(nb201_split):
    target, train, test = nb201_split
    specs = [target.specs[i] for i in train[:30]]
    pct = CLUEPredictor(**FAST).fit(specs, target.y[train[:30]]).predict([target.specs[i] for i in test])
    frac = CLUEPredictor(**FAST).fit(specs, target.y[train[:30]] / 100).predict([target.specs[i] for i in test])
    assert (pct >= 0).all() and (pct <= 100).all() and pct.max() > 1
    assert (frac >= 0).all() and (frac <= 1).all()
    np.testing.assert_allclose(pct, frac * 100, rtol=1e-4)
    # argmax (paper) mode: each prediction lies within its selected level
    m = CLUEPredictor(selection="argmax", offsets=True, **LEGACY_OPTIONS, **FAST).fit(specs, target.y[train[:30]] / 100)
    test_specs = [target.specs[i] for i in test[:100]]
    pred, levels = m.predict(test_specs), m.predict_levels(test_specs)
    b = level_bounds(5)
    assert ((pred >= b[levels] - 1e-6) & (pred <= 1 + 1e-6)).all()


def test_deterministic_and_save_load_round_trip(nb201_split, tmp_path):
    target, train, test = nb201_split
    specs = [target.specs[i] for i in train[:20]]
    test_specs = [target.specs[i] for i in test[:50]]
    a = CLUEPredictor(seed=3, standardize=True, **FAST).fit(specs, target.y[train[:20]])
    b = CLUEPredictor(seed=3, standardize=True, **FAST).fit(specs, target.y[train[:20]])
    np.testing.assert_array_equal(a.predict(test_specs), b.predict(test_specs))
    a.save(tmp_path / "model")
    loaded = CLUEPredictor.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.predict(test_specs), a.predict(test_specs))
    assert loaded.get_params() == a.get_params()
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["config.json", "weights.pt"]


def test_model_shapes():
    from clue_plugins.predictors.clue import CLUEConfig, _build_network

    net = _build_network(CLUEConfig(offsets=True), 320, 128, 384)
    out, g, ctx = net(torch.zeros(7, 320), torch.zeros(7, 128), torch.zeros(7, 384))
    assert out.shape == (7,) and g.shape == (7, 384) and ctx.shape == (7, 5, 384)
    np.testing.assert_allclose((ctx[0, :, 0]).numpy(), [0.2, 0.4, 0.6, 0.8, 1.0], rtol=1e-6)


def test_works_for_every_space(nb101_table, nb301_table):
    for table in (nb101_table, nb301_table):
        y = table.column("val_acc")
        m = CLUEPredictor(cells="all", **FAST).fit(table.specs[:20], y[:20])
        assert m.predict(table.specs[20:40]).shape == (20,)


def test_errors():
    with pytest.raises(TypeError, match="unknown CLUEPredictor option"):
        CLUEPredictor(learning_rate=0.1)
    with pytest.raises(NotFittedError, match="fit"):
        CLUEPredictor().predict([])
    with pytest.raises(ValueError, match="selection"):
        CLUEPredictor(selection="best").get_config()
    from adapters import nb201

    specs = [nb201.from_op_indices([i % 5] * 6) for i in range(5)]
    with pytest.raises(ValueError, match="5 architectures but 3 accuracies"):
        CLUEPredictor().fit(specs, [90, 91, 92])
    with pytest.raises(ValueError, match="percent"):
        CLUEPredictor().fit(specs, [90, 91, 92, 93, 120])


def test_low_accuracy_labels_warn_about_the_prediction_floor(nb201_split):
    target, train, _ = nb201_split
    specs = [target.specs[i] for i in train[:10]]
    low = np.linspace(10, 45, 10)  # ImageNet16-120-like accuracies, all below the 61.25% floor
    with pytest.warns(UserWarning, match="offsets=True"):
        CLUEPredictor(**LEGACY_OPTIONS, **FAST).fit(specs, low)

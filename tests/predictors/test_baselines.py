import pytest

from clue_plugins import NotFittedError
from clue_plugins.evaluation.metrics import rank_correlations
from clue_plugins.evaluation.registry import make_predictor
from clue_plugins.evaluation.splits import split
from clue_plugins.evaluation.targets import load_target


@pytest.mark.parametrize("name", ["mlp", "gcn", "gboost", "params", "flops"])
def test_baselines_learn_on_nb201(name, nb201_table):
    target = load_target("nb201-cifar10")
    train, test = split(target.groups, 100, seed=1)
    test = test[:1000]
    model = make_predictor(name, seed=0, lookup=target)
    if name in ("mlp", "gcn"):
        model.epochs = 60
    model.fit([target.specs[i] for i in train], target.y[train])
    rho = rank_correlations(model.predict([target.specs[i] for i in test]), target.y[test])["spearman"]
    assert rho > 0.3


def test_unfitted_baselines_raise():
    for name in ("mlp", "gcn", "gboost"):
        with pytest.raises(NotFittedError):
            make_predictor(name, seed=0).predict([])

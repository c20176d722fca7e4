"""The NASLib plugin against a real NASLib install (skipped when NASLib is absent; see docs/naslib.md)."""

import json
import math

import numpy as np
import pytest

pytest.importorskip("naslib.predictors", reason="NASLib is not installed (bash tools/install_naslib.sh PATH/TO/NASLib)")

from naslib.defaults.predictor_evaluator import PredictorEvaluator  # noqa: E402
from naslib.optimizers import RegularizedEvolution  # noqa: E402
from naslib.predictors import Ensemble, MLPPredictor, RandomForestPredictor  # noqa: E402
from naslib.search_spaces import NasBench101SearchSpace, NasBench201SearchSpace, NasBench301SearchSpace  # noqa: E402
from naslib.search_spaces.core.query_metrics import Metric  # noqa: E402
from naslib.utils import set_seed  # noqa: E402
from naslib.utils.encodings import EncodingType  # noqa: E402

from clue_plugins import ClueError  # noqa: E402
from clue_plugins.naslib import (  # noqa: E402
    NASLibCLUEPredictor, NASLibSEvalPredictor, benchmark_dataset_api, predicted_dataset_api, register, run_config, to_specs)
from clue_plugins.naslib.runner import load_config  # noqa: E402

pytestmark = pytest.mark.naslib
FAST_CLUE = dict(epochs=60)


def _evaluator_config(**overrides):
    from fvcore.common.config import CfgNode

    cfg = CfgNode(dict(experiment_type="single", test_size=60, train_size_single=40, train_size_list=[20, 40],
                       fidelity_single=5, fidelity_list=[5], max_hpo_time=0, dataset="cifar10", uniform_random=1,
                       seed=0, save="", search=dict(seed=0)), new_allowed=True)
    cfg.update(overrides)
    return cfg


@pytest.fixture(scope="module")
def nb201_api(nb201_table):
    return benchmark_dataset_api(nb201_table)


@pytest.fixture(scope="module")
def nb201_archs(nb201_api):
    """60 random NASLib NB201 objects and their validation accuracies from the shared tables."""
    set_seed(3)
    archs = []
    for _ in range(60):
        a = NasBench201SearchSpace()
        a.sample_random_architecture(dataset_api=nb201_api)
        archs.append(a)
    y = np.array([a.query(Metric.VAL_ACCURACY, "cifar10", dataset_api=nb201_api) for a in archs])
    return archs, y


def _run_evaluator(predictor, api, tmp_path):
    cfg = _evaluator_config(save=str(tmp_path))
    set_seed(0)
    ev = PredictorEvaluator(predictor, config=cfg)
    ev.adapt_search_space(NasBench201SearchSpace(), load_labeled=False, dataset_api=api)
    return ev.evaluate()[1]


def test_clue_predictor_in_predictor_evaluator_like_naslibs_own(nb201_api, tmp_path):
    ours = _run_evaluator(NASLibCLUEPredictor(**FAST_CLUE), nb201_api, tmp_path / "clue")
    # NASLib's float32 predictors (MLP, XGB) break its own errors.json writer; its random forest does not
    theirs = _run_evaluator(RandomForestPredictor(encoding_type=EncodingType.ADJACENCY_ONE_HOT), nb201_api, tmp_path / "rf")
    metrics = lambda r: {k for k in r if not k.startswith("hp_")}  # noqa: E731 (hp_* name each predictor's own knobs)
    assert metrics(ours) == metrics(theirs)  # same evaluate() output keys
    assert ours["train_size"] == 40 and len(ours["full_testpred"]) == 60
    assert ours["spearman"] > 0.5  # 40 labelled cells, held-out test cells of the real benchmark
    assert json.loads((tmp_path / "clue" / "errors.json").read_text())[1]["spearman"] == pytest.approx(ours["spearman"])


def test_fit_query_on_naslib_objects_follows_the_labels(nb201_archs):
    from scipy.stats import spearmanr

    archs, y = nb201_archs
    real = NASLibCLUEPredictor(ss_type="nasbench201", **FAST_CLUE)
    mae = real.fit(archs[:40], y[:40])
    assert np.isfinite(mae)
    pred = real.query(archs[40:])
    assert pred.shape == (20,)
    # the same cells with their ranking reversed: predictions must follow the labels, not a structural prior
    flipped = NASLibCLUEPredictor(ss_type="nasbench201", **FAST_CLUE)
    flipped.fit(archs[:40], y[:40].max() + y[:40].min() - y[:40])
    assert spearmanr(pred, y[40:])[0] > 0.5
    assert spearmanr(flipped.query(archs[40:]), y[40:])[0] < spearmanr(pred, y[40:])[0] - 0.5


def test_seval_predictor_fit_query_and_hyperparameters(nb201_archs):
    archs, y = nb201_archs
    p = NASLibSEvalPredictor(ss_type="nasbench201", steps=200)
    assert p.get_data_reqs()["requires_partial_lc"] is False
    assert p.get_hyperparams() == {"head": "ensemble", "steps": 1500, "hidden": 256}
    p.fit(archs[:40], y[:40])
    pred = p.query(archs[40:])
    assert pred.shape == (20,) and 50 < np.median(pred) < 100  # percent, as NASLib's accuracies
    p.set_random_hyperparams()  # first draw: defaults, as NASLib's predictors
    drawn = p.set_random_hyperparams()
    assert set(drawn) == set(p.search_space) and p.get_hyperparams() == drawn


def test_registered_names_work_in_naslibs_ensemble(nb201_archs):
    archs, y = nb201_archs
    register()
    register()  # idempotent
    ens = Ensemble(predictor_type="clue", num_ensemble=2, ss_type="nasbench201")
    ens.fit(archs[:30], y[:30])
    out = ens.query(archs[30:40])
    assert out.shape == (2, 10)
    assert not np.allclose(out[0], out[1])  # members have their own seeds: a real spread for acquisition functions
    assert Ensemble(predictor_type="mlp", num_ensemble=1, ss_type="nasbench201").get_ensemble()[0].__class__ is MLPPredictor


def test_query_before_fit_and_unknown_option_are_clear():
    from clue_plugins import NotFittedError

    with pytest.raises(NotFittedError, match="fit"):
        NASLibCLUEPredictor().query([])
    with pytest.raises(TypeError, match="unknown CLUEPredictor option"):
        NASLibCLUEPredictor(epochz=3)


def _fit(archs, y):
    p = NASLibCLUEPredictor(ss_type="nasbench201", **FAST_CLUE)
    p.fit(archs, y)
    return p


def test_regularized_evolution_runs_unchanged_on_predicted_nb201(nb201_archs, nb201_table):
    from clue_plugins.evaluation.oracle_targets import oracle_metrics
    from clue_plugins.predictors.seval import SEvalOracle

    archs, y = nb201_archs
    predictor = _fit(archs, y)
    data = oracle_metrics(subset=160)
    oracle = SEvalOracle(steps=200).fit(data.specs[:80], {"latency.pixel3": data.metrics["latency.pixel3"][:80]})
    api = predicted_dataset_api("nasbench201", predictor, "cifar10", oracle=oracle, latency_metric="latency.pixel3")
    from fvcore.common.config import CfgNode

    cfg = CfgNode(dict(dataset="cifar10", seed=0, search=dict(epochs=30, sample_size=5, population_size=10)), new_allowed=True)
    set_seed(0)
    re = RegularizedEvolution(cfg)
    re.adapt_search_space(NasBench201SearchSpace(), dataset_api=api)
    for e in range(30):
        re.new_epoch(e)
    best = re.get_final_architecture()
    spec = to_specs([best])[0]
    expected = api["surrogate"].metrics(spec)
    assert best.query(Metric.VAL_ACCURACY, "cifar10", dataset_api=api) == pytest.approx(expected["accuracy"])
    assert expected["accuracy"] == pytest.approx(max(m.accuracy for m in re.history))
    assert best.query(Metric.LATENCY, "cifar10", dataset_api=api) == pytest.approx(expected["latency"])
    assert best.query(Metric.HP, "cifar10", dataset_api=api)["latency"] == pytest.approx(expected["latency"])
    assert math.isnan(best.query(Metric.TRAIN_TIME, "cifar10", dataset_api=api))  # not predicted: NaN, not invented
    with pytest.raises(ClueError, match="fidelity: -1"):
        best.query(Metric.VAL_ACCURACY, "cifar10", epoch=108, dataset_api=api)  # no learning curve is made up
    with pytest.raises(ClueError, match="fidelity: -1"):
        best.query(Metric.VAL_ACCURACY, "cifar10", epoch=0, dataset_api=api)  # not the final value either
    with pytest.raises(ClueError, match="learning curves"):
        best.query(Metric.VAL_ACCURACY, "cifar10", epoch=5, full_lc=True, dataset_api=api)
    with pytest.raises(KeyError, match="cifar10-valid"):
        best.query(Metric.VAL_ACCURACY, "cifar100", dataset_api=api)  # trained for cifar10 only


def test_predicted_api_for_nb101_and_nb301_answers_naslib_queries(nb101_table, nb301_table):
    from clue_plugins.predictors.clue import CLUEPredictor as Core

    for ss_type, table, space_cls in (("nasbench101", nb101_table, NasBench101SearchSpace),
                                      ("nasbench301", nb301_table, NasBench301SearchSpace)):
        y = table.column("val_acc")[:40]
        model = Core(epochs=20).fit(table.specs[:40], y)
        api = predicted_dataset_api(ss_type, model)
        set_seed(1)
        arch = space_cls()
        arch.sample_random_architecture(dataset_api=api)
        spec = to_specs([arch], ss_type)[0]
        got = arch.query(Metric.VAL_ACCURACY, "cifar10", dataset_api=api)
        assert got == pytest.approx(float(model.predict([spec])[0]) * (100.0 / model.scale_), rel=1e-5)
        # and the NASLib predictor on NASLib objects of this space, made from the table's specs
        from adapters.naslib import to_naslib

        objs = [to_naslib(s, space_cls()) for s in table.specs[:40]]
        wrapped = NASLibCLUEPredictor(ss_type=ss_type, epochs=20)
        wrapped.fit(objs, y)
        from scipy.stats import spearmanr

        assert spearmanr(wrapped.query(objs), y)[0] > 0.5


def test_predicted_api_errors():
    from clue_plugins.predictors.clue import CLUEPredictor as Core

    with pytest.raises(ClueError, match="not fitted"):
        predicted_dataset_api("nasbench201", Core())
    with pytest.raises(ClueError, match="need an oracle"):
        predicted_dataset_api("nasbench201", NASLibCLUEPredictor(), latency_metric="latency.pixel3")


def test_naslib_run_config_for_evaluator_and_bananas(tmp_path, nb201_table):
    ev = tmp_path / "ev.yaml"
    ev.write_text("predictor: seval\nsearch_space: nasbench201\ndataset: cifar10\ntest_size: 40\ntrain_size_single: 30\n"
                  "seed: 2\nseval: {steps: 200}\n")
    out = run_config(ev, tmp_path / "out")
    assert out["kind"] == "predictor" and out["results"][0]["train_size"] == 30
    assert (tmp_path / "out/nasbench201/cifar10/seval/2/clue_summary.json").exists()

    ban = tmp_path / "ban.yaml"
    ban.write_text("optimizer: bananas\nsearch_space: nasbench201\ndataset: cifar10\nseed: 0\ndataset_api: predicted\n"
                   "surrogate: {predictor: clue, train_size: 40, options: {epochs: 30}}\n"
                   "search: {epochs: 14, predictor_type: clue, num_init: 8, k: 3, num_ensemble: 2, num_candidates: 20}\n")
    out = run_config(ban, tmp_path / "out")
    assert out["kind"] == "optimizer" and out["evaluations"] == 14
    assert out["true_test_accuracy"] > np.median(nb201_table.column("cifar10.test_acc"))
    assert out["predicted"]["accuracy"] > 0 and out["predicted"]["latency"] is None


def test_config_errors_are_clear(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("search_space: nasbench201\n")
    with pytest.raises(ClueError, match="neither 'predictor:'"):
        load_config(bad)
    with pytest.raises(ClueError, match="no NASLib config"):
        load_config(tmp_path / "missing.yaml")
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("predictor: nope\nsearch_space: nasbench201\ndataset: cifar10\n")
    with pytest.raises(ClueError, match="unknown predictor 'nope'"):
        run_config(unknown, tmp_path / "out")


@pytest.mark.parametrize("optimizer, search", [
    ("rs", "{epochs: 12, fidelity: -1}"),
    ("ls", "{epochs: 12, num_init: 4}"),
    ("npenas", "{epochs: 12, predictor_type: seval, num_init: 6, k: 3, num_ensemble: 2, num_candidates: 20}"),
])
def test_other_optimizers_run_unchanged_on_the_predicted_api(optimizer, search, tmp_path, nb201_table):
    cfg = tmp_path / f"{optimizer}.yaml"
    cfg.write_text(f"optimizer: {optimizer}\nsearch_space: nasbench201\ndataset: cifar10\nseed: 1\ndataset_api: predicted\n"
                   f"surrogate: {{predictor: clue, train_size: 40, options: {{epochs: 30}}}}\nsearch: {search}\n")
    out = run_config(cfg, tmp_path / "out")
    assert out["optimizer"] == optimizer and out["evaluations"] >= 1
    assert 0 < out["predicted"]["accuracy"] <= 100 and 0 <= out["true_percentile"] <= 100

"""NASLib-free checks of ``clue_plugins.naslib.register``: a stub with the interface of NASLib's ``Predictor`` and
``Ensemble`` stands in for NASLib (which CI cannot install); tests/plugins_naslib/test_naslib_plugin.py runs the
same paths against real NASLib where it is installed."""

import sys
import types

import pytest


class _Predictor:  # naslib.predictors.Predictor's constructor
    def __init__(self, ss_type=None, encoding_type=None):
        self.ss_type, self.encoding_type = ss_type, encoding_type


class _Ensemble:  # naslib.predictors.ensemble.Ensemble: the attributes get_ensemble reads
    def __init__(self, predictor_type, num_ensemble=3, ss_type="nasbench201", config=None):
        self.predictor_type, self.num_ensemble, self.ss_type, self.config = predictor_type, num_ensemble, ss_type, config

    def get_ensemble(self):
        return ["naslib's own"] * self.num_ensemble


@pytest.fixture
def naslib_stub(monkeypatch):
    before = set(sys.modules)
    naslib, predictors = types.ModuleType("naslib"), types.ModuleType("naslib.predictors")
    ensemble, spaces = types.ModuleType("naslib.predictors.ensemble"), types.ModuleType("naslib.search_spaces")
    predictors.Predictor, ensemble.Ensemble = _Predictor, _Ensemble
    naslib.predictors, naslib.search_spaces, predictors.ensemble = predictors, spaces, ensemble
    for name, module in (("naslib", naslib), ("naslib.predictors", predictors), ("naslib.predictors.ensemble", ensemble),
                         ("naslib.search_spaces", spaces)):
        monkeypatch.setitem(sys.modules, name, module)
    original = _Ensemble.get_ensemble
    from clue_plugins.naslib import registry

    yield registry
    registry.unregister()
    _Ensemble.get_ensemble = original
    for name in set(sys.modules) - before:  # nothing imported against the stub outlives the test
        if name.startswith(("clue_plugins.naslib", "naslib")):
            del sys.modules[name]


def test_register_is_reversible_and_leaves_other_predictors_to_naslib(naslib_stub):
    registry = naslib_stub
    original = _Ensemble.get_ensemble
    registry.register()
    registry.register()  # idempotent
    members = _Ensemble("clue", num_ensemble=2).get_ensemble()
    assert [type(m).__name__ for m in members] == ["NASLibCLUEPredictor"] * 2
    assert _Ensemble("xgb", num_ensemble=2).get_ensemble() == ["naslib's own"] * 2
    registry.unregister()
    assert _Ensemble.get_ensemble is original
    assert _Ensemble("clue", num_ensemble=1).get_ensemble() == ["naslib's own"]
    registry.unregister()  # nothing registered: nothing to do
    with registry.registered():
        assert type(_Ensemble("seval", num_ensemble=1).get_ensemble()[0]).__name__ == "NASLibSEvalPredictor"
    assert _Ensemble.get_ensemble is original


def test_ensemble_members_take_their_seeds_from_the_config_seed(naslib_stub):
    registry = naslib_stub
    with registry.registered():
        seeds = lambda seed: [m.seed for m in _Ensemble("clue", 3, config=types.SimpleNamespace(seed=seed)).get_ensemble()]  # noqa: E731
        assert seeds(0) == [0, 1, 2] and seeds(1) == [3, 4, 5] and seeds(7) == [21, 22, 23]
        assert [m.seed for m in _Ensemble("clue", 2).get_ensemble()] == [0, 1]  # no config: as before
        from clue_plugins.errors import ConfigError

        with pytest.raises(ConfigError, match="seed"):
            _Ensemble("clue", 2, config=types.SimpleNamespace(seed="x")).get_ensemble()


def test_config_options_reach_ensemble_members_and_unknown_ones_are_refused(naslib_stub):
    from clue_plugins.errors import ClueError, ConfigError

    registry = naslib_stub
    with registry.registered():
        config = types.SimpleNamespace(seed=0, clue={"epochs": 7}, search=types.SimpleNamespace())
        members = _Ensemble("clue", 2, config=config).get_ensemble()
        assert [m.params for m in members] == [{"epochs": 7}] * 2
        under_search = types.SimpleNamespace(seed=0, search=types.SimpleNamespace(clue={"epochs": 9}))
        assert _Ensemble("clue", 1, config=under_search).get_ensemble()[0].params == {"epochs": 9}
        with pytest.raises(ClueError, match="bogus_option"):
            _Ensemble("clue", 1, config=types.SimpleNamespace(seed=0, clue={"bogus_option": 1})).get_ensemble()
        with pytest.raises(ConfigError, match="mapping"):
            _Ensemble("clue", 1, config=types.SimpleNamespace(seed=0, clue=3)).get_ensemble()
        both = types.SimpleNamespace(seed=0, clue={"epochs": 1}, search=types.SimpleNamespace(clue={"epochs": 2}))
        with pytest.raises(ConfigError, match="both"):
            _Ensemble("clue", 1, config=both).get_ensemble()


def test_run_summary_is_plain_json_and_names_the_nb301_genotype(naslib_stub, nb301_table):
    import json

    import numpy as np

    from adapters import darts
    from clue_plugins.naslib import runner

    summary = runner._plain({"results": [{"spearman": np.float32(0.5), "fit_time": np.float64(1.0), "n": np.int64(3),
                                          "curve": np.array([1.0, 2.0], np.float32), "ok": np.bool_(True)}]})
    assert json.loads(json.dumps(summary)) == {"results": [{"spearman": 0.5, "fit_time": 1.0, "n": 3,
                                                            "curve": [1.0, 2.0], "ok": True}]}
    spec = nb301_table.specs[0]
    arch = types.SimpleNamespace(get_compact=lambda: darts.to_compact(spec))
    optimizer = types.SimpleNamespace(get_final_architecture=lambda: arch, history=[1, 2])
    best = runner._best(optimizer, types.SimpleNamespace(search_space="nasbench301", dataset="cifar10"), {})
    normal, reduce = darts.to_pairs(spec)
    assert best["genotype"] == {"normal": [list(p) for p in normal], "reduce": [list(p) for p in reduce]}
    assert darts.from_pairs(*[[tuple(p) for p in best["genotype"][c]] for c in ("normal", "reduce")]) == spec


def test_benchmark_api_answers_only_what_the_tables_hold(naslib_stub, nb201_table):
    from adapters.nb201 import to_arch_str
    from clue_plugins.errors import ClueError
    from clue_plugins.naslib.dataset_api import benchmark_dataset_api

    spec = nb201_table.specs[123]
    row, arch = nb201_table.row_of(spec), to_arch_str(spec)
    entry = benchmark_dataset_api(nb201_table)["nb201_data"][arch]
    valid = entry["cifar10-valid"]["eval_acc1es"]
    assert len(valid) == 200 and valid[-1] == valid[199] == nb201_table.column("cifar10-valid.valid_acc")[row]
    for epoch in (0, 108):  # NASLib's default fidelity for RS; epoch 0 once answered with the final value
        with pytest.raises(IndexError, match="fidelity: -1") as caught:
            valid[epoch]
        assert isinstance(caught.value, ClueError)
    with pytest.raises(ClueError, match="learning curves"):
        valid[:5]  # full_lc
    for ds in ("cifar100", "ImageNet16-120"):  # no validation split: the test set is not served in its place
        with pytest.raises(ClueError, match=f"no validation accuracy for {ds}.*test_as_validation=True"):
            entry[ds]["eval_acc1es"][-1]
        assert entry[ds]["train_acc1es"][-1] == nb201_table.column(f"{ds}.train_acc")[row]
    knowingly = benchmark_dataset_api(nb201_table, test_as_validation=True)["nb201_data"][arch]
    assert knowingly["cifar100"]["eval_acc1es"][-1] == nb201_table.column("cifar100.test_acc")[row]

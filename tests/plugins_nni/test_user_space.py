"""A user-defined NNI model space (examples/tiny_mobilenet_space.py) searched with real NNI, scored by SEval heads
fitted on networks of that space."""

import json
import math
import sys
from pathlib import Path

import pytest

pytest.importorskip("nni.nas.experiment", reason="needs the nni extra")
pytestmark = pytest.mark.nni

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))

from tiny_mobilenet_space import TinyMobileNetSpace  # noqa: E402

from clue_plugins.errors import ConfigError, UnknownNameError  # noqa: E402
from clue_plugins.nni import ModelSpaceEvaluator, measured_latency_ms, run_search, sample_models  # noqa: E402
from clue_plugins.objectives import Objective  # noqa: E402
from clue_plugins.predictors.seval import SEvalOracle  # noqa: E402

HARDWARE = Objective("hardware", latency_weight=1.0)


@pytest.fixture(scope="module")
def space():
    return TinyMobileNetSpace()


@pytest.fixture(scope="module")
def fitted(space):
    samples, models = sample_models(space, 12, seed=0)
    latency = measured_latency_ms(models, min_run_time=0.01)
    # accuracy here: the networks' parameter count in millions as a stand-in label, to exercise an accuracy head
    params = [sum(p.numel() for p in m.parameters()) / 1e4 for m in models]
    oracle = SEvalOracle(seed=0, steps=200).fit(models, {"latency.cpu": latency, "accuracy.mine": params})
    return samples, models, latency, oracle


def test_samples_are_distinct_seeded_and_frozen(space):
    a, models = sample_models(space, 5, seed=3)
    b, _ = sample_models(space, 5, seed=3)
    assert a == b and len({json.dumps(s, sort_keys=True) for s in a}) == 5
    from nni.nas.nn.pytorch import LayerChoice, Repeat

    assert not any(isinstance(layer, (LayerChoice, Repeat)) for m in models for layer in m.modules())


def test_measured_latency_is_positive_and_per_network(fitted):
    _, models, latency, _ = fitted
    assert len(latency) == len(models) and all(math.isfinite(v) and v > 0 for v in latency)


def test_hardware_only_search_runs_in_nni_and_says_so(space, fitted, tmp_path):
    _, _, _, oracle = fitted
    evaluator = ModelSpaceEvaluator(space, oracle, latency_metric="latency.cpu", objective=HARDWARE)
    result = run_search(evaluator, "re", trials=8, seed=0, workdir=str(tmp_path))
    assert len(result.trials) == 8 and "hardware only" in result.objective
    for t in result.trials:
        assert t["accuracy"] is None and t["latency"] > 0 and t["default"] == pytest.approx(-t["latency"])
        assert set(t["sample"]) >= {"stem_width", "s0_b0"}
    # the evaluator's latency is the oracle's prediction for the network NNI sampled
    best = result.best
    frozen = space.freeze(best["sample"])
    assert oracle.predict([frozen], ["latency.cpu"])["latency.cpu"][0] == pytest.approx(best["latency"], rel=1e-6)


def test_accuracy_under_a_latency_budget(space, fitted, tmp_path):
    _, _, latency, oracle = fitted
    budget = sorted(latency)[len(latency) // 2]
    evaluator = ModelSpaceEvaluator(space, oracle, latency_metric="latency.cpu", accuracy_metric="accuracy.mine",
                                    objective=Objective("budget", latency_budget=budget))
    result = run_search(evaluator, "random", trials=6, seed=1, workdir=str(tmp_path))
    assert all(t["accuracy"] is not None for t in result.trials)
    assert all(t["feasible"] == (t["latency"] <= budget) for t in result.trials)


def test_bad_configurations_say_what_to_do(space, fitted):
    _, _, _, oracle = fitted
    with pytest.raises(ConfigError, match="ModelSpace"):
        ModelSpaceEvaluator(object(), oracle, latency_metric="latency.cpu", objective=HARDWARE)
    with pytest.raises(UnknownNameError, match="add_metric"):
        ModelSpaceEvaluator(space, oracle, latency_metric="latency.phone", objective=HARDWARE)
    with pytest.raises(ConfigError, match="hardware"):
        ModelSpaceEvaluator(space, oracle, latency_metric="latency.cpu")  # no accuracy head, no objective
    with pytest.raises(ConfigError, match="needs accuracy"):
        ModelSpaceEvaluator(space, oracle, latency_metric="latency.cpu",
                            objective=Objective("budget", latency_budget=1.0))
    with pytest.raises(ConfigError, match="memory_metric"):
        ModelSpaceEvaluator(space, oracle, latency_metric="latency.cpu",
                            objective=Objective("hardware", memory_weight=1.0))

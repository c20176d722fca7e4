"""The NNI plugin with real NNI: NasExperiment + NNI's strategies scored by CLUE/SEval predictions."""

import json

import numpy as np
import pytest

pytest.importorskip("nni.nas.experiment", reason="needs the nni extra")
pytestmark = pytest.mark.nni

from clue_plugins import ClueError, GenotypeError  # noqa: E402
from clue_plugins.errors import MissingDataError  # noqa: E402
from clue_plugins.nni import SurrogateEvaluator, compare_with_benchmark, run_search  # noqa: E402
from clue_plugins.objectives import Objective  # noqa: E402
from clue_plugins.surrogate import fit_accuracy_model, fit_hardware_oracle  # noqa: E402

DEVICE = "pixel3"


@pytest.fixture(scope="module")
def clue(nb201_table):
    return fit_accuracy_model("nb201", 100, seed=0)  # CLUE on 100 shared NB201 cells


@pytest.fixture(scope="module")
def oracle(nb201_table):
    return fit_hardware_oracle([f"latency.{DEVICE}"], 100, seed=0, options=dict(steps=500))


def test_regularized_evolution_finds_a_clearly_better_than_median_cell(clue, tmp_path):
    evaluator = SurrogateEvaluator(clue)
    result = run_search(evaluator, "re", trials=50, seed=0, workdir=str(tmp_path))
    assert len(result.trials) == 50 and result.strategy == "re"
    assert all({"sample", "accuracy", "latency", "memory", "default"} <= set(t) for t in result.trials)
    cmp = compare_with_benchmark(result)
    # true CIFAR-10 test accuracy of the best-predicted cell vs the median of all 15,625 cells
    assert cmp["best_true_accuracy"] > cmp["space_median_accuracy"] + 1.5
    assert cmp["best_true_percentile"] > 75
    evaluator.export_trials(str(tmp_path / "trials.json"))
    saved = json.loads((tmp_path / "trials.json").read_text())
    assert len(saved["trials"]) == 50 and saved["trials"][0]["sample"]


def test_latency_budget_is_met_by_true_latency_or_the_miss_is_reported(clue, oracle, nb201_table, tmp_path):
    budget = float(np.median(nb201_table.column(f"latency_ms.{DEVICE}")))
    objective = Objective("budget", latency_budget=budget)
    evaluator = SurrogateEvaluator(clue, oracle=oracle, latency_metric=f"latency.{DEVICE}", objective=objective)
    result = run_search(evaluator, "re", trials=50, seed=1, workdir=str(tmp_path))
    assert any(t["feasible"] for t in result.trials)
    for t in result.trials:  # the folding: feasible -> accuracy, infeasible -> negative
        assert (t["default"] == pytest.approx(t["accuracy"])) if t["feasible"] else t["default"] < 0
    cmp = compare_with_benchmark(result, device=DEVICE, latency_budget=budget)
    returned = cmp["returned"]
    assert returned and all(r["predicted"]["latency"] <= budget for r in returned)
    misses = [r for r in returned if r["true_latency_ms"] > budget]
    assert cmp["budget_misses"] == misses  # every miss by true latency is reported, nothing else
    assert cmp["best_true_accuracy"] > cmp["space_median_accuracy"]


@pytest.mark.parametrize("strategy", ["random", "tpe"])
def test_nni_random_and_tpe_run_unchanged(clue, strategy, tmp_path):
    result = run_search(SurrogateEvaluator(clue), strategy, trials=15, seed=0, workdir=str(tmp_path))
    assert len(result.trials) == 15 and len({t["key"] for t in result.trials}) > 5


def test_nb101_and_darts_spaces(nb101_table, nb301_table, tmp_path):
    for space, name in (("nb101", "NasBench101"), ("nb301", "DARTS")):
        model = fit_accuracy_model(space, 40, seed=0, options=dict(epochs=20))
        result = run_search(SurrogateEvaluator(model, name), "random", trials=8, seed=0, workdir=str(tmp_path))
        assert len(result.trials) == 8 and all(np.isfinite(t["accuracy"]) for t in result.trials)


def test_weighted_objective_trades_accuracy_for_latency(clue, oracle):
    ev = SurrogateEvaluator(clue, oracle=oracle, latency_metric=f"latency.{DEVICE}",
                            objective=Objective("weighted", latency_weight=0.5))
    value = ev.evaluate({"cell/0_1": "conv_3x3", "cell/0_2": "conv_3x3", "cell/1_2": "conv_3x3",
                         "cell/0_3": "conv_3x3", "cell/1_3": "conv_3x3", "cell/2_3": "conv_3x3"})
    t = ev.trials[-1]
    assert value == pytest.approx(t["accuracy"] - 0.5 * t["latency"])


def test_clear_errors(clue, tmp_path):
    from nni.nas.hub.pytorch import NasBench101

    with pytest.raises(ClueError, match="unsupported NNI model space 'MobileNetV3Space'"):
        SurrogateEvaluator(clue, "MobileNetV3Space")
    with pytest.raises(ClueError, match="scores NasBench201 samples but the model space is NasBench101"):
        SurrogateEvaluator(clue).validate_space(NasBench101())
    with pytest.raises(GenotypeError, match="unknown NasBench201 sample key .cell/stem_width"):
        SurrogateEvaluator(clue).evaluate({"cell/stem_width": 32})
    with pytest.raises(ClueError, match="needs \\['latency'\\]"):
        SurrogateEvaluator(clue, objective=Objective("budget", latency_budget=5.0))
    with pytest.raises(ClueError, match="unknown strategy 'bohb'"):
        run_search(SurrogateEvaluator(clue), "bohb", trials=5)


def test_nni_database_source_reads_or_says_how_to_get_it(clue, tmp_path):
    result = run_search(SurrogateEvaluator(clue), "random", trials=3, seed=0, workdir=str(tmp_path))
    try:
        out = compare_with_benchmark(result, source="nni")
    except MissingDataError as exc:
        assert "nni.nas.benchmark.download nasbench201" in str(exc)
    else:
        assert 0 < out["best_true_accuracy"] <= 100


def test_nni_search_command(tmp_path, nb201_table, capsys):
    from clue_plugins.cli import main

    rc = main(["nni-search", "--trials", "20", "--train-size", "40", "--objective", "budget", "--device", DEVICE,
               "--latency-budget", "9", "--oracle-train-size", "40", "--out", str(tmp_path)])
    assert rc == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["trials"] == 20 and summary["benchmark"]["latency_budget_ms"] == 9
    assert len(json.loads((tmp_path / "trials.json").read_text())["trials"]) == 20

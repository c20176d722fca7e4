"""The search experiment (clue-nas search-bench): resumable runs, reports, the CLI, hardware-aware guided search."""

import json

import numpy as np
import pytest

from clue_plugins import ClueError
from clue_plugins.errors import ConfigError, UnknownNameError
from clue_plugins.experiments.search_bench import BenchSettings, report_existing, run_benchmark
from clue_plugins.objectives import Objective


def test_settings_are_checked():
    with pytest.raises(UnknownNameError, match="unknown strategy"):
        BenchSettings(strategies=("bayes",)).validate()
    with pytest.raises(UnknownNameError, match="unknown device"):
        BenchSettings(hw_devices=("tpu",)).validate()
    with pytest.raises(UnknownNameError, match="unknown oracle features 'flops'"):
        BenchSettings(hw_oracle_features="flops").validate()
    with pytest.raises(ConfigError, match="seeds must be >= 1"):
        BenchSettings(seeds=0).validate()


def test_report_only_needs_rows(tmp_path):
    with pytest.raises(ConfigError, match="no search-bench rows"):
        report_existing(tmp_path)


def test_benchmark_runs_resumes_and_reports(tmp_path, nb201_table):
    settings = BenchSettings(seeds=2, datasets=("cifar10",), strategies=("random", "re"), max_queries=60,
                             hw_devices=("pixel3",), hw_quantiles=(0.5,), hw_seeds=1, hw_strategies=("re",), hw_queries=30)
    summary = run_benchmark(settings, tmp_path, progress=False)
    rows = (tmp_path / "rows.jsonl").read_text().splitlines()
    assert len(rows) == 2 * 2 + 1
    assert {"re @ 60", "random @ 60"} <= set(summary["lines"])
    c10 = summary["lines"]["re @ 60"]["datasets"]["cifar10"]
    assert c10["n"] == 2 and 80 < c10["mean"] <= summary["optimum"]["cifar10"] == pytest.approx(94.37, abs=0.01)
    hw = summary["hardware"][0]
    assert hw["device"] == "pixel3" and 0 < hw["hv_ratio"]["mean"] <= 1 and hw["best"]["mean"] <= hw["optimum"]
    for name in ("summary.json", "search.md", "curves.png", "fronts.png"):
        assert (tmp_path / name).stat().st_size > 0
    first = [json.loads(r)["best"] for r in rows]
    run_benchmark(settings, tmp_path, progress=False)  # everything is done: nothing re-runs
    assert [json.loads(r)["best"] for r in (tmp_path / "rows.jsonl").read_text().splitlines()] == first
    # a report of a subset states what it covers, and keeps the settings the rows were run with
    sub = report_existing(tmp_path, seeds=1, hw_seeds=0)
    assert sub["settings"]["seeds"] == 1 and sub["settings"]["hw_seeds"] == 0 and sub["settings"]["max_queries"] == 60
    assert sub["lines"]["re @ 60"]["datasets"]["cifar10"]["n"] == 1 and not sub["hardware"]


def test_cli_search_bench(tmp_path, nb201_table, capsys):
    from clue_plugins.cli import main

    assert main(["search-bench", "--out", str(tmp_path), "--seeds", "1", "--datasets", "cifar100", "--strategies",
                 "random", "--max-queries", "60", "--hw-seeds", "0", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "random @ 60" in out and "73.51" in out  # the CIFAR-100 optimum row


def test_guided_search_with_a_latency_budget_answers_a_feasible_cell(nb201_table):
    """CLUE accuracy + an SEval latency head screen inside the search; the answer meets the budget by true latency."""
    from clue_plugins.predictors.clue import CLUEPredictor
    from clue_plugins.search import Evolution, TableScorer, predictor_evolution
    from clue_plugins.surrogate import Surrogate, fit_hardware_oracle

    budget = float(np.quantile(nb201_table.column("latency_ms.pixel3"), 0.3))
    oracle = fit_hardware_oracle(["latency.pixel3"], 100, seed=0, options={"head": "ridge"})  # the NNI tests embed the same cells
    query = TableScorer("cifar10", device="pixel3", table=nb201_table)
    run = predictor_evolution("nb201", query, lambda s: CLUEPredictor(seed=s, epochs=40), queries=20, n_init=10,
                              per_round=5, seed=0, evolution=Evolution(10, 3), evolution_steps=15,
                              objective=Objective("budget", latency_budget=budget), oracle=oracle,
                              latency_metric="latency.pixel3")
    feasible = [r for r in run.history if r.metrics["latency"] <= budget]
    assert feasible and run.answer.metrics["latency"] <= budget
    assert run.answer.metrics["accuracy"] == max(r.metrics["accuracy"] for r in feasible)
    # the screening used the latency head: most queried cells after the random start meet the budget
    assert np.mean([r.metrics["latency"] <= budget for r in run.history[10:]]) > 0.5

    # the same head alone: a hardware-only surrogate (FreeREA's accuracy signal is its proxies)
    latency_only = Surrogate(None, oracle, "latency.pixel3").metrics(run.answer.spec)
    assert np.isnan(latency_only["accuracy"]) and latency_only["latency"] > 0
    with pytest.raises(ClueError, match="nothing to predict"):
        Surrogate(None, oracle)


def test_resume_after_a_cut_last_row_and_refusal_of_a_damaged_middle_row(tmp_path, nb201_table):
    """A run killed while writing a row leaves a cut last line: --resume drops it with a warning, runs that search
    again and repairs the file. A damaged row elsewhere is an error naming the file and the line."""
    import re

    from clue_plugins.errors import DataIntegrityError

    settings = BenchSettings(seeds=3, datasets=("cifar10",), strategies=("random",), max_queries=60, hw_seeds=0)
    run_benchmark(settings, tmp_path, progress=False)
    path = tmp_path / "rows.jsonl"
    rows = path.read_text().splitlines()
    assert len(rows) == 3
    path.write_text("\n".join(rows[:2]) + "\n" + rows[2][: len(rows[2]) // 2])  # killed mid-write
    with pytest.warns(RuntimeWarning, match=r"rows.jsonl: dropped 1 unreadable line\(s\) \(line 3"):
        summary = run_benchmark(settings, tmp_path, progress=False)
    assert summary["lines"]["random @ 60"]["datasets"]["cifar10"]["n"] == 3
    repaired = path.read_text().splitlines()
    assert len(repaired) == 3 and repaired[:2] == rows[:2]
    assert [json.loads(r)["best"] for r in repaired] == [json.loads(r)["best"] for r in rows]  # same seeds, same result
    # a last row without its newline (cut just before it) is kept, and the next row starts on a line of its own
    path.write_text("\n".join(rows[:2]))
    run_benchmark(settings, tmp_path, progress=False)
    assert [json.loads(r)["seed"] for r in path.read_text().splitlines()] == [0, 1, 2]
    path.write_text(rows[0] + "\n" + rows[1][:40] + "\n" + rows[2] + "\n")
    for call in (lambda: run_benchmark(settings, tmp_path, progress=False), lambda: report_existing(tmp_path)):
        with pytest.raises(DataIntegrityError, match=rf"{re.escape(str(path))}, line 2: not a JSON row .* correct or delete line 2"):
            call()
    assert path.read_text().splitlines()[2] == rows[2]  # nothing was rewritten

"""The oracle evaluation protocol on a small fixed sample (the full run is benchmarks/run_oracle.sh)."""

import json

import numpy as np
import pytest

from clue_plugins.errors import UnknownNameError
from clue_plugins.evaluation.oracle_targets import oracle_metrics
from clue_plugins.experiments.oracle_eval import (KEY_DEVICES, SPLIT, evaluate_oracle, report_existing, split_indices,
                                                  write_oracle_report)


def test_metrics_cover_every_device_and_dataset(nb201_table):
    from clue_plugins.data import DATASETS, DEVICES

    data = oracle_metrics()
    assert len(data.specs) == 15625 and np.isfinite(data.flops).all()
    for d in DEVICES:
        assert f"latency.{d}" in data.metrics
    assert "latency.nats-gpu" in data.metrics and all(f"accuracy.{ds}" in data.metrics for ds in DATASETS)
    assert set(KEY_DEVICES) <= set(DEVICES)
    # the generated memory table ships with the package and lines up with the benchmark's cells
    assert "memory" in data.metrics and np.isfinite(data.metrics["memory"]).all()
    assert 20 < np.min(data.metrics["memory"]) < np.max(data.metrics["memory"]) < 1000


def test_split_is_disjoint_and_60_20_20():
    pool, val, test = split_indices(1000, seed=3)
    assert (len(pool), len(val), len(test)) == (600, 200, 200)
    assert len(set(pool) | set(val) | set(test)) == 1000


def test_evaluation_rows_summary_and_report(nb201_table, tmp_path):
    metrics = ["latency.eyeriss", "accuracy.cifar10"]
    rows = evaluate_oracle([10, 50, SPLIT], seeds=1, metrics=metrics, config={"head": "ridge"}, subset=160, progress=False)
    assert len(rows) == 6
    by = {(r["metric"], r["budget"]): r for r in rows}
    assert by[("latency.eyeriss", SPLIT)]["n_train"] == 96 and by[("latency.eyeriss", "10")]["n_test"] == 32
    assert by[("latency.eyeriss", SPLIT)]["kendall"] > 0.5
    head = write_oracle_report(rows, tmp_path, "test command")
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["command"] == "test command" and len(saved["summary"]) == 6
    assert "accuracy.cifar10_tau_at_60/20/20" in head
    text = (tmp_path / "results.md").read_text()
    assert "| latency.eyeriss |" in text
    assert (tmp_path / "oracle_tau_vs_budget.png").stat().st_size > 1000
    # the report is rendered again from results.json alone, to the byte
    (tmp_path / "results.md").unlink()
    assert report_existing(tmp_path, with_plots=False) == head
    assert (tmp_path / "results.md").read_text() == text


def test_unknown_metric_is_refused(nb201_table):
    with pytest.raises(UnknownNameError, match="unknown oracle metric"):
        evaluate_oracle([10], seeds=1, metrics=["latency.toaster"], subset=20, progress=False)

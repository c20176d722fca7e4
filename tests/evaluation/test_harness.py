import json

import numpy as np
import pytest

from clue_plugins.errors import UnknownNameError
from clue_plugins.evaluation.protocols import make_tasks, run_task, run_tasks
from clue_plugins.evaluation.report import write_report
from clue_plugins.evaluation.splits import split
from clue_plugins.evaluation.targets import load_target


def test_split_never_leaks_equivalent_cells(nb201_table):
    target = load_target("nb201-cifar10")
    train, test = split(target.groups, 100, seed=0)
    assert len(train) == 100 and not set(train) & set(test)
    assert not set(target.groups[train]) & set(target.groups[test])
    assert len(test) < len(target.specs) - 100  # the equivalents of training cells were removed too
    np.testing.assert_array_equal(split(target.groups, 100, seed=0)[0], train)  # seeded


def test_protocol_tasks():
    assert len(make_tasks("independent", ["clue", "mlp"], ["nb101", "nb301"], [5, 16], 3)) == 2 * 2 * 2 * 3
    assert len(make_tasks("joint", ["clue"], [], [5], 2)) == 2
    assert len(make_tasks("cross", ["clue"], [], [5], 1)) == 6
    with pytest.raises(UnknownNameError, match="unknown protocol"):
        make_tasks("transductive", ["clue"], [], [5], 1)


def test_cross_and_joint_tasks_run(data_dir):
    (task,) = make_tasks("cross", ["params"], [], [16], 1, cross_pairs=[("nb101", "nb301")])
    (row,) = run_task(task)
    assert row["n_test"] == 725 and np.isfinite(row["spearman"])
    (joint,) = make_tasks("joint", ["gboost"], [], [16], 1)
    rows = run_task(joint)
    assert {r["test_target"] for r in rows} == {"nb101", "nb201-cifar10", "nb301"}
    assert all(r["n_train"] == 48 for r in rows)


@pytest.mark.slow
def test_parallel_run_and_report(tmp_path, data_dir):
    tasks = make_tasks("independent", ["params", "gboost"], ["nb101"], [16, 32], 2)
    rows = run_tasks(tasks, workers=2, progress=False)
    assert len(rows) == 8
    # workers change nothing: the same tasks in this process give the same numbers
    key = lambda r: (r["predictor"], r["budget"], r["seed"])  # noqa: E731
    parallel = {key(r): r["spearman"] for r in rows}
    for r in run_tasks(tasks[:3], workers=1, progress=False):
        assert r["spearman"] == parallel[key(r)]
    write_report(rows, tmp_path, "clue-nas evaluate ...")
    data = json.loads((tmp_path / "results.json").read_text())
    assert len(data["summary"]) == 4 and data["command"].startswith("clue-nas evaluate")
    assert "| gboost |" in (tmp_path / "results.md").read_text()
    assert (tmp_path / "rho_vs_budget_independent_nb101_to_nb101.png").stat().st_size > 1000

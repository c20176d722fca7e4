"""Folding accuracy, latency and memory into one float to maximise."""

import math

import pytest

from clue_plugins import ClueError
from clue_plugins.objectives import Objective


def test_accuracy_objective_is_the_accuracy():
    assert Objective().fold({"accuracy": 91.5, "latency": math.nan, "memory": math.nan}) == 91.5


def test_budget_ranks_every_feasible_above_every_infeasible():
    obj = Objective("budget", latency_budget=10.0, memory_budget=100.0)
    feasible = {"accuracy": 50.0, "latency": 9.0, "memory": 100.0}
    slightly_over = {"accuracy": 95.0, "latency": 10.5, "memory": 90.0}
    far_over = {"accuracy": 95.0, "latency": 20.0, "memory": 150.0}
    assert obj.feasible(feasible) and not obj.feasible(slightly_over)
    assert obj.fold(feasible) == 50.0
    assert obj.fold(slightly_over) == pytest.approx(-5.0)  # -100 x 0.05 relative excess
    assert obj.fold(feasible) > obj.fold(slightly_over) > obj.fold(far_over)
    assert obj.needs() == {"latency", "memory"}


def test_weighted_trades_points_per_unit():
    obj = Objective("weighted", latency_weight=0.5, memory_weight=0.01)
    assert obj.fold({"accuracy": 90.0, "latency": 4.0, "memory": 200.0}) == pytest.approx(90 - 2 - 2)
    assert obj.feasible({"accuracy": 1.0})  # no budgets: everything is feasible


def test_clear_errors():
    with pytest.raises(ClueError, match="objective must be one of"):
        Objective("pareto")
    with pytest.raises(ClueError, match="needs latency_budget"):
        Objective("budget")
    with pytest.raises(ClueError, match="must be > 0"):
        Objective("budget", latency_budget=-1)
    with pytest.raises(ClueError, match="needs latency_weight"):
        Objective("weighted")
    with pytest.raises(ClueError, match="needs 'latency' but it was not predicted"):
        Objective("budget", latency_budget=5).fold({"accuracy": 90.0, "latency": math.nan})
    with pytest.raises(ClueError, match="needs 'accuracy' but it was not predicted"):
        Objective().fold({"accuracy": math.nan, "latency": 3.0})

"""Search objectives: how predicted accuracy, latency and memory fold into the one float a strategy maximises.

NNI's strategies (and most evolutionary searches) maximise a single float, so hardware objectives are
folded into it explicitly:

- ``accuracy``: the predicted accuracy (percent).
- ``budget``: hard budgets on latency and/or memory. A feasible architecture scores its accuracy
  (>= 0); an infeasible one scores ``-100 * (sum of relative excesses)`` (< 0), so every feasible
  architecture ranks above every infeasible one, and among infeasible ones the search is pulled toward
  the budget.
- ``weighted``: ``accuracy - latency_weight * latency - memory_weight * memory`` in the units of the
  heads (percent, ms, MiB): a weight of 0.5 trades half an accuracy point per millisecond.
- ``hardware``: ``-(latency_weight * latency + memory_weight * memory)``, no accuracy at all: for a space with
  no accuracy model yet (a user's own NNI space before any of its networks was trained). It says so in
  :meth:`Objective.describe`.

Every trial also keeps its full metric dict, so Pareto analysis never depends on the folding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from clue_plugins.errors import ConfigError, UnknownNameError

KINDS = ("accuracy", "budget", "weighted", "hardware")


@dataclass(frozen=True)
class Objective:
    """Fold ``{"accuracy", "latency", "memory"}`` into one float to maximise (see the module docstring)."""

    kind: str = "accuracy"
    latency_budget: float | None = None
    memory_budget: float | None = None
    latency_weight: float = 0.0
    memory_weight: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UnknownNameError(f"objective must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.kind == "budget" and self.latency_budget is None and self.memory_budget is None:
            raise ConfigError("a 'budget' objective needs latency_budget and/or memory_budget")
        for name in ("latency_budget", "memory_budget"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ConfigError(f"{name} must be > 0, got {value}")
        if self.kind in ("weighted", "hardware") and not (self.latency_weight or self.memory_weight):
            raise ConfigError(f"a {self.kind!r} objective needs latency_weight and/or memory_weight")

    def needs(self) -> set[str]:
        """Metrics beyond accuracy this objective reads (the evaluator must be able to predict them)."""
        if self.kind == "budget":
            return {m for m, b in (("latency", self.latency_budget), ("memory", self.memory_budget)) if b is not None}
        if self.kind in ("weighted", "hardware"):
            return {m for m, w in (("latency", self.latency_weight), ("memory", self.memory_weight)) if w}
        return set()

    @property
    def needs_accuracy(self) -> bool:
        """Whether the objective reads predicted accuracy (every kind but ``hardware``)."""
        return self.kind != "hardware"

    def _budgets(self) -> list[tuple[str, float]]:
        return [(m, b) for m, b in (("latency", self.latency_budget), ("memory", self.memory_budget)) if b is not None]

    def feasible(self, metrics: Mapping[str, float]) -> bool:
        """Whether ``metrics`` meet every budget (always true without budgets)."""
        return all(metrics[m] <= b for m, b in self._budgets())

    def fold(self, metrics: Mapping[str, float]) -> float:
        """The float to maximise."""
        for m in (("accuracy",) if self.needs_accuracy else ()) + tuple(sorted(self.needs())):
            if m not in metrics or math.isnan(metrics[m]):
                fix = ("an accuracy model (a fitted CLUEPredictor or SEval accuracy head)" if m == "accuracy"
                       else f"an SEval oracle with a {m} head")
                raise ConfigError(f"the objective needs {m!r} but it was not predicted; give the evaluator {fix}")
        latency = self.latency_weight * float(metrics.get("latency", 0.0) if self.latency_weight else 0.0)
        memory = self.memory_weight * float(metrics.get("memory", 0.0) if self.memory_weight else 0.0)
        if self.kind == "hardware":
            return -latency - memory
        acc = float(metrics["accuracy"])
        if self.kind == "accuracy":
            return acc
        if self.kind == "weighted":
            return acc - latency - memory
        excess = sum(max(0.0, float(metrics[m]) / b - 1.0) for m, b in self._budgets())
        return acc if excess == 0.0 else -100.0 * excess

    def describe(self) -> str:
        if self.kind == "accuracy":
            return "maximise predicted accuracy"
        if self.kind == "budget":
            parts = [f"{m} <= {b:g}" for m, b in self._budgets()]
            return f"maximise predicted accuracy subject to {' and '.join(parts)} (infeasible: -100 x relative excess)"
        if self.kind == "hardware":
            return (f"hardware only (no accuracy model): minimise {self.latency_weight:g} x latency + "
                    f"{self.memory_weight:g} x memory")
        return (f"maximise accuracy - {self.latency_weight:g} x latency - {self.memory_weight:g} x memory")

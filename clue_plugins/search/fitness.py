"""Fitness: the floats an evolution's tournament compares, from the metric dicts of the candidates.

- :class:`ObjectiveFitness`: an :class:`~clue_plugins.objectives.Objective` folded per cell (predicted or
  true accuracy, with latency/memory budgets or a trade-off).
- :class:`RelativeFitness`: FreeREA's score, sum over metrics of weight x value / max |value| among the
  candidates compared (so it depends on who is compared), with the same budgets as feasibility.

Both see all candidates at once, so the evolution never needs to know which one it was given.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from clue_plugins.errors import ClueError, ConfigError
from clue_plugins.objectives import Objective

Metrics = Mapping[str, float]

#: FreeREA's training-free score: the three proxies, equally weighted.
FREEREA_WEIGHTS: dict[str, float] = {"logsynflow": 1.0, "naswot": 1.0, "skip_reach": 1.0}


class ObjectiveFitness:
    """Fitness = the objective's folded value (accuracy, budgets, trade-off) of each cell."""

    def __init__(self, objective: Objective | None = None) -> None:
        self.objective = objective or Objective()

    def __call__(self, metrics: Sequence[Metrics]) -> np.ndarray:
        return np.array([self.objective.fold(m) for m in metrics], dtype=np.float64)


class RelativeFitness:
    """FreeREA's max-normalised sum of ``weights`` (metric -> weight; a negative weight penalises).

    ``objective`` (kind ``accuracy`` or ``budget``) adds hardware budgets: every feasible candidate
    ranks above every infeasible one, infeasible ones by their relative excess (as in
    :class:`~clue_plugins.objectives.Objective`). E.g. FreeREA + CLUE:
    ``RelativeFitness({**FREEREA_WEIGHTS, "accuracy": 1.0})`` over merged proxy and predictor metrics.
    """

    def __init__(self, weights: Mapping[str, float] | None = None, objective: Objective | None = None) -> None:
        self.weights = dict(FREEREA_WEIGHTS if weights is None else weights)
        if not self.weights:
            raise ConfigError("RelativeFitness needs at least one metric weight")
        self.objective = objective or Objective()
        if self.objective.kind == "weighted":
            raise ConfigError("RelativeFitness takes budgets only; express a trade-off as a weight, e.g. "
                            "weights={..., 'latency': -0.5}")

    def __call__(self, metrics: Sequence[Metrics]) -> np.ndarray:
        names = list(self.weights)
        try:
            values = np.array([[float(m[k]) for k in names] for m in metrics], dtype=np.float64).reshape(len(metrics), len(names))
        except KeyError as exc:
            raise ConfigError(f"the fitness needs metric {exc.args[0]!r} but the scorer gave "
                            f"{sorted(metrics[0]) if metrics else []}; merge a scorer that provides it") from None
        if np.isnan(values).any():
            raise ClueError(f"the scorer returned NaN for one of {names}")
        scale = np.abs(values).max(axis=0) + 1e-9
        score = (values / scale) @ np.array([self.weights[k] for k in names])
        if self.objective.kind == "accuracy":
            return score
        shifted = score - score.min()  # >= 0, so Objective.fold keeps feasible cells above infeasible ones
        return np.array([self.objective.fold({**m, "accuracy": s}) for m, s in zip(metrics, shifted)])

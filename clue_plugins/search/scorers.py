"""Metric oracles for searches: true benchmark values (a "query"), or predictions (free)."""

from __future__ import annotations

import math
from typing import Any, Sequence

from clue_plugins.errors import ConfigError
from clue_plugins.spec import ArchSpec


class TableScorer:
    """True test accuracy (and latency on ``device``) of NB201 cells from the shared tables.

    This is what "querying" a cell means in the benchmarks; a user would train the network instead.
    """

    def __init__(self, dataset: str = "cifar10", device: str | None = None, table: Any = None) -> None:
        if table is None:
            from clue_plugins.data import load

            table = load("nb201")
        self._table = table
        self._acc = table.column(f"{dataset}.test_acc").astype(float)
        self._lat = table.column(f"latency_ms.{device}").astype(float) if device else None
        self.dataset, self.device = dataset, device

    def __call__(self, specs: Sequence[ArchSpec]) -> list[dict[str, float]]:
        out = []
        for s in specs:
            if s.space != "nb201":
                raise ConfigError(f"the table scorer answers NB201 cells only, got a {s.space} cell")
            i = self._table.row_of(s)
            out.append({"accuracy": float(self._acc[i]), "latency": float(self._lat[i]) if self._lat is not None else math.nan,
                        "memory": math.nan})
        return out

    @property
    def optimum(self) -> float:
        """The best true accuracy in the space (what a perfect search finds)."""
        import numpy as np

        return float(np.nanmax(self._acc))

    def share_below(self, accuracy: float) -> float:
        """Fraction of the space's cells with a lower true accuracy (a search answer's percentile / 100)."""
        import numpy as np

        return float(np.mean(self._acc < accuracy))


class PredictorScorer:
    """Predicted metrics from a :class:`~clue_plugins.surrogate.Surrogate` (CLUE accuracy, SEval heads)."""

    def __init__(self, surrogate: Any) -> None:
        self.surrogate = surrogate

    def __call__(self, specs: Sequence[ArchSpec]) -> list[dict[str, float]]:
        return self.surrogate.predict_many(list(specs))


class MergedScorer:
    """Several oracles at once: their metric dicts merged per cell, later scorers winning on shared keys
    unless the value is NaN (e.g. proxies + CLUE accuracy + SEval latency for FreeREA + CLUE)."""

    def __init__(self, *scorers: Any) -> None:
        if not scorers:
            raise ConfigError("MergedScorer needs at least one scorer")
        self.scorers = scorers

    def __call__(self, specs: Sequence[ArchSpec]) -> list[dict[str, float]]:
        out: list[dict[str, float]] = [{} for _ in specs]
        for scorer in self.scorers:
            for merged, metrics in zip(out, scorer(specs)):
                merged.update({k: v for k, v in metrics.items() if not (isinstance(v, float) and math.isnan(v) and k in merged)})
        return out

"""An NNI evaluator that scores architectures with predicted metrics instead of training or a database."""

from __future__ import annotations

import math
import time
from typing import Any

import nni
from nni.nas.benchmark import BenchmarkEvaluator

from adapters.nni import NNI_SPACES
from clue_plugins.errors import ClueError, ConfigError
from clue_plugins.objectives import Objective
from clue_plugins.spaces import get_space
from clue_plugins.surrogate import Surrogate

#: NNI hub space class name -> our space name: the registry's live view, the same object as ``adapters.nni.NNI_SPACES``
SPACES = NNI_SPACES


class SurrogateEvaluator(BenchmarkEvaluator):
    """Score NNI samples with a fitted predictor: ``{'default': objective, 'accuracy', 'latency', 'memory'}``.

    ``accuracy``: a fitted CLUEPredictor or SEvalOracle (``accuracy_metric`` names its head).
    ``oracle`` + ``latency_metric``/``memory_metric``: SEval heads for hardware objectives.
    ``objective``: how the metrics fold into NNI's ``default`` (accuracy alone by default).
    Every evaluated trial is kept in :attr:`trials` (sample, metrics, objective value, feasibility).
    """

    def __init__(self, accuracy: Any, space: str = "NasBench201", oracle: Any = None, latency_metric: str | None = None,
                 memory_metric: str | None = None, objective: Objective | None = None,
                 accuracy_metric: str = "accuracy") -> None:
        super().__init__()
        if space not in SPACES:
            raise ConfigError(f"unsupported NNI model space {space!r}; supported: {', '.join(SPACES)}")
        self.space = space
        self.objective = objective or Objective()
        have = {m for m, name in (("latency", latency_metric), ("memory", memory_metric)) if name}
        if self.objective.needs() - have:
            raise ConfigError(f"the objective ({self.objective.describe()}) needs {sorted(self.objective.needs() - have)}: "
                              "pass oracle= and latency_metric=/memory_metric= naming its SEval heads")
        self.surrogate = Surrogate(accuracy, oracle, latency_metric, memory_metric, accuracy_metric)
        self.trials: list[dict[str, Any]] = []

    def default_space(self):  # type: ignore[override]
        """The benchmark space this evaluator checks a model space against (NB201, NB101)."""
        benchmark = get_space(SPACES[self.space]).nni_benchmark()
        if benchmark is None:
            raise NotImplementedError(f"{self.space} has no NNI benchmark space; validate_space checks its labels instead")
        return benchmark.default_space()

    def validate_space(self, space: Any) -> Any:
        """Check that ``space`` is the hub space this evaluator was built for, with a clear error if not."""
        from adapters.nni import detect_space

        simplified = space.simplify()
        labels = {k: None for k in simplified}  # the adapter's patterns accept any label scope
        try:
            found = detect_space(labels)
        except ClueError:
            raise ConfigError(f"unsupported NNI model space {type(space).__name__} (labels {sorted(labels)[:6]}...); "
                              f"supported: {', '.join(SPACES)}") from None
        if found != SPACES[self.space]:
            raise ConfigError(f"this evaluator scores {self.space} samples but the model space is {type(space).__name__}")
        if get_space(found).nni_benchmark() is not None:
            return super().validate_space(space)
        return simplified

    def evaluate(self, sample: dict[str, Any]) -> float:
        """Predict, fold, report to NNI, record; returns the objective value."""
        from adapters.nni import from_sample

        t0 = time.perf_counter()
        spec = from_sample(sample, SPACES[self.space])
        metrics = self.surrogate.metrics(spec)
        value = self.objective.fold(metrics)
        known = {k: v for k, v in metrics.items() if not math.isnan(v)}
        self.trials.append({"trial": len(self.trials), "sample": dict(sample), "key": spec.key, "default": value,
                            "eval_ms": 1000 * (time.perf_counter() - t0),
                            "feasible": self.objective.feasible(known),  # fold() has checked the budgets' metrics exist
                            **{k: (None if math.isnan(v) else v) for k, v in metrics.items()}})
        nni.report_final_result({"default": value, **known})
        return value

    def _execute(self, model: Any) -> Any:
        # NasExperiment hands us a simplified model space; only its sample is needed (no torch model is built)
        if model.sample is None:
            raise ClueError("the model has not been sampled yet")
        return self.evaluate(model.sample)

    def export_trials(self, path: str) -> None:
        """Write every trial (sample, predicted metrics, objective, feasibility) as JSON, atomically."""
        from clue_plugins._io import write_json_atomic

        write_json_atomic(path, {"space": self.space, "objective": self.objective.describe(), "trials": self.trials})

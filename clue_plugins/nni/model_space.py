"""An NNI evaluator for any model space: each sampled network is frozen, traced to its SEval string, and scored by
SEval heads (latency per device, memory, and accuracy where the user has trained some of the space's networks).

The benchmark spaces (NB201, NB101, DARTS) go through :class:`~clue_plugins.nni.evaluator.SurrogateEvaluator`,
which reads a sample as a cell; a user's own ``ModelSpace`` (``LayerChoice``, ``nni.choice`` widths, ``Repeat``
depths, ...) has no cell, so its networks are built and traced (docs/nni.md, "Your own model space").
"""

from __future__ import annotations

import math
import time
from typing import Any, Sequence

import nni
from nni.nas.evaluator import Evaluator

from clue_plugins.errors import ClueError, ConfigError, NotFittedError, UnknownNameError
from clue_plugins.objectives import Objective

__all__ = ["ModelSpaceEvaluator", "measured_latency_ms", "sample_models"]


class ModelSpaceEvaluator(Evaluator):
    """Score samples of ``model_space`` (any NNI ``ModelSpace``) with a fitted :class:`SEvalOracle`.

    ``latency_metric`` / ``memory_metric`` / ``accuracy_metric`` name the oracle's heads (fit them on networks of
    this space: ``oracle.add_metric("latency.my-cpu", models, measured_ms)``). Without ``accuracy_metric`` the
    objective must be hardware-only (``Objective("hardware", latency_weight=1.0)``), and says so.
    ``example_inputs`` is what the networks' forward takes (default: one 32x32 RGB image).
    Every evaluated trial is kept in :attr:`trials` (sample, metrics, objective value, feasibility).
    """

    def __init__(self, model_space: Any, oracle: Any, *, latency_metric: str | None = None,
                 memory_metric: str | None = None, accuracy_metric: str | None = None,
                 objective: Objective | None = None, example_inputs: Any = None) -> None:
        from nni.nas.nn.pytorch import ModelSpace

        from clue_plugins.predictors.seval import SEvalOracle

        if not isinstance(model_space, ModelSpace):
            raise ConfigError(f"model_space must be an NNI ModelSpace (nni.nas.nn.pytorch.ModelSpace), got "
                              f"{type(model_space).__name__}")
        if not isinstance(oracle, SEvalOracle):
            raise ConfigError(f"oracle must be a fitted SEvalOracle, got {type(oracle).__name__}")
        if not oracle.__sklearn_is_fitted__():
            raise NotFittedError("the SEvalOracle is not fitted: fit it (or add_metric) on networks of this space")
        names = {"latency": latency_metric, "memory": memory_metric, "accuracy": accuracy_metric}
        missing = [m for m in names.values() if m is not None and m not in oracle.metrics]
        if missing:
            raise UnknownNameError(f"the SEval oracle has no head for {missing}; it predicts {', '.join(oracle.metrics)}. "
                                   "Fit one with oracle.add_metric(name, models, values)")
        if objective is None:
            if accuracy_metric is None:
                raise ConfigError("without accuracy_metric there is no accuracy to maximise: pass a hardware-only "
                                  "objective=Objective('hardware', latency_weight=1.0), or fit an accuracy head on "
                                  "trained networks of this space and pass accuracy_metric=")
            objective = Objective()
        if objective.needs_accuracy and accuracy_metric is None:
            raise ConfigError(f"the objective ({objective.describe()}) needs accuracy but accuracy_metric is None: fit an "
                              "accuracy head on trained networks of this space, or use Objective('hardware', ...)")
        lacking = objective.needs() - {m for m, name in names.items() if name}
        if lacking:
            raise ConfigError(f"the objective ({objective.describe()}) needs {sorted(lacking)}: pass "
                              f"{' and '.join(f'{m}_metric=' for m in sorted(lacking))} naming the oracle's heads")
        super().__init__()
        self.model_space, self.oracle, self.objective = model_space, oracle, objective
        self.metric_names = {m: name for m, name in names.items() if name is not None}
        self.example_inputs = example_inputs
        self.space = type(model_space).__name__
        self.trials: list[dict[str, Any]] = []
        self._sample: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"ModelSpaceEvaluator({self.space}, {self.objective.describe()})"

    def metrics(self, model: Any) -> dict[str, float]:
        """Predicted ``latency`` / ``memory`` / ``accuracy`` of one frozen network (NaN where no head was given)."""
        wanted = list(self.metric_names.values())
        predicted = self.oracle.predict([model], wanted, example_input=self.example_inputs, progress=False)
        return {m: float(predicted[self.metric_names[m]][0]) if m in self.metric_names else math.nan
                for m in ("accuracy", "latency", "memory")}

    def evaluate(self, model: Any) -> float:
        """Predict, fold, report to NNI, record; ``model`` is a frozen network of the space."""
        t0 = time.perf_counter()
        metrics = self.metrics(model)
        value = self.objective.fold(metrics)
        known = {k: v for k, v in metrics.items() if not math.isnan(v)}
        self.trials.append({"trial": len(self.trials), "sample": dict(self._sample or {}), "default": value,
                            "eval_ms": 1000 * (time.perf_counter() - t0), "feasible": self.objective.feasible(known),
                            **{k: (None if math.isnan(v) else v) for k, v in metrics.items()}})
        nni.report_final_result({"default": value, **known})
        return value

    def _execute(self, model: Any) -> Any:
        if model.sample is None:
            raise ClueError("the model has not been sampled yet")
        self._sample = dict(model.sample)
        try:
            return self.evaluate(self.model_space.freeze(model.sample))
        finally:
            self._sample = None

    def export_trials(self, path: str) -> None:
        """Write every trial (sample, predicted metrics, objective, feasibility) as JSON, atomically."""
        from clue_plugins._io import write_json_atomic

        write_json_atomic(path, {"space": self.space, "objective": self.objective.describe(), "trials": self.trials})


def sample_models(model_space: Any, n: int, seed: int = 0) -> tuple[list[dict[str, Any]], list[Any]]:
    """``n`` distinct random samples of an NNI model space and their frozen networks (seeded), e.g. to measure
    the latency of a few and fit an SEval head on them."""
    import numpy as np
    from nni.mutable import SampleValidationError

    rs = np.random.RandomState(seed)
    mutables = model_space.simplify()
    samples: list[dict[str, Any]] = []
    seen: set[str] = set()
    tries = 0
    while len(samples) < n:
        tries += 1
        if tries > 100 * n:
            raise ClueError(f"drew {tries} samples and found {len(samples)} distinct valid ones; the space may be smaller than {n}")
        sample: dict[str, Any] = {}
        try:
            for m in mutables.values():
                m.random(sample, rs)
        except SampleValidationError:
            continue
        key = repr(sorted(sample.items()))
        if key not in seen:
            seen.add(key)
            samples.append(sample)
    return samples, [model_space.freeze(s) for s in samples]


def measured_latency_ms(models: Sequence[Any], example_inputs: Any = None, min_run_time: float = 0.2,
                        threads: int = 1) -> list[float]:
    """Median CPU latency (ms) of each network's forward, with ``torch.utils.benchmark.Timer`` (eval mode, no
    gradients, ``threads`` threads; ``example_inputs`` default: one 32x32 RGB image)."""
    import torch
    from torch.utils import benchmark

    x = example_inputs if example_inputs is not None else torch.zeros(1, 3, 32, 32)
    out = []
    for model in models:
        model.eval()
        with torch.no_grad():
            timer = benchmark.Timer("model(x)", globals={"model": model, "x": x}, num_threads=threads)
            out.append(1000.0 * timer.blocked_autorange(min_run_time=min_run_time).median)
    return out

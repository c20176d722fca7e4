"""Predicted metrics of architectures from fitted predictors, for every framework plugin.

A :class:`Surrogate` is what stands in for a benchmark table or for training: accuracy from a CLUE
predictor or an SEval head, latency and memory from SEval heads, memoised per architecture because
searches re-visit cells. The NASLib ``dataset_api`` and the NNI evaluator both answer from one.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from clue_plugins.errors import ConfigError, NotFittedError, UnknownNameError, shown
from clue_plugins.spec import ArchSpec


class Surrogate:
    """Predicted metrics of one architecture, memoised by its key (optimizers re-query the same cells).

    ``accuracy``: a fitted CLUEPredictor, SEvalOracle (with ``accuracy_metric``), or anything with
    ``predict(list[ArchSpec]) -> array`` (in percent). Accuracies are reported in percent, as the
    benchmarks report them: a model trained on fractions is scaled by 100. ``None`` gives a
    hardware-only surrogate (accuracy NaN), e.g. beside training-free proxies that stand for accuracy.
    ``oracle`` (optional): a fitted SEvalOracle whose ``latency_metric``/``memory_metric`` heads give
    latency and memory.
    """

    def __init__(self, accuracy: Any | None, oracle: Any = None, latency_metric: str | None = None,
                 memory_metric: str | None = None, accuracy_metric: str = "accuracy") -> None:
        self.oracle = oracle
        self.latency_metric = latency_metric
        self.memory_metric = memory_metric
        if oracle is not None:
            missing = [m for m in (latency_metric, memory_metric) if m is not None and m not in oracle.metrics]
            if missing:
                raise UnknownNameError(f"the SEval oracle has no head for {missing}; it predicts {', '.join(oracle.metrics)}")
        elif latency_metric or memory_metric:
            raise ConfigError("latency_metric/memory_metric need an oracle: pass oracle=<fitted SEvalOracle>")
        if accuracy is None and not (latency_metric or memory_metric):
            raise ConfigError("the surrogate has nothing to predict: pass an accuracy model, or an oracle with "
                            "latency_metric=/memory_metric=")
        self._accuracy, self._to_percent = (None, 1.0) if accuracy is None else _accuracy_fn(accuracy, accuracy_metric)
        self._memo: dict[str, dict[str, float]] = {}

    def metrics(self, spec: ArchSpec) -> dict[str, float]:
        """``accuracy`` (percent), ``latency`` and ``memory`` (NaN where no model predicts them)."""
        found = self._memo.get(spec.key)
        if found is None:
            found = self.predict_many([spec])[0]
        return found

    def predict_many(self, specs: Sequence[ArchSpec]) -> list[dict[str, float]]:
        """Metrics of many architectures at once (one batched forward; results memoised)."""
        todo = [s for s in dict.fromkeys(specs) if s.key not in self._memo]
        if todo:
            acc = (np.full(len(todo), math.nan) if self._accuracy is None
                   else np.asarray(self._accuracy(todo), dtype=np.float64) * self._to_percent)
            extra = {}
            wanted = [m for m in (self.latency_metric, self.memory_metric) if m]
            if wanted:
                extra = self.oracle.predict(todo, wanted, progress=False)
            for i, s in enumerate(todo):
                self._memo[s.key] = {
                    "accuracy": float(acc[i]),
                    "latency": float(extra[self.latency_metric][i]) if self.latency_metric else math.nan,
                    "memory": float(extra[self.memory_metric][i]) if self.memory_metric else math.nan,
                }
        return [self._memo[s.key] for s in specs]


def _accuracy_fn(model: Any, metric: str) -> tuple[Callable[[list[ArchSpec]], np.ndarray], float]:
    """(specs -> predicted accuracy, factor to percent) for the kinds of model we accept."""
    from clue_plugins.predictors.clue import CLUEPredictor
    from clue_plugins.predictors.seval import SEvalOracle

    if isinstance(model, CLUEPredictor):
        if not model.__sklearn_is_fitted__():
            raise NotFittedError("the CLUEPredictor is not fitted: call fit(specs, accuracies) or CLUEPredictor.load(path)")
        return model.predict, 100.0 / model.scale_
    if isinstance(model, SEvalOracle):
        if metric not in model.metrics:
            raise (UnknownNameError if model.metrics else NotFittedError)(f"the SEval oracle has no {metric!r} head; it predicts {', '.join(model.metrics) or 'nothing yet'}")
        head = model.heads_[metric]
        clip = head.get("clip")  # an accuracy head's output range: (0, 100) for percent labels, (0, 1) for fractions
        percent = clip[1] == 100 if clip and clip[1] is not None else head["lo"] + head["span"] > 1.0
        return (lambda specs: model.predict(specs, metric, progress=False)[metric]), (1.0 if percent else 100.0)
    if callable(getattr(model, "predict", None)):
        return model.predict, 1.0
    raise ConfigError(f"cannot predict accuracy with a {type(model).__name__}: pass a fitted CLUEPredictor or SEvalOracle")


def target_name(space: str, dataset: str = "cifar10") -> str:
    """The evaluation target (:mod:`clue_plugins.evaluation.targets`) of a space and dataset, from the space
    descriptor's ``targets`` (``cifar10-valid`` and None mean CIFAR-10)."""
    from clue_plugins.spaces import get_space

    descriptor = get_space(space)
    wanted = "cifar10" if dataset in ("cifar10", "cifar10-valid", None) else dataset
    for name, columns in descriptor.targets.items():
        if columns.dataset == wanted:
            return name
    datasets = sorted({c.dataset for c in descriptor.targets.values()})
    raise ConfigError(f"{descriptor.name} has labels for {', '.join(datasets) or 'no dataset'} only, got dataset {shown(dataset)}")


def fit_accuracy_model(space: str, train_size: int, dataset: str = "cifar10", predictor: str = "clue", seed: int = 0,
                       options: dict[str, Any] | None = None) -> Any:
    """A CLUE predictor (or an SEval ``accuracy`` head) trained on ``train_size`` random labelled cells
    of the shared benchmark tables (the cells are drawn with ``seed``)."""
    from clue_plugins.evaluation.targets import load_target

    if predictor not in ("clue", "seval"):
        raise ConfigError(f"predictor must be 'clue' or 'seval', got {shown(predictor)}")
    target = load_target(target_name(space, dataset))
    if not 2 <= train_size <= len(target.specs):
        raise ConfigError(f"train_size must be between 2 and {len(target.specs)}, got {shown(train_size)}")
    idx = np.random.default_rng(seed).choice(len(target.specs), size=train_size, replace=False)
    specs, y = [target.specs[i] for i in idx], target.y[idx]
    if predictor == "clue":
        from clue_plugins.predictors.clue import CLUEPredictor

        return CLUEPredictor(seed=seed, **(options or {})).fit(specs, y)
    from clue_plugins.predictors.seval import SEvalOracle

    return SEvalOracle(seed=seed, **(options or {})).fit(specs, {"accuracy": y}, progress=False)


def fit_hardware_oracle(metrics: Sequence[str], train_size: int, seed: int = 0, options: dict[str, Any] | None = None) -> Any:
    """SEval heads for NB201 ``latency.<device>`` / ``memory`` metrics, trained on ``train_size`` random cells."""
    from clue_plugins.evaluation.oracle_targets import oracle_metrics
    from clue_plugins.predictors.seval import SEvalOracle

    data = oracle_metrics()
    unknown = [m for m in metrics if m not in data.metrics]
    if unknown:
        raise UnknownNameError(f"unknown oracle metric(s) {unknown}; available: {', '.join(data.metrics)}")
    idx = np.random.default_rng(seed).choice(len(data.specs), size=train_size, replace=False)
    return SEvalOracle(seed=seed, **(options or {})).fit([data.specs[i] for i in idx],
                                                         {m: data.metrics[m][idx] for m in metrics}, progress=False)

"""Run an NNI ``NasExperiment`` (sequential engine, simplified format) with NNI's own strategies."""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from clue_plugins.errors import ClueError, ConfigError, UnknownNameError, shown


def _re(seed: int, population_size: int = 20, sample_size: int = 5, **kw: Any) -> Any:
    from nni.nas.strategy import RegularizedEvolution

    return RegularizedEvolution(population_size=population_size, sample_size=sample_size, seed=seed, **kw)


def _random(seed: int, **kw: Any) -> Any:
    from nni.nas.strategy import Random

    return Random(seed=seed, **kw)


def _tpe(seed: int, **kw: Any) -> Any:
    from nni.nas.strategy import TPE

    return TPE(optimize_mode="maximize", seed=seed, **kw)  # NNI's TPE tuner minimises unless told


#: strategy name -> factory(seed, **options). RE's defaults (population 20, tournament 5) suit runs of
#: 50-500 trials; NNI's own (100 / 25) spend the first 100 trials on random sampling.
STRATEGIES: dict[str, Callable[..., Any]] = {"re": _re, "random": _random, "tpe": _tpe}


def hub_space(name: str) -> Any:
    """An NNI model space by its NNI name, as the space's descriptor builds it (DARTS at the small width used
    for search)."""
    from adapters.nni import NNI_SPACES
    from clue_plugins.spaces import get_space

    if name not in NNI_SPACES:
        raise ConfigError(f"unsupported NNI model space {shown(name)}; supported: {', '.join(NNI_SPACES)}")
    return get_space(NNI_SPACES[name]).nni_model_space()


@dataclass
class SearchResult:
    """What one experiment evaluated, best first by the objective; ``trials`` keep every metric."""

    space: str
    strategy: str
    trials: list[dict[str, Any]]
    wall_s: float
    objective: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> dict[str, Any]:
        return max(self.trials, key=lambda t: t["default"])

    def top(self, k: int = 5, feasible_only: bool = True) -> list[dict[str, Any]]:
        """The k best trials by the objective (only feasible ones, where budgets apply, unless told otherwise)."""
        pool = [t for t in self.trials if not feasible_only or t["feasible"]]
        return sorted(pool, key=lambda t: t["default"], reverse=True)[:k]

    def summary(self) -> dict[str, Any]:
        return {"space": self.space, "strategy": self.strategy, "objective": self.objective, "trials": len(self.trials),
                "wall_s": self.wall_s, "per_trial_ms": 1000 * self.wall_s / max(1, len(self.trials)),
                "best": {k: v for k, v in self.best.items() if k != "sample"} | {"sample": self.best["sample"]}, **self.extra}


def run_search(evaluator: Any, strategy: str = "re", trials: int = 50, seed: int = 0, workdir: str | None = None,
               quiet: bool = True, **strategy_options: Any) -> SearchResult:
    """Run ``trials`` trials of an NNI strategy on the evaluator's space (its hub space, or the user-defined
    ``model_space`` of a :class:`~clue_plugins.nni.ModelSpaceEvaluator`); NNI's code runs unchanged.

    ``workdir``: where NNI keeps its experiment folder (default: a temporary one). ``quiet`` keeps NNI's
    per-trial log lines out of the console.
    """
    from nni.nas.experiment import NasExperiment, NasExperimentConfig

    if strategy not in STRATEGIES:
        raise UnknownNameError(f"unknown strategy {shown(strategy)}; available: {', '.join(STRATEGIES)}")
    if trials < 1:
        raise ConfigError(f"trials must be >= 1, got {shown(trials)}")
    space = getattr(evaluator, "model_space", None)
    if space is None:
        space = hub_space(evaluator.space)
        evaluator.validate_space(space)
    exp = NasExperiment(space, evaluator, STRATEGIES[strategy](seed, **strategy_options),
                        NasExperimentConfig("sequential", "simplified"))
    exp.config.max_trial_number = trials
    exp.config.experiment_working_directory = workdir or tempfile.mkdtemp(prefix="clue-nni-")
    first = len(evaluator.trials)
    nni_logger = logging.getLogger("nni")
    level = nni_logger.level
    if quiet:
        nni_logger.setLevel(logging.WARNING)
    t0 = time.perf_counter()
    try:
        exp.run()
    finally:
        exp.stop()  # NNI otherwise stops it at interpreter exit, logging into closed streams
        nni_logger.setLevel(level)
    wall = time.perf_counter() - t0
    done = evaluator.trials[first:]
    if not done:
        raise ClueError(f"the NNI experiment finished without evaluating a trial (see its log in {exp.config.experiment_working_directory})")
    return SearchResult(evaluator.space, strategy, done, wall, evaluator.objective.describe(),
                        {"seed": seed, "strategy_options": strategy_options, "nni_experiment": exp.id})

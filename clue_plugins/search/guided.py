"""Predictor-guided search (CLUE-NAS table 7): the predictor screens, only chosen cells are queried.

- :func:`predictor_random`: query ``n_train`` random cells, fit the predictor, rank a candidate pool
  (all of NB201; a large random sample elsewhere) and query its top ``top``.
- :func:`predictor_evolution`: query a few random cells, then repeat {fit the predictor; run the same
  :class:`~clue_plugins.search.evolution.Evolution` on predicted fitness (free); query the best
  predicted cells not yet queried} until the query budget is spent.

Every true query goes through one :class:`CountingScorer`, so the budget is exact; the answer is the
best *true* accuracy among the queried cells.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from clue_plugins.errors import ConfigError
from clue_plugins.objectives import Objective
from clue_plugins.search.evolution import Budget, BudgetExhausted, CountingScorer, Evolution, Scorer, SearchRun, _finish
from clue_plugins.search.fitness import ObjectiveFitness
from clue_plugins.search.scorers import PredictorScorer
from clue_plugins.search.spaces import searchable
from clue_plugins.spec import ArchSpec
from clue_plugins.surrogate import Surrogate

#: fit(specs, accuracies) -> an object with predict(specs) -> array (e.g. a CLUEPredictor)
PredictorFactory = Callable[[int], Any]


def candidate_pool(space: str, rng: np.random.Generator, size: int = 10_000) -> list[ArchSpec]:
    """Every cell of a small space (NB201: its descriptor's ``enumerate_specs``), or ``size`` random distinct
    cells of a larger space."""
    ops = searchable(space)
    every = ops.enumerate_specs()
    return list(every) if every is not None else ops.sample_distinct(size, rng)


def _fit(factory: PredictorFactory, counted: CountingScorer, seed: int) -> Any:
    specs = [counted.specs[k] for k in counted.order]
    return factory(seed).fit(specs, [counted.memo[k]["accuracy"] for k in counted.order])


def predictor_random(space: str, query: Scorer, factory: PredictorFactory, n_train: int = 100, top: int = 30,
                     seed: int = 0, pool_size: int = 10_000) -> SearchRun:
    """Table 7 (a): ``n_train`` random queries, then the predictor's top ``top`` of the pool are queried."""
    rng = np.random.default_rng(seed)
    counted = CountingScorer(query, Budget(queries=n_train + top))
    ops = searchable(space)
    counted(ops.sample_distinct(n_train, rng))
    model = _fit(factory, counted, seed)
    pool = [s for s in candidate_pool(space, rng, pool_size) if s.key not in counted.memo]
    pred = np.asarray(model.predict(pool), dtype=np.float64)
    counted([pool[i] for i in np.argsort(-pred, kind="stable")[:top]])
    return _true_best(counted, n_train=n_train, top=top)


def predictor_evolution(space: str, query: Scorer, factory: PredictorFactory, queries: int = 60, n_init: int = 10,
                        per_round: int = 10, seed: int = 0, evolution: Evolution | None = None,
                        evolution_steps: int = 200, objective: Objective | None = None, oracle: Any = None,
                        latency_metric: str | None = None, memory_metric: str | None = None) -> SearchRun:
    """Table 7 (b): evolution on predicted fitness screens candidates; ``queries`` true queries in all.

    With ``objective`` budgets, the screening folds predicted accuracy with the latency/memory heads of
    a fitted SEval ``oracle`` (``latency_metric``, ``memory_metric``), and the answer is the best true
    accuracy among queried cells that meet the budgets by their *queried* (true) values.
    """
    if not 2 <= n_init < queries:
        raise ConfigError(f"need 2 <= n_init < queries, got n_init={n_init}, queries={queries}")
    rng = np.random.default_rng(seed)
    ops = searchable(space)
    counted = CountingScorer(query, Budget(queries=queries))
    counted(ops.sample_distinct(n_init, rng))
    evolution = evolution or Evolution(population_size=50, tournament_size=10)
    fitness = ObjectiveFitness(objective)
    rounds = 0
    try:
        while counted.queries < queries:
            model = _fit(factory, counted, seed + rounds)
            steps_budget = Budget(steps=evolution_steps)
            surrogate = Surrogate(model, oracle, latency_metric, memory_metric)
            screened = evolution.run(ops, PredictorScorer(surrogate), steps_budget, seed=seed * 1000 + rounds,
                                     init=[counted.specs[k] for k in counted.order], fitness=fitness)
            predicted = fitness([r.metrics for r in screened.history])
            ranked = [screened.history[i] for i in np.argsort(-predicted, kind="stable")]
            fresh = [r.spec for r in ranked if r.spec.key not in counted.memo][: min(per_round, queries - counted.queries)]
            if not fresh:
                fresh = ops.sample_distinct(1, rng, counted.memo)
            counted(fresh)
            rounds += 1
    except BudgetExhausted:
        pass
    return _true_best(counted, fitness, rounds=rounds)


def _true_best(counted: CountingScorer, fitness: ObjectiveFitness | None = None, **extra: Any) -> SearchRun:
    run = _finish(counted, fitness or ObjectiveFitness(), 0.0, 0)
    run.wall_s = time.perf_counter() - counted.start
    run.extra.update(extra)
    return run

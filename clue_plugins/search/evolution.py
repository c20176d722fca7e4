"""FreeREA-style regularized evolution with a pluggable metric oracle, hardware feasibility and budgets.

The algorithm never changes with the oracle: a *scorer* maps cells to metric dicts (predicted accuracy,
latency, memory, true accuracy from a table, training-free proxies...) and a *fitness* maps the metric
dicts of the current candidates to the floats the tournament compares. Hardware budgets live in the
fitness (:class:`~clue_plugins.objectives.Objective`): infeasible cells always lose to feasible ones,
inside the search rather than filtered after it.

One step (FreeREA: Cavagnero et al., "FreeREA: Training-Free Evolution-based Architecture Search", WACV 2023): a tournament of ``tournament_size`` from the population, its best
two each mutated once plus one uniform crossover of them; the children join; the oldest member leaves;
the population keeps its best ``population_size`` by fitness. The answer is the best of the whole history.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from clue_plugins.errors import ClueError, ConfigError
from clue_plugins.search.fitness import ObjectiveFitness
from clue_plugins.search.spaces import SpaceOps, searchable
from clue_plugins.spaces.base import SearchSpace
from clue_plugins.spec import ArchSpec

Metrics = dict[str, float]
Scorer = Callable[[Sequence[ArchSpec]], list[Metrics]]


class BudgetExhausted(Exception):
    """Raised inside a search when its query or time budget is spent (caught by the search)."""


@dataclass
class Budget:
    """Stop after ``queries`` distinct cells scored, ``seconds`` of wall time and/or ``steps`` evolution steps.

    A converged evolution keeps re-visiting scored cells, which cost no query; so a search with only a
    query budget also stops after ``stall_steps`` steps in a row without a new cell.
    """

    queries: int | None = None
    seconds: float | None = None
    steps: int | None = None
    stall_steps: int = 1000

    def __post_init__(self) -> None:
        if self.queries is None and self.seconds is None and self.steps is None:
            raise ConfigError("a search needs a budget: queries=N, seconds=S and/or steps=K")


@dataclass
class Record:
    spec: ArchSpec
    metrics: Metrics
    born: int  # birth order: in a population, the age; in a history, the query index


class CountingScorer:
    """A scorer with a memo, a query counter and the budget: every distinct cell scored is one query."""

    def __init__(self, scorer: Scorer, budget: Budget) -> None:
        self.scorer = scorer
        self.budget = budget
        self.memo: dict[str, Metrics] = {}
        self.specs: dict[str, ArchSpec] = {}
        self.order: list[str] = []
        self.start = time.perf_counter()

    @property
    def queries(self) -> int:
        return len(self.order)

    def _check(self, extra: int) -> None:
        if self.budget.queries is not None and self.queries + extra > self.budget.queries:
            raise BudgetExhausted
        if self.budget.seconds is not None and time.perf_counter() - self.start > self.budget.seconds:
            raise BudgetExhausted

    def __call__(self, specs: Sequence[ArchSpec]) -> list[Metrics]:
        new = [s for s in dict.fromkeys(specs) if s.key not in self.memo]
        self._check(len(new))
        if new:
            for s, m in zip(new, self.scorer(new)):
                self.memo[s.key] = dict(m)
                self.specs[s.key] = s
                self.order.append(s.key)
        return [self.memo[s.key] for s in specs]


@dataclass
class SearchRun:
    """Everything a search scored, in query order, and its answer."""

    history: list[Record]
    answer: Record
    queries: int
    wall_s: float
    steps: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Evolution:
    """FreeREA's evolution; defaults as published (population 100, tournament 25, 2 mutations + 1 crossover)."""

    population_size: int = 100
    tournament_size: int = 25
    mutations: int = 2
    crossover: bool = True

    def __post_init__(self) -> None:
        if not 2 <= self.tournament_size <= self.population_size:
            raise ConfigError(f"need 2 <= tournament_size <= population_size, got {self.tournament_size} and {self.population_size}")

    def run(self, space: str | SearchSpace | SpaceOps, scorer: Scorer, budget: Budget, seed: int = 0,
            fitness: Callable[[Sequence[Metrics]], np.ndarray] | None = None,
            init: Sequence[ArchSpec] = ()) -> SearchRun:
        """Evolve until the budget is spent; ``init`` cells seed the population before random ones. ``space``:
        a space name (``nb201``, a registered space...) or its descriptor (:mod:`clue_plugins.spaces`)."""
        ops = searchable(space)
        fitness = fitness or ObjectiveFitness()
        rng = np.random.default_rng(seed)
        counted = scorer if isinstance(scorer, CountingScorer) else CountingScorer(scorer, budget)
        population: list[Record] = []
        births = itertools.count()  # age order of population members (a re-visited cell is born again)
        steps = 0
        t0 = time.perf_counter()
        try:
            candidates = list(dict.fromkeys(init))[: self.population_size]
            candidates += ops.sample_distinct(self.population_size - len(candidates), rng, {s.key for s in candidates})
            for s in candidates:  # one at a time: a budget smaller than the population still counts exactly
                population.append(Record(s, counted([s])[0], next(births)))
            stall, last_queries = 0, counted.queries
            while budget.steps is None or steps < budget.steps:
                idx = rng.choice(len(population), size=min(self.tournament_size, len(population)), replace=False)
                contenders = [population[i] for i in idx]
                order = np.argsort(-fitness([r.metrics for r in contenders]), kind="stable")
                parents = [contenders[order[0]].spec, contenders[order[min(1, len(order) - 1)]].spec]
                children = [ops.mutate(parents[k % 2], rng) for k in range(self.mutations)]
                if self.crossover:
                    children.append(ops.crossover(parents[0], parents[1], rng))
                exhausted = False
                for child in children:
                    try:
                        population.append(Record(child, counted([child])[0], next(births)))
                    except BudgetExhausted:
                        exhausted = True
                        break
                if len(population) > self.population_size:
                    population.pop(int(np.argmin([r.born for r in population])))  # the oldest leaves
                if len(population) > self.population_size:
                    keep = np.argsort(-fitness([r.metrics for r in population]), kind="stable")[: self.population_size]
                    population = [population[i] for i in sorted(keep)]
                if exhausted:
                    break
                steps += 1
                stall = stall + 1 if counted.queries == last_queries else 0
                last_queries = counted.queries
                if stall >= budget.stall_steps:
                    break
        except BudgetExhausted:
            pass
        run = _finish(counted, fitness, time.perf_counter() - t0, steps)
        run.extra["population"] = [r.spec.key for r in population]
        return run


def _finish(counted: CountingScorer, fitness: Callable[[Sequence[Metrics]], np.ndarray], wall: float, steps: int) -> SearchRun:
    if not counted.order:
        raise ClueError("the budget ended before a single cell was scored")
    history = [Record(counted.specs[k], counted.memo[k], i + 1) for i, k in enumerate(counted.order)]
    best = int(np.argmax(fitness([r.metrics for r in history])))  # first of equals: the earliest found
    return SearchRun(history, history[best], counted.queries, wall, steps)

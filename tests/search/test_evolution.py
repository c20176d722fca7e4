"""Search invariants: operators, population, ages, budgets, determinism, feasibility, oracle swapping."""

import math

import numpy as np
import pytest

from clue_plugins import ClueError
from clue_plugins.objectives import Objective
from clue_plugins.search import Budget, Evolution, ObjectiveFitness, SpaceOps, TableScorer, predictor_evolution, predictor_random


@pytest.mark.parametrize("space", ["nb201", "nb101", "nb301"])
def test_operators_give_valid_cells_and_one_gene_mutations(space):
    ops, rng = SpaceOps(space), np.random.default_rng(0)
    a, b = ops.sample(rng), ops.sample(rng)
    for _ in range(50):
        child = ops.mutate(a, rng)
        assert child.space == space and child.key != a.key
        if space != "nb101":  # NB101 children are pruned, which can move several genes at once
            assert sum(x != y for x, y in zip(ops.genes(a), ops.genes(child))) in (1, 2)  # NB301 re-sorts a node's pair
        mix = ops.crossover(a, b, rng)
        if space == "nb201":
            assert all(g in (x, y) for g, x, y in zip(ops.genes(mix), ops.genes(a), ops.genes(b)))


def test_unknown_space_is_a_clear_error():
    with pytest.raises(ClueError, match="no search operators for space 'nlp'"):
        SpaceOps("nlp")


@pytest.fixture(scope="module")
def table_scorer(nb201_table):
    return TableScorer("cifar10", device="pixel3", table=nb201_table)


class Spy:
    """Counts what the search asks its oracle."""

    def __init__(self, inner):
        self.inner, self.asked = inner, []

    def __call__(self, specs):
        self.asked += [s.key for s in specs]
        return self.inner(specs)


def test_budget_accounting_population_and_answer(table_scorer):
    spy = Spy(table_scorer)
    run = Evolution(population_size=20, tournament_size=5).run("nb201", spy, Budget(queries=60), seed=3)
    assert run.queries == 60 == len(run.history) == len(spy.asked) == len(set(spy.asked))  # each cell queried once
    assert [r.born for r in run.history] == list(range(1, 61))  # ages = query order
    assert len(run.extra["population"]) == 20
    assert run.answer.metrics["accuracy"] == max(r.metrics["accuracy"] for r in run.history)
    assert run.steps > 0


def test_deterministic_per_seed(table_scorer):
    evo = Evolution(population_size=15, tournament_size=4)
    keys = lambda seed: [r.spec.key for r in evo.run("nb201", table_scorer, Budget(queries=40), seed=seed).history]  # noqa: E731
    assert keys(1) == keys(1) and keys(1) != keys(2)


def test_swapping_the_oracle_changes_nothing_else(table_scorer):
    """The same ranking from another oracle (a monotone transform of it) gives the same search."""
    def rescaled(specs):
        return [{**m, "accuracy": 0.5 * m["accuracy"] + 3} for m in table_scorer(specs)]

    evo = Evolution(population_size=15, tournament_size=4)
    a = evo.run("nb201", table_scorer, Budget(queries=45), seed=0)
    b = evo.run("nb201", rescaled, Budget(queries=45), seed=0)
    assert [r.spec.key for r in a.history] == [r.spec.key for r in b.history]


def test_hardware_budget_is_feasibility_inside_the_search(table_scorer, nb201_table):
    budget_ms = float(np.percentile(nb201_table.column("latency_ms.pixel3"), 20))
    objective = Objective("budget", latency_budget=budget_ms)
    run = Evolution(population_size=20, tournament_size=5).run("nb201", table_scorer, Budget(queries=100), seed=0,
                                                               fitness=ObjectiveFitness(objective))
    assert objective.feasible(run.answer.metrics)  # some of 100 cells are feasible, and any feasible beats all others
    feasible_best = max(r.metrics["accuracy"] for r in run.history if objective.feasible(r.metrics))
    assert run.answer.metrics["accuracy"] == feasible_best
    late = run.history[-40:]  # the search moves toward the feasible region
    assert np.mean([objective.feasible(r.metrics) for r in late]) > np.mean([objective.feasible(r.metrics) for r in run.history[:20]])


def test_a_converged_search_with_only_a_query_budget_stops():
    def constant(specs):
        return [{"accuracy": 1.0, "latency": math.nan, "memory": math.nan} for _ in specs]

    run = Evolution(population_size=5, tournament_size=2).run("nb201", constant, Budget(queries=10_000, stall_steps=50), seed=0)
    assert run.queries <= 10_000 and run.steps >= 50
    with pytest.raises(ClueError, match="needs a budget"):
        Budget()


def test_predictor_guided_searches_count_every_query(table_scorer):
    from clue_plugins.predictors.clue import CLUEPredictor

    spy = Spy(table_scorer)
    run = predictor_random("nb201", spy, lambda s: CLUEPredictor(seed=s, epochs=40), n_train=30, top=10, seed=0)
    assert run.queries == 40 == len(spy.asked)
    assert run.answer.metrics["accuracy"] == max(r.metrics["accuracy"] for r in run.history)
    spy = Spy(table_scorer)
    run = predictor_evolution("nb201", spy, lambda s: CLUEPredictor(seed=s, epochs=40), queries=25, n_init=10,
                              per_round=5, seed=0, evolution=Evolution(population_size=20, tournament_size=5),
                              evolution_steps=30)
    assert run.queries == 25 == len(spy.asked) and run.extra["rounds"] >= 3
    with pytest.raises(ClueError, match="n_init < queries"):
        predictor_evolution("nb201", spy, lambda s: None, queries=5, n_init=10)

"""Searches over NB201 / NB101 / NB301 with pluggable metric oracles (``adapters/`` -> ArchSpec -> scorer).

- :class:`Evolution`: FreeREA-style regularized evolution; the scorer and the fitness (objective with
  hardware budgets) are arguments, the algorithm never changes.
- :func:`predictor_random`, :func:`predictor_evolution`: CLUE-NAS table 7's predictor-guided searches
  with exact query accounting.
- Scorers: :class:`TableScorer` (true benchmark values: a query), :class:`PredictorScorer` (predictions),
  :class:`ProxyScorer` (FreeREA's training-free proxies on the real networks), :class:`MergedScorer`.
- Fitness: :class:`ObjectiveFitness` (objective with budgets), :class:`RelativeFitness` (FreeREA's
  max-normalised sum, with the same budgets).
- Fronts: :func:`pareto_front`, :func:`hypervolume` (accuracy up, latency down).

The search experiment that compares these searches (``clue-nas search-bench``) is in :mod:`clue_plugins.experiments`.
"""

from clue_plugins.search.evolution import Budget, CountingScorer, Evolution, Record, SearchRun
from clue_plugins.search.fitness import FREEREA_WEIGHTS, ObjectiveFitness, RelativeFitness
from clue_plugins.search.fronts import hypervolume, pareto_front
from clue_plugins.search.guided import predictor_evolution, predictor_random
from clue_plugins.search.proxies import PROXIES, ProxyScorer
from clue_plugins.search.scorers import MergedScorer, PredictorScorer, TableScorer
from clue_plugins.search.spaces import SpaceOps, register_space

__all__ = ["FREEREA_WEIGHTS", "PROXIES", "Budget", "CountingScorer", "Evolution", "MergedScorer", "ObjectiveFitness",
           "PredictorScorer", "ProxyScorer", "Record", "RelativeFitness", "SearchRun", "SpaceOps", "TableScorer",
           "hypervolume", "pareto_front", "predictor_evolution", "predictor_random", "register_space"]

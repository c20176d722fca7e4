"""Searches over NB201 / NB101 / NB301 with pluggable metric oracles (``adapters/`` -> ArchSpec -> scorer).

- :class:`Evolution`: FreeREA-style regularized evolution; the scorer and the fitness (objective with
  hardware budgets) are arguments, the algorithm never changes.
- :func:`predictor_random`, :func:`predictor_evolution`: CLUE-NAS table 7's predictor-guided searches
  with exact query accounting.
- Scorers: :class:`TableScorer` (true benchmark values: a query), :class:`PredictorScorer` (predictions).
"""

from clue_plugins.search.evolution import Budget, CountingScorer, Evolution, ObjectiveFitness, Record, SearchRun
from clue_plugins.search.guided import predictor_evolution, predictor_random
from clue_plugins.search.scorers import PredictorScorer, TableScorer
from clue_plugins.search.spaces import SpaceOps

__all__ = ["Budget", "CountingScorer", "Evolution", "ObjectiveFitness", "PredictorScorer", "Record", "SearchRun",
           "SpaceOps", "TableScorer", "predictor_evolution", "predictor_random"]

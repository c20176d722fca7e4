"""clue-plugins: CLUE-NAS and SEval-NAS predictors as plugins for NASLib, NNI and evolution.

Data flow: framework genotype -> ``adapters`` -> :class:`ArchSpec` (this package's shared
representation) -> encoders -> predictors -> plugins. Importing this package is light: torch,
NASLib and NNI are imported only by the modules that need them.
"""

from clue_plugins.errors import (
    ClueError,
    GenotypeError,
    MissingDataError,
    MissingDependencyError,
    NetworkError,
    NotFittedError,
    UnknownOpError,
)
from clue_plugins.spec import SPACES, ArchSpec, Cell, flow_matrix, op_metric_matrix, prompts

__version__ = "0.4.0"

__all__ = [
    "SPACES",
    "ArchSpec",
    "Cell",
    "ClueError",
    "GenotypeError",
    "MissingDataError",
    "MissingDependencyError",
    "NetworkError",
    "NotFittedError",
    "UnknownOpError",
    "flow_matrix",
    "op_metric_matrix",
    "prompts",
]

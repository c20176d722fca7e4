"""Deprecated name of :mod:`clue_plugins.data` (the benchmark data loaders), kept so that old imports work."""

import warnings

from clue_plugins.data import *  # noqa: F401,F403
from clue_plugins.data import __all__  # noqa: F401

warnings.warn("clue_plugins.benchmarks is now clue_plugins.data (the benchmark data loaders); "
              "import from clue_plugins.data", DeprecationWarning, stacklevel=2)

"""NASLib plugin: CLUE-NAS and SEval-NAS as NASLib predictors, and predictor-backed ``dataset_api``s.

NASLib (github automl/NASLib, branch Develop) is not on PyPI and is an optional dependency: importing
this package without it raises :class:`~clue_plugins.errors.MissingDependencyError` with the install
steps. Nothing else in clue_plugins imports NASLib.

- :class:`NASLibCLUEPredictor`, :class:`NASLibSEvalPredictor`: ``naslib.predictors.Predictor`` subclasses
  (``fit(xtrain, ytrain)``, ``query(xtest)``) wrapping :class:`~clue_plugins.predictors.clue.CLUEPredictor` and
  :class:`~clue_plugins.predictors.seval.SEvalOracle`, usable in ``PredictorEvaluator`` like NASLib's own.
- :func:`register`: after it, ``predictor_type: clue`` / ``seval`` work in Bananas/Npenas configs.
- :func:`predicted_dataset_api`: a ``dataset_api`` that answers NASLib's queries from a fitted
  predictor (and SEval latency), so RE, RS, LS, Bananas and Npenas search without benchmark files.
- :func:`benchmark_dataset_api`: a ``dataset_api`` for NB201 built from the shared benchmark tables.
- :func:`run_config`: what ``clue-nas naslib-run --config FILE`` runs.
"""

from __future__ import annotations

INSTALL_HINT = (
    "NASLib is not on PyPI and needs fixes to install on Python 3.11; see docs/naslib.md, or run "
    "`bash tools/install_naslib.sh PATH/TO/NASLib` on a clone of https://github.com/automl/NASLib (branch Develop)"
)


def _require_naslib() -> None:
    try:
        import naslib.predictors  # noqa: F401
        import naslib.search_spaces  # noqa: F401
    except ImportError as exc:
        from clue_plugins.errors import MissingDependencyError

        raise MissingDependencyError(f"clue_plugins.naslib needs NASLib, which failed to import ({exc}). {INSTALL_HINT}") from exc


_require_naslib()

from clue_plugins.naslib.dataset_api import benchmark_dataset_api, predicted_dataset_api  # noqa: E402
from clue_plugins.naslib.predictors import NASLibCLUEPredictor, NASLibSEvalPredictor, to_specs  # noqa: E402
from clue_plugins.naslib.registry import PREDICTORS, make_predictor, register, registered, unregister  # noqa: E402
from clue_plugins.naslib.runner import run_config  # noqa: E402

__all__ = ["NASLibCLUEPredictor", "NASLibSEvalPredictor", "PREDICTORS", "benchmark_dataset_api", "make_predictor",
           "predicted_dataset_api", "register", "registered", "run_config", "to_specs", "unregister"]

_RENAMED = {"CLUEPredictor": "NASLibCLUEPredictor", "SEvalPredictor": "NASLibSEvalPredictor"}


def __getattr__(name: str):
    """The wrappers' former names, with a DeprecationWarning (``CLUEPredictor`` is the model's name)."""
    if name in _RENAMED:
        import warnings

        warnings.warn(f"clue_plugins.naslib.{name} is now {_RENAMED[name]} (clue_plugins.predictors.clue.CLUEPredictor "
                      "is the model itself); the old name will be removed", DeprecationWarning, stacklevel=2)
        return globals()[_RENAMED[name]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

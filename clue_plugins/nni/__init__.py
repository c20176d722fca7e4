"""NNI plugin: CLUE-NAS and SEval-NAS as NNI evaluators for ``NasExperiment`` with NNI's own strategies.

NNI 3.0 is the ``nni`` extra (``pip install 'clue-plugins[nni]'``); importing this package without it
raises :class:`~clue_plugins.errors.MissingDependencyError`.

- :class:`SurrogateEvaluator`: an ``nni.nas.benchmark.BenchmarkEvaluator`` that scores samples of the
  hub spaces ``NasBench201``, ``NasBench101`` and ``DARTS`` with a fitted CLUE predictor or SEval oracle
  (no torch model is built per trial), folds them into ``default`` with an
  :class:`~clue_plugins.objectives.Objective`, reports the full metric dict, and keeps every trial.
- :class:`ModelSpaceEvaluator`: any user-defined ``ModelSpace``: each sample frozen, traced to its SEval string and
  scored by SEval heads fitted on networks of that space (:func:`sample_models`, :func:`measured_latency_ms`).
- :func:`run_search`: ``NasExperiment(space, evaluator, strategy, NasExperimentConfig('sequential',
  'simplified'))`` with NNI's ``RegularizedEvolution``, ``Random`` or ``TPE``, on the evaluator's hub space or
  its user-defined one.
- :func:`compare_with_benchmark`: the trials' true accuracy and latency (shared tables or NNI's database).
"""

from __future__ import annotations


def _require_nni() -> None:
    try:
        import nni.nas.benchmark  # noqa: F401
        import nni.nas.experiment  # noqa: F401
    except ImportError as exc:
        from clue_plugins.errors import missing_dependency

        raise missing_dependency("nni", extra="nni") from exc


_require_nni()

from clue_plugins.nni.compare import compare_with_benchmark  # noqa: E402
from clue_plugins.nni.evaluator import SurrogateEvaluator  # noqa: E402
from clue_plugins.nni.model_space import ModelSpaceEvaluator, measured_latency_ms, sample_models  # noqa: E402
from clue_plugins.nni.search import STRATEGIES, SearchResult, run_search  # noqa: E402

__all__ = ["STRATEGIES", "ModelSpaceEvaluator", "SearchResult", "SurrogateEvaluator", "compare_with_benchmark",
           "measured_latency_ms", "run_search", "sample_models"]

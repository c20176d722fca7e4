"""Predictor names for NASLib configs: ours (``clue``, ``seval``) and NASLib's own model-based ones.

NASLib has no predictor registry: its runners hard-code name -> predictor dicts, and Bananas/Npenas
build their ensembles in ``Ensemble.get_ensemble`` from a fixed dict. :func:`register` wraps that one
method so that ``predictor_type: clue`` (or ``seval``) selects our predictors there, leaving every
other name to NASLib. :func:`make_predictor` is the name -> predictor map that ``naslib-run`` uses
for ``predictor:`` in predictor-evaluator configs, built like NASLib's predictor runner.
"""

from __future__ import annotations

from typing import Any, Callable

from clue_plugins.errors import ConfigError, UnknownNameError, shown
from clue_plugins.naslib.predictors import NASLibCLUEPredictor, NASLibSEvalPredictor

#: our predictor names -> classes (constructed with ss_type, seed and options)
PREDICTORS: dict[str, Callable[..., Any]] = {"clue": NASLibCLUEPredictor, "seval": NASLibSEvalPredictor}


def _naslib_predictors(ss_type: str | None, hparams_from_file: Any = False) -> dict[str, Callable[[], Any]]:
    """NASLib's model-based predictors, configured as in ``naslib/runners/predictors/runner.py``."""
    from naslib.predictors import Ensemble, GCNPredictor, LGBoost, MLPPredictor, NGBoost, RandomForestPredictor, XGBoost
    from naslib.utils.encodings import EncodingType

    onehot = EncodingType.ADJACENCY_ONE_HOT
    return {
        "bananas": lambda: Ensemble(predictor_type="bananas", num_ensemble=3, hpo_wrapper=True, ss_type=ss_type),
        "gcn": lambda: GCNPredictor(encoding_type=EncodingType.GCN, hpo_wrapper=True, ss_type=ss_type),
        "mlp": lambda: MLPPredictor(encoding_type=onehot, hpo_wrapper=False, hparams_from_file=hparams_from_file, ss_type=ss_type),
        "xgb": lambda: XGBoost(encoding_type=onehot, hpo_wrapper=False, hparams_from_file=hparams_from_file, ss_type=ss_type),
        "lgb": lambda: LGBoost(encoding_type=onehot, hpo_wrapper=False, ss_type=ss_type),
        "ngb": lambda: NGBoost(encoding_type=onehot, hpo_wrapper=False, ss_type=ss_type),
        "rf": lambda: RandomForestPredictor(encoding_type=onehot, hpo_wrapper=False, hparams_from_file=hparams_from_file, ss_type=ss_type),
    }


def make_predictor(name: str, ss_type: str | None = None, seed: int = 0, options: dict[str, Any] | None = None,
                   hparams_from_file: Any = False) -> Any:
    """A predictor by config name: ``clue``/``seval`` (with ``options``) or one of NASLib's model-based ones."""
    if name in PREDICTORS:
        return PREDICTORS[name](ss_type=ss_type, seed=seed, **(options or {}))
    if options:
        raise ConfigError(f"options are only accepted for our predictors ({', '.join(PREDICTORS)}), not {shown(name)}")
    theirs = _naslib_predictors(ss_type, hparams_from_file)
    if name not in theirs:
        raise UnknownNameError(f"unknown predictor {shown(name)}; available: {', '.join([*PREDICTORS, *theirs])}")
    return theirs[name]()


def register() -> None:
    """Let NASLib's ``Ensemble`` (Bananas, Npenas, ``predictor: bananas``...) build our predictors by name.

    Idempotent. Each ensemble member gets its own seed (0..k-1) so the ensemble's spread, which
    Bananas' acquisition functions use, is real.
    """
    from naslib.predictors.ensemble import Ensemble

    if getattr(Ensemble.get_ensemble, "_clue_registered", False):
        return
    original = Ensemble.get_ensemble

    def get_ensemble(self: Any) -> list:
        factory = PREDICTORS.get(self.predictor_type)
        if factory is None:
            return original(self)
        return [factory(ss_type=self.ss_type, seed=k) for k in range(self.num_ensemble)]

    get_ensemble._clue_registered = True  # type: ignore[attr-defined]
    Ensemble.get_ensemble = get_ensemble

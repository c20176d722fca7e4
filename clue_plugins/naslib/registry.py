"""Predictor names for NASLib configs: ours (``clue``, ``seval``) and NASLib's own model-based ones.

NASLib has no predictor registry: its runners hard-code name -> predictor dicts, and Bananas/Npenas
build their ensembles in ``Ensemble.get_ensemble`` from a fixed dict. :func:`register` wraps that one
method so that ``predictor_type: clue`` (or ``seval``) selects our predictors there, leaving every
other name to NASLib. :func:`make_predictor` is the name -> predictor map that ``naslib-run`` uses
for ``predictor:`` in predictor-evaluator configs, built like NASLib's predictor runner.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

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


#: NASLib's own ``Ensemble.get_ensemble`` while ours is installed (see :func:`register`)
_PATCHED: dict[str, Any] = {}


def register() -> None:
    """Let NASLib's ``Ensemble`` (Bananas, Npenas, ``predictor: bananas``...) build our predictors by name.

    The one change to NASLib: ``Ensemble.get_ensemble`` is wrapped, for the whole process, until
    :func:`unregister` (or use :func:`registered` as a context manager); every other ``predictor_type`` still
    goes to NASLib's own method. Idempotent. Ensemble member ``k`` of an ensemble whose config has seed ``s`` gets
    seed ``s * k_total + k``: members differ (the ensemble's spread, which Bananas' acquisition functions use, is
    real) and repeated trials with other config seeds do not share initialisations.
    """
    from naslib.predictors.ensemble import Ensemble

    if "get_ensemble" in _PATCHED or getattr(Ensemble.get_ensemble, "_clue_registered", False):
        return
    original = Ensemble.get_ensemble

    def get_ensemble(self: Any) -> list:
        factory = PREDICTORS.get(self.predictor_type)
        if factory is None:
            return original(self)
        base, options = _config_seed(self), config_options(getattr(self, "config", None), self.predictor_type)
        return [factory(ss_type=self.ss_type, seed=base * self.num_ensemble + k, **options)
                for k in range(self.num_ensemble)]

    get_ensemble._clue_registered = True  # type: ignore[attr-defined]
    _PATCHED["get_ensemble"] = original
    Ensemble.get_ensemble = get_ensemble


def unregister() -> None:
    """Put NASLib's own ``Ensemble.get_ensemble`` back (nothing to do when :func:`register` was not called)."""
    original = _PATCHED.pop("get_ensemble", None)
    if original is None:
        return
    from naslib.predictors.ensemble import Ensemble

    Ensemble.get_ensemble = original


@contextmanager
def registered() -> Iterator[None]:
    """:func:`register` for the duration of a ``with`` block; NASLib is left as it was found (still registered if it
    was before)."""
    was = "get_ensemble" in _PATCHED
    register()
    try:
        yield
    finally:
        if not was:
            unregister()


def config_options(config: Any, name: str) -> dict[str, Any]:
    """The options a NASLib config gives our predictor ``name``: its ``<name>:`` section, at the top level (as for
    ``naslib-run``'s predictor evaluator) or under ``search:`` (where Bananas and Npenas read their settings).
    Unknown options are refused by the predictor itself, naming the option and its close matches."""
    if config is None or name not in PREDICTORS:
        return {}
    found = {}
    for where, section in (("top level", config), ("search", getattr(config, "search", None))):
        getter = getattr(section, "get", None)
        value = getter(name, None) if callable(getter) else getattr(section, name, None)
        if value is None:
            continue
        if not hasattr(value, "items"):
            raise ConfigError(f"the NASLib config's {name!r} section ({where}) must be a mapping of {name} options, "
                              f"got {shown(value)}")
        found[where] = dict(value)
    if len(found) > 1 and found["top level"] != found["search"]:
        raise ConfigError(f"the NASLib config gives {name!r} options both at the top level and under search:, and they "
                          "differ; keep one of them")
    return next(iter(found.values()), {})


def _config_seed(ensemble: Any) -> int:
    """The seed of the config an ensemble was built with (NASLib's optimizers pass theirs), 0 without one."""
    seed = getattr(getattr(ensemble, "config", None), "seed", 0)
    try:
        return max(int(seed), 0)
    except (TypeError, ValueError):
        raise ConfigError(f"the NASLib config's seed must be an integer, got {shown(seed)}") from None

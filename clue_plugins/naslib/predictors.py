"""CLUE-NAS and SEval-NAS as ``naslib.predictors.Predictor`` subclasses.

NASLib hands predictors its search-space graph objects; ``adapters.naslib`` turns them into ArchSpecs
by ``ss_type`` (``nasbench101``, ``nasbench201``, ``nasbench301``), and the wrapped clue_plugins model
does the rest. Hyperparameters follow NASLib's protocol (``default_hyperparams``, ``set_hyperparams``,
``set_random_hyperparams`` for its cross-validation HPO when ``hpo_wrapper=True``).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from naslib.predictors import Predictor

from clue_plugins.spec import ArchSpec


def to_specs(archs: Sequence[Any], ss_type: str | None = None) -> list[ArchSpec]:
    """ArchSpecs of NASLib search-space objects (``ss_type`` defaults to each object's ``get_type()``)."""
    from adapters.naslib import from_naslib

    return [a if isinstance(a, ArchSpec) else from_naslib(a, ss_type) for a in archs]


class _ClueModelPredictor(Predictor):
    """Shared NASLib plumbing; subclasses say which model they build and which knobs HPO may turn."""

    #: hyperparameter -> values NASLib's random-search HPO draws from
    search_space: dict[str, Sequence[Any]] = {}

    def __init__(self, ss_type: str | None = None, encoding_type: Any = None, hpo_wrapper: bool = False,
                 seed: int = 0, **params: Any) -> None:
        super().__init__(ss_type=ss_type, encoding_type=encoding_type)
        self.hpo_wrapper = hpo_wrapper
        self.seed = seed
        self.params = params
        self._new_model(self.params).get_config()  # reject unknown or unusable options now, not at the first fit
        self.default_hyperparams = {k: self._new_model({}).get_params()[k] for k in self.search_space}
        self.hyperparams = None
        self.model = None

    def _new_model(self, params: dict[str, Any]):
        raise NotImplementedError

    def _model_params(self) -> dict[str, Any]:
        return {**self.params, **(self.hyperparams or {}), "seed": self.seed}

    def get_hyperparams(self) -> dict[str, Any]:
        return dict(self.hyperparams) if self.hyperparams is not None else dict(self.default_hyperparams)

    def set_random_hyperparams(self) -> dict[str, Any]:
        """Draw hyperparameters for NASLib's HPO (defaults on the first draw, as NASLib's own predictors)."""
        if self.hyperparams is None:
            params = dict(self.default_hyperparams)
        else:
            params = {k: values[np.random.randint(len(values))] for k, values in self.search_space.items()}
        self.set_hyperparams(params)
        return params

    def _specs(self, archs: Sequence[Any]) -> list[ArchSpec]:
        return to_specs(archs, self.ss_type)

    def fit(self, xtrain: Sequence[Any], ytrain: Sequence[float], train_info: Any = None) -> float:
        """Train on NASLib architectures and their accuracies; returns the training MAE (NASLib's convention)."""
        specs = self._specs(xtrain)
        y = np.asarray(ytrain, dtype=np.float64)
        self.model = self._fit_model(specs, y)
        return float(np.mean(np.abs(self._predict_model(specs) - y)))

    def query(self, xtest: Sequence[Any], info: Any = None) -> np.ndarray:
        """Predicted accuracies, shape (n,), in the unit ``fit`` was given."""
        if self.model is None:
            from clue_plugins.errors import NotFittedError

            raise NotFittedError(f"{type(self).__name__}.query before fit: call fit(xtrain, ytrain) first")
        return self._predict_model(self._specs(xtest))

    def _fit_model(self, specs: list[ArchSpec], y: np.ndarray):
        raise NotImplementedError

    def _predict_model(self, specs: list[ArchSpec]) -> np.ndarray:
        raise NotImplementedError


class NASLibCLUEPredictor(_ClueModelPredictor):
    """CLUE-NAS in NASLib: ``NASLibCLUEPredictor(ss_type="nasbench201", **clue_options)``.

    ``clue_options`` are the keywords of :class:`clue_plugins.predictors.clue.CLUEPredictor` (``text_encoder``,
    ``epochs``...); ``seed`` makes it deterministic (NASLib's ensembles give each member its own seed).
    """

    search_space = {"lr": (0.003, 0.01, 0.03), "epochs": (100, 200, 300), "hidden": (128, 256, 512),
                    "rank_weight": (0.5, 1.0, 2.0)}

    def _new_model(self, params: dict[str, Any]):
        from clue_plugins.predictors.clue import CLUEPredictor

        return CLUEPredictor(**params)

    def _fit_model(self, specs, y):
        return self._new_model(self._model_params()).fit(specs, y)

    def _predict_model(self, specs):
        return np.asarray(self.model.predict(specs), dtype=np.float64)


class NASLibSEvalPredictor(_ClueModelPredictor):
    """SEval-NAS in NASLib: the oracle's head for one metric (``metric="accuracy"``) on NASLib architectures.

    Extra options are the keywords of :class:`clue_plugins.predictors.seval.SEvalOracle` (``head``, ``steps``...).
    """

    search_space = {"head": ("ensemble", "ridge", "mlp"), "steps": (500, 1500, 3000), "hidden": (128, 256, 512)}

    def __init__(self, ss_type: str | None = None, encoding_type: Any = None, hpo_wrapper: bool = False,
                 seed: int = 0, metric: str = "accuracy", **params: Any) -> None:
        self.metric = metric
        super().__init__(ss_type=ss_type, encoding_type=encoding_type, hpo_wrapper=hpo_wrapper, seed=seed, **params)

    def _new_model(self, params: dict[str, Any]):
        from clue_plugins.predictors.seval import SEvalOracle

        return SEvalOracle(**params)

    def _fit_model(self, specs, y):
        return self._new_model(self._model_params()).fit(specs, {self.metric: y}, progress=False)

    def _predict_model(self, specs):
        return np.asarray(self.model.predict(specs, self.metric, progress=False)[self.metric], dtype=np.float64)

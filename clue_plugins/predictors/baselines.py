"""Baselines in the same estimator contract as CLUE-NAS: fit(specs, y) -> self, predict(specs).

- :class:`LookupBaseline`: rank by a known quantity (parameter count, FLOPs) looked up per architecture.
- :class:`MLPBaseline`: MLP on one-hot adjacency (upper triangle) + one-hot ops.
- :class:`GCNBaseline`: graph convolutional network on the op-node graph with one-hot op features.
- :class:`GBoostBaseline`: gradient-boosted trees on the CLUE features (flow + op metrics + one-hot ops).

All are scikit-learn estimators (``get_params``/``set_params``/``clone``) with ``save(path)`` / ``load(path)``
(JSON + tensors, no pickled code). ``fit`` checks the options and freezes them into ``config_``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from clue_plugins._io import load_model_dir, save_model_dir
from clue_plugins._state import seeded_torch
from clue_plugins.errors import ConfigError, DataIntegrityError, shown
from clue_plugins.ops.vocabulary import CANONICAL_OPS
from clue_plugins.predictors.base import Estimator, checked_options
from clue_plugins.predictors.features import ONE_HOT_NODES, cell_selection, graph_features, to_fraction
from clue_plugins.predictors.training import train_minibatches
from clue_plugins.spec import ArchSpec, flow_matrix, one_hot_ops

__all__ = ["GBoostBaseline", "GCNBaseline", "LookupBaseline", "MLPBaseline"]

_FORMAT = "clue-baseline/1"


def _checked(owner: str, params: dict[str, Any], ints: Sequence[str] = (), floats: Sequence[str] = ()) -> dict[str, Any]:
    """``params`` with plain Python numbers; a value no model can use raises :class:`ConfigError`."""
    out = dict(params)
    for name in ints:
        v = params[name]
        if not isinstance(v, numbers.Integral) or isinstance(v, (bool, np.bool_)) or (name != "seed" and v < 1):
            raise ConfigError(f"{owner} option {name} must be an int{'' if name == 'seed' else ' >= 1'}, got {shown(v)}")
        out[name] = int(v)
    for name in floats:
        v = params[name]
        if not isinstance(v, numbers.Real) or isinstance(v, (bool, np.bool_)) or not v > 0 or not math.isfinite(v):
            raise ConfigError(f"{owner} option {name} must be a number > 0, got {shown(v)}")
        out[name] = float(v)
    if "cells" in params and params["cells"] not in ("first", "all"):
        raise ConfigError(f"{owner} option cells must be 'first' or 'all', got {shown(params['cells'])}")
    return out


class _Saved(Estimator):
    """save/load of a baseline: ``baseline.json`` (class, fitted options, JSON state) + ``tensors.pt``."""

    def _state(self) -> tuple[dict[str, Any], Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _restore(self, meta: dict[str, Any], tensors: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def save(self, path: str | Path) -> None:
        """Write ``path/baseline.json`` and ``path/tensors.pt`` (tensors and plain data only)."""
        self._check_fitted()
        meta, tensors = self._state()
        save_model_dir(path, "baseline.json", {"format": _FORMAT, "class": type(self).__name__,
                                               "config": self.config_, **meta}, "tensors.pt", tensors)

    @classmethod
    def load(cls, path: str | Path) -> Any:
        """A baseline written by :meth:`save`."""
        meta, tensors = load_model_dir(path, "baseline.json", "tensors.pt", _FORMAT, "a baseline")
        where = Path(path) / "baseline.json"
        if meta.get("class") != cls.__name__:
            raise DataIntegrityError(f"{where} holds a {shown(meta.get('class'))}, not a {cls.__name__}: load it with "
                                     "that class")
        try:
            self = cls(**meta["config"])
            self._restore(meta, tensors)
        except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as exc:
            raise DataIntegrityError(f"{where} does not describe a {cls.__name__} this version can load "
                                     f"({type(exc).__name__}: {shown(str(exc), 160)}); save the model again") from None
        return self


class LookupBaseline(_Saved):
    """Predicts a stored value per architecture (e.g. parameter count); ``fit`` learns nothing, and ``predict``
    works without it."""

    _requires_fit = False

    @checked_options
    def __init__(self, values: Mapping[str, float], name: str = "lookup") -> None:
        self.values = values
        self.name = name

    def fit(self, specs: Sequence[ArchSpec], y: Sequence[float]) -> LookupBaseline:
        if not isinstance(self.values, Mapping):
            raise ConfigError(f"LookupBaseline values must be a mapping {{spec key: value}}, got {shown(self.values)}")
        self.config_ = {"name": str(self.name)}
        return self

    def predict(self, specs: Sequence[ArchSpec]) -> np.ndarray:
        return np.array([self.values.get(s.key, np.nan) for s in specs], dtype=np.float64)

    def save(self, path: str | Path) -> None:
        """Write ``path/baseline.json`` (the table) and an empty ``tensors.pt``."""
        values = {str(k): float(v) for k, v in self.values.items()}
        save_model_dir(path, "baseline.json", {"format": _FORMAT, "class": type(self).__name__,
                                               "config": {"name": str(self.name)}, "values": values}, "tensors.pt", {})

    @classmethod
    def load(cls, path: str | Path) -> LookupBaseline:
        """A lookup baseline written by :meth:`save`."""
        meta, _ = load_model_dir(path, "baseline.json", "tensors.pt", _FORMAT, "a baseline")
        if meta.get("class") != cls.__name__ or not isinstance(meta.get("values"), dict):
            raise DataIntegrityError(f"{Path(path) / 'baseline.json'} does not hold a LookupBaseline: save it again")
        return cls(meta["values"], **meta.get("config", {})).fit([], [])


class _TorchRegressor(_Saved):
    """Shared training (:func:`~clue_plugins.predictors.training.train_minibatches`): Adam, MSE on fractions,
    fixed epochs, seeded."""

    _fitted_attr = "net_"

    @checked_options
    def __init__(self, epochs: int = 200, lr: float = 1e-3, hidden: int = 128, batch_size: int = 16,
                 cells: str = "first", seed: int = 0) -> None:
        self.epochs = epochs
        self.lr = lr
        self.hidden = hidden
        self.batch_size = batch_size
        self.cells = cells
        self.seed = seed

    def _inputs(self, specs, cells: str):  # pragma: no cover - abstract
        raise NotImplementedError

    def _network(self, dims, hidden: int):  # pragma: no cover - abstract
        raise NotImplementedError

    def fit(self, specs: Sequence[ArchSpec], y: Sequence[float]):
        import torch

        cfg = _checked(type(self).__name__, self.get_params(deep=False), ("epochs", "hidden", "batch_size", "seed"), ("lr",))
        frac, scale = to_fraction(y)
        inputs = self._inputs(list(specs), cfg["cells"])
        gen = torch.Generator().manual_seed(cfg["seed"])
        dims = [list(a.shape[1:]) for a in inputs]
        with seeded_torch(cfg["seed"]):  # layer initialisation draws from torch's global generator
            net = self._network(dims, cfg["hidden"])
        target = torch.tensor(frac, dtype=torch.float32)
        n = len(frac)

        def batch_loss(idx):
            return torch.nn.functional.mse_loss(net(*(a[idx] for a in inputs)), target[idx])

        opt = torch.optim.Adam(net.parameters(), lr=cfg["lr"], weight_decay=1e-4)
        train_minibatches(net, opt, batch_loss, n, batch_size=cfg["batch_size"],
                          steps_per_epoch=max(1, round(n / cfg["batch_size"])), epochs=cfg["epochs"], generator=gen)
        self.config_, self.scale_, self.dims_, self.net_ = cfg, scale, dims, net
        return self

    def predict(self, specs: Sequence[ArchSpec]) -> np.ndarray:
        import torch

        self._check_fitted()
        inputs = self._inputs(list(specs), self.config_["cells"])
        with torch.no_grad():
            out = torch.cat([self.net_(*(a[i : i + 8192] for a in inputs)) for i in range(0, len(inputs[0]), 8192)])
        return out.numpy().astype(np.float64) * self.scale_

    def _state(self):
        return {"scale": self.scale_, "dims": self.dims_}, self.net_.state_dict()

    def _restore(self, meta, tensors):
        scale, dims = float(meta["scale"]), [[int(d) for d in dim] for dim in meta["dims"]]
        net = self._network(dims, int(meta["config"]["hidden"]))
        net.load_state_dict(tensors)
        self.config_, self.scale_, self.dims_, self.net_ = dict(meta["config"]), scale, dims, net.eval()


class MLPBaseline(_TorchRegressor):
    """MLP on one-hot adjacency (upper triangle) + one-hot ops (the paper's MLP baseline)."""

    def _inputs(self, specs, cells):
        import torch

        sel = cell_selection(cells)
        adj = flow_matrix(specs, pad_to=2 * 231, upper_only=True, cells=sel)  # 22 nodes -> 231 pairs per cell
        ops = one_hot_ops(specs, CANONICAL_OPS, ONE_HOT_NODES, cells=sel)
        return [torch.from_numpy(np.concatenate([adj, ops], axis=1))]

    def _network(self, dims, hidden):
        from torch import nn

        h = hidden
        return nn.Sequential(nn.Linear(dims[0][0], h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 1), nn.Flatten(0))


class GCNBaseline(_TorchRegressor):
    """Three-layer GCN (symmetric-normalised A + I, both edge directions) with mean pooling."""

    def _inputs(self, specs, cells):
        import torch

        sel = cell_selection(cells)
        n_max = ONE_HOT_NODES
        A = np.zeros((len(specs), n_max, n_max), dtype=np.float32)
        mask = np.zeros((len(specs), n_max), dtype=np.float32)
        for i, s in enumerate(specs):
            offset = 0
            for c in s._select(sel):
                k = c.num_nodes
                A[i, offset : offset + k, offset : offset + k] = c.matrix
                offset += k
            mask[i, :offset] = 1
        A = A + A.transpose(0, 2, 1) + np.eye(n_max, dtype=np.float32)[None] * mask[:, :, None]
        deg = A.sum(axis=2)
        inv = np.where(deg > 0, 1.0 / np.sqrt(np.maximum(deg, 1e-12)), 0.0).astype(np.float32)
        A = A * inv[:, :, None] * inv[:, None, :]
        X = one_hot_ops(specs, CANONICAL_OPS, n_max, cells=sel).reshape(len(specs), n_max, -1)
        return [torch.from_numpy(A), torch.from_numpy(X), torch.from_numpy(mask)]

    def _network(self, dims, hidden):
        import torch
        from torch import nn

        h, d_in = hidden, dims[1][1]

        class GCN(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(d_in, h), nn.Linear(h, h), nn.Linear(h, h)])
                self.out = nn.Linear(h, 1)

            def forward(self, A, X, mask):
                for layer in self.layers:
                    X = torch.relu(A @ layer(X))
                pooled = (X * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True)
                return self.out(pooled).squeeze(1)

        return GCN()


class GBoostBaseline(_Saved):
    """Histogram gradient boosting (scikit-learn) on flow + op metrics + one-hot ops.

    ``save`` keeps the training features and labels, and ``load`` fits the trees again from them (deterministic
    for the seed, well under a second): no pickled scikit-learn objects on disk.
    """

    _fitted_attr = "model_"

    @checked_options
    def __init__(self, cells: str = "first", seed: int = 0, max_iter: int = 300) -> None:
        self.cells = cells
        self.seed = seed
        self.max_iter = max_iter

    def _x(self, specs, cells):
        flows, ops = graph_features(specs, "metrics", cells, symmetric=False, upper_only=True)
        onehot = one_hot_ops(specs, CANONICAL_OPS, ONE_HOT_NODES, cells=cell_selection(cells))
        return np.concatenate([flows, ops, onehot], axis=1)

    def fit(self, specs: Sequence[ArchSpec], y: Sequence[float]) -> GBoostBaseline:
        cfg = _checked("GBoostBaseline", self.get_params(deep=False), ("seed", "max_iter"))
        y = np.asarray(y, dtype=np.float64)
        return self._fit_arrays(cfg, self._x(list(specs), cfg["cells"]), y)

    def _fit_arrays(self, cfg: dict[str, Any], X: np.ndarray, y: np.ndarray) -> GBoostBaseline:
        from sklearn.ensemble import HistGradientBoostingRegressor

        # tiny budgets: min_samples_leaf must allow any split at all
        model = HistGradientBoostingRegressor(max_iter=cfg["max_iter"], learning_rate=0.05,
                                              min_samples_leaf=max(1, min(20, len(y) // 5)), random_state=cfg["seed"])
        model.fit(X, y)
        self.config_, self.model_, self._train = cfg, model, (X, y)
        return self

    def predict(self, specs: Sequence[ArchSpec]) -> np.ndarray:
        self._check_fitted()
        return self.model_.predict(self._x(list(specs), self.config_["cells"]))

    def _state(self):
        import torch

        X, y = self._train
        return {}, {"X": torch.from_numpy(np.array(X, copy=True)), "y": torch.from_numpy(np.array(y, copy=True))}

    def _restore(self, meta, tensors):
        self._fit_arrays(dict(meta["config"]), tensors["X"].numpy(), tensors["y"].numpy())

"""Baselines in the same estimator contract as CLUE-NAS: fit(specs, y) -> self, predict(specs).

- :class:`LookupBaseline`: rank by a known quantity (parameter count, FLOPs) looked up per architecture.
- :class:`MLPBaseline`: MLP on one-hot adjacency (upper triangle) + one-hot ops.
- :class:`GCNBaseline`: graph convolutional network on the op-node graph with one-hot op features.
- :class:`GBoostBaseline`: gradient-boosted trees on the CLUE features (flow + op metrics + one-hot ops).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from clue_plugins._state import seeded_torch
from clue_plugins.errors import NotFittedError
from clue_plugins.ops.vocabulary import CANONICAL_OPS
from clue_plugins.predictors.features import ONE_HOT_NODES, cell_selection, graph_features, to_fraction
from clue_plugins.spec import ArchSpec, flow_matrix, one_hot_ops


class LookupBaseline:
    """Predicts a stored value per architecture (e.g. parameter count); ``fit`` learns nothing."""

    def __init__(self, values: Mapping[str, float], name: str = "lookup") -> None:
        self.values = values
        self.name = name

    def fit(self, specs: Sequence[ArchSpec], y: Sequence[float]) -> "LookupBaseline":
        return self

    def predict(self, specs: Sequence[ArchSpec]) -> np.ndarray:
        return np.array([self.values.get(s.key, np.nan) for s in specs], dtype=np.float64)


class _TorchRegressor:
    """Shared training loop: Adam, MSE on fractions, fixed epochs, seeded."""

    def __init__(self, epochs: int = 200, lr: float = 1e-3, hidden: int = 128, batch_size: int = 16,
                 cells: str = "first", seed: int = 0) -> None:
        self.epochs, self.lr, self.hidden, self.batch_size, self.cells, self.seed = epochs, lr, hidden, batch_size, cells, seed

    def _inputs(self, specs):  # pragma: no cover - abstract
        raise NotImplementedError

    def _network(self, dims):  # pragma: no cover - abstract
        raise NotImplementedError

    def fit(self, specs: Sequence[ArchSpec], y: Sequence[float]):
        import torch

        frac, self.scale_ = to_fraction(y)
        inputs = self._inputs(list(specs))
        gen = torch.Generator().manual_seed(self.seed)
        with seeded_torch(self.seed):  # layer initialisation draws from torch's global generator
            self.net_ = self._network([a.shape[1:] for a in inputs])
        opt = torch.optim.Adam(self.net_.parameters(), lr=self.lr, weight_decay=1e-4)
        target = torch.tensor(frac, dtype=torch.float32)
        n = len(frac)
        steps = max(1, round(n / self.batch_size))
        self.net_.train()
        for _ in range(self.epochs):
            for _ in range(steps):
                idx = torch.randint(0, n, (self.batch_size,), generator=gen)
                loss = torch.nn.functional.mse_loss(self.net_(*(a[idx] for a in inputs)), target[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        self.net_.eval()
        return self

    def predict(self, specs: Sequence[ArchSpec]) -> np.ndarray:
        import torch

        if not hasattr(self, "net_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit first")
        inputs = self._inputs(list(specs))
        with torch.no_grad():
            out = torch.cat([self.net_(*(a[i : i + 8192] for a in inputs)) for i in range(0, len(inputs[0]), 8192)])
        return out.numpy().astype(np.float64) * self.scale_


class MLPBaseline(_TorchRegressor):
    """MLP on one-hot adjacency (upper triangle) + one-hot ops (the paper's MLP baseline)."""

    def _inputs(self, specs):
        import torch

        sel = cell_selection(self.cells)
        adj = flow_matrix(specs, pad_to=2 * 231, upper_only=True, cells=sel)  # 22 nodes -> 231 pairs per cell
        ops = one_hot_ops(specs, CANONICAL_OPS, ONE_HOT_NODES, cells=sel)
        return [torch.from_numpy(np.concatenate([adj, ops], axis=1))]

    def _network(self, dims):
        from torch import nn

        h = self.hidden
        return nn.Sequential(nn.Linear(dims[0][0], h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 1), nn.Flatten(0))


class GCNBaseline(_TorchRegressor):
    """Three-layer GCN (symmetric-normalised A + I, both edge directions) with mean pooling."""

    def _inputs(self, specs):
        import torch

        sel = cell_selection(self.cells)
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

    def _network(self, dims):
        import torch
        from torch import nn

        h, d_in = self.hidden, dims[1][1]

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


class GBoostBaseline:
    """Histogram gradient boosting (scikit-learn) on flow + op metrics + one-hot ops."""

    def __init__(self, cells: str = "first", seed: int = 0, max_iter: int = 300) -> None:
        self.cells, self.seed, self.max_iter = cells, seed, max_iter

    def _x(self, specs):
        flows, ops = graph_features(specs, "metrics", self.cells, symmetric=False, upper_only=True)
        onehot = one_hot_ops(specs, CANONICAL_OPS, ONE_HOT_NODES, cells=cell_selection(self.cells))
        return np.concatenate([flows, ops, onehot], axis=1)

    def fit(self, specs: Sequence[ArchSpec], y: Sequence[float]) -> "GBoostBaseline":
        from sklearn.ensemble import HistGradientBoostingRegressor

        y = np.asarray(y, dtype=np.float64)
        # tiny budgets: min_samples_leaf must allow any split at all
        self.model_ = HistGradientBoostingRegressor(max_iter=self.max_iter, learning_rate=0.05,
                                                    min_samples_leaf=max(1, min(20, len(y) // 5)), random_state=self.seed)
        self.model_.fit(self._x(list(specs)), y)
        return self

    def predict(self, specs: Sequence[ArchSpec]) -> np.ndarray:
        if not hasattr(self, "model_"):
            raise NotFittedError("GBoostBaseline is not fitted yet: call fit first")
        return self.model_.predict(self._x(list(specs)))


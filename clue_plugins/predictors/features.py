"""Turn ArchSpecs into the arrays predictors consume (one place, so every predictor sees the same)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from clue_plugins.ops.vocabulary import CANONICAL_OPS
from clue_plugins.spec import ArchSpec, flow_matrix, one_hot_ops, op_metric_matrix

#: Nodes covered by one-hot encodings (two 11-node DARTS cells fit).
ONE_HOT_NODES = 22


def cell_selection(cells: str) -> Sequence[int] | None:
    """``"first"`` -> the first cell only (the paper: NB301 normal cell); ``"all"`` -> every cell."""
    if cells == "first":
        return (0,)
    if cells == "all":
        return None
    raise ValueError(f"cells must be 'first' or 'all', got {cells!r}")


def graph_features(specs: Sequence[ArchSpec], op_features: str = "metrics", cells: str = "first",
                   symmetric: bool = True, upper_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(flow vectors, op vectors) for ``specs``; ``op_features`` is ``metrics`` or ``onehot``."""
    sel = cell_selection(cells)
    flows = flow_matrix(specs, symmetric=symmetric, upper_only=upper_only, cells=sel)
    if op_features == "metrics":
        ops = op_metric_matrix(specs, cells=sel)
    elif op_features == "onehot":
        ops = one_hot_ops(specs, CANONICAL_OPS, ONE_HOT_NODES, cells=sel)
    else:
        raise ValueError(f"op_features must be 'metrics' or 'onehot', got {op_features!r}")
    return flows, ops


def to_fraction(accuracies: Sequence[float]) -> tuple[np.ndarray, float]:
    """Accuracies as fractions in [0, 1] and the factor that restores the caller's unit.

    Values above 1 anywhere mean percent (factor 100); otherwise fractions (factor 1).
    """
    y = np.asarray(accuracies, dtype=np.float64)
    if y.ndim != 1 or not np.isfinite(y).all():
        raise ValueError("accuracies must be a 1-d sequence of finite numbers")
    if (y < 0).any() or (y > 100).any():
        raise ValueError("accuracies must lie in [0, 1] (fractions) or [0, 100] (percent)")
    scale = 100.0 if (y > 1.0).any() else 1.0
    return y / scale, scale

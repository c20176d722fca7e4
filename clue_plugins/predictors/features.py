"""Turn ArchSpecs into the arrays predictors consume (one place, so every predictor sees the same)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from clue_plugins.errors import ConfigError, shown
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
    raise ConfigError(f"cells must be 'first' or 'all', got {shown(cells)}")


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
        raise ConfigError(f"op_features must be 'metrics' or 'onehot', got {shown(op_features)}")
    return flows, ops


UNITS = ("auto", "percent", "fraction")


def to_fraction(accuracies: Sequence[float], unit: str = "auto") -> tuple[np.ndarray, float]:
    """Accuracies as fractions in [0, 1] and the factor that restores the caller's unit.

    ``unit="auto"`` reads values above 1 as percent (factor 100), otherwise fractions (factor 1), and refuses
    labels that look like a mix of both (e.g. 0.9 next to 90); ``"percent"`` / ``"fraction"`` say it outright.
    """
    if unit not in UNITS:
        raise ConfigError(f"unit must be one of {', '.join(UNITS)}, got {shown(unit)}")
    try:
        y = np.asarray(accuracies, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"accuracies must be numbers, got {shown(accuracies)}") from None
    if y.ndim != 1 or not np.isfinite(y).all():
        raise ConfigError("accuracies must be a 1-d sequence of finite numbers (no NaN, inf or nested lists)")
    if (y < 0).any() or (y > 100).any():
        raise ConfigError("accuracies must lie in [0, 1] (fractions) or [0, 100] (percent); "
                          f"got values from {y.min():g} to {y.max():g}")
    if unit == "fraction" and (y > 1).any():
        raise ConfigError(f"unit='fraction' but {int((y > 1).sum())} accuracies are above 1 (max {y.max():g}): "
                          "pass percent labels with unit='percent'")
    if unit == "auto":
        unit = "percent" if (y > 1.0).any() else "fraction"
        small = y[(y > 0) & (y <= 1.0)]
        if unit == "percent" and len(small):
            # a chance-level network scores below 1 % legitimately; a fraction among percent labels sits, once
            # multiplied by 100, inside the range of the other labels
            big = y[y > 1.0]
            mixed = small[(small * 100 >= big.min()) & (small * 100 <= big.max())]
            if len(mixed):
                raise ConfigError(f"accuracies mix fractions and percent: {len(mixed)} value(s) such as "
                                  f"{mixed[0]:g} look like fractions of the others (from {big.min():g} to "
                                  f"{big.max():g}); convert them to one unit, or pass unit='percent' if "
                                  "values below 1 % are real")
    scale = 100.0 if unit == "percent" else 1.0
    return y / scale, scale

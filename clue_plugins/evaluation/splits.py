"""Train/test splits that never put an architecture (or an equivalent one) on both sides."""

from __future__ import annotations

import numpy as np
from clue_plugins.errors import ConfigError


def split(groups: np.ndarray, budget: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``budget`` random training rows; the test rows are all rows whose group has no training row.

    ``groups`` holds each row's iso key, so isomorphic or functionally identical cells of a training
    cell are excluded from the test set too.
    """
    n = len(groups)
    if not 0 < budget < n:
        raise ConfigError(f"budget must be between 1 and {n - 1}, got {budget}")
    rng = np.random.default_rng(seed)
    train = np.sort(rng.choice(n, size=budget, replace=False))
    seen = set(groups[train].tolist())
    test = np.array([i for i in range(n) if groups[i] not in seen], dtype=np.int64)
    return train, test

"""Rank correlations (scipy.stats), ignoring rows a predictor cannot score (NaN)."""

from __future__ import annotations

import numpy as np
from scipy import stats


def rank_correlations(pred: np.ndarray, true: np.ndarray) -> dict[str, float]:
    pred, true = np.asarray(pred, float), np.asarray(true, float)
    ok = np.isfinite(pred) & np.isfinite(true)
    if ok.sum() < 3 or np.ptp(pred[ok]) == 0:
        return {"spearman": float("nan"), "kendall": float("nan"), "n_scored": int(ok.sum())}
    return {
        "spearman": float(stats.spearmanr(pred[ok], true[ok])[0]),
        "kendall": float(stats.kendalltau(pred[ok], true[ok])[0]),
        "n_scored": int(ok.sum()),
    }

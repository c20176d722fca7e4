"""Moving away from a training-free prior as labels arrive, and a calibrated, bounded output (used by CLUE-NAS and
SEval's accuracy heads; docs/clue.md, "Around the network").

A learned model's score and the prior are blended as ``(1 - w) * prior + w * model`` (both standardised): ``w = 0``
below ``CV_MIN_LABELS`` labels, then ``DEFAULT_SHRINKAGE`` or a value chosen by cross-validation. A strictly
increasing curve, fitted on out-of-fold scores, then maps the blend to the labels' unit, so it changes no ranking.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["CV_MIN_LABELS", "DEFAULT_SHRINKAGE", "SHRINKAGE_GRID", "blend_with_prior", "calibrated", "checked_blend",
           "choose_shrinkage",
           "fit_curve", "group_folds"]

#: Fewer training labels than this: the prior alone ranks (shrinkage 0); a model fitted on so few labels ranked
#: worse than the prior in every measurement (docs/RESULTS.md).
CV_MIN_LABELS = 10
#: The shrinkage from ``CV_MIN_LABELS`` labels on, unless fixed or cross-validated: the prior and the model's
#: standardised scores with equal weight.
DEFAULT_SHRINKAGE = 0.5
#: Shrinkage values cross-validation chooses from (``cross_validate=True``): the prior alone, equal weights, the
#: model alone. Measured on NB201 (docs/RESULTS.md, ablation), cross-validation chose worse than equal weights (so did
#: a grid of 11 values): each out-of-fold score comes from one model trained on part of the labels, while the final
#: score averages every fold's model and ranks better than any of them, so cross-validation underrates the model.
SHRINKAGE_GRID = np.array([0.0, 0.5, 1.0])


def group_folds(groups: Sequence[str], folds: int, seed: int) -> tuple[np.ndarray, int]:
    """(fold of every row, number of folds): rows of one group share a fold, folds >= 2 or 1 (no split).

    Equivalent architectures (same ``iso_key``) must share a fold: otherwise a model looks good out of fold by
    remembering a copy of the architecture, which held-out architectures never offer.
    """
    _, group = np.unique(np.asarray(groups), return_inverse=True)
    n_groups = int(group.max()) + 1 if len(group) else 0
    k = min(folds, len(group) // 2, n_groups) if folds > 1 else 1
    if k < 2:
        return np.zeros(len(group), dtype=np.int64), 1
    order = np.random.default_rng(seed).permutation(n_groups)
    return (order[group] % k).astype(np.int64), k


def choose_shrinkage(prior: np.ndarray, held_out: np.ndarray, y: np.ndarray, *, fixed: float | None = None,
                     cross_validate: bool = False, can_cross_validate: bool = True) -> tuple[float, list[float]]:
    """(w, Spearman of every grid value when cross-validated) for the standardised ``prior`` and the model's
    out-of-fold scores ``held_out``.

    ``fixed`` is used as given. Below ``CV_MIN_LABELS`` labels ``w`` is 0 (the prior); from there
    ``DEFAULT_SHRINKAGE``, or with ``cross_validate`` (and folds to do it with) the grid value whose out-of-fold blend
    ranks the labels best, the smallest among equals.
    """
    from scipy.stats import spearmanr

    if fixed is not None:
        return float(fixed), []
    if len(y) < CV_MIN_LABELS:
        return 0.0, []
    if not (cross_validate and can_cross_validate):
        return DEFAULT_SHRINKAGE, []
    cv = []
    for w in SHRINKAGE_GRID:
        blend = (1.0 - w) * prior + w * held_out
        rho = spearmanr(blend, y)[0] if np.ptp(blend) > 0 else np.nan
        cv.append(float(rho) if np.isfinite(rho) else -1.0)
    return float(SHRINKAGE_GRID[int(np.argmax(cv))]), cv


def blend_with_prior(prior: np.ndarray, held_out: np.ndarray, y: np.ndarray, *, fixed: float | None = None,
                     cross_validate: bool = False, can_cross_validate: bool = True, bounded: bool = True) -> dict[str, Any]:
    """How a model's standardised out-of-fold scores ``held_out`` are weighed against the ``prior`` of the same
    rows, and the curve that maps the blend to the labels ``y``: ``prior`` (mean, scale), ``shrinkage``,
    ``cv_spearman``, ``range`` (lowest label, span) and ``curve``. A prior without spread leaves the model alone."""
    pm, ps = float(prior.mean()), float(prior.std())
    ps = ps if ps >= 1e-12 else 1.0
    z = (prior - pm) / ps
    if np.ptp(prior) < 1e-12:  # nothing to shrink towards
        w, cv = 1.0, []
    else:
        w, cv = choose_shrinkage(z, held_out, y, fixed=fixed, cross_validate=cross_validate,
                                 can_cross_validate=can_cross_validate)
    lo, hi = float(y.min()), float(y.max())
    span = hi - lo if hi > lo else 1.0
    return {"prior": [pm, ps], "shrinkage": w, "cv_spearman": cv, "range": [lo, span],
            "curve": fit_curve((1.0 - w) * z + w * held_out, (y - lo) / span, bounded)}


def fit_curve(score: np.ndarray, u: np.ndarray, bounded: bool) -> list[float]:
    """(a, b) of ``u ~ sigmoid(a + b * score)`` (bounded) or ``u ~ a + b * score``, least squares, b > 0: a
    strictly increasing map, so the ranking is the score's."""
    if not bounded:
        b = float(np.polyfit(score, u, 1)[0]) if np.ptp(score) > 0 else 0.0
        b = max(b, 1e-3)
        return [float(u.mean() - b * score.mean()), b]
    from scipy.optimize import least_squares

    # a steep curve would round many predictions to exactly the highest label in float64 (ties that cost rank
    # correlation; one low outlier among the labels asks for exactly that): |a + b * score| stays below 16 on the
    # training scores, so scores up to about twice as far out still map to distinct values
    b_max = max(8.0 / max(float(np.abs(score).max()), 1e-12), 2e-3)
    c = np.clip(u, 0.05, 0.95)
    logit = np.log(c / (1 - c))
    b0 = float(np.polyfit(score, logit, 1)[0]) if np.ptp(score) > 0 else 1.0
    b0 = min(max(b0, 0.1), b_max * 0.99) if b_max * 0.99 > 1e-3 else b_max * 0.99
    x0 = np.array([float(np.clip(logit.mean() - b0 * score.mean(), -7.9, 7.9)), b0])
    fit = least_squares(lambda ab: 1.0 / (1.0 + np.exp(-(ab[0] + ab[1] * score))) - u, x0,
                        bounds=([-8.0, 1e-3], [8.0, b_max]))
    return [float(fit.x[0]), float(fit.x[1])]


def calibrated(curve: Sequence[float], lo: float, span: float, score: np.ndarray, bounded: bool) -> np.ndarray:
    """The score on the labels' scale (fractions): ``lo + span * sigmoid(a + b * score)``, strictly inside the
    training labels' range, or unbounded ``lo + span * (a + b * score)`` clipped to [0, 1]."""
    a, b = curve
    if bounded:
        return lo + span / (1.0 + np.exp(-(a + b * score)))
    return np.clip(lo + span * (a + b * score), 0.0, 1.0)


def checked_blend(blend: Any, pairs: Sequence[str] = ("prior", "range", "curve")) -> dict[str, Any]:
    """The numbers of a saved blend as floats: ``pairs`` (each ``[value, positive scale or slope]``), ``shrinkage``
    and ``cv_spearman``. A missing, non-finite or out-of-range value raises ValueError (the caller names the file)."""
    if not isinstance(blend, dict):
        raise TypeError("blend is not an object")
    out = {key: [float(v) for v in blend[key]] for key in pairs}
    w = float(blend["shrinkage"])
    if (any(len(v) != 2 or not np.isfinite(v).all() or not v[1] > 0 for v in out.values()) or not 0.0 <= w <= 1.0):
        raise ValueError("blend values out of range")
    return {**out, "shrinkage": w, "cv_spearman": [float(v) for v in blend.get("cv_spearman", [])]}

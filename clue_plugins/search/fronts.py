"""Accuracy-latency fronts: the non-dominated points of a set of architectures and the area they dominate."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["hypervolume", "pareto_front"]


def pareto_front(points: np.ndarray) -> np.ndarray:
    """Rows (accuracy, latency) not dominated by another (higher accuracy and lower latency), by latency."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    pts = pts[np.lexsort((-pts[:, 0], pts[:, 1]))]  # latency ascending, ties: best accuracy first
    front, best = [], -math.inf
    for acc, lat in pts:
        if acc > best:
            front.append((acc, lat))
            best = acc
    return np.array(front).reshape(-1, 2)


def hypervolume(points: np.ndarray, ref_accuracy: float, budget: float) -> float:
    """Area dominated by ``points`` (accuracy up, latency down) inside accuracy >= ref, latency <= budget."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    pts = pts[(pts[:, 1] <= budget) & (pts[:, 0] > ref_accuracy)]
    area, prev = 0.0, ref_accuracy
    for acc, lat in pareto_front(pts):
        area += (acc - prev) * (budget - lat)
        prev = acc
    return area

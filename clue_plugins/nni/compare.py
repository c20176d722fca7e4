"""Found architectures against their true benchmark numbers: the shared tables, or NNI's own database."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from clue_plugins.errors import ConfigError, MissingDataError


def _true_from_tables(keys: list[str], dataset: str, device: str | None) -> tuple[list[float], list[float], np.ndarray]:
    from clue_plugins.data import load

    table = load("nb201")
    rows = [table.row_of(k) for k in keys]  # KeyError naming a cell the table lacks
    acc = table.column(f"{dataset}.test_acc").astype(float)
    lat = table.column(f"latency_ms.{device}").astype(float) if device else None
    return ([float(acc[i]) for i in rows], [float(lat[i]) if lat is not None else math.nan for i in rows], acc)


def _true_from_nni(samples: list[dict], dataset: str) -> list[float]:
    import os

    from nni.nas.benchmark.constants import DATABASE_DIR, DB_URLS
    from nni.nas.benchmark.evaluator import _strip_common_label_scope

    path = os.path.join(DATABASE_DIR, os.path.basename(DB_URLS["nasbench201"]))
    how = ("create it with `python -m nni.nas.benchmark.download nasbench201` (or set NASBENCHMARK_DIR to where it is), "
           "or use source='tables'")
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        raise MissingDataError(f"NNI's NAS-Bench-201 database is not at {path}; {how}")
    from nni.nas.benchmark.nasbench201 import query_nb201_trial_stats

    out = []
    for s in samples:
        rows = list(query_nb201_trial_stats(dict(sorted(_strip_common_label_scope(s).items())), 200, dataset))
        if not rows:  # the full database has every cell: an empty answer means an incomplete file
            raise MissingDataError(f"NNI's NAS-Bench-201 database at {path} has no entry for {s}; it is incomplete: {how}")
        out.append(float(np.mean([r["test_acc"] for r in rows])))
    return out


def compare_with_benchmark(result: Any, dataset: str = "cifar10", device: str | None = None, top_k: int = 5,
                           source: str = "tables", latency_budget: float | None = None) -> dict[str, Any]:
    """True NB201 accuracy (and latency on ``device``) of a search's trials, and budget misses.

    ``source="tables"`` reads the shared benchmark tables ($CLUE_DATA_DIR); ``source="nni"`` NNI's
    NAS-Bench-201 database (accuracy only). ``latency_budget``: every returned (top-k feasible) trial
    whose true latency exceeds it is listed under ``budget_misses``.
    """
    if result.space != "NasBench201":
        raise ConfigError(f"true numbers are available for NasBench201 only, not {result.space}")
    if source not in ("tables", "nni"):
        raise ConfigError(f"source must be 'tables' or 'nni', got {source!r}")
    keys = [t["key"] for t in result.trials]
    true_acc, true_lat, space_acc = _true_from_tables(keys, dataset, device)
    if source == "nni":
        true_acc = _true_from_nni([t["sample"] for t in result.trials], dataset)
    by_key = {k: (a, lat) for k, a, lat in zip(keys, true_acc, true_lat)}
    returned = result.top(top_k, feasible_only=True)
    rows = [{"key": t["key"], "predicted": {m: t[m] for m in ("accuracy", "latency", "memory")},
             "true_accuracy": by_key[t["key"]][0], "true_latency_ms": by_key[t["key"]][1]} for t in returned]
    best = by_key[result.best["key"]][0]
    space = space_acc[np.isfinite(space_acc)]
    out = {"dataset": dataset, "source": source, "space_median_accuracy": float(np.median(space)),
           "best_true_accuracy": best, "best_true_percentile": float((space < best).mean() * 100),
           "best_found_true_accuracy": max(true_acc), "returned": rows}
    if latency_budget is not None:
        if device is None:
            raise ConfigError("latency_budget needs device= (the latency table to check against)")
        out["latency_budget_ms"] = latency_budget
        out["budget_misses"] = [r for r in rows if r["true_latency_ms"] > latency_budget]
    return out

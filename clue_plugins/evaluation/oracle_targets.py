"""The SEval oracle's targets on NB201: every cell, every metric an oracle head can learn, and FLOPs.

Metrics (one source of truth, :func:`oracle_metrics`): ``accuracy.<dataset>`` (200-epoch test accuracy),
``latency.<device>`` (every HELP latency table in the shared data, plus ``latency.nats-gpu``, the
NATS-Bench GPU latency), ``memory`` (the generated training-memory table, ``meta`` column; and
``memory.cuda`` where a CUDA column was measured). The library trains hardware heads on them
(:func:`clue_plugins.surrogate.fit_hardware_oracle`); ``clue-nas evaluate-oracle`` scores the oracle on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["OracleData", "oracle_metrics"]


@dataclass(frozen=True)
class OracleData:
    """The cells (``ArchSpec``), each metric's values in their order (NaN if unmeasured), their CIFAR-10 FLOPs (M)."""

    specs: list
    metrics: dict[str, np.ndarray]
    flops: np.ndarray


def oracle_metrics(memory_table: str | Path | None = None, subset: int | None = None) -> OracleData:
    """NB201 specs, every oracle metric and FLOPs (filled from our own network where NATS lacks it).

    ``subset``: keep a fixed random sample of that many cells (quick runs and tests).
    """
    from clue_plugins.data import DATASETS, DEVICES, load
    from clue_plugins.errors import MissingDataError

    table = load("nb201")
    metrics = {f"accuracy.{ds}": table.column(f"{ds}.test_acc") for ds in DATASETS}
    metrics.update({f"latency.{d}": table.column(f"latency_ms.{d}") for d in DEVICES})
    metrics["latency.nats-gpu"] = table.column("cifar10.gpu_latency_s") * 1000.0
    try:
        from clue_plugins.networks.memory_table import load_memory_table

        mem = load_memory_table("nb201", memory_table)
        if len(mem) == len(table.specs) and (mem["key"].to_numpy() == np.array([s.key for s in table.specs])).all():
            metrics["memory"] = mem["meta_mb"].to_numpy(float)
            if "cuda_mb" in mem:
                metrics["memory.cuda"] = mem["cuda_mb"].to_numpy(float)
    except MissingDataError:
        pass  # no memory table yet: the other metrics are still evaluated
    flops = table.column("cifar10.flops_M").astype(float).copy()
    missing = np.flatnonzero(~np.isfinite(flops))
    if len(missing):
        import torch

        from clue_plugins.networks import build_network, count_flops_m

        for i in missing:
            with torch.device("meta"):
                flops[i] = count_flops_m(build_network(table.specs[i]))
    if subset is None:
        return OracleData(list(table.specs), metrics, flops)
    keep = np.random.default_rng(0).permutation(len(table.specs))[:subset]
    return OracleData([table.specs[i] for i in keep], {m: v[keep] for m, v in metrics.items()}, flops[keep])

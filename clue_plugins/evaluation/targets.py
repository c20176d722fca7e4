"""Evaluation targets: a space's labelled architectures plus what baselines look up."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from clue_plugins import benchmarks
from clue_plugins.spec import ArchSpec

#: target id -> (space, accuracy column, params column, flops column)
TARGETS: dict[str, tuple[str, str, str, str]] = {
    "nb201-cifar10": ("nb201", "cifar10.test_acc", "cifar10.params_M", "cifar10.flops_M"),
    "nb201-cifar100": ("nb201", "cifar100.test_acc", "cifar100.params_M", "cifar100.flops_M"),
    "nb201-ImageNet16-120": ("nb201", "ImageNet16-120.test_acc", "ImageNet16-120.params_M", "ImageNet16-120.flops_M"),
    "nb101": ("nb101", "val_acc", "zc.params", "zc.flops"),
    "nb301": ("nb301", "val_acc", "zc.params", "zc.flops"),
}


@dataclass
class Target:
    name: str
    space: str
    specs: list[ArchSpec]
    y: np.ndarray
    params: dict[str, float]
    flops: dict[str, float]
    notes: list[str] = field(default_factory=list)
    _groups: np.ndarray | None = None

    @property
    def groups(self) -> np.ndarray:
        """Iso-key group of every architecture: a split keeps each group on one side."""
        if self._groups is None:
            self._groups = np.array([s.iso_key() for s in self.specs])
        return self._groups


@functools.lru_cache(maxsize=None)
def load_target(name: str) -> Target:
    if name not in TARGETS:
        raise KeyError(f"unknown evaluation target {name!r}; choose from {', '.join(TARGETS)}")
    space, acc, params, flops = TARGETS[name]
    table = benchmarks.load(space)
    keys = [s.key for s in table.specs]
    lookup = lambda col: {k: float(v) for k, v in zip(keys, table.column(col)) if np.isfinite(v)}  # noqa: E731
    return Target(name, space, table.specs, table.column(acc).astype(float), lookup(params), lookup(flops), list(table.notes))

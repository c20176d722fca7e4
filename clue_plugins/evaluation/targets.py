"""Evaluation targets: a space's labelled architectures plus what baselines look up."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from clue_plugins.errors import UnknownNameError, shown
from clue_plugins.spaces.registry import SpaceView, get_space, spaces
from clue_plugins.spec import ArchSpec


def _targets() -> dict[str, tuple[str, str, str, str]]:
    return {tid: (s.name, c.accuracy, c.params, c.flops) for s in spaces() for tid, c in s.targets.items()}


#: target id -> (space, accuracy column, params column, flops column): a live view of every space descriptor's
#: ``targets`` (:class:`clue_plugins.spaces.TargetColumns`), so a registered space's targets are here too.
TARGETS = SpaceView(_targets, "evaluation target")


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


#: targets installed by :func:`install_targets` (a Ray worker gets them from the object store, not from disk)
_SHARED: dict[str, Target] = {}


def install_targets(targets: dict[str, Target]) -> None:
    """Make ``load_target`` answer these targets without reading the data folder (distributed workers)."""
    _SHARED.update(targets)


def load_target(name: str) -> Target:
    """The evaluation target ``name`` (loaded once per process)."""
    shared = _SHARED.get(name)
    return shared if shared is not None else _load_target(name)


@functools.lru_cache(maxsize=None)
def _load_target(name: str) -> Target:
    if name not in TARGETS:
        raise UnknownNameError(f"unknown evaluation target {shown(name)}; choose from {', '.join(TARGETS)}")
    space, acc, params, flops = TARGETS[name]
    table = get_space(space).load_benchmark()
    keys = [s.key for s in table.specs]
    lookup = lambda col: {k: float(v) for k, v in zip(keys, table.column(col)) if np.isfinite(v)}  # noqa: E731
    return Target(name, space, table.specs, table.column(acc).astype(float), lookup(params), lookup(flops), list(table.notes))

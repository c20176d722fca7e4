"""The uniform result of every loader: ArchSpecs plus a table of metrics, and its on-disk cache."""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from clue_plugins._io import atomic_path, cache_dir
from clue_plugins.errors import ClueError
from clue_plugins.spec import ArchSpec

CACHE_VERSION = 1


@dataclass
class BenchmarkTable:
    """Architectures of one space with their measured metrics (row i of ``metrics`` is ``specs[i]``).

    Accuracies are in percent, latencies in the unit their column names say (``_ms``, ``_s``).
    ``notes`` carries caveats every consumer should print (e.g. surrogate labels).
    """

    space: str
    specs: list[ArchSpec]
    metrics: pd.DataFrame
    source: str
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.specs) != len(self.metrics):
            raise ClueError(f"{len(self.specs)} specs but {len(self.metrics)} metric rows")
        self._row_of: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.specs)

    @property
    def columns(self) -> list[str]:
        return list(self.metrics.columns)

    def column(self, name: str) -> np.ndarray:
        """One metric as a float array, with an error that lists the available columns."""
        if name not in self.metrics.columns:
            raise KeyError(f"no metric {name!r} in this {self.space} table; available: {', '.join(self.columns)}")
        return self.metrics[name].to_numpy()

    def row_of(self, spec: ArchSpec | str) -> int:
        """Row index of ``spec`` (or of its key), raising KeyError if the table does not hold it."""
        if self._row_of is None:
            self._row_of = {s.key: i for i, s in enumerate(self.specs)}
        key = spec if isinstance(spec, str) else spec.key
        try:
            return self._row_of[key]
        except KeyError:
            raise KeyError(f"architecture {key} is not in this {self.space} table") from None

    def subset(self, rows: Sequence[int] | np.ndarray) -> "BenchmarkTable":
        rows = np.asarray(rows, dtype=np.int64)
        return BenchmarkTable(self.space, [self.specs[i] for i in rows], self.metrics.iloc[rows].reset_index(drop=True),
                              self.source, list(self.notes))

    def best(self, name: str) -> tuple[ArchSpec, float]:
        values = self.column(name)
        i = int(np.nanargmax(values))
        return self.specs[i], float(values[i])

    def summary(self) -> str:
        lines = [f"{self.space}: {len(self)} architectures from {self.source}"]
        for note in self.notes:
            lines.append(f"  note: {note}")
        return "\n".join(lines)


def file_digest(paths: Sequence[Path]) -> str:
    h = hashlib.sha256(f"v{CACHE_VERSION}".encode())
    for p in paths:
        h.update(p.name.encode())
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:20]


def cached(name: str, sources: Sequence[Path], build: Callable[[], BenchmarkTable]) -> BenchmarkTable:
    """Return ``build()``, cached on disk under a key of the source files' content."""
    path = cache_dir() / "benchmarks" / f"{name}-{file_digest(sources)}.pkl"
    if path.exists():
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # a damaged or incompatible cache is rebuilt, never trusted
            pass
    table = build()
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            pickle.dump(table, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        pass  # a read-only cache folder only costs speed
    return table

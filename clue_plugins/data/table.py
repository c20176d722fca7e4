"""The uniform result of every loader: ArchSpecs plus a table of metrics, and its on-disk cache."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from clue_plugins._io import atomic_path, cache_dir
from clue_plugins.data.sources import checked_sha256
from clue_plugins.errors import ClueError, ConfigError, UnknownNameError
from clue_plugins.ops.vocabulary import canonical_op
from clue_plugins.spec import ArchSpec, Cell

CACHE_VERSION = 2


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
            raise ConfigError(f"{len(self.specs)} specs but {len(self.metrics)} metric rows")
        self._row_of: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.specs)

    @property
    def columns(self) -> list[str]:
        return list(self.metrics.columns)

    def column(self, name: str) -> np.ndarray:
        """One metric as a float array, with an error that lists the available columns."""
        if name not in self.metrics.columns:
            raise UnknownNameError(f"no metric {name!r} in this {self.space} table; available: {', '.join(self.columns)}")
        return self.metrics[name].to_numpy()

    def row_of(self, spec: ArchSpec | str) -> int:
        """Row index of ``spec`` (or of its key), raising KeyError if the table does not hold it."""
        if self._row_of is None:
            self._row_of = {s.key: i for i, s in enumerate(self.specs)}
        key = spec if isinstance(spec, str) else spec.key
        try:
            return self._row_of[key]
        except KeyError:
            raise UnknownNameError(f"architecture {key} is not in this {self.space} table") from None

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


def file_digest(paths: Sequence[Path], verify: bool | None = None) -> str:
    """Cache key of the files' content: their sha256 (each file hashed once, and checked against the
    registry on the way, see :func:`~clue_plugins.data.sources.checked_sha256`)."""
    h = hashlib.sha256(f"v{CACHE_VERSION}".encode())
    for p in paths:
        h.update(p.name.encode() + b"\0" + checked_sha256(p, verify).encode() + b"\0")
    return h.hexdigest()[:20]


def cache_path(name: str, sources: Sequence[Path], verify: bool | None = None) -> Path:
    """Where :func:`cached` keeps the table built from ``sources``."""
    return cache_dir() / "benchmarks" / f"{name}-{file_digest(sources, verify)}.npz"


def cached(name: str, sources: Sequence[Path], build: Callable[[], BenchmarkTable],
           verify: bool | None = None) -> BenchmarkTable:
    """Return ``build()``, cached on disk under a key of the source files' content.

    The sources are checked against their published sha256 first (``verify``). The cache is an ``.npz``
    read with ``allow_pickle=False`` holding numeric columns as arrays and everything else as JSON, so
    a cache file can hold data only, never code; a damaged, foreign or incompatible one is rebuilt.
    """
    path = cache_path(name, sources, verify)
    if path.exists():
        table = _read_cache(path)
        if table is not None:
            return table
    table = build()
    blob = _encode(table)
    if blob is not None:
        try:
            with atomic_path(path) as tmp, open(tmp, "wb") as fh:
                np.savez(fh, **blob)
        except OSError:
            pass  # a read-only cache folder only costs speed
    return table


# -- the cache format: numeric columns as arrays, everything else as JSON (nothing a loader could run) -----
def _encode(table: BenchmarkTable) -> dict[str, np.ndarray] | None:
    """The arrays of an ``.npz`` that :func:`_decode` turns back into exactly ``table``, or None if it cannot."""
    try:
        arrays: dict[str, np.ndarray] = {}
        columns = []
        for i, name in enumerate(table.metrics.columns):
            col = table.metrics[name]
            if isinstance(col.dtype, np.dtype) and col.dtype.kind in "biuf":
                arrays[f"col{i}"] = col.to_numpy()
                columns.append({"name": name, "kind": "array"})
            else:
                values = col.tolist()
                if not all(isinstance(v, str) for v in values):
                    return None  # mixed or missing values: not cached rather than cached inexactly
                columns.append({"name": name, "kind": "json", "dtype": str(col.dtype), "values": values})
        ops: dict[str, int] = {}
        adjs: dict[tuple, int] = {}
        names: dict[str, int] = {}
        n_cells: list[int] = []
        cell_rows: list[tuple[int, int, int]] = []
        flat_ops: list[int] = []
        for spec in table.specs:
            n_cells.append(len(spec.cells))
            for cell in spec.cells:
                cell_rows.append((names.setdefault(cell.name, len(names)), adjs.setdefault(cell.adjacency, len(adjs)),
                                  len(cell.ops)))
                flat_ops.extend(ops.setdefault(op, len(ops)) for op in cell.ops)
        index = table.metrics.index
        default_index = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
        meta = {"version": CACHE_VERSION, "space": table.space, "source": table.source, "notes": list(table.notes),
                "index": None if default_index else [int(v) for v in index], "columns": columns,
                "ops": list(ops), "names": list(names), "adjacency": [[list(r) for r in a] for a in adjs]}
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        arrays["n_cells"] = np.asarray(n_cells, dtype=np.int32)
        arrays["cells"] = np.asarray(cell_rows, dtype=np.int32).reshape(-1, 3)
        arrays["ops"] = np.asarray(flat_ops, dtype=np.int32)
        again = _decode(arrays)
    except (TypeError, ValueError, OverflowError, KeyError, ClueError):
        return None
    if (again.space, again.source, again.notes, again.specs) != (table.space, table.source, table.notes, table.specs) \
            or not again.metrics.equals(table.metrics) or list(again.metrics.columns) != list(table.metrics.columns):
        return None  # never write a cache that would not give back exactly this table
    return arrays


def _read_cache(path: Path) -> BenchmarkTable | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            return _decode({k: data[k] for k in data.files})
    except Exception:  # damaged, foreign or from another version: rebuilt, never trusted
        return None


def _decode(arrays: dict[str, np.ndarray]) -> BenchmarkTable:
    meta = json.loads(arrays["meta"].tobytes().decode())
    if meta.get("version") != CACHE_VERSION:
        raise ValueError("cache from another version")
    n_cells = arrays["n_cells"]
    index = pd.RangeIndex(len(n_cells)) if meta["index"] is None else pd.Index(meta["index"])
    frame = pd.DataFrame({c["name"]: arrays[f"col{i}"] if c["kind"] == "array" else
                          pd.Series(c["values"], dtype=c["dtype"], index=index).array
                          for i, c in enumerate(meta["columns"])}, index=index)
    specs = _specs(meta, n_cells, arrays["cells"], arrays["ops"])
    return BenchmarkTable(meta["space"], specs, frame, meta["source"], list(meta["notes"]))


def _specs(meta: dict, n_cells: np.ndarray, cells: np.ndarray, ops_idx: np.ndarray) -> list[ArchSpec]:
    """ArchSpecs from the cache's tables of op names, cell names and adjacencies.

    Every op name is checked to be canonical, and the first cell of every distinct (name, adjacency) and
    the first spec of every distinct cell layout go through the public constructors (their validation).
    The others are then built as unpickling builds a dataclass (fields set, no second validation of what
    was already checked), which keeps a 15,625-cell table fast to read. Should a ``Cell`` or ``ArchSpec``
    ever hold more than its dataclass fields, every one is built through the public constructor instead.
    """
    ops = [canonical_op(o) for o in meta["ops"]]
    if ops != meta["ops"]:
        raise ValueError("non-canonical op names")
    names = [str(n) for n in meta["names"]]
    adjs = [tuple(tuple(int(v) for v in row) for row in a) for a in meta["adjacency"]]
    if cells.ndim != 2 or cells.shape[1] != 3 or int(n_cells.sum()) != len(cells) or int(cells[:, 2].sum()) != len(ops_idx):
        raise ValueError("inconsistent cell tables")
    if len(ops_idx) and (int(ops_idx.min()) < 0 or int(ops_idx.max()) >= len(ops)):
        raise ValueError("op index out of range")
    op_names = np.asarray(ops, dtype=object)[ops_idx] if len(ops_idx) else np.asarray([], dtype=object)
    fast_cell = fast_spec = None
    seen_cells: set[tuple[int, int]] = set()
    seen_specs: set[tuple] = set()
    built: list[tuple[tuple[int, int], Cell]] = []
    start = 0
    for name_i, adj_i, n in cells.tolist():
        cell_ops = tuple(op_names[start : start + n].tolist())
        start += n
        if len(adjs[adj_i]) != n:
            raise ValueError("adjacency size differs from the number of ops")
        if fast_cell and (name_i, adj_i) in seen_cells:
            cell = _new(Cell, ops=cell_ops, adjacency=adjs[adj_i], name=names[name_i])
        else:
            cell = Cell(cell_ops, adjs[adj_i], names[name_i])
            if fast_cell is None:
                fast_cell = _plain(cell, Cell, ("ops", "adjacency", "name"))
            seen_cells.add((name_i, adj_i))
        built.append(((name_i, adj_i), cell))
    specs: list[ArchSpec] = []
    space = meta["space"]
    k = 0
    for n in n_cells.tolist():
        group = built[k : k + n]
        k += n
        layout = tuple(key for key, _ in group)
        if fast_spec and layout in seen_specs:
            spec = _new(ArchSpec, space=space, cells=tuple(c for _, c in group))
        else:
            spec = ArchSpec(space, tuple(c for _, c in group))
            if fast_spec is None:
                fast_spec = _plain(spec, ArchSpec, ("space", "cells"))
            seen_specs.add(layout)
        specs.append(spec)
    return specs


def _new(cls: type, **fields: object) -> object:
    obj = object.__new__(cls)
    for k, v in fields.items():
        object.__setattr__(obj, k, v)
    return obj


def _plain(obj: object, cls: type, expected: tuple[str, ...]) -> bool:
    """True if a freshly constructed ``obj`` holds exactly the dataclass fields of ``cls``, and they are
    ``expected`` (the names :func:`_specs` gives :func:`_new`)."""
    return sorted(vars(obj)) == sorted(f.name for f in dataclasses.fields(cls)) == sorted(expected)

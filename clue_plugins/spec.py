"""The shared architecture representation: :class:`Cell` and :class:`ArchSpec`.

Every adapter turns a framework genotype into an :class:`ArchSpec`; every encoder and predictor
reads only this. Operations live on nodes (cell spaces with operations on edges make each edge a
node), nodes are topologically ordered and the adjacency is strictly upper-triangular.

Identity (``ArchSpec.key``) is the *labelled* structure: the space, and per cell the op sequence and
adjacency exactly as given. Two NB101 cells that are isomorphic (same graph, nodes numbered
differently) and two NB201 cells that differ only on edges no input-to-output path uses have
different keys, because benchmarks list them as different rows with different measured accuracies.
``ArchSpec.iso_key()`` merges them on purpose: it drops ``none`` nodes and nodes off every
input-to-output path and hashes the rest up to isomorphism.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from clue_plugins.errors import GenotypeError
from clue_plugins.graph import has_cycle_or_back_edge, live_nodes, wl_hash
from clue_plugins.ops.vocabulary import INPUT, OUTPUT, canonical_op

#: Search spaces the package knows; one source of truth for their names.
SPACES: tuple[str, ...] = ("nb101", "nb201", "nb301")

#: Paper's padded lengths (CLUE-NAS section 3.2).
FLOW_LENGTH = 320
OP_METRIC_LENGTH = 128


@dataclass(frozen=True)
class Cell:
    """One DAG with a canonical op on every node and an upper-triangular 0/1 adjacency."""

    ops: tuple[str, ...]
    adjacency: tuple[tuple[int, ...], ...]
    name: str = "cell"

    def __post_init__(self) -> None:
        ops = tuple(canonical_op(op) for op in self.ops)
        try:
            matrix = np.asarray(self.adjacency, dtype=np.int64)
        except (TypeError, ValueError) as exc:
            raise GenotypeError(f"cell {self.name!r}: adjacency is not a square 0/1 matrix ({exc})") from None
        n = len(ops)
        if n < 2:
            raise GenotypeError(f"cell {self.name!r}: needs at least 2 nodes (an input and an output), got {n}")
        if matrix.shape != (n, n):
            raise GenotypeError(
                f"cell {self.name!r}: adjacency has shape {matrix.shape} but there are {n} ops; it must be {n}x{n}"
            )
        if not np.isin(matrix, (0, 1)).all():
            raise GenotypeError(f"cell {self.name!r}: adjacency entries must be 0 or 1")
        if has_cycle_or_back_edge(matrix):
            raise GenotypeError(
                f"cell {self.name!r}: adjacency must be strictly upper-triangular (nodes in topological "
                "order, no self-loops); an edge on or below the diagonal means a cycle or a misordered node"
            )
        object.__setattr__(self, "ops", ops)
        object.__setattr__(self, "adjacency", tuple(tuple(int(v) for v in row) for row in matrix))

    @classmethod
    def from_matrix(cls, matrix: Any, ops: Sequence[str], name: str = "cell") -> "Cell":
        return cls(tuple(ops), tuple(tuple(int(v) for v in row) for row in np.asarray(matrix)), name)

    @property
    def num_nodes(self) -> int:
        return len(self.ops)

    @property
    def matrix(self) -> np.ndarray:
        """The adjacency as a fresh int64 array (row = from, column = to)."""
        return np.array(self.adjacency, dtype=np.int64)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ops": list(self.ops), "adjacency": [list(r) for r in self.adjacency]}


@dataclass(frozen=True)
class ArchSpec:
    """An architecture of a search space: one or more cells (DARTS/NB301 has normal and reduce)."""

    space: str
    cells: tuple[Cell, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.space, str) or not self.space:
            raise GenotypeError(f"space must be a non-empty string such as {', '.join(SPACES)}; got {self.space!r}")
        cells = tuple(self.cells)
        if not cells or not all(isinstance(c, Cell) for c in cells):
            raise GenotypeError("an ArchSpec needs at least one Cell")
        object.__setattr__(self, "cells", cells)

    # ---- identity ---------------------------------------------------------------------------
    @functools.cached_property
    def key(self) -> str:
        """Stable content key of the labelled structure (see the module docstring)."""
        payload = json.dumps([self.space, [c.to_dict() for c in self.cells]], separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()[:24]

    def iso_key(self) -> str:
        """Key that merges isomorphic cells and cells differing only in dead or ``none`` parts."""
        parts = [self.space]
        for cell in self.cells:
            m, live = _effective(cell)
            # inputs stay even if dead: their count and order are part of the cell's interface
            live = live | np.array([op == INPUT for op in cell.ops])
            idx = np.flatnonzero(live)
            ops = [cell.ops[i] if cell.ops[i] != INPUT else f"input{k}" for k, i in enumerate(idx)]
            parts.append(cell.name + ":" + wl_hash(m[np.ix_(idx, idx)], ops))
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]

    def without_dead_ops(self) -> "ArchSpec":
        """The same graph with ``none`` on every node that no input-to-output path through non-``none``
        nodes uses: such ops cannot change the network's output, so equivalent cells look alike."""
        cells = []
        for cell in self.cells:
            _, live = _effective(cell)
            ops = tuple(op if live[i] or op in (INPUT, OUTPUT) else "none" for i, op in enumerate(cell.ops))
            cells.append(Cell(ops, cell.adjacency, cell.name))
        return ArchSpec(self.space, tuple(cells))

    # ---- vectors ----------------------------------------------------------------------------
    def _select(self, cells: Sequence[int] | None) -> tuple[Cell, ...]:
        if cells is None:
            return self.cells
        try:
            return tuple(self.cells[i] for i in cells)
        except IndexError:
            raise GenotypeError(f"cell index out of range: {list(cells)} for {len(self.cells)} cell(s)") from None

    def flow_vector(
        self,
        pad_to: int = FLOW_LENGTH,
        symmetric: bool = True,
        upper_only: bool = False,
        cells: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Flattened adjacency of the selected cells, concatenated and zero-padded to ``pad_to``.

        ``symmetric`` adds the transpose before flattening (the CLUE authors' code);
        ``upper_only`` keeps only the strictly upper triangle (no redundancy, shorter).
        """
        parts = [_flow_of(c.adjacency, symmetric, upper_only) for c in self._select(cells)]
        return _pad(np.concatenate(parts), pad_to, "flow vector", self)

    def op_metric_vector(
        self, pad_to: int = OP_METRIC_LENGTH, cells: Sequence[int] | None = None, table: Any = None
    ) -> np.ndarray:
        """Five soft metrics per node, in node order, concatenated over cells, zero-padded."""
        from clue_plugins.ops.table import default_table

        table = table or default_table()
        parts = [table.vector(op) for c in self._select(cells) for op in c.ops]
        return _pad(np.concatenate(parts), pad_to, "op-metric vector", self)

    def prompt(self, cells: Sequence[int] | None = None) -> str:
        """The CLUE-NAS prompt: ``"The architecture has N nodes: O1, O2, ..., ON."``."""
        chosen = self._select(cells)
        if len(chosen) == 1:
            c = chosen[0]
            return f"The architecture has {c.num_nodes} nodes: {', '.join(c.ops)}."
        sentences = [f"The architecture has {len(chosen)} cells."]
        sentences += [f"The {c.name} cell has {c.num_nodes} nodes: {', '.join(c.ops)}." for c in chosen]
        return " ".join(sentences)

    # ---- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"space": self.space, "key": self.key, "cells": [c.to_dict() for c in self.cells]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ArchSpec":
        try:
            cells = tuple(Cell(tuple(c["ops"]), tuple(map(tuple, c["adjacency"])), c.get("name", "cell")) for c in d["cells"])
            return cls(d["space"], cells)
        except (KeyError, TypeError) as exc:
            raise GenotypeError(f"not an ArchSpec dict (expected keys space, cells[ops, adjacency]): {exc}") from None


def _effective(cell: Cell) -> tuple[np.ndarray, np.ndarray]:
    """Adjacency with ``none`` nodes cut out, and the mask of nodes on an input-to-output path."""
    keep = np.array([op != "none" for op in cell.ops])
    m = cell.matrix * keep[:, None] * keep[None, :]
    sources = [i for i, op in enumerate(cell.ops) if op == INPUT]
    sinks = [i for i, op in enumerate(cell.ops) if op == OUTPUT]
    return m, (live_nodes(m, sources, sinks) if sources and sinks else keep)


@functools.lru_cache(maxsize=4096)
def _flow_of(adjacency: tuple[tuple[int, ...], ...], symmetric: bool, upper_only: bool) -> np.ndarray:
    m = np.array(adjacency, dtype=np.float32)
    if upper_only:
        return m[np.triu_indices(m.shape[0], 1)]
    if symmetric:
        m = m + m.T
    return m.ravel()


def _pad(vec: np.ndarray, pad_to: int, what: str, spec: ArchSpec) -> np.ndarray:
    if vec.size > pad_to:
        raise GenotypeError(
            f"{what} of this {spec.space} architecture has {vec.size} entries, more than pad_to={pad_to}; "
            "select fewer cells, use upper_only=True for the flow, or raise pad_to"
        )
    out = np.zeros(pad_to, dtype=np.float32)
    out[: vec.size] = vec
    return out


# ---- batch helpers ----------------------------------------------------------------------------
def flow_matrix(specs: Iterable[ArchSpec], pad_to: int = FLOW_LENGTH, **kwargs: Any) -> np.ndarray:
    """Stack ``spec.flow_vector(...)`` for many specs into an (n, pad_to) float32 array."""
    rows = [s.flow_vector(pad_to=pad_to, **kwargs) for s in specs]
    return np.stack(rows) if rows else np.zeros((0, pad_to), np.float32)


def op_metric_matrix(
    specs: Iterable[ArchSpec], pad_to: int = OP_METRIC_LENGTH, cells: Sequence[int] | None = None, table: Any = None
) -> np.ndarray:
    """Stack the op-metric vectors of many specs into an (n, pad_to) float32 array."""
    from clue_plugins.ops.table import default_table

    table = table or default_table()
    specs = list(specs)
    out = np.zeros((len(specs), pad_to), dtype=np.float32)
    lookup: dict[str, np.ndarray] = {}
    for i, spec in enumerate(specs):
        ops = [op for c in spec._select(cells) for op in c.ops]
        for op in ops:
            if op not in lookup:
                lookup[op] = table.vector(op)
        vec = np.concatenate([lookup[op] for op in ops])
        if vec.size > pad_to:
            _pad(vec, pad_to, "op-metric vector", spec)  # raises with the explanation
        out[i, : vec.size] = vec
    return out


def prompts(specs: Iterable[ArchSpec], cells: Sequence[int] | None = None) -> list[str]:
    """The prompt of every spec."""
    return [s.prompt(cells) for s in specs]


def one_hot_ops(specs: Iterable[ArchSpec], vocabulary: Sequence[str], max_nodes: int, cells: Sequence[int] | None = None) -> np.ndarray:
    """One-hot op encoding (n, total_nodes * len(vocabulary)) for baselines and ablations."""
    index = {op: i for i, op in enumerate(vocabulary)}
    specs = list(specs)
    out = np.zeros((len(specs), max_nodes, len(vocabulary)), dtype=np.float32)
    for i, spec in enumerate(specs):
        ops = [op for c in spec._select(cells) for op in c.ops]
        if len(ops) > max_nodes:
            raise GenotypeError(f"{len(ops)} nodes exceed max_nodes={max_nodes}")
        for j, op in enumerate(ops):
            if op not in index:
                raise GenotypeError(f"op {op!r} is not in the one-hot vocabulary {list(vocabulary)}")
            out[i, j, index[op]] = 1.0
    return out.reshape(len(specs), -1)

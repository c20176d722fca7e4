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
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from clue_plugins.errors import ConfigError, GenotypeError, UnknownNameError, shown
from clue_plugins.graph import has_cycle_or_back_edge, live_nodes, wl_hash
from clue_plugins.ops.vocabulary import INPUT, OUTPUT, canonical_op

#: The built-in search spaces: each has its descriptor in ``clue_plugins/spaces/<name>.py``. Every space the
#: package knows, built-in or registered, is in :mod:`clue_plugins.spaces` (``space_names()``).
SPACES: tuple[str, ...] = ("nb101", "nb201", "nb301")

#: Paper's padded lengths (CLUE-NAS section 3.2).
FLOW_LENGTH = 320
OP_METRIC_LENGTH = 128


def register_space(name: str, check: Callable[["ArchSpec"], Any] | None = None) -> None:
    """Make ``name`` a known space with only a structure check, so :meth:`ArchSpec.from_dict` accepts specs of it.

    ``check(spec)``, if given, is called on every spec deserialised for this space and should raise
    :class:`GenotypeError` for a cell the space cannot hold. The built-in spaces cannot be replaced.
    A whole space (codecs, network, search genes, benchmark) is one descriptor registered with
    :func:`clue_plugins.spaces.register_space`; this is the short form of one with only ``check``.
    """
    from clue_plugins.spaces.base import FunctionSpace
    from clue_plugins.spaces.registry import register_space as register
    from clue_plugins.spaces.registry import is_builtin, registered

    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"a space name is a non-empty string, got {shown(name)}")
    if check is not None and not callable(check):
        raise ConfigError(f"check must be a function of an ArchSpec, got {shown(check)}")
    existing = registered(name)
    if existing is not None and not isinstance(existing, FunctionSpace) and not is_builtin(name):
        raise ConfigError(f"space {name!r} is registered with its descriptor {existing!r}; define check on it instead")
    register(FunctionSpace(name, check), replace=True)


def known_spaces() -> tuple[str, ...]:
    """Every space name :meth:`ArchSpec.from_dict` accepts: the built-in ones, then the registered ones."""
    from clue_plugins.spaces.registry import space_names

    return space_names()


def check_space(name: object) -> str:
    """``name`` if it is a known space; else :class:`UnknownNameError` listing the known ones."""
    if isinstance(name, str) and name in known_spaces():
        return name
    raise UnknownNameError(
        f"unknown search space {shown(name)}; known spaces: {', '.join(known_spaces())} "
        "(register a new one with clue_plugins.spaces.register_space)"
    )


# ---- input checks shared with the adapters ------------------------------------------------------
def is_integer(value: object) -> bool:
    """True for Python and numpy integers, False for bools, floats and everything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def as_bit_matrix(matrix: Any, what: str) -> np.ndarray:
    """``matrix`` as an int64 0/1 array. Bools and Python/numpy integers 0 and 1 are accepted; anything else
    (0.99, 1.7, 2, None, strings) raises :class:`GenotypeError` instead of being rounded."""
    try:
        m = np.asarray(matrix)
    except (ValueError, TypeError, OverflowError):
        raise GenotypeError(f"{what} must be a square 0/1 matrix (a list of equal-length rows), got {shown(matrix)}") from None
    kind = m.dtype.kind
    if kind not in "biuO" and not isinstance(matrix, np.ndarray) and m.size:
        # numpy promotes mixed int8/uint64 scalars to float64: judge the entries as given
        m, kind = np.array(matrix, dtype=object), "O"
    if kind == "b" or m.size == 0:
        return m.astype(np.int64)
    if kind in "iu":
        bad = m[(m != 0) & (m != 1)]
        if bad.size:
            raise GenotypeError(f"{what} entries must be 0 or 1, got {shown(bad.flat[0].item())}")
        return m.astype(np.int64)
    if kind == "O":
        for v in m.flat:
            if not (isinstance(v, (bool, np.bool_)) or (is_integer(v) and v in (0, 1))):
                hint = "; convert it with .astype(int) only if every entry is exactly 0 or 1" if isinstance(v, float) else ""
                raise GenotypeError(f"{what} entries must be 0 or 1 (ints or bools), got {shown(v)}{hint}")
        return m.astype(np.int64)
    flat = m.ravel().tolist()
    example = next((v for v in flat if not (isinstance(v, (int, float)) and v in (0, 1))), flat[0])
    raise GenotypeError(
        f"{what} entries must be 0 or 1 (ints or bools), got {m.dtype} values such as {shown(example)}; "
        "convert it with .astype(int) only if every entry is exactly 0 or 1"
    )


@dataclass(frozen=True)
class Cell:
    """One DAG with a canonical op on every node and an upper-triangular 0/1 adjacency."""

    ops: tuple[str, ...]
    adjacency: tuple[tuple[int, ...], ...]
    name: str = "cell"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise GenotypeError(f"a cell name is a string such as 'cell', 'normal' or 'reduce', got {shown(self.name)}")
        if isinstance(self.ops, (str, bytes)) or not isinstance(self.ops, (Sequence, np.ndarray)):
            raise GenotypeError(f"cell {shown(self.name)}: ops must be a list of op names, got {shown(self.ops)}")
        ops = tuple(canonical_op(op) for op in self.ops)
        matrix = as_bit_matrix(self.adjacency, f"cell {shown(self.name)}: adjacency")
        n = len(ops)
        if n < 2:
            raise GenotypeError(f"cell {shown(self.name)}: needs at least 2 nodes (an input and an output), got {n}")
        if matrix.shape != (n, n):
            raise GenotypeError(
                f"cell {shown(self.name)}: adjacency has shape {matrix.shape} but there are {n} ops; it must be {n}x{n}"
            )
        if has_cycle_or_back_edge(matrix):
            raise GenotypeError(
                f"cell {shown(self.name)}: adjacency must be strictly upper-triangular (nodes in topological "
                "order, no self-loops); an edge on or below the diagonal means a cycle or a misordered node"
            )
        object.__setattr__(self, "ops", ops)
        object.__setattr__(self, "adjacency", tuple(map(tuple, matrix.tolist())))

    @classmethod
    def from_matrix(cls, matrix: Any, ops: Sequence[str], name: str = "cell") -> "Cell":
        m = as_bit_matrix(matrix, f"cell {shown(name)}: adjacency")
        if m.ndim != 2:
            raise GenotypeError(f"cell {shown(name)}: adjacency must be a 2-D matrix, got {m.ndim} dimension(s)")
        return cls(tuple(ops), tuple(map(tuple, m.tolist())), name)

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
            raise GenotypeError(f"space must be a non-empty string such as {', '.join(SPACES)}; got {shown(self.space)}")
        if isinstance(self.cells, Cell):
            raise GenotypeError("an ArchSpec takes a tuple of cells; wrap the single cell as (cell,)")
        try:
            cells = tuple(self.cells)
        except TypeError:
            raise GenotypeError(f"an ArchSpec takes a tuple of Cells, got {shown(self.cells)}") from None
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
        # memoised on the spec and per cell: predictors ask for it on every fit and predict (it was 60 % of
        # predicting all NB201 cells); the result is immutable, so sharing it is safe
        pruned = self.__dict__.get("_without_dead_ops")
        if pruned is None:
            # shared between spec objects of the same content: new objects for every pruned spec cost more in
            # garbage collection than the pruning itself (docs/results/SPEED.md)
            pruned = self.__dict__["_without_dead_ops"] = _pruned_spec(self.space, self.cells)
        return pruned

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
    def from_dict(cls, d: Mapping[str, Any]) -> "ArchSpec":
        """Inverse of :meth:`to_dict`. Refuses unknown spaces (:class:`UnknownNameError`), cells the space
        cannot hold (its descriptor's ``check``), and a ``key`` entry that does not match the cells (an edited or damaged dict).
        Other entries (``prompt``, ``iso_key``, vectors, as ``clue-nas encode`` writes) are ignored."""
        expected = "expected {'space': str, 'cells': [{'ops': [...], 'adjacency': [[0/1...]...], 'name': str}, ...]}"
        if not isinstance(d, Mapping):
            raise GenotypeError(f"an ArchSpec dict is a dict, got {type(d).__name__}; {expected}")
        missing = [k for k in ("space", "cells") if k not in d]
        if missing:
            raise GenotypeError(f"ArchSpec dict lacks {', '.join(map(repr, missing))}; {expected}")
        space = check_space(d["space"])
        raw = d["cells"]
        if isinstance(raw, (str, bytes, Mapping)) or not isinstance(raw, (Sequence, np.ndarray)) or not len(raw):
            raise GenotypeError(f"ArchSpec dict 'cells' must be a non-empty list of cell dicts, got {shown(raw)}; {expected}")
        cells = []
        for i, c in enumerate(raw):
            if not isinstance(c, Mapping) or "ops" not in c or "adjacency" not in c:
                raise GenotypeError(f"ArchSpec dict cell {i} must be a dict with 'ops' and 'adjacency', got {shown(c)}; {expected}")
            cells.append(Cell(c["ops"], c["adjacency"], c.get("name", "cell")))
        spec = cls(space, tuple(cells))
        from clue_plugins.spaces.registry import get_space  # lazy: the descriptors import this module

        get_space(space).check(spec)
        if "key" in d and not (isinstance(d["key"], str) and d["key"] == spec.key):
            raise GenotypeError(
                f"ArchSpec dict has key {shown(d['key'])} but its cells give key {spec.key!r}: the dict was edited "
                "or damaged; drop its 'key' entry to accept the cells as they are"
            )
        return spec


def _effective(cell: Cell) -> tuple[np.ndarray, np.ndarray]:
    """Adjacency with ``none`` nodes cut out, and the mask of nodes on an input-to-output path."""
    keep = np.array([op != "none" for op in cell.ops])
    m = cell.matrix * keep[:, None] * keep[None, :]
    sources = [i for i, op in enumerate(cell.ops) if op == INPUT]
    sinks = [i for i, op in enumerate(cell.ops) if op == OUTPUT]
    return m, (live_nodes(m, sources, sinks) if sources and sinks else keep)


@functools.lru_cache(maxsize=1 << 16)
def _without_dead_ops(cell: Cell) -> Cell:
    _, live = _effective(cell)
    ops = tuple(op if live[i] or op in (INPUT, OUTPUT) else "none" for i, op in enumerate(cell.ops))
    return Cell(ops, cell.adjacency, cell.name)


@functools.lru_cache(maxsize=1 << 16)
def _pruned_spec(space: str, cells: tuple[Cell, ...]) -> "ArchSpec":
    return ArchSpec(space, tuple(_without_dead_ops(cell) for cell in cells))


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
    specs = list(specs)
    cells = kwargs.get("cells")
    # one vector per distinct wiring (every NB201 cell has the same one): the per-spec padding and stacking was a
    # third of the per-cell work of predicting a whole space (docs/results/SPEED.md)
    ids: dict[tuple, int] = {}
    rows: list[np.ndarray] = []
    index = np.empty(len(specs), dtype=np.int64)
    for i, spec in enumerate(specs):
        key = tuple(c.adjacency for c in spec._select(cells))
        if key not in ids:
            ids[key] = len(rows)
            rows.append(spec.flow_vector(pad_to=pad_to, **kwargs))
        index[i] = ids[key]
    return np.stack(rows)[index] if rows else np.zeros((0, pad_to), np.float32)


def op_metric_matrix(
    specs: Iterable[ArchSpec], pad_to: int = OP_METRIC_LENGTH, cells: Sequence[int] | None = None, table: Any = None
) -> np.ndarray:
    """Stack the op-metric vectors of many specs into an (n, pad_to) float32 array."""
    from clue_plugins.ops.table import default_table

    table = table or default_table()
    specs = list(specs)
    out = np.zeros((len(specs), pad_to), dtype=np.float32)
    if not specs:
        return out
    # ops -> row numbers of one stacked table, then one gather (a per-spec concatenate was 60 ms for NB201)
    number: dict[str, int] = {}
    op_lists = [[number.setdefault(op, len(number)) for c in spec._select(cells) for op in c.ops] for spec in specs]
    vectors = np.stack([np.asarray(table.vector(op), dtype=np.float32) for op in number])
    dim, longest = vectors.shape[1], max(len(ops) for ops in op_lists)
    if longest * dim > pad_to:
        spec = specs[next(i for i, ops in enumerate(op_lists) if len(ops) * dim > pad_to)]
        _pad(np.zeros(longest * dim), pad_to, "op-metric vector", spec)  # raises with the explanation
    ids = np.full((len(specs), longest), len(number), dtype=np.int64)  # the extra row: zeros for shorter specs
    for i, ops in enumerate(op_lists):
        ids[i, : len(ops)] = ops
    out[:, : longest * dim] = np.concatenate([vectors, np.zeros((1, dim), np.float32)])[ids].reshape(len(specs), -1)
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

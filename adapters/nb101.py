"""NAS-Bench-101 genotypes <-> ArchSpec.

NB101 cells already have ops on nodes: ``input``, up to 5 ops from ``conv3x3-bn-relu``,
``conv1x1-bn-relu``, ``maxpool3x3``, ``output``; at most 7 nodes and 9 edges. Every conversion
into an ArchSpec prunes nodes that are not on an input-to-output path (the NB101 canonical spec),
so an ArchSpec always describes the computation that NB101 trained.

Forms: NASLib's spec ``{"matrix", "ops"}``, NASLib's integer key (flattened matrix + op ids over
``[input, output, maxpool3x3, conv1x1-bn-relu, conv3x3-bn-relu]``, 56 ints for 7 nodes) used in
``zc_nasbench101.json``, and records of ``nasbench_only108.pkl``. NNI samples: :mod:`adapters.nni`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Sequence

import numpy as np

from adapters._literal import literal
from clue_plugins.errors import GenotypeError, UnknownOpError, shown
from clue_plugins.graph import live_nodes, wl_hash
from clue_plugins.spec import ArchSpec, Cell, as_bit_matrix, is_integer

SPACE = "nb101"
MAX_NODES = 7
MAX_EDGES = 9
#: NB101 spellings of the inner ops.
OPS: tuple[str, ...] = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
#: Op-id vocabulary of NASLib's integer key.
KEY_OPS: tuple[str, ...] = ("input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")

_CANON = {"input": "input", "output": "output", "conv3x3-bn-relu": "conv_3x3", "conv1x1-bn-relu": "conv_1x1", "maxpool3x3": "max_pool_3x3"}
_NB101_NAME = {v: k for k, v in _CANON.items()}


def _nb101_op(op: Any) -> str:
    if isinstance(op, str) and op in _CANON:
        return op
    if isinstance(op, str) and op in _NB101_NAME:
        return _NB101_NAME[op]
    raise UnknownOpError(op, OPS + ("input", "output"), "NB101 cells use only these operations")


_OPS_EXAMPLE = "['input', 'conv3x3-bn-relu', 'maxpool3x3', 'output']"
_MAX_KEY_STR = 10_000  # a 56-int key is under 300 characters


def from_matrix_ops(matrix: Any, ops: Sequence[Any]) -> ArchSpec:
    """Validate an NB101 module (matrix + ops), prune it, and return its ArchSpec.

    ``matrix`` holds 0/1 as bools or Python/numpy integers (0.99 or 1.7 are refused, not rounded);
    ``ops`` is a list, tuple or 1-D array of op names.
    """
    if isinstance(ops, np.ndarray) and ops.ndim == 1:
        ops = ops.tolist()
    if not isinstance(ops, (list, tuple)):
        raise GenotypeError(f"NB101 ops must be a list of op names such as {_OPS_EXAMPLE}, got {shown(ops)}")
    m = as_bit_matrix(matrix, "NB101 matrix")
    ops = [_nb101_op(op) for op in ops]
    n = len(ops)
    if m.ndim != 2 or m.shape != (n, n):
        raise GenotypeError(f"NB101 matrix has shape {m.shape} but there are {n} ops; it must be {n}x{n}")
    if n > MAX_NODES:
        raise GenotypeError(f"NB101 cells have at most {MAX_NODES} nodes, got {n} (too many nodes)")
    if n < 2 or ops[0] != "input" or ops[-1] != "output":
        raise GenotypeError(f"NB101 ops must start with 'input' and end with 'output', got {shown(ops, 200)}")
    if any(op in ("input", "output") for op in ops[1:-1]):
        raise GenotypeError(f"NB101 inner ops must be among {list(OPS)}, got {shown(ops[1:-1], 200)}")
    if np.tril(m).any():
        raise GenotypeError("NB101 matrix must be strictly upper-triangular (a DAG in topological order; found a cycle or back edge)")
    live = live_nodes(m, [0], [n - 1])
    if not live[0] or not live[n - 1]:
        raise GenotypeError("NB101 cell is invalid: no path from input to output")
    idx = np.flatnonzero(live)
    pm = m[np.ix_(idx, idx)]
    # Edge limit applies to the pruned module: NASLib's keys keep dead nodes with their edges.
    if int(pm.sum()) > MAX_EDGES:
        raise GenotypeError(f"NB101 cells have at most {MAX_EDGES} edges after pruning, got {int(pm.sum())}")
    return ArchSpec(SPACE, (Cell.from_matrix(pm, [_CANON[ops[i]] for i in idx]),))


def _cell(spec: ArchSpec) -> Cell:
    if spec.space != SPACE or len(spec.cells) != 1:
        raise GenotypeError(f"expected an nb101 ArchSpec with one cell, got space {shown(spec.space)}")
    return spec.cells[0]


def from_naslib_spec(spec: dict) -> ArchSpec:
    """NASLib's ``{"matrix": array, "ops": [str]}`` (also the official nasbench ModelSpec fields)."""
    missing = [k for k in ("matrix", "ops") if not isinstance(spec, Mapping) or k not in spec]
    if missing:
        raise GenotypeError(f"NB101 spec dict needs keys 'matrix' and 'ops'; missing {', '.join(map(repr, missing))}")
    return from_matrix_ops(spec["matrix"], spec["ops"])


def to_naslib_spec(spec: ArchSpec) -> dict:
    cell = _cell(spec)
    return {"matrix": cell.matrix, "ops": [_nb101_op(op) for op in cell.ops]}


def from_key(key: Sequence[int] | str) -> ArchSpec:
    """NASLib's integer key: ``n*n`` adjacency bits (row-major) then ``n`` op ids (a list, tuple or 1-D array
    of Python or numpy integers, or its string)."""
    if isinstance(key, str):
        if len(key) > _MAX_KEY_STR:
            raise GenotypeError(f"NB101 key string is {len(key):,} characters long; a key is a tuple of at most 56 ints")
        try:
            key = literal(key)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise GenotypeError(f"NB101 key string must be a tuple of ints, got {shown(key)}") from None
    if isinstance(key, np.ndarray) and key.ndim == 1:
        key = key.tolist()
    if not isinstance(key, (list, tuple)):
        raise GenotypeError(f"NB101 key must be a tuple of ints (n*n adjacency bits, then n op ids), got {shown(key)}")
    vals = list(key)
    n = next((k for k in range(2, MAX_NODES + 1) if k * k + k == len(vals)), None)
    if n is None:
        raise GenotypeError(f"NB101 key has {len(vals)} ints; it must have n*n+n for n <= 7 nodes (56 for 7)")
    bits = np.empty(n * n, dtype=object)
    for i, v in enumerate(vals[: n * n]):
        bits[i] = v
    matrix = as_bit_matrix(bits.reshape(n, n), "NB101 key adjacency bit")
    ops = []
    for v in vals[n * n :]:
        if not is_integer(v) or not 0 <= v < len(KEY_OPS):
            raise GenotypeError(f"NB101 key op ids must be integers in 0..4 ({list(KEY_OPS)}), got {shown(v)}")
        ops.append(KEY_OPS[int(v)])
    return from_matrix_ops(matrix, ops)


def to_key(spec: ArchSpec) -> tuple[int, ...]:
    """Integer key of the (pruned) cell, in NASLib's format."""
    cell = _cell(spec)
    return tuple(int(v) for v in cell.matrix.ravel()) + tuple(KEY_OPS.index(_nb101_op(op)) for op in cell.ops)


def from_record(fixed_stats: dict) -> ArchSpec:
    """A ``nasbench_only108.pkl`` record's fixed stats (``module_adjacency``, ``module_operations``)."""
    missing = [k for k in ("module_adjacency", "module_operations") if not isinstance(fixed_stats, Mapping) or k not in fixed_stats]
    if missing:
        raise GenotypeError(f"nasbench_only108 record needs {', '.join(map(repr, missing))}")
    return from_matrix_ops(fixed_stats["module_adjacency"], fixed_stats["module_operations"])


def nasbench_hash(spec: ArchSpec) -> str:
    """The official NB101 module hash (isomorphism-invariant), as used to key nasbench records."""
    cell = _cell(spec)
    labels = [-1] + [OPS.index(_nb101_op(op)) for op in cell.ops[1:-1]] + [-2]
    return wl_hash(cell.matrix, labels)

"""NAS-Bench-201 genotypes <-> ArchSpec.

The cell has 4 nodes and 6 edges, each edge carrying one op. In the ArchSpec every edge becomes a
node: ``input``, the 6 edge ops in NASLib's order ``(0->1), (0->2), (0->3), (1->2), (1->3), (2->3)``,
``output`` (8 nodes; the adjacency is NASLib's GCN encoding matrix). ``none`` edges stay as nodes.

Forms handled here: the NB201 arch string (edges grouped by target node:
``|0->1|+|0->2|1->2|+|0->3|1->3|2->3|``) and NASLib's op-index 6-tuple. NNI samples are in
:mod:`adapters.nni`, NASLib graph objects in :mod:`adapters.naslib`.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

from clue_plugins.errors import GenotypeError, UnknownOpError, shown
from clue_plugins.spec import ArchSpec, Cell, is_integer

SPACE = "nb201"
#: Edges (from, to) in NASLib op-index order; node i of the ArchSpec is edge i-1.
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
#: Edges in arch-string order (grouped by target node).
ARCH_STR_EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
#: NB201 spelling of each op (arch strings, NATS-Bench).
OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: NASLib's NB201 op-index vocabulary (its order differs from OPS).
NASLIB_OPS: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")

_CANON = {"none": "none", "skip_connect": "skip_connect", "nor_conv_1x1": "conv_1x1", "nor_conv_3x3": "conv_3x3", "avg_pool_3x3": "avg_pool_3x3"}
_NB201_NAME = {v: k for k, v in _CANON.items()}
_ARCH_TO_NASLIB = [EDGES.index(e) for e in ARCH_STR_EDGES]


def _adjacency() -> tuple[tuple[int, ...], ...]:
    m = [[0] * 8 for _ in range(8)]
    for i, (src, dst) in enumerate(EDGES):
        node = i + 1
        if src == 0:
            m[0][node] = 1
        else:  # fed by every edge node that ends in cell node `src`
            for j, (_, d2) in enumerate(EDGES):
                if d2 == src:
                    m[j + 1][node] = 1
        if dst == 3:
            m[node][7] = 1
    return tuple(map(tuple, m))


ADJACENCY = _adjacency()


def _canon(op: Any) -> str:
    key = op.strip() if isinstance(op, str) else None
    if key in _CANON:
        return _CANON[key]
    if key in _NB201_NAME:  # already canonical
        return key
    raise UnknownOpError(op, OPS, "NB201 cells use only these five operations")


def _sequence(value: Any, what: str, example: str) -> list:
    """``value`` as a list if it is a list, tuple or 1-D array; a GenotypeError naming ``what`` otherwise."""
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise GenotypeError(f"{what} must be 1-D, got an array of shape {value.shape}; e.g. {example}")
        return list(value)
    if isinstance(value, (list, tuple)):
        return list(value)
    raise GenotypeError(f"{what} must be a list, tuple or 1-D array, got {type(value).__name__} {shown(value)}; e.g. {example}")


def from_edge_ops(ops: Sequence[str]) -> ArchSpec:
    """ArchSpec from the 6 edge ops in NASLib edge order (any NB201 or canonical spelling)."""
    ops = _sequence(ops, "NB201 edge ops", "['nor_conv_3x3', 'none', 'skip_connect', 'avg_pool_3x3', 'nor_conv_1x1', 'none']")
    if len(ops) != 6:
        raise GenotypeError(f"an NB201 cell has 6 edges, got {len(ops)} ops")
    return ArchSpec(SPACE, (Cell(("input", *(_canon(o) for o in ops), "output"), ADJACENCY),))


def edge_ops(spec: ArchSpec) -> tuple[str, ...]:
    """The 6 canonical edge ops (NASLib edge order) of an NB201 ArchSpec, validating its structure."""
    if spec.space != SPACE or len(spec.cells) != 1:
        raise GenotypeError(f"expected an nb201 ArchSpec with one cell, got space {shown(spec.space)} with {len(spec.cells)} cell(s)")
    cell = spec.cells[0]
    if cell.adjacency != ADJACENCY or cell.ops[0] != "input" or cell.ops[-1] != "output":
        raise GenotypeError("this ArchSpec does not have the NB201 cell structure (8 nodes: input, 6 edge ops, output)")
    ops = cell.ops[1:7]
    for op in ops:
        if op not in _NB201_NAME:
            raise UnknownOpError(op, tuple(_NB201_NAME), "NB201 cells use only these five operations")
    return ops


_TOKEN = re.compile(r"^([A-Za-z0-9_]+)~([0-9]+)$")
_EXAMPLE = "|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"


def from_arch_str(arch: str) -> ArchSpec:
    """Parse ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``."""
    if not isinstance(arch, str):
        raise GenotypeError(f"an NB201 arch string is a str, got {type(arch).__name__}; e.g. {_EXAMPLE}")
    groups = arch.strip().split("+")
    if len(groups) != 3:
        raise GenotypeError(
            f"NB201 arch string must have 3 '+'-separated node groups, got {len(groups)}: {shown(arch)}; e.g. {_EXAMPLE}"
        )
    ops_by_edge: dict[tuple[int, int], str] = {}
    for target, group in enumerate(groups, start=1):
        g = group.strip()
        if not (g.startswith("|") and g.endswith("|")) or len(g) < 2:
            raise GenotypeError(f"node group {shown(g)} of {shown(arch)} must look like |op~0|op~1|; e.g. {_EXAMPLE}")
        tokens = g[1:-1].split("|")
        if len(tokens) != target:
            raise GenotypeError(
                f"node {target} must have {target} incoming edges, got {len(tokens)} in {shown(arch)} (wrong edge count); e.g. {_EXAMPLE}"
            )
        for src, tok in enumerate(tokens):
            m = _TOKEN.match(tok.strip())
            if not m:
                raise GenotypeError(f"edge token {shown(tok)} in {shown(arch)} must look like op~source, e.g. nor_conv_3x3~0")
            if m.group(2) != str(src):  # compared as text: int() of a 5000-digit index would raise
                raise GenotypeError(f"edge token {shown(tok)} into node {target} must come from node {src} (write ~{src})")
            ops_by_edge[(src, target)] = _canon(m.group(1))
    return from_edge_ops([ops_by_edge[e] for e in EDGES])


def to_arch_str(spec: ArchSpec) -> str:
    ops = dict(zip(EDGES, edge_ops(spec)))
    groups = []
    for target in (1, 2, 3):
        groups.append("|" + "|".join(f"{_NB201_NAME[ops[(src, target)]]}~{src}" for src in range(target)) + "|")
    return "+".join(groups)


def from_op_indices(indices: Sequence[int]) -> ArchSpec:
    """NASLib's op-index 6-tuple (ops ``[skip_connect, none, nor_conv_3x3, nor_conv_1x1, avg_pool_3x3]``).

    A list, tuple or 1-D array of Python or numpy integers; bools and floats (``True``, ``2.9``) are refused.
    """
    values = _sequence(indices, "NASLib NB201 op indices", "(2, 1, 0, 4, 3, 1)")
    if len(values) != 6:
        raise GenotypeError(f"NASLib NB201 op indices must have 6 entries (one per edge), got {len(values)}: {shown(indices)}")
    for k, v in enumerate(values):
        if not is_integer(v):
            raise GenotypeError(
                f"NASLib NB201 op index {shown(v)} (entry {k}) is a {type(v).__name__}; op indices are integers 0..4 "
                f"picking from {list(NASLIB_OPS)}, not floats or bools"
            )
        if not 0 <= v < len(NASLIB_OPS):
            raise GenotypeError(
                f"NASLib NB201 op index {shown(v)} (entry {k}) is out of range 0..4; the indices pick from {list(NASLIB_OPS)}"
            )
    return from_edge_ops([NASLIB_OPS[int(v)] for v in values])


def to_op_indices(spec: ArchSpec) -> tuple[int, ...]:
    return tuple(NASLIB_OPS.index(_NB201_NAME[op]) for op in edge_ops(spec))


def arch_str_to_op_indices(arch: str) -> tuple[int, ...]:
    return to_op_indices(from_arch_str(arch))


def op_indices_to_arch_str(indices: Sequence[int]) -> str:
    return to_arch_str(from_op_indices(indices))

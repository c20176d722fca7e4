"""DARTS / NAS-Bench-301 genotypes <-> ArchSpec.

A DARTS cell has inputs c_{k-2}, c_{k-1} and 4 intermediate nodes (2..5); each intermediate node
sums two ops, each applied to an earlier node; the cell output concatenates nodes 2..5.

ArchSpec layout (11 nodes per cell, two cells ``normal`` and ``reduce``): ``input`` (c_{k-2}),
``input`` (c_{k-1}), the 8 op nodes (node 2 slot a, node 2 slot b, node 3 slot a, ...), ``output``.
An op node reading from cell input i has an edge from input node i; one reading from
intermediate node j has edges from both op nodes of j; every op node feeds the output.
Within a node the two (input, op) slots are ordered by (input, op): the sum does not depend on
their order, so equal cells get equal keys.

Why not the 14-edge layout with ``none`` on unused edges (17 nodes)? It cannot hold a node whose two
ops read the same input, which NNI's DARTS space allows (about 96% of its random samples), and two
17-node cells do not fit the 320/128 vector lengths, whereas two 11-node cells do (242 and 110).

Forms: NASLib/NB301 compact ``(normal, reduce)`` of 8 ``(input node, op index)`` pairs with ops
``[max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5]``,
the DARTS ``Genotype`` namedtuple and its string. NNI samples: :mod:`adapters.nni`.
"""

from __future__ import annotations

import ast
import numbers
import re
from collections import namedtuple
from typing import Any, Sequence

from clue_plugins.errors import GenotypeError, UnknownOpError
from clue_plugins.spec import ArchSpec, Cell

SPACE = "nb301"
OPS: tuple[str, ...] = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
CELL_NAMES = ("normal", "reduce")
NUM_NODES = 11
#: DARTS' own Genotype type (field names as in the DARTS code and NASLib).
Genotype = namedtuple("Genotype", "normal normal_concat reduce reduce_concat")

Pair = tuple[int, str]  # (input node, op name)


def _check_op(op: Any) -> str:
    if isinstance(op, str) and op in OPS:
        return op
    raise UnknownOpError(op, OPS, "DARTS/NB301 cells use only these operations")


def _canonical_pairs(pairs: Sequence[Pair], cell: str) -> list[Pair]:
    if len(pairs) != 8:
        raise GenotypeError(f"DARTS {cell} cell needs 8 (input, op) pairs (2 per intermediate node), got {len(pairs)} (wrong edge count)")
    out: list[Pair] = []
    for node in range(4):
        two = []
        for inp, op in pairs[2 * node : 2 * node + 2]:
            if isinstance(inp, bool) or not isinstance(inp, int) or not 0 <= inp < node + 2:
                raise GenotypeError(
                    f"DARTS {cell} cell: intermediate node {node + 2} can read nodes 0..{node + 1}, got input {inp!r}"
                )
            two.append((inp, _check_op(op)))
        out += sorted(two)
    return out


def _cell(pairs: list[Pair], name: str) -> Cell:
    m = [[0] * NUM_NODES for _ in range(NUM_NODES)]
    for k, (inp, _) in enumerate(pairs):
        node = 2 + k
        if inp < 2:
            m[inp][node] = 1
        else:
            a = 2 + 2 * (inp - 2)
            m[a][node] = m[a + 1][node] = 1
        m[node][NUM_NODES - 1] = 1
    ops = ("input", "input", *(op for _, op in pairs), "output")
    return Cell(ops, tuple(map(tuple, m)), name)


def from_pairs(normal: Sequence[Pair], reduce: Sequence[Pair]) -> ArchSpec:
    """ArchSpec from two lists of 8 ``(input node, op name)`` pairs."""
    cells = tuple(_cell(_canonical_pairs(p, n), n) for p, n in ((normal, "normal"), (reduce, "reduce")))
    return ArchSpec(SPACE, cells)


def to_pairs(spec: ArchSpec) -> tuple[list[Pair], list[Pair]]:
    """The two canonical pair lists of an nb301 ArchSpec (validating its structure)."""
    if spec.space != SPACE or len(spec.cells) != 2:
        raise GenotypeError(f"expected an nb301 ArchSpec with normal and reduce cells, got space {spec.space!r}")
    result = []
    for cell in spec.cells:
        m = cell.matrix
        pairs = []
        for k in range(8):
            node = 2 + k
            srcs = [i for i in range(node) if m[i, node]]
            if len(srcs) == 1 and srcs[0] < 2:
                inp = srcs[0]
            elif len(srcs) == 2 and srcs[0] >= 2 and srcs[0] % 2 == 0 and srcs[1] == srcs[0] + 1:
                inp = 2 + (srcs[0] - 2) // 2
            else:
                raise GenotypeError(f"{cell.name} cell does not have the DARTS layout at op node {node}")
            pairs.append((inp, cell.ops[node]))
        result.append(pairs)
        if _cell(pairs, cell.name) != cell:
            raise GenotypeError(f"{cell.name} cell does not have the DARTS layout")
    return result[0], result[1]


def from_compact(compact: Any) -> ArchSpec:
    """NASLib/NB301 compact form (also its string form)."""
    if isinstance(compact, str):
        try:
            compact = ast.literal_eval(compact)
        except (ValueError, SyntaxError):
            raise GenotypeError(f"NB301 compact string is not a Python literal: {compact[:60]!r}") from None
    try:
        normal, reduce = compact
        cells = []
        for cell in (normal, reduce):
            pairs = []
            for inp, op in cell:
                # NASLib's mutations leave numpy integers in the compact form
                if isinstance(op, bool) or not isinstance(op, numbers.Integral) or not 0 <= op < len(OPS):
                    raise GenotypeError(f"NB301 compact op index must be in 0..{len(OPS) - 1} ({list(OPS)}), got {op!r}")
                pairs.append((int(inp) if isinstance(inp, numbers.Integral) else inp, OPS[int(op)]))
            cells.append(pairs)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, GenotypeError):
            raise
        raise GenotypeError(f"NB301 compact must be (normal, reduce), each 8 (input, op index) pairs: {exc}") from None
    return from_pairs(*cells)


def to_compact(spec: ArchSpec) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """Compact form; pairs within a node come back in canonical (input, op) order."""
    normal, reduce = to_pairs(spec)
    return tuple((i, OPS.index(o)) for i, o in normal), tuple((i, OPS.index(o)) for i, o in reduce)


def from_genotype(genotype: Any) -> ArchSpec:
    """A DARTS ``Genotype(normal=[(op, input)...], normal_concat, reduce=..., reduce_concat)``."""
    try:
        normal, reduce = genotype.normal, genotype.reduce
        concats = (list(genotype.normal_concat), list(genotype.reduce_concat))
    except AttributeError as exc:
        raise GenotypeError(f"not a DARTS Genotype: {exc}") from None
    if any(c != [2, 3, 4, 5] for c in concats):
        raise GenotypeError(f"only DARTS cells that concatenate nodes 2..5 are supported, got {concats}")
    try:
        return from_pairs([(i, o) for o, i in normal], [(i, o) for o, i in reduce])
    except (TypeError, ValueError) as exc:
        if isinstance(exc, GenotypeError):
            raise
        raise GenotypeError(f"DARTS genotype cells must be lists of (op, input) pairs: {exc}") from None


def to_genotype(spec: ArchSpec) -> Genotype:
    normal, reduce = to_pairs(spec)
    return Genotype([(o, i) for i, o in normal], [2, 3, 4, 5], [(o, i) for i, o in reduce], [2, 3, 4, 5])


_GENO = re.compile(r"^\s*Genotype\((.*)\)\s*$", re.S)


def from_genotype_str(text: str) -> ArchSpec:
    """Parse ``str(Genotype(...))`` as printed by DARTS (uses ``ast.literal_eval``, never ``eval``)."""
    m = _GENO.match(text)
    if not m:
        raise GenotypeError(f"not a DARTS Genotype string: {text[:60]!r}")
    try:
        call = ast.parse(f"f({m.group(1)})", mode="eval").body
        fields = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
        genotype = Genotype(**fields)
    except (SyntaxError, ValueError, TypeError) as exc:
        raise GenotypeError(f"malformed DARTS Genotype string ({exc}): {text[:60]!r}") from None
    return from_genotype(genotype)


def to_genotype_str(spec: ArchSpec) -> str:
    return str(to_genotype(spec))

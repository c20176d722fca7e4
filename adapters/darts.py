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
import re
from collections import namedtuple
from typing import Any, Sequence

import numpy as np

from adapters._literal import literal, parse_expression
from clue_plugins.errors import GenotypeError, UnknownOpError, shown
from clue_plugins.spec import ArchSpec, Cell, is_integer

SPACE = "nb301"
OPS: tuple[str, ...] = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
CELL_NAMES = ("normal", "reduce")
NUM_NODES = 11
#: DARTS' own Genotype type (field names as in the DARTS code and NASLib).
Genotype = namedtuple("Genotype", "normal normal_concat reduce reduce_concat")

Pair = tuple[int, str]  # (input node, op name)


_MAX_STR = 100_000  # a DARTS Genotype string is under 1,000 characters


def _check_op(op: Any) -> str:
    if isinstance(op, str) and op in OPS:
        return op
    raise UnknownOpError(op, OPS, "DARTS/NB301 cells use only these operations")


def _items(value: Any, what: str) -> list:
    """``value`` as a list if it is a list, tuple or array (its first axis); a GenotypeError otherwise."""
    if isinstance(value, np.ndarray) and value.ndim >= 1:
        return list(value)
    if isinstance(value, (list, tuple)):
        return list(value)
    raise GenotypeError(f"{what} must be a list or tuple, got {type(value).__name__} {shown(value)}")


def _canonical_pairs(pairs: Sequence[Pair], cell: str) -> list[Pair]:
    pairs = _items(pairs, f"DARTS {cell} cell")
    if len(pairs) != 8:
        raise GenotypeError(f"DARTS {cell} cell needs 8 (input, op) pairs (2 per intermediate node), got {len(pairs)} (wrong edge count)")
    out: list[Pair] = []
    for node in range(4):
        two = []
        for pair in pairs[2 * node : 2 * node + 2]:
            pair = _items(pair, f"each (input, op) pair of the DARTS {cell} cell")
            if len(pair) != 2:
                raise GenotypeError(f"DARTS {cell} cell: each entry is an (input, op) pair, got {shown(pair)}")
            inp, op = pair
            if not is_integer(inp) or not 0 <= inp < node + 2:
                raise GenotypeError(
                    f"DARTS {cell} cell: intermediate node {node + 2} can read nodes 0..{node + 1} (an integer), "
                    f"got input {shown(inp)}"
                )
            two.append((int(inp), _check_op(op)))
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
        raise GenotypeError(f"expected an nb301 ArchSpec with normal and reduce cells, got space {shown(spec.space)}")
    result = []
    for cell, name in zip(spec.cells, CELL_NAMES):
        if cell.name != name or cell.num_nodes != NUM_NODES:
            raise GenotypeError(
                f"an nb301 ArchSpec has a 'normal' then a 'reduce' cell of {NUM_NODES} nodes each, got cell "
                f"{shown(cell.name)} with {cell.num_nodes} nodes"
            )
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


_COMPACT = "NB301 compact must be (normal, reduce), each 8 (input node, op index) pairs"


def from_compact(compact: Any) -> ArchSpec:
    """NASLib/NB301 compact form (also its string form). Inputs and op indices are Python or numpy integers
    (NASLib's mutations leave numpy integers in it); floats and bools are refused."""
    if isinstance(compact, str):
        if len(compact) > _MAX_STR:
            raise GenotypeError(f"NB301 compact string is {len(compact):,} characters long; {_COMPACT}")
        try:
            compact = literal(compact)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise GenotypeError(f"NB301 compact string is not a Python literal: {shown(compact)}; {_COMPACT}") from None
    halves = _items(compact, _COMPACT + ";")
    if len(halves) != 2:
        raise GenotypeError(f"{_COMPACT}; got {len(halves)} parts instead of 2")
    cells = []
    for name, cell in zip(CELL_NAMES, halves):
        pairs = []
        for inp, op in _pairs(cell, f"{_COMPACT}; the {name} cell", f"{_COMPACT}; the {name} cell has the entry"):
            if not is_integer(op) or not 0 <= op < len(OPS):
                raise GenotypeError(f"NB301 compact op index must be an integer in 0..{len(OPS) - 1} ({list(OPS)}), got {shown(op)}")
            pairs.append((inp, OPS[int(op)]))
        cells.append(pairs)
    return from_pairs(*cells)


def _pairs(cell: Any, where: str, bad: str) -> list[tuple[Any, Any]]:
    """The 2-item entries of one cell's list; ``where`` and ``bad`` start the errors for a malformed list or entry."""
    out = []
    for pair in _items(cell, where):
        pair = _items(pair, f"{where}: each entry")
        if len(pair) != 2:
            raise GenotypeError(f"{bad} {shown(pair)}")
        out.append((pair[0], pair[1]))
    return out


def to_compact(spec: ArchSpec) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """Compact form; pairs within a node come back in canonical (input, op) order."""
    normal, reduce = to_pairs(spec)
    return tuple((i, OPS.index(o)) for i, o in normal), tuple((i, OPS.index(o)) for i, o in reduce)


def from_genotype(genotype: Any) -> ArchSpec:
    """A DARTS ``Genotype(normal=[(op, input)...], normal_concat, reduce=..., reduce_concat)``."""
    try:
        normal, reduce = genotype.normal, genotype.reduce
        raw_concats = (genotype.normal_concat, genotype.reduce_concat)
    except AttributeError as exc:
        raise GenotypeError(f"not a DARTS Genotype (needs normal, normal_concat, reduce, reduce_concat): {exc}") from None
    for c in raw_concats:
        if isinstance(c, range):
            c = list(c)
        if not isinstance(c, (list, tuple, np.ndarray)) or [v if is_integer(v) else None for v in c] != [2, 3, 4, 5]:
            raise GenotypeError(f"only DARTS cells that concatenate nodes 2..5 are supported, got concat {shown(c)}")
    cells = [[(inp, op) for op, inp in _pairs(cell, f"DARTS Genotype {name}",
                                              f"DARTS Genotype {name} entries are (op, input) pairs, got")]
             for name, cell in zip(CELL_NAMES, (normal, reduce))]
    return from_pairs(*cells)


def to_genotype(spec: ArchSpec) -> Genotype:
    normal, reduce = to_pairs(spec)
    return Genotype([(o, i) for i, o in normal], [2, 3, 4, 5], [(o, i) for i, o in reduce], [2, 3, 4, 5])


_GENO = re.compile(r"^\s*Genotype\((.*)\)\s*$", re.S)


_GENO_EXAMPLE = "Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])"


def _value(node: ast.AST) -> Any:
    """``ast.literal_eval`` that also reads ``range(a, b)``, which DARTS' search code prints for the concat."""
    if (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"
        and not node.keywords and 1 <= len(node.args) <= 3
    ):
        args = [ast.literal_eval(a) for a in node.args]
        if all(is_integer(a) and abs(a) < 1000 for a in args):
            return range(*args)
    return ast.literal_eval(node)


def from_genotype_str(text: str) -> ArchSpec:
    """Parse ``str(Genotype(...))`` as printed by DARTS (uses ``ast.literal_eval``, never ``eval``)."""
    if not isinstance(text, str):
        raise GenotypeError(f"a DARTS Genotype string is a str, got {type(text).__name__}; e.g. {_GENO_EXAMPLE}")
    if len(text) > _MAX_STR:
        raise GenotypeError(f"DARTS Genotype string is {len(text):,} characters long; e.g. {_GENO_EXAMPLE}")
    m = _GENO.match(text)
    if not m:
        raise GenotypeError(f"not a DARTS Genotype string: {shown(text)}; e.g. {_GENO_EXAMPLE}")
    try:
        call = parse_expression(f"f({m.group(1)})")
        if not isinstance(call, ast.Call):
            raise ValueError("not a call")
        values = [_value(a) for a in call.args]
        fields = {kw.arg: _value(kw.value) for kw in call.keywords}
        genotype = Genotype(*values, **fields)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError) as exc:
        why = (
            "only literals (lists, tuples, strings, numbers) and range(a, b) may appear" if isinstance(exc, ValueError)
            else "its fields must be normal, normal_concat, reduce, reduce_concat" if isinstance(exc, TypeError)
            else "it does not parse"
        )
        raise GenotypeError(f"malformed DARTS Genotype string ({why}): {shown(text)}; e.g. {_GENO_EXAMPLE}") from None
    return from_genotype(genotype)


def to_genotype_str(spec: ArchSpec) -> str:
    return str(to_genotype(spec))

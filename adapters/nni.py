"""NNI 3.0 model-space samples <-> ArchSpec, for the hub spaces NasBench201, NasBench101 and DARTS.

Samples are the plain dicts NNI strategies produce (``model.sample``); nothing here imports NNI.

- ``NasBench201``: ``cell/{i}_{j}`` (edge i->j, 0 <= i < j <= 3) -> ``none``, ``skip_connect``,
  ``conv_1x1``, ``conv_3x3``, ``avg_pool_3x3``.
- ``NasBench101``: ``cell/num_nodes`` N, ``cell/op1..op{N-2}``, ``cell/input1..input{N-1}`` (list of
  predecessors of node i; node N-1 is the output). Keys past N are ignored, as NNI does.
- ``DARTS``: ``{normal,reduce}/op_{node}_{slot}`` and ``{normal,reduce}/input_{node}_{slot}``
  (node 2..5, slot 0..1; input given as ``[k]`` or ``k``).
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import numpy as np

from adapters import darts, nb101, nb201
from clue_plugins.errors import GenotypeError
from clue_plugins.spec import ArchSpec

NB201_OPS = ("none", "skip_connect", "conv_1x1", "conv_3x3", "avg_pool_3x3")
NNI_SPACES = {"NasBench201": "nb201", "NasBench101": "nb101", "DARTS": "nb301"}

_NB201_KEY = re.compile(r"^(?:(.+)/)?(\d)_(\d)$")
_NB101_KEY = re.compile(r"^(?:(.+)/)?(num_nodes|op\d+|input\d+|final)$")
_DARTS_KEY = re.compile(r"^(normal|reduce)/(op|input)_(\d)_(\d)$")


def detect_space(sample: Mapping[str, Any]) -> str:
    """Which hub space a sample belongs to: ``nb201``, ``nb101`` or ``nb301``."""
    if not isinstance(sample, Mapping) or not sample:
        raise GenotypeError(f"an NNI sample is a non-empty dict of label -> value, got {type(sample).__name__}")
    keys = list(sample)
    for space, pattern in (("nb301", _DARTS_KEY), ("nb101", _NB101_KEY), ("nb201", _NB201_KEY)):
        if all(isinstance(k, str) and pattern.match(k) for k in keys):
            return space
    raise GenotypeError(
        f"sample keys {sorted(map(str, keys))[:8]} match no supported NNI space; supported: NasBench201 "
        "('cell/0_1', ...), NasBench101 ('cell/num_nodes', 'cell/op1', 'cell/input1', ...), DARTS "
        "('normal/op_2_0', 'normal/input_2_0', ...)"
    )


def from_sample(sample: Mapping[str, Any], space: str | None = None) -> ArchSpec:
    """Convert an NNI sample dict; ``space`` (``nb201``/``nb101``/``nb301`` or NNI class name) is optional."""
    space = NNI_SPACES.get(space, space) if space else detect_space(sample)
    if space == "nb201":
        return _nb201_from(sample)
    if space == "nb101":
        return _nb101_from(sample)
    if space == "nb301":
        return _darts_from(sample)
    raise GenotypeError(f"unsupported NNI model space {space!r}; supported: {', '.join(NNI_SPACES)}")


def to_sample(spec: ArchSpec, prefix: str = "cell") -> dict[str, Any]:
    """The NNI sample dict for ``spec`` (``prefix`` is the cell label of NB201/NB101 spaces)."""
    if spec.space == "nb201":
        ops = dict(zip(nb201.EDGES, nb201.edge_ops(spec)))
        return {f"{prefix}/{i}_{j}": ops[(i, j)] for (i, j) in nb201.ARCH_STR_EDGES}
    if spec.space == "nb101":
        cell = spec.cells[0]
        n, m = cell.num_nodes, cell.matrix
        out: dict[str, Any] = {f"{prefix}/num_nodes": n}
        nb_ops = nb101.to_naslib_spec(spec)["ops"]
        for i in range(1, nb101.MAX_NODES - 1):  # unused choices get valid placeholders, as in NNI samples
            out[f"{prefix}/op{i}"] = nb_ops[i] if i < n - 1 else nb101.OPS[0]
        for i in range(1, nb101.MAX_NODES):
            out[f"{prefix}/input{i}"] = [int(k) for k in np.flatnonzero(m[:, i])] if i < n else []
        return out
    if spec.space == "nb301":
        out = {}
        for cell_name, pairs in zip(darts.CELL_NAMES, darts.to_pairs(spec)):
            for k, (inp, op) in enumerate(pairs):
                node, slot = 2 + k // 2, k % 2
                out[f"{cell_name}/op_{node}_{slot}"] = op
                out[f"{cell_name}/input_{node}_{slot}"] = [inp]
        return out
    raise GenotypeError(f"no NNI model space for ArchSpec space {spec.space!r}")


def _nb201_from(sample: Mapping[str, Any]) -> ArchSpec:
    ops: dict[tuple[int, int], str] = {}
    for key, value in sample.items():
        m = _NB201_KEY.match(str(key))
        if not m or (int(m.group(2)), int(m.group(3))) not in nb201.EDGES:
            raise GenotypeError(f"unknown NasBench201 sample key {key!r}; expected 'cell/{{i}}_{{j}}' for edges {list(nb201.ARCH_STR_EDGES)}")
        if value not in NB201_OPS:
            from clue_plugins.errors import UnknownOpError

            raise UnknownOpError(value, NB201_OPS, f"in NasBench201 sample key {key!r}")
        ops[(int(m.group(2)), int(m.group(3)))] = value
    missing = [e for e in nb201.EDGES if e not in ops]
    if missing:
        raise GenotypeError(f"NasBench201 sample lacks edges {missing} (wrong edge count: needs all 6)")
    return nb201.from_edge_ops([ops[e] for e in nb201.EDGES])


def _nb101_from(sample: Mapping[str, Any]) -> ArchSpec:
    prefix = None
    for key in sample:
        m = _NB101_KEY.match(str(key))
        prefix = m.group(1) if m else prefix
    p = f"{prefix}/" if prefix else ""
    try:
        n = int(sample[f"{p}num_nodes"])
    except (KeyError, TypeError, ValueError):
        raise GenotypeError(f"NasBench101 sample needs an integer '{p}num_nodes'") from None
    if not 2 <= n <= nb101.MAX_NODES:
        raise GenotypeError(f"NasBench101 num_nodes must be 2..{nb101.MAX_NODES}, got {n} (too many nodes)")
    matrix = np.zeros((n, n), dtype=np.int64)
    try:
        ops = ["input"] + [sample[f"{p}op{i}"] for i in range(1, n - 1)] + ["output"]
        for i in range(1, n):
            chosen = sample[f"{p}input{i}"]
            for k in [chosen] if isinstance(chosen, int) else chosen:
                if not 0 <= int(k) < i:
                    raise GenotypeError(f"NasBench101 '{p}input{i}' may only list nodes 0..{i - 1}, got {k}")
                matrix[int(k), i] = 1
    except KeyError as exc:
        raise GenotypeError(f"NasBench101 sample with num_nodes={n} lacks key {exc}") from None
    return nb101.from_matrix_ops(matrix, ops)


def _darts_from(sample: Mapping[str, Any]) -> ArchSpec:
    cells: dict[str, list] = {name: [[None, None] for _ in range(8)] for name in darts.CELL_NAMES}
    for key, value in sample.items():
        m = _DARTS_KEY.match(str(key))
        node, slot = int(m.group(3)), int(m.group(4))
        if not (2 <= node <= 5 and slot in (0, 1)):
            raise GenotypeError(f"unknown DARTS sample key {key!r}; nodes are 2..5 and slots 0..1")
        pair = cells[m.group(1)][2 * (node - 2) + slot]
        if m.group(2) == "op":
            pair[1] = value
        else:
            if isinstance(value, (list, tuple)):
                if len(value) != 1:
                    raise GenotypeError(f"DARTS sample {key!r} must choose exactly one input, got {value!r}")
                value = value[0]
            pair[0] = value
    for name, pairs in cells.items():
        for k, (inp, op) in enumerate(pairs):
            if inp is None or op is None:
                raise GenotypeError(f"DARTS sample lacks '{name}/op_{2 + k // 2}_{k % 2}' or '{name}/input_{2 + k // 2}_{k % 2}'")
    return darts.from_pairs([tuple(p) for p in cells["normal"]], [tuple(p) for p in cells["reduce"]])

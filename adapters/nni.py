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
from clue_plugins.errors import GenotypeError, UnknownOpError, shown
from clue_plugins.spaces.registry import get_space, is_builtin, names_by, spaces
from clue_plugins.spec import ArchSpec, is_integer

NB201_OPS = ("none", "skip_connect", "conv_1x1", "conv_3x3", "avg_pool_3x3")
#: NNI model-space name -> our space name, for every registered space that has an NNI name (a live view of
#: :mod:`clue_plugins.spaces`; ``clue_plugins.nni.evaluator.SPACES`` is this same object).
NNI_SPACES = names_by("nni_name", "NNI model space")

# Every pattern accepts an optional label prefix ("model/cell/0_1", "model/normal/op_2_0").
_NB201_KEY = re.compile(r"^(?:(.+)/)?([0-9])_([0-9])$")
_NB101_KEY = re.compile(r"^(?:(.+)/)?(num_nodes|op[0-9]+|input[0-9]+|final)$")
_DARTS_KEY = re.compile(r"^(?:(.+)/)?(normal|reduce)/(op|input)_([0-9])_([0-9])$")
_KEY_FORMS = {
    "nb201": "'cell/{i}_{j}' (edge i->j, 0 <= i < j <= 3), e.g. 'cell/0_1'",
    "nb101": "'cell/num_nodes', 'cell/op{i}', 'cell/input{i}'",
    "nb301": "'{normal,reduce}/op_{node}_{slot}' and '{normal,reduce}/input_{node}_{slot}' (node 2..5, slot 0..1), "
    "e.g. 'normal/op_2_0'",
}


def _space_name(space: str) -> str:
    return next((k for k, v in NNI_SPACES.items() if v == space), space)


def _bad_key(key: Any, space: str) -> GenotypeError:
    return GenotypeError(f"unknown {_space_name(space)} sample key {shown(key)}; expected {_KEY_FORMS[space]}, "
                         "optionally after a label prefix such as 'model/'")


def _keys_shown(keys: list) -> str:
    return "[" + ", ".join(shown(k, 40) for k in keys[:8]) + (", ..." if len(keys) > 8 else "") + "]"


def detect_space(sample: Mapping[str, Any]) -> str:
    """Which hub space a sample belongs to: ``nb201``, ``nb101`` or ``nb301``."""
    if not isinstance(sample, Mapping) or not sample:
        raise GenotypeError(f"an NNI sample is a non-empty dict of label -> value, got {type(sample).__name__} {shown(sample)}")
    keys = list(sample)
    for space, pattern in (("nb301", _DARTS_KEY), ("nb101", _NB101_KEY), ("nb201", _NB201_KEY)):
        if all(isinstance(k, str) and pattern.match(k) for k in keys):
            return space
    others = [s for s in spaces() if s.nni_name and not is_builtin(s.name)]
    for descriptor in others:
        if descriptor.is_nni_sample(sample):
            return descriptor.name
    raise GenotypeError(
        f"sample keys {_keys_shown(keys)} match no supported NNI space; supported: NasBench201 "
        "('cell/0_1', ...), NasBench101 ('cell/num_nodes', 'cell/op1', 'cell/input1', ...), DARTS "
        "('normal/op_2_0', 'normal/input_2_0', ...)" + "".join(f", {s.nni_name}" for s in others)
    )


def from_sample(sample: Mapping[str, Any], space: str | None = None) -> ArchSpec:
    """Convert an NNI sample dict; ``space`` (``nb201``/``nb101``/``nb301`` or NNI class name) is optional."""
    if space is not None and not (isinstance(space, str) and (space in NNI_SPACES or space in NNI_SPACES.values())):
        raise GenotypeError(
            f"unsupported NNI model space {shown(space)}; supported: {', '.join(NNI_SPACES)} "
            f"(or {', '.join(NNI_SPACES.values())})"
        )
    if not isinstance(sample, Mapping) or not sample:
        raise GenotypeError(f"an NNI sample is a non-empty dict of label -> value, got {type(sample).__name__} {shown(sample)}")
    space = NNI_SPACES.get(space, space) if space else detect_space(sample)
    if not is_builtin(space):
        return get_space(space).from_nni(sample)
    if space == "nb201":
        return _nb201_from(sample)
    if space == "nb101":
        return _nb101_from(sample)
    return _darts_from(sample)


def _match_all(sample: Mapping[str, Any], pattern: re.Pattern, space: str) -> list[tuple[Any, re.Match, Any]]:
    """Match every key of ``sample``; all keys must match and share one label prefix."""
    out = []
    for key, value in sample.items():
        m = pattern.match(key) if isinstance(key, str) else None
        if not m:
            raise _bad_key(key, space)
        out.append((key, m, value))
    prefixes = {m.group(1) for _, m, _ in out}
    if len(prefixes) > 1:
        raise GenotypeError(
            f"{_space_name(space)} sample mixes label prefixes {sorted(shown(p, 40) for p in prefixes)}; "
            "pass the choices of one cell (one prefix) at a time"
        )
    return out


def _index(value: Any, what: str) -> int:
    if not is_integer(value):
        raise GenotypeError(f"{what} must be an integer, got {shown(value)} ({type(value).__name__})")
    return int(value)


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
    if spec.space in NNI_SPACES.values():
        return get_space(spec.space).to_nni(spec, prefix)
    raise GenotypeError(f"no NNI model space for ArchSpec space {shown(spec.space)}")


def _nb201_from(sample: Mapping[str, Any]) -> ArchSpec:
    ops: dict[tuple[int, int], str] = {}
    for key, m, value in _match_all(sample, _NB201_KEY, "nb201"):
        edge = (int(m.group(2)), int(m.group(3)))
        if edge not in nb201.EDGES:
            raise _bad_key(key, "nb201")
        if not isinstance(value, str) or value not in NB201_OPS:
            raise UnknownOpError(value, NB201_OPS, f"in NasBench201 sample key {shown(key)}")
        ops[edge] = value
    missing = [e for e in nb201.EDGES if e not in ops]
    if missing:
        raise GenotypeError(f"NasBench201 sample lacks edges {missing} (wrong edge count: needs all 6)")
    return nb201.from_edge_ops([ops[e] for e in nb201.EDGES])


def _nb101_from(sample: Mapping[str, Any]) -> ArchSpec:
    matched = _match_all(sample, _NB101_KEY, "nb101")
    prefix = matched[0][1].group(1)
    p = f"{prefix}/" if prefix else ""
    if f"{p}num_nodes" not in sample:
        raise GenotypeError(f"NasBench101 sample needs an integer {shown(p + 'num_nodes')} (2..{nb101.MAX_NODES})")
    n = _index(sample[f"{p}num_nodes"], f"NasBench101 {shown(p + 'num_nodes')}")
    if not 2 <= n <= nb101.MAX_NODES:
        raise GenotypeError(f"NasBench101 num_nodes must be 2..{nb101.MAX_NODES}, got {shown(n)} (too {'many' if n > 2 else 'few'} nodes)")
    needed = [f"{p}op{i}" for i in range(1, n - 1)] + [f"{p}input{i}" for i in range(1, n)]
    missing = [k for k in needed if k not in sample]
    if missing:
        raise GenotypeError(f"NasBench101 sample with num_nodes={n} lacks key {shown(missing[0])}")
    matrix = np.zeros((n, n), dtype=np.int64)
    ops = ["input"] + [sample[f"{p}op{i}"] for i in range(1, n - 1)] + ["output"]
    for i in range(1, n):
        key = f"{p}input{i}"
        chosen = sample[key]
        if isinstance(chosen, np.ndarray) and chosen.ndim <= 1:
            chosen = chosen.tolist()
        if not isinstance(chosen, (list, tuple)):
            chosen = [chosen]
        for k in chosen:
            k = _index(k, f"each node listed in NasBench101 {shown(key)}")
            if not 0 <= k < i:
                raise GenotypeError(f"NasBench101 {shown(key)} may only list nodes 0..{i - 1}, got {shown(k)}")
            matrix[k, i] = 1
    return nb101.from_matrix_ops(matrix, ops)


def _darts_from(sample: Mapping[str, Any]) -> ArchSpec:
    cells: dict[str, list] = {name: [[None, None] for _ in range(8)] for name in darts.CELL_NAMES}
    for key, m, value in _match_all(sample, _DARTS_KEY, "nb301"):
        node, slot = int(m.group(4)), int(m.group(5))
        if not (2 <= node <= 5 and slot in (0, 1)):
            raise _bad_key(key, "nb301")
        pair = cells[m.group(2)][2 * (node - 2) + slot]
        if m.group(3) == "op":
            pair[1] = value
        else:
            if isinstance(value, np.ndarray) and value.ndim <= 1:
                value = value.tolist()
            if isinstance(value, (list, tuple)):
                if len(value) != 1:
                    raise GenotypeError(f"DARTS sample {shown(key)} must choose exactly one input, got {shown(value)}")
                value = value[0]
            pair[0] = value
    for name, pairs in cells.items():
        for k, (inp, op) in enumerate(pairs):
            if inp is None or op is None:
                raise GenotypeError(f"DARTS sample lacks '{name}/op_{2 + k // 2}_{k % 2}' or '{name}/input_{2 + k // 2}_{k % 2}'")
    return darts.from_pairs([tuple(p) for p in cells["normal"]], [tuple(p) for p in cells["reduce"]])

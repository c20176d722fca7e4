"""Adapters: the only place that knows both a framework's genotype and the shared ArchSpec.

One module per genotype family (``nb201``, ``nb101``, ``darts``) and per framework object model
(``naslib``, ``nni``). :func:`to_spec` guesses the family of common inputs.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from adapters._literal import literal
from clue_plugins.errors import GenotypeError, UnknownNameError, shown
from clue_plugins.spec import ArchSpec

#: The longest genotype string :func:`to_spec` reads (an ArchSpec dict written by ``clue-nas encode
#: --vectors`` is about 10,000 characters); longer strings are refused before any parsing.
MAX_STRING = 200_000

_SUPPORTED = (
    "supported: NB201 arch string ('|nor_conv_3x3~0|+|...|') or 6 op indices, NB101 {'matrix', 'ops'} spec "
    "or integer key, NB301 compact ((normal, reduce) of 8 (input, op) pairs), DARTS Genotype or its string, "
    "NNI sample dict, ArchSpec dict, NASLib graph"
)

def _space_arg(space: Any) -> str | None:
    """Our name of a ``space`` spelling: ours, an alias, NASLib's ss_type or NNI's model-space name."""
    from clue_plugins.spaces.registry import get_space, space_names

    if space is None:
        return None
    if isinstance(space, str):
        try:
            return get_space(space).name
        except UnknownNameError:
            pass
    raise UnknownNameError(f"unknown space {shown(space)} for to_spec; known spaces: {', '.join(space_names())}")


def _registered_spaces() -> tuple:
    """The descriptors of the spaces registered at run time (not built in): their forms go to their codecs."""
    from clue_plugins.spaces.registry import is_builtin, spaces

    return tuple(s for s in spaces() if not is_builtin(s.name))


def _is_number(v: Any) -> bool:
    return isinstance(v, (numbers.Number, np.number, np.bool_))


def _is_container(v: Any) -> bool:
    return isinstance(v, (list, tuple, Mapping, set, frozenset)) or (isinstance(v, np.ndarray) and v.ndim > 0)


def _is_op_list(v: Any) -> bool:
    if isinstance(v, np.ndarray):
        v = v.tolist() if v.ndim == 1 else None
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(isinstance(o, str) for o in v)


def _parse_literal(text: str) -> Any:
    """A Python or JSON literal (never ``eval``); GenotypeError if it is neither."""
    try:
        return literal(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        raise GenotypeError(
            f"the genotype string {shown(text)} is not a Python or JSON literal (check brackets, quotes and commas); "
            + _SUPPORTED
        ) from None


def is_builtin(space: str) -> bool:
    from clue_plugins.spaces.registry import is_builtin as builtin

    return builtin(space)


def _from_string(text: str, space: str | None) -> ArchSpec:
    from adapters import darts, nb201

    if len(text) > MAX_STRING:
        raise GenotypeError(
            f"the genotype string is {len(text):,} characters long, more than any genotype ({MAX_STRING:,} at most): "
            f"{shown(text)}"
        )
    s = text.strip()
    if s.startswith("|"):
        return nb201.from_arch_str(s)
    if s.startswith("Genotype"):
        return darts.from_genotype_str(s)
    if s[:1] in ("(", "[", "{"):
        return to_spec(_parse_literal(s), space)
    if "~" in s and "|" in s:  # an NB201 arch string with its first '|' lost
        return nb201.from_arch_str(s)
    raise GenotypeError(f"cannot tell what genotype the string {shown(text)} is; {_SUPPORTED}")


def _from_sequence(items: list, genotype: Any, space: str | None) -> ArchSpec:
    from adapters import darts, nb101, nb201

    n = len(items)
    numeric = n > 0 and all(_is_number(v) for v in items)
    if space == "nb201":
        return nb201.from_op_indices(items)
    if space == "nb301":
        return darts.from_compact(items)
    if space == "nb101":
        if n == 2 and _is_op_list(items[1]):
            return nb101.from_matrix_ops(items[0], items[1])
        return nb101.from_key(items)
    # no space given: pick the form the input clearly looks like, and report that form's own error
    if numeric and n in (12, 20, 30, 42, 56):  # n*n + n for 3..7 nodes
        return nb101.from_key(items)
    if (numeric and n <= 8) or (n == 6 and not any(_is_container(v) for v in items)):
        # 6 scalars = NB201 op indices (a 2-node NB101 key also has 6: pass space='nb101')
        return nb201.from_op_indices(items)
    if n == 2 and _is_op_list(items[1]):
        return nb101.from_matrix_ops(items[0], items[1])
    if n == 2:
        return darts.from_compact(items)
    if numeric:
        raise GenotypeError(
            f"a sequence of {n} numbers is no genotype: NB201 op indices have 6 entries, NB101 keys n*n+n "
            f"(12, 20, 30, 42 or 56); got {shown(genotype)}"
        )
    raise GenotypeError(f"unsupported genotype: a {type(genotype).__name__} of {n} entries {shown(genotype)}; {_SUPPORTED}")


def to_spec(genotype: Any, space: str | None = None) -> ArchSpec:
    """Convert any supported genotype to an :class:`ArchSpec`.

    Accepted: an ArchSpec or its dict; an NB201 arch string; a DARTS ``Genotype`` or its string;
    NASLib NB201 op indices, NB101 ``{matrix, ops}`` spec or 56-int key, NB301 compact; an NNI
    sample dict of NasBench201/NasBench101/DARTS; a NASLib search-space graph object; and any of
    the tuple, list or dict forms written as a Python/JSON literal string. Tuples, lists and 1-D
    arrays may hold numpy integers; and the forms of any space registered with
    :func:`clue_plugins.spaces.register_space` (its descriptor's ``recognises``/``from_genotype``). ``space``
    (``nb101``, ``nb201``, ``nb301``, a registered space, or any alias such as ``nasbench201``/``NasBench201``)
    settles ambiguous forms such as integer tuples, and the result must be of that space.

    Malformed input raises a :class:`~clue_plugins.errors.ClueError` subclass
    (:class:`~clue_plugins.errors.GenotypeError` for genotypes) with a one-line message.
    """
    space = _space_arg(space)
    if space is not None and not is_builtin(space):
        spec = _to_registered(genotype, space)
    else:
        spec = _to_spec(genotype, space)
    if space is not None and spec.space != space:
        raise GenotypeError(f"this genotype is of space {spec.space!r}, but space={space!r} was asked for")
    return spec


def _to_registered(genotype: Any, space: str) -> ArchSpec:
    """A genotype of a space registered at run time: ArchSpecs and their dicts as always, else its own codec."""
    from clue_plugins.spaces.registry import get_space

    if isinstance(genotype, ArchSpec):
        return genotype
    if isinstance(genotype, Mapping) and "cells" in genotype and "space" in genotype:
        return ArchSpec.from_dict(genotype)
    if isinstance(genotype, str) and len(genotype) > MAX_STRING:
        raise GenotypeError(f"the genotype string is {len(genotype):,} characters long, more than any genotype "
                            f"({MAX_STRING:,} at most): {shown(genotype)}")
    return get_space(space).from_genotype(genotype)


def _to_spec(genotype: Any, space: str | None) -> ArchSpec:
    from adapters import darts, naslib, nb101, nni

    if isinstance(genotype, ArchSpec):
        return genotype
    if isinstance(genotype, Mapping) and "cells" in genotype and "space" in genotype:
        return ArchSpec.from_dict(genotype)
    if space is None and not (isinstance(genotype, str) and len(genotype) > MAX_STRING):
        for descriptor in _registered_spaces():  # a registered space's own forms, as its descriptor recognises them
            try:
                claimed = descriptor.recognises(genotype)
            except Exception:  # noqa: BLE001  (a faulty recogniser of a plugin space must not break other forms)
                claimed = False
            if claimed:
                return descriptor.from_genotype(genotype)
    if isinstance(genotype, Mapping):
        if "matrix" in genotype and "ops" in genotype:
            return nb101.from_naslib_spec(genotype)
        if "module_adjacency" in genotype and "module_operations" in genotype:
            return nb101.from_record(genotype)
        return nni.from_sample(genotype, space)
    if isinstance(genotype, str):
        return _from_string(genotype, space)
    if hasattr(genotype, "normal") and hasattr(genotype, "reduce"):
        return darts.from_genotype(genotype)
    if naslib.is_naslib_graph(genotype):
        return naslib.from_naslib(genotype, space)
    if isinstance(genotype, np.ndarray) and genotype.ndim >= 1:
        return _from_sequence(list(genotype), genotype, space)
    if isinstance(genotype, (tuple, list)):
        return _from_sequence(list(genotype), genotype, space)
    raise GenotypeError(f"unsupported genotype of type {type(genotype).__name__}: {shown(genotype)}; {_SUPPORTED}")


def check_spec(spec: ArchSpec) -> ArchSpec:
    """Refuse an ArchSpec of a built-in space that its adapter would not build (wrong cell structure, an op
    the space does not have, an unpruned NB101 cell, other cell names): such a spec would be predicted on
    as if it were a benchmark architecture. Returns ``spec``; other spaces pass unchecked here (their
    descriptor's ``check`` is theirs: ``ArchSpec.from_dict`` calls it)."""
    from adapters import darts, nb101, nb201

    if spec.space == "nb201":
        rebuilt = nb201.from_edge_ops(nb201.edge_ops(spec))
    elif spec.space == "nb101":
        rebuilt = nb101.from_naslib_spec(nb101.to_naslib_spec(spec))
    elif spec.space == "nb301":
        rebuilt = darts.from_pairs(*darts.to_pairs(spec))
    else:
        return spec
    if rebuilt != spec:
        raise GenotypeError(
            f"this {spec.space} ArchSpec is not one the {spec.space} adapter builds (cell names, node order or an "
            "NB101 node off every input-output path differ); build it with adapters.to_spec from the genotype"
        )
    return spec


__all__ = ["check_spec", "to_spec", "MAX_STRING"]

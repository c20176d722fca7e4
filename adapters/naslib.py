"""NASLib search-space graph objects <-> ArchSpec (duck-typed: NASLib itself is never imported here).

NASLib's ``NasBench201SearchSpace`` exposes ``get_op_indices()``/``set_op_indices``,
``NasBench101SearchSpace`` ``get_spec()``/``set_spec``, and ``NasBench301SearchSpace``
``get_compact()``/``set_compact``. ``ss_type`` uses NASLib's names (``nasbench201`` ...).
"""

from __future__ import annotations

from typing import Any

from adapters import darts, nb101, nb201
from clue_plugins.errors import GenotypeError, shown
from clue_plugins.spec import ArchSpec

SS_TYPES = {"nasbench101": "nb101", "nasbench201": "nb201", "nasbench301": "nb301"}
_SPACE_TO_SS = {v: k for k, v in SS_TYPES.items()}


def space_of(ss_type: str) -> str:
    """Our space name for a NASLib ``ss_type`` (``nasbench201`` -> ``nb201``)."""
    if isinstance(ss_type, str) and ss_type in SS_TYPES.values():
        return ss_type
    try:
        return SS_TYPES[ss_type]
    except (KeyError, TypeError):
        raise GenotypeError(f"unsupported NASLib ss_type {shown(ss_type)}; supported: {', '.join(SS_TYPES)}") from None


def is_naslib_graph(obj: Any) -> bool:
    return any(hasattr(obj, m) for m in ("get_op_indices", "get_spec", "get_compact")) and not isinstance(obj, (dict, str, tuple, list))


def from_naslib(arch: Any, ss_type: str | None = None) -> ArchSpec:
    """ArchSpec of a NASLib search-space object; ``ss_type`` defaults to ``arch.get_type()``."""
    if ss_type is None:
        get_type = getattr(arch, "get_type", None)
        if get_type is None:
            raise GenotypeError("pass ss_type ('nasbench101', 'nasbench201' or 'nasbench301') for this NASLib object")
        ss_type = get_type()
    space = space_of(ss_type)
    try:
        if space == "nb201":
            return nb201.from_op_indices(arch.get_op_indices())
        if space == "nb101":
            return nb101.from_naslib_spec(arch.get_spec())
        return darts.from_compact(arch.get_compact())
    except AttributeError as exc:
        raise GenotypeError(f"object of type {type(arch).__name__} is not a NASLib {ss_type} search space: {exc}") from None


def to_naslib(spec: ArchSpec, arch: Any) -> Any:
    """Write ``spec`` into the (fresh) NASLib search-space object ``arch`` and return it."""
    if spec.space == "nb201":
        arch.set_op_indices(list(nb201.to_op_indices(spec)))
    elif spec.space == "nb101":
        arch.set_spec(nb101.to_naslib_spec(spec))
    elif spec.space == "nb301":
        arch.set_compact(darts.to_compact(spec))
    else:
        raise GenotypeError(f"no NASLib search space for ArchSpec space {shown(spec.space)}")
    return arch


def ss_type_of(spec: ArchSpec) -> str:
    return _SPACE_TO_SS[spec.space]

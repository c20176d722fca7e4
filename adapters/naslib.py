"""NASLib search-space graph objects <-> ArchSpec (duck-typed: NASLib itself is never imported here).

NASLib's ``NasBench201SearchSpace`` exposes ``get_op_indices()``/``set_op_indices``,
``NasBench101SearchSpace`` ``get_spec()``/``set_spec``, and ``NasBench301SearchSpace``
``get_compact()``/``set_compact``. ``ss_type`` uses NASLib's names (``nasbench201`` ...).
"""

from __future__ import annotations

from typing import Any

from adapters import darts, nb101, nb201
from clue_plugins.errors import GenotypeError, shown
from clue_plugins.spaces.registry import get_space, is_builtin, names_by
from clue_plugins.spec import ArchSpec

#: NASLib ``ss_type`` -> our space name, for every registered space that has a NASLib name (a live view of
#: :mod:`clue_plugins.spaces`).
SS_TYPES = names_by("naslib_name", "NASLib ss_type")


def space_of(ss_type: str) -> str:
    """Our space name for a NASLib ``ss_type`` (``nasbench201`` -> ``nb201``)."""
    table = dict(SS_TYPES)
    if isinstance(ss_type, str) and ss_type in table.values():
        return ss_type
    try:
        return table[ss_type]
    except (KeyError, TypeError):
        raise GenotypeError(f"unsupported NASLib ss_type {shown(ss_type)}; supported: {', '.join(table)}") from None


def is_naslib_graph(obj: Any) -> bool:
    return any(hasattr(obj, m) for m in ("get_op_indices", "get_spec", "get_compact")) and not isinstance(obj, (dict, str, tuple, list))


def from_naslib(arch: Any, ss_type: str | None = None) -> ArchSpec:
    """ArchSpec of a NASLib search-space object; ``ss_type`` defaults to ``arch.get_type()``."""
    if ss_type is None:
        get_type = getattr(arch, "get_type", None)
        if get_type is None:
            raise GenotypeError(f"pass ss_type ({', '.join(map(repr, SS_TYPES))}) for this NASLib object")
        ss_type = get_type()
    space = space_of(ss_type)
    if not is_builtin(space):
        return get_space(space).from_naslib(arch)
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
    elif spec.space in SS_TYPES.values():
        return get_space(spec.space).to_naslib(spec, arch)
    else:
        raise GenotypeError(f"no NASLib search space for ArchSpec space {shown(spec.space)}")
    return arch


def ss_type_of(spec: ArchSpec) -> str:
    """NASLib's ``ss_type`` of ``spec``'s space (``nb201`` -> ``nasbench201``)."""
    name = next((ss for ss, space in SS_TYPES.items() if space == spec.space), None)
    if name is None:
        raise GenotypeError(f"no NASLib search space for ArchSpec space {shown(spec.space)}")
    return name

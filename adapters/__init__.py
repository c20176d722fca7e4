"""Adapters: the only place that knows both a framework's genotype and the shared ArchSpec.

One module per genotype family (``nb201``, ``nb101``, ``darts``) and per framework object model
(``naslib``, ``nni``). :func:`to_spec` guesses the family of common inputs.
"""

from __future__ import annotations

from typing import Any

from clue_plugins.errors import GenotypeError
from clue_plugins.spec import ArchSpec


def to_spec(genotype: Any, space: str | None = None) -> ArchSpec:
    """Convert any supported genotype to an :class:`ArchSpec`.

    Accepted: an ArchSpec or its dict; an NB201 arch string; a DARTS ``Genotype`` or its string;
    NASLib NB201 op indices, NB101 ``{matrix, ops}`` spec or 56-int key, NB301 compact; an NNI
    sample dict of NasBench201/NasBench101/DARTS; a NASLib search-space graph object. ``space``
    (``nb101``, ``nb201``, ``nb301``) settles ambiguous forms such as integer tuples.
    """
    from adapters import darts, naslib, nb101, nb201, nni

    if isinstance(genotype, ArchSpec):
        return genotype
    if isinstance(genotype, dict):
        if "cells" in genotype and "space" in genotype:
            return ArchSpec.from_dict(genotype)
        if "matrix" in genotype and "ops" in genotype:
            return nb101.from_naslib_spec(genotype)
        return nni.from_sample(genotype)
    if isinstance(genotype, str):
        s = genotype.strip()
        if s.startswith("|"):
            return nb201.from_arch_str(s)
        if s.startswith("Genotype("):
            return darts.from_genotype_str(s)
        if s.startswith("(") or s.startswith("["):
            import ast

            try:
                return to_spec(ast.literal_eval(s), space)
            except (ValueError, SyntaxError):
                pass
        raise GenotypeError(f"cannot tell what genotype the string {genotype[:80]!r} is; pass an NB201 arch string or a DARTS Genotype string")
    if hasattr(genotype, "normal") and hasattr(genotype, "reduce"):
        return darts.from_genotype(genotype)
    if naslib.is_naslib_graph(genotype):
        return naslib.from_naslib(genotype, space)
    if isinstance(genotype, (tuple, list)):
        flat = list(genotype)
        if space == "nb201" or (space is None and len(flat) == 6 and all(isinstance(v, int) for v in flat)):
            return nb201.from_op_indices(flat)
        if space == "nb301" or (space is None and len(flat) == 2):
            return darts.from_compact(genotype)
        if space == "nb101" or (space is None and len(flat) == 56):
            return nb101.from_key(flat)
    raise GenotypeError(
        f"unsupported genotype of type {type(genotype).__name__}; supported: NB201 arch string or op indices, "
        "NB101 {matrix, ops} spec or key, NB301 compact or DARTS Genotype, NNI sample dict, NASLib graph"
    )


__all__ = ["to_spec"]

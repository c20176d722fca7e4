"""Evolution operators per search space: random sample, one-gene mutation, uniform crossover.

The operators and each space's genes live on the space's descriptor (:class:`clue_plugins.spaces.SearchSpace`:
``sample``, ``sample_distinct``, ``mutate``, ``crossover`` written once over ``genes``/``decode``/``random_gene``);
every search takes a space name or a descriptor. :class:`SpaceOps` and :func:`register_space` are the older
names, kept as thin wrappers over the descriptors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from clue_plugins.errors import ConfigError, UnknownNameError, shown
from clue_plugins.spaces.base import MAX_TRIES as _MAX_TRIES  # noqa: F401  (the older module constant)
from clue_plugins.spaces.base import FunctionSpace, SearchSpace
from clue_plugins.spaces.registry import get_space, is_builtin, registered, space_names
from clue_plugins.spec import ArchSpec


def searchable(space: str | SearchSpace | SpaceOps) -> SearchSpace:
    """The descriptor of ``space`` (a name, alias, descriptor or :class:`SpaceOps`), if it has search genes."""
    if isinstance(space, SpaceOps):
        return space.descriptor
    try:
        descriptor = get_space(space)
    except UnknownNameError:
        searchable_names = [s for s in space_names() if get_space(s).searchable]
        raise UnknownNameError(f"no search operators for space {shown(space)}; supported: {', '.join(searchable_names)} "
                               "(register a space with genes: clue_plugins.spaces.register_space)") from None
    if not descriptor.searchable:
        descriptor._require_genes()  # raises the error naming what to define
    return descriptor


class SpaceOps:
    """Sample / mutate / crossover of one space (its descriptor's operators); ``space`` is ``nb201``, ``nb101``,
    ``nb301`` or a registered space with genes."""

    def __init__(self, space: str | SearchSpace) -> None:
        self.descriptor = searchable(space)
        self.space = self.descriptor.name

    def genes(self, spec: ArchSpec) -> list:
        return self.descriptor.genes(spec)

    def sample(self, rng: np.random.Generator) -> ArchSpec:
        """A uniformly random valid cell (by genes)."""
        return self.descriptor.sample(rng)

    def sample_distinct(self, n: int, rng: np.random.Generator, exclude: Iterable[str] = ()) -> list[ArchSpec]:
        """``n`` random cells, all different and none with a key in ``exclude``."""
        return self.descriptor.sample_distinct(n, rng, exclude)

    def mutate(self, spec: ArchSpec, rng: np.random.Generator) -> ArchSpec:
        """Replace one gene by a different value; the child is a different cell."""
        return self.descriptor.mutate(spec, rng)

    def crossover(self, a: ArchSpec, b: ArchSpec, rng: np.random.Generator) -> ArchSpec:
        """Uniform crossover: each gene group comes from either parent with probability 1/2."""
        return self.descriptor.crossover(a, b, rng)


def register_space(space: str, genes: Callable[[ArchSpec], list], decode: Callable[[list], ArchSpec],
                   random_gene: Callable[[int, np.random.Generator], Any], n_genes: int,
                   groups: Sequence[Sequence[int]] | None = None) -> None:
    """Make a new search space searchable from functions: ``genes(spec)`` and ``decode(genes)`` (raising
    GenotypeError for an invalid cell, which is then redrawn) convert between specs and a fixed-length gene
    list, ``random_gene(i, rng)`` draws gene ``i``, and ``groups`` are the gene sets crossover swaps together
    (default: each gene). The short form of a descriptor with only genes: a whole space is one
    :class:`~clue_plugins.spaces.SearchSpace` (docs/extending.md)."""
    from clue_plugins.spaces.registry import register_space as register

    if not isinstance(space, str) or not space.strip():
        raise ConfigError(f"a space name is a non-empty string, got {shown(space)}")
    if is_builtin(space):
        raise ConfigError(f"space {space!r} is built in and has its search operators; pick another name")
    existing = registered(space)
    if existing is not None and not isinstance(existing, FunctionSpace):
        raise ConfigError(f"space {space!r} is registered with its descriptor {existing!r}; define genes, decode, "
                          "random_gene and n_genes on it instead")
    descriptor = existing if existing is not None else FunctionSpace(space)
    descriptor.set_genes(genes, decode, random_gene, n_genes, groups)
    if existing is None:
        register(descriptor)

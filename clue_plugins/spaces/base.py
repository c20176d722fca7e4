"""The search-space descriptor: everything the package knows about one space, in one object.

A :class:`SearchSpace` owns its names (ours, NASLib's ``ss_type``, NNI's model-space name, aliases),
its genotype codecs (``from_genotype``, ``recognises``, ``check``, the NASLib and NNI conversions), its
benchmark network, its evolution genes, and its benchmark table with the evaluation targets read from
it. Registered once (:func:`clue_plugins.spaces.register_space`), it is what ``adapters.to_spec``,
``ArchSpec.from_dict``, ``clue-nas``'s ``--space`` choices, ``build_network``, the evolution,
``clue_plugins.data.load`` and the evaluation targets all read.

Only what a space defines is needed: a method left out raises a :class:`~clue_plugins.errors.ConfigError`
that names the space and the method to define, when (and only when) something asks for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from clue_plugins.errors import ClueError, ConfigError, GenotypeError, shown
from clue_plugins.spec import ArchSpec

if TYPE_CHECKING:  # pragma: no cover
    from torch import nn

    from clue_plugins.data.table import BenchmarkTable

#: How many invalid draws (offspring ``decode`` refuses, duplicates) a search operator tolerates in a row.
MAX_TRIES = 1000


@dataclass(frozen=True)
class TargetColumns:
    """One evaluation target of a space: the labelled dataset and the columns of its benchmark table that
    hold accuracy, parameter count and FLOPs."""

    dataset: str
    accuracy: str
    params: str
    flops: str


class SearchSpace:
    """Base class of the descriptors; subclass it, set the names, define what your space has.

    Names: ``name`` (ours, e.g. ``nb201``), ``naslib_name`` (NASLib ``ss_type``), ``nni_name`` (NNI model
    space class), ``aliases`` (other spellings ``to_spec(space=...)`` and :func:`get_space` accept).

    Genotypes: :meth:`from_genotype` (the space's native forms -> ArchSpec), :meth:`recognises` (lets
    ``to_spec`` pick the space without ``space=``), :meth:`check` (``ArchSpec.from_dict`` calls it),
    :meth:`to_genotype`, and the framework conversions :meth:`from_naslib`/:meth:`to_naslib`,
    :meth:`from_nni`/:meth:`to_nni`/:meth:`is_nni_sample`, :meth:`nni_model_space`.

    Evolution: ``n_genes``, ``gene_groups``, :meth:`genes`, :meth:`decode` (raises GenotypeError for an invalid
    cell, which is redrawn), :meth:`random_gene`; the operators :meth:`sample`, :meth:`sample_distinct`,
    :meth:`mutate` and :meth:`crossover` are written once, here.

    Labels: :meth:`load_benchmark`, ``accuracy_column`` (the default table's main accuracy) and ``targets``
    (evaluation target id -> :class:`TargetColumns`).
    """

    name: str = ""
    aliases: tuple[str, ...] = ()
    naslib_name: str | None = None
    nni_name: str | None = None
    n_genes: int = 0
    gene_groups: Sequence[Sequence[int]] | None = None  # None: every gene on its own
    accuracy_column: str | None = None
    targets: Mapping[str, TargetColumns] = {}

    # ---- names ----------------------------------------------------------------------------------
    @property
    def spellings(self) -> tuple[str, ...]:
        """Every name this space answers to: ``name``, ``aliases``, ``naslib_name``, ``nni_name``."""
        names = (self.name, *self.aliases, self.naslib_name, self.nni_name)
        return tuple(dict.fromkeys(n for n in names if n))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def _missing(self, method: str, purpose: str) -> ConfigError:
        return ConfigError(f"search space {self.name!r} has no {purpose}: define {method} on its descriptor "
                           f"({type(self).__name__}); see docs/extending.md")

    # ---- genotype codecs ------------------------------------------------------------------------
    def recognises(self, genotype: Any) -> bool:
        """True if ``genotype`` is unmistakably one of this space's native forms (``to_spec`` without ``space=``
        then hands it to :meth:`from_genotype`). Claim only forms no other space uses; default: none."""
        return False

    def from_genotype(self, genotype: Any) -> ArchSpec:
        """The ArchSpec of one of the space's native genotype forms; :class:`GenotypeError` if malformed."""
        raise self._missing("from_genotype(genotype)", "genotype codec")

    def to_genotype(self, spec: ArchSpec) -> Any:
        """The space's native genotype of ``spec`` (inverse of :meth:`from_genotype`)."""
        raise self._missing("to_genotype(spec)", "genotype encoder")

    def check(self, spec: ArchSpec) -> ArchSpec:
        """``spec`` if the space can hold it, else :class:`GenotypeError`; ``ArchSpec.from_dict`` calls it on
        every deserialised spec of this space. Default: any cell structure is accepted."""
        return spec

    def from_naslib(self, arch: Any) -> ArchSpec:
        """The ArchSpec of a NASLib search-space object of this space."""
        raise GenotypeError(f"search space {self.name!r} has no NASLib search space (define from_naslib on its descriptor)")

    def to_naslib(self, spec: ArchSpec, arch: Any) -> Any:
        """Write ``spec`` into the fresh NASLib search-space object ``arch`` and return it."""
        raise GenotypeError(f"search space {self.name!r} has no NASLib search space (define to_naslib on its descriptor)")

    def is_nni_sample(self, sample: Mapping[str, Any]) -> bool:
        """True if the NNI sample dict's labels are this space's (``adapters.nni.detect_space`` asks)."""
        return False

    def from_nni(self, sample: Mapping[str, Any]) -> ArchSpec:
        """The ArchSpec of an NNI sample dict of this space's model space."""
        raise GenotypeError(f"search space {self.name!r} has no NNI model space (define from_nni on its descriptor)")

    def to_nni(self, spec: ArchSpec, prefix: str = "cell") -> dict[str, Any]:
        """The NNI sample dict of ``spec``."""
        raise GenotypeError(f"search space {self.name!r} has no NNI model space (define to_nni on its descriptor)")

    def nni_model_space(self) -> Any:
        """The NNI model space (``nni.nas.hub.pytorch``) that NNI strategies search."""
        raise self._missing("nni_model_space()", "NNI model space")

    def nni_benchmark(self) -> Any | None:
        """NNI's benchmark evaluator class for the space (its ``default_space`` validates model spaces), or None."""
        return None

    # ---- network ---------------------------------------------------------------------------------
    def build_network(self, spec: ArchSpec, num_classes: int = 10, **kwargs: Any) -> nn.Module:
        """The benchmark network of ``spec`` (torch)."""
        raise ConfigError(f"no network builder for space {self.name!r}: define build_network on its descriptor, or "
                          "register one with clue_plugins.networks.register_network(space, builder)")

    def string_network(self, spec: ArchSpec, num_classes: int = 10) -> tuple[nn.Module, tuple[int, ...]]:
        """(network, input shape) to trace for ``spec``'s SEval string: the benchmark network on a 32x32 image.

        A space may return a cheaper network and input that trace to the same string (NB201 does)."""
        return self.build_network(spec, num_classes=num_classes), (1, 3, 32, 32)

    # ---- labels ----------------------------------------------------------------------------------
    def load_benchmark(self, verify: bool | None = None) -> BenchmarkTable:
        """The default labelled table of the space (specs + metric columns)."""
        raise self._missing("load_benchmark(verify=None)", "benchmark table")

    def enumerate_specs(self) -> list[ArchSpec] | None:
        """Every cell of the space when that is a small list (guided search ranks them all), else None."""
        return None

    # ---- evolution genes --------------------------------------------------------------------------
    def genes(self, spec: ArchSpec) -> list:
        """``spec`` as a list of ``n_genes`` genes."""
        raise self._missing("genes(spec), decode(genes), random_gene(i, rng) and n_genes", "search operators")

    def decode(self, genes: Sequence[Any]) -> ArchSpec:
        """The cell of a gene list; :class:`GenotypeError` for an invalid one (the operators redraw it)."""
        raise self._missing("genes(spec), decode(genes), random_gene(i, rng) and n_genes", "search operators")

    def random_gene(self, i: int, rng: np.random.Generator) -> Any:
        """A random value of gene ``i``."""
        raise self._missing("genes(spec), decode(genes), random_gene(i, rng) and n_genes", "search operators")

    @property
    def searchable(self) -> bool:
        """Whether the evolution operators can run on this space (it defines its genes)."""
        return self.n_genes > 0 and type(self).decode is not SearchSpace.decode

    def _require_genes(self) -> None:
        if not self.searchable:
            raise self._missing("genes(spec), decode(genes), random_gene(i, rng) and n_genes", "search operators")

    def _groups(self) -> Sequence[Sequence[int]]:
        return self.gene_groups if self.gene_groups is not None else [[i] for i in range(self.n_genes)]

    def _valid(self, genes: list) -> ArchSpec | None:
        try:
            return self.decode(genes)
        except GenotypeError:
            return None

    def _retry(self, make: Callable[[], list], what: str) -> ArchSpec:
        for _ in range(MAX_TRIES):
            spec = self._valid(make())
            if spec is not None:
                return spec
        raise ClueError(f"could not draw a valid {self.name} {what} in {MAX_TRIES} tries")

    def sample(self, rng: np.random.Generator) -> ArchSpec:
        """A uniformly random valid cell (by genes)."""
        self._require_genes()
        return self._retry(lambda: [self.random_gene(i, rng) for i in range(self.n_genes)], "cell")

    def sample_distinct(self, n: int, rng: np.random.Generator, exclude: Iterable[str] = ()) -> list[ArchSpec]:
        """``n`` random cells, all different and none with a key in ``exclude``."""
        seen, out, misses = set(exclude), [], 0
        while len(out) < n:
            s = self.sample(rng)
            if s.key in seen:
                misses += 1
                if misses >= MAX_TRIES:
                    raise ConfigError(f"found only {len(out)} of {n} distinct new {self.name} cells in {MAX_TRIES} draws "
                                      "in a row: the space (minus those excluded) may have fewer cells")
                continue
            misses = 0
            seen.add(s.key)
            out.append(s)
        return out

    def mutate(self, spec: ArchSpec, rng: np.random.Generator) -> ArchSpec:
        """Replace one gene by a different value (FreeREA's mutation); the child is a different cell
        (a change that pruning would undo, e.g. on a dead NB101 node, is redrawn)."""
        self._require_genes()
        parent = self.genes(spec)
        for _ in range(MAX_TRIES):
            child = list(parent)
            i = int(rng.integers(self.n_genes))
            value = self.random_gene(i, rng)
            if value == parent[i]:
                continue
            child[i] = value
            out = self._valid(child)
            if out is not None and out.key != spec.key:
                return out
        raise ClueError(f"could not draw a valid {self.name} mutation of {spec.key} in {MAX_TRIES} tries")

    def crossover(self, a: ArchSpec, b: ArchSpec, rng: np.random.Generator) -> ArchSpec:
        """Uniform crossover: each gene group comes from either parent with probability 1/2."""
        self._require_genes()
        ga, gb = self.genes(a), self.genes(b)

        def make() -> list:
            child = list(ga)
            for group in self._groups():
                if rng.random() < 0.5:
                    for i in group:
                        child[i] = gb[i]
            return child

        return self._retry(make, "crossover child")


class FunctionSpace(SearchSpace):
    """A descriptor assembled from functions, behind the older one-aspect registrations
    (``clue_plugins.spec.register_space(name, check)``, ``clue_plugins.search.register_space(name, genes, ...)``)."""

    def __init__(self, name: str, check: Callable[[ArchSpec], Any] | None = None) -> None:
        self.name = name
        self._check = check
        self._genes: tuple | None = None

    def check(self, spec: ArchSpec) -> ArchSpec:
        if self._check is not None:
            self._check(spec)
        return spec

    def set_genes(self, genes: Callable[[ArchSpec], list], decode: Callable[[list], ArchSpec],
                  random_gene: Callable[[int, np.random.Generator], Any], n_genes: int,
                  groups: Sequence[Sequence[int]] | None = None) -> None:
        if not all(callable(f) for f in (genes, decode, random_gene)):
            raise ConfigError("genes, decode and random_gene must be functions")
        if isinstance(n_genes, bool) or not isinstance(n_genes, int) or n_genes < 1:
            raise ConfigError(f"n_genes must be a whole number >= 1, got {shown(n_genes)}")
        self._genes = (genes, decode, random_gene)
        self.n_genes = n_genes
        self.gene_groups = groups

    @property
    def searchable(self) -> bool:
        return self._genes is not None

    def genes(self, spec: ArchSpec) -> list:
        if self._genes is None:
            return super().genes(spec)
        return self._genes[0](spec)

    def decode(self, genes: Sequence[Any]) -> ArchSpec:
        if self._genes is None:
            return super().decode(genes)
        return self._genes[1](genes)

    def random_gene(self, i: int, rng: np.random.Generator) -> Any:
        if self._genes is None:
            return super().random_gene(i, rng)
        return self._genes[2](i, rng)

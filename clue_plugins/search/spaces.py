"""Evolution operators per search space: random sample, one-gene mutation, uniform crossover.

Every operator takes and returns ArchSpecs (built through ``adapters/``), so one search strategy
works on NB201, NB101 and NB301 alike. Genes:

- NB201: the 6 edge ops (NASLib op-index order).
- NB101: the 21 upper-triangle edges of a 7-node cell and its 5 inner ops; offspring that NAS-Bench-101
  would reject (no input->output path, > 9 edges after pruning) are redrawn.
- NB301: per cell (normal, reduce) and intermediate node, its two (input, op) pairs; a node's two inputs
  stay distinct, and crossover takes whole nodes so children stay valid.
"""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from clue_plugins.errors import ClueError, GenotypeError
from clue_plugins.spec import ArchSpec

_MAX_TRIES = 1000


class SpaceOps:
    """Sample / mutate / crossover for one space; ``space`` is ``nb201``, ``nb101`` or ``nb301``."""

    def __init__(self, space: str) -> None:
        impl = _SPACES.get(space)
        if impl is None:
            raise ClueError(f"no search operators for space {space!r}; supported: {', '.join(_SPACES)}")
        self.space = space
        self._genes, self._decode, self._random_gene, self._n_genes, self._groups = impl

    def genes(self, spec: ArchSpec) -> list:
        return self._genes(spec)

    def _valid(self, genes: list) -> ArchSpec | None:
        try:
            return self._decode(genes)
        except GenotypeError:
            return None

    def _retry(self, make: Callable[[], list], what: str) -> ArchSpec:
        for _ in range(_MAX_TRIES):
            spec = self._valid(make())
            if spec is not None:
                return spec
        raise ClueError(f"could not draw a valid {self.space} {what} in {_MAX_TRIES} tries")

    def sample(self, rng: np.random.Generator) -> ArchSpec:
        """A uniformly random valid cell (by genes)."""
        return self._retry(lambda: [self._random_gene(i, rng) for i in range(self._n_genes)], "cell")

    def sample_distinct(self, n: int, rng: np.random.Generator, exclude: Iterable[str] = ()) -> list[ArchSpec]:
        """``n`` random cells, all different and none with a key in ``exclude``."""
        seen, out = set(exclude), []
        while len(out) < n:
            s = self.sample(rng)
            if s.key not in seen:
                seen.add(s.key)
                out.append(s)
        return out

    def mutate(self, spec: ArchSpec, rng: np.random.Generator) -> ArchSpec:
        """Replace one gene by a different value (FreeREA's mutation); the child is a different cell
        (a change that pruning would undo, e.g. on a dead NB101 node, is redrawn)."""
        parent = self.genes(spec)
        for _ in range(_MAX_TRIES):
            child = list(parent)
            i = int(rng.integers(self._n_genes))
            value = self._random_gene(i, rng)
            if value == parent[i]:
                continue
            child[i] = value
            out = self._valid(child)
            if out is not None and out.key != spec.key:
                return out
        raise ClueError(f"could not draw a valid {self.space} mutation of {spec.key} in {_MAX_TRIES} tries")

    def crossover(self, a: ArchSpec, b: ArchSpec, rng: np.random.Generator) -> ArchSpec:
        """Uniform crossover: each gene group comes from either parent with probability 1/2."""
        ga, gb = self.genes(a), self.genes(b)

        def make() -> list:
            child = list(ga)
            for group in self._groups:
                if rng.random() < 0.5:
                    for i in group:
                        child[i] = gb[i]
            return child

        return self._retry(make, "crossover child")


# -- NB201 ---------------------------------------------------------------------------------------------
def _nb201() -> tuple:
    from adapters.nb201 import from_op_indices, to_op_indices

    return (lambda s: list(to_op_indices(s)), from_op_indices, lambda i, rng: int(rng.integers(5)), 6,
            [[i] for i in range(6)])


# -- NB101 ---------------------------------------------------------------------------------------------
_NB101_N = 7
_NB101_EDGES = [(i, j) for i in range(_NB101_N) for j in range(i + 1, _NB101_N)]


def _nb101() -> tuple:
    from adapters.nb101 import OPS, from_matrix_ops, to_naslib_spec

    n_edges = len(_NB101_EDGES)

    def genes(spec: ArchSpec) -> list:
        named = to_naslib_spec(spec)
        m, ops = np.asarray(named["matrix"]), list(named["ops"])
        k = len(ops)
        # a pruned cell is padded back to 7 nodes: the extra nodes sit before the output, unconnected
        full = np.zeros((_NB101_N, _NB101_N), int)
        pos = list(range(k - 1)) + [_NB101_N - 1]
        for a in range(k):
            for b in range(k):
                full[pos[a], pos[b]] = m[a, b]
        inner = ops[1:-1] + [OPS[0]] * (_NB101_N - k)
        return [int(full[i, j]) for i, j in _NB101_EDGES] + [OPS.index(o) for o in inner]

    def decode(g: list) -> ArchSpec:
        m = np.zeros((_NB101_N, _NB101_N), int)
        for bit, (i, j) in zip(g[:n_edges], _NB101_EDGES):
            m[i, j] = bit
        if m.sum() > 9:
            raise GenotypeError("more than 9 edges")
        return from_matrix_ops(m, ["input", *[OPS[o] for o in g[n_edges:]], "output"])

    def random_gene(i: int, rng: np.random.Generator) -> int:
        return int(rng.integers(2)) if i < n_edges else int(rng.integers(3))

    return genes, decode, random_gene, n_edges + _NB101_N - 2, [[i] for i in range(n_edges + _NB101_N - 2)]


# -- NB301 ---------------------------------------------------------------------------------------------
def _nb301() -> tuple:
    from adapters.darts import OPS, from_compact, to_compact

    def genes(spec: ArchSpec) -> list:
        normal, reduce = to_compact(spec)
        return [tuple(p) for p in (*normal, *reduce)]

    def decode(g: list) -> ArchSpec:
        for k in range(0, 16, 2):  # a node reads two different inputs
            if g[k][0] == g[k + 1][0]:
                raise GenotypeError("a DARTS node needs two different inputs")
        return from_compact((tuple(g[:8]), tuple(g[8:])))

    def random_gene(i: int, rng: np.random.Generator) -> tuple:
        node = (i % 8) // 2 + 2
        return (int(rng.integers(node)), int(rng.integers(len(OPS))))

    return genes, decode, random_gene, 16, [[k, k + 1] for k in range(0, 16, 2)]


_SPACES = {"nb201": _nb201(), "nb101": _nb101(), "nb301": _nb301()}


def register_space(space: str, genes: Callable[[ArchSpec], list], decode: Callable[[list], ArchSpec],
                   random_gene: Callable[[int, np.random.Generator], object], n_genes: int,
                   groups: list[list[int]] | None = None) -> None:
    """Make a new search space searchable: ``genes(spec)`` and ``decode(genes)`` (raising GenotypeError for an
    invalid cell, which is then redrawn) convert between specs and a fixed-length gene list, ``random_gene(i,
    rng)`` draws gene ``i``, and ``groups`` are the gene sets crossover swaps together (default: each gene)."""
    _SPACES[space] = (genes, decode, random_gene, n_genes, groups or [[i] for i in range(n_genes)])

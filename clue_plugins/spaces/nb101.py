"""NAS-Bench-101: one cell of up to 7 nodes, 3 ops, at most 9 edges; 423,624 unique cells.

Genotypes: NASLib's ``{matrix, ops}`` spec and its 56-int key, NASBench records, NNI ``NasBench101``
samples (all in :mod:`adapters.nb101` / :mod:`adapters.nni`). Genes: the 21 upper-triangle edges of a
7-node cell and its 5 inner ops; offspring that NAS-Bench-101 would reject (no input->output path, > 9
edges after pruning) are redrawn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adapters import nb101
from clue_plugins.errors import GenotypeError
from clue_plugins.spaces.base import TargetColumns
from clue_plugins.spaces.builtin import AdapterSpace
from clue_plugins.spec import ArchSpec

_N = nb101.MAX_NODES
_EDGES = [(i, j) for i in range(_N) for j in range(i + 1, _N)]


class NB101Space(AdapterSpace):
    name = "nb101"
    naslib_name = "nasbench101"
    nni_name = "NasBench101"
    n_genes = len(_EDGES) + _N - 2
    accuracy_column = "val_acc"
    targets = {"nb101": TargetColumns("cifar10", "val_acc", "zc.params", "zc.flops")}
    network = "clue_plugins.networks.nb101:NB101Network"
    loader = "clue_plugins.data.nb101:load_nb101_zc"

    def to_genotype(self, spec: ArchSpec) -> dict:
        return nb101.to_naslib_spec(spec)

    def genes(self, spec: ArchSpec) -> list:
        named = nb101.to_naslib_spec(spec)
        m, ops = np.asarray(named["matrix"]), list(named["ops"])
        k = len(ops)
        # a pruned cell is padded back to 7 nodes: the extra nodes sit before the output, unconnected
        full = np.zeros((_N, _N), int)
        pos = list(range(k - 1)) + [_N - 1]
        for a in range(k):
            for b in range(k):
                full[pos[a], pos[b]] = m[a, b]
        inner = ops[1:-1] + [nb101.OPS[0]] * (_N - k)
        return [int(full[i, j]) for i, j in _EDGES] + [nb101.OPS.index(o) for o in inner]

    def decode(self, genes: Any) -> ArchSpec:
        m = np.zeros((_N, _N), int)
        for bit, (i, j) in zip(genes[: len(_EDGES)], _EDGES):
            m[i, j] = bit
        if m.sum() > nb101.MAX_EDGES:
            raise GenotypeError(f"more than {nb101.MAX_EDGES} edges")
        return nb101.from_matrix_ops(m, ["input", *[nb101.OPS[o] for o in genes[len(_EDGES):]], "output"])

    def random_gene(self, i: int, rng: np.random.Generator) -> int:
        return int(rng.integers(2)) if i < len(_EDGES) else int(rng.integers(len(nb101.OPS)))


SPACE = NB101Space()

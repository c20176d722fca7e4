"""NAS-Bench-301 (the DARTS space): a normal and a reduce cell, each 4 intermediate nodes reading two
(input, op) pairs, 7 ops.

Genotypes: DARTS ``Genotype`` objects and strings, NASLib's compact form, NNI ``DARTS`` samples (all in
:mod:`adapters.darts` / :mod:`adapters.nni`). Genes: per cell and intermediate node, its two (input, op)
pairs; a node's two inputs stay distinct, and crossover takes whole nodes so children stay valid.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adapters import darts
from clue_plugins.errors import GenotypeError
from clue_plugins.spaces.base import TargetColumns
from clue_plugins.spaces.builtin import AdapterSpace
from clue_plugins.spec import ArchSpec


class NB301Space(AdapterSpace):
    name = "nb301"
    aliases = ("darts",)
    naslib_name = "nasbench301"
    nni_name = "DARTS"
    n_genes = 16
    gene_groups = [[k, k + 1] for k in range(0, 16, 2)]
    accuracy_column = "val_acc"
    targets = {"nb301": TargetColumns("cifar10", "val_acc", "zc.params", "zc.flops")}
    network = "clue_plugins.networks.darts:DartsNetwork"
    loader = "clue_plugins.data.nb301:load_nb301_zc"

    def to_genotype(self, spec: ArchSpec) -> Any:
        return darts.to_genotype(spec)

    def nni_model_space(self) -> Any:
        from nni.nas.hub import pytorch as hub

        return hub.DARTS(width=16, num_cells=8)  # the small width used for search

    def genes(self, spec: ArchSpec) -> list:
        normal, reduce = darts.to_compact(spec)
        return [tuple(p) for p in (*normal, *reduce)]

    def decode(self, genes: Any) -> ArchSpec:
        for k in range(0, 16, 2):  # a node reads two different inputs
            if genes[k][0] == genes[k + 1][0]:
                raise GenotypeError("a DARTS node needs two different inputs")
        return darts.from_compact((tuple(genes[:8]), tuple(genes[8:])))

    def random_gene(self, i: int, rng: np.random.Generator) -> tuple:
        node = (i % 8) // 2 + 2
        return (int(rng.integers(node)), int(rng.integers(len(darts.OPS))))


SPACE = NB301Space()

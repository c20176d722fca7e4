"""NAS-Bench-201: one 4-node cell, an op on each of its 6 edges (5 choices); 15,625 cells.

Genotypes: the arch string ``|nor_conv_3x3~0|+|...|``, NASLib's 6 op indices, NNI ``NasBench201`` samples
(all in :mod:`adapters.nb201` / :mod:`adapters.nni`). Genes: the 6 op indices (NASLib's edge order).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from adapters import nb201
from clue_plugins.spaces.base import TargetColumns
from clue_plugins.spaces.builtin import AdapterSpace
from clue_plugins.spec import ArchSpec

_DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


class NB201Space(AdapterSpace):
    name = "nb201"
    naslib_name = "nasbench201"
    nni_name = "NasBench201"
    n_genes = 6
    accuracy_column = "cifar10.test_acc"
    targets = {f"nb201-{d}": TargetColumns(d, f"{d}.test_acc", f"{d}.params_M", f"{d}.flops_M") for d in _DATASETS}
    network = "clue_plugins.networks.nb201:NB201Network"
    loader = "clue_plugins.data.nb201:load_nb201"

    def string_network(self, spec: ArchSpec, num_classes: int = 10) -> tuple[Any, tuple[int, ...]]:
        """The same string, cheaper: the five cells of a stage as one shared module (a fifth of the build; the
        forward and its graph are unchanged) traced on an 8x8 input (no shape-dependent branch: only the
        arithmetic shrinks)."""
        from clue_plugins.networks.nb201 import NB201Network

        return NB201Network(spec, num_classes=num_classes, share_cells=True), (1, 3, 8, 8)

    def to_genotype(self, spec: ArchSpec) -> str:
        return nb201.to_arch_str(spec)

    def enumerate_specs(self) -> list[ArchSpec]:
        return [nb201.from_op_indices(ix) for ix in itertools.product(range(len(nb201.OPS)), repeat=6)]

    def genes(self, spec: ArchSpec) -> list:
        return list(nb201.to_op_indices(spec))

    def decode(self, genes: Any) -> ArchSpec:
        return nb201.from_op_indices(genes)

    def random_gene(self, i: int, rng: np.random.Generator) -> int:
        return int(rng.integers(len(nb201.OPS)))


SPACE = NB201Space()

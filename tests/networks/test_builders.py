"""Benchmark networks built from specs match the benchmarks' own parameter and FLOP counts."""

import pickle

import numpy as np
import pytest
import torch

from adapters import darts, nb101
from clue_plugins import ClueError, GenotypeError
from clue_plugins.networks import build_network, count_flops_m, count_params_m
from clue_plugins.networks.nb201 import NUM_CLASSES


def _meta(spec, **kw):
    with torch.device("meta"):
        return build_network(spec, **kw)


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100", "ImageNet16-120"])
def test_nb201_params_and_flops_match_nats_bench(nb201_table, dataset):
    params = nb201_table.column(f"{dataset}.params_M")
    flops = nb201_table.column(f"{dataset}.flops_M")
    rows = [i for i in np.random.default_rng(1).permutation(len(params))[:60] if np.isfinite(params[i])]
    shape = (1, 3, 16, 16) if dataset == "ImageNet16-120" else (1, 3, 32, 32)
    for i in rows:  # every cell is checked by benchmarks/bench_networks.py
        net = build_network(nb201_table.specs[i], num_classes=NUM_CLASSES[dataset])
        assert count_params_m(net) == pytest.approx(params[i], abs=1e-9), nb201_table.specs[i].prompt()
        assert count_flops_m(net, shape) == pytest.approx(flops[i], abs=1e-6)


def test_nb201_network_runs_and_parameter_count_by_hand(nb201_table):
    from adapters import nb201

    spec = nb201.from_arch_str("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    net = build_network(spec)
    # only stem, reduction blocks, last BN and classifier hold weights
    stem = 3 * 16 * 9 + 2 * 16
    red = lambda c: c * 2 * c * 9 + 2 * 2 * c + 2 * c * 2 * c * 9 + 2 * 2 * c + c * 2 * c
    assert sum(p.numel() for p in net.parameters()) == stem + red(16) + red(32) + 2 * 64 + 64 * 10 + 10
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_nb101_params_match_nasbench_records(data_dir):
    with open(data_dir / "nb101" / "nasbench_only108_sample30.pkl", "rb") as fh:
        records = pickle.load(fh)
    for fixed, _ in records.values():
        net = _meta(nb101.from_record(fixed))
        assert sum(p.numel() for p in net.parameters()) == fixed["trainable_parameters"]


def test_darts_v2_has_the_published_parameter_count():
    geno = ("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
            "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
            "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
            "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])")
    net = _meta(darts.from_genotype_str(geno), channels=36, layers=20)
    assert count_params_m(net) == pytest.approx(3.349342, abs=1e-6)  # DARTS paper/code: 3.3M
    small = build_network(darts.from_genotype_str(geno))  # NB301's training network (C=32, 8 cells)
    assert small(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_build_network_errors():
    with pytest.raises(ClueError, match="ArchSpec"):
        build_network("|none~0|")
    from clue_plugins.spec import ArchSpec, Cell

    odd = ArchSpec("myspace", (Cell(("input", "conv_3x3", "output"), ((0, 1, 0), (0, 0, 1), (0, 0, 0))),))
    with pytest.raises(ClueError, match="register_network"):
        build_network(odd)
    bad_nb201 = ArchSpec("nb201", odd.cells)
    with pytest.raises(GenotypeError, match="NB201"):
        build_network(bad_nb201)

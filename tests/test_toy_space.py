"""A new search space is one descriptor: a toy space defined and registered in this file alone works in
``to_spec``, ``ArchSpec.from_dict``, ``clue-nas encode`` and its ``--space`` choices, ``build_network``,
``data.load`` and the evaluation targets, CLUE fit/predict, and the evolution."""

from __future__ import annotations

import argparse
import itertools
import json

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from adapters import to_spec
from clue_plugins.data.table import BenchmarkTable
from clue_plugins.errors import ConfigError, GenotypeError, UnknownNameError, UnknownOpError, shown
from clue_plugins.spaces import SearchSpace, TargetColumns, get_space, register_space, space_names, unregister_space
from clue_plugins.spec import ArchSpec, Cell

NAME = "toychain"
OPS = ("conv_3x3", "conv_1x1", "skip_connect")
PREFIX = "chain:"


class ToyChainSpace(SearchSpace):
    """input -> op -> op -> op -> output: a 4-node chain whose 3 edges each take one of OPS (ops on nodes here)."""

    name = NAME
    aliases = ("ToyChain",)
    n_genes = 3
    accuracy_column = "acc"
    targets = {"toychain-synthetic": TargetColumns("synthetic", "acc", "params", "flops")}

    # -- genotypes: a tuple of 3 op names, or "chain:op,op,op" ------------------------------------
    def recognises(self, genotype):
        if isinstance(genotype, str):
            return genotype.startswith(PREFIX)
        return isinstance(genotype, tuple) and len(genotype) == 3 and all(op in OPS for op in genotype)

    def from_genotype(self, genotype):
        if isinstance(genotype, str):
            if not genotype.startswith(PREFIX):
                raise GenotypeError(f"a toychain string starts with {PREFIX!r}, got {shown(genotype)}")
            genotype = tuple(genotype[len(PREFIX):].split(","))
        if not isinstance(genotype, (tuple, list)) or len(genotype) != 3:
            raise GenotypeError(f"a toychain genotype is 3 op names, got {shown(genotype)}")
        for op in genotype:
            if op not in OPS:
                raise UnknownOpError(op, OPS, "in a toychain genotype")
        n = 5
        adjacency = [[1 if j == i + 1 else 0 for j in range(n)] for i in range(n)]
        return ArchSpec(NAME, (Cell(("input", *genotype, "output"), adjacency),))

    def to_genotype(self, spec):
        return PREFIX + ",".join(spec.cells[0].ops[1:-1])

    def check(self, spec):
        ops = spec.cells[0].ops[1:-1] if len(spec.cells) == 1 else ()
        if len(ops) != 3 or self.from_genotype(ops) != spec:
            raise GenotypeError("a toychain spec is one 5-node chain cell")
        return spec

    # -- network -------------------------------------------------------------------------------------
    def build_network(self, spec, num_classes=10, channels=8, **kwargs):
        layers = {"conv_3x3": lambda: nn.Conv2d(channels, channels, 3, padding=1),
                  "conv_1x1": lambda: nn.Conv2d(channels, channels, 1), "skip_connect": nn.Identity}
        body = [layers[op]() for op in spec.cells[0].ops[1:-1]]
        return nn.Sequential(nn.Conv2d(3, channels, 3, padding=1), *body, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                             nn.Linear(channels, num_classes))

    # -- evolution genes --------------------------------------------------------------------------
    def genes(self, spec):
        return [OPS.index(op) for op in spec.cells[0].ops[1:-1]]

    def decode(self, genes):
        return self.from_genotype(tuple(OPS[g] for g in genes))

    def random_gene(self, i, rng):
        return int(rng.integers(len(OPS)))

    def enumerate_specs(self):
        return [self.from_genotype(ops) for ops in itertools.product(OPS, repeat=3)]

    # -- labels: a synthetic benchmark ----------------------------------------------------------------
    def load_benchmark(self, verify=None):
        specs = self.enumerate_specs()
        frame = pd.DataFrame({"acc": [label(s) for s in specs], "params": [float(len(s.key)) for s in specs],
                              "flops": [1.0] * len(specs)})
        return BenchmarkTable(NAME, specs, frame, "synthetic toychain labels")


def label(spec: ArchSpec) -> float:
    """A deterministic 'accuracy': 3x3 convs help most, skips least, later positions weigh more."""
    worth = {"conv_3x3": 3.0, "conv_1x1": 2.0, "skip_connect": 0.5}
    return 80.0 + sum((k + 1) * worth[op] for k, op in enumerate(spec.cells[0].ops[1:-1]))


@pytest.fixture
def toy():
    descriptor = register_space(ToyChainSpace())
    yield descriptor
    unregister_space(NAME)


def test_registry_lists_and_finds_it_and_forgets_it_after(toy):
    assert space_names()[:3] == ("nb101", "nb201", "nb301") and space_names()[-1] == NAME
    assert get_space("ToyChain") is toy and get_space(NAME) is toy
    with pytest.raises(ConfigError, match="already registered"):
        register_space(ToyChainSpace())
    with pytest.raises(ConfigError, match="built in"):
        unregister_space("nb201")


def test_unregistered_after_the_fixture():
    assert NAME not in space_names()
    with pytest.raises(UnknownNameError, match=f"unknown search space '{NAME}'; known spaces: nb101, nb201, nb301"):
        get_space(NAME)


def test_to_spec_native_forms_and_space_argument(toy):
    a = to_spec(("conv_3x3", "skip_connect", "conv_1x1"))
    assert a.space == NAME and a.cells[0].ops == ("input", "conv_3x3", "skip_connect", "conv_1x1", "output")
    assert to_spec("chain:conv_3x3,skip_connect,conv_1x1") == a
    assert to_spec(["conv_3x3", "skip_connect", "conv_1x1"], space=NAME) == a  # a list: only with space=
    assert to_spec("chain:conv_3x3,skip_connect,conv_1x1", space="ToyChain") == a
    assert toy.to_genotype(a) == "chain:conv_3x3,skip_connect,conv_1x1"
    assert ArchSpec.from_dict(a.to_dict()) == a and to_spec(a.to_dict()) == a
    with pytest.raises(GenotypeError, match="6 entries"):  # space= given: the toy's codec is not asked
        to_spec(("conv_3x3", "skip_connect", "conv_1x1"), space="nb201")
    with pytest.raises(GenotypeError, match="but space='nb201' was asked for"):
        to_spec(a, space="nb201")
    with pytest.raises(UnknownOpError, match="max_pool_3x3"):
        to_spec("chain:conv_3x3,max_pool_3x3,conv_1x1")
    broken = {**a.to_dict(), "cells": [{"ops": ["input", "conv_3x3", "output"], "adjacency": [[0, 1, 0], [0, 0, 1], [0, 0, 0]]}]}
    del broken["key"]
    with pytest.raises(GenotypeError, match="5-node chain"):
        ArchSpec.from_dict(broken)  # the descriptor's check runs on deserialised specs
    # the built-in forms are untouched
    assert to_spec((0, 1, 2, 3, 4, 0)).space == "nb201"


def _space_choices(parser: argparse.ArgumentParser) -> dict[str, tuple]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = {}
    for command, p in sub.choices.items():
        for action in p._actions:
            if action.dest in ("space", "spaces") and action.choices:
                out[command] = tuple(action.choices)
    return out


def test_cli_choices_list_registered_spaces(toy):
    from clue_plugins.cli import build_parser

    choices = _space_choices(build_parser())
    assert {"encode", "summary", "measure", "network-string"} <= set(choices)
    for command in ("encode", "summary", "measure", "network-string"):
        assert NAME in choices[command] and {"nb101", "nb201", "nb301"} <= set(choices[command])
    assert "NasBench201" in choices["nni-search"] and NAME not in choices["nni-search"]  # the toy has no NNI space


def test_cli_encode(toy, capsys):
    from clue_plugins.cli import main

    assert main(["encode", "chain:conv_1x1,conv_1x1,skip_connect", "--space", NAME, "--vectors"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["space"] == NAME and out["prompt"] == "The architecture has 5 nodes: input, conv_1x1, conv_1x1, skip_connect, output."
    assert len(out["flow_vector"]) == 320 and len(out["op_metric_vector"]) == 128
    assert main(["encode", "chain:skip_connect,skip_connect,skip_connect"]) == 0  # recognised without --space
    assert json.loads(capsys.readouterr().out)["space"] == NAME
    assert main(["summary", "--spaces", NAME]) == 0  # its synthetic benchmark table
    assert "toychain" in capsys.readouterr().out


def test_network_benchmark_and_targets(toy):
    from clue_plugins import data
    from clue_plugins.evaluation.targets import TARGETS, load_target
    from clue_plugins.networks import build_network
    from clue_plugins.surrogate import target_name

    spec = to_spec("chain:conv_3x3,skip_connect,conv_1x1")
    assert build_network(spec, num_classes=4)(torch.zeros(2, 3, 8, 8)).shape == (2, 4)
    table = data.load(NAME)
    assert len(table) == 27 and data.ACCURACY_COLUMN[NAME] == "acc"
    assert TARGETS["toychain-synthetic"] == (NAME, "acc", "params", "flops")
    assert target_name(NAME, "synthetic") == "toychain-synthetic"
    target = load_target("toychain-synthetic")
    assert target.space == NAME and np.allclose(target.y, [label(s) for s in target.specs])


def test_clue_fits_and_predicts_toy_specs(toy):
    from clue_plugins.predictors.clue import CLUEPredictor

    specs = toy.enumerate_specs()
    y = np.array([label(s) for s in specs])
    train = list(range(0, 27, 2))
    model = CLUEPredictor(epochs=5, seed=0).fit([specs[i] for i in train], y[train])
    pred = model.predict(specs)
    assert pred.shape == (27,) and np.all(np.isfinite(pred))
    with pytest.raises(ConfigError, match="trained on toychain"):
        model.predict([to_spec((0, 1, 2, 3, 4, 0))])  # another space: refused unless cross_space=True


def test_evolution_on_the_toy_space(toy):
    from clue_plugins.search import Budget, Evolution, SpaceOps

    rng = np.random.default_rng(0)
    a, b = toy.sample(rng), toy.sample(rng)
    child = toy.mutate(a, rng)
    assert child.space == NAME and child.key != a.key
    assert sum(x != y for x, y in zip(toy.genes(a), toy.genes(child))) == 1
    assert all(g in (x, y) for g, x, y in zip(toy.genes(toy.crossover(a, b, rng)), toy.genes(a), toy.genes(b)))
    assert len({s.key for s in toy.sample_distinct(27, rng)}) == 27
    with pytest.raises(ConfigError, match="fewer cells"):
        toy.sample_distinct(28, rng)
    assert SpaceOps(NAME).sample(rng).space == NAME  # the older name still works

    def scorer(specs):
        return [{"accuracy": label(s)} for s in specs]

    best = max(label(s) for s in toy.enumerate_specs())
    for space in (NAME, toy):  # by name or by descriptor
        run = Evolution(population_size=6, tournament_size=3).run(space, scorer, Budget(queries=27, stall_steps=200), seed=0)
        assert all(r.spec.space == NAME for r in run.history)
        assert run.answer.metrics["accuracy"] == max(r.metrics["accuracy"] for r in run.history)
        assert run.answer.metrics["accuracy"] == best  # 27 cells, 27 queries: evolution finds the optimum


def test_a_space_without_genes_or_network_says_what_to_define():
    class Bare(SearchSpace):
        name = "bare"

    register_space(Bare)
    try:
        from clue_plugins.networks import build_network
        from clue_plugins.search import SpaceOps

        with pytest.raises(ConfigError, match="search operators: define genes"):
            SpaceOps("bare")
        spec = ArchSpec("bare", (Cell(("input", "conv_3x3", "output"), ((0, 1, 0), (0, 0, 1), (0, 0, 0))),))
        with pytest.raises(ConfigError, match="no network builder for space 'bare'"):
            build_network(spec)
        assert ArchSpec.from_dict(spec.to_dict()) == spec  # no check defined: any cell is accepted
    finally:
        unregister_space("bare")

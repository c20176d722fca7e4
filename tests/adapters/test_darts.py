import json
from collections import namedtuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters import darts, nni, to_spec
from clue_plugins import GenotypeError, UnknownOpError

DARTS_V2 = ("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
            "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
            "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
            "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])")


def _forms(spec):
    assert darts.from_compact(darts.to_compact(spec)) == spec
    assert darts.from_genotype(darts.to_genotype(spec)) == spec
    assert darts.from_genotype_str(darts.to_genotype_str(spec)) == spec
    assert nni.from_sample(nni.to_sample(spec)) == spec


def test_every_shared_cell_round_trips(data_dir):
    labelled = json.loads((data_dir / "nb301/zc_nasbench301.json").read_text())["cifar10"]
    unlabelled = json.loads((data_dir / "nb301/archs_nasbench301.json").read_text())
    keys = set()
    for compact in list(labelled) + list(unlabelled.values()):
        spec = darts.from_compact(compact)
        _forms(spec)
        keys.add(spec.key)
    assert len(keys) == len(labelled) + len(unlabelled)  # no two shared cells collapse


def test_compact_comes_back_in_canonical_slot_order():
    compact = ([(1, 3), (0, 3), (1, 1), (0, 1), (2, 0), (1, 5), (3, 2), (0, 6)],) * 2
    spec = darts.from_compact(compact)
    swapped = darts.from_compact(([(0, 3), (1, 3), (0, 1), (1, 1), (1, 5), (2, 0), (0, 6), (3, 2)],) * 2)
    assert spec == swapped
    assert darts.to_compact(spec)[0][:2] == ((0, 3), (1, 3))


def test_darts_v2_genotype_and_its_string():
    spec = darts.from_genotype_str(DARTS_V2)
    assert spec.space == "nb301" and [c.name for c in spec.cells] == ["normal", "reduce"]
    assert spec.cells[0].num_nodes == 11
    Geno = namedtuple("Genotype", "normal normal_concat reduce reduce_concat")
    assert to_spec(Geno(**darts.to_genotype(spec)._asdict())) == spec
    assert spec.flow_vector().shape == (320,) and spec.op_metric_vector().shape == (128,)


def test_duplicate_inputs_of_nni_darts_are_kept():
    sample = nni.to_sample(darts.from_genotype_str(DARTS_V2))
    sample["normal/input_2_1"] = [0]  # both ops of node 2 now read c_{k-2}: allowed by NNI's DARTS space
    spec = nni.from_sample(sample)
    assert spec.cells[0].matrix[0, 2] == 1 and spec.cells[0].matrix[0, 3] == 1
    assert nni.from_sample(nni.to_sample(spec)) == spec


pair = lambda node: st.tuples(st.integers(0, node + 1), st.integers(0, 6))  # noqa: E731
cell = st.tuples(*[pair(k // 2) for k in range(8)]).map(list)


@given(cell, cell)
def test_property_compact_round_trip(normal, reduce):
    spec = darts.from_compact((normal, reduce))
    _forms(spec)


@pytest.mark.parametrize(
    "compact, error, message",
    [
        (([(0, 0)] * 7, [(0, 0)] * 8), GenotypeError, "8 \\(input, op\\) pairs"),
        (([(0, 0)] * 8, [(0, 9)] + [(0, 0)] * 7), GenotypeError, "op index"),
        (([(0, 0), (3, 0)] + [(0, 0)] * 6, [(0, 0)] * 8), GenotypeError, "can read nodes 0..1"),
        ("not a literal", GenotypeError, "literal"),
    ],
)
def test_bad_compacts(compact, error, message):
    with pytest.raises(error, match=message):
        darts.from_compact(compact)


def test_bad_genotypes():
    with pytest.raises(UnknownOpError, match="sep_conv_3x3"):
        darts.from_genotype_str(DARTS_V2.replace("dil_conv_3x3", "conv_9x9"))
    with pytest.raises(GenotypeError, match="concatenate nodes 2..5"):
        darts.from_genotype_str(DARTS_V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=[4, 5]"))
    with pytest.raises(GenotypeError, match="not a DARTS Genotype string"):
        darts.from_genotype_str("Genotype[")
    with pytest.raises(GenotypeError, match="choose exactly one input"):
        s = nni.to_sample(darts.from_genotype_str(DARTS_V2))
        s["reduce/input_3_0"] = [0, 1]
        nni.from_sample(s)

import json
import pickle

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from adapters import nb101, nni, to_spec
from clue_plugins import GenotypeError, UnknownOpError


def test_every_shared_cell_round_trips(data_dir):
    records = json.loads((data_dir / "nb101/zc_nasbench101.json").read_text())["nasbench101"]["cifar10"]
    for key in records:
        spec = nb101.from_key(key)
        assert nb101.from_key(nb101.to_key(spec)) == spec
        assert nb101.from_naslib_spec(nb101.to_naslib_spec(spec)) == spec
        assert nni.from_sample(nni.to_sample(spec)) == spec
        assert to_spec(key, space="nb101") == spec
        # pruning is idempotent
        m = spec.cells[0].matrix
        assert nb101.from_matrix_ops(m, nb101.to_naslib_spec(spec)["ops"]) == spec


def test_official_hash_is_reproduced(data_dir):
    with open(data_dir / "nb101/nasbench_only108_sample30.pkl", "rb") as fh:
        records = pickle.load(fh)
    for h, (fixed, _) in records.items():
        assert nb101.nasbench_hash(nb101.from_record(fixed)) == h


def test_pruning_removes_dead_nodes():
    m = np.zeros((5, 5), dtype=int)
    m[0, 1] = m[1, 4] = m[0, 2] = m[2, 3] = 1  # node 3 has no way to the output, so 2 and 3 are dead
    spec = nb101.from_matrix_ops(m, ["input", "conv3x3-bn-relu", "maxpool3x3", "conv1x1-bn-relu", "output"])
    assert spec.cells[0].ops == ("input", "conv_3x3", "output")


def test_nni_sample_matches_nni_semantics():
    sample = {"cell/num_nodes": 4, "cell/op1": "conv3x3-bn-relu", "cell/op2": "maxpool3x3", "cell/op3": "conv1x1-bn-relu",
              "cell/input1": [0], "cell/input2": [0, 1], "cell/input3": [2], "cell/input4": [], "cell/op4": "maxpool3x3"}
    spec = nni.from_sample(sample)
    assert spec.cells[0].ops == ("input", "conv_3x3", "max_pool_3x3", "output")
    np.testing.assert_array_equal(spec.cells[0].matrix, [[0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]])


@settings(max_examples=200)
@given(st.integers(2, 7).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.integers(0, 1), min_size=n * n, max_size=n * n),
    st.lists(st.sampled_from(nb101.OPS), min_size=n - 2, max_size=n - 2))))
def test_property_random_modules(args):
    n, bits, ops = args
    m = np.triu(np.array(bits).reshape(n, n), 1)
    try:
        spec = nb101.from_matrix_ops(m, ["input", *ops, "output"])
    except GenotypeError as exc:
        assume(False)  # invalid modules must be refused with a reason, which GenotypeError carries
        raise exc
    assert spec.cells[0].matrix.sum() <= 9
    assert nb101.from_key(nb101.to_key(spec)) == spec
    assert nni.from_sample(nni.to_sample(spec)) == spec


@pytest.mark.parametrize(
    "matrix, ops, error, message",
    [
        (np.triu(np.ones((8, 8), int), 1), ["input"] + ["conv3x3-bn-relu"] * 6 + ["output"], GenotypeError, "too many nodes"),
        ([[0, 1, 0], [0, 0, 1], [1, 0, 0]], ["input", "conv3x3-bn-relu", "output"], GenotypeError, "cycle"),
        ([[0, 1, 0], [0, 0, 0], [0, 0, 0]], ["input", "conv3x3-bn-relu", "output"], GenotypeError, "no path"),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv5x5-bn-relu", "output"], UnknownOpError, "conv3x3-bn-relu"),
        ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["conv3x3-bn-relu", "conv3x3-bn-relu", "output"], GenotypeError, "start with 'input'"),
        (np.triu(np.ones((7, 7), int), 1), ["input"] + ["conv3x3-bn-relu"] * 5 + ["output"], GenotypeError, "at most 9 edges"),
    ],
)
def test_bad_modules(matrix, ops, error, message):
    with pytest.raises(error, match=message):
        nb101.from_matrix_ops(matrix, ops)


def test_bad_keys_and_samples():
    with pytest.raises(GenotypeError, match="n\\*n\\+n"):
        nb101.from_key([0] * 55)
    with pytest.raises(GenotypeError, match="op ids"):
        nb101.from_key([0, 1, 0, 0, 0, 9])
    with pytest.raises(GenotypeError, match="num_nodes"):
        nni.from_sample({"cell/num_nodes": 9, "cell/op1": "maxpool3x3"})
    with pytest.raises(GenotypeError, match="lacks key"):
        nni.from_sample({"cell/num_nodes": 3, "cell/op1": "maxpool3x3", "cell/input1": [0]})

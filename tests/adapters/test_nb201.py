import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import spearmanr

from adapters import nb201, nni, to_spec
from clue_plugins import GenotypeError, UnknownOpError


def test_every_cell_round_trips_through_every_form(nb201_table):
    arch_strs = nb201_table.metrics["arch_str"].tolist()
    keys = set()
    for arch, spec in zip(arch_strs, nb201_table.specs):
        assert nb201.to_arch_str(spec) == arch
        idx = nb201.to_op_indices(spec)
        assert nb201.from_op_indices(idx) == spec
        assert nb201.op_indices_to_arch_str(idx) == arch
        sample = nni.to_sample(spec)
        assert nni.from_sample(sample) == spec
        assert to_spec(arch) == spec
        keys.add(spec.key)
    assert len(keys) == 15625


def test_naslib_op_index_order_matches_naslib_data(nb201_table):
    """NASLib's zc file is keyed by op indices: decoding them must find the same cells NASLib measured."""
    from clue_plugins.data import load_nb201_zc

    zc = load_nb201_zc("cifar10")
    rows = [nb201_table.row_of(s) for s in zc.specs]
    # params are a deterministic function of the cell: they must agree exactly (up to rounding)
    np.testing.assert_allclose(zc.column("zc.params"), nb201_table.column("cifar10.params_M")[rows], rtol=1e-3, atol=1e-3)
    # NASLib's val accuracy is one seed; the table is the seed mean: strongly but not perfectly rank-correlated
    assert spearmanr(zc.column("val_acc"), nb201_table.column("cifar10-valid.valid_acc")[rows])[0] > 0.98


def test_arch_string_and_naslib_orders_differ():
    # arch string order: 0->1 | 0->2 1->2 | 0->3 1->3 2->3; NASLib: 0->1 0->2 0->3 1->2 1->3 2->3
    spec = nb201.from_arch_str("|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|")
    assert nb201.to_op_indices(spec) == (2, 1, 0, 4, 3, 1)
    assert nni.to_sample(spec)["cell/1_2"] == "avg_pool_3x3"


@given(st.lists(st.integers(0, 4), min_size=6, max_size=6))
def test_property_op_indices_round_trip(indices):
    spec = nb201.from_op_indices(indices)
    assert list(nb201.to_op_indices(spec)) == indices
    assert nb201.from_arch_str(nb201.to_arch_str(spec)) == spec
    assert nni.from_sample(nni.to_sample(spec, prefix="mycell")) == spec


@pytest.mark.parametrize(
    "arch, error, message",
    [
        ("|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|", GenotypeError, "3 '\\+'-separated"),
        ("|nor_conv_3x3~0|+|none~0|+|skip_connect~0|nor_conv_1x1~1|none~2|", GenotypeError, "2 incoming edges"),
        ("|nor_conv_3x3~0|+|none~0|avg_pool_3x3~2|+|skip_connect~0|nor_conv_1x1~1|none~2|", GenotypeError, "must come from node 1"),
        ("|conv_9x9~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|", UnknownOpError, "nor_conv_3x3"),
        ("|nor_conv_3x3|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|", GenotypeError, "op~source"),
    ],
)
def test_bad_arch_strings(arch, error, message):
    with pytest.raises(error, match=message):
        nb201.from_arch_str(arch)


def test_bad_op_indices():
    with pytest.raises(GenotypeError, match="6 entries"):
        nb201.from_op_indices([0, 1, 2])
    with pytest.raises(GenotypeError, match="out of range"):
        nb201.from_op_indices([0, 1, 2, 3, 4, 5])


def test_bad_nni_samples():
    good = {f"cell/{i}_{j}": "conv_3x3" for i, j in nb201.EDGES}
    with pytest.raises(UnknownOpError, match="conv_3x3"):
        nni.from_sample({**good, "cell/0_1": "nor_conv_3x3"})
    with pytest.raises(GenotypeError, match="lacks edges"):
        nni.from_sample({k: v for k, v in good.items() if k != "cell/2_3"})
    with pytest.raises(GenotypeError, match="match no supported NNI space"):
        nni.from_sample({**good, "cell/learning_rate": 0.1})


def test_spec_of_other_space_is_refused():
    from adapters import darts

    spec = darts.from_compact(json.loads("[[[0,0],[1,1],[0,2],[1,3],[0,4],[1,5],[0,6],[1,0]],[[0,0],[1,1],[0,2],[1,3],[0,4],[1,5],[0,6],[1,0]]]"))
    with pytest.raises(GenotypeError, match="nb201"):
        nb201.to_arch_str(spec)

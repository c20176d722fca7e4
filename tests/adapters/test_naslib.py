"""NASLib's genotype forms -> ArchSpec, without NASLib: objects shaped like its search-space graphs."""

import importlib.util

import numpy as np
import pytest

from adapters import darts, naslib, nb101, nb201
from clue_plugins import GenotypeError, MissingDependencyError


class FakeNB201:  # the accessors NasBench201SearchSpace has
    def __init__(self, ops=None):
        self.ops = ops

    def get_type(self):
        return "nasbench201"

    def get_op_indices(self):
        return self.ops

    def set_op_indices(self, ops):
        self.ops = list(ops)


class FakeNB101:
    def __init__(self, spec=None):
        self.spec = spec

    def get_spec(self):
        return self.spec

    def set_spec(self, spec):
        self.spec = spec


class FakeNB301:
    def __init__(self, compact=None):
        self.compact = compact

    def get_compact(self):
        return self.compact

    def set_compact(self, compact):
        self.compact = compact


def test_nb201_op_indices_by_get_type_and_round_trip():
    arch = FakeNB201([2, 0, 3, 4, 1, 2])
    spec = naslib.from_naslib(arch)
    assert spec.space == "nb201" and nb201.to_op_indices(spec) == (2, 0, 3, 4, 1, 2)
    assert naslib.to_naslib(spec, FakeNB201()).ops == [2, 0, 3, 4, 1, 2]
    assert naslib.ss_type_of(spec) == "nasbench201"


def test_nb101_spec_dict_with_numpy_matrix():
    matrix = np.array([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]])
    arch = FakeNB101({"matrix": matrix, "ops": ["input", "conv3x3-bn-relu", "maxpool3x3", "output"]})
    spec = naslib.from_naslib(arch, "nasbench101")
    assert spec.space == "nb101"
    back = naslib.to_naslib(spec, FakeNB101()).spec
    assert naslib.from_naslib(FakeNB101(back), "nasbench101") == spec


def test_nb301_compact_with_numpy_integers_as_naslib_mutations_leave_them():
    spec = darts.from_genotype_str("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
                                   "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
                                   "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
                                   "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
                                   "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])")
    compact = tuple(tuple((np.int64(i), np.int64(o)) for i, o in cell) for cell in darts.to_compact(spec))
    assert naslib.from_naslib(FakeNB301(compact), "nasbench301") == spec
    assert naslib.to_naslib(spec, FakeNB301()).compact == darts.to_compact(spec)


def test_clear_errors_for_bad_naslib_input():
    with pytest.raises(GenotypeError, match="unsupported NASLib ss_type 'nlp'"):
        naslib.from_naslib(FakeNB201([0] * 6), "nlp")
    with pytest.raises(GenotypeError, match="pass ss_type"):
        naslib.from_naslib(FakeNB101({"matrix": [[0]], "ops": ["input"]}))
    with pytest.raises(GenotypeError, match="not a NASLib nasbench201 search space"):
        naslib.from_naslib(FakeNB101({}), "nasbench201")
    with pytest.raises(GenotypeError):
        naslib.from_naslib(FakeNB201([0, 1, 2, 3, 4, 9]), "nasbench201")
    with pytest.raises(GenotypeError, match="op index"):
        naslib.from_naslib(FakeNB301(((( 0, 7),) * 8, ((0, 0),) * 8)), "nasbench301")


@pytest.mark.skipif(importlib.util.find_spec("naslib") is not None, reason="NASLib is installed here")
def test_plugin_import_without_naslib_says_how_to_install():
    with pytest.raises(MissingDependencyError, match="install_naslib.sh"):
        import clue_plugins.naslib  # noqa: F401
    assert nb101  # the adapters themselves never need NASLib

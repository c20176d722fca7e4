"""Against NNI's real hub spaces: their random samples convert, and NB101 pruning agrees with NNI's."""

import numpy as np
import pytest

nni_hub = pytest.importorskip("nni.nas.hub.pytorch", reason="needs the nni extra")
pytestmark = pytest.mark.nni

from adapters import nni as nni_adapter  # noqa: E402


def _samples(space, n, seed=0):
    from nni.mutable import SampleValidationError

    rs = np.random.RandomState(seed)
    mutables = space.simplify()
    out = []
    while len(out) < n:
        sample = {}
        try:
            for m in mutables.values():
                m.random(sample, rs)
        except SampleValidationError:
            continue  # NNI's own constraint (e.g. NB101 edge limit) rejected it
        out.append(sample)
    return out


def test_nb201_samples():
    space = nni_hub.NasBench201()
    for sample in _samples(space, 50):
        spec = nni_adapter.from_sample(sample)
        assert nni_adapter.to_sample(spec) == {k: v for k, v in sample.items()}


def test_nb101_pruning_agrees_with_nni():
    space = nni_hub.NasBench101()
    for sample in _samples(space, 40):
        spec = nni_adapter.from_sample(sample)
        model = space.freeze(sample)
        cell = next(m for m in model.modules() if hasattr(m, "connection_matrix"))
        np.testing.assert_array_equal(spec.cells[0].matrix, cell.connection_matrix)


def test_darts_samples():
    space = nni_hub.DARTS(width=16, num_cells=8)
    for sample in _samples(space, 50):
        spec = nni_adapter.from_sample(sample)
        back = nni_adapter.to_sample(spec)
        assert nni_adapter.from_sample(back) == spec
        assert spec.flow_vector().shape == (320,)

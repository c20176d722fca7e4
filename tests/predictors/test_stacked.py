"""The fold networks of a CLUE fit trained as one stacked model: each network trains as it would alone."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from clue_plugins.predictors import clue as C
from clue_plugins.spec import ArchSpec, flow_matrix, op_metric_matrix


@pytest.fixture(scope="module")
def inputs(nb201_table):
    cfg = C.CLUEConfig(epochs=3).validate()
    specs = nb201_table.specs[:48]
    arrays = C._features(cfg, specs)
    y = nb201_table.column("cifar10.test_acc")[:48] / 100.0
    return cfg, tuple(a.shape[1] for a in arrays), arrays, y


def _weights(net) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters()]


def test_networks_in_a_stack_do_not_interact(inputs):
    cfg, dims, arrays, y = inputs
    rows_a, rows_b = np.arange(0, 32), np.arange(16, 48)
    together = C._train_stacked(cfg, [7, 8], dims, arrays, y, [rows_a, rows_b])
    alone = C._train_stacked(cfg, [7], dims, arrays, y, [rows_a])
    for w_together, w_alone in zip(_weights(together[0]), _weights(alone[0])):
        torch.testing.assert_close(w_together, w_alone, rtol=1e-3, atol=1e-4)  # rounding of other matmul shapes
    assert not torch.equal(_weights(together[0])[0], _weights(together[1])[0])


def test_a_stacked_network_trains_as_the_single_network_loss_says(inputs):
    # the stacked loss must be the shared-context loss of _train_one: the same initial weights and batches give
    # the same weights after training, up to the rounding of batched matmuls
    cfg, dims, arrays, y = inputs
    rows = np.arange(len(y))
    stacked = C._train_stacked(cfg, [3], dims, arrays, y, [rows])[0]
    single = C._train_one(cfg, 3, dims, *arrays, y)
    for a, b in zip(_weights(stacked), _weights(single)):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-4)


def test_many_labels_train_fewer_epochs_up_to_max_steps():
    cfg = C.CLUEConfig().validate()
    epochs, schedule = C._schedule(cfg, steps_per_epoch=21)  # 1,000 labels, 3 folds, batch 32
    assert epochs == cfg.max_steps // 21 and epochs * 21 <= cfg.max_steps
    switch = [e for e in range(epochs) if schedule(e) is not None]
    assert switch == [round(cfg.lr_switch_epoch * epochs / cfg.epochs)]
    epochs, schedule = C._schedule(cfg, steps_per_epoch=2)  # 100 labels: every epoch
    assert epochs == cfg.epochs and [e for e in range(epochs) if schedule(e) is not None] == [cfg.lr_switch_epoch]
    unbounded = C.CLUEConfig(max_steps=None).validate()
    assert C._schedule(unbounded, steps_per_epoch=21)[0] == cfg.epochs
    with pytest.raises(C.ConfigError, match="max_steps"):
        C.CLUEConfig(max_steps=0).validate()


def test_batched_feature_matrices_equal_the_per_spec_vectors(nb201_table, nb101_table, nb301_table):
    from clue_plugins.ops.table import default_table

    table = default_table()
    for specs in (nb201_table.specs[:50], nb101_table.specs[:200], nb301_table.specs[:50]):
        specs = [s.without_dead_ops() for s in specs]
        np.testing.assert_array_equal(flow_matrix(specs), np.stack([s.flow_vector() for s in specs]))
        ops = op_metric_matrix(specs)
        for row, spec in zip(ops, specs):
            vec = np.concatenate([table.vector(op) for c in spec.cells for op in c.ops])
            np.testing.assert_array_equal(row[: vec.size], vec)
            assert not row[vec.size :].any()


def test_equal_specs_share_their_pruned_spec(nb201_table):
    spec = nb201_table.specs[123]
    again = ArchSpec(spec.space, spec.cells)
    assert again.without_dead_ops() is spec.without_dead_ops()

import numpy as np
import pytest

from clue_plugins import UnknownOpError
from clue_plugins.ops import CANONICAL_OPS, canonical_op, register_op
from clue_plugins.ops.measure import MeasureSettings, measure_op
from clue_plugins.ops.table import TABLE_PATH, OpMetricTable, default_table

FAST = MeasureSettings(draws=50, latency_repeats=3)


def test_conv3x3_with_32_filters():
    m = measure_op("conv_3x3", FAST)
    assert m.params == 32 * 32 * 9 + 2 * 32  # 9216 weights plus BN scale and shift
    assert m.flops == 32 * 32 * 9 * 32 * 32  # one multiply per weight per output pixel
    assert m.passing_rate == 1.0 and m.sensitivity > 0


def test_passing_rate_and_sensitivity_are_measured():
    none, skip, pool = (measure_op(op, FAST) for op in ("none", "skip_connect", "avg_pool_3x3"))
    assert none.passing_rate == 0.0 and none.sensitivity == 0.0
    assert skip.passing_rate == 1.0 and skip.sensitivity == pytest.approx(0.5, abs=0.01)  # E|u| for u ~ U(0, 1)
    assert 0 < pool.sensitivity < skip.sensitivity + 0.01  # averaging smooths noise
    assert measure_op("conv_3x3", FAST).sensitivity == measure_op("conv_3x3", FAST).sensitivity  # seeded


def test_stored_table_covers_vocabulary_and_is_sane():
    table = OpMetricTable.load(TABLE_PATH)
    assert set(CANONICAL_OPS) <= set(table.rows)
    assert table.header["generated_by"] == "clue-nas ops-table --recompute"
    rows = table.rows
    assert rows["conv_1x1"].flops < rows["conv_3x3"].flops < rows["conv_5x5"].flops < rows["conv_7x7"].flops
    assert rows["sep_conv_3x3"].params < rows["conv_3x3"].params
    # scaled vector: flops/1e7, params/1e4, latency/0.1 ms, passing rate, sensitivity/0.1
    vec = table.vector("conv_3x3")
    assert vec[0] == pytest.approx(0.9437184) and vec[1] == pytest.approx(0.928) and vec[3] == 1.0


def test_parseable_unknown_op_is_measured_on_the_fly(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path))
    table = OpMetricTable(dict(default_table().rows), FAST)
    assert "conv_9x9" not in table.rows
    vec = table.vector("conv_9x9")
    assert vec[1] == pytest.approx((32 * 32 * 81 + 64) / 1e4)
    assert list((tmp_path / "op_metrics").glob("conv_9x9-*.json"))  # cached on disk for the next process


def test_unknown_op_says_how_to_register():
    with pytest.raises(UnknownOpError, match="register_op"):
        canonical_op("hyper_conv")


def test_register_a_new_op(tmp_path, monkeypatch):
    import torch.nn as nn

    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path))

    @register_op("grouped_conv_3x3")
    def _build(c, stride):
        return nn.Conv2d(c, c, 3, stride, 1, groups=4, bias=False)

    assert canonical_op("Grouped_Conv_3x3") == "grouped_conv_3x3"
    table = OpMetricTable(dict(default_table().rows), FAST)
    assert table.metrics("grouped_conv_3x3").params == 32 * 8 * 9


def test_table_load_errors_say_how_to_regenerate(tmp_path):
    from clue_plugins.errors import ClueError

    with pytest.raises(ClueError, match="ops-table --recompute"):
        OpMetricTable.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ClueError, match="ops-table --recompute"):
        OpMetricTable.load(tmp_path / "bad.json")


def test_recomputed_table_round_trips(tmp_path):
    from clue_plugins.ops.table import compute_table

    table = compute_table(["conv_1x1", "none"], FAST)
    table.save(tmp_path / "t.json")
    again = OpMetricTable.load(tmp_path / "t.json")
    np.testing.assert_array_equal(again.vector("conv_1x1"), table.vector("conv_1x1"))


def test_damaged_op_metric_cache_entry_is_measured_again(tmp_path, monkeypatch):
    from clue_plugins.ops.table import _measure_cached

    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path))
    settings = FAST
    first = _measure_cached("conv_1x1", settings)
    (entry,) = (tmp_path / "op_metrics").glob("conv_1x1-*.json")
    entry.write_bytes(b"\xff\xfe garbage")
    with pytest.warns(RuntimeWarning, match="damaged op-metric cache entry"):
        again = _measure_cached("conv_1x1", settings)
    assert again.flops == first.flops and again.params == first.params

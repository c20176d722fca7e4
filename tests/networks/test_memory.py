"""Training-step memory: ordering on known cells, method agreement, the resumable table."""

import json

import pytest

from adapters import nb201
from clue_plugins import ClueError
from clue_plugins.networks import build_network, training_step_memory

ALL_CONV = nb201.from_arch_str("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|")
MOSTLY_NONE = nb201.from_arch_str("|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")


def test_conv_cell_needs_more_memory_than_skip_cell():
    big = training_step_memory(lambda: build_network(ALL_CONV))
    small = training_step_memory(lambda: build_network(MOSTLY_NONE))
    assert big.peak_bytes > 5 * small.peak_bytes
    # activations dominate: the batch of 64 inputs alone is 768 KiB; conv cells store far more
    assert 300 < big.peak_mb < 700 and 20 < small.peak_mb < 80
    assert big.resident_bytes < big.peak_bytes


def test_meta_accounting_agrees_with_the_profiler():
    meta = training_step_memory(lambda: build_network(MOSTLY_NONE), method="meta")
    prof = training_step_memory(lambda: build_network(MOSTLY_NONE), method="profiler")
    assert abs(meta.peak_bytes - prof.peak_bytes) / prof.peak_bytes < 0.02


def test_module_is_copied_not_changed():
    net = build_network(MOSTLY_NONE)
    w = net.classifier.weight.detach().clone()
    training_step_memory(net)
    assert net.classifier.weight.device.type == "cpu" and (net.classifier.weight == w).all()


def test_errors():
    with pytest.raises(ClueError, match="unknown memory method"):
        training_step_memory(lambda: build_network(MOSTLY_NONE), method="gpu")


def test_memory_table_is_resumable(nb201_table, tmp_path, monkeypatch):
    from clue_plugins.networks.memory_table import load_memory_table, measure_memory_table

    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "memory.csv"
    measure_memory_table("nb201", limit=3, out=out, progress=False)
    measure_memory_table("nb201", limit=5, out=out, progress=False)
    log = (tmp_path / "cache" / "memory" / "nb201-meta-c10.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["index"] for line in log) == [0, 1, 2, 3, 4]  # rows 0-2 were not measured twice
    table = load_memory_table("nb201", out)
    assert list(table["index"]) == [0, 1, 2, 3, 4]
    assert list(table["key"]) == [s.key for s in nb201_table.specs[:5]]
    assert (table["meta_mb"] > 10).all()
    assert "clue-nas measure memory" in out.read_text().splitlines()[1]

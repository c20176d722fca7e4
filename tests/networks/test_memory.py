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


def _shipped_copy(tmp_path):
    from clue_plugins.networks.memory_table import table_path

    shipped = table_path("nb201")
    copy = tmp_path / "copy.csv"
    copy.write_bytes(shipped.read_bytes())
    return shipped, copy


def test_a_partial_run_keeps_every_earlier_value(nb201_table, tmp_path, monkeypatch):
    """`measure memory --limit 3 --out copy.csv` into a copy of the shipped table: 3 cells re-measured, the
    other 15,622 values kept to the last digit, and an honest count of what happened."""
    import pandas as pd

    from clue_plugins.networks.memory_table import load_memory_table, measure_memory_table

    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path / "cache"))
    shipped, copy = _shipped_copy(tmp_path)
    before_bytes = shipped.read_bytes()
    before = load_memory_table("nb201", copy)
    assert len(before) == 15625 and before["meta_mb"].notna().all()
    # a second method column and a hole: both must survive a run that measures neither
    edited = before.copy()
    edited["profiler_mb"] = edited["meta_mb"] + 1.0
    edited.loc[100, "meta_mb"] = float("nan")
    copy.write_text("# an edited copy\n" + edited.to_csv(index=False, float_format="%.4f"))
    run = measure_memory_table("nb201", limit=3, out=copy, progress=False)
    after = load_memory_table("nb201", copy)
    assert len(after) == 15625 and list(after["key"]) == [s.key for s in nb201_table.specs]
    pd.testing.assert_series_equal(after["meta_mb"][3:].reset_index(drop=True),
                                   edited["meta_mb"][3:].reset_index(drop=True))
    pd.testing.assert_series_equal(after["profiler_mb"], edited["profiler_mb"])
    assert after["meta_mb"][:3].notna().all() and (after["meta_mb"][:3] > 10).all()
    assert (run.measured, run.resumed, run.kept, run.replaced, run.missing, run.rows) == (3, 0, 15621, 3, 1, 15625)
    assert "3 measured now" in run.summary() and "1 cells have no value yet" in run.summary()
    assert shipped.read_bytes() == before_bytes  # the package's table was never touched


def test_cli_partial_measure_into_a_copy(nb201_table, tmp_path, monkeypatch, capsys):
    from clue_plugins.cli import main
    from clue_plugins.networks.memory_table import load_memory_table

    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path / "cache"))
    _, copy = _shipped_copy(tmp_path)
    before = load_memory_table("nb201", copy)
    assert main(["measure", "memory", "--space", "nb201", "--limit", "2", "--workers", "1", "--out", str(copy)]) == 0
    after = load_memory_table("nb201", copy)
    assert after["meta_mb"].notna().all() and (after["meta_mb"][2:].to_numpy() == before["meta_mb"][2:].to_numpy()).all()
    assert str(copy) in capsys.readouterr().out


def test_an_interrupted_progress_line_is_measured_again(nb201_table, tmp_path, monkeypatch):
    from clue_plugins.networks.memory_table import load_memory_table, measure_memory_table

    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "memory.csv"
    measure_memory_table("nb201", limit=2, out=out, progress=False)
    log = tmp_path / "cache" / "memory" / "nb201-meta-c10.jsonl"
    lines = log.read_text().splitlines()
    log.write_text(lines[0] + "\n" + lines[1][:9])  # killed while writing the second cell's line
    with pytest.warns(RuntimeWarning, match="dropped 1 unreadable line"):
        run = measure_memory_table("nb201", limit=2, out=out, progress=False)
    assert run.measured == 1 and run.resumed == 1
    assert [json.loads(line)["index"] for line in log.read_text().splitlines()] == [0, 1]
    assert load_memory_table("nb201", out)["meta_mb"].notna().all()


def test_a_table_of_other_cells_is_refused_before_any_work(nb201_table, tmp_path, monkeypatch):
    from clue_plugins.errors import ClueError
    from clue_plugins.networks.memory_table import measure_memory_table

    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "other.csv"
    out.write_text("index,key,meta_mb\n0,not-a-key,1.0\n")
    with pytest.raises(ClueError, match="other cells"):
        measure_memory_table("nb201", limit=2, out=out, progress=False)
    assert not (tmp_path / "cache" / "memory").exists() or not any((tmp_path / "cache" / "memory").iterdir())

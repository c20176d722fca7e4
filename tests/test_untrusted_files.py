"""No code runs from data or cache files: planted pickles in the data folder and in the cache never execute.

Each planted file is a pickle whose ``__reduce__`` asks pickle to call ``os.system("touch MARKER")``; the
marker must never appear. A planted data file is refused with a clear error; a planted cache file is
ignored and the table rebuilt silently.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from clue_plugins import data as bench_data
from clue_plugins.errors import ClueError, DataIntegrityError


class Planted:
    """Pickles to a call of os.system: what an attacker would put in a data or cache file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _evil_pickle(marker: Path) -> bytes:
    return pickle.dumps([1.0, Planted(marker), 3.0], protocol=2)


def _evil_pt(marker: Path) -> bytes:
    """A torch-style zip archive whose data.pkl is the planted pickle."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", _evil_pickle(marker))
        zf.writestr("archive/version", "3\n")
    return buf.getvalue()


def _data_copy(src: Path, dst: Path) -> Path:
    """A data folder whose files are links to the shared ones (replace a link to plant a file)."""
    for f in src.rglob("*"):
        if f.is_file():
            (dst / f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
            (dst / f.relative_to(src)).symlink_to(f)
    return dst


def _plant(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.exists():
        path.unlink()
    path.write_bytes(data)


@pytest.fixture
def planted(tmp_path, data_dir, monkeypatch):
    root = _data_copy(data_dir, tmp_path / "data")
    monkeypatch.setenv("CLUE_DATA_DIR", str(root))
    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CLUE_VERIFY_DATA", raising=False)
    return root, tmp_path / "marker"


def test_planted_latency_file_is_refused_by_its_checksum(planted):
    root, marker = planted
    _plant(root / "nb201/latency/eyeriss.pt", _evil_pt(marker))
    with pytest.raises(DataIntegrityError) as err:
        bench_data.load_nb201(devices=("eyeriss",))
    msg = str(err.value)
    assert "nb201/latency/eyeriss.pt" in msg and "clue-nas data fetch" in msg and "CLUE_VERIFY_DATA=0" in msg
    assert not marker.exists()


@pytest.mark.parametrize("opt_out", ["env", "argument"])
def test_planted_latency_file_never_runs_even_unverified(planted, monkeypatch, opt_out):
    root, marker = planted
    _plant(root / "nb201/latency/eyeriss.pt", _evil_pt(marker))
    if opt_out == "env":
        monkeypatch.setenv("CLUE_VERIFY_DATA", "0")
    with pytest.raises(DataIntegrityError, match=r"eyeriss\.pt was not loaded.*asks to import posix\.system|"
                                                 r"eyeriss\.pt was not loaded.*asks to import nt\.system"):
        bench_data.load_nb201(devices=("eyeriss",), verify=False if opt_out == "argument" else None)
    assert not marker.exists()


def test_torch_tensors_in_a_latency_file_are_refused(planted, monkeypatch):
    torch = pytest.importorskip("torch")
    root, _ = planted
    buf = io.BytesIO()
    torch.save([torch.zeros(3)], buf)
    _plant(root / "nb201/latency/fpga.pt", buf.getvalue())
    with pytest.raises(DataIntegrityError, match="fpga.pt was not loaded"):
        bench_data.load_nb201(devices=("fpga",), verify=False)


@pytest.mark.parametrize("loader, relpath", [
    (lambda: bench_data.load_nasbench_only108(), "official/nasbench_only108.pkl"),
    (lambda: bench_data.load_naslib_nb201("cifar10"), "official/nb201_cifar10_full_training.pickle"),
])
def test_planted_official_pickle_never_runs(planted, loader, relpath):
    """Official files have no published checksum here: only the restricted unpickler stands between them and
    the user, and it must refuse."""
    root, marker = planted
    _plant(root / relpath, _evil_pickle(marker))
    with pytest.raises(DataIntegrityError, match="was not loaded: it is not a plain benchmark pickle"):
        loader()
    assert not marker.exists()


def test_planted_sample_pickle_is_refused(planted):
    root, marker = planted
    path = root / "nb101/nasbench_only108_sample30.pkl"
    _plant(path, _evil_pickle(marker))
    with pytest.raises(DataIntegrityError, match="sha256"):
        bench_data.load_nasbench_only108(path)
    with pytest.raises(DataIntegrityError, match="asks to import"):
        bench_data.load_nasbench_only108(path, verify=False)
    assert not marker.exists()


def test_the_cli_reports_a_planted_file_in_one_line(planted, capsys):
    from clue_plugins.cli import main

    root, marker = planted
    _plant(root / "nb201/latency/eyeriss.pt", _evil_pt(marker))
    assert main(["summary", "--spaces", "nb201"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "eyeriss.pt" in err and "Traceback" not in err
    assert not marker.exists()


def _planted_cache(name: str, sources: list[Path], data: bytes) -> Path:
    from clue_plugins.data.table import cache_path

    path = cache_path(name, sources)
    _plant(path, data)
    return path


def test_planted_cache_file_never_runs_and_is_rebuilt(planted):
    root, marker = planted
    sample = root / "nb101/nasbench_only108_sample30.pkl"
    good = bench_data.load_nasbench_only108(sample)
    path = _planted_cache(f"nb101-only108-{sample.stem}", [sample], _evil_pickle(marker))
    again = bench_data.load_nasbench_only108(sample)
    assert not marker.exists()
    assert again.specs == good.specs and again.metrics.equals(good.metrics)
    with np.load(path, allow_pickle=False) as data:  # rebuilt in the data-only format
        assert "meta" in data.files


def test_planted_nb201_cache_file_never_runs_and_is_rebuilt(planted, nb201_table):
    root, marker = planted
    sources = [root / p for p in ("nb201/nats_tss_test_accuracy_200ep.csv", "nb201/cost_and_accuracy.csv",
                                  "nb201/cifar10_valid_200ep.csv", "nb201/latency/eyeriss.pt")]
    first = bench_data.load_nb201(devices=("eyeriss",))
    # the cache holds a pickle (and an npz whose arrays need pickle): both are ignored, never unpickled
    path = _planted_cache("nb201-eyeriss", sources, _evil_pickle(marker))
    assert bench_data.load_nb201(devices=("eyeriss",)).metrics.equals(first.metrics)
    buf = io.BytesIO()
    np.savez(buf, meta=np.array([Planted(marker)], dtype=object))
    _plant(path, buf.getvalue())
    again = bench_data.load_nb201(devices=("eyeriss",))
    assert not marker.exists()
    assert again.specs == nb201_table.specs and [s.key for s in again.specs] == [s.key for s in nb201_table.specs]
    np.testing.assert_array_equal(again.column("latency_ms.eyeriss"), nb201_table.column("latency_ms.eyeriss"))


def test_the_restricted_unpickler_reads_numpy_and_containers():
    from collections import OrderedDict

    from clue_plugins.data.safe_pickle import restricted_loads

    obj = {"a": np.arange(6, dtype=np.int8).reshape(2, 3), "b": [np.float64(1.5), {1, 2}], "c": OrderedDict(x=(1, 2.0)),
           "d": np.array(["x", "yz"]), "e": b"bytes", "f": np.array([0.5], dtype=np.float32)}
    for protocol in (2, 4, 5):
        back = restricted_loads(pickle.dumps(obj, protocol=protocol), "test", "")
        np.testing.assert_array_equal(back["a"], obj["a"])
        assert back["b"] == obj["b"] and back["c"] == obj["c"] and back["e"] == b"bytes"
        np.testing.assert_array_equal(back["d"], obj["d"])
        assert back["f"].dtype == np.float32
    with pytest.raises(ClueError, match="asks to import builtins.eval"):
        restricted_loads(b"cbuiltins\neval\n(S'1'\ntR.", "test", "")

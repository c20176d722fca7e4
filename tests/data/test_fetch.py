import pytest

from clue_plugins import MissingDataError
from clue_plugins.data import fetch
from clue_plugins.data.sources import FILES


def test_verify_shared_data(data_dir):
    statuses = fetch.verify()
    assert {s.state for s in statuses} == {"ok"}
    assert len(statuses) == len([f for f in FILES.values() if not f.official])


def test_verify_detects_damage(tmp_path, monkeypatch, data_dir):
    monkeypatch.setenv("CLUE_DATA_DIR", str(tmp_path))
    (tmp_path / "nb101").mkdir()
    (tmp_path / "nb101/zc_nasbench101.json").write_text("{}")
    states = {s.entry.path: s.state for s in fetch.verify()}
    assert states["nb101/zc_nasbench101.json"] == "bad-checksum"
    assert states["nb201/cost_and_accuracy.csv"] == "missing"


def test_fetch_offline_fails_fast_listing_every_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUE_DATA_DIR", str(tmp_path))
    entry = FILES["nb101/zc_nasbench101.json"]
    # an address that refuses at once, as a machine without internet does
    monkeypatch.setitem(FILES, entry.path, type(entry)(entry.path, entry.description, "http://127.0.0.1:9/zc.json", entry.sha256))
    with pytest.raises(MissingDataError) as err:
        fetch.fetch(timeout=2)
    msg = str(err.value)
    assert "nb101/zc_nasbench101.json" in msg and "nb201/cost_and_accuracy.csv" in msg and str(tmp_path) in msg
    assert not (tmp_path / "nb101/zc_nasbench101.json").exists()  # nothing half-written


def test_fetch_checks_sha256(tmp_path, monkeypatch, data_dir):
    """A download whose bytes do not match the published checksum is refused and not saved."""
    monkeypatch.setenv("CLUE_DATA_DIR", str(tmp_path))
    src = data_dir / "nb101/nasbench_only108_sample30.pkl"
    entry = FILES["nb101/nasbench_only108_sample30.pkl"]
    monkeypatch.setitem(FILES, entry.path, type(entry)(entry.path, "", src.as_uri(), entry.sha256))
    fetch.fetch([entry.path])
    assert fetch.sha256_of(tmp_path / entry.path) == entry.sha256
    (tmp_path / entry.path).unlink()
    monkeypatch.setitem(FILES, entry.path, type(entry)(entry.path, "", src.as_uri(), "0" * 64))
    with pytest.raises(MissingDataError, match="does not match"):
        fetch.fetch([entry.path])
    assert not (tmp_path / entry.path).exists()

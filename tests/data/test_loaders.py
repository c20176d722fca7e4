import pickle

import numpy as np
import pytest

from clue_plugins import MissingDataError
from clue_plugins import data as bench_data


def test_nb201_facts(nb201_table):
    assert len(nb201_table) == 15625
    best, acc = nb201_table.best("cifar10.test_acc")
    assert round(acc, 2) == 94.37
    assert round(nb201_table.best("cifar100.test_acc")[1], 2) == 73.51
    assert round(nb201_table.best("ImageNet16-120.test_acc")[1], 2) == 47.31
    assert nb201_table.metrics["arch_str"][0] == "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
    # cost data is missing upstream for indices 3989-3999 and must show as NaN, not as zeros
    params = nb201_table.column("cifar10.params_M")
    assert np.isnan(params[3989:4000]).all() and np.isfinite(params[:3989]).all()
    # 200-epoch accuracy in the cost file (fraction) equals the accuracy file (percent)
    for ds in bench_data.DATASETS:
        assert "latency_ms.eyeriss" in nb201_table.columns
    assert nb201_table.row_of(best) == int(np.nanargmax(nb201_table.column("cifar10.test_acc")))


def test_nb201_latency_tables(nb201_table):
    for dev in ("eyeriss", "fpga", "pixel3", "raspi4"):
        lat = nb201_table.column(f"latency_ms.{dev}")
        assert lat.shape == (15625,) and (lat > 0).all()
    # latency grows with FLOPs on every device
    from scipy.stats import spearmanr

    flops = nb201_table.column("cifar10.flops_M")
    ok = np.isfinite(flops)
    assert spearmanr(flops[ok], nb201_table.column("latency_ms.fpga")[ok])[0] > 0.5


def test_unknown_column_lists_available(nb201_table):
    with pytest.raises(KeyError, match="cifar10.test_acc"):
        nb201_table.column("cifar11.test_acc")


def test_nb101_dedupes_pruned_duplicates(nb101_table):
    assert len(nb101_table) == 301
    assert nb101_table.column("n_records").sum() == 500
    assert len({s.key for s in nb101_table.specs}) == 301
    assert "records pruned" in nb101_table.notes[0]
    raw = bench_data.load_nb101_zc(dedupe=False)
    assert len(raw) == 500


def test_nb301_is_labelled_as_surrogate(nb301_table):
    assert len(nb301_table) == 725
    assert bench_data.SURROGATE_NOTE in nb301_table.notes
    assert len(bench_data.load_nb301_archs()) == 11221


def test_nasbench_only108_format(data_dir):
    table = bench_data.load_nasbench_only108(data_dir / "nb101/nasbench_only108_sample30.pkl")
    assert len(table) == 30
    acc = table.column("test_acc")
    assert (acc > 10).all() and (acc < 100).all()  # percent


def test_missing_file_names_file_and_remedy(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUE_DATA_DIR", str(tmp_path))
    with pytest.raises(MissingDataError) as err:
        bench_data.load_nb201()
    msg = str(err.value)
    assert "nb201/" in msg and str(tmp_path) in msg and "clue-nas data fetch" in msg
    with pytest.raises(MissingDataError, match="NASLib"):
        bench_data.load_naslib_nb201("cifar10")


def test_cache_makes_repeat_loads_equal(nb201_table, data_dir):
    again = bench_data.load_nb201()
    assert again.specs == nb201_table.specs
    assert again.metrics.equals(nb201_table.metrics)


def test_naslib_nb201_pickle_format(tmp_path, nb201_table):
    """A file in NASLib's nb201_*_full_training.pickle layout, filled with real NB201 numbers."""
    data = {}
    for i in range(20):
        arch = nb201_table.metrics["arch_str"][i]
        acc = float(nb201_table.column("cifar10-valid.valid_acc")[i])
        data[arch] = {"cifar10-valid": {"eval_acc1es": [10.0, acc], "train_acc1es": [20.0, 99.0],
                                        "train_losses": [2.0, 0.1], "eval_losses": [2.1, 0.5],
                                        "cost_info": {"train_time": 12.5, "params": 0.1}}}
    path = tmp_path / "nb201_cifar10_full_training.pickle"
    path.write_bytes(pickle.dumps(data))
    table = bench_data.load_naslib_nb201(path=path)
    assert len(table) == 20 and table.specs == nb201_table.specs[:20]
    np.testing.assert_allclose(table.column("cifar10-valid.valid_acc"), nb201_table.column("cifar10-valid.valid_acc")[:20])
    assert table.column("cifar10-valid.train_time")[0] == 12.5


def test_nni_nb201_database(tmp_path, nb201_table):
    """A database written with NNI's own schema and read back through NNI's query API."""
    pytest.importorskip("nni")
    from nni.nas.benchmark.nasbench201.schema import Nb201TrialConfig, Nb201TrialStats, proxy
    from playhouse.sqlite_ext import SqliteExtDatabase

    from adapters import nni as nni_adapter

    path = tmp_path / "nb201.db"
    db = SqliteExtDatabase(str(path))
    proxy.initialize(db)
    db.create_tables([Nb201TrialConfig, Nb201TrialStats])
    for i in range(10):
        sample = nni_adapter.to_sample(nb201_table.specs[i])
        arch = {k.split("/")[1]: v for k, v in sample.items()}
        cfg = Nb201TrialConfig.create(arch=arch, num_epochs=200, num_channels=16, num_cells=5, dataset="cifar100")
        for seed, delta in ((777, -0.5), (888, 0.5)):
            Nb201TrialStats.create(config=cfg, seed=seed, train_acc=90.0, valid_acc=50.0,
                                   test_acc=float(nb201_table.column("cifar100.test_acc")[i]) + delta, ori_test_acc=0.0,
                                   parameters=0.5, latency=1.0, flops=10.0, training_time=1.0,
                                   valid_evaluation_time=0.1, test_evaluation_time=0.1, ori_test_evaluation_time=0.1)
    db.close()
    table = bench_data.load_nni_nb201("cifar100", path=path)
    assert len(table) == 10
    rows = [nb201_table.row_of(s) for s in table.specs]
    np.testing.assert_allclose(table.column("test_acc"), nb201_table.column("cifar100.test_acc")[rows])


# -- data files are checked against their published sha256 ---------------------------------------------------
def _data_with_changed_byte(src, dst, relpath):
    """A data folder linking to the shared files, except a copy of ``relpath`` with one digit changed."""
    for f in src.rglob("*"):
        if f.is_file():
            (dst / f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
            if f.relative_to(src).as_posix() != relpath:
                (dst / f.relative_to(src)).symlink_to(f)
    data = bytearray((src / relpath).read_bytes())
    pos = data.index(b"94.37")  # the best CIFAR-10 accuracy: 94.37 -> 99.37
    data[pos + 1] = ord("9")
    (dst / relpath).write_bytes(bytes(data))
    return dst


def test_a_file_with_one_changed_byte_is_refused(tmp_path, monkeypatch, data_dir):
    from clue_plugins.data.fetch import sha256_of
    from clue_plugins.data.sources import FILES
    from clue_plugins.errors import DataIntegrityError

    rel = "nb201/nats_tss_test_accuracy_200ep.csv"
    root = _data_with_changed_byte(data_dir, tmp_path / "data", rel)
    monkeypatch.setenv("CLUE_DATA_DIR", str(root))
    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CLUE_VERIFY_DATA", raising=False)
    with pytest.raises(DataIntegrityError) as err:
        bench_data.load_nb201()
    msg = str(err.value)
    for part in (rel, str(root / rel), FILES[rel].sha256, sha256_of(root / rel), "clue-nas data fetch",
                 "CLUE_VERIFY_DATA=0", "verify=False"):
        assert part in msg
    with pytest.raises(DataIntegrityError):
        bench_data.load("nb201")
    # the user's own, changed file: an explicit opt-out loads it, by argument or environment
    assert round(bench_data.load_nb201(verify=False).best("cifar10.test_acc")[1], 2) == 99.37
    monkeypatch.setenv("CLUE_VERIFY_DATA", "0")
    assert round(bench_data.load("nb201").best("cifar10.test_acc")[1], 2) == 99.37
    monkeypatch.setenv("CLUE_VERIFY_DATA", "1")
    with pytest.raises(DataIntegrityError):
        bench_data.load_nb201()


def test_changed_json_files_are_refused_too(tmp_path, monkeypatch, data_dir):
    from clue_plugins.errors import DataIntegrityError

    root = tmp_path / "data"
    for f in data_dir.rglob("*"):
        if f.is_file():
            (root / f.relative_to(data_dir)).parent.mkdir(parents=True, exist_ok=True)
            (root / f.relative_to(data_dir)).symlink_to(f)
    for rel in ("nb101/zc_nasbench101.json", "nb301/zc_nasbench301.json", "nb201/zc_nasbench201.json"):
        (root / rel).unlink()
        (root / rel).write_bytes((data_dir / rel).read_bytes() + b" ")
    monkeypatch.setenv("CLUE_DATA_DIR", str(root))
    monkeypatch.delenv("CLUE_VERIFY_DATA", raising=False)
    for load, rel in ((bench_data.load_nb101_zc, "nb101"), (bench_data.load_nb301_zc, "nb301"),
                      (bench_data.load_nb201_zc, "nb201")):
        with pytest.raises(DataIntegrityError, match=f"{rel}/zc_nasbench"):
            load()
        assert len(load(verify=False)) > 0


def test_a_file_outside_the_data_folder_is_the_users_own(tmp_path, data_dir):
    """Only registered files in the data folder have a published hash; a file elsewhere loads unchecked."""
    mine = tmp_path / "my_nb101.json"
    mine.write_bytes((data_dir / "nb101/zc_nasbench101.json").read_bytes() + b"\n")
    assert len(bench_data.load_nb101_zc(mine)) == 301


def test_the_opt_out_variable_must_be_understood(monkeypatch, data_dir):
    from clue_plugins.errors import ConfigError

    monkeypatch.setenv("CLUE_VERIFY_DATA", "maybe")
    with pytest.raises(ConfigError, match="CLUE_VERIFY_DATA='maybe'"):
        bench_data.load_nb101_zc()


def test_each_file_is_hashed_once_per_process(monkeypatch, nb201_table):
    """The sha256 that verifies a file is also the table cache's key, and a process hashes a file once."""
    from clue_plugins.data import sources

    hashed = []
    real = sources.sha256_file

    def spy(path):
        before = len(sources._DIGESTS)
        out = real(path)
        hashed.extend([path] * (len(sources._DIGESTS) - before))
        return out

    monkeypatch.setattr(sources, "sha256_file", spy)
    again = bench_data.load_nb201()
    assert hashed == []  # all hashed once, when the session's first load verified them
    assert again.specs == nb201_table.specs


def test_the_table_cache_gives_back_exactly_the_table(tmp_path, monkeypatch, data_dir):
    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path))
    built = bench_data.load_nasbench_only108(data_dir / "nb101/nasbench_only108_sample30.pkl")
    cached = bench_data.load_nasbench_only108(data_dir / "nb101/nasbench_only108_sample30.pkl")
    assert list((tmp_path / "benchmarks").glob("*.npz"))
    assert cached.specs == built.specs and [s.key for s in cached.specs] == [s.key for s in built.specs]
    assert cached.metrics.equals(built.metrics) and list(cached.metrics.dtypes) == list(built.metrics.dtypes)
    assert (cached.space, cached.source, cached.notes) == (built.space, built.source, built.notes)

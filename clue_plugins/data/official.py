"""Loaders for the official benchmark files a user may have: NASLib's NB201 pickles, NNI's database.

(``nasbench_only108.pkl`` and the ``zc_*.json`` files are read by the NB101/NB201/NB301 modules.)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from adapters import nb201 as nb201_adapter
from adapters import nni as nni_adapter
from clue_plugins.data.nb101 import _fix
from clue_plugins.data.safe_pickle import restricted_loads
from clue_plugins.data.sources import NNI_NB201_DB, locate
from clue_plugins.data.table import BenchmarkTable, cached
from clue_plugins.errors import DataIntegrityError, UnknownNameError, missing_dependency

#: NASLib's dataset keys inside its NB201 pickles, and NNI's inside its database.
NASLIB_NB201_DATASETS = ("cifar10-valid", "cifar100", "ImageNet16-120")
NNI_NB201_DATASETS = ("cifar10-valid", "cifar10", "cifar100", "imagenet16-120")


def load_naslib_nb201(dataset: str = "cifar10", path: str | Path | None = None, verify: bool | None = None) -> BenchmarkTable:
    """NASLib's ``nb201_{dataset}_full_training.pickle``: {arch string: {dataset key: record}}.

    Each record holds per-epoch ``train_acc1es``/``eval_acc1es`` (last epoch used, percent),
    ``train_losses``/``eval_losses`` and ``cost_info`` (``train_time``...). The pickle is read by a
    restricted unpickler (plain containers and numpy arrays only): a file that asks for anything else
    is refused, never run.
    """
    path = Path(path) if path else locate(f"official/nb201_{dataset}_full_training.pickle")

    def build() -> BenchmarkTable:
        data = restricted_loads(path.read_bytes(), path, _fix(path))
        if not isinstance(data, dict) or not data:
            raise DataIntegrityError(f"{path} is not a NASLib NB201 pickle (expected a dict keyed by arch string)")
        specs, rows = [], []
        for arch, by_ds in data.items():
            specs.append(nb201_adapter.from_arch_str(arch))
            row: dict[str, float] = {}
            for ds, rec in by_ds.items():
                for key, name in (("eval_acc1es", "valid_acc"), ("train_acc1es", "train_acc"),
                                  ("eval_losses", "valid_loss"), ("train_losses", "train_loss")):
                    if rec.get(key):
                        row[f"{ds}.{name}"] = float(rec[key][-1])
                for key, value in (rec.get("cost_info") or {}).items():
                    if isinstance(value, (int, float)):
                        row[f"{ds}.{key}"] = float(value)
            rows.append(row)
        return BenchmarkTable("nb201", specs, pd.DataFrame(rows), f"NASLib {path.name}")

    return cached(f"naslib-{path.stem}", [path], build, verify=verify)


def load_nni_nb201(dataset: str = "cifar100", num_epochs: int = 200, path: str | Path | None = None) -> BenchmarkTable:
    """NNI's NB201 SQLite database, read through NNI's own query API (needs the ``nni`` extra).

    Metrics are NNI's per-config means over seeds: accuracies in percent, ``latency`` in ms,
    ``parameters`` and ``flops`` in millions.
    """
    if dataset not in NNI_NB201_DATASETS:
        raise UnknownNameError(f"NNI NB201 dataset {dataset!r} unknown; choose from {', '.join(NNI_NB201_DATASETS)}")
    path = Path(path) if path else locate(NNI_NB201_DB)
    try:
        from nni.nas.benchmark.nasbench201 import query_nb201_trial_stats
        from nni.nas.benchmark.nasbench201.schema import proxy
        from playhouse.sqlite_ext import SqliteExtDatabase
    except ImportError:
        raise missing_dependency("nni", "nni") from None

    def build() -> BenchmarkTable:
        proxy.initialize(SqliteExtDatabase(str(path), autoconnect=True))
        specs, rows = [], []
        for rec in query_nb201_trial_stats(None, num_epochs, dataset, reduction="mean"):
            arch = rec["config"]["arch"]
            specs.append(nni_adapter.from_sample({f"cell/{k}": v for k, v in arch.items()}, "nb201"))
            rows.append({k: float(v) for k, v in rec.items() if isinstance(v, (int, float)) and k not in ("id", "seed")})
        if not specs:
            raise DataIntegrityError(f"{path}: no NB201 trials for dataset {dataset!r} with {num_epochs} epochs")
        frame = pd.DataFrame(rows)
        frame.insert(0, "arch_str", [nb201_adapter.to_arch_str(s) for s in specs])
        return BenchmarkTable("nb201", specs, frame, f"NNI {path.name} ({dataset}, {num_epochs} epochs)")

    return cached(f"nni-nb201-{dataset}-{num_epochs}", [path], build)

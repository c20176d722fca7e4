"""NAS-Bench-201 from the shared tables: 15,625 cells in official index order."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from adapters import nb201 as nb201_adapter
from clue_plugins.data.safe_pickle import load_torch_payload
from clue_plugins.data.sources import FILES, checked_sha256, data_dir, locate, read_verified
from clue_plugins.data.table import BenchmarkTable, cached
from clue_plugins.errors import DataIntegrityError, MissingDataError, UnknownNameError

NUM_CELLS = 15625
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
#: Latency tables (ms) shipped in the shared data, by device name.
DEVICES = tuple(p.split("/")[-1][:-3] for p in FILES if p.startswith("nb201/latency/")
                and not p.endswith(("str_arch2idx.pt", "hardware_embedding_index.pt")))

_ACC = "nb201/nats_tss_test_accuracy_200ep.csv"
_COST = "nb201/cost_and_accuracy.csv"
_VALID = "nb201/cifar10_valid_200ep.csv"


def load_latency_file(path: Path, verify: bool | None = None) -> list[float]:
    """Read a HELP latency ``.pt`` list without torch and without running code from it.

    The file is checked against its published sha256 (``verify``, see :func:`~clue_plugins.data.sources.verify_enabled`),
    then its pickle is read by a restricted unpickler that builds plain lists of numbers and nothing else.
    """
    path = Path(path)
    checked_sha256(path, verify)  # hashed once per process; the table cache key reuses it
    fix = "Re-download it with `clue-nas data fetch`."
    values = load_torch_payload(path.read_bytes(), path, fix)
    if not isinstance(values, list) or len(values) != NUM_CELLS or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise DataIntegrityError(f"{path}: expected a list of {NUM_CELLS} latencies (numbers). {fix}")
    return values


def _build(devices: tuple[str, ...], verify: bool | None = None) -> BenchmarkTable:
    acc = pd.read_csv(locate(_ACC))
    if len(acc) != NUM_CELLS:
        raise DataIntegrityError(f"{_ACC} has {len(acc)} rows, expected {NUM_CELLS}")
    arch = acc["ArchitectureString"].tolist()
    specs = [nb201_adapter.from_arch_str(a) for a in arch]
    cols: dict[str, np.ndarray] = {
        "index": np.arange(NUM_CELLS),
        "cifar10.test_acc": acc["CIFAR10TestAccuracy200Epochs"].to_numpy(float),
        "cifar100.test_acc": acc["CIFAR100TestAccuracy200Epochs"].to_numpy(float),
        "ImageNet16-120.test_acc": acc["ImageNetTestAccuracy200Epochs"].to_numpy(float),
    }
    cost = pd.read_csv(locate(_COST))
    for ds in DATASETS:
        part = cost[cost["dataset"] == ds].set_index("index").reindex(range(NUM_CELLS))
        if part["arch"].notna().any() and not (part["arch"].dropna() == pd.Series(arch)[part["arch"].notna().to_numpy()].to_numpy()).all():
            raise DataIntegrityError(f"{_COST}: arch strings disagree with {_ACC} for {ds}")
        cols[f"{ds}.params_M"] = part["params_M"].to_numpy(float)
        cols[f"{ds}.flops_M"] = part["flops_M"].to_numpy(float)
        cols[f"{ds}.gpu_latency_s"] = part["latency_s"].to_numpy(float)
        cols[f"{ds}.train_time_12ep_s"] = part["train_time_12ep_s"].to_numpy(float)
        cols[f"{ds}.train_time_200ep_s"] = part["train_time_200ep_s"].to_numpy(float)
        cols[f"{ds}.train_acc_12ep"] = 100 * part["train_acc_12ep"].to_numpy(float)
        cols[f"{ds}.test_acc_12ep"] = 100 * part["test_acc_12ep"].to_numpy(float)
        cols[f"{ds}.train_acc"] = 100 * part["train_acc_200ep"].to_numpy(float)
    valid = pd.read_csv(locate(_VALID))
    if not (valid["arch_str"].to_numpy() == np.asarray(arch)).all():
        raise DataIntegrityError(f"{_VALID}: rows are not in NB201 index order")
    cols["cifar10-valid.valid_acc"] = valid["valid-accuracy"].to_numpy(float)
    cols["cifar10-valid.test_acc"] = valid["test-accuracy"].to_numpy(float)
    cols["cifar10-valid.train_acc"] = valid["train-accuracy"].to_numpy(float)
    cols["cifar10-valid.train_time_s"] = valid["train-all-time"].to_numpy(float)
    for dev in devices:
        cols[f"latency_ms.{dev}"] = np.asarray(load_latency_file(locate(f"nb201/latency/{dev}.pt"), verify), dtype=float)
    metrics = pd.DataFrame(cols)
    metrics.insert(1, "arch_str", arch)
    notes = [f"{NUM_CELLS - int(np.isfinite(cols['cifar10.params_M']).sum())} cells lack cost data (NB201 indices 3989-3999 are missing upstream)"]
    return BenchmarkTable("nb201", specs, metrics, f"shared NB201 tables in {data_dir()}", notes)


def load_nb201(devices: tuple[str, ...] | None = None, verify: bool | None = None) -> BenchmarkTable:
    """All 15,625 NB201 cells with accuracies (3 datasets, 12/200 epochs, cifar10-valid), cost, latency.

    ``devices`` picks latency tables (default: every one present in the data folder). Every file is
    checked against its published sha256 first; ``verify=False`` (or ``CLUE_VERIFY_DATA=0``) loads
    files you changed on purpose.
    """
    if devices is None:
        devices = tuple(d for d in DEVICES if (data_dir() / f"nb201/latency/{d}.pt").exists())
    unknown = [d for d in devices if d not in DEVICES]
    if unknown:
        raise MissingDataError(f"no latency table for device(s) {unknown}; known devices: {', '.join(DEVICES)}")
    paths = [locate(p) for p in (_ACC, _COST, _VALID)] + [locate(f"nb201/latency/{d}.pt") for d in devices]
    return cached("nb201-" + "-".join(devices), paths, lambda: _build(tuple(devices), verify), verify=verify)


def load_nb201_zc(dataset: str = "cifar10", path: str | Path | None = None, verify: bool | None = None) -> BenchmarkTable:
    """NASLib's ``zc_nasbench201.json``: 725 cells per dataset with val accuracy and zero-cost proxies."""
    path = Path(path) if path else locate("nb201/zc_nasbench201.json")
    data = load_json(path, verify)
    if dataset not in data:
        raise UnknownNameError(f"dataset {dataset!r} not in {path.name}; available: {', '.join(data)}")
    specs, rows = [], []
    for key, rec in data[dataset].items():
        specs.append(nb201_adapter.from_op_indices(json.loads(key.replace("(", "[").replace(")", "]"))))
        rows.append(_zc_row(rec))
    return BenchmarkTable("nb201", specs, pd.DataFrame(rows), f"NASLib {path.name} ({dataset})")


def load_json(path: Path, verify: bool | None = None) -> object:
    """A JSON data file, read once, checked against its published sha256, parsed (JSON never runs code)."""
    try:
        return json.loads(read_verified(path, verify))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataIntegrityError(f"{path} is not valid JSON ({exc}); re-download it with `clue-nas data fetch`") from None


def _zc_row(rec: dict) -> dict:
    row = {"val_acc": float(rec["val_accuracy"])}
    for name, v in rec.items():
        if name in ("val_accuracy", "idx", "arch"):
            continue
        if isinstance(v, dict) and "score" in v:  # NB201/NB301 files store {score, time}
            v = v["score"]
        if isinstance(v, (int, float)):
            row[f"zc.{name}"] = float(v)
    return row

"""NAS-Bench-101: NASLib's 500 zero-cost samples, and the official ``nasbench_only108.pkl`` format."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from adapters import nb101 as nb101_adapter
from clue_plugins.data.nb201 import _zc_row, load_json
from clue_plugins.data.safe_pickle import restricted_loads
from clue_plugins.data.sources import FILES, locate, registered_name
from clue_plugins.data.table import BenchmarkTable, cached
from clue_plugins.errors import DataIntegrityError


def load_nb101_zc(path: str | Path | None = None, dedupe: bool = True, verify: bool | None = None) -> BenchmarkTable:
    """NASLib's ``zc_nasbench101.json`` (500 records keyed by unpruned 7x7 matrices).

    Several records prune to the same cell (NASLib sampled raw matrices; 500 records hold 301
    distinct cells) and carry the accuracy of different training seeds. With ``dedupe`` (default)
    they become one row with the mean ``val_acc`` and ``n_records``, so a train/test split can
    never put the same cell on both sides. Isomorphic cells are NOT merged; ``nasbench_hash``
    identifies them (``ArchSpec.iso_key`` groups them too). ``verify``: see :func:`~clue_plugins.data.load_nb201`.
    """
    path = Path(path) if path else locate("nb101/zc_nasbench101.json")
    data = load_json(path, verify)
    try:
        records = data["nasbench101"]["cifar10"]
    except (KeyError, TypeError):
        raise DataIntegrityError(f"{path} is not NASLib's zc_nasbench101.json (expected nasbench101 -> cifar10)") from None
    specs, rows = [], []
    for key, rec in records.items():
        spec = nb101_adapter.from_key(key)
        specs.append(spec)
        rows.append(_zc_row(rec))
    frame = pd.DataFrame(rows)
    notes = []
    if dedupe:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, s in enumerate(specs):
            groups[s.key].append(i)
        first = [g[0] for g in groups.values()]
        agg = frame.groupby([specs[i].key for i in range(len(specs))], sort=False).mean()
        agg["n_records"] = [len(g) for g in groups.values()]
        notes.append(f"{len(records)} records pruned to {len(first)} distinct cells; val_acc is their mean (seeds)")
        specs = [specs[i] for i in first]
        frame = agg.reset_index(drop=True)
    frame.insert(0, "nasbench_hash", [nb101_adapter.nasbench_hash(s) for s in specs])
    return BenchmarkTable("nb101", specs, frame, f"NASLib {path.name}", notes)


def load_nasbench_only108(path: str | Path | None = None, verify: bool | None = None) -> BenchmarkTable:
    """A pickle in NASLib's ``nasbench_only108.pkl`` format: {hash: (fixed_stats, {108: [runs]})}.

    Default path: the official file ``official/nasbench_only108.pkl`` in the data folder; the
    shared 30-record sample has the same format. Accuracies are means over the runs, in percent.
    The pickle is read by a restricted unpickler (plain containers and numpy arrays only): a file that
    asks for anything else is refused, never run. ``verify``: see :func:`~clue_plugins.data.load_nb201`.
    """
    path = Path(path) if path else locate("official/nasbench_only108.pkl")
    sources = [path]

    def build() -> BenchmarkTable:
        data = restricted_loads(path.read_bytes(), path, _fix(path))
        if not isinstance(data, dict):
            raise DataIntegrityError(f"{path} is not in nasbench_only108.pkl format (expected a dict keyed by hash)")
        specs, rows = [], []
        for h, (fixed, computed) in data.items():
            spec = nb101_adapter.from_record(fixed)
            runs = computed[108]
            mean = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
            specs.append(spec)
            rows.append({
                "nasbench_hash": h,
                "params": float(fixed.get("trainable_parameters", np.nan)),
                "val_acc": 100 * mean["final_validation_accuracy"],
                "test_acc": 100 * mean["final_test_accuracy"],
                "train_acc": 100 * mean["final_train_accuracy"],
                "halfway_val_acc": 100 * mean["halfway_validation_accuracy"],
                "train_time_s": mean["final_training_time"],
                "n_runs": len(runs),
            })
        return BenchmarkTable("nb101", specs, pd.DataFrame(rows), f"{path.name} (nasbench_only108 format)")

    return cached(f"nb101-only108-{path.stem}", sources, build, verify=verify)


def _fix(path: Path) -> str:
    """What a user does about a damaged pickle in the data folder (or one of their own)."""
    entry = FILES.get(registered_name(path) or "")
    if entry is not None and entry.url:
        return "Re-download it with `clue-nas data fetch`."
    if entry is not None:
        return f"Get the published file again: {entry.how_to_get}."
    return "Check that this is the file you meant, in NASLib's published format."

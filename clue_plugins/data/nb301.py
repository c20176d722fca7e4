"""NAS-Bench-301 (DARTS space) from NASLib's files; labels are surrogate predictions."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd

from adapters import darts
from clue_plugins.data.nb201 import _zc_row, load_json
from clue_plugins.data.sources import locate
from clue_plugins.data.table import BenchmarkTable

SURROGATE_NOTE = "NB301 val_acc are surrogate-model predictions (NASLib's NB301 query), not trained accuracies"


def load_nb301_zc(path: str | Path | None = None, verify: bool | None = None) -> BenchmarkTable:
    """725 DARTS cells with (surrogate) CIFAR-10 val accuracy and zero-cost proxies."""
    path = Path(path) if path else locate("nb301/zc_nasbench301.json")
    records = load_json(path, verify)["cifar10"]
    specs = [darts.from_compact(k) for k in records]
    rows = [_zc_row(r) for r in records.values()]
    return BenchmarkTable("nb301", specs, pd.DataFrame(rows), f"NASLib {path.name}", [SURROGATE_NOTE])


def load_nb301_archs(path: str | Path | None = None, verify: bool | None = None) -> BenchmarkTable:
    """11,221 unlabelled DARTS cells (useful as a search pool or for unsupervised embedding)."""
    path = Path(path) if path else locate("nb301/archs_nasbench301.json")
    data = load_json(path, verify)
    specs = [darts.from_compact(ast.literal_eval(v)) for v in data.values()]
    return BenchmarkTable("nb301", specs, pd.DataFrame({"id": [int(k) for k in data]}), f"NASLib {path.name}",
                          ["no labels"])

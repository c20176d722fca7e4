"""The op soft-metric table: generated data shipped with the package, plus on-the-fly measurement.

Predictions read the stored table (latency is machine-dependent, so a stored table keeps them
reproducible). Ops missing from it (a parseable ``conv_7x7`` or a user-registered op) are measured
once and cached on disk, keyed by op name and measurement settings.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Iterable

import numpy as np

from clue_plugins._io import cache_dir, write_json_atomic
from clue_plugins.errors import DataIntegrityError, MissingDataError
from clue_plugins.ops.measure import METRIC_NAMES, MeasureSettings, OpMetrics, machine_description, measure_op
from clue_plugins.ops.vocabulary import CANONICAL_OPS, canonical_op

TABLE_PATH = Path(__file__).with_name("op_metrics.json")
GENERATED_BY = "clue-nas ops-table --recompute"


class OpMetricTable:
    """Raw soft metrics per canonical op; ``vector(op)`` gives the scaled 5-vector."""

    def __init__(self, rows: dict[str, OpMetrics], settings: MeasureSettings, header: dict | None = None) -> None:
        self.rows = dict(rows)
        self.settings = settings
        self.header = header or {}
        self._scaled: dict[str, np.ndarray] = {k: v.scaled() for k, v in self.rows.items()}

    def metrics(self, op: str) -> OpMetrics:
        key = canonical_op(op)
        if key not in self.rows:
            self.rows[key] = _measure_cached(key, self.settings)
            self._scaled[key] = self.rows[key].scaled()
        return self.rows[key]

    def vector(self, op: str) -> np.ndarray:
        """Scaled (flops/1e7, params/1e4, latency_ms/0.1, passing rate, sensitivity/0.1) of ``op``."""
        vec = self._scaled.get(op)
        if vec is None:
            self.metrics(op)
            vec = self._scaled[canonical_op(op)]
        return vec

    @classmethod
    def load(cls, path: str | Path = TABLE_PATH) -> "OpMetricTable":
        try:
            data = json.loads(Path(path).read_text())
            rows = {k: OpMetrics(**v) for k, v in data["ops"].items()}
            settings = MeasureSettings(**data["settings"])
        except FileNotFoundError:
            raise MissingDataError(f"op-metric table {path} is missing; regenerate it with `{GENERATED_BY}`") from None
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise DataIntegrityError(f"op-metric table {path} is malformed ({exc}); regenerate it with `{GENERATED_BY}`") from None
        return cls(rows, settings, {k: v for k, v in data.items() if k != "ops"})

    def save(self, path: str | Path = TABLE_PATH) -> None:
        data = dict(self.header)
        data["settings"] = asdict(self.settings)
        data["columns"] = list(METRIC_NAMES)
        data["ops"] = {k: v.to_dict() for k, v in self.rows.items()}
        write_json_atomic(path, data)


def compute_table(ops: Iterable[str] = CANONICAL_OPS, settings: MeasureSettings = MeasureSettings()) -> OpMetricTable:
    """Measure every op now (what ``clue-nas ops-table --recompute`` runs)."""
    rows = {canonical_op(op): measure_op(op, settings) for op in ops}
    header = {
        "generated_by": GENERATED_BY,
        "generated_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine_description(),
        "note": "raw values; the op-metric vector divides by flops 1e7, params 1e4, latency_ms 0.1, sensitivity 0.1",
    }
    return OpMetricTable(rows, settings, header)


@functools.lru_cache(maxsize=1)
def default_table() -> OpMetricTable:
    """The table shipped with the package (loaded once per process)."""
    return OpMetricTable.load(TABLE_PATH)


def _measure_cached(op: str, settings: MeasureSettings) -> OpMetrics:
    tag = hashlib.sha256(json.dumps([op, asdict(settings)]).encode()).hexdigest()[:16]
    path = cache_dir() / "op_metrics" / f"{op}-{tag}.json"
    if path.exists():
        try:
            return OpMetrics(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, TypeError, ValueError) as exc:  # ValueError covers bad JSON and bad UTF-8
            warnings.warn(f"damaged op-metric cache entry {path} ({type(exc).__name__}); measuring {op} again",
                          RuntimeWarning, stacklevel=2)
    metrics = measure_op(op, settings)
    try:
        write_json_atomic(path, metrics.to_dict())
    except OSError:  # a read-only cache folder only costs speed
        pass
    return metrics

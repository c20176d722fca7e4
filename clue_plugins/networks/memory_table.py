"""The generated memory table of a space: ``training_step_memory`` for every cell of its benchmark.

``clue-nas measure memory --space nb201`` fills it: in parallel worker processes, resumable (every
finished cell is appended to a progress file in the cache folder and skipped on the next run), and
written atomically as CSV into the package (``clue_plugins/networks/data/memory_<space>.csv``) or
``--out``, with a header naming the command, the definition and the torch version. One column per
method (``meta_mb``, ``cuda_mb``, ``profiler_mb``), rows in the benchmark's order. New values are
merged into the existing table: a partial run (``--limit``, an interruption) never erases a value.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from clue_plugins._io import append_jsonl, cache_dir, read_jsonl, write_text_atomic
from clue_plugins._parallel import imap
from clue_plugins.errors import ConfigError, DataIntegrityError, MissingDataError, UnknownNameError
from clue_plugins.spec import ArchSpec

DATA_DIR = Path(__file__).parent / "data"


def table_path(space: str) -> Path:
    return DATA_DIR / f"memory_{space}.csv"


def load_memory_table(space: str, path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The memory table of ``space`` (columns ``index`` and ``<method>_mb``), or a clear error."""
    p = Path(path) if path else table_path(space)
    if not p.exists():
        raise MissingDataError(f"no memory table for {space} at {p}; make it with `clue-nas measure memory --space {space}`")
    return pd.read_csv(p, comment="#")


def _measure_one(args: tuple[int, ArchSpec, str, int]) -> tuple[int, int, int]:
    from clue_plugins.networks import build_network
    from clue_plugins.networks.memory import training_step_memory

    index, spec, method, num_classes = args
    r = training_step_memory(lambda: build_network(spec, num_classes=num_classes), method=method, num_classes=num_classes)
    return index, r.peak_bytes, r.resident_bytes


@dataclass(frozen=True)
class MemoryTableRun:
    """What :func:`measure_memory_table` did to the table at ``path`` (usable wherever a path is, via ``os.fspath``).

    ``measured``: cells measured by this call; ``resumed``: cells taken from the progress file of earlier
    (interrupted) runs; ``kept``: values of the existing table left as they were; ``replaced``: existing
    values superseded by a measurement of this campaign; ``missing``: rows still without a value.
    """

    path: Path
    column: str
    rows: int
    measured: int
    resumed: int
    kept: int
    replaced: int
    missing: int

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)

    def summary(self) -> str:
        text = (f"wrote {self.path}: {self.column} for {self.rows - self.missing} of {self.rows} cells "
                f"({self.measured} measured now, {self.resumed} from earlier runs' progress, {self.kept} kept from the "
                f"existing table, {self.replaced} of them re-measured)")
        if self.missing:
            text += f"; {self.missing} cells have no value yet (run without --limit to measure them)"
        return text


def measure_memory_table(space: str, method: str = "meta", workers: int = 1, limit: int | None = None,
                         out: str | os.PathLike | None = None, num_classes: int = 10, progress: bool = True,
                         backend: str = "process", ray_address: str | None = None) -> MemoryTableRun:
    """Measure every cell of ``space`` (or the first ``limit``) and merge the values into the table.

    The table is ``out`` or the one in the package. Values already in it are kept unless this campaign
    measured that cell (this call, or an earlier interrupted run recorded in the progress file); other
    columns and rows are untouched, so a partial run never erases anything. Returns what was done.
    ``backend="ray"``: the cells are measured as Ray tasks (each carries its spec; ``cuda`` tasks ask for one
    GPU each, so a cluster measures on as many cards as it has); only this process writes the files.
    """
    from tqdm import tqdm

    from clue_plugins.data import load
    from clue_plugins.networks.memory import METHODS

    if method not in METHODS:
        raise UnknownNameError(f"unknown memory method {method!r}; use one of {', '.join(METHODS)}")
    if method == "cuda" and backend == "process":
        import torch

        if not torch.cuda.is_available():
            raise ConfigError("method 'cuda' needs a CUDA GPU, and torch sees none; use --method meta (no GPU needed)")
    table = load(space)
    path = Path(out) if out else table_path(space)
    keys = [s.key for s in table.specs]
    _read_table(space, path, keys)  # a table of other cells is refused before any work
    n = len(table.specs) if limit is None else min(limit, len(table.specs))
    progress_file = cache_dir() / "memory" / f"{space}-{method}-c{num_classes}.jsonl"
    done = _read_progress(progress_file, len(keys))
    todo = [(i, table.specs[i], method, num_classes) for i in range(n) if i not in done]
    if method == "cuda" and backend == "process":
        workers = 1  # one process owns the GPU's peak counter; parallel processes would share the card
    measured: set[int] = set()
    with append_jsonl(progress_file, "memory progress file", ("index", "peak"), strict=False) as log:
        results = imap(_measure_one, todo, workers, chunksize=8, backend=backend, ray_address=ray_address,
                       num_gpus=1 if method == "cuda" else 0)
        for index, peak, resident in tqdm(results, total=len(todo), disable=not progress, desc=f"memory ({method})"):
            log.write(json.dumps({"index": index, "peak": peak, "resident": resident}) + "\n")
            log.flush()
            done[index] = peak
            measured.add(index)
    return _write_table(space, method, done, measured, keys, n, path)


def _read_progress(path: Path, n_cells: int) -> dict[int, int]:
    """index -> peak bytes from the progress file; unreadable lines are measured again."""
    done: dict[int, int] = {}
    for rec in read_jsonl(path, "memory progress file", ("index", "peak"), strict=False):
        try:
            index, peak = int(rec["index"]), int(rec["peak"])
        except (TypeError, ValueError):
            continue
        if 0 <= index < n_cells and peak > 0:
            done[index] = peak
    return done


def _read_table(space: str, path: Path, keys: list[str]) -> pd.DataFrame | None:
    """The existing table at ``path`` (None if there is none), checked to list ``keys``' cells in order."""
    if not path.exists():
        return None
    try:
        frame = pd.read_csv(path, comment="#")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataIntegrityError(f"{path} is not a memory table CSV ({exc}); write to a new file with --out") from None
    if "index" not in frame or len(frame) > len(keys) or not np.array_equal(frame["index"].to_numpy(), np.arange(len(frame))):
        raise DataIntegrityError(f"{path} is not a memory table of {space} (its 'index' column must count 0, 1, 2, ... "
                                 f"up to at most {len(keys)} rows); write to a new file with --out")
    if "key" in frame and frame["key"].notna().any():
        known = frame["key"].notna().to_numpy()
        if (frame["key"][known].to_numpy() != np.array(keys[: len(frame)])[known]).any():
            raise DataIntegrityError(f"{path} lists other cells than the {space} benchmark in this order; write to a new file with --out")
    return frame


def _write_table(space: str, method: str, done: dict[int, int], measured: set[int], keys: list[str], n: int,
                 path: Path) -> MemoryTableRun:
    import torch

    from clue_plugins.networks.memory import MEMORY_DEFINITION

    column = f"{method}_mb"
    frame = _read_table(space, path, keys)
    if frame is None:
        frame = pd.DataFrame({"index": np.arange(0)})
    rows = max(len(frame), n, max(done, default=-1) + 1)
    if len(frame) < rows:
        frame = frame.set_index("index").reindex(range(rows)).reset_index()
    frame["key"] = keys[:rows]
    old = frame[column].to_numpy(dtype=float) if column in frame else np.full(rows, np.nan)
    values = old.copy()
    for i, peak in done.items():
        if i < rows:
            values[i] = peak / 2**20
    new = np.zeros(rows, dtype=bool)
    new[[i for i in done if i < rows]] = True
    had = np.isfinite(old)
    frame[column] = values
    frame = frame[["index", "key", *[c for c in frame.columns if c.endswith("_mb")]]]
    methods = [c[:-3] for c in frame.columns if c.endswith("_mb")]
    header = (
        f"# Generated data: peak training memory (MiB) of every {space} cell, one column per method.\n"
        f"# Command: clue-nas measure memory --space {space} --method <{'|'.join(methods)}>\n"
        f"# Definition: {MEMORY_DEFINITION}.\n"
        f"# Rows follow the benchmark's order (clue_plugins.data.load('{space}')); torch {torch.__version__}.\n"
    )
    write_text_atomic(path, header + frame.to_csv(index=False, float_format="%.4f"))
    return MemoryTableRun(path, column, rows, measured=len(measured), resumed=int(new.sum()) - len(measured),
                          kept=int((had & ~new).sum()), replaced=int((had & new).sum()),
                          missing=int((~np.isfinite(values)).sum()))

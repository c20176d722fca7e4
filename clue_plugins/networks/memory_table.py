"""The generated memory table of a space: ``training_step_memory`` for every cell of its benchmark.

``clue-nas measure memory --space nb201`` fills it: in parallel worker processes, resumable (every
finished cell is appended to a progress file in the cache folder and skipped on the next run), and
written atomically as CSV into the package (``clue_plugins/networks/data/memory_<space>.csv``)
with a header naming the command, the definition and the torch version. One column per method
(``meta_mb``, ``cuda_mb``, ``profiler_mb``), rows in the benchmark's order.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from clue_plugins._io import cache_dir, write_text_atomic
from clue_plugins._parallel import imap
from clue_plugins.errors import ClueError, MissingDataError
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


def measure_memory_table(space: str, method: str = "meta", workers: int = 1, limit: int | None = None,
                         out: str | os.PathLike | None = None, num_classes: int = 10, progress: bool = True) -> Path:
    """Measure every cell of ``space`` (or the first ``limit``) and write/merge the table; returns its path."""
    from tqdm import tqdm

    from clue_plugins.benchmarks import load
    from clue_plugins.networks.memory import METHODS

    if method not in METHODS:
        raise ClueError(f"unknown memory method {method!r}; use one of {', '.join(METHODS)}")
    if method == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ClueError("method 'cuda' needs a CUDA GPU, and torch sees none; use --method meta (no GPU needed)")
    table = load(space)
    n = len(table.specs) if limit is None else min(limit, len(table.specs))
    progress_file = cache_dir() / "memory" / f"{space}-{method}-c{num_classes}.jsonl"
    progress_file.parent.mkdir(parents=True, exist_ok=True)
    done = _read_progress(progress_file)
    todo = [(i, table.specs[i], method, num_classes) for i in range(n) if i not in done]
    if method == "cuda":
        workers = 1  # one process owns the GPU's peak counter; parallel processes would share the card
    with open(progress_file, "a", encoding="utf-8") as log:
        results = imap(_measure_one, todo, workers, chunksize=8)
        for index, peak, resident in tqdm(results, total=len(todo), disable=not progress, desc=f"memory ({method})"):
            log.write(json.dumps({"index": index, "peak": peak, "resident": resident}) + "\n")
            log.flush()
            done[index] = peak
    keys = [s.key for s in table.specs[:n]]
    return _write_table(space, method, done, keys, Path(out) if out else table_path(space))


def _read_progress(path: Path) -> dict[int, int]:
    done: dict[int, int] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
                done[int(rec["index"])] = int(rec["peak"])
            except (ValueError, KeyError):
                continue  # a line cut by an interrupted run: that cell is measured again
    return done


def _write_table(space: str, method: str, done: dict[int, int], keys: list[str], path: Path) -> Path:
    import torch

    from clue_plugins.networks.memory import MEMORY_DEFINITION

    column, n = f"{method}_mb", len(keys)
    frame = pd.read_csv(path, comment="#") if path.exists() else pd.DataFrame({"index": np.arange(n)})
    if len(frame) < n:
        frame = frame.set_index("index").reindex(range(n)).reset_index()
    if "key" in frame and frame["key"].notna().any():
        known = frame["key"][:n].notna().to_numpy()
        if (frame["key"][:n][known].to_numpy() != np.array(keys)[known]).any():
            raise ClueError(f"{path} lists other cells than the {space} benchmark in this order; write to a new file with --out")
    frame.loc[: n - 1, "key"] = keys
    values = np.full(len(frame), np.nan)
    for i, peak in done.items():
        if i < len(frame):
            values[i] = peak / 2**20
    if np.isnan(values[:n]).any():
        raise ClueError(f"{int(np.isnan(values[:n]).sum())} cells have no measurement; run the command again to resume")
    frame[column] = values
    frame = frame[["index", "key", *[c for c in frame.columns if c.endswith("_mb")]]]
    methods = [c[:-3] for c in frame.columns if c.endswith("_mb")]
    header = (
        f"# Generated data: peak training memory (MiB) of every {space} cell, one column per method.\n"
        f"# Command: clue-nas measure memory --space {space} --method <{'|'.join(methods)}>\n"
        f"# Definition: {MEMORY_DEFINITION}.\n"
        f"# Rows follow the benchmark's order (clue_plugins.benchmarks.load('{space}')); torch {torch.__version__}.\n"
    )
    write_text_atomic(path, header + frame.to_csv(index=False, float_format="%.4f"))
    return path

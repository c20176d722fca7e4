"""Execute the example notebooks top to bottom, optionally with small parameters (what CI does).

Each notebook's first code cell is tagged ``parameters``; ``--small`` inserts a cell after it that sets
the CI values from ``SMALL`` (the papermill convention), so the whole notebook runs in well under a minute.

Usage: python tools/run_notebooks.py [--small] [--save] [NOTEBOOK ...]
  --save writes the executed notebook (outputs included) back in place, atomically.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

#: CI parameters per notebook: small budgets, same code paths.
SMALL = {
    "01_representation.ipynb": "N_PER_SPACE = 30",
    "02_naslib_predictors.ipynb": "BUDGETS = [10, 30]\nSEEDS = 1\nN_TEST = 200",
    "03_nni_latency_budget.ipynb": "TRIALS = 20\nTRAIN = 30",
    "04_hardware_freerea.ipynb": "NETWORKS = 16\nPOPULATION, TOURNAMENT = 8, 4\nPROXY_BATCH = 8\nTRAIN = 30",
    "05_cross_space_transfer.ipynb": "TRAIN_PER_SPACE = 30\nN_TEST = 200\nSEEDS = 1",
    "06_user_space_latency.ipynb": "TRAIN = 12\nTEST = 8\nTRAINED = 5\nSTEPS = 10\nTRIALS = 10\nMIN_RUN_TIME = 0.02",
}


def run_notebook(path: Path, small: bool = False, timeout: int = 600):
    """The executed notebook (``nbclient``, kernel ``python3`` = this interpreter); raises on a failing cell."""
    import nbformat
    from nbclient import NotebookClient

    book = nbformat.read(path, as_version=4)
    if small:
        at = next((i for i, c in enumerate(book.cells) if "parameters" in c.metadata.get("tags", [])), None)
        if at is None:
            raise ValueError(f"{path.name} has no cell tagged 'parameters'")
        injected = nbformat.v4.new_code_cell(SMALL.get(path.name, ""))
        injected.metadata["tags"] = ["injected-parameters"]
        book.cells.insert(at + 1, injected)
    NotebookClient(book, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return book


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--small", action="store_true", help="CI parameters")
    parser.add_argument("--save", action="store_true", help="write the outputs back into the notebooks")
    args = parser.parse_args()
    import nbformat

    from clue_plugins._io import write_text_atomic

    for path in args.notebooks or sorted(EXAMPLES.glob("*.ipynb")):
        t0 = time.perf_counter()
        book = run_notebook(path.resolve(), args.small)
        print(f"{path.name}: ok in {time.perf_counter() - t0:.0f}s", flush=True)
        if args.save:
            write_text_atomic(path, nbformat.writes(book))
    return 0


if __name__ == "__main__":
    sys.exit(main())

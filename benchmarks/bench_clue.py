"""Speed of CLUE-NAS: fit on N NB201 cells, predict all 15,625 (text embeddings cached).

Usage: python benchmarks/bench_clue.py [--budget 100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import torch

    from clue_plugins import data
    from clue_plugins.predictors.clue import CLUEPredictor

    table = data.load_nb201()
    y = table.column("cifar10.test_acc")
    CLUEPredictor().embed_texts(table.specs, progress=True)  # warm the embedding cache (first run only)
    fits, preds = [], []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        model = CLUEPredictor(seed=r).fit(table.specs[: args.budget], y[: args.budget])
        fits.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.predict(table.specs)
        preds.append(time.perf_counter() - t0)
    print(f"torch threads {torch.get_num_threads()}, repeats {args.repeats}\n")
    print("| step | median s |\n|---|---|")
    print(f"| fit CLUE-NAS on {args.budget} NB201 cells (200 epochs) | {statistics.median(fits):.2f} |")
    print(f"| predict all 15,625 NB201 cells (embeddings cached) | {statistics.median(preds):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

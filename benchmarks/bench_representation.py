"""Timing of the data layer and the representation on the whole NB201 space.

Usage: python benchmarks/bench_representation.py [--repeats 5]
Prints a markdown table; numbers in README/docs come from this script.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, statistics.median(times), min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ["CLUE_CACHE_DIR"] = tempfile.mkdtemp(prefix="clue-bench-")  # start cold

    from adapters import nb201, nni
    from clue_plugins import data
    from clue_plugins.spec import flow_matrix, op_metric_matrix, prompts

    rows = []
    table, cold, _ = timed(data.load_nb201, 1)
    rows.append(("load NB201, first time (parse + cache)", cold, cold))
    _, med, best = timed(data.load_nb201, args.repeats)
    rows.append(("load NB201, cached", med, best))
    specs = table.specs
    _, med, best = timed(lambda: flow_matrix(specs), args.repeats)
    rows.append(("flow vectors, 15,625 cells", med, best))
    _, med, best = timed(lambda: op_metric_matrix(specs), args.repeats)
    rows.append(("op-metric vectors, 15,625 cells", med, best))
    _, med, best = timed(lambda: prompts(specs), args.repeats)
    rows.append(("prompts, 15,625 cells", med, best))
    arch = table.metrics["arch_str"].tolist()
    _, med, best = timed(lambda: [nb201.from_arch_str(a) for a in arch], 1)
    rows.append(("arch string -> ArchSpec, 15,625 cells", med, best))
    _, med, best = timed(lambda: [nni.to_sample(s) for s in specs], 1)
    rows.append(("ArchSpec -> NNI sample, 15,625 cells", med, best))

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, repeats={args.repeats}\n")
    print("| step | median s | best s |\n|---|---|---|")
    for name, med, best in rows:
        print(f"| {name} | {med:.3f} | {best:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

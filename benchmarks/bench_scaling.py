"""Wall time of one evaluation grid on 1 process, the process pool and Ray (same worker count), and Ray's
per-task overhead; the rows of every backend are checked to be identical (timings aside).

Usage: python benchmarks/bench_scaling.py [--workers 2] [--seeds 2] [--budgets 16] [--ray-address ADDR]
         [--out docs/results/scaling.md]
Without --ray-address (or $RAY_ADDRESS) a local Ray with --workers CPUs is started for the run; its start is
timed apart (a cluster is started once, not per grid). The process pool's start (spawning and importing) is
part of its grid time, as are Ray's worker processes starting.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

TIMING = ("fit_s", "predict_s")


def _noop(x: int) -> int:
    return x


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--predictors", nargs="+", default=["clue", "gboost"])
    parser.add_argument("--budgets", nargs="+", type=int, default=[16])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--overhead-tasks", type=int, default=300)
    parser.add_argument("--ray-address", default=os.environ.get("RAY_ADDRESS"))
    parser.add_argument("--out", default="docs/results/scaling.md")
    args = parser.parse_args()

    import torch

    from clue_plugins._io import write_text_atomic
    from clue_plugins._parallel import connect, imap
    from clue_plugins.evaluation.protocols import make_tasks, run_tasks, shared_inputs

    tasks = make_tasks("independent", args.predictors, ["nb201-cifar10"], args.budgets, args.seeds)
    shared_inputs(tasks)  # warm the tables and embedding caches once, for every backend alike
    ray = ray_start = cluster_cpus = None

    walls, rows = {}, {}
    for name, kw in (("1 process", {"workers": 1}), (f"process pool ({args.workers})", {"workers": args.workers}),
                     (f"ray ({args.workers})", {"workers": args.workers, "backend": "ray", "ray_address": args.ray_address})):
        if kw.get("backend") == "ray":  # Ray starts only now: its daemons must not share the cores with the others
            t0 = time.perf_counter()
            ray = connect(args.ray_address, num_cpus=args.workers)
            ray_start = time.perf_counter() - t0
            cluster_cpus = ray.cluster_resources().get("CPU", 0)
        t0 = time.perf_counter()
        out = run_tasks(tasks, progress=False, **kw)
        walls[name] = time.perf_counter() - t0
        rows[name] = json.dumps([{k: v for k, v in r.items() if k not in TIMING} for r in out], sort_keys=True)
        print(f"{name}: {walls[name]:.1f}s", file=sys.stderr)
    identical = len(set(rows.values())) == 1
    if not identical:  # say where: the first differing row of each backend against one process
        base = json.loads(rows["1 process"])
        for name, text in rows.items():
            for i, (x, y) in enumerate(zip(base, json.loads(text))):
                if x != y:
                    print(f"{name} differs from 1 process at row {i}: "
                          f"{ {k: (x[k], y.get(k)) for k in x if x[k] != y.get(k)} }", file=sys.stderr)
                    break

    # per-task overhead: trivial tasks, one in flight (round trip) and --workers in flight (throughput)
    list(imap(_noop, range(20), args.workers, backend="ray", ray_address=args.ray_address))  # workers up
    n = args.overhead_tasks
    t0 = time.perf_counter()
    list(imap(_noop, range(n), 1, backend="ray", ray_address=args.ray_address))
    round_trip_ms = 1000 * (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    list(imap(_noop, range(n), args.workers, backend="ray", ray_address=args.ray_address))
    per_task_ms = 1000 * (time.perf_counter() - t0) / n

    one, pool, on_ray = walls.values()
    lines = [
        (f"Measured by `python benchmarks/bench_scaling.py --workers {args.workers} --predictors {' '.join(args.predictors)} "
        f"--budgets {' '.join(map(str, args.budgets))} --seeds {args.seeds}` on {os.cpu_count()} cores "
        f"({platform.machine()}, torch {torch.__version__}, ray {ray.__version__}, {cluster_cpus:g} Ray CPUs, "
        f"{'cluster ' + str(args.ray_address) if args.ray_address else 'local Ray started for the run'}); "
        f"{len(tasks)} independent-protocol tasks on NB201 CIFAR-10, one torch thread per task."), "",
        "| backend | wall s | vs 1 process | vs process pool |", "|---|---:|---:|---:|",
        *[f"| {k} | {v:.1f} | {one / v:.2f}x faster | {v / pool:.2f} |" for k, v in walls.items()], "",
        f"- rows identical on all three (timings aside): **{identical}**",
        f"- Ray vs process pool at {args.workers} workers: {100 * (on_ray / pool - 1):+.1f} % wall time (target: within 15 %)",
        (f"- Ray per-task overhead (no-op tasks): {per_task_ms:.2f} ms per task with {args.workers} in flight, "
         f"{round_trip_ms:.2f} ms round trip with one in flight (target: below 20 ms)"),
        f"- starting a local Ray (once per run, not counted above): {ray_start:.1f}s", "",
    ]
    text = "\n".join(lines)
    print(text)
    write_text_atomic(args.out, text)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())

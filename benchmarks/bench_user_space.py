"""How well SEval's latency oracle ranks the true CPU latency of networks from a user-defined NNI model space
(examples/tiny_mobilenet_space.py), on networks it never saw.

Per seed: draw ``--train + --test`` distinct networks of the space (seeded), measure each forward's CPU latency with
``torch.utils.benchmark.Timer`` (one thread, 32x32 image, median), fit a latency head on the first ``--train``
and rank the other ``--test`` (Kendall tau against the measured latency), for each SEval feature choice; next to
the ranking by FLOPs and by parameter count, measured in the same run.

Usage: python benchmarks/bench_user_space.py [--seeds 3] [--train 30] [--test 30] [--out docs/results/nni/user_space.md]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

FEATURES = ("auto", "embedding", "tokens+embedding")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--train", type=int, default=30)
    parser.add_argument("--test", type=int, default=30)
    parser.add_argument("--min-run-time", type=float, default=0.3, help="seconds of timing per network")
    parser.add_argument("--out", help="also write the table (markdown) here, atomically")
    args = parser.parse_args()

    import torch
    from scipy.stats import kendalltau
    from tiny_mobilenet_space import TinyMobileNetSpace

    from clue_plugins._io import write_text_atomic
    from clue_plugins.networks import count_flops_m
    from clue_plugins.nni import measured_latency_ms, sample_models
    from clue_plugins.predictors.seval import SEvalOracle

    torch.set_num_threads(1)
    space = TinyMobileNetSpace()
    rows: dict[str, list[float]] = {f"SEval latency head, features={f}": [] for f in FEATURES}
    rows["FLOPs (reference)"], rows["parameter count (reference)"] = [], []
    spread = []
    t0 = time.perf_counter()
    for seed in range(args.seeds):
        _, models = sample_models(space, args.train + args.test, seed=seed)
        latency = np.asarray(measured_latency_ms(models, min_run_time=args.min_run_time))
        spread.append((latency.min(), latency.max()))
        train, test = models[: args.train], models[args.train :]
        for f in FEATURES:
            oracle = SEvalOracle(seed=seed, features=f).fit(train, {"latency.cpu": latency[: args.train]})
            pred = oracle.predict(test, ["latency.cpu"], progress=False)["latency.cpu"]
            rows[f"SEval latency head, features={f}"].append(kendalltau(pred, latency[args.train :])[0])
        rows["FLOPs (reference)"].append(kendalltau([count_flops_m(m) for m in test], latency[args.train :])[0])
        rows["parameter count (reference)"].append(
            kendalltau([sum(p.numel() for p in m.parameters()) for m in test], latency[args.train :])[0])
        print(f"seed {seed}: " + ", ".join(f"{k.split(',')[-1].strip()} {v[-1]:.3f}" for k, v in rows.items()), flush=True)
    lines = [f"Command: `python benchmarks/bench_user_space.py --seeds {args.seeds} --train {args.train} --test "
             f"{args.test} --min-run-time {args.min_run_time:g}` (torch {torch.__version__}, one thread, {os.cpu_count()} CPUs, load average "
             f"{os.getloadavg()[0]:.2f} at the end, {time.perf_counter() - t0:.0f} s)", "",
             f"Kendall tau between predicted (or counted) and measured CPU latency of {args.test} held-out networks of "
             f"`TinyMobileNetSpace`, heads fitted on {args.train} measured networks; measured latencies "
             + ", ".join(f"{lo:.2f}-{hi:.2f} ms" for lo, hi in spread) + " per seed.", "",
             "| ranking | " + " | ".join(f"seed {s}" for s in range(args.seeds)) + " | mean ± std |",
             "|---|" + "---|" * (args.seeds + 1)]
    for name, values in rows.items():
        lines.append(f"| {name} | " + " | ".join(f"{v:.3f}" for v in values)
                     + f" | {np.mean(values):.3f} ± {np.std(values):.3f} |")
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    if args.out:
        write_text_atomic(args.out, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""NNI plugin: search quality and per-trial overhead of NasExperiment runs scored by CLUE / SEval.

For each strategy (NNI's RegularizedEvolution, Random, TPE) and seed: CLUE trained on 100 random NB201
cells (CIFAR-10), an NNI experiment of ``--trials`` trials in the sequential engine, then the true
CIFAR-10 test accuracy of the best-predicted cell from the shared tables. A second objective adds a
latency budget on one device (SEval head trained on 100 cells) and counts returned cells whose true
latency misses it. Per-trial overhead = experiment wall time / trials, split into our evaluator's
time (prediction, reporting) and the rest (NNI's strategy and engine).

Usage: python benchmarks/bench_nni.py [--trials 200] [--seeds 3] [--device pixel3] [--out docs/results/nni]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from clue_plugins.predictors.seval import FEATURES


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=200)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--device", default="pixel3")
    p.add_argument("--strategies", nargs="+", default=["re", "random", "tpe"])
    p.add_argument("--out", default="docs/results/nni")
    p.add_argument("--oracle-features", default="embedding", choices=FEATURES,
                   help="what the SEval latency head reads (the committed results were measured with embedding)")
    p.add_argument("--report-only", action="store_true", help="rewrite results.md from the saved results.json")
    args = p.parse_args(argv)
    if args.report_only:
        import json

        from clue_plugins._io import write_text_atomic

        saved = json.loads((Path(args.out) / "results.json").read_text())
        write_text_atomic(Path(args.out) / "results.md", report(saved["meta"], saved["rows"]))
        return 0
    import torch

    from clue_plugins._io import write_json_atomic, write_text_atomic
    from clue_plugins.data import load
    from clue_plugins.nni import SurrogateEvaluator, compare_with_benchmark, run_search
    from clue_plugins.objectives import Objective
    from clue_plugins.surrogate import fit_accuracy_model, fit_hardware_oracle

    torch.set_num_threads(1)
    t_start = time.perf_counter()
    table = load("nb201")
    lat_name = f"latency.{args.device}"
    budget = float(np.median(table.column(f"latency_ms.{args.device}")))
    rows = []
    for seed in range(args.seeds):
        clue = fit_accuracy_model("nb201", 100, seed=seed)
        oracle = fit_hardware_oracle([lat_name], 100, seed=seed, options={"features": args.oracle_features})
        for objective in (Objective(), Objective("budget", latency_budget=budget)):
            for strategy in args.strategies:
                hw = objective.kind == "budget"
                ev = SurrogateEvaluator(clue, oracle=oracle if hw else None, latency_metric=lat_name if hw else None,
                                        objective=objective)
                result = run_search(ev, strategy, args.trials, seed, workdir=tempfile.mkdtemp(prefix="bench-nni-"))
                cmp = compare_with_benchmark(result, device=args.device, latency_budget=budget if hw else None)
                eval_ms = np.array([t["eval_ms"] for t in result.trials])
                per_trial = 1000 * result.wall_s / len(result.trials)
                rows.append({"seed": seed, "strategy": strategy, "objective": objective.kind, "trials": len(result.trials),
                             "unique": len({t["key"] for t in result.trials}), "best_true_accuracy": cmp["best_true_accuracy"],
                             "best_true_percentile": cmp["best_true_percentile"],
                             "space_median_accuracy": cmp["space_median_accuracy"], "per_trial_ms": per_trial,
                             "evaluator_ms_median": float(np.median(eval_ms)), "evaluator_ms_mean": float(eval_ms.mean()),
                             "nni_ms": per_trial - float(eval_ms.mean()),
                             "budget_misses": len(cmp.get("budget_misses", [])), "returned": len(cmp["returned"])})
                print(rows[-1], flush=True)
    command = f"python benchmarks/bench_nni.py {' '.join(sys.argv[1:] if argv is None else argv)}".strip()
    meta = {"command": command, "trials": args.trials, "seeds": args.seeds, "device": args.device, "budget_ms": budget,
            "strategies": args.strategies, "wall_s": time.perf_counter() - t_start}
    write_json_atomic(Path(args.out) / "results.json", {"meta": meta, "rows": rows})
    text = report(meta, rows)
    write_text_atomic(Path(args.out) / "results.md", text)
    print(text)
    return 0


def report(meta: dict, rows: list[dict]) -> str:
    lat_name = f"latency.{meta['device']}"
    lines = [f"Command: `{meta['command']}`\n",
             f"NasBench201, {meta['trials']} trials per experiment, {meta['seeds']} seeds (CLUE and SEval heads trained on 100 "
             f"random cells per seed), sequential engine, simplified format, 2-core CPU. Budget objective: "
             f"{lat_name} <= {meta['budget_ms']:.3f} ms (the space's median). True numbers from the shared tables; the space "
             f"median CIFAR-10 test accuracy is {rows[0]['space_median_accuracy']:.2f}. Per trial: experiment wall time / "
             "trials; our evaluator's share as median (mean, which includes loading the text encoder once).\n",
             "| objective | strategy | best cell: true accuracy | percentile in space | returned top-5 missing the budget (true latency) | per trial (ms) | our evaluator, median (mean) ms |",
             "|---|---|---|---|---|---|---|"]
    for obj in dict.fromkeys(r["objective"] for r in rows):
        for strat in meta["strategies"]:
            rs = [r for r in rows if r["objective"] == obj and r["strategy"] == strat]
            f = lambda k: f"{np.mean([r[k] for r in rs]):.2f} ± {np.std([r[k] for r in rs]):.2f}"  # noqa: E731
            misses = f"{sum(r['budget_misses'] for r in rs)} / {sum(r['returned'] for r in rs)}" if obj == "budget" else ""
            lines.append(f"| {obj} | {strat} | {f('best_true_accuracy')} | {f('best_true_percentile')} | {misses} | "
                         f"{np.mean([r['per_trial_ms'] for r in rs]):.1f} | {np.median([r['evaluator_ms_median'] for r in rs]):.1f} "
                         f"({np.mean([r['evaluator_ms_mean'] for r in rs]):.1f}) |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

"""CLUE and SEval against NASLib's own predictors, through NASLib's PredictorEvaluator on NB201.

Per seed, NASLib's evaluator samples the test cells and the training cells (its ``load_dataset``), and
every predictor is scored with NASLib's ``single_evaluate`` on the same data (fit, query, its metrics).
One change to NASLib's protocol: its loader does not keep training cells out of the test set (the check
is disabled in its code), so training cells already in the test set are redrawn here: every score is
on cells the predictor never saw. Labels: NB201 CIFAR-10 validation accuracy (``cifar10-valid``, 200
epochs) from the shared tables, through :func:`clue_plugins.naslib.benchmark_dataset_api`.

Needs NASLib (``bash tools/install_naslib.sh PATH/TO/NASLib``). Usage:
    python benchmarks/bench_naslib_predictors.py [--seeds 5] [--train-size 100] [--test-size 500] [--out DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

PREDICTORS = ("clue", "seval", "mlp", "gcn", "xgb", "bananas")


def _config(args, seed: int):
    from fvcore.common.config import CfgNode

    return CfgNode(dict(experiment_type="single", test_size=args.test_size, train_size_single=args.train_size,
                        train_size_list=[args.train_size], fidelity_single=5, fidelity_list=[5], max_hpo_time=0,
                        dataset="cifar10", uniform_random=1, seed=seed, save="", search=dict(seed=seed)), new_allowed=True)


def _evaluator(predictor, cfg, api):
    from naslib.defaults.predictor_evaluator import PredictorEvaluator
    from naslib.search_spaces import NasBench201SearchSpace

    ev = PredictorEvaluator(predictor, config=cfg)
    ev.adapt_search_space(NasBench201SearchSpace(), load_labeled=False, dataset_api=api)
    return ev


def _data(args, seed: int, api):
    """(train, test) in NASLib's [x, y, info, train_times] form, disjoint by architecture."""
    from naslib.predictors import Predictor
    from naslib.utils import set_seed

    set_seed(seed)
    ev = _evaluator(Predictor(), _config(args, seed), api)  # the base class: labels only, no extra info
    test, seen = ev.load_dataset(load_labeled=False, data_size=args.test_size, arch_hash_map={})
    seen = dict(seen)
    train = [[], [], [], []]
    while len(train[0]) < args.train_size:
        batch, _ = ev.load_dataset(load_labeled=False, data_size=args.train_size, arch_hash_map={})
        for row in zip(*batch):
            h = row[0].get_hash()
            if h not in seen and len(train[0]) < args.train_size:
                seen[h] = True
                for part, value in zip(train, row):
                    part.append(value)
    return train, test


def run(args) -> list[dict]:
    from naslib.utils import set_seed

    from clue_plugins.naslib import benchmark_dataset_api, make_predictor, register

    register()
    api = benchmark_dataset_api()
    rows = []
    for seed in range(args.seeds):
        train, test = _data(args, seed, api)
        for name in args.predictors:
            set_seed(seed)
            cfg = _config(args, seed)
            predictor = make_predictor(name, "nasbench201", seed)
            ev = _evaluator(predictor, cfg, api)
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):  # NASLib prints every prediction
                predictor.pre_process()
                predictor.pre_compute(train[0], test[0])
                ev.single_evaluate(train, test, fidelity=cfg.fidelity_single)
            r = ev.results[-1]
            rows.append({"predictor": name, "seed": seed, "train_size": r["train_size"], "test_size": len(test[0]),
                         "spearman": float(r["spearman"]), "kendalltau": float(r["kendalltau"]),
                         "fit_time_s": float(r["fit_time"]), "query_time_ms": 1000 * float(r["query_time"]),
                         "wall_s": time.perf_counter() - t0})
            print(f"seed {seed} {name:8s} spearman {r['spearman']:.3f} kendall {r['kendalltau']:.3f} "
                  f"fit {r['fit_time']:.1f}s", flush=True)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| predictor | Spearman | Kendall tau | fit (s) | query (ms/arch) |", "|---|---|---|---|---|"]
    for name in dict.fromkeys(r["predictor"] for r in rows):
        rs = [r for r in rows if r["predictor"] == name]
        cell = lambda k: f"{np.mean([r[k] for r in rs]):.3f} ± {np.std([r[k] for r in rs]):.3f}"  # noqa: E731
        lines.append(f"| {name} | {cell('spearman')} | {cell('kendalltau')} | {np.mean([r['fit_time_s'] for r in rs]):.1f} | "
                     f"{np.mean([r['query_time_ms'] for r in rs]):.2f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--train-size", type=int, default=100)
    p.add_argument("--test-size", type=int, default=500)
    p.add_argument("--predictors", nargs="+", default=list(PREDICTORS))
    p.add_argument("--out", default="docs/results/naslib")
    args = p.parse_args(argv)
    import torch

    from clue_plugins._io import write_json_atomic, write_text_atomic

    torch.set_num_threads(1)  # small models: threads only contend on a 2-core machine
    t0 = time.perf_counter()
    rows = run(args)
    out = Path(args.out)
    commit = subprocess.run(["git", "-C", str(Path(__file__).parent), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    meta = {"command": "python benchmarks/bench_naslib_predictors.py " + " ".join(sys.argv[1:] if argv is None else argv),
            "seeds": args.seeds, "train_size": args.train_size, "test_size": args.test_size,
            "wall_s": time.perf_counter() - t0, "python": platform.python_version(), "clue_plugins_commit": commit,
            "naslib_note": "NASLib Develop 0b51bc18 installed with tools/install_naslib.sh"}
    write_json_atomic(out / "results.json", {"meta": meta, "rows": rows})
    text = (f"Command: `{meta['command']}`\n\nNB201 CIFAR-10 (cifar10-valid accuracy), NASLib PredictorEvaluator "
            f"single_evaluate, {args.train_size} training cells, {args.test_size} held-out test cells, mean ± std over "
            f"{args.seeds} seeds (same cells for every predictor within a seed).\n\n" + table(rows))
    write_text_atomic(out / "results.md", text)
    print(text)
    print(json.dumps({"wall_s": round(meta["wall_s"], 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

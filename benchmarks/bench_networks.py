"""Checks and costs of the SEval building blocks, written to docs/results/networks/results.{json,md}.

- NB201 networks against NATS-Bench's own counts (cost_and_accuracy.csv): parameters and FLOPs of every cell on
  CIFAR-10 and of a sample on CIFAR-100 / ImageNet16-120; worst mismatch.
- NB101 networks against the parameter counts of the nasbench records; DARTS-V2 against its published 3.3M.
- Memory: the meta-device accounting against the profiler's memory events on a sample of cells, with timings.
- Strings: nodes per NB201 network, model tokens per string, chunks per string, seconds per string.

Usage: python benchmarks/bench_networks.py [--other-sample 1000] [--memory-sample 8] [--out docs/results/networks]
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import time
from pathlib import Path

import numpy as np


def _meta(spec, **kw):
    import torch

    from clue_plugins.networks import build_network

    with torch.device("meta"):
        return build_network(spec, **kw)


def _flops(spec, num_classes: int, shape) -> float:
    from clue_plugins.networks import count_flops_m

    net = _meta(spec, num_classes=num_classes).to_empty(device="cpu")  # no weight init: FLOPs need shapes only
    return count_flops_m(net, shape)


def check_nb201(other_sample: int) -> dict:
    from clue_plugins.data import DATASETS, load_nb201
    from clue_plugins.networks import count_params_m
    from clue_plugins.networks.nb201 import NUM_CLASSES

    table = load_nb201()
    rng = np.random.default_rng(0)
    out = {}
    for ds in DATASETS:
        shape = (1, 3, 16, 16) if ds == "ImageNet16-120" else (1, 3, 32, 32)
        ref_p, ref_f = table.column(f"{ds}.params_M"), table.column(f"{ds}.flops_M")
        rows = np.flatnonzero(np.isfinite(ref_p))
        if ds != "cifar10":  # every cell on CIFAR-10; a sample on the others (only the input size and classifier differ)
            rows = np.sort(rng.choice(rows, min(other_sample, len(rows)), replace=False))
        params = np.array([count_params_m(_meta(table.specs[i], num_classes=NUM_CLASSES[ds])) for i in rows])
        frows = rows
        flops = np.array([_flops(table.specs[i], NUM_CLASSES[ds], shape) for i in frows])
        out[ds] = {"cells_params_checked": int(len(rows)), "params_worst_abs_M": float(np.max(np.abs(params - ref_p[rows]))),
                   "params_exact_to_1e-6": int(np.sum(np.abs(params - ref_p[rows]) < 1e-6)),
                   "cells_flops_checked": int(len(frows)), "flops_worst_abs_M": float(np.max(np.abs(flops - ref_f[frows]))),
                   "flops_worst_rel": float(np.max(np.abs(flops - ref_f[frows]) / ref_f[frows]))}
        print(ds, out[ds], flush=True)
    out["cells_without_nats_counts"] = int(np.sum(~np.isfinite(table.column("cifar10.params_M"))))
    return out


def check_nb101_darts() -> dict:
    from adapters import darts, nb101
    from clue_plugins.data.sources import locate
    from clue_plugins.networks import count_params_m

    with open(locate("nb101/nasbench_only108_sample30.pkl"), "rb") as fh:
        records = pickle.load(fh)
    diffs = [sum(p.numel() for p in _meta(nb101.from_record(f)).parameters()) - f["trainable_parameters"] for f, _ in records.values()]
    geno = ("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
            "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
            "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
            "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])")
    v2 = count_params_m(_meta(darts.from_genotype_str(geno), channels=36, layers=20))
    return {"nb101_records": len(diffs), "nb101_worst_param_diff": int(max(abs(d) for d in diffs)),
            "darts_v2_params_M": v2, "darts_v2_published_M": 3.349342}


def check_memory(sample: int) -> dict:
    from clue_plugins.data import load_nb201
    from clue_plugins.networks import build_network, training_step_memory

    table = load_nb201()
    rows = np.random.default_rng(1).choice(len(table.specs), sample, replace=False)
    items = []
    for i in rows:
        spec = table.specs[i]
        rec = {"index": int(i), "arch": table.column("arch_str")[i]}
        for method in ("meta", "profiler"):
            t0 = time.perf_counter()
            r = training_step_memory(lambda: build_network(spec), method=method)
            rec[f"{method}_mb"], rec[f"{method}_s"] = r.peak_mb, time.perf_counter() - t0
        rec["rel_diff"] = abs(rec["meta_mb"] - rec["profiler_mb"]) / rec["profiler_mb"]
        items.append(rec)
        print(rec, flush=True)
    from scipy.stats import kendalltau

    return {"cells": items, "worst_rel_diff": max(r["rel_diff"] for r in items),
            "kendall_meta_vs_profiler": float(kendalltau([r["meta_mb"] for r in items], [r["profiler_mb"] for r in items])[0]),
            "meta_s_median": statistics.median(r["meta_s"] for r in items),
            "profiler_s_median": statistics.median(r["profiler_s"] for r in items)}


def check_strings(sample: int) -> dict:
    from clue_plugins.data import load_nb201
    from clue_plugins.networks import build_network, network_string
    from clue_plugins.text import get_encoder
    from clue_plugins.text.long_text import chunk_text

    table = load_nb201()
    enc = get_encoder("minilm")
    rows = np.random.default_rng(2).choice(len(table.specs), sample, replace=False)
    nodes, tokens, chunks16, chunks256, secs = [], [], [], [], []
    for i in rows:
        t0 = time.perf_counter()
        text = network_string(build_network(table.specs[i]))
        secs.append(time.perf_counter() - t0)
        nodes.append(len(text.split()))
        tokens.append(sum(enc.count_tokens(w) for w in text.split()))
        chunks16.append(len(chunk_text(text, enc, 16)))
        chunks256.append(len(chunk_text(text, enc)))
    q = lambda v: {"min": int(np.min(v)), "median": float(np.median(v)), "max": int(np.max(v))}
    return {"cells": int(sample), "nodes": q(nodes), "model_tokens": q(tokens), "chunks_at_16_tokens": q(chunks16),
            "chunks_at_256_tokens": q(chunks256), "seconds_per_string_median": float(np.median(secs)),
            "fraction_kept_by_truncation_at_256_median": float(np.median(256 / np.array(tokens)))}


def markdown(res: dict) -> str:
    from clue_plugins._tables import markdown_table

    rows = []
    for ds, r in res["nb201"].items():
        if isinstance(r, dict):
            rows.append([f"NB201 {ds}: parameters, {r['cells_params_checked']} cells",
                         f"worst {r['params_worst_abs_M']:.2e} M ({r['params_exact_to_1e-6']} exact)"])
            rows.append([f"NB201 {ds}: FLOPs, {r['cells_flops_checked']} cells",
                         f"worst {r['flops_worst_abs_M']:.2e} M (relative {r['flops_worst_rel']:.1e})"])
    o = res["other"]
    rows.append([f"NB101: parameters of {o['nb101_records']} nasbench records", f"worst difference {o['nb101_worst_param_diff']}"])
    rows.append(["DARTS-V2 (C=36, 20 cells)", f"{o['darts_v2_params_M']:.6f} M (published {o['darts_v2_published_M']})"])
    m = res["memory"]
    rows.append([f"memory: meta accounting vs profiler, {len(m['cells'])} cells",
                 (f"worst relative difference {m['worst_rel_diff']:.4f}, Kendall {m['kendall_meta_vs_profiler']:.3f}; "
                  f"median {m['meta_s_median']:.2f} s (meta) vs {m['profiler_s_median']:.2f} s (profiler) per cell")])
    s = res["strings"]
    rows.append([f"strings ({s['cells']} NB201 networks)",
                 (f"nodes {s['nodes']['min']}-{s['nodes']['max']} (median {s['nodes']['median']:.0f}); "
                  f"MiniLM tokens median {s['model_tokens']['median']:.0f}; truncation at 256 keeps a median "
                  f"{100 * s['fraction_kept_by_truncation_at_256_median']:.0f}% of the string; chunks median "
                  f"{s['chunks_at_256_tokens']['median']:.0f} (256 tokens) / {s['chunks_at_16_tokens']['median']:.0f} (16 tokens); "
                  f"{1000 * s['seconds_per_string_median']:.0f} ms per string")])
    return markdown_table(["check", "result"], rows) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--other-sample", type=int, default=1000, help="cells checked on CIFAR-100 and ImageNet16-120")
    ap.add_argument("--memory-sample", type=int, default=8)
    ap.add_argument("--string-sample", type=int, default=200)
    ap.add_argument("--out", default="docs/results/networks")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)  # small single-image forwards: threads only contend
    from clue_plugins._io import write_json_atomic, write_text_atomic

    res = {"nb201": check_nb201(args.other_sample), "other": check_nb101_darts(), "memory": check_memory(args.memory_sample),
           "strings": check_strings(args.string_sample)}
    out = Path(args.out)
    res["command"] = "python benchmarks/bench_networks.py"
    write_json_atomic(out / "results.json", res)
    write_text_atomic(out / "results.md", f"Command: `{res['command']}`\n\n" + markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

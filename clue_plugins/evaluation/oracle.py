"""Evaluation of the SEval oracle on NB201: rank correlation per metric on held-out cells.

Metrics (one source of truth, :func:`oracle_metrics`): ``accuracy.<dataset>`` (200-epoch test accuracy),
``latency.<device>`` (every HELP latency table in the shared data, plus ``latency.nats-gpu``, the
NATS-Bench GPU latency), ``memory`` (the generated training-memory table, ``meta`` column; and
``memory.cuda`` where a CUDA column was measured).

Protocol: for every seed the 15,625 cells are permuted and cut 60/20/20 (train pool / validation /
test). A budget of ``b`` labelled cells trains on the first ``b`` cells of the pool; ``60/20/20``
trains on the whole pool. Every budget is scored on the same test 20% (the validation part is not
used: the oracle does no model selection). The FLOPs-only baseline ranks the same test cells by FLOPs.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from clue_plugins.evaluation.metrics import rank_correlations

SPLIT = "60/20/20"
DEFAULT_BUDGETS: tuple[int | str, ...] = (10, 50, 100, 1000, SPLIT)
#: The four devices whose mean latency tau is the oracle's headline number (HW-NAS-Bench's CIFAR-10 devices).
KEY_DEVICES = ("eyeriss", "fpga", "pixel3", "raspi4")
#: SEval-NAS reported Kendall tau (the SEval-NAS paper's abstract; per-device values read off its plots), see docs/seval.md.
PAPER_TAU = {"latency": 0.78, "memory": 0.74, "accuracy": 0.62, "latency.edgegpu": 0.868, "latency.edgetpu": 0.605,
             "latency.eyeriss": 0.956, "latency.fpga": 0.974, "latency.pixel3": 0.856, "latency.raspi4": 0.866}


@dataclass(frozen=True)
class OracleData:
    specs: list
    metrics: dict[str, np.ndarray]
    flops: np.ndarray


def oracle_metrics(memory_table: str | Path | None = None, subset: int | None = None) -> OracleData:
    """NB201 specs, every oracle metric and FLOPs (filled from our own network where NATS lacks it).

    ``subset``: keep a fixed random sample of that many cells (quick runs and tests).
    """
    from clue_plugins.benchmarks import DATASETS, DEVICES, load
    from clue_plugins.errors import MissingDataError

    table = load("nb201")
    metrics = {f"accuracy.{ds}": table.column(f"{ds}.test_acc") for ds in DATASETS}
    metrics.update({f"latency.{d}": table.column(f"latency_ms.{d}") for d in DEVICES})
    metrics["latency.nats-gpu"] = table.column("cifar10.gpu_latency_s") * 1000.0
    try:
        from clue_plugins.networks.memory_table import load_memory_table

        mem = load_memory_table("nb201", memory_table)
        if len(mem) == len(table.specs) and (mem["key"].to_numpy() == np.array([s.key for s in table.specs])).all():
            metrics["memory"] = mem["meta_mb"].to_numpy(float)
            if "cuda_mb" in mem:
                metrics["memory.cuda"] = mem["cuda_mb"].to_numpy(float)
    except MissingDataError:
        pass  # no memory table yet: the other metrics are still evaluated
    flops = table.column("cifar10.flops_M").astype(float).copy()
    missing = np.flatnonzero(~np.isfinite(flops))
    if len(missing):
        import torch

        from clue_plugins.networks import build_network, count_flops_m

        for i in missing:
            with torch.device("meta"):
                flops[i] = count_flops_m(build_network(table.specs[i]))
    if subset is None:
        return OracleData(list(table.specs), metrics, flops)
    keep = np.random.default_rng(0).permutation(len(table.specs))[:subset]
    return OracleData([table.specs[i] for i in keep], {m: v[keep] for m, v in metrics.items()}, flops[keep])


def split_indices(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train pool, validation, test) of the 60/20/20 split for ``seed``."""
    perm = np.random.default_rng(seed).permutation(n)
    a, b = int(0.6 * n), int(0.8 * n)
    return perm[:a], perm[a:b], perm[b:]


def run_oracle_task(budget: int | str, seed: int, metrics: Sequence[str], config: dict[str, Any],
                    memory_table: str | None = None, subset: int | None = None) -> list[dict]:
    """Fit one oracle (all metrics on the same labelled cells) and score every metric on the test cells."""
    from clue_plugins.predictors.seval import SEvalOracle

    data = oracle_metrics(memory_table, subset)
    pool, _, test = split_indices(len(data.specs), seed)
    train = pool if budget == SPLIT else pool[: int(budget)]
    oracle = SEvalOracle(seed=seed, **config)
    t0 = time.perf_counter()
    oracle.fit([data.specs[i] for i in train], {m: data.metrics[m][train] for m in metrics}, progress=False)
    fit_s = time.perf_counter() - t0
    preds = oracle.predict([data.specs[i] for i in test], progress=False)
    rows = []
    for m in metrics:
        y = data.metrics[m][test]
        ok = np.isfinite(y)
        ours = rank_correlations(preds[m][ok], y[ok])
        base = rank_correlations(data.flops[test][ok], y[ok])
        rows.append({"metric": m, "budget": str(budget), "seed": seed, "n_train": len(train), "n_test": int(ok.sum()),
                     "fit_s": fit_s, **ours, "flops_spearman": base["spearman"], "flops_kendall": base["kendall"]})
    return rows


def _task(args: tuple) -> list[dict]:
    return run_oracle_task(*args)


def evaluate_oracle(budgets: Sequence[int | str] = DEFAULT_BUDGETS, seeds: int = 5, metrics: Sequence[str] | None = None,
                    config: dict[str, Any] | None = None, workers: int = 1, memory_table: str | None = None,
                    subset: int | None = None, progress: bool = True) -> list[dict]:
    """Every (budget, seed) task; embeddings are computed (and cached) once before workers start."""
    from clue_plugins.evaluation.protocols import run_parallel
    from clue_plugins.predictors.seval import SEvalOracle, resolve_features

    config = dict(config or {})
    data = oracle_metrics(memory_table, subset)
    metrics = list(metrics or data.metrics)
    unknown = [m for m in metrics if m not in data.metrics]
    if unknown:
        from clue_plugins.errors import ClueError

        raise ClueError(f"unknown oracle metric(s) {unknown}; available: {', '.join(data.metrics)}")
    oracle = SEvalOracle(**config)
    if any("embedding" in resolve_features(m, oracle.get_params()["features"]) for m in metrics):
        oracle.embed(data.specs, progress=progress)  # warm the string and embedding caches
    else:
        oracle.strings(data.specs, progress=progress)
    tasks = [(b, s, metrics, config, memory_table, subset) for b in budgets for s in range(seeds)]
    return run_parallel(_task, tasks, workers, progress, "oracle tasks")


def summarize(rows: list[dict]) -> list[dict]:
    """Mean and std over seeds per (metric, budget), with the FLOPs-only baseline."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["metric"], r["budget"])].append(r)
    out = []
    for (metric, budget), rs in groups.items():
        entry = {"metric": metric, "budget": budget, "seeds": len(rs), "n_train": rs[0]["n_train"], "n_test": rs[0]["n_test"],
                 "fit_s": float(np.mean([r["fit_s"] for r in rs]))}
        for key in ("kendall", "spearman", "flops_kendall", "flops_spearman"):
            v = np.array([r[key] for r in rs], float)
            entry[f"{key}_mean"] = float(np.nanmean(v)) if np.isfinite(v).any() else math.nan
            entry[f"{key}_std"] = float(np.nanstd(v)) if np.isfinite(v).any() else math.nan
        out.append(entry)
    return out


def _budget_order(b: str) -> float:
    return math.inf if b == SPLIT else float(b)


def headline(summary: list[dict]) -> dict[str, float]:
    """The headline numbers: key-device latency tau at 100, memory tau, accuracy tau at 60/20/20."""
    get = {(s["metric"], s["budget"]): s for s in summary}
    out: dict[str, float] = {}
    key = [get[(f"latency.{d}", "100")]["kendall_mean"] for d in KEY_DEVICES if (f"latency.{d}", "100") in get]
    if key:
        out["latency_key_devices_tau_at_100"] = float(np.mean(key))
    for m, b in (("memory", "100"), ("memory", SPLIT), ("accuracy.cifar10", SPLIT)):
        if (m, b) in get:
            out[f"{m}_tau_at_{b}"] = get[(m, b)]["kendall_mean"]
    return out


def markdown(summary: list[dict], measure: str = "kendall") -> str:
    budgets = sorted({s["budget"] for s in summary}, key=_budget_order)
    metrics = list(dict.fromkeys(s["metric"] for s in summary))
    get = {(s["metric"], s["budget"]): s for s in summary}
    name = "Kendall tau" if measure == "kendall" else "Spearman rho"
    lines = [f"{name} on the held-out 20% (mean ± std over {summary[0]['seeds']} seeds, n_test={summary[0]['n_test']}); "
             "columns: labelled cells per metric",
             "", "| metric | FLOPs only | " + " | ".join(budgets) + " | paper (tau) |", "|---" * (len(budgets) + 3) + "|"]
    for m in metrics:
        first = get[(m, budgets[0])] if (m, budgets[0]) in get else next(s for s in summary if s["metric"] == m)
        cells = [f"{first[f'flops_{measure}_mean']:.3f}"]
        for b in budgets:
            s = get.get((m, b))
            cells.append("" if s is None else f"{s[f'{measure}_mean']:.3f} ± {s[f'{measure}_std']:.3f}")
        paper = PAPER_TAU.get(m, PAPER_TAU.get(m.split(".")[0], None)) if measure == "kendall" else None
        lines.append(f"| {m} | " + " | ".join(cells) + f" | {'' if paper is None else f'{paper:.3f}'} |")
    return "\n".join(lines) + "\n"


def plots(summary: list[dict], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from clue_plugins._io import atomic_path

    paths = []
    budgets = sorted({s["budget"] for s in summary}, key=_budget_order)
    get = {(s["metric"], s["budget"]): s for s in summary}
    chosen = [f"latency.{d}" for d in KEY_DEVICES] + ["latency.nats-gpu", "memory", "accuracy.cifar10"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    x = np.arange(len(budgets))
    for m in [c for c in chosen if (c, budgets[0]) in get]:
        means = [get[(m, b)]["kendall_mean"] for b in budgets]
        stds = [get[(m, b)]["kendall_std"] for b in budgets]
        ax.errorbar(x, means, yerr=stds, marker="o", capsize=3, label=m)
    ax.set_xticks(x, [b if b == SPLIT else f"{b}" for b in budgets])
    ax.set_xlabel("labelled cells per metric")
    ax.set_ylabel("Kendall tau (held-out)")
    ax.set_title("SEval oracle on NB201", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    paths.append(_save(fig, out / "oracle_tau_vs_budget.png", atomic_path, plt))
    at = "100"
    metrics = [s["metric"] for s in summary if s["budget"] == at]
    if metrics:
        fig, ax = plt.subplots(figsize=(max(7, 0.45 * len(metrics)), 4.5))
        pos = np.arange(len(metrics))
        ours = [get[(m, at)]["kendall_mean"] for m in metrics]
        err = [get[(m, at)]["kendall_std"] for m in metrics]
        base = [get[(m, at)]["flops_kendall_mean"] for m in metrics]
        ax.bar(pos - 0.2, ours, 0.4, yerr=err, capsize=2, label="SEval oracle (100 labels)")
        ax.bar(pos + 0.2, base, 0.4, label="FLOPs only")
        ax.set_xticks(pos, [m.replace("latency.", "lat.").replace("accuracy.", "acc.") for m in metrics], rotation=70, fontsize=7)
        ax.set_ylabel("Kendall tau (held-out)")
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=8)
        paths.append(_save(fig, out / "oracle_tau_per_metric_at_100.png", atomic_path, plt))
    return paths


def _save(fig, path: Path, atomic_path, plt) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def write_oracle_report(rows: list[dict], out: str | Path, command: str, extra: dict | None = None) -> dict:
    """``results.json`` (rows, summary, headline), ``results.md`` and plots in ``out``."""
    from clue_plugins._io import write_json_atomic, write_text_atomic

    out = Path(out)
    summary = summarize(rows)
    head = headline(summary)
    write_json_atomic(out / "results.json", {"command": command, "headline": head, "summary": summary, "rows": rows, **(extra or {})})
    text = f"Command: `{command}`\n\n" + markdown(summary, "kendall") + "\n" + markdown(summary, "spearman")
    write_text_atomic(out / "results.md", text)
    plots(summary, out)
    return head

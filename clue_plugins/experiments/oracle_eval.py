"""``clue-nas evaluate-oracle``: the SEval oracle on NB201, rank correlation per metric on held-out cells.

An experiment harness (not library API). The metrics and cells come from the library's
:func:`clue_plugins.evaluation.oracle_targets.oracle_metrics` (one source of truth): ``accuracy.<dataset>``,
``latency.<device>`` (every HELP latency table, plus ``latency.nats-gpu``), ``memory`` (and ``memory.cuda``).

Protocol: for every seed the 15,625 cells are permuted and cut 60/20/20 (train pool / validation /
test). A budget of ``b`` labelled cells trains on the first ``b`` cells of the pool; ``60/20/20``
trains on the whole pool. Every budget is scored on the same test 20% (the validation part is not
used: the oracle does no model selection). The FLOPs-only baseline ranks the same test cells by FLOPs.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from clue_plugins._io import atomic_path, write_json_atomic, write_text_atomic
from clue_plugins._tables import markdown_table
from clue_plugins.errors import ConfigError, UnknownNameError, shown
from clue_plugins.evaluation.metrics import rank_correlations
from clue_plugins.evaluation.oracle_targets import oracle_metrics

SPLIT = "60/20/20"
DEFAULT_BUDGETS: tuple[int | str, ...] = (10, 50, 100, 1000, SPLIT)
#: The four devices whose mean latency tau is the oracle's headline number (HW-NAS-Bench's CIFAR-10 devices).
KEY_DEVICES = ("eyeriss", "fpga", "pixel3", "raspi4")
#: SEval-NAS reported Kendall tau (the SEval-NAS paper's abstract; per-device values read off its plots), see docs/seval.md.
PAPER_TAU = {"latency": 0.78, "memory": 0.74, "accuracy": 0.62, "latency.edgegpu": 0.868, "latency.edgetpu": 0.605,
             "latency.eyeriss": 0.956, "latency.fpga": 0.974, "latency.pixel3": 0.856, "latency.raspi4": 0.866}


def split_indices(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train pool, validation, test) of the 60/20/20 split for ``seed``."""
    perm = np.random.default_rng(seed).permutation(n)
    a, b = int(0.6 * n), int(0.8 * n)
    return perm[:a], perm[a:b], perm[b:]


def run_oracle_task(budget: int | str, seed: int, metrics: Sequence[str], config: dict[str, Any],
                    memory_table: str | None = None, subset: int | None = None) -> list[dict]:
    """Fit one oracle (all metrics on the same labelled cells) and score every metric on the test cells."""
    from clue_plugins.predictors.seval import SEvalOracle

    data = _SHARED.get((memory_table, subset)) or oracle_metrics(memory_table, subset)
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


#: oracle data installed on a distributed worker: (memory_table, subset) -> the driver's ``oracle_metrics``
_SHARED: dict[tuple, Any] = {}


def _install(payload: tuple) -> None:
    key, data, strings = payload
    _SHARED[key] = data
    if strings:
        from clue_plugins.networks.strings import StringCache

        StringCache(strings[0]).put_keys(strings[1])


def evaluate_oracle(budgets: Sequence[int | str] = DEFAULT_BUDGETS, seeds: int = 5, metrics: Sequence[str] | None = None,
                    config: dict[str, Any] | None = None, workers: int = 1, memory_table: str | None = None,
                    subset: int | None = None, progress: bool = True, backend: str = "process",
                    ray_address: str | None = None) -> list[dict]:
    """Every (budget, seed) task; embeddings are computed (and cached) once before workers start. With
    ``backend="ray"`` the oracle data and the SEval strings go to the workers through Ray's object store."""
    from clue_plugins.evaluation.protocols import run_parallel
    from clue_plugins.predictors.seval import SEvalOracle, resolve_features

    config = dict(config or {})
    data = oracle_metrics(memory_table, subset)
    metrics = list(metrics or data.metrics)
    unknown = [m for m in metrics if m not in data.metrics]
    if unknown:
        raise UnknownNameError(f"unknown oracle metric(s) {shown(unknown)}; available: {', '.join(data.metrics)}")
    oracle = SEvalOracle(**config)
    if any("embedding" in resolve_features(m, oracle.get_params()["features"]) for m in metrics):
        oracle.embed(data.specs, progress=progress)  # warm the string and embedding caches
    else:
        oracle.strings(data.specs, progress=progress)
    tasks = [(b, s, metrics, config, memory_table, subset) for b in budgets for s in range(seeds)]
    shared: list = []
    if backend == "ray":
        num_classes = oracle.active_config().num_classes
        strings = list(zip((s.key for s in data.specs), oracle.strings(data.specs, progress=False)))
        shared = [(_install, ((memory_table, subset), data, (num_classes, strings)))]
    return run_parallel(_task, tasks, workers, progress, "oracle tasks", backend, ray_address, shared)


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
    """One table of ``measure`` (``kendall`` or ``spearman``): metrics as rows, label budgets as columns."""
    if measure not in ("kendall", "spearman"):
        raise ConfigError(f"measure must be 'kendall' or 'spearman', got {shown(measure)}")
    budgets = sorted({s["budget"] for s in summary}, key=_budget_order)
    metrics = list(dict.fromkeys(s["metric"] for s in summary))
    get = {(s["metric"], s["budget"]): s for s in summary}
    name = "Kendall tau" if measure == "kendall" else "Spearman rho"
    rows = []
    for m in metrics:
        first = get[(m, budgets[0])] if (m, budgets[0]) in get else next(s for s in summary if s["metric"] == m)
        cells = [f"{first[f'flops_{measure}_mean']:.3f}"]
        for b in budgets:
            s = get.get((m, b))
            cells.append("" if s is None else f"{s[f'{measure}_mean']:.3f} ± {s[f'{measure}_std']:.3f}")
        paper = PAPER_TAU.get(m, PAPER_TAU.get(m.split(".")[0], None)) if measure == "kendall" else None
        rows.append([m, *cells, "" if paper is None else f"{paper:.3f}"])
    title = (f"{name} on the held-out 20% (mean ± std over {summary[0]['seeds']} seeds, n_test={summary[0]['n_test']}); "
             "columns: labelled cells per metric")
    return "\n".join([title, "", markdown_table(["metric", "FLOPs only", *budgets, "paper (tau)"], rows)]) + "\n"


def report_text(summary: list[dict], command: str) -> str:
    """``results.md``: the command, then the Kendall and the Spearman tables."""
    return f"Command: `{command}`\n\n" + markdown(summary, "kendall") + "\n" + markdown(summary, "spearman")


def plots(summary: list[dict], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    out = Path(out)
    summary = summarize(rows)
    head = headline(summary)
    write_json_atomic(out / "results.json", {"command": command, "headline": head, "summary": summary, "rows": rows, **(extra or {})})
    write_text_atomic(out / "results.md", report_text(summary, command))
    plots(summary, out)
    return head


def report_existing(out: str | Path, with_plots: bool = True) -> dict:
    """Write ``results.md`` (and the plots) again from ``out/results.json`` alone; returns the headline."""
    path = Path(out) / "results.json"
    if not path.exists():
        raise ConfigError(f"no oracle results in {path}; run clue-nas evaluate-oracle --out {out} first")
    data = json.loads(path.read_text())
    write_text_atomic(Path(out) / "results.md", report_text(data["summary"], data["command"]))
    if with_plots:
        plots(data["summary"], Path(out))
    return data["headline"]

"""Tables and plots of ``clue-nas search-bench`` rows: summary.json, search.md, curves.png, fronts.png.

An experiment harness (not library API). It reads rows only (it never imports the runner,
:mod:`clue_plugins.experiments.search_bench`, which calls :func:`write_report` when its searches are done).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from clue_plugins._io import write_json_atomic, write_text_atomic
from clue_plugins._tables import markdown_table
from clue_plugins.search.fronts import pareto_front

_LABEL = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "ImageNet16-120": "ImageNet16-120"}
#: The query budgets at which the best-so-far curves of ``random``, ``re`` (and ``clue-evo``: 60, 90) are read.
QUERY_BUDGETS: tuple[int, ...] = (60, 90, 130, 200)
#: Published reference points (the CLUE-NAS paper's table 7 and the FreeREA paper): best NB201 test accuracy found.
PUBLISHED = {
    "CLUE-NAS evolution, 60 queries (paper)": {"cifar10": 94.37},
    "CLUE-NAS random 100 + top 30 (paper)": {"cifar10": 94.18},
    "FreeREA (paper, 30 runs)": {"cifar10": 94.36, "cifar100": 73.51, "ImageNet16-120": 46.34},
}


def _nb201():
    from clue_plugins.data import load

    return load("nb201")


def _stat(values: Sequence[float]) -> dict[str, float]:
    v = np.asarray(values, dtype=float)
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0, "n": int(len(v))}


def _fmt(stat: dict | None, n: bool = False) -> str:
    if not stat:
        return ""
    return f"{stat['mean']:.2f} ± {stat['std']:.2f}" + (f" ({stat['n']})" if n else "")


def _at(row: dict, budget: int) -> float | None:
    curve = row.get("curve")
    return curve[budget - 1] if curve and len(curve) >= budget else None


def summarize(rows: Sequence[dict], settings: dict) -> dict:
    """Mean/std of the best true accuracy per (strategy, query budget, dataset), and per hardware setting.

    Lines follow the order of ``settings["strategies"]`` (strategies it does not name come last, in the
    order of the rows)."""
    table = _nb201()
    main = [r for r in rows if "dataset" in r]
    order = list(dict.fromkeys([*settings.get("strategies", ()), *(r["strategy"] for r in main)]))
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in main:
        groups[(r["strategy"], r["dataset"])].append(r)
    lines: dict[str, dict[str, Any]] = {}

    def add(name: str, dataset: str, values: list[float], queries: Any, walls: list[float], extra: dict | None = None) -> None:
        entry = lines.setdefault(name, {"queries": queries, "datasets": {}})
        entry["datasets"][dataset] = {**_stat(values), "wall_s": _stat(walls), **(extra or {})}

    for (strategy, dataset), rs in sorted(groups.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])):
        walls = [r["wall_s"] for r in rs]
        if strategy in ("random", "re"):
            for b in QUERY_BUDGETS:
                vals = [_at(r, b) for r in rs]
                if all(v is not None for v in vals):
                    add(f"{strategy} @ {b}", dataset, vals, b, walls)
        elif strategy == "clue-evo":  # wall time: the whole 90-query run
            for b in (60, 90):
                add(f"clue-evo @ {b}", dataset, [_at(r, b) for r in rs], b, walls)
        elif strategy == "clue-random":
            add("clue-random 100+30", dataset, [r["best"] for r in rs], rs[0]["true_queries"], walls)
        else:
            add(strategy, dataset, [r["best"] for r in rs], rs[0]["true_queries"], walls,
                {"networks": float(np.mean([r["networks"] for r in rs])), "proxy_s": _stat([r["proxy_s"] for r in rs])})
    seen = {r["dataset"] for r in main}  # in _LABEL's order: summary.json is the same from run to run
    optimum = {d: float(np.nanmax(table.column(f"{d}.test_acc").astype(float)))
               for d in [*_LABEL, *sorted(seen - set(_LABEL))] if d in seen}

    hw_groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        if "device" in r:
            hw_groups[(r["device"], r["quantile"], r["strategy"])].append(r)
    hardware = []
    acc = table.column("cifar10.test_acc").astype(float)
    for (device, q, strategy), rs in sorted(hw_groups.items()):
        lat = table.column(f"latency_ms.{device}").astype(float)
        budget = rs[0]["budget_ms"]
        hardware.append({"device": device, "quantile": q, "budget_ms": budget, "strategy": strategy,
                         "best": _stat([r["best"] for r in rs]), "feasible": float(np.mean([r["feasible"] for r in rs])),
                         "hv_ratio": _stat([r["hv_ratio"] for r in rs]), "true_queries": rs[0]["true_queries"],
                         "optimum": float(np.nanmax(np.where(lat <= budget, acc, np.nan))),
                         "wall_s": _stat([r["wall_s"] for r in rs])})
    return {"settings": settings, "lines": lines, "optimum": optimum, "published": PUBLISHED,
            "hardware": hardware}


def markdown(summary: dict) -> str:
    """``search.md``: the accuracy table (our lines, published ones, the space's optimum), then the hardware one."""
    datasets = [d for d in _LABEL if d in summary["optimum"]]
    rows: list[list[object]] = []
    for name, entry in summary["lines"].items():
        wall = entry["datasets"].get("cifar10", {}).get("wall_s")
        networks = next((e.get("networks") for e in entry["datasets"].values() if e.get("networks")), None)
        q = f"{entry['queries']}" + (f" (+{networks:.0f} networks scored, mean)" if networks else "")
        rows.append([name, q, *(_fmt(entry["datasets"].get(d), n=True) for d in datasets),
                     f"{wall['mean']:.1f}" if wall else None])
    for name, values in summary["published"].items():
        rows.append([name, None, *(f"{values[d]:.2f}" if d in values else "" for d in datasets), None])
    rows.append(["space optimum", None, *(f"{summary['optimum'][d]:.2f}" for d in datasets), None])
    out = ["Best true test accuracy found (%), mean ± std over seeds (number of seeds).", "",
           markdown_table(["strategy", "true queries", *(_LABEL[d] for d in datasets), "wall s (C10)"], rows)]
    if summary["hardware"]:
        hw_rows = [[h["device"], f"{h['budget_ms']:.3g} ({h['quantile']:g})", h["strategy"], h["true_queries"],
                    _fmt(h["best"], n=True), f"{100 * h['feasible']:.0f}%", _fmt(h["hv_ratio"]), f"{h['optimum']:.2f}",
                    f"{h['wall_s']['mean']:.1f}"] for h in summary["hardware"]]
        out += ["", ("Hardware-aware (CIFAR-10): latency budget = a quantile of the device's true NB201 "
                     "latencies; best = the answer's true accuracy; feasible = share of runs whose answer meets the "
                     "budget by true latency; HV = hypervolume of the true front of the evaluated cells / the true "
                     "front's (latency <= budget, accuracy >= the space median)."), "",
                markdown_table(["device", "budget (ms, quantile)", "strategy", "true queries", "best", "feasible",
                                "HV ratio", "optimum in budget", "wall s"], hw_rows)]
    return "\n".join(out) + "\n"


def plot_curves(rows: Sequence[dict], summary: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = [d for d in _LABEL if d in summary["optimum"]]
    fig, axes = plt.subplots(1, len(datasets), figsize=(5 * len(datasets), 3.8), squeeze=False)
    for ax, d in zip(axes[0], datasets):
        for strategy in ("random", "re", "clue-random", "clue-evo"):
            curves = [r["curve"] for r in rows if r.get("dataset") == d and r["strategy"] == strategy]
            if not curves:
                continue
            n = min(len(c) for c in curves)
            m = np.mean([c[:n] for c in curves], axis=0)
            ax.plot(np.arange(1, n + 1), m, label=strategy)
        for strategy, marker in (("freerea", "o"), ("freerea+clue", "s")):
            vals = [r for r in rows if r.get("dataset") == d and r["strategy"] == strategy]
            if vals:
                ax.scatter([max(vals[0]["true_queries"], 1)], [np.mean([r["best"] for r in vals])], marker=marker,
                           label=f"{strategy} (answer)", zorder=3)
        ax.axhline(summary["optimum"][d], color="k", ls="--", lw=0.8, label="optimum")
        ax.set_title(_LABEL[d])
        ax.set_xlabel("true queries")
        ax.set_ylabel("best true test accuracy (%)")
        ax.set_ylim(summary["optimum"][d] - 4, summary["optimum"][d] + 0.5)  # where the strategies differ
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_fronts(rows: Sequence[dict], path: Path, quantile: float = 0.5) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hw = [r for r in rows if "device" in r and r["quantile"] == quantile and r["seed"] == 0]
    devices = sorted({r["device"] for r in hw})
    if not devices:
        return
    table = _nb201()
    acc = table.column("cifar10.test_acc").astype(float)
    fig, axes = plt.subplots(1, len(devices), figsize=(4.5 * len(devices), 3.8), squeeze=False)
    for ax, dev in zip(axes[0], devices):
        lat = table.column(f"latency_ms.{dev}").astype(float)
        ok = np.isfinite(lat) & np.isfinite(acc)
        ax.scatter(lat[ok], acc[ok], s=1, c="0.85", label="all cells")
        tf = pareto_front(np.c_[acc[ok], lat[ok]])
        ax.step(tf[:, 1], tf[:, 0], where="post", c="k", lw=1, label="true front")
        for r in (r for r in hw if r["device"] == dev):
            f = pareto_front(np.array(r["found"]))
            ax.step(f[:, 1], f[:, 0], where="post", lw=1.2, label=f"{r['strategy']} front")
        ax.axvline(next(r["budget_ms"] for r in hw if r["device"] == dev), c="r", ls=":", lw=1, label="budget")
        ax.set_ylim(np.nanmedian(acc), np.nanmax(acc) + 0.5)
        ax.set_title(f"{dev} (seed 0, budget = q{quantile:g})")
        ax.set_xlabel("true latency (ms)")
        ax.set_ylabel("true CIFAR-10 accuracy (%)")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(rows: Sequence[dict], settings: dict, out: Path) -> dict:
    """``summary.json``, ``search.md``, ``curves.png`` and ``fronts.png`` in ``out``; returns the summary."""
    summary = summarize(rows, settings)
    write_json_atomic(out / "summary.json", summary)
    write_text_atomic(out / "search.md", markdown(summary))
    plot_curves(rows, summary, out / "curves.png")
    plot_fronts(rows, out / "fronts.png")
    return summary

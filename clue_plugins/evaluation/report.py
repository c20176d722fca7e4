"""Aggregate task results: JSON, a markdown table (mean ± std over seeds) and plots."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from clue_plugins._io import atomic_path, write_json_atomic, write_text_atomic
from clue_plugins._tables import markdown_table
from clue_plugins.data import SURROGATE_NOTE


def aggregate(rows: list[dict]) -> list[dict]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["protocol"], r["predictor"], "+".join(r["train_targets"]), r["test_target"], r["budget"])].append(r)
    out = []
    for (protocol, predictor, train, test, budget), rs in sorted(groups.items(), key=lambda kv: tuple(map(str, kv[0]))):
        rho = np.array([r["spearman"] for r in rs], float)
        tau = np.array([r["kendall"] for r in rs], float)
        mae = np.array([r.get("mae", math.nan) for r in rs], float)
        out.append({"protocol": protocol, "predictor": predictor, "train": train, "test": test, "budget": budget,
                    "seeds": len(rs), "spearman_mean": float(np.nanmean(rho)) if np.isfinite(rho).any() else math.nan,
                    "spearman_std": float(np.nanstd(rho)) if np.isfinite(rho).any() else math.nan,
                    "kendall_mean": float(np.nanmean(tau)) if np.isfinite(tau).any() else math.nan,
                    "kendall_std": float(np.nanstd(tau)) if np.isfinite(tau).any() else math.nan,
                    "mae_mean": float(np.nanmean(mae)) if np.isfinite(mae).any() else math.nan,
                    "mae_std": float(np.nanstd(mae)) if np.isfinite(mae).any() else math.nan,
                    "n_test": int(np.mean([r["n_test"] for r in rs])), "fit_s": float(np.mean([r["fit_s"] for r in rs]))})
    return out


def markdown(summary: list[dict], metric: str = "spearman") -> str:
    """One table per (protocol, train -> test): predictors as rows, budgets as columns; ``metric`` is
    ``spearman``, ``kendall`` or ``mae`` (accuracy points)."""
    blocks = []
    by_block: dict[tuple, list[dict]] = defaultdict(list)
    for s in summary:
        by_block[(s["protocol"], s["train"], s["test"])].append(s)
    for (protocol, train, test), items in by_block.items():
        budgets = sorted({s["budget"] for s in items})
        title = f"**{protocol}**: train {train} -> test {test} ({metric}, mean ± std over {items[0]['seeds']} seeds, n_test≈{items[0]['n_test']})"
        if "nb301" in test:
            title += f"  \n_{SURROGATE_NOTE}_"
        rows = []
        for predictor in dict.fromkeys(s["predictor"] for s in items):
            cells = []
            for b in budgets:
                s = next((x for x in items if x["predictor"] == predictor and x["budget"] == b), None)
                value = None if s is None else s.get(f"{metric}_mean", math.nan)
                digits = 2 if metric == "mae" else 3
                cells.append("" if value is None or math.isnan(value) else f"{value:.{digits}f} ± {s[f'{metric}_std']:.{digits}f}")
            rows.append([predictor, *cells])
        blocks.append("\n".join([title, "", markdown_table(["predictor", *budgets], rows)]))
    return "\n\n".join(blocks) + "\n"


def report_text(summary: list[dict], command: str) -> str:
    """``results.md``: the command, the Spearman tables, the Kendall ones, then mean absolute errors."""
    return (f"Command: `{command}`\n\n" + markdown(summary, "spearman") + "\nKendall tau:\n\n" + markdown(summary, "kendall")
            + "\nMean absolute error (accuracy points; params/flops: a least-squares line on the log value, fitted on "
              "the training labels; empty where a run predates the column):\n\n" + markdown(summary, "mae"))


def plots(rows: list[dict], summary: list[dict], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    by_block: dict[tuple, list[dict]] = defaultdict(list)
    for s in summary:
        by_block[(s["protocol"], s["train"], s["test"])].append(s)
    for (protocol, train, test), items in by_block.items():
        fig, ax = plt.subplots(figsize=(6, 4))
        for predictor in dict.fromkeys(s["predictor"] for s in items):
            pts = sorted((s["budget"], s["spearman_mean"], s["spearman_std"]) for s in items if s["predictor"] == predictor)
            b, m, e = zip(*pts)
            ax.errorbar(b, m, yerr=e, marker="o", capsize=3, label=predictor)
        ax.set_xscale("log")
        ax.set_xlabel("training architectures")
        ax.set_ylabel("Spearman rho (held-out)")
        ax.set_title(f"{protocol}: {train} -> {test}", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        path = out / f"rho_vs_budget_{protocol}_{train}_to_{test}.png".replace("+", "_")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    scatter = [r for r in rows if "sample_pred" in r]
    if scatter:
        best = max(r["budget"] for r in scatter)
        chosen = [r for r in scatter if r["budget"] == best and r["predictor"].startswith("clue")][:6] or scatter[:6]
        fig, axes = plt.subplots(1, len(chosen), figsize=(3.2 * len(chosen), 3.2), squeeze=False)
        for ax, r in zip(axes[0], chosen):
            ax.scatter(r["sample_true"], r["sample_pred"], s=3, alpha=0.4)
            ax.set_title(f"{r['predictor']} {r['test_target']}\nbudget {r['budget']}, rho {r['spearman']:.3f}", fontsize=8)
            ax.set_xlabel("true accuracy")
            ax.set_ylabel("predicted")
        path = out / "scatter_predicted_vs_true.png"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths.append(path)
    return paths


def write_report(rows: list[dict], out: Path, command: str) -> dict:
    out = Path(out)
    summary = aggregate(rows)
    write_json_atomic(out / "results.json", {"command": command, "summary": summary, "runs": rows})
    text = report_text(summary, command)
    write_text_atomic(out / "results.md", text)
    plots(rows, summary, out)
    return {"summary": summary, "markdown": text}

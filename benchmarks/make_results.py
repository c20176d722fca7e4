"""Assemble docs/RESULTS.md from the outputs of benchmarks/run_evaluation.sh, next to the paper's numbers.

Usage: python benchmarks/make_results.py [RESULTS_DIR] [--analysis FILE]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from clue_plugins._io import write_text_atomic

# CLUE-NAS paper (Spearman), budgets 100 / 50 / 5: its tables 1 (independent), 2 (joint) and 3 (cross).
PAPER_INDEPENDENT = {"nb101": {100: .740, 50: .530, 5: .366}, "nb201-cifar10": {100: .831, 50: .728, 5: .481},
                     "nb301": {100: .716, 50: .607, 5: .496}}
PAPER_JOINT = {"nb101": {100: .771, 50: .593, 5: .445}, "nb201-cifar10": {100: .852, 50: .767, 5: .612},
               "nb301": {100: .724, 50: .634, 5: .552}}
PAPER_CROSS = {("nb101", "nb201-cifar10"): {100: .631}, ("nb101", "nb301"): {100: .513}}
# FLAN ("Encodings for Prediction-based NAS", 2024), Spearman at 16 / 32 / 64 / 128
FLAN = {"nb101": {16: .730, 32: .786, 64: .861, 128: .922}, "nb201-cifar10": {16: .747, 32: .857, 64: .899, 128: .953},
        "nb301": {16: .708, 32: .867, 64: .936, 128: .955}}


def fmt(m: float, s: float | None = None) -> str:
    if m is None or (isinstance(m, float) and math.isnan(m)):
        return ""
    return f"{m:.3f}" if s is None else f"{m:.3f} ± {s:.3f}"


def _budget_grid(items: list[dict], cell) -> tuple[list, list[str]]:
    """(budgets, markdown lines): one row per predictor, one column per budget, ``cell(summary row)`` in each."""
    budgets = sorted({s["budget"] for s in items})
    lines = ["| predictor | " + " | ".join(map(str, budgets)) + " |", "|---" * (len(budgets) + 1) + "|"]
    for p in dict.fromkeys(s["predictor"] for s in items):
        row = {s["budget"]: cell(s) for s in items if s["predictor"] == p}
        lines.append(f"| {p} | " + " | ".join(row.get(b, "") for b in budgets) + " |")
    return budgets, lines


def table(summary: list[dict], train: str, test: str, paper: dict | None = None, anchors: dict | None = None) -> str:
    items = [s for s in summary if s["train"] == train and s["test"] == test]
    if not items:
        return ""
    budgets, lines = _budget_grid(items, lambda s: fmt(s["spearman_mean"], s["spearman_std"]))
    if paper:
        lines.append("| *CLUE-NAS paper* | " + " | ".join(fmt(paper[b]) if b in paper else "" for b in budgets) + " |")
    if anchors:
        lines.append("| *FLAN (reference)* | " + " | ".join(fmt(anchors[b]) if b in anchors else "" for b in budgets) + " |")
    n = items[0]["n_test"]
    return f"Spearman rho on held-out cells (mean ± std over {items[0]['seeds']} seeds; about {n} test cells)\n\n" + "\n".join(lines) + "\n"


def mae_table(summary: list[dict], train: str, test: str) -> str:
    """Mean absolute error in accuracy points per predictor and budget (rows that have it)."""
    items = [s for s in summary if s["train"] == train and s["test"] == test and not math.isnan(s.get("mae_mean", math.nan))]
    if not items:
        return ""
    _, lines = _budget_grid(items, lambda s: f"{s['mae_mean']:.2f} ± {s['mae_std']:.2f}")
    return ("Mean absolute error in accuracy points on the same held-out cells (params / flops: a least-squares line on "
            "the log value, fitted on the training labels; rows measured before the column existed are not listed)\n\n"
            + "\n".join(lines) + "\n")


def _summary(root: Path, experiment: str) -> list[dict] | None:
    """The aggregated rows of one experiment folder, or None if it has not been run."""
    path = root / experiment / "results.json"
    return json.loads(path.read_text())["summary"] if path.exists() else None


def seval_sections(root: Path) -> list[str]:
    """SEval-NAS: network checks, the oracle per metric vs FLOPs and the paper, the pooling ablation."""
    import json

    from clue_plugins.experiments.oracle_eval import KEY_DEVICES, PAPER_TAU

    parts: list[str] = []
    oracle = root / "oracle" / "results.json"
    if oracle.exists():
        data = json.loads(oracle.read_text())
        head, summary = data["headline"], data["summary"]
        get = {(x["metric"], x["budget"]): x for x in summary}
        parts.append("## SEval-NAS oracle on NB201 (`bash benchmarks/run_oracle.sh`)\n")
        parts.append(f"Command: `{data['command']}`; {summary[0]['seeds']} seeds, held-out test 20% "
                     f"({summary[0]['n_test']} cells), Kendall tau unless noted. Default oracle (`features=\"auto\"`): "
                     "latency and memory heads read the node-type counts of the SEval string (ridge), accuracy heads its "
                     "text embedding (all-MiniLM-L6-v2, frozen; chunks of 16 tokens, mean-pooled; ridge + MLP ensemble). "
                     "The embedding-only oracle (the paper's method) is in the feature ablation below. "
                     "Details: [seval.md](seval.md).\n")
        rows = ["| target | goal | measured | FLOPs only | paper |", "|---|---|---|---|---|"]
        key = [get[(f"latency.{d}", "100")] for d in KEY_DEVICES if (f"latency.{d}", "100") in get]
        if key:
            flops = sum(k["flops_kendall_mean"] for k in key) / len(key)
            paper = sum(PAPER_TAU[f"latency.{d}"] for d in KEY_DEVICES) / len(KEY_DEVICES)
            rows.append(f"| latency, mean of {', '.join(KEY_DEVICES)}, 100 labels | >= 0.85 | "
                        f"{head['latency_key_devices_tau_at_100']:.3f} | {flops:.3f} | {paper:.3f} |")
        for metric, budget, goal, paper in (("memory", "100", ">= 0.9", PAPER_TAU["memory"]),
                                            ("memory", "60/20/20", ">= 0.9", PAPER_TAU["memory"]),
                                            ("accuracy.cifar10", "60/20/20", ">= 0.62", PAPER_TAU["accuracy"])):
            x = get.get((metric, budget))
            if x:
                rows.append(f"| {metric}, {budget} | {goal} | {fmt(x['kendall_mean'], x['kendall_std'])} | "
                            f"{x['flops_kendall_mean']:.3f} | {paper:.2f} |")
        parts.append("\n".join(rows) + "\n")
        parts.append("Every metric and budget (the paper's latency number is the mean over its devices; per-device paper "
                     "values read off their plots):\n")
        parts.append((root / "oracle" / "results.md").read_text().split("\n", 2)[2])
        analysis = root / "SEVAL_ANALYSIS.md"
        if analysis.exists():
            parts.append(analysis.read_text())
        parts.append("![tau vs budget](results/oracle/oracle_tau_vs_budget.png)\n")
        parts.append("![tau per metric at 100 labels](results/oracle/oracle_tau_per_metric_at_100.png)\n")
    parts += feature_ablation(root / "oracle-features")
    parts += accuracy_prior_section(root / "oracle-accuracy-prior")
    pooling = root / "oracle-pooling"
    if pooling.exists():
        rows = ["| string -> embedding | " + " | ".join(f"{m} @ {b}" for m, b in POOLING_COLUMNS) + " |",
                "|---" * (len(POOLING_COLUMNS) + 1) + "|"]
        for name, label in (("chunk16", "chunks of 16 tokens, mean; ensemble heads (default)"), ("chunk256", "chunks of 256 tokens, mean"),
                            ("truncate", "whole string, truncated at 256 tokens")):
            path = pooling / name / "results.json"
            if path.exists():
                got = {(x["metric"], x["budget"]): x for x in json.loads(path.read_text())["summary"]}
                cells = [fmt(got[c]["kendall_mean"], got[c]["kendall_std"]) if c in got else "" for c in POOLING_COLUMNS]
                rows.append(f"| {label} | " + " | ".join(cells) + " |")
        for name, label in (("ridge", "heads: ridge alone (chunks of 16)"), ("mlp", "heads: MLP alone (chunks of 16)")):
            path = root / "oracle-heads" / name / "results.json"
            if path.exists():
                got = {(x["metric"], x["budget"]): x for x in json.loads(path.read_text())["summary"]}
                cells = [fmt(got[c]["kendall_mean"], got[c]["kendall_std"]) if c in got else "" for c in POOLING_COLUMNS]
                rows.append(f"| {label} | " + " | ".join(cells) + " |")
        parts.append("### What truncation does, and the heads (fixed sample of 1,200 cells: 720 train pool / 240 test; "
                     "Kendall tau, 5 seeds)\n")
        parts.append("\n".join(rows) + "\n")
    nets = root / "networks" / "results.md"
    if nets.exists():
        parts.append("### Networks, strings and memory (`python benchmarks/bench_networks.py`)\n")
        parts.append(nets.read_text().split("\n", 2)[2])
    return parts


def _oracle_runs(folder: Path, names) -> tuple[dict, dict]:
    """(results.json of every run ``folder/<name>`` that exists, its summary rows by (metric, budget))."""
    runs = {name: json.loads((folder / name / "results.json").read_text()) for name in names
            if (folder / name / "results.json").exists()}
    return runs, {name: {(x["metric"], x["budget"]): x for x in r["summary"]} for name, r in runs.items()}


def accuracy_prior_section(folder: Path) -> list[str]:
    """Accuracy heads with and without the prior blend, next to FLOPs, per metric and budget."""
    runs, got = _oracle_runs(folder, ("auto", "none"))
    if not runs:
        return []
    first = next(iter(runs.values()))
    metrics = list(dict.fromkeys(x["metric"] for x in first["summary"]))
    budgets = list(dict.fromkeys(x["budget"] for x in first["summary"]))
    rows = ["| metric | head | " + " | ".join(budgets) + " |", "|---" * (len(budgets) + 2) + "|"]
    for m in metrics:
        for name, label in (("auto", "blended with the prior (default)"), ("none", "plain head (0.2)")):
            if name in got:
                rows.append(f"| {m} | {label} | " + " | ".join(
                    fmt(got[name][(m, b)]["kendall_mean"], got[name][(m, b)]["kendall_std"]) if (m, b) in got[name] else ""
                    for b in budgets) + " |")
        any_run = next(iter(got.values()))
        rows.append(f"| {m} | FLOPs only | " + " | ".join(
            fmt(any_run[(m, b)]["flops_kendall_mean"]) if (m, b) in any_run else "" for b in budgets) + " |")
    n_test = first["summary"][0]["n_test"]
    return ["### Accuracy heads and their prior (fixed sample of 2,000 cells, about "
            f"{n_test} test cells; Kendall tau, {first['summary'][0]['seeds']} seeds)\n",
            f"Command: `{first['command']}` and the same with `--accuracy-prior none`.\n",
            "\n".join(rows) + "\n"]


FEATURE_SETS = (("embedding", "text embedding (paper)"), ("tokens", "node-type counts"), ("tokens+embedding", "both (mean)"))


def feature_ablation(folder: Path) -> list[str]:
    """What each head reads: the text embedding, the node-type counts, or both, per metric and budget."""
    runs, summaries = _oracle_runs(folder, [name for name, _ in FEATURE_SETS])
    if not runs:
        return []
    first = next(iter(runs.values()))["summary"]
    metrics = list(dict.fromkeys(x["metric"] for x in first))
    budgets = list(dict.fromkeys(x["budget"] for x in first))
    rows = ["| metric | features | FLOPs only | " + " | ".join(budgets) + " |", "|---" * (len(budgets) + 3) + "|"]
    for m in metrics:
        for name, label in FEATURE_SETS:
            got = summaries.get(name, {})
            if not got:
                continue
            flops = got[(m, budgets[0])]["flops_kendall_mean"] if (m, budgets[0]) in got else float("nan")
            cells = [fmt(got[(m, b)]["kendall_mean"], got[(m, b)]["kendall_std"]) if (m, b) in got else "" for b in budgets]
            rows.append(f"| {m} | {label} | {flops:.3f} | " + " | ".join(cells) + " |")
    commands = "; ".join(f"`{r['command']}`" for r in runs.values())
    return ["### What the heads read: text embedding vs node-type counts (full NB201, 3125 test cells, Kendall tau, "
            f"{first[0]['seeds']} seeds; columns: labelled cells)\n",
            f"Commands: {commands}.\n", "\n".join(rows) + "\n"]


POOLING_COLUMNS = (("latency.eyeriss", "100"), ("latency.pixel3", "100"), ("latency.nats-gpu", "100"), ("accuracy.cifar10", "100"),
                   ("accuracy.cifar10", "60/20/20"))


def plugin_sections(root: Path) -> list[str]:
    """The framework plugins: our predictors against each framework's own, through its own evaluator."""
    parts = []
    naslib = root / "naslib" / "results.md"
    if naslib.exists():
        parts.append("## NASLib plugin: CLUE and SEval in NASLib's PredictorEvaluator "
                     "(`python benchmarks/bench_naslib_predictors.py`, needs NASLib)\n")
        parts.append(naslib.read_text())
    nni = root / "nni" / "results.md"
    if nni.exists():
        parts.append("## NNI plugin: NasExperiment scored by CLUE and SEval (`python benchmarks/bench_nni.py`)\n")
        parts.append(nni.read_text())
    user_space = root / "nni" / "user_space.md"
    if user_space.exists():
        parts.append("### A user-defined NNI model space: SEval latency head vs measured CPU latency "
                     "(`python benchmarks/bench_user_space.py`, see docs/nni.md)\n")
        parts.append(user_space.read_text())
    search = root / "search" / "search.md"
    if search.exists():
        parts.append("## Searches on NB201 (`clue-nas search-bench`, see docs/search.md)\n")
        parts.append(search.read_text())
        parts.append("Best-so-far true accuracy per true query (mean over seeds): ![curves](results/search/curves.png)\n")
        if (root / "search" / "fronts.png").exists():
            parts.append("Accuracy-latency fronts of the evaluated cells (seed 0, median-latency budget): "
                         "![fronts](results/search/fronts.png)\n")
    proxies = root / "proxies.md"
    if proxies.exists():
        parts.append("### FreeREA's training-free proxies per image batch (`python benchmarks/bench_proxies.py`)\n")
        parts.append(proxies.read_text())
    scaling = root / "scaling.md"
    if scaling.exists():
        parts.append("## Scaling out: process pool vs Ray (`python benchmarks/bench_scaling.py`, see docs/scaling.md)\n")
        parts.append(scaling.read_text())
    for name, title in (("SCALING_ANALYSIS.md", None), ("SPEED.md", "## Speed (`python benchmarks/bench_speed.py`)\n")):
        analysis = root / name  # written by hand from the bench output, with the commands behind each number
        if analysis.exists():
            parts += ([title] if title else []) + [analysis.read_text()]
    return parts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("results", nargs="?", default="docs/results")
    ap.add_argument("--analysis", help="markdown file with the written analysis to include")
    ap.add_argument("--out", default="docs/RESULTS.md")
    args = ap.parse_args()
    root = Path(args.results)
    parts = ["# Results\n",
             "Every number below was produced by `bash benchmarks/run_evaluation.sh` (raw per-run results, markdown",
             "tables with Kendall tau, and plots are in `docs/results/<experiment>/`), or by the script named in its",
             "section's title (`run_oracle.sh`, `bench_*.py`), and assembled by",
             "`python benchmarks/make_results.py`. Test cells are never training cells: each split removes from the test",
             "set every cell equivalent to a training cell (same `iso_key`). Text encoder: all-MiniLM-L6-v2 (the offline",
             "default; no CLIP weights are obtainable on the machines these ran on). NB301 labels are NASLib's surrogate",
             "predictions, not trained accuracies.\n"]
    if args.analysis:
        parts.append(Path(args.analysis).read_text() + "\n")
    prior = root / "prior.md"
    if prior.exists():
        parts.append("## The training-free prior (`python benchmarks/bench_prior.py`)\n")
        parts.append(prior.read_text())
    summary = _summary(root, "independent")
    if summary:
        parts.append("## Independent training (paper table 1)\n")
        for t in ("nb201-cifar10", "nb201-cifar100", "nb201-ImageNet16-120", "nb101", "nb301"):
            parts.append(f"### {t}\n")
            parts.append(table(summary, t, t, PAPER_INDEPENDENT.get(t), FLAN.get(t)))
            parts.append(mae_table(summary, t, t))
            plot = f"results/independent/rho_vs_budget_independent_{t}_to_{t}.png"
            parts.append(f"![rho vs budget, {t}]({plot})\n")
        parts.append("Predicted vs true accuracy at the largest budget (seed 0): ![scatter](results/independent/scatter_predicted_vs_true.png)\n")
    for name, title, target in (("ablation_nb201", "Ablation on NB201 CIFAR-10 (paper table 4 and our switches)", "nb201-cifar10"),
                                ("ablation_nb301", "DARTS cells and flow layout on NB301", "nb301")):
        summary = _summary(root, name)
        if summary:
            parts.append(f"## {title}\n")
            parts.append(table(summary, target, target, PAPER_INDEPENDENT.get(target)))
    spaces = ("nb101", "nb201-cifar10", "nb301")
    summary = _summary(root, "joint")
    if summary:
        parts.append("## Joint training over NB101 + NB201 + NB301 (paper table 2)\n")
        for t in spaces:
            parts.append(f"### test on {t}\n")
            parts.append(table(summary, "+".join(spaces), t, PAPER_JOINT.get(t)))
    summary = _summary(root, "cross")
    if summary:
        parts.append("## Train on one space, test on another (paper table 3)\n")
        for a, b in ((a, b) for a in spaces for b in spaces if a != b):
            parts.append(f"### train {a} -> test {b}\n")
            parts.append(table(summary, a, b, PAPER_CROSS.get((a, b))))
    parts += seval_sections(root)
    parts += plugin_sections(root)
    write_text_atomic(args.out, "\n".join(p for p in parts if p))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

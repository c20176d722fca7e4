"""The ``clue-nas`` command: thin argument parsing over the package's modules."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Sequence

from clue_plugins.errors import ClueError, ConfigError


def _cmd_data(args: argparse.Namespace) -> int:
    from clue_plugins.benchmarks import fetch as fetch_mod
    from clue_plugins.benchmarks.sources import data_dir

    if args.action == "fetch":
        statuses = fetch_mod.fetch(args.files or None, include_official=args.official, timeout=args.timeout)
    else:
        statuses = fetch_mod.verify(include_official=args.official)
    print(f"data folder: {data_dir()}")
    for s in statuses:
        print(f"  {s.state:13s} {s.entry.path}")
    bad = [s for s in statuses if s.state in ("missing", "bad-checksum")]
    if bad and args.action == "verify":
        print(f"{len(bad)} file(s) missing or damaged; run `clue-nas data fetch` or place them by hand", file=sys.stderr)
        return 1
    return 0


def _cmd_ops_table(args: argparse.Namespace) -> int:
    from clue_plugins.ops.measure import METRIC_NAMES, MeasureSettings
    from clue_plugins.ops.table import TABLE_PATH, OpMetricTable, compute_table

    if args.recompute:
        table = compute_table(settings=MeasureSettings(draws=args.draws, seed=args.seed))
        out = args.output or TABLE_PATH
        table.save(out)
        print(f"wrote {out}")
    else:
        table = OpMetricTable.load(args.output or TABLE_PATH)
    print(f"{'op':14s} " + " ".join(f"{m:>13s}" for m in METRIC_NAMES))
    for op, m in table.rows.items():
        print(f"{op:14s} " + " ".join(f"{getattr(m, k):13.4g}" for k in METRIC_NAMES))
    return 0


def _cmd_encode(args: argparse.Namespace) -> int:
    from adapters import to_spec
    from clue_plugins._io import write_text_atomic

    if args.output and Path(args.output).is_dir():
        raise ConfigError(f"-o {args.output} is a folder; give a file name, e.g. -o {Path(args.output) / 'specs.json'}")
    out = []
    for g in args.genotype:
        spec = to_spec(g, args.space)
        d = spec.to_dict()
        d["prompt"] = spec.prompt()
        d["iso_key"] = spec.iso_key()
        if args.vectors:
            d["flow_vector"] = spec.flow_vector().tolist()
            d["op_metric_vector"] = [round(float(v), 6) for v in spec.op_metric_vector()]
        out.append(d)
    text = json.dumps(out if len(out) > 1 else out[0], indent=1)
    if args.output:
        write_text_atomic(args.output, text + "\n")
    else:
        print(text)
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    """The main job for now: load the benchmarks and show what the representation looks like."""
    import numpy as np

    from clue_plugins import benchmarks
    from clue_plugins.spec import flow_matrix, op_metric_matrix, prompts

    for space in args.spaces:
        t0 = time.perf_counter()
        table = benchmarks.load(space)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        flows, metrics, texts = flow_matrix(table.specs), op_metric_matrix(table.specs), prompts(table.specs)
        t_enc = time.perf_counter() - t0
        col = benchmarks.ACCURACY_COLUMN[space]
        best, acc = table.best(col)
        print(table.summary())
        print(f"  loaded in {t_load:.2f}s; vectors for all {len(table)} in {t_enc:.2f}s: flow {flows.shape}, op metrics {metrics.shape}")
        print(f"  distinct keys {len({s.key for s in table.specs})}, distinct iso keys {len({s.iso_key() for s in table.specs})}")
        print(f"  {col}: best {acc:.2f}, median {np.nanmedian(table.column(col)):.2f}")
        print(f"  best architecture prompt: {best.prompt()}")
        print(f"  distinct prompts {len(set(texts))}")
        if args.embed:
            from clue_plugins.predictors.clue import CLUEPredictor

            t0 = time.perf_counter()
            CLUEPredictor().embed_texts(table.specs, progress=True)
            print(f"  prompt embeddings of all {len(table)} cells cached in {time.perf_counter() - t0:.1f}s")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from clue_plugins.evaluation.protocols import make_tasks, run_tasks
    from clue_plugins.evaluation.report import write_report
    from clue_plugins.evaluation.targets import load_target

    pairs = [tuple(p.split(":")) for p in args.cross_pairs] if args.cross_pairs else None
    tasks = make_tasks(args.protocol, args.predictors, args.targets, args.budgets, args.seeds, args.cells, pairs,
                       clip_weights=args.clip_weights)
    # warm the shared caches (tables, text embeddings) once, before the workers start
    from clue_plugins.evaluation.registry import CLUE_VARIANTS, make_predictor

    names = {t for task in tasks for t in task.train_targets + task.test_targets}
    for name in sorted(names):
        target = load_target(name)
        for p in args.predictors:
            if p in CLUE_VARIANTS:
                make_predictor(p, 0, cells=args.cells, clip_weights=args.clip_weights).embed_texts(target.specs, progress=True)
    print(f"{len(tasks)} tasks on {args.workers} worker(s)", file=sys.stderr)
    rows = run_tasks(tasks, workers=args.workers, rows_path=Path(args.out) / "rows.jsonl")
    command = "clue-nas " + " ".join(sys.argv[1:]) if args.command_line is None else args.command_line
    report = write_report(rows, Path(args.out), command)
    print(report["markdown"])
    if any("nb301" in t for t in names):
        from clue_plugins.benchmarks import SURROGATE_NOTE

        print(f"note: {SURROGATE_NOTE}")
    print(f"wrote {args.out}/results.json, results.md and plots")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    """Main job: train CLUE-NAS on N NB201 cells and report Spearman on every unseen cell."""
    import numpy as np

    from clue_plugins.evaluation.metrics import rank_correlations
    from clue_plugins.evaluation.splits import split
    from clue_plugins.evaluation.targets import load_target
    from clue_plugins.predictors.clue import CLUEPredictor

    target = load_target(f"nb201-{args.dataset}")
    train, test = split(target.groups, args.budget, args.seed)
    t0 = time.perf_counter()
    model = CLUEPredictor(seed=args.seed).fit([target.specs[i] for i in train], target.y[train])
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = model.predict([target.specs[i] for i in test])
    pred_s = time.perf_counter() - t0
    corr = rank_correlations(pred, target.y[test])
    best = test[int(np.argmax(pred))]
    print(f"CLUE-NAS trained on {len(train)} NB201 cells ({args.dataset}, seed {args.seed}) in {fit_s:.1f}s")
    print(f"held-out cells: {len(test)}; predicted in {pred_s:.1f}s")
    print(f"Spearman {corr['spearman']:.3f}, Kendall {corr['kendall']:.3f}")
    print(f"top-predicted unseen cell: {target.specs[best].prompt()} true accuracy {target.y[best]:.2f} "
          f"(space best {np.max(target.y):.2f})")
    if args.save:
        model.save(args.save)
        print(f"saved the predictor to {args.save}")
    if args.search:
        _demo_search(args)
    return 0


def _demo_search(args: argparse.Namespace) -> None:
    """CLUE-NAS table 7 (b): predictor-guided evolution with ``args.search`` true queries."""
    from adapters.nb201 import to_arch_str
    from clue_plugins.predictors.clue import CLUEPredictor
    from clue_plugins.search import TableScorer, predictor_evolution

    query = TableScorer(args.dataset)
    t0 = time.perf_counter()
    run = predictor_evolution("nb201", query, lambda seed: CLUEPredictor(seed=seed), queries=args.search, seed=args.seed)
    acc = run.answer.metrics["accuracy"]
    print(f"\nCLUE-guided evolution, {run.queries} true queries ({run.extra['rounds']} rounds: CLUE refit on the "
          f"queried cells, evolution on its predictions picks the next 10), {time.perf_counter() - t0:.1f}s")
    print(f"found cell: {to_arch_str(run.answer.spec)}")
    print(f"true {args.dataset} test accuracy {acc:.2f}; space optimum {query.optimum:.2f}; "
          f"better than {100 * query.share_below(acc):.2f}% of the 15,625 cells")


def _cmd_text_encoders(args: argparse.Namespace) -> int:
    from clue_plugins.text import available_encoders

    if args.action == "list":
        for name in available_encoders():
            print(name)
        return 0
    # fetch: let open_clip download the pretrained weights, then keep a local state dict
    import torch

    from clue_plugins._io import atomic_path, cache_dir
    from clue_plugins.text.encoders import CLIPTextEncoder

    enc = CLIPTextEncoder(args.model, weights=None)
    model = enc.load_model()  # raises MissingDataError with instructions when offline
    dest = Path(args.output) if args.output else cache_dir() / "weights" / f"clip-{args.model}-openai.pt"
    with atomic_path(dest) as tmp:
        torch.save(model.state_dict(), tmp)
    print(f"saved {args.model} weights to {dest}; use them with --clip-weights {dest} or CLUE_CLIP_WEIGHTS={dest}")
    return 0


def _cmd_measure(args: argparse.Namespace) -> int:
    from clue_plugins.networks.memory_table import load_memory_table, measure_memory_table

    run = measure_memory_table(args.space, method=args.method, workers=args.workers, limit=args.limit, out=args.out)
    col = load_memory_table(args.space, run.path)[f"{args.method}_mb"]
    print(f"{run.summary()}; {args.method} peak training memory {col.min():.1f}-{col.max():.1f} MiB "
          f"(median {col.median():.1f})")
    return 0


def _cmd_network_string(args: argparse.Namespace) -> int:
    from adapters import to_spec
    from clue_plugins.networks import build_network, count_flops_m, count_params_m, network_string

    spec = to_spec(args.genotype, space=args.space)
    net = build_network(spec, num_classes=args.num_classes)
    text = network_string(net)
    if args.stats:
        print(f"params {count_params_m(net):.6f} M, FLOPs {count_flops_m(net):.5f} M, {len(text.split())} nodes", file=sys.stderr)
    print(text)
    return 0


def _cmd_evaluate_oracle(args: argparse.Namespace) -> int:
    from clue_plugins.experiments.oracle_eval import SPLIT, evaluate_oracle, write_oracle_report

    budgets = [b if b == SPLIT else int(b) for b in args.budgets]
    config = {"text_encoder": args.text_encoder, "features": args.features, "head": args.head, "pooling": args.pooling,
              "chunk_tokens": args.chunk_tokens}
    t0 = time.perf_counter()
    rows = evaluate_oracle(budgets, args.seeds, args.metrics, config, workers=args.workers, memory_table=args.memory_table,
                           subset=args.subset)
    command = args.command_line or "clue-nas " + " ".join(sys.argv[1:])
    head = write_oracle_report(rows, args.out, command, {"config": config, "wall_s": time.perf_counter() - t0})
    print((Path(args.out) / "results.md").read_text())
    for k, v in head.items():
        print(f"{k}: {v:.3f}")
    return 0


def _cmd_naslib_run(args: argparse.Namespace) -> int:
    from clue_plugins.naslib import run_config  # raises MissingDependencyError with install steps
    from clue_plugins.naslib.runner import dumps

    print(dumps(run_config(args.config, args.out_dir)))
    return 0


def _cmd_nni_search(args: argparse.Namespace) -> int:
    from clue_plugins._io import write_json_atomic
    from clue_plugins.nni import SurrogateEvaluator, compare_with_benchmark, run_search  # needs the nni extra
    from clue_plugins.nni.evaluator import SPACES
    from clue_plugins.objectives import Objective
    from clue_plugins.predictors.clue import CLUEPredictor
    from clue_plugins.predictors.seval import SEvalOracle
    from clue_plugins.surrogate import fit_accuracy_model, fit_hardware_oracle

    objective = Objective(args.objective, args.latency_budget, args.memory_budget, args.latency_weight, args.memory_weight)
    space = SPACES[args.space]
    if args.load:
        model = CLUEPredictor.load(args.load)
    else:
        model = fit_accuracy_model(space, args.train_size, args.dataset, seed=args.seed)
    latency = f"latency.{args.device}" if args.device else None
    memory = "memory" if "memory" in objective.needs() or args.memory else None
    wanted = [m for m in (latency, memory) if m]
    oracle = None
    if args.oracle:
        oracle = SEvalOracle.load(args.oracle)
    elif wanted:
        if space != "nb201":
            raise ClueError("latency/memory heads can be trained from the shared tables for NasBench201 only; pass --oracle DIR")
        oracle = fit_hardware_oracle(wanted, args.oracle_train_size, seed=args.seed)
    evaluator = SurrogateEvaluator(model, args.space, oracle, latency, memory, objective)
    result = run_search(evaluator, args.strategy, args.trials, args.seed, quiet=not args.verbose)
    summary = result.summary()
    if args.space == "NasBench201" and not args.no_compare:
        try:
            summary["benchmark"] = compare_with_benchmark(result, args.dataset, args.device, args.top_k,
                                                          latency_budget=args.latency_budget if args.device else None)
        except ClueError as exc:  # no shared tables here: predicted numbers only
            summary["benchmark"] = f"not compared: {exc}"
    if args.out:
        out = Path(args.out)
        evaluator.export_trials(str(out / "trials.json"))
        write_json_atomic(out / "summary.json", summary)
    print(json.dumps(summary, indent=2, default=str))
    return 0


def _cmd_search_bench(args: argparse.Namespace) -> int:
    from clue_plugins.experiments.search_bench import BenchSettings, report_existing, run_benchmark
    from clue_plugins.experiments.search_report import markdown

    if args.report_only:
        summary = report_existing(args.out, args.seeds, args.hw_seeds)
    else:
        settings = BenchSettings(seeds=args.seeds, datasets=tuple(args.datasets), strategies=tuple(args.strategies),
                                 max_queries=args.max_queries, freerea_networks=args.freerea_networks,
                                 proxy_batch=args.proxy_batch, hw_devices=tuple(args.devices), hw_seeds=args.hw_seeds,
                                 hw_quantiles=tuple(args.quantiles), hw_oracle_features=args.oracle_features,
                                 workers=args.workers)
        summary = run_benchmark(settings, args.out, progress=not args.quiet)
    print(markdown(summary))
    print(f"rows, summary.json, search.md, curves.png and fronts.png in {args.out}")
    return 0


def _positive_int(text: str) -> int:
    """argparse type: a whole number >= 1 (counts, sizes, budgets)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from clue_plugins.predictors.seval import FEATURES
    from clue_plugins.spaces import nni_space_names, space_names  # read now: spaces registered before main() count

    p = argparse.ArgumentParser(prog="clue-nas", description="CLUE-NAS and SEval-NAS predictors for NAS frameworks")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("data", help="benchmark files: fetch the public ones, verify what is present")
    d.add_argument("action", choices=["fetch", "verify"])
    d.add_argument("files", nargs="*", help="registered relative paths (default: all)")
    d.add_argument("--official", action="store_true", help="include the large official files")
    d.add_argument("--timeout", type=float, default=10.0, help="seconds per connection attempt")
    d.set_defaults(func=_cmd_data)

    o = sub.add_parser("ops-table", help="show (or --recompute) the op soft-metric table")
    o.add_argument("--recompute", action="store_true", help="measure every op now and write the table")
    o.add_argument("--output", help="table file (default: the one inside the package)")
    o.add_argument("--draws", type=int, default=1000, help="noise draws for sensitivity")
    o.add_argument("--seed", type=int, default=0)
    o.set_defaults(func=_cmd_ops_table)

    e = sub.add_parser("encode", help="genotype(s) -> shared representation as JSON")
    e.add_argument("genotype", nargs="+", help="NB201 arch string, DARTS Genotype string, NASLib tuple/compact, ...")
    e.add_argument("--space", choices=space_names(), help="settles ambiguous integer forms")
    e.add_argument("--vectors", action="store_true", help="include flow and op-metric vectors")
    e.add_argument("-o", "--output", help="write JSON here (atomically) instead of stdout")
    e.set_defaults(func=_cmd_encode)

    s = sub.add_parser("summary", help="load benchmark data and summarize its representations")
    s.add_argument("--spaces", nargs="+", default=["nb201", "nb101", "nb301"], choices=space_names())
    s.add_argument("--embed", action="store_true",
                   help="also embed every prompt with CLUE's text encoder, so later predictions read the disk cache")
    s.set_defaults(func=_cmd_summary)

    from clue_plugins.evaluation.targets import TARGETS

    ev = sub.add_parser("evaluate", help="rank-correlation evaluation of predictors (paper protocols)")
    ev.add_argument("--protocol", choices=["independent", "joint", "cross"], default="independent")
    ev.add_argument("--targets", nargs="+", default=["nb201-cifar10"], choices=list(TARGETS))
    ev.add_argument("--cross-pairs", nargs="*", help="cross protocol: TRAIN:TEST target pairs (default: all)")
    ev.add_argument("--predictors", nargs="+", default=["clue", "params", "mlp", "gcn", "gboost"])
    ev.add_argument("--budgets", nargs="+", type=_positive_int, default=[5, 16, 32, 50, 64, 100, 128])
    ev.add_argument("--seeds", type=_positive_int, default=5)
    ev.add_argument("--cells", choices=["first", "all"], default="first", help="DARTS: normal cell only, or both")
    ev.add_argument("--workers", type=_positive_int, default=2)
    ev.add_argument("--clip-weights", help="local open_clip state dict for clip text encoders")
    ev.add_argument("--out", default="results/evaluate")
    ev.add_argument("--command-line", help=argparse.SUPPRESS)
    ev.set_defaults(func=_cmd_evaluate)

    dm = sub.add_parser("demo", help="train CLUE-NAS on N NB201 cells and print its held-out Spearman")
    dm.add_argument("--budget", type=_positive_int, default=100)
    dm.add_argument("--dataset", default="cifar10", choices=["cifar10", "cifar100", "ImageNet16-120"])
    dm.add_argument("--seed", type=int, default=0)
    dm.add_argument("--save", help="folder to save the trained predictor in")
    dm.add_argument("--search", type=int, default=0, metavar="QUERIES",
                    help="then run CLUE-guided evolution with this many true queries (0: skip)")
    dm.set_defaults(func=_cmd_demo)

    ms = sub.add_parser("measure", help="measure the training memory of every cell of a space (resumable)")
    ms.add_argument("what", choices=["memory"])
    ms.add_argument("--space", default="nb201", choices=space_names())
    ms.add_argument("--method", default="meta", choices=["meta", "profiler", "cuda"],
                    help="meta: torch accounting without arithmetic (any machine); cuda: max_memory_allocated on a GPU")
    ms.add_argument("--workers", type=_positive_int, default=2, help="parallel processes (cuda always uses one)")
    ms.add_argument("--limit", type=_positive_int, help="only the first N cells")
    ms.add_argument("--out", help="table file (default: the generated table inside the package)")
    ms.set_defaults(func=_cmd_measure)

    ns = sub.add_parser("network-string", help="the SEval string of a genotype's benchmark network")
    ns.add_argument("genotype", help="NB201 arch string, DARTS Genotype string, NB101 key, ...")
    ns.add_argument("--space", choices=space_names())
    ns.add_argument("--num-classes", type=_positive_int, default=10)
    ns.add_argument("--stats", action="store_true", help="also print parameters, FLOPs and node count (stderr)")
    ns.set_defaults(func=_cmd_network_string)

    eo = sub.add_parser("evaluate-oracle", help="SEval oracle: held-out rank correlation per metric vs FLOPs-only")
    eo.add_argument("--budgets", nargs="+", default=["10", "50", "100", "1000", "60/20/20"],
                    help="labelled cells per metric, or 60/20/20 for the paper's split")
    eo.add_argument("--seeds", type=_positive_int, default=5)
    eo.add_argument("--metrics", nargs="+", help="default: every metric (accuracy.*, latency.*, memory)")
    eo.add_argument("--text-encoder", default="minilm")
    eo.add_argument("--features", default="auto", choices=FEATURES,
                    help="what each head reads (auto: node-type counts for latency/memory, the text embedding for accuracy)")
    eo.add_argument("--head", default="ensemble", choices=["ensemble", "mlp", "ridge"], help="the embedding head")
    eo.add_argument("--pooling", default="mean", choices=["mean", "truncate"])
    eo.add_argument("--chunk-tokens", type=int, default=16, help="model tokens per chunk of the string (mean pooling)")
    eo.add_argument("--memory-table", help="memory table CSV (default: the generated one in the package)")
    eo.add_argument("--subset", type=int, help="evaluate on a fixed random sample of N cells (quick runs)")
    eo.add_argument("--workers", type=_positive_int, default=2)
    eo.add_argument("--out", default="results/oracle")
    eo.add_argument("--command-line", help=argparse.SUPPRESS)
    eo.set_defaults(func=_cmd_evaluate_oracle)

    nl = sub.add_parser("naslib-run", help="run NASLib's predictor evaluator or a discrete optimizer from a YAML config "
                        "(predictor: clue|seval, predictor_type: clue|seval, dataset_api: benchmark|naslib|predicted)")
    nl.add_argument("--config", required=True, help="NASLib YAML (see docs/naslib.md)")
    nl.add_argument("--out-dir", help="override the config's out_dir")
    nl.set_defaults(func=_cmd_naslib_run)

    nn_ = sub.add_parser("nni-search", help="NNI NasExperiment (RegularizedEvolution / Random / TPE) scored by CLUE "
                         "and SEval predictions: accuracy, or accuracy under latency/memory budgets, or a trade-off")
    nn_.add_argument("--space", default="NasBench201", choices=nni_space_names())
    nn_.add_argument("--strategy", default="re", choices=["re", "random", "tpe"])
    nn_.add_argument("--trials", type=_positive_int, default=100)
    nn_.add_argument("--seed", type=int, default=0)
    nn_.add_argument("--objective", default="accuracy", choices=["accuracy", "budget", "weighted"])
    nn_.add_argument("--device", help="latency table for latency objectives, e.g. pixel3, eyeriss, fpga (NB201)")
    nn_.add_argument("--latency-budget", type=float, help="ms on --device (objective budget)")
    nn_.add_argument("--memory-budget", type=float, help="MiB of peak training memory (objective budget)")
    nn_.add_argument("--latency-weight", type=float, default=0.0, help="accuracy points per ms (objective weighted)")
    nn_.add_argument("--memory-weight", type=float, default=0.0, help="accuracy points per MiB (objective weighted)")
    nn_.add_argument("--memory", action="store_true", help="also predict memory for every trial")
    nn_.add_argument("--dataset", default="cifar10")
    nn_.add_argument("--load", help="a saved CLUE predictor (default: train one on --train-size cells of the shared tables)")
    nn_.add_argument("--train-size", type=_positive_int, default=100)
    nn_.add_argument("--oracle", help="a saved SEval oracle with latency.<device>/memory heads (default: train one)")
    nn_.add_argument("--oracle-train-size", type=_positive_int, default=100)
    nn_.add_argument("--top-k", type=int, default=5)
    nn_.add_argument("--no-compare", action="store_true", help="skip the true-benchmark comparison (NB201)")
    nn_.add_argument("--out", help="folder for trials.json (every trial's metrics) and summary.json")
    nn_.add_argument("--verbose", action="store_true", help="show NNI's per-trial log")
    nn_.set_defaults(func=_cmd_nni_search)

    from clue_plugins.experiments.search_bench import DATASETS, DEVICES, STRATEGIES

    sb = sub.add_parser("search-bench", help="NB201 search experiment: random, RE, FreeREA, FreeREA+CLUE, CLUE random "
                        "100+30, CLUE evolution 60/90 over seeds and datasets, and hardware-aware searches (resumable)")
    sb.add_argument("--out", default="docs/results/search", help="results folder (rows.jsonl is resumed)")
    sb.add_argument("--seeds", type=_positive_int, default=10)
    sb.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    sb.add_argument("--strategies", nargs="+", default=list(STRATEGIES), choices=list(STRATEGIES))
    sb.add_argument("--max-queries", type=int, default=200, help="query budget of random search and RE")
    sb.add_argument("--freerea-networks", type=int, default=200, help="networks FreeREA's proxies score per run")
    sb.add_argument("--proxy-batch", type=int, default=32, help="images in the NASWOT batch")
    sb.add_argument("--devices", nargs="*", default=list(DEVICES), choices=list(DEVICES), help="hardware-aware devices")
    sb.add_argument("--quantiles", nargs="+", type=float, default=[0.25, 0.5], help="latency budgets as quantiles")
    sb.add_argument("--hw-seeds", type=int, default=10, help="seeds per hardware setting (0: skip)")
    sb.add_argument("--oracle-features", default="embedding", choices=FEATURES,
                    help="what the SEval latency heads read (the committed results: embedding)")
    sb.add_argument("--workers", type=_positive_int, default=1, help="parallel worker processes")
    sb.add_argument("--quiet", action="store_true")
    sb.add_argument("--report-only", action="store_true", help="rebuild the tables and plots from the rows already in "
                    "--out (those with seeds below --seeds / --hw-seeds)")
    sb.set_defaults(func=_cmd_search_bench)

    te = sub.add_parser("text-encoders", help="list text encoders, or fetch CLIP weights (needs internet)")
    te.add_argument("action", choices=["list", "fetch"])
    te.add_argument("model", nargs="?", default="RN50", help="open_clip model name for fetch")
    te.add_argument("--output", help="where to save the fetched state dict")
    te.set_defaults(func=_cmd_text_encoders)
    return p


#: What an interrupted command has kept, and how to go on (printed on Ctrl-C instead of a traceback).
RESUME_HINTS = {
    "evaluate": "finished tasks are kept in OUT/rows.jsonl; run the same command again to resume",
    "search-bench": "finished searches are kept in OUT/rows.jsonl; run the same command again to resume",
    "measure": "measured cells are kept in the progress file; run the same command again to resume",
    "summary": "text embeddings computed so far are cached; run the same command again to continue",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``clue-nas``: 0 on success, 2 with one line on stderr for a refused input, 130 when interrupted."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        kept = RESUME_HINTS.get(args.command, "nothing partial was written")
        print(f"clue-nas: interrupted; {kept}", file=sys.stderr)
        return 130
    except (ClueError, KeyError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"clue-nas: error: {msg}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.filename is None:  # not about a file the user named: a real failure, keep its traceback
            raise
        print(f"clue-nas: error: {exc.strerror or exc} : {exc.filename}; check the path and its permissions",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

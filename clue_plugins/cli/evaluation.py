"""Commands that train predictors and measure how well they rank held-out architectures."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from clue_plugins.cli._args import add_backend_arguments, backend_options, positive_int


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from clue_plugins.evaluation.protocols import make_tasks, run_tasks
    from clue_plugins.evaluation.report import write_report
    from clue_plugins.evaluation.targets import load_target

    backend = backend_options(args)
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
    print(f"{len(tasks)} tasks on {args.workers} worker(s) ({args.backend})", file=sys.stderr)
    rows = run_tasks(tasks, workers=args.workers, rows_path=Path(args.out) / "rows.jsonl", **backend)
    command = "clue-nas " + " ".join(sys.argv[1:]) if args.command_line is None else args.command_line
    report = write_report(rows, Path(args.out), command)
    print(report["markdown"])
    if any("nb301" in t for t in names):
        from clue_plugins.data import SURROGATE_NOTE

        print(f"note: {SURROGATE_NOTE}")
    print(f"wrote {args.out}/results.json, results.md and plots")
    return 0


def add_evaluate(sub: argparse._SubParsersAction) -> None:
    from clue_plugins.evaluation.targets import TARGETS

    ev = sub.add_parser("evaluate", help="rank-correlation evaluation of predictors (paper protocols)")
    ev.add_argument("--protocol", choices=["independent", "joint", "cross"], default="independent")
    ev.add_argument("--targets", nargs="+", default=["nb201-cifar10"], choices=list(TARGETS))
    ev.add_argument("--cross-pairs", nargs="*", help="cross protocol: TRAIN:TEST target pairs (default: all)")
    ev.add_argument("--predictors", nargs="+", default=["clue", "params", "mlp", "gcn", "gboost"])
    ev.add_argument("--budgets", nargs="+", type=positive_int, default=[5, 16, 32, 50, 64, 100, 128])
    ev.add_argument("--seeds", type=positive_int, default=5)
    ev.add_argument("--cells", choices=["first", "all"], default=None,
                    help="DARTS: force the normal cell only, or both, on every predictor (default: each predictor's own "
                         "choice: both cells for clue, the normal cell for clue-paper, clue-0.2 and the baselines)")
    ev.add_argument("--workers", type=positive_int, default=2)
    add_backend_arguments(ev)
    ev.add_argument("--clip-weights", help="local open_clip state dict for clip text encoders")
    ev.add_argument("--out", default="results/evaluate")
    ev.add_argument("--command-line", help=argparse.SUPPRESS)
    ev.set_defaults(func=_cmd_evaluate)


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


def add_demo(sub: argparse._SubParsersAction) -> None:
    dm = sub.add_parser("demo", help="train CLUE-NAS on N NB201 cells and print its held-out Spearman")
    dm.add_argument("--budget", type=positive_int, default=100)
    dm.add_argument("--dataset", default="cifar10", choices=["cifar10", "cifar100", "ImageNet16-120"])
    dm.add_argument("--seed", type=int, default=0)
    dm.add_argument("--save", help="folder to save the trained predictor in")
    dm.add_argument("--search", type=int, default=0, metavar="QUERIES",
                    help="then run CLUE-guided evolution with this many true queries (0: skip)")
    dm.set_defaults(func=_cmd_demo)


def _cmd_evaluate_oracle(args: argparse.Namespace) -> int:
    from clue_plugins.experiments.oracle_eval import SPLIT, evaluate_oracle, write_oracle_report

    budgets = [b if b == SPLIT else int(b) for b in args.budgets]
    config = {"text_encoder": args.text_encoder, "features": args.features, "head": args.head, "pooling": args.pooling,
              "chunk_tokens": args.chunk_tokens, "accuracy_prior": args.accuracy_prior}
    t0 = time.perf_counter()
    backend = backend_options(args)
    rows = evaluate_oracle(budgets, args.seeds, args.metrics, config, workers=args.workers, memory_table=args.memory_table,
                           subset=args.subset, **backend)
    command = args.command_line or "clue-nas " + " ".join(sys.argv[1:])
    head = write_oracle_report(rows, args.out, command, {"config": config, "wall_s": time.perf_counter() - t0})
    print((Path(args.out) / "results.md").read_text())
    for k, v in head.items():
        print(f"{k}: {v:.3f}")
    return 0


def add_evaluate_oracle(sub: argparse._SubParsersAction) -> None:
    from clue_plugins.predictors.seval import FEATURES

    eo = sub.add_parser("evaluate-oracle", help="SEval oracle: held-out rank correlation per metric vs FLOPs-only")
    eo.add_argument("--budgets", nargs="+", default=["10", "50", "100", "1000", "60/20/20"],
                    help="labelled cells per metric, or 60/20/20 for the paper's split")
    eo.add_argument("--seeds", type=positive_int, default=5)
    eo.add_argument("--metrics", nargs="+", help="default: every metric (accuracy.*, latency.*, memory)")
    eo.add_argument("--text-encoder", default="minilm")
    eo.add_argument("--features", default="auto", choices=FEATURES,
                    help="what each head reads (auto: node-type counts for latency/memory, the text embedding for accuracy)")
    eo.add_argument("--head", default="ensemble", choices=["ensemble", "mlp", "ridge"], help="the embedding head")
    eo.add_argument("--pooling", default="mean", choices=["mean", "truncate"])
    eo.add_argument("--accuracy-prior", default="auto", choices=["auto", "string", "none"],
                    help="what accuracy heads blend with (auto: a cell's live parameter count; none: the plain head)")
    eo.add_argument("--chunk-tokens", type=int, default=16, help="model tokens per chunk of the string (mean pooling)")
    eo.add_argument("--memory-table", help="memory table CSV (default: the generated one in the package)")
    eo.add_argument("--subset", type=int, help="evaluate on a fixed random sample of N cells (quick runs)")
    eo.add_argument("--workers", type=positive_int, default=2)
    add_backend_arguments(eo)
    eo.add_argument("--out", default="results/oracle")
    eo.add_argument("--command-line", help=argparse.SUPPRESS)
    eo.set_defaults(func=_cmd_evaluate_oracle)

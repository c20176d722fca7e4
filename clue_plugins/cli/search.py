"""The NB201 search experiment."""

from __future__ import annotations

import argparse

from clue_plugins.cli._args import add_backend_arguments, backend_options, positive_int


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
        summary = run_benchmark(settings, args.out, progress=not args.quiet, **backend_options(args))
    print(markdown(summary))
    print(f"rows, summary.json, search.md, curves.png and fronts.png in {args.out}")
    return 0


def add_search_bench(sub: argparse._SubParsersAction) -> None:
    from clue_plugins.predictors.seval import FEATURES
    from clue_plugins.experiments.search_bench import DATASETS, DEVICES, STRATEGIES

    sb = sub.add_parser("search-bench", help="NB201 search experiment: random, RE, FreeREA, FreeREA+CLUE, CLUE random "
                        "100+30, CLUE evolution 60/90 over seeds and datasets, and hardware-aware searches (resumable)")
    sb.add_argument("--out", default="docs/results/search", help="results folder (rows.jsonl is resumed)")
    sb.add_argument("--seeds", type=positive_int, default=10)
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
    sb.add_argument("--workers", type=positive_int, default=1, help="parallel worker processes (or Ray tasks)")
    add_backend_arguments(sb)
    sb.add_argument("--quiet", action="store_true")
    sb.add_argument("--report-only", action="store_true", help="rebuild the tables and plots from the rows already in "
                    "--out (those with seeds below --seeds / --hw-seeds)")
    sb.set_defaults(func=_cmd_search_bench)

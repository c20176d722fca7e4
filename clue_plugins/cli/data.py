"""Commands about the package's files: benchmark data, the op-metric table, summaries, text-encoder weights."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path



def _cmd_data(args: argparse.Namespace) -> int:
    from clue_plugins.data import fetch as fetch_mod
    from clue_plugins.data.sources import data_dir

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


def add_data(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("data", help="benchmark files: fetch the public ones, verify what is present")
    d.add_argument("action", choices=["fetch", "verify"])
    d.add_argument("files", nargs="*", help="registered relative paths (default: all)")
    d.add_argument("--official", action="store_true", help="include the large official files")
    d.add_argument("--timeout", type=float, default=10.0, help="seconds per connection attempt")
    d.set_defaults(func=_cmd_data)


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


def add_ops_table(sub: argparse._SubParsersAction) -> None:
    o = sub.add_parser("ops-table", help="show (or --recompute) the op soft-metric table")
    o.add_argument("--recompute", action="store_true", help="measure every op now and write the table")
    o.add_argument("--output", help="table file (default: the one inside the package)")
    o.add_argument("--draws", type=int, default=1000, help="noise draws for sensitivity")
    o.add_argument("--seed", type=int, default=0)
    o.set_defaults(func=_cmd_ops_table)


def _cmd_summary(args: argparse.Namespace) -> int:
    """The main job for now: load the benchmarks and show what the representation looks like."""
    import numpy as np

    from clue_plugins import data
    from clue_plugins.spec import flow_matrix, op_metric_matrix, prompts

    for space in args.spaces:
        t0 = time.perf_counter()
        table = data.load(space)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        flows, metrics, texts = flow_matrix(table.specs), op_metric_matrix(table.specs), prompts(table.specs)
        t_enc = time.perf_counter() - t0
        col = data.ACCURACY_COLUMN[space]
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


def add_summary(sub: argparse._SubParsersAction) -> None:
    from clue_plugins.spaces import space_names  # read now: spaces registered before main() count

    s = sub.add_parser("summary", help="load benchmark data and summarize its representations")
    s.add_argument("--spaces", nargs="+", default=["nb201", "nb101", "nb301"], choices=space_names())
    s.add_argument("--embed", action="store_true",
                   help="also embed every prompt with CLUE's text encoder, so later predictions read the disk cache")
    s.set_defaults(func=_cmd_summary)


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


def add_text_encoders(sub: argparse._SubParsersAction) -> None:
    te = sub.add_parser("text-encoders", help="list text encoders, or fetch CLIP weights (needs internet)")
    te.add_argument("action", choices=["list", "fetch"])
    te.add_argument("model", nargs="?", default="RN50", help="open_clip model name for fetch")
    te.add_argument("--output", help="where to save the fetched state dict")
    te.set_defaults(func=_cmd_text_encoders)

"""The ``clue-nas`` command: thin argument parsing over the package's modules."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Sequence

from clue_plugins.errors import ClueError


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
    return 0


def build_parser() -> argparse.ArgumentParser:
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
    e.add_argument("--space", choices=["nb101", "nb201", "nb301"], help="settles ambiguous integer forms")
    e.add_argument("--vectors", action="store_true", help="include flow and op-metric vectors")
    e.add_argument("-o", "--output", help="write JSON here (atomically) instead of stdout")
    e.set_defaults(func=_cmd_encode)

    s = sub.add_parser("summary", help="load benchmark data and summarise its representations")
    s.add_argument("--spaces", nargs="+", default=["nb201", "nb101", "nb301"], choices=["nb101", "nb201", "nb301"])
    s.set_defaults(func=_cmd_summary)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ClueError, KeyError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"clue-nas: error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

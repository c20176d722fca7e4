"""Commands that turn genotypes into the shared representation, SEval strings and memory measurements."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from clue_plugins.cli._args import add_backend_arguments, backend_options, positive_int
from clue_plugins.errors import ConfigError


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


def add_encode(sub: argparse._SubParsersAction) -> None:
    from clue_plugins.spaces import space_names  # read now: spaces registered before main() count

    e = sub.add_parser("encode", help="genotype(s) -> shared representation as JSON")
    e.add_argument("genotype", nargs="+", help="NB201 arch string, DARTS Genotype string, NASLib tuple/compact, ...")
    e.add_argument("--space", choices=space_names(), help="settles ambiguous integer forms")
    e.add_argument("--vectors", action="store_true", help="include flow and op-metric vectors")
    e.add_argument("-o", "--output", help="write JSON here (atomically) instead of stdout")
    e.set_defaults(func=_cmd_encode)


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


def add_network_string(sub: argparse._SubParsersAction) -> None:
    from clue_plugins.spaces import space_names  # read now: spaces registered before main() count

    ns = sub.add_parser("network-string", help="the SEval string of a genotype's benchmark network")
    ns.add_argument("genotype", help="NB201 arch string, DARTS Genotype string, NB101 key, ...")
    ns.add_argument("--space", choices=space_names())
    ns.add_argument("--num-classes", type=positive_int, default=10)
    ns.add_argument("--stats", action="store_true", help="also print parameters, FLOPs and node count (stderr)")
    ns.set_defaults(func=_cmd_network_string)


def _cmd_measure(args: argparse.Namespace) -> int:
    from clue_plugins.networks.memory_table import load_memory_table, measure_memory_table

    run = measure_memory_table(args.space, method=args.method, workers=args.workers, limit=args.limit, out=args.out,
                               **backend_options(args))
    col = load_memory_table(args.space, run.path)[f"{args.method}_mb"]
    print(f"{run.summary()}; {args.method} peak training memory {col.min():.1f}-{col.max():.1f} MiB "
          f"(median {col.median():.1f})")
    return 0


def add_measure(sub: argparse._SubParsersAction) -> None:
    from clue_plugins.spaces import space_names  # read now: spaces registered before main() count

    ms = sub.add_parser("measure", help="measure the training memory of every cell of a space (resumable)")
    ms.add_argument("what", choices=["memory"])
    ms.add_argument("--space", default="nb201", choices=space_names())
    ms.add_argument("--method", default="meta", choices=["meta", "profiler", "cuda"],
                    help="meta: torch accounting without arithmetic (any machine); cuda: max_memory_allocated on a GPU")
    ms.add_argument("--workers", type=positive_int, default=2,
                    help="parallel processes (cuda: one, or one GPU per Ray task with --backend ray)")
    add_backend_arguments(ms)
    ms.add_argument("--limit", type=positive_int, help="only the first N cells")
    ms.add_argument("--out", help="table file (default: the generated table inside the package)")
    ms.set_defaults(func=_cmd_measure)


def _cmd_precompute(args: argparse.Namespace) -> int:
    from clue_plugins import data

    backend = backend_options(args)
    table = data.load(args.space)
    specs = table.specs[: args.limit] if args.limit else table.specs
    t0 = time.perf_counter()
    if args.what == "strings":
        from clue_plugins.networks.strings import spec_strings

        spec_strings(specs, args.num_classes, progress=True, workers=args.workers, **backend)
        print(f"SEval strings of {len(specs)} {args.space} cells cached in {time.perf_counter() - t0:.1f}s")
    else:
        from clue_plugins.search.proxies import ProxyScorer
        from clue_plugins.search.proxy_precompute import precompute_proxies

        scorer = ProxyScorer(batch_size=args.proxy_batch, image_size=args.image_size, num_classes=args.num_classes,
                             device=args.device)
        n = precompute_proxies(scorer, specs, args.workers, backend=backend["backend"], ray_address=backend["ray_address"])
        print(f"FreeREA proxies: {n} of {len(specs)} {args.space} cells scored in {time.perf_counter() - t0:.1f}s "
              f"(the rest were cached)")
    return 0


def add_precompute(sub: argparse._SubParsersAction) -> None:
    from clue_plugins.spaces import space_names

    pc = sub.add_parser("precompute", help="fill the caches of SEval strings or FreeREA proxy scores of a space's cells")
    pc.add_argument("what", choices=["strings", "proxies"])
    pc.add_argument("--space", default="nb201", choices=space_names())
    pc.add_argument("--num-classes", type=positive_int, default=10)
    pc.add_argument("--proxy-batch", type=positive_int, default=32, help="proxies: images in the NASWOT batch")
    pc.add_argument("--image-size", type=positive_int, default=32, help="proxies: image side in pixels")
    pc.add_argument("--device", default="cpu", help="proxies: where the networks run (cpu, cuda; with --backend ray "
                    "a cuda device makes every task ask Ray for one GPU)")
    pc.add_argument("--limit", type=positive_int, help="only the first N cells")
    pc.add_argument("--workers", type=positive_int, default=2)
    add_backend_arguments(pc)
    pc.set_defaults(func=_cmd_precompute)

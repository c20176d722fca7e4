"""Argument types shared by the subcommands."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1 (counts, sizes, budgets)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    """``--backend process|ray`` and ``--ray-address``: where a command's ``--workers`` run (docs/scaling.md)."""
    from clue_plugins._parallel import BACKENDS

    parser.add_argument("--backend", choices=BACKENDS, default="process",
                        help="process: worker processes on this machine; ray: tasks on a Ray cluster "
                             "(pip install 'clue-plugins[ray]'), --workers of them at a time")
    parser.add_argument("--ray-address", metavar="ADDR",
                        help="Ray head HOST:PORT, 'auto' or ray://HOST:PORT (default: $RAY_ADDRESS, else a local Ray "
                             "started for the run)")


def backend_options(args: argparse.Namespace) -> dict:
    """The ``backend`` / ``ray_address`` keywords of the parallel functions, from parsed arguments; checks
    early that Ray is installed, so ``--backend ray`` without it fails before any work."""
    if args.backend == "ray":
        import os

        from clue_plugins._parallel import check_reachable, import_ray

        import_ray()
        address = args.ray_address or os.environ.get("RAY_ADDRESS")
        if address and address not in ("local", "auto"):
            check_reachable(address.removeprefix("ray://"))
    return {"backend": args.backend, "ray_address": args.ray_address}

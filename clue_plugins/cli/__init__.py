"""The ``clue-nas`` command: thin argument parsing over the package's modules, one ``add_<command>`` per subcommand.

Each subcommand lives next to its parser in the module of its group: :mod:`.data` (data, ops-table, summary,
text-encoders), :mod:`.representation` (encode, network-string, measure), :mod:`.evaluation` (evaluate, demo,
evaluate-oracle), :mod:`.frameworks` (naslib-run, nni-search) and :mod:`.search` (search-bench).
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from clue_plugins.cli import data, evaluation, frameworks, representation, search
from clue_plugins.errors import ClueError

#: The subcommands in the order ``clue-nas --help`` lists them.
COMMANDS = (
    data.add_data,
    data.add_ops_table,
    representation.add_encode,
    data.add_summary,
    evaluation.add_evaluate,
    evaluation.add_demo,
    representation.add_measure,
    representation.add_network_string,
    representation.add_precompute,
    evaluation.add_evaluate_oracle,
    frameworks.add_naslib_run,
    frameworks.add_nni_search,
    search.add_search_bench,
    data.add_text_encoders,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``clue-nas`` parser; built at call time, so choices read registries as they are now."""
    p = argparse.ArgumentParser(prog="clue-nas", description="CLUE-NAS and SEval-NAS predictors for NAS frameworks")
    sub = p.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return p


#: What an interrupted command has kept, and how to go on (printed on Ctrl-C instead of a traceback).
RESUME_HINTS = {
    "evaluate": "finished tasks are kept in OUT/rows.jsonl; run the same command again to resume",
    "search-bench": "finished searches are kept in OUT/rows.jsonl; run the same command again to resume",
    "measure": "measured cells are kept in the progress file; run the same command again to resume",
    "summary": "text embeddings computed so far are cached; run the same command again to continue",
    "precompute": "strings or proxy scores computed so far are cached; run the same command again to continue",
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


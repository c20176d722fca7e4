"""Commands that run NASLib and NNI with our predictors plugged in."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from clue_plugins.cli._args import positive_int
from clue_plugins.errors import ClueError, ConfigError


def _cmd_naslib_run(args: argparse.Namespace) -> int:
    from clue_plugins.naslib import run_config  # raises MissingDependencyError with install steps
    from clue_plugins.naslib.runner import dumps

    print(dumps(run_config(args.config, args.out_dir)))
    return 0


def add_naslib_run(sub: argparse._SubParsersAction) -> None:
    nl = sub.add_parser("naslib-run", help="run NASLib's predictor evaluator or a discrete optimizer from a YAML config "
                        "(predictor: clue|seval, predictor_type: clue|seval, dataset_api: benchmark|naslib|predicted)")
    nl.add_argument("--config", required=True, help="NASLib YAML (see docs/naslib.md)")
    nl.add_argument("--out-dir", help="override the config's out_dir")
    nl.set_defaults(func=_cmd_naslib_run)


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
            raise ConfigError("latency/memory heads can be trained from the shared tables for NasBench201 only; pass --oracle DIR")
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


def add_nni_search(sub: argparse._SubParsersAction) -> None:
    from clue_plugins.spaces import nni_space_names  # read now: spaces registered before main() count

    nn_ = sub.add_parser("nni-search", help="NNI NasExperiment (RegularizedEvolution / Random / TPE) scored by CLUE "
                         "and SEval predictions: accuracy, or accuracy under latency/memory budgets, or a trade-off")
    nn_.add_argument("--space", default="NasBench201", choices=nni_space_names())
    nn_.add_argument("--strategy", default="re", choices=["re", "random", "tpe"])
    nn_.add_argument("--trials", type=positive_int, default=100)
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
    nn_.add_argument("--train-size", type=positive_int, default=100)
    nn_.add_argument("--oracle", help="a saved SEval oracle with latency.<device>/memory heads (default: train one)")
    nn_.add_argument("--oracle-train-size", type=positive_int, default=100)
    nn_.add_argument("--top-k", type=int, default=5)
    nn_.add_argument("--no-compare", action="store_true", help="skip the true-benchmark comparison (NB201)")
    nn_.add_argument("--out", help="folder for trials.json (every trial's metrics) and summary.json")
    nn_.add_argument("--verbose", action="store_true", help="show NNI's per-trial log")
    nn_.set_defaults(func=_cmd_nni_search)

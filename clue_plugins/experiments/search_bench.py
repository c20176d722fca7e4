"""``clue-nas search-bench``: what each search strategy finds on NB201, over seeds, datasets and devices.

An experiment harness (not library API): it runs :mod:`clue_plugins.search` and writes its rows here, the
tables and plots with :mod:`clue_plugins.experiments.search_report`.

Accuracy searches (per dataset, per seed; "queries" are true accuracies read from the tables, i.e.
trained networks, and every one is counted):

- ``random``: random search; ``re``: aging evolution (population 20, tournament 5, one mutation per
  step) on true accuracy. Both run to the largest query budget; the best found after each budget in
  the report's ``QUERY_BUDGETS`` is read from the same run (the prefix of a longer run is the shorter run).
- ``freerea``: FreeREA as published (population 100, tournament 25, 2 mutations + 1 crossover) on the
  training-free score; no true queries; the answer is the history's best by that score.
- ``freerea+clue``: the same algorithm, CLUE trained on ``clue_train`` random queried cells (they seed
  the population), fitness = proxies + CLUE's predicted accuracy, each max-normalised.
- ``clue-random``: CLUE-NAS table 7 (a), ``clue_train`` queries + the predictor's top 30.
- ``clue-evo``: table 7 (b), predictor-guided evolution with 90 queries; its state after 60 queries is
  the 60-query search (the rounds query 10 cells each), so 60 and 90 come from one run.

Hardware-aware searches (CIFAR-10, per device and latency budget = a quantile of the device's true
latencies): ``re`` on true accuracy and latency, ``clue-evo`` with SEval latency heads screening inside
the search, and ``freerea`` with the SEval latency head as a budget. Reported: the answer's true accuracy
and whether its true latency meets the budget, and the hypervolume of the true accuracy-latency front of
the cells the search evaluated (queried cells; FreeREA: its final population), inside the box
latency <= budget and accuracy >= the space's median, relative to the true front's.
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from clue_plugins._io import append_jsonl, read_jsonl
from clue_plugins.errors import ConfigError, UnknownNameError, shown
from clue_plugins.experiments.search_report import write_report
from clue_plugins.search.fronts import hypervolume

DATASETS: dict[str, dict[str, Any]] = {
    "cifar10": {"num_classes": 10, "image_size": 32},
    "cifar100": {"num_classes": 100, "image_size": 32},
    "ImageNet16-120": {"num_classes": 120, "image_size": 16},
}
STRATEGIES: tuple[str, ...] = ("random", "re", "freerea", "freerea+clue", "clue-random", "clue-evo")
HW_STRATEGIES: tuple[str, ...] = ("re", "clue-evo", "freerea")
DEVICES: tuple[str, ...] = ("eyeriss", "fpga", "pixel3", "raspi4")


@dataclass
class BenchSettings:
    """Everything a search-bench run depends on (saved next to the results)."""

    seeds: int = 10
    datasets: tuple[str, ...] = tuple(DATASETS)
    strategies: tuple[str, ...] = STRATEGIES
    max_queries: int = 200
    clue_train: int = 100
    freerea_networks: int = 200      # networks the training-free score evaluates per FreeREA run
    proxy_batch: int = 32            # images in the NASWOT batch (scikit-learn photo crops: no CIFAR here)
    hw_devices: tuple[str, ...] = DEVICES
    hw_quantiles: tuple[float, ...] = (0.25, 0.5)
    hw_seeds: int = 10
    hw_queries: int = 90
    hw_strategies: tuple[str, ...] = HW_STRATEGIES
    # what the SEval latency heads read; the committed results were measured with "embedding" (the library's
    # default is "auto", which reads node-type counts for latency)
    hw_oracle_features: str = "embedding"
    workers: int = 1

    def validate(self) -> "BenchSettings":
        for name, allowed, given in (("dataset", DATASETS, self.datasets), ("strategy", STRATEGIES, self.strategies),
                                     ("device", DEVICES, self.hw_devices), ("hardware strategy", HW_STRATEGIES, self.hw_strategies)):
            bad = [g for g in given if g not in allowed]
            if bad:
                raise UnknownNameError(f"unknown {name} {shown(bad)}; choose from {', '.join(allowed)}")
        from clue_plugins.predictors.seval import FEATURES

        if self.hw_oracle_features not in FEATURES:
            raise UnknownNameError(f"unknown oracle features {shown(self.hw_oracle_features)}; "
                                   f"choose from {', '.join(FEATURES)}")
        if self.seeds < 1 or self.hw_seeds < 0:
            raise ConfigError(f"seeds must be >= 1 and hw_seeds >= 0, got {shown(self.seeds)} and "
                              f"{shown(self.hw_seeds)}")
        if self.max_queries < 2 or self.clue_train < 2 or self.freerea_networks < 2:
            raise ConfigError("max_queries, clue_train and freerea_networks must be >= 2, got "
                              f"{shown(self.max_queries)}, {shown(self.clue_train)} and {shown(self.freerea_networks)}")
        return self


# -- one search ----------------------------------------------------------------------------------------
_SHARED: dict[str, Any] = {}  # the NB201 table, installed on a distributed worker from Ray's object store


def _install(table: Any) -> None:
    _SHARED["nb201"] = table


def _nb201():
    if "nb201" in _SHARED:
        return _SHARED["nb201"]
    from clue_plugins.data import load

    return load("nb201")


def _proxy_scorer(dataset: str, settings: dict) -> Any:
    from clue_plugins.search.proxies import ProxyScorer

    d = DATASETS[dataset]
    return ProxyScorer(batch_size=settings["proxy_batch"], image_size=d["image_size"], num_classes=d["num_classes"])


def _clue(seed: int) -> Any:
    from clue_plugins.predictors.clue import CLUEPredictor

    return CLUEPredictor(seed=seed)


def _curve(accuracies: Sequence[float]) -> list[float]:
    return [float(v) for v in np.maximum.accumulate(np.asarray(accuracies, dtype=float))]


def run_task(task: dict) -> dict:
    """One (strategy, dataset, seed) accuracy search -> a result row."""
    from clue_plugins.search.evolution import Budget, CountingScorer, Evolution
    from clue_plugins.search.fitness import FREEREA_WEIGHTS, RelativeFitness
    from clue_plugins.search.guided import predictor_evolution, predictor_random
    from clue_plugins.search.scorers import MergedScorer, PredictorScorer, TableScorer
    from clue_plugins.search.spaces import SpaceOps
    from clue_plugins.surrogate import Surrogate

    strategy, dataset, seed, s = task["strategy"], task["dataset"], task["seed"], task["settings"]
    query = TableScorer(dataset, table=_nb201())
    row: dict[str, Any] = {"strategy": strategy, "dataset": dataset, "seed": seed}
    t0 = time.perf_counter()
    if strategy in ("random", "re"):
        if strategy == "random":
            counted = CountingScorer(query, Budget(queries=s["max_queries"]))
            counted(SpaceOps("nb201").sample_distinct(s["max_queries"], np.random.default_rng(seed)))
            accs = [counted.memo[k]["accuracy"] for k in counted.order]
        else:
            run = Evolution(20, 5, mutations=1, crossover=False).run("nb201", query, Budget(queries=s["max_queries"]), seed=seed)
            accs = [r.metrics["accuracy"] for r in run.history]
        row.update(curve=_curve(accs), true_queries=len(accs), networks=0)
    elif strategy in ("freerea", "freerea+clue"):
        proxies = _proxy_scorer(dataset, s)
        init: list = []
        weights = dict(FREEREA_WEIGHTS)
        scorer: Any = proxies
        true_queries = 0
        if strategy == "freerea+clue":
            rng = np.random.default_rng(seed)
            init = SpaceOps("nb201").sample_distinct(s["clue_train"], rng)
            model = _clue(seed).fit(init, [m["accuracy"] for m in query(init)])
            scorer = MergedScorer(proxies, PredictorScorer(Surrogate(model)))
            weights["accuracy"] = 1.0
            true_queries = len(init)
        run = Evolution().run("nb201", scorer, Budget(queries=s["freerea_networks"]), seed=seed,
                              fitness=RelativeFitness(weights), init=init)
        row.update(true_queries=true_queries, networks=run.queries, steps=run.steps,
                   proxy_s=float(sum(r.metrics["proxy_s"] for r in run.history)))
        row["answer_key"] = run.answer.spec.key
        row["best"] = query([run.answer.spec])[0]["accuracy"]
    elif strategy == "clue-random":
        run = predictor_random("nb201", query, _clue, n_train=s["clue_train"], top=30, seed=seed)
        row.update(curve=_curve([r.metrics["accuracy"] for r in run.history]), true_queries=run.queries, networks=0)
    elif strategy == "clue-evo":
        run = predictor_evolution("nb201", query, _clue, queries=90, seed=seed)
        row.update(curve=_curve([r.metrics["accuracy"] for r in run.history]), true_queries=run.queries, networks=0)
    else:
        raise UnknownNameError(f"unknown strategy {shown(strategy)}; choose from {', '.join(STRATEGIES)}")
    row["wall_s"] = time.perf_counter() - t0
    if "best" not in row:
        row["best"] = row["curve"][-1]
    return row


def latency_budget(device: str, quantile: float) -> float:
    """The ``quantile`` of the device's true NB201 latencies (ms)."""
    return float(np.nanquantile(_nb201().column(f"latency_ms.{device}").astype(float), quantile))


def run_hw_task(task: dict) -> dict:
    """One (strategy, device, quantile, seed) hardware-aware search on CIFAR-10 -> a result row."""
    from clue_plugins.objectives import Objective
    from clue_plugins.search.evolution import Budget, Evolution
    from clue_plugins.search.fitness import ObjectiveFitness, RelativeFitness
    from clue_plugins.search.guided import predictor_evolution
    from clue_plugins.search.scorers import MergedScorer, PredictorScorer, TableScorer
    from clue_plugins.surrogate import Surrogate, fit_hardware_oracle

    strategy, device, q, seed, s = task["strategy"], task["device"], task["quantile"], task["seed"], task["settings"]
    table = _nb201()
    budget = latency_budget(device, q)
    objective = Objective("budget", latency_budget=budget)
    query = TableScorer("cifar10", device=device, table=table)
    metric = f"latency.{device}"
    oracle_options = {"features": s["hw_oracle_features"]}
    t0 = time.perf_counter()
    if strategy == "re":
        run = Evolution(20, 5, mutations=1, crossover=False).run("nb201", query, Budget(queries=s["hw_queries"]), seed=seed,
                                                                  fitness=ObjectiveFitness(objective))
        evaluated, true_queries = [r.spec for r in run.history], run.queries
    elif strategy == "clue-evo":
        oracle = fit_hardware_oracle([metric], s["clue_train"], seed=seed, options=oracle_options)
        run = predictor_evolution("nb201", query, _clue, queries=s["hw_queries"], seed=seed, objective=objective,
                                  oracle=oracle, latency_metric=metric)
        evaluated, true_queries = [r.spec for r in run.history], run.queries
    elif strategy == "freerea":
        oracle = fit_hardware_oracle([metric], s["clue_train"], seed=seed, options=oracle_options)
        scorer = MergedScorer(_proxy_scorer("cifar10", s), PredictorScorer(Surrogate(None, oracle, metric)))
        run = Evolution().run("nb201", scorer, Budget(queries=s["freerea_networks"]), seed=seed,
                              fitness=RelativeFitness(objective=objective))
        evaluated, true_queries = [table.specs[table.row_of(k)] for k in run.extra["population"]], 0
    else:
        raise UnknownNameError(f"unknown hardware strategy {shown(strategy)}; choose from {', '.join(HW_STRATEGIES)}")
    truth = query([run.answer.spec])[0]
    found = query(evaluated)
    return {"strategy": strategy, "device": device, "quantile": q, "seed": seed, "budget_ms": budget,
            "best": truth["accuracy"], "latency": truth["latency"], "feasible": bool(truth["latency"] <= budget),
            "true_queries": true_queries, "hv_ratio": hv_ratio(found, device, budget),
            "found": [[m["accuracy"], m["latency"]] for m in found], "wall_s": time.perf_counter() - t0}


# -- fronts ------------------------------------------------------------------------------------------------
def hv_ratio(found: Sequence[dict], device: str, budget: float) -> float:
    """Hypervolume of the (true accuracy, true latency) points found over that of the whole space's true front
    (reference: median CIFAR-10 accuracy, the latency budget)."""
    ref, true_hv = _true_hypervolume(device, budget)
    return hypervolume(np.array([[m["accuracy"], m["latency"]] for m in found]), ref, budget) / true_hv


@functools.lru_cache(maxsize=None)
def _true_hypervolume(device: str, budget: float) -> tuple[float, float]:
    table = _nb201()
    acc = table.column("cifar10.test_acc").astype(float)
    lat = table.column(f"latency_ms.{device}").astype(float)
    ref = float(np.nanmedian(acc))
    return ref, hypervolume(np.c_[acc, lat], ref, budget)


# -- the whole experiment ----------------------------------------------------------------------------------
def _tasks(settings: BenchSettings) -> tuple[list[dict], list[dict]]:
    s = asdict(settings)
    main = [{"strategy": st, "dataset": d, "seed": seed, "settings": s}
            for d in settings.datasets for seed in range(settings.seeds) for st in settings.strategies]
    hw = [{"strategy": st, "device": dev, "quantile": q, "seed": seed, "settings": s}
          for dev in settings.hw_devices for q in settings.hw_quantiles for seed in range(settings.hw_seeds)
          for st in settings.hw_strategies]
    return main, hw


_WHAT = "search-bench results file"
_REQUIRED = ("task", "strategy", "seed")


def read_rows(path: str | Path) -> list[dict]:
    """The result rows of ``rows.jsonl``: a cut last row (a run killed while writing it) is dropped with a
    warning and run again on resume; a damaged row elsewhere is a :class:`DataIntegrityError` naming the line."""
    return read_jsonl(path, _WHAT, _REQUIRED)


def _task_id(task: dict) -> str:
    return json.dumps({k: v for k, v in task.items() if k != "settings"}, sort_keys=True)


def run_benchmark(settings: BenchSettings, out_dir: str | Path, progress: bool = True, backend: str = "process",
                  ray_address: str | None = None) -> dict:
    """Run (or resume) every search; rows go to ``out_dir/rows.jsonl`` as they finish, then the summary,
    markdown table and plots are written. Returns the summary. ``backend="ray"`` runs the searches as Ray
    tasks (``settings.workers`` at a time), with the NB201 table and CLUE's embeddings sent once through the
    object store; the rows are the same."""
    from tqdm.auto import tqdm

    from clue_plugins._parallel import imap

    settings.validate()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows_path = out / "rows.jsonl"
    done: dict[str, dict] = {row["task"]: row for row in read_rows(rows_path)}
    main, hw = _tasks(settings)
    todo = [(run_task, t) for t in main if _task_id(t) not in done] + [(run_hw_task, t) for t in hw if _task_id(t) not in done]
    with append_jsonl(rows_path, _WHAT, _REQUIRED) as fh, tqdm(total=len(todo), disable=not progress, desc="searches") as bar:
        shared: list = []
        if backend == "ray" and todo:
            from clue_plugins.evaluation.protocols import embedding_payload, install_embeddings

            shared = [(_install, _nb201()), (install_embeddings, embedding_payload(_clue(0), _nb201().specs))]
        results = imap(_run, todo, workers=settings.workers, backend=backend, ray_address=ray_address, shared=shared)
        for task, row in zip((t for _, t in todo), results):
            row["task"], row["settings"] = _task_id(task), task["settings"]
            fh.write(json.dumps(row) + "\n")
            fh.flush()  # a killed run resumes from here
            done[row["task"]] = row
            bar.update()
    wanted = {_task_id(t) for t in main + hw}
    rows = [r for k, r in done.items() if k in wanted]
    return write_report(rows, asdict(settings), out)


def report_existing(out_dir: str | Path, seeds: int | None = None, hw_seeds: int | None = None) -> dict:
    """Tables and plots from the rows already in ``out_dir/rows.jsonl``; ``seeds`` / ``hw_seeds`` keep only
    seeds below them, so every line compares the same seeds (the number of seeds is in each cell)."""
    path = Path(out_dir) / "rows.jsonl"
    if not path.exists():
        raise ConfigError(f"no search-bench rows in {path}; run clue-nas search-bench --out {out_dir} first")
    rows = read_rows(path)
    rows = [r for r in rows if (seeds if "dataset" in r else hw_seeds) is None
            or r["seed"] < (seeds if "dataset" in r else hw_seeds)]
    if not rows:
        raise ConfigError(f"no rows in {path} with seeds below {seeds} / hardware seeds below {hw_seeds}")
    return write_report(rows, _settings_seen(rows), Path(out_dir))


def _settings_seen(rows: Sequence[dict]) -> dict:
    """What the kept rows cover (seed counts, datasets, strategies, devices), plus the run settings the rows
    recorded, so a report never claims settings it did not use."""
    main, hw = [r for r in rows if "dataset" in r], [r for r in rows if "device" in r]
    recorded = next((r["settings"] for r in rows if "settings" in r), {})
    return {**recorded,
            "seeds": len({r["seed"] for r in main}), "datasets": sorted({r["dataset"] for r in main}),
            "strategies": [s for s in STRATEGIES if any(r["strategy"] == s for r in main)],
            "hw_seeds": len({r["seed"] for r in hw}), "hw_devices": sorted({r["device"] for r in hw}),
            "hw_quantiles": sorted({r["quantile"] for r in hw}),
            "hw_strategies": [s for s in HW_STRATEGIES if any(r["strategy"] == s for r in hw)]}


def _run(item: tuple) -> dict:
    fn, task = item
    return fn(task)

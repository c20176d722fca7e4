"""The paper's protocols as lists of independent tasks, and the function that runs one task.

- ``independent`` (table 1): train on ``budget`` cells of a target, test on the rest of it.
- ``joint`` (table 2): one model trained on ``budget`` cells of each of NB101, NB201 (CIFAR-10), NB301;
  tested on the rest of each.
- ``cross`` (table 3): train on ``budget`` cells of one space, test on all cells of another.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from clue_plugins.evaluation.metrics import rank_correlations
from clue_plugins.evaluation.registry import make_predictor
from clue_plugins.evaluation.splits import split
from clue_plugins.evaluation.targets import load_target
from clue_plugins.errors import UnknownNameError

PROTOCOLS = ("independent", "joint", "cross")
JOINT_TARGETS = ("nb101", "nb201-cifar10", "nb301")


@dataclass(frozen=True)
class Task:
    protocol: str
    predictor: str
    train_targets: tuple[str, ...]
    test_targets: tuple[str, ...]
    budget: int
    seed: int
    #: DARTS cells (``first``/``all``) forced on every predictor; None: each predictor's own default
    cells: str | None = None
    keep_predictions: bool = False
    #: local open_clip weights for CLUE variants with a CLIP text encoder (not part of a result row)
    clip_weights: str | None = None


def make_tasks(protocol: str, predictors: list[str], targets: list[str], budgets: list[int], seeds: int,
               cells: str | None = None, cross_pairs: list[tuple[str, str]] | None = None,
               clip_weights: str | None = None) -> list[Task]:
    if protocol not in PROTOCOLS:
        raise UnknownNameError(f"unknown protocol {protocol!r}; choose from {', '.join(PROTOCOLS)}")
    tasks = []
    for p in predictors:
        for b in budgets:
            for s in range(seeds):
                keep = s == 0 and b == max(budgets)  # one scatter sample per curve
                if protocol == "independent":
                    tasks += [Task(protocol, p, (t,), (t,), b, s, cells, keep, clip_weights) for t in targets]
                elif protocol == "joint":
                    tasks.append(Task(protocol, p, JOINT_TARGETS, JOINT_TARGETS, b, s, cells, keep, clip_weights))
                else:
                    pairs = cross_pairs or [(a, c) for a in JOINT_TARGETS for c in JOINT_TARGETS if a != c]
                    tasks += [Task(protocol, p, (a,), (c,), b, s, cells, keep, clip_weights) for a, c in pairs]
    return tasks


def run_task(task: Task) -> list[dict]:
    """Train once, score on every test target; one result row per test target."""
    from clue_plugins.predictors.clue import CLUEPredictor

    specs, ys, held_out = [], [], {}
    for t in task.train_targets:
        target = load_target(t)
        train, test = split(target.groups, task.budget, seed=1000 * task.seed + task.budget)
        specs += [target.specs[i] for i in train]
        ys.append(target.y[train])
        held_out[t] = test
    y = np.concatenate(ys)
    if task.protocol == "joint":  # mixing spaces: put every label in percent before mixing
        y = np.where(y <= 1.0, y * 100.0, y)
    lookup = load_target(task.test_targets[0])
    model = make_predictor(task.predictor, task.seed, lookup, task.cells, task.clip_weights)
    t0 = time.perf_counter()
    # CLUE refuses several spaces in one fit and predictions on a space it was not trained on unless told
    mixed = isinstance(model, CLUEPredictor)
    model.fit(specs, y, **({"joint": task.protocol == "joint"} if mixed else {}))
    fit_s = time.perf_counter() - t0
    line = None
    if task.predictor in ("params", "flops"):  # their accuracy: a least-squares line on the log value
        line = _log_line(model.predict(specs), y)
    rows = []
    for t in task.test_targets:
        target = load_target(t)
        idx = held_out.get(t, np.arange(len(target.specs)))  # cross: the whole other space is unseen
        if task.predictor in ("params", "flops"):
            model = make_predictor(task.predictor, task.seed, target, task.cells)
        t0 = time.perf_counter()
        pred = model.predict([target.specs[i] for i in idx], **({"cross_space": task.protocol == "cross"} if mixed else {}))
        row = {**{k: v for k, v in asdict(task).items() if k not in ("keep_predictions", "clip_weights")}, "test_target": t,
               "n_train": len(specs), "n_test": len(idx), "fit_s": fit_s, "predict_s": time.perf_counter() - t0,
               **rank_correlations(pred, target.y[idx]),
               "mae": mae_points(_accuracies(pred, line, task.predictor), target.y[idx])}
        row["train_targets"], row["test_targets"] = list(task.train_targets), list(task.test_targets)
        if task.keep_predictions:
            keep = np.random.default_rng(0).permutation(len(idx))[:1000]
            row["sample_pred"] = pred[keep].round(4).tolist()
            row["sample_true"] = target.y[idx][keep].round(4).tolist()
        rows.append(row)
    return rows


def _log_line(values: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """Least-squares line of ``y`` on ``log(values)`` (None when fewer than two rows have a value)."""
    ok = np.isfinite(values) & (values > 0)
    if ok.sum() < 2 or np.ptp(values[ok]) == 0:
        return None
    return np.polyfit(np.log(values[ok]), y[ok], 1)


def _accuracies(pred: np.ndarray, line: np.ndarray | None, predictor: str) -> np.ndarray:
    """A predictor's answers as accuracies: the lookup baselines through their fitted line, the rest as given."""
    if predictor not in ("params", "flops"):
        return pred
    if line is None:
        return np.full(len(pred), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.polyval(line, np.log(pred))


def mae_points(pred: np.ndarray, true: np.ndarray) -> float:
    """Mean absolute error in accuracy points (labels in percent, or fractions times 100); NaN rows skipped."""
    pred, true = np.asarray(pred, float), np.asarray(true, float)
    ok = np.isfinite(pred) & np.isfinite(true)
    if not ok.any():
        return float("nan")
    return float(np.abs(pred[ok] - true[ok]).mean() * (1.0 if true[ok].max() > 1.0 else 100.0))


def _plain(value: object) -> object:
    """numpy scalars and arrays in result rows as plain JSON numbers and lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def task_key(task: Task) -> str:
    """A task's identity in a results file: every field that changes its numbers (CLIP weights and forced cells
    only when given)."""
    fields = {k: v for k, v in asdict(task).items() if k != "keep_predictions"}
    for name in ("clip_weights", "cells"):
        if fields[name] is None:
            del fields[name]
    return json.dumps(fields, sort_keys=True)


def install_embeddings(payload: tuple[str, list[str], np.ndarray]) -> None:
    """Put shipped text embeddings into this worker's own embedding cache (only those it lacks)."""
    from clue_plugins.text.cache import EmbeddingCache

    identity, texts, vectors = payload
    store = EmbeddingCache(identity)
    _, missing = store.get_many(texts)
    if missing:
        store.put_many([texts[i] for i in missing], vectors[missing])


def embedding_payload(model, specs) -> tuple[str, list[str], np.ndarray]:
    """What :func:`install_embeddings` needs for a CLUE ``model``'s text embeddings of ``specs``."""
    from clue_plugins.predictors.clue import _encoded_specs
    from clue_plugins.predictors.features import cell_selection
    from clue_plugins.spec import prompts
    from clue_plugins.text import resolve_encoder

    cfg = model.active_config()
    encoder = resolve_encoder(cfg.text_encoder)
    texts = list(dict.fromkeys(prompts(_encoded_specs(cfg, specs), cell_selection(cfg.cells))))
    return encoder.identity, texts, encoder.encode(texts)


def shared_inputs(tasks: list[Task]) -> list:
    """The large inputs of ``tasks`` for distributed workers: every target they read, and the text embeddings
    of their CLUE variants (computed here, or read from the cache a warm-up filled), so that a worker on
    another host needs neither the data folder nor this host's cache, and reads bit-identical embeddings."""
    from clue_plugins.evaluation.registry import CLUE_VARIANTS
    from clue_plugins.evaluation.targets import install_targets

    names = sorted({t for task in tasks for t in task.train_targets + task.test_targets})
    targets = {name: load_target(name) for name in names}
    shared: list = [(install_targets, targets)]
    specs = [spec for name in names for spec in targets[name].specs]
    seen: set[tuple] = set()
    for task in tasks:
        if task.predictor not in CLUE_VARIANTS:
            continue
        model = make_predictor(task.predictor, 0, cells=task.cells, clip_weights=task.clip_weights)
        cfg = model.active_config()
        what = (str(cfg.text_encoder), cfg.prune_dead, cfg.cells)  # all the embeddings depend on: one payload each
        if what not in seen:
            seen.add(what)
            shared.append((install_embeddings, embedding_payload(model, specs)))
    return shared


def run_tasks(tasks: list[Task], workers: int = 1, progress: bool = True,
              rows_path: str | Path | None = None, backend: str = "process", ray_address: str | None = None) -> list[dict]:
    """Run tasks, in ``workers`` processes when > 1 (spawned, each single-threaded), or ``workers`` at a time
    as Ray tasks with ``backend="ray"`` (the same rows either way).

    With ``rows_path``, each finished task's rows are appended there at once and tasks already in the file are not
    run again, so an interrupted run resumes where it stopped.
    """
    if rows_path is None:
        shared = shared_inputs(tasks) if backend == "ray" and tasks else ()
        return run_parallel(run_task, tasks, workers, progress, "tasks", backend, ray_address, shared)
    from tqdm import tqdm

    from clue_plugins._io import append_jsonl, read_jsonl
    from clue_plugins._parallel import imap

    keys = [task_key(t) for t in tasks]
    wanted = {k: len(t.test_targets) for k, t in zip(keys, tasks)}
    found: dict[str, list[dict]] = {}
    for row in read_jsonl(rows_path, "evaluation results file", ("task_key", "spearman")):
        found.setdefault(row.get("task_key", ""), []).append(row)
    done = {k: rs for k, rs in found.items() if k in wanted and len(rs) == wanted[k]}  # partial tasks run again
    todo = [t for t, k in zip(tasks, keys) if k not in done]
    if progress and done:
        print(f"resuming: {len(done)} of {len(tasks)} tasks already in {rows_path}", file=sys.stderr)
    rows = [r for k in keys if k in done for r in done[k]]
    with append_jsonl(rows_path, "evaluation results file", ("task_key", "spearman")) as fh:
        results = imap(run_task, todo, workers, backend=backend, ray_address=ray_address,
                       shared=shared_inputs(todo) if backend == "ray" and todo else ())
        for task, new in zip(todo, tqdm(results, total=len(todo), disable=not progress, desc="tasks")):
            new = [{**r, "task_key": task_key(task)} for r in new]
            fh.write("".join(json.dumps(r, default=_plain) + "\n" for r in new))  # one write per task
            fh.flush()
            rows += new
    return [{k: v for k, v in r.items() if k != "task_key"} for r in rows]


def run_parallel(fn, tasks: list, workers: int = 1, progress: bool = True, desc: str = "tasks",
                 backend: str = "process", ray_address: str | None = None, shared: list | tuple = ()) -> list[dict]:
    """``fn(task) -> list of rows`` over ``tasks``, in ``workers`` spawned single-threaded processes when > 1
    (or Ray tasks with ``backend="ray"``; ``shared``: see :data:`clue_plugins._parallel.Shared`)."""
    from tqdm import tqdm

    from clue_plugins._parallel import imap

    results: list[dict] = []
    for rows in tqdm(imap(fn, tasks, workers, backend=backend, ray_address=ray_address, shared=shared),
                     total=len(tasks), disable=not progress, desc=desc):
        results += rows
    return results

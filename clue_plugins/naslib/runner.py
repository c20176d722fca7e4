"""``clue-nas naslib-run --config FILE``: NASLib's predictor evaluator or a discrete optimizer, from a YAML.

The YAML is NASLib's own (``naslib/runners/predictors/predictor_config.yaml`` or
``naslib/runners/nas/discrete_config.yaml``; missing keys take NASLib's defaults), with three additions:

- ``predictor: clue`` / ``seval`` (evaluator) and ``search.predictor_type: clue`` / ``seval``
  (Bananas, Npenas) select our predictors; a top-level ``clue:`` / ``seval:`` mapping passes options.
- ``dataset_api``: ``benchmark`` (NB201 from the shared tables, the default for NB201), ``naslib``
  (NASLib's own data files) or ``predicted`` (answers from a surrogate: search without benchmark files).
- ``surrogate`` (for ``predicted``): ``predictor`` (clue|seval), then ``load: DIR`` (a saved CLUE
  predictor or SEval oracle) or ``train_size: N`` (fit on N random labelled cells of the shared
  tables), and optionally ``oracle: DIR`` + ``latency_metric`` / ``memory_metric`` for ``cost_info``.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from clue_plugins.errors import ClueError, ConfigError, MissingDataError, UnknownNameError

OPTIMIZERS = ("re", "rs", "ls", "bananas", "npenas")
_DEFAULTS = {"predictor": "runners/predictors/predictor_config.yaml", "optimizer": "runners/nas/discrete_config.yaml"}


def load_config(path: str | Path) -> Any:
    """The YAML at ``path`` over NASLib's defaults for its kind, as NASLib's ``CfgNode``."""
    import naslib
    import yaml
    from fvcore.common.config import CfgNode

    path = Path(path)
    try:
        user = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise MissingDataError(f"no NASLib config at {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    kind = "predictor" if "predictor" in user else "optimizer" if "optimizer" in user else None
    if kind is None:
        raise ConfigError(f"{path} has neither 'predictor:' (predictor evaluator) nor 'optimizer:' ({'/'.join(OPTIMIZERS)})")
    with open(Path(naslib.__file__).parent / _DEFAULTS[kind]) as fh:
        cfg = CfgNode.load_cfg(fh)
    cfg.set_new_allowed(True)
    cfg.merge_from_other_cfg(CfgNode(user, new_allowed=True))
    cfg.kind = kind
    return cfg


def _search_space(ss_type: str) -> Any:
    from naslib.search_spaces import NasBench101SearchSpace, NasBench201SearchSpace, NasBench301SearchSpace

    spaces = {"nasbench101": NasBench101SearchSpace, "nasbench201": NasBench201SearchSpace, "nasbench301": NasBench301SearchSpace}
    if ss_type not in spaces:
        raise UnknownNameError(f"search_space {ss_type!r} is not supported by the plugin; use one of {', '.join(spaces)}")
    return spaces[ss_type]()


def fit_surrogate(cfg: Any) -> dict:
    """The ``predicted`` dataset_api of ``cfg.surrogate``: load or train its predictors."""
    from adapters.naslib import space_of
    from clue_plugins.naslib.dataset_api import predicted_dataset_api
    from clue_plugins.predictors.clue import CLUEPredictor
    from clue_plugins.predictors.seval import SEvalOracle
    from clue_plugins.surrogate import fit_accuracy_model

    sur = dict(cfg.get("surrogate", None) or {})
    name = sur.get("predictor", "clue")
    metric = "accuracy"
    if sur.get("load"):
        if name not in ("clue", "seval"):
            raise ConfigError(f"surrogate.predictor must be 'clue' or 'seval', got {name!r}")
        model = (CLUEPredictor if name == "clue" else SEvalOracle).load(sur["load"])
        metric = sur.get("accuracy_metric", metric)
    elif sur.get("train_size"):
        model = fit_accuracy_model(space_of(cfg.search_space), int(sur["train_size"]), cfg.dataset, name,
                                   int(sur.get("seed", cfg.seed)), dict(sur.get("options", None) or {}))
    else:
        raise ConfigError("dataset_api: predicted needs surrogate.load (a saved predictor) or surrogate.train_size")
    oracle = SEvalOracle.load(sur["oracle"]) if sur.get("oracle") else None
    return predicted_dataset_api(cfg.search_space, model, cfg.dataset, oracle, sur.get("latency_metric"),
                                 sur.get("memory_metric"), metric)


def make_dataset_api(cfg: Any) -> Any:
    kind = cfg.get("dataset_api", None) or ("benchmark" if cfg.search_space == "nasbench201" else "naslib")
    if kind == "benchmark":
        if cfg.search_space != "nasbench201":
            raise ConfigError("dataset_api: benchmark is available for nasbench201 only; use naslib or predicted")
        from clue_plugins.naslib.dataset_api import benchmark_dataset_api

        return benchmark_dataset_api(test_as_validation=bool(cfg.get("test_as_validation", False)))
    if kind == "naslib":
        from naslib.utils import get_dataset_api

        return get_dataset_api(cfg.search_space, cfg.dataset)
    if kind == "predicted":
        return fit_surrogate(cfg)
    raise ConfigError(f"dataset_api must be benchmark, naslib or predicted, got {kind!r}")


def _optimizer(cfg: Any) -> Any:
    from naslib.optimizers import Bananas, LocalSearch, Npenas, RandomSearch, RegularizedEvolution

    classes = {"re": RegularizedEvolution, "rs": RandomSearch, "ls": LocalSearch, "bananas": Bananas, "npenas": Npenas}
    if cfg.optimizer not in classes:
        raise UnknownNameError(f"optimizer {cfg.optimizer!r} is not a discrete NASLib optimizer; use one of {', '.join(classes)}")
    return classes[cfg.optimizer](cfg)


def run_config(path: str | Path, out_dir: str | Path | None = None) -> dict:
    """Run the config at ``path``; NASLib writes its own outputs under ``out_dir`` (default: the config's).

    Returns a summary: the evaluator's results, or the optimizer's best architecture with its
    (predicted) metrics and, for NB201 with the shared tables, its true benchmark accuracy.
    """
    from naslib import utils

    from clue_plugins.naslib.registry import config_options, make_predictor, register

    cfg = load_config(path)
    if out_dir is not None:
        cfg.out_dir = str(out_dir)
    name = cfg.predictor if cfg.kind == "predictor" else cfg.optimizer
    cfg.save = str(Path(cfg.out_dir) / cfg.search_space / cfg.dataset / str(name) / str(cfg.seed))
    cfg.search.seed = cfg.seed
    for sub in ("search", "eval"):  # where NASLib's checkpointer and logs write, as its config loader makes them
        (Path(cfg.save) / sub).mkdir(parents=True, exist_ok=True)
    register()
    utils.set_seed(cfg.seed)
    dataset_api = make_dataset_api(cfg)
    utils.set_seed(cfg.seed)
    space = _search_space(cfg.search_space)
    t0 = time.perf_counter()
    if cfg.kind == "predictor":
        from naslib.defaults.predictor_evaluator import PredictorEvaluator

        predictor = make_predictor(cfg.predictor, cfg.search_space, int(cfg.seed), config_options(cfg, cfg.predictor),
                                   cfg.get("hparams_from_file", False))
        evaluator = PredictorEvaluator(predictor, config=cfg)
        evaluator.adapt_search_space(space, load_labeled=cfg.search_space == "nasbench301", dataset_api=dataset_api)
        results = evaluator.evaluate()[1:]
        keep = ("train_size", "spearman", "kendalltau", "pearson", "mae", "fit_time", "query_time")
        summary = {"kind": "predictor", "predictor": cfg.predictor, "results": [{k: _plain(r.get(k)) for k in keep} for r in results]}
    else:
        from naslib.defaults.trainer import Trainer

        optimizer = _optimizer(cfg)
        optimizer.adapt_search_space(space, dataset_api=dataset_api)
        Trainer(optimizer, cfg, lightweight_output=True).search(resume_from="", report_incumbent=True)
        summary = {"kind": "optimizer", "optimizer": cfg.optimizer, **_best(optimizer, cfg, dataset_api)}
    summary.update(search_space=cfg.search_space, dataset=cfg.dataset, seed=int(cfg.seed), seconds=time.perf_counter() - t0,
                   dataset_api=cfg.get("dataset_api", None) or "default", save=cfg.save)
    from clue_plugins._io import write_json_atomic

    summary = _plain(summary)
    write_json_atomic(Path(cfg.save) / "clue_summary.json", summary)
    return summary


def _best(optimizer: Any, cfg: Any, dataset_api: Any) -> dict:
    """The optimizer's final architecture, what it scored, and its true NB201 accuracy where the tables have it."""
    from adapters.naslib import from_naslib

    arch = optimizer.get_final_architecture()
    spec = from_naslib(arch, cfg.search_space)
    out: dict[str, Any] = {"best": spec.key, "evaluations": len(getattr(optimizer, "history", []))}
    surrogate = dataset_api.get("surrogate") if isinstance(dataset_api, dict) else None
    if surrogate is not None:
        out["predicted"] = {k: None if math.isnan(v) else v for k, v in surrogate.metrics(spec).items()}
    if cfg.search_space == "nasbench301":  # a hash says nothing: the two cells as DARTS (input, op) pairs
        from adapters.darts import to_pairs

        normal, reduce = to_pairs(spec)
        out["genotype"] = {"normal": [list(p) for p in normal], "reduce": [list(p) for p in reduce]}
    if cfg.search_space == "nasbench201":
        from adapters.nb201 import to_arch_str

        out["arch_str"] = to_arch_str(spec)
        try:
            from adapters.naslib import space_of
            from clue_plugins.evaluation.targets import load_target
            from clue_plugins.surrogate import target_name

            target = load_target(target_name(space_of(cfg.search_space), cfg.dataset))
            y = target.y[[s.key for s in target.specs].index(spec.key)]
            out["true_test_accuracy"] = float(y)
            out["true_percentile"] = float((target.y < y).mean() * 100)
        except (ClueError, FileNotFoundError):
            pass  # no shared tables here: the predicted numbers are all there is
    return out


def _plain(v: Any) -> Any:
    """``v`` with numpy scalars and arrays (NASLib's predictors report float32 metrics) as plain JSON values, at any
    depth."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.ndarray):
        return _plain(v.tolist())
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def dumps(summary: dict) -> str:
    return json.dumps(summary, indent=2, default=str)

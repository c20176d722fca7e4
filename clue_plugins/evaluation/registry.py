"""Predictor names used by the evaluation harness, including CLUE-NAS ablation variants."""

from __future__ import annotations

from typing import Any

from clue_plugins.evaluation.targets import Target
from clue_plugins.predictors.baselines import GBoostBaseline, GCNBaseline, LookupBaseline, MLPBaseline
from clue_plugins.predictors.clue import CLUEPredictor

#: The paper's design as published (hard arg-max level, BCE + alignment only).
PAPER = {"selection": "argmax", "rank_weight": 0.0, "head_norm": False, "prune_dead": False, "op_summary": False}

#: CLUE-NAS variants: name -> config overrides of the default (best measured) configuration.
CLUE_VARIANTS: dict[str, dict[str, Any]] = {
    "clue": {},
    "clue-paper": PAPER,
    "clue-onehot": {"op_features": "onehot"},
    "clue-no-offsets": {"offsets": False},
    "clue-no-alignment": {"alignment": False},
    "clue-no-confidence": {"confidence": False},
    "clue-M3": {"M": 3},
    "clue-M8": {"M": 8},
    "clue-no-rank": {"rank_weight": 0.0},
    "clue-no-prune": {"prune_dead": False},
    "clue-no-summary": {"op_summary": False},
    "clue-no-head-norm": {"head_norm": False},
    "clue-argmax": {"selection": "argmax"},
    "clue-ens5": {"ensemble": 5},
    "clue-all-cells": {"cells": "all"},
    "clue-upper-flow": {"flow_layout": "upper"},
    "clue-no-text": {"text_encoder": "none"},
    "clue-clip": {"text_encoder": "clip-rn50"},
}

BASELINES = ("params", "flops", "mlp", "gcn", "gboost")


def predictor_names() -> list[str]:
    return list(CLUE_VARIANTS) + list(BASELINES)


def make_predictor(name: str, seed: int, lookup: Target | None = None, cells: str = "first"):
    """Instantiate predictor ``name``; ``lookup`` supplies params/FLOPs for the lookup baselines."""
    if name in CLUE_VARIANTS:
        return CLUEPredictor(seed=seed, **{"cells": cells, **CLUE_VARIANTS[name]})
    if name in ("params", "flops"):
        if lookup is None:
            raise ValueError(f"baseline {name!r} needs the target's lookup table")
        return LookupBaseline(lookup.params if name == "params" else lookup.flops, name)
    if name == "mlp":
        return MLPBaseline(seed=seed, cells=cells)
    if name == "gcn":
        return GCNBaseline(seed=seed, cells=cells)
    if name == "gboost":
        return GBoostBaseline(seed=seed, cells=cells)
    raise KeyError(f"unknown predictor {name!r}; choose from {', '.join(predictor_names())}")

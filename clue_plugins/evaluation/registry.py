"""Predictor names used by the evaluation harness, including CLUE-NAS ablation variants."""

from __future__ import annotations

from typing import Any

from clue_plugins.evaluation.targets import Target
from clue_plugins.predictors.baselines import GBoostBaseline, GCNBaseline, LookupBaseline, MLPBaseline
from clue_plugins.errors import ConfigError, UnknownNameError, shown
from clue_plugins.predictors.clue import LEGACY_OPTIONS, CLUEConfig, CLUEPredictor

#: The paper's design as published (offsets, hard arg-max level, BCE + alignment only): the preset
#: :meth:`CLUEConfig.paper`, as its differences from the defaults.
PAPER = CLUEConfig.paper().changed()

#: 0.2's default: one network, no prior, no folds, no calibration, the DARTS normal cell only.
LEGACY = dict(LEGACY_OPTIONS)

#: Base of the paper-switch ablation: 0.2's default with the paper's positional offsets switched back on.
ABLATION_BASE = {**LEGACY, "offsets": True}

#: One switch of the default changed each: the prior, how far the networks may move away from it, the cells.
_DEFAULT_ABLATIONS: dict[str, dict[str, Any]] = {
    "no-prior": {"prior": "none"},
    "prior-only": {"shrinkage": 0.0},
    "cv-shrinkage": {"cv_shrinkage": True},
    "no-calibrate": {"calibrate": False},
    "first-cell": {"cells": "first"},
    "no-text": {"text_encoder": "none"},
}

_ABLATIONS: dict[str, dict[str, Any]] = {
    "onehot": {"op_features": "onehot"},
    "no-offsets": {"offsets": False},
    "no-alignment": {"alignment": False},
    "no-confidence": {"confidence": False},
    "M3": {"M": 3},
    "M8": {"M": 8},
    "no-rank": {"rank_weight": 0.0},
    "no-prune": {"prune_dead": False},
    "no-summary": {"op_summary": False},
    "no-head-norm": {"head_norm": False},
    "argmax": {"selection": "argmax"},
    "ens5": {"ensemble": 5},
    "no-text": {"text_encoder": "none"},
    "all-cells": {"cells": "all"},
    "upper-flow": {"flow_layout": "upper"},
}

#: CLUE-NAS variants: name -> config overrides. ``clue`` is the default (best measured) configuration and
#: ``clue-<x>`` one switch of it changed; ``clue-paper`` the published design; ``clue-0.2`` the default of 0.2 and
#: ``clue-0.2-<x>`` one switch of it; ``clue-offsets`` the paper-switch ablation base and ``clue-offsets-<x>`` one
#: switch changed from that base.
CLUE_VARIANTS: dict[str, dict[str, Any]] = {
    "clue": {},
    **{f"clue-{k}": v for k, v in _DEFAULT_ABLATIONS.items()},
    "clue-paper": PAPER,
    "clue-0.2": LEGACY,
    "clue-offsets": ABLATION_BASE,
    **{f"clue-offsets-{k}": {**ABLATION_BASE, **v} for k, v in _ABLATIONS.items() if k != "no-offsets"},
    **{f"clue-0.2-{k}": {**LEGACY, **v} for k, v in _ABLATIONS.items() if k != "no-offsets"},
    "clue-clip": {"text_encoder": "clip-rn50"},
}

BASELINES = ("params", "flops", "mlp", "gcn", "gboost")


def predictor_names() -> list[str]:
    return list(CLUE_VARIANTS) + list(BASELINES)


def make_predictor(name: str, seed: int, lookup: Target | None = None, cells: str | None = None,
                   clip_weights: str | None = None):
    """Instantiate predictor ``name``; ``lookup`` supplies params/FLOPs for the lookup baselines.

    ``clip_weights``: a local open_clip state dict for the CLUE variants with a CLIP text encoder (``clue-clip``);
    the others ignore it. ``cells`` (``first``/``all``) overrides the predictor's own choice of DARTS cells.
    """
    if name in CLUE_VARIANTS:
        options = {**({"cells": cells} if cells else {}), **CLUE_VARIANTS[name]}
        encoder = options.get("text_encoder", "minilm")
        if clip_weights and isinstance(encoder, str) and encoder.startswith("clip-"):
            options["text_encoder"] = f"{encoder}:{clip_weights}"
        return CLUEPredictor(seed=seed, **options)
    if name in ("params", "flops"):
        if lookup is None:
            raise ConfigError(f"baseline {shown(name)} needs the target's lookup table (lookup=)")
        return LookupBaseline(lookup.params if name == "params" else lookup.flops, name)
    cells = cells or "first"
    if name == "mlp":
        return MLPBaseline(seed=seed, cells=cells)
    if name == "gcn":
        return GCNBaseline(seed=seed, cells=cells)
    if name == "gboost":
        return GBoostBaseline(seed=seed, cells=cells)
    raise UnknownNameError(f"unknown predictor {shown(name)}; choose from {', '.join(predictor_names())}")

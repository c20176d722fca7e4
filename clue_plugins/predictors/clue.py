"""CLUE-NAS (context-aligned, coarse-to-fine bounded accuracy prediction) as an sklearn-style estimator.

G = MLP_A([MLP_f(flow), MLP_o(op metrics)]); context C_i = T(prompt) + i/M (i = 1..M) with lower
bounds b_i = 1 - 1/2^(i-1); training aligns G with C_gt (the level whose bound is the highest one
<= accuracy) by KL + (1 - sigmoid(cos)); the level used for prediction is argmax_i sim(G, C_i), and
P = b + sigmoid(MLP([G, C])) * (1 - b). Loss: BCE(P, acc) + alignment.

Every ablation of the paper's table 4 is a switch: a keyword of :class:`CLUEPredictor`, or a field of
:class:`CLUEConfig` (the same options as one frozen object; ``CLUEConfig.paper()`` is the published design).
"""

from __future__ import annotations

import numbers
import os
import warnings
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from clue_plugins._io import load_model_dir, save_model_dir
from clue_plugins._state import fit_threads, flush_denormals, seeded_torch, torch_threads
from clue_plugins.errors import ConfigError, DataIntegrityError, shown
from clue_plugins.predictors.base import ConfiguredEstimator, checked_options, unknown_options
from clue_plugins.predictors.features import graph_features, to_fraction
from clue_plugins.predictors.prior import prior_scores
from clue_plugins.predictors.shrinkage import CV_MIN_LABELS, blend_with_prior, calibrated, checked_blend, group_folds
from clue_plugins.predictors.training import pairwise_rank_loss, run_steps, train_minibatches
from clue_plugins.spec import ArchSpec

if TYPE_CHECKING:
    from clue_plugins.text.encoders import TextEncoder

#: What ``text_encoder=`` takes: a registered name, ``name:weights``, a weights path, or an encoder instance.
EncoderLike = Union[str, "os.PathLike[str]", "TextEncoder"]

__all__ = ["CV_MIN_LABELS", "LEGACY_OPTIONS", "PAPER_OPTIONS", "CLUEConfig", "CLUEPredictor", "level_bounds",
           "true_levels"]


@dataclass(frozen=True)
class CLUEConfig:
    """Hyperparameters and ablation switches (defaults: the best measured configuration), as one frozen object.

    The fields are the keywords of :class:`CLUEPredictor` (``CLUEPredictor.from_config(cfg, **overrides)``);
    ``CLUEConfig.paper()`` is the published design. :meth:`validate` refuses a value no model can use, and a
    switch set (away from its default) where it has no effect: ``temperature`` without ``selection="soft"``,
    ``train_level`` without ``selection="argmax"``, ``selection``/``similarity``/``temperature`` with
    ``confidence=False``.
    """

    text_encoder: EncoderLike = "minilm"  # name, "name:weights", weights path or TextEncoder (minilm offline; clip-rn50 = the paper's)
    op_features: str = "metrics"   # "metrics" (five soft metrics per op) or "onehot" (ablation)
    offsets: bool = False          # fixed positional offsets E_i = i/M on the context copies (paper: True)
    alignment: bool = True         # context-alignment loss (KL + 1 - sigmoid(cos))
    confidence: bool = True        # bounded coarse-to-fine output; off: P = sigmoid(MLP([G, T]))
    M: int = 5                     # confidence levels
    similarity: str = "cosine"     # level selection: "cosine" or "dot" (the paper's inner product)
    selection: str = "soft"        # "argmax" (paper) or "soft": similarity-softmax mixture over levels
    temperature: float = 0.05      # softmax temperature of soft selection (on cosine similarities)
    train_level: str = "gt"        # level used in the BCE term while training with argmax selection: "gt" or "max"
    cells: str = "all"             # "all" (both DARTS cells) or "first" (paper: NB301 normal cell only)
    flow_layout: str = "symmetric" # adjacency -> flow: "symmetric" (A + A^T, authors' code), "directed", "upper"
    prune_dead: bool = True        # encode each cell with ``none`` on ops that cannot reach the output
    op_summary: bool = True        # append the per-architecture sums of the five op metrics to the op vector
    standardize: bool = False      # z-score flow/op inputs with training-set statistics
    text_rms: float | None = None  # rescale T to this per-dimension RMS (None: as the encoder gives it)
    head_norm: bool = True         # L2-normalise G and C before the prediction head (keeps it out of saturation)
    hidden: int = 128              # width of every hidden layer (0.2 and the paper preset: 256)
    epochs: int = 200
    batch_size: int = 32           # 0.2 and the paper preset: 16
    lr: float = 0.01
    lr_late: float = 0.001
    lr_switch_epoch: int = 100
    max_steps: int | None = 2000   # optimiser steps per network at most: many labels train fewer epochs (None: `epochs`)
    rank_weight: float = 1.0       # weight of a pairwise ranking loss on P (0: the paper's loss only)
    ensemble: int = 1              # models trained with seeds seed..seed+ensemble-1, predictions averaged
    prior: str = "size"            # training-free prior the prediction starts from: "size" (live parameter count) or "none"
    folds: int = 3                 # networks trained on folds-1 of `folds` splits each (cross-validation bagging)
    shrinkage: float | None = None # weight of the networks against the prior (None: 0 below 10 labels, then 0.5)
    cv_shrinkage: bool = False     # choose the weight among 0, 0.5, 1 by cross-validation instead (measured worse)
    calibrate: bool = True         # answer in the training labels' range through a fitted monotone bounded curve
    seed: int = 0

    # -- presets and copies -------------------------------------------------------------------------
    @classmethod
    def paper(cls, **overrides: Any) -> CLUEConfig:
        """The published design (section 3-4 of the paper): positional offsets, hard arg-max level selection,
        BCE + alignment loss only, no head normalisation, no dead-op pruning, no op summary.

        As the ``clue-paper`` rows of docs/RESULTS.md: the offline ``minilm`` text encoder and cosine level
        similarity; ``CLUEConfig.paper(text_encoder="clip-rn50", similarity="dot")`` is closer still to the
        authors' code (needs CLIP weights).
        """
        return cls.from_dict({**PAPER_OPTIONS, **overrides})

    @classmethod
    def from_dict(cls, options: Mapping[str, Any]) -> CLUEConfig:
        """A config from ``{option: value}``; an unknown option raises :class:`UnknownOptionError`."""
        if not isinstance(options, Mapping):
            raise ConfigError(f"CLUE options must be a mapping {{option: value}}, got {shown(options)}")
        unknown = set(options) - set(OPTION_NAMES)
        if unknown:
            raise unknown_options("CLUE", unknown, OPTION_NAMES)
        return cls(**options)

    def replace(self, **overrides: Any) -> CLUEConfig:
        """A copy with ``overrides`` changed (unknown options refused)."""
        return CLUEConfig.from_dict({**self.options(), **overrides})

    def options(self) -> dict[str, Any]:
        """``{option: value}`` of every field (values as given: ``text_encoder`` may be an encoder instance)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def changed(self) -> dict[str, Any]:
        """The options that differ from the defaults."""
        return {k: v for k, v in self.options().items() if not _same(v, _DEFAULTS[k])}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready options (an encoder instance as its ``source`` string), as saved in ``config.json``."""
        from clue_plugins.text.encoders import encoder_source

        return {**self.options(), "text_encoder": encoder_source(self.text_encoder)}

    # -- checks -------------------------------------------------------------------------------------
    def validate(self) -> CLUEConfig:
        """This config with plain Python values; a value no model can use, or a switch set where it has no effect,
        raises :class:`ConfigError` naming the option."""
        from clue_plugins.text.encoders import TextEncoder

        plain: dict[str, Any] = {}
        for name, value in self.options().items():
            kind = _KINDS[name]
            if name == "text_encoder":
                if not isinstance(value, (str, os.PathLike, TextEncoder)) or (isinstance(value, str) and not value):
                    raise ConfigError(f"CLUE option text_encoder must be an encoder name, a weights path or a "
                                      f"TextEncoder, got {shown(value)}")
                plain[name] = os.fspath(value) if isinstance(value, os.PathLike) else value
                continue
            if name in ("text_rms", "shrinkage", "max_steps") and value is None:
                plain[name] = None
                continue
            ok = {bool: lambda v: isinstance(v, (bool, np.bool_)),
                  int: lambda v: isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)),
                  float: lambda v: isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)),
                  str: lambda v: isinstance(v, str)}[kind](value)
            if not ok:
                raise ConfigError(f"CLUE option {name} must be a {kind.__name__}, got {shown(value)}")
            plain[name] = kind(value)
        cfg = replace(self, **plain)
        if cfg.M < 1:
            raise ConfigError(f"M must be >= 1, got {shown(cfg.M)}")
        for name in ("temperature", "lr", "lr_late", "hidden"):
            if not getattr(cfg, name) > 0:
                raise ConfigError(f"{name} must be > 0, got {shown(getattr(cfg, name))}")
        if cfg.text_rms is not None and not cfg.text_rms > 0:
            raise ConfigError(f"text_rms must be > 0 or None, got {shown(cfg.text_rms)}")
        if cfg.rank_weight < 0 or cfg.lr_switch_epoch < 0:
            raise ConfigError("rank_weight and lr_switch_epoch must be >= 0, got "
                              f"{shown(cfg.rank_weight)} and {shown(cfg.lr_switch_epoch)}")
        for name, allowed in _CHOICES.items():
            if getattr(cfg, name) not in allowed:
                raise ConfigError(f"{name} must be one of {allowed}, got {shown(getattr(cfg, name))}")
        if cfg.shrinkage is not None and not 0.0 <= cfg.shrinkage <= 1.0:
            raise ConfigError(f"shrinkage must lie in [0, 1] or be None (0 below 10 labels, then 0.5), got {shown(cfg.shrinkage)}")
        if cfg.folds < 1:
            raise ConfigError(f"folds must be >= 1, got {shown(cfg.folds)}")
        if cfg.max_steps is not None and cfg.max_steps < 1:
            raise ConfigError(f"max_steps must be >= 1 or None (always train `epochs` epochs), got {shown(cfg.max_steps)}")
        if cfg.epochs < 1 or cfg.batch_size < 1 or cfg.ensemble < 1:
            raise ConfigError("epochs, batch_size and ensemble must be >= 1, got "
                              f"{cfg.epochs}, {cfg.batch_size} and {cfg.ensemble}")
        idle = cfg._ineffective()
        if idle:
            name, why = idle[0]
            raise ConfigError(f"{name}={shown(getattr(cfg, name))} has no effect {why}; leave {name} at its default "
                              f"({shown(_DEFAULTS[name])}) or change the switch it depends on")
        return cfg

    @property
    def single_network(self) -> bool:
        """No prior, one fold, no calibration: the network alone, trained on the labels as given (0.2's model)."""
        return self.prior == "none" and self.folds == 1 and not self.calibrate

    def _ineffective(self) -> list[tuple[str, str]]:
        """(option, why) for every option set away from its default where it changes nothing."""
        out = []
        changed = self.changed()
        if not self.confidence:
            for name in ("selection", "similarity", "temperature"):
                if name in changed:
                    out.append((name, "with confidence=False (no confidence levels to select)"))
        if self.confidence and self.selection != "soft" and "temperature" in changed:
            out.append(("temperature", f"with selection={self.selection!r} (it is the soft selection's temperature)"))
        if "train_level" in changed and not (self.confidence and self.selection == "argmax"):
            why = "without selection='argmax' and confidence=True (soft selection trains every level)"
            out.append(("train_level", why))
        for name in ("shrinkage", "cv_shrinkage"):
            if self.prior == "none" and name in changed:
                out.append((name, "with prior='none' (it weighs the networks against the prior)"))
        if self.cv_shrinkage and self.shrinkage is not None:
            out.append(("cv_shrinkage", f"with a fixed shrinkage={self.shrinkage!r}"))
        return out

    def _without_ineffective(self) -> CLUEConfig:
        """This config with options that have no effect put back to their defaults (for models saved before such
        options were refused: their predictions do not change)."""
        return replace(self, **{name: _DEFAULTS[name] for name, _ in self._ineffective()})


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and bool(a == b)


OPTION_NAMES: tuple[str, ...] = tuple(f.name for f in fields(CLUEConfig))
_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(CLUEConfig)}
_KINDS: dict[str, type] = {name: (type(d) if d is not None else float) for name, d in _DEFAULTS.items()}
_CHOICES: dict[str, tuple[str, ...]] = {
    "op_features": ("metrics", "onehot"), "similarity": ("cosine", "dot"), "train_level": ("gt", "max"),
    "selection": ("argmax", "soft"), "cells": ("first", "all"), "flow_layout": ("symmetric", "directed", "upper"),
    "prior": ("size", "none")}

#: The published design's differences from the defaults (see :meth:`CLUEConfig.paper`).
PAPER_OPTIONS: dict[str, Any] = {"offsets": True, "selection": "argmax", "rank_weight": 0.0, "head_norm": False,
                                 "prune_dead": False, "op_summary": False, "cells": "first", "prior": "none",
                                 "folds": 1, "calibrate": False, "hidden": 256, "batch_size": 16,
                                 "max_steps": None}

#: The options that give back the single network of 0.2 (no prior, no folds, no calibration, normal cell only);
#: ``CLUEConfig(**LEGACY_OPTIONS)`` predicts bit for bit what 0.2's default did.
LEGACY_OPTIONS: dict[str, Any] = {"cells": "first", "prior": "none", "folds": 1, "calibrate": False, "hidden": 256,
                                  "batch_size": 16, "max_steps": None}



def level_bounds(M: int) -> np.ndarray:
    """Lower bounds b_i = 1 - 1/2^(i-1), i = 1..M: 0, 0.5, 0.75, ..."""
    return 1.0 - 1.0 / 2.0 ** np.arange(M)


def true_levels(acc_fraction: np.ndarray, M: int) -> np.ndarray:
    """Index (0-based) of the highest level whose bound is <= the accuracy."""
    return np.searchsorted(level_bounds(M), acc_fraction, side="right") - 1


#: Train configurations without offsets and with soft selection (the default) with the shared-context loss and fused
#: Adam (see _train_one: the same loss, other rounding, 2-3x faster); False: the arithmetic of 0.2.0, bit for bit.
_FAST = True


def _build_network(cfg: CLUEConfig, flow_dim: int, op_dim: int, text_dim: int):
    import torch
    import torch.nn.functional as F
    from torch import nn

    h = cfg.hidden

    def mlp(i: int, o: int) -> nn.Module:
        return nn.Sequential(nn.Linear(i, h), nn.ReLU(), nn.Linear(h, o))

    shared_context = not cfg.offsets  # every confidence level's context is the text embedding itself

    class CLUENet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.mlp_f = mlp(flow_dim, h)
            self.mlp_o = mlp(op_dim, h)
            self.mlp_a = nn.Sequential(nn.ReLU(), nn.Linear(2 * h, h), nn.ReLU(), nn.Linear(h, text_dim))
            self.head = nn.Sequential(nn.Linear(2 * text_dim, h), nn.ReLU(), nn.Linear(h, 1))
            offsets = torch.arange(1, cfg.M + 1, dtype=torch.float32) / cfg.M if cfg.offsets else torch.zeros(cfg.M)
            self.register_buffer("offsets", offsets)
            self.register_buffer("bounds", torch.tensor(level_bounds(cfg.M), dtype=torch.float32))

        def graph(self, flow, ops):
            return self.mlp_a(torch.cat([self.mlp_f(flow), self.mlp_o(ops)], dim=1))

        def contexts(self, text):  # (B, M, D)
            return text[:, None, :] + self.offsets[None, :, None]

        def similarity(self, g, ctx):  # (B, M)
            if cfg.similarity == "dot":
                return (g[:, None, :] * ctx).sum(-1)
            return torch.nn.functional.cosine_similarity(g[:, None, :], ctx, dim=-1)

        def strength(self, g, ctx_level):
            if cfg.head_norm:
                g, ctx_level = F.normalize(g, dim=1), F.normalize(ctx_level, dim=1)
            return torch.sigmoid(self.head(torch.cat([g, ctx_level], dim=1))).squeeze(1)

        def predict_with(self, g, ctx_level, bound):
            strength = self.strength(g, ctx_level)
            if not cfg.confidence:
                return strength
            return bound + strength * (1.0 - bound)

        def forward(self, flow, ops, text, level=None):
            g = self.graph(flow, ops)
            if shared_context and not torch.is_grad_enabled():
                return self._forward_shared(g, text, level), g, None
            ctx = self.contexts(text)
            if not cfg.confidence:
                return self.predict_with(g, text, None), g, ctx
            if cfg.selection == "soft":  # differentiable mixture of the M bounded predictions
                weights = torch.softmax(self.similarity(g, ctx) / cfg.temperature, dim=1)
                per_level = torch.stack([self.predict_with(g, ctx[:, i], self.bounds[i]) for i in range(cfg.M)], dim=1)
                return (weights * per_level).sum(dim=1), g, ctx
            chosen = self.similarity(g, ctx).argmax(dim=1) if level is None else level
            rows = torch.arange(len(g))
            return self.predict_with(g, ctx[rows, chosen], self.bounds[chosen]), g, ctx

        def _forward_shared(self, g, text, level=None):
            """Inference when every level's context is ``text`` itself (no offsets): the same values as
            :meth:`forward`, bit for bit, with the head and the similarity evaluated once instead of M times and
            no (batch, M, dim) context copy. Profile: the M head evaluations and the context copy were 60 % of
            predicting all 15,625 NB201 cells."""
            if not cfg.confidence:
                return self.predict_with(g, text, None)
            if cfg.selection == "soft":
                # the similarity columns are equal, so the softmax is exactly that of equal values: computing them
                # was 15 % of predicting a whole space
                weights = torch.softmax(torch.zeros(1, cfg.M), dim=1)
                strength = self.strength(g, text)[:, None]
                per_level = self.bounds + strength * (1.0 - self.bounds)  # (batch, M)
                return (weights * per_level).sum(dim=1)
            sim = self.similarity(g, text[:, None, :]).expand(-1, cfg.M)  # (batch, M), equal columns
            return self.predict_with(g, text, self.bounds[sim.argmax(dim=1) if level is None else level])

    return CLUENet()


class CLUEPredictor(ConfiguredEstimator):
    """CLUE-NAS accuracy predictor: ``fit(specs, accuracies)``, ``predict(specs)``, ``save``/``load``.

    Accuracies may be fractions in [0, 1] or percent in [0, 100] (``unit="auto"``: values above 1 mean percent,
    and labels that mix both are refused);
    ``predict`` answers in the unit ``fit`` was given. Specs come from any adapter. Deterministic on
    the CPU for a given ``seed``.

    The keywords are the options of :class:`CLUEConfig` (see there and docs/clue.md); ``text_encoder`` takes a
    registered name, ``"name:weights"``, a weights path or a :class:`~clue_plugins.text.TextEncoder`. Build from a
    config with :meth:`from_config`, the published design with :meth:`paper`. A scikit-learn estimator:
    ``get_params``/``set_params``/``clone`` work, ``fit`` freezes the options into ``config_``, and ``predict``
    reads only the fitted state.
    """

    config_class = CLUEConfig
    _fitted_attr = "models_"

    @checked_options
    def __init__(self, *, text_encoder: EncoderLike = "minilm", op_features: str = "metrics", offsets: bool = False,
                 alignment: bool = True, confidence: bool = True, M: int = 5, similarity: str = "cosine",
                 selection: str = "soft", temperature: float = 0.05, train_level: str = "gt", cells: str = "all",
                 flow_layout: str = "symmetric", prune_dead: bool = True, op_summary: bool = True,
                 standardize: bool = False, text_rms: float | None = None, head_norm: bool = True, hidden: int = 128,
                 epochs: int = 200, batch_size: int = 32, lr: float = 0.01, lr_late: float = 0.001,
                 lr_switch_epoch: int = 100, max_steps: int | None = 2000, rank_weight: float = 1.0,
                 ensemble: int = 1, prior: str = "size", folds: int = 3, shrinkage: float | None = None, cv_shrinkage: bool = False, calibrate: bool = True,
                 seed: int = 0) -> None:
        self.text_encoder = text_encoder
        self.op_features = op_features
        self.offsets = offsets
        self.alignment = alignment
        self.confidence = confidence
        self.M = M
        self.similarity = similarity
        self.selection = selection
        self.temperature = temperature
        self.train_level = train_level
        self.cells = cells
        self.flow_layout = flow_layout
        self.prune_dead = prune_dead
        self.op_summary = op_summary
        self.standardize = standardize
        self.text_rms = text_rms
        self.head_norm = head_norm
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_late = lr_late
        self.lr_switch_epoch = lr_switch_epoch
        self.max_steps = max_steps
        self.rank_weight = rank_weight
        self.ensemble = ensemble
        self.prior = prior
        self.folds = folds
        self.shrinkage = shrinkage
        self.cv_shrinkage = cv_shrinkage
        self.calibrate = calibrate
        self.seed = seed

    # -- configuration ----------------------------------------------------------------------------
    @classmethod
    def paper(cls, **overrides: Any) -> CLUEPredictor:
        """The published design (:meth:`CLUEConfig.paper`), ``overrides`` changed."""
        return cls.from_config(CLUEConfig.paper(**overrides))

    # -- features ---------------------------------------------------------------------------------
    def embed_texts(self, specs: Sequence[ArchSpec], progress: bool | None = None) -> np.ndarray:
        """Text embeddings of the specs' prompts (cached on disk; call once to warm the cache)."""
        cfg = self.active_config()
        return _embed(cfg, _encoded_specs(cfg, specs), progress)

    # -- training ---------------------------------------------------------------------------------
    def fit(self, specs: Sequence[ArchSpec], accuracies: Sequence[float], *, unit: str = "auto",
            joint: bool = False) -> CLUEPredictor:
        """Train on ``specs`` with their accuracies (``unit``: ``auto``, ``percent`` or ``fraction``).

        Specs from several search spaces train one model on all of them only with ``joint=True`` (the paper's
        joint protocol); without it that is refused, since it usually means mixed-up inputs.
        """
        cfg = self.get_config()
        specs = _as_specs(specs)
        if len(specs) != len(accuracies):
            raise ConfigError(f"{len(specs)} architectures but {len(accuracies)} accuracies")
        if len(specs) < 2:
            raise ConfigError("CLUE-NAS needs at least 2 training architectures")
        spaces = sorted({s.space for s in specs})
        if len(spaces) > 1 and not joint:
            raise ConfigError(f"the training architectures come from several search spaces ({', '.join(spaces)}); "
                              "pass joint=True to train one model on all of them, or fit one model per space")
        y, scale = to_fraction(accuracies, unit)
        legacy = cfg.single_network
        floor = level_bounds(cfg.M).mean()
        shared_levels = cfg.confidence and cfg.selection == "soft" and not cfg.offsets
        if legacy and shared_levels and np.median(y) < floor:
            # without offsets every level gets equal weight, so no prediction can fall below the mean bound
            warnings.warn(f"most training accuracies lie below {floor:.3f}, the lowest value this configuration can "
                          "predict (confidence levels mixed without offsets); its ranking may collapse. "
                          "Use the default calibrate=True, offsets=True or confidence=False for low-accuracy tasks "
                          "such as ImageNet16-120.", stacklevel=2)
        flows, ops, text = _features(cfg, specs)
        stats = None
        if cfg.standardize:
            stats = [(a.mean(axis=0), a.std(axis=0) + 1e-6) for a in (flows, ops)]
            flows, ops = _standardized(stats, flows, ops)
        dims = (flows.shape[1], ops.shape[1], text.shape[1])
        self.n_train_, self.scale_, self.spaces_ = len(specs), scale, spaces
        if legacy:  # the single network of 0.2, trained on the labels as given
            models = [_train_one(cfg, cfg.seed + k, dims, flows, ops, text, y) for k in range(cfg.ensemble)]
            self.config_, self.stats_, self.dims_, self.models_, self.blend_ = cfg, stats, dims, models, None
            return self
        self.models_, self.blend_ = _fit_blend(cfg, dims, (flows, ops, text), y, prior_scores(specs, cfg.prior),
                                               [s.iso_key() for s in specs], low=floor if shared_levels else 0.0)
        self.config_, self.stats_, self.dims_ = cfg, stats, dims
        return self

    # -- inference --------------------------------------------------------------------------------
    def _check_spaces(self, specs: list[ArchSpec], cross_space: bool) -> None:
        trained = getattr(self, "spaces_", None)  # None: saved before the spaces were recorded
        if cross_space or not trained:
            return
        other = sorted({s.space for s in specs} - set(trained))
        if other:
            raise ConfigError(f"this model was trained on {', '.join(trained)} and is asked about {', '.join(other)}; "
                              "pass cross_space=True to transfer it across search spaces, or fit it on that space")

    def _checked(self, specs: Sequence[ArchSpec], cross_space: bool) -> list[ArchSpec]:
        """``specs`` as a list this fitted model may answer (fitted, ArchSpecs, spaces it knows unless told)."""
        self._check_fitted()
        specs = _as_specs(specs)
        self._check_spaces(specs, cross_space)
        return specs

    def _inputs(self, specs: Sequence[ArchSpec], cross_space: bool):
        return self._arrays(self._checked(specs, cross_space))

    def _arrays(self, specs: list[ArchSpec]):
        """(flows, ops, text) of checked specs, standardised as in training."""
        flows, ops, text = _features(self.config_, specs)
        flows, ops = _standardized(self.stats_, flows, ops)
        if (flows.shape[1], ops.shape[1], text.shape[1]) != tuple(self.dims_):
            raise ConfigError(f"feature sizes {(flows.shape[1], ops.shape[1], text.shape[1])} differ from the "
                              f"{tuple(self.dims_)} the model was trained on: its text encoder "
                              f"{shown(self.config_.text_encoder)} is not the one it was trained with")
        return flows, ops, text

    def predict(self, specs: Sequence[ArchSpec], *, cross_space: bool = False) -> np.ndarray:
        """Predicted accuracies, in the unit of the training accuracies (with ``calibrate=True``, strictly inside
        the range of the training labels).

        Architectures of a search space the model was not trained on are refused unless ``cross_space=True``
        (transfer across spaces, the paper's cross protocol: expect a lower rank correlation).
        """
        blend = getattr(self, "blend_", None)
        if blend is None:
            flows, ops, text = self._inputs(specs, cross_space)
            return _network_outputs(self.models_, (flows, ops, text)).astype(np.float64) * self.scale_
        specs = self._checked(specs, cross_space)
        z = (prior_scores(specs, self.config_.prior) - blend["prior"][0]) / blend["prior"][1]
        lam = blend["shrinkage"]
        score = (1.0 - lam) * z
        if lam > 0:  # the networks are only read when they count (shrinkage 0: the prior alone)
            score = score + lam * _member_scores(self.models_, blend, self._arrays(specs), self.config_)
        return calibrated(blend["curve"], *blend["range"], score, blend["bounded"]) * self.scale_

    def predict_levels(self, specs: Sequence[ArchSpec], *, cross_space: bool = False) -> np.ndarray:
        """Selected confidence level (0-based) per architecture, from the first ensemble member."""
        import torch

        flows, ops, text = (torch.from_numpy(a) for a in self._inputs(specs, cross_space))
        net = self.models_[0]
        with torch.no_grad():
            g = net.graph(flows, ops)
            return net.similarity(g, net.contexts(text)).argmax(dim=1).numpy()

    # -- persistence ------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write ``path/config.json`` and ``path/weights.pt`` (state dicts only, no pickled code).

        ``config`` holds the fitted options; a ``text_encoder`` instance is saved as its ``source`` (a name or a
        weights path) and :meth:`load` builds that encoder again.
        """
        self._check_fitted()
        meta = {"format": "clue-nas-predictor/1", "config": self.config_.to_dict(), "scale": self.scale_,
                "dims": list(self.dims_), "n_train": self.n_train_, "spaces": list(self.spaces_ or []),
                "standardize": [[m.tolist(), sd.tolist()] for m, sd in self.stats_] if self.stats_ else None,
                "blend": getattr(self, "blend_", None)}
        save_model_dir(path, "config.json", meta, "weights.pt", [m.state_dict() for m in self.models_])

    @classmethod
    def load(cls, path: str | Path, *, text_encoder: EncoderLike | None = None) -> CLUEPredictor:
        """A predictor written by :meth:`save`; a damaged or edited folder is refused with what to do.

        ``text_encoder`` replaces the saved one (e.g. the same CLIP weights at another path on this machine).
        """
        meta, states = load_model_dir(path, "config.json", "weights.pt", "clue-nas-predictor/1", "a CLUE predictor")
        where = Path(path) / "config.json"
        try:
            config = meta["config"]
            if not isinstance(config, dict):
                raise TypeError("config is not an object")
            if text_encoder is not None:
                config = {**config, "text_encoder": text_encoder}
            # saved by 0.2 (no prior, folds or calibration yet): its single network, as it predicted then
            config = {**{k: v for k, v in LEGACY_OPTIONS.items() if k != "cells"}, **config}
            cfg = _loaded_config(config)
            blend = _checked_blend(meta.get("blend"), cfg)
            self = cls.from_config(cfg)
            scale, dims, n_train = float(meta["scale"]), tuple(int(d) for d in meta["dims"]), int(meta["n_train"])
            if scale not in (1.0, 100.0) or len(dims) != 3:
                raise ValueError("scale or dims out of range")
            spaces = [str(s) for s in meta.get("spaces") or []] or None
            saved_stats = meta.get("standardize")
            stats = [(np.asarray(m, np.float32), np.asarray(sd, np.float32)) for m, sd in saved_stats] if saved_stats else None
            if not isinstance(states, list) or not states:
                raise ValueError("weights.pt holds no models")
            models = []
            for state in states:
                net = _build_network(cfg, *dims)
                net.load_state_dict(state)
                models.append(net.eval())
            if blend is not None and len(models) != len(blend["norms"]) * blend["members_per_fold"]:
                raise ValueError("the number of networks does not match the saved folds")
        except ConfigError as exc:
            raise DataIntegrityError(f"{where} has a value this version cannot use ({exc}); save the model again, "
                                     "or fix the edited value") from None
        except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as exc:
            raise DataIntegrityError(f"{where} and weights.pt do not describe a CLUE predictor this version can load "
                                     f"({type(exc).__name__}: {shown(str(exc), 160)}); save the model again") from None
        self.config_, self.stats_, self.dims_, self.models_, self.blend_ = cfg, stats, dims, models, blend
        self.n_train_, self.scale_, self.spaces_ = n_train, scale, spaces
        return self


def _checked_blend(blend: Any, cfg: CLUEConfig) -> dict[str, Any] | None:
    """A saved blend with every number finite and in range; None for a single network (0.2's, or the legacy
    options)."""
    if blend is None:
        if not cfg.single_network:
            raise ValueError("config.json has no blend for a model with a prior, folds or calibration")
        return None
    out = {**checked_blend(blend), "folds": int(blend["folds"]), "members_per_fold": int(blend["members_per_fold"]),
           "norms": [[float(m), float(s)] for m, s in blend["norms"]], "bounded": bool(blend.get("bounded", True))}
    if (out["folds"] < 1 or out["members_per_fold"] < 1 or len(out["norms"]) != out["folds"]
            or not all(np.isfinite(pair).all() and pair[1] > 0 for pair in out["norms"])):
        raise ValueError("blend values out of range")
    return out


def _loaded_config(config: Mapping[str, Any]) -> CLUEConfig:
    """The config of a saved model. Models saved before ineffective switches were refused may hold one (say
    ``temperature`` with ``selection="argmax"``): it changed nothing, so it is put back to its default."""
    cfg = CLUEConfig.from_dict(config)
    try:
        return cfg.validate()
    except ConfigError:
        return cfg._without_ineffective().validate()


def _encoded_specs(cfg: CLUEConfig, specs: Sequence[ArchSpec]) -> list[ArchSpec]:
    specs = list(specs)
    if not specs:
        raise ConfigError("no architectures given")
    return [s.without_dead_ops() for s in specs] if cfg.prune_dead else specs


def _embed(cfg: CLUEConfig, encoded: list[ArchSpec], progress: bool | None = None) -> np.ndarray:
    from clue_plugins.predictors.features import cell_selection
    from clue_plugins.spec import prompts
    from clue_plugins.text import resolve_encoder

    return resolve_encoder(cfg.text_encoder).encode(prompts(encoded, cell_selection(cfg.cells)), progress)


def _features(cfg: CLUEConfig, specs: Sequence[ArchSpec]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    encoded = _encoded_specs(cfg, specs)
    flows, ops = graph_features(encoded, cfg.op_features, cfg.cells, symmetric=cfg.flow_layout == "symmetric",
                                upper_only=cfg.flow_layout == "upper")
    text = _embed(cfg, encoded)
    if cfg.op_summary:
        whole = ops.shape[1] // 5 * 5  # the zero padding adds nothing to the sums
        sums = ops[:, :whole].reshape(len(ops), -1, 5).sum(axis=1) if cfg.op_features == "metrics" else np.zeros((len(ops), 5), np.float32)
        ops = np.concatenate([ops, sums], axis=1).astype(np.float32)
    if cfg.text_rms is not None:
        # the offsets i/M are per-dimension constants: their weight against T depends on T's scale
        rms = np.sqrt((text**2).mean(axis=1, keepdims=True))
        text = (text / np.maximum(rms, 1e-12) * cfg.text_rms).astype(np.float32)
    return flows, ops, text


def _standardized(stats, flows: np.ndarray, ops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not stats:
        return flows, ops
    return tuple(((a - m) / sd).astype(np.float32) for a, (m, sd) in zip((flows, ops), stats))  # type: ignore[return-value]


def _train_one(cfg: CLUEConfig, seed: int, dims: tuple[int, int, int], flows, ops, text, y):
    import torch
    import torch.nn.functional as F

    gen = torch.Generator().manual_seed(seed)
    with seeded_torch(seed):  # layer initialisation draws from torch's global generator
        net = _build_network(cfg, *dims)
    X = [torch.from_numpy(a) for a in (flows, ops, text)]
    target = torch.tensor(y, dtype=torch.float32)
    level = torch.from_numpy(true_levels(y, cfg.M)).long()
    use_gt_level = cfg.train_level == "gt" and cfg.selection == "argmax"

    def batch_loss(idx):
        flow, op, txt = (a[idx] for a in X)
        pred, g, ctx = net(flow, op, txt, level[idx] if use_gt_level else None)
        if ctx is None:  # shared contexts: every level's context is the text embedding
            ctx = txt[:, None, :].expand(-1, cfg.M, -1)
        loss = F.binary_cross_entropy(pred.clamp(1e-6, 1 - 1e-6), target[idx])
        if cfg.rank_weight:  # Spearman only cares about order
            loss = loss + pairwise_rank_loss(pred, target[idx], 100.0, cfg.rank_weight)
        if cfg.alignment:
            c_gt = ctx[torch.arange(len(idx)), level[idx]]
            kl = F.kl_div(F.log_softmax(g, dim=1), F.softmax(c_gt, dim=1), reduction="batchmean")
            cos = F.cosine_similarity(g, c_gt, dim=1)
            loss = loss + kl + (1 - torch.sigmoid(cos)).mean()
        return loss

    fast = _stackable(cfg)
    if fast:
        # every level's context is the text itself: the similarity-softmax weights are 1/M whatever G is, so
        # P = mean(b) + s * (1 - mean(b)) with the head evaluated once; the text-only terms (its softmax for the
        # KL term, its normalised copy for the head) are constants computed once
        t_soft = F.softmax(X[2], dim=1)
        t_head = F.normalize(X[2], dim=1) if cfg.head_norm else X[2]
        b_mean = net.bounds.mean()

        def batch_loss(idx):  # noqa: F811 - the same loss as above for this configuration
            flow, op, txt, t = X[0][idx], X[1][idx], X[2][idx], target[idx]
            g = net.graph(flow, op)
            gh = F.normalize(g, dim=1) if cfg.head_norm else g
            strength = torch.sigmoid(net.head(torch.cat([gh, t_head[idx]], dim=1))).squeeze(1)
            pred = b_mean + strength * (1.0 - b_mean)
            loss = F.binary_cross_entropy(pred.clamp(1e-6, 1 - 1e-6), t)
            if cfg.rank_weight:
                loss = loss + pairwise_rank_loss(pred, t, 100.0, cfg.rank_weight)
            if cfg.alignment:
                kl = F.kl_div(F.log_softmax(g, dim=1), t_soft[idx], reduction="batchmean")
                loss = loss + kl + (1 - torch.sigmoid(F.cosine_similarity(g, txt, dim=1))).mean()
            return loss

    # the per-tensor Adam loop was 45 % of a 100-cell fit (profile: docs/RESULTS.md, Speed). fused: one kernel per
    # tensor (other rounding; checked with the shared-context loss on the 5-seed NB201 check); foreach: the same
    # arithmetic as the per-tensor loop, bit for bit, for every other configuration
    optimizer = torch.optim.Adam(net.parameters(), lr=cfg.lr, **({"fused": True} if fast else {"foreach": True}))
    work = cfg.batch_size * sum(p.numel() for p in net.parameters()) * (cfg.M + 1)
    steps = max(1, round(len(y) / cfg.batch_size))
    epochs, lr_schedule = _schedule(cfg, steps)
    with torch_threads(fit_threads(work)), flush_denormals():
        return train_minibatches(net, optimizer, batch_loss, len(y), batch_size=cfg.batch_size, steps_per_epoch=steps,
                                 epochs=epochs, generator=gen, lr_schedule=lr_schedule)


def _schedule(cfg: CLUEConfig, steps_per_epoch: int) -> tuple[int, Any]:
    """Epochs and learning-rate schedule of a network taking ``steps_per_epoch`` steps an epoch: ``epochs``, or fewer
    when that would exceed ``max_steps`` steps, with the late learning rate from the same fraction of training on
    (many labels need fewer passes: a 1,000-cell fit took 20 s with every epoch, see docs/results/SPEED.md)."""
    epochs, switch = cfg.epochs, cfg.lr_switch_epoch
    if cfg.max_steps is not None and steps_per_epoch * epochs > cfg.max_steps:
        epochs = max(1, cfg.max_steps // steps_per_epoch)
        switch = round(cfg.lr_switch_epoch * epochs / cfg.epochs)
    return epochs, lambda epoch: cfg.lr_late if epoch == switch else None


def _stackable(cfg: CLUEConfig) -> bool:
    """Configurations trained with the shared-context loss, whose networks can also train and predict together
    (:func:`_train_stacked`, :func:`_stacked_outputs`)."""
    return _FAST and not cfg.offsets and cfg.confidence and cfg.selection == "soft"


def _train_stacked(cfg: CLUEConfig, seeds: Sequence[int], dims: tuple[int, int, int], arrays: tuple[np.ndarray, ...],
                   y: np.ndarray, rows: Sequence[np.ndarray]) -> list:
    """One network per seed, network k trained on ``rows[k]`` with the shared-context loss of :func:`_train_one`,
    all K as one stacked model (:mod:`clue_plugins.predictors.stacked`): a step costs about what one network's
    did. Each network draws its batches from its own generator, seeded as :func:`_train_one` seeds it; every
    network takes ``round(mean rows / batch_size)`` steps an epoch."""
    import torch
    import torch.nn.functional as F

    from clue_plugins.predictors.stacked import StackedLinears, stacked_rank_loss

    nets = []
    for seed in seeds:
        with seeded_torch(seed):  # layer initialisation draws from torch's global generator
            nets.append(_build_network(cfg, *dims))
    stack = StackedLinears(nets)
    flow_x, op_x, text_x = (torch.from_numpy(a) for a in arrays)
    target = torch.tensor(y, dtype=torch.float32)
    t_soft = F.softmax(text_x, dim=1)
    t_head = F.normalize(text_x, dim=1) if cfg.head_norm else text_x
    b_mean = nets[0].bounds.mean()
    gens = [torch.Generator().manual_seed(seed) for seed in seeds]
    row_sets = [torch.from_numpy(np.asarray(r, dtype=np.int64)) for r in rows]
    B = cfg.batch_size
    L, relu = stack.apply, torch.relu

    def batch_loss():
        idx = torch.stack([r[torch.randint(0, len(r), (B,), generator=g)] for r, g in zip(row_sets, gens)])  # (K, B)
        g = L("mlp_a.3", relu(L("mlp_a.1", relu(torch.cat([L("mlp_f.2", relu(L("mlp_f.0", flow_x[idx]))),
                                                             L("mlp_o.2", relu(L("mlp_o.0", op_x[idx])))], dim=2)))))
        gh = F.normalize(g, dim=2) if cfg.head_norm else g
        strength = torch.sigmoid(L("head.2", relu(L("head.0", torch.cat([gh, t_head[idx]], dim=2))))).squeeze(2)
        pred, t = b_mean + strength * (1.0 - b_mean), target[idx]
        loss = F.binary_cross_entropy(pred.clamp(1e-6, 1 - 1e-6), t, reduction="none").mean(1).sum()
        if cfg.rank_weight:
            loss = loss + stacked_rank_loss(pred, t, 100.0, cfg.rank_weight)
        if cfg.alignment:
            kl = F.kl_div(F.log_softmax(g, dim=2), t_soft[idx], reduction="none").sum((1, 2)) / B
            loss = loss + kl.sum() + (1 - torch.sigmoid(F.cosine_similarity(g, text_x[idx], dim=2))).mean(1).sum()
        return loss

    optimizer = torch.optim.Adam(stack.params(), lr=cfg.lr, fused=True)
    work = len(nets) * B * sum(p.numel() for p in nets[0].parameters())  # multiply-adds of a step
    steps = max(1, round(float(np.mean([len(r) for r in rows])) / B))
    epochs, lr_schedule = _schedule(cfg, steps)
    with torch_threads(fit_threads(work)), flush_denormals():
        run_steps(optimizer, batch_loss, steps_per_epoch=steps, epochs=epochs, lr_schedule=lr_schedule)
    return stack.write_back()


def _network_outputs(models: list, arrays: tuple[np.ndarray, ...]) -> np.ndarray:
    """Mean output of ``models`` on (flows, ops, text), in batches of 8,192 rows."""
    import torch

    X = [torch.from_numpy(a) for a in arrays]
    n = len(arrays[0])
    outs = []
    with torch.inference_mode():
        for net in models:
            outs.append(torch.cat([net(*(a[i : i + 8192] for a in X))[0] for i in range(0, n, 8192)]).numpy())
    return np.mean(outs, axis=0)


def _fit_blend(cfg: CLUEConfig, dims: tuple[int, int, int], arrays: tuple[np.ndarray, ...], y: np.ndarray,
               prior: np.ndarray, groups: Sequence[str], low: float) -> tuple[list, dict[str, Any]]:
    """Networks trained by cross-validation bagging, and how their scores are blended with the prior.

    The labels are mapped into the range the network can predict (``low``: the lowest value its bounded output
    reaches; the coarse-to-fine levels then cover the label range). ``folds`` networks (times ``ensemble``) are
    each trained on the other folds (equivalent architectures share a fold); a network's score is its output
    standardised on its own training rows. Their out-of-fold scores fit the calibration curve (and, with
    ``cv_shrinkage``, choose the weight of the networks against the standardised prior), so neither is fitted on
    scores the networks have already seen the labels of (:mod:`clue_plugins.predictors.shrinkage`).
    """
    n = len(y)
    lo, hi = float(y.min()), float(y.max())
    span = hi - lo if hi > lo else 1.0
    target = (low + 0.02 + (1.0 - low - 0.04) * (y - lo) / span).astype(np.float64)
    fold, k = group_folds(groups, cfg.folds, cfg.seed)
    models, norms = [], []
    oof, inside = np.zeros(n), np.zeros(n)
    fold_rows = [np.flatnonzero(fold != f) if k > 1 else np.arange(n) for f in range(k)]
    seeds = [cfg.seed + f * cfg.ensemble + e for f in range(k) for e in range(cfg.ensemble)]
    if _stackable(cfg):
        trained = _train_stacked(cfg, seeds, dims, arrays, target, [fold_rows[s_ // cfg.ensemble] for s_ in range(len(seeds))])
    else:
        trained = [_train_one(cfg, seed, dims, *(a[fold_rows[j // cfg.ensemble]] for a in arrays),
                              target[fold_rows[j // cfg.ensemble]]) for j, seed in enumerate(seeds)]
    for f in range(k):
        rows = fold_rows[f]
        nets = trained[f * cfg.ensemble : (f + 1) * cfg.ensemble]
        out = _network_outputs(nets, arrays).astype(np.float64)
        mu, sd = float(out[rows].mean()), float(out[rows].std())
        sd = sd if sd > 1e-12 else 1.0
        models += nets
        norms.append([mu, sd])
        inside += (out - mu) / sd / k
        if k > 1:
            oof[fold == f] = ((out - mu) / sd)[fold == f]
    # prior="none" scores every architecture 0: no spread, so the networks stand alone
    blend = blend_with_prior(prior, oof if k > 1 else inside, y, fixed=cfg.shrinkage, cross_validate=cfg.cv_shrinkage,
                             can_cross_validate=k > 1, bounded=cfg.calibrate)
    return models, {**blend, "folds": k, "members_per_fold": cfg.ensemble, "norms": norms, "bounded": bool(cfg.calibrate)}


#: Up to this many architectures a prediction runs every network in one stacked pass (per-call cost dominates: one
#: architecture 0.6 ms instead of 1.5 ms); above it, one network at a time (larger matmuls: all 15,625 NB201 cells
#: 0.46 s instead of 0.53 s). Measured with benchmarks/bench_speed.py (docs/results/SPEED.md).
STACKED_ROWS = 1024


def _member_scores(models: list, blend: Mapping[str, Any], arrays: tuple[np.ndarray, ...],
                   cfg: CLUEConfig | None = None) -> np.ndarray:
    """Mean over folds of each fold's networks' output, standardised as on its training rows."""
    per = blend["members_per_fold"]
    if cfg is not None and _stackable(cfg) and len(models) > 1 and len(arrays[0]) <= STACKED_ROWS:
        outputs = _stacked_outputs(cfg, models, arrays)  # (networks, rows), as _network_outputs per network
        fold_out = [outputs[f * per : (f + 1) * per].mean(axis=0) for f in range(len(blend["norms"]))]
    else:
        fold_out = [_network_outputs(models[f * per : (f + 1) * per], arrays) for f in range(len(blend["norms"]))]
    total = np.zeros(len(arrays[0]))
    for out, (mu, sd) in zip(fold_out, blend["norms"]):
        total += (out.astype(np.float64) - mu) / sd
    return total / len(blend["norms"])


def _stacked_outputs(cfg: CLUEConfig, models: list, arrays: tuple[np.ndarray, ...]) -> np.ndarray:
    """Every network's inference output (:meth:`CLUENet._forward_shared`, soft selection) in one stacked pass: one
    batched matmul per layer for all networks (a prediction of one architecture was mostly per-call cost, three
    times over)."""
    import torch
    import torch.nn.functional as F

    stack = _inference_stack(models)
    L, relu, K = stack.apply, torch.relu, len(models)
    weights = torch.softmax(torch.zeros(1, cfg.M), dim=1)
    bounds = models[0].bounds
    flow_x, op_x, text_x = (torch.from_numpy(a) for a in arrays)
    outs = []
    with torch.inference_mode():
        for i in range(0, len(flow_x), 8192):
            flow, op, text = (a[None, i : i + 8192].expand(K, -1, -1) for a in (flow_x, op_x, text_x))
            g = L("mlp_a.3", relu(L("mlp_a.1", relu(torch.cat([L("mlp_f.2", relu(L("mlp_f.0", flow))),
                                                                 L("mlp_o.2", relu(L("mlp_o.0", op)))], dim=2)))))
            if cfg.head_norm:
                g, text = F.normalize(g, dim=2), F.normalize(text, dim=2)
            strength = torch.sigmoid(L("head.2", relu(L("head.0", torch.cat([g, text], dim=2)))))  # (K, n, 1)
            outs.append((weights * (bounds + strength * (1.0 - bounds))).sum(dim=2))
    return torch.cat(outs, dim=1).numpy()


#: Frozen stacked copies of fitted networks for inference, per first network; rebuilt when the list of networks or
#: any weight changed (torch counts in-place changes in each tensor's ``_version``).
_STACKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _inference_stack(models: list) -> Any:
    from clue_plugins.predictors.stacked import StackedLinears

    ids = tuple(id(m) for m in models)
    cached = _STACKS.get(models[0])
    if cached is not None and cached[0] == ids and cached[2] == tuple(p._version for p in cached[1]):
        return cached[3]
    params = [p for m in models for p in m.parameters()]
    stack = StackedLinears(models, trainable=False)
    _STACKS[models[0]] = (ids, params, tuple(p._version for p in params), stack)
    return stack


def _as_specs(specs: Sequence[ArchSpec]) -> list[ArchSpec]:
    """The architectures as a list, refusing anything that is not an ArchSpec with the adapter to use."""
    if isinstance(specs, ArchSpec):
        raise ConfigError("pass a list of architectures, not a single ArchSpec: model.predict([spec])")
    try:
        specs = list(specs)
    except TypeError:
        raise ConfigError(f"architectures must be a list of ArchSpec, got {shown(specs)}") from None
    bad = next((s for s in specs if not isinstance(s, ArchSpec)), None)
    if bad is not None:
        raise ConfigError(f"architectures must be ArchSpec objects, got {shown(bad)}: convert genotypes with "
                          "adapters.to_spec(genotype)")
    return specs

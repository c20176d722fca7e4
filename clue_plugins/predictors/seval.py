"""SEval-NAS: a search-agnostic multi-metric oracle (network -> string -> text embedding -> heads).

Any network becomes the SEval token string of its autograd graph (:mod:`clue_plugins.networks.strings`),
the string a pretrained text embedding (chunked and mean-pooled, :mod:`clue_plugins.text.long_text`),
and one small regression head per metric maps the embedding to the metric (accuracy per dataset,
latency per device, memory...). The text encoder is frozen, so heads are cheap: a user attaches a
new device or metric with :meth:`SEvalOracle.add_metric` from their own measurements without
touching the other heads.

Each head reads one of three feature sets of the same string (``features``):

- ``"embedding"``: the text embedding (the SEval-NAS method);
- ``"tokens"``: how many nodes of each type the string has (``Convolution[f16,k3x3,s1]``: 12, ...),
  with a ridge head: an additive per-layer cost model, the form of latency lookup tables;
- ``"tokens+embedding"``: the mean of the two heads' predictions.

``"auto"`` (default) gives metrics that add up over layers (``latency.*``, ``memory*``, ``energy*``)
the token model and every other metric (accuracy) the embedding: on NB201 the token model ranks
latency and memory better with up to a few hundred labels, the embedding ranks accuracy better
(feature ablation in docs/RESULTS.md).

Every head says when a network is far outside the networks it was trained on, where its prediction is an
extrapolation: a token head cannot price a node type it never saw in training, and an embedding head
checks how far the network's text embedding lies off the directions in which the training networks'
embeddings vary (more than ``OOD_LIMIT`` times their typical spread). :meth:`SEvalOracle.predict` warns
once per call for the embedding heads, naming the networks and heads.

Accuracy heads (metrics whose name starts with ``accuracy``) read their labels through
:func:`clue_plugins.predictors.features.to_fraction`: labels mixing fractions and percent are refused. With
``accuracy_prior="auto"`` (default) a head starts from a training-free prior and moves away from it as far as
cross-validation on its labels justifies (:mod:`clue_plugins.predictors.shrinkage`, the same rule as CLUE-NAS):
the live parameter count of a cell (:mod:`clue_plugins.predictors.prior`) when every network of a call is a cell of
a search space, else the convolution weights the string lists (any network). Its predictions lie strictly inside
the range of its training labels. ``accuracy_prior="none"``: the plain head, clipped to [0, 100] percent (or [0, 1]
for fraction labels). Heads for metrics that add up
over layers (latency, memory, energy) trained on non-negative labels never predict below 0.

Inputs (``items``) may mix :class:`~clue_plugins.spec.ArchSpec` (its benchmark network is built),
any ``torch.nn.Module`` (traced on ``example_input``: a tensor, a tuple of positional arguments or a dict,
see :func:`~clue_plugins.networks.strings.network_string`), ready SEval strings, and anything
:func:`adapters.to_spec` understands (NB201 arch strings, DARTS genotypes, NNI samples...).
"""

from __future__ import annotations

import numbers
import os
import re
import warnings
from collections import Counter
from dataclasses import dataclass, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from clue_plugins._io import load_model_dir, save_model_dir
from clue_plugins._state import seeded_torch
from clue_plugins.errors import ConfigError, DataIntegrityError, NotFittedError, UnknownNameError, shown
from clue_plugins.predictors.base import ConfiguredEstimator, checked_options, unknown_options
from clue_plugins.predictors.clue import EncoderLike
from clue_plugins.predictors.training import pairwise_rank_loss, train_minibatches
from clue_plugins.spec import ArchSpec

__all__ = ["SEvalConfig", "SEvalOracle", "is_accuracy", "output_range", "resolve_features"]

_SEVAL_STRING = re.compile(r"^0_\w+")
FORMAT = "seval-oracle/1"
HEADS = ("ensemble", "mlp", "ridge")
FEATURES = ("auto", "embedding", "tokens", "tokens+embedding")
ACCURACY_PRIORS = ("auto", "string", "none")
#: Metric kinds (the name up to its first dot) that add up over layers: ``features="auto"`` gives them tokens.
ADDITIVE_KINDS = ("latency", "memory", "energy")
_RIDGE_ALPHAS = np.logspace(-1, 4, 11)
#: An embedding head warns for a network whose embedding lies further off the training networks' principal
#: directions (those holding ``OOD_VARIANCE`` of the training embeddings' variance) than ``OOD_LIMIT`` times the
#: training networks' root-mean-square distance from their mean. Measured with the default encoder: held-out
#: NB201 cells stay below 2.0 for fits on 20 or more cells, an MLP, a text transformer or a VGG lie above 2.5.
OOD_LIMIT = 2.5
OOD_VARIANCE = 0.99
_OOD_MAX_DIRECTIONS = 64


@dataclass(frozen=True)
class SEvalConfig:
    """Hyperparameters of the oracle (defaults: the best measured configuration), as one frozen object; the
    fields are the keywords of :class:`SEvalOracle` (``SEvalOracle.from_config(cfg, **overrides)``)."""

    text_encoder: EncoderLike = "minilm"  # name, "name:weights", weights path or TextEncoder (the authors: t5-small, mean-pooled)
    pooling: str = "mean"          # "mean" over chunks of the string, or "truncate" (the encoder's own cut)
    chunk_tokens: int | None = 16  # model tokens per chunk (None: the encoder's maximum; measured: small is better)
    features: str = "auto"         # "embedding", "tokens", "tokens+embedding", or "auto" (by metric kind, see module doc)
    head: str = "ensemble"         # embedding head: "mlp" (MSE + ranking loss), "ridge" (alpha by GCV) or "ensemble" (their mean)
    hidden: int = 256
    steps: int = 1500              # optimiser steps per MLP head (mini-batches drawn with replacement)
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-3
    rank_weight: float = 1.0       # pairwise ranking loss weight (0: MSE on min-max scaled targets only)
    num_classes: int = 10          # classifier width of networks built from specs
    seed: int = 0
    accuracy_unit: str = "auto"    # labels of accuracy.* metrics: "auto" (refuses a mix), "percent" or "fraction"
    accuracy_prior: str = "auto"   # accuracy heads blend with a training-free prior: "auto" (cells' own, else strings'), "string", "none"
    folds: int = 3                 # cross-validation folds that weigh an accuracy head against its prior

    @classmethod
    def from_dict(cls, options: Mapping[str, Any]) -> "SEvalConfig":
        """A config from ``{option: value}``; an unknown option raises :class:`UnknownOptionError`."""
        if not isinstance(options, Mapping):
            raise ConfigError(f"SEval options must be a mapping {{option: value}}, got {shown(options)}")
        names = [f.name for f in fields(cls)]
        unknown = set(options) - set(names)
        if unknown:
            raise unknown_options("SEvalOracle", unknown, names)
        return cls(**options)

    def options(self) -> dict[str, Any]:
        """``{option: value}`` of every field."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready options (an encoder instance as its ``source`` string), as saved in ``oracle.json``."""
        from clue_plugins.text.encoders import encoder_source

        return {**self.options(), "text_encoder": encoder_source(self.text_encoder)}

    def validate(self) -> "SEvalConfig":
        """This config with plain Python values; a value the oracle cannot use raises :class:`ConfigError`."""
        from clue_plugins.text.encoders import TextEncoder
        from clue_plugins.text.long_text import POOLINGS

        enc = self.text_encoder
        if not isinstance(enc, (str, os.PathLike, TextEncoder)) or (isinstance(enc, str) and not enc):
            raise ConfigError(f"text_encoder must be an encoder name, a weights path or a TextEncoder, got {shown(enc)}")
        plain: dict[str, Any] = {"text_encoder": os.fspath(enc) if isinstance(enc, os.PathLike) else enc}
        for name in ("hidden", "steps", "batch_size", "num_classes", "seed", "chunk_tokens", "folds"):
            value = getattr(self, name)
            if name == "chunk_tokens" and value is None:
                continue
            if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)):
                raise ConfigError(f"SEval option {name} must be an int, got {shown(value)}")
            plain[name] = int(value)
        for name in ("lr", "weight_decay", "rank_weight"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)) or not np.isfinite(value):
                raise ConfigError(f"SEval option {name} must be a number, got {shown(value)}")
            plain[name] = float(value)
        cfg = replace(self, **plain)
        for name, allowed in (("pooling", POOLINGS), ("features", FEATURES), ("head", HEADS), ("accuracy_unit", _UNITS),
                              ("accuracy_prior", ACCURACY_PRIORS)):
            if getattr(cfg, name) not in allowed:
                raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {shown(getattr(cfg, name))}")
        if cfg.folds < 1:
            raise ConfigError(f"folds must be >= 1, got {cfg.folds}")
        if cfg.steps < 1 or cfg.batch_size < 1 or cfg.hidden < 1 or cfg.num_classes < 1:
            raise ConfigError("steps, batch_size, hidden and num_classes must be >= 1, got "
                              f"{cfg.steps}, {cfg.batch_size}, {cfg.hidden} and {cfg.num_classes}")
        if cfg.chunk_tokens is not None and cfg.chunk_tokens < 1:
            raise ConfigError(f"chunk_tokens must be >= 1 or None, got {shown(cfg.chunk_tokens)}")
        if not cfg.lr > 0 or cfg.weight_decay < 0 or cfg.rank_weight < 0:
            raise ConfigError(f"lr must be > 0 and weight_decay, rank_weight >= 0, got {cfg.lr}, {cfg.weight_decay} "
                              f"and {cfg.rank_weight}")
        return cfg


class SEvalOracle(ConfiguredEstimator):
    """Multi-metric oracle: ``fit(items, {metric: values})``, ``predict(items) -> {metric: array}``.

    The keywords are the options of :class:`SEvalConfig` (docs/seval.md); ``text_encoder`` takes a registered
    name, ``"name:weights"``, a weights path or a :class:`~clue_plugins.text.TextEncoder`. A scikit-learn
    estimator: ``fit`` freezes the options into ``config_``; :meth:`add_metric` trains new heads with that same
    configuration.
    """

    config_class = SEvalConfig
    _fitted_attr = "heads_"

    @checked_options
    def __init__(self, *, text_encoder: EncoderLike = "minilm", pooling: str = "mean", chunk_tokens: int | None = 16,
                 features: str = "auto", head: str = "ensemble", hidden: int = 256, steps: int = 1500,
                 batch_size: int = 64, lr: float = 1e-3, weight_decay: float = 1e-3, rank_weight: float = 1.0,
                 num_classes: int = 10, seed: int = 0, accuracy_unit: str = "auto", accuracy_prior: str = "auto",
                 folds: int = 3) -> None:
        self.text_encoder = text_encoder
        self.pooling = pooling
        self.chunk_tokens = chunk_tokens
        self.features = features
        self.head = head
        self.hidden = hidden
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.rank_weight = rank_weight
        self.num_classes = num_classes
        self.seed = seed
        self.accuracy_unit = accuracy_unit
        self.accuracy_prior = accuracy_prior
        self.folds = folds

    @property
    def metrics(self) -> list[str]:
        """Metrics this oracle predicts (empty before ``fit``)."""
        return list(getattr(self, "heads_", {}))

    # -- items -> strings -> embeddings ------------------------------------------------------------
    def strings(self, items: Sequence[Any], example_input: Any = None, progress: bool | None = None, *,
                example_inputs: Any = None) -> list[str]:
        """The SEval string of every item (specs' strings are cached on disk).

        Modules are traced on ``example_input`` (or ``example_inputs``, the same): what their forward takes, a
        tensor, a tuple of positional arguments or a dict (see :func:`~clue_plugins.networks.network_string`).
        """
        from clue_plugins.networks.strings import network_string, spec_strings

        example_input = _example(example_input, example_inputs)
        items = list(items)
        out: list[str | None] = [None] * len(items)
        spec_pos: list[int] = []
        specs: list[ArchSpec] = []
        for i, item in enumerate(items):
            if isinstance(item, str) and _SEVAL_STRING.match(item):
                out[i] = item
            elif _is_module(item):
                out[i] = network_string(item, example_input)
            else:
                spec_pos.append(i)
                specs.append(item if isinstance(item, ArchSpec) else _to_spec(item))
        if specs:
            for i, s in zip(spec_pos, spec_strings(specs, self.active_config().num_classes, progress)):
                out[i] = s
        return out  # type: ignore[return-value]

    def embed(self, items: Sequence[Any], example_input: Any = None, progress: bool | None = None, *,
              example_inputs: Any = None) -> np.ndarray:
        """(n, dim) text embeddings of the items' strings (cached on disk)."""
        example_input = _example(example_input, example_inputs)
        items = list(items)
        if not items:
            raise ConfigError("no networks given")
        return self._embed_strings(self.strings(items, example_input, progress), progress)

    def _embed_strings(self, strings: list[str], progress: bool | None) -> np.ndarray:
        from clue_plugins.text import resolve_encoder
        from clue_plugins.text.long_text import embed_long

        cfg = self.active_config()
        return embed_long(resolve_encoder(cfg.text_encoder), strings, cfg.pooling, cfg.chunk_tokens, progress)

    def _inputs(self, items: Sequence[Any], example_input: Any, progress: bool | None) -> "_Inputs":
        items = list(items)
        if not items:
            raise ConfigError("no networks given")
        # a module or a ready string has no cell (only the string prior applies to it); genotypes become specs once
        specs = [None if _is_module(item) or (isinstance(item, str) and _SEVAL_STRING.match(item))
                 else item if isinstance(item, ArchSpec) else _to_spec(item) for item in items]
        items = [item if spec is None else spec for item, spec in zip(items, specs)]
        return _Inputs(self, self.strings(items, example_input, progress), progress, specs)

    # -- training -----------------------------------------------------------------------------------
    def fit(self, items: Sequence[Any], targets: Mapping[str, Sequence[float]], example_input: Any = None,
            progress: bool | None = None, *, example_inputs: Any = None) -> "SEvalOracle":
        """Train one head per metric on the same networks; replaces every head this oracle had.

        ``targets`` maps metric names to one value per item; NaN marks a network without that metric.
        """
        example_input = _example(example_input, example_inputs)
        cfg = self.get_config()
        items = list(items)
        if not isinstance(targets, Mapping) or not targets:
            raise ConfigError(f"targets must be a non-empty mapping {{metric name: values}}, got {shown(targets)}")
        for name, values in targets.items():
            if len(values) != len(items):
                raise ConfigError(f"metric {name!r} has {len(values)} values but {len(items)} networks were given")
            output_range(name, _label_array(name, values), cfg.accuracy_unit)  # before any network is traced
        for attr in ("config_", "heads_"):  # a refit starts from nothing: heads of the old config must not survive
            self.__dict__.pop(attr, None)
        self.config_ = cfg
        try:
            inputs = self._inputs(items, example_input, progress)
            self.heads_ = {name: self._fit_head(name, inputs, values) for name, values in targets.items()}
        except BaseException:
            del self.config_
            raise
        return self

    def add_metric(self, name: str, items: Sequence[Any], values: Sequence[float], example_input: Any = None,
                   replace: bool = False, features: str | None = None, unit: str | None = None, *,
                   example_inputs: Any = None) -> "SEvalOracle":
        """Attach a head for a new metric (a new device, say) trained on its own measured networks.

        ``features`` overrides the oracle's ``features`` setting for this head (see the module doc), ``unit``
        its ``accuracy_unit`` (for an ``accuracy*`` metric: ``"auto"``, ``"percent"`` or ``"fraction"``).
        """
        example_input = _example(example_input, example_inputs)
        items = list(items)
        if hasattr(self, "config_"):
            cfg = self.config_
            now = self.get_config()
            moved = [k for k, v in now.options().items() if v != getattr(cfg, k)]
            if moved:
                raise ConfigError(f"the options {moved} changed since fit; add_metric trains with the fitted options: "
                                  "set them back, or fit again")
        else:
            cfg = self.get_config()
        if len(values) != len(items):
            raise ConfigError(f"metric {name!r} has {len(values)} values but {len(items)} networks were given")
        if name in getattr(self, "heads_", {}) and not replace:
            raise ConfigError(f"metric {name!r} already has a head; pass replace=True to retrain it")
        if features is not None and features not in FEATURES:
            raise ConfigError(f"features must be one of {', '.join(FEATURES)}, got {shown(features)}")
        if unit is not None and unit not in _UNITS:
            raise ConfigError(f"unit must be one of {', '.join(_UNITS)}, got {shown(unit)}")
        values = _label_array(name, values)
        output_range(name, values, unit or cfg.accuracy_unit)  # refuse bad labels before tracing networks
        fresh = not hasattr(self, "config_")
        self.config_ = cfg
        try:
            head = self._fit_head(name, self._inputs(items, example_input, None), values, features, unit)
        except BaseException:
            if fresh:
                del self.config_
            raise
        self.heads_ = {**getattr(self, "heads_", {}), name: head}
        return self

    def _fit_head(self, name: str, inputs: "_Inputs", values: Sequence[float], features: str | None = None,
                  unit: str | None = None) -> dict[str, Any]:
        head = self._fit_core(name, inputs, values, features, unit)
        if is_accuracy(name) and self.config_.accuracy_prior != "none":
            head["blend"] = self._fit_prior_blends(name, inputs, _label_array(name, values), features, unit, head)
        return head

    def _fit_prior_blends(self, name: str, inputs: "_Inputs", y: np.ndarray, features: str | None, unit: str | None,
                          head: dict) -> dict[str, dict[str, Any]]:
        """How far an accuracy head moves away from its training-free prior, per prior: ``string`` (the convolution
        weights a string lists: any network) and, when every training network is a cell of a search space,
        ``cell`` (its live parameter count, a better prior for cells). Heads trained on all folds but one (networks
        with the same string share a fold) choose the shrinkage by their out-of-fold ranking of the labels and fit
        the calibration curve (:mod:`~clue_plugins.predictors.shrinkage`)."""
        from clue_plugins.predictors.shrinkage import blend_with_prior, group_folds

        keep = np.flatnonzero(np.isfinite(y))
        fold, k = group_folds([inputs.strings[i] for i in keep], self.config_.folds, self.config_.seed)
        if k > 1 and min(int((fold != f).sum()) for f in range(k)) < 2:  # a head needs two labels
            k = 1
        raw = self._raw_head(head, inputs)
        mu, sd = float(raw[keep].mean()), float(raw[keep].std()) or 1.0
        oof = (raw[keep] - mu) / sd
        if k > 1:
            for f in range(k):
                part = np.full(len(y), np.nan)
                part[keep[fold != f]] = y[keep[fold != f]]
                out = self._raw_head(self._fit_core(name, inputs, part, features, unit), inputs)
                fmu, fsd = float(out[keep[fold != f]].mean()), float(out[keep[fold != f]].std()) or 1.0
                oof[fold == f] = ((out[keep] - fmu) / fsd)[fold == f]
        kinds = ("cell", "string") if inputs.all_specs and self.config_.accuracy_prior == "auto" else ("string",)
        return {kind: {**blend_with_prior(inputs.prior(kind)[keep], oof, y[keep], cross_validate=True,
                                          can_cross_validate=k > 1), "head": [mu, sd]} for kind in kinds}

    def _fit_core(self, name: str, inputs: "_Inputs", values: Sequence[float], features: str | None = None,
                  unit: str | None = None) -> dict[str, Any]:
        y = _label_array(name, values)
        keep = np.isfinite(y)
        if keep.sum() < 2:
            raise ConfigError(f"metric {name!r} needs at least 2 finite values, got {int(keep.sum())}")
        y = y[keep]
        cfg = self.config_
        clip = output_range(name, y, unit or cfg.accuracy_unit)
        lo, hi = float(y.min()), float(y.max())
        span = hi - lo if hi > lo else 1.0
        ys = ((y - lo) / span).astype(np.float32)  # min-max scaled, as the authors trained
        features = resolve_features(name, features or cfg.features)
        head: dict[str, Any] = {"lo": lo, "span": span, "kind": cfg.head, "features": features, "n_train": int(keep.sum())}
        if clip is not None:
            head["clip"] = clip
        if features in ("tokens", "tokens+embedding"):
            vocab = sorted(set().union(*(c for c, k in zip(inputs.counts, keep) if k)))
            C = inputs.count_matrix(vocab)[0][keep]
            tmean, tsd = C.mean(axis=0), C.std(axis=0) + 1e-6
            head.update(vocab=vocab, tmean=tmean.astype(np.float32), tsd=tsd.astype(np.float32),
                        tweights=_ridge(((C - tmean) / tsd).astype(np.float32), ys))
        if features in ("embedding", "tokens+embedding"):
            X = inputs.embedding[keep]
            mean, sd = X.mean(axis=0), X.std(axis=0) + 1e-6
            Xs = ((X - mean) / sd).astype(np.float32)
            head.update(mean=mean.astype(np.float32), sd=sd.astype(np.float32), **_ood_reference(X, mean))
            if cfg.head in ("ridge", "ensemble"):
                head["weights"] = _ridge(Xs, ys)
            if cfg.head in ("mlp", "ensemble"):
                head["net"] = _train_mlp(Xs, ys, cfg)
        return head

    # -- inference ----------------------------------------------------------------------------------
    def predict(self, items: Sequence[Any], metrics: Sequence[str] | None = None, example_input: Any = None,
                progress: bool | None = None, *, example_inputs: Any = None) -> dict[str, np.ndarray]:
        """Predicted values per metric (in the units the metric was trained in; accuracies clipped to their range).

        Warns (once per call) when networks are far outside the networks a head was trained on (module doc).
        """
        example_input = _example(example_input, example_inputs)
        if not getattr(self, "heads_", None):
            raise NotFittedError("this SEvalOracle has no heads yet: call fit(items, {metric: values}) or SEvalOracle.load(path)")
        wanted = list(self.heads_) if metrics is None else [metrics] if isinstance(metrics, str) else list(metrics)
        for m in wanted:
            if m not in self.heads_:
                raise UnknownNameError(f"unknown metric {m!r}; this oracle predicts {', '.join(self.heads_)}. "
                                "Attach it with add_metric(name, networks, values)")
        inputs = self._inputs(items, example_input, progress)
        out = {m: self._predict_head(m, self.heads_[m], inputs) for m in wanted}
        self._warn_far(wanted, inputs)
        return out

    def distances(self, items: Sequence[Any], metric: str, example_input: Any = None,
                  progress: bool | None = None, *, example_inputs: Any = None) -> np.ndarray:
        """How far each network lies outside the networks the ``metric`` head was trained on: its embedding's
        distance off the training embeddings' principal directions, in units of their RMS spread (NaN where the
        head reads no embedding, or was saved without this reference). Above ``OOD_LIMIT``, predict warns."""
        example_input = _example(example_input, example_inputs)
        if metric not in getattr(self, "heads_", {}):
            raise UnknownNameError(f"unknown metric {metric!r}; this oracle predicts "
                            f"{', '.join(self.metrics) or 'nothing yet'}")
        inputs = self._inputs(items, example_input, progress)
        d = _ood_distance(self.heads_[metric], inputs)
        return np.full(len(inputs), np.nan) if d is None else d

    def _warn_far(self, metrics: Sequence[str], inputs: "_Inputs") -> None:
        far: dict[str, np.ndarray] = {}
        for m in metrics:
            d = _ood_distance(self.heads_[m], inputs)
            if d is not None and (d > OOD_LIMIT).any():
                far[m] = d
        if not far:
            return
        worst = np.max(list(far.values()), axis=0)
        hit = worst > OOD_LIMIT
        names = ", ".join(repr(m) for m in far)
        warnings.warn(
            f"{int(hit.sum())} of {len(hit)} networks are far outside the networks the {names} head(s) were trained on "
            f"(text embedding up to {worst.max():.1f}x the training networks' spread off every direction they vary in; "
            f"limit {OOD_LIMIT}): those predictions are extrapolations. Fit the heads on networks like them "
            "(fit or add_metric), or check oracle.distances(networks, metric)", UserWarning, stacklevel=3)

    @staticmethod
    def _predict_head(name: str, head: dict, inputs: "_Inputs") -> np.ndarray:
        blend = head.get("blend")
        if blend is None:
            return SEvalOracle._head_output(name, head, inputs)
        from clue_plugins.predictors.shrinkage import calibrated

        # one prior per call: the cells' own when every network is a cell and the head has it, else the strings'
        kind = "cell" if "cell" in blend and inputs.all_specs else "string"
        chosen = blend[kind]
        z = (inputs.prior(kind) - chosen["prior"][0]) / chosen["prior"][1]
        w = chosen["shrinkage"]
        score = (1.0 - w) * z
        if w > 0:
            score = score + w * (SEvalOracle._raw_head(head, inputs) - chosen["head"][0]) / chosen["head"][1]
        return calibrated(chosen["curve"], *chosen["range"], score, True)

    @staticmethod
    def _raw_head(head: dict, inputs: "_Inputs") -> np.ndarray:
        """The head's output before clipping (what the blend standardises)."""
        return SEvalOracle._head_output("", {k: v for k, v in head.items() if k != "clip"}, inputs)

    @staticmethod
    def _head_output(name: str, head: dict, inputs: "_Inputs") -> np.ndarray:
        parts = []
        if "tweights" in head:
            C, unseen = inputs.count_matrix(head["vocab"])
            if unseen.any():
                known = set(head["vocab"])
                example = next(t for c in inputs.counts for t in c if t not in known)
                warnings.warn(f"{int(unseen.sum())} of {len(unseen)} networks have node types the {name!r} head never saw "
                              f"in training (e.g. {example!r}); their cost is not counted. Fit the head on networks "
                              "that use them, or use features='embedding'", UserWarning, stacklevel=4)
            w = head["tweights"]
            parts.append(((C - head["tmean"]) / head["tsd"]).astype(np.float32) @ w[:-1] + w[-1])
        if "mean" in head:
            Xs = ((inputs.embedding - head["mean"]) / head["sd"]).astype(np.float32)
            emb = []
            if "weights" in head:
                w = head["weights"]
                emb.append(Xs @ w[:-1] + w[-1])
            if "net" in head:
                import torch

                with torch.no_grad():
                    emb.append(head["net"](torch.from_numpy(Xs)).squeeze(1).numpy())
            parts.append(np.mean(emb, axis=0))  # the ensemble averages ridge and MLP on the min-max scale
        ys = np.mean(parts, axis=0)
        out = ys.astype(np.float64) * head["span"] + head["lo"]
        clip = head.get("clip")
        if clip is not None:  # an accuracy above 100 % or a negative latency is never a prediction
            out = np.clip(out, clip[0], np.inf if clip[1] is None else clip[1])
        return out

    # -- persistence --------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write ``path/oracle.json`` and ``path/heads.pt`` (tensors and state dicts, no pickled code)."""
        import torch

        if not getattr(self, "heads_", None):
            raise NotFittedError("nothing to save: this SEvalOracle has no heads yet")
        meta = {"format": FORMAT, "config": self.config_.to_dict(),
                "heads": {m: {k: h[k] for k in _META if k in h}
                          for m, h in self.heads_.items()}}
        tensors = {}
        for m, h in self.heads_.items():
            tensors[m] = {k: torch.from_numpy(h[k]) for k in _ARRAYS if k in h}
            if "net" in h:
                tensors[m]["state"] = h["net"].state_dict()
        save_model_dir(path, "oracle.json", meta, "heads.pt", tensors)

    @classmethod
    def load(cls, path: str | Path, *, text_encoder: EncoderLike | None = None) -> "SEvalOracle":
        """An oracle written by :meth:`save` (``text_encoder`` replaces the saved one, e.g. weights moved)."""
        meta, tensors = load_model_dir(path, "oracle.json", "heads.pt", FORMAT, "an SEval oracle")
        config, heads = meta.get("config"), meta.get("heads")
        if not isinstance(config, dict) or not isinstance(heads, dict) or not isinstance(tensors, dict):
            raise DataIntegrityError(f"{path}: oracle.json lacks its config or heads, or heads.pt its tensors; "
                                     "the saved SEval oracle is damaged: save it again")
        if text_encoder is not None:
            config = {**config, "text_encoder": text_encoder}
        try:
            cfg = SEvalConfig.from_dict(config).validate()
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{path}/oracle.json has a config this version cannot use ({exc}); "
                              "fix or remove that option, or save the oracle again") from None
        loaded = {}
        for m, info in heads.items():
            try:
                loaded[m] = _load_head(m, info, tensors[m], cfg)
            except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as exc:
                raise DataIntegrityError(f"{path}: the saved head {shown(m)} is damaged ({type(exc).__name__}: "
                                         f"{str(exc)[:200]}); save the oracle again") from None
        self = cls.from_config(cfg)
        self.config_, self.heads_ = cfg, loaded
        return self


def _load_head(name: str, info: dict, t: dict, cfg: SEvalConfig) -> dict:
    head = {"features": "embedding", **info, **{k: t[k].numpy() for k in _ARRAYS if k in t}}
    if not all(isinstance(head.get(k), (int, float)) for k in ("lo", "span")):
        raise ValueError("lo and span must be numbers")
    if head["features"] not in FEATURES[1:]:
        raise ValueError(f"features {shown(head['features'])} is not one of {FEATURES[1:]}")
    if "tweights" not in head and not ("mean" in head and ("weights" in head or "state" in t)):
        raise ValueError("it has no weights")
    if "clip" not in head:  # saved before outputs were clipped: the range of the labels it was trained on
        head["clip"] = _legacy_range(name, head)
    clip = head["clip"]
    if clip is None:
        del head["clip"]
    elif not (isinstance(clip, list) and len(clip) == 2 and isinstance(clip[0], (int, float))
              and (clip[1] is None or isinstance(clip[1], (int, float)))):
        raise ValueError(f"clip must be [low, high or null], got {shown(clip)}")
    if "ood_basis" in head or "ood_scale" in head:
        basis, scale = head.get("ood_basis"), head.get("ood_scale")
        if (basis is None or "mean" not in head or basis.ndim != 2 or basis.shape[1] != len(head["mean"])
                or not isinstance(scale, (int, float)) or not scale > 0):
            raise ValueError("ood_basis / ood_scale do not match the head's embedding")
    if "blend" in head:
        head["blend"] = _checked_blends(head["blend"])
    if "state" in t:
        net = _mlp(len(head["mean"]), cfg.hidden)
        net.load_state_dict(t["state"])
        head["net"] = net.eval()
    return head


def _checked_blends(blends: Any) -> dict[str, dict[str, Any]]:
    """A saved head's prior blends, every number finite and in range (else ValueError)."""
    if not isinstance(blends, dict) or "string" not in blends or set(blends) - {"cell", "string"}:
        raise ValueError("blend must hold a 'string' (and maybe a 'cell') prior blend")
    from clue_plugins.predictors.shrinkage import checked_blend

    return {kind: checked_blend(b, ("prior", "head", "range", "curve")) for kind, b in blends.items()}


_ARRAYS = ("mean", "sd", "weights", "tmean", "tsd", "tweights", "ood_basis")
_META = ("lo", "span", "kind", "features", "n_train", "vocab", "clip", "ood_scale", "blend")
_UNITS = ("auto", "percent", "fraction")


def _example(example_input: Any, example_inputs: Any) -> Any:
    if example_input is not None and example_inputs is not None:
        raise ConfigError("pass example_inputs= or its older name example_input=, not both")
    return example_inputs if example_inputs is not None else example_input


def is_accuracy(metric: str) -> bool:
    """Whether ``metric`` is an accuracy (its name starts with ``accuracy``, as ``accuracy.cifar10``)."""
    return metric.lower().startswith("accuracy")


def output_range(metric: str, labels: np.ndarray, unit: str = "auto") -> list[float | None] | None:
    """``[low, high]`` that predictions of ``metric`` are clipped to (``None``: no bound), given its labels.

    Accuracies: ``[0, 100]`` for percent labels and ``[0, 1]`` for fractions, the unit read by
    :func:`~clue_plugins.predictors.features.to_fraction` (which refuses labels mixing the two; ``unit`` says
    it outright). Latency, memory and energy: ``[0, None]`` when every label is non-negative. Else ``None``.
    """
    y = labels[np.isfinite(labels)]
    if is_accuracy(metric):
        from clue_plugins.predictors.features import to_fraction

        try:
            _, scale = to_fraction(y, unit=unit)
        except ValueError as exc:  # ConfigError included: say which metric
            raise ConfigError(f"metric {metric!r}: {exc}") from None
        return [0.0, float(scale)]
    if metric.split(".")[0].lower() in ADDITIVE_KINDS and len(y) and (y >= 0).all():
        return [0.0, None]
    return None


def _legacy_range(metric: str, head: dict) -> list[float | None] | None:
    """The output range of a head saved without one (its labels spanned ``lo`` .. ``lo + span``)."""
    lo, hi = float(head["lo"]), float(head["lo"]) + float(head["span"])
    if is_accuracy(metric) and 0 <= lo and hi <= 100:
        return [0.0, 100.0 if hi > 1 else 1.0]
    if metric.split(".")[0].lower() in ADDITIVE_KINDS and lo >= 0:
        return [0.0, None]
    return None


def _label_array(metric: str, values: Sequence[float]) -> np.ndarray:
    try:
        y = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"metric {metric!r}: values must be numbers, got {shown(values)}") from None
    if y.ndim != 1:
        raise ConfigError(f"metric {metric!r}: values must be one number per network, got an array of shape {y.shape}")
    return y


def _ood_reference(X: np.ndarray, mean: np.ndarray) -> dict[str, Any]:
    """What an embedding head keeps of its training embeddings to tell far networks: the principal directions
    holding ``OOD_VARIANCE`` of their variance, and their RMS distance from the mean (the unit of distance)."""
    D = (X - mean).astype(np.float64)
    scale = float(np.sqrt((D ** 2).sum(axis=1).mean()))
    if not np.isfinite(scale) or scale <= 1e-8:  # identical training embeddings: no spread to measure against
        return {}
    _, s, vt = np.linalg.svd(D, full_matrices=False)
    share = np.cumsum(s ** 2) / (s ** 2).sum()
    k = min(int(np.searchsorted(share, OOD_VARIANCE - 1e-9)) + 1, len(s), _OOD_MAX_DIRECTIONS)
    return {"ood_basis": vt[:k].astype(np.float32), "ood_scale": scale}


def _ood_distance(head: dict, inputs: "_Inputs") -> np.ndarray | None:
    """Each network's distance off the head's training directions, in training spreads (None: no reference)."""
    if "ood_basis" not in head or "ood_scale" not in head or "mean" not in head:
        return None  # a token-only head, or one saved before this check existed
    D = inputs.embedding.astype(np.float64) - head["mean"]
    V = head["ood_basis"].astype(np.float64)
    R = D - (D @ V.T) @ V
    return np.linalg.norm(R, axis=1) / float(head["ood_scale"])


def resolve_features(metric: str, features: str) -> str:
    """The feature set a head for ``metric`` uses: ``features`` itself unless it is ``"auto"``."""
    if features != "auto":
        return features
    return "tokens" if metric.split(".")[0].lower() in ADDITIVE_KINDS else "embedding"


class _Inputs:
    """One batch of networks as heads read them; each feature set is computed on first use (a prediction with
    token heads only never loads the text encoder, one with embedding heads only never parses node types)."""

    def __init__(self, oracle: SEvalOracle, strings: list[str], progress: bool | None,
                 specs: list[ArchSpec | None] | None = None) -> None:
        self._oracle, self._strings, self._progress = oracle, strings, progress
        self._specs = specs

    @property
    def strings(self) -> list[str]:
        return self._strings

    @property
    def all_specs(self) -> bool:
        """Whether every network is a cell of a search space (so the cell prior applies)."""
        return self._specs is not None and all(s is not None for s in self._specs)

    def prior(self, kind: str) -> np.ndarray:
        """The training-free prior of every network: ``cell`` (log live parameter count of its cells) or ``string``
        (log of the convolution weights its string lists)."""
        if kind == "cell":
            from clue_plugins.predictors.prior import prior_scores

            return prior_scores(self._specs)  # type: ignore[arg-type]
        return np.array([_string_weights(c) for c in self.counts])

    def __len__(self) -> int:
        return len(self._strings)

    @cached_property
    def counts(self) -> list[Counter]:
        from clue_plugins.networks.strings import node_types

        return [Counter(node_types(s)) for s in self._strings]

    @cached_property
    def embedding(self) -> np.ndarray:
        return self._oracle._embed_strings(self._strings, self._progress)

    def count_matrix(self, vocab: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(n, len(vocab)) node counts, and which networks have node types outside ``vocab``."""
        known = set(vocab)
        C = np.array([[c.get(t, 0) for t in vocab] for c in self.counts], dtype=np.float64).reshape(len(self.counts), len(vocab))
        unseen = np.array([any(t not in known for t in c) for c in self.counts])
        return C, unseen


_CONV = re.compile(r"Convolution\[f(\d+),k(\d+)x(\d+)(?:,s\d+)?(?:,g(\d+))?")


def _string_weights(counts: Counter) -> float:
    """log(1 + the weights of the convolutions a string lists), assuming as many input as output channels (a string
    names output filters, kernel and groups only)."""
    total = 0.0
    for token, n in counts.items():
        m = _CONV.match(token)
        if m:
            f, kh, kw, g = int(m[1]), int(m[2]), int(m[3]), int(m[4] or 1)
            total += n * f * f * kh * kw / g
    return float(np.log1p(total))


def _is_module(item: Any) -> bool:
    try:
        from torch import nn
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    return isinstance(item, nn.Module)


def _to_spec(item: Any) -> ArchSpec:
    from adapters import to_spec

    return to_spec(item)


def _ridge(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ridge regression with its penalty chosen by generalised cross-validation: [coef..., intercept]."""
    from sklearn.linear_model import RidgeCV

    model = RidgeCV(alphas=_RIDGE_ALPHAS).fit(X.astype(np.float64), y.astype(np.float64))
    return np.append(model.coef_, model.intercept_).astype(np.float32)


def _mlp(dim: int, hidden: int):
    from torch import nn

    return nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def _train_mlp(X: np.ndarray, y: np.ndarray, cfg: SEvalConfig):
    import torch
    import torch.nn.functional as F

    with seeded_torch(cfg.seed):  # layer initialisation draws from torch's global generator; the caller's is kept
        net = _mlp(X.shape[1], cfg.hidden)
    gen = torch.Generator().manual_seed(cfg.seed)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def batch_loss(idx):
        pred = net(Xt[idx]).squeeze(1)
        loss = F.mse_loss(pred, yt[idx])
        if cfg.rank_weight:
            loss = loss + pairwise_rank_loss(pred, yt[idx], 10.0, cfg.rank_weight)
        return loss

    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    return train_minibatches(net, opt, batch_loss, len(y), batch_size=min(cfg.batch_size, len(y)),
                             steps_per_epoch=cfg.steps, generator=gen)

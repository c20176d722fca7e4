"""SEval-NAS: a search-agnostic multi-metric oracle (network -> string -> text embedding -> heads).

Any network becomes the SEval token string of its autograd graph (:mod:`clue_plugins.networks.strings`),
the string a pretrained text embedding (chunked and mean-pooled, :mod:`clue_plugins.text.long_text`),
and one small regression head per metric maps the embedding to the metric (accuracy per dataset,
latency per device, memory...). The text encoder is frozen, so heads are cheap: a user attaches a
new device or metric with :meth:`SEvalOracle.add_metric` from their own measurements without
touching the other heads.

Inputs (``items``) may mix :class:`~clue_plugins.spec.ArchSpec` (its benchmark network is built),
any ``torch.nn.Module`` (traced on ``example_input``), ready SEval strings, and anything
:func:`adapters.to_spec` understands (NB201 arch strings, DARTS genotypes, NNI samples...).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from clue_plugins._io import load_model_dir, save_model_dir
from clue_plugins.errors import ClueError, NotFittedError
from clue_plugins.spec import ArchSpec

_SEVAL_STRING = re.compile(r"^0_\w+")
FORMAT = "seval-oracle/1"
HEADS = ("ensemble", "mlp", "ridge")
_RIDGE_ALPHAS = np.logspace(-1, 4, 11)


@dataclass
class SEvalConfig:
    """Hyperparameters of the oracle (defaults: the best measured configuration)."""

    text_encoder: str = "minilm"   # registered text encoder (the authors used t5-small, mean-pooled)
    pooling: str = "mean"          # "mean" over chunks of the string, or "truncate" (the encoder's own cut)
    chunk_tokens: int | None = 16  # model tokens per chunk (None: the encoder's maximum; measured: small is better)
    head: str = "ensemble"         # "mlp" (MSE + ranking loss), "ridge" (alpha by GCV) or "ensemble" (their mean)
    hidden: int = 256
    steps: int = 1500              # optimiser steps per MLP head (mini-batches drawn with replacement)
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-3
    rank_weight: float = 1.0       # pairwise ranking loss weight (0: MSE on min-max scaled targets only)
    num_classes: int = 10          # classifier width of networks built from specs
    seed: int = 0

    def validate(self) -> "SEvalConfig":
        from clue_plugins.text.long_text import POOLINGS

        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {self.head!r}")
        if self.steps < 1 or self.batch_size < 1 or self.hidden < 1:
            raise ValueError("steps, batch_size and hidden must be >= 1")
        return self


class SEvalOracle:
    """Multi-metric oracle: ``fit(items, {metric: values})``, ``predict(items) -> {metric: array}``."""

    def __init__(self, **config: Any) -> None:
        names = {f.name for f in fields(SEvalConfig)}
        unknown = set(config) - names
        if unknown:
            raise TypeError(f"unknown SEvalOracle option(s) {sorted(unknown)}; options: {sorted(names)}")
        self.config = config

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return asdict(self._cfg())

    def set_params(self, **params: Any) -> "SEvalOracle":
        self.__init__(**{**self.config, **params})
        return self

    def _cfg(self) -> SEvalConfig:
        return SEvalConfig(**self.config).validate()

    @property
    def metrics(self) -> list[str]:
        """Metrics this oracle predicts (empty before ``fit``)."""
        return list(getattr(self, "heads_", {}))

    # -- items -> strings -> embeddings ------------------------------------------------------------
    def strings(self, items: Sequence[Any], example_input: Any = None, progress: bool | None = None) -> list[str]:
        """The SEval string of every item (specs' strings are cached on disk)."""
        from clue_plugins.networks.strings import network_string, spec_strings

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
            for i, s in zip(spec_pos, spec_strings(specs, self._cfg().num_classes, progress)):
                out[i] = s
        return out  # type: ignore[return-value]

    def embed(self, items: Sequence[Any], example_input: Any = None, progress: bool | None = None) -> np.ndarray:
        """(n, dim) text embeddings of the items' strings (cached on disk)."""
        from clue_plugins.text import get_encoder
        from clue_plugins.text.long_text import embed_long

        cfg = self._cfg()
        items = list(items)
        if not items:
            raise ValueError("no networks given")
        encoder = get_encoder(cfg.text_encoder)
        return embed_long(encoder, self.strings(items, example_input, progress), cfg.pooling, cfg.chunk_tokens, progress)

    # -- training -----------------------------------------------------------------------------------
    def fit(self, items: Sequence[Any], targets: Mapping[str, Sequence[float]], example_input: Any = None,
            progress: bool | None = None) -> "SEvalOracle":
        """Train one head per metric on the same networks; replaces every head this oracle had.

        ``targets`` maps metric names to one value per item; NaN marks a network without that metric.
        """
        items = list(items)
        if not isinstance(targets, Mapping) or not targets:
            raise ValueError("targets must be a non-empty mapping {metric name: values}")
        for name, values in targets.items():
            if len(values) != len(items):
                raise ValueError(f"metric {name!r} has {len(values)} values but {len(items)} networks were given")
        X = self.embed(items, example_input, progress)
        self.heads_ = {}
        for name, values in targets.items():
            self._fit_head(name, X, values)
        return self

    def add_metric(self, name: str, items: Sequence[Any], values: Sequence[float], example_input: Any = None,
                   replace: bool = False) -> "SEvalOracle":
        """Attach a head for a new metric (a new device, say) trained on its own measured networks."""
        items = list(items)
        if len(values) != len(items):
            raise ValueError(f"metric {name!r} has {len(values)} values but {len(items)} networks were given")
        if name in getattr(self, "heads_", {}) and not replace:
            raise ClueError(f"metric {name!r} already has a head; pass replace=True to retrain it")
        if not hasattr(self, "heads_"):
            self.heads_ = {}
        self._fit_head(name, self.embed(items, example_input), values)
        return self

    def _fit_head(self, name: str, X: np.ndarray, values: Sequence[float]) -> None:
        y = np.asarray(values, dtype=np.float64)
        keep = np.isfinite(y)
        if keep.sum() < 2:
            raise ValueError(f"metric {name!r} needs at least 2 finite values, got {int(keep.sum())}")
        X, y = X[keep], y[keep]
        lo, hi = float(y.min()), float(y.max())
        span = hi - lo if hi > lo else 1.0
        mean, sd = X.mean(axis=0), X.std(axis=0) + 1e-6
        Xs = ((X - mean) / sd).astype(np.float32)
        ys = ((y - lo) / span).astype(np.float32)  # min-max scaled, as the authors trained
        cfg = self._cfg()
        head = {"lo": lo, "span": span, "mean": mean.astype(np.float32), "sd": sd.astype(np.float32),
                "kind": cfg.head, "n_train": int(keep.sum())}
        if cfg.head in ("ridge", "ensemble"):
            head["weights"] = _ridge(Xs, ys)
        if cfg.head in ("mlp", "ensemble"):
            head["net"] = _train_mlp(Xs, ys, cfg)
        self.heads_[name] = head

    # -- inference ----------------------------------------------------------------------------------
    def predict(self, items: Sequence[Any], metrics: Sequence[str] | None = None, example_input: Any = None,
                progress: bool | None = None) -> dict[str, np.ndarray]:
        """Predicted values per metric (in the units the metric was trained in)."""
        if not getattr(self, "heads_", None):
            raise NotFittedError("this SEvalOracle has no heads yet: call fit(items, {metric: values}) or SEvalOracle.load(path)")
        wanted = list(self.heads_) if metrics is None else [metrics] if isinstance(metrics, str) else list(metrics)
        for m in wanted:
            if m not in self.heads_:
                raise ClueError(f"unknown metric {m!r}; this oracle predicts {', '.join(self.heads_)}. "
                                "Attach it with add_metric(name, networks, values)")
        X = self.embed(items, example_input, progress)
        return {m: self._predict_head(self.heads_[m], X) for m in wanted}

    @staticmethod
    def _predict_head(head: dict, X: np.ndarray) -> np.ndarray:
        Xs = ((X - head["mean"]) / head["sd"]).astype(np.float32)
        parts = []
        if "weights" in head:
            w = head["weights"]
            parts.append(Xs @ w[:-1] + w[-1])
        if "net" in head:
            import torch

            with torch.no_grad():
                parts.append(head["net"](torch.from_numpy(Xs)).squeeze(1).numpy())
        ys = np.mean(parts, axis=0)  # the ensemble averages the two heads on the min-max scale
        return ys.astype(np.float64) * head["span"] + head["lo"]

    # -- persistence --------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write ``path/oracle.json`` and ``path/heads.pt`` (tensors and state dicts, no pickled code)."""
        import torch

        if not getattr(self, "heads_", None):
            raise NotFittedError("nothing to save: this SEvalOracle has no heads yet")
        meta = {"format": FORMAT, "config": asdict(self._cfg()),
                "heads": {m: {k: h[k] for k in ("lo", "span", "kind", "n_train")} for m, h in self.heads_.items()}}
        tensors = {}
        for m, h in self.heads_.items():
            tensors[m] = {"mean": torch.from_numpy(h["mean"]), "sd": torch.from_numpy(h["sd"])}
            if "weights" in h:
                tensors[m]["weights"] = torch.from_numpy(h["weights"])
            if "net" in h:
                tensors[m]["state"] = h["net"].state_dict()
        save_model_dir(path, "oracle.json", meta, "heads.pt", tensors)

    @classmethod
    def load(cls, path: str | Path) -> "SEvalOracle":
        meta, tensors = load_model_dir(path, "oracle.json", "heads.pt", FORMAT, "an SEval oracle")
        self = cls(**meta["config"])
        cfg = self._cfg()
        self.heads_ = {}
        for m, info in meta["heads"].items():
            t = tensors[m]
            head = {**info, "mean": t["mean"].numpy(), "sd": t["sd"].numpy()}
            if "weights" in t:
                head["weights"] = t["weights"].numpy()
            if "state" in t:
                net = _mlp(len(head["mean"]), cfg.hidden)
                net.load_state_dict(t["state"])
                head["net"] = net.eval()
            self.heads_[m] = head
        return self


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

    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    net = _mlp(X.shape[1], cfg.hidden)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    n, bs = len(y), min(cfg.batch_size, len(y))
    net.train()
    for _ in range(cfg.steps):
        idx = torch.randint(0, n, (bs,), generator=gen)
        pred = net(Xt[idx]).squeeze(1)
        loss = F.mse_loss(pred, yt[idx])
        if cfg.rank_weight:
            diff = (pred[:, None] - pred[None, :]) * 10.0
            order = torch.sign(yt[idx][:, None] - yt[idx][None, :])
            loss = loss + cfg.rank_weight * (F.softplus(-order * diff) * order.abs()).sum() / order.abs().sum().clamp(min=1)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net.eval()

"""CLUE-NAS (context-aligned, coarse-to-fine bounded accuracy prediction) as an sklearn-style estimator.

G = MLP_A([MLP_f(flow), MLP_o(op metrics)]); context C_i = T(prompt) + i/M (i = 1..M) with lower
bounds b_i = 1 - 1/2^(i-1); training aligns G with C_gt (the level whose bound is the highest one
<= accuracy) by KL + (1 - sigmoid(cos)); the level used for prediction is argmax_i sim(G, C_i), and
P = b + sigmoid(MLP([G, C])) * (1 - b). Loss: BCE(P, acc) + alignment.

Every ablation of the paper's table 4 is a switch in :class:`CLUEConfig`.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from clue_plugins._io import load_model_dir, save_model_dir
from clue_plugins._state import seeded_torch
from clue_plugins.errors import ClueError, ConfigError, DataIntegrityError, NotFittedError, UnknownOptionError, shown
from clue_plugins.predictors.features import graph_features, to_fraction
from clue_plugins.spec import ArchSpec


@dataclass
class CLUEConfig:
    """Hyperparameters and ablation switches (defaults: the best measured configuration)."""

    text_encoder: str = "minilm"   # registered text encoder (minilm offline; clip-rn50 = the paper's)
    op_features: str = "metrics"   # "metrics" (five soft metrics per op) or "onehot" (ablation)
    offsets: bool = False          # fixed positional offsets E_i = i/M on the context copies (paper: True)
    alignment: bool = True         # context-alignment loss (KL + 1 - sigmoid(cos))
    confidence: bool = True        # bounded coarse-to-fine output; off: P = sigmoid(MLP([G, T]))
    M: int = 5                     # confidence levels
    similarity: str = "cosine"     # level selection: "cosine" or "dot" (the paper's inner product)
    selection: str = "soft"        # "argmax" (paper) or "soft": similarity-softmax mixture over levels
    temperature: float = 0.05      # softmax temperature of soft selection (on cosine similarities)
    train_level: str = "gt"        # level used in the BCE term while training: "gt" or "max"
    cells: str = "first"           # "first" (paper: NB301 normal cell) or "all"
    flow_layout: str = "symmetric" # adjacency -> flow: "symmetric" (A + A^T, authors' code), "directed", "upper"
    prune_dead: bool = True        # encode each cell with ``none`` on ops that cannot reach the output
    op_summary: bool = True        # append the per-architecture sums of the five op metrics to the op vector
    standardize: bool = False      # z-score flow/op inputs with training-set statistics
    text_rms: float | None = None  # rescale T to this per-dimension RMS (None: as the encoder gives it)
    head_norm: bool = True         # L2-normalise G and C before the prediction head (keeps it out of saturation)
    hidden: int = 256
    epochs: int = 200
    batch_size: int = 16
    lr: float = 0.01
    lr_late: float = 0.001
    lr_switch_epoch: int = 100
    rank_weight: float = 1.0       # weight of a pairwise ranking loss on P (0: the paper's loss only)
    ensemble: int = 1              # models trained with seeds seed..seed+ensemble-1, predictions averaged
    seed: int = 0

    def validate(self) -> "CLUEConfig":
        for f in fields(self):
            value = getattr(self, f.name)
            kind = {"int": int, "float": (int, float), "bool": bool, "str": str}.get(str(f.type).split(" ")[0])
            if f.name == "text_rms" and value is None:
                continue
            if kind is not None and (not isinstance(value, kind) or (kind is not bool and isinstance(value, bool))):
                raise ConfigError(f"CLUE option {f.name} must be a {str(f.type).split(' ')[0]}, got {shown(value)}")
        if self.M < 1:
            raise ConfigError("M must be >= 1")
        for name in ("temperature", "lr", "lr_late", "hidden"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be > 0, got {shown(getattr(self, name))}")
        if self.rank_weight < 0 or self.lr_switch_epoch < 0:
            raise ConfigError("rank_weight and lr_switch_epoch must be >= 0")
        for name, allowed in (("op_features", ("metrics", "onehot")), ("similarity", ("cosine", "dot")),
                              ("train_level", ("gt", "max")),
                              ("selection", ("argmax", "soft")), ("cells", ("first", "all")),
                              ("flow_layout", ("symmetric", "directed", "upper"))):
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} must be one of {allowed}, got {shown(getattr(self, name))}")
        if self.epochs < 1 or self.batch_size < 1 or self.ensemble < 1:
            raise ConfigError("epochs, batch_size and ensemble must be >= 1")
        return self


def level_bounds(M: int) -> np.ndarray:
    """Lower bounds b_i = 1 - 1/2^(i-1), i = 1..M: 0, 0.5, 0.75, ..."""
    return 1.0 - 1.0 / 2.0 ** np.arange(M)


def true_levels(acc_fraction: np.ndarray, M: int) -> np.ndarray:
    """Index (0-based) of the highest level whose bound is <= the accuracy."""
    return np.searchsorted(level_bounds(M), acc_fraction, side="right") - 1


def _build_network(cfg: CLUEConfig, flow_dim: int, op_dim: int, text_dim: int):
    import torch
    import torch.nn.functional as F
    from torch import nn

    h = cfg.hidden

    def mlp(i: int, o: int) -> nn.Module:
        return nn.Sequential(nn.Linear(i, h), nn.ReLU(), nn.Linear(h, o))

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

        def predict_with(self, g, ctx_level, bound):
            if cfg.head_norm:
                g, ctx_level = F.normalize(g, dim=1), F.normalize(ctx_level, dim=1)
            strength = torch.sigmoid(self.head(torch.cat([g, ctx_level], dim=1))).squeeze(1)
            if not cfg.confidence:
                return strength
            return bound + strength * (1.0 - bound)

        def forward(self, flow, ops, text, level=None):
            g = self.graph(flow, ops)
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

    return CLUENet()


class CLUEPredictor:
    """CLUE-NAS accuracy predictor: ``fit(specs, accuracies)``, ``predict(specs)``, ``save``/``load``.

    Accuracies may be fractions in [0, 1] or percent in [0, 100] (any value above 1 means percent);
    ``predict`` answers in the unit ``fit`` was given. Specs come from any adapter. Deterministic on
    the CPU for a given ``seed``.
    """

    def __init__(self, **config: Any) -> None:
        names = {f.name for f in fields(CLUEConfig)}
        unknown = set(config) - names
        if unknown:
            raise UnknownOptionError(f"unknown CLUEPredictor option(s) {sorted(unknown)}; options: {sorted(names)}")
        self.config = config

    # -- sklearn-style parameters ---------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return asdict(self._cfg())

    def set_params(self, **params: Any) -> "CLUEPredictor":
        merged = {**self.config, **params}
        self.__init__(**merged)
        return self

    def _cfg(self) -> CLUEConfig:
        return CLUEConfig(**self.config).validate()

    # -- features ---------------------------------------------------------------------------------
    def _encoded_specs(self, specs: Sequence[ArchSpec]) -> list[ArchSpec]:
        specs = list(specs)
        if not specs:
            raise ConfigError("no architectures given")
        return [s.without_dead_ops() for s in specs] if self._cfg().prune_dead else specs

    def embed_texts(self, specs: Sequence[ArchSpec], progress: bool | None = None) -> np.ndarray:
        """Text embeddings of the specs' prompts (cached on disk; call once to warm the cache)."""
        return self._embed(self._encoded_specs(specs), progress)

    def _embed(self, encoded: list[ArchSpec], progress: bool | None = None) -> np.ndarray:
        from clue_plugins.predictors.features import cell_selection
        from clue_plugins.spec import prompts
        from clue_plugins.text import get_encoder

        cfg = self._cfg()
        return get_encoder(cfg.text_encoder).encode(prompts(encoded, cell_selection(cfg.cells)), progress)

    def _features(self, specs: Sequence[ArchSpec]):
        cfg = self._cfg()
        encoded = self._encoded_specs(specs)
        flows, ops = graph_features(encoded, cfg.op_features, cfg.cells, symmetric=cfg.flow_layout == "symmetric",
                                    upper_only=cfg.flow_layout == "upper")
        text = self._embed(encoded)
        if cfg.op_summary:
            whole = ops.shape[1] // 5 * 5  # the zero padding adds nothing to the sums
            sums = ops[:, :whole].reshape(len(ops), -1, 5).sum(axis=1) if cfg.op_features == "metrics" else np.zeros((len(ops), 5), np.float32)
            ops = np.concatenate([ops, sums], axis=1).astype(np.float32)
        if cfg.text_rms is not None:
            # the offsets i/M are per-dimension constants: their weight against T depends on T's scale
            rms = np.sqrt((text**2).mean(axis=1, keepdims=True))
            text = (text / np.maximum(rms, 1e-12) * cfg.text_rms).astype(np.float32)
        return flows, ops, text

    def _standardize(self, flows, ops):
        if not getattr(self, "stats_", None):
            return flows, ops
        return tuple(((a - m) / sd).astype(np.float32) for a, (m, sd) in zip((flows, ops), self.stats_))

    # -- training ---------------------------------------------------------------------------------
    def fit(self, specs: Sequence[ArchSpec], accuracies: Sequence[float], *, unit: str = "auto",
            joint: bool = False) -> "CLUEPredictor":
        """Train on ``specs`` with their accuracies (``unit``: ``auto``, ``percent`` or ``fraction``).

        Specs from several search spaces train one model on all of them only with ``joint=True`` (the paper's
        joint protocol); without it that is refused, since it usually means mixed-up inputs.
        """
        cfg = self._cfg()
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
        floor = level_bounds(cfg.M).mean()
        if cfg.confidence and cfg.selection == "soft" and not cfg.offsets and np.median(y) < floor:
            # without offsets every level gets equal weight, so no prediction can fall below the mean bound
            warnings.warn(f"most training accuracies lie below {floor:.3f}, the lowest value this configuration can "
                          "predict (confidence levels mixed without offsets); its ranking may collapse. "
                          "Use offsets=True or confidence=False for low-accuracy tasks such as ImageNet16-120.",
                          stacklevel=2)
        flows, ops, text = self._features(specs)
        self.stats_ = None
        if cfg.standardize:
            self.stats_ = [(a.mean(axis=0), a.std(axis=0) + 1e-6) for a in (flows, ops)]
            flows, ops = self._standardize(flows, ops)
        self.dims_ = (flows.shape[1], ops.shape[1], text.shape[1])
        self.models_ = []
        for k in range(cfg.ensemble):
            self.models_.append(self._train_one(cfg, cfg.seed + k, flows, ops, text, y))
        self.n_train_ = len(specs)
        self.scale_, self.spaces_ = scale, spaces
        return self

    def _train_one(self, cfg, seed, flows, ops, text, y):
        import torch
        import torch.nn.functional as F

        gen = torch.Generator().manual_seed(seed)
        with seeded_torch(seed):  # layer initialisation draws from torch's global generator
            net = _build_network(cfg, *self.dims_)
        X = [torch.from_numpy(a) for a in (flows, ops, text)]
        target = torch.tensor(y, dtype=torch.float32)
        level = torch.from_numpy(true_levels(y, cfg.M)).long()
        opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
        n = len(y)
        steps = max(1, round(n / cfg.batch_size))
        net.train()
        for epoch in range(cfg.epochs):
            if epoch == cfg.lr_switch_epoch:
                for group in opt.param_groups:
                    group["lr"] = cfg.lr_late
            for _ in range(steps):
                idx = torch.randint(0, n, (cfg.batch_size,), generator=gen)  # sampling with replacement
                flow, op, txt = (a[idx] for a in X)
                lv = level[idx] if cfg.train_level == "gt" and cfg.selection == "argmax" else None
                pred, g, ctx = net(flow, op, txt, lv)
                loss = F.binary_cross_entropy(pred.clamp(1e-6, 1 - 1e-6), target[idx])
                if cfg.rank_weight:
                    # logistic loss on every ordered pair of the batch: Spearman only cares about order
                    diff = (pred[:, None] - pred[None, :]) * 100.0
                    order = torch.sign(target[idx][:, None] - target[idx][None, :])
                    loss = loss + cfg.rank_weight * (F.softplus(-order * diff) * order.abs()).sum() / order.abs().sum().clamp(min=1)
                if cfg.alignment:
                    c_gt = ctx[torch.arange(len(idx)), level[idx]]
                    kl = F.kl_div(F.log_softmax(g, dim=1), F.softmax(c_gt, dim=1), reduction="batchmean")
                    cos = F.cosine_similarity(g, c_gt, dim=1)
                    loss = loss + kl + (1 - torch.sigmoid(cos)).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
        net.eval()
        return net

    # -- inference --------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise NotFittedError("this CLUEPredictor is not fitted yet: call fit(specs, accuracies) or CLUEPredictor.load(path)")

    def _check_spaces(self, specs: list[ArchSpec], cross_space: bool) -> None:
        trained = getattr(self, "spaces_", None)  # None: saved before the spaces were recorded
        if cross_space or not trained:
            return
        other = sorted({s.space for s in specs} - set(trained))
        if other:
            raise ConfigError(f"this model was trained on {', '.join(trained)} and is asked about {', '.join(other)}; "
                              "pass cross_space=True to transfer it across search spaces, or fit it on that space")

    def predict(self, specs: Sequence[ArchSpec], *, cross_space: bool = False) -> np.ndarray:
        """Predicted accuracies, in the unit of the training accuracies.

        Architectures of a search space the model was not trained on are refused unless ``cross_space=True``
        (transfer across spaces, the paper's cross protocol: expect a lower rank correlation).
        """
        import torch

        self._check_fitted()
        specs = _as_specs(specs)
        self._check_spaces(specs, cross_space)
        flows, ops, text = self._features(specs)
        flows, ops = self._standardize(flows, ops)
        if (flows.shape[1], ops.shape[1], text.shape[1]) != self.dims_:
            raise ClueError("feature sizes differ from training: was the text encoder changed after fit?")
        X = [torch.from_numpy(a) for a in (flows, ops, text)]
        outs = []
        with torch.no_grad():
            for net in self.models_:
                parts = [net(*(a[i : i + 8192] for a in X))[0] for i in range(0, len(flows), 8192)]
                outs.append(torch.cat(parts).numpy())
        return np.mean(outs, axis=0).astype(np.float64) * self.scale_

    def predict_levels(self, specs: Sequence[ArchSpec], *, cross_space: bool = False) -> np.ndarray:
        """Selected confidence level (0-based) per architecture, from the first ensemble member."""
        import torch

        self._check_fitted()
        specs = _as_specs(specs)
        self._check_spaces(specs, cross_space)
        flows, ops, text = self._features(specs)
        flows, ops = self._standardize(flows, ops)
        flows, ops, text = (torch.from_numpy(a) for a in (flows, ops, text))
        net = self.models_[0]
        with torch.no_grad():
            g = net.graph(flows, ops)
            return net.similarity(g, net.contexts(text)).argmax(dim=1).numpy()

    # -- persistence ------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write ``path/config.json`` and ``path/weights.pt`` (state dicts only, no pickled code)."""
        self._check_fitted()
        meta = {"format": "clue-nas-predictor/1", "config": asdict(self._cfg()), "scale": self.scale_,
                "dims": list(self.dims_), "n_train": self.n_train_, "spaces": list(self.spaces_ or []),
                "standardize": [[m.tolist(), sd.tolist()] for m, sd in self.stats_] if self.stats_ else None}
        save_model_dir(path, "config.json", meta, "weights.pt", [m.state_dict() for m in self.models_])

    @classmethod
    def load(cls, path: str | Path) -> "CLUEPredictor":
        """A predictor written by :meth:`save`; a damaged or edited folder is refused with what to do."""
        meta, states = load_model_dir(path, "config.json", "weights.pt", "clue-nas-predictor/1", "a CLUE predictor")
        where = Path(path) / "config.json"
        try:
            config = meta["config"]
            if not isinstance(config, dict):
                raise TypeError("config is not an object")
            self = cls(**config)
            self._cfg()
            self.scale_, self.dims_, self.n_train_ = float(meta["scale"]), tuple(int(d) for d in meta["dims"]), int(meta["n_train"])
            if self.scale_ not in (1.0, 100.0) or len(self.dims_) != 3:
                raise ValueError("scale or dims out of range")
            self.spaces_ = [str(s) for s in meta.get("spaces") or []] or None
            stats = meta.get("standardize")
            self.stats_ = [(np.asarray(m, np.float32), np.asarray(sd, np.float32)) for m, sd in stats] if stats else None
            if not isinstance(states, list) or not states:
                raise ValueError("weights.pt holds no models")
            self.models_ = []
            for state in states:
                net = _build_network(self._cfg(), *self.dims_)
                net.load_state_dict(state)
                self.models_.append(net.eval())
        except ConfigError as exc:
            raise DataIntegrityError(f"{where} has a value this version cannot use ({exc}); save the model again, "
                                     "or fix the edited value") from None
        except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as exc:
            raise DataIntegrityError(f"{where} and weights.pt do not describe a CLUE predictor this version can load "
                                     f"({type(exc).__name__}: {shown(str(exc), 160)}); save the model again") from None
        return self


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

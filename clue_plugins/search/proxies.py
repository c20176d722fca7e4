"""FreeREA's training-free score: logsynflow, NASWOT and skip reach, on the real benchmark networks.

- ``logsynflow``: the network with |weights|, batch norm bypassed, in float64, is run on an all-ones
  input; the score is sum over conv/linear weights of |w * log(1 + dL/dw)| (L = sum of the outputs).
  It does not depend on the image batch.
- ``naswot``: the log-determinant of the kernel K[i, j] = number of ReLU units on which images i and j
  agree (both active or both inactive), over a batch of images; 0 when K is singular (the network
  separates no images). It depends on the batch.
- ``skip_reach``: from the cell alone, the mean number of nodes a skip connection jumps over
  (FreeREA's ``skip`` metric on NB201; the same definition on DARTS cells, and on NB101 over its
  identity edges, since NB101 has no skip op).

Networks come from :func:`clue_plugins.networks.build_network` (the benchmark's own macro skeleton),
are initialised as FreeREA does (Kaiming normal, fan-out) and scored ``repeats`` times (mean).
Scores are cached on disk, keyed by cell, batch content, repeats and seed, so repeated searches only
pay for cells they have not seen. The FreeREA fitness of a set of candidates is the sum of each metric
divided by its largest magnitude among those candidates (:class:`~clue_plugins.search.fitness.RelativeFitness`).
"""

from __future__ import annotations

import hashlib
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from clue_plugins.errors import ConfigError, MissingDependencyError, NetworkError, UnknownNameError
from clue_plugins.spec import ArchSpec

if TYPE_CHECKING:  # torch is imported when a proxy is computed, not when the search package is
    import torch

PROXIES: tuple[str, ...] = ("logsynflow", "naswot", "skip_reach")
#: What an image batch is replaced with when the user gives none (see :func:`fallback_batch`).
FALLBACKS: tuple[str, ...] = ("photos", "noise")


# -- image batches -------------------------------------------------------------------------------------
def image_batch(images: Any, size: int | None = None) -> "torch.Tensor":
    """Check and convert a user's batch (tensor or array, N x 3 x H x W, N >= 2) to float32."""
    import torch

    x = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images).float()
    if x.ndim != 4 or x.shape[1] != 3 or x.shape[0] < 2:
        raise ConfigError(f"the image batch must be N x 3 x H x W with N >= 2 (normalised like the training data), "
                        f"got shape {tuple(x.shape)}")
    if size is not None and tuple(x.shape[2:]) != (size, size):
        x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    if not torch.isfinite(x).all():
        raise ConfigError("the image batch contains NaN or infinite values")
    return x


def fallback_batch(kind: str = "photos", n: int = 64, size: int = 32, seed: int = 0) -> "torch.Tensor":
    """A batch for when no training images are at hand.

    ``photos``: random ``size`` x ``size`` crops of the two photographs scikit-learn ships
    (``load_sample_images``), standardised per channel: natural-image statistics without a dataset.
    ``noise``: standard normal pixels. The effect of each on the proxies' correlation with accuracy is
    measured by ``benchmarks/bench_proxies.py`` (docs/RESULTS.md).
    """
    import torch

    rng = np.random.default_rng(seed)
    if kind == "noise":
        return torch.from_numpy(rng.standard_normal((n, 3, size, size)).astype(np.float32))
    if kind != "photos":
        raise UnknownNameError(f"unknown fallback batch {kind!r}; choose one of {', '.join(FALLBACKS)} or pass images=")
    try:
        from sklearn.datasets import load_sample_images
        photos = [np.asarray(im, dtype=np.float32) / 255.0 for im in load_sample_images().images]
    except ImportError as exc:  # Pillow missing: the photos are JPEGs
        raise MissingDependencyError(f"the 'photos' fallback needs scikit-learn and Pillow ({exc}); pass images= or use 'noise'") from None
    crops = []
    for _ in range(n):
        im = photos[int(rng.integers(len(photos)))]
        # crops of a 4x larger window, downsampled: closer to CIFAR's object scale than raw 32-pixel patches
        win = min(4 * size, im.shape[0], im.shape[1])
        r, c = int(rng.integers(im.shape[0] - win + 1)), int(rng.integers(im.shape[1] - win + 1))
        crops.append(im[r:r + win, c:c + win])
    x = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2)
    x = torch.nn.functional.interpolate(x, size=(size, size), mode="area")
    mean, std = x.mean(dim=(0, 2, 3), keepdim=True), x.std(dim=(0, 2, 3), keepdim=True)
    return ((x - mean) / std).contiguous()


# -- the three proxies -------------------------------------------------------------------------------------
def _init(net: "torch.nn.Module") -> None:
    from torch import nn

    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d) and m.affine:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def logsynflow(net: "torch.nn.Module", input_shape: Sequence[int]) -> float:
    """LogSynflow of ``net`` (its weights are restored afterwards)."""
    import torch
    from torch import nn

    saved = {k: v.clone() for k, v in net.state_dict().items()}
    bns = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    forwards = [bn.forward for bn in bns]
    try:
        for bn in bns:  # batch norm would undo the linearisation: bypass it
            bn.forward = lambda x: x
        with torch.no_grad():
            for v in net.state_dict().values():
                if v.is_floating_point():
                    v.abs_()
        net.double().train()
        net.zero_grad()
        device = next(net.parameters()).device
        out = net(torch.ones((1, *input_shape[1:]), dtype=torch.float64, device=device))
        out.sum().backward()
        total = 0.0
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)) and m.weight.grad is not None:
                total += float((m.weight * torch.log1p(m.weight.grad)).abs().sum().detach())
        return total
    finally:
        for bn, fwd in zip(bns, forwards):
            del bn.forward
        net.float()
        net.load_state_dict(saved)
        net.zero_grad(set_to_none=True)


def naswot(net: "torch.nn.Module", images: "torch.Tensor") -> float:
    """NASWOT: log|det K| of the ReLU activation-pattern agreement kernel over ``images``."""
    import torch
    from torch import nn

    codes: list[torch.Tensor] = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: codes.append((out > 0).flatten(1)))
             for m in net.modules() if isinstance(m, nn.ReLU)]
    try:
        with torch.no_grad():
            net.train()
            net(images)
    finally:
        for h in hooks:
            h.remove()
    if not codes:
        raise NetworkError("NASWOT needs nn.ReLU modules in the network; this one has none")
    c = torch.cat(codes, dim=1).double()
    k = c @ c.T + (1 - c) @ (1 - c).T
    value = float(torch.linalg.slogdet(k).logabsdet)
    # a singular kernel (e.g. a cell whose output ignores its input) separates no images: lowest score
    return value if math.isfinite(value) else 0.0


def skip_reach(spec: ArchSpec) -> float:
    """Mean number of nodes a skip connection jumps over (0 when the cell has none)."""
    reach = _SKIP_EDGES.get(spec.space)
    if reach is None:
        raise ConfigError(f"skip_reach is defined for {', '.join(_SKIP_EDGES)}, not {spec.space!r}")
    jumps = reach(spec)
    return float(np.mean(jumps)) if jumps else 0.0


def _nb201_jumps(spec: ArchSpec) -> list[int]:
    from adapters.nb201 import to_arch_str

    out = []
    for level, part in enumerate(to_arch_str(spec).split("+")):  # level = target node - 1
        for gene in part.strip("|").split("|"):
            op, source = gene.split("~")
            if op == "skip_connect":
                out.append(level - int(source))  # FreeREA: nodes between source and target
    return out


def _nb301_jumps(spec: ArchSpec) -> list[int]:
    from adapters.darts import OPS, to_compact

    skip = OPS.index("skip_connect")
    out = []
    for cell in to_compact(spec):
        for k, (source, op) in enumerate(cell):
            if int(op) == skip:
                out.append(k // 2 + 2 - int(source) - 1)
    return out


def _nb101_jumps(spec: ArchSpec) -> list[int]:
    from adapters.nb101 import to_naslib_spec

    m = np.asarray(to_naslib_spec(spec)["matrix"])
    return [int(j - i - 1) for i, j in zip(*np.nonzero(m))]


_SKIP_EDGES = {"nb201": _nb201_jumps, "nb301": _nb301_jumps, "nb101": _nb101_jumps}


# -- scorer --------------------------------------------------------------------------------------------
class ProxyScorer:
    """Scores cells with FreeREA's three proxies on their real networks (a free, training-free oracle).

    ``images``: a batch N x 3 x H x W of the target task, normalised as for training (recommended);
    without one, ``fallback`` (``photos`` or ``noise``, see :func:`fallback_batch`) is used with
    ``batch_size`` images of ``image_size`` pixels. Each metric dict also holds ``proxy_s``, the seconds
    spent computing that cell (0 when it came from the cache). ``device`` (``cpu``, ``cuda``, ``cuda:1``...) is
    where the networks run; networks are built and initialised on the CPU either way, so seeds mean the same.
    """

    def __init__(self, images: Any = None, fallback: str = "photos", batch_size: int = 64, image_size: int = 32,
                 num_classes: int = 10, repeats: int = 1, seed: int = 0, cache: bool = True,
                 cache_root: Path | None = None, device: str = "cpu") -> None:
        import torch

        if repeats < 1:
            raise ConfigError(f"repeats must be >= 1, got {repeats}")
        try:
            self.device = torch.device(device)
        except (RuntimeError, TypeError):
            raise ConfigError(f"device must be a torch device such as 'cpu' or 'cuda', got {device!r}") from None
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError(f"device {device!r} needs a CUDA GPU, and torch sees none; use device='cpu'")
        self.images = image_batch(images) if images is not None else fallback_batch(fallback, batch_size, image_size, seed)
        self.num_classes, self.repeats, self.seed = num_classes, repeats, seed
        digest = hashlib.sha256(self.images.numpy().tobytes()).hexdigest()[:16]
        # scores computed on a GPU may differ in the last digits: they are cached apart from the CPU's
        where = "" if self.device.type == "cpu" else f"-{self.device.type}"
        self.identity = f"proxies-v1-{digest}-c{num_classes}-r{repeats}-s{seed}-t{torch.__version__}{where}"
        self._cache = None
        if cache:
            from clue_plugins._io import cache_dir
            from clue_plugins.text.cache import EmbeddingCache

            self._cache = EmbeddingCache(self.identity, root=cache_root or cache_dir() / "proxies")

    def score_one(self, spec: ArchSpec) -> dict[str, float]:
        from clue_plugins._state import seeded_torch
        from clue_plugins.networks import build_network

        t0 = time.perf_counter()
        values = {"logsynflow": 0.0, "naswot": 0.0}
        for r in range(self.repeats):
            with seeded_torch(self.seed * 1000 + r):
                net = build_network(spec, num_classes=self.num_classes)
                _init(net)
                net.to(self.device)
                values["logsynflow"] += logsynflow(net, tuple(self.images.shape)) / self.repeats
                values["naswot"] += naswot(net, self.images.to(self.device)) / self.repeats
        return {**values, "skip_reach": skip_reach(spec), "proxy_s": time.perf_counter() - t0}

    def __call__(self, specs: Sequence[ArchSpec]) -> list[dict[str, float]]:
        keys = [s.key for s in specs]
        found, missing = self._cache.get_many(keys) if self._cache is not None else ({}, list(range(len(specs))))
        out: list[dict[str, float] | None] = [None] * len(specs)
        for i, v in found.items():
            out[i] = {"logsynflow": float(v[0]), "naswot": float(v[1]), "skip_reach": skip_reach(specs[i]),
                      "proxy_s": 0.0}
        new = {}
        for i in missing:
            if keys[i] not in new:
                new[keys[i]] = self.score_one(specs[i])
            out[i] = dict(new[keys[i]])
        if new and self._cache is not None:
            self._cache.put_many(list(new), np.array([[m["logsynflow"], m["naswot"]] for m in new.values()]))
        for m in out:
            if not all(math.isfinite(m[p]) for p in PROXIES):
                raise NetworkError(f"a proxy was not finite ({m}); check the image batch")
        return out  # type: ignore[return-value]

"""Measure the five soft metrics of one op with torch (CLUE-NAS appendix B).

Each op is built alone with 32 channels and run on a 1x32x32x32 input:

1. FLOPs: multiply count of one forward pass (torch's FlopCounterMode counts 2 per multiply-add),
2. params: trainable parameter count,
3. latency: median CPU time of one forward pass, in milliseconds,
4. passing rate: output HxW / input HxW, and 0 if the output does not depend on the input,
5. sensitivity: mean |f(x + u) - f(x)| with x = ones, u ~ U(0, 1) from a seeded generator.

Passing rate and sensitivity are measured, not constants: so identity gets sensitivity 0.5 (= E|u|),
whereas the authors' hand-written table put zeros there.
"""

from __future__ import annotations

import platform
import time
from dataclasses import asdict, dataclass

import numpy as np

METRIC_NAMES = ("flops", "params", "latency_ms", "passing_rate", "sensitivity")
#: The authors' scaling of each metric before it enters the op-metric vector.
SCALE = {"flops": 1e7, "params": 1e4, "latency_ms": 0.1, "passing_rate": 1.0, "sensitivity": 0.1}


@dataclass(frozen=True)
class MeasureSettings:
    channels: int = 32
    size: int = 32
    draws: int = 1000
    latency_repeats: int = 50
    seed: int = 0


@dataclass(frozen=True)
class OpMetrics:
    flops: float
    params: float
    latency_ms: float
    passing_rate: float
    sensitivity: float

    def scaled(self) -> np.ndarray:
        return np.array([getattr(self, k) / SCALE[k] for k in METRIC_NAMES], dtype=np.float32)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def measure_op(name: str, settings: MeasureSettings = MeasureSettings()) -> OpMetrics:
    """Build op ``name`` and measure its soft metrics (deterministic except latency)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from clue_plugins.ops.builders import build_op

    gen = torch.Generator().manual_seed(settings.seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        module = build_op(name, settings.channels, 1).eval()
    c, s = settings.channels, settings.size
    x = torch.ones(1, c, s, s)

    with torch.no_grad():
        counter = FlopCounterMode(display=False)
        with counter:
            y = module(x)
        flops = counter.get_total_flops() / 2.0
        params = float(sum(p.numel() for p in module.parameters() if p.requires_grad))

        for _ in range(5):
            module(x)
        times = []
        for _ in range(settings.latency_repeats):
            t0 = time.perf_counter()
            module(x)
            times.append(time.perf_counter() - t0)
        latency_ms = float(np.median(times) * 1e3)

        total, count, chunk = 0.0, 0, 100
        while count < settings.draws:
            b = min(chunk, settings.draws - count)
            u = torch.rand(b, c, s, s, generator=gen)
            total += (module(x + u) - y).abs().mean(dim=(1, 2, 3)).sum().item()
            count += b
        sensitivity = total / count

    spatial = (y.shape[-1] * y.shape[-2]) / (s * s)
    passing = spatial if sensitivity > 0 else 0.0
    return OpMetrics(flops, params, latency_ms, float(passing), float(sensitivity))


def machine_description() -> dict[str, str]:
    import torch

    return {
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": str(torch.get_num_threads()),
    }

"""Training memory: the peak memory of one training step, measured with torch's own accounting.

Definition (``MEMORY_DEFINITION``): the peak bytes alive during one steady-state training step of
the network (forward at batch 64 on 3x32x32 inputs, cross-entropy, backward, SGD update with
momentum 0.9, Nesterov, weight decay 5e-4, gradients set to None afterwards), counting parameters,
buffers, momentum buffers, the batch, activations saved for backward, gradients and temporaries.
"Steady state" means a step after the first: the momentum buffers already exist.

Three measurements of the same quantity:

- ``meta`` (default, any machine, no arithmetic): the step runs on the meta device under a torch
  dispatch mode that counts every storage an op creates and frees it when the storage is collected;
  sizes are rounded up to the 512-byte blocks of the CUDA caching allocator.
- ``profiler``: the step runs for real on the CPU under ``torch.profiler`` with memory profiling;
  the peak is the running sum of its allocation events (a cross-check of ``meta``).
- ``cuda``: the step runs on the GPU; ``torch.cuda.max_memory_allocated`` minus what was allocated
  before the model existed (includes cuDNN workspaces, which the other two cannot see).
"""

from __future__ import annotations

import copy
import math
import weakref
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from clue_plugins.errors import ConfigError, NetworkError, UnknownNameError

MEMORY_DEFINITION = (
    "peak bytes of one steady-state training step: batch 64 of 3x32x32, cross-entropy, backward, "
    "SGD(momentum=0.9, nesterov, weight_decay=5e-4); parameters, buffers, momentum, batch, activations, "
    "gradients and temporaries"
)
METHODS = ("meta", "profiler", "cuda")
_BLOCK = 512  # bytes: the CUDA caching allocator's smallest block


@dataclass(frozen=True)
class StepMemory:
    """Peak and resident (before the step: weights, buffers, momentum, batch) bytes of a step."""

    peak_bytes: int
    resident_bytes: int
    method: str

    @property
    def peak_mb(self) -> float:
        return self.peak_bytes / 2**20


ModelSource = nn.Module | Callable[[], nn.Module]


def training_step_memory(model: ModelSource, method: str = "meta", batch_size: int = 64,
                         input_shape: tuple[int, int, int] = (3, 32, 32), num_classes: int | None = None) -> StepMemory:
    """Peak memory of one training step of ``model`` (a module, or a zero-argument factory).

    A factory is preferred for ``meta``: the network is then built directly on the meta device
    without allocating weights. A module is deep-copied, so the caller's weights are untouched.
    """
    if method not in METHODS:
        raise UnknownNameError(f"unknown memory method {method!r}; use one of {', '.join(METHODS)}")
    device = {"meta": "meta", "profiler": "cpu", "cuda": "cuda"}[method]
    if method == "cuda" and not torch.cuda.is_available():
        raise ConfigError("method 'cuda' needs a CUDA GPU, and torch sees none; use method='meta' (no GPU needed)")
    base = torch.cuda.memory_allocated() if method == "cuda" else 0
    with torch.device(device):
        net = model() if callable(model) and not isinstance(model, nn.Module) else copy.deepcopy(model).to(device)
        net.train()
        opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
        x = torch.randn(batch_size, *input_shape)
        out_dim = num_classes
    try:
        with torch.device(device):
            if out_dim is None:
                with torch.no_grad():
                    out_dim = net(x[:2]).shape[-1]
            y = torch.randint(0, out_dim, (batch_size,))
    except Exception as exc:
        raise NetworkError(f"{type(net).__name__}.forward failed on a batch of shape {tuple(x.shape)} ({type(exc).__name__}: {exc})") from exc

    def step() -> None:
        F.cross_entropy(net(x), y).backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    # steady state: the momentum buffers exist (what a first step would create, without running it)
    for group in opt.param_groups:
        for p in group["params"]:
            opt.state[p]["momentum_buffer"] = torch.zeros_like(p)
    resident = [*net.parameters(), *net.buffers(), x, y, *_optimizer_tensors(opt)]
    if method == "meta":
        counter = _LiveStorage()
        for t in resident:
            counter.track(t)
        res = counter.live
        with counter:
            step()
        return StepMemory(counter.peak, res, method)
    if method == "profiler":
        return _profiled_step(step, resident)
    torch.cuda.synchronize()
    res = torch.cuda.memory_allocated() - base
    torch.cuda.reset_peak_memory_stats()
    step()
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated() - base
    return StepMemory(int(peak), int(res), method)


def _optimizer_tensors(opt: torch.optim.Optimizer) -> list[torch.Tensor]:
    return [v for state in opt.state.values() for v in state.values() if isinstance(v, torch.Tensor)]


class _LiveStorage(torch.utils._python_dispatch.TorchDispatchMode):
    """Counts the bytes of storages alive: added when an op creates one, removed when it is freed."""

    def __init__(self) -> None:
        super().__init__()
        from torch.utils.weak import WeakIdKeyDictionary

        self.live = 0
        self.peak = 0
        self._seen = WeakIdKeyDictionary()
        self._refs: list[weakref.ref] = []

    def track(self, t: torch.Tensor) -> None:
        st = t.untyped_storage()
        if st in self._seen:
            return
        size = math.ceil(st.nbytes() / _BLOCK) * _BLOCK
        self._seen[st] = size
        self.live += size
        self.peak = max(self.peak, self.live)
        self._refs.append(weakref.ref(st, lambda _ref, size=size: self._free(size)))

    def _free(self, size: int) -> None:
        self.live -= size

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in torch.utils._pytree.tree_leaves(out):
            if isinstance(t, torch.Tensor):
                self.track(t)
        return out


def _profiled_step(step: Callable[[], None], resident: list[torch.Tensor]) -> StepMemory:
    from torch.profiler import ProfilerActivity, profile

    res = sum({t.untyped_storage().data_ptr(): t.untyped_storage().nbytes() for t in resident}.values())
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    events = sorted((e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"), key=lambda e: e.start_ns())
    live = peak = 0
    for e in events:
        live += e.nbytes()
        peak = max(peak, live)
    return StepMemory(int(res + peak), int(res), "profiler")

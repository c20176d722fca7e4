"""Leave the caller's process state as it was: seeded torch work, temporary environment variables, torch threads
and denormal flushing."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def seeded_torch(seed: int) -> Iterator[None]:
    """Run the block with torch's global generator seeded by ``seed``, then restore the caller's generator.

    Layer initialisation draws from the global generator, so seeding it is what makes a fit deterministic;
    forking it keeps the caller's own random stream untouched.
    """
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Run the block with ``values`` set where the caller has not set them, then restore the whole environment.

    Restoring everything (not only ``values``) also undoes what libraries imported in the block write into the
    environment (``transformers`` and ``torch._inductor`` set variables of their own at import).
    """
    before = dict(os.environ)
    for k, v in values.items():
        os.environ.setdefault(k, v)
    try:
        yield
    finally:
        for k in [k for k in os.environ if k not in before]:
            del os.environ[k]
        for k, v in before.items():
            if os.environ.get(k) != v:
                os.environ[k] = v


#: Below this many multiply-adds per training step a fit runs on one torch thread: a small MLP's kernels are too
#: short for a thread pool, whose workers spin-wait for work and, next to another busy process, compete for the
#: cores they wait on (a 100-cell CLUE fit ran 22x slower on 2 shared cores with two threads).
SMALL_WORK = 50_000_000


def fit_threads(work: int) -> int | None:
    """The torch thread count for a fit of ``work`` multiply-adds per step: 1 for small work, None (the caller's
    setting) otherwise; ``CLUE_TORCH_THREADS`` overrides it (``0``: always the caller's setting)."""
    chosen = os.environ.get("CLUE_TORCH_THREADS", "").strip()
    if chosen:
        try:
            n = int(chosen)
        except ValueError:
            return None
        return n if n > 0 else None
    return 1 if work < SMALL_WORK else None


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads (None: unchanged), then restore the caller's count."""
    import torch

    before = torch.get_num_threads()
    if n is None or n == before:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _flushing_denormals() -> bool:
    import torch

    return bool((torch.tensor([1e-39], dtype=torch.float32) * 1.0).item() == 0.0)


@contextmanager
def flush_denormals() -> Iterator[None]:
    """Run the block with denormal floats flushed to zero on this thread, then put the caller's mode back.

    Late in a fit (small learning rate) Adam's second moments and some gradients fall into the denormal range,
    where each CPU operation on them is many times slower: a 100-cell CLUE fit spent half its time there. Flushing
    them changed no prediction of the 5-seed NB201 check (bit for bit). torch has no getter for the mode, so it is
    read from a multiplication of a denormal.
    """
    import torch

    before = _flushing_denormals()
    if before or not torch.set_flush_denormal(True):  # already on, or not supported on this CPU
        yield
        return
    try:
        yield
    finally:
        torch.set_flush_denormal(False)

"""Leave the caller's process state as it was: seeded torch work and temporary environment variables."""

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

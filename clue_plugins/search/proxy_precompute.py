"""FreeREA proxy scores of many cells at once, in parallel (``clue-nas precompute proxies``).

The scores go into the :class:`~clue_plugins.search.proxies.ProxyScorer` cache of this process (only the
caller writes it), so later searches with the same scorer settings read them instead of computing them.
Each task carries its specs and the scorer's settings (the image batch included); the numbers are those of
``ProxyScorer.score_one`` in one process, whatever the backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from clue_plugins.spec import ArchSpec

_SCORERS: dict[int, Any] = {}


def _score(job: tuple[dict, ArchSpec]) -> tuple[float, float]:
    from clue_plugins.search.proxies import ProxyScorer

    settings, spec = job
    key = hash((settings["num_classes"], settings["repeats"], settings["seed"], settings["device"],
                settings["images"].numpy().tobytes()))
    scorer = _SCORERS.get(key)
    if scorer is None:
        scorer = _SCORERS[key] = ProxyScorer(images=settings["images"], num_classes=settings["num_classes"],
                                             repeats=settings["repeats"], seed=settings["seed"], cache=False,
                                             device=settings["device"])
    m = scorer.score_one(spec)
    return m["logsynflow"], m["naswot"]


def precompute_proxies(scorer: Any, specs: Sequence[ArchSpec], workers: int = 1, progress: bool = True,
                       backend: str = "process", ray_address: str | None = None, num_gpus: float | None = None) -> int:
    """Score the cells of ``specs`` that ``scorer``'s cache lacks and store them there; returns how many.

    A scorer on a CUDA device makes each Ray task ask for one GPU (``num_gpus``, default 1 then, else 0).
    """
    from tqdm import tqdm

    from clue_plugins._parallel import imap

    if scorer._cache is None:
        return 0
    keys = list(dict.fromkeys(s.key for s in specs))
    by_key = {s.key: s for s in specs}
    _, missing = scorer._cache.get_many(keys)
    todo = [keys[i] for i in missing]
    settings = {"images": scorer.images, "num_classes": scorer.num_classes, "repeats": scorer.repeats,
                "seed": scorer.seed, "device": str(scorer.device)}
    if num_gpus is None:
        num_gpus = 1 if scorer.device.type == "cuda" else 0
    jobs = [(settings, by_key[k]) for k in todo]
    batch_keys, batch = [], []
    results = imap(_score, jobs, workers, chunksize=8, backend=backend, ray_address=ray_address, num_gpus=num_gpus)
    try:
        for key, values in tqdm(zip(todo, results), total=len(todo), disable=not progress, desc="proxies"):
            batch_keys.append(key)
            batch.append(values)
            if len(batch) >= 64:
                scorer._cache.put_many(batch_keys, np.array(batch))
                batch_keys, batch = [], []
    finally:
        if batch:
            scorer._cache.put_many(batch_keys, np.array(batch))
    return len(todo)

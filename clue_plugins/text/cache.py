"""Content-keyed on-disk cache of text embeddings, one file per encoder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from clue_plugins._io import atomic_path, cache_dir


#: The store last read or written per cache file, with the file's mtime: a process reads each file once.
_LOADED: dict[Path, tuple[int, dict[str, np.ndarray]]] = {}


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class EmbeddingCache:
    """Maps prompt text -> embedding for one encoder identity; persisted as a single ``.npz``.

    The identity must change whenever the embedding would (model name, weights, pooling), so a
    stale cache can never be read back for another model.
    """

    def __init__(self, encoder_id: str, root: Path | None = None) -> None:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in encoder_id)
        self.path = (root or cache_dir() / "text") / f"{safe}.npz"
        self._store: dict[str, np.ndarray] | None = None

    def _load(self) -> dict[str, np.ndarray]:
        if self._store is None:
            self._store = {}
            if self.path.exists():
                stamp = self.path.stat().st_mtime_ns
                if self.path in _LOADED and _LOADED[self.path][0] == stamp:
                    self._store = _LOADED[self.path][1]  # this process already read this file
                    return self._store
                try:
                    with np.load(self.path) as data:
                        self._store = dict(zip(data["keys"].tolist(), data["vectors"]))
                    _LOADED[self.path] = (stamp, self._store)
                except (OSError, KeyError, ValueError):
                    self._store = {}  # damaged cache: recompute
        return self._store

    def get_many(self, texts: list[str]) -> tuple[dict[int, np.ndarray], list[int]]:
        """Cached vectors by position, and the positions that are missing."""
        store = self._load()
        found, missing = {}, []
        for i, t in enumerate(texts):
            v = store.get(text_key(t))
            if v is None:
                missing.append(i)
            else:
                found[i] = v
        return found, missing

    def put_many(self, texts: list[str], vectors: np.ndarray) -> None:
        store = self._load()
        for t, v in zip(texts, vectors):
            store[text_key(t)] = np.asarray(v, dtype=np.float32)
        keys = np.array(list(store.keys()))
        with atomic_path(self.path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, keys=keys, vectors=np.stack(list(store.values())))
        _LOADED[self.path] = (self.path.stat().st_mtime_ns, store)

    def __len__(self) -> int:
        return len(self._load())

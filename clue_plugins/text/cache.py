"""Content-keyed on-disk cache of text embeddings: one SQLite database per encoder identity.

The storage (concurrent writers, interrupted runs, damaged files) is :class:`~clue_plugins._kvstore.KeyValueCache`;
rows hold a key, a dimension and little-endian float32 bytes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Sequence

import numpy as np

from clue_plugins._io import cache_dir
from clue_plugins._kvstore import KeyValueCache


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class EmbeddingCache(KeyValueCache):
    """Maps prompt text -> embedding for one encoder identity; persisted in ``<root>/<identity>.sqlite``.

    The identity must change whenever the embedding would (model name, weights, pooling), so a
    stale cache can never be read back for another model.
    """

    what = "embedding cache"

    def __init__(self, encoder_id: str, root: Path | None = None) -> None:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in encoder_id)
        super().__init__(Path(root or cache_dir() / "text") / f"{safe}.sqlite")

    def _encode(self, value: np.ndarray) -> tuple[int, bytes]:
        arr = np.ascontiguousarray(np.asarray(value, dtype="<f4").reshape(-1))
        return int(arr.shape[0]), arr.tobytes()

    def _decode(self, size: int, blob: bytes) -> np.ndarray | None:
        return np.frombuffer(blob, dtype="<f4").astype(np.float32) if len(blob) == 4 * size else None

    def _old_entries(self) -> list[tuple[str, np.ndarray]]:
        """The ``.npz`` file earlier versions kept, read with ``allow_pickle=False``."""
        old = self.path.with_suffix(".npz")
        if not old.exists():
            return []
        with np.load(old, allow_pickle=False) as data:
            return list(zip(data["keys"].tolist(), np.asarray(data["vectors"], dtype=np.float32)))

    def get_many(self, texts: list[str]) -> tuple[dict[int, np.ndarray], list[int]]:
        """Cached vectors by position, and the positions that are missing."""
        keys = [text_key(t) for t in texts]
        cached = self.get_keys(keys)
        found = {i: cached[k] for i, k in enumerate(keys) if k in cached}
        return found, [i for i in range(len(keys)) if i not in found]

    def put_many(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store ``vectors[i]`` for ``texts[i]`` in one transaction (call it per batch: each call is kept)."""
        self.put_keys([(text_key(t), np.asarray(v, dtype=np.float32).reshape(-1)) for t, v in zip(texts, vectors)])

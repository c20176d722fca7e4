"""Embeddings of texts longer than the encoder's input: chunk at word boundaries, embed, pool.

A whole-network SEval string is thousands of model tokens; an encoder silently keeps only its first
``max_tokens`` (256 for MiniLM, 77 for CLIP), i.e. the stem and the first cell of a network. Here the
text is cut into consecutive chunks of whole words that each fit the encoder, every chunk is
embedded and the chunk embeddings are averaged (``pooling="mean"``), so every part of the network
contributes. ``pooling="truncate"`` reproduces the truncating behaviour for comparison.
Results are cached on disk per (encoder, pooling, chunk size), keyed by the whole text.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from clue_plugins.text.cache import EmbeddingCache
from clue_plugins.text.encoders import TextEncoder
from clue_plugins.errors import ConfigError

POOLINGS = ("mean", "truncate")


def chunk_text(text: str, encoder: TextEncoder, max_tokens: int | None = None) -> list[str]:
    """Consecutive chunks of whole words, each at most ``max_tokens`` model tokens (with 2 special)."""
    budget = (max_tokens or encoder.max_tokens or 64) - 2
    chunks: list[str] = []
    words: list[str] = []
    used = 0
    for word in text.split():
        n = encoder.count_tokens(word)
        if words and used + n > budget:
            chunks.append(" ".join(words))
            words, used = [], 0
        words.append(word)
        used += n
    if words or not chunks:
        chunks.append(" ".join(words))
    return chunks


def embed_long(encoder: TextEncoder, texts: Sequence[str], pooling: str = "mean", max_tokens: int | None = None,
               progress: bool | None = None, block: int = 1024) -> np.ndarray:
    """(n, dim) embeddings of possibly long ``texts`` (see the module docstring)."""
    from tqdm import tqdm

    if pooling not in POOLINGS:
        raise ConfigError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    texts = list(texts)
    if pooling == "truncate":
        return encoder.encode(texts, progress=progress)
    cache = EmbeddingCache(f"{encoder.identity}-long-{pooling}-t{max_tokens or encoder.max_tokens}")
    found, missing = cache.get_many(texts)
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    for i, v in found.items():
        out[i] = v
    unique = list(dict.fromkeys(texts[i] for i in missing))
    show = progress if progress is not None else len(unique) > 64
    vectors: dict[str, np.ndarray] = {}
    with tqdm(total=len(unique), desc=f"embedding long texts with {encoder.name}", disable=not show, unit="text") as bar:
        for start in range(0, len(unique), block):
            part = unique[start : start + block]
            pieces = [chunk_text(t, encoder, max_tokens) for t in part]
            flat = encoder.encode([c for p in pieces for c in p], progress=False, cache=False)
            bounds = np.cumsum([0] + [len(p) for p in pieces])
            pooled = np.stack([flat[a:b].mean(axis=0) for a, b in zip(bounds[:-1], bounds[1:])])
            cache.put_many(part, pooled)  # after every block: an interrupted run keeps what it did
            vectors.update(zip(part, pooled))
            bar.update(len(part))
    for i in missing:
        out[i] = vectors[texts[i]]
    return out

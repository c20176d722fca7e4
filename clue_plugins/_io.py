"""Atomic file writes, saved model folders and the user cache folder."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; it replaces ``path`` only if the block succeeds.

    A crash or exception while writing never leaves a truncated file where the user's file was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes 0600 files; give the result the permissions a plain open() would have
        os.chmod(tmp_path, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json_atomic(path: str | os.PathLike, obj: Any, indent: int | None = 1) -> None:
    write_text_atomic(path, json.dumps(obj, indent=indent, sort_keys=False) + "\n")


def save_model_dir(path: str | os.PathLike, meta_name: str, meta: dict, weights_name: str, tensors: Any) -> None:
    """Write a saved model folder: tensors/state dicts (``torch.save``) first, then the JSON that names them."""
    import torch

    path = Path(path)
    with atomic_path(path / weights_name) as tmp:
        torch.save(tensors, tmp)
    write_json_atomic(path / meta_name, meta)


def load_model_dir(path: str | os.PathLike, meta_name: str, weights_name: str, fmt: str, what: str) -> tuple[dict, Any]:
    """(meta, tensors) of a folder written by :func:`save_model_dir`, checking its ``format`` is ``fmt``.

    ``what`` names the model in errors ("an SEval oracle"); tensors load with ``weights_only`` (no pickled code).
    """
    import torch

    from clue_plugins.errors import ClueError

    path = Path(path)
    try:
        meta = json.loads((path / meta_name).read_text())
        tensors = torch.load(path / weights_name, map_location="cpu", weights_only=True)
    except FileNotFoundError as exc:
        raise ClueError(f"no saved {what.split(' ', 1)[1]} at {path} ({exc.filename} missing)") from None
    if meta.get("format") != fmt:
        raise ClueError(f"{path} holds format {meta.get('format')!r}, not {what} ({fmt})")
    return meta, tensors


def cache_dir() -> Path:
    """Folder for caches (parsed tables, embeddings): ``$CLUE_CACHE_DIR`` or the user cache folder."""
    env = os.environ.get("CLUE_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("clue-plugins"))

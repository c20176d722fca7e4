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

    from clue_plugins.errors import DataIntegrityError, MissingDataError

    path = Path(path)
    noun = what.split(" ", 1)[1]
    if not path.is_dir():
        hint = "it is a file, not a folder" if path.exists() else "no such folder"
        raise MissingDataError(f"no saved {noun} at {path} ({hint}); pass the folder that .save() wrote")
    for name in (meta_name, weights_name):
        if not (path / name).is_file():
            raise MissingDataError(f"no saved {noun} at {path}: {name} is missing; pass the folder that .save() wrote")
    try:
        meta = json.loads((path / meta_name).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataIntegrityError(f"{path / meta_name} is not valid JSON ({exc}); the saved {noun} is damaged: "
                                 "save the model again") from None
    if not isinstance(meta, dict):
        raise DataIntegrityError(f"{path / meta_name} holds a {type(meta).__name__}, not the JSON object .save() "
                                 f"writes; the saved {noun} is damaged: save the model again")
    if meta.get("format") != fmt:
        raise DataIntegrityError(f"{path} holds format {meta.get('format')!r}, not {what} ({fmt})")
    try:
        tensors = torch.load(path / weights_name, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated zip, foreign pickle refused by weights_only, ...: all mean a damaged file
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise DataIntegrityError(f"{path / weights_name} cannot be read as saved weights ({first}); the saved {noun} "
                                 "is damaged or was not written by clue-plugins: save the model again") from None
    return meta, tensors


def cache_dir() -> Path:
    """Folder for caches (parsed tables, embeddings): ``$CLUE_CACHE_DIR`` or the user cache folder."""
    env = os.environ.get("CLUE_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("clue-plugins"))


# -- append-only JSON-lines files (results, progress logs) ------------------------------------------------------
def _scan_jsonl(data: bytes, path: Path, what: str, required: tuple[str, ...], strict: bool
                ) -> tuple[list[dict], int, bool, list[int]]:
    """(rows, bytes to keep, whether the kept part lacks its final newline, 1-based numbers of dropped lines).

    The last line may be cut (a run killed while writing it): it is dropped. Any other bad line raises
    :class:`~clue_plugins.errors.DataIntegrityError` naming the file and line, or with ``strict=False`` is
    dropped too.
    """
    from clue_plugins.errors import DataIntegrityError

    lines = data.split(b"\n")
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    rows: list[dict] = []
    dropped: list[int] = []
    keep, offset = 0, 0
    for i, line in enumerate(lines):
        end = offset + len(line) + (1 if i < len(lines) - 1 else 0)
        if line.strip():
            problem = ""
            try:
                row = json.loads(line)
            except (ValueError, UnicodeDecodeError) as exc:
                problem = f"not a JSON row ({exc})"
            else:
                if not isinstance(row, dict):
                    problem = f"a JSON {type(row).__name__}, not a row object"
                elif any(k not in row for k in required):
                    problem = f"a row without {', '.join(k for k in required if k not in row)}"
            if problem:
                if i != last and strict:
                    raise DataIntegrityError(
                        f"{path}, line {i + 1}: {problem}. Only a cut last line is repaired automatically; this {what} "
                        f"is damaged in the middle. Fix: correct or delete line {i + 1} (the other rows are kept), or "
                        f"move the file away to start again")
                dropped.append(i + 1)
            else:
                rows.append(row)
                keep = end  # a repair keeps everything up to the last good row
        offset = end
    return rows, keep, keep > 0 and not data[:keep].endswith(b"\n"), dropped


def read_jsonl(path: str | os.PathLike, what: str = "results file", required: tuple[str, ...] = (),
               strict: bool = True) -> list[dict]:
    """The rows of an append-only JSON-lines file; a missing file has none.

    A cut last line (a run killed while writing it) is dropped with a warning, and :func:`append_jsonl`
    removes it before the next row is written. A bad line elsewhere (or a row lacking a ``required`` key)
    raises :class:`~clue_plugins.errors.DataIntegrityError` naming the file and line; with ``strict=False``
    (caches, progress logs) it is dropped with a warning and its work is done again.
    """
    import warnings

    path = Path(path)
    if not path.exists():
        return []
    rows, _, _, dropped = _scan_jsonl(path.read_bytes(), path, what, required, strict)
    if dropped:
        lines = ", ".join(map(str, dropped[:5])) + ("..." if len(dropped) > 5 else "")
        warnings.warn(f"{path}: dropped {len(dropped)} unreadable line(s) (line {lines}; a run was probably interrupted "
                      f"while writing); that work is done again and the file is repaired on the next write",
                      RuntimeWarning, stacklevel=2)
    return rows


@contextmanager
def append_jsonl(path: str | os.PathLike, what: str = "results file", required: tuple[str, ...] = (),
                 strict: bool = True) -> Iterator[Any]:
    """Open a JSON-lines file for appending, after cutting off a cut last line (and adding a missing final
    newline), so that the next row starts on a line of its own. Write each row as ``json.dumps(row) + "\\n"``
    and flush: a killed run then loses at most the row it was writing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        data = path.read_bytes()
        _, keep, needs_newline, _ = _scan_jsonl(data, path, what, required, strict)
        if keep < len(data):
            with open(path, "r+b") as fh:
                fh.truncate(keep)
        if needs_newline:
            with open(path, "ab") as fh:
                fh.write(b"\n")
    with open(path, "a", encoding="utf-8") as fh:
        yield fh

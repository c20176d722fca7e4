"""``clue-nas data fetch`` / ``verify``: download the public files with a checksum, check what is present."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from clue_plugins._io import atomic_path
from clue_plugins.data.sources import FILES, DataFile, data_dir
from clue_plugins.data.sources import sha256_file as sha256_of  # hashed once per process, also by the loaders
from clue_plugins.errors import ClueError, DataIntegrityError, MissingDataError


@dataclass
class FileStatus:
    entry: DataFile
    path: Path
    state: str  # "ok", "missing", "bad-checksum", "present" (no checksum known)


def verify(include_official: bool = False) -> list[FileStatus]:
    """Status of every registered file in the data folder."""
    out = []
    for entry in FILES.values():
        if entry.official and not include_official:
            continue
        path = data_dir() / entry.path
        if not path.exists():
            state = "missing"
        elif entry.sha256 is None:
            state = "present"
        else:
            state = "ok" if sha256_of(path) == entry.sha256 else "bad-checksum"
        out.append(FileStatus(entry, path, state))
    return out


def _download(entry: DataFile, dest: Path, timeout: float) -> None:
    from tqdm import tqdm

    with urllib.request.urlopen(entry.url, timeout=timeout) as resp:
        total = int(resp.headers.get("Content-Length") or 0) or None
        h = hashlib.sha256()
        with atomic_path(dest) as tmp, open(tmp, "wb") as out, tqdm(
            total=total, unit="B", unit_scale=True, desc=entry.path, leave=False
        ) as bar:
            for chunk in iter(lambda: resp.read(1 << 16), b""):
                out.write(chunk)
                h.update(chunk)
                bar.update(len(chunk))
            out.flush()
            if entry.sha256 and h.hexdigest() != entry.sha256:
                raise DataIntegrityError(f"{entry.url}: sha256 {h.hexdigest()} does not match the expected {entry.sha256}; file not saved")


def fetch(paths: Iterable[str] | None = None, include_official: bool = False, timeout: float = 10.0) -> list[FileStatus]:
    """Download missing or damaged files that have a public URL; fail fast, listing what to place where.

    Raises :class:`MissingDataError` naming every file still missing, its destination and how to get it.
    """
    wanted = [FILES[p] for p in paths] if paths else [e for e in FILES.values() if include_official or not e.official]
    failures: list[str] = []
    for entry in wanted:
        dest = data_dir() / entry.path
        if dest.exists() and (entry.sha256 is None or sha256_of(dest) == entry.sha256):
            continue
        if not entry.url:
            failures.append(f"{entry.path} -> {dest}: {entry.how_to_get}")
            continue
        try:
            _download(entry, dest, timeout)
        except (urllib.error.URLError, OSError, ClueError) as exc:
            failures.append(f"{entry.path} -> {dest}: download from {entry.url} failed ({exc})")
            if isinstance(exc, (urllib.error.URLError, TimeoutError)) and not isinstance(exc, urllib.error.HTTPError):
                # offline: do not wait for every other file to time out too
                rest = [e for e in wanted[wanted.index(entry) + 1 :]]
                failures += [f"{e.path} -> {data_dir() / e.path}: {e.url or e.how_to_get}" for e in rest
                             if not (data_dir() / e.path).exists()]
                break
    if failures:
        raise MissingDataError("could not get these benchmark files; place them by hand:\n  " + "\n  ".join(failures))
    return verify(include_official)

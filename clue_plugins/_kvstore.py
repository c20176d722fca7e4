"""A content-keyed cache in one SQLite file, safe for concurrent writers, interrupted runs and damaged files.

Every :meth:`KeyValueCache.put_keys` is one transaction (``INSERT OR REPLACE``) in a database in WAL mode, so
two processes writing different entries into one cache both keep them, and a run killed after some batches
keeps every batch it had put. A file that is not a readable database (truncated, overwritten) is moved aside
to ``<name>.corrupt`` with one warning, and its entries are computed again; a cache that cannot be written
(read-only folder, disk full) only costs speed. Rows hold data only (a key, a size, bytes): nothing in the
file can run code.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import warnings
from pathlib import Path
from typing import Any, Sequence

#: Seconds a writer waits for another process's transaction before giving up on this write.
BUSY_TIMEOUT_S = 60.0
_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, size INTEGER NOT NULL, value BLOB NOT NULL)"
_CHUNK = 500  # keys per SELECT ... IN (...) (SQLite's default limit on parameters is 999 on old versions)
_WARNED: set[tuple[str, str]] = set()
#: Values this process has read or written, per cache file. Entries are content-keyed and never change, so a
#: process asks the database only for keys it has not seen.
_SEEN: dict[str, dict[str, Any]] = {}


def _warn_once(path: Path, kind: str, message: str) -> None:
    if (str(path), kind) not in _WARNED:
        _WARNED.add((str(path), kind))
        warnings.warn(message, RuntimeWarning, stacklevel=3)


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    """A file that is not a database or a damaged one (as opposed to a busy or read-only one)."""
    name = getattr(exc, "sqlite_errorname", "")
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or name.startswith(("SQLITE_CORRUPT_", "SQLITE_NOTADB_")):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or (
        not isinstance(exc, sqlite3.OperationalError) and not name)


class KeyValueCache:
    """Content key -> value, persisted in one SQLite file; subclasses say how a value becomes bytes.

    ``what`` names the cache in warnings ("embedding cache"). Subclasses implement :meth:`_encode` (value ->
    (size, bytes)) and :meth:`_decode` ((size, bytes) -> value, or None for a damaged row).
    """

    what = "cache"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self._lock = threading.Lock()
        self._disabled = False
        self._identity: tuple[int, int] | None = None

    # ---- connection ---------------------------------------------------------------------------------------
    def _connect(self, fresh_start: bool = False) -> sqlite3.Connection | None:
        if self._disabled:
            return None
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        self._conn = None  # a connection inherited through fork is never reused (nor closed: the parent owns it)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            new = not self.path.exists()
            self._identity = _file_identity(self.path)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            self._give_up(f"cannot open the {self.what} {self.path} ({exc}); its values are computed without it")
            return None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            try:
                conn.execute("PRAGMA journal_mode=WAL")  # readers never block the writer; per-batch commits are cheap
                conn.execute("PRAGMA synchronous=NORMAL")  # a killed process loses nothing it committed
            except sqlite3.OperationalError:
                pass  # e.g. a file system without shared memory: the default journal still keeps every commit
            conn.execute(_SCHEMA)
            conn.execute("SELECT count(*) FROM entries").fetchone()
        except sqlite3.DatabaseError as exc:
            conn.close()
            if _is_corrupt(exc) and not fresh_start:
                return self._recover(exc)
            self._give_up(f"cannot use the {self.what} {self.path} ({exc}); its values are computed without it")
            return None
        self._conn, self._pid = conn, os.getpid()
        if new:
            self._import_old(conn)
        return conn

    def _recover(self, exc: Exception) -> sqlite3.Connection | None:
        """Move a damaged cache file aside (its entries are recomputed) and start a fresh one."""
        self.close()
        aside = self.path.with_name(self.path.name + ".corrupt")
        _warn_once(self.path, "corrupt", f"the {self.what} {self.path} is damaged ({exc}); it was moved to {aside} "
                                         "and its values are computed again")
        try:
            if _file_identity(self.path) == self._identity:  # not already replaced by another process
                os.replace(self.path, aside)
                for suffix in ("-wal", "-shm"):
                    side = self.path.with_name(self.path.name + suffix)
                    if side.exists():
                        os.replace(side, aside.with_name(aside.name + suffix))
        except OSError as err:
            self._give_up(f"cannot move the damaged {self.what} {self.path} aside ({err}); "
                          "its values are computed without it")
            return None
        return self._connect(fresh_start=True)

    def _old_entries(self) -> list[tuple[str, Any]]:
        """Hook: (key, value) pairs of the file an older version kept, imported once into a new database."""
        return []

    def _import_old(self, conn: sqlite3.Connection) -> None:
        try:
            rows = [(key, *self._encode(value)) for key, value in self._old_entries()]
            if rows:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT OR IGNORE INTO entries (key, size, value) VALUES (?, ?, ?)", rows)
                conn.execute("COMMIT")
        except Exception:  # an unreadable old cache is simply not imported
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    def _give_up(self, message: str) -> None:
        self.close()
        self._disabled = True
        _warn_once(self.path, "disabled", message)

    def _run(self, fn, default):  # type: ignore[no-untyped-def]
        """``fn(conn)``, recovering once from a damaged file and never raising for a cache problem."""
        with self._lock:
            for _ in range(2):
                conn = self._connect()
                if conn is None:
                    return default
                try:
                    return fn(conn)
                except sqlite3.DatabaseError as exc:
                    if _is_corrupt(exc):
                        if self._recover(exc) is None:
                            return default
                        continue
                    _warn_once(self.path, "error", f"the {self.what} {self.path} could not be used ({exc}); "
                                                   "continuing without it for this call")
                    return default
            return default

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
        self._conn = None

    # ---- subclass hooks -----------------------------------------------------------------------------------
    def _encode(self, value: Any) -> tuple[int, bytes]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _decode(self, size: int, blob: bytes) -> Any | None:  # pragma: no cover - abstract
        raise NotImplementedError

    # ---- public API ---------------------------------------------------------------------------------------
    def get_keys(self, keys: Sequence[str]) -> dict[str, Any]:
        """The cached values of ``keys`` that are present (damaged rows count as missing)."""
        seen = _SEEN.setdefault(str(self.path), {})
        unique = [k for k in dict.fromkeys(keys) if k not in seen]

        def fetch(conn: sqlite3.Connection) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for start in range(0, len(unique), _CHUNK):
                part = unique[start : start + _CHUNK]
                rows = conn.execute(f"SELECT key, size, value FROM entries WHERE key IN ({','.join('?' * len(part))})",
                                    part).fetchall()
                for key, size, blob in rows:
                    value = self._decode(size, blob) if isinstance(blob, bytes) and isinstance(size, int) else None
                    if value is None:  # a damaged row is a missing row: it is recomputed and replaced
                        _warn_once(self.path, "row", f"the {self.what} {self.path} has damaged entries; "
                                                     "they are computed again")
                    else:
                        out[key] = value
            return out

        seen.update(self._run(fetch, {}) if unique else {})
        return {k: seen[k] for k in keys if k in seen}

    def put_keys(self, items: Sequence[tuple[str, Any]]) -> None:
        """Store (key, value) pairs in one transaction (call it per batch: each call is kept)."""
        rows = [(key, *self._encode(value)) for key, value in items]
        if not rows:
            return

        def write(conn: sqlite3.Connection) -> bool:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT OR REPLACE INTO entries (key, size, value) VALUES (?, ?, ?)", rows)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return True

        self._run(write, False)  # a cache that cannot be written only costs speed: this process still has them
        _SEEN.setdefault(str(self.path), {}).update(items)

    def __len__(self) -> int:
        n = self._run(lambda conn: int(conn.execute("SELECT count(*) FROM entries").fetchone()[0]), None)
        return len(_SEEN.get(str(self.path), {})) if n is None else n

    def __del__(self) -> None:  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass

"""The embedding cache: concurrent writers, a killed writer, a damaged file; all with real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from clue_plugins.text.cache import EmbeddingCache
from clue_plugins.text.encoders import TextEncoder

ROOT = Path(__file__).resolve().parents[2]


def _new_process(monkeypatch) -> None:
    """Forget the vectors this process has seen, as a fresh process would."""
    from clue_plugins import _kvstore

    monkeypatch.setattr(_kvstore, "_SEEN", {})

# a writer process: puts `batches` batches of `size` prompts "<tag> <i>" (vector = [i, i+1, ...]) one put_many each
WRITER = textwrap.dedent("""
    import sys, time
    import numpy as np
    from pathlib import Path
    from clue_plugins.text.cache import EmbeddingCache

    root, tag, batches, size, pause = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    cache = EmbeddingCache("shared-encoder", root=root)
    print("ready", flush=True)
    while not (root / "go").exists():  # start together, so the writers overlap
        time.sleep(0.005)
    for b in range(batches):
        ids = range(b * size, (b + 1) * size)
        cache.put_many([f"{tag} {i}" for i in ids], np.array([[i, i + 1, i + 2] for i in ids], dtype=np.float32))
        print(b + 1, flush=True)
        time.sleep(pause)
""")


def _writer(tmp_path: Path, tag: str, batches: int, size: int, pause: float) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), tag, str(batches), str(size), str(pause)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _expect(cache: EmbeddingCache, tag: str, n: int) -> None:
    texts = [f"{tag} {i}" for i in range(n)]
    found, missing = cache.get_many(texts)
    assert missing == [], f"{len(missing)} of {tag}'s {n} entries were lost"
    for i, v in found.items():
        np.testing.assert_array_equal(v, [i, i + 1, i + 2])


def test_two_concurrent_writers_both_keep_their_entries(tmp_path):
    batches, size = 40, 25
    procs = [_writer(tmp_path, tag, batches, size, 0.001) for tag in ("alpha", "beta")]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    (tmp_path / "go").touch()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.split()[-1] == str(batches)
    cache = EmbeddingCache("shared-encoder", root=tmp_path)
    assert len(cache) == 2 * batches * size
    _expect(cache, "alpha", batches * size)
    _expect(cache, "beta", batches * size)


def test_a_killed_writer_keeps_every_batch_it_had_put(tmp_path):
    size = 10
    proc = _writer(tmp_path, "gamma", 10_000, size, 0.01)
    (tmp_path / "go").touch()
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    done = 0
    while done < 5:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        done = int(line)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    cache = EmbeddingCache("shared-encoder", root=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a killed writer leaves a healthy cache: no warning, nothing moved aside
        _expect(cache, "gamma", done * size)
        assert len(cache) >= done * size
    assert not list(tmp_path.glob("*.corrupt"))


class CountingEncoder(TextEncoder):
    """A deterministic encoder that counts the texts it embeds (to see what is recomputed)."""

    name = "counting"
    identity = "counting-v1"
    dim = 4
    batch_size = 2

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def _embed(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return np.array([[len(t), t.count("a"), t.count("e"), 1.0] for t in texts], dtype=np.float32)


TEXTS = [f"prompt {'a' * i} {'e' * (i % 3)}" for i in range(300)]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty-file"])
def test_a_damaged_cache_file_warns_once_and_is_recomputed(tmp_path, monkeypatch, damage):
    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path))
    enc = CountingEncoder()
    first = enc.encode(TEXTS)
    path = EmbeddingCache(enc.identity).path
    assert path.exists() and len(EmbeddingCache(enc.identity)) == len(TEXTS)
    for side in path.parent.glob(path.name + "-*"):
        side.unlink()  # as after a crash that lost the journal too
    data = path.read_bytes()
    path.write_bytes({"garbage": b"not a database at all " * 200, "truncated": data[: len(data) // 2],
                      "empty-file": b"\0" * len(data)}[damage])
    enc.embedded.clear()
    _new_process(monkeypatch)
    with pytest.warns(RuntimeWarning, match="embedding cache .* damaged"):
        again = enc.encode(TEXTS)
    np.testing.assert_array_equal(again, first)
    assert set(enc.embedded) == set(TEXTS)  # every entry computed again, none read from the damaged file
    assert (tmp_path / "text" / (path.name + ".corrupt")).exists()
    enc.embedded.clear()
    _new_process(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fresh cache is healthy: no second warning, nothing recomputed
        np.testing.assert_array_equal(enc.encode(TEXTS), first)
    assert enc.embedded == []


def test_a_damaged_row_is_a_missing_row(tmp_path, monkeypatch):
    import sqlite3

    cache = EmbeddingCache("rows", root=tmp_path)
    cache.put_many(["a", "b"], np.ones((2, 3)))
    cache.close()
    with sqlite3.connect(cache.path) as conn:
        conn.execute("UPDATE entries SET value = x'0102' WHERE key = (SELECT key FROM entries LIMIT 1)")
    _new_process(monkeypatch)
    with pytest.warns(RuntimeWarning, match="damaged entries"):
        found, missing = EmbeddingCache("rows", root=tmp_path).get_many(["a", "b"])
    assert len(found) == 1 and len(missing) == 1


def test_an_unwritable_cache_only_costs_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    cache = EmbeddingCache("x", root=blocker / "text")
    with pytest.warns(RuntimeWarning, match="computed without it"):
        cache.put_many(["a"], np.ones((1, 3)))
    found, missing = cache.get_many(["a", "b"])
    assert list(found) == [0] and missing == [1]


def test_entries_of_the_old_npz_cache_are_kept(tmp_path):
    from clue_plugins.text.cache import text_key

    np.savez(tmp_path / "old-encoder.npz", keys=np.array([text_key("kept")]), vectors=np.array([[1.0, 2.0]], np.float32))
    found, missing = EmbeddingCache("old-encoder", root=tmp_path).get_many(["kept", "new"])
    np.testing.assert_array_equal(found[0], [1.0, 2.0])
    assert missing == [1]


def test_an_interrupted_encode_keeps_the_batches_it_finished(tmp_path, monkeypatch):
    """Ctrl-C during the 4th batch: the 3 finished batches are in the cache and are not embedded again."""
    monkeypatch.setenv("CLUE_CACHE_DIR", str(tmp_path))

    class Interrupted(CountingEncoder):
        def _embed(self, texts):
            if len(self.embedded) >= 6:
                raise KeyboardInterrupt
            return super()._embed(texts)

    with pytest.raises(KeyboardInterrupt):
        Interrupted().encode(TEXTS[:20], progress=False)
    assert len(EmbeddingCache(CountingEncoder.identity)) == 6  # 3 batches of 2
    enc = CountingEncoder()
    enc.encode(TEXTS[:20], progress=False)
    assert enc.embedded == TEXTS[6:20]


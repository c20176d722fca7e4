"""The Ray backend of the one map helper against a real single-node Ray head.

``make test`` starts the head (tools/with_ray_head.sh) and exports its address as RAY_TEST_ADDRESS; without
it (or without Ray installed) the tests that need a cluster skip.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from clue_plugins.errors import ConfigError, MissingDependencyError

ADDRESS = os.environ.get("RAY_TEST_ADDRESS")
try:
    import ray  # noqa: F401

    HAVE_RAY = True
except ImportError:
    HAVE_RAY = False
needs_head = pytest.mark.skipif(not (HAVE_RAY and ADDRESS),
                                reason="needs ray and a Ray head in RAY_TEST_ADDRESS (make test starts one)")

TIMING = ("fit_s", "predict_s")


def _grid():
    from clue_plugins.evaluation.protocols import make_tasks

    # two seeded CLUE tasks and a lookup baseline: seeds are per task, so any worker gives the same numbers
    return (make_tasks("independent", ["clue"], ["nb201-cifar10"], [5], 2)
            + make_tasks("independent", ["params"], ["nb201-cifar10"], [5], 1))


def _json(rows):
    return json.dumps([{k: v for k, v in r.items() if k not in TIMING} for r in rows], sort_keys=True)


@pytest.fixture(scope="module")
def one_process(data_dir, tmp_path_factory):
    from clue_plugins.evaluation.protocols import run_tasks

    return _json(run_tasks(_grid(), workers=1, progress=False, rows_path=tmp_path_factory.mktemp("one") / "rows.jsonl"))


@needs_head
def test_grid_identical_on_process_and_ray(one_process, tmp_path):
    from clue_plugins.evaluation.protocols import run_tasks

    rows_path = tmp_path / "rows.jsonl"
    ray_rows = run_tasks(_grid(), workers=2, progress=False, rows_path=rows_path, backend="ray", ray_address=ADDRESS)
    assert _json(ray_rows) == one_process
    # the driver alone wrote the results file, and a second run resumes from it without running anything
    assert len(rows_path.read_text().splitlines()) == len(ray_rows)
    again = run_tasks(_grid(), workers=2, progress=False, rows_path=rows_path, backend="ray", ray_address=ADDRESS)
    assert _json(again) == one_process


def _kill_one_running_worker(stop: threading.Event, killed: list) -> None:
    import psutil

    while not stop.is_set() and not killed:
        for proc in psutil.process_iter(["pid", "cmdline"]):
            cmd = " ".join(proc.info["cmdline"] or [])
            if cmd.startswith("ray::_ray_chunk"):
                try:
                    proc.kill()
                    killed.append(proc.info["pid"])
                except psutil.Error:
                    continue
                return
        time.sleep(0.05)


@needs_head
def test_killed_worker_is_retried_with_identical_results(one_process, tmp_path):
    from clue_plugins.evaluation.protocols import run_tasks

    stop, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_one_running_worker, args=(stop, killed), daemon=True)
    killer.start()
    try:
        rows = run_tasks(_grid(), workers=2, progress=False, rows_path=tmp_path / "rows.jsonl", backend="ray",
                         ray_address=ADDRESS)
    finally:
        stop.set()
        killer.join()
    assert killed, "no Ray worker was running a task to kill"
    assert _json(rows) == one_process


@needs_head
def test_task_errors_reach_the_caller_unwrapped():
    from clue_plugins._parallel import imap

    with pytest.raises(ValueError, match="math domain error"):
        list(imap(__import__("math").sqrt, [4.0, -1.0], 2, backend="ray", ray_address=ADDRESS))


def test_unreachable_address_fails_fast():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "clue_plugins.cli", "evaluate", "--backend", "ray", "--ray-address",
                           f"127.0.0.1:{port}", "--predictors", "params", "--budgets", "5", "--seeds", "1"],
                          check=False, capture_output=True, text=True, timeout=60)
    if "ray is required" in proc.stderr:
        pytest.skip("ray is not installed")
    assert proc.returncode != 0
    assert f"cannot reach a Ray cluster at 127.0.0.1:{port}" in proc.stderr
    assert time.perf_counter() - t0 < 20
    from clue_plugins._parallel import check_reachable

    t0 = time.perf_counter()
    with pytest.raises(ConfigError, match="cannot reach a Ray cluster"):
        check_reachable(f"127.0.0.1:{port}")
    assert time.perf_counter() - t0 < 6


def test_backend_ray_without_the_extra_says_how_to_install(monkeypatch):
    import argparse

    from clue_plugins._parallel import imap
    from clue_plugins.cli._args import backend_options

    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if it were not installed
    with pytest.raises(MissingDependencyError, match=r"pip install 'clue-plugins\[ray\]'"):
        backend_options(argparse.Namespace(backend="ray", ray_address=None))
    with pytest.raises(MissingDependencyError, match=r"clue-plugins\[ray\]"):
        list(imap(abs, [1], backend="ray"))


def test_unknown_backend_is_refused():
    from clue_plugins._parallel import imap

    with pytest.raises(ConfigError, match="unknown backend"):
        list(imap(abs, [1], backend="spark"))

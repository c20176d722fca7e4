"""One way to map a function over tasks: in this process, in spawned single-threaded workers, or on Ray.

Backends (``backend=``): ``process`` (the default: this process when ``workers <= 1``, else a spawn pool on
this host) and ``ray`` (tasks on a Ray cluster: ``ray_address``, else ``$RAY_ADDRESS``, else a local Ray
started for the run). Whatever the backend, results come back to the caller in the order of ``items``, the
caller alone writes files, and a task's numbers depend on the task only (each task seeds itself), so every
backend gives the same results. See docs/scaling.md.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from clue_plugins.errors import ClueError, ConfigError, missing_dependency, shown

T = TypeVar("T")
R = TypeVar("R")


def init_worker() -> None:
    import signal

    import torch

    torch.set_num_threads(1)  # one process per core: no oversubscription
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle: no traceback per worker


BACKENDS = ("process", "ray")

#: (installer, payload): a large input every task reads, installed once per worker before its first task
#: (``installer(payload)``; ``installer`` a module-level function). On Ray the payload goes through the
#: object store once per run, not once per task; in this process and in spawned workers nothing is
#: installed (they read the same files and caches as the caller).
Shared = tuple[Callable[[Any], None], Any]


def imap(fn: Callable[[T], R], items: Iterable[T], workers: int = 1, chunksize: int = 1, *,
         backend: str = "process", ray_address: str | None = None, num_gpus: float = 0,
         shared: Sequence[Shared] = (), max_retries: int = 3) -> Iterator[R]:
    """``fn`` over ``items`` in order; ``workers > 1`` spawns that many processes (``fn`` must be picklable).

    In-process, torch runs single-threaded while the map runs (small tasks only lose to thread contention)
    and gets its thread count back afterwards.

    ``backend="ray"``: each chunk of ``chunksize`` items is one Ray task (``num_cpus=1``, ``num_gpus``),
    at most ``workers`` of them in flight; a task whose worker dies is run again (``max_retries`` times);
    ``shared`` inputs go through the object store once. Errors raised by ``fn`` reach the caller unchanged.
    """
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {shown(backend)}; choose from {', '.join(BACKENDS)}")
    if backend == "ray":
        yield from _ray_imap(fn, items, workers, chunksize, ray_address, num_gpus, shared, max_retries)
        return
    import torch

    if workers <= 1:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            for item in items:
                yield fn(item)
        finally:
            torch.set_num_threads(threads)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=init_worker)
    try:
        yield from pool.map(fn, items, chunksize=chunksize)
    except BaseException:
        # interrupted (Ctrl-C, an error, the caller stopped reading): stop the workers now instead of waiting
        # for their running tasks; the executor has no public way to do that
        for proc in list((pool._processes or {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


# -- Ray -----------------------------------------------------------------------------------------------
def import_ray() -> Any:
    """The ``ray`` module, or a :class:`MissingDependencyError` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise missing_dependency("ray", "ray") from None
    return ray


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in seconds, with a clear error, when nothing listens at ``host:port`` (Ray itself waits long)."""
    host, _, port = address.rpartition(":")
    try:
        port_no = int(port)
    except ValueError:
        raise ConfigError(f"Ray address {shown(address)} is not HOST:PORT (or 'auto', 'local', ray://HOST:PORT)") from None
    try:
        socket.create_connection((host or "127.0.0.1", port_no), timeout=timeout).close()
    except OSError as err:
        raise ConfigError(f"cannot reach a Ray cluster at {address} ({err.strerror or err}); start one with "
                          f"`ray start --head --port {port_no}` there, or pass --backend process") from None


def connect(address: str | None = None, num_cpus: int | None = None) -> Any:
    """Connect this process to Ray once: ``address`` (HOST:PORT of a head, ``auto``, ``ray://...``), else
    ``$RAY_ADDRESS``, else start a local Ray with ``num_cpus`` CPUs for this run. Returns the ``ray`` module."""
    ray = import_ray()
    if ray.is_initialized():
        return ray
    address = address or os.environ.get("RAY_ADDRESS") or "local"
    kwargs: dict[str, Any] = {"logging_level": "ERROR", "log_to_driver": False, "configure_logging": True}
    if address == "local":
        kwargs.update(num_cpus=num_cpus, include_dashboard=False)
    elif address != "auto":
        check_reachable(address.removeprefix("ray://"))
    try:
        ray.init(address=address, **kwargs)
    except (ConnectionError, TimeoutError, RuntimeError) as err:
        raise ConfigError(f"cannot connect to Ray at {address}: {err}") from None
    return ray


_installed: set[str] = set()


def _ray_chunk(fn: Callable, chunk: list, shared: list) -> list:
    """One Ray task: install the shared inputs this worker has not seen yet, then ``fn`` over the chunk."""
    import torch

    torch.set_num_threads(1)  # one task per CPU the task asked for: no oversubscription
    if shared:
        ray = import_ray()
        for installer, ref in shared:
            if ref.hex() not in _installed:
                installer(ray.get(ref))
                _installed.add(ref.hex())
    return [fn(item) for item in chunk]


def _ray_imap(fn: Callable, items: Iterable, workers: int, chunksize: int, address: str | None, num_gpus: float,
              shared: Sequence[Shared], max_retries: int) -> Iterator:
    items = list(items)
    if not items:
        return
    ray = connect(address, num_cpus=max(1, workers))
    remote = ray.remote(_ray_chunk).options(num_cpus=1, num_gpus=num_gpus, max_retries=max_retries,
                                             retry_exceptions=False)
    fn_ref = ray.put(fn)
    # nested in a list, the refs reach the task unresolved: each worker fetches a payload once, not per task
    shared_refs = [(installer, ray.put(payload)) for installer, payload in shared]
    chunks = [items[i:i + chunksize] for i in range(0, len(items), max(1, chunksize))]
    window = max(1, workers)  # chunks in flight: the caller's worker count, whatever the cluster size
    pending: dict[Any, int] = {}
    ready: dict[int, list] = {}
    submitted = emitted = 0
    try:
        while emitted < len(chunks):
            while submitted < len(chunks) and len(pending) < window:
                pending[remote.remote(fn_ref, chunks[submitted], shared_refs)] = submitted
                submitted += 1
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                ready[pending.pop(ref)] = _ray_result(ray, ref)
            while emitted in ready:  # in order, as the process pool does
                yield from ready.pop(emitted)
                emitted += 1
    finally:
        for ref in pending:  # interrupted, an error, or the caller stopped reading: stop what still runs
            with contextlib.suppress(Exception):  # cancelling is best effort
                ray.cancel(ref, force=True)


def _ray_result(ray: Any, ref: Any) -> list:
    """A task's results; an error raised by ``fn`` reaches the caller as itself, not wrapped by Ray."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as err:
        cause = getattr(err, "cause", None)
        if isinstance(cause, BaseException):
            raise cause from None
        raise
    except ray.exceptions.WorkerCrashedError as err:
        raise ClueError(f"a Ray worker died more often than max_retries allows: {err}") from None


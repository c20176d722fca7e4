"""One way to map a function over tasks: in this process, or in spawned single-threaded workers."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def init_worker() -> None:
    import signal

    import torch

    torch.set_num_threads(1)  # one process per core: no oversubscription
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle: no traceback per worker


def imap(fn: Callable[[T], R], items: Iterable[T], workers: int = 1, chunksize: int = 1) -> Iterator[R]:
    """``fn`` over ``items`` in order; ``workers > 1`` spawns that many processes (``fn`` must be picklable).

    In-process, torch runs single-threaded while the map runs (small tasks only lose to thread contention)
    and gets its thread count back afterwards.
    """
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

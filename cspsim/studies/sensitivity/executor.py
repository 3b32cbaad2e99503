"""Where tasks run: in this process, on a local process pool, or on a Dask cluster.

All three take tasks lazily and keep only a bounded number in flight (a few per worker
slot), and yield ``(task, chunk columns)`` as tasks finish, in whatever order. The
caller writes each chunk as it arrives, so memory stays flat however large the sweep.
A task's result depends only on the task, so the executor never changes the results.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Protocol

from cspsim.studies.sensitivity.design import Task
from cspsim.studies.sensitivity.worker import Runtime, run_task

if TYPE_CHECKING:
    from distributed import Client
    from distributed import Future as DaskFuture

Result = tuple[Task, dict[str, Any]]
TaskFuture = Future[dict[str, Any]]


class Executor(Protocol):
    """What a sweep needs of where its tasks run (:class:`Serial`, :class:`LocalPool`,
    :class:`DaskCluster`)."""

    slots: int  # tasks that can run at once

    def run(self, tasks: Iterable[Task]) -> Iterator[Result]:
        """Yield ``(task, chunk columns)`` as tasks finish."""
        ...

    def close(self) -> None:
        """Release the workers."""
        ...


IN_FLIGHT_PER_DASK_SLOT = 8


class Serial:
    """Run tasks one after another in this process (``--workers 1``; tests; benchmarks)."""

    slots = 1

    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def run(self, tasks: Iterable[Task]) -> Iterator[Result]:
        """Yield each task's result."""
        for task in tasks:
            yield task, run_task(self.runtime, task)

    def close(self) -> None:
        """Nothing to release."""


_RUNTIME: Runtime | None = None


def _init_worker(runtime: Runtime, parent: int) -> None:
    """Pool worker start-up: keep the runtime; leave Ctrl-C to the parent, which stops the
    pool cleanly (otherwise every worker prints a KeyboardInterrupt traceback); and exit if
    the parent dies (``kill -9``), instead of running on with the tasks already queued."""
    global _RUNTIME
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _RUNTIME = runtime
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int, every: float = 0.5) -> None:
    """Exit this process soon after process ``parent`` is gone (workers are children of the
    forkserver, not of the sweep, so the parent's death is not otherwise noticed)."""
    while True:
        time.sleep(every)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # alive, owned by someone else: cannot be our parent
            os._exit(1)


def _pool_task(task: Task) -> dict[str, Any]:
    assert _RUNTIME is not None, "the pool's initializer (_init_worker) sets it"
    return run_task(_RUNTIME, task)


def _bounded(
    submit: Callable[[Task], TaskFuture],
    tasks: Iterable[Task],
    limit: int,
    wait_any: Callable[[list[TaskFuture]], set[TaskFuture]],
) -> Iterator[Result]:
    """Submit tasks keeping at most ``limit`` in flight; yield results as they finish."""
    limit = max(1, limit)
    todo = iter(tasks)
    running: dict[TaskFuture, Task] = {}
    for task in todo:
        running[submit(task)] = task
        if len(running) >= limit:
            break
    while running:
        for fut in wait_any(list(running)):
            task = running.pop(fut)
            yield task, fut.result()
            nxt = next(todo, None)
            if nxt is not None:
                running[submit(nxt)] = nxt


class LocalPool:
    """A local process pool (the default).

    Workers start from a forkserver that has imported cspsim once, so each starts in
    milliseconds and none inherits the parent's threads (numpy's BLAS and pyarrow start
    threads, and forking a threaded process can deadlock).

    Args:
        runtime: What the workers need.
        workers: Number of processes.
    """

    def __init__(self, runtime: Runtime, workers: int):
        self.slots = workers
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["cspsim.studies.sensitivity.worker", "cspsim.model.model"])
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(runtime, os.getpid()),
        )

    def run(self, tasks: Iterable[Task]) -> Iterator[Result]:
        """Yield each task's result as it finishes."""

        def submit(task: Task) -> TaskFuture:
            return self._pool.submit(_pool_task, task)

        def wait_any(futs: list[TaskFuture]) -> set[TaskFuture]:
            return wait(futs, return_when=FIRST_COMPLETED).done

        yield from _bounded(submit, tasks, 2 * self.slots, wait_any)

    def close(self) -> None:
        """Stop the pool; running tasks finish (each takes about a second), queued ones do not."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def connect_dask(
    address: str, shared: Any, timeout: float | None = None
) -> tuple[Client, int, DaskFuture]:
    """Connect to a Dask scheduler, wait for a worker and send ``shared`` to every worker.

    Args:
        address: Scheduler address, e.g. ``tcp://127.0.0.1:8786``.
        shared: What every task needs (scattered once, ``broadcast=True``).
        timeout: Seconds to wait for the scheduler (default: Dask's
            ``distributed.comm.timeouts.connect``) and then for a first worker.

    Returns:
        (client, worker threads in all, future of ``shared``). The client is not the default.
    """
    import dask
    from distributed import Client

    if timeout is None:
        timeout = dask.utils.parse_timedelta(
            dask.config.get("distributed.comm.timeouts.connect"), "s"
        )
    client = Client(address, timeout=timeout, set_as_default=False)
    try:
        client.wait_for_workers(1, timeout=timeout or 60)
        slots = max(1, sum(client.nthreads().values()))
        return client, slots, client.scatter(shared, broadcast=True, hash=False)
    except BaseException:
        client.close()
        raise


class DaskCluster:
    """A Dask distributed cluster, reached through its scheduler's address.

    The runtime is sent once to every worker (``scatter(broadcast=True)``); each task then
    carries only its own runs. Workers must be able to import cspsim (the same version) and
    read the scenario's duty catalogue.

    Args:
        runtime: What the workers need.
        address: Scheduler address, e.g. ``tcp://127.0.0.1:8786``.
        timeout: Seconds to wait for the scheduler (default: Dask's
            ``distributed.comm.timeouts.connect``) and then for a first worker.
    """

    def __init__(self, runtime: Runtime, address: str, timeout: float | None = None):
        self._client, self.slots, self._runtime = connect_dask(address, runtime, timeout)

    def run(self, tasks: Iterable[Task]) -> Iterator[Result]:
        """Yield each task's result as it finishes."""
        from distributed import as_completed

        # Results come with the completion notice (one round trip per task, not two), on
        # this client's loop (there is no default client).
        finished = as_completed(loop=self._client.loop, with_results=True)
        running: dict[Hashable, Task] = {}  # by the future's key
        todo = iter(tasks)

        def submit(task: Task) -> None:
            fut = self._client.submit(run_task, self._runtime, task, pure=False, retries=1)
            running[fut.key] = task
            finished.add(fut)

        # More in flight than locally: a round trip through the scheduler takes
        # milliseconds, and with only two tasks per worker the workers would wait for it.
        for task in itertools.islice(todo, IN_FLIGHT_PER_DASK_SLOT * self.slots):
            submit(task)
        for fut, result in finished:
            task = running.pop(fut.key)
            if (nxt := next(todo, None)) is not None:
                submit(nxt)
            yield task, result

    def close(self) -> None:
        """Cancel what is still queued and disconnect (the cluster keeps running)."""
        # Dropping the futures (the generator is gone) releases their tasks; closing the
        # client cancels whatever this client still has queued.
        self._client.close()

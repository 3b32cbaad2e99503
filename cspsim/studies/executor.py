"""Where work runs: in this process, on a local process pool, or on a Dask cluster.

One executor serves every study (``run``, ``compare``, ``validate``, ``calibrate`` and
``sensitivity``). A task is a module-level function called as ``fn(shared, item)``:
``shared`` is what every task needs (a sweep's runtime, a calibration's setup, or None),
sent once to each worker (pool initializer; on Dask, a task every worker fetches once); ``item`` is
the task's own input. Executors take items lazily, keep a bounded number in flight (two per
local worker, eight per Dask slot) and yield results as tasks finish; :meth:`Executor.map`
puts them back in item order. A task's result depends only on its inputs, so the executor
never changes the results.

Local workers:

* start from a forkserver that has imported the callers' modules once (``preload``), so
  each starts in milliseconds and none inherits this process's threads (numpy's BLAS and
  pyarrow start threads, and forking a threaded process can deadlock); a single-threaded
  process forks them directly;
* never re-run the caller's main script (the spawn-style re-import of ``__main__``): tasks
  are cspsim functions, so a plain script without an ``if __name__ == "__main__"`` guard can
  use the pool;
* leave Ctrl-C to this process, which stops the pool cleanly: running tasks finish, queued
  ones are cancelled;
* exit within a second once this process is gone (``kill -9``), instead of running on.

A task that raises stops the executor and the exception reaches the caller; a worker that
dies makes the pool raise ``BrokenProcessPool``. On Dask, the scheduler reruns the tasks of a
worker that dies on another worker, or on the next one to join; a task whose workers keep
dying (``KilledWorker``) or a lost scheduler (tasks cancelled) raises :class:`ClusterLost`.
A scheduler that is not an address, does not answer, or has no worker raises
:class:`SchedulerError` within :data:`CONNECT_SECONDS`.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing as mp
import os
import signal
import socket
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import context, popen_forkserver, spawn
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

Task = Callable[[Any, Any], Any]
IN_FLIGHT_PER_LOCAL_WORKER = 2
IN_FLIGHT_PER_DASK_SLOT = 8
CONNECT_SECONDS = 8.0  # at most this long to reach the scheduler and see a first worker


class SchedulerError(OSError):
    """A Dask scheduler that cannot be used; the message is one line (the reason)."""


class ClusterLost(RuntimeError):
    """The Dask cluster lost work for good: its scheduler is gone, or a task's workers died."""


def default_workers(n_jobs: int) -> int:
    """Local processes to use: one per core, no more than there are jobs."""
    return max(1, min(n_jobs, os.cpu_count() or 1))


class Executor:
    """Runs tasks ``fn(shared, item)``; subclasses say where.

    Attributes:
        slots: Tasks that can run at once.
    """

    slots = 1

    def stream(self, fn: Task, items: Iterable[Any]) -> Iterator[tuple[int, Any, Any]]:
        """Yield ``(position, item, result)`` as tasks finish, in whatever order."""
        raise NotImplementedError

    def run(self, fn: Task, items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Yield ``(item, result)`` as tasks finish, in whatever order."""
        for _, item, result in self.stream(fn, items):
            yield item, result

    def map(
        self,
        fn: Task,
        items: Iterable[Any],
        progress: Callable[[int], object] | None = None,
        weight: Callable[[Any], int] | None = None,
    ) -> list[Any]:
        """Results of every item, in item order.

        Args:
            progress: Called as each task finishes, with ``weight(item)`` (default 1).
        """
        items = list(items)
        out: list[Any] = [None] * len(items)
        for i, item, result in self.stream(fn, items):
            out[i] = result
            if progress:
                progress(weight(item) if weight else 1)
        return out

    def close(self) -> None:
        """Release the workers (or nothing)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Serial(Executor):
    """Run tasks one after another in this process (``workers = 1``; tests; benchmarks)."""

    def __init__(self, shared: Any = None):
        self.shared = shared

    def stream(self, fn: Task, items: Iterable[Any]) -> Iterator[tuple[int, Any, Any]]:
        for i, item in enumerate(items):
            yield i, item, fn(self.shared, item)


# --- local process pool -------------------------------------------------------------------

_SHARED: Any = None
_IN_POOL = False
_SETTLED = False  # whether what the worker's first run left has been frozen too


def _init_worker(shared: Any, parent: int) -> None:
    """Pool worker start-up: keep ``shared``; leave Ctrl-C to the parent, which stops the
    pool cleanly (otherwise every worker prints a KeyboardInterrupt traceback); and exit if
    the parent dies (``kill -9``), instead of running on with the tasks already queued.

    What the worker inherits (the imported modules: about 115,000 objects) is frozen out of
    the garbage collector (``gc.freeze``): it lives as long as the worker, so collections
    need not walk it, and :func:`collect_cycles` can run after every model run.
    """
    global _SHARED, _IN_POOL
    gc.freeze()
    _IN_POOL = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _SHARED = shared
    threading.Thread(target=_exit_with, args=(parent, os.getppid()), daemon=True).start()


def collect_cycles() -> None:
    """In a local pool worker, free the reference cycles that finished work left behind.

    A finished model is such a cycle (a Mesa model refers to itself through its scheduled
    step), and it holds a run's records (megabytes of numpy arrays). The collector counts
    Python containers, not bytes, so it rarely runs for them: a national worker held some
    twenty dead models at a time and kept the heap they had used (a worker of 336 MiB
    instead of 151). Collecting after each run keeps one model alive at a time.

    What is alive after the first collection (the geography, duty tables and epochs the
    first run built, kept for the later ones) is frozen as well, so that each collection
    walks only what a run made: 0.4 ms after a national run instead of 2.4 ms. Frozen objects
    are still freed when their last reference goes; only a cycle among them would stay.
    Elsewhere (this process, Dask workers) nothing is frozen, a collection costs tens of
    milliseconds, and it is left to Python.
    """
    global _SETTLED
    if not _IN_POOL:
        return
    gc.collect()
    if not _SETTLED:
        gc.freeze()
        _SETTLED = True


def _exit_with(parent: int, ppid: int, every: float = 0.5) -> None:
    """Exit this process soon after process ``parent`` (the pool's owner) is gone.

    Workers started by the forkserver are its children, not the owner's, and the pool's
    queues never report the owner's death, so it is watched: the worker exits when its own
    parent changes (the owner, or the forkserver, which ends with the owner) or when the
    owner no longer exists.
    """
    while True:
        time.sleep(every)
        if os.getppid() != ppid:
            os._exit(1)
        try:
            os.kill(parent, 0)
        except (ProcessLookupError, PermissionError):  # gone, or its pid reused by another
            os._exit(1)


def _call(fn: Task, item: Any) -> Any:
    return fn(_SHARED, item)


def _preparation_data(name: str) -> dict[str, Any]:
    """What a forkserver child is told about this process, without the main module: tasks
    are importable cspsim functions, so workers need not (and must not) re-run the script."""
    data = spawn.get_preparation_data(name)
    data.pop("init_main_from_path", None)
    data.pop("init_main_from_name", None)
    return data


class _NoMainPopen(popen_forkserver.Popen):
    """The forkserver's ``Popen`` with :func:`_preparation_data` in place of the stdlib's."""

    _launch = types.FunctionType(
        # A private stdlib method, absent from typeshed.
        popen_forkserver.Popen._launch.__code__,  # type: ignore[attr-defined]
        {
            **vars(popen_forkserver),
            "spawn": types.SimpleNamespace(get_preparation_data=_preparation_data),
        },
    )


class _NoMainProcess(context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: BaseProcess) -> popen_forkserver.Popen:
        return _NoMainPopen(process_obj)


class _NoMainContext(context.ForkServerContext):
    Process = _NoMainProcess


def pool_context(preload: Sequence[str] = ()) -> mp.context.BaseContext:
    """fork when it is safe (one thread in this process: fast start), else forkserver.

    Forking a multi-threaded process (e.g. after numpy's BLAS or pyarrow started threads) can
    deadlock, so in practice it is almost always forkserver. The forkserver imports
    ``preload`` (and so the model, numpy and pandas) once and workers fork from it with all
    that already imported, instead of each importing it (about a second); a later pool in
    the same process then starts in milliseconds. Only the first pool of a process sets
    what the forkserver preloads.
    """
    methods = mp.get_all_start_methods()
    task_dir = Path("/proc/self/task")
    single = task_dir.is_dir() and len(list(task_dir.iterdir())) == 1
    if "fork" in methods and single:
        return mp.get_context("fork")
    if "forkserver" not in methods:
        return mp.get_context("spawn")
    ctx = _NoMainContext()
    # Ignored if this process's forkserver already runs (it is one per process).
    ctx.set_forkserver_preload([__name__, *preload])
    return ctx


class LocalPool(Executor):
    """A local process pool (see the module doc for how its workers start and stop).

    Args:
        workers: Number of processes.
        shared: Sent once to every worker.
        preload: Modules the forkserver imports once (those of the tasks).
    """

    def __init__(self, workers: int, shared: Any = None, preload: Sequence[str] = ()):
        self.slots = workers
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=pool_context(preload),
            initializer=_init_worker,
            initargs=(shared, os.getpid()),
        )

    def stream(self, fn: Task, items: Iterable[Any]) -> Iterator[tuple[int, Any, Any]]:
        limit = IN_FLIGHT_PER_LOCAL_WORKER * self.slots
        todo = enumerate(items)
        running: dict[Future, tuple[int, Any]] = {}

        def submit(entry: tuple[int, Any]) -> None:
            running[self._pool.submit(_call, fn, entry[1])] = entry

        for entry in itertools.islice(todo, limit):
            submit(entry)
        while running:
            for fut in wait(list(running), return_when=FIRST_COMPLETED).done:
                i, item = running.pop(fut)
                result = fut.result()
                if (nxt := next(todo, None)) is not None:
                    submit(nxt)
                yield i, item, result

    def close(self) -> None:
        """Stop the pool; running tasks finish, queued ones do not."""
        self._pool.shutdown(wait=True, cancel_futures=True)


# --- Dask ---------------------------------------------------------------------------------


def _value(x: Any) -> Any:
    """``x`` itself (the Dask task that holds ``shared``)."""
    return x


def _probe(address: str, host: str, port: int, timeout: float) -> None:
    """Check that a Dask scheduler answers at ``host:port`` before making a client.

    Nothing listening fails at once (Dask's client would retry until its timeout), and a
    service that is not Dask fails within ``timeout`` (Dask's client may wait for its
    handshake for ever). A Dask server speaks first: 8 bytes, the little-endian length of
    its handshake message (small).

    Raises:
        SchedulerError: one line, "cannot connect" only when no connection was made.
    """
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise SchedulerError(f"cannot connect: {exc.strerror or exc}") from None
    with sock:
        head = b""
        try:
            while len(head) < 8 and (part := sock.recv(8 - len(head))):
                head += part
        except OSError:  # timed out, or reset
            pass
    if len(head) < 8 or not 0 < int.from_bytes(head, "little") < 1 << 20:
        raise SchedulerError(
            f"connected, but {address} does not answer as a Dask scheduler "
            f"(no handshake within {timeout:g} s)"
        )


def connect_dask(address: str, shared: Any, timeout: float | None = None) -> tuple[Any, int, Any]:
    """Connect to a Dask scheduler, wait for a worker and send ``shared`` to every worker.

    Args:
        address: Scheduler address, e.g. ``tcp://127.0.0.1:8786``.
        shared: What every task needs (held by a task, so a worker that joins later, even
            after every other worker died, gets it).
        timeout: Seconds to wait for the scheduler (default: Dask's
            ``distributed.comm.timeouts.connect``) and then for a first worker.

    Returns:
        (client, worker threads in all, future of ``shared``). The client is not the default.
    """
    import dask
    from distributed import Client
    from distributed.comm.addressing import parse_address, parse_host_port

    if timeout is None:
        timeout = dask.utils.parse_timedelta(
            dask.config.get("distributed.comm.timeouts.connect"), "s"
        )
    timeout = min(float(timeout or CONNECT_SECONDS), CONNECT_SECONDS)
    from distributed.comm.registry import backends

    bad = f"not a scheduler address ('{address}'; expected tcp://HOST:PORT)"
    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location) if scheme in ("tcp", "tls") else ("", 0)
    except ValueError:
        raise SchedulerError(bad) from None
    if scheme not in backends:
        raise SchedulerError(bad)
    t0 = time.monotonic()
    if scheme == "tcp":
        _probe(address, host, port, timeout)
    # Made in two steps so that a client that failed to start can be closed here, briefly:
    # left to the garbage collector, it would wait 2 x timeout to close.
    client = Client.__new__(Client)
    try:
        Client.__init__(client, address, timeout=timeout, set_as_default=False)
    except Exception as exc:
        with contextlib.suppress(Exception):
            client.close(timeout=1)
        if isinstance(exc, ValueError):
            raise SchedulerError(bad) from None
        if isinstance(exc, OSError | TimeoutError) and "handshake" not in str(exc):
            raise SchedulerError(f"cannot connect: {exc}") from None
        raise SchedulerError(
            f"something answers at {address} but not as a Dask scheduler ({type(exc).__name__})"
        ) from None
    try:
        try:
            client.wait_for_workers(1, timeout=max(1.0, timeout - (time.monotonic() - t0)))
        except TimeoutError:
            raise SchedulerError(
                f"connected but no workers (none joined within {timeout:g} s)"
            ) from None
        slots = max(1, sum(client.nthreads().values()))
        # A task rather than scattered data: scattered data is lost with the last worker that
        # holds it, while the scheduler can rerun this task on a worker that joins later.
        return client, slots, client.submit(_value, shared, pure=False)
    except BaseException:
        client.close(timeout=2)
        raise


class DaskCluster(Executor):
    """A Dask distributed cluster, reached through its scheduler's address.

    ``shared`` is sent once to every worker; each task then carries only its item. Workers
    must be able to import cspsim (the same version) and read the scenario's duty catalogue.

    Args:
        address: Scheduler address, e.g. ``tcp://127.0.0.1:8786``.
        shared: Sent once to every worker.
        timeout: Seconds to wait for the scheduler (default: Dask's
            ``distributed.comm.timeouts.connect``) and then for a first worker.
    """

    def __init__(self, address: str, shared: Any = None, timeout: float | None = None):
        self._client, self.slots, self._shared = connect_dask(address, shared, timeout)

    def stream(self, fn: Task, items: Iterable[Any]) -> Iterator[tuple[int, Any, Any]]:
        from distributed import as_completed

        # Results come with the completion notice (one round trip per task, not two), on
        # this client's loop (there is no default client).
        finished = as_completed(loop=self._client.loop, with_results=True)
        running: dict[str, tuple[int, Any]] = {}
        todo = enumerate(items)

        def submit(entry: tuple[int, Any]) -> None:
            fut = self._client.submit(fn, self._shared, entry[1], pure=False, retries=1)
            running[fut.key] = entry
            finished.add(fut)

        # More in flight than locally: a round trip through the scheduler takes
        # milliseconds, and with only two tasks per worker the workers would wait for it.
        for entry in itertools.islice(todo, IN_FLIGHT_PER_DASK_SLOT * self.slots):
            submit(entry)
        for fut, result in finished:
            if fut.status != "finished":  # cancelled (scheduler lost) or error (KilledWorker)
                raise ClusterLost(_lost_reason(fut, result))
            i, item = running.pop(fut.key)
            if (nxt := next(todo, None)) is not None:
                submit(nxt)
            yield i, item, result

    def close(self) -> None:
        """Cancel what is still queued and disconnect (the cluster keeps running)."""
        # Dropping the futures (the generator is gone) releases their tasks; closing the
        # client cancels whatever this client still has queued. Bounded: the scheduler may
        # be gone.
        self._client.close(timeout=2)


def _lost_reason(fut: Any, result: Any) -> str:
    """One line on why a Dask task did not finish."""
    from distributed import KilledWorker

    if isinstance(result, KilledWorker):
        return "a task's workers kept dying (KilledWorker)"
    if fut.status == "cancelled":
        return "the scheduler was lost (tasks cancelled)"
    return f"a task failed on the cluster: {type(result).__name__}: {result}"


def make_executor(
    workers: int = 1,
    scheduler: str | None = None,
    shared: Any = None,
    preload: Sequence[str] = (),
) -> Executor:
    """Dask if ``scheduler`` is given, else this process for one worker, else a local pool.

    Raises:
        SchedulerError: the scheduler cannot be used (an ``OSError``; one-line message).
    """
    if scheduler:
        return DaskCluster(scheduler, shared)
    if workers <= 1:
        return Serial(shared)
    return LocalPool(workers, shared, preload)

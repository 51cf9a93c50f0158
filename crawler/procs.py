"""Helper processes of a crawl (extraction workers, the WARC writer): they die with it.

A crawl killed with ``kill -9`` must not leave orphans behind that keep files open or
CPUs busy: :func:`die_with_parent` asks the kernel for the parent-death signal (Linux
``PR_SET_PDEATHSIG``) and, as a fallback elsewhere, watches the parent from a thread.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time

__all__ = ["die_with_parent", "spawn_context", "AsyncWorkerPool", "WorkerDied"]


def die_with_parent(parent_pid: int) -> None:
    """Call first thing in a child process: it exits when ``parent_pid`` is gone, and leaves
    Ctrl-C to the parent (which stops the crawl and then closes its children)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # the parent died before we got here
        os._exit(0)

    def watch():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def spawn_context():
    """``spawn``: a fresh interpreter, none of the reactor's threads or sockets."""
    from multiprocessing import get_context

    return get_context("spawn")


# --- worker processes fed from the asyncio loop ---------------------------------------------------
class WorkerDied(RuntimeError):
    """A worker process ended while it had tasks (killed, out of memory, crashed)."""


class _Worker:
    __slots__ = ("proc", "tasks", "results", "inflight")

    def __init__(self, proc, tasks, results):
        self.proc, self.tasks, self.results, self.inflight = proc, tasks, results, set()


class AsyncWorkerPool:
    """Worker processes fed through pipes by the running asyncio loop, with no helper
    thread in the calling process.

    ``concurrent.futures.ProcessPoolExecutor`` runs a manager thread and a queue-feeder
    thread beside the loop; in a crawl they took the GIL from Scrapy's reactor thread
    at every task (measured: ~0.3 ms of waiting per page). Here :meth:`submit` pickles a
    task straight into the least-busy worker's pipe and the loop reads results when their
    pipe is readable (``loop.add_reader``). A worker reads its pipe from a thread of its
    own, so a large task never blocks the loop for long; workers die with the parent
    (:func:`die_with_parent`). If one dies, its pending tasks fail with :class:`WorkerDied`."""

    def __init__(self, workers: int):
        self.size = max(1, int(workers))
        self._workers: list[_Worker] = []
        self._futures: dict[int, object] = {}
        self._next = 0
        self._loop = None
        self.broken = False

    def start(self) -> None:
        ctx = spawn_context()
        for _ in range(self.size):
            task_recv, task_send = ctx.Pipe(duplex=False)
            result_recv, result_send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_pool_worker, args=(task_recv, result_send, os.getpid()),
                               name="extract-worker", daemon=True)
            proc.start()
            task_recv.close()
            result_send.close()
            self._workers.append(_Worker(proc, task_send, result_recv))

    def submit(self, fn, /, *args, **kwargs):
        """Run ``fn(*args, **kwargs)`` in a worker; returns an awaitable asyncio future."""
        import asyncio

        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            for w in self._workers:
                self._loop.add_reader(w.results.fileno(), self._drain, w)
        if self.broken:
            raise WorkerDied("the worker pool is broken")
        fut = self._loop.create_future()
        tid = self._next
        self._next += 1
        w = min(self._workers, key=lambda x: len(x.inflight))
        self._futures[tid] = fut
        w.inflight.add(tid)
        try:
            w.tasks.send_bytes(pickle.dumps((tid, fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            self._died(w)
        return fut

    def _drain(self, w: _Worker) -> None:
        try:
            while w.results.poll():
                tid, ok, value = pickle.loads(w.results.recv_bytes())
                w.inflight.discard(tid)
                fut = self._futures.pop(tid, None)
                if fut is not None and not fut.done():
                    if ok:
                        fut.set_result(value)
                    else:
                        fut.set_exception(value)
        except (EOFError, OSError):
            self._died(w)

    def _died(self, w: _Worker) -> None:
        self.broken = True
        if self._loop is not None:
            try:
                self._loop.remove_reader(w.results.fileno())
            except (ValueError, OSError):
                pass
        for tid in list(w.inflight):
            fut = self._futures.pop(tid, None)
            if fut is not None and not fut.done():
                fut.set_exception(WorkerDied(f"extraction worker {w.proc.pid} ended (exit code {w.proc.exitcode})"))
        w.inflight.clear()

    def close(self, timeout: float = 30.0) -> None:
        for w in self._workers:
            if self._loop is not None:
                try:
                    self._loop.remove_reader(w.results.fileno())
                except (ValueError, OSError):
                    pass
            try:
                w.tasks.send_bytes(b"")
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for w in self._workers:
            w.proc.join(max(0.1, deadline - time.monotonic()))
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join()
            for conn in (w.tasks, w.results):
                conn.close()
        self._workers = []


def _pool_worker(tasks, results, parent_pid: int) -> None:
    die_with_parent(parent_pid)
    import queue

    inbox: queue.SimpleQueue = queue.SimpleQueue()

    def receive():  # keep the task pipe drained, so the parent never waits on a full pipe
        while True:
            try:
                data = tasks.recv_bytes()
            except (EOFError, OSError):
                data = b""
            inbox.put(data)
            if not data:
                return

    threading.Thread(target=receive, daemon=True, name="tasks").start()
    while True:
        data = inbox.get()
        if not data:
            return
        tid, fn, args, kwargs = pickle.loads(data)
        try:
            out = (tid, True, fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - handed to the caller
            out = (tid, False, exc)
        try:
            payload = pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - an unpicklable result or exception
            payload = pickle.dumps((tid, False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        try:
            results.send_bytes(payload)
        except OSError:
            return

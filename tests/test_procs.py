"""The crawl's helper processes: the asyncio-fed extraction worker pool."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from crawler.procs import AsyncWorkerPool, WorkerDied


def _fail(text):
    raise ValueError(f"bad page: {text}")


def test_pool_runs_tasks_and_returns_results_and_exceptions():
    async def main():
        pool = AsyncWorkerPool(2)
        pool.start()
        try:
            big = b"x" * 3_000_000  # larger than a pipe buffer: the worker's reader thread drains it
            futs = [pool.submit(len, big)] + [pool.submit(divmod, i, 7) for i in range(50)]
            results = await asyncio.gather(*futs)
            assert results[0] == 3_000_000
            assert results[1:] == [divmod(i, 7) for i in range(50)]
            with pytest.raises(ValueError, match="bad page: x"):
                await pool.submit(_fail, "x")
            pids = {w.proc.pid for w in pool._workers}
            assert len(pids) == 2 and os.getpid() not in pids
        finally:
            pool.close()
        return pids

    pids = asyncio.run(main())
    assert not [p for p in pids if os.path.exists(f"/proc/{p}") and open(f"/proc/{p}/stat").read().split()[2] != "Z"]


def test_a_killed_worker_fails_its_tasks_with_workerdied():
    async def main():
        pool = AsyncWorkerPool(1)
        pool.start()
        try:
            assert await pool.submit(sum, [1, 2, 3]) == 6
            slow = pool.submit(time.sleep, 30)
            await asyncio.sleep(0.3)
            os.kill(pool._workers[0].proc.pid, signal.SIGKILL)
            with pytest.raises(WorkerDied):
                await asyncio.wait_for(slow, 10)
            assert pool.broken
            with pytest.raises(WorkerDied):
                pool.submit(sum, [1])
        finally:
            pool.close()

    asyncio.run(main())

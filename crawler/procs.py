"""Helper processes of a crawl (extraction workers, the WARC writer): they die with it.

A crawl killed with ``kill -9`` must not leave orphans behind that keep files open or
CPUs busy: :func:`die_with_parent` asks the kernel for the parent-death signal (Linux
``PR_SET_PDEATHSIG``) and, as a fallback elsewhere, watches the parent from a thread.
"""

from __future__ import annotations

import os
import signal
import threading
import time

__all__ = ["die_with_parent", "spawn_context"]


def die_with_parent(parent_pid: int) -> None:
    """Call first thing in a child process: it exits when ``parent_pid`` is gone."""
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

"""numba's thread count, set for one block of work and restored after it.

numba keeps one process-wide thread count; a study that asks for `workers`
threads must give the previous value back, or a notebook's later calls run
with the study's setting. A process that does one job for its whole life
(a batch worker, the command line) sets it once with :func:`set_process_threads`.
"""

from contextlib import contextmanager

import numba

__all__ = ["numba_threads", "max_threads", "set_process_threads"]


def max_threads():
    """The most threads numba can use in this process (``NUMBA_NUM_THREADS``)."""
    return numba.config.NUMBA_NUM_THREADS


@contextmanager
def numba_threads(n):
    """Run the block with ``min(n, NUMBA_NUM_THREADS)`` numba threads (None: leave as is)."""
    prev = numba.get_num_threads()
    if n is not None:
        numba.set_num_threads(max(1, min(int(n), max_threads())))
    try:
        yield numba.get_num_threads()
    finally:
        numba.set_num_threads(prev)


def set_process_threads(n):
    """Set ``min(n, NUMBA_NUM_THREADS)`` numba threads (at least 1) for the rest of this thread's work.

    For a process that owns its thread count: a batch worker process (one
    thread, so W workers use W cores) or the command line. Returns the count set.
    """
    n = max(1, min(int(n), max_threads()))
    if numba.get_num_threads() != n:
        numba.set_num_threads(n)
    return n

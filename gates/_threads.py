"""numba's thread count, set for one block of work and restored after it.

numba keeps one process-wide thread count; a study that asks for `workers`
threads must give the previous value back, or a notebook's later calls run
with the study's setting.
"""

from contextlib import contextmanager

import numba

__all__ = ["numba_threads", "max_threads"]


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

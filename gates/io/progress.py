"""Progress through one step of known typical cost: a bar that moves while the step runs.

A long step (a theorem check, a batch chunk, an image experiment) reports
nothing until it ends. :func:`paced` moves the bar along the step's share
at its expected pace while it runs, so the bar advances about four times
a second and its time-left estimate stays honest: linearly to 80% of the
share at 80% of the expected time, then ever more slowly (it never reaches
the whole share by itself); when the step ends, the rest is added, so the
calls add up exactly to the share.
"""

import math
import threading
import time
from contextlib import contextmanager

__all__ = ["paced", "pace_share"]

TICK = 0.25
"""Seconds between two moves of the bar while a step runs."""


def pace_share(x):
    """The share of a step shown at `x` times its expected duration (1 at x = infinity).

    Examples
    --------
    >>> [round(pace_share(x), 3) for x in (0.0, 0.5, 0.8, 1.0, 2.0)]
    [0.0, 0.5, 0.8, 0.926, 1.0]
    """
    return x if x <= 0.8 else 1.0 - 0.2 * math.exp(-(x - 0.8) / 0.2)


@contextmanager
def paced(progress, weight, seconds, lock=None, finish=True):
    """Call ``progress(k)`` while the block runs; the calls add up to `weight` when it ends.

    Parameters
    ----------
    progress : callable or None
        Called with increments (floats); None: do nothing.
    weight : float
        The step's share of the bar.
    seconds : float
        The step's expected duration; 0 or less: no moves while it runs, `weight` at its end.
    lock : threading.Lock, optional
        Held around each call from the timer thread (when `progress` is shared with other callers).
    finish : bool, default True
        Add the rest of `weight` when the block ends. False: the caller adds it (a batch runner counts a
        chunk done only once its result is stored).

    Examples
    --------
    >>> calls = []
    >>> with paced(calls.append, 2.0, 0.6):
    ...     time.sleep(0.4)
    >>> len(calls) > 1, round(sum(calls), 9)
    (True, 2.0)
    """
    if progress is None:
        yield
        return
    lock = lock if lock is not None else threading.Lock()
    given, stop, t0 = [0.0], threading.Event(), time.perf_counter()

    def tick():
        while not stop.wait(TICK):
            share = weight * pace_share((time.perf_counter() - t0) / seconds)
            with lock:
                if share > given[0] and not stop.is_set():
                    progress(share - given[0])
                    given[0] = share

    thread = threading.Thread(target=tick, daemon=True) if seconds > 0 else None
    if thread is not None:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if thread is not None:
            thread.join()
        if finish:
            with lock:
                if weight > given[0]:
                    progress(weight - given[0])

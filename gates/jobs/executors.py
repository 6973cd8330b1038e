"""Executors: where chunks run (this process, local worker processes, or a Dask cluster).

Each executor takes chunks with ``submit`` and gives back ``(chunk, outcome,
error)`` triples from ``wait``; ``window`` bounds the chunks in flight. A
chunk's result is a pure function of ``(spec, chunk)``, computed with one
numba thread per worker process so W workers use W cores.
"""

import concurrent.futures as cf
import multiprocessing
import os
import secrets
import time
import traceback

from gates._threads import set_process_threads
from gates._validate import check_int
from gates.errors import InputError
from gates.jobs.spec import study_registry
from gates.jobs.store import HOST, as_arrays

__all__ = ["EXECUTORS", "make_executor", "check_executor", "error_text"]

EXECUTORS = ("serial", "process", "dask")

_SINGLE_THREAD_ENV = {k: "1" for k in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                       "OPENBLAS_NUM_THREADS")}


def _compute(ref, spec, chunk):
    """Run one chunk; a pure function of (spec, chunk), executed in any process."""
    study = study_registry(None)[ref] if isinstance(ref, str) else ref
    t0 = time.perf_counter()
    result = study.run(spec, chunk)
    seconds = time.perf_counter() - t0
    return {"arrays": as_arrays(result, chunk["id"]), "seconds": round(seconds, 6), "host": HOST,
            "pid": os.getpid()}


def _single_thread():
    """One thread per worker process, so W workers use W cores and no more.

    numba's thread count is per calling thread, so it is set where the chunk runs.
    """
    os.environ.update(_SINGLE_THREAD_ENV)
    set_process_threads(1)


def _compute_single_thread(ref, spec, chunk):
    _single_thread()
    return _compute(ref, spec, chunk)


def error_text(exc):
    lines = traceback.format_exception(exc)
    cause = exc.__cause__  # a process pool carries the worker's traceback as the cause
    if cause is not None and type(cause).__name__ == "_RemoteTraceback":
        lines = [str(cause), *traceback.format_exception_only(exc)]
    return "".join(lines)


class _SerialExecutor:
    name, window = "serial", 1

    def __init__(self, job, workers, scheduler):
        self.job, self.done = job, []

    def submit(self, chunk):
        try:
            self.done.append((chunk, _compute(self.job.ref, self.job.spec, chunk), None))
        except Exception as exc:  # recorded per chunk; KeyboardInterrupt stops the run
            self.done.append((chunk, None, error_text(exc)))

    def wait(self):
        done, self.done = self.done, []
        return done

    def close(self):
        pass


class _ProcessExecutor:
    name = "process"

    def __init__(self, job, workers, scheduler):
        self.job, self.workers = job, workers
        self.window = 2 * workers  # a queued chunk per worker hides the driver's writes
        # forkserver: forking a driver that runs threads (claims heartbeat, tqdm) is unsafe
        self.pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
                                           initializer=_single_thread)
        self.futures = {}
        self.broken = False

    def submit(self, chunk):
        self.futures[self.pool.submit(_compute, self.job.ref, self.job.spec, chunk)] = chunk

    def wait(self):
        done, _ = cf.wait(self.futures, return_when=cf.FIRST_COMPLETED)
        out = []
        for fut in done:
            chunk = self.futures.pop(fut)
            try:
                out.append((chunk, fut.result(), None))
            except cf.process.BrokenProcessPool:
                self.broken = True
                out.append((chunk, None, "BrokenProcessPool: a worker process died (killed, or out of memory?)"))
            except Exception as exc:
                out.append((chunk, None, error_text(exc)))
        return out

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


class _DaskExecutor:
    name = "dask"

    def __init__(self, job, workers, scheduler):
        try:
            from dask.distributed import Client, LocalCluster, as_completed
        except ImportError:
            raise InputError("the dask executor needs dask.distributed: pip install 'gates[distributed]'") from None
        import logging

        self.job, self.cluster = job, None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise InputError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        else:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        dashboard_address=":0",  # any free port: 8787 may be taken
                                        silence_logs=logging.ERROR,
                                        env=dict(_SINGLE_THREAD_ENV))
            self.client = Client(self.cluster)
        self.client.register_plugin(_single_thread_plugin(), name="gates-single-thread")
        self.ac = as_completed()
        self.futures = {}
        self._asked, self._threads = -1e9, 0

    @property
    def workers(self):
        # a scheduler round trip: asked at most every 2 s (clusters grow and shrink)
        if time.monotonic() - self._asked > 2.0:
            self._threads = sum(self.client.nthreads().values())
            self._asked = time.monotonic()
        return self._threads

    @property
    def window(self):
        # claim only what the cluster can start soon
        return 2 * max(1, self.workers)

    def submit(self, chunk):
        # retries: dask reruns a task lost with its worker; the result cannot change
        fut = self.client.submit(_compute_single_thread, self.job.ref, self.job.spec, chunk, pure=False,
                                 retries=2, key=f"gates-chunk-{chunk['id']}-{secrets.token_hex(4)}")
        self.futures[fut.key] = chunk
        self.ac.add(fut)

    def wait(self):
        fut = next(self.ac)
        chunk = self.futures.pop(fut.key)
        try:
            return [(chunk, fut.result(), None)]
        except Exception as exc:
            return [(chunk, None, error_text(exc))]
        finally:
            fut.release()

    def close(self):
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def _single_thread_plugin():
    from distributed import WorkerPlugin

    class SingleThread(WorkerPlugin):
        """Limit numba/BLAS threads in every worker, including ones that join later."""

        def setup(self, worker):
            _single_thread()

    return SingleThread()


_EXECUTOR_CLASSES = {"serial": _SerialExecutor, "process": _ProcessExecutor, "dask": _DaskExecutor}


def make_executor(executor, job, workers, scheduler):
    """An executor of kind `executor` (checked by :func:`check_executor`) for the open `job`."""
    return _EXECUTOR_CLASSES[executor](job, workers, scheduler)


def check_executor(executor, workers, scheduler):
    """The worker count `executor` will use, or InputError for options that do not go together."""
    if executor not in EXECUTORS:
        raise InputError(f"executor {executor!r} is not available; allowed: {', '.join(EXECUTORS)}")
    if workers is not None:
        check_int(workers, "workers", lo=1)
        if executor == "serial":
            raise InputError("workers is for the process and dask executors; serial runs in this process")
        if scheduler:
            raise InputError("workers sizes a LocalCluster; the cluster at --scheduler has its own workers")
    if scheduler and executor != "dask":
        raise InputError(f"scheduler is for the dask executor, not {executor!r}")
    if executor == "serial":
        return 1
    return workers or os.cpu_count() or 1


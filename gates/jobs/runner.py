"""Batch jobs: chunked, resumable, deterministic runs of a study, from one process to a Dask cluster.

A *job* is a TOML file naming a study of :data:`gates.jobs.adapters.STUDIES` and its
parameters. Running it plans the study into chunks, computes every chunk with
one of three executors and stores each result in a *job directory*::

    DIR/job.toml            copy of the job file
    DIR/job.json            {study, spec (normalised), plan, created, versions, command}
    DIR/chunks/<id>.npz     a chunk's arrays (no pickle), written atomically
    DIR/chunks/<id>.json    its commit record: descriptor, sha256 and size of the .npz, timing
    DIR/claims/<id>         {pid, host, time, nonce, workers}: who is computing the chunk now
    DIR/errors/<id>.json    the last error a chunk raised

A chunk is *done* iff its record parses, names the planned chunk, and the
sha256 of its ``.npz`` matches. The record is written after the data, so a
crash at any instant leaves a chunk either done or visibly not done.
Concurrent runners claim a chunk by creating its claim file exclusively
(``os.link`` of a complete temporary file, which fails like ``O_EXCL`` if
the claim exists); a claim whose process died on this host, or that was not
refreshed for `stale_after` seconds, is broken and retaken.

The parts live beside this module: job files in :mod:`gates.jobs.spec`, the
directory and chunk storage in :mod:`gates.jobs.store`, claims in
:mod:`gates.jobs.claims`, executors in :mod:`gates.jobs.executors`; this module
drives them. It knows no science: it talks to a study only through the protocol
of :mod:`gates.jobs.adapters` (``keys``, ``validate``, ``plan``, ``run``, ``merge``,
``cost``). Every result depends on ``(spec, chunk)`` alone, so the merged tables
are byte-identical whatever the executor, worker count, order of completion
or interruptions.
"""

import json
import os
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager, nullcontext

from gates.errors import InputError
from gates.io.progress import paced
from gates.io.results import Result
from gates.io.storage import check_output_dir
from gates.jobs.claims import STALE_AFTER, Claims, live_claims
from gates.jobs.executors import check_executor, error_text, make_executor
from gates.jobs.spec import canonical, check_plan, get_study, load_job, show_value, spec_differences
from gates.jobs.store import (Job, create_job_dir, load_arrays, record_error, remove_file, store_chunk,
                              verify_chunk)

__all__ = ["JobResult", "run_job", "resume_job", "job_status", "merge_job"]


class JobResult(Result):
    """What :func:`run_job`, :func:`resume_job`, :func:`job_status` and :func:`merge_job` return.

    A read-only mapping whose ``to_dict()`` is the object ``gates batch ACTION --json``
    prints; its keys are listed by each function. ``summary()`` is the
    ``key: value`` lines the command prints without ``--json``.

    Parameters
    ----------
    data : mapping
        The JSON summary (see the keys above).
    text : str, optional
        Not used: :meth:`summary` builds the text.
    **payload
        Extra attributes (none).
    """

    def summary(self):
        """One ``key: value`` line per entry (what ``gates batch`` prints without ``--json``)."""
        return "\n".join(f"{k}: {v}" for k, v in self.to_dict().items())


def _record(job, cid):
    """The commit record of a done chunk (its ``seconds``), or None."""
    try:
        with open(job.path("chunks", cid + ".json"), encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


class _Progress:
    """Chunks done: a tqdm bar on a terminal, or the caller's ``progress(k)``.

    The calls add up to the number of chunks. While a serial chunk runs, a
    helper thread advances the bar through it at the pace the finished
    chunks measured, in seconds per unit of ``study.cost`` (to 80% of the
    chunk at 80% of its expected time, then ever more slowly); the chunk's
    end adds the rest. So a bar over long chunks moves at least once a
    second once one chunk has finished.
    """

    def __init__(self, job, done_ids, desc, progress):
        self.callback, self.bar = None, None
        costs = {c["id"]: float(job.study.cost(job.spec, c)) for c in job.plan}
        self.costs = costs  # the bar counts chunks; the pace within one is by cost
        done = len(done_ids)
        self.count = self.sent = 0  # chunks done in this run, and the sum of the calls made
        total = len(job.plan)
        self.seconds = self.cost = 0.0  # measured: compute seconds and cost of finished chunks
        for cid in done_ids:
            record = _record(job, cid)
            if record is not None and costs[cid] > 0:
                self.seconds += float(record.get("seconds", 0.0))
                self.cost += costs[cid]
        if callable(progress):
            self.callback = progress
            # a tqdm bar's update made before the total was known: give it total and start
            bar = getattr(progress, "__self__", None)
            if bar is not None and getattr(bar, "total", 0) is None and hasattr(bar, "refresh"):
                bar.total, bar.n, bar.initial = total, done, done
                # its clock starts now: planning the job is not work on the chunks, and would bias the time left
                if hasattr(bar, "start_t") and hasattr(bar, "_time"):
                    bar.start_t = bar.last_print_t = bar._time()
                bar.refresh()
        elif progress is None and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, desc=desc, unit="chunk", leave=False)
        self.lock = threading.Lock()

    def _add(self, k):
        if k <= 0:
            return
        self.sent += k
        if self.bar is not None:
            self.bar.update(k)
        if self.callback is not None:
            self.callback(k)

    @contextmanager
    def running(self, chunk):
        """Advance through `chunk` while it runs (serial executor), once a pace is measured."""
        expected = self.seconds / self.cost * self.costs[chunk["id"]] if self.cost > 0 else 0.0
        if (self.bar is None and self.callback is None) or expected <= 0:
            yield
            return
        with paced(self._add, 1.0, expected, lock=self.lock, finish=False):  # advance() adds the rest
            yield

    def advance(self, chunk, seconds=None):
        """Count `chunk` done (computing it took `seconds`): the calls so far add up to the chunks done."""
        if seconds is not None and self.costs[chunk["id"]] > 0:
            self.seconds += float(seconds)
            self.cost += self.costs[chunk["id"]]
        self.count += 1
        self._add(self.count - self.sent)  # exact: the bar ends at its total, whatever the ticks added

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _survey(job):
    """Every chunk's state, and the damaged ones with the reason."""
    states, corrupted = {}, []
    for chunk in job.plan:
        state, reason, _ = verify_chunk(job.dir, chunk)
        states[chunk["id"]] = state
        if state == "corrupted":
            corrupted.append({"id": chunk["id"], "reason": reason})
    return states, corrupted


def _execute(job, executor, workers, scheduler, progress, stale_after, states, corrupted):
    """Run every chunk that is not done; the common tail of run and resume."""
    t0 = time.perf_counter()
    pending = deque(c for c in job.plan if states[c["id"]] != "done")
    bar = _Progress(job, [c["id"] for c in job.plan if states[c["id"]] == "done"], f"{job.study_name} chunks",
                    progress)
    ran, failed, elsewhere = [], [], []
    ex = None
    try:
        if pending:
            ex = make_executor(executor, job, workers, scheduler)
            workers = getattr(ex, "workers", workers)  # a cluster's own count
        with Claims(job, workers, stale_after) as claims:
            inflight = 0
            while pending or inflight:
                while pending and inflight < ex.window and not getattr(ex, "broken", False):
                    chunk = pending.popleft()
                    if not claims.take(chunk["id"]):
                        elsewhere.append(chunk["id"])
                        continue
                    # another runner may have finished it between our check and our claim
                    if verify_chunk(job.dir, chunk)[0] == "done":
                        claims.release(chunk["id"])
                        bar.advance(chunk)
                        continue
                    with bar.running(chunk) if ex.window == 1 else nullcontext():
                        ex.submit(chunk)
                    inflight += 1
                if not inflight:
                    break
                for chunk, outcome, error in ex.wait():
                    inflight -= 1
                    if error is None:
                        try:
                            store_chunk(job, chunk, outcome)
                        except (TypeError, OSError) as exc:
                            error = error_text(exc)
                    if error is None:
                        ran.append(chunk["id"])
                        bar.advance(chunk, outcome.get("seconds"))
                    else:
                        record_error(job, chunk, error)
                        failed.append(chunk["id"])
                    claims.release(chunk["id"])
    finally:
        bar.close()
        if ex is not None:
            ex.close()
    # chunks claimed by other runners may have finished meanwhile
    by_id = {c["id"]: c for c in job.plan}
    elsewhere = [cid for cid in elsewhere if verify_chunk(job.dir, by_id[cid])[0] != "done"]
    done = len(job.plan) - len(elsewhere) - len(failed) - len(pending)
    return JobResult({
        "dir": job.dir, "study": job.study_name, "executor": executor,
        "workers": workers,
        "chunks": len(job.plan), "done": done, "pending": len(job.plan) - done, "ran": len(ran),
        "failed": failed, "claimed_elsewhere": elsewhere, "corrupted": corrupted,
        "complete": done == len(job.plan), "seconds": round(time.perf_counter() - t0, 3),
    })


# ---------------------------------------------------------------- the four commands

def run_job(job_path, directory, executor="serial", workers=None, scheduler=None, progress=None, command=None,
            studies=None, stale_after=STALE_AFTER):
    """Run a job file's pending chunks into a job directory, creating it on first use.

    Parameters
    ----------
    job_path : str or path-like
        The TOML job file (see :func:`load_job`).
    directory : str or path-like
        The job directory. Created atomically (built as ``DIR.tmp-XXXX``, then
        renamed) after the job validates; if it exists it must hold the same
        job (same study and normalised spec), and only its pending chunks run.
    executor : {"serial", "process", "dask"}
        Where chunks run: this process, `workers` local processes with one
        numba thread each, or dask.distributed (``scheduler`` address, else a
        LocalCluster of `workers` single-threaded processes).
    workers : int, optional
        Worker processes (process, local dask); default ``os.cpu_count()``.
    scheduler : str, optional
        Address of a running dask scheduler (dask executor only).
    progress : None, False or callable
        None: a tqdm bar over chunks (rate, time left) when stderr is a
        terminal. False: silent. A callable is called as ``progress(k)`` with
        the chunks done since the last call, like the other progress hooks of
        `gates`: 1 per chunk, or, with the serial executor once a chunk has
        finished, fractions about four times a second while a chunk runs,
        adding up to 1 per chunk (a tqdm bar's ``update`` with no total is
        given the total and the chunks already done).
    command : list of str, optional
        The command line recorded in job.json; default ``sys.argv``.
    studies : dict, optional
        Study registry; default :data:`gates.jobs.adapters.STUDIES`.
    stale_after : float
        Seconds after which an unrefreshed claim is broken (live runners
        refresh theirs every ``min(stale_after / 4, 60)`` s).

    Returns
    -------
    JobResult
        The object ``gates batch run --json`` prints: ``dir, study, executor,
        workers, chunks, done, pending, ran, failed`` (ids whose error is in
        ``DIR/errors``), ``claimed_elsewhere`` (ids a live concurrent runner
        holds), ``corrupted``, ``complete``, ``seconds``.

    Raises
    ------
    InputError
        A bad job file, executor option, a directory that holds another job,
        or a folder where the directory cannot be made; nothing is created.

    Examples
    --------
    >>> import os, tempfile
    >>> from gates.jobs import run_job
    >>> folder = tempfile.mkdtemp()
    >>> job = os.path.join(folder, "job.toml")  # threshold functions of 4 inputs, NP classes, 3 chunks
    >>> with open(job, "w") as fh:
    ...     _ = fh.write('study = "enumerate"\\nchunk_size = 4\\n[params]\\nfamily = "threshold"\\n'
    ...                  'n = 4\\nclasses = "np"\\ncount = true\\n')
    >>> s = run_job(job, os.path.join(folder, "run"), progress=False)
    >>> s["chunks"], s["ran"], s["complete"]
    (3, 3, True)
    >>> run_job(job, os.path.join(folder, "run"), progress=False)["ran"]  # nothing left: safe to repeat
    0
    """
    workers = check_executor(executor, workers, scheduler)
    study_name, spec = load_job(job_path, studies)
    study = get_study(study_name, studies)
    spec = canonical(spec)
    plan = canonical(study.plan(spec))
    check_plan(plan)
    path = os.path.abspath(os.fspath(directory))
    check_output_dir(os.path.dirname(path), what="--dir")  # the job directory's folder, before any work
    if os.path.exists(path) and not os.path.isfile(os.path.join(path, "job.json")):
        if not os.path.isdir(path) or os.listdir(path):
            raise InputError(f"{directory} exists and is not a batch job directory (no job.json): "
                             "choose a new --dir")
    if not os.path.exists(os.path.join(path, "job.json")):
        create_job_dir(path, job_path, study_name, spec, plan, command)
    job = Job(path, studies)
    if job.study_name != study_name or job.spec != spec:
        diff = ("study " + show_value(study_name) + " vs " + show_value(job.study_name) if job.study_name != study_name
                else "; ".join(spec_differences(spec, job.spec)))
        raise InputError(f"{directory} holds a different job ({diff}): use another --dir or the same job file")
    states, corrupted = _survey(job)
    return _execute(job, executor, workers, scheduler, progress, stale_after, states, corrupted)


def resume_job(directory, executor="serial", workers=None, scheduler=None, progress=None, studies=None,
               stale_after=STALE_AFTER):
    """Verify a job directory, delete damaged chunks, and run them with every missing one.

    Parameters
    ----------
    directory : str or path-like
        A job directory made by :func:`run_job`.
    executor : {"serial", "process", "dask"}, default "serial"
        As for :func:`run_job`.
    workers : int, optional
        As for :func:`run_job`.
    scheduler : str, optional
        As for :func:`run_job`.
    progress : None, False or callable
        As for :func:`run_job`.
    studies : dict, optional
        As for :func:`run_job`.
    stale_after : float
        As for :func:`run_job`.

    Returns
    -------
    JobResult
        As :func:`run_job` (what ``gates batch resume --json`` prints);
        ``corrupted`` lists ``{id, reason}`` of every chunk whose record did
        not match its data (deleted and rerun), and ``temp_files_removed``
        counts partial writes left by killed runs.

    Raises
    ------
    InputError
        Not a job directory, or a bad executor option.

    Examples
    --------
    A damaged chunk is found by its checksum and computed again:

    >>> import os, tempfile
    >>> from gates.jobs import run_job, resume_job
    >>> folder = tempfile.mkdtemp()
    >>> job = os.path.join(folder, "job.toml")  # threshold functions of 4 inputs, NP classes, 3 chunks
    >>> with open(job, "w") as fh:
    ...     _ = fh.write('study = "enumerate"\\nchunk_size = 4\\n[params]\\nfamily = "threshold"\\n'
    ...                  'n = 4\\nclasses = "np"\\ncount = true\\n')
    >>> run = os.path.join(folder, "run")
    >>> _ = run_job(job, run, progress=False)
    >>> with open(os.path.join(run, "chunks", "c000001.npz"), "ab") as fh:
    ...     _ = fh.write(b"damage")
    >>> s = resume_job(run, progress=False)
    >>> [c["id"] for c in s["corrupted"]], s["ran"], s["complete"]
    (['c000001'], 1, True)
    """
    workers = check_executor(executor, workers, scheduler)
    job = Job(directory, studies)
    states, corrupted = _survey(job)
    for item in corrupted:
        # the record goes first: without it the chunk is plainly not done
        remove_file(job.path("chunks", item["id"] + ".json"))
        remove_file(job.path("chunks", item["id"] + ".npz"))
    removed = 0
    for sub, prefixes in (("chunks", (".tmp-",)), ("claims", (".new-", ".broken-"))):
        for name in os.listdir(job.path(sub)):
            p = job.path(sub, name)
            # left by a killed runner; a live runner's is seconds old at most
            if name.startswith(prefixes) and time.time() - os.stat(p).st_mtime > min(stale_after, 60.0):
                remove_file(p)
                removed += 1
    summary = _execute(job, executor, workers, scheduler, progress, stale_after, states, corrupted)
    return JobResult({**summary, "temp_files_removed": removed})


def job_status(directory, studies=None, stale_after=STALE_AFTER):
    """Count done, pending and failed chunks and estimate the time left.

    Parameters
    ----------
    directory : str or path-like
        A job directory.
    studies : dict, optional
        Study registry; default :data:`gates.jobs.adapters.STUDIES`.
    stale_after : float
        As for :func:`run_job`; decides which claims count as running.

    Returns
    -------
    JobResult
        The object ``gates batch status --json`` prints: ``dir, study,
        chunks, done, pending`` (not done and not failed), ``failed``
        (corrupted, or with a recorded error) and ``failed_ids``,
        ``corrupted`` ({id, reason}), ``running`` (live claims: id, pid, host,
        age), ``seconds_done`` (compute seconds of done chunks),
        ``work_left_seconds`` (estimated compute seconds of the rest, from the
        done chunks' seconds per unit of ``study.cost``), ``eta_seconds``
        (that divided by the workers of the live runners, if any), ``complete``.

    Raises
    ------
    InputError
        Not a job directory.

    Examples
    --------
    >>> import os, tempfile
    >>> from gates.jobs import job_status, run_job
    >>> folder = tempfile.mkdtemp()
    >>> job = os.path.join(folder, "job.toml")  # threshold functions of 4 inputs, NP classes, 3 chunks
    >>> with open(job, "w") as fh:
    ...     _ = fh.write('study = "enumerate"\\nchunk_size = 4\\n[params]\\nfamily = "threshold"\\n'
    ...                  'n = 4\\nclasses = "np"\\ncount = true\\n')
    >>> run = os.path.join(folder, "run")
    >>> _ = run_job(job, run, progress=False)
    >>> os.remove(os.path.join(run, "chunks", "c000002.json"))  # as if the last chunk never ran
    >>> s = job_status(run)
    >>> s["done"], s["pending"], s["complete"]
    (2, 1, False)
    """
    job = Job(directory, studies)
    done, corrupted, errors, pending = [], [], [], []
    seconds_done = cost_done = 0.0
    for chunk in job.plan:
        state, reason, record = verify_chunk(job.dir, chunk)
        if state == "done":
            done.append(chunk)
            seconds_done += float(record.get("seconds", 0.0))
            cost_done += float(job.study.cost(job.spec, chunk))
        elif state == "corrupted":
            corrupted.append({"id": chunk["id"], "reason": reason})
        elif os.path.exists(job.path("errors", chunk["id"] + ".json")):
            errors.append(chunk)
        else:
            pending.append(chunk)
    done_ids = {c["id"] for c in done}
    left = [c for c in job.plan if c["id"] not in done_ids]
    cost_left = sum(float(job.study.cost(job.spec, c)) for c in left)
    if done and cost_done > 0:
        work_left = seconds_done / cost_done * cost_left
    elif done:
        work_left = seconds_done / len(done) * len(left)
    else:
        work_left = None
    claims = [c for c in live_claims(job, stale_after) if not c["stale"]]
    runners = {(c["host"], c["pid"]): c["workers"] or 1 for c in claims}
    parallel = sum(runners.values())
    failed_ids = [c["id"] for c in corrupted] + [c["id"] for c in errors]
    return JobResult({
        "dir": job.dir, "study": job.study_name, "chunks": len(job.plan), "done": len(done),
        "pending": len(pending), "failed": len(failed_ids), "failed_ids": failed_ids, "corrupted": corrupted,
        "running": claims, "seconds_done": round(seconds_done, 3),
        "work_left_seconds": None if work_left is None else round(work_left, 1),
        "eta_seconds": None if work_left is None else round(work_left / max(1, parallel), 1),
        "complete": len(done) == len(job.plan),
    })


def merge_job(directory, out=None, command=None, studies=None):
    """Build the study's tables and manifests from a finished job.

    Parameters
    ----------
    directory : str or path-like
        A job directory whose every chunk is done.
    out : str or path-like, optional
        Output folder; default ``DIR/merged``.
    command : list of str, optional
        The command line recorded in the manifests; default ``sys.argv``.
    studies : dict, optional
        Study registry; default :data:`gates.jobs.adapters.STUDIES`.

    Returns
    -------
    JobResult
        The object ``gates batch merge --json`` prints: ``dir, study,
        chunks, out`` and ``merged``, the study's own summary (with the
        files it wrote).

    Raises
    ------
    InputError
        Some chunk is not done or fails its checksum (the ids are named), or
        nothing can be written in `out`; checked before any work.

    Examples
    --------
    The merged NP classes give the 1,882 threshold functions of 4 inputs
    (OEIS A000609) in 27 NP classes:

    >>> import os, tempfile
    >>> from gates.jobs import merge_job, run_job
    >>> folder = tempfile.mkdtemp()
    >>> job = os.path.join(folder, "job.toml")  # threshold functions of 4 inputs, NP classes, 3 chunks
    >>> with open(job, "w") as fh:
    ...     _ = fh.write('study = "enumerate"\\nchunk_size = 4\\n[params]\\nfamily = "threshold"\\n'
    ...                  'n = 4\\nclasses = "np"\\ncount = true\\n')
    >>> run = os.path.join(folder, "run")
    >>> _ = run_job(job, run, progress=False)
    >>> m = merge_job(run)
    >>> m["merged"]["functions"], m["merged"]["classes"]
    (1882, 27)
    >>> os.path.basename(m["merged"]["file"])
    'counts.json'
    """
    job = Job(directory, studies)
    bad = [(c["id"], verify_chunk(job.dir, c)) for c in job.plan]
    bad = [(cid, v[1]) for cid, v in bad if v[0] != "done"]
    if bad:
        shown = ", ".join(f"{cid} ({why})" for cid, why in bad[:5]) + (", ..." if len(bad) > 5 else "")
        raise InputError(f"cannot merge: {len(bad)} of {len(job.plan)} chunks are not done: {shown}; "
                         f"run `gates batch resume {directory}`")
    out = check_output_dir(out if out is not None else job.path("merged"))
    results = [load_arrays(job, c["id"]) for c in job.plan]
    summary = job.study.merge(job.spec, results, out, list(command) if command is not None else
                              ["gates", *sys.argv[1:]])
    return JobResult({"dir": job.dir, "study": job.study_name, "chunks": len(job.plan), "out": out,
                      "merged": summary})

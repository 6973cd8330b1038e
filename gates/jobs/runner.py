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

This module knows no science: it talks to a study only through the protocol
of :mod:`gates.jobs.adapters` (``keys``, ``validate``, ``plan``, ``run``, ``merge``,
``cost``). Every result depends on ``(spec, chunk)`` alone, so the merged tables
are byte-identical whatever the executor, worker count, order of completion
or interruptions.
"""

import concurrent.futures as cf
import copy
import hashlib
import io
import json
import multiprocessing
import os
import re
import secrets
import shlex
import shutil
import socket
import sys
import tempfile
import threading
import time
import tomllib
import traceback
import zipfile
from collections import deque
from datetime import datetime, timezone

import numpy as np

from gates.errors import GatesError, InputError
from gates.io.storage import atomic_path, jsonable, package_versions, write_json

__all__ = [
    "EXECUTORS",
    "load_job",
    "run_job",
    "resume_job",
    "job_status",
    "merge_job",
    "verify_chunk",
]

EXECUTORS = ("serial", "process", "dask")

_TOP_KEYS = ("study", "chunk_size", "params")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_ARRAY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HOST = socket.gethostname()
_STALE_AFTER = 900.0
# claims are linked into place whole; an unreadable one was damaged, and goes once it is old
_EMPTY_CLAIM_GRACE = 5.0
_SINGLE_THREAD_ENV = {k: "1" for k in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                       "OPENBLAS_NUM_THREADS")}


# ---------------------------------------------------------------- studies and job files

def _registry(studies):
    if studies is not None:
        return studies
    try:
        from gates.jobs.adapters import STUDIES
    except ImportError as exc:  # pragma: no cover - only while gates/batch.py is being written
        raise InputError(f"batch studies are unavailable: {exc}") from None
    return STUDIES


def _study(name, studies):
    registry = _registry(studies)
    if name not in registry:
        raise InputError(f"unknown study {name!r}; allowed: {', '.join(sorted(registry))}")
    return registry[name]


def _is_required(default):
    """The study protocol marks required keys with ``gates.jobs.adapters.REQUIRED`` (repr ``REQUIRED``)."""
    try:
        from gates.jobs.adapters import REQUIRED
    except ImportError:
        REQUIRED = None
    return (REQUIRED is not None and default is REQUIRED) or repr(default) == "REQUIRED"


_TYPE_WORDS = {bool: "true or false", int: "an integer", float: "a number", str: "a string",
               list: "a list", dict: "a table"}


def _type_word(t):
    return _TYPE_WORDS.get(t, t.__name__)


def _show(value):
    try:
        return json.dumps(value)
    except TypeError:
        return repr(value)


def _check_type(key, value, types, study_name):
    """Return `value` if it has one of `types` (bool is not an int; an int is a float)."""
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool):
        ok = bool in types
    elif isinstance(value, int) and int not in types and float in types:
        return float(value)  # TOML writes 1 for 1.0; keep the spec canonical
    else:
        ok = isinstance(value, types)
    if not ok:
        got = _type_word(bool) if isinstance(value, bool) else _type_word(type(value))
        want = " or ".join(_type_word(t) for t in types)
        raise InputError(f"{key} = {_show(value)} is {got}; study {study_name!r} wants {want}")
    return value


def load_job(path, studies=None):
    """Read, check and normalise a job file.

    Parameters
    ----------
    path : str or path-like
        A TOML file: ``study = NAME``, optional ``chunk_size``, and a
        ``[params]`` table of the study's keys.
    studies : dict, optional
        Study registry; default :data:`gates.jobs.adapters.STUDIES`.

    Returns
    -------
    study_name : str
    spec : dict
        The study's normalised spec (defaults filled by ``study.validate``).

    Raises
    ------
    InputError
        One line naming the file and the problem: unreadable file or TOML (with
        its line), missing or unknown study, unknown keys (with the allowed
        ones), wrong types, missing required keys, or a value the study refuses.

    Examples
    --------
    >>> study, spec = load_job("job.toml")  # doctest: +SKIP
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the job file: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {' '.join(str(exc).split())}") from None
    try:
        return _normalise(doc, studies)
    except GatesError as exc:
        raise type(exc)(f"{path}: {' '.join(str(exc).split())}") from None


def _normalise(doc, studies):
    registry = _registry(studies)
    if "study" not in doc:
        raise InputError(f"missing key 'study'; allowed studies: {', '.join(sorted(registry))}")
    name = doc["study"]
    if not isinstance(name, str):
        raise InputError(f"study = {_show(name)} is not a string; allowed: {', '.join(sorted(registry))}")
    study = _study(name, registry)
    keys = study.keys
    unknown = [k for k in doc if k not in _TOP_KEYS]
    if unknown:
        hint = " (the study's keys go under [params])" if any(k in keys for k in unknown) else ""
        raise InputError(f"unknown top-level key {', '.join(map(repr, unknown))}{hint}; "
                         f"allowed: study, chunk_size, [params]")
    params = doc.get("params", {})
    if not isinstance(params, dict):
        raise InputError(f"params = {_show(params)} must be a table: write [params] and the study's keys under it")
    params = dict(params)
    if "chunk_size" in doc:
        if "chunk_size" in params:
            raise InputError("chunk_size is given twice (top level and [params]); keep one")
        if "chunk_size" not in keys:
            raise InputError(f"study {name!r} has no chunk_size; allowed keys: {', '.join(sorted(keys))}")
        params["chunk_size"] = doc["chunk_size"]
    unknown = [k for k in params if k not in keys]
    if unknown:
        raise InputError(f"unknown key {', '.join(map(repr, unknown))} for study {name!r}; "
                         f"allowed: {', '.join(sorted(keys))}")
    spec = {}
    for key, (types, default, _help) in keys.items():
        if key in params:
            spec[key] = _check_type(key, params[key], types, name)
        elif _is_required(default):
            raise InputError(f"missing required key {key!r} for study {name!r} ({_help})")
        else:
            spec[key] = copy.deepcopy(default)  # a study's list default must not be shared
    return name, study.validate(spec)


def _canonical(obj):
    """`obj` as it reads back from JSON: the form every chunk is computed from."""
    return json.loads(json.dumps(obj, default=jsonable))


def _check_plan(plan):
    seen = set()
    for chunk in plan:
        cid = chunk.get("id") if isinstance(chunk, dict) else None
        if not isinstance(cid, str) or not _ID.fullmatch(cid):
            raise GatesError(f"study plan: chunk id {cid!r} is not a file-name-safe string")
        if cid in seen:
            raise GatesError(f"study plan: chunk id {cid!r} appears twice")
        seen.add(cid)


# ---------------------------------------------------------------- the job directory

class _Job:
    """An open job directory: its study, spec and plan as stored in job.json."""

    def __init__(self, directory, studies):
        self.dir = os.path.abspath(os.fspath(directory))
        record = os.path.join(self.dir, "job.json")
        try:
            with open(record, encoding="utf-8") as fh:
                meta = json.load(fh)
        except FileNotFoundError:
            raise InputError(f"{directory} is not a batch job directory (no job.json)") from None
        except (OSError, ValueError) as exc:
            raise InputError(f"{record}: unreadable ({exc})") from None
        self.meta = meta
        self.study_name = meta["study"]
        self.study = _study(self.study_name, studies)
        self.spec = meta["spec"]
        self.plan = meta["plan"]
        # a study from the default registry travels to workers by name, a test's by value
        self.ref = self.study_name if studies is None else self.study
        for sub in ("chunks", "claims", "errors"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)


def _create(directory, job_path, study_name, spec, plan, command):
    """Build the job directory beside `directory` and rename it into place.

    Returns False if another runner created `directory` first.
    """
    directory = os.path.abspath(os.fspath(directory))
    parent = os.path.dirname(directory)
    if not os.path.isdir(parent):
        raise InputError(f"{parent} does not exist: create it first")
    tmp = tempfile.mkdtemp(prefix=os.path.basename(directory) + ".tmp-", dir=parent)
    try:
        shutil.copyfile(job_path, os.path.join(tmp, "job.toml"))
        write_json(os.path.join(tmp, "job.json"), {
            "study": study_name, "spec": spec, "plan": plan,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": package_versions(), "command": _command_line(command),
        })
        for sub in ("chunks", "claims", "errors"):
            os.mkdir(os.path.join(tmp, sub))
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private
        try:
            os.rename(tmp, directory)  # atomic; fails if a runner beat us to a non-empty DIR
        except OSError:
            if os.path.isfile(os.path.join(directory, "job.json")):
                return False
            raise
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return True


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _command_line(command):
    return shlex.join(["gates", *sys.argv[1:]] if command is None else list(command))


def _differences(a, b):
    keys = sorted(set(a) | set(b))
    return [f"{k} ({_show(a.get(k))} in the job file, {_show(b.get(k))} in the directory)"
            for k in keys if a.get(k) != b.get(k)]


# ---------------------------------------------------------------- chunk storage

def _npz_bytes(arrays):
    """The chunk's arrays as .npz bytes, identical for identical arrays.

    Written with zipfile rather than ``np.savez`` because savez stamps each
    member with the current time: fixed stamps make the sha256 a fingerprint
    of the results, equal across executors and reruns.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            with zf.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, arrays[name], allow_pickle=False)
    return buf.getvalue()


def _as_arrays(result, cid):
    if not isinstance(result, dict):
        raise TypeError(f"study.run returned {type(result).__name__} for chunk {cid}, not a dict of arrays")
    arrays = {}
    for name, value in result.items():
        if not isinstance(name, str) or not _ARRAY_NAME.fullmatch(name):
            raise TypeError(f"chunk {cid}: array name {name!r} is not an identifier")
        a = np.ascontiguousarray(value)
        if a.dtype.hasobject:
            raise TypeError(f"chunk {cid}: array {name!r} has object dtype, which would need pickle")
        arrays[name] = a
    return arrays


def _store(job, chunk, outcome):
    """Write a finished chunk: data first, then its record (the commit)."""
    cid = chunk["id"]
    data = _npz_bytes(outcome["arrays"])
    with atomic_path(job.path("chunks", cid + ".npz")) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
    write_json(job.path("chunks", cid + ".json"), {
        "id": cid, "chunk": chunk, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
        "arrays": {k: [v.dtype.str, list(v.shape)] for k, v in sorted(outcome["arrays"].items())},
        "seconds": outcome["seconds"], "host": outcome["host"], "pid": outcome["pid"],
        "finished": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
    })
    _remove(job.path("errors", cid + ".json"))


def _record_error(job, chunk, text):
    write_json(job.path("errors", chunk["id"] + ".json"), {
        "id": chunk["id"], "chunk": chunk, "error": text.strip().splitlines()[-1] if text.strip() else "",
        "traceback": text, "host": _HOST, "pid": os.getpid(),
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def verify_chunk(directory, chunk):
    """Whether a chunk is done, and if not, why.

    Parameters
    ----------
    directory : str
        The job directory.
    chunk : dict
        The chunk's descriptor from the plan.

    Returns
    -------
    state : {"done", "missing", "corrupted"}
        ``"corrupted"`` means a record claims the chunk is done but the data
        do not match it (truncated, altered, missing, or an unreadable record).
    reason : str
        Empty when done.
    record : dict or None
        The parsed record when done.
    """
    cid = chunk["id"]
    base = os.path.join(directory, "chunks", cid)
    try:
        with open(base + ".json", encoding="utf-8") as fh:
            record = json.load(fh)
    except FileNotFoundError:
        return "missing", "not computed", None
    except (OSError, ValueError):
        return "corrupted", "record unreadable", None
    if not isinstance(record, dict) or record.get("id") != cid or record.get("chunk") != chunk:
        return "corrupted", "record does not describe this chunk", None
    try:
        with open(base + ".npz", "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return "corrupted", "data file missing", None
    if len(data) != record.get("bytes"):
        return "corrupted", f"truncated or resized: {len(data)} of {record.get('bytes')} bytes", None
    if hashlib.sha256(data).hexdigest() != record.get("sha256"):
        return "corrupted", "checksum mismatch", None
    return "done", "", record


def _load_arrays(job, cid):
    with np.load(job.path("chunks", cid + ".npz"), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


# ---------------------------------------------------------------- claims

def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child its parent has not reaped is a zombie: dead for our purpose
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _read_claim(path):
    """(record or None, seconds since last refresh); raises FileNotFoundError."""
    age = time.time() - os.stat(path).st_mtime
    try:
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
        if not isinstance(record, dict):
            record = None
    except ValueError:
        record = None
    return record, age


def _claim_stale(record, age, stale_after):
    if record is None:
        return age > _EMPTY_CLAIM_GRACE
    if record.get("host") == _HOST and isinstance(record.get("pid"), int) and not _pid_alive(record["pid"]):
        return True
    return age > stale_after


class _Claims:
    """The claims this process holds, refreshed by a heartbeat thread while it works."""

    def __init__(self, job, workers, stale_after):
        self.dir = job.path("claims")
        self.workers = workers
        self.stale_after = stale_after
        self.held = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = None

    def __enter__(self):
        self.thread = threading.Thread(target=self._beat, name="gates-claims", daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for cid in list(self.held):
            self.release(cid)

    def _beat(self):
        # refresh well inside the stale timeout so a live runner's claims never look stale
        while not self.stop.wait(min(self.stale_after / 4, 60.0)):
            with self.lock:
                ids = list(self.held)
            for cid in ids:
                try:
                    os.utime(os.path.join(self.dir, cid))
                except FileNotFoundError:
                    pass

    def take(self, cid):
        """Claim `cid`; False if a live runner holds it."""
        path = os.path.join(self.dir, cid)
        nonce = secrets.token_hex(8)
        # the claim is written whole under a private name, then linked into place:
        # link fails if the claim exists (like O_EXCL) and a claim is never seen half-written
        tmp = os.path.join(self.dir, f".new-{nonce}")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"pid": os.getpid(), "host": _HOST, "time": time.time(), "nonce": nonce,
                       "workers": self.workers}, fh)
        try:
            for _ in range(3):
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    if self._break_if_stale(path):
                        continue
                    return False
                with self.lock:
                    self.held[cid] = nonce
                return True
            return False
        finally:
            _remove(tmp)

    def _break_if_stale(self, path):
        try:
            record, age = _read_claim(path)
        except FileNotFoundError:
            return True  # released meanwhile: try again
        if not _claim_stale(record, age, self.stale_after):
            return False
        # move it aside rather than unlink: if a runner retook it since we read it,
        # the claim we moved is not the stale one and goes back
        grave = os.path.join(self.dir, f".broken-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            os.rename(path, grave)
        except FileNotFoundError:
            return True
        try:
            moved, _ = _read_claim(grave)
            if moved != record:
                try:
                    os.link(grave, path)
                except FileExistsError:
                    pass
                return False
            return True
        finally:
            _remove(grave)

    def release(self, cid):
        with self.lock:
            nonce = self.held.pop(cid, None)
        path = os.path.join(self.dir, cid)
        try:
            record, _ = _read_claim(path)
        except FileNotFoundError:
            return
        if nonce is not None and record is not None and record.get("nonce") == nonce:
            _remove(path)  # only our own claim: a runner that broke a stale one keeps it


def _live_claims(job, stale_after):
    out = []
    for name in sorted(os.listdir(job.path("claims"))):
        if name.startswith("."):
            continue
        try:
            record, age = _read_claim(job.path("claims", name))
        except FileNotFoundError:
            continue
        out.append({"id": name, "pid": (record or {}).get("pid"), "host": (record or {}).get("host"),
                    "workers": (record or {}).get("workers"), "age": round(age, 1),
                    "stale": _claim_stale(record, age, stale_after)})
    return out


# ---------------------------------------------------------------- the work itself

def _compute(ref, spec, chunk):
    """Run one chunk; a pure function of (spec, chunk), executed in any process."""
    study = _registry(None)[ref] if isinstance(ref, str) else ref
    t0 = time.perf_counter()
    result = study.run(spec, chunk)
    seconds = time.perf_counter() - t0
    return {"arrays": _as_arrays(result, chunk["id"]), "seconds": round(seconds, 6), "host": _HOST,
            "pid": os.getpid()}


def _single_thread():
    """One thread per worker process, so W workers use W cores and no more.

    numba's thread count is per calling thread, so it is set where the chunk runs.
    """
    os.environ.update(_SINGLE_THREAD_ENV)
    import numba

    if numba.get_num_threads() != 1:
        numba.set_num_threads(1)


def _compute_single_thread(ref, spec, chunk):
    _single_thread()
    return _compute(ref, spec, chunk)


def _error_text(exc):
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
            self.done.append((chunk, None, _error_text(exc)))

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
                out.append((chunk, None, _error_text(exc)))
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
            return [(chunk, None, _error_text(exc))]
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


def _check_executor(executor, workers, scheduler):
    if executor not in EXECUTORS:
        raise InputError(f"executor {executor!r} is not available; allowed: {', '.join(EXECUTORS)}")
    if workers is not None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise InputError(f"workers = {workers!r}: allowed a positive integer")
        if executor == "serial":
            raise InputError("workers is for the process and dask executors; serial runs in this process")
        if scheduler:
            raise InputError("workers sizes a LocalCluster; the cluster at --scheduler has its own workers")
    if scheduler and executor != "dask":
        raise InputError(f"scheduler is for the dask executor, not {executor!r}")
    if executor == "serial":
        return 1
    return workers or os.cpu_count() or 1


class _Progress:
    """Chunks done: a tqdm bar on a terminal, or the caller's ``progress(k)`` per k chunks."""

    def __init__(self, total, done, desc, progress):
        self.callback, self.bar = None, None
        if callable(progress):
            self.callback = progress
            # a tqdm bar's update made before the total was known: give it total and start
            bar = getattr(progress, "__self__", None)
            if bar is not None and getattr(bar, "total", 0) is None and hasattr(bar, "refresh"):
                bar.total, bar.n, bar.initial = total, done, done
                bar.refresh()
        elif progress is None and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, desc=desc, unit="chunk", leave=False)

    def advance(self):
        if self.bar is not None:
            self.bar.update(1)
        if self.callback is not None:
            self.callback(1)

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
    bar = _Progress(len(job.plan), len(job.plan) - len(pending), f"{job.study_name} chunks", progress)
    ran, failed, elsewhere = [], [], []
    ex = None
    try:
        if pending:
            ex = _EXECUTOR_CLASSES[executor](job, workers, scheduler)
            workers = getattr(ex, "workers", workers)  # a cluster's own count
        with _Claims(job, workers, stale_after) as claims:
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
                        bar.advance()
                        continue
                    ex.submit(chunk)
                    inflight += 1
                if not inflight:
                    break
                for chunk, outcome, error in ex.wait():
                    inflight -= 1
                    if error is None:
                        try:
                            _store(job, chunk, outcome)
                        except (TypeError, OSError) as exc:
                            error = _error_text(exc)
                    if error is None:
                        ran.append(chunk["id"])
                        bar.advance()
                    else:
                        _record_error(job, chunk, error)
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
    return {
        "dir": job.dir, "study": job.study_name, "executor": executor,
        "workers": workers,
        "chunks": len(job.plan), "done": done, "pending": len(job.plan) - done, "ran": len(ran),
        "failed": failed, "claimed_elsewhere": elsewhere, "corrupted": corrupted,
        "complete": done == len(job.plan), "seconds": round(time.perf_counter() - t0, 3),
    }


# ---------------------------------------------------------------- the four commands

def run_job(job_path, directory, executor="serial", workers=None, scheduler=None, progress=None, command=None,
            studies=None, stale_after=_STALE_AFTER):
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
        terminal. False: silent. A callable is called as ``progress(1)`` after
        each chunk, like the other progress hooks of `gates` (a tqdm bar's
        ``update`` with no total is given the total and the chunks already done).
    command : list of str, optional
        The command line recorded in job.json; default ``sys.argv``.
    studies : dict, optional
        Study registry; default :data:`gates.jobs.adapters.STUDIES`.
    stale_after : float
        Seconds after which an unrefreshed claim is broken (live runners
        refresh theirs every ``min(stale_after / 4, 60)`` s).

    Returns
    -------
    dict
        ``dir, study, executor, workers, chunks, done, pending, ran, failed``
        (ids whose error is in ``DIR/errors``), ``claimed_elsewhere`` (ids a
        live concurrent runner holds), ``corrupted``, ``complete``, ``seconds``.

    Raises
    ------
    InputError
        A bad job file, executor option, or a directory that holds another job;
        nothing is created.

    Examples
    --------
    >>> s = run_job("job.toml", "runs/n4", executor="process", workers=2)  # doctest: +SKIP
    >>> s["complete"]  # doctest: +SKIP
    True
    """
    workers = _check_executor(executor, workers, scheduler)
    study_name, spec = load_job(job_path, studies)
    study = _study(study_name, studies)
    spec = _canonical(spec)
    plan = _canonical(study.plan(spec))
    _check_plan(plan)
    path = os.path.abspath(os.fspath(directory))
    if os.path.exists(path) and not os.path.isfile(os.path.join(path, "job.json")):
        if not os.path.isdir(path) or os.listdir(path):
            raise InputError(f"{directory} exists and is not a batch job directory (no job.json): "
                             "choose a new --dir")
    if not os.path.exists(os.path.join(path, "job.json")):
        _create(path, job_path, study_name, spec, plan, command)
    job = _Job(path, studies)
    if job.study_name != study_name or job.spec != spec:
        diff = ("study " + _show(study_name) + " vs " + _show(job.study_name) if job.study_name != study_name
                else "; ".join(_differences(spec, job.spec)))
        raise InputError(f"{directory} holds a different job ({diff}): use another --dir or the same job file")
    states, corrupted = _survey(job)
    return _execute(job, executor, workers, scheduler, progress, stale_after, states, corrupted)


def resume_job(directory, executor="serial", workers=None, scheduler=None, progress=None, studies=None,
               stale_after=_STALE_AFTER):
    """Verify a job directory, delete damaged chunks, and run them with every missing one.

    Parameters
    ----------
    directory : str or path-like
        A job directory made by :func:`run_job`.
    executor, workers, scheduler, progress, studies, stale_after
        As for :func:`run_job`.

    Returns
    -------
    dict
        As :func:`run_job`; ``corrupted`` lists ``{id, reason}`` of every chunk
        whose record did not match its data (deleted and rerun), and
        ``temp_files_removed`` counts partial writes left by killed runs.

    Examples
    --------
    >>> s = resume_job("runs/n4")  # doctest: +SKIP
    >>> [c["id"] for c in s["corrupted"]]  # doctest: +SKIP
    ['c000003']
    """
    workers = _check_executor(executor, workers, scheduler)
    job = _Job(directory, studies)
    states, corrupted = _survey(job)
    for item in corrupted:
        # the record goes first: without it the chunk is plainly not done
        _remove(job.path("chunks", item["id"] + ".json"))
        _remove(job.path("chunks", item["id"] + ".npz"))
    removed = 0
    for sub, prefixes in (("chunks", (".tmp-",)), ("claims", (".new-", ".broken-"))):
        for name in os.listdir(job.path(sub)):
            p = job.path(sub, name)
            # left by a killed runner; a live runner's is seconds old at most
            if name.startswith(prefixes) and time.time() - os.stat(p).st_mtime > min(stale_after, 60.0):
                _remove(p)
                removed += 1
    summary = _execute(job, executor, workers, scheduler, progress, stale_after, states, corrupted)
    summary["temp_files_removed"] = removed
    return summary


def job_status(directory, studies=None, stale_after=_STALE_AFTER):
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
    dict
        ``chunks, done, pending`` (not done and not failed), ``failed``
        (corrupted, or with a recorded error) and ``failed_ids``,
        ``corrupted`` ({id, reason}), ``running`` (live claims: id, pid, host,
        age), ``seconds_done`` (compute seconds of done chunks),
        ``work_left_seconds`` (estimated compute seconds of the rest, from the
        done chunks' seconds per unit of ``study.cost``), ``eta_seconds``
        (that divided by the workers of the live runners, if any), ``complete``.

    Examples
    --------
    >>> job_status("runs/n4")["pending"]  # doctest: +SKIP
    12
    """
    job = _Job(directory, studies)
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
    claims = [c for c in _live_claims(job, stale_after) if not c["stale"]]
    runners = {(c["host"], c["pid"]): c["workers"] or 1 for c in claims}
    parallel = sum(runners.values())
    failed_ids = [c["id"] for c in corrupted] + [c["id"] for c in errors]
    return {
        "dir": job.dir, "study": job.study_name, "chunks": len(job.plan), "done": len(done),
        "pending": len(pending), "failed": len(failed_ids), "failed_ids": failed_ids, "corrupted": corrupted,
        "running": claims, "seconds_done": round(seconds_done, 3),
        "work_left_seconds": None if work_left is None else round(work_left, 1),
        "eta_seconds": None if work_left is None else round(work_left / max(1, parallel), 1),
        "complete": len(done) == len(job.plan),
    }


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
    dict
        ``dir, study, chunks, out`` and ``merged``, the study's own summary.

    Raises
    ------
    InputError
        Some chunk is not done or fails its checksum (the ids are named).

    Examples
    --------
    >>> merge_job("runs/n4")["out"]  # doctest: +SKIP
    '/home/me/runs/n4/merged'
    """
    job = _Job(directory, studies)
    bad = [(c["id"], verify_chunk(job.dir, c)) for c in job.plan]
    bad = [(cid, v[1]) for cid, v in bad if v[0] != "done"]
    if bad:
        shown = ", ".join(f"{cid} ({why})" for cid, why in bad[:5]) + (", ..." if len(bad) > 5 else "")
        raise InputError(f"cannot merge: {len(bad)} of {len(job.plan)} chunks are not done: {shown}; "
                         f"run `gates batch resume {directory}`")
    results = [_load_arrays(job, c["id"]) for c in job.plan]
    out = os.path.abspath(os.fspath(out)) if out is not None else job.path("merged")
    summary = job.study.merge(job.spec, results, out, list(command) if command is not None else
                              ["gates", *sys.argv[1:]])
    return {"dir": job.dir, "study": job.study_name, "chunks": len(job.plan), "out": out, "merged": summary}

"""The job directory and its chunk storage: data first, then the record that commits it.

::

    DIR/job.toml            copy of the job file
    DIR/job.json            {study, spec (normalised), plan, created, versions, command}
    DIR/chunks/<id>.npz     a chunk's arrays (no pickle), written atomically
    DIR/chunks/<id>.json    its commit record: descriptor, sha256 and size of the .npz, timing
    DIR/claims/<id>         who is computing the chunk now (:mod:`gates.jobs.claims`)
    DIR/errors/<id>.json    the last error a chunk raised

A chunk is *done* iff its record parses, names the planned chunk, and the
sha256 of its ``.npz`` matches (:func:`verify_chunk`). The record is written
after the data, so a crash at any instant leaves a chunk either done or
visibly not done.
"""

import hashlib
import io
import json
import os
import re
import shlex
import shutil
import socket
import sys
import tempfile
import zipfile
from datetime import datetime, timezone

import numpy as np

from gates.errors import InputError
from gates.io.storage import atomic_path, package_versions, write_json
from gates.jobs.spec import get_study

__all__ = ["HOST", "Job", "create_job_dir", "as_arrays", "store_chunk", "record_error", "remove_file",
           "verify_chunk", "load_arrays"]

HOST = socket.gethostname()
_ARRAY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Job:
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
        self.study = get_study(self.study_name, studies)
        self.spec = meta["spec"]
        self.plan = meta["plan"]
        # a study from the default registry travels to workers by name, a test's by value
        self.ref = self.study_name if studies is None else self.study
        for sub in ("chunks", "claims", "errors"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)


def create_job_dir(directory, job_path, study_name, spec, plan, command):
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


def as_arrays(result, cid):
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


def store_chunk(job, chunk, outcome):
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
    remove_file(job.path("errors", cid + ".json"))


def record_error(job, chunk, text):
    write_json(job.path("errors", chunk["id"] + ".json"), {
        "id": chunk["id"], "chunk": chunk, "error": text.strip().splitlines()[-1] if text.strip() else "",
        "traceback": text, "host": HOST, "pid": os.getpid(),
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })


def remove_file(path):
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


def load_arrays(job, cid):
    with np.load(job.path("chunks", cid + ".npz"), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


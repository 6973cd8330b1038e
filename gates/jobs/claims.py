"""Claims: which runner computes which chunk, safe across processes, hosts and crashes.

Concurrent runners claim a chunk by creating its claim file exclusively
(``os.link`` of a complete temporary file, which fails like ``O_EXCL`` if
the claim exists); a claim whose process died on this host, or that was not
refreshed for `stale_after` seconds, is broken and retaken. A live runner
refreshes its claims from a heartbeat thread.
"""

import json
import os
import secrets
import threading
import time

from gates.jobs.store import HOST, remove_file

__all__ = ["STALE_AFTER", "Claims", "live_claims"]

STALE_AFTER = 900.0
# claims are linked into place whole; an unreadable one was damaged, and goes once it is old
_EMPTY_CLAIM_GRACE = 5.0


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
    if record.get("host") == HOST and isinstance(record.get("pid"), int) and not _pid_alive(record["pid"]):
        return True
    return age > stale_after


class Claims:
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
            json.dump({"pid": os.getpid(), "host": HOST, "time": time.time(), "nonce": nonce,
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
            remove_file(tmp)

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
            remove_file(grave)

    def release(self, cid):
        with self.lock:
            nonce = self.held.pop(cid, None)
        path = os.path.join(self.dir, cid)
        try:
            record, _ = _read_claim(path)
        except FileNotFoundError:
            return
        if nonce is not None and record is not None and record.get("nonce") == nonce:
            remove_file(path)  # only our own claim: a runner that broke a stale one keeps it


def live_claims(job, stale_after):
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


"""Batch jobs: job files, the job directory, claims, executors, and the faults that must not change results."""

import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from gates.jobs import store
from gates.jobs.claims import Claims
from gates.errors import InputError
from gates.jobs import job_status, load_job, merge_job, resume_job, run_job, verify_chunk
from gates.io.storage import write_csv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _Required:
    def __repr__(self):
        return "REQUIRED"


REQUIRED = _Required()


class Toy:
    """A tiny study with the gates.jobs.adapters protocol: each n-input function's popcount and seeded noise.

    ``log`` appends "<id> <pid>" per computed chunk; ``die_once`` SIGKILLs the
    process computing chunk c0002 the first time; ``fail_unless`` raises while
    that file is missing. None of them changes the results.
    """

    keys = {
        "n": (int, REQUIRED, "inputs, 1..4"),
        "chunk_size": (int, 8, "functions per chunk"),
        "seed": (int, 0, "root seed"),
        "sleep": (float, 0.0, "seconds per chunk"),
        "log": (str, "", "log file"),
        "die_once": (str, "", "marker file"),
        "fail_unless": (str, "", "flag file"),
    }

    def validate(self, spec):
        out = {k: spec.get(k, d) for k, (_, d, _) in self.keys.items()}
        if not 1 <= out["n"] <= 4:
            raise InputError(f"n = {out['n']} is too large for study 'toy': allowed 1 <= n <= 4")
        if out["chunk_size"] < 1:
            raise InputError(f"chunk_size = {out['chunk_size']}: allowed >= 1")
        return out

    def plan(self, spec):
        total, size = 1 << (1 << spec["n"]), spec["chunk_size"]
        return [{"id": f"c{i:04d}", "index": i, "start": s, "stop": min(s + size, total)}
                for i, s in enumerate(range(0, total, size))]

    def run(self, spec, chunk):
        if spec["log"]:
            with open(spec["log"], "a") as fh:
                fh.write(f"{chunk['id']} {os.getpid()}\n")
        if spec["die_once"] and chunk["id"] == "c0002":
            try:
                fd = os.open(spec["die_once"], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                os.kill(os.getpid(), signal.SIGKILL)
            except FileExistsError:
                pass
        if spec["fail_unless"] and not os.path.exists(spec["fail_unless"]):
            raise RuntimeError(f"flag {spec['fail_unless']} missing")
        time.sleep(spec["sleep"])
        table = np.arange(chunk["start"], chunk["stop"], dtype=np.uint64)
        ones = np.array([bin(int(t)).count("1") for t in table], dtype=np.int64)
        noise = np.random.default_rng([spec["seed"], chunk["index"]]).random(len(table))
        return {"table": table, "ones": ones, "noise": noise}

    def merge(self, spec, results, out_dir, command):
        rows = [(f"{int(t):#x}", int(o), repr(float(z)))
                for r in results for t, o, z in zip(r["table"], r["ones"], r["noise"])]
        write_csv(os.path.join(out_dir, "toy.csv"), ["table", "ones", "noise"], rows)
        return {"rows": len(rows)}

    def cost(self, spec, chunk):
        return chunk["stop"] - chunk["start"]


STUDIES = {"toy": Toy()}


def _learn_ready():
    try:
        from gates.jobs import adapters as batch
    except ImportError:
        return False
    return "learn" in batch.STUDIES


def _cli_ready():
    r = subprocess.run([sys.executable, "-m", "gates", "batch", "--help"], capture_output=True, cwd=ROOT)
    return r.returncode == 0


def write_job(path, text):
    path.write_text(text)
    return str(path)


def toy_job(tmp_path, name="job.toml", **params):
    params = {"n": 3, **params}
    body = "\n".join(f"{k} = {json.dumps(v)}" for k, v in params.items())
    return write_job(tmp_path / name, f'study = "toy"\n[params]\n{body}\n')


def merged_bytes(directory, out, name="toy.csv", studies=STUDIES):
    merge_job(directory, out=out, command=["test"], studies=studies)
    return (out / name).read_bytes()


def shas(directory):
    return {f: json.loads((directory / "chunks" / f).read_text())["sha256"]
            for f in sorted(os.listdir(directory / "chunks")) if f.endswith(".json")}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The toy job of n = 3 in 32 chunks, run once without interruption."""
    tmp = tmp_path_factory.mktemp("ref")
    job = toy_job(tmp)
    s = run_job(job, tmp / "run", studies=STUDIES, progress=False)
    assert s["complete"] and s["ran"] == s["chunks"] == 32
    return {"csv": merged_bytes(tmp / "run", tmp / "merged"), "shas": shas(tmp / "run")}


# ---------------------------------------------------------------- job files

@pytest.mark.parametrize("text, needle", [
    ('[params]\nn = 3\n', "missing key 'study'"),
    ('study = "nope"\n[params]\nn = 3\n', "unknown study 'nope'; allowed: toy"),
    ('study = "toy"\n[params]\nn = 3\nrule = "hebb"\nfoo = 1\n', "unknown key 'rule', 'foo' for study 'toy'; allowed:"),
    ('study = "toy"\nn = 3\n', "unknown top-level key 'n' (the study's keys go under [params])"),
    ('study = "toy"\n[params]\nn = "3"\n', 'n = "3" is a string; study \'toy\' wants an integer'),
    ('study = "toy"\n[params]\nn = true\n', "n = true is true or false; study 'toy' wants an integer"),
    ('study = "toy"\n[params]\nn = 3.0\n', "n = 3.0 is a number"),
    ('study = "toy"\n[params]\nseed = 1\n', "missing required key 'n'"),
    ('study = "toy"\n[params]\nn = 9\n', "n = 9 is too large for study 'toy': allowed 1 <= n <= 4"),
    ('study = "toy"\n[params]\nn = 3\nchunk_size = 0\n', "chunk_size = 0: allowed >= 1"),
    ('study = "toy"\nchunk_size = 4\n[params]\nn = 3\nchunk_size = 4\n', "chunk_size is given twice"),
    ('study = "toy"\nparams = 3\n', "params = 3 must be a table"),
    ('study = "toy"\n[params]\nn = 3\nn = 4\n', "not valid TOML"),
    ('study = "toy"\n[params]\nn = \n', "(at line 3, column 5)"),
])
def test_bad_job_files_refused_in_one_line_and_leave_nothing(tmp_path, text, needle):
    job = write_job(tmp_path / "job.toml", text)
    with pytest.raises(InputError) as info:
        run_job(job, tmp_path / "run", studies=STUDIES, progress=False)
    message = str(info.value)
    assert needle in message and "\n" not in message and message.startswith(job)
    assert sorted(os.listdir(tmp_path)) == ["job.toml"]  # no DIR, no DIR.tmp-*


def test_missing_job_file_and_bad_options(tmp_path):
    with pytest.raises(InputError, match="cannot read the job file"):
        load_job(tmp_path / "nope.toml", studies=STUDIES)
    job = toy_job(tmp_path)
    for kw, needle in [({"executor": "threads"}, "allowed: serial, process, dask"),
                       ({"workers": 2}, "serial runs in this process"),
                       ({"executor": "process", "workers": 0}, "an integer >= 1"),
                       ({"executor": "process", "scheduler": "tcp://x:1"}, "for the dask executor")]:
        with pytest.raises(InputError, match=needle):
            run_job(job, tmp_path / "run", studies=STUDIES, progress=False, **kw)
    assert sorted(os.listdir(tmp_path)) == ["job.toml"]


def test_load_job_normalises_with_defaults(tmp_path):
    job = write_job(tmp_path / "j.toml", 'study = "toy"\nchunk_size = 16\n[params]\nn = 2\nsleep = 1\n')
    name, spec = load_job(job, studies=STUDIES)
    assert name == "toy" and spec["chunk_size"] == 16 and spec["seed"] == 0
    assert spec["sleep"] == 1.0 and isinstance(spec["sleep"], float)  # TOML 1 is a float key's 1.0


def test_crash_during_setup_leaves_no_directory(tmp_path, monkeypatch):
    job = toy_job(tmp_path)

    def crash(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(store, "write_json", crash)
    with pytest.raises(OSError, match="disk full"):
        run_job(job, tmp_path / "run", studies=STUDIES, progress=False)
    assert sorted(os.listdir(tmp_path)) == ["job.toml"]


def test_sigkill_during_setup_leaves_no_directory(tmp_path, reference):
    job = toy_job(tmp_path)
    code = ("import os, signal, sys; from gates.jobs import runner as jobs; from tests.test_jobs import STUDIES; "
            "from gates.jobs import store; store.write_json = lambda *a: os.kill(os.getpid(), signal.SIGKILL); "
            "jobs.run_job(sys.argv[1], sys.argv[2], studies=STUDIES, progress=False)")
    r = subprocess.run([sys.executable, "-c", code, job, str(tmp_path / "run")], cwd=ROOT)
    assert r.returncode == -signal.SIGKILL
    assert "run" not in os.listdir(tmp_path)  # only the run.tmp-* it was building
    assert run_job(job, tmp_path / "run", studies=STUDIES, progress=False)["complete"]
    assert merged_bytes(tmp_path / "run", tmp_path / "m") == reference["csv"]


def test_existing_foreign_directory_refused(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "precious.txt").write_text("x")
    with pytest.raises(InputError, match="not a batch job directory"):
        run_job(toy_job(tmp_path), tmp_path / "run", studies=STUDIES, progress=False)
    assert os.listdir(tmp_path / "run") == ["precious.txt"]


@pytest.mark.skipif(not _learn_ready() or not _cli_ready(), reason="gates batch CLI / learn study not landed")
@pytest.mark.parametrize("text, needle", [
    ('study = "learn"\n[params]\nn = 3\nrules = "hebb"\nfoo = 1\n', "unknown key"),
    ('study = "learn"\n[params]\nn = "3"\n', "is a string"),
    ('study = "learn"\n[params]\nn = 40\n', "n=40 is out of range"),
    ('study = "learn"\n[params\n', "not valid TOML"),
])
def test_bad_job_through_cli_exit_2_one_line(tmp_path, text, needle):
    job = write_job(tmp_path / "job.toml", text)
    r = subprocess.run([sys.executable, "-m", "gates", "batch", "run", job, "--dir", str(tmp_path / "run")],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr and "Traceback" not in r.stderr
    assert sorted(os.listdir(tmp_path)) == ["job.toml"]


# ---------------------------------------------------------------- directory, status, merge

def test_status_before_and_after_and_rerun_is_safe(tmp_path, reference):
    job, run = toy_job(tmp_path), tmp_path / "run"

    done = []

    def stop_after_five(k):
        done.append(k)
        if len(done) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_job(job, run, studies=STUDIES, progress=stop_after_five)
    meta = json.loads((run / "job.json").read_text())
    assert meta["study"] == "toy" and len(meta["plan"]) == 32 and meta["spec"]["chunk_size"] == 8
    assert (run / "job.toml").read_text() == open(job).read()
    s = job_status(run, studies=STUDIES)
    assert (s["done"], s["pending"], s["failed"], s["running"]) == (5, 27, 0, [])
    assert s["work_left_seconds"] is not None and not s["complete"]
    assert os.listdir(run / "claims") == []  # an interrupted runner releases its claims
    with pytest.raises(InputError, match="not done"):
        merge_job(run, studies=STUDIES)

    # a live runner's claim (this process) is reported and left alone
    (run / "claims" / "c0031").write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                                       "nonce": "x", "workers": 1}))
    s = job_status(run, studies=STUDIES)
    assert [c["id"] for c in s["running"]] == ["c0031"]
    s = run_job(job, run, studies=STUDIES, progress=False)
    assert (s["ran"], s["claimed_elsewhere"], s["complete"]) == (26, ["c0031"], False)
    os.unlink(run / "claims" / "c0031")

    s = run_job(job, run, studies=STUDIES, progress=False)
    assert (s["ran"], s["done"], s["complete"]) == (1, 32, True)
    s = run_job(job, run, studies=STUDIES, progress=False)  # nothing left: safe to repeat
    assert (s["ran"], s["done"], s["complete"]) == (0, 32, True)
    s = job_status(run, studies=STUDIES)
    assert (s["done"], s["pending"], s["failed"], s["work_left_seconds"], s["complete"]) == (32, 0, 0, 0.0, True)
    assert merged_bytes(run, tmp_path / "m") == reference["csv"]
    assert shas(run) == reference["shas"]


def test_run_refuses_a_different_job_in_the_directory(tmp_path):
    run = tmp_path / "run"
    run_job(toy_job(tmp_path, n=1), run, studies=STUDIES, progress=False)
    with pytest.raises(InputError, match=r"holds a different job \(seed \(5 in the job file, 0 in the directory\)\)"):
        run_job(toy_job(tmp_path, "b.toml", n=1, seed=5), run, studies=STUDIES, progress=False)


def test_chunk_files_are_npz_without_pickle_and_recorded(tmp_path):
    run = tmp_path / "run"
    run_job(toy_job(tmp_path, n=2, chunk_size=5), run, studies=STUDIES, progress=False)
    rec = json.loads((run / "chunks" / "c0003.json").read_text())
    data = (run / "chunks" / "c0003.npz").read_bytes()
    assert rec["sha256"] == hashlib.sha256(data).hexdigest() and rec["bytes"] == len(data)
    assert rec["chunk"] == {"id": "c0003", "index": 3, "start": 15, "stop": 16}
    assert rec["arrays"] == {"noise": ["<f8", [1]], "ones": ["<i8", [1]], "table": ["<u8", [1]]}
    assert rec["pid"] == os.getpid() and rec["seconds"] >= 0 and rec["finished"]
    with np.load(run / "chunks" / "c0003.npz", allow_pickle=False) as z:
        assert z["table"].tolist() == [15] and z["ones"].tolist() == [4]
    assert sorted(os.listdir(run / "chunks")) == sorted(f"c{i:04d}.{e}" for i in range(4) for e in ("json", "npz"))


def test_failed_chunk_is_recorded_reported_and_retried(tmp_path, reference):
    flag, run = tmp_path / "flag", tmp_path / "run"
    job = toy_job(tmp_path, fail_unless=str(flag))
    s = run_job(job, run, studies=STUDIES, progress=False)
    assert s["failed"] == [f"c{i:04d}" for i in range(32)] and not s["complete"]
    err = json.loads((run / "errors" / "c0007.json").read_text())
    assert "RuntimeError: flag" in err["error"] and "Traceback" in err["traceback"]
    s = job_status(run, studies=STUDIES)
    assert (s["done"], s["failed"], s["pending"]) == (0, 32, 0)
    flag.write_text("")
    s = resume_job(run, studies=STUDIES, progress=False)
    assert s["complete"] and os.listdir(run / "errors") == []
    assert merged_bytes(run, tmp_path / "m") == reference["csv"]


# ---------------------------------------------------------------- damaged chunks and claims

def test_damaged_chunks_detected_named_and_rerun(tmp_path, reference):
    job, run = toy_job(tmp_path), tmp_path / "run"
    run_job(job, run, studies=STUDIES, progress=False)
    chunks = run / "chunks"
    data = (chunks / "c0004.npz").read_bytes()
    (chunks / "c0004.npz").write_bytes(data[: len(data) // 2])  # truncated
    data = bytearray((chunks / "c0011.npz").read_bytes())
    data[-40] ^= 0xFF  # one flipped byte, same size
    (chunks / "c0011.npz").write_bytes(bytes(data))
    (chunks / "c0020.json").write_text('{"id": "c0020", ')  # a torn record
    os.unlink(chunks / "c0025.npz")
    (chunks / ".tmp-old.npz").write_bytes(b"partial")
    os.utime(chunks / ".tmp-old.npz", (0, 0))
    s = job_status(run, studies=STUDIES)
    assert (s["done"], s["failed"], s["pending"]) == (28, 4, 0)
    with pytest.raises(InputError, match=r"4 of 32 chunks are not done: c0004 \(truncated"):
        merge_job(run, studies=STUDIES)
    s = resume_job(run, studies=STUDIES, progress=False)
    assert {c["id"]: c["reason"] for c in s["corrupted"]} == {
        "c0004": f"truncated or resized: {len(data) // 2} of {len(data)} bytes",
        "c0011": "checksum mismatch", "c0020": "record unreadable", "c0025": "data file missing"}
    assert s["ran"] == 4 and s["complete"] and s["temp_files_removed"] == 1
    assert shas(run) == reference["shas"]
    assert merged_bytes(run, tmp_path / "m") == reference["csv"]


def test_verify_chunk_rejects_a_record_of_another_chunk(tmp_path):
    run = tmp_path / "run"
    run_job(toy_job(tmp_path, n=2), run, studies=STUDIES, progress=False)
    plan = json.loads((run / "job.json").read_text())["plan"]
    assert verify_chunk(str(run), plan[0])[0] == "done"
    os.replace(run / "chunks" / "c0001.json", run / "chunks" / "c0000.json")
    os.replace(run / "chunks" / "c0001.npz", run / "chunks" / "c0000.npz")
    assert verify_chunk(str(run), plan[0])[:2] == ("corrupted", "record does not describe this chunk")
    assert verify_chunk(str(run), plan[1])[0] == "missing"


def _dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_stale_claims_are_broken_live_ones_kept(tmp_path, reference):
    job, run = toy_job(tmp_path), tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        run_job(job, run, studies=STUDIES, progress=lambda k: (_ for _ in ()).throw(KeyboardInterrupt))
    claims = run / "claims"
    here = socket.gethostname()
    (claims / "c0001").write_text(json.dumps({"pid": _dead_pid(), "host": here, "nonce": "a"}))
    (claims / "c0002").write_text(json.dumps({"pid": 1, "host": "elsewhere", "nonce": "b"}))
    os.utime(claims / "c0002", (time.time() - 100, time.time() - 100))  # not refreshed for 100 s
    (claims / "c0003").write_text(json.dumps({"pid": 1, "host": "elsewhere", "nonce": "c"}))  # fresh
    (claims / "c0004").write_text("")  # a runner killed between creating and filling its claim
    os.utime(claims / "c0004", (time.time() - 10, time.time() - 10))
    s = run_job(job, run, studies=STUDIES, progress=False, stale_after=60)
    assert s["claimed_elsewhere"] == ["c0003"] and s["done"] == 31
    assert os.listdir(claims) == ["c0003"]
    os.utime(claims / "c0003", (time.time() - 100, time.time() - 100))
    s = resume_job(run, studies=STUDIES, progress=False, stale_after=60)
    assert s["complete"] and os.listdir(claims) == []
    assert merged_bytes(run, tmp_path / "m") == reference["csv"]


def test_claims_heartbeat_and_release_only_own(tmp_path):
    run = tmp_path / "run"
    run_job(toy_job(tmp_path, n=1), run, studies=STUDIES, progress=False)
    job = store.Job(run, STUDIES)
    a = Claims(job, 1, stale_after=0.2)
    with a:
        assert a.take("x") and not a.take("x")
        os.utime(run / "claims" / "x", (0, 0))
        time.sleep(0.3)  # the heartbeat refreshed it: not stale to a second runner
        b = Claims(job, 1, stale_after=0.2)
        b.held = {}
        assert time.time() - os.stat(run / "claims" / "x").st_mtime < 0.2
        # its pid is alive on this host, so only age could break it, and it is fresh
        assert not b.take("x")
        # a claim retaken by another runner is not removed by the first one's release
        (run / "claims" / "x").write_text(json.dumps({"pid": os.getpid(), "host": "h", "nonce": "other"}))
    assert os.listdir(run / "claims") == ["x"]


# ---------------------------------------------------------------- executors

def test_executors_agree_serial_process(tmp_path, reference):
    s = run_job(toy_job(tmp_path), tmp_path / "p", executor="process", workers=2, studies=STUDIES, progress=False)
    assert s["complete"] and s["workers"] == 2
    pids = {json.loads((tmp_path / "p" / "chunks" / f"c{i:04d}.json").read_text())["pid"] for i in range(32)}
    assert os.getpid() not in pids
    assert shas(tmp_path / "p") == reference["shas"]
    assert merged_bytes(tmp_path / "p", tmp_path / "m") == reference["csv"]


@pytest.fixture(scope="module")
def scheduler():
    """A LocalCluster of 2 single-threaded workers, joined by address like a real cluster."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        yield c.scheduler_address


class ThreadProbe(Toy):
    """Reports the numba and OpenMP thread settings of the process that runs each chunk."""

    def run(self, spec, chunk):
        import numba

        return {"threads": np.array([numba.get_num_threads()]),
                "env": np.array([os.environ.get("OMP_NUM_THREADS", "")])}


@pytest.mark.parametrize("executor", ["process", "dask", "dask-scheduler"])
def test_workers_run_one_numba_thread(tmp_path, request, executor):
    kw = {"workers": 2}
    if executor.startswith("dask"):
        pytest.importorskip("distributed")
    if executor == "dask-scheduler":  # a cluster we did not start: only the plugin and the task set threads
        kw = {"scheduler": request.getfixturevalue("scheduler")}
    run = tmp_path / "run"
    run_job(toy_job(tmp_path, n=1, chunk_size=1), run, executor=executor.split("-")[0],
            studies={"toy": ThreadProbe()}, progress=False, **kw)
    for i in range(4):
        with np.load(run / "chunks" / f"c{i:04d}.npz") as z:
            assert z["threads"].tolist() == [1] and z["env"].tolist() == ["1"]


def test_executors_agree_dask_local_cluster(tmp_path, reference):
    pytest.importorskip("distributed")
    s = run_job(toy_job(tmp_path), tmp_path / "d", executor="dask", workers=2, studies=STUDIES, progress=False)
    assert s["complete"] and s["workers"] == 2
    assert shas(tmp_path / "d") == reference["shas"]
    assert merged_bytes(tmp_path / "d", tmp_path / "m") == reference["csv"]


def test_dask_worker_loss_mid_job(tmp_path, reference):
    pytest.importorskip("distributed")
    marker = tmp_path / "died"
    s = run_job(toy_job(tmp_path, die_once=str(marker), sleep=0.02), tmp_path / "d", executor="dask", workers=2,
                studies=STUDIES, progress=False)
    dead = int(marker.read_text())  # the worker computing c0002 was SIGKILLed
    rec = json.loads((tmp_path / "d" / "chunks" / "c0002.json").read_text())
    assert rec["pid"] != dead
    assert s["complete"] and s["failed"] == []
    assert shas(tmp_path / "d") == reference["shas"]
    assert merged_bytes(tmp_path / "d", tmp_path / "m") == reference["csv"]


@pytest.mark.skipif(not _learn_ready(), reason="the learn study has not landed")
@pytest.mark.parametrize("params", ["n = 4", "n = 3\nlayers = 2\nseeds = [0, 7]"])
def test_executors_agree_on_the_learn_study(tmp_path, scheduler, params):
    job = write_job(tmp_path / "job.toml", f'study = "learn"\nchunk_size = 100\n[params]\n{params}\n')
    tables = {}
    for executor, kw in [("serial", {}), ("process", {"workers": 2}), ("dask", {"scheduler": scheduler})]:
        s = run_job(job, tmp_path / executor, executor=executor, progress=False, **kw)
        assert s["complete"] and s["chunks"] >= 4, s
        m = merge_job(tmp_path / executor, command=["test"])
        tables[executor] = {os.path.relpath(os.path.join(d, f), m["out"]): open(os.path.join(d, f), "rb").read()
                            for d, _, files in os.walk(m["out"]) for f in files if f.endswith(".csv")}
        tables[executor + " shas"] = shas(tmp_path / executor)
    assert tables["serial"] and tables["serial"] == tables["process"] == tables["dask"]
    assert tables["serial shas"] == tables["process shas"] == tables["dask shas"]


def test_dask_missing_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(InputError, match=r"pip install 'gates\[distributed\]'"):
        run_job(toy_job(tmp_path), tmp_path / "d", executor="dask", studies=STUDIES, progress=False)


# ---------------------------------------------------------------- other processes: kills and concurrency

_DRIVER = ("import sys; from gates.jobs import runner as jobs; from tests.test_jobs import STUDIES; "
           "f = {'run': lambda a: jobs.run_job(a[0], a[1], studies=STUDIES, progress=False), "
           "'resume': lambda a: jobs.resume_job(a[0], studies=STUDIES, progress=False)}; "
           "f[sys.argv[1]](sys.argv[2:])")


def _toy_runner(verb, *args):
    return subprocess.Popen([sys.executable, "-c", _DRIVER, verb, *map(str, args)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _records(run):
    try:
        return sum(f.endswith(".json") for f in os.listdir(run / "chunks"))
    except FileNotFoundError:
        return 0


def _kill_rounds(start, resume, run, rounds, rng, total):
    """SIGKILL a runner `rounds` times, each after a random number of chunks and a random delay."""
    kills = []
    proc = start()
    for _ in range(rounds):
        target = min(total - 1, _records(run) + rng.randint(1, max(1, total // (2 * rounds))))
        deadline = time.time() + 60
        while _records(run) < target and proc.poll() is None and time.time() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.03))  # land anywhere: mid-computation or mid-write
        alive = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills.append((alive, _records(run)))
        proc = resume()
    assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
    return kills


def test_hard_kill_at_random_points_then_resume(tmp_path, reference):
    run = tmp_path / "run"
    job = toy_job(tmp_path, sleep=0.03)
    kills = _kill_rounds(lambda: _toy_runner("run", job, run), lambda: _toy_runner("resume", run),
                         run, rounds=3, rng=random.Random(9), total=32)
    assert sum(alive and 0 < n < 32 for alive, n in kills) >= 2, kills  # most kills landed mid-job
    s = job_status(run, studies=STUDIES)
    assert s["complete"] and s["running"] == [] and os.listdir(run / "claims") == []
    assert shas(run) == reference["shas"]
    assert merged_bytes(run, tmp_path / "m") == reference["csv"]


@pytest.mark.slow  # 20 s; test_hard_kill_at_random_points_then_resume kills the runner by default
@pytest.mark.skipif(not _learn_ready() or not _cli_ready(), reason="gates batch CLI / learn study not landed")
def test_hard_kill_real_learn_study_through_cli(tmp_path):
    # every function of n = 4 trained (exhaustive), 3 restarts: 32 chunks of about 50 ms
    job = write_job(tmp_path / "job.toml", 'study = "learn"\nchunk_size = 2048\n[params]\nn = 4\n'
                    'exhaustive = true\nrestarts = 3\n')

    def gates(*argv):
        return subprocess.Popen([sys.executable, "-m", "gates", "batch", *map(str, argv)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def finish(proc):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        return json.loads(out)

    ref, run = tmp_path / "ref", tmp_path / "run"
    assert finish(gates("run", job, "--dir", ref, "--json"))["complete"]
    finish(gates("merge", ref, "--out", tmp_path / "mref", "--json"))
    kills = _kill_rounds(lambda: gates("run", job, "--dir", run), lambda: gates("resume", run),
                         run, rounds=3, rng=random.Random(4), total=32)
    assert sum(alive and 0 < n < 32 for alive, n in kills) >= 2, kills
    status = finish(gates("status", run, "--json"))
    assert status["complete"] and status["running"] == [], status
    finish(gates("merge", run, "--out", tmp_path / "m", "--json"))
    csvs = sorted(f for f in os.listdir(tmp_path / "mref") if f.endswith(".csv"))
    assert csvs == ["census.csv"]
    assert (tmp_path / "m" / "census.csv").read_bytes() == (tmp_path / "mref" / "census.csv").read_bytes()


def test_two_concurrent_runs_share_the_work_once(tmp_path, reference):
    log, run = tmp_path / "log", tmp_path / "run"
    job = toy_job(tmp_path, sleep=0.06, log=str(log))
    procs = [_toy_runner("run", job, run) for _ in range(2)]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read().decode()
    lines = [line.split() for line in log.read_text().splitlines()]
    assert sorted(cid for cid, _ in lines) == [f"c{i:04d}" for i in range(32)]  # each chunk computed once
    assert len({pid for _, pid in lines}) == 2  # and both runners took part
    assert [f for f in os.listdir(tmp_path) if ".tmp-" in f] == []
    assert os.listdir(run / "claims") == []
    assert merged_bytes(run, tmp_path / "m") == reference["csv"]


def test_progress_callback_counts_every_chunk(tmp_path):
    seen = []
    run_job(toy_job(tmp_path, n=2), tmp_path / "r", studies=STUDIES, progress=seen.append)
    assert seen == [1, 1]  # 16 functions in chunks of 8


def test_progress_gives_a_totalless_tqdm_bar_its_total(tmp_path):
    from tqdm import tqdm

    job, run = toy_job(tmp_path, n=2, chunk_size=3), tmp_path / "r"
    with pytest.raises(KeyboardInterrupt):
        run_job(job, run, studies=STUDIES, progress=lambda k: (_ for _ in ()).throw(KeyboardInterrupt))
    bar = tqdm(total=None, disable=False, file=open(os.devnull, "w"))
    run_job(job, run, studies=STUDIES, progress=bar.update)
    assert (bar.total, bar.initial, bar.n) == (6, 1, 6)
    bar.close()


def test_heartbeat_thread_stops(tmp_path):
    before = {t.name for t in threading.enumerate()}
    run_job(toy_job(tmp_path, n=1), tmp_path / "r", studies=STUDIES, progress=False)
    time.sleep(0.05)
    assert "gates-claims" not in {t.name for t in threading.enumerate()} - before

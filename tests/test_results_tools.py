"""verify, batch, expectations, single-unit and discover: the API's result is what the command prints.

For each command, ``result.to_dict()`` of the public function equals the
object the command prints with ``--json`` for the same arguments, once the
keys that measure time are removed (they differ between two runs):

* verify: ``seconds`` of every check and of every mutant run;
* batch run / resume: ``seconds``; status: ``seconds_done``,
  ``work_left_seconds``, ``eta_seconds``; merge: none;
* discover: ``summary.seconds``;
* single-unit, expectations: none.

Where the command also writes files (--out), it adds only ``out`` and
``files`` (and single-unit's ``note``). Every output location is checked
before any work: exit 2, one line, no traceback, nothing written. Progress
callables add up to the work and advance.
"""

import json
import math
import os
import subprocess
import sys

import pytest

from gates.cli.main import main
from gates.jobs import job_status, merge_job, resume_job, run_job
from gates.linear_unit.expectations import expected_terms
from gates.studies.discover import discover
from gates.studies.single_unit.experiments import experiment_work, run_experiment
from gates.verify import run_checks

# OEIS A000609: threshold functions of n inputs; A000617: their NP classes (n = 4: 27)
THRESHOLD = {3: 104, 4: 1882}

JOB = """study = "enumerate"
chunk_size = 4

[params]
family = "threshold"
n = 4
classes = "np"
count = true
"""


def cli_json(capsys, *argv, status=0):
    quiet = [] if argv[0] == "expectations" else ["--no-progress"]  # it lasts a second or two: no bar
    assert main(list(argv) + ["--json", *quiet]) == status
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return json.loads(out[0])


def drop(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


# --------------------------------------------------------------------------
# CLI --json == API to_dict()
# --------------------------------------------------------------------------


def _untimed_checks(d):
    d = dict(d, checks=[dict(drop(c, "seconds"), **({"mutants": [drop(m, "seconds") for m in c["mutants"]]}
                                                     if "mutants" in c else {})) for c in d["checks"]])
    return d


def test_verify_json_is_run_checks(capsys):
    api = run_checks(["counting", "linear-dynamics"], mutants=True)
    cli = cli_json(capsys, "verify", "counting", "linear-dynamics", "--mutants")
    assert _untimed_checks(cli) == _untimed_checks(api.to_dict())
    assert api.passed and [c["name"] for c in cli["checks"]] == ["counting", "linear-dynamics"]
    # the counting check's rows are OEIS A000609
    assert {r["n"]: r["threshold"] for r in api["checks"][0]["evidence"]["rows"]}[3] == THRESHOLD[3]
    assert "2 of 2 checks pass" in api.summary()


def test_verify_out_adds_only_file_keys(tmp_path, capsys):
    api = run_checks(["counting"])
    cli = cli_json(capsys, "verify", "counting", "--out", str(tmp_path))
    assert set(cli) - set(api.to_dict()) == {"out", "files"}
    assert cli["files"][-1] == "verify.json" and (tmp_path / "verify.json").exists()


def test_batch_json_is_the_runner_result(tmp_path, capsys):
    job = tmp_path / "job.toml"
    job.write_text(JOB)
    a, b = tmp_path / "a", tmp_path / "b"
    api = run_job(job, a, progress=False)
    cli = cli_json(capsys, "batch", "run", str(job), "--dir", str(b))
    assert drop(cli, "seconds", "dir") == drop(api.to_dict(), "seconds", "dir") and api["complete"]
    timing = ("seconds_done", "work_left_seconds", "eta_seconds", "dir")
    assert drop(cli_json(capsys, "batch", "status", str(b)), *timing) == drop(job_status(a).to_dict(), *timing)
    for d in (a, b):  # damage one chunk in each: resume finds and reruns it
        with open(d / "chunks" / "c000001.npz", "ab") as fh:
            fh.write(b"x")
    api = resume_job(a, progress=False)
    cli = cli_json(capsys, "batch", "resume", str(b))
    assert drop(cli, "seconds", "dir") == drop(api.to_dict(), "seconds", "dir")
    assert [c["id"] for c in api["corrupted"]] == ["c000001"] and api["ran"] == 1
    api = merge_job(a, out=tmp_path / "ma", command=["t"])
    cli = cli_json(capsys, "batch", "merge", str(b), "--out", str(tmp_path / "mb"))
    assert cli["merged"]["functions"] == api["merged"]["functions"] == THRESHOLD[4]
    assert cli["merged"]["classes"] == 27
    strip = lambda d: dict(drop(d, "dir", "out"), merged=drop(d["merged"], "file"))  # noqa: E731
    assert strip(cli) == strip(api.to_dict())
    assert "complete: True" in run_job(job, a, progress=False).summary()


def test_expectations_json_is_expected_terms(tmp_path, capsys):
    api = expected_terms(2)
    assert cli_json(capsys, "expectations", "--degree", "2") == api.to_dict()
    # monomials O^a x^b w^c T^d of degree <= 2: C(6, 2); without T: C(5, 2)
    assert api["terms"] == math.comb(6, 2) and api["unsupervised"] == math.comb(5, 2)
    cli = cli_json(capsys, "expectations", "--degree", "1", "--out", str(tmp_path))
    assert drop(cli, "out", "files") == expected_terms(1).to_dict()
    assert "expectations.tex" in cli["files"]


def test_single_unit_json_is_run_experiment(tmp_path, capsys):
    api = run_experiment("supervised-hebb", datasets=3)
    assert cli_json(capsys, "single-unit", "supervised-hebb", "--datasets", "3") == api.to_dict()
    # the identity without a bias: every margin is 1, every dataset is learnt
    assert api["summary"]["orthogonal"]["learnt"] == 3
    cli = cli_json(capsys, "single-unit", "supervised-hebb", "--datasets", "3", "--out", str(tmp_path))
    assert set(cli) - set(api.to_dict()) <= {"out", "files", "note"} and "supervised_hebb.csv" in cli["files"]


def test_discover_json_is_discover(capsys):
    api = discover(degree=1, coefficients=(0, 1))
    cli = cli_json(capsys, "discover", "--degree", "1", "--coefficients", "0,1")
    untimed = lambda d: dict(d, summary=drop(d["summary"], "seconds"))  # noqa: E731
    assert untimed(cli) == untimed(api.to_dict())
    # {0, 1}^4 without the zero vector, all primitive: 15 rules
    assert api["summary"]["raw_rules"] == 2**4 - 1 and len(api.rows) == api["summary"]["behaviours"]
    assert cli["top"] == [drop(r, "_vec") for r in api.to_dict()["top"]]


# --------------------------------------------------------------------------
# progress: the calls add up to the work, and advance
# --------------------------------------------------------------------------


def _recorder():
    seen = []
    return seen, seen.append


def test_progress_adds_up_to_the_work(tmp_path):
    seen, rec = _recorder()
    run_checks(["counting", "linear-dynamics"], progress=rec)
    assert sum(seen) == pytest.approx(2) and all(k >= 0 for k in seen)
    seen, rec = _recorder()
    res = discover(degree=1, coefficients=(0, 1), progress=rec)
    assert sum(seen) == pytest.approx(res["summary"]["behaviours"])
    seen, rec = _recorder()
    run_experiment("supervised-hebb", datasets=2, progress=rec)
    assert sum(seen) == experiment_work("supervised-hebb", 2)[0] == 8
    job = tmp_path / "job.toml"
    job.write_text(JOB)
    seen, rec = _recorder()
    s = run_job(job, tmp_path / "r", progress=rec)
    assert sum(seen) == pytest.approx(s["chunks"]) and len(seen) >= s["chunks"]


def test_verify_progress_bar_draws_when_asked(tmp_path):
    r = subprocess.run([sys.executable, "-m", "gates", "verify", "counting", "--progress"], capture_output=True,
                       text=True, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert r.returncode == 0 and "check" in r.stderr and "1 of 1 checks pass" in r.stdout


# --------------------------------------------------------------------------
# bad output locations: exit 2, one line, nothing written, before any work
# --------------------------------------------------------------------------


@pytest.fixture
def a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("not a folder")
    return f


@pytest.mark.parametrize("argv", [
    ["verify", "counting", "--out", "{bad}"],
    ["expectations", "--out", "{bad}"],
    ["single-unit", "supervised-hebb", "--datasets", "2", "--out", "{bad}"],
    ["discover", "--degree", "1", "--out", "{bad}"],
    ["batch", "run", "{job}", "--dir", "{bad}"],
])
def test_bad_output_location_fails_first(tmp_path, a_file, argv, capsys, monkeypatch):
    import gates.linear_unit.expectations as ex
    import gates.studies.discover as disc
    import gates.studies.single_unit.experiments as exp
    import gates.verify as ver

    def never(*a, **k):
        raise AssertionError("the work started before the output location was checked")

    for mod, name in ((ver, "run_checks"), (ex, "expected_terms"), (exp, "run_experiment"), (disc, "discover")):
        monkeypatch.setattr(mod, name, never)
    job = tmp_path / "job.toml"
    job.write_text(JOB)
    bad = a_file / "out"
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main([a.replace("{bad}", str(bad)).replace("{job}", str(job)) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write there" in err[0] and "is a file, not a folder" in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_batch_merge_bad_out_fails_before_merging(tmp_path, a_file, capsys):
    job = tmp_path / "job.toml"
    job.write_text(JOB)
    run_job(job, tmp_path / "r", progress=False)
    assert main(["batch", "merge", str(tmp_path / "r"), "--out", str(a_file / "m")]) == 2
    assert "cannot write there" in capsys.readouterr().err
    assert not (tmp_path / "r" / "merged").exists()


def test_bad_job_key_is_one_line(tmp_path, capsys):
    job = tmp_path / "job.toml"
    job.write_text(JOB.replace("count = true", "counts = true"))
    assert main(["batch", "run", str(job), "--dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "counts" in err[0] and not (tmp_path / "r").exists()

"""The Hopfield, channel and deep-targets studies return Result objects equal to what their commands print.

Each test runs the command (``gates.cli.main.main``) and the public function
with the same arguments and seeds, and compares ``--json`` with
``to_dict()``, after popping the wall-time keys (named in each test: they
differ run to run). Closed forms check the numbers themselves.
"""

import json
import math
import os

import pytest

from gates.cli.main import main
from gates.io.results import Result
from gates.learning.deep_targets import DeepTargetsConfig, deep_targets
from gates.learning.hopfield import hopfield_study, hopfield_work, isometry_count
from gates.learning.threshold_net import synthetic_data
from gates.studies.channel_study import channel_study, channel_work
from gates.studies.deep_targets_study import run_study, study_units


def _cli(capsys, *argv):
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def _drop_channel_times(d):
    d.pop("seconds")  # wall time of the whole study
    return d


def _drop_deep_times(d):
    for t in d["tasks"].values():
        for m in t["methods"].values():
            m.pop("seconds")  # wall time of each method's run
    return d


# --------------------------------------------------------------------------
# Hopfield
# --------------------------------------------------------------------------

def test_hopfield_json_is_the_result(capsys):
    out = json.loads(_cli(capsys, "hopfield", "-n", "4", "--memories", "2", "--seed", "3", "--json"))
    res = hopfield_study(4, 2, seed=3)
    assert isinstance(res, Result)
    api = res.to_dict()
    out.pop("seconds"), api.pop("seconds")  # wall time of each stage
    assert out == api
    # the hypercube has n 2^(n-1) edges; its isometry group has 2^n n! elements (OEIS A000165)
    assert out["edges"] == 4 * 2 ** 3 and out["isometries_checked"] == 2 ** 4 * math.factorial(4) == 384
    assert isometry_count(4) == 384 and isometry_count(9, "sample:7") == 7


def test_hopfield_text_is_the_summary(capsys):
    text = _cli(capsys, "hopfield", "-n", "3", "--rule", "1,1,0,0")
    res = hopfield_study(3, rule=(1, 1, 0, 0))
    assert text.strip() == res.summary()
    assert res["violations"] > 0 and "example:" in text  # a linear term breaks the flip symmetry


def test_hopfield_progress_counts_isometries():
    calls = []
    res = hopfield_study(3, 2, progress=calls.append)
    assert res["isometries_checked"] == 48
    # 48 checks, the first 8 also with networkx (weighted by their cost), after the set-up
    assert len(calls) == 1 + 48 and sum(calls) == hopfield_work(3) and calls[-1] == 1


# --------------------------------------------------------------------------
# the learning channel
# --------------------------------------------------------------------------

CHANNEL = ["--sizes", "4", "--algorithms", "bp,pwgr", "--samples", "3", "--budget", "20", "--seed", "2"]
CHANNEL_KW = dict(sizes=(4,), algorithms=("bp", "pwgr"), samples=3, budget=20, seed=2)


def test_channel_json_is_the_result(capsys, tmp_path):
    out = json.loads(_cli(capsys, "channel", *CHANNEL, "--json", "--out", str(tmp_path / "ch")))
    calls = []
    res = channel_study(progress=calls.append, **CHANNEL_KW)
    assert isinstance(res, Result)
    files = {k: out.pop(k) for k in ("out", "files", "note") if k in out}  # the keys of the files written
    assert files["out"] == str(tmp_path / "ch") and set(files["files"]) == set(os.listdir(tmp_path / "ch"))
    assert _drop_channel_times(out) == _drop_channel_times(res.to_dict())
    # backprop: D = 32 bits per weight for 3 operations per weight; pwgr: D bits for all W = 61 weights
    bp, pwgr = (r for r in out["rows"] if r["W"] == 61)
    assert bp["bits_per_weight"] == 32 and bp["ops_per_weight"] == 3
    assert pwgr["bits_per_weight"] == pytest.approx(32 / 61)
    # the bar's total is the sum of the study's progress calls (ends at exactly 100%)
    assert sum(calls) == channel_work(sizes=(4,), algorithms=("bp", "pwgr"), samples=3, budget=20)


def test_channel_text_is_the_summary(capsys):
    text = _cli(capsys, "channel", *CHANNEL)
    assert text.strip() == channel_study(**CHANNEL_KW).summary()


# --------------------------------------------------------------------------
# deep targets
# --------------------------------------------------------------------------

DEEP = ["--task", "autoencoder", "--seed", "1", "--budget", "2e5", "--no-ablation", "--baselines", "random-features"]


def test_deep_targets_json_is_the_result(capsys, tmp_path):
    out = json.loads(_cli(capsys, "deep-targets", *DEEP, "--json", "--out", str(tmp_path / "dt")))
    calls = []
    res = run_study(("autoencoder",), (1,), 200_000, ablate=False, baselines=("random-features",),
                    progress=calls.append)
    assert isinstance(res, Result)
    files = {k: out.pop(k) for k in ("out", "files", "note") if k in out}  # the keys of the files written
    assert set(files["files"]) <= set(os.listdir(tmp_path / "dt")) and "summary.csv" in files["files"]
    assert _drop_deep_times(out) == _drop_deep_times(res.to_dict())
    assert out["tasks"]["autoencoder"]["layers"] == [32, 16, 6, 16, 32] and out["budget"] == 200_000
    assert sum(calls) == study_units(("autoencoder",), (1,), False, ("random-features",), budget=200_000)
    # the per-seed record is kept for the files
    assert res.runs["tasks"]["autoencoder"][0]["seed"] == 1


def test_deep_targets_text_is_the_summary(capsys):
    text = _cli(capsys, "deep-targets", *DEEP)
    res = run_study(("autoencoder",), (1,), 200_000, ablate=False, baselines=("random-features",))
    strip = lambda s: "\n".join(line.rsplit("  ", 1)[0] if " s" == line[-2:] else line  # noqa: E731
                                for line in s.strip().splitlines())  # without the seconds column
    assert strip(text) == strip(res.summary())


def test_deep_targets_run_is_a_result():
    X, _ = synthetic_data(seed=1)
    cfg = DeepTargetsConfig(epochs=2, seed=1)
    run = deep_targets(X[:64], X[64:96], cfg)
    assert isinstance(run, Result)
    d = run.to_dict()
    assert [row[0] for row in d["curve"]] == [0, 1, 2]  # epoch 0 is the initial network
    # gate evaluations of one forward pass: examples x (16 + 6 + 16 + 32) gates
    assert d["evals"][1] >= 64 * 70
    assert [len(w) for w in d["weights"]] == [16, 6, 16, 32]  # one row of weights (and bias) per gate
    assert "held-out" in run.summary()


# --------------------------------------------------------------------------
# bad output locations: one line, exit 2, before any work, no files
# --------------------------------------------------------------------------

@pytest.mark.parametrize("argv, study", [(["channel", *CHANNEL], "gates.studies.channel_study.channel_study"),
                                         (["deep-targets", *DEEP], "gates.studies.deep_targets_study.run_study")])
def test_bad_out_fails_first(tmp_path, capsys, monkeypatch, argv, study):
    def no_work(*a, **k):
        raise AssertionError("the study ran before the output location was checked")

    monkeypatch.setattr(study, no_work)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    before = set(os.listdir(tmp_path))
    assert main([*argv, "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr()
    assert err.out == "" and len(err.err.strip().splitlines()) == 1 and "--out" in err.err
    assert "Traceback" not in err.err
    assert set(os.listdir(tmp_path)) == before

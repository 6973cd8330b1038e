"""The census and enumeration results: to_dict() is what the CLI prints with --json, summary() its text;
a bad --out fails at once (exit 2, one line, no work, no files)."""

import json
import os
import re

import pytest

from gates.cli.main import main
from gates.learning.protocol import Protocol
from gates.studies.census import shallow_census
from gates.studies.deep_census import deep_census
from gates.studies.enumeration import enumerate_family

# wall-clock keys, which differ between two runs of the same census (popped before comparing)
TIMING = ("seconds",)


def _cli(capsys, argv):
    assert main(argv) == 0
    return capsys.readouterr().out


def _same(cli, api):
    """Field by field, timing keys aside."""
    for d in (cli, api):
        for k in TIMING:
            d.pop(k)
    assert sorted(cli) == sorted(api)
    for key in cli:
        assert cli[key] == api[key], key


CASES = [
    # (CLI arguments, the same census through the API)
    (["learn", "-n", "3", "--restarts", "3"],
     lambda: shallow_census("all", 3, "hebb", protocol=Protocol(restarts=3), seeds=1)),
    (["learn", "-n", "3", "--mode", "exact", "--rule", "oja"],
     lambda: shallow_census("all", 3, "oja", mode="exact", seeds=1)),
    (["learn", "-n", "3", "--family", "threshold", "--classes", "np", "--restarts", "2", "--seeds", "2"],
     lambda: shallow_census("threshold", 3, "hebb", protocol=Protocol(restarts=2), classes="np", seeds=2)),
    (["learn", "-n", "3", "--layers", "2", "--rule", "gradient", "--restarts", "2", "--epochs", "20"],
     lambda: deep_census("all", 3, "gradient", "hebb", protocol=Protocol(restarts=2, epochs=20), seeds=1)),
]


@pytest.mark.parametrize("argv, api", CASES, ids=[" ".join(c[0][1:]) for c in CASES])
def test_learn_json_is_the_result_to_dict(capsys, argv, api):
    cli = json.loads(_cli(capsys, argv + ["--json", "--no-progress"]))
    res = api()
    _same(cli, res.to_dict())
    # the text is the result's summary(), the time aside
    text = _cli(capsys, argv + ["--no-progress"])
    strip = lambda s: re.sub(r"[\d.]+ s\]", "T s]", s)  # noqa: E731
    assert strip(text) == strip(res.summary() + "\n")


def test_learn_exact_counts_in_json(capsys):
    """The 104 threshold functions of n = 3 (OEIS A000609): what gradient learns, by perceptron convergence."""
    cli = json.loads(_cli(capsys, ["learn", "-n", "3", "--rule", "gradient", "--mode", "exact", "--json"]))
    assert cli["learnable"] == 104 and cli["exact"] is True


def test_enumerate_json_is_the_result_to_dict(capsys):
    cli = json.loads(_cli(capsys, ["enumerate", "threshold", "-n", "4", "--classes", "npn", "--json"]))
    res = enumerate_family("threshold", 4, "npn")
    assert (cli["functions"], cli["classes"]) == (1882, 15)  # OEIS A000609, A001530 cumulative
    _same(cli, res.to_dict())
    text = _cli(capsys, ["enumerate", "threshold", "-n", "4", "--classes", "npn"])
    assert text.split("[")[0] == res.summary().split("[")[0]


def test_out_adds_only_file_keys(capsys, tmp_path):
    cli = json.loads(_cli(capsys, ["learn", "-n", "2", "--restarts", "2", "--json", "--out", str(tmp_path / "c")]))
    api = shallow_census("all", 2, "hebb", protocol=Protocol(restarts=2), seeds=1).to_dict()
    assert set(cli) - set(api) == {"out"}
    assert all(os.path.isfile(p) for p in cli["out"])
    out = tmp_path / "t.csv"
    cli = json.loads(_cli(capsys, ["enumerate", "threshold", "-n", "3", "--json", "--out", str(out)]))
    assert set(cli) - set(enumerate_family("threshold", 3).to_dict()) == {"out"} and out.is_file()


def _refused(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and "--out" in err
    return err


@pytest.fixture
def no_work(monkeypatch):
    """Make any census or enumeration fail loudly: a refused --out must stop before them."""
    import gates.studies.census as census
    import gates.studies.deep_census as deep
    import gates.studies.enumeration as enumeration

    def boom(*a, **k):
        raise AssertionError("work started before the output location was checked")

    for mod, names in ((census, ("shallow_census", "census_units")), (deep, ("deep_census", "deep_census_units")),
                       (enumeration, ("enumerate_family", "enumeration_units"))):
        for name in names:
            monkeypatch.setattr(mod, name, boom)


def test_learn_bad_out_fails_first(capsys, tmp_path, no_work):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    _refused(capsys, ["learn", "-n", "4", "--out", str(blocker / "x")])
    _refused(capsys, ["learn", "-n", "4", "--layers", "2", "--out", str(blocker)])
    assert sorted(os.listdir(tmp_path)) == ["a-file"]


def test_enumerate_bad_out_fails_first(capsys, tmp_path, no_work):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    _refused(capsys, ["enumerate", "threshold", "-n", "4", "--out", str(blocker / "t.csv")])
    _refused(capsys, ["enumerate", "threshold", "-n", "4", "--out", str(tmp_path)])  # a folder, not a file
    assert sorted(os.listdir(tmp_path)) == ["a-file"]

"""The `gates` command line: JSON summaries, outputs, and one-line errors."""

import ast
import csv
import importlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from gates.cli.main import main

from . import naive


def run_json(capsys, *argv):
    assert main(list(argv) + ["--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out  # exactly one JSON object
    return json.loads(out[0])


@pytest.mark.parametrize(
    "argv, functions, classes",
    [
        (["enumerate", "threshold", "-n", "4", "--classes", "np"], 1882, 27),  # A000609, A000617
        (["enumerate", "threshold", "-n", "5", "--classes", "npn"], 94572, 63),
        (["enumerate", "all", "-n", "3", "--classes", "npn"], 256, 14),  # A000370
        (["enumerate", "monotone", "-n", "5", "--classes", "p"], 7581, 210),  # A000372, A003182
        (["enumerate", "monotone", "-n", "5", "--count"], 7581, None),
        (["enumerate", "threshold", "-n", "6", "--count"], 15028134, None),
        (["enumerate", "all", "-n", "4", "--count"], 65536, None),
    ],
)
def test_enumerate_json_counts(capsys, argv, functions, classes):
    s = run_json(capsys, *argv)
    assert s["functions"] == functions
    assert s["family"] == argv[1] and s["n"] == int(argv[3])
    assert s.get("classes") == classes
    assert s["seconds"] >= 0


def test_enumerate_hex_out_matches_bruteforce(tmp_path, capsys):
    out = tmp_path / "t3.csv"
    s = run_json(capsys, "enumerate", "threshold", "-n", "3", "--out", str(out))
    assert s["functions"] == 104
    with open(out) as fh:
        rows = list(csv.DictReader(fh))
    assert [r["table"] for r in rows] == [naive.to_hex(v, 3) for v in sorted(naive.threshold_functions_bruteforce(3))]
    for r in rows:
        v = naive.from_hex(r["table"], 3)
        w = [int(x) for x in r["weights"].split()]
        assert naive.gate_margin(v, 3, w, int(r["bias"])) > 0
    meta = json.loads((tmp_path / "t3.manifest.json").read_text())
    assert meta["protocol"]["family"] == "threshold" and meta["files"] == ["t3.csv"]
    assert meta["versions"]["numpy"] == np.__version__
    assert "enumerate threshold -n 3" in meta["command"]


def test_enumerate_npy_classes(tmp_path, capsys):
    out = tmp_path / "m4.npy"
    run_json(capsys, "enumerate", "monotone", "-n", "4", "--classes", "p", "--out", str(out), "--format", "npy")
    arr = np.load(out, allow_pickle=False)
    assert set(arr.dtype.names) == {"table", "orbit_size"}
    reps = [int(t[0]) for t in arr["table"]]
    # independent: P classes of the brute-force monotone functions
    expected = sorted({naive.canonical_min(v, 4, "p") for v in naive.monotone_functions(4)})
    assert reps == expected
    assert [int(s) for s in arr["orbit_size"]] == [len(naive.orbit(v, 4, "p")) for v in expected]


def test_tables_quick(tmp_path, capsys):
    s = run_json(capsys, "tables", "--quick", "--out", str(tmp_path))
    assert s["all_agree"] is True
    with open(tmp_path / "counts.csv") as fh:
        rows = list(csv.DictReader(fh))
    got = {(r["family"], r["classes"], int(r["n"])): r for r in rows}
    # spot checks against OEIS, independent of the table's own reference column
    assert got[("threshold", "none", 4)]["functions"] == "1882"
    assert got[("all", "npn", 4)]["num_classes"] == "222"
    assert got[("monotone", "p", 4)]["num_classes"] == "30"
    assert all(r["agrees"] in ("yes", "") for r in rows)
    assert (tmp_path / "counts.md").exists() and (tmp_path / "counts.manifest.json").exists()


def test_tables_only(tmp_path, capsys):
    s = run_json(capsys, "tables", "--quick", "--only", "shallow_monotone", "--out", str(tmp_path))
    assert s["tables"] == ["shallow_monotone"]
    assert sorted(os.listdir(tmp_path)) == ["shallow_monotone.csv", "shallow_monotone.manifest.json",
                                            "shallow_monotone.md"]
    with open(tmp_path / "shallow_monotone.csv") as fh:
        rows = list(csv.DictReader(fh))
    # n <= 4: the monotone threshold functions of A000617; gradient learns every one (perceptron convergence)
    grad = {int(r["n"]): float(r["learnable"]) for r in rows if r["rule"] == "gradient"}
    assert grad == {1: 3, 2: 6, 3: 20, 4: 150}


def gates(*argv, **kw):
    return subprocess.run(
        [sys.executable, "-m", "gates", *argv], capture_output=True, text=True, **kw
    )


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["enumerate", "foo", "-n", "3"], "invalid choice"),
        (["enumerate", "threshold", "-n", "abc"], "invalid int"),
        (["enumerate", "threshold", "-n", "9", "--out", "{out}"], "allowed 0 <= n <= 6"),
        (["enumerate", "monotone", "-n", "7", "--out", "{out}"], "allowed 0 <= n <= 6"),
        (["enumerate", "monotone", "-n", "4", "--classes", "np", "--out", "{out}"], "allowed p"),
        (["enumerate", "all", "-n", "5", "--out", "{out}"], "memory cap"),
        (["enumerate", "all", "-n", "6", "--classes", "npn", "--out", "{out}"], "allowed 0 <= n <= 5"),
        (["enumerate", "threshold", "-n", "3", "--count", "--out", "{out}"], "--count"),
        (["enumerate", "threshold", "-n", "-1"], "allowed 0 <= n"),
        (["learn", "-n", "3", "--layers", "2", "--hidden-rule", "gradient", "--out", "{out}"], "hebb, oja"),
        (["learn", "-n", "3", "--layers", "2", "--mode", "exact", "--order", "simultaneous", "--out", "{out}"],
         "hidden-first"),
        (["learn", "-n", "3", "--layers", "2", "--mode", "exact", "--rule", "hebb", "--classes", "npn",
          "--out", "{out}"], "drop --classes"),
        (["learn", "-n", "3", "--poly", "x - w", "--form", "clamped", "--out", "{out}"],
         "reads neither"),
        (["learn", "-n", "3", "--tolerance", "-1", "--out", "{out}"], "tolerance must be a finite number >= 0"),
        (["learn", "-n", "3", "--tolerance", "nan", "--out", "{out}"], "tolerance must be a finite number >= 0"),
        (["learn", "-n", "3", "--seeds", "0", "--out", "{out}"], "seeds must be an integer >= 1"),
        (["learn", "-n", "3", "--classes", "np", "--members", "1", "--out", "{out}"], "members per class"),
        (["learn", "-n", "5", "--layers", "2", "--family", "monotone", "--classes", "np", "--out", "{out}"],
         "allowed p"),
        (["tables", "--quick", "--extended", "--out", "{out}"], "contradict"),
        (["tables", "--only", "shallow_boolean,foo", "--out", "{out}"], "unknown table; allowed counts"),
        (["tables", "--only", "deep_extended", "--out", "{out}"], "needs --extended"),
        (["verify", "deep-locals"], "theorem 'deep-locals' is unknown: allowed"),
        (["discover", "--degree", "4", "--out", "{out}"], "degree must be 1, 2 or 3"),
        (["discover", "--degree", "3", "--out", "{out}"], "use --max-terms"),
        (["discover", "--coefficients", "1,x", "--out", "{out}"], "comma-separated list of integers"),
        (["discover", "--coefficients", "0", "--out", "{out}"], "a non-zero one"),
        (["expectations", "--degree", "5", "--out", "{out}"], "invalid choice"),
        (["single-unit", "images", "--data", "{out}", "--out", "{out}"], "no such file"),
        (["single-unit", "kmeans"], "invalid choice"),
        (["channel", "--algorithms", "bp,sgd", "--out", "{out}"], "algorithm 'sgd' is unknown: allowed bp"),
        (["channel", "--sizes", "4,x", "--out", "{out}"], "comma-separated list of integers"),
        (["channel", "--k", "0", "--out", "{out}"], "k (perturbations) must be an integer >= 1"),
    ],
)
def test_bad_input_one_line_exit_2_no_file(tmp_path, argv, needle):
    out = tmp_path / "never.csv"
    argv = [a.replace("{out}", str(out)) for a in argv]
    r = gates(*argv, env=dict(os.environ, GATES_MEMORY_CAP="8G"))
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr and needle in lines[0]
    assert r.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_console_script_and_module_agree():
    r = gates("enumerate", "threshold", "-n", "2", "--json")
    assert r.returncode == 0
    assert json.loads(r.stdout)["functions"] == 14
    r = gates("enumerate", "--help")
    assert r.returncode == 0 and "--classes" in r.stdout and "kitty" in r.stdout


def test_verify_deep_local_json(tmp_path, capsys):
    s = run_json(capsys, "verify", "deep-local", "--out", str(tmp_path))
    assert s["holds"] is True and [c["name"] for c in s["checks"]] == ["deep-local"]
    summary = s["checks"][0]["evidence"]["summary"]
    # all 256 functions of 3 inputs and 20 teachers; the constants 0 and ff lie in the feature span
    assert summary["targets"] == 276 and {"0", "ff"} <= {t["target"] for t in summary["trivial_targets"]}
    assert summary["backprop_critical"] == 276 and summary["nontrivial_without_gap"] == []
    assert (tmp_path / "deep_local.csv").exists() and (tmp_path / "deep_local.manifest.json").exists()
    report = json.loads((tmp_path / "verify.json").read_text())
    assert report["holds"] is True and report["checks"][0]["name"] == "deep-local"


def test_polynomial_rule_commands_print_one_json_object(tmp_path, capsys):
    import math

    s = run_json(capsys, "expectations", "--out", str(tmp_path / "ex"))
    # monomials O^a x^b w^c T^d of degree <= 3: C(7, 3); without T: C(6, 3)
    assert s["terms"] == math.comb(7, 3) and s["unsupervised"] == math.comb(6, 3)
    assert (tmp_path / "ex" / "expectations.tex").exists()
    meta = json.loads((tmp_path / "ex" / "expectations.manifest.json").read_text())
    assert meta["files"] == ["expectations.tex", "expectations.csv", "expectations.md"]
    s = run_json(capsys, "discover", "--degree", "1")
    assert s["summary"]["raw_rules"] == 3**4 - 1 and len(s["top"]) == 10
    s = run_json(capsys, "single-unit", "supervised-hebb", "--datasets", "10")
    assert {k: v["datasets"] for k, v in s["summary"].items()} == {
        "near-orthogonal": 10, "orthogonal": 10, "orthogonal-bias": 10, "common-orthant": 10}


def test_single_unit_images_reports_control_and_tanh_unit(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "x.npy", rng.uniform(size=(60, 16)))
    np.save(tmp_path / "y.npy", np.arange(60) % 3)
    data = f"{tmp_path / 'x.npy'},{tmp_path / 'y.npy'}"
    s = run_json(capsys, "single-unit", "images", "--data", data, "--digit", "1", "--out", str(tmp_path / "o"))
    assert s["riccati"]["settings"]["role"] == "control: rule does not read O"
    t = s["riccati_tanh"]
    assert t["settings"]["role"] == "reads O" and t["settings"]["images"] == 20 and t["settings"]["digit"] == 1
    assert {"r2", "max_rel_error", "o_free_clock", "approximation", "mean_ode"} <= set(t)
    assert "riccati_tanh_images.csv" in s["files"]
    assert main(["single-unit", "images", "--data", str(tmp_path / "x.npy")]) == 0  # no labels: no control
    out = capsys.readouterr().out
    assert "no labels" in out and "tanh unit, rule reads O" in out and "all images" in out


def test_channel_prints_one_json_object(tmp_path, capsys):
    s = run_json(capsys, "channel", "--sizes", "2,4", "--samples", "10", "--algorithms", "bp,pwlr,pwgr",
                 "--budget", "50", "--out", str(tmp_path))
    rows = {(r["W"], r["algorithm"]): r for r in s["rows"]}
    # (8, h, h, 1) nets: W = 9h + (h + 1) h + (h + 1)
    assert sorted({w for w, _ in rows}) == [9 * h + (h + 1) * h + h + 1 for h in (2, 4)]
    for (W, a), r in rows.items():
        # bits per weight: D = 32 per weight for bp and pwlr, one 32-bit scalar shared by W for pwgr
        assert r["bits_per_weight"] == pytest.approx({"bp": 32, "pwlr": 32, "pwgr": 32 / W}[a])
    assert s["recurrent"]["bptt_max_rel_error"] < 1e-6
    assert (tmp_path / "channel_rates.manifest.json").exists()
    # every exponent says whether it is an identity of the counts or a measurement
    assert {f["kind"] for f in s["rate_fits"]} == {"identity"}
    assert {f["kind"] for f in s["fits"] + s["improvement_fits"]} == {"measured"}
    assert {r["rate_kind"] for r in s["rows"]} == {"identity"}


# --------------------------------------------------------------------------
# gates learn: encodings and forms
# --------------------------------------------------------------------------


def test_learn_poly_form_clamped_equals_the_target_poly(tmp_path, capsys):
    """--poly 'O*x' --form clamped is --poly 'T*x' (O replaced by T), row for row."""
    common = ["learn", "-n", "3", "--epochs", "5", "--restarts", "3", "--exhaustive"]
    a = run_json(capsys, *common, "--poly", "O*x", "--form", "clamped", "--out", str(tmp_path / "a"))
    b = run_json(capsys, *common, "--poly", "T*x", "--out", str(tmp_path / "b"))
    assert a["rule"]["terms"] == b["rule"]["terms"] == [[1.0, 0, 1, 0, 1]]
    assert a["rule"]["form"] == "clamped" and a["learnable"] == b["learnable"]
    assert (tmp_path / "a" / "census.csv").read_text() == (tmp_path / "b" / "census.csv").read_text()
    # without --form the polynomial runs as written: O*x is unsupervised Hebb, not T*x
    c = run_json(capsys, *common, "--poly", "O*x")
    assert c["rule"]["form"] == "unsupervised" and c["rule"]["terms"] == [[1.0, 1, 1, 0, 0]]


@pytest.mark.parametrize("extra, handling, terms", [
    ([], "recoded", [[4.0, 0, 1, 0, 1], [-2.0, 0, 1, 0, 0], [-2.0, 0, 0, 0, 1], [1.0, 0, 0, 0, 0]]),
    (["--literal-encoding"], "literal", [[1.0, 0, 1, 0, 1]]),
])
def test_learn_01_records_the_encoding_handling(tmp_path, capsys, extra, handling, terms):
    out = tmp_path / "run"
    s = run_json(capsys, "learn", "-n", "2", "--rule", "hebb", "--encoding", "01", "--epochs", "5",
                 "--restarts", "2", "--out", str(out), *extra)
    meta = json.loads((out / "census.manifest.json").read_text())
    assert s["protocol"]["encoding_handling"] == meta["protocol"]["encoding_handling"] == handling
    assert s["protocol"]["recode"] is meta["protocol"]["recode"] is (handling == "recoded")
    assert s["rule"]["encoding_handling"] == meta["rule"]["encoding_handling"] == handling
    assert sorted(map(tuple, s["rule"]["terms"])) == sorted(map(tuple, terms))
    # two layers: hidden and output rules follow the same option
    d = run_json(capsys, "learn", "-n", "2", "--layers", "2", "--hidden", "2", "--rule", "oja", "--encoding", "01",
                 "--epochs", "3", "--restarts", "2", *extra)
    assert d["rule"]["encoding_handling"] == d["net"]["hidden_rule_encoding_handling"] == handling
    assert d["protocol"]["encoding_handling"] == handling


def test_learn_protocol_options_come_from_the_protocol_fields():
    from dataclasses import fields

    from gates.cli.main import build_parser
    from gates.cli.protocol_options import protocol_from
    from gates.learning.protocol import Protocol

    parse = build_parser().parse_args
    assert protocol_from(parse(["learn", "-n", "3"])) == Protocol()
    p = protocol_from(parse(["learn", "-n", "3", "--encoding", "01", "--literal-encoding", "--no-bias", "--init",
                             "zeros", "--init-scale", "0.5", "--presentation", "cyclic", "--epochs", "7", "--eta0",
                             "0.3", "--schedule", "constant", "--restarts", "2", "--criterion", "any-epoch",
                             "--seed", "4", "--tolerance", "1e-3"]))
    assert p == Protocol("01", False, "zeros", 0.5, "cyclic", 7, 0.3, "constant", 2, "any-epoch", 4, 1e-3, False)
    assert len(fields(Protocol)) == 13  # a new field needs its option here and its key in batch jobs


def test_every_command_is_a_module_with_add_arguments_and_run():
    import argparse

    from gates.cli import main as entry
    from gates.cli.main import COMMANDS

    assert entry is main  # gates.cli exposes the entry point
    assert len(COMMANDS) == 11
    for name, module, _ in COMMANDS:
        command = importlib.import_module(module)
        sub = argparse.ArgumentParser().add_subparsers()
        command.add_arguments(sub)
        (parser,) = sub.choices.values()  # one subcommand per module, which runs that module's run
        assert list(sub.choices) == [name]
        assert parser.get_default("func") is command.run, command.__name__


def test_a_command_imports_only_its_own_rooms():
    # `gates --help` lists every command without importing any of them (nor numba); a command imports its
    # own module only, so a cold start pays for the rooms it uses
    code = ("import sys; from gates.cli.main import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('gates.cli.')), 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, "--help"], capture_output=True, text=True).stdout
    assert out.splitlines()[-1] == "['gates.cli.main'] False"
    out = subprocess.run([sys.executable, "-c", code, "hopfield", "--help"], capture_output=True, text=True).stdout
    loaded = ast.literal_eval(out.splitlines()[-1].rsplit(" ", 1)[0])
    from gates.cli.main import COMMANDS

    others = {m for _, m, _ in COMMANDS} - {"gates.cli.hopfield"}
    assert "gates.cli.hopfield" in loaded and not others & set(loaded)  # the shared terminal helpers may come too

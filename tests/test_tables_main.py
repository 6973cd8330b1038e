"""The main job `gates tables`: which tables it writes, its figures, its output check, progress and result."""

import json
import os
import time

import pytest

from gates.cli.main import main
from gates.io import plots
from gates.io.table_figures import FIGURE_SOURCES, write_table_figures
from gates.tables import (FULL, HEADLINE, SPEC, TABLES, cell_seconds, estimate_seconds, regenerate_tables,
                          regeneration_plan, selected_tables)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENUM = os.path.join(ROOT, "enumerations")
PNG = b"\x89PNG\r\n\x1a\n"
needs_matplotlib = pytest.mark.skipif(not plots.have_matplotlib(), reason="matplotlib is not installed")


def run_json(capsys, *argv):
    assert main(list(argv) + ["--json", "--no-progress"]) == 0
    captured = capsys.readouterr()
    out = captured.out.strip().splitlines()
    assert len(out) == 1, out
    return json.loads(out[0]), captured.err


# --------------------------------------------------------------------------
# which tables
# --------------------------------------------------------------------------


def test_headline_is_the_tables_the_figures_show():
    assert selected_tables() == ["shallow_boolean", "deep_boolean", "deep_width"] == list(HEADLINE)
    assert {t for srcs in FIGURE_SOURCES.values() for t in srcs} == set(HEADLINE)


def test_full_is_everything_the_old_default_wrote():
    old_default = ["counts", "shallow_boolean", "shallow_monotone", "deep_boolean", "deep_monotone", "deep_width",
                   "shallow_extended"]
    assert selected_tables(full=True) == old_default == list(FULL)
    assert selected_tables(extended=True) == old_default[:6] + ["deep_extended", "shallow_extended"]
    assert selected_tables(extended=True, only=["deep_extended"]) == ["deep_extended"]
    assert set(TABLES) == set(FULL) | {"deep_extended"}


def test_the_estimate_weights_cells_by_their_cost():
    # a full run costs several headline runs (the counts census of n = 8 alone takes minutes)
    assert estimate_seconds(full=True) > 3 * estimate_seconds()
    # the largest cell of the headline costs over a hundred times the smallest
    costs = [cell_seconds(c) for t in HEADLINE for c in SPEC[t]]
    assert max(costs) > 100 * min(costs)
    # a cell an earlier table of the run computed costs (almost) nothing the second time
    plan = dict(regeneration_plan(["shallow_boolean", "deep_boolean"]))
    assert plan["deep_boolean all_n4_L1_hebb_simulate"] == 0 < plan["shallow_boolean all_n4_L1_hebb_simulate"]
    # more seeds, more work
    assert estimate_seconds(seeds=10) > 1.8 * estimate_seconds(seeds=5)


# --------------------------------------------------------------------------
# the output location is checked before any work
# --------------------------------------------------------------------------


def test_bad_out_exits_2_at_once_in_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    t0 = time.perf_counter()
    assert main(["tables", "--out", str(blocker / "x"), "--no-progress"]) == 2
    assert time.perf_counter() - t0 < 5
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out" in err[0] and "Traceback" not in err[0]
    assert sorted(os.listdir(tmp_path)) == ["file"]


@pytest.mark.parametrize("argv, needle", [(["--seeds", "1"], "at least 2 seeds"),
                                          (["--only", "deep_extended"], "needs --extended")])
def test_bad_options_are_refused_before_the_folder_is_made(tmp_path, capsys, argv, needle):
    assert main(["tables", "--out", str(tmp_path / "never"), "--no-progress", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# result, progress, figures
# --------------------------------------------------------------------------


def test_result_is_what_json_prints(tmp_path, capsys):
    printed, _ = run_json(capsys, "tables", "--quick", "--only", "counts", "--out", str(tmp_path))
    result = regenerate_tables(str(tmp_path), quick=True, only=["counts"],
                               command=["gates", "tables", "--quick", "--only", "counts"])
    got = result.to_dict()
    assert printed.pop("seconds") >= 0 and got.pop("seconds") >= 0
    assert got == printed
    assert got["tables"] == ["counts"] and got["figures"] == []  # no figure is drawn from it
    assert got["files"] == ["counts.csv", "counts.md", "counts.manifest.json"]
    assert got["rows"] == 50 and got["all_agree"] is True  # 10 families and class groups, n = 0..4


def test_progress_reports_weighted_steps_and_ends_at_100_percent(tmp_path):
    steps = []
    r = regenerate_tables(str(tmp_path), quick=True, only=["counts", "shallow_extended"], progress=steps.append)
    plan = regeneration_plan(["counts", "shallow_extended"], quick=True)
    assert len(steps) >= len(plan) and all(x >= 0 for x in steps)
    assert sum(steps) == pytest.approx(r["estimated_seconds"], abs=0.06)
    assert r["estimated_seconds"] == pytest.approx(sum(x for _, x in plan), abs=0.1)


@needs_matplotlib
def test_figures_of_the_committed_tables_are_pngs(tmp_path):
    files, note = write_table_figures(ENUM, out_dir=str(tmp_path))
    assert note is None
    assert sorted(os.listdir(tmp_path)) == ["deep_width.png", "figures.manifest.json", "learnable_by_n.png"]
    for name in FIGURE_SOURCES:
        assert (tmp_path / name).read_bytes()[:8] == PNG
    meta = json.loads((tmp_path / "figures.manifest.json").read_text())
    assert meta["files"] == ["learnable_by_n.png", "deep_width.png"]
    source = os.path.join(tmp_path, meta["protocol"]["sources"]["deep_width.png"][0])
    assert os.path.samefile(source, os.path.join(ENUM, "deep_width.csv"))


@needs_matplotlib
def test_a_tiny_run_draws_its_figure_beside_the_tables(tmp_path, capsys):
    s, err = run_json(capsys, "tables", "--quick", "--only", "shallow_boolean", "--seeds", "2", "--out", str(tmp_path))
    assert s["figures"] == [os.path.join("figures", "learnable_by_n.png"),
                            os.path.join("figures", "figures.manifest.json")]
    assert (tmp_path / "figures" / "learnable_by_n.png").read_bytes()[:8] == PNG
    assert "note" not in s and "matplotlib" not in err


def test_without_matplotlib_it_says_so_once_and_writes_the_tables(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(plots, "have_matplotlib", lambda: False)
    files, note = write_table_figures(ENUM, out_dir=str(tmp_path / "figures"))
    assert files == [] and "matplotlib is not installed" in note and not (tmp_path / "figures").exists()
    s, err = run_json(capsys, "tables", "--quick", "--only", "shallow_boolean", "--seeds", "2", "--out", str(tmp_path))
    assert s["figures"] == [] and "matplotlib is not installed" in s["note"]
    assert sum("matplotlib" in line for line in err.splitlines()) == 1
    assert (tmp_path / "shallow_boolean.csv").exists() and not (tmp_path / "figures").exists()

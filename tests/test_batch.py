"""Study adapters of batch jobs: chunks joined equal the interactive commands' results."""

import filecmp
import json

import numpy as np
import pytest

from gates.boolean import threshold_classes as thr
from gates.jobs.adapters import REQUIRED, STUDIES
from gates.studies.census import shallow_census
from gates.learning.protocol import Protocol
from gates.cli.main import main
from gates.errors import InputError

# typed from OEIS, not from gates: A000609 (threshold functions), A000617 (their NP classes)
A000609 = {5: 94572, 6: 15028134, 7: 8378070864}
NP_CLASSES = {5: 119, 6: 1113, 7: 29375}


def spec_of(study, **kw):
    spec = {k: v[1] for k, v in study.keys.items() if v[1] is not REQUIRED}
    spec.update(kw)
    return study.validate(spec)


@pytest.mark.parametrize("n,chunk", [(5, 7), (6, 50)])
def test_np_class_chunks_partition_the_census(n, chunk):
    parents = thr.np_class_parents(n)
    parts = [thr.np_classes_chunk(n, a, min(parents, a + chunk)) for a in range(0, parents, chunk)]
    joined = thr.np_classes_from_parts(n, [p[0] for p in parts], [p[1] for p in parts])
    assert int(joined.orbit_sizes.sum()) == A000609[n] and len(joined.tables) == NP_CLASSES[n]
    ref = thr.np_classes(n)
    assert np.array_equal(joined.tables, ref.tables) and np.array_equal(joined.orbit_sizes, ref.orbit_sizes)
    with pytest.raises(InputError, match="outside"):
        thr.np_classes_chunk(n, 0, parents + 1)


def test_enumerate_study_counts_threshold_n7(tmp_path):
    st = STUDIES["enumerate"]
    spec = spec_of(st, family="threshold", n=7, classes="np", count=True, chunk_size=100)
    plan = st.plan(spec)
    assert len(plan) == -(-thr.np_class_parents(7) // 100)
    out = st.merge(spec, [st.run(spec, c) for c in plan], str(tmp_path), ["test"])
    assert out["functions"] == A000609[7] and out["classes"] == NP_CLASSES[7]
    assert json.loads((tmp_path / "counts.json").read_text())["manifest"]["kind"] == "enumeration-count"
    with pytest.raises(InputError, match="count = true"):
        spec_of(st, family="threshold", n=7, classes="np", count=False)
    with pytest.raises(InputError, match="up to n = 6"):
        spec_of(st, family="monotone", n=7)


@pytest.mark.parametrize("args,kw", [
    (["-n", "3", "--rule", "oja"], {"n": 3, "rule": "oja"}),
    (["-n", "3", "--layers", "2", "--hidden-rule", "oja", "--rule", "gradient"],
     {"n": 3, "layers": 2, "hidden_rule": "oja", "rule": "gradient"}),
    (["-n", "4", "--rule", "hebb", "--mode", "exact", "--exhaustive"],
     {"n": 4, "rule": "hebb", "mode": "exact", "exhaustive": True}),
    (["--family", "threshold", "-n", "5", "--rule", "oja", "--classes", "np"],
     {"family": "threshold", "n": 5, "rule": "oja", "classes": "np"}),
])
def test_learn_chunks_merge_to_the_interactive_census(tmp_path, capsys, args, kw):
    st = STUDIES["learn"]
    spec = spec_of(st, chunk_size=29, **kw)
    plan = st.plan(spec)
    # chunks computed in reverse order: results may not depend on it
    results = [st.run(spec, c) for c in plan[::-1]][::-1]
    st.merge(spec, results, str(tmp_path / "batch"), ["gates", "batch", "merge"])
    assert main(["learn", *args, "--out", str(tmp_path / "interactive")]) == 0
    capsys.readouterr()
    assert filecmp.cmp(tmp_path / "batch" / "census.csv", tmp_path / "interactive" / "census.csv", shallow=False)


def test_learn_several_seeds_and_bad_values(tmp_path):
    st = STUDIES["learn"]
    spec = spec_of(st, n=3, rule="hebb", seeds=[0, 1, 2], chunk_size=50)
    plan = st.plan(spec)
    assert {c["seed"] for c in plan} == {0, 1, 2}
    out = st.merge(spec, [st.run(spec, c) for c in plan], str(tmp_path), ["t"])
    assert [r["seed"] for r in out["seeds"]] == [0, 1, 2] and (tmp_path / "census-seed2.csv").exists()
    # each seed's count is the interactive census of that seed; the merge reports their mean and t interval
    want = [shallow_census("all", 3, "hebb", protocol=Protocol(seed=s)).learnable for s in (0, 1, 2)]
    assert [r["learnable"] for r in out["seeds"]] == want
    assert out["learnable"] == pytest.approx(sum(want) / 3)
    assert out["learnable_ci"][0] <= out["learnable"] <= out["learnable_ci"][1] and out["learnable_se"] is not None
    assert {"robust", "robust_ci", "expected_per_restart", "expected_per_restart_ci"} <= set(out)
    for bad, match in (({"seeds": []}, "non-empty"), ({"seeds": [1, 1]}, "distinct"), ({"layers": 3}, "allowed 1 or 2"),
                       ({"layers": 2, "mode": "exact", "order": "simultaneous"}, "hidden-first"),
                       ({"members": 1, "classes": "np", "n": 4}, "at least|>= 2"), ({"epochs": 0}, "epochs"),
                       ({"n": 9}, "allowed 0 <= n")):
        with pytest.raises(InputError, match=match):
            spec_of(st, **{"n": 3, **bad})


def test_learn_jobs_resolve_rules_like_the_interactive_command(tmp_path, capsys):
    """recode defaults to true, as in `gates learn`; a stored spec from before the key existed (no
    "recode") runs the +-1 formulas literally, as it did, and its poly as written."""
    st = STUDIES["learn"]
    spec = spec_of(st, n=2, rule="hebb", encoding="01", exhaustive=True, epochs=5, restarts=2, chunk_size=5)
    assert spec["recode"] is True and spec["form"] is None
    for recode, flag in ((True, []), (False, ["--literal-encoding"])):
        spec = spec_of(st, n=2, rule="hebb", encoding="01", exhaustive=True, epochs=5, restarts=2, chunk_size=5,
                       recode=recode)
        plan = st.plan(spec)
        st.merge(spec, [st.run(spec, c) for c in plan], str(tmp_path / f"b{recode}"), ["t"])
        assert main(["learn", "-n", "2", "--rule", "hebb", "--encoding", "01", "--exhaustive", "--epochs", "5",
                     "--restarts", "2", "--out", str(tmp_path / f"i{recode}"), *flag]) == 0
        capsys.readouterr()
        assert filecmp.cmp(tmp_path / f"b{recode}" / "census.csv", tmp_path / f"i{recode}" / "census.csv",
                           shallow=False)
    legacy = {k: v for k, v in spec.items() if k != "recode"}
    assert st._protocol(legacy, 0).recode is False
    legacy = {**legacy, "poly": "O*x", "form": "clamped"}  # the old default form, which a poly ignored
    assert st._rows(legacy)[0].rule.terms == ((1.0, 1, 1, 0, 0),)


def test_learn_jobs_take_every_protocol_setting_but_seed():
    from dataclasses import fields

    from gates.learning.protocol import Protocol

    keys = STUDIES["learn"].keys
    for f in fields(Protocol):
        if f.name == "seed":  # a job's root seeds are its `seeds` list
            assert "seed" not in keys
            continue
        types, default, _help = keys[f.name]
        assert default == f.default and (f.type in types if isinstance(types, tuple) else types is f.type)

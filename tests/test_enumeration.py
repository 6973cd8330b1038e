"""The enumeration study: enumerate_family, describe_function, outputs, counts table."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gates.studies.enumeration import OEIS, counts_table, describe_function, enumerate_family, write_enumeration
from gates.errors import InputError, ResourceError

from . import naive
from .strategies import examples

A000609 = [2, 4, 14, 104, 1882, 94572, 15028134]


@pytest.mark.parametrize("n", range(5))
def test_listing_matches_bruteforce(n):
    r = enumerate_family("threshold", n)
    got = [int(t[0]) for t in r.tables]
    if n <= 3:
        assert got == sorted(naive.threshold_functions_bruteforce(n))
    assert r.functions == A000609[n] == len(set(got))
    for t, w, b in zip(got, r.weights.tolist(), r.bias.tolist()):
        assert naive.gate_margin(t, n, w, b) > 0
    m = enumerate_family("monotone", n)
    assert [int(t[0]) for t in m.tables] == sorted(naive.monotone_functions(n))


def test_count_only_and_classes_agree():
    for fam, group in [("threshold", "np"), ("threshold", "npn"), ("threshold", "p"), ("monotone", "p")]:
        for n in range(5):
            c = enumerate_family(fam, n, group, count_only=True)
            full = enumerate_family(fam, n, group)
            assert c.tables is None and c.functions == full.functions == int(full.orbit_sizes.sum())
            assert c.num_classes == full.tables.shape[0]
            ref = {"threshold": A000609, "monotone": [2, 3, 6, 20, 168]}[fam][n]
            assert c.functions == ref


def test_refusals():
    with pytest.raises(InputError):
        enumerate_family("monotone", 4, "npn")
    with pytest.raises(InputError):
        enumerate_family("threshold", 7)  # listing stops at 6
    with pytest.raises(InputError):
        enumerate_family("nope", 3)
    r = enumerate_family("threshold", 3, count_only=True)
    with pytest.raises(InputError):
        write_enumeration(r, "/nonexistent/never.csv")


def test_memory_cap_refusal(monkeypatch):
    monkeypatch.setenv("GATES_MEMORY_CAP", "1M")
    assert enumerate_family("all", 4).functions == 65536  # 512 KiB fits
    with pytest.raises(ResourceError, match="--classes"):
        enumerate_family("all", 5)
    monkeypatch.setenv("GATES_MEMORY_CAP", "100K")
    with pytest.raises(ResourceError):
        enumerate_family("all", 4)


def _threshold_tables(n):
    return sorted(naive.threshold_functions_bruteforce(n))


@examples(60)
@given(st.data())
def test_describe_threshold_function(data):
    n = data.draw(st.integers(1, 3))
    v = data.draw(st.sampled_from(_threshold_tables(n)))
    group = data.draw(st.sampled_from(["np", "npn"]))
    info = describe_function(naive.to_hex(v, n), n, "threshold", group)
    assert info["member"] is True
    assert naive.gate_margin(v, n, info["weights"], info["bias"]) > 0
    rep = naive.from_hex(info["representative"], n)
    # the representative is in the orbit, positive and ordered, and the
    # reported transform reaches it
    orbit = naive.orbit(v, n, group)
    assert rep in orbit and info["orbit_size"] == len(orbit)
    assert naive.is_monotone(rep, n)
    t = info["transform"]
    assert naive.transform(v, n, t["perm"], t["flips"], t["negate"]) == rep
    # every member of the class describes to the same representative
    u = data.draw(st.sampled_from(sorted(orbit)))
    assert describe_function(naive.to_hex(u, n), n, "threshold", group)["representative"] == info["representative"]


@examples(60)
@given(st.integers(0, 4), st.data())
def test_describe_any_function(n, data):
    v = data.draw(st.integers(0, (1 << (1 << n)) - 1))
    info = describe_function(v, n, "threshold")
    assert info["member"] == naive.is_threshold_bruteforce(v, n, 3)
    if not info["member"]:
        a, b = info["witness"]["true_points"], info["witness"]["false_points"]
        assert all(naive.bit(v, p) for p in a) and not any(naive.bit(v, p) for p in b)
        assert [sum(naive.point(p, n)[i] for p in a) for i in range(n)] == [
            sum(naive.point(p, n)[i] for p in b) for i in range(n)
        ]
    g = data.draw(st.sampled_from(["p", "np", "npn"]))
    info = describe_function(v, n, "all", g)
    assert naive.from_hex(info["representative"], n) == naive.canonical_min(v, n, g)
    assert info["orbit_size"] == len(naive.orbit(v, n, g))
    assert describe_function(v, n, "monotone")["member"] == naive.is_monotone(v, n)


def test_counts_table_quick_rows_agree_with_oeis():
    rows = counts_table([("threshold", "np", 5), ("monotone", None, 5), ("all", "npn", 4)])
    by = {(r[0], r[2], r[1]): r for r in rows}
    assert by[("threshold", "np", 5)][3] == 94572 and by[("threshold", "np", 5)][4] == 119
    assert by[("monotone", "none", 5)][3] == 7581
    assert by[("all", "npn", 4)][4] == 222
    assert all(r[7] == "yes" for r in rows)
    assert OEIS[("threshold", None)][1][:7] == A000609


def test_npy_and_hex_outputs_agree(tmp_path):
    r = enumerate_family("threshold", 4, "npn")
    write_enumeration(r, tmp_path / "a.npy", "npy")
    write_enumeration(r, tmp_path / "a.csv", "hex")
    arr = np.load(tmp_path / "a.npy", allow_pickle=False)
    lines = (tmp_path / "a.csv").read_text().splitlines()
    assert lines[0] == "table,orbit_size,weights,bias"
    assert len(lines) - 1 == arr.shape[0] == 15
    for line, rec in zip(lines[1:], arr):
        t, size, w, b = line.split(",")
        assert naive.from_hex(t, 4) == int(rec["table"][0])
        assert int(size) == int(rec["orbit_size"])
        assert [int(x) for x in w.split()] == rec["weights"].tolist() and int(b) == int(rec["bias"])
    assert sum(int(s) for s in arr["orbit_size"]) == 1882

"""Hopfield storage, orientations of the n-cube and isometry invariance, against tests/naive.py."""

import json
import math
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gates.cli.main import main
from gates.errors import InputError
from gates.learning.hopfield import (
    check_invariance,
    dynamics,
    energies,
    isometries,
    isometry_map,
    orientation,
    storage_weights,
    uniqueness_search,
)

from . import naive
from tests.strategies import encodings, examples

rules = st.tuples(*[st.integers(-2, 2)] * 4)


@examples(60)
@given(n=st.integers(1, 5), data=st.data(), rule=rules, encoding=encodings)
def test_orientation_matches_reference(n, data, rule, encoding):
    mem = data.draw(st.lists(st.integers(0, 2**n - 1), min_size=0, max_size=4))
    o = orientation(mem, n, rule, encoding)
    down, ties = naive.hopfield_orientation(mem, n, rule, encoding)
    assert o.edge_set() == down
    assert {(int(a), int(b)) for a, b in o.ties} == ties
    assert len(down) + len(ties) == n * 2 ** (n - 1)  # every edge of the cube, once
    w = storage_weights(mem, n, rule, encoding)
    assert w.tolist() == naive.hopfield_weights(mem, n, rule, encoding)
    assert energies(w, n, encoding).tolist() == [naive.hopfield_energy(w.tolist(), p, n, encoding)
                                                 for p in range(2**n)]


def test_graph_is_the_oriented_hypercube():
    o = orientation([5, 9, 14], 4)
    G = o.graph()
    H = nx.hypercube_graph(4)
    assert set(G.nodes()) == set(H.nodes())
    assert G.number_of_edges() + len(o.ties) == H.number_of_edges()
    assert all(H.has_edge(u, v) for u, v in G.edges())


@examples(40)
@given(n=st.integers(1, 6), data=st.data(), rule=rules, encoding=encodings)
def test_acyclic_without_ties_and_dynamics_never_climb(n, data, rule, encoding):
    # an orientation toward strictly lower energy cannot have a cycle
    mem = data.draw(st.lists(st.integers(0, 2**n - 1), min_size=1, max_size=3))
    o = orientation(mem, n, rule, encoding)
    G = o.graph()
    assert nx.is_directed_acyclic_graph(G)  # ties are left out, so this holds with ties too
    d = dynamics(mem, n, rule, encoding, seed=1, base=o)
    assert d["climbs"] == 0 and d["steps_follow_orientation"]
    assert sum(d["basins"].values()) == 2**n
    if len(o.ties) == 0:
        # without ties every fixed point is a sink of the orientation, and every sink is fixed
        assert set(d["basins"]) == set(o.sinks().tolist())


def test_isometries_are_the_group():
    for n in range(1, 5):
        maps = {tuple(isometry_map(n, p, f).tolist()) for p, f in isometries(n)}
        assert len(maps) == math.factorial(n) * 2**n  # all distinct: the hyperoctahedral group
        for p, f in list(isometries(n))[:: max(1, len(maps) // 20)]:
            g = isometry_map(n, p, f)
            assert sorted(g.tolist()) == list(range(2**n))
            assert g.tolist() == [naive.cube_isometry(q, n, p, f) for q in range(2**n)]
            # an isometry preserves Hamming distance
            for a in range(2**n):
                for b in range(2**n):
                    assert bin(int(g[a]) ^ int(g[b])).count("1") == bin(a ^ b).count("1")


@pytest.mark.parametrize("n", [1, 2, 3, 4, pytest.param(5, marks=pytest.mark.slow)])
def test_hebb_is_invariant_under_every_isometry(n):
    rng = np.random.default_rng(n)
    group = list(isometries(n))
    for _ in range(25 if n < 5 else 8):
        mem = rng.integers(0, 2**n, int(rng.integers(1, 5)))
        base = orientation(mem, n)
        for p, f in group:
            # by the reference: storing the images gives the image of the orientation
            down, ties = naive.hopfield_orientation(mem, n, (0, 0, 1, 0))
            down_g, ties_g = naive.hopfield_orientation([naive.cube_isometry(int(m), n, p, f) for m in mem], n,
                                                         (0, 0, 1, 0))
            image = {(naive.cube_isometry(a, n, p, f), naive.cube_isometry(b, n, p, f)) for a, b in down}
            assert image == down_g
            assert check_invariance(mem, n, p, f, base=base)[0]
            if n > 3:
                break  # the reference for one isometry per memory set; gates for all below
        if n > 3:
            assert all(check_invariance(mem, n, p, f, base=base)[0] for p, f in group)


def test_hebb_invariance_with_networkx_relabelling():
    rng = np.random.default_rng(3)
    for n in (3, 6):
        mem = rng.integers(0, 2**n, 3)
        for p, f in isometries(n, "sample:5", seed=n):
            assert check_invariance(mem, n, p, f, use_networkx=True)[0]


def test_a_non_hebb_rule_has_a_replayable_counterexample():
    res = uniqueness_search(3, coeff_range=(0, 1), encodings=("pm1",), memory_sets=6)
    broken = [r for r in res if r["verdict"] == "counterexample"]
    assert broken
    for r in broken[:10]:
        ex = r["example"]
        n, rule = 3, tuple(r["rule"])
        # replay with the reference alone
        down, ties = naive.hopfield_orientation(ex["memories"], n, rule)
        img = [naive.cube_isometry(m, n, ex["perm"], ex["flips"]) for m in ex["memories"]]
        down_g, ties_g = naive.hopfield_orientation(img, n, rule)
        moved = {(naive.cube_isometry(a, n, ex["perm"], ex["flips"]), naive.cube_isometry(b, n, ex["perm"],
                                                                                          ex["flips"])) for a, b in down}
        moved_ties = {tuple(sorted((naive.cube_isometry(a, n, ex["perm"], ex["flips"]),
                                    naive.cube_isometry(b, n, ex["perm"], ex["flips"])))) for a, b in ties}
        assert moved != down_g or moved_ties != ties_g


def test_uniqueness_search_finds_only_multiples_of_hebb():
    res = uniqueness_search(3, coeff_range=(-1, 0, 1))
    survivors = {(r["encoding"], tuple(r["rule"])) for r in res if r["verdict"] != "counterexample"}
    # pm1: multiples of o_i o_j (c0 + 2 c3 = 0 and c1 = 0 leave only c2); zero rules orient nothing
    assert ("pm1", (0, 0, 1, 0)) in survivors and ("pm1", (0, 0, -1, 0)) in survivors
    for enc, (c0, c1, c2, c3) in survivors:
        if enc == "pm1":
            assert c1 == 0 and c0 + 2 * c3 == 0
        else:
            assert c2 == 0 and c0 == 0 and c1 + c3 == 0  # 01: o^2 = o, the rule is (c1 + c3)(o_i + o_j): zero


def test_bad_input():
    with pytest.raises(InputError):
        storage_weights([1], 0)
    with pytest.raises(InputError):
        storage_weights([16], 4)
    with pytest.raises(InputError):
        storage_weights([1], 3, rule=(1, 2))
    with pytest.raises(InputError):
        isometry_map(3, [0, 0, 1], 0)
    with pytest.raises(InputError):
        list(isometries(9))
    with pytest.raises(InputError):
        list(isometries(3, "some"))


def test_cli_json(capsys):
    assert main(["hopfield", "-n", "4", "--memories", "2", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["isometries_checked"] == 384 and s["violations"] == 0 and s["acyclic"] is True
    assert s["states"] == 16 and s["edges"] == 32
    mem = s["memories"]
    down, ties = naive.hopfield_orientation(mem, 4, (0, 0, 1, 0))
    sinks = [p for p in range(16) if not any(a == p for a, _ in down) and not any(p in t for t in ties)]
    assert s["minima"] == len(sinks) and s["memories_as_minima"] == sum(1 for m in mem if m in sinks)
    assert main(["hopfield", "-n", "3", "--rule", "1,1,0,0", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["violations"] > 0 and s["violation_example"] is not None


def test_verify_hopfield_json(capsys):
    assert main(["verify", "hopfield", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["holds"] and len(out["checks"]) == 1
    s = out["checks"][0]["evidence"]
    assert s["hebb_violations"] == 0 and s["hebb_isometries_checked"] > 10000
    kinds = {r["kind"] for r in s["invariant_rules"]}
    assert kinds <= {"hebb", "anti-hebb", "zero"} and "hebb" in kinds


@pytest.mark.parametrize("argv, needle", [
    (["hopfield", "-n", "0"], "1 <= n"),
    (["hopfield", "-n", "4", "--rule", "x"], "--rule"),
    (["hopfield", "-n", "4", "--isometries", "most"], "sample:K"),
    (["hopfield", "-n", "9", "--isometries", "all"], "too many"),
])
def test_cli_bad_input(argv, needle):
    r = subprocess.run([sys.executable, "-m", "gates", *argv], capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == "" and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr

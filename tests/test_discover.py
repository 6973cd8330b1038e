"""Rule discovery: the rule space, its reduction on +-1 gates, the dynamics labels and the censuses."""

import itertools
import math

import numpy as np
import pytest

from gates.studies.census import shallow_census
from gates.studies.discover import (DYNAMICS, dynamics_labels, discover, enumerate_rules, gate_behaviours,
                            monomials, write_discovery)
from gates.errors import InputError
from gates.learning.protocol import Protocol
from gates.learning.rules import parse_poly

from . import naive


def test_monomial_and_rule_counts_closed_form():
    for d in (1, 2, 3):
        # monomials of degree <= d in 3 variables: C(d + 3, 3)
        assert len(monomials(d)) == math.comb(d + 3, 3)
        assert len(set(monomials(d))) == len(monomials(d))
    coefs, monos = enumerate_rules(2)
    assert len(coefs) == 3**10 - 1  # every nonzero vector over {-1,0,1} is primitive
    coefs, _ = enumerate_rules(3, max_terms=2)
    assert len(coefs) == 20 * 2 + math.comb(20, 2) * 4
    assert np.count_nonzero(coefs, axis=1).max() == 2


def test_positive_factor_dedup_by_brute_force():
    coefs, monos = enumerate_rules(1, coefficients=(-2, -1, 0, 1, 2))
    # brute force: keep a vector unless a smaller positive multiple of it is in the set
    keep = set()
    for v in itertools.product(range(-2, 3), repeat=4):
        if any(v) and not any(all(c % k == 0 for c in v) for k in (2,)):
            keep.add(v)
    assert {tuple(r) for r in coefs} == keep


def test_bad_space_is_refused():
    for kw in ({"degree": 4}, {"degree": 0}, {"coefficients": (0,)}, {"coefficients": (0.5, 1)},
               {"max_terms": 0}, {"degree": 3}):
        with pytest.raises(InputError):
            enumerate_rules(**kw)


def test_raw_rules_of_a_behaviour_act_identically_on_gates():
    coefs, monos = enumerate_rules(2)
    reduced, red, inverse, counts = gate_behaviours(coefs, monos)
    assert counts.sum() == len(coefs)
    assert len(reduced) == 7 * 3**7  # constant from {1, O^2, x^2}: -3..3; seven other monomials
    rng = np.random.default_rng(0)
    for i in rng.choice(len(coefs), 300, replace=False):
        raw = [(int(c), a, b, e, 0) for c, (a, b, e) in zip(coefs[i], monos) if c]
        red_terms = [(float(c), a, b, e, 0) for c, (a, b, e) in zip(reduced[inverse[i]], red) if c]
        for O, x in itertools.product((-1.0, 1.0), repeat=2):
            for w in rng.normal(0, 2, 3):
                assert naive.poly_rule_value(raw, O, x, w) == pytest.approx(
                    naive.poly_rule_value(red_terms, O, x, w), abs=1e-9)
    # two behaviours differ somewhere on the gate (they are distinct polynomials in w)
    a, b = reduced[0], reduced[1]
    assert not np.array_equal(a, b)


def _naive_label(rule, clamped, w0):
    p = range(8)
    maj = [1.0 if bin(q).count("1") >= 2 else -1.0 for q in p]
    terms = rule.clamped().terms if clamped else rule.terms
    labels = [naive.gate_batch_dynamics(terms, 3, maj if clamped else [1.0] * 8, w, 0.05, 3000, 1e-5, 1e6)
              for w in w0]
    return max(labels, key=DYNAMICS.index)


@pytest.mark.parametrize("text,unsup", [
    ("O*x", "diverges"), ("O*x - w", "converges"), ("-w", "converges"), ("w", "diverges"),
    ("x - w^2", None), ("O*x + O*w", None), ("1 - O*w + w^2", None), ("-x*w + O", None),
])
def test_dynamics_labels_match_the_naive_simulation(text, unsup):
    rule = parse_poly(text)
    w0 = np.random.default_rng(np.random.SeedSequence([0, 7])).normal(0.0, 1.0, (4, 4))
    for clamped in (False, True):
        got = DYNAMICS[dynamics_labels([rule], clamped, 0)[0]]
        assert got == _naive_label(rule, clamped, w0)
        if not clamped and unsup is not None:
            assert got == unsup  # worked by hand: Hebb grows, Oja-on-gates w -> E[O x~]


def test_census_of_a_behaviour_equals_the_census_of_its_raw_rules():
    # The reduction is sound: raw rules with O^2, x^2 terms count the same functions
    # as their reduced form (the census evaluates O^a at the actual +-1 values).
    for raw, red in (("O^2*x - x*w + O*x", "x - x*w + O*x"), ("O*x - O^2*w", "O*x - w"),
                     ("x^2 + O*x", "1 + O*x")):
        a = shallow_census("all", 3, parse_poly(raw).clamped()).learnable
        b = shallow_census("all", 3, parse_poly(red).clamped()).learnable
        assert a == b


def test_overflowed_weights_never_count_as_learnt():
    # dw = eta w^2 blows up in finite time from a positive weight; before the fix a
    # nan activation compared false both ways and "learnt" every threshold function
    proto = Protocol(epochs=60, eta0=2.0, restarts=3)
    res = shallow_census("all", 2, parse_poly("w^2"), protocol=proto)
    init, orders = proto.draws(3, 4)
    want = 0
    for v in range(16):
        if any(naive.train_gate(v, 2, [(1.0, 0, 0, 2, 0)], False, False, "pm1", True, init[k], orders[k],
                                proto.etas(), False)[0] for k in range(3)):
            want += 1
    assert res.learnable == want


def test_discover_degree_one_and_references(tmp_path):
    res = discover(degree=1)
    s = res["summary"]
    assert s["raw_rules"] == s["behaviours"] == 80  # no squares at degree 1: nothing merges
    # a degree-1 rule cannot be Hebb (degree 2): the references say so
    ref = {r["name"]: r for r in res["references"]}
    assert ref["hebb"]["rank"] is None and ref["gradient"]["shallow_n3"] == 104
    # no degree-1 rule teaches one gate every threshold function: learning needs the x T correlation
    assert s["learn_all_threshold_n3_raw"] == 0
    assert [r["rank"] for r in res.rows] == list(range(1, 81))
    files = write_discovery(res, tmp_path, command=["gates", "discover", "--degree", "1"])
    assert files == ["discover_deg1.csv", "discover_deg1.md", "discover_deg1.manifest.json"]
    assert (tmp_path / "discover_deg1.csv").read_text().count("\n") == 81


@pytest.mark.slow
def test_discover_degree_two_two_terms_ranks_hebb_and_oja():
    res = discover(degree=2, max_terms=2, n4=True)
    ref = {r["name"]: r for r in res["references"]}
    # on +-1 gates Oja (O x - O^2 w) acts as O x - w: in the degree-2 space
    assert ref["oja"]["on_gates"] == "- w + O*x" and ref["oja"]["rank"] is not None
    assert ref["hebb"]["shallow_n3"] == ref["oja"]["shallow_n3"] == 104
    row = next(r for r in res.rows if r["rule"] == "O*x")
    assert row["shallow_n4"] == shallow_census("all", 4, "hebb").learnable

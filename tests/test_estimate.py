"""Estimates: seed means, stratified sampling, random class members, interval coverage."""

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from gates.studies.census import shallow_census
from gates.studies.census_results import stratify
from gates.learning.two_layer import deep_train, hidden_layer
from gates.studies.deep_census import deep_census_rows, deep_result
from gates.errors import InputError
from gates.boolean.orbits import random_members
from gates.estimate import seed_mean, stratified_total
from gates.learning.protocol import Protocol

from . import naive


def test_seed_mean_is_students_t_interval():
    # t_{0.975, 3} = 3.182446305284263 (tables); mean 5, sample sd sqrt(10/3)
    e = seed_mean([2, 4, 6, 8])
    assert e.value == 5.0
    assert e.se == pytest.approx(math.sqrt(20 / 3) / 2)
    assert e.confidence_interval() == pytest.approx((5 - 3.182446305284263 * e.se, 5 + 3.182446305284263 * e.se))
    one = seed_mean([7])
    assert one.value == 7.0 and one.se is None and one.confidence_interval() is None
    with pytest.raises(InputError):
        seed_mean([])


def test_stratified_total_by_hand():
    # classes of 10 and 30 functions; draws 1,0,1,1 and 0,0,0,1
    e = stratified_total([10, 30], np.array([[1, 0, 1, 1], [0, 0, 0, 1]]))
    assert e.value == pytest.approx(10 * 0.75 + 30 * 0.25)
    var = 10**2 * (0.1875 * 4 / 3) / 4 + 30**2 * (0.1875 * 4 / 3) / 4  # s^2 = p(1-p) m/(m-1), p(1-p) = 3/16
    assert e.se == pytest.approx(math.sqrt(var))
    # Satterthwaite df = var^2 / sum(part^2 / (m - 1))
    parts = np.array([10**2, 30**2]) * 0.25 / 4
    df = var**2 / ((parts**2).sum() / 3)
    half = stats.t.ppf(0.975, df) * e.se
    assert e.confidence_interval() == pytest.approx((e.value - half, e.value + half))
    with pytest.raises(InputError, match="at least 2"):
        stratified_total([1], np.array([[1]]))


@pytest.mark.parametrize("group", ["p", "np", "npn"])
def test_random_members_lie_in_the_orbit_and_are_uniform(group):
    """Chi-square goodness of fit to the uniform law on the orbit (naive group action)."""
    n, rep = 3, 0b00000010  # the minterm x0 x1' x2': orbits of 3 (P), 8 (NP), 16 (NPN)
    orbit = sorted(naive.orbit(rep, n, group))
    draws = random_members([rep], n, group, 4000, np.random.default_rng(11))
    assert set(draws.tolist()) <= set(orbit)
    counts = np.array([(draws == v).sum() for v in orbit])
    assert stats.chisquare(counts).pvalue > 1e-3
    # mutant: a sampler that never negates inputs is not uniform on an NP(N) orbit, and the test sees it
    if group != "p":
        biased = random_members([rep], n, "p", 4000, np.random.default_rng(11))
        bc = np.array([(biased == v).sum() for v in orbit])
        assert stats.chisquare(bc).pvalue < 1e-6


def test_random_members_bad_input():
    with pytest.raises(InputError, match="group"):
        random_members([1], 2, "pn", 2, np.random.default_rng(0))
    with pytest.raises(InputError, match="members per class"):
        random_members([1], 2, "np", 0, np.random.default_rng(0))


# --------------------------------------------------------------------------
# coverage: the stratified interval covers the seed's exhaustive count
# --------------------------------------------------------------------------


def coverage(n, hid, top, seeds, members, fixed=False):
    """How often the stratified 95% interval covers the seed's exhaustive two-layer count.

    `fixed`: the old estimator (the fixed representative of each class, repeated), the mutant.
    """
    rows_all, net = deep_census_rows("all", n, top, hid)
    rows_cls, _ = deep_census_rows("all", n, top, hid, classes="npn")
    hits = 0
    for s in range(seeds):
        p = Protocol(seed=s)
        layer = hidden_layer(n, net, p)
        exhaustive = int((deep_train(rows_all.tables, n, top, net, p, layer=layer).sum(axis=1) > 0).sum())
        sub = stratify(rows_cls, s, members)
        if fixed:
            sub = dataclasses.replace(sub, tables=np.repeat(rows_cls.tables, members, axis=0))
        learnt = deep_train(sub.tables, n, top, net, p, layer=layer).sum(axis=1)
        e = deep_result(sub, net, p, learnt).quantities()["learnable"]
        hits += e.low <= exhaustive <= e.high
    return hits


def consistent_with_95(hits, trials):
    """Binomial test of the coverage rate against 0.95 (two-sided, level 1%)."""
    return stats.binomtest(hits, trials, 0.95).pvalue > 0.01


@pytest.mark.parametrize("hid,top", [("hebb-tanh", "hebb-tanh"), ("none", "gradient")])
def test_stratified_interval_covers_the_exhaustive_count_n3(hid, top):
    seeds = 40
    assert consistent_with_95(coverage(3, hid, top, seeds, 8), seeds)
    # the mutant: one fixed representative per class (the old estimator) is rejected by the same test
    assert not consistent_with_95(coverage(3, hid, top, seeds, 8, fixed=True), seeds)


@pytest.mark.slow
@pytest.mark.parametrize("hid,top", [("hebb", "gradient"), ("hebb-tanh", "hebb-tanh")])
def test_stratified_interval_covers_the_exhaustive_count_n4(hid, top):
    seeds = 24
    assert consistent_with_95(coverage(4, hid, top, seeds, 8), seeds)
    assert not consistent_with_95(coverage(4, hid, top, seeds, 8, fixed=True), seeds)


def test_shallow_stratified_interval_covers_its_seed():
    """One gate at n = 5 over NP classes: the interval holds the seed's exhaustive (threshold-only) count."""
    p = Protocol(seed=3, epochs=20, restarts=3)
    full = shallow_census("all", 5, "oja", protocol=p).learnable
    est = shallow_census("all", 5, "oja", protocol=p, classes="np", members=8).quantities()["learnable"]
    assert est.low <= full <= est.high and est.se > 0


def test_intervals_are_clipped_to_the_range_of_a_count():
    e = seed_mean([0, 0, 10], bounds=(0, 100))
    raw = seed_mean([0, 0, 10])
    assert raw.low < 0 and e.low == 0 and e.high == raw.high and e.value == raw.value
    s = stratified_total([4, 6], np.array([[1, 1], [0, 1]]), bounds=(0, 10))
    assert s.high == 10 and stratified_total([4, 6], np.array([[1, 1], [0, 1]])).high > 10


# --------------------------------------------------------------------------
# rare outcomes: no class varies within its draws
# --------------------------------------------------------------------------


def draw_rare(rng, sizes, hits, m):
    """Outcomes (C, m): m members drawn without replacement from each class, the first hits[c] of them 1."""
    return np.array([(rng.choice(n, m, replace=False) < h).astype(float) for n, h in zip(sizes, hits)])


def test_zero_hit_bound_by_hand():
    e = stratified_total([3840, 10], np.zeros((2, 2)))
    assert e.value == 0 and e.low == 0 and e.high == pytest.approx(math.log(40) * 3840 / 2)
    o = stratified_total([3840, 10], np.array([[1.0, 1.0], [0.0, 0.0]]))
    assert o.low == pytest.approx(3840 - math.log(40) * 3840 / 2) and o.high == pytest.approx(3840 + math.log(40) * 5)
    assert "zero-hit bound" in e.method


def test_rare_hits_are_covered_where_the_t_interval_is_empty():
    # 200 classes of 2,000 members, 3 of them hiding 5 hits each: almost every draw of 2 members per class
    # sees no hit. The truth (15) must still lie in the interval at >= 95%; the t interval alone ([0, 0]
    # whenever nothing is seen, the old behaviour: the mutant) covers it only when a hit happens to be drawn.
    rng = np.random.default_rng(7)
    sizes = np.full(200, 2000)
    hits = np.zeros(200, int)
    hits[:3] = 5
    trials, covered, covered_t = 300, 0, 0
    for _ in range(trials):
        y = draw_rare(rng, sizes, hits, 2)
        e = stratified_total(sizes, y)
        covered += e.low <= 15 <= e.high
        se = math.sqrt((sizes**2 * y.var(axis=1, ddof=1) / 2).sum())
        covered_t += abs(e.value - 15) <= 12.71 * se  # the widest t interval (1 df) around the same estimate
    assert stats.binomtest(covered, trials, 0.95, alternative="less").pvalue > 0.01
    assert stats.binomtest(covered_t, trials, 0.95, alternative="less").pvalue < 1e-6


def test_seed_intervals_keep_the_within_seed_uncertainty():
    e = seed_mean([0, 0, 0], within=[(0, 5), (0, 7), (0, 3)])
    assert (e.value, e.low, e.high) == (0, 0, 5) and "widened" in e.method
    assert seed_mean([0, 0, 0]).high == 0  # exact per-seed values: nothing to widen
    plain = seed_mean([1, 2, 3])
    narrow = seed_mean([1, 2, 3], within=[(v - 0.1, v + 0.1) for v in (1, 2, 3)])
    assert (narrow.low, narrow.high) == (plain.low, plain.high)  # the t interval already holds them
    wide = seed_mean([1, 2, 3], within=[(0, 50)] * 3)
    assert wide.high == 50 and wide.low == plain.low
    with pytest.raises(InputError, match="one \\(low, high\\) per seed"):
        seed_mean([1, 2], within=[(0, 1)])


def _chow_invariant(words, n, group):
    """ones (folded by output negation for npn) and the sorted |2 c_i - ones|: constant on an orbit."""
    t = sum(int(w) << (64 * k) for k, w in enumerate(words))
    pts = [p for p in range(1 << n) if (t >> p) & 1]
    ones = len(pts)
    chow = sorted(abs(2 * sum((p >> i) & 1 for p in pts) - ones) for i in range(n))
    if group == "p":
        chow = sorted(2 * sum((p >> i) & 1 for p in pts) - ones for i in range(n))
    return (min(ones, (1 << n) - ones) if group == "npn" else ones), chow


def test_random_members_of_two_word_tables_lie_in_the_orbit():
    # n = 7 (two words per table): every draw keeps the representative's Chow invariant, and the draws differ
    w = (1, 2, 1, 3, 1, 1, 2)  # an asymmetric threshold function of 7 inputs
    t = sum(1 << p for p in range(128) if sum(w[i] * ((p >> i) & 1) for i in range(7)) >= 6)
    rep = np.array([t & (2**64 - 1), t >> 64], dtype=np.uint64)
    for group in ("p", "np", "npn"):
        draws = random_members(rep[None], 7, group, 6, np.random.default_rng(5))
        assert draws.shape == (6, 2) and len({tuple(d) for d in draws.tolist()}) > 1
        want = _chow_invariant(rep, 7, group)
        assert all(_chow_invariant(d, 7, group) == want for d in draws)
    # the invariant can fail: a table with one bit moved is not in the orbit
    moved = rep.copy()
    moved[1] ^= np.uint64(1)
    assert _chow_invariant(moved, 7, "npn") != _chow_invariant(rep, 7, "npn")

"""Tests of gates.boolean.threshold_classes: NP/NPN classes and listings, counts from OEIS."""

import random

import numpy as np
import pytest

from . import naive
from gates.boolean import threshold_classes as TC
from gates.boolean.gate import gate_margin
from gates.errors import InputError

# A000609: threshold functions of n inputs
THRESHOLD_COUNTS = [2, 4, 14, 104, 1882, 94572, 15028134, 8378070864]
# A000617: NP classes of threshold functions of n or fewer inputs
NP_CLASS_COUNTS = [2, 3, 5, 10, 27, 119, 1113, 29375]
# A001530: NPN classes of threshold functions of exactly n inputs; cumulative sums
NPN_EXACT = [1, 1, 1, 3, 9, 48, 504, 14188]
NPN_CLASS_COUNTS = [sum(NPN_EXACT[: n + 1]) for n in range(8)]

brute = naive.threshold_set


def as_int(row):
    """A table row (uint64 words, least significant first) as a Python int."""
    return sum(int(w) << (64 * k) for k, w in enumerate(row))


# --------------------------------------------------------------------------
# NP and NPN classes
# --------------------------------------------------------------------------


def is_positive_ordered(v, n):
    return naive.is_monotone(v, n) and all(
        naive.at_least_as_desirable(v, n, i, i + 1) for i in range(n - 1)
    )


@pytest.mark.parametrize("n", range(7))
def test_np_classes(n):
    cls = TC.np_classes(n)
    assert cls.n == n and cls.group == "np"
    assert cls.total == THRESHOLD_COUNTS[n]
    assert len(cls.tables) == NP_CLASS_COUNTS[n]
    assert cls.tables.shape == (NP_CLASS_COUNTS[n], 1) and cls.tables.dtype == np.uint64
    assert cls.weights.shape == (len(cls.tables), n) and cls.bias.shape == (len(cls.tables),)
    reps = [as_int(row) for row in cls.tables]
    assert reps == sorted(set(reps))
    for v, w, b in zip(reps, cls.weights, cls.bias):
        assert is_positive_ordered(v, n)
        assert naive.gate_margin(v, n, [int(x) for x in w], int(b)) > 0
    if n <= 4:
        union = set()
        for v, size in zip(reps, cls.orbit_sizes):
            members = naive.orbit(v, n, "np")
            assert len(members) == size
            assert not members & union  # one representative per class
            union |= members
        assert union == brute(n)


def test_np_classes_n7():
    cls = TC.np_classes(7)
    assert cls.total == THRESHOLD_COUNTS[7]
    assert len(cls.tables) == NP_CLASS_COUNTS[7]
    assert cls.tables.shape == (29375, 2)
    reps = [as_int(row) for row in cls.tables]
    assert all(a < b for a, b in zip(reps, reps[1:]))
    assert np.all(gate_margin(cls.tables, 7, cls.weights, cls.bias) > 0)
    rng = random.Random(7)
    for k in rng.sample(range(len(reps)), 20):
        assert is_positive_ordered(reps[k], 7)
        assert naive.gate_margin(reps[k], 7, [int(x) for x in cls.weights[k]], int(cls.bias[k])) > 0


@pytest.mark.parametrize("n", range(8))
def test_npn_classes(n):
    cls = TC.npn_classes(n)
    assert cls.group == "npn"
    assert len(cls.tables) == NPN_CLASS_COUNTS[n]
    assert cls.total == THRESHOLD_COUNTS[n]
    if n > 6:
        return
    reps = [as_int(row) for row in cls.tables]
    np_reps = {as_int(row) for row in TC.np_classes(n).tables}
    assert set(reps) <= np_reps
    for v, w, b in zip(reps, cls.weights, cls.bias):
        # the representative is the smaller of f and its dual, both positive ordered
        assert v <= naive.dual(v, n) and naive.dual(v, n) in np_reps
        assert naive.gate_margin(v, n, [int(x) for x in w], int(b)) > 0
    if n <= 4:
        union = set()
        for v, size in zip(reps, cls.orbit_sizes):
            members = naive.orbit(v, n, "npn")
            assert len(members) == size and not members & union
            union |= members
        assert union == brute(n)


def test_np_classes_rejects():
    with pytest.raises(InputError):
        TC.np_classes(TC.CLASSES_MAX_N + 1)
    with pytest.raises(InputError):
        TC.np_classes(-1)


# --------------------------------------------------------------------------
# listing every threshold function
# --------------------------------------------------------------------------


def check_listing(n, sample):
    tables, weights, bias = TC.threshold_functions(n)
    total = THRESHOLD_COUNTS[n]
    assert tables.shape == (total, 1) and tables.dtype == np.uint64
    assert weights.shape == (total, n) and bias.shape == (total,)
    flat = tables[:, 0]
    assert np.all(flat[1:] > flat[:-1])  # sorted and distinct
    # every row realises its table, so these are `total` distinct threshold functions
    assert np.all(gate_margin(tables, n, weights, bias) > 0)
    rng = random.Random(n)
    for k in rng.sample(range(total), min(sample, total)):
        w = [int(x) for x in weights[k]]
        assert naive.gate_margin(int(flat[k]), n, w, int(bias[k])) > 0
    return flat


@pytest.mark.parametrize("n", range(5))
def test_threshold_functions_small(n):
    flat = check_listing(n, 200)
    assert [int(v) for v in flat] == sorted(brute(n))


def test_threshold_functions_n5():
    check_listing(5, 300)


@pytest.mark.slow
def test_threshold_functions_n6():
    check_listing(6, 300)


def test_threshold_functions_rejects():
    with pytest.raises(InputError):
        TC.threshold_functions(TC.MATERIALISE_MAX_N + 1)


@pytest.mark.parametrize("n", [1, 2, 3, pytest.param(4, marks=pytest.mark.slow)])  # n = 4: 35 s of naive orbits
def test_positive_ordered_form_lands_on_the_census_rep(n):
    reps = {int(t[0]) for t in TC.np_classes(n).tables}
    for v in sorted(naive.threshold_functions_bruteforce(n)):
        rep, perm, flips, size = TC.positive_ordered_form(v, n)
        r = int(rep[0])
        assert naive.transform(v, n, perm, flips) == r
        assert naive.is_monotone(r, n)
        assert all(naive.at_least_as_desirable(r, n, i, i + 1) for i in range(n - 1))
        assert size == len(naive.orbit(v, n, "np"))
        assert r in reps


def test_census_does_not_depend_on_threads():
    TC.clear_cache()
    one = TC.np_classes(6, workers=1)
    TC.clear_cache()
    two = TC.np_classes(6, workers=2)
    assert np.array_equal(one.tables, two.tables)
    assert np.array_equal(one.weights, two.weights) and np.array_equal(one.orbit_sizes, two.orbit_sizes)

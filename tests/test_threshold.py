"""Tests of gates.boolean.threshold: certificates checked independently, counts from OEIS."""

import dataclasses
import random
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from . import naive
from gates.boolean import threshold as Th
from gates.errors import InputError
from gates.boolean.truth import gate_margin

SETTINGS = settings(max_examples=30, deadline=None)
FEW = settings(max_examples=8, deadline=None)

# A000609: threshold functions of n inputs
THRESHOLD_COUNTS = [2, 4, 14, 104, 1882, 94572, 15028134, 8378070864]
# A000617: NP classes of threshold functions of n or fewer inputs
NP_CLASS_COUNTS = [2, 3, 5, 10, 27, 119, 1113, 29375]
# A001530: NPN classes of threshold functions of exactly n inputs; cumulative sums
NPN_EXACT = [1, 1, 1, 3, 9, 48, 504, 14188]
NPN_CLASS_COUNTS = [sum(NPN_EXACT[: n + 1]) for n in range(8)]


@lru_cache(maxsize=None)
def brute(n):
    """Every threshold function of n <= 4 inputs, by listing small integer gates."""
    return frozenset(naive.threshold_functions_bruteforce(n))


def as_int(row):
    """A table row (uint64 words, least significant first) as a Python int."""
    return sum(int(w) << (64 * k) for k, w in enumerate(row))


def words(v, n):
    return np.array(naive.words(v, n), dtype=np.uint64)


def check_certificate(cert, v, n):
    """Check the proof in `cert` without gates: plain arithmetic and naive.py."""
    assert cert.n == n
    assert cert.table == tuple(naive.words(v, n))
    if cert.is_threshold:
        w, b = list(cert.weights), cert.bias
        assert len(w) == n and all(type(x) is int for x in w) and type(b) is int
        assert cert.witness is None
        # f(x) = 1 iff w . x + b > 0, with no activation exactly 0
        assert naive.gate_margin(v, n, w, b) > 0
    else:
        trues, falses = cert.witness
        assert len(trues) == len(falses) > 0
        assert all(0 <= p < 2**n for p in trues + falses)
        assert all(naive.bit(v, p) == 1 for p in trues)
        assert all(naive.bit(v, p) == 0 for p in falses)
        for i in range(n):
            assert sum((p >> i) & 1 for p in trues) == sum((p >> i) & 1 for p in falses)
    assert cert.verify() is True


@st.composite
def gate_tables(draw, n, wmax=6):
    """A threshold function: the table of a random integer gate."""
    n = draw(n) if isinstance(n, st.SearchStrategy) else n
    w = draw(st.lists(st.integers(-wmax, wmax), min_size=n, max_size=n))
    b = draw(st.integers(-wmax * n - 1, wmax * n + 1))
    return n, naive.threshold_gate(w, b, n)


@st.composite
def near_gate_tables(draw, n):
    """A gate's table with one point flipped: usually not threshold, sometimes so."""
    n, v = draw(gate_tables(n))
    return n, v ^ (1 << draw(st.integers(0, 2**n - 1)))


@st.composite
def random_tables(draw, n):
    n = draw(n) if isinstance(n, st.SearchStrategy) else n
    return n, draw(st.integers(0, 2 ** (2**n) - 1))


def any_tables(n):
    return st.one_of(random_tables(n), gate_tables(n), near_gate_tables(n))


# --------------------------------------------------------------------------
# the exact test
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(4))
def test_is_threshold_every_function(n):
    for v in naive.all_functions(n):
        cert = Th.is_threshold(v, n)
        assert cert.is_threshold is (v in brute(n))
        check_certificate(cert, v, n)


def test_is_threshold_every_function_n4():
    for v in naive.all_functions(4):
        cert = Th.is_threshold(words(v, 4), 4)
        assert cert.is_threshold is (v in brute(4))
        check_certificate(cert, v, 4)


@SETTINGS
@given(any_tables(st.just(4)))
def test_is_threshold_n4_matches_bruteforce(nv):
    n, v = nv
    cert = Th.is_threshold(words(v, n), n)
    assert cert.is_threshold is (v in brute(n))
    assert cert.is_threshold is naive.is_threshold_bruteforce(v, n, 3)
    check_certificate(cert, v, n)


@SETTINGS
@given(any_tables(st.integers(5, 6)))
def test_is_threshold_n5_n6(nv):
    n, v = nv
    check_certificate(Th.is_threshold(words(v, n), n), v, n)


@SETTINGS
@given(gate_tables(st.integers(5, 8)))
def test_is_threshold_accepts_gates(nv):
    n, v = nv
    cert = Th.is_threshold(words(v, n), n)
    assert cert.is_threshold
    check_certificate(cert, v, n)


@FEW
@given(any_tables(st.integers(7, 8)))
def test_is_threshold_n7_n8(nv):
    n, v = nv
    check_certificate(Th.is_threshold(words(v, n), n), v, n)


def test_is_threshold_larger_n():
    for n in (9, 12):
        maj = naive.from_func(lambda x: 2 * sum(x) > n, n)
        check_certificate(Th.is_threshold(words(maj, n), n), maj, n)
        assert Th.is_threshold(words(maj, n), n).is_threshold
    parity = naive.from_func(lambda x: sum(x) % 2, 9)
    cert = Th.is_threshold(words(parity, 9), 9)
    assert not cert.is_threshold
    check_certificate(cert, parity, 9)


def test_is_threshold_closed_forms():
    # constants, projections and their complements, AND, OR; XOR and XNOR are not
    for n in range(6):
        for v in (0, 2 ** (2**n) - 1):
            check_certificate(Th.is_threshold(v, n), v, n)
        for i in range(n):
            x = naive.projection(i, n)
            for v in (x, naive.negate(x, n)):
                assert Th.is_threshold(v, n).is_threshold
        if n:
            assert Th.is_threshold(naive.from_func(all, n), n).is_threshold
            assert Th.is_threshold(naive.from_func(any, n), n).is_threshold
    for v in ("6", "9"):
        cert = Th.is_threshold(v, 2)
        assert not cert.is_threshold
        check_certificate(cert, naive.from_hex(v, 2), 2)


@SETTINGS
@given(any_tables(st.integers(1, 6)))
def test_certificate_tampering(nv):
    n, v = nv
    cert = Th.is_threshold(words(v, n), n)
    # a yes-proof has margin > 0 at every point, a no-proof uses its witness
    # points: either way it no longer fits a table that differs at such a point
    p = random.Random(v).randrange(2**n) if cert.is_threshold else cert.witness[0][0]
    flipped = tuple(naive.words(v ^ (1 << p), n))
    assert dataclasses.replace(cert, table=flipped).verify() is False
    if cert.is_threshold:
        assert dataclasses.replace(cert, weights=(0,) * n, bias=0).verify() is False
        assert dataclasses.replace(cert, bias=-cert.bias if cert.bias else 1).verify() is (
            naive.gate_margin(v, n, list(cert.weights), -cert.bias if cert.bias else 1) > 0
        )
    else:
        trues, falses = cert.witness
        assert dataclasses.replace(cert, witness=(falses, trues)).verify() is False
        assert dataclasses.replace(cert, witness=(trues, falses[:1] + falses)).verify() is False
        assert dataclasses.replace(cert, witness=((), ())).verify() is False
        # a true point swapped for another true point breaks the equal sums
        others = [q for q in range(2**n) if naive.bit(v, q) and q != trues[0]]
        if others:
            t2 = (others[0],) + tuple(trues[1:])
            sums_equal = all(
                sum((q >> i) & 1 for q in t2) == sum((q >> i) & 1 for q in falses) for i in range(n)
            )
            assert dataclasses.replace(cert, witness=(t2, falses)).verify() is sums_equal


def test_is_threshold_rejects():
    with pytest.raises(InputError):
        Th.is_threshold(0, Th.TEST_MAX_N + 1)
    with pytest.raises(InputError):
        Th.is_threshold(np.zeros((2, 1), dtype=np.uint64), 3)
    with pytest.raises(InputError):
        Th.is_threshold(256, 3)


# --------------------------------------------------------------------------
# threshold functions under the NPN group
# --------------------------------------------------------------------------


@st.composite
def elements(draw, n):
    perm = draw(st.permutations(range(n)))
    return list(perm), draw(st.integers(0, 2**n - 1)), draw(st.booleans())


@SETTINGS
@given(st.integers(0, 6).flatmap(lambda n: st.tuples(any_tables(st.just(n)), elements(n))))
def test_threshold_is_npn_invariant(case):
    (n, v), s = case
    before = Th.is_threshold(words(v, n), n).is_threshold
    g = naive.transform(v, n, *s)
    cert = Th.is_threshold(words(g, n), n)
    assert cert.is_threshold is before
    check_certificate(cert, g, n)


@SETTINGS
@given(st.one_of(gate_tables(st.integers(0, 6)), near_gate_tables(st.integers(1, 6))))
def test_threshold_functions_are_unate(nv):
    """A gate that depends on x_i has w_i > 0 if f rises in x_i, w_i < 0 if it falls."""
    n, v = nv
    cert = Th.is_threshold(words(v, n), n)
    if not cert.is_threshold:
        return
    assert naive.is_unate(v, n)
    for i, pol in enumerate(naive.polarity(v, n)):
        assert pol != 2
        if pol == 1:
            assert cert.weights[i] > 0
        elif pol == -1:
            assert cert.weights[i] < 0


@pytest.mark.parametrize("n", range(5))
def test_unate_versus_threshold(n):
    """Threshold implies unate; the converse holds for n <= 3 and fails at n = 4."""
    thr = brute(n)
    assert all(naive.is_unate(v, n) for v in thr)
    if n <= 3:
        assert thr == {v for v in naive.all_functions(n) if naive.is_unate(v, n)}
    else:
        # x0 x1 or x2 x3 is monotone but 2-asummable: 0011 + 1100 = 1010 + 0101
        v = naive.from_func(lambda x: x[0] & x[1] | x[2] & x[3], 4)
        assert naive.is_monotone(v, 4) and v not in thr
        cert = Th.is_threshold(v, 4)
        assert not cert.is_threshold
        check_certificate(cert, v, 4)


# --------------------------------------------------------------------------
# NP and NPN classes
# --------------------------------------------------------------------------


def is_positive_ordered(v, n):
    return naive.is_monotone(v, n) and all(
        naive.at_least_as_desirable(v, n, i, i + 1) for i in range(n - 1)
    )


@pytest.mark.parametrize("n", range(7))
def test_np_classes(n):
    cls = Th.np_classes(n)
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
    cls = Th.np_classes(7)
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
    cls = Th.npn_classes(n)
    assert cls.group == "npn"
    assert len(cls.tables) == NPN_CLASS_COUNTS[n]
    assert cls.total == THRESHOLD_COUNTS[n]
    if n > 6:
        return
    reps = [as_int(row) for row in cls.tables]
    np_reps = {as_int(row) for row in Th.np_classes(n).tables}
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
        Th.np_classes(Th.CLASSES_MAX_N + 1)
    with pytest.raises(InputError):
        Th.np_classes(-1)


# --------------------------------------------------------------------------
# listing every threshold function
# --------------------------------------------------------------------------


def check_listing(n, sample):
    tables, weights, bias = Th.threshold_functions(n)
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
        Th.threshold_functions(Th.MATERIALISE_MAX_N + 1)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_positive_ordered_form_lands_on_the_census_rep(n):
    reps = {int(t[0]) for t in Th.np_classes(n).tables}
    for v in sorted(naive.threshold_functions_bruteforce(n)):
        rep, perm, flips, size = Th.positive_ordered_form(v, n)
        r = int(rep[0])
        assert naive.transform(v, n, perm, flips) == r
        assert naive.is_monotone(r, n)
        assert all(naive.at_least_as_desirable(r, n, i, i + 1) for i in range(n - 1))
        assert size == len(naive.orbit(v, n, "np"))
        assert r in reps


def test_census_does_not_depend_on_threads():
    Th._CLASS_CACHE.clear()
    one = Th.np_classes(6, workers=1)
    Th._CLASS_CACHE.clear()
    two = Th.np_classes(6, workers=2)
    assert np.array_equal(one.tables, two.tables)
    assert np.array_equal(one.weights, two.weights) and np.array_equal(one.orbit_sizes, two.orbit_sizes)

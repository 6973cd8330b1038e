"""Tests of gates.boolean.threshold: certificates checked independently."""

import dataclasses
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from . import naive
from .strategies import examples, npn_elements, tables
from gates.boolean import threshold as Th
from gates.errors import InputError

SETTINGS = examples(30)
FEW = examples(8)

brute = naive.threshold_set


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


def any_tables(n):
    return st.one_of(tables(n), gate_tables(n), near_gate_tables(n))


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


@SETTINGS
@given(st.integers(0, 6).flatmap(lambda n: st.tuples(any_tables(st.just(n)), npn_elements(n))))
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

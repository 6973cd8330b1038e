"""Tests of gates.boolean.gate (threshold gates as tables) against tests/naive.py."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from . import naive
from .strategies import encodings, table_batches, tables, ties
from gates.boolean import truth as T
from gates.boolean.gate import gate_margin, threshold_gate
from gates.errors import InputError


def arr(v, n):
    return T.from_int(v, n)


def batch(vs, n):
    return np.stack([T.from_int(v, n) for v in vs])


def ints(out, n):
    """A batch result as a list of Python ints."""
    return T.to_int(out, n)


gate_ns = st.one_of(st.integers(0, 8), st.sampled_from([7, 8]))


@st.composite
def int_gates(draw, n=gate_ns):
    n = draw(n)
    w = draw(st.lists(st.integers(-4, 4), min_size=n, max_size=n))
    return n, w, draw(st.integers(-2 * n - 2, 2 * n + 2))


@st.composite
def half_gates(draw, n=gate_ns):
    """Half-integer float weights and bias: every sum is exact, ties are real."""
    n = draw(n)
    w = [k / 2 for k in draw(st.lists(st.integers(-6, 6), min_size=n, max_size=n))]
    return n, w, draw(st.integers(-2 * n - 2, 2 * n + 2)) / 2


@given(int_gates(), encodings, ties)
def test_threshold_gate_int(g, enc, tie):
    n, w, b = g
    out = threshold_gate(w, b, n, enc, tie)
    assert out.shape == (T.num_words(n),)
    expect = naive.threshold_gate(w, b, n, enc, tie)
    assert T.to_int(out, n) == expect
    assert T.to_int(threshold_gate(np.array(w, dtype=np.int32), np.int8(b), None, enc, tie), n) == expect


@given(half_gates(), encodings, ties)
def test_threshold_gate_float(g, enc, tie):
    n, w, b = g
    out = threshold_gate(np.array(w, dtype=np.float64), b, n, enc, tie)
    assert T.to_int(out, n) == naive.threshold_gate(w, b, n, enc, tie)


@given(st.integers(0, 8), st.integers(1, 4), st.data(), encodings, ties)
def test_threshold_gate_batch(n, N, data, enc, tie):
    flat = data.draw(st.lists(st.integers(-3, 3), min_size=N * n, max_size=N * n))
    W = np.array(flat, dtype=np.int64).reshape(N, n)
    B = np.array(data.draw(st.lists(st.integers(-5, 5), min_size=N, max_size=N)))
    out = threshold_gate(W, B, n, enc, tie)
    assert out.shape == (N, T.num_words(n))
    expect = [naive.threshold_gate([int(w) for w in W[r]], int(B[r]), n, enc, tie) for r in range(N)]
    assert ints(out, n) == expect
    half = threshold_gate(W / 2, B / 2, n, enc, tie)  # same gates, float path
    assert ints(half, n) == expect


def test_threshold_gate_ties():
    # majority of 3 with bias exactly at the tie: x0 + x1 + x2 - 2 > 0 vs >= 0
    maj = naive.from_func(lambda x: sum(x) >= 2, 3)
    all3 = naive.from_func(lambda x: sum(x) == 3, 3)
    assert T.to_int(threshold_gate([1, 1, 1], -2, tie="strict"), 3) == all3
    assert T.to_int(threshold_gate([1, 1, 1], -2, tie="nonstrict"), 3) == maj
    assert T.to_int(threshold_gate([1.0, 1.0, 1.0], -1.5), 3) == maj
    assert T.to_int(threshold_gate([1, 1, 1], 0, encoding="pm1"), 3) == maj
    # n = 0: the constant [b > 0]
    assert T.to_int(threshold_gate([], 0, 0, tie="strict"), 0) == 0
    assert T.to_int(threshold_gate([], 0, 0, tie="nonstrict"), 0) == 1
    assert T.to_int(threshold_gate(np.zeros(0, dtype=np.int64), 1, 0), 0) == 1


def test_threshold_gate_rejects():
    for kw in ({"encoding": "+-1"}, {"tie": "weak"}):
        with pytest.raises(InputError):
            threshold_gate([1, 1], 0, **kw)
    with pytest.raises(InputError):
        threshold_gate([1, 1], 0, 3)
    with pytest.raises(InputError):
        threshold_gate(np.zeros((1, 1, 2)), 0)
    with pytest.raises(InputError):
        threshold_gate([1.0, np.inf], 0)
    with pytest.raises(InputError):
        threshold_gate([1.0, 1.0], np.nan)
    with pytest.raises(InputError):
        threshold_gate([1] * (T.MAX_N + 1), 0)


@given(tables(gate_ns), st.data(), encodings)
def test_gate_margin(nv, data, enc):
    n, v = nv
    w = data.draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n))
    b = data.draw(st.integers(-12, 12))
    m = gate_margin(arr(v, n), n, w, b, enc)
    assert type(m) is int
    assert m == naive.gate_margin(v, n, w, b, enc)
    # the gate's own table has margin >= 0 under either tie, > 0 iff no tie
    for tie in ("strict", "nonstrict"):
        own = naive.threshold_gate(w, b, n, enc, tie)
        assert gate_margin(own, n, w, b, enc) == naive.gate_margin(own, n, w, b, enc) >= 0


@given(table_batches(st.integers(0, 8)), st.data(), encodings)
def test_gate_margin_batch(nvs, data, enc):
    n, vs = nvs
    flat = data.draw(st.lists(st.integers(-5, 5), min_size=len(vs) * n, max_size=len(vs) * n))
    W = np.array(flat, dtype=np.int64).reshape(len(vs), n)
    B = np.array(data.draw(st.lists(st.integers(-9, 9), min_size=len(vs), max_size=len(vs))))
    m = gate_margin(batch(vs, n), n, W, B, enc)
    assert m.tolist() == [naive.gate_margin(v, n, list(W[r]), int(B[r]), enc) for r, v in enumerate(vs)]


@pytest.mark.parametrize("n", range(4))
def test_gate_margin_certifies_threshold_functions(n):
    # every threshold function has an integer certificate of positive margin
    for v in naive.threshold_functions_bruteforce(n):
        w, b = naive.threshold_realization_bruteforce(v, n, 3)
        assert gate_margin(v, n, w, b) > 0
        for tie in ("strict", "nonstrict"):
            assert T.to_int(threshold_gate(w, b, n, tie=tie), n) == v


def test_gate_margin_rejects():
    f = T.constant(1, 2)
    with pytest.raises(InputError):
        gate_margin(f, 2, [0.5, 1.0], 0)
    with pytest.raises(InputError):
        gate_margin(f, 2, [1, 1], 0, encoding="pm")
    with pytest.raises(InputError):
        gate_margin(f, 2, [[1, 1], [1, 0]], [0, 0])
    with pytest.raises(InputError):
        gate_margin(f, 2, [1, 1, 1], 0)

"""Tests of gates.boolean.truth against the pure-Python references in tests/naive.py."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from . import naive
from .strategies import npn_elements, table_batches, tables
from gates.boolean import truth as T
from gates.boolean import operations as Ops
from gates.boolean import properties as Props
from gates.boolean.words import swap_rows
from gates.errors import InputError


def arr(v, n):
    return T.from_int(v, n)


def batch(vs, n):
    return np.stack([T.from_int(v, n) for v in vs])


def ints(out, n):
    """A batch result as a list of Python ints."""
    return T.to_int(out, n)


# --------------------------------------------------------------------------
# sizes and conversion
# --------------------------------------------------------------------------


def test_num_words():
    assert [T.num_words(n) for n in range(T.MAX_N + 1)] == [1] * 7 + [2**k for k in range(1, 11)]


def test_check_n():
    assert T.check_n(np.int64(5)) == 5 and type(T.check_n(np.int64(5))) is int
    assert T.check_n(0) == 0 and T.check_n(T.MAX_N) == T.MAX_N
    for bad in (-1, T.MAX_N + 1, 1.0, "3", True, None):
        with pytest.raises(InputError):
            T.check_n(bad)
    assert T.check_n(3, lo=3, hi=3) == 3
    with pytest.raises(InputError, match="2 <= n <= 4"):
        T.check_n(5, 2, 4)


@given(tables())
def test_from_int_words_and_bits(nv):
    n, v = nv
    a = T.from_int(v, n)
    assert a.dtype == np.uint64 and a.shape == (T.num_words(n),)
    assert [int(w) for w in a] == naive.words(v, n)
    assert T.to_int(a, n) == v
    assert T.to_int(v, n) == v


def test_from_int_rejects():
    for n in (0, 1, 3, 6, 7):
        with pytest.raises(InputError):
            T.from_int(2 ** (2**n), n)
        with pytest.raises(InputError):
            T.from_int(-1, n)


@given(tables())
def test_to_hex(nv):
    n, v = nv
    expect = naive.to_hex(v, n)
    assert T.to_hex(arr(v, n), n) == expect
    assert T.to_hex(v, n) == expect
    assert len(expect) == max(1, 2**n // 4)


@given(tables())
def test_from_hex(nv):
    n, v = nv
    s = naive.to_hex(v, n)
    assert naive.from_hex(s, n) == v
    for text in (s, s.upper(), "0x" + s, "0X" + s.upper()):
        assert T.to_int(T.from_hex(text, n), n) == v


def test_hex_known_tables():
    # kitty/ABC spellings of familiar functions
    assert T.to_hex(T.projection(0, 3), 3) == "aa"
    assert T.to_hex(T.projection(2, 3), 3) == "f0"
    assert T.to_int(T.from_hex("e8", 3), 3) == naive.from_func(lambda x: sum(x) >= 2, 3)
    assert T.to_int(T.from_hex("8", 2), 2) == naive.from_func(lambda x: x[0] & x[1], 2)
    assert T.to_hex(T.constant(1, 0), 0) == "1"
    assert T.to_hex(T.constant(1, 1), 1) == "3"
    assert T.to_hex(T.projection(6, 7), 7) == "f" * 16 + "0" * 16


@given(tables(), st.data())
def test_from_hex_rejects(nv, data):
    n, v = nv
    s = naive.to_hex(v, n)
    with pytest.raises(InputError):
        T.from_hex(s + "0", n)
    with pytest.raises(InputError):
        T.from_hex(s[1:] if len(s) > 1 else "", n)
    pos = data.draw(st.integers(0, len(s) - 1))
    bad = data.draw(st.sampled_from("gGxz_+- .\u0661"))
    with pytest.raises(InputError):
        T.from_hex(s[:pos] + bad + s[pos + 1 :], n)


def test_from_hex_rejects_specific():
    for text, n in [
        ("2", 0), ("f", 0), ("4", 1), ("10", 2), ("", 3), ("e", 3), ("0e8", 3),
        ("0x", 3), ("0x0xe8", 4), ("0xe8", 4), ("+e8", 4), ("e_88", 4), (" e8 8", 4),
        ("-e8", 3), ("\u0661\u0662", 3),
    ]:
        with pytest.raises(InputError):
            T.from_hex(text, n)
    with pytest.raises(InputError):
        T.from_hex(0xE8, 3)
    with pytest.raises(InputError):
        T.from_hex(b"e8", 3)


# --------------------------------------------------------------------------
# as_tables
# --------------------------------------------------------------------------


@given(table_batches())
def test_as_tables_forms(nvs):
    n, vs = nvs
    W = T.num_words(n)
    expect = [naive.words(v, n) for v in vs]
    signed = batch(vs, n).astype(np.int64) if n < 6 else batch(vs, n)
    for form in (batch(vs, n), vs, [naive.to_hex(v, n) for v in vs], signed):
        a, single = T.as_tables(form, n)
        assert not single and a.dtype == np.uint64 and a.shape == (len(vs), W)
        assert a.flags.c_contiguous
        assert [[int(w) for w in row] for row in a] == expect
    for form in (vs[0], naive.to_hex(vs[0], n), arr(vs[0], n), np.uint64(vs[0]) if n <= 6 else vs[0]):
        a, single = T.as_tables(form, n)
        assert single and a.shape == (1, W)
        assert [int(w) for w in a[0]] == expect[0]


def test_as_tables_rejects():
    for n in (0, 3, 6, 7, 8):
        W = T.num_words(n)
        for wrong in {W - 1, W + 1, 2 * W} - {0}:
            with pytest.raises(InputError, match="word"):
                T.as_tables(np.zeros(wrong, dtype=np.uint64), n)
            with pytest.raises(InputError, match="word"):
                T.as_tables(np.zeros((2, wrong), dtype=np.uint64), n)
        with pytest.raises(InputError):
            T.as_tables(np.zeros((1, 1, W), dtype=np.uint64), n)
        with pytest.raises(InputError):
            T.as_tables(np.full(W, -1, dtype=np.int64), n)
        with pytest.raises(InputError):
            T.as_tables(np.zeros(W, dtype=np.float64), n)
        with pytest.raises(InputError):
            T.as_tables(2 ** (2**n), n)
    for n in range(6):  # bits beyond 2^n inside the single word
        with pytest.raises(InputError):
            T.as_tables(np.array([1 << (2**n)], dtype=np.uint64), n)
        with pytest.raises(InputError):
            T.as_tables(np.array([[0], [1 << 63]], dtype=np.uint64), n)
    with pytest.raises(InputError):
        T.as_tables(np.zeros(1, dtype=np.uint64), T.MAX_N + 1)
    with pytest.raises(InputError):
        T.as_tables(np.zeros(1, dtype=np.uint64), -1)


# --------------------------------------------------------------------------
# constants, projections, counts
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(9))
def test_constant(n):
    for c in (0, 1, False, True):
        assert T.to_int(T.constant(c, n), n) == naive.constant(int(c), n)
    with pytest.raises(InputError):
        T.constant(2, n)


@pytest.mark.parametrize("n", range(1, 10))
def test_projection(n):
    for i in range(n):
        p = T.projection(i, n)
        assert p.dtype == np.uint64 and p.shape == (T.num_words(n),)
        assert T.to_int(p, n) == naive.projection(i, n)
    for bad in (-1, n, 1.0, True):
        with pytest.raises(InputError):
            T.projection(bad, n)


def test_projection_needs_an_input():
    with pytest.raises(InputError):
        T.projection(0, 0)


@given(tables())
def test_popcount(nv):
    n, v = nv
    assert T.popcount(arr(v, n), n) == naive.popcount(v)
    assert T.popcount(v, n) == naive.popcount(v)


@given(table_batches())
def test_popcount_batch(nvs):
    n, vs = nvs
    out = T.popcount(batch(vs, n), n)
    assert out.dtype == np.int64
    assert out.tolist() == [naive.popcount(v) for v in vs]


# --------------------------------------------------------------------------
# cofactors, flips, permutations, transforms
# --------------------------------------------------------------------------


@st.composite
def table_and_var(draw, n=st.one_of(st.integers(1, 8), st.sampled_from([7, 8]))):
    n, v = draw(tables(n))
    return n, v, draw(st.integers(0, n - 1))


@given(table_and_var(), st.sampled_from([0, 1]))
def test_cofactor(nvi, c):
    n, v, i = nvi
    out = Ops.cofactor(arr(v, n), n, i, c)
    assert T.to_int(out, n) == naive.cofactor(v, n, i, c)


@given(table_batches(st.integers(1, 8)), st.data())
def test_cofactor_batch(nvs, data):
    n, vs = nvs
    i = data.draw(st.integers(0, n - 1))
    c = data.draw(st.sampled_from([0, 1]))
    assert ints(Ops.cofactor(batch(vs, n), n, i, c), n) == [naive.cofactor(v, n, i, c) for v in vs]


def test_cofactor_rejects():
    f = T.constant(0, 3)
    for i in (-1, 3, True, 1.0):
        with pytest.raises(InputError):
            Ops.cofactor(f, 3, i, 0)
    for c in (2, -1, None):
        with pytest.raises(InputError):
            Ops.cofactor(f, 3, 0, c)


@given(tables(), st.data())
def test_flip_inputs(nv, data):
    n, v = nv
    mask = data.draw(st.integers(0, 2**n - 1))
    assert T.to_int(Ops.flip_inputs(arr(v, n), n, mask), n) == naive.flip_inputs(v, n, mask)


@given(tables(), st.data())
def test_permute_inputs(nv, data):
    n, v = nv
    perm = data.draw(st.permutations(range(n)))
    assert T.to_int(Ops.permute_inputs(arr(v, n), n, perm), n) == naive.permute_inputs(v, n, perm)


def test_permute_convention():
    # g(x) = f(y), y_i = x_{perm[i]}: permuting x_0 by perm=[2, 0, 1] reads x_2
    g = Ops.permute_inputs(T.projection(0, 3), 3, [2, 0, 1])
    assert T.to_int(g, 3) == naive.projection(2, 3)


@given(tables())
def test_negate(nv):
    n, v = nv
    assert T.to_int(Ops.negate(arr(v, n), n), n) == naive.negate(v, n)
    assert naive.negate(v, n) == 2 ** (2**n) - 1 - v


@given(tables(), st.data())
def test_transform(nv, data):
    n, v = nv
    perm, m, o = data.draw(npn_elements(n))
    out = Ops.transform(arr(v, n), n, perm, m, o)
    assert T.to_int(out, n) == naive.transform(v, n, perm, m, o)
    assert T.to_int(Ops.transform(v, n, perm=perm), n) == naive.permute_inputs(v, n, perm)
    assert T.to_int(Ops.transform(v, n, flips=m), n) == naive.flip_inputs(v, n, m)
    assert T.to_int(Ops.transform(v, n, negate_output=True), n) == naive.negate(v, n)


@given(table_batches(), st.data())
def test_transform_batch(nvs, data):
    n, vs = nvs
    perm, m, o = data.draw(npn_elements(n))
    out = Ops.transform(batch(vs, n), n, perm, m, o)
    assert out.shape == (len(vs), T.num_words(n))
    assert ints(out, n) == [naive.transform(v, n, perm, m, o) for v in vs]
    assert ints(Ops.flip_inputs(vs, n, m), n) == [naive.flip_inputs(v, n, m) for v in vs]
    assert ints(Ops.permute_inputs(vs, n, perm), n) == [naive.permute_inputs(v, n, perm) for v in vs]
    assert ints(Ops.negate(batch(vs, n), n), n) == [naive.negate(v, n) for v in vs]


@given(tables(st.integers(0, 7)), st.data())
def test_transform_composition(nv, data):
    """transform(transform(f, s1), s2) == transform(f, s1 * s2).

    With T_s(x)_i = x_{p[i]} xor m_i, transform(f, s)(x) = o xor f(T_s(x)), so the
    two-step result is f(T_s1(T_s2(x))): y_i = z_{p1[i]} xor m1_i with
    z_j = x_{p2[j]} xor m2_j, i.e. p[i] = p2[p1[i]], m_i = m1_i xor m2_{p1[i]}.
    """
    n, v = nv
    p1, m1, o1 = data.draw(npn_elements(n))
    p2, m2, o2 = data.draw(npn_elements(n))
    p = [p2[p1[i]] for i in range(n)]
    m = sum((((m1 >> i) ^ (m2 >> p1[i])) & 1) << i for i in range(n))
    o = o1 != o2
    two_step = Ops.transform(Ops.transform(arr(v, n), n, p1, m1, o1), n, p2, m2, o2)
    expect = naive.transform(naive.transform(v, n, p1, m1, o1), n, p2, m2, o2)
    assert naive.transform(v, n, p, m, o) == expect
    assert T.to_int(two_step, n) == expect
    assert T.to_int(Ops.transform(arr(v, n), n, p, m, o), n) == expect


def test_transform_rejects():
    f = T.constant(0, 3)
    for perm in ([0, 1], [0, 1, 1], [1, 2, 3], "abc", 5):
        with pytest.raises(InputError):
            Ops.transform(f, 3, perm)
        with pytest.raises(InputError):
            Ops.permute_inputs(f, 3, perm)
    for m in (-1, 8, True):
        with pytest.raises(InputError):
            Ops.transform(f, 3, None, m)
        with pytest.raises(InputError):
            Ops.flip_inputs(f, 3, m)


def test_swap_kernel():
    # the delta-swap kernel, all three branches (both < 6, mixed, both >= 6)
    rng = np.random.default_rng(0)
    for n in (2, 5, 6, 7, 8):
        vs = [int(rng.integers(0, 2**62)) ^ (int(rng.integers(0, 2**62)) << 62) for _ in range(3)]
        vs = [v % 2 ** (2**n) for v in vs]
        a = batch(vs, n)
        for i in range(n):
            for j in range(i + 1, n):
                out = np.empty_like(a)
                swap_rows(a, i, j, out)
                perm = list(range(n))
                perm[i], perm[j] = j, i
                assert ints(out, n) == [naive.permute_inputs(v, n, perm) for v in vs]


# --------------------------------------------------------------------------
# unateness, support, duality, Chow parameters
# --------------------------------------------------------------------------


@given(tables())
def test_polarity(nv):
    n, v = nv
    pol = Props.polarity(arr(v, n), n)
    assert pol.shape == (n,)
    assert pol.tolist() == naive.polarity(v, n)


@given(table_batches())
def test_polarity_batch(nvs):
    n, vs = nvs
    pol = Props.polarity(batch(vs, n), n)
    assert pol.shape == (len(vs), n)
    assert pol.tolist() == [naive.polarity(v, n) for v in vs]


# monotone and unate functions are rare among random tables; build some
@st.composite
def unate_tables(draw, n=st.integers(0, 8)):
    """Random monotone functions (an OR of ANDs), then input flips."""
    n = draw(n)
    terms = draw(st.lists(st.integers(0, 2**n - 1), max_size=4))
    v = naive.from_func(lambda x: any(all(x[i] for i in range(n) if t >> i & 1) for t in terms), n)
    return n, v, draw(st.integers(0, 2**n - 1))


@given(st.one_of(tables(st.integers(0, 8)).map(lambda t: (*t, 0)), unate_tables()))
def test_monotone_unate_support(nvm):
    n, v, m = nvm
    v = naive.flip_inputs(v, n, m)
    assert Props.is_monotone(arr(v, n), n) is naive.is_monotone(v, n)
    assert Props.is_unate(arr(v, n), n) is naive.is_unate(v, n)
    assert Props.support(arr(v, n), n) == naive.support(v, n)
    assert Props.is_monotone(v, n) is naive.is_monotone(v, n)


def mixed_batch(n):
    one = st.one_of(tables(st.just(n)).map(lambda t: (*t, 0)), unate_tables(st.just(n)))
    return st.lists(one, min_size=1, max_size=4)


@given(st.integers(0, 8).flatmap(mixed_batch))
def test_monotone_unate_support_batch(items):
    n = items[0][0]
    vs = [naive.flip_inputs(v, n, m) for _, v, m in items]
    b = batch(vs, n)
    mono, un, sup = Props.is_monotone(b, n), Props.is_unate(b, n), Props.support(b, n)
    assert mono.shape == un.shape == sup.shape == (len(vs),)
    assert mono.tolist() == [naive.is_monotone(v, n) for v in vs]
    assert un.tolist() == [naive.is_unate(v, n) for v in vs]
    assert sup.tolist() == [naive.support(v, n) for v in vs]


def test_polarity_closed_forms():
    for n in range(1, 9):
        for i in range(n):
            x = naive.projection(i, n)
            expect = [1 if k == i else 0 for k in range(n)]
            assert Props.polarity(x, n).tolist() == expect
            assert Props.polarity(naive.negate(x, n), n).tolist() == [-e for e in expect]
            assert Props.support(x, n) == 1 << i
        parity = naive.from_func(lambda x: sum(x) % 2, n)
        assert Props.polarity(parity, n).tolist() == ([2] * n if n > 1 else [1])
        assert Props.is_unate(parity, n) is (n == 1)
        assert Props.support(parity, n) == 2**n - 1
        for c in (0, 1):
            assert Props.polarity(T.constant(c, n), n).tolist() == [0] * n
            assert Props.support(T.constant(c, n), n) == 0
            assert Props.is_monotone(T.constant(c, n), n)


def test_monotone_count():
    # Dedekind numbers 2, 3, 6, 20 (n = 0..3)
    for n, count in enumerate([2, 3, 6, 20]):
        mono = Props.is_monotone(batch(list(naive.all_functions(n)), n), n)
        assert int(mono.sum()) == count
        assert np.flatnonzero(mono).tolist() == naive.monotone_functions(n)


@given(tables())
def test_dual(nv):
    n, v = nv
    assert T.to_int(Ops.dual(arr(v, n), n), n) == naive.dual(v, n)
    assert Props.is_self_dual(arr(v, n), n) is naive.is_self_dual(v, n)


@given(st.integers(0, 7), st.data())
def test_self_dual_constructed(n, data):
    # self-dual (random ones are rare): f(x, x_n) = g(x) if x_n else dual(g)(x)
    g = data.draw(st.integers(0, 2 ** (2**n) - 1))
    gd = naive.dual(g, n)
    v = naive.from_func(lambda x: naive.evaluate(g if x[n] else gd, x[:n]), n + 1)
    assert naive.is_self_dual(v, n + 1)
    assert Props.is_self_dual(arr(v, n + 1), n + 1) is True
    expect = [True, naive.is_self_dual(g, n + 1)]
    assert Props.is_self_dual(batch([v, g], n + 1), n + 1).tolist() == expect


@given(tables())
def test_chow_parameters(nv):
    n, v = nv
    c = Props.chow_parameters(arr(v, n), n)
    assert c.shape == (n + 1,) and c.dtype == np.int64
    assert c.tolist() == naive.chow_parameters(v, n)


@given(table_batches())
def test_chow_parameters_batch(nvs):
    n, vs = nvs
    c = Props.chow_parameters(batch(vs, n), n)
    assert c.shape == (len(vs), n + 1)
    assert c.tolist() == [naive.chow_parameters(v, n) for v in vs]


def test_chow_closed_forms():
    for n in range(1, 9):
        for i in range(n):  # x_i: F = X_i, so sum F = 0 and sum F X_j = 2^n [i == j]
            expect = [0] + [2**n if j == i else 0 for j in range(n)]
            assert Props.chow_parameters(T.projection(i, n), n).tolist() == expect
        assert Props.chow_parameters(T.constant(1, n), n).tolist() == [2**n] + [0] * n

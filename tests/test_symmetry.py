"""Tests of gates.boolean.symmetry against tests/naive.py, Burnside's lemma and OEIS counts."""

import random
from math import factorial

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from . import naive
from .strategies import examples, npn_elements, tables
from gates.boolean import orbits as Orb
from gates.boolean import symmetry as S
from gates.errors import InputError, ResourceError

SETTINGS = examples(30)
FEW = examples(4)

GROUPS = ("p", "np", "npn")

# orbits of all 2^(2^n) functions, n = 0..5
CLASS_COUNTS = {
    "p": [2, 4, 12, 80, 3984, 37333248],  # A000585
    "np": [2, 3, 6, 22, 402, 1228158],  # Burnside's lemma (see naive.burnside_class_count)
    "npn": [1, 2, 4, 14, 222, 616126],  # A000370
}


def word(v):
    return np.array([v], dtype=np.uint64)


def as_tuple(t):
    return list(t.perm), t.flips, t.negate


def key(s):
    """(perm, flips, negate) in one comparable spelling."""
    return list(s[0]), int(s[1]), bool(s[2])


def generator(n, code):
    """The element a walk code stands for: flip x_k (code k) or swap x_k, x_k+1 (n + k)."""
    if code < n:
        return list(range(n)), 1 << code, False
    perm = list(range(n))
    k = code - n
    perm[k], perm[k + 1] = perm[k + 1], perm[k]
    return perm, 0, False


def apply_code(v, n, code):
    """One walk step on a table, by the definitions of flips and swaps."""
    perm, m, _ = generator(n, code)
    return naive.flip_inputs(v, n, m) if code < n else naive.permute_inputs(v, n, perm)


# --------------------------------------------------------------------------
# the reference composition itself
# --------------------------------------------------------------------------


@SETTINGS
@given(st.integers(0, 4).flatmap(lambda n: st.tuples(tables(n), npn_elements(n), npn_elements(n))))
def test_naive_compose_is_two_transforms(case):
    (n, v), s1, s2 = case
    s = naive.compose(s1, s2, n)
    assert naive.transform(v, n, *s) == naive.transform(naive.transform(v, n, *s1), n, *s2)
    assert naive.transform(naive.transform(v, n, *s1), n, *naive.inverse(s1, n)) == v


# --------------------------------------------------------------------------
# Transform algebra
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(6))
def test_group_order(n):
    for g in GROUPS:
        assert S.group_order(n, g) == len(list(naive.group_elements(n, g)))
    assert S.group_order(n, "npn") == 2 ** (n + 1) * factorial(n)


@SETTINGS
@given(st.integers(0, 6).flatmap(lambda n: st.tuples(tables(n), npn_elements(n), npn_elements(n))))
def test_transform_composition_law(case):
    """(f . s1) . s2 == f . (s1 * s2), the module doc's convention."""
    (n, v), s1, s2 = case
    a, b = S.Transform(tuple(s1[0]), s1[1], s1[2]), S.Transform(tuple(s2[0]), s2[1], s2[2])
    assert a.n == n
    assert int(a.apply(word(v), n)[0]) == naive.transform(v, n, *s1)
    ab = a * b
    assert isinstance(ab, S.Transform)
    expect = naive.transform(naive.transform(v, n, *s1), n, *s2)
    assert int(ab.apply(word(v), n)[0]) == expect
    assert int(b.apply(a.apply(word(v), n), n)[0]) == expect
    if n <= 5:  # the read-off reference builds 2^n-point maps
        assert as_tuple(ab) == key(naive.compose(s1, s2, n))


@SETTINGS
@given(st.integers(0, 6).flatmap(lambda n: st.tuples(tables(n), npn_elements(n))))
def test_transform_inverse_identity(case):
    (n, v), s = case
    a = S.Transform(tuple(s[0]), s[1], s[2])
    inv = a.inverse()
    e = S.Transform.identity(n)
    assert e.is_identity() and e.perm == tuple(range(n)) and e.flips == 0 and not e.negate
    assert (a * inv).is_identity() and (inv * a).is_identity()
    assert as_tuple(a * e) == as_tuple(e * a) == key(s)
    assert a.is_identity() is (s[0] == list(range(n)) and s[1] == 0 and not s[2])
    assert int(e.apply(word(v), n)[0]) == v
    assert naive.transform(naive.transform(v, n, *s), n, *as_tuple(inv)) == v
    assert int(inv.apply(a.apply(word(v), n), n)[0]) == v
    if n <= 5:
        assert as_tuple(inv) == key(naive.inverse(s, n))


def test_transform_associative():
    rng = random.Random(1)
    for n in range(1, 6):
        els = list(naive.group_elements(n, "npn"))
        for _ in range(20):
            a, b, c = (S.Transform(tuple(p), m, o) for p, m, o in rng.sample(els, 3))
            assert (a * b) * c == a * (b * c)


@pytest.mark.parametrize("n", range(1, 7))
def test_transform_op(n):
    rng = random.Random(n)
    v = rng.randrange(2 ** (2**n))
    for code in range(2 * n - 1):
        t = S.Transform.op(n, code)
        assert as_tuple(t) == key(generator(n, code))
        assert int(t.apply(word(v), n)[0]) == apply_code(v, n, code)


# --------------------------------------------------------------------------
# walks through the group
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(5))
@pytest.mark.parametrize("group", GROUPS)
def test_walk_ops_visits_every_element(n, group):
    ops = [int(c) for c in S.walk_ops(n, group)]
    assert all(0 <= c < 2 * n - 1 for c in ops)
    base = "np" if group == "npn" else group  # NPN walks NP; not f pairs with f
    assert len(ops) == len(list(naive.group_elements(n, base))) - 1
    elem = (list(range(n)), 0, False)
    visited = [elem]
    for code in ops:
        elem = naive.compose(elem, generator(n, code), n)
        visited.append(elem)
    keys = [(tuple(p), m) for p, m, _ in visited]
    assert len(set(keys)) == len(keys)
    assert set(keys) == {(tuple(p), m) for p, m, _ in naive.group_elements(n, base)}
    # walking a table step by step passes through f . g for the prefix products g
    v = random.Random(n).randrange(2 ** (2**n))
    state = v
    for j, code in enumerate([None] + ops):
        if code is not None:
            state = apply_code(state, n, code)
        assert state == naive.transform(v, n, *visited[j])


@pytest.mark.parametrize("n, group", [(5, "p"), (6, "p"), (7, "p"), (8, "p"), (5, "np"), (6, "np")])
def test_walk_ops_distinct_larger(n, group):
    """The prefix products are |G| distinct (perm, flips): every element once."""
    ops = S.walk_ops(n, group)
    order = S.group_order(n, group)
    assert ops.shape == (order - 1,)
    # element (perm, flips) acting on x; appending a generator g gives x -> T(T_g(x))
    perm, flips = list(range(n)), 0
    seen = {(tuple(perm), flips)}
    for c in ops:
        c = int(c)
        if c < n:  # T(x xor e_c): flips coordinate i with perm[i] == c
            flips ^= 1 << perm.index(c)
        else:  # T(x with x_k, x_k+1 exchanged): relabel k <-> k+1 in perm
            k = c - n
            assert 0 <= k < n - 1
            perm = [k + 1 if p == k else k if p == k + 1 else p for p in perm]
        seen.add((tuple(perm), flips))
    assert len(seen) == order


def test_walk_ops_rejects():
    with pytest.raises(InputError):
        S.walk_ops(3, "pn")
    with pytest.raises(InputError):
        S.walk_ops(13, "p")
    with pytest.raises(InputError):
        S.group_order(3, "NPN")


# --------------------------------------------------------------------------
# orbits and canonical forms
# --------------------------------------------------------------------------


def check_orbit(n, v, group):
    expect = sorted(naive.orbit(v, n, group))
    got = S.orbit(word(v), n, group)
    assert got.dtype == np.uint64 and got.ndim == 1
    assert [int(x) for x in got] == expect
    assert S.orbit_size(v, n, group) == len(expect)
    rep, sigma = S.canonical_form(word(v), n, group)
    assert rep.shape == (1,) and int(rep[0]) == expect[0]
    assert isinstance(sigma, S.Transform) and sigma.n == n
    if group != "npn":
        assert not sigma.negate
    if group == "p":
        assert sigma.flips == 0
    assert naive.transform(v, n, list(sigma.perm), sigma.flips, sigma.negate) == expect[0]
    return expect


@SETTINGS
@given(tables(st.integers(0, 4)), st.sampled_from(GROUPS))
def test_orbit_and_canonical_form(nv, group):
    n, v = nv
    check_orbit(n, v, group)


@FEW
@given(tables(5), st.sampled_from(GROUPS))
def test_orbit_and_canonical_form_n5(nv, group):
    check_orbit(*nv, group)


@FEW
@given(tables(6))
def test_orbit_and_canonical_form_n6_p(nv):
    check_orbit(*nv, "p")


@SETTINGS
@given(tables(st.integers(0, 3)), st.sampled_from(GROUPS))
def test_canonical_form_invariant_on_orbit(nv, group):
    n, v = nv
    members = naive.orbit(v, n, group)
    rep = min(members)
    for g in members:
        r, sigma = S.canonical_form(g, n, group)
        assert int(r[0]) == rep
        assert naive.transform(g, n, list(sigma.perm), sigma.flips, sigma.negate) == rep


def test_canonical_form_docstring_example():
    maj = naive.from_func(lambda x: sum(x) >= 2, 3)
    assert naive.to_hex(naive.canonical_min(maj, 3, "npn"), 3) == "17"
    assert int(S.canonical_form("e8", 3, "npn")[0][0]) == naive.from_hex("17", 3)


def test_orbit_rejects():
    for fn in (S.orbit, S.orbit_size, S.canonical_form):
        with pytest.raises(InputError):
            fn(0, 7, "p")  # walks work in one word
        with pytest.raises(InputError):
            fn(0, 3, "xyz")
        with pytest.raises(InputError):
            fn(np.zeros((2, 1), dtype=np.uint64), 3, "p")  # one table only
        with pytest.raises(InputError):
            fn(256, 3, "p")


# --------------------------------------------------------------------------
# classes of all functions
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(5))
@pytest.mark.parametrize("group", GROUPS)
def test_classes_of_all(n, group):
    reps, sizes = Orb.classes_of_all(n, group)
    assert reps.dtype == np.uint64 and reps.shape == (len(sizes), 1)
    assert sizes.dtype == np.int64
    count = naive.burnside_class_count(n, group)
    assert count == CLASS_COUNTS[group][n]
    assert len(reps) == count
    assert int(sizes.sum()) == 2 ** (2**n)
    flat = [int(r) for r in reps[:, 0]]
    assert flat == sorted(set(flat))
    if n <= 3:
        # the orbit-minima, found one function at a time
        assert flat == sorted({naive.canonical_min(v, n, group) for v in naive.all_functions(n)})
        for r, s in zip(flat, sizes):
            assert len(naive.orbit(r, n, group)) == s
    else:
        rng = random.Random(n)
        for k in rng.sample(range(count), 25):
            members = naive.orbit(flat[k], n, group)
            assert min(members) == flat[k]
            assert len(members) == sizes[k]


def test_orbits_universe_skips_only_full_words():
    """Regression: the scan once skipped any word equal to the *table* mask
    (0xFFFF for n = 4), jumping over unvisited functions 16..63."""
    n = 4
    ops = S.walk_ops(n, "p")
    bitmap = np.zeros(2 ** (2**n) // 64, dtype=np.uint64)
    bitmap[0] = np.uint64(0xFFFF)  # functions 0..15 marked, 16..63 not
    reps = np.empty(3, dtype=np.uint64)
    sizes = np.empty(3, dtype=np.int64)
    _, k = Orb.orbits_universe(n, ops, False, bitmap, 0, 2 ** (2**n), reps, sizes)
    assert k == 3 and reps.tolist() == [16, 17, 18]
    bitmap[:] = 0
    bitmap[0] = np.uint64(0xFFFFFFFFFFFFFFFF)
    _, k = Orb.orbits_universe(n, ops, False, bitmap, 0, 2 ** (2**n), reps, sizes)
    assert reps.tolist() == [64, 65, 66]


def test_classes_of_all_rejects(monkeypatch):
    with pytest.raises(InputError):
        Orb.classes_of_all(6, "npn")
    with pytest.raises(InputError):
        Orb.classes_of_all(3, "n")
    monkeypatch.setenv("GATES_MEMORY_CAP", "1M")
    with pytest.raises(ResourceError):
        Orb.classes_of_all(5, "p")


@pytest.mark.slow
@pytest.mark.parametrize("group", GROUPS)
def test_classes_of_all_n5(group):
    reps, sizes = Orb.classes_of_all(5, group)
    assert naive.burnside_class_count(5, group) == CLASS_COUNTS[group][5]
    assert len(reps) == CLASS_COUNTS[group][5]
    assert int(sizes.sum()) == 2**32
    flat = reps[:, 0]
    assert np.all(flat[1:] > flat[:-1])
    assert sizes.min() >= 1 and sizes.max() <= S.group_order(5, group)
    rng = random.Random(5)
    for k in rng.sample(range(len(flat)), 4):
        members = naive.orbit(int(flat[k]), 5, group)
        assert min(members) == int(flat[k]) and len(members) == sizes[k]


# --------------------------------------------------------------------------
# classes of a closed set
# --------------------------------------------------------------------------


def brute_classes(vs, n, group):
    """{orbit-min: orbit size} of a set, listing each member's orbit."""
    out = {}
    for v in vs:
        members = naive.orbit(v, n, group)
        assert members <= set(vs)
        out[min(members)] = len(members)
    return out


@pytest.mark.parametrize("n", range(5))
def test_classes_of_set_monotone(n):
    mono = naive.monotone_functions(n)
    expect = brute_classes(mono, n, "p")
    reps, sizes = Orb.classes_of_set(np.array(mono, dtype=np.uint64).reshape(-1, 1), n, "p")
    assert reps.shape == (len(expect), 1)
    assert dict(zip((int(r) for r in reps[:, 0]), sizes.tolist())) == expect
    assert [int(r) for r in reps[:, 0]] == sorted(expect)
    # unsorted, repeated, 1-D input gives the same classes
    shuffled = mono + mono[::2]
    random.Random(n).shuffle(shuffled)
    reps2, sizes2 = Orb.classes_of_set(np.array(shuffled, dtype=np.uint64), n, "p")
    assert reps2.tolist() == reps.tolist() and sizes2.tolist() == sizes.tolist()


@pytest.mark.parametrize("n", range(4))
@pytest.mark.parametrize("group", GROUPS)
def test_classes_of_set_threshold(n, group):
    thr = naive.threshold_functions_bruteforce(n)
    expect = brute_classes(thr, n, group)
    reps, sizes = Orb.classes_of_set(np.array(thr, dtype=np.uint64), n, group)
    assert dict(zip((int(r) for r in reps[:, 0]), sizes.tolist())) == expect


def test_classes_of_set_all_n3_matches_burnside():
    for group in GROUPS:
        reps, sizes = Orb.classes_of_set(np.arange(256, dtype=np.uint64), 3, group)
        assert len(reps) == naive.burnside_class_count(3, group)
        assert int(sizes.sum()) == 256


def test_classes_of_set_refuses_open_sets():
    mono = naive.monotone_functions(3)
    arr = np.array(mono, dtype=np.uint64)
    for group in ("np", "npn"):  # complementing an input leaves the monotone functions
        with pytest.raises(InputError, match="not closed"):
            Orb.classes_of_set(arr, 3, group)
    x0 = naive.projection(0, 3)
    assert x0 in mono
    with pytest.raises(InputError, match="not closed"):  # x_1, x_2 are in, x_0 is not
        Orb.classes_of_set(np.array([v for v in mono if v != x0], dtype=np.uint64), 3, "p")
    with pytest.raises(InputError):
        Orb.classes_of_set(arr, 7, "p")
    with pytest.raises(InputError):
        Orb.classes_of_set(arr, 3, "q")

"""Tests of gates.boolean.families against tests/naive.py and OEIS counts."""

import random
from math import factorial

import numpy as np
import pytest

from . import naive
from gates.boolean import families as F
from gates.errors import InputError, ResourceError
from gates.boolean.orbits import classes_of_set
from gates.boolean.threshold_classes import np_classes
from gates.boolean.properties import is_monotone

# A000372 (Dedekind numbers): monotone functions of n inputs
MONOTONE_COUNTS = [2, 3, 6, 20, 168, 7581, 7828354]
# A000609: threshold functions of n inputs
THRESHOLD_COUNTS = [2, 4, 14, 104, 1882, 94572, 15028134, 8378070864]

# class counts by (family, group), n = 0, 1, ...
CLASS_COUNTS = {
    ("all", "p"): [2, 4, 12, 80, 3984, 37333248],  # A000585
    ("all", "np"): [2, 3, 6, 22, 402, 1228158],  # Burnside's lemma (naive.burnside_class_count)
    ("all", "npn"): [1, 2, 4, 14, 222, 616126],  # A000370
    ("monotone", "p"): [2, 3, 5, 10, 30, 210, 16353],  # A003182
    ("threshold", "np"): [2, 3, 5, 10, 27, 119, 1113, 29375],  # A000617
    # cumulative sums of A001530 (NPN classes of exactly n inputs)
    ("threshold", "npn"): [1, 2, 3, 6, 15, 63, 567, 14755],
}


def flat_ints(tables):
    return [int(v) for v in np.asarray(tables).reshape(-1)]


# --------------------------------------------------------------------------
# monotone functions
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(5))
def test_monotone_functions_small(n):
    got = F.monotone_functions(n)
    assert got.dtype == np.uint64 and got.shape == (MONOTONE_COUNTS[n], 1)
    assert flat_ints(got) == naive.monotone_functions(n)  # sorted, same members


def test_monotone_functions_returns_a_copy():
    a = F.monotone_functions(3)
    a[:] = 0
    assert flat_ints(F.monotone_functions(3)) == naive.monotone_functions(3)


@pytest.mark.parametrize("n", [5, 6])
def test_monotone_functions_large(n):
    got = F.monotone_functions(n)
    assert got.shape == (MONOTONE_COUNTS[n], 1)
    flat = got[:, 0]
    assert np.all(flat[1:] > flat[:-1])
    # distinct, monotone, and as many as the Dedekind number: all of them
    assert np.all(is_monotone(got, n))
    rng = random.Random(n)
    for k in rng.sample(range(len(flat)), 40):
        assert naive.is_monotone(int(flat[k]), n)


def test_monotone_functions_rejects():
    with pytest.raises(InputError):
        F.monotone_functions(7)
    with pytest.raises(InputError):
        F.monotone_functions(-1)


# --------------------------------------------------------------------------
# all functions
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(5))
def test_all_functions(n, monkeypatch):
    monkeypatch.setenv("GATES_MEMORY_CAP", "8G")
    total = 2 ** (2**n)
    got = F.all_functions(n)
    assert got.dtype == np.uint64 and got.shape == (total, 1)
    assert flat_ints(got) == list(naive.all_functions(n))
    for chunk_size in (1, 7, total, total + 5):
        if chunk_size == 1 and n == 4:
            continue
        chunks = list(F.iter_all_functions(n, chunk_size))
        assert all(c.dtype == np.uint64 and c.ndim == 2 and c.shape[1] == 1 for c in chunks)
        assert all(0 < len(c) <= chunk_size for c in chunks)
        assert flat_ints(np.concatenate(chunks)) == list(range(total))


def test_all_functions_memory_cap(monkeypatch):
    monkeypatch.setenv("GATES_MEMORY_CAP", "8G")
    with pytest.raises(ResourceError, match="iter_all_functions"):
        F.all_functions(5)  # 2^32 words: 32 GiB
    monkeypatch.setenv("GATES_MEMORY_CAP", "100K")
    with pytest.raises(ResourceError):
        F.all_functions(4)  # 2^16 words: 512 KiB
    assert F.all_functions(3).shape == (256, 1)
    # streaming n = 5 never materialises the universe
    first = next(F.iter_all_functions(5, chunk_size=1000))
    assert flat_ints(first) == list(range(1000))


def test_all_functions_rejects():
    with pytest.raises(InputError):
        F.all_functions(6)
    with pytest.raises(InputError):
        next(F.iter_all_functions(6))
    with pytest.raises(InputError):
        next(F.iter_all_functions(2, chunk_size=0))


# --------------------------------------------------------------------------
# counts
# --------------------------------------------------------------------------


def test_count_functions():
    for n in range(17):
        count, method = F.count_functions("all", n)
        assert count == 2 ** (2**n) and isinstance(method, str)
    for n, c in enumerate(MONOTONE_COUNTS):
        assert F.count_functions("monotone", n)[0] == c
    for n, c in enumerate(THRESHOLD_COUNTS):
        assert F.count_functions("threshold", n)[0] == c
    for fam, n in [("all", 17), ("monotone", 7), ("threshold", 9), ("all", -1)]:
        with pytest.raises(InputError):
            F.count_functions(fam, n)
    with pytest.raises(InputError):
        F.count_functions("linear", 3)


# --------------------------------------------------------------------------
# classes
# --------------------------------------------------------------------------


def test_class_support_table():
    assert set(F.CLASS_SUPPORT) == {
        ("all", "p"), ("all", "np"), ("all", "npn"),
        ("monotone", "p"),
        ("threshold", "p"), ("threshold", "np"), ("threshold", "npn"),
    }


def members(family, n):
    """The family's members by brute force (n <= 4)."""
    if family == "all":
        return list(naive.all_functions(n))
    if family == "monotone":
        return naive.monotone_functions(n)
    return naive.threshold_functions_bruteforce(n)


SMALL_CASES = [(fam, g, n) for (fam, g), top in sorted(F.CLASS_SUPPORT.items()) for n in range(min(top, 4) + 1)]


@pytest.mark.parametrize("family, group, n", SMALL_CASES)
def test_classes_small(family, group, n):
    reps, sizes, extra = F.classes(family, n, group)
    assert reps.dtype == np.uint64 and reps.shape == (len(sizes), 1)
    assert int(sizes.sum()) == F.count_functions(family, n)[0]
    fam = set(members(family, n))
    assert int(sizes.sum()) == len(fam)
    if (family, group) in CLASS_COUNTS:
        assert len(reps) == CLASS_COUNTS[(family, group)][n]
    if family == "all":
        assert len(reps) == naive.burnside_class_count(n, group)
    if family == "threshold" and group != "p":
        assert extra["representative"] == "positive-ordered"
        assert extra["weights"].shape == (len(reps), n) and extra["bias"].shape == (len(reps),)
    else:
        assert extra["representative"] == "orbit-min"
    if n > 3 and family == "all":
        return
    # list the orbits, one per member not yet covered
    orbits, covered = {}, set()
    for v in fam:
        if v in covered:
            continue
        orbit = frozenset(naive.orbit(v, n, group))
        assert orbit <= fam
        orbits[orbit] = len(orbit)
        covered |= orbit
    by_rep = dict(zip(flat_ints(reps), sizes.tolist()))
    assert len(by_rep) == len(orbits)
    for orbit, size in orbits.items():
        (rep,) = orbit & set(by_rep)
        assert by_rep[rep] == size
        if extra["representative"] == "orbit-min":
            assert rep == min(orbit)


@pytest.mark.parametrize("n", [5, 6])
def test_classes_monotone_p(n):
    reps, sizes, _ = F.classes("monotone", n, "p")
    assert len(reps) == CLASS_COUNTS[("monotone", "p")][n]
    assert int(sizes.sum()) == MONOTONE_COUNTS[n]
    assert sizes.max() <= factorial(n)
    rng = random.Random(n)
    for k in rng.sample(range(len(reps)), 5):
        orbit = naive.orbit(int(reps[k, 0]), n, "p")
        assert min(orbit) == int(reps[k, 0]) and len(orbit) == sizes[k]


@pytest.mark.parametrize("n", range(8))
def test_classes_threshold_np_npn(n):
    for group in ("np", "npn"):
        reps, sizes, _ = F.classes("threshold", n, group)
        assert len(reps) == CLASS_COUNTS[("threshold", group)][n]
        assert int(sizes.sum()) == THRESHOLD_COUNTS[n]


def p_classes_in_np_class(v, n):
    """P classes inside the NP class of a positive ordered threshold function.

    Its P-symmetries permute the blocks of equivalent inputs, so the input
    negations (subsets of the essential inputs) fall into prod (k + 1) P
    classes, k running over the sizes of the essential blocks.
    """
    ess = naive.support(v, n)
    out, k = 1, 0
    assert ess == 2 ** naive.popcount(ess) - 1  # inessential inputs come last
    for i in range(naive.popcount(ess)):
        k += 1
        perm = list(range(n))
        if i + 1 < n:
            perm[i], perm[i + 1] = i + 1, i
        if i + 1 == n or not ess >> (i + 1) & 1 or naive.permute_inputs(v, n, perm) != v:
            out *= k + 1
            k = 0
    return out


@pytest.mark.parametrize("n", [4, 5])
def test_classes_threshold_p_cross_checks(n):
    reps, sizes, _ = F.classes("threshold", n, "p")
    assert int(sizes.sum()) == THRESHOLD_COUNTS[n]
    cls = np_classes(n)
    # P classes counted through the NP classes' block structure
    assert len(reps) == sum(p_classes_in_np_class(int(t[0]), n) for t in cls.tables)
    # NP classes of the listing, by the orbit walk, against the census
    tables = F.threshold_functions(n)[0]
    np_reps, np_sizes = classes_of_set(tables, n, "np")
    assert len(np_reps) == len(cls.tables) == CLASS_COUNTS[("threshold", "np")][n]
    assert sorted(np_sizes.tolist()) == sorted(cls.orbit_sizes.tolist())
    rng = random.Random(n)
    for k in rng.sample(range(len(reps)), 5):
        orbit = naive.orbit(int(reps[k, 0]), n, "p")
        assert min(orbit) == int(reps[k, 0]) and len(orbit) == sizes[k]


@pytest.mark.slow
def test_classes_threshold_p_n6():
    reps, sizes, _ = F.classes("threshold", 6, "p")
    assert int(sizes.sum()) == THRESHOLD_COUNTS[6]
    assert len(reps) == sum(p_classes_in_np_class(int(t[0]), 6) for t in np_classes(6).tables)


def test_check_classes_refusals():
    for group in ("np", "npn"):
        with pytest.raises(InputError, match="monotone"):
            F.check_classes("monotone", group, 3)
        with pytest.raises(InputError):
            F.classes("monotone", 3, group)
    for (family, group), top in F.CLASS_SUPPORT.items():
        assert F.check_classes(family, group, top) == group
        for n in (top + 1, -1):
            with pytest.raises(InputError):
                F.check_classes(family, group, n)
            with pytest.raises(InputError):
                F.classes(family, n, group)
    with pytest.raises(InputError):
        F.check_classes("linear", "p", 3)
    with pytest.raises(InputError):
        F.check_classes("all", "pn", 3)
    with pytest.raises(InputError):
        F.check_classes("all", "none", 3)
    with pytest.raises(InputError):
        F.check_family("Monotone")

"""Checks of the references in tests/naive.py against published counts (OEIS)."""

import pytest

from . import naive


def test_point_roundtrip():
    assert naive.point(6, 3) == (0, 1, 1)
    assert all(naive.index(naive.point(p, 5)) == p for p in range(32))


def test_hex_examples():
    maj = naive.from_func(lambda x: sum(x) >= 2, 3)
    assert naive.to_hex(maj, 3) == "e8"
    assert naive.from_hex("E8", 3) == maj
    assert naive.to_hex(1, 0) == "1" and naive.to_hex(0, 4) == "0000"
    for text, n in [("2", 0), ("e", 3), ("g8", 3), ("100", 3)]:
        with pytest.raises(ValueError):
            naive.from_hex(text, n)


def test_monotone_counts():
    # Dedekind numbers, A000372
    assert [len(naive.monotone_functions(n)) for n in range(5)] == [2, 3, 6, 20, 168]


def test_threshold_counts():
    # A000609: 2, 4, 14, 104, 1882; n = 4 needs a weight of 3
    counts = [len(naive.threshold_functions_bruteforce(n, 3)) for n in range(5)]
    assert counts == [2, 4, 14, 104, 1882]
    assert len(naive.threshold_functions_bruteforce(4, 2)) < 1882
    xor = naive.from_func(lambda x: x[0] ^ x[1], 2)
    assert not naive.is_threshold_bruteforce(xor, 2, 3)
    w, b = naive.threshold_realization_bruteforce(naive.from_func(lambda x: x[0] & x[1], 2), 2, 1)
    assert all(naive.activation(w, b, x) != 0 for x in naive.points(2))


@pytest.mark.parametrize(
    "group, counts",
    [
        ("p", [2, 4, 12, 80, 3984, 37333248]),  # A000585
        ("np", [2, 3, 6, 22, 402, 1228158]),  # NP classes of all functions
        ("npn", [1, 2, 4, 14, 222, 616126]),  # A000370
    ],
)
def test_burnside_counts(group, counts):
    assert [naive.burnside_class_count(n, group) for n in range(6)] == counts
    # the orbits listed one by one agree where that is cheap
    assert [naive.class_count_bruteforce(n, group) for n in range(4)] == counts[:4]


def test_group_sizes():
    assert [len(list(naive.group_elements(3, g))) for g in ("p", "np", "npn")] == [6, 48, 96]
    assert naive.canonical_min(naive.projection(2, 3), 3, "p") == naive.projection(0, 3)


def test_exact_status_by_hand():
    AND = naive.from_func(lambda x: x[0] & x[1], 2)
    XOR = naive.from_func(lambda x: x[0] ^ x[1], 2)
    # pm1: c = sum T x~ = (2, 2, -2); margins 6, 2, 2, 2
    assert naive.exact_status(AND, 2) == 1
    assert naive.exact_status(XOR, 2) == 0  # c = 0: every margin is 0
    # 01: c is a sum of non-negative rows, so no false point gets a negative margin
    assert naive.exact_status(AND, 2, "01") == -1
    assert naive.exact_status(naive.constant(1, 2), 2, "01") == 1
    # sign(c) = (1, 1, -1): margins 1 on (1, 1), 3 on (-1, -1), 1 on the mixed points
    assert naive.exact_status(AND, 2, saturate=True) == 1
    assert naive.exact_status(naive.projection(0, 2), 2, bias=False) == 1


def test_train_gate_by_hand():
    AND = naive.from_func(lambda x: x[0] & x[1], 2)
    hebb = [(1.0, 0, 1, 0, 1)]
    # clamped Hebb from 0 with rate 1, one epoch: w = c = (2, 2, -2), learnt
    assert naive.train_gate(AND, 2, hebb, False, False, "pm1", True, [0, 0, 0], [[0, 1, 2, 3]], [1.0], False) == (True, 2.0)
    # from 0 with no epochs' worth of rate the activations stay 0: never learnt
    assert naive.train_gate(AND, 2, hebb, False, False, "pm1", True, [0, 0, 0], [[0, 1, 2, 3]], [0.0], False)[0] is False
    # the perceptron on x_0, x~ = (-1, 1) and (1, 1), from w = (0, -0.5): p = 0 has
    # O = -1 = T (no change), p = 1 has O = -1 != T and adds 0.5 * 2 * (1, 1)
    gradient = [(1.0, 0, 1, 0, 1), (-1.0, 1, 1, 0, 0)]
    x0 = naive.projection(0, 1)
    assert naive.train_gate(x0, 1, gradient, False, True, "pm1", True, [0, -0.5], [[0, 1]], [0.5], False) == (True, 0.5)
    # from w = 0 it stalls: w = (1, 1) leaves p = 0 at activation 0, where O = off = T
    # makes no update, yet the strict criterion fails
    assert naive.train_gate(x0, 1, gradient, False, True, "pm1", True, [0, 0], [[0, 1]] * 5, [0.5] * 5, False) == (False, 0.0)
    # any_epoch stops at the first epoch that separates
    assert naive.train_gate(x0, 1, hebb, False, False, "pm1", False, [-1.0], [[0, 1]] * 3, [0.25] * 3, True)[0]

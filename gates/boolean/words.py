"""Compiled kernels on the 64-bit words of a truth table, shared by the boolean room.

A table of n <= 6 inputs lives in the low 2^n bits of one ``uint64`` (kitty's
convention, see :mod:`gates.boolean.truth`). The kernels here are compiled
with numba and expect checked input (contiguous ``uint64`` words, input
indices in range); the public functions of :mod:`gates.boolean.truth`,
:mod:`gates.boolean.operations`, :mod:`gates.boolean.properties`,
:mod:`gates.boolean.symmetry`, :mod:`gates.boolean.orbits` and
:mod:`gates.boolean.threshold_classes` validate before they call them.
"""

import numpy as np
from numba import njit

__all__ = ["ONES", "PROJ", "word_mask", "popcount64", "word_flip", "word_swap", "walk_step", "swap_rows"]

ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
"""All 64 bits set."""
# PROJ[i]: the table of x_i inside one word (bit i of the position is 1).
PROJ = np.array(
    [
        0xAAAAAAAAAAAAAAAA,
        0xCCCCCCCCCCCCCCCC,
        0xF0F0F0F0F0F0F0F0,
        0xFF00FF00FF00FF00,
        0xFFFF0000FFFF0000,
        0xFFFFFFFF00000000,
    ],
    dtype=np.uint64,
)


def word_mask(n):
    """Valid-bit mask of one word for n inputs (all ones for n >= 6); n is not checked."""
    return np.uint64((1 << (1 << n)) - 1) if n < 6 else ONES


@njit(cache=True, inline="always")
def popcount64(x):
    """SWAR population count of one word. Compiled with numba; expects a uint64."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit(cache=True, inline="always")
def word_flip(t, i):
    """Table of f(x xor e_i) for a variable i < 6 inside one word. Compiled; expects 0 <= i < 6."""
    s = np.uint64(1 << i)
    m = ~PROJ[i]
    return ((t & m) << s) | ((t >> s) & m)


@njit(cache=True, inline="always")
def word_swap(t, i, j):
    """Table of f with inputs i < j < 6 exchanged, inside one word. Compiled; expects checked i < j < 6.

    A position with (x_i, x_j) = (1, 0) trades bits with its partner at
    distance 2^j - 2^i, which has (0, 1); a delta swap does it.
    """
    d = np.uint64((1 << j) - (1 << i))
    m = PROJ[i] & ~PROJ[j]
    return (t & ~(m | (m << d))) | ((t & m) << d) | ((t >> d) & m)


@njit(cache=True, inline="always")
def walk_step(t, code, n):
    """One step of a group walk on a word (:func:`gates.boolean.symmetry.walk_ops`). Compiled.

    Code k < n complements input k; code n + k swaps inputs k and k + 1.
    Expects checked input: n <= 6 and a code of the walk.
    """
    if code < n:
        return word_flip(t, code)
    return word_swap(t, code - n, code - n + 1)


@njit(cache=True)
def swap_rows(tables, i, j, out):
    """out = tables with inputs i < j exchanged. Compiled with numba.

    Expects checked input: ``tables`` and ``out`` contiguous ``(N, W)`` uint64
    arrays of the same shape, and 0 <= i < j < n.
    """
    words = tables.shape[1]
    for r in range(tables.shape[0]):
        if j < 6:
            for k in range(words):
                out[r, k] = word_swap(tables[r, k], i, j)
        elif i >= 6:
            bi = i - 6
            bj = j - 6
            for k in range(words):
                # word index with bits bi and bj exchanged
                ki = (k >> bi) & 1
                kj = (k >> bj) & 1
                src = k
                if ki != kj:
                    src = k ^ ((1 << bi) | (1 << bj))
                out[r, k] = tables[r, src]
        else:
            s = np.uint64(1 << i)
            p = PROJ[i]
            b = 1 << (j - 6)
            for k in range(words):
                if k & b:
                    continue
                w0 = tables[r, k]
                w1 = tables[r, k | b]
                out[r, k] = (w0 & ~p) | ((w1 & ~p) << s)
                out[r, k | b] = (w1 & p) | ((w0 & p) >> s)

"""Operations on truth tables: complement, cofactors, input flips and permutations, NPN transforms, duals.

The counterpart of kitty's ``operations.hpp``. Tables follow
:mod:`gates.boolean.truth` (bit p is f(x), x_i = bit i of p); every function
takes one table or a batch and returns the same shape. The compiled kernels
work on whole words: an input flip or a cofactor of x_i (i < 6) is a shift
and a mask of each word, of x_i (i >= 6) a move of whole words.

An NPN transformation sigma = (perm, flips, negate) acts by
``(f . sigma)(x) = negate xor f(y)``, ``y_i = x_{perm[i]} xor flips_i``; its
group structure (composition, inverses, orbits) is in
:mod:`gates.boolean.symmetry`.
"""

import numpy as np
from numba import njit

from gates._validate import is_int
from gates.boolean.truth import as_tables, check_var, unwrap
from gates.boolean.words import PROJ, word_flip, word_mask
from gates.errors import InputError

__all__ = ["negate", "cofactor", "flip_inputs", "permute_inputs", "transform", "dual"]


# --------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------


@njit(cache=True)
def _flip_rows(tables, i, out):
    """out = tables with input i complemented. Compiled with numba."""
    words = tables.shape[1]
    for r in range(tables.shape[0]):
        if i < 6:
            for k in range(words):
                out[r, k] = word_flip(tables[r, k], i)
        else:
            b = 1 << (i - 6)
            for k in range(words):
                out[r, k] = tables[r, k ^ b]


@njit(cache=True)
def _cofactor_rows(tables, i, value, out):
    """out = f with x_i fixed to `value` (still a table of n inputs). Compiled."""
    words = tables.shape[1]
    for r in range(tables.shape[0]):
        if i < 6:
            s = np.uint64(1 << i)
            p = PROJ[i]
            for k in range(words):
                t = tables[r, k]
                if value:
                    h = t & p
                    out[r, k] = h | (h >> s)
                else:
                    lo = t & ~p
                    out[r, k] = lo | (lo << s)
        else:
            b = 1 << (i - 6)
            for k in range(words):
                out[r, k] = tables[r, (k | b) if value else (k & ~b)]


@njit(cache=True)
def _gather_rows(tables, idx, out):
    """out bit p = tables bit idx[p], row by row. Compiled with numba."""
    nbits = idx.shape[0]
    for r in range(tables.shape[0]):
        for k in range(out.shape[1]):
            out[r, k] = 0
        for p in range(nbits):
            q = idx[p]
            bit = (tables[r, q >> 6] >> np.uint64(q & 63)) & np.uint64(1)
            out[r, p >> 6] |= bit << np.uint64(p & 63)


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------


def _check_mask(mask, n):
    if not is_int(mask) or not 0 <= mask < (1 << n):
        raise InputError(f"negation mask {mask!r} is out of range: allowed 0 <= mask < 2^{n}")
    return int(mask)


def _check_perm(perm, n):
    try:
        items = list(perm)
    except TypeError:
        items = None
    if items is None or not all(is_int(v) for v in items):
        raise InputError(f"a permutation must be a sequence of {n} integers, got {perm!r}")
    p = [int(v) for v in items]
    if sorted(p) != list(range(n)):
        raise InputError(f"{perm!r} is not a permutation of 0..{n - 1}")
    return p


def _perm_index(perm, n):
    """idx[p] = position y with y_i = x_{perm[i]} where x = p."""
    p = np.arange(1 << n, dtype=np.int64)
    idx = np.zeros(1 << n, dtype=np.int64)
    for i in range(n):
        idx |= ((p >> perm[i]) & 1) << i
    return idx


# --------------------------------------------------------------------------
# public operations
# --------------------------------------------------------------------------

def negate(tt, n):
    """The complement, not f.

    Parameters
    ----------
    tt : table or batch of tables
        A hex string, an int, or uint64 words (see :mod:`gates.boolean.truth`).
    n : int
        Number of inputs, 0 <= n <= 16.

    Returns
    -------
    ndarray of uint64, shape (num_words(n),), or (N, num_words(n)) for a batch

    Raises
    ------
    InputError
        For a malformed table.

    Examples
    --------
    Majority is self-dual, so its complement is its input-complemented form:

    >>> from gates.boolean.operations import negate
    >>> from gates.boolean.truth import to_hex
    >>> to_hex(negate("e8", 3), 3), to_hex(negate("8", 2), 2)     # not majority; NAND
    ('17', '7')
    """
    arr, single = as_tables(tt, n)
    return unwrap(~arr & word_mask(n), single)


def cofactor(tt, n, i, value):
    """f with input x_i fixed to `value` (0 or 1), still a table of n inputs.

    This is kitty's ``cofactor0`` / ``cofactor1``: the result does not depend
    on x_i.

    Parameters
    ----------
    tt : table or batch of tables
        A hex string, an int, or uint64 words (see :mod:`gates.boolean.truth`).
    n : int
        Number of inputs, 0 <= n <= 16.
    i : int
        The input to fix, 0 <= i < n.
    value : {0, 1}

    Returns
    -------
    ndarray of uint64, shape (num_words(n),), or (N, num_words(n)) for a batch

    Raises
    ------
    InputError
        For a malformed table, i out of range, or a value other than 0, 1.

    Examples
    --------
    Majority of three with x_2 = 1 is x_0 or x_1; with x_2 = 0, x_0 and x_1:

    >>> from gates.boolean.operations import cofactor
    >>> from gates.boolean.truth import to_hex
    >>> to_hex(cofactor("e8", 3, 2, 1), 3), to_hex(cofactor("e8", 3, 2, 0), 3)
    ('ee', '88')
    """
    arr, single = as_tables(tt, n)
    i = check_var(i, n)
    if value not in (0, 1):
        raise InputError(f"a cofactor fixes x_i to 0 or 1, got {value!r}")
    out = np.empty_like(arr)
    _cofactor_rows(arr, i, int(value), out)
    return unwrap(out, single)


def flip_inputs(tt, n, mask):
    """g(x) = f(x xor mask): complement the inputs whose bit is set in `mask`.

    Parameters
    ----------
    tt : table or batch of tables
        A hex string, an int, or uint64 words (see :mod:`gates.boolean.truth`).
    n : int
        Number of inputs, 0 <= n <= 16.
    mask : int
        0 <= mask < 2^n; bit i complements input x_i.

    Returns
    -------
    ndarray of uint64, shape (num_words(n),), or (N, num_words(n)) for a batch

    Raises
    ------
    InputError
        For a malformed table or a mask out of range.

    Examples
    --------
    AND with x_0 complemented is (not x_0) and x_1, true only at p = 2:

    >>> from gates.boolean.operations import flip_inputs
    >>> from gates.boolean.truth import to_hex
    >>> to_hex(flip_inputs("8", 2, 0b01), 2)
    '4'
    """
    arr, single = as_tables(tt, n)
    mask = _check_mask(mask, n)
    cur = arr.copy()
    tmp = np.empty_like(arr)
    for i in range(n):
        if (mask >> i) & 1:
            _flip_rows(cur, i, tmp)
            cur, tmp = tmp, cur
    return unwrap(cur, single)


def permute_inputs(tt, n, perm):
    """g(x) = f(y) with y_i = x_{perm[i]}: input i of f reads x_{perm[i]}.

    Parameters
    ----------
    tt : table or batch of tables
        A hex string, an int, or uint64 words (see :mod:`gates.boolean.truth`).
    n : int
        Number of inputs, 0 <= n <= 16.
    perm : sequence of int
        A permutation of 0..n-1.

    Returns
    -------
    ndarray of uint64, shape (num_words(n),), or (N, num_words(n)) for a batch

    Raises
    ------
    InputError
        For a malformed table or a sequence that is not a permutation.

    Examples
    --------
    Swapping the inputs of x_0 and not x_1 (true at p = 1) gives x_1 and not
    x_0 (true at p = 2):

    >>> from gates.boolean.operations import permute_inputs
    >>> from gates.boolean.truth import to_hex
    >>> to_hex(permute_inputs("2", 2, (1, 0)), 2)
    '4'
    """
    arr, single = as_tables(tt, n)
    perm = _check_perm(perm, n)
    out = np.empty_like(arr)
    _gather_rows(arr, _perm_index(perm, n), out)
    return unwrap(out, single)


def transform(tt, n, perm=None, flips=0, negate_output=False):
    """Apply an NPN transformation: g(x) = o xor f(y), y_i = x_{perm[i]} xor m_i.

    Composition: ``transform(transform(f, s1), s2) == transform(f, s1 * s2)``
    where ``(s1 * s2)(x) = s1(s2(x))``; see :mod:`gates.boolean.symmetry`.

    Parameters
    ----------
    tt : table or batch of tables
        A hex string, an int, or uint64 words (see :mod:`gates.boolean.truth`).
    n : int
        Number of inputs, 0 <= n <= 16.
    perm : sequence of int, optional
        Input permutation; identity if None.
    flips : int, default 0
        Negation mask m, 0 <= m < 2^n (bit i complements the input of f's x_i).
    negate_output : bool, default False
        Output negation o.

    Returns
    -------
    ndarray of uint64, shape (num_words(n),), or (N, num_words(n)) for a batch

    Raises
    ------
    InputError
        For a malformed table, permutation or mask.

    Examples
    --------
    Majority is self-dual: complementing every input and the output gives it
    back. AND maps to NOR by complementing both inputs and the output:

    >>> from gates.boolean.operations import transform
    >>> from gates.boolean.truth import to_hex
    >>> to_hex(transform("e8", 3, flips=0b111, negate_output=True), 3)
    'e8'
    >>> to_hex(transform("8", 2, perm=(1, 0), flips=0b11, negate_output=True), 2)
    'e'
    """
    arr, single = as_tables(tt, n)
    perm = list(range(n)) if perm is None else _check_perm(perm, n)
    flips = _check_mask(flips, n)
    # g(x) = f(P(x) xor m): complement first, then read through the permutation
    cur = flip_inputs(arr, n, flips)
    out = np.empty_like(cur)
    _gather_rows(cur, _perm_index(perm, n), out)
    if negate_output:
        out = ~out & word_mask(n)
    return unwrap(out, single)


def dual(tt, n):
    """The dual f^d(x) = not f(not x).

    Parameters
    ----------
    tt : table or batch of tables
        A hex string, an int, or uint64 words (see :mod:`gates.boolean.truth`).
    n : int
        Number of inputs, 0 <= n <= 16.

    Returns
    -------
    ndarray of uint64, shape (num_words(n),), or (N, num_words(n)) for a batch

    Raises
    ------
    InputError
        For a malformed table.

    Examples
    --------
    The dual of AND is OR; majority is its own dual:

    >>> from gates.boolean.operations import dual
    >>> from gates.boolean.truth import to_hex
    >>> to_hex(dual("8", 2), 2), to_hex(dual("e8", 3), 3)
    ('e', 'e8')
    """
    arr, single = as_tables(tt, n)
    out = flip_inputs(arr, n, (1 << n) - 1)
    return unwrap(~out & word_mask(n), single)


"""Properties of truth tables: polarity, monotone, unate, support, self-dual, Chow parameters.

The counterpart of kitty's ``properties.hpp``. Tables follow
:mod:`gates.boolean.truth` (bit p is f(x), x_i = bit i of p); every function
takes one table or a batch, and answers per table (a bool or an int for one
table, an array for a batch).

Every threshold function is unate, and is fixed among all functions by its
Chow parameters (Chow's theorem); monotone functions are the positive unate
ones, counted by the Dedekind numbers (OEIS A000372).
"""

import numpy as np
from numba import njit

from gates.boolean.operations import dual
from gates.boolean.truth import as_tables, popcount, projection, unwrap
from gates.boolean.words import PROJ

__all__ = ["polarity", "is_monotone", "is_unate", "support", "is_self_dual", "chow_parameters"]


@njit(cache=True)
def _polarity_rows(tables, n, out):
    """out[r, i]: +1 positive unate, -1 negative unate, 0 independent, 2 binate.

    f is positive unate in x_i iff cofactor0 <= cofactor1 pointwise. Compiled.
    """
    words = tables.shape[1]
    for r in range(tables.shape[0]):
        for i in range(n):
            up = False  # some x with f(x|x_i=0)=0 < f(x|x_i=1)=1
            down = False
            for k in range(words):
                if i < 6:
                    s = np.uint64(1 << i)
                    p = PROJ[i]
                    t = tables[r, k]
                    c0 = t & ~p
                    c1 = (t >> s) & ~p
                else:
                    b = 1 << (i - 6)
                    if k & b:
                        continue
                    c0 = tables[r, k]
                    c1 = tables[r, k | b]
                if c1 & ~c0:
                    up = True
                if c0 & ~c1:
                    down = True
            if up and down:
                out[r, i] = 2
            elif up:
                out[r, i] = 1
            elif down:
                out[r, i] = -1
            else:
                out[r, i] = 0


def polarity(tt, n):
    """Per-input polarity: +1 positive unate, -1 negative unate, 0 absent, 2 binate.

    f is positive unate in x_i when raising x_i never lowers f (its cofactor
    at x_i = 0 lies below the one at x_i = 1), negative unate when it never
    raises f, and binate when it does both somewhere.

    Parameters
    ----------
    tt : table or batch of tables
        A hex string, an int, or uint64 words (see :mod:`gates.boolean.truth`).
    n : int
        Number of inputs, 0 <= n <= 16.

    Returns
    -------
    ndarray of int8, shape (n,), or (N, n) for a batch

    Raises
    ------
    InputError
        For a malformed table.

    Examples
    --------
    >>> from gates.boolean.properties import polarity
    >>> polarity("2", 2).tolist()      # x_0 and not x_1
    [1, -1]
    >>> polarity("6", 2).tolist()      # XOR is binate in both inputs
    [2, 2]
    >>> polarity("a", 2).tolist()      # x_0 alone: x_1 is absent
    [1, 0]
    """
    arr, single = as_tables(tt, n)
    out = np.empty((arr.shape[0], n), dtype=np.int8)
    _polarity_rows(arr, n, out)
    return unwrap(out, single)


def is_monotone(tt, n):
    """Whether f is monotone increasing (positive unate) in every input.

    Parameters
    ----------
    tt : table or batch of tables
        See :mod:`gates.boolean.truth`.
    n : int
        Number of inputs, 0 <= n <= 16.

    Returns
    -------
    bool, or ndarray of bool, shape (N,), for a batch

    Raises
    ------
    InputError
        For a malformed table.

    Examples
    --------
    20 of the 256 functions of three inputs are monotone (the Dedekind
    number, OEIS A000372: 2, 3, 6, 20, 168, ...):

    >>> import numpy as np
    >>> from gates.boolean.properties import is_monotone
    >>> is_monotone("e8", 3), is_monotone("17", 3)     # majority; its complement
    (True, False)
    >>> int(is_monotone(np.arange(256, dtype=np.uint64).reshape(-1, 1), 3).sum())
    20
    """
    pol = polarity(tt, n)
    res = np.all((pol == 0) | (pol == 1), axis=-1)
    return bool(res) if res.ndim == 0 else res


def is_unate(tt, n):
    """Whether f is unate (positive or negative) in every input.

    Every threshold function is unate (a weight's sign fixes the input's
    polarity); the converse fails from four inputs on.

    Parameters
    ----------
    tt : table or batch of tables
        See :mod:`gates.boolean.truth`.
    n : int
        Number of inputs, 0 <= n <= 16.

    Returns
    -------
    bool, or ndarray of bool, shape (N,), for a batch

    Raises
    ------
    InputError
        For a malformed table.

    Examples
    --------
    (x_0 and x_1) or (x_2 and x_3) is unate but not threshold:

    >>> import gates
    >>> gates.is_unate("f888", 4), bool(gates.is_threshold("f888", 4))
    (True, False)
    >>> gates.is_unate(["6", "2"], 2).tolist()         # XOR; x_0 and not x_1
    [False, True]
    """
    res = np.all(polarity(tt, n) != 2, axis=-1)
    return bool(res) if res.ndim == 0 else res


def support(tt, n):
    """Bit mask of the inputs f depends on.

    Parameters
    ----------
    tt : table or batch of tables
        See :mod:`gates.boolean.truth`.
    n : int
        Number of inputs, 0 <= n <= 16.

    Returns
    -------
    int, or ndarray of int64, shape (N,), for a batch
        Bit i is set when f depends on x_i.

    Raises
    ------
    InputError
        For a malformed table.

    Examples
    --------
    >>> from gates.boolean.properties import support
    >>> support("e8", 3), support("a0", 3)     # majority; x_0 and x_2
    (7, 5)
    """
    pol = polarity(tt, n)
    w = 1 << np.arange(n, dtype=np.int64)
    res = ((np.atleast_2d(pol) != 0) * w).sum(axis=1)
    return int(res[0]) if pol.ndim == 1 else res


def is_self_dual(tt, n):
    """Whether f equals its dual, not f(not x).

    Parameters
    ----------
    tt : table or batch of tables
        See :mod:`gates.boolean.truth`.
    n : int
        Number of inputs, 0 <= n <= 16.

    Returns
    -------
    bool, or ndarray of bool, shape (N,), for a batch

    Raises
    ------
    InputError
        For a malformed table.

    Examples
    --------
    Majority is self-dual; of the 256 functions of three inputs, 2^(2^2) = 16
    are (a self-dual function is free on half of the points):

    >>> import numpy as np
    >>> from gates.boolean.properties import is_self_dual
    >>> is_self_dual("e8", 3)
    True
    >>> int(is_self_dual(np.arange(256, dtype=np.uint64).reshape(-1, 1), 3).sum())
    16
    """
    arr, single = as_tables(tt, n)
    res = np.all(dual(arr, n) == arr, axis=1)
    return bool(res[0]) if single else res


def chow_parameters(tt, n):
    """Chow parameters in +-1 coding, unnormalised integers.

    With F = 2f - 1 and X_i = 2x_i - 1 (true maps to +1),
    ``chow[0] = sum_x F(x)`` and ``chow[1 + i] = sum_x F(x) X_i``.
    These are 2^n times the degree-0 and degree-1 Walsh coefficients. A
    threshold function is the only function with its Chow parameters
    (Chow's theorem).

    Parameters
    ----------
    tt : table or batch of tables
        See :mod:`gates.boolean.truth`.
    n : int
        Number of inputs, 0 <= n <= 16.

    Returns
    -------
    ndarray of int64, shape (n + 1,), or (N, n + 1) for a batch

    Raises
    ------
    InputError
        For a malformed table.

    Examples
    --------
    >>> from gates.boolean.properties import chow_parameters
    >>> chow_parameters("e8", 3).tolist()     # majority: balanced, symmetric
    [0, 4, 4, 4]
    >>> chow_parameters("8", 2).tolist()      # AND
    [-2, 2, 2]
    """
    arr, single = as_tables(tt, n)
    total = popcount(arr, n)
    out = np.empty((arr.shape[0], n + 1), dtype=np.int64)
    out[:, 0] = 2 * total - (1 << n)
    for i in range(n):
        on = popcount(arr & projection(i, n), n)  # |f and x_i|
        out[:, 1 + i] = 2 * (on - (total - on))
    return unwrap(out, single)

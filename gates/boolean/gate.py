"""Threshold gates as truth tables: f(x) = [w . x + b > 0] over all 2^n inputs.

A gate's table follows the convention of :mod:`gates.boolean.truth` (bit p
is f(x), x_i = bit i of p). Integer weights are summed exactly along a Gray
code; real weights in float64. :func:`gate_margin` is the exact integer check
behind every threshold certificate in `gates`; :func:`gate_words` is the
compiled one-word kernel the threshold census lists its members with.
"""

import numpy as np
from numba import njit

from gates._validate import check_choice
from gates.boolean.truth import ENCODINGS, MAX_N, as_tables, check_n, num_words
from gates.errors import InputError

__all__ = ["TIES", "threshold_gate", "gate_margin"]

TIES = ("strict", "nonstrict")
"""What an activation of exactly 0 gives: 0 ("strict") or 1 ("nonstrict")."""


@njit(cache=True, inline="always")
def _gray_activations(weights, bias, r, n, pm1, acts):
    """acts[x] = activation of gate r at every input x, summed along a Gray code.

    Along the reflected Gray code exactly one input changes per step, so the
    activation changes by +-w_i (or +-2 w_i in +-1 coding): 2^n exact integer
    adds per gate. Compiled with numba.
    """
    a = bias[r]
    if pm1:
        for i in range(n):
            a -= weights[r, i]
    g = 0
    acts[0] = a
    for step in range(1, 1 << n):
        i = 0
        while not ((step >> i) & 1):
            i += 1
        g ^= 1 << i
        d = weights[r, i] * (2 if pm1 else 1)
        a = a + d if (g >> i) & 1 else a - d
        acts[g] = a


@njit(cache=True)
def _gate_rows_int(weights, bias, n, pm1, strict, out):
    """Tables of integer threshold gates (exact int64 sums). Compiled with numba."""
    acts = np.empty(1 << n, dtype=np.int64)
    for r in range(weights.shape[0]):
        _gray_activations(weights, bias, r, n, pm1, acts)
        for k in range(out.shape[1]):
            out[r, k] = 0
        for p in range(1 << n):
            a = acts[p]
            if a > 0 or (a == 0 and not strict):
                out[r, p >> 6] |= np.uint64(1) << np.uint64(p & 63)


@njit(cache=True)
def gate_words(weights, bias, n, out):
    """One-word tables (n <= 6) of integer gates in 0/1 coding, strict. Compiled.

    Returns 2^n, the number of input points; the tables go into `out`.
    Expects checked input: int64 ``weights`` (N, n), ``bias`` (N,), a uint64
    ``out`` of shape (N, 1) and n <= 6 (the threshold census lists through it).

    Activations follow the subset-sum recurrence a[p] = a[p - lowbit(p)] +
    w[log2 lowbit(p)]: one add per input point, no branches on the code.
    """
    npts = 1 << n
    acts = np.empty(64, dtype=np.int64)
    for r in range(weights.shape[0]):
        acts[0] = bias[r]
        word = np.uint64(1) if bias[r] > 0 else np.uint64(0)
        for i in range(n):
            lo = 1 << i
            wi = weights[r, i]
            for p in range(lo, lo << 1):
                a = acts[p - lo] + wi
                acts[p] = a
                if a > 0:
                    word |= np.uint64(1) << np.uint64(p)
        out[r, 0] = word
    return npts


@njit(cache=True)
def _gate_rows_float(weights, bias, n, pm1, strict, out):
    """Tables of real-valued threshold gates, one dot product per input. Compiled."""
    nbits = 1 << n
    for r in range(weights.shape[0]):
        for k in range(out.shape[1]):
            out[r, k] = 0
        for p in range(nbits):
            a = bias[r]
            for i in range(n):
                bit = (p >> i) & 1
                if pm1:
                    a += weights[r, i] if bit else -weights[r, i]
                elif bit:
                    a += weights[r, i]
            if a > 0 or (a == 0 and not strict):
                out[r, p >> 6] |= np.uint64(1) << np.uint64(p & 63)


@njit(cache=True)
def _margin_rows_int(tables, weights, bias, n, pm1, out):
    """min over x of (2 f(x) - 1) * activation(x) for integer gates. Compiled."""
    acts = np.empty(1 << n, dtype=np.int64)
    for r in range(weights.shape[0]):
        _gray_activations(weights, bias, r, n, pm1, acts)
        best = np.iinfo(np.int64).max
        for p in range(1 << n):
            f = (tables[r, p >> 6] >> np.uint64(p & 63)) & np.uint64(1)
            m = acts[p] if f else -acts[p]
            if m < best:
                best = m
        out[r] = best


def _gate_arrays(weights, bias, n):
    w = np.asarray(weights)
    if w.ndim == 1:
        w = w.reshape(1, -1)
        single = True
    elif w.ndim == 2:
        single = False
    else:
        raise InputError("weights must be 1-D (one gate) or 2-D (a batch of gates)")
    if n is None:
        n = w.shape[1]
    n = check_n(n, 0, MAX_N, "a threshold gate")
    if w.shape[1] != n:
        raise InputError(f"weights have {w.shape[1]} entries; n={n} inputs need {n}")
    try:
        b = np.broadcast_to(np.asarray(bias), (w.shape[0],))
    except ValueError:
        raise InputError(
            f"bias must be a scalar or hold one value per gate ({w.shape[0]}), got shape {np.shape(bias)}"
        ) from None
    # an empty weight list ([] for n = 0) arrives as float64; it is integer
    is_int = (w.dtype.kind in "iub" or w.size == 0) and b.dtype.kind in "iub"
    if is_int:
        w = np.ascontiguousarray(w, dtype=np.int64)
        b = np.ascontiguousarray(b, dtype=np.int64)
    else:
        w = np.ascontiguousarray(w, dtype=np.float64)
        b = np.ascontiguousarray(b, dtype=np.float64)
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
            raise InputError("weights and bias must be finite")
    return w, b, n, single, is_int


def _check_encoding(encoding, tie="strict"):
    check_choice(encoding, "encoding", ENCODINGS)
    check_choice(tie, "tie", TIES)


def threshold_gate(weights, bias, n=None, encoding="01", tie="strict"):
    """Truth table of the gate f(x) = [w . x + b > 0] over all 2^n inputs.

    Parameters
    ----------
    weights : array_like, shape (n,) or (N, n)
        One gate's weights, or one row per gate. Integer weights (with an
        integer bias) are summed exactly in int64; others in float64.
    bias : scalar or array_like, shape (N,)
        The bias b (minus the threshold), one per gate or shared.
    n : int, optional
        Number of inputs, 0 <= n <= 16; by default the number of weights.
    encoding : {"01", "pm1"}, default "01"
        Whether input x_i enters the sum as 0/1 or as -1/+1.
    tie : {"strict", "nonstrict"}, default "strict"
        "strict": an activation of exactly 0 gives 0; "nonstrict": it gives 1.

    Returns
    -------
    ndarray of uint64, shape (num_words(n),), or (N, num_words(n)) for a batch
        The tables, in the convention of :mod:`gates.boolean.truth`.

    Raises
    ------
    InputError
        For weights that are not 1-D or 2-D, a weight count other than n, a
        bias that does not broadcast to one per gate, non-finite values, or
        an unknown encoding or tie rule.

    Examples
    --------
    Majority of three, as a 0/1 gate and as a +-1 gate with no bias:

    >>> from gates.boolean.gate import threshold_gate
    >>> from gates.boolean.truth import to_hex
    >>> to_hex(threshold_gate([1, 1, 1], -1.5), 3), to_hex(threshold_gate([1, 1, 1], 0, encoding="pm1"), 3)
    ('e8', 'e8')

    The tie rule decides an activation of exactly 0 (here x_0 + x_1 - 1 at
    one true input): AND when strict, OR when not:

    >>> to_hex(threshold_gate([1, 1], -1, tie="strict"), 2), to_hex(threshold_gate([1, 1], -1, tie="nonstrict"), 2)
    ('8', 'e')

    A batch of gates gives a batch of tables:

    >>> to_hex(threshold_gate([[1, 1], [-1, -1]], [-1, 1]), 2)    # AND, NOR
    ['8', '1']
    """
    _check_encoding(encoding, tie)
    w, b, n, single, is_int = _gate_arrays(weights, bias, n)
    out = np.empty((w.shape[0], num_words(n)), dtype=np.uint64)
    kernel = _gate_rows_int if is_int else _gate_rows_float
    kernel(w, b, n, encoding == "pm1", tie == "strict", out)
    return out[0] if single else out


def gate_margin(tt, n, weights, bias, encoding="01"):
    """Smallest signed activation ``min_x (2 f(x) - 1)(w . x + b)`` of integer gates.

    The gate realises f with a strict margin, under any tie convention, iff
    the result is > 0. This is the exact check behind every threshold
    certificate in `gates`.

    Parameters
    ----------
    tt : table or batch of tables
        A hex string, an int, or uint64 words (see :mod:`gates.boolean.truth`).
    n : int
        Number of inputs, 0 <= n <= 16.
    weights : array_like of int, shape (n,) or (N, n)
        Integer weights, one row per table.
    bias : int or array_like of int, shape (N,)
        Integer bias, one per table or shared.
    encoding : {"01", "pm1"}, default "01"
        Whether input x_i enters the sum as 0/1 or as -1/+1.

    Returns
    -------
    int, or ndarray of int64, shape (N,), for a batch

    Raises
    ------
    InputError
        For malformed tables or weights, non-integer weights or bias, or as
        many tables as gates not given.

    Examples
    --------
    Weights (2, 2, 2) and bias -3 realise majority with every activation at
    least 1 away from 0; the same gate misses OR:

    >>> from gates.boolean.gate import gate_margin
    >>> gate_margin("e8", 3, [2, 2, 2], -3), gate_margin("fe", 3, [2, 2, 2], -3)
    (1, -1)
    """
    _check_encoding(encoding)
    arr, single = as_tables(tt, n)
    w, b, n, _, is_int = _gate_arrays(weights, bias, n)
    if not is_int:
        raise InputError("gate_margin checks integer certificates; weights and bias must be integers")
    if w.shape[0] != arr.shape[0]:
        raise InputError(f"{arr.shape[0]} tables but {w.shape[0]} gates")
    out = np.empty(arr.shape[0], dtype=np.int64)
    _margin_rows_int(arr, w, b, n, encoding == "pm1", out)
    return int(out[0]) if single else out

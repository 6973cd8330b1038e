"""Truth tables in bitset form, in the convention of kitty.

Bit ``p`` of the table of a function f of n inputs is f(x), where input ``x_i``
is bit ``i`` of ``p``. A table of n <= 6 inputs lives in the low 2^n bits of one
``uint64``; a larger table is ``2^(n-6)`` words, word ``k`` holding bits
``64k .. 64k+63``. Tables travel as hex strings, most significant nibble first,
exactly as kitty, ABC and Sage print them.

Every public function accepts one table (a hex string, a Python int, or a 1-D
``uint64`` array of ``num_words(n)`` words) or a batch (a 2-D array of shape
``(N, num_words(n))``, or a list of strings/ints), and returns the same shape.
Kernels are compiled with numba and private (the word kernels shared with
other modules live in :mod:`gates.boolean.words`); this module validates
inputs and normalises dtypes so that one signature compiles once. Threshold
gates (weights to tables) are in :mod:`gates.boolean.gate`.
"""

import numpy as np
from numba import njit

from gates._validate import check_int, is_int
from gates.boolean.words import ONES, PROJ, popcount64, word_flip, word_mask
from gates.errors import InputError

__all__ = [
    "MAX_N",
    "ENCODINGS",
    "num_words",
    "check_n",
    "as_tables",
    "from_hex",
    "to_hex",
    "from_int",
    "to_int",
    "constant",
    "projection",
    "popcount",
    "cofactor",
    "flip_inputs",
    "permute_inputs",
    "negate",
    "transform",
    "is_monotone",
    "polarity",
    "is_unate",
    "support",
    "dual",
    "is_self_dual",
    "chow_parameters",
]

MAX_N = 16
"""Largest number of inputs a truth table may have (2^16 bits, 1024 words)."""

ENCODINGS = ("pm1", "01")
"""Activity codings of a unit: -1/+1 or 0/1 (the one definition every room uses)."""



def num_words(n):
    """Number of ``uint64`` words in a table of `n` inputs (1 for n <= 6)."""
    return 1 if n <= 6 else 1 << (n - 6)


def check_n(n, lo=0, hi=MAX_N, what="this operation"):
    """Return `n` as an int, or raise :class:`InputError` if outside [lo, hi]."""
    n = check_int(n, "n")
    if not lo <= n <= hi:
        raise InputError(f"n={n} is out of range for {what}: allowed {lo} <= n <= {hi}")
    return n


# --------------------------------------------------------------------------
# conversion
# --------------------------------------------------------------------------


def from_int(value, n):
    """The table whose bit p is bit p of the non-negative integer `value`."""
    n = check_n(n)
    value = int(value)
    if value < 0 or value >> (1 << n):
        raise InputError(
            f"table value {value:#x} does not fit n={n}: allowed 0 <= value < 2^{1 << n}"
        )
    words = num_words(n)
    return np.array(
        [(value >> (64 * k)) & 0xFFFFFFFFFFFFFFFF for k in range(words)], dtype=np.uint64
    )


def to_int(tt, n):
    """The table as a Python int (bit p = f(p)); a batch gives a list."""
    arr, single = as_tables(tt, n)
    out = []
    for row in arr:
        v = 0
        for k in range(row.shape[0] - 1, -1, -1):
            v = (v << 64) | int(row[k])
        out.append(v)
    return out[0] if single else out


def _hex_len(n):
    return max(1, (1 << n) // 4)


def from_hex(text, n):
    """Parse a kitty/ABC hex string (most significant nibble first).

    The string holds exactly ``max(1, 2^n / 4)`` hex digits, optionally after
    ``0x``; for n < 2 the unused high bits of the single digit must be 0.

    Examples
    --------
    >>> from gates.boolean.truth import from_hex, to_hex
    >>> to_hex(from_hex("e8", 3), 3)   # majority of three inputs
    'e8'
    """
    n = check_n(n)
    if not isinstance(text, str):
        raise InputError(f"a hex table must be a string, got {type(text).__name__}")
    s = text.strip()
    if s[:2] in ("0x", "0X"):
        s = s[2:]
    want = _hex_len(n)
    if len(s) != want:
        raise InputError(
            f"hex table {text!r} has {len(s)} digits; n={n} needs exactly {want}"
        )
    # int(s, 16) alone would also take "_", "+", "0x" and non-ASCII digits
    if not all(c in "0123456789abcdefABCDEF" for c in s):
        raise InputError(f"hex table {text!r} has characters outside 0-9, a-f")
    value = int(s, 16)
    if value >> (1 << n):
        raise InputError(f"hex table {text!r} sets bits beyond the 2^{n} of n={n}")
    return from_int(value, n)


def to_hex(tt, n):
    """Format tables as kitty/ABC hex strings (a batch gives a list)."""
    arr, single = as_tables(tt, n)
    width = _hex_len(n)
    out = []
    for row in arr:
        s = "".join(f"{int(w):016x}" for w in row[::-1])
        out.append(s[-width:])
    return out[0] if single else out


def as_tables(tt, n):
    """Normalise table input to a contiguous ``(N, W)`` uint64 array.

    Returns
    -------
    tables : ndarray of uint64, shape (N, num_words(n))
    single : bool
        True when the input was one table (so results are unwrapped).

    Raises
    ------
    InputError
        For a wrong word count, negative values, bits beyond 2^n, or bad hex.
    """
    n = check_n(n)
    words = num_words(n)
    if isinstance(tt, str) or is_int(tt):
        row = from_hex(tt, n) if isinstance(tt, str) else from_int(tt, n)
        return row.reshape(1, words), True
    if isinstance(tt, (list, tuple)):
        if len(tt) and all(isinstance(t, (str, int, np.integer)) for t in tt):
            rows = [as_tables(t, n)[0][0] for t in tt]
            return np.ascontiguousarray(np.stack(rows), dtype=np.uint64), False
    arr = np.asarray(tt)
    if arr.dtype.kind not in "ui":
        raise InputError(
            f"truth tables must be unsigned integer words, hex strings or ints; got dtype {arr.dtype}"
        )
    if arr.dtype.kind == "i" and arr.size and arr.min() < 0:
        raise InputError("truth-table words must be non-negative")
    if arr.ndim == 1:
        single = True
        arr = arr.reshape(1, -1)
    elif arr.ndim == 2:
        single = False
    else:
        raise InputError(f"truth tables must be 1-D (one table) or 2-D (a batch), got {arr.ndim}-D")
    if arr.shape[1] != words:
        raise InputError(
            f"a table of n={n} inputs has {words} uint64 word(s), got {arr.shape[1]}"
        )
    arr = np.ascontiguousarray(arr, dtype=np.uint64)
    if n < 6 and arr.size and np.any(arr & ~word_mask(n)):
        raise InputError(f"a table of n={n} inputs has bits set beyond the first 2^{n}")
    return arr, single


def _unwrap(arr, single):
    return arr[0] if single else arr


# --------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------


@njit(cache=True)
def _popcount_rows(tables, out):
    """Population count of each row. Compiled with numba."""
    for r in range(tables.shape[0]):
        c = np.uint64(0)
        for k in range(tables.shape[1]):
            c += popcount64(tables[r, k])
        out[r] = c


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


# --------------------------------------------------------------------------
# public operations
# --------------------------------------------------------------------------


def constant(value, n):
    """The constant function 0 or 1 of `n` inputs."""
    n = check_n(n)
    if value not in (0, 1, False, True):
        raise InputError(f"a constant is 0 or 1, got {value!r}")
    return np.full(num_words(n), word_mask(n) if value else 0, dtype=np.uint64)


def projection(i, n):
    """The table of the input x_i among `n` inputs (kitty's ``create_nth_var``)."""
    n = check_n(n, 1, MAX_N, "a projection")
    i = _check_var(i, n)
    words = num_words(n)
    if i < 6:
        return np.full(words, PROJ[i] & word_mask(n), dtype=np.uint64)
    k = np.arange(words)
    return np.where((k >> (i - 6)) & 1, ONES, np.uint64(0)).astype(np.uint64)


def popcount(tt, n):
    """Number of true points of each table (an int, or an int64 array)."""
    arr, single = as_tables(tt, n)
    out = np.empty(arr.shape[0], dtype=np.uint64)
    _popcount_rows(arr, out)
    out = out.astype(np.int64)
    return int(out[0]) if single else out


def _check_var(i, n):
    if not is_int(i) or not 0 <= i < n:
        raise InputError(f"input index {i!r} is out of range: allowed 0 <= i < {n}")
    return int(i)


def cofactor(tt, n, i, value):
    """f with input x_i fixed to `value` (0 or 1), still a table of n inputs.

    This is kitty's ``cofactor0`` / ``cofactor1``: the result does not depend
    on x_i.
    """
    arr, single = as_tables(tt, n)
    i = _check_var(i, n)
    if value not in (0, 1):
        raise InputError(f"a cofactor fixes x_i to 0 or 1, got {value!r}")
    out = np.empty_like(arr)
    _cofactor_rows(arr, i, int(value), out)
    return _unwrap(out, single)


def _check_mask(mask, n):
    if not is_int(mask) or not 0 <= mask < (1 << n):
        raise InputError(f"negation mask {mask!r} is out of range: allowed 0 <= mask < 2^{n}")
    return int(mask)


def flip_inputs(tt, n, mask):
    """g(x) = f(x xor mask): complement the inputs whose bit is set in `mask`."""
    arr, single = as_tables(tt, n)
    mask = _check_mask(mask, n)
    cur = arr.copy()
    tmp = np.empty_like(arr)
    for i in range(n):
        if (mask >> i) & 1:
            _flip_rows(cur, i, tmp)
            cur, tmp = tmp, cur
    return _unwrap(cur, single)


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


def permute_inputs(tt, n, perm):
    """g(x) = f(y) with y_i = x_{perm[i]}: input i of f reads x_{perm[i]}."""
    arr, single = as_tables(tt, n)
    perm = _check_perm(perm, n)
    out = np.empty_like(arr)
    _gather_rows(arr, _perm_index(perm, n), out)
    return _unwrap(out, single)


def negate(tt, n):
    """The complement, not f."""
    arr, single = as_tables(tt, n)
    return _unwrap(~arr & word_mask(n), single)


def transform(tt, n, perm=None, flips=0, negate_output=False):
    """Apply an NPN transformation: g(x) = o xor f(y), y_i = x_{perm[i]} xor m_i.

    Parameters
    ----------
    perm : sequence of int, optional
        Input permutation; identity if None.
    flips : int
        Negation mask m (bit i complements the input of f's x_i).
    negate_output : bool
        Output negation o.

    Composition: ``transform(transform(f, s1), s2) == transform(f, s1 * s2)``
    where ``(s1 * s2)(x) = s1(s2(x))``; see :mod:`gates.boolean.symmetry`.
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
    return _unwrap(out, single)


def polarity(tt, n):
    """Per-input polarity: +1 positive unate, -1 negative unate, 0 absent, 2 binate.

    Returns an int8 array of shape (n,) for one table, (N, n) for a batch.
    """
    arr, single = as_tables(tt, n)
    out = np.empty((arr.shape[0], n), dtype=np.int8)
    _polarity_rows(arr, n, out)
    return _unwrap(out, single)


def is_monotone(tt, n):
    """True where f is monotone increasing (positive unate) in every input."""
    pol = polarity(tt, n)
    res = np.all((pol == 0) | (pol == 1), axis=-1)
    return bool(res) if res.ndim == 0 else res


def is_unate(tt, n):
    """True where f is unate (positive or negative) in every input."""
    res = np.all(polarity(tt, n) != 2, axis=-1)
    return bool(res) if res.ndim == 0 else res


def support(tt, n):
    """Bit mask of the inputs f depends on (an int, or an int64 array)."""
    pol = np.atleast_2d(polarity(tt, n))
    w = (1 << np.arange(n, dtype=np.int64))
    res = ((pol != 0) * w).sum(axis=1)
    return int(res[0]) if np.ndim(polarity(tt, n)) == 1 else res


def dual(tt, n):
    """The dual f^d(x) = not f(not x)."""
    arr, single = as_tables(tt, n)
    out = flip_inputs(arr, n, (1 << n) - 1)
    return _unwrap(~out & word_mask(n), single)


def is_self_dual(tt, n):
    """True where f equals its dual."""
    arr, single = as_tables(tt, n)
    res = np.all(dual(arr, n) == arr, axis=1)
    return bool(res[0]) if single else res


def chow_parameters(tt, n):
    """Chow parameters in +-1 coding, unnormalised integers.

    With F = 2f - 1 and X_i = 2x_i - 1 (true maps to +1),
    ``chow[0] = sum_x F(x)`` and ``chow[1 + i] = sum_x F(x) X_i``.
    These are 2^n times the degree-0 and degree-1 Walsh coefficients.
    Returns shape (n + 1,) for one table, (N, n + 1) for a batch.
    """
    arr, single = as_tables(tt, n)
    total = popcount(arr, n)
    out = np.empty((arr.shape[0], n + 1), dtype=np.int64)
    out[:, 0] = 2 * total - (1 << n)
    for i in range(n):
        on = popcount(arr & projection(i, n), n)  # |f and x_i|
        out[:, 1 + i] = 2 * (on - (total - on))
    return _unwrap(out, single)

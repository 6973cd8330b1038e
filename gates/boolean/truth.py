"""Truth tables in bitset form, in the convention of kitty: reading, writing, building.

Bit ``p`` of the table of a function f of n inputs is f(x), where input ``x_i``
is bit ``i`` of ``p``. A table of n <= 6 inputs lives in the low 2^n bits of one
``uint64``; a larger table is ``2^(n-6)`` words, word ``k`` holding bits
``64k .. 64k+63``. Tables travel as hex strings, most significant nibble first,
exactly as kitty, ABC and Sage print them.

Every public function accepts one table (a hex string, a Python int, or a 1-D
``uint64`` array of ``num_words(n)`` words) or a batch (a 2-D array of shape
``(N, num_words(n))``, or a list of strings/ints), and returns the same shape.
Kernels are compiled with numba and private (the word kernels shared with
other modules live in :mod:`gates.boolean.words`); the public functions
validate inputs and normalise dtypes so that one signature compiles once.

The room follows kitty's layout: this module reads, writes and builds
tables; :mod:`gates.boolean.operations` transforms them (cofactors, input
flips and permutations, NPN transforms, duals; kitty's ``operations.hpp``);
:mod:`gates.boolean.properties` tests them (polarity, monotone, unate,
support, self-dual, Chow parameters; kitty's ``properties.hpp``). Those
names are reachable here too (``gates.boolean.truth.transform``).
Threshold gates (weights to tables) are in :mod:`gates.boolean.gate`.
"""


import numpy as np
from numba import njit

from gates._validate import check_int, is_int
from gates.boolean.words import ONES, PROJ, popcount64, word_mask
from gates.errors import InputError

__all__ = [
    "MAX_N",
    "ENCODINGS",
    "num_words",
    "check_n",
    "check_var",
    "unwrap",
    "as_tables",
    "from_hex",
    "to_hex",
    "from_int",
    "to_int",
    "constant",
    "projection",
    "popcount",
]

MAX_N = 16
"""Largest number of inputs a truth table may have (2^16 bits, 1024 words)."""

ENCODINGS = ("pm1", "01")
"""Activity codings of a unit: -1/+1 or 0/1 (the one definition every room uses)."""

def num_words(n):
    """Number of ``uint64`` words in a table of `n` inputs.

    Parameters
    ----------
    n : int
        Number of inputs (not checked).

    Returns
    -------
    int
        1 for n <= 6, else 2^(n - 6).

    Examples
    --------
    >>> from gates.boolean.truth import num_words
    >>> [num_words(n) for n in (0, 6, 7, 10)]
    [1, 1, 2, 16]
    """
    return 1 if n <= 6 else 1 << (n - 6)


def check_n(n, lo=0, hi=MAX_N, what="this operation"):
    """`n` as an int, checked against the range an operation allows.

    Parameters
    ----------
    n : int
        Number of inputs.
    lo, hi : int, default 0 and :data:`MAX_N`
        The allowed range, inclusive.
    what : str
        The operation, named in the error message.

    Returns
    -------
    int

    Raises
    ------
    InputError
        If `n` is not an integer or lies outside [lo, hi].

    Examples
    --------
    >>> from gates.boolean.truth import check_n
    >>> check_n(3)
    3
    >>> check_n(17)
    Traceback (most recent call last):
    ...
    gates.errors.InputError: n=17 is out of range for this operation: allowed 0 <= n <= 16
    """
    n = check_int(n, "n")
    if not lo <= n <= hi:
        raise InputError(f"n={n} is out of range for {what}: allowed {lo} <= n <= {hi}")
    return n


def check_var(i, n):
    """`i` as an int when it indexes one of `n` inputs (0 <= i < n).

    Parameters
    ----------
    i : int
        The input index.
    n : int
        Number of inputs.

    Returns
    -------
    int

    Raises
    ------
    InputError
        If `i` is not an integer in range.
    """
    if not is_int(i) or not 0 <= i < n:
        raise InputError(f"input index {i!r} is out of range: allowed 0 <= i < {n}")
    return int(i)


# --------------------------------------------------------------------------
# conversion
# --------------------------------------------------------------------------


def from_int(value, n):
    """The table whose bit p is bit p of the non-negative integer `value`.

    Parameters
    ----------
    value : int
        0 <= value < 2^(2^n); bit p is f(p).
    n : int
        Number of inputs, 0 <= n <= 16.

    Returns
    -------
    ndarray of uint64, shape (num_words(n),)

    Raises
    ------
    InputError
        For n out of range or a value that does not fit 2^n bits.

    Examples
    --------
    >>> from gates.boolean.truth import from_int
    >>> from_int(0xE8, 3)            # majority of three inputs
    array([232], dtype=uint64)
    >>> from_int(1 << 127, 7)        # bit 127 lives in word 1
    array([                  0, 9223372036854775808], dtype=uint64)
    """
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
    """The table as a Python int (bit p = f(p)).

    Parameters
    ----------
    tt : table or batch of tables
        See the module doc.
    n : int
        Number of inputs.

    Returns
    -------
    int, or list of int for a batch

    Raises
    ------
    InputError
        For a malformed table (see :func:`as_tables`).

    Examples
    --------
    >>> from gates.boolean.truth import to_int
    >>> to_int("e8", 3), to_int(["8", "e"], 2)     # majority; AND and OR
    (232, [8, 14])
    """
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

    Parameters
    ----------
    text : str
        Exactly ``max(1, 2^n / 4)`` hex digits, optionally after ``0x``; for
        n < 2 the unused high bits of the single digit must be 0.
    n : int
        Number of inputs, 0 <= n <= 16.

    Returns
    -------
    ndarray of uint64, shape (num_words(n),)

    Raises
    ------
    InputError
        For a non-string, a wrong number of digits, characters other than
        0-9 and a-f, or bits beyond 2^n.

    Examples
    --------
    >>> from gates.boolean.truth import from_hex
    >>> from_hex("e8", 3)            # majority of three: true at p = 3, 5, 6, 7
    array([232], dtype=uint64)
    >>> from_hex("e", 3)
    Traceback (most recent call last):
    ...
    gates.errors.InputError: hex table 'e' has 1 digits; n=3 needs exactly 2
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
    """Format tables as kitty/ABC hex strings, most significant nibble first.

    Parameters
    ----------
    tt : table or batch of tables
        See the module doc.
    n : int
        Number of inputs; the string has ``max(1, 2^n / 4)`` digits.

    Returns
    -------
    str, or list of str for a batch

    Raises
    ------
    InputError
        For a malformed table (see :func:`as_tables`).

    Examples
    --------
    >>> from gates.boolean.truth import to_hex
    >>> to_hex(232, 3), to_hex([1, 7], 2), to_hex(1 << 127, 7)
    ('e8', ['1', '7'], '80000000000000000000000000000000')
    """
    arr, single = as_tables(tt, n)
    width = _hex_len(n)
    out = []
    for row in arr:
        s = "".join(f"{int(w):016x}" for w in row[::-1])
        out.append(s[-width:])
    return out[0] if single else out


def as_tables(tt, n):
    """Normalise table input to a contiguous ``(N, num_words(n))`` uint64 array.

    Parameters
    ----------
    tt : str, int, sequence of str or int, or array_like of unsigned integers
        One table (a hex string, an int, or a 1-D array of words) or a batch
        (a list of strings or ints, or a 2-D array of words).
    n : int
        Number of inputs, 0 <= n <= 16.

    Returns
    -------
    tables : ndarray of uint64, shape (N, num_words(n))
    single : bool
        True when the input was one table (so results are unwrapped).

    Raises
    ------
    InputError
        For a wrong word count, negative values, bits beyond 2^n, or bad hex.

    Examples
    --------
    >>> from gates.boolean.truth import as_tables
    >>> as_tables("e8", 3)
    (array([[232]], dtype=uint64), True)
    >>> as_tables(["8", "e"], 2)[0].shape
    (2, 1)
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


def unwrap(arr, single):
    """``arr[0]`` when the input of an operation was one table (`single`), else `arr`.

    Parameters
    ----------
    arr : ndarray, shape (N, ...)
        Per-table results.
    single : bool
        The flag :func:`as_tables` returned.

    Returns
    -------
    ndarray
    """
    return arr[0] if single else arr


# --------------------------------------------------------------------------
# building tables
# --------------------------------------------------------------------------


@njit(cache=True)
def _popcount_rows(tables, out):
    """Population count of each row. Compiled with numba."""
    for r in range(tables.shape[0]):
        c = np.uint64(0)
        for k in range(tables.shape[1]):
            c += popcount64(tables[r, k])
        out[r] = c


def constant(value, n):
    """The constant function 0 or 1 of `n` inputs.

    Parameters
    ----------
    value : {0, 1}
    n : int
        Number of inputs, 0 <= n <= 16.

    Returns
    -------
    ndarray of uint64, shape (num_words(n),)

    Raises
    ------
    InputError
        For a value other than 0 or 1, or n out of range.

    Examples
    --------
    >>> from gates.boolean.truth import constant, to_hex
    >>> to_hex(constant(1, 3), 3), to_hex(constant(0, 3), 3)
    ('ff', '00')
    """
    n = check_n(n)
    if value not in (0, 1, False, True):
        raise InputError(f"a constant is 0 or 1, got {value!r}")
    return np.full(num_words(n), word_mask(n) if value else 0, dtype=np.uint64)


def projection(i, n):
    """The table of the input x_i among `n` inputs (kitty's ``create_nth_var``).

    Parameters
    ----------
    i : int
        The input, 0 <= i < n.
    n : int
        Number of inputs, 1 <= n <= 16.

    Returns
    -------
    ndarray of uint64, shape (num_words(n),)

    Raises
    ------
    InputError
        For n or i out of range.

    Examples
    --------
    >>> from gates.boolean.truth import projection, to_hex
    >>> [to_hex(projection(i, 3), 3) for i in range(3)]
    ['aa', 'cc', 'f0']
    """
    n = check_n(n, 1, MAX_N, "a projection")
    i = check_var(i, n)
    words = num_words(n)
    if i < 6:
        return np.full(words, PROJ[i] & word_mask(n), dtype=np.uint64)
    k = np.arange(words)
    return np.where((k >> (i - 6)) & 1, ONES, np.uint64(0)).astype(np.uint64)


def popcount(tt, n):
    """Number of true points of each table.

    Parameters
    ----------
    tt : table or batch of tables
        See the module doc.
    n : int
        Number of inputs.

    Returns
    -------
    int, or ndarray of int64, shape (N,), for a batch

    Raises
    ------
    InputError
        For a malformed table (see :func:`as_tables`).

    Examples
    --------
    Majority of an odd number of inputs is balanced; AND has one true point:

    >>> from gates.boolean.truth import popcount
    >>> popcount("e8", 3), popcount(["8", "e"], 2).tolist()
    (4, [1, 3])
    """
    arr, single = as_tables(tt, n)
    out = np.empty(arr.shape[0], dtype=np.uint64)
    _popcount_rows(arr, out)
    out = out.astype(np.int64)
    return int(out[0]) if single else out

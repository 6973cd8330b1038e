"""Function families: all, monotone and threshold functions of n inputs.

Each family can be counted, listed (when it fits under the memory cap) and
split into symmetry classes. Tables follow :mod:`gates.boolean.truth`: an ``(N, W)``
uint64 array, sorted increasing.

=========  ======================  ==========================================
family     listed for              classes
=========  ======================  ==========================================
all        n <= 4 (streamed <= 5)  p, np, npn for n <= 5 (orbit-min reps)
monotone   n <= 6 (7,828,354)      p for n <= 6 (orbit-min reps)
threshold  n <= 6 (15,028,134)     np, npn for n <= 8 (positive ordered
                                   reps); p for n <= 6 (orbit-min reps)
=========  ======================  ==========================================
"""

import numpy as np
from numba import njit

from gates.boolean import threshold_classes
from gates._validate import check_choice, check_int
from gates.errors import InputError, require_memory
from gates.boolean.orbits import classes_of_all, classes_of_set
from gates.boolean.symmetry import GROUPS
from gates.boolean.truth import check_n

__all__ = [
    "FAMILIES",
    "CLASS_SUPPORT",
    "list_functions",
    "all_functions",
    "iter_all_functions",
    "monotone_functions",
    "threshold_functions",
    "count_functions",
    "classes",
    "check_family",
    "check_classes",
]

FAMILIES = ("all", "monotone", "threshold")
"""The function families: all functions, monotone (increasing) ones, threshold ones."""

# (family, group) -> largest n; absent pairs are not implemented
CLASS_SUPPORT = {
    ("all", "p"): 5,
    ("all", "np"): 5,
    ("all", "npn"): 5,
    ("monotone", "p"): 6,
    ("threshold", "p"): 6,
    ("threshold", "np"): threshold_classes.CLASSES_MAX_N,
    ("threshold", "npn"): threshold_classes.CLASSES_MAX_N,
}
STREAM_MAX_N = 5
"""Largest n whose functions :func:`iter_all_functions` streams (2^32 tables at n = 5)."""


def check_family(family):
    """`family` itself when it is one of :data:`FAMILIES`, else :class:`~gates.errors.InputError`.

    Parameters
    ----------
    family : str

    Returns
    -------
    str
    """
    return check_choice(family, "family", FAMILIES)


def check_classes(family, group, n):
    """Validate a (family, group, n) class request against :data:`CLASS_SUPPORT`.

    Parameters
    ----------
    family : {"all", "monotone", "threshold"}
    group : {"p", "np", "npn"}
    n : int
        Number of inputs.

    Returns
    -------
    str
        The group.

    Raises
    ------
    InputError
        For an unknown family or group, a pair without classes (monotone
        functions have only P classes), or n above the pair's limit.
    """
    check_family(family)
    if group not in GROUPS:
        raise InputError(f"classes {group!r} are unknown: allowed none, {', '.join(GROUPS)}")
    top = CLASS_SUPPORT.get((family, group))
    if top is None:
        allowed = [g for g in GROUPS if (family, g) in CLASS_SUPPORT]
        why = (
            " (negating an input of a monotone function leaves the family)"
            if family == "monotone"
            else ""
        )
        raise InputError(
            f"--classes {group} is not implemented for family {family}{why}: allowed {', '.join(allowed)}"
        )
    check_n(n, 0, top, f"{group.upper()} classes of {family} functions")
    return group


# --------------------------------------------------------------------------
# all functions
# --------------------------------------------------------------------------


def iter_all_functions(n, chunk_size=1 << 22):
    """Stream every function of n <= 5 inputs as ``(k, 1)`` chunks, in order.

    At n = 5 this yields 2^32 tables without ever holding them all.

    Parameters
    ----------
    n : int
        Number of inputs, 0 <= n <= 5.
    chunk_size : int, default 2^22
        Tables per chunk (the last may be shorter).

    Yields
    ------
    ndarray of uint64, shape (k, 1)
        The tables start, start + 1, ... of each chunk.

    Raises
    ------
    InputError
        For n out of range or chunk_size < 1.

    Examples
    --------
    >>> from gates.boolean.families import iter_all_functions
    >>> [len(chunk) for chunk in iter_all_functions(3, chunk_size=100)]
    [100, 100, 56]
    """
    n = check_n(n, 0, STREAM_MAX_N, "streaming all functions")
    chunk_size = check_int(chunk_size, "chunk_size", lo=1)
    total = 1 << (1 << n)
    for start in range(0, total, chunk_size):
        stop = min(total, start + chunk_size)
        yield np.arange(start, stop, dtype=np.uint64).reshape(-1, 1)


def all_functions(n):
    """Every function of n inputs, materialised (n <= 4 under the default cap).

    Parameters
    ----------
    n : int
        Number of inputs, 0 <= n <= 5.

    Returns
    -------
    ndarray of uint64, shape (2^(2^n), 1)
        The tables 0, 1, ..., 2^(2^n) - 1.

    Raises
    ------
    InputError
        For n out of range.
    ResourceError
        When the list exceeds the memory cap (n = 5 under the default 8 GiB
        needs 32 GiB: stream it with :func:`iter_all_functions`).

    Examples
    --------
    >>> from gates.boolean.families import all_functions
    >>> all_functions(2).shape
    (16, 1)
    """
    n = check_n(n, 0, STREAM_MAX_N, "listing all functions")
    total = 1 << (1 << n)
    require_memory(
        total * 8,
        f"all {total} functions of n={n}",
        "stream them (iter_all_functions), count them (--count) or use --classes npn",
    )
    return np.arange(total, dtype=np.uint64).reshape(-1, 1)


# --------------------------------------------------------------------------
# monotone functions
# --------------------------------------------------------------------------


@njit(cache=True)
def _monotone_from_quarter(quarter, q, count_only, out):
    """Monotone functions of n inputs from those of n - 2, in increasing order.

    f is monotone iff its cofactors on x_(n-1) satisfy low <= high with both
    monotone, recursively; so f = (a0, a1, b0, b1) in quarters of 2^(n-2)
    bits, with a0 <= a1, b0 <= b1, a0 <= b0, a1 <= b1. Iterating b1, b0 in
    down-set lists, then a1 in the down-set of b1 and a0 in that of
    b0 & a1 (all increasing) emits the functions sorted, one store each.
    Returns the count. Compiled with numba.
    """
    nq = quarter.shape[0]
    pos = np.full(1 << q, -1, dtype=np.int64)
    for i in range(nq):
        pos[quarter[i]] = i
    # CSR down-set lists: sub[ptr[i]:ptr[i+1]] = indices j with quarter[j] <= quarter[i]
    ptr = np.zeros(nq + 1, dtype=np.int64)
    for i in range(nq):
        c = 0
        for j in range(nq):
            if quarter[j] & ~quarter[i] == 0:
                c += 1
        ptr[i + 1] = ptr[i] + c
    sub = np.empty(ptr[nq], dtype=np.int64)
    for i in range(nq):
        c = ptr[i]
        for j in range(nq):
            if quarter[j] & ~quarter[i] == 0:
                sub[c] = j
                c += 1
    sq = np.uint64(q)
    k = 0
    for ib1 in range(nq):
        b1 = quarter[ib1]
        for xb0 in range(ptr[ib1], ptr[ib1 + 1]):
            b0 = quarter[sub[xb0]]
            high = (b0 | (b1 << sq)) << np.uint64(2 * q)
            for xa1 in range(ptr[ib1], ptr[ib1 + 1]):
                a1 = quarter[sub[xa1]]
                ia0 = pos[b0 & a1]
                lo = ptr[ia0]
                hi = ptr[ia0 + 1]
                if count_only:
                    k += hi - lo
                    continue
                base = high | (a1 << sq)
                for xa0 in range(lo, hi):
                    out[k] = base | quarter[sub[xa0]]
                    k += 1
    return k


_MONO_CACHE = {}


def _monotone_flat(n):
    if n in _MONO_CACHE:
        return _MONO_CACHE[n]
    if n == 0:
        res = np.array([0, 1], dtype=np.uint64)
    elif n == 1:
        res = np.array([0, 2, 3], dtype=np.uint64)
    else:
        quarter = _monotone_flat(n - 2)
        q = 1 << (n - 2)
        dummy = np.empty(0, dtype=np.uint64)
        total = _monotone_from_quarter(quarter, q, True, dummy)
        require_memory(total * 8, f"all {total} monotone functions of n={n}", "use --classes p")
        res = np.empty(total, dtype=np.uint64)
        _monotone_from_quarter(quarter, q, False, res)
    if n <= 4:
        _MONO_CACHE[n] = res
    return res


def monotone_functions(n):
    """Every monotone (increasing) function of n <= 6 inputs, sorted.

    Counts are the Dedekind numbers A000372: 2, 3, 6, 20, 168, 7581, 7828354.

    Parameters
    ----------
    n : int
        Number of inputs, 0 <= n <= 6.

    Returns
    -------
    ndarray of uint64, shape (M, 1)
        The monotone tables, increasing.

    Raises
    ------
    InputError
        For n out of range (n = 7 has 2,414,682,040,998 monotone functions).
    ResourceError
        When the list exceeds the memory cap.

    Examples
    --------
    >>> from gates.boolean.families import monotone_functions
    >>> [len(monotone_functions(n)) for n in range(5)]
    [2, 3, 6, 20, 168]
    >>> monotone_functions(2).ravel().tolist()     # 0, AND, x_0, x_1, OR, 1
    [0, 8, 10, 12, 14, 15]
    """
    n = check_n(
        n, 0, 6,
        "listing monotone functions (n=7 has 2,414,682,040,998; gates does not enumerate them)",
    )
    flat = _monotone_flat(n)
    return (flat.copy() if n in _MONO_CACHE else flat).reshape(-1, 1)


# --------------------------------------------------------------------------
# threshold functions
# --------------------------------------------------------------------------


def threshold_functions(n, progress=None):
    """Every threshold function of n <= 6 inputs with verified integer realisations.

    The functions are expanded from the NP-class census
    (:func:`gates.boolean.threshold_classes.threshold_functions`); each
    table is computed from its realisation, so every row is a certificate.

    Parameters
    ----------
    n : int
        Number of inputs, 0 <= n <= 6.
    progress : callable, optional
        Called once with the number of functions listed.

    Returns
    -------
    tables : ndarray of uint64, shape (N, 1)
        Sorted increasing; N is OEIS A000609 (2, 4, 14, 104, 1882, 94572,
        15028134).
    weights : ndarray of int32, shape (N, n)
    bias : ndarray of int32, shape (N,)
        ``f(x) = 1`` iff ``weights . x + bias > 0``, never ``= 0`` (0/1 inputs).

    Raises
    ------
    InputError
        For n out of range (count larger n with :func:`count_functions`).
    ResourceError
        When the list exceeds the memory cap.

    Examples
    --------
    >>> from gates.boolean.families import threshold_functions
    >>> from gates.boolean.truth import to_hex
    >>> tables, weights, bias = threshold_functions(2)
    >>> to_hex(tables, 2)          # all 16 functions but XOR ('6') and XNOR ('9')
    ['0', '1', '2', '3', '4', '5', '7', '8', 'a', 'b', 'c', 'd', 'e', 'f']
    >>> [len(threshold_functions(n)[0]) for n in range(5)]
    [2, 4, 14, 104, 1882]
    """
    return threshold_classes.threshold_functions(n, progress=progress)


# --------------------------------------------------------------------------
# counts and classes
# --------------------------------------------------------------------------


def list_functions(family, n):
    """Every member of the family as ``(F, 1)`` uint64 tables, sorted.

    Parameters
    ----------
    family : {"all", "monotone", "threshold"}
    n : int
        Number of inputs, within the lister's limit (:func:`all_functions`,
        :func:`monotone_functions`, :func:`threshold_functions`).

    Returns
    -------
    ndarray of uint64, shape (F, 1)

    Raises
    ------
    InputError
        For an unknown family or n out of range.

    Examples
    --------
    >>> from gates.boolean.families import list_functions
    >>> [len(list_functions(f, 3)) for f in ("all", "monotone", "threshold")]
    [256, 20, 104]
    """
    family = check_family(family)
    if family == "all":
        return all_functions(n)
    if family == "monotone":
        return monotone_functions(n)
    return threshold_functions(n)[0]


def count_functions(family, n):
    """Number of functions of the family with n inputs, and how it was obtained.

    Parameters
    ----------
    family : {"all", "monotone", "threshold"}
    n : int
        Number of inputs: n <= 16 for all, n <= 6 for monotone, n <= 8 for
        threshold.

    Returns
    -------
    count : int
    method : str
        "closed form 2^(2^n)" for all; "enumerated" for monotone;
        "NP-class census" (sum of orbit sizes) for threshold.

    Raises
    ------
    InputError
        For an unknown family or n out of range.

    Examples
    --------
    1882 threshold functions of four inputs (OEIS A000609) and 168 monotone
    ones (the Dedekind number, A000372):

    >>> from gates.boolean.families import count_functions
    >>> count_functions("threshold", 4), count_functions("monotone", 4)
    ((1882, 'NP-class census'), (168, 'enumerated'))
    >>> count_functions("all", 5)[0]
    4294967296
    """
    check_family(family)
    if family == "all":
        n = check_n(n, 0, 16, "counting all functions")
        return 1 << (1 << n), "closed form 2^(2^n)"
    if family == "monotone":
        n = check_n(n, 0, 6, "counting monotone functions (enumeration)")
        return int(_monotone_flat(n).shape[0]), "enumerated"
    n = check_n(n, 0, threshold_classes.CLASSES_MAX_N, "counting threshold functions (NP-class census)")
    return threshold_classes.np_classes(n).total, "NP-class census"


def classes(family, n, group, progress=None):
    """Symmetry classes of a family: representatives and orbit sizes.

    Parameters
    ----------
    family : {"all", "monotone", "threshold"}
    n : int
        Number of inputs, within :data:`CLASS_SUPPORT` for the pair.
    group : {"p", "np", "npn"}
        P for every family; NP and NPN for all and threshold functions
        (negating an input leaves the monotone family).
    progress : callable, optional
        Called with the number of functions scanned (family "all" only).

    Returns
    -------
    reps : ndarray of uint64, shape (C, W)
        One representative per class, increasing.
    sizes : ndarray of int64, shape (C,)
        Orbit sizes; they sum to the family's count.
    extra : dict
        ``representative`` ("orbit-min" or "positive-ordered") and, for the
        threshold census, ``weights`` and ``bias`` of each representative.

    Raises
    ------
    InputError
        For a request :func:`check_classes` refuses.
    ResourceError
        When a visited map or list exceeds the memory cap.

    Examples
    --------
    The 104 threshold functions of three inputs form 6 NPN classes (constant,
    AND of three, AND of two, x_0 and (x_1 or x_2), a projection, majority);
    all 256 functions form 14 (OEIS A000370):

    >>> from gates.boolean.families import classes
    >>> reps, sizes, extra = classes("threshold", 3, "npn")
    >>> len(reps), int(sizes.sum()), extra["representative"]
    (6, 104, 'positive-ordered')
    >>> len(classes("all", 3, "npn")[0])
    14
    """
    group = check_classes(family, group, n)
    if family == "all":
        reps, sizes = classes_of_all(n, group, progress=progress)
        return reps, sizes, {"representative": "orbit-min"}
    if family == "threshold" and group in ("np", "npn"):
        res = threshold_classes.np_classes(n, progress=progress)  # NPN classes are read from the NP ones
        res = res if group == "np" else threshold_classes.npn_classes(n)
        return res.tables, res.orbit_sizes, {
            "representative": "positive-ordered",
            "weights": res.weights,
            "bias": res.bias,
        }
    members = monotone_functions(n) if family == "monotone" else threshold_functions(n)[0]
    reps, sizes = classes_of_set(members, n, group)
    return reps, sizes, {"representative": "orbit-min"}

"""NP and NPN classes of threshold functions, and every threshold function of n <= 6.

NP classes
----------
Every NP class of threshold functions holds exactly one *positive ordered*
function: monotone increasing, with ``x_0 >= x_1 >= ... >= x_(n-1)`` in
Winder's desirability order (weights non-increasing). Its cofactors on
x_(n-1) are positive ordered functions of n - 1 inputs, so the classes of
n inputs are found among pairs (f0 <= f1) of those of n - 1, kept when
x_(n-2) >= x_(n-1) and the exact test accepts. The orbit size of such an f
is ``2^e n! / prod_c |c|!``, with e essential inputs and c running over the
blocks of equivalent inputs (the inessential ones forming one block).

Every verdict rests on the exact test of :mod:`gates.boolean.threshold`;
every listed realisation is checked with :func:`gates.boolean.gate.gate_margin`
or built by :func:`gates.boolean.gate.gate_words` from its weights.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import permutations
from math import factorial

import numpy as np
from numba import njit

from gates._validate import check_int
from gates.boolean.gate import gate_margin, gate_words
from gates.boolean.threshold import DEFAULT_MAX_EPOCHS, base3_codes, decide, is_threshold, pm1_to_01
from gates.boolean.operations import dual, transform
from gates.boolean.properties import chow_parameters, polarity, support
from gates.boolean.truth import check_n, num_words
from gates.boolean.words import swap_rows
from gates.errors import InputError, UndecidedError, require_memory

__all__ = [
    "ThresholdClasses",
    "positive_ordered_form",
    "np_classes",
    "npn_classes",
    "npn_from_np",
    "np_class_parents",
    "np_classes_chunk",
    "np_classes_from_parts",
    "threshold_functions",
    "input_blocks",
    "np_orbit_sizes",
    "clear_cache",
    "CLASSES_MAX_N",
    "MATERIALISE_MAX_N",
]

CLASSES_MAX_N = 8
"""Largest n for the NP-class census (n = 8: 2,730,166 classes, minutes)."""
MATERIALISE_MAX_N = 6
"""Largest n for listing every threshold function (15,028,134 at n = 6)."""


# --------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------


@njit(cache=True)
def _join(prev, i, j, n, out):
    """out = table of n inputs with cofactors prev[i] (x_(n-1)=0), prev[j] (=1)."""
    w = prev.shape[1]
    if n - 1 < 6:
        h = np.uint64(1 << (n - 1))
        out[0] = prev[i, 0] | (prev[j, 0] << h)
    else:
        for k in range(w):
            out[k] = prev[i, k]
            out[w + k] = prev[j, k]


@njit(cache=True)
def _pair_ok(prev, i, j, n):
    """f0 = prev[i] <= f1 = prev[j] and x_(n-2) >= x_(n-1) in f = (f0, f1).

    The order condition reads f(.., x_(n-2)=0, x_(n-1)=1) <= f(.., 1, 0), i.e.
    the low half of f1 inside the high half of f0 (halves split on x_(n-2)).
    """
    w = prev.shape[1]
    for k in range(w):
        if prev[i, k] & ~prev[j, k]:
            return False
    if n < 2:
        return True
    if n - 1 <= 6:
        h = np.uint64(1 << (n - 2))
        lo_mask = (np.uint64(1) << h) - np.uint64(1)
        lo1 = prev[j, 0] & lo_mask
        hi0 = (prev[i, 0] >> h) & lo_mask
        return (lo1 & ~hi0) == 0
    half = w // 2
    for k in range(half):
        if prev[j, k] & ~prev[i, half + k]:
            return False
    return True


@njit(cache=True, nogil=True)
def _extend(prev, n, tri, marks, max_epochs, out_tables, out_w, start, stop):
    """Positive ordered threshold functions of n inputs from pairs of prev.

    Scans first cofactors prev[start:stop]; writes accepted tables and +-1
    realisations. Returns (count, undecided count). Compiled with numba.
    """
    npairs = prev.shape[0]
    table = np.empty(out_tables.shape[1], dtype=np.uint64)
    w = np.empty(n + 1, dtype=np.int64)
    witness = np.empty(4, dtype=np.int64)
    k = 0
    undecided = 0
    for i in range(start, stop):
        for j in range(npairs):
            if not _pair_ok(prev, i, j, n):
                continue
            _join(prev, i, j, n, table)
            r = decide(table, n, tri, marks, max_epochs, w, witness)
            if r < 0:
                undecided += 1
            elif r == 1:
                if k == out_tables.shape[0]:
                    return -1, undecided
                out_tables[k, :] = table
                out_w[k, :] = w
                k += 1
    return k, undecided


@njit(cache=True)
def _expand_orbits(reps_w, reps_b, labels, ess, perms, n, out_w, out_b):
    """All members of the NP orbits of positive ordered threshold functions.

    For each representative (w, b) and each permutation that is increasing
    inside every block of equivalent inputs (one per coset of the
    stabiliser) and each complement mask on essential inputs, the member
    g(x) = f(y), y_i = x_perm[i] xor m_i, has weights v[perm[i]] = +-w_i and
    bias b + sum_{m_i} w_i. Returns the number written. Compiled.
    """
    k = 0
    for r in range(reps_w.shape[0]):
        for q in range(perms.shape[0]):
            ok = True
            for i in range(n - 1):
                if labels[r, i] == labels[r, i + 1] and perms[q, i] > perms[q, i + 1]:
                    ok = False
                    break
            if not ok:
                continue
            e = ess[r]
            m = 0
            while True:
                b = reps_b[r]
                for i in range(n):
                    wi = reps_w[r, i]
                    if (m >> i) & 1:
                        out_w[k, perms[q, i]] = -wi
                        b += wi
                    else:
                        out_w[k, perms[q, i]] = wi
                out_b[k] = b
                k += 1
                if m == e:
                    break
                m = (m - e) & e  # next submask of e, in increasing order
    return k


# --------------------------------------------------------------------------
# classes
# --------------------------------------------------------------------------


@dataclass
class ThresholdClasses:
    """Classes of threshold functions with their representatives.

    Attributes
    ----------
    n, group : int, str
    tables : (C, W) uint64
        Positive ordered representatives, sorted by table value.
    weights, bias : (C, n) int64, (C,) int64
        Verified 0/1-coded realisations of the representatives.
    orbit_sizes : (C,) int64
    """

    n: int
    group: str
    tables: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    orbit_sizes: np.ndarray
    representative: str = "positive-ordered"

    @property
    def total(self):
        """Number of functions in all the classes (the sum of the orbit sizes)."""
        return int(self.orbit_sizes.sum(dtype=np.int64))


def _sort_rows(tables):
    """Indices sorting (C, W) tables by value (most significant word first)."""
    return np.lexsort(tables.T) if tables.shape[1] > 1 else np.argsort(tables[:, 0], kind="stable")


def input_blocks(tables, n):
    """Per-input block labels (runs of equivalent inputs) and essential masks.

    Parameters
    ----------
    tables : (C, W) uint64, contiguous
        Positive ordered functions of n inputs (not checked: equivalent
        inputs of such a function are adjacent).

    Returns
    -------
    labels : (C, max(n, 1)) int64
        Inputs i and i + 1 share a label iff swapping them fixes the function.
    ess : (C,) int64
        Bit mask of the essential inputs.
    """
    c = tables.shape[0]
    labels = np.zeros((c, max(n, 1)), dtype=np.int64)
    same = np.empty((c, max(n - 1, 0)), dtype=bool)
    tmp = np.empty_like(tables)
    for i in range(n - 1):
        swap_rows(tables, i, i + 1, tmp)
        same[:, i] = np.all(tmp == tables, axis=1)
    for i in range(1, n):
        labels[:, i] = labels[:, i - 1] + (~same[:, i - 1])
    # an inessential input of a positive ordered function is equivalent to
    # every later one, so the inessential inputs form the final block
    ess = support(tables, n) if n else np.zeros(c, dtype=np.int64)
    return labels, np.asarray(ess, dtype=np.int64)


def np_orbit_sizes(labels, ess, n, negations=True):
    """NP orbit sizes: n! / prod(block sizes!) permutations times 2^(essential inputs) negations.

    Parameters
    ----------
    labels, ess : the output of :func:`input_blocks`
    n : int
    negations : bool
        False drops the negation factor (a mutant of ``gates verify counting``).

    Returns
    -------
    sizes : (C,) int64
    """
    sizes = np.empty(labels.shape[0], dtype=np.int64)
    fact = [factorial(k) for k in range(n + 1)]
    for r in range(labels.shape[0]):
        _, counts = np.unique(labels[r, :n], return_counts=True)
        denom = 1
        for cnt in counts:
            denom *= fact[cnt]
        sizes[r] = (fact[n] // denom) << (int(ess[r]).bit_count() if negations else 0)
    return sizes


_CLASS_CACHE = {}


def clear_cache():
    """Forget the NP classes computed so far, so the next :func:`np_classes` recomputes them."""
    _CLASS_CACHE.clear()


def _workers(workers, tasks):
    if workers is None:
        workers = os.cpu_count() or 1
    workers = check_int(workers, "workers", lo=1)
    return max(1, min(workers, tasks))


def np_classes(n, max_epochs=DEFAULT_MAX_EPOCHS, progress=None, workers=None):
    """NP classes of the threshold functions of n inputs (n <= 8).

    Parameters
    ----------
    n : int
        Number of inputs, 0 <= n <= 8.
    max_epochs : int, default 100000
        Perceptron budget of each exact test (:func:`gates.is_threshold`).
    progress : callable, optional
        Called with increments of the work done.
    workers : int, optional
        Threads for n = 8; all cores by default.

    Returns
    -------
    ThresholdClasses
        One positive ordered representative per class, with its verified
        realisation and orbit size; ``total`` is the number of threshold
        functions (A000609).

    Notes
    -----
    Built up from n = 0; each level tests every admissible pair of the level
    below exactly. n = 7 takes about a second; n = 8 (2,730,166 classes)
    about five minutes of CPU, spread over `workers` threads (default: all
    cores). The result does not depend on the number of threads.

    Examples
    --------
    >>> from gates.boolean.threshold_classes import np_classes
    >>> c = np_classes(4)
    >>> len(c.tables), c.total
    (27, 1882)
    """
    n = check_n(n, 0, CLASSES_MAX_N, "the NP-class census of threshold functions")
    if n in _CLASS_CACHE:
        if progress is not None and n > 0:  # the work was done before: report it all at once
            progress(np_class_parents(n, max_epochs))
        return _CLASS_CACHE[n]
    if n == 0:
        tables = np.array([[0], [1]], dtype=np.uint64)
        res = ThresholdClasses(
            0, "np", tables, np.zeros((2, 0), np.int64), np.array([-1, 1], np.int64), np.ones(2, np.int64)
        )
        _CLASS_CACHE[0] = res
        return res
    prev = np_classes(n - 1, max_epochs).tables
    chunk = max(1, min(prev.shape[0], 256))

    def run_chunk(start):
        stop = min(prev.shape[0], start + chunk)
        return (*_extend_range(prev, n, start, stop, max_epochs), stop - start)

    starts = range(0, prev.shape[0], chunk)
    workers = _workers(workers, len(starts))
    parts_t, parts_w = [], []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # results are taken in chunk order, so the output never depends on timing
        for out_t, out_w, done in pool.map(run_chunk, starts):
            parts_t.append(out_t)
            parts_w.append(out_w)
            if progress is not None:
                progress(done)
    res = np_classes_from_parts(n, parts_t, parts_w)
    _CLASS_CACHE[n] = res
    return res


def _extend_range(prev, n, start, stop, max_epochs):
    """Class representatives of n grown from prev[start:stop] (own marks: the kernel releases the GIL)."""
    tri, _ = base3_codes(n)
    words = num_words(n)
    marks = np.zeros(3**n, dtype=np.int64)
    cap = max(64, 16 * (stop - start) * max(1, n))
    while True:
        out_t = np.empty((cap, words), dtype=np.uint64)
        out_w = np.empty((cap, n + 1), dtype=np.int64)
        k, undecided = _extend(prev, n, tri, marks, int(max_epochs), out_t, out_w, start, stop)
        if k >= 0:
            break
        cap *= 4
    if undecided:
        raise UndecidedError(f"{undecided} candidate(s) of n={n} got no certificate within {max_epochs} epochs")
    return out_t[:k].copy(), out_w[:k].copy()


def np_class_parents(n, max_epochs=DEFAULT_MAX_EPOCHS):
    """How many representatives of n - 1 the NP-class census of n grows from (its unit of chunking)."""
    n = check_n(n, 1, CLASSES_MAX_N, "the NP-class census of threshold functions")
    return int(np_classes(n - 1, max_epochs).tables.shape[0])


def np_classes_chunk(n, start, stop, max_epochs=DEFAULT_MAX_EPOCHS):
    """The representatives of n grown from parents [start, stop), with their +-1 realisations.

    Every class of n comes from exactly one parent, so the chunks of a
    partition of the parents are disjoint and :func:`np_classes_from_parts`
    joins them into :func:`np_classes`'s result (batch jobs use this).
    """
    n = check_n(n, 1, CLASSES_MAX_N, "the NP-class census of threshold functions")
    prev = np_classes(n - 1, max_epochs).tables
    if not 0 <= start <= stop <= prev.shape[0]:
        raise InputError(f"parents [{start}, {stop}) are outside 0..{prev.shape[0]}")
    return _extend_range(prev, n, start, stop, max_epochs)


def np_classes_from_parts(n, parts_tables, parts_weights):
    """Sort, verify and size the representatives grown chunk by chunk: the NP classes of n."""
    words = num_words(n)
    tables = np.concatenate([np.asarray(t, dtype=np.uint64).reshape(-1, words) for t in parts_tables])
    wpm = np.concatenate([np.asarray(w, dtype=np.int64).reshape(-1, n + 1) for w in parts_weights])
    order = _sort_rows(tables)
    tables, wpm = tables[order], wpm[order]
    w01, b01 = pm1_to_01(wpm)
    margins = gate_margin(tables, n, w01, b01)
    if not np.all(margins > 0):  # pragma: no cover - would be a bug in gates
        raise RuntimeError("internal error: a threshold realisation failed to verify")
    labels, ess = input_blocks(tables, n)
    return ThresholdClasses(n, "np", tables, w01, b01, np_orbit_sizes(labels, ess, n))


def npn_classes(n, max_epochs=DEFAULT_MAX_EPOCHS):
    """NPN classes of threshold functions: NP classes paired with their duals.

    The complement of a positive ordered f, with its essential inputs
    complemented, is the dual f^d, again positive ordered; so the NPN class
    of f is the union of the NP classes of f and f^d. The representative is
    the smaller of the two tables.

    Parameters
    ----------
    n : int
        Number of inputs, 0 <= n <= 8.
    max_epochs : int, default 100000
        Perceptron budget of each exact test.

    Returns
    -------
    ThresholdClasses
        With ``group == "npn"``; ``total`` is again the number of threshold
        functions (A000609).

    Examples
    --------
    The 1882 threshold functions of four inputs form 15 NPN classes (the
    cumulative sums of OEIS A001530: 1, 2, 3, 6, 15, 63, ...):

    >>> from gates.boolean.threshold_classes import npn_classes
    >>> c = npn_classes(4)
    >>> len(c.tables), c.total
    (15, 1882)
    """
    return npn_from_np(np_classes(n, max_epochs))


def npn_from_np(base):
    """The NPN classes from the NP classes (see :func:`npn_classes`)."""
    n = base.n
    duals = dual(base.tables, n)
    # duality is an involution of the sorted representatives, so sorting the
    # duals lines each one up with its partner
    order = _sort_rows(duals)
    if not np.array_equal(duals[order], base.tables):  # pragma: no cover - a bug in gates
        raise RuntimeError("internal error: the duals are not a permutation of the representatives")
    partner = np.empty(order.shape[0], dtype=np.int64)
    partner[order] = np.arange(order.shape[0])
    own = np.arange(base.tables.shape[0])
    keep = own <= partner
    sizes = np.where(partner == own, base.orbit_sizes, 2 * base.orbit_sizes)[keep]
    return ThresholdClasses(
        n, "npn", base.tables[keep], base.weights[keep], base.bias[keep], sizes
    )


def threshold_functions(n, progress=None):
    """Every threshold function of n <= 6 inputs with a verified realisation.

    Returns
    -------
    tables : (N, 1) uint64, sorted
    weights : (N, n) int32
    bias : (N,) int32
        f(x) = 1 iff weights . x + bias > 0, never = 0 (0/1 inputs).

    Examples
    --------
    >>> from gates.boolean.threshold_classes import threshold_functions
    >>> len(threshold_functions(3)[0])
    104
    """
    n = check_n(n, 0, MATERIALISE_MAX_N, "listing every threshold function (use np_classes above 6)")
    cls = np_classes(n)
    total = cls.total
    require_memory(total * (8 + 4 * (n + 1)) * 2, f"all {total} threshold functions of n={n}",
                   "count them with np_classes(n) / --classes np")
    labels, ess = input_blocks(cls.tables, n)
    perms = np.array(list(permutations(range(n))), dtype=np.int64).reshape(factorial(n), n)
    out_w = np.empty((total, n), dtype=np.int32)
    out_b = np.empty(total, dtype=np.int32)
    k = _expand_orbits(cls.weights, cls.bias, labels, ess, perms, n, out_w, out_b)
    if k != total:  # pragma: no cover - would be a bug in gates
        raise RuntimeError(f"internal error: expanded {k} functions, orbit sizes say {total}")
    # the table of each member is computed from its realisation, so every
    # listed (table, weights, bias) is a certificate by construction
    tables = np.empty((total, 1), dtype=np.uint64)
    gate_words(out_w, out_b, n, tables)
    order = np.argsort(tables[:, 0])
    tables, weights, bias = tables[order], out_w[order], out_b[order]
    if progress is not None:
        progress(total)
    return tables, weights, bias


def positive_ordered_form(tt, n):
    """The positive ordered member of a threshold function's NP class.

    Complements the negative unate inputs, then sorts the inputs by
    decreasing Chow parameter; for threshold functions the Chow order is the
    desirability order (equal parameters mean equivalent inputs).

    Parameters
    ----------
    tt : table
        One table; see :mod:`gates.boolean.truth`.
    n : int
        Number of inputs, 0 <= n <= 12.

    Returns
    -------
    rep : ndarray of uint64, shape (W,)
    perm, flips : tuple of int, int
        ``transform(tt, n, perm, flips) == rep``.
    orbit_size : int
        Size of the NP class.

    Raises
    ------
    InputError
        If the function is not a threshold function.

    Examples
    --------
    x_0 and not x_1 becomes AND by complementing x_1; its NP class holds
    the 4 functions of two inputs with one true point:

    >>> from gates.boolean.threshold_classes import positive_ordered_form
    >>> rep, perm, flips, size = positive_ordered_form("2", 2)
    >>> int(rep[0]), perm, flips, size
    (8, (0, 1), 2, 4)
    """
    cert = is_threshold(tt, n)
    if not cert.is_threshold:
        raise InputError("not a threshold function, so it has no positive ordered form")
    table = np.array(cert.table, dtype=np.uint64)
    flips = 0
    for i, pol in enumerate(polarity(table, n)):
        if pol == -1:
            flips |= 1 << i
    chow = chow_parameters(transform(table, n, None, flips), n)[1:]
    order = sorted(range(n), key=lambda i: (-int(chow[i]), i))
    perm = [0] * n
    for rank, var in enumerate(order):
        perm[var] = rank
    # input i of f reads x_perm[i]: the heaviest input of f becomes x_0
    rep = transform(table, n, perm, flips)
    labels, ess = input_blocks(rep.reshape(1, -1), n)
    size = int(np_orbit_sizes(labels, ess, n)[0])
    return rep, tuple(perm), flips, size

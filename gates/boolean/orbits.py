"""Classes of many functions at once: of all functions, of a closed set, and random members.

The groups and their action on one table are in :mod:`gates.boolean.symmetry`;
this module lists whole classes. Class enumeration walks a Hamiltonian path
of the group's Cayley graph (:func:`gates.boolean.symmetry.walk_ops`): the
plain changes of Steinhaus-Johnson-Trotter for permutations (one adjacent
swap per step) nested with a reflected Gray code for negations (one input
complemented per step). Each step is one delta swap on a word, so a whole
orbit costs |G| word operations. Orbits are marked in a visited set while the
functions are scanned in increasing order, so each class is represented by
its smallest member ("orbit-min") and its orbit size is the number of
members newly marked.

Random members of a class need no orbit list: a uniformly random element of
the group applied to the representative is a uniformly random member
(orbit-stabiliser); :func:`gates.estimate.stratified_total` turns outcomes on
such draws into a census estimate.
"""

import numpy as np
from numba import njit

from gates._validate import check_int
from gates.boolean.operations import transform
from gates.boolean.symmetry import WALK_MAX_N, check_group, walk_ops
from gates.boolean.truth import check_n, num_words
from gates.boolean.words import walk_step, word_mask
from gates.errors import InputError, require_memory

__all__ = ["classes_of_all", "classes_of_set", "random_members", "orbits_universe"]


# --------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------


@njit(cache=True)
def orbits_universe(n, ops, npn, bitmap, start, stop, reps, sizes):
    """Scan functions start..stop-1, marking each new orbit in `bitmap`.

    With `npn`, functions are stored normalised (the one of f, not f whose
    top bit is 0), halving the bitmap; the orbit size is twice the number of
    normalised members. Returns (next function to scan, classes written);
    stops early when `reps` is full. Compiled with numba; expects checked
    input (the ops of :func:`walk_ops`, a zeroed uint64 bitmap of
    2^(2^n) / 64 words, or half of that with `npn`), as
    :func:`classes_of_all` prepares it.
    """
    mask = np.uint64(0xFFFFFFFFFFFFFFFF)
    if n < 6:
        mask = np.uint64((1 << (1 << n)) - 1)
    top = np.uint64(1) << np.uint64((1 << n) - 1)
    k = 0
    f = start
    while f < stop:
        w = bitmap[f >> 6]
        # skip a word only when all 64 of its functions are marked (not `mask`,
        # which is the valid-bit mask of one *table*)
        if w == np.uint64(0xFFFFFFFFFFFFFFFF) and (f & 63) == 0 and f + 64 <= stop:
            f += 64
            continue
        if (w >> np.uint64(f & 63)) & np.uint64(1):
            f += 1
            continue
        if k == reps.shape[0]:
            break
        g = np.uint64(f)
        bitmap[f >> 6] |= np.uint64(1) << np.uint64(f & 63)
        count = 1
        for j in range(ops.shape[0]):
            g = walk_step(g, ops[j], n)
            h = g
            if npn and (g & top):
                h = ~g & mask
            word = bitmap[h >> np.uint64(6)]
            bit = np.uint64(1) << (h & np.uint64(63))
            if not (word & bit):
                bitmap[h >> np.uint64(6)] = word | bit
                count += 1
        reps[k] = f
        sizes[k] = 2 * count if npn else count
        k += 1
        f += 1
    return f, k


@njit(cache=True, inline="always")
def _slot(key, shift):
    """Fibonacci hashing of a table to a slot of a 2^(64 - shift) table."""
    return np.int64((key * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(shift))


@njit(cache=True)
def _hash_build(tables, shift, keys, vals):
    """Open-addressing index of `tables` (vals = -1 marks an empty slot). Compiled."""
    size = keys.shape[0]
    for i in range(tables.shape[0]):
        s = _slot(tables[i], shift)
        while vals[s] >= 0:
            s = (s + 1) & (size - 1)
        keys[s] = tables[i]
        vals[s] = i


@njit(cache=True, inline="always")
def _hash_find(key, shift, keys, vals):
    size = keys.shape[0]
    s = _slot(key, shift)
    while vals[s] >= 0:
        if keys[s] == key:
            return vals[s]
        s = (s + 1) & (size - 1)
    return -1


@njit(cache=True)
def _orbits_sorted(tables, n, ops, complement, shift, keys, vals, visited, reps, sizes):
    """Orbits inside a sorted, group-closed set of one-word tables. Compiled.

    Members are found through the hash index (keys, vals). Returns the
    number of classes, or -1 if some image left the set (the set was not
    closed under the group).
    """
    mask = np.uint64(0xFFFFFFFFFFFFFFFF)
    if n < 6:
        mask = np.uint64((1 << (1 << n)) - 1)
    k = 0
    for i in range(tables.shape[0]):
        if visited[i]:
            continue
        visited[i] = 1
        count = 1
        g = tables[i]
        for j in range(ops.shape[0] + 1):
            if j:
                g = walk_step(g, ops[j - 1], n)
            for side in range(2 if complement else 1):
                h = g if side == 0 else (~g & mask)
                pos = _hash_find(h, shift, keys, vals)
                if pos < 0:
                    return -1
                if not visited[pos]:
                    visited[pos] = 1
                    count += 1
        reps[k] = i
        sizes[k] = count
        k += 1
    return k


# --------------------------------------------------------------------------
# classes
# --------------------------------------------------------------------------


def classes_of_all(n, group, progress=None):
    """P, NP or NPN classes of all 2^(2^n) functions of n <= 5 inputs.

    Parameters
    ----------
    n : int
        Number of inputs, 0 <= n <= 5.
    group : {"p", "np", "npn"}
    progress : callable, optional
        Called with the number of functions classified since the last call
        (the orbit sizes of the classes found, at least every 2^12 classes:
        the work is walking the orbits, so the calls track it); they sum to
        2^(2^n).

    Returns
    -------
    reps : ndarray of uint64, shape (C, 1)
        Orbit-min representatives, increasing.
    sizes : ndarray of int64, shape (C,)
        Orbit sizes; they sum to 2^(2^n).

    Notes
    -----
    A visited bitmap over the whole universe costs 2^(2^n) bits (512 MiB at
    n = 5; 256 MiB for NPN, which stores f and not f once).

    Raises
    ------
    InputError
        For n out of range or an unknown group.
    ResourceError
        When the visited map exceeds the memory cap (:func:`gates.errors.memory_cap`).

    Examples
    --------
    The 256 functions of three inputs fall into 14 NPN classes (OEIS
    A000370: 1, 2, 4, 14, 222, ...) and 80 P classes (A000585):

    >>> from gates.boolean.orbits import classes_of_all
    >>> reps, sizes = classes_of_all(3, "npn")
    >>> len(reps), int(sizes.sum()), len(classes_of_all(3, "p")[0])
    (14, 256, 80)
    >>> classes_of_all(2, "npn")[1].tolist()    # constants, AND-like, projections, XOR-like
    [2, 8, 4, 2]
    """
    n = check_n(n, 0, 5, "classes of all functions (a 2^(2^n)-bit visited map)")
    check_group(group)
    npn = group == "npn"
    universe = 1 << ((1 << n) - (1 if npn else 0))
    require_memory(max(8, universe // 8), f"the visited map of all n={n} functions", "use n <= 5")
    bitmap = np.zeros(max(1, universe // 64), dtype=np.uint64)
    ops = walk_ops(n, "np" if npn else group)
    buf = 1 << 12  # classes per kernel call: a progress call every ~0.1-0.5 s at n = 5
    reps_parts, size_parts = [], []
    step = 1 << 24
    f = 0
    while f < universe:
        stop = min(universe, f + step)
        while f < stop:
            reps = np.empty(buf, dtype=np.uint64)
            sizes = np.empty(buf, dtype=np.int64)
            f_next, k = orbits_universe(n, ops, npn, bitmap, f, stop, reps, sizes)
            reps_parts.append(reps[:k])
            size_parts.append(sizes[:k])
            if progress is not None:
                progress(int(sizes[:k].sum()))
            f = f_next
    reps = np.concatenate(reps_parts).reshape(-1, 1)
    sizes = np.concatenate(size_parts)
    return reps, sizes


def _sorted_distinct(flat):
    """Sorted distinct values; cheap when the input is already strictly increasing."""
    if flat.shape[0] > 1 and not np.all(flat[1:] > flat[:-1]):
        flat = np.sort(flat)
        flat = flat[np.concatenate(([True], flat[1:] != flat[:-1]))]
    return np.ascontiguousarray(flat)


def classes_of_set(tables, n, group):
    """Classes of a group-closed set of one-word tables (e.g. a family, n <= 6).

    Parameters
    ----------
    tables : array of uint64, shape (N, 1) or (N,)
        Every member of the set; need not be sorted.
    n : int
        Number of inputs, 0 <= n <= 6.
    group : {"p", "np", "npn"}

    Returns
    -------
    reps : ndarray of uint64, shape (C, 1)
        Orbit-min representatives, increasing.
    sizes : ndarray of int64, shape (C,)
        Orbit sizes; they sum to the number of distinct tables.

    Raises
    ------
    InputError
        If the set is not closed under the group, n is out of range or the
        group unknown.

    Examples
    --------
    The 20 monotone functions of three inputs form 10 classes under input
    permutations (OEIS A003182: 2, 3, 5, 10, 30, ...):

    >>> from gates.boolean.families import monotone_functions
    >>> from gates.boolean.orbits import classes_of_set
    >>> reps, sizes = classes_of_set(monotone_functions(3), 3, "p")
    >>> len(reps), int(sizes.sum())
    (10, 20)
    """
    n = check_n(n, 0, WALK_MAX_N, "orbit walks (one-word tables)")
    check_group(group)
    flat = _sorted_distinct(np.asarray(tables, dtype=np.uint64).reshape(-1))
    ops = walk_ops(n, "np" if group == "npn" else group)
    bits = max(4, int(2 * flat.shape[0]).bit_length())  # load factor <= 1/2
    keys = np.zeros(1 << bits, dtype=np.uint64)
    vals = np.full(1 << bits, -1, dtype=np.int64)
    _hash_build(flat, 64 - bits, keys, vals)
    visited = np.zeros(flat.shape[0], dtype=np.uint8)
    reps = np.empty(flat.shape[0], dtype=np.int64)
    sizes = np.empty(flat.shape[0], dtype=np.int64)
    k = _orbits_sorted(flat, n, ops, group == "npn", 64 - bits, keys, vals, visited, reps, sizes)
    if k < 0:
        raise InputError(f"the set of tables is not closed under the {group.upper()} group")
    return flat[reps[:k]].reshape(-1, 1), sizes[:k].copy()


# --------------------------------------------------------------------------
# random class members, for stratified estimates
# --------------------------------------------------------------------------


@njit(cache=True)
def _apply_transforms(tables, n, perms, flips, negs, mask, out):
    """out[r] = negs[r] xor tables[r](y), y_i = x_{perms[r, i]} xor bit i of flips[r]
    (the action of :func:`gates.boolean.operations.transform`), one word per table (n <= 6).
    Compiled with numba.
    """
    for r in range(tables.shape[0]):
        t = tables[r]
        g = np.uint64(0)
        for p in range(1 << n):
            q = 0
            for i in range(n):
                q |= (((p >> perms[r, i]) & 1) ^ ((flips[r] >> i) & 1)) << i
            g |= ((t >> np.uint64(q)) & np.uint64(1)) << np.uint64(p)
        out[r] = (g ^ mask) if negs[r] else g


def random_members(reps, n, group, m, rng):
    """m uniformly random members of each class, drawn independently.

    A uniformly random element of the group applied to the representative
    is a uniformly random member of its orbit (orbit-stabiliser), so no
    orbit is listed. :func:`gates.estimate.stratified_total` turns outcomes
    on such draws into a census estimate.

    Parameters
    ----------
    reps : array_like of uint64, shape (C,) or (C, W)
        Class representatives (W = 1 for n <= 6, 2^(n-6) for n = 7, 8).
    n : int
        Number of inputs, 0 <= n <= 8.
    group : {"p", "np", "npn"}
    m : int
        Members per class, >= 1.
    rng : numpy.random.Generator
        The source of every draw (the transforms are drawn from it in one go).

    Returns
    -------
    ndarray of uint64, shape (C * m,) for n <= 6, else (C * m, W)
        The members of class c are rows c*m .. c*m + m - 1.

    Raises
    ------
    InputError
        For n out of range, m < 1, or an unknown group.

    Examples
    --------
    >>> import numpy as np
    >>> from gates.boolean.orbits import random_members
    >>> sorted(set(random_members([0x8], 2, "npn", 50, np.random.default_rng(0)).tolist()))  # AND's orbit
    [1, 2, 4, 7, 8, 11, 13, 14]
    """
    check_group(group)
    m = check_int(m, "members per class", lo=1)
    n = check_n(n, 0, 8, "drawing random members")
    words = num_words(n)
    reps = np.ascontiguousarray(np.asarray(reps, dtype=np.uint64).reshape(-1, words))
    rows = np.repeat(reps, m, axis=0)
    r = rows.shape[0]
    perms = rng.permuted(np.tile(np.arange(n, dtype=np.int64), (r, 1)), axis=1) if n else np.zeros((r, 0), np.int64)
    flips = rng.integers(0, 1 << n, r, dtype=np.int64) if group != "p" else np.zeros(r, np.int64)
    negs = rng.integers(0, 2, r).astype(np.bool_) if group == "npn" else np.zeros(r, np.bool_)
    if words > 1:  # multi-word tables (n = 7, 8): the general transform, one row at a time
        return np.array([transform(rows[i], n, perms[i].tolist(), int(flips[i]), bool(negs[i])) for i in range(r)],
                        dtype=np.uint64).reshape(r, words)
    mask = word_mask(n)
    out = np.empty(r, dtype=np.uint64)
    _apply_transforms(np.ascontiguousarray(rows[:, 0]), n, np.ascontiguousarray(perms), flips, negs, mask, out)
    return out


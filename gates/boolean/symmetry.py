"""Symmetry groups acting on truth tables: P, NP and NPN classes.

A transformation sigma = (perm, flips, negate) acts on a function f by

    (f . sigma)(x) = negate xor f(y),    y_i = x_{perm[i]} xor flips_i,

so input i of f reads x_{perm[i]}, complemented when bit i of `flips` is set.
Acting twice composes: ``(f . s1) . s2 == f . (s1 * s2)``.

The groups are P (input permutations, n! elements), NP (with input
negations, 2^n n!) and NPN (with output negation, 2^(n+1) n!).

Class enumeration walks a Hamiltonian path of the group's Cayley graph: the
plain changes of Steinhaus-Johnson-Trotter for permutations (one adjacent
swap per step) nested with a reflected Gray code for negations (one input
complemented per step). Each step is one delta swap on a word, so a whole
orbit costs |G| word operations. Orbits are marked in a visited set while the
functions are scanned in increasing order, so each class is represented by
its smallest member ("orbit-min") and its orbit size is the number of
members newly marked.
"""

from dataclasses import dataclass
from math import factorial

import numpy as np
from numba import njit

from gates._validate import check_choice, check_int
from gates.errors import InputError, require_memory
from gates.boolean.truth import as_tables, check_n, num_words, transform
from gates.boolean.words import word_flip, word_mask, word_swap

__all__ = [
    "random_members",
    "GROUPS",
    "Transform",
    "group_order",
    "walk_ops",
    "orbit",
    "orbit_size",
    "canonical_form",
    "classes_of_all",
    "classes_of_set",
]

GROUPS = ("p", "np", "npn")

WALK_MAX_N = 6
"""Walk-based kernels work inside one 64-bit word, i.e. n <= 6."""


def _check_group(group):
    return check_choice(group, "group", GROUPS)


def group_order(n, group):
    """Number of elements of the group acting on functions of `n` inputs."""
    _check_group(group)
    order = factorial(n)
    if group in ("np", "npn"):
        order <<= n
    if group == "npn":
        order <<= 1
    return order


@dataclass(frozen=True)
class Transform:
    """An element (perm, flips, negate) of the NPN group; see the module doc.

    Examples
    --------
    >>> from gates.boolean.symmetry import Transform
    >>> s = Transform((1, 0, 2), flips=0b001)
    >>> (s * s.inverse()).is_identity()
    True
    """

    perm: tuple
    flips: int = 0
    negate: bool = False

    @classmethod
    def identity(cls, n):
        return cls(tuple(range(n)))

    @property
    def n(self):
        return len(self.perm)

    def __mul__(self, other):
        # (s1 * s2)(x)_i = s2(x)_{p1[i]} xor m1_i = x_{p2[p1[i]]} xor m2_{p1[i]} xor m1_i
        p1, p2 = self.perm, other.perm
        perm = tuple(p2[p1[i]] for i in range(self.n))
        flips = self.flips
        for i in range(self.n):
            flips ^= ((other.flips >> p1[i]) & 1) << i
        return Transform(perm, flips, self.negate != other.negate)

    def inverse(self):
        inv = [0] * self.n
        for i, p in enumerate(self.perm):
            inv[p] = i
        flips = 0
        for j in range(self.n):
            flips |= ((self.flips >> inv[j]) & 1) << j
        return Transform(tuple(inv), flips, self.negate)

    def is_identity(self):
        return self.perm == tuple(range(self.n)) and not self.flips and not self.negate

    def apply(self, tt, n=None):
        """The transformed table(s) f . sigma."""
        return transform(tt, self.n if n is None else n, self.perm, self.flips, self.negate)

    @staticmethod
    def op(n, code):
        """The generator a walk code stands for: flip x_k (code k) or swap x_k, x_k+1 (n + k)."""
        if code < n:
            return Transform(tuple(range(n)), 1 << code)
        k = code - n
        perm = list(range(n))
        perm[k], perm[k + 1] = perm[k + 1], perm[k]
        return Transform(tuple(perm))


def _plain_changes(n):
    """Adjacent-swap positions k (swap k, k+1) of Steinhaus-Johnson-Trotter; n! - 1 of them."""
    if n <= 1:
        return []
    sub = _plain_changes(n - 1)
    out = []
    left = True  # the largest element sweeps right-to-left first
    for j in range(factorial(n - 1)):
        out.extend(range(n - 2, -1, -1) if left else range(n - 1))
        if j < len(sub):
            # largest element now sits at the left end (after a leftward sweep)
            out.append(sub[j] + 1 if left else sub[j])
        left = not left
    return out


def walk_ops(n, group):
    """Generator codes of a walk visiting every element of P or NP exactly once.

    Code k < n complements input k; code n + k swaps inputs k and k + 1. The
    prefix products of the codes are pairwise distinct, so applying them in
    turn to f visits f . g for every g of the group (NPN uses the NP walk;
    the output negation is handled by pairing f with not f).
    """
    n = check_n(n, 0, 12, "a group walk")
    _check_group(group)
    swaps = [n + k for k in _plain_changes(n)]
    if group == "p":
        return np.array(swaps, dtype=np.int16)
    # reflected Gray code: step j complements input ctz(j)
    gray = [(j & -j).bit_length() - 1 for j in range(1, 1 << n)]
    ops = list(gray)
    for s in swaps:
        ops.append(s)
        ops.extend(gray)
    return np.array(ops, dtype=np.int16)


# --------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _apply_op(t, code, n):
    """One walk step on a word: complement or adjacent swap. Compiled with numba."""
    if code < n:
        return word_flip(t, code)
    return word_swap(t, code - n, code - n + 1)


@njit(cache=True)
def _walk_states(t, ops, n, out):
    """out[j] = table after the first j walk steps (out[0] = t). Compiled."""
    out[0] = t
    for j in range(ops.shape[0]):
        t = _apply_op(t, ops[j], n)
        out[j + 1] = t


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
            g = _apply_op(g, ops[j], n)
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
                g = _apply_op(g, ops[j - 1], n)
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
# public API
# --------------------------------------------------------------------------


def _walk_n(n):
    return check_n(n, 0, WALK_MAX_N, "orbit walks (one-word tables)")


def _walk_one(tt, n, group):
    """(walk codes, the table after each step) for one table; n <= 6."""
    n = _walk_n(n)
    _check_group(group)
    arr, single = as_tables(tt, n)
    if not single:
        raise InputError("orbits and canonical forms take one table")
    ops = walk_ops(n, group)
    states = np.empty(ops.shape[0] + 1, dtype=np.uint64)
    _walk_states(arr[0, 0], ops, n, states)
    return ops, states


def orbit(tt, n, group):
    """The sorted, distinct members of the orbit of one table (n <= 6)."""
    ops, states = _walk_one(tt, n, group)
    if group == "npn":
        states = np.concatenate([states, ~states & word_mask(n)])
    return np.unique(states)


def orbit_size(tt, n, group):
    """Number of distinct functions in the orbit of one table (n <= 6)."""
    return int(orbit(tt, n, group).shape[0])


def canonical_form(tt, n, group):
    """The orbit-min representative and a transform reaching it (n <= 6).

    Returns
    -------
    rep : ndarray of uint64, shape (1,)
        The smallest table (as an integer) in the orbit.
    sigma : Transform
        With ``sigma.apply(tt, n) == rep``.

    Examples
    --------
    >>> from gates.boolean.symmetry import canonical_form
    >>> from gates.boolean.truth import to_hex
    >>> to_hex(canonical_form("e8", 3, "npn")[0], 3)   # majority ~ its NPN-min
    '17'
    """
    ops, states = _walk_one(tt, n, group)
    best = int(np.argmin(states))
    negate = False
    if group == "npn":
        comp = ~states & word_mask(n)
        cbest = int(np.argmin(comp))
        if comp[cbest] < states[best]:
            best, negate = cbest, True
    sigma = Transform.identity(n)
    for code in ops[:best]:
        sigma = sigma * Transform.op(n, int(code))
    if negate:
        sigma = Transform(sigma.perm, sigma.flips, True)
    return sigma.apply(states[:1], n), sigma


def classes_of_all(n, group, progress=None):
    """P, NP or NPN classes of all 2^(2^n) functions of n <= 5 inputs.

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
    `progress`, if given, is called with the number of functions classified
    (the orbit sizes of the classes found), at least every 2^12 classes: the
    work is walking the orbits, so the calls track it (they sum to 2^(2^n)).
    """
    n = check_n(n, 0, 5, "classes of all functions (a 2^(2^n)-bit visited map)")
    _check_group(group)
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

    Returns
    -------
    reps : ndarray of uint64, shape (C, 1)
        Orbit-min representatives, increasing.
    sizes : ndarray of int64, shape (C,)

    Raises
    ------
    InputError
        If the set is not closed under the group.
    """
    n = _walk_n(n)
    _check_group(group)
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


# random class members (for stratified estimates, gates.estimate.stratified_total): a uniformly
# random element of the class's group applied to its representative is a uniformly random member
# of the orbit (orbit-stabiliser), so no orbit is listed


@njit(cache=True)
def _apply_transforms(tables, n, perms, flips, negs, mask, out):
    """out[r] = negs[r] xor tables[r](y), y_i = x_{perms[r, i]} xor bit i of flips[r]
    (the action of :func:`gates.boolean.truth.transform`), one word per table (n <= 6).
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

    Parameters
    ----------
    reps : (C,) or (C, W) uint64 representatives (W = 1 for n <= 6, 2^(n-6) for n = 7, 8)
    n : int
    group : {"p", "np", "npn"}
    m : int >= 1
    rng : numpy Generator

    Returns
    -------
    (C * m,) uint64 for n <= 6, else (C * m, W): the members of class c are rows c*m .. c*m + m - 1.

    Examples
    --------
    >>> import numpy as np
    >>> from gates.boolean.symmetry import random_members
    >>> sorted(set(random_members([0x8], 2, "npn", 50, np.random.default_rng(0)).tolist()))  # AND's orbit
    [1, 2, 4, 7, 8, 11, 13, 14]
    """
    _check_group(group)
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


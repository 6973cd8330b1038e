"""Symmetry groups acting on truth tables: P, NP and NPN classes.

A transformation sigma = (perm, flips, negate) acts on a function f by

    (f . sigma)(x) = negate xor f(y),    y_i = x_{perm[i]} xor flips_i,

so input i of f reads x_{perm[i]}, complemented when bit i of `flips` is set.
Acting twice composes: ``(f . s1) . s2 == f . (s1 * s2)``.

The groups are P (input permutations, n! elements), NP (with input
negations, 2^n n!) and NPN (with output negation, 2^(n+1) n!).

Orbits of one table are found by walking a Hamiltonian path of the group's
Cayley graph (:func:`walk_ops`): one input complemented or two adjacent
inputs swapped per step, each a delta swap on a word. The classes of many
functions at once (of all functions, of a closed set) and random class
members are in :mod:`gates.boolean.orbits`; those names are reachable here
too.
"""

from dataclasses import dataclass
from math import factorial

import numpy as np
from numba import njit


from gates._validate import check_choice
from gates.boolean.operations import transform
from gates.boolean.truth import as_tables, check_n
from gates.boolean.words import walk_step, word_mask
from gates.errors import InputError

__all__ = [
    "GROUPS",
    "WALK_MAX_N",
    "Transform",
    "check_group",
    "group_order",
    "walk_ops",
    "orbit",
    "orbit_size",
    "canonical_form",
]

GROUPS = ("p", "np", "npn")
"""The symmetry groups: input permutations (P), with input negations (NP), and output negation (NPN)."""

WALK_MAX_N = 6
"""Walk-based kernels work inside one 64-bit word, i.e. n <= 6."""


def check_group(group):
    """`group` itself when it is one of :data:`GROUPS`, else :class:`~gates.errors.InputError`.

    Parameters
    ----------
    group : str

    Returns
    -------
    str
    """
    return check_choice(group, "group", GROUPS)


def group_order(n, group):
    """Number of elements of the group acting on functions of `n` inputs.

    Parameters
    ----------
    n : int
        Number of inputs.
    group : {"p", "np", "npn"}

    Returns
    -------
    int
        n! for P, 2^n n! for NP, 2^(n+1) n! for NPN.

    Raises
    ------
    InputError
        For an unknown group.

    Examples
    --------
    >>> from gates.boolean.symmetry import group_order
    >>> [group_order(3, g) for g in ("p", "np", "npn")]
    [6, 48, 96]
    """
    check_group(group)
    order = factorial(n)
    if group in ("np", "npn"):
        order <<= n
    if group == "npn":
        order <<= 1
    return order


@dataclass(frozen=True)
class Transform:
    """An element (perm, flips, negate) of the NPN group acting on tables.

    It maps f to ``(f . sigma)(x) = negate xor f(y)`` with
    ``y_i = x_{perm[i]} xor flips_i`` (see the module doc). ``s1 * s2`` is
    the composition with ``(f . s1) . s2 == f . (s1 * s2)``.

    Parameters
    ----------
    perm : tuple of int
        A permutation of 0..n-1: input i of f reads x_{perm[i]}.
    flips : int, default 0
        Bit i complements the input of f's x_i.
    negate : bool, default False
        Whether the output is complemented.

    Attributes
    ----------
    perm, flips, negate
        As given.
    n : int
        Number of inputs, ``len(perm)``.

    Examples
    --------
    >>> from gates.boolean.symmetry import Transform
    >>> s = Transform((1, 0, 2), flips=0b001)
    >>> (s * s.inverse()).is_identity()
    True

    Complementing both inputs and the output of AND gives OR (De Morgan):

    >>> from gates.boolean.truth import to_hex
    >>> to_hex(Transform((0, 1), flips=0b11, negate=True).apply("8"), 2)
    'e'
    """

    perm: tuple
    flips: int = 0
    negate: bool = False

    @classmethod
    def identity(cls, n):
        """The identity transform of `n` inputs."""
        return cls(tuple(range(n)))

    @property
    def n(self):
        """Number of inputs."""
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
        """The transform t with ``self * t`` the identity."""
        inv = [0] * self.n
        for i, p in enumerate(self.perm):
            inv[p] = i
        flips = 0
        for j in range(self.n):
            flips |= ((self.flips >> inv[j]) & 1) << j
        return Transform(tuple(inv), flips, self.negate)

    def is_identity(self):
        """True for the identity (no permutation, flip or negation)."""
        return self.perm == tuple(range(self.n)) and not self.flips and not self.negate

    def apply(self, tt, n=None):
        """The transformed table(s) f . sigma.

        Parameters
        ----------
        tt : table or batch of tables
            See :mod:`gates.boolean.truth`.
        n : int, optional
            Number of inputs; by default ``self.n``.

        Returns
        -------
        ndarray of uint64
            Same shape as the input, as :func:`gates.boolean.operations.transform`.
        """
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

    Parameters
    ----------
    n : int
        Number of inputs, 0 <= n <= 12.
    group : {"p", "np", "npn"}

    Returns
    -------
    ndarray of int16, shape (|G| - 1,)
        |G| is the order of P (NP for "npn").

    Code k < n complements input k; code n + k swaps inputs k and k + 1. The
    prefix products of the codes are pairwise distinct, so applying them in
    turn to f visits f . g for every g of the group (NPN uses the NP walk;
    the output negation is handled by pairing f with not f).

    Examples
    --------
    >>> from gates.boolean.symmetry import walk_ops
    >>> walk_ops(2, "np").tolist()     # flip x_0, x_1, x_0; swap; flip x_0, x_1, x_0
    [0, 1, 0, 2, 0, 1, 0]
    """
    n = check_n(n, 0, 12, "a group walk")
    check_group(group)
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


@njit(cache=True)
def _walk_states(t, ops, n, out):
    """out[j] = table after the first j walk steps (out[0] = t). Compiled."""
    out[0] = t
    for j in range(ops.shape[0]):
        t = walk_step(t, ops[j], n)
        out[j + 1] = t


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def _walk_n(n):
    return check_n(n, 0, WALK_MAX_N, "orbit walks (one-word tables)")


def _walk_one(tt, n, group):
    """(walk codes, the table after each step) for one table; n <= 6."""
    n = _walk_n(n)
    check_group(group)
    arr, single = as_tables(tt, n)
    if not single:
        raise InputError("orbits and canonical forms take one table")
    ops = walk_ops(n, group)
    states = np.empty(ops.shape[0] + 1, dtype=np.uint64)
    _walk_states(arr[0, 0], ops, n, states)
    return ops, states


def orbit(tt, n, group):
    """The sorted, distinct members of the orbit of one table (n <= 6).

    Parameters
    ----------
    tt : table
        One table (hex string, int or words); see :mod:`gates.boolean.truth`.
    n : int
        Number of inputs, 0 <= n <= 6.
    group : {"p", "np", "npn"}

    Returns
    -------
    ndarray of uint64, shape (orbit size,)
        The tables f . g for every g of the group, sorted increasing.

    Raises
    ------
    InputError
        For n out of range, a batch, or an unknown group.

    Examples
    --------
    XOR and XNOR form one NPN orbit; AND's has 8 members (every function of
    two inputs with one or three true points):

    >>> from gates.boolean.symmetry import orbit
    >>> orbit("6", 2, "npn").tolist(), orbit("8", 2, "npn").tolist()
    ([6, 9], [1, 2, 4, 7, 8, 11, 13, 14])
    """
    ops, states = _walk_one(tt, n, group)
    if group == "npn":
        states = np.concatenate([states, ~states & word_mask(n)])
    return np.unique(states)


def orbit_size(tt, n, group):
    """Number of distinct functions in the orbit of one table (n <= 6).

    Parameters
    ----------
    tt : table
        One table; see :mod:`gates.boolean.truth`.
    n : int
        Number of inputs, 0 <= n <= 6.
    group : {"p", "np", "npn"}

    Returns
    -------
    int
        It divides the group's order (orbit-stabiliser).

    Raises
    ------
    InputError
        As :func:`orbit`.

    Examples
    --------
    Majority of three is symmetric and self-dual, so its NPN orbit is its 8
    input complementations:

    >>> from gates.boolean.symmetry import orbit_size
    >>> orbit_size("e8", 3, "npn"), orbit_size("e8", 3, "p")
    (8, 1)
    """
    return int(orbit(tt, n, group).shape[0])


def canonical_form(tt, n, group):
    """The orbit-min representative and a transform reaching it (n <= 6).

    Two functions are equivalent under the group exactly when their
    canonical forms are equal.

    Parameters
    ----------
    tt : table
        One table; see :mod:`gates.boolean.truth`.
    n : int
        Number of inputs, 0 <= n <= 6.
    group : {"p", "np", "npn"}

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
    >>> rep, sigma = canonical_form("e8", 3, "npn")    # majority
    >>> to_hex(rep, 3), to_hex(sigma.apply("e8", 3), 3)
    ('17', '17')
    >>> to_hex(canonical_form("8", 2, "npn")[0], 2) == to_hex(canonical_form("e", 2, "npn")[0], 2)   # AND ~ OR
    True

    Raises
    ------
    InputError
        For n out of range, a batch, or an unknown group.
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



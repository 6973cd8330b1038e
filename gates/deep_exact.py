"""Exact asymptotic verdicts of a two-layer net's output gate on frozen features.

In the hidden-first order (:mod:`gates.deep`) the hidden layer never sees
the target, so once it is frozen the output gate of restart k faces a fixed
problem: learn a labelling of the feature rows Phi~(p) (the h hidden outputs
and the bias input 1). This module decides, for every one of the 2^(2^n)
functions at once, what the clamped output rule does *asymptotically*, the
two-layer counterpart of the one-gate exact mode of :mod:`gates.protocol`.

Fibres and patterns
-------------------
Inputs with equal feature rows look the same to the output gate, so only a
function constant on every fibre of Phi can be learnt. With m distinct rows
(patterns) Phi~_j of multiplicities mult_j, the candidates are the 2^m
labellings T_j of the patterns, each lifted to the truth table whose bit p
is the label of the pattern of p. The target sign is T~ = +-1 and the gate
has learnt when every T~_j (w . Phi~_j) > 0 (strict).

Rules
-----
``hebb``, ``oja``
    Clamped Hebb and Oja tend to the direction c = sum_p T(p) Phi~(p) =
    sum_j mult_j T_j Phi~_j (T = +-1 for pm1, 1/0 for 01), so w = c, a vector
    of integers: learnt iff every margin T~_j (c . Phi~_j) > 0, a *tie* if
    the smallest is exactly 0 (the initial weights decide), else not learnt.
``hebb-tanh``
    w = sign(c) elementwise (sign(0) = 0); same three verdicts.
``gradient``
    The perceptron (delta rule) learns exactly the strictly linearly
    separable labellings of the patterns, over the S feature coordinates
    (the bias column is one of them when the protocol has one; without it
    the separator has no free bias). Every verdict carries a certificate
    checked in integer arithmetic: a weight vector w in Z^S with every
    T~_j (w . Phi~_j) >= 1, from an integer perceptron or a rounded LP
    solution, or a Gordan (Farkas) certificate lambda >= 0, lambda != 0,
    with sum_j lambda_j T~_j Phi~_j = 0, found by ``linprog(method="highs")``
    and made exact as the rational null vector of its support. A certificate
    for a labelling L certifies every labelling that agrees with L (or with
    its complement) on the certificate's support, so certificates are cached
    and most labellings are decided by a bit test.

Enumeration
-----------
``gradient`` visits the labellings in Gray-code order (each step flips one
label). The clamped rules are searched, exactly, in far fewer steps:

* hebb, oja: a depth-first branch and bound over the labels, patterns in
  order of |Gram| row mass. For every pattern i it keeps what the labelled
  patterns add to d_i = c . Phi~_i and the interval the unlabelled ones can
  still add; a subtree is cut as soon as a labelled pattern's best
  reachable margin is negative, so the leaves are exactly the learnt
  labellings and the ties.
* hebb-tanh: w = sign(c) takes at most 3^S' values, S' the distinct nonzero
  feature columns up to sign (equal columns have equal c, a negated one
  -c). The sign vectors s are visited in ternary Gray order: s fixes every
  label with s . Phi~_i != 0, and is kept while sign(c) = s can still hold.
  The patterns with s . Phi~_i = 0 (margin 0: ties) are then labelled by a
  search that first solves c_l = 0 (each l with s_l = 0) mod 2, a linear
  system over GF(2), then bounds c or matches two halves of the labels on
  those coordinates (meet in the middle). When 2^m is far smaller than
  3^S', the Gray-code scan of the labellings runs instead.

The Gray-code scan of the labellings, ``_clamped_scan`` (for hebb and oja
the m-vector d is updated with one Gram row a step, for hebb-tanh only the
coordinates of c that change sign are propagated), is the reference the
searches are tested against. With pm1 coding a labelling and its
complement get the same verdict (c -> -c), so one label is held off and
complements are emitted (over sign vectors: the first nonzero sign is +1).

Cost is exponential in m, so ``max_patterns`` caps it:

* hebb, oja, hebb-tanh: 32, so every n <= 5 layer is decided. On one
  core an n = 5, h = 16 restart at m = 28-32 takes 0.1-4 s for hebb and
  oja (the most with 10^5 ties or more), and for hebb-tanh 0.01-3 s on a
  trained hidden layer (S' <= 14), up to 10 s at S' = 15-16, and 15-30 s
  on frozen random hidden units (S' = 17: 6.5e7 sign vectors), where the
  Gray-code scan needs 2^31 steps; restarts run on every core;
* gradient: 16 (2^15 labellings; real n = 4-5 layers take 0.01-0.3 s a
  restart at m <= 16, and still under 1 s at m = 21-24 with max_patterns
  raised; the worst seen, random +-1 patterns of rank 11-13 at m = 16,
  take about 9 s with ~1,700 LPs).

Above the cap, fall back to simulation with stratified sampling.
"""

from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm

import numba
import numpy as np
from numba import njit
from scipy.optimize import linprog

from .errors import InputError, UndecidedError, require_memory
from .protocol import ENCODINGS

__all__ = [
    "EXACT_OUTPUT_RULES",
    "DEFAULT_MAX_PATTERNS",
    "OutputSets",
    "feature_patterns",
    "output_sets",
]

EXACT_OUTPUT_RULES = ("hebb", "oja", "hebb-tanh", "gradient")
DEFAULT_MAX_PATTERNS = {"hebb": 32, "oja": 32, "hebb-tanh": 32, "gradient": 16}
"""Largest m (distinct feature rows) enumerated by default, per output rule."""
MAX_PATTERNS_LIMIT = 40
"""No cap above this is accepted: 2^40 labellings is beyond any budget."""
PERCEPTRON_EPOCHS = 64
"""Integer-perceptron epochs tried on a labelling before an LP decides it."""
MITM_MIN_PATTERNS = 18
"""hebb-tanh: zero-margin patterns from which their labels meet in the middle (fewer: depth first)."""
MITM_MAX_HALF = 16
"""Largest half (2^16 label sums) held in memory by the meet in the middle."""


@dataclass
class OutputSets:
    """The functions restart by restart the output gate learns on frozen features.

    Attributes
    ----------
    rule, encoding : str
    n : int
        Inputs; tables are uint64 words with bit p = f(p).
    learnt : list of ndarray
        ``learnt[k]``: sorted uint64 tables restart k learns.
    ties : list of ndarray
        ``ties[k]``: sorted tables whose smallest margin is exactly 0
        (hebb, oja, hebb-tanh; always empty for gradient).
    patterns : ndarray
        ``patterns[k]`` = m, the distinct feature rows of restart k.
    lp_solves : ndarray
        Gradient only: labellings per restart that the cached certificates
        and the perceptron left to an LP (0 otherwise).
    """

    rule: str
    encoding: str
    n: int
    learnt: list
    ties: list
    patterns: np.ndarray
    lp_solves: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def merge(self):
        """Tables learnt by some restart, with how many restarts learn each.

        Returns
        -------
        tables : ndarray
            Sorted unique uint64 tables over the union of the restarts.
        successes : ndarray
            int64, the number of restarts whose learnt set holds each table.
        """
        if not self.learnt:
            return np.zeros(0, np.uint64), np.zeros(0, np.int64)
        tables, successes = np.unique(np.concatenate(self.learnt), return_counts=True)
        return tables.astype(np.uint64), successes.astype(np.int64)


# --------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _push(buf, count, value):
    """Append `value` at buf[count], doubling the buffer when full. Compiled with numba."""
    if count == buf.shape[0]:
        grown = np.empty(2 * buf.shape[0], dtype=np.uint64)
        grown[:count] = buf
        buf = grown
    buf[count] = value
    return buf, count + 1


@njit(cache=True, inline="always")
def _lowest_bit(i):
    """Index of the lowest set bit of i > 0: the label a Gray-code step flips. Compiled with numba."""
    j = 0
    while not (i >> j) & 1:
        j += 1
    return j


@njit(cache=True, inline="always")
def _sign(v):
    """sign(v) in {-1, 0, 1}, with sign(0) = 0 as hebb-tanh's limit. Compiled with numba."""
    return 1 if v > 0 else (-1 if v < 0 else 0)


@njit(cache=True, nogil=True)
def _clamped_scan(phi, phit, gram, mult, pmask, full, pm1, saturate, half):
    """Learnt and tied tables of clamped hebb / oja (w = c) or hebb-tanh (w = sign(c)).

    Visits the labellings of the m patterns in Gray-code order (pattern m-1
    held off when `half`; its complement is then emitted with it). The
    invariant: d[i] = w . phi[i] for the current labelling L, c = sum_j
    mult_j T_j phi_j, and table = the lift of L. Integers throughout, so
    the margins T~_i d[i] are exact. Compiled with numba.
    """
    m, s = phi.shape
    steps = 1 << (m - 1) if half else 1 << m
    t_off = -1 if pm1 else 0
    step = 2 if pm1 else 1  # T moves from off to on by 2 (pm1) or 1 (01)
    c = np.zeros(s, dtype=np.int64)
    for j in range(m):
        for l in range(s):
            c[l] += mult[j] * t_off * phi[j, l]
    sg = np.zeros(s, dtype=np.int64)
    d = np.zeros(m, dtype=np.int64)
    if saturate:
        for l in range(s):
            sg[l] = _sign(c[l])
        for i in range(m):
            for l in range(s):
                d[i] += sg[l] * phi[i, l]
    else:
        for i in range(m):
            for l in range(s):
                d[i] += c[l] * phi[i, l]
    learnt = np.empty(1024, dtype=np.uint64)
    ties = np.empty(1024, dtype=np.uint64)
    nl = 0
    nt = 0
    lab = 0
    table = np.uint64(0)
    for it in range(steps):
        status = 1
        for i in range(m):
            marg = d[i] if (lab >> i) & 1 else -d[i]
            if marg < 0:
                status = -1
                break
            if marg == 0:
                status = 0
        if status == 1:
            learnt, nl = _push(learnt, nl, table)
            if half:
                learnt, nl = _push(learnt, nl, full ^ table)
        elif status == 0:
            ties, nt = _push(ties, nt, table)
            if half:
                ties, nt = _push(ties, nt, full ^ table)
        if it + 1 == steps:
            break
        j = _lowest_bit(it + 1)
        delta = (-step if (lab >> j) & 1 else step) * mult[j]
        lab ^= 1 << j
        table ^= pmask[j]
        if saturate:
            for l in range(s):
                if phi[j, l] != 0:
                    c[l] += delta * phi[j, l]
                    new = _sign(c[l])
                    if new != sg[l]:
                        dd = new - sg[l]
                        sg[l] = new
                        for i in range(m):
                            d[i] += dd * phit[l, i]
        else:
            for i in range(m):
                d[i] += delta * gram[j, i]
    return learnt[:nl].copy(), ties[:nt].copy()


@njit(cache=True, nogil=True)
def _clamped_search(gram, mult, pmask, full, pm1, half):
    """Learnt and tied tables of clamped hebb / oja (w = c) by branch and bound over the labels.

    Patterns come in search order: pattern k is labelled at depth k
    (pattern 0 held off when `half`; its complement is then emitted with
    it). The invariants at depth k: part[k, i] = sum_{j<k} mult_j T_j G_ij,
    what the labelled patterns add to d_i = c . phi_i, and lo[k, i] / hi[k, i]
    = the least / most the patterns j >= k can still add. A labelled pattern
    whose best reachable margin is negative cuts the subtree; at depth m the
    margins are exact, so the leaves are exactly the learnt labellings and
    the ties. Compiled with numba.
    """
    m = gram.shape[0]
    t_off = -1 if pm1 else 0
    con = np.empty((m, m), dtype=np.int64)  # con[k, i]: what pattern k on adds to d_i
    lo = np.zeros((m + 1, m), dtype=np.int64)
    hi = np.zeros((m + 1, m), dtype=np.int64)
    for k in range(m - 1, -1, -1):
        for i in range(m):
            x = mult[k] * gram[k, i]
            con[k, i] = x
            lo[k, i] = lo[k + 1, i] + min(x, t_off * x)
            hi[k, i] = hi[k + 1, i] + max(x, t_off * x)
    part = np.zeros((m + 1, m), dtype=np.int64)
    tab = np.zeros(m + 1, dtype=np.uint64)
    on = np.zeros(m, dtype=np.bool_)
    nxt = np.zeros(m + 1, dtype=np.int64)  # the child to try next at each depth: 0 on, 1 off, 2 done
    learnt = np.empty(1024, dtype=np.uint64)
    ties = np.empty(1024, dtype=np.uint64)
    nl = 0
    nt = 0
    nxt[0] = 1 if half else 0
    k = 0
    while k >= 0:
        if nxt[k] == 2:
            k -= 1
            continue
        lab = nxt[k] == 0
        nxt[k] += 1
        on[k] = lab
        t = 1 if lab else t_off
        kk = k + 1
        for i in range(m):
            part[kk, i] = part[k, i] + t * con[k, i]
        tab[kk] = (tab[k] | pmask[k]) if lab else tab[k]
        least = 1  # 1: every labelled margin can still be > 0; 0: the best some can reach is 0
        for i in range(kk):
            # the best margin T~_i d_i that pattern i can still reach below this node
            if on[i]:
                marg = part[kk, i] + hi[kk, i]
            else:
                marg = -(part[kk, i] + lo[kk, i])
            if marg < 0:
                least = -1
                break
            if marg == 0:
                least = 0
        if least < 0:
            continue
        if kk < m:
            k = kk
            nxt[k] = 0
        elif least == 1:
            learnt, nl = _push(learnt, nl, tab[kk])
            if half:
                learnt, nl = _push(learnt, nl, full ^ tab[kk])
        else:
            ties, nt = _push(ties, nt, tab[kk])
            if half:
                ties, nt = _push(ties, nt, full ^ tab[kk])
    return learnt[:nl].copy(), ties[:nt].copy()


@njit(cache=True, inline="always")
def _sign_fits(v, lo, hi):
    """Whether sign(c) = v for some integer c in [lo, hi]. Compiled with numba."""
    if v > 0:
        return hi > 0
    if v < 0:
        return lo < 0
    return lo <= 0 <= hi


@njit(cache=True)
def _zeros_solvable_mod2(con, pm1, sv, cf, zl, nz):
    """Whether some labels of zl[:nz] make c_l = 0 mod 4 (pm1) or mod 2 (01) for every l with sv[l] = 0.

    A necessary condition for c_l = 0 exactly. c_l = cf_l + sum_r x_rl t_r
    with x_rl = con[zl[r], l]. With 01 coding t_r is the label bit:
    sum_r (x_rl mod 2) t_r = cf_l (mod 2). With pm1 coding t_r = 1 - 2 b_r
    (b_r = 1 off), so c_l = 0 (mod 4) reads: cf_l + sum_r x_rl is even and
    sum_r (x_rl mod 2) b_r = (cf_l + sum_r x_rl) / 2 (mod 2). Either way a
    linear system over GF(2), solved by elimination on bit masks (nz <= 63).
    Compiled with numba.
    """
    piv = np.zeros(64, dtype=np.int64)
    prhs = np.zeros(64, dtype=np.int64)
    used = 0
    for q in range(con.shape[1]):
        if sv[q] != 0:
            continue
        mask = 0
        tot = cf[q]
        for r in range(nz):
            x = con[zl[r], q]
            tot += x if pm1 else 0
            if x & 1:
                mask |= 1 << r
        if pm1:
            if tot & 1:
                return False
            rhs = (tot >> 1) & 1
        else:
            rhs = tot & 1
        while mask != 0:
            b = _lowest_bit(mask)
            if (used >> b) & 1:
                mask ^= piv[b]
                rhs ^= prhs[b]
            else:
                piv[b] = mask
                prhs[b] = rhs
                used |= 1 << b
                break
        if mask == 0 and rhs != 0:
            return False
    return True


@njit(cache=True)
def _zero_labels_dfs(con, t_off, pmask, sv, cf, zl, nz, table, full, both, ties, nt, wlo, whi, wtab, wnxt):
    """Ties of sign vector sv: labels of zl[:nz] with sign(c) = sv, depth first.

    Invariant: wlo[k] / whi[k] bound c given the first k labels (the rest
    free); a label is refused when some coordinate can no longer reach its
    sign. Work arrays wlo, whi (m+1, S), wtab, wnxt (m+1) are the caller's.
    Compiled with numba.
    """
    s = con.shape[1]
    for q in range(s):
        wlo[0, q] = cf[q]
        whi[0, q] = cf[q]
    for r in range(nz):
        for q in range(s):
            x = con[zl[r], q]
            wlo[0, q] += min(x, t_off * x)
            whi[0, q] += max(x, t_off * x)
    wtab[0] = table
    wnxt[0] = 0
    zd = 0
    last = 0  # the coordinate that failed last is tried first
    while zd >= 0:
        if wnxt[zd] == 2:
            zd -= 1
            continue
        on = wnxt[zd] == 0
        wnxt[zd] += 1
        j = zl[zd]
        zk = zd + 1
        for q in range(s):
            x = con[j, q]
            y = t_off * x
            v = x if on else y
            wlo[zk, q] = wlo[zd, q] + v - min(x, y)
            whi[zk, q] = whi[zd, q] + v - max(x, y)
        ok = True
        for e in range(s):
            q = last + e if last + e < s else last + e - s
            if not _sign_fits(sv[q], wlo[zk, q], whi[zk, q]):
                ok = False
                last = q
                break
        if not ok:
            continue
        wtab[zk] = (wtab[zd] | pmask[j]) if on else wtab[zd]
        if zk < nz:
            zd = zk
            wnxt[zk] = 0
            continue
        ties, nt = _push(ties, nt, wtab[zk])
        if both:
            ties, nt = _push(ties, nt, full ^ wtab[zk])
    return ties, nt


@njit(cache=True)
def _zero_labels_mitm(con, t_off, pmask, sv, cf, zl, nz, table, full, both, ties, nt):
    """Ties of sign vector sv: labels of zl[:nz] with sign(c) = sv, meeting in the middle.

    The second half's label sums v are keyed by their values on up to seven
    coordinates with sv = 0 (8 bits each: |c_l| <= P <= 64) and sorted; each
    first-half sum u (with cf) looks up the v with u + v = 0 there, and
    every candidate is then checked on all coordinates. Compiled with numba.
    """
    s = con.shape[1]
    ne = 0
    for q in range(s):
        if sv[q] == 0:
            ne += 1
    ek = np.zeros(min(ne, 7), dtype=np.int64)
    r = 0
    for q in range(s):
        if sv[q] == 0 and r < ek.shape[0]:
            ek[r] = q
            r += 1
    n2 = nz // 2
    n1 = nz - n2
    step = 1 - t_off  # c moves by step * con[j] when label j turns on
    size = 1 << n2
    vv = np.zeros((size, s), dtype=np.int64)
    vt = np.zeros(size, dtype=np.uint64)
    keys = np.zeros(size, dtype=np.int64)
    vec = np.zeros(s, dtype=np.int64)
    for r in range(n2):
        for q in range(s):
            vec[q] += t_off * con[zl[n1 + r], q]
    tab = np.uint64(0)
    lab = 0
    for it in range(size):  # Gray order over the second half
        key = 0
        for e in range(ek.shape[0]):
            key = (key << 8) | (vec[ek[e]] + 128)
        keys[it] = key
        vv[it] = vec
        vt[it] = tab
        if it + 1 == size:
            break
        b = _lowest_bit(it + 1)
        j = zl[n1 + b]
        sgn = -1 if (lab >> b) & 1 else 1
        for q in range(s):
            vec[q] += sgn * step * con[j, q]
        lab ^= 1 << b
        tab ^= pmask[j]
    perm = np.argsort(keys)
    skeys = keys[perm]
    for q in range(s):
        vec[q] = cf[q]
    for r in range(n1):
        for q in range(s):
            vec[q] += t_off * con[zl[r], q]
    tab = table
    lab = 0
    for it in range(1 << n1):
        key = 0
        for e in range(ek.shape[0]):
            key = (key << 8) | (128 - vec[ek[e]])
        at = np.searchsorted(skeys, key)
        while at < size and skeys[at] == key:
            idx = perm[at]
            at += 1
            ok = True
            for q in range(s):
                if _sign(vec[q] + vv[idx, q]) != sv[q]:
                    ok = False
                    break
            if ok:
                ties, nt = _push(ties, nt, tab | vt[idx])
                if both:
                    ties, nt = _push(ties, nt, full ^ (tab | vt[idx]))
        if it + 1 == (1 << n1):
            break
        b = _lowest_bit(it + 1)
        j = zl[b]
        sgn = -1 if (lab >> b) & 1 else 1
        for q in range(s):
            vec[q] += sgn * step * con[j, q]
        lab ^= 1 << b
        tab ^= pmask[j]
    return ties, nt


@njit(cache=True)
def _zero_margin_ties(con, t_off, pmask, sv, cf, zl, nz, table, full, both, ties, nt, wlo, whi, wtab, wnxt,
                      mitm_min):
    """Ties of sign vector sv: every labelling of the zero-margin patterns zl[:nz] with sign(c) = sv.

    `cf` is c from the other (fixed) labels and `table` their lift. Filters
    by the mod-2 system first; `mitm_min` or more patterns with some
    sv_l = 0 meet in the middle, the rest go depth first. Compiled with numba.
    """
    ne = 0
    for q in range(con.shape[1]):
        if sv[q] == 0:
            ne += 1
    if ne > 0 and not _zeros_solvable_mod2(con, t_off != 0, sv, cf, zl, nz):
        return ties, nt
    if ne > 0 and mitm_min <= nz <= 2 * MITM_MAX_HALF:
        return _zero_labels_mitm(con, t_off, pmask, sv, cf, zl, nz, table, full, both, ties, nt)
    return _zero_labels_dfs(con, t_off, pmask, sv, cf, zl, nz, table, full, both, ties, nt, wlo, whi, wtab, wnxt)


@njit(cache=True, nogil=True)
def _sign_scan(a, w, mult, pmask, full, pm1, mitm_min):
    """Learnt and tied tables of clamped hebb-tanh (w = sign(c)) over the sign vectors.

    `a` (m, S') holds the distinct nonzero feature columns up to sign and `w`
    how many columns each stands for, so d_i = sum_l w_l s_l a_il with
    s = sign(c), c_l = sum_j mult_j T_j a_jl. Every s in {-1, 0, 1}^S' is
    visited in reflected ternary Gray order (Knuth's Algorithm H), one
    coordinate moving by one a step; with pm1 coding only s = 0 and the s
    whose first nonzero is +1 (the complements cover -s). The invariant:
    d = a (w s), and ion / ioff / ifree flag d_i > 0 (label forced on),
    < 0 (off) or = 0 (free, a zero margin). s is a solution's sign vector
    only if every c_l can still take the sign s_l, free labels ranging;
    then with no free label the forced labelling is learnt, else the free
    labels are completed by `_zero_margin_ties`. Each labelling has one s,
    so nothing is found twice. Compiled with numba.
    """
    m, s = a.shape
    t_off = -1 if pm1 else 0
    con = np.empty((m, s), dtype=np.int64)  # con[j, l]: what pattern j on adds to c_l
    xon = np.empty((s, m), dtype=np.int64)  # per coordinate: c from a label on, off, free (min, max)
    xoff = np.empty((s, m), dtype=np.int64)
    xmin = np.empty((s, m), dtype=np.int64)
    xmax = np.empty((s, m), dtype=np.int64)
    wa = np.empty((s, m), dtype=np.int64)
    for j in range(m):
        for l in range(s):
            x = mult[j] * a[j, l]
            con[j, l] = x
            xon[l, j] = x
            xoff[l, j] = t_off * x
            xmin[l, j] = min(x, t_off * x)
            xmax[l, j] = max(x, t_off * x)
            wa[l, j] = w[l] * a[j, l]
    learnt = np.empty(1024, dtype=np.uint64)
    ties = np.empty(1024, dtype=np.uint64)
    nl = 0
    nt = 0
    sv = np.zeros(s, dtype=np.int64)
    d = np.zeros(m, dtype=np.int64)
    ion = np.zeros(m, dtype=np.int64)
    ioff = np.zeros(m, dtype=np.int64)
    ifree = np.zeros(m, dtype=np.int64)
    cf = np.zeros(s, dtype=np.int64)
    zl = np.zeros(m, dtype=np.int64)
    wlo = np.zeros((m + 1, s), dtype=np.int64)
    whi = np.zeros((m + 1, s), dtype=np.int64)
    wtab = np.zeros(m + 1, dtype=np.uint64)
    wnxt = np.zeros(m + 1, dtype=np.int64)
    dig = np.zeros(s + 1, dtype=np.int64)
    foc = np.zeros(s + 1, dtype=np.int64)
    dirn = np.zeros(s + 1, dtype=np.int64)
    if pm1:
        # s = 0: every margin is 0 and c must vanish; that set is closed under complement
        for i in range(m):
            zl[i] = i
        ties, nt = _zero_margin_ties(con, t_off, pmask, sv, cf, zl, m, np.uint64(0), full, False, ties, nt, wlo,
                                     whi, wtab, wnxt, mitm_min)
    last = 0  # the coordinate that failed last is tried first
    for p in range(s if pm1 else 1):
        # pm1: s_q = 0 for q < p, s_p = +1, digits p+1.. free; 01: every digit free
        first = p + 1 if pm1 else 0
        for q in range(s):
            sv[q] = 0 if q < p else (1 if q == p and pm1 else -1)
        for i in range(m):
            x = 0
            for q in range(s):
                x += wa[q, i] * sv[q]
            d[i] = x
            ion[i] = x > 0
            ioff[i] = x < 0
            ifree[i] = x == 0
        nd = s - first
        for r in range(nd + 1):
            dig[r] = 0  # s_{first+r} = dig[r] - 1
            foc[r] = r
            dirn[r] = 1
        while True:
            ok = True
            for e in range(s):
                q = last + e if last + e < s else last + e - s
                lo = 0
                hi = 0
                for i in range(m):
                    c0 = ion[i] * xon[q, i] + ioff[i] * xoff[q, i]
                    lo += c0 + ifree[i] * xmin[q, i]
                    hi += c0 + ifree[i] * xmax[q, i]
                if not _sign_fits(sv[q], lo, hi):
                    ok = False
                    last = q
                    break
            if ok:
                table = np.uint64(0)
                nz = 0
                for q in range(s):
                    cf[q] = 0
                for i in range(m):
                    if ion[i]:
                        table |= pmask[i]
                        for q in range(s):
                            cf[q] += xon[q, i]
                    elif ioff[i]:
                        for q in range(s):
                            cf[q] += xoff[q, i]
                    else:
                        zl[nz] = i
                        nz += 1
                if nz == 0:
                    learnt, nl = _push(learnt, nl, table)
                    if pm1:
                        learnt, nl = _push(learnt, nl, full ^ table)
                else:
                    ties, nt = _zero_margin_ties(con, t_off, pmask, sv, cf, zl, nz, table, full, pm1, ties, nt,
                                                 wlo, whi, wtab, wnxt, mitm_min)
            r = foc[0]
            foc[0] = 0
            if r == nd:
                break
            dig[r] += dirn[r]
            if dig[r] == 0 or dig[r] == 2:
                dirn[r] = -dirn[r]
                foc[r] = foc[r + 1]
                foc[r + 1] = r + 1
            q = first + r
            delta = dig[r] - 1 - sv[q]
            sv[q] += delta
            for i in range(m):
                x = d[i] + delta * wa[q, i]
                d[i] = x
                ion[i] = x > 0
                ioff[i] = x < 0
                ifree[i] = x == 0
    return learnt[:nl].copy(), ties[:nt].copy()


@njit(cache=True, inline="always")
def _lift(pmask, lab):
    """The truth table of labelling `lab`: the union of the fibres labelled on. Compiled with numba."""
    table = np.uint64(0)
    for j in range(pmask.shape[0]):
        if (lab >> j) & 1:
            table |= pmask[j]
    return table


@njit(cache=True)
def _perceptron(a, lab, w, epochs):
    """Integer perceptron w += T~_j a_j on the labelling `lab`, from w, in place.

    True when an epoch makes no mistake: then every T~_j (w . a_j) >= 1
    was checked in integer arithmetic with w unchanged. Compiled with numba.
    """
    m, r = a.shape
    for _ in range(epochs):
        mistakes = 0
        for j in range(m):
            t = 1 if (lab >> j) & 1 else -1
            z = 0
            for l in range(r):
                z += w[l] * a[j, l]
            if t * z <= 0:
                mistakes += 1
                for l in range(r):
                    w[l] += t * a[j, l]
        if mistakes == 0:
            return True
    return False


@njit(cache=True)
def _separable_scan(a, pmask, full, start, stop, w, cmask, cbits, ncert, epochs, out, nout):
    """Separable labellings with Gray index in [start, stop); stops at the first undecided.

    Labelling L (pattern m-1 held off; the complement is emitted with it)
    is not separable when a cached certificate (support cmask[c], labels
    cbits[c]) agrees with L or its complement on its support; it is
    separable when the integer perceptron, warm-started from w, converges.
    Returns (index reached, nout): an index below `stop` is a labelling
    neither decides. Compiled with numba.
    """
    for it in range(start, stop):
        lab = it ^ (it >> 1)
        hit = False
        for c in range(ncert):
            x = lab & cmask[c]
            if x == cbits[c] or x == (cbits[c] ^ cmask[c]):
                hit = True
                break
        if hit:
            continue
        if not _perceptron(a, lab, w, epochs):
            return it, nout
        table = _lift(pmask, lab)
        out[nout] = table
        out[nout + 1] = full ^ table
        nout += 2
    return stop, nout


# --------------------------------------------------------------------------
# exact arithmetic (Python integers and fractions)
# --------------------------------------------------------------------------


def _rref(rows, ncols):
    """Reduced row echelon form over the rationals; returns (rows, pivot columns)."""
    mat = [[Fraction(v) for v in row] for row in rows]
    pivots = []
    r = 0
    for col in range(ncols):
        pr = next((i for i in range(r, len(mat)) if mat[i][col] != 0), None)
        if pr is None:
            continue
        mat[r], mat[pr] = mat[pr], mat[r]
        piv = mat[r][col]
        mat[r] = [v / piv for v in mat[r]]
        for i in range(len(mat)):
            if i != r and mat[i][col] != 0:
                f = mat[i][col]
                mat[i] = [vi - f * vr for vi, vr in zip(mat[i], mat[r])]
        pivots.append(col)
        r += 1
        if r == len(mat):
            break
    return mat, pivots


def _independent_columns(pat):
    """Columns of the pattern matrix forming a basis of its column space (exact).

    Every other column is a combination of these, so w . Phi~_j over them
    ranges over the same values and separability is unchanged.
    """
    _, pivots = _rref(pat.tolist(), pat.shape[1])
    return np.array(pivots, dtype=np.int64)


def _null_vector(vectors):
    """The null vector of the columns `vectors` when the null space is a line, else None."""
    k = len(vectors)
    r = len(vectors[0]) if k else 0
    rows = [[vectors[j][l] for j in range(k)] for l in range(r)]
    mat, pivots = _rref(rows, k)
    free = [j for j in range(k) if j not in pivots]
    if len(free) != 1:
        return None
    z = [Fraction(0)] * k
    z[free[0]] = Fraction(1)
    for i, pc in enumerate(pivots):
        z[pc] = -mat[i][free[0]]
    return z


def _integer_farkas(lam, signed):
    """Integers lambda >= 0, not all 0, with sum lambda_j signed_j = 0, else None."""
    if any(v < 0 for v in lam):
        if all(v <= 0 for v in lam):
            lam = [-v for v in lam]
        else:
            return None
    if not any(lam):
        return None
    den = lcm(*(v.denominator for v in lam))
    ints = [int(v * den) for v in lam]
    for l in range(len(signed[0]) if signed else 0):
        if sum(lj * sj[l] for lj, sj in zip(ints, signed)) != 0:
            return None
    return ints


def _farkas_from_lp(x, signed, a_signed):
    """An exact certificate near the LP's lambda: (support, integer lambda) or None."""
    support = [j for j in np.flatnonzero(x > 1e-9)]
    if support:
        # a basic LP solution has a support whose null space is a line
        z = _null_vector([signed[j] for j in support])
        if z is not None:
            ints = _integer_farkas(z, [signed[j] for j in support])
            if ints is not None:
                return support, ints
        for den in (10**3, 10**6, 10**9):
            lam = [Fraction(float(x[j])).limit_denominator(den) for j in support]
            ints = _integer_farkas(lam, [signed[j] for j in support])
            if ints is not None:
                return support, ints
        # a vertex of the support's own LP (dual simplex) has a minimal support
        sub = a_signed[support]
        res = linprog(np.zeros(len(support)), A_eq=np.vstack([sub.T, np.ones((1, len(support)))]),
                      b_eq=np.r_[np.zeros(sub.shape[1]), 1.0], bounds=(0, None), method="highs-ds")
        if res.status == 0:
            inner = [support[j] for j in np.flatnonzero(res.x > 1e-9)]
            z = _null_vector([signed[j] for j in inner]) if inner else None
            if z is not None:
                ints = _integer_farkas(z, [signed[j] for j in inner])
                if ints is not None:
                    return inner, ints
    return None


def _integer_separator(w, signed):
    """An integer vector near w with every signed_j . w >= 1, else None."""
    for scale in (1, 2**10, 2**20, 2**30):
        wi = [int(round(v * scale)) for v in w]
        if all(sum(a * b for a, b in zip(wi, sj)) >= 1 for sj in signed):
            return wi
    return None


def _decide(a, lab, pat):
    """Decide one labelling by LP, with an exact certificate.

    Returns ("farkas", support) or ("separator", integer w on the reduced
    coordinates `a`; zero elsewhere it has the same margins on `pat`). A
    Farkas certificate is checked again on every column of the patterns.
    Raises UndecidedError when neither certificate verifies.
    """
    m = len(pat)
    t = np.where((lab >> np.arange(m)) & 1, 1, -1).astype(np.int64)
    a_signed = t[:, None] * a
    signed = a_signed.tolist()
    r = a.shape[1]
    res = linprog(np.zeros(m), A_eq=np.vstack([a_signed.T.astype(np.float64), np.ones((1, m))]),
                  b_eq=np.r_[np.zeros(r), 1.0], bounds=(0, None), method="highs")
    if res.status == 0:
        found = _farkas_from_lp(res.x, signed, a_signed.astype(np.float64))
        if found is not None:
            support, lam = found
            full_rows = [(t[j] * pat[j]).tolist() for j in support]
            if all(sum(lj * row[l] for lj, row in zip(lam, full_rows)) == 0 for l in range(pat.shape[1])):
                return "farkas", support
    else:
        # Gordan: no lambda, so a w with every T~_j (w . a_j) >= 1 exists
        res = linprog(np.zeros(r), A_ub=-a_signed.astype(np.float64), b_ub=-np.ones(m), bounds=(None, None),
                      method="highs")
        if res.status == 0:
            wi = _integer_separator(res.x, signed)
            if wi is not None:
                return "separator", wi
    raise UndecidedError(
        f"labelling {lab:#x} of {m} feature patterns: neither an integer separator nor an exact Farkas "
        f"certificate verified (LP status {res.status}: {res.message})"
    )


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def feature_patterns(features_k):
    """The distinct feature rows of one restart, with the fibres that map to them.

    Parameters
    ----------
    features_k : array_like, shape (P, S)
        One restart's features Phi~(p), values in {-1, 0, 1}.

    Returns
    -------
    patterns : ndarray, shape (m, S), int64
        The distinct rows, in lexicographic order.
    inverse : ndarray, shape (P,), int64
        ``patterns[inverse[p]]`` is the row of input p.
    mult : ndarray, shape (m,), int64
        How many inputs map to each pattern.

    Raises
    ------
    InputError
        For a shape other than 2-D, no rows, or a value outside {-1, 0, 1}.

    Examples
    --------
    >>> from gates.deep_exact import feature_patterns
    >>> pat, inv, mult = feature_patterns([[1, 1], [-1, 1], [1, 1], [-1, 1]])
    >>> pat.tolist(), inv.tolist(), mult.tolist()
    ([[-1, 1], [1, 1]], [1, 0, 1, 0], [2, 2])
    """
    arr = _check_values(features_k, 2, "features_k (P, S)")
    pat, inv, mult = np.unique(arr, axis=0, return_inverse=True, return_counts=True)
    return np.ascontiguousarray(pat), inv.reshape(-1).astype(np.int64), mult.astype(np.int64)


def output_sets(features, rule, encoding="pm1", max_patterns=None):
    """Exactly which functions the output gate learns on each restart's frozen features.

    Parameters
    ----------
    features : array_like, shape (K, P, S)
        ``hidden_layer(...).features``: per restart, the feature row of each
        of the P = 2^n inputs (n <= 6), values in {-1, 0, 1}.
    rule : {"hebb", "oja", "hebb-tanh", "gradient"}
        The output gate's clamped rule; see the module doc for each verdict.
    encoding : {"pm1", "01"}
        The target coding T (+-1 or 1/0); it enters c = sum_p T(p) Phi~(p).
    max_patterns : int, optional
        Largest number m of distinct feature rows enumerated (2^m
        labellings); default ``DEFAULT_MAX_PATTERNS[rule]`` (32, gradient 16).

    Returns
    -------
    OutputSets
        ``learnt[k]``, ``ties[k]`` (sorted uint64 tables) and ``patterns[k]``
        per restart; ``merge()`` gives the union with success counts.

    Raises
    ------
    InputError
        For features not 3-D, values outside {-1, 0, 1}, P not a power of
        two up to 64, or an unknown rule, encoding or cap.
    UndecidedError
        When some restart has more than `max_patterns` patterns, or (never
        seen) a gradient labelling gets no certificate that verifies.
    ResourceError
        When the worst-case output would exceed the memory cap.

    Examples
    --------
    >>> import numpy as np
    >>> from gates.deep_exact import output_sets
    >>> x = np.array([[[-1.0, -1, 1], [1, -1, 1], [-1, 1, 1], [1, 1, 1]]])  # identity features, n = 2
    >>> res = output_sets(x, "gradient")
    >>> len(res.learnt[0]), 0x6 in res.learnt[0]      # the 14 threshold functions, not XOR
    (14, False)
    >>> hebb = output_sets(x, "hebb")            # one clamped Hebb gate: XOR and XNOR tie
    >>> len(hebb.learnt[0]), [hex(int(t)) for t in hebb.ties[0]]
    (14, ['0x6', '0x9'])
    """
    if rule not in EXACT_OUTPUT_RULES:
        raise InputError(f"output rule {rule!r} has no exact mode: allowed {', '.join(EXACT_OUTPUT_RULES)}")
    if encoding not in ENCODINGS:
        raise InputError(f"encoding {encoding!r} is unknown: allowed {', '.join(ENCODINGS)}")
    if max_patterns is None:
        max_patterns = DEFAULT_MAX_PATTERNS[rule]
    if (isinstance(max_patterns, bool) or not isinstance(max_patterns, (int, np.integer))
            or not 1 <= max_patterns <= MAX_PATTERNS_LIMIT):
        raise InputError(f"max_patterns must be an integer in 1..{MAX_PATTERNS_LIMIT}, got {max_patterns!r}")
    arr = _check_values(features, 3, "features (K, P, S)")
    K, P, S = arr.shape
    n = P.bit_length() - 1
    if P != 1 << n or not 2 <= P <= 64:
        raise InputError(f"features have P = {P} rows per restart: need P = 2^n with 1 <= n <= 6")
    found = [feature_patterns(arr[k]) for k in range(K)]
    ms = np.array([len(f[0]) for f in found], dtype=np.int64)
    over = np.flatnonzero(ms > max_patterns)
    if over.size:
        k = int(over[0])
        raise UndecidedError(
            f"restart {k} has m = {ms[k]} distinct feature patterns, over the cap max_patterns = {max_patterns} "
            f"(2^m labellings); fall back to simulation with stratified sampling"
        )
    gradient = rule == "gradient"
    # the sets grow as they are found; the check covers up to 2^27 tables per restart (2^m at worst)
    require_memory(int(sum(8 << min(int(m), 27) for m in ms)) * (1 if gradient else 2),
                   f"the {rule} output sets of {K} restarts",
                   "lower max_patterns or fall back to simulation with stratified sampling")
    full = np.uint64((1 << P) - 1)
    lps = np.zeros(K, np.int64)

    def one(k):
        pat, inv, mult = found[k]
        pmask = np.zeros(len(pat), dtype=np.uint64)
        for p, j in enumerate(inv):
            pmask[j] |= np.uint64(1) << np.uint64(p)
        if gradient:
            tabs, lps[k] = _separable_tables(pat, pmask, full)
            return np.sort(tabs), np.zeros(0, np.uint64)
        return _clamped_tables(pat, mult, pmask, full, rule, encoding)

    if gradient or K == 1 or int(ms.max()) < 20:
        out = [one(k) for k in range(K)]
    else:  # the searches release the GIL: restarts run on every core
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(K, numba.get_num_threads())) as pool:
            out = list(pool.map(one, range(K)))
    return OutputSets(rule, encoding, n, [o[0] for o in out], [o[1] for o in out], ms, lps)


def _clamped_tables(pat, mult, pmask, full, rule, encoding, method=None, mitm_min=None):
    """Sorted (learnt, tied) tables of one restart under a clamped rule (hebb, oja, hebb-tanh).

    `method` picks the kernel: "search" (hebb, oja: branch and bound over
    the labels), "signs" (hebb-tanh: the sign vectors of c) or "scan" (the
    Gray-code scan of every labelling, the reference); by default the
    search for hebb and oja, and for hebb-tanh whichever of 3^S' sign
    vectors and 2^m labellings is cheaper (a sign vector costs about four
    Gray steps). `mitm_min` (default ``MITM_MIN_PATTERNS``): zero-margin
    patterns from which hebb-tanh's completion meets in the middle.
    """
    pm1 = encoding == "pm1"
    mitm_min = MITM_MIN_PATTERNS if mitm_min is None else mitm_min
    saturate = rule == "hebb-tanh"
    gram = pat @ pat.T
    if method is None:
        if not saturate:
            method = "search"
        else:
            cols, _ = _columns_up_to_sign(pat)
            method = "signs" if 4 * 3 ** cols.shape[1] <= 2 ** len(pat) else "scan"
    if method == "search" and not saturate:
        # heavy patterns first: their labels move the most margins, so bounds bite early
        order = np.argsort(-(np.abs(gram) * mult[:, None] * mult[None, :]).sum(axis=1), kind="stable")
        lt, tt = _clamped_search(np.ascontiguousarray(gram[np.ix_(order, order)]), mult[order].copy(),
                                 pmask[order].copy(), full, pm1, pm1)
    elif method == "signs" and saturate:
        cols, weights = _columns_up_to_sign(pat)
        lt, tt = _sign_scan(cols, weights, mult, pmask, full, pm1, mitm_min)
    elif method == "scan":
        lt, tt = _clamped_scan(pat, np.ascontiguousarray(pat.T), np.ascontiguousarray(gram), mult, pmask, full,
                               pm1, saturate, pm1)
    else:
        raise InputError(f"method {method!r} does not apply to rule {rule!r}")
    return np.sort(lt), np.sort(tt)


def _columns_up_to_sign(pat):
    """The distinct nonzero columns of `pat` up to sign, (m, S') int64, and how many columns each stands for.

    Equal columns have equal c_l, a negated one -c_l, and sign(-c) (-Phi) =
    sign(c) Phi, so each class adds w_l sign(c_l) a_il to the activation.
    """
    weights = {}
    for col in np.asarray(pat, dtype=np.int64).T:
        nz = np.flatnonzero(col)
        if nz.size:
            key = tuple((col * col[nz[0]]).tolist())  # first nonzero entry made +1
            weights[key] = weights.get(key, 0) + 1
    cols = np.array(list(weights), dtype=np.int64).reshape(len(weights), len(pat)).T
    return np.ascontiguousarray(cols), np.array(list(weights.values()), dtype=np.int64)


def _separable_tables(pat, pmask, full):
    """Tables of the strictly separable labellings of the patterns; (tables, LP solves)."""
    m = len(pat)
    cols = _independent_columns(pat)
    a = np.ascontiguousarray(pat[:, cols]) if cols.size else np.zeros((m, 0), np.int64)
    steps = 1 << (m - 1)  # pattern m-1 held off; each labelling comes with its complement
    out = np.empty(2 * steps, dtype=np.uint64)
    w = np.zeros(a.shape[1], dtype=np.int64)
    cmask = np.zeros(64, dtype=np.int64)
    cbits = np.zeros(64, dtype=np.int64)
    ncert, nout, it, lp, stalled = 0, 0, 0, 0, -1
    while it < steps:
        it, nout = _separable_scan(a, pmask, full, it, steps, w, cmask, cbits, ncert, PERCEPTRON_EPOCHS, out,
                                   nout)
        if it == steps:
            break
        if it == stalled:
            raise UndecidedError(f"labelling {it ^ (it >> 1):#x}: its own Farkas certificate did not decide it")
        stalled = it
        lab = it ^ (it >> 1)
        kind, cert = _decide(a, lab, pat)
        lp += 1
        if kind == "farkas":
            if ncert == len(cmask):
                cmask = np.concatenate([cmask, np.zeros_like(cmask)])
                cbits = np.concatenate([cbits, np.zeros_like(cbits)])
            mask = sum(1 << int(j) for j in cert)
            cmask[ncert], cbits[ncert] = mask, lab & mask
            ncert += 1  # the scan resumes at `it`, which the new certificate now decides
        else:
            table = _lift(pmask, lab)
            out[nout], out[nout + 1] = table, full ^ table
            nout += 2
            if max((abs(v) for v in cert), default=0) < 2**40:
                w[:] = cert  # a good warm start for the Gray neighbours
            it += 1
    return out[:nout].copy(), lp


def _check_values(x, ndim, what):
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a numeric array, got {type(x).__name__}") from None
    if arr.ndim != ndim or 0 in arr.shape:
        raise InputError(f"{what} must be a non-empty {ndim}-D array, got shape {arr.shape}")
    if not np.isin(arr, (-1.0, 0.0, 1.0)).all():
        bad = arr[~np.isin(arr, (-1.0, 0.0, 1.0))].reshape(-1)[0]
        raise InputError(f"{what} values must be in {{-1, 0, 1}}, found {bad!r}")
    return np.ascontiguousarray(arr.astype(np.int64))

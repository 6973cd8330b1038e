"""Exact verdicts of a clamped output rule (hebb, oja, hebb-tanh) on one restart's feature patterns.

Kernels of :mod:`gates.learning.two_layer_exact`: given the m distinct feature
rows Phi~_j (multiplicities mult_j, fibre masks pmask_j), list every
labelling the rule learns (every margin > 0) and every tie (the smallest
margin exactly 0), in integer arithmetic.

The clamped rules are searched, exactly:

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

Kernel module of the room: :func:`clamped_tables` and :func:`zeros_solvable_mod2`
are public for :mod:`gates.learning.two_layer_exact` and the tests; their
kernels are compiled with numba and expect checked input (integer feature
patterns, uint64 fibre masks), which :func:`gates.learning.two_layer_exact.output_sets` prepares.

This module is long because the three exact searches (branch and bound,
sign vectors with their GF(2) and meet-in-the-middle completion, and the
Gray-code scan they are tested against) share one set of buffer and label
kernels and one dispatcher; split, one algorithm would span two files.
"""

import numpy as np
from numba import njit

from gates.errors import InputError

__all__ = ["clamped_tables", "zeros_solvable_mod2"]  # the kernels two_layer_exact.output_sets calls

MITM_MIN_PATTERNS = 18
"""hebb-tanh: zero-margin patterns from which their labels meet in the middle (fewer: depth first)."""
MITM_MAX_HALF = 16
"""Largest half (2^16 label sums) held in memory by the meet in the middle."""


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
def _clamped_scan(phi, phit, gram, mult, pmask, full, pm1, saturate, half, judge):
    """Learnt and tied tables of clamped hebb / oja (w = c) or hebb-tanh (w = sign(c)).

    Visits the labellings of the m patterns in Gray-code order (pattern m-1
    held off when `half`; its complement is then emitted with it). The
    invariant: d[i] = w . phi[i] for the current labelling L, c = sum_j
    mult_j T_j phi_j, and table = the lift of L. Integers throughout, so
    the margins T~_i d[i] are exact. The gate reads the rows `judge`
    (phit = judge.T, gram[j, i] = phi_j . judge_i): `phi` itself, except for
    a recoded rule on 0/1 features, whose c sums the +-1 rows 2 phi - 1.
    Compiled with numba.
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
                d[i] += sg[l] * judge[i, l]
    else:
        for i in range(m):
            for l in range(s):
                d[i] += c[l] * judge[i, l]
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
def zeros_solvable_mod2(con, pm1, sv, cf, zl, nz):
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
    if ne > 0 and not zeros_solvable_mod2(con, t_off != 0, sv, cf, zl, nz):
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




def clamped_tables(pat, mult, pmask, full, rule, encoding, method=None, mitm_min=None, recoded=False):
    """Sorted (learnt, tied) tables of one restart under a clamped rule (hebb, oja, hebb-tanh).

    `recoded` (0/1 features only): the rule is the +-1 rule recoded to 0/1,
    so its weights move as on the +-1 rows: c = sum_j mult_j T~_j (2 Phi~_j - 1)
    (the bias 1 stays 1) with T~ = +-1, while the gate reads Phi~_j. The
    margins then use the asymmetric Gram matrix (2 Phi~_k - 1) . Phi~_i, and
    complementing a labelling negates c (so half the labellings suffice);
    hebb, oja search as usual, hebb-tanh only by the scan.

    `method` picks the kernel: "search" (hebb, oja: branch and bound over
    the labels), "signs" (hebb-tanh: the sign vectors of c) or "scan" (the
    Gray-code scan of every labelling, the reference); by default the
    search for hebb and oja, and for hebb-tanh whichever of 3^S' sign
    vectors and 2^m labellings is cheaper (a sign vector costs about four
    Gray steps). `mitm_min` (default ``MITM_MIN_PATTERNS``): zero-margin
    patterns from which hebb-tanh's completion meets in the middle.

    Parameters
    ----------
    pat : int64 array (m, S)
        The distinct feature rows Phi~_j (bias column included when on).
    mult : int64 array (m,)
        How many inputs share each row.
    pmask : uint64 array (m,)
        The inputs of each row, as a one-word truth table (n <= 6).
    full : numpy.uint64
        The table of all 2^n inputs.
    rule : {"hebb", "oja", "hebb-tanh"}
        The clamped output rule.
    encoding : {"pm1", "01"}
        The features' coding.
    method : {"search", "signs", "scan"}, optional
        The kernel (see above).
    mitm_min : int, optional
        See above.
    recoded : bool, default False
        See above.

    Returns
    -------
    learnt, tied : uint64 arrays
        Sorted tables whose labelling the asymptotic rule learns strictly,
        and those whose smallest margin is exactly 0.

    Raises
    ------
    InputError
        For the sign-vector method with a recoded rule.
    """
    recoded = bool(recoded) and encoding == "01"
    pm1 = encoding == "pm1" or recoded  # labels +-1 in c
    mitm_min = MITM_MIN_PATTERNS if mitm_min is None else mitm_min
    saturate = rule == "hebb-tanh"
    upd = 2 * pat - 1 if recoded else pat  # the rows c sums
    gram = upd @ pat.T  # gram[k, i] = upd_k . pat_i: what pattern k adds to d_i
    if recoded and method == "signs":
        raise InputError("the sign-vector search assumes c sums the rows the gate reads; a recoded rule "
                         "on 0/1 features uses the scan")
    if method is None:
        if not saturate:
            method = "search"
        elif recoded:
            method = "scan"
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
        lt, tt = _clamped_scan(np.ascontiguousarray(upd), np.ascontiguousarray(pat.T), np.ascontiguousarray(gram),
                               mult, pmask, full, pm1, saturate, pm1, np.ascontiguousarray(pat))
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

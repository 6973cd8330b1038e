"""The joint target search of sampling deep targets: candidates, groups, and their compiled evaluation (Baldi & Sadowski 2016: deep targets).

For a hidden layer l the training examples are grouped (by their current
activity at l, or by their input to l); each group gets candidate
activities (:func:`sample_candidates`), and :func:`choose_targets` keeps,
per group, the candidate with the least output error summed over the
group's examples, ties broken by the least Hamming distance to the current
activity, then at random. The evaluation is one numba kernel over groups
(threaded), with no Python loop per candidate: it adds the first layer
above incrementally (only the flipped units' columns), stops a candidate
as soon as the next layer's activity equals the current one, and abandons
a candidate whose partial error already exceeds the best.
"""

import numpy as np
from numba import njit, prange

from gates._threads import numba_threads
from gates.boolean.words import popcount64
from gates.errors import InputError, require_memory

__all__ = ["SAMPLERS", "sample_candidates", "activity_groups", "input_groups", "choose_targets"]

SAMPLERS = ("flip", "flip-k", "uniform", "exhaustive", "seen")


@njit(cache=True)
def _error_above(a, width, wflat, woff, wrows, wcols, members, tbits, off, bound, buf_b, obits):
    """Summed output error over the group of the next layer's activity a
    (width units): the packed layers above, then popcounts of the output
    bits xor each member's target bits; stops once it exceeds bound."""
    for k in range(wrows.shape[0]):
        base = woff[k]
        cols = wcols[k]
        for i in range(wrows[k]):
            row = base + i * cols
            s = wflat[row + cols - 1]
            for j in range(cols - 1):
                s += wflat[row + j] * a[j]
            buf_b[i] = 1.0 if s > 0.0 else off
        for i in range(wrows[k]):
            a[i] = buf_b[i]
        width = wrows[k]
    for wd in range(obits.shape[0]):
        obits[wd] = 0
    for i in range(width):
        if a[i] > 0.0:
            obits[i >> 6] |= np.uint64(1) << np.uint64(i & 63)
    err = 0
    for q in range(members.shape[0]):
        e = members[q]
        for wd in range(obits.shape[0]):
            err += popcount64(obits[wd] ^ tbits[e, wd])
        if err > bound:
            return err
    return err


@njit(cache=True)
def _error_bits(key, lut, loff, lrows, lbytes, members, tbits, bound):
    """As :func:`_error_above`, in bits: the next layer's activity is the
    word `key` (bit i: unit i on), each layer above adds, per output unit,
    one tabulated partial sum per input byte (lut), and the output bits
    are compared with each member's target bits by popcount."""
    for k in range(lrows.shape[0]):
        nxt = np.uint64(0)
        nb = lbytes[k]
        base = loff[k]
        for i in range(lrows[k]):
            s = 0.0
            row = base + i * nb * 256
            for b in range(nb):
                s += lut[row + b * 256 + ((key >> np.uint64(8 * b)) & np.uint64(255))]
            if s > 0.0:
                nxt |= np.uint64(1) << np.uint64(i)
        key = nxt
    err = 0
    for q in range(members.shape[0]):
        err += popcount64(key ^ tbits[members[q], 0])
        if err > bound:
            return err
    return err


@njit(cache=True, parallel=True)
def _choose(cands, cur, pre1, nxt_cur, cur_err, W1, wflat, woff, wrows, wcols, order, start, tbits, off, keys,
            best, best_err, counts, lut, loff, lrows, lbytes, use_bits):
    """best[g]: the index of group g's chosen candidate (-1: keep the current activity).

    Least summed output error, then least Hamming distance to the current
    activity (the current one has distance 0 and wins its ties), then the
    least random key. Per candidate, only the changed units' columns are
    added to the next layer's input (pre1 is the current one); a candidate
    that leaves the next layer's activity unchanged has the current error
    and loses; the error of each distinct next-layer activity is computed
    once per group (memo, when that layer has <= 64 units). counts[g]:
    the gate evaluations spent on group g (the next layer's gates per
    candidate that differs from the current activity, plus every gate
    above for each next-layer activity actually pushed up). Compiled,
    threaded over groups.
    """
    G, S, n_l = cands.shape
    n1 = W1.shape[0]
    width = n1
    for k in range(wrows.shape[0]):
        width = max(width, wrows[k])
    memo_on = n1 <= 64
    above = 0
    for k in range(wrows.shape[0]):
        above += wrows[k]
    hsize = 1
    while hsize < 2 * S:
        hsize *= 2
    # scratch, one row per group (allocated once, not per group)
    a_all = np.empty((G, width))
    b_all = np.empty((G, width))
    o_all = np.zeros((G, tbits.shape[1]), np.uint64)
    idx_all = np.empty((G, n_l), np.int64)
    hkeys_all = np.empty((G, hsize), np.uint64)
    herr_all = np.full((G, hsize), -1, np.int64)
    for g in prange(G):
        a = a_all[g]
        buf_b = b_all[g]
        obits = o_all[g]
        idx = idx_all[g]
        hkeys = hkeys_all[g]
        herr = herr_all[g]
        members = order[start[g]:start[g + 1]]
        be, bd, bk, bi = cur_err[g], 0, -1.0, -1
        spent = 0
        for s in range(S):
            d = 0
            for j in range(n_l):
                if cands[g, s, j] != cur[g, j]:
                    idx[d] = j
                    d += 1
            if d == 0:
                continue
            spent += n1
            same = True
            key = np.uint64(0)
            for i in range(n1):
                v = pre1[g, i]
                for q in range(d):
                    j = idx[q]
                    v += W1[i, j] * (cands[g, s, j] - cur[g, j])
                o = 1.0 if v > 0.0 else off
                a[i] = o
                if o != nxt_cur[g, i]:
                    same = False
                if memo_on and o > 0.0:
                    key |= np.uint64(1) << np.uint64(i)
            if same:
                continue  # the current error: the current activity wins the tie
            e = -1
            slot = 0
            if memo_on:
                # open addressing on the next layer's activity bits (Fibonacci hashing)
                slot = int((key * np.uint64(11400714819323198485)) >> np.uint64(40)) & (hsize - 1)
                while herr[slot] >= 0 and hkeys[slot] != key:
                    slot = (slot + 1) & (hsize - 1)
                if herr[slot] >= 0:
                    e = herr[slot]
            if e < 0:
                spent += above
                if use_bits:
                    e = _error_bits(key, lut, loff, lrows, lbytes, members, tbits, be)
                else:
                    e = _error_above(a, n1, wflat, woff, wrows, wcols, members, tbits, off, be, buf_b, obits)
                if memo_on and e <= be:
                    # an abandoned (> be) error is only a lower bound: not memoised
                    hkeys[slot] = key
                    herr[slot] = e
            if e > be:
                continue
            if e < be or d < bd or (d == bd and keys[g, s] < bk):
                be, bd, bk, bi = e, d, keys[g, s], s
        best[g] = bi
        best_err[g] = be
        counts[g] = spent



def _tables(ups, off, n1):
    """Byte lookup tables of the layers above the next one (bits path).

    For output unit i and input byte b, lut[i, b, v] is the partial sum of
    w_ij a_j over the 8 inputs j of byte b with a_j = 1 where bit j of v is
    set, else off; the bias is in byte 0. Used when every layer from the
    next one up has at most 64 units (one word); otherwise use_bits is
    False and the float path runs.
    """
    widths = [n1] + [W.shape[0] for W in ups]  # every activity from the next layer up
    use_bits = all(w <= 64 for w in widths)
    if not use_bits or not ups:
        return np.zeros(1), np.zeros(len(ups), np.int64), np.zeros(len(ups), np.int64), np.zeros(len(ups), np.int64), \
            use_bits and not ups
    bits = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(bool)  # (256, 8)
    parts, loff, lrows, lbytes, pos = [], [], [], [], 0
    for W in ups:
        rows, cols = W.shape[0], W.shape[1] - 1
        nb = (cols + 7) // 8
        Wp = np.zeros((rows, nb * 8))
        Wp[:, :cols] = W[:, :-1]
        Wb = Wp.reshape(rows, nb, 8)
        # values of the 8 inputs of a byte: 1 where the bit is set, off elsewhere; padded inputs weigh 0
        vals = np.where(bits, 1.0, off)  # (256, 8)
        lut = np.einsum("rbt,vt->rbv", Wb, vals)
        lut[:, 0, :] += W[:, -1][:, None]
        parts.append(lut.ravel())
        loff.append(pos)
        lrows.append(rows)
        lbytes.append(nb)
        pos += lut.size
    return (np.concatenate(parts), np.array(loff, np.int64), np.array(lrows, np.int64), np.array(lbytes, np.int64),
            True)


def _pack(Y):
    """Rows of activities as bits (1 where on), (m, ceil(n / 64)) uint64."""
    Y = np.asarray(Y) > 0
    m, n = Y.shape
    words = (n + 63) // 64
    pad = np.zeros((m, words * 64), bool)
    pad[:, :n] = Y
    bits = pad.reshape(m, words, 64).astype(np.uint64) << np.arange(64, dtype=np.uint64)
    return np.ascontiguousarray(bits.sum(axis=2, dtype=np.uint64))


def activity_groups(A):
    """Group identical rows of A: (unique rows, order of examples by group, start offsets, group of each).

    Groups come in the order of ``np.unique(A, axis=0)``; rows of <= 64
    units are packed into one word each, which sorts in that same order
    (bit 63 - j for unit j, so the first unit is the most significant).
    """
    A = np.asarray(A)
    if A.shape[1] <= 64:
        n = A.shape[1]
        key = ((A > 0).astype(np.uint64) << np.arange(63, 63 - n, -1, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)
        uniq = A[first]
    else:
        uniq, inv = np.unique(A, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    order = np.argsort(inv, kind="stable")
    start = np.searchsorted(inv[order], np.arange(len(uniq) + 1))
    return np.ascontiguousarray(uniq), order.astype(np.int64), start.astype(np.int64), inv


def input_groups(prev, cur):
    """Groups of the examples that share one input to a layer: (current activity of each group, order,
    start, group of each), in the layout of :func:`activity_groups` (a group's activity rows are all
    equal, since the layer is a function of its input)."""
    _, order, start, inv = activity_groups(prev)
    return np.ascontiguousarray(np.asarray(cur)[order[start[:-1]]]), order, start, inv


def sample_candidates(cur, sampler, samples, rng, off, flip_p=0.15, flip_k=1, seen=None):
    """Candidate activities (G, S, n) for the current activities cur (G, n).

    ``flip``: each unit flipped with probability flip_p; ``flip-k``: exactly
    flip_k units flipped; ``uniform``: uniform random vectors;
    ``exhaustive``: all 2^n vectors (S is then 2^n); ``seen``: rows drawn
    from `seen` (activities the layer had on the training set).
    """
    cur = np.asarray(cur, dtype=np.float64)
    G, n = cur.shape
    require_memory(G * (1 << n if sampler == "exhaustive" else samples) * n * 8, "the candidate activities",
                   "use fewer samples or a smaller layer")
    if sampler == "flip":
        mask = rng.random((G, samples, n)) < flip_p
    elif sampler == "flip-k":
        k = min(flip_k, n)
        keys = rng.random((G, samples, n))
        mask = keys <= np.sort(keys, axis=2)[:, :, k - 1:k]  # the k smallest keys: k distinct units
    elif sampler == "uniform":
        return np.where(rng.random((G, samples, n)) < 0.5, 1.0, off)
    elif sampler == "exhaustive":
        p = np.arange(1 << n)[:, None]
        allv = np.where((p >> np.arange(n)) & 1, 1.0, off)
        return np.ascontiguousarray(np.broadcast_to(allv, (G, 1 << n, n)))
    elif sampler == "seen":
        pool = np.asarray(seen, dtype=np.float64)
        return np.ascontiguousarray(pool[rng.integers(0, len(pool), (G, samples))])
    else:
        raise InputError(f"sampler {sampler!r} is unknown: allowed {', '.join(SAMPLERS)}")
    flipped = np.where(cur[:, None, :] > 0, off, 1.0)
    return np.where(mask, flipped, cur[:, None, :])


def choose_targets(weights, l, acts, Y, cands, keys, off, workers=None, return_evals=False, groups=None):
    """Targets for hidden layer l (1..L-1) from candidate activities.

    Parameters
    ----------
    weights : list of (n_k, n_{k-1} + 1) arrays
    l : int
        The layer whose activity is re-targeted.
    acts : list of arrays
        Current activities of every layer (from :func:`forward`).
    Y : (m, n_L) array
        Output targets (1 / off).
    cands : (G, S, n_l) array
        Candidates for each group of examples sharing one activity, the
        groups in the order of ``np.unique(acts[l], axis=0)``.
    keys : (G, S) array
        Random tie-breaking keys.

    Returns
    -------
    targets : (m, n_l) array
        Each example's target (its group's chosen activity).
    chosen : (G,) int
        Index of each group's candidate, -1 where the current activity stays.
    errors : (G,) int
        Summed output error of each group's target.
    evals : int
        Only with ``return_evals``: the gate evaluations spent.

    `groups` (uniq, order, start, inv) replaces the grouping by current
    activity (see :func:`input_groups`); ``cands`` then follows its order.
    """
    uniq, order, start, inv = activity_groups(acts[l]) if groups is None else groups
    W1 = np.ascontiguousarray(weights[l])
    pre1 = uniq @ W1[:, :-1].T + W1[:, -1]
    nxt_cur = np.where(pre1 > 0, 1.0, off)
    # the current error of each group, by the plain forward pass
    out = acts[-1]
    per_example = np.sum(out != Y, axis=1)
    cur_err = np.bincount(inv, weights=per_example, minlength=len(uniq)).astype(np.int64)
    ups = [np.ascontiguousarray(W, dtype=np.float64) for W in weights[l + 1:]]
    wflat = np.concatenate([W.ravel() for W in ups]) if ups else np.zeros(1)
    wrows = np.array([W.shape[0] for W in ups], np.int64)
    wcols = np.array([W.shape[1] for W in ups], np.int64)
    woff = np.concatenate([[0], np.cumsum(wrows * wcols)[:-1]]).astype(np.int64) if ups else np.zeros(0, np.int64)
    cands = np.ascontiguousarray(cands, dtype=np.float64)
    if cands.shape[0] != len(uniq) or cands.shape[2] != uniq.shape[1]:
        raise InputError(f"candidates must have shape ({len(uniq)}, S, {uniq.shape[1]}), got {cands.shape}")
    best = np.empty(len(uniq), np.int64)
    best_err = np.empty(len(uniq), np.int64)
    counts = np.zeros(len(uniq), np.int64)
    with numba_threads(workers):
        _choose(cands, np.ascontiguousarray(uniq), pre1, nxt_cur, cur_err, W1, wflat, woff, wrows, wcols, order,
                start, _pack(Y), off, np.ascontiguousarray(keys, dtype=np.float64), best, best_err, counts,
                *_tables(ups, off, W1.shape[0]))
    target_rows = uniq.copy()
    pick = best >= 0
    target_rows[pick] = cands[np.nonzero(pick)[0], best[pick]]
    if return_evals:
        return target_rows[inv], best, best_err, int(counts.sum())
    return target_rows[inv], best, best_err


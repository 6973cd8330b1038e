"""Lockstep census kernels: every target of a block trained at once on one restart's shared draws.

A census trains one gate per target from the same draws: restart k gives
every target the same initial weights and the same presentation orders
(:meth:`gates.learning.protocol.Protocol.draws`). So the B targets of a block
are trained side by side: at each step one input row meets the block's B
weight vectors, the outputs are one small matrix-vector product, and the
update is a branch-free rank-one operation over the block. Weights are
stored synapse-major, flat ``u[j * B + b]``, so every inner loop runs over
targets with unit stride, the shape SIMD units reward.

Three paths, chosen by what the rule reads (:class:`~gates.learning.rules.Rule`):

* neither O nor w (clamped ``hebb``, ``hebb-tanh``): the change of each
  synapse at step (e, q) is eta_e times a number fixed by the point and the
  target, tabulated once per block; :data:`FUSED` steps are applied in one
  pass over the weights, each weight still summed in step order.
* w but not O (clamped ``oja``): every synapse still moves on its own, by
  the rule's cubic in its own weight; four steps per pass, as above.
* O (``gradient``, unsupervised forms): per step, the block's outputs (one
  matrix-vector product), then the update chosen by (O, T) per target; the
  outputs of the next step are summed in the same pass that applies the
  update, so each weight is loaded once per step.

Each target's arithmetic is that of :func:`gates.learning.gate.train_gate`:
the same operations on the same numbers in the same order (dot products
summed over synapses j = 0 .. S-1 from 0.0, the change eta * d with d read
from the rule's table, the same margin test), so a target's verdict does
not depend on the block it shares, the block size or the thread count, and
equals the per-target kernel's. Two rewrites change nothing but the sign
of a zero, which no comparison sees: a power of w whose coefficient is 0
for every (O, x, T) is not evaluated (0 * w^c is +-0 while w is finite, and
a weight that is not finite stays so and fails the margin test), and the
product eta * d is formed once per (step, target, x) instead of once per
synapse. Early exits do not break the lockstep: with the any-epoch
criterion a block stops once all its targets have passed a check, and the
gradient rule's "no change when O = T" is an update by exactly 0, not a
branch.

The compiled functions expect checked, contiguous input (float64 rows,
uint64 tables, int64 orders); :func:`learnt_matrix`, the entry point of
:mod:`gates.studies.census` and :mod:`gates.learning.two_layer`, checks it.
"""

import numpy as np
from numba import njit, prange

from gates._validate import check_array, check_int
from gates.errors import InputError

__all__ = ["MAX_BLOCK", "TABLE_BYTES", "FUSED", "block_size", "learnt_matrix", "weight_degree"]

MAX_BLOCK = 256
"""Most targets per lockstep block. Larger blocks spread each step's fixed cost (the scalars of the rule's
table, loop set-up) over more targets; the rule that reads O gains most (gradient at n = 4: 0.9 s with 256
against 1.9 s with 64, ``scripts/bench_census.py``)."""
TABLE_BYTES = 1 << 18
"""Bytes a block's tabulated changes may take (P x S x B float64 per power of w), so they stay in the L2
cache: at n = 5 with 17 features this gives 56 targets per block, where 256 ran twice as slow."""
FUSED = 8
"""Steps applied per pass over a block's weights when the rule reads neither O nor w (4 when it reads w)."""


def block_size(points, synapses, uses_output, wdeg):
    """Targets per block: :data:`MAX_BLOCK`, or fewer when the rule's tabulated changes would pass :data:`TABLE_BYTES`.

    Parameters
    ----------
    points, synapses : int
        P inputs and S synapses per gate.
    uses_output : bool
        Whether the rule reads O (then nothing is tabulated).
    wdeg : int
        :func:`weight_degree` of the rule's table.

    Returns
    -------
    int
        A multiple of 8 from 8 to :data:`MAX_BLOCK`.

    Examples
    --------
    >>> block_size(16, 5, False, 0), block_size(32, 17, False, 0), block_size(16, 5, True, 0)
    (256, 56, 256)
    """
    if uses_output:
        return MAX_BLOCK
    fit = TABLE_BYTES // (8 * max(1, points * synapses) * (wdeg + 1))
    return int(min(MAX_BLOCK, max(8, fit - fit % 8)))


def weight_degree(table_k):
    """The highest power of w with a non-zero coefficient in a rule table (0 when the rule does not read w).

    Parameters
    ----------
    table_k : float64 array (2, 2, 2, 4)
        The rule's table (:meth:`~gates.learning.protocol.Protocol.rule_table`).

    Returns
    -------
    int
        0 .. 3.

    Examples
    --------
    >>> from gates.learning.protocol import Protocol
    >>> p = Protocol()
    >>> weight_degree(p.rule_table(p.named_rule("hebb"))), weight_degree(p.rule_table(p.named_rule("oja")))
    (0, 1)
    """
    nz = [c for c in range(4) if np.any(np.asarray(table_k)[..., c] != 0.0)]
    return max(nz) if nz else 0


@njit(cache=True)
def _targets(tables, rows, points):
    """ti[p, b]: bit p of tables[rows[b]] (target on)."""
    nb = rows.shape[0]
    ti = np.empty((points, nb), dtype=np.bool_)
    for p in range(points):
        for b in range(nb):
            ti[p, b] = (tables[rows[b], p >> 6] >> np.uint64(p & 63)) & np.uint64(1) != 0
    return ti


@njit(cache=True)
def _table(table_k, x, ti, c):
    """tab[p, j * B + b] = table_k[0, x_j of p, T_b(p), c]: the coefficient of w^c when O is not read."""
    points, nb = ti.shape
    s = x.shape[1]
    tab = np.empty((points, s * nb))
    for p in range(points):
        for j in range(s):
            xi = 1 if x[p, j] > 0.0 else 0
            v0 = table_k[0, xi, 0, c]
            v1 = table_k[0, xi, 1, c]
            for b in range(nb):
                tab[p, j * nb + b] = v1 if ti[p, b] else v0
    return tab


@njit(cache=True)
def _verdict(x, w, ti, tol, ok):
    """ok[b] = weights w[j * B + b] learn target b: :func:`gates.learning.gate.learnt`, for the block."""
    points, nb = ti.shape
    s = x.shape[1]
    wn = np.zeros(nb)
    for b in range(nb):
        ok[b] = True
    for j in range(s):
        for b in range(nb):
            v = w[j * nb + b]
            if not np.isfinite(v):
                ok[b] = False
            wn[b] += v * v
    for b in range(nb):
        wn[b] = np.sqrt(wn[b])
    a = np.empty(nb)
    for p in range(points):
        xn = 0.0
        for j in range(s):
            xn += x[p, j] * x[p, j]
        sx = np.sqrt(xn)
        a[:] = 0.0
        for j in range(s):
            xv = x[p, j]
            for b in range(nb):
                a[b] += w[j * nb + b] * xv
        for b in range(nb):
            m = a[b] if ti[p, b] else -a[b]
            if not (m > 0.0 and m > tol * wn[b] * sx):
                ok[b] = False


@njit(cache=True)
def _free_steps(u, c0, c1, c2, c3, wdeg, saturate, sp, se, start, stop):
    """Steps start .. stop-1 of a rule that does not read O: u_i += eta * d_i(w_i), FUSED steps per pass."""
    size = u.shape[0]
    i0 = start
    if wdeg == 0:
        while i0 + FUSED <= stop:
            a0, a1, a2, a3 = c0[sp[i0]], c0[sp[i0 + 1]], c0[sp[i0 + 2]], c0[sp[i0 + 3]]
            a4, a5, a6, a7 = c0[sp[i0 + 4]], c0[sp[i0 + 5]], c0[sp[i0 + 6]], c0[sp[i0 + 7]]
            e0, e1, e2, e3 = se[i0], se[i0 + 1], se[i0 + 2], se[i0 + 3]
            e4, e5, e6, e7 = se[i0 + 4], se[i0 + 5], se[i0 + 6], se[i0 + 7]
            for i in range(size):
                u[i] = (u[i] + e0 * a0[i] + e1 * a1[i] + e2 * a2[i] + e3 * a3[i] + e4 * a4[i] + e5 * a5[i]
                        + e6 * a6[i] + e7 * a7[i])
            i0 += FUSED
        for r in range(i0, stop):
            a0 = c0[sp[r]]
            e0 = se[r]
            for i in range(size):
                u[i] += e0 * a0[i]
        return
    if wdeg == 1 and not saturate:
        # linear in w (clamped Oja): each weight's recurrence, FUSED / 2 steps per pass
        while i0 + 4 <= stop:
            p0, p1, p2, p3 = sp[i0], sp[i0 + 1], sp[i0 + 2], sp[i0 + 3]
            a0, b0, a1, b1 = c0[p0], c1[p0], c0[p1], c1[p1]
            a2, b2, a3, b3 = c0[p2], c1[p2], c0[p3], c1[p3]
            e0, e1, e2, e3 = se[i0], se[i0 + 1], se[i0 + 2], se[i0 + 3]
            for i in range(size):
                v = u[i]
                v = v + e0 * (a0[i] + b0[i] * v)
                v = v + e1 * (a1[i] + b1[i] * v)
                v = v + e2 * (a2[i] + b2[i] * v)
                v = v + e3 * (a3[i] + b3[i] * v)
                u[i] = v
            i0 += 4
        start = i0
    for r in range(start, stop):
        p = sp[r]
        eta = se[r]
        a0, a1, a2, a3 = c0[p], c1[p], c2[p], c3[p]
        if saturate:
            for i in range(size):
                wv = np.tanh(u[i])
                d = a1[i] * wv
                if wdeg >= 2:
                    d += a2[i] * (wv * wv)
                if wdeg >= 3:
                    d += a3[i] * (wv * wv * wv)
                u[i] += eta * (a0[i] + d)
        elif wdeg == 1:
            for i in range(size):
                u[i] += eta * (a0[i] + a1[i] * u[i])
        else:
            for i in range(size):
                wv = u[i]
                d = a1[i] * wv + a2[i] * (wv * wv)
                if wdeg >= 3:
                    d += a3[i] * (wv * wv * wv)
                u[i] += eta * (a0[i] + d)


@njit(cache=True)
def _output_steps(u, w, x, ti, table_k, wdeg, saturate, sp, se, start, stop, a, oi):
    """Steps start .. stop-1 of a rule that reads O: the block's outputs, then the update chosen by (O, T).

    The outputs of step r + 1 are summed in the pass that applies step r's update (each weight is loaded
    once per step); every dot product still runs over j = 0 .. S-1 from 0.0, on the updated weights.
    """
    points, nb = ti.shape
    s = x.shape[1]
    p = sp[start]
    a[:] = 0.0
    for j in range(s):
        xv = x[p, j]
        for b in range(nb):
            a[b] += w[j * nb + b] * xv
    ed = np.empty(2 * nb)  # ed[xi * nb + b]
    for r in range(start, stop):
        p = sp[r]
        eta = se[r]
        pn = sp[r + 1] if r + 1 < stop else p  # the last step's extra dot product is not read
        for b in range(nb):
            # (O, T) as 2 O + T: the row of the rule's table this target reads
            oi[b] = (2 if a[b] > 0.0 else 0) + (1 if ti[p, b] else 0)
            a[b] = 0.0
        if wdeg == 0 and not saturate:
            # eta * d for x off and on: per target, once per step; a synapse's x picks the half
            f00, f01 = eta * table_k[0, 0, 0, 0], eta * table_k[0, 0, 1, 0]
            f10, f11 = eta * table_k[1, 0, 0, 0], eta * table_k[1, 0, 1, 0]
            g00, g01 = eta * table_k[0, 1, 0, 0], eta * table_k[0, 1, 1, 0]
            g10, g11 = eta * table_k[1, 1, 0, 0], eta * table_k[1, 1, 1, 0]
            for b in range(nb):
                m = oi[b]
                ed[b] = (f11 if m == 3 else f10) if m >= 2 else (f01 if m == 1 else f00)
                ed[nb + b] = (g11 if m == 3 else g10) if m >= 2 else (g01 if m == 1 else g00)
            for j in range(s):
                xn = x[pn, j]
                off = nb if x[p, j] > 0.0 else 0
                base = j * nb
                for b in range(nb):
                    un = u[base + b] + ed[off + b]
                    u[base + b] = un
                    a[b] += un * xn
            continue
        for j in range(s):
            xi = 1 if x[p, j] > 0.0 else 0
            xn = x[pn, j]
            base = j * nb
            if wdeg == 0:
                for b in range(nb):
                    m = oi[b]
                    u[base + b] += eta * table_k[m >> 1, xi, m & 1, 0]
            else:
                for b in range(nb):
                    m = oi[b]
                    wv = w[base + b]
                    c = table_k[m >> 1, xi, m & 1]
                    d = c[1] * wv
                    if wdeg >= 2:
                        d += c[2] * (wv * wv)
                    if wdeg >= 3:
                        d += c[3] * (wv * wv * wv)
                    u[base + b] += eta * (c[0] + d)
            if saturate:
                for b in range(nb):
                    w[base + b] = np.tanh(u[base + b])
            for b in range(nb):
                a[b] += w[base + b] * xn


@njit(cache=True)
def _train_block(tables, rows, x, table_k, wdeg, saturate, uses_output, w0, sp, se, points, any_epoch, tol,
                 out, k):
    """Train targets tables[rows] from w0 on the steps (sp, se) in lockstep; out[rows[b], k] = learnt."""
    nb = rows.shape[0]
    s = x.shape[1]
    ti = _targets(tables, rows, points)
    u = np.empty(s * nb)
    for j in range(s):
        for b in range(nb):
            u[j * nb + b] = w0[j]
    w = np.tanh(u) if saturate else u
    done = np.zeros(nb, dtype=np.bool_)
    ok = np.zeros(nb, dtype=np.bool_)
    a = np.empty(nb)
    oi = np.empty(nb, dtype=np.int64)
    if not uses_output:
        c0 = _table(table_k, x, ti, 0)
        c1 = _table(table_k, x, ti, 1) if wdeg >= 1 else c0
        c2 = _table(table_k, x, ti, 2) if wdeg >= 2 else c0
        c3 = _table(table_k, x, ti, 3) if wdeg >= 3 else c0
    epochs = sp.shape[0] // points
    for e in range(epochs):
        start, stop = e * points, (e + 1) * points
        if uses_output:
            _output_steps(u, w, x, ti, table_k, wdeg, saturate, sp, se, start, stop, a, oi)
        else:
            _free_steps(u, c0, c1, c2, c3, wdeg, saturate, sp, se, start, stop)
        if any_epoch:
            if saturate and not uses_output:
                w[:] = np.tanh(u)
            _verdict(x, w, ti, tol, ok)
            alldone = True
            for b in range(nb):
                done[b] |= ok[b]
                alldone &= done[b]
            if alldone:
                break
    if saturate:
        w[:] = np.tanh(u)
    _verdict(x, w, ti, tol, ok)
    for b in range(nb):
        out[rows[b], k] = ok[b] or done[b]


@njit(cache=True, parallel=True)
def _lockstep_many(tables, x, table_k, wdeg, saturate, uses_output, init, orders, etas, any_epoch, tol, block,
                  rows, counts, out):
    """out[f, k] = restart k learns tables[f], for f in rows[k, :counts[k]]; blocks of targets in lockstep.

    Restart k trains the targets ``rows[k, :counts[k]]``, `block` at a time,
    from ``init[k]`` on ``orders[k]``, on the inputs ``x[k]`` (or ``x[0]``
    when x holds one input table for all restarts); other entries of `out`
    are left as they are. Threaded over (restart, block) pairs. Compiled
    with numba; the arguments are not checked.

    Parameters
    ----------
    tables : uint64 array (F, W)
        The target truth tables.
    x : float64 array (1 or K, P, S)
        The inputs x~ (``Protocol.inputs``), or each restart's features.
    table_k : float64 array (2, 2, 2, 4)
        The rule's table (``Protocol.rule_table``).
    wdeg : int
        :func:`weight_degree` of the table.
    saturate, uses_output : bool
        The rule's :class:`~gates.learning.rules.Rule` flags.
    init : float64 array (K, S)
        Initial weights of the K restarts.
    orders : int64 array (K, epochs, P)
        Presentation orders.
    etas : float64 array (epochs,)
        Learning rate per epoch.
    any_epoch : bool
        Success after any epoch (True) or after the last.
    tol : float
        The relative margin of the strict criterion.
    block : int
        Targets per block, >= 1 (the results do not depend on it).
    rows : int64 array (K, R) or (1, R)
        The rows of `tables` each restart trains (one list for all restarts when its first axis is 1).
    counts : int64 array (K,)
        How many of ``rows[k]`` are used.
    out : bool array (F, K)
        Output.

    Returns
    -------
    None
    """
    kk, epochs, points = orders.shape
    # scalar loops on purpose: a slice assignment or np.zeros here would be a parallel region of its own
    se = np.empty(epochs * points)
    for i in range(epochs * points):
        se[i] = etas[i // points]
    first = np.empty(kk + 1, dtype=np.int64)  # task ids of restart k: first[k] .. first[k + 1] - 1
    first[0] = 0
    for k in range(kk):
        first[k + 1] = first[k] + (counts[k] + block - 1) // block
    for i in prange(first[kk]):
        k = 0
        while first[k + 1] <= i:
            k += 1
        lo = (i - first[k]) * block
        hi = min(counts[k], lo + block)
        xk = x[k] if x.shape[0] > 1 else x[0]
        rk = rows[k] if rows.shape[0] > 1 else rows[0]
        _train_block(tables, rk[lo:hi], xk, table_k, wdeg, saturate, uses_output, init[k],
                     orders[k].ravel(), se, points, any_epoch, tol, out, k)


def learnt_matrix(tables, x, table_k, rule, init, orders, etas, any_epoch, tol, keep=None, block=None):
    """learnt[f, k]: restart k's gate learns tables[f] (False where `keep` is False), trained in lockstep.

    The census entry point (:mod:`gates.studies.census`, :mod:`gates.learning.two_layer`): the arrays
    are those of :func:`gates.learning.gate.simulate_many`, prepared and checked by the caller.

    Parameters
    ----------
    tables : uint64 array (F, W)
        The target truth tables.
    x : float64 array (P, S) or (K, P, S)
        The inputs, shared by all restarts or one table per restart.
    table_k : float64 array (2, 2, 2, 4)
        The rule's table (``Protocol.rule_table``).
    rule : Rule
        The rule (its ``saturate`` and ``uses_output`` flags are read).
    init, orders, etas, any_epoch, tol
        The restarts' initial weights (K, S), presentation orders (K, epochs, P), the learning rate per
        epoch, the criterion (success after any epoch) and the relative margin.
    keep : bool array (F, K), optional
        The (target, restart) pairs to train; the others are reported not learnt.
    block : int, optional
        Targets per block (default :func:`block_size`); the results do not depend on it.

    Returns
    -------
    numpy.ndarray
        bool (F, K).

    Raises
    ------
    InputError
        For arrays whose shapes do not agree (inputs, synapses, restarts, epochs) or a block below 1.

    Examples
    --------
    >>> import numpy as np
    >>> from gates.learning.lockstep import learnt_matrix
    >>> from gates.learning.protocol import Protocol
    >>> p = Protocol()
    >>> gradient = p.named_rule("gradient")
    >>> init, orders = p.draws(3, 4)
    >>> m = learnt_matrix(np.array([[0x8], [0x6]], dtype=np.uint64), p.inputs(2), p.rule_table(gradient),
    ...                   gradient, init, orders, p.etas(), False, p.tolerance)
    >>> m.sum(axis=1)
    array([10,  0])
    """
    tables = check_array(tables, "tables", np.uint64, shape=(None, None))
    x3 = check_array(x, "x")
    x3 = x3[None] if x3.ndim == 2 else x3
    init = check_array(init, "init", shape=(None, None))  # S = 0 synapses: n = 0 without bias
    orders = np.ascontiguousarray(orders, dtype=np.int64)
    etas = check_array(etas, "etas")
    table_k = check_array(table_k, "table_k", shape=(2, 2, 2, 4))
    nf, kk = tables.shape[0], init.shape[0]
    if x3.ndim != 3 or x3.shape[0] not in (1, kk) or x3.shape[2] != init.shape[1]:
        raise InputError(f"x has shape {np.shape(x)}: expected (P, S) or (K, P, S) with S = {init.shape[1]} synapses")
    points = x3.shape[1]
    if orders.shape != (kk, etas.shape[0], points) or orders.min(initial=0) < 0 or orders.max(initial=0) >= points:
        raise InputError(f"orders has shape {orders.shape}: expected (K, epochs, P) = ({kk}, {etas.shape[0]}, "
                         f"{x3.shape[1]}) with entries in 0 .. P-1")
    if x3.shape[1] > 64 * tables.shape[1]:
        raise InputError(f"tables have {64 * tables.shape[1]} bits: fewer than the {x3.shape[1]} inputs")
    wdeg = weight_degree(table_k)
    if block is None:
        block = block_size(points, x3.shape[2], rule.uses_output, wdeg)
    block = check_int(block, "block", lo=1)
    if keep is not None:
        keep = np.asarray(keep, dtype=np.bool_)
        if keep.shape != (nf, kk):
            raise InputError(f"keep has shape {keep.shape}: expected (F, K) = ({nf}, {kk})")
    if keep is None:
        rows = np.arange(nf, dtype=np.int64).reshape(1, nf)  # one row list for every restart
        counts = np.full(kk, nf, dtype=np.int64)
    else:
        counts = keep.sum(axis=0).astype(np.int64)
        rows = np.zeros((kk, max(1, int(counts.max(initial=0)))), dtype=np.int64)
        for k in range(kk):
            idx = np.flatnonzero(keep[:, k])
            rows[k, : idx.size] = idx
    out = np.zeros((nf, kk), dtype=np.bool_)
    _lockstep_many(tables, np.ascontiguousarray(x3), table_k, wdeg, rule.saturate,
                  rule.uses_output, init, orders, etas, bool(any_epoch), float(tol), block, np.ascontiguousarray(rows),
                  counts, out)
    return out

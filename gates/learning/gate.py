"""The gate: the one training and margin kernel set for a threshold gate (Baldi & Sadowski 2016: shallow learning).

Every gate of the package learns through :func:`step` (one update of the
rule's cubic in w, tabulated by :meth:`gates.learning.protocol.Protocol.rule_table`)
and is judged by :func:`learnt` (the strict criterion with a relative margin);
:func:`train_gate` is the one training loop over the presented rows and
:func:`simulate_many` runs it over many functions and restarts, one target
at a time: the reference the census's lockstep kernels
(:mod:`gates.learning.lockstep`) equal bit for bit. The exact
(asymptotic) clamped Hebb / Oja verdict is :func:`exact_many` /
:func:`exact_many_coded`, read by :func:`margin_status`.

This is a kernel module: every function but :func:`progress_chunks` is compiled with numba and expects
checked, contiguous input (float64 rows, uint64 tables, int64 orders); the
public studies (:mod:`gates.studies.census`, :mod:`gates.learning.two_layer`)
validate and prepare it. The Examples below prepare it by hand from a
:class:`~gates.learning.protocol.Protocol` (``inputs``, ``rule_table``,
``draws``, ``etas``), as those studies do.

Two margin tests live here because they answer two questions: :func:`learnt`
is a simulation's verdict on float weights (a relative margin below the
tolerance is a tie), :func:`margin_status` the exact three-valued sign of the
integer direction c (a zero margin is reported as a tie, not hidden by a
tolerance). :mod:`gates.boolean.truth` keeps its integer-weight margin rows
(a lower room, which cannot import this one).
"""

import time

import numpy as np
from numba import njit, prange

__all__ = ["progress_chunks", "target", "learnt", "step", "refresh", "train_gate", "simulate_many", "margin_status", "exact_many",
           "exact_many_coded"]


@njit(cache=True, inline="always")
def target(table, p, pm1):
    """The target of input p: 1 when bit p of the table is set, else -1 (`pm1`) or 0. Compiled with numba.

    Parameters
    ----------
    table : uint64 array (W,)
        The truth table's words.
    p : int
        The input's index (bit i of p is x_i).
    pm1 : bool
        True for the +-1 coding, False for 0/1.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from gates.learning.gate import target
    >>> AND = np.array([0x8], dtype=np.uint64)
    >>> target(AND, 3, True), target(AND, 0, True), target(AND, 0, False)
    (1.0, -1.0, 0.0)
    """
    bit = (table[p >> 6] >> np.uint64(p & 63)) & np.uint64(1)
    if bit:
        return 1.0
    return -1.0 if pm1 else 0.0


@njit(cache=True, inline="always")
def learnt(table, x, w, pm1, tol):
    """Strict criterion with a margin: every input has T~ (w . x~) > tol |w| |x~|.

    A relative margin below tol is a tie (a rounding error, e.g. nearly
    saturated tanh weights, is not learning). A weight that overflowed
    (inf, or nan after inf - inf) is never a learnt gate: nan compares
    false both ways, so the test is written as "not strictly right".
    Compiled with numba.

    Parameters
    ----------
    table : uint64 array (W,)
        The target truth table.
    x : float64 array (P, S)
        The inputs x~ (:meth:`~gates.learning.protocol.Protocol.inputs`).
    w : float64 array (S,)
        The weights.
    pm1 : bool
        Unused by the test (the sign T~ is +-1 in both codings); kept for the kernels' common signature.
    tol : float
        The relative margin (``Protocol.tolerance``).

    Returns
    -------
    bool

    Examples
    --------
    AND of two inputs is x1 + x2 - 1 > 0 on the +-1 cube:

    >>> import numpy as np
    >>> from gates.learning.gate import learnt
    >>> from gates.learning.protocol import Protocol
    >>> x = Protocol().inputs(2)
    >>> AND = np.array([0x8], dtype=np.uint64)
    >>> learnt(AND, x, np.array([1.0, 1.0, -1.0]), True, 1e-6), learnt(AND, x, np.array([1.0, 1.0, 0.0]), True, 1e-6)
    (True, False)
    """
    wn = 0.0
    for j in range(w.shape[0]):
        if not np.isfinite(w[j]):
            return False
        wn += w[j] * w[j]
    wn = np.sqrt(wn)
    for p in range(x.shape[0]):
        a = 0.0
        xn = 0.0
        for j in range(x.shape[1]):
            a += w[j] * x[p, j]
            xn += x[p, j] * x[p, j]
        on = (table[p >> 6] >> np.uint64(p & 63)) & np.uint64(1)
        m = a if on else -a
        if not (m > 0.0 and m > tol * wn * np.sqrt(xn)):
            return False
    return True


@njit(cache=True, inline="always")
def step(u, w, xrow, t, eta, off, table_k, saturate, uses_output, uses_weight):
    """One update of a gate on one input row; returns the gate's output O.

    Applies dw_j = eta * sum_m c_m O^a x_j^b w_j^c T^d to all synapses at once
    (on u, with w = tanh(u), when saturating), read from ``table_k[O, x, T,
    c]``, the coefficient of w^c for each of the two values of O, x and T.
    O is computed only when the rule reads it, and w is refreshed only when
    the rule reads O or w (otherwise the caller forms it where it is
    checked). Compiled with numba.

    Parameters
    ----------
    u, w : float64 arrays (S,)
        The rule's variable and the synapses (w = u, or tanh(u) when
        saturating); updated in place.
    xrow : float64 array (S,)
        The presented input x~.
    t : float
        Its target (1, or -1 / 0 by the coding).
    eta : float
        The learning rate.
    off : float
        The gate's "off" output, -1.0 (pm1) or 0.0 (01).
    table_k : float64 array (2, 2, 2, 4)
        The rule's tabulated coefficients (``Protocol.rule_table``).
    saturate, uses_output, uses_weight : bool
        The rule's :class:`~gates.learning.rules.Rule` flags.

    Returns
    -------
    float
        The output O read before the update (0.0 when the rule does not read O).
    """
    s = xrow.shape[0]
    o = 0.0
    if uses_output:
        a = 0.0
        for j in range(s):
            a += w[j] * xrow[j]
        o = 1.0 if a > 0.0 else off
    oi = 1 if o > 0.0 else 0
    ti = 1 if t > 0.0 else 0
    # no change at all (gradient with O = T): skip the loop
    if uses_weight or table_k[oi, 0, ti, 0] != 0.0 or table_k[oi, 1, ti, 0] != 0.0:
        for j in range(s):
            # O, x and T take two values each, so the rule is a cubic in w
            # whose coefficients were tabulated once (see Protocol.rule_table)
            xi = 1 if xrow[j] > 0.0 else 0
            wv = w[j]
            d = table_k[oi, xi, ti, 0]
            if uses_weight:
                d += table_k[oi, xi, ti, 1] * wv + table_k[oi, xi, ti, 2] * (wv * wv) + table_k[
                    oi, xi, ti, 3
                ] * (wv * wv * wv)
            u[j] += eta * d
    if uses_output or uses_weight:
        for j in range(s):
            w[j] = np.tanh(u[j]) if saturate else u[j]
    return o


@njit(cache=True, inline="always")
def refresh(u, w, saturate):
    """w = tanh(u) when saturating, else w = u (the weights the gate reads). Compiled with numba.

    Examples
    --------
    >>> import numpy as np
    >>> from gates.learning.gate import refresh
    >>> w = np.empty(2)
    >>> refresh(np.array([0.0, 100.0]), w, True)
    >>> w
    array([0., 1.])
    """
    for j in range(u.shape[0]):
        w[j] = np.tanh(u[j]) if saturate else u[j]


@njit(cache=True)
def train_gate(table, x, pm1, table_k, saturate, uses_output, uses_weight, w0, orders, etas, any_epoch, tol, u, w):
    """Train one gate from w0 on the rows of x; True if the target is learnt.

    Each step is :func:`step` on the presented row; the verdict is
    :func:`learnt` after the last epoch (or after any epoch). Compiled with
    numba; the arguments are not checked.

    Parameters
    ----------
    table : uint64 array (W,)
        The target truth table.
    x : float64 array (P, S)
        The inputs x~, bias column last when on (``Protocol.inputs``).
    pm1 : bool
        True for the +-1 coding, False for 0/1.
    table_k : float64 array (2, 2, 2, 4)
        The rule's tabulated coefficients (``Protocol.rule_table``).
    saturate, uses_output, uses_weight : bool
        The rule's :class:`~gates.learning.rules.Rule` flags.
    w0 : float64 array (S,)
        Initial weights (one row of ``Protocol.draws``).
    orders : int64 array (epochs, P)
        The presentation order of each epoch.
    etas : float64 array (epochs,)
        The learning rate of each epoch (``Protocol.etas``).
    any_epoch : bool
        Success after any epoch (True) or after the last (False).
    tol : float
        The relative margin (``Protocol.tolerance``).
    u, w : float64 arrays (S,)
        Work buffers; on return `w` holds the final weights.

    Returns
    -------
    bool
        Whether the gate learnt the table.

    Examples
    --------
    Clamped Hebb learns AND from the default protocol's first restart:

    >>> import numpy as np
    >>> from gates.learning.gate import train_gate
    >>> from gates.learning.protocol import Protocol
    >>> p = Protocol()
    >>> hebb = p.named_rule("hebb")
    >>> init, orders = p.draws(3, 4)
    >>> u, w = np.empty(3), np.empty(3)
    >>> AND = np.array([0x8], dtype=np.uint64)
    >>> train_gate(AND, p.inputs(2), True, p.rule_table(hebb), hebb.saturate, hebb.uses_output,
    ...            hebb.uses_weight, init[0], orders[0], p.etas(), False, p.tolerance, u, w)
    True
    """
    off = -1.0 if pm1 else 0.0
    live = uses_output or uses_weight
    for j in range(x.shape[1]):
        u[j] = w0[j]
    refresh(u, w, saturate)
    for e in range(orders.shape[0]):
        eta = etas[e]
        for q in range(orders.shape[1]):
            p = orders[e, q]
            step(u, w, x[p], target(table, p, pm1), eta, off, table_k, saturate, uses_output, uses_weight)
        if any_epoch:
            if not live:
                refresh(u, w, saturate)
            if learnt(table, x, w, pm1, tol):
                return True
    refresh(u, w, saturate)
    return learnt(table, x, w, pm1, tol)


@njit(cache=True, parallel=True)
def simulate_many(tables, x, pm1, table_k, saturate, uses_output, uses_weight, init, orders, etas,
                   any_epoch, tol, successes):
    """successes[f] = number of restarts that learn tables[f]. Compiled, threaded over f.

    :func:`train_gate` for every table and every restart k (from ``init[k]``
    with ``orders[k]``), one target at a time. The one-gate census
    (:mod:`gates.studies.census`) trains through the lockstep kernels of
    :mod:`gates.learning.lockstep` instead, which give the same verdicts
    bit for bit; this kernel is their reference (``tests/test_lockstep.py``).

    Parameters
    ----------
    tables : uint64 array (F, W)
        The target truth tables.
    x, pm1, table_k, saturate, uses_output, uses_weight, etas, any_epoch, tol
        As for :func:`train_gate`.
    init : float64 array (K, S)
        Initial weights of the K restarts.
    orders : int64 array (K, epochs, P)
        Presentation orders of the K restarts.
    successes : int64 array (F,)
        Output: how many of the K restarts learn each table.

    Returns
    -------
    None
        The counts are written into `successes`.

    Examples
    --------
    Clamped Hebb, default protocol (10 restarts): AND (0x8) and OR (0xE) are
    learnt by every restart, XOR (0x6) by none:

    >>> import numpy as np
    >>> from gates.learning.gate import simulate_many
    >>> from gates.learning.protocol import Protocol
    >>> p = Protocol()
    >>> hebb = p.named_rule("hebb")
    >>> init, orders = p.draws(3, 4)
    >>> tables = np.array([[0x8], [0x6], [0xE]], dtype=np.uint64)
    >>> successes = np.zeros(3, dtype=np.int64)
    >>> simulate_many(tables, p.inputs(2), True, p.rule_table(hebb), hebb.saturate, hebb.uses_output,
    ...               hebb.uses_weight, init, orders, p.etas(), False, p.tolerance, successes)
    >>> successes
    array([10,  0, 10])
    """
    s = x.shape[1]
    for f in prange(tables.shape[0]):
        u = np.empty(s)
        w = np.empty(s)
        c = 0
        for k in range(init.shape[0]):
            if train_gate(tables[f], x, pm1, table_k, saturate, uses_output, uses_weight, init[k],
                           orders[k], etas, any_epoch, tol, u, w):
                c += 1
        successes[f] = c


@njit(cache=True, inline="always")
def margin_status(table, x, w):
    """1 if every input has T~ (w . x~) > 0, 0 if the smallest is exactly 0, -1 if negative.

    Compiled with numba.

    Parameters
    ----------
    table : uint64 array (W,)
    x : float64 array (P, S)
    w : float64 array (S,)

    Returns
    -------
    int
        1 (strict), 0 (a tie) or -1 (wrong on some input).

    Examples
    --------
    >>> import numpy as np
    >>> from gates.learning.gate import margin_status
    >>> from gates.learning.protocol import Protocol
    >>> x, AND = Protocol().inputs(2), np.array([0x8], dtype=np.uint64)
    >>> margin_status(AND, x, np.array([1.0, 1.0, -1.0])), margin_status(AND, x, np.array([1.0, 1.0, 0.0]))
    (1, 0)
    """
    status = 1
    for p in range(x.shape[0]):
        a = 0.0
        for j in range(x.shape[1]):
            a += w[j] * x[p, j]
        on = (table[p >> 6] >> np.uint64(p & 63)) & np.uint64(1)
        m = a if on else -a
        if m < 0.0:
            return -1
        if m == 0.0:
            status = 0
    return status


@njit(cache=True)
def exact_many(tables, x, pm1, saturate, status):
    """Asymptotic clamped Hebb / Oja: the weights tend to the direction
    c = sum_k T_k x~_k (the canonical-form condition); with saturation
    w -> sign(c). status[f] = 1 learnt (strict), 0 a tie (some margin exactly
    0, decided by the initial weights in a simulation), -1 not learnt.
    c is a sum of small integers, so the margins are exact. Compiled,
    threaded over functions.

    Parameters
    ----------
    tables : uint64 array (F, W)
        The target truth tables.
    x : float64 array (P, S)
        The inputs x~ (``Protocol.inputs``).
    pm1 : bool
        True for the +-1 coding (targets +-1 in c), False for 0/1 (1/0).
    saturate : bool
        True for ``hebb-tanh`` (w -> sign(c)).
    status : int64 array (F,)
        Output: 1, 0 or -1 per table (see :func:`margin_status`).

    Returns
    -------
    None
        The verdicts are written into `status`.

    Examples
    --------
    Asymptotic clamped Hebb on the 16 functions of two inputs learns the 14
    threshold functions (OEIS A000609) and ties on XOR (0x6) and XNOR (0x9),
    whose direction c is 0:

    >>> import numpy as np
    >>> from gates.learning.gate import exact_many
    >>> from gates.learning.protocol import Protocol
    >>> status = np.zeros(16, dtype=np.int64)
    >>> exact_many(np.arange(16, dtype=np.uint64).reshape(-1, 1), Protocol().inputs(2), True, False, status)
    >>> status
    array([1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1])
    """
    exact_many_coded(tables, x, pm1, x, saturate, status)


@njit(cache=True, parallel=True)
def exact_many_coded(tables, xc, cpm1, x, saturate, status):
    """:func:`exact_many` with the direction c = sum_k T_k xc~_k taken in the update's coding
    (targets +-1 when `cpm1`, else 1/0; inputs `xc`) and the margins read on the gate's inputs `x`.

    A recoded rule on 0/1 activities moves its weights as the +-1 rule does on
    the +-1 cube, so c is the +-1 direction while the gate reads 0/1 inputs.
    Compiled, threaded over functions.

    Parameters
    ----------
    tables : uint64 array (F, W)
    xc : float64 array (P, S)
        The inputs in the update's coding (the direction c is summed over them).
    cpm1 : bool
        The update's coding of the targets.
    x : float64 array (P, S)
        The inputs the gate reads (the margins are taken on them).
    saturate : bool
    status : int64 array (F,)
        Output, as for :func:`exact_many`.

    Returns
    -------
    None
    """
    s = x.shape[1]
    for f in prange(tables.shape[0]):
        c = np.zeros(s)
        for p in range(x.shape[0]):
            t = target(tables[f], p, cpm1)
            for j in range(s):
                c[j] += t * xc[p, j]
        if saturate:
            for j in range(s):
                c[j] = 1.0 if c[j] > 0 else (-1.0 if c[j] < 0 else 0.0)
        status[f] = margin_status(tables[f], x, c)


def progress_chunks(count, progress=None, seconds=0.5, first=16, mixed=False):
    """The rows of ``range(count)`` in chunks, for a kernel run chunk by chunk: slices, or index arrays.

    Without `progress`: one slice, the whole of it (no overhead). With it:
    chunks sized from the last one's wall time to take about `seconds` each,
    and ``progress(size)`` called after the caller has processed each, so a
    bar advances about twice a second and its increments sum to `count`.
    With `mixed`, each chunk is a sorted index array drawn from one fixed
    permutation of the rows, so every chunk is a fair sample of the rows and
    the bar's rate (hence its time estimate) holds from the start even when
    the cost of a row trends along the list (e.g. class representatives,
    whose early ones are harder). A kernel whose rows are independent gives
    the same results for any split and order: index the inputs with the
    chunk, and write the outputs back with it.

    Examples
    --------
    >>> done = []
    >>> [r for r in progress_chunks(100, done.append, first=40)][:1], sum(done)
    ([slice(0, 40, None)], 100)
    >>> list(progress_chunks(100))
    [slice(0, 100, None)]
    >>> rows = list(progress_chunks(100, done.append, mixed=True))
    >>> sorted(int(i) for r in rows for i in r) == list(range(100))
    True
    """
    if progress is None:
        yield slice(0, count)
        return
    order = np.random.default_rng(0).permutation(count) if mixed else None
    start, size = 0, max(1, int(first))
    while start < count:
        stop = min(count, start + size)
        t0 = time.perf_counter()
        yield slice(start, stop) if order is None else np.sort(order[start:stop])
        dt = time.perf_counter() - t0
        progress(stop - start)
        # at most 4x larger a step, so one slow chunk never follows a fast one by surprise
        size = max(1, min(4 * size, int(size * seconds / dt))) if dt > 0 else 4 * size
        start = stop

"""Fitting the gates of one layer to their targets: compiled perceptron passes and the pocket (Baldi & Sadowski 2016: deep targets).

The deep-targets algorithm and its deep-local baselines move every gate of a
layer toward a column of targets (or, with an unsupervised rule, on its own
output). Two compiled kernels: :func:`train_layer` (one step of the
protocol's update kernel per presented example, any rule table) and
:func:`pocket` (the perceptron with margin that keeps the best weights seen
on weighted targets). Both expect checked, C-contiguous float64 input.
"""

import numpy as np
from numba import njit

from gates.learning.gate import step
from gates.learning.rules import get_rule

__all__ = ["train_layer", "pocket", "perceptron_table"]


@njit(cache=True)
def train_layer(W, X, T, orders, eta, table_k, off, uses_weight):
    """Every gate of the layer (row of W, bias last) moves by its rule, one
    step per presented example: toward its column of T with the perceptron
    table, or, with an unsupervised table (Hebb O x, Oja O x - O^2 w), on
    its own output (T is then never read). Compiled with numba; expects
    checked C-contiguous float64 arrays and int64 orders.
    """
    n, s = W.shape
    u = np.empty(s)
    w = np.empty(s)
    for i in range(n):
        for j in range(s):
            u[j] = W[i, j]
            w[j] = W[i, j]
        for e in range(orders.shape[0]):
            for q in range(orders.shape[1]):
                p = orders[e, q]
                step(u, w, X[p], T[p, i], eta, off, table_k, False, True, uses_weight)
        for j in range(s):
            W[i, j] = u[j]


@njit(cache=True)
def _weighted_errors(w, X1, t, c):
    """Summed weight c_p of the examples p where the gate sign(w . x_p) misses its target t_p (+-1)."""
    e = 0.0
    for p in range(X1.shape[0]):
        if c[p] == 0.0:
            continue
        a = 0.0
        for j in range(X1.shape[1]):
            a += w[j] * X1[p, j]
        if (a > 0.0) != (t[p] > 0.0):
            e += c[p]
    return e


@njit(cache=True)
def pocket(w, X1, t, c, orders, eta, kappa, keep_best):
    """Perceptron with margin and a pocket, for one gate; compiled.

    Passes over the examples in the rows of `orders`; example p (input row
    x_p with the bias 1 last, target t_p = +-1, weight c_p >= 0) moves the
    weights by eta c_p t_p x_p when t_p w . x_p <= kappa. After each pass
    the weighted error sum_p c_p [sign(w . x_p) != t_p] is measured and the
    best weights so far, starting from the given ones, are kept in w: the
    gate never ends worse on its targets than it started (the invariant the
    non-increasing training error rests on); without `keep_best` the last
    iterate is kept (a plain perceptron with margin). Returns (gate evaluations,
    final weighted error): one per example visited, one per update, one per
    example of each error measurement. Expects checked C-contiguous float64
    arrays and int64 orders.
    """
    m, s = X1.shape
    best = w.copy()
    u = w.copy()
    evals = 0
    active = 0
    for p in range(m):
        if c[p] != 0.0:
            active += 1
    be = _weighted_errors(w, X1, t, c)
    evals += active
    if be == 0.0 and keep_best:
        return evals, be  # nothing can be strictly better
    for e in range(orders.shape[0]):
        for q in range(m):
            p = orders[e, q]
            if c[p] == 0.0:
                continue
            a = 0.0
            for j in range(s):
                a += u[j] * X1[p, j]
            evals += 1
            if t[p] * a <= kappa:
                evals += 1
                for j in range(s):
                    u[j] += eta * c[p] * t[p] * X1[p, j]
        if not keep_best:
            continue
        ce = _weighted_errors(u, X1, t, c)
        evals += active
        if ce < be:
            be = ce
            for j in range(s):
                best[j] = u[j]
    if not keep_best:
        for j in range(s):
            w[j] = u[j]
        return evals, _weighted_errors(u, X1, t, c)
    for j in range(s):
        w[j] = best[j]
    return evals, be



def perceptron_table(off):
    """K[O, x, T, c] of the perceptron rule T x - O x under this coding."""
    from gates.learning.protocol import Protocol

    return Protocol(encoding="pm1" if off < 0 else "01").rule_table(get_rule("gradient"))


"""Deep local learning: which functions a two-layer threshold network learns (Baldi & Sadowski 2016: deep local learning).

The network: n inputs (+ bias) feed h hidden threshold gates, which feed one
output threshold gate (+ bias). The hidden layer learns *unsupervised* with
a local rule (``hebb``, ``oja``, ``hebb-tanh``; ``none`` keeps its random
initial weights, a control); the output gate learns *clamped* with
``hebb``, ``oja``, ``hebb-tanh`` or ``gradient``. Every gate is the gate of
:mod:`gates.learning.gate`, trained by the same update (:func:`~gates.learning.gate.step`), under
the same :class:`~gates.learning.protocol.Protocol` (coding, init, presentation,
epochs, eta schedule, K restarts, strict criterion) plus h and the order.
Both layers resolve a named rule through the protocol
(:meth:`~gates.learning.protocol.Protocol.named_rule`), so with 0/1 coding the
hidden and output rules are recoded from their +-1 formulas unless
``protocol.recode`` is False, as for one gate. The orders:

* ``hidden-first`` (default): the hidden layer trains for the protocol's
  epochs, is frozen, and the output gate then trains for the protocol's
  epochs on the frozen representation. The output gate then faces a fixed
  problem, and its result is a property of the learnt representation.
* ``simultaneous``: both layers update on every presented input; the
  output gate sees the hidden outputs computed before that step's update.

The default width is h = 2^(n-1): the smallest h at which the architecture
provably represents every function of n inputs (an OR of minterm detectors
of the ones of f, or the negation of one of its zeros; min(ones, zeros) <=
2^(n-1)), so a gap between what it represents and what it learns is due
to learning, not to capacity.

The hidden layer never sees the target, so for one restart its trajectory
is the same for every target function: it is computed once per restart and
reused for all of them (``hidden_layer``). Restart k draws the output
gate's initial weights and the orders exactly as one gate with h (+ bias)
synapses would, then the hidden weights, from ``SeedSequence(seed).spawn(K)[k]``.
The census of a family on this net is :mod:`gates.studies.deep_census`.

Representability (``representable``) is decided on NPN classes (P classes
for monotone): a function is representable with h >= 1 hidden gates if it
is a threshold function (exact test of :mod:`gates.boolean.threshold`), if min(ones,
zeros) <= h (the construction above), or if gradient descent on a tanh
relaxation of the same network, with backprop through both layers, ends in
weights whose thresholded network computes it (checked exactly on every
input). For h = 2 and n <= 4 it enumerates instead every pair of
threshold hidden gates, which is exact. Otherwise the count is a certified
lower bound, exact when it covers the family (and for h = 1, where it is
the threshold functions).

This module is long because it keeps the two-layer net whole, each part
with its numpydoc: the architecture (:class:`DeepNet`), its compiled
training kernels and hidden-layer cache, and the representability census
that bounds what the same architecture can compute; the representability
part (:func:`representable`, :func:`minterm_network` and their kernels) is
the one that would move to a module of its own.

Examples
--------
Parity of two inputs (XOR, table 0x6) is not a threshold function, but the
default net for n = 2 (h = 2 hidden gates) represents it, and so every
function of two inputs:

>>> from gates.learning.two_layer import representable
>>> r = representable("all", 2, hidden=2)
>>> r["representable"], r["functions"], r["exact"]
(16, 16, True)
"""

import time
from dataclasses import asdict, dataclass

import numpy as np
from numba import njit, prange

from gates._threads import numba_threads
from gates._validate import check_choice, check_int
from gates.boolean.threshold import threshold_mask
from gates.boolean.threshold_classes import threshold_functions
from gates.errors import InputError, require_memory
from gates.boolean.families import check_family, classes as family_classes, count_functions
from gates.learning.gate import learnt, progress_chunks, refresh, step, target, train_gate
from gates.learning.lockstep import learnt_matrix
from gates.learning.protocol import Protocol
from gates.learning.rules import Rule, get_rule
from gates.boolean.truth import as_tables, check_n, popcount

__all__ = [
    "DeepNet",
    "HIDDEN_RULES",
    "TOP_RULES",
    "ORDERS",
    "KERNELS",
    "default_hidden",
    "hidden_layer",
    "deep_train",
    "top_rule",
    "features_per_restart",
    "representable",
    "minterm_network",
]

HIDDEN_RULES = ("hebb", "oja", "hebb-tanh", "none")
"""The hidden layer's named rules, ``('hebb', 'oja', 'hebb-tanh', 'none')``.

Each runs *unsupervised* (the hidden gates never see the target): ``hebb``
dw = eta O x, ``oja`` dw = eta (O x - O^2 w), ``hebb-tanh`` simple Hebb on u
with w = tanh(u); ``none`` keeps the random initial weights (a control).
A polynomial :class:`~gates.learning.rules.Rule` that does not read T is
also accepted by :class:`DeepNet`."""
TOP_RULES = ("hebb", "oja", "hebb-tanh", "gradient")
"""The output gate's named rules, ``('hebb', 'oja', 'hebb-tanh', 'gradient')``.

Each runs *clamped* (O replaced by the target T), as for one gate; ``gradient``
is the delta rule dw = eta (T - O) x. See :func:`top_rule`."""
ORDERS = ("hidden-first", "simultaneous")
"""When the two layers learn: the hidden layer first, then the output gate on
the frozen features (``hidden-first``), or both on every presented input."""
KERNELS = ("lockstep", "per-target")
"""The two ways :func:`deep_train` trains the output gates: blocks of targets in lockstep, or one target at a
time (the reference; both give the same verdicts bit for bit)."""
MAX_HIDDEN = 64


def default_hidden(n):
    """The default width h = 2^(n-1) (1 for n = 0).

    The smallest width at which the net represents every function of n
    inputs by the minterm construction (:func:`minterm_network`).

    Parameters
    ----------
    n : int
        The number of inputs.

    Returns
    -------
    int
        The width.

    Examples
    --------
    >>> from gates.learning.two_layer import default_hidden
    >>> [default_hidden(n) for n in range(1, 6)]
    [1, 2, 4, 8, 16]
    """
    return 1 << max(int(n) - 1, 0)


@dataclass(frozen=True)
class DeepNet:
    """The two-layer architecture and how its hidden layer learns.

    n inputs (+ bias) feed `hidden` threshold gates, which feed one output
    threshold gate (+ bias). The hidden layer learns unsupervised with
    `hidden_rule`; the output gate's clamped rule is chosen when training
    (:func:`deep_train`).

    Parameters
    ----------
    hidden : int
        The width h, the number of hidden gates: 1 to 64. The census default
        is h = 2^(n-1) (:func:`default_hidden`).
    hidden_rule : str or Rule, default "hebb"
        One of :data:`HIDDEN_RULES` (``"none"`` keeps the random initial
        weights), or an unsupervised :class:`~gates.learning.rules.Rule`
        (it must not read T), used as given.
    order : {"hidden-first", "simultaneous"}, default "hidden-first"
        ``hidden-first``: the hidden layer trains for the protocol's epochs,
        is frozen, then the output gate trains for the protocol's epochs.
        ``simultaneous``: both layers update on every presented input.

    Attributes
    ----------
    rule : Rule or None
        The hidden layer's unsupervised rule in its +-1 formula (None for
        ``none``); :meth:`rule_for` gives it for a protocol's coding.

    Raises
    ------
    InputError
        For a width outside 1..64, an unknown rule or order, or a hidden
        Rule that reads the target.

    Examples
    --------
    >>> from gates.learning.two_layer import DeepNet
    >>> net = DeepNet(4, "oja")
    >>> net.rule.formula(), net.order
    ('dw = eta*(O*x - O^2*w)', 'hidden-first')
    """

    hidden: int
    hidden_rule: str = "hebb"
    order: str = "hidden-first"

    def __post_init__(self):
        check_int(self.hidden, "hidden width", 1, MAX_HIDDEN)
        if isinstance(self.hidden_rule, Rule):
            # a polynomial hidden rule (rule discovery): it must not read a target
            if self.hidden_rule.uses_target:
                raise InputError(f"hidden rule {self.hidden_rule.formula()!r} reads T; a hidden layer has no target")
        elif self.hidden_rule not in HIDDEN_RULES:
            raise InputError(f"hidden rule {self.hidden_rule!r} is unknown: allowed {', '.join(HIDDEN_RULES)}")
        if self.order not in ORDERS:
            raise InputError(f"order {self.order!r} is unknown: allowed {', '.join(ORDERS)}")

    @property
    def rule(self):
        """The hidden layer's unsupervised Rule in its +-1 formula, or None for ``none``."""
        return self.rule_for(None)

    def rule_for(self, protocol):
        """The hidden layer's unsupervised Rule for `protocol`'s coding, or None for ``none``.

        A named rule is resolved by
        :meth:`gates.learning.protocol.Protocol.named_rule`, so recoded with
        0/1 coding unless ``protocol.recode`` is False; a Rule is used as given.

        Parameters
        ----------
        protocol : Protocol or None
            None gives the +-1 formula.

        Returns
        -------
        Rule or None
        """
        if isinstance(self.hidden_rule, Rule):
            return self.hidden_rule
        if self.hidden_rule == "none":
            return None
        return get_rule(self.hidden_rule, "unsupervised") if protocol is None else protocol.named_rule(
            self.hidden_rule, "unsupervised")

    def to_dict(self, protocol=None):
        """The architecture as plain JSON values; with `protocol`, the hidden formula as run in its coding.

        Parameters
        ----------
        protocol : Protocol, optional
            The protocol whose coding the hidden formula is given in.

        Returns
        -------
        dict
            ``hidden``, ``hidden_rule``, ``order``, ``hidden_rule_formula``,
            ``hidden_rule_encoding_handling`` (unless ``none``) and
            ``order_meaning``.

        Examples
        --------
        >>> from gates.learning.two_layer import DeepNet
        >>> DeepNet(2, "none").to_dict()["hidden_rule_formula"]
        'fixed random weights (no learning)'
        """
        out = asdict(self)
        r = self.rule_for(protocol)
        if isinstance(self.hidden_rule, Rule):
            out["hidden_rule"] = r.name
        out["hidden_rule_formula"] = "fixed random weights (no learning)" if r is None else r.formula()
        if r is not None:
            out["hidden_rule_encoding_handling"] = r.handling
        out["order_meaning"] = {
            "hidden-first": "hidden layer trains for the epochs, then the frozen layer feeds the output "
                            "gate, which trains for the epochs",
            "simultaneous": "both layers update on every presented input; the output gate sees the hidden "
                            "outputs before that step's update",
        }[self.order]
        return out


# ---- kernels ----


@njit(cache=True, inline="always")
def _output(w, xrow, off):
    a = 0.0
    for j in range(xrow.shape[0]):
        a += w[j] * xrow[j]
    return 1.0 if a > 0.0 else off


@njit(cache=True)
def _hidden_run(x, pm1, table_k, saturate, uses_output, uses_weight, learn, w0, orders, etas, bias,
                online, any_epoch, fstep, fcheck, u, w):
    """Train the hidden gates (rows of w0) unsupervised on `orders`; write their features.

    ``fstep[e, q]``: the features of the point presented at step (e, q),
    read before that step's update (``online`` only). ``fcheck[c]``: the
    features of every point after epoch c (every epoch with ``any_epoch``,
    else only after the last). Feature i is hidden gate i's output (1 or
    off); the last is the bias input 1 when on. Compiled with numba.
    """
    h = w0.shape[0]
    off = -1.0 if pm1 else 0.0
    for i in range(h):
        for j in range(w0.shape[1]):
            u[i, j] = w0[i, j]
        refresh(u[i], w[i], saturate)
    epochs, points = orders.shape
    for e in range(epochs):
        for q in range(points):
            p = orders[e, q]
            if online:
                for i in range(h):
                    fstep[e, q, i] = _output(w[i], x[p], off)
                if bias:
                    fstep[e, q, h] = 1.0
            if learn:
                for i in range(h):
                    # unsupervised: the rule has no T, the 0 passed is never read
                    step(u[i], w[i], x[p], 0.0, etas[e], off, table_k, saturate, uses_output, uses_weight)
                    if not (uses_output or uses_weight):
                        refresh(u[i], w[i], saturate)
        if any_epoch or e == epochs - 1:
            c = e if any_epoch else 0
            for p in range(points):
                for i in range(h):
                    fcheck[c, p, i] = _output(w[i], x[p], off)
                if bias:
                    fcheck[c, p, h] = 1.0


@njit(cache=True)
def _train_top_online(table, orders, fstep, fcheck, pm1, table_k, saturate, uses_output, uses_weight, w0,
                      etas, any_epoch, tol, u, w):
    """The output gate in the simultaneous order: step (e, q) trains on the
    features fstep[e, q]; success is checked on fcheck. Each step is
    :func:`~gates.learning.gate.step`, as for one gate. Compiled with numba.

    Not :func:`~gates.learning.gate.train_gate`: the rows change at every step (online hidden layer), so they
    come from a per-step array (E, P, S) instead of one fixed table x (P, S).
    """
    off = -1.0 if pm1 else 0.0
    live = uses_output or uses_weight
    for j in range(w0.shape[0]):
        u[j] = w0[j]
    refresh(u, w, saturate)
    for e in range(orders.shape[0]):
        for q in range(orders.shape[1]):
            p = orders[e, q]
            step(u, w, fstep[e, q], target(table, p, pm1), etas[e], off, table_k, saturate, uses_output,
                  uses_weight)
        if any_epoch:
            if not live:
                refresh(u, w, saturate)
            if learnt(table, fcheck[e], w, pm1, tol):
                return True
    refresh(u, w, saturate)
    return learnt(table, fcheck[fcheck.shape[0] - 1], w, pm1, tol)


@njit(cache=True, parallel=True)
def _deep_many(tables, online, feats, reps, fstep, fcheck, orders, pm1, table_k, saturate, uses_output,
               uses_weight, init, etas, any_epoch, tol, learnt):
    """learnt[f, k]: restart k's output gate learns tables[f] on its hidden
    features. reps[k, p]: the first input with p's feature row (p itself
    when the features change during training). Compiled, threaded over
    functions, one target at a time: the simultaneous order's kernel, and the
    reference of the hidden-first lockstep path (``deep_train(kernel="per-target")``).
    """
    s = init.shape[1]
    for f in prange(tables.shape[0]):
        u = np.empty(s)
        w = np.empty(s)
        for k in range(init.shape[0]):
            if not _fibre_constant(tables[f], reps[k]):
                # two inputs with one feature row and two labels: no output gate clears both margins
                learnt[f, k] = False
                continue
            if online:
                ok = _train_top_online(tables[f], orders[k], fstep[k], fcheck[k], pm1, table_k, saturate,
                                       uses_output, uses_weight, init[k], etas, any_epoch, tol, u, w)
            else:
                ok = train_gate(tables[f], feats[k], pm1, table_k, saturate, uses_output, uses_weight, init[k],
                                 orders[k], etas, any_epoch, tol, u, w)
            learnt[f, k] = ok


@njit(cache=True, inline="always")
def _fibre_constant(table, rep):
    """Whether the table gives every input the label of its fibre's first input. Compiled with numba."""
    for p in range(rep.shape[0]):
        q = rep[p]
        if ((table[p >> 6] >> np.uint64(p & 63)) ^ (table[q >> 6] >> np.uint64(q & 63))) & np.uint64(1):
            return False
    return True


@njit(cache=True, parallel=True)
def _fibre_mask(tables, reps, keep):
    """keep[f, k]: tables[f] is constant on restart k's fibres (:func:`_fibre_constant`). Compiled, threaded."""
    for f in prange(tables.shape[0]):
        for k in range(reps.shape[0]):
            keep[f, k] = _fibre_constant(tables[f], reps[k])


@njit(cache=True, inline="always")
def _net_computes(table, x, wh, v, tol):
    """True if the thresholded net (hidden sign(wh x~), output sign(v [H, 1]))
    computes the table with every activation at least `tol` away from 0."""
    h = wh.shape[0]
    for p in range(x.shape[0]):
        z = v[h]
        for i in range(h):
            a = 0.0
            for j in range(x.shape[1]):
                a += wh[i, j] * x[p, j]
            if abs(a) < tol:
                return False
            z += v[i] if a > 0.0 else -v[i]
        on = (table[p >> 6] >> np.uint64(p & 63)) & np.uint64(1)
        if (z < tol) if on else (z > -tol):
            return False
    return True


@njit(cache=True, parallel=True)
def _backprop_many(tables, x, wh0, v0, lr, epochs, check, found):
    """found[f] = a restart of full-batch gradient descent on
    E = 1/2 sum_p (tanh(v . [tanh(W x~_p), 1]) - T_p)^2, backprop through
    both layers, ends (or passes, checked every `check` epochs) in weights
    whose thresholded net computes tables[f]. Compiled, threaded over f.

    Not the shared feed-forward backprop (:mod:`gates.learning.nets`): one compiled batch over many target
    tables and restarts, in threads, with the exact thresholded check between epochs.
    """
    points, s = x.shape
    h = wh0.shape[1]
    for f in prange(tables.shape[0]):
        wh = np.empty((h, s))
        v = np.empty(h + 1)
        gw = np.empty((h, s))
        gv = np.empty(h + 1)
        hid = np.empty(h)
        found[f] = False
        for r in range(wh0.shape[0]):
            wh[:, :] = wh0[r]
            v[:] = v0[r]
            for ep in range(epochs):
                gw[:, :] = 0.0
                gv[:] = 0.0
                for p in range(points):
                    z = v[h]
                    for i in range(h):
                        a = 0.0
                        for j in range(s):
                            a += wh[i, j] * x[p, j]
                        hid[i] = np.tanh(a)
                        z += v[i] * hid[i]
                    y = np.tanh(z)
                    d = (y - target(tables[f], p, True)) * (1.0 - y * y)
                    gv[h] += d
                    for i in range(h):
                        gv[i] += d * hid[i]
                        dh = d * v[i] * (1.0 - hid[i] * hid[i])
                        for j in range(s):
                            gw[i, j] += dh * x[p, j]
                for i in range(h):
                    for j in range(s):
                        wh[i, j] -= lr * gw[i, j]
                for i in range(h + 1):
                    v[i] -= lr * gv[i]
                if (ep + 1) % check == 0 or ep == epochs - 1:
                    if _net_computes(tables[f], x, wh, v, 1e-9):
                        found[f] = True
                        break
            if found[f]:
                break


# ---- public API ----


@dataclass
class HiddenLayer:
    """What every restart's hidden layer gives its output gate: features
    (K, P, h [+1]) after training (hidden-first), or the per-step features
    and the per-epoch check features (simultaneous), with the output gate's
    initial weights (K, h [+1]) and the orders (K, epochs, P)."""

    features: np.ndarray
    fstep: np.ndarray
    fcheck: np.ndarray
    init: np.ndarray
    orders: np.ndarray
    hidden_init: np.ndarray
    online: bool


def _workers(workers):
    """The numba thread count asked for (None: leave it as is); capped by :func:`gates._threads.numba_threads`."""
    return None if workers is None else check_int(workers, "workers", 1)


def hidden_layer(n, net, protocol=None, hidden_weights=None):
    """Train the hidden layer of every restart once (it never sees the target).

    Parameters
    ----------
    n : int
        The number of inputs, 1 to 8.
    net : DeepNet
        The architecture and the hidden rule.
    protocol : Protocol, optional
        Default ``Protocol()``; its restarts, epochs, coding, seed and
        schedule drive the hidden layer.
    hidden_weights : array (h, n [+1]), optional
        Fixed hidden weights (with the bias weight last when the protocol
        has a bias) used by every restart instead of random ones; only with
        ``hidden_rule="none"``. For example the identity passes the inputs
        through.

    Returns
    -------
    HiddenLayer
        Per restart: ``features`` (K, 2^n, h [+1]), the hidden outputs of
        every input after training (the bias column 1 last); for the
        simultaneous order ``fstep`` and ``fcheck``, the per-step and
        per-epoch features; ``init`` (K, h [+1]) and ``orders``
        (K, epochs, 2^n), the output gate's draws; ``hidden_init`` (K, h, S),
        the hidden layer's initial weights.

    Raises
    ------
    InputError
        For n outside 1..8, or `hidden_weights` of the wrong shape or with a
        learning hidden rule.
    MemoryError
        When the features would not fit in memory (the message says what to reduce).

    Examples
    --------
    With the identity as fixed hidden weights, the four inputs of n = 2 give
    four distinct feature rows (the inputs themselves):

    >>> import numpy as np
    >>> from gates.learning.protocol import Protocol
    >>> from gates.learning.two_layer import DeepNet, features_per_restart, hidden_layer
    >>> layer = hidden_layer(2, DeepNet(2, "none"), Protocol(restarts=3), hidden_weights=np.eye(2, 3))
    >>> layer.features.shape, features_per_restart(layer.features)
    ((3, 4, 3), [4, 4, 4])
    """
    protocol = Protocol() if protocol is None else protocol
    n = check_n(n, 1, 8, "a two-layer network")
    x = protocol.inputs(n)
    points, s = x.shape
    h = int(net.hidden)
    s_top = h + (1 if protocol.bias else 0)
    online = net.order == "simultaneous"
    any_epoch = protocol.criterion == "any-epoch"
    K, E = protocol.restarts, protocol.epochs
    step_bytes = K * E * points * s_top * 8 if online else 0
    check_bytes = K * (E if online and any_epoch else 1) * points * s_top * 8
    require_memory(step_bytes + check_bytes + K * E * points * 8, "the hidden-layer features",
                   "use fewer epochs or restarts, a smaller width, or the hidden-first order")
    init, orders, w0 = protocol.draws(s_top, points, hidden=(h, s))
    if hidden_weights is not None:
        if net.hidden_rule != "none":
            raise InputError("fixed hidden weights need hidden_rule 'none'")
        hw = np.asarray(hidden_weights, dtype=np.float64)
        if hw.shape != (h, s):
            raise InputError(f"hidden weights must have shape ({h}, {s}) (h, inputs [+ bias]), got {hw.shape}")
        w0[:] = hw
    rule = net.rule_for(protocol)
    if rule is None:
        table_k, sat, uo, uw, learn = np.zeros((2, 2, 2, 4)), False, False, False, False
    else:
        table_k, sat, uo, uw, learn = protocol.rule_table(rule), rule.saturate, rule.uses_output, rule.uses_weight, True
    fstep = np.zeros((K, E, points, s_top) if online else (K, 1, 1, s_top))
    fcheck = np.zeros((K, E if online and any_epoch else 1, points, s_top))
    u, w = np.empty((h, s)), np.empty((h, s))
    etas = protocol.etas()
    for k in range(K):
        _hidden_run(x, protocol.encoding == "pm1", table_k, sat, uo, uw, learn, np.ascontiguousarray(w0[k]),
                    orders[k], etas, protocol.bias, online, online and any_epoch, fstep[k], fcheck[k], u, w)
    return HiddenLayer(np.ascontiguousarray(fcheck[:, -1]), fstep, fcheck, init, orders, w0, online)


def deep_train(tables, n, rule="gradient", net=None, protocol=None, hidden_weights=None, workers=None, layer=None,
               progress=None, kernel="lockstep"):
    """Train the two-layer network on each table; learnt[f, k] per restart.

    Parameters
    ----------
    tables : array_like
        F truth tables of n inputs: (F, W) uint64 words, or a sequence of
        ints (see :func:`gates.boolean.truth.as_tables`).
    n : int
        The number of inputs, 1 to 8.
    rule : str or Rule, default "gradient"
        The output gate's clamped rule: hebb, oja, hebb-tanh or gradient, or
        a supervised :class:`~gates.learning.rules.Rule` used as given.
    net : DeepNet, optional
        Default: h = 2^(n-1), hidden rule hebb, hidden-first.
    protocol : Protocol, optional
        Default ``Protocol()``: the draws, coding, epochs and criterion of
        both layers.
    hidden_weights : array, optional
        See :func:`hidden_layer`.
    workers : int, optional
        Threads (default: all cores); results do not depend on it.
    layer : HiddenLayer, optional
        A hidden layer already computed for the same n, net and protocol.
    progress : callable, optional
        Called as ``progress(rows)`` after each chunk of tables (about 0.5 s each, in a mixed order).
    kernel : {"lockstep", "per-target"}, default "lockstep"
        ``lockstep`` trains the output gates of a block of targets side by
        side on each restart's frozen features (:mod:`gates.learning.lockstep`);
        ``per-target`` one target at a time, the reference it equals bit for
        bit. The simultaneous order always trains per target (its features
        change at every step).

    Returns
    -------
    learnt : numpy.ndarray
        bool (F, K): whether restart k learns table f (strict margin above
        the protocol's tolerance on every input). A function is learnable
        when some restart learns it (``learnt.any(axis=1)``).

    Raises
    ------
    InputError
        For n outside 1..8, tables that are not of n inputs, or an unknown rule.

    Examples
    --------
    >>> from gates.learning.two_layer import DeepNet, deep_train
    >>> bool(deep_train([0x6], 2, "gradient", DeepNet(4, "hebb")).any())   # XOR
    True

    An identity hidden layer passes the inputs through, so the output gate
    learns AND (0x8) in all 10 restarts and XOR (0x6), not a threshold
    function, in none:

    >>> deep_train([0x6, 0x8], 2, "gradient", DeepNet(2, "none"), hidden_weights=[[1, 0, 0], [0, 1, 0]]).sum(axis=1)
    array([ 0, 10])
    """
    protocol = Protocol() if protocol is None else protocol
    n = check_n(n, 1, 8, "a two-layer network")
    net = DeepNet(default_hidden(n)) if net is None else net
    r = top_rule(rule, protocol)
    check_choice(kernel, "kernel", KERNELS)
    if isinstance(tables, np.ndarray) and tables.ndim == 1 and n <= 6:
        tables = tables.reshape(-1, 1)  # a 1-D array of one-word tables is a batch
    arr = np.ascontiguousarray(as_tables(tables, n)[0])
    if layer is None:
        layer = hidden_layer(n, net, protocol, hidden_weights)
    learnt = np.zeros((arr.shape[0], protocol.restarts), dtype=np.bool_)
    table_k, etas, any_epoch = protocol.rule_table(r), protocol.etas(), protocol.criterion == "any-epoch"
    reps = _fibre_reps(layer)
    args = (layer.online, layer.features, reps, layer.fstep, layer.fcheck, layer.orders,
            protocol.encoding == "pm1", table_k, r.saturate, r.uses_output, r.uses_weight,
            layer.init, etas, any_epoch, protocol.tolerance)
    with numba_threads(_workers(workers)):
        for rows in progress_chunks(arr.shape[0], progress, mixed=True):  # independent rows: same result
            part = np.ascontiguousarray(arr[rows])
            out = np.zeros((part.shape[0], protocol.restarts), dtype=np.bool_)
            if layer.online or kernel == "per-target":
                _deep_many(part, *args, out)
            else:
                # frozen features: the (target, restart) pairs whose fibres agree, trained in lockstep blocks
                keep = np.empty((part.shape[0], layer.init.shape[0]), dtype=np.bool_)
                _fibre_mask(part, reps, keep)
                out[:, : keep.shape[1]] = learnt_matrix(part, layer.features, table_k, r, layer.init, layer.orders,
                                                        etas, any_epoch, protocol.tolerance, keep=keep)
            learnt[rows] = out
    return learnt


def _fibre_reps(layer):
    """reps[k, p]: the first input whose frozen feature row equals p's (p itself when the layer is online).

    Hidden-first, an output gate never learns a table that labels two inputs of
    one feature row differently (equal activations, opposite required signs), so
    those (table, restart) pairs are refused without training, which is exact.
    """
    K, P = layer.features.shape[:2]
    reps = np.tile(np.arange(P, dtype=np.int64), (K, 1))
    if not layer.online:
        for k in range(K):
            _, first, inv = np.unique(layer.features[k], axis=0, return_index=True, return_inverse=True)
            reps[k] = first[inv.ravel()]
    return reps


def top_rule(rule, protocol=None):
    """The output gate's supervised Rule: a named rule (clamped, for the protocol's coding) or a Rule as given.

    Parameters
    ----------
    rule : str or Rule
        One of :data:`TOP_RULES`, or a Rule.
    protocol : Protocol, optional
        Default ``Protocol()``.

    Returns
    -------
    Rule
        A rule that reads T.

    Raises
    ------
    InputError
        For a name not in :data:`TOP_RULES`.

    Examples
    --------
    >>> from gates.learning.two_layer import top_rule
    >>> top_rule("oja").formula()
    'dw = eta*(x*T - w*T^2)'
    """
    if isinstance(rule, Rule):
        return rule
    if rule not in TOP_RULES:
        raise InputError(f"output rule {rule!r} is unknown: allowed {', '.join(TOP_RULES)}")
    return (Protocol() if protocol is None else protocol).named_rule(rule, "clamped")


def features_per_restart(features):
    """Distinct hidden feature patterns (rows of Phi over the 2^n inputs) of each restart.

    Parameters
    ----------
    features : array (K, 2^n, S)
        ``HiddenLayer.features``.

    Returns
    -------
    list of int
        One count per restart; the output gate can separate at most that many groups of inputs.
    """
    return [int(np.unique(f, axis=0).shape[0]) for f in features]


def minterm_network(table, n, hidden):
    """Weights of a two-layer threshold net computing `table` with `hidden` gates, when min(ones, zeros) <= hidden.

    An OR of minterm detectors of the ones of the function (or the negated
    OR over its zeros), in pm1 coding with the bias last: hidden gate i is
    on only at its point x*, since x* . x~ = n there and <= n - 2 elsewhere.

    Parameters
    ----------
    table : int or array_like
        The truth table of n inputs.
    n : int
        The number of inputs, 0 to 16.
    hidden : int
        The number of hidden gates.

    Returns
    -------
    tuple of numpy.ndarray or None
        (W (h, n+1), v (h+1)): hidden and output weights, or None when the
        function has more than `hidden` ones and more than `hidden` zeros.

    Examples
    --------
    XOR of two inputs: one detector for x = (1, 0), one for (0, 1), then OR:

    >>> from gates.learning.two_layer import minterm_network
    >>> W, v = minterm_network(0x6, 2, 2)
    >>> W.tolist(), v.tolist()
    ([[1.0, -1.0, -1.0], [-1.0, 1.0, -1.0]], [1.0, 1.0, 1.0])
    """
    n = check_n(n, 0, 16, "a minterm network")
    bits = [(int(table) >> p) & 1 for p in range(1 << n)] if np.ndim(table) == 0 else None
    if bits is None:
        arr = np.asarray(table, dtype=np.uint64).reshape(-1)
        bits = [int(arr[p >> 6] >> np.uint64(p & 63)) & 1 for p in range(1 << n)]
    ones = [p for p, b in enumerate(bits) if b]
    zeros = [p for p, b in enumerate(bits) if not b]
    negate = len(ones) > hidden
    pts = zeros if negate else ones
    if len(pts) > hidden:
        return None
    wh = np.zeros((hidden, n + 1))
    wh[:, n] = -1.0  # unused gates are constantly off
    for i, p in enumerate(pts):
        wh[i, :n] = [2.0 * ((p >> j) & 1) - 1.0 for j in range(n)]
        wh[i, n] = -(n - 1.0)  # x* . x~ = n only at x = x*, else <= n - 2
    v = np.zeros(hidden + 1)
    v[: len(pts)] = 1.0
    v[hidden] = len(pts) - 1.0  # OR: sum of m outputs in {-1, 1} plus m - 1 > 0 iff one is on
    if negate:
        v = -v
    return wh, v


def _two_gate_functions(n):
    """Every function a net with h = 2 computes (n <= 4): t(g1, g2) over all
    pairs of threshold functions g1, g2 and the 14 threshold functions t of
    two inputs (all but XOR and XNOR); those that do not read both inputs
    give the threshold functions themselves. Sorted uint64 tables."""
    g = threshold_functions(n)[0][:, 0]
    full = np.uint64((1 << (1 << n)) - 1)
    a, b = g[:, None], g[None, :]
    parts = [g]
    for x in (a, full ^ a):
        for y in (b, full ^ b):
            parts += [np.unique(x & y), np.unique(x | y)]
    return np.unique(np.concatenate(parts))


def representable(family, n, hidden, seed=0, restarts=10, epochs=2000, workers=None):
    """How many functions of a family some two-layer net with `hidden` gates computes.

    A function is certified representable when it is a threshold function
    (exact test), when min(ones, zeros) <= hidden (the minterm construction
    of :func:`minterm_network`), for h = 2 and n <= 4 when it is some
    threshold gate of two threshold gates (every pair enumerated, exact),
    or else when backprop on a tanh relaxation of the net ends in weights
    whose thresholded net computes it (checked exactly on every input).
    Runs on NPN classes (P classes for monotone), which is exact here:
    transforming the inputs or the output of a certified net certifies the
    whole orbit.

    Parameters
    ----------
    family : {"all", "monotone", "threshold"}
        The family of functions of n inputs (:func:`gates.boolean.families.check_family`).
    n : int
        The number of inputs, 1 to 5.
    hidden : int
        The width h, 1 to 64.
    seed : int, default 0
        Seed of the backprop restarts' initial weights.
    restarts : int, default 10
        Backprop restarts per class.
    epochs : int, default 2000
        Full-batch backprop epochs per restart (checked every 25).
    workers : int, optional
        Threads (default: all cores); results do not depend on it.

    Returns
    -------
    dict
        ``representable`` (the certified count), ``exact`` (True when it is
        provably the true count: it covers the family, or h = 1, or h = 2
        with n <= 4), ``by_threshold``, ``by_construction``, ``by_pairs``,
        ``by_backprop`` (class members counted by the first certificate
        that applies), ``functions``, ``classes``, the ``method``, the
        arguments (``family``, ``n``, ``hidden``, ``seed``) and ``seconds``.
        Otherwise ``representable`` is a lower bound.

    Raises
    ------
    InputError
        For an unknown family, n outside 1..5, or a width outside 1..64.

    Examples
    --------
    One hidden gate computes exactly the 104 threshold functions of three
    inputs (OEIS A000609); two compute every function of three inputs but
    parity and its complement (254 of 256, exact: every pair of threshold
    hidden gates is enumerated); h = 2^(n-1) = 4 computes all 256:

    >>> from gates.learning.two_layer import representable
    >>> [representable("all", 3, h)["representable"] for h in (1, 2, 4)]
    [104, 254, 256]
    >>> representable("all", 3, 2)["exact"]
    True
    """
    t0 = time.perf_counter()
    family = check_family(family)
    n = check_n(n, 1, 5, "a representability census")
    net = DeepNet(hidden)
    group = "p" if family == "monotone" else "npn"
    reps, sizes, _ = family_classes(family, n, group)
    thr = threshold_mask(reps, n)
    ones = popcount(reps, n).astype(np.int64)
    cons = ~thr & (np.minimum(ones, (1 << n) - ones) <= net.hidden)
    rest = ~thr & ~cons
    pairs = np.zeros(len(reps), bool)
    if net.hidden == 2 and n <= 4:
        pairs = rest & np.isin(reps[:, 0], _two_gate_functions(n))
        rest[:] = False
    bp = np.zeros(len(reps), bool)
    if net.hidden > 1 and rest.any():
        x = Protocol(bias=True).inputs(n)
        s = x.shape[1]
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 2]))
        wh0 = rng.normal(0.0, 1.0 / np.sqrt(s), (restarts, net.hidden, s))
        v0 = rng.normal(0.0, 1.0 / np.sqrt(net.hidden + 1), (restarts, net.hidden + 1))
        found = np.zeros(int(rest.sum()), np.bool_)
        with numba_threads(_workers(workers)):
            _backprop_many(np.ascontiguousarray(reps[rest]), x, wh0, v0, 2.0 / x.shape[0], int(epochs),
                           25, found)
        bp[rest] = found
    total = count_functions(family, n)[0]
    count = int(sizes[thr | cons | pairs | bp].sum())
    return {
        "family": family,
        "n": n,
        "hidden": net.hidden,
        "functions": total,
        "classes": int(len(reps)),
        "representable": count,
        "exact": count == total or net.hidden == 1 or (net.hidden == 2 and n <= 4),
        "by_threshold": int(sizes[thr].sum()),
        "by_construction": int(sizes[cons].sum()),
        "by_pairs": int(sizes[pairs].sum()),
        "by_backprop": int(sizes[bp].sum()),
        "method": f"{group.upper()} classes; threshold test, minterm construction, for h = 2 and n <= 4 every "
                  f"pair of threshold gates, else backprop on a tanh relaxation ({restarts} restarts x <= "
                  f"{epochs} full-batch epochs, checked exactly)",
        "seed": int(seed),
        "seconds": round(time.perf_counter() - t0, 3),
    }

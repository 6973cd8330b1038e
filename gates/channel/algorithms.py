"""The learning algorithms of the channel, one step each, with what the step costs and feeds back.

Baldi & Sadowski (2016, the learning channel) compare backpropagation with the
perturbation algorithms P{W,A}{L,G}{B,R}[k] by three numbers per step:

* the **bits** fed back per weight (D per real number, 1 per binary answer,
  log2 k for a choice among k);
* the **operations** per weight (a forward pass costs W multiply-adds per
  example, a backward pass 2 W, generating a global perturbation W);
* the **rate** R = bits per weight / operations per weight. Bits and
  operations are both counted per training example (one on-line step, as the
  paper counts), so R is a closed-form function of the sizes, D and k: an
  *identity*, not a measurement (:func:`rate_identity`);
* the **improvement**: every algorithm moves the weights by dW = eta h, h
  its update vector (:class:`Step`), and to first order the error falls by
  eta (-g . h) (:func:`first_order_decrease`). At equal eta, backprop's
  decrease is eta |g|^2, the largest of any update of its length
  (Cauchy-Schwarz); beside it, the cosine of h with -g (:func:`cosine`,
  the improvement of a fixed-length step).

:func:`step` runs one algorithm on any net of the channel interface: the
layered :class:`~gates.learning.nets.feedforward.FeedForward` or the
recurrent net unfolded in time
(:class:`~gates.learning.nets.recurrent.Recurrent`). The exact theory is in
:mod:`gates.channel.theory`, the measurement across sizes and the training
under one budget in :mod:`gates.channel.measure`.

The perturbation batches are vectorised (batched matmuls, chunked under a
memory bound); no Python loop runs per perturbation.
"""

import math
from dataclasses import dataclass

import numpy as np

from gates._validate import check_array, check_choice, check_int, check_positive, is_int
from gates.errors import InputError
from gates.learning.nets.feedforward import CHUNK_BYTES, FeedForward

__all__ = [
    "ALGORITHMS",
    "GLOBAL",
    "EXACT",
    "Step",
    "step",
    "cosine",
    "first_order_decrease",
    "rate_identity",
    "check_algorithms",
    "as_net",
    "describe_net",
]

ALGORITHMS = ("bp", "pwlr", "pwlb", "palr", "palb", "pwgr", "pwgb", "pwgrk", "pwgbk")
"""Backprop and the perturbation algorithms P{W,A}{L,G}{B,R}[k] (Baldi & Sadowski 2016: the learning channel).

P: perturbation; W / A: of a weight or of a unit's activity; L / G: local
(one at a time) or global (all at once, along a random direction); B / R:
the feedback is a bit (better or worse) or a real number; k: the best of,
or the sum over, k global perturbations."""

GLOBAL = ("pwgr", "pwgb", "pwgrk", "pwgbk")
"""The global perturbations: every weight at once, along random directions."""
EXACT = ("bp", "pwlr", "palr")
"""The algorithms whose update is the exact gradient (up to a finite difference)."""


# --------------------------------------------------------------------------
# nets and algorithm names
# --------------------------------------------------------------------------


def as_net(spec, activation="tanh"):
    """A net from a FeedForward / recurrent net, a sizes tuple, or a hidden width h ((8, h, h, 1)).

    Parameters
    ----------
    spec : int, tuple of int, FeedForward or Recurrent
        A hidden width h (>= 1), the layer sizes, or a net (returned as is).
    activation : str, default "tanh"
        The hidden units' activation for a net built here.

    Returns
    -------
    FeedForward or Recurrent
        The net.

    Raises
    ------
    InputError
        For anything else, or h < 1.

    Examples
    --------
    >>> as_net(4).sizes
    (8, 4, 4, 1)
    """
    if hasattr(spec, "n_weights") and hasattr(spec, "errors"):
        return spec
    if is_int(spec):
        return FeedForward((8, check_int(spec, "hidden width", lo=1), int(spec), 1), activation)
    if isinstance(spec, (tuple, list)):
        return FeedForward(tuple(spec), activation)
    raise InputError(f"a size must be a hidden width h (for (8, h, h, 1)), a sizes tuple or a net, got {spec!r}")


def describe_net(net):
    """The net's name in the tables: its sizes ``8-4-4-1``, or ``rnn 3-8-1 x6`` for a recurrent net.

    Examples
    --------
    >>> describe_net(as_net(4))
    '8-4-4-1'
    """
    sizes = getattr(net, "sizes", None)
    if sizes is not None:
        return "-".join(map(str, sizes))
    return (f"rnn {net.n_in}-{net.n_hidden}-{net.n_out} x{net.steps}" if hasattr(net, "steps")
            else type(net).__name__)


def check_algorithms(algorithms):
    """`algorithms` (one name or a sequence of them) as a non-empty tuple of names in :data:`ALGORITHMS`.

    Raises
    ------
    InputError
        For an empty sequence or an unknown name.

    Examples
    --------
    >>> check_algorithms("bp"), check_algorithms(["bp", "pwgr"])
    (('bp',), ('bp', 'pwgr'))
    """
    if isinstance(algorithms, str):
        algorithms = (algorithms,)
    algorithms = tuple(algorithms)
    if not algorithms:
        raise InputError(f"no algorithms given: allowed {', '.join(ALGORITHMS)}")
    for a in algorithms:
        check_choice(a, "algorithm", ALGORITHMS)
    return algorithms


# --------------------------------------------------------------------------
# operation counts
# --------------------------------------------------------------------------


def _forward_cost(net):
    """Multiply-adds of one forward pass per example: W for a layered net, every
    weight's uses for a net that shares weights (a recurrent net unfolded in time)."""
    return float(getattr(net, "n_weight_uses", net.n_weights))


def _unit_deltas_cost(net):
    """Forward passes of one activity-perturbation sweep (palr / palb).

    The net may say (``unit_deltas_cost()``, as :class:`FeedForward`); a net
    that reports each unit's weight uses at and above it
    (``unit_weight_span()``, as the recurrent net) is counted by the same
    rule; otherwise one full pass per unit, an upper bound.
    """
    own = getattr(net, "unit_deltas_cost", None)
    if callable(own):
        return float(own())
    span = getattr(net, "unit_weight_span", None)
    if callable(span):
        return 1.0 + float(np.sum(span())) / _forward_cost(net)
    return 1.0 + float(net.n_units)


# --------------------------------------------------------------------------
# one step of each algorithm, with its counts
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Step:
    """One step of a learning algorithm: its update vector and what it cost.

    Attributes
    ----------
    algorithm : str
        One of :data:`ALGORITHMS`.
    direction : ndarray, shape (W,)
        The update vector h: the algorithm moves the weights by dW = eta h,
        eta the step-size multiplier common to all algorithms ("equal eta";
        see :func:`step` for each h). It estimates the descent direction -g.
    counts : dict
        Per training example (one on-line step, the paper's unit; on a batch
        the step estimates the gradient of the batch error at the same
        counts): ``forward`` (full forward passes; partial passes count by the
        fraction of weights they touch), ``backward`` (full backward passes),
        ``perturb`` (perturbations generated: of weights, or of one unit's
        activity), ``global`` (of them, perturbations of all W weights at
        once), ``scalars`` (numbers fed back) and ``bits`` (bits fed back to
        the weights).
    ops : float
        Multiply-adds per example: F forward + 2 F backward + W global, where
        F is the cost of one forward pass: W for a layered net, the weight
        uses (``n_weight_uses``) of a recurrent net unfolded in time.
    n_weights : int
        W.
    bits_per_weight, ops_per_weight, rate : float
        ``counts["bits"] / W``, ``ops / W`` and their ratio R.

    Examples
    --------
    Backprop on a 3-4-1 net (W = 21) feeds back D = 32 bits per weight for 3
    operations per weight (a forward and a backward pass):

    >>> from gates.channel.measure import teacher_task
    >>> net = as_net((3, 4, 1))
    >>> X, T = teacher_task(net, 1, seed=0)
    >>> s = step("bp", net, net.init(0), X, T)
    >>> s.n_weights, s.bits_per_weight, s.ops_per_weight
    (21, 32.0, 3.0)
    """

    algorithm: str
    direction: np.ndarray
    counts: dict
    ops: float
    n_weights: int

    @property
    def bits_per_weight(self):
        """Bits fed back per weight, per example."""
        return self.counts["bits"] / self.n_weights

    @property
    def ops_per_weight(self):
        """Multiply-adds per weight, per example."""
        return self.ops / self.n_weights

    @property
    def rate(self):
        """R = bits per weight / operations per weight."""
        return self.bits_per_weight / self.ops_per_weight


def _weight_perturbation_errors(net, w, X, T, eps):
    """E(w + eps e_i) for every weight: the net's own fast route if it has one,
    else ``net.errors`` on chunks of the (W, W) batch w + eps I."""
    own = getattr(net, "weight_perturbation_errors", None)
    if callable(own):
        return own(w, X, T, eps)
    W = net.n_weights
    rows = max(1, CHUNK_BYTES // (8 * W))
    out = np.empty(W)
    for s in range(0, W, rows):
        batch = np.repeat(w[None], min(rows, W - s), axis=0)
        batch[np.arange(len(batch)), np.arange(s, s + len(batch))] += eps
        out[s:s + len(batch)] = net.errors(batch, X, T)
    return out


def step(name, net, w, X, T, rng=None, eps=1e-4, k=8, D=32, *, _bp_noise=0.0, _bits_scale=1.0,
         _palr_per_batch=False, _unscaled_perturbation=False):
    """One step of algorithm `name` at weights `w` on the batch (X, T).

    Each algorithm returns its update vector h; the weights move by eta h
    (the paper on the learning channel: "a learning step dW = eta h"). Equal eta means the same
    multiplier on every h as defined here: derivative feedback (real) gives
    h in gradient units, binary feedback gives a signed unit-length
    direction, the paper's choice ("perturbation algorithms produce a
    direction, with no natural magnitude"). A random direction is u = z /
    sqrt(W), z ~ N(0, I_W): components of mean 0 and variance 1/W, |u| ~ 1,
    as the paper approximates unit vectors. With g the true gradient of E
    on the batch:

    - ``bp``: h = -g by backpropagation (1 forward, 1 backward; W scalars, W D bits).
    - ``pwlr``: perturb each weight in turn, d_i = (E(w + eps e_i) - E(w)) / eps,
      h = -d (W + 1 forward; W scalars, W D bits).
    - ``pwlb``: as pwlr, h = -sign(d) / sqrt(W), the unit vector at the
      centre of the gradient's orthant (W bits).
    - ``palr``: perturb each unit's activity (pre-activation) in turn,
      deltas by forward difference, weights by the local rule
      dE/dW_l[i, j] = sum_p delta_{p,i} a~_{l-1}[p, j]; h = minus that
      (1 + re-propagations forward; per example N perturbations and N
      scalars; the paper: "D bits of feedback per unit as well as per
      weight", so W D bits, as backprop).
    - ``palb``: as palr with sign(delta) in place of delta, scaled to unit
      length (1 bit per unit and per weight: W bits).
    - ``pwgr``: d = (E(w + eps u) - E(w)) / eps, h = -d u
      (2 forward, 1 global perturbation, 1 scalar, D bits).
    - ``pwgb``: same u, binary feedback: keep u if the error fell, else take
      the opposite: h = -sign(d) u (1 bit).
    - ``pwgrk``: k independent u_i, h = -sum_i d_i u_i (k + 1 forward,
      k global perturbations, k scalars, k D bits).
    - ``pwgbk``: k independent u_i, i* = argmin E(w + eps u_i); h =
      u_{i*} if it lowers the error, else 0 (k + 1 forward, log2 k bits).

    Bits and operations are counted per training example (the unit of the
    paper's rate), so the rate does not depend on the batch size.

    Parameters
    ----------
    name : str
        One of :data:`ALGORITHMS`.
    net : FeedForward or recurrent net
    w : array, shape (W,)
    X, T : arrays, the batch
    rng : None, int or Generator
        Randomness of the global perturbations.
    eps : float
        Perturbation size (> 0): every perturbation has length about eps.
    k : int
        Perturbations of pwgrk / pwgbk (>= 1).
    D : int
        Bits per real number fed back (>= 1).

    Returns
    -------
    Step

    Raises
    ------
    InputError
        For an unknown algorithm, k < 1, eps <= 0, D < 1 or bad shapes.

    Examples
    --------
    >>> net = FeedForward((4, 3, 1))
    >>> rng = np.random.default_rng(0)
    >>> X, T = rng.standard_normal((8, 4)), rng.standard_normal((8, 1))
    >>> s = step("pwlr", net, net.init(1), X, T)
    >>> s.counts["forward"] == net.n_weights + 1
    True
    >>> round(cosine(s, net.gradient(net.init(1), X, T)[1]), 6)
    1.0
    """
    # the private keywords are the mutants of check_channel: _bp_noise adds noise of that fraction of |g|
    # to backprop's gradient; _bits_scale multiplies the bit count; _palr_per_batch restores the old
    # counting of palr / palb (bits per batch, operations per example); _unscaled_perturbation draws the
    # global perturbations N(0, I_W) (length sqrt(W)) instead of unit length
    check_choice(name, "algorithm", ALGORITHMS)
    k = check_int(k, "k (perturbations)", lo=1)
    D = check_int(D, "D (bits per real number)", lo=1)
    eps = check_positive(eps, "eps")
    W, N = net.n_weights, net.n_units
    w = check_array(w, f"weights (W = {W})", shape=(W,))
    rng = np.random.default_rng(rng)
    glob = 0
    if name == "bp":
        _, g = net.gradient(w, X, T)
        if _bp_noise:
            n = rng.standard_normal(W)
            g = g + n * (_bp_noise * np.linalg.norm(g) / np.linalg.norm(n))
        direction = -g
        counts = dict(forward=1.0, backward=1.0, perturb=0, scalars=W, bits=W * D)
    elif name in ("pwlr", "pwlb"):
        E0 = net.error(w, X, T)
        d = (_weight_perturbation_errors(net, w, X, T, eps) - E0) / eps
        real = name == "pwlr"
        # binary feedback: the unit vector of the gradient's orthant (paper: "a random descent unit vector
        # ... in the corresponding orthant"; we take its centre)
        direction = -d if real else -np.sign(d) / math.sqrt(W)
        counts = dict(forward=float(W + 1), backward=0.0, perturb=W, scalars=W, bits=W * D if real else W)
    elif name in ("palr", "palb"):
        deltas = net.unit_deltas_fd(w, X, T, eps)
        real = name == "palr"
        if not real:
            deltas = np.sign(deltas)
        direction = -net.weight_gradient_from_deltas(w, X, deltas)
        if not real:  # binary feedback carries no magnitude: a unit-length direction, as pwlb's
            norm = float(np.linalg.norm(direction))
            direction = direction / norm if norm > 0 else direction
        if _palr_per_batch:  # the old mixture: bits of the whole batch over operations per example
            P = deltas.shape[0]
            counts = dict(forward=_unit_deltas_cost(net), backward=0.0, perturb=N * P, scalars=N * P,
                          bits=min(N * P, W) * D if real else N * P)
        else:  # per example: N unit perturbations and deltas; each weight gets its unit's delta
            counts = dict(forward=_unit_deltas_cost(net), backward=0.0, perturb=N, scalars=N,
                          bits=W * D if real else W)
    else:
        kk = 1 if name in ("pwgr", "pwgb") else k
        # unit-length random directions (variance 1/W per component): the paper's u
        U = rng.standard_normal((kk, W))
        if not _unscaled_perturbation:
            U /= math.sqrt(W)
        E0 = net.error(w, X, T)
        Ek = net.errors(w + eps * U, X, T)
        d = (Ek - E0) / eps
        glob = kk
        if name == "pwgr":
            direction = -d[0] * U[0]
            counts = dict(scalars=1, bits=D)
        elif name == "pwgb":
            direction = -np.sign(d[0]) * U[0]  # keep u if the error fell, else take -u
            counts = dict(scalars=1, bits=1)
        elif name == "pwgrk":
            direction = -(d @ U)
            counts = dict(scalars=kk, bits=kk * D)
        else:  # pwgbk: keep the best of k if it lowers the error
            i = int(np.argmin(Ek))
            direction = U[i].copy() if Ek[i] < E0 else np.zeros(W)
            counts = dict(scalars=1, bits=math.log2(kk))
        counts = dict(forward=float(kk + 1), backward=0.0, perturb=kk, **counts)
    counts["global"] = glob
    if _bits_scale != 1.0:
        counts["bits"] = counts["bits"] * _bits_scale
    # multiply-adds per example: a forward pass F (= W unless weights are shared), a backward pass
    # 2 F, generating a global perturbation W
    F = _forward_cost(net)
    ops = F * counts["forward"] + 2 * F * counts["backward"] + W * glob
    return Step(name, direction, counts, float(ops), W)


def cosine(step_or_direction, g):
    """cos(direction, -g): the improvement of a fixed-length step relative to the gradient step's.

    A step of length s along the unit direction lowers the error, to first
    order, by s |g| cos; the gradient step by s |g|. A zero direction (or
    gradient) gives 0.

    Parameters
    ----------
    step_or_direction : Step or array, shape (W,)
        The update vector h.
    g : array, shape (W,)
        The true gradient.

    Returns
    -------
    float
        In [-1, 1].

    Raises
    ------
    InputError
        When the shapes differ.

    Examples
    --------
    >>> cosine(np.array([1.0, 0.0]), np.array([-1.0, -1.0]))
    0.7071...
    """
    d = step_or_direction.direction if isinstance(step_or_direction, Step) else np.asarray(step_or_direction, float)
    g = np.asarray(g, dtype=np.float64)
    if d.shape != g.shape:
        raise InputError(f"direction has shape {d.shape}, gradient {g.shape}: they must match")
    nd, ng = np.linalg.norm(d), np.linalg.norm(g)
    if nd == 0 or ng == 0:
        return 0.0
    return float(-(d @ g) / (nd * ng))


def first_order_decrease(step_or_direction, g):
    """-g . h: the first-order decrease of the error per unit eta when the weights move by eta h.

    E(w + eta h) = E(w) + eta g . h + O(eta^2), so at the same step-size
    multiplier eta (equal eta) an algorithm lowers the error by eta (-g . h),
    backprop (h = -g) by eta |g|^2 (the paper on the learning channel, "the improvement").
    Among updates of backprop's length |g|, |g|^2 is the largest
    (Cauchy-Schwarz), reached only by h = -g.

    Parameters
    ----------
    step_or_direction : Step or array, shape (W,)
        The update vector h.
    g : array, shape (W,)
        The true gradient.

    Returns
    -------
    float

    Examples
    --------
    >>> first_order_decrease(np.array([-3.0, -4.0]), np.array([3.0, 4.0]))   # backprop: |g|^2
    25.0
    """
    d = step_or_direction.direction if isinstance(step_or_direction, Step) else np.asarray(step_or_direction, float)
    g = np.asarray(g, dtype=np.float64)
    if d.shape != g.shape:
        raise InputError(f"update has shape {d.shape}, gradient {g.shape}: they must match")
    return float(-(d @ g))


def rate_identity(name, net, k=8, D=32):
    """Bits per weight, operations per weight and the rate of algorithm `name`, from the counting formulas alone.

    Per training example (the paper's unit), with W weights, F the cost of a
    forward pass (W for a layered net) and c the forward passes of an
    activity-perturbation sweep (for a layered net 1 + sum over units of the
    fraction of the weights at and above the unit's layer):

    ======  ==========  ====================
    name    bits        operations
    ======  ==========  ====================
    bp      W D         3 F
    pwlr    W D         (W + 1) F
    pwlb    W           (W + 1) F
    palr    W D         c F
    palb    W           c F
    pwgr    D           2 F + W
    pwgb    1           2 F + W
    pwgrk   k D         (k + 1) F + k W
    pwgbk   log2 k      (k + 1) F + k W
    ======  ==========  ====================

    The rate is their ratio: an identity of the sizes, D and k, whatever the
    weights, data or batch size. :func:`step` counts the same quantities
    from the work it does; the two must agree.

    Parameters
    ----------
    name : str
    net : FeedForward, recurrent net, hidden width or sizes tuple
    k, D : int

    Returns
    -------
    dict
        bits_per_weight, ops_per_weight, rate.

    Examples
    --------
    >>> rate_identity("bp", FeedForward((8, 4, 4, 1)))["rate"]   # D / 3
    10.666666666666666
    """
    check_choice(name, "algorithm", ALGORITHMS)
    k = check_int(k, "k (perturbations)", lo=1)
    D = check_int(D, "D (bits per real number)", lo=1)
    net = as_net(net)
    W = net.n_weights
    if isinstance(net, FeedForward):  # from the sizes, not from the net's own bookkeeping
        sizes = net.sizes
        per_layer = [m * (n + 1) for n, m in zip(sizes[:-1], sizes[1:])]
        F = float(sum(per_layer))
        c = 1.0 + sum(m * sum(per_layer[l:]) for l, m in enumerate(sizes[1:])) / F
    else:
        F, c = _forward_cost(net), _unit_deltas_cost(net)
    bits, ops = {
        "bp": (W * D, 3 * F), "pwlr": (W * D, (W + 1) * F), "pwlb": (W, (W + 1) * F),
        "palr": (W * D, c * F), "palb": (W, c * F), "pwgr": (D, 2 * F + W), "pwgb": (1, 2 * F + W),
        "pwgrk": (k * D, (k + 1) * F + k * W), "pwgbk": (math.log2(k), (k + 1) * F + k * W)}[name]
    return {"bits_per_weight": bits / W, "ops_per_weight": ops / W, "rate": bits / ops}

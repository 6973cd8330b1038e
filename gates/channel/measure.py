"""The learning channel: how much each learning algorithm tells the weights about the gradient, and at what cost.

Baldi & Sadowski (DIGEST.md section 5) compare backpropagation with the
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
  eta (-g . h). At equal eta, backprop's decrease is eta |g|^2, the largest of
  any update of its length (Cauchy-Schwarz). The module reports the ratio
  (-g . h) / |g|^2 (*measured* on random weight states), and beside it the
  cosine of h with -g (the improvement of a fixed-length step).

The theorem: backprop has the highest rate and improvement, up to constants,
and the alternatives fall behind by factors that grow with W. This module
measures all of it on layered tanh / logistic networks (:class:`FeedForward`;
recurrent nets unfolded in time live in :mod:`gates.learning.nets.recurrent` and share the
interface), puts the exact finite-W theory beside the measurements, fits the
exponents in W, and trains every algorithm under the same operation budget.

Everything is float64 numpy: the work is matrix products. The perturbation
batches are vectorised (batched matmuls, chunked under a memory bound); no
Python loop runs per perturbation.
"""

import functools
import math
import os
import time
from dataclasses import dataclass, field

import numpy as np

from gates.errors import InputError, check_mutant, require_memory

__all__ = [
    "ACTIVATIONS",
    "ALGORITHMS",
    "FeedForward",
    "Step",
    "teacher_task",
    "boolean_task",
    "step",
    "cosine",
    "random_direction_cos",
    "projection_cos",
    "expected_positive_max",
    "best_of_k_cos",
    "theory_cos",
    "theory_improvement",
    "first_order_decrease",
    "rate_identity",
    "predicted_exponent",
    "measure",
    "fit_exponents",
    "train",
    "channel_study",
    "write_channel",
    "check_channel",
]

ACTIVATIONS = ("tanh", "logistic")
"""Hidden-layer transfer functions; the output layer is always linear."""

ALGORITHMS = ("bp", "pwlr", "pwlb", "palr", "palb", "pwgr", "pwgb", "pwgrk", "pwgbk")
"""Backprop and the perturbation algorithms P{W,A}{L,G}{B,R}[k] (paper section 5)."""

GLOBAL = ("pwgr", "pwgb", "pwgrk", "pwgbk")
EXACT = ("bp", "pwlr", "palr")
QUANTITIES = ("cos", "improvement", "rate")
"""What :func:`fit_exponents` fits; the rate is an identity, the others are measured."""
KIND = {"cos": "measured", "improvement": "measured", "rate": "identity"}
DEFAULT_HIDDEN = (4, 8, 16, 32, 64)
"""Default hidden widths h of the (8, h, h, 1) nets: W = 61 .. 4,801."""

_FD_STATES = 8  # weight states per row on which measure() checks -g . h against the error's difference
_CHUNK_BYTES = 256 * 2**20  # working set of one batched pass (spec: <= ~256 MB)


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------


def _int(value, name, lo=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{name} must be an integer >= {lo}, got {value!r}")
    if value < lo:
        raise InputError(f"{name} must be >= {lo}, got {value}")
    return int(value)


def _positive(value, name):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a positive number, got {value!r}") from None
    if not (v > 0 and math.isfinite(v)):
        raise InputError(f"{name} must be a positive finite number, got {value!r}")
    return v


def _algorithm(name):
    if name not in ALGORITHMS:
        raise InputError(f"algorithm {name!r} is unknown: allowed {', '.join(ALGORITHMS)}")
    return name


def _array(a, shape, name):
    """`a` as a float64 array of exactly `shape` (None = any length), finite."""
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be an array of numbers") from None
    if arr.ndim != len(shape) or any(s is not None and s != t for s, t in zip(shape, arr.shape)):
        want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        raise InputError(f"{name} has shape {arr.shape}; expected {want}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} holds non-finite values")
    return arr


# --------------------------------------------------------------------------
# layered networks
# --------------------------------------------------------------------------


def _act(z, kind):
    if kind == "tanh":
        return np.tanh(z)
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # logistic, without overflow in exp


def _act_slope(a, kind):
    """f'(z) from a = f(z)."""
    return 1.0 - a * a if kind == "tanh" else a * (1.0 - a)


@dataclass(frozen=True)
class FeedForward:
    """A layered network: hidden layers tanh or logistic, the output layer linear.

    Layer l maps a_{l-1} with a bias 1 appended to a_l = f(W_l [a_{l-1}; 1]);
    W_l has shape ``(sizes[l], sizes[l-1] + 1)`` (its last column is the
    bias). A flat weight vector ``w`` concatenates ``W_1.ravel(), W_2.ravel(),
    ...`` in C order.

    Parameters
    ----------
    sizes : tuple of int
        ``(n_in, h_1, ..., h_L, n_out)``, every entry >= 1, at least two.
    activation : {"tanh", "logistic"}
        The hidden layers' transfer function.

    Attributes
    ----------
    n_weights : int
        W = sum_l sizes[l] * (sizes[l-1] + 1).
    n_units : int
        N = hidden plus output units = sum(sizes[1:]).

    Raises
    ------
    InputError
        For a bad size or activation.

    Examples
    --------
    >>> net = FeedForward((8, 4, 4, 1))
    >>> net.n_weights, net.n_units
    (61, 9)
    >>> X, T = teacher_task(net, 16, seed=0)
    >>> E, g = net.gradient(net.init(0), X, T)
    >>> g.shape
    (61,)
    """

    sizes: tuple
    activation: str = "tanh"
    _offsets: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        try:
            sizes = tuple(self.sizes)
        except TypeError:
            raise InputError(f"sizes must be a sequence of layer widths, got {self.sizes!r}") from None
        if len(sizes) < 2:
            raise InputError(f"sizes {sizes!r} needs at least an input and an output width")
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
                raise InputError(f"sizes {sizes!r}: every width must be an integer >= 1, got {s!r}")
        if self.activation not in ACTIVATIONS:
            raise InputError(f"activation {self.activation!r} is unknown: allowed {', '.join(ACTIVATIONS)}")
        sizes = tuple(int(s) for s in sizes)
        offsets = [0]
        for n, m in zip(sizes[:-1], sizes[1:]):
            offsets.append(offsets[-1] + m * (n + 1))
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "_offsets", tuple(offsets))

    # -- bookkeeping ------------------------------------------------------
    @property
    def n_weights(self):
        return self._offsets[-1]

    @property
    def n_units(self):
        return sum(self.sizes[1:])

    @property
    def n_weight_uses(self):
        """Multiply-adds of one forward pass per example: W (each weight is used once)."""
        return self.n_weights

    @property
    def n_layers(self):
        return len(self.sizes) - 1

    def input_shape(self, P):
        """Shape of a batch of P inputs."""
        return (P, self.sizes[0])

    def layer_weights(self, w):
        """The matrices W_l (views into `w`), each ``(sizes[l], sizes[l-1] + 1)``."""
        w = self._w(w)
        return [w[a:b].reshape(m, n + 1)
                for a, b, n, m in zip(self._offsets[:-1], self._offsets[1:], self.sizes[:-1], self.sizes[1:])]

    def unit_deltas_cost(self):
        """Forward passes :meth:`unit_deltas_fd` counts: 1 + sum over units of the
        fraction of the weights at and above the unit's layer (its re-propagation)."""
        W = self.n_weights
        layer_w = np.diff(self._offsets)
        above = np.cumsum(layer_w[::-1])[::-1]  # weights in layers l..L
        return 1.0 + float(sum(m * a for m, a in zip(self.sizes[1:], above))) / W

    def init(self, seed=None):
        """Weights drawn N(0, 1 / fan_in), fan_in = sizes[l-1] + 1 (with the bias)."""
        rng = np.random.default_rng(seed)
        parts = [rng.standard_normal(m * (n + 1)) / math.sqrt(n + 1) for n, m in zip(self.sizes[:-1], self.sizes[1:])]
        return np.concatenate(parts)

    # -- checks -------------------------------------------------------------
    def _w(self, w):
        return _array(w, (self.n_weights,), f"weights of {self.sizes} (W = {self.n_weights})")

    def _X(self, X):
        return _array(X, (None, self.sizes[0]), f"inputs of a net with {self.sizes[0]} inputs")

    def _XT(self, X, T):
        X = self._X(X)
        T = _array(T, (X.shape[0], self.sizes[-1]), f"targets of {X.shape[0]} examples and {self.sizes[-1]} outputs")
        if X.shape[0] < 1:
            raise InputError("a batch needs at least one example")
        return X, T

    # -- passes -------------------------------------------------------------
    def _forward_all(self, w, X):
        """Activities a_0 = X, a_1, ..., a_L (a_L = output, linear)."""
        acts = [X]
        Ws = self.layer_weights(w)
        for l, Wl in enumerate(Ws):
            z = acts[-1] @ Wl[:, :-1].T + Wl[:, -1]
            acts.append(z if l == len(Ws) - 1 else _act(z, self.activation))
        return acts

    def forward(self, w, X):
        """Outputs Y, shape (P, n_out), of inputs X, shape (P, n_in)."""
        return self._forward_all(self._w(w), self._X(X))[-1]

    def error(self, w, X, T):
        """E = 1/(2P) sum_p ||Y_p - T_p||^2."""
        X, T = self._XT(X, T)
        R = self._forward_all(self._w(w), X)[-1] - T
        return float(np.sum(R * R) / (2 * len(X)))

    def _backward(self, w, X, T):
        """Activities and deltas dE/dz_l (P, sizes[l]) by backpropagation."""
        acts = self._forward_all(w, X)
        Ws = self.layer_weights(w)
        P = len(X)
        delta = (acts[-1] - T) / P  # linear output: dE/dz_L = (Y - T) / P
        deltas = [delta]
        for l in range(len(Ws) - 1, 0, -1):
            # delta_l = (delta_{l+1} W_{l+1} without its bias column) * f'(z_l)
            delta = (delta @ Ws[l][:, :-1]) * _act_slope(acts[l], self.activation)
            deltas.append(delta)
        return acts, deltas[::-1]

    def gradient(self, w, X, T):
        """(E, g): the error and its gradient, shape (W,), by backpropagation."""
        w = self._w(w)
        X, T = self._XT(X, T)
        acts, deltas = self._backward(w, X, T)
        R = acts[-1] - T
        return float(np.sum(R * R) / (2 * len(X))), self._local_rule(acts, deltas)

    def unit_deltas(self, w, X, T):
        """Backprop deltas dE_p/dz_{p,i}, shape (P, N), units layer by layer."""
        w = self._w(w)
        X, T = self._XT(X, T)
        return np.concatenate(self._backward(w, X, T)[1], axis=1)

    @staticmethod
    def _local_rule(acts, deltas):
        # dE/dW_l[i, j] = sum_p delta_{p,i} a~_{l-1}[p, j], a~ with the bias 1 (the local rule)
        return np.concatenate([np.concatenate([d.T @ a, d.sum(0)[:, None]], axis=1).ravel()
                               for a, d in zip(acts[:-1], deltas)])

    def weight_gradient_from_deltas(self, w, X, deltas):
        """The local rule dE/dW_l[i, j] = sum_p delta_{p,i} a~_{l-1}[p, j], shape (W,).

        `deltas` is (P, N), units layer by layer (as :meth:`unit_deltas_fd`)."""
        w = self._w(w)
        X = self._X(X)
        deltas = _array(deltas, (len(X), self.n_units), f"deltas of {len(X)} examples and {self.n_units} units")
        acts = self._forward_all(w, X)
        cuts = np.cumsum(self.sizes[1:])[:-1]
        return self._local_rule(acts, np.split(deltas, cuts, axis=1))

    def _chunk(self, P):
        """Batch items per chunk: their activities (z, a and a scratch copy, P x
        widest layer each) and their weight copies stay under ~256 MB."""
        per = max(P * max(self.sizes) * 3, self.n_weights) * 8
        require_memory(per, f"one perturbed pass of {P} examples through {self.sizes}", "use a smaller batch")
        return max(1, _CHUNK_BYTES // per)

    def errors(self, Wmat, X, T):
        """Errors of K weight vectors at once, shape (K,); `Wmat` is (K, W).

        Vectorised: each layer is one batched matmul over the K vectors (the
        first one GEMM, since every vector sees the same inputs), in chunks of
        K so that a chunk's activities stay under ~256 MB.
        """
        Wmat = _array(Wmat, (None, self.n_weights), f"a batch of weight vectors of {self.sizes} (W = {self.n_weights})")
        X, T = self._XT(X, T)
        K, P = len(Wmat), len(X)
        out = np.empty(K)
        step_ = self._chunk(P)
        for s in range(0, K, step_):
            Wc = Wmat[s:s + step_]
            kc = len(Wc)
            A = None
            for l, (n, m) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
                Wl = Wc[:, self._offsets[l]:self._offsets[l + 1]].reshape(kc, m, n + 1)
                if A is None:  # shared inputs: one (P, n) x (n, kc*m) product
                    Z = (X @ Wl[:, :, :-1].transpose(2, 0, 1).reshape(n, kc * m)).reshape(P, kc, m).transpose(1, 0, 2)
                else:
                    Z = np.matmul(A, Wl[:, :, :-1].transpose(0, 2, 1))
                Z = Z + Wl[:, None, :, -1]
                A = Z if l == self.n_layers - 1 else _act(Z, self.activation)
            R = A - T
            out[s:s + kc] = np.einsum("kpo,kpo->k", R, R) / (2 * P)
        return out

    def _propagate_from(self, Ws, acts, layer, units, amounts, T):
        """Per-example errors (K, P) after adding amounts[k] (P,) to the
        pre-activation of unit units[k] of `layer` (1-based), re-propagating
        from that layer up. Below the layer nothing changes and only one unit
        of it does, so the next layer is a rank-one update of its stored
        pre-activations and the layers above are shared-weight GEMMs over all
        K x P rows."""
        L = self.n_layers
        P = acts[0].shape[0]
        K = len(units)
        out = np.empty((K, P))
        step_ = self._chunk(P)
        z_l = acts[layer - 1] @ Ws[layer - 1][:, :-1].T + Ws[layer - 1][:, -1]  # as in the forward pass
        z_next = None if layer == L else acts[layer] @ Ws[layer][:, :-1].T + Ws[layer][:, -1]
        for s in range(0, K, step_):
            u, d = units[s:s + step_], amounts[s:s + step_]
            k = len(u)
            if layer == L:  # an output unit: y_u itself moves by d
                A = np.broadcast_to(acts[L], (k, P, self.sizes[L])).copy()
                A[np.arange(k), :, u] += d
            else:
                change = _act(z_l[:, u].T + d, self.activation) - acts[layer][:, u].T  # (k, P)
                # z_{l+1} = stored z_{l+1} + (change of a_l[u]) * column u of W_{l+1}
                Z = z_next[None] + change[:, :, None] * Ws[layer][:, u].T[:, None, :]
                for l in range(layer + 1, L + 1):
                    A = Z if l == L else _act(Z, self.activation)
                    if l < L:
                        Wl = Ws[l]
                        Z = (A.reshape(k * P, -1) @ Wl[:, :-1].T + Wl[:, -1]).reshape(k, P, -1)
            R = A - T
            out[s:s + k] = np.einsum("kpo,kpo->kp", R, R) / (2 * P)
        return out

    def unit_deltas_fd(self, w, X, T, eps=1e-4):
        """Finite-difference deltas dE_p/dz_{p,i}, shape (P, N), by activity perturbation.

        Each unit's pre-activation is raised by `eps` for every example at
        once and the net re-propagated from that unit's layer up (vectorised
        over the units of a layer and the examples; the examples do not
        interact, so E_p moves only with its own perturbation). Forward
        difference: (E_p(z + eps e_i) - E_p(z)) / eps, with E_p = ||Y_p -
        T_p||^2 / (2P), the same one-sided quotient as pwlr's; its error is O(eps).

        Parameters
        ----------
        w : array, shape (W,)
        X, T : arrays, shapes (P, n_in) and (P, n_out)
        eps : float
            The perturbation of each pre-activation (> 0).

        Returns
        -------
        ndarray, shape (P, N)
            Columns: the units layer by layer, as :meth:`unit_deltas`.

        Examples
        --------
        >>> net = FeedForward((3, 4, 1))
        >>> X, T = teacher_task(net, 5, seed=0)
        >>> w = net.init(1)
        >>> bool(np.allclose(net.unit_deltas_fd(w, X, T, 1e-7), net.unit_deltas(w, X, T), atol=1e-6))
        True
        """
        w = self._w(w)
        X, T = self._XT(X, T)
        eps = _positive(eps, "eps")
        acts = self._forward_all(w, X)
        Ws = self.layer_weights(w)
        R = acts[-1] - T
        base = np.sum(R * R, axis=1) / (2 * len(X))
        cols = []
        for layer in range(1, self.n_layers + 1):
            m = self.sizes[layer]
            per = self._propagate_from(Ws, acts, layer, np.arange(m), np.full((m, len(X)), eps), T)
            cols.append(((per - base) / eps).T)
        return np.concatenate(cols, axis=1)

    def weight_perturbation_errors(self, w, X, T, eps=1e-4):
        """E(w + eps e_i) for every weight i, shape (W,), equal to
        ``errors(w + eps * I)`` but computed from the perturbed layer up:
        raising W_l[r, c] by eps moves unit r's pre-activation by eps a~_{l-1}[:, c]."""
        w = self._w(w)
        X, T = self._XT(X, T)
        eps = _positive(eps, "eps")
        acts = self._forward_all(w, X)
        Ws = self.layer_weights(w)
        out = []
        for layer in range(1, self.n_layers + 1):
            n, m = self.sizes[layer - 1], self.sizes[layer]
            a_tilde = np.concatenate([acts[layer - 1], np.ones((len(X), 1))], axis=1)  # (P, n+1)
            require_memory(8 * m * (n + 1) * len(X), f"the perturbation amounts of layer {layer} of {self.sizes}",
                           "use a smaller batch or net")
            units = np.repeat(np.arange(m), n + 1)  # C order: W_l[r, c] is item r*(n+1) + c
            amounts = eps * np.tile(a_tilde.T, (m, 1))
            out.append(self._propagate_from(Ws, acts, layer, units, amounts, T).sum(axis=1))
        return np.concatenate(out)


def _input_shape(net, P):
    """Shape of a batch of P inputs for any net of the channel interface."""
    shape = getattr(net, "input_shape", None)
    if callable(shape):
        return tuple(shape(P))
    if hasattr(net, "steps") and hasattr(net, "n_in"):  # a recurrent net: one input per time step
        return (P, net.steps, net.n_in)
    return (P, net.sizes[0])


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
# tasks
# --------------------------------------------------------------------------


def teacher_task(net, P, seed=None, teacher_seed=0):
    """A realisable task: N(0, 1) inputs, targets from a fixed random teacher.

    Parameters
    ----------
    net : FeedForward or recurrent net
        The architecture; the teacher has the same one, with weights
        ``net.init(teacher_seed)``.
    P : int
        Number of examples (>= 1).
    seed : None, int or Generator
        Seed of the inputs.
    teacher_seed : int
        Seed of the teacher's weights (fixed by default, so every batch comes
        from the same teacher).

    Returns
    -------
    X : ndarray, shape (P, n_in) (recurrent: (P, steps, n_in))
    T : ndarray, shape (P, n_out)

    Examples
    --------
    >>> X, T = teacher_task(FeedForward((3, 5, 2)), 10, seed=1)
    >>> X.shape, T.shape
    ((10, 3), (10, 2))
    """
    P = _int(P, "P (examples)")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(_input_shape(net, P))
    teacher = net.init(np.random.SeedSequence([int(teacher_seed), 0x7EAC]))
    return X, np.asarray(net.forward(teacher, X), dtype=np.float64)


def boolean_task(n, table):
    """Every point of {-1, +1}^n (kitty order: x_i = bit i of p) with targets +-1 from a truth table.

    Parameters
    ----------
    n : int
        Number of inputs, 1..16.
    table : str or int
        The function, as a kitty hex string or an int (bit p = f(point p)).

    Returns
    -------
    X : ndarray, shape (2^n, n), entries -1.0 / +1.0
    T : ndarray, shape (2^n, 1), +1.0 where f = 1 else -1.0

    Examples
    --------
    >>> X, T = boolean_task(2, "8")   # AND
    >>> T.ravel().tolist()
    [-1.0, -1.0, -1.0, 1.0]
    """
    from gates.boolean.truth import check_n, to_int

    n = check_n(n, lo=1)
    if not isinstance(table, (str, int, np.integer)) or isinstance(table, bool):
        raise InputError(f"table must be a hex string or an int, got {type(table).__name__}")
    value = to_int(table, n)
    p = np.arange(1 << n)
    X = np.where((p[:, None] >> np.arange(n)) & 1, 1.0, -1.0)
    T = np.where([(value >> int(i)) & 1 for i in p], 1.0, -1.0)[:, None]
    return X, T


# --------------------------------------------------------------------------
# one step of each algorithm, with its counts
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Step:
    """One step of a learning algorithm: its update vector and what it cost.

    Attributes
    ----------
    algorithm : str
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
    """

    algorithm: str
    direction: np.ndarray
    counts: dict
    ops: float
    n_weights: int

    @property
    def bits_per_weight(self):
        return self.counts["bits"] / self.n_weights

    @property
    def ops_per_weight(self):
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
    rows = max(1, _CHUNK_BYTES // (8 * W))
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
    (paper section 5: "a learning step dW = eta h"). Equal eta means the same
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
    >>> X, T = teacher_task(net, 8, seed=0)
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
    _algorithm(name)
    k = _int(k, "k (perturbations)")
    D = _int(D, "D (bits per real number)")
    eps = _positive(eps, "eps")
    W, N = net.n_weights, net.n_units
    w = _array(w, (W,), f"weights (W = {W})")
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

    Examples
    --------
    >>> cosine(np.array([1.0, 0.0]), np.array([-1.0, -1.0]))   # doctest: +ELLIPSIS
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
    backprop (h = -g) by eta |g|^2 (paper section 5, "the improvement").
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


def _decrease_fd(net, w, X, T, h, delta=1e-4):
    """-g . h from the error alone: a central difference of E along h, step length `delta`
    (E(w - t h) - E(w + t h)) / (2 t), t = delta / |h|; error O(delta^2)."""
    nh = float(np.linalg.norm(h))
    if nh == 0:
        return 0.0
    t = delta / nh
    Em, Ep = net.errors(np.stack([w - t * h, w + t * h]), X, T)
    return float((Em - Ep) / (2 * t))


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
    _algorithm(name)
    k = _int(k, "k (perturbations)")
    D = _int(D, "D (bits per real number)")
    net = _as_net(net)
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


# --------------------------------------------------------------------------
# theory: exact finite-W expectations of the cosine
# --------------------------------------------------------------------------


def _check_W(W):
    return _int(W, "W (weights)")


def random_direction_cos(W):
    """E|cos(u, g)| for u uniform on the sphere of R^W (so for u ~ N(0, I_W)):
    Gamma(W/2) / (sqrt(pi) Gamma((W+1)/2)) ~ sqrt(2 / (pi W)).

    The expected cosine of pwgr and pwgb, whose sign choice makes it positive.

    Examples
    --------
    >>> round(random_direction_cos(2), 6) == round(2 / math.pi, 6)
    True
    """
    W = _check_W(W)
    return math.exp(math.lgamma(W / 2) - math.lgamma((W + 1) / 2)) / math.sqrt(math.pi)


def projection_cos(W, k, orthonormal=False):
    """E cos of pwgrk: the cosine of sum_i (g . u_i) u_i with the gradient g.

    For k iid u_i ~ N(0, I_W), writing each u_i as its component along g plus
    an independent rest, cos^2 = chi2_k / (chi2_k + chi2_{W-1}), a Beta(k/2,
    (W-1)/2) variable, so E cos = Gamma((k+1)/2) Gamma((W+k-1)/2) /
    (Gamma(k/2) Gamma((W+k)/2)) ~ sqrt(k / W). With `orthonormal` (the u_i
    orthonormalised first, the direction a projection) cos^2 is Beta(k/2,
    (W-k)/2): Gamma((k+1)/2) Gamma(W/2) / (Gamma(k/2) Gamma((W+1)/2)), k <= W.
    Both equal :func:`random_direction_cos` at k = 1.

    Examples
    --------
    >>> abs(projection_cos(100, 1) - random_direction_cos(100)) < 1e-12
    True
    """
    W = _check_W(W)
    k = _int(k, "k (perturbations)")
    a = k / 2
    if orthonormal:
        if k > W:
            raise InputError(f"k={k} orthonormal directions do not fit in W={W} dimensions")
        if k == W:
            return 1.0
        s = W / 2  # alpha + beta
    else:
        s = (W + k - 1) / 2
    return math.exp(math.lgamma(a + 0.5) + math.lgamma(s) - math.lgamma(a) - math.lgamma(s + 0.5))


def _upper_tail(z):
    return 0.5 * np.array([math.erfc(v / math.sqrt(2)) for v in np.ravel(z)]).reshape(np.shape(z))


def expected_positive_max(k):
    """E[max(0, max_i z_i)] for k iid N(0, 1) z_i, by numerical integration of
    int_0^inf (1 - Phi(z)^k) dz (~ sqrt(2 ln k) for large k).

    Examples
    --------
    >>> round(expected_positive_max(1), 6) == round(1 / math.sqrt(2 * math.pi), 6)
    True
    """
    return _expected_positive_max(_int(k, "k (perturbations)"))


@functools.lru_cache(maxsize=256)  # measure() asks once per weight state (pwgbk's theory)
def _expected_positive_max(k):
    z = np.linspace(0.0, 16.0, 16001)
    # 1 - Phi^k = -expm1(k log(1 - Q)), accurate where Phi is close to 1
    f = -np.expm1(k * np.log1p(-_upper_tail(z)))
    return float(np.trapezoid(f, z))


def best_of_k_cos(W, k, exact=True):
    """E cos of pwgbk: the best of k Gaussian directions, kept only if it helps.

    The approximation of the paper: E[max(0, max_i z_i)] / sqrt(W) ~ sqrt(2 ln
    k / W) (`exact=False`). Exact for u_i ~ N(0, I_W) (W >= 3): the chosen
    u* has the largest z = -g.u / |g|, and |u*|^2 = z^2 + chi2_{W-1}
    independently, so E cos = int_0^inf z f_max(z) h(z) dz with f_max = k phi
    Phi^{k-1} and h(z) = E[(z^2 + chi2_{W-1})^{-1/2}] = sqrt(2/pi)
    int_0^{pi/2} cos^{W-3}(t) exp(-z^2 tan^2(t) / 2) dt (from 1/sqrt(a) =
    pi^{-1/2} int t^{-1/2} e^{-a t} dt and E e^{-t chi2_n} = (1 + 2t)^{-n/2}).
    Both integrals numerically, on grids.

    Examples
    --------
    >>> abs(best_of_k_cos(50, 1) - random_direction_cos(50) / 2) < 1e-6
    True
    """
    W = _check_W(W)
    k = _int(k, "k (perturbations)")
    if not exact or W < 3:
        return expected_positive_max(k) / math.sqrt(W)
    return _best_of_k_exact(W, k)


@functools.lru_cache(maxsize=1024)  # measure() asks once per row; a grid integral takes ~50 ms
def _best_of_k_exact(W, k):
    zmax = math.sqrt(2 * math.log(k)) + 10.0 if k > 1 else 10.0
    z = np.linspace(0.0, zmax, 2001)
    phi = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    f_max = k * phi * np.exp((k - 1) * np.log1p(-_upper_tail(z)))
    n = W - 3
    tmax = math.pi / 2 if n < 50 else min(math.pi / 2, 12.0 / math.sqrt(n))  # cos^n t <= exp(-n t^2 / 2)
    t = np.linspace(0.0, tmax, 2001)
    if tmax == math.pi / 2:
        t = t[:-1]  # the integrand vanishes at pi/2 (for z > 0); tan would overflow
    tan2 = np.tan(t) ** 2
    h = math.sqrt(2 / math.pi) * np.trapezoid(np.cos(t)[None, :] ** n * np.exp(-0.5 * np.outer(z * z, tan2)), t, axis=1)
    return float(np.trapezoid(z * f_max * h, z))


def theory_cos(name, W, k=8):
    """The expected cosine of algorithm `name` with the gradient, at W weights.

    1 for bp, pwlr and palr (exact derivatives, up to the finite difference);
    :func:`random_direction_cos` for pwgr and pwgb; :func:`projection_cos`
    for pwgrk; :func:`best_of_k_cos` for pwgbk; None for pwlb and palb (sign
    vectors: their cosine depends on the data).

    Examples
    --------
    >>> theory_cos("bp", 100), theory_cos("pwlb", 100) is None
    (1.0, True)
    """
    _algorithm(name)
    W = _check_W(W)
    if name in EXACT:
        return 1.0
    if name in ("pwgr", "pwgb"):
        return random_direction_cos(W)
    if name == "pwgrk":
        return projection_cos(W, k)
    if name == "pwgbk":
        return best_of_k_cos(W, k)
    return None


def theory_improvement(name, W, k=8, grad_norm=1.0):
    """The expected first-order decrease of algorithm `name` relative to backprop's, at equal eta.

    E[(-g . h) / |g|^2] over the algorithm's randomness, at a gradient of
    norm `grad_norm`, for the update vectors h of :func:`step` (random
    directions u = z / sqrt(W), z ~ N(0, I_W); first order in eps):

    - bp, pwlr, palr: 1 (h = -g; the others up to the finite difference);
    - pwgr: E (g . u)^2 / |g|^2 = 1 / W; pwgrk: k / W;
    - pwgb: E |g . u| / |g|^2 = sqrt(2 / pi) / (sqrt(W) |g|);
    - pwgbk: E max(0, max_i z_i) / (sqrt(W) |g|) (:func:`expected_positive_max`);
    - pwlb, palb: None (sign vectors: it depends on the data).

    The binary algorithms' h has unit length, not gradient units, so their
    ratio carries 1 / |g| (for pwlb and palb it is cos / |g|).

    Examples
    --------
    >>> theory_improvement("pwgr", 100), theory_improvement("pwgrk", 100, k=8)
    (0.01, 0.08)
    """
    _algorithm(name)
    W = _check_W(W)
    k = _int(k, "k (perturbations)")
    grad_norm = _positive(grad_norm, "grad_norm")
    if name in EXACT:
        return 1.0
    if name == "pwgr":
        return 1.0 / W
    if name == "pwgrk":
        return k / W
    if name == "pwgb":
        return math.sqrt(2 / math.pi) / (math.sqrt(W) * grad_norm)
    if name == "pwgbk":
        return expected_positive_max(k) / (math.sqrt(W) * grad_norm)
    return None


def predicted_exponent(name, quantity="cos"):
    """The paper's exponent of W.

    cos: W^-1/2 for the global perturbations, W^0 for the exact ones.
    improvement (first-order decrease relative to backprop's at equal eta;
    from the paper's g . u ~ N(0, |g|^2 / W) for a unit random u): W^0 for
    the exact ones, W^-1 for pwgr and pwgrk ((g . u)^2), W^-1/2 for pwgb and
    pwgbk (|g . u|, at a gradient norm that does not change with W). rate: W^-1 for
    every weight perturbation, W^0 for bp. None where the paper predicts none
    (sign vectors; activity perturbation's rate depends on the units per
    weight)."""
    _algorithm(name)
    if quantity == "cos":
        return -0.5 if name in GLOBAL else 0.0 if name in EXACT else None
    if quantity == "improvement":
        return {"pwgr": -1.0, "pwgrk": -1.0, "pwgb": -0.5, "pwgbk": -0.5}.get(name, 0.0 if name in EXACT else None)
    if quantity == "rate":
        return 0.0 if name == "bp" else None if name in ("palr", "palb") else -1.0
    raise InputError(f"quantity {quantity!r} is unknown: allowed {', '.join(QUANTITIES)}")


# --------------------------------------------------------------------------
# measurement across sizes
# --------------------------------------------------------------------------


def _as_net(spec, activation="tanh"):
    """A net from a FeedForward / recurrent net, a sizes tuple, or a hidden width h ((8, h, h, 1))."""
    if hasattr(spec, "n_weights") and hasattr(spec, "errors"):
        return spec
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        return FeedForward((8, _int(spec, "hidden width"), int(spec), 1), activation)
    if isinstance(spec, (tuple, list)):
        return FeedForward(tuple(spec), activation)
    raise InputError(f"a size must be a hidden width h (for (8, h, h, 1)), a sizes tuple or a net, got {spec!r}")


def _describe(net):
    sizes = getattr(net, "sizes", None)
    if sizes is not None:
        return "-".join(map(str, sizes))
    return (f"rnn {net.n_in}-{net.n_hidden}-{net.n_out} x{net.steps}" if hasattr(net, "steps")
            else type(net).__name__)


def _algorithms(algorithms):
    if isinstance(algorithms, str):
        algorithms = (algorithms,)
    algorithms = tuple(algorithms)
    if not algorithms:
        raise InputError(f"no algorithms given: allowed {', '.join(ALGORITHMS)}")
    for a in algorithms:
        _algorithm(a)
    return algorithms


def measure(nets, algorithms=ALGORITHMS, k=8, samples=64, seed=0, batch=32, eps=1e-4, D=32,
            activation="tanh", progress=None, *, _bp_noise=0.0, _bits_scale=None, _palr_per_batch=False,
            _unscaled_perturbation=False):
    """Bits, operations and rate (identities), and the improvement and cosine (measured), per net and algorithm.

    For each net, `samples` weight states (fresh ``init`` seeds) each with a
    fresh batch of `batch` examples from the net's fixed teacher; every
    algorithm takes one step from each. Measured per state: the first-order
    decrease of the error at equal eta relative to backprop's, (-g . h) /
    |g|^2 (:func:`first_order_decrease`), and the cosine of h with -g; both
    are averaged. On the first 8 states the decrease is also measured from
    the error alone (a central difference along h), a check of the
    first-order term. Every
    algorithm draws its perturbations from its own stream (seed, net, sample,
    algorithm), so a row does not depend on the others.

    Parameters
    ----------
    nets : sequence
        Hidden widths h (the (8, h, h, 1) nets), sizes tuples, or nets.
    algorithms : sequence of str
    k, eps, D : as in :func:`step`
    samples : int
        Weight states per net (>= 2, for a standard error).
    seed : int
    batch : int
        Examples per batch.
    activation : str
        For nets given by size.
    progress : callable, optional
        Called with 1 after each (net, sample).

    Returns
    -------
    list of dict
        One row per (net, algorithm): net, W, N, algorithm, samples;
        bits_per_weight, ops_per_weight, rate (rate_kind "identity": the
        counting formulas, see :func:`rate_identity`); improvement_ratio (mean
        of (-g . h) / |g|^2), improvement_se, improvement_min / _max,
        improvement_theory (mean over the states of :func:`theory_improvement`
        at their |g|; None for the sign vectors), improvement_dev_se ((mean -
        theory) / se), improvement_fd_dev (largest |finite-difference decrease
        - (-g . h)| / (|g| |h|) over the first 8 states); cos_mean, cos_se, cos_min,
        cos_max, cos_theory, cos_dev_se (global perturbations); grad_sq_mean
        (mean |g|^2, backprop's decrease per unit eta); cos_kind and
        improvement_kind "measured".

    Examples
    --------
    >>> rows = measure([4], ("bp", "pwgr"), samples=4)
    >>> [(r["algorithm"], r["W"], r["rate_kind"], r["improvement_kind"]) for r in rows]
    [('bp', 61, 'identity', 'measured'), ('pwgr', 61, 'identity', 'measured')]
    """
    algorithms = _algorithms(algorithms)
    k = _int(k, "k (perturbations)")
    samples = _int(samples, "samples", 2)
    batch = _int(batch, "batch (examples)")
    seed = _int(seed, "seed", 0)
    nets = [_as_net(n, activation) for n in nets]
    bits_scale = dict(_bits_scale or {})
    rows = []
    for i, net in enumerate(nets):
        cos = {a: np.empty(samples) for a in algorithms}
        imp = {a: np.empty(samples) for a in algorithms}
        fd_dev = {a: 0.0 for a in algorithms}
        th_imp = {a: np.empty(samples) for a in algorithms}
        gsq = np.empty(samples)
        last = {}
        for s in range(samples):
            init_ss, data_ss, *alg_ss = np.random.SeedSequence([seed, i, s]).spawn(2 + len(ALGORITHMS))
            w = net.init(init_ss)
            X, T = teacher_task(net, batch, data_ss, teacher_seed=seed * 1000 + i)
            _, g = net.gradient(w, X, T)
            gsq[s] = g @ g
            gn = math.sqrt(gsq[s])
            for a in algorithms:
                st = step(a, net, w, X, T, rng=alg_ss[ALGORITHMS.index(a)], eps=eps, k=k, D=D,
                          _bp_noise=_bp_noise if a == "bp" else 0.0, _bits_scale=bits_scale.get(a, 1.0),
                          _palr_per_batch=_palr_per_batch, _unscaled_perturbation=_unscaled_perturbation)
                cos[a][s] = cosine(st, g)
                dec = first_order_decrease(st, g)
                imp[a][s] = dec / gsq[s] if gsq[s] > 0 else 0.0
                bound = gn * float(np.linalg.norm(st.direction))
                if bound > 0 and s < _FD_STATES:  # the error's own decrease along h agrees with -g . h
                    fd_dev[a] = max(fd_dev[a], abs(_decrease_fd(net, w, X, T, st.direction) - dec) / bound)
                th = theory_improvement(a, net.n_weights, k, gn) if gn > 0 else None
                th_imp[a][s] = np.nan if th is None else th
                last[a] = st
            if progress is not None:
                progress(1)
        for a in algorithms:
            st, c, m = last[a], cos[a], imp[a]
            mean, se = float(c.mean()), float(c.std(ddof=1) / math.sqrt(samples))
            imean, ise = float(m.mean()), float(m.std(ddof=1) / math.sqrt(samples))
            th = theory_cos(a, net.n_weights, k)
            ith = None if np.isnan(th_imp[a]).any() else float(th_imp[a].mean())
            rows.append({"net": _describe(net), "W": net.n_weights, "N": net.n_units, "algorithm": a,
                         "samples": samples, "bits_per_weight": st.bits_per_weight,
                         "ops_per_weight": st.ops_per_weight, "rate": st.rate, "rate_kind": KIND["rate"],
                         "improvement_ratio": imean, "improvement_se": ise, "improvement_min": float(m.min()),
                         "improvement_max": float(m.max()), "improvement_theory": ith,
                         # exact-derivative rows: theory 1 up to the O(eps) finite difference, which se misses
                         "improvement_dev_se": (None if ith is None or ise == 0 or a in EXACT
                                                else (imean - ith) / ise),
                         "improvement_fd_dev": fd_dev[a], "improvement_kind": KIND["improvement"],
                         "cos_mean": mean, "cos_se": se, "cos_min": float(c.min()), "cos_max": float(c.max()),
                         "cos_theory": th,
                         "cos_dev_se": None if th is None or se == 0 or a in EXACT else (mean - th) / se,
                         "cos_kind": KIND["cos"], "grad_sq_mean": float(gsq.mean())})
    return rows


def _fit(x, y, sd=None):
    """Least squares y = slope x + intercept: (slope, slope_se, intercept, r2, weighted, inflated).

    With `sd` (the standard error of each y, all > 0): weighted, weights
    1 / sd^2, slope_se from the weights and inflated by sqrt(chi2 / dof) when
    the points scatter more than their errors say. Otherwise ordinary, the
    slope_se from the residuals."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    weighted = sd is not None and all(np.isfinite(sd)) and all(np.asarray(sd, float) > 0)
    wt = 1.0 / np.asarray(sd, float) ** 2 if weighted else np.ones(n)
    xm, ym = float(wt @ x / wt.sum()), float(wt @ y / wt.sum())
    sxx = float(wt @ (x - xm) ** 2)
    slope = float(wt @ ((x - xm) * (y - ym)) / sxx) if sxx > 0 else 0.0
    intercept = ym - slope * xm
    res = y - (slope * x + intercept)
    ss_res, ss_tot = float(wt @ res ** 2), float(wt @ (y - ym) ** 2)
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else 0.0)
    inflated = False
    if n <= 2 or sxx == 0:
        se = float("nan")
    elif weighted:
        inflated = ss_res / (n - 2) > 1.0  # chi2 / dof
        se = math.sqrt(1.0 / sxx) * max(1.0, math.sqrt(ss_res / (n - 2)))
    else:
        se = math.sqrt(ss_res / (n - 2) / sxx)
    return slope, se, float(intercept), r2, weighted, inflated


def fit_exponents(rows, quantity="cos"):
    """Per algorithm, the exponent of W: log y = slope log W + intercept, over the rows' sizes.

    Each fit is labelled by its ``kind``:

    - ``"identity"`` for the rate: bits and operations are counting formulas
      of the sizes (:func:`rate_identity`), so the slope (-1 for the weight
      perturbations, 0 for backprop) and r^2 = 1 follow from the formulas;
      it is not a measurement and gets no interval;
    - ``"measured"`` for the mean cosine and the mean improvement ratio (the
      first-order decrease relative to backprop's at equal eta): averages
      over random weight states and perturbations. Method: weighted least
      squares of log(mean) on log W, weights 1 / s.e.(log mean)^2 (s.e. of
      the mean / mean, the delta method); slope s.e. from the weights,
      inflated by sqrt(chi2 / dof) when the points scatter more than their
      errors; 95% interval slope +- 1.96 s.e. (t with n - 2 dof when
      inflated). Ordinary least squares when a row has no positive s.e.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`measure`.
    quantity : {"cos", "improvement", "rate"}

    Returns
    -------
    list of dict
        algorithm, quantity, kind, method, sizes, W_min, W_max, slope,
        slope_se, ci95 ([lo, hi], None for an identity), intercept, r2,
        predicted (the paper's exponent, or None) and theory_slope (the same
        fit of the exact finite-W theory, where there is one). Rows with a
        non-positive value are left out; an algorithm with fewer than two
        sizes left gets no fit.

    Examples
    --------
    >>> rows = [{"algorithm": "pwgr", "W": W, "cos_mean": 2 * W ** -0.5, "rate": 1 / W} for W in (10, 100, 1000)]
    >>> f = fit_exponents(rows)[0]
    >>> round(f["slope"], 6), f["kind"]
    (-0.5, 'measured')
    >>> fit_exponents(rows, "rate")[0]["kind"]
    'identity'
    """
    if quantity not in QUANTITIES:
        raise InputError(f"quantity {quantity!r} is unknown: allowed {', '.join(QUANTITIES)}")
    key, se_key, th_key = {"cos": ("cos_mean", "cos_se", "cos_theory"),
                           "improvement": ("improvement_ratio", "improvement_se", "improvement_theory"),
                           "rate": ("rate", None, None)}[quantity]
    kind = KIND[quantity]
    out = []
    for a in dict.fromkeys(r["algorithm"] for r in rows):
        rs = [r for r in rows if r["algorithm"] == a and r.get(key) is not None and r[key] > 0]
        Ws = sorted({r["W"] for r in rs})
        if len(Ws) < 2:
            continue
        x = [math.log(r["W"]) for r in rs]
        y = [math.log(r[key]) for r in rs]
        sd = None
        if kind == "measured" and all(r.get(se_key) is not None for r in rs):
            sd = [r[se_key] / r[key] for r in rs]  # s.e. of log(mean), delta method
        slope, se, intercept, r2, weighted, inflated = _fit(x, y, sd)
        theory = None
        if th_key is not None:
            th = [r.get(th_key) for r in rs]
            if all(t is not None and t > 0 for t in th):
                theory = _fit(x, [math.log(t) for t in th])[0]
        if kind == "identity":
            method = "least squares of log(rate) on log W over exact counts (no noise: fixed by the formulas)"
            ci = None
        else:
            if weighted:
                method = ("weighted least squares of log(mean) on log W, weights 1/s.e.(log mean)^2 (delta method)"
                          + ("; s.e. inflated by sqrt(chi2/dof), 95% interval with t(n-2)" if inflated
                             else "; 95% interval +-1.96 s.e."))
            else:
                method = "ordinary least squares of log(mean) on log W, s.e. from the residuals, 95% interval t(n-2)"
            q = 1.959964 if weighted and not inflated else _t975(len(x) - 2)
            ci = None if not math.isfinite(se) else [slope - q * se, slope + q * se]
        out.append({"algorithm": a, "quantity": quantity, "kind": kind, "method": method, "sizes": len(Ws),
                    "W_min": Ws[0], "W_max": Ws[-1], "slope": slope, "slope_se": se, "ci95": ci,
                    "intercept": intercept, "r2": r2, "predicted": predicted_exponent(a, quantity),
                    "theory_slope": theory})
    return out


def _t975(dof):
    """The 97.5% quantile of Student's t with `dof` degrees of freedom (scipy)."""
    from scipy.special import stdtrit

    return float(stdtrit(dof, 0.975)) if dof >= 1 else float("nan")


# --------------------------------------------------------------------------
# training under one operation budget
# --------------------------------------------------------------------------


def train(net, X, T, algorithms=ALGORITHMS, budget_ops=None, step_length=0.1, seed=0, k=8, eps=1e-4, D=32):
    """Train every algorithm from the same weights with fixed-length steps until its operations reach the budget.

    Each step moves w by s_t direction / |direction| with s_t = step_length /
    sqrt(1 + t / 100) (the same schedule for all); a zero direction leaves w
    where it is but still costs its operations. A step is taken only if it
    fits in what is left of the budget.

    Parameters
    ----------
    net, X, T : the net and its (full) training batch
    algorithms : sequence of str
    budget_ops : float
        Multiply-adds per example each algorithm may spend (default 3000 W,
        1000 backprop steps).
    step_length : float
    seed : int
        Seeds the common initial weights and each algorithm's perturbations.
    k, eps, D : as in :func:`step`

    Returns
    -------
    dict
        algorithm -> {"ops": array, "error": array, "steps": int}; the first
        point is (0, E(w0)).

    Examples
    --------
    >>> net = FeedForward((3, 4, 1))
    >>> X, T = teacher_task(net, 16, seed=0)
    >>> runs = train(net, X, T, ("bp", "pwgr"), budget_ops=300 * net.n_weights)
    >>> bool(runs["bp"]["error"][-1] < runs["bp"]["error"][0])
    True
    """
    algorithms = _algorithms(algorithms)
    W = net.n_weights
    budget = 3000.0 * W if budget_ops is None else _positive(budget_ops, "budget_ops")
    step_length = _positive(step_length, "step_length")
    seed = _int(seed, "seed", 0)
    init_ss, *alg_ss = np.random.SeedSequence([seed, 0x7A1]).spawn(1 + len(ALGORITHMS))
    w0 = net.init(init_ss)
    E0 = net.error(w0, X, T)
    runs = {}
    for a in algorithms:
        rng = np.random.default_rng(alg_ss[ALGORITHMS.index(a)])
        w, ops, t = w0.copy(), 0.0, 0
        ops_l, err_l = [0.0], [E0]
        while True:
            st = step(a, net, w, X, T, rng=rng, eps=eps, k=k, D=D)
            if ops + st.ops > budget:
                break
            ops += st.ops
            norm = np.linalg.norm(st.direction)
            if norm > 0:
                w = w + (step_length / math.sqrt(1 + t / 100)) * st.direction / norm
            t += 1
            ops_l.append(ops)
            err_l.append(net.error(w, X, T))
        runs[a] = {"ops": np.array(ops_l), "error": np.array(err_l), "steps": t}
    return runs


def _thin(n, most=500):
    """At most `most` indices of 0..n-1, log-spaced (for log-log curves), first and last kept."""
    if n <= most:
        return np.arange(n)
    idx = np.unique(np.round(np.geomspace(1, n, most - 1)).astype(int) - 1)
    return np.unique(np.concatenate([[0], idx, [n - 1]]))


def _domination(runs, W):
    """Where some algorithm's error is below backprop's at the same operations
    (backprop's error after its last step that fits in those operations)."""
    if "bp" not in runs:
        return []
    bo, be = runs["bp"]["ops"], runs["bp"]["error"]
    out = []
    for a, r in runs.items():
        if a == "bp" or len(r["ops"]) < 2:
            continue
        ops, err = r["ops"][1:], r["error"][1:]
        bp_at = be[np.searchsorted(bo, ops, side="right") - 1]
        below = err < bp_at * (1 - 1e-9)
        if below.any():
            where = ops[below] / W
            out.append({"algorithm": a, "points": int(below.sum()), "of": int(len(ops)),
                        "ops_per_weight_from": float(where.min()), "ops_per_weight_to": float(where.max()),
                        "best_ratio": float(np.min(err[below] / bp_at[below]))})
    return out


# --------------------------------------------------------------------------
# the study
# --------------------------------------------------------------------------


def _training_run(net, algorithms, budget, step_length, seed, k, eps, D, examples):
    X, T = teacher_task(net, examples, np.random.SeedSequence([seed, 0x7EA]), teacher_seed=seed * 1000 + 999)
    W = net.n_weights
    runs = train(net, X, T, algorithms, budget * W, step_length, seed, k, eps, D)
    below = _domination(runs, W)
    if "bp" in runs:  # against backprop's best error so far: is it only bp's overshooting?
        bo, best = runs["bp"]["ops"], np.minimum.accumulate(runs["bp"]["error"])
        for b in below:
            r = runs[b["algorithm"]]
            at = best[np.searchsorted(bo, r["ops"][1:], side="right") - 1]
            b["points_below_bp_best"] = int((r["error"][1:] < at * (1 - 1e-9)).sum())
    curves = {}
    for a, r in runs.items():
        idx = _thin(len(r["ops"]))
        curves[a] = [[float(r["ops"][i] / W), float(r["error"][i])] for i in idx]
    return {"net": _describe(net), "W": W, "step_length": step_length, "examples": examples,
            "steps": {a: r["steps"] for a, r in runs.items()},
            "final": {a: float(r["error"][-1]) for a, r in runs.items()},
            "best": {a: float(r["error"].min()) for a, r in runs.items()},
            "below_bp": below, "curves": curves}


def _recurrent_part(algorithms, k, samples, seed, batch, eps, D, progress):
    try:
        from gates.learning.nets.recurrent import Recurrent
    except ImportError as exc:
        return {"available": False, "note": f"gates.learning.nets.recurrent is not available ({exc}); no recurrent rows"}
    net = Recurrent(n_in=3, n_hidden=8, n_out=1, steps=6)
    X, T = teacher_task(net, batch, np.random.SeedSequence([seed, 0xB77]), teacher_seed=seed * 1000 + 998)
    w = net.init(np.random.SeedSequence([seed, 0xB78]))
    _, g = net.gradient(w, X, T)
    h = 1e-6
    I = np.eye(net.n_weights)
    fd = (net.errors(w + h * I, X, T) - net.errors(w - h * I, X, T)) / (2 * h)  # central differences
    rel = float(np.max(np.abs(g - fd)) / max(np.max(np.abs(fd)), 1e-300))
    rows = measure([net], algorithms, k, samples, seed, batch, eps, D, progress=progress)
    return {"available": True, "net": _describe(net), "W": net.n_weights, "N": net.n_units,
            "bptt_max_rel_error": rel, "fd_step": h, "fd": "central", "rows": rows}


def channel_study(sizes=DEFAULT_HIDDEN, algorithms=ALGORITHMS, k=8, budget=3000.0, samples=400, seed=0,
                  recurrent=True, progress=None, batch=32, activation="tanh", train_sizes=(8, 32),
                  step_lengths=(0.03, 0.1, 0.3), train_examples=64, eps=1e-4, D=32):
    """The learning-channel study: rates and cosines across W, fitted exponents, training, recurrent nets.

    Parameters
    ----------
    sizes : sequence
        Hidden widths h of the (8, h, h, 1) nets (or sizes tuples); default
        4, 8, 16, 32, 64, i.e. W = 61 .. 4,801 (a factor of 79).
    algorithms : sequence of str
        Default: all of :data:`ALGORITHMS`.
    k : int
        Perturbations of pwgrk / pwgbk.
    budget : float
        Training budget in operations per weight per example (3 per backprop
        step), the same for every algorithm.
    samples : int
        Weight states per size for the cosines (see :func:`measure`).
    seed : int
        Root seed; everything is reproducible from it.
    recurrent : bool
        Also check BPTT against finite differences and measure the rows of
        one recurrent net unfolded in time (needs :mod:`gates.learning.nets.recurrent`).
    progress : callable, optional
        Called with 1 after each measured sample and training run.
    batch : int
        Examples per measurement batch.
    activation : str
    train_sizes : sequence
        The nets trained (hidden widths or sizes tuples).
    step_lengths : sequence of float
        Step lengths of the training runs (each run uses s_t = s / sqrt(1 + t/100)).
    train_examples : int
        Size of the training set.
    eps, D : as in :func:`step`

    Returns
    -------
    dict
        rows (per size x algorithm, see :func:`measure`), fits (exponent of
        mean cos in W, measured), improvement_fits (exponent of the mean
        first-order decrease relative to backprop's, measured), rate_fits
        (identities), each fit labelled by its ``kind``; training (runs: curves, final and best
        errors, the points where an algorithm is below backprop at equal
        operations; bp_dominates; tuned: each algorithm at its best step
        length per net; winner_tuned), recurrent (BPTT against central
        finite differences, and the rows of one unfolded recurrent net),
        protocol, seconds.

    Examples
    --------
    >>> res = channel_study(sizes=(4, 8), algorithms=("bp", "pwgr"), samples=4, budget=30,
    ...                     recurrent=False, train_sizes=(4,), step_lengths=(0.1,))
    >>> sorted(res)
    ['fits', 'improvement_fits', 'protocol', 'rate_fits', 'recurrent', 'rows', 'seconds', 'training']
    """
    t0 = time.perf_counter()
    algorithms = _algorithms(algorithms)
    if isinstance(sizes, (int, np.integer)) or not len(sizes):
        raise InputError(f"sizes must be a non-empty sequence of hidden widths, got {sizes!r}")
    nets = [_as_net(s, activation) for s in sizes]
    train_nets = [_as_net(s, activation) for s in train_sizes]
    budget = _positive(budget, "budget (operations per weight)")
    step_lengths = tuple(_positive(s, "step length") for s in step_lengths)
    train_examples = _int(train_examples, "train_examples")
    seed = _int(seed, "seed", 0)
    rows = measure(nets, algorithms, k, samples, seed, batch, eps, D, activation, progress)
    runs = []
    for net in train_nets:
        for s in step_lengths:
            runs.append(_training_run(net, algorithms, budget, s, seed, k, eps, D, train_examples))
            if progress is not None:
                progress(1)
    rec = (_recurrent_part(algorithms, k, samples, seed, batch, eps, D, progress) if recurrent
           else {"available": False, "note": "not asked for (recurrent=False)"})
    protocol = {"nets": [_describe(n) for n in nets], "activation": activation, "algorithms": list(algorithms),
                "k": k, "samples": samples, "batch": batch, "eps": eps, "D": D,
                "finite_difference": "forward (pwlr, pwlb, palr, palb, global perturbations)",
                "task": "teacher: inputs N(0,1), targets from a fixed random net of the same architecture",
                "init": "N(0, 1/fan_in), fan_in with the bias", "budget_ops_per_weight": budget,
                "train_nets": [_describe(n) for n in train_nets], "step_lengths": list(step_lengths),
                "schedule": "s_t = step_length / sqrt(1 + t/100), w += s_t d/|d|", "train_examples": train_examples,
                "ops": "multiply-adds per example: W forward + 2W backward + W per global perturbation",
                "bits": "fed back to the weights per example: D per real, 1 per binary, log2 k per choice; "
                        "palr D per unit and per weight (W D), palb 1 per weight (W)",
                "unit": "bits and operations both per training example (one on-line step): the rate does not "
                        "depend on the batch size",
                "improvement": "first-order decrease of the error at equal eta relative to backprop's: "
                               "(-g . h) / |g|^2 per weight state, averaged; dW = eta h",
                "eta": "the same multiplier eta on every algorithm's update vector h: -g (bp), the finite-"
                       "difference derivatives (pwlr, palr), -d u (pwgr), -sum d_i u_i (pwgrk); binary feedback "
                       "gives unit length: -sign(d) / sqrt(W) (pwlb), the local rule on sign(delta) normalised "
                       "(palb), -sign(d) u (pwgb), the best u_i or 0 (pwgbk); u = z / sqrt(W), z ~ N(0, I_W)",
                "kinds": dict(KIND)}
    tuned = {}  # each algorithm at its best step length, per net: the fairest equal-budget comparison
    for r in runs:
        per = tuned.setdefault(r["net"], {})
        for a, e in r["final"].items():
            if a not in per or e < per[a]["final_error"]:
                per[a] = {"final_error": e, "step_length": r["step_length"], "steps": r["steps"][a]}
    training = {"budget_ops_per_weight": budget, "runs": runs,
                "bp_dominates": all(not r["below_bp"] for r in runs),
                "bp_dominates_its_best_so_far": all(b["points_below_bp_best"] == 0 for r in runs for b in r["below_bp"]),
                "tuned": tuned,
                "winner_tuned": {n: min(per, key=lambda a: per[a]["final_error"]) for n, per in tuned.items()}}
    return {"rows": rows, "fits": fit_exponents(rows, "cos"), "improvement_fits": fit_exponents(rows, "improvement"),
            "rate_fits": fit_exponents(rows, "rate"), "training": training,
            "recurrent": rec, "protocol": protocol, "seconds": round(time.perf_counter() - t0, 2)}


def _r(x, digits=6):
    if x is None:
        return ""
    if isinstance(x, float):
        return float(f"{x:.{digits}g}")
    return x


RATE_HEADER = ["net", "W", "N", "algorithm", "bits_per_weight", "ops_per_weight", "rate", "rate_kind",
               "improvement_ratio", "improvement_se", "improvement_theory", "improvement_dev_se", "improvement_kind",
               "cos_mean", "cos_se", "cos_theory", "cos_dev_se", "cos_kind", "samples"]
FIT_HEADER = ["algorithm", "quantity", "kind", "sizes", "W_min", "W_max", "slope", "slope_se", "ci95_lo", "ci95_hi",
              "intercept", "r2", "predicted", "theory_slope", "method"]


def _fit_row(f):
    ci = f.get("ci95") or [None, None]
    return [_r(f[h]) if h in f else _r(ci[h == "ci95_hi"]) for h in FIT_HEADER]


def write_channel(res, out_dir, command=None):
    """Write the study's files into `out_dir`, atomically.

    ``channel_rates.{csv,md,manifest.json}`` (the rate and improvement table,
    recurrent rows included; rate_kind "identity", improvement_kind and
    cos_kind "measured"), ``channel_fits.csv`` (every fitted exponent with
    its kind, identity or measured, method and 95% interval),
    ``channel_training.csv``, and when matplotlib is installed
    ``channel_cosine.png`` (mean cos and mean improvement ratio against W,
    log-log, with the theory) and
    ``channel_training.png`` (error against operations per weight, log-log).

    Returns
    -------
    (files, note)
        The file names written, and why a plot is missing (or None).
    """
    from gates.io.storage import atomic_path, write_csv, write_table

    rows = list(res["rows"])
    rec = res.get("recurrent") or {}
    rows += rec.get("rows", [])
    table = [[_r(r.get(h)) for h in RATE_HEADER] for r in rows]
    fits = res["fits"] + res.get("improvement_fits", []) + res.get("rate_fits", [])
    write_csv(os.path.join(out_dir, "channel_fits.csv"), FIT_HEADER, [_fit_row(f) for f in fits])
    tr_rows = []
    for run in res["training"]["runs"]:
        for a, curve in run["curves"].items():
            tr_rows += [[run["net"], run["W"], run["step_length"], a, _r(o), _r(o * run["W"]), _r(e)] for o, e in curve]
    write_csv(os.path.join(out_dir, "channel_training.csv"),
              ["net", "W", "step_length", "algorithm", "ops_per_weight", "ops", "error"], tr_rows)
    files = ["channel_fits.csv", "channel_training.csv"]
    proto = res["protocol"]
    intro = (f"Per network and algorithm: bits fed back per weight (D = {proto['D']}) and multiply-adds per weight, "
             "both per training example, and the rate R = bits / ops: exact counts, so the rate and its exponent "
             "in W are identities (rate_kind), not measurements. Measured over "
             f"{proto['samples']} weight states (improvement_kind, cos_kind): the improvement ratio, the "
             "first-order decrease of the error at equal eta relative to backprop's, (-g . h) / |g|^2, with its "
             "standard error, the exact theory and (mean - theory) / s.e.; and the mean cosine of the update with "
             "-g (the improvement of a fixed-length step), likewise. Fitted exponents, each labelled identity or "
             "measured with its method and 95% interval, in channel_fits.csv; training curves in "
             "channel_training.csv.")
    results = {"fits": res["fits"], "improvement_fits": res.get("improvement_fits", []),
               "rate_fits": res.get("rate_fits", []),
               "training": {**{k: v for k, v in res["training"].items() if k != "runs"},
                            "runs": [{k: v for k, v in r.items() if k != "curves"} for r in res["training"]["runs"]]},
               "recurrent": {k: v for k, v in rec.items() if k != "rows"}, "seconds": res["seconds"]}
    files = write_table(out_dir, "channel_rates", RATE_HEADER, table, "The learning channel: rate and improvement",
                        intro, "channel", proto, command=command, seed=None, results=results, extra_files=files)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return files, "matplotlib is not installed (pip install '.[plot]'): no plots"
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5))
    k = proto["k"]
    markers = "osD^vPX*h"  # distinct shapes: bp, pwlr and palr sit on top of each other at 1
    for j, a in enumerate(dict.fromkeys(r["algorithm"] for r in res["rows"])):
        style = dict(fmt=markers[j % 9], ms=8 - 0.5 * (j % 9), mfc="none", capsize=2, label=a)
        rs = [r for r in res["rows"] if r["algorithm"] == a and r["cos_mean"] > 0]
        if rs:
            Ws = np.array([r["W"] for r in rs], float)
            line = ax.errorbar(Ws, [r["cos_mean"] for r in rs], yerr=[r["cos_se"] for r in rs], **style)
            th = [r["cos_theory"] for r in rs]
            if all(t is not None for t in th) and a not in EXACT:
                grid = np.geomspace(Ws.min(), Ws.max(), 40)
                ax.plot(grid, [theory_cos(a, int(round(W)), k) for W in grid], "--", lw=1,
                        color=line[0].get_color())
        rs = [r for r in res["rows"] if r["algorithm"] == a and r.get("improvement_ratio", 0) > 0]
        if rs:
            line = ax2.errorbar([r["W"] for r in rs], [r["improvement_ratio"] for r in rs],
                                yerr=[r["improvement_se"] for r in rs], **style)
            th = [r.get("improvement_theory") for r in rs]
            if all(t is not None for t in th) and a not in EXACT:  # the theory at the measured states' |g|
                ax2.plot([r["W"] for r in rs], th, "--", lw=1, color=line[0].get_color())
    for a_ in (ax, ax2):
        a_.set_xscale("log")
        a_.set_yscale("log")
        a_.set_xlabel("W (weights)")
    ax.set_ylabel("mean cos(update, -gradient)")
    ax.set_title("Cosine: a fixed-length step (dashed: exact theory)", fontsize=10)
    ax2.set_ylabel("mean (-g . h) / |g|^2")
    ax2.set_title("First-order decrease at equal eta, relative to backprop's (dashed: theory)", fontsize=10)
    ax.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    with atomic_path(os.path.join(out_dir, "channel_cosine.png")) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)
    runs = res["training"]["runs"]
    nets = list(dict.fromkeys(r["net"] for r in runs))
    lens = list(dict.fromkeys(r["step_length"] for r in runs))
    fig, axes = plt.subplots(len(nets), len(lens), figsize=(4 * len(lens), 3.4 * len(nets)), squeeze=False)
    for run in runs:
        ax = axes[nets.index(run["net"])][lens.index(run["step_length"])]
        for a, curve in run["curves"].items():
            c = np.array(curve[1:])
            if len(c):
                ax.plot(c[:, 0], c[:, 1], lw=1.6 if a == "bp" else 0.9, color="k" if a == "bp" else None, label=a)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{run['net']} (W={run['W']}), step {run['step_length']}", fontsize=9)
        ax.set_xlabel("operations per weight")
        ax.set_ylabel("training error E")
    axes[0][0].legend(fontsize=6, ncol=2)
    fig.tight_layout()
    with atomic_path(os.path.join(out_dir, "channel_training.png")) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return files + ["channel_cosine.png", "channel_training.png"], None


# --------------------------------------------------------------------------
# the theorem check
# --------------------------------------------------------------------------


_CHECK_SAMPLES = (12, 160)  # weight states per size: exact and sign algorithms, global perturbations
_CHANNEL_MUTANTS = {
    "bp-noisy-gradient": "backprop's gradient perturbed by random noise of 10% of its norm: its update is no "
                         "longer -g, so its cosine is not 1 and its first-order decrease not |g|^2",
    "bits-doubled": "pwgr's bit count doubled (2 D per step instead of D): its rate no longer equals the counting "
                    "identity",
    "palr-per-batch": "the old counting of palr / palb: bits of the whole batch (min(N P, W) D) over operations "
                      "per example, so the rate depends on the batch size",
    "unscaled-perturbation": "the global perturbations drawn N(0, I_W) (length ~ sqrt(W)) instead of unit length: "
                             "at equal eta their updates are too long, pwgr's decrease no longer falls as 1/W",
}


def _mutant_faults(mutant):
    """The private keywords of :func:`measure` that a mutant of :func:`check_channel` sets."""
    if mutant is None:
        return {}
    check_mutant(mutant, _CHANNEL_MUTANTS)
    return {"bp-noisy-gradient": {"_bp_noise": 0.1}, "bits-doubled": {"_bits_scale": {"pwgr": 2.0}},
            "palr-per-batch": {"_palr_per_batch": True},
            "unscaled-perturbation": {"_unscaled_perturbation": True}}[mutant]


def _rates_at_batch(nets, batch, seed, faults):
    """{(W, algorithm): rate} from one step of every algorithm on one weight state, batch `batch`."""
    out = {}
    for i, net in enumerate(nets):
        w = net.init(np.random.SeedSequence([seed, i, 0xBA7]))
        X, T = teacher_task(net, batch, np.random.SeedSequence([seed, i, 0xBA8]), teacher_seed=seed * 1000 + i)
        for a in ALGORITHMS:
            st = step(a, net, w, X, T, rng=0, _bp_noise=faults.get("_bp_noise", 0.0) if a == "bp" else 0.0,
                      _bits_scale=(faults.get("_bits_scale") or {}).get(a, 1.0),
                      _palr_per_batch=faults.get("_palr_per_batch", False),
                      _unscaled_perturbation=faults.get("_unscaled_perturbation", False))
            out[net.n_weights, a] = st.rate
    return out


def check_channel(seed=0, mutant=None):
    """The `gates verify channel` check, on the default sizes (W = 61 .. 4,801).

    Rates (identities of the counts): every row's rate equals
    :func:`rate_identity` and does not change between batches of 2 and 32
    examples; backprop's is the highest at every size and every other
    algorithm's falls behind by a factor that grows with W.

    Improvement at equal eta (measured on 12 weight states per size, 160 for
    the global perturbations): backprop's first-order decrease is |g|^2 at
    every state (its update is exactly -g, cosine 1: the Cauchy-Schwarz
    maximum for a step of its length), and at every size no algorithm whose
    update is in gradient units (pwlr, palr, pwgr, pwgrk) decreases the
    error more on average; the exact-derivative ones (pwlr, palr) keep
    backprop's decrease and cosine; the global perturbations fall behind by
    factors that grow with W, in decrease and in cosine; the fitted exponent
    of pwgr's and pwgrk's decrease is within 0.15 of the exact -1 and that of
    pwgr's cosine within 0.1 of -1/2; every global perturbation's mean
    decrease and mean cosine are within 5 standard errors of their exact
    theory; and every first-order decrease agrees with the error's own
    central difference along the update (to 1e-4 of |g| |h|).

    Parameters
    ----------
    seed : int
    mutant : None or str
        A name in ``check_channel.mutants``: a deliberate break of the
        measurement, threaded into :func:`measure` / :func:`step`, after
        which the check must fail.

    Returns
    -------
    dict
        {"holds": bool, "evidence": {...}, "lines": [...]}

    Examples
    --------
    >>> check_channel()["holds"]   # doctest: +SKIP
    True
    """
    seed = _int(seed, "seed", 0)
    faults = _mutant_faults(mutant)
    t0 = time.perf_counter()
    # the exact and sign algorithms need few states; the global perturbations are cheap and noisy: more
    # states for their exponents
    rows = measure(DEFAULT_HIDDEN, [a for a in ALGORITHMS if a not in GLOBAL], samples=_CHECK_SAMPLES[0], seed=seed,
                   **faults)
    extra = measure(DEFAULT_HIDDEN, GLOBAL, samples=_CHECK_SAMPLES[1], seed=seed + 1, **faults)
    rows = rows + extra
    Ws = sorted({r["W"] for r in rows})
    at = {(r["W"], r["algorithm"]): r for r in rows}
    others = [a for a in ALGORITHMS if a != "bp"]
    nets = [_as_net(h) for h in DEFAULT_HIDDEN]
    net_of = {n.n_weights: n for n in nets}

    # rates: identities of the counts, independent of the batch size
    ident = {(W, a): rate_identity(a, net_of[W])["rate"] for W in Ws for a in ALGORITHMS}
    ident_dev = max(abs(at[key]["rate"] / ident[key] - 1) for key in ident)
    rates_identity = ident_dev < 1e-12
    small, large = _rates_at_batch(nets, 2, seed, faults), _rates_at_batch(nets, 32, seed, faults)
    batch_dev = max(abs(small[key] / large[key] - 1) for key in small)
    batch_invariant = batch_dev < 1e-12
    best_rate = all(at[W, "bp"]["rate"] > max(at[W, a]["rate"] for a in others) for W in Ws)
    rate_ratio = {a: [at[W, "bp"]["rate"] / at[W, a]["rate"] for W in Ws] for a in others}
    rate_grows = all(all(np.diff(v) > 0) for v in rate_ratio.values())

    # improvement at equal eta, and the cosine
    bp_dev = max(max(abs(at[W, "bp"]["improvement_min"] - 1), abs(at[W, "bp"]["improvement_max"] - 1),
                     abs(at[W, "bp"]["cos_min"] - 1)) for W in Ws)
    bp_exact = bp_dev < 1e-9
    gradient_units = ("pwlr", "palr", "pwgr", "pwgrk")
    bp_max = all(at[W, "bp"]["improvement_ratio"] >= max(at[W, a]["improvement_ratio"] for a in gradient_units) - 1e-3
                 for W in Ws)
    best_cos = all(at[W, "bp"]["cos_mean"] >= max(at[W, a]["cos_mean"] for a in others) - 1e-9 for W in Ws)
    exact_keep = all(abs(at[W, a]["cos_mean"] - 1) < 1e-3 and abs(at[W, a]["improvement_ratio"] - 1) < 1e-3
                     for a in ("pwlr", "palr") for W in Ws)
    imp_ratio = {a: [at[W, "bp"]["improvement_ratio"] / max(at[W, a]["improvement_ratio"], 1e-300) for W in Ws]
                 for a in others}
    cos_ratio = {a: [at[W, "bp"]["cos_mean"] / max(at[W, a]["cos_mean"], 1e-300) for W in Ws] for a in others}
    cos_grows = all(cos_ratio[a][-1] > cos_ratio[a][0] for a in GLOBAL)
    imp_grows = all(imp_ratio[a][-1] > imp_ratio[a][0] for a in GLOBAL)
    fits = {f["algorithm"]: f for f in fit_exponents(rows, "cos")}
    ifits = {f["algorithm"]: f for f in fit_exponents(rows, "improvement")}
    rfits = {f["algorithm"]: f for f in fit_exponents(rows, "rate")}
    pwgr_slope = fits["pwgr"]["slope"]
    imp_slopes_ok = all(abs(ifits[a]["slope"] + 1) < 0.15 for a in ("pwgr", "pwgrk"))
    devs = {a: [at[W, a]["cos_dev_se"] for W in Ws] for a in GLOBAL}
    idevs = {a: [at[W, a]["improvement_dev_se"] for W in Ws] for a in GLOBAL}
    theory_ok = all(abs(d) < 5 for v in devs.values() for d in v)
    itheory_ok = all(abs(d) < 5 for v in idevs.values() for d in v)
    fd_dev = max(r["improvement_fd_dev"] for r in rows)
    fd_ok = fd_dev < 1e-4
    claims = {"rates_are_counting_identities": rates_identity, "rates_independent_of_batch": batch_invariant,
              "bp_highest_rate_every_size": best_rate, "rate_ratio_grows_with_W": rate_grows,
              "bp_decrease_is_g_squared_every_state": bp_exact, "bp_largest_decrease_every_size": bp_max,
              "bp_highest_cos_every_size": best_cos, "pwlr_palr_keep_bp_decrease_and_cos": exact_keep,
              "global_decrease_ratio_grows_with_W": imp_grows, "global_cos_ratio_grows_with_W": cos_grows,
              "pwgr_pwgrk_decrease_exponent_near_minus_1": imp_slopes_ok,
              "pwgr_cos_exponent_near_minus_half": abs(pwgr_slope + 0.5) < 0.1,
              "global_decrease_within_5_se_of_theory": itheory_ok, "global_cos_within_5_se_of_theory": theory_ok,
              "first_order_decrease_is_the_error_difference": fd_ok}
    holds = bool(all(claims.values()))

    def fit_ev(f):
        return {"kind": f["kind"], "slope": _r(f["slope"], 4), "se": _r(f["slope_se"], 3),
                "ci95": None if f["ci95"] is None else [_r(v, 4) for v in f["ci95"]],
                "predicted": f["predicted"], "theory_slope": None if f["theory_slope"] is None
                else _r(f["theory_slope"], 4), "r2": _r(f["r2"], 4)}

    evidence = {"W": Ws, "mutant": mutant, **claims,
                "rate_identity_max_rel_dev": ident_dev, "rate_batch_2_vs_32_max_rel_dev": batch_dev,
                "palr_rate_batch_2_vs_32": {W: [small[W, "palr"], large[W, "palr"]] for W in Ws},
                "bp_max_dev_from_exact": bp_dev, "first_order_vs_error_difference_max_dev": fd_dev,
                "rate_ratio_bp_over": {a: [_r(x, 4) for x in v] for a, v in rate_ratio.items()},
                "improvement_ratio_bp_over": {a: [_r(x, 4) for x in v] for a, v in imp_ratio.items()},
                "cos_ratio_bp_over": {a: [_r(x, 4) for x in v] for a, v in cos_ratio.items()},
                "rate_exponents": {a: fit_ev(f) for a, f in rfits.items()},
                "improvement_exponents": {a: fit_ev(f) for a, f in ifits.items()},
                "cos_exponents": {a: fit_ev(f) for a, f in fits.items()},
                "global_improvement_dev_se": {a: [_r(x, 3) for x in v] for a, v in idevs.items()},
                "global_cos_dev_se": {a: [_r(x, 3) for x in v] for a, v in devs.items()},
                "samples": {"others": _CHECK_SAMPLES[0], "global": _CHECK_SAMPLES[1]}, "seconds": round(time.perf_counter() - t0, 2)}

    def ci(f):
        return f"[{f['ci95'][0]:+.3f}, {f['ci95'][1]:+.3f}]" if f["ci95"] else ""

    lines = [f"W = {', '.join(map(str, Ws))} ((8, h, h, 1) tanh nets, teacher task, {_CHECK_SAMPLES[0]} weight "
             f"states per size; {_CHECK_SAMPLES[1]} for the global perturbations)" + (f"; MUTANT {mutant}" if mutant else ""),
             f"rates (identity: exact counts per example): every rate equals its counting formula: {rates_identity}; "
             f"the same at batch 2 and 32: {batch_invariant}; backprop's the highest at every size: {best_rate}",
             "rate ratio bp / algorithm (identity), smallest -> largest W: "
             + ", ".join(f"{a} {v[0]:.3g} -> {v[-1]:.3g}" for a, v in rate_ratio.items()),
             "exponent of the rate in W (identity, exact): "
             + ", ".join(f"{a} {f['slope']:+.3f}" for a, f in rfits.items()),
             f"improvement at equal eta (measured): backprop's first-order decrease is |g|^2 and its cosine 1 at "
             f"every state: {bp_exact}; no gradient-unit update decreases more on average: {bp_max}; "
             f"the first-order decreases match the error's central differences: {fd_ok}",
             "decrease ratio bp / algorithm (measured; mean (-g.h)/|g|^2; binary feedback moves by unit-length "
             "h, so its ratio carries 1/|g|), smallest -> largest W: "
             + ", ".join(f"{a} {v[0]:.3g} -> {v[-1]:.3g}" for a, v in imp_ratio.items()),
             "exponent of the mean decrease ratio in W (measured, weighted least squares, 95% interval): "
             + ", ".join(f"{a} {f['slope']:+.3f} {ci(f)}" for a, f in ifits.items() if a in GLOBAL)
             + f" (pwgr, pwgrk within 0.15 of -1: {imp_slopes_ok})",
             "cos ratio bp / algorithm (measured), smallest -> largest W: "
             + ", ".join(f"{a} {v[0]:.3g} -> {v[-1]:.3g}" for a, v in cos_ratio.items()),
             "exponent of mean cos in W (measured, weighted least squares, 95% interval): "
             + ", ".join(f"{a} {f['slope']:+.3f} {ci(f)}" for a, f in fits.items() if a in GLOBAL)
             + f" (pwgr within 0.1 of -0.5: {abs(pwgr_slope + 0.5) < 0.1})",
             f"global perturbations within 5 s.e. of the exact theory at every size: decrease {itheory_ok}, "
             f"cos {theory_ok}"]
    failed = [k for k, v in claims.items() if not v]
    if failed:
        lines.append("FAILED: " + ", ".join(failed))
    return {"holds": holds, "evidence": evidence, "lines": lines}


check_channel.mutants = dict(_CHANNEL_MUTANTS)

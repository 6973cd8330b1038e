"""The learning channel: how much each learning algorithm tells the weights about the gradient, and at what cost.

Baldi & Sadowski (DIGEST.md section 5) compare backpropagation with the
perturbation algorithms P{W,A}{L,G}{B,R}[k] by three numbers per step:

* the **bits** fed back per weight (D per real number, 1 per binary answer,
  log2 k for a choice among k);
* the **operations** per weight (a forward pass costs W multiply-adds per
  example, a backward pass 2 W, generating a global perturbation W);
* the **rate** R = bits per weight / operations per weight, and the
  **improvement** of a step of fixed length, which relative to the gradient
  step's is the cosine between the update and the negative gradient.

The theorem: backprop has the highest rate and improvement, up to constants,
and the alternatives fall behind by factors that grow with W. This module
measures all of it on layered tanh / logistic networks (:class:`FeedForward`;
recurrent nets unfolded in time live in :mod:`gates.recurrent` and share the
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

from .errors import InputError, require_memory

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
DEFAULT_HIDDEN = (4, 8, 16, 32, 64)
"""Default hidden widths h of the (8, h, h, 1) nets: W = 61 .. 4,801."""

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
    from .truth import check_n, to_int

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
    """One step of a learning algorithm: its update direction and what it cost.

    Attributes
    ----------
    algorithm : str
    direction : ndarray, shape (W,)
        The unnormalised estimate of the descent direction -g (the caller
        scales it).
    counts : dict
        ``forward`` (full forward passes over the batch; partial passes count
        by the fraction of weights they touch), ``backward`` (full backward
        passes), ``perturb`` (perturbations generated: of weights, or of one
        unit's activity for one example), ``global`` (of them, perturbations
        of all W weights at once), ``scalars`` (numbers fed back) and ``bits``
        (bits fed back to the weights).
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


def step(name, net, w, X, T, rng=None, eps=1e-4, k=8, D=32):
    """One step of algorithm `name` at weights `w` on the batch (X, T).

    Definitions (g the true gradient of E on the batch; paper section 5):

    - ``bp``: -g by backpropagation (1 forward, 1 backward; W scalars, W D bits).
    - ``pwlr``: perturb each weight in turn, d_i = (E(w + eps e_i) - E(w)) / eps,
      direction -d (W + 1 forward; W scalars, W D bits).
    - ``pwlb``: as pwlr, direction -sign(d) (W bits).
    - ``palr``: perturb each unit's activity (pre-activation) in turn for every
      example, deltas by forward difference, weights by the local rule
      dE/dW_l[i, j] = sum_p delta_{p,i} a~_{l-1}[p, j]; direction minus that
      (1 + re-propagations forward; N P scalars).
    - ``palb``: as palr with sign(delta) (N P binary scalars).
    - ``pwgr``: u ~ N(0, I_W), d = (E(w + eps u) - E(w)) / eps, direction -d u
      (2 forward, 1 global perturbation, 1 scalar, D bits).
    - ``pwgb``: same u, binary feedback: keep u if the error fell, else take
      the opposite -u; direction -sign(d) u (1 bit).
    - ``pwgrk``: k independent u_i, direction -sum_i d_i u_i (k + 1 forward,
      k global perturbations, k scalars, k D bits).
    - ``pwgbk``: k independent u_i, i* = argmin E(w + eps u_i); direction
      u_{i*} if it lowers the error, else 0 (k + 1 forward, log2 k bits).

    Bits are those reaching the weights. For palr the N P deltas fed back to
    the units carry N P D bits, but the weights receive W derivatives of D bits
    (paper: PALR "provides D bits of feedback per unit as well as per weight"),
    so bits = min(N P, W) D, at most backprop's W D; palb sends N P bits.

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
        Perturbation size (> 0).
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
        direction = -g
        counts = dict(forward=1.0, backward=1.0, perturb=0, scalars=W, bits=W * D)
    elif name in ("pwlr", "pwlb"):
        E0 = net.error(w, X, T)
        d = (_weight_perturbation_errors(net, w, X, T, eps) - E0) / eps
        real = name == "pwlr"
        direction = -d if real else -np.sign(d)
        counts = dict(forward=float(W + 1), backward=0.0, perturb=W, scalars=W, bits=W * D if real else W)
    elif name in ("palr", "palb"):
        deltas = net.unit_deltas_fd(w, X, T, eps)
        real = name == "palr"
        if not real:
            deltas = np.sign(deltas)
        direction = -net.weight_gradient_from_deltas(w, X, deltas)
        P = deltas.shape[0]
        counts = dict(forward=_unit_deltas_cost(net), backward=0.0, perturb=N * P, scalars=N * P,
                      bits=min(N * P, W) * D if real else N * P)
    else:
        kk = 1 if name in ("pwgr", "pwgb") else k
        U = rng.standard_normal((kk, W))
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
    k = _int(k, "k (perturbations)")
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


def predicted_exponent(name, quantity="cos"):
    """The paper's exponent of W: mean cos ~ W^-1/2 for the global perturbations,
    W^0 for the exact ones; rate ~ W^-1 for every weight perturbation, W^0 for
    bp. None where the paper predicts none (sign vectors; activity
    perturbation's rate depends on the units per weight)."""
    _algorithm(name)
    if quantity == "cos":
        return -0.5 if name in GLOBAL else 0.0 if name in EXACT else None
    if quantity == "rate":
        return 0.0 if name == "bp" else None if name in ("palr", "palb") else -1.0
    raise InputError(f"quantity {quantity!r} is unknown: allowed cos, rate")


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
            activation="tanh", progress=None):
    """Bits, operations, rate and mean cosine with the gradient, per net and algorithm.

    For each net, `samples` weight states (fresh ``init`` seeds) each with a
    fresh batch of `batch` examples from the net's fixed teacher; every
    algorithm takes one step from each, and its cosine with the true gradient
    is averaged. Every algorithm draws its perturbations from its own stream
    (seed, net, sample, algorithm), so a row does not depend on the others.

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
        One row per (net, algorithm): net, W, N, algorithm, samples,
        bits_per_weight, ops_per_weight, rate, cos_mean, cos_se, cos_theory
        (None if the theory gives none), cos_dev_se ((mean - theory) / se),
        (for the global perturbations), improvement_ratio (mean cos relative to
        the gradient step's, which is 1).

    Examples
    --------
    >>> rows = measure([4], ("bp", "pwgr"), samples=4)
    >>> [(r["algorithm"], r["W"]) for r in rows]
    [('bp', 61), ('pwgr', 61)]
    """
    algorithms = _algorithms(algorithms)
    k = _int(k, "k (perturbations)")
    samples = _int(samples, "samples", 2)
    batch = _int(batch, "batch (examples)")
    seed = _int(seed, "seed", 0)
    nets = [_as_net(n, activation) for n in nets]
    rows = []
    for i, net in enumerate(nets):
        cos = {a: np.empty(samples) for a in algorithms}
        last = {}
        for s in range(samples):
            init_ss, data_ss, *alg_ss = np.random.SeedSequence([seed, i, s]).spawn(2 + len(ALGORITHMS))
            w = net.init(init_ss)
            X, T = teacher_task(net, batch, data_ss, teacher_seed=seed * 1000 + i)
            _, g = net.gradient(w, X, T)
            for a in algorithms:
                st = step(a, net, w, X, T, rng=alg_ss[ALGORITHMS.index(a)], eps=eps, k=k, D=D)
                cos[a][s] = cosine(st, g)
                last[a] = st
            if progress is not None:
                progress(1)
        for a in algorithms:
            st, c = last[a], cos[a]
            mean, se = float(c.mean()), float(c.std(ddof=1) / math.sqrt(samples))
            th = theory_cos(a, net.n_weights, k)
            rows.append({"net": _describe(net), "W": net.n_weights, "N": net.n_units, "algorithm": a,
                         "samples": samples, "bits_per_weight": st.bits_per_weight,
                         "ops_per_weight": st.ops_per_weight, "rate": st.rate, "cos_mean": mean, "cos_se": se,
                         "cos_theory": th,
                         # exact-derivative rows: theory 1 up to the O(eps) finite difference, which se misses
                         "cos_dev_se": None if th is None or se == 0 or a in EXACT else (mean - th) / se,
                         "improvement_ratio": mean})
    return rows


def _fit(x, y):
    """Least squares y = slope x + intercept: (slope, slope_se, intercept, r2)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    A = np.vstack([x, np.ones_like(x)]).T
    (slope, intercept), *_ = np.linalg.lstsq(A, y, rcond=None)
    res = y - (slope * x + intercept)
    ss_res, ss_tot = float(res @ res), float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else 0.0)
    sxx = float(((x - x.mean()) ** 2).sum())
    se = math.sqrt(ss_res / (len(x) - 2) / sxx) if len(x) > 2 and sxx > 0 else float("nan")
    return float(slope), se, float(intercept), r2


def fit_exponents(rows, quantity="cos"):
    """Per algorithm, the least-squares exponent of W: log(mean cos) (or log
    rate) = slope log W + intercept, over the rows' sizes.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`measure` (needs W, algorithm, cos_mean, rate).
    quantity : {"cos", "rate"}

    Returns
    -------
    list of dict
        algorithm, quantity, sizes, W_min, W_max, slope, slope_se, intercept,
        r2, predicted (the paper's exponent, or None) and theory_slope (the
        same fit of the exact finite-W theory, where there is one). Rows with
        a non-positive value are left out of the fit; an algorithm with fewer
        than two sizes left gets no fit.

    Examples
    --------
    >>> rows = [{"algorithm": "pwgr", "W": W, "cos_mean": 2 * W ** -0.5, "rate": 1 / W} for W in (10, 100, 1000)]
    >>> round(fit_exponents(rows)[0]["slope"], 6)
    -0.5
    """
    if quantity not in ("cos", "rate"):
        raise InputError(f"quantity {quantity!r} is unknown: allowed cos, rate")
    key = "cos_mean" if quantity == "cos" else "rate"
    out = []
    for a in dict.fromkeys(r["algorithm"] for r in rows):
        rs = [r for r in rows if r["algorithm"] == a and r[key] is not None and r[key] > 0]
        Ws = sorted({r["W"] for r in rs})
        if len(Ws) < 2:
            continue
        x = [math.log(r["W"]) for r in rs]
        slope, se, intercept, r2 = _fit(x, [math.log(r[key]) for r in rs])
        theory = None
        if quantity == "cos":
            th = [r.get("cos_theory") for r in rs]
            if all(t is not None and t > 0 for t in th):
                theory = _fit(x, [math.log(t) for t in th])[0]
        out.append({"algorithm": a, "quantity": quantity, "sizes": len(Ws), "W_min": Ws[0], "W_max": Ws[-1],
                    "slope": slope, "slope_se": se, "intercept": intercept, "r2": r2,
                    "predicted": predicted_exponent(a, quantity), "theory_slope": theory})
    return out


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
        from .recurrent import Recurrent
    except ImportError as exc:
        return {"available": False, "note": f"gates.recurrent is not available ({exc}); no recurrent rows"}
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
        one recurrent net unfolded in time (needs :mod:`gates.recurrent`).
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
        mean cos in W), rate_fits, training (runs: curves, final and best
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
    ['fits', 'protocol', 'rate_fits', 'recurrent', 'rows', 'seconds', 'training']
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
                "bits": "fed back to the weights: D per real, 1 per binary, log2 k per choice; palr min(N P, W) D"}
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
    return {"rows": rows, "fits": fit_exponents(rows, "cos"), "rate_fits": fit_exponents(rows, "rate"),
            "training": training,
            "recurrent": rec, "protocol": protocol, "seconds": round(time.perf_counter() - t0, 2)}


def _r(x, digits=6):
    if x is None:
        return ""
    if isinstance(x, float):
        return float(f"{x:.{digits}g}")
    return x


RATE_HEADER = ["net", "W", "N", "algorithm", "bits_per_weight", "ops_per_weight", "rate", "cos_mean", "cos_se",
               "cos_theory", "cos_dev_se", "improvement_ratio", "samples"]


def write_channel(res, out_dir, command=None):
    """Write the study's files into `out_dir`, atomically.

    ``channel_rates.{csv,md,manifest.json}`` (the rate and improvement table,
    recurrent rows included), ``channel_fits.csv``, ``channel_training.csv``,
    and when matplotlib is installed ``channel_cosine.png`` (mean cos against
    W, log-log, with the theory) and ``channel_training.png`` (error against
    operations per weight, log-log).

    Returns
    -------
    (files, note)
        The file names written, and why a plot is missing (or None).
    """
    from .storage import atomic_path, write_csv, write_table

    rows = list(res["rows"])
    rec = res.get("recurrent") or {}
    rows += rec.get("rows", [])
    table = [[_r(r[h]) for h in RATE_HEADER] for r in rows]
    fits = res["fits"] + res.get("rate_fits", [])
    fit_header = ["algorithm", "quantity", "sizes", "W_min", "W_max", "slope", "slope_se", "intercept", "r2",
                  "predicted", "theory_slope"]
    write_csv(os.path.join(out_dir, "channel_fits.csv"), fit_header, [[_r(f[h]) for h in fit_header] for f in fits])
    tr_rows = []
    for run in res["training"]["runs"]:
        for a, curve in run["curves"].items():
            tr_rows += [[run["net"], run["W"], run["step_length"], a, _r(o), _r(o * run["W"]), _r(e)] for o, e in curve]
    write_csv(os.path.join(out_dir, "channel_training.csv"),
              ["net", "W", "step_length", "algorithm", "ops_per_weight", "ops", "error"], tr_rows)
    files = ["channel_fits.csv", "channel_training.csv"]
    proto = res["protocol"]
    intro = (f"Per network and algorithm: bits fed back per weight (D = {proto['D']}), multiply-adds per weight "
             "per example, the rate R = bits / ops, and the mean cosine of the update with the negative gradient "
             f"(= the improvement of a fixed-length step relative to the gradient step's) over {proto['samples']} "
             "weight states, with its standard error, the exact finite-W theory and (mean - theory) / s.e. "
             "Fitted exponents in channel_fits.csv, training curves in channel_training.csv.")
    results = {"fits": res["fits"], "rate_fits": res.get("rate_fits", []),
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
    fig, ax = plt.subplots(figsize=(7, 5))
    k = proto["k"]
    markers = "osD^vPX*h"  # distinct shapes: bp, pwlr and palr sit on top of each other at 1
    for j, a in enumerate(dict.fromkeys(r["algorithm"] for r in res["rows"])):
        rs = [r for r in res["rows"] if r["algorithm"] == a and r["cos_mean"] > 0]
        if not rs:
            continue
        Ws = np.array([r["W"] for r in rs], float)
        line = ax.errorbar(Ws, [r["cos_mean"] for r in rs], yerr=[r["cos_se"] for r in rs], fmt=markers[j % 9],
                           ms=8 - 0.5 * (j % 9), mfc="none", capsize=2, label=a)
        th = [r["cos_theory"] for r in rs]
        if all(t is not None for t in th) and a not in EXACT:
            grid = np.geomspace(Ws.min(), Ws.max(), 40)
            ax.plot(grid, [theory_cos(a, int(round(W)), k) for W in grid], "--", lw=1,
                    color=line[0].get_color())
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("W (weights)")
    ax.set_ylabel("mean cos(update, -gradient)")
    ax.set_title("Improvement relative to the gradient step (dashed: exact theory)")
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


def check_channel(seed=0):
    """The `gates verify channel` check, on the default sizes (W = 61 .. 4,801).

    Holds when, in the measured numbers: at every size backprop has the
    highest rate and the highest mean cosine; every other algorithm's rate
    falls behind backprop's by a factor that grows with W, and the global
    perturbations' cosine too (the exact-derivative ones, pwlr and palr, keep
    backprop's cosine: their loss is in the rate alone); the fitted exponent
    of pwgr's mean cosine is within 0.1 of -1/2; and every global
    perturbation's mean cosine is within 5 standard errors of its exact theory.

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
    t0 = time.perf_counter()
    rows = measure(DEFAULT_HIDDEN, ALGORITHMS, samples=24, seed=seed)
    # the global perturbations are cheap and noisy: more samples for their exponents
    extra = measure(DEFAULT_HIDDEN, GLOBAL, samples=160, seed=seed + 1)
    rows = [r for r in rows if r["algorithm"] not in GLOBAL] + extra
    Ws = sorted({r["W"] for r in rows})
    at = {(r["W"], r["algorithm"]): r for r in rows}
    others = [a for a in ALGORITHMS if a != "bp"]
    best_rate = all(at[W, "bp"]["rate"] > max(at[W, a]["rate"] for a in others) for W in Ws)
    best_cos = all(at[W, "bp"]["cos_mean"] >= max(at[W, a]["cos_mean"] for a in others) - 1e-9 for W in Ws)
    rate_ratio = {a: [at[W, "bp"]["rate"] / at[W, a]["rate"] for W in Ws] for a in others}
    cos_ratio = {a: [at[W, "bp"]["cos_mean"] / max(at[W, a]["cos_mean"], 1e-300) for W in Ws] for a in others}
    rate_grows = all(all(np.diff(v) > 0) for v in rate_ratio.values())
    cos_grows = all(cos_ratio[a][-1] > cos_ratio[a][0] for a in GLOBAL)
    exact_keep = all(abs(at[W, a]["cos_mean"] - 1) < 1e-3 for a in ("pwlr", "palr") for W in Ws)
    fits = {f["algorithm"]: f for f in fit_exponents(rows, "cos")}
    pwgr_slope = fits["pwgr"]["slope"]
    devs = {a: [at[W, a]["cos_dev_se"] for W in Ws] for a in GLOBAL}
    theory_ok = all(abs(d) < 5 for v in devs.values() for d in v)
    holds = bool(best_rate and best_cos and rate_grows and cos_grows and exact_keep and abs(pwgr_slope + 0.5) < 0.1
                 and theory_ok)
    evidence = {"W": Ws, "bp_highest_rate_every_size": best_rate, "bp_highest_cos_every_size": best_cos,
                "rate_ratio_bp_over": {a: [_r(x, 4) for x in v] for a, v in rate_ratio.items()},
                "cos_ratio_bp_over": {a: [_r(x, 4) for x in v] for a, v in cos_ratio.items()},
                "rate_ratio_grows_with_W": rate_grows, "global_cos_ratio_grows_with_W": cos_grows,
                "pwlr_palr_keep_bp_cos": exact_keep,
                "cos_exponents": {a: {"slope": _r(f["slope"], 4), "se": _r(f["slope_se"], 3),
                                      "predicted": f["predicted"], "r2": _r(f["r2"], 4)} for a, f in fits.items()},
                "global_cos_dev_se": {a: [_r(x, 3) for x in v] for a, v in devs.items()},
                "samples": {"all": 24, "global": 160}, "seconds": round(time.perf_counter() - t0, 2)}
    lines = [f"W = {', '.join(map(str, Ws))} ((8, h, h, 1) tanh nets, teacher task, 24 weight states per size; "
             "160 for the global perturbations)",
             f"backprop has the highest rate at every size: {best_rate}; the highest mean cos: {best_cos}",
             "rate ratio bp / algorithm, smallest -> largest W: "
             + ", ".join(f"{a} {v[0]:.3g} -> {v[-1]:.3g}" for a, v in rate_ratio.items()),
             "cos ratio bp / algorithm, smallest -> largest W: "
             + ", ".join(f"{a} {v[0]:.3g} -> {v[-1]:.3g}" for a, v in cos_ratio.items()),
             "fitted exponent of mean cos in W: "
             + ", ".join(f"{a} {f['slope']:+.3f}" for a, f in fits.items())
             + f" (pwgr within 0.1 of -0.5: {abs(pwgr_slope + 0.5) < 0.1})",
             f"global perturbations within 5 s.e. of the exact theory at every size: {theory_ok}"]
    return {"holds": holds, "evidence": evidence, "lines": lines}

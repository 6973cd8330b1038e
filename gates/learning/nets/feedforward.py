"""A layered feed-forward net and its backpropagation: the one backprop of the package's nets.

Hidden layers tanh or logistic (:mod:`gates.learning.nets.activations`),
the output layer linear, the error E = 1/(2P) sum_p ||Y_p - T_p||^2. Three
numpy kernels (not compiled) carry the algorithm, public so that any room
can run backpropagation on its own layer matrices ``[W_l | b_l]`` (the bias
column last); the recurrent net unfolded in time
(:mod:`gates.learning.nets.recurrent`) takes its deltas from the same one:

* :func:`forward_activities` -- the forward pass, a_l = f(W_l [a_{l-1}; 1]);
* :func:`backpropagate` -- the deltas dE/dz_l of every layer from the
  output's, delta_l = (delta_{l+1} W_{l+1} without its bias column) f'(z_l);
* :func:`local_rule` -- every weight's gradient from its unit's delta and
  its input's activity, dE/dW_l[i, j] = sum_p delta_{p,i} a~_{l-1}[p, j].

:class:`FeedForward` checks its input and runs them on a flat weight
vector; it also gives the batched and perturbed passes the learning
channel (:mod:`gates.channel`) measures: errors of many weight vectors at
once, activity-perturbation deltas and weight-perturbation errors.
Everything is float64 numpy: the work is matrix products.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from gates._validate import check_array, check_choice, check_positive, is_int
from gates.errors import InputError, require_memory
from gates.learning.nets.activations import ACTIVATIONS, activate, activation_slope

__all__ = ["CHUNK_BYTES", "FeedForward", "forward_activities", "backpropagate", "local_rule"]

CHUNK_BYTES = 256 * 2**20
"""Working set of one batched pass through a net (spec: <= ~256 MB)."""


# --------------------------------------------------------------------------
# backpropagation on layer matrices
# --------------------------------------------------------------------------


def forward_activities(layers, X, activation, linear_output=True):
    """The activities a_0 = X, a_1, ..., a_L of a layered net (the forward pass).

    A kernel: it expects checked input (float64 arrays of matching shapes,
    `activation` one of :data:`ACTIVATIONS`); :class:`FeedForward` checks.

    Parameters
    ----------
    layers : sequence of ndarray
        W_l of shape ``(n_l, n_{l-1} + 1)``, the bias column last.
    X : ndarray, shape (P, n_0)
    activation : {"tanh", "logistic"}
        f of the hidden layers.
    linear_output : bool
        The last layer linear (a_L = z_L, the default); else f there too.

    Returns
    -------
    list of ndarray
        a_0 = X and a_l = f(z_l), z_l = a_{l-1} W_l[:, :-1]^T + W_l[:, -1],
        shapes (P, n_l).

    Examples
    --------
    >>> layers = [np.array([[1.0, 0.0]]), np.array([[2.0, 1.0]])]
    >>> forward_activities(layers, np.zeros((1, 1)), "tanh")[-1]
    array([[1.]])
    """
    acts = [X]
    last = len(layers) - 1
    for l, Wl in enumerate(layers):
        z = acts[-1] @ Wl[:, :-1].T + Wl[:, -1]
        acts.append(z if l == last and linear_output else activate(z, activation))
    return acts


def backpropagate(weights, acts, delta_out, activation):
    """The deltas dE/dz_l of every layer, l = 1..L, from the output's (the backward pass).

    delta_l = (delta_{l+1} W_{l+1}) f'(z_l), W_{l+1} without its bias column,
    with f'(z_l) from the activities a_l = f(z_l)
    (:func:`~gates.learning.nets.activations.activation_slope`). For the
    linear output and E = 1/(2P) sum ||Y - T||^2, delta_out = (Y - T) / P;
    for another error or output function the caller gives its own dE/dz_L.
    A net whose layers share weights (a recurrent net unfolded in time)
    passes the same matrix for each copy. A kernel: it expects checked input.

    Parameters
    ----------
    weights : sequence of ndarray
        W_1, ..., W_L without their bias columns, W_l of shape
        ``(n_l, n_{l-1})`` (``layers[l][:, :-1]`` of :func:`forward_activities`);
        W_1 is not used (it may be None).
    acts : list of ndarray
        a_0, ..., a_L as :func:`forward_activities` gives them; only a_1 ..
        a_{L-1} are used.
    delta_out : ndarray, shape (P, n_L)
        dE/dz_L.
    activation : {"tanh", "logistic"}

    Returns
    -------
    list of ndarray
        delta_1, ..., delta_L, shapes (P, n_l).
    """
    delta = delta_out
    deltas = [delta]
    for l in range(len(weights) - 1, 0, -1):
        # delta_l = (delta_{l+1} W_{l+1}) * f'(z_l); weights[l] is W_{l+1}
        delta = (delta @ weights[l]) * activation_slope(acts[l], activation)
        deltas.append(delta)
    return deltas[::-1]


def local_rule(acts, deltas):
    """The gradient of every weight, flat (W_1.ravel(), W_2.ravel(), ...), from the deltas.

    dE/dW_l[i, j] = sum_p delta_{p,i} a~_{l-1}[p, j], a~ the activities with
    the bias 1 appended: each weight needs only its unit's delta and its
    input's activity (the local rule). With the deltas of
    :func:`backpropagate` this is the gradient. A kernel: it expects
    checked input.

    Parameters
    ----------
    acts : list of ndarray
        a_0, ..., a_L (a_L is not used).
    deltas : list of ndarray
        delta_1, ..., delta_L.

    Returns
    -------
    ndarray, shape (W,)
    """
    return np.concatenate([np.concatenate([d.T @ a, d.sum(0)[:, None]], axis=1).ravel()
                           for a, d in zip(acts[:-1], deltas)])


# --------------------------------------------------------------------------
# the net on a flat weight vector
# --------------------------------------------------------------------------


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
    >>> rng = np.random.default_rng(0)
    >>> X, T = rng.standard_normal((16, 8)), rng.standard_normal((16, 1))
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
            if not is_int(s) or s < 1:
                raise InputError(f"sizes {sizes!r}: every width must be an integer >= 1, got {s!r}")
        check_choice(self.activation, "activation", ACTIVATIONS)
        sizes = tuple(int(s) for s in sizes)
        offsets = [0]
        for n, m in zip(sizes[:-1], sizes[1:]):
            offsets.append(offsets[-1] + m * (n + 1))
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "_offsets", tuple(offsets))

    # -- bookkeeping ------------------------------------------------------
    @property
    def n_weights(self):
        """W, the number of weights (biases included)."""
        return self._offsets[-1]

    @property
    def n_units(self):
        """N, the hidden and output units."""
        return sum(self.sizes[1:])

    @property
    def n_weight_uses(self):
        """Multiply-adds of one forward pass per example: W (each weight is used once)."""
        return self.n_weights

    @property
    def n_layers(self):
        """L, the weight layers (hidden layers plus the output layer)."""
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
        """Weights drawn N(0, 1 / fan_in), fan_in = sizes[l-1] + 1 (with the bias).

        Parameters
        ----------
        seed : None, int, SeedSequence or Generator
            Passed to ``numpy.random.default_rng``.

        Returns
        -------
        ndarray, shape (W,)
            A flat weight vector.
        """
        rng = np.random.default_rng(seed)
        parts = [rng.standard_normal(m * (n + 1)) / math.sqrt(n + 1) for n, m in zip(self.sizes[:-1], self.sizes[1:])]
        return np.concatenate(parts)

    # -- checks -------------------------------------------------------------
    def _w(self, w):
        return check_array(w, f"weights of {self.sizes} (W = {self.n_weights})", shape=(self.n_weights,))

    def _X(self, X):
        return check_array(X, f"inputs of a net with {self.sizes[0]} inputs", shape=(None, self.sizes[0]))

    def _XT(self, X, T):
        X = self._X(X)
        T = check_array(T, f"targets of {X.shape[0]} examples and {self.sizes[-1]} outputs",
                        shape=(X.shape[0], self.sizes[-1]))
        if X.shape[0] < 1:
            raise InputError("a batch needs at least one example")
        return X, T

    # -- passes -------------------------------------------------------------
    def _forward_all(self, w, X):
        """Activities a_0 = X, a_1, ..., a_L (a_L = output, linear)."""
        return forward_activities(self.layer_weights(w), X, self.activation)

    def forward(self, w, X):
        """Outputs Y, shape (P, n_out), of inputs X, shape (P, n_in).

        Parameters
        ----------
        w : array, shape (W,)
            The flat weight vector.
        X : array, shape (P, n_in)
            The inputs.

        Returns
        -------
        ndarray, shape (P, n_out)
            The linear outputs.

        Raises
        ------
        InputError
            For arrays of the wrong shape or non-finite values.
        """
        return self._forward_all(self._w(w), self._X(X))[-1]

    def error(self, w, X, T):
        """E = 1/(2P) sum_p ||Y_p - T_p||^2.

        Parameters
        ----------
        w : array, shape (W,)
            The flat weight vector.
        X, T : arrays, shapes (P, n_in) and (P, n_out)
            Inputs and targets, P >= 1.

        Returns
        -------
        float
        """
        X, T = self._XT(X, T)
        R = self._forward_all(self._w(w), X)[-1] - T
        return float(np.sum(R * R) / (2 * len(X)))

    def _backward(self, w, X, T):
        """Activities and deltas dE/dz_l (P, sizes[l]) by backpropagation."""
        acts = self._forward_all(w, X)
        # linear output: dE/dz_L = (Y - T) / P
        weights = [Wl[:, :-1] for Wl in self.layer_weights(w)]
        return acts, backpropagate(weights, acts, (acts[-1] - T) / len(X), self.activation)

    def gradient(self, w, X, T):
        """(E, g): the error and its gradient, shape (W,), by backpropagation.

        Parameters
        ----------
        w : array, shape (W,)
            The flat weight vector.
        X, T : arrays, shapes (P, n_in) and (P, n_out)
            Inputs and targets, P >= 1.

        Returns
        -------
        E : float
            The error, as :meth:`error`.
        g : ndarray, shape (W,)
            dE/dw, in the layout of `w`.
        """
        w = self._w(w)
        X, T = self._XT(X, T)
        acts, deltas = self._backward(w, X, T)
        R = acts[-1] - T
        return float(np.sum(R * R) / (2 * len(X))), local_rule(acts, deltas)

    def unit_deltas(self, w, X, T):
        """Backprop deltas dE_p/dz_{p,i}, shape (P, N), units layer by layer."""
        w = self._w(w)
        X, T = self._XT(X, T)
        return np.concatenate(self._backward(w, X, T)[1], axis=1)

    def weight_gradient_from_deltas(self, w, X, deltas):
        """The local rule dE/dW_l[i, j] = sum_p delta_{p,i} a~_{l-1}[p, j], shape (W,).

        `deltas` is (P, N), units layer by layer (as :meth:`unit_deltas_fd`)."""
        w = self._w(w)
        X = self._X(X)
        # column-major, as unit_deltas_fd builds them: each layer's block d then has d.T C-contiguous,
        # the layout (and so the BLAS summation order) the local rule has always run on
        deltas = np.asfortranarray(check_array(deltas, f"deltas of {len(X)} examples and {self.n_units} units",
                                               shape=(len(X), self.n_units)))
        acts = self._forward_all(w, X)
        cuts = np.cumsum(self.sizes[1:])[:-1]
        return local_rule(acts, np.split(deltas, cuts, axis=1))

    def _chunk(self, P):
        """Batch items per chunk: their activities (z, a and a scratch copy, P x
        widest layer each) and their weight copies stay under ~256 MB."""
        per = max(P * max(self.sizes) * 3, self.n_weights) * 8
        require_memory(per, f"one perturbed pass of {P} examples through {self.sizes}", "use a smaller batch")
        return max(1, CHUNK_BYTES // per)

    def errors(self, Wmat, X, T):
        """Errors of K weight vectors at once, shape (K,); `Wmat` is (K, W).

        Vectorised: each layer is one batched matmul over the K vectors (the
        first one GEMM, since every vector sees the same inputs), in chunks of
        K so that a chunk's activities stay under ~256 MB.
        """
        Wmat = check_array(Wmat, f"a batch of weight vectors of {self.sizes} (W = {self.n_weights})",
                           shape=(None, self.n_weights))
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
                A = Z if l == self.n_layers - 1 else activate(Z, self.activation)
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
                change = activate(z_l[:, u].T + d, self.activation) - acts[layer][:, u].T  # (k, P)
                # z_{l+1} = stored z_{l+1} + (change of a_l[u]) * column u of W_{l+1}
                Z = z_next[None] + change[:, :, None] * Ws[layer][:, u].T[:, None, :]
                for l in range(layer + 1, L + 1):
                    A = Z if l == L else activate(Z, self.activation)
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
        >>> rng = np.random.default_rng(0)
        >>> X, T = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
        >>> w = net.init(1)
        >>> bool(np.allclose(net.unit_deltas_fd(w, X, T, 1e-7), net.unit_deltas(w, X, T), atol=1e-6))
        True
        """
        w = self._w(w)
        X, T = self._XT(X, T)
        eps = check_positive(eps, "eps")
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
        eps = check_positive(eps, "eps")
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


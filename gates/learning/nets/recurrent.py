"""A recurrent network unfolded in time, for the learning channel (Baldi & Sadowski 2016: the learning channel).

Baldi & Sadowski (2016, on the learning channel) find backpropagation's rate and
improvement the best also for recurrent nets, unfolded in time (BPTT). This module is
that recurrent net, with the same interface as the feed-forward net of
:mod:`gates.learning.nets.feedforward` (``n_weights``, ``n_units``, ``init``, ``forward``,
``error``, ``gradient``, ``errors``, ``unit_deltas_fd``,
``weight_gradient_from_deltas``), so every perturbation algorithm of the
channel runs on it unchanged.

The network (one hidden layer of ``n_hidden`` units fed back to itself)::

    h_0 = 0
    z_t = U [x_t; 1] + V h_{t-1},   h_t = f(z_t),   t = 1..steps
    y   = C [h_steps; 1]                           (linear output)

with f = tanh or the logistic function (:mod:`gates.learning.nets.activations`). Input X has shape
(P, steps, n_in) (one input vector per example and time step), targets T
shape (P, n_out), and the error is E = 1/(2P) sum_p ||y_p - T_p||^2.

Unfolded, the net is a feed-forward net of ``steps`` hidden layers that all
share U and V, then the output layer C. Its *units* are the
``n_hidden * steps`` hidden units of the copies, time-major (unit
``(t - 1) * n_hidden + i`` is hidden unit i at step t), then the ``n_out``
output units; ``deltas[:, u]`` is dE_p/dz for that unit. The deltas come
from the feed-forward net's backpropagation
(:func:`gates.learning.nets.feedforward.backpropagate`), and the gradient
of a shared weight is the sum of the gradients of its copies (BPTT).

The flat weight vector is ``w = [U.ravel(), V.ravel(), C.ravel()]`` (C
order) with U (n_hidden, n_in + 1), V (n_hidden, n_hidden), C (n_out,
n_hidden + 1), the bias column last.

:func:`recurrent_task` draws a realisable task: Gaussian inputs and the
outputs of a fixed random teacher of the same shape.
"""

from dataclasses import dataclass

import numpy as np

from gates._validate import check_array, check_choice, check_int, check_positive
from gates.errors import InputError
from gates.learning.nets.activations import ACTIVATIONS, activate
from gates.learning.nets.feedforward import CHUNK_BYTES, backpropagate

__all__ = ["V_GAIN", "Recurrent", "recurrent_task"]

# V ~ N(0, V_GAIN^2 / n_hidden): by the circular law the eigenvalues of V
# fill the disc of radius ~V_GAIN, and |f'| <= 1, so a perturbation of h
# shrinks by about V_GAIN per step; the unfolded net neither explodes nor
# forgets its early inputs within a few steps.
V_GAIN = 0.8


def _rng(seed):
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise InputError(f"seed must be None, a non-negative integer or a numpy Generator, got {seed!r}") from None


@dataclass(frozen=True)
class Recurrent:
    """A recurrent net h_t = f(U [x_t; 1] + V h_{t-1}), y = C [h_steps; 1], unfolded.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Inputs per step, recurrent hidden units, linear outputs (each >= 1).
    steps : int
        Time steps unfolded (>= 1); the output reads h at the last step.
    activation : {"tanh", "logistic"}
        f of the hidden units.

    Raises
    ------
    InputError
        A size that is not a positive integer, or an unknown activation.

    Examples
    --------
    >>> net = Recurrent(2, 3, 1, steps=4)
    >>> net.n_weights, net.n_units          # 3*3 + 3*3 + 1*4;  3*4 + 1
    (22, 13)
    >>> w = net.init(0)
    >>> X, T = recurrent_task(net, P=5, seed=1)
    >>> E, g = net.gradient(w, X, T)
    >>> g.shape, bool(np.isclose(E, net.error(w, X, T)))
    ((22,), True)
    """

    n_in: int
    n_hidden: int
    n_out: int
    steps: int
    activation: str = "tanh"

    def __post_init__(self):
        for name in ("n_in", "n_hidden", "n_out", "steps"):
            object.__setattr__(self, name, check_int(getattr(self, name), name, lo=1))
        check_choice(self.activation, "activation", ACTIVATIONS)

    # ------------------------------------------------------------------
    # sizes and layout
    # ------------------------------------------------------------------

    @property
    def n_weights(self):
        """W = n_hidden (n_in + 1) + n_hidden^2 + n_out (n_hidden + 1)."""
        h = self.n_hidden
        return h * (self.n_in + 1) + h * h + self.n_out * (h + 1)

    @property
    def n_units(self):
        """N = n_hidden * steps + n_out: the hidden units of every copy, then the outputs."""
        return self.n_hidden * self.steps + self.n_out

    @property
    def n_weight_uses(self):
        """Multiply-adds of one full forward pass per example.

        ``steps * n_hidden * (n_in + 1 + n_hidden) + n_out * (n_hidden + 1)``:
        every copy of U and V (the V h_0 = 0 product of step 1 included, so
        the unfolded net is ``steps`` identical layers) and C once. A
        feed-forward net uses each weight once, so there this is W; here
        it is the cost the channel's operation counts should charge for
        one forward pass.
        """
        h = self.n_hidden
        return self.steps * h * (self.n_in + 1 + h) + self.n_out * (h + 1)

    def unit_weight_span(self):
        """Weight uses at and above each unfolded unit, shape (n_units,), int64.

        For the hidden unit of step t (t = 1..steps) it is
        ``(steps - t + 1) * n_hidden * (n_in + 1 + n_hidden) + n_out * (n_hidden + 1)``:
        the copies of U and V of steps t..steps (its own layer included, as
        "weights at and above the unit's layer" for the feed-forward net)
        and C; for an output unit, ``n_out * (n_hidden + 1)``. Entry u,
        divided by :attr:`n_weight_uses`, is the fraction of a forward pass
        that re-propagating a perturbation of unit u costs (the value at
        the first step equals :attr:`n_weight_uses`).

        Examples
        --------
        >>> Recurrent(1, 2, 1, steps=3).unit_weight_span()
        array([27, 27, 19, 19, 11, 11,  3])
        """
        h = self.n_hidden
        top = self.n_out * (h + 1)
        per_step = h * (self.n_in + 1 + h)
        copies = np.repeat(np.arange(self.steps, 0, -1, dtype=np.int64), h)
        return np.concatenate([copies * per_step + top, np.full(self.n_out, top, dtype=np.int64)])

    def unpack(self, w):
        """Views U (n_hidden, n_in + 1), V (n_hidden, n_hidden), C (n_out, n_hidden + 1) of w.

        Examples
        --------
        >>> U, V, C = Recurrent(2, 3, 1, steps=2).unpack(np.arange(22.0))
        >>> U.shape, V.shape, C.shape, C[0, -1]
        ((3, 3), (3, 3), (1, 4), np.float64(21.0))
        """
        w = self._w(w)
        return self._split(w)

    def _split(self, w):
        """U, V, C as views of the last axis of w (shape (..., W))."""
        h, a = self.n_hidden, self.n_in + 1
        lead = w.shape[:-1]
        U = w[..., : h * a].reshape(*lead, h, a)
        V = w[..., h * a : h * a + h * h].reshape(*lead, h, h)
        C = w[..., h * a + h * h :].reshape(*lead, self.n_out, h + 1)
        return U, V, C

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------

    def _w(self, w):
        return check_array(w, "w", shape=(self.n_weights,))

    def _X(self, X):
        X = check_array(X, "X", shape=(None, self.steps, self.n_in))
        if X.shape[0] < 1:
            raise InputError("X must hold at least one example, got P = 0")
        return X

    def _XT(self, X, T):
        X = self._X(X)
        T = check_array(T, "T", shape=(X.shape[0], self.n_out))
        return X, T

    # ------------------------------------------------------------------
    # forward pass and error
    # ------------------------------------------------------------------

    def init(self, seed=None):
        """Random weights: U ~ N(0, 1/(n_in + 1)), V ~ N(0, V_GAIN^2 / n_hidden), C ~ N(0, 1/(n_hidden + 1)).

        Each weight is N(0, 1/fan_in) (fan_in = n_in + 1 for U, n_hidden + 1
        for C) except V, which is scaled by ``V_GAIN`` = 0.8 so the spectral
        radius of V is about 0.8 and the dynamics are contracting. Drawn in
        the order U, V, C from ``numpy.random.default_rng(seed)``.

        Parameters
        ----------
        seed : None, int or numpy Generator

        Returns
        -------
        w : ndarray, shape (n_weights,)

        Examples
        --------
        >>> net = Recurrent(2, 3, 1, steps=2)
        >>> bool(np.array_equal(net.init(5), net.init(5)))
        True
        """
        rng = _rng(seed)
        h = self.n_hidden
        U = rng.normal(0.0, 1.0 / np.sqrt(self.n_in + 1), h * (self.n_in + 1))
        V = rng.normal(0.0, V_GAIN / np.sqrt(h), h * h)
        C = rng.normal(0.0, 1.0 / np.sqrt(h + 1), self.n_out * (h + 1))
        return np.concatenate([U, V, C])

    def _inputs(self, U, X):
        """U [x_t; 1] for every example and step, shape (P, steps, n_hidden)."""
        return X @ U[:, :-1].T + U[:, -1]

    def _hidden(self, w, X):
        """h_1..h_steps, shape (P, steps, n_hidden), and U, V, C."""
        U, V, C = self._split(w)
        A = self._inputs(U, X)
        H = np.empty_like(A)
        h = np.zeros((X.shape[0], self.n_hidden))  # h_0 = 0
        for t in range(self.steps):
            h = activate(A[:, t] + h @ V.T, self.activation)  # z_t = U [x_t; 1] + V h_{t-1}
            H[:, t] = h
        return H, U, V, C

    def forward(self, w, X):
        """Outputs y = C [h_steps; 1], shape (P, n_out).

        Parameters
        ----------
        w : array, shape (n_weights,)
        X : array, shape (P, steps, n_in)

        Returns
        -------
        Y : ndarray, shape (P, n_out)

        Raises
        ------
        InputError
            w or X of the wrong shape, or not finite.

        Examples
        --------
        >>> net = Recurrent(1, 1, 1, steps=1)
        >>> w = np.array([0.0, 0.0, 0.0, 2.0, 0.5])    # U = [0, 0], V = 0, C = [2, 0.5]
        >>> net.forward(w, np.ones((1, 1, 1)))
        array([[0.5]])
        """
        w, X = self._w(w), self._X(X)
        H, _, _, C = self._hidden(w, X)
        return H[:, -1] @ C[:, :-1].T + C[:, -1]

    def error(self, w, X, T):
        """E = 1/(2P) sum_p ||y_p - T_p||^2.

        Examples
        --------
        >>> net = Recurrent(1, 1, 1, steps=1)
        >>> w = np.array([0.0, 0.0, 0.0, 2.0, 0.5])
        >>> net.error(w, np.ones((2, 1, 1)), np.array([[0.5], [1.5]]))
        0.25
        """
        X, T = self._XT(X, T)
        Y = self.forward(w, X)
        return float(0.5 * np.sum((Y - T) ** 2) / X.shape[0])

    def errors(self, Wmat, X, T):
        """The error of each of K weight vectors at once, shape (K,).

        The forward pass runs on all K nets together as batched matrix
        products (no Python loop over K), K split into chunks so that
        K_chunk * P * max(n_hidden, n_out) * 8 bytes stays under ~256 MB.

        Parameters
        ----------
        Wmat : array, shape (K, n_weights)
        X : array, shape (P, steps, n_in)
        T : array, shape (P, n_out)

        Returns
        -------
        E : ndarray, shape (K,)

        Examples
        --------
        >>> net = Recurrent(2, 3, 1, steps=3)
        >>> X, T = recurrent_task(net, P=4, seed=0)
        >>> Wmat = np.stack([net.init(1), net.init(2)])
        >>> bool(np.allclose(net.errors(Wmat, X, T), [net.error(w, X, T) for w in Wmat]))
        True
        """
        Wmat = check_array(Wmat, "Wmat", shape=(None, self.n_weights))
        X, T = self._XT(X, T)
        P = X.shape[0]
        out = np.empty(Wmat.shape[0])
        chunk = max(1, CHUNK_BYTES // (8 * P * max(self.n_hidden, self.n_out)))
        for k0 in range(0, Wmat.shape[0], chunk):
            U, V, C = self._split(Wmat[k0 : k0 + chunk])
            Ux, Ub, Vt = np.swapaxes(U[:, :, :-1], 1, 2), U[:, None, :, -1], np.swapaxes(V, 1, 2)
            h = np.zeros((U.shape[0], P, self.n_hidden))  # h_0 = 0
            for t in range(self.steps):
                h = activate(X[:, t] @ Ux + Ub + h @ Vt, self.activation)  # z_t = U [x_t; 1] + V h_{t-1}, (k, P, h)
            Y = h @ np.swapaxes(C[:, :, :-1], 1, 2) + C[:, None, :, -1]  # y = C [h_steps; 1]
            out[k0 : k0 + chunk] = 0.5 * np.sum((Y - T) ** 2, axis=(1, 2)) / P
        return out

    # ------------------------------------------------------------------
    # backpropagation through time
    # ------------------------------------------------------------------

    def _bptt(self, w, X, T):
        """E, the gradient and the deltas dE_p/dz (P, n_units), by BPTT."""
        H, U, V, C = self._hidden(w, X)
        P, S = X.shape[0], self.steps
        Y = H[:, -1] @ C[:, :-1].T + C[:, -1]
        d_out = (Y - T) / P  # dE/dy, E = 1/(2P) sum ||y - T||^2
        # the unfolded net is layered: h_{t-1} -> z_t through V, h_steps -> y through C, so its deltas are
        # the feed-forward net's backpropagation, delta_t = (delta_{t+1} V) f'(z_t)
        ds = backpropagate([None] + [V] * (S - 1) + [C[:, :-1]], [None] + [H[:, t] for t in range(S)] + [Y], d_out,
                           self.activation)
        gU, gV = np.zeros_like(U), np.zeros_like(V)
        gC = d_out.T @ np.hstack([H[:, -1], np.ones((P, 1))])  # dE/dC = delta_out [h_steps; 1]^T
        for t in range(S - 1, -1, -1):
            d = ds[t]
            # the shared weights' gradients sum over the copies:
            # dE/dU += delta_t [x_t; 1]^T, dE/dV += delta_t h_{t-1}^T (h_0 = 0)
            gU[:, :-1] += d.T @ X[:, t]
            gU[:, -1] += d.sum(axis=0)
            if t > 0:
                gV += d.T @ H[:, t - 1]
        E = float(0.5 * np.sum((Y - T) ** 2) / P)
        return E, np.concatenate([gU.ravel(), gV.ravel(), gC.ravel()]), np.concatenate(ds, axis=1)

    def gradient(self, w, X, T):
        """E and its gradient dE/dw by backpropagation through time.

        Parameters
        ----------
        w : array, shape (n_weights,)
        X : array, shape (P, steps, n_in)
        T : array, shape (P, n_out)

        Returns
        -------
        E : float
        g : ndarray, shape (n_weights,)
            Laid out as w; the gradient of U and V is the sum over the
            ``steps`` unfolded copies.

        Examples
        --------
        >>> net = Recurrent(2, 2, 1, steps=3, activation="logistic")
        >>> X, T = recurrent_task(net, P=6, seed=0)
        >>> w = net.init(1)
        >>> E, g = net.gradient(w, X, T)
        >>> e = 1e-6 * np.eye(net.n_weights)[4]
        >>> fd = (net.error(w + e, X, T) - net.error(w - e, X, T)) / 2e-6
        >>> bool(abs(fd - g[4]) < 1e-8)
        True
        """
        w = self._w(w)
        X, T = self._XT(X, T)
        E, g, _ = self._bptt(w, X, T)
        return E, g

    def unit_deltas(self, w, X, T):
        """Exact deltas dE_p/dz_{p,u} of every unfolded unit by BPTT, shape (P, n_units).

        E_p = ||y_p - T_p||^2 / (2P) is example p's share of E, and z the
        pre-activation (for an output unit, the output itself). Columns are
        time-major: hidden unit i at step t is column (t - 1) * n_hidden + i,
        then the outputs.

        Examples
        --------
        >>> net = Recurrent(2, 3, 1, steps=2)
        >>> X, T = recurrent_task(net, P=4, seed=0)
        >>> w = net.init(1)
        >>> D = net.unit_deltas(w, X, T)
        >>> bool(np.allclose(net.weight_gradient_from_deltas(w, X, D), net.gradient(w, X, T)[1]))
        True
        """
        w = self._w(w)
        X, T = self._XT(X, T)
        return self._bptt(w, X, T)[2]

    # ------------------------------------------------------------------
    # activity perturbation (PALR / PALB)
    # ------------------------------------------------------------------

    def unit_deltas_fd(self, w, X, T, eps=1e-4):
        """Forward-difference estimates of dE_p/dz_{p,u} for every unfolded unit, (P, n_units).

        Each unit's pre-activation z is raised by eps for every example at
        once, and the net re-propagated from that unit's time step up (the
        later copies and the output); delta_{p,u} = (E_p(z + eps) -
        E_p) / eps with E_p = ||y_p - T_p||^2 / (2P). A forward difference,
        so one re-propagation per unit (what :meth:`unit_weight_span`
        counts); its error is O(eps). The units of one time step run
        together as a batch. Columns as in :meth:`unit_deltas`.

        Parameters
        ----------
        w : array, shape (n_weights,)
        X : array, shape (P, steps, n_in)
        T : array, shape (P, n_out)
        eps : float
            The perturbation, > 0.

        Returns
        -------
        deltas : ndarray, shape (P, n_units)

        Examples
        --------
        >>> net = Recurrent(2, 3, 1, steps=2)
        >>> X, T = recurrent_task(net, P=4, seed=0)
        >>> w = net.init(1)
        >>> D = net.unit_deltas_fd(w, X, T, eps=1e-6)
        >>> bool(np.allclose(D, net.unit_deltas(w, X, T), atol=1e-6))
        True
        """
        w = self._w(w)
        X, T = self._XT(X, T)
        eps = check_positive(eps, "eps")
        P, h, S = X.shape[0], self.n_hidden, self.steps
        U, V, C = self._split(w)
        A = self._inputs(U, X)  # U [x_t; 1], reused by every re-propagation
        Z = np.empty_like(A)  # pre-activations z_t
        H = np.empty_like(A)
        prev = np.zeros((P, h))
        for t in range(S):
            Z[:, t] = A[:, t] + prev @ V.T
            H[:, t] = prev = activate(Z[:, t], self.activation)
        Cx, Cb = C[:, :-1].T, C[:, -1]
        R = H[:, -1] @ Cx + Cb - T  # residual y - T
        Ep = 0.5 * np.sum(R * R, axis=1) / P
        out = np.empty((P, self.n_units))
        # output units: y is its own pre-activation, y + eps e_j
        for j in range(self.n_out):
            Rj = R.copy()
            Rj[:, j] += eps
            out[:, h * S + j] = (0.5 * np.sum(Rj * Rj, axis=1) / P - Ep) / eps
        # hidden units of step t: a batch over the units j of the step, (j, P, h)
        chunk = max(1, CHUNK_BYTES // (8 * P * h))
        for t in range(S):
            for j0 in range(0, h, chunk):
                js = np.arange(j0, min(h, j0 + chunk))
                z = np.broadcast_to(Z[:, t], (len(js), P, h)).copy()
                z[np.arange(len(js)), :, js] += eps  # batch member j: z_t + eps e_j
                hb = activate(z, self.activation)
                for s in range(t + 1, S):  # re-propagate the later copies
                    hb = activate(A[:, s] + hb @ V.T, self.activation)
                Rb = hb @ Cx + Cb - T
                out[:, t * h + js] = ((0.5 * np.sum(Rb * Rb, axis=2) / P - Ep) / eps).T
        return out

    def weight_gradient_from_deltas(self, w, X, deltas):
        """The local rule: each weight's gradient from the deltas of its units, (n_weights,).

        dE/dU = sum_t sum_p delta_{p,t} [x_{p,t}; 1]^T,
        dE/dV = sum_t sum_p delta_{p,t} h_{p,t-1}^T,
        dE/dC = sum_p delta_{p,out} [h_{p,steps}; 1]^T,
        with the activities h of a forward pass at w. With the exact deltas
        (:meth:`unit_deltas`) this is the BPTT gradient.

        Parameters
        ----------
        w : array, shape (n_weights,)
        X : array, shape (P, steps, n_in)
        deltas : array, shape (P, n_units)
            Columns as in :meth:`unit_deltas`.

        Returns
        -------
        g : ndarray, shape (n_weights,)

        Examples
        --------
        >>> net = Recurrent(1, 1, 1, steps=1)
        >>> w = np.array([0.0, 0.0, 0.0, 2.0, 0.5])        # h_1 = tanh(0) = 0
        >>> net.weight_gradient_from_deltas(w, np.ones((1, 1, 1)), np.array([[1.0, 3.0]]))
        array([1., 1., 0., 0., 3.])
        """
        w, X = self._w(w), self._X(X)
        P, h, S = X.shape[0], self.n_hidden, self.steps
        deltas = check_array(deltas, "deltas", shape=(P, self.n_units))
        H = self._hidden(w, X)[0]
        Dh = deltas[:, : h * S].reshape(P, S, h)
        Dout = deltas[:, h * S :]
        gU = np.empty((h, self.n_in + 1))
        gU[:, :-1] = np.einsum("pti,ptj->ij", Dh, X)  # sum_t delta_t x_t^T
        gU[:, -1] = Dh.sum(axis=(0, 1))  # ... and the bias 1
        gV = np.einsum("pti,ptj->ij", Dh[:, 1:], H[:, :-1])  # sum_t delta_t h_{t-1}^T, h_0 = 0
        gC = np.empty((self.n_out, h + 1))
        gC[:, :-1] = Dout.T @ H[:, -1]  # delta_out h_steps^T
        gC[:, -1] = Dout.sum(axis=0)
        return np.concatenate([gU.ravel(), gV.ravel(), gC.ravel()])


def recurrent_task(net, P, seed=None):
    """A realisable task for `net`: X ~ N(0, 1) and the outputs of a random teacher.

    The teacher is a :class:`Recurrent` of the same shape with weights
    ``net.init`` of its own stream. ``SeedSequence(seed).spawn(2)`` gives
    the two streams (inputs, teacher); a Generator seed is spawned the same
    way, so one seed reproduces the task.

    Parameters
    ----------
    net : Recurrent
    P : int
        Examples (>= 1).
    seed : None, int or numpy Generator

    Returns
    -------
    X : ndarray, shape (P, steps, n_in)
    T : ndarray, shape (P, n_out)

    Examples
    --------
    >>> net = Recurrent(3, 4, 2, steps=5)
    >>> X, T = recurrent_task(net, P=10, seed=0)
    >>> X.shape, T.shape
    ((10, 5, 3), (10, 2))
    """
    if not isinstance(net, Recurrent):
        raise InputError(f"net must be a Recurrent, got {type(net).__name__}")
    P = check_int(P, "P", lo=1)
    if isinstance(seed, np.random.Generator):
        data, teacher = seed.spawn(2)
    else:
        try:
            data, teacher = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
        except (TypeError, ValueError):
            raise InputError(
                f"seed must be None, a non-negative integer or a numpy Generator, got {seed!r}"
            ) from None
    X = data.normal(0.0, 1.0, (P, net.steps, net.n_in))
    return X, net.forward(net.init(teacher), X)

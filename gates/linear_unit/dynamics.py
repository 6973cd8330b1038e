"""Training a linear unit with a local rule, and the exact dynamics of rules of effective degree <= 1.

A linear unit has output O = w . I; a local rule moves synapse j by
dw_j / eta = sum_m c_m O^a x^b w^c T^d (x = I_j, w = w_j), see
:mod:`gates.linear_unit.moments` for the notation and the moments.

What lives here:

* :func:`simulate`, the plain numpy reference dynamics (batch or online,
  linear or tanh output);
* exact dynamics of rules of effective degree <= 1 (the epoch recurrence is
  affine in w): :func:`affine_coefficients`, :func:`exact_trajectory`;
* the named behaviours of the linear analysis: :func:`hebb_alignment`,
  :func:`oja_convergence`, :func:`delta_least_squares` (measured by
  :func:`gates.verify.linear_unit.check_linear_dynamics`).

Saturating rules (``rule.saturate``, w = tanh(u)) are not polynomial in w and
are refused. Everything is float64.
"""

import math

import numpy as np

from gates._validate import check_array, check_choice, check_int, check_matrix, check_positive
from gates.errors import InputError
from gates.learning.rules import get_rule
from gates.linear_unit.moments import check_rule, check_targets, moments, term_text

__all__ = [
    "UPDATE_MODES",
    "TRANSFERS",
    "OVERFLOW",
    "simulate",
    "affine_coefficients",
    "exact_trajectory",
    "hebb_alignment",
    "oja_convergence",
    "delta_least_squares",
]

UPDATE_MODES = ("batch", "online")
"""How :func:`simulate` presents the rows: all at once on the same w, or one at a time."""
OVERFLOW = 1e100
"""|w_j| beyond which :func:`simulate` declares the weights overflowed (a
cubic term of such a weight is still finite in float64)."""

# --------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------


TRANSFERS = ("linear", "tanh")
"""Output functions O = f(w . I) that :func:`simulate` trains: the linear unit
of this module and the tanh unit of the non-linear comparison
(:func:`gates.studies.single_unit.riccati_tanh.riccati_tanh_images`)."""


def _batch_step(terms, w, I, T, Ib, f=None):
    """E[F] over the rows: sum_m coef * mean_p(O_p^a T_p^d I_pj^b) * w_j^c, O_p = f(w . I_p)."""
    P = I.shape[0]
    O = I @ w if f is None else f(I @ w)
    out = np.zeros_like(w)
    for coef, a, b, c, d in terms:
        s = O**a if a else np.ones(P)
        if d:
            s = s * T**d
        out += coef * (s @ Ib[b]) / P * w**c
    return out


def simulate(rule, I, T, w0, eta, epochs, mode="batch", seed=0, transfer="linear"):
    """Train a linear (or tanh) unit with a local rule; the plain numpy reference dynamics.

    * ``batch``: each epoch w += eta * mean_p F(O_p, I_p, w, T_p) (all rows
      see the same w);
    * ``online``: each epoch visits every row once in the order
      ``rng.permutation(P)``, drawn afresh each epoch from
      ``rng = np.random.default_rng(seed)``, with step eta / P per row.

    Both move w by about eta * E[F] per epoch, so epoch e is ODE time
    t = eta * e.

    Parameters
    ----------
    rule : Rule or str
        A non-saturating rule, or its polynomial (``"T*x - O*x"``).
    I : array_like, shape (P, n)
        The inputs, one row per example.
    T : array_like, shape (P,), or None
        The targets (needed when the rule reads T).
    w0 : array_like, shape (n,)
        The initial weights.
    eta : float > 0
        The learning rate.
    epochs : int >= 0
        The number of epochs.
    mode : {"batch", "online"}, default "batch"
        Every row sees the same w, or rows one at a time in a fresh order.
    seed : None, int or numpy Generator, default 0
        Only the online order uses it.
    transfer : {"linear", "tanh"}, default "linear"
        The unit's output: O = w . I or O = tanh(w . I).

    Returns
    -------
    ndarray, shape (epochs + 1, n)
        Row e is w after e epochs (row 0 is w0). When a weight overflows
        (non-finite or |w_j| > :data:`OVERFLOW` = 1e100 at the end of an
        epoch) the simulation stops and that row and all later rows are NaN.

    Raises
    ------
    InputError
        Saturating rule, missing T, bad shapes, values, eta, epochs, mode or transfer.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.array([[1.0, 0.0], [0.0, 1.0]]); T = np.array([1.0, -1.0])
    >>> simulate("T*x - O*x", I, T, [0.0, 0.0], 1.0, 2)
    array([[ 0.  ,  0.  ],
           [ 0.5 , -0.5 ],
           [ 0.75, -0.75]])
    """
    I = check_matrix(I, "inputs I")
    P, n = I.shape
    T = check_targets(T, P)
    rule = check_rule(rule, T)
    w = check_array(w0, "initial weights w0", shape=(n,)).copy()
    eta = check_positive(eta, "learning rate eta")
    epochs = check_int(epochs, "epochs", lo=0)
    check_choice(mode, "mode", UPDATE_MODES)
    check_choice(transfer, "transfer", TRANSFERS)
    out_f = np.tanh if transfer == "tanh" else None
    terms = [(float(c), int(a), int(b), int(cw), int(d)) for c, a, b, cw, d in rule.terms]
    out = np.full((epochs + 1, n), np.nan)
    out[0] = w
    Ib = [np.ones(P), I, I**2, I**3]
    rng = np.random.default_rng(seed) if mode == "online" else None
    powers = sorted({c for _, _, _, c, _ in terms if c})
    step = eta / P
    with np.errstate(over="ignore", invalid="ignore"):
        for e in range(1, epochs + 1):
            if mode == "batch":
                w = w + eta * _batch_step(terms, w, I, T, Ib, out_f)
            else:
                for p in rng.permutation(P):
                    x = I[p]
                    o = x @ w if out_f is None else out_f(x @ w)
                    t = T[p] if T is not None else 0.0
                    wp = {c: w**c for c in powers}
                    # F = sum_m (coef O^a T^d) x^b w^c, the same products in the same order as
                    # (coef O^a T^d) * x^b * w^c, without the x^0 and w^0 arrays of ones
                    f = np.zeros(n)
                    for coef, a, b, c, d in terms:
                        v = coef * o**a * t**d
                        if b:
                            v = v * Ib[b][p]
                        if c:
                            v = v * wp[c]
                        f = f + v
                    w = w + step * f
            if not np.all(np.isfinite(w)) or np.max(np.abs(w)) > OVERFLOW:
                break  # rows e.. stay NaN
            out[e] = w
    return out


# --------------------------------------------------------------------------
# exact dynamics for effective degree <= 1
# --------------------------------------------------------------------------


def affine_coefficients(rule, I, T=None):
    """A, b with E[dw]/eta = A w + b, for a rule of effective degree <= 1.

    With a + c <= 1 a term contributes, for synapse j,
    a = 1: sum_k E[T^d I_j^b I_k] w_k (row j of A);
    c = 1: E[T^d I_j^b] w_j (diagonal of A);
    a = c = 0: E[T^d I_j^b] (to b). Only moments of order <= 2 in I_k are
    needed, so large n is fine.

    Parameters
    ----------
    rule : Rule or str
        A rule of effective degree <= 1, or its polynomial.
    I : array_like, shape (P, n)
        The inputs, one row per example.
    T : array_like, shape (P,), optional
        The targets (needed when the rule reads T).

    Returns
    -------
    A : ndarray, shape (n, n)
        The linear part of the expected update.
    b : ndarray, shape (n,)
        The constant part.

    Raises
    ------
    InputError
        A term with a + c > 1 (its expectation is not affine in w), a
        saturating rule, missing T, bad inputs.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.array([[1.0, 0.0], [1.0, 1.0]]); T = np.array([1.0, 0.0])
    >>> A, b = affine_coefficients("T*x - O*x", I, T)   # A = -Sigma, b = <T I>
    >>> A, b
    (array([[-1. , -0.5],
           [-0.5, -0.5]]), array([0.5, 0. ]))
    """
    I = check_matrix(I, "inputs I")
    P, n = I.shape
    T = check_targets(T, P)
    rule = check_rule(rule, T)
    for coef, a, b, c, d in rule.terms:
        if a + c > 1:
            raise InputError(f"term {term_text(a, b, c, d)} of rule {rule.name!r} has effective degree {a + c}: "
                             "affine (exactly solvable) dynamics need effective degree <= 1; use simulate")
    A = np.zeros((n, n))
    bvec = np.zeros(n)
    for coef, a, b, c, d in rule.terms:
        s = T**d if d else np.ones(P)
        Ib = I**b
        if a == 1:
            A += coef * np.einsum("p,pj,pk->jk", s, Ib, I) / P
        elif c == 1:
            A[np.diag_indices(n)] += coef * (s @ Ib) / P
        else:
            bvec += coef * (s @ Ib) / P
    return A, bvec


def _powers_by_squaring(G, z0, epochs):
    """Rows G^e z0 for e = 0..epochs, each from the binary expansion of e.

    Every row is computed on its own from G, G^2, G^4, ... (no step depends
    on the previous epoch), so rounding does not accumulate along the
    trajectory; cost epochs * log2(epochs) matrix-vector products.
    """
    squares = [G]
    while 2 ** len(squares) <= max(epochs, 1):
        squares.append(squares[-1] @ squares[-1])
    out = np.empty((epochs + 1, len(z0)))
    for e in range(epochs + 1):
        z, k, r = z0, 0, e
        while r:
            if r & 1:
                z = squares[k] @ z
            r >>= 1
            k += 1
        out[e] = z
    return out


_EIG_COND_MAX = 1e6


def exact_trajectory(rule, I, T, w0, eta, epochs, method="auto"):
    """Closed-form epoch trajectory of a rule of effective degree <= 1.

    The batch recurrence w_{e+1} = w_e + eta (A w_e + b) (A, b from
    :func:`affine_coefficients`) is linear in z = [w, 1]:
    z_{e+1} = G z_e with G = [[M, eta b], [0, 1]], M = Id + eta A, so
    z_e = G^e z_0 for every e. ``eig`` writes G = V diag(lam) V^{-1} and
    z_e = V (lam^e * V^{-1} z_0), all e at once; it is used when G is
    diagonalisable with cond(V) <= 1e6. Otherwise (``auto``) or on request
    (``power``) each G^e z_0 is formed from the binary powers G^{2^k}
    (repeated squaring), which handles Jordan blocks, e.g. A singular with
    b outside its range (w grows linearly). Neither iterates the recurrence.

    Parameters
    ----------
    rule : Rule or str
        A rule of effective degree <= 1 (a + c <= 1 in every term), or its polynomial.
    I : array_like, shape (P, n)
        The inputs, one row per example.
    T : array_like, shape (P,), or None
        The targets (needed when the rule reads T).
    w0 : array_like, shape (n,)
        The initial weights.
    eta : float > 0
        The learning rate.
    epochs : int >= 0
        The number of epochs.
    method : {"auto", "eig", "power"}, default "auto"
        Eigendecomposition, repeated squaring, or the first when it is well conditioned.

    Returns
    -------
    ndarray, shape (epochs + 1, n)
        Row e is w after e batch epochs, the same as :func:`simulate` in
        ``batch`` mode up to rounding. Entries that overflow float64 come out
        as inf or NaN.

    Raises
    ------
    InputError
        Effective degree > 1, ``method="eig"`` on a non-diagonalisable G,
        or the input errors of :func:`affine_coefficients`.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.array([[1.0, 0.0], [0.0, 1.0]]); T = np.array([1.0, -1.0])
    >>> exact_trajectory("T*x - O*x", I, T, [0.0, 0.0], 1.0, 2)
    array([[ 0.  ,  0.  ],
           [ 0.5 , -0.5 ],
           [ 0.75, -0.75]])
    """
    check_choice(method, "method", ("auto", "eig", "power"))
    A, b = affine_coefficients(rule, I, T)
    n = len(b)
    w0 = check_array(w0, "initial weights w0", shape=(n,))
    eta = check_positive(eta, "learning rate eta")
    epochs = check_int(epochs, "epochs", lo=0)
    G = np.eye(n + 1)
    G[:n, :n] += eta * A
    G[:n, n] = eta * b
    z0 = np.append(w0, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        if method != "power":
            lam, V = np.linalg.eig(G)
            ok = np.all(np.isfinite(V)) and np.linalg.cond(V) <= _EIG_COND_MAX
            if ok:
                coef = np.linalg.solve(V, z0)
                e = np.arange(epochs + 1)
                Z = (lam[None, :] ** e[:, None] * coef[None, :]) @ V.T
                W = Z.real[:, :n].copy()
                W[0] = w0  # G^0 = Id exactly
                return W
            if method == "eig":
                raise InputError(f"G = [[Id + eta A, eta b], [0, 1]] is not (well) diagonalisable "
                                 f"(cond(V) > {_EIG_COND_MAX:g}): use method='power' or 'auto'")
        return _powers_by_squaring(G, z0, epochs)[:, :n]


# --------------------------------------------------------------------------
# named behaviours of the linear analysis
# --------------------------------------------------------------------------


def _principal(sigma, mu):
    """Largest eigenvalue of E[I I^T], its unit eigenvector (sign: toward mu), all eigenvalues."""
    lam, V = np.linalg.eigh(sigma)
    v = V[:, -1]
    if v @ mu < 0:
        v = -v
    return lam[-1], v, lam


def _principal_pair(sigma):
    """The second largest eigenvalue of a symmetric matrix (nan for n = 1)."""
    lam = np.linalg.eigvalsh(sigma)
    return lam[-2] if len(lam) > 1 else float("nan")


def _line_cos(W, u):
    """|cos| of the angle between each row of W and u (lines, not rays)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(W @ u) / (np.linalg.norm(W, axis=1) * np.linalg.norm(u))


def _deg(cos):
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _default_w0(w0, n, seed, scale):
    if w0 is not None:
        return check_array(w0, "initial weights w0", shape=(n,))
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal(n) / math.sqrt(n)


def _unsupervised_setup(I, w0, eta, seed, scale):
    """Inputs, moments, the principal pair, eta (default 0.1 / lambda_max) and w0 of an unsupervised study."""
    I = check_matrix(I, "inputs I")
    mom = moments(I, order=2)
    lam, v, lams = _principal(mom.sigma, mom.mu)
    eta = 0.1 / lam if eta is None else check_positive(eta, "learning rate eta")
    return I, mom, lam, v, lams, eta, _default_w0(w0, I.shape[1], seed, scale)


def hebb_alignment(I, w0=None, eta=None, epochs=200, seed=0, mode="batch"):
    """Simple Hebb O*x on a linear unit: the norm diverges, the direction aligns.

    In expectation dw/dt = E[O I] = E[I I^T] w: w grows like
    (1 + eta lambda_max)^epoch along the principal eigenvector v of the
    *uncentred* second moment E[I I^T] (its sign is that of v . w0). That is
    the paper's "centre of gravity" direction mu = E[I] only approximately:
    E[I I^T] = C + mu mu^T, so v is close to mu / |mu| when the covariance C
    is small next to mu mu^T (the paper's independence approximation,
    E[I_i I_j] ~ E[I_i] E[I_j]). Both angles are reported.

    Parameters
    ----------
    I : array_like, shape (P, n)
    w0 : array_like, shape (n,), optional
        Default: ``0.01 * standard_normal(n) / sqrt(n)`` from `seed`.
    eta : float, optional
        Default ``0.1 / lambda_max``.
    epochs : int
    seed : None, int or Generator
        Initial weights (when w0 is None) and the online order.
    mode : {"batch", "online"}

    Returns
    -------
    dict
        ``norm``, ``angle_principal_deg``, ``angle_mu_deg`` (per epoch,
        angles between lines), ``growth`` (norm ratio per epoch),
        ``lambda_max``, ``predicted_growth`` (1 + eta lambda_max),
        ``final_growth``, ``final_angle_principal_deg``,
        ``final_angle_mu_deg``, ``angle_mu_principal_deg`` (the gap of the
        independence approximation), ``eta``, ``epochs``, ``mode``.
        After an overflow (see :func:`simulate`) the arrays hold NaN.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> I = np.array([3.0, 1.0]) + 0.3 * rng.standard_normal((200, 2))
    >>> r = hebb_alignment(I, epochs=300)
    >>> bool(r["final_angle_principal_deg"] < 1e-6), bool(abs(r["final_growth"] / r["predicted_growth"] - 1) < 1e-9)
    (True, True)
    """
    I, mom, lam, v, _, eta, w0 = _unsupervised_setup(I, w0, eta, seed, 0.01)
    W = simulate(get_rule("hebb", "unsupervised"), I, None, w0, eta, epochs, mode=mode, seed=seed)
    norm = np.linalg.norm(W, axis=1)
    cos_v, cos_mu = _line_cos(W, v), _line_cos(W, mom.mu)
    with np.errstate(invalid="ignore", divide="ignore"):
        growth = norm[1:] / norm[:-1]
    ang_v, ang_mu = _deg(cos_v), _deg(cos_mu)
    with np.errstate(invalid="ignore", divide="ignore"):
        # as rays: Hebb keeps the sign of v . w0, so this ends near 0 or 180 degrees
        ray_mu = _deg((W @ mom.mu) / (norm * np.linalg.norm(mom.mu)))
    return {
        "norm": norm, "angle_principal_deg": ang_v, "angle_mu_deg": ang_mu, "growth": growth,
        "angle_mu_ray_deg": ray_mu, "w0": w0, "w": W[-1].copy(), "lambda_2": float(_principal_pair(mom.sigma)),
        "lambda_max": float(lam), "predicted_growth": 1 + eta * float(lam),
        "final_growth": float(growth[-1]) if len(growth) else float("nan"),
        "final_angle_principal_deg": float(ang_v[-1]), "final_angle_mu_deg": float(ang_mu[-1]),
        "angle_mu_principal_deg": float(_deg(_line_cos(mom.mu[None, :], v))[0]),
        "eta": eta, "epochs": int(epochs), "mode": mode,
    }


def oja_convergence(I, w0=None, eta=None, epochs=500, seed=0, mode="batch", rule=None):
    """Oja's rule O*x - O^2*w on a linear unit: |w| -> 1 along the principal eigenvector.

    In expectation dw/dt = S w - (w^T S w) w with S = E[I I^T] (uncentred);
    its stable fixed points are +-v, the unit principal eigenvector of S
    (paper: Oja keeps the norm bounded and extracts the principal
    component). The rate is about eta (lambda_1 - lambda_2) per epoch.

    Parameters
    ----------
    I : array_like, shape (P, n)
    w0 : array_like, shape (n,), optional
        Default: ``0.5 * standard_normal(n) / sqrt(n)`` from `seed`.
    eta : float, optional
        Default ``0.1 / lambda_max``.
    epochs : int
    seed : None, int or Generator
    mode : {"batch", "online"}
    rule : Rule or str, optional
        The rule trained in place of Oja's (default: Oja's rule); a rule
        without the decay, such as ``"O*x"``, shows what the decay does
        (the ``oja-no-decay`` mutant of
        :func:`gates.verify.linear_unit.check_linear_dynamics`).

    Returns
    -------
    dict
        ``w`` (final weights), ``norm``, ``cos_principal`` (|cos|, per
        epoch), ``final_norm``,
        ``final_cos``, ``distance`` (min |w -+ v| per epoch),
        ``final_distance``, ``lambda_max``, ``eigengap``, ``eta``,
        ``epochs``, ``mode``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> I = rng.standard_normal((300, 3)) * np.array([2.0, 1.0, 0.5])
    >>> r = oja_convergence(I, epochs=800)
    >>> bool(abs(r["final_norm"] - 1) < 1e-6), bool(r["final_cos"] > 1 - 1e-9)
    (True, True)
    """
    I, mom, lam, v, lams, eta, w0 = _unsupervised_setup(I, w0, eta, seed, 0.5)
    rule = get_rule("oja", "unsupervised") if rule is None else rule
    W = simulate(rule, I, None, w0, eta, epochs, mode=mode, seed=seed)
    norm = np.linalg.norm(W, axis=1)
    cos = _line_cos(W, v)
    dist = np.minimum(np.linalg.norm(W - v, axis=1), np.linalg.norm(W + v, axis=1))
    return {
        "w": W[-1], "norm": norm, "cos_principal": cos, "distance": dist,
        "final_norm": float(norm[-1]), "final_cos": float(cos[-1]), "final_distance": float(dist[-1]),
        "lambda_max": float(lam), "eigengap": float(lam - lams[-2]) if len(lams) > 1 else float(lam),
        "eta": eta, "epochs": int(epochs), "mode": mode,
    }


def delta_least_squares(I, T, w0=None, eta=None, epochs=500, seed=0, mode="batch", train_targets=None):
    """The gradient (delta) rule T*x - O*x converges to the least-squares weights.

    E[dw]/eta = E[T I] - E[I I^T] w = -grad of (1/2) E[(T - w . I)^2]: batch
    descent on a convex quadratic. It converges to the minimiser (the
    ``np.linalg.lstsq`` solution of I w = T) when eta < 2 / lambda_max of
    E[I I^T], at the rate max_i |1 - eta lambda_i| over the nonzero
    eigenvalues; with a singular E[I I^T] and w0 = 0 it reaches the
    minimum-norm solution, as lstsq does.

    Parameters
    ----------
    I : array_like, shape (P, n)
    T : array_like, shape (P,)
    w0 : array_like, shape (n,), optional
        Default zeros.
    eta : float, optional
        Default ``1 / lambda_max``.
    epochs : int
    seed : None, int or Generator
        Online order.
    mode : {"batch", "online"}
    train_targets : array_like, shape (P,), optional
        Targets for the training loop only (default `T`); the reference w*
        is always the least-squares fit of `T` (the ``delta-wrong-target``
        mutant of :func:`gates.verify.linear_unit.check_linear_dynamics`).

    Returns
    -------
    dict
        ``w`` (final weights), ``lstsq`` (the solution), ``error`` (|w_e -
        w*| / |w*| per epoch), ``final_error``, ``stable`` (eta < 2 /
        lambda_max), ``rate`` (max |1 - eta lambda_i| over nonzero
        eigenvalues), ``lambda_max``, ``eta``, ``epochs``, ``mode``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> I = rng.standard_normal((100, 3)); T = I @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(100)
    >>> r = delta_least_squares(I, T, epochs=300)
    >>> bool(r["stable"]), bool(r["final_error"] < 1e-10)
    (True, True)
    """
    I = check_matrix(I, "inputs I")
    P, n = I.shape
    T = check_targets(T, P)
    if T is None:
        raise InputError("the delta rule T*x - O*x reads the target: pass targets T")
    mom = moments(I, order=2)
    lams = np.linalg.eigvalsh(mom.sigma)
    lam = float(lams[-1])
    if lam <= 0:
        raise InputError("inputs I are all zero: E[I I^T] = 0 and the delta rule does not move")
    eta = 1.0 / lam if eta is None else check_positive(eta, "learning rate eta")
    w0 = np.zeros(n) if w0 is None else check_array(w0, "initial weights w0", shape=(n,))
    # train_targets: the training loop's targets only; w* below keeps the true T
    W = simulate(get_rule("gradient"), I, T if train_targets is None else check_targets(train_targets, P), w0, eta,
                 epochs, mode=mode, seed=seed)
    wstar = np.linalg.lstsq(I, T, rcond=None)[0]
    scale = max(np.linalg.norm(wstar), np.finfo(float).tiny)
    err = np.linalg.norm(W - wstar, axis=1) / scale
    nz = lams[lams > lam * 1e-12]
    return {
        "w": W[-1], "lstsq": wstar, "error": err, "final_error": float(err[-1]),
        "stable": bool(eta < 2.0 / lam), "rate": float(np.max(np.abs(1 - eta * nz))),
        "lambda_max": lam, "eta": eta, "epochs": int(epochs), "mode": mode,
    }

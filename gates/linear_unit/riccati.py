"""Riccati equations: rules without O whose weights each follow dw/dt = a + b w + c w^2.

When no term of a local rule reads the output O, the expected update of
synapse j on a linear unit depends on w_j alone (Baldi & Sadowski §"linear
units"): with w-degree <= 2 it is a Riccati equation per weight, solved in
closed form here, finite-time blow-up included.

What lives here: :func:`riccati` (the closed-form solution, vectorised),
:func:`riccati_blowup_time`, and :func:`riccati_coefficients` (a_j, b_j, c_j
of a rule on a dataset).
"""

import numpy as np

from gates._validate import check_matrix
from gates.errors import InputError
from gates.linear_unit.moments import check_rule, check_targets, term_text

__all__ = ["riccati", "riccati_blowup_time", "riccati_coefficients"]

# --------------------------------------------------------------------------
# Riccati equations
# --------------------------------------------------------------------------


def _riccati_args(a, b, c, w0, t=None):
    arrays = []
    for name, v in (("a", a), ("b", b), ("c", c), ("w0", w0), ("t", t)):
        if name == "t" and t is None:
            continue
        try:
            arr = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"riccati argument {name} must be real numbers, got {type(v).__name__}") from None
        if not np.all(np.isfinite(arr)):
            raise InputError(f"riccati argument {name} contains NaN or inf: only finite values are allowed")
        arrays.append(arr)
    if t is not None and np.any(arrays[-1] < 0):
        raise InputError("riccati times t must be >= 0 (the solution is integrated forward from w0 at t = 0)")
    try:
        return np.broadcast_arrays(*arrays)
    except ValueError:
        raise InputError(f"riccati arguments do not broadcast: shapes {[x.shape for x in arrays]}") from None


def _exprel(x):
    """expm1(x) / x, = 1 at 0; the series where x is tiny (or subnormal, where x*t loses digits)."""
    small = np.abs(x) < 1e-5
    xs = np.where(small, 1.0, x)
    return np.where(small, 1 + x / 2 + x * x / 6 + x**3 / 24, np.expm1(xs) / xs)


def _log1prel(x):
    """log1p(x) / x for x >= 0, = 1 at 0."""
    small = x < 1e-5
    xs = np.where(small, 1.0, x)
    return np.where(small, 1 - x / 2 + x * x / 3 - x**3 / 4, np.log1p(xs) / xs)


def _riccati_parts(a, b, c, w0):
    """Pieces shared by the closed forms of dw/dt = a + b w + c w^2 (c != 0).

    Returns s = sqrt(max(D, 0)), kappa = sqrt(max(-D, 0)) / 2 for
    D = b^2 - 4ac; the roots r1 (stable, c (r1 - r2) = -s) and r2 when
    D >= 0 (possibly +-inf for tiny c); p2 = c (w0 - r2) = c w0 + (b - s)/2
    and pu = c w0 + b/2 = c (w0 + b/2c). Each sum of b and s is formed where
    it does not cancel, the other through r1 r2 = a / c.
    """
    D = b * b - 4 * a * c
    s = np.sqrt(np.maximum(D, 0.0))
    kappa = np.sqrt(np.maximum(-D, 0.0)) / 2
    cs = np.where(c == 0, 1.0, c)
    pos = b > 0
    big = np.abs(b) + s  # no cancellation
    safe = np.where(big == 0, 1.0, big)
    # b > 0: r1 = -(b + s)/2c, r2 = -2a/(b + s), (b - s)/2 = 2ac/(b + s)
    # b <= 0: r2 = (|b| + s)/2c, r1 = 2a/(|b| + s), (b - s)/2 = -(|b| + s)/2
    r1 = np.where(pos, -big / (2 * cs), np.where(big == 0, 0.0, 2 * a / safe))
    r2 = np.where(pos, -2 * a / safe, big / (2 * cs))
    h2 = np.where(pos, 2 * a * c / safe, -big / 2)
    return D, s, kappa, r1, r2, c * w0 + h2, c * w0 + b / 2


def riccati_blowup_time(a, b, c, w0):
    """Time at which dw/dt = a + b w + c w^2 from w(0) = w0 reaches +-inf (inf if never).

    * c = 0: never (linear).
    * D = b^2 - 4ac >= 0: only if w0 is beyond the unstable root r2 on the
      side c points to, p = c (w0 - r2) > 0; then t* = log1p(s / p) / s with
      s = sqrt(D) (-> 1 / p as D -> 0).
    * D < 0: always; t* = atan2(kappa, c w0 + b/2) / kappa with
      kappa = sqrt(-D)/2 (the solution is (kappa/c) tan(kappa t + theta0)
      - b/2c, and t* is where the tangent's argument reaches pi/2).

    Parameters
    ----------
    a, b, c, w0 : array_like, broadcast together

    Returns
    -------
    ndarray (0-d for scalar arguments)

    Raises
    ------
    InputError
        NaN/inf arguments or shapes that do not broadcast.

    Examples
    --------
    >>> float(riccati_blowup_time(1.0, 0.0, 1.0, 0.0))    # tan t
    1.5707963267948966
    >>> float(riccati_blowup_time(1.0, 0.0, -1.0, 0.0))   # tanh t: never
    inf
    """
    a, b, c, w0 = _riccati_args(a, b, c, w0)
    with np.errstate(all="ignore"):
        D, s, kappa, _, _, p2, pu = _riccati_parts(a, b, c, w0)
        ps = np.where(p2 > 0, p2, 1.0)
        pos = np.where(p2 > 0, _log1prel(s / ps) / ps, np.inf)  # log1p(s/p)/s, -> 1/p as s -> 0
        kap = np.where(kappa > 0, kappa, 1.0)
        neg = np.arctan2(kap, pu) / kap
        out = np.where(c == 0, np.inf, np.where(D >= 0, pos, neg))
    return out[()]


def _err(x):
    """Rounding-error scale of a candidate (inf where it is not finite)."""
    return np.where(np.isfinite(x), np.abs(x), np.inf)


def riccati(a, b, c, w0, t):
    """Closed-form solution of dw/dt = a + b w + c w^2, w(0) = w0, vectorised.

    All arguments broadcast together (numpy rules). With f0 = a + b w0 +
    c w0^2 every case is w = w0 + f0 G(t) / den(t):

    * c = 0 (linear): w = w0 e^{bt} + a t expm1(bt)/(bt) (= w0 + a t when
      b = 0);
    * D = b^2 - 4ac >= 0, s = sqrt(D): G = (1 - e^{-st})/s (= t when D = 0),
      den = e^{-st} - c (w0 - r2) G, from the Bernoulli substitution
      1/(w - r) around a root; equivalently w = r1 + (w0 - r1) e^{-st}/den
      = r2 + (w0 - r2)/den with r1 the stable and r2 the unstable root. Of
      these three exact forms the one with the least rounding is used
      (around the root w0 or w(t) is near, around w0 when both roots are
      far, e.g. tiny c);
    * D < 0, kappa = sqrt(-D)/2: G = sin(kappa t)/kappa,
      den = cos(kappa t) - (c w0 + b/2) G, i.e.
      w = -b/2c + (kappa/c) tan(kappa t + theta0).

    Finite-time blow-up: for t >= :func:`riccati_blowup_time` the solution
    has left through infinity and the result is ``+inf`` when c > 0 and
    ``-inf`` when c < 0 (never NaN). The linear case never blows up (it may
    overflow to inf).

    Parameters
    ----------
    a, b, c, w0 : array_like
        Coefficients and initial value (finite).
    t : array_like
        Times >= 0.

    Returns
    -------
    ndarray
        The broadcast shape (0-d for scalar arguments).

    Raises
    ------
    InputError
        NaN/inf arguments, t < 0, shapes that do not broadcast.

    Examples
    --------
    >>> import numpy as np
    >>> riccati(1.0, 0.0, -1.0, 0.0, [0.0, 1.0])      # tanh t
    array([0.        , 0.76159416])
    >>> riccati(1.0, 0.0, 1.0, 0.0, [1.0, 2.0])       # tan t, blows up at pi/2
    array([1.55740772,        inf])
    """
    a, b, c, w0, t = _riccati_args(a, b, c, w0, t)
    with np.errstate(all="ignore"):
        w_lin = w0 * np.exp(b * t) + a * t * _exprel(b * t)
        D, s, kappa, r1, r2, p2, pu = _riccati_parts(a, b, c, w0)
        f0 = a + b * w0 + c * w0 * w0
        # D >= 0
        E = np.exp(-s * t)
        g = t * _exprel(-s * t)  # (1 - E)/s, = t at s = 0
        den = E - p2 * g  # > 0 until the blow-up; a sum of positives when p2 <= 0
        cands = np.stack([w0 + f0 * g / den, r1 + (w0 - r1) * E / den, r2 + (w0 - r2) / den])
        # rounding scale of each form: its terms, and the error of f0 or w0 - r carried by 1/den
        size_f0 = np.abs(a) + np.abs(b * w0) + np.abs(c * w0 * w0)
        errs = np.stack([np.abs(w0) + _err(size_f0 * g / den),
                         _err(r1) + _err((np.abs(w0) + np.abs(r1)) * E / den),
                         _err(r2) + _err((np.abs(w0) + np.abs(r2)) / den)])
        w_pos = np.take_along_axis(cands, np.argmin(errs, axis=0)[None], axis=0)[0]
        # D < 0
        kt = kappa * t
        S = t * np.sinc(kt / np.pi)  # sin(kappa t)/kappa, = t at kappa = 0
        den_neg = np.cos(kt) - pu * S
        w_neg = w0 + f0 * S / den_neg
        blown = (t >= riccati_blowup_time(a, b, c, w0)) | np.where(D >= 0, den <= 0, den_neg <= 0)
        quad = np.where(blown, np.copysign(np.inf, c), np.where(D >= 0, w_pos, w_neg))
        out = np.where(c == 0, w_lin, quad)
    return out[()]


def riccati_coefficients(rule, I, T=None):
    """Per-synapse Riccati coefficients (a_j, b_j, c_j) of a rule without O.

    When no term reads O (a = 0 for every term) and the w-degree is <= 2,
    E[dw_j]/eta = sum_m coef_m E[I_j^b T^d] w_j^c = a_j + b_j w_j + c_j w_j^2
    exactly: each weight follows its own Riccati equation in ODE time
    t = eta * epoch (:func:`riccati`).

    Parameters
    ----------
    rule : Rule or str
    I : array_like, shape (P, n)
    T : array_like, shape (P,), optional

    Returns
    -------
    a, b, c : ndarray, shape (n,) each

    Raises
    ------
    InputError
        A term with O (its expectation couples the synapses), a w^3 term,
        a saturating rule, missing T, bad inputs.

    Examples
    --------
    >>> import numpy as np
    >>> I = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]); T = np.array([1.0, 1.0, 0.0])
    >>> a, b, c = riccati_coefficients("T*x - T*w^2", I, T)   # <T x_j>, 0, -<T>
    >>> a, b, c
    (array([0.66666667, 0.33333333]), array([0., 0.]), array([-0.66666667, -0.66666667]))
    """
    I = check_matrix(I, "inputs I")
    P, n = I.shape
    T = check_targets(T, P)
    rule = check_rule(rule, T)
    for coef, a, b, c, d in rule.terms:
        if a:
            raise InputError(f"term {term_text(a, b, c, d)} of rule {rule.name!r} reads O: its expectation couples "
                             "the synapses, so the weights do not follow separate Riccati equations")
        if c > 2:
            raise InputError(f"term {term_text(a, b, c, d)} of rule {rule.name!r} has w-degree {c}: "
                             "a Riccati equation allows w-degree <= 2")
    coefs = np.zeros((3, n))
    for coef, a, b, c, d in rule.terms:
        s = T**d if d else np.ones(P)
        coefs[c] += coef * (s @ I**b) / P
    return coefs[0], coefs[1], coefs[2]

"""The exact theory of the learning channel: finite-W expectations and the paper's exponents.

For each algorithm of :mod:`gates.channel.algorithms`, the expected cosine of
its update with the gradient (:func:`theory_cos`) and its expected
first-order decrease relative to backprop's at equal eta
(:func:`theory_improvement`), exact at every W, not only asymptotically;
and the exponents of W that Baldi & Sadowski (2016, the
learning channel) predict (:func:`predicted_exponent`). :mod:`gates.channel.measure` puts
them beside the measurements.
"""

import functools
import math

import numpy as np

from gates._validate import check_choice, check_int, check_positive
from gates.channel.algorithms import ALGORITHMS, EXACT, GLOBAL
from gates.errors import InputError

__all__ = [
    "QUANTITIES",
    "random_direction_cos",
    "projection_cos",
    "expected_positive_max",
    "best_of_k_cos",
    "theory_cos",
    "theory_improvement",
    "predicted_exponent",
]

QUANTITIES = ("cos", "improvement", "rate")
"""What :func:`predicted_exponent` and :func:`~gates.channel.measure.fit_exponents` know: the rate is an
identity, the others are measured."""


def _check_W(W):
    return check_int(W, "W (weights)", lo=1)


def random_direction_cos(W):
    """E|cos(u, g)| for u uniform on the sphere of R^W (so for u ~ N(0, I_W)):
    Gamma(W/2) / (sqrt(pi) Gamma((W+1)/2)) ~ sqrt(2 / (pi W)).

    The expected cosine of pwgr and pwgb, whose sign choice makes it positive.

    Parameters
    ----------
    W : int
        The number of weights, >= 1.

    Returns
    -------
    float

    Raises
    ------
    InputError
        For W < 1.

    Examples
    --------
    At W = 2 it is E|cos| of a uniform angle, 2 / pi:

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

    Parameters
    ----------
    W : int
        The number of weights, >= 1.
    k : int
        The number of perturbations, >= 1 (<= W with `orthonormal`).
    orthonormal : bool, default False
        Orthonormalise the u_i first.

    Returns
    -------
    float

    Raises
    ------
    InputError
        For W or k < 1, or k > W with `orthonormal`.

    Examples
    --------
    >>> abs(projection_cos(100, 1) - random_direction_cos(100)) < 1e-12
    True
    """
    W = _check_W(W)
    k = check_int(k, "k (perturbations)", lo=1)
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

    Parameters
    ----------
    k : int
        The number of draws, >= 1.

    Returns
    -------
    float

    Examples
    --------
    One draw: E[max(0, z)] = 1 / sqrt(2 pi).

    >>> round(expected_positive_max(1), 6) == round(1 / math.sqrt(2 * math.pi), 6)
    True
    """
    return _expected_positive_max(check_int(k, "k (perturbations)", lo=1))


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

    Parameters
    ----------
    W : int
        The number of weights, >= 1.
    k : int
        The number of perturbations, >= 1.
    exact : bool, default True
        The exact expectation (W >= 3), or the paper's approximation.

    Returns
    -------
    float

    Examples
    --------
    >>> abs(best_of_k_cos(50, 1) - random_direction_cos(50) / 2) < 1e-6
    True
    """
    W = _check_W(W)
    k = check_int(k, "k (perturbations)", lo=1)
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

    Parameters
    ----------
    name : str
        An algorithm of :data:`gates.channel.algorithms.ALGORITHMS`.
    W : int
        The number of weights, >= 1.
    k : int, default 8
        Perturbations of the k-sample algorithms.

    Returns
    -------
    float or None
        E cos in [0, 1], or None when it depends on the data.

    Raises
    ------
    InputError
        For an unknown algorithm or W < 1.

    Examples
    --------
    >>> theory_cos("bp", 100), theory_cos("pwlb", 100) is None
    (1.0, True)
    """
    check_choice(name, "algorithm", ALGORITHMS)
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

    Parameters
    ----------
    name : str
        An algorithm of :data:`gates.channel.algorithms.ALGORITHMS`.
    W : int
        The number of weights, >= 1.
    k : int, default 8
        Perturbations of the k-sample algorithms.
    grad_norm : float, default 1.0
        The gradient's norm |g|, > 0.

    Returns
    -------
    float or None

    Raises
    ------
    InputError
        For an unknown algorithm, W or k < 1, or a non-positive `grad_norm`.

    Examples
    --------
    >>> theory_improvement("pwgr", 100), theory_improvement("pwgrk", 100, k=8)
    (0.01, 0.08)
    """
    check_choice(name, "algorithm", ALGORITHMS)
    W = _check_W(W)
    k = check_int(k, "k (perturbations)", lo=1)
    grad_norm = check_positive(grad_norm, "grad_norm")
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
    weight).

    Parameters
    ----------
    name : str
        An algorithm of :data:`gates.channel.algorithms.ALGORITHMS`.
    quantity : {"cos", "improvement", "rate"}, default "cos"
        The quantity whose growth in W is asked.

    Returns
    -------
    float or None
        The exponent of W, or None where the paper predicts none.

    Raises
    ------
    InputError
        For an unknown algorithm or quantity.

    Examples
    --------
    Backprop's rate does not fall with W; a weight perturbation's falls as 1 / W:

    >>> predicted_exponent("bp", "rate"), predicted_exponent("pwgr", "rate"), predicted_exponent("pwgr", "cos")
    (0.0, -1.0, -0.5)
    """
    check_choice(name, "algorithm", ALGORITHMS)
    if quantity == "cos":
        return -0.5 if name in GLOBAL else 0.0 if name in EXACT else None
    if quantity == "improvement":
        return {"pwgr": -1.0, "pwgrk": -1.0, "pwgb": -0.5, "pwgbk": -0.5}.get(name, 0.0 if name in EXACT else None)
    if quantity == "rate":
        return 0.0 if name == "bp" else None if name in ("palr", "palb") else -1.0
    raise InputError(f"quantity {quantity!r} is unknown: allowed {', '.join(QUANTITIES)}")

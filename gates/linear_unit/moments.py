"""Moments of a dataset and the expected update of a local rule on a linear unit (Baldi & Sadowski §"linear units").

A linear unit has output O = w . I for a weight vector w (n,) and an input
I (n,); a dataset is a matrix I (P, n) whose rows are examples, all weighted
1/P, with optional targets T (P,). A local rule (:class:`gates.learning.rules.Rule`)
moves synapse j by

    dw_j / eta = sum_m c_m O^a x^b w^c T^d,     x = I_j, w = w_j,

so its expectation over the data is (the paper's time-scale assumption)

    E[dw_j] / eta = sum_m c_m w_j^c E[T^d I_j^b (w . I)^a],

and E[T^d I_j^b (w . I)^a] contracts the *uncentred* mixed moment tensor
E[T^d I^{(x)(a+b)}] with w (a times) and the index j (b times). Every term of
degree <= 3 therefore needs moments of total order d + a + b <= 3:

=================  ======================  ===========================
name (LaTeX)       moment                  field of :class:`Moments`
=================  ======================  ===========================
``\\mu``            <I>                     ``mu``          (n,)
``\\Sigma``         <I I^T>                 ``sigma``       (n, n)
``\\Omega``         <I (x) I (x) I>         ``omega``       (n, n, n)
``\\mu_T``          <T>                     ``mu_t``
``\\mu_{T^2}``      <T^2>                   ``mu_t2``
``\\mu_{T^3}``      <T^3>                   ``mu_t3``
``\\alpha``         <T I>                   ``alpha``       (n,)
``\\alpha_2``       <T^2 I>                 ``alpha2``      (n,)
``\\Sigma_T``       <T I I^T>               ``sigma_t``     (n, n)

What lives here: :func:`moments`, :func:`expected_term`, :func:`expected_update`,
and the input checks the other modules of :mod:`gates.linear_unit` share
(:func:`check_targets`, :func:`check_rule`, :func:`monomial`,
:func:`term_text`). The paper's tables of expectations are in
:mod:`gates.linear_unit.expectations`; training and the exact affine dynamics
in :mod:`gates.linear_unit.dynamics`; Riccati equations in
:mod:`gates.linear_unit.riccati`.

Saturating rules (``rule.saturate``, w = tanh(u)) are not polynomial in w and
are refused. Everything is float64.
"""

from dataclasses import dataclass, fields

import numpy as np

from gates._validate import check_array, check_int, check_matrix, is_int
from gates.errors import InputError, require_memory
from gates.learning.rules import Rule, parse_poly

__all__ = [
    "MAX_DEGREE",
    "Moments",
    "moments",
    "expected_term",
    "expected_update",
    "check_targets",
    "check_rule",
    "monomial",
    "term_text",
]

MAX_DEGREE = 3

# --------------------------------------------------------------------------
# input checks shared by the modules of gates.linear_unit
# --------------------------------------------------------------------------


def check_targets(T, P):
    """Targets `T` as a finite float64 (P,) array, one per row of the inputs; None stays None.

    Raises
    ------
    InputError
        When `T` is not P finite numbers.

    Examples
    --------
    >>> check_targets([1, -1], 2)
    array([ 1., -1.])
    """
    if T is None:
        return None
    return check_array(T, "targets T", shape=(P,))


def check_rule(rule, T):
    """A non-saturating Rule (a polynomial string is parsed) whose target needs are met.

    Parameters
    ----------
    rule : Rule or str
        The rule, or its polynomial (:func:`gates.learning.rules.parse_poly`).
    T : array or None
        The targets, if any.

    Returns
    -------
    Rule

    Raises
    ------
    InputError
        For a saturating rule, a rule that reads T without targets, or not a rule.

    Examples
    --------
    >>> check_rule("O*x - O^2*w", None).formula()
    'dw = eta*(O*x - O^2*w)'
    """
    if isinstance(rule, str):
        rule = parse_poly(rule)
    if not isinstance(rule, Rule):
        raise InputError(f"rule must be a gates.learning.rules.Rule or a polynomial string, got {type(rule).__name__}")
    if rule.saturate:
        raise InputError(f"rule {rule.name!r} saturates (w = tanh(u)): the linear analysis needs a polynomial "
                         "in w; use a non-saturating rule")
    if rule.uses_target and T is None:
        raise InputError(f"rule {rule.name!r} ({rule.formula()}) reads the target T: pass targets T")
    return rule


def monomial(term):
    """(coef, a, b, c, d) from exponents (a, b, c, d), a rule term, or a one-term string.

    Raises
    ------
    InputError
        For more than one monomial, negative or fractional exponents, or a degree above 3.

    Examples
    --------
    >>> monomial("O^2*w"), monomial((0, 1, 0, 1))
    ((1.0, 2, 0, 1, 0), (1.0, 0, 1, 0, 1))
    """
    if isinstance(term, str):
        rule = parse_poly(term)
        if len(rule.terms) != 1:
            raise InputError(f"term {term!r} has {len(rule.terms)} monomials: give one, like 'O^2*w'")
        term = rule.terms[0]
    try:
        t = tuple(term)
    except TypeError:
        raise InputError(f"a term is exponents (a, b, c, d) of O^a x^b w^c T^d, got {term!r}") from None
    if len(t) == 4:
        t = (1.0, *t)
    ok = len(t) == 5 and all(
        (is_int(e) or isinstance(e, (float, np.floating))) and e == int(e) and e >= 0
        for e in t[1:])
    if not ok:
        raise InputError(f"a term is exponents (a, b, c, d) >= 0 of O^a x^b w^c T^d, or (coef, a, b, c, d); "
                         f"got {term!r}")
    coef = float(t[0])
    a, b, c, d = (int(e) for e in t[1:])
    if a + b + c + d > MAX_DEGREE:
        raise InputError(f"term {term!r} has degree {a + b + c + d}; allowed degree <= {MAX_DEGREE}")
    return coef, a, b, c, d


def term_text(a, b, c, d):
    """Plain text of the monomial O^a x^b w^c T^d, e.g. ``"O^2*x*w"`` (``"1"`` for the constant).

    Examples
    --------
    >>> term_text(2, 1, 1, 0), term_text(0, 0, 0, 0)
    ('O^2*x*w', '1')
    """
    f = [v if e == 1 else f"{v}^{e}" for v, e in zip("OxwT", (a, b, c, d)) if e]
    return "*".join(f) or "1"


# --------------------------------------------------------------------------
# moments
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Moments:
    """Uncentred mixed moments E[T^d I^{(x)k}], d + k <= 3, of a dataset.

    Arrays are float64 and read-only. Target fields are None without
    targets; ``omega`` is None when only moments of order <= 2 were asked.

    Attributes
    ----------
    n : int
        Number of inputs.
    samples : int
        Number of examples P (0 for moments given analytically).
    mu, sigma, omega : ndarray
        <I> (n,), <I I^T> (n, n), <I_i I_j I_k> (n, n, n).
    mu_t, mu_t2, mu_t3 : float or None
        <T>, <T^2>, <T^3>.
    alpha, alpha2, sigma_t : ndarray or None
        <T I> (n,), <T^2 I> (n,), <T I I^T> (n, n).

    Examples
    --------
    >>> import numpy as np
    >>> m = moments(np.array([[1.0, 0.0], [1.0, 2.0]]), T=np.array([1.0, -1.0]))
    >>> m.mu, m.alpha
    (array([1., 1.]), array([ 0., -1.]))
    >>> m.tensor(0, 2)
    array([[1., 1.],
           [1., 2.]])
    """

    n: int
    samples: int
    mu: np.ndarray
    sigma: np.ndarray
    omega: np.ndarray = None
    mu_t: float = None
    mu_t2: float = None
    mu_t3: float = None
    alpha: np.ndarray = None
    alpha2: np.ndarray = None
    sigma_t: np.ndarray = None

    _SHAPES = {"mu": 1, "sigma": 2, "omega": 3, "alpha": 1, "alpha2": 1, "sigma_t": 2}

    def __post_init__(self):
        n = int(self.n)
        object.__setattr__(self, "n", n)
        for f in fields(self):
            v = getattr(self, f.name)
            if v is None or f.name in ("n", "samples"):
                continue
            if f.name in self._SHAPES:
                arr = np.array(v, dtype=np.float64)  # a private, read-only copy
                if arr.shape != (n,) * self._SHAPES[f.name]:
                    raise InputError(f"moment {f.name} must have shape {(n,) * self._SHAPES[f.name]}, got {arr.shape}")
                arr.setflags(write=False)
                object.__setattr__(self, f.name, arr)
            else:
                object.__setattr__(self, f.name, float(v))

    @property
    def has_target(self):
        """True when the moments include the targets'."""
        return self.mu_t is not None

    def tensor(self, d, k):
        """E[T^d I^{(x)k}]: a float for k = 0, else an array of shape (n,)*k.

        Raises
        ------
        InputError
            For d + k > 3, or a moment that was not computed.
        """
        if d == 0 and k == 0:
            return 1.0
        name = {(0, 1): "mu", (0, 2): "sigma", (0, 3): "omega", (1, 0): "mu_t", (1, 1): "alpha",
                (1, 2): "sigma_t", (2, 0): "mu_t2", (2, 1): "alpha2", (3, 0): "mu_t3"}.get((d, k))
        if name is None:
            raise InputError(f"moment E[T^{d} I^(x){k}] has order {d + k}; allowed d + k <= {MAX_DEGREE}")
        value = getattr(self, name)
        if value is None:
            need = "pass targets T to moments()" if d else "compute moments(I, order=3)"
            raise InputError(f"moment E[T^{d} I^(x){k}] ({name}) is not available: {need}")
        return value


_CHUNK_BYTES = 2**25


def moments(I, T=None, order=3):
    """Uncentred mixed moments of a dataset, for every term of degree <= 3.

    Parameters
    ----------
    I : array_like, shape (P, n)
        Inputs, one example per row, each weighted 1/P.
    T : array_like, shape (P,), optional
        Targets; without them the target moments are None.
    order : {3, 2}
        Highest order k of E[I^{(x)k}] to build: 3 builds the (n, n, n)
        third-moment tensor, 2 leaves ``omega`` None (terms with
        a + b = 3 then cannot be evaluated).

    Returns
    -------
    Moments

    Raises
    ------
    InputError
        Bad shapes, NaN/inf, or `order` not 2 or 3.
    ResourceError
        When the third-moment tensor would exceed the memory cap.

    Examples
    --------
    >>> import numpy as np
    >>> m = moments(np.array([[1.0, -1.0], [1.0, 1.0]]))
    >>> m.sigma
    array([[1., 0.],
           [0., 1.]])
    >>> m.omega[:, 1, 1]
    array([1., 0.])
    """
    I = check_matrix(I, "inputs I")
    P, n = I.shape
    T = check_targets(T, P)
    order = check_int(order, "order (the highest k of E[I^(x)k] to build)", 2, 3)
    mu = I.mean(axis=0)
    sigma = np.einsum("pi,pj->ij", I, I) / P
    omega = None
    if order == 3:
        require_memory(8 * n**3, f"the third-moment tensor of n={n} inputs",
                       "use order=2 (affine_coefficients and riccati_coefficients never need it) or fewer inputs")
        # sum over examples of I_p (x) I_p (x) I_p, a chunk of rows at a time so
        # the (rows, n*n) outer products stay small; BLAS does the sum
        omega = np.zeros((n * n, n))
        rows = max(1, _CHUNK_BYTES // (8 * n * n))
        for s in range(0, P, rows):
            X = I[s:s + rows]
            omega += np.einsum("pi,pj->pij", X, X).reshape(len(X), n * n).T @ X
        omega = (omega / P).reshape(n, n, n)
    extra = {}
    if T is not None:
        extra = dict(mu_t=T.mean(), mu_t2=(T**2).mean(), mu_t3=(T**3).mean(), alpha=T @ I / P,
                     alpha2=(T**2) @ I / P, sigma_t=np.einsum("p,pi,pj->ij", T, I, I) / P)
    return Moments(n=n, samples=P, mu=mu, sigma=sigma, omega=omega, **extra)


def expected_term(term, w, mom):
    """E[O^a x^b w^c T^d] for every synapse j, from the moments.

    E[O^a I_j^b w_j^c T^d] = w_j^c sum_{k_1..k_a} w_{k_1}..w_{k_a}
    E[T^d I_{k_1}..I_{k_a} I_j^b]: the moment tensor of order a + b is
    contracted with w a times, then its remaining b indices are set to j.

    Parameters
    ----------
    term : tuple or str
        Exponents (a, b, c, d); a rule term (coef, a, b, c, d), whose coef
        multiplies the result; or a one-monomial string such as ``"O^2*w"``.
    w : array_like, shape (n,)
        Weights.
    mom : Moments
        Moments of the data (:func:`moments`).

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    InputError
        A term of degree > 3, a shape mismatch, or a missing moment (a T
        term without targets, a third moment not computed).

    Examples
    --------
    >>> import numpy as np
    >>> m = moments(np.array([[1.0, 0.0], [0.0, 2.0]]))
    >>> expected_term("O*x", [1.0, 1.0], m)     # Sigma w
    array([0.5, 2. ])
    >>> expected_term((2, 0, 1, 0), [1.0, 1.0], m)     # (w^T Sigma w) w
    array([2.5, 2.5])
    """
    if not isinstance(mom, Moments):
        raise InputError(f"mom must be a Moments (from gates.linear_unit.dynamics.moments), got {type(mom).__name__}")
    coef, a, b, c, d = monomial(term)
    w = check_array(w, "weights w", shape=(mom.n,))
    M = np.asarray(mom.tensor(d, a + b))
    for _ in range(a):
        M = M @ w  # contracts the last index; the tensor is symmetric, so any index would do
    if b == 0:
        v = np.full(mom.n, float(M))
    elif b == 1:
        v = M.copy()
    elif b == 2:
        v = np.diagonal(M).copy()
    else:
        v = np.einsum("jjj->j", M).copy()
    return coef * v * w**c


def expected_update(rule, w, I, T=None):
    """E[dw]/eta for a linear unit: sum over terms of coef * :func:`expected_term`.

    Parameters
    ----------
    rule : Rule or str
        A polynomial rule (a string is parsed by :func:`gates.learning.rules.parse_poly`).
    w : array_like, shape (n,)
    I : array_like, shape (P, n)
    T : array_like, shape (P,), optional
        Needed when the rule reads T.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    InputError
        Saturating rule, missing T, bad shapes or values.

    Examples
    --------
    >>> import numpy as np
    >>> from gates.learning.rules import get_rule
    >>> I = np.array([[1.0, 0.0], [0.0, 1.0]]); T = np.array([1.0, 0.0])
    >>> expected_update(get_rule("gradient"), [0.0, 0.0], I, T)   # <T I> - Sigma w
    array([0.5, 0. ])
    """
    I = check_matrix(I, "inputs I")
    T = check_targets(T, I.shape[0])
    rule = check_rule(rule, T)
    order = max(2, max(t[1] + t[2] for t in rule.terms))
    mom = moments(I, T, order=order)
    w = check_array(w, "weights w", shape=(mom.n,))
    return sum(expected_term(t, w, mom) for t in rule.terms)

"""Linear-unit analysis of polynomial local rules (Baldi & Sadowski §"linear units").

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
=================  ======================  ===========================

What lives here:

* moments and expectations: :func:`moments`, :func:`expected_term`,
  :func:`expected_update`;
* the paper's tables of constant, linear, quadratic and cubic terms, in
  index (scalar) and vector form: :func:`expectation_table`,
  :func:`write_expectation_tables`, and their sympy derivation for a
  concrete n: :func:`symbolic_expectation`, :func:`substitute_moments`;
* exact dynamics of rules of effective degree <= 1 (the epoch recurrence is
  affine in w): :func:`affine_coefficients`, :func:`exact_trajectory`, and
  the plain simulation they are checked against, :func:`simulate`;
* rules without O whose weights each follow a Riccati equation
  dw/dt = a + b w + c w^2: :func:`riccati`, :func:`riccati_blowup_time`,
  :func:`riccati_coefficients`;
* the named behaviours of the linear analysis: :func:`hebb_alignment`,
  :func:`oja_convergence`, :func:`delta_least_squares`, and the
  self-check :func:`check_linear_dynamics` for ``gates verify``.

Saturating rules (``rule.saturate``, w = tanh(u)) are not polynomial in w and
are refused. Everything is float64.
"""

import functools
import math
from dataclasses import dataclass, fields
from itertools import combinations_with_replacement

import numpy as np

from gates.errors import InputError, check_mutant, require_memory
from gates.learning.rules import Rule, parse_poly, get_rule

__all__ = [
    "Moments",
    "moments",
    "expected_term",
    "expected_update",
    "expectation_table",
    "symbolic_expectation",
    "substitute_moments",
    "write_expectation_tables",
    "affine_coefficients",
    "exact_trajectory",
    "simulate",
    "TRANSFERS",
    "riccati",
    "riccati_blowup_time",
    "riccati_coefficients",
    "hebb_alignment",
    "oja_convergence",
    "delta_least_squares",
    "check_linear_dynamics",
    "LINEAR_MUTANTS",
]

MAX_DEGREE = 3
MODES = ("batch", "online")
OVERFLOW = 1e100
"""|w_j| beyond which :func:`simulate` declares the weights overflowed (a
cubic term of such a weight is still finite in float64)."""
_SYMBOLIC_MAX_N = 10

# --------------------------------------------------------------------------
# input validation
# --------------------------------------------------------------------------


def _as_inputs(I):
    try:
        arr = np.asarray(I, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"inputs I must be a real (P, n) array, got {type(I).__name__}") from None
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise InputError(f"inputs I must be a (P, n) array with P, n >= 1 (rows are examples), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InputError("inputs I contain NaN or inf: only finite values are allowed")
    return np.ascontiguousarray(arr)


def _as_targets(T, P):
    if T is None:
        return None
    try:
        arr = np.asarray(T, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"targets T must be a real (P,) array, got {type(T).__name__}") from None
    if arr.shape != (P,):
        raise InputError(f"targets T must have shape ({P},), one per row of I, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InputError("targets T contain NaN or inf: only finite values are allowed")
    return np.ascontiguousarray(arr)


def _as_vector(w, n, what="weights w"):
    try:
        arr = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a real ({n},) array, got {type(w).__name__}") from None
    if arr.shape != (n,):
        raise InputError(f"{what} must have shape ({n},), one per input, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{what} contain NaN or inf: only finite values are allowed")
    return np.ascontiguousarray(arr)


def _check_rule(rule, T):
    """A non-saturating Rule (a polynomial string is parsed) whose target needs are met."""
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


def _check_eta(eta):
    if isinstance(eta, bool) or not isinstance(eta, (int, float, np.integer, np.floating)) \
            or not math.isfinite(eta) or eta <= 0:
        raise InputError(f"learning rate eta must be a finite number > 0, got {eta!r}")
    return float(eta)


def _check_epochs(epochs):
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise InputError(f"epochs must be an integer >= 0, got {epochs!r}")
    return int(epochs)


def _monomial(term):
    """(coef, a, b, c, d) from exponents (a, b, c, d), a rule term, or a one-term string."""
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
        not isinstance(e, bool) and isinstance(e, (int, np.integer, float, np.floating)) and e == int(e) and e >= 0
        for e in t[1:])
    if not ok:
        raise InputError(f"a term is exponents (a, b, c, d) >= 0 of O^a x^b w^c T^d, or (coef, a, b, c, d); "
                         f"got {term!r}")
    coef = float(t[0])
    a, b, c, d = (int(e) for e in t[1:])
    if a + b + c + d > MAX_DEGREE:
        raise InputError(f"term {term!r} has degree {a + b + c + d}; allowed degree <= {MAX_DEGREE}")
    return coef, a, b, c, d


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
        return self.mu_t is not None

    def tensor(self, d, k):
        """E[T^d I^{(x)k}]: a float for k = 0, else an array of shape (n,)*k."""
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
    I = _as_inputs(I)
    P, n = I.shape
    T = _as_targets(T, P)
    if isinstance(order, bool) or order not in (2, 3):
        raise InputError(f"order must be 2 or 3 (the highest k of E[I^(x)k] to build), got {order!r}")
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
    coef, a, b, c, d = _monomial(term)
    w = _as_vector(w, mom.n)
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
    I = _as_inputs(I)
    T = _as_targets(T, I.shape[0])
    rule = _check_rule(rule, T)
    order = max(2, max(t[1] + t[2] for t in rule.terms))
    mom = moments(I, T, order=order)
    w = _as_vector(w, mom.n)
    return sum(expected_term(t, w, mom) for t in rule.terms)


# --------------------------------------------------------------------------
# the tables of expectations
# --------------------------------------------------------------------------

_STRATA = ("constant", "linear", "quadratic", "cubic")


def _monomials(max_degree):
    """All (a, b, c, d) of degree <= max_degree, in table order."""
    out = [(a, b, c, d) for a in range(4) for b in range(4) for c in range(4) for d in range(4)
           if a + b + c + d <= max_degree]
    # unsupervised first; then effective degree a+c, apparent degree, fewer T, more O
    return sorted(out, key=lambda m: (m[3] > 0, m[0] + m[2], sum(m), m[3], -m[0], -m[2]))


def _term_text(a, b, c, d):
    f = [v if e == 1 else f"{v}^{e}" for v, e in zip("OxwT", (a, b, c, d)) if e]
    return "*".join(f) or "1"


def _term_latex(a, b, c, d):
    f = [v if e == 1 else f"{v}^{{{e}}}" for v, e in zip("OxwT", (a, b, c, d)) if e]
    return " ".join(f) or "1"


# (a, b, d) -> (LaTeX, value(w, mom)) of E[T^d O^a I^{o b}]: a scalar for
# b = 0 (the same for every j), else a vector over j. Written with the named
# moments and plain numpy, apart from expected_term's generic contraction, so
# the tests check one against the other.
_VECTOR_PARTS = {
    (0, 0, 0): ("1", lambda w, m: 1.0),
    (0, 0, 1): (r"\mu_T", lambda w, m: m.mu_t),
    (0, 0, 2): (r"\mu_{T^2}", lambda w, m: m.mu_t2),
    (0, 0, 3): (r"\mu_{T^3}", lambda w, m: m.mu_t3),
    (1, 0, 0): (r"w^\top \mu", lambda w, m: w @ m.mu),
    (1, 0, 1): (r"w^\top \alpha", lambda w, m: w @ m.alpha),
    (1, 0, 2): (r"w^\top \alpha_2", lambda w, m: w @ m.alpha2),
    (2, 0, 0): (r"w^\top \Sigma w", lambda w, m: w @ m.sigma @ w),
    (2, 0, 1): (r"w^\top \Sigma_T w", lambda w, m: w @ m.sigma_t @ w),
    (3, 0, 0): (r"\Omega(w, w, w)", lambda w, m: np.einsum("ijk,i,j,k->", m.omega, w, w, w)),
    (0, 1, 0): (r"\mu", lambda w, m: m.mu),
    (0, 1, 1): (r"\alpha", lambda w, m: m.alpha),
    (0, 1, 2): (r"\alpha_2", lambda w, m: m.alpha2),
    (1, 1, 0): (r"\Sigma w", lambda w, m: m.sigma @ w),
    (1, 1, 1): (r"\Sigma_T w", lambda w, m: m.sigma_t @ w),
    (2, 1, 0): (r"\Omega(w, w)", lambda w, m: np.einsum("jkl,k,l->j", m.omega, w, w)),
    (0, 2, 0): (r"\operatorname{diag}\Sigma", lambda w, m: np.diag(m.sigma)),
    (0, 2, 1): (r"\operatorname{diag}\Sigma_T", lambda w, m: np.diag(m.sigma_t)),
    (1, 2, 0): (r"\operatorname{diag}\Omega(w)", lambda w, m: np.einsum("jjk,k->j", m.omega, w)),
    (0, 3, 0): (r"\operatorname{diag}\Omega", lambda w, m: np.einsum("jjj->j", m.omega)),
}

_NOTATION = (r"Moments are uncentred averages over the examples: \mu = <I>, \Sigma = <I I^T>, "
             r"\Omega_{ijk} = <I_i I_j I_k>, \mu_T = <T>, \mu_{T^2} = <T^2>, \mu_{T^3} = <T^3>, "
             r"\alpha = <T I>, \alpha_2 = <T^2 I>, \Sigma_T = <T I I^T>. "
             r"\Omega(u, v)_j = \sum_{k,l} \Omega_{jkl} u_k v_l, \Omega(w)_{jl} = \sum_k \Omega_{jlk} w_k, "
             r"\Omega(w, w, w) = \sum_{ikl} \Omega_{ikl} w_i w_k w_l; diag takes the diagonal "
             r"(\Omega_{jjj} for \Omega); \circ is the elementwise product, w^{\circ c} the elementwise power, "
             r"\mathbf{1} the all-ones vector.")


def _paren(s):
    """Bracket a product (a space outside brackets), not one symbol or one call like Omega(w, w)."""
    depth, spaced = 0, False
    for ch in s:
        depth += (ch in "({") - (ch in ")}")
        spaced |= ch == " " and depth == 0
    return f"({s})" if spaced else s


def _vector_form(a, b, c, d):
    """LaTeX of E[O^a x^b w^c T^d] as a vector over synapses."""
    part = _VECTOR_PARTS[(a, b, d)][0]
    wpow = "" if c == 0 else ("w" if c == 1 else rf"w^{{\circ {c}}}")
    if b == 0:  # a scalar times 1 or w^{o c}
        if part == "1":
            return r"\mathbf{1}" if c == 0 else wpow
        return f"{_paren(part)} " + (r"\mathbf{1}" if c == 0 else wpow)
    return part if c == 0 else rf"{wpow} \circ {_paren(part)}"


def _vector_form_value(a, b, c, d, w, mom):
    """Numeric value of :func:`_vector_form` (named moments, plain numpy)."""
    v = _VECTOR_PARTS[(a, b, d)][1](w, mom)
    return np.broadcast_to(np.asarray(v, dtype=np.float64), (mom.n,)) * w**c


def _sympy():
    try:
        import sympy
    except ImportError:  # pragma: no cover - sympy is installed in the test environment
        raise InputError("symbolic forms need sympy: pip install 'gates[symbolic]'") from None
    return sympy


@functools.cache
def _avg_class(sp):
    """<.>, the data average, as a sympy function printed with angle brackets (one class per session)."""

    class Avg(sp.Function):
        @classmethod
        def eval(cls, x):
            if x.is_Number:
                return x

        def _latex(self, printer, exp=None):
            s = r"\left\langle %s \right\rangle" % printer._print(self.args[0])
            return s if exp is None else f"{s}^{{{exp}}}"

    return Avg


def _scalar_form(sp, Avg, a, b, c, d):
    """E[O^a I_j^b w_j^c T^d] in index notation, built with sympy Sum/Indexed."""
    w, I = sp.IndexedBase("w"), sp.IndexedBase("I")
    T = sp.Symbol("T")
    n = sp.Symbol("n", integer=True, positive=True)
    j = sp.Symbol("j", integer=True)
    ks = sp.symbols("k l m", integer=True)[:a]
    inner = T**d * I[j] ** b
    for k in ks:
        inner = inner * I[k]
    body = Avg(inner)
    for k in ks:
        body = body * w[k]
    if ks:
        body = sp.Sum(body, *[(k, 1, n) for k in ks])
    return sp.latex(w[j] ** c * body)


def expectation_table(max_degree=3):
    """The paper's tables: the expectation of every monomial of a linear unit.

    One row per monomial O^a x^b w^c T^d with a + b + c + d <= `max_degree`
    (the constant 1 included): unsupervised terms (d = 0) first, then
    supervised ones, each sorted by effective degree a + c (constant,
    linear, quadratic, cubic), then apparent degree a + b + c + d, then
    fewer T and more O first.

    Parameters
    ----------
    max_degree : int, 0..3

    Returns
    -------
    list of dict
        Keys: ``term`` (plain text, e.g. ``"O^2*x*w"``), ``term_latex``,
        ``a``, ``b``, ``c``, ``d``, ``supervised``, ``apparent_degree``,
        ``effective_degree``, ``stratum`` (constant/linear/quadratic/cubic
        by effective degree), ``moment_order`` (d + a + b, the order of the
        moment needed), ``scalar_form`` (LaTeX of component j in index
        notation, from sympy), ``vector_form`` (LaTeX with the named moments
        of the module docstring).

    Raises
    ------
    InputError
        `max_degree` outside 0..3, or sympy missing.

    Examples
    --------
    >>> rows = {r["term"]: r for r in expectation_table()}
    >>> len(rows)
    35
    >>> rows["O*x"]["vector_form"], rows["O^2*w"]["vector_form"]
    ('\\\\Sigma w', '(w^\\\\top \\\\Sigma w) w')
    >>> rows["O*x"]["scalar_form"]
    '\\\\sum_{k=1}^{n} \\\\left\\\\langle {I}_{j} {I}_{k} \\\\right\\\\rangle {w}_{k}'
    """
    if isinstance(max_degree, bool) or not isinstance(max_degree, (int, np.integer)) \
            or not 0 <= max_degree <= MAX_DEGREE:
        raise InputError(f"max_degree must be an integer 0..{MAX_DEGREE}, got {max_degree!r}")
    sp = _sympy()
    Avg = _avg_class(sp)
    rows = []
    for a, b, c, d in _monomials(int(max_degree)):
        rows.append({
            "term": _term_text(a, b, c, d),
            "term_latex": _term_latex(a, b, c, d),
            "a": a, "b": b, "c": c, "d": d,
            "supervised": d > 0,
            "apparent_degree": a + b + c + d,
            "effective_degree": a + c,
            "stratum": _STRATA[a + c],
            "moment_order": d + a + b,
            "scalar_form": _scalar_form(sp, Avg, a, b, c, d),
            "vector_form": _vector_form(a, b, c, d),
        })
    return rows


def _moment_symbol(sp, d, idx):
    """The symbol of <T^d I_{i1} I_{i2} ...> for sorted 1-based indices idx."""
    parts = [] if d == 0 else (["T"] if d == 1 else [f"T^{{{d}}}"])
    for i in sorted(set(idx)):
        e = idx.count(i)
        parts.append(f"I_{{{i}}}" if e == 1 else f"I_{{{i}}}^{{{e}}}")
    # a name with braces is printed verbatim by sympy's LaTeX printer
    return sp.Symbol(r"\langle " + " ".join(parts) + r" \rangle")


def symbolic_expectation(term, n):
    """E[O^a I_j^b w_j^c T^d] for j = 1..n as a sympy column, for a concrete n.

    Derived symbolically: O = sum_k w_k I_k is expanded, and by linearity of
    the average every monomial T^e I_1^{e_1}..I_n^{e_n} becomes a moment
    symbol ``\\langle T^{e} I_{1}^{e_1} ... \\rangle``. Weights are the symbols
    ``w_1 .. w_n``.

    Parameters
    ----------
    term : tuple or str
        As for :func:`expected_term`.
    n : int, 1..10

    Returns
    -------
    sympy.Matrix, shape (n, 1)

    Raises
    ------
    InputError
        Bad term or n, or sympy missing.

    Examples
    --------
    >>> symbolic_expectation("O*x", 2)[0]
    \\langle I_{1} I_{2} \\rangle*w_2 + \\langle I_{1}^{2} \\rangle*w_1
    """
    coef, a, b, c, d = _monomial(term)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= _SYMBOLIC_MAX_N:
        raise InputError(f"n must be an integer 1..{_SYMBOLIC_MAX_N} for symbolic forms, got {n!r}")
    sp = _sympy()
    n = int(n)
    I = sp.symbols(f"I_1:{n + 1}")
    T = sp.Symbol("T")
    w = sp.symbols(f"w_1:{n + 1}")
    O = sum(wk * Ik for wk, Ik in zip(w, I))
    out = []
    for j in range(n):
        poly = sp.Poly(sp.expand(O**a * I[j] ** b * T**d), *I, T)
        value = sp.Integer(0)
        for exps, coeff in poly.terms():
            idx = tuple(i + 1 for i, e in enumerate(exps[:-1]) for _ in range(e))
            moment = sp.Integer(1) if not idx and exps[-1] == 0 else _moment_symbol(sp, exps[-1], idx)
            value += coeff * moment
        out.append(sp.nsimplify(coef) * w[j] ** c * value if coef != 1 else w[j] ** c * value)
    return sp.Matrix(out)


def substitute_moments(expr, mom, w=None):
    """Put a dataset's moments (and optionally weights) into a symbolic form.

    Parameters
    ----------
    expr : sympy expression or Matrix
        From :func:`symbolic_expectation`.
    mom : Moments
        Moments of the data; must cover every moment symbol in `expr`.
    w : array_like, shape (n,), optional
        Weights for ``w_1 .. w_n``.

    Returns
    -------
    ndarray (float64, flattened) when `w` is given, else the sympy
    expression with only the moments substituted.

    Examples
    --------
    >>> import numpy as np
    >>> m = moments(np.array([[1.0, 0.0], [0.0, 2.0]]))
    >>> substitute_moments(symbolic_expectation("O*x", 2), m, [1.0, 1.0])
    array([0.5, 2. ])
    """
    sp = _sympy()
    if not isinstance(mom, Moments):
        raise InputError(f"mom must be a Moments (from gates.linear_unit.dynamics.moments), got {type(mom).__name__}")
    names = {s.name for s in expr.free_symbols}
    subs = {}
    for d in range(MAX_DEGREE + 1):
        for k in range(MAX_DEGREE + 1 - d):
            if d == k == 0:
                continue
            for idx in combinations_with_replacement(range(1, mom.n + 1), k):
                sym = _moment_symbol(sp, d, idx)
                if sym.name in names:
                    value = mom.tensor(d, k)
                    subs[sym] = sp.Float(float(value if k == 0 else value[tuple(i - 1 for i in idx)]), 17)
    if w is not None:
        w = _as_vector(w, mom.n)
        subs.update({sp.Symbol(f"w_{i + 1}"): sp.Float(float(w[i]), 17) for i in range(mom.n)})
    out = expr.xreplace(subs)
    if w is None:
        return out
    left = out.free_symbols
    if left:
        raise InputError(f"symbols {sorted(s.name for s in left)} have no value: moments of n={mom.n} inputs and "
                         "weights w_1..w_n only")
    return np.array([float(v) for v in (out if hasattr(out, "shape") else [out])], dtype=np.float64)


def _latex_rows(rows):
    lines = []
    current = None
    for r in rows:
        group = ("Supervised" if r["supervised"] else "Unsupervised") + f", {r['stratum']} terms"
        if group != current:
            if current is not None:
                lines.append(r"\midrule")
            lines.append(rf"\multicolumn{{5}}{{l}}{{\emph{{{group}}}}} \\")
            current = group
        lines.append(f"${r['term_latex']}$ & {r['apparent_degree']} & {r['effective_degree']} & "
                     f"${r['scalar_form']}$ & ${r['vector_form']}$ \\\\")
    return lines


def write_expectation_tables(out_dir, max_degree=3, command=None):
    """Write the tables of expectations: CSV, Markdown, LaTeX and a manifest.

    Files: ``expectations.csv``, ``expectations.md`` and
    ``expectations.manifest.json`` (through :func:`gates.io.storage.write_table`,
    kind ``"expectations"``) and ``expectations.tex`` (a booktabs longtable,
    needs ``\\usepackage{booktabs, longtable, amsmath}``). Every file is
    written atomically.

    Parameters
    ----------
    out_dir : str or path
    max_degree : int, 0..3
    command : list of str, optional
        Command line recorded in the manifest (default ``sys.argv``).

    Returns
    -------
    list of str
        File names written, relative to `out_dir`.

    Examples
    --------
    >>> import tempfile
    >>> write_expectation_tables(tempfile.mkdtemp(), max_degree=1, command=["gates"])
    ['expectations.tex', 'expectations.csv', 'expectations.md', 'expectations.manifest.json']
    """
    import os

    from gates.io.storage import write_table, write_text

    rows = expectation_table(max_degree)
    header = ["term", "term_latex", "supervised", "stratum", "apparent_degree", "effective_degree",
              "moment_order", "scalar_form", "vector_form"]
    table = [[r[h] for h in header] for r in rows]
    md_rows = [[f"${v}$" if h in ("term_latex", "scalar_form", "vector_form") else v for h, v in zip(header, row)]
               for row in table]
    tex_name = "expectations.tex"
    tex = [
        "% Expectations of the monomials of local rules for a linear unit O = w.I (Baldi & Sadowski).",
        "% Generated by gates.linear_unit.dynamics.write_expectation_tables; needs booktabs, longtable, amsmath.",
        "% " + _NOTATION,
        r"\begin{longtable}{lccp{0.42\linewidth}p{0.3\linewidth}}",
        r"\caption{Expectation of each term $O^a x^b w^c T^d$ of a local rule for a linear unit, "
        r"for synapse $j$ (scalar form) and as a vector (vector form).}\\",
        r"\toprule",
        r"Term & Apparent & Effective & $\langle O^a I_j^b w_j^c T^d \rangle$ & Vector form \\",
        r"\midrule",
        r"\endfirsthead",
        r"\toprule",
        r"Term & Apparent & Effective & $\langle O^a I_j^b w_j^c T^d \rangle$ & Vector form \\",
        r"\midrule",
        r"\endhead",
        r"\bottomrule",
        r"\endlastfoot",
        *_latex_rows(rows),
        r"\end{longtable}",
    ]
    write_text(os.path.join(out_dir, tex_name), "\n".join(tex) + "\n")
    protocol = {"max_degree": int(max_degree), "unit": "linear, O = w . I",
                "moments": "uncentred averages over the examples, each weighted 1/P",
                "order": "unsupervised first, then by effective degree a+c, apparent degree a+b+c+d, "
                         "fewer T, more O",
                "notation": _NOTATION}
    intro = ("Expectation of each monomial O^a x^b w^c T^d of a local rule for a linear unit O = w . I "
             "(x = I_j, w = w_j), for synapse j and as a vector. " + _NOTATION)
    title = "Expectations of local-rule terms for a linear unit"
    # Markdown needs the LaTeX cells in $...$ (else _ and * read as emphasis)
    return write_table(out_dir, "expectations", header, table, title, intro, "expectations", protocol,
                       command=command, md_rows=md_rows, extra_files=(tex_name,))


# --------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------


TRANSFERS = ("linear", "tanh")
"""Output functions O = f(w . I) that :func:`simulate` trains: the linear unit
of this module and the tanh unit of the non-linear comparison
(:func:`gates.studies.single_unit.riccati_tanh_images`)."""


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
    I : array_like, shape (P, n)
    T : array_like, shape (P,), or None
    w0 : array_like, shape (n,)
    eta : float > 0
    epochs : int >= 0
    mode : {"batch", "online"}
    seed : None, int or numpy Generator
        Only the online order uses it.
    transfer : {"linear", "tanh"}
        The unit's output: O = w . I (default) or O = tanh(w . I).

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
    I = _as_inputs(I)
    P, n = I.shape
    T = _as_targets(T, P)
    rule = _check_rule(rule, T)
    w = _as_vector(w0, n, "initial weights w0").copy()
    eta = _check_eta(eta)
    epochs = _check_epochs(epochs)
    if mode not in MODES:
        raise InputError(f"mode {mode!r} is unknown: allowed {', '.join(MODES)}")
    if transfer not in TRANSFERS:
        raise InputError(f"transfer {transfer!r} is unknown: allowed {', '.join(TRANSFERS)}")
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
    I : array_like, shape (P, n)
    T : array_like, shape (P,), optional

    Returns
    -------
    A : ndarray, shape (n, n)
    b : ndarray, shape (n,)

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
    I = _as_inputs(I)
    P, n = I.shape
    T = _as_targets(T, P)
    rule = _check_rule(rule, T)
    for coef, a, b, c, d in rule.terms:
        if a + c > 1:
            raise InputError(f"term {_term_text(a, b, c, d)} of rule {rule.name!r} has effective degree {a + c}: "
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
    I : array_like, shape (P, n)
    T : array_like, shape (P,), or None
    w0 : array_like, shape (n,)
    eta : float > 0
    epochs : int >= 0
    method : {"auto", "eig", "power"}

    Returns
    -------
    ndarray, shape (epochs + 1, n)
        Entries that overflow float64 come out as inf or NaN.

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
    if method not in ("auto", "eig", "power"):
        raise InputError(f"method {method!r} is unknown: allowed auto, eig, power")
    A, b = affine_coefficients(rule, I, T)
    n = len(b)
    w0 = _as_vector(w0, n, "initial weights w0")
    eta = _check_eta(eta)
    epochs = _check_epochs(epochs)
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
    I = _as_inputs(I)
    P, n = I.shape
    T = _as_targets(T, P)
    rule = _check_rule(rule, T)
    for coef, a, b, c, d in rule.terms:
        if a:
            raise InputError(f"term {_term_text(a, b, c, d)} of rule {rule.name!r} reads O: its expectation couples "
                             "the synapses, so the weights do not follow separate Riccati equations")
        if c > 2:
            raise InputError(f"term {_term_text(a, b, c, d)} of rule {rule.name!r} has w-degree {c}: "
                             "a Riccati equation allows w-degree <= 2")
    coefs = np.zeros((3, n))
    for coef, a, b, c, d in rule.terms:
        s = T**d if d else np.ones(P)
        coefs[c] += coef * (s @ I**b) / P
    return coefs[0], coefs[1], coefs[2]


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
        return _as_vector(w0, n, "initial weights w0")
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal(n) / math.sqrt(n)


def _unsupervised_setup(I, w0, eta, seed, scale):
    """Inputs, moments, the principal pair, eta (default 0.1 / lambda_max) and w0 of an unsupervised study."""
    I = _as_inputs(I)
    mom = moments(I, order=2)
    lam, v, lams = _principal(mom.sigma, mom.mu)
    eta = 0.1 / lam if eta is None else _check_eta(eta)
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


def oja_convergence(I, w0=None, eta=None, epochs=500, seed=0, mode="batch", _rule=None):
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
    # _rule: a mutant's rule in place of Oja's (check_linear_dynamics)
    rule = get_rule("oja", "unsupervised") if _rule is None else _rule
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


def delta_least_squares(I, T, w0=None, eta=None, epochs=500, seed=0, mode="batch", _train_targets=None):
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
    I = _as_inputs(I)
    P, n = I.shape
    T = _as_targets(T, P)
    if T is None:
        raise InputError("the delta rule T*x - O*x reads the target: pass targets T")
    mom = moments(I, order=2)
    lams = np.linalg.eigvalsh(mom.sigma)
    lam = float(lams[-1])
    if lam <= 0:
        raise InputError("inputs I are all zero: E[I I^T] = 0 and the delta rule does not move")
    eta = 1.0 / lam if eta is None else _check_eta(eta)
    w0 = np.zeros(n) if w0 is None else _as_vector(w0, n, "initial weights w0")
    # _train_targets: a mutant's targets for the training loop only; w* below keeps the true T
    W = simulate(get_rule("gradient"), I, T if _train_targets is None else _as_targets(_train_targets, P), w0, eta,
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


# --------------------------------------------------------------------------
# self-check for `gates verify`
# --------------------------------------------------------------------------


def _rk4(f, w0, t_end, steps):
    """Classical Runge-Kutta 4 for dw/dt = f(w) (vectorised over w), fixed step."""
    h = t_end / steps
    w = np.array(w0, dtype=np.float64)
    for _ in range(steps):
        k1 = f(w)
        k2 = f(w + h / 2 * k1)
        k3 = f(w + h / 2 * k2)
        k4 = f(w + h * k3)
        w = w + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return w


LINEAR_MUTANTS = {
    "oja-no-decay": "Oja's rule trained without its decay term -O^2 w (simple Hebb O*x)",
    "riccati-sign": "the Riccati closed form evaluated with the sign of c flipped",
    "delta-wrong-target": "the delta rule trained on targets shifted by one example (x_p paired with T_{p+1})",
}
"""Mutants of :func:`check_linear_dynamics`: each breaks one mechanism it tests."""


def check_linear_dynamics(seed=0, mutant=None):
    """Measure the linear-unit predictions on a small Gaussian dataset (a few seconds).

    Checks: simple Hebb's norm grows by 1 + eta lambda_max per epoch and its
    direction reaches the principal eigenvector of E[I I^T]; Oja's weights
    reach the unit principal eigenvector; the delta rule reaches the
    least-squares solution; :func:`exact_trajectory` matches
    :func:`simulate` (batch) for the gradient rule and a rule with constant
    and linear terms; :func:`riccati` matches RK4 integration in the cases
    c = 0, D > 0, D = 0 and D < 0.

    Parameters
    ----------
    seed : int
    mutant : str, optional
        A name in ``check_linear_dynamics.mutants`` (:data:`LINEAR_MUTANTS`):
        breaks one mechanism (passed down as a parameter of the training or
        of the closed form); the check must then fail.

    Returns
    -------
    dict
        ``{"holds": bool, "evidence": {name: number, ..., "mutant": mutant}}``.

    Raises
    ------
    InputError
        An unknown mutant.

    Examples
    --------
    >>> check_linear_dynamics()["holds"]
    True
    >>> check_linear_dynamics(mutant="oja-no-decay")["holds"]
    False
    """
    check_mutant(mutant, LINEAR_MUTANTS)
    rng = np.random.default_rng(seed)
    n, P = 4, 300
    mean = np.array([1.0, 0.5, -0.3, 0.8])
    I = mean + rng.standard_normal((P, n)) @ np.diag([0.6, 0.4, 0.3, 0.2])
    T = I @ np.array([0.7, -1.2, 0.4, 0.9]) + 0.1 * rng.standard_normal(P)
    ev = {}
    h = hebb_alignment(I, epochs=300, seed=seed)
    ev["hebb_growth_rel_error"] = abs(h["final_growth"] / h["predicted_growth"] - 1)
    ev["hebb_final_norm"] = float(h["norm"][-1])
    ev["hebb_angle_principal_deg"] = h["final_angle_principal_deg"]
    ev["hebb_angle_mu_deg"] = h["final_angle_mu_deg"]
    o = oja_convergence(I, epochs=1500, seed=seed, _rule="O*x" if mutant == "oja-no-decay" else None)
    ev["oja_norm_error"] = abs(o["final_norm"] - 1)
    ev["oja_distance_to_eigenvector"] = o["final_distance"]
    dl = delta_least_squares(I, T, epochs=2000, seed=seed,
                             _train_targets=np.roll(T, -1) if mutant == "delta-wrong-target" else None)
    ev["delta_lstsq_rel_error"] = dl["final_error"]
    w0 = 0.1 * rng.standard_normal(n)
    errs = []
    for rule, targets in (("T*x - O*x", T), ("x - w + 0.5*T - 0.2*O", T), ("T*x", T)):
        ex = exact_trajectory(rule, I, targets, w0, 0.05, 200)
        sim = simulate(rule, I, targets, w0, 0.05, 200)
        errs.append(np.max(np.abs(ex - sim)) / np.max(np.abs(sim)))
    ev["exact_vs_simulate_max_rel_error"] = float(max(errs))
    cases = {"c=0": (0.5, -1.2, 0.0, 2.0), "D>0": (1.0, 0.3, -1.0, 0.2),
             "D=0": (1.0, 2.0, 1.0, -3.0), "D<0": (1.0, 0.5, 1.0, 0.0)}
    errs = []
    for name, (a, b, c, w) in cases.items():
        t_end = min(2.0, 0.5 * float(riccati_blowup_time(a, b, c, w)))
        num = _rk4(lambda x: a + b * x + c * x * x, w, t_end, 4000)
        c_closed = -c if mutant == "riccati-sign" else c
        errs.append(abs(float(riccati(a, b, c_closed, w, t_end)) - num) / max(1.0, abs(num)))
    ev["riccati_vs_rk4_max_rel_error"] = float(max(errs))
    holds = (ev["hebb_growth_rel_error"] < 1e-8 and ev["hebb_angle_principal_deg"] < 1e-4
             and ev["oja_norm_error"] < 1e-6 and ev["oja_distance_to_eigenvector"] < 1e-6
             and ev["delta_lstsq_rel_error"] < 1e-8 and ev["exact_vs_simulate_max_rel_error"] < 1e-9
             and ev["riccati_vs_rk4_max_rel_error"] < 1e-9)
    return {"holds": bool(holds), "evidence": {**{k: float(v) for k, v in ev.items()}, "mutant": mutant}}


check_linear_dynamics.mutants = dict(LINEAR_MUTANTS)

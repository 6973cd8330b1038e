"""Local learning rules as polynomials in local variables (Baldi & Sadowski 2016).

A rule changes a synapse w from a presynaptic activity x to a postsynaptic
unit with output O (and target T, in supervised mode) by

    dw = eta * sum_m c_m * O^a_m * x^b_m * w^c_m * T^d_m,     degree <= 3.

The named rules are presets of that one form:

=============  ===================================  =========================
name           unsupervised                         clamped (O replaced by T)
=============  ===================================  =========================
``hebb``       O x                                  T x
``oja``        O x - O^2 w                          T x - T^2 w
``gradient``   (supervised only)                    T x - O x
``hebb-tanh``  O x on u, with w = tanh(u)           T x on u, w = tanh(u)
=============  ===================================  =========================

The apparent degree of a term is a + b + c + d; its effective degree in w is
c + a, since O itself depends on w (paper, §"stratification").

Encodings. The named formulas are written for +-1 activities. With 0/1
activities, :func:`get_rule` gives by default (``recode=True``) the image
of the +-1 rule under the affine map x' = 2x - 1 (and O, T likewise; an
affine map keeps a polynomial's degree, see :func:`recode`), so a named
rule means the same rule class in both codings: clamped Hebb on 0/1
activities is (2T - 1)(2x - 1) = 4Tx - 2T - 2x + 1, whose weights move
exactly as clamped Hebb's do on the +-1 cube. ``recode=False``
applies the +-1 formula to the 0/1 values unchanged ("literal"): T x is then
never negative, so clamped Hebb and Oja can only grow the weights and learn
the constants alone. ``gradient`` is left as written in both codings: the
delta rule (T - O) x is the error gradient of the gate in its own coding,
and the perceptron convergence theorem is proved for it.

Examples
--------
The four named rules, and clamped Oja's formula (O replaced by the target T):

>>> from gates.learning.rules import RULES, get_rule
>>> RULES
('hebb', 'oja', 'gradient', 'hebb-tanh')
>>> get_rule("oja").formula()
'dw = eta*(x*T - w*T^2)'
"""

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from gates._validate import check_bool
from gates.boolean.truth import ENCODINGS
from gates.errors import InputError

__all__ = ["Rule", "RULES", "FORMS", "ENCODINGS", "HANDLINGS", "NAMED_CODING", "get_rule", "parse_poly",
           "recode"]

FORMS = ("clamped", "unsupervised")
"""The forms :func:`get_rule` gives a named rule: O replaced by the target T, or O kept."""
NAMED_CODING = "pm1"
"""The coding the named formulas are written in."""
HANDLINGS = ("as written", "recoded", "literal")
"""How a rule's formula met the activity coding: ``as written`` (a polynomial or a Rule given as is, a
named rule in its own +-1 coding, and ``gradient``), ``recoded`` (the +-1 formula carried to 0/1 by the
affine map) or ``literal`` (the +-1 formula applied to 0/1 values unchanged)."""


@dataclass(frozen=True)
class Rule:
    """A polynomial local rule: dw = eta * sum_m c_m O^a_m x^b_m w^c_m T^d_m, of degree <= 3.

    A synapse w from presynaptic activity x to a unit with output O (and
    target T) changes by a polynomial in these local variables (Baldi & Sadowski 2016: local learning rules).
    Most users get a Rule from :func:`get_rule` (a named rule) or
    :func:`parse_poly` (a formula) rather than build one.

    Parameters
    ----------
    name : str
        A label, recorded in manifests (``"hebb"``, ``"poly"``, ...).
    terms : tuple of (coef, a, b, c, d)
        The monomials coef * O^a * x^b * w^c * T^d: coef a float, the
        exponents integers >= 0 with a + b + c + d <= 3; at least one term.
    saturate : bool, default False
        If True the rule updates a hidden variable u and the synapse is
        w = tanh(u) (the paper's bounded variant of simple Hebb).
    form : {"supervised", "clamped", "unsupervised"}, default "supervised"
        ``"clamped"`` (O replaced by T), ``"unsupervised"`` (no T), or
        ``"supervised"`` for a rule that reads both O and T (gradient, or a
        custom polynomial).
    handling : {"as written", "recoded", "literal"}, default "as written"
        How the formula met the activity coding, one of :data:`HANDLINGS`
        (set by :func:`get_rule`; recorded in :meth:`to_dict`).

    Attributes
    ----------
    apparent_degree : int
        The largest a + b + c + d over the terms.
    effective_degree : int
        The largest degree in w, a + c (O is linear in w).
    uses_output, uses_target, uses_weight : bool
        Whether some term reads O, T or w.

    Raises
    ------
    InputError
        For no terms, a term that is not (coef, a, b, c, d) with integer
        exponents >= 0, a term of degree above 3, or an unknown `handling`.

    See Also
    --------
    get_rule : the named rules.
    parse_poly : a rule from a formula such as ``"T*x - T^2*w"``.

    Examples
    --------
    Clamped Oja, dw = eta (T x - T^2 w): apparent degree 3, but only linear in w.

    >>> from gates.learning.rules import Rule, get_rule
    >>> r = get_rule("oja")
    >>> r.terms, r.apparent_degree, r.effective_degree
    (((1.0, 0, 1, 0, 1), (-1.0, 0, 0, 1, 2)), 3, 1)

    Unsupervised Hebb, dw = eta O x, built by hand and clamped:

    >>> hebb = Rule("hebb", ((1.0, 1, 1, 0, 0),), form="unsupervised")
    >>> hebb.formula(), hebb.clamped().formula()
    ('dw = eta*(O*x)', 'dw = eta*(x*T)')
    """

    name: str
    terms: tuple
    saturate: bool = False
    form: str = "supervised"
    handling: str = "as written"

    def __post_init__(self):
        if not self.terms:
            raise InputError("a rule needs at least one term")
        if self.handling not in HANDLINGS:
            raise InputError(f"rule handling {self.handling!r} is unknown: allowed {', '.join(HANDLINGS)}")
        for t in self.terms:
            if len(t) != 5 or any(int(e) != e or e < 0 for e in t[1:]):
                raise InputError(f"a term is (coef, a, b, c, d) with exponents >= 0, got {t!r}")
            if sum(t[1:]) > 3:
                raise InputError(f"term {t!r} has degree {sum(t[1:])}; rules have degree <= 3")

    @property
    def apparent_degree(self):
        """Highest total degree a + b + c + d of a term (at most 3)."""
        return max(sum(t[1:]) for t in self.terms)

    @property
    def effective_degree(self):
        """Highest degree in w, counting O as linear in w."""
        return max(t[1] + t[3] for t in self.terms)

    @property
    def uses_output(self):
        """True when some term reads the unit's output O."""
        return any(t[1] for t in self.terms)

    @property
    def uses_target(self):
        """True when some term reads the target T."""
        return any(t[4] for t in self.terms)

    def clamped(self):
        """The supervised form: O replaced by T in every term.

        Returns
        -------
        Rule
            The same rule with ``form="clamped"``; equal monomials merged.

        Raises
        ------
        InputError
            When every term cancels (for example the delta rule T x - O x).

        Examples
        --------
        >>> from gates.learning.rules import get_rule
        >>> get_rule("oja", "unsupervised").clamped().formula()
        'dw = eta*(x*T - w*T^2)'
        """
        terms = _merge(tuple((c, 0, b, w, d + a) for c, a, b, w, d in self.terms))
        if not terms:
            raise InputError(f"clamping {self.formula()} leaves no term (its O and T terms cancel)")
        return Rule(self.name, terms, self.saturate, "clamped", self.handling)

    def as_array(self):
        """Terms as a float64 (M, 5) array: coef, a, b, c, d.

        Returns
        -------
        numpy.ndarray
            One row per monomial, the layout the compiled kernels read.
        """
        return np.array(self.terms, dtype=np.float64).reshape(-1, 5)

    @property
    def uses_weight(self):
        """True when some term reads the weight w."""
        return any(t[3] for t in self.terms)

    def to_dict(self):
        """The rule as plain JSON values, as manifests record it.

        Returns
        -------
        dict
            ``name``, ``form``, ``terms`` (lists of [coef, a, b, c, d]),
            ``formula``, ``saturate``, ``encoding_handling``,
            ``apparent_degree`` and ``effective_degree``.

        Examples
        --------
        >>> from gates.learning.rules import get_rule
        >>> get_rule("hebb").to_dict()["formula"]
        'dw = eta*(x*T)'
        """
        return {
            "name": self.name,
            "form": self.form,
            "terms": [list(t) for t in self.terms],
            "formula": self.formula(),
            "saturate": self.saturate,
            "encoding_handling": self.handling,
            "apparent_degree": self.apparent_degree,
            "effective_degree": self.effective_degree,
        }

    def evaluate(self, O=0.0, x=0.0, w=0.0, T=0.0):
        """The rule's polynomial sum_m c_m O^a x^b w^c T^d (without eta), broadcast over arrays.

        Parameters
        ----------
        O, x, w, T : float or array_like, default 0.0
            The local variables; arrays broadcast against each other.

        Returns
        -------
        numpy.ndarray
            The weight change divided by eta, of the broadcast shape.

        Examples
        --------
        Clamped Oja at T = 1, w = 0.5 moves w toward x (x = +1 and -1):

        >>> from gates.learning.rules import get_rule
        >>> get_rule("oja").evaluate(x=[1, -1], w=0.5, T=1)
        array([ 0.5, -1.5])
        """
        O, x, w, T = (np.asarray(v, dtype=np.float64) for v in (O, x, w, T))
        out = np.zeros(np.broadcast_shapes(O.shape, x.shape, w.shape, T.shape))
        for coef, a, b, c, d in self.terms:
            out = out + coef * O**a * x**b * w**c * T**d
        return out

    def formula(self):
        """The rule as text, ``"dw = eta*(...)"``, terms in their order.

        Returns
        -------
        str
            The formula; a saturating rule ends with ``"[on u, w = tanh(u)]"``.

        Examples
        --------
        >>> from gates.learning.rules import get_rule
        >>> get_rule("gradient").formula()
        'dw = eta*(x*T - O*x)'
        >>> get_rule("hebb-tanh", "unsupervised").formula()
        'dw = eta*(O*x)  [on u, w = tanh(u)]'
        """
        parts = []
        for coef, *exps in self.terms:
            factors = [
                v if e == 1 else f"{v}^{e}" for v, e in zip(("O", "x", "w", "T"), exps) if e
            ]
            sign = "-" if coef < 0 else "+"
            mag = abs(coef)
            if not factors:
                parts.append(f"{sign} {mag:g}")
            else:
                parts.append(f"{sign} {'' if mag == 1 else f'{mag:g}*'}{'*'.join(factors)}")
        text = " ".join(parts).lstrip("+ ")
        body = f"dw = eta*({text})"
        return body + ("  [on u, w = tanh(u)]" if self.saturate else "")


def _merge(terms):
    """Add coefficients of equal monomials; drop zeros."""
    acc = {}
    for c, *e in terms:
        acc[tuple(e)] = acc.get(tuple(e), 0.0) + float(c)
    return tuple((c, *e) for e, c in acc.items() if c != 0)


_BASE = {
    "hebb": Rule("hebb", ((1.0, 1, 1, 0, 0),), False, "unsupervised"),
    "oja": Rule("oja", ((1.0, 1, 1, 0, 0), (-1.0, 2, 0, 1, 0)), False, "unsupervised"),
    "gradient": Rule("gradient", ((1.0, 0, 1, 0, 1), (-1.0, 1, 1, 0, 0)), False, "supervised"),
    "hebb-tanh": Rule("hebb-tanh", ((1.0, 1, 1, 0, 0),), True, "unsupervised"),
}
RULES = tuple(_BASE)
"""The named rules, ``('hebb', 'oja', 'gradient', 'hebb-tanh')``: the names :func:`get_rule` accepts.

``hebb`` is dw = eta O x, ``oja`` dw = eta (O x - O^2 w), ``gradient`` the
delta rule dw = eta (T - O) x (supervised only) and ``hebb-tanh`` simple Hebb
on u with the bounded synapse w = tanh(u); each is clamped (O replaced by T)
by ``get_rule(name, "clamped")``."""


def get_rule(name, form="clamped", encoding=NAMED_CODING, recode=True):
    """A named rule in its clamped (supervised) or unsupervised form, for activities in `encoding`.

    The single place where a named rule meets the activity coding (the
    census, the two-layer net and batch jobs all resolve names here).

    Parameters
    ----------
    name : {"hebb", "oja", "gradient", "hebb-tanh"}
        The named rule (one of :data:`RULES`).
    form : {"clamped", "unsupervised"}, default "clamped"
        ``"clamped"`` replaces the output O by the target T (supervised);
        ``"unsupervised"`` keeps O (not for ``gradient``).
    encoding : {"pm1", "01"}, default "pm1"
        The coding of O, x and T the rule will run on.
    recode : bool, default True
        With 0/1 coding: True gives the image of the +-1 formula
        under x' = 2x - 1 (handling ``recoded``: the same rule class), False
        the +-1 formula on the 0/1 values unchanged (``literal``). No effect
        with +-1 coding, nor on ``gradient`` (the delta rule, as written in
        every coding).

    Returns
    -------
    Rule
        The rule, its :attr:`Rule.handling` saying how it met the coding.

    Raises
    ------
    InputError
        For an unknown name, form or encoding, or ``gradient`` asked unsupervised.

    Examples
    --------
    Clamped Hebb is dw = eta T x; on 0/1 activities it is recoded from the
    +-1 formula, (2T - 1)(2x - 1), unless ``recode=False``:

    >>> get_rule("hebb").formula()
    'dw = eta*(x*T)'
    >>> get_rule("hebb", encoding="01").formula()
    'dw = eta*(4*x*T - 2*x - 2*T + 1)'
    >>> get_rule("hebb", encoding="01", recode=False).formula()
    'dw = eta*(x*T)'
    """
    if name not in _BASE:
        raise InputError(f"rule {name!r} is unknown: allowed {', '.join(RULES)} (or a polynomial)")
    if form not in FORMS:
        raise InputError(f"rule form {form!r} is unknown: allowed {', '.join(FORMS)}")
    if encoding not in ENCODINGS:
        raise InputError(f"encoding {encoding!r} is unknown: allowed {', '.join(ENCODINGS)}")
    check_bool(recode, "recode")
    rule = _BASE[name]
    if name == "gradient":
        if form == "unsupervised":
            raise InputError("the gradient rule is supervised only: use form 'clamped'")
        return rule
    rule = rule.clamped() if form == "clamped" else rule
    if encoding == NAMED_CODING:
        return rule
    if recode:
        return replace(_recode(rule, NAMED_CODING, encoding), handling="recoded")
    return replace(rule, handling="literal")


def _affine_power(var, e, scale, shift):
    """(scale*v + shift)^e as {exponent of v: coefficient}, by the binomial theorem."""
    return {k: math.comb(e, k) * scale**k * shift ** (e - k) for k in range(e + 1)}


def recode(rule, source, target):
    """Carry a rule between the 0/1 and +-1 codings of O, x and T (w is unchanged).

    A rule written for 0/1 activities, F(O, x, w, T), acts on +-1 activities
    O' = 2 O - 1 (likewise x, T) as F((O'+1)/2, (x'+1)/2, w, (T'+1)/2); the
    inverse substitution is O = 2 O01 - 1. Both maps are affine, so the
    result is a polynomial of no higher degree: a rule is a class of
    formulas, one per coding.

    Parameters
    ----------
    rule : Rule
        The rule as written for the `source` coding.
    source, target : {"pm1", "01"}
        The coding the rule is written for, and the coding to carry it to.

    Returns
    -------
    Rule
        The same rule written for `target` (`rule` itself when the codings
        are equal); name, saturation, form and handling are kept.

    Raises
    ------
    InputError
        For an unknown coding, or a rule that recodes to zero.

    Examples
    --------
    >>> from gates.learning.rules import parse_poly, recode
    >>> recode(parse_poly("O*x"), "01", "pm1").formula()
    'dw = eta*(0.25*O*x + 0.25*O + 0.25*x + 0.25)'
    >>> recode(parse_poly("O*x"), "pm1", "01").formula()
    'dw = eta*(4*O*x - 2*O - 2*x + 1)'
    """
    for name, enc in (("source", source), ("target", target)):
        if enc not in ENCODINGS:
            raise InputError(f"{name} encoding {enc!r} is unknown: allowed {', '.join(ENCODINGS)}")
    if source == target:
        return rule
    # value in the source coding as an affine function of the target's variable
    scale, shift = (0.5, 0.5) if source == "01" else (2.0, -1.0)
    acc = {}
    for coef, a, b, c, d in rule.terms:
        for ka, ca in _affine_power("O", a, scale, shift).items():
            for kb, cb in _affine_power("x", b, scale, shift).items():
                for kd, cd in _affine_power("T", d, scale, shift).items():
                    key = (ka, kb, c, kd)
                    acc[key] = acc.get(key, 0.0) + coef * ca * cb * cd
    terms = tuple(
        (v, *k) for k, v in sorted(acc.items(), key=lambda kv: (sum(kv[0]), kv[0]), reverse=True) if abs(v) > 1e-15
    )
    if not terms:
        raise InputError(f"rule {rule.formula()} recodes to zero")
    return Rule(rule.name, terms, rule.saturate, rule.form, rule.handling)


_recode = recode  # get_rule's `recode` argument shadows the function's name there

_TERM = re.compile(r"\s*([+-])?\s*(\d+(?:\.\d*)?(?:e[+-]?\d+)?)?\s*\*?\s*((?:[OxwT](?:\^\d)?\s*\*?\s*)*)")


def parse_poly(text, name="poly", saturate=False):
    """Parse a polynomial rule such as ``"O*x - O^2*w"`` or ``"T*x - 0.5*w"``.

    Variables: O (postsynaptic output), x (presynaptic activity), w (the
    weight), T (target); powers with ``^``; terms joined by + or -.

    Parameters
    ----------
    text : str
        The polynomial; every term after the first starts with its sign.
    name : str, default "poly"
        The rule's name.
    saturate : bool, default False
        Whether the synapse is w = tanh(u) (see :class:`Rule`).

    Returns
    -------
    Rule
        Equal monomials merged; ``form`` is ``"supervised"`` when a term
        reads T, else ``"unsupervised"``.

    Raises
    ------
    InputError
        For an empty or unreadable text, a term of degree above 3, or a
        polynomial that is zero.

    Examples
    --------
    >>> from gates.learning.rules import parse_poly
    >>> r = parse_poly("T*x - 0.5*w")
    >>> r.formula(), r.form, r.effective_degree
    ('dw = eta*(x*T - 0.5*w)', 'supervised', 1)
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("a polynomial rule is a non-empty string like 'T*x - T^2*w'")
    terms = []
    pos = 0
    s = text.strip()
    while pos < len(s):
        m = _TERM.match(s, pos)
        # every term after the first starts with its sign: 'x^10' or '2**x'
        # must not read as two terms joined silently
        if not m or m.end() == pos or not (m.group(2) or m.group(3).strip()) or (terms and not m.group(1)):
            raise InputError(
                f"cannot read the polynomial rule {text!r} at {s[pos:]!r}: "
                "use terms like 'O*x', '-0.5*O^2*w', 'T*x' joined by + or -"
            )
        sign = -1.0 if m.group(1) == "-" else 1.0
        coef = float(m.group(2)) if m.group(2) else 1.0
        exps = {"O": 0, "x": 0, "w": 0, "T": 0}
        for var, power in re.findall(r"([OxwT])(?:\^(\d))?", m.group(3)):
            exps[var] += int(power or 1)
        terms.append((sign * coef, exps["O"], exps["x"], exps["w"], exps["T"]))
        pos = m.end()
    terms = _merge(terms)
    if not terms:
        raise InputError(f"the polynomial rule {text!r} is zero")
    form = "supervised" if any(t[4] for t in terms) else "unsupervised"
    return Rule(name, terms, saturate, form)

"""The paper's tables of expectations for a linear unit, and their writer (Baldi & Sadowski §"linear units").

One row per monomial O^a x^b w^c T^d of a local rule, degree <= 3: its
expectation over the data for synapse j in index (scalar) form, derived
with sympy, and as a vector with the named moments of
:mod:`gates.linear_unit.moments` (\\mu, \\Sigma, \\Omega, \\alpha, ...).

What lives here: :func:`expectation_table`, :func:`write_expectation_tables`
(CSV, Markdown, LaTeX and a manifest; ``gates expectations``), the numeric
value of a vector form, :func:`vector_form_value`, and the sympy derivation
for a concrete n, :func:`symbolic_expectation` and :func:`substitute_moments`.
"""

import functools
from itertools import combinations_with_replacement

import numpy as np

from gates._validate import check_array, check_int
from gates.errors import InputError
from gates.io.results import Result
from gates.linear_unit.moments import MAX_DEGREE, Moments, monomial, term_text

__all__ = [
    "expectation_table",
    "expected_terms",
    "ExpectationResult",
    "vector_form_value",
    "symbolic_expectation",
    "substitute_moments",
    "write_expectation_tables",
]

_SYMBOLIC_MAX_N = 10

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


def vector_form_value(a, b, c, d, w, mom):
    """Numeric value of the vector form of E[O^a x^b w^c T^d] (named moments, plain numpy).

    The same expectation as :func:`gates.linear_unit.moments.expected_term`,
    written independently with the named moments, so each checks the other.
    """
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
    max_degree : int, 0..3, default 3
        Highest apparent degree a + b + c + d of a monomial.

    Returns
    -------
    list of dict
        Keys: ``term`` (plain text, e.g. ``"O^2*x*w"``), ``term_latex``,
        ``a``, ``b``, ``c``, ``d``, ``supervised``, ``apparent_degree``,
        ``effective_degree``, ``stratum`` (constant/linear/quadratic/cubic
        by effective degree), ``moment_order`` (d + a + b, the order of the
        moment needed), ``scalar_form`` (LaTeX of component j in index
        notation, from sympy), ``vector_form`` (LaTeX with the named moments
        of :mod:`gates.linear_unit.moments`).

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
    max_degree = check_int(max_degree, "max_degree", 0, MAX_DEGREE)
    sp = _sympy()
    Avg = _avg_class(sp)
    rows = []
    for a, b, c, d in _monomials(int(max_degree)):
        rows.append({
            "term": term_text(a, b, c, d),
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


_JSON_KEYS = ("term", "apparent_degree", "effective_degree", "scalar_form", "vector_form")


class ExpectationResult(Result):
    """What :func:`expected_terms` returns: the object ``gates expectations --json`` prints.

    Keys (``to_dict()``): ``max_degree``, ``terms`` (rows), ``unsupervised``
    and ``supervised`` (rows of each kind), and ``rows``: per term its
    ``term``, ``apparent_degree``, ``effective_degree``, ``scalar_form`` and
    ``vector_form`` (LaTeX).

    Parameters
    ----------
    data : mapping
        The JSON summary (see the keys above).
    text : str, optional
        Not used: :meth:`summary` builds the text.
    **payload
        The attributes below.

    Attributes
    ----------
    table : list of dict
        The full rows of :func:`expectation_table` (every column).
    """

    def summary(self):
        """The table ``gates expectations`` prints without ``--json``."""
        lines = [f"expectation of each monomial O^a x^b w^c T^d (degree <= {self['max_degree']}) for a linear "
                 "unit O = w . I", f"{'term':<14}{'app':>4}{'eff':>4}  vector form"]
        lines += [f"{r['term']:<14}{r['apparent_degree']:>4}{r['effective_degree']:>4}  {r['vector_form']}"
                  for r in self["rows"]]
        return "\n".join(lines)


def expected_terms(max_degree=3):
    """The expectation of every term of a local rule for a linear unit: ``gates expectations``.

    The same rows as :func:`expectation_table`, as the result object the
    command prints: counts of unsupervised and supervised terms and, per
    term, its degrees and its scalar and vector forms.

    Parameters
    ----------
    max_degree : int, 0..3, default 3
        Highest apparent degree a + b + c + d of a monomial O^a x^b w^c T^d.

    Returns
    -------
    ExpectationResult
        Keys ``max_degree``, ``terms``, ``unsupervised``, ``supervised``,
        ``rows``; the attribute ``table`` holds the full rows.

    Raises
    ------
    InputError
        `max_degree` outside 0..3, or sympy missing.

    Examples
    --------
    The paper's tables have 35 terms of degree <= 3; Hebb's term O x has
    expectation Sigma w (the data's second moment times w):

    >>> res = expected_terms(3)
    >>> res["terms"], res["unsupervised"], res["supervised"]
    (35, 20, 15)
    >>> next(r["vector_form"] for r in res["rows"] if r["term"] == "O*x")
    '\\\\Sigma w'
    """
    rows = expectation_table(max_degree)
    data = {"max_degree": int(max_degree), "terms": len(rows),
            "unsupervised": sum(not r["supervised"] for r in rows), "supervised": sum(r["supervised"] for r in rows),
            "rows": [{k: r[k] for k in _JSON_KEYS} for r in rows]}
    return ExpectationResult(data, table=rows)


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
    coef, a, b, c, d = monomial(term)
    n = check_int(n, "n (symbolic forms)", 1, _SYMBOLIC_MAX_N)
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
    >>> from gates.linear_unit.moments import moments
    >>> m = moments(np.array([[1.0, 0.0], [0.0, 2.0]]))
    >>> substitute_moments(symbolic_expectation("O*x", 2), m, [1.0, 1.0])
    array([0.5, 2. ])
    """
    sp = _sympy()
    if not isinstance(mom, Moments):
        raise InputError(f"mom must be a Moments (from gates.linear_unit.moments.moments), got {type(mom).__name__}")
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
        w = check_array(w, "weights w", shape=(mom.n,))
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


def write_expectation_tables(out_dir, max_degree=3, command=None, rows=None):
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
    rows : list of dict, optional
        The rows of :func:`expectation_table` (max_degree), when already
        computed (:attr:`ExpectationResult.table`).

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

    rows = expectation_table(max_degree) if rows is None else rows
    header = ["term", "term_latex", "supervised", "stratum", "apparent_degree", "effective_degree",
              "moment_order", "scalar_form", "vector_form"]
    table = [[r[h] for h in header] for r in rows]
    md_rows = [[f"${v}$" if h in ("term_latex", "scalar_form", "vector_form") else v for h, v in zip(header, row)]
               for row in table]
    tex_name = "expectations.tex"
    tex = [
        "% Expectations of the monomials of local rules for a linear unit O = w.I (Baldi & Sadowski).",
        "% Generated by gates.linear_unit.expectations.write_expectation_tables; needs booktabs, longtable, amsmath.",
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

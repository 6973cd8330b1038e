"""Local learning rules: the named presets, the clamped form, degrees, parse_poly."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import examples
from gates.errors import InputError
from gates.learning.rules import FORMS, RULES, Rule, get_rule, parse_poly

# The table of gates/rules.py's module doc, written out as monomials
# (coef, a, b, c, d) = coef * O^a * x^b * w^c * T^d.
HEBB_U = {(1, 1, 1, 0, 0)}  # O x
HEBB_C = {(1, 0, 1, 0, 1)}  # T x
OJA_U = {(1, 1, 1, 0, 0), (-1, 2, 0, 1, 0)}  # O x - O^2 w
OJA_C = {(1, 0, 1, 0, 1), (-1, 0, 0, 1, 2)}  # T x - T^2 w
GRADIENT = {(1, 0, 1, 0, 1), (-1, 1, 1, 0, 0)}  # T x - O x

PRESETS = [
    # name, form, terms, saturate, apparent degree, effective degree (a + c)
    ("hebb", "unsupervised", HEBB_U, False, 2, 1),
    ("hebb", "clamped", HEBB_C, False, 2, 0),
    ("oja", "unsupervised", OJA_U, False, 3, 3),
    ("oja", "clamped", OJA_C, False, 3, 1),
    ("gradient", "clamped", GRADIENT, False, 2, 1),
    ("hebb-tanh", "unsupervised", HEBB_U, True, 2, 1),
    ("hebb-tanh", "clamped", HEBB_C, True, 2, 0),
]


def term_set(rule):
    return {tuple(t) for t in rule.terms}


def value(terms, o, x, w, t):
    """The polynomial sum c O^a x^b w^c T^d, evaluated directly."""
    return sum(c * o**a * x**b * w**cw * t**d for c, a, b, cw, d in terms)


@pytest.mark.parametrize("name, form, terms, saturate, apparent, effective", PRESETS)
def test_presets_match_the_table(name, form, terms, saturate, apparent, effective):
    r = get_rule(name, form)
    assert term_set(r) == terms
    assert len(r.terms) == len(terms)  # no duplicated monomials
    assert r.name == name and r.saturate is saturate
    assert r.apparent_degree == apparent and r.effective_degree == effective
    assert r.uses_output == any(t[1] for t in terms)
    assert r.uses_target == any(t[4] for t in terms)
    assert r.form == ("supervised" if name == "gradient" else form)
    assert r.as_array().shape == (len(terms), 5)
    d = r.to_dict()
    assert d["saturate"] is saturate and d["apparent_degree"] == apparent and d["effective_degree"] == effective
    assert ("tanh" in d["formula"]) is saturate


def test_default_form_is_clamped_and_names_are_listed():
    assert set(RULES) == {"hebb", "oja", "gradient", "hebb-tanh"}
    assert FORMS == ("clamped", "unsupervised")
    for name in RULES:
        assert get_rule(name) == get_rule(name, "clamped")


def test_clamped_replaces_output_by_target():
    for name in ("hebb", "oja", "hebb-tanh"):
        u, c = get_rule(name, "unsupervised"), get_rule(name, "clamped")
        assert u.clamped() == c and c.clamped() == c  # clamping twice changes nothing
        assert c.form == "clamped" and not c.uses_output and c.uses_target
    # T x - O x clamps to 0: a rule with no terms is refused
    with pytest.raises(InputError):
        get_rule("gradient").clamped()


coef = st.sampled_from([-2.0, -1.0, -0.5, 0.25, 1.0, 3.0])
# exponents (a, b, c, d) with a + b + c + d <= 3, drawn without filtering (which
# tripped hypothesis's filter health check): three picks among O, x, w, T or none
exps = st.lists(st.sampled_from([0, 1, 2, 3, None]), min_size=3, max_size=3).map(
    lambda picks: tuple(picks.count(i) for i in range(4)))
levels = st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.0])


@examples(60)
@given(st.lists(st.tuples(coef, exps), min_size=1, max_size=5), levels, levels, levels, levels)
def test_clamped_is_the_rule_evaluated_at_o_equal_t(raw, o, x, w, t):
    terms = [(c, *e) for c, e in raw]
    try:
        r = Rule("r", tuple(terms))
        cl = r.clamped()
    except InputError:
        # only when the polynomial vanishes once O = T (every merged coefficient is 0)
        grid = [-1.0, 0.5, 2.0, 3.0]
        assert all(value(terms, t0, x0, w0, t0) == pytest.approx(0, abs=1e-9)
                   for t0 in grid for x0 in grid for w0 in grid)
        return
    assert not cl.uses_output
    assert value(cl.terms, o, x, w, t) == pytest.approx(value(terms, t, x, w, t), abs=1e-12)
    # like monomials are merged
    assert len({tuple(m[1:]) for m in cl.terms}) == len(cl.terms)


@pytest.mark.parametrize(
    "text, terms, form",
    [
        ("O*x - O^2*w", OJA_U, "unsupervised"),
        ("T*x - T^2*w", OJA_C, "supervised"),
        ("T*x - O*x", GRADIENT, "supervised"),
        ("x*T", HEBB_C, "supervised"),
        ("-0.5*O^2*w + 2*T*x", {(-0.5, 2, 0, 1, 0), (2, 0, 1, 0, 1)}, "supervised"),
        ("1e-2 * x * w * T", {(0.01, 0, 1, 1, 1)}, "supervised"),
        ("O*x + O*x - w", {(2, 1, 1, 0, 0), (-1, 0, 0, 1, 0)}, "unsupervised"),  # merged
        ("w*w*w", {(1, 0, 0, 3, 0)}, "unsupervised"),
        ("3", {(3, 0, 0, 0, 0)}, "unsupervised"),  # a constant term has degree 0
    ],
)
def test_parse_poly(text, terms, form):
    r = parse_poly(text)
    assert term_set(r) == terms and r.form == form and r.saturate is False
    assert parse_poly(text, saturate=True).saturate is True


def test_parse_poly_reads_oja_as_the_preset():
    assert term_set(parse_poly("O*x - O^2*w")) == term_set(get_rule("oja", "unsupervised"))
    assert parse_poly("O*x - O^2*w").clamped().terms == get_rule("oja").terms


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", None, 3, "O*y", "O^", "x -", "+", "x--w", "x - x", "T*x+",
        "x**2",  # Python power
        "2**x",  # was read as the two terms 2 and x
        "x^10",  # was read as x plus a zero term
        "T*x 3",  # two terms without a sign
        "x*2",  # coefficients come first
        "O^4", "O^2*x^2", "O*x*w*T",  # degree 4 > 3
    ],
)
def test_parse_poly_rejects(text):
    with pytest.raises(InputError):
        parse_poly(text)


def test_rule_validation():
    with pytest.raises(InputError):
        Rule("empty", ())
    with pytest.raises(InputError, match="degree"):
        Rule("deg4", ((1.0, 4, 0, 0, 0),))
    with pytest.raises(InputError, match="degree"):
        Rule("deg4", ((1.0, 1, 1, 1, 1),))
    with pytest.raises(InputError):
        Rule("neg", ((1.0, -1, 1, 0, 0),))
    with pytest.raises(InputError):
        Rule("frac", ((1.0, 0.5, 1, 0, 0),))
    with pytest.raises(InputError):
        Rule("short", ((1.0, 1, 1),))
    assert Rule("deg3", ((1.0, 1, 1, 1, 0),)).apparent_degree == 3


def test_refusals():
    with pytest.raises(InputError, match="supervised only"):
        get_rule("gradient", "unsupervised")
    with pytest.raises(InputError, match="unknown"):
        get_rule("perceptron")
    with pytest.raises(InputError, match="unknown"):
        get_rule("hebb", "supervised")


def test_formula_reads_back():
    for name in RULES:
        for form in FORMS:
            if (name, form) == ("gradient", "unsupervised"):
                continue
            r = get_rule(name, form)
            text = r.formula().split("=", 1)[1].split("[")[0].strip()
            assert text.startswith("eta*(") and text.endswith(")")
            assert term_set(parse_poly(text[5:-1])) == term_set(r)


# --------------------------------------------------------------------------
# the encoding map x' = 2x - 1
# --------------------------------------------------------------------------


def poly_value(terms, O, x, w, T):
    """sum coef O^a x^b w^c T^d by a plain loop (independent of Rule.evaluate)."""
    total = 0.0
    for coef, a, b, c, d in terms:
        total += coef * O**a * x**b * w**c * T**d
    return total


monomial = st.tuples(
    st.sampled_from([-2.0, -1.0, -0.5, 0.5, 1.0, 3.0]),
    st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3),
).filter(lambda t: sum(t[1:]) <= 3)


@examples(150)
@given(st.lists(monomial, min_size=1, max_size=5), st.floats(-2, 2))
def test_recode_agrees_on_every_binary_point(terms, w):
    from gates.learning.rules import recode

    try:
        rule = Rule("r", tuple(terms))
    except InputError:
        return
    merged = {}
    for c, *e in terms:
        merged[tuple(e)] = merged.get(tuple(e), 0.0) + c
    if all(v == 0 for v in merged.values()):
        return
    try:
        pm = recode(rule, "01", "pm1")
    except InputError:  # recodes to zero only if the rule is zero on the cube
        pm = None
    for O in (0, 1):
        for x in (0, 1):
            for T in (0, 1):
                want = poly_value(terms, O, x, w, T)
                got = 0.0 if pm is None else poly_value(pm.terms, 2 * O - 1, 2 * x - 1, w, 2 * T - 1)
                assert got == pytest.approx(want, abs=1e-9)
    if pm is not None:
        # affine substitutions never raise the degree, in total or in w
        assert pm.apparent_degree <= rule.apparent_degree
        assert pm.effective_degree <= rule.effective_degree
        back = recode(pm, "pm1", "01")
        for O in (0, 1):
            for x in (0, 1):
                for T in (0, 1):
                    assert poly_value(back.terms, O, x, w, T) == pytest.approx(poly_value(terms, O, x, w, T), abs=1e-9)


def test_recode_named_rules_keep_their_degree():
    from gates.learning.rules import recode

    for name, form in (("hebb", "unsupervised"), ("oja", "unsupervised"), ("oja", "clamped"), ("gradient", "clamped")):
        r = get_rule(name, form)
        for src, dst in (("pm1", "01"), ("01", "pm1")):
            m = recode(r, src, dst)
            assert (m.apparent_degree, m.effective_degree) == (r.apparent_degree, r.effective_degree)
    # O x in 0/1 coding is (O'+1)(x'+1)/4 in +-1 coding, worked by hand
    pm = recode(parse_poly("O*x"), "01", "pm1")
    assert set(pm.terms) == {(0.25, 1, 1, 0, 0), (0.25, 1, 0, 0, 0), (0.25, 0, 1, 0, 0), (0.25, 0, 0, 0, 0)}
    with pytest.raises(InputError, match="encoding"):
        recode(pm, "pm1", "binary")


# --------------------------------------------------------------------------
# named rules under 0/1 coding: recoded (default) or literal
# --------------------------------------------------------------------------

# (2T - 1)(2x - 1) = 4Tx - 2x - 2T + 1 and (2T - 1)^2 = 4T^2 - 4T + 1, expanded by hand
HEBB_C_01 = {(4, 0, 1, 0, 1), (-2, 0, 1, 0, 0), (-2, 0, 0, 0, 1), (1, 0, 0, 0, 0)}
HEBB_U_01 = {(4, 1, 1, 0, 0), (-2, 0, 1, 0, 0), (-2, 1, 0, 0, 0), (1, 0, 0, 0, 0)}
OJA_C_01 = HEBB_C_01 | {(-4, 0, 0, 1, 2), (4, 0, 0, 1, 1), (-1, 0, 0, 1, 0)}
OJA_U_01 = HEBB_U_01 | {(-4, 2, 0, 1, 0), (4, 1, 0, 1, 0), (-1, 0, 0, 1, 0)}
RECODED = [("hebb", "clamped", HEBB_C_01), ("hebb", "unsupervised", HEBB_U_01), ("oja", "clamped", OJA_C_01),
           ("oja", "unsupervised", OJA_U_01), ("hebb-tanh", "clamped", HEBB_C_01),
           ("hebb-tanh", "unsupervised", HEBB_U_01)]


@pytest.mark.parametrize("name, form, terms", RECODED)
def test_named_rules_recoded_to_01_by_hand(name, form, terms):
    r = get_rule(name, form, "01")
    assert term_set(r) == terms and r.handling == "recoded" and r.to_dict()["encoding_handling"] == "recoded"
    assert r.saturate is (name == "hebb-tanh") and r.form == form
    # the recoded rule on 0/1 values is the +-1 rule at the mapped values: the same rule class
    pm = get_rule(name, form)
    for o in (0, 1):
        for x in (0, 1):
            for t in (0, 1):
                for w in (-1.5, 0.0, 0.25, 2.0):
                    assert value(r.terms, o, x, w, t) == pytest.approx(
                        value(pm.terms, 2 * o - 1, 2 * x - 1, w, 2 * t - 1), abs=1e-12)
    lit = get_rule(name, form, "01", recode=False)
    assert term_set(lit) == term_set(pm) and lit.handling == "literal"
    assert get_rule(name, form, "pm1") == get_rule(name, form, "pm1", recode=False) == pm
    assert pm.handling == "as written"


def test_gradient_is_the_delta_rule_in_every_coding():
    for enc in ("pm1", "01"):
        for recode in (True, False):
            r = get_rule("gradient", "clamped", enc, recode)
            assert term_set(r) == GRADIENT and r.handling == "as written"


def test_literal_clamped_hebb_only_grows_on_01_values():
    """The reviewer's point: T x >= 0 for T, x in {0, 1}; recoded, T'x' takes both signs."""
    lit = get_rule("hebb", "clamped", "01", recode=False)
    rec = get_rule("hebb", "clamped", "01")
    vals = [(x, t) for x in (0, 1) for t in (0, 1)]
    assert min(value(lit.terms, 0, x, 0, t) for x, t in vals) >= 0
    assert sorted(value(rec.terms, 0, x, 0, t) for x, t in vals) == [-1, -1, 1, 1]


def test_get_rule_refuses_bad_codings():
    with pytest.raises(InputError, match="encoding"):
        get_rule("hebb", "clamped", "binary")
    with pytest.raises(InputError, match="recode"):
        get_rule("hebb", "clamped", "01", recode="yes")
    with pytest.raises(InputError, match="handling"):
        Rule("r", ((1.0, 1, 1, 0, 0),), handling="recoded twice")


def test_clamping_that_cancels_every_term_is_refused():
    with pytest.raises(InputError, match="leaves no term"):
        parse_poly("T*x - O*x").clamped()

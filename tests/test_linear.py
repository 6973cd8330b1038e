"""Linear-unit analysis (gates.linear_unit) against tests/naive.py and analytic formulas."""

import csv
import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import examples
from gates.errors import InputError, ResourceError
from gates.learning.rules import get_rule, parse_poly
from gates.linear_unit.dynamics import (
    affine_coefficients,
    delta_least_squares,
    exact_trajectory,
    hebb_alignment,
    oja_convergence,
    simulate,
)
from gates.linear_unit.expectations import (
    expectation_table,
    substitute_moments,
    symbolic_expectation,
    vector_form_value,
    write_expectation_tables,
)
from gates.linear_unit.moments import Moments, expected_term, expected_update, moments
from gates.linear_unit.riccati import riccati, riccati_blowup_time, riccati_coefficients
from gates.verify.linear_unit import check_linear_dynamics

from . import naive


def _data(seed, P=7, n=3, binary=False):
    rng = np.random.default_rng(seed)
    if binary:
        return rng.integers(0, 2, (P, n)).astype(float), rng.integers(0, 2, P).astype(float)
    return rng.normal(0.3, 1.0, (P, n)), rng.normal(0.5, 1.0, P)


def _gaussian(seed, P, mean, cov):
    """Inputs with mean and covariance as given, plus targets; mean/cov over (I_1..I_n)."""
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(mean, cov, size=P)


# --------------------------------------------------------------------------
# the table of expectations
# --------------------------------------------------------------------------


def test_table_covers_every_monomial_in_order():
    for k in range(4):
        rows = expectation_table(k)
        assert len(rows) == math.comb(k + 4, 4)  # monomials in 4 variables of degree <= k
        assert {(r["a"], r["b"], r["c"], r["d"]) for r in rows} == {
            (a, b, c, d) for a in range(4) for b in range(4) for c in range(4) for d in range(4)
            if a + b + c + d <= k}
    rows = expectation_table()
    keys = [(r["supervised"], r["effective_degree"], r["apparent_degree"]) for r in rows]
    assert keys == sorted(keys)  # unsupervised first, then effective, then apparent degree
    assert rows[0]["term"] == "1" and rows[0]["vector_form"] == r"\mathbf{1}"
    by = {r["term"]: r for r in rows}
    assert by["O*x"]["vector_form"] == r"\Sigma w"
    assert by["O^2*w"]["vector_form"] == r"(w^\top \Sigma w) w"
    assert by["x*T"]["vector_form"] == r"\alpha"
    assert by["O*x"]["scalar_form"] == r"\sum_{k=1}^{n} \left\langle {I}_{j} {I}_{k} \right\rangle {w}_{k}"


def test_table_terms_and_strata():
    by = {(r["a"], r["b"], r["c"], r["d"]): r for r in expectation_table()}
    r = by[(1, 1, 0, 1)]
    assert r["term"] == "O*x*T" and r["stratum"] == "linear" and r["moment_order"] == 3 and r["supervised"]
    r = by[(2, 0, 1, 0)]
    assert r["term"] == "O^2*w" and r["effective_degree"] == 3 and r["stratum"] == "cubic"
    assert by[(0, 3, 0, 0)]["vector_form"] == r"\operatorname{diag}\Omega"


@pytest.fixture(scope="module")
def sample():
    I, T = _data(11, P=7, n=3)
    w = np.array([0.7, -1.1, 0.4])
    return I, T, w, moments(I, T)


def test_every_term_numeric_equals_naive_average(sample):
    # expected_term contracts the moment tensors; naive averages per sample
    I, T, w, mom = sample
    for r in expectation_table():
        a, b, c, d = r["a"], r["b"], r["c"], r["d"]
        ref = naive.linear_term_average(I.tolist(), T.tolist(), w.tolist(), a, b, c, d)
        np.testing.assert_allclose(expected_term((a, b, c, d), w, mom), ref, rtol=1e-10, atol=1e-12,
                                   err_msg=r["term"])
        # the vector form, evaluated with the named moments
        np.testing.assert_allclose(vector_form_value(a, b, c, d, w, mom), ref, rtol=1e-10, atol=1e-12,
                                   err_msg=r["vector_form"])


@pytest.mark.parametrize("n", [2, 3])
def test_every_term_symbolic_equals_naive_average(n):
    I, T = _data(5 + n, P=6, n=n)
    w = np.linspace(-0.8, 1.3, n)
    mom = moments(I, T)
    for r in expectation_table():
        a, b, c, d = r["a"], r["b"], r["c"], r["d"]
        ref = naive.linear_term_average(I.tolist(), T.tolist(), w.tolist(), a, b, c, d)
        got = substitute_moments(symbolic_expectation((a, b, c, d), n), mom, w)
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12, err_msg=r["term"])


def test_symbolic_keeps_coefficient_and_symbols():
    expr = symbolic_expectation((-2.5, 1, 1, 0, 0), 2)
    assert {s.name for s in expr.free_symbols} == {"w_1", "w_2", r"\langle I_{1}^{2} \rangle",
                                                     r"\langle I_{1} I_{2} \rangle", r"\langle I_{2}^{2} \rangle"}
    I, _ = _data(1, n=2)
    mom = moments(I)
    want = -2.5 * (I.T @ I / len(I)) @ [1.0, 2.0]
    np.testing.assert_allclose(substitute_moments(expr, mom, [1.0, 2.0]), want, rtol=1e-12)
    assert {s.name for s in substitute_moments(expr, mom).free_symbols} == {"w_1", "w_2"}


def test_expected_update_equals_naive(sample):
    I, T, w, _ = sample
    for rule in (get_rule("oja", "unsupervised"), get_rule("oja"), get_rule("gradient"),
                 parse_poly("1 - 0.5*O^2*x + 2*T^2*w - x^3 + 0.3*O*w*T")):
        ref = naive.linear_rule_step(I.tolist(), T.tolist(), w.tolist(), rule.terms)
        np.testing.assert_allclose(expected_update(rule, w, I, T), ref, rtol=1e-10, atol=1e-12)


def test_terms_against_analytic_gaussian_moments():
    # (I_1, I_2, T) jointly Gaussian: every moment in closed form (Isserlis);
    # the per-sample average must sit within 5 standard errors of the formula
    mean = np.array([0.8, -0.4, 0.5])
    L = np.array([[0.7, 0.0, 0.0], [0.3, 0.5, 0.0], [0.4, -0.2, 0.6]])
    cov = L @ L.T
    Z = _gaussian(3, 200_000, mean, cov)
    I, T = Z[:, :2], Z[:, 2]
    g = lambda *idx: naive.gaussian_moment(mean.tolist(), cov.tolist(), idx)
    r2 = range(2)
    exact = Moments(
        n=2, samples=0, mu=[g(i) for i in r2], sigma=[[g(i, j) for j in r2] for i in r2],
        omega=[[[g(i, j, k) for k in r2] for j in r2] for i in r2],
        mu_t=g(2), mu_t2=g(2, 2), mu_t3=g(2, 2, 2), alpha=[g(2, i) for i in r2], alpha2=[g(2, 2, i) for i in r2],
        sigma_t=[[g(2, i, j) for j in r2] for i in r2])
    w = np.array([0.9, -0.6])
    O = I @ w
    for a, b, c, d in [(1, 1, 0, 0), (2, 0, 1, 0), (3, 0, 0, 0), (0, 3, 0, 0), (1, 2, 0, 0), (2, 1, 0, 0),
                       (1, 1, 0, 1), (0, 1, 0, 2), (0, 2, 0, 1), (2, 0, 0, 1), (0, 0, 0, 3), (1, 0, 0, 2),
                       (0, 1, 1, 1)]:
        samples = O[:, None] ** a * I**b * w**c * T[:, None] ** d
        se = samples.std(axis=0) / math.sqrt(len(O))
        got = expected_term((a, b, c, d), w, exact)
        assert np.all(np.abs(samples.mean(axis=0) - got) <= 5 * se + 1e-12), (a, b, c, d)


def test_moments_refuse_a_tensor_over_the_cap(monkeypatch):
    monkeypatch.setenv("GATES_MEMORY_CAP", "1K")
    I = np.ones((2, 10))
    with pytest.raises(ResourceError):
        moments(I)  # 10^3 float64 > 1 KiB
    assert moments(I, order=2).omega is None
    A, b = affine_coefficients("O*x - w", I)  # never builds the tensor
    assert A.shape == (10, 10)


def test_moments_are_read_only():
    mom = moments(np.eye(2))
    with pytest.raises(ValueError):
        mom.sigma[0, 0] = 5.0


# --------------------------------------------------------------------------
# exact dynamics for effective degree <= 1
# --------------------------------------------------------------------------

AFFINE_RULES = ["T*x", "T*x - O*x", "x - w", "T - O*x + 0.5*w", "O*x", "0.5 - x^2*w + O*T + x*T^2"]


@pytest.mark.parametrize("text", AFFINE_RULES)
def test_exact_trajectory_equals_plain_loop(text):
    I, T = _data(2, P=6, n=3)
    rule = parse_poly(text)
    w0 = [0.2, -0.3, 0.5]
    ref = naive.linear_simulate_batch(I.tolist(), T.tolist(), w0, 0.05, 40, rule.terms)
    for method in ("auto", "power"):
        np.testing.assert_allclose(exact_trajectory(rule, I, T, w0, 0.05, 40, method=method), ref,
                                   rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(simulate(rule, I, T, w0, 0.05, 40), ref, rtol=1e-12, atol=1e-14)


def test_exact_trajectory_singular_A():
    # a repeated input column makes Sigma (and A = -Sigma) singular; clamped
    # Hebb T*x has A = 0, a Jordan block: w grows linearly, eig is refused
    I, T = _data(4, P=6, n=3)
    I[:, 2] = I[:, 0]
    w0 = [0.1, 0.0, -0.2]
    for text in ("T*x - O*x", "x - O*x"):
        A, _ = affine_coefficients(text, I, T)
        assert abs(np.linalg.det(A)) < 1e-12
        ref = naive.linear_simulate_batch(I.tolist(), T.tolist(), w0, 0.1, 60, parse_poly(text).terms)
        np.testing.assert_allclose(exact_trajectory(text, I, T, w0, 0.1, 60), ref, rtol=1e-9, atol=1e-12)
    ref = naive.linear_simulate_batch(I.tolist(), T.tolist(), w0, 0.1, 60, parse_poly("T*x").terms)
    np.testing.assert_allclose(exact_trajectory("T*x", I, T, w0, 0.1, 60), ref, rtol=1e-9, atol=1e-12)
    with pytest.raises(InputError, match="diagonalisable"):
        exact_trajectory("T*x", I, T, w0, 0.1, 60, method="eig")


def test_exact_trajectory_close_to_online_for_small_eta():
    # online steps eta/P per row differ from the batch epoch by O(eta^2) per
    # epoch, so at fixed ODE time t = eta * epochs the gap is O(eta)
    I, T = _data(6, P=8, n=3)
    w0 = np.array([0.3, 0.1, -0.4])
    gaps = []
    for eta in (0.02, 0.005):
        epochs = int(round(1.0 / eta))
        ex = exact_trajectory("T*x - O*x", I, T, w0, eta, epochs)
        on = simulate("T*x - O*x", I, T, w0, eta, epochs, mode="online", seed=1)
        gaps.append(np.max(np.abs(ex - on)))
    assert gaps[0] < 0.2 * 0.02 and gaps[1] < 0.2 * 0.005  # measured ~0.05 eta
    assert gaps[1] < gaps[0] / 2  # shrinks with eta


def test_online_simulate_equals_plain_loop_with_the_same_orders():
    I, T = _data(8, P=5, n=2)
    rule = get_rule("oja", "unsupervised")
    rng = np.random.default_rng(3)  # the documented order: one permutation per epoch
    orders = [rng.permutation(5).tolist() for _ in range(7)]
    ref = naive.linear_simulate_online(I.tolist(), None, [0.4, -0.2], 0.1, orders, rule.terms)
    np.testing.assert_allclose(simulate(rule, I, None, [0.4, -0.2], 0.1, 7, mode="online", seed=3), ref,
                               rtol=1e-12, atol=1e-14)


def test_simulate_batch_nonaffine_equals_plain_loop():
    I, T = _data(9, P=6, n=3)
    rule = parse_poly("O*x - O^2*w + 0.1*T*x^2")
    ref = naive.linear_simulate_batch(I.tolist(), T.tolist(), [0.1, 0.2, 0.3], 0.05, 20, rule.terms)
    np.testing.assert_allclose(simulate(rule, I, T, [0.1, 0.2, 0.3], 0.05, 20), ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("text", ["O*x - O*w^2", "T*x - O^2*w + 0.2*O", "x - O*x*w"])
def test_simulate_tanh_unit_equals_plain_loop(text):
    """transfer='tanh': O = tanh(w . x) in the same loops (batch and online with the documented orders)."""
    I, T = _data(11, P=6, n=3)
    rule = parse_poly(text)
    w0 = [0.3, -0.2, 0.5]
    ref = naive.linear_simulate_batch(I.tolist(), T.tolist(), w0, 0.05, 15, rule.terms, transfer=math.tanh)
    np.testing.assert_allclose(simulate(rule, I, T, w0, 0.05, 15, transfer="tanh"), ref, rtol=1e-12, atol=1e-14)
    rng = np.random.default_rng(4)
    orders = [rng.permutation(6).tolist() for _ in range(5)]
    ref = naive.linear_simulate_online(I.tolist(), T.tolist(), w0, 0.1, orders, rule.terms, transfer=math.tanh)
    np.testing.assert_allclose(simulate(rule, I, T, w0, 0.1, 5, mode="online", seed=4, transfer="tanh"), ref,
                               rtol=1e-12, atol=1e-14)
    # and the tanh unit is not the linear one
    assert not np.allclose(simulate(rule, I, T, w0, 0.1, 5, mode="online", seed=4), ref)
    with pytest.raises(InputError, match="transfer 'relu' is unknown"):
        simulate(rule, I, T, w0, 0.1, 5, transfer="relu")


def test_simulate_stops_on_overflow():
    I = np.array([[2.0, 1.0], [1.0, 3.0]])
    W = simulate("O^2*x", I, None, [1.0, 1.0], 1.0, 30)  # w' ~ |w|^2: finite-time blow-up
    bad = ~np.all(np.isfinite(W), axis=1)
    assert bad.any() and np.all(np.isnan(W[bad]))
    first = np.argmax(bad)
    assert bad[first:].all() and np.all(np.abs(W[:first]) <= 1e100)


def test_affine_refuses_effective_degree_above_one():
    I, T = _data(1)
    for rule in (get_rule("oja", "unsupervised"), parse_poly("O^2"), parse_poly("x*w^2")):
        with pytest.raises(InputError, match="effective degree"):
            affine_coefficients(rule, I, T)
        with pytest.raises(InputError, match="effective degree"):
            exact_trajectory(rule, I, T, [0.0, 0.0, 0.0], 0.1, 5)


# --------------------------------------------------------------------------
# Riccati
# --------------------------------------------------------------------------

RICCATI_CASES = {
    "c=0": (0.5, -1.2, 0.0, 2.0, 3.0),
    "c=0, b=0": (0.7, 0.0, 0.0, -1.0, 3.0),
    "D>0": (1.0, 0.3, -1.0, 0.2, 3.0),
    "D>0, from beyond the unstable root": (1.0, 0.0, -1.0, -1.2, 0.5),
    "D=0": (1.0, 2.0, 1.0, -3.0, 3.0),
    "D<0": (1.0, 0.5, 1.0, 0.0, 1.0),
    "D<0, c<0": (-2.0, 0.5, -0.5, 0.3, 0.8),
    "c tiny": (1.0, 1.0, 1e-10, 0.5, 5.0),
}


@pytest.mark.parametrize("name", RICCATI_CASES)
def test_riccati_matches_rk4(name):
    # RK4 with h = t/4000 has error ~ h^4 |w^(5)|: far below the 1e-9 asked
    a, b, c, w0, t = RICCATI_CASES[name]
    ref = naive.rk4(lambda w: a + b * w + c * w * w, w0, t, 4000)
    assert float(riccati(a, b, c, w0, t)) == pytest.approx(ref, rel=1e-9, abs=1e-12)


def test_riccati_blowup_times_and_values():
    # D < 0: w = -b/2c + (k/c) tan(k t + atan(c u0 / k)); blows up at k t* = pi/2 - atan(c u0 / k)
    for a, b, c, w0 in [(1.0, 0.0, 1.0, 0.0), (1.0, 0.5, 1.0, 0.7), (-2.0, 0.5, -0.5, 0.3), (3.0, 1.0, 0.2, -5.0)]:
        k = math.sqrt(4 * a * c - b * b) / 2
        u0 = w0 + b / (2 * c)
        tstar = (math.pi / 2 - math.atan(c * u0 / k)) / k
        assert float(riccati_blowup_time(a, b, c, w0)) == pytest.approx(tstar, rel=1e-12)
        sign = math.copysign(1.0, c)
        before = float(riccati(a, b, c, w0, tstar * (1 - 1e-7)))
        assert sign * before > 1e5
        assert float(riccati(a, b, c, w0, tstar * (1 + 1e-9))) == sign * math.inf
        assert float(riccati(a, b, c, w0, 10 * tstar)) == sign * math.inf
    # D > 0: w' = 1 - w^2 from w0 < -1 is coth(t + C) with coth C = w0: -inf at t* = artanh(1/|w0|)
    for w0 in (-1.5, -1.01, -30.0):
        tstar = math.atanh(1 / abs(w0))
        assert float(riccati_blowup_time(1.0, 0.0, -1.0, w0)) == pytest.approx(tstar, rel=1e-12)
        assert float(riccati(1.0, 0.0, -1.0, w0, tstar * 1.001)) == -math.inf
        assert float(riccati(1.0, 0.0, -1.0, w0, tstar * 0.9)) == pytest.approx(
            1 / math.tanh(0.9 * tstar + math.atanh(1 / w0)), rel=1e-10)
    # D = 0: w' = (w + 1)^2 from 0 is w = -1 + 1/(1 - t), blows up at 1
    assert float(riccati_blowup_time(1.0, 2.0, 1.0, 0.0)) == pytest.approx(1.0, rel=1e-14)
    assert float(riccati(1.0, 2.0, 1.0, 0.0, 0.75)) == pytest.approx(3.0, rel=1e-13)
    assert float(riccati(1.0, 2.0, 1.0, 0.0, 1.0)) == math.inf
    # no blow-up: linear, and the basin of the stable root
    assert float(riccati_blowup_time(1.0, 5.0, 0.0, 1.0)) == math.inf
    assert float(riccati_blowup_time(1.0, 0.0, -1.0, -0.99)) == math.inf


def test_riccati_broadcasts():
    a = np.array([[1.0], [0.5], [-1.0]])
    b = np.array([0.0, 0.3, -0.4, 1.0])
    t = np.linspace(0.0, 0.5, 5)[:, None, None]
    got = riccati(a, b, -0.8, 0.1, t)
    assert got.shape == (5, 3, 4)
    for i in range(5):
        for j in range(3):
            for k in range(4):
                assert got[i, j, k] == float(riccati(a[j, 0], b[k], -0.8, 0.1, t[i, 0, 0]))
    assert np.all(riccati(0.0, 0.0, 0.0, [1.0, 2.0], 0.0) == [1.0, 2.0])


@examples(40)
@given(st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2))
def test_riccati_matches_rk4_random(a, b, c, w0):
    tstar = float(riccati_blowup_time(a, b, c, w0))
    t = min(1.5, 0.5 * tstar)  # away from blow-up, where RK4 is accurate
    ref = naive.rk4(lambda w: a + b * w + c * w * w, w0, t, 2000)
    assert float(riccati(a, b, c, w0, t)) == pytest.approx(ref, rel=1e-8, abs=1e-10)


def test_riccati_coefficients_and_dynamics():
    # the lead's demo rule on 0/1 data: w_j' = <T x_j> - <T> w_j^2 -> sqrt(<T x_j> / <T>)
    I, T = _data(21, P=30, n=4, binary=True)
    I[:, 3] = 0.0  # a pixel that is never on: a = 0, double root at 0
    a, b, c = riccati_coefficients("T*x - T*w^2", I, T)
    rows, ts = I.tolist(), T.tolist()
    ones = [1.0] * 4
    np.testing.assert_allclose(a, naive.linear_term_average(rows, ts, ones, 0, 1, 0, 1), rtol=1e-12)
    np.testing.assert_allclose(b, 0.0)
    np.testing.assert_allclose(c, [-v for v in naive.linear_term_average(rows, ts, ones, 0, 0, 0, 1)], rtol=1e-12)
    w0 = np.array([0.1, 0.5, 1.5, 0.3])
    eta, epochs = 0.01, 400
    W = simulate("T*x - T*w^2", I, T, w0, eta, epochs)
    R = riccati(a, b, c, w0, eta * np.arange(epochs + 1)[:, None])
    # Euler with step eta against the ODE: global error O(eta) (measured 0.17 eta)
    assert np.max(np.abs(W - R)) < 0.5 * eta
    limit = np.sqrt(a / -c)
    np.testing.assert_allclose(riccati(a, b, c, w0, 200.0)[:3], limit[:3], atol=1e-10)
    # the dark pixel: w' = c w^2 decays like 1/t, w = w0 / (1 - c w0 t)
    assert float(riccati(a[3], b[3], c[3], w0[3], 200.0)) == pytest.approx(0.3 / (1 - c[3] * 0.3 * 200), rel=1e-13)


def test_riccati_coefficients_general_rule():
    I, T = _data(22, P=9, n=3)
    rule = parse_poly("0.5 - x*w + x*w^2 + T^2*x - 0.2*T*w")
    a, b, c = riccati_coefficients(rule, I, T)
    w = np.array([0.3, -0.2, 0.9])
    ref = naive.linear_rule_step(I.tolist(), T.tolist(), w.tolist(), rule.terms)
    np.testing.assert_allclose(a + b * w + c * w * w, ref, rtol=1e-12)


def test_riccati_coefficients_refuse_O_and_cubic_w():
    I, T = _data(1)
    for text in ("O*x", "T*x - O*w", "w^3"):
        with pytest.raises(InputError):
            riccati_coefficients(text, I, T)


# --------------------------------------------------------------------------
# named behaviours
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cloud():
    mean = np.array([1.0, 0.6, -0.4])
    cov = np.diag([0.3, 0.2, 0.1]) ** 2 + 0.01
    return _gaussian(7, 400, mean, cov)


def test_hebb_norm_grows_geometrically_and_aligns(cloud):
    I = cloud
    S = I.T @ I / len(I)
    lam, V = np.linalg.eigh(S)
    r = hebb_alignment(I, eta=0.05, epochs=300, seed=2)
    assert r["lambda_max"] == pytest.approx(lam[-1], rel=1e-12)
    # E[dw] = eta S w: the norm ratio per epoch tends to 1 + eta lambda_max,
    # the gap shrinking like ((1 + eta lambda_2)/(1 + eta lambda_1))^epoch
    np.testing.assert_allclose(r["growth"][-20:], 1 + 0.05 * lam[-1], rtol=1e-10)
    assert abs(r["growth"][50] / (1 + 0.05 * lam[-1]) - 1) > 1e-8  # not yet at epoch 50
    assert r["norm"][-1] > 1e3 * r["norm"][0]
    assert r["final_angle_principal_deg"] < 1e-6
    # the centre of gravity only approximately (independence approximation)
    v, mu = V[:, -1], I.mean(axis=0)
    gap = math.degrees(math.acos(abs(v @ mu) / np.linalg.norm(mu)))
    assert r["angle_mu_principal_deg"] == pytest.approx(gap, rel=1e-9)
    assert r["final_angle_mu_deg"] == pytest.approx(gap, abs=1e-5)
    assert 0 < gap < 10


def test_oja_norm_to_one_along_principal(cloud):
    I = cloud - cloud.mean(axis=0)  # centred, so the principal direction is the top variance
    r = oja_convergence(I, epochs=2000, seed=1)
    v = np.linalg.eigh(I.T @ I / len(I))[1][:, -1]
    assert abs(r["final_norm"] - 1) < 1e-6
    assert r["final_cos"] > 1 - 1e-9
    assert min(np.linalg.norm(r["w"] - v), np.linalg.norm(r["w"] + v)) < 1e-6
    # online mode reaches it too, up to O(eta)
    on = oja_convergence(I[:60], epochs=400, seed=1, mode="online")
    assert abs(on["final_norm"] - 1) < 0.01 and on["final_cos"] > 0.9999


def test_delta_converges_to_lstsq(cloud):
    I = cloud
    T = I @ np.array([1.0, -2.0, 0.5]) + 0.05 * np.random.default_rng(0).standard_normal(len(I))
    r = delta_least_squares(I, T, epochs=3000)
    wstar = np.linalg.lstsq(I, T, rcond=None)[0]
    assert r["stable"]
    np.testing.assert_allclose(r["w"], wstar, rtol=1e-8)  # rate max|1 - eta lambda| ^ 3000
    # too large a step diverges (eta > 2 / lambda_max)
    bad = delta_least_squares(I, T, eta=2.5 / r["lambda_max"], epochs=50)
    assert not bad["stable"] and bad["error"][-1] > 1e3


def test_delta_singular_reaches_min_norm():
    I, T = _data(12, P=10, n=3)
    I[:, 2] = I[:, 1]
    r = delta_least_squares(I, T, epochs=5000)
    np.testing.assert_allclose(r["w"], np.linalg.pinv(I) @ T, rtol=1e-7, atol=1e-9)


def test_check_linear_dynamics():
    out = check_linear_dynamics(seed=3)
    assert out["holds"], out
    assert out["evidence"]["riccati_vs_rk4_max_rel_error"] < 1e-9
    assert out["evidence"]["mutant"] is None


# each mutant must fail the check, through the measurement it breaks (and only that one)
MUTANT_BREAKS = {
    "oja-no-decay": ("oja_norm_error", 1.0),  # Hebb without decay: the norm diverges
    "riccati-sign": ("riccati_vs_rk4_max_rel_error", 1e-3),
    "delta-wrong-target": ("delta_lstsq_rel_error", 0.1),  # it converges, to another regression
}


def test_linear_mutants_listed():
    assert set(check_linear_dynamics.mutants) == set(MUTANT_BREAKS)
    assert all(isinstance(v, str) and v for v in check_linear_dynamics.mutants.values())
    with pytest.raises(InputError, match="mutant 'oja' is unknown: allowed oja-no-decay"):
        check_linear_dynamics(mutant="oja")


@pytest.fixture(scope="module")
def linear_evidence():
    return check_linear_dynamics(seed=0)["evidence"]


@pytest.mark.parametrize("mutant", sorted(MUTANT_BREAKS))
def test_check_linear_dynamics_catches_mutant(mutant, linear_evidence):
    good = linear_evidence
    out = check_linear_dynamics(seed=0, mutant=mutant)
    assert not out["holds"] and out["evidence"]["mutant"] == mutant
    key, floor = MUTANT_BREAKS[mutant]
    assert not out["evidence"][key] <= floor  # broken (inf or NaN count as broken)
    same = [k for k in good if k not in (key, "mutant") and not (mutant == "oja-no-decay" and k.startswith("oja"))]
    assert all(out["evidence"][k] == good[k] for k in same)


# --------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------


def test_write_expectation_tables(tmp_path):
    files = write_expectation_tables(tmp_path, command=["gates", "tables", "expectations"])
    assert sorted(files) == sorted(["expectations.csv", "expectations.md", "expectations.manifest.json",
                                    "expectations.tex"])
    with open(tmp_path / "expectations.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 35 and rows[0]["term"] == "1"
    meta = json.loads((tmp_path / "expectations.manifest.json").read_text())
    assert meta["kind"] == "expectations" and "expectations.tex" in meta["files"]
    assert meta["protocol"]["max_degree"] == 3
    tex = (tmp_path / "expectations.tex").read_text()
    assert r"\begin{longtable}" in tex and r"\toprule" in tex and r"\bottomrule" in tex
    assert tex.count(r"\\") >= 35
    assert r"$(w^\top \Sigma w) w$" in (tmp_path / "expectations.md").read_text()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------


def test_bad_input():
    I, T = _data(1)
    w = np.zeros(3)
    cases = [
        lambda: moments(np.ones(3)),
        lambda: moments(np.ones((0, 3))),
        lambda: moments(np.array([[1.0, np.nan]])),
        lambda: moments(I, T[:-1]),
        lambda: moments(I, order=4),
        lambda: moments(I, order=1),
        lambda: expected_term((2, 2, 0, 0), w, moments(I)),
        lambda: expected_term((1, 1, 0, 1), w, moments(I)),  # T term, no targets
        lambda: expected_term((1, 1, 0, 0), np.zeros(2), moments(I)),
        lambda: expected_term("O*x + w", w, moments(I)),
        lambda: expected_update(get_rule("gradient"), w, I),  # needs T
        lambda: expected_update(get_rule("hebb-tanh", "unsupervised"), w, I),  # saturates
        lambda: simulate("O*x", I, None, w, 0.0, 3),
        lambda: simulate("O*x", I, None, w, 0.1, -1),
        lambda: simulate("O*x", I, None, w, 0.1, 3, mode="minibatch"),
        lambda: simulate("O*x", I, None, [np.inf, 0, 0], 0.1, 3),
        lambda: simulate(get_rule("hebb-tanh"), I, T, w, 0.1, 3),
        lambda: exact_trajectory("x", I, None, w, 0.1, 3, method="lu"),
        lambda: riccati(1.0, 0.0, 1.0, 0.0, -1.0),
        lambda: riccati(np.nan, 0.0, 1.0, 0.0, 1.0),
        lambda: riccati([1.0, 2.0], [0.0, 1.0, 2.0], 1.0, 0.0, 1.0),
        lambda: expectation_table(4),
        lambda: symbolic_expectation((1, 1, 0, 0), 0),
        lambda: symbolic_expectation((1, 1, 0, 0, 0, 0), 2),
        lambda: delta_least_squares(I, None),
        lambda: Moments(n=2, samples=1, mu=[0.0], sigma=np.eye(2)),
    ]
    for i, case in enumerate(cases):
        with pytest.raises(InputError):
            case()

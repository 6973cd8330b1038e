"""Benchmark of the polynomial-rule tools beside straightforward baselines, in one process.

Run:  python scripts/bench_rules.py [--json]

* expected update of a degree-3 rule on a linear unit at 100 weight vectors:
  gates.linear_unit.moments (moments once, then contractions) against the per-sample
  numpy average of the rule at each w;
* exact degree-<=1 trajectory over 20,000 epochs: the closed form against
  iterating the recurrence in numpy;
* rule-discovery dynamics: the compiled full-batch gate kernel over the 131
  behaviours of the degree-2, <= 2-term space (4 starts, 3000 epochs each)
  against the same dynamics vectorised over rules and starts in numpy;
* the rule-discovery sweep itself: behaviours per second (censuses included).

Cold start (numba compilation, cached on disk after the first run) is
reported separately: each kernel is called once before timing.
"""

import time

import numpy as np
from benchlib import best, report

from gates.studies.discover import DYNAMICS_ETA, DYNAMICS_EPOCHS, DYNAMICS_STARTS, dynamics_labels, discover, enumerate_rules, gate_behaviours, rule_from_vector
from gates.linear_unit.dynamics import exact_trajectory
from gates.linear_unit.moments import expected_term, expected_update, moments
from gates.learning.protocol import Protocol
from gates.learning.rules import parse_poly


def numpy_expected(rule, I, T, w):
    """mean_p sum_m c_m O_p^a I_pj^b w_j^c T_p^d, evaluated per sample."""
    O = I @ w
    out = np.zeros(I.shape[1])
    for coef, a, b, c, d in rule.terms:
        out += coef * np.mean((O**a * T**d)[:, None] * I**b, axis=0) * w**c
    return out


def bench_expectations():
    rng = np.random.default_rng(0)
    I = rng.normal(0.3, 1.0, (20000, 32))
    T = np.sign(I @ rng.normal(size=32))
    rule = parse_poly("O*x - O^2*w + 0.5*x*T - O*x^2 + 0.1*w^3")
    ws = rng.normal(size=(100, 32))

    def with_moments():
        mom = moments(I, T)
        return np.array([sum(c * expected_term((a, b, cc, d), w, mom) for c, a, b, cc, d in rule.terms) for w in ws])

    def baseline():
        return np.array([numpy_expected(rule, I, T, w) for w in ws])

    expected_update(rule, ws[0], I, T)
    t_g, a = best(with_moments)
    t_b, b = best(baseline)
    return {"workload": "expected update, degree-3 rule, P = 20000, n = 32, 100 weight vectors",
            "gates_s": round(t_g, 4), "baseline_s": round(t_b, 4), "ratio": round(t_b / t_g, 1),
            "max_rel_diff": float(np.max(np.abs(a - b)) / np.max(np.abs(b)))}


def bench_exact():
    rng = np.random.default_rng(1)
    I = rng.normal(0.0, 1.0, (500, 16))
    T = np.sign(I @ rng.normal(size=16))
    rule = parse_poly("x*T - O*x")
    w0 = rng.normal(size=16)
    eta, epochs = 0.01, 20000
    mom = moments(I, T)
    A = -mom.sigma
    bvec = mom.alpha

    def loop():
        W = np.empty((epochs + 1, 16))
        W[0] = w0
        for e in range(epochs):
            W[e + 1] = W[e] + eta * (A @ W[e] + bvec)
        return W

    exact_trajectory(rule, I, T, w0, eta, 10)
    t_g, a = best(lambda: exact_trajectory(rule, I, T, w0, eta, epochs))
    t_b, b = best(loop)
    return {"workload": "delta-rule trajectory, n = 16, 20,000 epochs (every epoch)",
            "gates_s": round(t_g, 4), "baseline_s": round(t_b, 4), "ratio": round(t_b / t_g, 1),
            "max_abs_diff": float(np.max(np.abs(a - b)))}


def numpy_dynamics(tables, x, targets, w0, eta, epochs, step_tol=1e-5, diverge=1e6):
    """The discovery dynamics vectorised over (rule, start) in numpy; same labels."""
    U, R, S = len(tables), len(w0), x.shape[1]
    W = np.broadcast_to(w0, (U, R, S)).copy()
    status = np.full((U, R), 1, np.int8)
    live = np.ones((U, R), bool)
    mid = np.zeros((U, R))
    xi = (x > 0).astype(int)
    ti = (targets > 0).astype(int)
    for e in range(epochs):
        act = np.einsum("urs,ps->urp", W, x)
        oi = (act > 0).astype(int)  # (U, R, P)
        # coefficients k[u, O, x, T, c] gathered per (u, r, p, j)
        K = tables[np.arange(U)[:, None, None, None], oi[..., None], xi[None, None], ti[None, None, :, None]]
        wv = W[:, :, None, :]
        d = (K[..., 0] + wv * (K[..., 1] + wv * (K[..., 2] + wv * K[..., 3]))).sum(axis=2)
        step = eta * d / x.shape[0]
        step[~live] = 0.0
        W += step
        norm = np.linalg.norm(W, axis=2)
        div = live & (~np.isfinite(norm) | (norm > diverge))
        status[div] = 2
        live &= ~div
        if e == epochs // 2:
            mid = norm.copy()
        conv = live & (np.abs(step).max(axis=2) <= step_tol * (1 + norm))
        status[conv] = 0
        live &= ~conv
        if not live.any():
            break
    grow = live & (norm > 1.5 * mid) & (norm > 10)
    status[grow] = 2
    return status.max(axis=1)


def bench_dynamics():
    coefs, monos = enumerate_rules(2, max_terms=2)
    reduced, red, _, _ = gate_behaviours(coefs, monos)
    rules = [r for r in (rule_from_vector(v, red, "b") for v in reduced) if r is not None]
    proto = Protocol()
    x = proto.inputs(3)
    tabs = np.stack([proto.rule_table(r) for r in rules])
    w0 = np.random.default_rng(np.random.SeedSequence([0, 7])).normal(0.0, 1.0, (DYNAMICS_STARTS, x.shape[1]))
    t0 = time.perf_counter()
    dynamics_labels(rules[:1], False, 0)
    cold = time.perf_counter() - t0
    t_g, a = best(lambda: dynamics_labels(rules, False, 0))
    t_b, b = best(lambda: numpy_dynamics(tabs, x, np.ones(8), w0, DYNAMICS_ETA, DYNAMICS_EPOCHS), repeat=1)
    return {"workload": f"gate dynamics, {len(rules)} rules x {DYNAMICS_STARTS} starts x {DYNAMICS_EPOCHS} epochs",
            "gates_s": round(t_g, 4), "baseline_s": round(t_b, 4), "ratio": round(t_b / t_g, 1),
            "first_call_s": round(cold, 3), "labels_agree": bool(np.array_equal(a, b))}


def bench_sweep():
    t0 = time.perf_counter()
    res = discover(degree=2, max_terms=2)
    t = time.perf_counter() - t0
    k = res["summary"]["behaviours"]
    return {"workload": f"discovery sweep, degree 2, <= 2 terms: {k} behaviours (censuses n = 3, one and two layers)",
            "gates_s": round(t, 3), "behaviours_per_s": round(k / t, 1),
            "degree2_full_estimate_min": round(15309 / (k / t) / 60, 1)}


if __name__ == "__main__":
    report(__doc__, [bench_expectations, bench_exact, bench_dynamics, bench_sweep])

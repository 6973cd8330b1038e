"""The linear-unit check of ``gates verify`` (registry: :data:`gates.verify.CHECKS`).

:func:`check_linear_dynamics` measures the predictions of the linear
analysis (Baldi & Sadowski §"linear units") on a small Gaussian dataset:
simple Hebb, Oja, the delta rule (:mod:`gates.linear_unit.dynamics`), the
exact affine dynamics and the Riccati closed form
(:mod:`gates.linear_unit.riccati`).
"""

import numpy as np

from gates.errors import check_mutant
from gates.linear_unit.dynamics import (delta_least_squares, exact_trajectory, hebb_alignment, oja_convergence,
                                        simulate)
from gates.linear_unit.riccati import riccati, riccati_blowup_time

__all__ = ["check_linear_dynamics", "LINEAR_MUTANTS"]


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
        breaks one mechanism (passed down as a parameter of the training, or
        applied to the closed form's coefficients); the check must then fail.

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
    o = oja_convergence(I, epochs=1500, seed=seed, rule="O*x" if mutant == "oja-no-decay" else None)
    ev["oja_norm_error"] = abs(o["final_norm"] - 1)
    ev["oja_distance_to_eigenvector"] = o["final_distance"]
    dl = delta_least_squares(I, T, epochs=2000, seed=seed,
                             train_targets=np.roll(T, -1) if mutant == "delta-wrong-target" else None)
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

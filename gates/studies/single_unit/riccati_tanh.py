"""A tanh unit whose rule reads O, against its Riccati prediction (paper, non-linear units).

The Riccati claim as stated. :func:`riccati_tanh_images` trains O = tanh(w . x)
with ``O*x - O*w^2`` (the rule whose clamped form is the control's) and
predicts each weight from the independence and first-order ("dropout")
approximations, E[O q(x_j, w_j)] ~ tanh(E[S]) E[q(x_j, w_j)]: the closed-form
Riccati solution of the control's equation run in the clock
dtau/dt = tanh(mu . w), nothing fitted. The output sets the clock (a lag
while tanh(mu . w_0) ~ 0, then saturation). :func:`gates.verify.single_unit.check_riccati_images`
is the theorem check, with mutants.
"""

import numpy as np

from gates._validate import check_int, check_positive, is_int
from gates.errors import InputError, check_mutant
from gates.studies.single_unit.images import check_images, fit_summary, typical_weights

__all__ = ["TANH_RULE", "TANH_MUTANTS", "TANH_R2_MIN", "TANH_REL_TOL", "riccati_tanh_images", "independence_gap0"]


#: The O-reading rule of :func:`riccati_tanh_images`: the unsupervised rule whose
#: clamped form (O replaced by T) is the control ``T*x - T*w^2``.
TANH_RULE = "O*x - O*w^2"

#: Mutants of :func:`riccati_tanh_images` (and
#: :func:`gates.verify.single_unit.check_riccati_images`):
#: each breaks one piece of the mechanism the comparison tests.
TANH_MUTANTS = {
    "riccati-sign": "the Riccati prediction uses c_j with its sign flipped",
    "o-free-clock": "the prediction ignores O (the rule's factor O taken as 1, as if clamped to T = 1)",
    "linear-clock": "the prediction treats the unit as linear (E[O] = E[S], no tanh)",
    "drop-o": "the simulated unit drops the factor O from its update (trains x - w^2)",
}

#: Tolerances of :func:`gates.verify.single_unit.check_riccati_images` (see its docstring for why).
TANH_R2_MIN = 0.99
TANH_REL_TOL = 0.05


def _gated_rule(rule):
    """(rule, q): an O-reading rule F = O * q(x, w) and its O-free factor q.

    Every term must carry O exactly once and no T, with w-degree <= 2, so
    that E[F] ~ E[O] E[q] is E[O] times a per-weight Riccati right-hand side.
    """
    from gates.learning.rules import Rule, parse_poly

    if isinstance(rule, str):
        r = parse_poly(rule)
    elif isinstance(rule, Rule):
        r = rule
    else:
        raise InputError(f"rule must be a polynomial such as {TANH_RULE!r}, got {rule!r}")
    if r.saturate:
        raise InputError(f"rule {r.name!r} is saturating (w = tanh(u)): the Riccati comparison needs a plain rule")
    for coef, a, b, c, d in r.terms:
        if a != 1 or d != 0 or c > 2:
            raise InputError(f"rule {r.formula()!r}: every term must read O exactly once (O * q(x, w)), no T, "
                             f"and w at most squared, as in {TANH_RULE!r}")
    q = Rule(f"{r.name} without O", tuple((coef, 0, b, c, 0) for coef, a, b, c, d in r.terms),
             form="unsupervised")
    return r, q


def _clock(a, b, c, w0, mu, t, rate, points=2001):
    """tau(t) for dtau/dt = m(tau) = rate(mu . R(tau)), tau(0) = 0; also the sign of tau.

    Every weight follows dw_j/dt = m(t) (a_j + b_j w_j + c_j w_j^2) with the
    same m = rate(E[S]); in the clock tau = int m dt each w_j is the closed
    form R_j(tau). The scalar ODE is autonomous and m cannot change sign
    along it (a zero of m is a fixed point), so tau runs one way, the sign
    of m(0), and t(|tau|) = int_0^|tau| du / |m| exactly. The integral is
    taken cell by cell on a grid of |tau| (geometric up to t_end / 20, where
    a small m makes the clock slow, then `points` uniform values up to
    t_end; the span doubled while t(|tau|) < t_end, which only a rate above
    1 needs), with m linear within a cell and Richardson's extrapolation
    over pairs of cells, and inverted by cubic Hermite interpolation with
    the slopes m. Against an adaptive ODE solver the weights agree to about
    1e-7. Backward tau is the negated equation forward. |tau| stops where m
    reaches 0 or the closed form blows up.
    """
    from scipy.interpolate import CubicHermiteSpline

    from gates.linear_unit.riccati import riccati

    with np.errstate(all="ignore"):
        m0 = float(rate(mu @ w0))
    if not np.isfinite(m0) or m0 == 0.0:
        return np.zeros(len(t)), 1.0
    sign = 1.0 if m0 > 0 else -1.0
    span = max(float(t[-1]), 1e-12)
    us, ts, ms = [np.zeros(1)], [np.zeros(1)], [np.array([abs(m0)])]
    g = span / 20  # geometric up to g (the lag, where tau is small and m grows fast), then uniform
    u = np.concatenate([[0.0], np.geomspace(g * 1e-9, g, points // 4, endpoint=False), np.linspace(g, span, points)])
    m_last = None
    for _ in range(200):
        with np.errstate(all="ignore"):
            R = riccati(sign * a[None, :], sign * b[None, :], sign * c[None, :], w0[None, :], u[:, None])
            m = sign * rate(R @ mu)
        bad = ~(np.isfinite(m) & (m > 0))
        stop = int(np.argmax(bad)) if bad.any() else len(u)
        u, m = u[:stop], m[:stop]
        if m_last is not None:  # the cell joining the previous span
            u, m = np.concatenate([[us[-1][-1]], u]), np.concatenate([[m_last], m])
        if len(u) % 2 == 0:  # an odd count, so the cells pair up for the extrapolation below
            u, m = u[:-1], m[:-1]
        # int du / m over a cell, exact when m is linear in u (as it is at first: tanh(S) ~ S and S moves
        # linearly in tau), and second order otherwise; Richardson's (4 fine - coarse) / 3 over pairs of
        # cells cancels the h^2 error term
        fine = _cell_integrals(u, m)
        coarse = _cell_integrals(u[::2], m[::2])
        tt = ts[-1][-1] + np.cumsum((4 * (fine[0::2] + fine[1::2]) - coarse) / 3)
        us.append(u[2::2])
        ts.append(tt)
        ms.append(m[2::2])
        if bad.any() or len(tt) == 0 or tt[-1] >= t[-1]:
            break
        m_last = m[-1]
        u = np.linspace(u[-1], 2 * u[-1], points)[1:]
    # invert t(|tau|) by cubic Hermite interpolation with the exact slopes d|tau|/dt = m (fourth order)
    tt, uu, mm = np.concatenate(ts), np.concatenate(us), np.concatenate(ms)
    if len(tt) < 2:
        return np.zeros(len(t)), sign
    inside = t <= tt[-1]
    out = np.full(len(t), uu[-1])  # beyond the last node |tau| has stopped (m -> 0 or a blow-up)
    out[inside] = CubicHermiteSpline(tt, uu, mm)(t[inside])
    return sign * out, sign


def _cell_integrals(u, m):
    """int du / m over each cell [u_i, u_i+1], m taken linear in u: the width over the logarithmic mean."""
    lo, hi = m[:-1], m[1:]
    with np.errstate(all="ignore"):
        lmean = np.where(np.abs(hi - lo) > 1e-9 * lo, (hi - lo) / np.log(hi / lo), (hi + lo) / 2)
    return np.diff(u) / lmean


def _riccati_at(a, b, c, w0, tau, sign):
    """(len(tau), D) closed-form weights at clock values tau (all of one sign)."""
    from gates.linear_unit.riccati import riccati

    with np.errstate(all="ignore"):
        return np.asarray(riccati(sign * a[None, :], sign * b[None, :], sign * c[None, :], w0[None, :],
                                  np.abs(tau)[:, None]), dtype=np.float64)


def _mean_field(r, X, w):
    """The exact expected update E_p[F(tanh(x_p . w), x_p, w)] of an O-reading rule (no approximation)."""
    O = np.tanh(X @ w)
    out = np.zeros_like(w)
    for coef, a, b, c, d in r.terms:
        out += coef * ((O**a) @ X**b) / len(X) * w**c
    return out


def riccati_tanh_images(X, y=None, digit=9, rule=TANH_RULE, epochs=100, eta=0.02, seed=0, init_scale=0.01,
                        typical=(4, 2), substeps=4, mutant=None):
    """A tanh unit whose rule reads its output O, against its Riccati prediction.

    The unit is O = tanh(S), S = w . x (no bias). The default rule
    ``O*x - O*w^2`` is the unsupervised rule whose clamped form (O replaced
    by the target T) is the control ``T*x - T*w^2`` of
    :func:`riccati_images`. Any rule F = O q(x, w) whose terms each read O
    once (no T, w at most squared) is allowed. The unit is trained online
    (:func:`gates.linear_unit.dynamics.simulate` with ``transfer="tanh"``, step eta/N per
    image, epoch e is ODE time t = eta e) on the images of `digit` (those
    whose clamped target is 1), or on all images when `digit` is None.

    **The prediction** (paper, non-linear units): two approximations turn
    the expected update into a Riccati equation per weight.

    1. Independence: E[O q(x_j, w_j)] ~ E[O] E[q(x_j, w_j)], i.e. O is
       uncorrelated with the pixel x_j;
    2. first order ("dropout"): E[tanh(S)] ~ tanh(E[S]) = tanh(mu . w),
       mu the mean image.

    Then dw_j/dt = m(t) (a_j + b_j w_j + c_j w_j^2) with a_j, b_j, c_j the
    data moments of q (:func:`gates.linear_unit.riccati.riccati_coefficients`; for the
    default a_j = mu_j, b_j = 0, c_j = -1) and the common rate
    m = tanh(mu . w). In the clock tau = int m dt each weight is the closed
    form w_j = R_j(tau) (:func:`gates.linear_unit.riccati.riccati`), and tau solves the
    scalar ODE dtau/dt = tanh(mu . R(tau)), solved as the integral
    t(tau) = int dtau / tanh(mu . R(tau)) and inverted. No number is fitted
    to the trajectory. The nonlinearity sets the clock:
    from small w_0, m starts near tanh(mu . w_0) ~ 0, so the weights wait
    (a lag the O-free control does not have), then m -> 1 as the unit
    saturates and the weights settle at the control's fixed point
    sqrt(a_j / -c_j). Both approximations are good when S concentrates
    around its mean (sd(S) small next to the scale of tanh); they are
    measured along the simulated trajectory and reported.

    Parameters
    ----------
    X : array_like
        (N, D) images.
    y : array_like, optional
        (N,) integer labels; needed unless `digit` is None.
    digit : int or None
        Train on the images with this label (it must occur); None: all.
    rule : str or gates.learning.rules.Rule
        An O-reading rule O * q(x, w) (see above).
    epochs, eta, seed, init_scale
        Training settings; `seed` seeds w_0 ~ N(0, init_scale^2) (init_scale
        > 0: from w = 0 the output is 0 and nothing moves), the
        presentation orders and the random typical weights.
    typical : (int, int)
        How many weights with the largest a_j, and how many others at
        random, to return as trajectories.
    substeps : int
        RK4 steps per epoch of the exact mean-field ODE (the error split).
    mutant : str, optional
        A name in :data:`TANH_MUTANTS`: a deliberate break of the prediction
        or the simulation (for
        :func:`gates.verify.single_unit.check_riccati_images`).

    Returns
    -------
    dict
        ``t``, ``epoch``, ``tau`` (the clock at each epoch); over all
        weights and epochs ``r2`` (R^2 of the prediction), ``max_abs_deviation``
        and ``max_rel_error`` (that over max |w|), ``diverged`` (weights
        whose simulation or prediction is not finite; the metrics use the
        others); ``per_weight`` (quantiles of the per-weight max error over
        max |w|, and R^2 of the weights that move by >= 10% of the largest
        move); ``o_free_clock`` (the same fit for the O-free prediction
        R(t), m = 1: how much O matters); ``approximation`` (along the
        simulated trajectory: max |E[tanh S] - tanh(E[S])|, max_j
        |E[O x_j] - E[O] mu_j| over max_j |E[O] mu_j| (the pixel factor of
        q), max sd(S), max
        |E[O] - tanh(mu . w_pred)|); ``mean_ode`` (max errors over max |w|
        of the exact expected dynamics dw/dt = E[F], integrated by RK4,
        against the simulation, which is the online noise and step error,
        and against the prediction, which is the error of the two
        approximations); ``weights``, ``simulated``, ``riccati``,
        ``o_free`` (R(t)), ``coefficients``, ``w0`` of the typical weights; ``full``
        (the whole (epochs+1, D) trajectories, every a, b, c, w0 and the
        mean image); ``settings``.

    Raises
    ------
    InputError
        Bad data or settings, a digit that does not occur, a rule not of
        the form O * q(x, w), or a simulation that overflows.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(60, 16))
    >>> r = riccati_tanh_images(X, digit=None, epochs=60, eta=0.05)
    >>> bool(r["r2"] > 0.999), bool(r["o_free_clock"]["r2"] < r["r2"])
    (True, True)
    """
    from gates.linear_unit.dynamics import simulate
    from gates.linear_unit.riccati import riccati_coefficients

    check_mutant(mutant, TANH_MUTANTS)
    X = check_images(X)
    if digit is None:
        Xd = X
    else:
        if y is None:
            raise InputError("labels y are needed to pick the images of a digit (or pass digit=None: all images)")
        y = np.asarray(y)
        if y.shape != (len(X),) or y.dtype.kind not in "ui":
            raise InputError(f"labels y must be {len(X)} integers, got shape {y.shape} dtype {y.dtype}")
        if not is_int(digit) or (y == digit).sum() < 2:
            raise InputError(f"digit {digit!r} must label at least 2 images (present: {np.unique(y).tolist()[:20]})")
        Xd = np.ascontiguousarray(X[y == digit])
    r, q = _gated_rule(rule)
    epochs = check_int(epochs, "epochs", 1)
    eta = check_positive(eta, "eta")
    init_scale = check_positive(init_scale, "init_scale")  # from w = 0, O = tanh(0) = 0 never moves a weight
    seed = check_int(seed, "seed", 0)
    substeps = check_int(substeps, "substeps", 1)
    k_top, k_rand = (check_int(typical[0], "typical[0]", 0), check_int(typical[1], "typical[1]", 0))
    D = X.shape[1]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 3]))
    w0 = rng.normal(0.0, init_scale, D)
    with np.errstate(over="ignore", invalid="ignore"):
        # mutant drop-o: the unit trains q = F / O, its output no longer gates the update
        W = np.asarray(simulate(q if mutant == "drop-o" else r, Xd, None, w0, eta, epochs, mode="online",
                                seed=seed, transfer="tanh"), dtype=np.float64)
    if not np.isfinite(W).all():
        raise InputError(f"the tanh unit's weights overflowed within t = {eta * epochs:g}: lower eta or epochs")
    a, b, c = (np.asarray(v, dtype=np.float64) for v in riccati_coefficients(q, Xd))
    if mutant == "riccati-sign":
        c = -c
    mu = Xd.mean(axis=0)
    t = eta * np.arange(epochs + 1, dtype=np.float64)
    rate = {"o-free-clock": np.ones_like, "linear-clock": np.asarray}.get(mutant, np.tanh)
    tau, sign = _clock(a, b, c, w0, mu, t, rate)
    pred = _riccati_at(a, b, c, w0, tau, sign)
    free = _riccati_at(a, b, c, w0, t, 1.0)  # the O-free clock m = 1, as a contrast
    ok = np.isfinite(pred).all(axis=0)
    if not ok.any():
        raise InputError(f"every predicted weight diverged within t = {t[-1]:g}: lower eta, epochs or init_scale")
    fit = fit_summary(W[:, ok], pred[:, ok])
    okf = np.isfinite(free).all(axis=0)
    nofit = {"r2": float("nan"), "max_abs_deviation": float("inf"), "max_rel_error": float("inf")}
    free_fit = fit_summary(W[:, okf], free[:, okf]) if okf.any() else nofit
    free_fit["diverged"] = int((~okf).sum())
    # per weight
    scale = float(np.max(np.abs(W)))
    rel_j = np.max(np.abs(W[:, ok] - pred[:, ok]), axis=0) / scale
    moves = W.max(axis=0) - W.min(axis=0)
    moving = ok & (moves >= 0.1 * moves.max())
    with np.errstate(divide="ignore", invalid="ignore"):
        r2_j = 1 - np.sum((W[:, moving] - pred[:, moving]) ** 2, axis=0) / \
            np.sum((W[:, moving] - W[:, moving].mean(axis=0)) ** 2, axis=0)
    per_weight = {"max_rel_error": {"median": float(np.median(rel_j)), "p90": float(np.quantile(rel_j, 0.9)),
                                    "max": float(rel_j.max())},
                  "r2_moving": {"count": int(moving.sum()), "min": float(r2_j.min()) if len(r2_j) else float("nan"),
                                "median": float(np.median(r2_j)) if len(r2_j) else float("nan")}}
    # the two approximations, measured on the simulated trajectory
    S = Xd @ W.T  # (N, epochs + 1)
    O = np.tanh(S)
    EO = O.mean(axis=0)
    EOx = O.T @ Xd / len(Xd)  # (epochs + 1, D)
    indep = np.max(np.abs(EOx - EO[:, None] * mu[None, :]), axis=1) / np.maximum(
        np.max(np.abs(EO[:, None] * mu[None, :]), axis=1), np.finfo(float).tiny)
    with np.errstate(all="ignore"):
        m_pred = np.tanh(pred @ mu)
    approx = {"dropout_gap_max": float(np.max(np.abs(EO - np.tanh(S.mean(axis=0))))),
              "independence_gap_max": float(np.max(indep)), "sd_S_max": float(np.max(S.std(axis=0))),
              "rate_gap_max": float(np.nanmax(np.abs(EO - m_pred)))}
    # the exact expected dynamics (no approximation), RK4: splits the error into noise and approximation
    Wm = np.empty_like(W)
    Wm[0] = w = w0.copy()
    with np.errstate(all="ignore"):
        for e in range(1, epochs + 1):
            h = eta / substeps
            for _ in range(substeps):
                k1 = _mean_field(r, Xd, w)
                k2 = _mean_field(r, Xd, w + h / 2 * k1)
                k3 = _mean_field(r, Xd, w + h / 2 * k2)
                k4 = _mean_field(r, Xd, w + h * k3)
                w = w + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            Wm[e] = w
    mean_ode = {"vs_simulation": float(np.max(np.abs(Wm - W)) / scale),
                "vs_riccati": float(np.max(np.abs(Wm[:, ok] - pred[:, ok])) / scale)}
    pick = typical_weights(a, ok, k_top, k_rand, rng)
    settings = {"rule": r.formula(), "terms": [list(x) for x in r.terms], "role": "reads O",
                "control": "riccati_images with the clamped rule " + r.clamped().formula(),
                "digit": None if digit is None else int(digit), "images": int(len(Xd)),
                "data": "all images" if digit is None else f"the images of digit {int(digit)}",
                "unit": "tanh, O = tanh(w . x), no bias", "mode": "online", "epochs": epochs, "eta": eta,
                "seed": seed, "init": "normal", "init_scale": init_scale, "bias": False, "time": "t = eta * epoch",
                "approximation": "E[O q(x_j, w_j)] ~ E[O] E[q(x_j, w_j)] (independence) and E[tanh S] ~ "
                                 "tanh(E[S]) (first order / dropout): dw_j/dt = tanh(mu . w) (a_j + b_j w_j + "
                                 "c_j w_j^2)",
                "prediction": "w_j(t) = R_j(tau(t)), R the closed-form Riccati solution, dtau/dt = "
                              "tanh(mu . R(tau)) (t(tau) = int dtau / tanh(mu . R), m linear within each cell of "
                              "a graded grid, then inverted); nothing fitted",
                "mutant": mutant}
    return {"t": t, "epoch": np.arange(epochs + 1), "tau": tau, **fit, "diverged": int((~ok).sum()),
            "per_weight": per_weight, "o_free_clock": free_fit, "approximation": approx, "mean_ode": mean_ode,
            "weights": pick, "simulated": W[:, pick], "riccati": pred[:, pick], "o_free": free[:, pick],
            "coefficients": {"a": a[pick], "b": b[pick], "c": c[pick]}, "w0": w0[pick],
            "full": {"simulated": W, "riccati": pred, "mean_ode": Wm, "w0": w0, "a": a, "b": b, "c": c,
                     "mean_input": mu},
            "settings": settings}


def independence_gap0(Xd, w0):
    """max_j |Cov(S, x_j)| / max_j |E[S] mu_j| at w0: the independence premise before training.

    Near w = 0 tanh(S) ~ S, so E[O x_j] - E[O] mu_j ~ Cov(S, x_j) = (C w0)_j
    is the part of the Hebbian drive the independence approximation drops
    and E[S] mu_j the part it keeps. Computed from the data and w0 alone.
    """
    S = Xd @ w0
    cov = (S - S.mean()) @ (Xd - Xd.mean(axis=0)) / len(Xd)
    keep = np.max(np.abs(S.mean() * Xd.mean(axis=0)))
    return float(np.max(np.abs(cov)) / keep) if keep > 0 else float("inf")

"""A linear unit on images: simple Hebb and a Riccati rule without O (the paper on local learning rules, time-scale assumption).

Simple Hebb O x makes w grow along the principal eigenvector of E[x x^T] (close to
the centre of gravity for positive pixels); a rule without O, such as the
default ``T*x - T*w^2``, has the expectation dw/dt = a_j + b_j w + c_j w^2
per weight, a Riccati equation solved in closed form by
:func:`gates.linear_unit.riccati.riccati`; a unit trained on images with a digit as
target follows it almost exactly. That rule does not read O, so the fit
only shows that small steps follow their own mean ODE: it is kept as the
**control** (:func:`riccati_images`).

The tanh unit whose rule reads O is in
:mod:`gates.studies.single_unit.riccati_tanh`; the study that runs both on one
data source and writes the files in :mod:`gates.studies.single_unit.image_study`.
"""

import numpy as np

from gates._validate import check_int, check_matrix, check_positive, is_int
from gates.errors import InputError

__all__ = ["check_images", "fit_summary", "typical_weights", "hebb_images", "riccati_images"]


def check_images(X, what="X"):
    """`X` as a finite float64 (N, D) array of at least 2 images (rows)."""
    X = check_matrix(X, what)
    if len(X) < 2:
        raise InputError(f"{what} needs at least 2 images, got {len(X)}")
    return X


def fit_summary(W, P):
    """R^2 of P as a predictor of W, max |W - P|, and that over max |W| (all entries finite)."""
    ss_res = float(np.sum((W - P) ** 2))
    ss_tot = float(np.sum((W - W.mean()) ** 2))
    dev = float(np.max(np.abs(W - P)))
    scale = float(np.max(np.abs(W)))
    return {"r2": 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan"), "max_abs_deviation": dev,
            "max_rel_error": dev / scale if scale > 0 else float("nan")}


def typical_weights(a, ok, k_top, k_rand, rng):
    """Indices of the weights to plot: the `k_top` finite ones with the largest a_j, then `k_rand` others at random."""
    order = np.argsort(-a, kind="stable")
    top = [int(j) for j in order if ok[j]][:k_top]
    rest = np.array([j for j in range(len(a)) if ok[j] and j not in top], dtype=np.int64)
    return top + sorted(int(j) for j in rng.choice(rest, size=min(k_rand, len(rest)), replace=False))


def hebb_images(X, epochs=200, eta=0.01, seed=0, init_scale=0.1, mode="batch"):
    """Unsupervised simple Hebb (dw = eta O x, O = w . x) on a linear unit.

    In expectation dw/dt = R w with R = X^T X / N, so w grows without bound
    along the principal eigenvector u of R (the paper on local learning rules; for non-negative
    pixels u is close to the centre of gravity). Hebb keeps the sign of
    w_0 . u, so w points along +u or -u: the angle to the centre of gravity
    tends to 0 or 180 degrees, and the angle to u is measured between lines.

    Parameters
    ----------
    X : array_like
        (N, D) images as rows.
    epochs : int
        Epochs (>= 1).
    eta : float
        Learning rate; per epoch the norm grows by about 1 + eta*lambda_max.
    seed : int
        Seeds w_0 ~ N(0, init_scale^2) and the presentation orders.
    init_scale : float
        Standard deviation of w_0 (> 0).
    mode : {"batch", "online"}
        As in :func:`gates.linear_unit.dynamics.simulate`.

    Returns
    -------
    dict
        ``epoch``, ``norm``, ``log10_norm``, ``angle_cog`` (degrees
        between w and mean(X), 0..180), ``angle_pc`` (degrees between the
        lines of w and u, 0..90), ``w0`` and ``w`` (initial and final
        weights), ``lambda`` (the two leading eigenvalues of R), ``final``
        (last angles and log-norm) and ``settings``.

    Raises
    ------
    InputError
        Bad data or settings, or weights that overflow (lower eta or epochs).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(100, 10))
    >>> r = hebb_images(X, epochs=100, eta=0.05)
    >>> bool(r["angle_pc"][-1] < 1.0)
    True
    """
    from gates.linear_unit.dynamics import hebb_alignment
    from gates.learning.rules import get_rule

    X = check_images(X)
    epochs = check_int(epochs, "epochs", 1)
    eta = check_positive(eta, "eta")
    init_scale = check_positive(init_scale, "init_scale")
    if mode not in ("batch", "online"):
        raise InputError(f"mode {mode!r} is unknown: allowed batch, online")
    seed = check_int(seed, "seed", 0)
    w0 = np.random.default_rng(np.random.SeedSequence([seed, 1])).normal(0.0, init_scale, X.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        r = hebb_alignment(X, w0=w0, eta=eta, epochs=epochs, seed=seed, mode=mode)
    if not np.isfinite(r["norm"]).all():
        raise InputError(f"simple Hebb overflowed within {epochs} epochs at eta={eta}: lower eta or epochs")
    settings = {"rule": get_rule("hebb", "unsupervised").formula(), "unit": "linear, O = w . x",
                "epochs": epochs, "eta": eta, "seed": seed, "init": "normal", "init_scale": init_scale,
                "mode": mode, "bias": False}
    with np.errstate(divide="ignore"):
        log_norm = np.log10(r["norm"])
    angle_cog, angle_pc = r["angle_mu_ray_deg"], r["angle_principal_deg"]
    return {"epoch": np.arange(epochs + 1), "norm": r["norm"], "log10_norm": log_norm, "angle_cog": angle_cog,
            "angle_pc": angle_pc, "w0": w0, "w": r["w"],
            "lambda": [r["lambda_max"], r["lambda_2"]],
            "final": {"angle_cog": float(angle_cog[-1]), "angle_pc": float(angle_pc[-1]),
                      "log10_norm": float(log_norm[-1])}, "settings": settings}


def _rule(rule):
    from gates.learning.rules import RULES, Rule, get_rule, parse_poly

    if isinstance(rule, Rule):
        return rule
    if not isinstance(rule, str):
        raise InputError(f"rule must be a rule name or a polynomial such as 'T*x - T*w^2', got {rule!r}")
    if rule in RULES:
        return get_rule(rule, "clamped")
    return parse_poly(rule)


def riccati_images(X, y, digit=9, rule="T*x - T*w^2", epochs=60, eta=1.0, seed=0, init_scale=0.01,
                   typical=(4, 2)):
    """A supervised rule on images against its Riccati solution, weight by weight.

    Targets T = 1 for images of `digit`, else 0. The unit is trained online
    (:func:`gates.linear_unit.dynamics.simulate`, step eta/N per example, so epoch e is
    ODE time t = eta e) from w_0 ~ N(0, init_scale^2). A rule without O
    terms has the expected update dw_j/dt = a_j + b_j w_j + c_j w_j^2
    (:func:`gates.linear_unit.riccati.riccati_coefficients`); for ``T*x - T*w^2``,
    a_j = E[T x_j], b_j = 0, c_j = -E[T], so w_j tends to sqrt(E[x_j | digit]).
    Each weight is compared with the closed form :func:`gates.linear_unit.riccati.riccati`.

    Parameters
    ----------
    X : array_like
        (N, D) images.
    y : array_like
        (N,) integer labels.
    digit : int
        The label whose images have target 1 (must occur).
    rule : str or gates.learning.rules.Rule
        A rule name (clamped form) or polynomial, without O.
    epochs, eta, seed, init_scale
        Training settings; `seed` seeds w_0, the orders and the choice of
        the random typical weights.
    typical : (int, int)
        How many weights with the largest a_j, and how many others at
        random, to return as trajectories.

    Returns
    -------
    dict
        ``t`` (ODE times), ``max_abs_deviation`` and ``r2`` over all weights
        and epochs (R^2 of the closed form as a predictor of the simulation),
        ``weights`` (indices of the typical weights), ``simulated`` and
        ``riccati`` ((epochs+1, k) trajectories of those), ``coefficients``
        (their a, b, c), ``settings``.

    Raises
    ------
    InputError
        Bad data or settings, a digit that does not occur, or a rule that
        reads O.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(200, 6)); y = rng.integers(0, 3, 200)
    >>> r = riccati_images(X, y, digit=1, epochs=40, eta=1.0)
    >>> bool(r["r2"] > 0.99)
    True
    """
    from gates.linear_unit.dynamics import simulate
    from gates.linear_unit.riccati import riccati, riccati_coefficients

    X = check_images(X)
    y = np.asarray(y)
    if y.shape != (len(X),) or y.dtype.kind not in "ui":
        raise InputError(f"labels y must be {len(X)} integers, got shape {y.shape} dtype {y.dtype}")
    if not is_int(digit) or not (y == digit).any():
        raise InputError(f"digit {digit!r} does not occur in the labels (present: {np.unique(y).tolist()[:20]})")
    r = _rule(rule)
    if r.uses_output:
        raise InputError(f"rule {r.formula()!r} reads O: the Riccati comparison needs a rule without O terms")
    if r.saturate:
        raise InputError(f"rule {r.name!r} is saturating (w = tanh(u)): the Riccati comparison needs a plain rule")
    epochs = check_int(epochs, "epochs", 1)
    eta = check_positive(eta, "eta")
    init_scale = check_positive(init_scale, "init_scale", zero=True)
    seed = check_int(seed, "seed", 0)
    k_top, k_rand = (check_int(typical[0], "typical[0]", 0), check_int(typical[1], "typical[1]", 0))
    T = (y == digit).astype(np.float64)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    w0 = rng.normal(0.0, init_scale, X.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        W = np.asarray(simulate(r, X, T, w0, eta, epochs, mode="online", seed=seed), dtype=np.float64)
    a, b, c = (np.asarray(v, dtype=np.float64) for v in riccati_coefficients(r, X, T))
    t = eta * np.arange(epochs + 1, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ode = np.asarray(riccati(a[None, :], b[None, :], c[None, :], w0[None, :], t[:, None]), dtype=np.float64)
    ok = np.isfinite(W).all(axis=0) & np.isfinite(ode).all(axis=0)
    if not ok.any():
        raise InputError(f"every weight diverged within t = {t[-1]:g}: lower eta, epochs or init_scale")
    fit = fit_summary(W[:, ok], ode[:, ok])
    pick = typical_weights(a, ok, k_top, k_rand, rng)
    settings = {"rule": r.formula(), "terms": [list(x) for x in r.terms], "role": "control: rule does not read O",
                "digit": int(digit),
                "targets": "T = 1 for the digit, else 0", "unit": "linear, O = w . x", "mode": "online",
                "epochs": epochs, "eta": eta, "seed": seed, "init": "normal", "init_scale": init_scale,
                "bias": False, "time": "t = eta * epoch"}
    return {"t": t, "epoch": np.arange(epochs + 1), "max_abs_deviation": fit["max_abs_deviation"], "r2": fit["r2"],
            "diverged": int((~ok).sum()), "weights": pick, "simulated": W[:, pick], "riccati": ode[:, pick],
            "coefficients": {"a": a[pick], "b": b[pick], "c": c[pick]}, "w0": w0[pick],
            "positive_rate": float(T.mean()), "settings": settings}

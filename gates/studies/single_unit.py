"""The paper's single-unit experiments: supervised Hebb on a threshold gate, Hebb and Riccati on images.

**(a) Supervised simple Hebb on one threshold gate** (paper §2, the
canonical-form theorem). Code the targets t in {-1, +1}; with a bias input
append 1 (x~ = [x, 1]), without one x~ = x. The canonical vectors are
c_k = t_k x~_k, and a gate w classifies example k correctly iff
w . c_k > 0. Clamped Hebb, dw = eta t x~ = eta c_k, does not read w, so the
order of presentation does not matter and after e epochs

    w_e = w_0 + eta e C,        C = sum_k c_k.

Hence, for e large enough (the initial weights fade), the gate learns the
set iff every margin c_k . C > 0: the *cosine condition*. A sufficient
condition is that all pairwise products c_k . c_l are positive. With
finitely many epochs the initial weights still count: example k is right
at epoch e iff w_0 . c_k + eta e (c_k . C) > 0, so a margin that is tiny
next to |w_0 . c_k| ~ init_scale |c_k| leaves the outcome to w_0. The study
flags those datasets instead of hiding them.

Four families of training sets (:data:`HEBB_KINDS`), each with its own
bias setting (:data:`HEBB_BIAS`), after the paper's figure and text:

* ``near-orthogonal`` (no bias): X uniform in {-1, +1}^(P x n), targets
  t = sign(X v) from a random teacher v ~ N(0, I) through the origin, so
  the set is separable without a bias. For n >> P the rows are nearly
  orthogonal (x_k . x_l ~ sqrt(n) next to |x_k|^2 = n), and the paper notes
  such sets are learnable with high probability;
* ``orthogonal`` (no bias, the paper's set): X the rows of the n x n
  identity (the first P rows when P < n), random targets. Every margin is
  c_k . C = 1: always learnable;
* ``orthogonal-bias``: the same data with a bias input. Then
  c_k = t_k [e_k, 1], C = [t, S] with S = sum_l t_l, and c_k . C = 1 + t_k S.
  A k with t_k = -sign(S) has margin 1 - |S| <= 0, so the set is learnable
  iff S = 0 (balanced targets) or all targets are equal (|S| = P); for odd
  P with |S| = 1 (not all equal) a margin is exactly 0 (decided by w_0).
  For uniform random targets the learnable fraction is
  (C(P, P/2) [P even] + 2) / 2^P for P >= 2 (:func:`orthogonal_bias_prediction`);
* ``common-orthant`` (bias): a random sign vector s, random targets t_k,
  x_k = t_k s * u_k with u_k ~ U(0.1, 1)^n, so every t_k x_k lies in the
  orthant of s and all pairwise products are positive (the sufficient
  condition) without bias. The bias column adds t_k t_l to c_k . c_l, so with
  bias the products are u_k . u_l + t_k t_l >= 0.01 n - 1: still positive
  surely for n > 100 and with overwhelming probability for n >= 10
  (E[u_k . u_l] = 0.3025 n).

**(b) Linear unit on images** (paper §1, time-scale assumption): simple
Hebb O x makes w grow along the principal eigenvector of E[x x^T] (close to
the centre of gravity for positive pixels); a rule without O, such as the
default ``T*x - T*w^2``, has the expectation dw/dt = a_j + b_j w + c_j w^2
per weight, a Riccati equation solved in closed form by
:func:`gates.linear_unit.dynamics.riccati`; a unit trained on images with a digit as
target follows it almost exactly. That rule does not read O, so the fit
only shows that small steps follow their own mean ODE: it is kept as the
**control** (:func:`riccati_images`).

**(c) A tanh unit whose rule reads O** (paper, non-linear units: the
Riccati claim as stated). :func:`riccati_tanh_images` trains O = tanh(w . x)
with ``O*x - O*w^2`` (the rule whose clamped form is the control's) and
predicts each weight from the independence and first-order ("dropout")
approximations, E[O q(x_j, w_j)] ~ tanh(E[S]) E[q(x_j, w_j)]: the closed-form
Riccati solution of the control's equation run in the clock
dtau/dt = tanh(mu . w), nothing fitted. The output sets the clock (a lag
while tanh(mu . w_0) ~ 0, then saturation). :func:`check_riccati_images`
is the theorem check, with mutants.
"""

import os

import numpy as np

from gates.errors import InputError, check_mutant

__all__ = [
    "HEBB_KINDS",
    "HEBB_BIAS",
    "hebb_dataset",
    "orthogonal_bias_prediction",
    "hebb_condition",
    "supervised_hebb",
    "supervised_hebb_study",
    "write_supervised_hebb",
    "check_supervised_hebb",
    "hebb_images",
    "riccati_images",
    "TANH_RULE",
    "TANH_MUTANTS",
    "riccati_tanh_images",
    "check_riccati_images",
    "image_study",
    "write_image_study",
]

HEBB_KINDS = ("near-orthogonal", "orthogonal", "orthogonal-bias", "common-orthant")

#: Whether the gate has a bias input, per dataset kind (the paper's orthogonal
#: set has none; ``orthogonal-bias`` is the same data with one).
HEBB_BIAS = {"near-orthogonal": False, "orthogonal": False, "orthogonal-bias": True, "common-orthant": True}

#: One-line description of each kind, for tables.
HEBB_LABELS = {
    "near-orthogonal": "random +-1 vectors, n >> P, targets from a teacher through 0",
    "orthogonal": "identity rows, random targets",
    "orthogonal-bias": "identity rows, random targets, bias input",
    "common-orthant": "t_k x_k in one orthant",
}

#: The mutants of :func:`check_supervised_hebb` (name -> the break).
_HEBB_MUTANTS = {
    "condition-without-bias": "the canonical form drops the bias input (c_k = t_k x_k) while the gate keeps it",
    "anti-hebb": "the simulated update has its sign flipped: dw = -eta T x~",
    "pairwise-condition": "the sufficient condition (every c_k . c_l > 0, k != l) is used as the iff verdict",
    "unclamped": "the update reads the gate's own output instead of the target: dw = eta sign(w . x~) x~",
    "balanced-targets": "the identity sets draw balanced targets (sum t = 0) instead of uniform ones: every "
                        "verdict still matches, only the binomial test of the learnable fraction can see it",
}

#: A margin decides the finite-epoch outcome when eta*epochs*|c_k . C| exceeds
#: TINY_Z standard deviations of w_0 . c_k ~ N(0, init_scale^2 |c_k|^2).
TINY_Z = 4.0


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------


def _int(name, v, lo):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
        raise InputError(f"{name} must be an integer >= {lo}, got {v!r}")
    return int(v)


def _positive(name, v, zero=False):
    ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and np.isfinite(v)
    if not ok or v < 0 or (v == 0 and not zero):
        raise InputError(f"{name} must be a finite number {'>=' if zero else '>'} 0, got {v!r}")
    return float(v)


def _matrix(X, what="X"):
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a numeric (P, n) array") from None
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise InputError(f"{what} must be a (P, n) array with P, n >= 1, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise InputError(f"{what} holds NaN or infinite values")
    return np.ascontiguousarray(X)


def _signs(t, P):
    t = np.asarray(t)
    if t.shape != (P,) or t.dtype.kind not in "uif" or not np.isin(t, (-1, 1)).all():
        raise InputError(f"targets t must be {P} values in {{-1, +1}}, got shape {t.shape} "
                         f"values {np.unique(t)[:5].tolist() if t.dtype.kind in 'uif' else t.dtype}")
    return np.ascontiguousarray(t, dtype=np.float64)


def _canonical(X, t, bias):
    """Canonical vectors c_k = t_k x~_k (rows), x~ = [x, 1] with the bias."""
    Xt = np.concatenate([X, np.ones((len(X), 1))], axis=1) if bias else X
    return np.ascontiguousarray(t[:, None] * Xt)


def _angle(u, v):
    """Angle between vectors in degrees (nan when one is zero)."""
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0 or nv == 0:
        return float("nan")
    return float(np.degrees(np.arccos(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))))


# --------------------------------------------------------------------------
# (a) supervised simple Hebb on a threshold gate
# --------------------------------------------------------------------------


def hebb_dataset(kind, P, n, seed=0, _balanced=False):
    """A random training set of one of the paper's kinds.

    Parameters
    ----------
    kind : {"near-orthogonal", "orthogonal", "orthogonal-bias", "common-orthant"}
        See the module doc; ``orthogonal-bias`` draws the same data as
        ``orthogonal`` (the bias belongs to the gate, :data:`HEBB_BIAS`).
    P : int
        Number of examples (<= n for the orthogonal kinds).
    n : int
        Number of inputs (the bias is not counted).
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator

    Returns
    -------
    X : numpy.ndarray
        float64 (P, n).
    t : numpy.ndarray
        float64 (P,), values in {-1, +1}.

    Raises
    ------
    InputError
        An unknown kind or sizes out of range.

    Examples
    --------
    >>> X, t = hebb_dataset("orthogonal", 3, 3, seed=1)
    >>> X
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    >>> sorted(set(t.tolist())) <= [-1.0, 1.0]
    True
    >>> X, t = hebb_dataset("near-orthogonal", 4, 50, seed=0)
    >>> sorted(set(X.ravel().tolist()))
    [-1.0, 1.0]
    """
    if kind not in HEBB_KINDS:
        raise InputError(f"dataset kind {kind!r} is unknown: allowed {', '.join(HEBB_KINDS)}")
    P, n = _int("P", P, 1), _int("n", n, 1)
    rng = np.random.default_rng(seed)
    if kind in ("orthogonal", "orthogonal-bias"):
        if P > n:
            raise InputError(f"an orthogonal set of {n}-dimensional vectors has at most {n} examples, got P={P}")
        X = np.eye(n)[:P].copy()
        t = rng.choice([-1.0, 1.0], size=P)
        if _balanced:  # the balanced-targets mutant: half +1, half -1, in random order
            t = rng.permutation(np.where(np.arange(P) < P // 2, 1.0, -1.0))
    elif kind == "common-orthant":
        s = rng.choice([-1.0, 1.0], size=n)
        t = rng.choice([-1.0, 1.0], size=P)
        u = rng.uniform(0.1, 1.0, size=(P, n))
        X = t[:, None] * s[None, :] * u
    else:
        X = rng.choice([-1.0, 1.0], size=(P, n))
        for _ in range(1000):
            # a teacher through the origin: v separates (X, t) without a bias
            a = X @ rng.normal(size=n)
            if (a != 0).all():
                break
        else:  # pragma: no cover - a Gaussian teacher is orthogonal to a row with probability 0
            raise InputError(f"could not draw a teacher off every example for P={P}, n={n}")
        t = np.where(a > 0, 1.0, -1.0)
    return np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(t, dtype=np.float64)


def orthogonal_bias_prediction(P):
    """Exact fractions of random target vectors for the identity set with a bias.

    With x_k = e_k and the bias, c_k . C = 1 + t_k S (S = sum_l t_l), so the
    cosine condition holds iff S = 0 or |S| = P, and some margin is exactly
    0 iff |S| = 1 < P. For t uniform in {-1, +1}^P (S = 2 B - P, B binomial):

        learnable = (C(P, P/2) [P even] + 2) / 2^P   (P >= 2; 1 for P = 1)
        ties      = 2 C(P, (P-1)/2) / 2^P            (P odd >= 3; else 0)

    Parameters
    ----------
    P : int
        Number of examples (>= 1).

    Returns
    -------
    dict
        ``learnable`` and ``ties`` as :class:`fractions.Fraction` (exact).

    Examples
    --------
    >>> r = orthogonal_bias_prediction(8)
    >>> r["learnable"], r["ties"]
    (Fraction(9, 32), Fraction(0, 1))
    """
    from fractions import Fraction
    from math import comb

    P = _int("P", P, 1)
    if P == 1:
        return {"learnable": Fraction(1), "ties": Fraction(0)}
    good = (comb(P, P // 2) if P % 2 == 0 else 0) + 2  # S = 0, plus all +1 and all -1
    ties = 2 * comb(P, (P - 1) // 2) if P % 2 == 1 else 0  # |S| = 1
    return {"learnable": Fraction(good, 2**P), "ties": Fraction(ties, 2**P)}


def hebb_condition(X, t, bias=True, _verdict="cosine"):
    """The canonical-form condition for supervised simple Hebb.

    Parameters
    ----------
    X : array_like
        (P, n) inputs.
    t : array_like
        (P,) targets in {-1, +1}.
    bias : bool
        Append the constant input 1 (x~ = [x, 1]).

    Returns
    -------
    dict
        ``holds`` (every margin c_k . C > 0), ``min_margin``,
        ``min_cosine`` (min_k cos(c_k, C); 0 for a zero vector),
        ``all_pairwise_positive`` (c_k . c_l > 0 for all k != l, the
        sufficient condition), ``margins`` (the P margins), ``norms``
        (|c_k|), ``C`` and ``bias``.

    Raises
    ------
    InputError
        Non-finite X, or t not in {-1, +1}.

    Examples
    --------
    >>> X = [[1, 0], [0, 1], [1, 1]]
    >>> r = hebb_condition(X, [1, 1, -1])
    >>> r["holds"], r["min_margin"], r["margins"].tolist()
    (False, -1.0, [1.0, 1.0, -1.0])
    >>> hebb_condition(X, [1, 1, 1])["all_pairwise_positive"]
    True
    """
    X = _matrix(X)
    t = _signs(t, len(X))
    c = _canonical(X, t, bool(bias))
    C = c.sum(axis=0)
    margins = c @ C
    norms = np.linalg.norm(c, axis=1)
    den = norms * np.linalg.norm(C)
    cos = np.divide(margins, den, out=np.zeros_like(margins), where=den > 0)
    gram = c @ c.T
    off = ~np.eye(len(c), dtype=bool)
    pairwise = bool((gram[off] > 0).all())
    # mutant "pairwise-condition": the sufficient condition taken for the iff one
    holds = pairwise if _verdict == "pairwise" else bool((margins > 0).all())
    return {
        "holds": holds,
        "min_margin": float(margins.min()),
        "min_cosine": float(cos.min()),
        "all_pairwise_positive": pairwise,
        "margins": margins,
        "norms": norms,
        "C": C,
        "bias": bool(bias),
    }


def _decided(cond, eta, epochs, init_scale, z=TINY_Z):
    """Do the margins fix the outcome after `epochs`, whatever w_0 (up to z sigma)?

    Example k is right at the end iff w_0 . c_k + eta*epochs*m_k > 0 with
    w_0 . c_k ~ N(0, (init_scale |c_k|)^2). The outcome is fixed when every
    margin clears z sigma on the positive side (learnt) or one does on the
    negative side (not learnt); this reads the margins, not the verdict.
    """
    push = eta * epochs * cond["margins"]
    sigma = z * init_scale * cond["norms"]
    return bool((push > sigma).all() or (push < -sigma).any())


def supervised_hebb(X, t, epochs=200, eta=0.02, seed=0, bias=True, init_scale=0.1, _sign=1.0, _clamped=True,
                    _condition_bias=None, _verdict="cosine"):
    """Train one threshold gate by clamped (supervised) simple Hebb, online.

    Each epoch presents the examples in a fresh seeded order and applies
    dw = eta t_k x~_k after each one (the gate's output is not read by the
    rule); w_0 ~ N(0, init_scale^2). The rows of X are real-valued, so this
    is a plain loop rather than the binary-input kernel of
    :mod:`gates.learning.protocol`.

    Parameters
    ----------
    X : array_like
        (P, n) inputs.
    t : array_like
        (P,) targets in {-1, +1}.
    epochs : int
        Passes through the data (>= 1).
    eta : float
        Learning rate (> 0).
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Draws w_0 first, then one permutation per epoch.
    bias : bool
        Append the constant input 1.
    init_scale : float
        Standard deviation of the initial weights (>= 0).

    Returns
    -------
    dict
        ``epoch`` (0..epochs), ``norm`` |w_e|, ``angle`` between w_e and C
        in degrees, ``error`` (fraction of examples with t_k (w_e . x~_k) <= 0),
        ``w0``, ``w`` (final weights), ``learnt`` (final error 0) and
        ``condition`` (:func:`hebb_condition`).

    Raises
    ------
    InputError
        Bad data or settings.

    Examples
    --------
    >>> X, t = hebb_dataset("common-orthant", 5, 20, seed=0)
    >>> r = supervised_hebb(X, t, epochs=50, eta=0.05, seed=0)
    >>> r["learnt"], r["condition"]["holds"], float(r["error"][-1])
    (True, True, 0.0)
    >>> bool(r["angle"][-1] < r["angle"][0])
    True
    """
    X = _matrix(X)
    t = _signs(t, len(X))
    epochs = _int("epochs", epochs, 1)
    eta = _positive("eta", eta)
    init_scale = _positive("init_scale", init_scale, zero=True)
    c = _canonical(X, t, bool(bias))
    # mutants: the condition may be computed on another input layout or verdict than the gate's
    cond = hebb_condition(X, t, bias if _condition_bias is None else _condition_bias, _verdict)
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, init_scale, c.shape[1]) if init_scale > 0 else np.zeros(c.shape[1])
    w0 = w.copy()
    step = _sign * eta * c  # dw = eta T x~ = eta c_k: the clamped Hebb update (_sign = -1: anti-Hebb mutant)
    xt = _canonical(X, np.ones(len(X)), bool(bias))  # x~_k, for the unclamped mutant's output
    norm = np.empty(epochs + 1)
    angle = np.empty(epochs + 1)
    error = np.empty(epochs + 1)
    C = c.sum(axis=0)

    def record(e):
        norm[e] = np.linalg.norm(w)
        angle[e] = _angle(w, C)
        error[e] = float(np.mean(c @ w <= 0.0))  # t_k (w . x~_k) = w . c_k

    record(0)
    for e in range(1, epochs + 1):
        for k in rng.permutation(len(c)):
            if _clamped:
                w += step[k]
            else:  # mutant "unclamped": the output O = sign(w . x~) replaces the target T
                w += _sign * eta * np.sign(w @ xt[k]) * xt[k]
        record(e)
    return {"epoch": np.arange(epochs + 1), "norm": norm, "angle": angle, "error": error,
            "w0": w0, "w": w, "learnt": bool(error[-1] == 0.0), "condition": cond}


def _mutant_settings(mutant):
    """The private keywords of :func:`supervised_hebb` that inject `mutant`."""
    if mutant is None:
        return {}
    check_mutant(mutant, _HEBB_MUTANTS)
    return {"condition-without-bias": {"_condition_bias": False}, "anti-hebb": {"_sign": -1.0},
            "pairwise-condition": {"_verdict": "pairwise"}, "unclamped": {"_clamped": False},
            "balanced-targets": {}}[mutant]


def _closed_form(kind, t, holds):
    """Does the verdict match the closed form of an orthogonal kind (None: no closed form)?"""
    if kind == "orthogonal":
        return holds  # every margin is 1
    if kind == "orthogonal-bias":
        S = abs(int(t.sum()))
        return holds == (S == 0 or S == len(t))
    return None


def supervised_hebb_study(kinds=HEBB_KINDS, datasets=200, P=8, n=48, epochs=200, eta=0.02, seed=0,
                          bias=None, init_scale=0.1, _mutant=None):
    """The cosine condition against simulation, on many random datasets per kind.

    Dataset i of a kind uses the i-th child of
    ``SeedSequence(seed).spawn(4)[HEBB_KINDS.index(kind)]``: its first
    grandchild draws the data, its second w_0 and the orders. So a dataset
    does not depend on which other kinds run.

    Parameters
    ----------
    kinds : sequence of str
        Subset of :data:`HEBB_KINDS`.
    datasets : int
        Random datasets per kind.
    P, n : int
        Examples and inputs per dataset (the orthogonal kinds need P <= n;
        ``near-orthogonal`` is near-orthogonal only for n >> P).
    epochs, eta, init_scale
        As in :func:`supervised_hebb`.
    seed : int
        Root seed.
    bias : None or bool
        None (default): each kind's own setting, :data:`HEBB_BIAS`; a bool
        forces it for every kind.

    Returns
    -------
    dict
        ``summary``: per kind ``label``, ``bias``, ``datasets``,
        ``condition_holds``, ``learnt``, ``agree``, ``tiny`` (datasets
        whose margins leave the finite-epoch outcome to w_0, see
        :data:`TINY_Z`), ``disagree_decided`` (disagreements among the
        others: 0 if the theorem holds), ``pairwise_positive``, and for the
        orthogonal kinds ``closed_form``: ``rule`` (when the condition holds),
        ``match`` (datasets whose verdict agrees with it), ``expected_fraction``
        (exact, as "a/b", for uniform random targets) and ``ties`` (margin
        exactly 0); ``records``: one dict per dataset; ``trajectories``: the
        :func:`supervised_hebb` result of dataset 0 of each kind;
        ``protocol``: the settings.

    Examples
    --------
    >>> r = supervised_hebb_study(datasets=20, epochs=50)
    >>> all(s["disagree_decided"] == 0 for s in r["summary"].values())
    True
    >>> r["summary"]["orthogonal"]["learnt"], r["summary"]["orthogonal"]["bias"]
    (20, False)
    """
    kinds = tuple(kinds)
    for k in kinds:
        if k not in HEBB_KINDS:
            raise InputError(f"dataset kind {k!r} is unknown: allowed {', '.join(HEBB_KINDS)}")
    if bias is not None and not isinstance(bias, (bool, np.bool_)):
        raise InputError(f"bias must be None (each kind's own) or a bool, got {bias!r}")
    datasets = _int("datasets", datasets, 1)
    seed = _int("seed", seed, 0)
    P, n, epochs = _int("P", P, 1), _int("n", n, 1), _int("epochs", epochs, 1)
    eta = _positive("eta", eta)
    init_scale = _positive("init_scale", init_scale, zero=True)
    if {"orthogonal", "orthogonal-bias"} & set(kinds) and P > n:
        raise InputError(f"the orthogonal kinds need P <= n, got P={P}, n={n}")
    mut = _mutant_settings(_mutant)
    biases = {k: HEBB_BIAS[k] if bias is None else bool(bias) for k in kinds}
    roots = np.random.SeedSequence(seed).spawn(len(HEBB_KINDS))
    summary, records, traj = {}, [], {}
    for kind in kinds:
        b = biases[kind]
        s = {"label": HEBB_LABELS[kind], "bias": b, "datasets": datasets, "condition_holds": 0, "learnt": 0,
             "agree": 0, "tiny": 0, "disagree_decided": 0, "pairwise_positive": 0}
        # the closed forms are for the identity set with its own bias setting
        closed = (kind == "orthogonal" and not b) or (kind == "orthogonal-bias" and b)
        match = 0
        for i, child in enumerate(roots[HEBB_KINDS.index(kind)].spawn(datasets)):
            data_seed, train_seed = child.spawn(2)
            X, t = hebb_dataset(kind, P, n, data_seed, _balanced=_mutant == "balanced-targets")
            r = supervised_hebb(X, t, epochs, eta, train_seed, b, init_scale, **mut)
            cond = r["condition"]
            decided = _decided(cond, eta, epochs, init_scale)
            agree = cond["holds"] == r["learnt"]
            s["condition_holds"] += cond["holds"]
            s["learnt"] += r["learnt"]
            s["agree"] += agree
            s["tiny"] += not decided
            s["disagree_decided"] += decided and not agree
            s["pairwise_positive"] += cond["all_pairwise_positive"]
            match += bool(closed and _closed_form(kind, t, cond["holds"]))
            records.append({"kind": kind, "dataset": i, "bias": b, "condition_holds": cond["holds"],
                            "learnt": r["learnt"], "tiny_margin": not decided,
                            "min_margin": cond["min_margin"], "min_cosine": cond["min_cosine"],
                            "pairwise_positive": cond["all_pairwise_positive"], "targets_sum": int(t.sum()),
                            "final_error": float(r["error"][-1])})
            if i == 0:
                traj[kind] = r
        if closed and kind == "orthogonal":
            s["closed_form"] = {"rule": "always (every margin is 1)", "match": match, "expected_fraction": "1/1",
                                "ties": "0/1"}
        elif closed:
            pred = orthogonal_bias_prediction(P)
            s["closed_form"] = {"rule": "sum t = 0 or all t equal", "match": match,
                                "expected_fraction": f"{pred['learnable'].numerator}/{pred['learnable'].denominator}",
                                "ties": f"{pred['ties'].numerator}/{pred['ties'].denominator}"}
        summary[kind] = s
    protocol = {"kinds": list(kinds), "datasets": datasets, "P": P, "n": n, "epochs": epochs, "eta": eta,
                "bias": biases, "init": "normal", "init_scale": init_scale, "presentation": "shuffled",
                "targets": "pm1", "tiny_z": TINY_Z, "representative": "dataset 0 of each kind"}
    if _mutant is not None:
        protocol["mutant"] = _mutant
    return {"summary": summary, "records": records, "trajectories": traj, "protocol": protocol, "seed": seed}


def _plot_module():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def _save(fig, path, plt):
    from gates.io.storage import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)


def _closed_form_text(s):
    cf = s.get("closed_form")
    if cf is None:
        return "-"
    num, den = (int(v) for v in cf["expected_fraction"].split("/"))
    return (f"{cf['rule']}: {cf['match']}/{s['datasets']} match; expected fraction "
            f"{cf['expected_fraction']} = {num / den:.4f} (exact)")


def write_supervised_hebb(res, out_dir, command=None):
    """Write the study of :func:`supervised_hebb_study` into `out_dir`, atomically.

    Files: ``supervised_hebb.csv`` / ``.md`` / ``.manifest.json`` (the
    summary per kind), ``supervised_hebb_trajectories.csv`` (epoch, kind,
    norm, angle, error of the representative datasets) and
    ``supervised_hebb_datasets.csv`` (one row per dataset) with
    ``supervised_hebb_trajectories.manifest.json``, and
    ``supervised_hebb.png`` when matplotlib is installed.

    Returns
    -------
    files : list of str
        Names written, relative to `out_dir`.
    note : str or None
        Why the plot is missing, or None.

    Examples
    --------
    >>> import tempfile
    >>> res = supervised_hebb_study(datasets=5, epochs=20)
    >>> files, note = write_supervised_hebb(res, tempfile.mkdtemp(), command=["gates", "doc"])
    >>> files[:3]
    ['supervised_hebb.csv', 'supervised_hebb.md', 'supervised_hebb.manifest.json']
    """
    from gates.io.storage import manifest, manifest_path, write_csv, write_json, write_table

    proto = res["protocol"]
    header = ["kind", "data", "bias", "datasets", "condition holds", "learnt", "agree", "tiny margin",
              "disagree (decided)", "pairwise positive", "closed form"]
    rows = [[k, s["label"], "yes" if s["bias"] else "no", s["datasets"], s["condition_holds"], s["learnt"],
             s["agree"], s["tiny"], s["disagree_decided"], s["pairwise_positive"], _closed_form_text(s)]
            for k, s in res["summary"].items()]
    intro = (f"Supervised simple Hebb on one threshold gate, bias input per kind (column 'bias'), "
             f"{proto['datasets']} random datasets per kind, P={proto['P']}, n={proto['n']}, "
             f"{proto['epochs']} epochs, eta={proto['eta']}, w0 ~ N(0, {proto['init_scale']}^2). "
             "'condition holds': every c_k . C > 0 (canonical form); 'learnt': zero training error after "
             "the last epoch; 'tiny margin': eta*epochs*|c_k . C| within "
             f"{TINY_Z:g} sd of w0 . c_k, so w0 may decide; 'pairwise positive': the sufficient condition; "
             "'closed form' (identity sets): when the condition holds, the datasets whose verdict matches it, "
             "and the exact fraction expected for uniform random targets.")
    files = write_table(out_dir, "supervised_hebb", header, rows, "Supervised simple Hebb: the cosine condition",
                        intro, "supervised-hebb", proto, command=command, seed=res["seed"],
                        results={"summary": res["summary"]})
    tname, dname = "supervised_hebb_trajectories.csv", "supervised_hebb_datasets.csv"
    trows = [[int(e), kind, round(float(r["norm"][e]), 8), round(float(r["angle"][e]), 6),
              round(float(r["error"][e]), 6)] for kind, r in res["trajectories"].items() for e in r["epoch"]]
    write_csv(os.path.join(out_dir, tname), ["epoch", "kind", "norm", "angle", "error"], trows)
    cols = ["kind", "dataset", "bias", "condition_holds", "learnt", "tiny_margin", "min_margin", "min_cosine",
            "pairwise_positive", "targets_sum", "final_error"]
    write_csv(os.path.join(out_dir, dname), cols,
              [[rec[c] if not isinstance(rec[c], float) else round(rec[c], 10) for c in cols]
               for rec in res["records"]])
    meta = manifest("supervised-hebb-trajectories", {**proto, "columns": {
        "norm": "|w| after the epoch (epoch 0: initial weights)",
        "angle": "degrees between w and C = sum_k t_k x~_k",
        "error": "fraction of examples with t_k (w . x~_k) <= 0"}}, [tname, dname], seed=res["seed"],
        command=command)
    mname = os.path.basename(manifest_path(os.path.join(out_dir, tname)))
    write_json(os.path.join(out_dir, mname), meta)
    files += [tname, dname, mname]
    plt = _plot_module()
    if plt is None:
        return files, "matplotlib is not installed (pip install '.[plot]'): no supervised_hebb.png"
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.8))
    for kind, r in res["trajectories"].items():
        label = f"{kind} ({'bias' if res['summary'][kind]['bias'] else 'no bias'})"
        a1.plot(r["epoch"], r["norm"], label=label)
        a2.plot(r["epoch"], r["angle"], label=label)
    a1.set_xlabel("epoch")
    a1.set_ylabel("|w|")
    a2.set_xlabel("epoch")
    a2.set_ylabel("angle between w and C (degrees)")
    a2.legend(fontsize=8)
    fig.suptitle("supervised simple Hebb, one threshold gate (dataset 0 of each kind)", fontsize=10)
    fig.tight_layout()
    _save(fig, os.path.join(out_dir, "supervised_hebb.png"), plt)
    return files + ["supervised_hebb.png"], None


def check_supervised_hebb(seed=0, mutant=None):
    """Verify the canonical-form theorem on the paper's datasets by simulation (about a second).

    Runs :func:`supervised_hebb_study` on the four kinds of
    :data:`HEBB_KINDS`, 60 datasets each (P = 8, n = 48, 100 epochs,
    eta = 0.04). It holds iff

    * the cosine condition and the simulated outcome agree on every dataset
      whose margins are not tiny (those are reported, not counted), and
      both verdicts occur among the decided datasets;
    * ``orthogonal`` (identity, no bias): the condition holds and the gate
      learns on every dataset (every margin is 1);
    * ``orthogonal-bias``: every verdict equals the closed form (holds iff
      sum t = 0 or all t are equal), and the count of learnable datasets is
      consistent with the exact fraction of :func:`orthogonal_bias_prediction`
      (two-sided exact binomial test, p >= 1e-4: a sound generator fails it
      on about 1 seed in 10^4).

    Parameters
    ----------
    seed : int
        Root seed of the study.
    mutant : str, optional
        One of ``check_supervised_hebb.mutants``: breaks the mechanism
        through a private parameter of :func:`supervised_hebb` (the check
        must then fail).

    Returns
    -------
    dict
        ``holds`` (bool), ``evidence`` (the summary per kind, the
        closed-form comparison, the protocol, the mutant) and ``lines``.

    Raises
    ------
    InputError
        An unknown mutant.

    Examples
    --------
    >>> check_supervised_hebb()["holds"]
    True
    >>> check_supervised_hebb(mutant="anti-hebb")["holds"]
    False
    """
    from scipy.stats import binomtest

    _mutant_settings(mutant)  # validates the name before the work
    res = supervised_hebb_study(datasets=60, epochs=100, eta=0.04, seed=seed, _mutant=mutant)
    summary = res["summary"]
    P = res["protocol"]["P"]
    agree = all(s["disagree_decided"] == 0 for s in summary.values())
    decided = [r for r in res["records"] if not r["tiny_margin"]]
    both = any(r["condition_holds"] for r in decided) and any(not r["condition_holds"] for r in decided)
    orth = summary["orthogonal"]
    orth_ok = orth["condition_holds"] == orth["learnt"] == orth["closed_form"]["match"] == orth["datasets"]
    ob = summary["orthogonal-bias"]
    pred = orthogonal_bias_prediction(P)
    test = binomtest(ob["condition_holds"], ob["datasets"], float(pred["learnable"]))
    ci = test.proportion_ci(0.95)  # Clopper-Pearson
    closed = {"orthogonal": {"all_learnt": orth_ok},
              "orthogonal-bias": {"match": ob["closed_form"]["match"], "datasets": ob["datasets"],
                                  "condition_holds": ob["condition_holds"],
                                  "predicted_fraction": ob["closed_form"]["expected_fraction"],
                                  "predicted_count": float(pred["learnable"]) * ob["datasets"],
                                  "measured_fraction_ci95": [float(ci.low), float(ci.high)],
                                  "binomial_p": float(test.pvalue)}}
    ob_ok = ob["closed_form"]["match"] == ob["datasets"] and test.pvalue >= 1e-4
    holds = bool(agree and both and orth_ok and ob_ok)
    lines = [f"{'kind':<17}{'bias':<6}{'datasets':>9}{'condition':>10}{'learnt':>8}{'agree':>7}{'tiny':>6}"
             f"{'disagree':>10}"]
    lines += [f"{k:<17}{'yes' if s['bias'] else 'no':<6}{s['datasets']:>9}{s['condition_holds']:>10}"
              f"{s['learnt']:>8}{s['agree']:>7}{s['tiny']:>6}{s['disagree_decided']:>10}" for k, s in summary.items()]
    lines.append(f"orthogonal, no bias: condition holds and learnt on {orth['learnt']}/{orth['datasets']} "
                 "(closed form: every margin is 1)")
    lines.append(f"orthogonal + bias: condition holds on {ob['condition_holds']}/{ob['datasets']} (exact count); "
                 f"closed form (sum t = 0 or all equal) matches {ob['closed_form']['match']}/{ob['datasets']}; "
                 f"predicted fraction {ob['closed_form']['expected_fraction']} = {float(pred['learnable']):.4f} "
                 f"(exact), measured {ob['condition_holds'] / ob['datasets']:.4f}, 95% CI "
                 f"[{ci.low:.3f}, {ci.high:.3f}] (estimated, Clopper-Pearson), binomial p = {test.pvalue:.3g}")
    if mutant is not None:
        lines.append(f"mutant {mutant}: {_HEBB_MUTANTS[mutant]}")
    return {"holds": holds,
            "evidence": {"summary": summary, "closed_form": closed, "agree": agree, "both_verdicts": both,
                         "protocol": res["protocol"], "seed": seed, "mutant": mutant},
            "lines": lines}


check_supervised_hebb.mutants = dict(_HEBB_MUTANTS)


# --------------------------------------------------------------------------
# (b) a linear unit on images
# --------------------------------------------------------------------------


def _images(X, what="X"):
    X = _matrix(X, what)
    if len(X) < 2:
        raise InputError(f"{what} needs at least 2 images, got {len(X)}")
    return X


def hebb_images(X, epochs=200, eta=0.01, seed=0, init_scale=0.1, mode="batch"):
    """Unsupervised simple Hebb (dw = eta O x, O = w . x) on a linear unit.

    In expectation dw/dt = R w with R = X^T X / N, so w grows without bound
    along the principal eigenvector u of R (paper §1; for non-negative
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

    X = _images(X)
    epochs = _int("epochs", epochs, 1)
    eta = _positive("eta", eta)
    init_scale = _positive("init_scale", init_scale)
    if mode not in ("batch", "online"):
        raise InputError(f"mode {mode!r} is unknown: allowed batch, online")
    seed = _int("seed", seed, 0)
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
    (:func:`gates.linear_unit.dynamics.riccati_coefficients`); for ``T*x - T*w^2``,
    a_j = E[T x_j], b_j = 0, c_j = -E[T], so w_j tends to sqrt(E[x_j | digit]).
    Each weight is compared with the closed form :func:`gates.linear_unit.dynamics.riccati`.

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
    from gates.linear_unit.dynamics import riccati, riccati_coefficients, simulate

    X = _images(X)
    y = np.asarray(y)
    if y.shape != (len(X),) or y.dtype.kind not in "ui":
        raise InputError(f"labels y must be {len(X)} integers, got shape {y.shape} dtype {y.dtype}")
    if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not (y == digit).any():
        raise InputError(f"digit {digit!r} does not occur in the labels (present: {np.unique(y).tolist()[:20]})")
    r = _rule(rule)
    if r.uses_output:
        raise InputError(f"rule {r.formula()!r} reads O: the Riccati comparison needs a rule without O terms")
    if r.saturate:
        raise InputError(f"rule {r.name!r} is saturating (w = tanh(u)): the Riccati comparison needs a plain rule")
    epochs = _int("epochs", epochs, 1)
    eta = _positive("eta", eta)
    init_scale = _positive("init_scale", init_scale, zero=True)
    seed = _int("seed", seed, 0)
    k_top, k_rand = (_int("typical[0]", typical[0], 0), _int("typical[1]", typical[1], 0))
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
    dev = np.abs(W[:, ok] - ode[:, ok])
    ss_res = float(np.sum((W[:, ok] - ode[:, ok]) ** 2))
    ss_tot = float(np.sum((W[:, ok] - W[:, ok].mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    order = np.argsort(-a, kind="stable")
    top = [int(j) for j in order if ok[j]][:k_top]
    rest = np.array([j for j in range(X.shape[1]) if ok[j] and j not in top], dtype=np.int64)
    pick = top + sorted(int(j) for j in rng.choice(rest, size=min(k_rand, len(rest)), replace=False))
    settings = {"rule": r.formula(), "terms": [list(x) for x in r.terms], "role": "control: rule does not read O",
                "digit": int(digit),
                "targets": "T = 1 for the digit, else 0", "unit": "linear, O = w . x", "mode": "online",
                "epochs": epochs, "eta": eta, "seed": seed, "init": "normal", "init_scale": init_scale,
                "bias": False, "time": "t = eta * epoch"}
    return {"t": t, "epoch": np.arange(epochs + 1), "max_abs_deviation": float(dev.max()), "r2": r2,
            "diverged": int((~ok).sum()), "weights": pick, "simulated": W[:, pick], "riccati": ode[:, pick],
            "coefficients": {"a": a[pick], "b": b[pick], "c": c[pick]}, "w0": w0[pick],
            "positive_rate": float(T.mean()), "settings": settings}


#: The O-reading rule of :func:`riccati_tanh_images`: the unsupervised rule whose
#: clamped form (O replaced by T) is the control ``T*x - T*w^2``.
TANH_RULE = "O*x - O*w^2"

#: Mutants of :func:`riccati_tanh_images` (and :func:`check_riccati_images`):
#: each breaks one piece of the mechanism the comparison tests.
TANH_MUTANTS = {
    "riccati-sign": "the Riccati prediction uses c_j with its sign flipped",
    "o-free-clock": "the prediction ignores O (the rule's factor O taken as 1, as if clamped to T = 1)",
    "linear-clock": "the prediction treats the unit as linear (E[O] = E[S], no tanh)",
    "drop-o": "the simulated unit drops the factor O from its update (trains x - w^2)",
}

#: Tolerances of :func:`check_riccati_images` (see its docstring for why).
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

    from gates.linear_unit.dynamics import riccati

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
    from gates.linear_unit.dynamics import riccati

    with np.errstate(all="ignore"):
        return np.asarray(riccati(sign * a[None, :], sign * b[None, :], sign * c[None, :], w0[None, :],
                                  np.abs(tau)[:, None]), dtype=np.float64)


def _fit(W, P):
    """R^2 of P as a predictor of W, max |W - P|, and that over max |W| (all entries finite)."""
    ss_res = float(np.sum((W - P) ** 2))
    ss_tot = float(np.sum((W - W.mean()) ** 2))
    dev = float(np.max(np.abs(W - P)))
    return {"r2": 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan"), "max_abs_deviation": dev,
            "max_rel_error": dev / float(np.max(np.abs(W)))}


def _mean_field(r, X, w):
    """The exact expected update E_p[F(tanh(x_p . w), x_p, w)] of an O-reading rule (no approximation)."""
    O = np.tanh(X @ w)
    out = np.zeros_like(w)
    for coef, a, b, c, d in r.terms:
        out += coef * ((O**a) @ X**b) / len(X) * w**c
    return out


def riccati_tanh_images(X, y=None, digit=9, rule=TANH_RULE, epochs=100, eta=0.02, seed=0, init_scale=0.01,
                        typical=(4, 2), substeps=4, _mutant=None):
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
    data moments of q (:func:`gates.linear_unit.dynamics.riccati_coefficients`; for the
    default a_j = mu_j, b_j = 0, c_j = -1) and the common rate
    m = tanh(mu . w). In the clock tau = int m dt each weight is the closed
    form w_j = R_j(tau) (:func:`gates.linear_unit.dynamics.riccati`), and tau solves the
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
    from gates.linear_unit.dynamics import riccati_coefficients, simulate

    check_mutant(_mutant, TANH_MUTANTS)
    X = _images(X)
    if digit is None:
        Xd = X
    else:
        if y is None:
            raise InputError("labels y are needed to pick the images of a digit (or pass digit=None: all images)")
        y = np.asarray(y)
        if y.shape != (len(X),) or y.dtype.kind not in "ui":
            raise InputError(f"labels y must be {len(X)} integers, got shape {y.shape} dtype {y.dtype}")
        if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or (y == digit).sum() < 2:
            raise InputError(f"digit {digit!r} must label at least 2 images (present: {np.unique(y).tolist()[:20]})")
        Xd = np.ascontiguousarray(X[y == digit])
    r, q = _gated_rule(rule)
    epochs = _int("epochs", epochs, 1)
    eta = _positive("eta", eta)
    init_scale = _positive("init_scale", init_scale)  # from w = 0, O = tanh(0) = 0 never moves a weight
    seed = _int("seed", seed, 0)
    substeps = _int("substeps", substeps, 1)
    k_top, k_rand = (_int("typical[0]", typical[0], 0), _int("typical[1]", typical[1], 0))
    D = X.shape[1]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 3]))
    w0 = rng.normal(0.0, init_scale, D)
    with np.errstate(over="ignore", invalid="ignore"):
        # mutant drop-o: the unit trains q = F / O, its output no longer gates the update
        W = np.asarray(simulate(q if _mutant == "drop-o" else r, Xd, None, w0, eta, epochs, mode="online",
                                seed=seed, transfer="tanh"), dtype=np.float64)
    if not np.isfinite(W).all():
        raise InputError(f"the tanh unit's weights overflowed within t = {eta * epochs:g}: lower eta or epochs")
    a, b, c = (np.asarray(v, dtype=np.float64) for v in riccati_coefficients(q, Xd))
    if _mutant == "riccati-sign":
        c = -c
    mu = Xd.mean(axis=0)
    t = eta * np.arange(epochs + 1, dtype=np.float64)
    rate = {"o-free-clock": np.ones_like, "linear-clock": np.asarray}.get(_mutant, np.tanh)
    tau, sign = _clock(a, b, c, w0, mu, t, rate)
    pred = _riccati_at(a, b, c, w0, tau, sign)
    free = _riccati_at(a, b, c, w0, t, 1.0)  # the O-free clock m = 1, as a contrast
    ok = np.isfinite(pred).all(axis=0)
    if not ok.any():
        raise InputError(f"every predicted weight diverged within t = {t[-1]:g}: lower eta, epochs or init_scale")
    fit = _fit(W[:, ok], pred[:, ok])
    okf = np.isfinite(free).all(axis=0)
    free_fit = _fit(W[:, okf], free[:, okf]) if okf.any() else {"r2": float("nan"), "max_abs_deviation": float("inf"),
                                                                "max_rel_error": float("inf")}
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
    order = np.argsort(-a, kind="stable")
    top = [int(j) for j in order if ok[j]][:k_top]
    rest = np.array([j for j in range(D) if ok[j] and j not in top], dtype=np.int64)
    pick = top + sorted(int(j) for j in rng.choice(rest, size=min(k_rand, len(rest)), replace=False))
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
                "mutant": _mutant}
    return {"t": t, "epoch": np.arange(epochs + 1), "tau": tau, **fit, "diverged": int((~ok).sum()),
            "per_weight": per_weight, "o_free_clock": free_fit, "approximation": approx, "mean_ode": mean_ode,
            "weights": pick, "simulated": W[:, pick], "riccati": pred[:, pick], "o_free": free[:, pick],
            "coefficients": {"a": a[pick], "b": b[pick], "c": c[pick]}, "w0": w0[pick],
            "full": {"simulated": W, "riccati": pred, "mean_ode": Wm, "w0": w0, "a": a, "b": b, "c": c,
                     "mean_input": mu},
            "settings": settings}


def _independence_gap0(Xd, w0):
    """max_j |Cov(S, x_j)| / max_j |E[S] mu_j| at w0: the independence premise before training.

    Near w = 0 tanh(S) ~ S, so E[O x_j] - E[O] mu_j ~ Cov(S, x_j) = (C w0)_j
    is the part of the Hebbian drive the independence approximation drops
    and E[S] mu_j the part it keeps. Computed from the data and w0 alone.
    """
    S = Xd @ w0
    cov = (S - S.mean()) @ (Xd - Xd.mean(axis=0)) / len(Xd)
    keep = np.max(np.abs(S.mean() * Xd.mean(axis=0)))
    return float(np.max(np.abs(cov)) / keep) if keep > 0 else float("inf")


def _check_images():
    """scikit-learn's digits when installed, else the seven-segment stand-in (and which)."""
    from gates.io.datasets import digits, segment_digits

    try:
        X, y = digits()
        return X, y, "digits (scikit-learn)"
    except InputError:
        X, y = segment_digits()
        return X, y, "segments (stand-in: scikit-learn is not installed)"


def check_riccati_images(seed=0, mutant=None, runs=5):
    """A tanh unit whose rule reads O follows its Riccati prediction on images (a few seconds).

    The paper: an MNIST-trained unit follows a Riccati solution almost
    exactly, and for non-linear units E[sigma(S)] ~ sigma(E[S]) carries the
    linear analysis over "when the independence assumption is reasonable".
    Here :func:`riccati_tanh_images` trains a tanh unit with ``O*x -
    O*w^2`` on the images of digit 9 (scikit-learn's 8x8 digits; the
    seven-segment stand-in of :func:`gates.io.datasets.segment_digits` when
    scikit-learn is missing) from `runs` random w_0 (seeds from
    ``SeedSequence(seed)``), and compares every weight with the closed-form
    Riccati solution in the clock set by tanh(mu . w).

    A run *qualifies* when its initial independence gap g0 = max_j
    |Cov(S, x_j)| / max_j |E[S] mu_j| at w_0 is <= 1 (the dropped
    covariance drive is no larger than the kept mean drive; computed
    before training). Holds iff

    * at least one run qualifies, and no run diverges;
    * every qualifying run has max |w_sim - w_pred| <= 5% of max |w_sim|
      and R^2 >= 0.99 (:data:`TANH_REL_TOL`, :data:`TANH_R2_MIN`);
    * on every qualifying run the O-free prediction (the same Riccati
      solution with the clock t, as if O were 1) misses by more than 5%:
      the output really shapes the trajectory.

    Why 5%: the error splits (both parts measured and reported) into the
    online noise and step error (simulation vs the exact expected ODE, at
    most 0.14% of the weight scale on the digits with eta = 0.04) and the
    error of the two approximations (exact expected ODE vs prediction).
    Measured with ``runs=20`` (seed 0): on the digits 18 runs qualify, with
    errors of median 0.32% and at most 0.62% (R^2 >= 0.99995); on the
    stand-in 14 qualify, median 2.5%, at most 3.8% (R^2 >= 0.9958). Every
    mutant, and the O-free clock, misses by 16% or more. 5% is thus about
    8x the worst qualifying digits run and still above the stand-in's.
    Runs with g0 > 1 are reported, not counted: there the Hebbian drive
    along the pixel covariance, which the independence approximation
    drops, sets the early growth and the predicted lag is off (4% on the
    digits at g0 = 2.5 and 2.9; on the stand-in 15% at g0 = 8 and 53% at
    g0 = 14).

    The control, :func:`riccati_images` with the clamped rule ``T*x -
    T*w^2`` (the rule does not read O), is run on the same data and
    reported; it does not decide the verdict.

    Parameters
    ----------
    seed : int
        Root of the run seeds.
    mutant : str, optional
        A name in ``check_riccati_images.mutants`` (:data:`TANH_MUTANTS`):
        breaks the prediction or the simulation; the check must then fail.
    runs : int
        Random initialisations (>= 1).

    Returns
    -------
    dict
        ``holds``, ``evidence`` (per run: seed, g0, qualifies, r2,
        max_rel_error, the O-free clock's, the error split, the measured
        approximation gaps; the control; tolerances; data; mutant) and
        ``lines``.

    Raises
    ------
    InputError
        An unknown mutant or a bad `runs`.

    Examples
    --------
    >>> check_riccati_images(runs=2)["holds"]  # doctest: +SKIP
    True
    """
    check_mutant(mutant, TANH_MUTANTS)
    seed = _int("seed", seed, 0)
    runs = _int("runs", runs, 1)
    X, y, data = _check_images()
    digit = 9
    Xd = X[y == digit]
    rows = []
    for s in np.random.SeedSequence(seed).generate_state(runs):
        r = riccati_tanh_images(X, y, digit=digit, epochs=50, eta=0.04, seed=int(s), _mutant=mutant)
        w0 = r["full"]["w0"]
        g0 = _independence_gap0(Xd, w0)
        rows.append({"seed": int(s), "g0": g0, "qualifies": g0 <= 1.0, "r2": r["r2"],
                     "max_rel_error": r["max_rel_error"], "diverged": r["diverged"],
                     "o_free_r2": r["o_free_clock"]["r2"], "o_free_max_rel_error": r["o_free_clock"]["max_rel_error"],
                     "noise": r["mean_ode"]["vs_simulation"], "approximation_error": r["mean_ode"]["vs_riccati"],
                     "tau_end": float(r["tau"][-1]), **{k: v for k, v in r["approximation"].items()}})
    ctrl = riccati_images(X, y, digit=digit, epochs=15, eta=2.0, seed=seed)
    control = {"role": ctrl["settings"]["role"], "rule": ctrl["settings"]["rule"], "r2": ctrl["r2"],
               "max_abs_deviation": ctrl["max_abs_deviation"], "diverged": ctrl["diverged"]}
    q = [row for row in rows if row["qualifies"]]
    fits = all(row["max_rel_error"] <= TANH_REL_TOL and row["r2"] >= TANH_R2_MIN for row in q)
    o_matters = all(row["o_free_max_rel_error"] > TANH_REL_TOL for row in q)
    holds = bool(q) and fits and o_matters and all(row["diverged"] == 0 for row in rows)
    evidence = {"data": data, "digit": digit, "rule": TANH_RULE, "runs": rows, "qualifying": len(q),
                "tolerance": {"max_rel_error": TANH_REL_TOL, "r2_min": TANH_R2_MIN, "g0_max": 1.0},
                "control": control, "mutant": mutant, "seed": seed}
    lines = [f"tanh unit, rule {TANH_RULE} (reads O), images of digit {digit}, {data}: {len(q)} of {runs} "
             "random w0 qualify (initial independence gap g0 <= 1)"]
    for row in rows:
        lines.append(f"  seed {row['seed']}: g0 = {row['g0']:.2f}{'' if row['qualifies'] else ' (not counted)'}, "
                     f"R^2 = {row['r2']:.6f}, max error {100 * row['max_rel_error']:.2f}% of max |w| "
                     f"(noise {100 * row['noise']:.2f}%, approximation {100 * row['approximation_error']:.2f}%); "
                     f"O-free clock {100 * row['o_free_max_rel_error']:.1f}%")
    lines.append(f"control: rule does not read O ({control['rule']}): R^2 = {control['r2']:.8f}, "
                 f"max |deviation| = {control['max_abs_deviation']:.2g}")
    return {"holds": holds, "evidence": evidence, "lines": lines}


check_riccati_images.mutants = dict(TANH_MUTANTS)


def image_study(source="digits", digit=9, rule="T*x - T*w^2", seed=0, hebb=None, riccati=None, tanh=None):
    """The image experiments on one data source (the CLI's entry point).

    Parameters
    ----------
    source : str
        As in :func:`gates.io.datasets.image_data`; the control needs labels.
    digit, rule, seed
        As in :func:`riccati_images` (`rule` is the control's); the O-reading
        unit trains on the images of `digit` (all images without labels).
    hebb, riccati, tanh : dict, optional
        Extra keyword arguments of :func:`hebb_images` /
        :func:`riccati_images` / :func:`riccati_tanh_images`.

    Returns
    -------
    dict
        ``data`` (the source description), ``hebb``, ``riccati`` (the
        control, whose rule does not read O; None without labels) and
        ``riccati_tanh`` (the tanh unit whose rule reads O).

    Examples
    --------
    >>> res = image_study("segments")
    >>> res["riccati"]["settings"]["role"], res["riccati_tanh"]["settings"]["role"]
    ('control: rule does not read O', 'reads O')
    """
    from gates.io.datasets import image_data

    X, y, info = image_data(source)
    out = {"data": info, "hebb": hebb_images(X, seed=seed, **(hebb or {})), "riccati": None}
    if y is not None:
        out["riccati"] = riccati_images(X, y, digit=digit, rule=rule, seed=seed, **(riccati or {}))
    out["riccati_tanh"] = riccati_tanh_images(X, y, digit=digit if y is not None else None, seed=seed,
                                              **(tanh or {}))
    return out


def _plot_weights(ax, res, dotted=None):
    """Simulated weights (lines) and their Riccati prediction (circles); `dotted`: a third curve per weight."""
    for i, j in enumerate(res["weights"]):
        line, = ax.plot(res["t"], res["simulated"][:, i], lw=1.5, label=f"w{j} simulated")
        ax.plot(res["t"], res["riccati"][:, i], "o", color=line.get_color(), mfc="none", ms=4,
                markevery=max(1, len(res["t"]) // 15))
        if dotted is not None:
            ax.plot(res["t"], res[dotted][:, i], ":", color=line.get_color(), lw=1)


def write_image_study(res, out_dir, command=None):
    """Write the image experiments into `out_dir`, atomically.

    Parameters
    ----------
    res : dict
        ``{"hebb": ..., "riccati": ..., "riccati_tanh": ..., "data": ...}``:
        results of :func:`hebb_images`, :func:`riccati_images` (the control)
        and :func:`riccati_tanh_images` (any may be None or missing) and the
        data description of :func:`gates.io.datasets.image_data` (optional).
    out_dir : str
        Destination folder.
    command : list of str, optional
        The command line for the manifests.

    Returns
    -------
    files : list of str
        ``hebb_images.csv`` (epoch, norm, log10_norm, angle_cog, angle_pc),
        ``riccati_images.csv`` (epoch, t, weight, a, b, c, simulated,
        riccati), ``riccati_tanh_images.csv`` (epoch, t, tau, weight, a, b,
        c, simulated, riccati, o_free, mean_ode), a manifest beside each, and
        ``hebb_images.png`` / ``riccati_images.png`` /
        ``riccati_tanh_images.png`` when matplotlib is installed.
    note : str or None
        Why the plots are missing, or None.

    Examples
    --------
    >>> import tempfile
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(50, 4)); y = rng.integers(0, 2, 50)
    >>> res = {"hebb": hebb_images(X, epochs=10), "riccati": riccati_images(X, y, digit=1, epochs=10)}
    >>> files, _ = write_image_study(res, tempfile.mkdtemp(), command=["gates", "doc"])
    >>> files[:2]
    ['hebb_images.csv', 'hebb_images.manifest.json']
    """
    from gates.io.storage import manifest, manifest_path, write_csv, write_json

    data = res.get("data")
    hebb, ric, tnh = res.get("hebb"), res.get("riccati"), res.get("riccati_tanh")
    if hebb is None and ric is None and tnh is None:
        raise InputError("nothing to write: the image study holds neither a Hebb nor a Riccati result")
    files = []

    def put(name, header, rows, kind, protocol, results):
        path = os.path.join(out_dir, name)
        write_csv(path, header, rows)
        mpath = manifest_path(path)
        write_json(mpath, manifest(kind, protocol, [name], seed=protocol.get("seed"), command=command,
                                   results=results))
        files.extend([name, os.path.basename(mpath)])

    if hebb is not None:
        rows = [[int(e), float(hebb["norm"][e]), round(float(hebb["log10_norm"][e]), 8),
                 round(float(hebb["angle_cog"][e]), 6), round(float(hebb["angle_pc"][e]), 6)]
                for e in hebb["epoch"]]
        put("hebb_images.csv", ["epoch", "norm", "log10_norm", "angle_cog", "angle_pc"], rows, "hebb-images",
            {**hebb["settings"], "data": data}, {"final": hebb["final"], "lambda": hebb["lambda"]})
    if ric is not None:
        co = ric["coefficients"]
        rows = [[int(e), float(ric["t"][e]), j, float(co["a"][i]), float(co["b"][i]), float(co["c"][i]),
                 float(ric["simulated"][e, i]), float(ric["riccati"][e, i])]
                for i, j in enumerate(ric["weights"]) for e in ric["epoch"]]
        put("riccati_images.csv", ["epoch", "t", "weight", "a", "b", "c", "simulated", "riccati"], rows,
            "riccati-images", {**ric["settings"], "data": data},
            {"max_abs_deviation": ric["max_abs_deviation"], "r2": ric["r2"], "diverged": ric["diverged"],
             "weights": ric["weights"]})
    if tnh is not None:
        co, full = tnh["coefficients"], tnh["full"]
        # per picked weight: simulation, prediction R(tau(t)) and the exact expected ODE (no approximation)
        rows = [[int(e), float(tnh["t"][e]), float(tnh["tau"][e]), j, float(co["a"][i]), float(co["b"][i]),
                 float(co["c"][i]), float(tnh["simulated"][e, i]), float(tnh["riccati"][e, i]),
                 float(tnh["o_free"][e, i]), float(full["mean_ode"][e, j])]
                for i, j in enumerate(tnh["weights"]) for e in tnh["epoch"]]
        put("riccati_tanh_images.csv", ["epoch", "t", "tau", "weight", "a", "b", "c", "simulated", "riccati",
                                        "o_free", "mean_ode"], rows, "riccati-tanh-images",
            {**tnh["settings"], "data": data},
            {k: tnh[k] for k in ("r2", "max_abs_deviation", "max_rel_error", "diverged", "per_weight",
                                 "o_free_clock", "approximation", "mean_ode", "weights")})
    plt = _plot_module()
    if plt is None:
        return files, "matplotlib is not installed (pip install '.[plot]'): no image plots"
    if hebb is not None:
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.8))
        a1.plot(hebb["epoch"], hebb["angle_cog"], label="to centre of gravity")
        a1.plot(hebb["epoch"], hebb["angle_pc"], label="to principal eigenvector (lines)")
        a1.set_xlabel("epoch")
        a1.set_ylabel("angle (degrees)")
        a1.legend(fontsize=8)
        a2.plot(hebb["epoch"], hebb["log10_norm"])
        a2.set_xlabel("epoch")
        a2.set_ylabel("log10 |w|")
        fig.suptitle("unsupervised simple Hebb on a linear unit", fontsize=10)
        fig.tight_layout()
        _save(fig, os.path.join(out_dir, "hebb_images.png"), plt)
        files.append("hebb_images.png")
    if ric is not None:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        _plot_weights(ax, ric)
        ax.set_xlabel("t = eta * epoch")
        ax.set_ylabel("weight")
        ax.set_title(f"{ric['settings']['rule']}, digit {ric['settings']['digit']}: simulation (lines) and "
                     f"Riccati (circles), R^2 = {ric['r2']:.4f}", fontsize=9)
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        _save(fig, os.path.join(out_dir, "riccati_images.png"), plt)
        files.append("riccati_images.png")
    if tnh is not None:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        _plot_weights(ax, tnh, dotted="o_free")
        ax.set_xlabel("t = eta * epoch")
        ax.set_ylabel("weight")
        ax.set_title(f"tanh unit, {tnh['settings']['rule']} (reads O), R^2 = {tnh['r2']:.6f}\nsimulation "
                     "(lines), Riccati in the clock tau(t) (circles), O-free clock t (dotted)", fontsize=9)
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        _save(fig, os.path.join(out_dir, "riccati_tanh_images.png"), plt)
        files.append("riccati_tanh_images.png")
    return files, None


# the experiments of `gates single-unit`: supervised_hebb_study and image_study
EXPERIMENTS = ("supervised-hebb", "images")

"""The learning channel measured: tasks, the rows per net and algorithm, fitted exponents, training under one budget.

Baldi & Sadowski's theorem (2016, the learning channel): backprop has the highest
rate and improvement, up to constants, and the perturbation algorithms
(:mod:`gates.channel.algorithms`) fall behind by factors that grow with W.
This module measures it: :func:`measure` takes one step of every algorithm
from many random weight states of each net and reports the rate (an
identity of the counts) beside the improvement and the cosine (measured),
with the exact theory of :mod:`gates.channel.theory`; :func:`fit_exponents`
fits the exponents in W; :func:`train` and :func:`training_run` train every
algorithm under the same operation budget. The nets are the layered
:class:`~gates.learning.nets.feedforward.FeedForward` and the recurrent net
unfolded in time (:class:`~gates.learning.nets.recurrent.Recurrent`), both
of the same interface.
"""

import math

import numpy as np

from gates._validate import check_int, check_positive, is_int
from gates.channel.algorithms import (
    ALGORITHMS,
    EXACT,
    as_net,
    check_algorithms,
    cosine,
    describe_net,
    first_order_decrease,
    step,
)
from gates.channel.theory import QUANTITIES, predicted_exponent, theory_cos, theory_improvement
from gates.errors import InputError

__all__ = [
    "KIND",
    "DEFAULT_HIDDEN",
    "teacher_task",
    "boolean_task",
    "measure",
    "fit_exponents",
    "student_t975",
    "train",
    "thin_indices",
    "training_run",
    "significant",
]

KIND = {"cos": "measured", "improvement": "measured", "rate": "identity"}
"""What each quantity of :func:`fit_exponents` is: the rate an identity of the counts, the others measured."""
DEFAULT_HIDDEN = (4, 8, 16, 32, 64)
"""Default hidden widths h of the (8, h, h, 1) nets: W = 61 .. 4,801."""

_FD_STATES = 8  # weight states per row on which measure() checks -g . h against the error's difference


# --------------------------------------------------------------------------
# tasks
# --------------------------------------------------------------------------


def _input_shape(net, P):
    """Shape of a batch of P inputs for any net of the channel interface."""
    shape = getattr(net, "input_shape", None)
    if callable(shape):
        return tuple(shape(P))
    if hasattr(net, "steps") and hasattr(net, "n_in"):  # a recurrent net: one input per time step
        return (P, net.steps, net.n_in)
    return (P, net.sizes[0])


def teacher_task(net, P, seed=None, teacher_seed=0):
    """A realisable task: N(0, 1) inputs, targets from a fixed random teacher.

    Parameters
    ----------
    net : FeedForward or recurrent net
        The architecture; the teacher has the same one, with weights
        ``net.init(teacher_seed)``.
    P : int
        Number of examples (>= 1).
    seed : None, int or Generator
        Seed of the inputs.
    teacher_seed : int
        Seed of the teacher's weights (fixed by default, so every batch comes
        from the same teacher).

    Returns
    -------
    X : ndarray, shape (P, n_in) (recurrent: (P, steps, n_in))
    T : ndarray, shape (P, n_out)

    Examples
    --------
    >>> from gates.learning.nets.feedforward import FeedForward
    >>> X, T = teacher_task(FeedForward((3, 5, 2)), 10, seed=1)
    >>> X.shape, T.shape
    ((10, 3), (10, 2))
    """
    P = check_int(P, "P (examples)", lo=1)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(_input_shape(net, P))
    teacher = net.init(np.random.SeedSequence([int(teacher_seed), 0x7EAC]))
    return X, np.asarray(net.forward(teacher, X), dtype=np.float64)


def boolean_task(n, table):
    """Every point of {-1, +1}^n (kitty order: x_i = bit i of p) with targets +-1 from a truth table.

    Parameters
    ----------
    n : int
        Number of inputs, 1..16.
    table : str or int
        The function, as a kitty hex string or an int (bit p = f(point p)).

    Returns
    -------
    X : ndarray, shape (2^n, n), entries -1.0 / +1.0
    T : ndarray, shape (2^n, 1), +1.0 where f = 1 else -1.0

    Examples
    --------
    >>> X, T = boolean_task(2, "8")   # AND
    >>> T.ravel().tolist()
    [-1.0, -1.0, -1.0, 1.0]
    """
    from gates.boolean.truth import check_n, to_int

    n = check_n(n, lo=1)
    if not (isinstance(table, str) or is_int(table)):
        raise InputError(f"table must be a hex string or an int, got {type(table).__name__}")
    value = to_int(table, n)
    p = np.arange(1 << n)
    X = np.where((p[:, None] >> np.arange(n)) & 1, 1.0, -1.0)
    T = np.where([(value >> int(i)) & 1 for i in p], 1.0, -1.0)[:, None]
    return X, T


# --------------------------------------------------------------------------
# measurement across sizes
# --------------------------------------------------------------------------


def _decrease_fd(net, w, X, T, h, delta=1e-4):
    """-g . h from the error alone: a central difference of E along h, step length `delta`
    (E(w - t h) - E(w + t h)) / (2 t), t = delta / |h|; error O(delta^2)."""
    nh = float(np.linalg.norm(h))
    if nh == 0:
        return 0.0
    t = delta / nh
    Em, Ep = net.errors(np.stack([w - t * h, w + t * h]), X, T)
    return float((Em - Ep) / (2 * t))


def measure(nets, algorithms=ALGORITHMS, k=8, samples=64, seed=0, batch=32, eps=1e-4, D=32,
            activation="tanh", progress=None, *, _bp_noise=0.0, _bits_scale=None, _palr_per_batch=False,
            _unscaled_perturbation=False):
    """Bits, operations and rate (identities), and the improvement and cosine (measured), per net and algorithm.

    For each net, `samples` weight states (fresh ``init`` seeds) each with a
    fresh batch of `batch` examples from the net's fixed teacher; every
    algorithm takes one step from each. Measured per state: the first-order
    decrease of the error at equal eta relative to backprop's, (-g . h) /
    |g|^2 (:func:`first_order_decrease`), and the cosine of h with -g; both
    are averaged. On the first 8 states the decrease is also measured from
    the error alone (a central difference along h), a check of the
    first-order term. Every
    algorithm draws its perturbations from its own stream (seed, net, sample,
    algorithm), so a row does not depend on the others.

    Parameters
    ----------
    nets : sequence
        Hidden widths h (the (8, h, h, 1) nets), sizes tuples, or nets.
    algorithms : sequence of str, default all of :data:`~gates.channel.algorithms.ALGORITHMS`
        The algorithms to run, by name.
    k, eps, D : as in :func:`~gates.channel.algorithms.step`
        Perturbations per step (8), finite-difference step (1e-4), bits per real number (32).
    samples : int, default 64
        Weight states per net (>= 2, for a standard error).
    seed : int, default 0
        Root seed (>= 0) of the weight states, batches and perturbations.
    batch : int, default 32
        Examples per batch.
    activation : str, default "tanh"
        For nets given by size.
    progress : callable, optional
        Called with 1 after each (net, sample).

    Returns
    -------
    list of dict
        One row per (net, algorithm): net, W, N, algorithm, samples;
        bits_per_weight, ops_per_weight, rate (rate_kind "identity": the
        counting formulas, see :func:`rate_identity`); improvement_ratio (mean
        of (-g . h) / |g|^2), improvement_se, improvement_min / _max,
        improvement_theory (mean over the states of :func:`theory_improvement`
        at their |g|; None for the sign vectors), improvement_dev_se ((mean -
        theory) / se), improvement_fd_dev (largest |finite-difference decrease
        - (-g . h)| / (|g| |h|) over the first 8 states); cos_mean, cos_se, cos_min,
        cos_max, cos_theory, cos_dev_se (global perturbations); grad_sq_mean
        (mean |g|^2, backprop's decrease per unit eta); cos_kind and
        improvement_kind "measured".

    Examples
    --------
    >>> rows = measure([4], ("bp", "pwgr"), samples=4)
    >>> [(r["algorithm"], r["W"], r["rate_kind"], r["improvement_kind"]) for r in rows]
    [('bp', 61, 'identity', 'measured'), ('pwgr', 61, 'identity', 'measured')]

    Backprop's rate is D / 3 bits per operation (D = 32 bits per weight fed
    back, a forward and a backward pass of 3 operations per weight), and its
    cosine with -g is 1:

    >>> bp = rows[0]
    >>> bp["bits_per_weight"], bp["ops_per_weight"], round(bp["rate"], 4), bp["cos_mean"]
    (32.0, 3.0, 10.6667, 1.0)
    """
    algorithms = check_algorithms(algorithms)
    k = check_int(k, "k (perturbations)", lo=1)
    samples = check_int(samples, "samples", lo=2)
    batch = check_int(batch, "batch (examples)", lo=1)
    seed = check_int(seed, "seed", lo=0)
    nets = [as_net(n, activation) for n in nets]
    bits_scale = dict(_bits_scale or {})
    rows = []
    for i, net in enumerate(nets):
        cos = {a: np.empty(samples) for a in algorithms}
        imp = {a: np.empty(samples) for a in algorithms}
        fd_dev = {a: 0.0 for a in algorithms}
        th_imp = {a: np.empty(samples) for a in algorithms}
        gsq = np.empty(samples)
        last = {}
        for s in range(samples):
            init_ss, data_ss, *alg_ss = np.random.SeedSequence([seed, i, s]).spawn(2 + len(ALGORITHMS))
            w = net.init(init_ss)
            X, T = teacher_task(net, batch, data_ss, teacher_seed=seed * 1000 + i)
            _, g = net.gradient(w, X, T)
            gsq[s] = g @ g
            gn = math.sqrt(gsq[s])
            for a in algorithms:
                st = step(a, net, w, X, T, rng=alg_ss[ALGORITHMS.index(a)], eps=eps, k=k, D=D,
                          _bp_noise=_bp_noise if a == "bp" else 0.0, _bits_scale=bits_scale.get(a, 1.0),
                          _palr_per_batch=_palr_per_batch, _unscaled_perturbation=_unscaled_perturbation)
                cos[a][s] = cosine(st, g)
                dec = first_order_decrease(st, g)
                imp[a][s] = dec / gsq[s] if gsq[s] > 0 else 0.0
                bound = gn * float(np.linalg.norm(st.direction))
                if bound > 0 and s < _FD_STATES:  # the error's own decrease along h agrees with -g . h
                    fd_dev[a] = max(fd_dev[a], abs(_decrease_fd(net, w, X, T, st.direction) - dec) / bound)
                th = theory_improvement(a, net.n_weights, k, gn) if gn > 0 else None
                th_imp[a][s] = np.nan if th is None else th
                last[a] = st
            if progress is not None:
                progress(1)
        for a in algorithms:
            st, c, m = last[a], cos[a], imp[a]
            mean, se = float(c.mean()), float(c.std(ddof=1) / math.sqrt(samples))
            imean, ise = float(m.mean()), float(m.std(ddof=1) / math.sqrt(samples))
            th = theory_cos(a, net.n_weights, k)
            ith = None if np.isnan(th_imp[a]).any() else float(th_imp[a].mean())
            rows.append({"net": describe_net(net), "W": net.n_weights, "N": net.n_units, "algorithm": a,
                         "samples": samples, "bits_per_weight": st.bits_per_weight,
                         "ops_per_weight": st.ops_per_weight, "rate": st.rate, "rate_kind": KIND["rate"],
                         "improvement_ratio": imean, "improvement_se": ise, "improvement_min": float(m.min()),
                         "improvement_max": float(m.max()), "improvement_theory": ith,
                         # exact-derivative rows: theory 1 up to the O(eps) finite difference, which se misses
                         "improvement_dev_se": (None if ith is None or ise == 0 or a in EXACT
                                                else (imean - ith) / ise),
                         "improvement_fd_dev": fd_dev[a], "improvement_kind": KIND["improvement"],
                         "cos_mean": mean, "cos_se": se, "cos_min": float(c.min()), "cos_max": float(c.max()),
                         "cos_theory": th,
                         "cos_dev_se": None if th is None or se == 0 or a in EXACT else (mean - th) / se,
                         "cos_kind": KIND["cos"], "grad_sq_mean": float(gsq.mean())})
    return rows


def _fit(x, y, sd=None):
    """Least squares y = slope x + intercept: (slope, slope_se, intercept, r2, weighted, inflated).

    With `sd` (the standard error of each y, all > 0): weighted, weights
    1 / sd^2, slope_se from the weights and inflated by sqrt(chi2 / dof) when
    the points scatter more than their errors say. Otherwise ordinary, the
    slope_se from the residuals."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    weighted = sd is not None and all(np.isfinite(sd)) and all(np.asarray(sd, float) > 0)
    wt = 1.0 / np.asarray(sd, float) ** 2 if weighted else np.ones(n)
    xm, ym = float(wt @ x / wt.sum()), float(wt @ y / wt.sum())
    sxx = float(wt @ (x - xm) ** 2)
    slope = float(wt @ ((x - xm) * (y - ym)) / sxx) if sxx > 0 else 0.0
    intercept = ym - slope * xm
    res = y - (slope * x + intercept)
    ss_res, ss_tot = float(wt @ res ** 2), float(wt @ (y - ym) ** 2)
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res == 0 else 0.0)
    inflated = False
    if n <= 2 or sxx == 0:
        se = float("nan")
    elif weighted:
        inflated = ss_res / (n - 2) > 1.0  # chi2 / dof
        se = math.sqrt(1.0 / sxx) * max(1.0, math.sqrt(ss_res / (n - 2)))
    else:
        se = math.sqrt(ss_res / (n - 2) / sxx)
    return slope, se, float(intercept), r2, weighted, inflated


def fit_exponents(rows, quantity="cos"):
    """Per algorithm, the exponent of W: log y = slope log W + intercept, over the rows' sizes.

    Each fit is labelled by its ``kind``:

    - ``"identity"`` for the rate: bits and operations are counting formulas
      of the sizes (:func:`rate_identity`), so the slope (-1 for the weight
      perturbations, 0 for backprop) and r^2 = 1 follow from the formulas;
      it is not a measurement and gets no interval;
    - ``"measured"`` for the mean cosine and the mean improvement ratio (the
      first-order decrease relative to backprop's at equal eta): averages
      over random weight states and perturbations. Method: weighted least
      squares of log(mean) on log W, weights 1 / s.e.(log mean)^2 (s.e. of
      the mean / mean, the delta method); slope s.e. from the weights,
      inflated by sqrt(chi2 / dof) when the points scatter more than their
      errors; 95% interval slope +- 1.96 s.e. (t with n - 2 dof when
      inflated). Ordinary least squares when a row has no positive s.e.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`measure`.
    quantity : {"cos", "improvement", "rate"}

    Returns
    -------
    list of dict
        algorithm, quantity, kind, method, sizes, W_min, W_max, slope,
        slope_se, ci95 ([lo, hi], None for an identity), intercept, r2,
        predicted (the paper's exponent, or None) and theory_slope (the same
        fit of the exact finite-W theory, where there is one). Rows with a
        non-positive value are left out; an algorithm with fewer than two
        sizes left gets no fit.

    Examples
    --------
    >>> rows = [{"algorithm": "pwgr", "W": W, "cos_mean": 2 * W ** -0.5, "rate": 1 / W} for W in (10, 100, 1000)]
    >>> f = fit_exponents(rows)[0]
    >>> round(f["slope"], 6), f["kind"]
    (-0.5, 'measured')
    >>> fit_exponents(rows, "rate")[0]["kind"]
    'identity'
    """
    if quantity not in QUANTITIES:
        raise InputError(f"quantity {quantity!r} is unknown: allowed {', '.join(QUANTITIES)}")
    key, se_key, th_key = {"cos": ("cos_mean", "cos_se", "cos_theory"),
                           "improvement": ("improvement_ratio", "improvement_se", "improvement_theory"),
                           "rate": ("rate", None, None)}[quantity]
    kind = KIND[quantity]
    out = []
    for a in dict.fromkeys(r["algorithm"] for r in rows):
        rs = [r for r in rows if r["algorithm"] == a and r.get(key) is not None and r[key] > 0]
        Ws = sorted({r["W"] for r in rs})
        if len(Ws) < 2:
            continue
        x = [math.log(r["W"]) for r in rs]
        y = [math.log(r[key]) for r in rs]
        sd = None
        if kind == "measured" and all(r.get(se_key) is not None for r in rs):
            sd = [r[se_key] / r[key] for r in rs]  # s.e. of log(mean), delta method
        slope, se, intercept, r2, weighted, inflated = _fit(x, y, sd)
        theory = None
        if th_key is not None:
            th = [r.get(th_key) for r in rs]
            if all(t is not None and t > 0 for t in th):
                theory = _fit(x, [math.log(t) for t in th])[0]
        if kind == "identity":
            method = "least squares of log(rate) on log W over exact counts (no noise: fixed by the formulas)"
            ci = None
        else:
            if weighted:
                method = ("weighted least squares of log(mean) on log W, weights 1/s.e.(log mean)^2 (delta method)"
                          + ("; s.e. inflated by sqrt(chi2/dof), 95% interval with t(n-2)" if inflated
                             else "; 95% interval +-1.96 s.e."))
            else:
                method = "ordinary least squares of log(mean) on log W, s.e. from the residuals, 95% interval t(n-2)"
            q = 1.959964 if weighted and not inflated else student_t975(len(x) - 2)
            ci = None if not math.isfinite(se) else [slope - q * se, slope + q * se]
        out.append({"algorithm": a, "quantity": quantity, "kind": kind, "method": method, "sizes": len(Ws),
                    "W_min": Ws[0], "W_max": Ws[-1], "slope": slope, "slope_se": se, "ci95": ci,
                    "intercept": intercept, "r2": r2, "predicted": predicted_exponent(a, quantity),
                    "theory_slope": theory})
    return out


def student_t975(dof):
    """The 97.5% quantile of Student's t with `dof` degrees of freedom (scipy); nan for dof < 1.

    Examples
    --------
    >>> round(student_t975(1), 3), round(student_t975(10**6), 3)
    (12.706, 1.96)
    """
    from scipy.special import stdtrit

    return float(stdtrit(dof, 0.975)) if dof >= 1 else float("nan")


# --------------------------------------------------------------------------
# training under one operation budget
# --------------------------------------------------------------------------


def train(net, X, T, algorithms=ALGORITHMS, budget_ops=None, step_length=0.1, seed=0, k=8, eps=1e-4, D=32):
    """Train every algorithm from the same weights with fixed-length steps until its operations reach the budget.

    Each step moves w by s_t direction / |direction| with s_t = step_length /
    sqrt(1 + t / 100) (the same schedule for all); a zero direction leaves w
    where it is but still costs its operations. A step is taken only if it
    fits in what is left of the budget.

    Parameters
    ----------
    net : FeedForward or Recurrent
        The net.
    X, T : numpy.ndarray
        Its (full) training batch: inputs and targets.
    algorithms : sequence of str, default all of :data:`~gates.channel.algorithms.ALGORITHMS`
        The algorithms to run, by name.
    budget_ops : float, optional
        Multiply-adds per example each algorithm may spend (default 3000 W,
        1000 backprop steps).
    step_length : float, default 0.1
        The first step's length s_0, > 0.
    seed : int, default 0
        Seeds the common initial weights and each algorithm's perturbations.
    k, eps, D : as in :func:`~gates.channel.algorithms.step`
        Perturbations per step (8), finite-difference step (1e-4), bits per real number (32).

    Returns
    -------
    dict
        algorithm -> {"ops": array, "error": array, "steps": int}; the first
        point is (0, E(w0)).

    Raises
    ------
    InputError
        For an unknown algorithm, a non-positive budget or step length, or a negative seed.

    Examples
    --------
    >>> from gates.learning.nets.feedforward import FeedForward
    >>> net = FeedForward((3, 4, 1))
    >>> X, T = teacher_task(net, 16, seed=0)
    >>> runs = train(net, X, T, ("bp", "pwgr"), budget_ops=300 * net.n_weights)
    >>> bool(runs["bp"]["error"][-1] < runs["bp"]["error"][0])
    True
    """
    algorithms = check_algorithms(algorithms)
    W = net.n_weights
    budget = 3000.0 * W if budget_ops is None else check_positive(budget_ops, "budget_ops")
    step_length = check_positive(step_length, "step_length")
    seed = check_int(seed, "seed", lo=0)
    init_ss, *alg_ss = np.random.SeedSequence([seed, 0x7A1]).spawn(1 + len(ALGORITHMS))
    w0 = net.init(init_ss)
    E0 = net.error(w0, X, T)
    runs = {}
    for a in algorithms:
        rng = np.random.default_rng(alg_ss[ALGORITHMS.index(a)])
        w, ops, t = w0.copy(), 0.0, 0
        ops_l, err_l = [0.0], [E0]
        while True:
            st = step(a, net, w, X, T, rng=rng, eps=eps, k=k, D=D)
            if ops + st.ops > budget:
                break
            ops += st.ops
            norm = np.linalg.norm(st.direction)
            if norm > 0:
                w = w + (step_length / math.sqrt(1 + t / 100)) * st.direction / norm
            t += 1
            ops_l.append(ops)
            err_l.append(net.error(w, X, T))
        runs[a] = {"ops": np.array(ops_l), "error": np.array(err_l), "steps": t}
    return runs


def thin_indices(n, most=500):
    """At most `most` indices of 0..n-1, log-spaced (for log-log curves), first and last kept.

    Examples
    --------
    >>> thin_indices(5).tolist(), len(thin_indices(10**5)) <= 500
    ([0, 1, 2, 3, 4], True)
    """
    if n <= most:
        return np.arange(n)
    idx = np.unique(np.round(np.geomspace(1, n, most - 1)).astype(int) - 1)
    return np.unique(np.concatenate([[0], idx, [n - 1]]))


def _domination(runs, W):
    """Where some algorithm's error is below backprop's at the same operations
    (backprop's error after its last step that fits in those operations)."""
    if "bp" not in runs:
        return []
    bo, be = runs["bp"]["ops"], runs["bp"]["error"]
    out = []
    for a, r in runs.items():
        if a == "bp" or len(r["ops"]) < 2:
            continue
        ops, err = r["ops"][1:], r["error"][1:]
        bp_at = be[np.searchsorted(bo, ops, side="right") - 1]
        below = err < bp_at * (1 - 1e-9)
        if below.any():
            where = ops[below] / W
            out.append({"algorithm": a, "points": int(below.sum()), "of": int(len(ops)),
                        "ops_per_weight_from": float(where.min()), "ops_per_weight_to": float(where.max()),
                        "best_ratio": float(np.min(err[below] / bp_at[below]))})
    return out


def training_run(net, algorithms, budget, step_length, seed, k, eps, D, examples):
    """One run of :func:`train` on a fresh teacher task, summarised for the study's tables.

    The task has `examples` examples (teacher seed ``seed * 1000 + 999``);
    every algorithm gets `budget` operations per weight per example.

    Parameters
    ----------
    net : FeedForward or Recurrent
        The net.
    algorithms : sequence of str
        The algorithms to run, by name.
    budget : float
        Operations per weight per example.
    step_length : float
        As for :func:`train`.
    seed : int
        Seeds the task, the initial weights and the perturbations.
    k, eps, D : int, float, int
        As for :func:`train`.
    examples : int
        Examples of the teacher task.

    Returns
    -------
    dict
        The run's ``net``, ``W``, ``step_length`` and ``examples``; the
        ``steps``, ``final`` and ``best`` error of each algorithm;
        ``below_bp``, the points where an algorithm's error is below
        backprop's at the same operations (and how many are below backprop's
        best so far); and the ``curves`` (operations per weight, error),
        thinned to at most 500 points each.

    Examples
    --------
    >>> from gates.learning.nets.feedforward import FeedForward
    >>> run = training_run(FeedForward((3, 4, 1)), ("bp",), 300, 0.1, 0, 8, 1e-4, 32, 16)
    >>> run["W"], run["final"]["bp"] < run["curves"]["bp"][0][1]
    (21, True)
    """
    X, T = teacher_task(net, examples, np.random.SeedSequence([seed, 0x7EA]), teacher_seed=seed * 1000 + 999)
    W = net.n_weights
    runs = train(net, X, T, algorithms, budget * W, step_length, seed, k, eps, D)
    below = _domination(runs, W)
    if "bp" in runs:  # against backprop's best error so far: is it only bp's overshooting?
        bo, best = runs["bp"]["ops"], np.minimum.accumulate(runs["bp"]["error"])
        for b in below:
            r = runs[b["algorithm"]]
            at = best[np.searchsorted(bo, r["ops"][1:], side="right") - 1]
            b["points_below_bp_best"] = int((r["error"][1:] < at * (1 - 1e-9)).sum())
    curves = {}
    for a, r in runs.items():
        idx = thin_indices(len(r["ops"]))
        curves[a] = [[float(r["ops"][i] / W), float(r["error"][i])] for i in idx]
    return {"net": describe_net(net), "W": W, "step_length": step_length, "examples": examples,
            "steps": {a: r["steps"] for a, r in runs.items()},
            "final": {a: float(r["error"][-1]) for a, r in runs.items()},
            "best": {a: float(r["error"].min()) for a, r in runs.items()},
            "below_bp": below, "curves": curves}


def significant(x, digits=6):
    """`x` rounded to `digits` significant figures for tables and evidence (a float); None gives "".

    Examples
    --------
    >>> significant(2 / 3), significant(None), significant(7)
    (0.666667, '', 7)
    """
    if x is None:
        return ""
    if isinstance(x, float):
        return float(f"{x:.{digits}g}")
    return x

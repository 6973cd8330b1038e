"""Numerical checks of the paper's theorems, and the registry behind ``gates verify``.

Each check builds the smallest setting in which a theorem of Baldi & Sadowski
(2016) makes a sharp prediction, and measures it. Every check is listed once
in :data:`CHECKS` (name, statement, ``module:function``); ``gates verify``
runs whatever the registry holds, so a new check appears there without
editing the command. A check function takes ``seed`` (and ``slow`` if it has
a heavier variant) and returns ``{"holds": bool, "evidence": {...}}``, plus
optionally ``lines`` (a human summary) and ``table`` (written by ``--out``).

Checks defined here:

* :func:`check_perceptron` -- the perceptron convergence theorem through
  the census: the gradient rule learns exactly the threshold functions.
* :func:`check_hebb_canonical` -- the supervised-Hebb canonical-form
  theorem: the exact (asymptotic) census against simulation.
* :func:`check_counting` -- threshold functions are a vanishing fraction.
* :func:`check_deep_local` -- wraps :func:`deep_local_limit`.

* :func:`deep_local_limit` -- the limits of deep local learning (digest §3):
  a net whose hidden layer learns with an unsupervised local rule and whose
  top learns by gradient descent does not, in all but trivial cases, reach a
  critical point of the error; backpropagation does.

The setting is tiny and pure numpy (float64): all 2^n points of {-1,+1}^n in
kitty order (x_i = +1 iff bit i of the point is 1) plus a bias input 1 as
the last column; targets T_p = +1/-1 from bit p of the table; hidden
H = tanh(W x~), W of shape (h, n+1); linear output y = v . [H, 1]; full-batch
error E = 1/2 sum_p (y_p - T_p)^2.

Notes
-----
On the cube the uncentred input covariance is the identity, so Oja's rule
has no preferred direction; its tanh fixed points are the axes, W_i = a e_k
with a tanh(a) = 1 (a = 1.19968), which the rows approach up to O(eta_h).
Each feature is then tanh(a) x_k, *linear*, and dE/dW_i =
v_i (1 - tanh(a)^2) sum_p r_p x~_p. Least squares makes r orthogonal to the
covered inputs and the bias, so this vanishes iff the target is
uncorrelated with every input no row covers: always for parity, for any
target when the rows cover all n inputs. These are trivial cases of the
theorem, reached as eta_h -> 0; at eta_h = 0.05 the rows sit O(eta_h) off
the axes and such rows keep a hidden gradient of that order (it shrinks
like eta_h), while e.g. majority with an uncovered input keeps a gap of
order 1.
"""

import importlib
import inspect
import math
import time
from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .truth import check_n, from_int, to_hex

__all__ = ["HIDDEN_RULES", "DEEP_LOCAL_TARGETS", "DEEP_LOCAL_EXCEPTIONS",
           "deep_local_limit", "deep_local_table", "theorem_holds",
           "Check", "CHECKS", "check_names", "run_checks", "THRESHOLD_COUNTS",
           "check_perceptron", "check_hebb_canonical", "check_counting", "check_deep_local"]

HIDDEN_RULES = ("oja", "none")
"""Unsupervised rules of the hidden layer; ``none`` keeps random features."""

DEEP_LOCAL_TARGETS = (
    ("xor", 2, 0x6), ("xnor", 2, 0x9), ("and2", 2, 0x8), ("parity3", 3, 0x96),
    ("majority3", 3, 0xE8), ("parity4", 4, 0x6996), ("random4", 4, 0x1EE7),
)
"""(name, n, table): the default targets, each with h = n hidden units."""

DEEP_LOCAL_EXCEPTIONS = (("xor (h=15, random features)", 2, 0x6, 15, "none"),)
"""(name, n, table, h, hidden_rule): the paper's trivial exception. With
h + 1 >= 2^n random features Phi = [H, 1] generically has full row rank, the
top interpolates (E = 0), and then dE/dW = 0 as well: the gap vanishes.
h = 15 rather than the minimal 3: the XOR direction of small random tanh
features is weak (it comes from the curvature of tanh), so a near-square Phi
is ill conditioned and the top stops, at ||dE/dv|| = tol, with ||dE/dW||
up to ~1e-4; 16 features keep it below ~5e-7 (40 seeds)."""

_COLUMNS = (
    "name", "n", "table", "h", "hidden_rule",
    "local_error", "local_grad_hidden", "local_grad_top", "local_steps",
    "local_computes", "local_lstsq_distance",
    "backprop_error", "backprop_grad_hidden", "backprop_grad_top",
    "backprop_steps", "backprop_computes", "local_grad_hidden_eta_4", "trivial", "verdict",
)
_TRIVIAL_ERROR = 1e-10
_GAP = 1e-3  # a hidden gradient above this is not a critical point
_CRITICAL = 1e-5  # backprop's gradient norm below this is one


def _inputs(n):
    """All 2^n points of {-1,+1}^n in kitty order, bias 1 appended: (2^n, n+1)."""
    p = np.arange(1 << n)[:, None]
    x = np.where((p >> np.arange(n)) & 1, 1.0, -1.0)
    return np.hstack([x, np.ones((1 << n, 1))])


def _targets(table, n):
    """T_p = +1 if bit p of `table` is set, else -1."""
    return np.array([1.0 if (table >> p) & 1 else -1.0 for p in range(1 << n)])


def _features(W, X):
    """Phi = [tanh(X W^T), 1], the design matrix of the linear top."""
    return np.hstack([np.tanh(X @ W.T), np.ones((X.shape[0], 1))])


def _error_and_grads(W, v, X, T):
    """E = 1/2 sum_p (y_p - T_p)^2 and its exact gradients (dE/dW, dE/dv)."""
    H = np.tanh(X @ W.T)
    r = H @ v[:-1] + v[-1] - T
    grad_v = np.append(H.T @ r, r.sum())
    # backprop through tanh: delta_pi = r_p v_i (1 - H_pi^2), then outer x~_p
    grad_W = ((r[:, None] * v[None, :-1]) * (1.0 - H**2)).T @ X
    return 0.5 * float(r @ r), grad_W, grad_v


def _oja(W, X, eta, epochs):
    """Oja's rule on the continuous activations, online in cyclic order.

    dW_i = eta (H_i x~ - H_i^2 W_i) per point; the rows are independent
    (no target, no lateral term), so all h are updated at once.
    """
    W = W.copy()
    for _ in range(epochs):
        for x in X:
            H = np.tanh(W @ x)
            W += eta * (H[:, None] * x[None, :] - (H**2)[:, None] * W)
    return W


def _top_gradient(Phi, T, v, tol, max_steps):
    """Full-batch gradient descent on the quadratic E(v) with step 1/L.

    L = lambda_max(Phi^T Phi) is the Lipschitz constant of grad E, so the
    step 1/L decreases the convex E monotonically and converges to the
    least-squares solution nearest v0 (steps Phi^T r never move v along
    null(Phi)). This is the top unit's delta rule summed over an epoch.
    Returns (v, steps).
    """
    A, b = Phi.T @ Phi, Phi.T @ T
    L = np.linalg.eigvalsh(A)[-1]
    for step in range(max_steps):
        g = A @ v - b
        if np.linalg.norm(g) < tol:
            return v, step
        v = v - g / L
    return v, max_steps


def _backprop(W, v, X, T, lr, tol, max_steps, memory=10):
    """Full-batch gradient descent on (W, v) with Barzilai-Borwein steps.

    The step is t = s.s / s.y (s, y: last changes of parameters and gradient;
    `lr` for the first step), accepted under the non-monotone Armijo test
    E(theta - t g) <= max(last `memory` E) - 1e-4 t ||g||^2 and halved until
    it passes (Raydan 1997, global BB). Every step is still along -grad E; it
    needs ~10^2-10^4 steps where a fixed lr needs up to ~10^6 on these
    ill-conditioned nets. Returns (W, v, steps).
    """
    k = W.size

    def f(theta):
        E, gW, gv = _error_and_grads(theta[:k].reshape(W.shape), theta[k:], X, T)
        return E, np.concatenate([gW.ravel(), gv])

    theta = np.concatenate([W.ravel(), v])
    E, g = f(theta)
    t, recent, step = lr, [E], 0  # recent: errors for the non-monotone test
    while step < max_steps and np.linalg.norm(g) >= tol:
        g2, ref = float(g @ g), max(recent[-memory:])
        while True:
            new = theta - t * g
            E1, g1 = f(new)
            if E1 <= ref - 1e-4 * t * g2 or t < 1e-300:
                break
            t *= 0.5
        s, y = new - theta, g1 - g
        # BB1 step; on non-positive curvature double the last accepted step
        t = min(max(float(s @ s) / float(s @ y), 1e-10), 1e10) if s @ y > 0 else 2.0 * t
        theta, g = new, g1
        recent.append(E1)
        step += 1
    return theta[:k].reshape(W.shape), theta[k:], step


def _computes(W, v, X, T):
    """Whether the thresholded net sign(v . [sign(W x~), 1]) equals T (strict)."""
    y = np.sign(X @ W.T) @ v[:-1] + v[-1]
    return bool(np.all(y * T > 0))


def _report(prefix, W, v, X, T, steps):
    E, gW, gv = _error_and_grads(W, v, X, T)
    return {
        f"{prefix}_error": E,
        f"{prefix}_grad_hidden": float(np.linalg.norm(gW)),
        f"{prefix}_grad_top": float(np.linalg.norm(gv)),
        f"{prefix}_steps": int(steps),
        f"{prefix}_computes": _computes(W, v, X, T),
    }


def _count(value, name, lo):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise InputError(f"{name}={value!r} is not allowed: need an integer >= {lo}")
    return int(value)


def _positive(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer)) or not value > 0:
        raise InputError(f"{name}={value!r} is not allowed: need a number > 0")
    return float(value)


def _check_rule(rule):
    if rule not in HIDDEN_RULES:
        raise InputError(f"hidden_rule={rule!r} is unknown: allowed {', '.join(HIDDEN_RULES)}")
    return rule


def _check_target(target, hidden, hidden_rule):
    """(name, n, table, h, rule) from a user tuple, validated."""
    if not isinstance(target, (tuple, list)) or len(target) not in (3, 5):
        raise InputError(f"target {target!r} is not allowed: need (name, n, table) "
                         "or (name, n, table, h, hidden_rule)")
    name, n, table = target[:3]
    n = check_n(n, 1, 6, "deep_local_limit")
    if isinstance(table, bool) or not isinstance(table, (int, np.integer)) \
            or not 0 <= table < 1 << (1 << n):
        raise InputError(f"table={table!r} does not fit n={n}: allowed 0 <= table < 2^{1 << n}")
    h, rule = target[3:] if len(target) == 5 else (n if hidden is None else hidden, hidden_rule)
    return str(name), n, int(table), _count(h, "hidden", 1), _check_rule(rule)


def deep_local_limit(targets=None, hidden=None, seed=0, hidden_rule="oja", eta_hidden=0.05,
                     hidden_epochs=500, tol=1e-8, top_steps=1_000_000, lr=0.02,
                     backprop_steps=200_000):
    """Check that deep local learning stops short of a critical point of E.

    For each target, a net of h tanh hidden units and a linear output starts
    from one random (W0, v0) and is trained twice:

    * ``local``: the hidden layer learns with `hidden_rule` (Oja's rule,
      online, cyclic order, constant `eta_hidden`, `hidden_epochs` epochs;
      ``"none"`` keeps W0), is frozen, and the top learns by full-batch
      gradient descent with step 1/lambda_max(Phi^T Phi) until
      ||dE/dv|| < `tol`;
    * ``backprop``: full-batch gradient descent on (W, v) with
      Barzilai-Borwein steps and a non-monotone Armijo safeguard (first
      step `lr`) until ||(dE/dW, dE/dv)|| < `tol`.

    The theorem (digest §3) predicts local_grad_top ~ 0 but
    local_grad_hidden > 0 (not a critical point) unless the case is trivial,
    while backprop reaches ~0 for both.

    Parameters
    ----------
    targets : list of tuple, optional
        ``(name, n, table)`` with 1 <= n <= 6 and `table` an int whose bit p
        is f(point p), or ``(name, n, table, h, hidden_rule)`` to override
        both per target. Default: :data:`DEEP_LOCAL_TARGETS` followed by
        :data:`DEEP_LOCAL_EXCEPTIONS`.
    hidden : int, optional
        Hidden units h for 3-tuples; default h = n, enough for threshold
        units to compute parity of n, the hardest default target (the
        trivial exception needs h + 1 >= 2^n instead).
    seed : None, int or numpy.random.Generator
        Draws W0 ~ N(0, 1/(n+1)) then v0 ~ N(0, 1/(h+1)) per target, in order.
    hidden_rule : {"oja", "none"}
        Rule of the hidden layer for 3-tuples.
    eta_hidden : float
        Oja learning rate (constant).
    hidden_epochs : int
        Oja epochs over the 2^n points.
    tol : float
        Gradient-norm threshold of both methods.
    top_steps, backprop_steps : int
        Step caps of the top's descent and of backprop.
    lr : float
        First step of backprop (later steps are Barzilai-Borwein).

    Returns
    -------
    list of dict
        One row per target with keys ``name, n, table`` (kitty hex),
        ``h, hidden_rule``; for prefixes ``local_`` and ``backprop_``:
        ``error, grad_hidden, grad_top`` (Frobenius/2-norms), ``steps``
        (descent steps of the top, resp. of backprop), ``computes`` (the
        thresholded net computes the target); ``local_lstsq_distance``
        (distance of v from the least-squares solution set, via
        np.linalg.lstsq); ``local_grad_hidden_eta_4`` (the hidden gradient
        with eta_hidden / 4 and 4x the epochs); ``trivial`` (local_error <
        1e-10: the gap vanishes); ``verdict`` (the row in the theorem's terms).

    Raises
    ------
    InputError
        For n outside 1..6, a table outside [0, 2^(2^n)), an unknown
        hidden rule, h < 1, or non-positive rates or tolerances.

    Examples
    --------
    >>> from gates.theorems import deep_local_limit
    >>> row, = deep_local_limit([("xor", 2, 0x6)], top_steps=20_000)
    >>> row["table"], row["local_error"] > 0.1, row["local_grad_hidden"] > 1e-3
    ('6', True, True)
    >>> row["backprop_error"] < 1e-12, row["backprop_computes"]
    (True, True)
    """
    eta_hidden, tol, lr = (_positive(eta_hidden, "eta_hidden"), _positive(tol, "tol"),
                           _positive(lr, "lr"))
    hidden_epochs = _count(hidden_epochs, "hidden_epochs", 0)
    top_steps = _count(top_steps, "top_steps", 0)
    backprop_steps = _count(backprop_steps, "backprop_steps", 0)
    if targets is None:
        targets = DEEP_LOCAL_TARGETS + DEEP_LOCAL_EXCEPTIONS
    hidden = None if hidden is None else _count(hidden, "hidden", 1)
    jobs = [_check_target(t, hidden, _check_rule(hidden_rule)) for t in targets]
    rng = np.random.default_rng(seed)
    rows = []
    for name, n, table, h, rule in jobs:
        X, T = _inputs(n), _targets(table, n)
        W0 = rng.normal(0.0, np.sqrt(1.0 / (n + 1)), (h, n + 1))
        v0 = rng.normal(0.0, np.sqrt(1.0 / (h + 1)), h + 1)
        W = _oja(W0, X, eta_hidden, hidden_epochs) if rule == "oja" else W0
        Phi = _features(W, X)
        v, steps = _top_gradient(Phi, T, v0, tol, top_steps)
        # distance to the solution set v_ls + null(Phi): project v - v_ls on row(Phi)
        v_ls = np.linalg.lstsq(Phi, T, rcond=None)[0]
        gap = np.linalg.lstsq(Phi, Phi @ (v - v_ls), rcond=None)[0]
        row = {"name": name, "n": n, "table": to_hex(from_int(table, n), n),
               "h": h, "hidden_rule": rule}
        row.update(_report("local", W, v, X, T, steps))
        row["local_lstsq_distance"] = float(np.linalg.norm(gap))
        Wb, vb, steps = _backprop(W0, v0, X, T, lr, tol, backprop_steps)
        row.update(_report("backprop", Wb, vb, X, T, steps))
        # the same with eta_hidden / 4: a gap that only comes from the finite
        # rate (Oja's rows O(eta) off their fixed points) shrinks about 4x
        small = row["local_grad_hidden"]
        if rule == "oja":
            W4 = _oja(W0, X, eta_hidden / 4, hidden_epochs * 4)
            v4, _ = _top_gradient(_features(W4, X), T, v0, tol, top_steps)
            small = float(np.linalg.norm(_error_and_grads(W4, v4, X, T)[1]))
        row["local_grad_hidden_eta_4"] = small
        row["trivial"] = row["local_error"] < _TRIVIAL_ERROR
        row["verdict"] = _verdict(row)
        rows.append(row)
    return rows


def _verdict(row):
    """Where deep local learning stopped, in the theorem's terms."""
    if row["trivial"]:
        return "trivial: E = 0, so dE/dW = 0 (no gap)"
    g, g4 = row["local_grad_hidden"], row["local_grad_hidden_eta_4"]
    if row["hidden_rule"] == "none":
        return "not a critical point" if g > _GAP else "at a critical point"
    if g > _GAP and g4 > 0.5 * g:
        return "not a critical point (gap persists as eta -> 0)"
    if g > _GAP:
        return "tends to a critical point as eta -> 0 (trivial case: no learnt feature correlates with the error)"
    return "at a critical point (trivial case)"


def theorem_holds(rows):
    """The demonstration's verdict: backprop reaches a critical point with no
    more error than local learning on every target, and local learning
    stops short of one (a persisting gap) on at least one non-trivial target.
    """
    bp = all(r["backprop_grad_hidden"] < _CRITICAL and r["backprop_grad_top"] < _CRITICAL
             and r["backprop_error"] <= r["local_error"] + 1e-12 for r in rows)
    gap = any(r["verdict"].startswith("not a critical") for r in rows)
    return bool(bp and gap)


def deep_local_table(rows):
    """Header and rows of :func:`deep_local_limit` results, for printing or writing.

    Numbers stay numbers (floats for errors and norms, ints for n, h and
    steps, bools for flags); formatting is the writer's job.

    Examples
    --------
    >>> from gates.theorems import deep_local_limit, deep_local_table
    >>> header, table = deep_local_table(deep_local_limit([("and2", 2, 0x8)]))
    >>> header[:3], table[0][:3]
    (['name', 'n', 'table'], ['and2', 2, '8'])
    """
    return list(_COLUMNS), [[row[k] for k in _COLUMNS] for row in rows]


# --------------------------------------------------------------------------
# the registry behind `gates verify`
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One theorem check: its name, the statement it tests, and where it lives."""

    name: str
    statement: str
    target: str  # "module:function"

    def function(self):
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)


CHECKS = (
    Check("perceptron", "The gradient (perceptron) rule teaches one threshold gate exactly the threshold "
          "functions: every one of them, and nothing else (perceptron convergence theorem).",
          "gates.theorems:check_perceptron"),
    Check("hebb-canonical", "Clamped (supervised) simple Hebb learns a training set iff every canonical "
          "example c_k = T_k x~_k has a positive dot product with their sum (canonical-form theorem): the "
          "exact asymptotic verdict agrees with simulation.", "gates.theorems:check_hebb_canonical"),
    Check("supervised-hebb", "The canonical-form cosine condition predicts exactly which of the paper's "
          "datasets (random separable, orthogonal, common orthant) supervised simple Hebb learns.",
          "gates.single_unit:check_supervised_hebb"),
    Check("linear-dynamics", "On a linear unit: simple Hebb aligns with the principal direction and its norm "
          "diverges; Oja converges to the unit principal eigenvector; the delta rule converges to least "
          "squares; degree <= 1 recurrences and Riccati equations have exact solutions.",
          "gates.linear:check_linear_dynamics"),
    Check("counting", "Threshold functions are a vanishing fraction of all functions: log2 of their number "
          "grows like n^2 (at most log2 C(2^n, n+1), Cover), while log2 of all functions is 2^n.",
          "gates.theorems:check_counting"),
    Check("deep-local", "Deep local learning (unsupervised hidden rule, supervised top) stops short of a "
          "critical point of the error except in trivial cases; backprop reaches one.",
          "gates.theorems:check_deep_local"),
    Check("hopfield", "Hopfield storage by simple Hebb commutes with every isometry of the cube (the "
          "orientation is invariant), and no other degree-2 symmetric rule does.",
          "gates.hopfield:check_hopfield"),
    Check("channel", "Backpropagation has the highest learning-channel rate (bits fed back per weight per "
          "operation) and the best improvement per step at every network size; the perturbation algorithms "
          "fall behind by factors that grow with the number of weights W.", "gates.channel:check_channel"),
)


def check_names():
    return tuple(c.name for c in CHECKS)


def run_checks(names=None, seed=0, slow=False, options=None, progress=None):
    """Run registered checks (all when `names` is None); one result dict per check.

    Each result has name, statement, holds, evidence, seconds (and lines /
    table when the check gives them). A check that raises is a failure,
    with the error recorded, not an abort: the other checks still run.
    """
    by_name = {c.name: c for c in CHECKS}
    names = list(by_name) if not names else list(names)
    for name in names:
        if name not in by_name:
            raise InputError(f"theorem {name!r} is unknown: allowed {', '.join(by_name)}")
    out = []
    for name in names:
        c = by_name[name]
        fn = c.function()
        params = inspect.signature(fn).parameters
        kwargs = {"seed": seed}
        if "slow" in params:
            kwargs["slow"] = slow
        for k, v in (options or {}).get(name, {}).items():
            if k in params:
                kwargs[k] = v
        t0 = time.perf_counter()
        try:
            res = fn(**kwargs)
        except InputError:
            raise
        except Exception as exc:  # a broken check fails loudly, the others still run
            res = {"holds": False, "evidence": {"error": f"{type(exc).__name__}: {exc}"}}
        out.append({"name": name, "statement": c.statement, "holds": bool(res["holds"]),
                    "evidence": res.get("evidence", {}), "lines": res.get("lines", []),
                    "table": res.get("table"), "seconds": round(time.perf_counter() - t0, 2)})
        if progress is not None:
            progress(1)
    return out


THRESHOLD_COUNTS = (2, 4, 14, 104, 1882, 94572, 15028134, 8378070864, 17561539552946, 144130531453121108)
"""Threshold functions of n = 0..9 inputs (OEIS A000609), for the checks."""


def check_perceptron(seed=0, slow=False):
    """Gradient rule census: n <= 4 exhaustively (every function trained), n = 5, 6
    (and 7 when `slow`) on threshold NP classes; compared with OEIS A000609."""
    from .census import shallow_census
    from .protocol import Protocol

    proto = Protocol(seed=seed)
    rows = []
    for n in range(1, 5):
        res = shallow_census("all", n, "gradient", protocol=proto, exhaustive=True)
        learnt = res.successes > 0
        rows.append({"n": n, "reduction": "every function trained", "learnable": res.learnable,
                     "oeis": THRESHOLD_COUNTS[n], "non_threshold_learnt": int((learnt & ~res.is_threshold).sum()),
                     "threshold_missed": int((~learnt & res.is_threshold).sum())})
    for n in range(5, 8 if slow else 7):
        res = shallow_census("threshold", n, "gradient", protocol=proto, classes="np")
        rows.append({"n": n, "reduction": res.reduction, "learnable": res.learnable,
                     "oeis": THRESHOLD_COUNTS[n], "non_threshold_learnt": 0,
                     "threshold_missed": int(res.weights[res.successes == 0].sum()) // max(res.members, 1)})
    holds = all(r["learnable"] == r["oeis"] and not r["non_threshold_learnt"] and not r["threshold_missed"]
                for r in rows)
    lines = [f"n = {r['n']}: learnt {r['learnable']:,} = OEIS A000609 {r['oeis']:,}"
             f"{'' if r['learnable'] == r['oeis'] else ' (MISMATCH)'}; {r['reduction']}" for r in rows]
    lines.append("beyond n = 4 only threshold functions are trained: one gate computes nothing else")
    return {"holds": holds, "evidence": {"rows": rows, "protocol": proto.to_dict()}, "lines": lines}


def check_hebb_canonical(seed=0, slow=False):
    """Exact (asymptotic) clamped-Hebb census against simulation, every function of n <= 4 (5 when slow)."""
    from .census import shallow_census
    from .protocol import Protocol

    # epochs long enough that the initial weights no longer decide (digest §2)
    proto = Protocol(seed=seed, epochs=200)
    rows = []
    for n in range(1, 6 if slow else 5):
        # n = 5: every threshold function (a simulated seed's verdict is not a class function)
        kw = {"exhaustive": True} if n <= 4 else {}
        fam = "all" if n <= 4 else "threshold"
        ex = shallow_census(fam, n, "hebb", mode="exact", protocol=proto, **kw)
        sim = shallow_census(fam, n, "hebb", protocol=proto, **kw)
        from .protocol import _exact_many

        status = np.empty(len(ex.tables), dtype=np.int8)
        _exact_many(np.ascontiguousarray(ex.tables), proto.inputs(n), True, False, status)
        learnt = sim.successes > 0
        always = sim.successes == proto.restarts
        w = ex.weights
        rows.append({"n": n, "functions": int(w.sum()), "exact_learnt": int(w[status == 1].sum()),
                     "exact_ties": int(w[status == 0].sum()),
                     "sim_learnt": int(w[learnt].sum()),
                     "exact_learnt_sim_always": int(w[(status == 1) & always].sum()),
                     "exact_not_learnt_sim_learnt": int(w[(status == -1) & learnt].sum())})
    holds = all(r["exact_learnt"] == r["exact_learnt_sim_always"] and r["exact_not_learnt_sim_learnt"] == 0
                for r in rows)
    lines = [f"n = {r['n']}: condition holds for {r['exact_learnt']:,} functions, all learnt in every restart: "
             f"{r['exact_learnt_sim_always']:,}; condition fails: learnt {r['exact_not_learnt_sim_learnt']} "
             f"times; {r['exact_ties']:,} ties (margin exactly 0, decided by the start)"
             + ("; threshold functions only (a gate learns no other)" if r["n"] > 4 else "") for r in rows]
    return {"holds": holds, "evidence": {"rows": rows, "protocol": proto.to_dict()}, "lines": lines}


def check_counting(seed=0, slow=False):
    """log2 of the threshold count against n^2, 2^n and Cover's bound C(2^n, n+1)."""
    from .families import count_functions

    top = 7 if slow else 6
    rows = []
    for n in range(1, 10):
        counted = count_functions("threshold", n)[0] if n <= top else None
        t = THRESHOLD_COUNTS[n]
        # Cover (1965): at most 2 sum_{k<=n} C(P-1, k) dichotomies of P = 2^n points in general
        # position are separable by a hyperplane in n + 1 dimensions (with the bias)
        cover = 2 * sum(math.comb((1 << n) - 1, k) for k in range(n + 1))
        rows.append({"n": n, "threshold": t, "computed": counted, "log2_threshold": round(math.log2(t), 3),
                     "n_squared": n * n, "log2_cover_bound": round(math.log2(cover), 3), "log2_all": 1 << n,
                     "ratio_to_n2": round(math.log2(t) / (n * n), 4),
                     "log2_fraction": round(math.log2(t) - (1 << n), 3)})
    holds = (all(r["computed"] in (None, r["threshold"]) for r in rows)
             and all(r["threshold"] <= 2 * sum(math.comb((1 << r["n"]) - 1, k) for k in range(r["n"] + 1))
                     for r in rows)
             and all(a["log2_fraction"] > b["log2_fraction"] for a, b in zip(rows, rows[1:])))
    lines = [f"{'n':>2}{'log2 T(n)':>11}{'n^2':>5}{'log2 Cover':>12}{'2^n':>5}{'log2 T/n^2':>12}"
             f"{'log2 fraction':>15}  source"]
    lines += [f"{r['n']:>2}{r['log2_threshold']:>11.2f}{r['n_squared']:>5}{r['log2_cover_bound']:>12.2f}"
              f"{r['log2_all']:>5}{r['ratio_to_n2']:>12.3f}{r['log2_fraction']:>15.1f}  "
              + ("counted here = OEIS" if r["computed"] == r["threshold"] else
                 "COUNTED " + str(r["computed"]) if r["computed"] is not None else "OEIS A000609")
              for r in rows]
    header = list(rows[0])
    table = ("counting_bound", header, [[r[k] for k in header] for r in rows],
             "Threshold functions are a vanishing fraction",
             f"log2 of the number T(n) of threshold functions (OEIS A000609; counted here for n <= {top}) "
             "against n^2, Cover's bound C(2^n, n+1) and 2^n (all functions).")
    return {"holds": holds, "evidence": {"rows": rows}, "lines": lines, "table": table}


def check_deep_local(seed=0, hidden_rule="both"):
    """:func:`deep_local_limit` over the default targets (Oja and fixed hidden layers)."""
    rules = ("oja", "none") if hidden_rule == "both" else (hidden_rule,)
    rows = []
    for i, rule in enumerate(rules):
        targets = DEEP_LOCAL_TARGETS + (DEEP_LOCAL_EXCEPTIONS if i == len(rules) - 1 else ())
        rows += deep_local_limit(targets, seed=seed, hidden_rule=rule)
    holds = theorem_holds(rows)
    lines = [f"{r['name']:<30} n={r['n']} h={r['h']:<3} {r['hidden_rule']:<5} local E {r['local_error']:.3g}, "
             f"|dE/dW| {r['local_grad_hidden']:.3g}; backprop E {r['backprop_error']:.3g}, "
             f"|dE/dW| {r['backprop_grad_hidden']:.3g}: {r['verdict']}" for r in rows]
    header, table = deep_local_table(rows)
    return {"holds": holds, "evidence": {"rows": rows, "hidden_rules": list(rules)}, "lines": lines,
            "table": ("deep_local", header, table, "Deep local learning stops short of critical points",
                      "Two-layer tanh net, linear output, E = 1/2 sum (y - T)^2 on all 2^n inputs. local: hidden "
                      "layer by an unsupervised rule (or fixed), top by gradient descent to convergence; "
                      "backprop: both layers by gradient descent from the same start.")}

"""Numerical checks of the paper's theorems.

Each check builds the smallest setting in which a theorem of Baldi & Sadowski
(2016) makes a sharp prediction, and measures it. This is the first of them;
more will be added later.

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

import numpy as np

from .errors import InputError
from .truth import check_n, from_int, to_hex

__all__ = ["HIDDEN_RULES", "DEEP_LOCAL_TARGETS", "DEEP_LOCAL_EXCEPTIONS",
           "deep_local_limit", "deep_local_table", "theorem_holds"]

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

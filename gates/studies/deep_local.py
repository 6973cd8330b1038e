"""The limits of deep local learning (Baldi & Sadowski 2016, the section on deep local learning), measured.

The claim: a net whose hidden layer learns by an unsupervised local rule and
whose top learns by gradient descent does not, in all but trivial cases,
stop at a critical point of the error; backpropagation does.

The setting is chosen so that the unsupervised phase has one answer, known
before any target is seen:

* **Inputs.** All 2^n points of {-1,+1}^n, weighted by a *skewed product
  distribution*: bit i is +1 with probability q_i (default q = 0.9, 0.75,
  0.6, ... , distinct and away from 1/2). The uniform cube would not do: its
  uncentred covariance is the identity, so Oja's rule has no preferred
  direction and every input axis is a fixed point (the rows land wherever
  they start, and the "gap" then depends on where they landed).
* **Hidden layer.** h = n tanh units with local receptive fields (unit i
  sees inputs i and i+1 mod n, and the bias). Each learns by Oja's rule on
  its own output, dw = eta (H x~ - H^2 w), H = tanh(w . x~), in its
  expected (averaged, small-eta) form. On these inputs each unit has one
  stable fixed point up to sign; the study measures this from `starts`
  random starts per unit. Because the features depend on the input
  statistics alone, they are the same for every target.
* **Top.** A linear unit y = v . [H, 1], trained by gradient descent on
  E = 1/2 sum_p pi_p (y_p - T_p)^2 to convergence. Gradient descent on this
  quadratic from v0 converges to the least-squares solution nearest v0
  (its steps never leave v0 + row(Phi)), which is computed directly.
* **Trivial cases are decided first.** A target is trivial when it lies in
  the span of the learnt features, i.e. the weighted least-squares residual
  of T on Phi = [H, 1] is below `trivial_tol` relative to |T|. Then E = 0
  and dE/dW = 0: no gap is possible. This is decided from the features
  alone, before the gradients are looked at.
* **Backprop** from the same start (W0, v0): full-batch gradient descent on
  all weights with Barzilai-Borwein steps and a non-monotone Armijo
  safeguard (Raydan 1997), compiled, until |grad E| < `tol`.

The theorem holds here when every non-trivial target leaves
|dE/dW_hidden| >= `critical` at the deep-local fixed point, and backprop
ends at a critical point (|grad E| < `critical`, default 1e-6) on every
target.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from gates._validate import is_int
from gates.errors import InputError, check_mutant
from gates.boolean.truth import check_n

__all__ = ["DEFAULT_Q", "skewed_inputs", "receptive_fields", "oja_fixed_point", "deep_local_study",
           "deep_local_rows", "MUTANTS", "backprop", "backprop_many_targets", "error_grads", "top_limit"]

DEFAULT_Q = (0.9, 0.75, 0.6, 0.85, 0.7)
"""P(x_i = +1) of the skewed input distribution, per input (the first n are used)."""

MUTANTS = {
    "hidden-gets-error": "the hidden layer learns from the backpropagated error (gradient descent on E) instead "
                         "of Oja's rule, so the deep-local net is backprop and must reach a critical point",
}

_COLUMNS = ("set", "target", "n", "trivial", "residual", "local_error", "local_grad_hidden", "local_grad_top",
            "backprop_error", "backprop_grad", "backprop_steps", "gap", "backprop_critical")


def skewed_inputs(n, q=None):
    """All 2^n points of {-1,+1}^n (kitty order, bias 1 appended) and their probabilities.

    Bit i of point p is input i (+1 when set); pi_p = prod_i q_i or 1 - q_i.

    Returns
    -------
    X : (2^n, n + 1) float64
    pi : (2^n,) float64, summing to 1
    q : tuple of float
    """
    n = check_n(n, 2, 6, "the deep-local study")
    q = DEFAULT_Q[:n] if q is None else tuple(float(v) for v in q)
    if len(q) != n or not all(0.0 < v < 1.0 for v in q):
        raise InputError(f"q={q!r} is not allowed: need {n} probabilities strictly between 0 and 1")
    bits = (np.arange(1 << n)[:, None] >> np.arange(n)) & 1
    X = np.hstack([np.where(bits, 1.0, -1.0), np.ones((1 << n, 1))])
    pi = np.prod(np.where(bits, np.array(q), 1.0 - np.array(q)), axis=1)
    return X, pi, q


def receptive_fields(n):
    """(n, n + 1) 0/1 mask: unit i sees inputs i, i + 1 (mod n) and the bias."""
    mask = np.zeros((n, n + 1))
    for i in range(n):
        mask[i, [i, (i + 1) % n, n]] = 1.0
    return mask


def oja_fixed_point(X, pi, mask, w0, max_iter=200_000, step=0.5):
    """Expected tanh-Oja dynamics dw = E[H x~] - E[H^2] w (masked), iterated to convergence.

    Returns (w, converged). The fixed points satisfy E[H x~] = E[H^2] w, the
    averaged form of Oja's rule on the unit's own output (Oja 1982; Baldi & Sadowski 2016).
    """
    w = np.asarray(w0, dtype=np.float64) * mask
    for _ in range(max_iter):
        H = np.tanh(X @ w)
        new = w + step * ((pi * H) @ X - (pi @ (H * H)) * w) * mask
        if np.max(np.abs(new - w)) < 1e-15:
            return new, True
        w = new
    return w, False


def _canonical_sign(w):
    """w and -w are the same feature up to the top's sign: pick the one whose largest entry is positive."""
    k = int(np.argmax(np.abs(w)))
    return w if w[k] >= 0 else -w


@njit(cache=True, nogil=True)
def _grads(W, v, X, pi, T, mask, gW, gv, Hp):
    """Weighted error E = 1/2 sum pi r^2 and its gradients into gW, gv; Hp: (h,) scratch (compiled)."""
    P, h = X.shape[0], W.shape[0]
    E = 0.0
    gW[:] = 0.0
    gv[:] = 0.0
    for p in range(P):
        y = v[h]
        for i in range(h):
            s = 0.0
            for j in range(X.shape[1]):
                s += W[i, j] * X[p, j]
            Hp[i] = np.tanh(s)
            y += v[i] * Hp[i]
        r = y - T[p]
        E += 0.5 * pi[p] * r * r
        pr = pi[p] * r
        gv[h] += pr
        for i in range(h):
            gv[i] += pr * Hp[i]
            d = pr * v[i] * (1.0 - Hp[i] * Hp[i])  # backprop through tanh
            for j in range(X.shape[1]):
                gW[i, j] += d * X[p, j] * mask[i, j]
    return E


@njit(cache=True, nogil=True)
def backprop(W0, v0, X, pi, T, mask, tol, max_steps, memory):
    """Full-batch gradient descent on (W, v), Barzilai-Borwein steps with the
    non-monotone Armijo test of Raydan (1997). Returns (W, v, steps).

    Compiled with numba (no GIL); expects checked float64 arrays. Not the shared
    feed-forward backprop (:mod:`gates.learning.nets`): it descends to a critical point
    (|grad E| < tol) of the pi-weighted error of a receptive-field-masked net, with
    adaptive steps, which a fixed-rate backprop does not reach in bounded time.
    """
    W, v = W0.copy(), v0.copy()
    gW, gv = np.empty_like(W), np.empty_like(v)
    nW, nv = np.empty_like(W), np.empty_like(v)
    hW, hv = np.empty_like(W), np.empty_like(v)
    Hp = np.empty(W.shape[0])
    E = _grads(W, v, X, pi, T, mask, gW, gv, Hp)
    recent = np.full(memory, -np.inf)
    recent[0] = E
    t, step = 0.1, 0
    while step < max_steps:
        g2 = np.sum(gW * gW) + np.sum(gv * gv)
        if np.sqrt(g2) < tol:
            break
        ref = np.max(recent)
        while True:
            nW[:] = W - t * gW
            nv[:] = v - t * gv
            E1 = _grads(nW, nv, X, pi, T, mask, hW, hv, Hp)
            if E1 <= ref - 1e-4 * t * g2 or t < 1e-300:
                break
            t *= 0.5
        sy = -t * (np.sum(gW * (hW - gW)) + np.sum(gv * (hv - gv)))
        ss = t * t * g2
        t = min(max(ss / sy, 1e-10), 1e10) if sy > 0 else 2.0 * t
        W[:], v[:] = nW, nv
        gW[:], gv[:] = hW, hv
        step += 1
        recent[step % memory] = E1
    return W, v, step


def backprop_many_targets(W0s, v0s, X, pi, Ts, mask, tol, max_steps, workers=None):
    """:func:`backprop` for every target (rows of Ts), in threads (the kernel releases the GIL).

    Each target's run is independent and deterministic, so the result does
    not depend on the number of threads.
    """
    Wb, vb = np.empty_like(W0s), np.empty_like(v0s)
    steps = np.empty(Ts.shape[0], dtype=np.int64)

    def run(k):
        Wb[k], vb[k], steps[k] = backprop(W0s[k], v0s[k], X, pi, Ts[k], mask, tol, max_steps, 10)

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        list(pool.map(run, range(Ts.shape[0])))
    return Wb, vb, steps


def error_grads(W, v, X, pi, T, mask):
    """The pi-weighted error E of the masked tanh net (W, v) on (X, T) and its gradients (E, dE/dW, dE/dv)."""
    gW, gv = np.empty_like(W), np.empty_like(v)
    E = _grads(W, v, X, pi, T, mask, gW, gv, np.empty(W.shape[0]))
    return E, gW, gv


def top_limit(Phi, pi, T, v0):
    """The limit of gradient descent on the weighted quadratic from v0, and the relative residual."""
    s = np.sqrt(pi)
    A, b = Phi * s[:, None], T * s
    v_ls = np.linalg.lstsq(A, b, rcond=None)[0]
    v = v_ls + v0 - np.linalg.pinv(A) @ (A @ v0)
    residual = float(np.linalg.norm(A @ v_ls - b) / np.linalg.norm(b))
    return v, residual


def _teacher_targets(n, count, rng, hidden=3):
    """Targets of random two-layer threshold teachers on all 2^n points (+-1)."""
    X = np.hstack([np.where((np.arange(1 << n)[:, None] >> np.arange(n)) & 1, 1.0, -1.0), np.ones((1 << n, 1))])
    out = []
    for _ in range(count):
        U = rng.normal(size=(hidden, n + 1))
        a = rng.normal(size=hidden + 1)
        s = np.sign(X @ U.T)
        s[s == 0] = 1.0
        y = s @ a[:-1] + a[-1]
        out.append(np.where(y > 0, 1.0, -1.0))
    return out


def deep_local_rows(n, targets, names, seed, q=None, starts=20, tol=1e-6, max_steps=1_000_000,
                    trivial_tol=1e-9, mutant=None):
    """One row per target for one input size: the deep-local fixed point and backprop.

    Returns (rows, setting) where setting describes the inputs, the hidden
    fixed points and their uniqueness over `starts` random starts.
    """
    check_mutant(mutant, MUTANTS)
    X, pi, q = skewed_inputs(n, q)
    mask = receptive_fields(n)
    h = n
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 15, n]))
    # the unsupervised phase: one fixed point per unit, whatever the start
    W_star, spread, converged = np.zeros((h, n + 1)), 0.0, True
    for i in range(h):
        sols = []
        for _ in range(starts):
            w, ok = oja_fixed_point(X, pi, mask[i], rng.normal(0.0, 1.0, n + 1))
            converged &= ok
            sols.append(_canonical_sign(w))
        sols = np.array(sols)
        spread = max(spread, float(np.max(np.abs(sols - sols[0]))))
        W_star[i] = sols[0]
    Phi = np.hstack([np.tanh(X @ W_star.T), np.ones((1 << n, 1))])
    starts_W, starts_v = [], []
    for _ in targets:  # N(0, 1/fan-in): each hidden unit sees 2 inputs and the bias
        starts_W.append(rng.normal(0.0, np.sqrt(1.0 / 3.0), (h, n + 1)) * mask)
        starts_v.append(rng.normal(0.0, np.sqrt(1.0 / (h + 1)), h + 1))
    W0s, v0s = np.array(starts_W), np.array(starts_v)
    Ts = np.ascontiguousarray(np.array(targets, dtype=np.float64))
    Wb, vb, steps = backprop_many_targets(W0s, v0s, X, pi, Ts, mask, tol, max_steps)
    rows = []
    for k, (name, T) in enumerate(zip(names, targets)):
        if mutant == "hidden-gets-error":
            # the mutant: the hidden layer descends the error too (no Oja), so the net is backprop
            Wk, vk = Wb[k], vb[k]
            residual = top_limit(np.hstack([np.tanh(X @ Wk.T), np.ones((1 << n, 1))]), pi, T, v0s[k])[1]
        else:
            Wk = W_star
            vk, residual = top_limit(Phi, pi, T, v0s[k])
        trivial = residual < trivial_tol  # decided from the features, before any gradient is read
        E, gW, gv = error_grads(Wk, vk, X, pi, T, mask)
        Eb, gWb, gvb = error_grads(Wb[k], vb[k], X, pi, T, mask)
        rows.append({"target": name, "n": n, "trivial": bool(trivial), "residual": residual,
                     "local_error": float(E), "local_grad_hidden": float(np.linalg.norm(gW)),
                     "local_grad_top": float(np.linalg.norm(gv)), "backprop_error": float(Eb),
                     "backprop_grad": float(np.sqrt(np.sum(gWb**2) + np.sum(gvb**2))),
                     "backprop_steps": int(steps[k])})
    setting = {"n": n, "q": list(q), "hidden": h, "receptive_fields": mask[:, :n].astype(int).tolist(),
               "fixed_point": W_star.round(12).tolist(), "starts_per_unit": starts,
               "fixed_point_spread": spread, "fixed_point_converged": bool(converged),
               "input_probabilities": pi.tolist()}
    return rows, setting


def deep_local_study(n=3, teachers=20, teacher_n=5, seed=0, critical=1e-6, starts=20,
                     mutant=None):
    """All 2^(2^n) targets of n inputs and `teachers` random teacher nets on `teacher_n` inputs.

    Parameters
    ----------
    n : int
        Inputs of the exhaustive part (2 or 3; 3 gives all 256 functions).
    teachers : int
        Random two-layer threshold teachers (3 hidden units, N(0, 1) weights).
    teacher_n : int
        Inputs of the teacher part (2..6).
    seed : None or int
        Seeds the random starts (hidden and top) and the teachers.
    critical : float
        One threshold for both methods: a gradient norm below it is a
        critical point. Deep local learning has a gap when |dE/dW_hidden|
        >= `critical`; backprop runs until |grad E| < `critical` (at most
        10^6 steps) and has reached a critical point if it got there.
    starts : int
        Random starts per hidden unit for the uniqueness of the fixed point.
    mutant : str, optional
        A name from :data:`MUTANTS` (the check must then fail).

    Returns
    -------
    dict
        ``rows`` (one per target: set, target, trivial, residual, local and
        backprop errors and gradients, gap, backprop_critical),
        ``settings`` (per input size: q, receptive fields, the hidden fixed
        point and its spread over starts), ``summary`` and ``holds``.

    Examples
    --------
    >>> res = deep_local_study(n=2, teachers=0)
    >>> res["summary"]["targets"], res["summary"]["trivial"], res["holds"]
    (16, 2, True)
    """
    n = check_n(n, 2, 3, "the exhaustive deep-local targets")
    teacher_n = check_n(teacher_n, 2, 6, "the deep-local teachers")
    for name, value in (("teachers", teachers), ("starts", starts)):
        if not is_int(value) or value < (0 if name == "teachers" else 1):
            raise InputError(f"{name}={value!r} is not allowed: need an integer >= {0 if name == 'teachers' else 1}")
    for name, value in (("critical", critical),):
        if not (is_int(value) or isinstance(value, float)) or not value > 0:
            raise InputError(f"{name}={value!r} is not allowed: need a number > 0")
    P = 1 << n
    tables = [np.where((t >> np.arange(P)) & 1, 1.0, -1.0) for t in range(1 << P)]
    names = [format(t, "x") for t in range(1 << P)]
    rows, s1 = deep_local_rows(n, tables, names, seed, starts=starts, tol=critical, mutant=mutant)
    for r in rows:
        r["set"] = f"all functions, n = {n}"
    settings = [s1]
    if teachers:
        trng = np.random.default_rng(np.random.SeedSequence([int(seed), 16]))
        tt = _teacher_targets(teacher_n, int(teachers), trng)
        trows, s2 = deep_local_rows(teacher_n, tt, [f"teacher {k}" for k in range(int(teachers))], seed,
                                    starts=starts, tol=critical, mutant=mutant)
        for r in trows:
            r["set"] = f"random teachers, n = {teacher_n}"
        rows += trows
        settings.append(s2)
    for r in rows:
        r["gap"] = r["local_grad_hidden"] >= critical
        r["backprop_critical"] = r["backprop_grad"] < critical
    nontrivial = [r for r in rows if not r["trivial"]]
    unique = all(s["fixed_point_spread"] < 1e-6 and s["fixed_point_converged"] for s in settings)
    summary = {
        "targets": len(rows), "trivial": len(rows) - len(nontrivial),
        "nontrivial_with_gap": sum(r["gap"] for r in nontrivial),
        "nontrivial_without_gap": [r["target"] for r in nontrivial if not r["gap"]],
        "gap_fraction_nontrivial": (sum(r["gap"] for r in nontrivial) / len(nontrivial)) if nontrivial else None,
        "min_gap_nontrivial": min((r["local_grad_hidden"] for r in nontrivial), default=None),
        "max_grad_hidden_trivial": max((r["local_grad_hidden"] for r in rows if r["trivial"]), default=None),
        "trivial_targets": [{"set": r["set"], "target": r["target"], "residual": r["residual"]}
                            for r in rows if r["trivial"]],
        "backprop_critical": sum(r["backprop_critical"] for r in rows),
        "backprop_max_grad": max(r["backprop_grad"] for r in rows),
        "backprop_max_steps": max(r["backprop_steps"] for r in rows),
        "backprop_lower_error": sum(r["backprop_error"] < r["local_error"] - 1e-12 for r in nontrivial),
        "fixed_point_unique": unique,
    }
    holds = bool(unique and nontrivial and all(r["gap"] for r in nontrivial)
                 and all(r["backprop_critical"] for r in rows))
    return {"rows": rows, "settings": settings, "summary": summary, "holds": holds, "mutant": mutant,
            "protocol": {"n": n, "teachers": int(teachers), "teacher_n": teacher_n, "seed": seed,
                         "critical": critical, "starts": starts, "trivial_tol": 1e-9,
                         "backprop_max_steps": 1_000_000}}


def deep_local_table(res):
    """Header and rows of :func:`deep_local_study` for printing or writing (numbers stay numbers)."""
    return list(_COLUMNS), [[r[k] for k in _COLUMNS] for r in res["rows"]]

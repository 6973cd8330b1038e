"""Benchmarks of `gates verify`: the deep-local backprop kernel beside numpy, and the whole run with its mutants.

Run:  python scripts/bench_verify.py [--json]

* ``deep-local backprop``: the compiled Barzilai-Borwein descent of
  :mod:`gates.studies.deep_local` on the first 32 functions of 3 inputs, beside the
  same algorithm written in numpy (vectorised per step). Before a time is
  printed, both must agree to 1e-12 over the first 10 steps and both must
  end at a critical point (|grad E| < 1e-6). Their end points differ: the
  descent is chaotic in rounding (1e-16 differences grow to 1e-2 within a
  few hundred steps), so step counts differ too; the time is per run to
  the tolerance.
* ``deep-local cold start``: a fresh process with an empty numba cache runs
  the n = 2 study (compiling the kernels), against the same process warm.
* ``verify``: the default `gates verify` and `gates verify --mutants`, wall
  time of a fresh process (absolute; there is no baseline for these).
"""

import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from benchlib import best, report

from gates.studies.deep_local import backprop, receptive_fields, skewed_inputs


def numpy_backprop(W0, v0, X, pi, T, mask, tol, max_steps, memory=10):
    """The same Raydan non-monotone BB descent, one numpy expression per quantity."""

    def f(W, v):
        H = np.tanh(X @ W.T)
        r = H @ v[:-1] + v[-1] - T
        pr = pi * r
        gv = np.append(pr @ H, pr.sum())
        gW = ((pr[:, None] * v[None, :-1]) * (1 - H**2)).T @ X * mask
        return 0.5 * float(pi @ r**2), gW, gv

    W, v = W0.copy(), v0.copy()
    E, gW, gv = f(W, v)
    recent = [E]
    t, step = 0.1, 0
    while step < max_steps:
        g2 = float((gW**2).sum() + (gv**2).sum())
        if np.sqrt(g2) < tol:
            break
        ref = max(recent[-memory:])
        while True:
            nW, nv = W - t * gW, v - t * gv
            E1, hW, hv = f(nW, nv)
            if E1 <= ref - 1e-4 * t * g2 or t < 1e-300:
                break
            t *= 0.5
        sy = -t * (float((gW * (hW - gW)).sum()) + float((gv * (hv - gv)).sum()))
        t = min(max(t * t * g2 / sy, 1e-10), 1e10) if sy > 0 else 2.0 * t
        W, v, gW, gv = nW, nv, hW, hv
        step += 1
        recent.append(E1)
    return W, v, step


def _grad_norm(W, v, X, pi, T, mask):
    H = np.tanh(X @ W.T)
    pr = pi * (H @ v[:-1] + v[-1] - T)
    gW = ((pr[:, None] * v[None, :-1]) * (1 - H**2)).T @ X * mask
    return float(np.sqrt((gW**2).sum() + (pr @ H) @ (pr @ H) + pr.sum() ** 2))


def _cases(count=32):
    X, pi, _ = skewed_inputs(3)
    mask = receptive_fields(3)
    rng = np.random.default_rng(0)
    out = []
    for t in range(count):
        T = np.where((t >> np.arange(8)) & 1, 1.0, -1.0)
        out.append((rng.normal(0, 0.6, (3, 4)) * mask, rng.normal(0, 0.5, 4), X, pi, T, mask))
    return out


def bench_backprop():
    cases = _cases()
    backprop(*cases[0], 1e-6, 100, 10)  # compile or load the cache
    t_fast, fast = best(lambda: [backprop(*c, 1e-6, 10**6, 10) for c in cases])
    t_np, slow = best(lambda: [numpy_backprop(*c, 1e-6, 10**6) for c in cases], repeat=1)
    for c, (Wa, va, _), (Wb, vb, _) in zip(cases, fast, slow):
        short = backprop(*c, 1e-6, 10, 10), numpy_backprop(*c, 1e-6, 10)
        assert np.abs(short[0][0] - short[1][0]).max() < 1e-12 and np.abs(short[0][1] - short[1][1]).max() < 1e-12
        for W, v in ((Wa, va), (Wb, vb)):
            assert _grad_norm(W, v, *c[2:]) < 1e-6
    return {"workload": "deep-local backprop, 32 functions of 3 inputs", "steps": sum(s for _, _, s in fast),
            "baseline_steps": sum(s for _, _, s in slow), "gates_s": round(t_fast, 4),
            "baseline_s": round(t_np, 3), "ratio": round(t_np / t_fast, 1)}


def _fresh(code, env=None):
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True)
    return time.perf_counter() - t0


def bench_cold():
    code = "from gates.studies.deep_local import deep_local_study; deep_local_study(n=2, teachers=0)"
    with tempfile.TemporaryDirectory() as cache:
        cold = _fresh(code, dict(os.environ, NUMBA_CACHE_DIR=cache))
        warm = _fresh(code, dict(os.environ, NUMBA_CACHE_DIR=cache))
    return {"workload": "deep-local n = 2 study, fresh process", "cold_s": round(cold, 2), "warm_s": round(warm, 2),
            "gates_s": round(warm, 2)}


def bench_verify():
    rows = []
    for args in ([], ["--mutants"]):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "gates", "verify", "--json", *args], check=True, capture_output=True)
        rows.append({"workload": "gates verify " + " ".join(args) if args else "gates verify",
                     "gates_s": round(time.perf_counter() - t0, 1)})
    return rows


if __name__ == "__main__":
    report(__doc__, [bench_backprop, bench_cold, bench_verify])

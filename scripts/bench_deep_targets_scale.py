"""Scale of sampling deep targets: seconds per epoch against layer width and examples, beside numpy.

Run:  python scripts/bench_deep_targets_scale.py [--json] [--quick] [--blas-threads N]

The step timed is ONE EPOCH of the default algorithm (unit search, pocket
perceptron with margin 1 (the default), input noise 0.05, 10 inner passes, up-down
schedule: epoch 1 visits the layers top-down), i.e.
``deep_targets(X, None, DeepTargetsConfig(layers=..., epochs=1, seed=0))``
minus the same call with ``epochs=0`` (initial weights and the initial error),
warm (numba compiled before timing), best of 3 when an epoch takes < 2 s.

Beside it, ``numpy_epoch`` below: the same epoch written plainly in numpy and
Python (matrix products for the forward passes and for each unit's
flipped-activity gains, the weighted pocket perceptron as a Python loop over
examples with one numpy dot product per example, the weighted error of each
pass by numpy). It makes the same random draws in the same order as
``gates.learning.deep_targets._run_once`` / ``_unit_visit``, so it must end with the
same weights and the same count of gate evaluations; this is asserted on every
workload where it runs (a check that can fail) before its time is reported.

Workloads (random-teacher data from ``synthetic_data``, 64 bits, code 16):

* width sweep: the autoencoder 64-w-16-w-64, w = 16, 64, 256, 1024, m = 512;
* examples sweep: 64-32-64, m = 512, 4,096, 16,384, 60,000.

The reference runs while its time, grown in proportion to the size from its
last run, stays under 60 s; elsewhere its columns print "-" (nothing is
extrapolated). The ``pocket`` column is the share of gates' epoch spent in its
compiled pocket kernel (timed by wrapping the kernel); the rest is the gains,
the forward passes and Python. At the largest sizes an instrumented epoch
(the reference with gates' pocket kernel plugged in, same weights asserted)
splits the time into forward, gains, pocket and the update of the layers above.

Growth exponents are least-squares slopes of log time against log width
(log m), with the exponents expected from the algorithm's cost (see
``expected`` in the output). A cold start (fresh process, empty numba cache)
is measured in a subprocess. BLAS runs on ``--blas-threads`` threads (default
1: on 2 shared cores two OpenBLAS threads made the small per-unit products
2.5-4x slower); numba kernels on this path are single-threaded.
"""

import argparse
import os
import sys

if __name__ == "__main__":
    # BLAS threads are fixed when numpy loads, so read the option before importing it
    _ap = argparse.ArgumentParser(add_help=False)
    _ap.add_argument("--blas-threads", type=int, default=1)
    _n = str(_ap.parse_known_args()[0].blas_threads)
    for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_v] = _n
# the worktree's gates, not an installed copy (sys.path[0] is scripts/)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import gates  # noqa: E402
import gates.learning.deep_targets as dt  # noqa: E402
from gates.learning.deep_targets import DeepTargetsConfig, deep_targets  # noqa: E402
from gates.learning.threshold_net import synthetic_data  # noqa: E402

WIDTHS = (16, 64, 256, 1024)
EXAMPLES = (512, 4096, 16384, 60000)
LIMIT_S = 60.0  # no single timing above this


def width_layers(w):
    return (64, w, 16, w, 64)


EXAMPLES_LAYERS = (64, 32, 64)


def data(m, seed=0):
    return synthetic_data(n=64, code=16, hidden=64, examples=m, seed=seed)[0]


# --------------------------------------------------------------------------
# the numpy reference: one default epoch, same random draws as gates
# --------------------------------------------------------------------------


def _gate(a, W):
    """+-1 threshold gates: sign(a W^T + b), 0 counted as off."""
    return np.where(a @ W[:, :-1].T + W[:, -1] > 0, 1.0, -1.0)


def numpy_pocket(w, X1, t, c, orders, eta, kappa, timers):
    """Weighted perceptron with margin and a pocket, one Python step per example (numpy dot products).

    Returns (best weights, gate evaluations) counted as gates counts them: the
    active examples (c > 0) once per error measurement, one per example
    visited, one per update.
    """
    active = c > 0
    n_active = int(active.sum())

    def werr(u):  # weighted error of sign(X1 u) against t
        t0 = time.perf_counter()
        e = float(c[active & ((X1 @ u > 0) != (t > 0))].sum())
        timers["pocket error"] += time.perf_counter() - t0
        return e

    best, evals = w.copy(), n_active
    be = werr(w)
    if be == 0.0:
        return best, evals
    u = w.copy()
    t0 = time.perf_counter()
    for order in orders:
        for p in order[active[order]]:
            x = X1[p]
            evals += 1
            if t[p] * np.dot(u, x) <= kappa:
                evals += 1
                u += eta * c[p] * t[p] * x
        timers["pocket passes"] += time.perf_counter() - t0
        ce = werr(u)
        t0 = time.perf_counter()
        evals += n_active
        if ce < be:
            be, best = ce, u.copy()
    timers["pocket passes"] += time.perf_counter() - t0
    return best, evals


def gates_pocket(w, X1, t, c, orders, eta, kappa, timers):
    """gates' compiled pocket kernel behind the reference's interface (for the profile only)."""
    t0 = time.perf_counter()
    u = w.copy()
    # contiguous arrays, as gates passes them (another layout would compile a new specialisation)
    ev, _ = dt.pocket(u, np.ascontiguousarray(X1), np.ascontiguousarray(t), np.ascontiguousarray(c),
                       np.stack(orders).astype(np.int64), eta, kappa, True)
    timers["pocket (gates kernel)"] += time.perf_counter() - t0
    return u, ev


def numpy_epoch(X, layers, seed=0, eta=0.1, margin=DeepTargetsConfig().margin, denoise=DeepTargetsConfig().denoise,
                inner_epochs=10, pocket=numpy_pocket):
    """One epoch of the default unit search on 0/1 data X (autoencoder, +-1 coding).

    Returns (weights, gate evaluations, seconds of the epoch without setup, timers by part).
    """
    timers = dict.fromkeys(("forward", "gains", "pocket passes", "pocket error", "pocket (gates kernel)",
                            "update above", "other"), 0.0)
    init_seq, run_seq = np.random.SeedSequence(seed).spawn(2)
    irng = np.random.default_rng(init_seq)
    weights = [irng.normal(0.0, 1.0 / np.sqrt(a + 1), (b, a + 1)) for a, b in zip(layers[:-1], layers[1:])]
    rng = np.random.default_rng(run_seq)
    Y = np.where(X > 0, 1.0, -1.0)
    m, L = len(Y), len(weights)
    start = time.perf_counter()
    Xin = np.where(rng.random(Y.shape) < denoise, -Y, Y)  # input noise: flip a fraction of the bits
    t0 = time.perf_counter()
    acts = [Xin]
    for W in weights:
        acts.append(_gate(acts[-1], W))
    timers["forward"] += time.perf_counter() - t0
    evals = m * sum(layers[1:])
    for l in range(L, 0, -1):  # epoch 1 of up-down: top-down
        W = weights[l - 1]
        X1 = np.concatenate([acts[l - 1], np.ones((m, 1))], axis=1)
        kappa = margin * X1.shape[1]
        above = sum(layers[l + 1:])
        pre = acts[l] @ weights[l][:, :-1].T + weights[l][:, -1] if l < L else None
        for i in rng.permutation(W.shape[0]):
            t0 = time.perf_counter()
            if l == L:
                t, c = Y[:, i], np.ones(m)
            else:
                # flip unit i on every example; the next layer's input changes by one column
                h = acts[l][:, i]
                a = np.where(pre - 2.0 * np.outer(h, weights[l][:, i]) > 0, 1.0, -1.0)
                # gates counts the next layer for every example and the layers above it only for the
                # examples whose next-layer activity changes (elsewhere the gain is 0)
                changed = int(np.sum((a != acts[l + 1]).any(axis=1)))
                for Wk in weights[l + 1:]:
                    a = _gate(a, Wk)
                gain = np.sum(a != Y, axis=1) - np.sum(acts[-1] != Y, axis=1)
                t = np.where(gain < 0, -h, h)  # the flip where it lowers the error
                c = np.abs(gain).astype(float)
                evals += m * layers[l + 1] + changed * (above - layers[l + 1])
            timers["gains"] += time.perf_counter() - t0
            orders = [rng.permutation(m) for _ in range(inner_epochs)]
            w, ev = pocket(W[i].copy(), X1, t, c, orders, eta, kappa, timers)
            evals += ev
            if np.array_equal(w, W[i]):
                continue
            t0 = time.perf_counter()
            W[i] = w
            col = np.where(X1 @ w > 0, 1.0, -1.0)
            evals += m
            if l < L:
                pre += np.outer(col - acts[l][:, i], weights[l][:, i])
                acts[l][:, i] = col
                acts[l + 1] = np.where(pre > 0, 1.0, -1.0)
                for k in range(l + 2, L + 1):
                    acts[k] = _gate(acts[k - 1], weights[k - 1])
                evals += m * above
            else:
                acts[l][:, i] = col
            timers["update above"] += time.perf_counter() - t0
    seconds = time.perf_counter() - start
    timers["other"] = max(0.0, seconds - sum(timers.values()))
    return weights, evals, seconds, timers


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------


def gates_epoch(X, layers, **kw):
    """(seconds of one epoch without setup, seconds in the pocket kernel, gate evaluations, the run) — warm.

    gates' compiled pocket kernel is wrapped by a timer for the run (about a microsecond per call: one call
    per unit visited), so the rest of the epoch (gains, forward passes, Python) is the difference.
    """
    spent = [0.0]
    orig = dt.pocket

    def timed(*a):
        t0 = time.perf_counter()
        try:
            return orig(*a)
        finally:
            spent[0] += time.perf_counter() - t0

    def call(epochs):
        spent[0] = 0.0
        t0 = time.perf_counter()
        run = deep_targets(X, None, DeepTargetsConfig(layers=layers, epochs=epochs, seed=0, **kw))
        return time.perf_counter() - t0, spent[0], run

    dt.pocket = timed
    try:
        t1, pk, run = call(1)
        if t1 < 2.0:
            t1, pk = min([(t1, pk)] + [call(1)[:2] for _ in range(2)])
        t0 = min(call(0)[0] for _ in range(3))
    finally:
        dt.pocket = orig
    return max(t1 - t0, 1e-9), pk, run["evals"][-1], run


def agree(run, ref_weights, ref_evals):
    """The reference's weights and evaluation count against gates' (assert: a failing check stops the bench)."""
    same = (len(run["weights"]) == len(ref_weights)
            and all(np.allclose(a, b, rtol=1e-9, atol=1e-12) for a, b in zip(run["weights"], ref_weights)))
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(run["weights"], ref_weights))
    assert same, f"numpy reference and gates disagree: max weight difference {diff:.3g}"
    assert ref_evals == run["evals"][-1], f"evaluation counts differ: numpy {ref_evals}, gates {run['evals'][-1]}"
    return diff


def row(label, size, X, layers, run_numpy, inner_epochs=10):
    """One workload: gates' epoch, and the reference's when run_numpy (then checked against gates)."""
    t_g, pk, ev, run = gates_epoch(X, layers, inner_epochs=inner_epochs)
    r = {"workload": label, "size": size, "layers": list(layers), "examples": len(X), "inner_epochs": inner_epochs,
         "gates_s": round(t_g, 4), "pocket_s": round(pk, 4), "rest_s": round(max(t_g - pk, 1e-9), 4),
         "evals": int(ev), "evals_per_s": float(f"{ev / t_g:.4g}"),
         "numpy_s": None, "ratio": None, "same_weights": None}
    if run_numpy:
        w, ev_np, t_np, _ = numpy_epoch(X, layers, inner_epochs=inner_epochs)
        r["max_weight_diff"] = agree(run, w, ev_np)
        r.update(numpy_s=round(t_np, 3), ratio=round(t_np / t_g, 1), same_weights=True)
    return r


def slope(xs, ys):
    """Least-squares slope of log y on log x with a 95% interval (t on n - 2 degrees of freedom from the
    residuals; it measures curvature as well as noise), and the local slopes between successive points."""
    from scipy import stats

    lx, ly = np.log(xs), np.log(ys)
    fit = stats.linregress(lx, ly)
    half = float(stats.t.ppf(0.975, len(xs) - 2) * fit.stderr) if len(xs) > 2 else float("nan")
    return (round(float(fit.slope), 2), round(half, 2), [round(float(v), 2) for v in np.diff(ly) / np.diff(lx)])


def cold_start():
    """One default epoch (32-16-6-16-32, 512 examples) in a fresh process: empty numba cache, then the default cache."""
    code = ("import time; t0 = time.perf_counter(); import gates.learning.deep_targets as d; t1 = time.perf_counter(); "
            "X = d.synthetic_data()[0][:512]; c = d.DeepTargetsConfig(epochs=1); t2 = time.perf_counter(); "
            "d.deep_targets(X, None, c); t3 = time.perf_counter(); d.deep_targets(X, None, c); "
            "t4 = time.perf_counter(); "
            "import json; print(json.dumps({'import_s': t1 - t0, 'first_epoch_s': t3 - t2, 'warm_epoch_s': t4 - t3}))")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, env in (("empty numba cache", {"NUMBA_CACHE_DIR": tmp}), ("populated cache", {})):
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, "-c", code], cwd=root, env={**os.environ, **env}, capture_output=True,
                               text=True, timeout=300)
            if p.returncode != 0:
                raise RuntimeError(p.stderr.strip().splitlines()[-1])
            r = json.loads(p.stdout)
            r["process_s"] = time.perf_counter() - t0
            out[name] = {k: round(v, 3) for k, v in r.items()}
    return out


def profile(X, layers, inner_epochs=10):
    """Where an epoch goes, by part: the reference's structure with gates' compiled pocket plugged in (same
    weights as gates, asserted). Its gains and forward passes are gates' numpy lines, written independently."""
    w, ev, t_hyb, timers = numpy_epoch(X, layers, inner_epochs=inner_epochs, pocket=gates_pocket)
    run = deep_targets(X, None, DeepTargetsConfig(layers=layers, epochs=1, seed=0, inner_epochs=inner_epochs))
    agree(run, w, ev)
    return {"layers": list(layers), "examples": len(X), "inner_epochs": inner_epochs,
            "instrumented_epoch_s": round(t_hyb, 3),
            "instrumented_parts_s": {k: round(v, 3) for k, v in timers.items() if v > 0}}


def run(quick=False):
    widths = WIDTHS[:3] if quick else WIDTHS
    examples = EXAMPLES[:2] if quick else EXAMPLES
    deep_targets(data(64), None, DeepTargetsConfig(layers=(64, 4, 64), epochs=1))  # compile (or load) the kernels
    out = {"gates": gates.__file__, "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
           "load_average": [round(v, 2) for v in os.getloadavg()], "check": [], "width": [], "examples": []}
    # the agreement check on a small case first, with a second seed
    for layers, m, seed in (((16, 8, 4, 8, 16), 96, 3), ((64, 16, 16, 16, 64), 512, 0)):
        X = synthetic_data(n=layers[0], code=4, hidden=16, examples=m, seed=seed)[0]
        w, ev, _, _ = numpy_epoch(X, layers, seed=0)
        run_ = deep_targets(X, None, DeepTargetsConfig(layers=layers, epochs=1, seed=0))
        out["check"].append({"layers": list(layers), "examples": m, "max_weight_diff": agree(run_, w, ev),
                             "evals": ev})
    X = data(512)

    def fits(rows, size):
        # the reference runs while its time, grown in proportion to the size from the last run, fits the limit
        last = [r for r in rows if r["numpy_s"] is not None]
        return not rows or (bool(last) and last[-1]["numpy_s"] * size / last[-1]["size"] < LIMIT_S)

    for w in widths:
        out["width"].append(row(f"width {w}", w, X, width_layers(w), run_numpy=fits(out["width"], w)))
    for m in examples:
        out["examples"].append(row(f"{m} examples", m, data(m), EXAMPLES_LAYERS,
                                   run_numpy=fits(out["examples"], m)))
    for key, label in (("width", "width"), ("examples", "examples")):
        rows = out[key]
        out[f"{key}_exponent"] = {}
        for part in ("gates_s", "pocket_s", "rest_s"):
            fit, half, local = slope([r["size"] for r in rows], [r[part] for r in rows])
            out[f"{key}_exponent"][part] = {"fit": fit, "ci95_half": half, "local": local}
    out["expected"] = {
        "width": "between 1 and 2. The pockets cost inner_epochs x m x fan-in per unit (about 3,000 m x w in "
                 "all): w^1. The gains of the first hidden layer (w units) add, per unit, the flipped column to "
                 "the w-wide layer above for every example (m x w, so m x w^2 per layer) and push further up only "
                 "the examples whose next-layer activity changes: w^2 at worst, less when few examples change. "
                 "The gains' share grows with w",
        "examples": "1: every part is linear in m. Above it here: at large m the pocket's random-order visits "
                    "of the examples miss the cache (60,000 x 65 inputs are 31 MB), so a pass costs more per "
                    "example"}
    out["cold_start"] = cold_start()
    # the instrumented epoch costs a gates epoch again: only at the largest sizes
    out["profile"] = [profile(X, width_layers(widths[-1])), profile(data(examples[-1]), EXAMPLES_LAYERS)]
    return out


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--quick", action="store_true", help="the smaller sizes only (about 1 minute)")
    ap.add_argument("--blas-threads", type=int, default=1, help="BLAS threads (default 1)")
    args = ap.parse_args()
    res = run(args.quick)
    if args.json:
        print(json.dumps(res))
    else:
        show(res)


def show(res):
    """Print the tables of a result of :func:`run`."""
    print(f"gates from {res['gates']}; BLAS threads {res['blas_threads']}; load average {res['load_average']}")
    for c in res["check"]:
        print(f"agreement check {'-'.join(map(str, c['layers']))}, {c['examples']} examples: same weights "
              f"(max difference {c['max_weight_diff']:.2g}) and the same {c['evals']} gate evaluations (exact)")
    print("times estimated: warm wall clock, best of 3 below 2 s, else one run, on a shared 2-core machine "
          "(two runs of the same workload differed by up to 25%); gate evaluations exact")
    for key, title in (("width", "64-w-16-w-64, 512 examples"), ("examples", "64-32-64")):
        print(f"\n{title}: seconds per epoch")
        print(f"{'workload':>16} {'gates s':>9} {'pocket':>7} {'numpy s':>9} {'ratio':>7} {'gate evals':>11} "
              f"{'evals/s':>9}")
        for r in res[key]:
            note = "" if r["inner_epochs"] == 10 else f"  (inner_epochs={r['inner_epochs']})"
            print(f"{r['workload']:>16} {r['gates_s']:>9.3f} {100 * r['pocket_s'] / r['gates_s']:>6.0f}% "
                  f"{fmt(r['numpy_s'], '9.2f'):>9} {fmt(r['ratio'], '6.1f') + ('x' if r['ratio'] else ''):>7} "
                  f"{r['evals']:>11.3g} {r['evals_per_s']:>9.3g}{note}")
        print("  growth exponents, estimated (log-log least squares, 95% t interval; local slopes between "
              "successive points):")
        for part, name in (("gates_s", "epoch"), ("pocket_s", "pocket kernel"), ("rest_s", "the rest (gains, "
                                                                                       "forward, Python)")):
            e = res[f"{key}_exponent"][part]
            print(f"    {name}: {e['fit']} +- {e['ci95_half']}   local {e['local']}")
        print(f"  expected: {res['expected'][key]}")
    print("\ncold start, one default epoch (32-16-6-16-32, 512 examples), fresh process:")
    for name, c in res["cold_start"].items():
        print(f"  {name}: import {c['import_s']} s, first epoch {c['first_epoch_s']} s, warm epoch "
              f"{c['warm_epoch_s']} s, whole process {c['process_s']} s")
    print("\nprofile of one epoch by part, seconds (the reference with gates' pocket kernel plugged in; same "
          "weights as gates):")
    for p in res["profile"]:
        print(f"  {'-'.join(map(str, p['layers']))}, {p['examples']} examples: {p['instrumented_epoch_s']} s in all: "
              f"{p['instrumented_parts_s']}")


if __name__ == "__main__":
    main()

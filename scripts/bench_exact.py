"""Benchmark of exact two-layer mode and the estimators of issue 14, beside baselines, in one process.

Run:  python scripts/bench_exact.py [--json] [--n5]

* exact two-layer mode (gates.deep_exact) at n = 4, h = 8, every function: one
  output rule decided on each restart's frozen features, against the simulated
  census of the same 65,536 functions (the simulate kernel, every function
  trained) and against a straightforward numpy baseline of the exact verdict
  (every function's c = sum_p T(p) Phi~(p) and margins, vectorised);
* stratified sampling (8 members of each of the 222 NPN classes) against the
  exhaustive simulated census at n = 4 (hebb/gradient): time and the estimate
  beside the seed's exhaustive count;
* --seeds: S seeds cost S censuses (the per-seed overhead beyond the census);
* with --n5: exact two-layer mode at n = 5, h = 16, every one of the 2^32
  functions, for the paper's pairs that it decides (a cold numba cache is not
  included: each kernel is called once before timing).
"""

import sys
import time

import numpy as np
from benchlib import best, report

from gates.deep import DeepNet, deep_census, hidden_layer
from gates.deep_exact import output_sets
from gates.protocol import Protocol


def numpy_hebb_verdicts(features, n):
    """Exact hebb verdicts of all 2^(2^n) functions on one restart's features, vectorised in numpy."""
    P = 1 << n
    t = ((np.arange(1 << P, dtype=np.int64)[:, None] >> np.arange(P)) & 1) * 2 - 1  # (F, P) targets +-1
    c = t @ features  # (F, S)
    margins = t * (c @ features.T)  # (F, P)
    return np.flatnonzero((margins > 0).all(axis=1))


def bench_exact_n4():
    n, net, p = 4, DeepNet(8, "hebb"), Protocol()
    layer = hidden_layer(n, net, p)
    feats = layer.features.astype(np.int64)
    output_sets(layer.features[:1], "hebb")  # compile

    t_g, sets = best(lambda: output_sets(layer.features, "hebb"), 3)
    t_b, base = best(lambda: [numpy_hebb_verdicts(feats[k], n) for k in range(p.restarts)], 1)
    agree = all(np.array_equal(np.sort(sets.learnt[k]).astype(np.int64), base[k]) for k in range(p.restarts))
    deep_census("all", 3, "hebb", "hebb")  # compile the simulate kernels
    t_s, sim = best(lambda: deep_census("all", n, "hebb", "hebb", protocol=p), 1)
    t_e, ex = best(lambda: deep_census("all", n, "hebb", "hebb", protocol=p, mode="exact"), 1)
    return {"workload": "exact hebb output verdicts, n = 4, h = 8, K = 10, all 65,536 functions",
            "gates_s": round(t_g, 4), "baseline_s": round(t_b, 4), "ratio": round(t_b / t_g, 1),
            "baseline": "numpy: every function's c and margins", "agree": bool(agree),
            "simulated_census_s": round(t_s, 2), "exact_census_s": round(t_e, 2),
            "simulated_over_exact": round(t_s / t_e, 1),
            "learnable_simulated": sim.learnable, "learnable_exact": ex.learnable}


def bench_exact_gradient_n4():
    p = Protocol()
    deep_census("all", 2, "gradient", "hebb", mode="exact")
    t_e, ex = best(lambda: deep_census("all", 4, "gradient", "hebb", protocol=p, mode="exact"), 1)
    t_s, sim = best(lambda: deep_census("all", 4, "gradient", "hebb", protocol=p), 1)
    return {"workload": "exact gradient output (certified separability), n = 4, h = 8, all functions",
            "gates_s": round(t_e, 3), "baseline_s": round(t_s, 3), "ratio": round(t_s / t_e, 1),
            "baseline": "the simulated census of every function (100 epochs x 10 restarts)",
            "learnable_exact": ex.learnable, "learnable_simulated": sim.learnable}


def bench_stratified_n4():
    p = Protocol()
    t_x, full = best(lambda: deep_census("all", 4, "gradient", "hebb", protocol=p), 1)
    t_s, est = best(lambda: deep_census("all", 4, "gradient", "hebb", protocol=p, classes="npn", members=8), 1)
    q = est.quantities()["learnable"]
    return {"workload": "stratified sampling, 8 members x 222 NPN classes, n = 4, hebb/gradient",
            "gates_s": round(t_s, 3), "baseline_s": round(t_x, 3), "ratio": round(t_x / t_s, 1),
            "baseline": "every function trained (the seed's exhaustive count)",
            "exhaustive": full.learnable, "estimate": round(q.value, 1), "ci95": [round(q.low, 1), round(q.high, 1)]}


def bench_seeds():
    p = Protocol()
    deep_census("all", 4, "gradient", "oja", protocol=p, classes="npn", members=8)
    t1, _ = best(lambda: [deep_census("all", 4, "gradient", "oja", protocol=p.with_seed(s), classes="npn",
                                      members=8) for s in range(4)], 1)
    t4, _ = best(lambda: deep_census("all", 4, "gradient", "oja", protocol=p, classes="npn", members=8, seeds=4), 1)
    return {"workload": "--seeds 4 against 4 separate one-seed censuses (oja/gradient, n = 4, NPN sampled)",
            "gates_s": round(t4, 3), "baseline_s": round(t1, 3), "ratio": round(t1 / t4, 2)}


def bench_n5():
    rows = []
    for hid, top in (("oja", "oja"), ("hebb", "hebb"), ("hebb-tanh", "hebb-tanh"), ("hebb", "gradient")):
        t0 = time.perf_counter()
        try:
            res = deep_census("all", 5, top, hid, mode="exact")
            out = {"learnable": res.learnable, "features": res.extra["features_per_restart"]}
        except Exception as exc:  # an undecided pair is a result here
            out = {"undecided": str(exc)[:120]}
        rows.append({"pair": f"{hid}/{top}", "seconds": round(time.perf_counter() - t0, 1), **out})
    return {"workload": "exact two-layer mode, n = 5, h = 16, all 2^32 functions, one seed",
            "gates_s": round(sum(r["seconds"] for r in rows), 1), "pairs": rows}


if __name__ == "__main__":
    work = [bench_exact_n4, bench_exact_gradient_n4, bench_stratified_n4, bench_seeds]
    if "--n5" in sys.argv:
        sys.argv.remove("--n5")
        work.append(bench_n5)
    report(__doc__, work)

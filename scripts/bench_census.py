"""Benchmarks of the shallow census, each beside a straightforward numpy baseline.

Run:  python scripts/bench_census.py [--json] [--baseline-functions 256]

* Simulated census of all 65,536 functions of n = 4, K = 10, 100 epochs, for
  each rule: gates exhaustive (every function trained) and with the default
  threshold-only reduction, against a numpy loop that trains one function at
  a time (the K restarts vectorised). The baseline runs on a random sample of
  functions; its per-function time is scaled to 65,536 and the sample's
  learnt/not-learnt outcomes are checked against gates'.
* Exact mode at n = 4, 5 and 6 against numpy's vectorised canonical-form
  condition (c = T X, margins T (X c)).

Times are warm (numba cache loaded, one call before timing).
"""

import argparse
import json
import time

import numba
import numpy as np

from gates.studies.census import shallow_census
from gates.learning.protocol import Protocol
from gates.learning.rules import get_rule
from gates.boolean.threshold_classes import threshold_functions

RULES = ("hebb", "oja", "hebb-tanh", "gradient")


def numpy_train(v, n, rule, protocol, init, orders, etas):
    """One function, K restarts at once: plain numpy per presentation."""
    x = protocol.inputs(n)
    bits = (v >> np.arange(1 << n)) & 1
    t = np.where(bits == 1, 1.0, -1.0 if protocol.encoding == "pm1" else 0.0)
    off = -1.0 if protocol.encoding == "pm1" else 0.0
    terms = rule.as_array()
    u = init.copy()
    w = np.tanh(u) if rule.saturate else u.copy()
    for e in range(protocol.epochs):
        for q in range(x.shape[0]):
            p = orders[:, e, q]  # one input per restart
            xp = x[p]  # (K, S)
            tp = t[p][:, None]
            o = np.where((w * xp).sum(axis=1, keepdims=True) > 0, 1.0, off)
            d = np.zeros_like(u)
            for c, a, b, cw, dt in terms:
                d += c * o**a * xp**b * w**cw * tp**dt
            u += etas[e] * d
            w = np.tanh(u) if rule.saturate else u
    m = (x @ w.T) * np.where(bits == 1, 1.0, -1.0)[:, None]  # (P, K)
    return int(np.sum(np.all(m > 0, axis=0)))


def numpy_exact(tables, n, saturate, batch=1 << 18):
    """Vectorised canonical-form condition over one-word tables, in batches."""
    x = Protocol().inputs(n)
    out = []
    for s in range(0, len(tables), batch):
        part = tables[s : s + batch]
        bits = ((part[:, None] >> np.arange(1 << n, dtype=np.uint64)) & np.uint64(1)).astype(np.float64)
        t = 2.0 * bits - 1.0  # (F, P)
        c = t @ x  # (F, S)
        if saturate:
            c = np.sign(c)
        out.append(np.all((c @ x.T) * t > 0, axis=1))
    return np.concatenate(out)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def run(sample):
    rows = []
    proto = Protocol()
    x = proto.inputs(4)
    init, orders = proto.draws(x.shape[1], x.shape[0])
    etas = proto.etas()
    rng = np.random.default_rng(1)
    picks = rng.choice(1 << 16, sample, replace=False)
    tot_ex = tot_red = 0.0
    for name in RULES:
        shallow_census("all", 2, name)  # warm
        ex, t_ex = timed(lambda: shallow_census("all", 4, name, exhaustive=True))
        red, t_red = timed(lambda: shallow_census("all", 4, name))
        assert ex.learnable == red.learnable
        rule = get_rule(name)
        base, t_base = timed(lambda: [numpy_train(int(v), 4, rule, proto, init, orders, etas) for v in picks])
        got = dict(zip((int(t[0]) for t in ex.tables), ex.successes))
        assert all(got[int(v)] == b for v, b in zip(picks, base)), "baseline and gates disagree"
        per_fn = t_base / sample
        tot_ex += t_ex
        tot_red += t_red
        rows.append(
            {
                "workload": f"simulate n=4, all 65,536, K=10, 100 epochs, {name}",
                "gates_exhaustive_s": round(t_ex, 3),
                "gates_threshold_only_s": round(t_red, 3),
                "numpy_per_function_s": round(per_fn, 5),
                "numpy_65536_extrapolated_s": round(per_fn * 65536, 1),
                "ratio_exhaustive": round(per_fn * 65536 / t_ex, 1),
                "learnable": ex.learnable,
            }
        )
    rows.append({"workload": "simulate n=4, four rules in total", "gates_exhaustive_s": round(tot_ex, 3),
                 "gates_threshold_only_s": round(tot_red, 3)})
    for n, label in ((4, "all 65,536"), (5, "94,572 threshold of 2^32"), (6, "15,028,134 threshold")):
        tables = threshold_functions(n)[0] if n > 4 else np.arange(1 << 16, dtype=np.uint64).reshape(-1, 1)
        for name in ("hebb", "hebb-tanh"):
            shallow_census("all", 2, name, mode="exact")
            res, t = timed(lambda: shallow_census("all", n, name, mode="exact", exhaustive=(n == 4)))
            ref, tb = timed(lambda: numpy_exact(tables[:, 0], n, name == "hebb-tanh"))
            assert int(ref.sum()) == res.learnable
            rows.append({"workload": f"exact n={n} ({label}), {name}", "gates_s": round(t, 3),
                         "numpy_s": round(tb, 3), "ratio": round(tb / t, 1), "learnable": res.learnable})
        res, t = timed(lambda: shallow_census("all", n, "hebb", mode="exact", classes="np"))
        rows.append({"workload": f"exact n={n}, hebb, NP classes", "gates_s": round(t, 4),
                     "learnable": res.learnable})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--baseline-functions", type=int, default=256)
    args = ap.parse_args()
    rows = run(args.baseline_functions)
    if args.json:
        print(json.dumps({"threads": numba.get_num_threads(), "benchmarks": rows}))
        return
    print(f"numba threads: {numba.get_num_threads()}")
    for r in rows:
        name = r.pop("workload")
        print(f"{name:<58} " + "  ".join(f"{k}={v}" for k, v in r.items()))


if __name__ == "__main__":
    main()

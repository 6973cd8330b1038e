"""Benchmark of the two-layer census beside a naive per-target numpy simulation.

Run:  python scripts/bench_deep.py [--json] [--baseline-functions 64] [--n5]

* Two-layer census of all 65,536 functions of n = 4, h = 8, K = 10, 100
  epochs per layer, for the paper's pairs (hidden rule / output rule):
  gates trains each restart's hidden layer once and reuses it for every
  target. The baseline does what a straightforward implementation does:
  for each target it trains the whole network (hidden layer included) in
  numpy, the K restarts vectorised. It runs on a random sample of targets;
  its per-target time is scaled to 65,536, and its outcomes are compared
  with gates' on the sample.
* ``--n5``: also the census of all functions of n = 5 through their 616,126
  NPN classes for one pair (hebb / gradient), h = 16 (about 20 minutes).

Times are warm (numba cache loaded, one small call before timing).
"""

import argparse
import json
import time

import numpy as np

from gates.learning.two_layer import DeepNet, deep_train
from gates.studies.deep_census import deep_census
from gates.tables import PAPER_COMBOS
from gates.learning.protocol import Protocol
from gates.learning.rules import get_rule


def numpy_two_layer(v, n, hid, top, protocol, h):
    """One target, K restarts at once: the hidden layer and the output gate, step by step."""
    x = protocol.inputs(n)
    s = x.shape[1]
    off = -1.0 if protocol.encoding == "pm1" else 0.0
    bits = (v >> np.arange(1 << n)) & 1
    t = np.where(bits == 1, 1.0, off)
    init, orders, w0 = protocol.draws(h + 1, x.shape[0], hidden=(h, s))
    etas = protocol.etas()
    K = protocol.restarts

    def rule_delta(terms, o, xv, w, tv):
        d = np.zeros_like(w)
        for c, a, b, cw, dt in terms:
            d = d + c * o**a * xv**b * w**cw * tv**dt
        return d

    if hid != "none":
        hr = get_rule(hid, "unsupervised")
        u = w0.copy()  # (K, h, s)
        w = np.tanh(u) if hr.saturate else u.copy()
        for e in range(protocol.epochs):
            for q in range(x.shape[0]):
                xp = x[orders[:, e, q]][:, None, :]  # (K, 1, s)
                o = np.where((w * xp).sum(axis=2, keepdims=True) > 0, 1.0, off)
                u += etas[e] * rule_delta(hr.as_array(), o, xp, w, 0.0)
                w = np.tanh(u) if hr.saturate else u
    else:
        w = w0
    feats = np.where(np.einsum("khs,ps->kph", w, x) > 0, 1.0, off)  # (K, P, h)
    feats = np.concatenate([feats, np.ones(feats.shape[:2] + (1,))], axis=2)
    tr = get_rule(top, "clamped")
    u = init.copy()
    wt = np.tanh(u) if tr.saturate else u.copy()
    ks = np.arange(K)
    for e in range(protocol.epochs):
        for q in range(x.shape[0]):
            p = orders[:, e, q]
            fp = feats[ks, p]  # (K, h+1)
            o = np.where((wt * fp).sum(axis=1, keepdims=True) > 0, 1.0, off)
            u += etas[e] * rule_delta(tr.as_array(), o, fp, wt, t[p][:, None])
            wt = np.tanh(u) if tr.saturate else u
    act = np.einsum("kph,kh->kp", feats, wt)
    sign = np.where(bits == 1, 1.0, -1.0)
    return np.all(act * sign > 0, axis=1)  # (K,)


def run(sample, n5):
    proto = Protocol()
    n, h = 4, 8
    rng = np.random.default_rng(0)
    picks = rng.choice(1 << 16, sample, replace=False)
    deep_census("all", 2, "gradient", "hebb")  # warm the kernels
    rows = []
    for hid, top in PAPER_COMBOS:
        t0 = time.perf_counter()
        res = deep_census("all", n, top, hid, hidden=h, protocol=proto)
        t_gates = time.perf_counter() - t0
        t0 = time.perf_counter()
        base = np.array([numpy_two_layer(int(v), n, hid, top, proto, h) for v in picks])
        t_base = (time.perf_counter() - t0) / sample * (1 << 16)
        got = deep_train(picks.astype(np.uint64), n, top, DeepNet(h, hid), proto)
        rows.append({
            "workload": f"two-layer census n=4 h=8 K=10 100 epochs, {hid}/{top}, all 65,536 functions",
            "gates_s": round(t_gates, 3),
            "baseline_s_scaled": round(t_base, 1),
            "ratio": round(t_base / t_gates, 1),
            "learnable": res.learnable,
            "baseline_agrees_on_sample": f"{int(np.sum(np.all(base == got, axis=1)))}/{sample}",
        })
    if n5:
        t0 = time.perf_counter()
        res = deep_census("all", 5, "gradient", "hebb", protocol=proto, classes="npn")
        rows.append({
            "workload": "two-layer census n=5 h=16, hebb/gradient, all 2^32 functions via 616,126 NPN classes",
            "gates_s": round(time.perf_counter() - t0, 1),
            "learnable": res.learnable,
        })
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-functions", type=int, default=64)
    ap.add_argument("--n5", action="store_true", help="also the n = 5 NPN census (about 20 minutes)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = run(args.baseline_functions, args.n5)
    if args.json:
        print(json.dumps({"benchmarks": rows}))
        return
    for r in rows:
        print(r["workload"])
        line = f"  gates {r['gates_s']:.2f} s"
        if "ratio" in r:
            line += (f"   naive per-target numpy {r['baseline_s_scaled']:.0f} s (scaled)   ratio {r['ratio']}x"
                     f"   agree {r['baseline_agrees_on_sample']}")
        print(line + f"   learnable {r['learnable']:,}")


if __name__ == "__main__":
    main()

"""Benchmark of sampling deep targets beside a straightforward numpy implementation.

Run:  python scripts/bench_deep_targets.py [--json]

* Target selection (the inner loop): for every hidden layer of the default
  autoencoder 32-16-6-16-32 at its initial weights, on the default 512
  training examples, with S = 64 (the default) and 512 (flip sampler) and
  S = 2^6 = 64 (exhaustive, bottleneck) candidates per example group. gates runs one
  threaded numba kernel over the groups; the baseline, per group, pushes
  the S candidates through the layers above with numpy matrix products and
  picks the minimiser with np.lexsort. Throughput is examples x candidates
  per second; the chosen targets are compared.
* The default experiment: deep targets at the default budget, wall time
  (the baselines and their tuning: ``gates deep-targets``).

Times are warm (numba cache loaded, one call before timing).
"""

import argparse
import json
import time

import numpy as np

from gates.learning.deep_targets import DeepTargetsConfig, deep_targets
from gates.learning.target_search import choose_targets, sample_candidates
from gates.learning.threshold_net import forward, init_weights, synthetic_data


def numpy_choose(weights, l, acts, Y, cands, keys, off):
    """Per group: candidates through the upper layers by matrix products, then lexsort."""
    uniq, inv = np.unique(acts[l], axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    out = np.empty_like(uniq)
    for g in range(len(uniq)):
        c = np.concatenate([uniq[g][None, :], cands[g]])  # the current activity first
        a = c
        for W in weights[l:]:
            a = np.where(a @ W[:, :-1].T + W[:, -1] > 0, 1.0, off)
        members = Y[inv == g]
        err = (a[:, None, :] != members[None, :, :]).sum(axis=(1, 2))
        dist = (c != uniq[g]).sum(axis=1)
        key = np.concatenate([[-1.0], keys[g]])
        out[g] = c[np.lexsort((key, dist, err))[0]]
    return out[inv]


def run():
    cfg = DeepTargetsConfig()
    X, _ = synthetic_data()
    A = np.where(X[:512] > 0, 1.0, cfg.off)
    weights = init_weights(cfg.layers, np.random.default_rng(1))
    acts = forward(weights, A, cfg.off)
    rng = np.random.default_rng(2)
    rows = []
    for l in range(1, len(weights)):
        for sampler, samples in (("flip", 64), ("flip", 512), ("exhaustive", 0)):
            if sampler == "exhaustive" and cfg.layers[l] > 8:
                continue
            uniq = np.unique(acts[l], axis=0)
            cands = sample_candidates(uniq, sampler, samples, rng, cfg.off, cfg.flip_p)
            keys = rng.random(cands.shape[:2])
            choose_targets(weights, l, acts, A, cands, keys, cfg.off)  # warm
            reps = 5
            t0 = time.perf_counter()
            for _ in range(reps):
                got, _, _ = choose_targets(weights, l, acts, A, cands, keys, cfg.off)
            t_gates = (time.perf_counter() - t0) / reps
            t0 = time.perf_counter()
            want = numpy_choose(weights, l, acts, A, cands, keys, cfg.off)
            t_np = time.perf_counter() - t0
            work = len(A) * cands.shape[1]
            rows.append({
                "workload": f"target selection, layer {l} ({cfg.layers[l]} units, {len(uniq)} groups), "
                            f"{sampler} S={cands.shape[1]}",
                "gates_s": t_gates, "numpy_s": t_np, "ratio": t_np / t_gates,
                "gates_per_s": work / t_gates, "numpy_per_s": work / t_np,
                "same_targets": bool(np.array_equal(got, want)),
            })
    from gates.studies.deep_targets_study import DEFAULT_BUDGET

    t0 = time.perf_counter()
    res = deep_targets(X[:512], X[512:], DeepTargetsConfig(seed=0, epochs=10 ** 6, budget=DEFAULT_BUDGET))
    rows.append({"workload": f"default experiment (seed 0 data): deep targets, default config, "
                             f"{DEFAULT_BUDGET:,} gate evaluations ({len(res['curve']) - 1} epochs)",
                 "gates_s": time.perf_counter() - t0,
                 "final": {"deep-targets": round(res["curve"][-1][2], 4)}})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = run()
    if args.json:
        print(json.dumps({"benchmarks": rows}))
        return
    for r in rows:
        print(r["workload"])
        if "ratio" in r:
            print(f"  gates {r['gates_s'] * 1e3:.2f} ms ({r['gates_per_s']:.3g} example-candidates/s)   numpy "
                  f"{r['numpy_s'] * 1e3:.1f} ms ({r['numpy_per_s']:.3g}/s)   ratio {r['ratio']:.1f}x   "
                  f"same targets: {r['same_targets']}")
        else:
            print(f"  {r['gates_s']:.2f} s   held-out errors {r['final']}")


if __name__ == "__main__":
    main()

"""Benchmarks of the enumeration layer, each beside a straightforward numpy baseline.

Run:  python scripts/bench.py [--json] [--skip-cold]

Every workload is timed warm (after one call that compiles or loads the numba
cache) as the best of a few repeats, together with a plain numpy
implementation of the same result in the same process; both results are
compared before a time is printed. Where the baseline cannot reach the
target size it is run at a smaller n and the ratio is stated at that n.
A cold start (empty numba cache, fresh process) is timed last.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from itertools import permutations, product

import numpy as np

from gates.boolean.families import monotone_functions
from gates.boolean.orbits import classes_of_all
from gates.boolean.threshold_classes import clear_cache, np_classes, threshold_functions


def best_of(fn, repeat=3):
    out, best = None, float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


# ---------------------------------------------------------------- baselines


def numpy_monotone(n):
    """M_n = {lo | hi << 2^(n-1) : lo <= hi in M_(n-1)}, one vector op per hi."""
    m = np.array([0, 1], dtype=np.uint64)
    for k in range(1, n + 1):
        half = np.uint64(1 << (k - 1))
        parts = [m[(m & ~hi) == 0] | (hi << half) for hi in m]
        m = np.sort(np.concatenate(parts))
    return m


def numpy_threshold(n, wmax):
    """All threshold functions by brute force over integer weights in [-wmax, wmax].

    For each weight vector the distinct functions are [u.x >= t] for t
    running over the sorted activations (plus one above the maximum).
    """
    pts = np.array(list(product([0, 1], repeat=n)))[:, ::-1]  # row p = bits of p
    w = np.array(list(product(range(-wmax, wmax + 1), repeat=n)), dtype=np.int64)
    acts = w @ pts.T  # (V, 2^n)
    bits = np.uint64(1) << np.arange(1 << n, dtype=np.uint64)
    tables = [np.zeros(1, dtype=np.uint64)]
    for t in np.unique(acts):
        on = acts >= t
        tables.append((on * bits).sum(axis=1, dtype=np.uint64))
    return np.unique(np.concatenate(tables))


def numpy_np_classes(n, wmax):
    """NP classes of threshold functions: positive ordered ones, by brute force."""
    pts = np.array(list(product([0, 1], repeat=n)))[:, ::-1]
    w = np.array(list(product(range(0, wmax + 1), repeat=n)), dtype=np.int64)
    w = w[np.all(np.diff(w, axis=1) <= 0, axis=1)]  # w0 >= w1 >= ... >= 0
    acts = w @ pts.T
    bits = np.uint64(1) << np.arange(1 << n, dtype=np.uint64)
    tables = [np.zeros(1, dtype=np.uint64)]
    for t in np.unique(acts):
        tables.append(((acts >= t) * bits).sum(axis=1, dtype=np.uint64))
    return np.unique(np.concatenate(tables))


def numpy_npn_classes(n):
    """NPN classes of all functions: minimum over every transform, vectorised."""
    p = np.arange(1 << n)
    f = np.arange(1 << (1 << n), dtype=np.uint64)
    bits = ((f[:, None] >> p.astype(np.uint64)) & np.uint64(1)).astype(np.uint8)
    weights = np.uint64(1) << p.astype(np.uint64)
    best = f.copy()
    for perm in permutations(range(n)):
        for flips in range(1 << n):
            idx = np.zeros_like(p)
            for i in range(n):
                idx |= (((p >> perm[i]) & 1) ^ ((flips >> i) & 1)) << i
            g = (bits[:, idx].astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)
            best = np.minimum(best, np.minimum(g, ~g & np.uint64((1 << (1 << n)) - 1)))
    return np.unique(best)


# ---------------------------------------------------------------- workloads


def run(skip_cold=False):
    rows = []

    def row(name, ours, base, base_name, note=""):
        rows.append(
            {
                "workload": name,
                "gates_s": round(ours, 4),
                "baseline": base_name,
                "baseline_s": None if base is None else round(base, 4),
                "ratio": None if base is None else round(base / ours, 1),
                "note": note,
            }
        )

    # 1. monotone n = 6
    monotone_functions(6)
    ours, t = best_of(lambda: monotone_functions(6), 5)
    base, tb = best_of(lambda: numpy_monotone(6), 3)
    assert np.array_equal(ours[:, 0], base) and len(base) == 7828354
    row("monotone n=6 (7,828,354)", t, tb, "numpy recursion")

    # 2. threshold functions with realisations: ratio at n = 5, absolute at n = 6
    def fresh(n):
        clear_cache()
        return threshold_functions(n)

    fresh(5)
    ours5, t5 = best_of(lambda: fresh(5), 3)
    base5, tb5 = best_of(lambda: numpy_threshold(5, 5), 1)
    assert np.array_equal(ours5[0][:, 0], base5) and len(base5) == 94572
    row("threshold n=5 + realisations (94,572)", t5, tb5, "numpy weight brute force [-5,5]^5")
    ours6, t6 = best_of(lambda: fresh(6), 2)
    assert ours6[0].shape[0] == 15028134
    row("threshold n=6 + realisations (15,028,134)", t6, None, "-", "baseline infeasible (19^6 weights)")

    # 3. NP-class census: ratio at n = 6, absolute at n = 7
    def census(n):
        clear_cache()
        return np_classes(n)

    c6, t6c = best_of(lambda: census(6), 3)
    b6, tb6 = best_of(lambda: numpy_np_classes(6, 9), 1)
    assert np.array_equal(np.sort(c6.tables[:, 0]), b6) and len(b6) == 1113
    row("NP classes of threshold n=6 (1,113)", t6c, tb6, "numpy sorted-weight brute force [0,9]^6")
    c7, t7c = best_of(lambda: census(7), 2)
    assert c7.total == 8378070864
    row("NP classes of threshold n=7 (29,375; 8,378,070,864)", t7c, None, "-", "baseline infeasible")

    # 4. NPN classes of all functions: ratio at n = 4, absolute at n = 5
    r4, t4 = best_of(lambda: classes_of_all(4, "npn"), 3)
    b4, tb4 = best_of(lambda: numpy_npn_classes(4), 1)
    assert np.array_equal(r4[0][:, 0], b4) and len(b4) == 222
    row("NPN classes of all n=4 (222)", t4, tb4, "numpy min over 768 transforms")
    r5, t5n = best_of(lambda: classes_of_all(5, "npn"), 1)
    assert len(r5[0]) == 616126 and int(r5[1].sum()) == 1 << 32
    row("NPN classes of all n=5 (616,126)", t5n, None, "-", "kitty reports ~90 s on one core")

    # 5. cold start: a fresh process with an empty numba cache
    if not skip_cold:
        for cmd in (
            ["enumerate", "monotone", "-n", "6", "--count"],
            ["enumerate", "threshold", "-n", "7", "--classes", "np", "--count"],
            ["enumerate", "all", "-n", "4", "--classes", "npn", "--count"],
        ):
            with tempfile.TemporaryDirectory() as cache:
                env = dict(os.environ, NUMBA_CACHE_DIR=cache)
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "gates", *cmd], env=env, check=True, capture_output=True)
                cold = time.perf_counter() - t0
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "gates", *cmd], env=env, check=True, capture_output=True)
                warm = time.perf_counter() - t0
            rows.append(
                {"workload": "process: gates " + " ".join(cmd), "cold_s": round(cold, 2), "warm_s": round(warm, 2)}
            )
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--skip-cold", action="store_true", help="skip the cold-start subprocess runs")
    args = ap.parse_args()
    rows = run(args.skip_cold)
    if args.json:
        print(json.dumps({"benchmarks": rows}))
        return
    for r in rows:
        if "cold_s" in r:
            print(f"{r['workload']:<62} cold {r['cold_s']:7.2f} s   warm {r['warm_s']:7.2f} s")
        else:
            base = "" if r["baseline_s"] is None else f"  {r['baseline']}: {r['baseline_s']:.4f} s  ratio {r['ratio']}x"
            print(f"{r['workload']:<62} gates {r['gates_s']:.4f} s{base}  {r['note']}")


if __name__ == "__main__":
    main()

"""Benchmark of Hopfield orientations and isometry checks beside a pure-Python baseline.

Run:  python scripts/bench_hopfield.py [--json]

For n = 8, 10, 12 and 3 Hebb memories: building the orientation of the
n-cube (energies of all states, every edge directed or tied) and checking
one isometry (store the images, compare edge sets; plus the networkx
relabelling check), against a plain Python loop over states and edges.
"""

import argparse
import json
import time

import numpy as np

from gates.learning.hopfield import check_invariance, isometries, orientation


def python_orientation(memories, n):
    """Energies by loops over pairs, edges by loops over states and units."""
    o = [[2 * ((m >> i) & 1) - 1 for i in range(n)] for m in memories]
    w = [[sum(x[i] * x[j] for x in o) if i != j else 0 for j in range(n)] for i in range(n)]
    e = []
    for p in range(1 << n):
        s = [2 * ((p >> i) & 1) - 1 for i in range(n)]
        e.append(-sum(w[i][j] * s[i] * s[j] for i in range(n) for j in range(i + 1, n)))
    down = set()
    for p in range(1 << n):
        for i in range(n):
            q = p ^ (1 << i)
            if p < q and e[p] != e[q]:
                down.add((p, q) if e[q] < e[p] else (q, p))
    return down


def run():
    rows = []
    for n in (8, 10, 12):
        mem = np.random.default_rng(n).choice(1 << n, 3, replace=False)
        t0 = time.perf_counter()
        o = orientation(mem, n)
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        G = o.graph()
        t_graph = time.perf_counter() - t0
        perm, flips = next(isometries(n, "sample:1", seed=n))
        t0 = time.perf_counter()
        ok, _ = check_invariance(mem, n, perm, flips, base=o)
        t_check = time.perf_counter() - t0
        t0 = time.perf_counter()
        ok_nx, _ = check_invariance(mem, n, perm, flips, base=o, use_networkx=True)
        t_nx = time.perf_counter() - t0
        t0 = time.perf_counter()
        down = python_orientation(mem.tolist(), n)
        t_py = time.perf_counter() - t0
        rows.append({"n": n, "states": 1 << n, "edges": n << (n - 1), "build_s": round(t_build, 4), "digraph_s": round(t_graph, 4),
                     "graph_edges": G.number_of_edges(), "check_one_isometry_s": round(t_check, 4),
                     "check_with_networkx_s": round(t_nx, 4), "python_build_s": round(t_py, 4),
                     "ratio_build": round(t_py / t_build, 1), "invariant": bool(ok and ok_nx),
                     "same_edges": down == o.edge_set()})
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
        print(f"n={r['n']}: {r['states']:,} states, {r['edges']:,} edges; orientation {r['build_s']:.4f} s, DiGraph {r['digraph_s']:.3f} s "
              f"(pure Python energies+edges {r['python_build_s']:.3f} s, {r['ratio_build']}x); one isometry "
              f"{r['check_one_isometry_s']:.3f} s, with the networkx relabelling {r['check_with_networkx_s']:.3f} s; "
              f"invariant {r['invariant']}, same edges {r['same_edges']}")


if __name__ == "__main__":
    main()

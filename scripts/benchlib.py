"""Shared pieces of the benchmark scripts: best-of-n timing and the report."""

import argparse
import json
import time


def best(fn, repeat=3):
    """(fastest wall time of `repeat` calls, the last result)."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def report(doc, workloads):
    """Run the workloads (callables returning a dict or a list of dicts) and print them, or one JSON list with --json."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    for w in workloads:
        r = w()
        rows += r if isinstance(r, list) else [r]
    if args.json:
        print(json.dumps(rows))
        return
    for r in rows:
        line = f"{r['workload']}: gates {r['gates_s']} s"
        if "baseline_s" in r:
            line += f", baseline {r['baseline_s']} s, ratio {r['ratio']}x"
        extra = {k: v for k, v in r.items() if k not in ("workload", "gates_s", "baseline_s", "ratio")}
        print(line + (f"  {extra}" if extra else ""))

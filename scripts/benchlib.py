"""Shared pieces of the benchmark scripts: best-of-n timing, the report, and the machine they ran on.

The machine: numpy's float64 matrix product as the practical peak (:func:`matmul_gflops`, at BLAS's default
thread count or at 1), the CPU model, BLAS's thread count, and the cores other processes kept busy while a
benchmark ran (:class:`OtherLoad`).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # pragma: no cover - the subprocess fallback below
    threadpool_info = threadpool_limits = None


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


def timed(fn):
    """(fn(), its wall time in seconds): one call."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def table(rows, cols):
    """Rows (dicts) as an aligned text table; cols: (header, key)."""
    cells = [[h for h, _ in cols]] + [["" if r.get(k) is None else str(r[k]) for _, k in cols] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(cols))]
    lines = []
    for j, c in enumerate(cells):
        lines.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(c, widths))))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --- the machine ------------------------------------------------------------------------------------------

_MATMUL_SNIPPET = """
import sys, time, numpy as np
size, repeat = int(sys.argv[1]), int(sys.argv[2])
a = np.random.default_rng(0).standard_normal((size, size)); b = np.random.default_rng(1).standard_normal((size, size))
a @ b
ts = []
for _ in range(repeat):
    t0 = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t0)
print(min(ts))
"""


def matmul_gflops(a, b, repeat, threads=None):
    """GFLOP/s of a @ b (float64, best of `repeat`, 2 n^3 flops); threads=1 limits BLAS to one thread."""
    size = a.shape[0]
    if threads is None or threadpool_limits is not None:
        if threads is None:
            t, _ = best(lambda: a @ b, repeat)
        else:
            with threadpool_limits(limits=threads, user_api="blas"):
                t, _ = best(lambda: a @ b, repeat)
    else:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads))
        res = subprocess.run([sys.executable, "-c", _MATMUL_SNIPPET, str(size), str(repeat)], env=env,
                             capture_output=True, text=True, check=True)
        t = float(res.stdout.strip())
    return 2.0 * size**3 / t / 1e9


def cpu_model():
    """The CPU's model name (/proc/cpuinfo, else platform)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class OtherLoad:
    """Cores kept busy by other processes while the benchmark ran (/proc/stat busy time minus ours), and stolen."""

    def __init__(self):
        self.start = self._sample()

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat") as f:
                v = [int(c) for c in f.readline().split()[1:9]]  # user nice system idle iowait irq softirq steal
        except (OSError, ValueError):
            return None
        tick = os.sysconf("SC_CLK_TCK")
        t = os.times()
        ours = t.user + t.system + t.children_user + t.children_system  # with the subprocesses waited for
        return (v[0] + v[1] + v[2] + v[5] + v[6]) / tick, v[7] / tick, ours, time.perf_counter()

    def cores(self):
        """(cores busy with other processes, cores stolen by the hypervisor), averaged over the run."""
        end = self._sample()
        if end is None or self.start is None:
            return None, None
        busy, steal, ours, wall = (b - a for a, b in zip(self.start, end))
        return round(max(0.0, busy - ours) / wall, 2), round(steal / wall, 2)


def one_thread_via():
    """How :func:`matmul_gflops` limits BLAS to one thread: 'threadpoolctl' or 'subprocess'."""
    return "threadpoolctl" if threadpool_limits is not None else "subprocess"


def blas_threads():
    """BLAS's thread count (threadpoolctl), or None when it cannot be read."""
    if threadpool_info is None:
        return None
    info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return info[0]["num_threads"] if info else None

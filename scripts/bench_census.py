"""Benchmark of the one-gate census kernels against the machine's practical peak, in one process.

Run:  python scripts/bench_census.py [--json] [--quick] [--baseline-functions N]

The workload (issue 19): one threshold gate, every named rule (hebb, oja,
hebb-tanh, gradient; clamped, default Protocol), n = 4, all 65,536 functions
(exhaustive), K = 10 restarts, 100 epochs. ``--quick`` times a sorted random
sample of 4,096 of the functions instead, with fewer repeats (2), a 16-function
numpy sample and no census or n = 6 exact rows (under a minute). Every time
is warm: each kernel runs once on a few targets first.

Which row times which kernel:

* ``lockstep``: :func:`gates.learning.lockstep.learnt_matrix` (blocks of
  targets trained in lockstep); best of 3 at numba's default thread count
  and best of 3 at 1 thread, the two interleaved.
* ``old``: :func:`gates.learning.gate.simulate_many` (one target at a time),
  the kernel the lockstep kernel replaces; best of 1. Its success counts
  must equal the lockstep kernel's (asserted), and the speed-up is old /
  lockstep.
* ``numpy``: a straightforward numpy loop (:func:`numpy_train`, one function
  at a time, the K restarts vectorised) on a random sample of the functions,
  its per-function time scaled to the workload; its success counts are
  checked against the lockstep kernel's.
* ``census``: :func:`gates.studies.census.shallow_census` end to end
  (exhaustive, and with the default threshold-only reduction); it calls
  whichever kernel the census module uses (printed). Full runs only.
* ``exact``: the exact mode at n = 4, 5, 6 against numpy's vectorised
  canonical-form condition (c = T X, margins T (X c)).
* ``block sweep``: the lockstep kernel for hebb and gradient at 16, 32, 64,
  128 targets per block, at the default thread count and at 1 (best of 3,
  interleaved); every block size must give the same learnt matrix
  (asserted).

FLOP model (the arithmetic of the per-target update as the lockstep kernel
performs it), per target, per synapse, per step, with S = n + 1 synapses and
P = 2^n steps per epoch:

* the update u += eta * d: 2 flops (1 mul + 1 add);
* each power w^c of the weight the kernel evaluates, c = 1 .. d where
  d = :func:`gates.learning.lockstep.weight_degree` of the rule's table
  (the highest power with a non-zero coefficient): w is 1 mul + 1 add, w^2
  2 mul + 1 add, w^3 3 mul + 1 add (the power, its coefficient, its sum
  into the change);
* a rule that reads O: the dot product w . x, 2 flops per synapse.

tanh, comparisons, selects and the final margin check are not counted. So
hebb and hebb-tanh 2, oja 4, gradient 4 flops per synapse-step, and

    total = F * K * epochs * P * S * flops    (F functions)

e.g. 65,536 * 10 * 100 * 16 * 5 * 2 = 1.05e10 flops for hebb.

The practical peak is numpy's float64 matrix product (2000 x 2000, best of
5, 2 n^3 flops), measured in the same run right before each rule's kernel
timing (the machine is noisy), with BLAS's default thread count and with 1
thread (threadpoolctl, or else a subprocess with OPENBLAS_NUM_THREADS=1 and
OMP_NUM_THREADS=1). The kernel's GFLOP/s is reported as a fraction of it at
the same thread count.

The machine may be shared: the report gives the cores other processes kept
busy (from /proc/stat, minus this process's own CPU time) over the run and
while each rule's peak and lockstep kernel were timed. A kernel call that
opens many parallel regions waits at every region's barrier for a thread
the OS may have descheduled: on a shared machine its 2-thread time can be
many times its 1-thread time (the threads table shows it).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numba
import numpy as np
from benchlib import best

import gates.studies.census as census_module
from gates.boolean.threshold_classes import threshold_functions
from gates.learning.gate import simulate_many
from gates.learning.lockstep import BLOCK, learnt_matrix, lockstep_many, weight_degree
from gates.learning.protocol import Protocol
from gates.studies.census import shallow_census

RULES = ("hebb", "oja", "hebb-tanh", "gradient")
N = 4
BLOCKS = (16, 32, 64, 128)
SWEEP_RULES = ("hebb", "gradient")
MATMUL = 2000

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # pragma: no cover - the subprocess fallback below
    threadpool_info = threadpool_limits = None


# --- the model ------------------------------------------------------------------------------------------

def flops_per_update(table_k, uses_output):
    """Flops per target, synapse and step of the lockstep update (the FLOP model of the module docstring)."""
    wdeg = weight_degree(table_k)
    return 2 + sum(c + 1 for c in range(1, wdeg + 1)) + (2 if uses_output else 0)


def total_flops(functions, protocol, n, per_update):
    """F * K * epochs * P * S * flops."""
    return functions * protocol.restarts * protocol.epochs * (1 << n) * (n + 1) * per_update


# --- the practical peak: numpy's matrix product -----------------------------------------------------------

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
        return (v[0] + v[1] + v[2] + v[5] + v[6]) / tick, v[7] / tick, t.user + t.system, time.perf_counter()

    def cores(self):
        """(cores busy with other processes, cores stolen by the hypervisor), averaged over the run."""
        end = self._sample()
        if end is None or self.start is None:
            return None, None
        busy, steal, ours, wall = (b - a for a, b in zip(self.start, end))
        return round(max(0.0, busy - ours) / wall, 2), round(steal / wall, 2)


def blas_threads():
    if threadpool_info is None:
        return None
    info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return info[0]["num_threads"] if info else None


# --- the straightforward numpy baselines --------------------------------------------------------------------

def numpy_train(v, n, rule, protocol, init, orders, etas):
    """One function, K restarts at once: plain numpy per presentation. Returns the success count.

    The verdict is the kernels' (:func:`gates.learning.gate.learnt`): finite weights and every margin
    above the relative tolerance.
    """
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
    xn = np.linalg.norm(x, axis=1)[:, None]
    ok = np.all((m > 0) & (m > protocol.tolerance * np.linalg.norm(w, axis=1)[None, :] * xn), axis=0)
    return int(np.sum(ok & np.all(np.isfinite(w), axis=1)))


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


def census_kernel():
    """The kernel gates.studies.census trains with: 'lockstep' when it imports gates.learning.lockstep."""
    names = vars(census_module).values()
    if any(v is learnt_matrix or v is lockstep_many or getattr(v, "__name__", "") == "gates.learning.lockstep"
           for v in names):
        return "lockstep"
    return "simulate_many"


# --- the workloads ------------------------------------------------------------------------------------------

class Workload:
    """The n = 4 census arrays shared by every rule: inputs, draws, the functions timed."""

    def __init__(self, functions):
        self.proto = Protocol()
        self.x = self.proto.inputs(N)
        self.init, self.orders = self.proto.draws(self.x.shape[1], self.x.shape[0])
        self.etas = self.proto.etas()
        every = np.arange(1 << (1 << N), dtype=np.uint64)
        if functions < every.size:
            every = np.sort(np.random.default_rng(0).choice(every, functions, replace=False))
        self.tables = np.ascontiguousarray(every.reshape(-1, 1))

    def lockstep(self, rule, table_k, tables=None, block=BLOCK):
        tables = self.tables if tables is None else tables
        return learnt_matrix(tables, self.x, table_k, rule, self.init, self.orders, self.etas, False,
                             self.proto.tolerance, block=block)

    def old(self, rule, table_k, tables=None):
        tables = self.tables if tables is None else tables
        successes = np.zeros(len(tables), dtype=np.int64)
        simulate_many(tables, self.x, self.proto.encoding == "pm1", table_k, rule.saturate, rule.uses_output,
                      rule.uses_weight, self.init, self.orders, self.etas, False, self.proto.tolerance, successes)
        return successes


def bench_rule(wl, name, cfg, mm):
    """Lockstep (default threads and 1, interleaved), old kernel, numpy baseline, matmul peaks, for one rule."""
    others = OtherLoad()
    rule = wl.proto.named_rule(name)
    table_k = wl.proto.rule_table(rule)
    per_update = flops_per_update(table_k, rule.uses_output)
    flops = total_flops(len(wl.tables), wl.proto, N, per_update)
    wl.lockstep(rule, table_k, wl.tables[:BLOCK])  # warm
    wl.old(rule, table_k, wl.tables[:2])

    # the practical peak right before this rule's kernel timing
    mm_n = matmul_gflops(*mm, cfg["matmul_repeat"])
    mm_1 = matmul_gflops(*mm, cfg["matmul_repeat"], threads=1)
    threads = numba.get_num_threads()
    times = {threads: [], 1: []}
    ref = None
    try:
        for _ in range(cfg["repeat"]):
            for t in (threads, 1):  # interleaved: the machine is noisy
                numba.set_num_threads(t)
                out, dt = timed(lambda: wl.lockstep(rule, table_k))
                times[t].append(dt)
                if ref is None:
                    ref = out
                assert np.array_equal(out, ref), f"{name}: the learnt matrix depends on the thread count"
    finally:
        numba.set_num_threads(threads)
    t_lock, t_one = min(times[threads]), min(times[1])
    busy = others.cores()[0]  # while the peak and the lockstep kernel were timed

    t_old, old = best(lambda: wl.old(rule, table_k), cfg["old_repeat"])
    counts = ref.sum(axis=1)
    assert np.array_equal(old, counts), f"{name}: lockstep and simulate_many success counts differ"

    picks = np.sort(np.random.default_rng(1).choice(len(wl.tables), cfg["baseline"], replace=False))
    base, t_base = timed(lambda: [numpy_train(int(wl.tables[i, 0]), N, rule, wl.proto, wl.init, wl.orders, wl.etas)
                                  for i in picks])
    assert np.array_equal(np.array(base), counts[picks]), f"{name}: numpy baseline and lockstep disagree"
    t_numpy = t_base / len(picks) * len(wl.tables)

    gf, gf_one = flops / t_lock / 1e9, flops / t_one / 1e9
    return {
        "rule": name,
        "functions": len(wl.tables),
        "flops_per_synapse_step": per_update,
        "weight_degree": weight_degree(table_k),
        "reads_output": bool(rule.uses_output),
        "gflop": round(flops / 1e9, 3),
        "lockstep_s": round(t_lock, 4),
        "lockstep_gflops": round(gf, 2),
        "matmul_gflops": round(mm_n, 1),
        "lockstep_vs_matmul": round(gf / mm_n, 4),
        "old_s": round(t_old, 3),
        "speedup_over_old": round(t_old / t_lock, 1),
        "numpy_sample": len(picks),
        "numpy_per_function_s": round(t_base / len(picks), 5),
        "numpy_extrapolated_s": round(t_numpy, 1),
        "speedup_over_numpy": round(t_numpy / t_lock, 1),
        "threads": threads,
        "lockstep_1thread_s": round(t_one, 4),
        "lockstep_1thread_gflops": round(gf_one, 2),
        "matmul_1thread_gflops": round(mm_1, 1),
        "lockstep_1thread_vs_matmul_1thread": round(gf_one / mm_1, 4),
        "thread_scaling": round(t_one / t_lock, 2),
        "matmul_thread_scaling": round(mm_n / mm_1, 2),
        "other_processes_cores": busy,
        "learnable": int(np.count_nonzero(counts)),
        "successes_total": int(counts.sum()),
    }, counts


def bench_blocks(wl, cfg):
    """The lockstep kernel at BLOCKS targets per block, at the default thread count and at 1, best of `repeat`
    (all interleaved); every block size and thread count must give the same learnt matrix."""
    rows = []
    threads = numba.get_num_threads()
    for name in SWEEP_RULES:
        rule = wl.proto.named_rule(name)
        table_k = wl.proto.rule_table(rule)
        flops = total_flops(len(wl.tables), wl.proto, N, flops_per_update(table_k, rule.uses_output))
        times = {(t, b): [] for t in (threads, 1) for b in BLOCKS}
        ref = None
        try:
            for _ in range(cfg["repeat"]):
                for t in (threads, 1):
                    numba.set_num_threads(t)
                    for b in BLOCKS:
                        out, dt = timed(lambda: wl.lockstep(rule, table_k, block=b))
                        times[t, b].append(dt)
                        if ref is None:
                            ref = out
                        assert np.array_equal(out, ref), f"{name}: block {b}, {t} threads changes the learnt matrix"
        finally:
            numba.set_num_threads(threads)
        for t in (threads, 1):
            row = {"rule": name, "threads": t, "functions": len(wl.tables)}
            for b in BLOCKS:
                row[f"block_{b}_s"] = round(min(times[t, b]), 4)
            for b in BLOCKS:
                row[f"block_{b}_gflops"] = round(flops / min(times[t, b]) / 1e9, 2)
            row["fastest_block"] = min(BLOCKS, key=lambda b: min(times[t, b]))
            rows.append(row)
    return rows


def bench_census_rows(wl, lockstep_counts):
    """shallow_census end to end, exhaustive and threshold-only (whichever kernel the census calls)."""
    rows = []
    kernel = census_kernel()
    for name in RULES:
        shallow_census("all", 2, name)  # warm
        ex, t_ex = timed(lambda: shallow_census("all", N, name, exhaustive=True))
        red, t_red = timed(lambda: shallow_census("all", N, name))
        assert ex.learnable == red.learnable
        got = dict(zip((int(t[0]) for t in ex.tables), ex.successes))
        assert all(got[int(v)] == c for v, c in zip(wl.tables[:, 0], lockstep_counts[name])), \
            f"{name}: shallow_census and the lockstep kernel disagree"
        rows.append({"rule": name, "kernel": kernel, "exhaustive_s": round(t_ex, 3),
                     "threshold_only_s": round(t_red, 3), "learnable": ex.learnable})
    return rows


def bench_exact(quick):
    rows = []
    sizes = ((4, "all 65,536"), (5, "94,572 threshold of 2^32")) + (() if quick else ((6, "15,028,134 threshold"),))
    for n, label in sizes:
        tables = threshold_functions(n)[0] if n > 4 else np.arange(1 << 16, dtype=np.uint64).reshape(-1, 1)
        for name in ("hebb", "hebb-tanh"):
            shallow_census("all", 2, name, mode="exact")
            res, t = timed(lambda: shallow_census("all", n, name, mode="exact", exhaustive=(n == 4)))
            ref, tb = timed(lambda: numpy_exact(tables[:, 0], n, name == "hebb-tanh"))
            assert int(ref.sum()) == res.learnable
            rows.append({"workload": f"exact n={n} ({label}), {name}", "gates_s": round(t, 3),
                         "numpy_s": round(tb, 3), "ratio": round(tb / t, 1), "learnable": res.learnable})
        res, t = timed(lambda: shallow_census("all", n, "hebb", mode="exact", classes="np"))
        rows.append({"workload": f"exact n={n}, hebb, NP classes", "gates_s": round(t, 4), "numpy_s": None,
                     "ratio": None, "learnable": res.learnable})
    return rows


def run(quick, baseline):
    cfg = {"functions": 4096 if quick else 1 << 16, "repeat": 2 if quick else 3, "old_repeat": 1,
           "matmul_repeat": 3 if quick else 5, "baseline": baseline if baseline else (16 if quick else 256)}
    others = OtherLoad()  # other processes on the machine skew every timing below
    wl = Workload(cfg["functions"])
    rng = np.random.default_rng(2)
    mm = (rng.standard_normal((MATMUL, MATMUL)), rng.standard_normal((MATMUL, MATMUL)))
    mm[0] @ mm[1]  # warm the BLAS threads
    rules, counts = [], {}
    for name in RULES:
        row, counts[name] = bench_rule(wl, name, cfg, mm)
        rules.append(row)
    blocks = bench_blocks(wl, cfg)
    census = [] if quick else bench_census_rows(wl, counts)  # checked against the lockstep counts (exhaustive)
    exact = bench_exact(quick)
    return {
        "workload": {"n": N, "functions": cfg["functions"], "exhaustive": not quick, "restarts": wl.proto.restarts,
                     "epochs": wl.proto.epochs, "form": "clamped", "protocol": "default", "block": BLOCK},
        "machine": {"cpus": os.cpu_count(), "processor": cpu_model(), "numba_threads": numba.get_num_threads(),
                    "threading_layer": numba.threading_layer(), "blas_threads": blas_threads(),
                    "numpy": np.__version__, "numba": numba.__version__,
                    **dict(zip(("other_processes_cores", "stolen_cores"), others.cores()))},
        "flop_model": {
            "per": "target, synapse and step (S = n + 1 synapses, P = 2^n steps per epoch)",
            "update": "u += eta * d: 2 flops",
            "weight": "each power w^c evaluated, c = 1 .. weight_degree(table): c mul + 1 add",
            "output": "a rule that reads O adds the dot product w . x: 2 flops per synapse",
            "not_counted": "tanh, comparisons, selects, the final margin check",
            "total": "F * K * epochs * P * S * flops",
        },
        "matmul": {"size": MATMUL, "repeat": cfg["matmul_repeat"], "flops": "2 n^3",
                   "one_thread_via": "threadpoolctl" if threadpool_limits is not None else "subprocess"},
        "repeats": {"lockstep": cfg["repeat"], "old": cfg["old_repeat"], "blocks": cfg["repeat"]},
        "rules": rules,
        "blocks": blocks,
        "census": census,
        "exact": exact,
    }


# --- the report ------------------------------------------------------------------------------------------------

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


def show(res):
    w, m, fm = res["workload"], res["machine"], res["flop_model"]
    scope = "all 65,536 functions (exhaustive)" if w["exhaustive"] else f"a sample of {w['functions']:,} functions (--quick)"
    print(f"One gate, n = {w['n']}, {scope}, K = {w['restarts']}, {w['epochs']} epochs, clamped, default Protocol")
    print(f"machine: {m['cpus']} CPUs ({m['processor']}), numba {m['numba']} with {m['numba_threads']} threads, "
          f"numpy {m['numpy']}, BLAS threads {m['blas_threads']}")
    print(f"numba threading layer: {m['threading_layer']}; other processes kept {m['other_processes_cores']} "
          f"cores busy on average during the run, the hypervisor stole {m['stolen_cores']}")
    if (m["other_processes_cores"] or 0) > 0.25:
        print("  warning: the machine was shared; the times, the multi-thread ones above all, are not the machine's")
    print(f"FLOP model, per {fm['per']}:")
    for k in ("update", "weight", "output"):
        print(f"  {fm[k]}")
    print(f"  not counted: {fm['not_counted']};  total = {fm['total']}")
    mm = res["matmul"]
    print(f"peak: numpy float64 matmul {mm['size']} x {mm['size']} ({mm['flops']} flops, best of {mm['repeat']}), "
          f"measured right before each rule; 1 thread via {mm['one_thread_via']}")
    print()
    print(f"Kernels [lockstep = gates.learning.lockstep.learnt_matrix (block {w['block']}, best of "
          f"{res['repeats']['lockstep']}); old = gates.learning.gate.simulate_many (best of {res['repeats']['old']}); "
          f"numpy = numpy_train on a sample, extrapolated]; same success counts asserted")
    print(table(res["rules"], [("rule", "rule"), ("flops/upd", "flops_per_synapse_step"), ("GFLOP", "gflop"),
                               ("lockstep s", "lockstep_s"), ("GFLOP/s", "lockstep_gflops"),
                               ("matmul GFLOP/s", "matmul_gflops"), ("/ matmul", "lockstep_vs_matmul"),
                               ("old s", "old_s"), ("vs old", "speedup_over_old"),
                               ("numpy s (extrap.)", "numpy_extrapolated_s"), ("vs numpy", "speedup_over_numpy"),
                               ("learnable", "learnable")]))
    print()
    t = res["rules"][0]["threads"]
    print(f"Threads [lockstep kernel at 1 and {t} numba threads, interleaved, best of {res['repeats']['lockstep']}; "
          f"matmul with 1 BLAS thread]")
    print(table(res["rules"], [("rule", "rule"), ("1 thread s", "lockstep_1thread_s"), (f"{t} threads s", "lockstep_s"),
                               ("scaling", "thread_scaling"), ("1-thr GFLOP/s", "lockstep_1thread_gflops"),
                               ("1-thr matmul GFLOP/s", "matmul_1thread_gflops"),
                               ("/ 1-thr matmul", "lockstep_1thread_vs_matmul_1thread"),
                               ("matmul scaling", "matmul_thread_scaling"),
                               ("others' cores", "other_processes_cores")]))
    print()
    print(f"Block sweep [lockstep kernel, targets per block, best of {res['repeats']['blocks']}, interleaved; "
          f"identical learnt matrices asserted]")
    print(table(res["blocks"], [("rule", "rule"), ("threads", "threads")] + [(f"{b} s", f"block_{b}_s") for b in BLOCKS]
                + [(f"{b} GFLOP/s", f"block_{b}_gflops") for b in BLOCKS] + [("fastest", "fastest_block")]))
    if res["census"]:
        print()
        print(f"Census [gates.studies.census.shallow_census end to end, kernel = {res['census'][0]['kernel']}; "
              f"exhaustive (all 65,536) and threshold-only]")
        print(table(res["census"], [("rule", "rule"), ("exhaustive s", "exhaustive_s"),
                                    ("threshold-only s", "threshold_only_s"), ("learnable", "learnable")]))
    print()
    print("Exact mode [shallow_census(mode='exact') against numpy's vectorised canonical-form condition]")
    print(table(res["exact"], [("workload", "workload"), ("gates s", "gates_s"), ("numpy s", "numpy_s"),
                               ("numpy / gates", "ratio"), ("learnable", "learnable")]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--quick", action="store_true",
                    help="a 4,096-function sample, fewer repeats, no census or n = 6 rows (under a minute)")
    ap.add_argument("--baseline-functions", type=int, default=None,
                    help="functions the numpy baseline trains per rule (default 256; 16 with --quick)")
    args = ap.parse_args()
    res = run(args.quick, args.baseline_functions)
    if args.json:
        print(json.dumps(res))
    else:
        show(res)


if __name__ == "__main__":
    main()

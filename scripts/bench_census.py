"""Benchmark of the census kernels (one gate and two layers) against the machine's practical peak, in one process.

Run:  python scripts/bench_census.py [--json] [--quick] [--n5] [--baseline-functions N]

The workloads (issue 19), every named rule (hebb, oja, hebb-tanh, gradient;
clamped, default Protocol), n = 4, all 65,536 functions (exhaustive),
K = 10 restarts, 100 epochs:

* one gate (S = n + 1 = 5 synapses);
* two layers: h = 8 hidden gates learning with hebb, hidden-first, the
  output gate (S = h + 1 = 9 synapses) learning with the rule; the hidden
  layer is trained once (:func:`gates.learning.two_layer.hidden_layer`) and
  the same layer object is given to both kernels.

``--quick`` times a sorted random sample of 4,096 of the functions instead
(both sections), with fewer repeats (2), a 16-function numpy sample and no
n = 6 exact rows (under a minute). ``--n5`` adds the issue's n = 5 workload
(about 2 minutes; see below). Every time is warm: each kernel runs once on
a few targets first.

Which row times which kernel:

* ``lockstep``: :func:`gates.learning.lockstep.learnt_matrix` (blocks of
  targets trained in lockstep) at its default block
  (:func:`gates.learning.lockstep.block_size`, printed per rule); best of 3
  at numba's default thread count and best of 3 at 1 thread, interleaved.
* ``old``: :func:`gates.learning.gate.simulate_many` (one target at a time),
  the kernel the lockstep kernel replaces; best of 1. Its success counts
  must equal the lockstep kernel's (asserted), and the speed-up is old /
  lockstep.
* ``numpy``: a straightforward numpy loop (:func:`numpy_train`, one function
  at a time, the K restarts vectorised) on a random sample of the functions
  (64 by default), its per-function time scaled to the workload; its success
  counts are checked against the lockstep kernel's.
* ``two layers``: :func:`gates.learning.two_layer.deep_train` with
  ``kernel="lockstep"`` (best of 3, default threads and 1, interleaved) and
  ``kernel="per-target"`` (the reference, one target at a time; best of 1);
  equal learnt matrices asserted.
* ``census``: :func:`gates.studies.census.shallow_census` end to end with the
  default threshold-only reduction (the 1,882 threshold functions). Its
  exhaustive census is not timed: it trains through ``learnt_matrix``, the
  kernel of the lockstep rows.
* ``early exits``: the any-epoch criterion (a target may stop after any
  epoch) for hebb and gradient, lockstep against the per-target kernel,
  beside the lockstep time under the final criterion.
* ``exact``: the exact mode at n = 4, 5, 6 against numpy's vectorised
  canonical-form condition (c = T X, margins T (X c)).
* ``block sweep``: the one-gate lockstep kernel for hebb and gradient at 32,
  64, 128, 256 targets per block, at the default thread count and at 1
  (best of 3, interleaved), the default block marked; every block size must
  give the learnt matrix of the default block (asserted).
* ``n = 5`` (``--n5`` only): ``gates learn -n 5 --layers 2 --classes npn
  --rule gradient --hidden-rule hebb --json`` as a subprocess, the issue's
  "two-layer n = 5 census, one pair, one seed, through stratified classes":
  its wall time (interpreter start, imports and numba's cache included) and
  the ``seconds`` it reports.

FLOP model (the arithmetic of the per-target update as the lockstep kernel
performs it), per target, per synapse, per step, with S synapses and
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

    total = pairs * epochs * P * S * flops

where pairs are the (target, restart) pairs trained: F * K for one gate
(S = n + 1), e.g. 65,536 * 10 * 100 * 16 * 5 * 2 = 1.05e10 flops for hebb.
For two layers (S = h + 1 = 9) only the pairs whose fibres agree are
trained: (f, k) is trained iff f is constant on restart k's fibres (inputs
p, q with equal feature rows in ``layer.features[k]`` have equal labels),
counted in numpy by :func:`fibre_pairs`; the others are refused without
training (no output gate separates equal feature rows). Both kernels skip
them, so the same count is the work of both.

The practical peak is numpy's float64 matrix product (2000 x 2000, best of
5, 2 n^3 flops), measured in the same run right before each rule's kernel
timing (the machine is noisy), with BLAS's default thread count and with 1
thread (threadpoolctl, or else a subprocess with OPENBLAS_NUM_THREADS=1 and
OMP_NUM_THREADS=1). The kernel's GFLOP/s is reported as a fraction of it at
the same thread count.

The machine may be shared: the report gives the cores other processes kept
busy (from /proc/stat, minus this process's own CPU time) over the run and
while each rule's peak and lockstep kernel were timed.
"""

import argparse
import json
import os
import subprocess
import sys

import numba
import numpy as np
from benchlib import OtherLoad, best, blas_threads, cpu_model, matmul_gflops, one_thread_via, table, timed

import gates.studies.census as census_module
from gates.boolean.threshold_classes import threshold_functions
from gates.learning.gate import simulate_many
from gates.learning.lockstep import MAX_BLOCK, block_size, learnt_matrix, weight_degree
from gates.learning.protocol import Protocol
from gates.learning.two_layer import DeepNet, deep_train, hidden_layer, top_rule
from gates.studies.census import shallow_census

RULES = ("hebb", "oja", "hebb-tanh", "gradient")
N = 4
BLOCKS = (32, 64, 128, 256)
HIDDEN = 8  # two layers: h, hidden rule hebb, hidden-first
HIDDEN_RULE = "hebb"
N5_COMMAND = ("learn", "-n", "5", "--layers", "2", "--classes", "npn", "--rule", "gradient", "--hidden-rule", "hebb",
              "--json")
SWEEP_RULES = ("hebb", "gradient")
MATMUL = 2000


# --- the model ------------------------------------------------------------------------------------------

def flops_per_update(table_k, uses_output):
    """Flops per target, synapse and step of the lockstep update (the FLOP model of the module docstring)."""
    wdeg = weight_degree(table_k)
    return 2 + sum(c + 1 for c in range(1, wdeg + 1)) + (2 if uses_output else 0)


def total_flops(pairs, protocol, points, synapses, per_update):
    """pairs * epochs * P * S * flops: pairs = the (target, restart) pairs trained (F * K for one gate)."""
    return pairs * protocol.epochs * points * synapses * per_update


def fibre_pairs(tables, features):
    """keep[f, k]: the two-layer pair (tables[f], restart k) is trained, in numpy (one-word tables).

    Restart k's frozen features split the inputs into fibres (inputs with equal feature rows); the
    output gate trains on tables[f] iff the table is constant on every fibre: for all inputs p, q with
    ``features[k, p] == features[k, q]`` (every column), bits p and q of the table are equal.
    """
    points = features.shape[1]
    bits = ((tables[:, :1] >> np.arange(points, dtype=np.uint64)) & np.uint64(1)).astype(bool)  # (F, P)
    keep = np.empty((len(tables), features.shape[0]), dtype=bool)
    for k, feat in enumerate(features):
        same = np.all(feat[:, None, :] == feat[None, :, :], axis=2)  # (P, P)
        p, q = np.nonzero(np.triu(same, 1))
        keep[:, k] = np.all(bits[:, p] == bits[:, q], axis=1)
    return keep


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


def census_kernel():
    """The kernel gates.studies.census trains with: 'lockstep' when it imports gates.learning.lockstep."""
    names = vars(census_module).values()
    if any(v is learnt_matrix or getattr(v, "__name__", "") == "gates.learning.lockstep" for v in names):
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

    def block(self, rule, table_k):
        """The block learnt_matrix picks by default for this rule (block=None)."""
        return block_size(self.x.shape[0], self.x.shape[1], rule.uses_output, weight_degree(table_k))

    def lockstep(self, rule, table_k, tables=None, block=None, any_epoch=False):
        tables = self.tables if tables is None else tables
        return learnt_matrix(tables, self.x, table_k, rule, self.init, self.orders, self.etas, any_epoch,
                             self.proto.tolerance, block=block)

    def old(self, rule, table_k, tables=None, any_epoch=False):
        tables = self.tables if tables is None else tables
        successes = np.zeros(len(tables), dtype=np.int64)
        simulate_many(tables, self.x, self.proto.encoding == "pm1", table_k, rule.saturate, rule.uses_output,
                      rule.uses_weight, self.init, self.orders, self.etas, any_epoch, self.proto.tolerance,
                      successes)
        return successes


def interleaved(fn, repeat, what):
    """fn() at numba's default thread count and at 1, interleaved, best of `repeat` each.

    Returns (default-threads time, 1-thread time, the default thread count, the result); every call must
    return the same array (asserted: results do not depend on the thread count).
    """
    threads = numba.get_num_threads()
    times = {threads: [], 1: []}
    ref = None
    try:
        for _ in range(repeat):
            for t in (threads, 1):  # interleaved: the machine is noisy
                numba.set_num_threads(t)
                out, dt = timed(fn)
                times[t].append(dt)
                if ref is None:
                    ref = out
                assert np.array_equal(out, ref), f"{what}: the learnt matrix depends on the thread count"
    finally:
        numba.set_num_threads(threads)
    return min(times[threads]), min(times[1]), threads, ref


def peak_columns(flops, t_lock, t_one, mm_n, mm_1, threads):
    """The GFLOP/s columns shared by the one-gate and two-layer rows."""
    gf, gf_one = flops / t_lock / 1e9, flops / t_one / 1e9
    return {
        "gflop": round(flops / 1e9, 3),
        "lockstep_s": round(t_lock, 4),
        "lockstep_gflops": round(gf, 2),
        "matmul_gflops": round(mm_n, 1),
        "lockstep_vs_matmul": round(gf / mm_n, 4),
        "threads": threads,
        "lockstep_1thread_s": round(t_one, 4),
        "lockstep_1thread_gflops": round(gf_one, 2),
        "matmul_1thread_gflops": round(mm_1, 1),
        "lockstep_1thread_vs_matmul_1thread": round(gf_one / mm_1, 4),
        "thread_scaling": round(t_one / t_lock, 2),
        "matmul_thread_scaling": round(mm_n / mm_1, 2),
    }


def bench_rule(wl, name, cfg, mm):
    """Lockstep (default block; default threads and 1, interleaved), old kernel, numpy baseline, matmul peaks.

    Returns (row, the lockstep learnt matrix (F, K)).
    """
    others = OtherLoad()
    rule = wl.proto.named_rule(name)
    table_k = wl.proto.rule_table(rule)
    per_update = flops_per_update(table_k, rule.uses_output)
    flops = total_flops(len(wl.tables) * wl.proto.restarts, wl.proto, wl.x.shape[0], wl.x.shape[1], per_update)
    wl.lockstep(rule, table_k, wl.tables[:MAX_BLOCK])  # warm
    wl.old(rule, table_k, wl.tables[:2])

    # the practical peak right before this rule's kernel timing
    mm_n = matmul_gflops(*mm, cfg["matmul_repeat"])
    mm_1 = matmul_gflops(*mm, cfg["matmul_repeat"], threads=1)
    t_lock, t_one, threads, ref = interleaved(lambda: wl.lockstep(rule, table_k), cfg["repeat"], name)
    busy = others.cores()[0]  # while the peak and the lockstep kernel were timed

    t_old, old = best(lambda: wl.old(rule, table_k), cfg["old_repeat"])
    counts = ref.sum(axis=1)
    assert np.array_equal(old, counts), f"{name}: lockstep and simulate_many success counts differ"

    picks = np.sort(np.random.default_rng(1).choice(len(wl.tables), cfg["baseline"], replace=False))
    base, t_base = timed(lambda: [numpy_train(int(wl.tables[i, 0]), N, rule, wl.proto, wl.init, wl.orders, wl.etas)
                                  for i in picks])
    assert np.array_equal(np.array(base), counts[picks]), f"{name}: numpy baseline and lockstep disagree"
    t_numpy = t_base / len(picks) * len(wl.tables)

    return {
        "rule": name,
        "functions": len(wl.tables),
        "block": wl.block(rule, table_k),
        "flops_per_synapse_step": per_update,
        "weight_degree": weight_degree(table_k),
        "reads_output": bool(rule.uses_output),
        **peak_columns(flops, t_lock, t_one, mm_n, mm_1, threads),
        "old_s": round(t_old, 3),
        "speedup_over_old": round(t_old / t_lock, 1),
        "numpy_sample": len(picks),
        "numpy_per_function_s": round(t_base / len(picks), 5),
        "numpy_extrapolated_s": round(t_numpy, 1),
        "speedup_over_numpy": round(t_numpy / t_lock, 1),
        "other_processes_cores": busy,
        "learnable": int(np.count_nonzero(counts)),
        "successes_total": int(counts.sum()),
    }, ref


def bench_deep(wl, cfg, mm):
    """Two layers (h = 8, hidden hebb, hidden-first): deep_train's lockstep and per-target kernels, per output rule.

    One hidden layer (computed once) for every call. Lockstep best of `repeat` at the default thread count
    and at 1 (interleaved), per-target best of `old_repeat`; equal learnt matrices asserted.
    """
    net = DeepNet(HIDDEN, HIDDEN_RULE)
    layer, t_layer = timed(lambda: hidden_layer(N, net, wl.proto))
    keep = fibre_pairs(wl.tables, layer.features)
    pairs = int(keep.sum())
    points, synapses = layer.features.shape[1:]
    rows = []
    for name in RULES:
        others = OtherLoad()
        rule = top_rule(name, wl.proto)
        table_k = wl.proto.rule_table(rule)
        per_update = flops_per_update(table_k, rule.uses_output)
        flops = total_flops(pairs, wl.proto, points, synapses, per_update)

        def train(kernel, tables=wl.tables):
            return deep_train(tables, N, name, net, wl.proto, layer=layer, kernel=kernel)

        train("lockstep", wl.tables[:MAX_BLOCK])  # warm
        train("per-target", wl.tables[:2])
        mm_n = matmul_gflops(*mm, cfg["matmul_repeat"])
        mm_1 = matmul_gflops(*mm, cfg["matmul_repeat"], threads=1)
        t_lock, t_one, threads, ref = interleaved(lambda: train("lockstep"), cfg["repeat"], f"two layers, {name}")
        busy = others.cores()[0]
        t_old, old = best(lambda: train("per-target"), cfg["old_repeat"])
        assert np.array_equal(old, ref), f"two layers, {name}: lockstep and per-target learnt matrices differ"
        assert not np.any(ref & ~keep), f"two layers, {name}: a pair whose fibres disagree was learnt"
        rows.append({
            "rule": name,
            "functions": len(wl.tables),
            "hidden": HIDDEN,
            "hidden_rule": HIDDEN_RULE,
            "synapses": int(synapses),
            "block": int(block_size(points, synapses, rule.uses_output, weight_degree(table_k))),
            "trained_pairs": pairs,
            "trained_fraction": round(pairs / keep.size, 4),
            "flops_per_synapse_step": per_update,
            **peak_columns(flops, t_lock, t_one, mm_n, mm_1, threads),
            "per_target_s": round(t_old, 3),
            "speedup_over_per_target": round(t_old / t_lock, 1),
            "hidden_layer_s": round(t_layer, 3),
            "other_processes_cores": busy,
            "learnable": int(np.count_nonzero(ref.any(axis=1))),
            "successes_total": int(ref.sum()),
        })
    return rows


def bench_blocks(wl, cfg, default_matrices):
    """The lockstep kernel at BLOCKS targets per block, at the default thread count and at 1, best of `repeat`
    (all interleaved); every block size and thread count must give the learnt matrix of the default block."""
    rows = []
    threads = numba.get_num_threads()
    for name in SWEEP_RULES:
        rule = wl.proto.named_rule(name)
        table_k = wl.proto.rule_table(rule)
        flops = total_flops(len(wl.tables) * wl.proto.restarts, wl.proto, wl.x.shape[0], wl.x.shape[1],
                            flops_per_update(table_k, rule.uses_output))
        times = {(t, b): [] for t in (threads, 1) for b in BLOCKS}
        ref = default_matrices[name]
        try:
            for _ in range(cfg["repeat"]):
                for t in (threads, 1):
                    numba.set_num_threads(t)
                    for b in BLOCKS:
                        out, dt = timed(lambda: wl.lockstep(rule, table_k, block=b))
                        times[t, b].append(dt)
                        assert np.array_equal(out, ref), f"{name}: block {b}, {t} threads changes the learnt matrix"
        finally:
            numba.set_num_threads(threads)
        for t in (threads, 1):
            row = {"rule": name, "threads": t, "functions": len(wl.tables), "default_block": wl.block(rule, table_k)}
            for b in BLOCKS:
                row[f"block_{b}_s"] = round(min(times[t, b]), 4)
            for b in BLOCKS:
                row[f"block_{b}_gflops"] = round(flops / min(times[t, b]) / 1e9, 2)
            row["fastest_block"] = min(BLOCKS, key=lambda b: min(times[t, b]))
            rows.append(row)
    return rows


def bench_census_rows(wl, lockstep_counts):
    """shallow_census end to end with the threshold-only reduction; successes checked against the lockstep rows.

    The exhaustive census is not timed when it trains through the lockstep kernel (the rules' rows time it).
    """
    rows = []
    kernel = census_kernel()
    index = {int(v): i for i, v in enumerate(wl.tables[:, 0])}
    for name in RULES:
        shallow_census("all", 2, name)  # warm
        red, t_red = timed(lambda: shallow_census("all", N, name))
        counts = lockstep_counts[name]
        checked = 0
        for v, c in zip(red.tables[:, 0], red.successes):
            if int(v) in index:
                assert counts[index[int(v)]] == c, f"{name}: shallow_census and the lockstep kernel disagree"
                checked += 1
        row = {"rule": name, "kernel": kernel, "threshold_only_s": round(t_red, 3), "functions": len(red.tables),
               "checked_against_lockstep": checked, "learnable": red.learnable}
        if kernel != "lockstep":  # the census trains with another kernel: time its exhaustive run too
            ex, t_ex = timed(lambda: shallow_census("all", N, name, exhaustive=True))
            row["exhaustive_s"] = round(t_ex, 3)
        rows.append(row)
    return rows


def bench_early_exits(wl, cfg, final_times):
    """The any-epoch criterion (a target may stop after any epoch): lockstep against the per-target kernel.

    The per-target kernel returns at a target's first successful check; a lockstep block checks all its
    targets after every epoch and stops only when all have passed. Measured, not assumed: the lockstep
    time here against its final-criterion time (``final_times``) and against the per-target kernel.
    """
    rows = []
    for name in ("hebb", "gradient"):
        rule = Protocol().named_rule(name)
        table_k = Protocol().rule_table(rule)
        wl.lockstep(rule, table_k, wl.tables[:64], any_epoch=True)  # warm
        wl.old(rule, table_k, wl.tables[:2], any_epoch=True)
        t_lock = min(timed(lambda: wl.lockstep(rule, table_k, any_epoch=True))[1] for _ in range(cfg["repeat"]))
        m = wl.lockstep(rule, table_k, any_epoch=True)
        old, t_old = timed(lambda: wl.old(rule, table_k, any_epoch=True))
        assert np.array_equal(m.sum(axis=1), old), f"{name}: any-epoch counts differ"
        rows.append({"rule": name, "any_epoch_lockstep_s": round(t_lock, 4), "final_lockstep_s": final_times[name],
                     "any_epoch_old_s": round(t_old, 3), "speedup_vs_old": round(t_old / t_lock, 1),
                     "learnable": int((old > 0).sum())})
    return rows


def bench_n5():
    """The issue's n = 5 workload end to end: `gates learn ...` (N5_COMMAND) as a subprocess."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
    cmd = [sys.executable, "-m", "gates", *N5_COMMAND]
    others = OtherLoad()
    res, wall = timed(lambda: subprocess.run(cmd, env=env, capture_output=True, text=True, check=True))
    out = json.loads(res.stdout)
    return {"command": "gates " + " ".join(N5_COMMAND), "wall_s": round(wall, 1),
            "reported_seconds": out.get("seconds"), "learnable": out.get("learnable"),
            "functions": out.get("functions"), "evaluated_rows": out.get("evaluated_rows"),
            "other_processes_cores": others.cores()[0]}


def bench_exact(quick):
    rows = []
    sizes = ((4, "all 65,536"), (5, "94,572 threshold of 2^32")) + (() if quick else ((6, "15,028,134 threshold"),))
    for n, label in sizes:
        tables = threshold_functions(n)[0] if n > 4 else np.arange(1 << 16, dtype=np.uint64).reshape(-1, 1)
        for name in ("hebb", "hebb-tanh"):
            shallow_census("all", 2, name, mode="exact", exhaustive=(n == 4))  # warm the same path
            res, t = timed(lambda: shallow_census("all", n, name, mode="exact", exhaustive=(n == 4)))
            ref, tb = timed(lambda: numpy_exact(tables[:, 0], n, name == "hebb-tanh"))
            assert int(ref.sum()) == res.learnable
            rows.append({"workload": f"exact n={n} ({label}), {name}", "gates_s": round(t, 3),
                         "numpy_s": round(tb, 3), "ratio": round(tb / t, 1), "learnable": res.learnable})
        res, t = timed(lambda: shallow_census("all", n, "hebb", mode="exact", classes="np"))
        rows.append({"workload": f"exact n={n}, hebb, NP classes", "gates_s": round(t, 4), "numpy_s": None,
                     "ratio": None, "learnable": res.learnable})
    return rows


def run(quick, baseline, n5=False):
    cfg = {"functions": 4096 if quick else 1 << 16, "repeat": 2 if quick else 3, "old_repeat": 1,
           "matmul_repeat": 3 if quick else 5, "baseline": baseline if baseline else (16 if quick else 64)}
    others = OtherLoad()  # other processes on the machine skew every timing below
    wl = Workload(cfg["functions"])
    rng = np.random.default_rng(2)
    mm = (rng.standard_normal((MATMUL, MATMUL)), rng.standard_normal((MATMUL, MATMUL)))
    mm[0] @ mm[1]  # warm the BLAS threads
    rules, matrices = [], {}
    for name in RULES:
        row, matrices[name] = bench_rule(wl, name, cfg, mm)
        rules.append(row)
    deep = bench_deep(wl, cfg, mm)
    blocks = bench_blocks(wl, cfg, matrices)
    census = bench_census_rows(wl, {k: m.sum(axis=1) for k, m in matrices.items()})
    early = bench_early_exits(wl, cfg, {r["rule"]: r["lockstep_s"] for r in rules})
    exact = bench_exact(quick)
    return {
        "workload": {"n": N, "functions": cfg["functions"], "exhaustive": not quick, "restarts": wl.proto.restarts,
                     "epochs": wl.proto.epochs, "form": "clamped", "protocol": "default", "block": "block_size",
                     "max_block": MAX_BLOCK, "two_layer": {"hidden": HIDDEN, "hidden_rule": HIDDEN_RULE,
                                                           "order": "hidden-first"}},
        "machine": {"cpus": os.cpu_count(), "processor": cpu_model(), "numba_threads": numba.get_num_threads(),
                    "threading_layer": numba.threading_layer(), "blas_threads": blas_threads(),
                    "numpy": np.__version__, "numba": numba.__version__,
                    **dict(zip(("other_processes_cores", "stolen_cores"), others.cores()))},
        "flop_model": {
            "per": "target, synapse and step (S synapses, P = 2^n steps per epoch)",
            "update": "u += eta * d: 2 flops",
            "weight": "each power w^c evaluated, c = 1 .. weight_degree(table): c mul + 1 add",
            "output": "a rule that reads O adds the dot product w . x: 2 flops per synapse",
            "not_counted": "tanh, comparisons, selects, the final margin check",
            "total": "pairs * epochs * P * S * flops",
            "pairs": "one gate: F * K (S = n + 1); two layers: the (target, restart) pairs whose fibres agree, "
                     "the only ones trained (S = h + 1)",
        },
        "matmul": {"size": MATMUL, "repeat": cfg["matmul_repeat"], "flops": "2 n^3",
                   "one_thread_via": one_thread_via()},
        "repeats": {"lockstep": cfg["repeat"], "old": cfg["old_repeat"], "blocks": cfg["repeat"]},
        "rules": rules,
        "two_layer": deep,
        "blocks": blocks,
        "census": census,
        "early_exits": early,
        "exact": exact,
        "n5": bench_n5() if n5 else None,
    }


# --- the report ------------------------------------------------------------------------------------------------

def show(res):
    w, m, fm = res["workload"], res["machine"], res["flop_model"]
    scope = ("all 65,536 functions (exhaustive)" if w["exhaustive"]
             else f"a sample of {w['functions']:,} functions (--quick)")
    print(f"n = {w['n']}, {scope}, K = {w['restarts']}, {w['epochs']} epochs, clamped, default Protocol")
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
    print(f"  pairs: {fm['pairs']}")
    mm = res["matmul"]
    print(f"peak: numpy float64 matmul {mm['size']} x {mm['size']} ({mm['flops']} flops, best of {mm['repeat']}), "
          f"measured right before each rule; 1 thread via {mm['one_thread_via']}")
    rep = res["repeats"]
    t = res["rules"][0]["threads"]
    print()
    print(f"One gate [lockstep = gates.learning.lockstep.learnt_matrix, default block = block_size(...) (column "
          f"'block'), best of {rep['lockstep']}; old = gates.learning.gate.simulate_many (best of {rep['old']}); "
          f"numpy = numpy_train on {res['rules'][0]['numpy_sample']} functions, extrapolated]; same success counts "
          f"asserted")
    print(table(res["rules"], [("rule", "rule"), ("block", "block"), ("flops/upd", "flops_per_synapse_step"),
                               ("GFLOP", "gflop"), ("lockstep s", "lockstep_s"), ("GFLOP/s", "lockstep_gflops"),
                               ("matmul GFLOP/s", "matmul_gflops"), ("/ matmul", "lockstep_vs_matmul"),
                               ("old s", "old_s"), ("vs old", "speedup_over_old"),
                               ("numpy s (extrap.)", "numpy_extrapolated_s"), ("vs numpy", "speedup_over_numpy"),
                               ("learnable", "learnable")]))
    print()
    print(f"One gate, threads [lockstep kernel at 1 and {t} numba threads, interleaved, best of {rep['lockstep']}; "
          f"matmul with 1 BLAS thread]")
    print(table(res["rules"], [("rule", "rule"), ("1 thread s", "lockstep_1thread_s"), (f"{t} threads s", "lockstep_s"),
                               ("scaling", "thread_scaling"), ("1-thr GFLOP/s", "lockstep_1thread_gflops"),
                               ("1-thr matmul GFLOP/s", "matmul_1thread_gflops"),
                               ("/ 1-thr matmul", "lockstep_1thread_vs_matmul_1thread"),
                               ("matmul scaling", "matmul_thread_scaling"),
                               ("others' cores", "other_processes_cores")]))
    d = res["two_layer"]
    if d:
        print()
        print(f"Two layers [h = {d[0]['hidden']}, hidden rule {d[0]['hidden_rule']}, hidden-first, S = "
              f"{d[0]['synapses']}; gates.learning.two_layer.deep_train, one hidden layer for all calls (trained once "
              f"in {d[0]['hidden_layer_s']} s); lockstep best of {rep['lockstep']}, per-target best of {rep['old']}; "
              f"equal learnt matrices asserted; trained pairs (fibres agree): {d[0]['trained_pairs']:,} of "
              f"{d[0]['functions'] * w['restarts']:,} ({d[0]['trained_fraction']:.1%})]")
        print(table(d, [("rule", "rule"), ("block", "block"), ("flops/upd", "flops_per_synapse_step"),
                        ("GFLOP", "gflop"), ("lockstep s", "lockstep_s"), ("GFLOP/s", "lockstep_gflops"),
                        ("matmul GFLOP/s", "matmul_gflops"), ("/ matmul", "lockstep_vs_matmul"),
                        ("per-target s", "per_target_s"), ("vs per-target", "speedup_over_per_target"),
                        ("1 thread s", "lockstep_1thread_s"), ("scaling", "thread_scaling"),
                        ("1-thr GFLOP/s", "lockstep_1thread_gflops"),
                        ("/ 1-thr matmul", "lockstep_1thread_vs_matmul_1thread"),
                        ("others' cores", "other_processes_cores"), ("learnable", "learnable")]))
    print()
    print(f"Block sweep [one-gate lockstep kernel, targets per block, best of {rep['blocks']}, interleaved; "
          f"* = the default block (block_size); every block gives the default block's learnt matrix (asserted)]")
    marked = []
    for r in res["blocks"]:
        r = dict(r)
        for b in BLOCKS:
            for key in (f"block_{b}_s", f"block_{b}_gflops"):
                r[key] = f"{r[key]}{'*' if b == r['default_block'] else ' '}"
        marked.append(r)
    print(table(marked, [("rule", "rule"), ("threads", "threads"), ("default", "default_block")]
                + [(f"{b} s ", f"block_{b}_s") for b in BLOCKS]
                + [(f"{b} GFLOP/s ", f"block_{b}_gflops") for b in BLOCKS] + [("fastest", "fastest_block")]))
    c = res["census"]
    print()
    print(f"Census [gates.studies.census.shallow_census end to end, threshold-only (the default reduction), kernel = "
          f"{c[0]['kernel']}; the exhaustive census"
          + (" is the lockstep rows' kernel, not timed again]" if "exhaustive_s" not in c[0] else ", timed]"))
    print(table(c, [("rule", "rule"), ("functions", "functions"), ("threshold-only s", "threshold_only_s")]
                + ([("exhaustive s", "exhaustive_s")] if "exhaustive_s" in c[0] else [])
                + [("checked vs lockstep", "checked_against_lockstep"), ("learnable", "learnable")]))
    print()
    print("Early exits [criterion any-epoch: a target may stop after any epoch; lockstep blocks check every "
          "target after each epoch and stop when all have passed; same success counts asserted]")
    print(table(res["early_exits"], [("rule", "rule"), ("any-epoch lockstep s", "any_epoch_lockstep_s"),
                                     ("final lockstep s", "final_lockstep_s"), ("any-epoch old s", "any_epoch_old_s"),
                                     ("vs old", "speedup_vs_old"), ("learnable", "learnable")]))
    print()
    print("Exact mode [shallow_census(mode='exact') against numpy's vectorised canonical-form condition]")
    print(table(res["exact"], [("workload", "workload"), ("gates s", "gates_s"), ("numpy s", "numpy_s"),
                               ("numpy / gates", "ratio"), ("learnable", "learnable")]))
    if res["n5"]:
        r = res["n5"]
        print()
        print(f"n = 5 [{r['command']}, a subprocess]: wall {r['wall_s']} s (interpreter, imports and numba cache "
              f"included), reported seconds {r['reported_seconds']}; {r['evaluated_rows']} rows trained; "
              f"learnable {r['learnable']} of {r['functions']}; others' cores {r['other_processes_cores']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--quick", action="store_true",
                    help="a 4,096-function sample, fewer repeats, no n = 6 exact rows (under a minute)")
    ap.add_argument("--n5", action="store_true",
                    help="also time `gates learn -n 5 --layers 2 --classes npn --rule gradient --hidden-rule hebb` "
                         "end to end (about 2 minutes)")
    ap.add_argument("--baseline-functions", type=int, default=None,
                    help="functions the numpy baseline trains per rule (default 64; 16 with --quick)")
    args = ap.parse_args()
    res = run(args.quick, args.baseline_functions, args.n5)
    if args.json:
        print(json.dumps(res))
    else:
        show(res)


if __name__ == "__main__":
    main()

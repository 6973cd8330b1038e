"""Benchmark of the learning-channel kernels beside straightforward numpy baselines, in one process.

Run:  python scripts/bench_channel.py [--json]

* pwlr on the (8, 32, 32, 1) net (W = 1,377, batch 32): gates's batched
  perturbations (every weight perturbed at once, re-propagated from its
  layer) against a Python loop of one full error evaluation per weight;
* pwgrk with k = 64 on the (8, 64, 64, 1) net (W = 4,801): the batched
  errors of 64 perturbed weight vectors against a loop of 64 evaluations;
* the gradient by backprop against central finite differences (2W errors)
  on the (8, 16, 16, 1) net;
* the default `gates channel` study (rates and cosines at five sizes,
  400 weight states each, training runs, the recurrent net).
"""

import time

import numpy as np
from benchlib import best, report

from gates.channel.algorithms import step
from gates.channel.measure import teacher_task
from gates.learning.nets.feedforward import FeedForward
from gates.studies.channel_study import channel_study


def bench_pwlr():
    net = FeedForward((8, 32, 32, 1))
    X, T = teacher_task(net, 32, seed=0)
    w = net.init(1)
    eps = 1e-4

    def loop():
        e0 = net.error(w, X, T)
        d = np.empty(net.n_weights)
        for i in range(net.n_weights):
            v = w.copy()
            v[i] += eps
            d[i] = (net.error(v, X, T) - e0) / eps
        return -d

    step("pwlr", net, w, X, T, rng=0)
    t_g, s = best(lambda: step("pwlr", net, w, X, T, rng=0))
    t_b, d = best(loop, repeat=1)
    return {"workload": f"pwlr step, W = {net.n_weights}, batch 32", "gates_s": round(t_g, 4),
            "baseline_s": round(t_b, 4), "ratio": round(t_b / t_g, 1),
            "max_abs_diff": float(np.max(np.abs(s.direction - d)))}


def bench_pwgrk():
    net = FeedForward((8, 64, 64, 1))
    X, T = teacher_task(net, 32, seed=0)
    w = net.init(1)
    U = np.random.default_rng(2).normal(size=(64, net.n_weights))

    def batched():
        return net.errors(w + 1e-4 * U, X, T)

    def loop():
        return np.array([net.error(w + 1e-4 * u, X, T) for u in U])

    batched()
    t_g, a = best(batched)
    t_b, b = best(loop)
    return {"workload": f"64 global perturbations (pwgrk, k = 64), W = {net.n_weights}, batch 32",
            "gates_s": round(t_g, 4), "baseline_s": round(t_b, 4), "ratio": round(t_b / t_g, 1),
            "max_abs_diff": float(np.max(np.abs(a - b)))}


def bench_bp():
    net = FeedForward((8, 16, 16, 1))
    X, T = teacher_task(net, 32, seed=0)
    w = net.init(1)
    h = 1e-6

    def central():
        g = np.empty(net.n_weights)
        for i in range(net.n_weights):
            v = w.copy()
            v[i] += h
            up = net.error(v, X, T)
            v[i] -= 2 * h
            g[i] = (up - net.error(v, X, T)) / (2 * h)
        return g

    t_g, (_, g) = best(lambda: net.gradient(w, X, T))
    t_b, fd = best(central, repeat=1)
    return {"workload": f"gradient, W = {net.n_weights}: backprop vs central differences", "gates_s": round(t_g, 5),
            "baseline_s": round(t_b, 4), "ratio": round(t_b / t_g, 1),
            "max_rel_diff": float(np.max(np.abs(g - fd)) / np.max(np.abs(fd)))}


def bench_study():
    t0 = time.perf_counter()
    res = channel_study()
    return {"workload": "default channel study (5 sizes x 9 algorithms x 400 states, training, recurrent)",
            "gates_s": round(time.perf_counter() - t0, 2), "study_seconds": res["seconds"]}


if __name__ == "__main__":
    report(__doc__, [bench_pwlr, bench_pwgrk, bench_bp, bench_study])

"""Simulation against exact mode at n = 5, one seed, function by function on the candidates.

Run:  python scripts/n5_candidates.py [--seed S] [--random R] [--json]

Exact two-layer mode (hidden-first) lists, for each restart's frozen hidden
layer, the functions the output rule learns asymptotically and the ties. This
script trains the same seed's two-layer net (the simulation, default
protocol, h = 16) on every exact-learnt function, on every tie, and on R
uniformly random other functions, for the pairs with a clamped output rule
of the paper (hebb/hebb, oja/oja, hebb-tanh/hebb-tanh). It prints how many of
each the simulation learns: the simulated count of the seed is then
(learnt by simulation among the exact-learnt) + (among the ties) + (among the
rest, which the random sample estimates: a 95% Clopper-Pearson bound).
"""

import argparse
import json
import time

import numpy as np
from scipy import stats

from gates.learning.two_layer import DeepNet, deep_train, hidden_layer
from gates.learning.two_layer_exact import output_sets
from gates.learning.protocol import Protocol


def candidates(hid, top, seed, random, rng):
    p, net = Protocol(seed=seed), DeepNet(16, hid)
    layer = hidden_layer(5, net, p)
    sets = output_sets(layer.features, "hebb" if top == "oja" else top)
    learnt, _ = sets.merge()
    ties = np.unique(np.concatenate(sets.ties)) if sets.ties else np.zeros(0, np.uint64)
    ties = ties[~np.isin(ties, learnt)]
    others = rng.integers(0, 2**32, random, dtype=np.uint64)
    others = others[~np.isin(others, np.concatenate([learnt, ties]))]
    t0 = time.perf_counter()
    sim = [int(deep_train(t, 5, top, net, p, layer=layer).any(axis=1).sum()) if len(t) else 0
           for t in (learnt, ties, others)]
    rest = 2**32 - len(learnt) - len(ties)
    upper = stats.beta.ppf(0.95, sim[2] + 1, len(others) - sim[2]) * rest  # one-sided Clopper-Pearson
    return {"pair": f"{hid}/{top}", "seed": seed, "exact_learnt": len(learnt), "sim_of_exact_learnt": sim[0],
            "ties": len(ties), "sim_of_ties": sim[1], "random_others": len(others), "sim_of_others": sim[2],
            "others_upper95": round(float(upper)), "simulated_count_lower": sim[0] + sim[1],
            "seconds": round(time.perf_counter() - t0, 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--random", type=int, default=200_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng([args.seed, 0xCA4D])
    rows = [candidates(h, t, args.seed, args.random, rng)
            for h, t in (("oja", "oja"), ("hebb-tanh", "hebb-tanh"), ("hebb", "hebb"))]
    if args.json:
        print(json.dumps(rows))
        return
    for r in rows:
        print(f"{r['pair']} seed {r['seed']}: simulation learns {r['sim_of_exact_learnt']} of {r['exact_learnt']} "
              f"exact-learnt, {r['sim_of_ties']} of {r['ties']:,} ties, {r['sim_of_others']} of "
              f"{r['random_others']:,} random others (95% bound on the rest: {r['others_upper95']:,}) "
              f"[{r['seconds']} s]")


if __name__ == "__main__":
    main()

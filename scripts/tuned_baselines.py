"""Tuned, compute-matched relaxation baselines on the default deep-targets experiment (issue 16).

Run:  python scripts/tuned_baselines.py [--seeds 1,2,3,4,5] [--kinds backprop,ste] [--budget 5e8] [--out DIR]

For each seed s: the data of ``gates deep-targets --seed s`` (synthetic_data(seed=s),
512 training rows, 256 held-out rows), the 32-16-6-16-32 pm1 network of config seed
s; :func:`gates.deep_baselines.tuned_baseline` chooses optimiser, learning rate and
epochs on a validation split (seed s) of the training rows with the default grid,
then retrains on all 512 training rows within the budget. One JSON per (seed, kind)
in --out (the whole grid with its validation curves, the choice, the final curve and
evaluation counts); one line per run on stdout.
"""

import argparse
import json
import os
import time

from gates.deep_baselines import tuned_baseline
from gates.deep_targets import DeepTargetsConfig, synthetic_data


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--kinds", default="backprop,ste")
    ap.add_argument("--budget", type=float, default=5e8)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    for s in (int(v) for v in args.seeds.split(",")):
        X, info = synthetic_data(seed=s)
        cfg = DeepTargetsConfig(seed=s)
        for kind in args.kinds.split(","):
            t0 = time.perf_counter()
            r = tuned_baseline(kind, X[:512], X[512:], cfg, budget=args.budget, seed=s)
            wall = time.perf_counter() - t0
            c = r["tuning"]["choice"]
            line = {"seed": s, "kind": kind, "budget": int(args.budget), "choice": c,
                    "train_error": r["curve"][-1][1], "held_out_error": r["curve"][-1][2],
                    "evals": r["evals"][-1], "epochs_cap": r["tuning"]["epochs_cap"],
                    "clean_error": info["clean_error"], "wall_seconds": round(wall, 1),
                    "tuning_seconds": round(r["tuning"]["seconds"], 1)}
            print(json.dumps(line), flush=True)
            if args.out:
                with open(os.path.join(args.out, f"{kind}_seed{s}.json"), "w") as fh:
                    json.dump({**line, "data": info, "config": cfg.to_dict(), "curve": r["curve"],
                               "evals_curve": r["evals"], "grid": r["tuning"]["grid"],
                               "split": r["tuning"]["split"]}, fh)


if __name__ == "__main__":
    main()

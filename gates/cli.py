"""The ``gates`` command line: parse, call one public function, print or write.

Every subcommand takes ``--json`` and then prints exactly one JSON object.
Errors a user can cause print one line on stderr and exit with status 2.
"""

import argparse
import json
import os
import sys

from . import __version__
from .errors import GatesError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _progress(total, desc, unit="it"):
    """A tqdm bar on a terminal; nothing when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=False)
    return bar.update, bar.close


def _cmd_enumerate(args):
    from .enumeration import describe_function, enumerate_family, write_enumeration

    if args.function is not None:
        if args.out or args.count:
            raise GatesError("--function describes one function; drop --out and --count")
        info = describe_function(args.function, args.n, args.family, args.classes)
        if args.json:
            print(json.dumps(info))
        else:
            for k, v in info.items():
                print(f"{k}: {v}")
        return 0
    if args.count and args.out:
        raise GatesError("--count prints counts only; drop --count to write --out")
    total = None
    if args.classes == "npn" and args.family == "all":
        total = 1 << ((1 << args.n) - 1) if 0 <= args.n <= 5 else None
    elif args.classes in ("p", "np") and args.family == "all":
        total = 1 << (1 << args.n) if 0 <= args.n <= 5 else None
    update, close = _progress(total, f"{args.family} n={args.n}") if total else (None, lambda: None)
    try:
        res = enumerate_family(args.family, args.n, args.classes, count_only=args.count, progress=update)
    finally:
        close()
    summary = res.summary()
    if args.out:
        write_enumeration(res, args.out, args.format, command=args.command_line)
        summary["out"] = os.path.abspath(args.out)
    if args.json:
        print(json.dumps(summary))
    else:
        line = f"{res.family} functions of n={res.n}: {res.functions:,}"
        if res.classes:
            line += f" in {res.num_classes:,} {res.classes.upper()} classes ({res.representative} representatives)"
        print(line + f"  [{res.method}; {res.seconds:.3f} s]")
        if args.out:
            print(f"wrote {args.out} and its manifest")
    return 0


def _cmd_tables(args):
    import time

    from .census import SHALLOW_SPEC, shallow_table_steps, write_shallow_tables
    from .deep import DEEP_SPEC, deep_table_steps, write_deep_tables
    from .enumeration import DEFAULT_COUNTS_SPEC, write_counts_table

    if args.quick and args.extended:
        raise GatesError("--quick and --extended contradict each other: choose one")
    t0 = time.perf_counter()
    spec = DEFAULT_COUNTS_SPEC
    if args.quick:
        spec = [(f, g, min(m, 4)) for f, g, m in spec]
    steps = sum(m + 1 for _, _, m in spec) + shallow_table_steps(args.quick)
    if not args.quick:
        steps += deep_table_steps(args.extended)
    update, close = _progress(steps, "tables", "row")
    try:
        rows, _ = write_counts_table(args.out, spec, progress=update, command=args.command_line)
        files = ["counts.csv", "counts.md", "counts.manifest.json"]
        files += write_shallow_tables(args.out, quick=args.quick, progress=update, command=args.command_line)
        if not args.quick:
            files += write_deep_tables(args.out, extended=args.extended, progress=update,
                                       command=args.command_line)
    finally:
        close()
    disagree = [r for r in rows if r[7] == "NO"]
    tables = ["counts", *SHALLOW_SPEC]
    if not args.quick:
        tables += [s for s in DEEP_SPEC if args.extended or s != "deep_extended"] + ["deep_width"]
    summary = {
        "out": os.path.abspath(args.out),
        "tables": tables,
        "files": files,
        "rows": len(rows),
        "all_agree": not disagree,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"wrote {', '.join(summary['tables'])} into {args.out} (CSV, Markdown, manifests)")
        print("every count agrees with its reference" if not disagree else f"{len(disagree)} rows DISAGREE")
    return 0 if not disagree else 1


def _protocol_from(args):
    from .protocol import Protocol

    return Protocol(
        encoding=args.encoding, bias=not args.no_bias, init=args.init, init_scale=args.init_scale,
        presentation=args.presentation, epochs=args.epochs, eta0=args.eta0, schedule=args.schedule,
        restarts=args.restarts, criterion=args.criterion, seed=args.seed,
    )


def _cmd_learn(args):
    from .census import shallow_census, write_census

    deep_opts = [f"--{k.replace('_', '-')}" for k in ("hidden", "hidden_rule", "order") if getattr(args, k) is not None]
    if args.layers == 2:
        for flag, bad in (("--mode exact", args.mode == "exact"), ("--exhaustive", args.exhaustive),
                          ("--poly", args.poly is not None), ("--form unsupervised", args.form != "clamped")):
            if bad:
                raise GatesError(f"{flag} is for one gate (--layers 1); two layers simulate every function "
                                 "with a clamped output rule")
        from .deep import deep_census

        res = deep_census(
            args.family, args.n, args.rule, args.hidden_rule or "hebb", hidden=args.hidden,
            order=args.order or "hidden-first", protocol=_protocol_from(args), classes=args.classes,
            workers=args.workers,
        )
    elif args.layers == 1:
        if deep_opts:
            raise GatesError(f"{', '.join(deep_opts)} describe a hidden layer: add --layers 2")
        res = shallow_census(
            args.family, args.n, args.rule, form=args.form, mode=args.mode, protocol=_protocol_from(args),
            classes=args.classes, exhaustive=args.exhaustive, workers=args.workers, poly=args.poly,
        )
    else:
        raise GatesError(f"--layers {args.layers} is not available: allowed 1 (one gate) or 2 (hidden layer + gate)")
    summary = res.summary()
    if args.out:
        summary["out"] = os.path.join(os.path.abspath(args.out), write_census(res, args.out, args.command_line))
    if args.json:
        print(json.dumps(summary))
    else:
        what = f"{res.rule.name} ({res.rule.form}, {res.mode})"
        if res.net is not None:
            what = (f"a {res.net.hidden}-{res.net.hidden_rule} hidden layer ({res.net.order}) under "
                    f"{res.rule.name}")
        print(f"{what} learns {res.learnable:,} of the "
              f"{res.functions:,} {res.family} functions of n={res.n} "
              f"({res.threshold:,} are threshold)  [{res.reduction}; {res.seconds:.2f} s]")
        if "ties" in res.extra:
            print(f"{res.extra['ties']:,} more have a zero asymptotic margin (ties)")
    return 0


def _parse_rule(text):
    if text == "hebb":
        return (0, 0, 1, 0)
    try:
        c = tuple(int(v) for v in text.split(","))
    except ValueError:
        c = ()
    if len(c) != 4:
        raise GatesError(f"--rule {text!r}: use hebb or four integers c0,c1,c2,c3 of "
                         "c0 + c1 (o_i + o_j) + c2 o_i o_j + c3 (o_i^2 + o_j^2)")
    return c


def _cmd_hopfield(args):
    from .hopfield import hopfield_study

    which = args.isometries or ("all" if 1 <= args.n <= 6 else "sample:100")
    res = hopfield_study(args.n, args.memories, _parse_rule(args.rule), args.encoding, which, args.seed)
    if args.json:
        print(json.dumps(res))
        return 0
    print(f"Hopfield net n={res['n']} ({res['encoding']}), rule {res['rule']}, memories {res['memories']}")
    print(f"orientation of the {res['n']}-cube: {res['edges']:,} edges, {res['ties']:,} ties, "
          f"{'acyclic' if res['acyclic'] else 'NOT acyclic'}; {res['minima']} strict minima, "
          f"{res['memories_as_minima']} of {len(res['memories'])} memories among them")
    print(f"asynchronous dynamics: {res['basins']['count']} fixed points, largest basin {res['basins']['largest']}, "
          f"{'every step follows the orientation' if res['dynamics_follow_orientation'] else 'a step left it'}, "
          f"{res['dynamics_climbs']} climbs")
    print(f"isometries checked: {res['isometries_checked']:,}, violations: {res['violations']:,}")
    if res["violation_example"]:
        print(f"example: {json.dumps(res['violation_example'])}")
    return 0


def _cmd_verify(args):
    if args.theorem == "hopfield":
        return _verify_hopfield(args)
    from .theorems import DEEP_LOCAL_EXCEPTIONS, DEEP_LOCAL_TARGETS, deep_local_limit, deep_local_table, theorem_holds

    rules = ("oja", "none") if args.hidden_rule == "both" else (args.hidden_rule,)
    rows = []
    for i, rule in enumerate(rules):
        targets = DEEP_LOCAL_TARGETS + (DEEP_LOCAL_EXCEPTIONS if i == len(rules) - 1 else ())
        rows += deep_local_limit(targets, seed=args.seed, hidden_rule=rule)
    holds = theorem_holds(rows)
    if args.out:
        from .storage import write_table

        header, table = deep_local_table(rows)
        write_table(args.out, "deep_local", header, table, "Deep local learning stops short of critical points",
                    "Two-layer tanh net, linear output, E = 1/2 sum (y - T)^2 on all 2^n inputs. local: hidden "
                    "layer by an unsupervised rule (or fixed), top by gradient descent to convergence; backprop: "
                    "both layers by gradient descent from the same start.", "theorem-deep-local",
                    {"theorem": "deep-local", "hidden_rules": list(rules)}, command=args.command_line,
                    seed=args.seed, results={"holds": holds})
    if args.json:
        print(json.dumps({"theorem": "deep-local", "holds": holds, "seed": args.seed, "rows": rows}))
        return 0 if holds else 1
    print("deep local learning (hidden: unsupervised rule or fixed; top: gradient descent to convergence)")
    print("against backprop from the same start; |dE/dW| is the error gradient on the hidden weights")
    print(f"{'target':<30}{'n':>2}{'h':>4} {'hidden':<6}{'local E':>10}{'|dE/dW|':>10}{'(eta/4)':>10}"
          f"{'bp E':>10}{'bp |dE/dW|':>11}  verdict")
    for r in rows:
        print(f"{r['name']:<30}{r['n']:>2}{r['h']:>4} {r['hidden_rule']:<6}{r['local_error']:>10.3g}"
              f"{r['local_grad_hidden']:>10.3g}"
              + (f"{r['local_grad_hidden_eta_4']:>10.3g}" if r["hidden_rule"] == "oja" else f"{'-':>10}")
              + f"{r['backprop_error']:>10.3g}"
              f"{r['backprop_grad_hidden']:>11.3g}  {r['verdict']}")
    print("theorem demonstrated: " + ("yes" if holds else "NO"))
    return 0 if holds else 1


def _cmd_deep_targets(args):
    from .deep_targets import (BASELINES, DeepTargetsConfig, compare, load_data, synthetic_data,
                               write_deep_targets)

    def sizes(text):
        try:
            return tuple(int(s) for s in text.split(","))
        except ValueError:
            raise GatesError(f"--layers {text!r} is not a comma-separated list of sizes like 32,16,6,16,32") from None

    if args.data:
        train, test = load_data(args.data, args.test_fraction, args.seed)
        info = {"file": os.path.abspath(args.data), "train": len(train), "test": 0 if test is None else len(test),
                "split": f"seeded permutation, last {args.test_fraction:g} held out"}
        n = train.shape[1]
        layers = sizes(args.layers) if args.layers else (n, max(1, n // 2), max(1, min(6, n // 4)), max(1, n // 2), n)
    else:
        layers = sizes(args.layers) if args.layers else (32, 16, 6, 16, 32)
        X, info = synthetic_data(n=layers[0], seed=args.seed)
        train, test = X[:512], X[512:]
        info.update({"train": 512, "test": len(X) - 512})
    baselines = [] if args.baselines == "none" else (list(BASELINES) if args.baselines == "all"
                                                     else args.baselines.split(","))
    cfg = DeepTargetsConfig(layers=layers, encoding=args.encoding, sampler=args.sampler, flip_p=args.flip_p,
                            flip_k=args.flip_k, samples=args.samples, schedule=args.schedule, epochs=args.epochs,
                            inner_epochs=args.inner_epochs, eta=args.eta, accept=args.accept, seed=args.seed)
    update, close = _progress(cfg.epochs, "deep targets", "epoch")
    try:
        res = compare(train, test, cfg, baselines, progress=update, workers=args.workers)
    finally:
        close()
    summary = {"config": cfg.to_dict(), "data": info, "final": res["final"]}
    if args.out:
        files, note = write_deep_targets(res, args.out, cfg, info, args.command_line)
        summary["out"] = os.path.abspath(args.out)
        summary["files"] = files
        if note:
            summary["note"] = note
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"threshold-gate network {'-'.join(map(str, cfg.layers))}, {cfg.epochs} epochs, "
              f"{info['train']} training / {info['test']} held-out examples")
        print(f"{'method':<18}{'train':>9}{'held-out':>10}{'seconds':>9}")
        for m, f in res["final"].items():
            test = "-" if f["test"] is None else f"{f['test']:.4f}"
            print(f"{m:<18}{f['train']:>9.4f}{test:>10}{f['seconds']:>9.2f}")
        if args.out:
            print(f"wrote {', '.join(summary['files'])} into {args.out}" + (f" ({summary['note']})" if "note" in summary else ""))
    return 0


def _verify_hopfield(args):
    from .hopfield import check_invariance, classify_invariant, isometries, orientation, uniqueness_search

    import numpy as np

    rng = np.random.default_rng(np.random.SeedSequence([args.seed, 11]))
    checked = violations = 0
    for n in range(1, 6):
        group = list(isometries(n, "all"))
        for _ in range(6 if n < 5 else 2):
            mem = rng.choice(1 << n, size=int(rng.integers(1, min(4, 1 << n) + 1)), replace=False)
            base = orientation(mem, n)
            for perm, flips in group:
                ok, _ = check_invariance(mem, n, perm, flips, base=base)
                checked += 1
                violations += not ok
    sampled = 0
    for n in range(6, 11):
        for _ in range(3):
            mem = rng.choice(1 << n, size=int(rng.integers(1, 6)), replace=False)
            base = orientation(mem, n)
            for perm, flips in isometries(n, "sample:40", seed=int(rng.integers(1 << 30))):
                ok, _ = check_invariance(mem, n, perm, flips, base=base)
                sampled += 1
                violations += not ok
    search = uniqueness_search(3, seed=args.seed)
    invariant = [dict(r, kind=classify_invariant(r["rule"], r["encoding"])) for r in search if r["verdict"] != "counterexample"]
    broken = next(r for r in search if r["verdict"] == "counterexample")
    holds = violations == 0 and all(r["kind"] in ("hebb", "anti-hebb", "zero") for r in invariant)
    out = {"theorem": "hopfield", "holds": holds, "hebb_isometries_checked": checked,
           "hebb_sampled_checks_n6_to_10": sampled, "hebb_violations": violations,
           "rules_searched": len(search), "search": "coefficients -2..2, n = 3, 12 memory sets, every isometry",
           "invariant_rules": [{k: r[k] for k in ("rule", "encoding", "verdict", "kind")} for r in invariant],
           "counterexample": broken}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"simple Hebb: {checked:,} (memory set, isometry) checks for n = 1..5 (every isometry) and "
              f"{sampled:,} for n = 6..10 (sampled), {violations} violations")
        print(f"rules c0 + c1 (o_i + o_j) + c2 o_i o_j + c3 (o_i^2 + o_j^2), c in -2..2, both codings: "
              f"{len(search)} searched, {len(invariant)} not broken:")
        for r in invariant:
            print(f"  {r['encoding']:<4}{str(r['rule']):<18}{r['verdict']:<10}{r['kind']}")
        print(f"a counterexample, to replay: {json.dumps(broken)}")
        print("theorem demonstrated: " + ("yes" if holds else "NO"))
    return 0 if holds else 1


def build_parser():
    from .families import FAMILIES

    p = _Parser(prog="gates", description="Learnability of Boolean functions by threshold gates.")
    p.add_argument("--version", action="version", version=f"gates {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    e = sub.add_parser(
        "enumerate",
        help="count, list or classify all, monotone or threshold functions",
        description="Count, list or classify the functions of a family. Tables use kitty's "
        "convention: bit p is f(x) with x_i = bit i of p; hex is most significant nibble first.",
    )
    e.add_argument("family", choices=FAMILIES, help="which functions: all, monotone or threshold")
    e.add_argument("-n", type=int, required=True, help="number of inputs")
    e.add_argument(
        "--classes",
        choices=["none", "p", "np", "npn"],
        default="none",
        help="group the functions into symmetry classes under input Permutations, plus input "
        "Negations, plus output Negation; the output lists one representative per class "
        "with its orbit size (default: none)",
    )
    e.add_argument("--count", action="store_true", help="compute counts only, list nothing")
    e.add_argument("--function", metavar="HEX", help="instead of enumerating, decide whether this one "
                   "function (kitty hex) is in the family, with a certificate for threshold, and with "
                   "--classes give its representative, orbit size and the transform reaching it")
    e.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    e.add_argument("--out", metavar="FILE", help="write the functions (or representatives) here, atomically, "
                   "with FILE's manifest beside it")
    e.add_argument("--format", choices=["hex", "npy"], default="hex",
                   help="hex: CSV of kitty hex tables (+ orbit_size, weights, bias); "
                   "npy: one structured array (default: hex)")
    e.set_defaults(func=_cmd_enumerate)

    lp = sub.add_parser(
        "learn",
        help="which functions a threshold gate learns with a local rule",
        description="Learnability census: train one threshold gate (with bias) on every function "
        "of a family, or decide it in exact (asymptotic) mode. Only threshold functions can be "
        "learnt by one gate, so by default only they are trained (--exhaustive trains all). "
        "With --layers 2, a hidden layer learns unsupervised and the output gate clamped; every "
        "function of the family is trained (n <= 4 for all, 5 for monotone) or one per class "
        "with --classes.",
    )
    lp.add_argument("--family", choices=FAMILIES, default="all", help="which functions (default: all)")
    lp.add_argument("-n", type=int, required=True, help="number of inputs")
    lp.add_argument("--layers", type=int, default=1,
                    help="1: one gate; 2: a hidden layer of threshold gates learning unsupervised, "
                    "then an output gate learning clamped (default: 1)")
    lp.add_argument("--hidden", type=int, help="two layers: hidden width h (default: 2^(n-1))")
    lp.add_argument("--hidden-rule", help="two layers: the hidden layer's unsupervised rule: hebb, oja, "
                    "hebb-tanh, or none (fixed random weights) (default: hebb)")
    lp.add_argument("--order", help="two layers: hidden-first (the hidden layer trains, then the output "
                    "gate) or simultaneous (default: hidden-first)")
    lp.add_argument("--rule", default="hebb", help="hebb, oja, gradient or hebb-tanh (default: hebb)")
    lp.add_argument("--form", choices=["clamped", "unsupervised"], default="clamped",
                    help="clamped: the output is replaced by the target (supervised, default)")
    lp.add_argument("--poly", metavar="EXPR", help="a polynomial rule instead of --rule, in O (output), "
                    "x (input), w (weight), T (target), e.g. 'T*x - T^2*w'")
    lp.add_argument("--mode", choices=["simulate", "exact"], default="simulate",
                    help="simulate the protocol, or decide from the asymptotic direction (default: simulate)")
    lp.add_argument("--encoding", choices=["pm1", "01"], default="pm1", help="activity coding (default: pm1)")
    lp.add_argument("--no-bias", action="store_true", help="no bias input")
    lp.add_argument("--init", choices=["normal", "uniform", "zeros"], default="normal",
                    help="initial weight distribution (default: normal)")
    lp.add_argument("--init-scale", type=float, default=0.1, help="std (normal) or half-width (uniform)")
    lp.add_argument("--presentation", choices=["shuffled", "cyclic"], default="shuffled",
                    help="order of the truth table in each epoch (default: shuffled)")
    lp.add_argument("--epochs", type=int, default=100, help="epochs (default: 100)")
    lp.add_argument("--eta0", type=float, default=0.1, help="initial learning rate (default: 0.1)")
    lp.add_argument("--schedule", choices=["linear", "constant"], default="linear",
                    help="learning-rate schedule (default: linear decay to 0)")
    lp.add_argument("--restarts", type=int, default=10, help="random initialisations K (default: 10)")
    lp.add_argument("--criterion", choices=["final", "any-epoch"], default="final",
                    help="success: strict margin after the last epoch, or after any epoch")
    lp.add_argument("--seed", type=int, default=0, help="root seed (default: 0)")
    lp.add_argument("--classes", choices=["none", "p", "np", "npn"], default="none",
                    help="run on threshold class representatives weighted by orbit size "
                    "(np, npn for all/threshold; p for monotone)")
    lp.add_argument("--exhaustive", action="store_true", help="train every function, not only threshold ones")
    lp.add_argument("--workers", type=int, help="threads (default: all cores); results do not depend on it")
    lp.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    lp.add_argument("--out", metavar="DIR", help="write per-function results and the manifest here")
    lp.set_defaults(func=_cmd_learn)

    t = sub.add_parser(
        "tables",
        help="regenerate the tables in enumerations/",
        description="Regenerate the counts table (families and symmetry classes beside their OEIS "
        "values), the shallow learnability tables (Boolean, monotone, extended exact mode) and the "
        "two-layer tables (Boolean, monotone, width; n = 5 with --extended), "
        "each as CSV, Markdown and a JSON manifest.",
    )
    t.add_argument("--out", default="enumerations", metavar="DIR", help="output folder (default: enumerations)")
    t.add_argument("--quick", action="store_true",
                   help="counts and one-gate tables for n <= 4 only, no two-layer tables (seconds)")
    t.add_argument("--extended", action="store_true",
                   help="also the two-layer census of n = 5 (deep_extended; about an hour on 2 cores)")
    t.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    t.set_defaults(func=_cmd_tables)

    d = sub.add_parser(
        "deep-targets",
        help="train a threshold-gate autoencoder by sampling deep targets, against baselines",
        description="Sampling deep targets (paper section 4) on a network of threshold gates, beside "
        "deep local learning, random features, backprop on a tanh relaxation and a straight-through "
        "estimator, on the same data, initial weights and epochs. Default data: 768 vectors of 32 bits "
        "from a random threshold decoder of a 6-bit code with 5%% bit flips (512 train, 256 held out).",
    )
    d.add_argument("--layers", help="sizes, e.g. 32,16,6,16,32 (default: that, or n,n/2,min(6,n/4),n/2,n "
                   "for --data)")
    d.add_argument("--data", metavar="FILE.npy", help="a 0/1 array (rows = examples), read without pickle")
    d.add_argument("--test-fraction", type=float, default=0.25, help="held-out rows of --data (default: 0.25)")
    d.add_argument("--encoding", choices=["pm1", "01"], default="pm1", help="activity coding (default: pm1)")
    d.add_argument("--sampler", choices=["flip", "flip-k", "uniform", "exhaustive", "seen"], default="flip",
                   help="candidate activities: flip each unit with --flip-p, flip exactly --flip-k units, "
                   "uniform, all 2^units (hidden layers <= 12 units), or activities seen on the training set "
                   "(default: flip)")
    d.add_argument("--flip-p", type=float, default=0.15, help="flip probability (default: 0.15)")
    d.add_argument("--flip-k", type=int, default=1, help="units flipped by flip-k (default: 1)")
    d.add_argument("--samples", type=int, default=64, help="candidates per example group (default: 64)")
    d.add_argument("--schedule", choices=["bottom-up", "top-down", "up-down", "random"], default="up-down",
                   help="order of the layers in each epoch (default: up-down, alternating)")
    d.add_argument("--epochs", type=int, default=100, help="epochs (default: 100)")
    d.add_argument("--inner-epochs", type=int, default=2, help="perceptron passes per layer visit (default: 2)")
    d.add_argument("--eta", type=float, default=0.1, help="perceptron learning rate (default: 0.1)")
    d.add_argument("--accept", choices=["non-increasing", "always"], default="non-increasing",
                   help="undo a layer update that raises the training error, or keep it (default: non-increasing)")
    d.add_argument("--baselines", default="all", help="comma-separated: deep-local-hebb, deep-local-oja, "
                   "random-features, backprop, ste; or all, or none (default: all)")
    d.add_argument("--seed", type=int, default=0, help="root seed (default: 0)")
    d.add_argument("--workers", type=int, help="threads (default: all cores); results do not depend on it")
    d.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    d.add_argument("--out", metavar="DIR", help="write curves.csv, summary.{csv,md,manifest.json}, curves.png")
    d.set_defaults(func=_cmd_deep_targets)

    h = sub.add_parser(
        "hopfield",
        help="Hopfield storage, the oriented n-cube and its isometry invariance",
        description="Store random memories in a Hopfield net of n units, orient the n-cube toward lower "
        "energy (a networkx DiGraph; equal-energy edges are reported as ties), check acyclicity, minima "
        "and asynchronous dynamics, and check that storing g(memories) gives g(orientation) for "
        "isometries g of the cube.",
    )
    h.add_argument("-n", type=int, required=True, help="units (1..16)")
    h.add_argument("--memories", type=int, default=3, help="random memories stored (default: 3)")
    h.add_argument("--rule", default="hebb", help="hebb, or c0,c1,c2,c3 for c0 + c1 (o_i + o_j) + c2 o_i o_j "
                   "+ c3 (o_i^2 + o_j^2) summed over memories (default: hebb)")
    h.add_argument("--encoding", choices=["pm1", "01"], default="pm1", help="activity coding (default: pm1)")
    h.add_argument("--isometries", help="all, or sample:K (default: all for n <= 6, else sample:100)")
    h.add_argument("--seed", type=int, default=0, help="root seed (default: 0)")
    h.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    h.set_defaults(func=_cmd_hopfield)

    v = sub.add_parser(
        "verify",
        help="check a theorem of the paper numerically",
        description="deep-local: a two-layer tanh net whose hidden layer learns with a local "
        "unsupervised rule (Oja) or stays random, and whose top learns by gradient descent to "
        "convergence, stops where the error gradient on the hidden weights is not zero (not a "
        "critical point), except in trivial cases; backprop from the same start reaches one.",
    )
    v.add_argument("theorem", choices=["deep-local", "hopfield"],
                   help="deep-local: local hidden learning stops short of critical points; hopfield: simple Hebb "
                   "storage commutes with the isometries of the cube, and the other degree-2 rules do not")
    v.add_argument("--hidden-rule", choices=["oja", "none", "both"], default="both",
                   help="hidden layer: Oja's rule, fixed random weights, or both (default: both)")
    v.add_argument("--seed", type=int, default=0, help="root seed of the initial weights (default: 0)")
    v.add_argument("--out", metavar="DIR", help="also write the table (CSV, Markdown, manifest) here")
    v.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    v.set_defaults(func=_cmd_verify)
    return p


def main(argv=None):
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.command_line = ["gates", *argv]
    try:
        return args.func(args)
    except GatesError as exc:
        print(f"gates {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gates: interrupted", file=sys.stderr)
        return 130

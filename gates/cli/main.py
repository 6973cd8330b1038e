"""The ``gates`` command line: parse, call one public function, print or write.

Every subcommand takes ``--json`` and then prints exactly one JSON object.
Errors a user can cause print one line on stderr and exit with status 2.
"""

import argparse
import json
import os
import sys

from gates import __version__
from gates.errors import GatesError

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
    from gates.studies.enumeration import describe_function, enumerate_family, write_enumeration

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

    from gates.studies.enumeration import DEFAULT_COUNTS_SPEC, write_counts_table
    from gates.tables import EXTENDED_SEEDS, SEEDS, TABLES, _stems, table_steps, write_learnability_tables

    if args.quick and args.extended:
        raise GatesError("--quick and --extended contradict each other: choose one")
    only = None
    if args.only:
        only = set(args.only.split(","))
        bad = sorted(only - set(TABLES))
        if bad:
            raise GatesError(f"--only {','.join(bad)}: unknown table; allowed {', '.join(TABLES)}")
        if "deep_extended" in only and not args.extended:
            raise GatesError("--only deep_extended needs --extended")
    seeds = SEEDS if args.seeds is None else args.seeds
    if seeds < 2:
        raise GatesError(f"--seeds {seeds}: the tables need at least 2 seeds per cell for an interval")
    t0 = time.perf_counter()
    spec = DEFAULT_COUNTS_SPEC
    if args.quick:
        spec = [(f, g, min(m, 4)) for f, g, m in spec]
    counts = only is None or "counts" in only
    steps = (sum(m + 1 for _, _, m in spec) if counts else 0) + table_steps(args.extended, args.quick, only)
    update, close = _progress(steps, "tables", "cell")
    try:
        rows, files = [], []
        if counts:
            rows, _ = write_counts_table(args.out, spec, progress=update, command=args.command_line)
            files = ["counts.csv", "counts.md", "counts.manifest.json"]
        files += write_learnability_tables(args.out, extended=args.extended, quick=args.quick, seeds=seeds,
                                           progress=update, command=args.command_line, only=only,
                                           budget=args.budget)
    finally:
        close()
    disagree = [r for r in rows if r[7] == "NO"]
    summary = {
        "out": os.path.abspath(args.out),
        "tables": [t for t in ("counts", *_stems(args.extended, args.quick), "shallow_extended")
                   if only is None or t in only],
        "files": files,
        "rows": len(rows),
        "seeds": seeds,
        **({"extended_seeds": EXTENDED_SEEDS} if args.extended else {}),
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
    from gates.learning.protocol import Protocol

    return Protocol(
        encoding=args.encoding, bias=not args.no_bias, init=args.init, init_scale=args.init_scale,
        presentation=args.presentation, epochs=args.epochs, eta0=args.eta0, schedule=args.schedule,
        restarts=args.restarts, criterion=args.criterion, seed=args.seed, tolerance=args.tolerance,
        recode=not getattr(args, "literal_encoding", False),
    )


def _cmd_learn(args):
    from gates.studies.census import shallow_census
    from gates.studies.census_results import write_census

    deep_opts = [f"--{k.replace('_', '-')}" for k in ("hidden", "hidden_rule", "order") if getattr(args, k) is not None]
    if args.literal_encoding and args.encoding == "pm1":
        raise GatesError("--literal-encoding changes only the 01 coding (the named rules are +-1 formulas): "
                         "add --encoding 01")
    if args.layers == 2:
        for flag, bad in (("--exhaustive", args.exhaustive), ("--poly", args.poly is not None),
                          ("--form unsupervised", args.form == "unsupervised")):
            if bad:
                raise GatesError(f"{flag} is for one gate (--layers 1); two layers train every function "
                                 "with a clamped output rule")
        from gates.studies.deep_census import deep_census

        res = deep_census(
            args.family, args.n, args.rule, args.hidden_rule or "hebb", hidden=args.hidden,
            order=args.order or "hidden-first", protocol=_protocol_from(args), classes=args.classes,
            workers=args.workers, seeds=args.seeds, members=args.members, mode=args.mode,
        )
    elif args.layers == 1:
        if deep_opts:
            raise GatesError(f"{', '.join(deep_opts)} describe a hidden layer: add --layers 2")
        res = shallow_census(
            args.family, args.n, args.rule, form=args.form, mode=args.mode, protocol=_protocol_from(args),
            classes=args.classes, exhaustive=args.exhaustive, workers=args.workers, poly=args.poly,
            seeds=args.seeds, members=args.members,
        )
    else:
        raise GatesError(f"--layers {args.layers} is not available: allowed 1 (one gate) or 2 (hidden layer + gate)")
    summary = res.summary()
    if args.out:
        summary["out"] = [os.path.join(os.path.abspath(args.out), p) for p in
                          write_census(res, args.out, args.command_line)]
    if args.json:
        print(json.dumps(summary))
        return 0
    first = res.results[0]
    what = f"{first.rule.name} ({first.rule.form}, {first.mode})"
    if first.protocol.encoding != "pm1":
        what += f" [{first.protocol.encoding}: {first.rule.formula()}, {first.rule.handling}]"
    if first.net is not None:
        what = (f"a {first.net.hidden}-{first.net.hidden_rule} hidden layer ({first.net.order}) under "
                f"{first.rule.name} ({first.mode})")
    print(f"{what}, {first.family} functions of n={first.n} ({first.functions:,} functions, "
          f"{first.threshold:,} threshold)  [{first.reduction}; {summary['seconds']:.2f} s]")
    print(f"estimator: {summary['estimator']}")
    for q in ("learnable", "robust", "expected_per_restart"):
        ci = summary.get(f"{q}_ci")
        kind = "exact" if summary["exact"] else "estimate"
        val = summary[q]
        line = f"  {q:<22}{val:>16,.1f}" if isinstance(val, float) else f"  {q:<22}{val:>16,}"
        print(line + (f"  95% CI [{ci[0]:,.1f}, {ci[1]:,.1f}]" if ci else "") + f"  ({kind})")
    if len(res.results) > 1:
        print("  per seed: " + "; ".join(f"seed {p['seed']}: {p['learnable']:,.0f}" for p in summary["seeds"]))
    if "ties" in summary:
        print(f"{summary['ties']:,} more have a zero asymptotic margin (ties)")
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
    from gates.learning.hopfield import hopfield_study

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
    from gates.io.storage import manifest, write_json, write_table
    from gates.verify import CHECKS, run_checks

    names = args.theorem or [c.name for c in CHECKS]
    update, close = _progress(len(names), "theorems", "check")
    try:
        results = run_checks(names, seed=args.seed, slow=args.slow, progress=update, mutants=args.mutants)
    finally:
        close()
    holds = all(r["holds"] for r in results)
    caught = all(m["caught"] for r in results for m in r.get("mutants", []))
    files = []
    if args.out:
        for r in results:
            if r["table"]:
                stem, header, rows, title, intro = r["table"]
                files += write_table(args.out, stem, header, rows, title, intro, f"theorem-{r['name']}",
                                     {"theorem": r["name"], "statement": r["statement"]},
                                     command=args.command_line, seed=args.seed, results={"holds": r["holds"]})
        report = [{k: v for k, v in r.items() if k not in ("table", "lines")} for r in results]
        write_json(os.path.join(args.out, "verify.json"),
                   dict(manifest("theorem-checks", {"theorems": names, "slow": args.slow, "mutants": args.mutants},
                                 files, seed=args.seed, command=args.command_line), holds=holds,
                        **({"mutants_caught": caught} if args.mutants else {}), checks=report))
        files.append("verify.json")
    if args.json:
        out = {"holds": holds, "seed": args.seed, "slow": args.slow,
               **({"mutants_caught": caught} if args.mutants else {}),
               "checks": [{k: v for k, v in r.items() if k not in ("table", "lines")} for r in results]}
        if args.out:
            out["out"] = os.path.abspath(args.out)
            out["files"] = files
        print(json.dumps(out))
        return 0 if holds and caught else 1
    for r in results:
        print(f"[{'PASS' if r['holds'] else 'FAIL'}] {r['name']} ({r['seconds']:.1f} s)")
        print(f"  {r['statement']}")
        for line in r["lines"] or [json.dumps(r["evidence"])[:400]]:
            print(f"    {line}")
        for m in r.get("mutants", []):
            print(f"    mutant {m['name']}: {'caught' if m['caught'] else 'NOT CAUGHT'} ({m['seconds']:.1f} s)"
                  f" -- {m['description']}" + (f" [error: {m['error']}]" if "error" in m else ""))
    passed = sum(r["holds"] for r in results)
    summary = f"{passed} of {len(results)} checks pass"
    if args.mutants:
        ms = [m for r in results for m in r["mutants"]]
        summary += f"; {sum(m['caught'] for m in ms)} of {len(ms)} mutants caught"
    print(summary + (f"; wrote {', '.join(files)} into {args.out}" if files else ""))
    return 0 if holds and caught else 1


def _cmd_discover(args):
    from gates.studies.discover import count_behaviours, discover, write_discovery

    try:
        coefs = [int(c) for c in args.coefficients.split(",")]
    except ValueError:
        raise GatesError(f"--coefficients {args.coefficients!r} is not a comma-separated list of integers "
                         "like -1,0,1") from None
    raw, total = count_behaviours(args.degree, coefs, args.max_terms)
    update, close = _progress(total, "rules", "rule")
    try:
        res = discover(args.degree, coefs, args.max_terms, n4=args.n4, seed=args.seed, progress=update)
    finally:
        close()
    summary = {"summary": res["summary"], "references": res["references"], "top": res["rows"][:10]}
    if args.out:
        summary["files"] = write_discovery(res, args.out, command=args.command_line)
        summary["out"] = os.path.abspath(args.out)
    if args.json:
        print(json.dumps(summary))
        return 0
    s = res["summary"]
    print(f"{s['raw_rules']:,} rules of degree <= {s['degree']} (coefficients {s['coefficients']}"
          + (f", at most {s['max_terms']} terms" if s["max_terms"] else "")
          + f") act on +-1 gates as {s['behaviours']:,} distinct rules; {s['seconds']:.0f} s")
    print(f"converge (unsupervised): {s['convergent_raw']:,}; learn every threshold function of 3 inputs "
          f"(clamped): {s['learn_all_threshold_n3_raw']:,}; both: {s['convergent_and_all_threshold_raw']:,}")
    print(f"{'rank':>5} {'rule':<28}{'raw':>5} {'unsup':<11}{'clamped':<11}{'n3':>5}{'deep n3':>8}")
    for r in res["rows"][:10]:
        print(f"{r['rank']:>5} {r['rule']:<28}{r['raw_rules']:>5} {r['unsupervised']:<11}{r['clamped']:<11}"
              f"{r['shallow_n3']:>5}{r['deep_n3']:>8}")
    for r in res["references"]:
        where = f"rank {r['rank']} of {r['of']}" if r.get("rank") else r.get("note", "")
        print(f"{r['name']}: {r['formula']}: {where}; n3 {r.get('shallow_n3', '-')}, deep n3 {r.get('deep_n3', '-')}")
    if args.out:
        print(f"wrote {', '.join(summary['files'])} into {args.out}")
    return 0


def _cmd_single_unit(args):
    from gates.studies import single_unit as su

    if args.study == "supervised-hebb":
        res = su.supervised_hebb_study(datasets=args.datasets, seed=args.seed)
        summary = {"study": args.study, "protocol": res["protocol"], "seed": args.seed, "summary": res["summary"]}
        writer = su.write_supervised_hebb
    else:
        res = su.image_study(args.data, digit=args.digit, rule=args.rule, seed=args.seed)
        summary = {"study": args.study, "data": res["data"], "hebb": {**res["hebb"]["final"],
                   "settings": res["hebb"]["settings"]},
                   "riccati": None if res["riccati"] is None else {
                       k: res["riccati"][k] for k in ("r2", "max_abs_deviation", "diverged", "settings")},
                   "riccati_tanh": {k: res["riccati_tanh"][k] for k in (
                       "r2", "max_abs_deviation", "max_rel_error", "diverged", "per_weight", "o_free_clock",
                       "approximation", "mean_ode", "settings")}}
        writer = su.write_image_study
    if args.out:
        files, note = writer(res, args.out, command=args.command_line)
        summary.update(out=os.path.abspath(args.out), files=files, **({"note": note} if note else {}))
    if args.json:
        print(json.dumps(summary, default=float))
        return 0
    if args.study == "supervised-hebb":
        print("supervised simple Hebb on a threshold gate: the cosine condition against simulation")
        print(f"{'kind':<17}{'bias':<6}{'datasets':>9}{'condition':>10}{'learnt':>8}{'agree':>7}{'tiny':>6}")
        for kind, r in res["summary"].items():
            print(f"{kind:<17}{'yes' if r['bias'] else 'no':<6}{r['datasets']:>9}{r['condition_holds']:>10}"
                  f"{r['learnt']:>8}{r['agree']:>7}{r['tiny']:>6}")
    else:
        h = summary["hebb"]
        print(f"data: {res['data']['source']} ({res['data']['n']} images of {res['data']['d']} pixels)")
        print(f"simple Hebb, linear unit: angle to the centre of gravity {h['angle_cog']:.3f} deg, to the "
              f"principal eigenvector {h['angle_pc']:.2g} deg, log10 |w| = {h['log10_norm']:.2f}")
        if summary["riccati"]:
            r = summary["riccati"]
            print(f"control: rule does not read O. Riccati fit of {r['settings']['rule']} (digit "
                  f"{r['settings']['digit']}): R^2 = {r['r2']:.8f}, max |deviation| = {r['max_abs_deviation']:.2g}")
        else:
            print("no labels: the control (supervised) experiment needs them")
        r = summary["riccati_tanh"]
        print(f"tanh unit, rule reads O: {r['settings']['rule']} on {r['settings']['data']}: R^2 = {r['r2']:.8f}, "
              f"max error {100 * r['max_rel_error']:.2f}% of max |w| (O-free clock: "
              f"{100 * r['o_free_clock']['max_rel_error']:.1f}%)")
    if args.out:
        print(f"wrote {', '.join(summary['files'])} into {args.out}" + (f" ({summary['note']})" if "note" in summary else ""))
    return 0


def _cmd_expectations(args):
    from gates.linear_unit.expectations import expectation_table, write_expectation_tables

    rows = expectation_table(args.degree)
    summary = {"max_degree": args.degree, "terms": len(rows),
               "unsupervised": sum(not r["supervised"] for r in rows), "supervised": sum(r["supervised"] for r in rows)}
    if args.out:
        summary["files"] = write_expectation_tables(args.out, args.degree, command=args.command_line)
        summary["out"] = os.path.abspath(args.out)
    if args.json:
        summary["rows"] = [{k: r[k] for k in ("term", "apparent_degree", "effective_degree", "scalar_form",
                                              "vector_form")} for r in rows]
        print(json.dumps(summary))
        return 0
    print(f"expectation of each monomial O^a x^b w^c T^d (degree <= {args.degree}) for a linear unit O = w . I")
    print(f"{'term':<14}{'app':>4}{'eff':>4}  vector form")
    for r in rows:
        print(f"{r['term']:<14}{r['apparent_degree']:>4}{r['effective_degree']:>4}  {r['vector_form']}")
    if args.out:
        print(f"wrote {', '.join(summary['files'])} into {args.out}")
    return 0


def _cmd_channel(args):
    from gates.channel.algorithms import ALGORITHMS
    from gates.studies.channel_study import channel_study, write_channel

    def ints(text, name):
        try:
            return tuple(int(v) for v in text.split(","))
        except ValueError:
            raise GatesError(f"{name} {text!r} is not a comma-separated list of integers") from None

    algorithms = tuple(args.algorithms.split(",")) if args.algorithms else ALGORITHMS
    kw = {"algorithms": algorithms, "k": args.k, "seed": args.seed, "samples": args.samples}
    if args.sizes:
        kw["sizes"] = ints(args.sizes, "--sizes")
    if args.budget is not None:
        kw["budget"] = args.budget
    update, close = _progress(None, "channel", "step")
    try:
        res = channel_study(progress=update, **kw)
    finally:
        close()
    summary = {k: res[k] for k in ("rows", "fits", "improvement_fits", "rate_fits", "seconds") if k in res}
    summary["recurrent"] = res.get("recurrent")
    if args.out:
        out = write_channel(res, args.out, command=args.command_line)
        files, note = out if isinstance(out, tuple) else (out, None)
        summary.update(out=os.path.abspath(args.out), files=files, **({"note": note} if note else {}))
    if args.json:
        print(json.dumps(summary, default=float))
        return 0
    print("rate = bits / ops per example (identity: exact counts); decrease = first-order error decrease at "
          "equal eta relative to backprop's, (-g.h)/|g|^2, and cos (measured)")
    print(f"{'W':>6} {'algorithm':<8}{'bits/w':>10}{'ops/w':>10}{'rate':>11}{'decrease':>11}{'theory':>11}"
          f"{'cos':>9}{'theory':>9}")
    for r in res["rows"]:
        th, ith = r.get("cos_theory"), r.get("improvement_theory")
        print(f"{r['W']:>6} {r['algorithm']:<8}{r['bits_per_weight']:>10.3g}{r['ops_per_weight']:>10.3g}"
              f"{r['rate']:>11.3g}{r['improvement_ratio']:>11.3g}"
              + (f"{ith:>11.3g}" if ith is not None else f"{'-':>11}")
              + f"{r['cos_mean']:>9.3f}" + (f"{th:>9.3f}" if th is not None else f"{'-':>9}"))
    rec = res.get("recurrent") or {}
    if rec.get("available"):
        print(f"recurrent net {rec['net']} unfolded in time (W = {rec['W']}): BPTT vs finite differences, "
              f"max relative error {rec['bptt_max_rel_error']:.2g}")
        for r in rec.get("rows", []):
            print(f"  {r['algorithm']:<8} rate {r['rate']:.3g} (identity), decrease {r['improvement_ratio']:.3g}, "
                  f"cos {r['cos_mean']:.3f} (measured)")
    for title, fits in (("mean decrease ratio", res.get("improvement_fits", [])), ("mean cos", res["fits"]),
                        ("rate", res.get("rate_fits", []))):
        print(f"fitted exponents of {title} in W:")
        for f in fits:
            ci = f.get("ci95")
            print(f"  {f['algorithm']:<8} slope {f['slope']:+.3f} [{f.get('kind', 'measured')}]"
                  + (f" 95% interval [{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci else "")
                  + f" (predicted {f.get('predicted')}), r^2 {f['r2']:.3f}")
    if args.out:
        print(f"wrote {', '.join(summary['files'])} into {args.out}" + (f" ({summary['note']})" if "note" in summary else ""))
    return 0


def _cmd_batch(args):
    from gates.jobs import runner as jobs

    if (args.action == "run") != (args.dir is not None):
        raise GatesError("--dir DIR goes with run (gates batch run JOB.toml --dir DIR); the other actions "
                         "take the directory itself: gates batch status DIR")
    if args.out is not None and args.action != "merge":
        raise GatesError("--out is for merge")
    if args.action == "run":
        update, close = _progress(None, "chunks", "chunk")
        try:
            out = jobs.run_job(args.target, args.dir, executor=args.executor, workers=args.workers,
                               scheduler=args.scheduler, progress=update)
        finally:
            close()
    elif args.action == "resume":
        update, close = _progress(None, "chunks", "chunk")
        try:
            out = jobs.resume_job(args.target, executor=args.executor, workers=args.workers,
                                  scheduler=args.scheduler, progress=update)
        finally:
            close()
    elif args.action == "status":
        out = jobs.job_status(args.target)
    else:
        out = jobs.merge_job(args.target, out=args.out, command=args.command_line)
    if args.json:
        print(json.dumps(out, default=str))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")
    # a run that left chunks failed or held by another runner is not finished
    return 1 if args.action in ("run", "resume") and not out.get("complete", True) else 0


def _interval(r):
    lo, hi = r["test_interval"]
    return f"{r['test']:.4f}" if lo is None else f"{r['test']:.4f} [{lo:.4f}, {hi:.4f}]"


def _cmd_deep_targets(args):
    from gates.estimate import seed_mean
    from gates.studies.deep_targets_study import TASKS, STUDY_BASELINES, run_study, study_units, summarise, write_study
    from gates.learning.deep_baselines import BASELINES

    def ints(text, what):
        try:
            return tuple(int(v) for v in text.split(","))
        except ValueError:
            raise GatesError(f"--{what} {text!r} is not a comma-separated list of integers") from None

    def budget(text):
        try:
            v = float(text)
        except ValueError:
            v = float("nan")
        if not (v == v and v >= 1 and v == int(v)):
            raise GatesError(f"--budget {text!r} must be a positive whole number of gate evaluations, e.g. 2e8")
        return int(v)

    layers = ints(args.layers, "layers") if args.layers else None
    seeds = (args.seed,) if args.seed is not None else ints(args.seeds, "seeds")
    tasks = ("file",) if args.data else (TASKS if args.task == "all" else (args.task,))
    if args.data and args.task not in ("all", "autoencoder"):
        raise GatesError(f"--data is an autoencoder task; drop --task {args.task}")
    baselines = (() if args.baselines == "none" else BASELINES if args.baselines == "all"
                 else STUDY_BASELINES if args.baselines == "default" else tuple(args.baselines.split(",")))
    options = {k: getattr(args, k) for k in ("encoding", "search", "fit", "margin", "denoise", "group", "accept",
                                             "temperature", "restarts", "epochs", "inner_epochs", "eta",
                                             "schedule", "flip_p", "flip_k", "samples")
               if getattr(args, k) is not None}
    if args.sampler is not None:
        names = args.sampler.split(",")
        options["sampler"] = names[0] if len(names) == 1 else tuple(names)
    if args.preset == "paper":
        from gates.learning.deep_targets import PAPER_SETTINGS

        options = {**PAPER_SETTINGS, **options}
    run_budget = None if args.budget == "none" else budget(args.budget)
    ablate = not args.no_ablation
    if args.workers is not None:
        import numba

        if args.workers < 1:
            raise GatesError(f"--workers must be >= 1, got {args.workers}")
        numba.set_num_threads(min(args.workers, numba.config.NUMBA_NUM_THREADS))
    update, close = _progress(study_units(tasks, seeds, ablate), "deep targets", "run")
    try:
        res = run_study(tasks, seeds, run_budget, ablate, not args.no_tune, update, options, layers, args.data,
                        baselines)
    finally:
        close()
    summ = summarise(res)
    summary = {"seeds": res["seeds"], "budget": res["budget"], "options": options, "tasks": {}}
    for t, s in summ.items():
        summary["tasks"][t] = {
            "metric": res["tasks"][t][0]["metric"], "layers": res["tasks"][t][0]["layers"],
            "data": res["tasks"][t][0]["data"], "config": res["tasks"][t][0]["config"],
            "wins": s["wins"], "wins_tuned": s["wins_tuned"], "floor": s["floor"],
            "methods": {m: {"test": r["test"].value, "test_interval": [r["test"].low, r["test"].high],
                            "interval_method": r["test"].method, "train": r["train"].value, "tests": r["tests"],
                            "evals": r["evals"], "seconds": round(r["seconds"], 2)} for m, r in s["rows"].items()}}
    def estimate(values):
        e = seed_mean(values, bounds=(0, 1))
        return {"tests": list(values), "test": e.value, "test_interval": [e.low, e.high],
                "interval_method": e.method}

    if "ablation" in res:
        summary["ablation"] = [{"variant": r["variant"], **estimate(r["test"])} for r in res["ablation"]["rows"]]
    if "oracle" in res:
        summary["oracle"] = {m: estimate([res["oracle"][s][m]["test"] for s in sorted(res["oracle"])])
                             for m in ("deep-targets", "backprop")}
    if args.out:
        files, note = write_study(res, args.out, args.command_line)
        summary["out"] = os.path.abspath(args.out)
        summary["files"] = files
        if note:
            summary["note"] = note
    if args.json:
        print(json.dumps(summary))
        return 0
    kind = "estimates: mean over seeds with Student t 95% interval" if len(seeds) > 1 else "one seed: no interval"
    print(f"sampling deep targets, seeds {','.join(map(str, res['seeds']))}, budget "
          f"{'none' if res['budget'] is None else format(res['budget'], ',')} gate evaluations ({kind})")
    for t, s in summ.items():
        metric = "held-out classification error" if res["tasks"][t][0]["metric"] == "class" else \
            "held-out Hamming error per component"
        print(f"\n{t} {'-'.join(map(str, res['tasks'][t][0]['layers']))}: {metric}")
        for m, r in s["rows"].items():
            e = r["test"]
            iv = "" if e.low is None else f" [{e.low:.4f}, {e.high:.4f}]"
            print(f"  {m:<21}{e.value:.4f}{iv:<20} train {r['train'].value:.4f}  evals {r['evals']:>13,}  "
                  f"{r['seconds']:.1f} s")
        if s["rows"] and len(s["rows"]) > 1:
            print(f"  deep targets below the best tuned baseline on {s['wins_tuned']} of {s['seeds']} seeds, "
                  f"below the best of all on {s['wins']}")
        if s["floor"] is not None:
            print(f"  noise floor {s['floor']}")
    if "ablation" in res:
        print("\nablation (autoencoder, held-out error, mean over seeds [95% t]):")
        for r in summary["ablation"]:
            print(f"  {r['variant']:<40}{_interval(r)}")
    if "oracle" in summary:
        print("\nthe generating code given (encoder and decoder trained apart, composed; held-out, mean over "
              "seeds [95% t]):")
        for m, v in summary["oracle"].items():
            print(f"  {m:<18}{_interval(v)}")
    return 0


def _checks():
    from gates.verify import CHECKS

    return CHECKS


def build_parser():
    from gates.boolean.families import FAMILIES

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
        "with --classes. The named rules are +-1 formulas: with --encoding 01 they are recoded by "
        "x' = 2x - 1 (the same rule class) unless --literal-encoding; a --poly runs as written.",
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
    lp.add_argument("--form", choices=["clamped", "unsupervised"], default=None,
                    help="clamped: the output is replaced by the target (supervised); default: clamped for a "
                    "named --rule, a --poly as written (supervised when it reads T)")
    lp.add_argument("--poly", metavar="EXPR", help="a polynomial rule instead of --rule, in O (output), "
                    "x (input), w (weight), T (target), e.g. 'T*x - T^2*w'; run as written in the --encoding")
    lp.add_argument("--mode", choices=["simulate", "exact"], default="simulate",
                    help="simulate the protocol, or decide from the asymptotic direction (default: simulate); "
                    "with --layers 2 the hidden layer is simulated and frozen, the output gate decided exactly")
    lp.add_argument("--encoding", choices=["pm1", "01"], default="pm1",
                    help="activity coding (default: pm1); with 01 a named rule is recoded from its +-1 formula "
                    "by x' = 2x - 1 (the same rule class; gradient stays the delta rule)")
    lp.add_argument("--literal-encoding", action="store_true",
                    help="with --encoding 01, apply the named rules' +-1 formulas to 0/1 values unchanged "
                    "(clamped hebb and oja then only grow the weights)")
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
    lp.add_argument("--seeds", type=int, default=1, metavar="S",
                    help="run S independent root seeds (seed, seed+1, ...) and report each seed's counts and "
                    "the mean with its 95%% t interval (default: 1)")
    lp.add_argument("--tolerance", type=float, default=1e-6, metavar="TAU",
                    help="a gate has learnt when T (w . x~) > TAU |w| |x~| on every input; a smaller margin is "
                    "a tie, never learnt (default: 1e-6)")
    lp.add_argument("--classes", choices=["none", "p", "np", "npn"], default="none",
                    help="simulate: stratified sampling of class members (--members per class, weight orbit "
                    "size / members); exact: one representative per class (np, npn for all/threshold; p for "
                    "monotone)")
    lp.add_argument("--members", type=int, default=2, metavar="M",
                    help="uniformly random members drawn per class with --classes when simulating (default: 2)")
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
    t.add_argument("--only", metavar="NAME,...", help="write only these tables (counts, shallow_boolean, ..., "
                   "deep_extended with --extended)")
    t.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                   help="--extended: start no new deep_extended cell after this many seconds; the rest are "
                   "written as 'not run' and resume on the next run (default: no limit)")
    t.add_argument("--seeds", type=int, default=None, metavar="S",
                   help="seeds per simulated or two-layer cell (default: 5; deep_extended always uses 3); "
                   "each cell shows the mean and its 95%% t interval")
    t.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    t.set_defaults(func=_cmd_tables)

    d = sub.add_parser(
        "deep-targets",
        help="sampling deep targets on threshold-gate networks against compute-matched baselines",
        description="Sampling deep targets (paper section 4) on networks of threshold gates, beside backprop "
        "on a tanh relaxation and a straight-through estimator (both tuned on a validation split), deep local "
        "learning and random features, every method stopped at the same number of gate evaluations. Tasks: "
        "the default autoencoder (768 vectors of 32 bits from a random threshold decoder of a 6-bit code with "
        "5%% bit flips, 512 train / 256 held out, 32-16-6-16-32) and binarised 8x8 digits (64-32-16-10, ten "
        "class units). Also an ablation of the algorithm's ingredients on the autoencoder.",
    )
    d.add_argument("--task", choices=["autoencoder", "digits", "all"], default="all", help="(default: all)")
    d.add_argument("--seeds", default="1,2,3,4,5", help="comma-separated seeds (default: 1,2,3,4,5)")
    d.add_argument("--seed", type=int, help="one seed (replaces --seeds)")
    d.add_argument("--budget", default="2e8", help="gate evaluations each method may spend, or none (then "
                   "--epochs ends deep targets and baselines run config epochs) (default: 2e8)")
    d.add_argument("--baselines", default="default", help="comma-separated: backprop, ste, deep-local-hebb, "
                   "deep-local-oja, random-features; or all, none, default (all but deep-local-oja)")
    d.add_argument("--no-tune", action="store_true", help="backprop and ste at lr 0.5 (sgd) instead of tuned")
    d.add_argument("--no-ablation", action="store_true", help="skip the ablation of the ingredients")
    d.add_argument("--data", metavar="FILE.npy", help="an autoencoder on a 0/1 array (rows = examples), read "
                   "without pickle, a seeded quarter held out")
    d.add_argument("--layers", help="sizes, e.g. 32,16,6,16,32; the ends must fit the task")
    d.add_argument("--preset", choices=["default", "paper"], default="default",
                   help="paper: the loop before issue 16 (joint flip sampling, 2 plain perceptron passes, "
                   "no margin, no input noise, 100 epochs)")
    d.add_argument("--search", choices=["unit", "joint"], help="unit: one unit's flip per example, weighted "
                   "by the output error it gains; joint: sampled activity vectors per group (default: unit)")
    d.add_argument("--sampler", help="joint search: flip, flip-k, uniform, exhaustive, seen, or one per hidden "
                   "layer like flip,exhaustive,flip (an exhaustive layer is searched jointly also with --search "
                   "unit; <= 12 units) (default: flip)")
    d.add_argument("--group", choices=["activity", "input"], help="examples sharing one target in a joint "
                   "search: same activity (paper) or same input to the layer (default: activity)")
    d.add_argument("--fit", choices=["pocket", "perceptron"], help="layer step: pocket perceptron with margin "
                   "(keeps the best weights) or the last perceptron iterate (default: pocket)")
    d.add_argument("--margin", type=float, help="perceptron margin, times fan-in + 1 (default: 1)")
    d.add_argument("--denoise", type=float, help="fraction of input bits flipped afresh each epoch (default: 0.05)")
    d.add_argument("--accept", choices=["non-increasing", "always", "anneal"],
                   help="joint search: undo, keep, or keep with probability exp(-rise/T) an update that "
                   "raises the training error (default: non-increasing)")
    d.add_argument("--temperature", type=float, help="initial temperature of --accept anneal, in errors (default: 20)")
    d.add_argument("--restarts", type=int, help="initialisations, the best by training error kept (default: 1)")
    d.add_argument("--encoding", choices=["pm1", "01"], help="activity coding (default: pm1)")
    d.add_argument("--flip-p", type=float, help="flip probability (default: 0.15)")
    d.add_argument("--flip-k", type=int, help="units flipped by flip-k (default: 1)")
    d.add_argument("--samples", type=int, help="candidates per example group (default: 64)")
    d.add_argument("--schedule", choices=["bottom-up", "top-down", "up-down", "random"],
                   help="order of the layers in each epoch (default: up-down, alternating)")
    d.add_argument("--epochs", type=int, help="epoch cap (default: none with a budget, else 40)")
    d.add_argument("--inner-epochs", type=int, help="perceptron passes per unit or layer visit (default: 10)")
    d.add_argument("--eta", type=float, help="perceptron learning rate (default: 0.1)")
    d.add_argument("--workers", type=int, help="threads (default: all cores); results do not depend on it")
    d.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    d.add_argument("--out", metavar="DIR", help="write summary.{csv,md,manifest.json}, ablation.{csv,md,"
                   "manifest.json}, runs.csv, curves.csv and curves.png")
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

    ex = sub.add_parser(
        "expectations",
        help="the table of expected rule terms for a linear unit (Markdown, LaTeX, CSV)",
        description="For a linear unit O = w . I, the expectation over the data of every monomial "
        "O^a x^b w^c T^d of degree <= D, in scalar (index) and vector form, in terms of the data's "
        "moments: the paper's tables of constant, linear, quadratic and cubic terms. Needs sympy "
        "(pip install 'gates[symbolic]').",
    )
    ex.add_argument("--degree", type=int, default=3, choices=[0, 1, 2, 3], help="highest degree (default: 3)")
    ex.add_argument("--out", metavar="DIR", help="write expectations.csv/.md/.tex and the manifest here")
    ex.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    ex.set_defaults(func=_cmd_expectations)

    su = sub.add_parser(
        "single-unit",
        help="the paper's single-unit experiments: supervised Hebb datasets, Hebb and Riccati on images",
        description="supervised-hebb: the canonical-form cosine condition against simulation on random "
        "near-orthogonal +-1 (no bias), orthogonal identity (without and with a bias) and common-orthant "
        "datasets; images: simple Hebb on a linear unit (angle to "
        "the centre of gravity, norm), a Riccati rule without O against its closed form (the control), and a "
        "tanh unit whose rule O*x - O*w^2 reads O against its Riccati prediction, on the 8x8 digits that "
        "scikit-learn ships (pip install 'gates[images]'), the seven-segment stand-in 'segments', or a user "
        "MNIST (IDX or .npy). Nothing is downloaded.",
    )
    su.add_argument("study", choices=["supervised-hebb", "images"])
    su.add_argument("--datasets", type=int, default=200, help="supervised-hebb: datasets per kind (default: 200)")
    su.add_argument("--data", default="digits", metavar="SOURCE",
                    help="images: 'digits' (default), 'segments' or IMAGES[,LABELS] as IDX (.gz ok) or .npy files")
    su.add_argument("--digit", type=int, default=9,
                    help="images: the digit the Riccati units learn (default: 9)")
    su.add_argument("--rule", default="T*x - T*w^2",
                    help="images: the control's Riccati rule, without O terms (default: 'T*x - T*w^2')")
    su.add_argument("--seed", type=int, default=0, help="root seed (default: 0)")
    su.add_argument("--out", metavar="DIR", help="write CSV, Markdown, manifests (and PNG with matplotlib) here")
    su.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    su.set_defaults(func=_cmd_single_unit)

    dc = sub.add_parser(
        "discover",
        help="enumerate every small polynomial local rule and rank it",
        description="Every unsupervised polynomial rule F(O, x, w) of degree <= D with coefficients in a "
        "small integer set (up to a positive factor), measured on +-1 threshold gates: weight dynamics "
        "(converges / oscillates / diverges), the n = 3 functions one gate learns with the clamped rule, "
        "and those a 4-hidden-unit net learns with the rule below and clamped on top. Hebb, Oja and the "
        "gradient rule are placed in the ranking.",
    )
    dc.add_argument("--degree", type=int, default=2, help="highest degree, 1..3 (default: 2)")
    dc.add_argument("--coefficients", default="-1,0,1", help="coefficient set (default: -1,0,1)")
    dc.add_argument("--max-terms", type=int, default=None, metavar="K",
                    help="at most K non-zero terms (needed for degree 3; default: no limit)")
    dc.add_argument("--n4", action="store_true",
                    help="also count n = 4 functions for the rules that learn every threshold function at n = 3")
    dc.add_argument("--seed", type=int, default=0, help="seed of the dynamics' starting weights (default: 0)")
    dc.add_argument("--out", metavar="DIR", help="write the ranked table (CSV, Markdown, manifest) here")
    dc.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    dc.set_defaults(func=_cmd_discover)

    b = sub.add_parser(
        "batch",
        help="chunked, resumable batch jobs (TOML job files): run, resume, status, merge",
        description="run JOB.toml --dir DIR runs the pending chunks of a job (a second run on the same "
        "directory is safe, and so are two at once); resume DIR re-checks every finished chunk's checksum "
        "and reruns missing or damaged ones; status DIR reports done / pending / failed and the time "
        "left; merge DIR writes the tables and manifest exactly as the interactive command would. "
        "Executors: serial (default), process (local workers, one numba thread each), dask "
        "(--scheduler ADDRESS, or a LocalCluster; pip install 'gates[distributed]').",
    )
    b.add_argument("action", choices=["run", "resume", "status", "merge"])
    b.add_argument("target", metavar="JOB.toml|DIR", help="the job file (run) or the job directory (others)")
    b.add_argument("--dir", help="run: the job directory")
    b.add_argument("--executor", choices=["serial", "process", "dask"], default="serial")
    b.add_argument("--workers", type=int, default=None, help="process / dask LocalCluster workers")
    b.add_argument("--scheduler", metavar="ADDRESS", help="dask: join this scheduler instead of a LocalCluster")
    b.add_argument("--out", metavar="DIR", help="merge: where the tables go (default: DIR/merged)")
    b.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    b.set_defaults(func=_cmd_batch)

    ch = sub.add_parser(
        "channel",
        help="the learning channel: bits fed back per weight, operations, rate and improvement per algorithm",
        description="Measures, for backprop and the perturbation algorithms (P{W,A}{L,G}{B,R}[k]), the bits "
        "sent back per weight, the operations per weight, the rate R = bits / ops, and the cosine of each "
        "update with the true gradient (the improvement of a fixed-length step relative to the gradient "
        "step's), across network sizes W, beside the paper's asymptotic predictions; fits the exponents in "
        "W; trains every algorithm on one task under the same operation budget; repeats it on a recurrent "
        "net unfolded in time (BPTT).",
    )
    ch.add_argument("--sizes", metavar="H,H,...", help="hidden widths of the (8, h, h, 1) nets (default: 4,8,16,32,64)")
    ch.add_argument("--algorithms", metavar="A,A,...", help="default: all (bp,pwlr,pwlb,palr,palb,pwgr,pwgb,pwgrk,pwgbk)")
    ch.add_argument("--k", type=int, default=8, help="perturbations for pwgrk / pwgbk (default: 8)")
    ch.add_argument("--budget", type=float, default=None, help="operations per weight per example for the training runs")
    ch.add_argument("--samples", type=int, default=400, help="weight states per size for the cosines (default: 400)")
    ch.add_argument("--seed", type=int, default=0, help="root seed (default: 0)")
    ch.add_argument("--out", metavar="DIR", help="write the rate table, fits, training curves (and plots) here")
    ch.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    ch.set_defaults(func=_cmd_channel)

    v = sub.add_parser(
        "verify",
        help="run the theorem checks (all by default) and say which pass",
        description="Runs every registered theorem check (gates.verify.CHECKS), or the ones named, "
        "and prints per theorem its statement, the evidence and PASS or FAIL. With --mutants, each check "
        "is also run on its mutants, which it must reject. Exit status 1 if any check fails or any "
        "mutant is not caught. Checks: " + ", ".join(f"{c.name}" for c in _checks()) + ".",
    )
    v.add_argument("theorem", nargs="*", metavar="THEOREM",
                   help="checks to run (default: all): " + ", ".join(c.name for c in _checks()))
    v.add_argument("--slow", action="store_true", help="the heavier variants (larger n) where a check has one")
    v.add_argument("--mutants", action="store_true",
                   help="also run every check on each of its mutants (deliberate breaks of the mechanism); "
                   "passes only if every mutant makes its check fail")
    v.add_argument("--seed", type=int, default=0, help="root seed (default: 0)")
    v.add_argument("--out", metavar="DIR", help="also write verify.json and the checks' tables here")
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
    except BrokenPipeError:  # e.g. piped into head: the reader left, nothing to report
        sys.stderr.close()
        return 141
    except KeyboardInterrupt:
        print("gates: interrupted", file=sys.stderr)
        return 130

"""``gates channel``: the learning channel's bits, operations, rate and improvement per algorithm."""

import json
import os

from gates.cli.main import command_help
from gates.cli.terminal import print_written, progress_bar
from gates.errors import GatesError

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
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
    update, close = progress_bar(None, "channel", "step")
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
        print_written(summary, args.out)
    return 0


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
    ch = sub.add_parser(
        "channel",
        help=command_help("channel"),
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
    ch.set_defaults(func=run)

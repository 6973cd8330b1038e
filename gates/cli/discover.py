"""``gates discover``: enumerate every small polynomial local rule and rank it."""

import json
import os

from gates.cli.main import command_help
from gates.cli.terminal import print_written, progress_bar
from gates.errors import GatesError

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.studies.discover import count_behaviours, discover, write_discovery

    try:
        coefs = [int(c) for c in args.coefficients.split(",")]
    except ValueError:
        raise GatesError(f"--coefficients {args.coefficients!r} is not a comma-separated list of integers "
                         "like -1,0,1") from None
    raw, total = count_behaviours(args.degree, coefs, args.max_terms)
    update, close = progress_bar(total, "rules", "rule")
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
        print_written(summary, args.out)
    return 0


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
    dc = sub.add_parser(
        "discover",
        help=command_help("discover"),
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
    dc.set_defaults(func=run)

"""``gates expectations``: the table of expected rule terms for a linear unit."""

import json
import os


from gates.cli.main import command_help
from gates.cli.terminal import print_written
from gates.linear_unit.moments import MAX_DEGREE

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
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
        print_written(summary, args.out)
    return 0


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
    ex = sub.add_parser(
        "expectations",
        help=command_help("expectations"),
        description="For a linear unit O = w . I, the expectation over the data of every monomial "
        "O^a x^b w^c T^d of degree <= D, in scalar (index) and vector form, in terms of the data's "
        "moments: the paper's tables of constant, linear, quadratic and cubic terms. Needs sympy "
        "(pip install 'gates[symbolic]').",
    )
    ex.add_argument("--degree", type=int, default=3, choices=range(MAX_DEGREE + 1), help="highest degree (default: 3)")
    ex.add_argument("--out", metavar="DIR", help="write expectations.csv/.md/.tex and the manifest here")
    ex.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    ex.set_defaults(func=run)

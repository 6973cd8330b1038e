"""``gates discover``: enumerate every small polynomial local rule and rank it."""


from gates.cli.main import command_help
from gates.cli.terminal import add_progress_argument, progress_bar, report
from gates.errors import GatesError

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.io.storage import check_output_dir
    from gates.studies.discover import count_behaviours, discover, write_discovery

    try:
        coefs = [int(c) for c in args.coefficients.split(",")]
    except ValueError:
        raise GatesError(f"--coefficients {args.coefficients!r} is not a comma-separated list of integers "
                         "like -1,0,1") from None
    raw, total = count_behaviours(args.degree, coefs, args.max_terms)  # checks the space, cheaply
    out = check_output_dir(args.out) if args.out else None  # before any work
    update, close = progress_bar(total, "discover", "rule", enabled=args.progress)
    try:
        res = discover(args.degree, coefs, args.max_terms, n4=args.n4, seed=args.seed, progress=update)
    finally:
        close()
    return report(args, res, out, write_discovery(res, out, command=args.command_line) if out else None)


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
    add_progress_argument(dc)
    dc.set_defaults(func=run)

"""``gates expectations``: the table of expected rule terms for a linear unit."""


from gates.cli.main import command_help
from gates.cli.terminal import report
from gates.linear_unit.moments import MAX_DEGREE

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.io.storage import check_output_dir
    from gates.linear_unit.expectations import expected_terms, write_expectation_tables

    out = check_output_dir(args.out) if args.out else None  # before any work
    res = expected_terms(args.degree)
    if out is None:
        return report(args, res)
    return report(args, res, out, write_expectation_tables(out, args.degree, command=args.command_line, rows=res.table))


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

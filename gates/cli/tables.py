"""``gates tables``: regenerate the committed tables in enumerations/."""

import json

from gates.cli.main import command_help
from gates.cli.terminal import progress_bar

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.tables import regenerate_tables, regeneration_steps

    only = args.only.split(",") if args.only else None
    update, close = progress_bar(regeneration_steps(args.extended, args.quick, only), "tables", "cell")
    try:
        summary = regenerate_tables(args.out, extended=args.extended, quick=args.quick, seeds=args.seeds, only=only,
                                    budget=args.budget, progress=update, command=args.command_line)
    finally:
        close()
    disagree = summary.pop("disagree")
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"wrote {', '.join(summary['tables'])} into {args.out} (CSV, Markdown, manifests)")
        print("every count agrees with its reference" if not disagree else f"{disagree} rows DISAGREE")
    return 0 if not disagree else 1


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
    t = sub.add_parser(
        "tables",
        help=command_help("tables"),
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
    t.set_defaults(func=run)

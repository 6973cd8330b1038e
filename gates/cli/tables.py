"""``gates tables``: regenerate the committed tables in enumerations/ and their figures."""

import sys

from gates.cli.main import command_help
from gates.cli.terminal import add_progress_argument, progress_bar

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.io import plots
    from gates.io.storage import check_output_dir
    from gates.io.table_figures import FIGURE_SOURCES
    from gates.tables import check_seeds, estimate_seconds, regenerate_tables, selected_tables

    only = args.only.split(",") if args.only else None
    tables = selected_tables(args.full, args.extended, args.quick, only)  # the options first, then the folder:
    check_seeds(args.seeds)
    check_output_dir(args.out)  # both before any work, so a mistake costs one line at once
    estimate = estimate_seconds(args.full, args.extended, args.quick, only, args.seeds)
    print(f"gates tables: {', '.join(tables)}: about {_duration(estimate)} on two cores (estimate from a cost "
          "model calibrated on the committed tables, warm numba cache; a first run adds about a minute of "
          "compilation)", file=sys.stderr)
    if set(tables) & {t for srcs in FIGURE_SOURCES.values() for t in srcs} and not plots.have_matplotlib():
        print(f"gates tables: {plots.NO_MATPLOTLIB}: the tables are written, the figures are not", file=sys.stderr)
    update, close = progress_bar(estimate, "tables (estimated s of work)", "s", enabled=args.progress)
    try:
        result = regenerate_tables(args.out, extended=args.extended, quick=args.quick, seeds=args.seeds, only=only,
                                   budget=args.budget, progress=update, command=args.command_line, full=args.full)
    finally:
        close()
    print(result.to_json() if args.json else result.summary())
    return 0 if not result["disagree"] else 1


def _duration(seconds):
    """A rounded duration a reader takes in at a glance: '40 s', '3 min', '1.2 h'."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
    t = sub.add_parser(
        "tables",
        help=command_help("tables"),
        description="Regenerate the learnability tables and their figures. By default the headline: the "
        "one-gate Boolean table (shallow_boolean), the two-layer Boolean table (deep_boolean) and the "
        "two-layer width table (deep_width), a few minutes on two cores, and the figures drawn from them "
        "(figures/learnable_by_n.png, figures/deep_width.png; needs matplotlib). --full regenerates every "
        "table: also the counts (families and symmetry classes beside their OEIS values, up to n = 8), "
        "the monotone tables and the exact one-gate table (about ten minutes in all). Each table is CSV, "
        "Markdown and a JSON manifest. The command says how long it will take before it starts.",
    )
    t.add_argument("--out", default="enumerations", metavar="DIR", help="output folder (default: enumerations)")
    t.add_argument("--full", action="store_true",
                   help="every table, not only the headline: counts, shallow_boolean, shallow_monotone, "
                   "deep_boolean, deep_monotone, deep_width, shallow_extended (about 10 min on 2 cores)")
    t.add_argument("--quick", action="store_true",
                   help="a smoke run in seconds: counts and one-gate tables for n <= 4 only, no two-layer tables")
    t.add_argument("--extended", action="store_true",
                   help="also the two-layer census of n = 5 (deep_extended; about an hour more on 2 cores); "
                   "implies --full, unless --only names the tables (--extended --only deep_extended)")
    t.add_argument("--only", metavar="NAME,...", help="write only these tables (counts, shallow_boolean, ..., "
                   "deep_extended with --extended), whatever --full says")
    t.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                   help="--extended: start no new deep_extended cell after this many seconds; the rest are "
                   "written as 'not run' and resume on the next run (default: no limit)")
    t.add_argument("--seeds", type=int, default=None, metavar="S",
                   help="seeds per simulated or two-layer cell (default: 5; twice that for the two-layer cells at "
                   "n = 4; deep_extended always uses 3); "
                   "each cell shows the mean and its 95%% t interval")
    t.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    add_progress_argument(t)
    t.set_defaults(func=run)

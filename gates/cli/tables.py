"""``gates tables``: regenerate the committed tables in enumerations/."""

import json
import os

from gates.cli.terminal import progress_bar
from gates.errors import GatesError

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    import time

    from gates.studies.enumeration import counts_spec, write_counts_table
    from gates.tables import (EXTENDED_SEEDS, SEEDS, TABLES, learnability_tables, table_steps,
                              write_learnability_tables)

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
    spec = counts_spec(args.quick)
    counts = only is None or "counts" in only
    steps = (sum(m + 1 for _, _, m in spec) if counts else 0) + table_steps(args.extended, args.quick, only)
    update, close = progress_bar(steps, "tables", "cell")
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
        "tables": [t for t in ("counts", *learnability_tables(args.extended, args.quick), "shallow_extended")
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


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
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
    t.set_defaults(func=run)

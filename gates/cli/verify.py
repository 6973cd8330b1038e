"""``gates verify``: run the theorem checks and say which pass."""

import json

from gates.cli.main import command_help
from gates.cli.terminal import add_progress_argument, progress_bar
from gates.errors import GatesError

__all__ = ["add_arguments", "run"]


def _checks():
    from gates.verify import CHECKS

    return CHECKS


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.io.storage import check_output_dir
    from gates.verify import CHECKS, run_checks, write_checks

    names = args.theorem or [c.name for c in CHECKS]
    unknown = [n for n in names if n not in {c.name for c in CHECKS}]
    if unknown:
        raise GatesError(f"theorem {unknown[0]!r} is unknown: allowed {', '.join(c.name for c in CHECKS)}")
    out = check_output_dir(args.out) if args.out else None  # before any work
    runs = len(names)
    if args.mutants:
        runs += sum(len(getattr(c.function(), "mutants", {})) for c in CHECKS if c.name in names)
    update, close = progress_bar(runs, "verify", "check", enabled=args.progress)
    try:
        result = run_checks(names, seed=args.seed, slow=args.slow, progress=update, mutants=args.mutants)
    finally:
        close()
    files = write_checks(result, out, args.command_line) if out else []
    if args.json:
        print(json.dumps({**result.to_dict(), **({"out": out, "files": files} if out else {})}))
    else:
        print(result.summary() + (f"; wrote {', '.join(files)} into {args.out}" if files else ""))
    return 0 if result.passed else 1


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
    v = sub.add_parser(
        "verify",
        help=command_help("verify"),
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
    add_progress_argument(v)
    v.set_defaults(func=run)

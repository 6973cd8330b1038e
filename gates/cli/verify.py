"""``gates verify``: run the theorem checks and say which pass."""

import json
import os

from gates.cli.main import command_help
from gates.cli.terminal import progress_bar

__all__ = ["add_arguments", "run"]


def _checks():
    from gates.verify import CHECKS

    return CHECKS


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.verify import CHECKS, run_checks, write_checks

    names = args.theorem or [c.name for c in CHECKS]
    update, close = progress_bar(len(names), "theorems", "check")
    try:
        results = run_checks(names, seed=args.seed, slow=args.slow, progress=update, mutants=args.mutants)
    finally:
        close()
    holds = all(r["holds"] for r in results)
    caught = all(m["caught"] for r in results for m in r.get("mutants", []))
    files = write_checks(results, args.out, names, args.seed, args.slow, args.mutants, args.command_line) \
        if args.out else []
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
    v.set_defaults(func=run)

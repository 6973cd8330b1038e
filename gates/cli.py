"""The ``gates`` command line: parse, call one public function, print or write.

Every subcommand takes ``--json`` and then prints exactly one JSON object.
Errors a user can cause print one line on stderr and exit with status 2.
"""

import argparse
import json
import os
import sys

from . import __version__
from .errors import GatesError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _progress(total, desc, unit="it"):
    """A tqdm bar on a terminal; nothing when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=False)
    return bar.update, bar.close


def _cmd_enumerate(args):
    from .enumeration import describe_function, enumerate_family, write_enumeration

    if args.function is not None:
        if args.out or args.count:
            raise GatesError("--function describes one function; drop --out and --count")
        info = describe_function(args.function, args.n, args.family, args.classes)
        if args.json:
            print(json.dumps(info))
        else:
            for k, v in info.items():
                print(f"{k}: {v}")
        return 0
    if args.count and args.out:
        raise GatesError("--count prints counts only; drop --count to write --out")
    total = None
    if args.classes == "npn" and args.family == "all":
        total = 1 << ((1 << args.n) - 1) if 0 <= args.n <= 5 else None
    elif args.classes in ("p", "np") and args.family == "all":
        total = 1 << (1 << args.n) if 0 <= args.n <= 5 else None
    update, close = _progress(total, f"{args.family} n={args.n}") if total else (None, lambda: None)
    try:
        res = enumerate_family(args.family, args.n, args.classes, count_only=args.count, progress=update)
    finally:
        close()
    summary = res.summary()
    if args.out:
        write_enumeration(res, args.out, args.format, command=args.command_line)
        summary["out"] = os.path.abspath(args.out)
    if args.json:
        print(json.dumps(summary))
    else:
        line = f"{res.family} functions of n={res.n}: {res.functions:,}"
        if res.classes:
            line += f" in {res.num_classes:,} {res.classes.upper()} classes ({res.representative} representatives)"
        print(line + f"  [{res.method}; {res.seconds:.3f} s]")
        if args.out:
            print(f"wrote {args.out} and its manifest")
    return 0


def _cmd_tables(args):
    from .enumeration import DEFAULT_COUNTS_SPEC, write_counts_table

    spec = DEFAULT_COUNTS_SPEC
    if args.quick:
        spec = [(f, g, min(m, 4)) for f, g, m in spec]
    steps = sum(m + 1 for _, _, m in spec)
    update, close = _progress(steps, "counts table", "row")
    try:
        rows, seconds = write_counts_table(args.out, spec, progress=update, command=args.command_line)
    finally:
        close()
    disagree = [r for r in rows if r[7] == "NO"]
    summary = {
        "out": os.path.abspath(args.out),
        "tables": ["counts"],
        "files": ["counts.csv", "counts.md", "counts.manifest.json"],
        "rows": len(rows),
        "all_agree": not disagree,
        "seconds": round(seconds, 3),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"wrote {len(rows)} rows to {os.path.join(args.out, 'counts.csv')} (+ .md, manifest)")
        print("every count agrees with its reference" if not disagree else f"{len(disagree)} rows DISAGREE")
    return 0 if not disagree else 1


def build_parser():
    from .families import FAMILIES

    p = _Parser(prog="gates", description="Learnability of Boolean functions by threshold gates.")
    p.add_argument("--version", action="version", version=f"gates {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    e = sub.add_parser(
        "enumerate",
        help="count, list or classify all, monotone or threshold functions",
        description="Count, list or classify the functions of a family. Tables use kitty's "
        "convention: bit p is f(x) with x_i = bit i of p; hex is most significant nibble first.",
    )
    e.add_argument("family", choices=FAMILIES, help="which functions: all, monotone or threshold")
    e.add_argument("-n", type=int, required=True, help="number of inputs")
    e.add_argument(
        "--classes",
        choices=["none", "p", "np", "npn"],
        default="none",
        help="group the functions into symmetry classes under input Permutations, plus input "
        "Negations, plus output Negation; the output lists one representative per class "
        "with its orbit size (default: none)",
    )
    e.add_argument("--count", action="store_true", help="compute counts only, list nothing")
    e.add_argument("--function", metavar="HEX", help="instead of enumerating, decide whether this one "
                   "function (kitty hex) is in the family, with a certificate for threshold, and with "
                   "--classes give its representative, orbit size and the transform reaching it")
    e.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    e.add_argument("--out", metavar="FILE", help="write the functions (or representatives) here, atomically, "
                   "with FILE's manifest beside it")
    e.add_argument("--format", choices=["hex", "npy"], default="hex",
                   help="hex: CSV of kitty hex tables (+ orbit_size, weights, bias); "
                   "npy: one structured array (default: hex)")
    e.set_defaults(func=_cmd_enumerate)

    t = sub.add_parser(
        "tables",
        help="regenerate the tables in enumerations/",
        description="Regenerate the counts table (families and symmetry classes beside their OEIS "
        "values) as CSV, Markdown and a JSON manifest.",
    )
    t.add_argument("--out", default="enumerations", metavar="DIR", help="output folder (default: enumerations)")
    t.add_argument("--quick", action="store_true", help="only n <= 4 (seconds instead of about a minute)")
    t.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    t.set_defaults(func=_cmd_tables)
    return p


def main(argv=None):
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.command_line = ["gates", *argv]
    try:
        return args.func(args)
    except GatesError as exc:
        print(f"gates {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gates: interrupted", file=sys.stderr)
        return 130

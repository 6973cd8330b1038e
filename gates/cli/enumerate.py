"""``gates enumerate``: count, list or classify a family of functions; describe one function."""

import json

from gates.boolean.families import FAMILIES
from gates.boolean.symmetry import GROUPS
from gates.cli.main import command_help
from gates.cli.terminal import add_progress_argument, progress_bar
from gates.errors import GatesError
from gates.io.storage import check_output_file
from gates.studies.enumeration import FORMATS

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.studies.enumeration import describe_function, enumerate_family, enumeration_units, write_enumeration

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
    # a bad --out fails before any work (the check creates nothing)
    out = check_output_file(args.out) if args.out else None
    total, unit = enumeration_units(args.family, args.n, args.classes)
    update, close = progress_bar(total, f"{args.family} n={args.n}", unit, enabled=args.progress) if total \
        else (None, lambda: None)
    try:
        res = enumerate_family(args.family, args.n, args.classes, count_only=args.count, progress=update)
    finally:
        close()
    summary = res.to_dict()
    if out:
        write_enumeration(res, out, args.format, command=args.command_line)
        summary["out"] = out  # the only key the file adds to the result's to_dict()
    if args.json:
        print(json.dumps(summary))
        return 0
    print(res.summary())
    if out:
        print(f"wrote {out} and its manifest")
    return 0


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
    e = sub.add_parser(
        "enumerate",
        help=command_help("enumerate"),
        description="Count, list or classify the functions of a family. Tables use kitty's "
        "convention: bit p is f(x) with x_i = bit i of p; hex is most significant nibble first.",
    )
    e.add_argument("family", choices=FAMILIES, help="which functions: all, monotone or threshold")
    e.add_argument("-n", type=int, required=True, help="number of inputs")
    e.add_argument(
        "--classes",
        choices=("none", *GROUPS),
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
    e.add_argument("--format", choices=FORMATS, default="hex",
                   help="hex: CSV of kitty hex tables (+ orbit_size, weights, bias); "
                   "npy: one structured array (default: hex)")
    add_progress_argument(e)
    e.set_defaults(func=run)

"""``gates hopfield``: Hopfield storage, the oriented n-cube and its isometry invariance."""

import json

from gates.boolean.truth import ENCODINGS
from gates.cli.main import command_help
from gates.cli.terminal import add_progress_argument, progress_bar

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.learning.hopfield import default_isometries, hopfield_study, hopfield_work, parse_storage_rule

    which = args.isometries or default_isometries(args.n)
    rule = parse_storage_rule(args.rule)
    total = hopfield_work(args.n, which) if 1 <= args.n <= 16 and (which == "all" or which[7:].isdigit()) else None
    update, close = progress_bar(total, "hopfield", "check", enabled=args.progress)
    try:
        res = hopfield_study(args.n, args.memories, rule, args.encoding, which, args.seed, progress=update)
    finally:
        close()
    print(json.dumps(res.to_dict()) if args.json else res.summary())
    return 0


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
    h = sub.add_parser(
        "hopfield",
        help=command_help("hopfield"),
        description="Store random memories in a Hopfield net of n units, orient the n-cube toward lower "
        "energy (a networkx DiGraph; equal-energy edges are reported as ties), check acyclicity, minima "
        "and asynchronous dynamics, and check that storing g(memories) gives g(orientation) for "
        "isometries g of the cube.",
    )
    h.add_argument("-n", type=int, required=True, help="units (1..16)")
    h.add_argument("--memories", type=int, default=3, help="random memories stored (default: 3)")
    h.add_argument("--rule", default="hebb", help="hebb, or c0,c1,c2,c3 for c0 + c1 (o_i + o_j) + c2 o_i o_j "
                   "+ c3 (o_i^2 + o_j^2) summed over memories (default: hebb)")
    h.add_argument("--encoding", choices=ENCODINGS, default="pm1", help="activity coding (default: pm1)")
    h.add_argument("--isometries", help="all, or sample:K (default: all for n <= 6, else sample:100)")
    h.add_argument("--seed", type=int, default=0, help="root seed (default: 0)")
    h.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    add_progress_argument(h)
    h.set_defaults(func=run)

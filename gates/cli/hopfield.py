"""``gates hopfield``: Hopfield storage, the oriented n-cube and its isometry invariance."""

import json

from gates.boolean.truth import ENCODINGS
from gates.cli.main import command_help

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.learning.hopfield import default_isometries, hopfield_study, parse_storage_rule

    which = args.isometries or default_isometries(args.n)
    res = hopfield_study(args.n, args.memories, parse_storage_rule(args.rule), args.encoding, which, args.seed)
    if args.json:
        print(json.dumps(res))
        return 0
    print(f"Hopfield net n={res['n']} ({res['encoding']}), rule {res['rule']}, memories {res['memories']}")
    print(f"orientation of the {res['n']}-cube: {res['edges']:,} edges, {res['ties']:,} ties, "
          f"{'acyclic' if res['acyclic'] else 'NOT acyclic'}; {res['minima']} strict minima, "
          f"{res['memories_as_minima']} of {len(res['memories'])} memories among them")
    print(f"asynchronous dynamics: {res['basins']['count']} fixed points, largest basin {res['basins']['largest']}, "
          f"{'every step follows the orientation' if res['dynamics_follow_orientation'] else 'a step left it'}, "
          f"{res['dynamics_climbs']} climbs")
    print(f"isometries checked: {res['isometries_checked']:,}, violations: {res['violations']:,}")
    if res["violation_example"]:
        print(f"example: {json.dumps(res['violation_example'])}")
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
    h.set_defaults(func=run)

"""``gates learn``: the learnability census of one gate or a two-layer net under a local rule."""

import json
import os

from gates.boolean.families import FAMILIES
from gates.boolean.symmetry import GROUPS
from gates.cli.main import command_help
from gates.cli.protocol_options import HELP_ORDER, add_protocol_arguments, protocol_from
from gates.cli.terminal import add_progress_argument, progress_bar
from gates.errors import GatesError
from gates.io.storage import check_output_dir
from gates.learning.rules import FORMS
from gates.studies.census import CENSUS_MODES

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.studies.census import shallow_census
    from gates.studies.census_results import write_census
    from gates.studies.enumeration import enumeration_units

    deep_opts = [f"--{k.replace('_', '-')}" for k in ("hidden", "hidden_rule", "order") if getattr(args, k) is not None]
    if args.literal_encoding and args.encoding == "pm1":
        raise GatesError("--literal-encoding changes only the 01 coding (the named rules are +-1 formulas): "
                         "add --encoding 01")
    if args.layers not in (1, 2):
        raise GatesError(f"--layers {args.layers} is not available: allowed 1 (one gate) or 2 (hidden layer + gate)")
    if args.layers == 2:
        for flag, bad in (("--exhaustive", args.exhaustive), ("--poly", args.poly is not None),
                          ("--form unsupervised", args.form == "unsupervised")):
            if bad:
                raise GatesError(f"{flag} is for one gate (--layers 1); two layers train every function "
                                 "with a clamped output rule")
    elif deep_opts:
        raise GatesError(f"{', '.join(deep_opts)} describe a hidden layer: add --layers 2")
    # a bad --out fails before any work (the check creates nothing)
    out = check_output_dir(args.out) if args.out else None
    if args.layers == 2:
        from gates.studies.deep_census import deep_census, deep_census_units

        kw = dict(hidden=args.hidden, order=args.order or "hidden-first", protocol=protocol_from(args),
                  classes=args.classes, seeds=args.seeds, members=args.members, mode=args.mode)
        study, units = deep_census, deep_census_units
        pos = (args.family, args.n, args.rule, args.hidden_rule or "hebb")
    else:
        from gates.studies.census import census_units

        kw = dict(form=args.form, mode=args.mode, protocol=protocol_from(args), classes=args.classes,
                  exhaustive=args.exhaustive, poly=args.poly, seeds=args.seeds, members=args.members)
        study, units = shallow_census, census_units
        pos = (args.family, args.n, args.rule)
    # listing the classes can take a while (all functions of 5 inputs, threshold classes of 8): a bar of its own
    lt, lunit = (None, None) if args.classes in (None, "none") else enumeration_units(
        "threshold" if args.layers == 1 else args.family, args.n, "np" if args.layers == 1 else args.classes)
    lupdate, lclose = (progress_bar(lt, f"classes n={args.n}", lunit, enabled=args.progress) if lt
                       else (None, lambda: None))
    try:
        total = units(*pos, **kw, progress=lupdate)
    finally:
        lclose()
    # the bar counts the work in its own units: rows (functions or class members) x seeds, or, for two
    # layers in exact mode, restarts x seeds (each restart decides every function at once)
    unit = "restarts" if args.layers == 2 and args.mode == "exact" else (
        "members" if args.classes not in (None, "none") and args.mode == "simulate" else "functions")
    update, close = progress_bar(total, f"learn n={args.n}", unit, enabled=args.progress)
    try:
        res = study(*pos, **kw, workers=args.workers, progress=update)
    finally:
        close()
    summary = res.to_dict()
    if out:
        # the only key the files add to the result's to_dict(): "out", the paths written
        summary["out"] = [os.path.join(out, p) for p in write_census(res, out, args.command_line)]
    if args.json:
        print(json.dumps(summary))
        return 0
    print(res.summary())
    if out:
        print(f"wrote {', '.join(summary['out'])}")
    return 0


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
    lp = sub.add_parser(
        "learn",
        help=command_help("learn"),
        description="Learnability census: train one threshold gate (with bias) on every function "
        "of a family, or decide it in exact (asymptotic) mode. Only threshold functions can be "
        "learnt by one gate, so by default only they are trained (--exhaustive trains all). "
        "With --layers 2, a hidden layer learns unsupervised and the output gate clamped; every "
        "function of the family is trained (n <= 4 for all, 5 for monotone) or one per class "
        "with --classes. The named rules are +-1 formulas: with --encoding 01 they are recoded by "
        "x' = 2x - 1 (the same rule class) unless --literal-encoding; a --poly runs as written.",
    )
    lp.add_argument("--family", choices=FAMILIES, default="all", help="which functions (default: all)")
    lp.add_argument("-n", type=int, required=True, help="number of inputs")
    lp.add_argument("--layers", type=int, default=1,
                    help="1: one gate; 2: a hidden layer of threshold gates learning unsupervised, "
                    "then an output gate learning clamped (default: 1)")
    lp.add_argument("--hidden", type=int, help="two layers: hidden width h (default: 2^(n-1))")
    lp.add_argument("--hidden-rule", help="two layers: the hidden layer's unsupervised rule: hebb, oja, "
                    "hebb-tanh, or none (fixed random weights) (default: hebb)")
    lp.add_argument("--order", help="two layers: hidden-first (the hidden layer trains, then the output "
                    "gate) or simultaneous (default: hidden-first)")
    lp.add_argument("--rule", default="hebb", help="hebb, oja, gradient or hebb-tanh (default: hebb)")
    lp.add_argument("--form", choices=FORMS, default=None,
                    help="clamped: the output is replaced by the target (supervised); default: clamped for a "
                    "named --rule, a --poly as written (supervised when it reads T)")
    lp.add_argument("--poly", metavar="EXPR", help="a polynomial rule instead of --rule, in O (output), "
                    "x (input), w (weight), T (target), e.g. 'T*x - T^2*w'; run as written in the --encoding")
    lp.add_argument("--mode", choices=CENSUS_MODES, default="simulate",
                    help="simulate the protocol, or decide from the asymptotic direction (default: simulate); "
                    "with --layers 2 the hidden layer is simulated and frozen, the output gate decided exactly")
    # the protocol's options come from its fields' metadata; --seeds (several root seeds) goes beside --seed
    split = HELP_ORDER.index("seed") + 1
    add_protocol_arguments(lp, HELP_ORDER[:split])
    lp.add_argument("--seeds", type=int, default=1, metavar="S",
                    help="run S independent root seeds (seed, seed+1, ...) and report each seed's counts and "
                    "the mean with its 95%% t interval (default: 1)")
    add_protocol_arguments(lp, HELP_ORDER[split:])
    lp.add_argument("--classes", choices=("none", *GROUPS), default="none",
                    help="simulate: stratified sampling of class members (--members per class, weight orbit "
                    "size / members); exact: one representative per class (np, npn for all/threshold; p for "
                    "monotone)")
    lp.add_argument("--members", type=int, default=2, metavar="M",
                    help="uniformly random members drawn per class with --classes when simulating (default: 2)")
    lp.add_argument("--exhaustive", action="store_true", help="train every function, not only threshold ones")
    lp.add_argument("--workers", type=int, help="threads (default: all cores); results do not depend on it")
    lp.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    lp.add_argument("--out", metavar="DIR", help="write per-function results and the manifest here (checked "
                    "before any work)")
    add_progress_argument(lp)
    lp.set_defaults(func=run)

"""``gates channel``: the learning channel's bits, operations, rate and improvement per algorithm."""

import sys

from gates.cli.main import command_help
from gates.cli.terminal import add_progress_argument, progress_bar, report
from gates.errors import GatesError

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.channel.algorithms import ALGORITHMS
    from gates.io.storage import check_output_dir
    from gates.studies.channel_study import channel_study, channel_work, write_channel

    def ints(text, name):
        try:
            return tuple(int(v) for v in text.split(","))
        except ValueError:
            raise GatesError(f"{name} {text!r} is not a comma-separated list of integers") from None

    if args.out:
        check_output_dir(args.out)
    algorithms = tuple(args.algorithms.split(",")) if args.algorithms else ALGORITHMS
    kw = {"algorithms": algorithms, "k": args.k, "seed": args.seed, "samples": args.samples}
    if args.sizes:
        kw["sizes"] = ints(args.sizes, "--sizes")
    if args.budget is not None:
        kw["budget"] = args.budget
    total = None
    if args.progress or (args.progress is None and sys.stderr.isatty()):
        try:
            total = channel_work(**{k: v for k, v in kw.items() if k in ("sizes", "algorithms", "budget", "samples")})
        except GatesError:
            total = None  # the study itself says what is wrong
    update, close = progress_bar(total, "channel", "ms", enabled=args.progress)
    try:
        res = channel_study(progress=update, **kw)
    finally:
        close()
    if not args.out:
        return report(args, res)
    written = write_channel(res, args.out, command=args.command_line)
    return report(args, res, args.out, written["files"], written["note"])


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
    ch = sub.add_parser(
        "channel",
        help=command_help("channel"),
        description="Measures, for backprop and the perturbation algorithms (P{W,A}{L,G}{B,R}[k]), the bits "
        "sent back per weight, the operations per weight, the rate R = bits / ops, and the cosine of each "
        "update with the true gradient (the improvement of a fixed-length step relative to the gradient "
        "step's), across network sizes W, beside the paper's asymptotic predictions; fits the exponents in "
        "W; trains every algorithm on one task under the same operation budget; repeats it on a recurrent "
        "net unfolded in time (BPTT).",
    )
    ch.add_argument("--sizes", metavar="H,H,...", help="hidden widths of the (8, h, h, 1) nets (default: 4,8,16,32,64)")
    ch.add_argument("--algorithms", metavar="A,A,...", help="default: all (bp,pwlr,pwlb,palr,palb,pwgr,pwgb,pwgrk,pwgbk)")
    ch.add_argument("--k", type=int, default=8, help="perturbations for pwgrk / pwgbk (default: 8)")
    ch.add_argument("--budget", type=float, default=None, help="operations per weight per example for the training runs")
    ch.add_argument("--samples", type=int, default=400, help="weight states per size for the cosines (default: 400)")
    ch.add_argument("--seed", type=int, default=0, help="root seed (default: 0)")
    ch.add_argument("--out", metavar="DIR", help="write the rate table, fits, training curves (and plots) here")
    ch.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    add_progress_argument(ch)
    ch.set_defaults(func=run)

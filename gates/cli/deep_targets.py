"""``gates deep-targets``: sampling deep targets against compute-matched baselines."""

import sys

from gates._threads import numba_threads
from gates._validate import check_int
from gates.boolean.truth import ENCODINGS
from gates.cli.main import command_help
from gates.cli.terminal import add_progress_argument, progress_bar, report
from gates.errors import GatesError
from gates.learning import deep_targets as dt
from gates.studies.deep_targets_study import DEFAULT_BUDGET, PRESETS, STUDY_SEEDS, TASKS

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.io.storage import check_output_dir
    from gates.studies.deep_targets_files import write_study
    from gates.studies.deep_targets_study import check_study, preset_options, run_study, study_baselines, study_units

    def ints(text, what):
        try:
            return tuple(int(v) for v in text.split(","))
        except ValueError:
            raise GatesError(f"--{what} {text!r} is not a comma-separated list of integers") from None

    def budget(text):
        try:
            v = float(text)
        except ValueError:
            v = float("nan")
        if not (v == v and v >= 1 and v == int(v)):
            raise GatesError(f"--budget {text!r} must be a positive whole number of gate evaluations, e.g. 2e8")
        return int(v)

    if args.out:
        check_output_dir(args.out)
    layers = ints(args.layers, "layers") if args.layers else None
    seeds = (args.seed,) if args.seed is not None else ints(args.seeds, "seeds")
    tasks = ("file",) if args.data else (TASKS if args.task == "all" else (args.task,))
    if args.data and args.task not in ("all", "autoencoder"):
        raise GatesError(f"--data is an autoencoder task; drop --task {args.task}")
    baselines = study_baselines(args.baselines)
    options = {k: getattr(args, k) for k in ("encoding", "search", "fit", "margin", "denoise", "group", "accept",
                                             "temperature", "restarts", "epochs", "inner_epochs", "eta",
                                             "schedule", "flip_p", "flip_k", "samples")
               if getattr(args, k) is not None}
    if args.sampler is not None:
        names = args.sampler.split(",")
        options["sampler"] = names[0] if len(names) == 1 else tuple(names)
    options = preset_options(args.preset, options)
    run_budget = None if args.budget == "none" else budget(args.budget)
    ablate = not args.no_ablation
    tune = not args.no_tune
    if args.workers is not None:
        check_int(args.workers, "--workers", lo=1)
    check_study(tasks, seeds, run_budget, options, layers, args.data, baselines)  # before any work
    total = None
    if args.progress or (args.progress is None and sys.stderr.isatty()):  # the plan reads the tasks' data
        total = study_units(tasks, seeds, ablate, baselines, tune, run_budget, layers, args.data)
    update, close = progress_bar(total, "deep targets", "madd" if run_budget is not None else "run",
                                 enabled=args.progress)
    try:
        with numba_threads(args.workers):
            res = run_study(tasks, seeds, run_budget, ablate, tune, update, options, layers, args.data, baselines)
    finally:
        close()
    if not args.out:
        return report(args, res)
    written = write_study(res, args.out, args.command_line)
    return report(args, res, args.out, written["files"], written["note"])


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
    d = sub.add_parser(
        "deep-targets",
        help=command_help("deep-targets"),
        description="Sampling deep targets (paper section 4) on networks of threshold gates, beside backprop "
        "on a tanh relaxation and a straight-through estimator (both tuned on a validation split), deep local "
        "learning and random features, every method stopped at the same number of gate evaluations. Tasks: "
        "the default autoencoder (768 vectors of 32 bits from a random threshold decoder of a 6-bit code with "
        "5%% bit flips, 512 train / 256 held out, 32-16-6-16-32) and binarised 8x8 digits (64-32-16-10, ten "
        "class units). Also an ablation of the algorithm's ingredients on the autoencoder.",
    )
    d.add_argument("--task", choices=(*TASKS, "all"), default="all", help="(default: all)")
    d.add_argument("--seeds", default=",".join(map(str, STUDY_SEEDS)),
                   help=f"comma-separated seeds (default: {','.join(map(str, STUDY_SEEDS))})")
    d.add_argument("--seed", type=int, help="one seed (replaces --seeds)")
    d.add_argument("--budget", default=f"{DEFAULT_BUDGET:.0e}".replace("e+0", "e"), help="gate evaluations each method may spend, or none (then "
                   "--epochs ends deep targets and baselines run config epochs) (default: 2e8)")
    d.add_argument("--baselines", default="default", help="comma-separated: backprop, ste, deep-local-hebb, "
                   "deep-local-oja, random-features; or all, none, default (all but deep-local-oja)")
    d.add_argument("--no-tune", action="store_true", help="backprop and ste at lr 0.5 (sgd) instead of tuned")
    d.add_argument("--no-ablation", action="store_true", help="skip the ablation of the ingredients")
    d.add_argument("--data", metavar="FILE.npy", help="an autoencoder on a 0/1 array (rows = examples), read "
                   "without pickle, a seeded quarter held out")
    d.add_argument("--layers", help="sizes, e.g. 32,16,6,16,32; the ends must fit the task")
    d.add_argument("--preset", choices=PRESETS, default="default",
                   help="paper: the loop before issue 16 (joint flip sampling, 2 plain perceptron passes, "
                   "no margin, no input noise, 100 epochs)")
    d.add_argument("--search", choices=dt.SEARCHES, help="unit: one unit's flip per example, weighted "
                   "by the output error it gains; joint: sampled activity vectors per group (default: unit)")
    d.add_argument("--sampler", help="joint search: flip, flip-k, uniform, exhaustive, seen, or one per hidden "
                   "layer like flip,exhaustive,flip (an exhaustive layer is searched jointly also with --search "
                   "unit; <= 12 units) (default: flip)")
    d.add_argument("--group", choices=dt.GROUPS, help="examples sharing one target in a joint "
                   "search: same activity (paper) or same input to the layer (default: activity)")
    d.add_argument("--fit", choices=dt.FITS, help="layer step: pocket perceptron with margin "
                   "(keeps the best weights) or the last perceptron iterate (default: pocket)")
    d.add_argument("--margin", type=float, help="perceptron margin, times fan-in + 1 (default: 1)")
    d.add_argument("--denoise", type=float, help="fraction of input bits flipped afresh each epoch (default: 0.05)")
    d.add_argument("--accept", choices=dt.ACCEPT,
                   help="joint search: undo, keep, or keep with probability exp(-rise/T) an update that "
                   "raises the training error (default: non-increasing)")
    d.add_argument("--temperature", type=float, help="initial temperature of --accept anneal, in errors (default: 20)")
    d.add_argument("--restarts", type=int, help="initialisations, the best by training error kept (default: 1)")
    d.add_argument("--encoding", choices=ENCODINGS, help="activity coding (default: pm1)")
    d.add_argument("--flip-p", type=float, help="flip probability (default: 0.15)")
    d.add_argument("--flip-k", type=int, help="units flipped by flip-k (default: 1)")
    d.add_argument("--samples", type=int, help="candidates per example group (default: 64)")
    d.add_argument("--schedule", choices=dt.LAYER_SCHEDULES,
                   help="order of the layers in each epoch (default: up-down, alternating)")
    d.add_argument("--epochs", type=int, help="epoch cap (default: none with a budget, else 40)")
    d.add_argument("--inner-epochs", type=int, help="perceptron passes per unit or layer visit (default: 10)")
    d.add_argument("--eta", type=float, help="perceptron learning rate (default: 0.1)")
    d.add_argument("--workers", type=int, help="threads (default: all cores); results do not depend on it")
    d.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    d.add_argument("--out", metavar="DIR", help="write summary.{csv,md,manifest.json}, ablation.{csv,md,"
                   "manifest.json}, runs.csv, curves.csv and curves.png")
    add_progress_argument(d)
    d.set_defaults(func=run)

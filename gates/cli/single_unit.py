"""``gates single-unit``: the paper's single-unit experiments."""


from gates.cli.main import command_help
from gates.cli.terminal import add_progress_argument, progress_bar, report
from gates.studies.single_unit.experiments import EXPERIMENTS, experiment_default as _default
from gates.studies.single_unit.image_study import image_study
from gates.studies.single_unit.supervised_hebb import supervised_hebb_study

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.io.storage import check_output_dir
    from gates.studies.single_unit.experiments import experiment_work, run_experiment, write_experiment

    out = check_output_dir(args.out) if args.out else None  # before any work
    total, unit = experiment_work(args.study, args.datasets)
    update, close = progress_bar(total, args.study, unit, enabled=args.progress)
    try:
        res = run_experiment(args.study, seed=args.seed, datasets=args.datasets, data=args.data, digit=args.digit,
                             rule=args.rule, progress=update)
    finally:
        close()
    if out is None:
        return report(args, res)
    files, note = write_experiment(args.study, res, out, command=args.command_line)
    return report(args, res, out, files, note)


def add_arguments(sub):
    """Add the command's parser to the subparsers `sub`."""
    su = sub.add_parser(
        "single-unit",
        help=command_help("single-unit"),
        description="supervised-hebb: the canonical-form cosine condition against simulation on random "
        "near-orthogonal +-1 (no bias), orthogonal identity (without and with a bias) and common-orthant "
        "datasets; images: simple Hebb on a linear unit (angle to "
        "the centre of gravity, norm), a Riccati rule without O against its closed form (the control), and a "
        "tanh unit whose rule O*x - O*w^2 reads O against its Riccati prediction, on the 8x8 digits that "
        "scikit-learn ships (pip install 'gates[images]'), the seven-segment stand-in 'segments', or a user "
        "MNIST (IDX or .npy). Nothing is downloaded.",
    )
    su.add_argument("study", choices=EXPERIMENTS)
    datasets = _default(supervised_hebb_study, "datasets")
    su.add_argument("--datasets", type=int, default=datasets,
                    help=f"supervised-hebb: datasets per kind (default: {datasets})")
    su.add_argument("--data", default=_default(image_study, "source"), metavar="SOURCE",
                    help="images: 'digits' (default), 'segments' or IMAGES[,LABELS] as IDX (.gz ok) or .npy files")
    digit, rule = _default(image_study, "digit"), _default(image_study, "rule")
    su.add_argument("--digit", type=int, default=digit,
                    help=f"images: the digit the Riccati units learn (default: {digit})")
    su.add_argument("--rule", default=rule,
                    help=f"images: the control's Riccati rule, without O terms (default: '{rule}')")
    su.add_argument("--seed", type=int, default=0, help="root seed (default: 0)")
    su.add_argument("--out", metavar="DIR", help="write CSV, Markdown, manifests (and PNG with matplotlib) here")
    su.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    add_progress_argument(su)
    su.set_defaults(func=run)

"""``gates single-unit``: the paper's single-unit experiments."""

import json
import os

from gates.cli.main import command_help
from gates.cli.terminal import print_written
from gates.studies.single_unit.experiments import EXPERIMENTS, experiment_default as _default
from gates.studies.single_unit.image_study import image_study
from gates.studies.single_unit.supervised_hebb import supervised_hebb_study

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.studies.single_unit.experiments import experiment_summary, run_experiment, write_experiment

    res = run_experiment(args.study, seed=args.seed, datasets=args.datasets, data=args.data, digit=args.digit,
                         rule=args.rule)
    summary = experiment_summary(args.study, res, args.seed)
    if args.out:
        files, note = write_experiment(args.study, res, args.out, command=args.command_line)
        summary.update(out=os.path.abspath(args.out), files=files, **({"note": note} if note else {}))
    if args.json:
        print(json.dumps(summary, default=float))
        return 0
    if args.study == "supervised-hebb":
        print("supervised simple Hebb on a threshold gate: the cosine condition against simulation")
        print(f"{'kind':<17}{'bias':<6}{'datasets':>9}{'condition':>10}{'learnt':>8}{'agree':>7}{'tiny':>6}")
        for kind, r in res["summary"].items():
            print(f"{kind:<17}{'yes' if r['bias'] else 'no':<6}{r['datasets']:>9}{r['condition_holds']:>10}"
                  f"{r['learnt']:>8}{r['agree']:>7}{r['tiny']:>6}")
    else:
        h = summary["hebb"]
        print(f"data: {res['data']['source']} ({res['data']['n']} images of {res['data']['d']} pixels)")
        print(f"simple Hebb, linear unit: angle to the centre of gravity {h['angle_cog']:.3f} deg, to the "
              f"principal eigenvector {h['angle_pc']:.2g} deg, log10 |w| = {h['log10_norm']:.2f}")
        if summary["riccati"]:
            r = summary["riccati"]
            print(f"control: rule does not read O. Riccati fit of {r['settings']['rule']} (digit "
                  f"{r['settings']['digit']}): R^2 = {r['r2']:.8f}, max |deviation| = {r['max_abs_deviation']:.2g}")
        else:
            print("no labels: the control (supervised) experiment needs them")
        r = summary["riccati_tanh"]
        print(f"tanh unit, rule reads O: {r['settings']['rule']} on {r['settings']['data']}: R^2 = {r['r2']:.8f}, "
              f"max error {100 * r['max_rel_error']:.2f}% of max |w| (O-free clock: "
              f"{100 * r['o_free_clock']['max_rel_error']:.1f}%)")
    if args.out:
        print_written(summary, args.out)
    return 0


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
    su.set_defaults(func=run)

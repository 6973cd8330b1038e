"""``gates single-unit``: the paper's single-unit experiments."""

import json
import os


from gates.cli.terminal import print_written
from gates.studies.single_unit import EXPERIMENTS

__all__ = ["add_arguments", "run"]


def run(args):
    """Run the command on parsed `args`; return the exit status."""
    from gates.studies import single_unit as su

    if args.study == "supervised-hebb":
        res = su.supervised_hebb_study(datasets=args.datasets, seed=args.seed)
        summary = {"study": args.study, "protocol": res["protocol"], "seed": args.seed, "summary": res["summary"]}
        writer = su.write_supervised_hebb
    else:
        res = su.image_study(args.data, digit=args.digit, rule=args.rule, seed=args.seed)
        summary = {"study": args.study, "data": res["data"], "hebb": {**res["hebb"]["final"],
                   "settings": res["hebb"]["settings"]},
                   "riccati": None if res["riccati"] is None else {
                       k: res["riccati"][k] for k in ("r2", "max_abs_deviation", "diverged", "settings")},
                   "riccati_tanh": {k: res["riccati_tanh"][k] for k in (
                       "r2", "max_abs_deviation", "max_rel_error", "diverged", "per_weight", "o_free_clock",
                       "approximation", "mean_ode", "settings")}}
        writer = su.write_image_study
    if args.out:
        files, note = writer(res, args.out, command=args.command_line)
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
        help="the paper's single-unit experiments: supervised Hebb datasets, Hebb and Riccati on images",
        description="supervised-hebb: the canonical-form cosine condition against simulation on random "
        "near-orthogonal +-1 (no bias), orthogonal identity (without and with a bias) and common-orthant "
        "datasets; images: simple Hebb on a linear unit (angle to "
        "the centre of gravity, norm), a Riccati rule without O against its closed form (the control), and a "
        "tanh unit whose rule O*x - O*w^2 reads O against its Riccati prediction, on the 8x8 digits that "
        "scikit-learn ships (pip install 'gates[images]'), the seven-segment stand-in 'segments', or a user "
        "MNIST (IDX or .npy). Nothing is downloaded.",
    )
    su.add_argument("study", choices=EXPERIMENTS)
    su.add_argument("--datasets", type=int, default=200, help="supervised-hebb: datasets per kind (default: 200)")
    su.add_argument("--data", default="digits", metavar="SOURCE",
                    help="images: 'digits' (default), 'segments' or IMAGES[,LABELS] as IDX (.gz ok) or .npy files")
    su.add_argument("--digit", type=int, default=9,
                    help="images: the digit the Riccati units learn (default: 9)")
    su.add_argument("--rule", default="T*x - T*w^2",
                    help="images: the control's Riccati rule, without O terms (default: 'T*x - T*w^2')")
    su.add_argument("--seed", type=int, default=0, help="root seed (default: 0)")
    su.add_argument("--out", metavar="DIR", help="write CSV, Markdown, manifests (and PNG with matplotlib) here")
    su.add_argument("--json", action="store_true", help="print one JSON object summarising the result")
    su.set_defaults(func=run)

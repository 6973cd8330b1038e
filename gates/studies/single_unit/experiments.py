"""The two experiments of ``gates single-unit``: run one, summarise it, write it.

The command line calls :func:`run_experiment`, prints
:func:`experiment_summary` and writes with :func:`write_experiment`; the
defaults are the study functions' own (:func:`supervised_hebb_study`,
:func:`image_study`), so they are written once.
"""

import inspect

from gates._validate import check_choice
from gates.studies.single_unit.image_study import image_study, write_image_study
from gates.studies.single_unit.supervised_hebb import supervised_hebb_study, write_supervised_hebb

__all__ = ["EXPERIMENTS", "run_experiment", "experiment_summary", "write_experiment", "experiment_default"]

EXPERIMENTS = ("supervised-hebb", "images")


def experiment_default(function, name):
    """The default of argument `name` of a study function (for the command line's help)."""
    return inspect.signature(function).parameters[name].default


def run_experiment(study, seed=0, datasets=None, data=None, digit=None, rule=None):
    """Run `study` (one of EXPERIMENTS); None settings take the study function's defaults."""
    check_choice(study, "study", EXPERIMENTS)
    given = lambda **kw: {k: v for k, v in kw.items() if v is not None}  # noqa: E731
    if study == "supervised-hebb":
        return supervised_hebb_study(seed=seed, **given(datasets=datasets))
    return image_study(seed=seed, **given(source=data, digit=digit, rule=rule))


def experiment_summary(study, res, seed=0):
    """The one JSON object ``gates single-unit --json`` prints for a result of :func:`run_experiment`."""
    if study == "supervised-hebb":
        return {"study": study, "protocol": res["protocol"], "seed": seed, "summary": res["summary"]}
    return {"study": study, "data": res["data"], "hebb": {**res["hebb"]["final"], "settings": res["hebb"]["settings"]},
            "riccati": None if res["riccati"] is None else {
                k: res["riccati"][k] for k in ("r2", "max_abs_deviation", "diverged", "settings")},
            "riccati_tanh": {k: res["riccati_tanh"][k] for k in (
                "r2", "max_abs_deviation", "max_rel_error", "diverged", "per_weight", "o_free_clock",
                "approximation", "mean_ode", "settings")}}


def write_experiment(study, res, out_dir, command=None):
    """Write a result of :func:`run_experiment` into `out_dir`: (files, note)."""
    writer = write_supervised_hebb if study == "supervised-hebb" else write_image_study
    return writer(res, out_dir, command=command)

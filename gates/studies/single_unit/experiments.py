"""The two experiments of ``gates single-unit``: run one, summarise it, write it.

The command line calls :func:`run_experiment` and prints its result
(``to_dict()`` with ``--json``, else ``summary()``), and writes it with
:func:`write_experiment`; the defaults are the study functions' own
(:func:`supervised_hebb_study`, :func:`image_study`), so they are written once.
"""

import inspect

from gates._validate import check_choice
from gates.io.results import Result
from gates.studies.single_unit.hebb_datasets import HEBB_KINDS
from gates.studies.single_unit.image_study import IMAGE_STEPS, image_study, write_image_study
from gates.studies.single_unit.supervised_hebb import supervised_hebb_study, write_supervised_hebb

__all__ = ["EXPERIMENTS", "ExperimentResult", "run_experiment", "experiment_work", "experiment_summary",
           "write_experiment", "experiment_default"]

EXPERIMENTS = ("supervised-hebb", "images")


def experiment_default(function, name):
    """The default of argument `name` of a study function (for the command line's help).

    Examples
    --------
    >>> experiment_default(supervised_hebb_study, "datasets")
    200
    """
    return inspect.signature(function).parameters[name].default


def experiment_work(study, datasets=None):
    """The work of :func:`run_experiment` in its progress units: ``(total, unit)``.

    Examples
    --------
    >>> experiment_work("supervised-hebb", datasets=10)
    (40, 'dataset')
    >>> experiment_work("images")
    (3, 'step')
    """
    check_choice(study, "study", EXPERIMENTS)
    if study == "supervised-hebb":
        n = experiment_default(supervised_hebb_study, "datasets") if datasets is None else datasets
        return len(HEBB_KINDS) * n, "dataset"
    return len(IMAGE_STEPS), "step"


class ExperimentResult(Result):
    """What :func:`run_experiment` returns: the object ``gates single-unit STUDY --json`` prints.

    Keys (``to_dict()``), supervised-hebb: ``study``, ``protocol``, ``seed``,
    ``summary`` (per dataset kind: datasets, condition_holds, learnt, agree,
    tiny, ...). images: ``study``, ``data``, ``hebb`` (final angles and norm,
    settings), ``riccati`` (the control: r2, max_abs_deviation, diverged,
    settings; None without labels) and ``riccati_tanh`` (the unit whose rule
    reads O: r2, max_rel_error, the O-free clock, ...).

    Parameters
    ----------
    data : mapping
        The JSON summary (see the keys above).
    text : str, optional
        Not used: :meth:`summary` builds the text.
    **payload
        The attributes below.

    Attributes
    ----------
    study : str
        ``"supervised-hebb"`` or ``"images"``.
    details : dict
        The study function's whole result (trajectories, per-dataset
        records), which :func:`write_experiment` writes.
    """

    def summary(self):
        """The table or lines ``gates single-unit`` prints without ``--json``."""
        res = self.details
        if self.study == "supervised-hebb":
            lines = ["supervised simple Hebb on a threshold gate: the cosine condition against simulation",
                     f"{'kind':<17}{'bias':<6}{'datasets':>9}{'condition':>10}{'learnt':>8}{'agree':>7}{'tiny':>6}"]
            for kind, r in res["summary"].items():
                lines.append(f"{kind:<17}{'yes' if r['bias'] else 'no':<6}{r['datasets']:>9}{r['condition_holds']:>10}"
                             f"{r['learnt']:>8}{r['agree']:>7}{r['tiny']:>6}")
            return "\n".join(lines)
        h = self["hebb"]
        lines = [f"data: {res['data']['source']} ({res['data']['n']} images of {res['data']['d']} pixels)",
                 f"simple Hebb, linear unit: angle to the centre of gravity {h['angle_cog']:.3f} deg, to the "
                 f"principal eigenvector {h['angle_pc']:.2g} deg, log10 |w| = {h['log10_norm']:.2f}"]
        if self["riccati"]:
            r = self["riccati"]
            lines.append(f"control: rule does not read O. Riccati fit of {r['settings']['rule']} (digit "
                         f"{r['settings']['digit']}): R^2 = {r['r2']:.8f}, max |deviation| = "
                         f"{r['max_abs_deviation']:.2g}")
        else:
            lines.append("no labels: the control (supervised) experiment needs them")
        r = self["riccati_tanh"]
        lines.append(f"tanh unit, rule reads O: {r['settings']['rule']} on {r['settings']['data']}: R^2 = "
                     f"{r['r2']:.8f}, max error {100 * r['max_rel_error']:.2f}% of max |w| (O-free clock: "
                     f"{100 * r['o_free_clock']['max_rel_error']:.1f}%)")
        return "\n".join(lines)


def run_experiment(study, seed=0, datasets=None, data=None, digit=None, rule=None, progress=None):
    """Run one of the paper's single-unit experiments (``gates single-unit STUDY``).

    Parameters
    ----------
    study : {"supervised-hebb", "images"}
        supervised-hebb: clamped simple Hebb on one threshold gate against
        the canonical-form cosine condition, on the paper's four kinds of
        datasets (:func:`supervised_hebb_study`). images: simple Hebb on a
        linear unit, the Riccati control and the tanh unit whose rule reads
        O (:func:`image_study`).
    seed : int, default 0
        Root seed.
    datasets : int, optional
        supervised-hebb: random datasets per kind (default 200).
    data : str, optional
        images: ``"digits"`` (default; scikit-learn's 8x8 digits),
        ``"segments"`` (the seven-segment stand-in) or ``IMAGES[,LABELS]``
        files (IDX or .npy).
    digit : int, optional
        images: the digit the Riccati units learn (default 9).
    rule : str, optional
        images: the control's Riccati rule, without O (default ``"T*x - T*w^2"``).
    progress : callable, optional
        Called as ``progress(k)`` with the work done, in the units of
        :func:`experiment_work` (datasets, or the three image steps).

    Returns
    -------
    ExperimentResult
        The object ``gates single-unit STUDY --json`` prints (see
        :class:`ExperimentResult` for its keys); ``details`` holds the
        study's whole result.

    Raises
    ------
    InputError
        An unknown study, bad settings, or image data that cannot be read.

    Examples
    --------
    The cosine condition decides which datasets supervised Hebb learns: on
    the identity without a bias every margin is 1, so every dataset is learnt.

    >>> res = run_experiment("supervised-hebb", datasets=3)
    >>> s = res["summary"]["orthogonal"]
    >>> s["learnt"], s["condition_holds"], s["datasets"]
    (3, 3, 3)
    >>> print(res.summary().splitlines()[0])
    supervised simple Hebb on a threshold gate: the cosine condition against simulation
    """
    check_choice(study, "study", EXPERIMENTS)
    given = lambda **kw: {k: v for k, v in kw.items() if v is not None}  # noqa: E731
    if study == "supervised-hebb":
        res = supervised_hebb_study(seed=seed, progress=progress, **given(datasets=datasets))
    else:
        res = image_study(seed=seed, progress=progress, **given(source=data, digit=digit, rule=rule))
    return ExperimentResult(experiment_summary(study, res, seed), study=study, details=res)


def experiment_summary(study, res, seed=0):
    """The JSON object ``gates single-unit --json`` prints for a study's whole result `res`."""
    if study == "supervised-hebb":
        return {"study": study, "protocol": res["protocol"], "seed": seed, "summary": res["summary"]}
    return {"study": study, "data": res["data"], "hebb": {**res["hebb"]["final"], "settings": res["hebb"]["settings"]},
            "riccati": None if res["riccati"] is None else {
                k: res["riccati"][k] for k in ("r2", "max_abs_deviation", "diverged", "settings")},
            "riccati_tanh": {k: res["riccati_tanh"][k] for k in (
                "r2", "max_abs_deviation", "max_rel_error", "diverged", "per_weight", "o_free_clock",
                "approximation", "mean_ode", "settings")}}


def write_experiment(study, res, out_dir, command=None):
    """Write a result of :func:`run_experiment` into `out_dir` (CSV, Markdown, manifests, PNG).

    Parameters
    ----------
    study : {"supervised-hebb", "images"}
    res : ExperimentResult or dict
        A result of :func:`run_experiment` (or the study function's dict).
    out_dir : str or path-like
        The folder (created if missing).
    command : list of str, optional
        The command line recorded in the manifests.

    Returns
    -------
    Written
        ``files`` written (relative to `out_dir`) and ``note`` (why a plot
        is missing, or None).

    Examples
    --------
    >>> import tempfile
    >>> w = write_experiment("supervised-hebb", run_experiment("supervised-hebb", datasets=2),
    ...                      tempfile.mkdtemp(), command=["gates", "single-unit"])
    >>> w.files[0]
    'supervised_hebb.csv'
    """
    writer = write_supervised_hebb if study == "supervised-hebb" else write_image_study
    return writer(getattr(res, "details", res), out_dir, command=command)

"""The deep-targets study's outputs: its result object, the per-task summary, the committed tables and the curves.

:class:`DeepTargetsStudy` is what :func:`gates.studies.deep_targets_study.run_study`
returns. :func:`summarise` and :func:`study_summary` read a study (the result
or its per-seed ``runs`` dict); :func:`write_study` writes the summary,
ablation, oracle, per-seed runs and curves (and, with matplotlib,
``curves.png``).
"""

import os

import numpy as np

from gates.estimate import seed_mean
from gates.io.results import Result
from gates.learning.deep_targets import DeepTargetsConfig
from gates.studies.deep_targets_study import UNTUNED

__all__ = ["DeepTargetsStudy", "summarise", "write_study", "study_summary"]


class DeepTargetsStudy(Result):
    """The result of :func:`gates.studies.deep_targets_study.run_study`.

    As a mapping (and in :meth:`to_dict`) it is what ``gates deep-targets
    --json`` prints (:func:`study_summary`); :meth:`summary` is the text the
    command prints without ``--json``.

    Parameters
    ----------
    runs : dict
        The per-seed record of the study: ``seeds``, ``budget``, ``options``,
        ``baselines``, ``tuned``, ``tasks`` ({task: [one
        :func:`~gates.studies.deep_targets_study.compare_at_budget` result per
        seed]}) and, with the ablation, ``ablation`` and ``oracle``.

    Attributes
    ----------
    runs : dict
        The per-seed record (curves and tuning included), read by
        :func:`write_study` and :func:`summarise`.
    """

    def __init__(self, runs):
        summary = study_summary(runs)
        super().__init__(summary, text=_study_text(runs, summary), runs=runs)


def _runs(study):
    """The per-seed record of `study` (a DeepTargetsStudy or its ``runs`` dict)."""
    return getattr(study, "runs", study)


def _interval(r):
    lo, hi = r["test_interval"]
    return f"{r['test']:.4f}" if lo is None else f"{r['test']:.4f} [{lo:.4f}, {hi:.4f}]"


def _study_text(study, summary):
    """The text ``gates deep-targets`` prints without --json."""
    seeds = study["seeds"]
    kind = "estimates: mean over seeds with Student t 95% interval" if len(seeds) > 1 else "one seed: no interval"
    lines = [f"sampling deep targets, seeds {','.join(map(str, seeds))}, budget "
             f"{'none' if study['budget'] is None else format(study['budget'], ',')} gate evaluations ({kind})"]
    for t, s in summarise(study).items():
        metric = "held-out classification error" if study["tasks"][t][0]["metric"] == "class" else \
            "held-out Hamming error per component"
        lines += ["", f"{t} {'-'.join(map(str, study['tasks'][t][0]['layers']))}: {metric}"]
        for m, r in s["rows"].items():
            e = r["test"]
            iv = "" if e.low is None else f" [{e.low:.4f}, {e.high:.4f}]"
            lines.append(f"  {m:<21}{e.value:.4f}{iv:<20} train {r['train'].value:.4f}  evals {r['evals']:>13,}  "
                         f"{r['seconds']:.1f} s")
        if s["rows"] and len(s["rows"]) > 1:
            lines.append(f"  deep targets below the best tuned baseline on {s['wins_tuned']} of {s['seeds']} "
                         f"seeds, below the best of all on {s['wins']}")
        if s["floor"] is not None:
            lines.append(f"  noise floor {s['floor']}")
    if "ablation" in summary:
        lines += ["", "ablation (autoencoder, held-out error, mean over seeds [95% t]):"]
        lines += [f"  {r['variant']:<40}{_interval(r)}" for r in summary["ablation"]]
    if "oracle" in summary:
        lines += ["", "the generating code given (encoder and decoder trained apart, composed; held-out, mean "
                  "over seeds [95% t]):"]
        lines += [f"  {m:<18}{_interval(v)}" for m, v in summary["oracle"].items()]
    return "\n".join(lines)


def summarise(study):
    """Per task and method: mean and 95% t interval of the held-out error over seeds, wins of deep targets.

    Parameters
    ----------
    study : DeepTargetsStudy or dict
        A result of :func:`~gates.studies.deep_targets_study.run_study` (or its ``runs``).

    Returns
    -------
    dict
        {task: {"rows": {method: {"test", "train" (seed means with
        intervals), "tests", "evals", "seconds"}}, "wins", "wins_tuned",
        "seeds", "best_baseline", "best_tuned", "floor", "diff", "diff_tuned"}}.
    """
    study = _runs(study)
    out = {}
    for task, per_seed in study["tasks"].items():
        methods = list(per_seed[0]["methods"])
        rows = {}
        for m in methods:
            te = [r["methods"][m]["test"] for r in per_seed]
            tr = [r["methods"][m]["train"] for r in per_seed]
            rows[m] = {"test": seed_mean(te, bounds=(0, 1)), "train": seed_mean(tr, bounds=(0, 1)), "tests": te,
                       "evals": int(np.mean([r["methods"][m]["evals"] for r in per_seed])),
                       "seconds": float(np.mean([r["methods"][m]["seconds"] for r in per_seed]))}
        others = [m for m in methods if m != "deep-targets"]
        tuned = [m for m in others if m not in UNTUNED]
        best = [min(r["methods"][m]["test"] for m in others) for r in per_seed] if others else []
        best_tuned = [min(r["methods"][m]["test"] for m in tuned) for r in per_seed] if tuned else []
        dt = [r["methods"]["deep-targets"]["test"] for r in per_seed]
        out[task] = {"rows": rows, "wins": int(sum(a < b for a, b in zip(dt, best))), "seeds": len(per_seed),
                     "best_baseline": best, "floor": per_seed[0]["floor"],
                     "diff": seed_mean([a - b for a, b in zip(dt, best)]) if best else None,
                     "wins_tuned": int(sum(a < b for a, b in zip(dt, best_tuned))), "best_tuned": best_tuned,
                     "diff_tuned": seed_mean([a - b for a, b in zip(dt, best_tuned)]) if best_tuned else None}
    return out


def _fmt(e, digits=3):
    if e.low is None:
        return f"{e.value:.{digits}f}"
    return f"{e.value:.{digits}f} [{e.low:.{digits}f}, {e.high:.{digits}f}]"


def write_study(study, out_dir, command=None):
    """Write the summary, the ablation, the per-seed runs, the curves and (with matplotlib) the plot.

    Files: ``summary.{csv,md,manifest.json}``, ``ablation.{csv,md,manifest.json}``,
    ``runs.csv`` (every seed, method and task), ``curves.csv`` (held-out error
    against gate evaluations) and ``curves.png``; with the ablation also
    ``oracle.{csv,md,manifest.json}``.

    Parameters
    ----------
    study : DeepTargetsStudy or dict
        A result of :func:`~gates.studies.deep_targets_study.run_study` (or its ``runs``).
    out_dir : str or os.PathLike
        The folder (created if missing).
    command : list of str, optional
        The command line, recorded in the manifests.

    Returns
    -------
    Result
        ``files`` (the names written) and ``note`` (why ``curves.png`` is
        missing, or None); its summary is the line the command prints.
    """
    from gates.io.storage import write_csv, write_table

    study = _runs(study)

    summ = summarise(study)
    files = []
    protocol = {"seeds": study["seeds"], "budget_gate_evaluations": study["budget"],
                "deep_targets_default": DeepTargetsConfig().to_dict(),
                "tasks": {t: {"layers": ps[0]["layers"], "metric": ps[0]["metric"], "data": ps[0]["data"]}
                          for t, ps in study["tasks"].items()},
                "tuning": {t: {s["seed"]: {m: v["tuning"] for m, v in s["methods"].items() if "tuning" in v}
                               for s in ps} for t, ps in study["tasks"].items()}}
    header = ["task", "method", "held-out error", "low", "high", "train error", "gate evaluations", "seconds",
              "per seed"]
    rows, md = [], []
    for task, s in summ.items():
        for m, r in s["rows"].items():
            e = r["test"]
            rows.append([task, m, round(e.value, 5), None if e.low is None else round(e.low, 5),
                         None if e.high is None else round(e.high, 5), round(r["train"].value, 5), r["evals"],
                         round(r["seconds"], 2), " ".join(f"{v:.4f}" for v in r["tests"])])
            md.append([task, m, _fmt(e), f"{r['train'].value:.3f}", f"{r['evals']:,}", f"{r['seconds']:.1f}"])
    notes = []
    for task, s in summ.items():
        line = (f"{task}: deep targets below the best tuned baseline on {s['wins_tuned']} of {s['seeds']} seeds "
                f"(deep targets minus it {_fmt(s['diff_tuned'])}), below the best of all baselines (the untuned "
                f"backprop-fixed included) on {s['wins']} (minus it {_fmt(s['diff'])})"
                if s["diff"] is not None and s["diff_tuned"] is not None else task)
        if s["floor"] is not None:
            dt = s["rows"]["deep-targets"]["test"]
            line += f"; distance of deep targets to the {s['floor']} noise floor {_fmt(seed_mean([v - s['floor'] for v in s['rows']['deep-targets']['tests']]))}"
        notes.append(line)
    results = {t: {"wins": s["wins"], "wins_tuned": s["wins_tuned"], "seeds": s["seeds"],
                   "methods": {m: {"test": r["test"].value, "low": r["test"].low, "high": r["test"].high,
                                   "tests": r["tests"], "evals": r["evals"]} for m, r in s["rows"].items()}}
               for t, s in summ.items()}
    files += write_table(out_dir, "summary", header, rows, "Sampling deep targets against compute-matched baselines",
                         f"Held-out error (autoencoder: Hamming error per component; digits: classification error), "
                         f"mean over seeds {study['seeds']} with its Student t 95% interval: estimates. Every "
                         f"method stopped at {study['budget']:,} gate evaluations; backprop and ste tuned on a "
                         f"validation split of the training rows (grid in the manifest). " + " ".join(notes),
                         "deep-targets-study", protocol, command=command, seed=study["seeds"][0], results=results,
                         md_rows=md, md_header=["task", "method", "held-out error [95% t]", "train", "gate evals",
                                                "seconds"])
    runs = [[t, r["seed"], m, round(v["train"], 6), round(v["test"], 6), v["evals"], v["seconds"]]
            for t, ps in study["tasks"].items() for r in ps for m, v in r["methods"].items()]
    write_csv(os.path.join(out_dir, "runs.csv"), ["task", "seed", "method", "train_error", "test_error",
                                                   "gate_evaluations", "seconds"], runs)
    curves = [[t, r["seed"], m, e, round(x, 6)] for t, ps in study["tasks"].items() for r in ps
              for m, v in r["methods"].items() for e, x in v["curve"]]
    write_csv(os.path.join(out_dir, "curves.csv"), ["task", "seed", "method", "gate_evaluations",
                                                     "held_out_hamming_error"], curves)
    files += ["runs.csv", "curves.csv"]
    if "ablation" in study:
        ab = study["ablation"]
        arows, amd = [], []
        for r in ab["rows"]:
            e = seed_mean(r["test"], bounds=(0, 1))
            arows.append([r["variant"], round(e.value, 5), None if e.low is None else round(e.low, 5),
                          None if e.high is None else round(e.high, 5), round(float(np.mean(r["train"])), 5)]
                         + [round(v, 5) for v in r["test"]])
            amd.append([r["variant"], _fmt(e), f"{np.mean(r['train']):.3f}"] + [f"{v:.3f}" for v in r["test"]])
        seeds_h = [f"seed {s}" for s in ab["seeds"]]
        files += write_table(out_dir, "ablation", ["variant", "held-out error", "low", "high", "train error"] + seeds_h,
                             arows, "Ablation of the deep-targets ingredients (autoencoder)",
                             f"Held-out Hamming error per component on the default autoencoder, each variant "
                             f"stopped at {ab['budget']:,} gate evaluations; mean over seeds with its Student t 95% "
                             f"interval (estimates) and each seed's value.", "deep-targets-ablation",
                             {"budget_gate_evaluations": ab["budget"], "seeds": ab["seeds"],
                              "variants": [{"variant": r["variant"], "description": r["description"],
                                            "config": r["config"]} for r in ab["rows"]]},
                             command=command, seed=ab["seeds"][0], md_rows=amd,
                             md_header=["variant", "held-out [95% t]", "train"] + seeds_h)
    if "oracle" in study:
        seeds = sorted(study["oracle"])
        found = {r["seed"]: r["methods"]["deep-targets"]["test"] for r in study["tasks"].get("autoencoder", [])}
        orows, omd = [], []
        series = [("deep targets, code found (the study's run)", [found.get(s) for s in seeds])]
        for name in ("deep-targets", "backprop"):
            series.append((f"{name}, code given: composed network", [study["oracle"][s][name]["test"] for s in seeds]))
            series.append((f"{name}, code given: decoder alone on the true codes",
                           [study["oracle"][s][name]["decoder_error"] for s in seeds]))
            series.append((f"{name}, code given: encoder code-bit error",
                           [study["oracle"][s][name]["code_bit_error"] for s in seeds]))
        for name, vals in series:
            if any(v is None for v in vals):
                continue
            e = seed_mean(vals, bounds=(0, 1))
            orows.append([name, round(e.value, 5), None if e.low is None else round(e.low, 5),
                          None if e.high is None else round(e.high, 5)] + [round(v, 5) for v in vals])
            omd.append([name, _fmt(e)] + [f"{v:.3f}" for v in vals])
        seeds_h = [f"seed {s}" for s in seeds]
        files += write_table(out_dir, "oracle", ["case", "held-out error", "low", "high"] + seeds_h, orows,
                             "The autoencoder with its generating code given (diagnostic)",
                             "Held-out Hamming error per component of 32-16-6-16-32 when the 6-bit code that "
                             "generated each training row is given: the encoder (x -> code) and the decoder "
                             "(code -> x) are trained apart and composed. No autoencoder that must find the code "
                             "itself has an easier problem. Mean over seeds with its Student t 95% interval "
                             "(estimates). Deep targets: the default config, half the budget per half; backprop: "
                             "tanh relaxation, SGD rate 0.5, 300 epochs per half (untuned).",
                             "deep-targets-oracle", {"seeds": seeds, "budget_gate_evaluations": study["budget"],
                                                     "per_seed": {str(s): study["oracle"][s] for s in seeds}},
                             command=command, seed=seeds[0], md_rows=omd,
                             md_header=["case", "held-out [95% t]"] + seeds_h)
    from gates.io.plots import NO_MATPLOTLIB, have_matplotlib, save_png, subplots

    if not have_matplotlib():
        return _written(files, out_dir, f"{NO_MATPLOTLIB}: no curves.png")
    tasks = list(study["tasks"])
    fig, axes = subplots(1, len(tasks), figsize=(6.5 * len(tasks), 4.5), squeeze=False)
    for ax, t in zip(axes[0], tasks):
        ps = study["tasks"][t]
        grid = np.geomspace(1e5, study["budget"], 60)
        for m in ps[0]["methods"]:
            ys = []
            for r in ps:
                c = np.array(r["methods"][m]["curve"], dtype=np.float64)
                idx = np.searchsorted(c[:, 0], grid, side="right") - 1
                ys.append(np.where(idx >= 0, c[np.maximum(idx, 0), 1], np.nan))
            ax.plot(grid, np.nanmean(np.array(ys), axis=0), label=m)
        if ps[0]["floor"] is not None:
            ax.axhline(ps[0]["floor"], color="grey", ls=":", label="noise floor")
        ax.set_xscale("log")
        ax.set_xlabel("gate evaluations")
        ax.set_ylabel("held-out Hamming error (mean over seeds)")
        ax.set_title(f"{t} {'-'.join(map(str, ps[0]['layers']))}")
        ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, os.path.join(out_dir, "curves.png"), dpi=120)
    return _written(files + ["curves.png"], out_dir, None)


def _written(files, out_dir, note):
    """The files written, as a Result (``files``, ``note``) whose summary is the ``wrote ...`` line."""
    text = f"wrote {', '.join(files)} into {out_dir}" + (f" ({note})" if note else "")
    return Result({"files": list(files), "note": note}, text=text)


def study_summary(study):
    """The study of :func:`run_study` as one JSON-able dict (``gates deep-targets --json``).

    Per task its metric, layers, data, config, wins and noise floor, and per
    method the held-out error's seed mean with its interval; the ablation's
    and the oracle's held-out errors likewise.

    Parameters
    ----------
    study : DeepTargetsStudy or dict
        A result of :func:`~gates.studies.deep_targets_study.run_study` (or its ``runs``).

    Returns
    -------
    dict
        ``seeds``, ``budget``, ``options``, ``tasks`` ({task: {"metric",
        "layers", "data", "config", "wins", "wins_tuned", "floor", "methods":
        {method: {"test", "test_interval", "interval_method", "train",
        "tests", "evals", "seconds"}}}}) and, with the ablation,
        ``ablation`` and ``oracle``.
    """
    study = _runs(study)
    summary = {"seeds": study["seeds"], "budget": study["budget"], "options": study["options"], "tasks": {}}
    for t, s in summarise(study).items():
        first = study["tasks"][t][0]
        summary["tasks"][t] = {
            "metric": first["metric"], "layers": first["layers"], "data": first["data"], "config": first["config"],
            "wins": s["wins"], "wins_tuned": s["wins_tuned"], "floor": s["floor"],
            "methods": {m: {"test": r["test"].value, "test_interval": [r["test"].low, r["test"].high],
                            "interval_method": r["test"].method, "train": r["train"].value, "tests": r["tests"],
                            "evals": r["evals"], "seconds": round(r["seconds"], 2)} for m, r in s["rows"].items()}}

    def estimate(values):
        e = seed_mean(values, bounds=(0, 1))
        return {"tests": list(values), "test": e.value, "test_interval": [e.low, e.high],
                "interval_method": e.method}

    if "ablation" in study:
        summary["ablation"] = [{"variant": r["variant"], **estimate(r["test"])} for r in study["ablation"]["rows"]]
    if "oracle" in study:
        summary["oracle"] = {m: estimate([study["oracle"][s][m]["test"] for s in sorted(study["oracle"])])
                             for m in ("deep-targets", "backprop")}
    return summary

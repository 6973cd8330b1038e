"""The learning-channel study: rates and improvements across W, exponents, training, a recurrent net; its files.

:func:`channel_study` runs what ``gates channel`` reports: the rows of
:func:`gates.channel.measure.measure` for the (8, h, h, 1) nets, the
fitted exponents in W, every algorithm trained under one operation budget
(:func:`gates.channel.measure.training_run`), and the same rows for a
recurrent net unfolded in time (BPTT, checked against central differences).
:func:`write_channel` writes its tables, manifest and two figures.
"""

import os
import time

import numpy as np

from gates._validate import check_int, check_positive
from gates.channel.algorithms import ALGORITHMS, EXACT, as_net, check_algorithms, describe_net
from gates.channel.measure import (
    DEFAULT_HIDDEN,
    KIND,
    fit_exponents,
    measure,
    significant,
    teacher_task,
    training_run,
)
from gates.channel.theory import theory_cos
from gates.errors import InputError
from gates.io.plots import NO_MATPLOTLIB, have_matplotlib, save_png, subplots
from gates.io.results import Result
from gates.io.storage import write_csv, write_table
from gates.learning.nets.recurrent import Recurrent

__all__ = ["RATE_HEADER", "FIT_HEADER", "channel_study", "channel_work", "write_channel"]

# The cost model of the progress bar, in estimated milliseconds (two cores, measured): a weight state costs a
# fixed part plus, per algorithm, a part linear in W (the per-weight finite differences of pwlr and pwlb: W
# forward passes of O(W) each are the W-heavy ones); a training run costs about 0.72 s per algorithm at a
# budget of 3,000 operations per weight; the recurrent net's states cost about twice the model (BPTT).
_HEAVY = ("pwlr", "pwlb")


def _state_cost(W, algorithms):
    return max(1, round(4 + sum(2 + (W / 45 if a in _HEAVY else W / 600) for a in algorithms)))


def _train_cost(algorithms, budget):
    return max(1, round(720 * len(algorithms) * budget / 3000))


def _plan(sizes, algorithms, samples, budget, recurrent, train_sizes, step_lengths, activation):
    """The cost of each progress call of :func:`channel_study`, in order (measure: one per weight state)."""
    costs = []
    for s in sizes:
        costs += [_state_cost(as_net(s, activation).n_weights, algorithms)] * samples
    costs += [_train_cost(algorithms, budget)] * (len(train_sizes) * len(step_lengths))
    if recurrent:
        costs += [2 * _state_cost(Recurrent(n_in=3, n_hidden=8, n_out=1, steps=6).n_weights, algorithms)] * samples
    return costs


def channel_work(sizes=DEFAULT_HIDDEN, algorithms=ALGORITHMS, budget=3000.0, samples=400, recurrent=True,
                 train_sizes=(8, 32), step_lengths=(0.03, 0.1, 0.3), activation="tanh"):
    """The work of :func:`channel_study` with these arguments, in the units its `progress` receives.

    The unit is one estimated millisecond of work (a cost model measured on
    two cores: weight states of larger nets, and the per-weight finite
    differences of pwlr and pwlb, cost more), so a bar of this total
    advances in proportion to the time spent and ends at exactly 100%.

    Parameters
    ----------
    sizes, algorithms, budget, samples, recurrent, train_sizes, step_lengths, activation
        As in :func:`channel_study`.

    Returns
    -------
    int
        The total the progress calls of :func:`channel_study` add up to.

    Examples
    --------
    A net of W = 4,801 weights costs more per weight state than one of 61:

    >>> big = channel_work(sizes=(64,), samples=1, recurrent=False, train_sizes=())
    >>> big > channel_work(sizes=(4,), samples=1, recurrent=False, train_sizes=())
    True
    """
    algorithms = check_algorithms(algorithms)
    return sum(_plan(sizes, algorithms, samples, budget, recurrent, train_sizes, step_lengths, activation))


def _weighted(progress, costs):
    """`progress` called with each cost in turn, whatever increment the study's steps report."""
    if progress is None:
        return None
    it = iter(costs)

    def update(_=1):
        progress(next(it, 0))

    return update


def _recurrent_part(algorithms, k, samples, seed, batch, eps, D, progress):
    """BPTT against central finite differences, and the rows of one recurrent net unfolded in time."""
    net = Recurrent(n_in=3, n_hidden=8, n_out=1, steps=6)
    X, T = teacher_task(net, batch, np.random.SeedSequence([seed, 0xB77]), teacher_seed=seed * 1000 + 998)
    w = net.init(np.random.SeedSequence([seed, 0xB78]))
    _, g = net.gradient(w, X, T)
    h = 1e-6
    I = np.eye(net.n_weights)
    fd = (net.errors(w + h * I, X, T) - net.errors(w - h * I, X, T)) / (2 * h)  # central differences
    rel = float(np.max(np.abs(g - fd)) / max(np.max(np.abs(fd)), 1e-300))
    rows = measure([net], algorithms, k, samples, seed, batch, eps, D, progress=progress)
    return {"available": True, "net": describe_net(net), "W": net.n_weights, "N": net.n_units,
            "bptt_max_rel_error": rel, "fd_step": h, "fd": "central", "rows": rows}


def channel_study(sizes=DEFAULT_HIDDEN, algorithms=ALGORITHMS, k=8, budget=3000.0, samples=400, seed=0,
                  recurrent=True, progress=None, batch=32, activation="tanh", train_sizes=(8, 32),
                  step_lengths=(0.03, 0.1, 0.3), train_examples=64, eps=1e-4, D=32):
    """The learning-channel study: rates and cosines across W, fitted exponents, training, recurrent nets.

    Parameters
    ----------
    sizes : sequence
        Hidden widths h of the (8, h, h, 1) nets (or sizes tuples); default
        4, 8, 16, 32, 64, i.e. W = 61 .. 4,801 (a factor of 79).
    algorithms : sequence of str
        Default: all of :data:`ALGORITHMS`.
    k : int
        Perturbations of pwgrk / pwgbk.
    budget : float
        Training budget in operations per weight per example (3 per backprop
        step), the same for every algorithm.
    samples : int
        Weight states per size for the cosines (see :func:`measure`).
    seed : int
        Root seed; everything is reproducible from it.
    recurrent : bool
        Also check BPTT against finite differences and measure the rows of
        one recurrent net unfolded in time (needs :mod:`gates.learning.nets.recurrent`).
    progress : callable, optional
        Called after each measured weight state and each training run with its
        estimated cost; the calls add up to :func:`channel_work` of the same arguments.
    batch : int
        Examples per measurement batch.
    activation : str
    train_sizes : sequence
        The nets trained (hidden widths or sizes tuples).
    step_lengths : sequence of float
        Step lengths of the training runs (each run uses s_t = s / sqrt(1 + t/100)).
    train_examples : int
        Size of the training set.
    eps, D : as in :func:`step`

    Returns
    -------
    Result
        What ``gates channel --json`` prints (:meth:`~gates.io.results.Result.to_dict`; the
        text of the command is :meth:`~gates.io.results.Result.summary`): rows
        (per size x algorithm, see :func:`gates.channel.measure.measure`), fits (exponent of
        mean cos in W, measured), improvement_fits (exponent of the mean
        first-order decrease relative to backprop's, measured), rate_fits
        (identities), each fit labelled by its ``kind``; seconds (wall time:
        varies run to run); recurrent (BPTT against central finite
        differences, and the rows of one unfolded recurrent net). Two
        attributes are not in the JSON: ``training`` (runs: curves, final and
        best errors, the points where an algorithm is below backprop at equal
        operations; bp_dominates; tuned: each algorithm at its best step
        length per net; winner_tuned) and ``protocol``.

    Raises
    ------
    InputError
        When an algorithm is unknown, `sizes` is empty, or the budget, k,
        samples, seed, step lengths or train_examples are out of range.

    Examples
    --------
    Backprop feeds back D = 32 bits per weight per example (one real
    number) at 3 operations per weight, a rate of 32/3; the global
    perturbation algorithm pwgr feeds back one real number for the whole
    net, D / W bits per weight:

    >>> res = channel_study(sizes=(4, 8), algorithms=("bp", "pwgr"), samples=4, budget=30,
    ...                     recurrent=False, train_sizes=(4,), step_lengths=(0.1,))
    >>> sorted(res)
    ['fits', 'improvement_fits', 'rate_fits', 'recurrent', 'rows', 'seconds']
    >>> [(r["algorithm"], r["W"], round(r["bits_per_weight"], 4)) for r in res["rows"]]
    [('bp', 61, 32.0), ('pwgr', 61, 0.5246), ('bp', 153, 32.0), ('pwgr', 153, 0.2092)]
    >>> round(res["rows"][0]["rate"], 3)
    10.667
    """
    t0 = time.perf_counter()
    algorithms = check_algorithms(algorithms)
    if isinstance(sizes, (int, np.integer)) or not len(sizes):
        raise InputError(f"sizes must be a non-empty sequence of hidden widths, got {sizes!r}")
    nets = [as_net(s, activation) for s in sizes]
    train_nets = [as_net(s, activation) for s in train_sizes]
    budget = check_positive(budget, "budget (operations per weight)")
    step_lengths = tuple(check_positive(s, "step length") for s in step_lengths)
    train_examples = check_int(train_examples, "train_examples", lo=1)
    seed = check_int(seed, "seed", lo=0)
    progress = _weighted(progress, _plan(sizes, algorithms, samples, budget, recurrent, train_sizes, step_lengths,
                                         activation))
    rows = measure(nets, algorithms, k, samples, seed, batch, eps, D, activation, progress)
    runs = []
    for net in train_nets:
        for s in step_lengths:
            runs.append(training_run(net, algorithms, budget, s, seed, k, eps, D, train_examples))
            if progress is not None:
                progress(1)
    rec = (_recurrent_part(algorithms, k, samples, seed, batch, eps, D, progress) if recurrent
           else {"available": False, "note": "not asked for (recurrent=False)"})
    protocol = {"nets": [describe_net(n) for n in nets], "activation": activation, "algorithms": list(algorithms),
                "k": k, "samples": samples, "batch": batch, "eps": eps, "D": D,
                "finite_difference": "forward (pwlr, pwlb, palr, palb, global perturbations)",
                "task": "teacher: inputs N(0,1), targets from a fixed random net of the same architecture",
                "init": "N(0, 1/fan_in), fan_in with the bias", "budget_ops_per_weight": budget,
                "train_nets": [describe_net(n) for n in train_nets], "step_lengths": list(step_lengths),
                "schedule": "s_t = step_length / sqrt(1 + t/100), w += s_t d/|d|", "train_examples": train_examples,
                "ops": "multiply-adds per example: W forward + 2W backward + W per global perturbation",
                "bits": "fed back to the weights per example: D per real, 1 per binary, log2 k per choice; "
                        "palr D per unit and per weight (W D), palb 1 per weight (W)",
                "unit": "bits and operations both per training example (one on-line step): the rate does not "
                        "depend on the batch size",
                "improvement": "first-order decrease of the error at equal eta relative to backprop's: "
                               "(-g . h) / |g|^2 per weight state, averaged; dW = eta h",
                "eta": "the same multiplier eta on every algorithm's update vector h: -g (bp), the finite-"
                       "difference derivatives (pwlr, palr), -d u (pwgr), -sum d_i u_i (pwgrk); binary feedback "
                       "gives unit length: -sign(d) / sqrt(W) (pwlb), the local rule on sign(delta) normalised "
                       "(palb), -sign(d) u (pwgb), the best u_i or 0 (pwgbk); u = z / sqrt(W), z ~ N(0, I_W)",
                "kinds": dict(KIND)}
    tuned = {}  # each algorithm at its best step length, per net: the fairest equal-budget comparison
    for r in runs:
        per = tuned.setdefault(r["net"], {})
        for a, e in r["final"].items():
            if a not in per or e < per[a]["final_error"]:
                per[a] = {"final_error": e, "step_length": r["step_length"], "steps": r["steps"][a]}
    training = {"budget_ops_per_weight": budget, "runs": runs,
                "bp_dominates": all(not r["below_bp"] for r in runs),
                "bp_dominates_its_best_so_far": all(b["points_below_bp_best"] == 0 for r in runs for b in r["below_bp"]),
                "tuned": tuned,
                "winner_tuned": {n: min(per, key=lambda a: per[a]["final_error"]) for n, per in tuned.items()}}
    # the JSON summary (``gates channel --json``) stays small: the training curves and the protocol are
    # attributes (``res.training``, ``res.protocol``), written to files by :func:`write_channel`
    data = {"rows": rows, "fits": fit_exponents(rows, "cos"), "improvement_fits": fit_exponents(rows, "improvement"),
            "rate_fits": fit_exponents(rows, "rate"), "seconds": round(time.perf_counter() - t0, 2),
            "recurrent": rec}
    return Result(data, text=_channel_text({**data, "training": training}), training=training, protocol=protocol)


def _channel_text(res):
    """The table ``gates channel`` prints without --json."""
    lines = ["rate = bits / ops per example (identity: exact counts); decrease = first-order error decrease at "
             "equal eta relative to backprop's, (-g.h)/|g|^2, and cos (measured)",
             f"{'W':>6} {'algorithm':<8}{'bits/w':>10}{'ops/w':>10}{'rate':>11}{'decrease':>11}{'theory':>11}"
             f"{'cos':>9}{'theory':>9}"]
    for r in res["rows"]:
        th, ith = r.get("cos_theory"), r.get("improvement_theory")
        lines.append(f"{r['W']:>6} {r['algorithm']:<8}{r['bits_per_weight']:>10.3g}{r['ops_per_weight']:>10.3g}"
                     f"{r['rate']:>11.3g}{r['improvement_ratio']:>11.3g}"
                     + (f"{ith:>11.3g}" if ith is not None else f"{'-':>11}")
                     + f"{r['cos_mean']:>9.3f}" + (f"{th:>9.3f}" if th is not None else f"{'-':>9}"))
    rec = res.get("recurrent") or {}
    if rec.get("available"):
        lines.append(f"recurrent net {rec['net']} unfolded in time (W = {rec['W']}): BPTT vs finite differences, "
                     f"max relative error {rec['bptt_max_rel_error']:.2g}")
        for r in rec.get("rows", []):
            lines.append(f"  {r['algorithm']:<8} rate {r['rate']:.3g} (identity), decrease "
                         f"{r['improvement_ratio']:.3g}, cos {r['cos_mean']:.3f} (measured)")
    for title, fits in (("mean decrease ratio", res.get("improvement_fits", [])), ("mean cos", res["fits"]),
                        ("rate", res.get("rate_fits", []))):
        lines.append(f"fitted exponents of {title} in W:")
        for f in fits:
            ci = f.get("ci95")
            lines.append(f"  {f['algorithm']:<8} slope {f['slope']:+.3f} [{f.get('kind', 'measured')}]"
                         + (f" 95% interval [{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci else "")
                         + f" (predicted {f.get('predicted')}), r^2 {f['r2']:.3f}")
    return "\n".join(lines)


RATE_HEADER = ["net", "W", "N", "algorithm", "bits_per_weight", "ops_per_weight", "rate", "rate_kind",
               "improvement_ratio", "improvement_se", "improvement_theory", "improvement_dev_se", "improvement_kind",
               "cos_mean", "cos_se", "cos_theory", "cos_dev_se", "cos_kind", "samples"]
FIT_HEADER = ["algorithm", "quantity", "kind", "sizes", "W_min", "W_max", "slope", "slope_se", "ci95_lo", "ci95_hi",
              "intercept", "r2", "predicted", "theory_slope", "method"]


def _fit_row(f):
    ci = f.get("ci95") or [None, None]
    return [significant(f[h]) if h in f else significant(ci[h == "ci95_hi"]) for h in FIT_HEADER]


def write_channel(res, out_dir, command=None):
    """Write the study's files into `out_dir`, atomically.

    ``channel_rates.{csv,md,manifest.json}`` (the rate and improvement table,
    recurrent rows included; rate_kind "identity", improvement_kind and
    cos_kind "measured"), ``channel_fits.csv`` (every fitted exponent with
    its kind, identity or measured, method and 95% interval),
    ``channel_training.csv``, and when matplotlib is installed
    ``channel_cosine.png`` (mean cos and mean improvement ratio against W,
    log-log, with the theory) and
    ``channel_training.png`` (error against operations per weight, log-log).

    Parameters
    ----------
    res : Result
        A result of :func:`channel_study`.
    out_dir : str or os.PathLike
        The folder (created if missing).
    command : list of str, optional
        The command line, recorded in the manifest.

    Returns
    -------
    Result
        ``files`` (the names written into `out_dir`) and ``note`` (why the
        plots are missing, or None); its summary is the line the command prints.
    """
    rows = list(res["rows"])
    rec = res.get("recurrent") or {}
    rows += rec.get("rows", [])
    table = [[significant(r.get(h)) for h in RATE_HEADER] for r in rows]
    fits = res["fits"] + res.get("improvement_fits", []) + res.get("rate_fits", [])
    write_csv(os.path.join(out_dir, "channel_fits.csv"), FIT_HEADER, [_fit_row(f) for f in fits])
    tr_rows = []
    for run in res.training["runs"]:
        for a, curve in run["curves"].items():
            tr_rows += [[run["net"], run["W"], run["step_length"], a, significant(o), significant(o * run["W"]), significant(e)] for o, e in curve]
    write_csv(os.path.join(out_dir, "channel_training.csv"),
              ["net", "W", "step_length", "algorithm", "ops_per_weight", "ops", "error"], tr_rows)
    files = ["channel_fits.csv", "channel_training.csv"]
    proto = res.protocol
    intro = (f"Per network and algorithm: bits fed back per weight (D = {proto['D']}) and multiply-adds per weight, "
             "both per training example, and the rate R = bits / ops: exact counts, so the rate and its exponent "
             "in W are identities (rate_kind), not measurements. Measured over "
             f"{proto['samples']} weight states (improvement_kind, cos_kind): the improvement ratio, the "
             "first-order decrease of the error at equal eta relative to backprop's, (-g . h) / |g|^2, with its "
             "standard error, the exact theory and (mean - theory) / s.e.; and the mean cosine of the update with "
             "-g (the improvement of a fixed-length step), likewise. Fitted exponents, each labelled identity or "
             "measured with its method and 95% interval, in channel_fits.csv; training curves in "
             "channel_training.csv.")
    results = {"fits": res["fits"], "improvement_fits": res.get("improvement_fits", []),
               "rate_fits": res.get("rate_fits", []),
               "training": {**{k: v for k, v in res.training.items() if k != "runs"},
                            "runs": [{k: v for k, v in r.items() if k != "curves"} for r in res.training["runs"]]},
               "recurrent": {k: v for k, v in rec.items() if k != "rows"}, "seconds": res["seconds"]}
    files = write_table(out_dir, "channel_rates", RATE_HEADER, table, "The learning channel: rate and improvement",
                        intro, "channel", proto, command=command, seed=None, results=results, extra_files=files)
    if not have_matplotlib():
        return _written(files, out_dir, f"{NO_MATPLOTLIB}: no plots")
    fig, (ax, ax2) = subplots(1, 2, figsize=(13, 5))
    k = proto["k"]
    markers = "osD^vPX*h"  # distinct shapes: bp, pwlr and palr sit on top of each other at 1
    for j, a in enumerate(dict.fromkeys(r["algorithm"] for r in res["rows"])):
        style = dict(fmt=markers[j % 9], ms=8 - 0.5 * (j % 9), mfc="none", capsize=2, label=a)
        rs = [r for r in res["rows"] if r["algorithm"] == a and r["cos_mean"] > 0]
        if rs:
            Ws = np.array([r["W"] for r in rs], float)
            line = ax.errorbar(Ws, [r["cos_mean"] for r in rs], yerr=[r["cos_se"] for r in rs], **style)
            th = [r["cos_theory"] for r in rs]
            if all(t is not None for t in th) and a not in EXACT:
                grid = np.geomspace(Ws.min(), Ws.max(), 40)
                ax.plot(grid, [theory_cos(a, int(round(W)), k) for W in grid], "--", lw=1,
                        color=line[0].get_color())
        rs = [r for r in res["rows"] if r["algorithm"] == a and r.get("improvement_ratio", 0) > 0]
        if rs:
            line = ax2.errorbar([r["W"] for r in rs], [r["improvement_ratio"] for r in rs],
                                yerr=[r["improvement_se"] for r in rs], **style)
            th = [r.get("improvement_theory") for r in rs]
            if all(t is not None for t in th) and a not in EXACT:  # the theory at the measured states' |g|
                ax2.plot([r["W"] for r in rs], th, "--", lw=1, color=line[0].get_color())
    for a_ in (ax, ax2):
        a_.set_xscale("log")
        a_.set_yscale("log")
        a_.set_xlabel("W (weights)")
    ax.set_ylabel("mean cos(update, -gradient)")
    ax.set_title("Cosine: a fixed-length step (dashed: exact theory)", fontsize=10)
    ax2.set_ylabel("mean (-g . h) / |g|^2")
    ax2.set_title("First-order decrease at equal eta, relative to backprop's (dashed: theory)", fontsize=10)
    ax.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    save_png(fig, os.path.join(out_dir, "channel_cosine.png"), dpi=120)
    runs = res.training["runs"]
    nets = list(dict.fromkeys(r["net"] for r in runs))
    lens = list(dict.fromkeys(r["step_length"] for r in runs))
    fig, axes = subplots(len(nets), len(lens), figsize=(4 * len(lens), 3.4 * len(nets)), squeeze=False)
    for run in runs:
        ax = axes[nets.index(run["net"])][lens.index(run["step_length"])]
        for a, curve in run["curves"].items():
            c = np.array(curve[1:])
            if len(c):
                ax.plot(c[:, 0], c[:, 1], lw=1.6 if a == "bp" else 0.9, color="k" if a == "bp" else None, label=a)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{run['net']} (W={run['W']}), step {run['step_length']}", fontsize=9)
        ax.set_xlabel("operations per weight")
        ax.set_ylabel("training error E")
    axes[0][0].legend(fontsize=6, ncol=2)
    fig.tight_layout()
    save_png(fig, os.path.join(out_dir, "channel_training.png"), dpi=110)
    return _written(files + ["channel_cosine.png", "channel_training.png"], out_dir, None)


def _written(files, out_dir, note):
    """The files a writer wrote, as a Result (``files``, ``note``) whose summary is the ``wrote ...`` line."""
    text = f"wrote {', '.join(files)} into {out_dir}" + (f" ({note})" if note else "")
    return Result({"files": list(files), "note": note}, text=text)

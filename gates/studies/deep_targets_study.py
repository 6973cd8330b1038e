"""The deep-targets study: tasks, compute-matched comparisons over seeds, ablations, committed outputs.

Everything here is built on :mod:`gates.learning.deep_targets` (the algorithm) and
:mod:`gates.learning.deep_baselines` (the baselines, their gate-evaluation counts
and their tuning). Two tasks:

* ``autoencoder``: the default experiment, 768 vectors of 32 bits from a
  random threshold decoder of a 6-bit code with 5% bit flips
  (:func:`gates.learning.threshold_net.synthetic_data`), 512 for training and 256
  held out, network 32-16-6-16-32; the error is the Hamming error per
  output component; 0.05 is the noise floor;
* ``digits``: 8x8 digit images binarised to 64 bits (pixel >= 0.5), the
  handwritten digits bundled with scikit-learn when the images extra is
  installed, else the seeded seven-segment stand-in of
  :func:`gates.io.datasets.segment_digits` (the manifest says which), a seeded
  quarter held out; network 64-32-16-10, two threshold layers feeding ten
  class units trained toward one-hot targets; the error is the
  classification error (the class unit with the largest input wins).

Every method gets the same budget of gate evaluations
(:func:`gates.learning.deep_targets.gate_evaluations`), and the numbers are means
over seeds with Student t 95% intervals: estimates, as every seed draws
new data, weights and example orders.
"""

import os
import time
from dataclasses import replace

import numpy as np

from gates._validate import check_choice, check_int
from gates.errors import InputError
from gates.learning.deep_targets import DeepTargetsConfig, deep_targets, paper_config
from gates.learning.threshold_net import class_error, forward, synthetic_data, train_test_errors
from gates.studies.deep_targets_work import compare_plan, finish, madds, oracle_plan, portion

__all__ = ["TASKS", "ABLATION", "STUDY_BASELINES", "DEFAULT_BUDGET", "task_data", "compare_at_budget", "ablation",
           "check_study", "run_study", "study_units", "oracle_code", "variant_config", "STUDY_SEEDS",
           "PRESETS", "study_baselines", "preset_options"]

TASKS = ("autoencoder", "digits")
#: Baselines of the comparison (deep-local-oja behaves like deep-local-hebb here and is left out by default).
STUDY_BASELINES = ("backprop", "ste", "deep-local-hebb", "random-features")
#: Entries whose settings were not chosen on validation data (the issue's fixed backprop setting).
UNTUNED = ("backprop-fixed",)
#: Gate evaluations every method may spend (about 430 backprop epochs on the default autoencoder data).
DEFAULT_BUDGET = 200_000_000

#: Ingredients switched one at a time (name, description, config changes from the default).
ABLATION = (
    ("paper loop (before issue 16)", "joint flip sampling per activity group, 2 plain perceptron passes, "
     "no margin, no input noise", "paper"),
    ("paper loop + exhaustive bottleneck", "the same with all 64 activities sampled at the 6-unit layer",
     {"paper": True, "sampler": ("flip", "exhaustive", "flip")}),
    ("paper loop + pocket with margin", "joint flip sampling, each gate fitted by the pocket with margin 1, "
     "10 passes", {"search": "joint", "denoise": 0.0}),
    ("paper loop + annealed uphill moves", "joint flip sampling, uphill layer updates kept with probability "
     "exp(-rise / T), T from 20 errors to 0", {"paper": True, "accept": "anneal"}),
    ("unit search, plain perceptron", "unit search, last perceptron iterate, no margin, no input noise",
     {"fit": "perceptron", "margin": 0.0, "denoise": 0.0}),
    ("unit search + pocket", "unit search, pocket, no margin, no input noise", {"margin": 0.0, "denoise": 0.0}),
    ("unit search + pocket + margin", "unit search, pocket, margin 1, no input noise", {"denoise": 0.0}),
    ("default: + input noise", "unit search, pocket, margin 1, 5% input flips per epoch", {}),
    ("default + 4 restarts", "the default, best of 4 initialisations by training error", {"restarts": 4}),
)


def _binarised_digits():
    try:
        from gates.io.datasets import digits

        X, y = digits()
        source = "sklearn.datasets.load_digits (bundled with scikit-learn), pixel/16 >= 0.5"
    except InputError:
        from gates.io.datasets import segment_digits

        X, y = segment_digits(per_digit=180, seed=0)
        source = ("gates.io.datasets.segment_digits(per_digit=180, seed=0), pixel >= 0.5: the seven-segment "
                  "stand-in (scikit-learn is not installed)")
    return (X >= 0.5).astype(np.uint8), y, source


def _check_layers(layers, first, last, what):
    if layers is None:
        return None
    layers = tuple(layers)
    if layers[0] != first or layers[-1] != last:
        raise InputError(f"layers {','.join(map(str, layers))} do not fit the {what}: the first layer must be "
                         f"{first} (the data width) and the last {last}")
    return layers


def task_data(task, seed, layers=None, data_file=None):
    """The data of a task for one seed.

    ``task="file"`` reads `data_file` (a 0/1 ``.npy`` array) for an
    autoencoder, a seeded quarter held out (:func:`gates.learning.threshold_net.load_data`).
    `layers` replaces the task's network; its ends must fit the data.

    Returns
    -------
    dict
        ``train``, ``test`` (0/1 inputs), ``targets``, ``test_targets``
        (None for the autoencoder), ``labels``, ``test_labels`` (digits),
        ``layers``, ``metric`` (``hamming`` or ``class``), ``floor`` and
        ``info`` (for manifests).
    """
    if task == "autoencoder":
        layers = _check_layers(layers, 32, 32, "autoencoder's 32-bit data") or (32, 16, 6, 16, 32)
        X, info = synthetic_data(seed=seed)
        info.update(train=512, test=len(X) - 512)
        return {"train": X[:512], "test": X[512:], "targets": None, "test_targets": None, "labels": None,
                "test_labels": None, "layers": layers, "metric": "hamming",
                "floor": info["noise"], "info": info}
    if task == "file":
        from gates.learning.threshold_net import load_data

        train, test = load_data(data_file, 0.25, seed)
        if test is None or len(test) == 0:
            raise InputError(f"{data_file!r} has too few rows to hold a quarter out")
        n = train.shape[1]
        layers = _check_layers(layers, n, n, f"autoencoder of {data_file!r} ({n} columns)") or \
            (n, max(1, n // 2), max(1, min(6, n // 4)), max(1, n // 2), n)
        info = {"file": os.path.abspath(data_file), "train": len(train), "test": len(test),
                "split": "seeded permutation ([seed, 7]), a quarter held out"}
        return {"train": train, "test": test, "targets": None, "test_targets": None, "labels": None,
                "test_labels": None, "layers": layers, "metric": "hamming", "floor": None, "info": info}
    if task == "digits":
        X, y, source = _binarised_digits()
        perm = np.random.default_rng(np.random.SeedSequence([int(seed), 11])).permutation(len(X))
        k = len(X) // 4
        te, tr = perm[:k], perm[k:]
        onehot = (y[:, None] == np.arange(10)[None, :]).astype(np.uint8)
        info = {"source": source, "examples": int(len(X)), "train": int(len(tr)), "test": int(len(te)),
                "split": "seeded permutation ([seed, 11]), a quarter held out", "bits": 64, "classes": 10}
        layers = _check_layers(layers, 64, 10, "digits task (64 bits in, 10 class units out)") or (64, 32, 16, 10)
        return {"train": X[tr], "test": X[te], "targets": onehot[tr], "test_targets": onehot[te],
                "labels": y[tr], "test_labels": y[te], "layers": layers, "metric": "class",
                "floor": None, "info": info}
    raise InputError(f"task {task!r} is unknown: allowed {', '.join(TASKS)}")


def variant_config(layers, seed, budget, change, options=None):
    """The default config (with the user's `options`) and one ablation change; ``"paper"`` is
    :func:`paper_config`. Without `budget` the epochs of `options` (default 40) end the run.

    Parameters
    ----------
    layers : tuple of int
    seed : int
    budget : int or None
        Gate evaluations; with it the epochs are unlimited (1,000,000).
    change : dict or "paper"
        An ablation change (see :data:`ABLATION`); ``{"paper": True, ...}`` starts from the paper preset.
    options : dict, optional
        The user's DeepTargetsConfig settings, applied first.

    Returns
    -------
    DeepTargetsConfig
    """
    base = dict(options or {})
    base.setdefault("epochs", 1_000_000 if budget is not None else DeepTargetsConfig().epochs)
    base.update(layers=layers, seed=seed, budget=budget)
    if change == "paper":
        return paper_config(**base)
    change = dict(change)
    if change.pop("paper", False):
        return paper_config(**{**base, **change})
    return DeepTargetsConfig(**{**base, **change})


def _scores(d, weights, off):
    """Held-out (and training) error in the task's metric."""
    A = np.where(d["train"] > 0, 1.0, off)
    At = np.where(d["test"] > 0, 1.0, off)
    if d["metric"] == "class":
        return class_error(weights, A, d["labels"], off), class_error(weights, At, d["test_labels"], off)
    return train_test_errors(weights, A, At, off, A, At)


def _curve(run):
    """(gate evaluations, held-out Hamming error) per curve point; for digits the Hamming error of the
    class units (the classification error needs each point's weights, which runs do not keep)."""
    return [(int(e), float(c[2])) for e, c in zip(run["evals"], run["curve"])]


def compare_at_budget(task, seed, budget=DEFAULT_BUDGET, baselines=STUDY_BASELINES, tune=True, options=None,
                      layers=None, data_file=None, progress=None):
    """Deep targets (default config) and the baselines on one seed, every method stopped at `budget`.

    Parameters
    ----------
    progress : callable, optional
        With a budget: called with the multiply-adds done (gate evaluations
        times the net's mean fan-in + 1, tuning runs included), adding up to
        the plan that :func:`study_units` counts.

    Returns
    -------
    dict
        ``methods``: {name: {"train", "test", "evals", "seconds", "curve": [(evals, held-out Hamming
        error)], and for tuned baselines "tuning"}}.
    """
    from gates.learning.deep_baselines import baseline, tuned_baseline

    d = task_data(task, seed, layers, data_file)
    plan = compare_plan(d["layers"], len(d["train"]), budget, baselines, tune) if budget is not None else None
    if plan is None:
        progress = None

    def part(name):
        return portion(progress, plan[name], d["layers"]) if progress is not None else None

    out = {}
    t0 = time.perf_counter()
    cfg = variant_config(d["layers"], seed, budget, {}, options)
    off = cfg.off
    p = part("deep-targets")
    run = deep_targets(d["train"], d["test"], cfg, targets=d["targets"], test_targets=d["test_targets"], progress=p,
                       progress_unit="evaluation")
    finish(p)
    tr, te = _scores(d, run["weights"], off)
    out["deep-targets"] = {"train": tr, "test": te, "evals": int(run["evals"][-1]),
                           "seconds": round(time.perf_counter() - t0, 2), "curve": _curve(run)}
    for kind in baselines:
        t0 = time.perf_counter()
        bcfg = DeepTargetsConfig(layers=d["layers"], seed=seed, encoding=cfg.encoding,
                                 epochs=1_000_000 if budget is not None else cfg.epochs)
        tuning = None
        p = part(kind)
        if tune and kind in ("backprop", "ste"):
            run = tuned_baseline(kind, d["train"], d["test"], bcfg, budget=budget, targets=d["targets"],
                                 test_targets=d["test_targets"], seed=seed, progress=p)
            t = run["tuning"]
            tuning = {"choice": t["choice"], "epochs_cap": t["epochs_cap"], "seconds": round(t["seconds"], 2),
                      "grid": [{k: v for k, v in g.items() if k != "val_curve"} for g in t["grid"]],
                      "split": {k: v for k, v in t["split"].items() if k != "val_index"}}
        else:
            run = baseline(kind, d["train"], d["test"], bcfg, budget=budget, targets=d["targets"],
                           test_targets=d["test_targets"], progress=p)
        finish(p)
        tr, te = _scores(d, run["weights"], off)
        rec = {"train": tr, "test": te, "evals": int(run["evals"][-1]), "seconds": round(time.perf_counter() - t0, 2),
               "curve": _curve(run)}
        if tuning is not None:
            rec["tuning"] = tuning
        out[kind] = rec
        if tuning is not None:
            p = part(f"{kind}-early-stop")
            out[f"{kind}-early-stop"] = _early_stopped(kind, d, bcfg, tuning, seed, off, p)
            finish(p)
        if tune and kind == "backprop":
            # the setting of the issue-16 table (SGD, rate 0.5, 100 epochs), untuned, within the budget
            t0 = time.perf_counter()
            p = part("backprop-fixed")
            run = baseline(kind, d["train"], d["test"], replace(bcfg, epochs=100), budget=budget, epochs=100,
                           targets=d["targets"], test_targets=d["test_targets"], progress=p)
            finish(p)
            tr, te = _scores(d, run["weights"], off)
            out["backprop-fixed"] = {"train": tr, "test": te, "evals": int(run["evals"][-1]),
                                     "seconds": round(time.perf_counter() - t0, 2), "curve": _curve(run)}
    return {"task": task, "seed": seed, "budget": budget, "layers": list(d["layers"]), "metric": d["metric"],
            "floor": d["floor"], "data": d["info"], "config": cfg.to_dict(), "methods": out}


def _early_stopped(kind, d, bcfg, tuning, seed, off, progress=None):
    """The tuned run's best validation checkpoint itself: trained on the fit rows only (the validation
    rows held back), stopped at the epoch of least validation error. Retraining on every training row
    for that many epochs (the plain ``backprop`` / ``ste`` entries) can land elsewhere on a jumpy
    validation curve; this entry gives the baselines that chance too."""
    from gates.learning.deep_baselines import ADAM_BETAS, baseline, validation_split

    t0 = time.perf_counter()
    c = tuning["choice"]
    fit, val = validation_split(len(d["train"]), tuning["split"]["val_fraction"], seed)
    run = baseline(kind, d["train"][fit], d["test"], bcfg, lr=c["lr"], batch=c["batch"], optimizer=c["optimizer"],
                   betas=c.get("betas", ADAM_BETAS), epochs=max(int(c["epochs"]), 0),
                   targets=None if d["targets"] is None else d["targets"][fit], test_targets=d["test_targets"],
                   progress=progress)
    A = np.where(d["train"] > 0, 1.0, off)
    Y = A if d["targets"] is None else np.where(d["targets"] > 0, 1.0, off)
    val_error = float(np.mean(forward(run["weights"], A[val], off)[-1] != Y[val]))
    if abs(val_error - c["val_error"]) > 1e-12:  # the checkpoint must be the one the tuning chose
        raise RuntimeError(f"{kind} early-stop checkpoint does not reproduce the tuning ({val_error} != "
                           f"{c['val_error']})")
    tr, te = _scores(d, run["weights"], off)
    return {"train": tr, "test": te, "evals": int(run["evals"][-1]), "seconds": round(time.perf_counter() - t0, 2),
            "curve": _curve(run), "val_error": val_error}


def oracle_code(seed, budget=DEFAULT_BUDGET, options=None, progress=None):
    """Diagnostic of the autoencoder: the generating 6-bit code of every training row given.

    The encoder 32-16-6 learns x -> code and the decoder 6-16-32 learns
    code -> x, apart, then they are composed into the 32-16-6-16-32
    network and scored on the held-out rows. No autoencoder that finds the
    code by itself has an easier problem, so this bounds what the same
    learners reach when code discovery is perfect. Deep targets: the
    default config, half the budget for each half (the decoder without
    input noise: its inputs are codes). Backprop: the tanh relaxation, SGD
    at rate 0.5, batches of 32, 300 epochs per half (untuned: a diagnostic).

    Parameters
    ----------
    seed : int
    budget : int or None
        Gate evaluations of deep targets (half per half).
    options : dict, optional
        :class:`~gates.learning.deep_targets.DeepTargetsConfig` settings.
    progress : callable, optional
        As for :func:`compare_at_budget`.

    Returns
    -------
    dict
        {"deep-targets" | "backprop": {"test", "train", "code_bit_error",
        "decoder_error", "evals"}}.
    """
    from gates.learning.deep_baselines import baseline

    parts = [portion(progress, e, net) for e, net in oracle_plan(budget)] if budget is not None else [None] * 4
    X, _, Z = synthetic_data(seed=seed, return_code=True)
    A = np.where(X > 0, 1.0, -1.0)
    out = {}
    half = None if budget is None else max(1, budget // 2)
    opts = dict(options or {})
    for name in ("deep-targets", "backprop"):
        if name == "deep-targets":
            enc = deep_targets(X[:512], None, variant_config((32, 16, 6), seed, half, {}, opts), targets=Z[:512],
                               progress=parts[0], progress_unit="evaluation")
            dec = deep_targets(Z[:512], None, variant_config((6, 16, 32), seed, half, {"denoise": 0.0}, opts),
                               targets=X[:512], progress=parts[1], progress_unit="evaluation")
        else:
            enc = baseline("backprop", X[:512], None, DeepTargetsConfig(layers=(32, 16, 6), seed=seed, epochs=300),
                           lr=0.5, targets=Z[:512], progress=parts[2])
            dec = baseline("backprop", Z[:512], None, DeepTargetsConfig(layers=(6, 16, 32), seed=seed, epochs=300),
                           lr=0.5, targets=X[:512], progress=parts[3])
        for p in parts[:2] if name == "deep-targets" else parts[2:]:
            finish(p)
        W = enc["weights"] + dec["weights"]
        Zt = np.where(Z[512:] > 0, 1.0, -1.0)
        out[name] = {"test": float(np.mean(forward(W, A[512:], -1.0)[-1] != A[512:])),
                     "train": float(np.mean(forward(W, A[:512], -1.0)[-1] != A[:512])),
                     "code_bit_error": float(np.mean(forward(enc["weights"], A[512:], -1.0)[-1] != Zt)),
                     "decoder_error": float(np.mean(forward(dec["weights"], Zt, -1.0)[-1] != A[512:])),
                     "evals": int(enc["evals"][-1] + dec["evals"][-1])}
    return out


def ablation(task, seeds, budget=DEFAULT_BUDGET, variants=ABLATION, progress=None, options=None, layers=None,
             data_file=None):
    """Held-out error of each ingredient variant on each seed, at the same budget.

    Parameters
    ----------
    task : str
        Normally ``"autoencoder"``.
    seeds : sequence of int
    budget : int or None
        Gate evaluations per run.
    variants : sequence of (name, description, change), default ABLATION
        See :data:`ABLATION` and :func:`variant_config`.
    progress : callable, optional
        As for :func:`compare_at_budget` (one per run without a budget).
    options, layers, data_file
        As for :func:`run_study`.

    Returns
    -------
    dict
        ``rows``: [{"variant", "description", "config", "test": [per seed], "train": [per seed]}].
    """
    rows = []
    for name, desc, change in variants:
        tests, trains = [], []
        cfg0 = None
        for seed in seeds:
            d = task_data(task, seed, layers, data_file)
            cfg = variant_config(d["layers"], seed, budget, change, options)
            cfg0 = cfg0 or cfg
            p = portion(progress, budget, d["layers"]) if budget is not None else None
            run = deep_targets(d["train"], d["test"], cfg, targets=d["targets"], test_targets=d["test_targets"],
                               progress=p, progress_unit="evaluation")
            finish(p)
            tr, te = _scores(d, run["weights"], cfg.off)
            trains.append(tr)
            tests.append(te)
            if progress is not None and budget is None:
                progress(1)
        cfgd = cfg0.to_dict()
        cfgd.pop("seed")
        rows.append({"variant": name, "description": desc, "config": cfgd, "test": tests, "train": trains})
    return {"task": task, "seeds": list(seeds), "budget": budget, "rows": rows}


def check_study(tasks, seeds, budget, options=None, layers=None, data_file=None, baselines=STUDY_BASELINES):
    """Validate a study's settings before any work (one InputError line each).

    Parameters
    ----------
    tasks, seeds, budget, options, layers, data_file, baselines
        As for :func:`run_study`.

    Raises
    ------
    InputError
        On the first invalid setting (the data of every task are read and its net checked).

    Examples
    --------
    >>> check_study(("autoencoder",), (1,), 0)
    Traceback (most recent call last):
    ...
    gates.errors.InputError: budget (gate evaluations) must be an integer >= 1, got 0
    """
    from gates.learning.deep_baselines import BASELINES

    if budget is not None:
        check_int(budget, "budget (gate evaluations)", lo=1)
    if not seeds:
        raise InputError("seeds must be non-negative integers, got none")
    for s in seeds:
        check_int(s, "seed", lo=0)
    for t in tasks:
        check_choice(t, "task", TASKS + ("file",))
    for b in baselines:
        check_choice(b, "baseline", BASELINES)
    for t in tasks:  # the data, layers and config of every task (first seed), before any training
        d = task_data(t, seeds[0], layers, data_file)
        variant_config(d["layers"], seeds[0], budget, {}, options)


def run_study(tasks=TASKS, seeds=(1, 2, 3, 4, 5), budget=DEFAULT_BUDGET, ablate=True, tune=True, progress=None,
              options=None, layers=None, data_file=None, baselines=STUDY_BASELINES):
    """Compute-matched comparisons on every task and seed, and the ablation of the autoencoder.

    What ``gates deep-targets`` runs (paper section 4, sampling deep
    targets): on every task and seed, deep targets and the baselines, each
    stopped at `budget` gate evaluations (:func:`compare_at_budget`); then,
    with `ablate`, each ingredient switched in turn (:data:`ABLATION`) and
    the autoencoder with its generating code given (:func:`oracle_code`).

    Parameters
    ----------
    tasks : sequence of str, default ("autoencoder", "digits")
        Tasks of :data:`TASKS`, or ``("file",)`` with `data_file`.
    seeds : sequence of int, default (1, 2, 3, 4, 5)
        Each seed draws new data, weights and example orders.
    budget : int or None, default DEFAULT_BUDGET = 200,000,000
        Gate evaluations every method may spend; None: epochs end the runs.
    ablate : bool, default True
        Also the ablation and the oracle (autoencoder only).
    tune : bool, default True
        Tune backprop and ste on a validation split (else SGD at rate 0.5).
    progress : callable, optional
        Called with the work done as it goes; the calls add up to
        :func:`study_units` of the same arguments (multiply-adds with a budget,
        runs without).
    options : dict, optional
        :class:`~gates.learning.deep_targets.DeepTargetsConfig` settings for deep targets.
    layers : sequence of int, optional
        Replaces each task's network; its ends must fit the data.
    data_file : str, optional
        A 0/1 ``.npy`` array for ``tasks=("file",)`` (see :func:`task_data`).
    baselines : sequence of str, default STUDY_BASELINES
        Baselines of :data:`gates.learning.deep_baselines.BASELINES`.

    Returns
    -------
    DeepTargetsStudy
        Reads as what ``gates deep-targets --json`` prints: ``seeds``,
        ``budget``, ``options``, ``tasks`` (per task its metric, layers, data,
        config, wins and, per method, the held-out error's seed mean with its
        Student t 95% interval, the training error, gate evaluations and
        seconds) and, with `ablate`, ``ablation`` and ``oracle``. Its ``runs``
        attribute keeps every seed's record (curves, tuning grids).

    Raises
    ------
    InputError
        Before any work, when a task, seed, baseline, the budget, the layers,
        the data file or an option is invalid (:func:`check_study`).

    Examples
    --------
    One seed of the autoencoder at a tiny budget, against random features:

    >>> res = run_study(("autoencoder",), (1,), budget=200_000, ablate=False, baselines=("random-features",))
    >>> t = res["tasks"]["autoencoder"]
    >>> t["layers"], sorted(t["methods"]), t["floor"]
    ([32, 16, 6, 16, 32], ['deep-targets', 'random-features'], 0.05)
    >>> t["methods"]["deep-targets"]["evals"] >= 200_000
    True
    """
    from gates.studies.deep_targets_files import DeepTargetsStudy

    seeds = list(seeds)
    check_study(tasks, seeds, budget, options, layers, data_file, baselines)
    out = {"seeds": [int(s) for s in seeds], "budget": None if budget is None else int(budget), "tasks": {},
           "options": dict(options or {}), "baselines": list(baselines), "tuned": bool(tune)}
    for t in tasks:
        per_seed = []
        for s in seeds:
            per_seed.append(compare_at_budget(t, int(s), budget, baselines, tune, options, layers, data_file,
                                              progress))
            if progress is not None and budget is None:
                progress(1)
        out["tasks"][t] = per_seed
    if ablate and "autoencoder" in tasks:
        out["ablation"] = ablation("autoencoder", seeds, budget, progress=progress, options=options, layers=layers)
        if layers is None:
            out["oracle"] = {}
            for s in seeds:
                out["oracle"][int(s)] = oracle_code(int(s), budget, options, progress)
                if progress is not None and budget is None:
                    progress(1)
    return DeepTargetsStudy(out)


def study_units(tasks, seeds, ablate, baselines=STUDY_BASELINES, tune=True, budget=DEFAULT_BUDGET, layers=None,
                data_file=None):
    """The work of :func:`run_study` with these arguments, in the units its `progress` receives.

    With a budget: multiply-adds, the gate evaluations each run is planned
    to spend (the budget; a tuned baseline's grid of tuning runs besides)
    times its net's mean fan-in + 1, so the bar advances with the compute
    (digits' gates have about 2.6 times the autoencoder's fan-in). Without
    a budget: runs (one per task and seed, ablation variant and seed, and
    oracle seed).

    Parameters
    ----------
    tasks, seeds, ablate, baselines, tune, budget, layers, data_file
        As for :func:`run_study`.

    Returns
    -------
    int

    Examples
    --------
    Without a budget: 1 comparison, then 9 ablation variants and the oracle:

    >>> study_units(("autoencoder",), (1,), True, budget=None)
    11
    """
    oracle = ablate and "autoencoder" in tasks and layers is None
    if budget is None:
        return len(tasks) * len(seeds) + ((len(ABLATION) + oracle) * len(seeds)
                                          if ablate and "autoencoder" in tasks else 0)
    total = 0
    for t in tasks:
        d = task_data(t, seeds[0], layers, data_file)
        plan = compare_plan(d["layers"], len(d["train"]), budget, baselines, tune)
        total += len(seeds) * sum(round(madds(e, d["layers"])) for e in plan.values())
        if ablate and t == "autoencoder":
            total += len(ABLATION) * len(seeds) * round(madds(budget, d["layers"]))
    if oracle:
        total += len(seeds) * sum(round(madds(e, net)) for e, net in oracle_plan(budget))
    return total


# the study's seeds and the presets of its settings (paper: PAPER_SETTINGS of gates.learning.deep_targets)
STUDY_SEEDS = (1, 2, 3, 4, 5)
PRESETS = ("default", "paper")


def study_baselines(text):
    """The baselines ``gates deep-targets --baselines`` names: none, all, default (STUDY_BASELINES) or a comma list."""
    from gates.learning.deep_baselines import BASELINES

    return (() if text == "none" else BASELINES if text == "all"
            else STUDY_BASELINES if text == "default" else tuple(text.split(",")))


def preset_options(preset, options):
    """`options` over the settings of `preset` (one of PRESETS; paper: PAPER_SETTINGS of gates.learning.deep_targets)."""
    if preset == "paper":
        from gates.learning.deep_targets import PAPER_SETTINGS

        return {**PAPER_SETTINGS, **options}
    return options

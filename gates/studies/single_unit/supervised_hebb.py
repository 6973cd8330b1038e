"""Supervised simple Hebb on one threshold gate: the cosine condition against simulation (Baldi & Sadowski 2016: shallow learning).

The canonical-form theorem. Code the targets t in {-1, +1}; with a bias input
append 1 (x~ = [x, 1]), without one x~ = x. The canonical vectors are
c_k = t_k x~_k, and a gate w classifies example k correctly iff
w . c_k > 0. Clamped Hebb, dw = eta t x~ = eta c_k, does not read w, so the
order of presentation does not matter and after e epochs

    w_e = w_0 + eta e C,        C = sum_k c_k.

Hence, for e large enough (the initial weights fade), the gate learns the
set iff every margin c_k . C > 0: the *cosine condition*. A sufficient
condition is that all pairwise products c_k . c_l are positive. With
finitely many epochs the initial weights still count: example k is right
at epoch e iff w_0 . c_k + eta e (c_k . C) > 0, so a margin that is tiny
next to |w_0 . c_k| ~ init_scale |c_k| leaves the outcome to w_0. The study
flags those datasets instead of hiding them.

The paper's four families of training sets are in
:mod:`gates.studies.single_unit.hebb_datasets`. The study
(:func:`supervised_hebb_study`, ``gates single-unit supervised-hebb``) sets
the condition against simulation on many random datasets per kind;
:func:`gates.verify.single_unit.check_supervised_hebb` is its theorem check,
with mutants.
"""

import os

import numpy as np

from gates._validate import check_int, check_matrix, check_positive, is_bool
from gates.errors import InputError, check_mutant
from gates.io.plots import NO_MATPLOTLIB, have_matplotlib, save_png, subplots
from gates.studies.single_unit.written import Written
from gates.studies.single_unit.hebb_datasets import (HEBB_BIAS, HEBB_KINDS, HEBB_LABELS, hebb_dataset,
                                                     orthogonal_bias_prediction)

__all__ = [
    "HEBB_MUTANTS",
    "TINY_Z",
    "hebb_condition",
    "supervised_hebb",
    "supervised_hebb_study",
    "write_supervised_hebb",
]

#: The mutants of :func:`gates.verify.single_unit.check_supervised_hebb` (name -> the break), each
#: injected through a parameter of :func:`supervised_hebb` (private) or
#: :func:`gates.studies.single_unit.hebb_datasets.hebb_dataset`.
HEBB_MUTANTS = {
    "condition-without-bias": "the canonical form drops the bias input (c_k = t_k x_k) while the gate keeps it",
    "anti-hebb": "the simulated update has its sign flipped: dw = -eta T x~",
    "pairwise-condition": "the sufficient condition (every c_k . c_l > 0, k != l) is used as the iff verdict",
    "unclamped": "the update reads the gate's own output instead of the target: dw = eta sign(w . x~) x~",
    "balanced-targets": "the identity sets draw balanced targets (sum t = 0) instead of uniform ones: every "
                        "verdict still matches, only the binomial test of the learnable fraction can see it",
}

#: A margin decides the finite-epoch outcome when eta*epochs*|c_k . C| exceeds
#: TINY_Z standard deviations of w_0 . c_k ~ N(0, init_scale^2 |c_k|^2).
TINY_Z = 4.0


def _signs(t, P):
    t = np.asarray(t)
    if t.shape != (P,) or t.dtype.kind not in "uif" or not np.isin(t, (-1, 1)).all():
        raise InputError(f"targets t must be {P} values in {{-1, +1}}, got shape {t.shape} "
                         f"values {np.unique(t)[:5].tolist() if t.dtype.kind in 'uif' else t.dtype}")
    return np.ascontiguousarray(t, dtype=np.float64)


def _canonical(X, t, bias):
    """Canonical vectors c_k = t_k x~_k (rows), x~ = [x, 1] with the bias."""
    Xt = np.concatenate([X, np.ones((len(X), 1))], axis=1) if bias else X
    return np.ascontiguousarray(t[:, None] * Xt)


def _angle(u, v):
    """Angle between vectors in degrees (nan when one is zero)."""
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0 or nv == 0:
        return float("nan")
    return float(np.degrees(np.arccos(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))))


# --------------------------------------------------------------------------
# the condition, the gate, the study
# --------------------------------------------------------------------------


def hebb_condition(X, t, bias=True, _verdict="cosine"):
    """The canonical-form condition for supervised simple Hebb.

    Parameters
    ----------
    X : array_like
        (P, n) inputs.
    t : array_like
        (P,) targets in {-1, +1}.
    bias : bool
        Append the constant input 1 (x~ = [x, 1]).

    Returns
    -------
    dict
        ``holds`` (every margin c_k . C > 0), ``min_margin``,
        ``min_cosine`` (min_k cos(c_k, C); 0 for a zero vector),
        ``all_pairwise_positive`` (c_k . c_l > 0 for all k != l, the
        sufficient condition), ``margins`` (the P margins), ``norms``
        (|c_k|), ``C`` and ``bias``.

    Raises
    ------
    InputError
        Non-finite X, or t not in {-1, +1}.

    Examples
    --------
    >>> X = [[1, 0], [0, 1], [1, 1]]
    >>> r = hebb_condition(X, [1, 1, -1])
    >>> r["holds"], r["min_margin"], r["margins"].tolist()
    (False, -1.0, [1.0, 1.0, -1.0])
    >>> hebb_condition(X, [1, 1, 1])["all_pairwise_positive"]
    True
    """
    X = check_matrix(X, "X")
    t = _signs(t, len(X))
    c = _canonical(X, t, bool(bias))
    C = c.sum(axis=0)
    margins = c @ C
    norms = np.linalg.norm(c, axis=1)
    den = norms * np.linalg.norm(C)
    cos = np.divide(margins, den, out=np.zeros_like(margins), where=den > 0)
    gram = c @ c.T
    off = ~np.eye(len(c), dtype=bool)
    pairwise = bool((gram[off] > 0).all())
    # mutant "pairwise-condition": the sufficient condition taken for the iff one
    holds = pairwise if _verdict == "pairwise" else bool((margins > 0).all())
    return {
        "holds": holds,
        "min_margin": float(margins.min()),
        "min_cosine": float(cos.min()),
        "all_pairwise_positive": pairwise,
        "margins": margins,
        "norms": norms,
        "C": C,
        "bias": bool(bias),
    }


def _decided(cond, eta, epochs, init_scale, z=TINY_Z):
    """Do the margins fix the outcome after `epochs`, whatever w_0 (up to z sigma)?

    Example k is right at the end iff w_0 . c_k + eta*epochs*m_k > 0 with
    w_0 . c_k ~ N(0, (init_scale |c_k|)^2). The outcome is fixed when every
    margin clears z sigma on the positive side (learnt) or one does on the
    negative side (not learnt); this reads the margins, not the verdict.
    """
    push = eta * epochs * cond["margins"]
    sigma = z * init_scale * cond["norms"]
    return bool((push > sigma).all() or (push < -sigma).any())


def supervised_hebb(X, t, epochs=200, eta=0.02, seed=0, bias=True, init_scale=0.1, _sign=1.0, _clamped=True,
                    _condition_bias=None, _verdict="cosine"):
    """Train one threshold gate by clamped (supervised) simple Hebb, online.

    Each epoch presents the examples in a fresh seeded order and applies
    dw = eta t_k x~_k after each one (the gate's output is not read by the
    rule); w_0 ~ N(0, init_scale^2). The rows of X are real-valued, so this
    is a plain loop rather than the binary-input kernel of
    :mod:`gates.learning.gate`.

    Parameters
    ----------
    X : array_like
        (P, n) inputs.
    t : array_like
        (P,) targets in {-1, +1}.
    epochs : int
        Passes through the data (>= 1).
    eta : float
        Learning rate (> 0).
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Draws w_0 first, then one permutation per epoch.
    bias : bool
        Append the constant input 1.
    init_scale : float
        Standard deviation of the initial weights (>= 0).

    Returns
    -------
    dict
        ``epoch`` (0..epochs), ``norm`` |w_e|, ``angle`` between w_e and C
        in degrees, ``error`` (fraction of examples with t_k (w_e . x~_k) <= 0),
        ``w0``, ``w`` (final weights), ``learnt`` (final error 0) and
        ``condition`` (:func:`hebb_condition`).

    Raises
    ------
    InputError
        Bad data or settings.

    Examples
    --------
    >>> X, t = hebb_dataset("common-orthant", 5, 20, seed=0)
    >>> r = supervised_hebb(X, t, epochs=50, eta=0.05, seed=0)
    >>> r["learnt"], r["condition"]["holds"], float(r["error"][-1])
    (True, True, 0.0)
    >>> bool(r["angle"][-1] < r["angle"][0])
    True
    """
    X = check_matrix(X, "X")
    t = _signs(t, len(X))
    epochs = check_int(epochs, "epochs", 1)
    eta = check_positive(eta, "eta")
    init_scale = check_positive(init_scale, "init_scale", zero=True)
    c = _canonical(X, t, bool(bias))
    # mutants: the condition may be computed on another input layout or verdict than the gate's
    cond = hebb_condition(X, t, bias if _condition_bias is None else _condition_bias, _verdict)
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, init_scale, c.shape[1]) if init_scale > 0 else np.zeros(c.shape[1])
    w0 = w.copy()
    step = _sign * eta * c  # dw = eta T x~ = eta c_k: the clamped Hebb update (_sign = -1: anti-Hebb mutant)
    xt = _canonical(X, np.ones(len(X)), bool(bias))  # x~_k, for the unclamped mutant's output
    norm = np.empty(epochs + 1)
    angle = np.empty(epochs + 1)
    error = np.empty(epochs + 1)
    C = c.sum(axis=0)

    def record(e):
        norm[e] = np.linalg.norm(w)
        angle[e] = _angle(w, C)
        error[e] = float(np.mean(c @ w <= 0.0))  # t_k (w . x~_k) = w . c_k

    record(0)
    for e in range(1, epochs + 1):
        for k in rng.permutation(len(c)):
            if _clamped:
                w += step[k]
            else:  # mutant "unclamped": the output O = sign(w . x~) replaces the target T
                w += _sign * eta * np.sign(w @ xt[k]) * xt[k]
        record(e)
    return {"epoch": np.arange(epochs + 1), "norm": norm, "angle": angle, "error": error,
            "w0": w0, "w": w, "learnt": bool(error[-1] == 0.0), "condition": cond}


def _mutant_settings(mutant):
    """The private keywords of :func:`supervised_hebb` that inject `mutant`."""
    if mutant is None:
        return {}
    check_mutant(mutant, HEBB_MUTANTS)
    return {"condition-without-bias": {"_condition_bias": False}, "anti-hebb": {"_sign": -1.0},
            "pairwise-condition": {"_verdict": "pairwise"}, "unclamped": {"_clamped": False},
            "balanced-targets": {}}[mutant]


def _closed_form(kind, t, holds):
    """Does the verdict match the closed form of an orthogonal kind (None: no closed form)?"""
    if kind == "orthogonal":
        return holds  # every margin is 1
    if kind == "orthogonal-bias":
        S = abs(int(t.sum()))
        return holds == (S == 0 or S == len(t))
    return None


def supervised_hebb_study(kinds=HEBB_KINDS, datasets=200, P=8, n=48, epochs=200, eta=0.02, seed=0,
                          bias=None, init_scale=0.1, mutant=None, progress=None):
    """The cosine condition against simulation, on many random datasets per kind.

    Dataset i of a kind uses the i-th child of
    ``SeedSequence(seed).spawn(4)[HEBB_KINDS.index(kind)]``: its first
    grandchild draws the data, its second w_0 and the orders. So a dataset
    does not depend on which other kinds run.

    Parameters
    ----------
    kinds : sequence of str
        Subset of :data:`HEBB_KINDS`.
    datasets : int
        Random datasets per kind.
    P, n : int
        Examples and inputs per dataset (the orthogonal kinds need P <= n;
        ``near-orthogonal`` is near-orthogonal only for n >> P).
    epochs, eta, init_scale
        As in :func:`supervised_hebb`.
    seed : int
        Root seed.
    bias : None or bool
        None (default): each kind's own setting, :data:`HEBB_BIAS`; a bool
        forces it for every kind.
    mutant : str, optional
        A name in :data:`HEBB_MUTANTS`: a deliberate break of the mechanism
        (for :func:`gates.verify.single_unit.check_supervised_hebb`), recorded
        in the protocol.
    progress : callable, optional
        Called as ``progress(1)`` after each dataset (``len(kinds) *
        datasets`` in all; the datasets cost alike).

    Returns
    -------
    dict
        ``summary``: per kind ``label``, ``bias``, ``datasets``,
        ``condition_holds``, ``learnt``, ``agree``, ``tiny`` (datasets
        whose margins leave the finite-epoch outcome to w_0, see
        :data:`TINY_Z`), ``disagree_decided`` (disagreements among the
        others: 0 if the theorem holds), ``pairwise_positive``, and for the
        orthogonal kinds ``closed_form``: ``rule`` (when the condition holds),
        ``match`` (datasets whose verdict agrees with it), ``expected_fraction``
        (exact, as "a/b", for uniform random targets) and ``ties`` (margin
        exactly 0); ``records``: one dict per dataset; ``trajectories``: the
        :func:`supervised_hebb` result of dataset 0 of each kind;
        ``protocol``: the settings.

    Examples
    --------
    >>> r = supervised_hebb_study(datasets=20, epochs=50)
    >>> all(s["disagree_decided"] == 0 for s in r["summary"].values())
    True
    >>> r["summary"]["orthogonal"]["learnt"], r["summary"]["orthogonal"]["bias"]
    (20, False)
    """
    kinds = tuple(kinds)
    for k in kinds:
        if k not in HEBB_KINDS:
            raise InputError(f"dataset kind {k!r} is unknown: allowed {', '.join(HEBB_KINDS)}")
    if bias is not None and not is_bool(bias):
        raise InputError(f"bias must be None (each kind's own) or a bool, got {bias!r}")
    datasets = check_int(datasets, "datasets", 1)
    seed = check_int(seed, "seed", 0)
    P, n, epochs = check_int(P, "P", 1), check_int(n, "n", 1), check_int(epochs, "epochs", 1)
    eta = check_positive(eta, "eta")
    init_scale = check_positive(init_scale, "init_scale", zero=True)
    if {"orthogonal", "orthogonal-bias"} & set(kinds) and P > n:
        raise InputError(f"the orthogonal kinds need P <= n, got P={P}, n={n}")
    mut = _mutant_settings(mutant)
    biases = {k: HEBB_BIAS[k] if bias is None else bool(bias) for k in kinds}
    roots = np.random.SeedSequence(seed).spawn(len(HEBB_KINDS))
    summary, records, traj = {}, [], {}
    for kind in kinds:
        b = biases[kind]
        s = {"label": HEBB_LABELS[kind], "bias": b, "datasets": datasets, "condition_holds": 0, "learnt": 0,
             "agree": 0, "tiny": 0, "disagree_decided": 0, "pairwise_positive": 0}
        # the closed forms are for the identity set with its own bias setting
        closed = (kind == "orthogonal" and not b) or (kind == "orthogonal-bias" and b)
        match = 0
        for i, child in enumerate(roots[HEBB_KINDS.index(kind)].spawn(datasets)):
            data_seed, train_seed = child.spawn(2)
            X, t = hebb_dataset(kind, P, n, data_seed, balanced=mutant == "balanced-targets")
            r = supervised_hebb(X, t, epochs, eta, train_seed, b, init_scale, **mut)
            cond = r["condition"]
            decided = _decided(cond, eta, epochs, init_scale)
            agree = cond["holds"] == r["learnt"]
            s["condition_holds"] += cond["holds"]
            s["learnt"] += r["learnt"]
            s["agree"] += agree
            s["tiny"] += not decided
            s["disagree_decided"] += decided and not agree
            s["pairwise_positive"] += cond["all_pairwise_positive"]
            match += bool(closed and _closed_form(kind, t, cond["holds"]))
            records.append({"kind": kind, "dataset": i, "bias": b, "condition_holds": cond["holds"],
                            "learnt": r["learnt"], "tiny_margin": not decided,
                            "min_margin": cond["min_margin"], "min_cosine": cond["min_cosine"],
                            "pairwise_positive": cond["all_pairwise_positive"], "targets_sum": int(t.sum()),
                            "final_error": float(r["error"][-1])})
            if i == 0:
                traj[kind] = r
            if progress is not None:
                progress(1)
        if closed and kind == "orthogonal":
            s["closed_form"] = {"rule": "always (every margin is 1)", "match": match, "expected_fraction": "1/1",
                                "ties": "0/1"}
        elif closed:
            pred = orthogonal_bias_prediction(P)
            s["closed_form"] = {"rule": "sum t = 0 or all t equal", "match": match,
                                "expected_fraction": f"{pred['learnable'].numerator}/{pred['learnable'].denominator}",
                                "ties": f"{pred['ties'].numerator}/{pred['ties'].denominator}"}
        summary[kind] = s
    protocol = {"kinds": list(kinds), "datasets": datasets, "P": P, "n": n, "epochs": epochs, "eta": eta,
                "bias": biases, "init": "normal", "init_scale": init_scale, "presentation": "shuffled",
                "targets": "pm1", "tiny_z": TINY_Z, "representative": "dataset 0 of each kind"}
    if mutant is not None:
        protocol["mutant"] = mutant
    return {"summary": summary, "records": records, "trajectories": traj, "protocol": protocol, "seed": seed}


def _closed_form_text(s):
    cf = s.get("closed_form")
    if cf is None:
        return "-"
    num, den = (int(v) for v in cf["expected_fraction"].split("/"))
    return (f"{cf['rule']}: {cf['match']}/{s['datasets']} match; expected fraction "
            f"{cf['expected_fraction']} = {num / den:.4f} (exact)")


def write_supervised_hebb(res, out_dir, command=None):
    """Write the study of :func:`supervised_hebb_study` into `out_dir`, atomically.

    Files: ``supervised_hebb.csv`` / ``.md`` / ``.manifest.json`` (the
    summary per kind), ``supervised_hebb_trajectories.csv`` (epoch, kind,
    norm, angle, error of the representative datasets) and
    ``supervised_hebb_datasets.csv`` (one row per dataset) with
    ``supervised_hebb_trajectories.manifest.json``, and
    ``supervised_hebb.png`` when matplotlib is installed.

    Returns
    -------
    Written
        ``files`` (names written, relative to `out_dir`) and ``note`` (why
        the plot is missing, or None); a named tuple, so it unpacks as
        ``files, note``.

    Examples
    --------
    >>> import tempfile
    >>> res = supervised_hebb_study(datasets=5, epochs=20)
    >>> files, note = write_supervised_hebb(res, tempfile.mkdtemp(), command=["gates", "doc"])
    >>> files[:3]
    ['supervised_hebb.csv', 'supervised_hebb.md', 'supervised_hebb.manifest.json']
    """
    from gates.io.storage import manifest, manifest_path, write_csv, write_json, write_table

    proto = res["protocol"]
    header = ["kind", "data", "bias", "datasets", "condition holds", "learnt", "agree", "tiny margin",
              "disagree (decided)", "pairwise positive", "closed form"]
    rows = [[k, s["label"], "yes" if s["bias"] else "no", s["datasets"], s["condition_holds"], s["learnt"],
             s["agree"], s["tiny"], s["disagree_decided"], s["pairwise_positive"], _closed_form_text(s)]
            for k, s in res["summary"].items()]
    intro = (f"Supervised simple Hebb on one threshold gate, bias input per kind (column 'bias'), "
             f"{proto['datasets']} random datasets per kind, P={proto['P']}, n={proto['n']}, "
             f"{proto['epochs']} epochs, eta={proto['eta']}, w0 ~ N(0, {proto['init_scale']}^2). "
             "'condition holds': every c_k . C > 0 (canonical form); 'learnt': zero training error after "
             "the last epoch; 'tiny margin': eta*epochs*|c_k . C| within "
             f"{TINY_Z:g} sd of w0 . c_k, so w0 may decide; 'pairwise positive': the sufficient condition; "
             "'closed form' (identity sets): when the condition holds, the datasets whose verdict matches it, "
             "and the exact fraction expected for uniform random targets.")
    files = write_table(out_dir, "supervised_hebb", header, rows, "Supervised simple Hebb: the cosine condition",
                        intro, "supervised-hebb", proto, command=command, seed=res["seed"],
                        results={"summary": res["summary"]})
    tname, dname = "supervised_hebb_trajectories.csv", "supervised_hebb_datasets.csv"
    trows = [[int(e), kind, round(float(r["norm"][e]), 8), round(float(r["angle"][e]), 6),
              round(float(r["error"][e]), 6)] for kind, r in res["trajectories"].items() for e in r["epoch"]]
    write_csv(os.path.join(out_dir, tname), ["epoch", "kind", "norm", "angle", "error"], trows)
    cols = ["kind", "dataset", "bias", "condition_holds", "learnt", "tiny_margin", "min_margin", "min_cosine",
            "pairwise_positive", "targets_sum", "final_error"]
    write_csv(os.path.join(out_dir, dname), cols,
              [[rec[c] if not isinstance(rec[c], float) else round(rec[c], 10) for c in cols]
               for rec in res["records"]])
    meta = manifest("supervised-hebb-trajectories", {**proto, "columns": {
        "norm": "|w| after the epoch (epoch 0: initial weights)",
        "angle": "degrees between w and C = sum_k t_k x~_k",
        "error": "fraction of examples with t_k (w . x~_k) <= 0"}}, [tname, dname], seed=res["seed"],
        command=command)
    mname = os.path.basename(manifest_path(os.path.join(out_dir, tname)))
    write_json(os.path.join(out_dir, mname), meta)
    files += [tname, dname, mname]
    if not have_matplotlib():
        return Written(files, f"{NO_MATPLOTLIB}: no supervised_hebb.png")
    fig, (a1, a2) = subplots(1, 2, figsize=(9, 3.8))
    for kind, r in res["trajectories"].items():
        label = f"{kind} ({'bias' if res['summary'][kind]['bias'] else 'no bias'})"
        a1.plot(r["epoch"], r["norm"], label=label)
        a2.plot(r["epoch"], r["angle"], label=label)
    a1.set_xlabel("epoch")
    a1.set_ylabel("|w|")
    a2.set_xlabel("epoch")
    a2.set_ylabel("angle between w and C (degrees)")
    a2.legend(fontsize=8)
    fig.suptitle("supervised simple Hebb, one threshold gate (dataset 0 of each kind)", fontsize=10)
    fig.tight_layout()
    save_png(fig, os.path.join(out_dir, "supervised_hebb.png"), dpi=120)
    return Written(files + ["supervised_hebb.png"], None)

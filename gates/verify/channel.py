"""The `gates verify channel` check: backprop's learning channel beats every perturbation algorithm's.

Baldi & Sadowski (2016), the learning channel: backprop has the highest rate (bits
fed back per weight per operation) and the largest improvement per step at
every network size, and the perturbation algorithms fall behind by factors
that grow with W. :func:`check_channel` measures it on the default nets
(:func:`gates.channel.measure.measure`) and tests each claim; its mutants
break the measurement on purpose, through private keywords of
:func:`~gates.channel.measure.measure` and :func:`~gates.channel.algorithms.step`.
"""

import time

import numpy as np

from gates._validate import check_int
from gates.channel.algorithms import ALGORITHMS, GLOBAL, as_net, rate_identity, step
from gates.channel.measure import DEFAULT_HIDDEN, fit_exponents, measure, significant, teacher_task
from gates.errors import check_mutant

__all__ = ["check_channel"]


_CHECK_SAMPLES = (12, 160)  # weight states per size: exact and sign algorithms, global perturbations
_CHANNEL_MUTANTS = {
    "bp-noisy-gradient": "backprop's gradient perturbed by random noise of 10% of its norm: its update is no "
                         "longer -g, so its cosine is not 1 and its first-order decrease not |g|^2",
    "bits-doubled": "pwgr's bit count doubled (2 D per step instead of D): its rate no longer equals the counting "
                    "identity",
    "palr-per-batch": "the old counting of palr / palb: bits of the whole batch (min(N P, W) D) over operations "
                      "per example, so the rate depends on the batch size",
    "unscaled-perturbation": "the global perturbations drawn N(0, I_W) (length ~ sqrt(W)) instead of unit length: "
                             "at equal eta their updates are too long, pwgr's decrease no longer falls as 1/W",
}


def _mutant_faults(mutant):
    """The private keywords of :func:`measure` that a mutant of :func:`check_channel` sets."""
    if mutant is None:
        return {}
    check_mutant(mutant, _CHANNEL_MUTANTS)
    return {"bp-noisy-gradient": {"_bp_noise": 0.1}, "bits-doubled": {"_bits_scale": {"pwgr": 2.0}},
            "palr-per-batch": {"_palr_per_batch": True},
            "unscaled-perturbation": {"_unscaled_perturbation": True}}[mutant]


def _rates_at_batch(nets, batch, seed, faults):
    """{(W, algorithm): rate} from one step of every algorithm on one weight state, batch `batch`."""
    out = {}
    for i, net in enumerate(nets):
        w = net.init(np.random.SeedSequence([seed, i, 0xBA7]))
        X, T = teacher_task(net, batch, np.random.SeedSequence([seed, i, 0xBA8]), teacher_seed=seed * 1000 + i)
        for a in ALGORITHMS:
            st = step(a, net, w, X, T, rng=0, _bp_noise=faults.get("_bp_noise", 0.0) if a == "bp" else 0.0,
                      _bits_scale=(faults.get("_bits_scale") or {}).get(a, 1.0),
                      _palr_per_batch=faults.get("_palr_per_batch", False),
                      _unscaled_perturbation=faults.get("_unscaled_perturbation", False))
            out[net.n_weights, a] = st.rate
    return out


def check_channel(seed=0, mutant=None):
    """The `gates verify channel` check, on the default sizes (W = 61 .. 4,801).

    Rates (identities of the counts): every row's rate equals
    :func:`rate_identity` and does not change between batches of 2 and 32
    examples; backprop's is the highest at every size and every other
    algorithm's falls behind by a factor that grows with W.

    Improvement at equal eta (measured on 12 weight states per size, 160 for
    the global perturbations): backprop's first-order decrease is |g|^2 at
    every state (its update is exactly -g, cosine 1: the Cauchy-Schwarz
    maximum for a step of its length), and at every size no algorithm whose
    update is in gradient units (pwlr, palr, pwgr, pwgrk) decreases the
    error more on average; the exact-derivative ones (pwlr, palr) keep
    backprop's decrease and cosine; the global perturbations fall behind by
    factors that grow with W, in decrease and in cosine; the fitted exponent
    of pwgr's and pwgrk's decrease is within 0.15 of the exact -1 and that of
    pwgr's cosine within 0.1 of -1/2; every global perturbation's mean
    decrease and mean cosine are within 5 standard errors of their exact
    theory; and every first-order decrease agrees with the error's own
    central difference along the update (to 1e-4 of |g| |h|).

    Parameters
    ----------
    seed : int
    mutant : None or str
        A name in ``check_channel.mutants``: a deliberate break of the
        measurement, threaded into :func:`measure` / :func:`step`, after
        which the check must fail.

    Returns
    -------
    dict
        {"holds": bool, "evidence": {...}, "lines": [...]}

    Examples
    --------
    The check takes about ten seconds; its mutants, each a break the check
    must catch, are listed on the function:

    >>> sorted(check_channel.mutants)
    ['bits-doubled', 'bp-noisy-gradient', 'palr-per-batch', 'unscaled-perturbation']
    >>> check_channel(mutant="no-such-break")
    Traceback (most recent call last):
    ...
    gates.errors.InputError: ...
    """
    seed = check_int(seed, "seed", lo=0)
    faults = _mutant_faults(mutant)
    t0 = time.perf_counter()
    # the exact and sign algorithms need few states; the global perturbations are cheap and noisy: more
    # states for their exponents
    rows = measure(DEFAULT_HIDDEN, [a for a in ALGORITHMS if a not in GLOBAL], samples=_CHECK_SAMPLES[0], seed=seed,
                   **faults)
    extra = measure(DEFAULT_HIDDEN, GLOBAL, samples=_CHECK_SAMPLES[1], seed=seed + 1, **faults)
    rows = rows + extra
    Ws = sorted({r["W"] for r in rows})
    at = {(r["W"], r["algorithm"]): r for r in rows}
    others = [a for a in ALGORITHMS if a != "bp"]
    nets = [as_net(h) for h in DEFAULT_HIDDEN]
    net_of = {n.n_weights: n for n in nets}

    # rates: identities of the counts, independent of the batch size
    ident = {(W, a): rate_identity(a, net_of[W])["rate"] for W in Ws for a in ALGORITHMS}
    ident_dev = max(abs(at[key]["rate"] / ident[key] - 1) for key in ident)
    rates_identity = ident_dev < 1e-12
    small, large = _rates_at_batch(nets, 2, seed, faults), _rates_at_batch(nets, 32, seed, faults)
    batch_dev = max(abs(small[key] / large[key] - 1) for key in small)
    batch_invariant = batch_dev < 1e-12
    best_rate = all(at[W, "bp"]["rate"] > max(at[W, a]["rate"] for a in others) for W in Ws)
    rate_ratio = {a: [at[W, "bp"]["rate"] / at[W, a]["rate"] for W in Ws] for a in others}
    rate_grows = all(all(np.diff(v) > 0) for v in rate_ratio.values())

    # improvement at equal eta, and the cosine
    bp_dev = max(max(abs(at[W, "bp"]["improvement_min"] - 1), abs(at[W, "bp"]["improvement_max"] - 1),
                     abs(at[W, "bp"]["cos_min"] - 1)) for W in Ws)
    bp_exact = bp_dev < 1e-9
    gradient_units = ("pwlr", "palr", "pwgr", "pwgrk")
    bp_max = all(at[W, "bp"]["improvement_ratio"] >= max(at[W, a]["improvement_ratio"] for a in gradient_units) - 1e-3
                 for W in Ws)
    best_cos = all(at[W, "bp"]["cos_mean"] >= max(at[W, a]["cos_mean"] for a in others) - 1e-9 for W in Ws)
    exact_keep = all(abs(at[W, a]["cos_mean"] - 1) < 1e-3 and abs(at[W, a]["improvement_ratio"] - 1) < 1e-3
                     for a in ("pwlr", "palr") for W in Ws)
    imp_ratio = {a: [at[W, "bp"]["improvement_ratio"] / max(at[W, a]["improvement_ratio"], 1e-300) for W in Ws]
                 for a in others}
    cos_ratio = {a: [at[W, "bp"]["cos_mean"] / max(at[W, a]["cos_mean"], 1e-300) for W in Ws] for a in others}
    cos_grows = all(cos_ratio[a][-1] > cos_ratio[a][0] for a in GLOBAL)
    imp_grows = all(imp_ratio[a][-1] > imp_ratio[a][0] for a in GLOBAL)
    fits = {f["algorithm"]: f for f in fit_exponents(rows, "cos")}
    ifits = {f["algorithm"]: f for f in fit_exponents(rows, "improvement")}
    rfits = {f["algorithm"]: f for f in fit_exponents(rows, "rate")}
    pwgr_slope = fits["pwgr"]["slope"]
    imp_slopes_ok = all(abs(ifits[a]["slope"] + 1) < 0.15 for a in ("pwgr", "pwgrk"))
    devs = {a: [at[W, a]["cos_dev_se"] for W in Ws] for a in GLOBAL}
    idevs = {a: [at[W, a]["improvement_dev_se"] for W in Ws] for a in GLOBAL}
    theory_ok = all(abs(d) < 5 for v in devs.values() for d in v)
    itheory_ok = all(abs(d) < 5 for v in idevs.values() for d in v)
    fd_dev = max(r["improvement_fd_dev"] for r in rows)
    fd_ok = fd_dev < 1e-4
    claims = {"rates_are_counting_identities": rates_identity, "rates_independent_of_batch": batch_invariant,
              "bp_highest_rate_every_size": best_rate, "rate_ratio_grows_with_W": rate_grows,
              "bp_decrease_is_g_squared_every_state": bp_exact, "bp_largest_decrease_every_size": bp_max,
              "bp_highest_cos_every_size": best_cos, "pwlr_palr_keep_bp_decrease_and_cos": exact_keep,
              "global_decrease_ratio_grows_with_W": imp_grows, "global_cos_ratio_grows_with_W": cos_grows,
              "pwgr_pwgrk_decrease_exponent_near_minus_1": imp_slopes_ok,
              "pwgr_cos_exponent_near_minus_half": abs(pwgr_slope + 0.5) < 0.1,
              "global_decrease_within_5_se_of_theory": itheory_ok, "global_cos_within_5_se_of_theory": theory_ok,
              "first_order_decrease_is_the_error_difference": fd_ok}
    holds = bool(all(claims.values()))

    def fit_ev(f):
        return {"kind": f["kind"], "slope": significant(f["slope"], 4), "se": significant(f["slope_se"], 3),
                "ci95": None if f["ci95"] is None else [significant(v, 4) for v in f["ci95"]],
                "predicted": f["predicted"], "theory_slope": None if f["theory_slope"] is None
                else significant(f["theory_slope"], 4), "r2": significant(f["r2"], 4)}

    evidence = {"W": Ws, "mutant": mutant, **claims,
                "rate_identity_max_rel_dev": ident_dev, "rate_batch_2_vs_32_max_rel_dev": batch_dev,
                "palr_rate_batch_2_vs_32": {W: [small[W, "palr"], large[W, "palr"]] for W in Ws},
                "bp_max_dev_from_exact": bp_dev, "first_order_vs_error_difference_max_dev": fd_dev,
                "rate_ratio_bp_over": {a: [significant(x, 4) for x in v] for a, v in rate_ratio.items()},
                "improvement_ratio_bp_over": {a: [significant(x, 4) for x in v] for a, v in imp_ratio.items()},
                "cos_ratio_bp_over": {a: [significant(x, 4) for x in v] for a, v in cos_ratio.items()},
                "rate_exponents": {a: fit_ev(f) for a, f in rfits.items()},
                "improvement_exponents": {a: fit_ev(f) for a, f in ifits.items()},
                "cos_exponents": {a: fit_ev(f) for a, f in fits.items()},
                "global_improvement_dev_se": {a: [significant(x, 3) for x in v] for a, v in idevs.items()},
                "global_cos_dev_se": {a: [significant(x, 3) for x in v] for a, v in devs.items()},
                "samples": {"others": _CHECK_SAMPLES[0], "global": _CHECK_SAMPLES[1]}, "seconds": round(time.perf_counter() - t0, 2)}

    def ci(f):
        return f"[{f['ci95'][0]:+.3f}, {f['ci95'][1]:+.3f}]" if f["ci95"] else ""

    lines = [f"W = {', '.join(map(str, Ws))} ((8, h, h, 1) tanh nets, teacher task, {_CHECK_SAMPLES[0]} weight "
             f"states per size; {_CHECK_SAMPLES[1]} for the global perturbations)" + (f"; MUTANT {mutant}" if mutant else ""),
             f"rates (identity: exact counts per example): every rate equals its counting formula: {rates_identity}; "
             f"the same at batch 2 and 32: {batch_invariant}; backprop's the highest at every size: {best_rate}",
             "rate ratio bp / algorithm (identity), smallest -> largest W: "
             + ", ".join(f"{a} {v[0]:.3g} -> {v[-1]:.3g}" for a, v in rate_ratio.items()),
             "exponent of the rate in W (identity, exact): "
             + ", ".join(f"{a} {f['slope']:+.3f}" for a, f in rfits.items()),
             f"improvement at equal eta (measured): backprop's first-order decrease is |g|^2 and its cosine 1 at "
             f"every state: {bp_exact}; no gradient-unit update decreases more on average: {bp_max}; "
             f"the first-order decreases match the error's central differences: {fd_ok}",
             "decrease ratio bp / algorithm (measured; mean (-g.h)/|g|^2; binary feedback moves by unit-length "
             "h, so its ratio carries 1/|g|), smallest -> largest W: "
             + ", ".join(f"{a} {v[0]:.3g} -> {v[-1]:.3g}" for a, v in imp_ratio.items()),
             "exponent of the mean decrease ratio in W (measured, weighted least squares, 95% interval): "
             + ", ".join(f"{a} {f['slope']:+.3f} {ci(f)}" for a, f in ifits.items() if a in GLOBAL)
             + f" (pwgr, pwgrk within 0.15 of -1: {imp_slopes_ok})",
             "cos ratio bp / algorithm (measured), smallest -> largest W: "
             + ", ".join(f"{a} {v[0]:.3g} -> {v[-1]:.3g}" for a, v in cos_ratio.items()),
             "exponent of mean cos in W (measured, weighted least squares, 95% interval): "
             + ", ".join(f"{a} {f['slope']:+.3f} {ci(f)}" for a, f in fits.items() if a in GLOBAL)
             + f" (pwgr within 0.1 of -0.5: {abs(pwgr_slope + 0.5) < 0.1})",
             f"global perturbations within 5 s.e. of the exact theory at every size: decrease {itheory_ok}, "
             f"cos {theory_ok}"]
    failed = [k for k, v in claims.items() if not v]
    if failed:
        lines.append("FAILED: " + ", ".join(failed))
    return {"holds": holds, "evidence": evidence, "lines": lines}


check_channel.mutants = dict(_CHANNEL_MUTANTS)

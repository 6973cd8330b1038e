"""The paper's theorem checks that have no study of their own (registered in :mod:`gates.verify`).

* :func:`check_perceptron` -- the perceptron convergence theorem through
  the census: the gradient rule learns exactly the threshold functions.
* :func:`check_hebb_canonical` -- the supervised-Hebb canonical-form
  theorem: the exact (asymptotic) census against simulation.
* :func:`check_counting` -- threshold functions are a vanishing fraction.
* :func:`check_deep_local` -- wraps :func:`gates.studies.deep_local.deep_local_study`.
"""

import math

import numpy as np

from gates.errors import check_mutant
from gates.studies.deep_local import MUTANTS as _DEEP_LOCAL_MUTANTS

__all__ = ["THRESHOLD_COUNTS", "check_perceptron", "check_hebb_canonical", "check_counting", "check_deep_local"]


def _mutant(fn, mutant):
    """Validate a check's `mutant` argument against its registered mutants."""
    return check_mutant(mutant, fn.mutants)


THRESHOLD_COUNTS = (2, 4, 14, 104, 1882, 94572, 15028134, 8378070864, 17561539552946, 144130531453121108)
"""Threshold functions of n = 0..9 inputs (OEIS A000609), for the checks."""


def _perceptron_ok(r):
    return r["learnable"] == r["oeis"] and not r["non_threshold_learnt"] and not r["threshold_missed"]


def check_perceptron(seed=0, slow=False, mutant=None):
    """Gradient rule census: n <= 4 exhaustively (every function trained), n = 5, 6
    (and 7 when `slow`) on threshold NP classes; compared with OEIS A000609."""
    from gates.studies.census import shallow_census
    from gates.learning.protocol import Protocol
    from gates.learning.rules import Rule, get_rule

    _mutant(check_perceptron, mutant)
    rule = get_rule("gradient")
    if mutant == "sign-flipped":
        rule = Rule("gradient-sign-flipped", tuple((-c, *e) for c, *e in rule.terms), False, "supervised")
    proto = Protocol(seed=seed)
    rows = []
    for n in range(1, 8 if slow else 7):
        if n <= 4:
            res = shallow_census("all", n, rule, protocol=proto, exhaustive=True)
            learnt = res.successes > 0
            rows.append({"n": n, "reduction": "every function trained", "learnable": res.learnable,
                         "oeis": THRESHOLD_COUNTS[n],
                         "non_threshold_learnt": int((learnt & ~res.is_threshold).sum()),
                         "threshold_missed": int((~learnt & res.is_threshold).sum())})
        else:
            res = shallow_census("threshold", n, rule, protocol=proto, classes="np")
            rows.append({"n": n, "reduction": res.reduction, "learnable": res.learnable,
                         "oeis": THRESHOLD_COUNTS[n], "non_threshold_learnt": 0,
                         "threshold_missed": int(res.weights[res.successes == 0].sum()) // max(res.members, 1)})
        if not _perceptron_ok(rows[-1]):
            break  # a conjunction: the first failing n decides (and spares a mutant the larger n)
    holds = all(_perceptron_ok(r) for r in rows)
    lines = [f"n = {r['n']}: learnt {r['learnable']:,} = OEIS A000609 {r['oeis']:,}"
             f"{'' if r['learnable'] == r['oeis'] else ' (MISMATCH)'}; {r['reduction']}" for r in rows]
    lines.append("beyond n = 4 only threshold functions are trained: one gate computes nothing else")
    if not holds:
        lines.append(f"stopped at the first failing n = {rows[-1]['n']}")
    return {"holds": holds, "evidence": {"rows": rows, "protocol": proto.to_dict(), "mutant": mutant},
            "lines": lines}


check_perceptron.mutants = {
    "sign-flipped": "the perceptron update with its sign flipped, dw = eta (O - T) x: it moves away from the target",
}


def _hebb_ok(r):
    return r["exact_learnt"] == r["exact_learnt_sim_always"] and r["exact_not_learnt_sim_learnt"] == 0


def check_hebb_canonical(seed=0, slow=False, mutant=None):
    """Exact (asymptotic) clamped-Hebb census against simulation, every function of n <= 4 (5 when slow)."""
    from gates.studies.census import shallow_census
    from gates.learning.gate import exact_many
    from gates.learning.protocol import Protocol

    _mutant(check_hebb_canonical, mutant)
    # epochs long enough that the initial weights no longer decide the verdict (the canonical-form theorem
    # is asymptotic in the number of epochs)
    proto = Protocol(seed=seed, epochs=200)
    rows = []
    for n in range(1, 6 if slow else 5):
        # n = 5: every threshold function (a simulated seed's verdict is not a class function)
        kw = {"exhaustive": True} if n <= 4 else {}
        fam = "all" if n <= 4 else "threshold"
        ex = shallow_census(fam, n, "hebb", mode="exact", protocol=proto, **kw)
        sim = shallow_census(fam, n, "hebb", protocol=proto, **kw)
        status = np.empty(len(ex.tables), dtype=np.int8)
        x = proto.inputs(n)
        if mutant == "condition-without-bias":
            x = np.ascontiguousarray(x[:, :n])  # canonical form c = sum T x without the bias input
        exact_many(np.ascontiguousarray(ex.tables), x, True, False, status)
        learnt = sim.successes > 0
        always = sim.successes == proto.restarts
        w = ex.weights
        rows.append({"n": n, "functions": int(w.sum()), "exact_learnt": int(w[status == 1].sum()),
                     "exact_ties": int(w[status == 0].sum()),
                     "sim_learnt": int(w[learnt].sum()),
                     "exact_learnt_sim_always": int(w[(status == 1) & always].sum()),
                     "exact_not_learnt_sim_learnt": int(w[(status == -1) & learnt].sum())})
        if not _hebb_ok(rows[-1]):
            break  # the first failing n decides
    holds = all(_hebb_ok(r) for r in rows)
    lines = [f"n = {r['n']}: condition holds for {r['exact_learnt']:,} functions, all learnt in every restart: "
             f"{r['exact_learnt_sim_always']:,}; condition fails: learnt {r['exact_not_learnt_sim_learnt']} "
             f"times; {r['exact_ties']:,} ties (margin exactly 0, decided by the start)"
             + ("; threshold functions only (a gate learns no other)" if r["n"] > 4 else "") for r in rows]
    return {"holds": holds, "evidence": {"rows": rows, "protocol": proto.to_dict(), "mutant": mutant},
            "lines": lines}


check_hebb_canonical.mutants = {
    "condition-without-bias": "the canonical form c = sum_k T_k x_k computed without the bias input, while the "
                              "simulated gate has one",
}


def cover_bound(n, bias=True):
    """Cover (1965): at most 2 sum_{k<d} C(P-1, k) dichotomies of P = 2^n points are separable by a
    hyperplane through the origin of d = n + 1 dimensions (n inputs and the bias)."""
    d = n + 1 if bias else n
    return 2 * sum(math.comb((1 << n) - 1, k) for k in range(d))


def np_count(n, negations=True):
    """The threshold count as the sum of NP orbit sizes of the class census."""
    from gates.boolean.threshold_classes import input_blocks, np_classes, np_orbit_sizes

    if negations:
        return np_classes(n).total
    labels, ess = input_blocks(np_classes(n).tables, n)
    return int(np_orbit_sizes(labels, ess, n, negations=False).sum())


def check_counting(seed=0, slow=False, mutant=None):
    """log2 of the threshold count against n^2, 2^n and Cover's bound C(2^n, n+1)."""
    _mutant(check_counting, mutant)
    top = 7 if slow else 6
    rows = []
    for n in range(1, 10):
        counted = np_count(n, negations=mutant != "orbits-without-negations") if n <= top else None
        t = THRESHOLD_COUNTS[n]
        cover = cover_bound(n, bias=mutant != "cover-without-bias")
        rows.append({"n": n, "threshold": t, "computed": counted, "log2_threshold": round(math.log2(t), 3),
                     "n_squared": n * n, "log2_cover_bound": round(math.log2(cover), 3), "log2_all": 1 << n,
                     "ratio_to_n2": round(math.log2(t) / (n * n), 4),
                     "log2_fraction": round(math.log2(t) - (1 << n), 3)})
    holds = (all(r["computed"] in (None, r["threshold"]) for r in rows)
             and all(r["threshold"] <= cover_bound(r["n"], bias=mutant != "cover-without-bias") for r in rows)
             and all(a["log2_fraction"] > b["log2_fraction"] for a, b in zip(rows, rows[1:])))
    lines = [f"{'n':>2}{'log2 T(n)':>11}{'n^2':>5}{'log2 Cover':>12}{'2^n':>5}{'log2 T/n^2':>12}"
             f"{'log2 fraction':>15}  source"]
    lines += [f"{r['n']:>2}{r['log2_threshold']:>11.2f}{r['n_squared']:>5}{r['log2_cover_bound']:>12.2f}"
              f"{r['log2_all']:>5}{r['ratio_to_n2']:>12.3f}{r['log2_fraction']:>15.1f}  "
              + ("counted here = OEIS" if r["computed"] == r["threshold"] else
                 "COUNTED " + str(r["computed"]) if r["computed"] is not None else "OEIS A000609")
              for r in rows]
    header = list(rows[0])
    table = ("counting_bound", header, [[r[k] for k in header] for r in rows],
             "Threshold functions are a vanishing fraction",
             f"log2 of the number T(n) of threshold functions (OEIS A000609; counted here for n <= {top}) "
             "against n^2, Cover's bound C(2^n, n+1) and 2^n (all functions).")
    return {"holds": holds, "evidence": {"rows": rows, "mutant": mutant}, "lines": lines, "table": table}


check_counting.mutants = {
    "orbits-without-negations": "NP orbit sizes counted without the 2^(essential inputs) negations",
    "cover-without-bias": "Cover's bound in n dimensions instead of n + 1 (the bias input forgotten)",
}


def check_deep_local(seed=0, mutant=None):
    """:func:`gates.studies.deep_local.deep_local_study`: all 256 functions of 3 inputs and 20 random teachers."""
    from gates.studies.deep_local import deep_local_study, deep_local_table

    _mutant(check_deep_local, mutant)
    res = deep_local_study(seed=seed, mutant=mutant)
    s = res["summary"]
    nontrivial = s["targets"] - s["trivial"]
    lines = [f"inputs: all 2^n points of {{-1,+1}}^n, bit i = +1 with probability q_i "
             f"(n = 3: q = {res['settings'][0]['q']}); hidden: n tanh units, unit i sees inputs i, i+1 and "
             "the bias, Oja's rule (expected form) to its fixed point",
             f"hidden fixed point unique over {res['protocol']['starts']} random starts per unit: "
             f"{s['fixed_point_unique']} (largest spread "
             f"{max(x['fixed_point_spread'] for x in res['settings']):.1e})",
             f"{s['targets']} targets ({', '.join(dict.fromkeys(r['set'] for r in res['rows']))}; every count "
             f"below is exact for seed {seed}); trivial "
             f"(least-squares residual on the learnt features < 1e-9, decided before training): {s['trivial']} "
             f"({', '.join(t['target'] for t in s['trivial_targets'])})",
             f"deep local learning (top at its least-squares limit): |dE/dW_hidden| >= "
             f"{res['protocol']['critical']:g} on {s['nontrivial_with_gap']} of {nontrivial} non-trivial targets"
             + (f" (smallest {s['min_gap_nontrivial']:.3g})" if s["min_gap_nontrivial"] is not None else ""),
             f"backprop from the same start reaches |grad E| < {res['protocol']['critical']:g} on "
             f"{s['backprop_critical']} of {s['targets']} (at most {s['backprop_max_steps']:,} steps); "
             f"lower error than deep local learning on {s['backprop_lower_error']} of {nontrivial} non-trivial"]
    header, table = deep_local_table(res)
    evidence = {k: v for k, v in res.items() if k != "rows"}
    return {"holds": res["holds"], "evidence": evidence, "lines": lines,
            "table": ("deep_local", header, table, "Deep local learning stops short of critical points",
                      "Two-layer tanh net (unit i sees inputs i, i+1 mod n and the bias), linear output, "
                      "E = 1/2 sum_p pi_p (y_p - T_p)^2 over all 2^n inputs weighted by a skewed product "
                      "distribution. local: hidden layer at the fixed point of Oja's rule (target-independent), "
                      "top at its gradient-descent limit; backprop: both layers by gradient descent from the "
                      "same start. trivial: the target lies in the span of the learnt features (least-squares "
                      "residual), decided before training.")}


check_deep_local.mutants = _DEEP_LOCAL_MUTANTS

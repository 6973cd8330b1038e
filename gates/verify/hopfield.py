"""The Hopfield check of ``gates verify hopfield`` (registered in :mod:`gates.verify`).

Simple Hebb storage commutes with every isometry of the cube, and among the
symmetric degree-2 storage rules only Hebb, anti-Hebb and zero do; the
mechanism is :mod:`gates.learning.hopfield`.
"""

import numpy as np

from gates.boolean.truth import ENCODINGS
from gates.errors import check_mutant
from gates.learning.hopfield import HEBB, check_invariance, classify_invariant, isometries, orientation, uniqueness_rows

__all__ = ["check_hopfield"]


def check_hopfield(seed=0, mutant=None):
    """The `gates verify hopfield` check: simple Hebb storage commutes with every
    isometry (n = 1..5 exhaustively, n = 6..10 sampled), and the search over
    symmetric degree-2 rules leaves only Hebb, anti-Hebb and zero."""
    check_mutant(mutant, check_hopfield.mutants)
    # the mutant stores with Hebb plus the activity terms o_i + o_j (symmetric, degree 2, not Hebb)
    rule = (0, 1, 1, 0) if mutant == "non-hebb-storage" else HEBB
    rng = np.random.default_rng(np.random.SeedSequence([seed, 11]))
    checked = violations = 0
    for n in range(1, 6):
        group = list(isometries(n, "all"))
        for _ in range(6 if n < 5 else 2):
            mem = rng.choice(1 << n, size=int(rng.integers(1, min(4, 1 << n) + 1)), replace=False)
            base = orientation(mem, n, rule)
            for perm, flips in group:
                ok, _ = check_invariance(mem, n, perm, flips, rule=rule, base=base)
                checked += 1
                violations += not ok
                if violations:
                    break  # one violation decides the check (and spares a mutant the rest)
            if violations:
                break
        if violations:
            break
    sampled = 0
    for n in range(6, 11) if not violations else ():
        for _ in range(3):
            mem = rng.choice(1 << n, size=int(rng.integers(1, 6)), replace=False)
            base = orientation(mem, n, rule)
            for perm, flips in isometries(n, "sample:40", seed=int(rng.integers(1 << 30))):
                ok, _ = check_invariance(mem, n, perm, flips, rule=rule, base=base)
                sampled += 1
                violations += not ok
    search, invariant = [], []
    for r in uniqueness_rows(3, (-2, -1, 0, 1, 2), ENCODINGS, 12, seed, mutant != "permutations-only") \
            if not violations else ():
        search.append(r)
        if r["verdict"] != "counterexample":
            invariant.append(dict(r, kind=classify_invariant(r["rule"], r["encoding"])))
            if invariant[-1]["kind"] not in ("hebb", "anti-hebb", "zero"):
                break  # a rule other than Hebb passed: the check fails here
    complete = len(search) == 2 * 5**4
    broken = next((r for r in search if r["verdict"] == "counterexample"), None)
    holds = violations == 0 and complete and all(r["kind"] in ("hebb", "anti-hebb", "zero") for r in invariant)
    evidence = {"mutant": mutant, "storage_rule": list(rule), "hebb_isometries_checked": checked,
                "hebb_sampled_checks_n6_to_10": sampled,
                "hebb_violations": violations, "rules_searched": len(search),
                "search": "coefficients -2..2, n = 3, 12 memory sets, "
                          + ("every isometry" if mutant != "permutations-only" else "permutations only"),
                "invariant_rules": [{k: r[k] for k in ("rule", "encoding", "verdict", "kind")} for r in invariant],
                "counterexample": broken}
    lines = [f"simple Hebb: {checked:,} (memory set, isometry) checks for n = 1..5 (every isometry) and "
             f"{sampled:,} for n = 6..10 (sampled), {violations} violations",
             f"rules c0 + c1 (o_i + o_j) + c2 o_i o_j + c3 (o_i^2 + o_j^2), c in -2..2, both codings: "
             f"{len(search)} searched, {len(invariant)} not broken:"]
    lines += [f"  {r['encoding']:<4}{str(r['rule']):<18}{r['verdict']:<10}{r['kind']}" for r in invariant]
    lines.append(f"a counterexample, to replay: {broken}")
    if not complete:
        lines.append(f"stopped early after {len(search)} rules: the check already fails")
    return {"holds": holds, "evidence": evidence, "lines": lines}


check_hopfield.mutants = {
    "non-hebb-storage": "memories stored by the symmetric degree-2 rule o_i o_j + (o_i + o_j) instead of simple "
                        "Hebb: its orientation does not commute with the sign flips",
    "permutations-only": "the uniqueness search tries the permutations of the cube but no sign flips, so rules "
                         "other than Hebb pass as invariant",
}

"""Rule discovery: every small polynomial local rule, measured (how rare good local rules are).

The space
---------
A rule is an unsupervised polynomial F(O, x, w) of degree <= D whose
coefficients come from a small integer set (default {-1, 0, 1}), optionally
with at most `max_terms` non-zero terms. Coefficient vectors are kept up to
a positive factor (only primitive vectors, gcd 1). Its supervised form is
the clamped rule F(T, x, w) (O replaced by the target, as in Baldi &
Sadowski 2016); the
gradient rule T x - O x reads both O and T, so it is not in the space and is
measured beside it as a reference.

On +-1 threshold gates O^2 = x^2 = 1, so many polynomials act identically:
each rule reduces to one of a smaller set of *gate behaviours* (multilinear
in O, x, polynomial in w). Every measurement below depends only on that
behaviour, so it runs once per behaviour and is counted with the number of
raw rules that share it (exact, not sampled).

Measurements, per behaviour
---------------------------
* ``unsupervised`` / ``clamped`` dynamics: a gate on the n = 3 cube with a
  bias ("standard data"), full-batch epochs (the expectation of the rule:
  the paper's assumption that learning is slow against the presentation
  of the data), eta = 0.05, 3000 epochs, 4 starts
  w ~ N(0, 1); unsupervised, and clamped to the majority of the 3 inputs.
  ``diverges`` if a start's norm passes 1e6 (or is not finite) or is still
  growing (last norm > 1.5 x the norm at mid-run and > 10);
  ``converges`` if every start ends with a step below 1e-5 (1 + |w|);
  otherwise ``oscillates`` (bounded, still moving).
* ``shallow_n3``: functions of n = 3 the clamped rule teaches one gate
  (:func:`gates.studies.census.shallow_census`, default protocol); 104 means every
  threshold function. ``shallow_n4`` (optional): the same at n = 4 for the
  rules that learn every threshold function at n = 3.
* ``deep_n3``: functions of n = 3 a two-layer net learns with the rule
  unsupervised in the hidden layer (h = 4) and clamped on top
  (:func:`gates.studies.deep_census.deep_census`).

Rules are ranked by shallow_n3, then deep_n3, then dynamics (converges >
oscillates > diverges).
"""

import itertools
import math
import time

import numpy as np
from numba import njit, prange

from gates.studies.census import shallow_census
from gates.studies.deep_census import deep_census
from gates._validate import is_int
from gates.errors import InputError
from gates.learning.protocol import Protocol
from gates.learning.rules import Rule, get_rule
from gates.io.results import Result
from gates.io.storage import write_table

__all__ = ["monomials", "enumerate_rules", "gate_behaviours", "count_behaviours", "discover", "DiscoveryResult",
           "write_discovery", "TOP",
           "DYNAMICS", "dynamics_labels"]

DYNAMICS = ("converges", "oscillates", "diverges")
MAX_RAW = 5_000_000
MD_ROWS = 40
# the gate dynamics every discovered rule is run with (recorded in the manifests)
DYNAMICS_ETA, DYNAMICS_EPOCHS, DYNAMICS_STARTS = 0.05, 3000, 4
_STEP_TOL, _DIVERGE = 1e-5, 1e6
# progress: the dynamics run in batches of this many rules; their share of a rule's cost (measured: about
# 3 ms of 80 ms per rule, warm)
_DYNAMICS_BATCH, _DYNAMICS_SHARE = 64, 0.05


def monomials(degree):
    """Exponents (a, b, c) of O^a x^b w^c with a + b + c <= degree, by degree then lexicographically."""
    return [m for d in range(degree + 1) for m in sorted(itertools.product(range(d + 1), repeat=3), reverse=True)
            if sum(m) == d]


def _check(degree, coefficients, max_terms):
    if not is_int(degree) or not 1 <= degree <= 3:
        raise InputError(f"degree must be 1, 2 or 3 (rules have degree <= 3), got {degree!r}")
    try:
        vals = list(coefficients)
        ok = all((is_int(v) or isinstance(v, (float, np.floating))) and float(v) == int(v) for v in vals)
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or not any(int(v) for v in vals):
        raise InputError(f"coefficients must be integers with a non-zero one, like -1,0,1; got {coefficients!r}")
    coefs = sorted({int(v) for v in vals})
    if 0 not in coefs:
        coefs = [0, *coefs]  # a rule may leave a monomial out
    if max_terms is not None and (not is_int(max_terms) or max_terms < 1):
        raise InputError(f"max_terms must be a positive integer, got {max_terms!r}")
    return coefs


def enumerate_rules(degree=2, coefficients=(-1, 0, 1), max_terms=None):
    """Every primitive coefficient vector over :func:`monomials` (degree).

    Returns
    -------
    coefs : (R, M) int64
        One row per rule, kept up to a positive factor (gcd of the
        coefficients 1).
    monos : list of (a, b, c)

    Raises
    ------
    InputError
        Bad arguments, or more than 5,000,000 raw rules: use `max_terms`.
    """
    coefs = _check(degree, coefficients, max_terms)
    monos = monomials(degree)
    M = len(monos)
    nonzero = [c for c in coefs if c]
    if max_terms is None or max_terms >= M:
        total = len(coefs) ** M - 1
    else:
        total = sum(math.comb(M, k) * len(nonzero) ** k for k in range(1, max_terms + 1))
    if total > MAX_RAW:
        raise InputError(f"{total:,} raw rules of degree <= {degree} with coefficients {coefs}: too many to "
                         f"measure one by one (limit {MAX_RAW:,}); use --max-terms (e.g. 3)")
    if max_terms is None or max_terms >= M:
        grid = np.array(list(itertools.product(coefs, repeat=M)), dtype=np.int64)
        grid = grid[np.any(grid != 0, axis=1)]
    else:
        rows = []
        for k in range(1, max_terms + 1):
            for where in itertools.combinations(range(M), k):
                for vals in itertools.product(nonzero, repeat=k):
                    r = [0] * M
                    for i, v in zip(where, vals):
                        r[i] = v
                    rows.append(r)
        grid = np.array(rows, dtype=np.int64).reshape(-1, M)
    g = np.gcd.reduce(np.abs(grid), axis=1)
    return grid[g == 1], monos


def gate_behaviours(coefs, monos):
    """Group raw rules by their action on +-1 gates (O^2 = x^2 = 1).

    Returns
    -------
    reduced : (U, M') float64
        The reduced coefficient vectors, one per behaviour.
    reduced_monos : list of (a, b, c) with a, b in {0, 1}
    inverse : (R,) int64
        Behaviour of each raw rule.
    counts : (U,) int64
        Raw rules per behaviour.
    """
    red = sorted({(a % 2, b % 2, c) for a, b, c in monos}, key=lambda m: (sum(m), m))
    pos = {m: i for i, m in enumerate(red)}
    proj = np.zeros((len(monos), len(red)), dtype=np.int64)
    for i, (a, b, c) in enumerate(monos):
        proj[i, pos[(a % 2, b % 2, c)]] = 1
    reduced, inverse, counts = np.unique(coefs @ proj, axis=0, return_inverse=True, return_counts=True)
    return reduced.astype(np.float64), red, inverse.ravel(), counts


def _poly(rule):
    """The polynomial of a rule without the ``dw = eta*( )`` wrapper."""
    return rule.formula()[len("dw = eta*("):-1] if rule is not None else "0"


def count_behaviours(degree=2, coefficients=(-1, 0, 1), max_terms=None):
    """(raw rules, distinct gate behaviours) of a space, without measuring them."""
    coefs, monos = enumerate_rules(degree, coefficients, max_terms)
    return len(coefs), len(gate_behaviours(coefs, monos)[0])


def rule_from_vector(vec, monos, name):
    """The unsupervised Rule whose coefficient on monomial monos[i] is vec[i] (None when all are 0)."""
    terms = tuple((float(v), a, b, c, 0) for v, (a, b, c) in zip(vec, monos) if v)
    return Rule(name, terms, False, "unsupervised") if terms else None


@njit(cache=True, parallel=True)
def _batch_dynamics(tables_k, x, targets, w0, eta, epochs, step_tol, diverge, status):
    """status[u, r]: 0 converges, 1 oscillates, 2 diverges, for rule table u from start r.

    Full-batch epochs of a +-1 gate: w += eta * mean_p F(O_p, x_p, w, T_p),
    with F read from ``tables_k[u, O, x, T, c]`` (the census's rule table,
    :meth:`gates.learning.protocol.Protocol.rule_table`). Compiled, threaded over u.
    """
    P, S = x.shape
    for u in prange(tables_k.shape[0]):
        k = tables_k[u]
        for r in range(w0.shape[0]):
            w = w0[r].copy()
            d = np.zeros(S)
            st = 1
            mid = 0.0
            norm = 0.0
            for e in range(epochs):
                d[:] = 0.0
                for p in range(P):
                    a = 0.0
                    for j in range(S):
                        a += w[j] * x[p, j]
                    oi = 1 if a > 0.0 else 0
                    ti = 1 if targets[p] > 0.0 else 0
                    for j in range(S):
                        xi = 1 if x[p, j] > 0.0 else 0
                        wv = w[j]
                        d[j] += k[oi, xi, ti, 0] + wv * (k[oi, xi, ti, 1] + wv * (k[oi, xi, ti, 2]
                                                                                   + wv * k[oi, xi, ti, 3]))
                change = 0.0
                norm = 0.0
                for j in range(S):
                    step = eta * d[j] / P
                    w[j] += step
                    change = max(change, abs(step))
                    norm += w[j] * w[j]
                norm = np.sqrt(norm)
                if not np.isfinite(norm) or norm > diverge:
                    st = 2
                    break
                if e == epochs // 2:
                    mid = norm
                if change <= step_tol * (1.0 + norm):
                    st = 0
                    break
            if st == 1 and norm > 1.5 * mid and norm > 10.0:
                st = 2
            status[u, r] = st


def dynamics_labels(rules, clamped, seed):
    """Dynamics label per rule (an index into :data:`DYNAMICS`): unsupervised, or clamped to majority-of-3."""
    proto = Protocol()
    x = proto.inputs(3)
    p = np.arange(8)
    maj = np.where(((p & 1) + ((p >> 1) & 1) + ((p >> 2) & 1)) >= 2, 1.0, -1.0)
    targets = maj if clamped else np.ones(8)
    tabs = np.ascontiguousarray(np.stack([proto.rule_table(r.clamped() if clamped else r) for r in rules]))
    w0 = np.random.default_rng(np.random.SeedSequence([seed, 7])).normal(0.0, 1.0, (DYNAMICS_STARTS, x.shape[1]))
    status = np.zeros((len(rules), DYNAMICS_STARTS), dtype=np.int8)
    _batch_dynamics(tabs, x, targets, w0, DYNAMICS_ETA, DYNAMICS_EPOCHS, _STEP_TOL, _DIVERGE, status)
    return status.max(axis=1)  # any diverging start -> diverges; any moving start -> oscillates


def _reference_rules():
    """Named rules for the ranking: (label, unsupervised rule or None, supervised rule)."""
    return [
        ("hebb", get_rule("hebb", "unsupervised"), get_rule("hebb", "clamped")),
        ("oja", get_rule("oja", "unsupervised"), get_rule("oja", "clamped")),
        ("gradient", None, get_rule("gradient")),
    ]


def _reduce_one(rule, red_monos):
    """A named unsupervised rule's reduced vector (O^2 = x^2 = 1) over red_monos, or None if outside."""
    pos = {m: i for i, m in enumerate(red_monos)}
    vec = np.zeros(len(red_monos))
    for coef, a, b, c, _ in rule.terms:
        key = (a % 2, b % 2, c)
        if key not in pos:
            return None
        vec[pos[key]] += coef
    return vec


TOP = 10
"""Rules shown in ``top`` (and printed by ``gates discover``); all of them are in ``rows``."""


class DiscoveryResult(Result):
    """What :func:`discover` returns: the object ``gates discover --json`` prints.

    Keys (``to_dict()``): ``summary`` (the sparsity numbers: ``raw_rules``,
    ``behaviours``, ``convergent_raw``, ``learn_all_threshold_n3_raw``,
    ``convergent_and_all_threshold_raw``, ..., and ``seconds``),
    ``references`` (where Hebb, Oja and the gradient rule sit) and ``top``
    (the :data:`TOP` best rows).

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
    rows : list of dict
        Every behaviour, ranked: ``rank``, ``rule`` (its simplest raw rule),
        ``on_gates``, ``raw_rules``, ``degree``, ``unsupervised``,
        ``clamped``, ``shallow_n3``, ``all_threshold_n3``, ``deep_n3``,
        ``shallow_n4``.
    protocol : Protocol
        The census protocol.
    """

    def summary(self):
        """The lines ``gates discover`` prints without ``--json``."""
        s = self["summary"]
        lines = [f"{s['raw_rules']:,} rules of degree <= {s['degree']} (coefficients {s['coefficients']}"
                 + (f", at most {s['max_terms']} terms" if s["max_terms"] else "")
                 + f") act on +-1 gates as {s['behaviours']:,} distinct rules; {s['seconds']:.0f} s",
                 f"converge (unsupervised): {s['convergent_raw']:,}; learn every threshold function of 3 inputs "
                 f"(clamped): {s['learn_all_threshold_n3_raw']:,}; both: {s['convergent_and_all_threshold_raw']:,}",
                 f"{'rank':>5} {'rule':<28}{'raw':>5} {'unsup':<11}{'clamped':<11}{'n3':>5}{'deep n3':>8}"]
        for r in self["top"]:
            lines.append(f"{r['rank']:>5} {r['rule']:<28}{r['raw_rules']:>5} {r['unsupervised']:<11}"
                         f"{r['clamped']:<11}{r['shallow_n3']:>5}{r['deep_n3']:>8}")
        for r in self["references"]:
            where = f"rank {r['rank']} of {r['of']}" if r.get("rank") else r.get("note", "")
            lines.append(f"{r['name']}: {r['formula']}: {where}; n3 {r.get('shallow_n3', '-')}, "
                         f"deep n3 {r.get('deep_n3', '-')}")
        return "\n".join(lines)


def discover(degree=2, coefficients=(-1, 0, 1), max_terms=None, n4=False, protocol=None, seed=0, progress=None):
    """Enumerate every small polynomial local rule, measure each on threshold gates, and rank them.

    See the module doc for the space, the reduction on +-1 gates and the
    measurements. This is ``gates discover``.

    Parameters
    ----------
    degree : {1, 2, 3}, default 2
        Highest total degree of a rule's monomials O^a x^b w^c.
    coefficients : iterable of int, default (-1, 0, 1)
        The coefficient set (0 is always allowed); rules are kept up to a
        positive factor.
    max_terms : int, optional
        At most this many non-zero terms (needed for degree 3: the full
        space exceeds 5,000,000 raw rules).
    n4 : bool, default False
        Also count n = 4 functions for the rules that learn every n = 3
        threshold function.
    protocol : Protocol, optional
        The census protocol (default: the tables' protocol); needs the pm1
        encoding.
    seed : int, default 0
        Seed of the dynamics' starting weights.
    progress : callable, optional
        Called as ``progress(k)`` with the rules (distinct gate behaviours)
        measured since the last call; the calls add up to
        ``count_behaviours(...)[1]``, each rule weighted by its cost.

    Returns
    -------
    DiscoveryResult
        The object ``gates discover --json`` prints: ``summary``,
        ``references`` and ``top`` (the 10 best rules); ``rows`` (every
        behaviour, ranked) and ``protocol`` are attributes.

    Raises
    ------
    InputError
        A bad degree, coefficient set or `max_terms`, a space too large to
        measure, or a protocol that is not pm1.

    Examples
    --------
    The 15 rules of degree 1 with coefficients in {0, 1} (2^4 - 1 vectors
    over the monomials 1, O, x, w) stay 15 distinct rules on +-1 gates
    (``discover(degree=1)``, over {-1, 0, 1}, has 80):

    >>> from gates.studies.discover import discover
    >>> res = discover(degree=1, coefficients=(0, 1))
    >>> res["summary"]["raw_rules"], res["summary"]["behaviours"]
    (15, 15)
    >>> ref = {r["name"]: r for r in res["references"]}
    >>> ref["hebb"]["note"]  # Hebb's O*x has degree 2
    'outside this space (degree or coefficients)'
    >>> ref["gradient"]["shallow_n3"]  # all 104 threshold functions of 3 inputs (OEIS A000609)
    104
    """
    t0 = time.perf_counter()
    protocol = Protocol() if protocol is None else protocol
    if protocol.encoding != "pm1":
        raise InputError("rule discovery reduces rules with O^2 = x^2 = 1, so it needs the pm1 encoding")
    coefs, monos = enumerate_rules(degree, coefficients, max_terms)
    reduced, red_monos, inverse, counts = gate_behaviours(coefs, monos)
    # the simplest raw rule of each behaviour names it: fewest terms, then first
    nterms = np.count_nonzero(coefs, axis=1)
    order = np.lexsort((np.arange(len(coefs)), nterms))
    first = np.full(len(reduced), -1, dtype=np.int64)
    for i in order[::-1]:
        first[inverse[i]] = i
    rules = []
    for u, vec in enumerate(reduced):
        rules.append(rule_from_vector(vec, red_monos, f"b{u}"))
    live = [r for r in rules if r is not None]
    idx = [i for i, r in enumerate(rules) if r is not None]
    # the bar counts behaviours ("rules"): each weighs 1, split between its dynamics (cheap, batched),
    # its n = 3 censuses and, with n4, a reserve spread over the rules that qualify for the n = 4 census
    w_dyn, w_n4 = _DYNAMICS_SHARE, (0.5 if n4 else 0.0)
    w_n3 = 1.0 - w_dyn - w_n4
    sent = [0.0]

    def step(k):
        sent[0] += k
        if progress is not None:
            progress(k)
    unsup = np.full(len(rules), 1, np.int8)
    clamp = np.full(len(rules), 1, np.int8)
    for start in range(0, len(live), _DYNAMICS_BATCH):
        # each rule's labels depend on that rule alone: batching changes nothing but the bar
        part, at = live[start:start + _DYNAMICS_BATCH], idx[start:start + _DYNAMICS_BATCH]
        unsup[at] = dynamics_labels(part, False, seed)
        clamp[at] = dynamics_labels(part, True, seed)
        step(w_dyn * len(part))
    step(w_dyn * (len(rules) - len(live)))
    rows = []
    for u, r in enumerate(rules):
        raw = rule_from_vector(coefs[first[u]], monos, "raw")
        if r is None:  # every term cancels on the gate (e.g. 1 - x^2): the weights never move
            sh, dp = 0, 0
            unsup[u] = clamp[u] = 0
        else:
            sh = shallow_census("all", 3, r.clamped(), protocol=protocol).learnable
            dp = deep_census("all", 3, rule=r.clamped(), hidden_rule=r, protocol=protocol).learnable
        rows.append({
            "rule": _poly(raw),
            "on_gates": _poly(r),
            "raw_rules": int(counts[u]),
            "degree": raw.apparent_degree if raw else 0,
            "unsupervised": DYNAMICS[unsup[u]],
            "clamped": DYNAMICS[clamp[u]],
            "shallow_n3": int(sh),
            "all_threshold_n3": sh == 104,
            "deep_n3": int(dp),
            "shallow_n4": None,
            "_vec": reduced[u],
        })
        step(w_n3)
    if n4:
        # the n = 4 census, for the rules that learn every threshold function of 3 inputs
        todo = [u for u, r in enumerate(rules) if r is not None and rows[u]["shallow_n3"] == 104]
        for u in todo:
            rows[u]["shallow_n4"] = shallow_census("all", 4, rules[u].clamped(), protocol=protocol).learnable
            step(w_n4 * len(rules) / len(todo))
        if not todo:
            step(w_n4 * len(rules))
    if sent[0] != len(rules):
        step(len(rules) - sent[0])  # rounding: the calls add up to the rules exactly
    rows.sort(key=lambda r: (-r["shallow_n3"], -r["deep_n3"], DYNAMICS.index(r["unsupervised"]),
                             DYNAMICS.index(r["clamped"]), r["rule"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    refs = []
    for label, un, sup in _reference_rules():
        vec = None if un is None else _reduce_one(un, red_monos)
        hit = None if vec is None else next((r for r in rows if np.array_equal(r["_vec"], vec)), None)
        if un is None:
            sh = shallow_census("all", 3, sup, protocol=protocol).learnable
            dp = deep_census("all", 3, rule=sup, hidden_rule="none", protocol=protocol).learnable
            refs.append({"name": label, "formula": sup.formula(), "rank": None, "shallow_n3": sh,
                         "deep_n3": dp, "note": "supervised (reads O and T): outside the space; deep_n3 with "
                                                "fixed random hidden weights"})
        else:
            same = None if vec is None else rule_from_vector(vec, red_monos, label)
            refs.append({"name": label, "formula": un.formula(),
                         "on_gates": None if vec is None else _poly(same),
                         "rank": None if hit is None else hit["rank"],
                         "of": len(rows),
                         **({k: hit[k] for k in ("shallow_n3", "deep_n3", "unsupervised", "clamped")} if hit
                            else {"note": "outside this space (degree or coefficients)"})})
    for r in rows:
        del r["_vec"]
    w = np.array([r["raw_rules"] for r in rows], dtype=np.int64)
    conv = np.array([r["unsupervised"] == "converges" for r in rows])
    bounded = np.array([r["unsupervised"] != "diverges" for r in rows])
    allthr = np.array([r["all_threshold_n3"] for r in rows])
    cconv = np.array([r["clamped"] == "converges" for r in rows])
    summary = {
        "degree": int(degree),
        "coefficients": _check(degree, coefficients, max_terms),
        "max_terms": max_terms,
        "raw_rules": int(len(coefs)),
        "behaviours": len(rows),
        "convergent_raw": int(w[conv].sum()),
        "bounded_raw": int(w[bounded].sum()),
        "learn_all_threshold_n3_raw": int(w[allthr].sum()),
        "convergent_and_all_threshold_raw": int(w[conv & allthr].sum()),
        "convergent_behaviours": int(conv.sum()),
        "learn_all_threshold_n3_behaviours": int(allthr.sum()),
        "clamped_convergent_and_all_threshold_raw": int(w[cconv & allthr].sum()),
        "best_deep_n3": max((r["deep_n3"] for r in rows), default=0),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    return DiscoveryResult({"summary": summary, "references": refs, "top": rows[:TOP]}, rows=rows,
                           protocol=protocol)


_COLUMNS = ("rank", "rule", "on_gates", "raw_rules", "degree", "unsupervised", "clamped", "shallow_n3",
            "all_threshold_n3", "deep_n3", "shallow_n4")


def write_discovery(res, out_dir, command=None, stem=None):
    """Write the ranked table (CSV, Markdown, manifest) into `out_dir`; returns the file names."""
    s = res["summary"]
    stem = stem or f"discover_deg{s['degree']}" + (f"_terms{s['max_terms']}" if s["max_terms"] else "")
    rows = [["" if r[c] is None else r[c] for c in _COLUMNS] for r in res.rows]
    refs = "\n".join(
        f"- **{r['name']}** `{r['formula']}`: "
        + (f"rank {r['rank']} of {r['of']} (acts on gates as `{r['on_gates']}`), " if r.get("rank") else "")
        + ", ".join(f"{k} {r[k]}" for k in ("shallow_n3", "deep_n3", "unsupervised", "clamped") if k in r)
        + (f" ({r['note']})" if "note" in r else "")
        for r in res["references"])
    intro = (
        f"Every unsupervised polynomial rule F(O, x, w) of degree <= {s['degree']} with coefficients in "
        f"{s['coefficients']}" + (f" and at most {s['max_terms']} terms" if s["max_terms"] else "")
        + f", up to a positive factor: {s['raw_rules']:,} rules, acting on +-1 gates as {s['behaviours']:,} "
        "distinct rules (O^2 = x^2 = 1; `raw_rules` counts the rules of each row, `rule` is the simplest).\n"
        "`unsupervised`/`clamped`: full-batch dynamics on the n = 3 cube (clamped to majority); "
        "`shallow_n3`: functions of 3 inputs one gate learns with the clamped rule (104 = every threshold "
        "function); `deep_n3`: the same for a 4-hidden-unit net, rule unsupervised below and clamped on "
        "top. See `gates/studies/discover.py` and the manifest for the exact protocol.\n\n"
        f"Sparsity: {s['convergent_raw']:,} of {s['raw_rules']:,} rules converge, "
        f"{s['learn_all_threshold_n3_raw']:,} learn every threshold function of 3 inputs, "
        f"{s['convergent_and_all_threshold_raw']:,} do both.\n\nWhere the named rules sit:\n\n{refs}"
    )
    proto = {
        "space": {k: s[k] for k in ("degree", "coefficients", "max_terms")},
        "variables": "O (postsynaptic), x (presynaptic), w; clamped form O -> T",
        "reduction": "+-1 gates: O^2 = x^2 = 1; measurements per distinct reduced rule",
        "dynamics": {"data": "n = 3 cube, +-1, bias", "update": "full batch (mean over the 8 inputs)",
                     "eta": DYNAMICS_ETA, "epochs": DYNAMICS_EPOCHS, "starts": f"{DYNAMICS_STARTS} x N(0, 1), SeedSequence([seed, 7])",
                     "clamped_target": "majority of 3",
                     "diverges": f"norm > {_DIVERGE:g} or not finite, or last norm > 1.5 x mid-run norm and > 10",
                     "converges": f"every start ends with max step <= {_STEP_TOL:g} (1 + |w|)"},
        "census": {"training": res.protocol.to_dict(), "shallow": "one gate, clamped rule, all functions",
                   "deep": "h = 4, hidden-first, rule unsupervised in the hidden layer, clamped on top"},
    }
    return write_table(out_dir, stem, list(_COLUMNS), rows, "Rule discovery: every small polynomial local rule",
                       intro, "rule-discovery", proto, command=command, seed=res.protocol.seed,
                       results={"summary": s, "references": res["references"]}, md_rows=rows[:MD_ROWS],
                       md_note=f"The {min(MD_ROWS, len(rows))} best of {len(rows):,} (all of them in `{stem}.csv`):")

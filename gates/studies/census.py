"""The shallow learnability census: which functions one threshold gate learns.

:func:`shallow_census` is the single implementation behind ``gates learn
--layers 1``, the shallow tables of ``gates tables`` and the tests.

Reductions (each named in the result's ``reduction`` field):

* ``threshold-only`` (default): a gate that learns a target computes it
  with a strict margin, so the target is a threshold function; every other
  function is recorded as not learnable without training. ``exhaustive=True``
  trains every function of the family instead (the tests show both agree).
* ``threshold NP classes`` / ``NPN classes``: with +-1 coding (and, when
  simulating, shuffled presentation and a symmetric initial distribution,
  which every init choice here is, and a rule odd under the negations:
  every named rule is, a polynomial may not and is then refused) the
  outcome is a function of the class,
  exactly in exact mode and in distribution when simulating. The census then
  runs on one positive ordered representative per class, weighted by its
  orbit size.

Rules: a name is resolved for the protocol's coding (with 0/1 coding the
image of its +-1 formula under x' = 2x - 1, or the +-1 formula literally
when ``protocol.recode`` is False; :func:`gates.learning.rules.get_rule`); a
polynomial runs as written, or clamped with ``form="clamped"``
(:func:`resolve_rule`). The handling is recorded in the rule's and the
protocol's dictionaries.

Modes: ``simulate`` trains with the protocol; ``exact`` decides from the
asymptotic direction of clamped Hebb and Oja, c = sum_k T_k x~_k (the
paper's canonical-form theorem), from w = sign(c) for ``hebb-tanh``, and
from the perceptron convergence theorem for ``gradient`` (learnable iff
threshold, certified by :mod:`gates.boolean.threshold`). With 0/1 coding c is
summed in the coding the weights move in (:func:`exact_coding`): a recoded
rule moves them as the +-1 rule does, c = sum_k T'_k x'~_k on the +-1 cube,
and the gate reads its 0/1 inputs, whose activation is the mean of the
+-1 gate's at x and at the all-ones input; the literal rule sums c with
T = 1/0 over the 0/1 inputs.
"""

import os
import time
from dataclasses import dataclass, field, replace

import numba
import numpy as np

from gates.boolean import threshold_classes
from gates.boolean.threshold import threshold_mask
from gates.errors import InputError
from gates.boolean.symmetry import random_members
from gates.estimate import Estimate, seed_mean, stratified_total
from gates.boolean.families import check_family, list_functions, monotone_functions
from gates.learning.protocol import Protocol, _exact_many_coded, _simulate_many
from gates.learning.rules import FORMS, Rule, get_rule, parse_poly
from gates.io.storage import manifest, write_json, write_npy, write_text
from gates.boolean.truth import check_n, is_monotone, support, to_hex

__all__ = [
    "CensusResult",
    "SeedRuns",
    "QUANTITIES",
    "MEMBERS",
    "shallow_census",
    "stratify",
    "check_seeds",
    "CensusRows",
    "census_rows",
    "shallow_successes",
    "census_result",
    "resolve_rule",
    "exact_coding",
    "check_reduction",
    "MODES",
    "write_census",
]

MODES = ("simulate", "exact")
QUANTITIES = ("learnable", "robust", "expected_per_restart")
MEMBERS = 2
"""Default members drawn per class by stratified sampling (2: the least that gives a variance)."""
_SAMPLE_TAG = 0x57A7  # member draws of seed s: SeedSequence([s, _SAMPLE_TAG]), apart from the training draws
EXACT_RULES = ("hebb", "oja", "hebb-tanh", "gradient")
LIST_MAX_N = {"all": 4, "monotone": 6, "threshold": 6}


def resolve_rule(rule, form=None, poly=None, saturate=False, protocol=None):
    """A :class:`Rule` from a name and form, or from a polynomial string.

    Parameters
    ----------
    rule : str or Rule
        A name (resolved for the protocol's coding by
        :meth:`gates.learning.protocol.Protocol.named_rule`: recoded from +-1 with 0/1
        coding unless ``protocol.recode`` is False), or a Rule used as given.
    form : {None, "clamped", "unsupervised"}
        None: clamped for a named rule, a polynomial as written (it is
        supervised when it reads T). ``clamped`` replaces O by T in a
        polynomial too; ``unsupervised`` keeps a polynomial that reads no T.
    poly : str, optional
        A polynomial (:func:`gates.learning.rules.parse_poly`) instead of `rule`; always
        as written in the protocol's coding (never recoded).
    protocol : Protocol, optional

    Raises
    ------
    InputError
        An unknown form; a polynomial that clamping cannot make supervised (no
        O and no T) or whose terms cancel when clamped; ``unsupervised`` asked
        of a polynomial that reads T.
    """
    if form is not None and form not in FORMS:
        raise InputError(f"rule form {form!r} is unknown: allowed {', '.join(FORMS)}")
    if isinstance(rule, Rule) and poly is None:
        return rule
    if poly is not None:
        r = parse_poly(poly, name="poly", saturate=saturate)
        if form == "clamped":
            if not (r.uses_output or r.uses_target):
                raise InputError(f"the clamped form needs O or T in the polynomial: {poly!r} reads neither, so "
                                 "clamping (O -> T) cannot make it supervised")
            return r.clamped()
        if form == "unsupervised" and r.uses_target:
            raise InputError(f"the polynomial {poly!r} reads the target T, so it cannot run unsupervised")
        return r
    protocol = Protocol() if protocol is None else protocol
    return protocol.named_rule(rule, "clamped" if form is None else form)


def exact_coding(rule, protocol):
    """How exact mode decides `rule` under `protocol`, or None when it cannot.

    Returns ``"threshold"`` for the gradient rule (perceptron convergence:
    learnable iff threshold), else the coding (``"pm1"`` or ``"01"``) in
    which the clamped hebb / oja / hebb-tanh weights move: their direction
    tends to c = sum_k T_k x~_k with T and x~ in that coding, and the gate
    reads its own inputs. A recoded rule on 0/1 activities moves as on the
    +-1 cube (``"pm1"``); the literal one in 0/1 (``"01"``). Decided on the
    rule's terms, so a Rule given by hand is recognised by what it computes.
    """
    def same(a, b):
        return tuple(a.terms) == tuple(b.terms) and a.saturate == b.saturate

    if rule.name not in EXACT_RULES:
        return None
    if rule.name == "gradient":
        return "threshold" if same(rule, get_rule("gradient")) else None
    for recoded, coding in ((True, "pm1"), (False, protocol.encoding)):
        if same(rule, get_rule(rule.name, "clamped", protocol.encoding, recoded)):
            return coding
    return None


@dataclass
class CensusResult:
    """Outcome of a census; ``learnable`` counts functions of the family
    (orbit sizes included when classes were used)."""

    family: str
    n: int
    rule: Rule
    mode: str
    protocol: Protocol
    reduction: str
    functions: int
    threshold: int
    learnable: int
    tables: np.ndarray
    weights: np.ndarray
    successes: np.ndarray
    is_threshold: np.ndarray
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)
    net: object = None  # the two-layer architecture (gates.learning.two_layer.DeepNet); None for one gate
    members: int = 0  # stratified sampling: rows are `members` random draws per class; 0: every row counted

    @property
    def trials(self):
        """K for the per-restart quantities: the restarts, or 1 for the one-gate exact verdict."""
        return 1 if (self.mode == "exact" and self.net is None) else self.protocol.restarts

    @property
    def exact(self):
        """True when the counts are proven values (exact mode), not a simulation's draw."""
        return self.mode == "exact" and not self.members

    @property
    def success_fraction(self):
        return self.successes / self.trials

    def quantities(self):
        """learnable (s_f >= 1), robust (s_f = K), expected_per_restart (sum s_f / K), as Estimates.

        Weighted by orbit sizes; with stratified sampling, estimates of this
        seed's exhaustive counts with their standard errors.
        """
        k, s = self.trials, self.successes
        ys = dict(zip(QUANTITIES, (s > 0, s >= k, s / k)))
        if self.net is not None:  # one gate never learns a non-threshold function
            ys["non_threshold"] = (s > 0) & ~self.is_threshold
        if self.members:
            m = self.members
            sizes = self.weights[::m]
            bounds = (0, self.functions) if self.functions else None
            return {q: stratified_total(sizes, y.reshape(-1, m), bounds=bounds) for q, y in ys.items()}
        w = self.weights
        out = {}
        for q, y in ys.items():
            v = (w * y).sum()
            out[q] = Estimate(float(v) if q == "expected_per_restart" else int(v),
                              method="every row evaluated" if not self.exact else "exact")
        return out

    def summary(self):
        w = self.weights.astype(np.float64)
        frac = self.success_fraction
        learnt = self.successes > 0
        out = {
            "family": self.family,
            "n": self.n,
            "layers": 1 if self.net is None else 2,
            "rule": self.rule.to_dict(),
            **({} if self.net is None else {"net": self.net.to_dict(self.protocol)}),
            "mode": self.mode,
            "reduction": self.reduction,
            "functions": self.functions,
            "threshold": self.threshold,
            "evaluated_rows": int(self.tables.shape[0]),
            "exact": self.exact,
        }
        qs = self.quantities()
        for q, e in qs.items():
            out.update(e.to_dict(q) if self.members else {q: e.value})
        out["estimator"] = qs["learnable"].method
        out["seed"] = self.protocol.seed
        if self.mode == "simulate":
            out["mean_success_fraction_learnable"] = (
                float((frac * w)[learnt].sum() / w[learnt].sum()) if learnt.any() else 0.0
            )
        out["protocol"] = self.protocol.to_dict() if self.mode == "simulate" or self.net is not None else {
            "encoding": self.protocol.encoding,
            "encoding_handling": self.protocol.encoding_handling,
            "recode": self.protocol.recode,
            "bias": self.protocol.bias,
            "criterion": "asymptotic direction, strict: T~ (w . x~) > 0 on every input",
        }
        out["seconds"] = round(self.seconds, 4)
        out.update(self.extra)
        return out


def _members(family, n, exhaustive):
    """Rows to evaluate (tables, orbit weights) and the family size / threshold count."""
    if exhaustive:
        top = LIST_MAX_N[family]
        n = check_n(n, 0, top, f"an exhaustive {family} census (lists every function)")
        tables = list_functions(family, n)
        thr = threshold_mask(tables, n)
        return tables, np.ones(len(tables), np.int64), thr, len(tables), int(thr.sum())
    n = check_n(n, 0, 6, f"the threshold-only {family} census (lists the threshold functions)")
    tables = threshold_classes.threshold_functions(n)[0]
    if family == "monotone":
        tables = tables[is_monotone(tables, n)]
        size = int(monotone_functions(n).shape[0])
    elif family == "all":
        size = 1 << (1 << n)
    else:
        size = int(tables.shape[0])
    return tables, np.ones(len(tables), np.int64), np.ones(len(tables), bool), size, int(tables.shape[0])


def shallow_census(
    family,
    n,
    rule="hebb",
    form=None,
    mode="simulate",
    protocol=None,
    classes=None,
    exhaustive=False,
    workers=None,
    poly=None,
    seeds=None,
    members=MEMBERS,
):
    """Count the functions of a family that one threshold gate learns.

    Parameters
    ----------
    family : {"all", "monotone", "threshold"}
    n : int
    rule : str or Rule
        ``hebb``, ``oja``, ``gradient``, ``hebb-tanh``, or a Rule (used as
        given). A name is resolved for the protocol's coding: with 0/1 coding
        it is recoded from its +-1 formula unless ``protocol.recode`` is False
        (see :func:`resolve_rule`).
    form : {None, "clamped", "unsupervised"}
        None (default): clamped for a named rule, a polynomial as written.
    mode : {"simulate", "exact"}
    protocol : Protocol, optional
    classes : {None, "p", "np", "npn"}
        Run on threshold class representatives weighted by orbit size: NP or
        NPN classes for all / threshold, P classes for monotone.
    exhaustive : bool
        Train every function of the family (n <= 4 for all).
    workers : int, optional
        Threads (default: all cores); results do not depend on it.
    poly : str, optional
        A polynomial rule (see :func:`gates.learning.rules.parse_poly`) instead of `rule`.
    seeds : int, optional
        Run S independent root seeds (protocol.seed, + 1, ...) and return a
        :class:`SeedRuns`; the rows are listed once.
    members : int
        Random members per class when simulating over classes (stratified
        sampling, default 2).

    Returns
    -------
    CensusResult, or SeedRuns with `seeds`

    Examples
    --------
    >>> from gates.studies.census import shallow_census
    >>> shallow_census("all", 3, "gradient", mode="exact").learnable
    104
    """
    t0 = time.perf_counter()
    protocol = Protocol() if protocol is None else protocol
    rows = census_rows(family, n, rule, form, mode, protocol, classes, exhaustive, poly)
    prev_threads = numba.get_num_threads()
    if workers is not None:
        if not isinstance(workers, int) or workers < 1:
            raise InputError(f"workers must be a positive integer, got {workers!r}")
        numba.set_num_threads(min(workers, numba.config.NUMBA_NUM_THREADS))
    runs = []
    try:
        for seed in range(protocol.seed, protocol.seed + (1 if seeds is None else check_seeds(seeds))):
            proto = protocol.with_seed(seed)
            sub = stratify(rows, seed, members) if mode == "simulate" else rows
            successes, status = shallow_successes(sub.tables, sub.n, sub.rule, proto, mode, sub.is_threshold)
            runs.append(census_result(sub, mode, proto, successes, status, time.perf_counter() - t0))
            t0 = time.perf_counter()
    finally:
        numba.set_num_threads(prev_threads)
    return runs[0] if seeds is None else SeedRuns(runs)


@dataclass
class CensusRows:
    """What a census evaluates: rows (functions or class representatives) with orbit weights."""

    family: str
    n: int
    rule: Rule
    reduction: str
    functions: int
    threshold: int
    tables: np.ndarray
    weights: np.ndarray
    is_threshold: np.ndarray
    group: str = None  # rows are class representatives of this group (p, np, npn); None: functions
    members: int = 0  # after stratify(): random members per class


def stratify(rows, seed, members=MEMBERS):
    """Replace class representatives by `members` uniformly random members of each class.

    The draws come from ``SeedSequence([seed, tag])``, independent across
    classes and seeds; each member carries its class's orbit size, and the
    census estimates the exhaustive count from them by stratified sampling
    (:func:`gates.estimate.stratified_total`). Rows that are not classes
    are returned unchanged.
    """
    if rows.group is None:
        return rows
    if isinstance(members, bool) or not isinstance(members, (int, np.integer)) or members < 2:
        raise InputError(f"members per class must be an integer >= 2 (a class variance needs two draws), "
                         f"got {members!r}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), _SAMPLE_TAG]))
    tables = random_members(rows.tables, rows.n, rows.group, int(members), rng).reshape(-1, rows.tables.shape[1])
    reduction = (f"stratified sampling of {rows.group.upper()} classes: {members} uniform random members per "
                 f"class, weight orbit size / {members}")
    return replace(rows, tables=tables, weights=np.repeat(rows.weights, members),
                   is_threshold=np.repeat(rows.is_threshold, members), members=int(members), reduction=reduction)


def check_seeds(seeds):
    """Validate a number of seeds S >= 1."""
    if isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer)) or seeds < 1:
        raise InputError(f"seeds must be an integer >= 1 (independent seeds to run), got {seeds!r}")
    return int(seeds)


@dataclass
class SeedRuns:
    """One census repeated over S independent root seeds (seed, seed + 1, ...)."""

    results: list

    def summary(self):
        """The first seed's summary, with each quantity replaced by its mean over the seeds, its
        standard error and 95% t interval (``learnable``, ``learnable_se``, ``learnable_ci``, ...),
        and ``seeds``: each seed's values."""
        first = self.results[0]
        out = first.summary()
        per = []
        for r in self.results:
            row = {"seed": r.protocol.seed}
            for q, e in r.quantities().items():
                row.update(e.to_dict(q) if r.members else {q: e.value})
            per.append(row)
        if len(self.results) == 1:
            out["seeds"] = per
            return out
        for q in per[0]:
            if q == "seed" or q.endswith(("_se", "_ci")):
                continue
            within = [p.get(f"{q}_ci") for p in per]
            within = None if any(w is None for w in within) else within
            e = seed_mean([p[q] for p in per], bounds=(0, first.functions) if first.functions else None,
                          within=within)
            out.update(e.to_dict(q))
        if "features_mean" in first.extra:
            out.update(seed_mean([r.extra["features_mean"] for r in self.results],
                                 bounds=(1, 1 << first.n)).to_dict("features_mean"))
        out["estimator"] = f"{e.method}; per seed: {first.quantities()['learnable'].method}"
        out["exact"] = False
        out["seeds"] = per
        out["seconds"] = round(sum(r.seconds for r in self.results), 4)
        if "ties" in first.extra:
            out["ties"] = float(np.mean([r.extra["ties"] for r in self.results]))
        return out


def census_rows(family, n, rule="hebb", form=None, mode="simulate", protocol=None, classes=None,
                exhaustive=False, poly=None):
    """Validate a shallow census and list its rows (the first half of :func:`shallow_census`).

    Batch jobs split ``tables`` into chunks, evaluate each with
    :func:`shallow_successes` and join them with :func:`census_result`.
    """
    family = check_family(family)
    if mode not in MODES:
        raise InputError(f"mode {mode!r} is unknown: allowed {', '.join(MODES)}")
    protocol = Protocol() if protocol is None else protocol
    r = resolve_rule(rule, form, poly, protocol=protocol)
    if mode == "exact" and (poly is not None or exact_coding(r, protocol) is None):
        raise InputError(
            "exact mode covers the clamped hebb, oja, hebb-tanh and gradient rules; use --mode simulate"
        )
    if classes in (None, "none"):
        tables, weights, is_thr, size, thr_count = _members(family, n, exhaustive)
        reduction = "none (exhaustive)" if exhaustive else "threshold-only"
    else:
        if classes not in ("p", "np", "npn"):
            raise InputError(f"classes {classes!r} are unknown for a census: allowed none, p, np, npn")
        if exhaustive:
            raise InputError("--exhaustive trains every function; it cannot be combined with --classes")
        if (family == "monotone") != (classes == "p"):
            raise InputError(
                "monotone functions are reduced by P classes (--classes p), the other families by NP "
                "or NPN classes: negating an input leaves the monotone family"
            )
        check_reduction(r, classes, protocol, mode)
        n = check_n(n, 0, threshold_classes.CLASSES_MAX_N, "a census over threshold classes")
        cls = threshold_classes.npn_classes(n) if classes == "npn" else threshold_classes.np_classes(n)
        tables, weights = cls.tables, cls.orbit_sizes
        if classes == "p":
            # positive ordered reps are the P classes of the positive (monotone)
            # threshold functions; their P orbit drops the 2^(essential) negations
            weights = weights >> np.array([int(s).bit_count() for s in support(tables, n)], dtype=np.int64)
        is_thr = np.ones(len(tables), bool)
        thr_count = int(weights.sum())
        size = {"all": 1 << (1 << n), "threshold": thr_count}.get(family)
        if family == "monotone":
            size = int(monotone_functions(n).shape[0]) if n <= 6 else None
        reduction = f"threshold {classes.upper()} classes (positive ordered reps x orbit size)"
    return CensusRows(family, int(n), r, reduction, size, thr_count, np.ascontiguousarray(tables), weights, is_thr,
                      group=None if classes in (None, "none") else classes)


def shallow_successes(tables, n, rule, protocol, mode="simulate", is_threshold=None):
    """Restarts (simulate) or asymptotic verdicts (exact) of one gate on each table.

    Returns (successes, status): ``status`` is the exact mode's per-row
    verdict (1 learnt, 0 tie, -1 not), None when simulating. A row's
    result depends only on the row, the rule and the protocol, so any
    split of the rows gives the same results.
    """
    tables = np.ascontiguousarray(tables)
    x = protocol.inputs(n)
    pm1 = protocol.encoding == "pm1"
    successes = np.zeros(len(tables), dtype=np.int64)
    status = None
    coding = exact_coding(rule, protocol) if mode == "exact" else None
    if mode == "exact" and coding is None:
        raise InputError(f"exact mode cannot decide the rule {rule.formula()} under {protocol.encoding} coding; "
                         "use --mode simulate")
    if coding == "threshold":
        # perceptron convergence theorem: learnable iff threshold (certified)
        successes[:] = threshold_mask(tables, n) if is_threshold is None else is_threshold
    elif mode == "exact":
        status = np.empty(len(tables), dtype=np.int8)
        # c in the coding the weights move in (+-1 for a recoded rule), margins on the gate's inputs
        xc = replace(protocol, encoding=coding).inputs(n)
        _exact_many_coded(tables, xc, coding == "pm1", x, rule.saturate, status)
        successes[:] = status == 1
    else:
        init, orders = protocol.draws(x.shape[1], x.shape[0])
        _simulate_many(
            tables, x, pm1, protocol.rule_table(rule), rule.saturate, rule.uses_output, rule.uses_weight,
            init, orders, protocol.etas(), protocol.criterion == "any-epoch", protocol.tolerance, successes,
        )
    return successes, status


def census_result(rows, mode, protocol, successes, status=None, seconds=0.0):
    """The :class:`CensusResult` of rows and their successes (the last step of a census)."""
    is_thr = rows.is_threshold
    if np.any((successes > 0) & ~is_thr):  # pragma: no cover - impossible for one gate
        raise RuntimeError("internal error: a non-threshold function was counted as learnt")
    extra = {}
    if status is not None:
        # zero asymptotic margin: a simulation decides these by its initial weights. A tie that is
        # not a threshold function is never learnt (no gate computes it), and the threshold-only
        # reduction cannot see it: count the threshold ties only, whatever the reduction
        extra["ties"] = int(rows.weights[(status == 0) & is_thr].sum())
        if rows.members:
            extra["ties"] = float(rows.weights[(status == 0) & is_thr].sum()) / rows.members
    res = CensusResult(
        rows.family, rows.n, rows.rule, mode, protocol, rows.reduction, rows.functions, rows.threshold, 0,
        rows.tables, rows.weights, successes, is_thr, seconds, extra, members=rows.members,
    )
    res.learnable = res.quantities()["learnable"].value
    return res


def check_reduction(rule, classes, protocol, mode="simulate", output=True):
    """Refuse a class reduction that the protocol or the rule would break.

    `output` is False for a hidden layer, which never sees the target: only
    the input symmetries (P, NP) then constrain its rule.
    """
    r = rule
    if classes is None:
        return
    if not protocol.symmetric and not (classes == "p" and protocol.presentation == "shuffled"):
        raise InputError(
            "class reduction needs an invariant protocol: shuffled presentation, and pm1 coding for np/npn"
        )
    # Negating input i maps (x_i, w_i) to (-x_i, -w_i); the dynamics follow
    # only if every term c O^a x^b w^c T^d is odd in (x, w). Negating the
    # output maps (O, w, T) to -(O, w, T): every term must be odd in
    # (O, w, T), and the gate's tie O = off at w . x~ = 0 is not odd, which
    # matters when training starts from w = 0.
    if classes in ("np", "npn") and any((t[2] + t[3]) % 2 == 0 for t in r.terms):
        raise InputError(
            f"rule {r.formula()!r} is not odd in (x, w), so negating an input changes its "
            "dynamics: use --classes none (or p for monotone)"
        )
    if output and classes == "npn" and any((t[1] + t[3] + t[4]) % 2 == 0 for t in r.terms):
        raise InputError(
            f"rule {r.formula()!r} is not odd in (O, w, T), so negating the output changes its "
            "dynamics: use --classes np"
        )
    if (output and classes == "npn" and mode == "simulate" and r.uses_output
            and (protocol.init == "zeros" or protocol.init_scale == 0)):
        raise InputError(
            "NPN classes with a rule that reads O need a random initial weight: from w = 0 the "
            "tie O = off at w . x~ = 0 breaks output negation; use --classes np"
        )


def _write_rows(res, out_dir, stem):
    """One census's rows as CSV (up to 2^20 rows) or a structured .npy; returns the file name."""
    rows = res.tables.shape[0]
    frac = res.success_fraction
    stratum = (np.arange(rows) // res.members) if res.members else None
    if rows <= 1 << 20:
        name = f"{stem}.csv"
        hexes = to_hex(res.tables, res.n)
        lines = ["table,orbit_size,threshold,restarts_learnt,learnt,success_fraction" + (",class" if res.members else "")]
        for i, (h, w, t, s, f) in enumerate(zip(hexes, res.weights.tolist(), res.is_threshold.tolist(),
                                                res.successes.tolist(), frac.tolist())):
            lines.append(f"{h},{w},{int(t)},{s},{int(s > 0)},{f:.6g}" + (f",{stratum[i]}" if res.members else ""))
        write_text(os.path.join(out_dir, name), "\n".join(lines) + "\n")
        return name
    name = f"{stem}.npy"
    fields = [("table", "<u8", (res.tables.shape[1],)), ("orbit_size", "<i8"), ("threshold", "?"),
              ("restarts_learnt", "<i8"), ("learnt", "?"), ("success_fraction", "<f8")]
    arr = np.empty(rows, dtype=fields + ([("class", "<i8")] if res.members else []))
    arr["table"], arr["orbit_size"], arr["threshold"] = res.tables, res.weights, res.is_threshold
    arr["restarts_learnt"], arr["learnt"], arr["success_fraction"] = res.successes, res.successes > 0, frac
    if res.members:
        arr["class"] = stratum
    write_npy(os.path.join(out_dir, name), arr)
    return name


def write_census(res, out_dir, command=None):
    """Write per-row results and the summary into `out_dir`, atomically.

    `res` is a :class:`CensusResult` or a :class:`SeedRuns`. ``census.csv``
    (``census-seed<S>.csv`` per seed when there are several; ``.npy``, a
    structured array, past 2^20 rows) holds one row per evaluated function
    or sampled class member: table, orbit_size, threshold, restarts_learnt
    (s_f), learnt, success_fraction (and the class index when sampled).
    ``census.manifest.json`` holds the summary (every quantity, per seed and
    with its interval), the protocol and the command. Returns the file names.
    """
    runs = res.results if isinstance(res, SeedRuns) else [res]
    first = runs[0]
    names = [_write_rows(r, out_dir, "census" if len(runs) == 1 else f"census-seed{r.protocol.seed}") for r in runs]
    summary = res.summary()
    note = None
    if first.reduction == "threshold-only":
        note = "functions not listed are not threshold functions: no single gate computes them"
    seed = first.protocol.seed if first.mode == "simulate" or first.net is not None else None
    meta = manifest("shallow-census" if first.net is None else "deep-census", summary.pop("protocol"), names,
                    seed=seed, command=command, results={**summary, **({"note": note} if note else {})})
    meta["rule"] = first.rule.to_dict()
    write_json(os.path.join(out_dir, "census.manifest.json"), meta)
    return names + ["census.manifest.json"]

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

import time
from dataclasses import replace

import numpy as np

from gates._threads import numba_threads
from gates._validate import check_int
from gates.boolean.threshold import threshold_mask
from gates.boolean.threshold_classes import CLASSES_MAX_N, np_classes, npn_classes, threshold_functions
from gates.errors import InputError
from gates.boolean.families import check_family, list_functions, monotone_functions
from gates.learning.gate import exact_many_coded, progress_chunks
from gates.learning.lockstep import learnt_matrix
from gates.learning.protocol import Protocol
from gates.learning.rules import FORMS, Rule, get_rule, parse_poly
from gates.boolean.truth import check_n
from gates.boolean.properties import is_monotone, support
from gates.studies.census_results import MEMBERS, CensusResult, CensusRows, SeedRuns, check_seeds, stratify

__all__ = [
    "shallow_census",
    "census_rows",
    "census_units",
    "shallow_successes",
    "census_result",
    "resolve_rule",
    "exact_coding",
    "check_reduction",
    "CENSUS_MODES",
]

CENSUS_MODES = ("simulate", "exact")
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


def _members(family, n, exhaustive):
    """Rows to evaluate (tables, orbit weights) and the family size / threshold count."""
    if exhaustive:
        top = LIST_MAX_N[family]
        n = check_n(n, 0, top, f"an exhaustive {family} census (lists every function)")
        tables = list_functions(family, n)
        thr = threshold_mask(tables, n)
        return tables, np.ones(len(tables), np.int64), thr, len(tables), int(thr.sum())
    n = check_n(n, 0, 6, f"the threshold-only {family} census (lists the threshold functions)")
    tables = threshold_functions(n)[0]
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
    progress=None,
):
    """Count the functions of a family that one threshold gate learns (Baldi & Sadowski 2016, section 2).

    The single implementation behind ``gates learn --layers 1``, the one-gate
    rows of ``gates tables`` and the batch jobs.

    Parameters
    ----------
    family : {"all", "monotone", "threshold"}
        Which functions of `n` inputs to count over.
    n : int
        Number of inputs: n <= 6 by default (threshold-only), n <= 4 for an
        exhaustive census of all functions (6 for monotone and threshold),
        n <= 8 over classes.
    rule : str or Rule, default "hebb"
        ``hebb``, ``oja``, ``gradient``, ``hebb-tanh``, or a Rule (used as
        given). A name is resolved for the protocol's coding: with 0/1 coding
        it is recoded from its +-1 formula unless ``protocol.recode`` is False
        (see :func:`resolve_rule`).
    form : {None, "clamped", "unsupervised"}, default None
        None: clamped for a named rule, a polynomial as written.
    mode : {"simulate", "exact"}, default "simulate"
        ``simulate`` trains with the protocol; ``exact`` decides from the
        asymptotic direction (clamped hebb, oja, hebb-tanh) or the perceptron
        convergence theorem (gradient), see the module doc.
    protocol : Protocol, optional
        Coding, initialisation, presentation, epochs, restarts K, seed;
        default ``Protocol()``.
    classes : {None, "none", "p", "np", "npn"}, default None
        Run on threshold class representatives weighted by orbit size: NP or
        NPN classes for all / threshold, P classes for monotone; when
        simulating, `members` random members of each class (stratified sampling).
    exhaustive : bool, default False
        Train every function of the family, not only the threshold ones.
    workers : int, optional
        Threads (default: all cores); results do not depend on it.
    poly : str, optional
        A polynomial rule (see :func:`gates.learning.rules.parse_poly`) instead of `rule`.
    seeds : int, optional
        Run S independent root seeds (protocol.seed, + 1, ...) and return a
        :class:`SeedRuns`; the rows are listed once.
    members : int, default 2
        Random members per class when simulating over classes.
    progress : callable, optional
        Called as ``progress(rows)`` as the rows are evaluated (chunks of about
        half a second); the calls sum to :func:`census_units` of the same
        arguments.

    Returns
    -------
    CensusResult or SeedRuns
        A :class:`CensusResult` (a :class:`SeedRuns` with `seeds`):
        ``learnable``, ``tables``, ``weights`` (orbit sizes), ``successes``
        (restarts that learn each row), ``quantities()``; ``to_dict()`` is what
        ``gates learn --json`` prints (keys family, n, layers, rule, mode,
        reduction, functions, threshold, evaluated_rows, exact, learnable,
        robust, expected_per_restart, estimator, seed, protocol, seconds, ...)
        and ``summary()`` the text it prints without ``--json``.

    Raises
    ------
    InputError
        An unknown family, mode, rule, form or class group; n out of range; a
        class reduction the rule or protocol would break (:func:`check_reduction`);
        exact mode asked of a rule it cannot decide.

    Examples
    --------
    >>> from gates.studies.census import shallow_census
    >>> shallow_census("all", 2, "gradient", mode="exact").learnable   # the 14 threshold functions of 2 inputs
    14
    >>> res = shallow_census("all", 3, "gradient", mode="exact")       # 104 of 256 (OEIS A000609)
    >>> res.learnable, res.functions, res.to_dict()["exact"]
    (104, 256, True)
    >>> print(res.summary().splitlines()[2])
      learnable                          104  (exact)
    """
    t0 = time.perf_counter()
    protocol = Protocol() if protocol is None else protocol
    rows = _rows(family, n, rule, form, mode, protocol, classes, exhaustive, poly)
    workers = None if workers is None else check_int(workers, "workers", 1)
    runs = []
    with numba_threads(workers):
        for seed in range(protocol.seed, protocol.seed + (1 if seeds is None else check_seeds(seeds))):
            proto = protocol.with_seed(seed)
            sub = stratify(rows, seed, members) if mode == "simulate" else rows
            successes, status = shallow_successes(sub.tables, sub.n, sub.rule, proto, mode, sub.is_threshold,
                                                  progress)
            runs.append(census_result(sub, mode, proto, successes, status, time.perf_counter() - t0))
            t0 = time.perf_counter()
    return runs[0] if seeds is None else SeedRuns(runs)


_LAST_ROWS = {}  # rows listed by census_units, taken by the next shallow_census with the same arguments


def _rows(*args, keep=False, progress=None):
    """:func:`census_rows` of `args`; with `keep`, held for the next call (a named rule only), else taken."""
    key = args if isinstance(args[2], str) else None
    rows = _LAST_ROWS.pop(key, None) if key is not None else None
    _LAST_ROWS.clear()
    if rows is None:
        rows = census_rows(*args, progress=progress)
    if keep and key is not None:
        _LAST_ROWS[key] = rows
    return rows


def census_units(family, n, rule="hebb", form=None, mode="simulate", protocol=None, classes=None,
                 exhaustive=False, poly=None, seeds=None, members=MEMBERS, progress=None):
    """The work :func:`shallow_census` reports to its `progress` callable, for a bar's total.

    Rows evaluated times seeds: functions, or class members drawn (`members`
    per class when simulating over classes). The arguments are those of
    :func:`shallow_census`; the rows listed here are kept for its next call.
    `progress` follows the listing of the rows over classes (see :func:`census_rows`).

    Parameters
    ----------
    family, n, rule, form, mode, protocol, classes, exhaustive, poly, seeds, members
        As for :func:`shallow_census`.
    progress : callable, optional
        Called with increments of the listing of threshold classes (in the
        units of :func:`gates.studies.enumeration.enumeration_units`).

    Returns
    -------
    int
        The total of the increments :func:`shallow_census` will report.

    Raises
    ------
    InputError
        As :func:`shallow_census` would, before any training.

    Examples
    --------
    >>> census_units("all", 3, "gradient", mode="exact")   # the 104 threshold functions
    104
    """
    protocol = Protocol() if protocol is None else protocol
    rows = _rows(family, n, rule, form, mode, protocol, classes, exhaustive, poly, keep=True, progress=progress)
    per_seed = len(rows.tables) * (members if rows.group is not None and mode == "simulate" else 1)
    return per_seed * (1 if seeds is None else check_seeds(seeds))


def census_rows(family, n, rule="hebb", form=None, mode="simulate", protocol=None, classes=None,
                exhaustive=False, poly=None, progress=None):
    """Validate a shallow census and list its rows (the first half of :func:`shallow_census`).

    Batch jobs split ``tables`` into chunks, evaluate each with
    :func:`shallow_successes` and join them with :func:`census_result`.
    """
    family = check_family(family)
    if mode not in CENSUS_MODES:
        raise InputError(f"mode {mode!r} is unknown: allowed {', '.join(CENSUS_MODES)}")
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
        n = check_n(n, 0, CLASSES_MAX_N, "a census over threshold classes")
        cls = np_classes(n, progress=progress)  # reported as gates.studies.enumeration.enumeration_units counts
        cls = npn_classes(n) if classes == "npn" else cls
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


def shallow_successes(tables, n, rule, protocol, mode="simulate", is_threshold=None, progress=None):
    """Restarts (simulate) or asymptotic verdicts (exact) of one gate on each table.

    Returns (successes, status): ``status`` is the exact mode's per-row
    verdict (1 learnt, 0 tie, -1 not), None when simulating. A row's
    result depends only on the row, the rule and the protocol, so any
    split of the rows gives the same results: with `progress` the rows run
    in chunks of about half a second, each reported as ``progress(rows)``.
    """
    tables = np.ascontiguousarray(tables)
    x = protocol.inputs(n)
    successes = np.zeros(len(tables), dtype=np.int64)
    status = None
    coding = exact_coding(rule, protocol) if mode == "exact" else None
    if mode == "exact" and coding is None:
        raise InputError(f"exact mode cannot decide the rule {rule.formula()} under {protocol.encoding} coding; "
                         "use --mode simulate")
    if coding == "threshold":
        # perceptron convergence theorem: learnable iff threshold (certified)
        successes[:] = threshold_mask(tables, n) if is_threshold is None else is_threshold
        if progress is not None:
            progress(len(tables))
    elif mode == "exact":
        status = np.empty(len(tables), dtype=np.int8)
        # c in the coding the weights move in (+-1 for a recoded rule), margins on the gate's inputs
        xc = replace(protocol, encoding=coding).inputs(n)
        for rows in progress_chunks(len(tables), progress):
            exact_many_coded(tables[rows], xc, coding == "pm1", x, rule.saturate, status[rows])
        successes[:] = status == 1
    else:
        init, orders = protocol.draws(x.shape[1], x.shape[0])
        args = (protocol.rule_table(rule), rule, init, orders, protocol.etas(), protocol.criterion == "any-epoch",
                protocol.tolerance)
        for rows in progress_chunks(len(tables), progress, mixed=True):  # rows in a fixed mixed order
            # every target of the chunk trained in lockstep blocks on each restart's shared draws
            successes[rows] = learnt_matrix(np.ascontiguousarray(tables[rows]), x, *args).sum(axis=1)
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

"""The two-layer census: how many functions of a family the two-layer network learns (Baldi & Sadowski 2016: deep local learning).

The network, its hidden layer and its training are :mod:`gates.learning.two_layer`;
this study lists a family's rows (every function, or members of P/NP/NPN classes
with their orbit weights, as the one-gate census of :mod:`gates.studies.census`),
trains the net on them seed by seed and returns a
:class:`~gates.studies.census_results.CensusResult`. ``mode="exact"`` freezes the learnt
hidden layer and decides the output rule's asymptotic verdict for every function
at once (:mod:`gates.learning.two_layer_exact`).
"""

import time

import numpy as np

from gates.boolean.threshold import threshold_mask
from gates.boolean.threshold_classes import threshold_functions
from gates.boolean.families import check_family, classes as family_classes, count_functions, list_functions
from gates.boolean.truth import check_n
from gates.errors import InputError
from gates.learning.protocol import Protocol
from gates.learning.rules import Rule
from gates.learning.two_layer import (TOP_RULES, DeepNet, deep_train, default_hidden, features_per_restart,
                                      hidden_layer, top_rule)
from gates.studies.census import check_reduction
from gates.studies.census_results import MEMBERS, CensusResult, CensusRows, SeedRuns, check_seeds, stratify

__all__ = ["deep_census", "deep_census_units", "deep_census_rows", "deep_result", "check_exact", "exact_result", "EXACT_MAX_N"]

LIST_MAX_N = {"all": 4, "monotone": 5, "threshold": 6}
CLASS_GROUPS = {"all": ("p", "np", "npn"), "monotone": ("p",), "threshold": ("np", "npn")}


def _members(family, n, classes, progress=None):
    """Rows (tables, orbit weights), the family size and the reduction's name."""
    if classes is None:
        top = LIST_MAX_N[family]
        n = check_n(n, 1, top, f"an exhaustive two-layer {family} census (use --classes above it)")
        tables = list_functions(family, n)
        return tables, np.ones(len(tables), np.int64), len(tables), "none (exhaustive)"
    if classes not in CLASS_GROUPS[family]:
        raise InputError(f"classes {classes!r} do not reduce the {family} family: allowed "
                         f"{', '.join(CLASS_GROUPS[family])}")
    n = check_n(n, 1, {"all": 5, "monotone": 6, "threshold": 8}[family],
                f"a two-layer {family} census over {classes.upper()} classes")
    reps, sizes, _ = family_classes(family, n, classes, progress=progress)
    return reps, sizes, int(sizes.sum()), f"{classes.upper()} classes of {family} functions (representative x orbit size)"


def deep_census(family, n, rule="gradient", hidden_rule="hebb", hidden=None, order="hidden-first",
                protocol=None, classes=None, workers=None, seeds=None, members=MEMBERS, mode="simulate",
                progress=None):
    """Count the functions of a family that the two-layer network learns (Baldi & Sadowski 2016, section 3).

    The hidden layer learns unsupervised, the output gate clamped
    (:mod:`gates.learning.two_layer`); the single implementation behind
    ``gates learn --layers 2``.

    Parameters
    ----------
    family : {"all", "monotone", "threshold"}
        Which functions of `n` inputs to count over.
    n : int
        Number of inputs: every function is trained for n <= 4 (all), 5
        (monotone), 6 (threshold); over classes up to 5, 6, 8; exact mode n <= 5.
    rule : str or Rule, default "gradient"
        The output gate's clamped rule (hebb, oja, hebb-tanh, gradient) or a
        supervised Rule.
    hidden_rule : {"hebb", "oja", "hebb-tanh", "none"} or Rule, default "hebb"
        The hidden layer's unsupervised rule (``none``: fixed random weights).
        A Rule must not read T (rule discovery passes polynomials here).
    hidden : int, optional
        Width h (default 2^(n-1), enough to represent every function).
    order : {"hidden-first", "simultaneous"}, default "hidden-first"
        Train the hidden layer then the output gate, or both on every input.
    protocol : Protocol, optional
        Default ``Protocol()``.
    classes : {None, "none", "p", "np", "npn"}, default None
        Stratified sampling: train `members` uniformly random members of
        each class, weighted by orbit size / members, and estimate the
        seed's exhaustive count with its standard error. The protocol must
        be invariant (pm1 coding and shuffled presentation; shuffled only
        for P), the hidden rule odd in (x, w) for NP, and the output rule
        odd in (O, w, T) for NPN (see :func:`gates.studies.census.check_reduction`).
    workers : int, optional
        Threads (default: all cores); results do not depend on it.
    seeds : int, optional
        Run S independent root seeds and return a SeedRuns.
    members : int, default 2
        Random members per class.
    mode : {"simulate", "exact"}, default "simulate"
        ``exact`` (hidden-first only): the hidden layer is trained by the
        protocol and frozen, and the output rule's asymptotic verdict is
        decided exactly for every function at once on the learnt features
        (:mod:`gates.learning.two_layer_exact`); the counts are then exact for the seed.
    progress : callable, optional
        Called with increments of the work: rows trained when simulating,
        restarts decided in exact mode; they sum to :func:`deep_census_units`.

    Returns
    -------
    CensusResult or SeedRuns
        A :class:`~gates.studies.census_results.CensusResult` (SeedRuns with
        `seeds`) with ``net`` set; ``successes`` counts the restarts that learn
        each row; ``extra["features_per_restart"]`` lists the distinct hidden
        feature patterns of each restart. ``to_dict()`` is what ``gates learn
        --layers 2 --json`` prints (the one-gate keys, plus ``net``,
        ``non_threshold``, ``features_per_restart``, ``features_mean``), and
        ``summary()`` its text.

    Raises
    ------
    InputError
        An unknown family, rule, order or class group; n or h out of range; a
        class reduction the rules would break; exact mode with simultaneous
        order, classes, or an output rule it cannot decide.
    UndecidedError
        Exact mode, when a restart's hidden layer has more feature patterns
        than the exact search enumerates.

    Examples
    --------
    >>> from gates.studies.deep_census import deep_census
    >>> res = deep_census("all", 2, "gradient", "hebb", hidden=4)
    >>> res.learnable > 14            # beyond the 14 functions one gate learns: XOR or XNOR too
    True
    >>> res.to_dict()["layers"], res.functions
    (2, 16)
    """
    t0 = time.perf_counter()
    protocol = Protocol() if protocol is None else protocol
    if mode not in ("simulate", "exact"):
        raise InputError(f"mode {mode!r} is unknown: allowed simulate, exact")
    if mode == "exact":
        return _exact_census(family, n, rule, hidden_rule, hidden, order, protocol, classes, seeds, progress)
    rows, net = _rows(family, n, rule, hidden_rule, hidden, order, protocol, classes)
    runs = []
    for seed in range(protocol.seed, protocol.seed + (1 if seeds is None else check_seeds(seeds))):
        proto = protocol.with_seed(seed)
        sub = stratify(rows, seed, members)
        layer = hidden_layer(sub.n, net, proto)
        learnt = deep_train(sub.tables, sub.n, sub.rule, net, proto, workers=workers, layer=layer, progress=progress)
        runs.append(deep_result(sub, net, proto, learnt.sum(axis=1).astype(np.int64), time.perf_counter() - t0,
                                features_per_restart(layer.features)))
        t0 = time.perf_counter()
    return runs[0] if seeds is None else SeedRuns(runs)


_LAST_ROWS = {}  # rows listed by deep_census_units, taken by the next deep_census with the same arguments


def _rows(*args, keep=False, progress=None):
    """:func:`deep_census_rows` of `args`; with `keep`, held for the next call (named rules only), else taken."""
    key = args if all(isinstance(a, str) for a in args[2:4]) else None
    found = _LAST_ROWS.pop(key, None) if key is not None else None
    _LAST_ROWS.clear()
    if found is None:
        found = deep_census_rows(*args, progress=progress)
    if keep and key is not None:
        _LAST_ROWS[key] = found
    return found


def deep_census_units(family, n, rule="gradient", hidden_rule="hebb", hidden=None, order="hidden-first",
                      protocol=None, classes=None, seeds=None, members=MEMBERS, mode="simulate", progress=None):
    """The work :func:`deep_census` reports to its `progress` callable, for a bar's total.

    Simulating: rows trained times seeds (functions, or class members drawn,
    `members` per class), each row trained on every restart. Exact: restarts
    times seeds (each restart's output sets are decided at once). The
    arguments are those of :func:`deep_census`; rows listed here are kept for
    its next call. `progress` follows the listing of the classes, in the units of
    :func:`gates.studies.enumeration.enumeration_units`.

    Parameters
    ----------
    family, n, rule, hidden_rule, hidden, order, protocol, classes, seeds, members, mode
        As for :func:`deep_census`.
    progress : callable, optional
        Called with increments of the listing of the classes.

    Returns
    -------
    int
        The total of the increments :func:`deep_census` will report.

    Raises
    ------
    InputError
        As :func:`deep_census` would, before any training.

    Examples
    --------
    >>> deep_census_units("all", 3, seeds=2)          # 256 functions, two seeds
    512
    >>> deep_census_units("all", 3, mode="exact")     # the protocol's 10 restarts
    10
    """
    protocol = Protocol() if protocol is None else protocol
    seeds = 1 if seeds is None else check_seeds(seeds)
    if mode == "exact":
        check_exact(family, n, rule, hidden_rule, hidden, order, classes)
        return protocol.restarts * seeds
    rows, _ = _rows(family, n, rule, hidden_rule, hidden, order, protocol, classes, keep=True, progress=progress)
    return len(rows.tables) * (members if rows.group is not None else 1) * seeds


EXACT_MAX_N = 5


def check_exact(family, n, rule, hidden_rule="hebb", hidden=None, order="hidden-first", classes=None):
    """Refuse a two-layer exact census this mode cannot decide (one line saying why)."""
    family = check_family(family)
    n = check_n(n, 1, EXACT_MAX_N, "a two-layer exact census (every function decided at once)")
    net = DeepNet(default_hidden(n) if hidden is None else hidden, hidden_rule, order)
    if net.order != "hidden-first":
        raise InputError("exact two-layer mode needs the hidden-first order (a frozen hidden layer); "
                         "use --mode simulate for simultaneous")
    if isinstance(rule, Rule) or rule not in TOP_RULES:
        raise InputError(f"exact two-layer mode decides the output rules {', '.join(TOP_RULES)}, got {rule!r}; "
                         "use --mode simulate")
    if classes not in (None, "none"):
        raise InputError("exact two-layer mode decides every function at once: drop --classes")
    return family, n, net


_EXACT_SETS = {}


def _exact_census(family, n, rule, hidden_rule, hidden, order, protocol, classes, seeds, progress=None):
    """Exact two-layer census: the hidden layer simulated and frozen, the output verdict decided exactly."""
    from gates.learning.two_layer_exact import output_sets

    family, n, net = check_exact(family, n, rule, hidden_rule, hidden, order, classes)
    runs = []
    for seed in range(protocol.seed, protocol.seed + (1 if seeds is None else check_seeds(seeds))):
        t0 = time.perf_counter()
        proto = protocol.with_seed(seed)
        # clamped hebb and oja tend to the same direction c: one verdict serves both (kept for the next call)
        key = (n, net, proto, "hebb" if rule == "oja" else rule)
        sets = _EXACT_SETS.get(key)
        if sets is None:
            layer = hidden_layer(n, net, proto)
            sets = output_sets(layer.features, key[3], proto.encoding, recoded=proto.recode, progress=progress)
            if len(_EXACT_SETS) >= 6:  # the seeds of one pair, reused by its family and oja (or hebb) twins
                _EXACT_SETS.pop(next(iter(_EXACT_SETS)))
            _EXACT_SETS[key] = sets
        elif progress is not None:
            progress(proto.restarts)
        tables, successes = sets.merge()
        ties = np.unique(np.concatenate([np.asarray(t, dtype=np.uint64) for t in sets.ties] or
                                        [np.zeros(0, np.uint64)]))
        ties = ties[~np.isin(ties, tables)]
        keep = _in_family(ties, n, family)
        runs.append(exact_result(family, n, rule, hidden_rule, net.hidden, order, proto, tables, successes,
                                 [int(m) for m in sets.patterns], int(keep.sum()), time.perf_counter() - t0))
    return runs[0] if seeds is None else SeedRuns(runs)


def _in_family(tables, n, family):
    from gates.boolean.properties import is_monotone

    tables = np.asarray(tables, dtype=np.uint64).reshape(-1, 1)
    if family == "monotone":
        return is_monotone(tables, n)
    if family == "threshold":
        return threshold_mask(tables, n)
    return np.ones(len(tables), bool)


def exact_result(family, n, rule, hidden_rule, hidden, order, protocol, tables, successes, features, ties,
                 seconds=0.0):
    """The CensusResult of an exact two-layer census from its learnt tables (the union over restarts)
    and how many restarts learn each; `ties`: functions of the family only ever at a zero margin."""
    net = DeepNet(default_hidden(n) if hidden is None else hidden, hidden_rule, order)
    tables = np.asarray(tables, dtype=np.uint64).reshape(-1, 1)
    keep = _in_family(tables, n, family)
    tables, successes = np.ascontiguousarray(tables[keep]), np.asarray(successes, dtype=np.int64)[keep]
    is_thr = threshold_mask(tables, n) if len(tables) else np.zeros(0, bool)
    size = count_functions(family, n)[0]
    thr = count_functions("threshold", n)[0] if family != "monotone" else int(
        _in_family(threshold_functions(n)[0][:, 0], n, "monotone").sum())
    rows = CensusRows(family, n, top_rule(rule, protocol), "exact: every function decided on the frozen features "
                      "(union over restarts)", size, thr, tables, np.ones(len(tables), np.int64), is_thr)
    res = deep_result(rows, net, protocol, successes, seconds, features, mode="exact")
    res.extra["ties"] = int(ties)
    return res


def deep_census_rows(family, n, rule="gradient", hidden_rule="hebb", hidden=None, order="hidden-first",
                     protocol=None, classes=None, progress=None):
    """Validate a two-layer census and list its rows (the first half of :func:`deep_census`).

    Returns (CensusRows, DeepNet). Batch jobs evaluate chunks of the rows
    with :func:`deep_train` and join them with :func:`deep_result`.
    """
    family = check_family(family)
    protocol = Protocol() if protocol is None else protocol
    n = check_n(n, 1, 8, "a two-layer network")
    net = DeepNet(default_hidden(n) if hidden is None else hidden, hidden_rule, order)
    r = top_rule(rule, protocol)
    classes = None if classes in (None, "none") else classes
    if classes is not None:
        if classes not in ("p", "np", "npn"):
            raise InputError(f"classes {classes!r} are unknown for a census: allowed none, p, np, npn")
        check_reduction(r, classes, protocol, "simulate")
        if net.rule_for(protocol) is not None:
            check_reduction(net.rule_for(protocol), classes, protocol, "simulate", output=False)
    tables, weights, size, reduction = _members(family, n, classes, progress)
    is_thr = np.ones(len(tables), bool) if family == "threshold" else threshold_mask(tables, n)
    return CensusRows(family, n, r, reduction, size, int(weights[is_thr].sum()), np.ascontiguousarray(tables),
                      weights, is_thr, group=classes), net


def deep_result(rows, net, protocol, successes, seconds=0.0, features=None, mode="simulate"):
    """The :class:`CensusResult` of two-layer rows and their successes (restarts that learn).

    `features`: the distinct hidden patterns of each restart (recorded, with their mean).
    """
    extra = {}
    if features is not None:
        extra = {"features_per_restart": list(features), "features_mean": float(np.mean(features))}
    res = CensusResult(
        rows.family, rows.n, rows.rule, mode, protocol, rows.reduction, rows.functions, rows.threshold,
        0, rows.tables, rows.weights, successes, rows.is_threshold, seconds, extra, net, rows.members,
    )
    res.learnable = res.quantities()["learnable"].value
    return res



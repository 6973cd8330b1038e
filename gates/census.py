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

Modes: ``simulate`` trains with the protocol; ``exact`` decides from the
asymptotic direction of clamped Hebb and Oja, c = sum_k T_k x~_k (the
paper's canonical-form theorem), from w = sign(c) for ``hebb-tanh``, and
from the perceptron convergence theorem for ``gradient`` (learnable iff
threshold, certified by :mod:`gates.threshold`).
"""

import os
import time
from dataclasses import dataclass, field

import numba
import numpy as np

from . import threshold as _thr
from .errors import InputError
from .families import check_family, list_functions, monotone_functions
from .protocol import Protocol, _exact_many, _simulate_many
from .rules import Rule, get_rule, parse_poly
from .storage import manifest, write_json, write_npy, write_table, write_text
from .truth import check_n, is_monotone, support, to_hex

__all__ = [
    "CensusResult",
    "shallow_census",
    "CensusRows",
    "census_rows",
    "shallow_successes",
    "census_result",
    "resolve_rule",
    "check_reduction",
    "MODES",
    "write_census",
    "shallow_rows",
    "write_shallow_tables",
]

MODES = ("simulate", "exact")
EXACT_RULES = ("hebb", "oja", "hebb-tanh", "gradient")
LIST_MAX_N = {"all": 4, "monotone": 6, "threshold": 6}


def resolve_rule(rule, form="clamped", poly=None, saturate=False):
    """A :class:`Rule` from a name and form, or from a polynomial string."""
    if isinstance(rule, Rule):
        return rule
    if poly is not None:
        return parse_poly(poly, name="poly", saturate=saturate)
    return get_rule(rule, form)


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
    net: object = None  # the two-layer architecture (gates.deep.DeepNet); None for one gate

    @property
    def success_fraction(self):
        return self.successes / (self.protocol.restarts if self.mode == "simulate" else 1)

    def summary(self):
        w = self.weights.astype(np.float64)
        frac = self.success_fraction
        learnt = self.successes > 0
        out = {
            "family": self.family,
            "n": self.n,
            "layers": 1 if self.net is None else 2,
            "rule": self.rule.to_dict(),
            **({} if self.net is None else {"net": self.net.to_dict()}),
            "mode": self.mode,
            "reduction": self.reduction,
            "functions": self.functions,
            "threshold": self.threshold,
            "learnable": self.learnable,
            "evaluated_rows": int(self.tables.shape[0]),
        }
        if self.mode == "simulate":
            out["mean_success_fraction_learnable"] = (
                float((frac * w)[learnt].sum() / w[learnt].sum()) if learnt.any() else 0.0
            )
        out["protocol"] = self.protocol.to_dict() if self.mode == "simulate" else {
            "encoding": self.protocol.encoding,
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
        thr = _thr.threshold_mask(tables, n)
        return tables, np.ones(len(tables), np.int64), thr, len(tables), int(thr.sum())
    n = check_n(n, 0, 6, f"the threshold-only {family} census (lists the threshold functions)")
    tables = _thr.threshold_functions(n)[0]
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
    form="clamped",
    mode="simulate",
    protocol=None,
    classes=None,
    exhaustive=False,
    workers=None,
    poly=None,
):
    """Count the functions of a family that one threshold gate learns.

    Parameters
    ----------
    family : {"all", "monotone", "threshold"}
    n : int
    rule : str or Rule
        ``hebb``, ``oja``, ``gradient``, ``hebb-tanh``, or a Rule.
    form : {"clamped", "unsupervised"}
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
        A polynomial rule (see :func:`gates.rules.parse_poly`) instead of `rule`.

    Examples
    --------
    >>> from gates.census import shallow_census
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
    try:
        successes, status = shallow_successes(rows.tables, rows.n, rows.rule, protocol, mode, rows.is_threshold)
    finally:
        numba.set_num_threads(prev_threads)
    return census_result(rows, mode, protocol, successes, status, time.perf_counter() - t0)


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


def census_rows(family, n, rule="hebb", form="clamped", mode="simulate", protocol=None, classes=None,
                exhaustive=False, poly=None):
    """Validate a shallow census and list its rows (the first half of :func:`shallow_census`).

    Batch jobs split ``tables`` into chunks, evaluate each with
    :func:`shallow_successes` and join them with :func:`census_result`.
    """
    family = check_family(family)
    if mode not in MODES:
        raise InputError(f"mode {mode!r} is unknown: allowed {', '.join(MODES)}")
    protocol = Protocol() if protocol is None else protocol
    r = resolve_rule(rule, form, poly)
    if mode == "exact" and (r.name not in EXACT_RULES or r.form == "unsupervised" or poly is not None):
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
        n = check_n(n, 0, _thr.CLASSES_MAX_N, "a census over threshold classes")
        cls = _thr.npn_classes(n) if classes == "npn" else _thr.np_classes(n)
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
    return CensusRows(family, int(n), r, reduction, size, thr_count, np.ascontiguousarray(tables), weights, is_thr)


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
    if mode == "exact" and rule.name == "gradient":
        # perceptron convergence theorem: learnable iff threshold (certified)
        successes[:] = _thr.threshold_mask(tables, n) if is_threshold is None else is_threshold
    elif mode == "exact":
        status = np.empty(len(tables), dtype=np.int8)
        _exact_many(tables, x, pm1, rule.saturate, status)
        successes[:] = status == 1
    else:
        init, orders = protocol.draws(x.shape[1], x.shape[0])
        _simulate_many(
            tables, x, pm1, protocol.rule_table(rule), rule.saturate, rule.uses_output, rule.uses_weight,
            init, orders, protocol.etas(), protocol.criterion == "any-epoch", successes,
        )
    return successes, status


def census_result(rows, mode, protocol, successes, status=None, seconds=0.0):
    """The :class:`CensusResult` of rows and their successes (the last step of a census)."""
    weights, is_thr = rows.weights, rows.is_threshold
    learnable = int(weights[successes > 0].sum())
    if np.any((successes > 0) & ~is_thr):  # pragma: no cover - impossible for one gate
        raise RuntimeError("internal error: a non-threshold function was counted as learnt")
    extra = {}
    if status is not None:
        # zero asymptotic margin: a simulation decides these by its initial weights. A tie that is
        # not a threshold function is never learnt (no gate computes it), and the threshold-only
        # reduction cannot see it: count the threshold ties only, whatever the reduction
        extra["ties"] = int(weights[(status == 0) & is_thr].sum())
    return CensusResult(
        rows.family, rows.n, rows.rule, mode, protocol, rows.reduction, rows.functions, rows.threshold, learnable,
        rows.tables, weights, successes, is_thr, seconds, extra,
    )


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


def write_census(res, out_dir, command=None):
    """Write per-row results and the summary into `out_dir`, atomically.

    ``census.csv`` (up to 2^20 rows) or ``census.npy`` (a structured array)
    holds one row per evaluated function or class representative: table,
    orbit_size, threshold, learnt, success_fraction. ``census.manifest.json``
    holds the summary, the protocol and the command.
    """
    rows = res.tables.shape[0]
    frac = res.success_fraction
    if rows <= 1 << 20:
        name = "census.csv"
        hexes = to_hex(res.tables, res.n)
        lines = ["table,orbit_size,threshold,learnt,success_fraction"]
        for h, w, t, s, f in zip(hexes, res.weights.tolist(), res.is_threshold.tolist(),
                                 res.successes.tolist(), frac.tolist()):
            lines.append(f"{h},{w},{int(t)},{int(s > 0)},{f:.6g}")
        write_text(os.path.join(out_dir, name), "\n".join(lines) + "\n")
    else:
        name = "census.npy"
        arr = np.empty(rows, dtype=[("table", "<u8", (res.tables.shape[1],)), ("orbit_size", "<i8"),
                                    ("threshold", "?"), ("learnt", "?"), ("success_fraction", "<f8")])
        arr["table"], arr["orbit_size"], arr["threshold"] = res.tables, res.weights, res.is_threshold
        arr["learnt"], arr["success_fraction"] = res.successes > 0, frac
        write_npy(os.path.join(out_dir, name), arr)
    summary = res.summary()
    note = None
    if res.reduction == "threshold-only":
        note = "functions not listed are not threshold functions: no single gate computes them"
    seed = res.protocol.seed if res.mode == "simulate" else None
    meta = manifest("shallow-census" if res.net is None else "deep-census", summary.pop("protocol"), [name], seed=seed,
                    command=command, results={**summary, **({"note": note} if note else {})})
    meta["rule"] = res.rule.to_dict()
    write_json(os.path.join(out_dir, "census.manifest.json"), meta)
    return name


# --------------------------------------------------------------------------
# the paper's shallow tables
# --------------------------------------------------------------------------

SHALLOW_RULES = ("hebb", "oja", "hebb-tanh", "gradient")
SHALLOW_SPEC = {
    # table stem: (family, mode, [(n, classes)])
    "shallow_boolean": ("all", "simulate", [(1, None), (2, None), (3, None), (4, None), (5, "np"), (6, "np")]),
    "shallow_monotone": ("monotone", "simulate", [(1, None), (2, None), (3, None), (4, None), (5, "p"), (6, "p")]),
    "shallow_extended": (None, "exact", [("all", n, None if n <= 4 else "np") for n in range(1, 9)]
                         + [("monotone", n, None if n <= 4 else "p") for n in range(1, 7)]),
}


def shallow_rows(stem, protocol=None, quick=False, progress=None):
    """Header and rows of one shallow table (``quick``: n <= 4 only)."""
    family, mode, items = SHALLOW_SPEC[stem]
    protocol = Protocol() if protocol is None else protocol
    if mode == "exact":
        header = ["family", "n", "functions", "threshold"]
        for r in SHALLOW_RULES:
            header += [r] if r == "gradient" else [r, f"{r} ties"]
        header.append("reduction")
    else:
        header = ["n", "functions", "threshold", *SHALLOW_RULES, "reduction"]
    rows = []
    for item in items:
        fam, n, classes = item if mode == "exact" else (family, *item)
        if quick and n > 4:
            continue
        res = [shallow_census(fam, n, r, mode=mode, protocol=protocol, classes=classes) for r in SHALLOW_RULES]
        row = [fam] if mode == "exact" else []
        row += [n, res[0].functions, res[0].threshold]
        for r, c in zip(SHALLOW_RULES, res):
            row.append(c.learnable)
            if mode == "exact" and r != "gradient":
                row.append(c.extra["ties"])
        row.append(res[0].reduction)
        rows.append(row)
        if progress is not None:
            progress(1)
    return header, rows


SHALLOW_TITLES = {
    "shallow_boolean": (
        "Boolean functions learnable by one threshold gate (simulated)",
        "Counts of functions of n inputs that one gate with bias learns with each clamped\n"
        "(supervised) local rule under the default protocol (see the manifest): +-1 coding,\n"
        "N(0, 0.1^2) initial weights, shuffled full-table epochs, 100 epochs, eta0 = 0.1\n"
        "decaying linearly, K = 10 restarts, strict margin criterion. `threshold` counts the\n"
        "threshold functions: no rule can exceed it. Hebb and Oja counts include the\n"
        "functions whose asymptotic margin is exactly 0 (the `ties` of the extended table)\n"
        "that some restart happened to learn.",
    ),
    "shallow_monotone": (
        "Monotone functions learnable by one threshold gate (simulated)",
        "As the Boolean table, restricted to the monotone functions (Dedekind numbers).",
    ),
    "shallow_extended": (
        "Learnability by one threshold gate in exact (asymptotic) mode",
        "Clamped Hebb and Oja converge to the direction c = sum_k T_k x~_k, hebb-tanh to\n"
        "sign(c); a function is learnt when that direction has a strictly positive margin\n"
        "on every input. `ties` counts the threshold functions whose smallest asymptotic\n"
        "margin is exactly 0: a finite simulation may learn them or not, as the initial\n"
        "weights (Hebb), the presentation order (Oja) or the degree of saturation\n"
        "(hebb-tanh) decide. `gradient` learns exactly the threshold functions (perceptron\n"
        "convergence theorem).",
    ),
}


def write_shallow_tables(out_dir, protocol=None, quick=False, progress=None, command=None):
    """Write the three shallow tables (CSV, Markdown, manifest) into `out_dir`."""
    protocol = Protocol() if protocol is None else protocol
    files = []
    for stem in SHALLOW_SPEC:
        t0 = time.perf_counter()
        header, rows = shallow_rows(stem, protocol, quick, progress)
        title, intro = SHALLOW_TITLES[stem]
        family, mode, _ = SHALLOW_SPEC[stem]
        proto = {
            "mode": mode,
            "layers": 1,
            "rules": {r: get_rule(r).to_dict() for r in SHALLOW_RULES},
            "training": protocol.to_dict() if mode == "simulate" else {"encoding": protocol.encoding,
                                                                       "bias": protocol.bias},
            "quick": quick,
        }
        files += write_table(
            out_dir, stem, header, rows, title, intro, "shallow-learnability", proto,
            command=command, seed=protocol.seed if mode == "simulate" else None,
            results={"rows": len(rows), "seconds": round(time.perf_counter() - t0, 2)},
        )
    return files


def shallow_table_steps(quick=False):
    return sum(1 for stem in SHALLOW_SPEC for item in SHALLOW_SPEC[stem][2]
               if not quick or (item[1] if SHALLOW_SPEC[stem][1] == "exact" else item[0]) <= 4)

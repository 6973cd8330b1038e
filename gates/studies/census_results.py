"""What a census returns and writes, for one gate (:mod:`gates.studies.census`) and two layers
(:mod:`gates.studies.deep_census`).

:class:`CensusRows` are the rows a census evaluates (functions, or class
members with their orbit weights after :func:`stratify`); :class:`CensusResult`
is one seed's outcome with its quantities (learnable, robust, expected per
restart) as :class:`~gates.estimate.Estimate`; :class:`SeedRuns` repeats a
census over independent root seeds; :func:`write_census` writes the rows and
the manifest.
"""

import json
import os
from dataclasses import dataclass, field, replace

import numpy as np

from gates._validate import is_int
from gates.boolean.orbits import random_members
from gates.boolean.truth import to_hex
from gates.errors import InputError
from gates.estimate import Estimate, seed_mean, stratified_total
from gates.io.storage import jsonable, manifest, write_json, write_npy, write_text
from gates.learning.protocol import Protocol
from gates.learning.rules import Rule

__all__ = ["CensusRows", "CensusResult", "SeedRuns", "QUANTITIES", "MEMBERS", "stratify", "check_seeds",
           "write_census", "census_text"]

QUANTITIES = ("learnable", "robust", "expected_per_restart")
MEMBERS = 2
"""Default members drawn per class by stratified sampling (2: the least that gives a variance)."""
_SAMPLE_TAG = 0x57A7  # member draws of seed s: SeedSequence([s, _SAMPLE_TAG]), apart from the training draws


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
    if not is_int(members) or members < 2:
        raise InputError(f"members per class must be an integer >= 2 (a class variance needs two draws), "
                         f"got {members!r}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), _SAMPLE_TAG]))
    tables = random_members(rows.tables, rows.n, rows.group, int(members), rng).reshape(-1, rows.tables.shape[1])
    reduction = (f"stratified sampling of {rows.group.upper()} classes: {members} uniform random members per "
                 f"class, weight orbit size / {members}")
    return replace(rows, tables=tables, weights=np.repeat(rows.weights, members),
                   is_threshold=np.repeat(rows.is_threshold, members), members=int(members), reduction=reduction)


@dataclass
class CensusResult:
    """Outcome of one seed of a census (one gate or two layers).

    Returned by :func:`gates.studies.census.shallow_census` and
    :func:`gates.studies.deep_census.deep_census`; ``to_dict()`` is what
    ``gates learn --json`` prints and ``summary()`` its text.

    Parameters
    ----------
    family : str
        ``all``, ``monotone`` or ``threshold``.
    n : int
        Number of inputs.
    rule : Rule
        The (output) rule as run.
    mode : str
        ``simulate`` or ``exact``.
    protocol : Protocol
        The protocol of this seed.
    reduction : str
        How the rows stand for the family (threshold-only, classes, sampling).
    functions, threshold : int
        Size of the family and its number of threshold functions.
    learnable : int or float
        Functions learnt by at least one restart (orbit sizes included; an
        estimate with stratified sampling).
    tables : ndarray of uint64, shape (R, W)
        The rows evaluated (functions, class representatives or members).
    weights : ndarray of int64, shape (R,)
        Each row's weight (1, or its orbit size).
    successes : ndarray of int64, shape (R,)
        Restarts that learn each row (the exact one-gate verdict: 0 or 1).
    is_threshold : ndarray of bool, shape (R,)
    seconds : float
        Wall time.
    extra : dict
        ``ties`` (exact), ``features_per_restart`` and ``features_mean`` (two layers).
    net : DeepNet or None
        The two-layer architecture; None for one gate.
    members : int
        Random members per class with stratified sampling; 0 when every row counts.

    Examples
    --------
    >>> from gates.studies.census import shallow_census
    >>> res = shallow_census("all", 3, "gradient", mode="exact")
    >>> res.learnable, res.exact, res.quantities()["learnable"].value   # OEIS A000609
    (104, True, 104)
    >>> {k: res.to_dict()[k] for k in ("family", "n", "functions", "learnable")}
    {'family': 'all', 'n': 3, 'functions': 256, 'learnable': 104}
    """

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

    def to_dict(self):
        """The census as a new dict of plain JSON values: what ``gates learn --json`` prints.

        Keys: family, n, layers, rule, net (two layers), mode, reduction,
        functions, threshold, evaluated_rows, exact, each quantity
        (learnable, robust, expected_per_restart; with ``_se`` and ``_ci``
        when sampled; non_threshold for two layers), estimator, seed,
        mean_success_fraction_learnable (simulate), protocol, seconds and
        the extras (ties, features_per_restart, features_mean).
        """
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
        return _plain(out)

    def summary(self):
        """The text ``gates learn`` prints without ``--json``."""
        return census_text(self)


def check_seeds(seeds):
    """Validate a number of seeds S >= 1."""
    if not is_int(seeds) or seeds < 1:
        raise InputError(f"seeds must be an integer >= 1 (independent seeds to run), got {seeds!r}")
    return int(seeds)


@dataclass
class SeedRuns:
    """One census repeated over S independent root seeds (seed, seed + 1, ...).

    Returned by the censuses when `seeds` is given (``gates learn`` always
    passes ``--seeds``, default 1): ``to_dict()`` is what ``gates learn
    --json`` prints, ``summary()`` its text.

    Parameters
    ----------
    results : list of CensusResult
        One per seed, in seed order.

    Examples
    --------
    >>> from gates.learning.protocol import Protocol
    >>> from gates.studies.census import shallow_census
    >>> runs = shallow_census("all", 2, "hebb", protocol=Protocol(restarts=2), seeds=2)
    >>> [r.protocol.seed for r in runs.results], [s["seed"] for s in runs.to_dict()["seeds"]]
    ([0, 1], [0, 1])
    """

    results: list

    def to_dict(self):
        """The first seed's :meth:`CensusResult.to_dict`, with each quantity replaced by its mean over
        the seeds, its standard error and 95% t interval (``learnable``, ``learnable_se``,
        ``learnable_ci``, ...), and ``seeds``: each seed's values. What ``gates learn --json`` prints."""
        first = self.results[0]
        out = first.to_dict()
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
        return _plain(out)

    def summary(self):
        """The text ``gates learn`` prints without ``--json``."""
        return census_text(self)


def _plain(out):
    """`out` as plain JSON values (lists, not tuples; no numpy scalars): what ``json.loads`` of the printed
    JSON gives back."""
    return json.loads(json.dumps(out, default=jsonable))


def census_text(res):
    """The human summary of a :class:`CensusResult` or :class:`SeedRuns` (lines, as ``gates learn`` prints)."""
    summary = res.to_dict()
    runs = res.results if isinstance(res, SeedRuns) else [res]
    first = runs[0]
    what = f"{first.rule.name} ({first.rule.form}, {first.mode})"
    if first.protocol.encoding != "pm1":
        what += f" [{first.protocol.encoding}: {first.rule.formula()}, {first.rule.handling}]"
    if first.net is not None:
        what = (f"a {first.net.hidden}-{first.net.hidden_rule} hidden layer ({first.net.order}) under "
                f"{first.rule.name} ({first.mode})")
    lines = [f"{what}, {first.family} functions of n={first.n} ({first.functions:,} functions, "
             f"{first.threshold:,} threshold)  [{first.reduction}; {summary['seconds']:.2f} s]",
             f"estimator: {summary['estimator']}"]
    for q in ("learnable", "robust", "expected_per_restart"):
        ci = summary.get(f"{q}_ci")
        kind = "exact" if summary["exact"] else "estimate"
        val = summary[q]
        line = f"  {q:<22}{val:>16,.1f}" if isinstance(val, float) else f"  {q:<22}{val:>16,}"
        lines.append(line + (f"  95% CI [{ci[0]:,.1f}, {ci[1]:,.1f}]" if ci else "") + f"  ({kind})")
    if len(runs) > 1:
        lines.append("  per seed: " + "; ".join(f"seed {p['seed']}: {p['learnable']:,.0f}" for p in summary["seeds"]))
    if "ties" in summary:
        lines.append(f"{summary['ties']:,} more have a zero asymptotic margin (ties)")
    return "\n".join(lines)


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
    summary = res.to_dict()
    note = None
    if first.reduction == "threshold-only":
        note = "functions not listed are not threshold functions: no single gate computes them"
    seed = first.protocol.seed if first.mode == "simulate" or first.net is not None else None
    meta = manifest("shallow-census" if first.net is None else "deep-census", summary.pop("protocol"), names,
                    seed=seed, command=command, results={**summary, **({"note": note} if note else {})})
    meta["rule"] = first.rule.to_dict()
    write_json(os.path.join(out_dir, "census.manifest.json"), meta)
    return names + ["census.manifest.json"]

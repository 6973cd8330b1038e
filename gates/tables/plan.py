"""What a run of ``gates tables`` writes, and how long it takes: estimated before it starts.

By default a run writes the headline (:data:`HEADLINE`: the tables the
figures show, a few minutes on two cores); with ``full`` every table
(:data:`FULL`: also the counts, the monotone tables and the exact one-gate
table, about ten minutes); with ``extended`` also the n = 5 table (about an
hour more).

The cost model (:func:`cell_seconds`) gives each cell work units (rows
trained x seeds x restarts x epochs x inputs x weights) times seconds per
unit, calibrated once on two cores with a warm numba cache. It estimates a
run before it starts (:func:`estimate_seconds`) and weights the progress
steps (:func:`regeneration_plan`), so a bar's time-left estimate holds while
cells differ a thousandfold in cost.
"""

from gates._validate import is_int
from gates.errors import InputError
from gates.learning.protocol import Protocol
from gates.tables.cells import (EXACT_ITEMS, EXTENDED, EXTENDED_SEEDS, MEMBERS, SEEDS, SPEC, TABLES, Cell,
                                cell_id)

__all__ = ["HEADLINE", "FULL", "QUICK", "selected_tables", "cell_seconds", "regeneration_plan", "estimate_seconds",
           "regeneration_steps", "WeightedProgress", "check_seeds"]

HEADLINE = ("shallow_boolean", "deep_boolean", "deep_width")
"""The tables ``gates tables`` writes by default: the ones its figures show."""
FULL = ("counts", "shallow_boolean", "shallow_monotone", "deep_boolean", "deep_monotone", "deep_width",
        "shallow_extended")
"""Every table ``gates tables --full`` writes (``--extended`` adds deep_extended)."""
QUICK = ("counts", "shallow_boolean", "shallow_monotone", "shallow_extended")
"""The tables of ``--quick`` (n <= 4 only)."""


def selected_tables(full=False, extended=False, quick=False, only=None):
    """The tables a run writes, in the order it writes them.

    Parameters
    ----------
    full : bool
        Every table of :data:`FULL` instead of the :data:`HEADLINE`.
    extended : bool
        Also ``deep_extended`` (implies `full`).
    quick : bool
        The :data:`QUICK` tables, cut at n = 4 (contradicts `extended`).
    only : iterable of str, optional
        Exactly these tables (names in :data:`TABLES`), whatever `full` says.

    Returns
    -------
    list of str

    Raises
    ------
    InputError
        For an unknown name, ``quick`` with ``extended``, or deep_extended without ``extended``.

    Examples
    --------
    >>> selected_tables()
    ['shallow_boolean', 'deep_boolean', 'deep_width']
    >>> selected_tables(full=True)[0], len(selected_tables(extended=True))
    ('counts', 8)
    """
    only = _check_only(only, extended, quick)
    if only is not None:
        chosen = only - ({s for s in SPEC if not s.startswith("shallow")} if quick else set())
    elif quick:
        chosen = set(QUICK)
    else:
        chosen = set(FULL if full or extended else HEADLINE) | (set(EXTENDED) if extended else set())
    return [t for t in TABLES if t in chosen]


def check_seeds(seeds):
    """`seeds` (default :data:`SEEDS`) after checking it gives an interval: an integer >= 2.

    Raises
    ------
    InputError
        When it does not.
    """
    seeds = SEEDS if seeds is None else seeds
    if not is_int(seeds) or seeds < 2:
        raise InputError(f"--seeds {seeds}: the tables need at least 2 seeds per cell for an interval")
    return seeds


# The cost model. A cell's work units: rows trained x seeds x restarts x epochs x inputs (2^n) x weights
# (n + 1 for one gate; (h + 1)^2 / 9 for two layers: timed, the hidden layer's work grows with h too). An
# exact two-layer cell decides every function at once on each restart's learnt features: its work grows
# with seeds x restarts x 8^n x (h + 1), not with the family, and with a gradient output (a threshold
# search) it costs about 60 times what the other output rules cost. Seconds per unit: CPU seconds of
# cells timed one by one (warm numba cache, 2026-12-01). Each table's cells are then scaled so that a full
# run's table takes TABLE_SECONDS, which calibrates the model to a two-core machine.
_PER_UNIT = {(1, "simulate"): 1.4e-9, (1, "exact"): 1e-8, (2, "simulate"): 6.7e-10, (2, "exact"): 2e-6}
_PER_CELL = 0.05  # seconds of set-up a cell costs whatever its size
_NOT_GRADIENT_EXACT = 0.015  # an exact two-layer cell whose output rule is not gradient, relative to gradient
# a simulated cell's cost by its (output) rule, relative to hebb: oja's decay term and gradient's error term
# (the lockstep kernels, scripts/bench_census.py, 2026-12-01: one gate at n = 4, two layers at h = 8)
_RULE_FACTOR = {1: {"hebb": 1.0, "hebb-tanh": 0.8, "oja": 2.3, "gradient": 3.2},
                2: {"hebb": 1.0, "hebb-tanh": 1.2, "oja": 2.4, "gradient": 2.5}}
_REPRESENTABLE = 1.2e-5  # seconds per function of the family: a two-layer table's count of representable ones
TABLE_SECONDS = {"counts": 413.77, "shallow_boolean": 5.64, "shallow_monotone": 5.76, "deep_boolean": 28.61,
                 "deep_width": 6.98, "deep_monotone": 14.49, "shallow_extended": 10.03}
"""Seconds of each table in a full run on two cores with a warm numba cache: ``results.seconds`` of
enumerations/<table>.manifest.json. The five tables that train gates were regenerated with the lockstep
kernels on a quiet machine (2026-12-01; deep_boolean and deep_width with twice the seeds at n = 4);
counts and shallow_extended train nothing (2026-11-30)."""
_MONOTONE_THRESHOLD = (2, 3, 6, 20, 150, 3287, 244158)  # monotone threshold functions (the tables' column)
_EXTENDED_SECONDS = 3600.0  # deep_extended: about an hour on two cores (the batch runs of the committed table)
# each counts step (family, classes, n) in seconds; unlisted steps cost _PER_CELL
_COUNTS_SECONDS = {("all", "npn", 5): 38.0, ("threshold", None, 8): 260.0, ("threshold", "np", 8): 30.0,
                   ("threshold", "npn", 8): 60.0, ("threshold", None, 7): 6.0, ("monotone", None, 6): 3.0,
                   ("monotone", "p", 6): 5.0}


def _rows_trained(cell, members):
    """How many functions a cell trains (its rows), from the OEIS counts of the families and classes."""
    from gates.studies.enumeration import OEIS

    n = cell.n
    if cell.layers == 1:  # threshold-only: the threshold functions, or members of their classes
        if cell.classes is None:
            return OEIS[("threshold", None)][1][n] if cell.family == "all" else _MONOTONE_THRESHOLD[n]
        return OEIS[("threshold", "np")][1][n] * members  # monotone P classes: about as many
    if cell.mode == "exact" or cell.classes is None:
        return 2 ** 2 ** n if cell.family == "all" else OEIS[("monotone", None)][1][n]
    return OEIS[("all", cell.classes)][1][n] * members


def _exact_item_size(family, n, classes):
    """The work of a row of the exact one-gate table: its threshold functions (or classes) x 2^n inputs."""
    return 2 ** n * _rows_trained(Cell(family, n, "hebb", classes=classes), 1)


def cell_seconds(cell, protocol=None, seeds=SEEDS, members=MEMBERS):
    """The model's seconds of one cell (warm numba cache), before a table's calibration (the cost model).

    :func:`regeneration_plan` scales each table's cells by one factor, so that
    the table of a full run takes the seconds :data:`TABLE_SECONDS` records;
    the model itself sets how those seconds split between the cells.

    Parameters
    ----------
    cell : Cell
    protocol : Protocol, optional
        Its restarts and epochs scale the cost (default :class:`Protocol`).
    seeds, members : int
        Seeds per simulated cell; members per class where the cell samples classes.

    Returns
    -------
    float

    Examples
    --------
    One gate at n = 6 costs hundreds of times what it costs at n = 3:

    >>> cell_seconds(Cell("all", 6, "hebb")) > 100 * cell_seconds(Cell("all", 3, "hebb"))
    True
    """
    protocol = Protocol() if protocol is None else protocol
    seeds *= cell.seed_factor
    if cell.layers == 2 and cell.mode == "exact":
        units = seeds * protocol.restarts * 8 ** cell.n * (cell.hidden + 1)
        units *= 1.0 if cell.rule == "gradient" else _NOT_GRADIENT_EXACT
    else:
        units = _rows_trained(cell, cell.members or members) * protocol.restarts * 2 ** cell.n
        # two layers: the output gate's h + 1 weights, and hidden features that grow with h as well
        units *= (cell.n + 1) if cell.layers == 1 else (cell.hidden + 1) ** 2 / 9
        units *= protocol.epochs if cell.mode == "simulate" else 1
        units *= seeds if cell.mode == "simulate" else 1
        units *= _RULE_FACTOR[cell.layers].get(cell.rule, 1.0) if cell.mode == "simulate" else 1
    return _PER_CELL + units * _PER_UNIT[(cell.layers, cell.mode)]


def _model_plan(tables, quick, seeds, members, protocol):
    """(table, step, model seconds) of every step; a cell an earlier table computed costs nothing."""
    from gates.studies.enumeration import counts_spec

    plan, done = [], set()
    for t in tables:
        if t == "counts":
            plan += [(t, f"counts {f} {g or 'none'} n={n}", _COUNTS_SECONDS.get((f, g, n), _PER_CELL))
                     for f, g, m in counts_spec(quick) for n in range(m + 1)]
        elif t == "shallow_extended":
            plan += [(t, f"shallow_extended {f} n={n}", _PER_CELL + _exact_item_size(f, n, c) * 1e-7)
                     for f, n, c in EXACT_ITEMS if not quick or n <= 4]
        else:
            for c in SPEC[t]:
                if quick and c.n > 4:
                    continue
                key = (c, seeds, members)
                cost = cell_seconds(c, protocol, EXTENDED_SEEDS if t in EXTENDED else seeds, members)
                cost = 0.0 if key in done else cost
                if c.layers == 2 and (t, c.family, c.n, c.hidden) not in done:  # the table counts these first
                    cost += _REPRESENTABLE * _rows_trained(Cell(c.family, c.n, c.rule, 2, mode="exact"), 1)
                    done.add((t, c.family, c.n, c.hidden))
                plan.append((t, f"{t} {cell_id(c)}", cost))
                done.add(key)
    return plan


def _scales(protocol):
    """Each table's factor from model seconds to the seconds of the committed manifests (a full run)."""
    model = {}
    for t, _, x in _model_plan(FULL, False, SEEDS, MEMBERS, protocol):
        model[t] = model.get(t, 0.0) + x
    scales = {t: TABLE_SECONDS[t] / model[t] for t in FULL}
    extended = [x for t, _, x in _model_plan(EXTENDED, False, SEEDS, MEMBERS, protocol)]
    scales.update({t: _EXTENDED_SECONDS / sum(extended) for t in EXTENDED})
    return scales


def regeneration_plan(tables, quick=False, seeds=SEEDS, members=MEMBERS, protocol=None):
    """Every progress step of a run writing `tables`, in order, as ``(step, estimated seconds)``.

    The steps are the counts rows, the learnability cells (a cell an earlier table of the run already
    computed costs nothing: the run memoises it) and the rows of the exact one-gate table. Each step
    costs its model seconds (:func:`cell_seconds`) times its table's calibration factor, so the
    tables of a full run with the default seeds cost what :data:`TABLE_SECONDS` records.

    Examples
    --------
    >>> plan = regeneration_plan(["shallow_boolean"])
    >>> len(plan), round(sum(x for _, x in plan), 2) == TABLE_SECONDS["shallow_boolean"]  # 4 rules x n = 1..6
    (24, True)
    """
    protocol = Protocol() if protocol is None else protocol
    scales = _scales(protocol)
    return [(step, x * scales[t]) for t, step, x in _model_plan(tables, quick, seeds, members, protocol)]


def estimate_seconds(full=False, extended=False, quick=False, only=None, seeds=None):
    """How long a run takes, estimated before it starts: the sum of :func:`regeneration_plan`.

    The estimate assumes two cores and a warm numba cache; a first run on a fresh install adds the
    compilation of the kernels it uses (about a minute).

    Examples
    --------
    >>> round(estimate_seconds(full=True) / estimate_seconds()) >= 2
    True
    """
    tables = selected_tables(full, extended, quick, only)
    return sum(x for _, x in regeneration_plan(tables, quick, SEEDS if seeds is None else seeds))


def regeneration_steps(extended=False, quick=False, only=None, full=True):
    """The number of progress steps :func:`regenerate_tables` takes (see :func:`regeneration_plan`)."""
    return len(regeneration_plan(selected_tables(full, extended, quick, only), quick))


class WeightedProgress:
    """A progress callable for steps of unequal cost: the k-th step reports its estimated seconds.

    The table writers call ``progress(1)`` once per step (a counts row, a
    cell, an exact row); this passes the step's cost from `plan` on to
    `progress`, so a bar in seconds of work fills at the pace of the work.

    Parameters
    ----------
    plan : list of (str, float)
        The steps and their estimated seconds (:func:`regeneration_plan`).
    progress : callable
        Called with the estimated seconds of each finished step.
    """

    def __init__(self, plan, progress):
        self.costs = [x for _, x in plan]
        self.total = sum(self.costs)
        self.k, self.sent, self.progress = 0, 0.0, progress

    def __call__(self, steps=1):
        for _ in range(steps):
            x = self.costs[self.k] if self.k < len(self.costs) else 0.0
            self.k += 1
            self.sent += x
            self.progress(x)

    def finish(self):
        """Report what is left, so the bar ends at exactly 100%."""
        if self.total - self.sent > 0:
            self.progress(self.total - self.sent)
            self.sent = self.total


def _check_only(only, extended, quick):
    if quick and extended:
        raise InputError("--quick and --extended contradict each other: choose one")
    if only is None:
        return None
    only = set(only)
    bad = sorted(only - set(TABLES))
    if bad:
        raise InputError(f"--only {','.join(bad)}: unknown table; allowed {', '.join(TABLES)}")
    if "deep_extended" in only and not extended:
        raise InputError("--only deep_extended needs --extended")
    return only

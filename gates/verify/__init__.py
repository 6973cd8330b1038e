"""Numerical checks of the paper's theorems, and the registry behind ``gates verify``.

Each check builds the smallest setting in which a theorem of Baldi & Sadowski
(2016) makes a sharp prediction, and measures it. Every check is listed once
in :data:`CHECKS` (name, statement, ``module:function``); ``gates verify``
runs whatever the registry holds, so a new check appears there without
editing the command. A check function takes ``seed`` (and ``slow`` if it has
a heavier variant) and returns ``{"holds": bool, "evidence": {...}}``, plus
optionally ``lines`` (a human summary) and ``table`` (written by ``--out``).

**Mutants.** Every check also takes ``mutant`` and lists, in the function
attribute ``mutants`` ({name: description}), small deliberate breaks of the
mechanism it tests, injected through a parameter of that mechanism. A check
that cannot fail proves nothing, so ``gates verify --mutants`` runs every
check on each of its mutants and passes only if each one makes its check
fail (:func:`run_checks` with ``mutants=True``).

The checks live beside this registry, one module per area
(:mod:`gates.verify.theorems` and the others named in :data:`CHECKS`).

Examples
--------
>>> from gates.verify import CHECKS, run_checks
>>> [c.name for c in CHECKS][:2]
['perceptron', 'hebb-canonical']
>>> run_checks(["counting"]).passed
True
"""

import importlib
import inspect
import json
import time
from dataclasses import dataclass

from gates.errors import InputError
from gates.io.progress import paced
from gates.io.results import Result

__all__ = ["Check", "CHECKS", "ChecksResult", "check_names", "run_checks", "write_checks"]


# --------------------------------------------------------------------------
# the registry behind `gates verify`
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One theorem check: its name, the statement it tests, and where it lives.

    Parameters
    ----------
    name : str
        The name ``gates verify NAME`` takes.
    statement : str
        The claim of Baldi & Sadowski (2016) the check tests, in one paragraph.
    target : str
        ``"module:function"`` of the check function.
    cost : float, default 1.0
        Its typical seconds (warm numba cache, one core): the weight of the
        check in the progress bar, so the bar's time left is right.
    slow_cost : float, optional
        The same for the ``slow`` variant; default `cost`.

    Examples
    --------
    >>> from gates.verify import CHECKS
    >>> c = {c.name: c for c in CHECKS}["counting"]
    >>> c.function().__name__
    'check_counting'
    """

    name: str
    statement: str
    target: str  # "module:function"
    cost: float = 1.0
    slow_cost: float = None

    def function(self):
        """The check function (imported on first use)."""
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)

    def seconds(self, slow=False):
        """Typical seconds of one run (the `slow` variant's when `slow`)."""
        return self.slow_cost if slow and self.slow_cost is not None else self.cost


CHECKS = (
    Check("perceptron", "The gradient (perceptron) rule teaches one threshold gate exactly the threshold "
          "functions: every one of them, and nothing else (perceptron convergence theorem).",
          "gates.verify.theorems:check_perceptron", cost=60.0, slow_cost=400.0),
    Check("hebb-canonical", "Clamped (supervised) simple Hebb learns a training set iff every canonical "
          "example c_k = T_k x~_k has a positive dot product with their sum (canonical-form theorem): the "
          "exact asymptotic verdict agrees with simulation.", "gates.verify.theorems:check_hebb_canonical", cost=28.0, slow_cost=120.0),
    Check("supervised-hebb", "The canonical-form cosine condition predicts exactly which of the paper's "
          "datasets (near-orthogonal +-1, the identity without and with a bias, common orthant) supervised "
          "simple Hebb learns; the identity sets follow their closed forms.",
          "gates.verify.single_unit:check_supervised_hebb", cost=1.5),
    Check("linear-dynamics", "On a linear unit: simple Hebb aligns with the principal direction and its norm "
          "diverges; Oja converges to the unit principal eigenvector; the delta rule converges to least "
          "squares; degree <= 1 recurrences and Riccati equations have exact solutions.",
          "gates.verify.linear_unit:check_linear_dynamics", cost=0.3),
    Check("riccati-images", "A tanh unit whose rule reads its output (O*x - O*w^2) follows, weight by weight, the "
          "Riccati solution of its expected dynamics under the independence and first-order (dropout) "
          "approximations, on images, when independence holds at the start; the O-free rule is the control.",
          "gates.verify.single_unit:check_riccati_images", cost=2.5),
    Check("counting", "Threshold functions are a vanishing fraction of all functions: log2 of their number "
          "grows like n^2 (at most log2 C(2^n, n+1), Cover), while log2 of all functions is 2^n.",
          "gates.verify.theorems:check_counting", cost=0.1, slow_cost=30.0),
    Check("deep-local", "Deep local learning (hidden layer at the target-independent fixed point of Oja's rule, "
          "top by gradient descent) stops short of a critical point of the error on every target not in the "
          "span of its features; backprop from the same start reaches one.",
          "gates.verify.theorems:check_deep_local", cost=9.0),
    Check("hopfield", "Hopfield storage by simple Hebb commutes with every isometry of the cube (the "
          "orientation is invariant), and no other degree-2 symmetric rule does.",
          "gates.verify.hopfield:check_hopfield", cost=4.0),
    Check("channel", "Backpropagation has the highest learning-channel rate (bits fed back per weight per "
          "operation) and the best improvement per step at every network size; the perturbation algorithms "
          "fall behind by factors that grow with the number of weights W.", "gates.verify.channel:check_channel", cost=3.5),
)
"""The registered theorem checks, in the order ``gates verify`` runs them (a tuple of :class:`Check`).

Examples
--------
>>> from gates.verify import CHECKS
>>> len(CHECKS), CHECKS[0].name
(9, 'perceptron')
"""


def check_names():
    """The names of the registered checks, in the order ``gates verify`` runs them.

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> from gates.verify import check_names
    >>> check_names()[:3]
    ('perceptron', 'hebb-canonical', 'supervised-hebb')
    >>> "counting" in check_names()
    True
    """
    return tuple(c.name for c in CHECKS)


def _call(fn, kwargs):
    """Run one check; a check that raises fails (with the error recorded), it does not abort."""
    t0 = time.perf_counter()
    try:
        res = fn(**kwargs)
    except InputError:
        raise
    except Exception as exc:  # a broken check fails loudly, the others still run
        res = {"holds": False, "evidence": {"error": f"{type(exc).__name__}: {exc}"}}
    return res, round(time.perf_counter() - t0, 2)


class ChecksResult(Result):
    """What :func:`run_checks` returns: the verdicts, as ``gates verify --json`` prints them.

    Keys (``to_dict()``): ``holds`` (every check holds), ``seed``, ``slow``,
    ``mutants_caught`` (only when the mutants ran: every mutant was caught)
    and ``checks``, one dict per check: ``name``, ``statement``, ``holds``,
    ``evidence``, ``seconds`` and, with mutants, ``mutants`` (a list of
    {name, description, caught, seconds} plus ``error`` if the mutant run
    raised).

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
    passed : bool
        Every check holds and every mutant run was caught (the exit status
        of ``gates verify`` is 0 iff this is true).
    lines : dict
        Per check name, the check's human summary (list of str).
    tables : dict
        Per check name, the table ``--out`` writes: (stem, header, rows,
        title, intro), or None.
    """

    @property
    def passed(self):
        return bool(self["holds"] and self.get("mutants_caught", True))

    def summary(self):
        """The report ``gates verify`` prints: per check PASS/FAIL, statement, evidence; then the count."""
        out = []
        for r in self["checks"]:
            out.append(f"[{'PASS' if r['holds'] else 'FAIL'}] {r['name']} ({r['seconds']:.1f} s)")
            out.append(f"  {r['statement']}")
            for line in self.lines.get(r["name"]) or [json.dumps(_plain(r["evidence"]))[:400]]:
                out.append(f"    {line}")
            for m in r.get("mutants", []):
                out.append(f"    mutant {m['name']}: {'caught' if m['caught'] else 'NOT CAUGHT'} "
                           f"({m['seconds']:.1f} s) -- {m['description']}"
                           + (f" [error: {m['error']}]" if "error" in m else ""))
        passed = sum(r["holds"] for r in self["checks"])
        text = f"{passed} of {len(self['checks'])} checks pass"
        if "mutants_caught" in self:
            ms = [m for r in self["checks"] for m in r["mutants"]]
            text += f"; {sum(m['caught'] for m in ms)} of {len(ms)} mutants caught"
        return "\n".join(out + [text])


def _plain(value):
    """`value` as JSON-ready data (numpy scalars made plain)."""
    return Result({"v": value}).to_dict()["v"]


def run_checks(names=None, seed=0, slow=False, options=None, progress=None, mutants=False):
    """Run the registered theorem checks (all when `names` is None) and collect their verdicts.

    A check that raises is a failure, with the error recorded, not an
    abort: the other checks still run. The checks run cheapest first (their
    typical cost, :attr:`Check.cost`) and are reported in the order asked;
    each depends on `seed` alone, so the order changes no verdict. With `mutants`, each check is also
    run once per registered mutant (its ``mutants`` attribute); a mutant is
    *caught* when the check, run on it, does not hold. A mutant run that
    raises is not caught (a crash is no evidence that the check sees the
    break).

    Parameters
    ----------
    names : list of str, optional
        Checks to run, from :func:`check_names`; default: all of them.
    seed : int, default 0
        Root seed passed to every check.
    slow : bool, default False
        The heavier variants (larger n) where a check has one.
    options : dict, optional
        ``{check name: {keyword: value}}``: extra keywords for a check
        (those it does not take are ignored), e.g. ``{"riccati-images": {"runs": 2}}``.
    progress : callable, optional
        Called as ``progress(k)`` with the checks done since the last call
        (floats: each check (and mutant run) weighs its typical cost, so the
        calls add up to the number of runs, ``len(names)`` times
        ``1 + mutants``, while a time-left estimate stays right). Calls come
        from a helper thread, about four a second, while a check runs.
    mutants : bool, default False
        Also run every check on each of its mutants.

    Returns
    -------
    ChecksResult
        The object ``gates verify --json`` prints (keys ``holds``, ``seed``,
        ``slow``, ``mutants_caught`` when `mutants`, ``checks``); its
        ``passed`` is the verdict, ``summary()`` the printed report, and
        ``lines`` / ``tables`` hold each check's text and table.

    Raises
    ------
    InputError
        An unknown check name (the allowed ones are listed).

    Examples
    --------
    Threshold functions are a vanishing fraction of all functions; the check
    counts them for n <= 6 and compares with OEIS A000609 (104 at n = 3):

    >>> from gates.verify import run_checks
    >>> res = run_checks(["counting"])
    >>> res["holds"], res.passed
    (True, True)
    >>> {r["n"]: r["computed"] for r in res["checks"][0]["evidence"]["rows"]}[3]
    104
    >>> print(res.summary().splitlines()[-1])
    1 of 1 checks pass
    """
    by_name = {c.name: c for c in CHECKS}
    names = list(by_name) if not names else list(names)
    for name in names:
        if name not in by_name:
            raise InputError(f"theorem {name!r} is unknown: allowed {', '.join(by_name)}")
    plan = []
    for name in names:
        c = by_name[name]
        fn = c.function()
        plan.append((c, fn, list(getattr(fn, "mutants", {}).items()) if mutants else []))
    # weights in checks: each run's share of the total, in proportion to its typical cost
    runs = sum(1 + len(ms) for _, _, ms in plan)
    cost = sum(c.seconds(slow) * (1 + len(ms)) for c, _, ms in plan)
    pace = {"expected": 0.0, "taken": 0.0}  # seconds expected and taken by the runs so far: this machine's speed
    sent = [0.0]

    def send(k):
        sent[0] += k
        progress(k)

    def step(c, kwargs):
        seconds = c.seconds(slow)
        speed = pace["taken"] / pace["expected"] if pace["expected"] > 0 else 1.0
        with paced(send if progress is not None else None, runs * seconds / cost, seconds * speed):
            res, taken = _call(c.function(), kwargs)
        pace["expected"] += seconds
        pace["taken"] += taken
        return res, taken

    rows = {}
    # cheapest first: the bar learns this machine's speed from short checks before the long ones
    for c, fn, mutant_list in sorted(plan, key=lambda p: p[0].seconds(slow) * (1 + len(p[2]))):
        params = inspect.signature(fn).parameters
        kwargs = {"seed": seed}
        if "slow" in params:
            kwargs["slow"] = slow
        for k, v in (options or {}).get(c.name, {}).items():
            if k in params:
                kwargs[k] = v
        res, seconds = step(c, kwargs)
        row = {"name": c.name, "statement": c.statement, "holds": bool(res["holds"]),
               "evidence": res.get("evidence", {}), "seconds": seconds}
        rows[c.name] = row, res.get("lines", []), res.get("table")
        if mutants:
            row["mutants"] = []
            for mname, description in mutant_list:
                mres, mseconds = step(c, dict(kwargs, mutant=mname))
                entry = {"name": mname, "description": description, "seconds": mseconds}
                error = mres.get("evidence", {}).get("error")
                entry["caught"] = bool(not mres["holds"] and error is None)
                if error is not None:
                    entry["error"] = error
                row["mutants"].append(entry)
    if progress is not None and sent[0] != runs:
        send(runs - sent[0])  # rounding: the calls add up to the runs exactly
    checks = [rows[name][0] for name in names]  # reported in the order asked
    lines = {name: rows[name][1] for name in names}
    tables = {name: rows[name][2] for name in names}
    data = {"holds": all(r["holds"] for r in checks), "seed": seed, "slow": slow}
    if mutants:
        data["mutants_caught"] = all(m["caught"] for r in checks for m in r["mutants"])
    data["checks"] = checks
    return ChecksResult(data, names=names, mutants=mutants, lines=lines, tables=tables)


def write_checks(result, out_dir, command=None):
    """Write the checks' tables and ``verify.json`` (manifest, verdicts, evidence) into `out_dir`.

    Parameters
    ----------
    result : ChecksResult
        What :func:`run_checks` returned.
    out_dir : str or path-like
        The folder (created if missing).
    command : list of str, optional
        The command line recorded in the manifests; default ``sys.argv``.

    Returns
    -------
    list of str
        The files written, relative to `out_dir`.

    Examples
    --------
    >>> import tempfile
    >>> write_checks(run_checks(["counting"]), tempfile.mkdtemp(), command=["gates", "verify", "counting"])
    ['counting_bound.csv', 'counting_bound.md', 'counting_bound.manifest.json', 'verify.json']
    """
    import os

    from gates.io.storage import manifest, write_json, write_table

    files = []
    for r in result["checks"]:
        table = result.tables.get(r["name"])
        if table:
            stem, header, rows, title, intro = table
            files += write_table(out_dir, stem, header, rows, title, intro, f"theorem-{r['name']}",
                                 {"theorem": r["name"], "statement": r["statement"]},
                                 command=command, seed=result["seed"], results={"holds": r["holds"]})
    extra = {k: result[k] for k in ("holds", "mutants_caught") if k in result}
    write_json(os.path.join(out_dir, "verify.json"),
               dict(manifest("theorem-checks", {"theorems": list(result.names), "slow": result["slow"],
                                                "mutants": result.mutants},
                             files, seed=result["seed"], command=command), **extra, checks=result.to_dict()["checks"]))
    return files + ["verify.json"]

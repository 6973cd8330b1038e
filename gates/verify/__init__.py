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
"""

import importlib
import inspect
import time
from dataclasses import dataclass

from gates.errors import InputError

__all__ = ["Check", "CHECKS", "check_names", "run_checks", "write_checks"]


# --------------------------------------------------------------------------
# the registry behind `gates verify`
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One theorem check: its name, the statement it tests, and where it lives."""

    name: str
    statement: str
    target: str  # "module:function"

    def function(self):
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)


CHECKS = (
    Check("perceptron", "The gradient (perceptron) rule teaches one threshold gate exactly the threshold "
          "functions: every one of them, and nothing else (perceptron convergence theorem).",
          "gates.verify.theorems:check_perceptron"),
    Check("hebb-canonical", "Clamped (supervised) simple Hebb learns a training set iff every canonical "
          "example c_k = T_k x~_k has a positive dot product with their sum (canonical-form theorem): the "
          "exact asymptotic verdict agrees with simulation.", "gates.verify.theorems:check_hebb_canonical"),
    Check("supervised-hebb", "The canonical-form cosine condition predicts exactly which of the paper's "
          "datasets (near-orthogonal +-1, the identity without and with a bias, common orthant) supervised "
          "simple Hebb learns; the identity sets follow their closed forms.",
          "gates.verify.single_unit:check_supervised_hebb"),
    Check("linear-dynamics", "On a linear unit: simple Hebb aligns with the principal direction and its norm "
          "diverges; Oja converges to the unit principal eigenvector; the delta rule converges to least "
          "squares; degree <= 1 recurrences and Riccati equations have exact solutions.",
          "gates.verify.linear_unit:check_linear_dynamics"),
    Check("riccati-images", "A tanh unit whose rule reads its output (O*x - O*w^2) follows, weight by weight, the "
          "Riccati solution of its expected dynamics under the independence and first-order (dropout) "
          "approximations, on images, when independence holds at the start; the O-free rule is the control.",
          "gates.verify.single_unit:check_riccati_images"),
    Check("counting", "Threshold functions are a vanishing fraction of all functions: log2 of their number "
          "grows like n^2 (at most log2 C(2^n, n+1), Cover), while log2 of all functions is 2^n.",
          "gates.verify.theorems:check_counting"),
    Check("deep-local", "Deep local learning (hidden layer at the target-independent fixed point of Oja's rule, "
          "top by gradient descent) stops short of a critical point of the error on every target not in the "
          "span of its features; backprop from the same start reaches one.",
          "gates.verify.theorems:check_deep_local"),
    Check("hopfield", "Hopfield storage by simple Hebb commutes with every isometry of the cube (the "
          "orientation is invariant), and no other degree-2 symmetric rule does.",
          "gates.verify.hopfield:check_hopfield"),
    Check("channel", "Backpropagation has the highest learning-channel rate (bits fed back per weight per "
          "operation) and the best improvement per step at every network size; the perturbation algorithms "
          "fall behind by factors that grow with the number of weights W.", "gates.verify.channel:check_channel"),
)


def check_names():
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


def run_checks(names=None, seed=0, slow=False, options=None, progress=None, mutants=False):
    """Run registered checks (all when `names` is None); one result dict per check.

    Each result has name, statement, holds, evidence, seconds (and lines /
    table when the check gives them). A check that raises is a failure,
    with the error recorded, not an abort: the other checks still run.

    With `mutants`, each check is also run once per registered mutant, and
    the result gains ``mutants``: a list of {name, description, caught,
    seconds} (plus ``error`` if the mutant run raised). A mutant is caught
    when the check, run on it, does not hold; a mutant run that raises is
    *not* counted as caught (a crash is no evidence that the check sees
    the break).
    """
    by_name = {c.name: c for c in CHECKS}
    names = list(by_name) if not names else list(names)
    for name in names:
        if name not in by_name:
            raise InputError(f"theorem {name!r} is unknown: allowed {', '.join(by_name)}")
    out = []
    for name in names:
        c = by_name[name]
        fn = c.function()
        params = inspect.signature(fn).parameters
        kwargs = {"seed": seed}
        if "slow" in params:
            kwargs["slow"] = slow
        for k, v in (options or {}).get(name, {}).items():
            if k in params:
                kwargs[k] = v
        res, seconds = _call(fn, kwargs)
        row = {"name": name, "statement": c.statement, "holds": bool(res["holds"]),
               "evidence": res.get("evidence", {}), "lines": res.get("lines", []),
               "table": res.get("table"), "seconds": seconds}
        if mutants:
            row["mutants"] = []
            for mname, description in getattr(fn, "mutants", {}).items():
                mres, mseconds = _call(fn, dict(kwargs, mutant=mname))
                entry = {"name": mname, "description": description, "seconds": mseconds}
                error = mres.get("evidence", {}).get("error")
                entry["caught"] = bool(not mres["holds"] and error is None)
                if error is not None:
                    entry["error"] = error
                row["mutants"].append(entry)
        out.append(row)
        if progress is not None:
            progress(1)
    return out


def write_checks(results, out_dir, names, seed=0, slow=False, mutants=False, command=None):
    """Write the checks' tables and ``verify.json`` (manifest, verdicts, evidence) into `out_dir`.

    `results` come from :func:`run_checks` of `names` with `seed`, `slow` and
    `mutants`. Returns the files written, relative to `out_dir`.
    """
    import os

    from gates.io.storage import manifest, write_json, write_table

    holds = all(r["holds"] for r in results)
    caught = all(m["caught"] for r in results for m in r.get("mutants", []))
    files = []
    for r in results:
        if r["table"]:
            stem, header, rows, title, intro = r["table"]
            files += write_table(out_dir, stem, header, rows, title, intro, f"theorem-{r['name']}",
                                 {"theorem": r["name"], "statement": r["statement"]},
                                 command=command, seed=seed, results={"holds": r["holds"]})
    report = [{k: v for k, v in r.items() if k not in ("table", "lines")} for r in results]
    write_json(os.path.join(out_dir, "verify.json"),
               dict(manifest("theorem-checks", {"theorems": names, "slow": slow, "mutants": mutants},
                             files, seed=seed, command=command), holds=holds,
                    **({"mutants_caught": caught} if mutants else {}), checks=report))
    return files + ["verify.json"]

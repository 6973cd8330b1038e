"""The cells of the learnability tables and their writers: every cell is one census, run over seeds.

A cell is one census: (family, n, layers, width h, hidden rule, output rule,
mode). Simulated cells run S independent seeds (``SEEDS``; the two-layer
cells at n = 4, whose intervals were the widest, 2 S) and report, for
each quantity, the mean over the seeds with its 95% Student t interval;
class reductions are stratified samples (``MEMBERS`` random members per
class). Exact cells are proven values (one gate in exact mode); two-layer
exact cells are exact for each seed's learnt hidden layer and reported as
the mean over seeds with its interval, since the hidden layer is random.

Each cell is computed once per run (a memo shared by every table), so one
quantity has one value wherever it appears: the one-gate rows of the
two-layer tables are the rows of the one-gate tables.

Every learnability table has the same long-form columns (``HEADER``), one
row per cell, so a reader (and a test) can join them.
"""

import json
import os
import time
from dataclasses import asdict, dataclass, fields

from gates.studies.census import shallow_census
from gates.learning.two_layer import HIDDEN_RULES, TOP_RULES, DeepNet, default_hidden, representable
from gates.studies.deep_census import deep_census
from gates.errors import UndecidedError
from gates.learning.protocol import Protocol
from gates.learning.rules import get_rule
from gates.io.storage import write_table, write_text

__all__ = ["Cell", "SEEDS", "TABLES", "MEMBERS", "HEADER", "QUANTITIES", "PAPER_COMBOS", "SPEC", "TITLES", "run_cell",
           "cell_row", "table_rows", "table_steps", "write_learnability_tables", "exact_rows", "cell_id",
           "learnability_tables", "EXACT_ITEMS", "EXTENDED", "EXTENDED_SEEDS", "ONE_GATE_RULES"]

SEEDS = 5
"""Seeds per simulated cell in the tables."""
MEMBERS = 8
"""Random members per class where a table samples classes."""
QUANTITIES = ("learnable", "robust", "expected_per_restart", "non_threshold", "features_mean")
ONE_GATE_RULES = ("hebb", "oja", "hebb-tanh", "gradient")
# the paper's pairs (hidden rule, output rule): each rule in both layers,
# gradient over a Hebbian layer, and gradient over random features (control)
PAPER_COMBOS = (("hebb", "hebb"), ("oja", "oja"), ("hebb-tanh", "hebb-tanh"), ("hebb", "gradient"),
                ("none", "gradient"))
ALL_PAIRS = tuple((h, t) for h in HIDDEN_RULES for t in TOP_RULES)


@dataclass(frozen=True)
class Cell:
    """One census of a table."""

    family: str
    n: int
    rule: str
    layers: int = 1
    hidden_rule: str = None
    hidden: int = None
    mode: str = "simulate"
    classes: str = None
    members: int = None  # random members per class where this cell samples classes (None: the table's)
    seed_factor: int = 1  # the cell runs seed_factor x the table's seeds (where its intervals were widest)


HEADER = ["family", "n", "layers", "h", "hidden rule", "rule", "mode", "seeds", "functions", "threshold",
          "representable"]
for _q in QUANTITIES:
    HEADER += [_q, f"{_q} low", f"{_q} high"]
HEADER += ["ties", "kind", "reduction", "estimator"]
del _q


def _cells_one_gate(family, ns, classes_at, members_at=None):
    return [Cell(family, n, r, classes=classes_at.get(n), members=(members_at or {}).get(n))
            for n in ns for r in ONE_GATE_RULES]


def _cells_two_layers(family, ns, pairs, classes_at, exact=True, widths=None, seed_factor_at=None):
    out = []
    for n in ns:
        f = (seed_factor_at or {}).get(n, 1)
        for h in (widths(n) if widths else [default_hidden(n)]):
            for hid, top in pairs:
                out.append(Cell(family, n, top, 2, hid, h, "simulate", classes_at.get(n), seed_factor=f))
                if exact:
                    out.append(Cell(family, n, top, 2, hid, h, "exact", seed_factor=f))
    return out


# the paper's pairs, and hebb-tanh/gradient: with them every pair has an all-function n = 5 cell
SIMULATED_N5 = PAPER_COMBOS + (("hebb-tanh", "gradient"),)


def _widths(n):
    return sorted({1, 2, n, 2 * n, default_hidden(n), 1 << n})


SPEC = {
    # n = 6: 1,113 NP classes, 2 members each (the n = 4 coverage runs show m = 2 holds with many classes)
    "shallow_boolean": _cells_one_gate("all", range(1, 7), {5: "np", 6: "np"}, {6: 2}),
    "shallow_monotone": _cells_one_gate("monotone", range(1, 7), {6: "p"}, {6: 2}),
    # two layers at n = 4: twice the seeds (the widest intervals of the headline tables, bought with the
    # lockstep kernels' speed-up)
    "deep_boolean": _cells_one_gate("all", range(1, 5), {})
    + _cells_two_layers("all", range(1, 5), ALL_PAIRS, {4: "npn"}, seed_factor_at={4: 2}),
    "deep_monotone": _cells_one_gate("monotone", range(1, 5), {})
    + _cells_two_layers("monotone", range(1, 5), ALL_PAIRS, {}),
    "deep_width": _cells_two_layers("all", (3, 4), PAPER_COMBOS, {4: "npn"}, exact=False, widths=_widths,
                                    seed_factor_at={4: 2}),
    # cheap cells first: an interrupted --extended run resumes at the costly exact ones (large m)
    # and each exact pair's monotone and all-function cells side by side (one verdict serves both)
    "deep_extended": _cells_one_gate("all", [5], {5: "np"}) + _cells_one_gate("monotone", [5], {})
    + _cells_two_layers("monotone", [5], ALL_PAIRS, {}, exact=False)
    + [Cell(f, 5, t, 2, h, 16, "exact") for h in ("oja", "hebb", "hebb-tanh", "none")
       for t in ("gradient", "hebb", "oja", "hebb-tanh") for f in ("monotone", "all")]
    # all 2^32 functions simulated: 616,126 NPN classes, 2 random members each (1-7 min a seed a pair)
    + [Cell("all", 5, t, 2, h, 16, "simulate", "npn", members=2) for h, t in SIMULATED_N5],
}
EXTENDED = ("deep_extended",)
EXTENDED_SEEDS = 3
"""Seeds per cell of the extended (n = 5) tables, whatever --seeds says."""
TABLES = ("counts", *SPEC, "shallow_extended")

TITLES = {
    "shallow_boolean": ("Boolean functions learnable by one threshold gate (simulated)",
                        "One gate with bias, each clamped local rule, the default protocol (see the manifest)."),
    "shallow_monotone": ("Monotone functions learnable by one threshold gate (simulated)",
                         "As the Boolean table, restricted to the monotone functions (Dedekind numbers)."),
    "deep_boolean": ("Boolean functions learnt by one gate and by two layers, n = 1..4",
                     "Two layers: h = 2^(n-1) hidden threshold gates learn unsupervised (hebb, oja, hebb-tanh;\n"
                     "none = fixed random weights), frozen, then the output gate learns clamped (hidden-first).\n"
                     "`simulate` rows train the protocol; `exact` rows decide the output rule's asymptotic\n"
                     "verdict for every function on each restart's learnt features. One-gate rows (layers 1)\n"
                     "are the cells of the one-gate tables."),
    "deep_monotone": ("Monotone functions learnt by one gate and by two layers, n = 1..4",
                      "As the Boolean table, restricted to the monotone functions (168 at n = 4)."),
    "deep_width": ("Two-layer counts against the hidden width h (simulated)",
                   "All functions of n = 3 (every function) and n = 4 (NPN classes sampled), the paper's pairs."),
    "deep_extended": ("Two-layer learnability at n = 5",
                      "All 2^32 functions in exact mode for every hidden/output pair (where the learnt features\n"
                      "allow it) and simulated for the paper's five pairs (NPN classes, 2 random members each),\n"
                      "and the 7,581 monotone functions simulated and exact. Written by `gates tables --extended`."),
}

LEGEND = (
    "How to read a cell. `kind` says what each number is:\n"
    "- `exact`: a proven value (exact mode of one gate: canonical-form theorem, perceptron convergence).\n"
    "- `exact per seed, mean [95% CI] over seeds`: two layers in exact mode; each seed's count is proven for\n"
    "  that seed's learnt hidden layer, and the hidden layer is random, so the cell is the mean over seeds\n"
    "  with Student's t interval.\n"
    "- `estimate, mean [95% CI] over seeds`: simulated; the mean over the seeds with Student's t interval.\n"
    "  Where the reduction samples classes, each seed's count is itself a stratified-sampling estimate.\n"
    "Quantities: `learnable` = #{f : some restart learns f} (the paper's definition), `robust` = every\n"
    "restart learns f, `expected_per_restart` = sum_f s_f / K, `non_threshold` = learnable functions that\n"
    "no single gate computes, `features_mean` = distinct hidden feature patterns per restart. A gate has\n"
    "learnt f when T (w . x~) > tol |w| |x~| on every input (tol in the manifest); ties are not learnt."
)


def run_cell(cell, protocol, seeds=SEEDS, members=MEMBERS, memo=None):
    """The summary of one cell's census (memoised), or None when exact mode cannot decide it."""
    memo = {} if memo is None else memo
    members = cell.members or members
    key = (cell, protocol, seeds, members)
    if key in memo:
        return memo[key]
    try:
        if cell.layers == 1:
            res = shallow_census(cell.family, cell.n, cell.rule, mode=cell.mode, protocol=protocol,
                                 classes=cell.classes, seeds=seeds if cell.mode == "simulate" else None,
                                 members=members)
        else:
            res = deep_census(cell.family, cell.n, cell.rule, cell.hidden_rule, hidden=cell.hidden,
                              protocol=protocol, classes=cell.classes, seeds=seeds, members=members, mode=cell.mode)
        out = res.to_dict()
    except UndecidedError as exc:
        out = {"undecided": str(exc)}
    memo[key] = out
    return out


def _toml(value):
    if type(value) is bool:  # before int: a bool is an int
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def cell_id(cell):
    """A file name for a cell: family_nN_L-layers_hidden_rule_mode."""
    parts = [cell.family, f"n{cell.n}", f"L{cell.layers}"]
    if cell.layers == 2:
        parts += [f"h{cell.hidden}", cell.hidden_rule]
    parts += [cell.rule, cell.mode] + ([cell.classes] if cell.classes else [])
    return "_".join(parts)


def cell_job(cell, protocol, seeds, members):
    """The TOML text of a cell's batch job (study ``learn``), one chunk per seed or row slice."""
    params = {"family": cell.family, "n": cell.n, "layers": cell.layers, "rule": cell.rule, "mode": cell.mode,
              "classes": cell.classes or "none", "members": cell.members or members}
    if cell.layers == 2:
        params.update(hidden_rule=cell.hidden_rule, hidden=cell.hidden)
    for f in fields(Protocol):
        if f.name != "seed":
            params[f.name] = getattr(protocol, f.name)
    params["seeds"] = list(range(protocol.seed, protocol.seed + seeds))
    params["chunk_size"] = 20000
    lines = [f"# {cell_id(cell)}: one cell of the deep_extended table (written by gates tables --extended)",
             'study = "learn"', "", "[params]"] + [f"{k} = {_toml(v)}" for k, v in params.items()]
    return "\n".join(lines) + "\n"


def run_cell_batch(cell, protocol, seeds, members, jobs_dir, out_dir, executor="serial", workers=None,
                   deadline=None):
    """A cell run through the batch runner (resumable): the job file and directory go under `jobs_dir`,
    the merged census and its manifest under `out_dir`. Returns the merged summary, {"undecided": why},
    or {"not_run": why} when `deadline` (a time.monotonic() value) passed before the cell was complete."""
    from gates.jobs.runner import job_status, merge_job, run_job

    cid = cell_id(cell)
    os.makedirs(jobs_dir, exist_ok=True)
    job = os.path.join(jobs_dir, f"{cid}.toml")
    write_text(job, cell_job(cell, protocol, seeds, members))
    directory = os.path.join(jobs_dir, cid)
    if deadline is not None and time.monotonic() > deadline:
        done = os.path.exists(os.path.join(directory, "job.json")) and job_status(directory)
        if not done or not (done["complete"] or done["failed"] == done["chunks"]):
            return {"not_run": "not computed within this run's time budget; rerun `gates tables --extended "
                               "--only deep_extended` to resume"}
    ran = run_job(job, directory, executor=executor, workers=workers, progress=False)
    if not ran["complete"]:
        errors = []
        for cid_failed in ran["failed"]:
            with open(os.path.join(jobs_dir, cid, "errors", f"{cid_failed}.json")) as fh:
                errors.append(json.load(fh))
        text = json.dumps(errors)
        if "UndecidedError" in text or "distinct feature patterns" in text:
            why = next(e for e in errors)
            msg = str(why.get("error", why)).strip().splitlines()[-1]
            return {"undecided": msg.split("UndecidedError: ")[-1]}
        raise RuntimeError(f"batch job {cid} failed: {text[:2000]}")
    return merge_job(os.path.join(jobs_dir, cid), out=os.path.join(out_dir, cid))["merged"]


def _fmt(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return round(v, 3)
    return v


def cell_row(cell, s, rep=None):
    """The table row (HEADER) of a cell from its summary `s`."""
    h = "" if cell.layers == 1 else cell.hidden
    row = [cell.family, cell.n, cell.layers, h, cell.hidden_rule or "", cell.rule, cell.mode]
    if "undecided" in s or "not_run" in s:
        why = s.get("undecided") or s["not_run"]
        return row + ["", "", "", ""] + [""] * (3 * len(QUANTITIES)) + [
            "", "undecided" if "undecided" in s else "not run", "", why.split(";")[0]]
    nseeds = len(s.get("seeds", [])) if not (cell.layers == 1 and cell.mode == "exact") else ""
    row += [nseeds, s["functions"], s["threshold"], "" if rep is None else rep]
    for q in QUANTITIES:
        v = s.get(q)
        if q == "non_threshold" and cell.layers == 1:
            v = 0  # one gate computes only threshold functions
        ci = s.get(f"{q}_ci") if nseeds not in ("", 1) else None
        row += [_fmt(v), _fmt(ci[0]) if ci else "", _fmt(ci[1]) if ci else ""]
    if s["exact"] and cell.layers == 1:
        kind = "exact"
    elif cell.mode == "exact":
        kind = "exact per seed, mean [95% CI] over seeds"
    else:
        kind = "estimate, mean [95% CI] over seeds"
    row += [_fmt(s.get("ties", "")), kind, s["reduction"], s["estimator"]]
    return row


def _md(row):
    d = dict(zip(HEADER, row))

    def cell(q):
        v, lo, hi = d[q], d[f"{q} low"], d[f"{q} high"]
        if v == "":
            return ""
        num = f"{v:,.1f}" if isinstance(v, float) and not float(v).is_integer() else f"{int(v):,}"
        return num if lo == "" else f"{num} [{lo:,.1f}, {hi:,.1f}]"

    return [d["family"], d["n"], d["h"], d["hidden rule"], d["rule"], d["mode"], d["seeds"], cell("learnable"),
            cell("robust"), cell("expected_per_restart"), cell("non_threshold"), cell("features_mean"),
            d["kind"] if d["kind"] not in ("undecided", "not run") else f"{d['kind']}: {d['estimator']}"]


MD_HEADER = ["family", "n", "h", "hidden", "rule", "mode", "seeds", "learnable", "robust", "expected/restart",
             "non-threshold", "features", "kind"]


def table_rows(stem, protocol=None, seeds=SEEDS, members=MEMBERS, memo=None, progress=None, max_n=None,
               batch=None, deadline=None):
    """The rows of one learnability table (long form, ``HEADER``), cells up to `max_n`, and each
    cell's per-seed values (for the manifest).

    `batch`: (jobs_dir, out_dir): run every cell through the batch runner instead (resumable).
    """
    protocol = Protocol() if protocol is None else protocol
    memo = {} if memo is None else memo
    rows = []
    reps = {}
    per_seed = []
    for cell in SPEC[stem]:
        if max_n is not None and cell.n > max_n:
            continue
        rep = None
        if cell.layers == 2:
            key = (cell.family, cell.n, cell.hidden)
            if key not in reps:
                r = representable(cell.family, cell.n, cell.hidden, seed=protocol.seed)
                reps[key] = r["representable"] if r["exact"] else f">= {r['representable']}"
            rep = reps[key]
        if batch is not None:
            s = run_cell_batch(cell, protocol, seeds * cell.seed_factor, members, *batch, deadline=deadline)
        else:
            s = run_cell(cell, protocol, seeds * cell.seed_factor, members, memo)
        rows.append(cell_row(cell, s, rep))
        per_seed.append({"cell": cell_id(cell), "seeds": s.get("seeds")})
        if progress is not None:
            progress(1)
    return rows, per_seed


def _stems(extended, quick, only=None):
    out = [s for s in SPEC if (extended or s not in EXTENDED) and (not quick or s.startswith("shallow"))]
    return out if only is None else [s for s in out if s in only]


def table_steps(extended=False, quick=False, only=None):
    """Cells the tables run (and exact one-gate rows), for a progress bar."""
    cells = sum(1 for s in _stems(extended, quick, only) for c in SPEC[s] if not quick or c.n <= 4)
    if only is not None and "shallow_extended" not in only:
        return cells
    return cells + sum(1 for _, n, _ in EXACT_ITEMS if not quick or n <= 4)


def write_learnability_tables(out_dir, protocol=None, extended=False, quick=False, seeds=SEEDS, members=MEMBERS,
                              progress=None, command=None, memo=None, jobs_dir=".gates-jobs", extended_seeds=EXTENDED_SEEDS,
                              only=None, budget=None):
    """Write every learnability table (CSV, Markdown, manifest) into `out_dir`; returns the files.

    ``quick``: the one-gate tables up to n = 4 only. ``extended``: also
    ``deep_extended`` (n = 5), every cell a batch job under `jobs_dir`
    (resumable: rerun the command after a crash), merged into
    ``out_dir/batch/deep_extended/<cell>``, with `extended_seeds` seeds.
    `only`: a set of table names to write (default: all). `budget`: seconds
    after which ``deep_extended`` starts no new cell (the rest are written as
    "not run" rows and resume on the next run).
    """
    deadline = None if budget is None else time.monotonic() + budget
    protocol = Protocol() if protocol is None else protocol
    memo = {} if memo is None else memo
    files = []
    for stem in _stems(extended, quick, only):
        t0 = time.perf_counter()
        max_n = 4 if quick else None
        batch = None
        use_seeds = seeds
        if stem in EXTENDED:
            batch = (os.path.join(jobs_dir, stem), os.path.join(out_dir, "batch", stem))
            use_seeds = extended_seeds
        rows, per_seed = table_rows(stem, protocol, use_seeds, members, memo, progress, max_n, batch,
                                    deadline if stem in EXTENDED else None)
        title, intro = TITLES[stem]
        proto = {
            "cells": [asdict(c) for c in SPEC[stem] if max_n is None or c.n <= max_n],
            "seeds": f"{use_seeds} root seeds per simulated or two-layer cell: {protocol.seed} .. "
                     f"{protocol.seed + use_seeds - 1}",
            "members": f"{members} uniform random members per class where a cell samples classes",
            "one_gate_rules": {r: get_rule(r).to_dict() for r in ONE_GATE_RULES},
            "hidden_rules": {h: DeepNet(1, h).to_dict()["hidden_rule_formula"] for h in HIDDEN_RULES},
            "order": "hidden-first",
            "training": protocol.to_dict(),
            "quick": quick,
        }
        files += write_table(out_dir, stem, HEADER, rows, title, intro + "\n\n" + LEGEND, "learnability", proto,
                             command=command, seed=protocol.seed, md_rows=[_md(r) for r in rows],
                             md_header=MD_HEADER,
                             results={"rows": len(rows), "seconds": round(time.perf_counter() - t0, 2),
                                      "per_seed": per_seed})
    if only is not None and "shallow_extended" not in only:
        return files
    t0 = time.perf_counter()
    header, rows = exact_rows(progress, 4 if quick else None)
    files += write_table(out_dir, "shallow_extended", header, rows, *EXACT_TITLE, "shallow-learnability",
                         {"mode": "exact", "layers": 1, "rules": {r: get_rule(r).to_dict() for r in ONE_GATE_RULES},
                          "training": {"encoding": protocol.encoding, "bias": protocol.bias}, "quick": quick},
                         command=command, results={"rows": len(rows), "seconds": round(time.perf_counter() - t0, 2)})
    return files


# --------------------------------------------------------------------------
# the exact one-gate table
# --------------------------------------------------------------------------

EXACT_ITEMS = [("all", n, None if n <= 4 else "np") for n in range(1, 9)] + \
              [("monotone", n, None if n <= 4 else "p") for n in range(1, 7)]


EXACT_TITLE = (
    "Learnability by one threshold gate in exact (asymptotic) mode",
    "Clamped Hebb and Oja converge to the direction c = sum_k T_k x~_k, hebb-tanh to\n"
    "sign(c); a function is learnt when that direction has a strictly positive margin\n"
    "on every input. `ties` counts the threshold functions whose smallest asymptotic\n"
    "margin is exactly 0: a finite simulation does not learn them (a margin below the\n"
    "tolerance is a tie). `gradient` learns exactly the threshold functions (perceptron\n"
    "convergence theorem). Every number here is exact.",
)


def exact_rows(progress=None, max_n=None):
    """Header and rows of ``shallow_extended``: one gate in exact (asymptotic) mode, with ties."""
    header = ["family", "n", "functions", "threshold"]
    for r in ONE_GATE_RULES:
        header += [r] if r == "gradient" else [r, f"{r} ties"]
    header.append("reduction")
    rows = []
    for fam, n, classes in EXACT_ITEMS:
        if max_n is not None and n > max_n:
            continue
        res = [shallow_census(fam, n, r, mode="exact", classes=classes) for r in ONE_GATE_RULES]
        row = [fam, n, res[0].functions, res[0].threshold]
        for r, c in zip(ONE_GATE_RULES, res):
            row.append(c.learnable)
            if r != "gradient":
                row.append(c.extra["ties"])
        row.append(res[0].reduction)
        rows.append(row)
        if progress is not None:
            progress(1)
    return header, rows


def learnability_tables(extended=False, quick=False, only=None):
    """The learnability tables :func:`write_learnability_tables` writes with these options, in order."""
    return _stems(extended, quick, only)

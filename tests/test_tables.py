"""The committed learnability tables: known counts, recomputed cells, one value per quantity."""

import csv
import json
import os
from dataclasses import fields

import pytest

from gates.learning.protocol import Protocol
from gates.tables import HEADER, QUANTITIES, Cell, cell_id, cell_row, run_cell

from . import naive
from .test_census import naive_status, naive_threshold

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENUM = os.path.join(ROOT, "enumerations")
MONOTONE = [2, 3, 6, 20, 168, 7581, 7828354]  # A000372
A000609 = [2, 4, 14, 104, 1882, 94572, 15028134]  # threshold functions
MONOTONE_THRESHOLD = [2, 3, 6, 20, 150, 3287, 244158]  # A000617 (with constants)
LEARNABILITY = ["shallow_boolean", "shallow_monotone", "deep_boolean", "deep_monotone", "deep_width",
                "deep_extended"]


def read_committed(name):
    """Text of the committed table enumerations/<name>; it must exist."""
    path = os.path.join(ENUM, name)
    assert os.path.exists(path), f"enumerations/{name} is missing: run `gates tables`"
    with open(path) as fh:
        return fh.read()


def committed(stem):
    rows = list(csv.DictReader(read_committed(f"{stem}.csv").splitlines()))
    meta = json.loads(read_committed(f"{stem}.manifest.json"))
    return rows, meta


def protocol_of(meta):
    training = meta["protocol"]["training"]
    return Protocol(**{f.name: training[f.name] for f in fields(Protocol) if f.name in training})


def stems():
    return [s for s in LEARNABILITY if os.path.exists(os.path.join(ENUM, f"{s}.csv"))]


# --------------------------------------------------------------------------
# one quantity, one value
# --------------------------------------------------------------------------


def disagreements(tables):
    """Cells naming the same (family, n, layers, h, hidden rule, rule, mode, seeds, protocol) with different
    values of a quantity. `tables`: {name: (rows, training protocol)}."""
    seen, bad = {}, []
    for name, (rows, training) in tables.items():
        for d in rows:
            key = (d["family"], d["n"], d["layers"], d["h"], d["hidden rule"], d["rule"], d["mode"], d["seeds"],
                   json.dumps(training, sort_keys=True))
            vals = tuple(d[q] for q in QUANTITIES) + tuple(d[f"{q} low"] for q in QUANTITIES)
            if key in seen and seen[key][1] != vals:
                bad.append((key[:8], seen[key][0], name))
            seen.setdefault(key, (name, vals))
    return bad


def all_committed():
    out = {}
    for s in stems():
        rows, meta = committed(s)
        out[s] = (rows, meta["protocol"]["training"])
    return out


def test_one_quantity_has_one_value():
    tables = all_committed()
    assert len(tables) >= 5
    assert disagreements(tables) == []
    # the same quantity appears in several tables (one gate in the two-layer tables)
    keys = {}
    for name, (rows, _) in tables.items():
        for d in rows:
            keys.setdefault((d["family"], d["n"], d["layers"], d["rule"], d["mode"], d["h"], d["hidden rule"]),
                            set()).add(name)
    assert sum(len(v) > 1 for v in keys.values()) >= 8
    # mutant: change one shared value and the check sees it
    name = next(n for n in tables if n == "deep_boolean")
    rows, training = tables[name]
    d = next(r for r in rows if r["layers"] == "1" and r["n"] == "4")
    changed = dict(tables)
    changed[name] = ([dict(d, learnable=str(float(d["learnable"]) + 1))] + rows, training)
    assert disagreements(changed) != []


def test_deep_extended_rows_are_their_batch_merges():
    """deep_extended runs every cell through the batch runner; each row is its committed merge's summary."""
    rows, _ = committed("deep_extended")
    merged = 0
    for d in rows:
        path = os.path.join(ENUM, "batch", "deep_extended", cell_id(cell_of(d)), "census.manifest.json")
        if d["kind"] in ("undecided", "not run"):
            assert not os.path.exists(path)
            continue
        with open(path) as fh:
            res = json.load(fh)["results"]
        for q in ("learnable", "robust", "expected_per_restart"):
            assert round(res[q], 3) == pytest.approx(float(d[q])), (d["rule"], d["hidden rule"], q)
        assert len(res["seeds"]) == int(d["seeds"])
        merged += 1
    assert merged >= 16


# --------------------------------------------------------------------------
# what references state on their own
# --------------------------------------------------------------------------


@pytest.mark.parametrize("stem", LEARNABILITY)
def test_committed_tables_state_the_known_counts(stem):
    rows, meta = committed(stem)
    assert rows and list(rows[0]) == HEADER
    assert meta["kind"] == "learnability" and meta["protocol"]["training"]["tolerance"] == 1e-6
    for d in rows:
        if d["kind"] in ("undecided", "not run"):
            continue
        n, family = int(d["n"]), d["family"]
        total = MONOTONE[n] if family == "monotone" else 2 ** 2**n
        thr = MONOTONE_THRESHOLD[n] if family == "monotone" else A000609[n]
        assert int(d["functions"]) == total and int(d["threshold"]) == thr
        learnable, robust = float(d["learnable"]), float(d["robust"])
        assert 0 <= robust <= float(d["expected_per_restart"]) + 1e-9 <= learnable + 2e-9 <= total + 2e-9
        if d["layers"] == "1":
            assert learnable <= thr and float(d["non_threshold"]) == 0
            if d["rule"] == "gradient":
                assert learnable == thr  # perceptron convergence within 100 epochs at n <= 6
        else:
            assert int(d["h"]) >= 1
            assert float(d["non_threshold"]) <= learnable
            if d["h"] == str(2 ** (n - 1)) and d["representable"]:
                assert int(d["representable"]) == total  # minterm construction
        if d["kind"].startswith("estimate") and d["seeds"] not in ("", "1"):
            assert float(d["learnable low"]) <= learnable <= float(d["learnable high"])


def test_committed_exact_table_against_the_reference():
    rows = list(csv.DictReader(read_committed("shallow_extended.csv").splitlines()))
    for d in rows:
        n, family = int(d["n"]), d["family"]
        if n > 4:
            continue
        thr = naive_threshold(n)
        members = range(2 ** 2**n) if family == "all" else naive.monotone_functions(n)
        if family == "monotone":
            thr = {v for v in thr if naive.is_monotone(v, n)}
        assert int(d["threshold"]) == len(thr) == int(d["gradient"])
        for rule in ("hebb", "oja", "hebb-tanh"):
            status = naive_status(n, "pm1", True, rule == "hebb-tanh")
            assert int(d[rule]) == sum(1 for v in members if status[v] == 1)
            assert int(d[f"{rule} ties"]) == sum(1 for v in members if status[v] == 0 and v in thr)


# --------------------------------------------------------------------------
# recomputed cells
# --------------------------------------------------------------------------


def cell_of(d):
    return Cell(d["family"], int(d["n"]), d["rule"], int(d["layers"]), d["hidden rule"] or None,
                int(d["h"]) if d["h"] else None, d["mode"],
                None if "stratified" not in d["reduction"] else d["reduction"].split(" of ")[1].split()[0].lower())


@pytest.mark.parametrize("stem", ["shallow_boolean", "shallow_monotone", "deep_boolean", "deep_monotone", "deep_width"])
def test_committed_cells_recompute(stem):
    """Every cell with n <= 3 recomputed from the manifest's protocol and seeds gives the committed row."""
    rows, meta = committed(stem)
    protocol = protocol_of(meta)
    seeds = int(meta["protocol"]["seeds"].split()[0])
    members = int(meta["protocol"]["members"].split()[0])
    memo = {}
    checked = 0
    for d in rows:
        if int(d["n"]) > 3:
            continue
        cell = cell_of(d)
        got = cell_row(cell, run_cell(cell, protocol, seeds, members, memo), d["representable"] or None)
        want = [d[h] for h in HEADER]
        assert [str(v) for v in got] == want, (stem, cell)
        checked += 1
    assert checked >= 4

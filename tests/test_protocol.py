"""Training protocols: validation, schedules, common randomness, input layout."""

from dataclasses import fields, replace
from fractions import Fraction

import numpy as np
import pytest

from gates.errors import InputError
from gates.learning.protocol import CRITERIA, ENCODINGS, INITS, PRESENTATIONS, ETA_SCHEDULES, Protocol, settings_table

from . import naive


def test_defaults_are_the_documented_ones():
    p = Protocol()
    assert (p.encoding, p.bias, p.init, p.init_scale, p.presentation) == ("pm1", True, "normal", 0.1, "shuffled")
    assert (p.epochs, p.eta0, p.schedule, p.restarts, p.criterion, p.seed) == (100, 0.1, "linear", 10, "final", 0)
    d = p.to_dict()
    for key in ("encoding", "bias", "init", "init_scale", "presentation", "epochs", "eta0", "schedule",
                "restarts", "criterion", "seed", "init_distribution", "eta_schedule", "randomness"):
        assert key in d
    assert d["init_distribution"] == "N(0, 0.1^2) per synapse"


@pytest.mark.parametrize(
    "field, bad",
    [
        ("encoding", "binary"), ("encoding", "PM1"),
        ("init", "glorot"), ("presentation", "random"), ("schedule", "cosine"), ("criterion", "best"),
        ("epochs", 0), ("epochs", -3), ("epochs", 2.0), ("epochs", True), ("epochs", "10"),
        ("restarts", 0), ("restarts", 1.5), ("restarts", None),
        ("seed", -1), ("seed", 0.5),
        ("eta0", 0), ("eta0", 0.0), ("eta0", -0.1), ("eta0", float("nan")), ("eta0", float("inf")), ("eta0", "0.1"),
        ("init_scale", -1.0), ("init_scale", float("inf")), ("init_scale", float("nan")), ("init_scale", None),
    ],
)
def test_each_bad_field_is_refused(field, bad):
    with pytest.raises(InputError, match=field):
        Protocol(**{field: bad})


def test_good_values_are_accepted():
    for enc in ENCODINGS:
        for init in INITS:
            for pres in PRESENTATIONS:
                for sched in ETA_SCHEDULES:
                    for crit in CRITERIA:
                        Protocol(encoding=enc, init=init, presentation=pres, schedule=sched, criterion=crit)
    Protocol(epochs=np.int64(3), restarts=1, seed=2**40, init_scale=0.0, eta0=1)


@pytest.mark.parametrize("epochs", [1, 2, 3, 7, 100])
@pytest.mark.parametrize("eta0", [0.1, 0.5, 1.0, 3])
def test_etas_closed_form(epochs, eta0):
    lin = Protocol(epochs=epochs, eta0=eta0).etas()
    assert lin.shape == (epochs,) and lin.dtype == np.float64
    # eta_e = eta0 (1 - e / epochs), e = 0..epochs-1: starts at eta0, never reaches 0
    exact = [float(Fraction(eta0) * Fraction(epochs - e, epochs)) for e in range(epochs)]
    assert lin.tolist() == pytest.approx(exact, rel=1e-15, abs=0)
    assert lin[0] == eta0 and lin[-1] > 0
    const = Protocol(epochs=epochs, eta0=eta0, schedule="constant").etas()
    assert const.tolist() == [float(eta0)] * epochs


def test_etas_dyadic_values_are_exact():
    assert Protocol(epochs=4, eta0=0.5).etas().tolist() == [0.5, 0.375, 0.25, 0.125]


@pytest.mark.parametrize("presentation", PRESENTATIONS)
@pytest.mark.parametrize("init", INITS)
def test_draws_depend_only_on_seed_restarts_epochs(presentation, init):
    base = Protocol(restarts=3, epochs=5, seed=7, init=init, presentation=presentation)
    w, o = base.draws(4, 8)
    assert w.shape == (3, 4) and w.dtype == np.float64
    assert o.shape == (3, 5, 8) and o.dtype == np.int64
    # identical across calls, and unchanged by every field that is not randomness
    for other in (base, replace(base, encoding="01"), replace(base, bias=False), replace(base, eta0=0.7),
                  replace(base, schedule="constant"), replace(base, criterion="any-epoch")):
        w2, o2 = other.draws(4, 8)
        assert np.array_equal(w, w2) and np.array_equal(o, o2)
    # restart k uses the k-th spawned child alone: fewer restarts give a prefix
    w3, o3 = replace(base, restarts=2).draws(4, 8)
    assert np.array_equal(w3, w[:2]) and np.array_equal(o3, o[:2])
    if init != "zeros":
        assert not np.array_equal(replace(base, seed=8).draws(4, 8)[0], w)
        assert len({tuple(row) for row in w.tolist()}) == 3  # restarts differ


def test_init_distributions():
    s = 0.25
    w, _ = Protocol(init="normal", init_scale=s, restarts=4, epochs=1).draws(5000, 2)
    assert abs(w.mean()) < 5 * s / np.sqrt(w.size)
    assert w.std() == pytest.approx(s, rel=0.03)
    w, _ = Protocol(init="uniform", init_scale=s, restarts=4, epochs=1).draws(5000, 2)
    assert np.all(np.abs(w) <= s) and w.std() == pytest.approx(s / np.sqrt(3), rel=0.03)
    w, _ = Protocol(init="zeros", restarts=4, epochs=1).draws(50, 2)
    assert not w.any()
    w, _ = Protocol(init="normal", init_scale=0.0, restarts=2, epochs=1).draws(5, 2)
    assert not w.any()


def test_orders():
    _, o = Protocol(restarts=3, epochs=20).draws(3, 8)
    assert all(sorted(row) == list(range(8)) for row in o.reshape(-1, 8).tolist())
    # shuffled: fresh orders, not the same permutation every epoch
    assert len({tuple(row) for row in o.reshape(-1, 8).tolist()}) > 30
    _, c = Protocol(restarts=3, epochs=20, presentation="cyclic").draws(3, 8)
    assert all(row == list(range(8)) for row in c.reshape(-1, 8).tolist())


@pytest.mark.parametrize("n", range(5))
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("bias", [True, False])
def test_inputs_layout(n, encoding, bias):
    x = Protocol(encoding=encoding, bias=bias).inputs(n)
    assert x.dtype == np.float64 and x.flags.c_contiguous
    assert x.shape == (2**n, n + bias)
    assert x.tolist() == naive.gate_inputs(n, encoding, bias)
    # spelled out: row p holds bit i of p in column i, the bias last
    for p in range(2**n):
        for i in range(n):
            b = (p >> i) & 1
            assert x[p, i] == (2 * b - 1 if encoding == "pm1" else b)
        if bias:
            assert x[p, -1] == 1


def test_symmetric():
    for enc in ENCODINGS:
        for pres in PRESENTATIONS:
            for init in INITS:
                p = Protocol(encoding=enc, presentation=pres, init=init)
                assert p.symmetric == (enc == "pm1" and pres == "shuffled")


def test_every_field_carries_its_metadata():
    for f in fields(Protocol):
        m = f.metadata
        assert m["help"] and m["cli_help"]
        assert (m["choices"] is not None) + (m["range"] is not None) + (f.type is bool) == 1, f.name
        if m["choices"] is not None:
            assert f.default in m["choices"]


def test_settings_table_has_one_row_per_field_with_default_and_option():
    lines = settings_table().splitlines()
    assert lines[0] == "| setting | default | allowed | option | meaning |"
    assert len(lines) == 2 + len(fields(Protocol))
    for f, row in zip(fields(Protocol), lines[2:]):
        flag = f.metadata["flag"] or "--" + f.name.replace("_", "-")
        assert row.startswith(f"| {f.name} | ") and f"`{flag}`" in row
        assert row.replace("\\|", "").count("|") == 6  # a bar inside a cell is escaped
    assert "| eta0 | 0.1 | number > 0 | `--eta0` |" in settings_table()
    assert "| recode | true | true, false | `--literal-encoding` |" in settings_table()

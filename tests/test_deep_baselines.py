"""Baselines of sampling deep targets (gates.learning.deep_baselines): compute, budget, tuning, Adam.

Compute counts are checked against the closed forms of the module's
conventions written out by hand here, and against the work the training
kernels actually receive (counted by wrapping them). The relaxed step
(SGD and Adam, tanh and straight-through) is compared with the pure-Python
chain rule of naive.relaxed_step_reference. The tuning record is compared
with independent runs of the public `baseline` on the fit rows with the
validation rows as held-out data.
"""

import inspect
from itertools import product

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gates.learning.deep_baselines as db
from tests.strategies import bits, examples, exact_networks
from gates.learning.deep_baselines import (
    BASELINES,
    DEFAULT_GRID,
    adam_state,
    baseline,
    epoch_evals,
    relaxed_step,
    to01,
    tune_baseline,
    tuned_baseline,
)
from gates.learning.deep_targets import DeepTargetsConfig
from gates.learning.threshold_net import synthetic_data
from gates.errors import InputError

from . import naive

OFF = {"pm1": -1.0, "01": 0.0}
LAYERS = (8, 6, 4, 6, 8)
X64, _ = synthetic_data(n=8, code=3, hidden=6, examples=100, seed=1)


def as_lists(weights):
    return [np.asarray(W, dtype=np.float64).tolist() for W in weights]


def coded(X, off):
    return [[1.0 if v else off for v in row] for row in X]






# --------------------------------------------------------------------------
# to01: a +-1 gate as a gate on 0/1 activities
# --------------------------------------------------------------------------


@examples(60)
@given(case=exact_networks(depth=(1, 4), width=(1, 6)), data=st.data())
def test_to01_computes_the_same_network(case, data):
    sizes, net = case
    X = data.draw(st.lists(bits(sizes[0]), min_size=1, max_size=16))
    net01 = as_lists([to01(np.array(layer)) for layer in net])
    for x in X:
        pm = naive.net_forward(net, coded([x], -1.0)[0], -1.0)
        zo = naive.net_forward(net01, coded([x], 0.0)[0], 0.0)
        assert [[(v + 1) / 2 for v in a] for a in pm] == zo


def test_to01_on_gaussian_weights():
    rng = np.random.default_rng(8)
    W = rng.normal(size=(5, 7))
    net, net01 = [W.tolist()], [to01(W).tolist()]
    for x in product((0, 1), repeat=6):
        pm = naive.net_forward(net, coded([x], -1.0)[0], -1.0)[-1]
        assert [(v + 1) / 2 for v in pm] == naive.net_forward(net01, list(x), 0.0)[-1]


@pytest.mark.parametrize("encoding", ["pm1", "01"])
@pytest.mark.parametrize("kind", ["backprop", "ste"])
def test_relaxed_baselines_start_from_the_initial_network(encoding, kind):
    X, _ = synthetic_data(n=8, code=3, hidden=6, examples=64, seed=1)
    cfg = DeepTargetsConfig(layers=LAYERS, epochs=1, encoding=encoding)
    for optimizer in ("sgd", "adam"):
        res = baseline(kind, X, config=cfg, lr=1e-12, optimizer=optimizer)
        off = OFF[encoding]
        A = coded(X, off)
        # a step of 1e-12 (Adam: at most ~1e-12 per weight) changes no gate: the network is the initial one
        assert naive.net_error(as_lists(res["weights"]), A, A, off) == round(res["curve"][1][1] * 64 * 8)
        assert res["curve"][1][1] == res["curve"][0][1]


# --------------------------------------------------------------------------
# the relaxed step against the pure-Python chain rule
# --------------------------------------------------------------------------


@pytest.mark.parametrize("ste", [False, True])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_relaxed_step_matches_reference(ste, optimizer):
    rng = np.random.default_rng(3 + ste)
    sizes = (5, 4, 3, 5)
    weights = [rng.normal(0, 0.8, (b, a + 1)) for a, b in zip(sizes[:-1], sizes[1:])]
    net = as_lists(weights)
    state = adam_state(weights) if optimizer == "adam" else None
    ref = None
    if state is not None:
        ref = {"b1": 0.9, "b2": 0.999, "eps": 1e-8, "t": 0,
               "m": [[[0.0] * len(g) for g in layer] for layer in net],
               "v": [[[0.0] * len(g) for g in layer] for layer in net]}
    for step in range(4):  # several steps: Adam's moments and bias corrections matter
        X = np.where(rng.random((7, 5)) < 0.5, 1.0, -1.0)
        Y = np.where(rng.random((7, 5)) < 0.5, 1.0, -1.0)
        relaxed_step(weights, X, Y, 0.05, ste, state)
        naive.relaxed_step_reference(net, X.tolist(), Y.tolist(), 0.05, ste, ref)
        for W, layer in zip(weights, net):
            np.testing.assert_allclose(W, np.array(layer), rtol=1e-12, atol=1e-13)


def test_adam_first_step_by_hand():
    # one gate, one weight and a bias, input 1, target 1, a = 0 -> y = tanh 0 = 0:
    # dE/da = (0 - 1) * (1 - 0) = -1, so g = -1 for the weight and the bias;
    # Adam's first step is lr * m_hat / (sqrt(v_hat) + eps) = lr * (-1) / (1 + 1e-8): each moves up by ~lr
    W = [np.array([[0.0, 0.0]])]
    state = adam_state(W)
    relaxed_step(W, np.array([[1.0]]), np.array([[1.0]]), 0.01, False, state)
    np.testing.assert_allclose(W[0], [[0.01 / (1 + 1e-8)] * 2], rtol=1e-14)
    # plain SGD: w -= lr * g = +lr
    W = [np.array([[0.0, 0.0]])]
    relaxed_step(W, np.array([[1.0]]), np.array([[1.0]]), 0.01, False)
    np.testing.assert_allclose(W[0], [[0.01, 0.01]], rtol=1e-15)


# --------------------------------------------------------------------------
# compute: closed forms and the work the kernels receive
# --------------------------------------------------------------------------


def hand_epoch(kind, layers, m, inner, first):
    """The module's conventions, written out: gate evaluations of one epoch."""
    hidden, out = layers[1:-1], layers[-1]
    if kind in ("backprop", "ste"):
        return sum(3 * n * m for n in layers[1:])
    if kind == "random-features":
        return (sum(n * m for n in hidden) if first else 0) + inner * 2 * out * m
    return sum(2 * n * m + n * m for n in hidden) + inner * 2 * out * m


@pytest.mark.parametrize("kind", BASELINES)
def test_evals_per_epoch_closed_form(kind):
    m = 70  # not a multiple of the batch: a short last minibatch
    cfg = DeepTargetsConfig(layers=LAYERS, epochs=3, inner_epochs=3)
    res = baseline(kind, X64[:m], X64[m:], cfg, batch=32)
    want, total = [0], 0
    for e in range(1, 4):
        total += hand_epoch(kind, LAYERS, m, 3, e == 1)
        want.append(total)
    assert res["evals"] == want
    assert [r[0] for r in res["curve"]] == [0, 1, 2, 3] and res["stopped"] == "epochs"
    assert [epoch_evals(kind, LAYERS, m, 3, e == 1) for e in (1, 2)] == [want[1], want[2] - want[1]]
    # backprop on 70 rows, 5 layers of 6+4+6+8 = 24 gates: 3 * 70 * 24 per epoch
    if kind == "backprop":
        assert want[1] == 5040


@pytest.mark.parametrize("kind", BASELINES)
def test_evals_equal_the_work_done(kind, monkeypatch):
    """The meter charges what the kernels are given: each minibatch row 3 per gate;
    each presentation at a layer 2 per gate; each recomputed activity 1 per gate."""
    done = {"n": 0}
    real_step, real_train = db.relaxed_step, db.train_layer

    def step(weights, X, Y, lr, ste, adam=None):
        done["n"] += 3 * len(X) * sum(W.shape[0] for W in weights)
        return real_step(weights, X, Y, lr, ste, adam)

    def train(W, X, T, orders, *a):
        done["n"] += 2 * orders.size * W.shape[0]
        return real_train(W, X, T, orders, *a)

    monkeypatch.setattr(db, "relaxed_step", step)
    monkeypatch.setattr(db, "train_layer", train)
    m, cfg = 50, DeepTargetsConfig(layers=LAYERS, epochs=2)
    res = baseline(kind, X64[:m], config=cfg, batch=16)
    # recomputed hidden activities are not a kernel call: hebb / oja every epoch, random features once
    recomputed = {"random-features": 1, "backprop": 0, "ste": 0}.get(kind, 2) * m * sum(LAYERS[1:-1])
    assert res["evals"][-1] == done["n"] + recomputed


# --------------------------------------------------------------------------
# budget
# --------------------------------------------------------------------------


def greedy(costs, budget):
    """Pay the steps in order until one does not fit: (spent, cost of the unpaid step)."""
    spent = 0
    for c in costs:
        if spent + c > budget:
            return spent, c
        spent += c
    return spent, None


def step_costs(kind, layers, m, batch, inner, epochs):
    """The steps of `epochs` epochs, in order, by the conventions."""
    out = []
    for e in range(1, epochs + 1):
        if kind in ("backprop", "ste"):
            out += [3 * sum(layers[1:]) * min(batch, m - s) for s in range(0, m, batch)]
            continue
        for n in layers[1:-1]:
            if kind != "random-features":
                out += [2 * n] * m
            if kind != "random-features" or e == 1:
                out += [n] * m
        out += [2 * layers[-1]] * (inner * m)
    return out


@pytest.mark.parametrize("kind", BASELINES)
@pytest.mark.parametrize("frac", [0.37, 0.5, 0.91])
def test_budget_is_respected_exactly(kind, frac):
    m, batch = 70, 32
    cfg = DeepTargetsConfig(layers=LAYERS, inner_epochs=2)
    costs = step_costs(kind, LAYERS, m, batch, 2, 6)
    budget = int(frac * sum(costs)) + 1
    res = baseline(kind, X64[:m], X64[m:], cfg, batch=batch, budget=budget)
    spent, nxt = greedy(costs, budget)
    assert res["evals"][-1] == spent <= budget < spent + nxt
    assert res["stopped"] == "budget"
    assert res["evals"] == sorted(set(res["evals"]))  # no repeated row
    assert len(res["curve"]) == len(res["evals"])
    # the rows are at the epoch ends and then at the stop point
    ends = [sum(step_costs(kind, LAYERS, m, batch, 2, e)) for e in range(1, 7)]
    assert res["evals"][1:-1] == [x for x in ends if x < spent]


@pytest.mark.parametrize("kind", ["backprop", "deep-local-oja"])
def test_budget_at_an_epoch_end_is_that_many_epochs(kind):
    m, cfg = 64, DeepTargetsConfig(layers=LAYERS, epochs=3)
    ref = baseline(kind, X64[:m], X64[m:], cfg)
    res = baseline(kind, X64[:m], X64[m:], cfg, budget=ref["evals"][-1])
    assert res["curve"] == ref["curve"] and res["evals"] == ref["evals"]
    for a, b in zip(res["weights"], ref["weights"]):
        np.testing.assert_array_equal(a, b)
    # an explicit epoch count caps a budgeted run; the config's epochs does not
    capped = baseline(kind, X64[:m], config=cfg, budget=10**12, epochs=2)
    assert [r[0] for r in capped["curve"]] == [0, 1, 2] and capped["stopped"] == "epochs"
    longer = baseline(kind, X64[:m], config=cfg, budget=5 * ref["evals"][1])
    assert [r[0] for r in longer["curve"]] == [0, 1, 2, 3, 4, 5] and longer["stopped"] == "budget"


@pytest.mark.parametrize("budget", [0, -5, 2.5, True, "10", float("nan"), float("inf"), None])
def test_bad_budget_is_refused(budget):
    cfg = DeepTargetsConfig(layers=LAYERS, epochs=1)
    if budget is None:  # no budget: fine
        assert baseline("ste", X64[:40], config=cfg)["stopped"] == "epochs"
        return
    with pytest.raises(InputError, match="budget"):
        baseline("ste", X64[:40], config=cfg, budget=budget)
    with pytest.raises(InputError, match="budget"):
        tune_baseline("ste", X64[:40], cfg, budget=budget)


def test_integral_float_budget_is_accepted():
    cfg = DeepTargetsConfig(layers=LAYERS)
    assert baseline("backprop", X64[:40], config=cfg, budget=2e4)["evals"] == \
        baseline("backprop", X64[:40], config=cfg, budget=20000)["evals"]


# --------------------------------------------------------------------------
# tuning on a validation split
# --------------------------------------------------------------------------


def test_absurd_learning_rate_loses_and_the_record_matches_baseline():
    cfg = DeepTargetsConfig(layers=LAYERS, seed=2)
    X = X64[:80]
    grid = [{"optimizer": "sgd", "lr": 1e-9}, {"optimizer": "sgd", "lr": 0.3, "batch": 16},
            {"optimizer": "adam", "lr": 0.01}]
    per_epoch = 3 * 80 * sum(LAYERS[1:])
    budget = 12 * per_epoch + 5
    t = tune_baseline("backprop", X, cfg, budget=budget, grid=grid, seed=4)
    assert t["epochs_cap"] == 12
    val = np.array(t["split"]["val_index"])
    fit = np.setdiff1d(np.arange(80), val)
    assert len(val) == 16 and len(fit) == 64
    best = None
    for i, (p, g) in enumerate(zip(grid, t["grid"])):
        # the same run by the public baseline, the validation rows as held-out data
        ref = baseline("backprop", X[fit], X[val], cfg, lr=p["lr"], batch=p.get("batch", 32),
                       optimizer=p["optimizer"], epochs=12)
        assert g["val_curve"] == [(e, te) for e, _, te in ref["curve"]]
        e = min(range(13), key=lambda k: (ref["curve"][k][2], k))
        if best is None or ref["curve"][e][2] < best[0]:
            best = (ref["curve"][e][2], i, e)
    # lr 1e-9 changes no gate: its validation error stays that of the initial network (at 0 epochs)
    flat = t["grid"][0]["val_curve"]
    assert len({v for _, v in flat}) == 1 and t["grid"][0]["best_epoch"] == 0
    c = t["choice"]
    assert (c["val_error"], c["grid_index"], c["epochs"]) == best
    assert c["grid_index"] != 0 and c["val_error"] < flat[0][1]
    assert c["evals"] == c["epochs"] * per_epoch <= budget


def test_ties_go_to_fewer_evaluations():
    cfg = DeepTargetsConfig(layers=LAYERS, epochs=3)
    same = [{"optimizer": "sgd", "lr": 1e-9}, {"optimizer": "sgd", "lr": 1e-10}]
    t = tune_baseline("ste", X64[:50], cfg, grid=(p for p in same))  # any iterable of points
    assert len(t["grid"]) == 2
    assert t["epochs_cap"] == 3  # no budget: the config's epochs
    assert t["choice"]["grid_index"] == 0 and t["choice"]["epochs"] == 0 and t["choice"]["evals"] == 0


def test_split_uses_training_rows_only_and_is_seeded():
    assert "test" not in inspect.signature(tune_baseline).parameters
    cfg = DeepTargetsConfig(layers=LAYERS, epochs=2)
    grid = DEFAULT_GRID[:1] + DEFAULT_GRID[-1:]  # one SGD, one Adam point
    a = tune_baseline("backprop", X64[:60], cfg, grid=grid, seed=1)
    val = a["split"]["val_index"]
    assert len(val) == 12 == len(set(val)) and all(0 <= i < 60 for i in val)
    assert a["split"]["fit_rows"] == 48
    # the held-out rows given to tuned_baseline change nothing in the tuning
    for test in (X64[60:], 1 - X64[60:]):
        r = tuned_baseline("backprop", X64[:60], test, cfg, grid=grid, seed=1)
        b = r["tuning"]
        assert (b["grid"], b["choice"], b["split"]) == (a["grid"], a["choice"], a["split"])
    other = tune_baseline("backprop", X64[:60], cfg, grid=grid, seed=2)["split"]["val_index"]
    assert other != val


def test_tuned_run_uses_the_choice_within_the_budget():
    cfg = DeepTargetsConfig(layers=LAYERS, seed=1)
    per_epoch = 3 * 60 * sum(LAYERS[1:])
    budget = 8 * per_epoch + per_epoch // 2
    grid = [{"optimizer": "adam", "lr": 0.01}, {"optimizer": "sgd", "lr": 0.3}]
    r = tuned_baseline("ste", X64[:60], X64[60:], cfg, budget=budget, grid=grid)
    c = r["tuning"]["choice"]
    assert r["tuning"]["epochs_cap"] == 8
    assert len(r["curve"]) == c["epochs"] + 1 and r["evals"][-1] == c["evals"] <= budget
    assert r["settings"]["optimizer"] == c["optimizer"] and r["settings"]["lr"] == c["lr"]
    again = tuned_baseline("ste", X64[:60], X64[60:], cfg, budget=budget, grid=grid)
    assert again["curve"] == r["curve"] and again["tuning"]["grid"] == r["tuning"]["grid"]


@pytest.mark.parametrize("kw", [
    {"kind": "deep-local-hebb"},
    {"grid": []},
    {"grid": [{"optimizer": "rmsprop", "lr": 0.1}]},
    {"grid": [{"optimizer": "sgd", "lr": 0.0}]},
    {"grid": [{"optimizer": "sgd", "lr": 0.1, "momentum": 0.9}]},
    {"grid": [{"optimizer": "sgd", "lr": 0.1, "batch": 0}]},
    {"grid": [{"optimizer": "adam", "lr": 0.1, "betas": [0.9, 1.0]}]},
    {"grid": {"optimizer": "sgd", "lr": 0.1}},
    {"grid": "sgd"},
    {"val_fraction": 0.0},
    {"val_fraction": 1.0},
    {"val_fraction": 0.001},
    {"budget": 100},  # less than one epoch
    {"seed": -1},
])
def test_bad_tuning_input_is_refused(kw):
    kw = {"kind": "backprop", **kw}
    with pytest.raises(InputError):
        tune_baseline(kw.pop("kind"), X64[:40], DeepTargetsConfig(layers=LAYERS, epochs=1), **kw)


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------


CFG = DeepTargetsConfig(layers=(3, 2, 3), epochs=0)
GOOD = np.array([[0, 1, 1], [1, 0, 0]], dtype=np.uint8)


@pytest.mark.parametrize("train, test, targets", [
    (np.array([[0, 2, 1], [1, 0, 0]]), None, None),  # not 0/1
    (np.array([0, 1, 1]), None, None),  # 1-D
    (np.array([[0, 1], [1, 0]]), None, None),  # too narrow
    (GOOD, np.array([[0, 1]]), None),  # held-out data of the wrong width
    (GOOD, None, np.array([[0, 1, 1]])),  # targets of the wrong length
])
def test_bad_data_is_refused(train, test, targets):
    for kind in ("deep-local-hebb", "backprop"):
        with pytest.raises(InputError):
            baseline(kind, train, test, CFG, targets=targets)


@pytest.mark.parametrize("kw", [{"lr": 0}, {"lr": float("nan")}, {"batch": 0}, {"optimizer": "rmsprop"},
                                {"epochs": -1}, {"epochs": 1.5}, {"betas": (0.9,)}])
def test_bad_settings_are_refused(kw):
    with pytest.raises(InputError):
        baseline("backprop", GOOD, config=CFG, **kw)


def test_unknown_baseline_and_unmeasured_held_out():
    with pytest.raises(InputError, match="backprop-through-time"):
        baseline("backprop-through-time", GOOD, config=CFG)
    X = np.array([[0, 1, 1], [1, 0, 0], [1, 1, 1], [0, 0, 1]], dtype=np.uint8)
    with pytest.raises(InputError):  # held-out inputs with training targets need held-out targets
        baseline("random-features", X[:3], X[3:], DeepTargetsConfig(layers=(3, 2, 4), epochs=1),
                 targets=np.array([[0, 1, 1, 0], [1, 0, 0, 1], [1, 1, 1, 1]], dtype=np.uint8))


def test_same_seed_same_run():
    cfg = DeepTargetsConfig(layers=LAYERS, seed=5)
    for kind in BASELINES:
        a = baseline(kind, X64[:60], X64[60:], cfg, budget=40000, optimizer="adam", lr=0.01)
        b = baseline(kind, X64[:60], X64[60:], cfg, budget=40000, optimizer="adam", lr=0.01)
        assert a["curve"] == b["curve"] and a["evals"] == b["evals"]

"""The two-layer (deep local learning) census against pure-Python references.

The reference (naive.train_two_layer) retrains the whole network, hidden
layer included, for every target function; the census trains each hidden
layer once and reuses it. Expectations come from the reference, brute
force, the foundation's exact threshold test, or closed-form facts.
"""

import json
import random

import numpy as np
import pytest

from gates.studies.census import shallow_census
from gates.cli.main import main
from gates.learning.two_layer import (
    HIDDEN_RULES,
    TOP_RULES,
    DeepNet,
    deep_train,
    default_hidden,
    hidden_layer,
    minterm_network,
    representable,
)
from gates.errors import InputError
from gates.studies.deep_census import deep_census
from gates.learning.protocol import Protocol
from gates.boolean.threshold_classes import threshold_functions

from . import naive
from .test_census import by_table

# the rules as the reference sees them, written out here (c, a, b, c_w, d)
TOP = {
    "hebb": ([(1.0, 0, 1, 0, 1)], False),
    "oja": ([(1.0, 0, 1, 0, 1), (-1.0, 0, 0, 1, 2)], False),
    "hebb-tanh": ([(1.0, 0, 1, 0, 1)], True),
    "gradient": ([(1.0, 0, 1, 0, 1), (-1.0, 1, 1, 0, 0)], False),
}
HIDDEN = {
    "hebb": ([(1.0, 1, 1, 0, 0)], False),
    "oja": ([(1.0, 1, 1, 0, 0), (-1.0, 2, 0, 1, 0)], False),
    "hebb-tanh": ([(1.0, 1, 1, 0, 0)], True),
    "none": (None, False),
}
# with 0/1 coding (recoded by default) the +-1 formulas under x' = 2x - 1, worked by hand:
# (2T - 1)(2x - 1) = 4Tx - 2x - 2T + 1 and (2T - 1)^2 = 1 on {0, 1} (O alike)
_TX = [(4.0, 0, 1, 0, 1), (-2.0, 0, 1, 0, 0), (-2.0, 0, 0, 0, 1), (1.0, 0, 0, 0, 0)]
_OX = [(4.0, 1, 1, 0, 0), (-2.0, 0, 1, 0, 0), (-2.0, 1, 0, 0, 0), (1.0, 0, 0, 0, 0)]
TOP_01 = {**TOP, "hebb": (_TX, False), "oja": (_TX + [(-1.0, 0, 0, 1, 0)], False), "hebb-tanh": (_TX, True)}
HIDDEN_01 = {**HIDDEN, "hebb": (_OX, False), "oja": (_OX + [(-1.0, 0, 0, 1, 0)], False), "hebb-tanh": (_OX, True)}
SMALL = Protocol(epochs=5, restarts=3, seed=11)


def naive_learnt(v, n, rule, net, protocol, hidden_weights=None):
    """Restart by restart, the reference on the protocol's own random draws."""
    points = 2**n
    s = n + (1 if protocol.bias else 0)
    s_top = net.hidden + (1 if protocol.bias else 0)
    init, orders, w0 = protocol.draws(s_top, points, hidden=(net.hidden, s))
    if hidden_weights is not None:
        w0[:] = hidden_weights
    recoded = protocol.encoding == "01" and protocol.recode
    top_terms, top_sat = (TOP_01 if recoded else TOP)[rule]
    hid_terms, hid_sat = (HIDDEN_01 if recoded else HIDDEN)[net.hidden_rule]
    return [
        naive.train_two_layer(v, n, top_terms, top_sat, hid_terms, hid_sat, protocol.encoding, protocol.bias,
                              w0[k].tolist(), init[k].tolist(), orders[k].tolist(), protocol.etas().tolist(),
                              protocol.criterion == "any-epoch", net.order)
        for k in range(protocol.restarts)
    ]


CASES = [
    # (hidden rule, top rule, order, h, protocol)
    ("hebb", "gradient", "hidden-first", 3, SMALL),
    ("oja", "oja", "hidden-first", 2, SMALL),
    ("hebb-tanh", "hebb", "hidden-first", 3, SMALL),
    ("none", "hebb-tanh", "hidden-first", 4, SMALL),
    ("hebb", "oja", "simultaneous", 3, SMALL),
    ("oja", "gradient", "simultaneous", 2, SMALL),
    ("hebb-tanh", "hebb-tanh", "simultaneous", 2, SMALL),
    ("none", "gradient", "simultaneous", 3, SMALL),
    ("hebb", "gradient", "simultaneous", 2, Protocol(epochs=6, restarts=2, criterion="any-epoch", eta0=0.4)),
    ("oja", "gradient", "hidden-first", 3, Protocol(epochs=6, restarts=2, criterion="any-epoch", eta0=0.4)),
    ("hebb", "oja", "hidden-first", 2, Protocol(encoding="01", epochs=5, restarts=2)),
    ("oja", "gradient", "simultaneous", 3, Protocol(encoding="01", epochs=5, restarts=2, init="uniform")),
    ("hebb-tanh", "hebb", "simultaneous", 2, Protocol(encoding="01", epochs=5, restarts=2)),
    ("hebb", "oja", "hidden-first", 2, Protocol(encoding="01", recode=False, epochs=5, restarts=2)),
    ("oja", "gradient", "simultaneous", 3, Protocol(encoding="01", recode=False, epochs=5, restarts=2)),
    ("hebb", "gradient", "simultaneous", 2, Protocol(bias=False, epochs=5, restarts=2, presentation="cyclic")),
    ("hebb-tanh", "oja", "hidden-first", 2, Protocol(init="zeros", epochs=4, restarts=2, schedule="constant")),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_reused_hidden_layer_equals_per_target_simulation(case):
    hid, top, order, h, protocol = case
    net = DeepNet(h, hid, order)
    for n in (1, 2):
        tables = np.arange(2 ** 2**n, dtype=np.uint64)
        got = deep_train(tables, n, top, net, protocol)
        want = [naive_learnt(v, n, top, net, protocol) for v in range(2 ** 2**n)]
        assert got.tolist() == want


@pytest.mark.parametrize("case", CASES[:8], ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES[:8]])
def test_reused_hidden_layer_equals_per_target_simulation_n3(case):
    hid, top, order, h, protocol = case
    net = DeepNet(h, hid, order)
    rng = random.Random(hash(case[:3]) & 0xFFFF)
    sample = rng.sample(range(256), 40)
    got = deep_train(np.array(sample, np.uint64), 3, top, net, protocol)
    assert got.tolist() == [naive_learnt(v, 3, top, net, protocol) for v in sample]


@pytest.mark.slow
@pytest.mark.parametrize("hid", HIDDEN_RULES)
def test_census_equals_per_target_simulation_n3_default_protocol(hid):
    p = Protocol(epochs=30, restarts=2, seed=5)
    for top in TOP_RULES:
        res = deep_census("all", 3, top, hid, protocol=p)
        net = DeepNet(default_hidden(3), hid)
        got = by_table(res)
        for v in range(256):
            assert got[v] == sum(naive_learnt(v, 3, top, net, p)), (top, v)


def test_census_counts_restarts():
    p = Protocol(epochs=8, restarts=4, seed=2)
    res = deep_census("all", 2, "gradient", "hebb", hidden=2, protocol=p)
    net = DeepNet(2, "hebb")
    assert res.functions == 16 and res.threshold == 14 and res.net == net
    want = [sum(naive_learnt(v, 2, "gradient", net, p)) for v in range(16)]
    assert res.successes.tolist() == want
    assert res.learnable == sum(1 for s in want if s)
    assert res.to_dict()["layers"] == 2 and res.to_dict()["net"]["hidden"] == 2


# --------------------------------------------------------------------------
# what the network can and cannot learn
# --------------------------------------------------------------------------


def codes_of(features, n):
    """The hidden code (a tuple of +-1) of each input point."""
    return [tuple(int(c) for c in features[p, :-1]) for p in range(2**n)]


@pytest.mark.parametrize("h, n", [(2, 2), (3, 3), (4, 4), (4, 3)])
def test_random_features_learn_only_threshold_functions_of_the_code(h, n):
    # the output gate is one gate on the hidden code: what it learns must be
    # a threshold function of the code (the foundation's exact census of
    # threshold functions of h inputs; a partial function on the codes that
    # occur must extend to one of them)
    p = Protocol(epochs=60, restarts=4, seed=7)
    net = DeepNet(h, "none")
    layer = hidden_layer(n, net, p)
    tables = np.arange(2 ** 2**n, dtype=np.uint64) if n <= 3 else np.array(
        random.Random(n).sample(range(2 ** 2**n), 3000), np.uint64)
    learnt = deep_train(tables, n, "gradient", net, p, layer=layer)
    thr_h = threshold_functions(h)[0][:, 0].tolist()
    beyond = 0
    for k in range(p.restarts):
        codes = codes_of(layer.features[k], n)
        cell = [sum(1 << i for i, c in enumerate(code) if c > 0) for code in codes]  # code -> point of h inputs
        for v, ok in zip(tables.tolist(), learnt[:, k].tolist()):
            if not ok:
                continue
            want = {cell[q]: naive.bit(v, q) for q in range(2**n)}
            assert all(want[cell[q]] == naive.bit(v, q) for q in range(2**n)), "a code with two targets"
            assert any(all(naive.bit(g, c) == t for c, t in want.items()) for g in thr_h), (k, v)
            beyond += v not in naive_threshold(n)
    if n >= 3:
        assert beyond > 0  # the claim is not vacuous: non-threshold functions were learnt


_THR = {}


def naive_threshold(n):
    if n not in _THR:
        _THR[n] = frozenset(naive.threshold_functions_bruteforce(n)) if n <= 3 else frozenset(
            threshold_functions(n)[0][:, 0].tolist())
    return _THR[n]


def identity_weights(n, extra, rng):
    """Hidden gates that copy the inputs (pm1: sign(x_i) = x_i), then `extra` random gates."""
    w = np.zeros((n + extra, n + 1))
    w[:n, :n] = np.eye(n)
    if extra:
        w[n:] = rng.normal(0, 1, (extra, n + 1))
    return w


@pytest.mark.parametrize("rule", TOP_RULES)
def test_pass_through_hidden_layer_equals_one_gate(rule):
    # with the inputs copied through, the output gate gets exactly the
    # draws of one gate: the two censuses agree function by function
    p = Protocol(epochs=20, restarts=3, seed=4)
    for n in (2, 3):
        shallow = by_table(shallow_census("all", n, rule, protocol=p, exhaustive=True))
        w = identity_weights(n, 0, None)
        learnt = deep_train(np.arange(2 ** 2**n, dtype=np.uint64), n, rule, DeepNet(n, "none"), p, w)
        assert learnt.sum(axis=1).tolist() == [shallow[v] for v in range(2 ** 2**n)]


@pytest.mark.parametrize("n", [2, 3, pytest.param(4, marks=pytest.mark.slow)])
def test_two_layers_never_below_one_gate_when_inputs_pass_through(n):
    # perceptron convergence: a threshold function stays separable with
    # extra features (weight 0 on them), so gradient still learns it
    p = Protocol()
    rng = np.random.default_rng(n)
    tables = np.arange(2 ** 2**n, dtype=np.uint64)
    shallow = shallow_census("all", n, "gradient", protocol=p, exhaustive=True)
    assert shallow.learnable == len(naive_threshold(n))
    w = identity_weights(n, 2, rng)
    learnt = deep_train(tables, n, "gradient", DeepNet(n + 2, "none"), p, w).any(axis=1)
    one = by_table(shallow)
    assert all(learnt[v] for v in range(len(tables)) if one[v])
    assert learnt.sum() >= shallow.learnable


def test_xor_needs_two_layers():
    xor = 0x6
    for rule in TOP_RULES:  # no single gate, whatever the rule
        assert by_table(shallow_census("all", 2, rule, exhaustive=True))[xor] == 0
    assert representable("all", 2, 1)["representable"] == 14  # XOR, XNOR missing
    assert representable("all", 2, 2)["representable"] == 16
    wins = [(hid, top) for hid in HIDDEN_RULES for top in TOP_RULES
            if by_table(deep_census("all", 2, top, hid, hidden=2))[xor] > 0]
    assert wins  # some two-layer configuration with h = 2 learns it
    w, v = minterm_network(xor, 2, 2)
    assert naive.evaluate_net(w.tolist(), v.tolist(), 2) == xor


# --------------------------------------------------------------------------
# class reductions against the exhaustive census
# --------------------------------------------------------------------------


# With classes, the census samples random members of every class (stratified
# sampling): an unbiased estimate of the seed's exhaustive count. Across
# seeds the differences D_s = estimate - exhaustive count are independent
# with mean 0 when the reduction is valid: a t-test on them. (Coverage of the
# intervals is tested in test_estimate.py.)


def seed_differences(family, n, top, hid, group, seeds):
    d = []
    for s in range(seeds):
        p = Protocol(seed=s)
        full = deep_census(family, n, top, hid, protocol=p)
        cls = deep_census(family, n, top, hid, protocol=p, classes=group)
        assert cls.functions == full.functions and cls.threshold == full.threshold
        got = by_table(full)
        # same function, same draws: the representative's restarts are exact
        assert all(got[int(t)] == int(c) for t, c in zip(cls.tables[:, 0], cls.successes))
        d.append(cls.learnable - full.learnable)
    return np.array(d, dtype=np.float64)


def assert_unbiased(d):
    se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else 0.0
    assert abs(d.mean()) <= 4 * se + 1e-9, (d.mean(), se, d.tolist())


@pytest.mark.parametrize("hid, top", [("hebb", "gradient"), ("oja", "oja"), ("none", "gradient"),
                                      ("hebb-tanh", "hebb"), ("hebb-tanh", "gradient")])
@pytest.mark.parametrize("family, group", [("all", "np"), ("all", "npn"), ("monotone", "p")])
def test_classes_are_unbiased_across_seeds(hid, top, family, group):
    for n in (2, 3):
        assert_unbiased(seed_differences(family, n, top, hid, group, 16))


@pytest.mark.slow
@pytest.mark.parametrize("hid, top", [("hebb", "gradient"), ("none", "gradient"), ("hebb-tanh", "gradient"),
                                      ("oja", "oja")])
@pytest.mark.parametrize("family, group", [("all", "np"), ("all", "npn"), ("monotone", "p")])
def test_classes_are_unbiased_across_seeds_n4(hid, top, family, group):
    assert_unbiased(seed_differences(family, 4, top, hid, group, 6))


def test_class_refusals():
    with pytest.raises(InputError, match="invariant"):
        deep_census("all", 3, classes="np", protocol=Protocol(encoding="01"))
    with pytest.raises(InputError, match="do not reduce"):
        deep_census("monotone", 3, classes="np")
    with pytest.raises(InputError, match="exhaustive"):
        deep_census("all", 5)
    with pytest.raises(InputError, match="hidden rule"):
        deep_census("all", 2, hidden_rule="gradient")
    with pytest.raises(InputError, match="output rule"):
        deep_census("all", 2, rule="perceptron")
    with pytest.raises(InputError, match="width"):
        deep_census("all", 2, hidden=0)
    with pytest.raises(InputError, match="order"):
        DeepNet(2, "hebb", "backwards")
    with pytest.raises(InputError, match="shape"):
        hidden_layer(2, DeepNet(2, "none"), hidden_weights=np.zeros((3, 3)))
    with pytest.raises(InputError, match="none"):
        hidden_layer(2, DeepNet(2, "hebb"), hidden_weights=np.zeros((2, 3)))


# --------------------------------------------------------------------------
# representability
# --------------------------------------------------------------------------

# threshold functions of n inputs (OEIS A000609): what h = 1 represents
A000609 = [2, 4, 14, 104, 1882, 94572]


@pytest.mark.parametrize("n", [1, 2, 3, 4, pytest.param(5, marks=pytest.mark.slow)])
def test_one_hidden_gate_represents_the_threshold_functions(n):
    r = representable("all", n, 1)
    assert r["representable"] == A000609[n] and r["exact"]


@pytest.mark.parametrize("n", [2, pytest.param(3, marks=pytest.mark.slow)])  # n = 3: 12 s of brute force
def test_two_hidden_gates_by_brute_force(n):
    want = len(naive.two_gate_functions(n))
    r = representable("all", n, 2)
    assert r["representable"] == want and r["exact"]


def test_three_hidden_gates_represent_every_function_of_three_inputs():
    # parity of n needs n hidden gates (an alternating sum of "at least k
    # ones" gates); with h = 3 every function of 3 inputs is representable
    r = representable("all", 3, 3)
    assert r["representable"] == 256 and r["exact"] and r["by_backprop"] > 0


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_default_width_represents_everything(n):
    r = representable("all", n, default_hidden(n))
    assert r["representable"] == 2 ** 2**n and r["exact"]
    rng = random.Random(n)
    for v in rng.sample(range(2 ** 2**n), min(40, 2 ** 2**n)):
        w, out = minterm_network(v, n, default_hidden(n))
        assert naive.evaluate_net(w.tolist(), out.tolist(), n) == v


def test_minterm_network_refuses_too_many_points():
    assert minterm_network(0x6996, 4, 7) is None
    w, v = minterm_network(0x6996, 4, 8)
    assert naive.evaluate_net(w.tolist(), v.tolist(), 4) == 0x6996


def test_monotone_representable():
    # every monotone function of 4 inputs: h = 2^(n-1) = 8 covers all 168
    assert representable("monotone", 4, 8)["representable"] == 168
    assert representable("monotone", 4, 1)["representable"] == 150  # monotone threshold functions, A000617


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------


def run(capsys, *argv):
    code = main(["learn", *argv, "--json"])
    out = capsys.readouterr()
    return code, out


def test_learn_two_layers_json(capsys, tmp_path):
    out_dir = tmp_path / "deep"
    code, out = run(capsys, "-n", "2", "--layers", "2", "--hidden", "2", "--hidden-rule", "none",
                    "--rule", "gradient", "--epochs", "8", "--restarts", "4", "--out", str(out_dir))
    assert code == 0
    s = json.loads(out.out)
    assert s["layers"] == 2 and s["net"] == {**s["net"], "hidden": 2, "hidden_rule": "none",
                                              "order": "hidden-first"}
    p = Protocol(epochs=8, restarts=4)
    net = DeepNet(2, "none")
    assert s["learnable"] == sum(1 for v in range(16) if any(naive_learnt(v, 2, "gradient", net, p)))
    meta = json.loads((out_dir / "census.manifest.json").read_text())
    assert meta["kind"] == "deep-census" and meta["results"]["net"]["hidden"] == 2
    rows = (out_dir / "census.csv").read_text().splitlines()
    assert len(rows) == 17


@pytest.mark.parametrize("argv, msg", [
    (["-n", "2", "--layers", "2", "--hidden", "0"], "width"),
    (["-n", "2", "--layers", "2", "--hidden-rule", "perceptron"], "hidden rule"),
    (["-n", "5", "--layers", "2"], "exhaustive"),
    (["-n", "2", "--layers", "3"], "layers"),
    (["-n", "2", "--hidden", "3"], "--layers 2"),
])
def test_learn_two_layers_errors(capsys, argv, msg):
    code, out = run(capsys, *argv)
    assert code == 2 and out.out == ""
    assert msg in out.err and len(out.err.strip().splitlines()) == 1




# --------------------------------------------------------------------------
# the fibre shortcut: a table split by a feature row is refused untrained
# --------------------------------------------------------------------------


def _no_shortcut(layer):
    return np.tile(np.arange(layer.features.shape[1], dtype=np.int64), (layer.features.shape[0], 1))


@pytest.mark.parametrize("top", TOP_RULES)
@pytest.mark.parametrize("hid", HIDDEN_RULES)
def test_the_fibre_shortcut_changes_no_verdict(hid, top, monkeypatch):
    import gates.learning.two_layer as d
    from gates.boolean.families import list_functions

    # every function of n = 3, h = 3 (few distinct feature rows, so most pairs are refused untrained)
    tables = list_functions("all", 3)
    net = DeepNet(3, hid)
    layer = d.hidden_layer(3, net, Protocol(restarts=4, seed=11))
    fast = deep_train(tables, 3, top, net, layer=layer)
    monkeypatch.setattr(d, "_fibre_reps", _no_shortcut)
    assert np.array_equal(fast, deep_train(tables, 3, top, net, layer=layer))


def test_mutant_fibre_shortcut_merging_two_rows_is_caught(monkeypatch):
    import gates.learning.two_layer as d
    from gates.boolean.families import list_functions

    tables = list_functions("all", 3)
    net = DeepNet(4, "none")
    layer = d.hidden_layer(3, net, Protocol(restarts=4, seed=11))
    slow = deep_train(tables, 3, "gradient", net, layer=layer)

    def merged(layer):  # inputs 0 and 1 declared one fibre, whatever their rows
        reps = _no_shortcut(layer)
        reps[:, 1] = 0
        return reps

    monkeypatch.setattr(d, "_fibre_reps", merged)
    assert not np.array_equal(slow, deep_train(tables, 3, "gradient", net, layer=layer))


"""Exact output-gate verdicts on frozen features, against references and simulation.

Expectations come from the pure-Python reference ``naive.output_verdicts``
(every function tried literally, Python integers, a complete separability
test), from long simulations of the output gate (``gates.learning.two_layer.deep_train``),
from the threshold functions of :mod:`gates.boolean.threshold` and from the one-gate
canonical-form condition ``naive.exact_status`` (the clamped rules'
searches are held to the Gray-code scan in ``test_clamped.py``). Mutants
show that each comparison can fail.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gates.learning.two_layer_exact as de
from gates.learning.two_layer import DeepNet, deep_train, hidden_layer
from gates.learning.two_layer_exact import EXACT_OUTPUT_RULES, OutputSets, feature_patterns, output_sets
from gates.errors import InputError, ResourceError, UndecidedError
from gates.learning.protocol import Protocol
from gates.boolean.threshold_classes import threshold_functions

from . import naive
from tests.strategies import encodings, examples

HIDDEN = ("hebb", "oja", "hebb-tanh", "none")


def reference_disagreements(res, features, rule, encoding, recoded=False):
    """(restart, table, what) wherever `res` differs from the naive reference."""
    out = []
    for k in range(features.shape[0]):
        learnt, ties = naive.output_verdicts(np.asarray(features[k]).astype(int).tolist(), rule, encoding,
                                             recoded and encoding == "01" and rule != "gradient")
        got_l = {int(t) for t in res.learnt[k]}
        got_t = {int(t) for t in res.ties[k]}
        out += [(k, v, "learnt") for v in got_l ^ learnt]
        out += [(k, v, "tie") for v in got_t ^ ties]
    return out


def simulation_disagreements(res, learnt_sim):
    """Restart by restart: an exact-learnt table the simulation misses, or a
    table the simulation learns that is neither exact-learnt nor a tie."""
    out = []
    for k in range(learnt_sim.shape[1]):
        learnt = {int(t) for t in res.learnt[k]}
        ties = {int(t) for t in res.ties[k]}
        for v in range(learnt_sim.shape[0]):
            if (v in learnt) != bool(learnt_sim[v, k]) and v not in ties:
                out.append((k, v))
    return out


def layer_of(n, h, hidden_rule, **proto):
    protocol = Protocol(restarts=3, **proto)
    return hidden_layer(n, DeepNet(h, hidden_rule), protocol)


# --------------------------------------------------------------------------
# patterns
# --------------------------------------------------------------------------


def test_feature_patterns_partition_the_inputs():
    f = layer_of(3, 3, "hebb", seed=2).features[0]
    pat, inv, mult = feature_patterns(f)
    assert pat.dtype == inv.dtype == mult.dtype == np.int64
    assert np.array_equal(pat[inv], f.astype(np.int64))
    assert len({tuple(r) for r in f.tolist()}) == len(pat)
    assert mult.tolist() == [int((inv == j).sum()) for j in range(len(pat))]
    assert mult.sum() == 8


def test_identity_features_give_the_threshold_functions_and_one_gate_hebb():
    # the inputs themselves as features: the output gate is one gate on x~
    x4 = Protocol().inputs(4)[None]
    res = output_sets(x4, "gradient")
    assert np.array_equal(res.learnt[0], np.sort(threshold_functions(4)[0][:, 0]))
    x3 = Protocol().inputs(3)[None]
    for rule, sat in (("hebb", False), ("oja", False), ("hebb-tanh", True)):
        res = output_sets(x3, rule)
        status = {v: naive.exact_status(v, 3, saturate=sat) for v in range(256)}
        assert {int(t) for t in res.learnt[0]} == {v for v, s in status.items() if s == 1}
        assert {int(t) for t in res.ties[0]} == {v for v, s in status.items() if s == 0}


def test_hebb_at_n4_matches_the_one_gate_condition_on_a_sample():
    x4 = Protocol().inputs(4)[None]
    res = output_sets(x4, "hebb")
    learnt, ties = set(res.learnt[0].tolist()), set(res.ties[0].tolist())
    rng = np.random.default_rng(0)
    sample = set(rng.integers(0, 1 << 16, 400).tolist()) | set(list(learnt)[:200]) | set(list(ties)[:100])
    for v in sample:
        s = naive.exact_status(v, 4)
        assert (v in learnt) == (s == 1) and (v in ties) == (s == 0), hex(v)


# --------------------------------------------------------------------------
# against the pure-Python reference
# --------------------------------------------------------------------------

# h = 8 at n = 3 with hebb / oja hidden layers costs the reference ~7 s each: in the slow test
CASES = ([(2, h, r) for h in (1, 2, 3) for r in HIDDEN] + [(3, h, r) for h in (2, 4) for r in HIDDEN]
         + [(3, 8, "hebb-tanh"), (3, 8, "none")])


@pytest.mark.parametrize("n, h, hidden_rule", CASES)
def test_matches_reference_on_hidden_layers(n, h, hidden_rule):
    encoding = "01" if h == 2 else "pm1"  # both codings, on real layers
    bias = h != 4
    f = layer_of(n, h, hidden_rule, seed=3 + h, encoding=encoding, bias=bias).features
    for rule in EXACT_OUTPUT_RULES:
        for recoded in ([False, True] if encoding == "01" else [False]):
            res = output_sets(f, rule, encoding, recoded=recoded)
            assert res.patterns.tolist() == [len(feature_patterns(f[k])[0]) for k in range(3)]
            assert reference_disagreements(res, f, rule, encoding, recoded) == []
            if rule == "gradient":
                assert all(len(t) == 0 for t in res.ties)


def features_strategy(values):
    return st.tuples(st.integers(1, 2), st.sampled_from([4, 8]), st.integers(1, 4)).flatmap(
        lambda shape: st.lists(st.sampled_from(values), min_size=int(np.prod(shape)),
                               max_size=int(np.prod(shape))).map(
            lambda v: np.array(v, dtype=np.float64).reshape(shape)))


@examples(40)
@given(features_strategy([-1.0, 1.0]), st.sampled_from(EXACT_OUTPUT_RULES), encodings)
def test_matches_reference_on_random_pm1_features(f, rule, encoding):
    assert reference_disagreements(output_sets(f, rule, encoding), f, rule, encoding) == []


@examples(25)
@given(features_strategy([-1.0, 0.0, 1.0]), st.sampled_from(EXACT_OUTPUT_RULES), encodings)
def test_matches_reference_with_zero_features(f, rule, encoding):
    assert reference_disagreements(output_sets(f, rule, encoding), f, rule, encoding) == []


@pytest.mark.slow
@pytest.mark.parametrize("encoding, bias", [("pm1", True), ("pm1", False), ("01", True), ("01", False)])
@pytest.mark.parametrize("n", [2, 3])
def test_matches_reference_on_every_layer(n, encoding, bias):
    for h in (1, 2, 3, 5, 8):
        for hidden_rule in HIDDEN:
            f = layer_of(n, h, hidden_rule, seed=5, encoding=encoding, bias=bias).features
            for rule in EXACT_OUTPUT_RULES:
                assert reference_disagreements(output_sets(f, rule, encoding), f, rule, encoding) == []


def test_the_lp_path_alone_matches_the_reference(monkeypatch):
    # no perceptron: every labelling not covered by a cached certificate is
    # decided by an LP and its exact certificate
    monkeypatch.setattr(de, "PERCEPTRON_EPOCHS", 0)
    for seed in (1, 2):
        f = layer_of(3, 4, "none", seed=seed).features
        res = output_sets(f, "gradient")
        assert res.lp_solves.min() > 0
        assert reference_disagreements(res, f, "gradient", "pm1") == []


def test_a_wrong_lp_answer_is_not_trusted(monkeypatch):
    class Fake:
        status, message = 0, "fake optimum"

        def __init__(self, size):
            self.x = np.full(size, 1.0 / size)

    monkeypatch.setattr(de, "PERCEPTRON_EPOCHS", 0)
    monkeypatch.setattr(de, "linprog", lambda c, **kw: Fake(len(c)))
    x = Protocol().inputs(2)[None]
    with pytest.raises(UndecidedError, match="neither an integer separator nor an exact Farkas"):
        output_sets(x, "gradient")


def test_merge_counts_restarts():
    f = layer_of(3, 3, "none", seed=4).features
    res = output_sets(f, "gradient")
    tables, successes = res.merge()
    assert successes.dtype == np.int64 and tables.dtype == np.uint64
    assert np.all(np.diff(tables.astype(np.float64)) > 0)
    for t, s in zip(tables.tolist(), successes.tolist()):
        assert s == sum(t in set(res.learnt[k].tolist()) for k in range(3))
    assert set(tables.tolist()) == set().union(*(set(x.tolist()) for x in res.learnt))
    empty = OutputSets("hebb", "pm1", 2, [], [], np.zeros(0, np.int64)).merge()
    assert empty[0].size == 0 and empty[1].size == 0


def test_sets_are_sorted_unique_and_fibre_constant():
    f = layer_of(3, 2, "hebb", seed=6).features
    for rule in EXACT_OUTPUT_RULES:
        res = output_sets(f, rule)
        for k in range(3):
            for arr in (res.learnt[k], res.ties[k]):
                assert arr.dtype == np.uint64
                assert np.array_equal(arr, np.unique(arr))
                rows = f[k].astype(int).tolist()
                assert all(naive.fibre_constant(int(v), rows) for v in arr)


# --------------------------------------------------------------------------
# against long simulations of the output gate
# --------------------------------------------------------------------------

# Constant rates; each is chosen so the asymptotic verdict is reached (the
# exact margins are integers, so an error well below 1 in the units of c
# cannot change a sign):
# * hebb: w = w0 + eta E c after E whole epochs; eta E = 10 swamps |w0 . x~|.
# * oja: the epoch map contracts to a fixed point within O(eta P S) of
#   c / P (on-points only with 01 coding), below the margin 1 / P when
#   eta < 2 / (P^2 S) (here 0.0035 at n = 3, h = 8); eta E P >= 5 kills w0.
# * hebb-tanh: u = u0 + eta E c, tanh(20) = 1 to 1e-17; coordinates with
#   c = 0 stay at tanh(u0) ~ 0.01.
# * gradient: the perceptron with step 2 eta (pm1) or eta (01); Novikoff's
#   bound (below) on its mistakes, checked for every separable labelling,
#   is under the epochs, and no mistake after convergence changes w.
SIM = {
    "hebb": dict(epochs=1000, eta0=0.01, init_scale=0.01),
    "oja": dict(epochs=5000, eta0=0.001, init_scale=0.01),
    "hebb-tanh": dict(epochs=1000, eta0=0.02, init_scale=0.01),
    "gradient": dict(epochs=5000, eta0=0.1, init_scale=0.1),
}


def simulate(n, h, hidden_rule, rule, encoding="pm1", seed=7, recode=True):
    protocol = Protocol(restarts=3, seed=seed, schedule="constant", encoding=encoding, recode=recode, **SIM[rule])
    net = DeepNet(h, hidden_rule)
    layer = hidden_layer(n, net, protocol)
    tables = np.arange(1 << (1 << n), dtype=np.uint64)
    return layer, deep_train(tables, n, rule, net, protocol, layer=layer)


def novikoff_bound(rows, v, w0_norm, step):
    """Mistakes of a perceptron from w0 with step `step` on a separable labelling:
    at most 2 |w0| / (step g) + R^2 / g^2, with g the margin of a unit separator
    (here the reference's integer separator, normalised) and R the largest row."""
    ok, w = naive.strictly_separable(rows, v)
    assert ok and w is not None
    g = min((1 if naive.bit(v, p) else -1) * sum(a * b for a, b in zip(w, r)) for p, r in enumerate(rows))
    g /= math.sqrt(sum(a * a for a in w))
    r2 = max(sum(a * a for a in r) for r in rows)
    return 2 * w0_norm / (step * g) + r2 / g**2


def check_against_simulation(n, h, hidden_rule, rule, encoding, recode=True):
    layer, sim = simulate(n, h, hidden_rule, rule, encoding, recode=recode)
    res = output_sets(layer.features, rule, encoding, recoded=recode)
    assert simulation_disagreements(res, sim) == []
    if rule == "gradient":
        step = SIM["gradient"]["eta0"] * (2 if encoding == "pm1" else 1)
        for k in range(3):
            rows = layer.features[k].astype(int).tolist()
            w0 = float(np.linalg.norm(layer.init[k]))
            for v in res.learnt[k].tolist():
                assert novikoff_bound(rows, v, w0, step) < SIM["gradient"]["epochs"]


@pytest.mark.parametrize("hidden_rule", HIDDEN)
@pytest.mark.parametrize("rule", EXACT_OUTPUT_RULES)
def test_agrees_with_long_simulation(rule, hidden_rule):
    check_against_simulation(3, 4, hidden_rule, rule, "pm1")


@pytest.mark.parametrize("rule", EXACT_OUTPUT_RULES)
@pytest.mark.parametrize("recode", [True, False])
def test_agrees_with_long_simulation_01(rule, recode):
    check_against_simulation(3, 3, "none", rule, "01", recode)


@pytest.mark.parametrize("rule", ["hebb", "hebb-tanh"])
def test_recoded_01_on_a_learnt_hidden_layer(rule):
    """Recoded hidden (hebb) and output rules together, against the long simulation and the reference."""
    layer, sim = simulate(3, 3, "hebb", rule, "01")
    res = output_sets(layer.features, rule, "01", recoded=True)
    assert res.recoded and simulation_disagreements(res, sim) == []
    assert reference_disagreements(res, layer.features, rule, "01", True) == []


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["pm1", "01"])
@pytest.mark.parametrize("rule", EXACT_OUTPUT_RULES)
def test_agrees_with_long_simulation_everywhere(rule, encoding):
    for n in (2, 3):
        for h in (2, 3, 5, 8):
            for hidden_rule in HIDDEN:
                check_against_simulation(n, h, hidden_rule, rule, encoding)


# --------------------------------------------------------------------------
# mutants: each comparison has the power to fail
# --------------------------------------------------------------------------


def _without_multiplicities(features_k):
    pat, inv, mult = feature_patterns(features_k)
    return pat, inv, np.ones_like(mult)


def test_mutant_ignoring_multiplicities_is_caught(monkeypatch):
    f = layer_of(3, 3, "hebb", seed=3).features
    assert any(len(set(feature_patterns(f[k])[2].tolist())) > 1 for k in range(3))
    monkeypatch.setattr(de, "feature_patterns", _without_multiplicities)
    assert reference_disagreements(output_sets(f, "hebb"), f, "hebb", "pm1") != []
    layer, sim = simulate(3, 4, "hebb", "hebb")
    assert simulation_disagreements(output_sets(layer.features, "hebb"), sim) != []


def test_mutant_with_a_non_strict_margin_is_caught():
    x = Protocol().inputs(2)[None]
    res = output_sets(x, "hebb")
    sloppy = OutputSets("hebb", "pm1", 2, [np.union1d(res.learnt[0], res.ties[0])], [np.zeros(0, np.uint64)],
                        res.patterns)
    assert reference_disagreements(sloppy, x, "hebb", "pm1") != []
    layer, sim = simulate(3, 4, "none", "hebb")
    res = output_sets(layer.features, "hebb")
    assert sum(len(t) for t in res.ties) > 0
    sloppy = OutputSets("hebb", "pm1", 3, [np.union1d(a, b) for a, b in zip(res.learnt, res.ties)],
                        [np.zeros(0, np.uint64)] * 3, res.patterns)
    assert simulation_disagreements(sloppy, sim) != []


def test_mutant_dropping_the_bias_column_is_caught():
    layer, sim = simulate(3, 4, "none", "gradient")
    f = layer.features
    broken = output_sets(f[:, :, :-1], "gradient")
    assert reference_disagreements(broken, f, "gradient", "pm1") != []
    assert simulation_disagreements(broken, sim) != []


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------

X2 = Protocol().inputs(2)[None]


@pytest.mark.parametrize(
    "features, match",
    [
        (X2[0], "3-D"),
        (X2[None], "3-D"),
        (np.zeros((1, 0, 3)), "non-empty"),
        (X2 * 0.5, "values must be in"),
        (np.where(X2 > 0, np.nan, X2), "values must be in"),
        (X2 * 2, "values must be in"),
        (X2[:, :3], "P = 3"),
        (np.ones((1, 128, 2)), "P = 128"),
        ("abc", "numeric"),
    ],
)
def test_bad_features_are_refused(features, match):
    with pytest.raises(InputError, match=match):
        output_sets(features, "hebb")


@pytest.mark.parametrize("kw, match", [
    (dict(rule="delta"), "allowed hebb, oja, hebb-tanh, gradient"),
    (dict(rule="hebb", encoding="binary"), "encoding"),
    (dict(rule="hebb", max_patterns=0), "max_patterns"),
    (dict(rule="hebb", max_patterns=2.5), "max_patterns"),
    (dict(rule="hebb", max_patterns=True), "max_patterns"),
    (dict(rule="gradient", max_patterns=99), "max_patterns"),
])
def test_bad_arguments_are_refused(kw, match):
    with pytest.raises(InputError, match=match):
        output_sets(X2, **kw)


def test_feature_patterns_refuses_bad_input():
    with pytest.raises(InputError, match="2-D"):
        feature_patterns(np.ones((2, 2, 2)))
    with pytest.raises(InputError, match="values"):
        feature_patterns([[0.3, 1.0]])


@pytest.mark.parametrize("rule", EXACT_OUTPUT_RULES)
def test_too_many_patterns_is_undecided(rule):
    x3 = Protocol().inputs(3)[None]  # m = 8
    with pytest.raises(UndecidedError, match=r"m = 8 .*max_patterns = 7.*fall back to simulation"):
        output_sets(x3, rule, max_patterns=7)
    assert output_sets(x3, rule, max_patterns=8).patterns.tolist() == [8]


def test_default_caps():
    x5 = Protocol().inputs(5)[None]  # m = 32: over the gradient cap
    with pytest.raises(UndecidedError, match="m = 32"):
        output_sets(x5, "gradient")


@pytest.mark.slow
def test_hebb_decides_every_n5_layer():
    """m = 32 (identity features of n = 5) is within the hebb cap: the verdict is one gate's exact mode."""
    from gates.studies.census import shallow_census

    res = output_sets(Protocol().inputs(5)[None], "hebb")
    want = shallow_census("all", 5, "hebb", mode="exact")
    assert len(res.learnt[0]) == want.learnable and len(res.ties[0]) >= want.extra["ties"]


def test_memory_cap_is_respected(monkeypatch):
    monkeypatch.setenv("GATES_MEMORY_CAP", "1K")
    with pytest.raises(ResourceError, match="output sets"):
        output_sets(Protocol().inputs(4)[None], "hebb")


def test_six_inputs_lift_the_verdicts_of_two():
    # features that read only x_0, x_1: every fibre grows 16-fold, c and the
    # margins scale by 16, so the n = 6 sets are the n = 2 sets lifted
    f2 = layer_of(2, 3, "none", seed=9).features
    f6 = f2[:, np.arange(64) & 3]
    for rule in EXACT_OUTPUT_RULES:
        small, big = output_sets(f2, rule), output_sets(f6, rule)
        assert big.n == 6
        for k in range(3):
            for got, want in ((big.learnt[k], small.learnt[k]), (big.ties[k], small.ties[k])):
                lifted = {sum(1 << p for p in range(64) if (int(t) >> (p & 3)) & 1) for t in want}
                assert set(got.tolist()) == lifted


def test_all_zero_features_decide_nothing():
    f = np.zeros((1, 4, 2))
    assert output_sets(f, "gradient", "01").learnt[0].size == 0
    res = output_sets(f, "hebb", "01")  # c = 0: both constant functions tie
    assert res.learnt[0].size == 0 and res.ties[0].tolist() == [0, 15]


@pytest.mark.parametrize("recode", [True, False])
@pytest.mark.parametrize("rule", ["hebb", "hebb-tanh"])
def test_two_layer_exact_census_in_01_follows_the_protocol(rule, recode):
    """deep_census(mode="exact") with 0/1 coding: the hidden layer runs the protocol's (recoded or
    literal) rule, and the output verdicts are the reference's for the same handling."""
    from gates.studies.deep_census import deep_census

    p = Protocol(encoding="01", restarts=3, seed=4, recode=recode)
    res = deep_census("all", 2, rule, "hebb", hidden=2, protocol=p, mode="exact")
    layer = hidden_layer(2, DeepNet(2, "hebb"), p)
    want = {}
    for k in range(3):
        learnt, _ = naive.output_verdicts(layer.features[k].astype(int).tolist(), rule, "01", recode)
        for v in learnt:
            want[v] = want.get(v, 0) + 1
    assert dict(zip(res.tables[:, 0].tolist(), res.successes.tolist())) == want
    s = res.to_dict()
    handling = "recoded" if recode else "literal"
    assert s["rule"]["encoding_handling"] == s["net"]["hidden_rule_encoding_handling"] == handling
    assert s["protocol"]["encoding_handling"] == handling

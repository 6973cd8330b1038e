"""The lockstep census kernels against today's per-target kernels, restart by restart.

The reference for one gate is :func:`gates.learning.gate.simulate_many`, the
per-target kernel the census ran before the lockstep kernels (itself checked
against tests/naive.py in test_census.py); for two layers it is
``deep_train(kernel="per-target")``. The issue asks for equal success counts;
the lockstep arithmetic is the per-target arithmetic, so every (function,
restart) verdict must be equal, and the tests compare whole matrices, not
counts. Each comparison also has a mutant: a kernel fed a changed schedule
must be caught by the same comparison.
"""

import numpy as np
import pytest

from gates._threads import numba_threads
from gates.errors import InputError
from gates.learning.gate import simulate_many
from gates.learning.lockstep import MAX_BLOCK, block_size, learnt_matrix, weight_degree
from gates.learning.protocol import Protocol
from gates.learning.rules import RULES, parse_poly
from gates.learning.two_layer import HIDDEN_RULES, TOP_RULES, DeepNet, deep_train, hidden_layer

# rules beyond the named ones: every power of w, with and without O, saturating or not
POLYS = {
    "w2": ("T*x - 0.5*w^2*T", False),
    "w3": ("T*x - 0.25*w^3", False),
    "O-w3": ("T*x - 0.5*O*x*w - 0.25*w^3", False),
    "tanh-w": ("T*x - 0.5*w", True),
    "tanh-O": ("T*x - O*x", True),
}


def per_target(tables, x, protocol, rule, init, orders):
    """learnt[f, k] from the per-target kernel, one restart at a time (it only returns counts)."""
    out = np.zeros((len(tables), init.shape[0]), dtype=bool)
    for k in range(init.shape[0]):
        s = np.zeros(len(tables), dtype=np.int64)
        simulate_many(tables, x, protocol.encoding == "pm1", protocol.rule_table(rule), rule.saturate,
                      rule.uses_output, rule.uses_weight, init[k:k + 1], orders[k:k + 1], protocol.etas(),
                      protocol.criterion == "any-epoch", protocol.tolerance, s)
        out[:, k] = s == 1
    return out


def both(n, protocol, rule, tables=None, block=None, mutate=None):
    """(lockstep, per-target) learnt matrices for the functions of n inputs (or `tables`)."""
    x = protocol.inputs(n)
    if tables is None:
        tables = np.arange(1 << (1 << n), dtype=np.uint64).reshape(-1, 1)
    init, orders = protocol.draws(x.shape[1], x.shape[0])
    etas = protocol.etas()
    lorders, letas = (orders, etas) if mutate is None else mutate(orders.copy(), etas.copy())
    fast = learnt_matrix(tables, x, protocol.rule_table(rule), rule, init, lorders, letas,
                         protocol.criterion == "any-epoch", protocol.tolerance, block=block)
    return fast, per_target(tables, x, protocol, rule, init, orders)


@pytest.mark.parametrize("criterion", ["final", "any-epoch"])
@pytest.mark.parametrize("encoding", ["pm1", "01"])
@pytest.mark.parametrize("name", RULES)
def test_named_rules_equal_the_per_target_kernel_on_every_function_of_3_inputs(name, encoding, criterion):
    p = Protocol(encoding=encoding, criterion=criterion, epochs=30)
    fast, ref = both(3, p, p.named_rule(name))
    assert np.array_equal(fast, ref)


@pytest.mark.parametrize("name", ["hebb", "oja", "hebb-tanh"])
def test_unsupervised_forms_equal_the_per_target_kernel(name):
    p = Protocol(epochs=30)
    fast, ref = both(3, p, p.named_rule(name, "unsupervised"))
    assert np.array_equal(fast, ref)


@pytest.mark.parametrize("key", sorted(POLYS))
def test_polynomial_rules_equal_the_per_target_kernel(key):
    text, saturate = POLYS[key]
    p = Protocol(epochs=30)
    fast, ref = both(3, p, parse_poly(text, saturate=saturate))
    assert np.array_equal(fast, ref)


@pytest.mark.parametrize("name", RULES)
def test_named_rules_equal_the_per_target_kernel_on_sampled_functions_of_4_inputs(name):
    # 1,024 functions of n = 4 (the threshold-rich low tables and a random sample); all 65,536 under -m slow
    rng = np.random.default_rng(19)
    tables = np.unique(np.concatenate([np.arange(512), rng.integers(0, 1 << 16, 512)])).astype(np.uint64)
    p = Protocol()
    fast, ref = both(4, p, p.named_rule(name), tables.reshape(-1, 1))
    assert np.array_equal(fast, ref)
    assert ref.any() and not ref.all()  # the sample holds learnt and unlearnt pairs


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["pm1", "01"])
@pytest.mark.parametrize("name", RULES)
def test_named_rules_equal_the_per_target_kernel_on_every_function_of_4_inputs(name, encoding):
    p = Protocol(encoding=encoding)
    fast, ref = both(4, p, p.named_rule(name))
    assert np.array_equal(fast, ref)


@pytest.mark.parametrize("name", ["hebb", "oja", "gradient"])
def test_results_do_not_depend_on_block_size_or_threads(name):
    p = Protocol(epochs=30)
    rule = p.named_rule(name)
    x = p.inputs(3)
    tables = np.arange(256, dtype=np.uint64).reshape(-1, 1)
    init, orders = p.draws(4, 8)
    runs = []
    for threads in (1, 2):
        with numba_threads(threads):
            for block in (1, 7, 64, MAX_BLOCK, None):
                runs.append(learnt_matrix(tables, x, p.rule_table(rule), rule, init, orders, p.etas(), False,
                                          p.tolerance, block=block))
    assert all(np.array_equal(runs[0], r) for r in runs[1:])


def _reverse_epochs(orders, etas):
    return orders[:, :, ::-1].copy(), etas


def _stop_after_two_epochs(orders, etas):
    etas[2:] = 0.0
    return orders, etas


# clamped hebb and hebb-tanh sum the same changes whatever the order and the scale of eta (only rounding
# differs), so the mutants are shown on the rules whose change reads w or O
@pytest.mark.parametrize("mutate,name", [(_reverse_epochs, "oja"), (_stop_after_two_epochs, "oja"),
                                         (_stop_after_two_epochs, "gradient")])
def test_mutant_schedules_are_caught_by_the_comparison(mutate, name):
    p = Protocol(epochs=30)
    fast, ref = both(3, p, p.named_rule(name), mutate=mutate)
    assert not np.array_equal(fast, ref)


def test_keep_leaves_the_other_pairs_unlearnt_and_the_kept_ones_unchanged():
    p = Protocol(epochs=30)
    rule = p.named_rule("gradient")
    x = p.inputs(3)
    tables = np.arange(256, dtype=np.uint64).reshape(-1, 1)
    init, orders = p.draws(4, 8)
    keep = np.random.default_rng(1).random((256, 10)) < 0.5
    full = per_target(tables, x, p, rule, init, orders)
    got = learnt_matrix(tables, x, p.rule_table(rule), rule, init, orders, p.etas(), False, p.tolerance, keep=keep)
    assert np.array_equal(got, full & keep)


def test_bad_arrays_get_one_line_errors():
    p = Protocol()
    rule = p.named_rule("hebb")
    x = p.inputs(2)
    init, orders = p.draws(3, 4)
    tables = np.array([[0x8]], dtype=np.uint64)
    args = (p.rule_table(rule), rule, init, orders, p.etas(), False, p.tolerance)
    with pytest.raises(InputError, match="synapses"):
        learnt_matrix(tables, x[:, :2], *args)
    with pytest.raises(InputError, match="orders"):
        learnt_matrix(tables, x, p.rule_table(rule), rule, init, orders[:, :-1], p.etas(), False, p.tolerance)
    with pytest.raises(InputError, match="block"):
        learnt_matrix(tables, x, *args, block=0)
    with pytest.raises(InputError, match="keep"):
        learnt_matrix(tables, x, *args, keep=np.ones((2, 10), bool))


def test_block_size_keeps_the_tabulated_changes_within_the_budget():
    # P x S x B float64 per power of w must fit TABLE_BYTES (256 KiB); a rule reading O tabulates nothing
    assert block_size(16, 5, True, 3) == MAX_BLOCK
    for points, synapses, wdeg in ((16, 5, 0), (32, 17, 0), (64, 7, 1), (256, 9, 3)):
        b = block_size(points, synapses, False, wdeg)
        assert b % 8 == 0 and 8 <= b <= MAX_BLOCK
        assert b == 8 or points * synapses * b * 8 * (wdeg + 1) <= 1 << 18


def test_weight_degree_reads_the_highest_power_present():
    p = Protocol()
    assert weight_degree(p.rule_table(p.named_rule("hebb"))) == 0
    assert weight_degree(p.rule_table(p.named_rule("oja"))) == 1
    assert weight_degree(p.rule_table(parse_poly("T*x - w^3"))) == 3


# ---- two layers: the output gates over each restart's frozen hidden features ----


def _two_layer_pair(n, h, hid, top, protocol):
    tables = np.arange(1 << (1 << n), dtype=np.uint64).reshape(-1, 1)
    net = DeepNet(h, hid)
    layer = hidden_layer(n, net, protocol)
    fast = deep_train(tables, n, top, net, protocol, layer=layer)
    ref = deep_train(tables, n, top, net, protocol, layer=layer, kernel="per-target")
    return fast, ref


@pytest.mark.parametrize("top", TOP_RULES)
@pytest.mark.parametrize("hid", HIDDEN_RULES)
def test_two_layer_lockstep_equals_the_per_target_kernel(hid, top):
    fast, ref = _two_layer_pair(3, 4, hid, top, Protocol(epochs=30))
    assert np.array_equal(fast, ref)
    assert ref.any()


@pytest.mark.parametrize("top", ["hebb", "gradient"])
def test_two_layer_lockstep_equals_the_per_target_kernel_01_any_epoch(top):
    fast, ref = _two_layer_pair(3, 4, "hebb", top, Protocol(encoding="01", criterion="any-epoch", epochs=30))
    assert np.array_equal(fast, ref)


@pytest.mark.slow
@pytest.mark.parametrize("top", TOP_RULES)
@pytest.mark.parametrize("hid", HIDDEN_RULES)
def test_two_layer_lockstep_equals_the_per_target_kernel_on_every_function_of_4_inputs(hid, top):
    fast, ref = _two_layer_pair(4, 8, hid, top, Protocol())
    assert np.array_equal(fast, ref)


def test_mutant_two_layer_features_of_another_restart_are_caught():
    p = Protocol(epochs=30)
    tables = np.arange(256, dtype=np.uint64).reshape(-1, 1)
    net = DeepNet(4, "hebb")
    layer = hidden_layer(3, net, p)
    shifted = hidden_layer(3, net, p)
    shifted.features = np.roll(layer.features, 1, axis=0)  # restart k trained on restart k-1's features
    ref = deep_train(tables, 3, "gradient", net, p, layer=layer, kernel="per-target")
    assert not np.array_equal(deep_train(tables, 3, "gradient", net, p, layer=shifted), ref)


def test_two_layer_kernel_name_is_checked():
    with pytest.raises(InputError, match="kernel"):
        deep_train([0x6], 2, "gradient", DeepNet(2, "hebb"), kernel="fast")

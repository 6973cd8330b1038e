"""Sampling deep targets (gates.learning.deep_targets) against pure-Python references.

The references (naive.net_forward, naive.choose_targets_reference, ...)
push every candidate through the layers above by plain loops and apply the
tie rules literally. Networks in the generated cases have integer weights
and half-integer biases, so every activation is a nonzero half-integer and
the package's float arithmetic is exact: the comparisons are equalities.
(Some cases take biases in Z / 2, so that activations of exactly 0 occur;
the arithmetic stays exact.) Other expectations are closed-form facts (2^n
vectors, exactly k flips, the error bookkeeping of accepted and undone
updates, the visiting order of a schedule) or a teacher network that
reaches zero error.
"""

import random
from dataclasses import replace
from itertools import product

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import bits, examples, exact_networks
from gates.cli.main import main
from gates.learning.deep_baselines import baseline
from gates.learning.deep_targets import DeepTargetsConfig, deep_targets, flip_gains, paper_config
from gates.learning.layer_fit import pocket
from gates.learning.target_search import choose_targets, input_groups, sample_candidates
from gates.learning.threshold_net import class_error, forward, load_data, synthetic_data
from gates.errors import InputError

from . import naive

OFF = {"pm1": -1.0, "01": 0.0}


def as_lists(weights):
    return [np.asarray(W, dtype=np.float64).tolist() for W in weights]


def coded(X, off):
    """0/1 rows as activity lists (1 / off)."""
    return [[1.0 if v else off for v in row] for row in X]


def naive_acts(net, X, off):
    """Activities of every layer as arrays, from the reference forward pass."""
    per_example = [naive.net_forward(net, x, off) for x in X]
    return [np.array([a[k] for a in per_example], dtype=np.float64) for k in range(len(net) + 1)]






# --------------------------------------------------------------------------
# the references themselves, on cases small enough to do by hand
# --------------------------------------------------------------------------


def test_references_by_hand():
    # XOR by two hidden gates (OR, NAND) and an AND on top, 0/1 coding
    net = [[[1.0, 1.0, -0.5], [-1.0, -1.0, 1.5]], [[1.0, 1.0, -1.5]]]
    X = [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [naive.net_forward(net, x, 0.0)[-1] for x in X] == [[0.0], [1.0], [1.0], [0.0]]
    assert naive.net_forward(net, (1, 1), 0.0) == [[1.0, 1.0], [1.0, 0.0], [0.0]]
    # clamping the hidden layer to (1, 1) gives AND = 1
    assert naive.net_forward(net, (1.0, 1.0), 0.0, start=1) == [[1.0, 1.0], [1.0]]
    Y = [[1.0]] * 4  # wants 1 everywhere: only hidden (1, 1) gives it
    groups, members = naive.activity_groups(net, 1, X, 0.0)
    assert groups == [(0.0, 1.0), (1.0, 0.0), (1.0, 1.0)] and members == [[0], [3], [1, 2]]
    cands = [[(1.0, 1.0), (0.0, 0.0)], [(0.0, 1.0), (1.0, 1.0)], [(0.0, 0.0), (1.0, 0.0)]]
    keys = [[0.5, 0.1], [0.2, 0.9], [0.3, 0.4]]
    targets, chosen, errors = naive.choose_targets_reference(net, 1, X, Y, cands, keys, 0.0)
    assert chosen == [0, 1, -1] and errors == [0, 0, 0]
    assert targets == [[1.0, 1.0]] * 4
    assert naive.best_group_errors(net, 1, X, Y, 0.0) == [0, 0, 0]
    assert naive.net_error(net, X, Y, 0.0) == 2
    # ties: equal error, the nearer candidate wins, then the smaller key
    Y0 = [[0.0]] * 4  # (0, 0), (0, 1), (1, 0) all give 0
    _, chosen, errors = naive.choose_targets_reference(
        net, 1, X, Y0, [[(1.0, 0.0), (0.0, 0.0)], [(0.0, 1.0), (0.0, 0.0)], [(0.0, 1.0), (1.0, 0.0)]],
        [[0.9, 0.1], [0.5, 0.4], [0.7, 0.6]], 0.0)
    # group (0,1): current, error 0; group (1,1): both at distance 1, key 0.6 < 0.7
    assert chosen == [-1, -1, 1] and errors == [0, 0, 0]


# --------------------------------------------------------------------------
# forward pass and target choice against the references
# --------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["pm1", "01"])
@examples(40)
@given(case=exact_networks(zeros=True), data=st.data())
def test_forward_matches_reference(encoding, case, data):
    sizes, net = case
    off = OFF[encoding]
    X = data.draw(st.lists(bits(sizes[0]), min_size=1, max_size=12))
    A0 = np.array(coded(X, off))
    got = forward([np.array(layer) for layer in net], A0, off)
    want = naive_acts(net, coded(X, off), off)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def check_against_reference(net, l, X, Y, cands, keys, off):
    """choose_targets equals the reference on this case; returns gates' (targets, chosen, errors)."""
    ref_targets, ref_chosen, ref_errors = naive.choose_targets_reference(net, l, X, Y, cands, keys, off)
    targets, chosen, errors = choose_targets(
        [np.array(layer) for layer in net], l, naive_acts(net, X, off), np.array(Y), np.array(cands),
        np.array(keys), off)
    np.testing.assert_array_equal(targets, np.array(ref_targets))
    assert [int(c) for c in chosen] == ref_chosen
    assert [int(e) for e in errors] == ref_errors
    return targets, chosen, errors


@pytest.mark.parametrize("encoding", ["pm1", "01"])
@examples(80)
@given(case=exact_networks(), data=st.data())
def test_choose_targets_matches_reference(encoding, case, data):
    sizes, net = case
    off = OFF[encoding]
    L = len(net)
    l = data.draw(st.integers(1, L - 1), label="layer")
    X = coded(data.draw(st.lists(bits(sizes[0]), min_size=1, max_size=12), label="X"), off)
    Y = coded(data.draw(st.lists(bits(sizes[-1]), min_size=len(X), max_size=len(X)), label="Y"), off)
    groups, members = naive.activity_groups(net, l, X, off)
    G, n_l = len(groups), sizes[l]
    S = data.draw(st.integers(1, 8), label="S")
    # small layers: candidates often equal the current activity or each other
    cands = [[[1.0 if b else off for b in data.draw(bits(n_l))] for _ in range(S)] for _ in range(G)]
    perm = data.draw(st.permutations(range(G * S)), label="keys")  # distinct keys
    keys = [[perm[g * S + s] / (G * S) for s in range(S)] for g in range(G)]

    targets, chosen, errors = check_against_reference(net, l, X, Y, cands, keys, off)
    # each group's error is that of the returned target, clamped, and never above the current one
    for g, ex in enumerate(members):
        assert errors[g] == naive.clamped_error(net, l, [targets[e] for e in ex], [Y[e] for e in ex], off)
        assert errors[g] <= naive.clamped_error(net, l, [groups[g]] * len(ex), [Y[e] for e in ex], off)


@pytest.mark.parametrize("encoding", ["pm1", "01"])
@examples(30)
@given(data=st.data())
def test_choose_targets_with_a_wide_layer_above(encoding, data):
    """One layer above l has 63..130 units: activities of more than one
    64-bit word, the next layer wide, or an upper layer wide."""
    off = OFF[encoding]
    L = data.draw(st.integers(2, 4), label="L")
    l = data.draw(st.integers(1, L - 1), label="layer")
    sizes = data.draw(st.lists(st.integers(1, 4), min_size=L + 1, max_size=L + 1), label="sizes")
    k = data.draw(st.integers(l + 1, L), label="wide layer")
    sizes[k] = data.draw(st.sampled_from([63, 64, 65, 70, 130]), label="width")
    rnd = data.draw(st.randoms(use_true_random=False), label="weights")
    # biases in Z / 2: some activations are exactly 0 (the gate is then off), still exact in floats
    net = [[[float(rnd.randint(-3, 3)) for _ in range(a)] + [rnd.randint(-6, 5) / 2] for _ in range(b)]
           for a, b in zip(sizes[:-1], sizes[1:])]
    m = data.draw(st.integers(1, 10), label="m")
    X = coded([[rnd.randint(0, 1) for _ in range(sizes[0])] for _ in range(m)], off)
    Y = coded([[rnd.randint(0, 1) for _ in range(sizes[-1])] for _ in range(m)], off)
    if data.draw(st.booleans(), label="Y reachable"):  # errors near 0: many exact ties
        Y = [naive.net_forward(net, x, off)[-1] for x in X]
        Y = [[off if rnd.random() < 0.1 else v for v in y] for y in Y]
    groups, _ = naive.activity_groups(net, l, X, off)
    G, n_l = len(groups), sizes[l]
    S = data.draw(st.integers(1, 6), label="S")
    cands = [[[1.0 if rnd.random() < 0.5 else off for _ in range(n_l)] for _ in range(S)] for _ in range(G)]
    perm = list(range(G * S))
    rnd.shuffle(perm)
    keys = [[perm[g * S + s] / (G * S) for s in range(S)] for g in range(G)]

    targets, chosen, errors = check_against_reference(net, l, X, Y, cands, keys, off)


@pytest.mark.parametrize("encoding, sampler, seed, sizes", [
    ("pm1", "flip", 0, [7, 8, 5, 9, 6]),
    ("01", "flip", 1, [7, 8, 5, 9, 6]),
    ("pm1", "exhaustive", 2, [7, 8, 5, 9, 6]),
    ("01", "seen", 3, [7, 8, 5, 9, 6]),
    ("pm1", "flip", 4, [7, 8, 5, 70, 6]),  # a layer above of more than 64 units
    ("01", "flip", 5, [7, 6, 5, 4, 66]),  # an output of more than 64 units
])
def test_choose_targets_many_groups_and_candidates(encoding, sampler, seed, sizes):
    """Many groups (threads) and hundreds of candidates per group, many of
    them repeated (the same next-layer activity reached again)."""
    off = OFF[encoding]
    rnd = random.Random(seed)
    net = [[[float(rnd.randint(-3, 3)) for _ in range(a)] + [rnd.randint(-3, 2) + 0.5] for _ in range(b)]
           for a, b in zip(sizes[:-1], sizes[1:])]
    X = coded([[rnd.randint(0, 1) for _ in range(7)] for _ in range(60)], off)
    Y = coded([[rnd.randint(0, 1) for _ in range(sizes[-1])] for _ in range(60)], off)
    acts = naive_acts(net, X, off)
    for l in (1, 2, 3):
        groups, _ = naive.activity_groups(net, l, X, off)
        rng = np.random.default_rng(seed)
        cands = sample_candidates(np.array(groups), sampler, 300, rng, off, flip_p=0.3, seen=acts[l])
        keys = rng.permutation(cands.shape[0] * cands.shape[1]).reshape(cands.shape[:2]) / cands.size
        ref = naive.choose_targets_reference(net, l, X, Y, cands.tolist(), keys.tolist(), off)
        for workers in (1, 2):
            targets, chosen, errors = choose_targets([np.array(layer) for layer in net], l, acts, np.array(Y),
                                                     cands, keys, off, workers=workers)
            np.testing.assert_array_equal(targets, np.array(ref[0]))
            assert chosen.tolist() == ref[1] and errors.tolist() == ref[2]


def test_forward_on_gaussian_weights_and_an_exact_zero():
    rng = np.random.default_rng(6)
    sizes = (9, 7, 4, 9)
    weights = [rng.normal(size=(b, a + 1)) for a, b in zip(sizes[:-1], sizes[1:])]
    X = [list(x) for x in product((0, 1), repeat=9)][::3]
    for off in (-1.0, 0.0):
        got = forward(weights, np.array(coded(X, off)), off)
        want = naive_acts(as_lists(weights), coded(X, off), off)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)
    # w . x + b = 0 exactly: the gate is off
    gate = [np.array([[1.0, -1.0, 0.0]])]
    assert forward(gate, np.array([[1.0, 1.0], [1.0, 0.0]]), 0.0)[-1].tolist() == [[0.0], [1.0]]
    assert forward(gate, np.array([[-1.0, -1.0], [1.0, -1.0]]), -1.0)[-1].tolist() == [[-1.0], [1.0]]


def test_choose_targets_rejects_wrong_candidate_shape():
    net = [np.array([[1.0, 0.5], [-1.0, 0.5]]), np.array([[1.0, 1.0, 0.5]])]
    A0 = np.array([[1.0], [-1.0]])
    acts = forward(net, A0, -1.0)
    with pytest.raises(InputError):
        choose_targets(net, 1, acts, acts[-1], np.ones((2, 3, 3)), np.zeros((2, 3)), -1.0)


# --------------------------------------------------------------------------
# exact optimisation (exhaustive candidates) on a tiny autoencoder
# --------------------------------------------------------------------------


def tiny_autoencoder_data(count, seed):
    rows = random.Random(seed).sample(list(product((0, 1), repeat=4)), count)
    return np.array(rows, dtype=np.uint8)


def check_bookkeeping(res, m, n, accept):
    """The recorded layer updates explain the curve: an accepted update
    leaves `after`, an undone one leaves `before`."""
    err = round(res["curve"][0][1] * m * n)
    by_epoch = {}
    for epoch, layer, before, after, accepted in res["layer_updates"]:
        assert before == err
        if accept == "always":
            assert accepted
        else:
            assert accepted == (after <= before)
        err = after if accepted else before
        by_epoch[epoch] = err
    for epoch, train, _ in res["curve"][1:]:
        assert round(train * m * n) == by_epoch[epoch]


@pytest.mark.parametrize("encoding, schedule, count, seed", [
    ("pm1", "up-down", 12, 0),
    ("01", "bottom-up", 16, 1),
    ("pm1", "random", 8, 2),
    ("01", "top-down", 10, 3),
])
def test_exhaustive_never_increases_the_error(encoding, schedule, count, seed):
    X = tiny_autoencoder_data(count, seed)
    off = OFF[encoding]
    cfg = paper_config(layers=(4, 3, 2, 3, 4), encoding=encoding, sampler="exhaustive", schedule=schedule,
                            epochs=12, accept="non-increasing", seed=seed)
    calls = []
    res = deep_targets(X, config=cfg, progress=calls.append)
    assert calls == [1] * 12
    train = [c[1] for c in res["curve"]]
    assert [c[0] for c in res["curve"]] == list(range(13))
    visits = [[u[1] for u in res["layer_updates"] if u[0] == e] for e in range(1, 13)]
    if schedule == "bottom-up":
        assert visits == [[1, 2, 3, 4]] * 12
    elif schedule == "top-down":
        assert visits == [[4, 3, 2, 1]] * 12
    elif schedule == "up-down":  # alternating passes
        assert all(v in ([1, 2, 3, 4], [4, 3, 2, 1]) for v in visits)
        assert all(a == b[::-1] for a, b in zip(visits, visits[1:]))
    else:
        assert all(sorted(v) == [1, 2, 3, 4] for v in visits) and len({tuple(v) for v in visits}) > 1
    assert all(b <= a for a, b in zip(train, train[1:])), train
    for _, _, before, after, accepted in res["layer_updates"]:
        if accepted:
            assert after <= before
    check_bookkeeping(res, count, 4, "non-increasing")
    # the final error, by the reference forward pass on the returned weights
    A = coded(X, off)
    assert naive.net_error(as_lists(res["weights"]), A, A, off) == round(train[-1] * count * 4)
    assert np.isnan(res["curve"][-1][2])  # no held-out data


@pytest.mark.parametrize("encoding", ["pm1", "01"])
def test_exhaustive_targets_are_optimal_and_never_worse(encoding):
    X = tiny_autoencoder_data(14, 7)
    off = OFF[encoding]
    A = coded(X, off)
    cfg = paper_config(layers=(4, 3, 2, 3, 4), encoding=encoding, sampler="exhaustive", epochs=6,
                            accept="always", seed=5)
    init = deep_targets(X, config=replace(cfg, epochs=0))
    net = as_lists(init["weights"])
    current = naive.net_error(net, A, A, off)
    assert len(init["curve"]) == 1 and init["curve"][0][1] == current / (14 * 4)
    acts = naive_acts(net, A, off)
    rng = np.random.default_rng(0)
    for l in (1, 2, 3):
        uniq = np.unique(acts[l], axis=0)
        cands = sample_candidates(uniq, "exhaustive", cfg.samples, rng, off)
        T, _, errors = choose_targets(init["weights"], l, acts, np.array(A), cands, rng.random(cands.shape[:2]),
                                      off)
        clamped = naive.clamped_error(net, l, T.tolist(), A, off)
        assert clamped <= current
        assert clamped == sum(int(e) for e in errors)
        # exhaustive candidates: every group reaches its least possible error
        assert [int(e) for e in errors] == naive.best_group_errors(net, l, A, A, off)
    # accept="always" keeps every update, and the records still explain the curve
    res = deep_targets(X, config=cfg)
    check_bookkeeping(res, 14, 4, "always")
    assert naive.net_error(as_lists(res["weights"]), A, A, off) == round(res["curve"][-1][1] * 14 * 4)


# --------------------------------------------------------------------------
# a solution exists: data from a teacher network of the same shape
# --------------------------------------------------------------------------


def teacher_data(seed, sizes=(8, 6, 4, 6, 8), examples=256):
    rng = random.Random(seed)
    net = [[[rng.gauss(0, 1) for _ in range(a + 1)] for _ in range(b)] for a, b in zip(sizes[:-1], sizes[1:])]
    X = [[rng.randint(0, 1) for _ in range(sizes[0])] for _ in range(examples)]
    Y = [[1 if v > 0 else 0 for v in naive.net_forward(net, coded([x], -1.0)[0], -1.0)[-1]] for x in X]
    return np.array(X, dtype=np.uint8), np.array(Y, dtype=np.uint8)


@pytest.mark.parametrize("encoding", ["pm1", "01"])
@pytest.mark.parametrize("teacher", [0, 1, 2, 3])
def test_teacher_data_beats_deep_local_baselines(encoding, teacher):
    # the default config with 20 epochs (instead of 40, for time)
    X, Y = teacher_data(teacher)
    cfg = DeepTargetsConfig(layers=(8, 6, 4, 6, 8), encoding=encoding, epochs=20, seed=0)
    res = deep_targets(X, config=cfg, targets=Y)
    start, final = res["curve"][0][1], res["curve"][-1][1]
    off = OFF[encoding]
    assert naive.net_error(as_lists(res["weights"]), coded(X, off), coded(Y, off), off) == round(final * 256 * 8)
    assert final < start / 2
    for kind in ("deep-local-hebb", "deep-local-oja"):
        other = baseline(kind, X, config=cfg, targets=Y)["curve"]
        assert other[0][1] == start  # same initial weights
        assert final < other[-1][1], (kind, final, other[-1][1])


# --------------------------------------------------------------------------
# reproducibility
# --------------------------------------------------------------------------


def test_same_seed_same_run_and_workers_do_not_matter():
    X, _ = synthetic_data(n=12, code=3, hidden=6, examples=120, seed=4)
    cfg = paper_config(layers=(12, 8, 3, 8, 12), samples=24, epochs=4, schedule="random", seed=9)
    runs = [deep_targets(X[:90], X[90:], cfg, workers=w) for w in (None, None, 1, 2)]
    for r in runs[1:]:
        assert r["curve"] == runs[0]["curve"]
        assert r["layer_updates"] == runs[0]["layer_updates"]
        for a, b in zip(r["weights"], runs[0]["weights"]):
            np.testing.assert_array_equal(a, b)
    other = deep_targets(X[:90], X[90:], replace(cfg, seed=10))
    assert other["curve"] != runs[0]["curve"]
    off = -1.0
    A = coded(X[90:], off)
    assert naive.net_error(as_lists(runs[0]["weights"]), A, A, off) == round(runs[0]["curve"][-1][2] * 30 * 12)


# --------------------------------------------------------------------------
# samplers
# --------------------------------------------------------------------------


def current_rows(G, n, off, seed):
    rng = np.random.default_rng(seed)
    return np.where(rng.random((G, n)) < 0.5, 1.0, off)


@pytest.mark.parametrize("encoding", ["pm1", "01"])
@pytest.mark.parametrize("k", [1, 2, 5, 7, 9])
def test_flip_k_flips_exactly_k_units(encoding, k):
    off = OFF[encoding]
    cur = current_rows(30, 7, off, k)
    c = sample_candidates(cur, "flip-k", 40, np.random.default_rng(k), off, flip_k=k)
    assert c.shape == (30, 40, 7)
    assert set(np.unique(c)) <= {1.0, off}
    flips = (c != cur[:, None, :]).sum(axis=2)
    assert (flips == min(k, 7)).all()
    if k < 7:  # the flipped units vary
        assert len({tuple(r) for r in (c[0] != cur[0]).tolist()}) > 1


@pytest.mark.parametrize("encoding", ["pm1", "01"])
@pytest.mark.parametrize("n", [1, 3, 5])
def test_exhaustive_gives_every_vector_once(encoding, n):
    off = OFF[encoding]
    cur = current_rows(4, n, off, n)
    c = sample_candidates(cur, "exhaustive", 3, np.random.default_rng(0), off)
    assert c.shape == (4, 2**n, n)
    every = set(product((1.0, off), repeat=n))
    for g in range(4):
        rows = [tuple(r) for r in c[g].tolist()]
        assert len(rows) == 2**n and set(rows) == every


def test_seen_draws_rows_of_the_pool():
    pool = np.array([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0], [1.0, 1.0, 1.0], [-1.0, 1.0, -1.0]])
    cur = pool[:2]
    c = sample_candidates(cur, "seen", 200, np.random.default_rng(1), -1.0, seen=pool)
    assert c.shape == (2, 200, 3)
    got = {tuple(r) for r in c.reshape(-1, 3).tolist()}
    assert got == {tuple(r) for r in pool.tolist()}  # only pool rows, and (400 draws) all of them


@pytest.mark.parametrize("encoding", ["pm1", "01"])
def test_uniform_and_flip_probabilities(encoding):
    off = OFF[encoding]
    cur = current_rows(20, 6, off, 3)
    u = sample_candidates(cur, "uniform", 500, np.random.default_rng(2), off)
    assert u.shape == (20, 500, 6) and set(np.unique(u)) == {1.0, off}
    assert abs(np.mean(u == 1.0) - 0.5) < 0.02  # 60000 fair draws: sd 0.002
    allflip = sample_candidates(cur, "flip", 50, np.random.default_rng(3), off, flip_p=1.0)
    np.testing.assert_array_equal(allflip, np.broadcast_to(np.where(cur > 0, off, 1.0)[:, None, :], allflip.shape))
    for p in (0.999, 0.15):
        c = sample_candidates(cur, "flip", 500, np.random.default_rng(4), off, flip_p=p)
        assert set(np.unique(c)) <= {1.0, off}
        rate = np.mean(c != cur[:, None, :])
        assert abs(rate - p) < 5 * np.sqrt(p * (1 - p) / c.size) + 1e-4, (p, rate)


def test_unknown_sampler_is_refused():
    with pytest.raises(InputError):
        sample_candidates(np.ones((1, 2)), "gibbs", 3, np.random.default_rng(0), -1.0)


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kw", [
    {"layers": (4, 0, 4)},
    {"layers": (4,)},
    {"layers": ()},
    {"layers": (4, 2.5, 4)},
    {"layers": (4, True, 4)},
    {"sampler": "gibbs"},
    {"schedule": "sideways"},
    {"accept": "sometimes"},
    {"encoding": "pm2"},
    {"sampler": "exhaustive", "layers": (8, 20, 8)},
    {"sampler": "exhaustive", "layers": (32, 13, 6, 13, 32)},
    {"flip_p": 0.0},
    {"flip_p": 1.5},
    {"flip_p": -0.1},
    {"samples": 0},
    {"flip_k": 0},
    {"epochs": -1},
    {"inner_epochs": 0},
    {"eta": 0.0},
    {"seed": -1},
])
def test_bad_config_is_refused(kw):
    with pytest.raises(InputError):
        DeepTargetsConfig(**kw)


def test_good_configs_are_accepted():
    assert DeepTargetsConfig(sampler="exhaustive", layers=(3, 12, 3)).layers == (3, 12, 3)
    assert DeepTargetsConfig(flip_p=1.0, epochs=0).off == -1.0
    assert DeepTargetsConfig(encoding="01", layers=[np.int64(2), 1, 2]).layers == (2, 1, 2)


def test_exhaustive_refuses_default_16_unit_layers():
    with pytest.raises(InputError):
        DeepTargetsConfig(sampler="exhaustive")


CFG = DeepTargetsConfig(layers=(3, 2, 3), epochs=0)
GOOD = np.array([[0, 1, 1], [1, 0, 0]], dtype=np.uint8)


@pytest.mark.parametrize("train, test, targets", [
    (np.array([[0, 2, 1], [1, 0, 0]]), None, None),  # not 0/1
    (np.array([[0.0, 0.5, 1.0], [1.0, 0.0, 0.0]]), None, None),  # floats
    (np.array([0, 1, 1]), None, None),  # 1-D
    (np.zeros((0, 3), dtype=np.uint8), None, None),  # empty
    (np.array([[0, 1], [1, 0]]), None, None),  # too narrow
    (np.array([[0, 1, 1, 0], [1, 0, 0, 0]]), None, None),  # too wide
    (GOOD, np.array([[0, 1]]), None),  # held-out data of the wrong width
    (GOOD, np.array([[0, 1, -1]]), None),  # held-out data not 0/1
    (GOOD, None, np.array([[0, 1, 1]])),  # targets of the wrong length
    (GOOD, None, np.array([[0, 1], [1, 1]])),  # targets of the wrong width
    (GOOD, None, np.array([[0, 1, 3], [1, 1, 0]])),  # targets not 0/1
])
def test_bad_data_is_refused(train, test, targets):
    with pytest.raises(InputError):
        deep_targets(train, test, CFG, targets=targets)


def test_autoencoder_needs_equal_ends():
    with pytest.raises(InputError):
        deep_targets(GOOD, config=DeepTargetsConfig(layers=(3, 2, 4), epochs=0))
    # with explicit targets the ends may differ
    res = deep_targets(GOOD, config=DeepTargetsConfig(layers=(3, 2, 4), epochs=0),
                       targets=np.array([[0, 1, 1, 0], [1, 1, 0, 0]]))
    assert len(res["curve"]) == 1


def refused_or_unmeasured(run):
    """True when `run` refuses with InputError or reports no held-out error."""
    try:
        res = run()
    except InputError:
        return True
    return all(np.isnan(c[2]) for c in res["curve"])


def test_held_out_data_needs_its_own_targets():
    X = np.array([[0, 1, 1], [1, 0, 0], [1, 1, 1], [0, 0, 1]], dtype=np.uint8)
    Y4 = np.array([[0, 1, 1, 0], [1, 0, 0, 1], [1, 1, 1, 1]], dtype=np.uint8)
    Y3 = 1 - X[:3]
    for layers, Y in (((3, 2, 4), Y4), ((3, 2, 3), Y3)):
        cfg = DeepTargetsConfig(layers=layers, epochs=1)
        assert refused_or_unmeasured(lambda: deep_targets(X[:3], X[3:], cfg, targets=Y))


def test_load_data(tmp_path):
    X = np.array([[i & 1, (i >> 1) & 1, (i >> 2) & 1] for i in range(8)], dtype=np.uint8)
    np.save(tmp_path / "x.npy", X)
    train, test = load_data(str(tmp_path / "x.npy"), 0.25, seed=3)
    assert len(train) == 6 and len(test) == 2
    assert sorted(map(tuple, np.concatenate([train, test]).tolist())) == sorted(map(tuple, X.tolist()))
    train, test = load_data(str(tmp_path / "x.npy"), 0.0)
    assert test is None and len(train) == 8
    np.save(tmp_path / "bad.npy", X * 2)
    for path, frac in ((tmp_path / "bad.npy", 0.25), (tmp_path / "missing.npy", 0.25), (tmp_path / "x.npy", 1.0)):
        with pytest.raises(InputError):
            load_data(str(path), frac)


# --------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# the unit search, the pocket, budgets, restarts, annealing (issue 16)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["pm1", "01"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flip_gains_match_the_reference(encoding, seed):
    off = OFF[encoding]
    rnd = random.Random(seed)
    sizes = [5, 4, 3, 4, 5]
    net = [[[rnd.gauss(0, 1) for _ in range(a + 1)] for _ in range(b)] for a, b in zip(sizes[:-1], sizes[1:])]
    X = coded([[rnd.randint(0, 1) for _ in range(5)] for _ in range(20)], off)
    Y = coded([[rnd.randint(0, 1) for _ in range(5)] for _ in range(20)], off)
    weights = [np.array(layer) for layer in net]
    acts = forward(weights, np.array(X), off)
    err = np.sum(acts[-1] != np.array(Y), axis=1)
    for l in (1, 2, 3):
        pre = acts[l] @ weights[l][:, :-1].T + weights[l][:, -1]
        for i in range(sizes[l]):
            got, pushed = flip_gains(weights, l, i, acts[l], pre, np.array(Y), err, off)
            want = naive.flip_gains(net, l, i, X, Y, off)
            assert got.tolist() == want
            assert pushed >= sum(v != 0 for v in want)


@pytest.mark.parametrize("keep_best", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_pocket_matches_the_reference(keep_best, seed):
    rng = np.random.default_rng(seed)
    m, s = 30, 6
    X1 = np.concatenate([rng.choice([-1.0, 1.0], (m, s - 1)), np.ones((m, 1))], axis=1)
    t = rng.choice([-1.0, 1.0], m)
    c = rng.integers(0, 4, m).astype(np.float64)  # some examples of weight 0
    orders = np.stack([rng.permutation(m) for _ in range(5)]).astype(np.int64)
    w0 = rng.normal(size=s)
    w = w0.copy()
    _, err = pocket(w, X1, t, c, orders, 0.1, 0.6, keep_best)
    ref = naive.pocket_gate(w0.tolist(), X1.tolist(), t.tolist(), c.tolist(), orders.tolist(), 0.1, 0.6, keep_best)
    np.testing.assert_allclose(w, ref, rtol=0, atol=1e-12)
    werr = sum(cp for x, tp, cp in zip(X1, t, c) if cp and (x @ w > 0) != (tp > 0))
    assert err == pytest.approx(werr)
    if keep_best:  # never worse than where it started
        assert werr <= sum(cp for x, tp, cp in zip(X1, t, c) if cp and (x @ w0 > 0) != (tp > 0))


@pytest.mark.parametrize("encoding", ["pm1", "01"])
@pytest.mark.parametrize("seed", [0, 1])
def test_unit_search_never_raises_the_training_error(encoding, seed):
    # without input noise every unit step keeps the error or lowers it (the weighted-error identity)
    X, Y = teacher_data(seed, sizes=(6, 5, 3, 5, 6), examples=64)
    cfg = DeepTargetsConfig(layers=(6, 5, 3, 5, 6), encoding=encoding, denoise=0.0, epochs=8, inner_epochs=4,
                            seed=seed)
    res = deep_targets(X, config=cfg, targets=Y)
    train = [c[1] for c in res["curve"]]
    assert all(b <= a for a, b in zip(train, train[1:])), train
    assert train[-1] < train[0]
    off = OFF[encoding]
    assert naive.net_error(as_lists(res["weights"]), coded(X, off), coded(Y, off), off) == round(train[-1] * 64 * 6)
    # the plain perceptron (last iterate) has no such guarantee, and here it does raise the error
    rises = 0
    for s in range(6):
        r = deep_targets(X, config=replace(cfg, fit="perceptron", margin=0.0, seed=s), targets=Y)
        tr = [c[1] for c in r["curve"]]
        rises += any(b > a for a, b in zip(tr, tr[1:]))
    assert rises > 0


def test_gate_evaluations_of_an_output_layer_by_closed_form():
    # one layer (no hidden layer): per epoch a forward pass (m k), inner_epochs perceptron passes (2 m k each)
    # and the forward pass after the update (m k)
    X, Y = teacher_data(3, sizes=(6, 4), examples=50)
    for epochs, inner in ((1, 2), (3, 5)):
        cfg = paper_config(layers=(6, 4), epochs=epochs, inner_epochs=inner, seed=1)
        res = deep_targets(X, config=cfg, targets=Y)
        per_epoch = 50 * 4 * (1 + 2 * inner + 1)
        assert res["evals"] == [e * per_epoch for e in range(epochs + 1)]


def test_budget_stops_the_run_and_restarts_keep_the_best():
    X, _ = synthetic_data(n=10, code=3, hidden=6, examples=60, seed=1)
    cfg = DeepTargetsConfig(layers=(10, 6, 3, 6, 10), epochs=1000, inner_epochs=3, seed=2)
    free = deep_targets(X, config=replace(cfg, epochs=3))
    budget = free["evals"][2] + 1  # a little more than two epochs
    res = deep_targets(X, config=replace(cfg, budget=budget))
    assert res["evals"][-2] < budget <= res["evals"][-1]
    assert len(res["curve"]) == len(res["evals"])
    # up to the stop, the same run as without a budget
    assert [c[:2] for c in res["curve"][:3]] == [c[:2] for c in free["curve"][:3]]
    # restarts: each gets budget / R, the kept one has the least training error, all are charged
    r3 = deep_targets(X, config=replace(cfg, budget=3 * budget, restarts=3))
    finals = [r[0] for r in r3["restarts"]]
    assert finals[0] == min(finals) == r3["curve"][-1][1] and len(finals) == 3
    assert r3["evals"][-1] >= 3 * budget
    assert r3["curve"][-1][1] <= res["curve"][-1][1]  # restart 0 is the run above


def test_anneal_keeps_uphill_moves_only_while_hot():
    X, _ = synthetic_data(n=10, code=3, hidden=6, examples=60, seed=1)
    base = paper_config(layers=(10, 6, 3, 6, 10), epochs=12, seed=4)
    hot = deep_targets(X, config=replace(base, accept="anneal", temperature=1e9))
    cold = deep_targets(X, config=replace(base, accept="anneal", temperature=1e-9))
    strict = deep_targets(X, config=base)
    uphill = [u for u in hot["layer_updates"] if u[3] > u[2]]
    assert uphill and all(u[4] for u in uphill if u[0] < 12)  # kept while T is large
    assert not any(u[4] for u in cold["layer_updates"] if u[3] > u[2])
    assert [c[:2] for c in cold["curve"]] == [c[:2] for c in strict["curve"]]


def test_input_groups_share_a_target_only_when_inputs_coincide():
    prev = np.array([[1, -1], [1, -1], [-1, 1], [1, 1]], dtype=float)
    cur = np.array([[1, 1, -1], [1, 1, -1], [1, 1, -1], [-1, 1, 1]], dtype=float)
    uniq, order, start, inv = input_groups(prev, cur)
    assert len(uniq) == 3  # the first two examples share an input; the third shares only an activity
    assert inv[0] == inv[1] and inv[2] != inv[0]
    for g in range(3):
        members = order[start[g]:start[g + 1]]
        assert all((cur[e] == uniq[g]).all() for e in members)


@pytest.mark.parametrize("encoding", ["pm1", "01"])
def test_class_error_matches_the_reference(encoding):
    off = OFF[encoding]
    rnd = random.Random(5)
    sizes = [6, 5, 4]
    net = [[[rnd.randint(-3, 3) / 2 for _ in range(a + 1)] for _ in range(b)] for a, b in zip(sizes[:-1], sizes[1:])]
    X = coded([[rnd.randint(0, 1) for _ in range(6)] for _ in range(40)], off)
    labels = [rnd.randint(0, 3) for _ in range(40)]
    pred = naive.class_predictions(net, X, off)
    want = sum(p != y for p, y in zip(pred, labels)) / 40
    assert class_error([np.array(L) for L in net], np.array(X), np.array(labels), off) == want
    with pytest.raises(InputError):
        class_error([np.array(L) for L in net], np.array(X), np.array(labels) + 4, off)


@pytest.mark.parametrize("kw", [
    {"search": "bogus"}, {"fit": "bogus"}, {"group": "bogus"}, {"accept": "bogus"}, {"margin": -1.0},
    {"denoise": 0.5}, {"temperature": 0.0}, {"restarts": 0}, {"budget": 0}, {"budget": 1.5},
    {"sampler": ("flip", "flip")}, {"sampler": ("flip", "exhaustive", "flip"), "layers": (32, 16, 13, 16, 32)},
])
def test_bad_new_settings_are_refused(kw):
    with pytest.raises(InputError):
        DeepTargetsConfig(**kw)


def test_per_layer_samplers():
    cfg = DeepTargetsConfig(sampler=("flip", "exhaustive", "flip"))
    assert [cfg.layer_sampler(l) for l in (1, 2, 3)] == ["flip", "exhaustive", "flip"]
    assert cfg.to_dict()["sampler"] == ["flip", "exhaustive", "flip"]
    assert DeepTargetsConfig(sampler="seen").layer_sampler(2) == "seen"

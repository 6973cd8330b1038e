"""The learning channel (gates.channel, its feed-forward net, study and check): nets, algorithms, counts and theory,
against tests/naive.py."""

import csv
import json
import math
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gates.learning.nets.feedforward as feedforward
from tests.strategies import examples
from gates.channel.algorithms import ALGORITHMS, GLOBAL, Step, cosine, first_order_decrease, rate_identity, step
from gates.channel.measure import (
    DEFAULT_HIDDEN,
    boolean_task,
    fit_exponents,
    measure,
    student_t975,
    teacher_task,
    thin_indices,
    train,
)
from gates.channel.theory import (
    best_of_k_cos,
    expected_positive_max,
    predicted_exponent,
    projection_cos,
    random_direction_cos,
    theory_cos,
    theory_improvement,
)
from gates.errors import InputError
from gates.learning.nets.activations import ACTIVATIONS, activate, activation_slope
from gates.learning.nets.feedforward import FeedForward, backpropagate, forward_activities, local_rule
from gates.learning.nets.recurrent import Recurrent
from gates.studies.channel_study import channel_study, write_channel
from gates.verify.channel import check_channel

from . import naive

ARCHS = [((3, 4, 2), "tanh"), ((5, 3, 4, 2), "logistic"), ((2, 1), "tanh"), ((4, 6, 1), "logistic"),
         ((3, 2, 3, 2, 1), "tanh")]


def _setup(sizes, activation, P=5, seed=1):
    net = FeedForward(sizes, activation)
    X, T = teacher_task(net, P, seed=seed, teacher_seed=seed + 7)
    return net, net.init(seed + 3), X, T


# --------------------------------------------------------------------------
# the nets against plain loops
# --------------------------------------------------------------------------


@pytest.mark.parametrize("sizes,activation", ARCHS)
def test_forward_error_gradient_match_naive(sizes, activation):
    net, w, X, T = _setup(sizes, activation)
    assert net.n_weights == sum(m * (n + 1) for n, m in zip(sizes[:-1], sizes[1:]))
    assert net.n_units == sum(sizes[1:])
    Y = naive.layered_forward(w.tolist(), X.tolist(), sizes, activation)
    np.testing.assert_allclose(net.forward(w, X), Y, rtol=1e-12, atol=1e-12)
    E_ref = naive.layered_error(w.tolist(), X.tolist(), T.tolist(), sizes, activation)
    assert net.error(w, X, T) == pytest.approx(E_ref, rel=1e-12, abs=1e-15)
    E, g = net.gradient(w, X, T)
    assert E == pytest.approx(E_ref, rel=1e-12, abs=1e-15)
    fd = naive.central_gradient(lambda v: naive.layered_error(v, X.tolist(), T.tolist(), sizes, activation), w)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-8 * max(1.0, np.abs(fd).max()))


@examples(15)
@given(sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4), activation=st.sampled_from(["tanh", "logistic"]),
       P=st.integers(1, 4), seed=st.integers(0, 1000))
def test_gradient_is_the_finite_difference_on_random_architectures(sizes, activation, P, seed):
    net, w, X, T = _setup(tuple(sizes), activation, P, seed)
    w = w * 2.0  # larger weights: saturating units too
    _, g = net.gradient(w, X, T)
    fd = naive.central_gradient(lambda v: naive.layered_error(v, X.tolist(), T.tolist(), sizes, activation), w)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-8)


def test_activations_are_tanh_and_the_logistic():
    assert ACTIVATIONS == ("tanh", "logistic")
    z = np.linspace(-6, 6, 25)
    np.testing.assert_allclose(activate(z, "tanh"), np.tanh(z), rtol=1e-15)
    np.testing.assert_allclose(activate(z, "logistic"), 1 / (1 + np.exp(-z)), rtol=1e-14)
    assert activate(np.array([-1000.0]), "logistic")[0] == 0.0  # no overflow in exp
    h = 1e-6
    for kind in ACTIVATIONS:  # f'(z) from a = f(z), against a central difference
        fd = (activate(z + h, kind) - activate(z - h, kind)) / (2 * h)
        np.testing.assert_allclose(activation_slope(activate(z, kind), kind), fd, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("sizes,activation", ARCHS)
def test_public_backprop_kernels_give_the_gradient(sizes, activation):
    # forward_activities, backpropagate and local_rule are the one backprop other rooms may call
    net, w, X, T = _setup(sizes, activation)
    layers = net.layer_weights(w)
    weights = [Wl[:, :-1] for Wl in layers]
    acts = forward_activities(layers, X, activation)
    np.testing.assert_array_equal(acts[-1], net.forward(w, X))
    deltas = backpropagate(weights, acts, (acts[-1] - T) / len(X), activation)
    np.testing.assert_array_equal(np.concatenate(deltas, axis=1), net.unit_deltas(w, X, T))
    np.testing.assert_array_equal(local_rule(acts, deltas), net.gradient(w, X, T)[1])
    # an output unit with the hidden f too, E = 1/(2P) sum (f(z_L) - T)^2: the caller's delta_L = (y - T) f'(z_L) / P
    acts = forward_activities(layers, X, activation, linear_output=False)
    y = acts[-1]
    g = local_rule(acts, backpropagate(weights, acts, (y - T) * activation_slope(y, activation) / len(X), activation))
    f = (lambda z: np.tanh(z)) if activation == "tanh" else (lambda z: 1 / (1 + np.exp(-z)))

    def E(v):  # the naive net's linear outputs, through f
        Y = f(np.array(naive.layered_forward(v, X.tolist(), sizes, activation)))
        return float(np.sum((Y - T) ** 2) / (2 * len(X)))

    fd = naive.central_gradient(E, w)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-8 * max(1.0, np.abs(fd).max()))


@pytest.mark.parametrize("sizes,activation", ARCHS[:3])
def test_errors_batch_equals_one_at_a_time_in_chunks(sizes, activation, monkeypatch):
    net, w, X, T = _setup(sizes, activation)
    Wmat = w + 0.3 * np.random.default_rng(0).standard_normal((7, net.n_weights))
    want = [naive.layered_error(v.tolist(), X.tolist(), T.tolist(), sizes, activation) for v in Wmat]
    np.testing.assert_allclose(net.errors(Wmat, X, T), want, rtol=1e-12)
    monkeypatch.setattr(feedforward, "CHUNK_BYTES", 1)  # one weight vector per chunk
    np.testing.assert_allclose(net.errors(Wmat, X, T), want, rtol=1e-12)


@pytest.mark.parametrize("sizes,activation", ARCHS)
def test_weight_perturbation_errors_equal_the_perturbed_batch(sizes, activation):
    net, w, X, T = _setup(sizes, activation)
    eps = 1e-3
    fast = net.weight_perturbation_errors(w, X, T, eps)
    np.testing.assert_allclose(fast, net.errors(w + eps * np.eye(net.n_weights), X, T), rtol=1e-12)
    for i in (0, net.n_weights // 2, net.n_weights - 1):
        v = w.tolist()
        v[i] += eps
        assert fast[i] == pytest.approx(naive.layered_error(v, X.tolist(), T.tolist(), sizes, activation), rel=1e-12)


@pytest.mark.parametrize("sizes,activation", ARCHS)
def test_activity_perturbation_deltas_are_the_backprop_deltas(sizes, activation):
    net, w, X, T = _setup(sizes, activation)
    ref = np.array(naive.layered_unit_deltas(w.tolist(), X.tolist(), T.tolist(), sizes, activation))
    bp = net.unit_deltas(w, X, T)
    np.testing.assert_allclose(bp, ref, rtol=1e-5, atol=1e-9)
    fd = net.unit_deltas_fd(w, X, T, eps=1e-6)  # forward difference: O(eps) error
    np.testing.assert_allclose(fd, bp, rtol=1e-4, atol=1e-6 * np.abs(bp).max())
    _, g = net.gradient(w, X, T)
    np.testing.assert_allclose(net.weight_gradient_from_deltas(w, X, bp), g, rtol=1e-12, atol=1e-15)
    palr = step("palr", net, w, X, T, eps=1e-6)
    np.testing.assert_allclose(-palr.direction, g, rtol=1e-4, atol=1e-6 * np.abs(g).max())


# --------------------------------------------------------------------------
# operation counts follow the definitions
# --------------------------------------------------------------------------


class CountingNet:
    """A FeedForward seen through its plain interface only, counting the
    examples it is asked to forward (in full passes over the batch)."""

    def __init__(self, net):
        self.net, self.passes, self.backward = net, 0.0, 0

    def __getattr__(self, name):  # n_weights, n_units, init, unit_deltas_fd, ...
        if name in ("weight_perturbation_errors", "unit_deltas_cost"):
            raise AttributeError(name)  # force the generic routes
        return getattr(self.net, name)

    def error(self, w, X, T):
        self.passes += 1
        return self.net.error(w, X, T)

    def errors(self, Wmat, X, T):
        self.passes += len(Wmat)
        return self.net.errors(Wmat, X, T)

    def gradient(self, w, X, T):
        self.passes += 1
        self.backward += 1
        return self.net.gradient(w, X, T)


def test_counts_follow_the_definitions():
    sizes, P, D, k = (4, 5, 3, 2), 6, 32, 8
    net, w, X, T = _setup(sizes, "tanh", P)
    W, N = net.n_weights, net.n_units
    layer_w = [m * (n + 1) for n, m in zip(sizes[:-1], sizes[1:])]
    # palr: 1 + sum over units of the weights at and above the unit's layer / W
    palr_fwd = 1 + sum(m * sum(layer_w[l:]) for l, m in enumerate(sizes[1:])) / W
    want = {
        "bp": dict(forward=1, backward=1, perturb=0, scalars=W, bits=W * D, ops=3 * W),
        "pwlr": dict(forward=W + 1, backward=0, perturb=W, scalars=W, bits=W * D, ops=(W + 1) * W),
        "pwlb": dict(forward=W + 1, backward=0, perturb=W, scalars=W, bits=W, ops=(W + 1) * W),
        # per example: N unit perturbations and deltas, D bits per unit and per weight (1 for palb)
        "palr": dict(forward=palr_fwd, backward=0, perturb=N, scalars=N, bits=W * D, ops=palr_fwd * W),
        "palb": dict(forward=palr_fwd, backward=0, perturb=N, scalars=N, bits=W, ops=palr_fwd * W),
        "pwgr": dict(forward=2, backward=0, perturb=1, scalars=1, bits=D, ops=3 * W),
        "pwgb": dict(forward=2, backward=0, perturb=1, scalars=1, bits=1, ops=3 * W),
        "pwgrk": dict(forward=k + 1, backward=0, perturb=k, scalars=k, bits=k * D, ops=(2 * k + 1) * W),
        "pwgbk": dict(forward=k + 1, backward=0, perturb=k, scalars=1, bits=math.log2(k), ops=(2 * k + 1) * W),
    }
    for name, c in want.items():
        s = step(name, net, w, X, T, rng=0, k=k, D=D)
        assert isinstance(s, Step) and s.algorithm == name and s.n_weights == W
        for key in ("forward", "backward", "perturb", "scalars", "bits"):
            assert s.counts[key] == pytest.approx(c[key]), (name, key)
        assert s.ops == pytest.approx(c["ops"]), name
        assert s.bits_per_weight == pytest.approx(c["bits"] / W)
        assert s.ops_per_weight == pytest.approx(c["ops"] / W)
        assert s.rate == pytest.approx(c["bits"] / c["ops"])
        ident = rate_identity(name, net, k=k, D=D)  # the closed forms, from the sizes alone
        assert ident["bits_per_weight"] == pytest.approx(c["bits"] / W), name
        assert ident["ops_per_weight"] == pytest.approx(c["ops"] / W), name
        assert ident["rate"] == pytest.approx(c["bits"] / c["ops"], rel=1e-12), name
    # and the passes actually made, through the plain interface, are the ones counted
    for name in ("bp", "pwlr", "pwlb", "pwgr", "pwgb", "pwgrk", "pwgbk"):
        cn = CountingNet(net)
        s = step(name, cn, w, X, T, rng=0, k=k, D=D)
        assert cn.passes == s.counts["forward"], name
        assert cn.backward == s.counts["backward"], name
    for k2 in (1, 2, 4, 16):
        assert step("pwgbk", net, w, X, T, rng=0, k=k2).counts["bits"] == math.log2(k2)


def test_directions_follow_the_definitions():
    net, w, X, T = _setup((3, 4, 2), "tanh", 6)
    _, g = net.gradient(w, X, T)
    np.testing.assert_allclose(step("bp", net, w, X, T).direction, -g)
    d = step("pwlr", net, w, X, T, eps=1e-7).direction
    np.testing.assert_allclose(d, -g, rtol=1e-4, atol=1e-6 * np.abs(g).max())
    big = np.abs(g) > 1e-3 * np.abs(g).max()
    s = step("pwlb", net, w, X, T, eps=1e-7).direction * math.sqrt(net.n_weights)  # unit length: signs / sqrt(W)
    assert set(np.unique(s)) <= {-1.0, 0.0, 1.0}
    np.testing.assert_array_equal(s[big], -np.sign(g[big]))
    # palb: the local rule on the signs of the deltas, at unit length
    signs = np.sign(net.unit_deltas(w, X, T))
    r = net.weight_gradient_from_deltas(w, X, signs)
    np.testing.assert_allclose(step("palb", net, w, X, T, eps=1e-7).direction, -r / np.linalg.norm(r), atol=1e-12)
    for name in ("pwgr", "pwgb", "pwgrk", "pwgbk"):
        for seed in range(5):
            assert cosine(step(name, net, w, X, T, rng=seed, k=4), g) > 0  # first order: always downhill
    # pwgr: -d u with u the generator's first normal vector scaled to length ~1 (variance 1/W per component)
    u = np.random.default_rng(3).standard_normal((1, net.n_weights))[0] / math.sqrt(net.n_weights)
    dd = (net.error(w + 1e-4 * u, X, T) - net.error(w, X, T)) / 1e-4
    np.testing.assert_allclose(step("pwgr", net, w, X, T, rng=3).direction, -dd * u)
    np.testing.assert_allclose(step("pwgb", net, w, X, T, rng=3).direction, -np.sign(dd) * u)
    # at a minimum (zero error) nothing lowers the error: pwgbk keeps none, its cosine is 0
    T0 = net.forward(w, X)
    s = step("pwgbk", net, w, X, T0, rng=0, k=8)
    assert not s.direction.any() and cosine(s, np.zeros(net.n_weights)) == 0.0


def test_cosine():
    assert cosine(np.array([1.0, 0.0]), np.array([-1.0, -1.0])) == pytest.approx(1 / math.sqrt(2))
    assert cosine(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == pytest.approx(-1.0)
    assert cosine(np.zeros(3), np.ones(3)) == 0.0
    with pytest.raises(InputError):
        cosine(np.ones(2), np.ones(3))


# --------------------------------------------------------------------------
# theory against independent integrals, and measurement against theory
# --------------------------------------------------------------------------


@pytest.mark.parametrize("W", [2, 3, 10, 61, 400])
def test_random_direction_cos_is_the_sphere_integral(W):
    assert random_direction_cos(W) == pytest.approx(naive.sphere_abs_cos(W), rel=1e-6)
    assert theory_cos("pwgr", W) == theory_cos("pwgb", W) == random_direction_cos(W)


def test_large_W_limits():
    W = 10**6
    assert random_direction_cos(W) == pytest.approx(math.sqrt(2 / (math.pi * W)), rel=1e-5)
    assert projection_cos(W, 8) == pytest.approx(math.sqrt(8 / W), rel=0.05)
    assert best_of_k_cos(W, 8) == pytest.approx(best_of_k_cos(W, 8, exact=False), rel=1e-5)


@pytest.mark.parametrize("W,k", [(10, 2), (61, 8), (300, 3), (20, 20)])
def test_projection_cos_is_the_beta_integral(W, k):
    assert projection_cos(W, k) == pytest.approx(naive.sqrt_beta_mean(k / 2, (W - 1) / 2), rel=1e-6)
    if k < W:
        assert projection_cos(W, k, orthonormal=True) == pytest.approx(naive.sqrt_beta_mean(k / 2, (W - k) / 2),
                                                                       rel=1e-6)
    assert projection_cos(W, 1) == pytest.approx(random_direction_cos(W), rel=1e-12)
    assert theory_cos("pwgrk", W, k) == projection_cos(W, k)


@pytest.mark.parametrize("k", [1, 2, 3, 8, 100])
def test_expected_positive_max_is_the_density_integral(k):
    assert expected_positive_max(k) == pytest.approx(naive.positive_max_mean(k), rel=1e-6)


def test_best_of_k_exact_against_monte_carlo_and_k1():
    for W in (3, 7, 50):
        assert best_of_k_cos(W, 1) == pytest.approx(random_direction_cos(W) / 2, rel=1e-5)
    # the chosen direction has the largest z; its norm^2 is z^2 + chi2_{W-1}
    rng = np.random.default_rng(5)
    W, k, n = 12, 5, 200_000
    z = rng.standard_normal((n, k))
    zs = z.max(axis=1)
    u_norm = np.sqrt(zs ** 2 + rng.chisquare(W - 1, n))
    c = np.where(zs > 0, zs / u_norm, 0.0)
    assert abs(c.mean() - best_of_k_cos(W, k)) < 4 * c.std() / math.sqrt(n)
    assert theory_cos("pwgbk", W, k) == best_of_k_cos(W, k)


def test_theory_of_the_exact_and_sign_algorithms():
    for a in ("bp", "pwlr", "palr"):
        assert theory_cos(a, 100) == 1.0 and predicted_exponent(a) == 0.0
    for a in ("pwlb", "palb"):
        assert theory_cos(a, 100) is None and predicted_exponent(a) is None
    for a in ("pwgr", "pwgb", "pwgrk", "pwgbk"):
        assert predicted_exponent(a) == -0.5 and predicted_exponent(a, "rate") == -1.0
    assert [predicted_exponent(a, "improvement") for a in ("bp", "pwlb", "pwgr", "pwgrk", "pwgb", "pwgbk")] == [
        0.0, None, -1.0, -1.0, -0.5, -0.5]
    with pytest.raises(InputError):
        predicted_exponent("bp", "speed")


def _within(row, z=4.0):
    return abs(row["cos_mean"] - row["cos_theory"]) < z * row["cos_se"]


def test_pwgr_cos_at_large_W_is_the_gamma_ratio():
    rows = measure([64], ("pwgr", "pwgb"), samples=500, seed=11)
    for r in rows:
        assert r["W"] == 4801
        assert r["cos_theory"] == pytest.approx(random_direction_cos(4801))
        assert _within(r), r
        assert r["cos_se"] / r["cos_mean"] < 0.05  # power: 4 s.e. is under 20% of the value


def test_pwgrk_and_best_of_k_cos_are_their_theory():
    rows = measure([32], ("pwgrk", "pwgbk"), k=8, samples=500, seed=12)
    by = {r["algorithm"]: r for r in rows}
    assert by["pwgrk"]["cos_theory"] == pytest.approx(projection_cos(1377, 8))
    assert by["pwgbk"]["cos_theory"] == pytest.approx(best_of_k_cos(1377, 8))
    for r in rows:
        assert _within(r), r
    # the orthonormal-projection formula is measurably different at W ~ 100 (Gaussian u_i are not orthogonal)
    rows = measure([6], ("pwgrk",), k=8, samples=800, seed=13)
    r = rows[0]
    assert _within(r)
    assert abs(r["cos_mean"] - projection_cos(r["W"], 8, orthonormal=True)) > 4 * r["cos_se"]


def test_measure_rows():
    rows = measure([4, (8, 3, 1)], ("bp", "pwlr", "pwlb", "pwgbk"), samples=3, seed=2)
    assert [(r["W"], r["algorithm"]) for r in rows] == [(61, "bp"), (61, "pwlr"), (61, "pwlb"), (61, "pwgbk"),
                                                         (31, "bp"), (31, "pwlr"), (31, "pwlb"), (31, "pwgbk")]
    for r in rows:
        assert set(r) >= {"W", "N", "algorithm", "bits_per_weight", "ops_per_weight", "rate", "cos_mean", "cos_se",
                          "cos_theory", "improvement_ratio", "improvement_se", "improvement_theory",
                          "improvement_fd_dev", "grad_sq_mean"}
        assert (r["rate_kind"], r["cos_kind"], r["improvement_kind"]) == ("identity", "measured", "measured")
        assert r["rate"] == pytest.approx(r["bits_per_weight"] / r["ops_per_weight"])
        assert r["improvement_fd_dev"] < 1e-5  # -g . h is the error's own first-order decrease
    assert rows[0]["cos_mean"] == pytest.approx(1.0) and rows[1]["cos_mean"] == pytest.approx(1.0, abs=1e-6)
    assert rows[0]["improvement_ratio"] == pytest.approx(1.0, abs=1e-12) and rows[0]["improvement_se"] < 1e-12
    assert rows[1]["improvement_ratio"] == pytest.approx(1.0, abs=1e-4)
    # every algorithm has its own random stream: a row does not depend on the others measured
    alone = measure([4], ("pwgbk",), samples=3, seed=2)[0]
    assert alone["cos_mean"] == rows[3]["cos_mean"]
    assert measure([4], ("pwgbk",), samples=3, seed=2) == [alone]


def test_fit_exponents_recovers_a_known_slope():
    rng = np.random.default_rng(0)
    Ws = [50, 120, 400, 1500, 5000]
    rows = []
    for W in Ws:
        rows.append({"algorithm": "pwgr", "W": W, "cos_mean": 3.0 * W ** -0.37, "rate": 2.0 / W,
                     "cos_theory": random_direction_cos(W)})
        rows.append({"algorithm": "pwgbk", "W": W, "cos_mean": 0.5 * W ** 0.2 * math.exp(0.01 * rng.standard_normal()),
                     "rate": 1.0, "cos_theory": None})
    fits = {f["algorithm"]: f for f in fit_exponents(rows)}
    assert {f["kind"] for f in fits.values()} == {"measured"}
    assert {f["kind"] for f in fit_exponents(rows, "rate")} == {"identity"}
    assert all(f["ci95"] is None for f in fit_exponents(rows, "rate"))
    assert fits["pwgr"]["slope"] == pytest.approx(-0.37, abs=1e-12)
    assert fits["pwgr"]["intercept"] == pytest.approx(math.log(3.0))
    assert fits["pwgr"]["r2"] == pytest.approx(1.0)
    assert fits["pwgr"]["theory_slope"] == pytest.approx(-0.5, abs=0.01)
    assert fits["pwgr"]["predicted"] == -0.5 and fits["pwgr"]["sizes"] == 5
    assert fits["pwgbk"]["slope"] == pytest.approx(0.2, abs=0.02) and fits["pwgbk"]["theory_slope"] is None
    rate = {f["algorithm"]: f for f in fit_exponents(rows, "rate")}
    assert rate["pwgr"]["slope"] == pytest.approx(-1.0) and rate["pwgbk"]["slope"] == pytest.approx(0.0, abs=1e-12)
    assert fit_exponents(rows[:2]) == []  # one size: no fit


# --------------------------------------------------------------------------
# tasks, training, the study and its files
# --------------------------------------------------------------------------


def test_boolean_task_kitty_order():
    X, T = boolean_task(3, "e8")  # majority
    assert X.shape == (8, 3) and T.shape == (8, 1)
    for p in range(8):
        x = naive.point(p, 3)
        assert X[p].tolist() == [1.0 if b else -1.0 for b in x]
        assert T[p, 0] == (1.0 if sum(x) >= 2 else -1.0)
    assert boolean_task(2, 0b0110)[1].ravel().tolist() == [-1.0, 1.0, 1.0, -1.0]


def test_teacher_task_is_realisable_and_reproducible():
    net = FeedForward((3, 5, 2), "logistic")
    X, T = teacher_task(net, 20, seed=4)
    X2, T2 = teacher_task(net, 20, seed=4)
    assert np.array_equal(X, X2) and np.array_equal(T, T2)
    X3, T3 = teacher_task(net, 20, seed=5)
    assert not np.array_equal(X, X3)
    teacher = net.init(np.random.SeedSequence([0, 0x7EAC]))
    assert net.error(teacher, X3, T3) == 0.0  # the same teacher for every batch


def test_train_respects_the_budget():
    net = FeedForward((4, 5, 1))
    X, T = teacher_task(net, 16, seed=0)
    budget = 200 * net.n_weights
    runs = train(net, X, T, ("bp", "pwlr", "pwgr", "pwgbk"), budget_ops=budget, step_length=0.1, seed=1)
    E0 = net.error(net.init(np.random.SeedSequence([1, 0x7A1]).spawn(1 + len(ALGORITHMS))[0]), X, T)
    for a, r in runs.items():
        assert r["error"][0] == E0  # the same initial weights for all
        assert r["ops"][-1] <= budget
        one = step(a, net, net.init(0), X, T, rng=0).ops
        assert r["ops"][-1] + one > budget  # no room for another step
        np.testing.assert_allclose(np.diff(r["ops"]), one)
        assert r["steps"] == len(r["ops"]) - 1
    assert runs["bp"]["steps"] == 66 and runs["pwlr"]["steps"] == 200 // (net.n_weights + 1)
    assert runs["bp"]["error"][-1] < 0.5 * E0


def test_thin_keeps_ends_and_at_most_the_limit():
    idx = thin_indices(10_000, 500)
    assert len(idx) <= 500 and idx[0] == 0 and idx[-1] == 9999 and np.all(np.diff(idx) > 0)
    assert list(thin_indices(7)) == list(range(7))


def test_study_and_files(tmp_path):
    res = channel_study(sizes=(4, 8), algorithms=("bp", "pwlr", "palr", "pwgr", "pwgbk"), samples=4, budget=60,
                        recurrent=False, train_sizes=(4,), step_lengths=(0.1, 0.3), seed=3)
    assert [r["W"] for r in res["rows"]] == [61] * 5 + [153] * 5
    assert {f["algorithm"] for f in res["fits"]} == {"bp", "pwlr", "palr", "pwgr", "pwgbk"}
    assert len(res.training["runs"]) == 2 and res["recurrent"]["available"] is False
    json.dumps(res.to_dict())
    written = write_channel(res, tmp_path, command=["gates", "channel"])
    files, note = written["files"], written["note"]
    for f in files:
        assert (tmp_path / f).exists()
    assert {"channel_rates.csv", "channel_rates.md", "channel_rates.manifest.json", "channel_fits.csv",
            "channel_training.csv"} <= set(files)
    with open(tmp_path / "channel_rates.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 10 and rows[0]["algorithm"] == "bp" and float(rows[0]["rate"]) == pytest.approx(32 / 3, rel=1e-5)
    assert {r["rate_kind"] for r in rows} == {"identity"} and {r["improvement_kind"] for r in rows} == {"measured"}
    man = json.loads((tmp_path / "channel_rates.manifest.json").read_text())
    assert man["kind"] == "channel" and man["protocol"]["k"] == 8 and "fits" in man["results"]
    assert {f["kind"] for f in man["results"]["rate_fits"]} == {"identity"}
    assert {f["kind"] for f in man["results"]["improvement_fits"]} == {"measured"}
    assert man["protocol"]["kinds"] == {"cos": "measured", "improvement": "measured", "rate": "identity"}
    with open(tmp_path / "channel_fits.csv") as fh:
        fits = list(csv.DictReader(fh))
    assert {(f["quantity"], f["kind"]) for f in fits} == {("cos", "measured"), ("improvement", "measured"),
                                                           ("rate", "identity")}
    assert all(f["method"] for f in fits)
    with open(tmp_path / "channel_training.csv") as fh:
        tr = list(csv.DictReader(fh))
    assert {r["step_length"] for r in tr} == {"0.1", "0.3"}
    if note is None:
        assert "channel_cosine.png" in files and "channel_training.png" in files
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".tmp-")]


def test_check_channel_holds():
    res = check_channel(seed=0)
    assert res["holds"], res["lines"]
    ev = res["evidence"]
    assert ev["W"] == [61, 153, 433, 1377, 4801] and ev["mutant"] is None
    for claim in ("rates_are_counting_identities", "rates_independent_of_batch", "bp_decrease_is_g_squared_every_state",
                  "bp_largest_decrease_every_size", "global_decrease_ratio_grows_with_W",
                  "pwgr_pwgrk_decrease_exponent_near_minus_1", "global_decrease_within_5_se_of_theory",
                  "first_order_decrease_is_the_error_difference"):
        assert ev[claim] is True, claim
    assert abs(ev["cos_exponents"]["pwgr"]["slope"] + 0.5) < 0.1
    assert {f["kind"] for f in ev["rate_exponents"].values()} == {"identity"}
    assert {f["kind"] for f in ev["improvement_exponents"].values()} == {"measured"}
    lo, hi = ev["improvement_exponents"]["pwgrk"]["ci95"]
    assert lo < -1 < hi  # the exact theory, k / W
    for W, (small, large) in ev["palr_rate_batch_2_vs_32"].items():
        assert small == large == pytest.approx(rate_identity("palr", {61: 4, 153: 8, 433: 16, 1377: 32, 4801: 64}[W])[
            "rate"], rel=1e-12)
    assert any("identity" in line for line in res["lines"]) and any("measured" in line for line in res["lines"])


# which claim each mutant must break (the check fails for the right reason)
MUTANT_CLAIM = {"bp-noisy-gradient": "bp_decrease_is_g_squared_every_state",
                "bits-doubled": "rates_are_counting_identities",
                "palr-per-batch": "rates_independent_of_batch",
                "unscaled-perturbation": "pwgr_pwgrk_decrease_exponent_near_minus_1"}


def test_every_mutant_has_its_test():
    assert set(check_channel.mutants) == set(MUTANT_CLAIM)
    with pytest.raises(InputError, match="allowed bp-noisy-gradient"):
        check_channel(mutant="no-such-mutant")


@pytest.mark.parametrize("mutant", sorted(MUTANT_CLAIM))
def test_check_channel_catches_the_mutant(mutant):
    res = check_channel(seed=0, mutant=mutant)
    assert not res["holds"], res["lines"]
    ev = res["evidence"]
    assert ev["mutant"] == mutant and ev[MUTANT_CLAIM[mutant]] is False
    if mutant == "bp-noisy-gradient":  # 10% noise: cos = 1 / sqrt(1.01) up to the noise's own angle
        assert ev["bp_highest_cos_every_size"] is False and 1e-3 < ev["bp_max_dev_from_exact"] < 0.05
    if mutant == "bits-doubled":  # a factor 2 on pwgr's rate, and nothing else
        assert ev["rate_identity_max_rel_dev"] == pytest.approx(1.0)
        assert ev["rates_independent_of_batch"] is True
    if mutant == "palr-per-batch":
        assert ev["rates_are_counting_identities"] is False


def test_recurrent_net_runs_every_algorithm():
    net = Recurrent(n_in=2, n_hidden=3, n_out=1, steps=3)
    X, T = teacher_task(net, 5, seed=0)
    assert X.shape == (5, 3, 2)
    w = net.init(1)
    _, g = net.gradient(w, X, T)
    W, F = net.n_weights, net.n_weight_uses
    d = step("pwlr", net, w, X, T, eps=1e-7)  # through net.errors on w + eps I
    np.testing.assert_allclose(-d.direction, g, rtol=1e-4, atol=1e-6 * np.abs(g).max())
    assert d.ops == (W + 1) * F
    assert step("bp", net, w, X, T).ops == 3 * F
    assert step("pwgr", net, w, X, T, rng=0).ops == 2 * F + W
    palr = step("palr", net, w, X, T, eps=1e-6)
    np.testing.assert_allclose(-palr.direction, g, rtol=1e-4, atol=1e-6 * np.abs(g).max())
    assert palr.counts["forward"] == pytest.approx(1 + net.unit_weight_span().sum() / F)


# --------------------------------------------------------------------------
# the improvement: first-order decrease of the error at equal eta
# --------------------------------------------------------------------------


def _naive_E(sizes, activation, X, T):
    return lambda v: naive.layered_error(list(v), X.tolist(), T.tolist(), sizes, activation)


def test_bp_first_order_decrease_is_g_squared_by_the_error_difference():
    sizes = (3, 4, 2)
    net, w, X, T = _setup(sizes, "tanh", 6)
    E = _naive_E(sizes, "tanh", X, T)
    g_naive = np.array(naive.central_gradient(E, w))
    _, g = net.gradient(w, X, T)
    st = step("bp", net, w, X, T)
    eta = 1e-5
    fd = (E(w + eta * g_naive) - E(w - eta * g_naive)) / (2 * eta)  # the error's decrease along h = -g, per eta
    assert fd == pytest.approx(float(g_naive @ g_naive), rel=1e-6)  # = eta |g|^2 to first order
    assert first_order_decrease(st, g) == pytest.approx(fd, rel=1e-6)
    # the largest of any update of backprop's length (Cauchy-Schwarz)
    rng = np.random.default_rng(0)
    for _ in range(20):
        h = rng.standard_normal(net.n_weights)
        h *= np.linalg.norm(g) / np.linalg.norm(h)
        assert first_order_decrease(h, g) < fd
    with pytest.raises(InputError):
        first_order_decrease(np.ones(3), np.ones(4))


def test_every_first_order_decrease_is_the_error_difference_along_its_update():
    sizes = (4, 5, 1)
    net, w, X, T = _setup(sizes, "logistic", 7)
    E = _naive_E(sizes, "logistic", X, T)
    g = np.array(naive.central_gradient(E, w))
    for name in ALGORITHMS:
        h = step(name, net, w, X, T, rng=1, k=4).direction
        nh = np.linalg.norm(h)
        if nh == 0:
            continue
        t = 1e-4 / nh
        fd = (E(w - t * h) - E(w + t * h)) / (2 * t)
        assert first_order_decrease(h, g) == pytest.approx(fd, rel=1e-5, abs=1e-8 * nh * np.linalg.norm(g)), name


def test_improvement_theory_against_monte_carlo():
    # the update vectors of step() built by hand from Gaussian directions u = z / sqrt(W), not through step()
    rng = np.random.default_rng(7)
    W, k, n = 40, 5, 20_000
    g = 0.3 * rng.standard_normal(W)
    gg = g @ g
    U = rng.standard_normal((n, k, W)) / math.sqrt(W)
    p = U @ g  # g . u_i, shape (n, k)
    samples = {"pwgr": p[:, 0] ** 2 / gg,  # h = -(g . u) u
               "pwgrk": (p ** 2).sum(axis=1) / gg,  # h = -sum_i (g . u_i) u_i
               "pwgb": np.abs(p[:, 0]) / gg,  # h = -sign(g . u) u
               "pwgbk": np.maximum(0.0, (-p).max(axis=1)) / gg}  # h = the best u_i if it helps, else 0
    for name, x in samples.items():
        want = theory_improvement(name, W, k, math.sqrt(gg))
        assert abs(x.mean() - want) < 4 * x.std() / math.sqrt(n), name
    assert theory_improvement("pwgr", 50) == 1 / 50 and theory_improvement("pwgrk", 50, k=3) == 3 / 50
    assert theory_improvement("bp", 50) == theory_improvement("palr", 50) == 1.0
    assert theory_improvement("pwlb", 50) is None and theory_improvement("palb", 50) is None
    assert theory_improvement("pwgb", 100, grad_norm=2.0) == pytest.approx(math.sqrt(2 / math.pi) / 20)
    with pytest.raises(InputError):
        theory_improvement("pwgb", 100, grad_norm=0)


def test_measured_improvement_is_its_theory():
    rows = measure([8], GLOBAL, k=8, samples=300, seed=31)
    for r in rows:
        assert r["W"] == 153
        assert abs(r["improvement_ratio"] - r["improvement_theory"]) < 4 * r["improvement_se"], r
        assert r["improvement_fd_dev"] < 1e-5
    by = {r["algorithm"]: r for r in rows}
    assert by["pwgr"]["improvement_theory"] == pytest.approx(1 / 153, rel=1e-12)
    assert by["pwgrk"]["improvement_theory"] == pytest.approx(8 / 153, rel=1e-12)


# --------------------------------------------------------------------------
# the rate: an identity of the counts, the same at every batch size
# --------------------------------------------------------------------------


def test_palr_rate_does_not_depend_on_the_batch_size():
    sizes, D = (8, 16, 16, 1), 32
    net = FeedForward(sizes)
    w = net.init(2)
    W, N = net.n_weights, net.n_units
    layer_w = [m * (n + 1) for n, m in zip(sizes[:-1], sizes[1:])]
    cost = 1 + sum(m * sum(layer_w[l:]) for l, m in enumerate(sizes[1:])) / W  # forward passes per example
    rates, old = {}, {}
    for P in (2, 32):
        X, T = teacher_task(net, P, seed=P)
        rates[P] = {a: step(a, net, w, X, T, rng=0).rate for a in ALGORITHMS}
        old[P] = step("palr", net, w, X, T, _palr_per_batch=True).rate
    assert rates[2] == pytest.approx(rates[32], rel=1e-12)
    assert rates[2]["palr"] == pytest.approx(D / cost, rel=1e-12)  # D bits per weight over cost W per weight
    assert rates[2]["palb"] == pytest.approx(1 / cost, rel=1e-12)
    # the old mixture (the batch's bits min(N P, W) D over operations per example) changes with P
    assert old[2] == pytest.approx(min(N * 2, W) * D / (W * cost), rel=1e-12)
    assert old[32] == pytest.approx(min(N * 32, W) * D / (W * cost), rel=1e-12)
    assert old[32] / old[2] > 3


def test_rate_identity_on_other_nets():
    net = Recurrent(n_in=2, n_hidden=3, n_out=1, steps=3)
    X, T = teacher_task(net, 4, seed=0)
    w = net.init(1)
    for a in ALGORITHMS:
        assert step(a, net, w, X, T, rng=0, k=4).rate == pytest.approx(rate_identity(a, net, k=4)["rate"], rel=1e-12)
    assert rate_identity("pwgbk", 4, k=16, D=8)["bits_per_weight"] == pytest.approx(4 / 61)
    for bad in (lambda: rate_identity("sgd", 4), lambda: rate_identity("bp", 4, k=0), lambda: rate_identity("bp", 4, D=0)):
        with pytest.raises(InputError):
            bad()


# --------------------------------------------------------------------------
# measured exponents: weighted least squares and its interval
# --------------------------------------------------------------------------


def test_t_quantiles():
    for dof, q in ((1, 12.706), (2, 4.303), (4, 2.776), (10, 2.228), (30, 2.042)):
        assert student_t975(dof) == pytest.approx(q, abs=1e-3)


def test_weighted_fit_matches_a_reference_and_its_interval_covers():
    x = np.log([61.0, 153, 433, 1377, 4801])
    sd = np.array([0.02, 0.05, 0.03, 0.08, 0.04])  # s.e. of log(mean)
    rng = np.random.default_rng(3)
    y = 0.4 - 0.5 * x + sd * rng.standard_normal(5)
    rows = [{"algorithm": "pwgr", "W": int(round(math.exp(a))), "cos_mean": math.exp(b),
             "cos_se": s * math.exp(b)} for a, b, s in zip(x, y, sd)]
    f = fit_exponents(rows)[0]
    (slope, _), cov = np.polyfit(x, y, 1, w=1 / sd, cov="unscaled")  # numpy's weighted fit, sigma = sd
    chi2 = float(np.sum(((y - np.polyval([slope, _], x)) / sd) ** 2))
    assert f["slope"] == pytest.approx(slope, rel=1e-9)
    assert f["slope_se"] == pytest.approx(math.sqrt(cov[0, 0]) * max(1.0, math.sqrt(chi2 / 3)), rel=1e-9)
    assert f["kind"] == "measured" and "weighted" in f["method"]
    covered = 0
    reps = 400
    for _ in range(reps):
        y = 0.4 - 0.5 * x + sd * rng.standard_normal(5)
        rows = [{"algorithm": "pwgr", "W": int(round(math.exp(a))), "cos_mean": math.exp(b),
                 "cos_se": s * math.exp(b)} for a, b, s in zip(x, y, sd)]
        lo, hi = fit_exponents(rows)[0]["ci95"]
        covered += lo < -0.5 < hi
    assert 0.93 <= covered / reps <= 0.995  # at least nominal: the scatter inflation only widens it


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize("sizes", [(), (3,), (3, 0, 1), (3, -1), (2.5, 1), (True, 1), "ab", 5])
def test_bad_sizes(sizes):
    with pytest.raises(InputError):
        FeedForward(sizes)


def test_bad_input():
    net = FeedForward((3, 2, 1))
    X, T = teacher_task(net, 4, seed=0)
    w = net.init(0)
    bad = [
        lambda: FeedForward((3, 2, 1), "relu"),
        lambda: step("sgd", net, w, X, T),
        lambda: step("pwgrk", net, w, X, T, k=0),
        lambda: step("pwgbk", net, w, X, T, k=-2),
        lambda: step("pwgr", net, w, X, T, eps=0),
        lambda: step("bp", net, w, X, T, D=0),
        lambda: step("bp", net, w[:-1], X, T),
        lambda: net.forward(w, X[:, :2]),
        lambda: net.error(w, X, T[:3]),
        lambda: net.error(w, X, np.ones((4, 2))),
        lambda: net.gradient(np.full(net.n_weights, np.nan), X, T),
        lambda: net.errors(np.ones((2, net.n_weights + 1)), X, T),
        lambda: net.weight_gradient_from_deltas(w, X, np.ones((4, 2))),
        lambda: net.unit_deltas_fd(w, X, T, eps=-1),
        lambda: teacher_task(net, 0),
        lambda: boolean_task(2, "xyz"),
        lambda: boolean_task(0, 1),
        lambda: boolean_task(2, 1.5),
        lambda: measure([4], ("bp",), samples=1),
        lambda: measure([4], ("nope",)),
        lambda: measure([0], ("bp",)),
        lambda: measure([4], (), samples=2),
        lambda: fit_exponents([], "speed"),
        lambda: check_channel(seed=-1),
        lambda: random_direction_cos(0),
        lambda: projection_cos(10, 0),
        lambda: projection_cos(4, 5, orthonormal=True),
        lambda: best_of_k_cos(10, 0),
        lambda: theory_cos("bogus", 10),
        lambda: train(net, X, T, ("bp",), budget_ops=-1),
        lambda: train(net, X, T, ("bp",), step_length=0),
        lambda: channel_study(sizes=(), samples=2),
        lambda: channel_study(sizes=(4,), budget=0, samples=2),
        lambda: channel_study(sizes=(4,), k=0, samples=2),
    ]
    for i, f in enumerate(bad):
        with pytest.raises(InputError):
            f()
            pytest.fail(f"case {i} did not raise")


# --------------------------------------------------------------------------
# heavier: run with -m slow
# --------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_check_channel_holds_for_other_seeds(seed):
    assert check_channel(seed=seed)["holds"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_check_channel_catches_every_mutant_at_other_seeds(seed):
    for mutant, claim in MUTANT_CLAIM.items():
        ev = check_channel(seed=seed, mutant=mutant)["evidence"]
        assert ev[claim] is False, (mutant, seed)


@pytest.mark.slow
def test_every_global_algorithm_matches_theory_at_every_default_size():
    rows = measure(DEFAULT_HIDDEN, GLOBAL, samples=1500, seed=21)
    for r in rows:
        assert _within(r), r
        assert abs(r["improvement_ratio"] - r["improvement_theory"]) < 4 * r["improvement_se"], r

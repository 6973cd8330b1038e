"""The deep-local study (digest §3) against independent references.

References: central finite differences of the weighted error, explicit
gradient-descent iterations of the top, the fixed-point equation of the
expected Oja dynamics written out in numpy, and closed facts (the uniform
cube has many Oja fixed points; a target in the span of the features has
E = 0 and no hidden gradient).
"""

import numpy as np
import pytest

from gates.studies.deep_local import (
    MUTANTS,
    backprop,
    error_grads,
    top_limit,
    deep_local_rows,
    deep_local_study,
    oja_fixed_point,
    receptive_fields,
    skewed_inputs,
)
from gates.errors import InputError


def test_skewed_inputs_are_a_product_distribution_in_kitty_order():
    X, pi, q = skewed_inputs(3, (0.9, 0.7, 0.6))
    for p in range(8):
        bits = [(p >> i) & 1 for i in range(3)]
        assert X[p].tolist() == [1.0 if b else -1.0 for b in bits] + [1.0]
        want = 1.0
        for b, qi in zip(bits, (0.9, 0.7, 0.6)):
            want *= qi if b else 1 - qi
        assert pi[p] == pytest.approx(want)
    assert pi.sum() == pytest.approx(1.0)
    # E[x_i] = 2 q_i - 1
    assert (pi @ X[:, :3]).tolist() == pytest.approx([0.8, 0.4, 0.2])


def test_receptive_fields_are_cyclic_pairs_with_bias():
    m = receptive_fields(4)
    assert m.tolist() == [[1, 1, 0, 0, 1], [0, 1, 1, 0, 1], [0, 0, 1, 1, 1], [1, 0, 0, 1, 1]]


def test_gradients_match_central_differences():
    rng = np.random.default_rng(3)
    X, pi, _ = skewed_inputs(3)
    mask = receptive_fields(3)
    T = rng.choice([-1.0, 1.0], 8)
    W, v = rng.normal(size=(3, 4)) * mask, rng.normal(size=4)

    def E(W, v):  # the weighted error written out independently
        H = np.tanh(X @ W.T)
        return 0.5 * float(pi @ (H @ v[:-1] + v[-1] - T) ** 2)

    E0, gW, gv = error_grads(W, v, X, pi, T, mask)
    assert E0 == pytest.approx(E(W, v))
    eps = 1e-6
    for idx in np.ndindex(W.shape):
        d = np.zeros_like(W)
        d[idx] = eps
        fd = (E(W + d, v) - E(W - d, v)) / (2 * eps)
        assert gW[idx] == pytest.approx(fd * mask[idx], abs=1e-8)  # masked weights do not exist
    for k in range(4):
        d = np.zeros(4)
        d[k] = eps
        assert gv[k] == pytest.approx((E(W, v + d) - E(W, v - d)) / (2 * eps), abs=1e-8)


def test_oja_fixed_point_solves_the_expected_equation():
    X, pi, _ = skewed_inputs(3)
    mask = receptive_fields(3)
    for i in range(3):
        w, ok = oja_fixed_point(X, pi, mask[i], np.random.default_rng(i).normal(size=4))
        assert ok
        H = np.tanh(X @ w)
        # E[H x~] = E[H^2] w on the unit's own inputs
        lhs = (pi * H) @ X * mask[i]
        assert np.abs(lhs - (pi @ H**2) * w).max() < 1e-12
        assert np.abs(w[mask[i] == 0]).max() == 0.0


def test_uniform_cube_has_many_fixed_points_the_skewed_one_does_not():
    """Why the inputs are skewed: on the uniform cube each input axis is a
    fixed point (a tanh a = 1), so where Oja lands depends on the start."""
    X, pi, _ = skewed_inputs(2, (0.5, 0.5))
    full = np.ones(3)
    a = 1.0
    for _ in range(60):  # Newton on a tanh(a) = 1
        a -= (a * np.tanh(a) - 1) / (np.tanh(a) + a / np.cosh(a) ** 2)
    landed = set()
    rng = np.random.default_rng(0)
    for _ in range(30):
        w, ok = oja_fixed_point(X, pi, full, rng.normal(size=3))
        assert ok and np.linalg.norm(w) == pytest.approx(a, abs=1e-6)
        landed.add(int(np.argmax(np.abs(w))))
    assert len(landed) >= 2
    res = deep_local_rows(2, [np.ones(4)], ["1"], seed=0, q=(0.5, 0.5), starts=10)[1]
    assert res["fixed_point_spread"] > 0.1  # the study sees the non-uniqueness
    res = deep_local_rows(2, [np.ones(4)], ["1"], seed=0, starts=10)[1]
    assert res["fixed_point_spread"] < 1e-9


def test_top_limit_is_where_gradient_descent_goes():
    rng = np.random.default_rng(5)
    X, pi, _ = skewed_inputs(3)
    W = rng.normal(size=(3, 4)) * receptive_fields(3)
    Phi = np.hstack([np.tanh(X @ W.T), np.ones((8, 1)), np.tanh(X @ W[:1].T)])  # a repeated column: null space
    T = rng.choice([-1.0, 1.0], 8)
    v0 = rng.normal(size=5)
    v = v0.copy()
    A = Phi.T @ (pi[:, None] * Phi)
    step = 1.0 / np.linalg.eigvalsh(A)[-1]
    for _ in range(200_000):
        v -= step * (A @ v - Phi.T @ (pi * T))
    got, residual = top_limit(Phi, pi, T, v0)
    assert np.abs(got - v).max() < 1e-6
    s = np.sqrt(pi)
    ls = np.linalg.lstsq(Phi * s[:, None], T * s, rcond=None)[0]
    assert residual == pytest.approx(np.linalg.norm((Phi @ ls - T) * s) / np.linalg.norm(T * s))


def test_a_target_in_the_feature_span_is_trivial_and_has_no_gap():
    X, pi, _ = skewed_inputs(3)
    mask = receptive_fields(3)
    rows, setting = deep_local_rows(3, [np.ones(8)], ["1"], seed=0, starts=3)
    W = np.array(setting["fixed_point"])
    Phi = np.hstack([np.tanh(X @ W.T), np.ones((8, 1))])
    T = Phi @ np.array([0.7, -0.3, 0.2, 0.1])  # real-valued, exactly in the span
    row = deep_local_rows(3, [T, np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)], ["span", "xnor01"], seed=0,
                          starts=3)[0]
    assert row[0]["trivial"] and row[0]["local_error"] < 1e-25 and row[0]["local_grad_hidden"] < 1e-12
    assert not row[1]["trivial"] and row[1]["local_grad_hidden"] > 1e-3
    assert mask.shape == (3, 4)


def test_backprop_ends_at_a_critical_point_by_finite_differences():
    X, pi, _ = skewed_inputs(3)
    mask = receptive_fields(3)
    rng = np.random.default_rng(11)
    T = np.where(rng.random(8) < 0.5, 1.0, -1.0)
    W, v, steps = backprop(rng.normal(size=(3, 4)) * mask, rng.normal(size=4), X, pi, T, mask, 1e-7, 10**6, 10)
    assert steps < 10**6

    def E(theta):
        Wt = theta[:12].reshape(3, 4) * mask
        H = np.tanh(X @ Wt.T)
        return 0.5 * float(pi @ (H @ theta[12:-1] + theta[-1] - T) ** 2)

    theta = np.concatenate([W.ravel(), v])
    g = np.array([(E(theta + e) - E(theta - e)) / 2e-6 for e in 1e-6 * np.eye(16)])
    g[:12] *= mask.ravel()
    assert np.linalg.norm(g) < 1e-6


def test_study_at_n2_holds_and_its_mutant_is_caught():
    res = deep_local_study(n=2, teachers=3, teacher_n=3, seed=1)
    s = res["summary"]
    # 16 functions of 2 inputs + 3 teachers; the two constants are the trivial functions of n = 2
    assert s["targets"] == 19 and {"0", "f"} <= {t["target"] for t in s["trivial_targets"]}
    assert res["holds"] and s["nontrivial_without_gap"] == [] and s["backprop_critical"] == 19
    bad = deep_local_study(n=2, teachers=3, teacher_n=3, seed=1, mutant="hidden-gets-error")
    assert not bad["holds"] and bad["summary"]["nontrivial_with_gap"] == 0
    assert set(MUTANTS) == {"hidden-gets-error"}


@pytest.mark.parametrize("kwargs,match", [
    ({"n": 1}, "n=1"), ({"n": 4}, "n=4"), ({"teacher_n": 7}, "n=7"), ({"teachers": -1}, "teachers=-1"),
    ({"critical": 0}, "critical=0"), ({"mutant": "nope"}, "mutant 'nope' is unknown"), ({"starts": 0}, "starts=0"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        deep_local_study(**kwargs)


def test_skewed_inputs_refuse_bad_probabilities():
    with pytest.raises(InputError, match="probabilities"):
        skewed_inputs(2, (0.5, 1.0))

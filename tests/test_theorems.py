"""Numerical checks of the paper's theorems against independent facts.

Expectations come from finite differences, np.linalg.lstsq, closed-form
fixed points (Oja on the cube: rows a e_k with a tanh a = 1) and the
theorem's own prediction, never from values read back from the code.
"""

import numpy as np
import pytest

from gates.errors import InputError
from gates.theorems import (
    DEEP_LOCAL_EXCEPTIONS,
    DEEP_LOCAL_TARGETS,
    _computes,
    _error_and_grads,
    _inputs,
    _oja,
    _top_gradient,
    deep_local_limit,
    deep_local_table,
)


def _oja_axis_norm():
    """a with a tanh(a) = 1, by Newton: the norm of Oja's tanh fixed points."""
    a = 1.0
    for _ in range(50):
        a -= (a * np.tanh(a) - 1) / (np.tanh(a) + a / np.cosh(a) ** 2)
    return a


def _pm1(table, n):
    return np.array([1.0 if (table >> p) & 1 else -1.0 for p in range(1 << n)])


def test_inputs_kitty_order():
    X = _inputs(3)
    for p in range(8):
        want = [1.0 if (p >> i) & 1 else -1.0 for i in range(3)] + [1.0]
        assert X[p].tolist() == want


def test_gradients_match_central_differences():
    rng = np.random.default_rng(7)
    n, h = 3, 4
    X = _inputs(n)
    T = rng.choice([-1.0, 1.0], size=1 << n)
    W, v = rng.normal(size=(h, n + 1)), rng.normal(size=h + 1)
    _, gW, gv = _error_and_grads(W, v, X, T)
    eps = 1e-6
    fdW = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        d = np.zeros_like(W)
        d[idx] = eps
        fdW[idx] = (_error_and_grads(W + d, v, X, T)[0] - _error_and_grads(W - d, v, X, T)[0]) / (2 * eps)
    fdv = np.array([
        (_error_and_grads(W, v + eps * e, X, T)[0] - _error_and_grads(W, v - eps * e, X, T)[0]) / (2 * eps)
        for e in np.eye(h + 1)
    ])
    assert np.linalg.norm(gW - fdW) / np.linalg.norm(fdW) < 1e-6
    assert np.linalg.norm(gv - fdv) / np.linalg.norm(fdv) < 1e-6


@pytest.mark.parametrize("name,n,table", [("xor", 2, 0x6), ("parity3", 3, 0x96)])
def test_local_stops_short_of_a_critical_point(name, n, table):
    row, = deep_local_limit([(name, n, table)], seed=0)
    assert row["local_grad_top"] < 1e-6  # the top converged ...
    assert row["local_grad_hidden"] > 1e-3  # ... yet (W, v) is not critical
    assert np.hypot(row["backprop_grad_hidden"], row["backprop_grad_top"]) < 1e-4
    assert row["backprop_error"] <= row["local_error"]
    assert not row["trivial"]


@pytest.mark.parametrize("seed", range(4))
def test_trivial_exception_closes_the_gap(seed):
    name, n, table, h, rule = DEEP_LOCAL_EXCEPTIONS[0]
    assert rule == "none" and h + 1 >= 1 << n  # generically full row rank
    row, = deep_local_limit(DEEP_LOCAL_EXCEPTIONS, seed=seed)
    assert row["local_error"] < 1e-10
    assert row["local_grad_hidden"] < 1e-6
    assert row["trivial"]


def test_oja_limit_is_a_trivial_critical_point():
    # Rows a e_k make every feature tanh(a) x_k, linear; the least-squares
    # residual is then orthogonal to the covered inputs, so dE/dW_i =
    # v_i (1 - tanh^2 a) sum_p r_p x~_p vanishes iff the target is
    # uncorrelated with the uncovered inputs (module Notes).
    a, n = _oja_axis_norm(), 3
    X = _inputs(n)
    cover_all = np.hstack([a * np.eye(n), np.zeros((n, 1))])
    miss_x2 = np.array([[a, 0, 0, 0], [0, a, 0, 0], [0, 0, 0, a]])
    for W, table, critical in [(cover_all, 0xE8, True), (cover_all, 0x96, True),
                               (miss_x2, 0x96, True), (miss_x2, 0xE8, False)]:
        T = _pm1(table, n)
        Phi = np.hstack([np.tanh(X @ W.T), np.ones((8, 1))])
        v = np.linalg.lstsq(Phi, T, rcond=None)[0]
        _, gW, gv = _error_and_grads(W, v, X, T)
        assert np.linalg.norm(gv) < 1e-10
        # majority has Chow parameter sum_p T_p x_2 = 4 on the missed input
        assert (np.linalg.norm(gW) < 1e-10) == critical


def test_top_descent_reaches_least_squares():
    rng = np.random.default_rng(3)
    Phi, T = rng.normal(size=(8, 4)), rng.choice([-1.0, 1.0], size=8)
    v, steps = _top_gradient(Phi, T, rng.normal(size=4), 1e-10, 100_000)
    assert steps < 100_000
    assert np.linalg.norm(v - np.linalg.lstsq(Phi, T, rcond=None)[0]) < 1e-6


def test_top_descent_keeps_null_space_component():
    # Gradient steps Phi^T r lie in row(Phi): from v0, GD ends at the
    # least-squares solution nearest v0, i.e. v_min_norm + P_null v0.
    rng = np.random.default_rng(4)
    Phi = rng.normal(size=(8, 3))
    Phi = np.hstack([Phi, Phi[:, :1]])  # a duplicated column: rank 3
    T, v0 = rng.choice([-1.0, 1.0], size=8), rng.normal(size=4)
    v, _ = _top_gradient(Phi, T, v0, 1e-11, 100_000)
    null = np.array([1.0, 0, 0, -1.0]) / np.sqrt(2)
    want = np.linalg.lstsq(Phi, T, rcond=None)[0] + null * (null @ v0)
    assert np.linalg.norm(v - want) < 1e-6


def _oja_drift(W, X):
    """Batch-averaged Oja update mean_p (H_i x~ - H_i^2 W_i), written out."""
    out = np.zeros_like(W)
    for x in X:
        H = np.tanh(W @ x)
        out += np.outer(H, x) - (H**2)[:, None] * W
    return out / len(X)


def test_oja_reaches_its_fixed_point():
    # Online cyclic Oja with constant eta ends on a limit cycle whose P
    # updates sum to zero; W moves O(eta P) inside it, so the batch drift at
    # the returned W is O(eta P). Observed constant 0.09-0.14 for n = 2..4;
    # 1/4 leaves a factor ~2. Halving eta must halve the drift (first-order
    # bias, not unconverged training), and rows approach a e_k.
    rng = np.random.default_rng(0)
    n, h, a = 3, 4, _oja_axis_norm()
    X, P = _inputs(n), 1 << n
    W0 = rng.normal(0, np.sqrt(1 / (n + 1)), (h, n + 1))
    start = np.linalg.norm(_oja_drift(W0, X), axis=1)
    drift = {}
    for eta in (0.02, 0.01):
        W = _oja(W0, X, eta, int(20 / eta))
        drift[eta] = np.linalg.norm(_oja_drift(W, X), axis=1)
        assert np.all(drift[eta] <= eta * P / 4)
        assert np.all(drift[eta] < start / 5)
        mag = np.sort(np.abs(W), axis=1)
        assert np.all(np.abs(mag[:, -1] - a) < eta * P / 4)
        assert np.all(mag[:, :-1] < eta * P / 2)
    ratio = drift[0.02] / drift[0.01]
    assert np.all((1.8 < ratio) & (ratio < 2.2))


def test_computes_thresholded_xor():
    X = _inputs(2)
    # hidden OR and NAND of x0, x1; output their AND: XOR
    W = np.array([[1.0, 1.0, 1.0], [-1.0, -1.0, 1.0]])
    assert _computes(W, np.array([1.0, 1.0, -1.0]), X, _pm1(0x6, 2))
    assert not _computes(W, np.array([1.0, 1.0, -1.0]), X, _pm1(0x9, 2))


def test_rows_and_table():
    targets = [("f1", 1, 0x2), ("nor3", 3, 0x01), ("x3bar", 4, 0x00FF), *DEEP_LOCAL_TARGETS]
    rows = deep_local_limit(targets, hidden_epochs=0, top_steps=0, backprop_steps=0)
    for (name, n, table), row in zip(targets, rows):
        assert row["name"] == name and row["n"] == n and row["h"] == n
        # kitty hex: 2^n / 4 digits (at least one), most significant first
        assert row["table"] == format(table, f"0{max(1, (1 << n) // 4)}x")
    assert [r["table"] for r in rows[:3]] == ["2", "01", "00ff"]
    header, table = deep_local_table(rows)
    assert len(table) == len(rows) and all(len(r) == len(header) for r in table)
    assert {"local_error", "backprop_grad_hidden", "trivial"} <= set(header)
    for key in header:
        if key.endswith(("error", "grad_hidden", "grad_top", "distance")):
            assert all(type(r[header.index(key)]) is float for r in table)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"targets": [("f", 0, 0)]}, "n=0"),
        ({"targets": [("f", 7, 0)]}, "n=7"),
        ({"targets": [("f", 2, 16)]}, "table=16"),
        ({"targets": [("f", 2, -1)]}, "table=-1"),
        ({"targets": [("f", 2, 6, 2, "hebb")]}, "hidden_rule='hebb'"),
        ({"hidden_rule": "hebb"}, "hidden_rule='hebb'"),
        ({"hidden": 0}, "hidden=0"),
        ({"targets": [("f", 2)]}, "target"),
        ({"eta_hidden": 0.0}, "eta_hidden=0.0"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        deep_local_limit(**kwargs)

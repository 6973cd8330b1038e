"""The recurrent net unfolded in time (gates.learning.nets.recurrent) against plain-loop references.

The forward pass and the error come from naive.recurrent_forward (a loop
over examples, steps and units on the flat weight list); the gradient from
naive.recurrent_fd_gradient (central differences of that error). The
one-step net is checked against the one-hidden-layer formula written out
here. The batched errors, the activity-perturbation deltas and the local
rule are checked against the single-vector methods they must agree with.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gates.learning.nets.recurrent as recurrent
from tests.strategies import examples
from gates.errors import InputError
from gates.learning.nets.recurrent import V_GAIN, Recurrent, recurrent_task

from . import naive

# (n_in, n_hidden, n_out, steps, activation): steps 1..5, both activations
SHAPES = [
    (1, 1, 1, 1, "tanh"),
    (2, 3, 1, 1, "logistic"),
    (2, 3, 1, 2, "logistic"),
    (3, 2, 2, 3, "tanh"),
    (1, 4, 2, 4, "logistic"),
    (2, 2, 1, 5, "tanh"),
    (2, 3, 2, 5, "logistic"),
]


def shape_id(s):
    return "-".join(map(str, s))


def naive_args(net):
    return net.n_in, net.n_hidden, net.n_out, net.steps, net.activation


def weights(net, seed, scale):
    """The net's init, or N(0, scale^2) weights that drive the units into saturation."""
    if scale is None:
        return net.init(seed)
    return np.random.default_rng(seed).normal(0.0, scale, net.n_weights)


# --------------------------------------------------------------------------
# sizes and layout
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_sizes(shape):
    net = Recurrent(*shape)
    a, h, o, s, _ = shape
    assert net.n_weights == h * (a + 1) + h * h + o * (h + 1) == net.init(0).size
    assert net.n_units == h * s + o
    U, V, C = net.unpack(np.arange(net.n_weights, dtype=float))
    assert (U.shape, V.shape, C.shape) == ((h, a + 1), (h, h), (o, h + 1))
    # C order: U row by row, then V, then C
    assert U[0, 0] == 0 and V[0, 0] == h * (a + 1) and C[-1, -1] == net.n_weights - 1


def test_unit_weight_span_by_hand():
    # n_in 2, n_hidden 3, n_out 2, 4 steps: a copy of U and V is 3*3 + 3*3 = 18 uses, C is 2*4 = 8
    net = Recurrent(2, 3, 2, steps=4)
    span = net.unit_weight_span()
    assert span.tolist() == [4 * 18 + 8] * 3 + [3 * 18 + 8] * 3 + [2 * 18 + 8] * 3 + [18 + 8] * 3 + [8] * 2
    assert net.n_weight_uses == span[0] == 80
    # one step: the unfolded net is a feed-forward net, every weight used once
    one = Recurrent(2, 3, 2, steps=1)
    assert one.n_weight_uses == one.n_weights == one.unit_weight_span()[0]


def test_init_scales_and_seeds():
    net = Recurrent(3, 64, 2, steps=2)
    w = net.init(0)
    U, V, C = net.unpack(w)
    assert math.isclose(U.std(), 1 / math.sqrt(4), rel_tol=0.1)
    assert math.isclose(V.std(), V_GAIN / math.sqrt(64), rel_tol=0.05)
    assert math.isclose(C.std(), 1 / math.sqrt(65), rel_tol=0.2)
    # V_GAIN < 1: the recurrent dynamics contract (circular law, radius ~ V_GAIN)
    assert np.max(np.abs(np.linalg.eigvals(V))) < 1.0
    assert np.array_equal(w, net.init(0)) and not np.array_equal(w, net.init(1))
    assert np.array_equal(net.init(np.random.default_rng(3)), net.init(3))


# --------------------------------------------------------------------------
# forward pass and error against the plain loop
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("scale", [None, 1.5])
def test_forward_matches_naive(shape, scale):
    net = Recurrent(*shape)
    X, T = recurrent_task(net, P=5, seed=2)
    w = weights(net, 3, scale)
    ref = naive.recurrent_forward(w.tolist(), X.tolist(), *naive_args(net))
    np.testing.assert_allclose(net.forward(w, X), ref, rtol=1e-12, atol=1e-12)
    E = naive.recurrent_error(w.tolist(), X.tolist(), T.tolist(), *naive_args(net))
    assert math.isclose(net.error(w, X, T), E, rel_tol=1e-12, abs_tol=1e-14)


@examples(40)
@given(
    n_in=st.integers(1, 3),
    n_hidden=st.integers(1, 4),
    n_out=st.integers(1, 3),
    steps=st.integers(1, 6),
    activation=st.sampled_from(["tanh", "logistic"]),
    P=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_forward_matches_naive_random(n_in, n_hidden, n_out, steps, activation, P, seed):
    net = Recurrent(n_in, n_hidden, n_out, steps, activation)
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, 1.0, (P, steps, n_in))
    w = rng.normal(0.0, 1.0, net.n_weights)
    ref = naive.recurrent_forward(w.tolist(), X.tolist(), *naive_args(net))
    np.testing.assert_allclose(net.forward(w, X), ref, rtol=1e-12, atol=1e-12)


def test_one_step_is_a_one_hidden_layer_net():
    # steps = 1: y = C [f(U [x; 1]); 1] whatever V is (h_0 = 0), the one-hidden-layer net
    for activation, f, fprime in [
        ("tanh", np.tanh, lambda a: 1 - np.tanh(a) ** 2),
        ("logistic", lambda a: 1 / (1 + np.exp(-a)), lambda a: np.exp(-a) / (1 + np.exp(-a)) ** 2),
    ]:
        net = Recurrent(3, 4, 2, steps=1, activation=activation)
        X, T = recurrent_task(net, P=7, seed=0)
        w = net.init(1)
        U, V, C = (m.copy() for m in net.unpack(w))
        x = X[:, 0]
        a = x @ U[:, :3].T + U[:, 3]
        y = f(a) @ C[:, :4].T + C[:, 4]
        np.testing.assert_allclose(net.forward(w, X), y, rtol=1e-13)
        # gradient of the two-layer net by hand: r = (y - T)/P, dC = r^T [h; 1], dU = (r C f'(a))^T [x; 1]
        r = (y - T) / 7
        gC = r.T @ np.hstack([f(a), np.ones((7, 1))])
        gU = ((r @ C[:, :4]) * fprime(a)).T @ np.hstack([x, np.ones((7, 1))])
        E, g = net.gradient(w, X, T)
        assert math.isclose(E, 0.5 * np.sum((y - T) ** 2) / 7, rel_tol=1e-13)
        np.testing.assert_allclose(g, np.concatenate([gU.ravel(), np.zeros(16), gC.ravel()]), rtol=1e-12, atol=1e-15)
        # V is irrelevant: other V, same outputs
        w2 = np.concatenate([U.ravel(), np.full(16, 5.0), C.ravel()])
        np.testing.assert_array_equal(net.forward(w2, X), net.forward(w, X))


# --------------------------------------------------------------------------
# BPTT against central differences of the plain-loop error
# --------------------------------------------------------------------------


def max_relative_difference(g, fd):
    """max_i |g_i - fd_i| / max(|fd_i|, 1e-3 max|fd|): relative, but not blown up by a zero entry."""
    fd = np.asarray(fd)
    floor = 1e-3 * np.max(np.abs(fd))
    return float(np.max(np.abs(g - fd) / np.maximum(np.abs(fd), floor)))


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("scale", [None, 1.5])
def test_bptt_matches_naive_finite_differences(shape, scale):
    net = Recurrent(*shape)
    X, T = recurrent_task(net, P=4, seed=5)
    w = weights(net, 6, scale)
    E, g = net.gradient(w, X, T)
    fd = naive.recurrent_fd_gradient(w.tolist(), X.tolist(), T.tolist(), *naive_args(net))
    assert max_relative_difference(g, fd) < 1e-6
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9 * np.max(np.abs(fd)))
    assert math.isclose(E, net.error(w, X, T), rel_tol=1e-14)


def test_bptt_uses_every_time_step():
    # the early inputs reach the output through V: with V = 0 only x_steps matters
    net = Recurrent(2, 3, 1, steps=4)
    X, T = recurrent_task(net, P=6, seed=0)
    w = net.init(1)
    U, V, C = (m.copy() for m in net.unpack(w))
    X2 = X.copy()
    X2[:, 0] += 1.0
    assert not np.allclose(net.forward(w, X), net.forward(w, X2))
    w0 = np.concatenate([U.ravel(), np.zeros(9), C.ravel()])
    np.testing.assert_array_equal(net.forward(w0, X), net.forward(w0, X2))
    # and the deltas of step 1 vanish with V = 0 (nothing above reads h_1)
    assert np.all(net.unit_deltas(w0, X, T)[:, :3] == 0.0)
    assert np.any(net.unit_deltas(w, X, T)[:, :3] != 0.0)


# --------------------------------------------------------------------------
# batched errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_errors_equals_error_per_vector(shape):
    net = Recurrent(*shape)
    X, T = recurrent_task(net, P=6, seed=1)
    rng = np.random.default_rng(2)
    Wmat = np.vstack([net.init(3) + rng.normal(0, 0.3, (9, net.n_weights)), rng.normal(0, 2, (3, net.n_weights))])
    got = net.errors(Wmat, X, T)
    assert got.shape == (12,)
    np.testing.assert_allclose(got, [net.error(w, X, T) for w in Wmat], rtol=1e-12, atol=0)


def test_errors_chunks_and_empty(monkeypatch):
    net = Recurrent(2, 3, 2, steps=3)
    X, T = recurrent_task(net, P=5, seed=1)
    Wmat = np.random.default_rng(0).normal(0, 1, (11, net.n_weights))
    whole = net.errors(Wmat, X, T)
    # room for 2 vectors per chunk (2 * 5 * 3 * 8 bytes): 6 chunks, the last one short
    monkeypatch.setattr(recurrent, "CHUNK_BYTES", 2 * 5 * 3 * 8)
    np.testing.assert_array_equal(net.errors(Wmat, X, T), whole)
    assert net.errors(np.empty((0, net.n_weights)), X, T).shape == (0,)


# --------------------------------------------------------------------------
# activity perturbation and the local rule
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_unit_deltas_fd_matches_bptt_deltas(shape):
    net = Recurrent(*shape)
    X, T = recurrent_task(net, P=5, seed=4)
    w = weights(net, 7, 1.0)
    exact = net.unit_deltas(w, X, T)
    assert exact.shape == (5, net.n_units)
    scale = np.max(np.abs(exact))
    # a forward difference: error O(eps)
    np.testing.assert_allclose(net.unit_deltas_fd(w, X, T, eps=1e-7), exact, rtol=0, atol=1e-6 * scale)
    coarse = net.unit_deltas_fd(w, X, T, eps=1e-3)
    err = np.max(np.abs(coarse - exact))
    assert 1e-9 * scale < err < 1e-2 * scale
    # output units: dE_p/dy_p = (y_p - T_p) / P, from the plain-loop forward pass
    Y = np.array(naive.recurrent_forward(w.tolist(), X.tolist(), *naive_args(net)))
    np.testing.assert_allclose(exact[:, -net.n_out :], (Y - T) / 5, rtol=1e-12, atol=1e-15)
    # summed over the examples and pushed through the local rule: the gradient
    g = net.gradient(w, X, T)[1]
    np.testing.assert_allclose(net.weight_gradient_from_deltas(w, X, exact), g, rtol=0, atol=1e-10)


def test_unit_deltas_fd_chunks_units(monkeypatch):
    net = Recurrent(2, 5, 1, steps=3)
    X, T = recurrent_task(net, P=4, seed=0)
    w = net.init(0)
    whole = net.unit_deltas_fd(w, X, T, eps=1e-6)
    monkeypatch.setattr(recurrent, "CHUNK_BYTES", 2 * 4 * 5 * 8)  # 2 units of a step at a time
    np.testing.assert_array_equal(net.unit_deltas_fd(w, X, T, eps=1e-6), whole)


def test_weight_gradient_from_deltas_by_hand():
    # one unit per layer, two steps: each weight gradient is a sum of delta * presynaptic activity
    net = Recurrent(1, 1, 1, steps=2)
    w = np.array([0.3, -0.2, 0.7, 1.1, 0.4])  # U = [0.3, -0.2], V = [0.7], C = [1.1, 0.4]
    X = np.array([[[1.0], [2.0]], [[-1.0], [0.5]]])
    D = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]])  # columns: step 1, step 2, output
    h1 = np.tanh(0.3 * X[:, 0, 0] - 0.2)
    h2 = np.tanh(0.3 * X[:, 1, 0] - 0.2 + 0.7 * h1)
    want = [
        np.sum(D[:, 0] * X[:, 0, 0] + D[:, 1] * X[:, 1, 0]),  # U weight: steps 1 and 2
        np.sum(D[:, 0] + D[:, 1]),  # U bias
        np.sum(D[:, 1] * h1),  # V: h_0 = 0 at step 1
        np.sum(D[:, 2] * h2),  # C weight
        np.sum(D[:, 2]),  # C bias
    ]
    np.testing.assert_allclose(net.weight_gradient_from_deltas(w, X, D), want, rtol=1e-14)


@pytest.mark.parametrize("shape", SHAPES[3:5], ids=shape_id)
def test_perturbed_deltas_give_the_gradient(shape):
    # PALR: finite-difference deltas through the local rule ~ the BPTT gradient
    net = Recurrent(*shape)
    X, T = recurrent_task(net, P=8, seed=9)
    w = net.init(10)
    g = net.gradient(w, X, T)[1]
    est = net.weight_gradient_from_deltas(w, X, net.unit_deltas_fd(w, X, T, eps=1e-6))
    np.testing.assert_allclose(est, g, rtol=0, atol=1e-5 * np.max(np.abs(g)))


# --------------------------------------------------------------------------
# the task
# --------------------------------------------------------------------------


def test_recurrent_task_is_a_teacher_and_reproducible():
    net = Recurrent(3, 4, 2, steps=5, activation="logistic")
    X, T = recurrent_task(net, P=20, seed=7)
    assert X.shape == (20, 5, 3) and T.shape == (20, 2)
    X2, T2 = recurrent_task(net, P=20, seed=7)
    assert np.array_equal(X, X2) and np.array_equal(T, T2)
    assert not np.array_equal(X, recurrent_task(net, P=20, seed=8)[0])
    Xg, Tg = recurrent_task(net, P=20, seed=np.random.default_rng(7))
    assert Xg.shape == X.shape and np.all(np.isfinite(Tg))
    # the documented streams: inputs, then the teacher's weights; the teacher fits with error 0
    data, teacher = (np.random.default_rng(s) for s in np.random.SeedSequence(7).spawn(2))
    np.testing.assert_array_equal(X, data.normal(0.0, 1.0, (20, 5, 3)))
    wt = net.init(teacher)
    assert net.error(wt, X, T) == 0.0
    assert abs(X.mean()) < 0.2 and 0.8 < X.std() < 1.2


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        (dict(n_in=0), "n_in"),
        (dict(n_hidden=-1), "n_hidden"),
        (dict(n_out=1.5), "n_out"),
        (dict(steps=True), "steps"),
        (dict(steps="3"), "steps"),
        (dict(activation="relu"), "relu"),
    ],
)
def test_bad_net(kwargs, needle):
    args = dict(n_in=2, n_hidden=3, n_out=1, steps=2)
    args.update(kwargs)
    with pytest.raises(InputError, match=needle) as info:
        Recurrent(**args)
    assert "\n" not in str(info.value)


def test_numpy_integer_sizes_accepted():
    net = Recurrent(np.int64(2), np.int32(3), 1, np.int64(2))
    assert type(net.steps) is int and net == Recurrent(2, 3, 1, 2)


def test_bad_arrays():
    net = Recurrent(2, 3, 1, steps=2)
    X, T = recurrent_task(net, P=4, seed=0)
    w = net.init(0)
    bad = [
        (lambda: net.forward(w[:-1], X), "w has shape \\(21,\\); expected \\(22,\\)"),
        (lambda: net.forward(w, X[:, :1]), "X has shape \\(4, 1, 2\\); expected \\(any, 2, 2\\)"),
        (lambda: net.forward(w, X[..., :1]), "X has shape"),
        (lambda: net.forward(w, X[:, 0]), "X has shape"),
        (lambda: net.forward(w, X[:0]), "P = 0"),
        (lambda: net.forward(w, np.where(X > 1, np.nan, X)), "X holds non-finite values"),
        (lambda: net.forward(np.full(22, np.inf), X), "w holds non-finite values"),
        (lambda: net.forward(w, "abc"), "X must be a numeric array \\(of float64 values\\)"),
        (lambda: net.error(w, X, T[:3]), "T has shape \\(3, 1\\); expected \\(4, 1\\)"),
        (lambda: net.gradient(w, X, T[:, 0]), "T has shape"),
        (lambda: net.errors(w, X, T), "Wmat has shape \\(22,\\); expected \\(any, 22\\)"),
        (lambda: net.errors(np.ones((2, 21)), X, T), "Wmat has shape"),
        (lambda: net.unit_deltas_fd(w, X, T, eps=0.0), "eps must be a finite number > 0"),
        (lambda: net.unit_deltas_fd(w, X, T, eps=-1e-4), "eps"),
        (lambda: net.unit_deltas_fd(w, X, T, eps=float("nan")), "eps"),
        (lambda: net.weight_gradient_from_deltas(w, X, np.ones((4, 6))),
         "deltas has shape \\(4, 6\\); expected \\(4, 7\\)"),
        (lambda: net.init(-1), "seed"),
        (lambda: net.init("a"), "seed"),
        (lambda: recurrent_task(net, P=0, seed=0), "P must be an integer >= 1"),
        (lambda: recurrent_task(net, P=3, seed=-2), "seed"),
        (lambda: recurrent_task("net", P=3, seed=0), "net must be a Recurrent"),
    ]
    for call, needle in bad:
        with pytest.raises(InputError, match=needle) as info:
            call()
        assert "\n" not in str(info.value)

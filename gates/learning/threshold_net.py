"""Layered networks of threshold gates and their 0/1 data (Baldi & Sadowski 2016: deep targets).

A network ``sizes = (n0, n1, ..., nL)`` is a list of weight matrices W_l of
shape (n_l, n_{l-1} + 1), the bias last; a gate is on (1) when its input
w . a + b is > 0, else ``off`` (-1 in the +-1 coding, 0 in the 0/1 one).
Here: the initial weights, the forward pass, the Hamming and
classification errors, the synthetic data of the deep-targets study, and
the reading and coding of 0/1 data. Shared by :mod:`gates.learning.deep_targets`
and :mod:`gates.learning.deep_baselines`.
"""

import numpy as np

from gates._validate import check_fraction, check_int, check_real
from gates.errors import InputError

__all__ = [
    "synthetic_data",
    "load_data",
    "check_data",
    "init_weights",
    "forward",
    "hamming_error",
    "train_test_errors",
    "class_error",
]


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------


def synthetic_data(n=32, code=6, hidden=16, examples=768, noise=0.05, seed=0, return_code=False):
    """Structured binary data: a random threshold-gate decoder of a small code, plus noise.

    Codes z are uniform in {-1, 1}^code; a decoder with `hidden` then `n`
    threshold gates (N(0, 1) weights and biases) maps each to a clean
    vector; each bit is flipped with probability `noise`. The decoder is a
    solution for the decoding half of an autoencoder n-...-code-...-n, and a
    perfect reconstruction of the clean vectors leaves an error of `noise`
    per component against the noisy data.

    Returns
    -------
    X : (examples, n) uint8 in {0, 1}
    info : dict
        The settings and ``clean_error``: the per-component Hamming error of
        the clean vectors against X (the noise actually drawn).
    Z : (examples, code) uint8 in {0, 1}
        Only with `return_code`: the code that generated each row.
    """
    for name, v, lo in (("n", n, 1), ("code", code, 1), ("hidden", hidden, 1), ("examples", examples, 2)):
        check_int(v, name, lo=lo)
    check_real(noise, "noise", lo=0, hi=0.5, hi_open=True)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 5]))
    z = rng.choice([-1.0, 1.0], size=(examples, code))
    w1, b1 = rng.normal(size=(hidden, code)), rng.normal(size=hidden)
    w2, b2 = rng.normal(size=(n, hidden)), rng.normal(size=n)
    h = np.where(z @ w1.T + b1 > 0, 1.0, -1.0)
    clean = (h @ w2.T + b2 > 0).astype(np.uint8)
    flips = (rng.random((examples, n)) < noise).astype(np.uint8)
    X = clean ^ flips
    info = {"generator": "random threshold decoder code -> hidden -> n, N(0, 1) weights, bit flips",
            "n": n, "code": code, "hidden": hidden, "examples": examples, "noise": noise, "seed": int(seed),
            "clean_error": float(flips.mean())}
    if return_code:
        return X, info, (z > 0).astype(np.uint8)
    return X, info


def _coded(X, off):
    """0/1 data as activities (1 / off), float64."""
    return np.where(np.asarray(X) > 0, 1.0, off)



def load_data(path, test_fraction=0.25, seed=0):
    """A 0/1 ``.npy`` array (no pickle), split into training and held-out rows by a seeded permutation."""
    try:
        X = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path!r} as a .npy array without pickle: {exc}") from None
    if X.ndim != 2 or X.dtype.kind not in "uib" or len(X) < 2 or not np.isin(X, (0, 1)).all():
        raise InputError(f"{path!r} must hold a 2-D array of 0/1 values with >= 2 rows, got shape {X.shape} "
                         f"dtype {X.dtype}")
    check_fraction(test_fraction, "test fraction")
    perm = np.random.default_rng(np.random.SeedSequence([int(seed), 7])).permutation(len(X))
    k = int(round(len(X) * test_fraction))
    X = X.astype(np.uint8)
    return X[perm[k:]], (X[perm[:k]] if k else None)


def check_data(train, test, cfg, targets=None, test_targets=None):
    """Coded inputs and targets (train, test); targets default to the inputs.

    Parameters
    ----------
    train, test : (m, n0) arrays of 0/1 values (test may be None)
    cfg : DeepTargetsConfig
        Its ``layers`` fix the widths, its ``off`` the coding.
    targets, test_targets : (m, nL) arrays of 0/1 values, optional

    Returns
    -------
    (A_train, A_test, Y_train, Y_test)
        float64 activities (1 / off); A_test and Y_test are None without `test`.

    Raises
    ------
    InputError
        On anything but non-empty 2-D 0/1 arrays of the layers' widths and matching rows.
    """
    def coded(name, X, width):
        X = np.asarray(X)
        if X.ndim != 2 or X.dtype.kind not in "uib" or X.size == 0 or not np.isin(X, (0, 1)).all():
            raise InputError(f"{name} must be a non-empty 2-D array of 0/1 values, got shape {X.shape} "
                             f"dtype {X.dtype}")
        if X.shape[1] != width:
            raise InputError(f"{name} has {X.shape[1]} columns but the layers {','.join(map(str, cfg.layers))} "
                             f"need {width}")
        return _coded(X, cfg.off)

    A_train = coded("the training data", train, cfg.layers[0])
    A_test = None if test is None else coded("the held-out data", test, cfg.layers[0])
    Y_train = A_train if targets is None else coded("the training targets", targets, cfg.layers[-1])
    if targets is not None and A_test is not None and test_targets is None:
        raise InputError("held-out data with training targets needs its own held-out targets (test_targets)")
    Y_test = A_test if test_targets is None else coded("the held-out targets", test_targets, cfg.layers[-1])
    if targets is None and cfg.layers[-1] != cfg.layers[0]:
        raise InputError(f"an autoencoder's first and last layers must both equal the data width, got "
                         f"{','.join(map(str, cfg.layers))}")
    if len(Y_train) != len(A_train) or (A_test is not None and len(Y_test) != len(A_test)):
        raise InputError("inputs and targets must have the same number of rows")
    return A_train, A_test, Y_train, Y_test



# --------------------------------------------------------------------------
# network
# --------------------------------------------------------------------------


def init_weights(sizes, rng):
    """W_l of shape (n_l, n_{l-1} + 1), bias last, N(0, 1 / (n_{l-1} + 1))."""
    return [rng.normal(0.0, 1.0 / np.sqrt(a + 1), (b, a + 1)) for a, b in zip(sizes[:-1], sizes[1:])]


def forward(weights, A0, off):
    """Activities of every layer: [A0, A1, ..., AL], A_l = gate(W_l [A_{l-1}, 1])."""
    acts = [np.asarray(A0, dtype=np.float64)]
    for W in weights:
        a = acts[-1] @ W[:, :-1].T + W[:, -1]
        acts.append(np.where(a > 0, 1.0, off))
    return acts


def hamming_error(out, target):
    """Average Hamming error per component."""
    return float(np.mean(out != target))


def train_test_errors(weights, A_train, A_test, off, Y_train, Y_test):
    """(training, held-out) :func:`hamming_error` of the network's outputs; NaN held-out without A_test."""
    tr = forward(weights, A_train, off)[-1]
    te = forward(weights, A_test, off)[-1] if A_test is not None else None
    return hamming_error(tr, Y_train), (hamming_error(te, Y_test) if te is not None else float("nan"))


def class_error(weights, A0, labels, off):
    """Classification error of a network whose last layer has one unit per class.

    The predicted class is the unit with the largest input (w . a + b) in
    the last layer (the first on ties), so a network that turns on no or
    several class units still names one class.
    """
    acts = forward(weights[:-1], A0, off)
    W = weights[-1]
    scores = acts[-1] @ W[:, :-1].T + W[:, -1]
    labels = np.asarray(labels)
    if labels.shape != (len(scores),) or labels.min() < 0 or labels.max() >= W.shape[0]:
        raise InputError(f"labels must be {len(scores)} integers in 0..{W.shape[0] - 1}")
    return float(np.mean(np.argmax(scores, axis=1) != labels))


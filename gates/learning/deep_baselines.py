"""Baselines for sampling deep targets, matched by compute and tuned on a validation split (issue 16).

Every method trains the same architecture (:class:`~gates.learning.deep_targets.DeepTargetsConfig`
``layers``, coding, initial weights of the config's seed) and reports, beside
its ``curve`` of (epoch, train error, held-out error) rows, ``evals``: the
cumulative compute at each row, in **gate evaluations** (one input vector
through one gate, i.e. one fan-in-length dot product). The conventions:

* a forward pass of one example costs 1 per gate;
* a training pass of one example at a gate costs 2 (perceptron, Hebb, Oja:
  evaluate the gate, then update its weights);
* backprop on the tanh relaxation and the straight-through estimator (STE)
  cost 3 per gate per example per epoch, forward included: 1 forward, 2
  backward (the gradient outer product and the delta propagation);
* the train and held-out errors of the curves are bookkeeping: not counted;
* the tuning runs of :func:`tune_baseline` are not charged to the budget.

Per method, with m examples, hidden layers of H units in all, an output
layer of n_L units and G = H + n_L gates:

* ``backprop``, ``ste``: 3 G m per epoch; a step is one minibatch of b
  examples, costing 3 G b;
* ``deep-local-hebb``, ``deep-local-oja``: per epoch, each hidden layer l
  (bottom-up) makes one unsupervised pass (2 n_l per example), then its
  activities are recomputed for the layer above (n_l per example); then the
  output layer makes ``inner_epochs`` perceptron passes toward the targets
  (2 n_L per example each): m (3 H + 2 inner_epochs n_L) per epoch;
* ``random-features``: the fixed hidden activities are computed once (H per
  example, charged to epoch 1), then 2 inner_epochs n_L per example per epoch.

A step of the deep-local and random-features methods is one example through
one layer (a training presentation or a recomputation). With a budget B the
run stops before the first step it cannot pay, so the final count E obeys
E <= B < E + (cost of the next step); the last curve row is that point (its
epoch number is that of the epoch it stopped in).
"""

import time

import numpy as np

from gates._validate import check_choice, check_count, check_int, check_positive, check_real
from gates.errors import InputError
from gates.learning.deep_targets import DeepTargetsConfig
from gates.learning.layer_fit import perceptron_table, train_layer
from gates.learning.rules import get_rule
from gates.learning.threshold_net import check_data, forward, hamming_error, init_weights, train_test_errors

__all__ = ["BASELINES", "RELAXED", "OPTIMIZERS", "DEFAULT_GRID", "baseline", "tune_baseline", "tuned_baseline",
           "epoch_evals", "validation_split", "relaxed_step", "adam_state", "to01"]

BASELINES = ("deep-local-hebb", "deep-local-oja", "random-features", "backprop", "ste")
RELAXED = ("backprop", "ste")
OPTIMIZERS = ("sgd", "adam")
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
# log grids: SGD by factors of 2 (a factor-3 grid 0.03..1 missed 0.5, best on seed 1 by 0.03 held-out error);
# Adam by factors of ~3 up to 0.1 (0.03 was the best Adam rate and still improving at the end)
DEFAULT_GRID = tuple([{"optimizer": "sgd", "lr": lr, "batch": 32} for lr in (0.0625, 0.125, 0.25, 0.5, 1.0)]
                     + [{"optimizer": "adam", "lr": lr, "batch": 32} for lr in (0.001, 0.003, 0.01, 0.03, 0.1)])


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------


def _check_budget(budget):
    """None, or a positive integer count of gate evaluations (an integral float like 5e8 is accepted)."""
    return None if budget is None else check_count(budget, "budget (gate evaluations)", lo=1)


def _check_settings(lr, batch, optimizer, betas):
    lr = check_positive(lr, "learning rate")
    batch = check_int(batch, "batch", lo=1)
    check_choice(optimizer, "optimizer", OPTIMIZERS)
    try:
        b1, b2 = (float(b) for b in betas)
    except (TypeError, ValueError):
        raise InputError(f"betas must be two numbers in [0, 1), got {betas!r}") from None
    if not (0 <= b1 < 1 and 0 <= b2 < 1):
        raise InputError(f"betas must be two numbers in [0, 1), got {betas!r}")
    return lr, batch, optimizer, (b1, b2)


def _check_grid(grid):
    """A list of grid points {optimizer, lr, batch (default 32), betas (adam, default 0.9/0.999)}."""
    if grid is None:
        grid = DEFAULT_GRID
    if not isinstance(grid, (dict, str)) and hasattr(grid, "__iter__"):
        grid = list(grid)
    if not isinstance(grid, list) or len(grid) == 0:
        raise InputError("grid must be a non-empty list of {'optimizer': 'sgd'|'adam', 'lr': x, 'batch': b} points")
    out = []
    for p in grid:
        if not isinstance(p, dict) or not {"optimizer", "lr"} <= set(p) or \
                not set(p) <= {"optimizer", "lr", "batch", "betas"}:
            raise InputError(f"grid point {p!r} must have keys optimizer and lr, and optionally batch and betas")
        lr, batch, opt, betas = _check_settings(p["lr"], p.get("batch", 32), p["optimizer"],
                                                p.get("betas", ADAM_BETAS))
        point = {"optimizer": opt, "lr": lr, "batch": batch}
        if opt == "adam":
            point["betas"] = list(betas)
        out.append(point)
    return out


# --------------------------------------------------------------------------
# compute accounting
# --------------------------------------------------------------------------


class _Meter:
    """Cumulative gate evaluations against an optional budget."""

    def __init__(self, budget):
        self.budget = budget
        self.used = 0
        self.out = False  # a step could not be paid: the run stops

    def take(self, cost, count):
        """Charge and return how many of `count` steps of `cost` each can be paid (all, without a budget)."""
        if self.budget is not None:
            fit = (self.budget - self.used) // cost
            if fit < count:
                count = max(int(fit), 0)
                self.out = True
        self.used += cost * count
        return count


def epoch_evals(kind, layers, m, inner_epochs=2, first=False):
    """Gate evaluations of one full epoch of `kind` on m examples (closed form of the module conventions).

    ``first`` gives epoch 1 of ``random-features`` (which also computes the fixed hidden activities).
    """
    if kind not in BASELINES:
        raise InputError(f"baseline {kind!r} is unknown: allowed {', '.join(BASELINES)}")
    H, nL = sum(layers[1:-1]), layers[-1]
    if kind in RELAXED:
        return 3 * (H + nL) * m
    if kind == "random-features":
        return (H * m if first else 0) + 2 * inner_epochs * nL * m
    return 3 * H * m + 2 * inner_epochs * nL * m


# --------------------------------------------------------------------------
# the relaxed network (backprop on tanh, straight-through estimator)
# --------------------------------------------------------------------------


def adam_state(weights, betas=ADAM_BETAS, eps=ADAM_EPS):
    """Adam's moments (zero), step count and settings for these weight matrices (see :func:`relaxed_step`)."""
    return {"b1": float(betas[0]), "b2": float(betas[1]), "eps": float(eps), "t": 0,
            "m": [np.zeros_like(W) for W in weights], "v": [np.zeros_like(W) for W in weights]}


def relaxed_step(weights, X, Y, lr, ste, adam=None):
    """One minibatch step on E = 1/2 sum (y - Y)^2 through tanh (or sign with the straight-through
    gradient 1{|a| <= 1} of hard tanh), averaged over the batch; plain gradient descent, or Adam
    (Kingma & Ba 2015, bias-corrected moments) when `adam` holds its state (updated in place).

    Unlike a plain dense-layer backward pass, the units are sign gates relaxed to tanh or passed
    straight through (STE), the +-1 targets are those of threshold gates, and the step is a
    minibatch mean with optional Adam; the chain rule itself is the ordinary one.

    Parameters
    ----------
    weights : list of (n_k, n_{k-1} + 1) float64 arrays
        Bias last; updated in place.
    X, Y : (b, n_0), (b, n_L) arrays of +-1
        The minibatch.
    lr : float
    ste : bool
        Sign gates forward with the straight-through gradient, else tanh.
    adam : dict, optional
        The state of :func:`adam_state`; None for plain gradient descent.
    """
    acts, pres = [X], []
    for W in weights:
        a = acts[-1] @ W[:, :-1].T + W[:, -1]
        pres.append(a)
        acts.append(np.where(a > 0, 1.0, -1.0) if ste else np.tanh(a))
    delta = acts[-1] - Y
    if adam is not None:
        adam["t"] += 1
        t = adam["t"]
        b1, b2 = adam["b1"], adam["b2"]
    for k in range(len(weights) - 1, -1, -1):
        a = pres[k]
        d = delta * ((np.abs(a) <= 1.0) if ste else (1.0 - acts[k + 1] ** 2))
        gW = d.T @ acts[k]
        gb = d.sum(axis=0)
        delta = d @ weights[k][:, :-1]  # before this layer's update
        if adam is None:
            weights[k][:, :-1] -= lr * gW / len(X)
            weights[k][:, -1] -= lr * gb / len(X)
            continue
        g = np.empty_like(weights[k])
        g[:, :-1] = gW / len(X)
        g[:, -1] = gb / len(X)
        m, v = adam["m"][k], adam["v"][k]
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * g * g
        weights[k] -= lr * (m / (1.0 - b1 ** t)) / (np.sqrt(v / (1.0 - b2 ** t)) + adam["eps"])


def _from01(W):
    """Inverse of :func:`to01`: w = w01 / 2, b = b01 + sum(w01) / 2."""
    out = W.copy()
    out[:, :-1] = W[:, :-1] / 2.0
    out[:, -1] = W[:, -1] + W[:, :-1].sum(axis=1) / 2.0
    return out


def to01(W):
    """The +-1 gate sign(w . s + b) as a gate on 0/1 activities x = (1 + s) / 2:
    w . (2x - 1) + b = 2 w . x + (b - sum w)."""
    out = W.copy()
    out[:, :-1] = 2.0 * W[:, :-1]
    out[:, -1] = W[:, -1] - W[:, :-1].sum(axis=1)
    return out


# --------------------------------------------------------------------------
# training loops; `row(epoch, weights)` is called after every epoch and at a budget stop
# --------------------------------------------------------------------------


def _fit_relaxed(kind, weights, A, Y, off, rng, epochs, meter, row, lr, batch, optimizer, betas):
    # the relaxation works in +-1 whatever the coding: a gate's 0/1 output is
    # (1 + sign) / 2, and the 0/1 network's weights map back by the inverse of to01
    scale = [W.copy() if off < 0 else _from01(W) for W in weights]
    Ypm = np.where(Y > 0, 1.0, -1.0)
    X0 = np.where(A > 0, 1.0, -1.0) if off == 0.0 else A
    adam = adam_state(scale, betas) if optimizer == "adam" else None
    cost = 3 * sum(W.shape[0] for W in scale)  # per example, see the module docstring
    ste = kind == "ste"

    def coded():
        return [W.copy() for W in scale] if off < 0 else [to01(W) for W in scale]

    epoch = 0
    while epochs is None or epoch < epochs:
        epoch += 1
        perm = rng.permutation(len(X0))
        steps = 0
        for s in range(0, len(perm), batch):
            idx = perm[s:s + batch]
            if meter.take(cost * len(idx), 1) == 0:
                break
            relaxed_step(scale, X0[idx], Ypm[idx], lr, ste, adam)
            steps += 1
        if steps:
            row(epoch, coded())
        if meter.out:
            break
    return coded()


def _fit_local(kind, weights, A, Y, cfg, rng, epochs, meter, row):
    off = cfg.off
    m = len(A)
    L = len(weights)
    ones = np.ones((m, 1))
    table_k = perceptron_table(off)
    hid_k = None
    if kind != "random-features":
        from gates.learning.protocol import Protocol

        r = get_rule({"deep-local-hebb": "hebb", "deep-local-oja": "oja"}[kind], "unsupervised")
        hid_k = Protocol(encoding="pm1" if off < 0 else "01").rule_table(r)
    acts = [A] + [None] * (L - 1)  # acts[l]: current activities of layer l < L

    def recompute(l):
        """Layer l's activities from layer l - 1 (n_l per example); False when the budget stops it."""
        k = meter.take(weights[l - 1].shape[0], m)
        W = weights[l - 1]
        acts[l] = np.where(acts[l - 1][:k] @ W[:, :-1].T + W[:, -1] > 0, 1.0, off)
        return k == m

    def present(W, X, T, orders, table, unsup):
        """Presentations of `orders` (flattened, in order) at the layer W; truncated by the budget."""
        flat = orders.reshape(1, -1)
        k = meter.take(2 * W.shape[0], flat.shape[1])
        X1 = np.ascontiguousarray(np.concatenate([X, ones], axis=1))
        train_layer(W, X1, np.ascontiguousarray(T), np.ascontiguousarray(flat[:, :k]), cfg.eta, table, off,
                     unsup)
        return not meter.out

    epoch = 0
    while epochs is None or epoch < epochs:
        epoch += 1
        start = meter.used
        ok = True
        if hid_k is not None:
            # one Hebb / Oja pass per hidden layer, bottom-up, on the current activities below
            for l in range(1, L):
                order = rng.permutation(m).astype(np.int64)[None, :]
                ok = present(weights[l - 1], acts[l - 1], np.zeros((m, weights[l - 1].shape[0])), order, hid_k,
                             True) and recompute(l)
                if not ok:
                    break
        elif epoch == 1:
            # random features: the hidden layers are fixed, their activities computed once
            for l in range(1, L):
                ok = recompute(l)
                if not ok:
                    break
        if ok:
            orders = np.stack([rng.permutation(m) for _ in range(cfg.inner_epochs)]).astype(np.int64)
            present(weights[L - 1], acts[L - 1], Y, orders, table_k, False)
        if meter.used > start:
            row(epoch, weights)
        if meter.out:
            break
    return weights


# --------------------------------------------------------------------------
# public
# --------------------------------------------------------------------------


def baseline(kind, train, test=None, config=None, lr=0.5, batch=32, targets=None, test_targets=None, budget=None,
             epochs=None, optimizer="sgd", betas=ADAM_BETAS, progress=None):
    """Train the same architecture another way; returns the same curve as :func:`gates.learning.deep_targets.deep_targets`.

    ``deep-local-hebb`` / ``deep-local-oja``: each epoch, every hidden layer
    (bottom-up, on the current activities below) makes one unsupervised
    pass of Hebb (O x) or Oja (O x - O^2 w), then the output layer makes
    ``inner_epochs`` perceptron passes toward the targets (the paper on deep local learning, deep
    local learning). ``random-features``: the hidden layers keep their
    initial weights; only the output layer learns. ``backprop``: minibatch
    gradient descent (or Adam) on the squared error of a tanh relaxation
    (tanh for every gate, targets +-1), evaluated by thresholding. ``ste``:
    the same with the gates themselves in the forward pass and the
    straight-through gradient 1{|a| <= 1} of sign (hard tanh). All start
    from the initial weights of ``deep_targets`` for the same seed.

    Parameters
    ----------
    kind : str
        One of :data:`BASELINES`.
    train, test, targets, test_targets, config
        As for ``deep_targets``.
    lr, batch, optimizer, betas
        ``backprop`` / ``ste`` only: learning rate, minibatch size,
        ``"sgd"`` or ``"adam"`` and Adam's (beta1, beta2).
    budget : int, optional
        Gate evaluations (module docstring); training stops before the first
        step it cannot pay. Without it the run lasts ``epochs`` (default
        ``config.epochs``); with it, ``epochs`` caps the run only when given.
    epochs : int, optional
        Number of epochs (see `budget`).
    progress : callable, optional
        Called after every epoch with the gate evaluations it spent.

    Returns
    -------
    dict
        ``curve`` (epoch, train error, held-out error) rows from epoch 0;
        ``evals``: cumulative gate evaluations at each row (0 at epoch 0);
        ``weights``; ``seconds``; ``stopped``: ``"budget"`` or ``"epochs"``;
        ``settings``: the training settings used.
    """
    if kind not in BASELINES:
        raise InputError(f"baseline {kind!r} is unknown: allowed {', '.join(BASELINES)}")
    cfg = DeepTargetsConfig() if config is None else config
    budget = _check_budget(budget)
    if epochs is not None:
        epochs = check_int(epochs, "epochs", lo=0)
    elif budget is None:
        epochs = cfg.epochs
    lr, batch, optimizer, betas = _check_settings(lr, batch, optimizer, betas)
    A_train, A_test, Y_train, Y_test = check_data(train, test, cfg, targets, test_targets)
    off = cfg.off
    init_seq, run_seq = np.random.SeedSequence(cfg.seed).spawn(2)
    weights = init_weights(cfg.layers, np.random.default_rng(init_seq))
    rng = np.random.default_rng(run_seq)
    meter = _Meter(budget)

    def errors(ws):
        return train_test_errors(ws, A_train, A_test, off, Y_train, Y_test)

    curve, evals = [(0, *errors(weights))], [0]

    def row(epoch, ws):
        curve.append((epoch, *errors(ws)))
        evals.append(meter.used)
        if progress is not None:
            progress(evals[-1] - evals[-2])

    t0 = time.perf_counter()
    if kind in RELAXED:
        weights = _fit_relaxed(kind, weights, A_train, Y_train, off, rng, epochs, meter, row, lr, batch, optimizer,
                               betas)
        settings = {"optimizer": optimizer, "lr": lr, "batch": batch}
        if optimizer == "adam":
            settings["betas"] = list(betas)
    else:
        weights = _fit_local(kind, weights, A_train, Y_train, cfg, rng, epochs, meter, row)
        settings = {"eta": cfg.eta, "inner_epochs": cfg.inner_epochs}
    settings.update(budget=budget, epochs=epochs)
    return {"curve": curve, "evals": evals, "weights": weights, "seconds": time.perf_counter() - t0,
            "stopped": "budget" if meter.out else "epochs", "settings": settings}


def validation_split(m, val_fraction, seed):
    """Seeded (fit rows, validation rows) of range(m), each sorted.

    Parameters
    ----------
    m : int
        Number of training rows.
    val_fraction : float in (0, 1)
        Share held back for validation (rounded; each part keeps >= 1 row).
    seed : int >= 0

    Returns
    -------
    fit, val : int arrays
    """
    check_real(val_fraction, "val_fraction", lo=0, hi=1, lo_open=True, hi_open=True)
    k = int(round(m * val_fraction))
    if not 1 <= k <= m - 1:
        raise InputError(f"a validation fraction of {val_fraction} of {m} training rows leaves an empty part: "
                         f"need at least 1 row in each")
    perm = np.random.default_rng(np.random.SeedSequence([check_int(seed, "seed", lo=0), 16])).permutation(m)
    return np.sort(perm[k:]), np.sort(perm[:k])


def tune_baseline(kind, train, config=None, budget=None, targets=None, grid=None, val_fraction=0.2, seed=0,
                  progress=None):
    """Choose the optimiser, learning rate and epochs of ``backprop`` or ``ste`` on a validation split.

    A seeded fraction `val_fraction` of the TRAINING rows (nothing else is
    seen) is held back; for each grid point the network (initial weights of
    ``config.seed``) is trained on the other rows, and its thresholded
    validation error is recorded after every epoch (checkpoints). The
    choice is the (grid point, epoch count) of least validation error; ties
    go to fewer gate evaluations on the full training set, then to the
    earlier grid point. Epoch counts are capped so that the chosen run on the
    full training set fits the budget: cap = budget // (3 G m) with G gates
    and m training rows (``config.epochs`` without a budget). The tuning
    runs themselves are NOT charged to the budget.

    Parameters
    ----------
    kind : {"backprop", "ste"}
    train, targets, config
        As for :func:`baseline` (no held-out data: it is never used here).
    budget : int, optional
        Gate evaluations allowed for the final run.
    grid : list of dict, optional
        Points ``{"optimizer": "sgd" | "adam", "lr": x, "batch": b,
        "betas": [b1, b2]}`` (batch default 32, betas default 0.9, 0.999);
        default :data:`DEFAULT_GRID`.
    val_fraction : float in (0, 1)
    seed : int
        Seed of the split.
    progress : callable, optional
        Called after every epoch of every grid point with the gate evaluations it spent.

    Returns
    -------
    dict
        ``grid``: per point its settings, ``val_curve`` (epoch, validation
        error) rows from epoch 0, ``best_epoch``, ``best_val_error``;
        ``choice``: the chosen settings with ``epochs``, ``val_error`` and
        ``evals`` (of the final run on the full training set); ``split``;
        ``epochs_cap``; ``seconds``.
    """
    if kind not in RELAXED:
        raise InputError(f"only {', '.join(RELAXED)} are tuned, got {kind!r}")
    cfg = DeepTargetsConfig() if config is None else config
    budget = _check_budget(budget)
    points = _check_grid(grid)
    A, _, Y, _ = check_data(train, None, cfg, targets, None)
    m = len(A)
    fit, val = validation_split(m, val_fraction, seed)
    per_epoch = epoch_evals(kind, cfg.layers, m)
    if budget is None:
        cap = cfg.epochs
    else:
        cap = budget // per_epoch
        if cap < 1:
            raise InputError(f"a budget of {budget} gate evaluations is less than one epoch of {kind} on {m} rows "
                             f"({per_epoch})")
    off = cfg.off
    init_seq, run_seq = np.random.SeedSequence(cfg.seed).spawn(2)
    t0 = time.perf_counter()
    results = []
    for p in points:
        weights = init_weights(cfg.layers, np.random.default_rng(init_seq))
        rng = np.random.default_rng(run_seq)
        A_val, Y_val = A[val], Y[val]
        val_curve = [(0, hamming_error(forward(weights, A_val, off)[-1], Y_val))]

        meter = _Meter(None)
        spent = [0]

        def row(epoch, ws):
            val_curve.append((epoch, hamming_error(forward(ws, A_val, off)[-1], Y_val)))
            if progress is not None:
                progress(meter.used - spent[0])
                spent[0] = meter.used

        _fit_relaxed(kind, weights, A[fit], Y[fit], off, rng, cap, meter, row, p["lr"], p["batch"],
                     p["optimizer"], p.get("betas", ADAM_BETAS))
        best = min(val_curve, key=lambda r: (r[1], r[0]))  # least error, then fewest epochs
        results.append({**p, "val_curve": val_curve, "best_epoch": best[0], "best_val_error": best[1]})
    i = min(range(len(results)), key=lambda i: (results[i]["best_val_error"], results[i]["best_epoch"], i))
    r = results[i]
    choice = {k: r[k] for k in ("optimizer", "lr", "batch", "betas") if k in r}
    choice.update(epochs=r["best_epoch"], val_error=r["best_val_error"], evals=r["best_epoch"] * per_epoch,
                  grid_index=i)
    return {"kind": kind, "grid": results, "choice": choice, "epochs_cap": cap, "budget": budget,
            "split": {"seed": int(seed), "val_fraction": float(val_fraction), "fit_rows": len(fit),
                      "val_rows": len(val), "val_index": val.tolist()},
            "seconds": time.perf_counter() - t0}


def tuned_baseline(kind, train, test=None, config=None, budget=None, targets=None, test_targets=None, grid=None,
                   val_fraction=0.2, seed=0, progress=None):
    """:func:`tune_baseline`, then :func:`baseline` on the full training set with the choice.

    Returns the :func:`baseline` result with the tuning record under ``tuning``;
    `progress` receives the gate evaluations of both (tuning runs included).
    """
    tuning = tune_baseline(kind, train, config, budget, targets, grid, val_fraction, seed, progress)
    c = tuning["choice"]
    res = baseline(kind, train, test, config, lr=c["lr"], batch=c["batch"], targets=targets,
                   test_targets=test_targets, budget=budget, epochs=c["epochs"], optimizer=c["optimizer"],
                   betas=c.get("betas", ADAM_BETAS), progress=progress)
    res["tuning"] = tuning
    return res

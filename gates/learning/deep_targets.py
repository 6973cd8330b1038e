"""Sampling deep targets: training a network of threshold gates without gradients (Baldi & Sadowski 2016: deep targets).

A layered network of threshold gates (``sizes = (n0, n1, ..., nL)``, a bias
on every gate, +-1 or 0/1 coding) cannot be trained by backprop: its
error is piecewise constant. The sampling deep-targets algorithm sends
every deep layer a *target* instead:

* **outer loop**: visit the layers in the order of the schedule
  (``bottom-up``, ``top-down``, ``up-down`` alternating, ``random``);
* **inner loop, hidden layer l**: group the training examples by their
  current activity at layer l (several examples may share one: the
  non-injective case); for each group sample candidate activities, push
  each through the fixed layers above, and keep the candidate with the
  least output error summed over the group's examples, ties broken by the
  least Hamming distance to the current activity, then at random. The
  current activity is always a candidate and wins its ties (distance 0),
  so a target is never worse than the current activity;
* the layer then learns its targets with the perceptron (``gradient``)
  rule for a few passes, each gate by the update kernel of
  :mod:`gates.learning.gate`; the output layer learns the data.

With ``accept="non-increasing"`` (the default) a layer update that raises
the training error is undone, so the training error never increases (the
paper's convergence property); ``always`` keeps every update (the paper
notes that uphill moves may help escape poor minima; here they cost about
0.1 in final error).

Here: the settings (:class:`DeepTargetsConfig`) and the training loop with
its unit search. The joint search (candidates, groups, their compiled
evaluation) is :mod:`gates.learning.target_search`; the compiled fits of a
layer (perceptron passes, the pocket) are :mod:`gates.learning.layer_fit`;
the network, its errors and data are :mod:`gates.learning.threshold_net`.

Errors are Hamming distances; curves report the average per component.
"""

import time
from dataclasses import asdict, dataclass

import numpy as np

from gates._validate import check_choice, check_int, check_positive, check_real, is_int
from gates.boolean.truth import ENCODINGS
from gates.errors import InputError
from gates.io.results import Result
from gates.learning.layer_fit import perceptron_table, pocket, train_layer
from gates.learning.target_search import SAMPLERS, activity_groups, choose_targets, input_groups, sample_candidates
from gates.learning.threshold_net import check_data, forward, init_weights, train_test_errors

__all__ = [
    "DeepTargetsConfig",
    "paper_config",
    "PAPER_SETTINGS",
    "gate_evaluations",
    "SAMPLERS",
    "SEARCHES",
    "FITS",
    "LAYER_SCHEDULES",
    "deep_targets",
    "flip_gains",
]

LAYER_SCHEDULES = ("bottom-up", "top-down", "up-down", "random")
SEARCHES = ("unit", "joint")
GROUPS = ("activity", "input")
FITS = ("pocket", "perceptron")
ACCEPT = ("always", "non-increasing", "anneal")
EXHAUSTIVE_MAX = 12  # 2^12 candidates per group; 2^16 took ~35 s per epoch on the default data


@dataclass(frozen=True)
class DeepTargetsConfig:
    """Every setting of a deep-targets run (Baldi & Sadowski 2016, section 4); frozen, checked on creation.

    The ingredients (each switchable, each recorded in manifests by :meth:`to_dict`):

    * ``search``: ``unit`` (default) takes, for one hidden unit at a time,
      the single flip of its activity on every example as the candidate
      and keeps it as that example's target when it lowers the output
      error (the weight of the example is the error it gains or loses);
      ``joint`` samples whole activity vectors per group of examples with
      ``sampler`` (the paper's loop as first built here);
    * ``sampler``: for ``joint``, one name for every hidden layer or one
      per hidden layer (e.g. ``("flip", "exhaustive", "flip")``); with the
      ``unit`` search, a layer given ``exhaustive`` is searched jointly
      (all its activities per group), the others unit by unit;
    * ``group``: the examples that share one target in the joint search:
      those with the same current activity at the layer (``activity``, the
      paper's non-injective case) or with the same input to the layer
      (``input``: the layer cannot tell them apart, so they need one
      target; examples that share an activity but not an input may then
      move apart);
    * ``fit``: ``pocket`` (default) is a perceptron with margin ``margin``
      (times the fan-in + 1) that keeps the best weights seen on its
      (weighted) targets, starting from the current ones, so a gate never
      gets worse on its targets; ``perceptron`` keeps the last iterate;
    * ``denoise``: each epoch the network sees its inputs with this
      fraction of bits flipped afresh (targets stay clean);
    * ``accept``: ``non-increasing`` undoes a layer update that raises the
      training error, ``always`` keeps it, ``anneal`` keeps an uphill one
      with probability exp(-rise / T), T falling linearly from
      ``temperature`` (in errors) to 0 over the epochs;
    * ``restarts``: independent initialisations, the one with the least
      final training error is kept (all of them are charged to the budget);
    * ``budget``: stop once this many gate evaluations are spent.

    Parameters
    ----------
    layers : tuple of int, default (32, 16, 6, 16, 32)
        Sizes n0 (inputs), n1, ..., nL (outputs); at least two.
    encoding : {"pm1", "01"}, default "pm1"
        Activity coding of the gates.
    search : {"unit", "joint"}, default "unit"
        The target search (above).
    sampler : str or tuple of str, default "flip"
        One of :data:`SAMPLERS` (``flip``, ``flip-k``, ``uniform``,
        ``exhaustive``, ``seen``), or one per hidden layer; ``exhaustive``
        only on layers of at most 12 units.
    flip_p : float in (0, 1], default 0.15
        Probability that the ``flip`` sampler flips each unit.
    flip_k : int >= 1, default 1
        Units flipped by ``flip-k``.
    samples : int >= 1, default 64
        Candidates per example group in the joint search.
    group : {"activity", "input"}, default "activity"
        The examples that share one target in the joint search.
    schedule : {"bottom-up", "top-down", "up-down", "random"}, default "up-down"
        Order of the layers in each epoch (up-down alternates).
    epochs : int >= 0, default 40
        Epoch cap.
    inner_epochs : int >= 1, default 10
        Perceptron passes per unit or layer visit.
    eta : float > 0, default 0.1
        Perceptron learning rate.
    fit : {"pocket", "perceptron"}, default "pocket"
        The layer step (above).
    margin : float >= 0, default 1.0
        Perceptron margin, times fan-in + 1.
    denoise : float in [0, 0.5), default 0.05
        Fraction of input bits flipped afresh each epoch.
    accept : {"non-increasing", "always", "anneal"}, default "non-increasing"
        What happens to a layer update that raises the training error.
    temperature : float > 0, default 20.0
        Initial temperature of ``anneal``, in errors.
    restarts : int >= 1, default 1
        Initialisations; the one with the least final training error is kept.
    budget : int or None, default None
        Gate evaluations (:func:`gate_evaluations`) after which training stops.
    seed : int >= 0, default 0
        Seed of the initial weights, the search and the example orders.

    Raises
    ------
    InputError
        When a setting is out of its range (one line naming it).

    Examples
    --------
    >>> cfg = DeepTargetsConfig(layers=(8, 4, 8), budget=10_000)
    >>> cfg.search, cfg.fit, cfg.off
    ('unit', 'pocket', -1.0)
    >>> paper_config().to_dict()["search"]  # the loop as first built: joint sampling
    'joint'
    >>> DeepTargetsConfig(layers=(32, 16, 13, 16, 32), sampler="exhaustive")
    Traceback (most recent call last):
    ...
    gates.errors.InputError: the exhaustive sampler enumerates 2^units candidates: hidden layers of at most 12 units, got 16; use flip for that layer (one sampler per hidden layer, e.g. flip,exhaustive,flip)
    """

    layers: tuple = (32, 16, 6, 16, 32)
    encoding: str = "pm1"
    search: str = "unit"
    sampler: object = "flip"
    flip_p: float = 0.15
    flip_k: int = 1
    samples: int = 64
    group: str = "activity"
    schedule: str = "up-down"
    epochs: int = 40
    inner_epochs: int = 10
    eta: float = 0.1
    fit: str = "pocket"
    margin: float = 1.0
    denoise: float = 0.05
    accept: str = "non-increasing"
    temperature: float = 20.0
    restarts: int = 1
    budget: object = None
    seed: int = 0

    def __post_init__(self):
        sizes = tuple(self.layers)
        if len(sizes) < 2 or not all(is_int(s) and s >= 1 for s in sizes):
            raise InputError(f"layers must be >= 2 positive sizes like 32,16,6,16,32, got {self.layers!r}")
        object.__setattr__(self, "layers", tuple(int(s) for s in sizes))
        hidden = self.layers[1:-1]
        samplers = (self.sampler,) * len(hidden) if isinstance(self.sampler, str) else tuple(self.sampler)
        if not isinstance(self.sampler, str) and len(samplers) != len(hidden):
            raise InputError(f"give one sampler or one per hidden layer ({len(hidden)}), got {len(samplers)}")
        for name in samplers:
            check_choice(name, "sampler", SAMPLERS)
        object.__setattr__(self, "sampler", self.sampler if isinstance(self.sampler, str) else samplers)
        for name, allowed in (("encoding", ENCODINGS), ("schedule", LAYER_SCHEDULES), ("accept", ACCEPT),
                              ("search", SEARCHES), ("fit", FITS), ("group", GROUPS)):
            check_choice(getattr(self, name), name, allowed)
        for name, lo in (("samples", 1), ("epochs", 0), ("inner_epochs", 1), ("flip_k", 1), ("seed", 0),
                         ("restarts", 1)):
            check_int(getattr(self, name), name, lo=lo)
        if self.budget is not None:
            check_int(self.budget, "budget (gate evaluations)", lo=1)
        # checked, not normalised: the config records the values as given (manifests)
        check_real(self.flip_p, "flip_p", lo=0, hi=1, lo_open=True)
        check_positive(self.eta, "eta")
        check_positive(self.margin, "margin", zero=True)
        check_real(self.denoise, "denoise", lo=0, hi=0.5, hi_open=True)
        check_positive(self.temperature, "temperature")
        for width, name in zip(hidden, samplers):
            if name == "exhaustive" and width > EXHAUSTIVE_MAX:
                raise InputError(f"the exhaustive sampler enumerates 2^units candidates: hidden layers of at most "
                                 f"{EXHAUSTIVE_MAX} units, got {width}; use flip for that layer "
                                 f"(one sampler per hidden layer, e.g. flip,exhaustive,flip)")

    def layer_sampler(self, l):
        """The sampler of hidden layer l (1-based)."""
        return self.sampler if isinstance(self.sampler, str) else self.sampler[l - 1]

    @property
    def off(self):
        """The value of an inactive gate: -1.0 (pm1) or 0.0 (01)."""
        return -1.0 if self.encoding == "pm1" else 0.0

    def to_dict(self):
        """The settings as a JSON-ready dict (the manifests' record of a run)."""
        d = asdict(self)
        d["sampler"] = self.sampler if isinstance(self.sampler, str) else list(self.sampler)
        return d


#: The settings that give back the algorithm as first built here (joint flip sampling, 2 plain
#: perceptron passes, 100 epochs, no margin, no input noise): the issue-16 starting point.
PAPER_SETTINGS = {"search": "joint", "fit": "perceptron", "margin": 0.0, "denoise": 0.0, "epochs": 100,
                  "inner_epochs": 2}


def paper_config(**kw):
    """:class:`DeepTargetsConfig` with :data:`PAPER_SETTINGS`, then `kw`.

    Parameters
    ----------
    **kw
        Any :class:`DeepTargetsConfig` setting; it overrides the paper's.

    Returns
    -------
    DeepTargetsConfig

    Examples
    --------
    >>> cfg = paper_config(seed=3)
    >>> cfg.search, cfg.fit, cfg.epochs, cfg.seed
    ('joint', 'perceptron', 100, 3)
    """
    return DeepTargetsConfig(**{**PAPER_SETTINGS, **kw})


# --------------------------------------------------------------------------
# the algorithm
# --------------------------------------------------------------------------

def _visits(schedule, L, epoch, rng):
    """Layers (1..L) visited in one epoch; L is the output layer."""
    up = list(range(1, L + 1))
    if schedule == "bottom-up":
        return up
    if schedule == "top-down":
        return up[::-1]
    if schedule == "up-down":
        return up if epoch % 2 == 0 else up[::-1]
    return [int(v) for v in rng.permutation(up)]


def _train(W, Xin, T, rng, inner_epochs, eta, table_k, off):
    m = Xin.shape[0]
    X1 = np.ascontiguousarray(np.concatenate([Xin, np.ones((m, 1))], axis=1))
    orders = np.stack([rng.permutation(m) for _ in range(inner_epochs)]).astype(np.int64)
    train_layer(W, X1, np.ascontiguousarray(T), orders, eta, table_k, off, False)


def deep_targets(train, test=None, config=None, progress=None, workers=None, targets=None, test_targets=None,
                 progress_unit="epoch"):
    """Train a threshold-gate network (by default an autoencoder) by sampling deep targets.

    The algorithm of Baldi & Sadowski 2016, section 4 (sampling deep
    targets), with the ingredients of :class:`DeepTargetsConfig`.

    Parameters
    ----------
    train : (m, n) array of 0/1
        Training inputs; ``config.layers[0]`` must equal n.
    test : (m', n) array of 0/1, optional
        Held-out inputs (default None: no held-out error).
    config : DeepTargetsConfig, optional
        The settings (default ``DeepTargetsConfig()``: 32-16-6-16-32, unit
        search, pocket with margin 1, 5% input noise, 40 epochs).
    progress : callable, optional
        Called after every epoch: with 1 (of the first restart), or with
        the gate evaluations the epoch spent (of every restart) under
        ``progress_unit="evaluation"``.
    workers : int, optional
        Threads of the joint search (default: all); results do not depend on it.
    targets, test_targets : (m, n_L) arrays of 0/1, optional
        Output targets; default: the inputs (an autoencoder).
    progress_unit : {"epoch", "evaluation"}, default "epoch"
        What `progress` counts.

    Returns
    -------
    Result
        ``curve``: (epoch, train error, held-out error) rows, epoch 0 the
        initial network, errors per output component (held-out NaN
        without `test`); ``evals``: the gate evaluations spent up to each
        row (counted as in :func:`gate_evaluations`); ``weights``: one
        (units, fan-in + 1) array per layer, the bias last; ``seconds``
        (wall time); ``layer_updates``: (epoch, layer, error before, error
        after, accepted) for the joint search; with restarts, ``restarts``:
        the final (train, held-out) error of each, the kept one first.
        ``to_dict()`` gives them as plain lists.

    Raises
    ------
    InputError
        When the data are not 0/1, do not fit ``config.layers``, or the
        targets do not match the examples.

    Examples
    --------
    The training error never increases under the default acceptance
    (``non-increasing``), here on 64 rows of the default autoencoder data:

    >>> from gates.learning.threshold_net import synthetic_data
    >>> X, _ = synthetic_data(seed=1)
    >>> run = deep_targets(X[:64], X[64:128], DeepTargetsConfig(epochs=3, seed=1))
    >>> errors = [row[1] for row in run["curve"]]
    >>> len(errors), all(b <= a for a, b in zip(errors, errors[1:]))
    (4, True)
    >>> run["evals"][1] >= gate_evaluations((32, 16, 6, 16, 32), 64)  # at least one forward pass
    True
    """
    cfg = DeepTargetsConfig() if config is None else config
    check_choice(progress_unit, "progress_unit", ("epoch", "evaluation"))
    data = check_data(train, test, cfg, targets, test_targets)
    ss = np.random.SeedSequence(cfg.seed)
    seqs = [ss] + [np.random.SeedSequence([cfg.seed, 1000 + r]) for r in range(1, cfg.restarts)]
    budget = None if cfg.budget is None else -(-cfg.budget // cfg.restarts)
    t0 = time.perf_counter()
    runs, spent = [], 0
    for r, seq in enumerate(seqs):
        each = progress if r == 0 or progress_unit == "evaluation" else None
        run = _run_once(data, cfg, seq, budget, each, workers, progress_unit == "evaluation")
        run["evals"] = [spent + e for e in run["evals"]]
        spent = run["evals"][-1]
        runs.append(run)
    best = min(range(len(runs)), key=lambda k: (runs[k]["curve"][-1][1], k))
    out = runs[best]
    if cfg.restarts > 1:
        # the kept run's curve, placed after every run's spending
        out["evals"] = [e - out["evals"][-1] + spent for e in out["evals"]]
        out["restarts"] = [runs[best]["curve"][-1][1:]] + [runs[k]["curve"][-1][1:] for k in range(len(runs))
                                                           if k != best]
    out["seconds"] = time.perf_counter() - t0
    return Result(out, text=_run_text(out))


def _run_text(run):
    """One line: epochs, gate evaluations, final training and held-out error."""
    epoch, train, test = run["curve"][-1]
    held = "no held-out set" if test is None or test != test else f"held-out {test:.4f}"
    return (f"{epoch} epochs, {run['evals'][-1]:,} gate evaluations: training error {train:.4f}, {held} "
            f"(per output component)")


def gate_evaluations(layers, examples):
    """Gate evaluations of one forward pass of `examples` inputs: examples x sum(layers[1:]).

    The unit of compute of this module (one input vector through one gate,
    i.e. one fan-in-length dot product). Counted: every forward pass the
    algorithm needs (one per epoch, and from a changed layer upward after
    each change), every candidate pushed through the layers above (each
    gate it actually reaches, after the shortcuts of :func:`choose_targets`),
    every example a perceptron visits (one) and each update it makes (one),
    and each error measurement of the pocket (one per example). The held-out
    and training errors written to the curves are bookkeeping, not counted.

    Parameters
    ----------
    layers : sequence of int
        The net's sizes (inputs first).
    examples : int
        Input vectors passed forward.

    Returns
    -------
    int

    Examples
    --------
    >>> gate_evaluations((32, 16, 6, 16, 32), 512)  # one epoch's forward pass on the default data
    35840
    """
    return int(examples) * int(sum(layers[1:]))


def _run_once(data, cfg, seq, budget, progress, workers, count_evaluations=False):
    A_train, A_test, Y_train, Y_test = data
    off = cfg.off
    init_seq, run_seq = seq.spawn(2)
    weights = init_weights(cfg.layers, np.random.default_rng(init_seq))
    rng = np.random.default_rng(run_seq)
    table_k = perceptron_table(off)
    L = len(weights)
    m = len(A_train)
    curve = [(0, *train_test_errors(weights, A_train, A_test, off, Y_train, Y_test))]
    evals = [0]
    spent = 0
    updates = []
    t0 = time.perf_counter()
    for epoch in range(1, cfg.epochs + 1):
        if budget is not None and spent >= budget:
            break
        X_in = A_train
        if cfg.denoise > 0:
            X_in = np.where(rng.random(A_train.shape) < cfg.denoise, np.where(A_train > 0, off, 1.0), A_train)
        acts = forward(weights, X_in, off)  # kept current below
        spent += gate_evaluations(cfg.layers, m)
        for l in _visits(cfg.schedule, L, epoch, rng):
            if budget is not None and spent >= budget:
                break
            if cfg.search == "unit" and (l == L or cfg.layer_sampler(l) != "exhaustive"):
                spent += _unit_visit(weights, l, acts, Y_train, cfg, rng, off, budget, spent)
                continue
            before = int(np.sum(acts[-1] != Y_train))
            if l == L:
                T = Y_train
            else:
                groups = input_groups(acts[l - 1], acts[l]) if cfg.group == "input" else activity_groups(acts[l])
                cands = sample_candidates(groups[0], cfg.layer_sampler(l), cfg.samples, rng, off, cfg.flip_p,
                                          cfg.flip_k, seen=acts[l])
                keys = rng.random(cands.shape[:2])
                T, _, _, ev = choose_targets(weights, l, acts, Y_train, cands, keys, off, workers, True, groups)
                spent += ev
            saved = weights[l - 1].copy()
            spent += _fit_layer(weights[l - 1], acts[l - 1], T, rng, cfg, table_k, off)
            trained = acts[:l] + forward(weights[l - 1:], acts[l - 1], off)[1:]
            spent += gate_evaluations(cfg.layers[l - 1:], m)
            after = int(np.sum(trained[-1] != Y_train))
            if cfg.accept == "anneal":
                temp = cfg.temperature * (1.0 - (epoch - 1) / max(cfg.epochs, 1))
                accepted = after <= before or rng.random() < np.exp(-(after - before) / max(temp, 1e-12))
            else:
                accepted = not (cfg.accept == "non-increasing" and after > before)
            if accepted:
                acts = trained
            else:
                weights[l - 1] = saved
            updates.append((epoch, l, before, after, bool(accepted)))
        curve.append((epoch, *train_test_errors(weights, A_train, A_test, off, Y_train, Y_test)))
        evals.append(spent)
        if progress is not None:
            progress(evals[-1] - evals[-2] if count_evaluations else 1)
    return {"curve": curve, "evals": evals, "weights": weights, "seconds": time.perf_counter() - t0,
            "layer_updates": updates}


def _unit_visit(weights, l, acts, Y, cfg, rng, off, budget, spent):
    """One visit of layer l by the unit search; updates weights and acts in place; returns the evaluations.

    For unit i, every example's candidate is its activity with unit i
    flipped; pushed through the fixed layers above it changes that
    example's output error by d_p. The target of unit i on example p is
    the flip when d_p < 0, else the current value, with weight |d_p|
    (examples with d_p = 0 do not constrain the unit). With every other
    unit fixed, the training error after the unit's change equals the
    current error plus the change of the weighted error of its targets,
    so the pocket (which never raises the weighted error) never raises the
    training error on these inputs. The output layer's units learn the
    data (weight 1).
    """
    L = len(weights)
    m = len(Y)
    W = weights[l - 1]
    X1 = np.ascontiguousarray(np.concatenate([acts[l - 1], np.ones((m, 1))], axis=1))
    kappa = cfg.margin * X1.shape[1]
    above = int(sum(cfg.layers[l + 1:]))
    used = 0
    err = np.sum(acts[-1] != Y, axis=1)
    Wn = weights[l] if l < L else None
    pre = acts[l] @ Wn[:, :-1].T + Wn[:, -1] if l < L else None
    for i in rng.permutation(W.shape[0]):
        if budget is not None and spent + used >= budget:
            break
        if l == L:
            t = Y[:, i]
            c = np.ones(m)
        else:
            h = acts[l][:, i]
            flip = np.where(h > 0, off, 1.0)
            d, pushed = flip_gains(weights, l, i, acts[l], pre, Y, err, off, acts[l + 1])
            used += m * cfg.layers[l + 1] + pushed * (above - cfg.layers[l + 1])
            t = np.where(d < 0, flip, h)
            c = np.abs(d).astype(np.float64)
        tt = np.ascontiguousarray(np.where(t > 0, 1.0, -1.0))
        orders = np.stack([rng.permutation(m) for _ in range(cfg.inner_epochs)]).astype(np.int64)
        w = W[i].copy()
        ev, _ = pocket(w, X1, tt, c, orders, cfg.eta, kappa, cfg.fit == "pocket")
        used += ev
        if np.array_equal(w, W[i]):
            continue
        W[i] = w
        col = np.where(X1 @ w > 0, 1.0, off)
        used += m
        if l < L:
            pre += np.outer(col - acts[l][:, i], Wn[:, i])
            acts[l][:, i] = col
            a = np.where(pre > 0, 1.0, off)
            acts[l + 1][:] = a
            for k, Wk in enumerate(weights[l + 1:], start=l + 2):
                a = np.where(a @ Wk[:, :-1].T + Wk[:, -1] > 0, 1.0, off)
                acts[k][:] = a
            used += m * above
            err = np.sum(acts[-1] != Y, axis=1)
        else:
            acts[l][:, i] = col
    return used


def flip_gains(weights, l, i, A_l, pre, Y, err, off, A_next=None):
    """d_p: the change of example p's output error when unit i of hidden layer l flips, the rest fixed.

    A_l: layer l's activities; pre: the next layer's input A_l W_{l+1}^T + b
    (only unit i's column changes); err: each example's current output
    error; A_next: the next layer's current activities. Only the examples
    whose next-layer activity changes are pushed further up (elsewhere
    d_p = 0). Returns (d, number of examples pushed above the next layer).
    """
    h = A_l[:, i]
    Wn = weights[l]
    flip = np.where(h > 0, off, 1.0)
    a = np.where(pre + np.outer(flip - h, Wn[:, i]) > 0, 1.0, off)
    if A_next is None:
        A_next = np.where(pre > 0, 1.0, off)
    rows = np.flatnonzero((a != A_next).any(axis=1))
    d = np.zeros(len(h), np.int64)
    if len(rows):
        a = a[rows]
        for Wk in weights[l + 1:]:
            a = np.where(a @ Wk[:, :-1].T + Wk[:, -1] > 0, 1.0, off)
        d[rows] = np.sum(a != Y[rows], axis=1) - err[rows]
    return d, len(rows)


def _fit_layer(W, Xin, T, rng, cfg, table_k, off):
    """The joint search's layer step: every gate toward its column of T; returns the evaluations."""
    m = Xin.shape[0]
    if cfg.fit == "perceptron":
        _train(W, Xin, T, rng, cfg.inner_epochs, cfg.eta, table_k, off)
        return 2 * cfg.inner_epochs * m * W.shape[0]
    X1 = np.ascontiguousarray(np.concatenate([Xin, np.ones((m, 1))], axis=1))
    kappa = cfg.margin * X1.shape[1]
    ones = np.ones(m)
    used = 0
    for i in range(W.shape[0]):
        tt = np.ascontiguousarray(np.where(T[:, i] > 0, 1.0, -1.0))
        orders = np.stack([rng.permutation(m) for _ in range(cfg.inner_epochs)]).astype(np.int64)
        w = W[i].copy()
        used += pocket(w, X1, tt, ones, orders, cfg.eta, kappa, True)[0]
        W[i] = w
    return used



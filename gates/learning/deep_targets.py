"""Sampling deep targets: training a network of threshold gates without gradients (paper §4).

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
  :mod:`gates.learning.protocol`; the output layer learns the data.

With ``accept="non-increasing"`` (the default) a layer update that raises
the training error is undone, so the training error never increases (the
paper's convergence property); ``always`` keeps every update (the paper
notes that uphill moves may help escape poor minima; here they cost about
0.1 in final error).

Candidate evaluation is one numba kernel over groups (threaded), with no
Python loop per candidate. It adds the first layer above incrementally
(only the flipped units' columns), stops a candidate as soon as the next
layer's activity equals the current one (its error is then the current
error, and it loses the tie), and abandons a candidate whose partial
error already exceeds the best.

Errors are Hamming distances; curves report the average per component.
"""

import time
from dataclasses import asdict, dataclass

import numba
import numpy as np
from numba import njit, prange

from gates.errors import InputError, require_memory
from gates.learning.gate import step
from gates.boolean.truth import _popcount64
from gates.learning.rules import get_rule

__all__ = [
    "DeepTargetsConfig",
    "paper_config",
    "PAPER_SETTINGS",
    "gate_evaluations",
    "SAMPLERS",
    "SEARCHES",
    "FITS",
    "SCHEDULES",
    "synthetic_data",
    "forward",
    "hamming_error",
    "class_error",
    "sample_candidates",
    "input_groups",
    "choose_targets",
    "deep_targets",
    "load_data",
]

SAMPLERS = ("flip", "flip-k", "uniform", "exhaustive", "seen")
SCHEDULES = ("bottom-up", "top-down", "up-down", "random")
SEARCHES = ("unit", "joint")
GROUPS = ("activity", "input")
FITS = ("pocket", "perceptron")
ACCEPT = ("always", "non-increasing", "anneal")
EXHAUSTIVE_MAX = 12  # 2^12 candidates per group; 2^16 took ~35 s per epoch on the default data


def _int(v, lo):
    return not (isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo)


@dataclass(frozen=True)
class DeepTargetsConfig:
    """Every setting of a deep-targets run (defaults: see the README).

    The ingredients (each switchable, each recorded in manifests):

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
        if len(sizes) < 2 or not all(_int(s, 1) for s in sizes):
            raise InputError(f"layers must be >= 2 positive sizes like 32,16,6,16,32, got {self.layers!r}")
        object.__setattr__(self, "layers", tuple(int(s) for s in sizes))
        hidden = self.layers[1:-1]
        samplers = (self.sampler,) * len(hidden) if isinstance(self.sampler, str) else tuple(self.sampler)
        if not isinstance(self.sampler, str) and len(samplers) != len(hidden):
            raise InputError(f"give one sampler or one per hidden layer ({len(hidden)}), got {len(samplers)}")
        for name in samplers:
            if name not in SAMPLERS:
                raise InputError(f"sampler {name!r} is unknown: allowed {', '.join(SAMPLERS)}")
        object.__setattr__(self, "sampler", self.sampler if isinstance(self.sampler, str) else samplers)
        for name, allowed in (("encoding", ("pm1", "01")), ("schedule", SCHEDULES), ("accept", ACCEPT),
                              ("search", SEARCHES), ("fit", FITS), ("group", GROUPS)):
            if getattr(self, name) not in allowed:
                raise InputError(f"{name} {getattr(self, name)!r} is unknown: allowed {', '.join(allowed)}")
        for name, lo in (("samples", 1), ("epochs", 0), ("inner_epochs", 1), ("flip_k", 1), ("seed", 0),
                         ("restarts", 1)):
            if not _int(getattr(self, name), lo):
                raise InputError(f"{name} must be an integer >= {lo}, got {getattr(self, name)!r}")
        if self.budget is not None and not _int(self.budget, 1):
            raise InputError(f"budget must be a positive integer of gate evaluations, got {self.budget!r}")
        if not 0 < self.flip_p <= 1:
            raise InputError(f"flip_p must be in (0, 1], got {self.flip_p!r}")
        if not self.eta > 0:
            raise InputError(f"eta must be > 0, got {self.eta!r}")
        if not self.margin >= 0:
            raise InputError(f"margin must be >= 0, got {self.margin!r}")
        if not 0 <= self.denoise < 0.5:
            raise InputError(f"denoise must be in [0, 0.5), got {self.denoise!r}")
        if not self.temperature > 0:
            raise InputError(f"temperature must be > 0, got {self.temperature!r}")
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
        return -1.0 if self.encoding == "pm1" else 0.0

    def to_dict(self):
        d = asdict(self)
        d["sampler"] = self.sampler if isinstance(self.sampler, str) else list(self.sampler)
        return d


#: The settings that give back the algorithm as first built here (joint flip sampling, 2 plain
#: perceptron passes, 100 epochs, no margin, no input noise): the issue-16 starting point.
PAPER_SETTINGS = {"search": "joint", "fit": "perceptron", "margin": 0.0, "denoise": 0.0, "epochs": 100,
                  "inner_epochs": 2}


def paper_config(**kw):
    """:class:`DeepTargetsConfig` with :data:`PAPER_SETTINGS`, then `kw`."""
    return DeepTargetsConfig(**{**PAPER_SETTINGS, **kw})


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
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise InputError(f"{name} must be an integer >= {lo}, got {v!r}")
    if not 0 <= noise < 0.5:
        raise InputError(f"noise must be in [0, 0.5), got {noise!r}")
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


# --------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------


@njit(cache=True)
def _error_above(a, width, wflat, woff, wrows, wcols, members, tbits, off, bound, buf_b, obits):
    """Summed output error over the group of the next layer's activity a
    (width units): the packed layers above, then popcounts of the output
    bits xor each member's target bits; stops once it exceeds bound."""
    for k in range(wrows.shape[0]):
        base = woff[k]
        cols = wcols[k]
        for i in range(wrows[k]):
            row = base + i * cols
            s = wflat[row + cols - 1]
            for j in range(cols - 1):
                s += wflat[row + j] * a[j]
            buf_b[i] = 1.0 if s > 0.0 else off
        for i in range(wrows[k]):
            a[i] = buf_b[i]
        width = wrows[k]
    for wd in range(obits.shape[0]):
        obits[wd] = 0
    for i in range(width):
        if a[i] > 0.0:
            obits[i >> 6] |= np.uint64(1) << np.uint64(i & 63)
    err = 0
    for q in range(members.shape[0]):
        e = members[q]
        for wd in range(obits.shape[0]):
            err += _popcount64(obits[wd] ^ tbits[e, wd])
        if err > bound:
            return err
    return err


@njit(cache=True)
def _error_bits(key, lut, loff, lrows, lbytes, members, tbits, bound):
    """As :func:`_error_above`, in bits: the next layer's activity is the
    word `key` (bit i: unit i on), each layer above adds, per output unit,
    one tabulated partial sum per input byte (lut), and the output bits
    are compared with each member's target bits by popcount."""
    for k in range(lrows.shape[0]):
        nxt = np.uint64(0)
        nb = lbytes[k]
        base = loff[k]
        for i in range(lrows[k]):
            s = 0.0
            row = base + i * nb * 256
            for b in range(nb):
                s += lut[row + b * 256 + ((key >> np.uint64(8 * b)) & np.uint64(255))]
            if s > 0.0:
                nxt |= np.uint64(1) << np.uint64(i)
        key = nxt
    err = 0
    for q in range(members.shape[0]):
        err += _popcount64(key ^ tbits[members[q], 0])
        if err > bound:
            return err
    return err


@njit(cache=True, parallel=True)
def _choose(cands, cur, pre1, nxt_cur, cur_err, W1, wflat, woff, wrows, wcols, order, start, tbits, off, keys,
            best, best_err, counts, lut, loff, lrows, lbytes, use_bits):
    """best[g]: the index of group g's chosen candidate (-1: keep the current activity).

    Least summed output error, then least Hamming distance to the current
    activity (the current one has distance 0 and wins its ties), then the
    least random key. Per candidate, only the changed units' columns are
    added to the next layer's input (pre1 is the current one); a candidate
    that leaves the next layer's activity unchanged has the current error
    and loses; the error of each distinct next-layer activity is computed
    once per group (memo, when that layer has <= 64 units). counts[g]:
    the gate evaluations spent on group g (the next layer's gates per
    candidate that differs from the current activity, plus every gate
    above for each next-layer activity actually pushed up). Compiled,
    threaded over groups.
    """
    G, S, n_l = cands.shape
    n1 = W1.shape[0]
    width = n1
    for k in range(wrows.shape[0]):
        width = max(width, wrows[k])
    memo_on = n1 <= 64
    above = 0
    for k in range(wrows.shape[0]):
        above += wrows[k]
    hsize = 1
    while hsize < 2 * S:
        hsize *= 2
    # scratch, one row per group (allocated once, not per group)
    a_all = np.empty((G, width))
    b_all = np.empty((G, width))
    o_all = np.zeros((G, tbits.shape[1]), np.uint64)
    idx_all = np.empty((G, n_l), np.int64)
    hkeys_all = np.empty((G, hsize), np.uint64)
    herr_all = np.full((G, hsize), -1, np.int64)
    for g in prange(G):
        a = a_all[g]
        buf_b = b_all[g]
        obits = o_all[g]
        idx = idx_all[g]
        hkeys = hkeys_all[g]
        herr = herr_all[g]
        members = order[start[g]:start[g + 1]]
        be, bd, bk, bi = cur_err[g], 0, -1.0, -1
        spent = 0
        for s in range(S):
            d = 0
            for j in range(n_l):
                if cands[g, s, j] != cur[g, j]:
                    idx[d] = j
                    d += 1
            if d == 0:
                continue
            spent += n1
            same = True
            key = np.uint64(0)
            for i in range(n1):
                v = pre1[g, i]
                for q in range(d):
                    j = idx[q]
                    v += W1[i, j] * (cands[g, s, j] - cur[g, j])
                o = 1.0 if v > 0.0 else off
                a[i] = o
                if o != nxt_cur[g, i]:
                    same = False
                if memo_on and o > 0.0:
                    key |= np.uint64(1) << np.uint64(i)
            if same:
                continue  # the current error: the current activity wins the tie
            e = -1
            slot = 0
            if memo_on:
                # open addressing on the next layer's activity bits (Fibonacci hashing)
                slot = int((key * np.uint64(11400714819323198485)) >> np.uint64(40)) & (hsize - 1)
                while herr[slot] >= 0 and hkeys[slot] != key:
                    slot = (slot + 1) & (hsize - 1)
                if herr[slot] >= 0:
                    e = herr[slot]
            if e < 0:
                spent += above
                if use_bits:
                    e = _error_bits(key, lut, loff, lrows, lbytes, members, tbits, be)
                else:
                    e = _error_above(a, n1, wflat, woff, wrows, wcols, members, tbits, off, be, buf_b, obits)
                if memo_on and e <= be:
                    # an abandoned (> be) error is only a lower bound: not memoised
                    hkeys[slot] = key
                    herr[slot] = e
            if e > be:
                continue
            if e < be or d < bd or (d == bd and keys[g, s] < bk):
                be, bd, bk, bi = e, d, keys[g, s], s
        best[g] = bi
        best_err[g] = be
        counts[g] = spent


@njit(cache=True)
def _train_layer(W, X, T, orders, eta, table_k, off, uses_weight):
    """Every gate of the layer (row of W, bias last) moves by its rule, one
    :func:`gates.learning.gate.step` per presented example: toward its column of T with the perceptron
    table, or, with an unsupervised table (Hebb O x, Oja O x - O^2 w), on
    its own output (T is then never read). Compiled with numba.
    """
    n, s = W.shape
    u = np.empty(s)
    w = np.empty(s)
    for i in range(n):
        for j in range(s):
            u[j] = W[i, j]
            w[j] = W[i, j]
        for e in range(orders.shape[0]):
            for q in range(orders.shape[1]):
                p = orders[e, q]
                step(u, w, X[p], T[p, i], eta, off, table_k, False, True, uses_weight)
        for j in range(s):
            W[i, j] = u[j]


@njit(cache=True)
def _weighted_errors(w, X1, t, c):
    """Summed weight c_p of the examples p where the gate sign(w . x_p) misses its target t_p (+-1)."""
    e = 0.0
    for p in range(X1.shape[0]):
        if c[p] == 0.0:
            continue
        a = 0.0
        for j in range(X1.shape[1]):
            a += w[j] * X1[p, j]
        if (a > 0.0) != (t[p] > 0.0):
            e += c[p]
    return e


@njit(cache=True)
def _pocket(w, X1, t, c, orders, eta, kappa, keep_best):
    """Perceptron with margin and a pocket, for one gate; compiled.

    Passes over the examples in the rows of `orders`; example p (input row
    x_p with the bias 1 last, target t_p = +-1, weight c_p >= 0) moves the
    weights by eta c_p t_p x_p when t_p w . x_p <= kappa. After each pass
    the weighted error sum_p c_p [sign(w . x_p) != t_p] is measured and the
    best weights so far, starting from the given ones, are kept in w: the
    gate never ends worse on its targets than it started (the invariant the
    non-increasing training error rests on); without `keep_best` the last
    iterate is kept (a plain perceptron with margin). Returns (gate evaluations,
    final weighted error): one per example visited, one per update, one per
    example of each error measurement.
    """
    m, s = X1.shape
    best = w.copy()
    u = w.copy()
    evals = 0
    active = 0
    for p in range(m):
        if c[p] != 0.0:
            active += 1
    be = _weighted_errors(w, X1, t, c)
    evals += active
    if be == 0.0 and keep_best:
        return evals, be  # nothing can be strictly better
    for e in range(orders.shape[0]):
        for q in range(m):
            p = orders[e, q]
            if c[p] == 0.0:
                continue
            a = 0.0
            for j in range(s):
                a += u[j] * X1[p, j]
            evals += 1
            if t[p] * a <= kappa:
                evals += 1
                for j in range(s):
                    u[j] += eta * c[p] * t[p] * X1[p, j]
        if not keep_best:
            continue
        ce = _weighted_errors(u, X1, t, c)
        evals += active
        if ce < be:
            be = ce
            for j in range(s):
                best[j] = u[j]
    if not keep_best:
        for j in range(s):
            w[j] = u[j]
        return evals, _weighted_errors(u, X1, t, c)
    for j in range(s):
        w[j] = best[j]
    return evals, be


# --------------------------------------------------------------------------
# the algorithm
# --------------------------------------------------------------------------


def _tables(ups, off, n1):
    """Byte lookup tables of the layers above the next one (bits path).

    For output unit i and input byte b, lut[i, b, v] is the partial sum of
    w_ij a_j over the 8 inputs j of byte b with a_j = 1 where bit j of v is
    set, else off; the bias is in byte 0. Used when every layer from the
    next one up has at most 64 units (one word); otherwise use_bits is
    False and the float path runs.
    """
    widths = [n1] + [W.shape[0] for W in ups]  # every activity from the next layer up
    use_bits = all(w <= 64 for w in widths)
    if not use_bits or not ups:
        return np.zeros(1), np.zeros(len(ups), np.int64), np.zeros(len(ups), np.int64), np.zeros(len(ups), np.int64), \
            use_bits and not ups
    bits = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(bool)  # (256, 8)
    parts, loff, lrows, lbytes, pos = [], [], [], [], 0
    for W in ups:
        rows, cols = W.shape[0], W.shape[1] - 1
        nb = (cols + 7) // 8
        Wp = np.zeros((rows, nb * 8))
        Wp[:, :cols] = W[:, :-1]
        Wb = Wp.reshape(rows, nb, 8)
        # values of the 8 inputs of a byte: 1 where the bit is set, off elsewhere; padded inputs weigh 0
        vals = np.where(bits, 1.0, off)  # (256, 8)
        lut = np.einsum("rbt,vt->rbv", Wb, vals)
        lut[:, 0, :] += W[:, -1][:, None]
        parts.append(lut.ravel())
        loff.append(pos)
        lrows.append(rows)
        lbytes.append(nb)
        pos += lut.size
    return (np.concatenate(parts), np.array(loff, np.int64), np.array(lrows, np.int64), np.array(lbytes, np.int64),
            True)


def _pack(Y):
    """Rows of activities as bits (1 where on), (m, ceil(n / 64)) uint64."""
    Y = np.asarray(Y) > 0
    m, n = Y.shape
    words = (n + 63) // 64
    pad = np.zeros((m, words * 64), bool)
    pad[:, :n] = Y
    bits = pad.reshape(m, words, 64).astype(np.uint64) << np.arange(64, dtype=np.uint64)
    return np.ascontiguousarray(bits.sum(axis=2, dtype=np.uint64))


def _groups(A):
    """Group identical rows of A: (unique rows, order of examples by group, start offsets, group of each).

    Groups come in the order of ``np.unique(A, axis=0)``; rows of <= 64
    units are packed into one word each, which sorts in that same order
    (bit 63 - j for unit j, so the first unit is the most significant).
    """
    A = np.asarray(A)
    if A.shape[1] <= 64:
        n = A.shape[1]
        key = ((A > 0).astype(np.uint64) << np.arange(63, 63 - n, -1, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)
        uniq = A[first]
    else:
        uniq, inv = np.unique(A, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    order = np.argsort(inv, kind="stable")
    start = np.searchsorted(inv[order], np.arange(len(uniq) + 1))
    return np.ascontiguousarray(uniq), order.astype(np.int64), start.astype(np.int64), inv


def input_groups(prev, cur):
    """Groups of the examples that share one input to a layer: (current activity of each group, order,
    start, group of each), in the layout of :func:`_groups` (a group's activity rows are all equal, since
    the layer is a function of its input)."""
    _, order, start, inv = _groups(prev)
    return np.ascontiguousarray(np.asarray(cur)[order[start[:-1]]]), order, start, inv


def sample_candidates(cur, sampler, samples, rng, off, flip_p=0.15, flip_k=1, seen=None):
    """Candidate activities (G, S, n) for the current activities cur (G, n).

    ``flip``: each unit flipped with probability flip_p; ``flip-k``: exactly
    flip_k units flipped; ``uniform``: uniform random vectors;
    ``exhaustive``: all 2^n vectors (S is then 2^n); ``seen``: rows drawn
    from `seen` (activities the layer had on the training set).
    """
    cur = np.asarray(cur, dtype=np.float64)
    G, n = cur.shape
    require_memory(G * (1 << n if sampler == "exhaustive" else samples) * n * 8, "the candidate activities",
                   "use fewer samples or a smaller layer")
    if sampler == "flip":
        mask = rng.random((G, samples, n)) < flip_p
    elif sampler == "flip-k":
        k = min(flip_k, n)
        keys = rng.random((G, samples, n))
        mask = keys <= np.sort(keys, axis=2)[:, :, k - 1:k]  # the k smallest keys: k distinct units
    elif sampler == "uniform":
        return np.where(rng.random((G, samples, n)) < 0.5, 1.0, off)
    elif sampler == "exhaustive":
        p = np.arange(1 << n)[:, None]
        allv = np.where((p >> np.arange(n)) & 1, 1.0, off)
        return np.ascontiguousarray(np.broadcast_to(allv, (G, 1 << n, n)))
    elif sampler == "seen":
        pool = np.asarray(seen, dtype=np.float64)
        return np.ascontiguousarray(pool[rng.integers(0, len(pool), (G, samples))])
    else:
        raise InputError(f"sampler {sampler!r} is unknown: allowed {', '.join(SAMPLERS)}")
    flipped = np.where(cur[:, None, :] > 0, off, 1.0)
    return np.where(mask, flipped, cur[:, None, :])


def choose_targets(weights, l, acts, Y, cands, keys, off, workers=None, return_evals=False, groups=None):
    """Targets for hidden layer l (1..L-1) from candidate activities.

    Parameters
    ----------
    weights : list of (n_k, n_{k-1} + 1) arrays
    l : int
        The layer whose activity is re-targeted.
    acts : list of arrays
        Current activities of every layer (from :func:`forward`).
    Y : (m, n_L) array
        Output targets (1 / off).
    cands : (G, S, n_l) array
        Candidates for each group of examples sharing one activity, the
        groups in the order of ``np.unique(acts[l], axis=0)``.
    keys : (G, S) array
        Random tie-breaking keys.

    Returns
    -------
    targets : (m, n_l) array
        Each example's target (its group's chosen activity).
    chosen : (G,) int
        Index of each group's candidate, -1 where the current activity stays.
    errors : (G,) int
        Summed output error of each group's target.
    evals : int
        Only with ``return_evals``: the gate evaluations spent.

    `groups` (uniq, order, start, inv) replaces the grouping by current
    activity (see :func:`input_groups`); ``cands`` then follows its order.
    """
    uniq, order, start, inv = _groups(acts[l]) if groups is None else groups
    W1 = np.ascontiguousarray(weights[l])
    pre1 = uniq @ W1[:, :-1].T + W1[:, -1]
    nxt_cur = np.where(pre1 > 0, 1.0, off)
    # the current error of each group, by the plain forward pass
    out = acts[-1]
    per_example = np.sum(out != Y, axis=1)
    cur_err = np.bincount(inv, weights=per_example, minlength=len(uniq)).astype(np.int64)
    ups = [np.ascontiguousarray(W, dtype=np.float64) for W in weights[l + 1:]]
    wflat = np.concatenate([W.ravel() for W in ups]) if ups else np.zeros(1)
    wrows = np.array([W.shape[0] for W in ups], np.int64)
    wcols = np.array([W.shape[1] for W in ups], np.int64)
    woff = np.concatenate([[0], np.cumsum(wrows * wcols)[:-1]]).astype(np.int64) if ups else np.zeros(0, np.int64)
    cands = np.ascontiguousarray(cands, dtype=np.float64)
    if cands.shape[0] != len(uniq) or cands.shape[2] != uniq.shape[1]:
        raise InputError(f"candidates must have shape ({len(uniq)}, S, {uniq.shape[1]}), got {cands.shape}")
    best = np.empty(len(uniq), np.int64)
    best_err = np.empty(len(uniq), np.int64)
    counts = np.zeros(len(uniq), np.int64)
    prev = numba.get_num_threads()
    if workers is not None:
        numba.set_num_threads(min(int(workers), numba.config.NUMBA_NUM_THREADS))
    try:
        _choose(cands, np.ascontiguousarray(uniq), pre1, nxt_cur, cur_err, W1, wflat, woff, wrows, wcols, order,
                start, _pack(Y), off, np.ascontiguousarray(keys, dtype=np.float64), best, best_err, counts,
                *_tables(ups, off, W1.shape[0]))
    finally:
        numba.set_num_threads(prev)
    target_rows = uniq.copy()
    pick = best >= 0
    target_rows[pick] = cands[np.nonzero(pick)[0], best[pick]]
    if return_evals:
        return target_rows[inv], best, best_err, int(counts.sum())
    return target_rows[inv], best, best_err


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
    _train_layer(W, X1, np.ascontiguousarray(T), orders, eta, table_k, off, False)


def _errors(weights, A_train, A_test, off, Y_train, Y_test):
    tr = forward(weights, A_train, off)[-1]
    te = forward(weights, A_test, off)[-1] if A_test is not None else None
    return hamming_error(tr, Y_train), (hamming_error(te, Y_test) if te is not None else float("nan"))


def deep_targets(train, test=None, config=None, progress=None, workers=None, targets=None, test_targets=None):
    """Train a threshold-gate network (by default an autoencoder) by sampling deep targets.

    Parameters
    ----------
    train, test : (m, n) 0/1 arrays
        Inputs; ``layers[0]`` must equal n.
    targets, test_targets : (m, n_L) 0/1 arrays, optional
        Output targets; default: the inputs (an autoencoder).
    config : DeepTargetsConfig
    progress : callable, optional
        Called with 1 after every epoch.

    Returns
    -------
    dict
        ``curve``: (epoch, train error, held-out error) rows, epoch 0 the
        initial network; ``evals``: the gate evaluations spent up to each
        row (counted as in :func:`gate_evaluations`); ``weights``;
        ``seconds``; ``layer_updates``: (epoch, layer, error before, error
        after, accepted) for the joint search; with restarts, ``restarts``:
        the final (train, held-out) error of each, the kept one first.
    """
    cfg = DeepTargetsConfig() if config is None else config
    data = _check_data(train, test, cfg, targets, test_targets)
    ss = np.random.SeedSequence(cfg.seed)
    seqs = [ss] + [np.random.SeedSequence([cfg.seed, 1000 + r]) for r in range(1, cfg.restarts)]
    budget = None if cfg.budget is None else -(-cfg.budget // cfg.restarts)
    t0 = time.perf_counter()
    runs, spent = [], 0
    for r, seq in enumerate(seqs):
        run = _run_once(data, cfg, seq, budget, progress if r == 0 else None, workers)
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
    return out


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
    """
    return int(examples) * int(sum(layers[1:]))


def _run_once(data, cfg, seq, budget, progress, workers):
    A_train, A_test, Y_train, Y_test = data
    off = cfg.off
    init_seq, run_seq = seq.spawn(2)
    weights = init_weights(cfg.layers, np.random.default_rng(init_seq))
    rng = np.random.default_rng(run_seq)
    table_k = _perceptron_table(off)
    L = len(weights)
    m = len(A_train)
    curve = [(0, *_errors(weights, A_train, A_test, off, Y_train, Y_test))]
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
                groups = input_groups(acts[l - 1], acts[l]) if cfg.group == "input" else _groups(acts[l])
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
        curve.append((epoch, *_errors(weights, A_train, A_test, off, Y_train, Y_test)))
        evals.append(spent)
        if progress is not None:
            progress(1)
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
            d, pushed = _flip_gains(weights, l, i, acts[l], pre, Y, err, off, acts[l + 1])
            used += m * cfg.layers[l + 1] + pushed * (above - cfg.layers[l + 1])
            t = np.where(d < 0, flip, h)
            c = np.abs(d).astype(np.float64)
        tt = np.ascontiguousarray(np.where(t > 0, 1.0, -1.0))
        orders = np.stack([rng.permutation(m) for _ in range(cfg.inner_epochs)]).astype(np.int64)
        w = W[i].copy()
        ev, _ = _pocket(w, X1, tt, c, orders, cfg.eta, kappa, cfg.fit == "pocket")
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


def _flip_gains(weights, l, i, A_l, pre, Y, err, off, A_next=None):
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
        used += _pocket(w, X1, tt, ones, orders, cfg.eta, kappa, True)[0]
        W[i] = w
    return used


def _perceptron_table(off):
    """K[O, x, T, c] of the perceptron rule T x - O x under this coding."""
    from gates.learning.protocol import Protocol

    return Protocol(encoding="pm1" if off < 0 else "01").rule_table(get_rule("gradient"))


def _check_data(train, test, cfg, targets=None, test_targets=None):
    """Coded inputs and targets (train, test); targets default to the inputs."""
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


def load_data(path, test_fraction=0.25, seed=0):
    """A 0/1 ``.npy`` array (no pickle), split into training and held-out rows by a seeded permutation."""
    try:
        X = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path!r} as a .npy array without pickle: {exc}") from None
    if X.ndim != 2 or X.dtype.kind not in "uib" or len(X) < 2 or not np.isin(X, (0, 1)).all():
        raise InputError(f"{path!r} must hold a 2-D array of 0/1 values with >= 2 rows, got shape {X.shape} "
                         f"dtype {X.dtype}")
    if not 0 <= test_fraction < 1:
        raise InputError(f"test fraction must be in [0, 1), got {test_fraction!r}")
    perm = np.random.default_rng(np.random.SeedSequence([int(seed), 7])).permutation(len(X))
    k = int(round(len(X) * test_fraction))
    X = X.astype(np.uint8)
    return X[perm[k:]], (X[perm[:k]] if k else None)

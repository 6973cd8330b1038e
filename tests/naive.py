"""Slow, obviously-correct references for the tests. Imports nothing from `gates`.

A Boolean function of n inputs is a Python int ``v`` whose bit p is f(x),
where x_i is bit i of p (the kitty convention). Points are tuples
``x = (x_0, ..., x_{n-1})``. Every function here follows its definition
literally, point by point; none is fast.
"""

import math
from fractions import Fraction
from functools import lru_cache
from itertools import permutations, product

HEX_DIGITS = "0123456789abcdef"


# --------------------------------------------------------------------------
# points and tables
# --------------------------------------------------------------------------


def point(p, n):
    """The input tuple x with x_i = bit i of p."""
    return tuple((p >> i) & 1 for i in range(n))


def index(x):
    """Inverse of :func:`point`."""
    return sum(b << i for i, b in enumerate(x))


def points(n):
    """All 2^n input tuples, in table order."""
    return [point(p, n) for p in range(2**n)]


def _with(x, i, c):
    """x with x_i replaced by c."""
    return x[:i] + (c,) + x[i + 1 :]


def bit(v, p):
    return (v >> p) & 1


def evaluate(v, x):
    """f(x) for the table v."""
    return bit(v, index(x))


def from_func(fn, n):
    """Table of the predicate fn on input tuples."""
    return sum(1 << p for p in range(2**n) if fn(point(p, n)))


def popcount(v):
    return bin(v).count("1")


def constant(c, n):
    return from_func(lambda x: c, n)


def projection(i, n):
    return from_func(lambda x: x[i], n)


def to_hex(v, n):
    """Most significant nibble first, exactly max(1, 2^n / 4) digits."""
    digits = max(1, 2**n // 4)
    out = []
    for k in range(digits):
        out.append(HEX_DIGITS[(v >> (4 * k)) & 15])
    assert v >> (4 * digits) == 0
    return "".join(reversed(out))


def from_hex(s, n):
    """Parse exactly max(1, 2^n / 4) hex digits (no prefix); ValueError if bad."""
    if len(s) != max(1, 2**n // 4):
        raise ValueError(f"wrong length {len(s)}")
    v = 0
    for ch in s:
        if ch.lower() not in HEX_DIGITS:
            raise ValueError(f"bad digit {ch!r}")
        v = 16 * v + HEX_DIGITS.index(ch.lower())
    if v >= 2 ** (2**n):
        raise ValueError("bits beyond 2^n")
    return v


def words(v, n):
    """The uint64 words of a table as Python ints (1 word for n <= 6)."""
    count = 1 if n <= 6 else 2 ** (n - 6)
    return [sum(bit(v, 64 * k + j) << j for j in range(64)) for k in range(count)]


# --------------------------------------------------------------------------
# operations
# --------------------------------------------------------------------------


def cofactor(v, n, i, value):
    """f with x_i fixed to value; still a function of n inputs, independent of x_i."""
    return from_func(lambda x: evaluate(v, _with(x, i, value)), n)


def flip_inputs(v, n, mask):
    """g(x) = f(x xor mask)."""
    return from_func(lambda x: evaluate(v, tuple(x[i] ^ ((mask >> i) & 1) for i in range(n))), n)


def permute_inputs(v, n, perm):
    """g(x) = f(y), y_i = x_{perm[i]}."""
    return from_func(lambda x: evaluate(v, tuple(x[perm[i]] for i in range(n))), n)


def transform(v, n, perm=None, flips=0, negate_output=False):
    """g(x) = o xor f(y), y_i = x_{perm[i]} xor m_i."""
    perm = list(range(n)) if perm is None else list(perm)
    o = 1 if negate_output else 0

    def g(x):
        y = tuple(x[perm[i]] ^ ((flips >> i) & 1) for i in range(n))
        return o ^ evaluate(v, y)

    return from_func(g, n)


def negate(v, n):
    return from_func(lambda x: 1 - evaluate(v, x), n)


def dual(v, n):
    """not f(not x)."""
    return from_func(lambda x: 1 - evaluate(v, tuple(1 - b for b in x)), n)


def is_self_dual(v, n):
    return dual(v, n) == v


def polarity(v, n):
    """Per input: +1 positive unate and depends, -1 negative, 0 absent, 2 binate."""
    out = []
    for i in range(n):
        pairs = [(evaluate(v, _with(x, i, 0)), evaluate(v, _with(x, i, 1))) for x in points(n)]
        up = any(a < b for a, b in pairs)
        down = any(a > b for a, b in pairs)
        out.append(2 if up and down else 1 if up else -1 if down else 0)
    return out


def is_monotone(v, n):
    """x <= y componentwise implies f(x) <= f(y), over all comparable pairs."""
    for p in range(2**n):
        for q in range(2**n):
            if p & ~q == 0 and bit(v, p) > bit(v, q):
                return False
    return True


def is_unate(v, n):
    """In every input, one cofactor lies below the other (as sets of points)."""
    for i in range(n):
        c0, c1 = cofactor(v, n, i, 0), cofactor(v, n, i, 1)
        if c0 & ~c1 and c1 & ~c0:
            return False
    return True


def support(v, n):
    """Bit mask of the inputs on which f depends."""
    return sum(1 << i for i in range(n) if cofactor(v, n, i, 0) != cofactor(v, n, i, 1))


def chow_parameters(v, n):
    """[sum F, sum F X_0, ..., sum F X_{n-1}], F = 2f - 1, X_i = 2x_i - 1."""
    out = [0] * (n + 1)
    for x in points(n):
        F = 2 * evaluate(v, x) - 1
        out[0] += F
        for i in range(n):
            out[1 + i] += F * (2 * x[i] - 1)
    return out


def activation(weights, bias, x, encoding="01"):
    """w . x + b, exactly (floats are converted to exact fractions)."""
    xs = x if encoding == "01" else tuple(2 * b - 1 for b in x)
    return Fraction(bias) + sum(Fraction(w) * xi for w, xi in zip(weights, xs))


def threshold_gate(weights, bias, n, encoding="01", tie="strict"):
    """Table of [w . x + b > 0] ("strict") or [w . x + b >= 0] ("nonstrict")."""

    def fn(x):
        a = activation(weights, bias, x, encoding)
        return a > 0 if tie == "strict" else a >= 0

    return from_func(fn, n)


def gate_margin(v, n, weights, bias, encoding="01"):
    """min over x of (2 f(x) - 1)(w . x + b)."""
    return min((2 * evaluate(v, x) - 1) * activation(weights, bias, x, encoding) for x in points(n))


# --------------------------------------------------------------------------
# families
# --------------------------------------------------------------------------


def all_functions(n):
    return range(2 ** (2**n))


def monotone_functions(n):
    """Brute-force filter; counts are the Dedekind numbers 2, 3, 6, 20, 168."""
    return [v for v in all_functions(n) if is_monotone(v, n)]


def _integer_gates(n, wmax):
    """(w, t, table of [w . x >= t]) for w in [-wmax, wmax]^n and every useful t."""
    for w in product(range(-wmax, wmax + 1), repeat=n):
        sums = [sum(wi * xi for wi, xi in zip(w, x)) for x in points(n)]
        # t beyond the range of w . x only repeats the two constants
        for t in range(min(sums), max(sums) + 2):
            yield w, t, sum(1 << p for p, s in enumerate(sums) if s >= t)


def threshold_realization_bruteforce(v, n, wmax):
    """Integer (weights, bias) with f(x) = [w . x + b > 0] and w . x + b != 0 for all x.

    Searches f = [u . x >= t] over integer u in [-wmax, wmax]^n and integer t,
    then returns w = 2u, b = 1 - 2t, whose activation 2(u . x - t) + 1 is odd,
    hence never 0. None when no such u exists.
    """
    for u, t, table in _integer_gates(n, wmax):
        if table == v:
            return [2 * ui for ui in u], 1 - 2 * t
    return None


def is_threshold_bruteforce(v, n, wmax):
    return threshold_realization_bruteforce(v, n, wmax) is not None


def threshold_functions_bruteforce(n, wmax=3):
    """Sorted tables of all threshold functions of n inputs (wmax=3 is enough for n <= 4)."""
    return sorted({table for _, _, table in _integer_gates(n, wmax)})


@lru_cache(maxsize=None)
def threshold_set(n):
    """Every threshold function of n <= 4 inputs, by listing small integer gates (a cached frozenset)."""
    return frozenset(threshold_functions_bruteforce(n))


# --------------------------------------------------------------------------
# symmetry groups
# --------------------------------------------------------------------------


def group_elements(n, group):
    """(perm, flips, negate_output) for group 'p', 'np' or 'npn'."""
    flip_range = range(2**n) if group in ("np", "npn") else [0]
    neg_range = (False, True) if group == "npn" else (False,)
    if group not in ("p", "np", "npn"):
        raise ValueError(group)
    for perm in permutations(range(n)):
        for m in flip_range:
            for o in neg_range:
                yield list(perm), m, o


def orbit(v, n, group):
    return {transform(v, n, *g) for g in group_elements(n, group)}


def canonical_min(v, n, group):
    return min(orbit(v, n, group))


def class_count_bruteforce(n, group):
    """Number of orbits of all functions, by listing them (n <= 3)."""
    return len({canonical_min(v, n, group) for v in all_functions(n)})


def _point_map(n, perm, flips):
    """T with transform(f)(x) = o xor f(T(x)), as a list over point indices."""
    return [index(tuple(x[perm[i]] ^ ((flips >> i) & 1) for i in range(n))) for x in points(n)]


def _cycle_lengths(mapping):
    seen = [False] * len(mapping)
    lengths = []
    for s in range(len(mapping)):
        if not seen[s]:
            k, q = 0, s
            while not seen[q]:
                seen[q] = True
                q = mapping[q]
                k += 1
            lengths.append(k)
    return lengths


def burnside_class_count(n, group):
    """Orbits of all 2^(2^n) functions by Burnside's lemma.

    f is fixed by (T, o) iff f = o xor f o T: constant on each cycle of T when
    o = 0, alternating along each cycle when o = 1 (possible iff every cycle
    is even). Either way 2^(#cycles) fixed functions, or 0.
    """
    total = 0
    size = 0
    for perm, m, o in group_elements(n, group):
        lengths = _cycle_lengths(_point_map(n, perm, m))
        size += 1
        if not o or all(k % 2 == 0 for k in lengths):
            total += 2 ** len(lengths)
    assert total % size == 0
    return total // size


def element_from_map(mapping, n):
    """(perm, flips) whose point map T(x)_i = x_{perm[i]} xor flips_i is `mapping`.

    Read off literally: flips = T(0), and perm[i] is the input j whose unit
    vector e_j changes coordinate i of T. Raises ValueError when `mapping`
    (a list over point indices) is not such a map.
    """
    m = mapping[0]
    perm = []
    for i in range(n):
        moved = [j for j in range(n) if bit(mapping[1 << j], i) != bit(m, i)]
        if len(moved) != 1:
            raise ValueError("not a permutation-with-flips point map")
        perm.append(moved[0])
    if sorted(perm) != list(range(n)) or _point_map(n, perm, m) != list(mapping):
        raise ValueError("not a permutation-with-flips point map")
    return perm, m


def compose(s1, s2, n):
    """s with transform(transform(f, s1), s2) == transform(f, s).

    transform(f, s)(x) = o xor f(T_s(x)), so applying s1 then s2 reads f at
    T_s1(T_s2(x)) and negates the output o1 xor o2 times.
    """
    t1, t2 = _point_map(n, s1[0], s1[1]), _point_map(n, s2[0], s2[1])
    perm, m = element_from_map([t1[t2[q]] for q in range(2**n)], n)
    return perm, m, bool(s1[2]) != bool(s2[2])


def inverse(s, n):
    """s' with compose(s, s') the identity: the inverse point map, read off."""
    t = _point_map(n, s[0], s[1])
    inv = [0] * len(t)
    for q, r in enumerate(t):
        inv[r] = q
    perm, m = element_from_map(inv, n)
    return perm, m, bool(s[2])


def at_least_as_desirable(v, n, i, j):
    """Winder's order x_i >= x_j: f(x | x_i=1, x_j=0) >= f(x | x_i=0, x_j=1) for all x."""
    return all(
        evaluate(v, _with(_with(x, i, 1), j, 0)) >= evaluate(v, _with(_with(x, i, 0), j, 1))
        for x in points(n)
    )


# --------------------------------------------------------------------------
# one threshold gate trained by a local rule (gates.learning.protocol's module doc)
# --------------------------------------------------------------------------


def gate_inputs(n, encoding="pm1", bias=True):
    """The 2^n rows x~ in table order: x_i = bit i of p, coded +-1 or 0/1, bias 1 last."""
    rows = []
    for x in points(n):
        row = [float(2 * b - 1) if encoding == "pm1" else float(b) for b in x]
        rows.append(row + [1.0] if bias else row)
    return rows


def _power(v, k):
    """v^k as k successive products (the order the kernel is asked to use)."""
    r = 1.0
    for _ in range(int(k)):
        r *= v
    return r


def train_gate(v, n, terms, saturate, uses_output, encoding, bias, w0, orders, etas, any_epoch, tol=1e-6,
               judge_encoding=None):
    """Train one gate on the table v, literally; return (learnt, closest).

    Each step presents the input p = orders[e][q]: the target is T = 1 when
    f(p) = 1, else -1 (pm1) or 0 (01); the output is O = 1 if w . x~ > 0,
    else that same off value; every synapse j then moves at once by
    eta_e * sum_m c_m O^a x_j^b w_j^c T^d, on u with w = tanh(u) when
    `saturate`. The target is learnt when every input has a signed margin
    T~ (w . x~) > tol |w| |x~| (T~ = +1 if f = 1, -1 if f = 0), checked
    after the last epoch, or after every
    epoch when `any_epoch`. `closest` is the smallest |w . x~| seen in the
    checks made, so a caller can tell a verdict decided at a margin of 0.
    `judge_encoding` (default `encoding`): the coding of the rows the learnt
    check reads, e.g. weights trained on +-1 rows judged as a 0/1 gate.
    """
    xs = gate_inputs(n, encoding, bias)
    js = gate_inputs(n, judge_encoding or encoding, bias)
    off = -1.0 if encoding == "pm1" else 0.0
    u = [float(a) for a in w0]
    w = [math.tanh(a) for a in u] if saturate else list(u)
    closest = math.inf

    def act(p):
        a = 0.0
        for wj, xj in zip(w, xs[p]):
            a += wj * xj
        return a

    def learnt():
        nonlocal closest
        # a gate has real weights: an overflowed (inf / nan) one learns nothing
        ok = all(math.isfinite(wj) for wj in w)
        for p in range(2**n):
            a = 0.0
            for wj, xj in zip(w, js[p]):
                a += wj * xj
            closest = min(closest, abs(a))
            if not _clears(a if bit(v, p) else -a, w, js[p], tol):
                ok = False
        return ok

    for e, order in enumerate(orders):
        eta = float(etas[e])
        for p in order:
            p = int(p)
            t = 1.0 if bit(v, p) else off
            o = (1.0 if act(p) > 0.0 else off) if uses_output else 0.0
            for j, xj in enumerate(xs[p]):
                d = 0.0
                for c, a, b, cw, dt in terms:
                    d += float(c) * _power(o, a) * _power(xj, b) * _power(w[j], cw) * _power(t, dt)
                u[j] += eta * d
            w = [math.tanh(a) for a in u] if saturate else list(u)
        if any_epoch and learnt():
            return True, closest
    return learnt(), closest


def exact_status(v, n, encoding="pm1", bias=True, saturate=False, recoded=False):
    """The canonical-form condition on c = sum_k T_k x~_k (sign(c) if `saturate`).

    T_k = 1 when f = 1, else -1 (pm1) or 0 (01). With T~_k = +-1 the sign
    of the target, returns 1 if every T~_k (c . x~_k) > 0, 0 if the
    smallest is exactly 0, -1 if one is negative. Integers throughout.
    `recoded`: the weights move as the +-1 rule's, so c is summed with +-1
    targets over the +-1 rows, while the margins read the `encoding` rows.
    """
    rows = [[2 * b - 1 if encoding == "pm1" else b for b in x] + ([1] if bias else []) for x in points(n)]
    crows = [[2 * b - 1 for b in x] + ([1] if bias else []) for x in points(n)] if recoded else rows
    size = n + (1 if bias else 0)
    c = [0] * size
    for p, row in enumerate(crows):
        t = 1 if bit(v, p) else (-1 if encoding == "pm1" or recoded else 0)
        for j in range(size):
            c[j] += t * row[j]
    if saturate:
        c = [(cj > 0) - (cj < 0) for cj in c]
    margins = [(1 if bit(v, p) else -1) * sum(cj * xj for cj, xj in zip(c, row)) for p, row in enumerate(rows)]
    if min(margins) > 0:
        return 1
    return 0 if min(margins) == 0 else -1


# --------------------------------------------------------------------------
# two-layer networks
# --------------------------------------------------------------------------


def _rule_step(u, w, row, o, t, terms, eta, saturate):
    """Every synapse j moves by eta * sum_m c_m O^a x_j^b w_j^c T^d at once."""
    for j, xj in enumerate(row):
        d = 0.0
        for c, a, b, cw, dt in terms:
            d += float(c) * _power(o, a) * _power(xj, b) * _power(w[j], cw) * _power(t, dt)
        u[j] += eta * d
    w[:] = [math.tanh(a) for a in u] if saturate else list(u)


def _gate_out(w, row, off):
    a = 0.0
    for wj, xj in zip(w, row):
        a += wj * xj
    return 1.0 if a > 0.0 else off


def _clears(m, w, row, tol):
    """Signed margin m clears the relative tolerance: m > 0 and m > tol |w| |row|."""
    if not all(math.isfinite(a) for a in w):
        return False
    return m > 0 and m > tol * math.sqrt(sum(a * a for a in w)) * math.sqrt(sum(a * a for a in row))


def train_two_layer(v, n, top_terms, top_saturate, hidden_terms, hidden_saturate, encoding, bias, hidden_w0,
                    top_w0, orders, etas, any_epoch, order, tol=1e-6):
    """Train a two-layer net on the table v from scratch, literally; True if learnt.

    h hidden gates (rows of hidden_w0) read the inputs x~; they learn
    unsupervised with hidden_terms (no T; None: they keep their weights).
    The output gate reads [hidden outputs, 1 (bias)] and learns with
    top_terms against T. ``hidden-first``: the hidden layer trains on every
    epoch's order, then the output gate trains on the same orders over the
    frozen outputs. ``simultaneous``: on each presented input the output
    gate trains on the hidden outputs computed before the hidden gates
    update. Learnt: the output gate's signed activation clears
    tol |w| |features| on every input (see train_gate), on the final hidden
    outputs (after every epoch with any_epoch).
    """
    xs = gate_inputs(n, encoding, bias)
    off = -1.0 if encoding == "pm1" else 0.0
    hu = [[float(a) for a in row] for row in hidden_w0]
    hw = [[math.tanh(a) for a in row] if hidden_saturate else list(row) for row in hu]
    tu = [float(a) for a in top_w0]
    tw = [math.tanh(a) for a in tu] if top_saturate else list(tu)

    def feats(p):
        return [_gate_out(w, xs[p], off) for w in hw] + ([1.0] if bias else [])

    def hidden_step(p, eta):
        if hidden_terms is None:
            return
        for i in range(len(hw)):
            o = _gate_out(hw[i], xs[p], off)
            _rule_step(hu[i], hw[i], xs[p], o, 0.0, hidden_terms, eta, hidden_saturate)

    def top_step(row, p, eta):
        t = 1.0 if bit(v, p) else off
        _rule_step(tu, tw, row, _gate_out(tw, row, off), t, top_terms, eta, top_saturate)

    def learnt():
        for p in range(2**n):
            a = 0.0
            row = feats(p)
            for wj, fj in zip(tw, row):
                a += wj * fj
            if not _clears(a if bit(v, p) else -a, tw, row, tol):
                return False
        return True

    if order == "hidden-first":
        for e, seq in enumerate(orders):
            for p in seq:
                hidden_step(int(p), float(etas[e]))
        rows = [feats(p) for p in range(2**n)]
        for e, seq in enumerate(orders):
            for p in seq:
                top_step(rows[int(p)], int(p), float(etas[e]))
            if any_epoch and learnt():
                return True
        return learnt()
    for e, seq in enumerate(orders):
        for p in seq:
            row = feats(int(p))
            top_step(row, int(p), float(etas[e]))
            hidden_step(int(p), float(etas[e]))
        if any_epoch and learnt():
            return True
    return learnt()


def two_gate_functions(n):
    """Every function of n inputs computed by a threshold gate over two
    threshold gates, by brute force over integer gates (n <= 3)."""
    gates_ = sorted(threshold_functions_bruteforce(n))
    out = set()
    for g1 in gates_:
        for g2 in gates_:
            for top in threshold_functions_bruteforce(2):
                out.add(from_func(lambda x: bit(top, bit(g1, index(x)) + 2 * bit(g2, index(x))), n))
    return out


def evaluate_net(wh, v, n):
    """The table computed by hidden gates sign(wh x~) (pm1, bias last) and output sign(v . [H, 1])."""
    out = 0
    for p, row in enumerate(gate_inputs(n, "pm1", True)):
        hid = [1.0 if sum(a * b for a, b in zip(w, row)) > 0 else -1.0 for w in wh]
        z = sum(a * b for a, b in zip(v, hid + [1.0]))
        out |= (z > 0) << p
    return out


# --------------------------------------------------------------------------
# layered threshold-gate networks and sampling deep targets (gates.learning.deep_targets)
# --------------------------------------------------------------------------
#
# A network is a list of layers; a layer is a list of gates; a gate is a list
# of weights followed by its bias. Activities are 1.0 (on) and `off` (-1.0 for
# pm1, 0.0 for 01); a gate outputs 1 when w . a + b > 0, else off.


def net_layer(layer, a, off):
    """The activity of one layer of gates reading the activity a."""
    out = []
    for gate in layer:
        s = gate[-1]
        for wj, aj in zip(gate[:-1], a):
            s += wj * aj
        out.append(1.0 if s > 0 else off)
    return out


def net_forward(net, x, off, start=0):
    """Activities [a_start, ..., a_L] when layer `start` has activity x
    (start = 0: x is the input); layer k + 1 reads layer k through net[k]."""
    acts = [[float(v) for v in x]]
    for layer in net[start:]:
        acts.append(net_layer(layer, acts[-1], off))
    return acts


def hamming(u, v):
    """Number of components where u and v differ."""
    return sum(1 for a, b in zip(u, v) if a != b)


def net_error(net, X, Y, off):
    """Summed Hamming error of the outputs on the inputs X against Y."""
    return sum(hamming(net_forward(net, x, off)[-1], y) for x, y in zip(X, Y))


def clamped_error(net, l, H, Y, off):
    """Summed output error when layer l of example e is clamped to H[e]."""
    return sum(hamming(net_forward(net, h, off, start=l)[-1], y) for h, y in zip(H, Y))


def activity_groups(net, l, X, off):
    """The distinct activities of layer l on X, sorted lexicographically
    (as tuples), and for each the indices of the examples that have it."""
    at_l = [tuple(net_forward(net, x, off)[l]) for x in X]
    groups = sorted(set(at_l))
    return groups, [[e for e in range(len(X)) if at_l[e] == g] for g in groups]


def choose_targets_reference(net, l, X, Y, cands, keys, off):
    """Sampling deep targets for hidden layer l, literally.

    Each group of examples sharing an activity `cur` at layer l (groups in
    lexicographic order) chooses among `cur` and its candidates cands[g]:
    least output error summed over the group (the candidate pushed through
    layers l+1..L), then least Hamming distance to `cur`, then least key
    keys[g][s], then least index. A candidate equal to `cur` is `cur`.

    Returns (targets: one list per example, chosen: candidate index per
    group or -1 for `cur`, errors: the summed error of each group's choice).
    """
    groups, members = activity_groups(net, l, X, off)

    def group_error(a, ex):
        out = net_forward(net, a, off, start=l)[-1]
        return sum(hamming(out, Y[e]) for e in ex)

    targets = [None] * len(X)
    chosen, errors = [], []
    for g, cur in enumerate(groups):
        best = (group_error(cur, members[g]), 0, -math.inf, -1)
        for s, c in enumerate(cands[g]):
            d = hamming(c, cur)
            if d == 0:
                continue
            here = (group_error(c, members[g]), d, keys[g][s], s)
            if here < best:
                best = here
        pick = list(cur) if best[3] < 0 else [float(v) for v in cands[g][best[3]]]
        for e in members[g]:
            targets[e] = pick
        chosen.append(best[3])
        errors.append(best[0])
    return targets, chosen, errors


def flip_gains(net, l, i, X, Y, off):
    """For each example: its output error with unit i of layer l flipped (the rest of the network
    computed as usual) minus its current output error."""
    out = []
    for x, y in zip(X, Y):
        acts = net_forward(net, x, off)
        h = list(acts[l])
        h[i] = off if h[i] > 0 else 1.0
        out.append(hamming(net_forward(net, h, off, start=l)[-1], y) - hamming(acts[-1], y))
    return out


def pocket_gate(w, X1, t, c, orders, eta, kappa, keep_best=True):
    """The pocket perceptron with margin, literally: passes in the given orders, update eta c t x when
    t w.x <= kappa (examples of weight 0 skipped), the weights of least weighted error kept after each
    pass (strictly better only), starting from w."""
    def werr(v):
        return sum(cp for x, tp, cp in zip(X1, t, c)
                   if cp != 0 and (sum(a * b for a, b in zip(v, x)) > 0) != (tp > 0))

    u = [float(v) for v in w]
    best, be = list(u), werr(u)
    if keep_best and be == 0:
        return best
    for order in orders:
        for p in order:
            if c[p] == 0:
                continue
            if t[p] * sum(a * b for a, b in zip(u, X1[p])) <= kappa:
                u = [a + eta * c[p] * t[p] * b for a, b in zip(u, X1[p])]
        if keep_best and werr(u) < be:
            best, be = list(u), werr(u)
    return best if keep_best else u


def class_predictions(net, X, off):
    """The class of each input: the last layer's unit with the largest input (first on ties)."""
    out = []
    for x in X:
        h = net_forward(net[:-1], x, off)[-1]
        scores = [sum(w * a for w, a in zip(row[:-1], h)) + row[-1] for row in net[-1]]
        out.append(max(range(len(scores)), key=lambda k: (scores[k], -k)))
    return out


def best_group_errors(net, l, X, Y, off):
    """For each group (as in choose_targets_reference), the least summed
    output error over all 2^n_l activities of layer l."""
    groups, members = activity_groups(net, l, X, off)
    n_l = len(groups[0])
    outs = [net_forward(net, a, off, start=l)[-1] for a in product((1.0, off), repeat=n_l)]
    return [min(sum(hamming(out, Y[e]) for e in ex) for out in outs) for ex in members]


# --------------------------------------------------------------------------
# Hopfield networks
# --------------------------------------------------------------------------


def hopfield_weights(memories, n, rule, encoding="pm1"):
    """w_ij = sum over memories of c0 + c1 (o_i + o_j) + c2 o_i o_j + c3 (o_i^2 + o_j^2), w_ii = 0."""
    c0, c1, c2, c3 = rule
    w = [[0] * n for _ in range(n)]
    for m in memories:
        o = [(2 * bit(m, i) - 1) if encoding == "pm1" else bit(m, i) for i in range(n)]
        for i in range(n):
            for j in range(n):
                if i != j:
                    w[i][j] += c0 + c1 * (o[i] + o[j]) + c2 * o[i] * o[j] + c3 * (o[i] ** 2 + o[j] ** 2)
    return w


def hopfield_energy(w, p, n, encoding="pm1"):
    o = [(2 * bit(p, i) - 1) if encoding == "pm1" else bit(p, i) for i in range(n)]
    return -sum(w[i][j] * o[i] * o[j] for i in range(n) for j in range(i + 1, n))


def hopfield_orientation(memories, n, rule, encoding="pm1"):
    """(set of directed edges (from, to) toward lower energy, set of tied edges (a, b) with a < b)."""
    w = hopfield_weights(memories, n, rule, encoding)
    e = [hopfield_energy(w, p, n, encoding) for p in range(2**n)]
    down, ties = set(), set()
    for p in range(2**n):
        for i in range(n):
            q = p ^ (1 << i)
            if p < q:
                if e[p] == e[q]:
                    ties.add((p, q))
                elif e[q] < e[p]:
                    down.add((p, q))
                else:
                    down.add((q, p))
    return down, ties


def cube_isometry(p, n, perm, flips):
    """Bit i of the image is bit perm[i] of p, xor bit i of flips."""
    return sum(bit(p, perm[i]) << i for i in range(n)) ^ flips


# --------------------------------------------------------------------------
# image files and single-unit learning (gates.io.datasets, gates.studies.single_unit)
# --------------------------------------------------------------------------

IDX_FORMATS = {0x08: "B", 0x09: "b", 0x0B: "h", 0x0C: "i", 0x0D: "f", 0x0E: "d"}


def idx_bytes(values, shape, code):
    """An IDX file as bytes: 0, 0, type code, ndim, big-endian uint32 dims, big-endian data.

    `values` is the flat list of entries in row-major order.
    """
    import struct

    head = bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape)
    fmt = ">" + IDX_FORMATS[code]
    return head + b"".join(struct.pack(fmt, v) for v in values)


def with_bias(x, bias=True):
    return list(x) + [1.0] if bias else list(x)


def dot(u, v):
    return sum(a * b for a, b in zip(u, v))


def hebb_condition(X, t, bias=True):
    """The canonical-form condition by plain loops.

    Returns (holds, min_margin, min_cosine, all_pairwise_positive, margins):
    c_k = t_k x~_k, C = sum_k c_k, holds iff every c_k . C > 0.
    """
    c = [[tk * v for v in with_bias(x, bias)] for x, tk in zip(X, t)]
    C = [sum(ck[j] for ck in c) for j in range(len(c[0]))]
    margins = [dot(ck, C) for ck in c]
    normC = math.sqrt(dot(C, C))
    cosines = []
    for ck, m in zip(c, margins):
        den = math.sqrt(dot(ck, ck)) * normC
        cosines.append(m / den if den > 0 else 0.0)
    pairwise = all(dot(c[k], c[l]) > 0 for k in range(len(c)) for l in range(len(c)) if k != l)
    return all(m > 0 for m in margins), min(margins), min(cosines), pairwise, margins


def clamped_hebb_gate(X, t, w0, epochs, eta, orders=None, bias=True):
    """Train a threshold gate by clamped Hebb, dw = eta t x~, one example at a time.

    `orders` is a list of per-epoch presentation orders (default: 0..P-1).
    Returns (final weights, learnt) with learnt iff t_k (w . x~_k) > 0 for all k.
    """
    w = [float(v) for v in w0]
    P = len(X)
    for e in range(epochs):
        for k in (orders[e] if orders is not None else range(P)):
            xt = with_bias(X[k], bias)
            for j in range(len(w)):
                w[j] += eta * t[k] * xt[j]
    learnt = all(t[k] * dot(w, with_bias(X[k], bias)) > 0 for k in range(P))
    return w, learnt


def perceptron_separates(X, t, epochs=1000):
    """True if the perceptron rule (with bias) reaches zero errors on (X, t), t in {-1, +1}."""
    w = [0.0] * (len(X[0]) + 1)
    for _ in range(epochs):
        mistakes = 0
        for x, tk in zip(X, t):
            xt = with_bias(x)
            if tk * dot(w, xt) <= 0:
                mistakes += 1
                for j in range(len(w)):
                    w[j] += tk * xt[j]
        if mistakes == 0:
            return True
    return False


def principal_eigenvector(X, iterations=2000):
    """Unit principal eigenvector of X^T X / N by power iteration (lists)."""
    N, D = len(X), len(X[0])
    R = [[sum(x[i] * x[j] for x in X) / N for j in range(D)] for i in range(D)]
    v = [1.0 + 0.01 * i for i in range(D)]
    for _ in range(iterations):
        v = [dot(row, v) for row in R]
        s = math.sqrt(dot(v, v))
        v = [a / s for a in v]
    return v


def riccati_rk4(a, b, c, w0, t_end, steps=2000):
    """w(t_end) for dw/dt = a + b w + c w^2 from w(0) = w0, by classical Runge-Kutta (:func:`rk4`)."""
    return rk4(lambda w: a + b * w + c * w * w, w0, t_end, steps)


# --------------------------------------------------------------------------
# linear units (gates.linear_unit): per-sample averages, plain-loop training, RK4
# --------------------------------------------------------------------------


def linear_term_average(rows, targets, w, a, b, c, d, transfer=None):
    """[average over examples p of O_p^a I_pj^b w_j^c T_p^d for each j], O_p = transfer(sum_k w_k I_pk).

    transfer None is the identity (a linear unit)."""
    n = len(w)
    out = []
    for j in range(n):
        total = 0.0
        for p, row in enumerate(rows):
            o = sum(w[k] * row[k] for k in range(n))
            o = transfer(o) if transfer else o
            t = targets[p] if d else 1.0
            total += o**a * row[j] ** b * w[j] ** c * t**d
        out.append(total / len(rows))
    return out


def linear_rule_step(rows, targets, w, terms, transfer=None):
    """[average over p of sum_m coef O^a x_j^b w_j^c T^d] for each j (terms: (coef, a, b, c, d))."""
    out = [0.0] * len(w)
    for coef, a, b, c, d in terms:
        avg = linear_term_average(rows, targets, w, a, b, c, d, transfer)
        out = [u + coef * v for u, v in zip(out, avg)]
    return out


def linear_simulate_batch(rows, targets, w0, eta, epochs, terms, transfer=None):
    """Batch epochs w <- w + eta * average_p F(O_p, I_p, w, T_p); returns [w_0, ..., w_epochs].

    O_p = transfer(w . I_p), the identity (a linear unit) when transfer is None."""
    w = list(w0)
    out = [list(w)]
    for _ in range(epochs):
        step = linear_rule_step(rows, targets, w, terms, transfer)
        w = [wj + eta * s for wj, s in zip(w, step)]
        out.append(list(w))
    return out


def linear_simulate_online(rows, targets, w0, eta, orders, terms, transfer=None):
    """Online epochs: rows visited in orders[e], step eta / P per row; returns [w_0, ..., w_E].

    O = transfer(w . I_p), the identity (a linear unit) when transfer is None."""
    P, n = len(rows), len(w0)
    w = list(w0)
    out = [list(w)]
    for order in orders:
        for p in order:
            row = rows[p]
            o = sum(w[k] * row[k] for k in range(n))
            o = transfer(o) if transfer else o
            t = targets[p] if targets is not None else 0.0
            f = [sum(coef * o**a * row[j] ** b * w[j] ** c * t**d for coef, a, b, c, d in terms) for j in range(n)]
            w = [w[j] + eta / P * f[j] for j in range(n)]
        out.append(list(w))
    return out


def rk4(f, w0, t_end, steps):
    """Classical Runge-Kutta for dw/dt = f(w), w a float, fixed step t_end / steps."""
    h = t_end / steps
    w = w0
    for _ in range(steps):
        k1 = f(w)
        k2 = f(w + h * k1 / 2)
        k3 = f(w + h * k2 / 2)
        k4 = f(w + h * k3)
        w += h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
    return w


def gaussian_moment(mean, cov, idx):
    """E[z_i z_j ...] for z ~ N(mean, cov) and up to three indices (Isserlis, uncentred).

    E[z_i] = m_i; E[z_i z_j] = C_ij + m_i m_j;
    E[z_i z_j z_k] = m_i m_j m_k + m_i C_jk + m_j C_ik + m_k C_ij.
    """
    m, C = mean, cov
    if len(idx) == 0:
        return 1.0
    if len(idx) == 1:
        return m[idx[0]]
    if len(idx) == 2:
        i, j = idx
        return C[i][j] + m[i] * m[j]
    i, j, k = idx
    return m[i] * m[j] * m[k] + m[i] * C[j][k] + m[j] * C[i][k] + m[k] * C[i][j]


# --------------------------------------------------------------------------
# rule discovery: raw polynomials and full-batch gate dynamics
# --------------------------------------------------------------------------


def poly_rule_value(terms, O, x, w, T=0.0):
    """sum coef O^a x^b w^c T^d over (coef, a, b, c, d) terms, by plain products."""
    total = 0.0
    for coef, a, b, c, d in terms:
        total += coef * _power(O, a) * _power(x, b) * _power(w, c) * _power(T, d)
    return total


def gate_batch_dynamics(terms, n, targets, w0, eta, epochs, step_tol, diverge):
    """Full-batch epochs of a +-1 gate with bias on the n-cube, literally.

    Each epoch every synapse moves by eta * mean over the 2^n inputs of the
    rule at (O, x_j, w_j, T) with O = 1 if w . x~ > 0 else -1. Returns
    "diverges" (norm > diverge or not finite; or, at the end, norm > 1.5 x
    the norm after epoch epochs // 2 and > 10), "converges" (an epoch whose
    largest step is <= step_tol * (1 + norm)) or "oscillates".
    """
    xs = gate_inputs(n, "pm1", True)
    w = [float(a) for a in w0]
    mid = 0.0
    norm = 0.0
    for e in range(epochs):
        d = [0.0] * len(w)
        for p, row in enumerate(xs):
            a = sum(wj * xj for wj, xj in zip(w, row))
            o = 1.0 if a > 0 else -1.0
            for j, xj in enumerate(row):
                d[j] += poly_rule_value(terms, o, xj, w[j], targets[p])
        steps = [eta * dj / len(xs) for dj in d]
        w = [wj + s for wj, s in zip(w, steps)]
        norm = math.sqrt(sum(wj * wj for wj in w))
        if not math.isfinite(norm) or norm > diverge:
            return "diverges"
        if e == epochs // 2:
            mid = norm
        if max(abs(s) for s in steps) <= step_tol * (1.0 + norm):
            return "converges"
    return "diverges" if norm > 1.5 * mid and norm > 10.0 else "oscillates"


# --------------------------------------------------------------------------
# recurrent net unfolded in time (gates.learning.nets.recurrent), plain loops
# --------------------------------------------------------------------------


def _recurrent_f(z, activation):
    return math.tanh(z) if activation == "tanh" else 1.0 / (1.0 + math.exp(-z))


def recurrent_forward(w, X, n_in, n_hidden, n_out, steps, activation="tanh"):
    """Outputs y_p, literally: h_0 = 0, h_t = f(U [x_t; 1] + V h_{t-1}), y = C [h_steps; 1].

    w is the flat list [U row by row, V row by row, C row by row] with U
    (n_hidden x (n_in + 1)), V (n_hidden x n_hidden), C (n_out x (n_hidden
    + 1)), bias last in each row. X[p][t][j] is input j of example p at
    step t + 1. Returns a list of P lists of n_out floats.
    """
    w = [float(a) for a in w]
    v_off = n_hidden * (n_in + 1)
    c_off = v_off + n_hidden * n_hidden
    assert len(w) == c_off + n_out * (n_hidden + 1)
    out = []
    for x in X:
        h = [0.0] * n_hidden
        for t in range(steps):
            new = []
            for i in range(n_hidden):
                z = w[i * (n_in + 1) + n_in]  # bias
                for j in range(n_in):
                    z += w[i * (n_in + 1) + j] * float(x[t][j])
                for j in range(n_hidden):
                    z += w[v_off + i * n_hidden + j] * h[j]
                new.append(_recurrent_f(z, activation))
            h = new
        y = []
        for k in range(n_out):
            s = w[c_off + k * (n_hidden + 1) + n_hidden]  # bias
            for j in range(n_hidden):
                s += w[c_off + k * (n_hidden + 1) + j] * h[j]
            y.append(s)
        out.append(y)
    return out


def recurrent_error(w, X, T, n_in, n_hidden, n_out, steps, activation="tanh"):
    """E = 1/(2P) sum_p sum_k (y_pk - T_pk)^2 from :func:`recurrent_forward`."""
    Y = recurrent_forward(w, X, n_in, n_hidden, n_out, steps, activation)
    total = 0.0
    for y, t in zip(Y, T):
        for a, b in zip(y, t):
            total += (a - float(b)) ** 2
    return total / (2 * len(Y))


def recurrent_fd_gradient(w, X, T, n_in, n_hidden, n_out, steps, activation="tanh", h=1e-5):
    """Central differences (E(w + h e_i) - E(w - h e_i)) / 2h of :func:`recurrent_error`, a list."""
    w = [float(a) for a in w]
    g = []
    for i in range(len(w)):
        up = w[:i] + [w[i] + h] + w[i + 1 :]
        dn = w[:i] + [w[i] - h] + w[i + 1 :]
        e_up = recurrent_error(up, X, T, n_in, n_hidden, n_out, steps, activation)
        e_dn = recurrent_error(dn, X, T, n_in, n_hidden, n_out, steps, activation)
        g.append((e_up - e_dn) / (2 * h))
    return g


# --------------------------------------------------------------------------
# layered tanh / logistic nets of the learning channel (gates.learning.nets.feedforward), plain loops
# --------------------------------------------------------------------------


def layered_forward(w, X, sizes, activation="tanh", bump=None):
    """Outputs of the layered net, literally, from the flat weight list.

    Layer l (1-based) has sizes[l] units; unit i computes z = sum_j
    W_l[i][j] a_{l-1}[j] + W_l[i][n] (bias last, n = sizes[l-1]), read from w
    row by row, layer after layer; hidden units output f(z), f = tanh or the
    logistic 1 / (1 + e^-z); the output layer is linear. `bump` = (l, i,
    amount) adds `amount` to z of unit i of layer l for every example.
    Returns a list of P lists of sizes[-1] floats.
    """
    w = [float(a) for a in w]
    L = len(sizes) - 1
    out = []
    for x in X:
        a = [float(v) for v in x]
        off = 0
        for l in range(1, L + 1):
            n, m = sizes[l - 1], sizes[l]
            nxt = []
            for i in range(m):
                z = w[off + i * (n + 1) + n]
                for j in range(n):
                    z += w[off + i * (n + 1) + j] * a[j]
                if bump is not None and bump[0] == l and bump[1] == i:
                    z += bump[2]
                if l < L:
                    z = math.tanh(z) if activation == "tanh" else 1.0 / (1.0 + math.exp(-z))
                nxt.append(z)
            off += m * (n + 1)
            a = nxt
        out.append(a)
    return out


def layered_error(w, X, T, sizes, activation="tanh", bump=None):
    """E = 1/(2P) sum_p sum_k (y_pk - T_pk)^2 of :func:`layered_forward`."""
    Y = layered_forward(w, X, sizes, activation, bump)
    total = 0.0
    for y, t in zip(Y, T):
        for a, b in zip(y, t):
            total += (a - float(b)) ** 2
    return total / (2 * len(Y))


def central_gradient(fun, w, h=1e-6):
    """(fun(w + h e_i) - fun(w - h e_i)) / 2h for every i, a list."""
    w = [float(a) for a in w]
    g = []
    for i in range(len(w)):
        up = w[:i] + [w[i] + h] + w[i + 1 :]
        dn = w[:i] + [w[i] - h] + w[i + 1 :]
        g.append((fun(up) - fun(dn)) / (2 * h))
    return g


def layered_unit_deltas(w, X, T, sizes, activation="tanh", h=1e-6):
    """dE_p/dz_{p,i} by central differences of one example's error, E_p =
    ||y_p - T_p||^2 / (2P): a P x N list, units layer by layer."""
    P = len(X)
    rows = []
    for x, t in zip(X, T):
        row = []
        for l in range(1, len(sizes)):
            for i in range(sizes[l]):
                up = layered_error(w=w, X=[x], T=[t], sizes=sizes, activation=activation, bump=(l,i,h))
                dn = layered_error(w=w, X=[x], T=[t], sizes=sizes, activation=activation, bump=(l,i,-h))
                row.append((up - dn) / (2 * h) / P)  # layered_error of [x] divides by 2, E_p by 2P
        rows.append(row)
    return rows


def sphere_abs_cos(W, steps=20000):
    """E|cos(u, g)| for u uniform on the sphere of R^W (W >= 2), by the midpoint
    rule: the angle phi to a fixed axis has density proportional to
    sin(phi)^(W-2) on [0, pi]."""
    num = den = 0.0
    for s in range(steps):
        phi = math.pi * (s + 0.5) / steps
        d = math.sin(phi) ** (W - 2)
        num += abs(math.cos(phi)) * d
        den += d
    return num / den


def sqrt_beta_mean(a, b, steps=20000):
    """E sqrt(X) for X ~ Beta(a, b) (a, b >= 1/2), by the midpoint rule after
    X = sin^2(phi): the density of phi on [0, pi/2] is proportional to
    sin(phi)^(2a-1) cos(phi)^(2b-1)."""
    num = den = 0.0
    for s in range(steps):
        phi = 0.5 * math.pi * (s + 0.5) / steps
        d = math.sin(phi) ** (2 * a - 1) * math.cos(phi) ** (2 * b - 1)
        num += math.sin(phi) * d
        den += d
    return num / den


def positive_max_mean(k, top=14.0, steps=40000):
    """E[max(0, max of k iid N(0, 1))] = int_0^inf z k phi(z) Phi(z)^(k-1) dz, midpoint rule."""
    total = 0.0
    dz = top / steps
    for s in range(steps):
        z = (s + 0.5) * dz
        phi = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        Phi = 0.5 * (1 + math.erf(z / math.sqrt(2)))
        total += z * k * phi * Phi ** (k - 1) * dz
    return total


# --------------------------------------------------------------------------
# the output gate on frozen features (reference for gates.learning.two_layer_exact)
# --------------------------------------------------------------------------


def fibre_constant(v, rows):
    """True if inputs with equal feature rows have equal values f(p) (v's bits)."""
    seen = {}
    for p, row in enumerate(rows):
        if seen.setdefault(tuple(row), bit(v, p)) != bit(v, p):
            return False
    return True


def _unique_solution(a, b):
    """The unique rational x with a x = b (a: list of rows), or None if none or many."""
    rows = [[Fraction(v) for v in row] + [Fraction(bv)] for row, bv in zip(a, b)]
    k = len(a[0])
    r = 0
    for col in range(k):
        pivot = None
        for i in range(r, len(rows)):
            if rows[i][col] != 0:
                pivot = i
                break
        if pivot is None:
            return None  # a free unknown: not unique
        rows[r], rows[pivot] = rows[pivot], rows[r]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                f = rows[i][col] / rows[r][col]
                rows[i] = [x - f * y for x, y in zip(rows[i], rows[r])]
        r += 1
    if any(row[k] != 0 for row in rows[r:]):
        return None  # inconsistent
    return [rows[i][k] / rows[i][i] for i in range(k)]


def zero_in_hull(vectors):
    """Convex weights (Fractions) on some of `vectors` summing to the zero vector, or None.

    Complete by Caratheodory's theorem: if 0 is in the convex hull, it is a
    convex combination of affinely independent vectors, and for those the
    system sum_j l_j a_j = 0, sum_j l_j = 1 has a unique solution. So every
    subset is tried (smallest first) and a unique nonnegative solution
    returned; None means 0 is not in the hull.
    """
    dim = len(vectors[0])
    subsets = sorted(range(1, 2 ** len(vectors)), key=popcount)
    for mask in subsets:
        subset = [j for j in range(len(vectors)) if (mask >> j) & 1]
        if len(subset) > dim + 1:
            break  # affinely independent sets in R^dim have at most dim + 1 points
        a = [[vectors[j][l] for j in subset] for l in range(dim)] + [[1] * len(subset)]
        x = _unique_solution(a, [0] * dim + [1])
        if x is not None and all(v >= 0 for v in x):
            return dict(zip(subset, x))
    return None


def integer_separator(vectors, epochs=50):
    """Integer w with every a . w > 0, by the integer perceptron from 0, or None within `epochs`."""
    w = [0] * len(vectors[0])
    for _ in range(epochs):
        clean = True
        for a in vectors:
            if sum(x * y for x, y in zip(a, w)) <= 0:
                clean = False
                w = [x + y for x, y in zip(w, a)]
        if clean:
            return w
    return None


def strictly_separable(rows, v):
    """Is there w with T~(p) (w . rows[p]) > 0 for every p?  (T~ = +-1 from v's bits.)

    Gordan's theorem: exactly one of "some w has a_p . w > 0 for all p" and
    "0 is a convex combination of the a_p" holds (a_p = T~(p) rows[p]), so
    the perceptron's certificate settles the first and zero_in_hull, which
    is complete, the second. Returns (separable, integer w or None).
    """
    vectors = [[(1 if bit(v, p) else -1) * x for x in row] for p, row in enumerate(rows)]
    w = integer_separator(vectors)
    if w is not None:
        return True, w
    return zero_in_hull(vectors) is None, None


def output_verdicts(rows, rule, encoding="pm1", recoded=False):
    """(learnt, ties): the sets of tables an output gate reaches on frozen feature rows.

    rows[p] is the feature row of input p (integers in {-1, 0, 1}); every
    one of the 2^P functions is tried literally. Only a function constant
    on equal rows can be learnt. hebb / oja: w = c = sum_p T(p) rows[p],
    T = +-1 (pm1) or 1/0 (01); hebb-tanh: w = sign(c); learnt if every
    T~(p) (w . rows[p]) > 0, a tie if the smallest is 0. gradient: learnt
    iff strictly separable; no ties. `recoded` (0/1 rows): c = sum_p T~(p)
    (2 rows[p] - 1) with T~ = +-1 (the +-1 rule's weights; a bias 1 stays 1),
    the margins still on rows[p].
    """
    P = len(rows)
    learnt, ties = set(), set()
    for v in range(2**P):
        if not fibre_constant(v, rows):
            continue
        if rule == "gradient":
            if strictly_separable(rows, v)[0]:
                learnt.add(v)
            continue
        c = [0] * len(rows[0])
        for p, row in enumerate(rows):
            t = 1 if bit(v, p) else (-1 if encoding == "pm1" or recoded else 0)
            for j, x in enumerate(row):
                c[j] += t * (2 * x - 1 if recoded else x)
        if rule == "hebb-tanh":
            c = [(x > 0) - (x < 0) for x in c]
        margin = min((1 if bit(v, p) else -1) * sum(a * b for a, b in zip(c, row)) for p, row in enumerate(rows))
        if margin > 0:
            learnt.add(v)
        elif margin == 0:
            ties.add(v)
    return learnt, ties


# --------------------------------------------------------------------------
# relaxed networks: backprop on tanh, straight-through estimator (gates.learning.deep_baselines)
# --------------------------------------------------------------------------


def relaxed_step_reference(net, X, Y, lr, ste, adam=None):
    """One minibatch step, literally, on a network of lists (gate = weights then bias), in place.

    Loss 1/2 sum over the batch and outputs of (y - Y)^2, y through tanh
    (or sign, with dsign/da taken as 1 when |a| <= 1, else 0: the
    straight-through estimator); the gradient of every weight is summed
    example by example by the chain rule, then averaged over the batch.
    Plain step w -= lr g, or with `adam` = {"b1", "b2", "eps", "t", "m", "v"}
    (m, v: lists shaped like net) Adam's update: t += 1,
    m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
    w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
    """
    grads = [[[0.0] * len(gate) for gate in layer] for layer in net]
    for x, y in zip(X, Y):
        acts, pres = [list(x)], []
        for layer in net:
            a = [g[-1] + sum(w * v for w, v in zip(g[:-1], acts[-1])) for g in layer]
            pres.append(a)
            acts.append([(1.0 if s > 0 else -1.0) if ste else math.tanh(s) for s in a])
        # dE/dy for the output layer, then layer by layer downward
        dy = [o - t for o, t in zip(acts[-1], y)]
        for k in range(len(net) - 1, -1, -1):
            slope = [(1.0 if abs(s) <= 1.0 else 0.0) if ste else 1.0 - o * o for s, o in zip(pres[k], acts[k + 1])]
            da = [d * s for d, s in zip(dy, slope)]
            for i, gate in enumerate(net[k]):
                for j in range(len(gate) - 1):
                    grads[k][i][j] += da[i] * acts[k][j]
                grads[k][i][-1] += da[i]
            dy = [sum(da[i] * net[k][i][j] for i in range(len(net[k]))) for j in range(len(acts[k]))]
    n = len(X)
    if adam is not None:
        adam["t"] += 1
    for k, layer in enumerate(net):
        for i, gate in enumerate(layer):
            for j in range(len(gate)):
                g = grads[k][i][j] / n
                if adam is None:
                    gate[j] -= lr * g
                    continue
                b1, b2, t = adam["b1"], adam["b2"], adam["t"]
                adam["m"][k][i][j] = b1 * adam["m"][k][i][j] + (1 - b1) * g
                adam["v"][k][i][j] = b2 * adam["v"][k][i][j] + (1 - b2) * g * g
                mhat = adam["m"][k][i][j] / (1 - b1**t)
                vhat = adam["v"][k][i][j] / (1 - b2**t)
                gate[j] -= lr * mhat / (math.sqrt(vhat) + adam["eps"])

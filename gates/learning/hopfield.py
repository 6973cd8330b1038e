"""Hopfield networks, acyclic orientations of the n-cube, and isometry invariance (Baldi & Sadowski 2016: Hopfield networks).

A Hopfield network of n threshold units with symmetric weights and no
self-connections has the energy E(o) = -sum_{i<j} w_ij o_i o_j (- sum_i
theta_i o_i with thresholds). Directing every edge of the n-cube (states
one unit apart) toward lower energy gives an orientation, a networkx
``DiGraph`` on the nodes of ``networkx.hypercube_graph(n)``; edges whose
ends have equal energy are *ties*, reported apart and never oriented.
Asynchronous dynamics follow the orientation down to its sinks.

Weights are stored from memories by a symmetric local rule of degree <= 2,

    w_ij = sum_mu  c0 + c1 (o_i + o_j) + c2 o_i o_j + c3 (o_i^2 + o_j^2),

given by its coefficients (c0, c1, c2, c3); simple Hebb is (0, 0, 1, 0).
Weights are integers for integer coefficients and memories, so energies
and ties are exact.

An isometry of the cube permutes coordinates and flips some of them
(2^n n! maps): g(o)_i = o_{perm[i]}, negated (pm1) or complemented (01)
where ``flips`` has bit i. Storage commutes with g when storing g(memories)
gives the orientation g(O) of storing the memories.

States are integers p (unit i is on where bit i of p is set); networkx
nodes are the tuples of ``hypercube_graph`` (position i is unit i).

This module is long because it keeps one concept whole, the oriented cube
of a stored memory set and its isometries, from the storage rule to the
study and the search that check it, and its docstrings carry running
examples.
"""

import itertools
import math
import time

import networkx as nx
import numpy as np

from gates._validate import is_int
from gates.boolean.truth import ENCODINGS
from gates.errors import InputError, require_memory
from gates.io.results import Result

__all__ = [
    "HEBB",
    "parse_storage_rule",
    "default_isometries",
    "storage_weights",
    "energies",
    "orientation",
    "Orientation",
    "isometry_map",
    "isometries",
    "check_invariance",
    "dynamics",
    "uniqueness_search",
    "classify_invariant",
    "hopfield_study",
    "uniqueness_rows",
    "isometry_count",
    "hopfield_work",
]

HEBB = (0, 0, 1, 0)
MAX_N = 16


def _check_n(n, top=MAX_N):
    if not is_int(n) or not 1 <= n <= top:
        raise InputError(f"n must be an integer with 1 <= n <= {top}, got {n!r}")
    return int(n)


def _check_rule(rule):
    try:
        c = tuple(int(v) for v in rule)
    except (TypeError, ValueError):
        c = None
    if c is None or len(c) != 4 or any(int(v) != v for v in rule):
        raise InputError(f"a storage rule is four integer coefficients (c0, c1, c2, c3) of c0 + c1 (o_i + o_j) "
                         f"+ c2 o_i o_j + c3 (o_i^2 + o_j^2); got {rule!r}")
    return c


def _values(bits, encoding):
    if encoding not in ENCODINGS:
        raise InputError(f"encoding {encoding!r} is unknown: allowed {', '.join(ENCODINGS)}")
    return 2 * bits - 1 if encoding == "pm1" else bits


def _state_bits(states, n):
    return ((np.asarray(states, dtype=np.int64)[:, None] >> np.arange(n)) & 1).astype(np.int64)


def storage_weights(memories, n, rule=HEBB, encoding="pm1"):
    """Integer weights (n, n), symmetric with a zero diagonal, from memory states (ints).

    Parameters
    ----------
    memories : sequence of int
        States 0 <= p < 2^n (bit i of p is unit i).
    n : int
        Units, 1 <= n <= 16.
    rule : tuple of 4 int, default HEBB = (0, 0, 1, 0)
        (c0, c1, c2, c3) of w_ij = sum_mu c0 + c1 (o_i + o_j) + c2 o_i o_j + c3 (o_i^2 + o_j^2).
    encoding : {"pm1", "01"}, default "pm1"

    Returns
    -------
    (n, n) int64 array

    Raises
    ------
    InputError
        When n, the rule, the encoding or a memory is out of range.

    Examples
    --------
    Hebb on the one memory (+1, +1, -1) (state 0b011): w_ij = o_i o_j.

    >>> storage_weights([0b011], 3).tolist()
    [[0, 1, -1], [1, 0, -1], [-1, -1, 0]]
    """
    n = _check_n(n)
    c0, c1, c2, c3 = _check_rule(rule)
    mem = np.asarray(memories, dtype=np.int64).reshape(-1)
    if np.any(mem < 0) or np.any(mem >= 1 << n):
        raise InputError(f"memories are states 0 <= p < 2^{n}, got {mem.tolist()}")
    o = _values(_state_bits(mem, n), encoding)  # (M, n)
    sq = o * o
    W = (c0 * len(mem) + c1 * (o.sum(0)[:, None] + o.sum(0)[None, :]) + c2 * (o.T @ o)
         + c3 * (sq.sum(0)[:, None] + sq.sum(0)[None, :]))
    W = np.asarray(W, dtype=np.int64)
    np.fill_diagonal(W, 0)
    return W


def energies(W, n, encoding="pm1", thresholds=None):
    """E(o) = -sum_{i<j} w_ij o_i o_j - sum_i theta_i o_i for all 2^n states (int64 when W is integer)."""
    n = _check_n(n)
    require_memory((1 << n) * n * 8 * 3, f"the energies of all 2^{n} states", "use a smaller n")
    o = _values(_state_bits(np.arange(1 << n), n), encoding)
    W = np.asarray(W)
    e = -((o @ W) * o).sum(axis=1) // 2 if W.dtype.kind in "iu" else -0.5 * ((o @ W) * o).sum(axis=1)
    if thresholds is not None:
        e = e - o @ np.asarray(thresholds)
    return e


class Orientation:
    """The oriented n-cube: directed edges (from, to) toward lower energy, and ties."""

    def __init__(self, n, energy):
        self.n = n
        self.energy = energy
        p = np.arange(1 << n)
        src, dst = [], []
        for i in range(n):
            lo = p[(p >> i) & 1 == 0]
            src.append(lo)
            dst.append(lo | (1 << i))
        a, b = np.concatenate(src), np.concatenate(dst)  # every edge once, a < b
        ea, eb = energy[a], energy[b]
        down_ab = eb < ea
        down_ba = ea < eb
        tie = ea == eb
        self.edges = np.concatenate([np.stack([a[down_ab], b[down_ab]], 1), np.stack([b[down_ba], a[down_ba]], 1)])
        self.ties = np.stack([a[tie], b[tie]], 1)

    def graph(self):
        """A networkx DiGraph on the nodes of hypercube_graph(n), oriented edges only."""
        lookup = _cube_nodes(self.n)
        G = nx.DiGraph()
        G.add_nodes_from(lookup.values())
        G.add_edges_from((lookup[int(u)], lookup[int(v)]) for u, v in self.edges)
        return G

    def sinks(self):
        """States with no edge leaving them and no tie (strict local minima)."""
        out = np.zeros(1 << self.n, bool)
        out[self.edges[:, 0]] = True
        out[self.ties.reshape(-1)] = True
        return np.nonzero(~out)[0]

    def edge_set(self):
        return {(int(u), int(v)) for u, v in self.edges}


def _cube_nodes(n):
    """State p -> its node in networkx.hypercube_graph(n): a tuple whose position i is unit i
    (networkx uses plain 0, 1 for n = 1)."""
    out = {}
    for t in nx.hypercube_graph(n).nodes():
        bits = t if isinstance(t, tuple) else (t,)
        out[sum(int(v) << i for i, v in enumerate(bits))] = t
    return out


def orientation(memories, n, rule=HEBB, encoding="pm1", thresholds=None):
    """The orientation of the n-cube induced by storing `memories` with `rule`.

    Parameters
    ----------
    memories, n, rule, encoding
        As for :func:`storage_weights`.
    thresholds : (n,) array, optional
        Thresholds theta_i of the energy (default none).

    Returns
    -------
    Orientation
        ``edges`` (from, to) toward lower energy, ``ties``, ``energy``, ``sinks()`` and ``graph()``.

    Examples
    --------
    Storing one memory with Hebb makes it (3) and its complement (4) the
    only strict minima; of the n 2^(n-1) = 12 edges of the 3-cube, 6 are
    oriented and 6 join states of equal energy (ties):

    >>> o = orientation([0b011], 3)
    >>> len(o.edges), len(o.ties), o.sinks().tolist()
    (6, 6, [3, 4])
    """
    W = storage_weights(memories, n, rule, encoding)
    return Orientation(n, energies(W, n, encoding, thresholds))


def isometry_map(n, perm, flips):
    """The state map of g = (perm, flips): bit i of g(p) is bit perm[i] of p, xor bit i of flips.

    Parameters
    ----------
    n : int
    perm : sequence of int
        A permutation of 0..n-1.
    flips : int
        Bit mask of the flipped coordinates, 0 <= flips < 2^n.

    Returns
    -------
    (2^n,) int array
        g(p) for every state p.

    Raises
    ------
    InputError
        When perm is not a permutation or flips is out of range.

    Examples
    --------
    >>> isometry_map(2, (1, 0), 0).tolist()  # swap the two units
    [0, 2, 1, 3]
    """
    n = _check_n(n)
    perm = [int(v) for v in perm]
    if sorted(perm) != list(range(n)) or not 0 <= int(flips) < 1 << n:
        raise InputError(f"an isometry of the {n}-cube is a permutation of 0..{n - 1} and flips in 0..2^{n}-1, "
                         f"got perm={perm}, flips={flips}")
    p = np.arange(1 << n)
    q = np.zeros_like(p)
    for i, src in enumerate(perm):
        q |= ((p >> src) & 1) << i
    return q ^ int(flips)


def isometries(n, which="all", seed=0):
    """Yield the isometries (perm, flips) of the n-cube: all 2^n n! of them, or K drawn uniformly.

    An isometry permutes the coordinates and flips some of them; it maps
    state p to the state whose bit i is bit ``perm[i]`` of p, xor bit i of
    ``flips`` (:func:`isometry_map`). The group is the hyperoctahedral group
    B_n, of order 2^n n!.

    Parameters
    ----------
    n : int
        Dimension of the cube, 1 <= n <= 16.
    which : str, default "all"
        ``"all"`` (every isometry, at most 10,000,000 of them: n <= 8) or
        ``"sample:K"`` (K isometries drawn uniformly with replacement).
    seed : int, default 0
        Seed of the sample (unused for ``"all"``).

    Yields
    ------
    perm : tuple of int
        A permutation of 0..n-1.
    flips : int
        The coordinates flipped, as a bit mask in 0..2^n - 1.

    Raises
    ------
    InputError
        When n is out of range, `which` is neither form, or ``"all"`` is too
        many (raised when the iteration starts).

    Examples
    --------
    The cube of dimension 3 has 2^3 3! = 48 isometries (OEIS A000165):

    >>> len(list(isometries(3)))
    48
    >>> next(isometries(3))
    ((0, 1, 2), 0)
    >>> len(list(isometries(10, "sample:5", seed=1)))
    5
    """
    n = _check_n(n)
    if which == "all":
        if math.factorial(n) << n > 10_000_000:
            raise InputError(f"all {math.factorial(n) << n:,} isometries of the {n}-cube is too many: "
                             "use --isometries sample:K")
        for perm in itertools.permutations(range(n)):
            for flips in range(1 << n):
                yield perm, flips
        return
    if isinstance(which, str) and which.startswith("sample:") and which[7:].isdigit() and int(which[7:]) > 0:
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 6]))
        for _ in range(int(which[7:])):
            yield tuple(int(v) for v in rng.permutation(n)), int(rng.integers(0, 1 << n))
        return
    raise InputError(f"isometries {which!r}: allowed all or sample:K (K > 0)")


def check_invariance(memories, n, perm, flips, rule=HEBB, encoding="pm1", base=None, use_networkx=False):
    """Does storing g(memories) give g(O)? The isometry invariance of a storage rule (paper section 6).

    O is the orientation of the n-cube induced by storing `memories` with
    `rule`; g = (perm, flips) is an isometry of the cube. Compares the
    oriented edge sets and the tie sets exactly; with `use_networkx` also
    checks that relabelling O's DiGraph by g gives the DiGraph of the stored
    images (``networkx.utils.graphs_equal``).

    Parameters
    ----------
    memories : sequence of int
        The stored states (bit i of a state is unit i).
    n : int
        Units, 1 <= n <= 16.
    perm, flips : sequence of int, int
        The isometry (see :func:`isometries`).
    rule : tuple of 4 int, default HEBB = (0, 0, 1, 0)
        Coefficients (c0, c1, c2, c3) of the storage rule (see :func:`storage_weights`).
    encoding : {"pm1", "01"}, default "pm1"
        Activity coding.
    base : Orientation, optional
        The orientation of `memories` if already computed (saves one build).
    use_networkx : bool, default False
        Also compare the networkx graphs (slower; a cross-check).

    Returns
    -------
    invariant : bool
        True when storing g(memories) orients every edge as g(O) and ties
        the same edges.
    example : dict or None
        When not invariant: the memories, perm, flips, one edge that differs
        (``edge_differs``) and whether the ties differ (``ties_differ``).

    Raises
    ------
    InputError
        When n, the rule, the memories, the encoding or the isometry are invalid.

    Examples
    --------
    Simple Hebb commutes with every isometry; a rule with a linear term
    c1 (o_i + o_j) does not commute with flips:

    >>> check_invariance([3, 5], 3, (2, 0, 1), 0b101)
    (True, None)
    >>> ok, example = check_invariance([3, 5], 3, (0, 1, 2), 0b010, rule=(0, 1, 0, 0))
    >>> ok, example["flips"]
    (False, 2)
    """
    g = isometry_map(n, perm, flips)
    mem = np.asarray(memories, dtype=np.int64).reshape(-1)
    base = orientation(mem, n, rule, encoding) if base is None else base
    image = orientation(g[mem], n, rule, encoding)
    moved = g[base.edges]
    want = _rows(moved)
    got = _rows(image.edges)
    ties_ok = np.array_equal(_rows(np.sort(g[base.ties], axis=1)), _rows(np.sort(image.ties, axis=1)))
    same = np.array_equal(want, got) and ties_ok
    if use_networkx:
        lookup = _cube_nodes(n)
        relabel = {lookup[p]: lookup[int(g[p])] for p in range(1 << n)}
        nx_same = nx.utils.graphs_equal(nx.relabel_nodes(base.graph(), relabel), image.graph())
        if nx_same != (np.array_equal(want, got)):  # pragma: no cover - two computations of one fact
            raise RuntimeError("internal error: networkx and the edge arrays disagree")
    if same:
        return True, None
    diff = sorted(set(map(tuple, want.tolist())) ^ set(map(tuple, got.tolist())))
    example = {"memories": mem.tolist(), "perm": list(perm), "flips": int(flips),
               "edge_differs": list(diff[0]) if diff else None, "ties_differ": not ties_ok}
    return False, example


def _rows(a):
    a = np.asarray(a, dtype=np.int64).reshape(-1, 2)
    return a[np.lexsort((a[:, 1], a[:, 0]))]


def dynamics(memories, n, rule=HEBB, encoding="pm1", seed=0, base=None):
    """Asynchronous dynamics from every state (units visited in a seeded random order,
    sweeps until no unit changes; a unit with zero input keeps its value).

    Returns
    -------
    dict
        ``fixed_point`` of each start (array), ``basins`` {sink: size},
        ``steps_follow_orientation`` (every flip is an oriented edge, taken
        downhill) and ``climbs`` (steps that raised the energy: 0).
    """
    n = _check_n(n)
    W = storage_weights(memories, n, rule, encoding)
    base = orientation(memories, n, rule, encoding) if base is None else base
    E = base.energy
    edges = base.edge_set()
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 8]))
    state = np.arange(1 << n)
    bits = _state_bits(state, n)
    follow, climbs = True, 0
    for _ in range(4 * n * n + 8):  # energy falls by >= 1 per flip: this bound is never reached in practice
        changed = False
        for i in rng.permutation(n):
            o = _values(bits, encoding)
            h = o @ W[i]
            new = np.where(h > 0, 1, np.where(h < 0, 0, bits[:, i]))
            move = new != bits[:, i]
            if move.any():
                before = state[move]
                after = before ^ (1 << int(i))
                climbs += int(np.sum(E[after] > E[before]))
                follow &= all((int(u), int(v)) in edges for u, v in zip(before, after))
                bits[move, i] = new[move]
                state = state ^ (move.astype(np.int64) << int(i))
                changed = True
        if not changed:
            break
    sinks, counts = np.unique(state, return_counts=True)
    return {"fixed_point": state, "basins": dict(zip(sinks.tolist(), counts.tolist())),
            "steps_follow_orientation": bool(follow), "climbs": climbs}


def _random_memories(n, m, rng):
    return rng.choice(1 << n, size=m, replace=False) if m <= 1 << n else rng.integers(0, 1 << n, m)


def uniqueness_search(n=3, coeff_range=(-2, -1, 0, 1, 2), encodings=ENCODINGS, memory_sets=12, seed=0,
                      flips=True):
    """Every rule (c0, c1, c2, c3) with coefficients in `coeff_range`, in each
    encoding: a counterexample to invariance (memories, isometry) or
    ``invariant`` on all `memory_sets` random memory sets (1..3 memories)
    under every isometry of the n-cube.

    Rules whose weights vanish on every memory set tried (all edges ties)
    are reported as ``trivial``: they orient nothing. `flips` False tries
    the permutations only (a mutant of ``gates verify hopfield``: the
    search then misses the counterexamples that need a sign flip).
    """
    return list(uniqueness_rows(n, coeff_range, encodings, memory_sets, seed, flips))


def uniqueness_rows(n, coeff_range, encodings, memory_sets, seed, flips):
    """The rows of :func:`uniqueness_search`, one rule at a time (lazily: a check stops at its first failure)."""
    n = _check_n(n, 5)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 9]))
    sets = [_random_memories(n, int(rng.integers(1, 4)), rng) for _ in range(memory_sets)]
    group = [(perm, mask) for perm, mask in isometries(n, "all") if flips or mask == 0]
    for encoding in encodings:
        for rule in itertools.product(coeff_range, repeat=4):
            verdict, example = "invariant", None
            trivial = all(not storage_weights(m, n, rule, encoding).any() for m in sets)
            for m in sets:
                base = orientation(m, n, rule, encoding)
                for perm, mask in group:
                    ok, ex = check_invariance(m, n, perm, mask, rule, encoding, base)
                    if not ok:
                        verdict, example = "counterexample", ex
                        break
                if example is not None:
                    break
            if verdict == "invariant" and trivial:
                verdict = "trivial"
            yield {"rule": list(rule), "encoding": encoding, "verdict": verdict, "example": example}


def classify_invariant(rule, encoding):
    """Name an invariant rule once the terms constant on the cube are merged
    (pm1: o^2 = 1, so c3 (o_i^2 + o_j^2) = 2 c3 joins c0; 01: o^2 = o, so
    c3 joins c1): ``hebb`` (a positive multiple of simple Hebb),
    ``anti-hebb`` (a negative multiple: the reversed orientation, which
    commutes with every isometry too), ``zero`` (no weights), or ``other``.
    """
    c0, c1, c2, c3 = rule
    const, lin = (c0 + 2 * c3, c1) if encoding == "pm1" else (c0, c1 + c3)
    if const == 0 and lin == 0:
        return "zero" if c2 == 0 else ("hebb" if c2 > 0 and encoding == "pm1" else
                                       "anti-hebb" if encoding == "pm1" else "other")
    return "other"


def isometry_count(n, which="all"):
    """How many isometries :func:`isometries` yields for `which`: 2^n n! for ``"all"``, K for ``"sample:K"``.

    Parameters
    ----------
    n : int
    which : str, default "all"

    Returns
    -------
    int

    Examples
    --------
    >>> isometry_count(3), isometry_count(12, "sample:100")
    (48, 100)
    """
    n = _check_n(n)
    if isinstance(which, str) and which.startswith("sample:") and which[7:].isdigit():
        return int(which[7:])
    return math.factorial(n) << n


# The bar's cost model, in plain isometry checks (measured, two cores): the first checks also compare networkx
# graphs of the 2^n states, which costs about 5 * 2^(n/2) plain checks each (30 at n = 4, 270 at n = 12); building
# the orientation, its graph and the dynamics costs about 130.
_NX_CHECKS = 8
_SETUP = 130


def _nx_cost(n):
    return 1 + round(5 * 2 ** (n / 2))


def hopfield_work(n, which="all", use_networkx=True):
    """The work of :func:`hopfield_study`, in the units its `progress` receives (plain isometry checks).

    One isometry checked counts 1; one also cross-checked with networkx
    graphs (the first 8 with `use_networkx`) counts its measured cost,
    1 + 5 * 2^(n/2); the orientation, its graph and the dynamics count 130.
    So a bar of this total advances with the time spent and ends at 100%.

    Parameters
    ----------
    n, which, use_networkx
        As for :func:`hopfield_study`.

    Returns
    -------
    int

    Examples
    --------
    All 48 isometries of the 3-cube, the first 8 cross-checked (each 1 + round(5 * 2^1.5) = 15):

    >>> hopfield_work(3)  # 130 + 48 + 8 * 14
    290
    """
    count = isometry_count(n, which)
    heavy = min(count, _NX_CHECKS) if use_networkx else 0
    return _SETUP + count + heavy * (_nx_cost(_check_n(n)) - 1)


def _study_text(res):
    """The lines ``gates hopfield`` prints without --json."""
    basins = res["basins"]
    lines = [
        f"Hopfield net n={res['n']} ({res['encoding']}), rule {res['rule']}, memories {res['memories']}",
        f"orientation of the {res['n']}-cube: {res['edges']:,} edges, {res['ties']:,} ties, "
        f"{'acyclic' if res['acyclic'] else 'NOT acyclic'}; {res['minima']} strict minima, "
        f"{res['memories_as_minima']} of {len(res['memories'])} memories among them",
        f"asynchronous dynamics: {basins['count']} fixed points, largest basin {basins['largest']}, "
        f"{'every step follows the orientation' if res['dynamics_follow_orientation'] else 'a step left it'}, "
        f"{res['dynamics_climbs']} climbs",
        f"isometries checked: {res['isometries_checked']:,}, violations: {res['violations']:,}",
    ]
    if res["violation_example"]:
        import json

        lines.append(f"example: {json.dumps(res['violation_example'])}")
    return "\n".join(lines)


def hopfield_study(n, memories=3, rule=HEBB, encoding="pm1", which="all", seed=0, use_networkx=True,
                   progress=None):
    """One memory set (seeded) stored by `rule`: orientation, sinks, dynamics and isometry invariance.

    What ``gates hopfield`` runs (paper section 6): draw `memories` distinct
    random states, store them with `rule`, orient the n-cube toward lower
    energy, check that the orientation is acyclic, count its strict minima,
    run the asynchronous dynamics from every state, and check
    :func:`check_invariance` for every isometry of `which`.

    Parameters
    ----------
    n : int
        Units, 1 <= n <= 16.
    memories : int, default 3
        Random memories stored (distinct while there are enough states).
    rule : tuple of 4 int, default HEBB = (0, 0, 1, 0)
        Coefficients (c0, c1, c2, c3) of the storage rule (see :func:`storage_weights`).
    encoding : {"pm1", "01"}, default "pm1"
        Activity coding.
    which : str, default "all"
        The isometries checked: ``"all"`` or ``"sample:K"`` (see :func:`isometries`).
    seed : int, default 0
        Root seed of the memories, the dynamics' unit order and the sample of isometries.
    use_networkx : bool, default True
        Cross-check the first 8 isometries with networkx graphs too.
    progress : callable, optional
        Called as the work goes, in the units of :func:`hopfield_work` (the
        calls add up to it): the bar of ``gates hopfield``.

    Returns
    -------
    Result
        What ``gates hopfield --json`` prints: ``n``, ``encoding``, ``rule``,
        ``memories`` (the states stored), ``states`` (2^n), ``edges`` (n 2^(n-1),
        ties included), ``ties``, ``acyclic``, ``minima`` (strict local minima),
        ``memories_as_minima``, ``basins`` (``count`` of fixed points and the
        ``largest`` basin), ``dynamics_follow_orientation``,
        ``dynamics_climbs`` (0: the energy never rises), ``isometries`` (`which`),
        ``isometries_checked``, ``violations``, ``violation_example`` (one, or
        None) and ``seconds`` of each stage (timings: they vary run to run).

    Raises
    ------
    InputError
        When n, memories, the rule, the encoding or `which` are invalid.

    Examples
    --------
    Hebb storage of 2 memories on the 3-cube: an acyclic orientation of its
    12 edges, invariant under all 48 isometries:

    >>> res = hopfield_study(3, memories=2)
    >>> res["edges"], res["acyclic"], res["isometries_checked"], res["violations"]
    (12, True, 48, 0)
    >>> print(res.summary().splitlines()[-1])
    isometries checked: 48, violations: 0
    """
    n = _check_n(n)
    if not is_int(memories) or memories < 0:
        raise InputError(f"memories must be an integer >= 0, got {memories!r}")
    rule = _check_rule(rule)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 10]))
    mem = _random_memories(n, int(memories), rng)
    t0 = time.perf_counter()
    base = orientation(mem, n, rule, encoding)
    G = base.graph()
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    acyclic = nx.is_directed_acyclic_graph(G)
    sinks = base.sinks()
    t_graph = time.perf_counter() - t0
    t0 = time.perf_counter()
    dyn = dynamics(mem, n, rule, encoding, seed, base)
    t_dyn = time.perf_counter() - t0
    if progress is not None:
        progress(_SETUP)
    t0 = time.perf_counter()
    checked, violations, example = 0, 0, None
    for perm, flips in isometries(n, which, seed):
        cross = use_networkx and checked < _NX_CHECKS
        ok, ex = check_invariance(mem, n, perm, flips, rule, encoding, base, use_networkx=cross)
        checked += 1
        if not ok:
            violations += 1
            example = example or ex
        if progress is not None:
            progress(_nx_cost(n) if cross else 1)
    t_iso = time.perf_counter() - t0
    sink_set = set(sinks.tolist())
    data = {
        "n": n, "encoding": encoding, "rule": list(rule), "memories": mem.tolist(),
        "states": 1 << n, "edges": int(len(base.edges) + len(base.ties)), "ties": int(len(base.ties)),
        "acyclic": bool(acyclic), "minima": len(sink_set),
        "memories_as_minima": sum(1 for m in mem.tolist() if m in sink_set),
        "basins": {"count": len(dyn["basins"]), "largest": max(dyn["basins"].values()) if dyn["basins"] else 0},
        "dynamics_follow_orientation": dyn["steps_follow_orientation"], "dynamics_climbs": dyn["climbs"],
        "isometries": which, "isometries_checked": checked, "violations": violations,
        "violation_example": example,
        "seconds": {"orientation": round(t_build, 4), "graph_checks": round(t_graph, 4),
                    "dynamics": round(t_dyn, 4), "isometries": round(t_iso, 4)},
    }
    return Result(data, text=_study_text(data))


def default_isometries(n):
    """The isometries ``gates hopfield`` checks by default: all 2^n n! for n <= 6, else 100 sampled."""
    return "all" if 1 <= n <= 6 else "sample:100"


def parse_storage_rule(text):
    """A storage rule from its text: ``hebb``, or four integers ``c0,c1,c2,c3`` (see :func:`storage_weights`)."""
    if text == "hebb":
        return HEBB
    try:
        c = tuple(int(v) for v in str(text).split(","))
    except ValueError:
        c = ()
    if len(c) != 4:
        raise InputError(f"--rule {text!r}: use hebb or four integers c0,c1,c2,c3 of "
                         "c0 + c1 (o_i + o_j) + c2 o_i o_j + c3 (o_i^2 + o_j^2)")
    return c

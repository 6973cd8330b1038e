"""Exact asymptotic verdicts of a two-layer net's output gate on frozen features.

In the hidden-first order (:mod:`gates.learning.two_layer`) the hidden layer never sees
the target, so once it is frozen the output gate of restart k faces a fixed
problem: learn a labelling of the feature rows Phi~(p) (the h hidden outputs
and the bias input 1). This module decides, for every one of the 2^(2^n)
functions at once, what the clamped output rule does *asymptotically*, the
two-layer counterpart of the one-gate exact mode of :mod:`gates.learning.gate`.

Fibres and patterns
-------------------
Inputs with equal feature rows look the same to the output gate, so only a
function constant on every fibre of Phi can be learnt. With m distinct rows
(patterns) Phi~_j of multiplicities mult_j, the candidates are the 2^m
labellings T_j of the patterns, each lifted to the truth table whose bit p
is the label of the pattern of p. The target sign is T~ = +-1 and the gate
has learnt when every T~_j (w . Phi~_j) > 0 (strict).

Rules
-----
``hebb``, ``oja``
    Clamped Hebb and Oja tend to the direction c = sum_p T(p) Phi~(p) =
    sum_j mult_j T_j Phi~_j (T = +-1 for pm1, 1/0 for 01), so w = c, a vector
    of integers: learnt iff every margin T~_j (c . Phi~_j) > 0, a *tie* if
    the smallest is exactly 0 (the initial weights decide), else not learnt.
``hebb-tanh``
    w = sign(c) elementwise (sign(0) = 0); same three verdicts.
``gradient``
    The perceptron (delta rule) learns exactly the strictly linearly
    separable labellings of the patterns, over the S feature coordinates
    (the bias column is one of them when the protocol has one; without it
    the separator has no free bias). Every verdict carries a certificate
    checked in integer arithmetic: a weight vector w in Z^S with every
    T~_j (w . Phi~_j) >= 1, from an integer perceptron or a rounded LP
    solution, or a Gordan (Farkas) certificate lambda >= 0, lambda != 0,
    with sum_j lambda_j T~_j Phi~_j = 0, found by ``linprog(method="highs")``
    and made exact as the rational null vector of its support. A certificate
    for a labelling L certifies every labelling that agrees with L (or with
    its complement) on the certificate's support, so certificates are cached
    and most labellings are decided by a bit test.

Enumeration
-----------
``gradient`` visits the labellings in Gray-code order (each step flips one
label); the clamped rules are searched by the kernels of
:mod:`gates.learning._clamped` (a branch and bound for hebb and oja, a scan of the
sign vectors of c for hebb-tanh), held in tests to the Gray-code scan of
every labelling.


Cost is exponential in m, so ``max_patterns`` caps it:

* hebb, oja, hebb-tanh: 32, so every n <= 5 layer is decided. On one
  core an n = 5, h = 16 restart at m = 28-32 takes 0.1-4 s for hebb and
  oja (the most with 10^5 ties or more), and for hebb-tanh 0.01-3 s on a
  trained hidden layer (S' <= 14), up to 10 s at S' = 15-16, and 15-30 s
  on frozen random hidden units (S' = 17: 6.5e7 sign vectors), where the
  Gray-code scan needs 2^31 steps; restarts run on every core;
* gradient: 16 (2^15 labellings; real n = 4-5 layers take 0.01-0.3 s a
  restart at m <= 16, and still under 1 s at m = 21-24 with max_patterns
  raised; the worst seen, random +-1 patterns of rank 11-13 at m = 16,
  take about 9 s with ~1,700 LPs).

Above the cap, fall back to simulation with stratified sampling.
"""

import threading
from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm

import numba
import numpy as np
from numba import njit
from scipy.optimize import linprog

from gates._validate import check_array, check_bool, check_int
from gates.learning._clamped import clamped_tables
from gates.errors import InputError, UndecidedError, require_memory
from gates.boolean.truth import ENCODINGS

__all__ = [
    "EXACT_OUTPUT_RULES",
    "DEFAULT_MAX_PATTERNS",
    "OutputSets",
    "feature_patterns",
    "output_sets",
]

EXACT_OUTPUT_RULES = ("hebb", "oja", "hebb-tanh", "gradient")
DEFAULT_MAX_PATTERNS = {"hebb": 32, "oja": 32, "hebb-tanh": 32, "gradient": 16}
"""Largest m (distinct feature rows) enumerated by default, per output rule."""
RECODED_TANH_MAX_PATTERNS = 24
"""Default cap for a recoded hebb-tanh output rule on 0/1 features, decided by the 2^(m-1)-step scan."""
MAX_PATTERNS_LIMIT = 40
"""No cap above this is accepted: 2^40 labellings is beyond any budget."""
PERCEPTRON_EPOCHS = 64
"""Integer-perceptron epochs tried on a labelling before an LP decides it."""


@dataclass
class OutputSets:
    """The functions restart by restart the output gate learns on frozen features.

    Attributes
    ----------
    rule, encoding : str
    n : int
        Inputs; tables are uint64 words with bit p = f(p).
    learnt : list of ndarray
        ``learnt[k]``: sorted uint64 tables restart k learns.
    ties : list of ndarray
        ``ties[k]``: sorted tables whose smallest margin is exactly 0
        (hebb, oja, hebb-tanh; always empty for gradient).
    patterns : ndarray
        ``patterns[k]`` = m, the distinct feature rows of restart k.
    lp_solves : ndarray
        Gradient only: labellings per restart that the cached certificates
        and the perceptron left to an LP (0 otherwise).
    recoded : bool
        True when a clamped rule was decided as the +-1 rule recoded to 0/1.
    """

    rule: str
    encoding: str
    n: int
    learnt: list
    ties: list
    patterns: np.ndarray
    lp_solves: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    recoded: bool = False

    def merge(self):
        """Tables learnt by some restart, with how many restarts learn each.

        Returns
        -------
        tables : ndarray
            Sorted unique uint64 tables over the union of the restarts.
        successes : ndarray
            int64, the number of restarts whose learnt set holds each table.
        """
        if not self.learnt:
            return np.zeros(0, np.uint64), np.zeros(0, np.int64)
        tables, successes = np.unique(np.concatenate(self.learnt), return_counts=True)
        return tables.astype(np.uint64), successes.astype(np.int64)


# --------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _lift(pmask, lab):
    """The truth table of labelling `lab`: the union of the fibres labelled on. Compiled with numba."""
    table = np.uint64(0)
    for j in range(pmask.shape[0]):
        if (lab >> j) & 1:
            table |= pmask[j]
    return table


@njit(cache=True)
def _perceptron(a, lab, w, epochs):
    """Integer perceptron w += T~_j a_j on the labelling `lab`, from w, in place.

    True when an epoch makes no mistake: then every T~_j (w . a_j) >= 1
    was checked in integer arithmetic with w unchanged. Compiled with numba.
    """
    m, r = a.shape
    for _ in range(epochs):
        mistakes = 0
        for j in range(m):
            t = 1 if (lab >> j) & 1 else -1
            z = 0
            for l in range(r):
                z += w[l] * a[j, l]
            if t * z <= 0:
                mistakes += 1
                for l in range(r):
                    w[l] += t * a[j, l]
        if mistakes == 0:
            return True
    return False


@njit(cache=True)
def _separable_scan(a, pmask, full, start, stop, w, cmask, cbits, ncert, epochs, out, nout):
    """Separable labellings with Gray index in [start, stop); stops at the first undecided.

    Labelling L (pattern m-1 held off; the complement is emitted with it)
    is not separable when a cached certificate (support cmask[c], labels
    cbits[c]) agrees with L or its complement on its support; it is
    separable when the integer perceptron, warm-started from w, converges.
    Returns (index reached, nout): an index below `stop` is a labelling
    neither decides. Compiled with numba.
    """
    for it in range(start, stop):
        lab = it ^ (it >> 1)
        hit = False
        for c in range(ncert):
            x = lab & cmask[c]
            if x == cbits[c] or x == (cbits[c] ^ cmask[c]):
                hit = True
                break
        if hit:
            continue
        if not _perceptron(a, lab, w, epochs):
            return it, nout
        table = _lift(pmask, lab)
        out[nout] = table
        out[nout + 1] = full ^ table
        nout += 2
    return stop, nout


# --------------------------------------------------------------------------
# exact arithmetic (Python integers and fractions)
# --------------------------------------------------------------------------


def _rref(rows, ncols):
    """Reduced row echelon form over the rationals; returns (rows, pivot columns)."""
    mat = [[Fraction(v) for v in row] for row in rows]
    pivots = []
    r = 0
    for col in range(ncols):
        pr = next((i for i in range(r, len(mat)) if mat[i][col] != 0), None)
        if pr is None:
            continue
        mat[r], mat[pr] = mat[pr], mat[r]
        piv = mat[r][col]
        mat[r] = [v / piv for v in mat[r]]
        for i in range(len(mat)):
            if i != r and mat[i][col] != 0:
                f = mat[i][col]
                mat[i] = [vi - f * vr for vi, vr in zip(mat[i], mat[r])]
        pivots.append(col)
        r += 1
        if r == len(mat):
            break
    return mat, pivots


def _independent_columns(pat):
    """Columns of the pattern matrix forming a basis of its column space (exact).

    Every other column is a combination of these, so w . Phi~_j over them
    ranges over the same values and separability is unchanged.
    """
    _, pivots = _rref(pat.tolist(), pat.shape[1])
    return np.array(pivots, dtype=np.int64)


def _null_vector(vectors):
    """The null vector of the columns `vectors` when the null space is a line, else None."""
    k = len(vectors)
    r = len(vectors[0]) if k else 0
    rows = [[vectors[j][l] for j in range(k)] for l in range(r)]
    mat, pivots = _rref(rows, k)
    free = [j for j in range(k) if j not in pivots]
    if len(free) != 1:
        return None
    z = [Fraction(0)] * k
    z[free[0]] = Fraction(1)
    for i, pc in enumerate(pivots):
        z[pc] = -mat[i][free[0]]
    return z


def _integer_farkas(lam, signed):
    """Integers lambda >= 0, not all 0, with sum lambda_j signed_j = 0, else None."""
    if any(v < 0 for v in lam):
        if all(v <= 0 for v in lam):
            lam = [-v for v in lam]
        else:
            return None
    if not any(lam):
        return None
    den = lcm(*(v.denominator for v in lam))
    ints = [int(v * den) for v in lam]
    for l in range(len(signed[0]) if signed else 0):
        if sum(lj * sj[l] for lj, sj in zip(ints, signed)) != 0:
            return None
    return ints


def _farkas_from_lp(x, signed, a_signed):
    """An exact certificate near the LP's lambda: (support, integer lambda) or None."""
    support = [j for j in np.flatnonzero(x > 1e-9)]
    if support:
        # a basic LP solution has a support whose null space is a line
        z = _null_vector([signed[j] for j in support])
        if z is not None:
            ints = _integer_farkas(z, [signed[j] for j in support])
            if ints is not None:
                return support, ints
        for den in (10**3, 10**6, 10**9):
            lam = [Fraction(float(x[j])).limit_denominator(den) for j in support]
            ints = _integer_farkas(lam, [signed[j] for j in support])
            if ints is not None:
                return support, ints
        # a vertex of the support's own LP (dual simplex) has a minimal support
        sub = a_signed[support]
        res = linprog(np.zeros(len(support)), A_eq=np.vstack([sub.T, np.ones((1, len(support)))]),
                      b_eq=np.r_[np.zeros(sub.shape[1]), 1.0], bounds=(0, None), method="highs-ds")
        if res.status == 0:
            inner = [support[j] for j in np.flatnonzero(res.x > 1e-9)]
            z = _null_vector([signed[j] for j in inner]) if inner else None
            if z is not None:
                ints = _integer_farkas(z, [signed[j] for j in inner])
                if ints is not None:
                    return inner, ints
    return None


def _integer_separator(w, signed):
    """An integer vector near w with every signed_j . w >= 1, else None."""
    for scale in (1, 2**10, 2**20, 2**30):
        wi = [int(round(v * scale)) for v in w]
        if all(sum(a * b for a, b in zip(wi, sj)) >= 1 for sj in signed):
            return wi
    return None


def _decide(a, lab, pat):
    """Decide one labelling by LP, with an exact certificate.

    Returns ("farkas", support) or ("separator", integer w on the reduced
    coordinates `a`; zero elsewhere it has the same margins on `pat`). A
    Farkas certificate is checked again on every column of the patterns.
    Raises UndecidedError when neither certificate verifies.
    """
    m = len(pat)
    t = np.where((lab >> np.arange(m)) & 1, 1, -1).astype(np.int64)
    a_signed = t[:, None] * a
    signed = a_signed.tolist()
    r = a.shape[1]
    res = linprog(np.zeros(m), A_eq=np.vstack([a_signed.T.astype(np.float64), np.ones((1, m))]),
                  b_eq=np.r_[np.zeros(r), 1.0], bounds=(0, None), method="highs")
    if res.status == 0:
        found = _farkas_from_lp(res.x, signed, a_signed.astype(np.float64))
        if found is not None:
            support, lam = found
            full_rows = [(t[j] * pat[j]).tolist() for j in support]
            if all(sum(lj * row[l] for lj, row in zip(lam, full_rows)) == 0 for l in range(pat.shape[1])):
                return "farkas", support
    else:
        # Gordan: no lambda, so a w with every T~_j (w . a_j) >= 1 exists
        res = linprog(np.zeros(r), A_ub=-a_signed.astype(np.float64), b_ub=-np.ones(m), bounds=(None, None),
                      method="highs")
        if res.status == 0:
            wi = _integer_separator(res.x, signed)
            if wi is not None:
                return "separator", wi
    raise UndecidedError(
        f"labelling {lab:#x} of {m} feature patterns: neither an integer separator nor an exact Farkas "
        f"certificate verified (LP status {res.status}: {res.message})"
    )


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def feature_patterns(features_k):
    """The distinct feature rows of one restart, with the fibres that map to them.

    Parameters
    ----------
    features_k : array_like, shape (P, S)
        One restart's features Phi~(p), values in {-1, 0, 1}.

    Returns
    -------
    patterns : ndarray, shape (m, S), int64
        The distinct rows, in lexicographic order.
    inverse : ndarray, shape (P,), int64
        ``patterns[inverse[p]]`` is the row of input p.
    mult : ndarray, shape (m,), int64
        How many inputs map to each pattern.

    Raises
    ------
    InputError
        For a shape other than 2-D, no rows, or a value outside {-1, 0, 1}.

    Examples
    --------
    >>> from gates.learning.two_layer_exact import feature_patterns
    >>> pat, inv, mult = feature_patterns([[1, 1], [-1, 1], [1, 1], [-1, 1]])
    >>> pat.tolist(), inv.tolist(), mult.tolist()
    ([[-1, 1], [1, 1]], [1, 0, 1, 0], [2, 2])
    """
    arr = _check_values(features_k, 2, "features_k (P, S)")
    pat, inv, mult = np.unique(arr, axis=0, return_inverse=True, return_counts=True)
    return np.ascontiguousarray(pat), inv.reshape(-1).astype(np.int64), mult.astype(np.int64)


def output_sets(features, rule, encoding="pm1", max_patterns=None, recoded=False, progress=None):
    """Exactly which functions the output gate learns on each restart's frozen features.

    Parameters
    ----------
    features : array_like, shape (K, P, S)
        ``hidden_layer(...).features``: per restart, the feature row of each
        of the P = 2^n inputs (n <= 6), values in {-1, 0, 1}.
    rule : {"hebb", "oja", "hebb-tanh", "gradient"}
        The output gate's clamped rule; see the module doc for each verdict.
    encoding : {"pm1", "01"}
        The target coding T (+-1 or 1/0); it enters c = sum_p T(p) Phi~(p).
    max_patterns : int, optional
        Largest number m of distinct feature rows enumerated (2^m
        labellings); default ``DEFAULT_MAX_PATTERNS[rule]`` (32, gradient 16;
        a recoded hebb-tanh is scanned, so ``RECODED_TANH_MAX_PATTERNS``, 24).
    recoded : bool
        With 01 coding, the output rule is the +-1 rule recoded to 0/1
        (:func:`gates.learning.rules.get_rule`, the default there): its weights move as
        on the +-1 rows, c = sum_p T~(p) (2 Phi~(p) - 1) with T~ = +-1, while
        the gate reads the 0/1 rows. False: the +-1 formula literally (T = 1/0
        in c). No effect with pm1 coding or on gradient (the delta rule).
    progress : callable, optional
        Called as ``progress(1)`` when each restart is decided.

    Returns
    -------
    OutputSets
        ``learnt[k]``, ``ties[k]`` (sorted uint64 tables) and ``patterns[k]``
        per restart; ``merge()`` gives the union with success counts.

    Raises
    ------
    InputError
        For features not 3-D, values outside {-1, 0, 1}, P not a power of
        two up to 64, or an unknown rule, encoding or cap.
    UndecidedError
        When some restart has more than `max_patterns` patterns, or (never
        seen) a gradient labelling gets no certificate that verifies.
    ResourceError
        When the sets found (with the copy a merge makes) exceed the memory
        cap; for gradient, when the scan's 2^m buffer would.

    Examples
    --------
    >>> import numpy as np
    >>> from gates.learning.two_layer_exact import output_sets
    >>> x = np.array([[[-1.0, -1, 1], [1, -1, 1], [-1, 1, 1], [1, 1, 1]]])  # identity features, n = 2
    >>> res = output_sets(x, "gradient")
    >>> len(res.learnt[0]), 0x6 in res.learnt[0]      # the 14 threshold functions, not XOR
    (14, False)
    >>> hebb = output_sets(x, "hebb")            # one clamped Hebb gate: XOR and XNOR tie
    >>> len(hebb.learnt[0]), [hex(int(t)) for t in hebb.ties[0]]
    (14, ['0x6', '0x9'])
    """
    if rule not in EXACT_OUTPUT_RULES:
        raise InputError(f"output rule {rule!r} has no exact mode: allowed {', '.join(EXACT_OUTPUT_RULES)}")
    if encoding not in ENCODINGS:
        raise InputError(f"encoding {encoding!r} is unknown: allowed {', '.join(ENCODINGS)}")
    check_bool(recoded, "recoded")
    recoded = bool(recoded) and encoding == "01"
    if max_patterns is None:
        max_patterns = RECODED_TANH_MAX_PATTERNS if (recoded and rule == "hebb-tanh") else DEFAULT_MAX_PATTERNS[rule]
    check_int(max_patterns, "max_patterns", 1, MAX_PATTERNS_LIMIT)
    arr = _check_values(features, 3, "features (K, P, S)")
    K, P, S = arr.shape
    n = P.bit_length() - 1
    if P != 1 << n or not 2 <= P <= 64:
        raise InputError(f"features have P = {P} rows per restart: need P = 2^n with 1 <= n <= 6")
    found = [feature_patterns(arr[k]) for k in range(K)]
    ms = np.array([len(f[0]) for f in found], dtype=np.int64)
    over = np.flatnonzero(ms > max_patterns)
    if over.size:
        k = int(over[0])
        raise UndecidedError(
            f"restart {k} has m = {ms[k]} distinct feature patterns, over the cap max_patterns = {max_patterns} "
            f"(2^m labellings); fall back to simulation with stratified sampling"
        )
    gradient = rule == "gradient"
    what = f"the {rule} output sets of {K} restarts"
    instead = "lower max_patterns or fall back to simulation with stratified sampling"
    if gradient:  # the scan's buffer holds all 2^m labellings of the largest restart
        require_memory(8 << int(ms.max()), what, instead)
    full = np.uint64((1 << P) - 1)
    lps = np.zeros(K, np.int64)
    found_bytes = [0]
    lock = threading.Lock()

    def one(k):
        pat, inv, mult = found[k]
        pmask = np.zeros(len(pat), dtype=np.uint64)
        for p, j in enumerate(inv):
            pmask[j] |= np.uint64(1) << np.uint64(p)
        if gradient:
            tabs, lps[k] = _separable_tables(pat, pmask, full)
            res = np.sort(tabs), np.zeros(0, np.uint64)
        else:
            res = clamped_tables(pat, mult, pmask, full, rule, encoding, recoded=recoded)
        # the clamped searches cannot know their output size beforehand: the cap is checked on
        # what was found, twice over for merge()'s copy (one restart's sets may overshoot it)
        with lock:
            found_bytes[0] += 2 * (res[0].nbytes + res[1].nbytes)
            require_memory(found_bytes[0], what, instead)
            if progress is not None:
                progress(1)
        return res

    if gradient or K == 1 or int(ms.max()) < 20:
        out = [one(k) for k in range(K)]
    else:  # the searches release the GIL: restarts run on every core
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(K, numba.get_num_threads())) as pool:
            out = list(pool.map(one, range(K)))
    return OutputSets(rule, encoding, n, [o[0] for o in out], [o[1] for o in out], ms, lps,
                      recoded and rule != "gradient")


def _separable_tables(pat, pmask, full):
    """Tables of the strictly separable labellings of the patterns; (tables, LP solves)."""
    m = len(pat)
    cols = _independent_columns(pat)
    a = np.ascontiguousarray(pat[:, cols]) if cols.size else np.zeros((m, 0), np.int64)
    steps = 1 << (m - 1)  # pattern m-1 held off; each labelling comes with its complement
    out = np.empty(2 * steps, dtype=np.uint64)
    w = np.zeros(a.shape[1], dtype=np.int64)
    cmask = np.zeros(64, dtype=np.int64)
    cbits = np.zeros(64, dtype=np.int64)
    ncert, nout, it, lp, stalled = 0, 0, 0, 0, -1
    while it < steps:
        it, nout = _separable_scan(a, pmask, full, it, steps, w, cmask, cbits, ncert, PERCEPTRON_EPOCHS, out,
                                   nout)
        if it == steps:
            break
        if it == stalled:
            raise UndecidedError(f"labelling {it ^ (it >> 1):#x}: its own Farkas certificate did not decide it")
        stalled = it
        lab = it ^ (it >> 1)
        kind, cert = _decide(a, lab, pat)
        lp += 1
        if kind == "farkas":
            if ncert == len(cmask):
                cmask = np.concatenate([cmask, np.zeros_like(cmask)])
                cbits = np.concatenate([cbits, np.zeros_like(cbits)])
            mask = sum(1 << int(j) for j in cert)
            cmask[ncert], cbits[ncert] = mask, lab & mask
            ncert += 1  # the scan resumes at `it`, which the new certificate now decides
        else:
            table = _lift(pmask, lab)
            out[nout], out[nout + 1] = table, full ^ table
            nout += 2
            if max((abs(v) for v in cert), default=0) < 2**40:
                w[:] = cert  # a good warm start for the Gray neighbours
            it += 1
    return out[:nout].copy(), lp


def _check_values(x, ndim, what):
    """Feature patterns: a non-empty `ndim`-D array with values in {-1, 0, 1}, as int64."""
    arr = check_array(x, what, shape=(None,) * ndim, finite=False)  # NaN is reported as a bad value below
    if 0 in arr.shape:
        raise InputError(f"{what} must be a non-empty {ndim}-D array, got shape {arr.shape}")
    if not np.isin(arr, (-1.0, 0.0, 1.0)).all():
        bad = arr[~np.isin(arr, (-1.0, 0.0, 1.0))].reshape(-1)[0]
        raise InputError(f"{what} values must be in {{-1, 0, 1}}, found {bad!r}")
    return np.ascontiguousarray(arr.astype(np.int64))

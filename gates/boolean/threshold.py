"""Threshold (linearly separable) functions: the exact test with its certificates.

Certificates, never floating-point verdicts
-------------------------------------------
* **yes**: integer weights w and bias b with ``w . x + b != 0`` for every
  x in {0,1}^n and ``f(x) = 1`` iff ``w . x + b > 0``, so the gate realises f
  under either tie rule. It is found by the integer perceptron in +-1
  coding (which converges on every threshold function, Novikoff's theorem)
  started from the Chow parameters, and confirmed by
  :func:`gates.boolean.gate.gate_margin`.
* **no**: a 2-asummability witness, true points a, b and false points c, d
  with ``a + b = c + d`` as integer vectors. No gate can separate them,
  since ``w.a + w.b + 2b0 > 0 > w.c + w.d + 2b0`` would contradict equality.

For n <= 8 every function that is not 2-asummable is a threshold function
(complete monotonicity suffices up to 8 variables; the first exception has
9), so the test always ends with a certificate. Beyond 8 a function may
need a k-asummability witness with k > 2; `is_threshold` then raises
:class:`~gates.errors.UndecidedError` rather than guess.

The NP and NPN classes of threshold functions, and the list of every
threshold function with its realisation, are in
:mod:`gates.boolean.threshold_classes`.
"""

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from gates.boolean.gate import gate_margin
from gates.boolean.truth import as_tables, check_n
from gates.errors import InputError, UndecidedError

__all__ = [
    "ThresholdCertificate",
    "is_threshold",
    "threshold_mask",
    "TEST_MAX_N",
    "DEFAULT_MAX_EPOCHS",
]

TEST_MAX_N = 12
"""Largest n for the exact single-function test (a 3^n marks array)."""

DEFAULT_MAX_EPOCHS = 100_000
"""Perceptron budget of the exact test (reached only for n >= 9)."""


@dataclass(frozen=True)
class ThresholdCertificate:
    """The verdict of :func:`is_threshold` with its exact proof.

    A certificate is truthy exactly when the function is threshold, so
    ``if gates.is_threshold(f, n):`` reads as it says; the attributes hold
    the proof either way.

    Parameters
    ----------
    n : int
        Number of inputs.
    table : tuple of int
        The function's truth table, as its ``num_words(n)`` uint64 words.
    is_threshold : bool
        The verdict.
    weights : tuple of int, optional
        For a threshold function: integer weights w in 0/1 input coding.
    bias : int, optional
        For a threshold function: the integer bias b. Then ``f(x) = 1`` iff
        ``w . x + b > 0``, and ``w . x + b`` is never 0, so the gate realises f
        under either tie rule. None otherwise.
    witness : tuple, optional
        For a function that is not threshold: ``(true_points, false_points)``,
        two tuples of equal length of input indices p (x_i = bit i of p) whose
        0/1 vectors have equal sums (a 2-asummability witness: no gate can
        put the first pair above and the second below its threshold). None
        otherwise.

    Attributes
    ----------
    n, table, is_threshold, weights, bias, witness
        As given.

    See Also
    --------
    is_threshold : builds and verifies a certificate.

    Examples
    --------
    Majority of three inputs is threshold, with weights (2, 2, 2) and bias -3;
    XOR of two is not, and its certificate is a witness (points 1 = (1, 0)
    and 2 = (0, 1) are true, 0 = (0, 0) and 3 = (1, 1) are false, and both
    pairs sum to (1, 1)):

    >>> import gates
    >>> maj = gates.is_threshold("e8", 3)
    >>> bool(maj), maj.weights, maj.bias
    (True, (2, 2, 2), -3)
    >>> xor = gates.is_threshold("6", 2)
    >>> bool(xor), xor.witness
    (False, ((1, 2), (0, 3)))
    >>> "threshold" if xor else "not threshold"
    'not threshold'
    >>> xor.verify()
    True
    """

    n: int
    table: tuple
    is_threshold: bool
    weights: tuple = None
    bias: int = None
    witness: tuple = field(default=None)

    def __bool__(self):
        """True exactly when the function is threshold, so ``if is_threshold(f, n):`` reads as it says."""
        return bool(self.is_threshold)

    def verify(self):
        """Re-check the certificate with exact integer arithmetic.

        Returns
        -------
        bool
            For yes, whether the gate (weights, bias) reproduces the table
            with every activation non-zero (:func:`gates.boolean.gate.gate_margin`
            > 0); for no, whether the witness's points have the claimed values
            and equal sums.
        """
        words = np.array(self.table, dtype=np.uint64)
        if self.is_threshold:
            m = gate_margin(words, self.n, np.array(self.weights, dtype=np.int64), self.bias)
            return m > 0
        trues, falses = self.witness
        if len(trues) != len(falses) or not trues:
            return False

        def f(p):
            return (int(words[p >> 6]) >> (p & 63)) & 1

        if not all(f(p) for p in trues) or any(f(p) for p in falses):
            return False
        sums = [sum((p >> i) & 1 for p in pts) for pts in (trues, falses) for i in range(self.n)]
        return sums[: self.n] == sums[self.n :]


# --------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _bit(table, p):
    return (table[p >> 6] >> np.uint64(p & 63)) & np.uint64(1)


@njit(cache=True)
def _asummable2(table, n, tri, marks, witness):
    """Search true a <= b and false c <= d with tri[a]+tri[b] == tri[c]+tri[d].

    tri[p] writes p in base 3, so the sum of two 0/1 vectors is a base-3
    number with no carries. `marks` (3^n zeros) is restored before return.
    Returns True and fills witness = (a, b, c, d) when 2-asummable. Compiled.
    """
    npts = 1 << n
    trues = np.empty(npts, dtype=np.int64)
    falses = np.empty(npts, dtype=np.int64)
    nt = 0
    nf = 0
    for p in range(npts):
        if _bit(table, p):
            trues[nt] = p
            nt += 1
        else:
            falses[nf] = p
            nf += 1
    for x in range(nt):
        a = trues[x]
        for y in range(x, nt):
            s = tri[a] + tri[trues[y]]
            if marks[s] == 0:
                marks[s] = a * npts + trues[y] + 1
    found = False
    for x in range(nf):
        c = falses[x]
        for y in range(x, nf):
            s = tri[c] + tri[falses[y]]
            if marks[s]:
                code = marks[s] - 1
                witness[0] = code // npts
                witness[1] = code % npts
                witness[2] = c
                witness[3] = falses[y]
                found = True
                break
        if found:
            break
    for x in range(nt):
        a = trues[x]
        for y in range(x, nt):
            marks[tri[a] + tri[trues[y]]] = 0
    return found


@njit(cache=True)
def _perceptron(table, n, max_epochs, w):
    """Integer perceptron in +-1 coding; w[:n] weights, w[n] bias, updated in place.

    Updates w += t X whenever t (w . X) <= 0, so on convergence every
    activation is a non-zero integer of the right sign. Returns the number
    of epochs, or -1 if `max_epochs` passed without convergence. Compiled.
    """
    npts = 1 << n
    for epoch in range(max_epochs):
        mistakes = 0
        for p in range(npts):
            a = w[n]
            for i in range(n):
                if (p >> i) & 1:
                    a += w[i]
                else:
                    a -= w[i]
            t = 1 if _bit(table, p) else -1
            if t * a <= 0:
                mistakes += 1
                w[n] += t
                for i in range(n):
                    w[i] += t if (p >> i) & 1 else -t
        if mistakes == 0:
            return epoch + 1
    return -1


@njit(cache=True)
def _chow_init(table, n, w):
    """w = Chow parameters in +-1 coding (the perceptron's batch direction). Compiled."""
    for i in range(n + 1):
        w[i] = 0
    for p in range(1 << n):
        t = 1 if _bit(table, p) else -1
        w[n] += t
        for i in range(n):
            w[i] += t if (p >> i) & 1 else -t


@njit(cache=True)
def decide(table, n, tri, marks, max_epochs, w, witness):
    """1 threshold (w holds the +-1 realisation), 0 not (witness), -1 undecided.

    Compiled with numba; expects checked input: one table of n inputs, the
    codes and zeroed marks of :func:`base3_codes`, int64 buffers w (n + 1)
    and witness (4). Shared with :mod:`gates.boolean.threshold_classes`.
    """
    if _asummable2(table, n, tri, marks, witness):
        return 0
    _chow_init(table, n, w)
    if _perceptron(table, n, max_epochs, w) < 0:
        return -1
    return 1


@njit(cache=True)
def _decide_many(tables, n, tri, marks, max_epochs, out):
    """out[f] = 1 threshold, 0 not (2-asummable), -1 undecided. Compiled with numba."""
    w = np.empty(n + 1, dtype=np.int64)
    witness = np.empty(4, dtype=np.int64)
    for f in range(tables.shape[0]):
        out[f] = decide(tables[f], n, tri, marks, max_epochs, w, witness)


# --------------------------------------------------------------------------
# the exact test
# --------------------------------------------------------------------------

_TRI = {}


def base3_codes(n):
    """Base-3 codes of the 2^n points and a zeroed 3^n array (cached per n).

    The kernel input of :func:`decide`; `n` is not checked.

    Parameters
    ----------
    n : int
        Number of inputs.

    Returns
    -------
    tri : ndarray of int64, shape (2^n,)
        ``tri[p]`` is p's 0/1 vector read in base 3, so the sum of two
        vectors is the sum of their codes (no carries).
    marks : ndarray of int64, shape (3^n,)
        Zeros, the scratch table of the 2-asummability search (shared, and
        restored to zeros by every search).
    """
    if n not in _TRI:
        p = np.arange(1 << n, dtype=np.int64)
        tri = np.zeros(1 << n, dtype=np.int64)
        for i in range(n):
            tri += ((p >> i) & 1) * 3**i
        _TRI[n] = (tri, np.zeros(3**n, dtype=np.int64))
    return _TRI[n]


def pm1_to_01(wpm):
    """A realisation in +-1 input coding, rewritten for 0/1 inputs.

    With X_i = 2 x_i - 1, ``w' . X + b' = 2 w' . x + (b' - sum w')``; the
    result is divided by the gcd of its entries.

    Parameters
    ----------
    wpm : array_like of int, shape (..., n + 1)
        Weights w' followed by the bias b' (+-1 coding).

    Returns
    -------
    w : ndarray of int64, shape (..., n)
    b : int64 or ndarray of int64, shape (...)

    Examples
    --------
    >>> from gates.boolean.threshold import pm1_to_01
    >>> w, b = pm1_to_01([1, 1, 1, 0])    # majority: sign(X_0 + X_1 + X_2)
    >>> w.tolist(), int(b)
    ([2, 2, 2], -3)
    """
    wpm = np.asarray(wpm, dtype=np.int64)
    w = 2 * wpm[..., :-1]
    b = wpm[..., -1] - wpm[..., :-1].sum(axis=-1)
    allv = np.concatenate([w, b[..., None]], axis=-1)
    g = np.gcd.reduce(np.abs(allv), axis=-1)
    g = np.where(g == 0, 1, g)
    return w // g[..., None], b // g


def is_threshold(tt, n, max_epochs=DEFAULT_MAX_EPOCHS):
    """Decide exactly whether one function is a threshold function, with a proof.

    A threshold (linearly separable) function is ``f(x) = [w . x + b > 0]``
    for some real weights w and bias b (Baldi & Sadowski 2016, section 2).
    The answer is a certificate checked in exact integer arithmetic: integer
    weights for yes, a 2-asummability witness for no (see the module doc).

    Parameters
    ----------
    tt : str, int or array_like of uint64
        One truth table: a kitty/ABC hex string, an int whose bit p is f(p),
        or ``num_words(n)`` uint64 words (see :mod:`gates.boolean.truth`).
    n : int
        Number of inputs, 0 <= n <= 12 (:data:`TEST_MAX_N`).
    max_epochs : int, default 100000
        Perceptron budget (:data:`DEFAULT_MAX_EPOCHS`); only reached for
        n >= 9 functions that are neither threshold nor 2-asummable.

    Returns
    -------
    ThresholdCertificate
        Truthy exactly when f is threshold; ``weights`` and ``bias`` (0/1
        input coding, never a zero activation) for yes, ``witness`` for no.
        Verified before it is returned.

    Raises
    ------
    InputError
        For n out of range, a malformed table, or a batch of tables (use
        :func:`threshold_mask`).
    UndecidedError
        When neither certificate was found (possible only for n >= 9).

    See Also
    --------
    threshold_mask : the verdicts on many tables at once.

    Examples
    --------
    >>> import gates
    >>> cert = gates.is_threshold("e8", 3)          # majority of three
    >>> bool(cert), cert.weights, cert.bias
    (True, (2, 2, 2), -3)
    >>> xor = gates.is_threshold("6", 2)
    >>> bool(xor), xor.witness                     # 1 + 2 = 0 + 3 as 0/1 vectors
    (False, ((1, 2), (0, 3)))

    Of the 16 functions of two inputs, all but XOR and XNOR are threshold;
    of the 256 of three, 104 are (OEIS A000609: 2, 4, 14, 104, 1882, ...):

    >>> [sum(1 for v in range(2 ** 2 ** n) if gates.is_threshold(v, n)) for n in range(4)]
    [2, 4, 14, 104]
    """
    n = check_n(n, 0, TEST_MAX_N, "the exact threshold test")
    arr, single = as_tables(tt, n)
    if not single:
        raise InputError("is_threshold() takes one table")
    table = arr[0]
    tri, marks = base3_codes(n)
    w = np.zeros(n + 1, dtype=np.int64)
    witness = np.zeros(4, dtype=np.int64)
    r = decide(table, n, tri, marks, int(max_epochs), w, witness)
    if r < 0:
        raise UndecidedError(
            f"no certificate for this n={n} function: it is not 2-asummable and the perceptron "
            f"did not converge in {max_epochs} epochs (raise max_epochs, or it needs a "
            "k-asummability witness with k > 2, which gates does not search)"
        )
    key = tuple(int(v) for v in table)
    if r == 1:
        w01, b01 = pm1_to_01(w)
        cert = ThresholdCertificate(n, key, True, tuple(int(v) for v in w01), int(b01))
    else:
        a, b, c, d = (int(v) for v in witness)
        cert = ThresholdCertificate(n, key, False, witness=((a, b), (c, d)))
    if not cert.verify():  # pragma: no cover - a failure here is a bug in gates
        raise RuntimeError(f"internal error: certificate failed to verify: {cert}")
    return cert


def threshold_mask(tables, n, max_epochs=DEFAULT_MAX_EPOCHS):
    """Boolean mask: which of many tables are threshold functions (exact, n <= 12).

    Each verdict rests on a certificate found by the same procedure as
    :func:`is_threshold` (the certificates themselves are not kept).

    Parameters
    ----------
    tables : array_like
        Truth tables: an ``(N, num_words(n))`` uint64 array, a list of hex
        strings or ints, or one table.
    n : int
        Number of inputs, 0 <= n <= 12.
    max_epochs : int, default 100000
        Perceptron budget per table, as in :func:`is_threshold`.

    Returns
    -------
    ndarray of bool, shape (N,)
        True where the table is a threshold function.

    Raises
    ------
    InputError
        For n out of range or malformed tables.
    UndecidedError
        When some table got no certificate (possible only for n >= 9).

    Examples
    --------
    104 of the 256 functions of three inputs are threshold (OEIS A000609):

    >>> import numpy as np
    >>> from gates.boolean.threshold import threshold_mask
    >>> int(threshold_mask(np.arange(256, dtype=np.uint64).reshape(-1, 1), 3).sum())
    104
    >>> threshold_mask(["8", "6", "e"], 2).tolist()    # AND, XOR, OR
    [True, False, True]
    """
    n = check_n(n, 0, TEST_MAX_N, "the exact threshold test")
    arr, _ = as_tables(tables, n)
    tri, _ = base3_codes(n)
    marks = np.zeros(3**n, dtype=np.int64)
    out = np.empty(arr.shape[0], dtype=np.int64)
    _decide_many(arr, n, tri, marks, int(max_epochs), out)
    if np.any(out < 0):
        raise UndecidedError(f"{int(np.sum(out < 0))} table(s) got no certificate within {max_epochs} epochs")
    return out == 1

"""The paper's training sets for supervised simple Hebb on one threshold gate (Baldi & Sadowski 2016: shallow learning).

Four families of training sets (:data:`HEBB_KINDS`), each with its own
bias setting (:data:`HEBB_BIAS`), after the paper's figure and text:

* ``near-orthogonal`` (no bias): X uniform in {-1, +1}^(P x n), targets
  t = sign(X v) from a random teacher v ~ N(0, I) through the origin, so
  the set is separable without a bias. For n >> P the rows are nearly
  orthogonal (x_k . x_l ~ sqrt(n) next to |x_k|^2 = n), and the paper notes
  such sets are learnable with high probability;
* ``orthogonal`` (no bias, the paper's set): X the rows of the n x n
  identity (the first P rows when P < n), random targets. Every margin is
  c_k . C = 1: always learnable;
* ``orthogonal-bias``: the same data with a bias input. Then
  c_k = t_k [e_k, 1], C = [t, S] with S = sum_l t_l, and c_k . C = 1 + t_k S.
  A k with t_k = -sign(S) has margin 1 - |S| <= 0, so the set is learnable
  iff S = 0 (balanced targets) or all targets are equal (|S| = P); for odd
  P with |S| = 1 (not all equal) a margin is exactly 0 (decided by w_0).
  For uniform random targets the learnable fraction is
  (C(P, P/2) [P even] + 2) / 2^P for P >= 2 (:func:`orthogonal_bias_prediction`);
* ``common-orthant`` (bias): a random sign vector s, random targets t_k,
  x_k = t_k s * u_k with u_k ~ U(0.1, 1)^n, so every t_k x_k lies in the
  orthant of s and all pairwise products are positive (the sufficient
  condition) without bias. The bias column adds t_k t_l to c_k . c_l, so with
  bias the products are u_k . u_l + t_k t_l >= 0.01 n - 1: still positive
  surely for n > 100 and with overwhelming probability for n >= 10
  (E[u_k . u_l] = 0.3025 n).


The gate, its condition and the study are in
:mod:`gates.studies.single_unit.supervised_hebb`.
"""

import numpy as np

from gates._validate import check_int
from gates.errors import InputError

__all__ = ["HEBB_KINDS", "HEBB_BIAS", "HEBB_LABELS", "hebb_dataset", "orthogonal_bias_prediction"]

HEBB_KINDS = ("near-orthogonal", "orthogonal", "orthogonal-bias", "common-orthant")

#: Whether the gate has a bias input, per dataset kind (the paper's orthogonal
#: set has none; ``orthogonal-bias`` is the same data with one).
HEBB_BIAS = {"near-orthogonal": False, "orthogonal": False, "orthogonal-bias": True, "common-orthant": True}

#: One-line description of each kind, for tables.
HEBB_LABELS = {
    "near-orthogonal": "random +-1 vectors, n >> P, targets from a teacher through 0",
    "orthogonal": "identity rows, random targets",
    "orthogonal-bias": "identity rows, random targets, bias input",
    "common-orthant": "t_k x_k in one orthant",
}


def hebb_dataset(kind, P, n, seed=0, balanced=False):
    """A random training set of one of the paper's kinds.

    Parameters
    ----------
    kind : {"near-orthogonal", "orthogonal", "orthogonal-bias", "common-orthant"}
        See the module doc; ``orthogonal-bias`` draws the same data as
        ``orthogonal`` (the bias belongs to the gate, :data:`HEBB_BIAS`).
    P : int
        Number of examples (<= n for the orthogonal kinds).
    n : int
        Number of inputs (the bias is not counted).
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
    balanced : bool
        The orthogonal kinds draw balanced targets (half +1, half -1, in
        random order) instead of uniform ones: a deliberate break of the
        study's premise (the ``balanced-targets`` mutant).

    Returns
    -------
    X : numpy.ndarray
        float64 (P, n).
    t : numpy.ndarray
        float64 (P,), values in {-1, +1}.

    Raises
    ------
    InputError
        An unknown kind or sizes out of range.

    Examples
    --------
    >>> X, t = hebb_dataset("orthogonal", 3, 3, seed=1)
    >>> X
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    >>> sorted(set(t.tolist())) <= [-1.0, 1.0]
    True
    >>> X, t = hebb_dataset("near-orthogonal", 4, 50, seed=0)
    >>> sorted(set(X.ravel().tolist()))
    [-1.0, 1.0]
    """
    if kind not in HEBB_KINDS:
        raise InputError(f"dataset kind {kind!r} is unknown: allowed {', '.join(HEBB_KINDS)}")
    P, n = check_int(P, "P", 1), check_int(n, "n", 1)
    rng = np.random.default_rng(seed)
    if kind in ("orthogonal", "orthogonal-bias"):
        if P > n:
            raise InputError(f"an orthogonal set of {n}-dimensional vectors has at most {n} examples, got P={P}")
        X = np.eye(n)[:P].copy()
        t = rng.choice([-1.0, 1.0], size=P)
        if balanced:  # half +1, half -1, in random order (the balanced-targets mutant)
            t = rng.permutation(np.where(np.arange(P) < P // 2, 1.0, -1.0))
    elif kind == "common-orthant":
        s = rng.choice([-1.0, 1.0], size=n)
        t = rng.choice([-1.0, 1.0], size=P)
        u = rng.uniform(0.1, 1.0, size=(P, n))
        X = t[:, None] * s[None, :] * u
    else:
        X = rng.choice([-1.0, 1.0], size=(P, n))
        for _ in range(1000):
            # a teacher through the origin: v separates (X, t) without a bias
            a = X @ rng.normal(size=n)
            if (a != 0).all():
                break
        else:  # pragma: no cover - a Gaussian teacher is orthogonal to a row with probability 0
            raise InputError(f"could not draw a teacher off every example for P={P}, n={n}")
        t = np.where(a > 0, 1.0, -1.0)
    return np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(t, dtype=np.float64)


def orthogonal_bias_prediction(P):
    """Exact fractions of random target vectors for the identity set with a bias.

    With x_k = e_k and the bias, c_k . C = 1 + t_k S (S = sum_l t_l), so the
    cosine condition holds iff S = 0 or |S| = P, and some margin is exactly
    0 iff |S| = 1 < P. For t uniform in {-1, +1}^P (S = 2 B - P, B binomial):

        learnable = (C(P, P/2) [P even] + 2) / 2^P   (P >= 2; 1 for P = 1)
        ties      = 2 C(P, (P-1)/2) / 2^P            (P odd >= 3; else 0)

    Parameters
    ----------
    P : int
        Number of examples (>= 1).

    Returns
    -------
    dict
        ``learnable`` and ``ties`` as :class:`fractions.Fraction` (exact).

    Examples
    --------
    >>> r = orthogonal_bias_prediction(8)
    >>> r["learnable"], r["ties"]
    (Fraction(9, 32), Fraction(0, 1))
    """
    from fractions import Fraction
    from math import comb

    P = check_int(P, "P", 1)
    if P == 1:
        return {"learnable": Fraction(1), "ties": Fraction(0)}
    good = (comb(P, P // 2) if P % 2 == 0 else 0) + 2  # S = 0, plus all +1 and all -1
    ties = 2 * comb(P, (P - 1) // 2) if P % 2 == 1 else 0  # |S| = 1
    return {"learnable": Fraction(good, 2**P), "ties": Fraction(ties, 2**P)}

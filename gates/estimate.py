"""Estimates with their uncertainty: seed means and stratified class samples.

A count that comes from random draws is an :class:`Estimate`: a value, its
standard error, a 95% confidence interval and the method that made them,
after ``scipy.stats`` result objects. Two estimators live here:

* :func:`seed_mean`: the mean of one quantity over S independent seeds, with
  Student's t interval (S - 1 degrees of freedom);
* :func:`stratified_total`: a class census by stratified sampling. Each
  class (stratum) of N_c functions contributes m members drawn uniformly
  with replacement; the total sum_f y_f is estimated by
  sum_c N_c mean_c, with variance sum_c N_c^2 s_c^2 / m (s_c^2 the sample
  variance of the class's draws), and a Student t interval with
  Satterthwaite's effective degrees of freedom.

:func:`gates.boolean.orbits.random_members` draws the members.
"""

from dataclasses import dataclass
from math import sqrt

import numpy as np

from gates.errors import InputError

__all__ = ["Estimate", "seed_mean", "stratified_total", "LEVEL"]

LEVEL = 0.95
"""Confidence level of every interval (95%)."""


@dataclass(frozen=True)
class Estimate:
    """A value with its standard error and 95% interval (None when unknown).

    Read like a ``scipy.stats`` result: the value, its standard error, and
    :meth:`confidence_interval`.

    Parameters
    ----------
    value : float
        The estimate.
    se : float, optional
        Its standard error; None when unknown (one sample).
    low, high : float, optional
        The 95% confidence interval; None when there is none.
    method : str, default ""
        How the value and interval were made, in words.
    samples : int, default 1
        Number of draws behind the estimate (seeds, or class members).

    Attributes
    ----------
    value, se, low, high, method, samples
        As given.

    Examples
    --------
    >>> from gates.estimate import Estimate
    >>> e = Estimate(12.0, 1.5, 9.0, 15.0, "by hand", 3)
    >>> e.confidence_interval(), e.cell(), e.to_dict("learnt")
    ((9.0, 15.0), '12 [9, 15]', {'learnt': 12.0, 'learnt_se': 1.5, 'learnt_ci': [9.0, 15.0]})
    """

    value: float
    se: float = None
    low: float = None
    high: float = None
    method: str = ""
    samples: int = 1

    def confidence_interval(self):
        """The interval ``(low, high)`` at 95%, or None (one sample has no interval)."""
        return None if self.low is None else (self.low, self.high)

    def to_dict(self, key):
        """``{key: value, key_se: se, key_ci: [low, high]}`` for a JSON summary.

        Parameters
        ----------
        key : str
            The name of the quantity.

        Returns
        -------
        dict
            Three entries; ``key_se`` and ``key_ci`` are None when unknown.
        """
        ci = self.confidence_interval()
        return {key: self.value, f"{key}_se": self.se, f"{key}_ci": None if ci is None else list(ci)}

    def cell(self, digits=None):
        """A table cell: 'value [low, high]', or the plain value without an interval.

        Parameters
        ----------
        digits : int, optional
            Decimals shown; by default whole numbers print as integers with
            thousands separators, others with one decimal.

        Returns
        -------
        str
        """
        def fmt(v):
            if digits is None and float(v).is_integer():
                return f"{int(v):,}"
            return f"{v:,.{1 if digits is None else digits}f}"
        if self.low is None:
            return fmt(self.value)
        return f"{fmt(self.value)} [{fmt(self.low)}, {fmt(self.high)}]"


def _clip(low, high, bounds):
    if bounds is None:
        return low, high
    return max(low, bounds[0]), min(high, bounds[1])


def seed_mean(values, level=LEVEL, bounds=None, within=None):
    """Mean of per-seed values with Student's t interval over the seeds.

    Parameters
    ----------
    values : array_like of float, shape (S,)
        One value per independent seed, S >= 1.
    level : float, default 0.95
        Confidence level of the interval.
    bounds : (float, float), optional
        The range the quantity cannot leave (a count lies in [0, functions]);
        the interval is clipped to it, which keeps its coverage.
    within : array_like of float, shape (S, 2), optional
        Each seed's own interval (lo, hi) when the per-seed values are
        estimates (stratified sampling). A few seeds cannot measure a
        sampling error that is mostly zero and rarely large (rare learnt
        members), so the interval is widened to at least the mean of the
        seeds' own intervals.

    Returns
    -------
    Estimate
        The mean, its standard error (sample standard deviation over
        sqrt(S)) and the t interval with S - 1 degrees of freedom; one seed
        gives no standard error and no interval.

    Raises
    ------
    InputError
        For an empty or non 1-D `values`, or `within` of the wrong shape.

    Examples
    --------
    >>> from gates.estimate import seed_mean
    >>> e = seed_mean([10, 12, 14])
    >>> e.value, round(e.se, 6), [round(v, 3) for v in e.confidence_interval()]
    (12.0, 1.154701, [7.032, 16.968])
    """
    from scipy import stats

    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise InputError("seed_mean needs a non-empty list of per-seed values")
    mean = float(v.mean())
    if v.size == 1:
        return Estimate(mean, None, None, None, "one seed: no interval", 1)
    se = float(v.std(ddof=1) / sqrt(v.size))
    half = float(stats.t.ppf(0.5 + level / 2, v.size - 1)) * se
    low, high = mean - half, mean + half
    method = f"mean over {v.size} seeds, Student t {level:.0%} interval ({v.size - 1} df)"
    if within is not None:
        w = np.asarray(within, dtype=np.float64)
        if w.shape != (v.size, 2):
            raise InputError(f"within must hold one (low, high) per seed, got shape {w.shape}")
        low, high = min(low, float(w[:, 0].mean())), max(high, float(w[:, 1].mean()))
        method += ", widened to at least the mean of the seeds' own intervals"
    return Estimate(mean, se, *_clip(low, high, bounds), method, int(v.size))


def stratified_total(sizes, outcomes, level=LEVEL, bounds=None):
    """Estimate the sum of y over all class members from m uniform draws per class.

    The total is ``sum_c N_c mean_c`` with variance ``sum_c N_c^2 s_c^2 / m``
    and a Student t interval with Satterthwaite's degrees of freedom. For
    0/1 outcomes the interval is also widened for the classes whose draws
    all agree, where rare exceptions could hide (a zero-hit bound).

    Parameters
    ----------
    sizes : array_like, shape (C,)
        Class (orbit) sizes N_c.
    outcomes : array_like, shape (C, m)
        The outcome y of each drawn member, m >= 2 per class.
    level : float, default 0.95
        Confidence level of the interval.
    bounds : (float, float), optional
        The range the total cannot leave; the interval is clipped to it.

    Returns
    -------
    Estimate
        The total, its standard error and interval; ``samples`` is C m.

    Raises
    ------
    InputError
        For outcomes not of shape (C, m), or m < 2.

    Examples
    --------
    >>> import numpy as np
    >>> from gates.estimate import stratified_total
    >>> e = stratified_total([4, 6], np.array([[1, 1], [0, 1]]))
    >>> e.value, round(e.se, 6)
    (7.0, 3.0)

    Being threshold is an NPN invariant, so four random members of each of
    the 14 NPN classes of three inputs count the 104 threshold functions
    (OEIS A000609) with no sampling error:

    >>> import gates
    >>> reps, sizes = gates.classes_of_all(3, "npn")
    >>> draws = gates.random_members(reps, 3, "npn", 4, np.random.default_rng(0))
    >>> y = gates.threshold_mask(draws.reshape(-1, 1), 3).reshape(len(reps), 4)
    >>> e = stratified_total(sizes, y, bounds=(0, 256))
    >>> e.value, e.se
    (104.0, 0.0)
    """
    from scipy import stats

    n = np.asarray(sizes, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.float64)
    if y.ndim != 2 or y.shape[0] != n.shape[0]:
        raise InputError(f"outcomes must be (classes, members) = ({n.shape[0]}, m), got {y.shape}")
    m = y.shape[1]
    if m < 2:
        raise InputError(f"stratified sampling needs at least 2 members per class for its variance, got {m}")
    value = float((n * y.mean(axis=1)).sum())
    parts = n * n * y.var(axis=1, ddof=1) / m
    var = float(parts.sum())
    se = float(np.sqrt(var))
    # Satterthwaite's effective degrees of freedom: few informative classes give a wide t interval
    df = var * var / float((parts * parts).sum() / (m - 1)) if var > 0 else np.inf
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    low, high = value - half, value + half
    method = (f"stratified sampling: {m} uniform members per class of {n.shape[0]:,}, weight orbit/{m}; "
              f"Student t {level:.0%} interval, Satterthwaite df from the within-class variances")
    if y.size and 0 <= y.min() and y.max() <= 1:
        # The t interval sees no variance in a class whose draws all agree, yet rare learnt members can
        # hide there. A class with y_c of N_c members learnt shows m draws without one with probability
        # <= exp(-y_c m / N_c), so at most ln(2/alpha) max N_c / m learnt members hide in the all-0
        # classes (and as many unlearnt ones in the all-1 classes), each side at alpha / 2.
        k = float(np.log(2 / (1 - level)))
        zero, one = (y == 0).all(axis=1), (y == 1).all(axis=1)
        high += k * float(n[zero].max()) / m if zero.any() else 0.0
        low -= k * float(n[one].max()) / m if one.any() else 0.0
        method += (f", widened by the zero-hit bound ln({2 / (1 - level):.0f}) x largest orbit / {m} on the "
                   f"classes whose draws all agree")
    return Estimate(value, se, *_clip(low, high, bounds), method, int(y.size))

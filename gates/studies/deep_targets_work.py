"""The deep-targets study's work plan: what each run will spend, for a progress bar that tells the truth.

The unit is the multiply-add: a gate evaluation (one input vector through
one gate, :func:`gates.learning.deep_targets.gate_evaluations`) costs its
fan-in + 1. Every run of :func:`gates.studies.deep_targets_study.run_study`
is planned before the work (the budget; a tuned baseline's grid of tuning
runs besides), and reports its evaluations as it goes through a
:class:`Portion`, which never passes the plan and tops up to it when the
run ends. So the bar advances with the compute and ends at exactly 100%.
"""

__all__ = ["madds", "Portion", "portion", "finish", "compare_plan", "oracle_plan"]


def madds(evals, layers):
    """`evals` gate evaluations of the net `layers` in multiply-adds (a gate's cost is its fan-in + 1).

    Parameters
    ----------
    evals : int
        Gate evaluations spread over the net as a forward pass spreads them.
    layers : sequence of int
        The net's sizes.

    Returns
    -------
    float

    Examples
    --------
    One forward pass of 32-16-6-16-32 is 70 gate evaluations and 1,286 multiply-adds:

    >>> round(madds(70, (32, 16, 6, 16, 32)))
    1286
    """
    fan = sum(b * (a + 1) for a, b in zip(layers, layers[1:])) / sum(layers[1:])
    return evals * fan


class Portion:
    """Reports one run's gate evaluations to `progress` in multiply-adds, never past its plan; ``done`` tops up.

    Parameters
    ----------
    progress : callable
        Receives increments of multiply-adds.
    evals : int
        The run's planned gate evaluations.
    layers : sequence of int
        The run's net.

    Runs may stop short of their plan (a tuned run stops at its best epoch)
    or spend a step past it; either way the bar ends on the plan, so the
    study's bar ends at exactly 100%.
    """

    def __init__(self, progress, evals, layers):
        self.progress, self.layers = progress, layers
        self.planned = round(madds(evals, layers))
        self.evals = self.sent = 0

    def __call__(self, n):
        self.evals += n
        self._send(min(self.planned, round(madds(self.evals, self.layers))))

    def done(self):
        self._send(self.planned)

    def _send(self, target):
        if target > self.sent:
            self.progress(target - self.sent)
            self.sent = target


def portion(progress, evals, layers):
    """A :class:`Portion`, or None without `progress` (then nothing is reported).

    Returns
    -------
    Portion or None
    """
    return None if progress is None else Portion(progress, evals, layers)


def finish(part):
    """Top `part` up to its plan (a run has ended); nothing for None."""
    if part is not None:
        part.done()


def compare_plan(layers, m, budget, baselines, tune):
    """Planned gate evaluations of each run of :func:`~gates.studies.deep_targets_study.compare_at_budget`.

    Parameters
    ----------
    layers : sequence of int
        The task's net.
    m : int
        Training rows.
    budget : int
        Gate evaluations per method.
    baselines : sequence of str
    tune : bool
        backprop and ste tuned on a grid (:data:`gates.learning.deep_baselines.DEFAULT_GRID`).

    Returns
    -------
    dict
        {run name: gate evaluations}, in the order the runs happen.
    """
    from gates.learning.deep_baselines import DEFAULT_GRID, epoch_evals

    fit_m = m - int(round(m * 0.2))  # the rows the tuning trains on (validation_split, val_fraction 0.2)
    plan = [("deep-targets", budget)]
    for kind in baselines:
        if tune and kind in ("backprop", "ste"):
            cap = budget // epoch_evals(kind, layers, m)
            tuning = len(DEFAULT_GRID) * cap * epoch_evals(kind, layers, fit_m)
            plan += [(kind, tuning + budget), (f"{kind}-early-stop", cap * epoch_evals(kind, layers, fit_m))]
            if kind == "backprop":
                plan.append(("backprop-fixed", min(budget, 100 * epoch_evals(kind, layers, m))))
        else:
            plan.append((kind, budget))
    return dict(plan)


def oracle_plan(budget):
    """Planned (gate evaluations, layers) of the four runs of :func:`~gates.studies.deep_targets_study.oracle_code`.

    Returns
    -------
    list of (int, tuple)
    """
    from gates.learning.deep_baselines import epoch_evals

    half = max(1, budget // 2)
    enc, dec = (32, 16, 6), (6, 16, 32)
    return [(half, enc), (half, dec), (300 * epoch_evals("backprop", enc, 512), enc),
            (300 * epoch_evals("backprop", dec, 512), dec)]

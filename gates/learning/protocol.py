"""Training protocols: how one threshold gate is trained on a truth table.

A :class:`Protocol` records every choice that shapes a learnability result;
it is written into every manifest and JSON summary. Defaults:

============  =========================================================
encoding      ``pm1``: inputs and targets in {-1, +1} (``01``: {0, 1})
bias          on: a constant input 1 with its own synapse
init          ``normal`` with scale 0.1: w ~ N(0, 0.1^2), symmetric
presentation  ``shuffled``: the whole truth table each epoch, fresh order
epochs        100
eta0          0.1, ``linear`` schedule: eta_e = eta0 (1 - e / epochs)
restarts      K = 10; a function is learnable if one restart learns it
criterion     ``final``: after the last epoch, T~ (w . x~) > tol |w| |x~| on
              every input (T~ = +-1 target sign); a smaller margin is a tie
tolerance     tol = 1e-6: the relative margin a learnt gate must clear
seed          0
recode        True: with 01 coding a named rule is the image of its +-1
              formula under x' = 2x - 1 ("recoded", the same rule class);
              False applies the +-1 formula to 0/1 values ("literal").
              No effect with pm1 coding (see :func:`gates.learning.rules.get_rule`)
============  =========================================================

Randomness is common to all target functions: restart k draws its initial
weights and its presentation orders from ``SeedSequence(seed).spawn(K)[k]``
alone. So a function's result depends only on the function, the protocol
and the seed, never on which other functions share the run, the reduction
used, or the number of threads.

The gate's output is O = 1 when w . x~ > 0, else the "off" value (-1 or 0).
"""

from dataclasses import asdict, dataclass, replace

import numpy as np

from gates.boolean.truth import ENCODINGS
from gates.errors import InputError

__all__ = ["Protocol", "ENCODINGS", "INITS", "PRESENTATIONS", "SCHEDULES", "CRITERIA"]

INITS = ("normal", "uniform", "zeros")
PRESENTATIONS = ("shuffled", "cyclic")
SCHEDULES = ("linear", "constant")
CRITERIA = ("final", "any-epoch")


_DRAWS = {}
_DRAWS_MAX_BYTES = 64 << 20


@dataclass(frozen=True)
class Protocol:
    """The training protocol; see the module doc for the defaults."""

    encoding: str = "pm1"
    bias: bool = True
    init: str = "normal"
    init_scale: float = 0.1
    presentation: str = "shuffled"
    epochs: int = 100
    eta0: float = 0.1
    schedule: str = "linear"
    restarts: int = 10
    criterion: str = "final"
    seed: int = 0
    tolerance: float = 1e-6
    recode: bool = True

    def __post_init__(self):
        for name, allowed in (
            ("encoding", ENCODINGS),
            ("init", INITS),
            ("presentation", PRESENTATIONS),
            ("schedule", SCHEDULES),
            ("criterion", CRITERIA),
        ):
            if getattr(self, name) not in allowed:
                raise InputError(
                    f"{name} {getattr(self, name)!r} is unknown: allowed {', '.join(allowed)}"
                )
        for name, lo in (("epochs", 1), ("restarts", 1), ("seed", 0)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                raise InputError(f"{name} must be an integer >= {lo}, got {v!r}")
        for name in ("eta0", "init_scale", "tolerance"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
                raise InputError(f"{name} must be a finite number >= 0, got {v!r}")
        if self.eta0 == 0:
            raise InputError("eta0 must be > 0")
        if not isinstance(self.recode, (bool, np.bool_)):
            raise InputError(f"recode must be true or false, got {self.recode!r}")

    def to_dict(self):
        out = asdict(self)
        out["init_distribution"] = {
            "normal": f"N(0, {self.init_scale}^2) per synapse",
            "uniform": f"U(-{self.init_scale}, {self.init_scale}) per synapse",
            "zeros": "all weights 0",
        }[self.init]
        out["eta_schedule"] = (
            "eta_e = eta0 * (1 - e/epochs), e = 0..epochs-1" if self.schedule == "linear" else "eta0"
        )
        out["randomness"] = "restart k uses SeedSequence(seed).spawn(restarts)[k] for every target"
        out["encoding_handling"] = self.encoding_handling
        out["learnt_means"] = (f"T~ (w . x~) > {self.tolerance:g} |w| |x~| on every input; a smaller margin "
                               "is a tie, never learnt")
        return out

    @property
    def encoding_handling(self):
        """``recoded`` or ``literal``: how a named +-1 rule meets 0/1 activities (moot with pm1)."""
        return "recoded" if self.recode else "literal"

    def named_rule(self, name, form="clamped"):
        """The named rule for this protocol's coding: :func:`gates.learning.rules.get_rule` with its
        encoding and recode setting (every census resolves names through here)."""
        from gates.learning.rules import get_rule

        return get_rule(name, form, self.encoding, bool(self.recode))

    def with_seed(self, seed):
        """The same protocol with another root seed."""
        return replace(self, seed=int(seed))

    @property
    def symmetric(self):
        """True when success probabilities are NP(N)-class functions.

        Complementing an input (or the output) is an isometry of the +-1 cube
        that maps a symmetric initial distribution and a uniformly shuffled
        order to themselves; with 0/1 coding or a fixed cyclic order it is not.
        """
        return self.encoding == "pm1" and self.presentation == "shuffled"

    def etas(self):
        e = np.arange(self.epochs, dtype=np.float64)
        if self.schedule == "linear":
            return self.eta0 * (1.0 - e / self.epochs)
        return np.full(self.epochs, float(self.eta0))

    def _init(self, rng, size):
        if self.init == "normal":
            return rng.normal(0.0, self.init_scale, size)
        if self.init == "uniform":
            return rng.uniform(-self.init_scale, self.init_scale, size)
        return np.zeros(size)

    def draws(self, synapses, points, hidden=None):
        """Initial weights (K, synapses) and orders (K, epochs, points), common to all targets.

        With ``hidden=(h, s)`` also the initial weights (K, h, s) of a hidden
        layer, drawn from the same restart stream after the orders, so the
        output gate of a two-layer net gets exactly the draws of one gate
        with `synapses` synapses.
        """
        key = (self, int(synapses), int(points), None if hidden is None else tuple(int(v) for v in hidden))
        hit = _DRAWS.get(key)
        if hit is None:
            hit = self._draws(*key[1:])
            if sum(a.nbytes for a in hit if a is not None) <= _DRAWS_MAX_BYTES:
                if len(_DRAWS) >= 4:  # a sweep over rules reuses one protocol's draws
                    _DRAWS.pop(next(iter(_DRAWS)))
                _DRAWS[key] = hit
        init, orders, deep = (None if a is None else a.copy() for a in hit)
        return (init, orders) if hidden is None else (init, orders, deep)

    def _draws(self, synapses, points, hidden):
        init = np.empty((self.restarts, synapses), dtype=np.float64)
        orders = np.empty((self.restarts, self.epochs, points), dtype=np.int64)
        deep = None if hidden is None else np.empty((self.restarts, *hidden), dtype=np.float64)
        for k, child in enumerate(np.random.SeedSequence(self.seed).spawn(self.restarts)):
            rng = np.random.default_rng(child)
            init[k] = self._init(rng, synapses)
            for e in range(self.epochs):
                orders[k, e] = rng.permutation(points) if self.presentation == "shuffled" else np.arange(points)
            if deep is not None:
                deep[k] = self._init(rng, hidden).reshape(hidden)
        return init, orders, deep

    def rule_table(self, rule):
        """Coefficients K[O, x, T, c] of w^c in the rule, O, x, T at index 0 (off) or 1 (on).

        O and T are -1 or 0 when off (by the encoding), x likewise; the bias
        input is 1. Terms are summed in their own order.
        """
        off = -1.0 if self.encoding == "pm1" else 0.0
        vals = (off, 1.0)
        k = np.zeros((2, 2, 2, 4), dtype=np.float64)
        for coef, a, b, c, d in rule.terms:
            for oi in range(2):
                for xi in range(2):
                    for ti in range(2):
                        k[oi, xi, ti, c] += coef * vals[oi] ** a * vals[xi] ** b * vals[ti] ** d
        return k

    def inputs(self, n):
        """The 2^n inputs x~ (with the bias column last when on), as float64 (P, S)."""
        p = np.arange(1 << n)
        x = ((p[:, None] >> np.arange(n)) & 1).astype(np.float64)
        if self.encoding == "pm1":
            x = 2.0 * x - 1.0
        if self.bias:
            x = np.concatenate([x, np.ones((x.shape[0], 1))], axis=1)
        return np.ascontiguousarray(x)

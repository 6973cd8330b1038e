"""Training protocols: how one threshold gate is trained on a truth table.

A :class:`Protocol` records every choice that shapes a learnability result;
it is written into every manifest and JSON summary. Each field carries its
own metadata (help, allowed values or range, CLI flag): the ``gates learn``
options, the batch job keys, the validation and the settings table of the
documentation (:func:`settings_table`, checked against docs/concepts.md by a test) all come from
it, so the defaults are written once, in the dataclass below.

Randomness is common to all target functions: restart k draws its initial
weights and its presentation orders from ``SeedSequence(seed).spawn(K)[k]``
alone. So a function's result depends only on the function, the protocol
and the seed, never on which other functions share the run, the reduction
used, or the number of threads.

The gate's output is O = 1 when w . x~ > 0, else the "off" value (-1 or 0).
"""

from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np

from gates._validate import check_bool, check_choice, check_int, check_real
from gates.boolean.truth import ENCODINGS

__all__ = ["Protocol", "ENCODINGS", "INITS", "PRESENTATIONS", "ETA_SCHEDULES", "CRITERIA", "check_setting",
           "settings_table"]

INITS = ("normal", "uniform", "zeros")
PRESENTATIONS = ("shuffled", "cyclic")
ETA_SCHEDULES = ("linear", "constant")
CRITERIA = ("final", "any-epoch")


_DRAWS = {}
_DRAWS_MAX_BYTES = 64 << 20


def _setting(default, help, *, choices=None, range=None, lo_open=False, flag=None, negate=False, metavar=None,
             cli_help=None):
    """A Protocol field with its metadata: the one source of the CLI options, the batch keys and the checks.

    `help` says what the setting means (the settings table and the batch keys);
    `choices` or `range` = (lo, hi) (either may be None; closed unless
    `lo_open`) say what is allowed; `flag` is the ``gates learn`` option
    (default ``--name``), which sets the field to the opposite of a switch
    when `negate`; `cli_help` is the option's help (default: `help`).
    """
    return field(default=default, metadata={
        "help": help, "choices": choices, "range": range, "lo_open": lo_open, "flag": flag, "negate": negate,
        "metavar": metavar, "cli_help": cli_help if cli_help is not None else help,
    })


def check_setting(f, value):
    """`value` checked against the metadata of the Protocol field `f` (InputError names the field).

    Parameters
    ----------
    f : dataclasses.Field
        A field of :class:`Protocol` (``dataclasses.fields(Protocol)``).
    value : object
        The value to check.

    Returns
    -------
    object
        The value: a choice as given, else as the field's type (bool, int or float).

    Raises
    ------
    InputError
        When `value` is not allowed for `f`.
    """
    m = f.metadata
    if m["choices"] is not None:
        return check_choice(value, f.name, m["choices"])
    if f.type is bool:
        return check_bool(value, f.name)
    lo, hi = m["range"] or (None, None)
    if f.type is int:
        return check_int(value, f.name, lo, hi)
    return check_real(value, f.name, lo, hi, lo_open=m["lo_open"])


def _allowed(f):
    m = f.metadata
    if m["choices"] is not None:
        return ", ".join(f"`{c}`" for c in m["choices"])
    if f.type is bool:
        return "true, false"
    lo, hi = m["range"] or (None, None)
    what = "integer" if f.type is int else "number"
    bounds = [f"{'>' if m['lo_open'] else '>='} {lo}"] if lo is not None else []
    bounds += [f"<= {hi}"] if hi is not None else []
    return f"{what} {' and '.join(bounds)}".strip()


def _shown(f):
    if f.type is str:
        return f"`{f.default}`"
    return str(f.default).lower() if f.type is bool else f"{f.default:g}"


def settings_table():
    """The protocol's settings as a Markdown table, from the fields' metadata.

    Returns
    -------
    str
        One row per :class:`Protocol` field: setting, default, allowed values,
        the ``gates learn`` option and what it means.

    Examples
    --------
    >>> print(settings_table().splitlines()[0])
    | setting | default | allowed | option | meaning |
    """
    rows = ["| setting | default | allowed | option | meaning |", "| --- | --- | --- | --- | --- |"]
    for f in fields(Protocol):
        m = f.metadata
        flag = m["flag"] or "--" + f.name.replace("_", "-")
        meaning = m["help"].replace("|", "\\|")  # a norm's bars would end the cell
        rows.append(f"| {f.name} | {_shown(f)} | {_allowed(f)} | `{flag}` | {meaning} |")
    return "\n".join(rows) + "\n"


@dataclass(frozen=True)
class Protocol:
    """The training protocol: every choice that shapes a learnability result.

    One threshold gate (or a two-layer net) is trained on a truth table for
    `epochs` epochs from `restarts` random initialisations; the function is
    *learnable* when some restart ends with every input strictly on the
    right side (margin above `tolerance`). The protocol is frozen and
    hashable, checked on construction, and written into every manifest
    (:meth:`to_dict`). The same settings are the ``gates learn`` options and
    the batch job keys (:func:`settings_table` lists them with their options).

    Parameters
    ----------
    encoding : {"pm1", "01"}, default "pm1"
        The coding of inputs, outputs and targets: {-1, +1} (``pm1``) or
        {0, 1} (``01``). The gate's output is 1 when w . x~ > 0, else -1 or 0.
    bias : bool, default True
        Whether the gate has a constant input 1 with its own synapse (the
        last column of :meth:`inputs`). Option ``--no-bias``.
    init : {"normal", "uniform", "zeros"}, default "normal"
        The initial weight distribution, independent per synapse.
    init_scale : float, default 0.1
        Standard deviation (``normal``) or half-width (``uniform``) of the
        initial weights; >= 0. Unused with ``zeros``.
    presentation : {"shuffled", "cyclic"}, default "shuffled"
        Each epoch presents the whole truth table once, in a fresh random
        order (``shuffled``) or in index order (``cyclic``).
    epochs : int, default 100
        The number of epochs; >= 1.
    eta0 : float, default 0.1
        The initial learning rate; > 0.
    schedule : {"linear", "constant"}, default "linear"
        The learning rate of epoch e = 0 .. epochs - 1: eta0 (1 - e / epochs)
        (``linear``, decaying toward 0) or eta0 (``constant``); see :meth:`etas`.
    restarts : int, default 10
        The number K of random initialisations; >= 1. A function is
        learnable if one restart learns it (robust if all do).
    criterion : {"final", "any-epoch"}, default "final"
        Success is a strict margin after the last epoch (``final``) or after
        any epoch (``any-epoch``).
    seed : int, default 0
        The root seed, >= 0: restart k draws its initial weights and orders
        from ``SeedSequence(seed).spawn(restarts)[k]``, the same for every
        target function.
    tolerance : float, default 1e-6
        The relative margin a learnt gate clears, >= 0: T~ (w . x~) > tol
        |w| |x~| on every input; a smaller margin is a tie, never learnt.
    recode : bool, default True
        With 01 coding, a named rule is recoded from its +-1 formula by
        x' = 2x - 1 (the same rule class); False applies the +-1 formula to
        the 0/1 values unchanged (``literal``). Moot with pm1. Option
        ``--literal-encoding``.

    Attributes
    ----------
    encoding_handling : str
        ``"recoded"`` or ``"literal"``, from `recode`.
    symmetric : bool
        True when success probabilities are constant on NPN classes
        (pm1 coding and shuffled presentation).

    Raises
    ------
    InputError
        When a setting is outside its allowed values (the message names it).

    See Also
    --------
    settings_table : the same settings as a Markdown table, with their CLI options.

    Examples
    --------
    The defaults, and a protocol that differs in two settings:

    >>> from gates.learning.protocol import Protocol
    >>> p = Protocol()
    >>> p.encoding, p.epochs, p.eta0, p.restarts, p.tolerance, p.symmetric
    ('pm1', 100, 0.1, 10, 1e-06, True)
    >>> q = Protocol(encoding="01", restarts=3)
    >>> q.symmetric, q.to_dict()["init_distribution"]
    (False, 'N(0, 0.1^2) per synapse')
    """

    encoding: str = _setting(
        "pm1", "inputs and targets in {-1, +1} (pm1) or {0, 1} (01)", choices=ENCODINGS,
        cli_help="activity coding (default: pm1); with 01 a named rule is recoded from its +-1 formula "
        "by x' = 2x - 1 (the same rule class; gradient stays the delta rule)")
    bias: bool = _setting(True, "a constant input 1 with its own synapse", flag="--no-bias", negate=True,
                          cli_help="no bias input")
    init: str = _setting("normal", "initial weight distribution", choices=INITS,
                         cli_help="initial weight distribution (default: normal)")
    init_scale: float = _setting(0.1, "std (normal) or half-width (uniform) of the initial weights",
                                 range=(0, None), cli_help="std (normal) or half-width (uniform)")
    presentation: str = _setting(
        "shuffled", "the whole truth table each epoch, in a fresh order (shuffled) or in order (cyclic)",
        choices=PRESENTATIONS, cli_help="order of the truth table in each epoch (default: shuffled)")
    epochs: int = _setting(100, "epochs", range=(1, None), cli_help="epochs (default: 100)")
    eta0: float = _setting(0.1, "initial learning rate", range=(0, None), lo_open=True,
                           cli_help="initial learning rate (default: 0.1)")
    schedule: str = _setting("linear", "learning-rate schedule: eta_e = eta0 (1 - e / epochs) (linear) or eta0",
                             choices=ETA_SCHEDULES, cli_help="learning-rate schedule (default: linear decay to 0)")
    restarts: int = _setting(10, "random initialisations K; a function is learnable if one restart learns it",
                             range=(1, None), cli_help="random initialisations K (default: 10)")
    criterion: str = _setting("final", "success: a strict margin after the last epoch (final) or after any epoch",
                              choices=CRITERIA,
                              cli_help="success: strict margin after the last epoch, or after any epoch")
    seed: int = _setting(0, "root seed: restart k draws from SeedSequence(seed).spawn(restarts)[k]",
                         range=(0, None), cli_help="root seed (default: 0)")
    tolerance: float = _setting(
        1e-6, "relative margin a learnt gate clears: T~ (w . x~) > tol |w| |x~| on every input",
        range=(0, None), metavar="TAU",
        cli_help="a gate has learnt when T (w . x~) > TAU |w| |x~| on every input; a smaller margin is "
        "a tie, never learnt (default: 1e-6)")
    recode: bool = _setting(
        True, "01 coding: named rules recoded from their +-1 formulas by x' = 2x - 1 (false: literal)",
        flag="--literal-encoding", negate=True,
        cli_help="with --encoding 01, apply the named rules' +-1 formulas to 0/1 values unchanged "
        "(clamped hebb and oja then only grow the weights)")

    def __post_init__(self):
        # every check comes from the fields' metadata; values are checked, not converted,
        # so a manifest records them as given
        for f in fields(self):
            check_setting(f, getattr(self, f.name))

    def to_dict(self):
        """The protocol as plain JSON values, as every manifest records it.

        Returns
        -------
        dict
            Every setting, plus the words that explain them:
            ``init_distribution``, ``eta_schedule``, ``randomness``,
            ``encoding_handling`` and ``learnt_means``.

        Examples
        --------
        >>> from gates.learning.protocol import Protocol
        >>> Protocol().to_dict()["eta_schedule"]
        'eta_e = eta0 * (1 - e/epochs), e = 0..epochs-1'
        """
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
        """The named rule for this protocol's coding.

        :func:`gates.learning.rules.get_rule` with the protocol's encoding and
        recode setting (every census resolves names through here).

        Parameters
        ----------
        name : {"hebb", "oja", "gradient", "hebb-tanh"}
            The named rule.
        form : {"clamped", "unsupervised"}, default "clamped"
            O replaced by the target, or kept.

        Returns
        -------
        Rule
            The rule, recoded or literal for 0/1 coding as `recode` says.

        Examples
        --------
        >>> from gates.learning.protocol import Protocol
        >>> Protocol(encoding="01").named_rule("hebb").formula()
        'dw = eta*(4*x*T - 2*x - 2*T + 1)'
        """
        from gates.learning.rules import get_rule

        return get_rule(name, form, self.encoding, bool(self.recode))

    def with_seed(self, seed):
        """The same protocol with another root seed.

        Parameters
        ----------
        seed : int
            The new root seed.

        Returns
        -------
        Protocol
        """
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
        """The learning rate of every epoch.

        Returns
        -------
        numpy.ndarray
            float64, shape (epochs,): eta0 (1 - e / epochs) (``linear``) or eta0.

        Examples
        --------
        >>> from gates.learning.protocol import Protocol
        >>> Protocol(epochs=4, eta0=1.0).etas()
        array([1.  , 0.75, 0.5 , 0.25])
        """
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

        Parameters
        ----------
        synapses : int
            Synapses of the gate (inputs plus the bias when on).
        points : int
            Inputs presented each epoch (2^n).
        hidden : tuple of (int, int), optional
            (h, s): the hidden layer's gates and synapses.

        Returns
        -------
        init : numpy.ndarray
            float64 (restarts, synapses).
        orders : numpy.ndarray
            int64 (restarts, epochs, points): the presentation orders.
        hidden_init : numpy.ndarray
            float64 (restarts, h, s); only when `hidden` is given.

        Examples
        --------
        Cyclic presentation shows the inputs in index order:

        >>> from gates.learning.protocol import Protocol
        >>> init, orders = Protocol(presentation="cyclic", restarts=2, epochs=1).draws(3, 4)
        >>> init.shape, orders.tolist()
        ((2, 3), [[[0, 1, 2, 3]], [[0, 1, 2, 3]]])
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

        Parameters
        ----------
        rule : Rule

        Returns
        -------
        numpy.ndarray
            float64 (2, 2, 2, 4): the table the compiled update
            (:func:`gates.learning.gate.step`) reads.

        Examples
        --------
        Clamped Hebb (dw = T x) on +-1 activities: the change is +1 when x
        and T agree, else -1, and never reads w:

        >>> from gates.learning.protocol import Protocol
        >>> p = Protocol()
        >>> p.rule_table(p.named_rule("hebb"))[0, :, :, 0]
        array([[ 1., -1.],
               [-1.,  1.]])
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
        """The 2^n inputs x~ (with the bias column last when on), as float64 (P, S).

        Row p is the input whose bit i is x_i (the truth-table convention),
        in the protocol's coding.

        Parameters
        ----------
        n : int
            The number of inputs.

        Returns
        -------
        numpy.ndarray
            float64 (2^n, n + 1) with the bias, (2^n, n) without.

        Examples
        --------
        >>> from gates.learning.protocol import Protocol
        >>> Protocol().inputs(2)
        array([[-1., -1.,  1.],
               [ 1., -1.,  1.],
               [-1.,  1.,  1.],
               [ 1.,  1.,  1.]])
        """
        p = np.arange(1 << n)
        x = ((p[:, None] >> np.arange(n)) & 1).astype(np.float64)
        if self.encoding == "pm1":
            x = 2.0 * x - 1.0
        if self.bias:
            x = np.concatenate([x, np.ones((x.shape[0], 1))], axis=1)
        return np.ascontiguousarray(x)

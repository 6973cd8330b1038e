"""Hypothesis strategies shared by the test files, and the example budgets.

Truth tables are drawn as ``(n, v)``: `v` is the table as a Python int
(bit p = f(p), kitty's convention), so the pure-Python references of
``tests/naive.py`` take it as it is. n = 7 and 8 span several words, and
variables i >= 6 take another code path, so the default input counts weight
them up.

:func:`examples` gives a test its number of examples scaled by the
hypothesis profile chosen in ``conftest.py`` (environment variable
``GATES_HYPOTHESIS_PROFILE``): x1 for "default" and "ci", x10 for "thorough".
"""

import os

from hypothesis import settings
from hypothesis import strategies as st

from gates.boolean.gate import TIES
from gates.boolean.truth import ENCODINGS

__all__ = [
    "PROFILE",
    "examples",
    "n_inputs",
    "tables",
    "table_values",
    "table_batches",
    "npn_elements",
    "encodings",
    "ties",
    "bits",
    "exact_networks",
]

PROFILE = os.environ.get("GATES_HYPOTHESIS_PROFILE", "default")
"""The hypothesis profile of this run (registered and loaded by ``conftest.py``)."""
_SCALE = {"thorough": 10}


def examples(k):
    """Settings for a test of `k` examples (x10 under the "thorough" profile), without a deadline.

    Other settings (``derandomize`` under "ci") come from the loaded profile.
    """
    return settings(max_examples=k * _SCALE.get(PROFILE, 1), deadline=None)


n_inputs = st.one_of(st.integers(0, 8), st.sampled_from([6, 7, 8]))
"""Input counts 0..8, with the multi-word n = 7, 8 (and n = 6) drawn more often."""

encodings = st.sampled_from(ENCODINGS)
"""The activity codings of a unit, "pm1" or "01"."""

ties = st.sampled_from(TIES)
"""The tie rules of a threshold gate, "strict" or "nonstrict"."""


def table_values(n):
    """A uniformly drawn table of n inputs, as its int v (bit p = f(p))."""
    return st.integers(0, 2 ** (2**n) - 1)


@st.composite
def tables(draw, n=n_inputs):
    """``(n, v)``: a uniformly drawn table v of n inputs; `n` is an int or a strategy."""
    n = draw(n) if isinstance(n, st.SearchStrategy) else n
    return n, draw(st.integers(0, 2 ** (2**n) - 1))


@st.composite
def table_batches(draw, n=n_inputs, max_size=4):
    """``(n, [v, ...])``: one to `max_size` tables of the same n."""
    n = draw(n) if isinstance(n, st.SearchStrategy) else n
    vs = draw(st.lists(st.integers(0, 2 ** (2**n) - 1), min_size=1, max_size=max_size))
    return n, vs


@st.composite
def npn_elements(draw, n):
    """``(perm, flips, negate)``: an element of the NPN group on n inputs (see gates.boolean.symmetry)."""
    perm = draw(st.permutations(range(n)))
    return list(perm), draw(st.integers(0, 2**n - 1)), draw(st.booleans())


def bits(n):
    """A 0/1 input vector of length n, as a list."""
    return st.lists(st.integers(0, 1), min_size=n, max_size=n)


@st.composite
def exact_networks(draw, depth=(2, 4), width=(1, 5), zeros=False):
    """``(sizes, net)``: a feed-forward net with integer weights in [-3, 3].

    Biases are in Z + 1/2 (activations never 0), or with `zeros` in Z / 2
    (some activations exactly 0). ``net[l][j]`` is neuron j of layer l:
    its weights, then its bias.
    """
    L = draw(st.integers(*depth))
    sizes = draw(st.lists(st.integers(*width), min_size=L + 1, max_size=L + 1))
    net = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layer = []
        for _ in range(b):
            w = draw(st.lists(st.integers(-3, 3), min_size=a, max_size=a))
            bias = draw(st.integers(-6, 5)) / 2 if zeros else draw(st.integers(-3, 2)) + 0.5
            layer.append([float(v) for v in w] + [bias])
        net.append(layer)
    return sizes, net

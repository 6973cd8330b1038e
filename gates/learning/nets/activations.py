"""The transfer functions of the nets' hidden units: the one activation table.

Both nets of :mod:`gates.learning.nets` (the layered
:class:`~gates.learning.nets.feedforward.FeedForward` and the recurrent net
unfolded in time, :class:`~gates.learning.nets.recurrent.Recurrent`) use
these; their output layers are linear. Backpropagation needs f'(z), and
both f here give it from the activity a = f(z) alone, so a backward pass
keeps only the activities of its forward pass.
"""

import numpy as np

__all__ = ["ACTIVATIONS", "activate", "activation_slope"]

ACTIVATIONS = ("tanh", "logistic")
"""Hidden-unit transfer functions; the output layer is always linear."""


def activate(z, kind):
    """f(z) elementwise: tanh, or the logistic function 1 / (1 + e^-z).

    The logistic is written through tanh, 1/2 (1 + tanh(z/2)), so a large
    |z| does not overflow exp. `kind` is one of :data:`ACTIVATIONS`, already
    checked (any other name gives the logistic).

    Examples
    --------
    >>> activate(np.array([0.0]), "logistic")
    array([0.5])
    """
    if kind == "tanh":
        return np.tanh(z)
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # logistic, without overflow in exp


def activation_slope(a, kind):
    """f'(z) from the activity a = f(z): 1 - a^2 (tanh), a (1 - a) (logistic).

    Examples
    --------
    >>> activation_slope(np.array([0.5]), "logistic")
    array([0.25])
    """
    return 1.0 - a * a if kind == "tanh" else a * (1.0 - a)

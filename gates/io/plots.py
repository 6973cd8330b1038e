"""Figures for the study writers, built without pyplot.

A figure is a :class:`matplotlib.figure.Figure` with its own canvas: no
global pyplot state, and the user's backend (a notebook's inline backend,
say) is never switched. matplotlib is an extra (``pip install '.[plot]'``);
:func:`subplots` raises ImportError without it and callers say so.
"""

from gates.io.storage import atomic_path

__all__ = ["have_matplotlib", "subplots", "save_png", "NO_MATPLOTLIB"]

NO_MATPLOTLIB = "matplotlib is not installed (pip install '.[plot]')"


def have_matplotlib():
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def subplots(nrows=1, ncols=1, figsize=None, **kwargs):
    """``(fig, axes)`` as :func:`matplotlib.pyplot.subplots` gives them, on a detached Figure."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def save_png(fig, path, dpi=120):
    """Write `fig` as PNG to `path` atomically."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)

"""Figures for the study writers, built without pyplot.

A figure is a :class:`matplotlib.figure.Figure` with its own canvas: no
global pyplot state, and the user's backend (a notebook's inline backend,
say) is never switched. matplotlib is an extra (``pip install '.[plot]'``);
:func:`subplots` raises ImportError without it and callers say so
(:data:`NO_MATPLOTLIB`).

Examples
--------
A figure of the threshold-function counts (OEIS A000609) on a log scale,
written to a temporary folder when matplotlib is installed (without it,
callers print :data:`NO_MATPLOTLIB` once and skip their figures):

>>> import os, tempfile
>>> from gates.io.plots import have_matplotlib, save_png, subplots
>>> path = os.path.join(tempfile.mkdtemp(), "counts.png")
>>> if have_matplotlib():
...     fig, ax = subplots(figsize=(3, 2))
...     _ = ax.semilogy([1, 2, 3, 4, 5], [4, 14, 104, 1882, 94572], marker="o")
...     save_png(fig, path)
>>> os.path.exists(path) == have_matplotlib()      # a figure exactly when matplotlib is there
True
"""

from gates.io.storage import atomic_path

__all__ = ["have_matplotlib", "subplots", "save_png", "NO_MATPLOTLIB"]

NO_MATPLOTLIB = "matplotlib is not installed (pip install '.[plot]')"
"""What a writer says, once, when it skips its figures."""


def have_matplotlib():
    """True when matplotlib can be imported.

    Returns
    -------
    bool
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def subplots(nrows=1, ncols=1, figsize=None, **kwargs):
    """``(fig, axes)`` as :func:`matplotlib.pyplot.subplots` gives them, on a detached Figure.

    The figure is a :class:`matplotlib.figure.Figure` with its own canvas:
    no pyplot state, and the backend is left alone.

    Parameters
    ----------
    nrows, ncols : int, default 1
        The grid of axes.
    figsize : (float, float), optional
        Width and height in inches; matplotlib's default if None.
    **kwargs
        Passed to :meth:`matplotlib.figure.Figure.subplots` (``sharex``,
        ``squeeze``, ...).

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : matplotlib.axes.Axes or ndarray of them

    Raises
    ------
    ImportError
        When matplotlib is not installed (see :data:`NO_MATPLOTLIB`).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def save_png(fig, path, dpi=120):
    """Write `fig` as PNG to `path` atomically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, e.g. from :func:`subplots`.
    path : str or os.PathLike
        The file; its folder is created if needed. A failure leaves no
        partial file.
    dpi : int, default 120
        Resolution.
    """
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)

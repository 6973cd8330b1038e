"""What a writer of the single-unit studies returns: the files it wrote, and why any is missing."""

from typing import NamedTuple

__all__ = ["Written"]


class Written(NamedTuple):
    """The files a study's writer put into its folder.

    A named tuple, so ``files, note = write_...(...)`` keeps working.

    Parameters
    ----------
    files : list of str
        The names written.
    note : str, optional
        Why an expected file is missing.

    Attributes
    ----------
    files : list of str
        The names written, relative to the folder, in the order written.
    note : str or None
        Why an expected file is missing (a plot without matplotlib), else None.

    Examples
    --------
    >>> w = Written(["a.csv", "a.manifest.json"], None)
    >>> files, note = w
    >>> w.files == files, note is None
    (True, True)
    """

    files: list
    note: str = None

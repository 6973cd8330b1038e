"""Exception types and resource limits shared by every room of `gates`.

Every error a user can provoke is a :class:`GatesError`; the CLI prints its
message on one line and exits with status 2.
"""

import os

__all__ = [
    "GatesError",
    "InputError",
    "ResourceError",
    "UndecidedError",
    "memory_cap",
    "require_memory",
]


class GatesError(Exception):
    """Base class of every error `gates` reports to a user.

    Catch it to handle anything the user can provoke; the CLI prints its
    message on one line and exits with status 2.

    Examples
    --------
    >>> import gates
    >>> try:
    ...     gates.from_hex("6", 3)
    ... except gates.GatesError as err:
    ...     print(err)
    hex table '6' has 1 digits; n=3 needs exactly 2
    """


class InputError(GatesError, ValueError):
    """A bad argument: the message names the value and what is allowed.

    A :class:`ValueError` too, so code that catches ValueError keeps working.

    Examples
    --------
    >>> import gates
    >>> gates.is_threshold("e8", 13)
    Traceback (most recent call last):
    ...
    gates.errors.InputError: n=13 is out of range for the exact threshold test: allowed 0 <= n <= 12
    >>> issubclass(gates.InputError, ValueError)
    True
    """


class ResourceError(GatesError, MemoryError):
    """Work that would not fit; the message says what to do instead.

    A :class:`MemoryError` too. The limit is :func:`memory_cap`.

    Examples
    --------
    >>> from gates.errors import require_memory
    >>> require_memory(2**70, "a table of 2^70 bytes", "use n <= 5")
    Traceback (most recent call last):
    ...
    gates.errors.ResourceError: a table of 2^70 bytes needs 1048576.0 PiB, over the memory cap of ...; instead use n <= 5
    """


class UndecidedError(GatesError, RuntimeError):
    """An exact procedure could not produce a certificate within its budget.

    A :class:`RuntimeError` too. :func:`gates.is_threshold` raises it rather
    than guess; with its default budget that happens only for n >= 9.

    Examples
    --------
    NOR of four inputs is threshold, but one perceptron epoch is too few to
    prove it:

    >>> import gates
    >>> gates.is_threshold("0001", 4, max_epochs=1)
    Traceback (most recent call last):
    ...
    gates.errors.UndecidedError: no certificate for this n=4 function: ...
    >>> bool(gates.is_threshold("0001", 4))
    True
    """


_DEFAULT_CAP = 8 * 2**30


def memory_cap():
    """Bytes a single result may occupy: ``$GATES_MEMORY_CAP`` or 8 GiB.

    The variable accepts a plain byte count or a suffix K, M, G (powers of 2).

    Returns
    -------
    int

    Raises
    ------
    InputError
        When ``GATES_MEMORY_CAP`` is set but is not a byte count.

    Examples
    --------
    >>> from gates.errors import memory_cap
    >>> memory_cap() > 0
    True
    """
    raw = os.environ.get("GATES_MEMORY_CAP", "").strip()
    if not raw:
        return _DEFAULT_CAP
    scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(raw[-1].upper())
    try:
        return int(float(raw[:-1]) * scale) if scale else int(raw)
    except ValueError:
        raise InputError(
            f"GATES_MEMORY_CAP={raw!r} is not a byte count (examples: 4G, 512M, 1000000)"
        ) from None


def require_memory(nbytes, what, instead):
    """Raise :class:`ResourceError` when `nbytes` exceeds :func:`memory_cap`.

    Parameters
    ----------
    nbytes : int
        Size of the result that would be built.
    what : str
        What would be built, e.g. ``"all 2^32 functions of n=5"``.
    instead : str
        The alternative that works (streaming, classes, a batch job).

    Raises
    ------
    ResourceError
        When `nbytes` exceeds the cap; the message names `what`, both sizes
        and `instead`.
    """
    cap = memory_cap()
    if nbytes > cap:
        raise ResourceError(
            f"{what} needs {_human(nbytes)}, over the memory cap of {_human(cap)} "
            f"(GATES_MEMORY_CAP); instead {instead}"
        )


def _human(nbytes):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes} B"


def check_mutant(mutant, allowed):
    """`mutant` itself if it is None or one of `allowed` (a theorem check's mutants).

    Parameters
    ----------
    mutant : str or None
        The deliberately broken variant a theorem check should run, or None.
    allowed : sequence of str
        The check's mutants.

    Returns
    -------
    str or None

    Raises
    ------
    InputError
        For any other value; the message lists `allowed`.
    """
    if mutant is not None and mutant not in allowed:
        raise InputError(f"mutant {mutant!r} is unknown: allowed {', '.join(allowed)}")
    return mutant

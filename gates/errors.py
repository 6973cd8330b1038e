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
    """Base class of every error `gates` reports to a user."""


class InputError(GatesError, ValueError):
    """A bad argument: the message names the value and what is allowed."""


class ResourceError(GatesError, MemoryError):
    """Work that would not fit; the message says what to do instead."""


class UndecidedError(GatesError, RuntimeError):
    """An exact procedure could not produce a certificate within its budget."""


_DEFAULT_CAP = 8 * 2**30


def memory_cap():
    """Bytes a single result may occupy: ``$GATES_MEMORY_CAP`` or 8 GiB.

    The variable accepts a plain byte count or a suffix K, M, G (powers of 2).
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
    """`mutant` itself if it is None or one of `allowed` (a theorem check's mutants); else one-line InputError."""
    if mutant is not None and mutant not in allowed:
        raise InputError(f"mutant {mutant!r} is unknown: allowed {', '.join(allowed)}")
    return mutant

"""Input checks shared by every room: one message style, one place to fix.

Each checker takes the value and its user-facing name, returns the value in
its normalised type (a Python ``int``/``float``, a contiguous numpy array)
and raises :class:`gates.errors.InputError` with a one-line message that
names the value and what is allowed. Kernels never see unchecked input.
"""

import math

import numpy as np

from gates.errors import InputError

__all__ = [
    "is_int",
    "is_bool",
    "check_int",
    "check_count",
    "check_real",
    "check_positive",
    "check_fraction",
    "check_choice",
    "check_bool",
    "check_array",
    "check_matrix",
]


def is_int(value):
    """True for a Python or numpy integer that is not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_bool(value):
    """True for a Python or numpy bool."""
    return isinstance(value, (bool, np.bool_))


def check_int(value, name, lo=None, hi=None):
    """`value` as an int in [lo, hi] (either bound may be None)."""
    if not is_int(value) or (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InputError(f"{name} must be {_int_range(lo, hi)}, got {value!r}")
    return int(value)


def check_count(value, name, lo=1):
    """A whole number >= `lo`; an integral float such as ``5e8`` is accepted."""
    ok = is_int(value)
    if not ok and isinstance(value, (float, np.floating)):
        ok = math.isfinite(value) and float(value).is_integer()
    if not ok or value < lo:
        raise InputError(f"{name} must be a whole number >= {lo}, got {value!r}")
    return int(value)


def check_real(value, name, lo=None, hi=None, lo_open=False, hi_open=False):
    """`value` as a finite float in the interval given by `lo`/`hi` (closed unless `*_open`)."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    ok = ok and math.isfinite(value)
    if ok and lo is not None:
        ok = value > lo if lo_open else value >= lo
    if ok and hi is not None:
        ok = value < hi if hi_open else value <= hi
    if not ok:
        raise InputError(f"{name} must be a finite number{_real_range(lo, hi, lo_open, hi_open)}, got {value!r}")
    return float(value)


def check_positive(value, name, zero=False):
    """A finite number > 0 (>= 0 with ``zero=True``)."""
    return check_real(value, name, lo=0, lo_open=not zero)


def check_fraction(value, name, open_right=True):
    """A finite number in [0, 1) (or [0, 1] with ``open_right=False``)."""
    return check_real(value, name, lo=0, hi=1, hi_open=open_right)


def check_choice(value, name, choices):
    """`value` itself when it is one of `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise InputError(f"{name} {value!r} is unknown: allowed {', '.join(map(str, choices))}")
    return value


def check_bool(value, name):
    """`value` as a Python bool: True or False (a numpy bool too), never 0, 1 or a string."""
    if not isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} must be true or false, got {value!r}")
    return bool(value)


def check_array(a, name, dtype=np.float64, shape=None, finite=True):
    """`a` as a C-contiguous array of `dtype`.

    `shape` is a tuple whose entries are sizes or None (any size); its length
    fixes the number of dimensions. With `finite`, NaN and infinity are refused.
    """
    try:
        arr = np.ascontiguousarray(a, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name} must be a numeric array (of {np.dtype(dtype).name} values)") from None
    if shape is not None and (arr.ndim != len(shape)
                              or any(s is not None and s != t for s, t in zip(shape, arr.shape))):
        want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        dims = f" ({len(shape)}-D)" if arr.ndim != len(shape) else ""
        raise InputError(f"{name} has shape {arr.shape}; expected {want}{dims}")
    if finite and arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise InputError(f"{name} holds non-finite values")
    return arr


def check_matrix(a, name, dtype=np.float64):
    """`a` as a C-contiguous (P, n) array of `dtype`, P, n >= 1 (rows are examples), finite."""
    arr = check_array(a, name, dtype=dtype)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise InputError(f"{name} must be a (P, n) array with P, n >= 1 (rows are examples), got shape {arr.shape}")
    return arr


def _int_range(lo, hi):
    if lo is not None and hi is not None:
        return f"an integer in {lo}..{hi}"
    if lo is not None:
        return f"an integer >= {lo}"
    if hi is not None:
        return f"an integer <= {hi}"
    return "an integer"


def _real_range(lo, hi, lo_open, hi_open):
    if lo is not None and hi is not None:
        return f" in {'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
    if lo is not None:
        return f" {'>' if lo_open else '>='} {lo}"
    if hi is not None:
        return f" {'<' if hi_open else '<='} {hi}"
    return ""

"""The result objects every study returns: ``to_dict()`` is what its command prints with ``--json``.

A study function (a census, the Hopfield study, the channel study, the
theorem checks, a batch job, the tables) returns a :class:`Result`. Two
methods are the contract:

- ``to_dict()`` returns a new JSON-ready dict, equal to the object the
  study's command prints with ``--json`` for the same arguments (a test
  checks each one);
- ``summary()`` returns the short text the command prints without ``--json``.

A :class:`Result` also reads like the dict (``result["key"]``), so code
written against the earlier dict returns keeps working. Study-specific
result classes (for example :class:`gates.CensusResult`) subclass it.
"""

import json
from collections.abc import Mapping

import numpy as np

__all__ = ["Result"]


def _plain(value):
    """`value` with numpy scalars and arrays made plain Python (JSON-ready)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


class Result(Mapping):
    """A study's result: a read-only mapping with ``to_dict()`` and ``summary()``.

    Parameters
    ----------
    data : mapping
        The JSON summary (what the command prints with ``--json``).
    text : str, optional
        The human summary; default: one ``key: value`` line per scalar entry.
    **payload
        Extra attributes that are not part of the JSON summary (arrays,
        per-function results), reachable as attributes.

    Examples
    --------
    >>> r = Result({"n": 3, "learnable": 104}, text="104 of 256 functions")
    >>> r["learnable"], r.to_dict()
    (104, {'n': 3, 'learnable': 104})
    >>> r.summary()
    '104 of 256 functions'
    """

    def __init__(self, data, text=None, **payload):
        self._data = dict(data)
        self._text = text
        for key, value in payload.items():
            setattr(self, key, value)

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def to_dict(self):
        """The JSON summary as a new dict of plain Python values (what ``--json`` prints)."""
        return _plain(self._data)

    def to_json(self):
        """:meth:`to_dict` as one line of JSON."""
        return json.dumps(self.to_dict())

    def summary(self):
        """The short text the command prints without ``--json``."""
        if self._text is not None:
            return self._text
        lines = [f"{k}: {v}" for k, v in self.to_dict().items() if not isinstance(v, (dict, list))]
        return "\n".join(lines)

    def __repr__(self):
        keys = ", ".join(list(self._data)[:6]) + (", ..." if len(self._data) > 6 else "")
        return f"<{type(self).__name__} with {keys}>"
